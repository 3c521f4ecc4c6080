/*
 * features_catalog.c -- the named, documented feature catalog (each feature's formula and churn
 * category), the reading of the feature options, and the resolution of the caller's feature names
 * into output columns (catalog features, one-hot columns, extra attributes).
 */
#include "feat.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The window W below is the last M months (T - L, T], L = M x 30 days; "previous" is the M
 * months before it (T - 2L, T - L].  Descriptions are the formulas churn.h documents. */
static const churn__catalog_entry CATALOG[] = {
    {"payment.late_months_run",
     "bills paid late in a row, counting back from the latest bill judged by T (a bill is late "
     "when payments, applied to bills oldest first, cover it only after its due date + grace, "
     "or not at all by T once that date has passed)",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_LATE_RUN},
    {"payment.arrears",
     "unpaid amount at T of bills whose due date + grace is before T (payments applied oldest "
     "bill first)",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_ARREARS},
    {"payment.days_since_payment",
     "days from the last payment to T (from activation when none; 0 when activation unknown)",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_DAYS_SINCE_PAYMENT},
    {"payment.late_in_window", "late bills whose due date + grace lies in W",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_LATE_IN_WINDOW},
    {"usage.view_minutes", "viewing minutes in W", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_VIEW_MIN},
    {"usage.view_minutes_prev", "viewing minutes in the previous M months",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_VIEW_MIN_PREV},
    {"usage.view_drop",
     "relative drop of viewing, (prev - recent) / prev; 0 when prev is 0 (negative = growth)",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_VIEW_DROP},
    {"usage.active_days",
     "UTC days with a view or usage event among the M x 30 days ending with T's day",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_ACTIVE_DAYS},
    {"usage.genres", "distinct genres viewed in W", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_GENRES},
    {"usage.prime_share", "share of W's viewing minutes in the prime time slot (0 without viewing)",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_PRIME_SHARE},
    {"usage.broadband_mb", "broadband volume in W", CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_BB},
    {"usage.broadband_trend", "(recent - prev) / prev broadband volume; 0 when prev is 0",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_BB_TREND},
    {"usage.mobile_data_mb", "mobile data volume in W", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_MDATA},
    {"usage.mobile_data_trend", "(recent - prev) / prev mobile data; 0 when prev is 0",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_MDATA_TREND},
    {"usage.mobile_voice_min", "mobile voice minutes in W", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_MVOICE},
    {"usage.mobile_voice_trend", "(recent - prev) / prev mobile voice; 0 when prev is 0",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_MVOICE_TREND},
    {"device.days_since_connect",
     "days from the last heartbeat or connect to T (from activation when none; 0 when "
     "activation unknown)",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_DAYS_SINCE_CONNECT},
    {"device.offline_share",
     "1 - (UTC days with a heartbeat or connect) / (days of the M x 30 ending with T's day that "
     "are on or after activation); 0 for a subscriber without any device event by T",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_OFFLINE_SHARE},
    {"service.faults", "fault reports in W", CHURN_CATEGORY_SERVICE, 0, CHURN__F_FAULTS},
    {"service.contact_minutes",
     "mean minutes from report to first contact over W's faults contacted by T (0 if none)",
     CHURN_CATEGORY_SERVICE, 0, CHURN__F_CONTACT_MIN},
    {"service.fix_hours", "mean hours from report to fix over W's faults fixed by T (0 if none)",
     CHURN_CATEGORY_SERVICE, 0, CHURN__F_FIX_HOURS},
    {"service.contact_breaches",
     "W's faults first contacted later than the contact SLA, or not contacted by T when the SLA "
     "has passed",
     CHURN_CATEGORY_SERVICE, 0, CHURN__F_CONTACT_BREACH},
    {"service.fix_breaches",
     "W's faults fixed later than the fix SLA, or not fixed by T when the SLA has passed",
     CHURN_CATEGORY_SERVICE, 0, CHURN__F_FIX_BREACH},
    {"service.complaints", "complaints in W", CHURN_CATEGORY_SERVICE, 0, CHURN__F_COMPLAINTS},
    {"service.unresolved", "faults reported by T (any time) not fixed by T",
     CHURN_CATEGORY_SERVICE, 0, CHURN__F_UNRESOLVED},
    {"account.tenure_months", "(T - activation) / 30 days; 0 when activation unknown",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_TENURE},
    {"account.arpu", "amount billed in W / M", CHURN_CATEGORY_COMPETITIVE, 0, CHURN__F_ARPU},
    {"account.arpu_change", "(billed in W - billed in the previous M months) / M",
     CHURN_CATEGORY_COMPETITIVE, 0, CHURN__F_ARPU_CHANGE},
    {"account.services", "services in the bundle (0 when unknown)", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_SERVICES},
    {"account.months_to_contract_end",
     "(contract end - T) / 30 days when the contract ends after T, else 0",
     CHURN_CATEGORY_COMPETITIVE, 0, CHURN__F_CONTRACT_MONTHS},
    {"account.in_contract", "1 when a contract ends after T, else 0", CHURN_CATEGORY_COMPETITIVE,
     0, CHURN__F_IN_CONTRACT},
    {"account.promo_ending", "1 when the promotion ends in (T, T + N days], else 0",
     CHURN_CATEGORY_COMPETITIVE, 0, CHURN__F_PROMO_ENDING},
    {"account.downgrades", "package downgrades in W", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_DOWNGRADES},
    {"account.upgrades", "package upgrades in W", CHURN_CATEGORY_UNKNOWN, 0,
     CHURN__F_UPGRADES},
    {"account.suspensions", "suspensions in W", CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_SUSPENSIONS},
    {"account.suspended", "1 when the last suspend/resume event by T is a suspension",
     CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_SUSPENDED},
    {"account.vip", "the subscriber's VIP flag (0/1)", CHURN_CATEGORY_UNKNOWN, 0, CHURN__F_VIP},
    {"account.tier", "value tier, one-hot (account.tier=<label>)", CHURN_CATEGORY_UNKNOWN, 1,
     CHURN__CAT_TIER},
    {"account.region", "region, one-hot (account.region=<label>)", CHURN_CATEGORY_UNKNOWN, 1,
     CHURN__CAT_REGION},
    {"account.age_band", "age band, one-hot (account.age_band=<label>)", CHURN_CATEGORY_UNKNOWN, 1,
     CHURN__CAT_AGE_BAND},
    {"account.package", "package, one-hot (account.package=<label>)", CHURN_CATEGORY_UNKNOWN,
     1, CHURN__CAT_PACKAGE},
};

