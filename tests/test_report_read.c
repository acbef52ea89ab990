/* Saved reports read back: the reader (pipeline/report_read.c) on a real report and on
 * broken ones, and the commands that use it, end to end on real runs: `pyconform diff`
 * (newly unexpected, newly as expected, changed observations, builds, cases and
 * functions added and removed; exit 1/0; --json) and `pyconform junit` (bad input,
 * options). Every bad input: a missing report, an empty or truncated one, one that is
 * not JSON or not a pyconform report, schema 1 and 3, bad indices, bad options. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "plan.h"
#include "report_read.h"
#include "util.h"
#include "verdict.h"

#define OBS(v, name)                                                                              \
    "{\"outcome\": {\"kind\": \"return\", \"value\": " #v "}, \"stdout\": \"\", \"scopes\": "     \
    "{\"" name "\": {\"varnames\": [], \"cellvars\": [], \"freevars\": []}}, "                    \
    "\"f_locals_at_return\": [{\"function\": \"" name "\", \"locals\": {\"dict\": []}}]}"
#define ENTRY(v, name) "\"" name "\": [{\"builds\": \"cpython 3.8+\", \"source\": " OBS(v, name) "}]"

/* OLD: the corpus of last night; NEW: today's. The expectations are the same file. */
static const char old_case[] = "$ diff case\n"
                               "def same():\n    return 1\n\n"
                               "def changes():\n    return 1\n\n"
                               "def fixed():\n    return 1\n\n"
                               "def unexpected_both():\n    return 1\n\n"
                               "def removed():\n    return 1\n\n"
                               "$ old block\n"
                               "def f():\n    return 1\n";
static const char new_case[] = "$ diff case\n"
                               "def same():\n    return 1\n\n"
                               "def changes():\n    return 2\n\n"
                               "def fixed():\n    return 2\n\n"
                               "def unexpected_both():\n    return 3\n\n"
                               "def added():\n    return 1\n\n"
                               "$ new block\n"
                               "def f():\n    return 1\n";
static const char expectations[] =
    "{\"schema\": 1, \"case_file\": \"100_diff.case\", \"cases\": {\"diff case\": {"
    "\"<module>\": [{\"builds\": \"cpython 3.8+\", \"source\": {\"compile_error\": null, "
    "\"error\": null, \"stdout\": \"\", \"scopes\": {}}}], " ENTRY(1, "same") ", " ENTRY(1, "changes")
    ", " ENTRY(2, "fixed") ", " ENTRY(1, "removed") "}}}";

typedef struct env {
    char dir[32];
    char *cache, *expected, *old_dir, *new_dir, *old_report, *new_report;
} env;

