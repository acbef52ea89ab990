/* expected.c - see expected.h. */
#include "expected.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static char *stem_path(const char *dir, const char *case_file, pc_error *err)
{
    const char *base = strrchr(case_file, '/');
    const char *dot;
    base = base ? base + 1 : case_file;
    dot = strrchr(base, '.');
    return pc_asprintf(err, "%s/%.*s.json", dir, (int)(dot && dot != base ? dot - base : (long)strlen(base)), base);
}

/* ---- positions in the JSON text ------------------------------------------------------
 *
 * jansson keeps no position per value, so an error about a value that parsed well is
 * placed by walking the text along the value's path (keys and array indexes). The text
 * is known to be valid JSON here (jansson accepted it), which keeps the walk simple. */

typedef struct jstep {
    const char *key; /* object member, or NULL for an array index */
    size_t index;
} jstep;

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at the opening quote; returns past the closing one. */
static const char *skip_string(const char *p, const char *e)
{
    for (p++; p < e && *p != '"'; p++)
        if (*p == '\\')
            p++;
    return p < e ? p + 1 : e;
}

static const char *skip_value(const char *p, const char *e)
{
    int depth = 0;
    if (p < e && *p == '"')
        return skip_string(p, e);
    if (p < e && *p != '{' && *p != '[') {
        while (p < e && !strchr(",]} \t\r\n", *p))
            p++;
        return p;
    }
    while (p < e) {
        if (*p == '"') {
            p = skip_string(p, e);
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return e;
}

/* Is the string token [p, q) (quotes included) the key `key`? */
static bool key_is(const char *p, const char *q, const char *key)
{
    size_t n = (size_t)(q - p);
    json_t *j;
    bool same;
    if (n < 2)
        return false;
    if (!memchr(p, '\\', n))
        return n - 2 == strlen(key) && memcmp(p + 1, key, n - 2) == 0;
    j = json_loadb(p, n, JSON_DECODE_ANY, NULL);
    same = json_is_string(j) && strcmp(json_string_value(j), key) == 0;
    json_decref(j);
    return same;
}

/* The line of the value at steps[0..n); where a step is missing, of the last value
 * found on the way (at worst line 1). */
static int line_at(const char *text, size_t len, const jstep *steps, size_t n)
{
    const char *e = text + len, *p = skip_ws(text, e), *best = p, *l;
    size_t i;
    int line = 1;
    for (i = 0; i < n && p < e; i++) {
        bool found = false;
        size_t idx = 0;
        if (*p != (steps[i].key ? '{' : '['))
            break;
        p = skip_ws(p + 1, e);
        while (p < e && *p != '}' && *p != ']') {
            if (steps[i].key) {
                const char *k = p;
                p = skip_string(p, e);
                found = key_is(k, p, steps[i].key);
                p = skip_ws(p, e);
                p = skip_ws(p < e ? p + 1 : e, e); /* the ':' */
            } else {
                found = idx++ == steps[i].index;
            }
            if (found)
                break;
            p = skip_ws(skip_value(p, e), e);
            if (p < e && *p == ',')
                p = skip_ws(p + 1, e);
        }
        if (!found)
            break;
        best = p;
    }
    for (l = text; l < best; l++)
        line += *l == '\n';
    return line;
}

/* ---- selectors ----------------------------------------------------------------------- */

#define VERSION_FORMS "expected e.g. 3.8, 3.11.2 or 3.15.0rc1"
#define SELECTOR_FORMS "expected \"IMPL[+TRAIT...] RANGE\" or \"*\", e.g. \"cpython 3.8-3.10\", " \
                       "\"cpython+debug 3.13+\", \"pypy *\""

/* One number of a version: digits only, within int. */
static int parse_number(const char *s, size_t len, size_t *i, int *out)
{
    long n = 0;
    size_t start = *i;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        int d = s[*i] - '0';
        if (n > (INT_MAX - d) / 10)
            return 1; /* overflow */
        n = n * 10 + d;
        (*i)++;
    }
    if (*i == start)
        return -1;
    *out = (int)n;
    return 0;
}

/* A bound: 1-3 numeric fields, the third optionally followed by a, b or rc and a number. */
static int parse_bound(const char *sel, const char *s, size_t len, pc_version *v, pc_error *err)
{
    size_t i = 0;
    int r;
    memset(v, 0, sizeof *v);
    v->v[3] = 3; /* final unless a suffix says otherwise */
    if (len == 0)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": a version is missing (" VERSION_FORMS ")",
                       sel);
    for (;;) {
        if ((r = parse_number(s, len, &i, &v->v[v->parts])) != 0)
            goto bad;
        v->parts++;
        if (i == len)
            return 0;
        if (s[i] != '.' || v->parts == 3)
            break;
        i++;
    }
    if (v->parts != 3)
        goto bad_r;
    if (s[i] == 'a' || s[i] == 'b') {
        v->v[3] = s[i] == 'a' ? 0 : 1;
        i++;
    } else if (len - i >= 2 && s[i] == 'r' && s[i + 1] == 'c') {
        v->v[3] = 2;
        i += 2;
    } else {
        goto bad_r;
    }
    if ((r = parse_number(s, len, &i, &v->v[4])) != 0)
        goto bad;
    v->parts = 5;
    if (i == len)
        return 0;
bad_r:
    r = -1;
bad:
    if (r > 0)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": \"%.*s\": version number out of range",
                       sel, (int)len, s);
    return pc_fail(err, "bad \"builds\" selector \"%.200s\": \"%.*s\" is not a version (" VERSION_FORMS ")",
                   sel, (int)len, s);
}

