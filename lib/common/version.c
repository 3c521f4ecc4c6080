/*
 * version.c -- the run-time version of the loaded library and the size of each array dtype.
 */
#include "internal.h"

CHURN_API unsigned churn_version_number(void) { return CHURN_VERSION_NUMBER; }

CHURN_API const char *churn_version_string(void) { return CHURN_VERSION_STRING; }

CHURN_API size_t churn_dtype_size(churn_dtype dtype) {
  switch (dtype) {
    case CHURN_F64: return sizeof(double);
    case CHURN_F32: return sizeof(float);
    case CHURN_I64: return sizeof(int64_t);
    case CHURN_I32: return sizeof(int32_t);
    case CHURN_U8: return 1;
    case CHURN_STR: return sizeof(char *);
  }
  return 0;
}
