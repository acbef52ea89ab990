/* fixture.c - see fixture.h. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>

#include "process.h"
#include "util.h"

/* Leaks fail the suite. Criterion runs each test in a forked worker; LeakSanitizer's
 * report at the worker's exit comes after the worker told the runner the test ended, so
 * the runner records its exit code (23) too late to count and the suite passed with the
 * report in its log. Instead every suite's fini (run in the worker, after the test's own
 * cleanup) asks LeakSanitizer for a check now; a leak becomes an error message, and
 * Criterion exits non-zero when any error was logged. PC_TEST_SUITE is the suite name,
 * set per test executable in tests/CMakeLists.txt. */
#if defined(__SANITIZE_ADDRESS__)
#define PC_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PC_HAVE_LSAN 1
#endif
#endif
#ifdef PC_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static void leak_check(void)
{
#ifdef PC_HAVE_LSAN
    if (__lsan_do_recoverable_leak_check())
        cr_log_error("LeakSanitizer: %s::%s leaked memory (report above)",
                     criterion_current_test->category, criterion_current_test->name);
#endif
}

#define PC_SUITE_WITH_LEAK_CHECK(name) TestSuite(name, .fini = leak_check)
#ifdef PC_TEST_SUITE
PC_SUITE_WITH_LEAK_CHECK(PC_TEST_SUITE);
#endif

void fx_add_interp(pc_registry *reg, const char *name, const char *version)
{
    pc_error err;
    char *argv[] = {(char *)name, NULL};
    pc_interp *in;
    cr_assert_eq(pc_registry_add(reg, "test", name, argv, NULL, NULL, &err), 0);
    in = &reg->items[reg->len - 1];
    in->probe = json_pack("{s:s, s:s}", "implementation", "cpython", "version", version);
    in->impl = "cpython";
    in->version = json_string_value(json_object_get(in->probe, "version"));
    pc_version_parse(version, &in->ver);
    in->supported = in->selected = true;
}

/* One case "c" with a translation, two interpreters, expectations from `expected_json`. */
void setup(fixture *fx, const char *expected_json)
{
    pc_error err;
    const char *text = "$ c\ndef f(): return 1\n=\ndef f(): return 1\n";
    memset(fx, 0, sizeof *fx);
    strcpy(fx->dir, "/tmp/pc-cmp-XXXXXX");
    cr_assert_not_null(mkdtemp(fx->dir));
    cr_assert_eq(pc_parse_text(&fx->cases, "cases/c.case", text, strlen(text), &err), 0);
    fx_add_interp(&fx->reg, "cpython-3.8.18", "3.8.18");
    fx_add_interp(&fx->reg, "cpython-3.13.0", "3.13.0");
    cr_assert_eq(pc_plan_build(&fx->plan, &fx->cases, &fx->reg, PC_MODES_ALL, NULL, &err), 0);
    cr_assert_eq(fx->plan.len, 4);
    if (expected_json)
        free(write_tmp(fx->dir, "c.json", expected_json));
    cr_assert_eq(pc_expect_load(&fx->ex, fx->dir, &fx->cases, &err), 0, "%s", err.msg);
}

void fx_registry_free(pc_registry *reg)
{
    for (size_t i = 0; i < reg->len; i++)
        reg->items[i].impl = reg->items[i].version = NULL;
    pc_registry_free(reg);
}

void teardown(fixture *fx)
{
    char *path = pc_asprintf(NULL, "%s/c.json", fx->dir);
    remove(path);
    free(path);
    remove(fx->dir);
    pc_comparison_free(&fx->cmp);
    fx_results_free(fx->results, fx->plan.len);
    pc_plan_free(&fx->plan);
    fx_registry_free(&fx->reg);
    pc_expect_free(&fx->ex);
    pc_caseset_free(&fx->cases);
}

void returned(fixture *fx, size_t i, json_t *v)
{
    fx->results[i].status = PC_JOB_OK;
    json_decref(fx->results[i].result);
    fx->results[i].result = json_pack(
        "{s:I, s:{s:n, s:n, s:s}, s:[{s:s, s:{s:s, s:o}, s:s, s:f}]}", "id", (json_int_t)i,
        "module", "compile_error", "error", "stdout", "", "functions", "name", "f", "outcome",
        "kind", "return", "value", v, "stdout", "", "seconds", 0.001);
}

const pc_row *row(fixture *fx, const char *fn, const char *interp, pc_mode mode)
{
    for (size_t i = 0; i < fx->cmp.len; i++) {
        const pc_row *r = &fx->cmp.rows[i];
        if (!strcmp(r->function, fn) && !strcmp(pc_row_interp(&fx->cmp, r)->name, interp) && pc_row_mode(&fx->cmp, r) == mode)
            return r;
    }
    cr_assert_fail("no row %s %s %d", fn, interp, mode);
    return NULL;
}

