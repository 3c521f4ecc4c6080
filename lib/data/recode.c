/*
 * recode.c -- text encodings of operator exports: a file in UTF-8, GB18030 or GBK converted to
 * UTF-8 with glibc's iconv block by block (an incomplete multibyte sequence at a block's end is
 * carried into the next block), bad bytes kept as positions so that only their rows are
 * rejected; and UTF-8 back to GB18030 for the simulator's operator-style export.
 */
#include "mapping.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define BLOCK 65536

const char *churn__encoding_name(const char *enc) {
  if (strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0) return "UTF-8";
  if (strcasecmp(enc, "gb18030") == 0) return "GB18030";
  if (strcasecmp(enc, "gbk") == 0) return "GBK";
  return NULL;
}

void churn__recoded_free(churn__recoded *r) {
  churn__free(r->text);
  churn__free(r->bad);
  memset(r, 0, sizeof *r);
}

/* Room for need more output bytes (plus the final NUL). */
static bool reserve(churn__recoded *r, size_t need) {
  return churn__grow((void **)&r->text, &r->text_cap, r->len + need + 1, 1);
}

churn_status churn__recode_file(const char *path, const char *iconv_name, size_t max_bytes,
                                churn__recoded *out) {
  memset(out, 0, sizeof *out);
  return churn__recode_file_reuse(path, iconv_name, max_bytes, out);
}

churn_status churn__recode_file_reuse(const char *path, const char *iconv_name,
                                      size_t max_bytes, churn__recoded *out) {
  out->len = out->nbad = 0;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    churn__recoded_free(out);
    return churn__fail(CHURN_E_IO, "%s: %s", path, strerror(errno));
  }
  iconv_t cd = iconv_open("UTF-8", iconv_name);
  if (cd == (iconv_t)-1) {
    fclose(f);
    churn__recoded_free(out);
    return churn__fail(CHURN_E_ARG, "%s: encoding %s not supported by iconv", path, iconv_name);
  }
  char *in = churn__malloc(BLOCK);
  churn_status st = in ? CHURN_OK : churn__nomem("recode buffer");
  /* The whole text at once, sized from the file: UTF-8 of GB18030 or GBK text takes at most
   * 1.5 times its bytes but for rare one-byte characters, and growing by doubling (the fallback
   * in reserve) copied the text about twice over. */
  struct stat sb;
  if (st == CHURN_OK && fstat(fileno(f), &sb) == 0 && sb.st_size > 0) {
    size_t size = (size_t)sb.st_size;
    if (max_bytes > 0 && size > max_bytes) size = max_bytes;
    if (!reserve(out, size + size / 2 + 4 * BLOCK + 16)) st = churn__nomem("recoded text");
  }
  /* Bytes below this one are never part of a multibyte character: in UTF-8 every byte of one
   * is >= 0x80; in GB18030 and GBK the first is >= 0x81 and the others >= 0x30. */
  const unsigned char boundary = strcmp(iconv_name, "UTF-8") == 0 ? 0x80 : 0x30;
  size_t carry = 0;       /* bytes of an incomplete sequence at in[0, carry) */
  int64_t consumed = 0;   /* file offset of in[0] */
  bool eof = false, first = true;
  while (st == CHURN_OK && !eof) {
    size_t want = BLOCK - carry;
    if (max_bytes > 0 && (size_t)consumed + carry + want > max_bytes) {
      want = max_bytes > (size_t)consumed + carry ? max_bytes - (size_t)consumed - carry : 0;
    }
    size_t got = want ? fread(in + carry, 1, want, f) : 0;
    if (got < want || want == 0) {
      if (ferror(f)) {
        st = churn__fail(CHURN_E_IO, "%s: read error", path);
        break;
      }
      eof = true;
    }
    char *ip = in;
    size_t ileft = carry + got;
    if (first && ileft >= 3 && strcmp(iconv_name, "UTF-8") == 0 &&
        memcmp(ip, "\xEF\xBB\xBF", 3) == 0) {
      ip += 3;
      ileft -= 3;
    }
    first = false;
    while (ileft > 0) {
      if (!reserve(out, ileft * 4 + 16)) {
        st = churn__nomem("recoded text");
        break;
      }
      /* A run of ASCII bytes is the same text in UTF-8: copied (exports are mostly digits,
       * dates and separators; iconv took a fifth of a mapping ingest on them). */
      size_t a = 0;
      while (a < ileft && (unsigned char)ip[a] < 0x80) a++;
      memcpy(out->text + out->len, ip, a);
      out->len += a;
      ip += a;
      ileft -= a;
      if (ileft == 0) break;
      /* The rest up to the next byte that cannot lie inside a multibyte character goes
       * through iconv: its last character ends there, or it is cut by the block's end. */
      size_t seg = 1;
      while (seg < ileft && (unsigned char)ip[seg] >= boundary) seg++;
      const bool to_end = seg == ileft;
      char *op = out->text + out->len;
      size_t oleft = out->text_cap - out->len - 1, sleft = seg;
      size_t rc = iconv(cd, &ip, &sleft, &op, &oleft);
      out->len = (size_t)(op - out->text);
      ileft -= seg - sleft;
      if (rc != (size_t)-1 || errno == E2BIG) continue;
      if (errno == EINVAL && to_end && !eof) break; /* incomplete sequence: carried */
      /* EILSEQ, or an incomplete sequence before a boundary byte or at the end of the file:
       * one bad byte */
      if (!churn__grow((void **)&out->bad, &out->bad_cap, out->nbad + 1, sizeof *out->bad)) {
        st = churn__nomem("recode offsets");
        break;
      }
      out->bad[out->nbad++] = consumed + (int64_t)(ip - in);
      out->text[out->len++] = (char)0xFF;
      ip++;
      ileft--;
      iconv(cd, NULL, NULL, NULL, NULL);
    }
    consumed += (int64_t)(ip - in);
    memmove(in, ip, ileft);
    carry = ileft;
  }
  if (st == CHURN_OK && !reserve(out, 0)) st = churn__nomem("recoded text");
  if (st == CHURN_OK) out->text[out->len] = '\0';
  churn__free(in);
  iconv_close(cd);
  fclose(f);
  if (st != CHURN_OK) churn__recoded_free(out);
  return st;
}

churn_status churn__recode_from_utf8(const char *iconv_name, const char *text, size_t len,
                                     char **out, size_t *out_len) {
  iconv_t cd = iconv_open(iconv_name, "UTF-8");
  if (cd == (iconv_t)-1) return churn__fail(CHURN_E_ARG, "encoding %s not supported", iconv_name);
  size_t cap = len * 2 + 16;
  char *buf = churn__malloc(cap);
  if (buf == NULL) {
    iconv_close(cd);
    return churn__nomem("recoded text");
  }
  char *ip = (char *)text, *op = buf;
  size_t ileft = len, oleft = cap;
  size_t rc = iconv(cd, &ip, &ileft, &op, &oleft);
  if (rc == (size_t)-1 || iconv(cd, NULL, NULL, &op, &oleft) == (size_t)-1) {
    churn__free(buf);
    iconv_close(cd);
    return churn__fail(CHURN_E_DATA, "text at byte %zu cannot be written in %s",
                       (size_t)(ip - text), iconv_name);
  }
  iconv_close(cd);
  *out = buf;
  *out_len = (size_t)(op - buf);
  return CHURN_OK;
}