#define NCATALOG (sizeof CATALOG / sizeof CATALOG[0])

const churn__catalog_entry *churn__catalog(size_t *n) {
  *n = NCATALOG;
  return CATALOG;
}

const char *churn__category_name(churn_category c) {
  const char *name = churn__enum_name(CHURN_ENUM_CATEGORY, (int)c);
  return name != NULL ? name : "unknown";
}

churn_status churn__feat_cfg_read(const churn_options *opts, churn__feat_cfg *cfg) {
  int64_t months = 3, grace = 0, due = 30, promo = 30, threads = 1, ref = 0, unknown = 0;
  double contact = 20, fix = 24, missing = 0;
  if (opts) {
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_WINDOW_MONTHS, &months));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_GRACE_DAYS, &grace));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_DUE_DAYS, &due));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_PROMO_DAYS, &promo));
    CHURN_TRY(churn_options_get_real(opts, CHURN_OPT_FEAT_CONTACT_MINUTES, &contact));
    CHURN_TRY(churn_options_get_real(opts, CHURN_OPT_FEAT_FIX_HOURS, &fix));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_THREADS, &threads));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_ONEHOT_REFERENCE, &ref));
    CHURN_TRY(churn_options_get_real(opts, CHURN_OPT_FEAT_ATTR_MISSING, &missing));
    CHURN_TRY(churn_options_get_int(opts, CHURN_OPT_FEAT_UNKNOWN_LABEL, &unknown));
  }
  cfg->months = months;
  cfg->window = months * CHURN__MONTH;
  cfg->grace = grace * CHURN__DAY;
  cfg->default_due = due * CHURN__DAY;
  cfg->promo = promo * CHURN__DAY;
  cfg->contact_sla = (int64_t)llround(contact * 60.0);
  cfg->fix_sla = (int64_t)llround(fix * 3600.0);
  cfg->threads = (int)threads;
  cfg->onehot_reference = (int)ref;
  cfg->attr_missing = missing;
  cfg->unknown_label_zero = unknown != 0;
  return CHURN_OK;
}

