/*
 * metrics.c -- evaluation of scores against observed 0/1 outcomes: ROC AUC, average precision,
 * log loss, Brier score, confusion counts, the lift / cumulative gains table and the calibration
 * table (section 7 of churn.h).  Ranking metrics sort a private copy of (score, y, weight) once
 * and walk it in groups of tied scores, which is what makes ties exact.
 */
#include "common/internal.h"
#include "common/special.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BINS 10000
/* z such that P(|Z| <= z) = 0.95, i.e. scipy.stats.norm.isf(0.025). */
#define Z95 1.959963984540054

/* Totals of the validated input. */
typedef struct totals {
  double pos, neg; /* positive and negative weight */
} totals;

/* One row of the sorted copy. */
typedef struct entry {
  double s, y, w;
} entry;

/* Checks the common arguments (see section 7); need_prob also requires score in [0, 1]. */
static churn_status validate(const char *fn, const double *y, const double *score,
                             const double *weight, int64_t n, bool need_prob, const void *out,
                             totals *t) {
  const char *sname = need_prob ? "prob" : "score";
  CHURN_CHECK_ARG(y != NULL, "%s: y is NULL", fn);
  CHURN_CHECK_ARG(score != NULL, "%s: %s is NULL", fn, sname);
  CHURN_CHECK_ARG(out != NULL, "%s: output pointer is NULL", fn);
  CHURN_CHECK_ARG(n >= 1, "%s: n = %lld, must be >= 1", fn, (long long)n);
  t->pos = t->neg = 0.0;
  for (int64_t i = 0; i < n; i++) {
    if (y[i] != 0.0 && y[i] != 1.0) {
      return churn__fail(CHURN_E_DATA, "%s: y[%lld] = %g is not 0 or 1", fn, (long long)i, y[i]);
    }
    if (!churn__is_finite(score[i])) {
      return churn__fail(CHURN_E_DATA, "%s: %s[%lld] = %g is not finite", fn, sname,
                         (long long)i, score[i]);
    }
    if (need_prob && (score[i] < 0.0 || score[i] > 1.0)) {
      return churn__fail(CHURN_E_DATA, "%s: prob[%lld] = %.17g is outside [0, 1]", fn,
                         (long long)i, score[i]);
    }
    double w = 1.0;
    if (weight != NULL) {
      w = weight[i];
      if (!churn__is_finite(w) || w < 0.0) {
        return churn__fail(CHURN_E_DATA, "%s: weight[%lld] = %g is not a finite value >= 0", fn,
                           (long long)i, w);
      }
    }
    if (y[i] == 1.0) t->pos += w;
    else t->neg += w;
  }
  if (!(t->pos + t->neg > 0.0)) {
    return churn__fail(CHURN_E_DATA, "%s: the weights sum to 0", fn);
  }
  return CHURN_OK;
}

static churn_status need_both_classes(const char *fn, const totals *t) {
  if (t->pos > 0.0 && t->neg > 0.0) return CHURN_OK;
  return churn__fail(CHURN_E_DATA, "%s: y has only one class (%s; with positive weight)", fn,
                     t->pos > 0.0 ? "all 1" : "all 0");
}

static churn_status need_positives(const char *fn, const totals *t) {
  if (t->pos > 0.0) return CHURN_OK;
  return churn__fail(CHURN_E_DATA, "%s: y has no positive (churned) row with positive weight", fn);
}

/* Decreasing score; ties ordered by y then weight so the order (and so every rounding) depends
 * only on the multiset of rows, not on their input order. */
static int by_score_desc(const void *pa, const void *pb) {
  const entry *a = pa, *b = pb;
  if (a->s != b->s) return a->s < b->s ? 1 : -1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  if (a->w != b->w) return a->w < b->w ? -1 : 1;
  return 0;
}

static churn_status sorted_copy(const double *y, const double *score, const double *weight,
                                int64_t n, entry **out) {
  entry *e = churn__malloc_array((size_t)n, sizeof *e);
  if (e == NULL) return churn__nomem("sorted scores");
  for (int64_t i = 0; i < n; i++) {
    e[i].s = score[i];
    e[i].y = y[i];
    e[i].w = weight ? weight[i] : 1.0;
  }
  qsort(e, (size_t)n, sizeof *e, by_score_desc);
  *out = e;
  return CHURN_OK;
}

/* A group of tied scores in the sorted copy: [begin, end) with its weights. */
typedef struct group {
  int64_t begin, end;
  double s, pos, neg;
} group;