static int parse_range(const char *sel, const char *r, pc_selector *out, pc_error *err)
{
    size_t len = strlen(r);
    const char *dash = strchr(r, '-');
    if (strcmp(r, "*") == 0)
        return 0;
    if (len && r[len - 1] == '+') {
        out->has_lo = true;
        return parse_bound(sel, r, len - 1, &out->lo, err);
    }
    if (dash) {
        if (dash == r)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": range \"%s\" lacks its lower bound "
                           "(e.g. \"3.8-3.10\")", sel, r);
        if (!dash[1])
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": range \"%s\" lacks its upper bound "
                           "(e.g. \"3.8-3.10\", or \"3.8+\" for no upper bound)", sel, r);
        out->has_lo = out->has_hi = true;
        if (parse_bound(sel, r, (size_t)(dash - r), &out->lo, err) ||
            parse_bound(sel, dash + 1, strlen(dash + 1), &out->hi, err))
            return -1;
        /* compared on the fields both give: 3.13.1-3.13 is 3.13.1 up to 3.13.x */
        if (pc_version_cmp(&out->lo, &out->hi, out->lo.parts < out->hi.parts ? out->lo.parts : out->hi.parts) > 0)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": reversed range \"%s\" matches no "
                           "version (write the lower bound first)", sel, r);
        return 0;
    }
    out->has_lo = out->has_hi = true;
    if (parse_bound(sel, r, len, &out->lo, err))
        return -1;
    out->hi = out->lo;
    return 0;
}

int pc_selector_parse(const char *text, pc_selector *out, pc_error *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } traits[] = {{"debug", PC_TRAIT_DEBUG}, {"ft", PC_TRAIT_FT}, {"wasm", PC_TRAIT_WASM}};
    const char *sp, *p, *cls_end, *range;
    size_t n, k;
    memset(out, 0, sizeof *out);
    if (!*text)
        return pc_fail(err, "bad \"builds\" selector \"\": empty (" SELECTOR_FORMS ")");
    if (strcmp(text, "*") == 0) {
        out->any = true;
        return 0;
    }
    sp = strchr(text, ' ');
    cls_end = sp ? sp : text + strlen(text);
    /* IMPL: as sys.implementation.name gives it (lowercase) */
    for (p = text; p < cls_end && *p != '+'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (p > text && ((*p >= '0' && *p <= '9') || *p == '_'))))
            break;
    n = (size_t)(p - text);
    if (n == 0 || (p < cls_end && *p != '+'))
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": \"%.*s\" is not an implementation name "
                       "(lowercase, as sys.implementation.name: cpython, pypy, ...; " SELECTOR_FORMS ")",
                       text, (int)(cls_end - text), text);
    if (n >= sizeof out->impl)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": implementation name too long", text);
    memcpy(out->impl, text, n);
    out->impl[n] = '\0';
    while (p < cls_end) { /* at a '+' */
        const char *t = p + 1, *te = t;
        unsigned bit = 0;
        while (te < cls_end && *te != '+')
            te++;
        for (k = 0; k < sizeof traits / sizeof *traits; k++)
            if ((size_t)(te - t) == strlen(traits[k].name) && !strncmp(t, traits[k].name, (size_t)(te - t)))
                bit = traits[k].bit;
        if (!bit)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": unknown trait \"%.*s\" (known: debug, ft, "
                           "wasm)", text, (int)(te - t), t);
        if (out->traits & bit)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": trait \"%.*s\" given twice", text,
                           (int)(te - t), t);
        if (out->traits > bit)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": traits must be written in the order "
                           "debug, ft, wasm", text);
        out->traits |= bit;
        p = te;
    }
    if (!sp)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": no version range (" SELECTOR_FORMS ")", text);
    range = sp + 1;
    if (!*range || *range == ' ')
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": expected one space, then the version range "
                       "(" SELECTOR_FORMS ")", text);
    if ((p = strchr(range, ' ')) != NULL && !p[1])
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": trailing space", text);
    if (p)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": unexpected text \"%s\" after the range \"%.*s\"",
                       text, p + 1, (int)(p - range), range);
    return parse_range(text, range, out, err);
}

static unsigned interp_traits(const pc_interp *in)
{
    return (in->debug ? PC_TRAIT_DEBUG : 0) | (in->free_threaded ? PC_TRAIT_FT : 0) |
           (in->wasm ? PC_TRAIT_WASM : 0);
}