static void env_setup(env *e)
{
    strcpy(e->dir, "/tmp/pc-rread-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
    e->cache = pc_asprintf(NULL, "%s/cache", e->dir);
    e->expected = pc_asprintf(NULL, "%s/expected", e->dir);
    e->old_dir = pc_asprintf(NULL, "%s/old", e->dir);
    e->new_dir = pc_asprintf(NULL, "%s/new", e->dir);
    e->old_report = pc_asprintf(NULL, "%s/old/reports/latest.json", e->dir);
    e->new_report = pc_asprintf(NULL, "%s/new/reports/latest.json", e->dir);
    cr_assert_eq(pc_mkdir_p(e->expected, NULL), 0);
    cr_assert_eq(pc_mkdir_p(e->old_dir, NULL), 0);
    cr_assert_eq(pc_mkdir_p(e->new_dir, NULL), 0);
    free(write_tmp(e->expected, "100_diff.json", expectations));
    free(write_tmp(e->old_dir, "100_diff.case", old_case));
    free(write_tmp(e->new_dir, "100_diff.case", new_case));
}

static void env_free(env *e)
{
    remove_tree(e->dir);
    free(e->cache);
    free(e->expected);
    free(e->old_dir);
    free(e->new_dir);
    free(e->old_report);
    free(e->new_report);
}

/* A real run of side ("old" or "new") on two pyenv builds, source mode. */
static void run_side(env *e, bool new_side)
{
    const char *dir = new_side ? e->new_dir : e->old_dir;
    char *kase = pc_asprintf(NULL, "%s/100_diff.case", dir);
    char *reports = pc_asprintf(NULL, "%s/reports", dir);
    const char *args[] = {"run", "-q", "--mode", "source", "--interp", "cpython-3.12.1",
                          "--interp", new_side ? "cpython-3.13.0" : "cpython-3.11.7",
                          "--cache", e->cache, "--expected", e->expected, "--reports", reports,
                          kase};
    pc_buf out = {0}, err = {0};
    int rc = run_binary(args, sizeof args / sizeof *args, NULL, 300, &out, &err);
    cr_assert_eq(rc, 1, "run %s: exit %d (unexpected verdicts expected)\n%s%s", dir, rc, out.data,
                 err.data);
    pc_buf_free(&out);
    pc_buf_free(&err);
    free(kase);
    free(reports);
}

static int cmd(const char *const *more, pc_buf *out, pc_buf *err)
{
    pc_buf_clear(out);
    pc_buf_clear(err);
    return run_binary(NULL, 0, more, 120, out, err);
}

/* ---- the reader ------------------------------------------------------------------------ */

/* Every row of a real report, read compactly, equals the row as the test-side loader
 * expands it from the whole JSON tree. */
Test(report_read, real_report_reads_as_the_tree_says, .timeout = 600)
{
    env e;
    pc_report_doc d;
    pc_error err;
    json_t *tree, *row;
    size_t i;
    env_setup(&e);
    run_side(&e, false);
    cr_assert_eq(pc_report_load(e.old_report, &d, &err), 0, "%s", err.msg);
    tree = load_report(e.old_report);
    cr_assert_not_null(tree);
    cr_assert_eq(d.schema, 2);
    cr_assert_eq(d.nrows, json_array_size(json_object_get(tree, "results")));
    cr_assert_eq(d.njobs, json_array_size(json_object_get(tree, "jobs")));
    cr_assert_eq(d.nobs, json_array_size(json_object_get(tree, "observations")));
    cr_assert_eq(d.ngroup_sets, json_array_size(json_object_get(tree, "groups")));
    cr_assert(d.nrows >= 14, "rows: %zu", d.nrows);
    json_array_foreach(json_object_get(tree, "results"), i, row) {
        const pc_report_rrow *r = &d.rows[i];
        const pc_report_job *j = &d.jobs[r->job];
        json_t *obs = json_object_get(row, "observation");
        cr_assert_str_eq(pc_report_text(&d, r->function), json_string_value(json_object_get(row, "function")));
        cr_assert_str_eq(pc_report_text(&d, j->kase), json_string_value(json_object_get(row, "case")));
        cr_assert_str_eq(pc_report_text(&d, j->interp), json_string_value(json_object_get(row, "interpreter")));
        cr_assert_str_eq(pc_mode_name((pc_mode)j->mode), json_string_value(json_object_get(row, "mode")));
        cr_assert_str_eq(pc_verdict_name((pc_verdict)r->verdict), json_string_value(json_object_get(row, "verdict")));
        cr_assert_float_eq(r->duration, json_number_value(json_object_get(row, "duration")), 1e-9);
        if (json_is_null(obs)) {
            cr_assert_eq(r->observation, 0);
        } else {
            json_t *mine = pc_report_value_json(&d, r->observation);
            cr_assert(json_equal(mine, obs), "row %zu: observation", i);
            json_decref(mine);
        }
        if (json_object_get(row, "diff")) {
            json_t *mine = pc_report_value_json(&d, r->diff);
            cr_assert(json_equal(mine, json_object_get(row, "diff")), "row %zu: diff", i);
            json_decref(mine);
        } else {
            cr_assert_eq(r->diff, 0);
        }
        if (json_is_null(json_object_get(row, "reason")))
            cr_assert_eq(r->reason, 0);
        else
            cr_assert_str_eq(pc_report_text(&d, r->reason), json_string_value(json_object_get(row, "reason")));
    }
    /* equal observations share one id, as they share one index in the file */
    for (i = 1; i < d.nobs; i++)
        cr_assert_neq(d.obs[i], 0);
    cr_assert(json_equal(d.summary, json_object_get(tree, "summary")));
    json_decref(tree);
    pc_report_doc_free(&d);
    env_free(&e);
}

static void expect_load_error(const char *path, const char *text, const char *want)
{
    pc_report_doc d;
    pc_error err;
    if (text) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(text, f);
        fclose(f);
    }
    cr_assert_neq(pc_report_load(path, &d, &err), 0, "%s loaded; wanted: %s", path, want);
    cr_assert(strstr(err.msg, path) == err.msg, "the error starts with the file: %s", err.msg);
    cr_assert(strstr(err.msg, want), "error \"%s\" says \"%s\"", err.msg, want);
    cr_assert_eq(d.nrows, 0);
    pc_report_doc_free(&d);
}

