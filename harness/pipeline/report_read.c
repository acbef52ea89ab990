/* report_read.c - see report_read.h. */
#include "report_read.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "report.h"
#include "util.h"
#include "verdict.h"

/* Where the walk is in the file's bytes. */
typedef struct cursor {
    const char *path;
    const char *buf;
    size_t len, pos;
    pc_report_doc *doc;
    pc_error *err;
} cursor;

/* The 1-based line of byte `off`. */
static size_t line_at(const cursor *c, size_t off)
{
    size_t i, line = 1;
    for (i = 0; i < off && i < c->len; i++)
        line += c->buf[i] == '\n';
    return line;
}

static int fail_at(cursor *c, size_t off, const char *fmt, ...) PC_PRINTF(3, 4);
static int fail_at(cursor *c, size_t off, const char *fmt, ...)
{
    char msg[PC_ERROR_MAX - 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pc_fail(c->err, "%s:%zu: %s", c->path, line_at(c, off), msg);
}

static void skip_ws(cursor *c)
{
    while (c->pos < c->len && (c->buf[c->pos] == ' ' || c->buf[c->pos] == '\n' ||
                               c->buf[c->pos] == '\r' || c->buf[c->pos] == '\t'))
        c->pos++;
}

static int truncated(cursor *c, const char *inside)
{
    return fail_at(c, c->len, "truncated report: the file ends inside %s", inside);
}

/* The next non-blank byte is `ch`: step over it. */
static int expect(cursor *c, char ch, const char *inside)
{
    skip_ws(c);
    if (c->pos >= c->len)
        return truncated(c, inside);
    if (c->buf[c->pos] != ch)
        return fail_at(c, c->pos, "malformed report: expected '%c' in %s", ch, inside);
    c->pos++;
    return 0;
}

/* The next JSON value, decoded alone (new reference), or NULL with the error set. */
static json_t *next_value(cursor *c, const char *inside)
{
    json_error_t e;
    json_t *v;
    skip_ws(c);
    if (c->pos >= c->len) {
        truncated(c, inside);
        return NULL;
    }
    v = json_loadb(c->buf + c->pos, c->len - c->pos,
                   JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &e);
    if (!v) {
        if (e.position < 0 || (size_t)e.position >= c->len - c->pos)
            truncated(c, inside);
        else
            fail_at(c, c->pos + (size_t)e.position, "malformed JSON in %s: %s", inside, e.text);
        return NULL;
    }
    c->pos += (size_t)e.position;
    return v;
}

/* ---- field readers: `where` names the element ("results[12]"), `off` its first byte -- */

typedef struct elem {
    cursor *c;
    const char *where;
    size_t off;
    json_t *v;
} elem;

static int bad(elem *e, const char *key, const char *what)
{
    return fail_at(e->c, e->off, "%s: \"%s\": %s", e->where, key, what);
}

/* A string field as a text id (0 when absent and not required). */
static int text_field(elem *e, const char *key, bool required, uint32_t *id)
{
    json_t *s = json_object_get(e->v, key);
    *id = 0;
    if (!s || (json_is_null(s) && !required))
        return required ? bad(e, key, "missing") : 0;
    if (!json_is_string(s))
        return bad(e, key, "not a string");
    if (memchr(json_string_value(s), '\0', json_string_length(s)))
        return bad(e, key, "holds a NUL character");
    if (!(*id = pc_intern_add(&e->c->doc->texts, json_string_value(s), json_string_length(s),
                              e->c->err)))
        return -1;
    return 0;
}

/* A whole number from 0 to `max` (absent: *out = dflt when not required). */
static int int_field(elem *e, const char *key, bool required, json_int_t max, uint32_t dflt,
                     json_int_t *out)
{
    json_t *n = json_object_get(e->v, key);
    if (!n) {
        *out = dflt;
        return required ? bad(e, key, "missing") : 0;
    }
    if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > max)
        return bad(e, key, "not a whole number in range");
    *out = json_integer_value(n);
    return 0;
}

static int seconds_field(elem *e, const char *key, double *out)
{
    json_t *n = json_object_get(e->v, key);
    if (!json_is_number(n) || json_number_value(n) < 0)
        return bad(e, key, n ? "not a number of seconds" : "missing");
    *out = json_number_value(n);
    return 0;
}