bool pc_selector_match(const pc_selector *sel, const pc_interp *in, bool plain)
{
    if (sel->any)
        return true;
    if (strcmp(sel->impl, in->impl ? in->impl : "unknown") != 0)
        return false;
    /* plain: an entry of the implementation without traits, whatever the build's */
    if (plain ? sel->traits != 0 : sel->traits != interp_traits(in))
        return false;
    if (sel->has_lo && pc_version_cmp(&in->ver, &sel->lo, sel->lo.parts) < 0)
        return false;
    if (sel->has_hi && pc_version_cmp(&in->ver, &sel->hi, sel->hi.parts) > 0)
        return false;
    return true;
}

bool pc_builds_match(const char *builds, const pc_interp *in)
{
    pc_selector sel;
    return builds && pc_selector_parse(builds, &sel, NULL) == 0 && pc_selector_match(&sel, in, false);
}

bool pc_builds_match_plain(const char *builds, const pc_interp *in)
{
    pc_selector sel;
    return builds && pc_selector_parse(builds, &sel, NULL) == 0 && pc_selector_match(&sel, in, true);
}

/* ---- loading ------------------------------------------------------------------------ */

typedef struct vctx {
    const char *path;
    const char *text;
    size_t len;
    jstep steps[5];
    size_t nsteps;
    pc_expect_file *f;
    size_t cap;
} vctx;

/* "FILE:LINE: cases["a"]["f"][0]: message", LINE being that of the value at the
 * context's steps plus `key` (when given). The message is in err already when fmt is
 * NULL. */
static int fail_at(vctx *v, const char *key, pc_error *err, const char *fmt, ...) PC_PRINTF(4, 5);
static int fail_at(vctx *v, const char *key, pc_error *err, const char *fmt, ...)
{
    char where[PC_ERROR_MAX / 2];
    jstep steps[6];
    size_t i, used = 0;
    int line;
    memcpy(steps, v->steps, v->nsteps * sizeof *steps);
    steps[v->nsteps].key = key;
    steps[v->nsteps].index = 0;
    line = line_at(v->text, v->len, steps, v->nsteps + (key != NULL));
    where[0] = '\0';
    for (i = 0; i < v->nsteps && used < sizeof where; i++) {
        int w = v->steps[i].key ? snprintf(where + used, sizeof where - used, i ? "[\"%s\"]" : "%s", v->steps[i].key)
                                : snprintf(where + used, sizeof where - used, "[%zu]", v->steps[i].index);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        pc_vfail(err, fmt, ap);
        va_end(ap);
    }
    if (*where)
        return pc_wrap(err, "%s:%d: %s", v->path, line, where);
    return pc_wrap(err, "%s:%d", v->path, line);
}

static bool one_of(const char *k, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(k, *names) == 0)
            return true;
    return false;
}

static int check_entry(vctx *v, json_t *e, pc_error *err)
{
    static const char *const keys[] = {"builds", "source", "desugared", "divergence", "reason", NULL};
    static const char *const text_keys[] = {"divergence", "reason", NULL};
    const char *k;
    json_t *val, *b;
    size_t i;
    pc_expect_sel *s;
    if (!json_is_object(e))
        return fail_at(v, NULL, err, "an entry must be an object {\"builds\", \"source\", ...}");
    json_object_foreach(e, k, val) {
        if (!one_of(k, keys))
            return fail_at(v, k, err, "unknown key \"%s\" (known: builds, source, desugared, divergence, reason)", k);
    }
    b = json_object_get(e, "builds");
    if (!b)
        return fail_at(v, NULL, err, "needs \"builds\" (a selector such as \"cpython 3.8+\")");
    if (!json_is_string(b))
        return fail_at(v, "builds", err, "\"builds\" must be a string");
    if (!json_object_get(e, "source"))
        return fail_at(v, NULL, err, "needs \"source\" (the observation, or null)");
    if (!json_is_object(json_object_get(e, "source")) && !json_is_null(json_object_get(e, "source")))
        return fail_at(v, "source", err, "\"source\" must be an observation object or null");
    val = json_object_get(e, "desugared");
    if (val && !json_is_object(val) && !json_is_null(val))
        return fail_at(v, "desugared", err, "\"desugared\" must be an observation object or null");
    for (i = 0; text_keys[i]; i++) {
        val = json_object_get(e, text_keys[i]);
        if (val && !json_is_string(val) && !json_is_null(val))
            return fail_at(v, text_keys[i], err, "\"%s\" must be a string or null", text_keys[i]);
    }
    if (pc_grow(&v->f->sels, &v->cap, v->f->nsels + 1, sizeof *v->f->sels, err))
        return -1;
    s = &v->f->sels[v->f->nsels];
    if (pc_selector_parse(json_string_value(b), &s->sel, err))
        return fail_at(v, "builds", err, NULL);
    s->entry = json_incref(e);
    v->f->nsels++;
    return 0;
}

