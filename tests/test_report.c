/* The streamed report writer (schema 2): rows written as they are judged, the dated
 * file renamed into place and latest.json a hard link to it; PASS rows compact,
 * observations interned once; outside text escaped; partial files removed; jobs
 * counted as they arrived; old reports pruned. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "execute.h"
#include "fixture.h"
#include "report.h"
#include "util.h"

#define MODULE_OBS "{\"compile_error\": null, \"error\": null, \"stdout\": \"\"}"
#define OBS(v) "{\"outcome\": {\"kind\": \"return\", \"value\": " v "}, \"stdout\": \"\"}"
#define DOC(fentries)                                                                         \
    "{\"schema\": 1, \"cases\": {\"c\": {\"<module>\": [{\"builds\": \"*\", \"source\": " MODULE_OBS \
    "}], \"f\": " fentries "}}}"

/* The names in DIR but "." and "..", sorted, joined by spaces (malloc'd). */
static char *dir_listing(const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort), i;
    pc_buf b = {0};
    cr_assert_geq(n, 0, "%s: %s", dir, strerror(errno));
    for (i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            if (b.len)
                pc_buf_append(&b, " ", 1, NULL);
            pc_buf_append(&b, names[i]->d_name, strlen(names[i]->d_name), NULL);
        }
        free(names[i]);
    }
    free(names);
    pc_buf_append(&b, "", 0, NULL);
    return b.data;
}

/* Judge fx's results (interrupted: the signal, or 0) streaming the rows into a report in
 * DIR, close it, and return the document read back from DIR/latest.json; *written gets
 * the dated path when wanted. */
static json_t *write_report(fixture *fx, pc_run_info *run, int interrupted, const char *dir,
                            char **written)
{
    pc_report_writer w;
    pc_error err;
    char *path = NULL, *latest;
    json_t *doc;
    json_error_t jerr;
    cr_assert_eq(pc_report_open(&w, dir, run->started, &err), 0, "%s", err.msg);
    judge_results(&fx->cases, &fx->plan, &fx->ex, fx->results, interrupted, &fx->cmp,
                  pc_report_row, &w);
    cr_assert_eq(w.rows, fx->cmp.len, "every row went through the sink");
    run->interrupted = interrupted;
    cr_assert_eq(pc_report_close(&w, run, &fx->reg, &fx->plan, &fx->cmp, NULL, &path, &err), 0,
                 "%s", err.msg);
    cr_assert_not_null(path);
    latest = pc_asprintf(NULL, "%s/latest.json", dir);
    doc = json_load_file(latest, 0, &jerr);
    cr_assert_not_null(doc, "%s: %s (line %d)", latest, jerr.text, jerr.line);
    free(latest);
    if (written)
        *written = path;
    else
        free(path);
    return doc;
}

/* The result row of a report for (function, interpreter, mode). */
/* A row names its job, and the job its interpreter and mode (schema 2). */
static json_t *row_job(json_t *report, json_t *row)
{
    json_t *job = json_array_get(json_object_get(report, "jobs"),
                                 (size_t)json_integer_value(json_object_get(row, "job")));
    cr_assert_not_null(job, "the row's job is in \"jobs\"");
    return job;
}

static json_t *row_json_find(json_t *report, const char *fn, const char *interp, const char *mode)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "results"), i, r) {
        json_t *job = row_job(report, r);
        if (!strcmp(json_string_value(json_object_get(r, "function")), fn) &&
            !strcmp(json_string_value(json_object_get(job, "interpreter")), interp) &&
            !strcmp(json_string_value(json_object_get(job, "mode")), mode))
            return r;
    }
    cr_assert_fail("no result for %s %s %s", fn, interp, mode);
    return NULL;
}

