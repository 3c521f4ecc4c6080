/*
 * survival.c -- survival estimators on plain arrays: the Kaplan-Meier product-limit estimator
 * with Greenwood standard errors and log(-log) intervals, and the Aalen-Johansen cumulative
 * incidence of competing event categories with delta-method standard errors, both with delayed
 * entry (left truncation).  The retention curves of kpi_survival.c run on the same code.
 *
 * Both estimators sort the exit times, the entry times and the event times (per category) once
 * and sweep the distinct event times: the risk set at t is #(entry < t) - #(exit < t).  When
 * every time is integer-valued (tenures in days, months) and their span is small next to n, one
 * counting pass replaces the sorts: exits, entries and events are counted per time and the sweep
 * walks the span; the rows are identical (same times, counts and arithmetic).
 */
#include "survival.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- sorting non-negative doubles --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* LSD radix sort on the bit patterns (order-preserving for +0 and positive doubles), eight
 * 8-bit passes, skipping the passes whose byte is the same for every value. */
static churn_status sort_times(double *a, int64_t n) {
  if (n < 512) {
    qsort(a, (size_t)n, sizeof *a, cmp_double);
    return CHURN_OK;
  }
  uint64_t *tmp = churn__malloc_array((size_t)n, sizeof *tmp);
  size_t *hist = churn__calloc(8 * 256, sizeof *hist);
  if (tmp == NULL || hist == NULL) {
    churn__free(tmp);
    churn__free(hist);
    return churn__nomem("survival sort buffer");
  }
  uint64_t *src = (uint64_t *)(void *)a, *dst = tmp;
  for (int64_t i = 0; i < n; i++) {
    for (int b = 0; b < 8; b++) hist[b * 256 + ((src[i] >> (8 * b)) & 255)]++;
  }
  for (int b = 0; b < 8; b++) {
    size_t *h = hist + b * 256;
    bool trivial = false;
    for (int v = 0; v < 256; v++) trivial |= h[v] == (size_t)n;
    if (trivial) continue;
    size_t sum = 0;
    for (int v = 0; v < 256; v++) {
      size_t c = h[v];
      h[v] = sum;
      sum += c;
    }
    for (int64_t i = 0; i < n; i++) dst[h[(src[i] >> (8 * b)) & 255]++] = src[i];
    uint64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != (uint64_t *)(void *)a) memcpy(a, src, (size_t)n * sizeof *a);
  churn__free(tmp);
  churn__free(hist);
  return CHURN_OK;
}

/* --- the sorted inputs -------------------------------------------------------------------- */

typedef struct sorted_input {
  int64_t n;
  double *exit;          /* all n exit times, sorted */
  double *entry;         /* the finite entry times, sorted */
  int64_t nentry;
  int64_t from_origin;   /* subjects at risk from the origin (no entry time) */
  int64_t ncat;
  int64_t *cats;         /* the distinct categories > 0, ascending */
  double **times;        /* per category: its event times, sorted */
  int64_t *count;        /* per category: how many */
  /* counted mode (integer-valued times lo .. lo + span - 1): the arrays above stay NULL and
   * these hold, per time, the exits, the finite entries and (category-major) the events */
  bool counted;
  int64_t lo, span;
  int64_t *xcount, *ecount, *kcount;
} sorted_input;

