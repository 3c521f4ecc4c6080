/*
 * design_io.c -- a learned design inside a model file: the "churn-design" msgpack image (the
 * envelope of pack.c around a payload map), stored as the model's opaque attachment, and read
 * back with every count and index checked, so a damaged encoding is CHURN_E_FORMAT.
 *
 * Payload (format "churn-design", version 1.0), a map:
 *   d (int), names (array of d str), missing (int), reference (int),
 *   label, ids, time, weight, cluster (str: the training's role columns, "" for none),
 *   columns (array, one map per feature column: name (str), type (0 numeric, 1 string),
 *            levels (array of str, byte order), ref (int, -1 none), fill (f64),
 *            missing_col (bool), slots (bin of little-endian int64: encoded index or -1)).
 */
#include "design.h"
#include "model/model.h"
#include "common/pack.h"

#include <stdio.h>
#include <string.h>

#define DESIGN_FORMAT "churn-design"
#define DESIGN_MAJOR 1
#define DESIGN_MINOR 0

static void pack_column(churn__wbuf *wb, const churn__dcol *c) {
  msgpack_pack_map(&wb->pk, 7);
  churn__pack_key(wb, "name");
  churn__pack_str(wb, c->name);
  churn__pack_i64_field(wb, "type", c->type);
  churn__pack_key(wb, "levels");
  int32_t nl = c->type == DTYPE_CAT ? c->levels.n : 0;
  msgpack_pack_array(&wb->pk, (size_t)nl);
  for (int32_t k = 0; k < nl; k++) churn__pack_str(wb, churn__dict_label(&c->levels, k));
  churn__pack_i64_field(wb, "ref", c->ref);
  churn__pack_f64_field(wb, "fill", c->fill);
  churn__pack_key(wb, "missing_col");
  if (c->missing_col) msgpack_pack_true(&wb->pk);
  else msgpack_pack_false(&wb->pk);
  churn__pack_key(wb, "slots");
  churn__pack_i64_bin(wb, c->slot_feat, (size_t)c->nslots);
}

churn_status churn__design_encode_image(const churn_design *D, uint8_t **data, size_t *len) {
  churn__wbuf p;
  churn__wbuf_init(&p);
  msgpack_pack_map(&p.pk, 10);
  churn__pack_i64_field(&p, "d", D->d);
  churn__pack_key(&p, "names");
  msgpack_pack_array(&p.pk, (size_t)D->d);
  for (int64_t j = 0; j < D->d; j++) churn__pack_str(&p, D->names[j]);
  churn__pack_i64_field(&p, "missing", D->missing);
  churn__pack_i64_field(&p, "reference", D->reference);
  const char *keys[] = {"label", "ids", "time", "weight", "cluster"};
  const char *vals[] = {D->label, D->ids, D->time, D->weight, D->cluster};
  for (int i = 0; i < 5; i++) {
    churn__pack_key(&p, keys[i]);
    churn__pack_str(&p, vals[i]);
  }
  size_t nf = 0;
  for (size_t c = 0; c < D->ncols; c++) nf += D->cols[c].role == DROLE_FEATURE;
  churn__pack_key(&p, "columns");
  msgpack_pack_array(&p.pk, nf);
  for (size_t c = 0; c < D->ncols; c++) {
    if (D->cols[c].role == DROLE_FEATURE) pack_column(&p, &D->cols[c]);
  }
  churn_status st = churn__wbuf_status(&p, "design");
  churn__wbuf out;
  churn__wbuf_init(&out);
  if (st == CHURN_OK) {
    st = churn__envelope_write(&out, DESIGN_FORMAT, DESIGN_MAJOR, DESIGN_MINOR, p.data, p.len);
  }
  churn__wbuf_free(&p);
  if (st != CHURN_OK) {
    churn__wbuf_free(&out);
    return st;
  }
  *data = out.data;
  *len = out.len;
  return CHURN_OK;
}

