/* The report writer: latest + timestamped copies, atomic, schema fields present. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
