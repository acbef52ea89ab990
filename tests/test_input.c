/* Input checked before anything runs, through the real binary: a bad expectation file
 * or case file stops `run`, `bless` and `changes` with FILE:LINE and exit 2 before any
 * interpreter is started; stale expectations are listed (terminal and report) and
 * `bless` removes them, creating the --expected directory when missing. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "process.h"
#include "report.h"
#include "util.h"

typedef struct run_out {
    int code;
    pc_buf out, err;
    json_t *report;
} run_out;

/* pyconform ARGS... with reports into reports_dir (run, bless); the report is loaded
 * when one was written. */
static void run_pc(run_out *r, const char *reports_dir, const char *const *args, size_t nargs)
{
    const char *reports[] = {"--reports", reports_dir, NULL};
    char *latest;
    memset(r, 0, sizeof *r);
    r->code = run_binary(args, nargs, reports_dir ? reports : NULL, 300, &r->out, &r->err);
    if (reports_dir) {
        latest = pc_asprintf(NULL, "%s/latest.json", reports_dir);
        r->report = json_load_file(latest, 0, NULL);
        free(latest);
    }
}

static void run_free(run_out *r)
{
    pc_buf_free(&r->out);
    pc_buf_free(&r->err);
    json_decref(r->report);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *mkdir_in(const char *dir, const char *name)
{
    char *p = pc_asprintf(NULL, "%s/%s", dir, name);
    pc_error err;
    cr_assert_eq(pc_mkdir_p(p, &err), 0, "%s", err.msg);
    return p;
}

/* A case whose module body leaves a marker file: it exists only if the case ran. */
static char *marker_case(const char *dir, char **marker)
{
    char *text, *path;
    *marker = pc_asprintf(NULL, "%s/ran", dir);
    text = pc_asprintf(NULL, "$ a\nopen(%s%s%s, 'w').close()\ndef f():\n    return 1\n", "'", *marker, "'");
    path = write_tmp(dir, "x.case", text);
    free(text);
    return path;
}

static const char bad_selector_doc[] =
    "{\"schema\": 1, \"case_file\": \"x.case\", \"cases\": {\"a\": {\n"
    "  \"f\": [\n"
    "    {\"builds\": \"cpython 3.8-3.11\", \"source\": null},\n"
    "    {\"builds\": \"cpython 3.x+\", \"source\": null}]}}}\n";

Test(input, bad_expectation_stops_every_command_before_anything_runs)
{
    char dir[] = "/tmp/pc-input-XXXXXX";
    const char *cmds[] = {"run", "bless", "changes"};
    char *exp, *reports, *marker, *kase, *json, *want;
    size_t i;
    cr_assert_not_null(mkdtemp(dir));
    exp = mkdir_in(dir, "expected");
    reports = mkdir_in(dir, "reports");
    kase = marker_case(dir, &marker);
    json = write_tmp(exp, "x.json", bad_selector_doc);
    want = pc_asprintf(NULL, "pyconform: %s:4: cases[\"a\"][\"f\"][1]: bad \"builds\" selector \"cpython 3.x+\": "
                       "\"3.x\" is not a version", json);
    for (i = 0; i < 3; i++) {
        const char *args[] = {cmds[i], "--expected", exp, kase};
        run_out r;
        run_pc(&r, i < 2 ? reports : NULL, args, 4);
        cr_assert_eq(r.code, 2, "%s: exit %d\n%s%s", cmds[i], r.code, r.out.data, r.err.data);
        cr_assert(strstr(r.err.data, want) != NULL, "%s: want %s\ngot: %s", cmds[i], want, r.err.data);
        cr_assert_null(r.report, "%s: nothing ran, nothing was reported", cmds[i]);
        cr_assert_neq(access(marker, F_OK), 0, "%s: the case ran", cmds[i]);
        run_free(&r);
    }
    free(want);
    free(json);
    free(kase);
    free(marker);
    free(reports);
    free(exp);
    rm_rf(dir);
}

Test(input, bad_case_file_line_endings_stop_the_run)
{
    char dir[] = "/tmp/pc-input-XXXXXX";
    const char *args[4] = {"run", "--expected", NULL, NULL};
    char *exp, *reports, *kase;
    run_out r;
    cr_assert_not_null(mkdtemp(dir));
    exp = mkdir_in(dir, "expected");
    reports = mkdir_in(dir, "reports");
    kase = write_tmp(dir, "cr.case", "$ a\rdef f():\r    return 1\r");
    args[2] = exp;
    args[3] = kase;
    run_pc(&r, reports, args, 4);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err.data, "cr.case:1: CR-only line endings are not supported; convert to LF") != NULL, "%s",
              r.err.data);
    cr_assert_null(r.report);
    run_free(&r);
    free(kase);
    free(reports);
    free(exp);
    rm_rf(dir);
}

