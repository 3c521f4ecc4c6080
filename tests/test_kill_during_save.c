/*
 * test_kill_during_save.c -- no data loss: a child process keeps replacing a large file through
 * the library's atomic writer while the parent kills it at random moments with SIGKILL; the file
 * must always be one complete version, never a truncated or mixed one.
 */
#include "common/fileio.h"
#include "helpers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE (24u << 20)

/* No Criterion .timeout here: with a timeout, Criterion's runner leaks a 48-byte record when the
 * test forks children of its own, which fails the LeakSanitizer run; meson's timeout applies. */

static void writer_loop(const char *path) {
  uint8_t *buf = malloc(SIZE);
  for (unsigned round = 0;; round++) {
    memset(buf, 'a' + (int)(round % 2), SIZE);
    if (churn__write_file_atomic(path, buf, SIZE) != CHURN_OK) _exit(3);
  }
}

Test(kill_during_save, file_is_always_complete) {
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

/* The same through the public save of a real dataset (tens of MB of msgpack): after each kill
 * the file loads, checksum and all, as one of the two versions the child alternates between. */
static churn_dataset *simulated(int64_t seed) {
  churn_options *o = NULL;
  churn_dataset *ds = NULL;
  cr_assert_eq(churn_options_new(&o), CHURN_OK);
  churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, 6000);
  churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, 12);
  churn_options_set_int(o, CHURN_OPT_SIM_SEED, seed);
  cr_assert_eq(churn_simulate(o, &ds, NULL), CHURN_OK, "%s", churn_last_error());
  churn_options_free(o);
  return ds;
}

Test(kill_during_save, dataset_file_always_loads) {
  char path[600];
  snprintf(path, sizeof path, "%s/dataset.msgpack", test_tmpdir());
  churn_dataset *a = simulated(1), *b = simulated(2);
  int64_t na = churn_dataset_num_events(a), nb = churn_dataset_num_events(b);
  cr_assert_neq(na, nb);
  ASSERT_OK(churn_dataset_save(a, path));
  srand((unsigned)time(NULL) ^ 0x5eed);
  for (int trial = 0; trial < 8; trial++) {
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
      for (unsigned round = 0;; round++) {
        if (churn_dataset_save(round % 2 ? a : b, path) != CHURN_OK) _exit(3);
      }
    }
    struct timespec ts = {0, (long)(50 + rand() % 400) * 1000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFSIGNALED(status), "the saving child died by itself (status %d)", status);
    churn_dataset *back = NULL;
    ASSERT_OK(churn_dataset_load(path, &back));
    int64_t n = churn_dataset_num_events(back);
    cr_assert(n == na || n == nb, "trial %d: loaded %lld events", trial, (long long)n);
    churn_dataset_free(back);
  }
  churn_dataset_free(a);
  churn_dataset_free(b);
}