/* Check the document's shape and parse its selectors, so later lookups can trust it. */
static int validate(vctx *v, json_t *root, pc_error *err)
{
    static const char *const keys[] = {"schema", "case_file", "cases", NULL};
    const char *cname, *fname, *k;
    json_t *cval, *fval, *cases, *val;
    if (!json_is_object(root))
        return fail_at(v, NULL, err, "top level must be an object");
    json_object_foreach(root, k, val) {
        if (!one_of(k, keys))
            return fail_at(v, k, err, "unknown key \"%s\" (known: schema, case_file, cases)", k);
    }
    val = json_object_get(root, "schema");
    if (!json_is_integer(val) || json_integer_value(val) != PC_EXPECT_SCHEMA)
        return fail_at(v, val ? "schema" : NULL, err, "\"schema\" must be %d", PC_EXPECT_SCHEMA);
    val = json_object_get(root, "case_file");
    if (val && !json_is_string(val))
        return fail_at(v, "case_file", err, "\"case_file\" must be a string");
    cases = json_object_get(root, "cases");
    if (!json_is_object(cases))
        return fail_at(v, cases ? "cases" : NULL, err, "\"cases\" must be an object");
    v->steps[0].key = "cases";
    json_object_foreach(cases, cname, cval) {
        v->steps[1].key = cname;
        v->nsteps = 2;
        if (!json_is_object(cval))
            return fail_at(v, NULL, err, "a case must be an object {function: [entries]}");
        json_object_foreach(cval, fname, fval) {
            size_t i;
            json_t *e;
            v->steps[2].key = fname;
            v->nsteps = 3;
            if (!json_is_array(fval))
                return fail_at(v, NULL, err, "a function's entries must be a list");
            json_array_foreach(fval, i, e) {
                v->steps[3].key = NULL;
                v->steps[3].index = i;
                v->nsteps = 4;
                if (check_entry(v, e, err))
                    return -1;
            }
        }
    }
    v->nsteps = 0;
    return 0;
}

static int sel_order(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const pc_expect_sel *)a)->entry, y = (uintptr_t)((const pc_expect_sel *)b)->entry;
    return x < y ? -1 : x > y;
}

/* The parsed selector of a loaded entry, or NULL for an entry added since. */
static const pc_selector *loaded_sel(const pc_expect_file *f, json_t *entry)
{
    pc_expect_sel key, *s;
    if (!f || !f->nsels)
        return NULL;
    key.entry = entry;
    s = bsearch(&key, f->sels, f->nsels, sizeof *f->sels, sel_order);
    return s ? &s->sel : NULL;
}

pc_expect_file *pc_expect_file_for(const pc_expectations *ex, const char *case_file)
{
    size_t i;
    for (i = 0; i < ex->len; i++)
        if (strcmp(ex->files[i].case_file, case_file) == 0)
            return &ex->files[i];
    return NULL;
}

static int load_one(pc_expect_file *f, pc_error *err)
{
    pc_buf text = {0};
    json_error_t jerr;
    vctx v;
    int rc;
    if (pc_read_file(f->path, &text, err)) {
        pc_buf_free(&text);
        return -1;
    }
    f->root = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!f->root) {
        pc_buf_free(&text);
        return pc_fail(err, "%s:%d: %s", f->path, jerr.line, jerr.text);
    }
    memset(&v, 0, sizeof v);
    v.path = f->path;
    v.text = text.data;
    v.len = text.len;
    v.f = f;
    rc = validate(&v, f->root, err);
    pc_buf_free(&text);
    if (rc == 0 && f->nsels > 1)
        qsort(f->sels, f->nsels, sizeof *f->sels, sel_order);
    return rc;
}

int pc_expect_load(pc_expectations *ex, const char *dir, const pc_caseset *cases, pc_error *err)
{
    size_t i;
    for (i = 0; i < cases->len; i++) {
        const char *cf = cases->items[i].file;
        pc_expect_file *f;
        if (pc_expect_file_for(ex, cf))
            continue;
        if (pc_grow(&ex->files, &ex->cap, ex->len + 1, sizeof *ex->files, err))
            return -1;
        f = &ex->files[ex->len];
        memset(f, 0, sizeof *f);
        if (!(f->path = stem_path(dir, cf, err)) || !(f->case_file = pc_strdup(cf, err))) {
            free(f->path);
            free(f->case_file);
            return -1;
        }
        ex->len++;
        if (access(f->path, F_OK) != 0) {
            const char *base = strrchr(cf, '/');
            /* a file name need not be UTF-8: kept escaped (pc_json_textz) */
            f->root = json_pack("{s:i, s:o, s:{}}", "schema", PC_EXPECT_SCHEMA, "case_file",
                                pc_json_textz(base ? base + 1 : cf), "cases");
            if (!f->root)
                return pc_oom(err);
            continue;
        }
        if (load_one(f, err))
            return -1;
    }
    return 0;
}