static const char *str_at(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static json_int_t summary_int(json_t *doc, const char *key)
{
    json_t *v = json_object_get(json_object_get(doc, "summary"), key);
    cr_assert(json_is_integer(v), "summary.%s is an integer", key);
    return json_integer_value(v);
}

Test(report, writes_latest_and_timestamped_copy)
{
    fixture fx;
    pc_run_info run = {0};
    json_t *doc, *copy, *rows, *r;
    char *written = NULL, *latest, *reports, *listing, *expect;
    char *argv[] = {"pyconform", "run", NULL};
    struct stat a, b;
    size_t i;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(2));
    returned(&fx, 2, json_integer(1));
    fx.results[3].status = PC_JOB_TIMEOUT;
    fx.results[3].detail = strdup("no result within 10 s");
    run.started = 1790000000;
    run.finished = 1790000001;
    run.seconds = 1.5;
    run.argc = 2;
    run.argv = argv;
    run.timeout = 10;
    run.parallel = 2;
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    doc = write_report(&fx, &run, 0, reports, &written);
    cr_assert(strstr(written, "/run-20260921T141320Z-") != NULL, "%s", written);

    /* latest.json is the dated file under a second name, not a copy */
    latest = pc_asprintf(NULL, "%s/latest.json", reports);
    cr_assert_eq(stat(latest, &a), 0);
    cr_assert_eq(stat(written, &b), 0);
    cr_assert_eq(a.st_ino, b.st_ino, "latest.json and %s are one inode", written);
    cr_assert_eq(a.st_dev, b.st_dev);
    cr_assert_eq(a.st_nlink, 2);
    copy = json_load_file(written, 0, NULL);
    cr_assert(json_equal(doc, copy));
    json_decref(copy);

    cr_assert_eq(json_integer_value(json_object_get(doc, "schema_version")), 2);
    cr_assert_str_eq(str_at(json_object_get(doc, "harness"), "name"), "pyconform");
    cr_assert_str_eq(str_at(json_object_get(doc, "run"), "started"), "2026-09-21T14:13:20Z");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "run"), "parallel")), 2);
    cr_assert_eq(summary_int(doc, "jobs_planned"), 4);
    cr_assert_eq(summary_int(doc, "jobs_reported"), 4);
    cr_assert(json_is_false(json_object_get(doc, "interrupted")));
    cr_assert_eq(json_integer_value(json_object_get(doc, "signal")), 0);
    cr_assert_eq(json_array_size(json_object_get(doc, "jobs")), 4, "one record per planned job");
    cr_assert_str_eq(str_at(json_array_get(json_object_get(doc, "jobs"), 3), "status"), "timeout");
    cr_assert_str_eq(str_at(json_array_get(json_object_get(doc, "jobs"), 3), "detail"), "no result within 10 s");
    rows = json_object_get(doc, "results");
    cr_assert_eq(json_array_size(rows), 8);
    cr_assert_eq(summary_int(doc, "results"), 8);
    json_array_foreach(rows, i, r) {
        /* the case, mode and interpreter are the job's, stored once there */
        cr_assert_null(json_object_get(r, "case"));
        cr_assert(json_is_string(json_object_get(row_job(doc, r), "case")));
        cr_assert(json_is_string(json_object_get(r, "function")));
        cr_assert(json_is_string(json_object_get(row_job(doc, r), "mode")));
        cr_assert(json_is_string(json_object_get(row_job(doc, r), "interpreter")));
        cr_assert(json_is_string(json_object_get(r, "verdict")));
        cr_assert(json_is_integer(json_object_get(r, "job")));
        cr_assert(json_is_real(json_object_get(r, "duration")));
    }
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "summary"), "verdicts"), "TIMEOUT")), 2);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "summary"), "jobs"), "timeout")), 1);
    cr_assert_eq(json_array_size(json_object_get(doc, "groups")), 4, "2 functions x 2 modes");
    cr_assert_eq(json_array_size(json_object_get(doc, "interpreters")), 2);
    cr_assert(json_is_array(json_object_get(doc, "stale")));

    /* nothing but the two names is left behind (no .tmp, no link in progress) */
    listing = dir_listing(reports);
    expect = pc_asprintf(NULL, "latest.json %s", strrchr(written, '/') + 1);
    cr_assert_str_eq(listing, expect);
    free(listing);
    free(expect);
    remove_tree(reports);
    json_decref(doc);
    free(written);
    free(latest);
    free(reports);
    teardown(&fx);
}