/* Reads the group starting at begin. */
static group next_group(const entry *e, int64_t n, int64_t begin) {
  group g = {begin, begin, e[begin].s, 0.0, 0.0};
  while (g.end < n && e[g.end].s == g.s) {
    if (e[g.end].y == 1.0) g.pos += e[g.end].w;
    else g.neg += e[g.end].w;
    g.end++;
  }
  return g;
}

CHURN_API churn_status churn_eval_roc_auc(const double *y, const double *score,
                                          const double *weight, int64_t n, double *auc) {
  static const char fn[] = "churn_eval_roc_auc";
  totals t;
  CHURN_TRY(validate(fn, y, score, weight, n, false, auc, &t));
  CHURN_TRY(need_both_classes(fn, &t));
  entry *e = NULL;
  CHURN_TRY(sorted_copy(y, score, weight, n, &e));
  /* Each negative gains the positive weight above it plus half of its tied positives. */
  double pos_above = 0.0, u = 0.0;
  for (int64_t i = 0; i < n;) {
    group g = next_group(e, n, i);
    u += g.neg * (pos_above + 0.5 * g.pos);
    pos_above += g.pos;
    i = g.end;
  }
  churn__free(e);
  *auc = u / (t.pos * t.neg);
  return CHURN_OK;
}

CHURN_API churn_status churn_eval_average_precision(const double *y, const double *score,
                                                    const double *weight, int64_t n,
                                                    double *ap) {
  static const char fn[] = "churn_eval_average_precision";
  totals t;
  CHURN_TRY(validate(fn, y, score, weight, n, false, ap, &t));
  CHURN_TRY(need_positives(fn, &t));
  entry *e = NULL;
  CHURN_TRY(sorted_copy(y, score, weight, n, &e));
  double tp = 0.0, fp = 0.0, sum = 0.0;
  for (int64_t i = 0; i < n;) {
    group g = next_group(e, n, i);
    tp += g.pos;
    fp += g.neg;
    /* A group without positive weight adds no recall (and may have tp + fp = 0). */
    if (g.pos > 0.0) sum += g.pos * (tp / (tp + fp));
    i = g.end;
  }
  churn__free(e);
  *ap = sum / t.pos;
  return CHURN_OK;
}

CHURN_API churn_status churn_eval_log_loss(const double *y, const double *prob,
                                           const double *weight, int64_t n, double *loss) {
  totals t;
  CHURN_TRY(validate("churn_eval_log_loss", y, prob, weight, n, true, loss, &t));
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double p = fmin(fmax(prob[i], DBL_EPSILON), 1.0 - DBL_EPSILON);
    double l = y[i] == 1.0 ? -log(p) : -log1p(-p);
    sum += (weight ? weight[i] : 1.0) * l;
  }
  *loss = sum / (t.pos + t.neg);
  return CHURN_OK;
}

CHURN_API churn_status churn_eval_brier_score(const double *y, const double *prob,
                                              const double *weight, int64_t n, double *brier) {
  totals t;
  CHURN_TRY(validate("churn_eval_brier_score", y, prob, weight, n, true, brier, &t));
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double d = prob[i] - y[i];
    sum += (weight ? weight[i] : 1.0) * d * d;
  }
  *brier = sum / (t.pos + t.neg);
  return CHURN_OK;
}

/* tp, fp, tn, fn at one threshold. */
static void confusion_at(const double *y, const double *score, const double *weight, int64_t n,
                         double threshold, double c[4]) {
  c[0] = c[1] = c[2] = c[3] = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double w = weight ? weight[i] : 1.0;
    bool flagged = score[i] >= threshold;
    int k = y[i] == 1.0 ? (flagged ? 0 : 3) : (flagged ? 1 : 2);
    c[k] += w;
  }
}

CHURN_API churn_status churn_eval_confusion(const double *y, const double *score,
                                            const double *weight, int64_t n, double threshold,
                                            double *tp, double *fp, double *tn, double *fn) {
  static const char fname[] = "churn_eval_confusion";
  totals t;
  CHURN_TRY(validate(fname, y, score, weight, n, false, fname, &t));
  CHURN_CHECK_ARG(!isnan(threshold), "%s: threshold is NaN", fname);
  double c[4];
  confusion_at(y, score, weight, n, threshold, c);
  if (tp) *tp = c[0];
  if (fp) *fp = c[1];
  if (tn) *tn = c[2];
  if (fn) *fn = c[3];
  return CHURN_OK;
}

static double ratio0(double a, double b) { return b > 0.0 ? a / b : 0.0; }