json_t *pc_expect_case(const pc_expectations *ex, const pc_case *kase)
{
    const pc_expect_file *f = pc_expect_file_for(ex, kase->file);
    return f ? json_object_get(json_object_get(f->root, "cases"), kase->name) : NULL;
}

json_t *pc_expect_entries(const pc_expectations *ex, const pc_case *kase, const char *function)
{
    return json_object_get(pc_expect_case(ex, kase), function);
}

json_t *pc_expect_find(const pc_expectations *ex, const pc_case *kase, const char *function,
                       const pc_interp *in)
{
    const pc_expect_file *f = pc_expect_file_for(ex, kase->file);
    json_t *entries = pc_expect_entries(ex, kase, function), *e;
    size_t i;
    int plain;
    for (plain = 0; plain < 2; plain++) {
        json_array_foreach(entries, i, e) {
            const pc_selector *sel = loaded_sel(f, e);
            pc_selector fresh;
            if (!sel) {
                const char *b = json_string_value(json_object_get(e, "builds"));
                if (!b || pc_selector_parse(b, &fresh, NULL))
                    continue;
                sel = &fresh;
            }
            if (pc_selector_match(sel, in, plain))
                return e;
        }
    }
    return NULL;
}

void pc_expect_free(pc_expectations *ex)
{
    size_t i;
    for (i = 0; i < ex->len; i++) {
        size_t k;
        free(ex->files[i].path);
        free(ex->files[i].case_file);
        json_decref(ex->files[i].root);
        for (k = 0; k < ex->files[i].nsels; k++)
            json_decref(ex->files[i].sels[k].entry);
        free(ex->files[i].sels);
    }
    free(ex->files);
    memset(ex, 0, sizeof *ex);
}

/* ---- stale expectations ---------------------------------------------------------- */

int pc_stale_add(pc_stale_list *l, pc_stale_kind kind, const pc_expect_file *f, const char *kase,
                 const char *function, const char *interp, pc_error *err)
{
    pc_stale *s;
    if (pc_grow(&l->items, &l->cap, l->len + 1, sizeof *l->items, err))
        return -1;
    s = &l->items[l->len];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->file = f->path;
    s->case_file = f->case_file;
    if (!(s->kase = pc_strdup(kase, err)) || (function && !(s->function = pc_strdup(function, err))) ||
        (interp && !(s->interp = pc_strdup(interp, err)))) {
        free(s->kase);
        free(s->function);
        return -1;
    }
    l->len++;
    return 0;
}

int pc_expect_stale_cases(const pc_expectations *ex, const pc_caseset *cases, pc_stale_list *out,
                          pc_error *err)
{
    size_t i;
    for (i = 0; i < ex->len; i++) {
        const pc_expect_file *f = &ex->files[i];
        const char *cname, *fname;
        json_t *cval, *fval;
        json_object_foreach(json_object_get(f->root, "cases"), cname, cval) {
            const pc_case *k = pc_caseset_find(cases, cname);
            if (k && strcmp(k->file, f->case_file) == 0)
                continue;
            if (json_object_size(cval) == 0 && pc_stale_add(out, PC_STALE_CASE, f, cname, NULL, NULL, err))
                return -1;
            json_object_foreach(cval, fname, fval) {
                if (pc_stale_add(out, PC_STALE_CASE, f, cname, fname, NULL, err))
                    return -1;
            }
        }
    }
    return 0;
}

void pc_stale_describe(const pc_stale *s, char *out, size_t size)
{
    if (s->kind == PC_STALE_CASE)
        snprintf(out, size, "%s defines no case \"%s\"", s->case_file, s->kase);
    else
        snprintf(out, size, "no job of the run reported it, though %s ran the case and expected/ "
                 "says it defines it", s->interp ? s->interp : "a build");
}