/* Any JSON value as a value id (0 when absent). */
static int value_field(elem *e, const char *key, uint32_t *id)
{
    json_t *v = json_object_get(e->v, key);
    *id = 0;
    if (!v)
        return 0;
    return (*id = pc_intern_json(&e->c->doc->values, v, e->c->err)) ? 0 : -1;
}

static int mode_field(elem *e, uint8_t *mode)
{
    const char *s = json_string_value(json_object_get(e->v, "mode"));
    int m;
    for (m = 0; s && m < PC_MODE_COUNT; m++)
        if (!strcmp(s, pc_mode_name((pc_mode)m))) {
            *mode = (uint8_t)m;
            return 0;
        }
    return bad(e, "mode", "not \"source\" or \"desugared\"");
}

/* ---- the arrays ------------------------------------------------------------------------ */

typedef int (*elem_fn)(elem *e, size_t i);

/* Walk the array that starts here, one element at a time. */
static int each(cursor *c, const char *name, elem_fn fn)
{
    char where[96], inside[64];
    size_t i = 0;
    snprintf(inside, sizeof inside, "\"%s\"", name);
    if (expect(c, '[', inside))
        return -1;
    skip_ws(c);
    if (c->pos < c->len && c->buf[c->pos] == ']') {
        c->pos++;
        return 0;
    }
    for (;; i++) {
        elem e = {c, where, 0, NULL};
        int rc;
        skip_ws(c);
        e.off = c->pos;
        snprintf(where, sizeof where, "%s[%zu]", name, i);
        if (!(e.v = next_value(c, inside)))
            return -1;
        rc = fn(&e, i);
        json_decref(e.v);
        if (rc)
            return -1;
        skip_ws(c);
        if (c->pos >= c->len)
            return truncated(c, inside);
        if (c->buf[c->pos] == ']') {
            c->pos++;
            return 0;
        }
        if (c->buf[c->pos] != ',')
            return fail_at(c, c->pos, "malformed report: expected ',' or ']' in %s", inside);
        c->pos++;
    }
}

static int need_object(elem *e)
{
    if (!json_is_object(e->v))
        return fail_at(e->c, e->off, "%s: not an object", e->where);
    return 0;
}

/* "attempts" (run --retries): absent, or two or more attempts, each {"verdict",
 * "duration", "observation"?, "detail"?}; kept as a value (its observation indices are
 * checked by resolve, once "observations" has been read). */
static int attempts_field(elem *e, pc_report_rrow *r)
{
    json_t *a = json_object_get(e->v, "attempts"), *x, *v;
    size_t k;
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) < 2)
        return bad(e, "attempts", "not an array of two or more attempts");
    json_array_foreach(a, k, x) {
        const char *name = json_string_value(json_object_get(x, "verdict"));
        const char *key;
        if (!json_is_object(x) || !name || pc_verdict_by_name(name) < 0 ||
            !json_is_number(json_object_get(x, "duration")) ||
            json_number_value(json_object_get(x, "duration")) < 0 ||
            ((v = json_object_get(x, "observation")) &&
             (!json_is_integer(v) || json_integer_value(v) < 1 ||
              json_integer_value(v) > (json_int_t)UINT32_MAX)) ||
            ((v = json_object_get(x, "detail")) && !json_is_string(v)))
            return fail_at(e->c, e->off, "%s: \"attempts\"[%zu]: not an attempt (a verdict of this "
                           "pyconform, a duration, an observation index, a detail)", e->where, k);
        json_object_foreach(x, key, v)
            if (strcmp(key, "verdict") && strcmp(key, "duration") && strcmp(key, "observation") &&
                strcmp(key, "detail"))
                return fail_at(e->c, e->off, "%s: \"attempts\"[%zu]: unknown key \"%s\"",
                               e->where, k, key);
    }
    r->nattempts = (uint32_t)json_array_size(a);
    return value_field(e, "attempts", &r->attempts);
}

