/* html.c - see html.h. */
#include "html.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "verdict.h"

/* The template files (harness/html/), embedded by harness/html/embed.cmake. */
extern const char pc_html_page[], pc_html_css[], pc_html_js[];
extern const size_t pc_html_page_len, pc_html_css_len, pc_html_js_len;


/* ---- checking ---------------------------------------------------------------------- */

static int bad(pc_error *err, const char *path, const char *fmt, ...) PC_PRINTF(3, 4);
static int bad(pc_error *err, const char *path, const char *fmt, ...)
{
    char what[PC_ERROR_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pc_fail(err, "%s: not a valid pyconform report: %s", path, what);
}

static bool is_mode(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && (!strcmp(s, "source") || !strcmp(s, "desugared"));
}

static bool is_verdict(const json_t *v)
{
    return pc_verdict_by_name(json_string_value(v)) >= 0; /* the verdict table */
}

/* An optional index member: absent, or an integer in [lo, n). */
static bool index_ok(const json_t *obj, const char *key, json_int_t lo, size_t n)
{
    const json_t *v = json_object_get(obj, key);
    return !v || (json_is_integer(v) && json_integer_value(v) >= lo &&
                  (size_t)json_integer_value(v) < n);
}

static int check_jobs(const char *path, const json_t *jobs, pc_error *err)
{
    size_t i;
    const json_t *j;
    json_array_foreach(jobs, i, j) {
        if (!json_is_object(j) || !json_is_string(json_object_get(j, "case")) ||
            !json_is_string(json_object_get(j, "file")) ||
            !json_is_integer(json_object_get(j, "line")) ||
            !json_is_string(json_object_get(j, "interpreter")) ||
            !json_is_string(json_object_get(j, "status")) || !is_mode(json_object_get(j, "mode")))
            return bad(err, path,
                       "jobs[%zu]: not a job (case, file, line, mode, interpreter, status)", i);
        if (!json_is_integer(json_object_get(j, "id")) ||
            json_integer_value(json_object_get(j, "id")) != (json_int_t)i)
            return bad(err, path, "jobs[%zu]: \"id\" is not its place in \"jobs\"", i);
    }
    return 0;
}

static int check_results(const char *path, const json_t *doc, pc_error *err)
{
    const json_t *rows = json_object_get(doc, "results"), *r;
    size_t njobs = json_array_size(json_object_get(doc, "jobs"));
    size_t nobs = json_array_size(json_object_get(doc, "observations"));
    size_t nreasons = json_array_size(json_object_get(doc, "reasons"));
    size_t i;
    json_array_foreach(rows, i, r) {
        const json_t *diff = json_object_get(r, "diff");
        if (!json_is_object(r) || !json_is_string(json_object_get(r, "function")))
            return bad(err, path, "results[%zu]: not a row (no \"function\")", i);
        if (!is_verdict(json_object_get(r, "verdict")))
            return bad(err, path, "results[%zu]: \"verdict\" is not one of PASS, XFAIL, SKIP, FAIL, "
                                  "XPASS, DIVERGE, FLAKY, TIMEOUT, CRASH, ERROR, NOT-RUN", i);
        if (!json_object_get(r, "job") || !index_ok(r, "job", 0, njobs))
            return bad(err, path, "results[%zu]: \"job\" names no job (the report has %zu)", i,
                       njobs);
        if (!index_ok(r, "observation", 1, nobs) || !index_ok(r, "recorded", 1, nobs))
            return bad(err, path, "results[%zu]: an observation index outside \"observations\" "
                                  "(%zu entries)", i, nobs);
        if (!index_ok(r, "reason", 1, nreasons + 1))
            return bad(err, path, "results[%zu]: \"reason\" names no reason (the report has %zu)",
                       i, nreasons);
        if (json_object_get(r, "duration") && !json_is_number(json_object_get(r, "duration")))
            return bad(err, path, "results[%zu]: \"duration\" is not a number", i);
        if (json_object_get(r, "detail") && !json_is_string(json_object_get(r, "detail")))
            return bad(err, path, "results[%zu]: \"detail\" is not a string", i);
        if (diff && (!json_is_object(diff) || !json_is_string(json_object_get(diff, "path"))))
            return bad(err, path, "results[%zu]: \"diff\" has no \"path\"", i);
    }
    return 0;
}

static int check_groups(const char *path, const json_t *doc, pc_error *err)
{
    const json_t *entries = json_object_get(doc, "groups"), *e, *g, *ii;
    size_t ninterps = json_array_size(json_object_get(doc, "interpreters"));
    size_t nobs = json_array_size(json_object_get(doc, "observations"));
    size_t i, k, m;
    json_array_foreach(entries, i, e) {
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "case")) ||
            !json_is_string(json_object_get(e, "function")) || !is_mode(json_object_get(e, "mode")) ||
            !json_is_array(json_object_get(e, "groups")))
            return bad(err, path, "groups[%zu]: not a group entry (case, function, mode, groups)", i);
        json_array_foreach(json_object_get(e, "groups"), k, g) {
            if (!json_is_object(g) || !json_is_string(json_object_get(g, "builds")) ||
                !json_is_array(json_object_get(g, "interpreters")) ||
                !json_object_get(g, "observation") || !index_ok(g, "observation", 0, nobs))
                return bad(err, path, "groups[%zu].groups[%zu]: not a group (builds, "
                                      "interpreters, observation)", i, k);
            json_array_foreach(json_object_get(g, "interpreters"), m, ii)
                if (!json_is_integer(ii) || json_integer_value(ii) < 0 ||
                    (size_t)json_integer_value(ii) >= ninterps)
                    return bad(err, path, "groups[%zu].groups[%zu].interpreters[%zu]: names no "
                                          "interpreter (the report has %zu)", i, k, m, ninterps);
        }
    }
    return 0;
}