void pc_stale_list_free(pc_stale_list *l)
{
    size_t i;
    for (i = 0; i < l->len; i++) {
        free(l->items[i].kase);
        free(l->items[i].function);
        free(l->items[i].interp);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- selectors ------------------------------------------------------------------- */

void pc_builds_class(const pc_interp *in, char *out, size_t size)
{
    char traits[32];
    pc_interp_traits(in, traits, sizeof traits);
    snprintf(out, size, "%s%s", in->impl ? in->impl : "unknown", traits);
}

int pc_builds_cmp(const pc_interp *a, const pc_interp *b)
{
    char ca[128], cb[128];
    int c;
    pc_builds_class(a, ca, sizeof ca);
    pc_builds_class(b, cb, sizeof cb);
    if ((c = strcmp(ca, cb)) != 0)
        return c;
    return pc_version_cmp(&a->ver, &b->ver, 5);
}

/* The fewest fields (2, 3 or 5) that tell v apart from `other` in direction `sign`. */
static int depth_apart(const pc_version *v, const pc_version *other, int sign)
{
    static const int depths[] = {2, 3, 5};
    size_t i;
    for (i = 0; i < 3; i++)
        if (pc_version_cmp(v, other, depths[i]) * sign > 0)
            return depths[i];
    return 5;
}

void pc_builds_label(const pc_interp *const *members, size_t n, size_t first, size_t last,
                     char *out, size_t size)
{
    char cls[128], lo[32], hi[32];
    int dl = 2, dh = 2;
    pc_builds_class(members[first], cls, sizeof cls);
    if (first > 0)
        dl = depth_apart(&members[first]->ver, &members[first - 1]->ver, +1);
    if (dl == 3) {
        /* same minor as the previous group: start right after it, so that releases
         * between the two known ones fall into the later group (3.13.0 | 3.13.1+) */
        pc_version start = members[first - 1]->ver;
        start.v[2]++;
        pc_version_format(&start, 3, lo, sizeof lo);
    } else {
        pc_version_format(&members[first]->ver, dl, lo, sizeof lo);
    }
    if (last + 1 >= n) {
        snprintf(out, size, "%s %s+", cls, lo);
        return;
    }
    dh = depth_apart(&members[last]->ver, &members[last + 1]->ver, -1);
    pc_version_format(&members[last]->ver, dh, hi, sizeof hi);
    /* "3.13-3.13.0" says "3.13.0": a range from a minor up to its first release */
    if (dl == 2 && dh == 3 && pc_version_cmp(&members[first]->ver, &members[last]->ver, 2) == 0 &&
        members[last]->ver.v[2] == 0)
        snprintf(lo, sizeof lo, "%s", hi);
    if (strcmp(lo, hi) == 0)
        snprintf(out, size, "%s %s", cls, lo);
    else
        snprintf(out, size, "%s %s-%s", cls, lo, hi);
}

int pc_builds_label_sel(const pc_interp *const *members, size_t n, size_t first, size_t last,
                        pc_selector *out, pc_error *err)
{
    char label[256];
    pc_builds_label(members, n, first, last, label, sizeof label);
    return pc_selector_parse(label, out, err);
}

/* ---- selectors: printing ----------------------------------------------------------- */

static void format_bound(const pc_version *v, char *out, size_t size)
{
    pc_version_format(v, v->parts, out, size);
}

void pc_selector_format(const pc_selector *sel, char *out, size_t size)
{
    char lo[48], hi[48];
    if (sel->any) {
        snprintf(out, size, "*");
        return;
    }
    if (sel->has_lo)
        format_bound(&sel->lo, lo, sizeof lo);
    if (sel->has_hi)
        format_bound(&sel->hi, hi, sizeof hi);
    snprintf(out, size, "%s%s%s%s %s%s%s", sel->impl, sel->traits & PC_TRAIT_DEBUG ? "+debug" : "",
             sel->traits & PC_TRAIT_FT ? "+ft" : "", sel->traits & PC_TRAIT_WASM ? "+wasm" : "",
             !sel->has_lo ? "*" : lo,
             sel->has_lo && !sel->has_hi ? "+" : sel->has_hi && strcmp(lo, hi) != 0 ? "-" : "",
             sel->has_hi && strcmp(lo, hi) != 0 ? hi : "");
}

static bool bound_equal(const pc_version *a, const pc_version *b)
{
    return a->parts == b->parts && pc_version_cmp(a, b, a->parts) == 0;
}

bool pc_selector_equal(const pc_selector *a, const pc_selector *b)
{
    if (a->any || b->any)
        return a->any == b->any;
    return strcmp(a->impl, b->impl) == 0 && a->traits == b->traits && a->has_lo == b->has_lo &&
           a->has_hi == b->has_hi && (!a->has_lo || bound_equal(&a->lo, &b->lo)) &&
           (!a->has_hi || bound_equal(&a->hi, &b->hi));
}

bool pc_selector_is_class(const pc_selector *sel, const pc_interp *in)
{
    return !sel->any && strcmp(sel->impl, in->impl ? in->impl : "unknown") == 0 &&
           sel->traits == interp_traits(in);
}

/* ---- reading: views ---------------------------------------------------------------- */

/* Fill a view of entry e of file f; false when its selector does not parse (an entry
 * put in by hand since loading). */
static bool view_of(const pc_expect_file *f, json_t *e, pc_expect_entry *out)
{
    const pc_selector *sel = loaded_sel(f, e);
    json_t *d;
    memset(out, 0, sizeof *out);
    out->builds_text = json_string_value(json_object_get(e, "builds"));
    if (sel)
        out->builds = *sel;
    else if (!out->builds_text || pc_selector_parse(out->builds_text, &out->builds, NULL))
        return false;
    out->source = json_object_get(e, "source");
    if (!out->source)
        out->source = json_null();
    d = json_object_get(e, "desugared");
    out->desugared = d;
    out->divergence = d ? json_string_value(json_object_get(e, "divergence")) : NULL;
    out->reason = json_string_value(json_object_get(e, "reason"));
    return true;
}

bool pc_expect_lookup(const pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_interp *in, pc_expect_entry *out)
{
    json_t *e = pc_expect_find(ex, kase, function, in);
    if (e && view_of(pc_expect_file_for(ex, kase->file), e, out))
        return true;
    memset(out, 0, sizeof *out);
    return false;
}

json_t *pc_expect_want(const pc_expect_entry *e, bool desugared)
{
    return desugared && e->desugared ? e->desugared : e->source;
}

size_t pc_expect_count(const pc_expectations *ex, const pc_case *kase, const char *function)
{
    return json_array_size(pc_expect_entries(ex, kase, function));
}

bool pc_expect_get(const pc_expectations *ex, const pc_case *kase, const char *function, size_t i,
                   pc_expect_entry *out)
{
    json_t *e = json_array_get(pc_expect_entries(ex, kase, function), i);
    if (e && view_of(pc_expect_file_for(ex, kase->file), e, out))
        return true;
    memset(out, 0, sizeof *out);
    return false;
}

void pc_expect_functions(const pc_expectations *ex, const pc_case *kase, pc_expect_iter *it)
{
    it->block = pc_expect_case(ex, kase);
    it->at = it->block ? json_object_iter(it->block) : NULL;
}

const char *pc_expect_next(pc_expect_iter *it)
{
    const char *name;
    if (!it->at)
        return NULL;
    name = json_object_iter_key(it->at);
    it->at = json_object_iter_next(it->block, it->at);
    return name;
}

/* ---- writing ------------------------------------------------------------------------ */

/* A new entry object, keys in the canonical order. */
static json_t *entry_json(const pc_expect_entry *e, pc_error *err)
{
    char builds[256];
    json_t *o;
    pc_selector parsed;
    /* the text as written when it says the same (a hand-written selector stays) */
    if (e->builds_text && strlen(e->builds_text) < sizeof builds &&
        pc_selector_parse(e->builds_text, &parsed, NULL) == 0 && pc_selector_equal(&parsed, &e->builds))
        snprintf(builds, sizeof builds, "%s", e->builds_text);
    else
        pc_selector_format(&e->builds, builds, sizeof builds);
    o = json_pack("{s:s, s:O}", "builds", builds, "source", e->source ? e->source : json_null());
    if (!o)
        goto oom;
    if (e->desugared &&
        (json_object_set(o, "desugared", e->desugared) ||
         json_object_set_new(o, "divergence", e->divergence ? json_string(e->divergence) : json_null())))
        goto oom;
    if (e->reason && json_object_set_new(o, "reason", json_string(e->reason)))
        goto oom;
    return o;
oom:
    json_decref(o);
    pc_oom(err);
    return NULL;
}

/* The entries array of a function; with `create`, the case block and the array are
 * made when missing. NULL (err set only with create) when there is none. */
static json_t *fn_array(pc_expectations *ex, const pc_case *kase, const char *function, bool create,
                        pc_expect_file **fp, pc_error *err)
{
    pc_expect_file *f = pc_expect_file_for(ex, kase->file);
    json_t *all, *block, *arr;
    *fp = f;
    if (!f) {
        if (create)
            pc_fail(err, "%s: no expectation file loaded for this case file", kase->file);
        return NULL;
    }
    all = json_object_get(f->root, "cases");
    block = json_object_get(all, kase->name);
    if (!block) {
        if (!create)
            return NULL;
        if (json_object_set_new(all, kase->name, json_object()) || !(block = json_object_get(all, kase->name))) {
            pc_oom(err);
            return NULL;
        }
        f->dirty = true;
    }
    arr = json_object_get(block, function);
    if (!arr && create) {
        if (json_object_set_new(block, function, json_array()) || !(arr = json_object_get(block, function))) {
            pc_oom(err);
            return NULL;
        }
        f->dirty = true;
    }
    return arr;
}

/* The index of the entry with selector sel in arr, or -1. */
static long find_sel(const pc_expect_file *f, json_t *arr, const pc_selector *sel)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        pc_expect_entry v;
        if (view_of(f, e, &v) && pc_selector_equal(&v.builds, sel))
            return (long)i;
    }
    return -1;
}

