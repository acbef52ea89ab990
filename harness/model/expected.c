/* expected.c - see expected.h. */
#include "expected.h"

#include <errno.h>
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

/* ---- the compact store ------------------------------------------------------------- */

/* The keys of an entry, each a code of 3 bits; an entry's `keys` lists those it has in
 * the order the file writes them, the first in the lowest bits, 0 ending the list. */
enum { K_BUILDS = 1, K_SOURCE, K_DESUGARED, K_DIVERGENCE, K_REASON };
static const char *const key_names[] = {NULL, "builds", "source", "desugared", "divergence", "reason"};

/* One entry. */
typedef struct xentry {
    uint32_t sel;          /* id in ex->sels */
    uint32_t source;       /* id in ex->obs (never 0) */
    uint32_t desugared;    /* id in ex->obs; 0: no "desugared" */
    uint32_t source_w;     /* id in ex->written: source as the file writes it; 0: as canonical */
    uint32_t desugared_w;
    uint32_t divergence;   /* id in ex->strs; 0: null (or no such key: see keys) */
    uint32_t reason;
    uint16_t keys;
} xentry;

/* One function of a case block: its entries, in order. Most functions have one entry
 * (and a store may hold 100k functions): while cap <= 1 it is held in place (`one`),
 * past that in an array of its own (`e`). Read them through ents(). */
typedef struct xfn {
    const char *name; /* interned in ex->strs */
    union {
        xentry *e;    /* cap > 1 */
        xentry one;   /* cap <= 1 */
    } u;
    uint32_t n, cap;
} xfn;

static xentry *ents(const xfn *fn)
{
    return fn->cap > 1 ? fn->u.e : (xentry *)&fn->u.one;
}

/* Room for `need` entries. */
static int ents_fit(xfn *fn, size_t need, pc_error *err)
{
    size_t ncap;
    xentry *p;
    if (need <= fn->cap)
        return 0;
    if (need == 1) {
        fn->cap = 1; /* in place */
        return 0;
    }
    if (need > UINT32_MAX / 2)
        return pc_oom(err);
    ncap = fn->cap * 2 < need ? need : fn->cap * 2;
    if (fn->cap > 1) {
        if (!(p = realloc(fn->u.e, ncap * sizeof *p)))
            return pc_oom(err);
    } else {
        if (!(p = malloc(ncap * sizeof *p)))
            return pc_oom(err);
        if (fn->n)
            p[0] = fn->u.one;
    }
    fn->u.e = p;
    fn->cap = (uint32_t)ncap;
    return 0;
}

static void ents_free(xfn *fn)
{
    if (fn->cap > 1)
        free(fn->u.e);
    fn->cap = fn->n = 0;
}

struct pc_expect_block {
    xfn *fns;
    uint32_t n, cap;
    bool live; /* recorded (in f->order) */
};

/* Grow a small array (a function's entries, a block's functions: most hold one or two)
 * to hold `need`: exactly at first, doubling after. */
static int grow_small(void *items_ptr, uint32_t *cap, size_t need, size_t elem, pc_error *err)
{
    void **items = items_ptr;
    size_t ncap = *cap;
    void *p;
    if (need <= ncap)
        return 0;
    if (need > UINT32_MAX / 2)
        return pc_oom(err);
    ncap = ncap == 0 ? need : ncap * 2 < need ? need : ncap * 2;
    if (!(p = realloc(*items, ncap * elem)))
        return pc_oom(err);
    *items = p;
    *cap = (uint32_t)ncap;
    return 0;
}

static bool has_key(const xentry *r, unsigned key)
{
    unsigned k;
    for (k = r->keys; k; k >>= 3)
        if ((k & 7u) == key)
            return true;
    return false;
}

static uint16_t key_push(uint16_t keys, unsigned key)
{
    unsigned shift = 0;
    while ((keys >> shift) & 7u)
        shift += 3;
    return (uint16_t)(keys | (key << shift));
}