/* Adds the f64 columns cols[0..ncol) named names[...] to t; frees every array either way. */
static churn_status take_columns(churn_table *t, int ncol, const char *const *names,
                                 double **cols) {
  churn_status st = CHURN_OK;
  for (int j = 0; j < ncol; j++) {
    if (st == CHURN_OK) st = churn__table_take_f64(t, names[j], cols[j]);
    else churn__free(cols[j]);
    cols[j] = NULL;
  }
  return st;
}

/* Allocates ncol arrays of nrows doubles (all or none). */
static churn_status alloc_columns(int ncol, int64_t nrows, double **cols) {
  for (int j = 0; j < ncol; j++) {
    cols[j] = churn__calloc(nrows > 0 ? (size_t)nrows : 1, sizeof(double));
    if (cols[j] == NULL) {
      for (int k = 0; k < j; k++) churn__free(cols[k]);
      return churn__nomem("table column");
    }
  }
  return CHURN_OK;
}

static void free_columns(int ncol, double **cols) {
  for (int j = 0; j < ncol; j++) churn__free(cols[j]);
}

enum { CF_THR, CF_TP, CF_FP, CF_TN, CF_FN, CF_FLAGGED, CF_PREC, CF_REC, CF_F1, CF_ACC, CF_N };
static const char *const CONFUSION_NAMES[CF_N] = {
    "threshold", "tp", "fp", "tn", "fn", "flagged", "precision", "recall", "f1", "accuracy"};

CHURN_API churn_status churn_eval_confusion_table(const double *y, const double *score,
                                                  const double *weight, int64_t n,
                                                  const double *thresholds, int64_t nthresholds,
                                                  churn_table **out) {
  static const char fn[] = "churn_eval_confusion_table";
  totals t;
  CHURN_TRY(validate(fn, y, score, weight, n, false, out, &t));
  CHURN_CHECK_ARG(thresholds != NULL, "%s: thresholds is NULL", fn);
  CHURN_CHECK_ARG(nthresholds >= 1, "%s: nthresholds = %lld, must be >= 1", fn,
                  (long long)nthresholds);
  for (int64_t k = 0; k < nthresholds; k++) {
    CHURN_CHECK_ARG(churn__is_finite(thresholds[k]), "%s: thresholds[%lld] is not finite", fn,
                    (long long)k);
  }
  double *c[CF_N];
  CHURN_TRY(alloc_columns(CF_N, nthresholds, c));
  for (int64_t k = 0; k < nthresholds; k++) {
    double q[4];
    confusion_at(y, score, weight, n, thresholds[k], q);
    double prec = ratio0(q[0], q[0] + q[1]), rec = ratio0(q[0], q[0] + q[3]);
    c[CF_THR][k] = thresholds[k];
    c[CF_TP][k] = q[0];
    c[CF_FP][k] = q[1];
    c[CF_TN][k] = q[2];
    c[CF_FN][k] = q[3];
    c[CF_FLAGGED][k] = q[0] + q[1];
    c[CF_PREC][k] = prec;
    c[CF_REC][k] = rec;
    c[CF_F1][k] = ratio0(2.0 * prec * rec, prec + rec);
    c[CF_ACC][k] = (q[0] + q[2]) / (t.pos + t.neg);
  }
  churn_table *tab = NULL;
  churn_status st = churn__table_new(nthresholds, &tab);
  if (st != CHURN_OK) {
    free_columns(CF_N, c);
    return st;
  }
  st = take_columns(tab, CF_N, CONFUSION_NAMES, c);
  if (st != CHURN_OK) {
    churn_table_free(tab);
    return st;
  }
  *out = tab;
  return CHURN_OK;
}

/* --- lift / cumulative gains ------------------------------------------------------------- */

enum { LF_N, LF_POS, LF_RATE, LF_LIFT, LF_CN, LF_CPOS, LF_CGAIN, LF_CLIFT, LF_SMIN, LF_SMAX,
       LF_COUNT };
static const char *const LIFT_NAMES[LF_COUNT] = {
    "n", "positives", "rate", "lift", "cumulative_n", "cumulative_positives",
    "cumulative_gain", "cumulative_lift", "score_min", "score_max"};

/* The ranked-weight position where bin k (0-based) ends; the last ends exactly at total. */
static double bin_end(int64_t k, int64_t nbins, double total) {
  return k + 1 >= nbins ? total : total * (double)(k + 1) / (double)nbins;
}