/* A report that cannot be started is an error naming the place, and leaves nothing. */
Test(report, unwritable_directory_is_an_error)
{
    pc_report_writer w;
    pc_error err;
    char dir[] = "/tmp/pc-rep-XXXXXX";
    char stamp[32], *blocker, *listing;

    cr_assert_eq(pc_report_open(&w, "/proc/nope", 0, &err), -1);
    cr_assert(strstr(err.msg, "/proc/nope") != NULL, "%s", err.msg);
    cr_assert_null(w.f);
    cr_assert_null(w.tmp);

    /* a folder that exists, where the report's file cannot be created (running as root,
     * permissions would not stop it: a directory sits where the .tmp would go) */
    cr_assert_not_null(mkdtemp(dir));
    pc_format_time(1790000000, true, stamp, sizeof stamp);
    blocker = pc_asprintf(NULL, "%s/run-%s-%ld.json.tmp", dir, stamp, (long)getpid());
    cr_assert_eq(mkdir(blocker, 0700), 0);
    cr_assert_eq(pc_report_open(&w, dir, 1790000000, &err), -1);
    cr_assert(strstr(err.msg, "cannot create the report") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, blocker) != NULL, "%s", err.msg);
    cr_assert_null(w.f);
    rmdir(blocker);
    listing = dir_listing(dir);
    cr_assert_str_eq(listing, "", "no file left: %s", listing);
    free(listing);
    free(blocker);
    rmdir(dir);
}

/* A run that fails after the report was started drops the partial file. */
Test(report, abort_removes_the_partial_file)
{
    fixture fx;
    pc_report_writer w;
    pc_error err;
    struct stat st;
    char *reports, *tmp, *listing;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    cr_assert_eq(pc_report_open(&w, reports, 1790000000, &err), 0, "%s", err.msg);
    judge_results(&fx.cases, &fx.plan, &fx.ex, fx.results, 0, &fx.cmp, pc_report_row, &w);
    cr_assert_eq(w.rows, 8);
    tmp = strdup(w.tmp);
    cr_assert(strstr(tmp, ".json.tmp") != NULL, "%s", tmp);
    fflush(w.f);
    cr_assert_eq(stat(tmp, &st), 0, "the rows are being written to %s", tmp);
    cr_assert_gt(st.st_size, 0);
    pc_report_abort(&w);
    cr_assert_neq(stat(tmp, &st), 0, "%s is gone", tmp);
    cr_assert_null(w.f);
    listing = dir_listing(reports);
    cr_assert_str_eq(listing, "", "nothing left: %s", listing);
    pc_report_abort(&w); /* twice is harmless */
    free(listing);
    free(tmp);
    remove_tree(reports);
    free(reports);
    teardown(&fx);
}

/* Stale expectations go into the report's "stale" array (moved here from test_input.c,
 * which built it with the schema-1 document builder). */
Test(report, stale_array)
{
    fixture fx;
    pc_expect_file f = {.path = "expected/x.json", .case_file = "cases/x.case"};
    pc_stale_list l = {0};
    pc_report_writer w;
    pc_run_info run = {0};
    pc_error err;
    char *reports, *written = NULL;
    json_t *doc, *a;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    cr_assert_eq(pc_stale_add(&l, PC_STALE_CASE, &f, "gone", "h", NULL, &err), 0);
    cr_assert_eq(pc_stale_add(&l, PC_STALE_FUNCTION, &f, "a", "g", "cpython-3.12.1", &err), 0);
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    cr_assert_eq(pc_report_open(&w, reports, 0, &err), 0, "%s", err.msg);
    judge_results(&fx.cases, &fx.plan, &fx.ex, fx.results, 0, &fx.cmp, pc_report_row, &w);
    cr_assert_eq(pc_report_close(&w, &run, &fx.reg, &fx.plan, &fx.cmp, &l, &written, &err), 0, "%s", err.msg);
    doc = json_load_file(written, 0, NULL);
    cr_assert_not_null(doc);
    a = json_object_get(doc, "stale");
    cr_assert_eq(json_array_size(a), 2);
    cr_assert_str_eq(str_at(json_array_get(a, 0), "file"), "expected/x.json");
    cr_assert_str_eq(str_at(json_array_get(a, 0), "case_file"), "cases/x.case");
    cr_assert_str_eq(str_at(json_array_get(a, 0), "case"), "gone");
    cr_assert_str_eq(str_at(json_array_get(a, 0), "kind"), "case");
    cr_assert_str_eq(str_at(json_array_get(a, 0), "why"), "cases/x.case defines no case \"gone\"");
    cr_assert(json_is_null(json_object_get(json_array_get(a, 0), "interpreter")));
    cr_assert_str_eq(str_at(json_array_get(a, 1), "kind"), "function");
    cr_assert_str_eq(str_at(json_array_get(a, 1), "function"), "g");
    cr_assert_str_eq(str_at(json_array_get(a, 1), "interpreter"), "cpython-3.12.1");
    json_decref(doc);
    free(written);
    pc_stale_list_free(&l);
    remove_tree(reports);
    free(reports);
    teardown(&fx);
}