CHURN_API churn_status churn_design_attach(const churn_design *design, churn_model *model) {
  CHURN_CHECK_ARG(design != NULL && model != NULL, "churn_design_attach: design and model must "
                  "not be NULL");
  if (!design->learned) {
    return churn__fail(CHURN_E_STATE, "churn_design_attach: the design has not learned a table");
  }
  const char **names = churn__malloc_array((size_t)design->d + 1, sizeof *names);
  if (names == NULL) return churn__nomem("design names");
  for (int64_t j = 0; j < design->d; j++) names[j] = design->names[j];
  churn_status st = churn_model_check_features(model, names, design->d);
  churn__free(names);
  CHURN_TRY(st);
  uint8_t *img = NULL;
  size_t len = 0;
  CHURN_TRY(churn__design_encode_image(design, &img, &len));
  st = churn__model_set_attachment(model, img, len);
  churn__free(img);
  return st;
}

/* --- reading --------------------------------------------------------------------------------- */

static churn_status read_column(churn_design *D, const msgpack_object *o, churn__dcol *c) {
  if (o->type != MSGPACK_OBJECT_MAP) return churn__fail(CHURN_E_FORMAT, "a column is not a map");
  churn__dict_init(&c->levels);
  c->role = DROLE_FEATURE;
  CHURN_TRY(churn__get_str(o, "name", false, &c->name));
  int64_t type, ref;
  CHURN_TRY(churn__get_i64(o, "type", &type));
  CHURN_TRY(churn__get_i64(o, "ref", &ref));
  CHURN_TRY(churn__get_f64(o, "fill", &c->fill));
  CHURN_TRY(churn__get_bool(o, "missing_col", &c->missing_col));
  const msgpack_object *lv;
  size_t nl;
  CHURN_TRY(churn__get_array(o, "levels", &lv, &nl));
  if ((type != DTYPE_NUM && type != DTYPE_CAT) || (type == DTYPE_NUM && nl != 0) ||
      nl > 10000000 || ref < -1 || ref >= (int64_t)nl || !churn__is_finite(c->fill)) {
    return churn__fail(CHURN_E_FORMAT, "column '%s' has an invalid type, level count or "
                       "reference", c->name);
  }
  c->type = (int)type;
  c->ref = (int32_t)ref;
  for (size_t k = 0; k < nl; k++) {
    if (lv[k].type != MSGPACK_OBJECT_STR) {
      return churn__fail(CHURN_E_FORMAT, "column '%s': level %zu is not a string", c->name, k);
    }
    int32_t code;
    bool added;
    CHURN_TRY(churn__dict_intern(&c->levels, lv[k].via.str.ptr, lv[k].via.str.size, INT32_MAX,
                                 &code, &added));
    if (!added) return churn__fail(CHURN_E_FORMAT, "column '%s': a level repeats", c->name);
  }
  c->nslots = (int32_t)((type == DTYPE_CAT ? nl : 1) + (c->missing_col ? 1 : 0));
  c->slot_feat = churn__malloc_array((size_t)c->nslots + 1, sizeof *c->slot_feat);
  if (c->slot_feat == NULL) return churn__nomem("design slots");
  CHURN_TRY(churn__get_bin_n(o, "slots", sizeof(int64_t), (size_t)c->nslots, c->slot_feat));
  for (int32_t s = 0; s < c->nslots; s++) {
    if (c->slot_feat[s] < -1 || c->slot_feat[s] >= D->d) {
      return churn__fail(CHURN_E_FORMAT, "column '%s': slot %d points outside the %lld "
                         "features", c->name, (int)s, (long long)D->d);
    }
    if (c->slot_feat[s] >= 0) {
      if (D->feat_col[c->slot_feat[s]] >= 0) {
        return churn__fail(CHURN_E_FORMAT, "feature %lld is encoded twice",
                           (long long)c->slot_feat[s]);
      }
      D->feat_col[c->slot_feat[s]] = (int32_t)(c - D->cols);
    }
  }
  return CHURN_OK;
}

/* A role column kept for scoring (ids, time). */
static churn_status add_role(churn_design *D, const char *name, int role) {
  churn__dcol *c = &D->cols[D->ncols++];
  churn__dict_init(&c->levels);
  c->role = role;
  c->ref = -1;
  c->name = churn__strdup(name);
  return c->name ? CHURN_OK : churn__nomem("design");
}