Test(report_read, broken_reports_are_refused_with_where_and_why)
{
    char dir[] = "/tmp/pc-rbad-XXXXXX", *p;
    cr_assert_not_null(mkdtemp(dir));
    p = pc_asprintf(NULL, "%s/r.json", dir);
    expect_load_error("/nonexistent/r.json", NULL, "cannot read");
    expect_load_error(p, "", "empty file: not a pyconform report");
    expect_load_error(p, "[1, 2]", ":1: not a pyconform report (not a JSON object)");
    expect_load_error(p, "{\"results\": []}", "does not start with \"schema_version\"");
    expect_load_error(p, "{\n \"schema_version\": 1,\n \"harness\": {}}", "report schema 1 is not read");
    expect_load_error(p, "{\"schema_version\": 3}", ":1: report schema 3 is not read");
    expect_load_error(p, "{\"schema_version\": \"2\"}", ":1: not a pyconform report (\"schema_version\" is not a whole number)");
    expect_load_error(p, "{\"schema_version\":2,\n\"harness\":{\"name\":\"other\"}}",
                      ":2: not a pyconform report");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n", ":3: truncated report: the file ends inside \"results\"");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,", "truncated report");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,\"function\":\"f\",\"verdict\":\"MAYBE\",\"duration\":0}]}",
                      ":3: results[0]: \"verdict\": not a verdict");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,\"verdict\":\"PASS\",\"duration\":0}]}",
                      ":3: results[0]: \"function\": missing");
    /* run --retries: a row's attempts are two or more, each a verdict and a duration */
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,\"function\":\"f\",\"verdict\":\"FLAKY\",\"duration\":0,"
                         "\"attempts\":[{\"verdict\":\"FAIL\",\"duration\":0}]}]}",
                      ":3: results[0]: \"attempts\": not an array of two or more attempts");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,\"function\":\"f\",\"verdict\":\"FLAKY\",\"duration\":0,"
                         "\"attempts\":[{\"verdict\":\"FAIL\",\"duration\":0},{\"verdict\":\"MAYBE\",\"duration\":0}]}]}",
                      ":3: results[0]: \"attempts\"[1]: not an attempt");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,\"function\":\"f\",\"verdict\":\"FAIL\",\"duration\":0,"
                         "\"attempts\":[{\"verdict\":\"FAIL\"},{\"verdict\":\"FAIL\",\"duration\":0}]}]}",
                      ":3: results[0]: \"attempts\"[0]: not an attempt");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[\n{\"job\":0,\"function\":\"f\",\"verdict\":\"FAIL\",\"duration\":0,"
                         "\"attempts\":[{\"verdict\":\"FAIL\",\"duration\":0},{\"verdict\":\"FAIL\",\"duration\":0,\"retry\":2}]}]}",
                      ":3: results[0]: \"attempts\"[1]: unknown key \"retry\"");
    expect_load_error(p, "{\"schema_version\":2,\n\"extra\":1}", ":2: unknown top-level key \"extra\"");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[],\n\"results\":[]}", ":3: repeated top-level key");
    expect_load_error(p, "{\"schema_version\":2,\n\"results\":[] x", ":2: malformed report");
    expect_load_error(p, "{\"schema_version\":2}", "not a whole pyconform report: no \"harness\"");
    expect_load_error(p, "{\"schema_version\":2}\n{}", "data after the end");
    free(p);
    remove_tree(dir);
}

