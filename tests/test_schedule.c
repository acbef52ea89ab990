/* Scheduling hints: REPORTS/timings.json written at the end of a run, read before the
 * next plan. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "schedule.h"
#include "util.h"

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/pc-schedule-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static void cleanup(char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/timings.json", dir);
    remove(path);
    remove(dir);
    free(dir);
}

Test(schedule, seconds_per_build_are_summed_saved_and_loaded)
{
    char *dir = tmpdir(), path[256];
    pc_interp in[3] = {{.name = "fast"}, {.name = "slow"}, {.name = "broken"}};
    pc_job jobs[5] = {0};
    pc_job_record res[5] = {0};
    pc_plan plan = {.jobs = jobs, .len = 5, .cap = 5};
    pc_registry reg = {.items = in, .len = 3, .cap = 3};
    pc_error err;
    json_t *t;
    jobs[0].interp = &in[0];
    res[0] = (pc_job_record){.status = PC_JOB_OK, .seconds = 0.25};
    jobs[1].interp = &in[0];
    res[1] = (pc_job_record){.status = PC_JOB_CRASH, .seconds = 0.5};
    jobs[2].interp = &in[1];
    res[2] = (pc_job_record){.status = PC_JOB_OK, .seconds = 4.0};
    jobs[3].interp = &in[1];
    res[3] = (pc_job_record){.status = PC_JOB_SKIPPED, .seconds = 100.0}; /* not run: not counted */
    jobs[4].interp = &in[2];
    res[4] = (pc_job_record){.status = PC_JOB_ERROR, .seconds = 0}; /* no time: no entry */
    cr_assert_eq(pc_schedule_save(dir, &plan, res, &err), 0, "%s", err.msg);

    snprintf(path, sizeof path, "%s/timings.json", dir);
    t = json_load_file(path, 0, NULL);
    cr_assert_not_null(t);
    cr_assert_eq(json_integer_value(json_object_get(t, "schema")), 1);
    cr_assert_float_eq(json_real_value(json_object_get(json_object_get(t, "builds"), "fast")), 0.75, 1e-9);
    cr_assert_float_eq(json_real_value(json_object_get(json_object_get(t, "builds"), "slow")), 4.0, 1e-9);
    cr_assert_null(json_object_get(json_object_get(t, "builds"), "broken"));
    json_decref(t);

    pc_schedule_load(dir, &reg);
    cr_assert_float_eq(in[0].est_seconds, 0.75, 1e-9);
    cr_assert_float_eq(in[1].est_seconds, 4.0, 1e-9);
    cr_assert_eq(in[2].est_seconds, 0);

    /* a later run of one build replaces its entry and keeps the others */
    plan.len = 1;
    res[0].seconds = 2.0;
    cr_assert_eq(pc_schedule_save(dir, &plan, res, &err), 0, "%s", err.msg);
    pc_schedule_load(dir, &reg);
    cr_assert_float_eq(in[0].est_seconds, 2.0, 1e-9);
    cr_assert_float_eq(in[1].est_seconds, 4.0, 1e-9);
    cleanup(dir);
}

Test(schedule, a_missing_or_garbled_file_means_no_times)
{
    char *dir = tmpdir(), path[256];
    pc_interp in[1] = {{.name = "a", .est_seconds = 7}};
    pc_registry reg = {.items = in, .len = 1, .cap = 1};
    FILE *f;
    pc_schedule_load(dir, &reg);
    cr_assert_eq(in[0].est_seconds, 0);
    snprintf(path, sizeof path, "%s/timings.json", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"schema\": 1, \"builds\": {\"a\": \"slow\"}", f);
    fclose(f);
    in[0].est_seconds = 7;
    pc_schedule_load(dir, &reg);
    cr_assert_eq(in[0].est_seconds, 0);
    cleanup(dir);
}
