/* The three comparisons: desugared vs source, build vs expected/, across builds. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "groups.h"
#include "util.h"

#include "fixture.h"

#define MODULE_OBS "{\"compile_error\": null, \"error\": null, \"stdout\": \"\"}"
#define OBS(v) "{\"outcome\": {\"kind\": \"return\", \"value\": " v "}, \"stdout\": \"\"}"
#define DOC(fentries) \
    "{\"schema\": 1, \"cases\": {\"c\": {\"<module>\": [{\"builds\": \"*\", \"source\": " MODULE_OBS "}], " \
    "\"f\": " fentries "}}}"

Test(compare, pass_and_fail_against_expected)
{
    fixture fx;
    const pc_row *r;
    setup(&fx, DOC("[{\"builds\": \"cpython 3.8-3.12\", \"source\": " OBS("1") "},"
                   " {\"builds\": \"cpython 3.13+\", \"source\": " OBS("2") ", \"reason\": \"changed in 3.13\"}]"));
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    compare(&fx);
    cr_assert_eq(fx.cmp.len, 8, "2 functions x 2 interpreters x 2 modes");
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_SOURCE)->verdict, PC_PASS);
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_PASS);
    cr_assert_eq(row(&fx, "<module>", "cpython-3.13.0", PC_MODE_SOURCE)->verdict, PC_PASS);
    r = row(&fx, "f", "cpython-3.13.0", PC_MODE_SOURCE);
    cr_assert_eq(r->verdict, PC_FAIL);
    cr_assert_str_eq(json_string_value(json_object_get(r->diff, "path")), "outcome.value");
    cr_assert_eq(json_integer_value(json_object_get(r->diff, "expected")), 2);
    cr_assert_eq(json_integer_value(json_object_get(r->diff, "observed")), 1);
    cr_assert_eq(row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED)->verdict, PC_FAIL,
                 "desugared equal to a wrong source is wrong too");
    cr_assert_eq(fx.cmp.unexpected, 2);
    teardown(&fx);
}

Test(compare, divergence_recorded_is_xfail_and_unrecorded_is_diverge)
{
    fixture fx;
    const pc_row *r;
    setup(&fx, DOC("[{\"builds\": \"cpython 3.8\", \"source\": " OBS("1") ", \"desugared\": " OBS("5")
                   ", \"divergence\": \"the translation adds a key\"},"
                   " {\"builds\": \"cpython 3.13\", \"source\": " OBS("1") "}]"));
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(5));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(6));
    compare(&fx);
    r = row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED);
    cr_assert_eq(r->verdict, PC_XFAIL);
    cr_assert_str_eq(pc_row_reason(&fx.cmp, r), "the translation adds a key");
    r = row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED);
    cr_assert_eq(r->verdict, PC_DIVERGE);
    cr_assert_eq(json_integer_value(json_object_get(r->diff, "expected")), 1, "compared with the source run");
    cr_assert_eq(json_integer_value(json_object_get(r->diff, "observed")), 6);
    cr_assert_eq(fx.cmp.unexpected, 1);
    teardown(&fx);
}

Test(compare, divergence_gone_is_xpass_and_reasonless_is_diverge)
{
    fixture fx;
    setup(&fx, DOC("[{\"builds\": \"cpython 3.8\", \"source\": " OBS("1") ", \"desugared\": " OBS("5")
                   ", \"divergence\": \"was different\"},"
                   " {\"builds\": \"cpython 3.13\", \"source\": " OBS("1") ", \"desugared\": " OBS("5")
                   ", \"divergence\": null}]"));
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(5));
    compare(&fx);
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_XPASS);
    cr_assert_eq(row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED)->verdict, PC_DIVERGE);
    teardown(&fx);
}

Test(compare, missing_expectation_and_failed_jobs)
{
    fixture fx;
    const pc_row *r;
    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    fx.results[1].status = PC_JOB_TIMEOUT;
    fx.results[1].detail = strdup("no result within 10 s");
    returned(&fx, 2, json_integer(1));
    fx.results[3].status = PC_JOB_CRASH;
    fx.results[3].detail = strdup("runner died during the job (killed by signal 11 (Segmentation fault))");
    compare(&fx);
    r = row(&fx, "f", "cpython-3.8.18", PC_MODE_SOURCE);
    cr_assert_eq(r->verdict, PC_FAIL);
    cr_assert(strstr(r->detail, "no expectation") != NULL);
    /* a job that did not complete gives its verdict to every function of the case */
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_TIMEOUT);
    cr_assert_eq(row(&fx, "<module>", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_TIMEOUT);
    r = row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED);
    cr_assert_eq(r->verdict, PC_CRASH);
    cr_assert(strstr(r->detail, "signal 11") != NULL);
    cr_assert_eq(fx.cmp.counts[PC_TIMEOUT], 2);
    cr_assert_eq(fx.cmp.counts[PC_CRASH], 2);
    teardown(&fx);
}