static int row_fn(elem *e, size_t i)
{
    pc_report_doc *d = e->c->doc;
    pc_report_rrow r = {0};
    json_int_t n;
    const char *v;
    int verdict;
    (void)i;
    if (need_object(e) || int_field(e, "job", true, UINT32_MAX, 0, &n))
        return -1;
    r.job = (uint32_t)n;
    if (text_field(e, "function", true, &r.function))
        return -1;
    v = json_string_value(json_object_get(e->v, "verdict"));
    if ((verdict = v ? pc_verdict_by_name(v) : -1) < 0)
        return bad(e, "verdict", v ? "not a verdict of this pyconform" : "missing");
    r.verdict = (uint8_t)verdict;
    if (seconds_field(e, "duration", &r.duration))
        return -1;
    /* indices stay raw until the arrays they point into are read (pc_report_load) */
    if (int_field(e, "observation", false, UINT32_MAX, 0, &n))
        return -1;
    r.observation = (uint32_t)n;
    if (int_field(e, "recorded", false, UINT32_MAX, 0, &n))
        return -1;
    r.recorded = (uint32_t)n;
    if (int_field(e, "reason", false, UINT32_MAX, 0, &n))
        return -1;
    r.reason = (uint32_t)n;
    if (text_field(e, "detail", false, &r.detail) || value_field(e, "expected", &r.expected) ||
        value_field(e, "diff", &r.diff) || attempts_field(e, &r))
        return -1;
    if (pc_grow(&d->rows, &d->rows_cap, d->nrows + 1, sizeof *d->rows, e->c->err))
        return -1;
    d->rows[d->nrows++] = r;
    return 0;
}

static int obs_fn(elem *e, size_t i)
{
    pc_report_doc *d = e->c->doc;
    uint32_t id = 0;
    if (i == 0 && !json_is_null(e->v))
        return fail_at(e->c, e->off, "%s: must be null (nothing observed)", e->where);
    if (i > 0 && !json_is_object(e->v))
        return fail_at(e->c, e->off, "%s: not an object", e->where);
    if (i > 0 && !(id = pc_intern_json(&d->values, e->v, e->c->err)))
        return -1;
    if (pc_grow(&d->obs, &d->obs_cap, d->nobs + 1, sizeof *d->obs, e->c->err))
        return -1;
    d->obs[d->nobs++] = id;
    return 0;
}

static int reason_fn(elem *e, size_t i)
{
    pc_report_doc *d = e->c->doc;
    uint32_t id;
    (void)i;
    if (!json_is_string(e->v) || memchr(json_string_value(e->v), '\0', json_string_length(e->v)))
        return fail_at(e->c, e->off, "%s: not a string", e->where);
    if (!(id = pc_intern_add(&d->texts, json_string_value(e->v), json_string_length(e->v), e->c->err)) ||
        pc_grow(&d->reasons, &d->reasons_cap, d->nreasons + 1, sizeof *d->reasons, e->c->err))
        return -1;
    d->reasons[d->nreasons++] = id;
    return 0;
}

static int group_fn(elem *e, size_t i)
{
    pc_report_doc *d = e->c->doc;
    pc_report_group_set s = {0};
    json_t *groups, *g, *ix;
    size_t k, m;
    (void)i;
    if (need_object(e) || text_field(e, "case", true, &s.kase) ||
        text_field(e, "function", true, &s.function) || mode_field(e, &s.mode))
        return -1;
    groups = json_object_get(e->v, "groups");
    if (!json_is_array(groups))
        return bad(e, "groups", "not an array");
    s.first = d->ngroups;
    json_array_foreach(groups, k, g) {
        pc_report_group gr = {0};
        elem ge = *e;
        json_int_t n;
        ge.v = g;
        if (!json_is_object(g))
            return bad(e, "groups", "an item is not an object");
        if (text_field(&ge, "builds", true, &gr.builds) ||
            int_field(&ge, "observation", true, UINT32_MAX, 0, &n))
            return -1;
        gr.observation = (uint32_t)n; /* raw until resolved */
        if (!json_is_array(json_object_get(g, "interpreters")))
            return bad(e, "interpreters", "not an array");
        gr.first = d->ngroup_interps;
        json_array_foreach(json_object_get(g, "interpreters"), m, ix) {
            if (!json_is_integer(ix) || json_integer_value(ix) < 0 ||
                json_integer_value(ix) > UINT32_MAX)
                return bad(e, "interpreters", "an item is not an index");
            if (pc_grow(&d->group_interps, &d->group_interps_cap, d->ngroup_interps + 1,
                        sizeof *d->group_interps, e->c->err))
                return -1;
            d->group_interps[d->ngroup_interps++] = (uint32_t)json_integer_value(ix);
        }
        gr.n = d->ngroup_interps - gr.first;
        if (pc_grow(&d->groups, &d->groups_cap, d->ngroups + 1, sizeof *d->groups, e->c->err))
            return -1;
        d->groups[d->ngroups++] = gr;
    }
    s.n = d->ngroups - s.first;
    if (pc_grow(&d->group_sets, &d->group_sets_cap, d->ngroup_sets + 1, sizeof *d->group_sets,
                e->c->err))
        return -1;
    d->group_sets[d->ngroup_sets++] = s;
    return 0;
}