/* The id of a `builds` text, parsed when new (err: what is wrong with it). */
static uint32_t sel_id(pc_expectations *ex, const char *text, pc_error *err)
{
    pc_selector sel;
    uint32_t id = pc_intern_find(&ex->sels, text, strlen(text));
    if (id)
        return id;
    if (pc_selector_parse(text, &sel, err))
        return 0;
    if (pc_grow(&ex->parsed, &ex->parsed_cap, ex->sels.len + 1, sizeof *ex->parsed, err))
        return 0;
    if (!(id = pc_intern_add(&ex->sels, text, strlen(text), err)))
        return 0;
    ex->parsed[id - 1] = sel;
    return id;
}

static const pc_selector *sel_of(const pc_expectations *ex, uint32_t id)
{
    return &ex->parsed[id - 1];
}

static uint32_t str_id(pc_expectations *ex, const char *s, pc_error *err)
{
    return pc_intern_add(&ex->strs, s, strlen(s), err);
}

/* An observation value: its canonical id, and *written the id of the text the file
 * writes when that differs (0 when not). */
static uint32_t obs_id(pc_expectations *ex, json_t *v, uint32_t *written, pc_error *err)
{
    /* the canonical text is pc_intern_json's (intern.h); made here to compare with the
     * file's, which a spilling store could not give back as a pointer */
    char *canon = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    char *as = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    uint32_t id = 0;
    *written = 0;
    if (!canon || !as)
        pc_oom(err);
    else if ((id = pc_intern_add(&ex->obs, canon, strlen(canon), err)) && strcmp(as, canon) != 0 &&
             !(*written = pc_intern_add(&ex->written, as, strlen(as), err)))
        id = 0;
    free(canon);
    free(as);
    return id;
}

/* The block named by id of file f, making room for it. */
static int blocks_fit(pc_expect_file *f, pc_error *err)
{
    size_t old = f->blocks_cap;
    if (f->names.len <= f->blocks_cap)
        return 0;
    if (pc_grow(&f->blocks, &f->blocks_cap, f->names.len, sizeof *f->blocks, err))
        return -1;
    memset(f->blocks + old, 0, (f->blocks_cap - old) * sizeof *f->blocks);
    return 0;
}

/* The block `name` of f, created (empty, at the end) when missing; NULL when out of
 * memory. */
static struct pc_expect_block *block_add(pc_expect_file *f, const char *name, pc_error *err)
{
    uint32_t id = pc_intern_add(&f->names, name, strlen(name), err);
    struct pc_expect_block *b;
    if (!id || blocks_fit(f, err))
        return NULL;
    b = &f->blocks[id - 1];
    if (!b->live) {
        if (pc_grow(&f->order, &f->order_cap, f->norder + 1, sizeof *f->order, err))
            return NULL;
        f->order[f->norder++] = id;
        b->live = true;
    }
    return b;
}

static struct pc_expect_block *block_find(const pc_expect_file *f, const char *name)
{
    uint32_t id = f ? pc_intern_find(&f->names, name, strlen(name)) : 0;
    return id && f->blocks[id - 1].live ? &f->blocks[id - 1] : NULL;
}

static xfn *fn_find(const pc_expectations *ex, const struct pc_expect_block *b, const char *function)
{
    uint32_t id;
    const char *name;
    size_t i;
    if (!b || !(id = pc_intern_find(&ex->strs, function, strlen(function))))
        return NULL;
    name = pc_intern_text(&ex->strs, id);
    for (i = 0; i < b->n; i++)
        if (b->fns[i].name == name)
            return &b->fns[i];
    return NULL;
}

static xfn *fn_add(pc_expectations *ex, struct pc_expect_block *b, const char *function, pc_error *err)
{
    uint32_t id;
    xfn *fn = fn_find(ex, b, function);
    if (fn)
        return fn;
    if (!(id = str_id(ex, function, err)) || grow_small(&b->fns, &b->cap, b->n + 1, sizeof *b->fns, err))
        return NULL;
    fn = &b->fns[b->n++];
    memset(fn, 0, sizeof *fn);
    fn->name = pc_intern_text(&ex->strs, id);
    return fn;
}