/* A real report cut anywhere is refused as truncated; a row pointing past the jobs, or
 * past the observations, is refused with the row named. */
Test(report_read, truncated_and_bad_indices, .timeout = 600)
{
    env e;
    pc_buf b = {0};
    pc_error err;
    char *cut, *at;
    size_t k;
    env_setup(&e);
    run_side(&e, false);
    cr_assert_eq(pc_read_file(e.old_report, &b, &err), 0, "%s", err.msg);
    cut = pc_asprintf(NULL, "%s/cut.json", e.dir);
    for (k = 1; k < 8; k++) {
        size_t n = b.len * k / 8;
        FILE *f = fopen(cut, "w");
        cr_assert_not_null(f);
        fwrite(b.data, 1, n, f);
        fclose(f);
        expect_load_error(cut, NULL, "truncated report: the file ends inside");
    }
    /* the whole file, less its last byte ("}\n" -> "}" still whole; less two: truncated) */
    {
        FILE *f = fopen(cut, "w");
        fwrite(b.data, 1, b.len - 2, f);
        fclose(f);
        expect_load_error(cut, NULL, "truncated report: the file ends inside the report");
    }
    /* a row naming job 99999 */
    at = strstr(b.data, "{\"job\":0,");
    cr_assert_not_null(at);
    {
        pc_buf m = {0};
        pc_buf_append(&m, b.data, (size_t)(at - b.data), NULL);
        pc_buf_appendf(&m, NULL, "{\"job\":99999,%s", at + strlen("{\"job\":0,"));
        free(write_tmp(e.dir, "badjob.json", m.data));
        pc_buf_free(&m);
    }
    free(cut);
    cut = pc_asprintf(NULL, "%s/badjob.json", e.dir);
    expect_load_error(cut, NULL, "results[0]: \"job\" 99999 is not an index into \"jobs\"");
    free(cut);
    /* a row whose attempt names observation 99999; the same attempts with index 1 read */
    for (k = 0; k < 2; k++) {
        pc_buf m = {0};
        pc_report_doc d;
        pc_buf_append(&m, b.data, (size_t)(at - b.data), NULL);
        pc_buf_appendf(&m, NULL, "{\"job\":0,\"attempts\":[{\"verdict\":\"FAIL\",\"duration\":0.5,"
                                 "\"observation\":%d},{\"verdict\":\"PASS\",\"duration\":0}],%s",
                       k ? 1 : 99999, at + strlen("{\"job\":0,"));
        free(write_tmp(e.dir, "badattempt.json", m.data));
        pc_buf_free(&m);
        cut = pc_asprintf(NULL, "%s/badattempt.json", e.dir);
        if (!k) {
            expect_load_error(cut, NULL, "results[0]: attempts[0]: observation index 99999 is not an "
                                         "index into \"observations\"");
        } else {
            cr_assert_eq(pc_report_load(cut, &d, &err), 0, "%s", err.msg);
            cr_assert_eq(d.rows[0].nattempts, 2);
            cr_assert_neq(d.rows[0].attempts, 0);
            cr_assert_eq(d.rows[1].attempts, 0, "a row without attempts has none");
            cr_assert(strstr(pc_report_value(&d, d.rows[0].attempts), "\"verdict\":\"PASS\"") != NULL,
                      "%s", pc_report_value(&d, d.rows[0].attempts));
            pc_report_doc_free(&d);
        }
        free(cut);
    }
    pc_buf_free(&b);
    env_free(&e);
}

/* ---- diff ------------------------------------------------------------------------------ */

static json_t *find_change(json_t *doc, const char *kase, const char *fn, const char *interp,
                           const char *change)
{
    json_t *g, *r;
    size_t i, k;
    json_array_foreach(json_object_get(doc, "changes"), i, g) {
        if (strcmp(json_string_value(json_object_get(g, "case")), kase) ||
            strcmp(json_string_value(json_object_get(g, "function")), fn))
            continue;
        json_array_foreach(json_object_get(g, "results"), k, r)
            if (!strcmp(json_string_value(json_object_get(r, "interpreter")), interp) &&
                !strcmp(json_string_value(json_object_get(r, "change")), change))
                return r;
    }
    return NULL;
}

