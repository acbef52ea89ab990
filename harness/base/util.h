/* util.h - small shared pieces: growable buffers, strings, files, clocks.
 *
 * Ownership: a pc_buf owns its bytes (free with pc_buf_free); functions returning
 * `char *` return malloc'd strings the caller frees.
 */
#ifndef PC_UTIL_H
#define PC_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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
/* Write via PATH.tmp.PID then rename(2), so readers never see a partial file. A PATH
 * that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written
 * to directly, never replaced. */
int pc_write_atomic(const char *path, const char *data, size_t len, pc_error *err);
int pc_mkdir_p(const char *path, pc_error *err);
bool pc_is_executable(const char *path);

double pc_now(void);      /* monotonic seconds */
double pc_wall_now(void); /* seconds since the epoch */
/* ISO-8601 UTC ("2026-11-21T04:45:44Z"), or compact ("20261121T044544Z") for file names. */
void pc_format_time(double t, bool compact, char *out, size_t size);

/* ---- text from outside -------------------------------------------------------------
 * Bytes the harness did not write (interpreter and probe output, desugarer stdout and
 * stderr, runner stderr tails, file names, paths) may be anything. They are kept byte
 * for byte, except that every byte that is not part of a valid UTF-8 sequence (and
 * every NUL byte) becomes the four characters \xHH (two lowercase hex digits): the
 * result is valid UTF-8 and holds no NUL, so it always makes a JSON string. A literal
 * backslash is kept as it is (the escape is for reading, not for decoding). On the
 * terminal, control characters other than newline and tab are shown the same way.
 * docs/protocol.md, "Text from outside". */

/* Length of the valid UTF-8 character at s[0..len) (1-4), or 0 when s[0] does not
 * start one (invalid byte, truncated or overlong sequence, surrogate, NUL). */
size_t pc_utf8_char(const char *s, size_t len);
/* The longest prefix of s[0..len) of at most max bytes that does not end inside a
 * valid multi-byte character (for "%.Ns"-style clipping of outside text). */
size_t pc_text_clip(const char *s, size_t len, size_t max);
/* Append s[0..len) escaped (terminal: also C0 controls but \n and \t, and DEL). */
int pc_text_escape(pc_buf *out, const char *s, size_t len, bool terminal, pc_error *err);
/* s[0..len) escaped, as a new string. */
char *pc_text_dup(const char *s, size_t len, pc_error *err);
/* A JSON string holding s[0..len) escaped (new reference); JSON null when s is NULL.
 * NULL only when an allocation failed. pc_json_textz takes a NUL-terminated s. */
json_t *pc_json_text(const char *s, size_t len);
json_t *pc_json_textz(const char *s);
/* Print at most max bytes of s (NUL-terminated; NULL prints nothing), clipped with
 * pc_text_clip and escaped for the terminal. Returns how many bytes of s were shown. */
size_t pc_print_text(FILE *out, const char *s, size_t max);

/* fnmatch-style glob match (*, ?, [..]). */
bool pc_glob_match(const char *pattern, const char *text);

#endif
