/* End to end: the real pyconform binary on real interpreters (3.8, 3.12, 3.13.0 from
 * pyenv), checking the facts the seed case must reproduce, and the failure paths
 * (bad case files, timeouts, crashes) through the whole pipeline. */
#include <criterion/criterion.h>
#include <dirent.h>
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

static const char *interps[] = {"cpython-3.8.*", "cpython-3.12.*", "cpython-3.13.0"};

typedef struct run_out {
    int code;
    pc_buf out, err;
    json_t *report;
    char dir[64];
} run_out;

/* Run pyconform with args, reports into a fresh temp dir; load the report if written. */
static void run_pc(run_out *r, const char *const *args, size_t nargs)
{
    const char *reports[] = {"--reports", r->dir, NULL};
    char *latest;
    memset(r, 0, sizeof *r);
    strcpy(r->dir, "/tmp/pc-e2e-XXXXXX");
    cr_assert_not_null(mkdtemp(r->dir));
    reports[1] = r->dir;
    r->code = run_binary(args, nargs,
                         nargs && (!strcmp(args[0], "run") || !strcmp(args[0], "bless")) ? reports : NULL,
                         600, &r->out, &r->err);
    latest = pc_asprintf(NULL, "%s/latest.json", r->dir);
    r->report = load_report(latest);
    free(latest);
}

static void run_free(run_out *r)
{
    DIR *d = opendir(r->dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            char *p = pc_asprintf(NULL, "%s/%s", r->dir, e->d_name);
            remove(p);
            free(p);
        }
    if (d)
        closedir(d);
    rmdir(r->dir);
    pc_buf_free(&r->out);
    pc_buf_free(&r->err);
    json_decref(r->report);
}

/* `COMMAND --interp INTERP --mode MODE --expected DIR` into args; how many. */
static size_t case_args(const char **args, const char *command, const char *interp,
                        const char *mode, const char *dir)
{
    size_t n = 0;
    args[n++] = command;
    args[n++] = "--interp";
    args[n++] = interp;
    args[n++] = "--mode";
    args[n++] = mode;
    args[n++] = "--expected";
    args[n++] = dir;
    return n;
}

/* Run pyconform with args, which must be refused as a usage error: exit 2, `message`
 * on stderr, no report. */
static void expect_usage_error(const char *const *args, size_t nargs, const char *message)
{
    run_out r;
    run_pc(&r, args, nargs);
    cr_assert_eq(r.code, 2, "%s: exit %d", args[0], r.code);
    cr_assert(strstr(r.err.data, message) != NULL, "wanted '%s' in: %s", message, r.err.data);
    cr_assert_null(r.report, "nothing ran, nothing was reported");
    run_free(&r);
}

static bool have_interpreters(void)
{
    return access("/root/.pyenv/versions/3.8.18/bin/python", X_OK) == 0 ||
           getenv("PYENV_ROOT") != NULL;
}

/* The result row for (function, interpreter name prefix, mode). */
static json_t *result(json_t *report, const char *fn, const char *interp_prefix, const char *mode)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(report, "results"), i, r) {
        if (!strcmp(json_string_value(json_object_get(r, "function")), fn) &&
            !strncmp(json_string_value(json_object_get(r, "interpreter")), interp_prefix, strlen(interp_prefix)) &&
            !strcmp(json_string_value(json_object_get(r, "mode")), mode))
            return r;
    }
    cr_assert_fail("no result for %s %s %s", fn, interp_prefix, mode);
    return NULL;
}

static json_t *value(json_t *row)
{
    return json_object_get(json_object_get(json_object_get(row, "observation"), "outcome"), "value");
}

static char *keys_of(json_t *v)
{
    /* a canonical dict {"dict": [[k, v]...]} or a list of str -> "k1,k2,..." */
    pc_buf b = {0};
    json_t *items = json_is_array(v) ? v : json_object_get(v, "dict"), *it;
    size_t i;
    pc_buf_append(&b, "", 0, NULL);
    json_array_foreach(items, i, it) {
        const char *k = json_is_array(it) ? json_string_value(json_array_get(it, 0)) : json_string_value(it);
        pc_buf_appendf(&b, NULL, "%s%s", i ? "," : "", k ? k : "?");
    }
    return b.data;
}

static void seed_args(const char **args, size_t *n)
{
    size_t i;
    args[(*n)++] = "run";
    for (i = 0; i < 3; i++) {
        args[(*n)++] = "--interp";
        args[(*n)++] = interps[i];
    }
    args[(*n)++] = SEED;
}

