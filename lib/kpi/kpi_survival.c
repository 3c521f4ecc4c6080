/*
 * kpi_survival.c -- retention curves of a dataset: the Kaplan-Meier curve by tenure and the
 * cumulative incidence of churn by category (natural / competitive / service), per segment,
 * with delayed entry for subscribers who joined before the observation window opened.  The
 * estimators are those of survival.c, run on each active spell.
 */
#include "data/dataset.h"
#include "kpi.h"
#include "survival/survival.h"

#include <math.h>
#include <string.h>

static const char *const CATEGORY_NAMES[] = {"natural", "competitive", "service", "unknown"};

/* The subjects of one call, grouped: subjects of group g are [goff[g], goff[g+1]). */
typedef struct subjects {
  int64_t n, G;
  int64_t *goff;
  double *exit, *entry;
  int64_t *cat;
} subjects;

static void subjects_free(subjects *x) {
  churn__free(x->goff);
  churn__free(x->exit);
  churn__free(x->entry);
  churn__free(x->cat);
}

/* Whether spell k is observed, and its (exit, entry, category) in the time unit. */
static bool spell_subject(const churn__spells *sp, int64_t k, int64_t window_start, int64_t as_of,
                          double unit, double *exit, double *entry, int64_t *cat) {
  int64_t a = sp->start[k], e = sp->end[k];
  if (a == CHURN_TIME_NONE || a > as_of) return false;  /* tenure unknown, or not yet active */
  if (window_start != CHURN_TIME_NONE && e <= window_start) return false; /* ended unseen */
  bool churned = e <= as_of;
  /* differences in double: int64 subtraction of far-apart dates could overflow */
  *exit = ((double)(churned ? e : as_of) - (double)a) / unit;
  *entry = window_start != CHURN_TIME_NONE && a < window_start
               ? ((double)window_start - (double)a) / unit
               : -INFINITY;
  if (!churned) {
    *cat = 0;
  } else {
    int c = (int)churn_cancel_reason_category(sp->reason[k]);
    *cat = c == CHURN_CATEGORY_UNKNOWN ? 4 : c;
  }
  return true;
}

static churn_status subjects_build(const churn_dataset *ds, int64_t window_start, int64_t as_of,
                                   const char *segment, const churn_options *opts,
                                   const char *fn, subjects *x, churn__segments *seg) {
  memset(x, 0, sizeof *x);
  memset(seg, 0, sizeof *seg);
  CHURN_CHECK_ARG(ds != NULL, "%s: dataset is NULL", fn);
  CHURN_CHECK_ARG(as_of != CHURN_TIME_NONE, "%s: as_of is CHURN_TIME_NONE", fn);
  CHURN_CHECK_ARG(window_start == CHURN_TIME_NONE || window_start < as_of,
                  "%s: window_start (%lld) must be before as_of (%lld)", fn,
                  (long long)window_start, (long long)as_of);
  double unit = churn__kpi_opt_int(opts, CHURN_OPT_KPI_TIME_UNIT) == 1 ? 86400.0 * 30.436875
                                                                        : 86400.0;
  churn__spells sp;
  CHURN_TRY(churn__spells_build(ds, opts, fn, &sp));
  churn_status st = churn__segments_build(ds, segment, fn, seg);
  int64_t G = seg->ngroups;
  if (st == CHURN_OK) {
    x->G = G;
    x->goff = churn__calloc((size_t)G + 2, sizeof *x->goff);
    x->exit = churn__malloc_array((size_t)sp.n + 1, sizeof *x->exit);
    x->entry = churn__malloc_array((size_t)sp.n + 1, sizeof *x->entry);
    x->cat = churn__malloc_array((size_t)sp.n + 1, sizeof *x->cat);
    if (!x->goff || !x->exit || !x->entry || !x->cat) st = churn__nomem("survival subjects");
  }
  double ex, en;
  int64_t c;
  for (int64_t s = 0; st == CHURN_OK && s < sp.nsubs; s++) { /* count per group */
    for (int64_t k = sp.off[s]; k < sp.off[s + 1]; k++) {
      if (spell_subject(&sp, k, window_start, as_of, unit, &ex, &en, &c)) x->goff[seg->group[s] + 1]++;
    }
  }
  for (int64_t g = 0; st == CHURN_OK && g < G; g++) x->goff[g + 1] += x->goff[g];
  for (int64_t s = 0; st == CHURN_OK && s < sp.nsubs; s++) { /* place */
    for (int64_t k = sp.off[s]; k < sp.off[s + 1]; k++) {
      if (!spell_subject(&sp, k, window_start, as_of, unit, &ex, &en, &c)) continue;
      int64_t i = x->goff[seg->group[s]]++;
      x->exit[i] = ex;
      x->entry[i] = en;
      x->cat[i] = c;
    }
  }
  for (int64_t g = G; st == CHURN_OK && g > 0; g--) x->goff[g] = x->goff[g - 1];
  if (st == CHURN_OK) {
    x->goff[0] = 0;
    x->n = x->goff[G];
  }
  churn__spells_free(&sp);
  if (st != CHURN_OK) {
    subjects_free(x);
    churn__segments_free(seg);
  }
  return st;
}

static churn_status kpi_curve(const churn_dataset *ds, int64_t window_start, int64_t as_of,
                              const char *segment, double alpha, const churn_options *opts,
                              bool km, const char *fn, churn_table **out) {
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  CHURN_CHECK_ARG(alpha > 0.0 && alpha < 1.0, "%s: alpha = %g is not in (0, 1)", fn, alpha);
  subjects x;
  churn__segments seg;
  CHURN_TRY(subjects_build(ds, window_start, as_of, segment, opts, fn, &x, &seg));
  churn__surv_rows rows;
  double z = churn__normal_quantile(1.0 - alpha / 2.0);
  churn_status st = churn__surv_rows_init(&rows, km);
  for (int64_t g = 0; st == CHURN_OK && g < x.G; g++) {
    int64_t lo = x.goff[g], n = x.goff[g + 1] - lo;
    churn__surv_input in = {n, x.exit + lo, x.cat + lo, x.entry + lo};
    st = km ? churn__km_rows(&in, z, g, &rows) : churn__cif_rows(&in, z, g, &rows);
  }
  if (st == CHURN_OK) {
    st = churn__surv_table(&rows, km, segment ? seg.labels : NULL, km ? NULL : CATEGORY_NAMES,
                           out);
  } else {
    churn__surv_rows_free(&rows);
  }
  subjects_free(&x);
  churn__segments_free(&seg);
  return st;
}

CHURN_API churn_status churn_kpi_km(const churn_dataset *ds, int64_t window_start, int64_t as_of,
                                    const char *segment, double alpha, const churn_options *opts,
                                    churn_table **out) {
  return kpi_curve(ds, window_start, as_of, segment, alpha, opts, true, "churn_kpi_km", out);
}

CHURN_API churn_status churn_kpi_cif(const churn_dataset *ds, int64_t window_start,
                                     int64_t as_of, const char *segment, double alpha,
                                     const churn_options *opts, churn_table **out) {
  return kpi_curve(ds, window_start, as_of, segment, alpha, opts, false, "churn_kpi_cif", out);
}