static int job_fn(elem *e, size_t i)
{
    pc_report_doc *d = e->c->doc;
    pc_report_job j = {0};
    const char *st;
    json_int_t n;
    int k;
    (void)i;
    if (need_object(e) || text_field(e, "case", true, &j.kase) ||
        text_field(e, "file", true, &j.file) || int_field(e, "line", true, INT32_MAX, 0, &n))
        return -1;
    j.line = (int)n;
    if (mode_field(e, &j.mode) || text_field(e, "interpreter", true, &j.interp) ||
        seconds_field(e, "duration", &j.duration) || text_field(e, "detail", false, &j.detail) ||
        text_field(e, "translation", false, &j.translation) ||
        value_field(e, "untranslated", &j.untranslated))
        return -1;
    st = json_string_value(json_object_get(e->v, "status"));
    for (k = PC_JOB_OK; st && k < PC_JOB_STATUS_COUNT; k++)
        if (!strcmp(st, pc_job_status_name((pc_job_status)k)))
            break;
    if (!st || k >= PC_JOB_STATUS_COUNT)
        return bad(e, "status", st ? "not a job status of this pyconform" : "missing");
    j.status = (uint8_t)k;
    if (int_field(e, "plan_index", false, INT32_MAX, 0, &n))
        return -1;
    j.plan_index = json_object_get(e->v, "plan_index") ? (int64_t)n : -1;
    if (pc_grow(&d->jobs, &d->jobs_cap, d->njobs + 1, sizeof *d->jobs, e->c->err))
        return -1;
    d->jobs[d->njobs++] = j;
    return 0;
}

/* ---- the document ---------------------------------------------------------------------- */

enum {
    K_HARNESS, K_RESULTS, K_OBSERVATIONS, K_REASONS, K_GROUPS, K_JOBS, K_INTERPRETERS, K_STALE,
    K_RUN, K_INTERRUPTED, K_SIGNAL, K_CUT_SHORT, K_SUMMARY, K_COUNT
};
static const char *const keys[K_COUNT] = {"harness", "results", "observations", "reasons",
                                          "groups", "jobs", "interpreters", "stale", "run",
                                          "interrupted", "signal", "cut_short", "summary"};

/* A small section kept as it is: `type` is what it must be. */
static int section(cursor *c, const char *name, json_type type, json_t **out)
{
    size_t off;
    char inside[64];
    skip_ws(c);
    off = c->pos;
    snprintf(inside, sizeof inside, "\"%s\"", name);
    if (!(*out = next_value(c, inside)))
        return -1;
    if (json_typeof(*out) != type)
        return fail_at(c, off, "\"%s\": not %s", name,
                       type == JSON_OBJECT ? "an object" : type == JSON_ARRAY ? "an array"
                                                                              : "of the right type");
    return 0;
}