static void fn_del(struct pc_expect_block *b, xfn *fn)
{
    size_t at = (size_t)(fn - b->fns);
    ents_free(fn);
    memmove(fn, fn + 1, (b->n - at - 1) * sizeof *fn);
    b->n--;
}

static void block_clear(struct pc_expect_block *b)
{
    size_t i;
    for (i = 0; i < b->n; i++)
        ents_free(&b->fns[i]);
    free(b->fns);
    memset(b, 0, sizeof *b);
}

static void file_free(pc_expect_file *f)
{
    size_t i;
    free(f->path);
    free(f->case_file);
    json_decref(f->head);
    for (i = 0; i < f->blocks_cap; i++)
        block_clear(&f->blocks[i]);
    free(f->blocks);
    free(f->order);
    pc_intern_free(&f->names);
}

/* ---- loading ------------------------------------------------------------------------ */

typedef struct vctx {
    const char *path;
    const char *text;
    size_t len;
    jstep steps[5];
    size_t nsteps;
    pc_expectations *ex;
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

/* Check one entry and make its record (*r). */
static int check_entry(vctx *v, json_t *e, xentry *r, pc_error *err)
{
    static const char *const keys[] = {"builds", "source", "desugared", "divergence", "reason", NULL};
    static const char *const text_keys[] = {"divergence", "reason", NULL};
    const char *k;
    json_t *val, *b;
    size_t i;
    memset(r, 0, sizeof *r);
    if (!json_is_object(e))
        return fail_at(v, NULL, err, "an entry must be an object {\"builds\", \"source\", ...}");
    json_object_foreach(e, k, val) {
        unsigned code;
        if (!one_of(k, keys))
            return fail_at(v, k, err, "unknown key \"%s\" (known: builds, source, desugared, divergence, reason)", k);
        for (code = K_BUILDS; strcmp(key_names[code], k) != 0; code++)
            ;
        r->keys = key_push(r->keys, code);
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
    if (!(r->sel = sel_id(v->ex, json_string_value(b), err)))
        return fail_at(v, "builds", err, NULL);
    if (!(r->source = obs_id(v->ex, json_object_get(e, "source"), &r->source_w, err)))
        return -1;
    if ((val = json_object_get(e, "desugared")) && !(r->desugared = obs_id(v->ex, val, &r->desugared_w, err)))
        return -1;
    if ((val = json_object_get(e, "divergence")) && json_is_string(val) &&
        !(r->divergence = str_id(v->ex, json_string_value(val), err)))
        return -1;
    if ((val = json_object_get(e, "reason")) && json_is_string(val) &&
        !(r->reason = str_id(v->ex, json_string_value(val), err)))
        return -1;
    return 0;
}

/* Check the document's shape and parse its selectors, so later lookups can trust it,
 * and keep it as records in f. */
static int validate(vctx *v, json_t *root, pc_expect_file *f, pc_error *err)
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
        struct pc_expect_block *b;
        v->steps[1].key = cname;
        v->nsteps = 2;
        if (!json_is_object(cval))
            return fail_at(v, NULL, err, "a case must be an object {function: [entries]}");
        if (!(b = block_add(f, cname, err)) ||
            (json_object_size(cval) && grow_small(&b->fns, &b->cap, json_object_size(cval), sizeof *b->fns, err)))
            return -1;
        json_object_foreach(cval, fname, fval) {
            size_t i;
            json_t *e;
            xfn *fn;
            v->steps[2].key = fname;
            v->nsteps = 3;
            if (!json_is_array(fval))
                return fail_at(v, NULL, err, "a function's entries must be a list");
            if (!(fn = fn_add(v->ex, b, fname, err)))
                return -1;
            if (json_array_size(fval) &&
                ents_fit(fn, json_array_size(fval), err))
                return -1;
            json_array_foreach(fval, i, e) {
                v->steps[3].key = NULL;
                v->steps[3].index = i;
                v->nsteps = 4;
                if (check_entry(v, e, &ents(fn)[fn->n], err))
                    return -1;
                fn->n++;
            }
        }
    }
    v->nsteps = 0;
    return 0;
}