#define OBS1 "{\"outcome\": {\"kind\": \"return\", \"value\": 1}, \"stdout\": \"\"}"

Test(input, stale_expectations_listed_then_blessed_away)
{
    char dir[] = "/tmp/pc-input-XXXXXX";
    char *exp, *reports, *kase, *json, *fresh, *fresh_json;
    json_t *doc, *stale, *cases;
    run_out r;
    cr_assert_not_null(mkdtemp(dir));
    exp = mkdir_in(dir, "expected");
    reports = mkdir_in(dir, "reports");
    kase = write_tmp(dir, "s.case", "$ a\ndef f():\n    return 1\n");
    json = write_tmp(exp, "s.json",
                     "{\"schema\": 1, \"case_file\": \"s.case\", \"cases\": {"
                     "\"a\": {\"g\": [{\"builds\": \"cpython 3.8+\", \"source\": " OBS1 "},"
                     "              {\"builds\": \"pypy 3.9+\", \"source\": " OBS1 "}]},"
                     "\"gone\": {\"h\": [{\"builds\": \"*\", \"source\": " OBS1 "}]}}}\n");
    {
        const char *args[] = {"run", "--interp", "cpython-3.12*", "--mode", "source", "--expected", exp, kase};
        run_pc(&r, reports, args, 8);
    }
    if (r.code == 2 && strstr(r.err.data, "no supported interpreter matches"))
        cr_skip_test("no CPython 3.12 build here");
    cr_assert_eq(r.code, 1, "f has no expectation: FAIL\n%s%s", r.out.data, r.err.data);
    cr_assert(strstr(r.err.data, "pyconform: stale expectation: ") != NULL, "%s", r.err.data);
    cr_assert(strstr(r.err.data, "s.json: case \"gone\" function \"h\" (") != NULL, "%s", r.err.data);
    cr_assert(strstr(r.err.data, "s.json: case \"a\" function \"g\" (no job of the run reported it") != NULL, "%s",
              r.err.data);
    cr_assert_not_null(r.report);
    stale = json_object_get(r.report, "stale");
    cr_assert_eq(json_array_size(stale), 2, "%s", r.err.data);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(stale, 0), "kind")), "case");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(stale, 0), "case")), "gone");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(stale, 1), "kind")), "function");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(stale, 1), "function")), "g");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(stale, 1), "case_file")), kase);
    cr_assert(!strncmp(json_string_value(json_object_get(json_array_get(stale, 1), "interpreter")), "cpython-3.12", 12));
    run_free(&r);

    {
        const char *args[] = {"bless", "--interp", "cpython-3.12*", "--mode", "source", "--expected", exp, kase};
        run_pc(&r, reports, args, 8);
    }
    cr_assert_eq(r.code, 0, "%s%s", r.out.data, r.err.data);
    cr_assert(strstr(r.out.data, "removed stale expectation") != NULL, "%s", r.out.data);
    doc = json_load_file(json, 0, NULL);
    cr_assert_not_null(doc);
    cases = json_object_get(doc, "cases");
    cr_assert_null(json_object_get(cases, "gone"));
    cr_assert_not_null(json_object_get(json_object_get(cases, "a"), "f"), "the new function is recorded");
    cr_assert_eq(json_array_size(json_object_get(json_object_get(cases, "a"), "g")), 1,
                 "only PyPy's entry, which this run did not cover, is left");
    json_decref(doc);
    run_free(&r);

    /* a stale-free run now */
    {
        const char *args[] = {"run", "--interp", "cpython-3.12*", "--mode", "source", "--expected", exp, kase};
        run_pc(&r, reports, args, 8);
    }
    cr_assert_eq(r.code, 0, "%s%s", r.out.data, r.err.data);
    cr_assert_null(strstr(r.err.data, "stale expectation"), "%s", r.err.data);
    cr_assert_eq(json_array_size(json_object_get(r.report, "stale")), 0);
    cr_assert(json_is_array(json_object_get(r.report, "stale")));
    run_free(&r);

    /* bless --expected DIR creates DIR */
    fresh = pc_asprintf(NULL, "%s/new/expected", dir);
    fresh_json = pc_asprintf(NULL, "%s/s.json", fresh);
    {
        const char *args[] = {"bless", "--interp", "cpython-3.12*", "--mode", "source", "--expected", fresh, kase};
        run_pc(&r, reports, args, 8);
    }
    cr_assert_eq(r.code, 0, "%s%s", r.out.data, r.err.data);
    doc = json_load_file(fresh_json, 0, NULL);
    cr_assert_not_null(doc, "%s written", fresh_json);
    json_decref(doc);
    run_free(&r);

    free(fresh_json);
    free(fresh);
    free(json);
    free(kase);
    free(reports);
    free(exp);
    rm_rf(dir);
}