Test(e2e, seed_on_three_versions)
{
    const char *args[16];
    size_t n = 0, i;
    run_out r;
    json_t *row, *v;
    char *k;
    const char *all[] = {"cpython-3.8.", "cpython-3.12.", "cpython-3.13.0"};
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons 3.8/3.12/3.13.0 are not installed");
    seed_args(args, &n);
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out.data, r.err.data);
    cr_assert_not_null(r.report);
    cr_assert_eq(json_array_size(json_object_get(r.report, "jobs")), 6, "3 interpreters x 2 modes");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.report, "summary"), "unexpected")), 0);

    for (i = 0; i < 3; i++) {
        const char *in = all[i];
        /* function_locals: same values everywhere, key order by version, modes agree */
        row = result(r.report, "function_locals", in, "source");
        v = value(row);
        k = keys_of(v);
        cr_assert_str_eq(k, i == 0 ? "h,w,y,x" : "y,h,w,x", "%s: %s", in, k);
        free(k);
        cr_assert(json_equal(value(result(r.report, "function_locals", in, "desugared")), v));
        cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "function_locals", in, "desugared"), "verdict")), "PASS");
        {
            json_t *it;
            size_t q;
            json_array_foreach(json_object_get(v, "dict"), q, it) {
                const char *key = json_string_value(json_array_get(it, 0));
                json_t *val = json_array_get(it, 1);
                if (!strcmp(key, "x")) cr_assert_eq(json_integer_value(val), 2);
                if (!strcmp(key, "y")) cr_assert_eq(json_integer_value(val), 7);
                if (!strcmp(key, "w")) cr_assert_eq(json_integer_value(val), 6);
                if (!strcmp(key, "h"))
                    cr_assert_str_eq(json_string_value(json_object_get(val, "function")),
                                     "function_locals.<locals>.f.<locals>.g.<locals>.h");
            }
        }
        /* class_locals: 3.13 adds __firstlineno__ (create_class too); the translation adds
         * __annotations__ */
        k = keys_of(value(result(r.report, "class_locals", in, "source")));
        cr_assert_str_eq(k, i == 2 ? "__module__,__qualname__,__firstlineno__,y,m" : "__module__,__qualname__,y,m");
        free(k);
        row = result(r.report, "class_locals", in, "desugared");
        k = keys_of(value(row));
        cr_assert_str_eq(k, i == 2 ? "__module__,__qualname__,__firstlineno__,__annotations__,y,m"
                                   : "__module__,__qualname__,__annotations__,y,m");
        free(k);
        cr_assert_str_eq(json_string_value(json_object_get(row, "verdict")), "XFAIL", "a recorded divergence");
        cr_assert_not_null(json_string_value(json_object_get(row, "reason")));
        /* class_namespace_overrides_closure: 43 in both modes */
        cr_assert_eq(json_integer_value(value(result(r.report, "class_namespace_overrides_closure", in, "source"))), 43);
        cr_assert_eq(json_integer_value(value(result(r.report, "class_namespace_overrides_closure", in, "desugared"))), 43);
    }
    /* terminal: a table and a one-line summary */
    cr_assert(strstr(r.out.data, "case / function") != NULL);
    cr_assert(strstr(r.out.data, "0 unexpected; 6 jobs on 3 interpreters") != NULL, "%s", r.out.data);
    run_free(&r);
}

Test(e2e, bad_case_file_stops_before_running)
{
    char dir[] = "/tmp/pc-e2e-case-XXXXXX";
    const char *args[8];
    run_out r;
    char *bad;
    cr_assert_not_null(mkdtemp(dir));
    bad = write_tmp(dir, "bad.case", "$ a\nx = 1\n=\ny\n=\nz\n");
    args[0] = "run";
    args[1] = SEED;
    args[2] = bad;
    run_pc(&r, args, 3);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err.data, "bad.case:5: second '=' in case 'a'") != NULL, "%s", r.err.data);
    cr_assert_null(r.report, "nothing ran, nothing was reported");
    remove(bad);
    free(bad);
    rmdir(dir);
    run_free(&r);
}

Test(e2e, usage_errors_exit_2)
{
    const char *a1[] = {"run", "--timeout", "zero"};
    const char *a2[] = {"frobnicate"};
    const char *a3[] = {"run", "--interp", "no-such-python-*", SEED};
    const char *a4[] = {"run", "/nonexistent.case"};
    const char *a5[] = {"run", "--isolation", "thread", SEED};
    const char *a6[] = {"run", "--html", "/nonexistent-dir/page.html", SEED};
    const char *a7[] = {"run", "--junit", "/nonexistent-dir/junit.xml", SEED};
    expect_usage_error(a6, 4, "--html /nonexistent-dir/page.html: /nonexistent-dir is not a writable folder");
    expect_usage_error(a7, 4, "--junit /nonexistent-dir/junit.xml: /nonexistent-dir is not a writable folder");
    expect_usage_error(a1, 3, "--timeout: expected seconds");
    expect_usage_error(a2, 1, "unknown command 'frobnicate'");
    expect_usage_error(a3, 4, "no supported interpreter matches --interp");
    expect_usage_error(a4, 2, "/nonexistent.case: cannot read");
    expect_usage_error(a5, 4, "--isolation: 'thread' is not job or shared");
}

Test(e2e, help_for_every_command)
{
    const char *cmds[] = {"run", "bless", "interpreters"};
    size_t i;
    for (i = 0; i < 3; i++) {
        const char *args[] = {cmds[i], "--help"};
        run_out r;
        run_pc(&r, args, 2);
        cr_assert_eq(r.code, 0);
        cr_assert(strncmp(r.out.data, "usage: pyconform ", 17) == 0, "%s", r.out.data);
        cr_assert(strstr(r.out.data, cmds[i]) != NULL);
        run_free(&r);
    }
}

/* A timeout and two kinds of crash in one run on one interpreter: each job gets its own
 * verdict, and the jobs after them still run on a fresh runner. With `--isolation shared`
 * the crashes take the runner's own process with them: the same verdicts. */
