/*
 * report_file.c -- writes the report's files atomically (temporary file in the same folder,
 * fsync, rename, fsync of the folder), so a reader never sees half a report file and a failed
 * write leaves the previous file in place.  The library's own atomic writer is internal, so
 * the command has this one helper.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool report_make_dir(const char *dir, char *err, size_t cap) {
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    snprintf(err, cap, "--out %s exists and is not a folder", dir);
    return false;
  }
  if (mkdir(dir, 0777) != 0) {
    snprintf(err, cap, "cannot create folder %s: %s", dir, strerror(errno));
    return false;
  }
  return true;
}

bool report_write_file(const char *dir, const char *name, const rbuf *b, char *err, size_t cap) {
  char path[4096], tmp[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
      snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name) >= (int)sizeof tmp) {
    snprintf(err, cap, "path too long: %s/%s", dir, name);
    return false;
  }
  if (b->failed) {
    snprintf(err, cap, "cannot write %s: out of memory", path);
    return false;
  }
  int fd = mkstemp(tmp);
  if (fd < 0) {
    snprintf(err, cap, "cannot write %s: %s", path, strerror(errno));
    return false;
  }
  const char *p = b->data ? b->data : "";
  size_t left = b->len;
  int e = 0;
  while (left > 0 && e == 0) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) e = w < 0 ? errno : EIO;
    else p += w, left -= (size_t)w;
  }
  /* mkstemp makes 0600; a report is for reading, so give it the usual 0644 explicitly. */
  if (e == 0 && fchmod(fd, 0644) != 0) e = errno;
  if (e == 0 && fsync(fd) != 0) e = errno;
  if (close(fd) != 0 && e == 0) e = errno;
  if (e == 0 && rename(tmp, path) != 0) e = errno;
  if (e != 0) {
    unlink(tmp);
    snprintf(err, cap, "cannot write %s: %s", path, strerror(e));
    return false;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd); /* best effort: some file systems refuse fsync on a folder */
    close(dfd);
  }
  return true;
}
