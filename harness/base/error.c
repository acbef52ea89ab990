/* error.c - see error.h. */
#include "error.h"

#include <stdio.h>
#include <string.h>

int pc_vfail(pc_error *err, const char *fmt, va_list ap)
{
    if (err)
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return -1;
}

int pc_fail(pc_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pc_vfail(err, fmt, ap);
    va_end(ap);
    return -1;
}

int pc_wrap(pc_error *err, const char *fmt, ...)
{
    char old[PC_ERROR_MAX];
    va_list ap;
    int n;
    if (!err)
        return -1;
    memcpy(old, err->msg, sizeof old);
    va_start(ap, fmt);
    n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg - 2) {
        size_t used = (size_t)n;
        size_t room = sizeof err->msg - used;
        err->msg[used] = ':';
        err->msg[used + 1] = ' ';
        memcpy(err->msg + used + 2, old, room - 2);
        err->msg[sizeof err->msg - 1] = '\0';
    }
    return -1;
}

int pc_oom_at(pc_error *err, const char *file, int line)
{
    return pc_fail(err, "%s:%d: out of memory", file, line);
}
