/*
 * kpi_movement.c -- the monthly figures: the movement table (opening base, activations,
 * churned, closing base, churn rate against the control target), ARPU and its change, and
 * snapshot retention of a photographed cohort against a time-series target.
 */
#include "data/dataset.h"
#include "kpi.h"

#include <math.h>
#include <string.h>

/* Per group g and month i (M months, M + 1 boundaries): the number of spells active just
 * before each boundary (start < b and end >= b), activations and cancellations per month. */
typedef struct monthly {
  int64_t G, M;
  int64_t *base;      /* G * (M + 1) */
  int64_t *act, *out; /* G * M */
  int64_t *out_cancel, *out_non_use, *rejoin; /* G * M: churned by how, returning activations */
} monthly;

static void monthly_free(monthly *m) {
  churn__free(m->base);
  churn__free(m->act);
  churn__free(m->out);
  churn__free(m->out_cancel);
  churn__free(m->out_non_use);
  churn__free(m->rejoin);
  memset(m, 0, sizeof *m);
}

static churn_status monthly_count(const churn_dataset *ds, const churn__spells *sp,
                                  const churn__segments *seg, const int64_t *b, int64_t M,
                                  monthly *m) {
  memset(m, 0, sizeof *m);
  m->G = seg->ngroups;
  m->M = M;
  size_t gm = (size_t)(m->G * M + 1);
  m->base = churn__calloc((size_t)(m->G * (M + 2)), sizeof *m->base);
  m->act = churn__calloc(gm, sizeof *m->act);
  m->out = churn__calloc(gm, sizeof *m->out);
  m->out_cancel = churn__calloc(gm, sizeof *m->out_cancel);
  m->out_non_use = churn__calloc(gm, sizeof *m->out_non_use);
  m->rejoin = churn__calloc(gm, sizeof *m->rejoin);
  uint8_t *rejoin = NULL;
  if (!m->base || !m->act || !m->out || !m->out_cancel || !m->out_non_use || !m->rejoin ||
      churn__spells_rejoins(ds, sp, &rejoin) != CHURN_OK) {
    monthly_free(m);
    return churn__nomem("KPI monthly counts");
  }
  for (int64_t s = 0; s < sp->nsubs; s++) {
    int64_t g = seg->group[s];
    int64_t *diff = m->base + g * (M + 2);
    for (int64_t k = sp->off[s]; k < sp->off[s + 1]; k++) {
      int64_t ia = sp->start[k] == CHURN_TIME_NONE ? -1
                                                   : churn__boundary_index(b, M + 1, sp->start[k]);
      int64_t ie = churn__boundary_index(b, M + 1, sp->end[k]);
      int64_t lo = ia + 1 > 0 ? ia + 1 : 0, hi = ie < M ? ie : M;
      if (lo <= hi) {
        diff[lo]++;
        diff[hi + 1]--;
      }
      if (sp->start[k] != CHURN_TIME_NONE && ia >= 0 && ia < M) {
        m->act[g * M + ia]++;
        m->rejoin[g * M + ia] += rejoin[k];
      }
      if (sp->end[k] != CHURN__OPEN_END && ie >= 0 && ie < M) {
        m->out[g * M + ie]++;
        m->out_cancel[g * M + ie] += sp->how[k] == CHURN__END_CANCEL;
        m->out_non_use[g * M + ie] += sp->how[k] == CHURN__END_NON_USE;
      }
    }
  }
  churn__free(rejoin);
  for (int64_t g = 0; g < m->G; g++) { /* prefix sums, packed to M + 1 per group */
    int64_t run = 0, *diff = m->base + g * (M + 2);
    for (int64_t i = 0; i <= M; i++) {
      run += diff[i];
      m->base[g * (M + 1) + i] = run;
    }
  }
  return CHURN_OK;
}

/* Everything a monthly KPI call prepares. */
typedef struct monthly_input {
  churn__spells sp;
  churn__segments seg;
  int64_t *b, M;
  monthly m;
  char **labels;
} monthly_input;

static void monthly_input_free(monthly_input *in) {
  churn__spells_free(&in->sp);
  churn__segments_free(&in->seg);
  churn__free(in->b);
  churn__free(in->labels);
  monthly_free(&in->m);
}