static bool has_string(json_t *a, const char *s)
{
    json_t *v;
    size_t i;
    json_array_foreach(a, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return true;
    return false;
}

Test(report_read, diff_of_two_real_runs, .timeout = 900)
{
    env e;
    pc_buf out = {0}, err = {0};
    json_t *doc, *c, *g;
    json_error_t je;
    size_t i, k;
    int rc;
    env_setup(&e);
    run_side(&e, false);
    run_side(&e, true);

    rc = cmd((const char *[]){"diff", e.old_report, e.new_report, NULL}, &out, &err);
    cr_assert_eq(rc, 1, "diff exits 1 on newly unexpected results: %d\n%s%s", rc, out.data, err.data);
    cr_assert(strstr(out.data, "builds added (1): cpython-3.13.0\n"), "%s", out.data);
    cr_assert(strstr(out.data, "builds removed (1): cpython-3.11.7\n"), "%s", out.data);
    cr_assert(strstr(out.data, "cases added (1): new block\n"), "%s", out.data);
    cr_assert(strstr(out.data, "cases removed (1): old block\n"), "%s", out.data);
    cr_assert(strstr(out.data, "functions added (1): diff case / added\n"), "%s", out.data);
    cr_assert(strstr(out.data, "functions removed (1): diff case / removed\n"), "%s", out.data);
    cr_assert(strstr(out.data, "\ndiff case / changes\n  newly unexpected     cpython-3.12.1 source: "
                               "PASS -> FAIL; at outcome.value: expected 1, observed 2\n"),
              "%s", out.data);
    cr_assert(strstr(out.data, "  newly as expected    cpython-3.12.1 source: FAIL -> PASS\n"), "%s",
              out.data);
    cr_assert(strstr(out.data, "  observation changed  cpython-3.12.1 source: FAIL -> FAIL; observation "
                               "differs at outcome.value: old 1, new 3\n"),
              "%s", out.data);
    /* grouped: each case function's heading appears once */
    cr_assert(strstr(out.data, "\ndiff case / changes\n") == strstr(out.data, "diff case / changes\n") - 1);
    cr_assert_null(strstr(strstr(out.data, "\ndiff case / changes\n") + 1, "\ndiff case / changes\n"));
    cr_assert(strstr(out.data, "\ndiff: "), "%s", out.data);

    rc = cmd((const char *[]){"diff", "--json", e.old_report, e.new_report, NULL}, &out, &err);
    cr_assert_eq(rc, 1);
    doc = json_loads(out.data, 0, &je);
    cr_assert_not_null(doc, "diff --json prints JSON: %s\n%s", je.text, out.data);
    cr_assert(has_string(json_object_get(json_object_get(doc, "builds"), "added"), "cpython-3.13.0"));
    cr_assert(has_string(json_object_get(json_object_get(doc, "builds"), "removed"), "cpython-3.11.7"));
    cr_assert(has_string(json_object_get(json_object_get(doc, "cases"), "added"), "new block"));
    cr_assert(has_string(json_object_get(json_object_get(doc, "cases"), "removed"), "old block"));
    c = find_change(doc, "diff case", "changes", "cpython-3.12.1", "newly-unexpected");
    cr_assert_not_null(c, "%s", out.data);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "old"), "verdict")), "PASS");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "new"), "verdict")), "FAIL");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(c, "new"), "diff"), "observed")), 2);
    /* a result OLD did not have (a new build) that is unexpected is newly unexpected */
    c = find_change(doc, "diff case", "unexpected_both", "cpython-3.13.0", "newly-unexpected");
    cr_assert_not_null(c);
    cr_assert(json_is_null(json_object_get(c, "old")));
    cr_assert_not_null(find_change(doc, "diff case", "fixed", "cpython-3.12.1", "newly-expected"));
    c = find_change(doc, "diff case", "unexpected_both", "cpython-3.12.1", "observation-changed");
    cr_assert_not_null(c);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(c, "observation_diff"), "path")),
                     "outcome.value");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(c, "observation_diff"), "new")), 3);
    cr_assert_null(find_change(doc, "diff case", "same", "cpython-3.12.1", "observation-changed"));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "newly_expected")), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "observation_changed")), 1);
    /* grouped by case function: no case function twice */
    json_array_foreach(json_object_get(doc, "changes"), i, g)
        for (k = 0; k < i; k++) {
            json_t *h = json_array_get(json_object_get(doc, "changes"), k);
            cr_assert(!json_equal(json_object_get(g, "case"), json_object_get(h, "case")) ||
                      !json_equal(json_object_get(g, "function"), json_object_get(h, "function")));
        }
    json_decref(doc);

    /* the same report twice: nothing changed, exit 0 */
    rc = cmd((const char *[]){"diff", e.new_report, e.new_report, NULL}, &out, &err);
    cr_assert_eq(rc, 0, "%s%s", out.data, err.data);
    cr_assert(strstr(out.data, "diff: 0 newly unexpected, 0 newly as expected, 0 verdicts changed, 0 "
                               "observations changed; builds +0 -0, cases +0 -0, functions +0 -0; 0 "
                               "results only in OLD, 0 only in NEW\n"),
              "%s", out.data);
    /* backwards: what NEW fixed is newly unexpected in OLD (fixed on 3.12.1 was FAIL) */
    rc = cmd((const char *[]){"diff", e.new_report, e.old_report, NULL}, &out, &err);
    cr_assert_eq(rc, 1, "%s%s", out.data, err.data);
    cr_assert(strstr(out.data, "  newly unexpected     cpython-3.12.1 source: PASS -> FAIL; at "
                               "outcome.value: expected 2, observed 1\n"), "%s", out.data);

    pc_buf_free(&out);
    pc_buf_free(&err);
    env_free(&e);
}