static int read_key(cursor *c, int k)
{
    pc_report_doc *d = c->doc;
    json_t *v = NULL;
    size_t off;
    int rc = 0;
    switch (k) {
    case K_RESULTS:
        return each(c, "results", row_fn);
    case K_OBSERVATIONS:
        return each(c, "observations", obs_fn);
    case K_REASONS:
        return each(c, "reasons", reason_fn);
    case K_GROUPS:
        return each(c, "groups", group_fn);
    case K_JOBS:
        return each(c, "jobs", job_fn);
    case K_HARNESS:
        skip_ws(c);
        off = c->pos;
        if (section(c, "harness", JSON_OBJECT, &d->harness))
            return -1;
        if (!json_is_string(json_object_get(d->harness, "name")) ||
            strcmp(json_string_value(json_object_get(d->harness, "name")), "pyconform"))
            return fail_at(c, off, "not a pyconform report (\"harness\" is not pyconform)");
        return 0;
    case K_INTERPRETERS:
        return section(c, "interpreters", JSON_ARRAY, &d->interpreters);
    case K_STALE:
        return section(c, "stale", JSON_ARRAY, &d->stale);
    case K_RUN:
        return section(c, "run", JSON_OBJECT, &d->run);
    case K_SUMMARY:
        return section(c, "summary", JSON_OBJECT, &d->summary);
    case K_CUT_SHORT:
        skip_ws(c);
        off = c->pos;
        if (!(v = next_value(c, "\"cut_short\"")))
            return -1;
        if (!json_is_null(v) && !json_is_string(v))
            rc = fail_at(c, off, "\"cut_short\": not a text or null");
        else if (json_is_string(v) && !(d->cut_short = pc_strdup(json_string_value(v), c->err)))
            rc = -1;
        json_decref(v);
        return rc;
    default: /* interrupted, signal */
        skip_ws(c);
        off = c->pos;
        if (!(v = next_value(c, k == K_SIGNAL ? "\"signal\"" : "\"interrupted\"")))
            return -1;
        if (k == K_INTERRUPTED && !json_is_boolean(v))
            rc = fail_at(c, off, "\"interrupted\": not true or false");
        else if (k == K_SIGNAL && !json_is_integer(v))
            rc = fail_at(c, off, "\"signal\": not a whole number");
        else if (k == K_INTERRUPTED)
            d->interrupted = json_is_true(v);
        else
            d->signal = (int)json_integer_value(v);
        json_decref(v);
        return rc;
    }
}

/* The indices rows and groups hold, checked and turned into ids. */
static int resolve(cursor *c)
{
    pc_report_doc *d = c->doc;
    size_t i, ninterps = json_array_size(d->interpreters);
    for (i = 0; i < d->nrows; i++) {
        pc_report_rrow *r = &d->rows[i];
        if (r->job >= d->njobs)
            return pc_fail(c->err, "%s: results[%zu]: \"job\" %u is not an index into \"jobs\" (%zu)",
                           c->path, i, r->job, d->njobs);
        if (r->observation >= d->nobs || r->recorded >= d->nobs)
            return pc_fail(c->err, "%s: results[%zu]: observation index %u is not an index into "
                           "\"observations\" (%zu)", c->path, i,
                           r->observation >= d->nobs ? r->observation : r->recorded, d->nobs);
        if (r->reason > d->nreasons)
            return pc_fail(c->err, "%s: results[%zu]: \"reason\" %u is not an index into \"reasons\" "
                           "(%zu, counted from 1)", c->path, i, r->reason, d->nreasons);
        if (r->attempts) { /* rare: the rows of `run --retries` only */
            json_t *a = pc_report_value_json(d, r->attempts), *x;
            size_t k;
            if (!a)
                return pc_oom(c->err);
            json_array_foreach(a, k, x) {
                json_int_t o = json_integer_value(json_object_get(x, "observation"));
                if ((size_t)o >= d->nobs) {
                    json_decref(a);
                    return pc_fail(c->err, "%s: results[%zu]: attempts[%zu]: observation index "
                                   "%lld is not an index into \"observations\" (%zu)", c->path,
                                   i, k, (long long)o, d->nobs);
                }
            }
            json_decref(a);
        }
        r->observation = d->obs[r->observation];
        r->recorded = d->obs[r->recorded];
        r->reason = r->reason ? d->reasons[r->reason - 1] : 0;
    }
    for (i = 0; i < d->ngroups; i++) {
        if (d->groups[i].observation >= d->nobs)
            return pc_fail(c->err, "%s: groups: observation index %u is not an index into "
                           "\"observations\" (%zu)", c->path, d->groups[i].observation, d->nobs);
        d->groups[i].observation = d->obs[d->groups[i].observation];
    }
    for (i = 0; i < d->ngroup_interps; i++)
        if (d->group_interps[i] >= ninterps)
            return pc_fail(c->err, "%s: groups: interpreter index %u is not an index into "
                           "\"interpreters\" (%zu)", c->path, d->group_interps[i], ninterps);
    return 0;
}

