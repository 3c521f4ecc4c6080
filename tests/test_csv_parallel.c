/*
 * test_csv_parallel.c -- the events CSV read on several threads (CHURN_OPT_INGEST_THREADS,
 * issue 22 item 4) gives what one thread gives: the same saved dataset (events, dictionaries,
 * counters), the same rejections with the same line numbers, in the same order.  The file is
 * cut into 4 KiB blocks so that ~100 blocks are parsed in parallel; one row in three carries a
 * long quoted note holding line breaks, so cuts fall inside quoted fields (asserted below by
 * replaying the cut rule), and the free-form genre labels overflow their 256-code dictionary,
 * so the order in which labels are interned matters.  The expected rejected lines are also
 * worked out here independently, while the file is written (the oracle), not taken from a run.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 3000, SUBS = 50, BLOCK = 4096, MAX_REJ = 4000 };

/* LeakSanitizer's check, present only in the sanitizer build. */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

typedef struct expected {
  int64_t line[MAX_REJ]; /* the rejected rows' lines, in file order */
  int n;
  long header_bytes;
  int64_t end_line; /* the line after the last row */
} expected;

/* Writes the subscribers and the events; fills ex with the rows the reader must reject:
 * a bad time, an unknown kind or a wrong field count (rejected before the genre is read, so it
 * is not interned), a genre past the first 256 distinct ones (refused by the dictionary), an
 * aux1 that is not an int32 (the genre is interned first) and an unknown subscriber (checked in
 * pass 2, after the genre was interned). */
static void write_files(const char *subs, const char *events, expected *ex) {
  FILE *f = fopen(subs, "wb");
  cr_assert_not_null(f);
  fputs("subscriber_id,activation\n", f);
  for (int s = 1; s <= SUBS; s++) fprintf(f, "S%d,2020-01-01\n", s);
  fclose(f);
  f = fopen(events, "wb");
  cr_assert_not_null(f);
  const char *header = "subscriber_id,time,kind,code,value,aux1,note\n";
  fputs(header, f);
  ex->header_bytes = (long)strlen(header);
  ex->n = 0;
  static bool interned[400];
  int ninterned = 0;
  memset(interned, 0, sizeof interned);
  int64_t line = 2;
  for (int i = 0; i < ROWS; i++) {
    const int genre = (i * 7) % 331; /* 331 distinct labels: 75 past the dictionary's 256 */
    const bool bad_time = i % 97 == 5, bad_kind = i % 89 == 7, short_row = i % 83 == 11;
    const bool bad_aux = i % 71 == 17, unknown = i % 79 == 13;
    char note[1200];
    int newlines = 0;
    if (i % 3 == 0) { /* a long quoted note with line breaks and an escaped quote */
      int k = snprintf(note, sizeof note, "\"said \"\"hello\"\"");
      for (int j = 0; j < 12; j++) {
        k += snprintf(note + k, sizeof note - (size_t)k, "\nline %d of row %d, text text text "
                      "text text text text text text", j, i);
        newlines++;
      }
      snprintf(note + k, sizeof note - (size_t)k, "\"");
    } else {
      snprintf(note, sizeof note, "n%d", i);
    }
    if (short_row) {
      fprintf(f, "S%d,2024-02-03,view,g%d,10\n", i % SUBS + 1, genre);
      newlines = 0;
    } else {
      fprintf(f, "%s%d,%s,%s,g%d,%d,%s,%s\n", unknown ? "X" : "S", i % SUBS + 1,
              bad_time ? "2024-13-45" : "2024-02-03", bad_kind ? "bogus" : "view", genre, 5 + i % 50,
              bad_aux ? "abc" : "7", note);
    }
    bool rejected = bad_time || bad_kind || short_row;
    if (!rejected) {
      if (!interned[genre] && ninterned < 256) {
        interned[genre] = true;
        ninterned++;
      }
      rejected = !interned[genre] || bad_aux || unknown;
    }
    if (rejected) {
      cr_assert_lt(ex->n, MAX_REJ);
      ex->line[ex->n++] = line;
    }
    line += 1 + newlines;
  }
  ex->end_line = line;
  fclose(f);
}

/* Replays the reader's cut rule (a block ends just past the first line break at or after
 * start + BLOCK - 1) and says whether some cut falls inside a quoted field. */
