/* parse.c - see parse.h. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS (not in POSIX before 2024) */
#include "parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "registry.h"
#include "util.h"

size_t pc_utf8_valid_prefix(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n, k;
        unsigned int cp;
        if (c == 0)
            return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        for (k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* overlong, surrogate and out-of-range forms */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static int line_of_offset(const char *text, size_t off)
{
    int line = 1;
    size_t i;
    for (i = 0; i < off; i++)
        if (text[i] == '\n')
            line++;
    return line;
}

/* True when [s, e) holds only spaces, tabs and a CR. */
static bool is_blank(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return false;
    return true;
}

static void case_free(pc_case *c)
{
    free(c->name); /* its texts are its file's (pc_case_file) */
    free(c->requires);
    memset(c, 0, sizeof *c);
}

/* FNV-1a, 64 bits. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* The slot of `name` in the index, or the empty slot where it would go. */
static size_t index_probe(const pc_caseset *set, const char *name)
{
    size_t mask = set->nslots - 1, i = (size_t)name_hash(name) & mask;
    while (set->slots[i] && strcmp(set->items[set->slots[i] - 1].name, name) != 0)
        i = (i + 1) & mask;
    return i;
}

static void index_drop(pc_caseset *set)
{
    free(set->slots);
    set->slots = NULL;
    set->nslots = set->indexed = 0;
}

/* Index items [indexed, upto): the caller has checked their names are distinct. */
static int index_fill(pc_caseset *set, size_t upto, pc_error *err)
{
    if (upto >= UINT32_MAX)
        return pc_fail(err, "more than %u case blocks", (unsigned)(UINT32_MAX - 1));
    /* room for upto and one more (the block about to be looked up) */
    if (!set->slots || 2 * (upto + 1) > set->nslots) {
        size_t n = set->nslots ? set->nslots : 1024;
        while (2 * (upto + 1) > n)
            n *= 2;
        free(set->slots);
        if (!(set->slots = calloc(n, sizeof *set->slots))) {
            set->nslots = set->indexed = 0;
            return pc_oom(err);
        }
        set->nslots = n;
        set->indexed = 0;
    }
    for (; set->indexed < upto; set->indexed++)
        set->slots[index_probe(set, set->items[set->indexed].name)] = (uint32_t)(set->indexed + 1);
    return 0;
}

const pc_case *pc_caseset_find(const pc_caseset *set, const char *name)
{
    size_t i;
    if (set->slots && set->indexed == set->len) {
        uint32_t id = set->slots[index_probe(set, name)];
        return id ? &set->items[id - 1] : NULL;
    }
    for (i = 0; i < set->len; i++)
        if (strcmp(set->items[i].name, name) == 0)
            return &set->items[i];
    return NULL;
}

/* One requirement word: a known capability (pc_capability_name), recorded once. */
static int add_requirement(pc_case *c, const char *w, size_t len, const char *path, int lineno, pc_error *err)
{
    const char *name;
    size_t i;
    for (i = 0; (name = pc_capability_name(i)) != NULL; i++)
        if (strlen(name) == len && strncmp(w, name, len) == 0)
            break;
    if (!name) {
        char known[160] = "";
        size_t used = 0;
        for (i = 0; (name = pc_capability_name(i)) != NULL && used < sizeof known; i++) {
            int n = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", name);
            used += n > 0 ? (size_t)n : 0;
        }
        return pc_fail(err, "%s:%d: unknown requirement '%.*s' (known: %s)", path, lineno, (int)len, w,
                       known);
    }
    for (i = 0; i < c->nrequires; i++)
        if (c->requires[i] == name)
            return 0;
    if (c->nrequires == PC_REQUIRES_MAX)
        return pc_fail(err, "%s:%d: more than %d requirements", path, lineno, PC_REQUIRES_MAX);
    {
        const char **r = realloc(c->requires, (c->nrequires + 1) * sizeof *r);
        if (!r)
            return pc_oom(err);
        c->requires = r;
    }
    c->requires[c->nrequires++] = name;
    return 0;
}

/* `# pyconform: requires NAME...` lines of a block's source. */
static int parse_requires(pc_case *c, const char *path, pc_error *err)
{
    static const char directive[] = "# pyconform: requires ";
    const char *line = c->source;
    int lineno = c->source_line;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > sizeof directive - 1 && strncmp(line, directive, sizeof directive - 1) == 0) {
            const char *w = line + sizeof directive - 1, *stop = line + len;
            while (w < stop) {
                const char *we;
                while (w < stop && (*w == ' ' || *w == ',' || *w == '\r'))
                    w++;
                we = w;
                while (we < stop && *we != ' ' && *we != ',' && *we != '\r')
                    we++;
                if (we == w)
                    break;
                if (add_requirement(c, w, (size_t)(we - w), path, lineno, err))
                    return -1;
                w = we;
            }
        }
        lineno++;
        line = end ? end + 1 : NULL;
    }
    return 0;
}

