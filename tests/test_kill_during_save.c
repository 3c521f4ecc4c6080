/*
 * test_kill_during_save.c -- no data loss: a child process keeps replacing a large file through
 * the library's atomic writer while the parent kills it at random moments with SIGKILL; the file
 * must always be one complete version, never a truncated or mixed one.
 */
#include "fileio.h"
#include "helpers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE (24u << 20)

static void writer_loop(const char *path) {
  uint8_t *buf = malloc(SIZE);
  for (unsigned round = 0;; round++) {
    memset(buf, 'a' + (int)(round % 2), SIZE);
    if (churn__write_file_atomic(path, buf, SIZE) != CHURN_OK) _exit(3);
  }
}

Test(kill_during_save, file_is_always_complete, .timeout = 120) {
  char path[600];
  snprintf(path, sizeof path, "%s/victim.bin", test_tmpdir());
  uint8_t *init = malloc(SIZE);
  memset(init, 'a', SIZE);
  ASSERT_OK(churn__write_file_atomic(path, init, SIZE));
  free(init);
  srand((unsigned)time(NULL));
  for (int trial = 0; trial < 12; trial++) {
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) writer_loop(path);
    struct timespec ts = {0, (long)(20 + rand() % 300) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "the writer died by itself (status %d)", status);
    uint8_t *data;
    size_t len;
    ASSERT_OK(churn__read_file(path, &data, &len));
    cr_assert_eq(len, SIZE, "trial %d: file has %zu bytes", trial, len);
    uint8_t first = data[0];
    cr_assert(first == 'a' || first == 'b');
    for (size_t i = 0; i < len; i += 4093) {
      cr_assert_eq(data[i], first, "trial %d: mixed content at byte %zu", trial, i);
    }
    cr_assert_eq(data[len - 1], first);
    churn__free(data);
  }
}