/* ---- compact rows, interned observations ------------------------------------------------ */

/* PASS rows name their observation and nothing else; rows that are not PASS carry what
 * they were judged against and the first difference. */
Test(report, pass_rows_carry_no_expected_or_diff)
{
    fixture fx;
    pc_run_info run = {0};
    json_t *doc, *r, *e;
    char *reports;
    size_t i, pass = 0, other = 0;

    setup(&fx, DOC("[{\"builds\": \"cpython 3.8-3.12\", \"source\": " OBS("1") "},"
                   " {\"builds\": \"cpython 3.13+\", \"source\": " OBS("2") ", \"reason\": \"changed in 3.13\"}]"));
    returned(&fx, 0, json_integer(1)); /* PASS */
    returned(&fx, 1, json_integer(1)); /* PASS */
    returned(&fx, 2, json_integer(1)); /* FAIL: 2 expected */
    returned(&fx, 3, json_integer(3)); /* DIVERGE: differs from its source run */
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    doc = write_report(&fx, &run, 0, reports, NULL);

    json_array_foreach(json_object_get(doc, "results"), i, r) {
        if (!strcmp(str_at(r, "verdict"), "PASS")) {
            pass++;
            cr_assert_null(json_object_get(r, "expected"), "PASS row %zu has no expected", i);
            cr_assert_null(json_object_get(r, "diff"), "PASS row %zu has no diff", i);
            cr_assert_null(json_object_get(r, "detail"));
            cr_assert(json_integer_value(json_object_get(r, "observation")) > 0);
        } else {
            other++;
        }
    }
    cr_assert_eq(pass, 6, "<module> x 4 and f on 3.8 x 2");

    r = row_json_find(doc, "f", "cpython-3.13.0", "source");
    cr_assert_str_eq(str_at(r, "verdict"), "FAIL");
    /* reasons are stored once; a row names its own by index (from 1) */
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(doc, "reasons"),
                                                      (size_t)json_integer_value(json_object_get(r, "reason")) - 1)),
                     "changed in 3.13");
    e = json_object_get(r, "expected");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(e, "outcome"), "value")), 2);
    cr_assert_str_eq(str_at(json_object_get(r, "diff"), "path"), "outcome.value");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "diff"), "expected")), 2);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "diff"), "observed")), 1);

    r = row_json_find(doc, "f", "cpython-3.13.0", "desugared");
    cr_assert_str_eq(str_at(r, "verdict"), "DIVERGE");
    e = json_object_get(r, "expected");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(e, "outcome"), "value")), 1,
                 "judged against the source run");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "diff"), "expected")), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r, "diff"), "observed")), 3);
    cr_assert_eq(other, 2);
    cr_assert_eq(summary_int(doc, "unexpected"), 2);

    json_decref(doc);
    remove_tree(reports);
    free(reports);
    teardown(&fx);
}

/* Each distinct observation is held once in "observations" (index 0: null), and every
 * row and group names its own by index: equal observations share one. */
