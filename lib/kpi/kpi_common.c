/*
 * kpi_common.c -- what every retention KPI stands on besides the spells (data/spells.c):
 * groupings by a categorical subscriber column, calendar months, the KPI options.
 */
#include "data/dataset.h"
#include "kpi.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* --- segments ------------------------------------------------------------------------------ */

static const char *const CAT_NAMES[CHURN__NCAT] = {"region", "age_band", "tier", "package",
                                                   "manager"};

void churn__segments_free(churn__segments *seg) {
  churn__free(seg->group);
  churn__free(seg->labels);
  memset(seg, 0, sizeof *seg);
}

/* Groups by codes (-1 missing) with a dictionary's labels. */
static churn_status from_codes(const churn_dataset *ds, const int32_t *codes,
                               const churn__dict *dict, churn__segments *seg) {
  int64_t n = ds->subs.n;
  bool missing = false;
  for (int64_t s = 0; s < n; s++) missing |= codes[s] < 0;
  seg->ngroups = dict->n + (missing ? 1 : 0);
  seg->labels = churn__calloc((size_t)seg->ngroups + 1, sizeof *seg->labels);
  if (seg->labels == NULL) return churn__nomem("KPI segments");
  for (int32_t g = 0; g < dict->n; g++) seg->labels[g] = churn__dict_label(dict, g);
  if (missing) seg->labels[dict->n] = "(missing)";
  for (int64_t s = 0; s < n; s++) seg->group[s] = codes[s] < 0 ? dict->n : codes[s];
  return CHURN_OK;
}

churn_status churn__segments_build(const churn_dataset *ds, const char *column, const char *fn,
                                   churn__segments *seg) {
  memset(seg, 0, sizeof *seg);
  int64_t n = ds->subs.n;
  seg->group = churn__calloc(n > 0 ? (size_t)n : 1, sizeof *seg->group);
  if (seg->group == NULL) return churn__nomem("KPI segments");
  churn_status st = CHURN_OK;
  if (column == NULL) {
    seg->ngroups = 1;
    seg->labels = churn__calloc(1, sizeof *seg->labels);
    if (seg->labels) seg->labels[0] = "(all)";
    else st = churn__nomem("KPI segments");
  } else if (strcmp(column, "vip") == 0) {
    static const char *const VIP[] = {"0", "1"};
    seg->ngroups = 2;
    seg->labels = churn__calloc(2, sizeof *seg->labels);
    if (seg->labels) {
      memcpy(seg->labels, VIP, sizeof VIP);
      for (int64_t s = 0; s < n; s++) seg->group[s] = ds->subs.vip[s] != 0;
    } else {
      st = churn__nomem("KPI segments");
    }
  } else {
    const churn__catcol *cc = NULL;
    for (int k = 0; k < CHURN__NCAT; k++) {
      if (strcmp(column, CAT_NAMES[k]) == 0) cc = &ds->subs.cat[k];
    }
    for (size_t j = 0; cc == NULL && j < ds->subs.nattrs; j++) {
      const churn__attr *a = &ds->subs.attrs[j];
      if (strcmp(a->name, column) == 0) {
        if (!a->categorical) {
          churn__segments_free(seg);
          return churn__fail(CHURN_E_ARG, "%s: column '%s' is numeric, not categorical", fn,
                             column);
        }
        cc = &a->cat;
      }
    }
    if (cc == NULL) {
      st = churn__fail(CHURN_E_NOT_FOUND,
                       "%s: no categorical subscriber column '%s' (region, age_band, tier, "
                       "package, manager, vip or a categorical attribute)", fn, column);
    } else {
      st = from_codes(ds, cc->codes, &cc->dict, seg);
    }
  }
  if (st != CHURN_OK) churn__segments_free(seg);
  return st;
}

churn_status churn__segments_find(const churn__segments *seg, const char *column,
                                  const char *label, const char *fn, int32_t *code) {
  for (int64_t g = 0; g < seg->ngroups; g++) {
    if (strcmp(seg->labels[g], label) == 0) {
      *code = (int32_t)g;
      return CHURN_OK;
    }
  }
  return churn__fail(CHURN_E_NOT_FOUND, "%s: column '%s' has no label '%s'", fn, column, label);
}

/* --- rates ------------------------------------------------------------------------------- */

double churn__kpi_rate_base(int64_t base_kind, int64_t opening, int64_t activations,
                            int64_t closing) {
  switch (base_kind) {
    case CHURN_KPI_RATE_AVERAGE: return 0.5 * (double)(opening + closing);
    case CHURN_KPI_RATE_EXPOSED: return (double)(opening + activations);
    case CHURN_KPI_RATE_CLOSING: return (double)closing;
    default: return (double)opening;
  }
}

void churn__kpi_rate(double churned, double base, double *rate, double *lo, double *hi) {
  *rate = base > 0.0 ? churned / base : NAN;
  if (base > 0.0 && churned <= base) {
    churn__wilson(churned, base, CHURN__Z975, lo, hi);
  } else {
    *lo = *hi = NAN;
  }
}

