/* End to end: interpreters that cannot be probed, through the real pyconform binary.
 * A configuration names three broken builds (a missing binary, one whose probe exits
 * non-zero, one that prints bytes that are not UTF-8) beside a real CPython selected
 * with --interp: `interpreters` lists them with their problems, and `run` plans their
 * jobs, answers them ERROR with the problem, writes the report and exits 1. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "process.h"
#include "util.h"

#define SEED TESTS_DIR "/../cases/000_scope_locals.case"
#define REAL_PYTHON "/root/.pyenv/versions/3.12.1/bin/python"
#define REAL_NAME "cpython-3.12.1"

typedef struct env {
    char dir[32];
    char *config, *cache, *reports;
} env;

typedef struct run_out {
    int code;
    pc_buf out, err;
} run_out;

static void env_setup(env *e)
{
    char *cfg, *p;
    strcpy(e->dir, "/tmp/pc-broken-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
    p = write_tmp(e->dir, "exits.sh", "#!/bin/sh\necho 'cannot import encodings' >&2\nexit 4\n");
    cr_assert_eq(chmod(p, 0755), 0);
    free(p);
    p = write_tmp(e->dir, "garbage.sh", "#!/bin/sh\nprintf 'Welcome \\377\\376 to the shell\\n'\n");
    cr_assert_eq(chmod(p, 0755), 0);
    free(p);
    cfg = pc_asprintf(NULL,
                      "{\"interpreters\": ["
                      " {\"name\": \"broken-missing\", \"argv\": [\"/nonexistent/bin/python3\"]},"
                      " {\"name\": \"broken-exits\", \"argv\": [\"%s/exits.sh\"]},"
                      " {\"name\": \"broken-garbage\", \"argv\": [\"%s/garbage.sh\"]}]}",
                      e->dir, e->dir);
    e->config = write_tmp(e->dir, "interpreters.json", cfg);
    free(cfg);
    e->cache = pc_asprintf(NULL, "%s/cache", e->dir);
    e->reports = pc_asprintf(NULL, "%s/reports", e->dir);
}

static void env_free(env *e)
{
    char *cmd = pc_asprintf(NULL, "/bin/rm -rf '%s'", e->dir);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    free(e->config);
    free(e->cache);
    free(e->reports);
}

static void run_pc(run_out *r, const char *const *args)
{
    memset(r, 0, sizeof *r);
    r->code = run_binary(NULL, 0, args, 600, &r->out, &r->err);
}

static void run_free(run_out *r)
{
    pc_buf_free(&r->out);
    pc_buf_free(&r->err);
}

static json_t *by_name(json_t *list, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
        if (json_is_string(json_object_get(x, "name")) &&
            strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
            return x;
    cr_assert_fail("no interpreter %s", name);
    return NULL;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The problems every listing must show. */
static void assert_problems(json_t *interps)
{
    cr_assert(strstr(str(by_name(interps, "broken-missing"), "problem"),
                     "/nonexistent/bin/python3: cannot execute: No such file or directory") != NULL);
    cr_assert_str_eq(str(by_name(interps, "broken-exits"), "problem"),
                     "probe failed (exit code 4): cannot import encodings");
    cr_assert(strstr(str(by_name(interps, "broken-garbage"), "problem"),
                     "probe printed no JSON object") != NULL);
    cr_assert(strstr(str(by_name(interps, "broken-garbage"), "problem"),
                     ": Welcome \\xff\\xfe to the shell") != NULL, "%s",
              str(by_name(interps, "broken-garbage"), "problem"));
}

Test(broken_interp, interpreters_lists_them_with_their_problem)
{
    env e;
    run_out r;
    json_t *list;
    env_setup(&e);
    {
        const char *args[] = {"interpreters", "--json", "--config", e.config, "--cache", e.cache, NULL};
        run_pc(&r, args);
    }
    cr_assert_eq(r.code, 0, "%s", r.err.data);
    list = json_loads(r.out.data, 0, NULL);
    cr_assert(json_is_array(list), "%s", r.out.data);
    assert_problems(list);
    cr_assert(json_is_true(json_object_get(by_name(list, "broken-exits"), "selected")),
              "configured: meant to run");
    cr_assert(json_is_false(json_object_get(by_name(list, "broken-exits"), "supported")));
    cr_assert_null(memchr(r.out.data, 0xff, r.out.len), "no raw bad byte on stdout");
    json_decref(list);
    run_free(&r);
    {
        const char *args[] = {"interpreters", "--config", e.config, "--cache", e.cache, NULL};
        run_pc(&r, args);
    }
    cr_assert_eq(r.code, 0, "%s", r.err.data);
    cr_assert(strstr(r.out.data, "broken-exits") != NULL, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "[probe failed (exit code 4): cannot import encodings]") != NULL, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "Welcome \\xff\\xfe to the shell") != NULL, "%s", r.out.data);
    cr_assert_null(memchr(r.out.data, 0xff, r.out.len));
    run_free(&r);
    env_free(&e);
}