/* Spreads each tied group's weight and positives over the bins it overlaps. */
static void fill_lift_bins(const entry *e, int64_t n, int64_t nbins, double total, double **c) {
  for (int64_t k = 0; k < nbins; k++) {
    c[LF_SMIN][k] = NAN;
    c[LF_SMAX][k] = NAN;
  }
  double start = 0.0; /* ranked weight before the current group */
  int64_t k = 0;      /* first bin the current group can overlap */
  for (int64_t i = 0; i < n;) {
    group g = next_group(e, n, i);
    i = g.end;
    double gw = g.pos + g.neg;
    if (!(gw > 0.0)) continue;
    double end = i >= n ? total : fmin(start + gw, total);
    while (k < nbins) {
      double lo = k == 0 ? 0.0 : bin_end(k - 1, nbins, total), hi = bin_end(k, nbins, total);
      double overlap = fmin(end, hi) - fmax(start, lo);
      if (overlap > 0.0) {
        c[LF_POS][k] += g.pos * (overlap / gw);
        if (isnan(c[LF_SMAX][k])) c[LF_SMAX][k] = g.s;
        c[LF_SMIN][k] = g.s;
      }
      if (hi > end) break; /* the next group starts in this bin too */
      k++;
    }
    start = end;
  }
}

CHURN_API churn_status churn_eval_lift_table(const double *y, const double *score,
                                             const double *weight, int64_t n, int64_t nbins,
                                             churn_table **out) {
  static const char fn[] = "churn_eval_lift_table";
  totals t;
  CHURN_TRY(validate(fn, y, score, weight, n, false, out, &t));
  CHURN_CHECK_ARG(nbins >= 1 && nbins <= MAX_BINS, "%s: nbins = %lld outside [1, %d]", fn,
                  (long long)nbins, MAX_BINS);
  CHURN_TRY(need_positives(fn, &t));
  entry *e = NULL;
  CHURN_TRY(sorted_copy(y, score, weight, n, &e));
  double *c[LF_COUNT];
  int64_t *bin = churn__malloc_array((size_t)nbins, sizeof *bin);
  churn_status st = bin ? alloc_columns(LF_COUNT, nbins, c) : churn__nomem("lift table");
  if (st != CHURN_OK) {
    churn__free(bin);
    churn__free(e);
    return st;
  }
  double total = t.pos + t.neg, overall = t.pos / total;
  fill_lift_bins(e, n, nbins, total, c);
  churn__free(e);
  double cn = 0.0, cpos = 0.0;
  for (int64_t k = 0; k < nbins; k++) {
    bin[k] = k + 1;
    c[LF_N][k] = bin_end(k, nbins, total) - (k == 0 ? 0.0 : bin_end(k - 1, nbins, total));
    c[LF_RATE][k] = c[LF_POS][k] / c[LF_N][k];
    c[LF_LIFT][k] = c[LF_RATE][k] / overall;
    cn = bin_end(k, nbins, total);
    cpos += c[LF_POS][k];
    c[LF_CN][k] = cn;
    c[LF_CPOS][k] = cpos;
    c[LF_CGAIN][k] = cpos / t.pos;
    c[LF_CLIFT][k] = (cpos / cn) / overall;
  }
  churn_table *tab = NULL;
  st = churn__table_new(nbins, &tab);
  if (st == CHURN_OK) {
    st = churn__table_take_i64(tab, "bin", bin);
    bin = NULL;
  }
  churn__free(bin);
  if (st == CHURN_OK) {
    st = take_columns(tab, LF_COUNT, LIFT_NAMES, c);
  } else {
    free_columns(LF_COUNT, c);
  }
  if (st != CHURN_OK) {
    churn_table_free(tab);
    return st;
  }
  *out = tab;
  return CHURN_OK;
}

/* --- calibration ----------------------------------------------------------------------- */