static void faults_do_not_stop_the_run(bool shared)
{
    char dir[] = "/tmp/pc-e2e-case-XXXXXX";
    const char *args[14];
    run_out r;
    char *cf;
    json_t *jobs;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "hard.case",
                    "$ loops\ndef spin():\n    while True:\n        pass\n"
                    "$ after timeout\ndef ok():\n    return 1\n"
                    "$ segfault\nimport os, signal\ndef die():\n    os.write(2, b'dying \\xff\\n')\n"
                    "    os.kill(os.getpid(), signal.SIGSEGV)\n"
                    "$ exits\nimport os\ndef leave():\n    os._exit(3)\n"
                    "$ last\ndef ok2():\n    return 2\n");
    args[0] = "run";
    args[1] = "--interp";
    args[2] = interps[1];
    args[3] = "--timeout";
    args[4] = "1";
    args[5] = "--mode";
    args[6] = "source";
    args[7] = "--expected";
    args[8] = dir;
    args[9] = cf;
    args[10] = "--isolation";
    args[11] = shared ? "shared" : "job";
    run_pc(&r, args, 12);
    cr_assert_eq(r.code, 1, "unexpected verdicts exit 1: %s %s", r.out.data, r.err.data);
    cr_assert_not_null(r.report);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.report, "run"), "isolation")),
                     shared ? "shared" : "job");
    jobs = json_object_get(r.report, "jobs");
    cr_assert_eq(json_array_size(jobs), 5, "every planned job has one record");
    /* every job completed: the failures are charged to the calls in flight */
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq(json_string_value(json_object_get(json_array_get(jobs, i), "status")), "ok");
    cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "spin", "cpython-3.12", "source"), "verdict")), "TIMEOUT");
    cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "die", "cpython-3.12", "source"), "verdict")), "CRASH");
    cr_assert(strstr(json_string_value(json_object_get(result(r.report, "die", "cpython-3.12", "source"), "detail")), "signal 11") != NULL);
    /* a stderr tail that is not UTF-8 is kept escaped; it does not abort the run */
    cr_assert(strstr(json_string_value(json_object_get(result(r.report, "die", "cpython-3.12", "source"), "detail")),
                     "stderr: dying \\xff") != NULL,
              "%s", json_string_value(json_object_get(result(r.report, "die", "cpython-3.12", "source"), "detail")));
    cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "leave", "cpython-3.12", "source"), "verdict")), "CRASH");
    cr_assert(strstr(json_string_value(json_object_get(result(r.report, "leave", "cpython-3.12", "source"), "detail")), "exit code 3") != NULL);
    /* the module bodies ran to the end: their rows are judged (no expectation: FAIL) */
    cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "<module>", "cpython-3.12", "source"), "verdict")), "FAIL");
    cr_assert_eq(json_integer_value(value(result(r.report, "ok", "cpython-3.12", "source"))), 1);
    cr_assert_eq(json_integer_value(value(result(r.report, "ok2", "cpython-3.12", "source"))), 2);
    remove(cf);
    free(cf);
    rmdir(dir);
    run_free(&r);
}

Test(e2e, timeout_and_crash_do_not_stop_the_run)
{
    faults_do_not_stop_the_run(false);
}

Test(e2e, timeout_and_crash_do_not_stop_a_shared_runner)
{
    faults_do_not_stop_the_run(true);
}

/* --isolation shared runs the seed with the verdicts of the default isolation. */
Test(e2e, seed_with_shared_isolation)
{
    const char *args[16];
    size_t n = 0;
    run_out r;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons 3.8/3.12/3.13.0 are not installed");
    seed_args(args, &n);
    args[n++] = "--isolation";
    args[n++] = "shared";
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out.data, r.err.data);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.report, "run"), "isolation")), "shared");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.report, "summary"), "unexpected")), 0);
    cr_assert_eq(json_integer_value(value(result(r.report, "class_namespace_overrides_closure", "cpython-3.12.", "source"))), 43);
    run_free(&r);
}

Test(e2e, interpreters_lists_unsupported_versions)
{
    const char *args[] = {"interpreters"};
    run_out r;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    run_pc(&r, args, 1);
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out.data, "cpython-3.13.0") != NULL, "%s", r.out.data);
    if (access("/root/.pyenv/versions/3.7.16/bin/python", X_OK) == 0)
        cr_assert(strstr(r.out.data, "unsupported: Python 3.7.16 is older than 3.8") != NULL, "%s", r.out.data);
    run_free(&r);
}

static const char *verdict_of(json_t *report, const char *fn, const char *mode)
{
    return json_string_value(json_object_get(result(report, fn, "cpython-3.12", mode), "verdict"));
}

/* --desugarer CMD: any external desugarer under the gate, end to end. */
Test(e2e, external_desugarers)
{
    const char *args[12];
    run_out r;
    json_t *job;
    size_t i;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    args[0] = "run";
    args[1] = "--interp";
    args[2] = interps[1];
    args[3] = "--desugarer";
    args[5] = SEED;

    /* identity: the recorded class_locals divergence no longer happens (XPASS) */
    args[4] = TESTS_DIR "/desugarers/identity.sh";
    run_pc(&r, args, 6);
    cr_assert_eq(r.code, 1, "%s%s", r.out.data, r.err.data);
    cr_assert_str_eq(verdict_of(r.report, "class_locals", "desugared"), "XPASS");
    cr_assert_str_eq(verdict_of(r.report, "function_locals", "desugared"), "PASS");
    json_array_foreach(json_object_get(r.report, "jobs"), i, job)
        if (!strcmp(json_string_value(json_object_get(job, "mode")), "desugared"))
            cr_assert_str_eq(json_string_value(json_object_get(job, "translation")), "external");
    run_free(&r);

    /* a desugarer that breaks one function: exactly that divergence is detected */
    args[4] = TESTS_DIR "/desugarers/break_one.sh";
    run_pc(&r, args, 6);
    cr_assert_eq(r.code, 1);
    cr_assert_str_eq(verdict_of(r.report, "class_namespace_overrides_closure", "desugared"), "DIVERGE");
    cr_assert_eq(json_integer_value(value(result(r.report, "class_namespace_overrides_closure", "cpython-3.12",
                                                 "desugared"))), 44, "the broken value is what was observed");
    cr_assert_str_eq(verdict_of(r.report, "function_locals", "desugared"), "PASS");
    cr_assert_str_eq(verdict_of(r.report, "class_namespace_overrides_closure", "source"), "PASS");
    run_free(&r);

    /* a failing desugarer: ERROR with its stderr */
    args[4] = "echo 'cannot translate this' >&2; exit 3";
    run_pc(&r, args, 6);
    cr_assert_eq(r.code, 1);
    cr_assert_str_eq(verdict_of(r.report, "function_locals", "desugared"), "ERROR");
    cr_assert(strstr(json_string_value(json_object_get(result(r.report, "<module>", "cpython-3.12", "desugared"), "detail")),
                     "desugarer failed (exit code 3): cannot translate this") != NULL);
    run_free(&r);

    /* output that does not compile: ERROR, not a divergence of every function */
    args[4] = "echo 'def broken(:'";
    run_pc(&r, args, 6);
    cr_assert_eq(r.code, 1);
    cr_assert_str_eq(verdict_of(r.report, "<module>", "desugared"), "ERROR");
    cr_assert(strstr(json_string_value(json_object_get(result(r.report, "<module>", "cpython-3.12", "desugared"), "detail")),
                     "translation does not compile") != NULL);
    run_free(&r);
}