static int check_report(const char *path, const json_t *doc, pc_error *err)
{
    static const char *const arrays[] = {"results", "observations", "reasons", "groups",
                                         "jobs",    "interpreters", "stale"};
    const json_t *harness = json_object_get(doc, "harness");
    const json_t *schema = json_object_get(doc, "schema_version");
    const json_t *v;
    const char *name;
    size_t i;
    if (!json_is_object(doc))
        return pc_fail(err, "%s: not a pyconform report (the document is not a JSON object)", path);
    name = json_string_value(json_object_get(harness, "name"));
    if (!name || strcmp(name, "pyconform") || !schema)
        return pc_fail(err, "%s: not a pyconform report (no \"harness\": {\"name\": \"pyconform\"} "
                            "and \"schema_version\")", path);
    if (!json_is_integer(schema))
        return pc_fail(err, "%s: not a pyconform report: \"schema_version\" is not a number", path);
    if (json_integer_value(schema) != 2)
        return pc_fail(err, "%s: report schema_version %lld is not supported: this pyconform reads "
                            "schema 2 (run `pyconform run` again to get one)",
                       path, (long long)json_integer_value(schema));
    for (i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        if (!json_is_array(json_object_get(doc, arrays[i])))
            return bad(err, path, "\"%s\" is missing or not an array", arrays[i]);
    if (!json_is_object(json_object_get(doc, "run")) || !json_is_object(json_object_get(doc, "summary")))
        return bad(err, path, "\"run\" or \"summary\" is missing or not an object");
    if (json_array_size(json_object_get(doc, "observations")) < 1 ||
        !json_is_null(json_array_get(json_object_get(doc, "observations"), 0)))
        return bad(err, path, "\"observations\" does not start with null");
    json_array_foreach(json_object_get(doc, "interpreters"), i, v) {
        const json_t *nm = json_object_get(v, "name"), *probe = json_object_get(v, "probe");
        if (!json_is_object(v) || (!json_is_string(nm) && !json_is_null(nm)) ||
            (probe && !json_is_object(probe) && !json_is_null(probe)))
            return bad(err, path, "interpreters[%zu]: not an interpreter (name, probe)", i);
    }
    json_array_foreach(json_object_get(doc, "reasons"), i, v)
        if (!json_is_string(v))
            return bad(err, path, "reasons[%zu]: not a string", i);
    if (check_jobs(path, json_object_get(doc, "jobs"), err) || check_results(path, doc, err))
        return -1;
    return check_groups(path, doc, err);
}

json_t *pc_html_load_report(const char *path, pc_error *err)
{
    pc_buf text = {0};
    json_error_t jerr;
    json_t *doc;
    if (pc_read_file(path, &text, err)) {
        pc_buf_free(&text);
        return NULL;
    }
    doc = json_loadb(text.data ? text.data : "", text.len, 0, &jerr);
    pc_buf_free(&text);
    if (!doc) {
        pc_fail(err, "%s:%d: not a pyconform report: not JSON: %s", path, jerr.line > 0 ? jerr.line : 1,
                jerr.text);
        return NULL;
    }
    if (check_report(path, doc, err)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- rendering --------------------------------------------------------------------- */

typedef struct sink {
    pc_buf *out;
    pc_error *err;
    int failed;
} sink;

/* JSON into a <script> element: '<' (only ever inside strings) becomes \u003c, so no
 * text of the report can close the element or open a comment in it. */
static int json_chunk(const char *buf, size_t size, void *data)
{
    sink *s = data;
    size_t start = 0, i;
    for (i = 0; i < size; i++)
        if (buf[i] == '<') {
            if (pc_buf_append(s->out, buf + start, i - start, s->err) ||
                pc_buf_append(s->out, "\\u003c", 6, s->err))
                return s->failed = -1;
            start = i + 1;
        }
    if (pc_buf_append(s->out, buf + start, size - start, s->err))
        return s->failed = -1;
    return 0;
}

static int append_escaped(pc_buf *out, const char *s, pc_error *err)
{
    for (; *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : NULL;
        if (rep ? pc_buf_append(out, rep, strlen(rep), err) : pc_buf_append(out, s, 1, err))
            return -1;
    }
    return 0;
}

static int append_title(const json_t *report, pc_buf *out, pc_error *err)
{
    const json_t *summary = json_object_get(report, "summary"), *run = json_object_get(report, "run");
    const char *host = json_string_value(json_object_get(run, "host"));
    const char *started = json_string_value(json_object_get(run, "started"));
    char *title = pc_asprintf(err, "pyconform: %lld unexpected (%s, %s)",
                              (long long)json_integer_value(json_object_get(summary, "unexpected")),
                              host ? host : "?", started ? started : "?");
    int rc;
    if (!title)
        return -1;
    rc = append_escaped(out, title, err);
    free(title);
    return rc;
}

int pc_html_render(const json_t *report, pc_buf *out, pc_error *err)
{
    const char *t = pc_html_page, *end = pc_html_page + pc_html_page_len;
    while (t < end) {
        const char *m = strstr(t, "@@"), *close;
        size_t name_len;
        if (!m) {
            return pc_buf_append(out, t, (size_t)(end - t), err);
        }
        if (pc_buf_append(out, t, (size_t)(m - t), err))
            return -1;
        if (!(close = strstr(m + 2, "@@")))
            return pc_fail(err, "harness/html/report.html: a marker is not closed");
        name_len = (size_t)(close - (m + 2));
#define IS(name) (name_len == sizeof name - 1 && !memcmp(m + 2, name, name_len))
        if (IS("CSS")) {
            if (pc_buf_append(out, pc_html_css, pc_html_css_len, err))
                return -1;
        } else if (IS("JS")) {
            if (pc_buf_append(out, pc_html_js, pc_html_js_len, err))
                return -1;
        } else if (IS("TITLE")) {
            if (append_title(report, out, err))
                return -1;
        } else if (IS("DATA")) {
            sink s = {out, err, 0};
            if (json_dump_callback(report, json_chunk, &s, JSON_COMPACT | JSON_REAL_PRECISION(6)))
                return s.failed ? -1 : pc_fail(err, "cannot write the report as JSON");
        } else {
            return pc_fail(err, "harness/html/report.html: unknown marker @@%.*s@@", (int)name_len,
                           m + 2);
        }
#undef IS
        t = close + 2;
    }
    return 0;
}

int pc_html_write(const char *report_path, const char *out_path, size_t *bytes, pc_error *err)
{
    json_t *report = pc_html_load_report(report_path, err);
    pc_buf page = {0};
    int rc = -1;
    if (!report)
        return -1;
    if (pc_html_render(report, &page, err))
        goto done;
    if (bytes)
        *bytes = page.len;
    if (!out_path || !strcmp(out_path, "-")) {
        if (fwrite(page.data, 1, page.len, stdout) != page.len || fflush(stdout) != 0) {
            pc_fail(err, "standard output: cannot write the page: %s", strerror(errno));
            goto done;
        }
    } else if (pc_write_atomic(out_path, page.data, page.len, err)) {
        goto done;
    }
    rc = 0;
done:
    pc_buf_free(&page);
    json_decref(report);
    return rc;
}
