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
#include <sys/stat.h>
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

churn_status churn__write_file_atomic(const char *path, const void *data, size_t len) {
  CHURN_CHECK_ARG(path != NULL && path[0] != '\0', "file path is NULL or empty");
  size_t n = strlen(path);
  char *tmp = churn__malloc(n + 16);
  if (tmp == NULL) return churn__nomem("temporary file name");
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".tmp.XXXXXX", 12);
  int fd = mkstemp(tmp);
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
  /* mkstemp creates 0600; give the file the usual permissions a plain create would. */
  if (st == CHURN_OK) {
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
  }
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

churn_status churn__read_file(const char *path, uint8_t **data, size_t *len) {
  CHURN_CHECK_ARG(path != NULL, "file path is NULL");
  int fd = open(path, O_RDONLY);
  if (fd < 0) return io_fail("cannot open", path, errno);
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return io_fail("cannot stat", path, e);
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return churn__fail(CHURN_E_IO, "'%s' is not a regular file", path);
  }
  size_t size = (size_t)sb.st_size;
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
