/*
 * report_svg.c -- the report's charts as inline SVG: a line chart over months (series, dashed
 * targets, an interval band) and horizontal bars with whiskers and a reference line.  Plain
 * SVG with <title> tooltips: no script, no fonts or styles from outside the page.
 */
#include "report.h"

#include <math.h>
#include <string.h>

static const char *const COLOURS[4] = {"#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad"};

static void value_text(const rtable *t, int j, double v, char *buf, size_t cap) {
  rtable tmp = {.nrows = 1, .ncols = 1};
  tmp.col[0] = t->col[j];
  tmp.col[0].num = &v;
  rtable_format(&tmp, 0, 0, buf, cap);
}

/* Round tick step (1, 2 or 5 times a power of ten) for about n ticks over span. */
static double tick_step(double span, int n) {
  double raw = span / n, p = pow(10, floor(log10(raw))), m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void open_svg(rbuf *b, const rchart *c, int w, int h) {
  rbuf_printf(b, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                 "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", w, h, w, h);
  rbuf_html(b, c->title);
  rbuf_puts(b, "\"><title>");
  rbuf_html(b, c->title);
  rbuf_puts(b, "</title>\n");
}

static void legend(rbuf *b, const rtable *t, const rchart *c, int x0, int y) {
  int x = x0;
  for (int s = 0; s < c->nseries; s++) {
    rbuf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2.5\"%s/>",
                x, y - 4, x + 22, y - 4, COLOURS[s], c->dashed[s] ? " stroke-dasharray=\"6 4\"" : "");
    rbuf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lg\">", x + 28, y);
    rbuf_html(b, t->col[c->series[s]].label);
    rbuf_puts(b, "</text>");
    x += 40 + 7 * (int)strlen(t->col[c->series[s]].label);
  }
  if (c->band_lo >= 0) {
    rbuf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"22\" height=\"10\" fill=\"%s\" opacity=\"0.18\"/>", x, y - 9, COLOURS[0]);
    rbuf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lg\">95%% interval</text>", x + 28, y);
  }
  rbuf_puts(b, "\n");
}

static void line_chart(const rtable *t, const rchart *c, rbuf *b) {
  const int W = 860, H = 300, L = 64, R = 20, T = 40, B = 44;
  int64_t n = t->nrows;
  double lo = INFINITY, hi = -INFINITY;
  for (int s = 0; s < c->nseries + 2; s++) {
    int j = s < c->nseries ? c->series[s] : s == c->nseries ? c->band_lo : c->band_hi;
    if (j < 0) continue;
    for (int64_t i = 0; i < n; i++) {
      double v = t->col[j].num[i];
      if (isfinite(v)) lo = fmin(lo, v), hi = fmax(hi, v);
    }
  }
  open_svg(b, c, W, H);
  if (!isfinite(lo)) {
    rbuf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"ax\">no data</text></svg>\n", W / 2 - 30, H / 2);
    return;
  }
  if (hi - lo < 1e-9) lo -= 0.01, hi += 0.01;
  double step = tick_step(hi - lo, 5);
  lo = floor(lo / step) * step;
  hi = ceil(hi / step) * step;
  double pw = W - L - R, ph = H - T - B;
#define XP(i) (L + ((double)(i) + 0.5) * pw / (double)n)
#define YP(v) (T + ph * (1 - ((v) - lo) / (hi - lo)))
  char buf[64];
  int yfmt = c->series[0];
  for (double v = lo; v <= hi + step / 2; v += step) {
    value_text(t, yfmt, v, buf, sizeof buf);
    rbuf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", L, W - R, YP(v), YP(v));
    rbuf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%s</text>\n", L - 6, YP(v) + 4, buf);
  }
  int every = n > 14 ? (int)((n + 13) / 14) : 1;
  for (int64_t i = 0; i < n; i += every) {
    rbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"ax\" text-anchor=\"middle\">", XP(i), H - B + 18);
    rbuf_html(b, t->col[c->x].str[i] ? t->col[c->x].str[i] : "");
    rbuf_puts(b, "</text>");
  }
  rbuf_puts(b, "\n");
  if (c->band_lo >= 0 && c->band_hi >= 0) {
    const double *a = t->col[c->band_lo].num, *z = t->col[c->band_hi].num;
    for (int64_t i = 0; i < n;) {
      if (!isfinite(a[i]) || !isfinite(z[i])) {
        i++;
        continue;
      }
      int64_t e = i;
      while (e + 1 < n && isfinite(a[e + 1]) && isfinite(z[e + 1])) e++;
      rbuf_printf(b, "<polygon class=\"band\" fill=\"%s\" opacity=\"0.18\" points=\"", COLOURS[0]);
      for (int64_t k = i; k <= e; k++) rbuf_printf(b, "%.1f,%.1f ", XP(k) + (i == e ? -4 : 0), YP(z[k]));
      for (int64_t k = e; k >= i; k--) rbuf_printf(b, "%.1f,%.1f ", XP(k) + (i == e ? 4 : 0), YP(a[k]));
      rbuf_puts(b, "\"/>\n");
      i = e + 1;
    }
  }
  for (int s = 0; s < c->nseries; s++) {
    const double *v = t->col[c->series[s]].num;
    rbuf_printf(b, "<path class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s d=\"", COLOURS[s],
                c->dashed[s] ? " stroke-dasharray=\"6 4\"" : "");
    bool pen = false;
    for (int64_t i = 0; i < n; i++) {
      if (!isfinite(v[i])) {
        pen = false;
        continue;
      }
      rbuf_printf(b, "%c%.1f %.1f ", pen ? 'L' : 'M', XP(i), YP(v[i]));
      pen = true;
    }
    rbuf_puts(b, "\"/>\n");
    if (c->dashed[s]) continue;
    for (int64_t i = 0; i < n; i++) {
      if (!isfinite(v[i])) continue;
      value_text(t, c->series[s], v[i], buf, sizeof buf);
      rbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>", XP(i), YP(v[i]), COLOURS[s]);
      rbuf_html(b, t->col[c->x].str[i] ? t->col[c->x].str[i] : "");
      rbuf_puts(b, " ");
      rbuf_html(b, t->col[c->series[s]].label);
      rbuf_printf(b, ": %s</title></circle>", buf);
    }
    rbuf_puts(b, "\n");
  }