Test(e2e, check_desugar)
{
    const char *ours[] = {"check-desugar", SEED};
    const char *ident[] = {"check-desugar", "--desugarer", TESTS_DIR "/desugarers/identity.sh", SEED};
    run_out r;
    run_pc(&r, ours, 2);
    cr_assert_eq(r.code, 0, "our desugarer reproduces the seed byte for byte: %s %s", r.out.data, r.err.data);
    cr_assert(strstr(r.out.data, "byte-equal  scope locals") != NULL, "%s", r.out.data);
    run_free(&r);
    run_pc(&r, ident, 4);
    cr_assert_eq(r.code, 1);
    cr_assert(strstr(r.out.data, "DIFFERENT   scope locals") != NULL, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "--- expected (= section)") != NULL, "a unified diff: %s", r.out.data);
    cr_assert(strstr(r.out.data, "+++ desugarer output") != NULL);
    cr_assert(strstr(r.out.data, "-def _dp_fn_function_locals():") != NULL);
    cr_assert(strstr(r.out.data, "0 byte-equal, 0 AST-equal, 1 different") != NULL, "%s", r.out.data);
    run_free(&r);
}

Test(e2e, desugar_command)
{
    char dir[] = "/tmp/pc-e2e-case-XXXXXX";
    const char *args[2];
    run_out r;
    char *f;
    cr_assert_not_null(mkdtemp(dir));
    f = write_tmp(dir, "m.py", "def f(a, b):\n    return a + b\n");
    args[0] = "desugar";
    args[1] = f;
    run_pc(&r, args, 2);
    cr_assert_eq(r.code, 0, "%s", r.err.data);
    cr_assert_str_eq(r.out.data, "def _dp_fn_f(a, b):\n    return __dp__.add(a, b)\nf = __dp__.update_fn(_dp_fn_f, None, \"f\")\ndel _dp_fn_f\n");
    run_free(&r);
    remove(f);
    free(f);
    f = write_tmp(dir, "bad.py", "def f(:\n");
    args[1] = f;
    run_pc(&r, args, 2);
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err.data, "does not parse") != NULL, "%s", r.err.data);
    run_free(&r);
    remove(f);
    free(f);
    rmdir(dir);
}

/* A Pyodide build interrupts a job itself at the timeout; the verdict is TIMEOUT as on
 * native builds and the same instance runs the next job. Skipped when no Pyodide build
 * is provisioned. */
Test(e2e, wasm_timeout_keeps_the_instance)
{
    const char *list[] = {"interpreters", "--tag", "wasm"};
    char dir[] = "/tmp/pc-e2e-case-XXXXXX";
    const char *args[14];
    char name[64] = "";
    run_out r;
    char *cf, *p;
    json_t *jobs;
    run_pc(&r, list, 3);
    p = r.out.data ? strstr(r.out.data, "\npyodide-") : NULL;
    if (p && strstr(p, "[selected]"))
        sscanf(p + 1, "%63s", name);
    run_free(&r);
    if (!*name)
        cr_skip_test("no Pyodide build is provisioned (pyconform provision 'pyodide-*')");
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "spin.case", "$ spin\ndef spin():\n    while True:\n        pass\n"
                                      "$ after\ndef ok():\n    return 7\n");
    args[0] = "run";
    args[1] = "--interp";
    args[2] = name;
    args[3] = "--timeout";
    args[4] = "2";
    args[5] = "--mode";
    args[6] = "source";
    args[7] = "--expected";
    args[8] = dir;
    args[9] = cf;
    run_pc(&r, args, 10);
    cr_assert_eq(r.code, 1);
    jobs = json_object_get(r.report, "jobs");
    /* the call was interrupted inside the interpreter: TIMEOUT for it, the job complete */
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(jobs, 0), "status")), "ok");
    cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "spin", name, "source"), "verdict")), "TIMEOUT");
    cr_assert(strstr(json_string_value(json_object_get(result(r.report, "spin", name, "source"), "detail")),
                     "interrupted inside the interpreter") != NULL);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(jobs, 1), "status")), "ok");
    cr_assert_eq(json_integer_value(value(result(r.report, "ok", name, "source"))), 7);
    /* no restart: the second job did not pay Pyodide's start-up again */
    cr_assert_lt(json_number_value(json_object_get(json_array_get(jobs, 1), "duration")), 1.0);
    remove(cf);
    free(cf);
    rmdir(dir);
    run_free(&r);
}

/* --max-failures: five blocks without expectations on one build (each gives two FAIL
 * rows, its module body and its function); the run stops once two results are
 * unexpected, that is after the first block: what did not run is NOT-RUN, and the
 * report says the run was cut short. Also --durations, and the per-build progress line
 * when stdout is not a terminal. */
