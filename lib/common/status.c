/*
 * status.c -- status names and texts (generated from the one list in churn.h) and the
 * thread-local last-error message that says exactly what went wrong.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define CHURN_ERROR_MAX 1024

static _Thread_local char tls_message[CHURN_ERROR_MAX];
static _Thread_local churn_status tls_status = CHURN_OK;

CHURN_API const char *churn_status_name(churn_status status) {
  switch (status) {
#define CHURN_NAME_(name, value, text) case name: return #name;
    CHURN_STATUS_LIST(CHURN_NAME_)
#undef CHURN_NAME_
    default: return "CHURN_E_UNKNOWN";
  }
}

CHURN_API const char *churn_status_string(churn_status status) {
  switch (status) {
#define CHURN_TEXT_(name, value, text) case name: return text;
    CHURN_STATUS_LIST(CHURN_TEXT_)
#undef CHURN_TEXT_
    default: return "unknown status";
  }
}

CHURN_API const char *churn_last_error(void) { return tls_message; }

CHURN_API churn_status churn_last_status(void) { return tls_status; }

CHURN_API void churn_clear_error(void) {
  tls_message[0] = '\0';
  tls_status = CHURN_OK;
}

churn_status churn__vfail(churn_status status, const char *fmt, va_list ap) {
  tls_status = status;
  if (fmt == NULL) {
    snprintf(tls_message, sizeof tls_message, "%s", churn_status_string(status));
  } else {
    vsnprintf(tls_message, sizeof tls_message, fmt, ap);
  }
  return status;
}

churn_status churn__fail(churn_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  churn__vfail(status, fmt, ap);
  va_end(ap);
  return status;
}

churn_status churn__context(churn_status st, const char *fmt, ...) {
  if (st == CHURN_OK) return st;
  char prefix[CHURN_ERROR_MAX / 2];
  char old[CHURN_ERROR_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, tls_message, sizeof old);
  snprintf(tls_message, sizeof tls_message, "%.500s: %.500s", prefix, old);
  tls_status = st;
  return st;
}

churn_status churn__nomem(const char *what) {
  return churn__fail(CHURN_E_NOMEM, "out of memory allocating %s", what ? what : "memory");
}