pc_expect_file *pc_expect_file_for(const pc_expectations *ex, const char *case_file)
{
    size_t i;
    for (i = 0; i < ex->len; i++)
        if (strcmp(ex->files[i].case_file, case_file) == 0)
            return &ex->files[i];
    return NULL;
}

static int load_one(pc_expectations *ex, pc_expect_file *f, pc_error *err)
{
    pc_buf text = {0};
    json_error_t jerr;
    json_t *root;
    vctx v;
    int rc;
    if (pc_read_file(f->path, &text, err)) {
        pc_buf_free(&text);
        return -1;
    }
    root = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        pc_buf_free(&text);
        return pc_fail(err, "%s:%d: %s", f->path, jerr.line, jerr.text);
    }
    memset(&v, 0, sizeof v);
    v.path = f->path;
    v.text = text.data;
    v.len = text.len;
    v.ex = ex;
    rc = validate(&v, root, f, err);
    pc_buf_free(&text);
    /* the records hold the cases now: keep only the rest ("cases" keeps its place) */
    if (rc == 0 && json_object_set_new(root, "cases", json_object()))
        rc = pc_oom(err);
    if (rc == 0)
        f->head = root;
    else
        json_decref(root);
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
            f->head = json_pack("{s:i, s:o, s:{}}", "schema", PC_EXPECT_SCHEMA, "case_file",
                                pc_json_textz(base ? base + 1 : cf), "cases");
            if (!f->head)
                return pc_oom(err);
            continue;
        }
        if (load_one(ex, f, err))
            return -1;
    }
    return 0;
}

void pc_expect_free(pc_expectations *ex)
{
    size_t i;
    for (i = 0; i < ex->len; i++)
        file_free(&ex->files[i]);
    free(ex->files);
    pc_intern_free(&ex->obs);
    pc_intern_free(&ex->written);
    pc_intern_free(&ex->strs);
    pc_intern_free(&ex->sels);
    free(ex->parsed);
    if (ex->spill[0])
        fclose(ex->spill[0]);
    if (ex->spill[1])
        fclose(ex->spill[1]);
    memset(ex, 0, sizeof *ex);
}