Test(e2e, max_failures_cuts_the_run_short)
{
    char dir[] = "/tmp/pc-e2e-case-XXXXXX";
    const char *args[16];
    size_t n = 0, i, not_run = 0;
    run_out r;
    char *cf;
    json_t *jobs;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "five.case",
                   "$ one\ndef f1():\n    return 1\n$ two\ndef f2():\n    return 2\n"
                   "$ three\ndef f3():\n    return 3\n$ four\ndef f4():\n    return 4\n"
                   "$ five\ndef f5():\n    return 5\n");
    n = case_args(args, "run", interps[1], "source", dir);
    args[n++] = "--max-failures";
    args[n++] = "2";
    args[n++] = "--durations";
    args[n++] = "2";
    args[n++] = cf;
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 1, "%s %s", r.out.data, r.err.data);
    cr_assert_not_null(r.report);
    cr_assert_str_eq(json_string_value(json_object_get(r.report, "cut_short")), "--max-failures 2 reached");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.report, "run"), "max_failures")), 2);
    cr_assert(json_is_false(json_object_get(r.report, "interrupted")));
    jobs = json_object_get(r.report, "jobs");
    cr_assert_eq(json_array_size(jobs), 5, "every planned job has a record");
    for (i = 0; i < 5; i++)
        not_run += !strcmp(json_string_value(json_object_get(json_array_get(jobs, i), "status")), "not-run");
    cr_assert_eq(not_run, 4, "only the first block ran");
    cr_assert_str_eq(json_string_value(json_object_get(result(r.report, "f1", "cpython-3.12", "source"), "verdict")), "FAIL");
    cr_assert_geq(json_integer_value(json_object_get(json_object_get(r.report, "summary"), "unexpected")), 2);
    cr_assert(strstr(r.out.data, "; CUT SHORT (--max-failures 2 reached): jobs not run are NOT RUN") != NULL,
              "%s", r.out.data);
    cr_assert(strstr(r.err.data, "the run was cut short (--max-failures 2 reached)") != NULL, "%s", r.err.data);
    cr_assert(strstr(r.out.data, "slowest 2 jobs:\n") != NULL, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "cpython-3.12") != NULL);
    /* not a terminal: a line when the build finished (it did not: it was stopped) */
    cr_assert(strstr(r.out.data, "\r") == NULL, "no redrawn line off a terminal");
    run_free(&r);

    /* the same without the limit: all five run, a line for the finished build */
    n -= 5;
    args[n++] = cf;
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 1);
    cr_assert(json_is_null(json_object_get(r.report, "cut_short")));
    cr_assert(strstr(r.out.data, ": 5 jobs done in ") != NULL, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "(1/1 builds, 10 unexpected so far)") != NULL, "%s", r.out.data);
    run_free(&r);
    remove(cf);
    free(cf);
    rmdir(dir);
}

Test(e2e, bad_progress_options_exit_2)
{
    const char *a1[] = {"run", "--color", "sometimes", SEED};
    const char *a2[] = {"run", "--max-failures", "0", SEED};
    const char *a3[] = {"run", "--durations", "-1", SEED};
    expect_usage_error(a1, 4, "--color: 'sometimes' is not auto, always or never");
    expect_usage_error(a2, 4, "--max-failures: expected a whole number from 1");
    expect_usage_error(a3, 4, "--durations: expected a whole number from 1");
}

static int strcmp_ptr(const char *const *a, const char *const *b)
{
    return strcmp(*a, *b);
}

/* The outcome of run with `args` and --reports reports (the same folder across runs);
 * the report, or NULL. */
static json_t *run_in(const char *reports, const char *const *args, size_t n, int *code, pc_buf *out,
                      pc_buf *err)
{
    const char *more[] = {"--reports", reports, NULL};
    char *latest = pc_asprintf(NULL, "%s/latest.json", reports);
    json_t *report;
    pc_buf_clear(out);
    pc_buf_clear(err);
    *code = run_binary(args, n, more, 600, out, err);
    report = *code == 2 ? NULL : load_report(latest);
    free(latest);
    return report;
}

/* The distinct "case / function" of a report's rows, sorted, comma-separated. */
static char *row_names(json_t *report)
{
    json_t *results = json_object_get(report, "results"), *jobs = json_object_get(report, "jobs"), *row;
    pc_buf b = {0};
    char **names = calloc(json_array_size(results) + 1, sizeof *names);
    size_t i, n = 0;
    json_array_foreach(results, i, row) {
        const char *kase = json_string_value(json_object_get(
            json_array_get(jobs, (size_t)json_integer_value(json_object_get(row, "job"))), "case"));
        names[n++] = pc_asprintf(NULL, "%s / %s", kase, json_string_value(json_object_get(row, "function")));
    }
    qsort(names, n, sizeof *names, (int (*)(const void *, const void *))strcmp_ptr);
    for (i = 0; i < n; i++)
        if (!i || strcmp(names[i], names[i - 1]))
            pc_buf_appendf(&b, NULL, "%s%s", b.len ? "," : "", names[i]);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    pc_buf_append(&b, "", 0, NULL);
    return b.data;
}

/* -k, --filter-out, PYCONFORM_FILTER, --last-failed: blocks run whole, only the selected
 * functions are judged; bad input is exit 2. */
