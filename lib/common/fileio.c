/*
 * fileio.c -- whole-file reads and atomic writes: a temporary file in the destination's folder,
 * written and fsync'd, then renamed over the destination and the folder fsync'd.  A reader sees
 * the old file or the new one, never a mixture, even if the process dies mid-write.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static churn_status io_fail(const char *what, const char *path, int err) {
  return churn__fail(CHURN_E_IO, "%s '%s': %s", what, path, strerror(err));
}

/* The folder part of path ("." when there is none), in buf. */
static void dir_of(const char *path, char *buf, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    snprintf(buf, cap, ".");
  } else if (slash == path) {
    snprintf(buf, cap, "/");
  } else {
    snprintf(buf, cap, "%.*s", (int)(slash - path), path);
  }
}

static const char *kind_of(mode_t m) {
  return S_ISDIR(m)    ? "a folder"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISSOCK(m) ? "a socket"
                       : "a special file";
}

/* Creates a new temporary file next to path, named path.tmp.XXXXXXXXXXXX with random hex, with
 * mode 0666: the kernel applies the process umask, as for a plain create.  (mkstemp makes 0600,
 * and the only portable way to read the umask is to change it, which is process-global: with
 * threads saving at once the umask could be left at 000.  So neither is used.) */
static int create_temp(const char *path, char *tmp, size_t n) {
  memcpy(tmp, path, n);
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned char rnd[6];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
      /* no entropy source: the time, the address and the attempt still differ per call */
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)tmp ^
                   ((uint64_t)attempt << 56) ^ (uint64_t)getpid();
      for (size_t i = 0; i < sizeof rnd; i++) rnd[i] = (unsigned char)(x >> (8 * i));
    }
    snprintf(tmp + n, 18, ".tmp.%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

churn_status churn__write_file_atomic(const char *path, const void *data, size_t len) {
  CHURN_CHECK_ARG(path != NULL && path[0] != '\0', "file path is NULL or empty");
  /* Renaming over a device, FIFO or folder would replace the node itself (as root, /dev/null
   * would become a plain file): refuse anything that exists and is not a regular file. */
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
    return churn__fail(CHURN_E_IO, "cannot write '%s': it is not a regular file (%s)", path,
                       kind_of(sb.st_mode));
  }
  size_t n = strlen(path);
  char *tmp = churn__malloc(n + 18);
  if (tmp == NULL) return churn__nomem("temporary file name");
  int fd = create_temp(path, tmp, n);
  if (fd < 0) {
    churn_status st = io_fail("cannot create a temporary file next to", path, errno);
    churn__free(tmp);
    return st;
  }
  const char *p = data;
  size_t left = len;
  churn_status st = CHURN_OK;
  while (left > 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      st = io_fail("cannot write", tmp, errno);
      break;
    }
    p += w;
    left -= (size_t)w;
  }
  if (st == CHURN_OK && fsync(fd) != 0) st = io_fail("cannot fsync", tmp, errno);
  if (close(fd) != 0 && st == CHURN_OK) st = io_fail("cannot close", tmp, errno);
  if (st == CHURN_OK && rename(tmp, path) != 0) st = io_fail("cannot rename onto", path, errno);
  if (st != CHURN_OK) {
    unlink(tmp);
    churn__free(tmp);
    return st;
  }
  churn__free(tmp);
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {  /* best effort: some file systems refuse fsync on folders */
    fsync(dfd);
    close(dfd);
  }
  return CHURN_OK;
}

churn_status churn__open_regular(const char *path, int *fd_out, int64_t *size) {
  CHURN_CHECK_ARG(path != NULL, "file path is NULL");
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever, before
   * the regular-file check below could refuse it.  It has no effect on regular files. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return io_fail("cannot open", path, errno);
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return io_fail("cannot stat", path, e);
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return churn__fail(CHURN_E_IO, "'%s' is not a regular file (%s)", path, kind_of(sb.st_mode));
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *fd_out = fd;
  if (size) *size = (int64_t)sb.st_size;
  return CHURN_OK;
}

churn_status churn__read_file(const char *path, uint8_t **data, size_t *len) {
  CHURN_CHECK_ARG(path != NULL, "file path is NULL");
  int fd;
  int64_t fsize;
  CHURN_TRY(churn__open_regular(path, &fd, &fsize));
  size_t size = (size_t)fsize;
  uint8_t *buf = churn__malloc(size);
  if (buf == NULL) {
    close(fd);
    return churn__nomem("file contents");
  }
  size_t got = 0;
  while (got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      churn__free(buf);
      return io_fail("cannot read", path, e);
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  close(fd);
  *data = buf;
  *len = got;
  return CHURN_OK;
}

CHURN_API churn_status churn_file_write(const char *path, const void *data, size_t len) {
  CHURN_CHECK_ARG(data != NULL || len == 0, "churn_file_write: data is NULL but len is %zu", len);
  return churn__write_file_atomic(path, data, len);
}