Test(compare, absent_function_diverges)
{
    fixture fx;
    setup(&fx, DOC("[{\"builds\": \"cpython 3.8+\", \"source\": " OBS("1") "}]"));
    returned(&fx, 0, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    /* job 1 ran but reported no functions at all */
    fx.results[1].status = PC_JOB_OK;
    fx.results[1].result = json_pack("{s:i, s:{s:n, s:n, s:s}, s:[]}", "id", 1, "module",
                                     "compile_error", "error", "stdout", "", "functions");
    compare(&fx);
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_DIVERGE);
    cr_assert_null(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->observation);
    teardown(&fx);
}

/* The sets as JSON, interpreters by name, for the assertions below. */
static int keep_group(void *ctx, const pc_group_set *set, pc_error *err)
{
    json_t *groups = json_array();
    size_t g, i;
    (void)err;
    for (g = 0; g < set->n; g++) {
        json_t *names = json_array();
        for (i = 0; i < set->groups[g].n; i++)
            json_array_append_new(names, json_string(set->groups[g].interps[i]->name));
        json_array_append_new(groups, json_pack("{s:s, s:o, s:I}", "builds", set->groups[g].builds,
                                                "interpreters", names, "observation",
                                                (json_int_t)set->groups[g].observation));
    }
    return json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:o}", "case", set->kase->name,
                                                "function", set->function, "mode",
                                                pc_mode_name(set->mode), "groups", groups));
}

Test(compare, groups_across_builds)
{
    fixture fx;
    json_t *g, *groups, *all = json_array();
    size_t i;
    pc_error err;
    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(2));
    returned(&fx, 3, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_groups_each(&fx.cmp, keep_group, all, &err), 0, "%s", err.msg);
    groups = NULL;
    json_array_foreach(all, i, g) {
        if (!strcmp(json_string_value(json_object_get(g, "function")), "f") &&
            !strcmp(json_string_value(json_object_get(g, "mode")), "source"))
            groups = json_object_get(g, "groups");
    }
    cr_assert_not_null(groups);
    cr_assert_eq(json_array_size(groups), 2, "%s", json_dumps(all, 0));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(groups, 0), "builds")), "cpython 3.8");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(groups, 1), "builds")), "cpython 3.13+");
    /* each group names its observation by interned id: the two differ, and are the rows' */
    cr_assert_neq(json_integer_value(json_object_get(json_array_get(groups, 0), "observation")),
                  json_integer_value(json_object_get(json_array_get(groups, 1), "observation")));
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(groups, 0), "observation")),
                 row(&fx, "f", "cpython-3.8.18", PC_MODE_SOURCE)->observation);
    json_array_foreach(all, i, g) {
        if (!strcmp(json_string_value(json_object_get(g, "function")), "f") &&
            !strcmp(json_string_value(json_object_get(g, "mode")), "desugared")) {
            cr_assert_eq(json_array_size(json_object_get(g, "groups")), 1);
            cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(g, "groups"), 0), "builds")),
                             "cpython 3.8+");
        }
    }
    json_decref(all);
    teardown(&fx);
}

