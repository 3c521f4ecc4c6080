/*
 * features.c -- churn_features: the point-in-time feature matrix of one or more snapshot dates,
 * built by running the per-subscriber kernel (features_kernel.c) over blocks of subscribers on
 * the library's worker threads, each block writing its own rows of the shared matrix.
 */
#include "feat.h"
#include "common/parallel.h"

#include <string.h>

struct churn_features {
  int64_t nrows, ncols;
  double *X;                 /* nrows x ncols, row-major */
  char **names;              /* ncols owned names */
  churn_category *cat; /* ncols */
  int64_t *sub, *time;       /* nrows */
};

#define BLOCK 512 /* subscribers per task */

typedef struct extract_job {
  const churn_dataset *ds;
  const churn__feat_cfg *cfg;
  const churn__selection *sel;
  const int64_t *as_of;
  int64_t nblocks;
  const int64_t *block_row; /* first row of each (time, block) task */
  churn_features *f;
  uint8_t *drop;            /* per row: cancelled by an event at or before T */
} extract_job;

static void extract_block(void *ctx, int64_t task, int worker) {
  (void)worker;
  extract_job *j = ctx;
  const churn_dataset *ds = j->ds;
  int64_t k = task / j->nblocks, blk = task % j->nblocks;
  int64_t T = j->as_of[k];
  int64_t lo = blk * BLOCK, hi = lo + BLOCK < ds->subs.n ? lo + BLOCK : ds->subs.n;
  int64_t r = j->block_row[task];
  int64_t ncols = j->f->ncols;
  double base[CHURN__NBASE];
  for (int64_t s = lo; s < hi; s++) {
    if (!churn__feat_eligible(ds, s, T)) continue;
    churn__row_facts facts;
    churn__feat_compute(ds, j->cfg, s, T, base, &facts);
    churn__selection_write(ds, j->sel, j->cfg, s, base, j->f->X + r * ncols);
    j->f->sub[r] = s;
    j->f->time[r] = T;
    j->drop[r] = facts.cancelled;
    r++;
  }
}

CHURN_API void churn_features_free(churn_features *f) {
  if (f == NULL) return;
  if (f->names) {
    for (int64_t j = 0; j < f->ncols; j++) churn__free(f->names[j]);
  }
  churn__free(f->names);
  churn__free(f->cat);
  churn__free(f->X);
  churn__free(f->sub);
  churn__free(f->time);
  churn__free(f);
}

static churn_status check_args(const churn_dataset *ds, const int64_t *as_of, size_t ntimes,
                               churn_features **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_features_extract: out is NULL");
  CHURN_CHECK_ARG(ds != NULL, "churn_features_extract: ds is NULL");
  CHURN_CHECK_ARG(as_of != NULL, "churn_features_extract: as_of is NULL");
  CHURN_CHECK_ARG(ntimes >= 1, "churn_features_extract: ntimes is 0");
  if (!ds->ev.finalized) {
    return churn__fail(CHURN_E_STATE,
                       "churn_features_extract: the dataset is not finalized "
                       "(call churn_dataset_finalize)");
  }
  for (size_t k = 0; k < ntimes; k++) {
    if (as_of[k] == CHURN_TIME_NONE) {
      return churn__fail(CHURN_E_ARG, "churn_features_extract: as_of[%zu] is CHURN_TIME_NONE", k);
    }
  }
  return CHURN_OK;
}

/* Rows per (time, block) task from the subscriber table; the total in *nrows. */
static churn_status plan_rows(const churn_dataset *ds, const int64_t *as_of, size_t ntimes,
                              int64_t nblocks, int64_t **block_row, int64_t *nrows) {
  int64_t ntasks = (int64_t)ntimes * nblocks;
  int64_t *br = churn__malloc_array((size_t)ntasks + 1, sizeof *br);
  if (br == NULL) return churn__nomem("feature row plan");
  int64_t r = 0;
  for (size_t k = 0; k < ntimes; k++) {
    for (int64_t b = 0; b < nblocks; b++) {
      br[(int64_t)k * nblocks + b] = r;
      int64_t hi = (b + 1) * BLOCK < ds->subs.n ? (b + 1) * BLOCK : ds->subs.n;
      for (int64_t s = b * BLOCK; s < hi; s++) r += churn__feat_eligible(ds, s, as_of[k]);
    }
  }
  br[ntasks] = r;
  *block_row = br;
  *nrows = r;
  return CHURN_OK;
}