/* --- selection ---------------------------------------------------------------------------- */

typedef struct builder {
  churn__selection *sel;
  size_t cap;
} builder;

void churn__selection_free(churn__selection *sel) {
  if (sel == NULL) return;
  for (size_t j = 0; j < sel->n; j++) churn__free(sel->names[j]);
  churn__free(sel->names);
  churn__free(sel->cols);
  memset(sel, 0, sizeof *sel);
}

static churn_status push(builder *b, const char *name, churn__column_sel col) {
  churn__selection *sel = b->sel;
  for (size_t j = 0; j < sel->n; j++) {
    if (strcmp(sel->names[j], name) == 0) {
      return churn__fail(CHURN_E_ARG, "feature '%s' is selected twice", name);
    }
  }
  size_t cap = b->cap;
  if (!churn__grow((void **)&sel->cols, &cap, sel->n + 1, sizeof *sel->cols)) {
    return churn__nomem("feature selection");
  }
  cap = b->cap;
  if (!churn__grow((void **)&sel->names, &cap, sel->n + 1, sizeof *sel->names)) {
    return churn__nomem("feature selection");
  }
  b->cap = cap;
  char *copy = churn__strdup(name);
  if (copy == NULL) return churn__nomem("feature name");
  sel->cols[sel->n] = col;
  sel->names[sel->n] = copy;
  sel->n++;
  return CHURN_OK;
}

/* The code left out of a one-hot encoding in *ref (-1 = none): the most frequent label among
 * all subscribers (ties: the lower code), the first label, or none, by the option. */
static churn_status reference_code(const churn_dataset *ds, const churn__catcol *cc,
                                   const churn__feat_cfg *cfg, int32_t *ref) {
  int32_t n = cc->dict.n;
  *ref = -1;
  if (n == 0 || cfg->onehot_reference == 2) return CHURN_OK;
  *ref = 0;
  if (cfg->onehot_reference == 1) return CHURN_OK;
  int64_t *count = churn__calloc((size_t)n, sizeof *count);
  if (count == NULL) return churn__nomem("one-hot label counts");
  for (int64_t s = 0; s < ds->subs.n; s++) {
    int32_t c = cc->codes[s];
    if (c >= 0 && c < n) count[c]++;
  }
  for (int32_t c = 1; c < n; c++) {
    if (count[c] > count[*ref]) *ref = c;
  }
  churn__free(count);
  return CHURN_OK;
}

static churn_status name_of(char *buf, size_t cap, const char *prefix, const char *label) {
  int k = snprintf(buf, cap, "%s=%s", prefix, label);
  if (k < 0 || (size_t)k >= cap) {
    return churn__fail(CHURN_E_RANGE, "feature name '%s=%.40s...' is too long", prefix, label);
  }
  return CHURN_OK;
}

#define NAME_CAP 512

/* One-hot columns of a categorical column: every label but the reference, or one label. */
static churn_status push_onehot(builder *b, const churn_dataset *ds, const churn__catcol *cc,
                                const churn__feat_cfg *cfg, const char *prefix,
                                churn__col_src src, int32_t index,
                                churn_category category, const char *only_label) {
  char name[NAME_CAP];
  if (only_label) {
    int32_t code = churn__dict_find(&cc->dict, only_label, strlen(only_label));
    if (code < 0 && cfg->unknown_label_zero) code = INT32_MIN; /* matches no subscriber */
    if (code < 0 && code != INT32_MIN) {
      return churn__fail(CHURN_E_NOT_FOUND, "unknown feature '%s=%s': no such label", prefix,
                         only_label);
    }
    CHURN_TRY(name_of(name, sizeof name, prefix, only_label));
    return push(b, name, (churn__column_sel){src, index, code, category});
  }
  int32_t ref;
  CHURN_TRY(reference_code(ds, cc, cfg, &ref));
  for (int32_t c = 0; c < cc->dict.n; c++) {
    if (c == ref) continue;
    CHURN_TRY(name_of(name, sizeof name, prefix, churn__dict_label(&cc->dict, c)));
    CHURN_TRY(push(b, name, (churn__column_sel){src, index, c, category}));
  }
  return CHURN_OK;
}

