/*
 * bench_sim.c -- speed of churn_simulate on the demo's operator (100,000 subscribers x 24
 * months by default): subscribers/s and events/s with 1 thread and with every core (the peer in
 * the same run), a check that both give the same events, the CSV export and the peak RSS.
 *
 *   cc -O2 -Iinclude bench/bench_sim.c -o /tmp/bench_sim -Lbuild-sim/lib -lchurn \
 *      -Wl,-rpath,$PWD/build-sim/lib && /tmp/bench_sim [subscribers] [months] [csv_dir]
 */
#include <churn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds (user + system) of the process so far: less sensitive than wall time to other
 * processes on a shared machine. */
static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, churn_last_error());
  exit(1);
}

/* FNV-1a over the event columns, to compare runs. */
static uint64_t digest(const churn_dataset *ds) {
  static const char *const cols[] = {"subscriber", "time", "kind", "code", "code2", "value",
                                     "aux1", "aux2"};
  static const size_t size[] = {4, 8, 1, 1, 1, 8, 4, 4};
  uint64_t h = 1469598103934665603ull;
  int64_t n = churn_dataset_num_events(ds);
  for (int c = 0; c < 8; c++) {
    churn_dtype dt;
    const void *p;
    if (churn_dataset_event_column(ds, cols[c], &dt, &p) != CHURN_OK) die("event column");
    const unsigned char *b = p;
    for (size_t i = 0; i < (size_t)n * size[c]; i++) h = (h ^ b[i]) * 1099511628211ull;
  }
  return h;
}

static churn_dataset *run(int64_t subs, int64_t months, int threads, double *secs,
                          double *cpu_secs) {
  churn_options *o;
  if (churn_options_new(&o) != CHURN_OK) die("options");
  churn_options_set_int(o, CHURN_OPT_SIM_SUBSCRIBERS, subs);
  churn_options_set_int(o, CHURN_OPT_SIM_MONTHS, months);
  churn_options_set_int(o, CHURN_OPT_SIM_THREADS, threads);
  churn_dataset *ds;
  churn_table *truth;
  double t0 = now(), c0 = cpu();
  if (churn_simulate(o, &ds, &truth) != CHURN_OK) die("churn_simulate");
  *secs = now() - t0;
  *cpu_secs = cpu() - c0;
  churn_table_free(truth);
  churn_options_free(o);
  return ds;
}

int main(int argc, char **argv) {
  int64_t subs = argc > 1 ? atoll(argv[1]) : 100000, months = argc > 2 ? atoll(argv[2]) : 24;
  const char *csv_dir = argc > 3 ? argv[3] : NULL;
  double t1, tn, c1, cn;
  churn_dataset *a = run(subs, months, 1, &t1, &c1);
  uint64_t ha = digest(a);
  int64_t S = churn_dataset_num_subscribers(a), E = churn_dataset_num_events(a);
  churn_dataset_free(a);
  churn_dataset *b = run(subs, months, 0, &tn, &cn);
  uint64_t hb = digest(b);
  printf("operator: %lld subscribers at start x %lld months -> %lld subscribers, %lld events "
         "(%.1f per subscriber)\n", (long long)subs, (long long)months, (long long)S,
         (long long)E, (double)E / (double)S);
  printf("1 thread:  wall %6.2f s  %9.0f subscribers/s  %11.0f events/s  (CPU %.2f s: %.0f "
         "events per CPU-second)\n", t1, S / t1, E / t1, c1, E / c1);
  printf("all cores: wall %6.2f s  %9.0f subscribers/s  %11.0f events/s  (CPU %.2f s; wall "
         "speed-up %.2fx)\n", tn, S / tn, E / tn, cn, t1 / tn);
  printf("same events with 1 thread and all cores: %s\n", ha == hb ? "yes" : "NO");
  if (csv_dir) {
    char sp[4096], ep[4096];
    snprintf(sp, sizeof sp, "%s/subscribers.csv", csv_dir);
    snprintf(ep, sizeof ep, "%s/events.csv", csv_dir);
    double t0 = now(), c0 = cpu();
    if (churn_dataset_write_csv(b, sp, ep) != CHURN_OK) die("write_csv");
    double tw = now() - t0, cw = cpu() - c0;
    printf("CSV export: wall %6.2f s  %11.0f events/s  (CPU %.2f s)\n", tw, E / tw, cw);
  }
  churn_dataset_free(b);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("peak RSS: %.0f MiB\n", ru.ru_maxrss / 1024.0);
  return ha == hb ? 0 : 1;
}
