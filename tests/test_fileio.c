/*
 * test_fileio.c -- atomic file replacement and whole-file reads, with their error messages.
 */
#include "common/fileio.h"
#include "helpers.h"

#include <dirent.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  }
  closedir(d);
  return n;
}

Test(fileio, write_replace_and_read_back) {
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/fileio-a", test_tmpdir());
  mkdir(dir, 0700);
  snprintf(path, sizeof path, "%s/model.bin", dir);
  ASSERT_OK(churn__write_file_atomic(path, "first", 5));
  ASSERT_OK(churn__write_file_atomic(path, "second!", 7));
  uint8_t *data;
  size_t len;
  ASSERT_OK(churn__read_file(path, &data, &len));
  cr_assert_eq(len, 7);
  cr_assert(memcmp(data, "second!", 7) == 0);
  churn__free(data);
  cr_assert_eq(count_entries(dir), 1, "no temporary file left behind");
  ASSERT_OK(churn__write_file_atomic(path, "", 0));
  ASSERT_OK(churn__read_file(path, &data, &len));
  cr_assert_eq(len, 0);
  churn__free(data);
}

Test(fileio, errors_name_the_path_and_keep_the_old_file) {
  uint8_t *data;
  size_t len;
  ASSERT_FAILS(churn__read_file("/nonexistent/dir/x.msgpack", &data, &len), CHURN_E_IO,
               "/nonexistent/dir/x.msgpack");
  ASSERT_FAILS(churn__write_file_atomic("/nonexistent/dir/x.msgpack", "a", 1), CHURN_E_IO,
               "/nonexistent/dir/x.msgpack");
  ASSERT_FAILS(churn__read_file(test_tmpdir(), &data, &len), CHURN_E_IO, "not a regular file");
  ASSERT_FAILS(churn__write_file_atomic(NULL, "a", 1), CHURN_E_ARG, "NULL");
  /* A failing write (the target is a folder) leaves no temporary behind. */
  char dir[512], sub[600];
  snprintf(dir, sizeof dir, "%s/fileio-b", test_tmpdir());
  mkdir(dir, 0700);
  snprintf(sub, sizeof sub, "%s/occupied", dir);
  mkdir(sub, 0700);
  ASSERT_FAILS(churn__write_file_atomic(sub, "abc", 3), CHURN_E_IO, "not a regular file (a folder)");
  cr_assert_eq(count_entries(dir), 1);
}

Test(fileio, allocation_failure_is_clean) {
  char path[600];
  snprintf(path, sizeof path, "%s/nomem.bin", test_tmpdir());
  churn_testing_fail_alloc(1);
  ASSERT_FAILS(churn__write_file_atomic(path, "abc", 3), CHURN_E_NOMEM, "temporary file name");
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn__write_file_atomic(path, "abc", 3));
}

/* Issue 21 #1: saving must never touch the process umask.  The old code read it with
 * umask(0); umask(mask), and 8 threads saving at once could leave the process umask at 000
 * (every later file world-writable).  Here 8 threads save 150 files each under umask 027; the
 * umask must still be 027 afterwards and every saved file mode 0640 (0666 & ~027). */
typedef struct umask_job {
  const char *dir;
  int id;
} umask_job;

static void *save_many(void *arg) {
  const umask_job *j = arg;
  char path[700];
  for (int i = 0; i < 150; i++) {
    snprintf(path, sizeof path, "%s/t%d-%d.bin", j->dir, j->id, i);
    if (churn__write_file_atomic(path, "x", 1) != CHURN_OK) return (void *)1;
  }
  return NULL;
}

Test(fileio, concurrent_saves_leave_the_umask_alone, .timeout = 120) {
  char dir[512], path[700];
  snprintf(dir, sizeof dir, "%s/fileio-umask", test_tmpdir());
  mkdir(dir, 0700);
  mode_t old = umask(027);
  pthread_t th[8];
  umask_job jobs[8];
  for (int k = 0; k < 8; k++) {
    jobs[k] = (umask_job){dir, k};
    cr_assert_eq(pthread_create(&th[k], NULL, save_many, &jobs[k]), 0);
  }
  int failed = 0;
  for (int k = 0; k < 8; k++) {
    void *rv;
    pthread_join(th[k], &rv);
    failed += rv != NULL;
  }
  mode_t now = umask(old);
  cr_assert_eq(failed, 0);
  cr_assert_eq(now, 027, "the process umask changed to %03o", (unsigned)now);
  for (int k = 0; k < 8; k++) {
    for (int i = 0; i < 150; i++) {
      snprintf(path, sizeof path, "%s/t%d-%d.bin", dir, k, i);
      struct stat sb;
      cr_assert_eq(stat(path, &sb), 0);
      cr_assert_eq(sb.st_mode & 0777, 0640, "%s has mode %03o", path, (unsigned)(sb.st_mode & 0777));
    }
  }
}

/* Issue 21 #13: a FIFO given as a file to read is refused at once (open used to block forever
 * waiting for a writer), and the message says what it is. */
Test(fileio, a_fifo_is_refused_without_blocking, .timeout = 10) {
  char path[600];
  snprintf(path, sizeof path, "%s/fileio-fifo", test_tmpdir());
  unlink(path);
  cr_assert_eq(mkfifo(path, 0600), 0);
  uint8_t *data;
  size_t len;
  ASSERT_FAILS(churn__read_file(path, &data, &len), CHURN_E_IO, "a FIFO");
  ASSERT_FAILS(churn__read_file("/dev/null", &data, &len), CHURN_E_IO, "character device");
  /* Writing "atomically" onto a FIFO (or a device: --out /dev/full) must not rename a plain
   * file over the node; the old code replaced it. */
  ASSERT_FAILS(churn__write_file_atomic(path, "abc", 3), CHURN_E_IO, "not a regular file (a FIFO)");
  struct stat sb;
  cr_assert_eq(stat(path, &sb), 0);
  cr_assert(S_ISFIFO(sb.st_mode), "the FIFO is still a FIFO");
  ASSERT_FAILS(churn_file_write(path, NULL, 1), CHURN_E_ARG, "data is NULL");
  unlink(path);
}
