/*
 * campaign.c -- the effect of a retention campaign with a randomly held-out control group:
 * churn rates of treated and control with Newcombe's interval of the difference, per segment,
 * and the Qini curve and coefficient of an uplift score.
 */
#include "common/internal.h"
#include "common/special.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static churn_status check_binary(const double *x, int64_t n, const char *what, const char *fn) {
  for (int64_t i = 0; i < n; i++) {
    if (x[i] != 0.0 && x[i] != 1.0) {
      return churn__fail(CHURN_E_DATA, "%s: %s[%lld] = %g is not 0 or 1", fn, what, (long long)i,
                         x[i]);
    }
  }
  return CHURN_OK;
}

static churn_status check_inputs(const double *treated, const double *churned, int64_t n,
                                 const char *fn) {
  CHURN_CHECK_ARG(treated != NULL && churned != NULL, "%s: treated or churned is NULL", fn);
  CHURN_CHECK_ARG(n >= 1, "%s: n must be >= 1 (got %lld)", fn, (long long)n);
  CHURN_TRY(check_binary(treated, n, "treated", fn));
  CHURN_TRY(check_binary(churned, n, "churned", fn));
  return CHURN_OK;
}

/* --- campaign effect ------------------------------------------------------------------------- */

typedef struct arm_counts {
  int64_t nt, nc, yt, yc;
} arm_counts;

typedef struct effect_cols {
  int64_t *nt, *nc, *yt, *yc;
  double *rt, *rc, *diff, *lo, *hi, *rel, *saved;
} effect_cols;

static void effect_row(const arm_counts *a, double z, effect_cols *c, int64_t r) {
  c->nt[r] = a->nt, c->nc[r] = a->nc, c->yt[r] = a->yt, c->yc[r] = a->yc;
  double nan = NAN;
  if (a->nt == 0 || a->nc == 0) {
    c->rt[r] = a->nt ? (double)a->yt / (double)a->nt : nan;
    c->rc[r] = a->nc ? (double)a->yc / (double)a->nc : nan;
    c->diff[r] = c->lo[r] = c->hi[r] = c->rel[r] = c->saved[r] = nan;
    return;
  }
  double p1 = (double)a->yt / (double)a->nt, p2 = (double)a->yc / (double)a->nc;
  double l1, u1, l2, u2;
  churn__wilson((double)a->yt, (double)a->nt, z, &l1, &u1);
  churn__wilson((double)a->yc, (double)a->nc, z, &l2, &u2);
  double d = p1 - p2;
  c->rt[r] = p1;
  c->rc[r] = p2;
  c->diff[r] = d;
  c->lo[r] = d - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
  c->hi[r] = d + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
  c->rel[r] = p2 > 0.0 ? (p2 - p1) / p2 : nan;
  c->saved[r] = 1000.0 * (p2 - p1);
}

static void count(arm_counts *a, double treated, double churned) {
  if (treated == 1.0) {
    a->nt++;
    a->yt += churned == 1.0;
  } else {
    a->nc++;
    a->yc += churned == 1.0;
  }
}

typedef struct label_ref {
  const char *s;
  int64_t i;
} label_ref;