Test(report, observations_are_interned_and_rows_point_into_them)
{
    fixture fx;
    pc_run_info run = {0};
    json_t *doc, *obs, *r, *g, *grp, *o;
    char *reports;
    size_t i, k, ones = 0, sevens = 0;
    json_int_t id38, id313, id38d, id313d;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(7));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    doc = write_report(&fx, &run, 0, reports, NULL);

    obs = json_object_get(doc, "observations");
    cr_assert(json_is_array(obs));
    cr_assert(json_is_null(json_array_get(obs, 0)), "index 0 is null: nothing observed");
    cr_assert_eq(summary_int(doc, "observations"), (json_int_t)json_array_size(obs) - 1);
    json_array_foreach(json_object_get(doc, "results"), i, r) {
        json_int_t id = json_integer_value(json_object_get(r, "observation"));
        cr_assert(json_is_integer(json_object_get(r, "observation")), "row %zu observed something", i);
        cr_assert(id >= 1 && (size_t)id < json_array_size(obs), "row %zu: %lld in range", i, (long long)id);
        cr_assert(json_is_object(json_array_get(obs, (size_t)id)));
    }
    /* no two entries are equal */
    for (i = 1; i < json_array_size(obs); i++)
        for (k = i + 1; k < json_array_size(obs); k++)
            cr_assert_not(json_equal(json_array_get(obs, i), json_array_get(obs, k)),
                          "observations %zu and %zu are equal", i, k);
    json_array_foreach(obs, i, o) {
        json_t *v = json_object_get(json_object_get(o, "outcome"), "value");
        ones += v && json_integer_value(v) == 1;
        sevens += v && json_integer_value(v) == 7;
    }
    cr_assert_eq(ones, 1, "the return value 1, seen three times, is held once");
    cr_assert_eq(sevens, 1);

    id38 = json_integer_value(json_object_get(row_json_find(doc, "f", "cpython-3.8.18", "source"), "observation"));
    id313 = json_integer_value(json_object_get(row_json_find(doc, "f", "cpython-3.13.0", "source"), "observation"));
    id313d = json_integer_value(json_object_get(row_json_find(doc, "f", "cpython-3.13.0", "desugared"), "observation"));
    id38d = json_integer_value(json_object_get(row_json_find(doc, "f", "cpython-3.8.18", "desugared"), "observation"));
    cr_assert_eq(id38, id313, "two builds that returned the same value share one index");
    cr_assert_eq(id38, id313d);
    cr_assert_neq(id38, id38d);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(obs, (size_t)id38), "outcome"), "value")), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(obs, (size_t)id38d), "outcome"), "value")), 7);
    cr_assert_eq(json_integer_value(json_object_get(row_json_find(doc, "<module>", "cpython-3.8.18", "source"), "observation")),
                 json_integer_value(json_object_get(row_json_find(doc, "<module>", "cpython-3.13.0", "desugared"), "observation")));

    /* groups name the same indices: f in source mode is one group of both builds */
    json_array_foreach(json_object_get(doc, "groups"), i, g) {
        if (strcmp(str_at(g, "function"), "f") || strcmp(str_at(g, "mode"), "source"))
            continue;
        cr_assert_eq(json_array_size(json_object_get(g, "groups")), 1);
        grp = json_array_get(json_object_get(g, "groups"), 0);
        cr_assert_eq(json_integer_value(json_object_get(grp, "observation")), id38);
        cr_assert_eq(json_array_size(json_object_get(grp, "interpreters")), 2);
        ones = 99;
    }
    cr_assert_eq(ones, 99, "a group entry for f, source");

    json_decref(doc);
    remove_tree(reports);
    free(reports);
    teardown(&fx);
}

/* jobs_reported counts what arrived: an interrupted run leaves jobs undelivered, whose
 * rows are NOT-RUN and whose records say not-run. */
Test(report, jobs_reported_counts_what_arrived)
{
    fixture fx;
    pc_run_info run = {0};
    json_t *doc, *r, *jobs;
    char *reports;
    size_t i, not_run = 0;

    setup(&fx, DOC("[{\"builds\": \"*\", \"source\": " OBS("1") "}]"));
    returned(&fx, 0, json_integer(1));
    returned(&fx, 2, json_integer(1)); /* jobs 1 and 3 never arrive */
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    doc = write_report(&fx, &run, SIGINT, reports, NULL);

    cr_assert_eq(summary_int(doc, "jobs_planned"), 4);
    cr_assert_eq(summary_int(doc, "jobs_reported"), 2);
    cr_assert(json_is_true(json_object_get(doc, "interrupted")));
    cr_assert_eq(json_integer_value(json_object_get(doc, "signal")), SIGINT);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "summary"), "jobs"), "not-run")), 2);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "summary"), "jobs"), "ok")), 2);
    jobs = json_object_get(doc, "jobs");
    cr_assert_str_eq(str_at(json_array_get(jobs, 1), "status"), "not-run");
    cr_assert_str_eq(str_at(json_array_get(jobs, 3), "status"), "not-run");
    cr_assert_str_eq(str_at(json_array_get(jobs, 0), "status"), "ok");
    json_array_foreach(json_object_get(doc, "results"), i, r) {
        const char *mode = str_at(row_job(doc, r), "mode");
        if (!strcmp(mode, "desugared")) {
            cr_assert_str_eq(str_at(r, "verdict"), "NOT-RUN");
            cr_assert_null(json_object_get(r, "observation"), "nothing observed: no index");
            not_run++;
        } else {
            cr_assert_str_eq(str_at(r, "verdict"), "PASS", "source rows arrived");
        }
    }
    cr_assert_eq(not_run, 4);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "summary"), "verdicts"), "NOT-RUN")), 4);
    cr_assert_eq(summary_int(doc, "unexpected"), 4);

    json_decref(doc);
    remove_tree(reports);
    free(reports);
    teardown(&fx);
}