Test(compare, json_diff_paths)
{
    json_t *a = json_loads("{\"outcome\": {\"value\": {\"dict\": [[\"h\", 1], [\"w\", 2]]}}}", 0, NULL);
    json_t *b = json_loads("{\"outcome\": {\"value\": {\"dict\": [[\"y\", 1], [\"w\", 2]]}}}", 0, NULL);
    json_t *c = json_loads("{\"outcome\": {\"value\": {\"dict\": [[\"h\", 1]]}}}", 0, NULL);
    json_t *d = pc_json_diff(a, b);
    cr_assert_str_eq(json_string_value(json_object_get(d, "path")), "outcome.value.dict[0][0]");
    cr_assert_str_eq(json_string_value(json_object_get(d, "expected")), "h");
    json_decref(d);
    d = pc_json_diff(a, c);
    cr_assert_str_eq(json_string_value(json_object_get(d, "path")), "outcome.value.dict[1]");
    cr_assert(json_is_null(json_object_get(d, "observed")));
    json_decref(d);
    cr_assert_null(pc_json_diff(a, a));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

/* Scope classification and f_locals at return are judged like the outcome; the
 * translation's own code, frames and names are recorded beside, never judged. */
Test(compare, scopes_and_f_locals_are_judged_translation_fields_only_recorded)
{
    fixture fx;
    const pc_row *r;
    size_t i;
    setup(&fx, DOC("[{\"builds\": \"cpython 3.8+\", \"source\": {\"outcome\": {\"kind\": \"return\", "
                   "\"value\": 1}, \"stdout\": \"\", \"scopes\": {\"f\": {\"varnames\": [\"x\"], "
                   "\"cellvars\": [], \"freevars\": []}}, \"f_locals_at_return\": [{\"function\": \"f\", "
                   "\"locals\": {\"dict\": [[\"x\", 1]]}}]}}]"));
    for (i = 0; i < 4; i++) {
        json_t *f;
        returned(&fx, i, json_integer(1));
        f = json_array_get(json_object_get(fx.results[i].result, "functions"), 0);
        json_object_set_new(f, "scopes", json_pack("{s:{s:[s], s:[], s:[]}}", "f", "varnames",
                                                    i >= 2 ? "y" : "x", "cellvars", "freevars"));
        json_object_set_new(f, "f_locals_at_return",
                            json_pack("[{s:s, s:{s:[[s, i]]}}]", "function", "f", "locals", "dict", "x",
                                      i == 3 ? 2 : 1));
        /* a desugared run's own frames differ on every build: recorded, not judged */
        json_object_set_new(f, "translation_frames",
                            json_pack("[{s:s, s:i}]", "function", "_dp_helper", "n", (int)i));
    }
    compare(&fx);
    r = row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED);
    cr_assert_eq(r->verdict, PC_PASS, "translation_frames differ from build to build but are not judged");
    {
        json_t *rec = pc_intern_load(&fx.cmp.observations, r->recorded);
        json_t *obs = pc_row_observation(&fx.cmp, r);
        cr_assert(json_object_get(rec, "translation_frames") != NULL, "shown in the report");
        cr_assert(json_object_get(obs, "translation_frames") == NULL);
        cr_assert(json_object_get(obs, "outcome") != NULL);
        json_decref(rec);
        json_decref(obs);
    }
    r = row(&fx, "f", "cpython-3.13.0", PC_MODE_SOURCE);
    cr_assert_eq(r->verdict, PC_FAIL, "a different scope classification fails");
    cr_assert_str_eq(json_string_value(json_object_get(r->diff, "path")), "scopes.f.varnames[0]");
    r = row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED);
    cr_assert_eq(r->verdict, PC_DIVERGE, "f_locals at return compared between source and desugared");
    cr_assert_str_eq(json_string_value(json_object_get(r->diff, "path")),
                     "f_locals_at_return[0].locals.dict[0][1]");
    teardown(&fx);
}