int pc_expect_spill(pc_expectations *ex, pc_error *err)
{
    int k;
    if (ex->len || ex->obs.len || ex->written.len)
        return pc_fail(err, "expected: spill mode must be chosen before loading");
    for (k = 0; k < 2; k++) {
        if (!(ex->spill[k] = tmpfile()))
            return pc_fail(err, "cannot create a temporary file for the expectations: %s",
                           strerror(errno));
        if (pc_intern_spill(k ? &ex->written : &ex->obs, fileno(ex->spill[k]), err))
            return -1;
    }
    return 0;
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
    size_t i, c, k;
    /* linear: each file's recorded blocks are marked by the case set's blocks of its case
     * file (a block shares its file's path pointer), not looked up one by one */
    for (i = 0; i < ex->len; i++) {
        const pc_expect_file *f = &ex->files[i];
        const char *path = NULL;
        unsigned char *seen;
        for (c = 0; c < cases->nfiles && !path; c++)
            if (strcmp(cases->files[c].path, f->case_file) == 0)
                path = cases->files[c].path;
        if (!(seen = calloc(f->names.len + 1, 1)))
            return pc_oom(err);
        for (c = 0; path && c < cases->len; c++) {
            const pc_case *kase = &cases->items[c];
            uint32_t id;
            if (kase->file == path &&
                (id = pc_intern_find(&f->names, kase->name, strlen(kase->name))) != 0)
                seen[id] = 1;
        }
        for (c = 0; c < f->norder; c++) {
            const char *cname = pc_intern_text(&f->names, f->order[c]);
            const struct pc_expect_block *b = &f->blocks[f->order[c] - 1];
            if (seen[f->order[c]])
                continue;
            if (b->n == 0 && pc_stale_add(out, PC_STALE_CASE, f, cname, NULL, NULL, err))
                goto fail;
            for (k = 0; k < b->n; k++)
                if (pc_stale_add(out, PC_STALE_CASE, f, cname, b->fns[k].name, NULL, err))
                    goto fail;
        }
        free(seen);
        continue;
    fail:
        free(seen);
        return -1;
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

/* ---- reading: views ---------------------------------------------------------------- */

static void view_of(const pc_expectations *ex, const xentry *r, pc_expect_entry *out)
{
    memset(out, 0, sizeof *out);
    out->builds_text = pc_intern_text(&ex->sels, r->sel);
    out->builds = *sel_of(ex, r->sel);
    out->source = pc_intern_text(&ex->obs, r->source);
    out->source_written = r->source_w ? pc_intern_text(&ex->written, r->source_w) : out->source;
    if (r->desugared) {
        out->desugared = pc_intern_text(&ex->obs, r->desugared);
        out->desugared_written = r->desugared_w ? pc_intern_text(&ex->written, r->desugared_w)
                                                : out->desugared;
        out->divergence = pc_intern_text(&ex->strs, r->divergence);
    }
    out->reason = pc_intern_text(&ex->strs, r->reason);
    out->source_id = r->source;
    out->desugared_id = r->desugared;
    out->source_written_id = r->source_w;
    out->desugared_written_id = r->desugared_w;
}

static const xfn *entries_of(const pc_expectations *ex, const pc_case *kase, const char *function)
{
    return fn_find(ex, block_find(pc_expect_file_for(ex, kase->file), kase->name), function);
}

bool pc_expect_lookup(const pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_interp *in, pc_expect_entry *out)
{
    const xfn *fn = entries_of(ex, kase, function);
    size_t i;
    int plain;
    for (plain = 0; fn && plain < 2; plain++)
        for (i = 0; i < fn->n; i++)
            if (pc_selector_match(sel_of(ex, ents(fn)[i].sel), in, plain)) {
                view_of(ex, &ents(fn)[i], out);
                return true;
            }
    memset(out, 0, sizeof *out);
    return false;
}

const char *pc_expect_want(const pc_expect_entry *e, bool desugared)
{
    return desugared && e->desugared ? e->desugared : e->source;
}

json_t *pc_expect_want_json(const pc_expect_entry *e, bool desugared)
{
    const char *written = desugared && e->desugared ? e->desugared_written : e->source_written;
    return pc_expect_json(written ? written : pc_expect_want(e, desugared));
}

uint32_t pc_expect_want_id(const pc_expect_entry *e, bool desugared)
{
    return desugared && e->desugared_id ? e->desugared_id : e->source_id;
}

json_t *pc_expect_want_load(const pc_expectations *ex, const pc_expect_entry *e, bool desugared)
{
    uint32_t w = desugared && e->desugared_id ? e->desugared_written_id : e->source_written_id;
    return w ? pc_intern_load(&ex->written, w) : pc_intern_load(&ex->obs, pc_expect_want_id(e, desugared));
}

bool pc_expect_id_defined(const pc_expectations *ex, uint32_t id)
{
    return id && id != pc_intern_find(&ex->obs, "null", 4);
}

bool pc_expect_id_is(const pc_expectations *ex, uint32_t id, const pc_intern *in, uint32_t obs)
{
    return pc_intern_same(&ex->obs, id, in, obs);
}

bool pc_expect_defined(const char *obs)
{
    return obs && strcmp(obs, "null") != 0;
}

json_t *pc_expect_json(const char *obs)
{
    return obs ? json_loads(obs, JSON_DECODE_ANY, NULL) : NULL;
}

const char *pc_expect_obs(pc_expectations *ex, json_t *value, pc_error *err)
{
    uint32_t id = pc_intern_json(&ex->obs, value, err);
    return id ? pc_intern_text(&ex->obs, id) : NULL;
}

size_t pc_expect_count(const pc_expectations *ex, const pc_case *kase, const char *function)
{
    const xfn *fn = entries_of(ex, kase, function);
    return fn ? fn->n : 0;
}

bool pc_expect_get(const pc_expectations *ex, const pc_case *kase, const char *function, size_t i,
                   pc_expect_entry *out)
{
    const xfn *fn = entries_of(ex, kase, function);
    if (fn && i < fn->n) {
        view_of(ex, &ents(fn)[i], out);
        return true;
    }
    memset(out, 0, sizeof *out);
    return false;
}

void pc_expect_functions(const pc_expectations *ex, const pc_case *kase, pc_expect_iter *it)
{
    it->block = block_find(pc_expect_file_for(ex, kase->file), kase->name);
    it->at = 0;
}

const char *pc_expect_next(pc_expect_iter *it)
{
    if (!it->block || it->at >= it->block->n)
        return NULL;
    return it->block->fns[it->at++].name;
}

/* ---- writing ------------------------------------------------------------------------ */

/* The id of an observation text given to a writer (an object or null). */
static uint32_t given_obs(pc_expectations *ex, const char *text, pc_error *err)
{
    uint32_t id = pc_intern_find(&ex->obs, text, strlen(text));
    json_t *v;
    if (id)
        return id; /* held, so canonical */
    if (!(v = json_loads(text, JSON_DECODE_ANY, NULL)) || !(json_is_object(v) || json_is_null(v))) {
        json_decref(v);
        pc_fail(err, "not an observation (a JSON object or null): %.200s", text);
        return 0;
    }
    id = pc_intern_json(&ex->obs, v, err);
    json_decref(v);
    return id;
}

/* The id in ex->written of the text a writer gives beside the canonical one, or 0. */
static int given_written(pc_expectations *ex, const char *written, uint32_t canon, uint32_t *out,
                         pc_error *err)
{
    *out = 0;
    if (!written || strcmp(written, pc_intern_text(&ex->obs, canon)) == 0)
        return 0;
    return (*out = pc_intern_add(&ex->written, written, strlen(written), err)) ? 0 : -1;
}

/* The record of an entry given to a writer, keys in the canonical order. */
static int entry_rec(pc_expectations *ex, const pc_expect_entry *e, xentry *r, pc_error *err)
{
    char builds[256];
    pc_selector parsed;
    memset(r, 0, sizeof *r);
    if (ex->spill[0])
        return pc_fail(err, "expected: a spilling store is read, not written");
    /* the text as written when it says the same (a hand-written selector stays) */
    if (e->builds_text && strlen(e->builds_text) < sizeof builds &&
        pc_selector_parse(e->builds_text, &parsed, NULL) == 0 && pc_selector_equal(&parsed, &e->builds))
        snprintf(builds, sizeof builds, "%s", e->builds_text);
    else
        pc_selector_format(&e->builds, builds, sizeof builds);
    if (!(r->sel = sel_id(ex, builds, err)) || !(r->source = given_obs(ex, e->source ? e->source : "null", err)) ||
        given_written(ex, e->source ? e->source_written : NULL, r->source, &r->source_w, err))
        return -1;
    r->keys = key_push(key_push(0, K_BUILDS), K_SOURCE);
    if (e->desugared) {
        if (!(r->desugared = given_obs(ex, e->desugared, err)) ||
            given_written(ex, e->desugared_written, r->desugared, &r->desugared_w, err) ||
            (e->divergence && !(r->divergence = str_id(ex, e->divergence, err))))
            return -1;
        r->keys = key_push(key_push(r->keys, K_DESUGARED), K_DIVERGENCE);
    }
    if (e->reason) {
        if (!(r->reason = str_id(ex, e->reason, err)))
            return -1;
        r->keys = key_push(r->keys, K_REASON);
    }
    return 0;
}

/* Do two records say the same (the same keys and values, in any order)? */
static bool rec_equal(const xentry *a, const xentry *b)
{
    unsigned k;
    for (k = K_BUILDS; k <= K_REASON; k++)
        if (has_key(a, k) != has_key(b, k))
            return false;
    return a->sel == b->sel && a->source == b->source && a->desugared == b->desugared &&
           a->divergence == b->divergence && a->reason == b->reason;
}

/* The entries of a function; with `create`, the case block and the function are made
 * when missing. NULL (err set only with create) when there is none. */
static xfn *fn_entries(pc_expectations *ex, const pc_case *kase, const char *function, bool create,
                       pc_expect_file **fp, pc_error *err)
{
    pc_expect_file *f = pc_expect_file_for(ex, kase->file);
    struct pc_expect_block *b;
    xfn *fn;
    *fp = f;
    if (!f) {
        if (create)
            pc_fail(err, "%s: no expectation file loaded for this case file", kase->file);
        return NULL;
    }
    b = block_find(f, kase->name);
    fn = fn_find(ex, b, function);
    if (fn || !create)
        return fn;
    if (!b) {
        if (!(b = block_add(f, kase->name, err)))
            return NULL;
        f->dirty = true;
    }
    if (!(fn = fn_add(ex, b, function, err)))
        return NULL;
    f->dirty = true;
    return fn;
}

/* The index of the entry with selector sel, or -1. */
static long find_sel(const pc_expectations *ex, const xfn *fn, const pc_selector *sel)
{
    size_t i;
    for (i = 0; fn && i < fn->n; i++)
        if (pc_selector_equal(sel_of(ex, ents(fn)[i].sel), sel))
            return (long)i;
    return -1;
}

int pc_expect_set(pc_expectations *ex, const pc_case *kase, const char *function,
                  const pc_expect_entry *e, pc_error *err)
{
    pc_expect_file *f;
    xfn *fn;
    xentry r;
    long at;
    if (entry_rec(ex, e, &r, err) || !(fn = fn_entries(ex, kase, function, true, &f, err)))
        return -1;
    at = find_sel(ex, fn, &e->builds);
    if (at >= 0 && rec_equal(&ents(fn)[at], &r))
        return 0;
    if (at < 0) {
        if (ents_fit(fn, fn->n + 1, err))
            return -1;
        at = (long)fn->n++;
    }
    ents(fn)[at] = r;
    f->dirty = true;
    return 0;
}

int pc_expect_mark_divergence(pc_expectations *ex, const pc_case *kase, const char *function,
                              const pc_selector *builds, const char *desugared, const char *reason,
                              pc_error *err)
{
    pc_expect_file *f;
    xfn *fn = fn_entries(ex, kase, function, false, &f, err);
    pc_expect_entry v;
    long at = find_sel(ex, fn, builds);
    char text[256];
    if (at < 0) {
        pc_selector_format(builds, text, sizeof text);
        return pc_fail(err, "%s: case \"%s\" function \"%s\": no entry for \"%s\" to mark a divergence on",
                       kase->file, kase->name, function, text);
    }
    view_of(ex, &ents(fn)[at], &v);
    v.desugared = desugared;
    v.desugared_written = NULL;
    v.divergence = reason;
    return pc_expect_set(ex, kase, function, &v, err);
}

int pc_expect_replace(pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_expect_entry *entries, size_t n, bool *changed, pc_error *err)
{
    pc_expect_file *f;
    xfn *fn = fn_entries(ex, kase, function, false, &f, err);
    xentry *recs = calloc(n ? n : 1, sizeof *recs);
    size_t i;
    if (changed)
        *changed = false;
    if (!recs)
        return pc_oom(err);
    for (i = 0; i < n; i++)
        if (entry_rec(ex, &entries[i], &recs[i], err)) {
            free(recs);
            return -1;
        }
    if (!fn && n == 0) {
        free(recs);
        return 0;
    }
    if (fn && fn->n == n) {
        for (i = 0; i < n && rec_equal(&ents(fn)[i], &recs[i]); i++)
            ;
        if (i == n) {
            free(recs);
            return 0;
        }
    }
    if (changed)
        *changed = true;
    if (n == 0) {
        free(recs);
        pc_expect_drop(ex, kase, function, NULL);
        return 0;
    }
    if (!fn && !(fn = fn_entries(ex, kase, function, true, &f, err))) {
        free(recs);
        return -1;
    }
    ents_free(fn);
    if (n == 1) {
        fn->u.one = recs[0];
        free(recs);
    } else {
        fn->u.e = recs;
    }
    fn->n = (uint32_t)n;
    fn->cap = (uint32_t)n;
    f->dirty = true;
    return 0;
}

size_t pc_expect_drop(pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_selector *builds)
{
    pc_expect_file *f;
    xfn *fn = fn_entries(ex, kase, function, false, &f, NULL);
    size_t dropped = 0, i, kept = 0;
    if (!fn)
        return 0;
    for (i = 0; i < fn->n; i++) {
        if (!builds || pc_selector_equal(sel_of(ex, ents(fn)[i].sel), builds))
            dropped++;
        else
            ents(fn)[kept++] = ents(fn)[i];
    }
    fn->n = (uint32_t)kept;
    if (fn->n == 0) {
        fn_del(block_find(f, kase->name), fn);
        f->dirty = true;
    }
    f->dirty |= dropped > 0;
    return dropped;
}

bool pc_expect_drop_case(pc_expectations *ex, const char *case_file, const char *name,
                         size_t *functions)
{
    pc_expect_file *f = pc_expect_file_for(ex, case_file);
    struct pc_expect_block *b = block_find(f, name);
    uint32_t id;
    size_t i;
    if (functions)
        *functions = b ? b->n : 0;
    if (!b)
        return false;
    id = (uint32_t)(b - f->blocks) + 1;
    block_clear(b);
    for (i = 0; i < f->norder && f->order[i] != id; i++)
        ;
    memmove(f->order + i, f->order + i + 1, (f->norder - i - 1) * sizeof *f->order);
    f->norder--;
    f->dirty = true;
    return true;
}

/* ---- saving ------------------------------------------------------------------------- */

/* An entry as JSON, its keys in the file's order. */
static json_t *entry_json(const pc_expectations *ex, const xentry *r)
{
    json_t *o = json_object();
    unsigned k;
    for (k = r->keys; o && k; k >>= 3) {
        json_t *v;
        switch (k & 7u) {
        case K_BUILDS:
            v = json_string(pc_intern_text(&ex->sels, r->sel));
            break;
        case K_SOURCE:
            v = r->source_w ? pc_intern_load(&ex->written, r->source_w)
                            : pc_intern_load(&ex->obs, r->source);
            break;
        case K_DESUGARED:
            v = r->desugared_w ? pc_intern_load(&ex->written, r->desugared_w)
                               : pc_intern_load(&ex->obs, r->desugared);
            break;
        case K_DIVERGENCE:
            v = r->divergence ? json_string(pc_intern_text(&ex->strs, r->divergence)) : json_null();
            break;
        default:
            v = r->reason ? json_string(pc_intern_text(&ex->strs, r->reason)) : json_null();
            break;
        }
        if (!v || json_object_set_new(o, key_names[k & 7u], v)) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

/* The whole document of f. */
static json_t *file_json(const pc_expectations *ex, const pc_expect_file *f)
{
    json_t *doc = json_copy(f->head), *cases = json_object();
    size_t c, i, k;
    if (!doc || !cases || json_object_set(doc, "cases", cases))
        goto oom;
    for (c = 0; c < f->norder; c++) {
        const struct pc_expect_block *b = &f->blocks[f->order[c] - 1];
        json_t *block = json_object();
        if (!block || json_object_set_new(cases, pc_intern_text(&f->names, f->order[c]), block))
            goto oom;
        for (i = 0; i < b->n; i++) {
            json_t *arr = json_array();
            if (!arr || json_object_set_new(block, b->fns[i].name, arr))
                goto oom;
            for (k = 0; k < b->fns[i].n; k++) {
                json_t *e = entry_json(ex, &ents(&b->fns[i])[k]);
                if (!e || json_array_append_new(arr, e))
                    goto oom;
            }
        }
    }
    json_decref(cases);
    return doc;
oom:
    json_decref(cases);
    json_decref(doc);
    return NULL;
}

char *pc_expect_file_text(const pc_expectations *ex, const pc_expect_file *f, size_t *len, pc_error *err)
{
    json_t *doc = file_json(ex, f);
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL, *out;
    json_decref(doc);
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
        if (!(text = pc_expect_file_text(ex, f, &len, err)))
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