static churn_status monthly_prepare(const churn_dataset *ds, int64_t from, int64_t to,
                                    const char *segment, const churn_options *opts,
                                    const char *fn, monthly_input *in) {
  memset(in, 0, sizeof *in);
  CHURN_CHECK_ARG(ds != NULL, "%s: dataset is NULL", fn);
  int64_t offset = 0;
  churn_status st = churn__kpi_utc_offset(opts, ds, fn, &offset);
  if (st == CHURN_OK) st = churn__kpi_months(from, to, offset, fn, &in->b, &in->M);
  if (st == CHURN_OK) st = churn__kpi_month_labels(in->b, in->M, offset, &in->labels);
  if (st == CHURN_OK) st = churn__spells_build(ds, opts, fn, &in->sp);
  if (st == CHURN_OK) st = churn__segments_build(ds, segment, fn, &in->seg);
  if (st == CHURN_OK) st = monthly_count(ds, &in->sp, &in->seg, in->b, in->M, &in->m);
  if (st != CHURN_OK) monthly_input_free(in);
  return st;
}

/* The leading columns of a monthly table: segment (when grouped), month, month_start. */
static churn_status lead_columns(const monthly_input *in, bool grouped, const char ***segcol,
                                 const char ***monthcol, int64_t **start) {
  int64_t rows = in->seg.ngroups * in->M, r = 0;
  *segcol = churn__malloc_array((size_t)(rows ? rows : 1), sizeof **segcol);
  *monthcol = churn__malloc_array((size_t)(rows ? rows : 1), sizeof **monthcol);
  *start = churn__malloc_array((size_t)(rows ? rows : 1), sizeof **start);
  if (!*segcol || !*monthcol || !*start) return churn__nomem("KPI table");
  for (int64_t g = 0; g < in->seg.ngroups; g++) {
    for (int64_t i = 0; i < in->M; i++, r++) {
      (*segcol)[r] = in->seg.labels[g];
      (*monthcol)[r] = in->labels[i];
      (*start)[r] = in->b[i];
    }
  }
  (void)grouped;
  return CHURN_OK;
}

static double *new_f64(int64_t n) { return churn__malloc_array((size_t)(n ? n : 1), sizeof(double)); }
static int64_t *new_i64(int64_t n) { return churn__malloc_array((size_t)(n ? n : 1), sizeof(int64_t)); }

/* --- movement table ------------------------------------------------------------------------ */

enum { MV_OPEN, MV_ACT, MV_OUT, MV_CLOSE, MV_OUT_CANCEL, MV_OUT_NON_USE, MV_REJOIN, MV_NI };
enum { MV_RATE, MV_TARGET, MV_MARGIN, MV_NF };

