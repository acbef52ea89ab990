/* The report writer: latest + timestamped copies, atomic, schema fields present. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "report.h"
#include "util.h"

Test(report, writes_latest_and_timestamped_copy)
{
    fixture fx;
    pc_run_info run = {0};
    pc_error err;
    json_t *doc, *loaded, *copy, *rows, *r;
    char *written = NULL, *latest, *reports;
    char *argv[] = {"pyconform", "run", NULL};
    DIR *d;
    struct dirent *e;
    int files = 0;
    size_t i;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(2));
    returned(&fx, 2, json_integer(1));
    fx.results[3].status = PC_JOB_TIMEOUT;
    fx.results[3].detail = strdup("no result within 10 s");
    compare(&fx);
    run.started = 1790000000;
    run.finished = 1790000001;
    run.seconds = 1.5;
    run.argc = 2;
    run.argv = argv;
    run.timeout = 10;
    run.parallel = 2;
    doc = pc_report_build(&run, &fx.reg, &fx.plan, fx.results, &fx.cmp, &err);
    cr_assert_not_null(doc, "%s", err.msg);
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    cr_assert_eq(pc_report_write(doc, reports, run.started, &written, &err), 0, "%s", err.msg);
    cr_assert(strstr(written, "/run-20260921T") != NULL, "%s", written);

    latest = pc_asprintf(NULL, "%s/latest.json", reports);
    loaded = json_load_file(latest, 0, NULL);
    cr_assert_not_null(loaded);
    copy = json_load_file(written, 0, NULL);
    cr_assert(json_equal(loaded, copy));
    json_decref(copy);
    cr_assert_eq(json_integer_value(json_object_get(loaded, "schema_version")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(loaded, "run"), "started")), "2026-09-21T14:13:20Z");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(loaded, "summary"), "jobs_planned")), 4);
    cr_assert_eq(json_array_size(json_object_get(loaded, "jobs")), 4, "one record per planned job");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(loaded, "jobs"), 3), "status")), "timeout");
    rows = json_object_get(loaded, "results");
    cr_assert_eq(json_array_size(rows), 8);
    json_array_foreach(rows, i, r) {
        cr_assert_not_null(json_object_get(r, "case"));
        cr_assert_not_null(json_object_get(r, "function"));
        cr_assert_not_null(json_object_get(r, "mode"));
        cr_assert_not_null(json_object_get(r, "interpreter"));
        cr_assert_not_null(json_object_get(r, "verdict"));
        cr_assert_not_null(json_object_get(r, "duration"));
    }
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(loaded, "summary"), "verdicts"), "TIMEOUT")), 2);
    cr_assert_not_null(json_object_get(loaded, "groups"));
    cr_assert_eq(json_array_size(json_object_get(loaded, "interpreters")), 2);

    /* nothing but the two reports is left behind (no temp files) */
    d = opendir(reports);
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            char *p = pc_asprintf(NULL, "%s/%s", reports, e->d_name);
            files++;
            remove(p);
            free(p);
        }
    closedir(d);
    cr_assert_eq(files, 2);
    remove(reports);
    json_decref(loaded);
    json_decref(doc);
    free(written);
    free(latest);
    free(reports);
    teardown(&fx);
}

Test(report, unwritable_directory_is_an_error)
{
    json_t *doc = json_object();
    pc_error err;
    char *written;
    cr_assert_eq(pc_report_write(doc, "/proc/nope", 0, &written, &err), -1);
    cr_assert(strstr(err.msg, "/proc/nope") != NULL, "%s", err.msg);
    json_decref(doc);
}

/* ---- text from outside ------------------------------------------------------------ */

/* The result row of a report for (function, interpreter, mode). */
static json_t *row_json_find(json_t *report, const char *fn, const char *interp, const char *mode)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "results"), i, r) {
        if (!strcmp(json_string_value(json_object_get(r, "function")), fn) &&
            !strcmp(json_string_value(json_object_get(r, "interpreter")), interp) &&
            !strcmp(json_string_value(json_object_get(r, "mode")), mode))
            return r;
    }
    cr_assert_fail("no result for %s %s %s", fn, interp, mode);
    return NULL;
}

static char *escaped(const char *s, size_t len, bool terminal)
{
    pc_buf b = {0};
    pc_error err;
    cr_assert_eq(pc_text_escape(&b, s, len, terminal, &err), 0);
    return b.data;
}