static churn_status push_catalog(builder *b, const churn_dataset *ds, const churn__feat_cfg *cfg,
                                 const churn__catalog_entry *ce, const char *label) {
  if (ce->kind == 0) {
    return push(b, ce->name,
                (churn__column_sel){CHURN__SRC_BASE, ce->index, 0, ce->category});
  }
  return push_onehot(b, ds, &ds->subs.cat[ce->index], cfg, ce->name, CHURN__SRC_CAT, ce->index,
                     ce->category, label);
}

static churn_status push_attr(builder *b, const churn_dataset *ds, const churn__feat_cfg *cfg,
                              size_t j, const char *label) {
  const churn__attr *a = &ds->subs.attrs[j];
  char prefix[NAME_CAP];
  int k = snprintf(prefix, sizeof prefix, "attr.%s", a->name);
  if (k < 0 || (size_t)k >= sizeof prefix) {
    return churn__fail(CHURN_E_RANGE, "attribute name '%.40s...' is too long", a->name);
  }
  if (!a->categorical) {
    if (label) return churn__fail(CHURN_E_NOT_FOUND, "unknown feature '%s=%s': '%s' is numeric",
                                  prefix, label, prefix);
    return push(b, prefix,
                (churn__column_sel){CHURN__SRC_ATTR, (int32_t)j, 0, CHURN_CATEGORY_UNKNOWN});
  }
  return push_onehot(b, ds, &a->cat, cfg, prefix, CHURN__SRC_ATTR_CAT, (int32_t)j,
                     CHURN_CATEGORY_UNKNOWN, label);
}

/* Everything whose name starts with group ("" = all). */
static churn_status push_group(builder *b, const churn_dataset *ds, const churn__feat_cfg *cfg,
                               const char *group, bool *matched) {
  size_t glen = strlen(group);
  for (size_t i = 0; i < NCATALOG; i++) {
    if (strncmp(CATALOG[i].name, group, glen) == 0) {
      *matched = true;
      CHURN_TRY(push_catalog(b, ds, cfg, &CATALOG[i], NULL));
    }
  }
  if (glen == 0 || strcmp(group, "attr.") == 0) {
    for (size_t j = 0; j < ds->subs.nattrs; j++) {
      *matched = true;
      /* "person" links a person's ids (a return under a new id): a key, never a feature */
      if (strcmp(ds->subs.attrs[j].name, "person") == 0) continue;
      CHURN_TRY(push_attr(b, ds, cfg, j, NULL));
    }
  }
  return CHURN_OK;
}

static churn_status resolve(builder *b, const churn_dataset *ds, const churn__feat_cfg *cfg,
                            const char *name) {
  size_t len = strlen(name);
  if (len >= NAME_CAP) return churn__fail(CHURN_E_NOT_FOUND, "unknown feature '%.60s...'", name);
  if (strcmp(name, "*") == 0 || (len >= 2 && strcmp(name + len - 2, ".*") == 0)) {
    char group[NAME_CAP];
    memcpy(group, name, len - 1);
    group[len - 1] = '\0'; /* "payment.*" -> "payment.", "*" -> "" */
    bool matched = false;
    CHURN_TRY(push_group(b, ds, cfg, group, &matched));
    if (!matched) return churn__fail(CHURN_E_NOT_FOUND, "unknown feature group '%s'", name);
    return CHURN_OK;
  }
  char base[NAME_CAP];
  memcpy(base, name, len + 1);
  char *eq = strchr(base, '=');
  const char *label = NULL;
  if (eq) {
    *eq = '\0';
    label = eq + 1;
  }
  for (size_t i = 0; i < NCATALOG; i++) {
    if (strcmp(CATALOG[i].name, base) == 0) {
      if (label && CATALOG[i].kind == 0) break;
      return push_catalog(b, ds, cfg, &CATALOG[i], label);
    }
  }
  if (strncmp(base, "attr.", 5) == 0) {
    for (size_t j = 0; j < ds->subs.nattrs; j++) {
      if (strcmp(ds->subs.attrs[j].name, base + 5) == 0) return push_attr(b, ds, cfg, j, label);
    }
  }
  return churn__fail(CHURN_E_NOT_FOUND, "unknown feature '%s'", name);
}