static churn_status alloc_output(churn_features *f, churn__selection *sel, int64_t nrows) {
  f->ncols = (int64_t)sel->n;
  f->cat = churn__malloc_array(sel->n, sizeof *f->cat);
  if (f->cat == NULL) return churn__nomem("feature categories");
  for (size_t j = 0; j < sel->n; j++) f->cat[j] = sel->cols[j].category;
  f->names = sel->names; /* ownership moves to f */
  sel->names = NULL;
  sel->n = 0;
  if (nrows > 0 && (uint64_t)f->ncols > (uint64_t)INT64_MAX / 8 / (uint64_t)nrows) {
    return churn__fail(CHURN_E_RANGE, "feature matrix of %lld x %lld is too large",
                       (long long)nrows, (long long)f->ncols);
  }
  f->X = churn__malloc_array((size_t)(nrows * f->ncols), sizeof *f->X);
  f->sub = churn__malloc_array((size_t)nrows, sizeof *f->sub);
  f->time = churn__malloc_array((size_t)nrows, sizeof *f->time);
  if (f->X == NULL || f->sub == NULL || f->time == NULL) return churn__nomem("feature matrix");
  f->nrows = nrows;
  return CHURN_OK;
}

/* Removes the rows of subscribers found cancelled by an event at or before T. */
static void compact(churn_features *f, const uint8_t *drop) {
  int64_t w = 0;
  for (int64_t r = 0; r < f->nrows; r++) {
    if (drop[r]) continue;
    if (w != r) {
      memcpy(f->X + w * f->ncols, f->X + r * f->ncols, (size_t)f->ncols * sizeof *f->X);
      f->sub[w] = f->sub[r];
      f->time[w] = f->time[r];
    }
    w++;
  }
  f->nrows = w;
}

CHURN_API churn_status churn_features_extract(const churn_dataset *ds, const int64_t *as_of,
                                              size_t ntimes, const char *const *names,
                                              size_t nnames, const churn_options *opts,
                                              churn_features **out) {
  CHURN_TRY(check_args(ds, as_of, ntimes, out));
  churn__feat_cfg cfg;
  CHURN_TRY(churn__feat_cfg_read(opts, &cfg));
  churn__selection sel;
  CHURN_TRY(churn__selection_build(ds, names, nnames, &cfg, &sel));

  churn_features *f = churn__calloc(1, sizeof *f);
  int64_t *block_row = NULL;
  uint8_t *drop = NULL;
  churn_status st = f ? CHURN_OK : churn__nomem("features");
  int64_t nblocks = (ds->subs.n + BLOCK - 1) / BLOCK, nrows = 0;
  if (st == CHURN_OK) st = plan_rows(ds, as_of, ntimes, nblocks, &block_row, &nrows);
  if (st == CHURN_OK) st = alloc_output(f, &sel, nrows);
  if (st == CHURN_OK) {
    drop = churn__calloc((size_t)nrows, 1);
    if (drop == NULL) st = churn__nomem("feature row flags");
  }
  if (st == CHURN_OK) {
    extract_job job = {ds, &cfg, NULL, as_of, nblocks, block_row, f, drop};
    churn__selection sel_view = {(size_t)f->ncols, sel.cols, f->names};
    job.sel = &sel_view;
    churn__parallel_for(churn__resolve_threads(cfg.threads), (int64_t)ntimes * nblocks,
                        extract_block, &job);
    compact(f, drop);
  }
  churn__free(drop);
  churn__free(block_row);
  churn__selection_free(&sel);
  if (st != CHURN_OK) {
    churn_features_free(f);
    return st;
  }
  *out = f;
  return CHURN_OK;
}

CHURN_API int64_t churn_features_nrows(const churn_features *f) { return f ? f->nrows : 0; }

CHURN_API int64_t churn_features_ncols(const churn_features *f) { return f ? f->ncols : 0; }

CHURN_API const double *churn_features_matrix(const churn_features *f) { return f ? f->X : NULL; }

CHURN_API const char *const *churn_features_names(const churn_features *f) {
  return f ? (const char *const *)f->names : NULL;
}

CHURN_API const int64_t *churn_features_subscribers(const churn_features *f) {
  return f ? f->sub : NULL;
}

CHURN_API const int64_t *churn_features_times(const churn_features *f) {
  return f ? f->time : NULL;
}

CHURN_API churn_status churn_features_column(const churn_features *f, int64_t j,
                                             const char **name, churn_category *category) {
  CHURN_CHECK_ARG(f != NULL, "churn_features_column: f is NULL");
  if (j < 0 || j >= f->ncols) {
    return churn__fail(CHURN_E_ARG, "churn_features_column: column %lld is not in [0, %lld)",
                       (long long)j, (long long)f->ncols);
  }
  if (name) *name = f->names[j];
  if (category) *category = f->cat[j];
  return CHURN_OK;
}