churn_status churn__spells_rejoins(const churn_dataset *ds, const churn__spells *sp,
                                   uint8_t **rejoin) {
  (void)ds;
  uint8_t *r = churn__calloc((size_t)sp->n + 1, 1);
  if (r == NULL) return churn__nomem("KPI rejoins");
  for (int64_t s = 0; s < sp->nsubs; s++) {
    for (int64_t k = sp->off[s] + 1; k < sp->off[s + 1]; k++) r[k] = 1;
  }
  *rejoin = r;
  return CHURN_OK;
}

/* --- month boundaries ---------------------------------------------------------------------- */

int64_t churn__boundary_index(const int64_t *b, int64_t nb, int64_t t) {
  int64_t lo = 0, hi = nb; /* first boundary > t */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (b[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/* --- options ----------------------------------------------------------------------------- */

int64_t churn__kpi_opt_int(const churn_options *opts, churn_option key) {
  int64_t v = 0;
  double def = 0.0;
  if (opts == NULL || churn_options_get_int(opts, key, &v) != CHURN_OK) {
    churn_option_bounds(key, NULL, NULL, NULL, &def);
    v = (int64_t)def;
  }
  return v;
}

double churn__kpi_opt_real(const churn_options *opts, churn_option key) {
  double v = 0.0;
  if (opts == NULL || churn_options_get_real(opts, key, &v) != CHURN_OK) {
    churn_option_bounds(key, NULL, NULL, NULL, &v);
  }
  return v;
}

/* --- small helpers ------------------------------------------------------------------------- */

churn_status churn__kpi_check_date(int64_t t, const char *name, const char *fn) {
  /* 0001-01-01 .. 9999-12-31 keeps the calendar arithmetic far from overflow */
  if (t < -62135596800LL || t > 253402300799LL) {
    return churn__fail(CHURN_E_RANGE, "%s: %s = %lld is outside the years 1..9999", fn, name,
                       (long long)t);
  }
  return CHURN_OK;
}

churn_status churn__kpi_check_period(int64_t from, int64_t to, const char *fn) {
  if (from != CHURN_TIME_NONE && to != CHURN_TIME_NONE && from < to) return CHURN_OK;
  return churn__fail(CHURN_E_ARG, "%s: the period [from, to) = [%lld, %lld) is empty", fn,
                     (long long)from, (long long)to);
}

churn_status churn__kpi_utc_offset(const churn_options *opts, const churn_dataset *ds,
                                   const char *fn, int64_t *offset) {
  const char *text = NULL;
  *offset = ds != NULL && ds->has_utc_offset ? ds->utc_offset : 0;
  if (opts != NULL) CHURN_TRY(churn_options_get_string(opts, CHURN_OPT_KPI_UTC_OFFSET, &text));
  if (text == NULL || text[0] == '\0') return CHURN_OK; /* the exports' own, else UTC */
  int64_t off = 0;
  if (!churn__parse_utc_offset(text, strlen(text), &off) ||
      off < -14 * 3600 || off > 14 * 3600) {
    return churn__fail(CHURN_E_ARG, "%s: kpi.utc_offset = '%s' is not a UTC offset such as "
                       "\"+08:00\" or \"-05:00\" (within -14:00..+14:00)", fn,
                       text ? text : "(null)");
  }
  *offset = off;
  return CHURN_OK;
}

int64_t churn__kpi_month_floor(int64_t t, int64_t offset) {
  return churn__month_floor(t + offset) - offset;
}

int64_t churn__kpi_month_add(int64_t month_start, int64_t k, int64_t offset) {
  return churn__month_add(month_start + offset, k) - offset;
}

churn_status churn__kpi_months(int64_t from, int64_t to, int64_t offset, const char *fn,
                               int64_t **bounds, int64_t *nmonths) {
  CHURN_CHECK_ARG(from != CHURN_TIME_NONE && to != CHURN_TIME_NONE,
                  "%s: from and to must be dates, not CHURN_TIME_NONE", fn);
  CHURN_CHECK_ARG(from <= to, "%s: from (%lld) is after to (%lld)", fn, (long long)from,
                  (long long)to);
  CHURN_TRY(churn__kpi_check_date(from, "from", fn));
  CHURN_TRY(churn__kpi_check_date(to, "to", fn));
  int64_t first = churn__kpi_month_floor(from, offset);
  int64_t last = churn__kpi_month_floor(to, offset), m = 0;
  while (churn__kpi_month_add(first, m, offset) <= last && m <= 1200) m++;
  if (m > 1200) return churn__fail(CHURN_E_RANGE, "%s: more than 1200 months from from to to", fn);
  int64_t *b = churn__malloc_array((size_t)m + 1, sizeof *b);
  if (b == NULL) return churn__nomem("KPI months");
  for (int64_t i = 0; i <= m; i++) b[i] = churn__kpi_month_add(first, i, offset);
  *bounds = b;
  *nmonths = m;
  return CHURN_OK;
}

churn_status churn__kpi_month_labels(const int64_t *bounds, int64_t n, int64_t offset,
                                     char ***labels) {
  char **l = churn__malloc((size_t)(n > 0 ? n : 1) * (sizeof(char *) + 16));
  if (l == NULL) return churn__nomem("KPI month labels");
  char *text = (char *)(l + (n > 0 ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    l[i] = text + 16 * i;
    churn__month_label(bounds[i] + offset, l[i]);
  }
  *labels = l;
  return CHURN_OK;
}