/* ---- text from outside ------------------------------------------------------------ */

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
 * desugarer's notes, a path, the command line, a problem) is written and printed, with the bytes escaped: no "out of memory", and the file is
 * valid JSON. */
Test(report, invalid_utf8_in_details_and_stderr_is_kept_escaped)
{
    fixture fx;
    pc_run_info run = {0};
    pc_translation tr = {0};
    json_t *back, *jobs, *interp, *u;
    char *argv[] = {"pyconform", "run", "cases/\xff.case", NULL};
    char *out = NULL, *reports;
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
    run.argc = 3;
    run.argv = argv;
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    back = write_report(&fx, &run, 0, reports, NULL);

    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(back, "run"), "command"), 2)),
                     "cases/\\xff.case");
    jobs = json_object_get(back, "jobs");
    cr_assert_str_eq(str_at(json_array_get(jobs, 2), "detail"),
                     "runner did not say hello; it printed: \\xff\\xfe\x1b[31m");
    cr_assert_str_eq(str_at(json_array_get(jobs, 3), "detail"),
                     "runner died during the job (signal 11); stderr: Fatal \\xc3(");
    cr_assert_str_eq(str_at(json_array_get(jobs, 1), "translation"), "external");
    u = json_object_get(json_array_get(jobs, 1), "untranslated");
    cr_assert_eq(json_array_size(u), 3, "two notes, one construct; the empty line is nothing");
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(u, 0), "line")), 3);
    cr_assert_str_eq(str_at(json_array_get(u, 0), "construct"), "Lambda \\xff");
    cr_assert_str_eq(str_at(json_array_get(u, 1), "note"), "warning: \\xfe odd");
    cr_assert_str_eq(str_at(json_array_get(u, 2), "note"), "untranslated: x: y");
    interp = json_array_get(json_object_get(back, "interpreters"), 0);
    cr_assert_str_eq(str_at(interp, "path"), "/opt/py\\xff/bin/python");
    interp = json_array_get(json_object_get(back, "interpreters"), 1);
    cr_assert_str_eq(str_at(interp, "problem"), "probe failed (exit code 1): \\xff");
    cr_assert_str_eq(str_at(row_json_find(back, "f", "cpython-3.13.0", "source"), "detail"),
                     "runner did not say hello; it printed: \\xff\\xfe\x1b[31m");
    cr_assert_str_eq(str_at(row_json_find(back, "f", "cpython-3.13.0", "desugared"), "detail"),
                     "runner died during the job (signal 11); stderr: Fatal \\xc3(");
    /* the terminal: the same escapes, control characters too, no raw bad byte */
    f = open_memstream(&out, &outlen);
    pc_report_print(f, &run, &fx.plan, &fx.cmp, 10, false);
    fclose(f);
    cr_assert(strstr(out, "it printed: \\xff\\xfe\\x1b[31m") != NULL, "%s", out);
    cr_assert(strstr(out, "stderr: Fatal \\xc3(") != NULL, "%s", out);
    cr_assert_eq(memchr(out, 0xff, outlen), NULL);
    cr_assert_eq(memchr(out, 0x1b, outlen), NULL);
    free(out);

    json_decref(back);
    remove_tree(reports);
    free(reports);
    fx.plan.jobs[1].translation = NULL;
    pc_translations_free(&tr, 1);
    teardown(&fx);
}

