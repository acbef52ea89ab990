/* `pyconform html`: the page carries the report it was given (and nothing can break out
 * of the element that holds it), it is self-contained, and bad input is a clear error
 * with exit 2. The page in a real browser: tests/html/browser_test.sh (ctest
 * html.browser). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "util.h"

static char dir[] = "/tmp/pc-html-XXXXXX";
static char *report_path; /* a real schema-2 report, made once per test */

static bool have_interpreter(void)
{
    return access("/root/.pyenv/versions/3.12.1/bin/python", X_OK) == 0;
}

static int run(const char *const *args, size_t n, pc_buf *out, pc_buf *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    return run_binary(args, n, NULL, 120, out, err);
}

/* A real run: one case with two functions on cpython 3.12, source only, no
 * expectations (so both rows are FAIL, with an expected value of null). */
static void make_report(void)
{
    pc_buf out, err;
    char *cf, *reports;
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "t.case", "$ tiny\ndef one():\n    return 1\ndef two():\n    return [2, '</script>']\n");
    reports = pc_asprintf(NULL, "%s/reports", dir);
    {
        const char *args[] = {"run", "-q", "--interp", "cpython-3.12.*", "--mode", "source",
                              "--expected", dir, "--reports", reports, cf};
        int rc = run(args, 11, &out, &err);
        cr_assert_eq(rc, 1, "no expectations: FAIL rows, exit 1 (got %d): %s %s", rc, out.data, err.data);
    }
    report_path = pc_asprintf(NULL, "%s/latest.json", reports);
    pc_buf_free(&out);
    pc_buf_free(&err);
    free(cf);
    free(reports);
}

static void cleanup(void)
{
    remove_tree(dir);
    free(report_path);
    report_path = NULL;
}

/* json_equal, where two absent members are equal too */
static bool same(json_t *a, json_t *b)
{
    return (!a && !b) || json_equal(a, b);
}

/* The JSON the page holds: the text of <script id="report-data">, decoded. */
static json_t *page_data(const char *page)
{
    const char *open = strstr(page, "id=\"report-data\">"), *close;
    json_error_t jerr;
    json_t *v;
    cr_assert_not_null(open, "the page has its data element");
    open += strlen("id=\"report-data\">");
    close = strstr(open, "</script>");
    cr_assert_not_null(close);
    v = json_loadb(open, (size_t)(close - open), 0, &jerr);
    cr_assert_not_null(v, "the data is JSON: %s", jerr.text);
    return v;
}

Test(html, page_holds_the_report_and_nothing_from_outside, .fini = cleanup)
{
    pc_buf out, err, page = {0};
    pc_error perr;
    json_t *report, *data;
    char *html;
    size_t i;
    if (!have_interpreter())
        cr_skip_test("pyenv CPython 3.12.1 is not installed");
    make_report();
    html = pc_asprintf(NULL, "%s/page.html", dir);
    {
        const char *args[] = {"html", report_path, "-o", html};
        cr_assert_eq(run(args, 4, &out, &err), 0, "%s", err.data);
        cr_assert(strstr(out.data, "html: ") && strstr(out.data, " bytes)"), "%s", out.data);
        pc_buf_free(&out);
        pc_buf_free(&err);
    }
    cr_assert_eq(pc_read_file(html, &page, &perr), 0, "%s", perr.msg);
    cr_assert(!strncmp(page.data, "<!DOCTYPE html>", 15));
    /* self-contained: no URL to fetch, no external script or style sheet */
    cr_assert_null(strstr(page.data, "http://"));
    cr_assert_null(strstr(page.data, "https://"));
    cr_assert_null(strstr(page.data, "<script src"));
    cr_assert_null(strstr(page.data, "<link"));
    cr_assert_not_null(strstr(page.data, "Content-Security-Policy"));
    /* the function's value '</script>' stays inside the data: escaped, never raw */
    cr_assert_not_null(strstr(page.data, "\\u003c/script>"));
    report = json_load_file(report_path, 0, NULL);
    data = page_data(page.data);
    cr_assert(json_equal(json_object_get(report, "observations"), json_object_get(data, "observations")));
    cr_assert(json_equal(json_object_get(report, "groups"), json_object_get(data, "groups")));
    cr_assert(json_equal(json_object_get(report, "summary"), json_object_get(data, "summary")));
    cr_assert_eq(json_array_size(json_object_get(report, "results")), 3, "<module>, one, two");
    cr_assert_eq(json_array_size(json_object_get(data, "results")), 3);
    for (i = 0; i < 3; i++) {
        json_t *a = json_array_get(json_object_get(report, "results"), i);
        json_t *b = json_array_get(json_object_get(data, "results"), i);
        cr_assert(same(json_object_get(a, "verdict"), json_object_get(b, "verdict")), "results[%zu].verdict", i);
        cr_assert(same(json_object_get(a, "observation"), json_object_get(b, "observation")), "results[%zu].observation", i);
        cr_assert(same(json_object_get(a, "diff"), json_object_get(b, "diff")), "results[%zu].diff", i);
    }
    /* standard output by default, the same page */
    {
        const char *args[] = {"html", report_path};
        cr_assert_eq(run(args, 2, &out, &err), 0, "%s", err.data);
        cr_assert_eq(out.len, page.len);
        cr_assert(!memcmp(out.data, page.data, page.len));
    }
    json_decref(report);
    json_decref(data);
    pc_buf_free(&page);
    pc_buf_free(&out);
    pc_buf_free(&err);
    free(html);
}