/* The runner-shaped JSON of one job into the result model, as execute.c builds it. */
static void to_model(const fx_result *in, pc_job_result *out)
{
    pc_error err;
    json_t *module, *fns, *f, *calls;
    size_t i, k = 0;
    memset(out, 0, sizeof *out);
    if (in->status != PC_JOB_OK) {
        pc_job_result_fail(out, in->status, in->detail ? strdup(in->detail) : NULL, in->seconds);
        return;
    }
    module = json_deep_copy(json_object_get(in->result, "module"));
    fns = json_object_get(in->result, "functions");
    calls = json_array();
    json_array_foreach(fns, i, f)
        if (!json_object_get(f, "not_defined"))
            json_array_append_new(calls, json_string(json_string_value(json_object_get(f, "name"))));
    json_object_set_new(module, "calls", calls);
    cr_assert_eq(pc_result_set_module(out, module, &err), 0, "%s", err.msg);
    json_decref(module);
    json_array_foreach(fns, i, f) {
        const char *st = json_string_value(json_object_get(f, "status"));
        if (json_object_get(f, "not_defined")) {
            cr_assert_eq(pc_result_add_not_defined(out, f, &err), 0, "%s", err.msg);
            continue;
        }
        if (st) {
            pc_job_status s = !strcmp(st, "timeout") ? PC_JOB_TIMEOUT : !strcmp(st, "crash") ? PC_JOB_CRASH
                              : !strcmp(st, "not-run") ? PC_JOB_NOT_RUN : PC_JOB_ERROR;
            cr_assert_eq(pc_result_fail_call(out, k++, s, json_string_value(json_object_get(f, "detail")),
                                             json_number_value(json_object_get(f, "seconds")), &err), 0);
        } else {
            cr_assert_eq(pc_result_set_call(out, k++, f, json_string_value(json_object_get(f, "rerun")), &err),
                         0, "%s", err.msg);
        }
    }
    out->status = PC_JOB_OK;
    out->seconds = in->seconds;
}

void judge_results(const pc_caseset *cases, const pc_plan *plan, const pc_expectations *ex,
                   fx_result *results, int interrupted, pc_comparison *cmp, pc_row_sink sink,
                   void *ctx)
{
    pc_error err;
    pc_judge j;
    size_t i;
    cr_assert_eq(pc_judge_init(&j, cases, plan, ex, cmp, sink, ctx, &err), 0, "%s", err.msg);
    for (i = 0; i < plan->len; i++) {
        pc_job_result r;
        if (results[i].status == PC_JOB_PENDING)
            continue;
        to_model(&results[i], &r);
        cr_assert_eq(pc_judge_job(&j, i, &r, &err), 0, "%s", err.msg);
        pc_job_result_clear(&r);
    }
    {
        char why[64];
        snprintf(why, sizeof why, "interrupted by signal %d", interrupted);
        cr_assert_eq(pc_judge_finish(&j, interrupted ? why : NULL, &err), 0, "%s", err.msg);
    }
    pc_judge_free(&j);
}

void compare(fixture *fx)
{
    judge_results(&fx->cases, &fx->plan, &fx->ex, fx->results, 0, &fx->cmp, NULL, NULL);
}

void fx_results_free(fx_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(results[i].result);
        free(results[i].detail);
        memset(&results[i], 0, sizeof results[i]);
    }
}


json_t *load_report(const char *path)
{
    json_t *doc = json_load_file(path, 0, NULL), *row;
    json_t *jobs = json_object_get(doc, "jobs"), *obs = json_object_get(doc, "observations");
    json_t *reasons = json_object_get(doc, "reasons");
    size_t i;
    json_array_foreach(json_object_get(doc, "results"), i, row) {
        json_t *job = json_array_get(jobs, (size_t)json_integer_value(json_object_get(row, "job")));
        json_t *o = json_object_get(row, "observation"), *rec = json_object_get(row, "recorded");
        json_t *why = json_object_get(row, "reason");
        cr_assert_not_null(job, "row %zu names a job the report has", i);
        json_object_set(row, "case", json_object_get(job, "case"));
        json_object_set(row, "interpreter", json_object_get(job, "interpreter"));
        json_object_set(row, "mode", json_object_get(job, "mode"));
        cr_assert(!o || json_array_get(obs, (size_t)json_integer_value(o)), "row %zu: observation index", i);
        json_object_set(row, "observation", o ? json_array_get(obs, (size_t)json_integer_value(o)) : json_null());
        json_object_set(row, "recorded", rec ? json_array_get(obs, (size_t)json_integer_value(rec)) : json_null());
        json_object_set(row, "reason", why ? json_array_get(reasons, (size_t)json_integer_value(why) - 1) : json_null());
    }
    return doc;
}

char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *p = pc_asprintf(NULL, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int run_binary(const char *const *args, size_t nargs, const char *const *more, double timeout,
               pc_buf *out, pc_buf *err)
{
    char *argv[64];
    size_t n = 0, i;
    pc_child c = {0};
    pc_error perr;
    int status = 0;
    bool timed_out = false;
    argv[n++] = PYCONFORM_BIN;
    for (i = 0; i < nargs && n < 62; i++)
        argv[n++] = (char *)args[i];
    while (more && *more && n < 63)
        argv[n++] = (char *)*more++;
    argv[n] = NULL;
    c.argv = argv;
    c.pipe_out = c.pipe_err = true;
    cr_assert_eq(pc_child_start(&c, &perr), 0, "%s", perr.msg);
    cr_assert_eq(pc_child_capture(&c, NULL, timeout, out, err, &status, &timed_out, &perr), 0,
                 "%s", perr.msg);
    cr_assert(!timed_out, "pyconform did not finish within %g s", timeout);
    pc_buf_append(out, "", 0, NULL);
    pc_buf_append(err, "", 0, NULL);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