static bool a_cut_falls_inside_quotes(const char *path, long start) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)size);
  cr_assert_eq(fread(b, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  bool *quoted = calloc((size_t)size, 1); /* inside a quoted field at this byte */
  bool q = false;
  for (long i = 0; i < size; i++) {
    if (b[i] == '"') q = !q;
    quoted[i] = q;
  }
  bool inside = false;
  for (long s = start; s < size && !inside;) {
    long c = s + BLOCK - 1;
    while (c < size && b[c] != '\n') c++;
    if (c >= size) break;
    inside = quoted[c];
    s = c + 1;
  }
  free(b);
  free(quoted);
  return inside;
}

typedef struct run_result {
  int64_t rejected, rows_read, events;
  churn_table *rej;
  char saved[512];
} run_result;

static void ingest(const char *subs, const char *events, int threads, run_result *out) {
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_THREADS, threads));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, BLOCK));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 1)); /* reject the row */
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_MAX_REPORTED, 100000));
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, subs, o));
  ASSERT_OK(churn_dataset_read_events_csv(ds, events, o));
  ASSERT_OK(churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &out->rejected));
  ASSERT_OK(churn_dataset_ingest_count(ds, CHURN_COUNT_ROWS_READ, &out->rows_read));
  out->events = churn_dataset_num_events(ds);
  ASSERT_OK(churn_dataset_rejections(ds, &out->rej));
  snprintf(out->saved, sizeof out->saved, "%s/par%d.churnds", test_tmpdir(), threads);
  ASSERT_OK(churn_dataset_save(ds, out->saved));
  churn_dataset_free(ds);
  churn_options_free(o);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc(*len ? *len : 1);
  cr_assert_eq(fread(b, 1, *len, f), *len);
  fclose(f);
  return b;
}

Test(csv_parallel, threads_give_the_one_thread_result_and_exact_lines) {
  char subs[512], events[512];
  snprintf(subs, sizeof subs, "%s/par_subs.csv", test_tmpdir());
  snprintf(events, sizeof events, "%s/par_events.csv", test_tmpdir());
  static expected ex;
  write_files(subs, events, &ex);
  cr_assert(a_cut_falls_inside_quotes(events, ex.header_bytes),
            "the file must put a block cut inside a quoted line break");
  cr_assert_gt(ex.n, 100);

  run_result one;
  ingest(subs, events, 1, &one);
  /* the oracle: every rejected row, in file order, with its line */
  cr_assert_eq(one.rows_read, SUBS + ROWS, "%lld", (long long)one.rows_read); /* both files */
  cr_assert_eq(one.rejected, ex.n);
  cr_assert_eq(one.events, ROWS - ex.n);
  const int64_t *line1;
  const char *const *col1, *const *why1;
  ASSERT_OK(churn_table_i64(one.rej, 1, &line1));
  ASSERT_OK(churn_table_str(one.rej, 2, &col1));
  ASSERT_OK(churn_table_str(one.rej, 3, &why1));
  /* entry 0 is the note on the ignored column "note" (line 1) */
  cr_assert_eq(churn_table_nrows(one.rej), 1 + ex.n);
  cr_assert_eq(line1[0], 1);
  for (int k = 0; k < ex.n; k++) cr_assert_eq(line1[1 + k], ex.line[k], "rejection %d", k);

  size_t len1;
  char *bytes1 = slurp(one.saved, &len1);
  const int threads[] = {2, 3, 0};
  for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
    run_result par;
    ingest(subs, events, threads[t], &par);
    cr_assert_eq(par.rows_read, one.rows_read, "threads %d", threads[t]);
    cr_assert_eq(par.rejected, one.rejected, "threads %d", threads[t]);
    cr_assert_eq(par.events, one.events, "threads %d", threads[t]);
    cr_assert_eq(churn_table_nrows(par.rej), churn_table_nrows(one.rej));
    const int64_t *line;
    const char *const *col, *const *why;
    ASSERT_OK(churn_table_i64(par.rej, 1, &line));
    ASSERT_OK(churn_table_str(par.rej, 2, &col));
    ASSERT_OK(churn_table_str(par.rej, 3, &why));
    for (int64_t k = 0; k < churn_table_nrows(one.rej); k++) {
      cr_assert_eq(line[k], line1[k], "threads %d, rejection %lld", threads[t], (long long)k);
      cr_assert_str_eq(col[k], col1[k]);
      cr_assert_str_eq(why[k], why1[k]);
    }
    /* events, subscribers, label dictionaries and counters: byte for byte */
    size_t len;
    char *bytes = slurp(par.saved, &len);
    cr_assert_eq(len, len1, "threads %d", threads[t]);
    cr_assert(memcmp(bytes, bytes1, len) == 0, "threads %d: saved datasets differ", threads[t]);
    free(bytes);
    churn_table_free(par.rej);
  }
  free(bytes1);
  churn_table_free(one.rej);
}