/* Map the text store of file f: room for every text of a file of len bytes with
 * `lines` newlines (each block's texts are parts of the file, plus at most two NULs,
 * and a block takes a line at least). Pages never written cost nothing. */
static int texts_map(pc_case_file *f, size_t len, size_t lines, pc_error *err)
{
    void *p;
    f->texts_cap = len + 2 * (lines + 2);
    p = mmap(NULL, f->texts_cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        f->texts = NULL;
        f->texts_cap = 0;
        return pc_fail(err, "%s: cannot map memory for its texts: %s", f->path, strerror(errno));
    }
    f->texts = p;
    f->texts_len = 0;
    return 0;
}

static void texts_unmap(pc_case_file *f)
{
    if (f->texts)
        munmap(f->texts, f->texts_cap);
    f->texts = NULL;
    f->texts_cap = f->texts_len = 0;
}

/* A copy of text[0, n) in f's store, NUL-terminated. */
static char *texts_put(pc_case_file *f, const char *text, size_t n)
{
    char *at = f->texts + f->texts_len; /* room is certain: see texts_map */
    memcpy(at, text, n);
    at[n] = '\0';
    f->texts_len += n + 1;
    return at;
}

/* Close the open block: its text runs from body_start to `end` (exclusive). */
static int finish_block(pc_case_file *f, pc_case *c, const char *text, size_t body_start,
                        size_t eq_line_start, size_t eq_body_start, size_t end, bool has_eq,
                        pc_error *err)
{
    size_t src_end = has_eq ? eq_line_start : end;
    c->source = texts_put(f, text + body_start, src_end - body_start);
    f->live++;
    if (parse_requires(c, c->file, err))
        return -1;
    if (has_eq) {
        c->desugared = texts_put(f, text + eq_body_start, end - eq_body_start);
        c->desugared_line = line_of_offset(text, eq_body_start);
    }
    return 0;
}

bool pc_is_suite_file(const char *path)
{
    size_t n = strlen(path);
    return n > 6 && strcmp(path + n - 6, ".suite") == 0;
}