int pc_expect_set(pc_expectations *ex, const pc_case *kase, const char *function,
                  const pc_expect_entry *e, pc_error *err)
{
    pc_expect_file *f;
    json_t *arr = fn_array(ex, kase, function, true, &f, err), *o;
    long at;
    if (!arr)
        return -1;
    if (!(o = entry_json(e, err)))
        return -1;
    at = find_sel(f, arr, &e->builds);
    if (at >= 0 && json_equal(json_array_get(arr, (size_t)at), o)) {
        json_decref(o);
        return 0;
    }
    if (at >= 0 ? json_array_set_new(arr, (size_t)at, o) : json_array_append_new(arr, o))
        return pc_oom(err);
    f->dirty = true;
    return 0;
}

int pc_expect_mark_divergence(pc_expectations *ex, const pc_case *kase, const char *function,
                              const pc_selector *builds, json_t *desugared, const char *reason,
                              pc_error *err)
{
    pc_expect_file *f;
    json_t *arr = fn_array(ex, kase, function, false, &f, err);
    pc_expect_entry v;
    long at = arr ? find_sel(f, arr, builds) : -1;
    char text[256];
    if (at < 0) {
        pc_selector_format(builds, text, sizeof text);
        return pc_fail(err, "%s: case \"%s\" function \"%s\": no entry for \"%s\" to mark a divergence on",
                       kase->file, kase->name, function, text);
    }
    view_of(f, json_array_get(arr, (size_t)at), &v);
    v.desugared = desugared;
    v.divergence = reason;
    return pc_expect_set(ex, kase, function, &v, err);
}

