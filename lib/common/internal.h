/*
 * internal.h -- what every file of the library shares and no user sees: error reporting, the one
 * allocation funnel (so tests can fail the k-th allocation), and small helpers.  Never installed.
 */
#ifndef CHURN_INTERNAL_H
#define CHURN_INTERNAL_H

#include "churn.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#  define CHURN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#  define CHURN_LIKELY(x) __builtin_expect(!!(x), 1)
#  define CHURN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define CHURN_PRINTF(a, b)
#  define CHURN_LIKELY(x) (x)
#  define CHURN_UNLIKELY(x) (x)
#endif

/* --- errors (status.c) ---------------------------------------------------------------- */

/* Records status and a formatted message as this thread's last error and returns status, so
 * that failures read `return churn__fail(CHURN_E_ARG, "x is NULL");`. */
churn_status churn__fail(churn_status status, const char *fmt, ...) CHURN_PRINTF(2, 3);
churn_status churn__vfail(churn_status status, const char *fmt, va_list ap);

/* Prefixes this thread's last message with context ("loading model.msgpack: ..."); returns st. */
churn_status churn__context(churn_status st, const char *fmt, ...) CHURN_PRINTF(2, 3);

/* The out-of-memory failure, with what was being allocated. */
churn_status churn__nomem(const char *what);

#define CHURN_CHECK_ARG(cond, ...) \
  do { if (CHURN_UNLIKELY(!(cond))) return churn__fail(CHURN_E_ARG, __VA_ARGS__); } while (0)
#define CHURN_TRY(expr) \
  do { churn_status churn_st_ = (expr); if (churn_st_ != CHURN_OK) return churn_st_; } while (0)

/* --- memory (alloc.c) ----------------------------------------------------------------- */

/* Every allocation of the library goes through these.  They return NULL on failure (real or
 * injected by churn_testing_fail_alloc) and never set the error themselves. Sizes of 0 allocate
 * one byte so that NULL always means failure. */
void *churn__malloc(size_t size);
void *churn__calloc(size_t count, size_t size);
void *churn__realloc(void *ptr, size_t size);
void churn__free(void *ptr);
/* churn__malloc for a large block written once and then read many times: asks Linux for
 * transparent huge pages (alloc.c says when that pays).  Freed with churn__free. */
void *churn__malloc_huge(size_t size);
/* Allocation of count*size bytes with overflow check (NULL on overflow). */
void *churn__malloc_array(size_t count, size_t size);
/* Grows *ptr (capacity *cap elements of size bytes) to hold at least need elements. */
bool churn__grow(void **ptr, size_t *cap, size_t need, size_t size);
/* 64-byte aligned allocation for numeric buffers; release with churn__aligned_free. */
void *churn__aligned_alloc(size_t size);
void churn__aligned_free(void *ptr);
/* A copy of s (NULL on failure or when s is NULL). */
char *churn__strdup(const char *s);

/* --- enum names (enums.c) ------------------------------------------------------------ */

/* churn_enum_name without the public wrapper, and a lookup of a name of len bytes (not
 * NUL-terminated, as CSV fields are). */
int churn__enum_count(churn_enum which); /* number of values */
const char *churn__enum_name(churn_enum which, int value);
bool churn__enum_find_n(churn_enum which, const char *name, size_t len, int *value);

/* --- tables (table.c) ----------------------------------------------------------------- */

/* Builds a table: create with the row count, then add columns in order.  Each add copies the
 * data (or, for the _take variants, takes ownership of an array from churn__malloc). */
churn_status churn__table_new(int64_t nrows, churn_table **out);
churn_status churn__table_add_f64(churn_table *t, const char *name, const double *data);
churn_status churn__table_add_i64(churn_table *t, const char *name, const int64_t *data);
churn_status churn__table_add_str(churn_table *t, const char *name, const char *const *data);
churn_status churn__table_take_f64(churn_table *t, const char *name, double *data);
churn_status churn__table_take_i64(churn_table *t, const char *name, int64_t *data);

/* Builds a table of n rows from the columns given (kinds: 'f' f64, 'i' i64, 's' str), taking
 * ownership of f64/i64 arrays (from churn__malloc, freed on failure too) and copying strings. */
typedef struct churn__col {
  const char *name;
  char kind;
  void *data;
} churn__col;
churn_status churn__table_from_cols(int64_t n, churn__col *cols, int ncols, churn_table **out);

/* --- small numeric helpers ------------------------------------------------------------ */

static inline bool churn__is_finite(double x) { return x - x == 0.0; }

#endif /* CHURN_INTERNAL_H */