Test(e2e, selection)
{
    char dir[] = "/tmp/pc-e2e-sel-XXXXXX";
    char *cf, *names, *reports, *expected;
    const char *args[16];
    size_t n;
    int code;
    pc_buf out = {0}, err = {0};
    json_t *r;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    cr_assert_not_null(mkdtemp(dir));
    reports = pc_asprintf(NULL, "%s/reports", dir);
    expected = pc_asprintf(NULL, "%s/expected", dir);
    cf = write_tmp(dir, "sel.case", "$ alpha\ndef a1():\n    return 1\ndef a2():\n    return 2\n"
                                    "$ beta\ndef b1():\n    return 3\n");
    /* expectations for everything, then beta's b1 changes: one FAIL */
    n = case_args(args, "bless", interps[1], "source", expected);
    args[n++] = cf;
    json_decref(run_in(reports, args, n, &code, &out, &err));
    cr_assert_eq(code, 0, "%s %s", out.data, err.data);
    free(cf);
    cf = write_tmp(dir, "sel.case", "$ alpha\ndef a1():\n    return 1\ndef a2():\n    return 2\n"
                                    "$ beta\ndef b1():\n    return 4\n");
    args[0] = "run";

    /* -k: alpha's a2 only; beta's block is not even planned */
    args[n - 1] = "-k";
    args[n++] = "alpha / a2$";
    args[n++] = cf;
    r = run_in(reports, args, n, &code, &out, &err);
    cr_assert_eq(code, 0, "%s %s", out.data, err.data);
    names = row_names(r);
    cr_assert_str_eq(names, "alpha / a2");
    free(names);
    cr_assert_eq(json_array_size(json_object_get(r, "jobs")), 1, "beta was not planned");
    json_decref(r);

    /* --filter-out alone */
    args[n - 3] = "--filter-out";
    args[n - 2] = "/ (<module>|a1)$";
    r = run_in(reports, args, n, &code, &out, &err);
    cr_assert_eq(code, 1, "b1 fails");
    names = row_names(r);
    cr_assert_str_eq(names, "alpha / a2,beta / b1");
    free(names);
    json_decref(r);

    /* PYCONFORM_FILTER stands in for -k */
    setenv("PYCONFORM_FILTER", "^beta", 1);
    n -= 3;
    args[n++] = cf;
    r = run_in(reports, args, n, &code, &out, &err);
    unsetenv("PYCONFORM_FILTER");
    cr_assert_eq(code, 1);
    names = row_names(r);
    cr_assert_str_eq(names, "beta / <module>,beta / b1");
    free(names);
    json_decref(r);

    /* a whole run, then --last-failed: only what was unexpected there */
    json_decref(run_in(reports, args, n, &code, &out, &err));
    cr_assert_eq(code, 1);
    n--;
    args[n++] = "--last-failed";
    args[n++] = cf;
    r = run_in(reports, args, n, &code, &out, &err);
    cr_assert_eq(code, 1);
    names = row_names(r);
    cr_assert_str_eq(names, "beta / b1");
    free(names);
    cr_assert_eq(json_array_size(json_object_get(r, "stale")), 0, "a selection lists no stale entries");
    json_decref(r);

    /* bad input: an invalid regex, --last-failed without a report, bless with -k */
    args[n - 2] = "--filter=(";
    r = run_in(reports, args, n, &code, &out, &err);
    cr_assert_eq(code, 2);
    cr_assert(strstr(err.data, "--filter '(': not a valid regular expression") != NULL, "%s", err.data);
    args[n - 2] = "--last-failed";
    {
        char *empty = pc_asprintf(NULL, "%s/none", dir);
        r = run_in(empty, args, n, &code, &out, &err);
        cr_assert_eq(code, 2);
        cr_assert(strstr(err.data, "--last-failed: ") != NULL && strstr(err.data, "none/latest.json") != NULL,
                  "%s", err.data);
        free(empty);
    }
    args[0] = "bless";
    args[n - 2] = "-k";
    args[n - 1] = "alpha";
    args[n++] = cf;
    r = run_in(reports, args, n, &code, &out, &err);
    cr_assert_eq(code, 2);
    cr_assert(strstr(err.data, "bless: -k is not supported") != NULL, "%s", err.data);
    remove_tree(dir);
    free(cf);
    free(reports);
    free(expected);
    pc_buf_free(&out);
    pc_buf_free(&err);
}

/* --color always colours the table's verdicts and the summary; off a terminal auto
 * does not. */
Test(e2e, color_always_and_auto)
{
    const char *args[] = {"run", "--interp", interps[1], "--mode", "source", "--color", "always", SEED};
    run_out r;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    run_pc(&r, args, 8);
    cr_assert_eq(r.code, 0, "%s", r.err.data);
    cr_assert(strstr(r.out.data, "\033[32m.\033[0m") != NULL, "a green PASS cell: %s", r.out.data);
    cr_assert(strstr(r.out.data, " \033[32mPASS\033[0m") != NULL, "the summary's PASS: %s", r.out.data);
    run_free(&r);
    args[6] = "auto";
    run_pc(&r, args, 8);
    cr_assert_eq(r.code, 0);
    cr_assert(strchr(r.out.data, '\033') == NULL, "not a terminal: no colour");
    run_free(&r);
}

/* ---- run --retries N, FLAKY, --allow-flaky ------------------------------------------ */

/* The row of `fn` on 3.12, source (the runs below use one build and source mode). */
static json_t *only_row(json_t *report, const char *fn)
{
    return result(report, fn, "cpython-3.12", "source");
}

static const char *verdict_name(json_t *row)
{
    return json_string_value(json_object_get(row, "verdict"));
}

/* The JUnit file at path validates against tests/junit/junit.xsd (when xmllint is
 * installed: tools/setup.sh installs it). */
static void junit_valid(const char *path)
{
    char *cmd;
    int st;
    if (system("command -v xmllint >/dev/null 2>&1") != 0)
        return;
    cmd = pc_asprintf(NULL, "xmllint --noout --schema %s/junit/junit.xsd %s 2>/dev/null", TESTS_DIR, path);
    st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s does not validate against junit.xsd", path);
    free(cmd);
}

static char *slurp(const char *path);

/* Copy the run's latest.json to `to` (run_free removes the run's folder). */
static void keep_report(const run_out *r, const char *to)
{
    char *latest = pc_asprintf(NULL, "%s/latest.json", r->dir), *copy = slurp(latest);
    FILE *f = fopen(to, "w");
    cr_assert_not_null(f, "%s", to);
    fputs(copy, f);
    fclose(f);
    free(copy);
    free(latest);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    pc_buf b = {0};
    char chunk[4096];
    size_t n;
    cr_assert_not_null(f, "%s", path);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pc_buf_append(&b, chunk, n, NULL);
    fclose(f);
    pc_buf_append(&b, "", 0, NULL);
    return b.data;
}

/* A block whose function returns whether an earlier job left a marker file: False on
 * its first attempt, True on any later one; blessed with the marker there, so the first
 * attempt FAILs and a retry PASSes. A second block reads a file changed after bless: it
 * FAILs the same way every time. */