int pc_expect_replace(pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_expect_entry *entries, size_t n, bool *changed, pc_error *err)
{
    pc_expect_file *f;
    json_t *old = fn_array(ex, kase, function, false, &f, err), *arr = json_array();
    size_t i;
    if (changed)
        *changed = false;
    if (!arr)
        return pc_oom(err);
    for (i = 0; i < n; i++) {
        json_t *o = entry_json(&entries[i], err);
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return o ? pc_oom(err) : -1;
        }
    }
    if ((!old && n == 0) || (old && json_equal(old, arr))) {
        json_decref(arr);
        return 0;
    }
    if (changed)
        *changed = true;
    if (n == 0) {
        json_decref(arr);
        pc_expect_drop(ex, kase, function, NULL);
        return 0;
    }
    if (!old && !fn_array(ex, kase, function, true, &f, err)) {
        json_decref(arr);
        return -1;
    }
    if (json_object_set_new(pc_expect_case(ex, kase), function, arr))
        return pc_oom(err);
    f->dirty = true;
    return 0;
}

size_t pc_expect_drop(pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_selector *builds)
{
    pc_expect_file *f;
    json_t *arr = fn_array(ex, kase, function, false, &f, NULL);
    size_t dropped = 0;
    long at;
    if (!arr)
        return 0;
    if (!builds) {
        dropped = json_array_size(arr);
        json_array_clear(arr);
    }
    while (builds && (at = find_sel(f, arr, builds)) >= 0) {
        json_array_remove(arr, (size_t)at);
        dropped++;
    }
    if (json_array_size(arr) == 0) {
        json_object_del(pc_expect_case(ex, kase), function);
        f->dirty = true;
    }
    f->dirty |= dropped > 0;
    return dropped;
}

bool pc_expect_drop_case(pc_expectations *ex, const char *case_file, const char *name,
                         size_t *functions)
{
    pc_expect_file *f = pc_expect_file_for(ex, case_file);
    json_t *all = f ? json_object_get(f->root, "cases") : NULL, *block = json_object_get(all, name);
    if (functions)
        *functions = json_object_size(block);
    if (!block)
        return false;
    json_object_del(all, name);
    f->dirty = true;
    return true;
}

char *pc_expect_text(const pc_expect_file *f, size_t *len, pc_error *err)
{
    char *text = json_dumps(f->root, JSON_INDENT(2) | JSON_ENSURE_ASCII), *out;
    if (!text) {
        pc_oom(err);
        return NULL;
    }
    out = pc_asprintf(err, "%s\n", text);
    free(text);
    if (out)
        *len = strlen(out);
    return out;
}

/* Is the file at path exactly text[0..len)? */
static bool same_on_disk(const char *path, const char *text, size_t len)
{
    pc_buf have = {0};
    bool same = pc_read_file(path, &have, NULL) == 0 && have.len == len && memcmp(have.data, text, len) == 0;
    pc_buf_free(&have);
    return same;
}

/* mkdir -p the directory of a file path. */
static int make_parent(const char *path, pc_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int rc;
    if (!slash || slash == path)
        return 0;
    if (!(dir = pc_strndup(path, (size_t)(slash - path), err)))
        return -1;
    rc = pc_mkdir_p(dir, err);
    free(dir);
    return rc;
}

int pc_expect_save(pc_expectations *ex, FILE *log, size_t *written, pc_error *err)
{
    size_t i, n = 0;
    int rc = 0;
    for (i = 0; i < ex->len && rc == 0; i++) {
        pc_expect_file *f = &ex->files[i];
        size_t len;
        char *text;
        if (!f->dirty)
            continue;
        if (!(text = pc_expect_text(f, &len, err)))
            rc = -1;
        else if (!same_on_disk(f->path, text, len)) {
            rc = make_parent(f->path, err) || pc_write_atomic(f->path, text, len, err) ? -1 : 0;
            if (rc == 0) {
                n++;
                if (log)
                    fprintf(log, "pyconform: wrote %s\n", f->path);
            }
        }
        free(text);
        if (rc == 0)
            f->dirty = false;
    }
    if (written)
        *written = n;
    return rc;
}