Test(compare, job_and_call_statuses_map_to_verdicts_by_the_table)
{
    static const char *const statuses[] = {"pending", "ok", "timeout", "crash", "error", "skipped", "not-run"};
    int v;
    size_t i;
    cr_assert_eq(pc_verdict_for_status(PC_JOB_TIMEOUT), PC_TIMEOUT);
    cr_assert_eq(pc_verdict_for_status(PC_JOB_CRASH), PC_CRASH);
    cr_assert_eq(pc_verdict_for_status(PC_JOB_ERROR), PC_ERROR);
    cr_assert_eq(pc_verdict_for_status(PC_JOB_SKIPPED), PC_SKIP);
    cr_assert_eq(pc_verdict_for_status(PC_JOB_NOT_RUN), PC_NOT_RUN);
    /* OK is judged, and a result never filled (PENDING) is never a success */
    cr_assert_eq(pc_verdict_for_status(PC_JOB_OK), PC_ERROR);
    cr_assert_eq(pc_verdict_for_status(PC_JOB_PENDING), PC_ERROR);
    cr_assert_eq(pc_verdict_for_status((pc_job_status)99), PC_ERROR);
    for (i = 0; i < sizeof statuses / sizeof *statuses; i++)
        cr_assert_str_eq(pc_job_status_name((pc_job_status)i), statuses[i]);
    /* the table's rules: what it gives without judging is incomplete and unexpected,
     * except SKIP; judged verdicts observed something */
    for (v = 0; v < PC_VERDICT_COUNT; v++) {
        const pc_verdict_info *info = pc_verdict_get((pc_verdict)v);
        cr_assert_eq(info->incomplete, info->status != PC_JOB_PENDING, "%s", info->name);
        if (info->incomplete && v != PC_SKIP)
            cr_assert_not(info->expected, "%s", info->name);
        cr_assert_eq(pc_verdict_by_name(info->name), v);
    }
    cr_assert_eq(pc_verdict_by_name("NOPE"), -1);
}

/* Every planned job gets exactly one result: one that never arrived is NOT-RUN after an
 * interruption and ERROR otherwise, and jobs_reported counts only what arrived. */
Test(compare, jobs_without_a_result_are_counted_and_never_pass)
{
    fixture fx;
    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 2, json_integer(1));
    judge_results(&fx.cases, &fx.plan, &fx.ex, fx.results, 2, &fx.cmp, NULL, NULL);
    cr_assert_eq(fx.cmp.jobs_reported, 2);
    cr_assert_eq(fx.cmp.statuses[PC_JOB_NOT_RUN], 2);
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_NOT_RUN);
    pc_comparison_free(&fx.cmp);
    judge_results(&fx.cases, &fx.plan, &fx.ex, fx.results, 0, &fx.cmp, NULL, NULL);
    cr_assert_eq(fx.cmp.jobs_reported, 2);
    cr_assert_eq(row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED)->verdict, PC_ERROR);
    cr_assert(strstr(row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED)->detail, "lost") != NULL);
    teardown(&fx);
}

/* A result arriving twice for one job is the harness's bug, and is refused. */
Test(compare, a_second_result_for_a_job_is_refused)
{
    fixture fx;
    pc_judge j;
    pc_error err;
    pc_job_result r = {0};
    setup(&fx, NULL);
    cr_assert_eq(pc_judge_init(&j, &fx.cases, &fx.plan, &fx.ex, &fx.cmp, NULL, NULL, &err), 0);
    pc_job_result_fail(&r, PC_JOB_ERROR, strdup("x"), 0);
    cr_assert_eq(pc_judge_job(&j, 0, &r, &err), 0);
    pc_job_result_clear(&r);
    pc_job_result_fail(&r, PC_JOB_ERROR, strdup("x"), 0);
    cr_assert_eq(pc_judge_job(&j, 0, &r, &err), -1);
    cr_assert(strstr(err.msg, "twice") != NULL, "%s", err.msg);
    cr_assert_eq(pc_judge_job(&j, 99, &r, &err), -1);
    pc_job_result_clear(&r);
    pc_judge_free(&j);
    teardown(&fx);
}