Test(e2e, retries_make_a_changing_result_flaky, .timeout = 600)
{
    char dir[] = "/tmp/pc-e2e-flaky-XXXXXX";
    char *cf, *mark, *steady, *text, *junit, *xml, *before, *after;
    const char *args[24];
    size_t n, base;
    run_out r;
    json_t *row, *at, *run;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    cr_assert_not_null(mkdtemp(dir));
    mark = pc_asprintf(NULL, "%s/mark", dir);
    steady = pc_asprintf(NULL, "%s/steady", dir);
    junit = pc_asprintf(NULL, "%s/junit.xml", dir);
    before = pc_asprintf(NULL, "%s/before.json", dir);
    after = pc_asprintf(NULL, "%s/after.json", dir);
    text = pc_asprintf(NULL,
                       "$ flips\nimport os\nMARK = '%s'\nSEEN = os.path.exists(MARK)\n"
                       "open(MARK, 'a').close()\n\n\ndef attempt():\n    return SEEN\n\n\n"
                       "$ steady\ndef same():\n    with open('%s') as f:\n        return f.read()\n",
                       mark, steady);
    cf = write_tmp(dir, "flaky.case", text);
    free(text);
    free(write_tmp(dir, "steady", "blessed"));
    free(write_tmp(dir, "mark", ""));

    n = case_args(args, "bless", interps[1], "source", dir);
    args[n++] = cf;
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 0, "bless: %s %s", r.out.data, r.err.data);
    run_free(&r);
    free(write_tmp(dir, "steady", "changed"));
    args[0] = "run";
    args[n++] = "-k";
    args[n++] = "^flips / attempt$";
    base = n;

    /* without --retries: the first attempt is all there is, FAIL */
    remove(mark);
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 1, "%s %s", r.out.data, r.err.data);
    row = only_row(r.report, "attempt");
    cr_assert_str_eq(verdict_name(row), "FAIL");
    cr_assert_null(json_object_get(row, "attempts"), "not retried: no attempts");
    run = json_object_get(r.report, "run");
    cr_assert_eq(json_integer_value(json_object_get(run, "retries")), 0);
    cr_assert(json_is_false(json_object_get(run, "allow_flaky")));
    keep_report(&r, before);
    run_free(&r);

    /* --retries 2: FAIL, then PASS on a fresh runner: FLAKY, still unexpected (exit 1);
     * no third attempt once it changed */
    remove(mark);
    n = base;
    args[n++] = "--retries";
    args[n++] = "2";
    args[n++] = "--junit";
    args[n++] = junit;
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 1, "FLAKY is unexpected: %s %s", r.out.data, r.err.data);
    row = only_row(r.report, "attempt");
    cr_assert_str_eq(verdict_name(row), "FLAKY", "%s", r.out.data);
    at = json_object_get(row, "attempts");
    cr_assert_eq(json_array_size(at), 2, "stops once the result changed");
    cr_assert_str_eq(verdict_name(json_array_get(at, 0)), "FAIL");
    cr_assert_str_eq(verdict_name(json_array_get(at, 1)), "PASS");
    /* load_report expands a row's own indices, not its attempts': raw indices here */
    cr_assert_neq(json_integer_value(json_object_get(json_array_get(at, 0), "observation")),
                  json_integer_value(json_object_get(json_array_get(at, 1), "observation")));
    cr_assert(strstr(json_string_value(json_object_get(row, "detail")),
                     "changed between attempts: FAIL, PASS") != NULL);
    cr_assert(json_is_false(value(row)), "the row keeps its first attempt's observation");
    run = json_object_get(r.report, "run");
    cr_assert_eq(json_integer_value(json_object_get(run, "retries")), 2);
    cr_assert(json_is_false(json_object_get(run, "allow_flaky")));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.report, "summary"), "unexpected")), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(r.report, "summary"), "verdicts"), "FLAKY")), 1);
    cr_assert(strstr(r.out.data, "retry 1 of 2: 1 job again for 1 unexpected result\n") != NULL, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "retry 2 of 2") == NULL, "nothing left to retry: %s", r.out.data);
    cr_assert(strstr(r.out.data, "1 FLAKY; 1 unexpected") != NULL, "%s", r.out.data);
    xml = slurp(junit);
    cr_assert(strstr(xml, "<failure message=\"FLAKY: changed between attempts: FAIL, PASS") != NULL, "%s", xml);
    cr_assert(strstr(xml, "type=\"FLAKY\"") != NULL, "%s", xml);
    cr_assert(strstr(xml, "attempts: FAIL (") != NULL, "%s", xml);
    free(xml);
    junit_valid(junit);
    keep_report(&r, after);
    run_free(&r);

    /* diff: FAIL -> FLAKY is a verdict change (both unexpected), nothing newly unexpected */
    {
        const char *d[] = {"diff", before, after};
        run_pc(&r, d, 3);
        cr_assert_eq(r.code, 0, "%s %s", r.out.data, r.err.data);
        cr_assert(strstr(r.out.data, "verdict changed") != NULL, "%s", r.out.data);
        cr_assert(strstr(r.out.data, "source: FAIL -> FLAKY") != NULL, "%s", r.out.data);
        run_free(&r);
    }

    /* --allow-flaky: the same FLAKY row counts as expected: exit 0; JUnit: a passing
     * testcase whose output says FLAKY */
    remove(mark);
    args[n++] = "--allow-flaky";
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 0, "%s %s", r.out.data, r.err.data);
    row = only_row(r.report, "attempt");
    cr_assert_str_eq(verdict_name(row), "FLAKY");
    cr_assert(json_is_true(json_object_get(json_object_get(r.report, "run"), "allow_flaky")));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.report, "summary"), "unexpected")), 0);
    cr_assert(strstr(r.out.data, "1 FLAKY; 0 unexpected") != NULL, "%s", r.out.data);
    xml = slurp(junit);
    cr_assert(strstr(xml, "<failure") == NULL, "allowed: no failure: %s", xml);
    cr_assert(strstr(xml, "failures=\"0\"") != NULL, "%s", xml);
    cr_assert(strstr(xml, "<system-out>FLAKY on cpython-3.12") != NULL, "%s", xml);
    free(xml);
    junit_valid(junit);
    run_free(&r);

    /* a result unexpected in the same way every time keeps its verdict, with N+1 attempts */
    n = base;
    args[n - 1] = "^steady / same$";
    args[n++] = "--retries";
    args[n++] = "2";
    run_pc(&r, args, n);
    cr_assert_eq(r.code, 1, "%s %s", r.out.data, r.err.data);
    row = only_row(r.report, "same");
    cr_assert_str_eq(verdict_name(row), "FAIL");
    at = json_object_get(row, "attempts");
    cr_assert_eq(json_array_size(at), 3, "the first and two retries");
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(verdict_name(json_array_get(at, i)), "FAIL");
        cr_assert_eq(json_integer_value(json_object_get(json_array_get(at, i), "observation")),
                     json_integer_value(json_object_get(json_array_get(at, 0), "observation")));
    }
    cr_assert(strstr(r.out.data, "retry 2 of 2: 1 job again for 1 unexpected result\n") != NULL, "%s", r.out.data);
    run_free(&r);

    remove(cf);
    remove(mark);
    remove(steady);
    remove(junit);
    remove(before);
    remove(after);
    {
        char *ex = pc_asprintf(NULL, "%s/flaky.json", dir);
        remove(ex);
        free(ex);
    }
    cr_assert_eq(rmdir(dir), 0, "%s: nothing else left behind", dir);
    free(cf);
    free(mark);
    free(steady);
    free(junit);
    free(before);
    free(after);
}

