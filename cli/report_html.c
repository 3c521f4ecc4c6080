/*
 * report_html.c -- the report as one self-contained HTML page: inline CSS, the headline
 * figures, a contents list, then each section with its summary, chart (inline SVG), table and
 * a link to its CSV.  No script and nothing fetched, so it opens from a USB stick; every text
 * from the data is escaped (rbuf_html).
 */
#include "report.h"

#include <string.h>

static const char CSS[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
    "color:#1d2733;margin:0;background:#f4f6f8}"
    "main{max-width:1000px;margin:0 auto;padding:24px 28px 60px;background:#fff}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 6px;border-bottom:2px solid #1f5fa8;padding-bottom:4px}"
    ".sub{color:#5b6b7b;margin:0 0 18px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0 8px}"
    ".card{flex:1 1 200px;border:1px solid #d5dde5;border-left:6px solid #95a5a6;border-radius:6px;padding:10px 12px}"
    ".card.ok{border-left-color:#2e8b57}.card.bad{border-left-color:#c0392b}"
    ".card .k{font-size:13px;color:#5b6b7b}.card .v{font-size:24px;font-weight:600}.card .s{font-size:13px;color:#35424f}"
    "nav ol{columns:2;margin:6px 0}"
    ".summary{font-size:16px;margin:6px 0 10px}.note{font-size:13px;color:#5b6b7b;margin:8px 0}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0;width:100%}"
    "th,td{padding:4px 7px;border-bottom:1px solid #e3e8ed;text-align:right;white-space:nowrap}"
    "th{background:#eef2f6;font-weight:600}td.t,th.t{text-align:left}"
    "tr.miss td{background:#fdecea}td.lv{font-weight:600}"
    ".wrap{overflow-x:auto}"
    "svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}"
    "svg .grid{stroke:#e3e8ed;stroke-width:1}svg .ax{font-size:12px;fill:#5b6b7b}"
    "svg .lg{font-size:12px;fill:#35424f}svg .val{font-size:12px;fill:#1d2733}"
    ".csv{font-size:13px}"
    "footer{margin-top:40px;font-size:12px;color:#7a8794}"
    "@media print{body{background:#fff}main{padding:0}h2{break-after:avoid}svg,table{break-inside:avoid}}";

static void cards(const report *r, rbuf *b) {
  rbuf_puts(b, "<div class=\"cards\">\n");
  for (int s = 0; s < r->nsections; s++) {
    const rsection *x = &r->sec[s];
    if (x->headline_label[0] == '\0') continue;
    rbuf_printf(b, "<div class=\"card%s\"><div class=\"k\">",
                x->headline_ok == 1 ? " ok" : x->headline_ok == 0 ? " bad" : "");
    rbuf_html(b, x->headline_label);
    rbuf_puts(b, "</div><div class=\"v\">");
    rbuf_html(b, x->headline_value);
    rbuf_puts(b, "</div><div class=\"s\">");
    rbuf_html(b, x->headline_sub);
    rbuf_puts(b, "</div></div>\n");
  }
  rbuf_puts(b, "</div>\n");
}

/* A row whose level_met is "none" (or whose margin is negative without levels) is marked. */
static bool missed(const rtable *t, int64_t i) {
  int lv = rtable_find(t, "level_met");
  return lv >= 0 && t->col[lv].str[i] && strcmp(t->col[lv].str[i], "none") == 0;
}

static void table(const rsection *x, rbuf *b) {
  const rtable *t = x->table;
  char buf[256];
  rbuf_puts(b, "<div class=\"wrap\"><table class=\"data\" data-csv=\"");
  rbuf_html(b, x->name);
  rbuf_puts(b, ".csv\">\n<thead><tr>");
  for (int j = 0; j < t->ncols; j++) {
    rbuf_printf(b, "<th%s data-col=\"", t->col[j].fmt == RFMT_STR ? " class=\"t\"" : "");
    rbuf_html(b, t->col[j].name);
    rbuf_puts(b, "\">");
    rbuf_html(b, t->col[j].label);
    rbuf_puts(b, "</th>");
  }
  rbuf_puts(b, "</tr></thead>\n<tbody>\n");
  for (int64_t i = 0; i < t->nrows; i++) {
    rbuf_puts(b, missed(t, i) ? "<tr class=\"miss\">" : "<tr>");
    for (int j = 0; j < t->ncols; j++) {
      rtable_format(t, j, i, buf, sizeof buf);
      bool lv = strcmp(t->col[j].name, "level_met") == 0;
      rbuf_puts(b, t->col[j].fmt == RFMT_STR ? (lv ? "<td class=\"t lv\">" : "<td class=\"t\">") : "<td>");
      rbuf_html(b, buf);
      rbuf_puts(b, "</td>");
    }
    rbuf_puts(b, "</tr>\n");
  }
  rbuf_puts(b, "</tbody></table></div>\n");
}

void report_html(const report *r, rbuf *b) {
  rbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<meta name=\"generator\" content=\"churn ");
  rbuf_html(b, churn_version_string());
  rbuf_puts(b, "\">\n<title>Retention report ");
  rbuf_html(b, r->month);
  rbuf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", CSS);
  rbuf_puts(b, "<h1>Retention report, ");
  rbuf_html(b, r->month);
  rbuf_puts(b, "</h1>\n<p class=\"sub\">Data: ");
  rbuf_html(b, r->dataset);
  rbuf_puts(b, " (events ");
  rbuf_html(b, r->data_range);
  rbuf_puts(b, "). Targets: ");
  rbuf_html(b, r->targets_source);
  rbuf_puts(b, ".</p>\n");
  cards(r, b);
  rbuf_puts(b, "<nav><ol>\n");
  for (int s = 0; s < r->nsections; s++) {
    rbuf_puts(b, "<li><a href=\"#");
    rbuf_html(b, r->sec[s].name);
    rbuf_puts(b, "\">");
    rbuf_html(b, r->sec[s].title);
    rbuf_puts(b, "</a></li>\n");
  }
  rbuf_puts(b, "</ol></nav>\n");
  for (int s = 0; s < r->nsections; s++) {
    const rsection *x = &r->sec[s];
    rbuf_puts(b, "<section class=\"report\" id=\"");
    rbuf_html(b, x->name);
    rbuf_puts(b, "\" data-key=\"");
    rbuf_html(b, x->key);
    rbuf_puts(b, "\">\n<h2>");
    rbuf_html(b, x->title);
    rbuf_puts(b, "</h2>\n<p class=\"summary\">");
    rbuf_html(b, x->summary);
    rbuf_puts(b, "</p>\n");
    report_svg(x->table, &x->chart, b);
    table(x, b);
    if (x->note[0]) {
      rbuf_puts(b, "<p class=\"note\">");
      rbuf_html(b, x->note);
      rbuf_puts(b, "</p>\n");
    }
    rbuf_puts(b, "<p class=\"csv\">Table as CSV: <a href=\"");
    rbuf_html(b, x->name);
    rbuf_puts(b, ".csv\">");
    rbuf_html(b, x->name);
    rbuf_puts(b, ".csv</a></p>\n</section>\n");
  }
  rbuf_puts(b, "<footer>Made by churn ");
  rbuf_html(b, churn_version_string());
  rbuf_puts(b, " (libchurn). Every table is also in report.json; the numbers in the CSV files are unrounded.</footer>\n"
               "</main>\n</body>\n</html>\n");
}
