/*
 * export_operator.c -- churn_dataset_write_operator_export: a dataset written the way an
 * operator's billing system exports it (one GB18030 file per source with Chinese headers, local
 * dates such as 20240701 or 2024/07/01 08:30:00, amounts with thousands separators, Chinese
 * cancellation labels) together with the mapping.ini that reads it back.  The simulator's
 * `--export-style operator` uses it, so the mapping path can be tried, tested and documented
 * on data of known truth.
 */
#include "dataset.h"
#include "mapping.h"
#include "common/fileio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chinese labels of the cancellation reasons, in churn_cancel_reason order. */
static const char *const REASON_ZH[] = {"原因不明", "资费太贵", "竞争对手", "优惠到期",
                                        "不再需要", "网络故障", "服务不满", "搬迁",
                                        "无设备",   "年老体弱", "套餐不合适"};

typedef struct tbuf {
  char *p;
  size_t n, cap;
  bool oom;
} tbuf;

static void put(tbuf *b, const char *fmt, ...) CHURN_PRINTF(2, 3);
static void put(tbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->n;
    int k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = true;
      return;
    }
    if ((size_t)k < room) {
      b->n += (size_t)k;
      return;
    }
    if (!churn__grow((void **)&b->p, &b->cap, b->n + (size_t)k + 1, 1)) {
      b->oom = true;
      return;
    }
  }
}

#define DATE_ONLY "%Y%m%d"
#define DATE_TIME "%Y/%m/%d %H:%M:%S"

/* A time in local time by one of the two formats (nothing for CHURN_TIME_NONE). */
static void put_time(tbuf *b, int64_t t, int64_t off, bool date_only) {
  if (t == CHURN_TIME_NONE) return;
  int64_t l = t + off, days = churn__floor_div(l, 86400), s = l - days * 86400, y, m, d;
  churn__civil_from_days(days, &y, &m, &d);
  if (date_only) {
    put(b, "%04lld%02lld%02lld", (long long)y, (long long)m, (long long)d);
  } else {
    put(b, "%04lld/%02lld/%02lld %02lld:%02lld:%02lld", (long long)y, (long long)m,
        (long long)d, (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
  }
}

static bool local_midnight(const int64_t *t, int64_t n, int64_t off) {
  for (int64_t i = 0; i < n; i++) {
    if (t[i] != CHURN_TIME_NONE && churn__floor_div(t[i] + off, 86400) * 86400 != t[i] + off) {
      return false;
    }
  }
  return true;
}

/* A number as "1,234.5": the fewest decimals that read back to the same double, thousands
 * grouped (the mapping's number_format = 1,234.50), quoted since ',' is the delimiter. */
static void put_number(tbuf *b, double v) {
  char s[400];
  for (int p = 0; p <= 340; p++) {
    snprintf(s, sizeof s, "%.*f", p, v);
    if (strtod(s, NULL) == v) break;
  }
  const char *dot = strchr(s, '.');
  size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
  size_t start = s[0] == '-';
  put(b, "\"%.*s", (int)start, s);
  for (size_t i = start; i < ilen; i++) {
    put(b, "%c", s[i]);
    size_t left = ilen - i - 1;
    if (left > 0 && left % 3 == 0) put(b, ",");
  }
  put(b, "%s\"", dot ? dot : "");
}

/* A text field, quoted when it holds the delimiter, a quote or a line break. */
static void put_text(tbuf *b, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    put(b, "%s", s);
    return;
  }
  put(b, "\"");
  for (; *s; s++) put(b, *s == '"' ? "\"\"" : "%c", *s);
  put(b, "\"");
}

static churn_status write_gb(const char *dir, const char *name, const tbuf *b) {
  if (b->oom) return churn__nomem("operator export");
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
    return churn__fail(CHURN_E_ARG, "churn_dataset_write_operator_export: dir too long");
  }
  char *gb;
  size_t len;
  CHURN_TRY(churn__recode_from_utf8("GB18030", b->p ? b->p : "", b->n, &gb, &len));
  churn_status st = churn__write_file_atomic(path, gb, len);
  churn__free(gb);
  return st;
}

static const char *const SUB_DATES[4] = {"activation", "cancellation", "contract_end",
                                         "promotion_end"};
static const char *const SUB_DATES_ZH[4] = {"开户日期", "销户日期", "合约到期日", "优惠到期日"};
static const char *const CATS_KEY[CHURN__NCAT] = {"region", "age_band", "tier", "package",
                                                  "manager"};