static int cmp_label(const void *a, const void *b) {
  const label_ref *x = a, *y = b;
  int c = strcmp(x->s, y->s);
  return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Groups the labels: group[i] in [0, *ngroups), *first[g] = an index holding group g's label. */
static churn_status group_labels(const char *const *segment, int64_t n, int64_t *group,
                                 int64_t **first, int64_t *ngroups) {
  label_ref *refs = churn__malloc_array((size_t)n, sizeof *refs);
  int64_t *fst = churn__malloc_array((size_t)n, sizeof *fst);
  if (refs == NULL || fst == NULL) {
    churn__free(refs);
    churn__free(fst);
    return churn__nomem("campaign segments");
  }
  for (int64_t i = 0; i < n; i++) refs[i] = (label_ref){segment[i], i};
  qsort(refs, (size_t)n, sizeof *refs, cmp_label);
  int64_t g = -1;
  for (int64_t k = 0; k < n; k++) {
    if (k == 0 || strcmp(refs[k].s, refs[k - 1].s) != 0) fst[++g] = refs[k].i;
    group[refs[k].i] = g;
  }
  churn__free(refs);
  *first = fst;
  *ngroups = g + 1;
  return CHURN_OK;
}

CHURN_API churn_status churn_campaign_effect(const double *treated, const double *churned,
                                             const char *const *segment, int64_t n,
                                             double alpha, churn_table **out) {
  const char *fn = "churn_campaign_effect";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_TRY(check_inputs(treated, churned, n, fn));
  CHURN_CHECK_ARG(alpha > 0.0 && alpha < 1.0, "%s: alpha must be in (0, 1)", fn);
  arm_counts all = {0, 0, 0, 0};
  for (int64_t i = 0; i < n; i++) {
    count(&all, treated[i], churned[i]);
    if (segment && segment[i] == NULL) {
      return churn__fail(CHURN_E_DATA, "%s: segment[%lld] is NULL", fn, (long long)i);
    }
  }
  if (all.nc == 0) {
    return churn__fail(CHURN_E_DATA, "%s: no control group: every one of the %lld subscribers "
                       "was treated, so the campaign's effect cannot be measured", fn,
                       (long long)n);
  }
  if (all.nt == 0) {
    return churn__fail(CHURN_E_DATA, "%s: no treated subscriber: every one of the %lld "
                       "subscribers is in the control group", fn, (long long)n);
  }
  int64_t ngroups = 0, *group = NULL, *first = NULL;
  arm_counts *arms = NULL;
  if (segment) {
    group = churn__malloc_array((size_t)n, sizeof *group);
    if (group == NULL) return churn__nomem("campaign segments");
    churn_status st = group_labels(segment, n, group, &first, &ngroups);
    if (st != CHURN_OK) {
      churn__free(group);
      return st;
    }
  }
  int64_t rows = ngroups + 1;
  effect_cols c;
  const char **labels = churn__calloc((size_t)rows, sizeof *labels);
  arms = churn__calloc((size_t)rows, sizeof *arms);
  int64_t **ic[4] = {&c.nt, &c.nc, &c.yt, &c.yc};
  double **fc[7] = {&c.rt, &c.rc, &c.diff, &c.lo, &c.hi, &c.rel, &c.saved};
  bool ok = labels != NULL && arms != NULL;
  for (int k = 0; k < 4; k++) ok &= (*ic[k] = churn__malloc_array((size_t)rows, 8)) != NULL;
  for (int k = 0; k < 7; k++) ok &= (*fc[k] = churn__malloc_array((size_t)rows, 8)) != NULL;
  churn__col cols[12] = {{"segment", 's', labels},
                         {"treated", 'i', c.nt},
                         {"control", 'i', c.nc},
                         {"treated_churned", 'i', c.yt},
                         {"control_churned", 'i', c.yc},
                         {"churn_rate_treated", 'f', c.rt},
                         {"churn_rate_control", 'f', c.rc},
                         {"difference", 'f', c.diff},
                         {"ci_low", 'f', c.lo},
                         {"ci_high", 'f', c.hi},
                         {"relative_reduction", 'f', c.rel},
                         {"saved_per_1000", 'f', c.saved}};
  churn_status st = CHURN_OK;
  if (!ok) {
    for (int k = 0; k < 4; k++) churn__free(*ic[k]);
    for (int k = 0; k < 7; k++) churn__free(*fc[k]);
    st = churn__nomem("campaign effect table");
  } else {
    double z = churn__normal_quantile(1.0 - alpha / 2.0);
    for (int64_t i = 0; i < n && group; i++) count(&arms[group[i]], treated[i], churned[i]);
    for (int64_t g = 0; g < ngroups; g++) {
      labels[g] = segment[first[g]];
      effect_row(&arms[g], z, &c, g);
    }
    labels[ngroups] = "(all)";
    effect_row(&all, z, &c, ngroups);
    st = churn__table_from_cols(rows, cols, 12, out);
  }
  churn__free(labels);
  churn__free(arms);
  churn__free(group);
  churn__free(first);
  return st;
}

/* --- Qini ------------------------------------------------------------------------------------ */

typedef struct ranked {
  double score;
  int64_t i;
} ranked;

static int cmp_desc(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return (x->i > y->i) - (x->i < y->i);
}

/* The curve's points (origin first): *npts rows of cumulative counts. */
typedef struct qini_pts {
  int64_t npts;
  int64_t *k, *nt, *nc, *yt, *yc;
} qini_pts;

static void qini_pts_free(qini_pts *q) {
  churn__free(q->k);
  churn__free(q->nt);
  churn__free(q->nc);
  churn__free(q->yt);
  churn__free(q->yc);
}

static churn_status qini_points(const double *score, const double *treated,
                                const double *churned, int64_t n, const char *fn,
                                qini_pts *q) {
  CHURN_CHECK_ARG(score != NULL, "%s: score is NULL", fn);
  CHURN_TRY(check_inputs(treated, churned, n, fn));
  for (int64_t i = 0; i < n; i++) {
    if (!churn__is_finite(score[i])) {
      return churn__fail(CHURN_E_DATA, "%s: score[%lld] is not finite", fn, (long long)i);
    }
  }
  memset(q, 0, sizeof *q);
  ranked *r = churn__malloc_array((size_t)n, sizeof *r);
  int64_t **cols[5] = {&q->k, &q->nt, &q->nc, &q->yt, &q->yc};
  bool ok = r != NULL;
  for (int c = 0; c < 5; c++) ok &= (*cols[c] = churn__malloc_array((size_t)n + 1, 8)) != NULL;
  if (!ok) {
    churn__free(r);
    qini_pts_free(q);
    return churn__nomem("Qini curve");
  }
  for (int64_t i = 0; i < n; i++) r[i] = (ranked){score[i], i};
  qsort(r, (size_t)n, sizeof *r, cmp_desc);
  arm_counts a = {0, 0, 0, 0};
  int64_t p = 0;
  q->k[0] = q->nt[0] = q->nc[0] = q->yt[0] = q->yc[0] = 0;
  for (int64_t j = 0; j < n; j++) {
    int64_t i = r[j].i;
    count(&a, treated[i], churned[i]);
    if (j + 1 == n || r[j + 1].score != r[j].score) {
      p++;
      q->k[p] = j + 1, q->nt[p] = a.nt, q->nc[p] = a.nc, q->yt[p] = a.yt, q->yc[p] = a.yc;
    }
  }
  q->npts = p + 1;
  churn__free(r);
  return CHURN_OK;
}

static double qini_value(const qini_pts *q, int64_t p) {
  if (q->nc[p] == 0) return 0.0;
  return (double)q->yc[p] * (double)q->nt[p] / (double)q->nc[p] - (double)q->yt[p];
}

CHURN_API churn_status churn_eval_qini_curve(const double *score, const double *treated,
                                             const double *churned, int64_t n,
                                             churn_table **out) {
  const char *fn = "churn_eval_qini_curve";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  qini_pts q;
  CHURN_TRY(qini_points(score, treated, churned, n, fn, &q));
  int64_t m = q.npts;
  double *share = churn__malloc_array((size_t)m, 8), *qv = churn__malloc_array((size_t)m, 8);
  double *rnd = churn__malloc_array((size_t)m, 8);
  if (share == NULL || qv == NULL || rnd == NULL) {
    churn__free(share);
    churn__free(qv);
    churn__free(rnd);
    qini_pts_free(&q);
    return churn__nomem("Qini curve");
  }
  double total = qini_value(&q, m - 1);
  for (int64_t p = 0; p < m; p++) {
    share[p] = (double)q.k[p] / (double)n;
    qv[p] = qini_value(&q, p);
    rnd[p] = share[p] * total;
  }
  churn__col cols[8] = {{"n", 'i', q.k},
                        {"share", 'f', share},
                        {"treated", 'i', q.nt},
                        {"control", 'i', q.nc},
                        {"treated_churned", 'i', q.yt},
                        {"control_churned", 'i', q.yc},
                        {"qini", 'f', qv},
                        {"random", 'f', rnd}};
  return churn__table_from_cols(m, cols, 8, out);
}

CHURN_API churn_status churn_eval_qini_auc(const double *score, const double *treated,
                                           const double *churned, int64_t n, double *auc) {
  const char *fn = "churn_eval_qini_auc";
  CHURN_CHECK_ARG(auc != NULL, "%s: auc is NULL", fn);
  qini_pts q;
  CHURN_TRY(qini_points(score, treated, churned, n, fn, &q));
  double total = qini_value(&q, q.npts - 1), area = 0.0;
  for (int64_t p = 1; p < q.npts; p++) {
    double x0 = (double)q.k[p - 1] / (double)n, x1 = (double)q.k[p] / (double)n;
    double d0 = qini_value(&q, p - 1) - x0 * total, d1 = qini_value(&q, p) - x1 * total;
    area += 0.5 * (x1 - x0) * (d0 + d1);
  }
  qini_pts_free(&q);
  *auc = area / (double)n;
  return CHURN_OK;
}
