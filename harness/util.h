/* util.h - small shared pieces: growable buffers, strings, files, clocks.
 *
 * Ownership: a pc_buf owns its bytes (free with pc_buf_free); functions returning
 * `char *` return malloc'd strings the caller frees.
 */
#ifndef PC_UTIL_H
#define PC_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct pc_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
} pc_buf;

int pc_buf_append(pc_buf *b, const void *data, size_t len, pc_error *err);
int pc_buf_appendf(pc_buf *b, pc_error *err, const char *fmt, ...) PC_PRINTF(3, 4);
void pc_buf_consume(pc_buf *b, size_t n); /* drop the first n bytes */
void pc_buf_clear(pc_buf *b);
void pc_buf_free(pc_buf *b);

/* Make room for `need` elements of `elem` bytes in *items (capacity *cap). */
int pc_grow(void *items_ptr, size_t *cap, size_t need, size_t elem, pc_error *err);

char *pc_strdup(const char *s, pc_error *err);
char *pc_strndup(const char *s, size_t n, pc_error *err);
char *pc_asprintf(pc_error *err, const char *fmt, ...) PC_PRINTF(2, 3);

/* Read a whole file; the buffer is NUL-terminated. Error: "PATH: cannot read: ...". */
int pc_read_file(const char *path, pc_buf *out, pc_error *err);
/* Write via PATH.tmp.PID then rename(2), so readers never see a partial file. */
int pc_write_atomic(const char *path, const char *data, size_t len, pc_error *err);
int pc_mkdir_p(const char *path, pc_error *err);
bool pc_is_executable(const char *path);

double pc_now(void);      /* monotonic seconds */
double pc_wall_now(void); /* seconds since the epoch */
/* ISO-8601 UTC ("2026-11-21T04:45:44Z"), or compact ("20261121T044544Z") for file names. */
void pc_format_time(double t, bool compact, char *out, size_t size);

/* fnmatch-style glob match (*, ?, [..]). */
bool pc_glob_match(const char *pattern, const char *text);

#endif