churn_status churn__selection_build(const churn_dataset *ds, const char *const *names,
                                    size_t nnames, const churn__feat_cfg *cfg,
                                    churn__selection *sel) {
  memset(sel, 0, sizeof *sel);
  builder b = {sel, 0};
  churn_status st = CHURN_OK;
  if (names == NULL || nnames == 0) {
    st = resolve(&b, ds, cfg, "*");
  } else {
    for (size_t i = 0; i < nnames && st == CHURN_OK; i++) {
      if (names[i] == NULL) {
        st = churn__fail(CHURN_E_ARG, "feature name %zu is NULL", i);
      } else {
        st = resolve(&b, ds, cfg, names[i]);
      }
    }
  }
  if (st == CHURN_OK && sel->n == 0) {
    st = churn__fail(CHURN_E_ARG, "no feature selected");
  }
  if (st != CHURN_OK) churn__selection_free(sel);
  return st;
}

void churn__selection_write(const churn_dataset *ds, const churn__selection *sel,
                            const churn__feat_cfg *cfg, int64_t s, const double *base,
                            double *row) {
  const churn__subs *su = &ds->subs;
  for (size_t j = 0; j < sel->n; j++) {
    const churn__column_sel *c = &sel->cols[j];
    double x;
    switch (c->src) {
      case CHURN__SRC_BASE: x = base[c->index]; break;
      case CHURN__SRC_ATTR:
        x = su->attrs[c->index].num[s];
        if (!churn__is_finite(x)) x = cfg->attr_missing;
        break;
      case CHURN__SRC_CAT: x = su->cat[c->index].codes[s] == c->code ? 1.0 : 0.0; break;
      default: x = su->attrs[c->index].cat.codes[s] == c->code ? 1.0 : 0.0; break;
    }
    row[j] = x;
  }
}

/* --- public catalog calls ----------------------------------------------------------------- */

CHURN_API int64_t churn_feature_catalog_size(void) { return (int64_t)NCATALOG; }

CHURN_API churn_status churn_feature_info(int64_t i, const char **name, const char **description,
                                          churn_category *category) {
  if (i < 0 || (size_t)i >= NCATALOG) {
    return churn__fail(CHURN_E_NOT_FOUND, "churn_feature_info: index %lld is not in [0, %zu)",
                       (long long)i, NCATALOG);
  }
  if (name) *name = CATALOG[i].name;
  if (description) *description = CATALOG[i].description;
  if (category) *category = CATALOG[i].category;
  return CHURN_OK;
}

CHURN_API churn_status churn_feature_category(const char *name, churn_category *category) {
  CHURN_CHECK_ARG(name != NULL, "churn_feature_category: name is NULL");
  CHURN_CHECK_ARG(category != NULL, "churn_feature_category: category is NULL");
  size_t len = strcspn(name, "=");
  for (size_t i = 0; i < NCATALOG; i++) {
    if (strlen(CATALOG[i].name) == len && strncmp(CATALOG[i].name, name, len) == 0) {
      if (name[len] == '=' && CATALOG[i].kind == 0) break;
      *category = CATALOG[i].category;
      return CHURN_OK;
    }
  }
  if (strncmp(name, "attr.", 5) == 0 && name[5] != '\0') {
    *category = CHURN_CATEGORY_UNKNOWN;
    return CHURN_OK;
  }
  return churn__fail(CHURN_E_NOT_FOUND, "churn_feature_category: unknown feature '%s'", name);
}