static const char *const CATS_ZH[CHURN__NCAT] = {"区域", "年龄段", "客户等级", "套餐",
                                                 "客户经理"};

static churn_status write_subscribers(const churn_dataset *ds, const char *dir, int64_t off,
                                      tbuf *ini) {
  const churn__subs *s = &ds->subs;
  const int64_t *dates[4] = {s->activation, s->cancellation, s->contract_end, s->promotion_end};
  bool day[4];
  put(ini, "[subscribers]\nfile = users.csv\nsubscriber_id = 用户编号\n");
  for (int k = 0; k < 4; k++) {
    day[k] = local_midnight(dates[k], s->n, off);
    put(ini, "%s = %s\n", SUB_DATES[k], SUB_DATES_ZH[k]);
    if (day[k]) put(ini, "%s_format = %s\n", SUB_DATES[k], DATE_ONLY);
  }
  for (int k = 0; k < CHURN__NCAT; k++) put(ini, "%s = %s\n", CATS_KEY[k], CATS_ZH[k]);
  put(ini, "price = 月租\nservices = 业务数\nvip = 是否VIP\n\n");
  tbuf b = {0};
  put(&b, "用户编号");
  for (int k = 0; k < 4; k++) put(&b, ",%s", SUB_DATES_ZH[k]);
  for (int k = 0; k < CHURN__NCAT; k++) put(&b, ",%s", CATS_ZH[k]);
  put(&b, ",月租,业务数,是否VIP\n");
  for (int64_t i = 0; i < s->n; i++) {
    put_text(&b, churn__dict_label(&s->ids, (int32_t)i));
    for (int k = 0; k < 4; k++) {
      put(&b, ",");
      put_time(&b, dates[k][i], off, day[k]);
    }
    for (int k = 0; k < CHURN__NCAT; k++) {
      put(&b, ",");
      int32_t c = s->cat[k].codes[i];
      if (c >= 0) put_text(&b, churn__dict_label(&s->cat[k].dict, c));
    }
    put(&b, ",");
    if (!isnan(s->price[i])) put_number(&b, s->price[i]);
    put(&b, ",");
    if (s->services[i] >= 0) put(&b, "%d", (int)s->services[i]);
    put(&b, ",%s\n", s->vip[i] ? "是" : "否");
  }
  churn_status st = write_gb(dir, "users.csv", &b);
  churn__free(b.p);
  return st;
}

/* One file of the events of one kind. */
static churn_status write_kind(const churn_dataset *ds, int kind, const char *dir, int64_t off,
                               tbuf *ini) {
  const churn__events *ev = &ds->ev;
  const char *name = churn_event_kind_name(kind);
  const churn__dict *labels = ev->code_dict[kind];
  /* which columns this kind needs, and whether its times are all local midnights */
  bool day = true, any_aux[2] = {false, false}, any_code2 = false;
  for (int64_t e = 0; e < ev->n; e++) {
    if (ev->kind[e] != kind) continue;
    day &= local_midnight(&ev->time[e], 1, off);
    any_aux[0] |= ev->aux1[e] != CHURN_AUX_NONE;
    any_aux[1] |= ev->aux2[e] != CHURN_AUX_NONE;
    any_code2 |= ev->code2[e] != 0;
  }
  bool due = kind == CHURN_EV_BILL, fault = kind == CHURN_EV_FAULT,
       newpkg = kind == CHURN_EV_PACKAGE_CHANGE;
  bool raw_aux = !due && !fault && !newpkg;
  char file[64];
  snprintf(file, sizeof file, "%s.csv", name);
  put(ini, "[events:%s]\nfile = %s\nsubscriber_id = 用户编号\ntime = 时间\n", name, file);
  if (day) put(ini, "time_format = %s\n", DATE_ONLY);
  put(ini, "value = 金额\ncode = 代码\n");
  if (any_code2) put(ini, "code2 = 代码2\n");
  if (due) put(ini, "due_date = 到期日\n");
  if (fault) put(ini, "first_contact = 首次联系\nfixed_at = 修复时间\n");
  if (newpkg) put(ini, "new_package = 新套餐\n");
  if (raw_aux && any_aux[0]) put(ini, "aux1 = 附加1\n");
  if (raw_aux && any_aux[1]) put(ini, "aux2 = 附加2\n");
  put(ini, "\n");
  tbuf b = {0};
  put(&b, "用户编号,时间,金额,代码%s%s%s%s%s%s\n", any_code2 ? ",代码2" : "",
      due ? ",到期日" : "", fault ? ",首次联系,修复时间" : "", newpkg ? ",新套餐" : "",
      raw_aux && any_aux[0] ? ",附加1" : "", raw_aux && any_aux[1] ? ",附加2" : "");
  const churn__dict *pk = &ds->subs.cat[CHURN__CAT_PACKAGE].dict;
  for (int64_t e = 0; e < ev->n; e++) {
    if (ev->kind[e] != kind) continue;
    put_text(&b, churn__dict_label(&ds->subs.ids, ev->sub[e]));
    put(&b, ",");
    put_time(&b, ev->time[e], off, day);
    put(&b, ",");
    put_number(&b, ev->value[e]);
    put(&b, ",");
    int c = ev->code[e];
    if (kind == CHURN_EV_CANCEL && c < (int)(sizeof REASON_ZH / sizeof *REASON_ZH)) {
      put(&b, "%s", REASON_ZH[c]);
    } else if (labels && c < labels->n) {
      put_text(&b, churn__dict_label(labels, c));
    } else {
      put(&b, "%d", c);
    }
    if (any_code2) put(&b, ",%d", ev->code2[e]);
    int32_t aux[2] = {ev->aux1[e], ev->aux2[e]};
    for (int k = 0; k < 2; k++) {
      bool date = (due && k == 0) || fault;
      if (!date) continue;
      put(&b, ",");
      if (aux[k] != CHURN_AUX_NONE) put_time(&b, ev->time[e] + aux[k], off, false);
    }
    if (newpkg) {
      put(&b, ",");
      if (aux[0] != CHURN_AUX_NONE && aux[0] >= 0 && aux[0] < pk->n) {
        put_text(&b, churn__dict_label(pk, aux[0]));
      }
    }
    for (int k = 0; k < 2; k++) {
      if (raw_aux && any_aux[k]) {
        put(&b, ",");
        if (aux[k] != CHURN_AUX_NONE) put(&b, "%d", (int)aux[k]);
      }
    }
    put(&b, "\n");
  }
  churn_status st = write_gb(dir, file, &b);
  churn__free(b.p);
  return st;
}