/* ---- a build that cannot be probed ------------------------------------------------------ */

/* pc_execute's callback for the broken-build test: checks what execute answered without
 * a runner, lets the good build have run (f returned 1), and hands every result to the
 * judge (pc_judge_job). */
typedef struct broken_ctx {
    pc_judge *judge;
    const pc_plan *plan;
    const pc_interp *good, *bad;
    const pc_case *with_f;
    size_t delivered;
} broken_ctx;

static int broken_on_result(void *ctx, size_t job, pc_job_result *r, pc_error *err)
{
    broken_ctx *b = ctx;
    const pc_job *j = &b->plan->jobs[job];
    b->delivered++;
    cr_assert_eq(r->status, PC_JOB_ERROR, "job %zu", job);
    if (j->interp == b->bad) {
        cr_assert_str_eq(r->detail, "probe failed (exit code 3): boom");
    } else {
        json_t *module;
        cr_assert(strstr(r->detail, "cannot start runner") != NULL, "%s", r->detail);
        /* as though the good build's runner had answered */
        pc_job_result_clear(r);
        module = json_pack("{s:n, s:n, s:s, s:[]}", "compile_error", "error", "stdout", "", "calls");
        if (j->kase == b->with_f)
            json_array_append_new(json_object_get(module, "calls"), json_string("f"));
        cr_assert_eq(pc_result_set_module(r, module, err), 0, "%s", err->msg);
        json_decref(module);
        if (j->kase == b->with_f) {
            json_t *fn = json_pack("{s:s, s:{s:s, s:i}, s:s}", "name", "f", "outcome", "kind", "return",
                                   "value", 1, "stdout", "");
            cr_assert_eq(pc_result_set_call(r, 0, fn, NULL, err), 0, "%s", err->msg);
            json_decref(fn);
        }
        r->status = PC_JOB_OK;
    }
    return pc_judge_job(b->judge, job, r, err);
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
    pc_judge judge;
    pc_report_writer w;
    pc_run_info run = {0};
    pc_exec_options eo = {.parallel = 1, .timeout = 5, .startup_timeout = 5, .runner = "/nonexistent/runner.py",
                          .max_output = 1 << 20, .stop_fd = -1};
    broken_ctx b = {0};
    int stopped = 0;
    pc_error err;
    char *good_argv[] = {"/nonexistent/good-python", NULL}, *bad_argv[] = {"/nonexistent/bad-python", NULL};
    const char *text = "$ a\ndef f(): return 1\n$ b\nx = 1\n";
    char dir[] = "/tmp/pc-rep-XXXXXX";
    char *reports, *written = NULL;
    json_t *doc, *r, *interp;
    size_t i, errors = 0, modules = 0, bad_jobs = 0;
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

    /* the good build's runner cannot start here (no such binary): its jobs are ERROR
     * "cannot start runner"; the broken build's are ERROR with its problem, unsent */
    reports = pc_asprintf(NULL, "%s/reports", dir);
    cr_assert_eq(pc_report_open(&w, reports, 0, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_judge_init(&judge, &cases, &plan, &ex, &cmp, pc_report_row, &w, &err), 0, "%s", err.msg);
    b.judge = &judge;
    b.plan = &plan;
    b.good = good;
    b.bad = bad;
    b.with_f = &cases.items[0];
    cr_assert_eq(pc_execute(&plan, &eo, broken_on_result, &b, &stopped, &err), 0, "%s", err.msg);
    cr_assert_eq(stopped, 0);
    cr_assert_eq(b.delivered, plan.len, "every job answered once");
    cr_assert_eq(pc_judge_finish(&judge, NULL, &err), 0, "%s", err.msg);
    pc_judge_free(&judge);
    cr_assert_eq(cmp.jobs_reported, 4);

    for (i = 0; i < cmp.len; i++) {
        if (pc_row_interp(&cmp, &cmp.rows[i]) != bad)
            continue;
        cr_assert_eq(cmp.rows[i].verdict, PC_ERROR);
        cr_assert_str_eq(cmp.rows[i].detail, "probe failed (exit code 3): boom");
        errors++;
        modules += strcmp(cmp.rows[i].function, PC_MODULE_FUNCTION) == 0;
    }
    cr_assert_eq(modules, 2, "a <module> row for each case");
    cr_assert_eq(errors, 3, "and one for f, which the good build reported");

    cr_assert_eq(pc_report_close(&w, &run, &reg, &plan, &cmp, NULL, &written, &err), 0, "%s", err.msg);
    doc = json_load_file(written, 0, NULL);
    cr_assert_not_null(doc);
    interp = json_array_get(json_object_get(doc, "interpreters"), 1);
    cr_assert_str_eq(str_at(interp, "name"), "bad");
    cr_assert_str_eq(str_at(interp, "problem"), "probe failed (exit code 3): boom");
    cr_assert(json_is_true(json_object_get(interp, "selected")));
    cr_assert(json_is_false(json_object_get(interp, "supported")));
    json_array_foreach(json_object_get(doc, "jobs"), i, r) {
        if (strcmp(str_at(r, "interpreter"), "bad") == 0) {
            cr_assert_str_eq(str_at(r, "status"), "error");
            cr_assert_str_eq(str_at(r, "detail"), "probe failed (exit code 3): boom");
            bad_jobs++;
        } else {
            cr_assert_str_eq(str_at(r, "status"), "ok");
        }
    }
    cr_assert_eq(bad_jobs, 2);
    r = row_json_find(doc, PC_MODULE_FUNCTION, "bad", "source");
    cr_assert_str_eq(str_at(r, "verdict"), "ERROR");
    cr_assert_str_eq(str_at(r, "detail"), "probe failed (exit code 3): boom");
    cr_assert_null(json_object_get(r, "observation"), "nothing observed");
    r = row_json_find(doc, "f", "bad", "source");
    cr_assert_str_eq(str_at(r, "verdict"), "ERROR");
    cr_assert_eq(summary_int(doc, "unexpected"), (json_int_t)cmp.unexpected);
    cr_assert_geq(summary_int(doc, "unexpected"), 3, "the bad build's rows at least");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "summary"), "verdicts"), "ERROR")), 3);

    json_decref(doc);
    free(written);
    good->impl = good->version = NULL;
    pc_comparison_free(&cmp);
    pc_plan_free(&plan);
    pc_registry_free(&reg);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    remove_tree(dir);
    free(reports);
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
    cr_assert_eq(access(strcat(strcat(strcpy(name, dir), "/"), "latest.json"), F_OK), 0, "latest.json stays");
    cr_assert_eq(pc_report_prune(dir, 10, &removed, &err), 0);
    cr_assert_eq(removed, 0, "a second prune finds nothing more to remove");
    remove_tree(dir);
    cr_assert_neq(pc_report_prune(dir, 3, &removed, &err), 0, "a missing folder is an error");
    cr_assert(strstr(err.msg, "cannot list the reports") != NULL, "%s", err.msg);
}