CHURN_API churn_status churn_kpi_movement(const churn_dataset *ds, int64_t from, int64_t to,
                                          const char *segment, const churn_options *opts,
                                          churn_table **out) {
  const char *fn = "churn_kpi_movement";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  monthly_input in;
  CHURN_TRY(monthly_prepare(ds, from, to, segment, opts, fn, &in));
  int64_t base_kind = churn__kpi_opt_int(opts, CHURN_OPT_KPI_RATE_BASE);
  double target = churn__kpi_opt_real(opts, CHURN_OPT_KPI_TARGET);
  int64_t rows = in.seg.ngroups * in.M, M = in.M;
  const char **segcol = NULL, **monthcol = NULL;
  int64_t *start = NULL, *ic[MV_NI] = {0};
  double *fc[MV_NF] = {0};
  churn_status st = lead_columns(&in, segment != NULL, &segcol, &monthcol, &start);
  bool ok = st == CHURN_OK;
  for (int c = 0; c < MV_NI; c++) ok = ok && (ic[c] = new_i64(rows)) != NULL;
  for (int c = 0; c < MV_NF; c++) ok = ok && (fc[c] = new_f64(rows)) != NULL;
  if (ok) {
    for (int64_t g = 0, r = 0; g < in.seg.ngroups; g++) {
      for (int64_t i = 0; i < M; i++, r++) {
        int64_t open = in.m.base[g * (M + 1) + i], close = in.m.base[g * (M + 1) + i + 1];
        ic[MV_OPEN][r] = open;
        ic[MV_ACT][r] = in.m.act[g * M + i];
        ic[MV_OUT][r] = in.m.out[g * M + i];
        ic[MV_CLOSE][r] = close;
        ic[MV_OUT_CANCEL][r] = in.m.out_cancel[g * M + i];
        ic[MV_OUT_NON_USE][r] = in.m.out_non_use[g * M + i];
        ic[MV_REJOIN][r] = in.m.rejoin[g * M + i];
        double denom = churn__kpi_rate_base(base_kind, open, ic[MV_ACT][r], close);
        fc[MV_RATE][r] = denom > 0.0 ? (double)ic[MV_OUT][r] / denom : NAN;
        fc[MV_TARGET][r] = target;
        fc[MV_MARGIN][r] = target - fc[MV_RATE][r];
      }
    }
    churn__col cols[] = {{"segment", 's', segcol},       {"month", 's', monthcol},
                         {"month_start", 'i', start},    {"opening", 'i', ic[MV_OPEN]},
                         {"activations", 'i', ic[MV_ACT]}, {"churned", 'i', ic[MV_OUT]},
                         {"closing", 'i', ic[MV_CLOSE]}, {"churn_rate", 'f', fc[MV_RATE]},
                         {"target", 'f', fc[MV_TARGET]}, {"margin", 'f', fc[MV_MARGIN]},
                         {"churned_cancel", 'i', ic[MV_OUT_CANCEL]},
                         {"churned_non_use", 'i', ic[MV_OUT_NON_USE]},
                         {"rejoins", 'i', ic[MV_REJOIN]}};
    int skip = segment == NULL;
    st = churn__table_from_cols(rows, cols + skip, 13 - skip, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem("KPI table");
    churn__free(start);
    for (int c = 0; c < MV_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < MV_NF; c++) churn__free(fc[c]);
  }
  churn__free(segcol);
  churn__free(monthcol);
  monthly_input_free(&in);
  return st;
}

/* --- ARPU ---------------------------------------------------------------------------------- */

/* Revenue and billed subscribers per group and month from BILL (or PAYMENT) amounts. */
static void arpu_revenue(const churn_dataset *ds, const monthly_input *in, int kind, double *rev,
                         int64_t *billed) {
  const churn__events *ev = &ds->ev;
  int64_t M = in->M;
  if (ev->n == 0) return;
  for (int64_t s = 0; s < ds->subs.n; s++) {
    int64_t g = in->seg.group[s], last = -1;
    for (int64_t e = ev->off[s]; e < ev->off[s + 1]; e++) {
      if (ev->kind[e] != kind) continue;
      int64_t i = churn__boundary_index(in->b, M + 1, ev->time[e]);
      if (i < 0 || i >= M) continue;
      rev[g * M + i] += ev->value[e];
      if (i != last) billed[g * M + i]++; /* events are time-sorted: i never decreases */
      last = i;
    }
  }
}

enum { AR_REV, AR_AVG, AR_ARPU, AR_CHANGE, AR_CHANGE_RATE, AR_NF };

CHURN_API churn_status churn_kpi_arpu(const churn_dataset *ds, int64_t from, int64_t to,
                                      const char *segment, const churn_options *opts,
                                      churn_table **out) {
  const char *fn = "churn_kpi_arpu";
  CHURN_CHECK_ARG(out != NULL, "%s: out is NULL", fn);
  monthly_input in;
  CHURN_TRY(monthly_prepare(ds, from, to, segment, opts, fn, &in));
  int kind = churn__kpi_opt_int(opts, CHURN_OPT_KPI_ARPU_SOURCE) == 1 ? CHURN_EV_PAYMENT
                                                                      : CHURN_EV_BILL;
  int64_t rows = in.seg.ngroups * in.M, M = in.M;
  const char **segcol = NULL, **monthcol = NULL;
  int64_t *start = NULL, *billed = NULL;
  double *fc[AR_NF] = {0};
  churn_status st = lead_columns(&in, segment != NULL, &segcol, &monthcol, &start);
  bool ok = st == CHURN_OK && (billed = churn__calloc((size_t)rows + 1, sizeof *billed)) != NULL;
  for (int c = 0; c < AR_NF; c++) ok = ok && (fc[c] = churn__calloc((size_t)rows + 1, sizeof(double))) != NULL;
  if (ok) {
    arpu_revenue(ds, &in, kind, fc[AR_REV], billed);
    for (int64_t g = 0, r = 0; g < in.seg.ngroups; g++) {
      for (int64_t i = 0; i < M; i++, r++) {
        double avg = 0.5 * (double)(in.m.base[g * (M + 1) + i] + in.m.base[g * (M + 1) + i + 1]);
        fc[AR_AVG][r] = avg;
        fc[AR_ARPU][r] = avg > 0.0 ? fc[AR_REV][r] / avg : NAN;
        double prev = i > 0 ? fc[AR_ARPU][r - 1] : NAN;
        fc[AR_CHANGE][r] = fc[AR_ARPU][r] - prev;
        fc[AR_CHANGE_RATE][r] = prev != 0.0 ? fc[AR_CHANGE][r] / prev : NAN;
      }
    }
    churn__col cols[] = {{"segment", 's', segcol},       {"month", 's', monthcol},
                         {"month_start", 'i', start},    {"revenue", 'f', fc[AR_REV]},
                         {"billed", 'i', billed},        {"average_base", 'f', fc[AR_AVG]},
                         {"arpu", 'f', fc[AR_ARPU]},     {"change", 'f', fc[AR_CHANGE]},
                         {"change_rate", 'f', fc[AR_CHANGE_RATE]}};
    int skip = segment == NULL;
    st = churn__table_from_cols(rows, cols + skip, 9 - skip, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem("KPI table");
    churn__free(start);
    churn__free(billed);
    for (int c = 0; c < AR_NF; c++) churn__free(fc[c]);
  }
  churn__free(segcol);
  churn__free(monthcol);
  monthly_input_free(&in);
  return st;
}

/* --- snapshot retention -------------------------------------------------------------------- */

/* Marks the cohort: subscribers with a spell active at base (start <= base < end) that pass the
 * column filter and the member mask. */
static churn_status snapshot_cohort(const churn_dataset *ds, const churn__spells *sp,
                                    int64_t base, const char *column, const char *label,
                                    const int64_t *members, int64_t nmembers, const char *fn,
                                    uint8_t *in_cohort) {
  int64_t S = ds->subs.n;
  for (int64_t s = 0; s < S; s++) {
    for (int64_t k = sp->off[s]; k < sp->off[s + 1]; k++) {
      bool started = sp->start[k] == CHURN_TIME_NONE || sp->start[k] <= base;
      if (started && base < sp->end[k]) in_cohort[s] = 1;
    }
  }
  if (members != NULL) {
    uint8_t *mask = churn__calloc((size_t)S + 1, 1);
    if (mask == NULL) return churn__nomem("snapshot members");
    for (int64_t i = 0; i < nmembers; i++) {
      if (members[i] < 0 || members[i] >= S) {
        churn__free(mask);
        return churn__fail(CHURN_E_ARG, "%s: members[%lld] = %lld is not a subscriber index "
                           "in [0, %lld)", fn, (long long)i, (long long)members[i], (long long)S);
      }
      mask[members[i]] = 1;
    }
    for (int64_t s = 0; s < S; s++) in_cohort[s] &= mask[s];
    churn__free(mask);
  }
  if (column != NULL) {
    churn__segments seg;
    int32_t code = 0;
    CHURN_TRY(churn__segments_build(ds, column, fn, &seg));
    churn_status st = churn__segments_find(&seg, column, label, fn, &code);
    for (int64_t s = 0; st == CHURN_OK && s < S; s++) in_cohort[s] &= seg.group[s] == code;
    churn__segments_free(&seg);
    CHURN_TRY(st);
  }
  return CHURN_OK;
}

enum { SN_IDX, SN_COHORT, SN_ACTIVE, SN_NI };
enum { SN_RET, SN_TARGET, SN_MARGIN, SN_NF };

CHURN_API churn_status churn_kpi_snapshot(const churn_dataset *ds, int64_t base_date,
                                          int64_t nmonths, const char *column,
                                          const char *label, const int64_t *members,
                                          int64_t nmembers, const double *target,
                                          const churn_options *opts, churn_table **out) {
  const char *fn = "churn_kpi_snapshot";
  CHURN_CHECK_ARG(out != NULL && ds != NULL, "%s: ds and out must not be NULL", fn);
  CHURN_CHECK_ARG(base_date != CHURN_TIME_NONE, "%s: base_date is CHURN_TIME_NONE", fn);
  CHURN_TRY(churn__kpi_check_date(base_date, "base_date", fn));
  CHURN_CHECK_ARG(nmonths >= 1 && nmonths <= 1200, "%s: nmonths = %lld is not in [1, 1200]", fn,
                  (long long)nmonths);
  CHURN_CHECK_ARG((column == NULL) == (label == NULL),
                  "%s: column and label must be given together", fn);
  CHURN_CHECK_ARG(members != NULL || nmembers == 0, "%s: members is NULL but nmembers = %lld",
                  fn, (long long)nmembers);
  CHURN_CHECK_ARG(nmembers >= 0, "%s: nmembers = %lld is negative", fn, (long long)nmembers);
  for (int64_t k = 0; target != NULL && k < nmonths; k++) {
    if (!churn__is_finite(target[k])) {
      return churn__fail(CHURN_E_DATA, "%s: target[%lld] is not finite", fn, (long long)k);
    }
  }
  int64_t offset = 0;
  CHURN_TRY(churn__kpi_utc_offset(opts, ds, fn, &offset));
  churn__spells sp;
  CHURN_TRY(churn__spells_build(ds, opts, fn, &sp));
  int64_t S = ds->subs.n, M = nmonths;
  uint8_t *cohort = churn__calloc((size_t)S + 1, 1);
  int64_t *b = churn__malloc_array((size_t)M + 1, sizeof *b), *retained = churn__calloc((size_t)M + 1, sizeof *retained);
  char **labels = NULL;
  churn_status st = (cohort && b && retained) ? CHURN_OK : churn__nomem("snapshot");
  if (st == CHURN_OK) {
    /* b[k-1] = end of month k = first second of the following month */
    int64_t first = churn__kpi_month_floor(base_date, offset);
    for (int64_t k = 0; k <= M; k++) b[k] = churn__kpi_month_add(first, k, offset);
    st = churn__kpi_month_labels(b, M, offset, &labels);
  }
  if (st == CHURN_OK) {
    st = snapshot_cohort(ds, &sp, base_date, column, label, members, nmembers, fn, cohort);
  }
  int64_t size = 0;
  for (int64_t s = 0; st == CHURN_OK && s < S; s++) {
    if (!cohort[s]) continue;
    size++;
    for (int64_t k = 1; k <= M; k++) { /* active at the end of month k: start < b[k] <= end */
      for (int64_t j = sp.off[s]; j < sp.off[s + 1]; j++) {
        bool started = sp.start[j] == CHURN_TIME_NONE || sp.start[j] < b[k];
        if (started && sp.end[j] >= b[k]) {
          retained[k - 1]++;
          break;
        }
      }
    }
  }
  int64_t *ic[SN_NI] = {0};
  double *fc[SN_NF] = {0};
  bool ok = st == CHURN_OK;
  for (int c = 0; c < SN_NI; c++) ok = ok && (ic[c] = new_i64(M)) != NULL;
  for (int c = 0; c < SN_NF; c++) ok = ok && (fc[c] = new_f64(M)) != NULL;
  if (ok) {
    double t0 = churn__kpi_opt_real(opts, CHURN_OPT_KPI_TARGET_START);
    double step = churn__kpi_opt_real(opts, CHURN_OPT_KPI_TARGET_STEP);
    for (int64_t k = 0; k < M; k++) {
      ic[SN_IDX][k] = k + 1;
      ic[SN_COHORT][k] = size;
      ic[SN_ACTIVE][k] = retained[k];
      fc[SN_RET][k] = size > 0 ? (double)retained[k] / (double)size : NAN;
      fc[SN_TARGET][k] = target ? target[k] : t0 + step * (double)(k + 1);
      fc[SN_MARGIN][k] = fc[SN_RET][k] - fc[SN_TARGET][k];
    }
    churn__col cols[] = {{"month_index", 'i', ic[SN_IDX]}, {"month", 's', labels},
                         {"cohort", 'i', ic[SN_COHORT]},   {"active", 'i', ic[SN_ACTIVE]},
                         {"retention", 'f', fc[SN_RET]},   {"target", 'f', fc[SN_TARGET]},
                         {"margin", 'f', fc[SN_MARGIN]}};
    st = churn__table_from_cols(M, cols, 7, out);
  } else {
    if (st == CHURN_OK) st = churn__nomem("snapshot table");
    for (int c = 0; c < SN_NI; c++) churn__free(ic[c]);
    for (int c = 0; c < SN_NF; c++) churn__free(fc[c]);
  }
  churn__free(labels);
  churn__free(cohort);
  churn__free(b);
  churn__free(retained);
  churn__spells_free(&sp);
  return st;
}