/* A module name: identifiers joined by dots. */
static bool module_name_ok(const char *s, size_t n)
{
    size_t i;
    bool start = true;
    for (i = 0; i < n; i++) {
        char c = s[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (c == '.' && !start && i + 1 < n)
            start = true;
        else if (alpha || (!start && c >= '0' && c <= '9'))
            start = false;
        else
            return false;
    }
    return n > 0;
}

/* A suite file (see parse.h): one block per module line, into the file just added. */
static int parse_suite(pc_caseset *set, const char *path, const char *text, size_t len,
                       pc_error *err)
{
    pc_case_file *f = &set->files[set->nfiles - 1];
    size_t pos = 0, first = set->len;
    int line = 0;
    while (pos < len) {
        const char *ls = text + pos, *nl = memchr(ls, '\n', len - pos);
        const char *le = nl ? nl : text + len, *hash, *ms = ls, *me;
        pc_case *cur;
        pos = nl ? (size_t)(nl - text) + 1 : len;
        line++;
        hash = memchr(ls, '#', (size_t)(le - ls));
        me = hash ? hash : le;
        while (ms < me && (*ms == ' ' || *ms == '\t'))
            ms++;
        while (me > ms && (me[-1] == ' ' || me[-1] == '\t' || me[-1] == '\r'))
            me--;
        if (ms == me)
            continue; /* blank or comment */
        if (!module_name_ok(ms, (size_t)(me - ms)))
            return pc_fail(err, "%s:%d: '%.*s' is not a module name (one module of the test "
                                "package per line, e.g. test_scope; '#' starts a comment)",
                           path, line, (int)(me - ms), ms);
        if (pc_grow(&set->items, &set->cap, set->len + 1, sizeof *set->items, err))
            return -1;
        cur = &set->items[set->len++];
        memset(cur, 0, sizeof *cur);
        cur->line = cur->source_line = line;
        cur->file = f->path;
        if (!(cur->name = pc_asprintf(err, "%s%.*s", PC_SUITE_PREFIX, (int)(me - ms), ms)))
            return -1;
        {
            uint32_t id;
            const pc_case *dup;
            if (index_fill(set, set->len - 1, err))
                return -1;
            id = set->slots[index_probe(set, cur->name)];
            dup = id ? &set->items[id - 1] : NULL;
            if (dup)
                return pc_fail(err, "%s:%d: duplicate case name '%s' (first defined at %s:%d)",
                               path, line, cur->name, dup->file, dup->line);
        }
        cur->suite = texts_put(f, ms, (size_t)(me - ms));
        cur->source = texts_put(f, "", 0);
        f->live++;
    }
    if (set->len == first)
        return pc_fail(err, "%s:1: empty suite file: no module listed (one module of the test "
                            "package per line, e.g. test_scope)", path);
    return 0;
}

int pc_parse_text(pc_caseset *set, const char *path, const char *text, size_t len,
                  pc_error *err)
{
    size_t first_new = set->len, first_file = set->nfiles;
    size_t pos = 0, valid, bom = 0;
    int line = 0;
    bool open = false, has_eq = false;
    size_t body_start = 0, eq_line_start = 0, eq_body_start = 0;
    pc_case *cur = NULL;

    /* a UTF-8 byte order mark is not part of the text (offsets below stay the file's) */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
        bom = 3;
    }
    valid = pc_utf8_valid_prefix(text, len);
    if (valid != len)
        return pc_fail(err, "%s:%d: invalid UTF-8 (byte 0x%02x at offset %zu)", path,
                       line_of_offset(text, valid), (unsigned char)text[valid], valid + bom);
    /* CRLF works like LF; a CR alone would make the whole file one line */
    for (pos = 0; pos < len; pos++)
        if (text[pos] == '\r' && (pos + 1 == len || text[pos + 1] != '\n'))
            return pc_fail(err, "%s:%d: CR-only line endings are not supported; convert to LF", path,
                           line_of_offset(text, pos));
    pos = 0;
    /* the file: its path, once for all its blocks, and the store of their texts */
    {
        size_t lines = 0, i;
        pc_case_file *f;
        if (pc_grow(&set->files, &set->files_cap, set->nfiles + 1, sizeof *set->files, err))
            return -1;
        f = &set->files[set->nfiles];
        memset(f, 0, sizeof *f);
        for (i = 0; i < len; i++)
            lines += text[i] == '\n';
        if (!(f->path = pc_strdup(path, err)))
            return -1;
        if (texts_map(f, len, lines, err)) {
            free(f->path);
            return -1;
        }
        set->nfiles++;
    }

    if (pc_is_suite_file(path)) {
        if (parse_suite(set, path, text, len, err))
            goto fail;
        return 0;
    }
    while (pos < len) {
        const char *ls = text + pos;
        const char *nl = memchr(ls, '\n', len - pos);
        const char *le = nl ? nl : text + len;
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        line++;

        if (*ls == '$') {
            const char *ns = ls + 1, *ne = le;
            if (open && finish_block(&set->files[set->nfiles - 1], cur, text, body_start,
                                     eq_line_start, eq_body_start, pos, has_eq, err))
                goto fail;
            while (ns < ne && (*ns == ' ' || *ns == '\t'))
                ns++;
            while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t' || ne[-1] == '\r'))
                ne--;
            if (ns == ne) {
                pc_fail(err, "%s:%d: empty case name after '$'", path, line);
                goto fail;
            }
            if (pc_grow(&set->items, &set->cap, set->len + 1, sizeof *set->items, err))
                goto fail;
            cur = &set->items[set->len++];
            memset(cur, 0, sizeof *cur);
            cur->line = line;
            cur->source_line = line + 1;
            cur->file = set->files[set->nfiles - 1].path;
            if (!(cur->name = pc_strndup(ns, (size_t)(ne - ns), err)))
                goto fail;
            {
                const pc_case *dup;
                uint32_t id;
                /* the earlier blocks by name (cur is the last item, not yet indexed) */
                if (index_fill(set, set->len - 1, err))
                    goto fail;
                id = set->slots[index_probe(set, cur->name)];
                dup = id ? &set->items[id - 1] : NULL;
                if (dup) {
                    pc_fail(err, "%s:%d: duplicate case name '%s' (first defined at %s:%d)",
                            path, line, cur->name, dup->file, dup->line);
                    goto fail;
                }
            }
            open = true;
            has_eq = false;
            body_start = next;
        } else if (!open) {
            if (!is_blank(ls, le)) {
                pc_fail(err, "%s:%d: text before the first '$ NAME' line", path, line);
                goto fail;
            }
        } else if ((le - ls == 1 && *ls == '=') || (le - ls == 2 && ls[0] == '=' && ls[1] == '\r')) {
            if (has_eq) {
                pc_fail(err, "%s:%d: second '=' in case '%s' (first at line %d)", path, line,
                        cur->name, cur->desugared_line - 1);
                goto fail;
            }
            has_eq = true;
            eq_line_start = pos;
            eq_body_start = next;
            cur->desugared_line = line + 1;
        }
        pos = next;
    }
    if (open && finish_block(&set->files[set->nfiles - 1], cur, text, body_start, eq_line_start,
                             eq_body_start, len, has_eq, err))
        goto fail;
    if (set->len == first_new)
        return pc_fail(err, "%s:1: no case blocks (expected a '$ NAME' line)", path);
    return 0;

fail:
    while (set->len > first_new)
        case_free(&set->items[--set->len]);
    index_drop(set); /* it may name the blocks just dropped: rebuilt when needed */
    while (set->nfiles > first_file) {
        pc_case_file *f = &set->files[--set->nfiles];
        texts_unmap(f);
        free(f->path);
    }
    return -1;
}