/* html on `path` fails with exit 2 and a message holding `want`. */
static void rejects(const char *path, const char *want)
{
    pc_buf out, err;
    const char *args[] = {"html", path, "-o", "/dev/null"};
    int rc = run(args, 4, &out, &err);
    cr_assert_eq(rc, 2, "%s: exit %d: %s", path, rc, err.data);
    cr_assert(strstr(err.data, want) != NULL, "%s: wanted \"%s\" in: %s", path, want, err.data);
    cr_assert(strstr(err.data, path) != NULL, "the message names the file: %s", err.data);
    pc_buf_free(&out);
    pc_buf_free(&err);
}

/* A copy of the real report with one change made by `edit`. */
static char *variant(const char *name, void (*edit)(json_t *))
{
    json_t *doc = json_load_file(report_path, 0, NULL);
    char *p = pc_asprintf(NULL, "%s/%s", dir, name);
    cr_assert_not_null(doc);
    edit(doc);
    cr_assert_eq(json_dump_file(doc, p, JSON_INDENT(1)), 0);
    json_decref(doc);
    return p;
}

static void schema1(json_t *d) { json_object_set_new(d, "schema_version", json_integer(1)); }
static void no_results(json_t *d) { json_object_del(d, "results"); }
static void bad_job(json_t *d) { json_object_set_new(json_array_get(json_object_get(d, "results"), 0), "job", json_integer(999)); }
static void bad_obs(json_t *d) { json_object_set_new(json_array_get(json_object_get(d, "results"), 1), "observation", json_integer(999)); }
static void bad_verdict(json_t *d) { json_object_set_new(json_array_get(json_object_get(d, "results"), 0), "verdict", json_string("MAYBE")); }
static void bad_group(json_t *d)
{
    json_t *g = json_array_get(json_object_get(json_array_get(json_object_get(d, "groups"), 0), "groups"), 0);
    json_array_append_new(json_object_get(g, "interpreters"), json_integer(4242));
}

Test(html, bad_input_is_a_clear_error_and_exit_2, .fini = cleanup)
{
    pc_buf text = {0}, out, err;
    pc_error perr;
    char *p;
    if (!have_interpreter())
        cr_skip_test("pyenv CPython 3.12.1 is not installed");
    make_report();

    p = pc_asprintf(NULL, "%s/missing.json", dir);
    rejects(p, "cannot read");
    free(p);
    /* truncated: the first half of a real report */
    cr_assert_eq(pc_read_file(report_path, &text, &perr), 0, "%s", perr.msg);
    p = pc_asprintf(NULL, "%s/truncated.json", dir);
    {
        FILE *f = fopen(p, "w");
        cr_assert_not_null(f);
        fwrite(text.data, 1, text.len / 2, f);
        fclose(f);
    }
    rejects(p, "not JSON");
    free(p);
    p = write_tmp(dir, "other.json", "{\"results\": []}\n");
    rejects(p, "not a pyconform report");
    free(p);
    p = write_tmp(dir, "array.json", "[1, 2]\n");
    rejects(p, "not a pyconform report");
    free(p);
    p = variant("schema1.json", schema1);
    rejects(p, "schema_version 1 is not supported");
    free(p);
    p = variant("noresults.json", no_results);
    rejects(p, "\"results\" is missing");
    free(p);
    p = variant("badjob.json", bad_job);
    rejects(p, "results[0]: \"job\" names no job");
    free(p);
    p = variant("badobs.json", bad_obs);
    rejects(p, "results[1]: an observation index outside");
    free(p);
    p = variant("badverdict.json", bad_verdict);
    rejects(p, "results[0]: \"verdict\" is not one of");
    free(p);
    p = variant("badgroup.json", bad_group);
    rejects(p, "names no interpreter");
    free(p);
    /* usage: no REPORT, two, an unknown option; --help */
    {
        const char *none[] = {"html"}, *two[] = {"html", "a.json", "b.json"}, *opt[] = {"html", "--bogus", "a.json"};
        const char *help[] = {"html", "--help"};
        cr_assert_eq(run(none, 1, &out, &err), 2);
        cr_assert(strstr(err.data, "usage: pyconform html REPORT") != NULL, "%s", err.data);
        pc_buf_free(&out);
        pc_buf_free(&err);
        cr_assert_eq(run(two, 3, &out, &err), 2);
        cr_assert(strstr(err.data, "one REPORT only") != NULL, "%s", err.data);
        pc_buf_free(&out);
        pc_buf_free(&err);
        cr_assert_eq(run(opt, 3, &out, &err), 2);
        cr_assert(strstr(err.data, "unknown argument '--bogus'") != NULL, "%s", err.data);
        pc_buf_free(&out);
        pc_buf_free(&err);
        cr_assert_eq(run(help, 2, &out, &err), 0);
        cr_assert(strstr(out.data, "usage: pyconform html REPORT [-o FILE]") != NULL, "%s", out.data);
        pc_buf_free(&out);
        pc_buf_free(&err);
    }
    pc_buf_free(&text);
}
