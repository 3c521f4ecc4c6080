/*
 * bench_ingest.c -- the C side of bench/bench_ingest.py: generates a realistic subscribers +
 * events CSV pair, ingests them with libchurn (timed, peak RSS from getrusage), and times the
 * msgpack save and load of the resulting dataset.  Prints "key value" lines for the script.
 *   bench_ingest gen SUBS.csv EVENTS.csv NSUBS TARGET_MB SEED
 *   bench_ingest ingest SUBS.csv EVENTS.csv [OUT.churnds]
 *   bench_ingest load FILE.churnds
 *   bench_ingest events SUBS.csv EVENTS.csv THREADS   (events only, CHURN_OPT_INGEST_THREADS)
 */
#include <churn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Peak RSS of this process from /proc (VmHWM): getrusage's ru_maxrss would carry the parent's
 * peak over fork + exec, which is large when the parent is a Python process with pandas. */
static long peak_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) kb = atol(line + 6);
  }
  if (f) fclose(f);
  return kb;
}

static void check(churn_status st, const char *what) {
  if (st != CHURN_OK) {
    fprintf(stderr, "%s: %s: %s\n", what, churn_status_name(st), churn_last_error());
    exit(1);
  }
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void ymd(int64_t t, char *out) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int gen(const char *subs, const char *events, long nsubs, double target_mb) {
  FILE *fs = fopen(subs, "w"), *fe = fopen(events, "w");
  if (!fs || !fe) return 1;
  static const char *regions[] = {"north", "south", "east", "west", "central"};
  static const char *tiers[] = {"low", "mid", "high"};
  static const char *packages[] = {"basic", "family", "sports", "premium"};
  fprintf(fs, "subscriber_id,activation,region,tier,package,price,services,vip\n");
  const int64_t t0 = 1640995200; /* 2022-01-01 */
  for (long s = 0; s < nsubs; s++) {
    char d[32];
    ymd(t0 + (int64_t)(next() % (86400ull * 365)), d);
    fprintf(fs, "C%08ld,%.10s,%s,%s,%s,%d.%02d,%d,%d\n", s, d, regions[next() % 5],
            tiers[next() % 3], packages[next() % 4], 20 + (int)(next() % 80),
            (int)(next() % 100), 1 + (int)(next() % 3), (int)(next() % 20 == 0));
  }
  fclose(fs);
  static const char *genres[] = {"news", "sports", "movies", "kids", "drama", "music"};
  static const char *slots[] = {"morning", "daytime", "prime", "late"};
  fprintf(fe, "subscriber_id,time,kind,value,code,code2\n");
  const int64_t t1 = 1704067200; /* 2024-01-01: events after every activation, in time order */
  double bytes = 0, target = target_mb * 1e6;
  long i = 0;
  char d[32];
  while (bytes < target) {
    int64_t t = t1 + i / 8;
    long s = (long)(next() % (uint64_t)nsubs);
    ymd(t, d);
    unsigned r = (unsigned)(next() % 100);
    int n;
    if (r < 40) {
      n = fprintf(fe, "C%08ld,%s,view,%d.%d,%s,%s\n", s, d, (int)(next() % 180), (int)(next() % 10),
                  genres[next() % 6], slots[next() % 4]);
    } else if (r < 70) {
      n = fprintf(fe, "C%08ld,%s,heartbeat,,,\n", s, d);
    } else if (r < 78) {
      n = fprintf(fe, "C%08ld,%s,bill,%d.%02d,,\n", s, d, 20 + (int)(next() % 80),
                  (int)(next() % 100));
    } else if (r < 86) {
      n = fprintf(fe, "C%08ld,%s,payment,%d.%02d,,\n", s, d, 20 + (int)(next() % 80),
                  (int)(next() % 100));
    } else if (r < 96) {
      n = fprintf(fe, "C%08ld,%s,usage,%d.%d,broadband,\n", s, d, (int)(next() % 5000),
                  (int)(next() % 10));
    } else if (r < 98) {
      n = fprintf(fe, "C%08ld,%s,fault,,%d,\n", s, d, (int)(next() % 5));
    } else {
      n = fprintf(fe, "C%08ld,%s,complaint,,%d,\n", s, d, (int)(next() % 5));
    }
    bytes += n;
    i++;
  }
  fclose(fe);
  printf("generated_events %ld\n", i);
  return 0;
}

static int ingest(const char *subs, const char *events, const char *out) {
  churn_dataset *ds;
  churn_options *o;
  check(churn_dataset_new(&ds), "new");
  check(churn_options_new(&o), "options");
  double a = now();
  check(churn_dataset_read_subscribers_csv(ds, subs, o), "subscribers");
  double b = now(), bc = cpu();
  long rss_subs = peak_rss_kb();
  check(churn_dataset_read_events_csv(ds, events, o), "events");
  double c = now(), cc = cpu();
  long rss_read = peak_rss_kb();
  check(churn_dataset_finalize(ds, o), "finalize");
  double d = now(), dc = cpu();
  printf("events_csv_cpu_seconds %.4f\nfinalize_cpu_seconds %.4f\n", cc - bc, dc - cc);
  int64_t n = churn_dataset_num_events(ds), rej;
  check(churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &rej), "count");
  printf("subscribers %lld\nevents %lld\nrejected %lld\n", (long long)churn_dataset_num_subscribers(ds),
         (long long)n, (long long)rej);
  printf("subs_seconds %.4f\nevents_csv_seconds %.4f\nfinalize_seconds %.4f\n", b - a, c - b, d - c);
  printf("rss_after_subscribers_kb %ld\nrss_after_events_csv_kb %ld\nrss_peak_after_finalize_kb %ld\n",
         rss_subs, rss_read, peak_rss_kb());
  /* the event log proper: 31 bytes per event + offsets */
  printf("event_log_bytes %lld\n",
         (long long)(n * 31 + (churn_dataset_num_subscribers(ds) + 1) * 8));
  if (out) {
    double e = now(), ec = cpu();
    check(churn_dataset_save(ds, out), "save");
    printf("save_seconds %.4f\nsave_cpu_seconds %.4f\n", now() - e, cpu() - ec);
  }
  churn_options_free(o);
  churn_dataset_free(ds);
  return 0;
}