/* An error after the cut (an unterminated quote at the end) names its true line. */
Test(csv_parallel, an_unterminated_quote_names_its_line) {
  char subs[512], events[512];
  snprintf(subs, sizeof subs, "%s/par_subs2.csv", test_tmpdir());
  snprintf(events, sizeof events, "%s/par_events2.csv", test_tmpdir());
  static expected ex;
  write_files(subs, events, &ex);
  FILE *f = fopen(events, "ab");
  cr_assert_not_null(f);
  fputs("S1,2024-02-03,view,g1,5,7,\"open\n", f);
  fclose(f);
  const int64_t last = ex.end_line; /* counted while writing: rows plus the notes' breaks */
  char want[64];
  snprintf(want, sizeof want, "line %lld: unterminated quoted field", (long long)last);
  for (int threads = 1; threads <= 2; threads++) {
    churn_options *o;
    ASSERT_OK(churn_options_new(&o));
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_THREADS, threads));
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, BLOCK));
    ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_UNKNOWN, 1));
    churn_dataset *ds;
    ASSERT_OK(churn_dataset_new(&ds));
    ASSERT_OK(churn_dataset_read_subscribers_csv(ds, subs, o));
    ASSERT_FAILS(churn_dataset_read_events_csv(ds, events, o), CHURN_E_FORMAT, want);
    cr_assert_eq(churn_dataset_num_events(ds), 0, "rolled back");
    churn_dataset_free(ds);
    churn_options_free(o);
  }
}

/* An allocation failing on the calling thread (the cuts, the slots, a block parsed again, the
 * label interning, the merge) fails the call with CHURN_E_NOMEM and leaves the dataset as it
 * was; otherwise the call gives the one-thread result.  (The parsing threads' allocations are
 * not injected: the counters are per thread.) */
Test(csv_parallel, allocation_failures_on_the_calling_thread) {
  char subs[512], events[512];
  snprintf(subs, sizeof subs, "%s/par_subs3.csv", test_tmpdir());
  snprintf(events, sizeof events, "%s/par_events3.csv", test_tmpdir());
  FILE *f = fopen(subs, "wb");
  cr_assert_not_null(f);
  fputs("subscriber_id,activation\nS1,2020-01-01\nS2,2020-01-01\n", f);
  fclose(f);
  f = fopen(events, "wb");
  cr_assert_not_null(f);
  fputs("subscriber_id,time,kind,code,value,note\n", f);
  for (int i = 0; i < 400; i++) { /* ~16 KB: 4 blocks of 4 KiB; a quoted break now and then */
    fprintf(f, "S%d,2024-02-%02d,view,g%d,%d,%s\n", 1 + i % 2, 1 + i % 28, i % 300, 5 + i % 9,
            i % 37 == 0 ? "\"a\nb\"" : "x");
  }
  fclose(f);
  churn_options *o;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_THREADS, 2));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_INGEST_BLOCK_SIZE, BLOCK));
  churn_dataset *ds;
  ASSERT_OK(churn_dataset_new(&ds));
  ASSERT_OK(churn_dataset_read_subscribers_csv(ds, subs, o));
  churn_testing_fail_alloc(0);
  ASSERT_OK(churn_dataset_read_events_csv(ds, events, o));
  const uint64_t points = churn_testing_fail_alloc(0);
  cr_assert_gt(points, 10);
  const int64_t want = churn_dataset_num_events(ds);
  cr_assert_eq(want, 400 - 44); /* g256..g299 (rows 256..299) overflow the 256 genre codes */
  int failed = 0;
  for (uint64_t k = 1; k <= points; k++) {
    churn_dataset *d2;
    ASSERT_OK(churn_dataset_new(&d2));
    ASSERT_OK(churn_dataset_read_subscribers_csv(d2, subs, o));
    churn_testing_fail_alloc(k);
    churn_status st = churn_dataset_read_events_csv(d2, events, o);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      cr_assert_eq(churn_dataset_num_events(d2), want, "allocation %llu", (unsigned long long)k);
    } else {
      failed++;
      cr_assert_eq(st, CHURN_E_NOMEM, "allocation %llu: %s", (unsigned long long)k,
                   churn_last_error());
      cr_assert_eq(churn_dataset_num_events(d2), 0, "allocation %llu: rolled back",
                   (unsigned long long)k);
    }
    churn_dataset_free(d2);
  }
  cr_assert_gt(failed, 0);
  churn_dataset_free(ds);
  churn_options_free(o);
  if (__lsan_do_recoverable_leak_check) {
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "leaks (see the LSan report)");
  }
}
