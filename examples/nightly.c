/*
 * nightly.c -- a nightly billing-system integration: read the day's subscriber and event CSV
 * exports, report the rows the billing system sent wrong, score every active subscriber with
 * the production model as of today, and write the retention team's dispatch list.
 *
 *   nightly MODEL.msgpack SUBSCRIBERS.csv EVENTS.csv AS_OF_UNIX_SECONDS DISPATCH.csv [TOP]
 */
#include <churn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what) {
  fprintf(stderr, "nightly: %s: %s: %s\n", what, churn_status_name(churn_last_status()),
          churn_last_error());
  return 1;
}

/* One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
static void csv_field(FILE *f, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

typedef struct { double p; int64_t row; } ranked;

static int by_risk(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  return x->p < y->p ? 1 : x->p > y->p ? -1 : (x->row > y->row) - (x->row < y->row);
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: nightly MODEL SUBSCRIBERS.csv EVENTS.csv AS_OF DISPATCH.csv [TOP]\n");
    return 2;
  }
  int64_t as_of = strtoll(argv[4], NULL, 10);
  int top = argc > 6 ? atoi(argv[6]) : 50;
  churn_model *model = NULL;
  churn_dataset *ds = NULL;
  churn_features *f = NULL;
  churn_table *rejected = NULL;
  /* 1. Today's exports.  Bad rows are rejected and reported, never silently dropped. */
  if (churn_model_load(argv[1], &model) != CHURN_OK) return fail("loading the model");
  if (churn_dataset_new(&ds) != CHURN_OK || churn_dataset_read_subscribers_csv(ds, argv[2], NULL) ||
      churn_dataset_read_events_csv(ds, argv[3], NULL) || churn_dataset_finalize(ds, NULL)) {
    return fail("reading the exports");
  }
  int64_t nrej = 0;
  churn_dataset_ingest_count(ds, CHURN_COUNT_REJECTED, &nrej);
  if (nrej > 0 && churn_dataset_rejections(ds, &rejected) == CHURN_OK) {
    const char *const *reason;
    const int64_t *row;
    churn_table_str(rejected, 3, &reason);
    churn_table_i64(rejected, 1, &row);
    fprintf(stderr, "nightly: %lld rows rejected; first at line %lld: %s\n", (long long)nrej,
            (long long)row[0], reason[0]);
    churn_table_free(rejected);
  }
  /* 2. The model's own features as of today, then probabilities and reasons. */
  int64_t d = churn_model_n_features(model);
  const char **names = malloc(sizeof *names * (size_t)d);
  for (int64_t j = 0; j < d; j++) names[j] = churn_model_feature_name(model, j);
  churn_status st = churn_features_extract(ds, &as_of, 1, names, (size_t)d, NULL, &f);
  free(names);
  if (st != CHURN_OK) return fail("extracting features");
  int64_t n = churn_features_nrows(f);
  double *p = malloc(sizeof *p * (size_t)(n + 1)), *contrib = malloc(sizeof *contrib * (size_t)(n + 1));
  int32_t *reason = malloc(sizeof *reason * (size_t)(n + 1));
  ranked *order = malloc(sizeof *order * (size_t)(n + 1));
  const double *X = churn_features_matrix(f);
  if (churn_model_predict_proba_named(model, churn_features_names(f), X, CHURN_F64, n, d, d, p) ||
      churn_model_explain(model, X, CHURN_F64, n, d, d, 1, reason, contrib)) {
    return fail("scoring");
  }
  /* 3. The dispatch list: the most at-risk first, each with its main reason, to be called
   * within 2 working days (Monday to Friday; pass a churn_calendar for the holidays). */
  int64_t deadline = 0;
  if (churn_calendar_deadline(NULL, as_of, 2, 0, &deadline)) return fail("contact deadline");
  for (int64_t i = 0; i < n; i++) order[i] = (ranked){p[i], i};
  qsort(order, (size_t)n, sizeof *order, by_risk);
  /* Built in memory and written with churn_file_write: atomic (yesterday's list stays whole
   * if the disk fills up) and every write checked. */
  char *text = NULL;
  size_t text_len = 0;
  FILE *out = open_memstream(&text, &text_len);
  if (out == NULL) return fail("output buffer");
  fprintf(out, "rank,subscriber_id,probability,main_reason,contact_by_unix\n");
  const int64_t *sub = churn_features_subscribers(f);
  for (int i = 0; i < top && i < n; i++) {
    const char *id = "";
    churn_dataset_subscriber_id(ds, sub[order[i].row], &id);
    fprintf(out, "%d,", i + 1);
    csv_field(out, id);
    fprintf(out, ",%.6f,%s,%lld\n", order[i].p,
            churn_model_feature_name(model, reason[order[i].row]),
            (long long)deadline);
  }
  int bad = ferror(out);
  if (fclose(out) != 0 || bad) return fail("building the dispatch list");
  churn_status wst = churn_file_write(argv[5], text, text_len);
  free(text);
  if (wst != CHURN_OK) return fail("writing the dispatch list");
  printf("nightly: scored %lld subscribers, wrote the top %d to %s\n", (long long)n,
         top < n ? top : (int)n, argv[5]);
  free(p);
  free(contrib);
  free(reason);
  free(order);
  churn_features_free(f);
  churn_dataset_free(ds);
  churn_model_free(model);
  return 0;
}