Test(report, invalid_utf8_becomes_backslash_x_escapes)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"plain ascii \\ kept", 18, "plain ascii \\ kept"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"a\xff" "b", 3, "a\\xffb"},
        {"\xe2\x82", 2, "\\xe2\\x82"},               /* truncated sequence */
        {"\xc0\x80", 2, "\\xc0\\x80"},               /* overlong NUL */
        {"\xed\xa0\x80", 3, "\\xed\\xa0\\x80"},      /* surrogate */
        {"\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80"}, /* beyond U+10FFFF */
        {"a\0b", 3, "a\\x00b"},                      /* NUL: never inside a C string */
        {"\x80\xc3\xa9", 3, "\\x80\xc3\xa9"},        /* a lone continuation byte */
        {"tab\tnl\nesc\x1b[0m", 14, "tab\tnl\nesc\x1b[0m"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *e = escaped(cases[i].in, cases[i].len, false);
        cr_assert_str_eq(e, cases[i].out, "case %zu", i);
        free(e);
    }
    /* the terminal also shows control characters (but newline and tab) escaped */
    {
        char *e = escaped("tab\tnl\nesc\x1b[0m\r\x7f\xff", 17, true);
        cr_assert_str_eq(e, "tab\tnl\nesc\\x1b[0m\\x0d\\x7f\\xff");
        free(e);
    }
    /* clipping never cuts a character in two */
    cr_assert_eq(pc_text_clip("a\xe2\x82\xac" "b", 5, 3), 1);
    cr_assert_eq(pc_text_clip("a\xe2\x82\xac" "b", 5, 4), 4);
    cr_assert_eq(pc_text_clip("a\xff\xff", 3, 2), 2, "an invalid byte stands alone");
    cr_assert_eq(pc_text_clip("abc", 3, 10), 3);
}

Test(report, pc_json_text_always_makes_a_string)
{
    json_t *j = pc_json_text("ok \xff\xfe end", 9), *n = pc_json_textz(NULL);
    char *dump;
    cr_assert(json_is_string(j));
    cr_assert_str_eq(json_string_value(j), "ok \\xff\\xfe end");
    dump = json_dumps(j, JSON_ENCODE_ANY);
    cr_assert_str_eq(dump, "\"ok \\\\xff\\\\xfe end\"", "a backslash in JSON: %s", dump);
    free(dump);
    json_decref(j);
    cr_assert(json_is_null(n));
    j = pc_json_textz("caf\xc3\xa9");
    cr_assert_str_eq(json_string_value(j), "caf\xc3\xa9", "valid text is unchanged");
    json_decref(j);
    cr_assert_null(json_string("\xff"), "what jansson does with it alone (the old out-of-memory report)");
}

/* A report whose outside text is not UTF-8 (a runner's output before hello, the
 * desugarer's notes, a path, the command line, a problem) is built and printed, with
 * the bytes escaped: no "out of memory". */
Test(report, invalid_utf8_in_details_and_stderr_is_kept_escaped)
{
    fixture fx;
    pc_run_info run = {0};
    pc_error err;
    pc_translation tr = {0};
    json_t *doc, *back, *jobs, *interp, *u;
    char *argv[] = {"pyconform", "run", "cases/\xff.case", NULL};
    char *text, *out = NULL;
    size_t outlen = 0;
    FILE *f;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    fx.results[2].status = PC_JOB_ERROR;
    fx.results[2].detail = strdup("runner did not say hello; it printed: \xff\xfe\x1b[31m");
    fx.results[3].status = PC_JOB_CRASH;
    fx.results[3].detail = strdup("runner died during the job (signal 11); stderr: Fatal \xc3(");
    tr.source = PC_TR_EXTERNAL;
    tr.text = strdup("def f(): return 1\n");
    tr.notes = strdup("untranslated: 3: Lambda \xff\nwarning: \xfe odd\n\nuntranslated: x: y\n");
    fx.plan.jobs[1].translation = &tr;
    free(fx.reg.items[0].path);
    fx.reg.items[0].path = strdup("/opt/py\xff/bin/python");
    fx.reg.items[1].problem = strdup("probe failed (exit code 1): \xff");
    compare(&fx);
    run.argc = 3;
    run.argv = argv;
    doc = pc_report_build(&run, &fx.reg, &fx.plan, fx.results, &fx.cmp, &err);
    cr_assert_not_null(doc, "%s", err.msg);
    text = json_dumps(doc, JSON_INDENT(1));
    cr_assert_not_null(text, "the document is valid: it can be written");
    back = json_loads(text, 0, NULL);
    cr_assert_not_null(back, "and read back");
    free(text);

    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(back, "run"), "command"), 2)),
                     "cases/\\xff.case");
    jobs = json_object_get(back, "jobs");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(jobs, 2), "detail")),
                     "runner did not say hello; it printed: \\xff\\xfe\x1b[31m");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(jobs, 3), "detail")),
                     "runner died during the job (signal 11); stderr: Fatal \\xc3(");
    u = json_object_get(json_array_get(jobs, 1), "untranslated");
    cr_assert_eq(json_array_size(u), 3, "two notes, one construct; the empty line is nothing");
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(u, 0), "line")), 3);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(u, 0), "construct")), "Lambda \\xff");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(u, 1), "note")), "warning: \\xfe odd");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(u, 2), "note")), "untranslated: x: y");
    interp = json_array_get(json_object_get(back, "interpreters"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(interp, "path")), "/opt/py\\xff/bin/python");
    interp = json_array_get(json_object_get(back, "interpreters"), 1);
    cr_assert_str_eq(json_string_value(json_object_get(interp, "problem")), "probe failed (exit code 1): \\xff");
    cr_assert_str_eq(json_string_value(json_object_get(row_json_find(back, "f", "cpython-3.13.0", "source"), "detail")),
                     "runner did not say hello; it printed: \\xff\\xfe\x1b[31m");

    /* the terminal: the same escapes, control characters too, no raw bad byte */
    f = open_memstream(&out, &outlen);
    pc_report_print(f, &run, &fx.plan, &fx.cmp, 10);
    fclose(f);
    cr_assert(strstr(out, "it printed: \\xff\\xfe\\x1b[31m") != NULL, "%s", out);
    cr_assert(strstr(out, "stderr: Fatal \\xc3(") != NULL, "%s", out);
    cr_assert_eq(memchr(out, 0xff, outlen), NULL);
    cr_assert_eq(memchr(out, 0x1b, outlen), NULL);
    free(out);

    json_decref(back);
    json_decref(doc);
    fx.plan.jobs[1].translation = NULL;
    pc_translations_free(&tr, 1);
    teardown(&fx);
}