int pc_parse_file(pc_caseset *set, const char *path, pc_error *err)
{
    pc_buf buf = {0};
    int rc;
    if (pc_read_file(path, &buf, err)) {
        pc_buf_free(&buf);
        return -1;
    }
    rc = pc_parse_text(set, path, buf.data, buf.len, err);
    pc_buf_free(&buf);
    return rc;
}

void pc_caseset_free(pc_caseset *set)
{
    size_t i;
    for (i = 0; i < set->len; i++)
        case_free(&set->items[i]);
    free(set->items);
    for (i = 0; i < set->nfiles; i++) {
        texts_unmap(&set->files[i]);
        free(set->files[i].path);
    }
    free(set->files);
    free(set->slots);
    memset(set, 0, sizeof *set);
}

void pc_caseset_release_texts(pc_caseset *set, size_t c)
{
    pc_case *k = &set->items[c];
    size_t i;
    if (!k->source)
        return;
    k->source = k->desugared = k->suite = NULL;
    for (i = 0; i < set->nfiles && set->files[i].path != k->file; i++)
        ;
    if (i < set->nfiles && --set->files[i].live == 0)
        texts_unmap(&set->files[i]);
}

void pc_caseset_fit(pc_caseset *set)
{
    pc_case *p;
    index_drop(set);
    if (set->len && set->len < set->cap && (p = realloc(set->items, set->len * sizeof *p))) {
        set->items = p;
        set->cap = set->len;
    }
}
