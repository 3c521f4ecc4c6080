/*
 * test_fileio.c -- atomic file replacement and whole-file reads, with their error messages.
 */
#include "common/fileio.h"
#include "helpers.h"

#include <dirent.h>
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
  ASSERT_FAILS(churn__write_file_atomic(sub, "abc", 3), CHURN_E_IO, "cannot rename");
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