/* A selected build that cannot be probed: its jobs are planned with the problem,
 * answered ERROR by pc_execute without a runner, and every case still has a <module>
 * ERROR row for it (plus the functions other builds reported); the report lists it
 * with its problem and counts its rows as unexpected. */
Test(report, broken_build_gives_error_rows_with_its_problem)
{
    pc_caseset cases = {0};
    pc_registry reg = {0};
    pc_plan plan = {0};
    pc_expectations ex = {0};
    pc_comparison cmp = {0};
    pc_job_result *results;
    pc_run_info run = {0};
    pc_exec_options eo = {1, 5, 5, "/nonexistent/runner.py", 0, 1 << 20, 0, -1};
    int stopped = 0;
    pc_error err;
    char *good_argv[] = {"/nonexistent/good-python", NULL}, *bad_argv[] = {"/nonexistent/bad-python", NULL};
    const char *text = "$ a\ndef f(): return 1\n$ b\nx = 1\n";
    char dir[] = "/tmp/pc-rep-XXXXXX";
    json_t *doc, *r, *interp;
    size_t i, errors = 0, modules = 0;
    pc_interp *good, *bad;

    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/t.case", text, strlen(text), &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_registry_add(&reg, "test", "good", good_argv, NULL, NULL, &err), 0);
    cr_assert_eq(pc_registry_add(&reg, "config", "bad", bad_argv, NULL, NULL, &err), 0);
    good = &reg.items[0];
    good->probe = json_pack("{s:s, s:s}", "implementation", "cpython", "version", "3.12.0");
    good->impl = "cpython";
    good->version = "3.12.0";
    pc_version_parse("3.12.0", &good->ver);
    good->supported = true;
    bad = &reg.items[1];
    bad->problem = strdup("probe failed (exit code 3): boom");
    bad->broken = true;
    cr_assert_eq(pc_registry_select(&reg, NULL, 0, NULL, 0), 2);
    cr_assert_eq(pc_plan_build(&plan, &cases, &reg, PC_MODES_SOURCE, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(plan.len, 4, "2 cases x 2 builds, source only");
    results = calloc(plan.len, sizeof *results);

    /* the good build's runner cannot start here (no such binary): its jobs are ERROR
     * "cannot start runner"; the broken build's are ERROR with its problem, unsent */
    cr_assert_eq(pc_execute(&plan, &eo, results, &stopped, &err), 0, "%s", err.msg);
    cr_assert_eq(stopped, 0);
    for (i = 0; i < plan.len; i++) {
        cr_assert_eq(results[i].status, PC_JOB_ERROR);
        if (plan.jobs[i].interp == bad)
            cr_assert_str_eq(results[i].detail, "probe failed (exit code 3): boom");
        else
            cr_assert(strstr(results[i].detail, "cannot start runner") != NULL, "%s", results[i].detail);
    }
    /* now let the good build have run case a (f returned 1) and case b */
    for (i = 0; i < plan.len; i++) {
        if (plan.jobs[i].interp != good)
            continue;
        free(results[i].detail);
        results[i].detail = NULL;
        results[i].status = PC_JOB_OK;
        results[i].result = json_pack("{s:I, s:{s:n, s:n, s:s}, s:[]}", "id", (json_int_t)i, "module",
                                      "compile_error", "error", "stdout", "", "functions");
        if (plan.jobs[i].kase == &cases.items[0])
            json_array_append_new(json_object_get(results[i].result, "functions"),
                                  json_pack("{s:s, s:{s:s, s:i}, s:s}", "name", "f", "outcome", "kind",
                                            "return", "value", 1, "stdout", ""));
    }
    cr_assert_eq(pc_compare(&cases, &plan, results, &ex, &cmp, &err), 0, "%s", err.msg);
    for (i = 0; i < cmp.len; i++) {
        if (cmp.rows[i].interp != bad)
            continue;
        cr_assert_eq(cmp.rows[i].verdict, PC_ERROR);
        cr_assert_str_eq(cmp.rows[i].detail, "probe failed (exit code 3): boom");
        errors++;
        modules += strcmp(cmp.rows[i].function, PC_MODULE_FUNCTION) == 0;
    }
    cr_assert_eq(modules, 2, "a <module> row for each case");
    cr_assert_eq(errors, 3, "and one for f, which the good build reported");

    run.argc = 0;
    doc = pc_report_build(&run, &reg, &plan, results, &cmp, &err);
    cr_assert_not_null(doc, "%s", err.msg);
    interp = json_array_get(json_object_get(doc, "interpreters"), 1);
    cr_assert_str_eq(json_string_value(json_object_get(interp, "name")), "bad");
    cr_assert_str_eq(json_string_value(json_object_get(interp, "problem")), "probe failed (exit code 3): boom");
    cr_assert(json_is_true(json_object_get(interp, "selected")));
    cr_assert(json_is_false(json_object_get(interp, "supported")));
    json_array_foreach(json_object_get(doc, "jobs"), i, r) {
        if (strcmp(json_string_value(json_object_get(r, "interpreter")), "bad") == 0) {
            cr_assert_str_eq(json_string_value(json_object_get(r, "status")), "error");
            cr_assert_str_eq(json_string_value(json_object_get(r, "detail")), "probe failed (exit code 3): boom");
        }
    }
    r = row_json_find(doc, PC_MODULE_FUNCTION, "bad", "source");
    cr_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "ERROR");
    cr_assert_geq(json_integer_value(json_object_get(json_object_get(doc, "summary"), "unexpected")), 3);

    json_decref(doc);
    good->impl = good->version = NULL;
    pc_comparison_free(&cmp);
    pc_job_results_free(results, plan.len);
    free(results);
    pc_plan_free(&plan);
    pc_registry_free(&reg);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    rmdir(dir);
}

Test(report, prune_keeps_the_newest_timestamped_reports)
{
    char dir[] = "/tmp/pc-prune-XXXXXX";
    char name[64];
    size_t removed = 99, i;
    pc_error err;
    cr_assert_not_null(mkdtemp(dir));
    for (i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "run-202612%02zuT000000Z-1.json", i + 1);
        free(write_tmp(dir, name, "{}"));
    }
    free(write_tmp(dir, "latest.json", "{}"));
    free(write_tmp(dir, "notes.json", "{}"));
    cr_assert_eq(pc_report_prune(dir, 0, &removed, &err), 0, "%s", err.msg);
    cr_assert_eq(removed, 0, "keep 0 keeps every report");
    cr_assert_eq(pc_report_prune(dir, 10, &removed, &err), 0, "%s", err.msg);
    cr_assert_eq(removed, 2);
    for (i = 0; i < 12; i++) {
        char *path;
        snprintf(name, sizeof name, "run-202612%02zuT000000Z-1.json", i + 1);
        path = pc_asprintf(NULL, "%s/%s", dir, name);
        cr_assert_eq(access(path, F_OK) == 0, i >= 2, "%s: the two oldest go, the newest ten stay", name);
        free(path);
    }
    cr_assert_eq(pc_report_prune(dir, 10, &removed, &err), 0);
    cr_assert_eq(removed, 0, "a second prune finds nothing more to remove");
    remove_tree(dir);
    cr_assert_neq(pc_report_prune(dir, 3, &removed, &err), 0, "a missing folder is an error");
    cr_assert(strstr(err.msg, "cannot list the reports") != NULL, "%s", err.msg);
}