/* ---- bad input and options, for both commands ------------------------------------------- */

Test(report_read, bad_input_and_options_exit_2, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0}, b = {0};
    char *cut, *v1, *xml, *xml_tmp;
    int rc;
    env_setup(&e);
    run_side(&e, false);
    cr_assert_eq(pc_read_file(e.old_report, &b, NULL), 0);
    cut = pc_asprintf(NULL, "%s/cut.json", e.dir);
    {
        FILE *f = fopen(cut, "w");
        fwrite(b.data, 1, b.len / 2, f);
        fclose(f);
    }
    v1 = write_tmp(e.dir, "v1.json", "{\n \"schema_version\": 1,\n \"harness\": {\"name\": \"pyconform\"}\n}\n");
    xml = pc_asprintf(NULL, "%s/out.xml", e.dir);
    xml_tmp = pc_asprintf(NULL, "%s/out.xml.tmp", e.dir);

    /* --help */
    rc = cmd((const char *[]){"junit", "--help", NULL}, &out, &err);
    cr_assert(rc == 0 && strstr(out.data, "usage: pyconform junit REPORT [-o FILE]"), "%s", out.data);
    rc = cmd((const char *[]){"diff", "--help", NULL}, &out, &err);
    cr_assert(rc == 0 && strstr(out.data, "usage: pyconform diff [--json] OLD.json NEW.json"), "%s", out.data);
    rc = cmd((const char *[]){"help", "diff", NULL}, &out, &err);
    cr_assert(rc == 0 && strstr(out.data, "usage: pyconform diff"), "%s", out.data);
    rc = cmd((const char *[]){"run", "--help", NULL}, &out, &err);
    cr_assert(rc == 0 && strstr(out.data, "--junit FILE"), "%s", out.data);

    /* options */
    rc = cmd((const char *[]){"junit", NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "junit: give one REPORT"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"junit", e.old_report, e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "junit: give one REPORT"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"junit", "--bogus", e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "unknown argument '--bogus'"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"junit", e.old_report, "-o", NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "-o: missing value"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"diff", e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "diff: give two reports"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"diff", "--bogus", e.old_report, e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "unknown argument '--bogus'"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"diff", "-o", "x", e.old_report, e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "unknown argument '-o'"), "%d %s", rc, err.data);

    /* bad reports */
    rc = cmd((const char *[]){"junit", "/nonexistent/r.json", NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "junit: /nonexistent/r.json: cannot read"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"junit", cut, "-o", xml, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "truncated report: the file ends inside"), "%d %s", rc, err.data);
    cr_assert(access(xml, F_OK) != 0 && access(xml_tmp, F_OK) != 0, "nothing written for a bad report");
    rc = cmd((const char *[]){"junit", v1, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "report schema 1 is not read by this pyconform"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"junit", e.old_report, "-o", "/nonexistent/dir/out.xml", NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "/nonexistent/dir/out.xml.tmp: cannot create the JUnit file"),
              "%d %s", rc, err.data);
    rc = cmd((const char *[]){"diff", "/nonexistent/r.json", e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "diff: /nonexistent/r.json: cannot read"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"diff", e.old_report, cut, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "truncated report"), "%d %s", rc, err.data);
    cr_assert_eq(out.len, 0, "nothing printed for a bad report: %s", out.data);
    rc = cmd((const char *[]){"diff", v1, e.old_report, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, "report schema 1 is not read by this pyconform"), "%d %s", rc, err.data);
    rc = cmd((const char *[]){"diff", "--json", e.old_report, e.dir, NULL}, &out, &err);
    cr_assert(rc == 2 && strstr(err.data, e.dir), "%d %s", rc, err.data);

    /* junit writes a file that is whole, and says nothing */
    rc = cmd((const char *[]){"junit", e.old_report, "--output", xml, NULL}, &out, &err);
    cr_assert(rc == 0 && out.len == 0, "%d %s %s", rc, out.data, err.data);
    cr_assert_eq(access(xml, R_OK), 0);
    cr_assert_neq(access(xml_tmp, F_OK), 0);

    /* run --junit into a folder that does not exist: refused before anything runs */
    {
        const char *args[] = {"run", "-q", "--interp", "cpython-3.12.1", "--cache", e.cache,
                              "--reports", e.dir, "--junit", "/nonexistent/dir/j.xml", cut};
        pc_buf_clear(&out);
        pc_buf_clear(&err);
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 120, &out, &err);
        cr_assert(rc == 2 && strstr(err.data, "--junit /nonexistent/dir/j.xml: /nonexistent/dir is not a "
                                              "writable folder"), "%d %s", rc, err.data);
    }

    free(cut);
    free(v1);
    free(xml);
    free(xml_tmp);
    pc_buf_free(&b);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_free(&e);
}