static void sorted_free(sorted_input *s) {
  churn__free(s->exit);
  churn__free(s->entry);
  for (int64_t k = 0; k < s->ncat && s->times; k++) churn__free(s->times[k]);
  churn__free(s->times);
  churn__free(s->cats);
  churn__free(s->count);
  churn__free(s->xcount);
  churn__free(s->ecount);
  churn__free(s->kcount);
  memset(s, 0, sizeof *s);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The distinct positive categories (all merged into category 1 when merge is set). */
static churn_status find_categories(const churn__surv_input *in, bool merge, sorted_input *s) {
  int64_t nev = 0;
  for (int64_t i = 0; i < in->n; i++) nev += in->category[i] > 0;
  s->cats = churn__malloc_array(nev > 0 ? (size_t)nev : 1, sizeof *s->cats);
  if (s->cats == NULL) return churn__nomem("survival categories");
  if (merge) {
    s->ncat = nev > 0;
    s->cats[0] = 1;
    return CHURN_OK;
  }
  int64_t m = 0;
  for (int64_t i = 0; i < in->n; i++) {
    if (in->category[i] > 0) s->cats[m++] = in->category[i];
  }
  qsort(s->cats, (size_t)m, sizeof *s->cats, cmp_i64);
  int64_t k = 0;
  for (int64_t i = 0; i < m; i++) {
    if (k == 0 || s->cats[k - 1] != s->cats[i]) s->cats[k++] = s->cats[i];
  }
  s->ncat = k;
  return CHURN_OK;
}

static int64_t category_index(const sorted_input *s, int64_t code, bool merge) {
  if (merge) return 0;
  int64_t lo = 0, hi = s->ncat - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (s->cats[mid] < code) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static churn_status fill_event_times(const churn__surv_input *in, bool merge, sorted_input *s) {
  int64_t K = s->ncat > 0 ? s->ncat : 1;
  s->times = churn__calloc((size_t)K, sizeof *s->times);
  s->count = churn__calloc((size_t)K, sizeof *s->count);
  if (s->times == NULL || s->count == NULL) return churn__nomem("survival event times");
  for (int64_t i = 0; i < in->n; i++) {
    if (in->category[i] > 0) s->count[category_index(s, in->category[i], merge)]++;
  }
  for (int64_t k = 0; k < s->ncat; k++) {
    s->times[k] = churn__malloc_array((size_t)s->count[k], sizeof **s->times);
    if (s->times[k] == NULL) return churn__nomem("survival event times");
    s->count[k] = 0;
  }
  for (int64_t i = 0; i < in->n; i++) {
    if (in->category[i] <= 0) continue;
    int64_t k = category_index(s, in->category[i], merge);
    s->times[k][s->count[k]++] = in->exit[i] + 0.0;
  }
  for (int64_t k = 0; k < s->ncat; k++) CHURN_TRY(sort_times(s->times[k], s->count[k]));
  return CHURN_OK;
}

static churn_status fill_exits_entries(const churn__surv_input *in, sorted_input *s) {
  s->exit = churn__malloc_array(in->n > 0 ? (size_t)in->n : 1, sizeof *s->exit);
  if (s->exit == NULL) return churn__nomem("survival exit times");
  for (int64_t i = 0; i < in->n; i++) s->exit[i] = in->exit[i] + 0.0; /* -0.0 -> +0.0 */
  CHURN_TRY(sort_times(s->exit, in->n));
  if (in->entry == NULL) {
    s->from_origin = in->n;
    return CHURN_OK;
  }
  s->entry = churn__malloc_array(in->n > 0 ? (size_t)in->n : 1, sizeof *s->entry);
  if (s->entry == NULL) return churn__nomem("survival entry times");
  for (int64_t i = 0; i < in->n; i++) {
    if (isinf(in->entry[i])) s->from_origin++;
    else s->entry[s->nentry++] = in->entry[i] + 0.0;
  }
  return sort_times(s->entry, s->nentry);
}

/* x (finite, >= 0) is an integer below 2^53; the conversion is one instruction, floor() a call. */
static inline bool small_integer(double x) {
  return x < 9007199254740992.0 && (double)(int64_t)x == x;
}

/* Whether the counting pass applies: every exit and finite entry time integer-valued, with a
 * span whose count arrays ((K + 2) x span) stay within a few times the inputs' size.  Sets the
 * span's first time lo. */
static bool countable(const churn__surv_input *in, int64_t K, int64_t *lo, int64_t *span) {
  double mn = INFINITY, mx = -INFINITY;
  bool integral = true;
  for (int64_t i = 0; i < in->n; i++) {
    const double x = in->exit[i];
    integral &= small_integer(x);
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  for (int64_t i = 0; integral && in->entry != NULL && i < in->n; i++) {
    const double e = in->entry[i];
    if (isinf(e)) continue;
    integral &= small_integer(e);
    mn = e < mn ? e : mn;
  }
  if (!integral || in->n == 0) return false;
  const double width = mx - mn + 1.0;
  if (!(width * (double)(K + 2) <= 4.0 * (double)in->n + 65536.0)) return false;
  *lo = (int64_t)mn;
  *span = (int64_t)width;
  return true;
}

/* The counting pass: per-time counts of exits, finite entries and events of each category. */
static churn_status fill_counts(const churn__surv_input *in, bool merge, sorted_input *s) {
  const int64_t K = s->ncat > 0 ? s->ncat : 1, span = s->span, lo = s->lo;
  s->xcount = churn__calloc((size_t)span, sizeof *s->xcount);
  s->kcount = churn__calloc((size_t)(K * span), sizeof *s->kcount);
  if (in->entry != NULL) s->ecount = churn__calloc((size_t)span, sizeof *s->ecount);
  s->count = churn__calloc((size_t)K, sizeof *s->count);
  if (s->xcount == NULL || s->kcount == NULL || s->count == NULL ||
      (in->entry != NULL && s->ecount == NULL)) {
    return churn__nomem("survival time counts");
  }
  for (int64_t i = 0; i < in->n; i++) {
    const int64_t v = (int64_t)in->exit[i] - lo;
    s->xcount[v]++;
    const int64_t c = in->category[i];
    if (c > 0) {
      const int64_t k = category_index(s, c, merge);
      s->kcount[k * span + v]++;
      s->count[k]++;
    }
  }
  if (in->entry == NULL) {
    s->from_origin = in->n;
    return CHURN_OK;
  }
  for (int64_t i = 0; i < in->n; i++) {
    const double e = in->entry[i];
    if (isinf(e)) {
      s->from_origin++;
    } else {
      s->ecount[(int64_t)e - lo]++;
      s->nentry++;
    }
  }
  return CHURN_OK;
}

static churn_status sorted_build(const churn__surv_input *in, bool merge, sorted_input *s) {
  memset(s, 0, sizeof *s);
  s->n = in->n;
  churn_status st = find_categories(in, merge, s);
  if (st == CHURN_OK && countable(in, s->ncat > 0 ? s->ncat : 1, &s->lo, &s->span)) {
    s->counted = true;
    st = fill_counts(in, merge, s);
  } else if (st == CHURN_OK) {
    st = fill_event_times(in, merge, s);
    if (st == CHURN_OK) st = fill_exits_entries(in, s);
  }
  if (st != CHURN_OK) sorted_free(s);
  return st;
}

/* The sweep state: pointers into the sorted arrays (counted mode: px and pe are the exits and
 * entries before time lo + v). */
typedef struct sweep {
  int64_t px, pe;
  int64_t *pk;  /* per category */
  int64_t v;
} sweep;

/* sweep_next over the counts: the next time with an event, walking the span. */
static bool sweep_counted(const sorted_input *s, sweep *w, double *t, int64_t *d,
                          int64_t *at_risk) {
  const int64_t span = s->span;
  while (w->v < span) {
    const int64_t v = w->v++;
    bool any = false;
    for (int64_t k = 0; k < s->ncat; k++) {
      d[k] = s->kcount[k * span + v];
      any |= d[k] != 0;
    }
    const int64_t risk = s->from_origin + w->pe - w->px;
    w->px += s->xcount[v];
    if (s->ecount != NULL) w->pe += s->ecount[v];
    if (any) {
      *t = (double)(s->lo + v);
      *at_risk = risk;
      return true;
    }
  }
  return false;
}

/* The number of distinct event times (rows of the Kaplan-Meier table). */
static int64_t distinct_event_times(const sorted_input *s) {
  int64_t distinct = 0;
  if (s->ncat == 0) return 0;
  if (s->counted) {
    for (int64_t v = 0; v < s->span; v++) distinct += s->kcount[v] != 0;
    return distinct;
  }
  for (int64_t i = 0; i < s->count[0]; i++) {
    distinct += i == 0 || s->times[0][i] != s->times[0][i - 1];
  }
  return distinct;
}

/* The next distinct event time (false when none is left); d[k] receives the events of each
 * category at it, *at_risk the size of the risk set just before it. */
static bool sweep_next(const sorted_input *s, sweep *w, double *t, int64_t *d, int64_t *at_risk) {
  if (s->counted) return sweep_counted(s, w, t, d, at_risk);
  bool any = false;
  double tmin = 0.0;
  for (int64_t k = 0; k < s->ncat; k++) {
    if (w->pk[k] < s->count[k] && (!any || s->times[k][w->pk[k]] < tmin)) {
      tmin = s->times[k][w->pk[k]];
      any = true;
    }
  }
  if (!any) return false;
  for (int64_t k = 0; k < s->ncat; k++) {
    d[k] = 0;
    while (w->pk[k] < s->count[k] && s->times[k][w->pk[k]] == tmin) {
      d[k]++;
      w->pk[k]++;
    }
  }
  while (w->px < s->n && s->exit[w->px] < tmin) w->px++;
  while (w->pe < s->nentry && s->entry[w->pe] < tmin) w->pe++;
  *t = tmin;
  *at_risk = s->from_origin + w->pe - w->px;
  return true;
}

/* --- the row buffer ----------------------------------------------------------------------- */

void churn__surv_rows_free(churn__surv_rows *r) {
  churn__free(r->group);
  churn__free(r->time);
  churn__free(r->at_risk);
  churn__free(r->events);
  churn__free(r->category);
  churn__free(r->estimate);
  churn__free(r->se);
  churn__free(r->lo);
  churn__free(r->hi);
  memset(r, 0, sizeof *r);
}

static bool grow_one(void **p, size_t cap, size_t want, size_t size) {
  void *q = churn__realloc(*p, want * size);
  (void)cap;
  if (q == NULL) return false;
  *p = q;
  return true;
}

/* Makes room for `more` rows; KM rows carry at_risk and events, CIF rows a category. */
static churn_status rows_reserve(churn__surv_rows *r, int64_t more, bool km) {
  if (r->n + more <= r->cap) return CHURN_OK;
  size_t want = (size_t)(r->n + more);
  if (want < (size_t)r->cap * 2) want = (size_t)r->cap * 2;
  if (want < 16) want = 16;
  bool ok = grow_one((void **)&r->group, (size_t)r->cap, want, sizeof(int64_t)) &&
            grow_one((void **)&r->time, (size_t)r->cap, want, sizeof(double)) &&
            grow_one((void **)&r->estimate, (size_t)r->cap, want, sizeof(double)) &&
            grow_one((void **)&r->se, (size_t)r->cap, want, sizeof(double)) &&
            grow_one((void **)&r->lo, (size_t)r->cap, want, sizeof(double)) &&
            grow_one((void **)&r->hi, (size_t)r->cap, want, sizeof(double));
  if (ok && km) {
    ok = grow_one((void **)&r->at_risk, (size_t)r->cap, want, sizeof(int64_t)) &&
         grow_one((void **)&r->events, (size_t)r->cap, want, sizeof(int64_t));
  } else if (ok) {
    ok = grow_one((void **)&r->category, (size_t)r->cap, want, sizeof(int64_t));
  }
  if (!ok) return churn__nomem("survival table rows");
  r->cap = (int64_t)want;
  return CHURN_OK;
}

/* The log(-log) interval of a probability p with standard error se: on g = log(-log p),
 * g +- z se / (p |log p|), back-transformed: [p^exp(w), p^exp(-w)].  p = 0 or an undefined
 * standard error gives NaN bounds; p with se = 0 gives [p, p]. */
static void loglog_interval(double p, double se, double z, double *lo, double *hi) {
  if (!(p > 0.0) || !(p < 1.0) || isnan(se)) {
    *lo = *hi = (p == 0.0 && se == 0.0) ? 0.0 : NAN;
    return;
  }
  double w = z * se / (p * fabs(log(p)));
  *lo = pow(p, exp(w));
  *hi = pow(p, exp(-w));
}

/* --- Kaplan-Meier ------------------------------------------------------------------------- */

churn_status churn__km_rows(const churn__surv_input *in, double z, int64_t group,
                            churn__surv_rows *rows) {
  sorted_input s;
  CHURN_TRY(sorted_build(in, true, &s));
  int64_t pk = 0, d = 0;
  sweep w = {0, 0, &pk, 0};
  churn_status st = rows_reserve(rows, distinct_event_times(&s), true);
  double surv = 1.0, greenwood = 0.0, t = 0.0;
  bool undefined = false; /* Greenwood's sum is infinite once the risk set empties */
  int64_t at_risk = 0;
  while (st == CHURN_OK && sweep_next(&s, &w, &t, &d, &at_risk)) {
    double nr = (double)at_risk, dd = (double)d;
    if (at_risk == d) {
      surv = 0.0;
      undefined = true;
    } else {
      surv *= 1.0 - dd / nr;
      greenwood += dd / (nr * (nr - dd));
    }
    int64_t r = rows->n++;
    rows->group[r] = group;
    rows->time[r] = t;
    rows->at_risk[r] = at_risk;
    rows->events[r] = d;
    rows->estimate[r] = surv;
    rows->se[r] = undefined ? NAN : surv * sqrt(greenwood);
    if (undefined || surv == 0.0) {
      rows->lo[r] = rows->hi[r] = NAN;
    } else {
      double wdt = z * sqrt(greenwood) / fabs(log(surv));
      rows->lo[r] = pow(surv, exp(wdt));
      rows->hi[r] = pow(surv, exp(-wdt));
    }
  }
  sorted_free(&s);
  return st;
}

/* --- Aalen-Johansen cumulative incidence -------------------------------------------------- */

/* Per-category running sums of the delta-method variance (see churn_survival_cif in churn.h):
 * v_k(t) = F^2 A - 2 F B + C + D - 2 F E + 2 G with F = F_k(t) and, over event times t_j <= t,
 * A = sum a_j, B = sum F_k(t_j) a_j, C = sum F_k(t_j)^2 a_j, a_j = d_j / (n_j (n_j - d_j)),
 * D = sum S(t_j-)^2 d_kj (n_j - d_kj) / n_j^3, E = sum S(t_j-) d_kj / n_j^2,
 * G = sum F_k(t_j) S(t_j-) d_kj / n_j^2. */
enum { CIF_F, CIF_B, CIF_C, CIF_D, CIF_E, CIF_G, CIF_NSUM };

static void cif_step(int64_t K, const int64_t *dk, int64_t at_risk, double *surv, double *A,
                     double *sums) {
  double n = (double)at_risk, d = 0.0, sprev = *surv;
  for (int64_t k = 0; k < K; k++) d += (double)dk[k];
  double a = at_risk > (int64_t)d ? d / (n * (n - d)) : 0.0; /* term vanishes once S = 0 */
  *A += a;
  for (int64_t k = 0; k < K; k++) {
    double *q = sums + k * CIF_NSUM, dkk = (double)dk[k];
    q[CIF_F] += sprev * dkk / n;
    q[CIF_B] += q[CIF_F] * a;
    q[CIF_C] += q[CIF_F] * q[CIF_F] * a;
    q[CIF_D] += sprev * sprev * dkk * (n - dkk) / (n * n * n);
    q[CIF_E] += sprev * dkk / (n * n);
    q[CIF_G] += q[CIF_F] * sprev * dkk / (n * n);
  }
  *surv = at_risk > (int64_t)d ? sprev * (1.0 - d / n) : 0.0;
}

static double cif_variance(const double *q, double A) {
  double F = q[CIF_F];
  double v = F * F * A - 2.0 * F * q[CIF_B] + q[CIF_C] + q[CIF_D] - 2.0 * F * q[CIF_E] +
             2.0 * q[CIF_G];
  return v > 0.0 ? v : 0.0;
}

churn_status churn__cif_rows(const churn__surv_input *in, double z, int64_t group,
                             churn__surv_rows *rows) {
  sorted_input s;
  CHURN_TRY(sorted_build(in, false, &s));
  int64_t K = s.ncat;
  int64_t *pk = churn__calloc((size_t)(2 * K + 1), sizeof *pk);
  double *sums = churn__calloc((size_t)(K * CIF_NSUM + 1), sizeof *sums);
  churn_status st = (pk && sums) ? CHURN_OK : churn__nomem("cumulative incidence sums");
  int64_t *dk = pk ? pk + K : NULL;
  sweep w = {0, 0, pk, 0};
  double surv = 1.0, A = 0.0, t = 0.0;
  int64_t at_risk = 0;
  while (st == CHURN_OK && sweep_next(&s, &w, &t, dk, &at_risk)) {
    cif_step(K, dk, at_risk, &surv, &A, sums);
    st = rows_reserve(rows, K, false);
    for (int64_t k = 0; st == CHURN_OK && k < K; k++) {
      const double *q = sums + k * CIF_NSUM;
      int64_t r = rows->n++;
      rows->group[r] = group;
      rows->time[r] = t;
      rows->category[r] = s.cats[k];
      rows->estimate[r] = q[CIF_F];
      rows->se[r] = sqrt(cif_variance(q, A));
      loglog_interval(q[CIF_F], rows->se[r], z, &rows->lo[r], &rows->hi[r]);
    }
  }
  churn__free(pk);
  churn__free(sums);
  sorted_free(&s);
  return st;
}

/* --- the public calls on plain arrays ----------------------------------------------------- */

/* Checks the common inputs; names the first bad element. */
static churn_status check_times(const char *fn, const double *duration, const double *entry,
                                int64_t n, double alpha) {
  CHURN_CHECK_ARG(n >= 0, "%s: n = %lld is negative", fn, (long long)n);
  CHURN_CHECK_ARG(n == 0 || duration != NULL, "%s: duration is NULL", fn);
  CHURN_CHECK_ARG(alpha > 0.0 && alpha < 1.0, "%s: alpha = %g is not in (0, 1)", fn, alpha);
  for (int64_t i = 0; i < n; i++) {
    double x = duration[i];
    if (!churn__is_finite(x)) {
      return churn__fail(CHURN_E_DATA, "%s: duration[%lld] is not finite (%g)", fn, (long long)i, x);
    }
    if (x < 0.0) {
      return churn__fail(CHURN_E_DATA, "%s: duration[%lld] = %g is negative", fn, (long long)i, x);
    }
    if (entry == NULL) continue;
    double e = entry[i];
    if (!churn__is_finite(e) || e < 0.0) {
      return churn__fail(CHURN_E_DATA, "%s: entry[%lld] = %g is not a finite time >= 0", fn,
                         (long long)i, e);
    }
    if (!(e < x)) {
      return churn__fail(CHURN_E_DATA,
                         "%s: entry[%lld] = %g is not before duration[%lld] = %g (a subject is "
                         "at risk on (entry, duration])",
                         fn, (long long)i, e, (long long)i, x);
    }
  }
  return CHURN_OK;
}

/* Hands one array to the table (which frees it on failure) once the earlier ones went well. */
static void take_f64(churn_table *t, const char *name, double **data, churn_status *st) {
  if (*st == CHURN_OK) {
    *st = churn__table_take_f64(t, name, *data);
    *data = NULL;
  }
}

static void take_i64(churn_table *t, const char *name, int64_t **data, churn_status *st) {
  if (*st == CHURN_OK) {
    *st = churn__table_take_i64(t, name, *data);
    *data = NULL;
  }
}

/* Row labels from codes: labels[code[r]] for every row (NULL on allocation failure). */
static const char **label_rows(const int64_t *code, int64_t n, int64_t offset,
                               const char *const *labels) {
  const char **l = churn__malloc_array((size_t)(n > 0 ? n : 1), sizeof *l);
  for (int64_t r = 0; l != NULL && r < n; r++) l[r] = labels[code[r] - offset];
  return l;
}

churn_status churn__surv_table(churn__surv_rows *r, bool km, const char *const *group_labels,
                               const char *const *category_labels, churn_table **out) {
  churn_table *t = NULL;
  churn_status st = churn__table_new(r->n, &t);
  if (st == CHURN_OK && group_labels) {
    const char **l = label_rows(r->group, r->n, 0, group_labels);
    st = l ? churn__table_add_str(t, "segment", l) : churn__nomem("survival table");
    churn__free(l);
  }
  take_f64(t, "time", &r->time, &st);
  if (km) {
    take_i64(t, "at_risk", &r->at_risk, &st);
    take_i64(t, "events", &r->events, &st);
  } else if (category_labels) {
    if (st == CHURN_OK) {
      const char **l = label_rows(r->category, r->n, 1, category_labels);
      st = l ? churn__table_add_str(t, "category", l) : churn__nomem("survival table");
      churn__free(l);
    }
  } else {
    take_i64(t, "category", &r->category, &st);
  }
  take_f64(t, km ? "survival" : "cif", &r->estimate, &st);
  take_f64(t, "std_err", &r->se, &st);
  take_f64(t, "ci_low", &r->lo, &st);
  take_f64(t, "ci_high", &r->hi, &st);
  churn__surv_rows_free(r);
  if (st != CHURN_OK) {
    churn_table_free(t);
    return st;
  }
  *out = t;
  return CHURN_OK;
}

churn_status churn__surv_rows_init(churn__surv_rows *r, bool km) {
  memset(r, 0, sizeof *r);
  return rows_reserve(r, 1, km);
}

CHURN_API churn_status churn_survival_km(const double *duration, const double *event, const double *entry,
                                int64_t n, double alpha, churn_table **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_survival_km: out is NULL");
  CHURN_TRY(check_times("churn_survival_km", duration, entry, n, alpha));
  CHURN_CHECK_ARG(n == 0 || event != NULL, "churn_survival_km: event is NULL");
  int64_t *cat = churn__malloc_array(n > 0 ? (size_t)n : 1, sizeof *cat);
  if (cat == NULL) return churn__nomem("churn_survival_km: event codes");
  for (int64_t i = 0; i < n; i++) { /* checked and copied in one pass */
    if (event[i] != 0.0 && event[i] != 1.0) {
      churn__free(cat);
      return churn__fail(CHURN_E_DATA, "churn_survival_km: event[%lld] = %g is not 0 or 1", (long long)i,
                         event[i]);
    }
    cat[i] = event[i] == 1.0;
  }
  churn__surv_input in = {n, duration, cat, entry};
  churn__surv_rows rows;
  churn_status st = churn__surv_rows_init(&rows, true);
  if (st == CHURN_OK) st = churn__km_rows(&in, churn__normal_quantile(1.0 - alpha / 2.0), 0, &rows);
  churn__free(cat);
  if (st != CHURN_OK) {
    churn__surv_rows_free(&rows);
    return st;
  }
  return churn__surv_table(&rows, true, NULL, NULL, out);
}

CHURN_API churn_status churn_survival_cif(const double *duration, const int64_t *category,
                                 const double *entry, int64_t n, double alpha,
                                 churn_table **out) {
  CHURN_CHECK_ARG(out != NULL, "churn_survival_cif: out is NULL");
  CHURN_TRY(check_times("churn_survival_cif", duration, entry, n, alpha));
  CHURN_CHECK_ARG(n == 0 || category != NULL, "churn_survival_cif: category is NULL");
  for (int64_t i = 0; i < n; i++) {
    if (category[i] < 0) {
      return churn__fail(CHURN_E_DATA,
                         "churn_survival_cif: category[%lld] = %lld is negative (0 = censored)",
                         (long long)i, (long long)category[i]);
    }
  }
  churn__surv_input in = {n, duration, category, entry};
  churn__surv_rows rows;
  churn_status st = churn__surv_rows_init(&rows, false);
  if (st == CHURN_OK) {
    st = churn__cif_rows(&in, churn__normal_quantile(1.0 - alpha / 2.0), 0, &rows);
  }
  if (st != CHURN_OK) {
    churn__surv_rows_free(&rows);
    return st;
  }
  return churn__surv_table(&rows, false, NULL, NULL, out);
}