static int walk(cursor *c)
{
    pc_report_doc *d = c->doc;
    bool seen[K_COUNT] = {false};
    json_t *key, *ver;
    size_t off;
    int k;

    skip_ws(c);
    if (c->pos >= c->len)
        return pc_fail(c->err, "%s: empty file: not a pyconform report", c->path);
    if (c->buf[c->pos] != '{')
        return fail_at(c, c->pos, "not a pyconform report (not a JSON object)");
    c->pos++;
    /* every pyconform report, of any schema, starts with its schema_version */
    skip_ws(c);
    off = c->pos;
    if (!(key = next_value(c, "the report")))
        return -1;
    if (!json_is_string(key) || strcmp(json_string_value(key), "schema_version")) {
        json_decref(key);
        return fail_at(c, off, "not a pyconform report (it does not start with \"schema_version\")");
    }
    json_decref(key);
    if (expect(c, ':', "the report"))
        return -1;
    skip_ws(c);
    off = c->pos;
    if (!(ver = next_value(c, "\"schema_version\"")))
        return -1;
    d->schema = json_is_integer(ver) ? (int)json_integer_value(ver) : -1;
    json_decref(ver);
    if (d->schema < 0)
        return fail_at(c, off, "not a pyconform report (\"schema_version\" is not a whole number)");
    if (d->schema == 1)
        return pc_fail(c->err, "%s: report schema 1 is not read by this pyconform (it reads schema "
                       "%d): schema 1 reports were written by pyconform before the streamed "
                       "report; run the suite again with this pyconform to get a schema %d report",
                       c->path, PC_REPORT_SCHEMA, PC_REPORT_SCHEMA);
    if (d->schema != PC_REPORT_SCHEMA)
        return fail_at(c, off, "report schema %d is not read by this pyconform (it reads schema %d)",
                       d->schema, PC_REPORT_SCHEMA);

    for (;;) {
        const char *name;
        skip_ws(c);
        if (c->pos >= c->len)
            return truncated(c, "the report");
        if (c->buf[c->pos] == '}') {
            c->pos++;
            break;
        }
        if (expect(c, ',', "the report"))
            return -1;
        skip_ws(c);
        off = c->pos;
        if (!(key = next_value(c, "the report")))
            return -1;
        name = json_string_value(key);
        for (k = 0; name && k < K_COUNT && strcmp(name, keys[k]); k++)
            ;
        if (!name || k == K_COUNT || seen[k]) {
            if (!name)
                fail_at(c, off, "malformed report: a top-level key is not a string");
            else
                fail_at(c, off, "%s top-level key \"%s\"", k == K_COUNT ? "unknown" : "repeated",
                        name);
            json_decref(key);
            return -1;
        }
        json_decref(key);
        seen[k] = true;
        if (expect(c, ':', "the report") || read_key(c, k))
            return -1;
    }
    skip_ws(c);
    if (c->pos < c->len)
        return fail_at(c, c->pos, "malformed report: data after the end of the document");
    for (k = 0; k < K_COUNT; k++)
        if (!seen[k])
            return pc_fail(c->err, "%s: not a whole pyconform report: no \"%s\"", c->path, keys[k]);
    return resolve(c);
}

int pc_report_load(const char *path, pc_report_doc *doc, pc_error *err)
{
    pc_buf b = {0};
    cursor c = {0};
    int rc;
    memset(doc, 0, sizeof *doc);
    if (pc_read_file(path, &b, err)) {
        pc_buf_free(&b); /* a read that failed midway leaves what it had */
        return -1;
    }
    if (!(doc->path = pc_strdup(path, err))) {
        pc_buf_free(&b);
        return -1;
    }
    c.path = path;
    c.buf = b.data ? b.data : "";
    c.len = b.len;
    c.doc = doc;
    c.err = err;
    rc = walk(&c);
    pc_buf_free(&b);
    if (rc)
        pc_report_doc_free(doc);
    return rc;
}

void pc_report_doc_free(pc_report_doc *d)
{
    free(d->path);
    free(d->cut_short);
    pc_intern_free(&d->texts);
    pc_intern_free(&d->values);
    free(d->rows);
    free(d->jobs);
    free(d->group_sets);
    free(d->groups);
    free(d->group_interps);
    free(d->obs);
    free(d->reasons);
    json_decref(d->harness);
    json_decref(d->interpreters);
    json_decref(d->stale);
    json_decref(d->run);
    json_decref(d->summary);
    memset(d, 0, sizeof *d);
}

const char *pc_report_text(const pc_report_doc *d, uint32_t id)
{
    return id ? pc_intern_text(&d->texts, id) : NULL;
}

const char *pc_report_value(const pc_report_doc *d, uint32_t id)
{
    return id ? pc_intern_text(&d->values, id) : NULL;
}

json_t *pc_report_value_json(const pc_report_doc *d, uint32_t id)
{
    return id ? pc_intern_load(&d->values, id) : NULL;
}