Test(e2e, bad_retries_exit_2)
{
    const char *a1[] = {"run", "--retries", "-1", SEED};
    const char *a2[] = {"run", "--retries", "two", SEED};
    const char *a3[] = {"run", "--retries", SEED};
    const char *a4[] = {"bless", "--retries", "1", SEED};
    const char *a5[] = {"bless", "--allow-flaky", SEED};
    const char *a6[] = {"plan", "--retries", "1", SEED};
    const char *a7[] = {"run", "--retries=1x", SEED};
    const char *a8[] = {"run", "--help"};
    run_out r;
    run_pc(&r, a8, 2);
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out.data, "  --retries N ") != NULL && strstr(r.out.data, "  --allow-flaky ") != NULL,
              "run --help documents --retries and --allow-flaky: %s", r.out.data);
    run_free(&r);
    expect_usage_error(a1, 4, "--retries: expected a whole number from 0 to 100, got '-1'");
    expect_usage_error(a2, 4, "--retries: expected a whole number from 0 to 100, got 'two'");
    run_pc(&r, a3, 3); /* the case file is taken as the value */
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err.data, "--retries: expected a whole number") != NULL, "%s", r.err.data);
    run_free(&r);
    expect_usage_error(a4, 4, "bless: --retries is not supported");
    expect_usage_error(a5, 3, "bless: --allow-flaky is not supported");
    expect_usage_error(a6, 4, "plan: unknown option '--retries'");
    expect_usage_error(a7, 3, "--retries: expected a whole number from 0 to 100, got '1x'");
}

/* --allow-flaky without --retries: accepted, recorded, and changes nothing (nothing can
 * be FLAKY); --retries 0 is no retry. */
Test(e2e, allow_flaky_without_retries)
{
    const char *args[] = {"run", "--interp", interps[1], "--mode", "source", "--allow-flaky",
                          "--retries", "0", SEED};
    run_out r;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    run_pc(&r, args, 9);
    cr_assert_eq(r.code, 0, "%s", r.err.data);
    cr_assert(json_is_true(json_object_get(json_object_get(r.report, "run"), "allow_flaky")));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.report, "run"), "retries")), 0);
    cr_assert(strstr(r.out.data, "retry ") == NULL, "%s", r.out.data);
    run_free(&r);
}

/* The construct names a run's jobs list as left untranslated, joined with '|'. */
static void untranslated_of(json_t *report, char *out, size_t size)
{
    json_t *jobs = json_object_get(report, "jobs"), *job, *u, *e;
    size_t i, k;
    out[0] = 0;
    json_array_foreach(jobs, i, job)
        if ((u = json_object_get(job, "untranslated")))
            json_array_foreach(u, k, e) {
                strncat(out, json_string_value(json_object_get(e, "construct")) ? json_string_value(json_object_get(e, "construct")) : "?",
                        size - strlen(out) - 1);
                strncat(out, "|", size - strlen(out) - 1);
            }
}

/* --conservative: our desugarer keeps a class of a module with frame introspection as a
 * class statement, the report's jobs say so and run.conservative records it; without
 * it the class is translated. */
Test(e2e, conservative_keeps_the_old_class_guards)
{
    char dir[] = "/tmp/pc-e2e-cons-XXXXXX", seen[4096];
    const char *args[12];
    size_t n = 0;
    run_out r;
    char *cf;
    if (!have_interpreters())
        cr_skip_test("pyenv CPythons are not installed");
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "frames.case",
                   "$ frames\nimport sys\n\ndef f():\n    class C:\n        x = 1\n"
                   "        sys._getframe().f_locals['y'] = 2\n    return sorted(vars(C))[-2:]\n");
    n = case_args(args, "run", interps[1], "desugared", dir);
    args[n++] = "--conservative";
    args[n++] = cf;
    run_pc(&r, args, n);
    cr_assert_not_null(r.report, "%s", r.err.data);
    cr_assert(json_is_true(json_object_get(json_object_get(r.report, "run"), "conservative")));
    untranslated_of(r.report, seen, sizeof seen);
    cr_assert(strstr(seen, "ClassDef (frame introspection in the module)") != NULL, "%s", seen);
    run_free(&r);

    args[n - 2] = cf; /* the same without --conservative */
    run_pc(&r, args, n - 1);
    cr_assert_not_null(r.report, "%s", r.err.data);
    cr_assert(json_is_false(json_object_get(json_object_get(r.report, "run"), "conservative")));
    untranslated_of(r.report, seen, sizeof seen);
    cr_assert(strstr(seen, "ClassDef") == NULL, "%s", seen);
    run_free(&r);
    remove(cf);
    free(cf);
    rmdir(dir);
}
