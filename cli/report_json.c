/*
 * report_json.c -- report.json: the month, the data range and every section's summary and
 * table (the numbers unrounded, as in the CSV files), for programs that read the report.
 */
#include "report.h"

#include <string.h>

static void field(rbuf *b, const char *name, const char *value) {
  rbuf_puts(b, ", ");
  rbuf_json(b, name);
  rbuf_puts(b, ": ");
  rbuf_json(b, value);
}

void report_json(const report *r, rbuf *b) {
  rbuf_puts(b, "{\"month\": ");
  rbuf_json(b, r->month);
  field(b, "data_range", r->data_range);
  field(b, "dataset", r->dataset);
  field(b, "targets", r->targets_source);
  field(b, "generator", churn_version_string());
  rbuf_puts(b, ",\n \"sections\": [");
  for (int s = 0; s < r->nsections; s++) {
    const rsection *x = &r->sec[s];
    char csv[128];
    snprintf(csv, sizeof csv, "%s.csv", x->name);
    rbuf_puts(b, s ? ",\n  {\"name\": " : "\n  {\"name\": ");
    rbuf_json(b, x->name);
    field(b, "key", x->key);
    field(b, "title", x->title);
    field(b, "csv", csv);
    field(b, "summary", x->summary);
    field(b, "note", x->note);
    rbuf_puts(b, ",\n   \"columns\": [");
    for (int j = 0; j < x->table->ncols; j++) {
      rbuf_puts(b, j ? ", {\"name\": " : "{\"name\": ");
      rbuf_json(b, x->table->col[j].name);
      field(b, "label", x->table->col[j].label);
      rbuf_puts(b, "}");
    }
    rbuf_puts(b, "],\n   \"rows\": ");
    rtable_json(x->table, b);
    rbuf_puts(b, "}");
  }
  rbuf_puts(b, "\n ]\n}\n");
}