/* Run keeps its expectations in spill mode (expected.h): every verdict, detail and diff
 * is the one the in-memory store gives, PASS, FAIL, XFAIL and DIVERGE alike. */
Test(compare, spilled_expectations_judge_as_in_memory_ones)
{
    fixture fx;
    pc_expectations sp = {0};
    pc_comparison cmp = {0};
    pc_error err;
    size_t i;
    setup(&fx, DOC("[{\"builds\": \"cpython 3.8-3.12\", \"source\": " OBS("1") ", \"desugared\": " OBS("5")
                   ", \"divergence\": \"known\"}, {\"builds\": \"cpython 3.13+\", \"source\": " OBS("2") "}]"));
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(5));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(7));
    compare(&fx);
    cr_assert_eq(pc_expect_spill(&sp, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_load(&sp, fx.dir, &fx.cases, &err), 0, "%s", err.msg);
    judge_results(&fx.cases, &fx.plan, &sp, fx.results, 0, &cmp, NULL, NULL);
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_SOURCE)->verdict, PC_PASS);
    cr_assert_eq(row(&fx, "f", "cpython-3.8.18", PC_MODE_DESUGARED)->verdict, PC_XFAIL);
    cr_assert_eq(row(&fx, "f", "cpython-3.13.0", PC_MODE_SOURCE)->verdict, PC_FAIL);
    cr_assert_eq(row(&fx, "f", "cpython-3.13.0", PC_MODE_DESUGARED)->verdict, PC_DIVERGE);
    cr_assert_eq(cmp.len, fx.cmp.len);
    for (i = 0; i < cmp.len; i++) {
        const pc_row *a = &fx.cmp.rows[i], *b = &cmp.rows[i];
        cr_assert_eq(a->verdict, b->verdict, "row %zu", i);
        cr_assert_eq(a->observation, b->observation, "row %zu", i);
        cr_assert_eq(a->reason == 0, b->reason == 0, "row %zu", i);
        if (a->reason)
            cr_assert_str_eq(pc_row_reason(&fx.cmp, a), pc_row_reason(&cmp, b));
        cr_assert_eq(a->detail == NULL, b->detail == NULL, "row %zu", i);
        if (a->detail)
            cr_assert_str_eq(a->detail, b->detail);
        cr_assert(a->diff ? json_equal(a->diff, b->diff) : !b->diff, "row %zu", i);
    }
    cr_assert_eq(cmp.unexpected, fx.cmp.unexpected);
    pc_comparison_free(&cmp);
    pc_expect_free(&sp);
    teardown(&fx);
}

/* With release_texts set (run), a case block's texts are kept while any job of it is
 * still out and released when its last result arrives. */
Test(compare, a_case_keeps_its_texts_until_its_last_job_ends)
{
    fixture fx;
    pc_judge j;
    pc_error err;
    size_t i;
    setup(&fx, NULL);
    cr_assert_not_null(fx.cases.items[0].source);
    cr_assert_eq(pc_judge_init(&j, &fx.cases, &fx.plan, &fx.ex, &fx.cmp, NULL, NULL, &err), 0);
    j.release_texts = &fx.cases;
    for (i = 0; i < fx.plan.len; i++) {
        pc_job_result r = {0};
        cr_assert_not_null(fx.cases.items[0].source, "job %zu is still out", i);
        pc_job_result_fail(&r, PC_JOB_CRASH, strdup("died"), 0);
        cr_assert_eq(pc_judge_job(&j, i, &r, &err), 0, "%s", err.msg);
        pc_job_result_clear(&r);
    }
    cr_assert_null(fx.cases.items[0].source, "every job ended: released");
    cr_assert_null(fx.cases.items[0].desugared);
    cr_assert_eq(pc_judge_finish(&j, 0, &err), 0);
    cr_assert_eq(fx.cmp.counts[PC_CRASH], fx.cmp.len);
    pc_judge_free(&j);
    teardown(&fx);
}
