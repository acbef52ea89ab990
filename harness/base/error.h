/* error.h - errors returned with context.
 *
 * Every fallible function takes a `pc_error *` as its last argument and returns -1 (or
 * NULL) after filling it; the message always starts with its context, e.g.
 * "cases/x.case:12: duplicate case name" or "cpython-3.12.1: probe failed: ...".
 * Allocation failures name the harness source line instead (pc_oom).
 */
#ifndef PC_ERROR_H
#define PC_ERROR_H

#include <stdarg.h>

#define PC_ERROR_MAX 2048

typedef struct pc_error {
    char msg[PC_ERROR_MAX];
} pc_error;

#if defined(__GNUC__)
#define PC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PC_PRINTF(a, b)
#endif

/* Fill err with a formatted message; returns -1 so callers can `return pc_fail(...)`. */
int pc_fail(pc_error *err, const char *fmt, ...) PC_PRINTF(2, 3);
int pc_vfail(pc_error *err, const char *fmt, va_list ap);
/* Prefix an already-filled error with more context ("while ...: "). Returns -1. */
int pc_wrap(pc_error *err, const char *fmt, ...) PC_PRINTF(2, 3);
int pc_oom_at(pc_error *err, const char *file, int line);
#define pc_oom(err) pc_oom_at((err), __FILE__, __LINE__)

#endif