/* Only the events read, with `threads` parse threads (CHURN_OPT_INGEST_THREADS). */
static int events_only(const char *subs, const char *events, long threads) {
  churn_dataset *ds;
  churn_options *o;
  check(churn_dataset_new(&ds), "new");
  check(churn_options_new(&o), "options");
  check(churn_options_set_int(o, CHURN_OPT_INGEST_THREADS, threads), "threads");
  check(churn_dataset_read_subscribers_csv(ds, subs, o), "subscribers");
  double b = now(), bc = cpu();
  check(churn_dataset_read_events_csv(ds, events, o), "events");
  printf("events_csv_seconds %.4f\nevents_csv_cpu_seconds %.4f\n", now() - b, cpu() - bc);
  int64_t rej;
  check(churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &rej), "count");
  printf("events %lld\nrejected %lld\nrss_kb %ld\n", (long long)churn_dataset_num_events(ds),
         (long long)rej, peak_rss_kb());
  churn_options_free(o);
  churn_dataset_free(ds);
  return 0;
}

static int load(const char *path) {
  churn_dataset *ds;
  double a = now(), ac = cpu();
  check(churn_dataset_load(path, &ds), "load");
  printf("load_cpu_seconds %.4f\n", cpu() - ac);
  printf("load_seconds %.4f\nload_events %lld\nload_rss_peak_kb %ld\n", now() - a,
         (long long)churn_dataset_num_events(ds), peak_rss_kb());
  churn_dataset_free(ds);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 7 && strcmp(argv[1], "gen") == 0) {
    rng ^= strtoull(argv[6], NULL, 10) * 0x9E3779B97F4A7C15ull;
    return gen(argv[2], argv[3], atol(argv[4]), atof(argv[5]));
  }
  if (argc >= 4 && strcmp(argv[1], "ingest") == 0) return ingest(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
  if (argc == 3 && strcmp(argv[1], "load") == 0) return load(argv[2]);
  if (argc == 5 && strcmp(argv[1], "events") == 0) return events_only(argv[2], argv[3], atol(argv[4]));
  fprintf(stderr, "usage: see the comment at the top of bench_ingest.c\n");
  return 2;
}