#undef XP
#undef YP
  legend(b, t, c, L, 18);
  rbuf_puts(b, "</svg>\n");
}

static void bar_chart(const rtable *t, const rchart *c, rbuf *b) {
  const int W = 860, L = 170, R = 90, T = 34, ROW = 28;
  int64_t n = t->nrows - (c->skip_last && t->nrows > 1);
  int H = T + (int)n * ROW + 30;
  const double *v = t->col[c->series[0]].num;
  double hi = 0;
  for (int64_t i = 0; i < n; i++) {
    if (isfinite(v[i])) hi = fmax(hi, v[i]);
    if (c->band_hi >= 0 && isfinite(t->col[c->band_hi].num[i])) hi = fmax(hi, t->col[c->band_hi].num[i]);
  }
  double ref = NAN;
  for (int64_t i = 0; c->ref >= 0 && i < n && !isfinite(ref); i++) ref = t->col[c->ref].num[i];
  if (isfinite(ref)) hi = fmax(hi, ref);
  open_svg(b, c, W, H);
  if (hi <= 0) hi = 1;
  double step = tick_step(hi, 5);
  hi = ceil(hi * 1.02 / step) * step;
  double pw = W - L - R;
#define XV(x) (L + pw * (x) / hi)
  char buf[64];
  for (double x = 0; x <= hi + step / 2; x += step) {
    value_text(t, c->series[0], x, buf, sizeof buf);
    rbuf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"grid\"/>", XV(x), XV(x), T - 6, H - 24);
    rbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"ax\" text-anchor=\"middle\">%s</text>\n", XV(x), H - 8, buf);
  }
  for (int64_t i = 0; i < n; i++) {
    double y = T + (double)i * ROW;
    rbuf_printf(b, "<text x=\"%d\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">", L - 8, y + 17);
    rbuf_html(b, t->col[c->x].str[i] ? t->col[c->x].str[i] : "");
    rbuf_puts(b, "</text>");
    if (!isfinite(v[i])) continue;
    value_text(t, c->series[0], v[i], buf, sizeof buf);
    rbuf_printf(b, "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
                L, y + 4, XV(v[i]) - L, ROW - 8, COLOURS[0]);
    rbuf_html(b, t->col[c->x].str[i] ? t->col[c->x].str[i] : "");
    rbuf_printf(b, ": %s</title></rect>", buf);
    double end = XV(v[i]);
    if (c->band_lo >= 0 && c->band_hi >= 0) {
      double a = t->col[c->band_lo].num[i], z = t->col[c->band_hi].num[i];
      if (isfinite(a) && isfinite(z)) {
        rbuf_printf(b, "<path class=\"whisker\" stroke=\"#333\" stroke-width=\"1.3\" fill=\"none\" "
                       "d=\"M%.1f %.1f V%.1f M%.1f %.1f H%.1f M%.1f %.1f V%.1f\"/>",
                    XV(a), y + 8, y + ROW - 8, XV(a), y + ROW / 2.0, XV(z), XV(z), y + 8, y + ROW - 8);
        end = fmax(end, XV(z));
      }
    }
    rbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" class=\"val\">%s</text>\n", end + 6, y + 17, buf);
  }
  if (isfinite(ref)) {
    value_text(t, c->ref, ref, buf, sizeof buf);
    rbuf_printf(b, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\" "
                   "stroke-dasharray=\"6 4\"><title>", XV(ref), XV(ref), T - 6, H - 24, COLOURS[1]);
    rbuf_html(b, t->col[c->ref].label);
    rbuf_printf(b, ": %s</title></line>", buf);
    rbuf_printf(b, "<text x=\"%.1f\" y=\"%d\" class=\"lg\" fill=\"%s\">", XV(ref) + 4, T - 10, COLOURS[1]);
    rbuf_html(b, t->col[c->ref].label);
    rbuf_printf(b, " %s</text>\n", buf);
  }
#undef XV
  rbuf_puts(b, "</svg>\n");
}

void report_svg(const rtable *t, const rchart *c, rbuf *b) {
  if (c->kind == RCHART_LINE && t->nrows > 0) line_chart(t, c, b);
  else if (c->kind == RCHART_BARS && t->nrows > 0) bar_chart(t, c, b);
}