/* -o naming a pipe (or /dev/stdout, /dev/null) writes through it: the pipe is still a
 * pipe afterwards and its reader got the whole document. */
Test(report_read, junit_output_to_a_pipe_is_written_through, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0}, want = {0};
    char *fifo, *got;
    struct stat st;
    pid_t pid;
    int rc, status;
    env_setup(&e);
    run_side(&e, false);
    fifo = pc_asprintf(NULL, "%s/pipe", e.dir);
    got = pc_asprintf(NULL, "%s/got.xml", e.dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) { /* the reader: copy the pipe to got.xml; give up after 60 s */
        char buf[4096];
        ssize_t n;
        int in, o;
        alarm(60);
        in = open(fifo, O_RDONLY);
        o = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        while (in >= 0 && o >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(o, buf, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 && o >= 0 ? 0 : 1);
    }
    rc = cmd((const char *[]){"junit", e.old_report, "-o", fifo, NULL}, &out, &err);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(rc == 0, "%d %s", rc, err.data);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the reader got the document");
    cr_assert_eq(stat(fifo, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the pipe is still a pipe");
    rc = cmd((const char *[]){"junit", e.old_report, NULL}, &want, &err);
    cr_assert_eq(rc, 0);
    pc_buf_clear(&out);
    cr_assert_eq(pc_read_file(got, &out, NULL), 0);
    cr_assert(want.len > 1000 && out.len == want.len && !memcmp(out.data, want.data, want.len),
              "through the pipe: %zu bytes, on stdout: %zu", out.len, want.len);
    free(fifo);
    free(got);
    pc_buf_free(&out);
    pc_buf_free(&err);
    pc_buf_free(&want);
    env_free(&e);
}