CHURN_API churn_status churn_dataset_write_operator_export(const churn_dataset *ds,
                                                           const char *dir,
                                                           int64_t utc_offset) {
  CHURN_CHECK_ARG(ds != NULL && dir != NULL,
                  "churn_dataset_write_operator_export: ds and dir must not be NULL");
  if (utc_offset % 60 != 0 || utc_offset < -CHURN__MAX_UTC_OFFSET ||
      utc_offset > CHURN__MAX_UTC_OFFSET) {
    return churn__fail(CHURN_E_RANGE,
                       "churn_dataset_write_operator_export: utc_offset %lld is not whole "
                       "minutes within 18 hours", (long long)utc_offset);
  }
  int64_t a = utc_offset < 0 ? -utc_offset : utc_offset;
  tbuf ini = {0};
  put(&ini,
      "; mapping.ini -- written by churn_dataset_write_operator_export (churn simulate\n"
      "; --export-style operator): read it with churn ingest --map mapping.ini --out D\n"
      "[input]\nencoding = gb18030\ndate_format = %s\nutc_offset = %c%02lld:%02lld\n"
      "number_format = 1,234.50\n\n",
      DATE_TIME, utc_offset < 0 ? '-' : '+', (long long)(a / 3600), (long long)(a / 60 % 60));
  churn_status st = write_subscribers(ds, dir, utc_offset, &ini);
  bool present[CHURN__MAX_KIND + 1] = {false};
  for (int64_t e = 0; e < ds->ev.n; e++) present[ds->ev.kind[e]] = true;
  for (int k = 1; st == CHURN_OK && k <= CHURN__MAX_KIND; k++) {
    if (present[k] && churn_event_kind_name(k)) st = write_kind(ds, k, dir, utc_offset, &ini);
  }
  put(&ini, "[reasons]\n");
  for (size_t i = 0; i < sizeof REASON_ZH / sizeof *REASON_ZH; i++) {
    static const char *const NAMES[] = {"unknown",    "price",      "competitor",
                                        "promo_end",  "not_wanted", "technical",
                                        "customer_service", "moving", "no_device",
                                        "age_health", "package_fit"};
    put(&ini, "%s = %s\n", REASON_ZH[i], NAMES[i]);
  }
  if (st == CHURN_OK && ini.oom) st = churn__nomem("operator export");
  if (st == CHURN_OK) {
    char path[4096];
    snprintf(path, sizeof path, "%s/mapping.ini", dir);
    st = churn__write_file_atomic(path, ini.p, ini.n);
  }
  churn__free(ini.p);
  return st;
}