/* Pruning after real runs: the newest N dated reports stay, and latest.json (a link to
 * the newest) still reads as it did. */
Test(report, prune_after_runs_keeps_latest_readable)
{
    fixture fx;
    pc_run_info run = {0};
    char *reports, *written[3], *listing, *expect;
    size_t removed, i;
    pc_error err;
    json_t *doc;

    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    reports = pc_asprintf(NULL, "%s/reports", fx.dir);
    for (i = 0; i < 3; i++) {
        run.started = 1790000000 + 60.0 * (double)i;
        json_decref(write_report(&fx, &run, 0, reports, &written[i]));
        pc_comparison_free(&fx.cmp);
        memset(&fx.cmp, 0, sizeof fx.cmp);
    }
    cr_assert_eq(pc_report_prune(reports, 1, &removed, &err), 0, "%s", err.msg);
    cr_assert_eq(removed, 2);
    listing = dir_listing(reports);
    expect = pc_asprintf(NULL, "latest.json %s", strrchr(written[2], '/') + 1);
    cr_assert_str_eq(listing, expect);
    doc = json_load_file(written[2], 0, NULL);
    cr_assert_str_eq(str_at(json_object_get(doc, "run"), "started"), "2026-09-21T14:15:20Z");
    json_decref(doc);
    for (i = 0; i < 3; i++)
        free(written[i]);
    free(listing);
    free(expect);
    remove_tree(reports);
    free(reports);
    teardown(&fx);
}