static int by_value(const void *pa, const void *pb) {
  double a = *(const double *)pa, b = *(const double *)pb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/* numpy's linear interpolation a + (b - a) t, computed from b when t >= 0.5 as numpy does. */
static double lerp(double a, double b, double t) {
  double d = b - a;
  return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* Bin edges e_0..e_nbins. */
static churn_status calibration_edges(const double *prob, int64_t n, int64_t nbins,
                                      churn_calibration_strategy strategy, double *edges) {
  if (strategy == CHURN_CALIBRATION_UNIFORM) {
    double step = 1.0 / (double)nbins;
    for (int64_t k = 0; k < nbins; k++) edges[k] = (double)k * step;
    edges[nbins] = 1.0;
    return CHURN_OK;
  }
  double *v = churn__malloc_array((size_t)n, sizeof *v);
  if (v == NULL) return churn__nomem("calibration quantiles");
  memcpy(v, prob, (size_t)n * sizeof *v);
  qsort(v, (size_t)n, sizeof *v, by_value);
  for (int64_t k = 0; k <= nbins; k++) {
    /* position k (n - 1) / nbins, split exactly into integer and fractional parts */
    int64_t num = k * (n - 1), lo = num / nbins;
    double frac = (double)(num % nbins) / (double)nbins;
    edges[k] = lo + 1 < n ? lerp(v[lo], v[lo + 1], frac) : v[lo];
  }
  churn__free(v);
  return CHURN_OK;
}

/* The bin of p: the number of interior edges strictly below it (numpy.searchsorted, left). */
static int64_t bin_of(const double *edges, int64_t nbins, double p) {
  int64_t lo = 1, hi = nbins; /* search interior edges e_1..e_{nbins-1} */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (edges[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

enum { CB_LOWER, CB_UPPER, CB_N, CB_MEANP, CB_OBS, CB_CILO, CB_CIHI, CB_COUNT };
static const char *const CALIB_NAMES[CB_COUNT] = {
    "lower", "upper", "n", "mean_predicted", "observed_rate", "ci_lower", "ci_upper"};

/* Builds the table from per-bin sums, leaving out empty bins. */
static churn_status calibration_build(int64_t nbins, const double *edges, const double *sw,
                                      const double *swp, const double *swy, churn_table **out) {
  int64_t rows = 0;
  for (int64_t k = 0; k < nbins; k++) rows += sw[k] > 0.0;
  double *c[CB_COUNT];
  int64_t *bin = churn__malloc_array(rows > 0 ? (size_t)rows : 1, sizeof *bin);
  churn_status st = bin ? alloc_columns(CB_COUNT, rows, c) : churn__nomem("calibration table");
  if (st != CHURN_OK) {
    churn__free(bin);
    return st;
  }
  int64_t r = 0;
  for (int64_t k = 0; k < nbins; k++) {
    if (!(sw[k] > 0.0)) continue;
    bin[r] = k + 1;
    c[CB_LOWER][r] = edges[k];
    c[CB_UPPER][r] = edges[k + 1];
    c[CB_N][r] = sw[k];
    c[CB_MEANP][r] = swp[k] / sw[k];
    c[CB_OBS][r] = swy[k] / sw[k];
    churn__wilson_q(c[CB_OBS][r], sw[k], Z95, &c[CB_CILO][r], &c[CB_CIHI][r]);
    r++;
  }
  churn_table *tab = NULL;
  st = churn__table_new(rows, &tab);
  if (st == CHURN_OK) {
    st = churn__table_take_i64(tab, "bin", bin);
    bin = NULL;
  }
  churn__free(bin);
  if (st == CHURN_OK) st = take_columns(tab, CB_COUNT, CALIB_NAMES, c);
  else free_columns(CB_COUNT, c);
  if (st != CHURN_OK) {
    churn_table_free(tab);
    return st;
  }
  *out = tab;
  return CHURN_OK;
}

CHURN_API churn_status churn_eval_calibration_table(const double *y, const double *prob,
                                                    const double *weight, int64_t n,
                                                    int64_t nbins,
                                                    churn_calibration_strategy strategy,
                                                    churn_table **out) {
  static const char fn[] = "churn_eval_calibration_table";
  totals t;
  CHURN_TRY(validate(fn, y, prob, weight, n, true, out, &t));
  CHURN_CHECK_ARG(nbins >= 1 && nbins <= MAX_BINS, "%s: nbins = %lld outside [1, %d]", fn,
                  (long long)nbins, MAX_BINS);
  CHURN_CHECK_ARG(strategy == CHURN_CALIBRATION_UNIFORM || strategy == CHURN_CALIBRATION_QUANTILE,
                  "%s: unknown strategy %d", fn, (int)strategy);
  size_t nb = (size_t)nbins;
  double *edges = churn__malloc_array(nb + 1, sizeof *edges);
  double *sums = churn__calloc(3 * nb, sizeof *sums);
  churn_status st = (edges && sums) ? CHURN_OK : churn__nomem("calibration bins");
  if (st == CHURN_OK) st = calibration_edges(prob, n, nbins, strategy, edges);
  if (st == CHURN_OK) {
    double *sw = sums, *swp = sums + nb, *swy = sums + 2 * nb;
    for (int64_t i = 0; i < n; i++) {
      int64_t k = bin_of(edges, nbins, prob[i]);
      double w = weight ? weight[i] : 1.0;
      sw[k] += w;
      swp[k] += w * prob[i];
      swy[k] += w * y[i];
    }
    st = calibration_build(nbins, edges, sw, swp, swy, out);
  }
  churn__free(edges);
  churn__free(sums);
  return st;
}
