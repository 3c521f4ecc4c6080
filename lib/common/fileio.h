/*
 * fileio.h -- whole-file reads and atomic writes (temp file in the same folder, write, fsync,
 * rename, fsync the folder), so a reader never sees a half-written model or dataset, even when
 * the process is killed mid-write.
 */
#ifndef CHURN_FILEIO_H
#define CHURN_FILEIO_H

#include "internal.h"

/* Writes len bytes to path atomically.  CHURN_E_IO with the path and errno text on failure; the
 * old file, if any, is then untouched and the temporary removed. */
churn_status churn__write_file_atomic(const char *path, const void *data, size_t len);

/* Opens path for reading, refusing anything but a regular file (a folder, FIFO, device or
 * socket: CHURN_E_IO naming what it is) without blocking on a FIFO.  *size (may be NULL) gets
 * the file's size.  The caller closes *fd. */
churn_status churn__open_regular(const char *path, int *fd, int64_t *size);

/* Reads a whole file into a new buffer (free with churn__free).  CHURN_E_IO naming the path. */
churn_status churn__read_file(const char *path, uint8_t **data, size_t *len);

#endif