Test(broken_interp, configured_broken_builds_run_as_error_beside_a_real_one, .timeout = 600)
{
    env e;
    run_out r;
    char *latest;
    json_t *report, *x;
    size_t i, broken_rows = 0, real_rows = 0, modules = 0, functions = 0;
    if (access(REAL_PYTHON, X_OK) != 0)
        cr_skip_test("%s is not installed", REAL_PYTHON);
    env_setup(&e);
    {
        const char *args[] = {"run", "--config", e.config, "--cache", e.cache, "--reports", e.reports,
                              "--interp", REAL_NAME, SEED, NULL};
        run_pc(&r, args);
    }
    cr_assert_eq(r.code, 1, "unexpected verdicts: exit 1\n%s\n%s", r.out.data, r.err.data);
    latest = pc_asprintf(NULL, "%s/latest.json", e.reports);
    report = load_report(latest);
    cr_assert_not_null(report, "the report is written: %s", r.err.data);
    free(latest);

    assert_problems(json_object_get(report, "interpreters"));
    cr_assert(json_is_true(json_object_get(by_name(json_object_get(report, "interpreters"), "broken-missing"),
                                           "selected")));
    json_array_foreach(json_object_get(report, "jobs"), i, x) {
        if (strncmp(str(x, "interpreter"), "broken-", 7) == 0) {
            cr_assert_str_eq(str(x, "status"), "error");
            cr_assert(*str(x, "detail"), "the job says why");
        } else {
            cr_assert_str_eq(str(x, "interpreter"), REAL_NAME);
            cr_assert_str_neq(str(x, "status"), "error", "%s", str(x, "detail"));
        }
    }
    cr_assert_eq(json_array_size(json_object_get(report, "jobs")), 8, "4 builds x source and desugared");
    json_array_foreach(json_object_get(report, "results"), i, x) {
        if (strncmp(str(x, "interpreter"), "broken-", 7) == 0) {
            broken_rows++;
            cr_assert_str_eq(str(x, "verdict"), "ERROR");
            if (strcmp(str(x, "function"), "<module>") == 0)
                modules++;
            else
                functions++;
            if (strcmp(str(x, "interpreter"), "broken-exits") == 0)
                cr_assert_str_eq(str(x, "detail"), "probe failed (exit code 4): cannot import encodings");
        } else {
            real_rows++;
            cr_assert_str_neq(str(x, "verdict"), "ERROR", "%s", str(x, "detail"));
        }
    }
    cr_assert_eq(modules, 6, "a <module> ERROR row per broken build and mode");
    cr_assert_gt(functions, 0, "the functions the real build reported, ERROR for the broken ones");
    cr_assert_eq(broken_rows, 3 * real_rows, "every row of the real build has its ERROR row on each broken one");
    cr_assert_geq(json_integer_value(json_object_get(json_object_get(report, "summary"), "unexpected")),
                  broken_rows);

    /* the terminal: the ERROR rows with the problem, bad bytes escaped */
    cr_assert(strstr(r.out.data, "[broken-exits source]: probe failed (exit code 4): cannot import encodings") != NULL,
              "%s", r.out.data);
    cr_assert(strstr(r.out.data, "\\xff\\xfe to the shell") != NULL, "%s", r.out.data);
    cr_assert_null(memchr(r.out.data, 0xff, r.out.len));
    cr_assert_null(strstr(r.err.data, "out of memory"), "%s", r.err.data);
    json_decref(report);
    run_free(&r);
    env_free(&e);
}

/* Only broken builds selected: the run still happens (every job ERROR, exit 1), instead
 * of stopping with "no supported interpreter matches". */
Test(broken_interp, only_broken_builds_still_run_and_fail, .timeout = 600)
{
    env e;
    run_out r;
    char *latest;
    json_t *report;
    env_setup(&e);
    {
        const char *args[] = {"run", "--config", e.config, "--cache", e.cache, "--reports", e.reports,
                              "--interp", "broken-missing", "--mode", "source", SEED, NULL};
        run_pc(&r, args);
    }
    cr_assert_eq(r.code, 1, "%s\n%s", r.out.data, r.err.data);
    latest = pc_asprintf(NULL, "%s/latest.json", e.reports);
    report = load_report(latest);
    cr_assert_not_null(report);
    free(latest);
    cr_assert_eq(json_array_size(json_object_get(report, "jobs")), 3, "three configured broken builds, source");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(report, "summary"), "verdicts"),
                                                    "ERROR")),
                 3, "a <module> row each");
    json_decref(report);
    run_free(&r);
    env_free(&e);
}
