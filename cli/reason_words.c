/*
 * reason_words.c -- a risk model's reasons in words for the people who call the customer: the
 * feature's value for that subscriber with its unit ("arrears 320.00 yuan, 3 months late",
 * "viewing down 62%", "set-top box last seen 12 days ago"), written next to the reason's name
 * and contribution in `churn score`'s dispatch list.  Names are the feature catalog's (churn.h
 * section 5); a name not listed here is shown as "name = value".
 */
#include "cli.h"

#include <string.h>

/* fmt takes value x scale; yes/no, when given, are used instead for 0/1 flags; one, when
 * given, for a count of exactly 1 ("1 complaint", not "1 complaints"). */
typedef struct phrase {
  const char *name, *fmt;
  double scale;
  const char *yes, *no, *one;
} phrase;

static const phrase PHRASES[] = {
    {"payment.arrears", "arrears %.2f yuan", 1, NULL, NULL, NULL},
    {"payment.late_months_run", "%.0f months late", 1, NULL, NULL, "1 month late"},
    {"payment.days_since_payment", "no payment for %.0f days", 1, NULL, NULL,
      "no payment for 1 day"},
    {"payment.late_in_window", "%.0f bills paid late lately", 1, NULL, NULL,
      "1 bill paid late lately"},
    {"usage.view_minutes", "%.0f viewing minutes lately", 1, NULL, NULL, "1 viewing minute lately"},
    {"usage.view_minutes_prev", "%.0f viewing minutes before", 1, NULL, NULL,
      "1 viewing minute before"},
    {"usage.view_drop", "viewing down %.0f%%", 100, NULL, NULL, NULL},
    {"usage.active_days", "active on %.0f days", 1, NULL, NULL, "active on 1 day"},
    {"usage.genres", "%.0f genres watched", 1, NULL, NULL, "1 genre watched"},
    {"usage.prime_share", "%.0f%% of viewing in prime time", 100, NULL, NULL, NULL},
    {"usage.broadband_mb", "broadband %.0f MB", 1, NULL, NULL, NULL},
    {"usage.mobile_data_mb", "mobile data %.0f MB", 1, NULL, NULL, NULL},
    {"usage.mobile_voice_min", "%.0f voice minutes", 1, NULL, NULL, "1 voice minute"},
    {"usage.broadband_trend", "broadband use %+.0f%%", 100, NULL, NULL, NULL},
    {"usage.mobile_data_trend", "mobile data %+.0f%%", 100, NULL, NULL, NULL},
    {"usage.mobile_voice_trend", "voice minutes %+.0f%%", 100, NULL, NULL, NULL},
    {"device.days_since_connect", "set-top box last seen %.0f days ago", 1, NULL, NULL,
      "set-top box last seen 1 day ago"},
    {"device.offline_share", "set-top box offline %.0f%% of days", 100, NULL, NULL, NULL},
    {"service.faults", "%.0f faults reported", 1, NULL, NULL, "1 fault reported"},
    {"service.contact_minutes", "first contact after %.0f minutes on average", 1, NULL, NULL, NULL},
    {"service.fix_hours", "faults fixed after %.1f hours on average", 1, NULL, NULL, NULL},
    {"service.contact_breaches", "%.0f faults not contacted in time", 1, NULL, NULL,
      "1 fault not contacted in time"},
    {"service.fix_breaches", "%.0f faults not fixed in time", 1, NULL, NULL,
      "1 fault not fixed in time"},
    {"service.complaints", "%.0f complaints", 1, NULL, NULL, "1 complaint"},
    {"service.unresolved", "%.0f faults still open", 1, NULL, NULL, "1 fault still open"},
    {"account.tenure_months", "customer for %.0f months", 1, NULL, NULL, "customer for 1 month"},
    {"account.arpu", "billed %.2f yuan a month", 1, NULL, NULL, NULL},
    {"account.arpu_change", "monthly bill %+.2f yuan", 1, NULL, NULL, NULL},
    {"account.services", "%.0f services in the bundle", 1, NULL, NULL, "1 service in the bundle"},
    {"account.months_to_contract_end", "contract ends in %.0f months", 1, NULL, NULL,
      "contract ends in 1 month"},
    {"account.in_contract", NULL, 1, "in contract", "out of contract", NULL},
    {"account.promo_ending", NULL, 1, "promotion ending soon", "no promotion ending", NULL},
    {"account.downgrades", "%.0f downgrades", 1, NULL, NULL, "1 downgrade"},
    {"account.upgrades", "%.0f upgrades", 1, NULL, NULL, "1 upgrade"},
    {"account.suspensions", "%.0f suspensions", 1, NULL, NULL, "1 suspension"},
    {"account.suspended", NULL, 1, "service suspended", "not suspended", NULL},
    {"account.vip", NULL, 1, "VIP", "not VIP", NULL},
};

static int64_t find(const char *const *names, int64_t d, const char *name) {
  for (int64_t j = 0; j < d; j++) {
    if (strcmp(names[j], name) == 0) return j;
  }
  return -1;
}

void cli_reason_words(const char *const *names, const double *x, int64_t d, int64_t j,
                      char *buf, size_t cap) {
  const char *name = names[j];
  double v = x[j];
  /* arrears and the late run are one story: "arrears 320.00 yuan, 3 months late" */
  int64_t arrears = find(names, d, "payment.arrears");
  int64_t late = find(names, d, "payment.late_months_run");
  if ((j == arrears || j == late) && arrears >= 0 && late >= 0) {
    snprintf(buf, cap, "arrears %.2f yuan, %.0f month%s late", x[arrears], x[late],
             x[late] == 1 ? "" : "s");
    return;
  }
  if (v < 0 && strcmp(name, "usage.view_drop") == 0) { /* a negative drop is growth */
    snprintf(buf, cap, "viewing up %.0f%%", -100 * v);
    return;
  }
  for (size_t k = 0; k < sizeof PHRASES / sizeof PHRASES[0]; k++) {
    const phrase *p = &PHRASES[k];
    if (strcmp(p->name, name) != 0) continue;
    if (p->fmt == NULL) snprintf(buf, cap, "%s", v != 0 ? p->yes : p->no);
    else if (p->one && v * p->scale == 1) snprintf(buf, cap, "%s", p->one);
    else snprintf(buf, cap, p->fmt, v * p->scale);
    return;
  }
  /* one-hot columns: "account.tier=high" is "tier high" (or "tier not high") */
  const char *eq = strchr(name, '=');
  const char *dot = strchr(name, '.');
  if (eq && dot && dot < eq) {
    snprintf(buf, cap, "%.*s %s%s", (int)(eq - dot - 1), dot + 1, v != 0 ? "" : "not ", eq + 1);
    return;
  }
  const char *shown = strncmp(name, "attr.", 5) == 0 ? name + 5 : name;
  snprintf(buf, cap, "%s = %.15g", shown, v);
}