static churn_status read_payload(const msgpack_object *p, churn_design *D) {
  if (p->type != MSGPACK_OBJECT_MAP) return churn__fail(CHURN_E_FORMAT, "payload is not a map");
  int64_t d, missing, reference;
  CHURN_TRY(churn__get_i64(p, "d", &d));
  CHURN_TRY(churn__get_i64(p, "missing", &missing));
  CHURN_TRY(churn__get_i64(p, "reference", &reference));
  if (d < 0 || d > 10000000 || missing < 0 || missing > 2 || reference < 0 || reference > 2) {
    return churn__fail(CHURN_E_FORMAT, "invalid d, missing or reference");
  }
  D->missing = (int)missing;
  D->reference = (int)reference;
  char **strs[] = {&D->label, &D->ids, &D->time, &D->weight, &D->cluster};
  const char *keys[] = {"label", "ids", "time", "weight", "cluster"};
  for (int i = 0; i < 5; i++) {
    churn__free(*strs[i]);
    *strs[i] = NULL;
    CHURN_TRY(churn__get_str(p, keys[i], false, strs[i]));
  }
  const msgpack_object *nm, *cols;
  size_t nn, nc;
  CHURN_TRY(churn__get_array(p, "names", &nm, &nn));
  CHURN_TRY(churn__get_array(p, "columns", &cols, &nc));
  if (nn != (size_t)d) return churn__fail(CHURN_E_FORMAT, "%zu names for d = %lld", nn, (long long)d);
  D->names = churn__calloc(nn + 1, sizeof *D->names);
  D->feat_col = churn__malloc_array(nn + 1, sizeof *D->feat_col);
  size_t nids = 1;
  for (const char *q = D->ids; *q; q++) nids += *q == ',';
  D->cols = churn__calloc(nc + nids + 2, sizeof *D->cols);
  if (!D->names || !D->feat_col || !D->cols) return churn__nomem("design");
  D->d = d;
  for (size_t j = 0; j < nn; j++) {
    D->feat_col[j] = -1;
    CHURN_TRY(churn__obj_str(&nm[j], "feature name", &D->names[j]));
  }
  for (size_t c = 0; c < nc; c++) {
    D->ncols = c + 1;
    CHURN_TRY(read_column(D, &cols[c], &D->cols[c]));
  }
  for (int64_t j = 0; j < d; j++) {
    if (D->feat_col[j] < 0) {
      return churn__fail(CHURN_E_FORMAT, "feature '%s' comes from no column", D->names[j]);
    }
  }
  const char *q = D->ids;
  while (*q) {
    const char *e = strchr(q, ',');
    size_t len = e ? (size_t)(e - q) : strlen(q);
    char name[1024];
    snprintf(name, sizeof name, "%.*s", (int)len, q);
    CHURN_TRY(add_role(D, name, DROLE_ID));
    q = e ? e + 1 : q + len;
  }
  if (D->time[0]) CHURN_TRY(add_role(D, D->time, DROLE_TIME));
  D->learned = true;
  return CHURN_OK;
}

CHURN_API churn_status churn_design_from_model(const churn_model *model, churn_design **out) {
  CHURN_CHECK_ARG(model != NULL && out != NULL, "churn_design_from_model: model and out must "
                  "not be NULL");
  const uint8_t *img;
  size_t len;
  CHURN_TRY(churn__model_attachment(model, &img, &len));
  const uint8_t *payload;
  size_t plen;
  churn_status st = churn__envelope_read(img, len, DESIGN_FORMAT, DESIGN_MAJOR, &payload, &plen,
                                         NULL, NULL);
  if (st != CHURN_OK) return churn__context(st, "the model's design");
  churn_design *D = NULL;
  CHURN_TRY(churn_design_new(NULL, &D));
  churn__unpacked u;
  st = churn__unpack(payload, plen, "design payload", &u);
  if (st == CHURN_OK) {
    st = read_payload(&u.u.data, D);
    churn__unpacked_free(&u);
  }
  if (st == CHURN_OK && D->d != churn_model_n_features(model)) {
    st = churn__fail(CHURN_E_FORMAT, "the design has %lld columns, the model %lld features",
                     (long long)D->d, (long long)churn_model_n_features(model));
  }
  if (st != CHURN_OK) {
    churn_design_free(D);
    return churn__context(st, "the model's design");
  }
  *out = D;
  return CHURN_OK;
}
