/* util.c - see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int pc_grow(void *items_ptr, size_t *cap, size_t need, size_t elem, pc_error *err)
{
    void **items = items_ptr;
    size_t ncap;
    void *p;
    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return pc_oom(err);
        ncap *= 2;
    }
    p = realloc(*items, ncap * elem);
    if (!p)
        return pc_oom(err);
    *items = p;
    *cap = ncap;
    return 0;
}

int pc_buf_append(pc_buf *b, const void *data, size_t len, pc_error *err)
{
    if (pc_grow(&b->data, &b->cap, b->len + len + 1, 1, err))
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int pc_buf_appendf(pc_buf *b, pc_error *err, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return pc_fail(err, "%s:%d: bad format", __FILE__, __LINE__);
    if (pc_grow(&b->data, &b->cap, b->len + (size_t)n + 1, 1, err))
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void pc_buf_consume(pc_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

void pc_buf_clear(pc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void pc_buf_free(pc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *pc_strndup(const char *s, size_t n, pc_error *err)
{
    char *p = malloc(n + 1);
    if (!p) {
        pc_oom(err);
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pc_strdup(const char *s, pc_error *err)
{
    return pc_strndup(s, strlen(s), err);
}

char *pc_asprintf(pc_error *err, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        pc_fail(err, "%s:%d: bad format", __FILE__, __LINE__);
        return NULL;
    }
    p = malloc((size_t)n + 1);
    if (!p) {
        pc_oom(err);
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int pc_read_file(const char *path, pc_buf *out, pc_error *err)
{
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f)
        return pc_fail(err, "%s: cannot read: %s", path, strerror(errno));
    pc_buf_clear(out);
    if (pc_buf_append(out, "", 0, err)) {
        fclose(f);
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (pc_buf_append(out, chunk, n, err)) {
            fclose(f);
            return -1;
        }
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        return pc_fail(err, "%s: cannot read: %s", path, strerror(e));
    }
    fclose(f);
    return 0;
}

/* All of data to fd; the error names `name`. */
static int write_all(int fd, const char *name, const char *data, size_t len, pc_error *err)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return pc_fail(err, "%s: cannot write: %s", name, strerror(errno));
        off += (size_t)w;
    }
    return 0;
}

int pc_write_atomic(const char *path, const char *data, size_t len, pc_error *err)
{
    char *tmp;
    int fd;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
            return pc_fail(err, "%s: cannot open: %s", path, strerror(errno));
        if (write_all(fd, path, data, len, err)) {
            close(fd);
            return -1;
        }
        if (close(fd) != 0)
            return pc_fail(err, "%s: cannot write: %s", path, strerror(errno));
        return 0;
    }
    if (!(tmp = pc_asprintf(err, "%s.tmp.%ld", path, (long)getpid())))
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        pc_fail(err, "%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    if (write_all(fd, tmp, data, len, err)) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        pc_fail(err, "%s: cannot write: %s", tmp, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        pc_fail(err, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int pc_mkdir_p(const char *path, pc_error *err)
{
    char *p = pc_strdup(path, err);
    char *s;
    if (!p)
        return -1;
    for (s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                pc_fail(err, "%s: cannot create directory: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return 0;
}

bool pc_is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

double pc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double pc_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pc_format_time(double t, bool compact, char *out, size_t size)
{
    time_t secs = (time_t)t;
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, size, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool pc_glob_match(const char *pattern, const char *text)
{
    return fnmatch(pattern, text, 0) == 0;
}

/* ---- text from outside ------------------------------------------------------------ */

size_t pc_utf8_char(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned int cp;
    size_t n, k;
    if (len == 0 || s[0] == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 1;
        cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 2;
        cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 3;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (k = 1; k <= n; k++) {
        if (k >= len || (s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    /* overlong, surrogate and out-of-range forms */
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n + 1;
}

size_t pc_text_clip(const char *s, size_t len, size_t max)
{
    size_t i = 0;
    if (len <= max)
        return len;
    while (i < max) {
        size_t n = pc_utf8_char(s + i, len - i);
        if (n == 0)
            n = 1; /* an invalid byte stands alone */
        if (i + n > max)
            break;
        i += n;
    }
    return i;
}

/* Length of the valid prefix of s[0..len) (stops at the first invalid byte or NUL). */
static size_t valid_prefix(const char *s, size_t len)
{
    size_t i = 0, n;
    while (i < len && (n = pc_utf8_char(s + i, len - i)) > 0)
        i += n;
    return i;
}

int pc_text_escape(pc_buf *out, const char *s, size_t len, bool terminal, pc_error *err)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, start = 0;
    if (pc_buf_append(out, "", 0, err))
        return -1;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = pc_utf8_char(s + i, len - i);
        if (n && !(terminal && ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f))) {
            i += n;
            continue;
        }
        {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            if (pc_buf_append(out, s + start, i - start, err) || pc_buf_append(out, esc, 4, err))
                return -1;
        }
        start = ++i;
    }
    return pc_buf_append(out, s + start, i - start, err);
}

char *pc_text_dup(const char *s, size_t len, pc_error *err)
{
    pc_buf b = {0};
    if (pc_text_escape(&b, s, len, false, err)) {
        pc_buf_free(&b);
        return NULL;
    }
    return b.data;
}

json_t *pc_json_text(const char *s, size_t len)
{
    json_t *j;
    char *e;
    if (!s)
        return json_null();
    if (valid_prefix(s, len) == len) /* the common case: no copy */
        return json_stringn(s, len);
    if (!(e = pc_text_dup(s, len, NULL)))
        return NULL;
    j = json_string(e);
    free(e);
    return j;
}

json_t *pc_json_textz(const char *s)
{
    return pc_json_text(s, s ? strlen(s) : 0);
}

size_t pc_print_text(FILE *out, const char *s, size_t max)
{
    pc_buf b = {0};
    size_t len, n;
    if (!s)
        return 0;
    len = strlen(s);
    n = pc_text_clip(s, len, max);
    if (pc_text_escape(&b, s, n, true, NULL) == 0)
        fputs(b.data, out);
    else
        fputs("(text not shown: out of memory)", out);
    pc_buf_free(&b);
    return n;
}
