/* `pyconform plan`, end to end: the real binary plans jobs for a configured build (a
 * real pyenv CPython with an environment variable and a tag of its own) beside a
 * broken one; each job line of `plan --json` is then fed by hand to the build's runner
 * with the printed argv and env, and the runner must answer it in full (hello, module
 * line, one function line per call, end), decoded by the harness's own decoder. The
 * table and the usage errors are checked too. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "process.h"
#include "protocol.h"
#include "util.h"

#define REAL_PYTHON "/root/.pyenv/versions/3.12.1/bin/python"

static const char case_text[] =
    "$ plan probe\n"
    "import os\n"
    "def mark():\n"
    "    return os.environ.get('PC_PLAN_MARK')\n"
    "def hashseed():\n"
    "    return os.environ.get('PYTHONHASHSEED')\n"
    "def takes_an_argument(x):\n"
    "    return x\n"
    "$ plan second\n"
    "def only():\n"
    "    print('hi')\n"
    "    return 1\n";

typedef struct env {
    char dir[32];
    char *config, *cache, *kase, *expected;
} env;

static void env_setup(env *e)
{
    char *cfg;
    strcpy(e->dir, "/tmp/pc-plan-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
    cfg = pc_asprintf(NULL,
                      "{\"interpreters\": ["
                      " {\"name\": \"plan-py\", \"argv\": [\"%s\"], \"env\": {\"PC_PLAN_MARK\": \"yes\"},"
                      "  \"tags\": [\"plantest\"]},"
                      " {\"name\": \"plan-broken\", \"argv\": [\"/nonexistent/bin/python3\"],"
                      "  \"tags\": [\"plantest\"]}]}",
                      REAL_PYTHON);
    e->config = write_tmp(e->dir, "interpreters.json", cfg);
    free(cfg);
    e->cache = pc_asprintf(NULL, "%s/cache", e->dir);
    e->expected = pc_asprintf(NULL, "%s/expected", e->dir);
    e->kase = write_tmp(e->dir, "plan.case", case_text);
}

static void env_free(env *e)
{
    remove_tree(e->dir);
    free(e->config);
    free(e->cache);
    free(e->expected);
    free(e->kase);
}

static int plan(env *e, const char *const *extra, pc_buf *out, pc_buf *err)
{
    const char *args[24] = {"plan", "--config", e->config, "--cache", e->cache,
                            "--expected", e->expected};
    size_t n = 7;
    while (extra && *extra)
        args[n++] = *extra++;
    args[n++] = e->kase;
    return run_binary(args, n, NULL, 300, out, err);
}

/* A JSON array of strings as a NULL-terminated vector (strings borrowed). */
static char **strings(json_t *a)
{
    size_t i, n = json_array_size(a);
    char **v = calloc(n + 1, sizeof *v);
    cr_assert_not_null(v);
    for (i = 0; i < n; i++) {
        v[i] = (char *)json_string_value(json_array_get(a, i));
        cr_assert_not_null(v[i], "argv/env item %zu is not a string", i);
    }
    return v;
}

/* Feed one job line to the runner the plan names; return its decoded lines. */
static size_t replay(json_t *obj, pc_msg *msgs, size_t max)
{
    char **argv = strings(json_object_get(obj, "argv"));
    char **envv = strings(json_object_get(obj, "env"));
    char *line = json_dumps(json_object_get(obj, "job"), JSON_COMPACT), *input;
    pc_child c = {0};
    pc_buf out = {0}, err = {0};
    pc_error perr;
    int status = 0;
    bool timed_out = false;
    size_t n = 0;
    const char *p, *nl;
    cr_assert_not_null(line);
    input = pc_asprintf(NULL, "%s\n", line);
    c.argv = argv;
    c.env = envv;
    c.pipe_in = c.pipe_out = c.pipe_err = true;
    cr_assert_eq(pc_child_start(&c, &perr), 0, "%s", perr.msg);
    cr_assert_eq(pc_child_capture(&c, input, 60, &out, &err, &status, &timed_out, &perr), 0, "%s",
                 perr.msg);
    cr_assert(!timed_out);
    pc_buf_append(&out, "", 0, NULL);
    pc_buf_append(&err, "", 0, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "runner status %d, stderr: %s",
              status, err.data);
    for (p = out.data; *p && n < max; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl, "runner output ends without a newline: %s", p);
        cr_assert_eq(pc_msg_decode(&msgs[n], p, (size_t)(nl - p), &perr), 0, "%s", perr.msg);
        n++;
    }
    free(input);
    free(line);
    free(argv);
    free(envv);
    pc_buf_free(&out);
    pc_buf_free(&err);
    return n;
}

Test(plan, json_jobs_replay_against_the_runner, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0};
    const char *extra[] = {"--json", "--tag", "plantest", NULL};
    const char *p, *nl;
    size_t njobs = 0, nreal = 0, nbroken = 0;
    if (access(REAL_PYTHON, X_OK) != 0)
        cr_skip_test("no %s", REAL_PYTHON);
    env_setup(&e);
    cr_assert_eq(plan(&e, extra, &out, &err), 0, "stderr: %s", err.data);
    for (p = out.data; *p; p = nl + 1) {
        json_error_t jerr;
        json_t *o, *job, *argv, *envv;
        const char *interp, *mode;
        nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        o = json_loadb(p, (size_t)(nl - p), 0, &jerr);
        cr_assert_not_null(o, "line %zu: %s", njobs + 1, jerr.text);
        interp = json_string_value(json_object_get(o, "interp"));
        job = json_object_get(o, "job");
        argv = json_object_get(o, "argv");
        envv = json_object_get(o, "env");
        mode = json_string_value(json_object_get(job, "mode"));
        cr_assert_not_null(interp);
        cr_assert_not_null(mode);
        /* the job line pc_job_line builds: id in plan order, the limits as given */
        cr_assert_eq(json_integer_value(json_object_get(job, "id")), (json_int_t)njobs);
        cr_assert_eq(json_integer_value(json_object_get(job, "resume")), 0);
        cr_assert_eq(json_integer_value(json_object_get(job, "max_output")), 1 << 20);
        cr_assert(json_is_string(json_object_get(job, "source")));
        cr_assert_str_eq(json_string_value(json_array_get(argv, json_array_size(argv) - 1)) +
                             strlen(json_string_value(json_array_get(argv, json_array_size(argv) - 1))) -
                             strlen("runners/runner.py"),
                         "runners/runner.py");
        if (!strcmp(interp, "plan-broken")) {
            /* a build that cannot run: planned, marked, never to be sent */
            cr_assert(json_is_string(json_object_get(o, "error")), "broken job without error");
            nbroken++;
        } else {
            pc_msg msgs[16];
            size_t n, k, ncalls;
            json_t *calls;
            cr_assert_str_eq(interp, "plan-py");
            cr_assert_str_eq(json_string_value(json_array_get(argv, 0)), REAL_PYTHON);
            cr_assert_null(json_object_get(o, "error"));
            cr_assert_null(json_object_get(o, "skip"));
            /* the harness's environment, then the build's own */
            cr_assert_str_eq(json_string_value(json_array_get(envv, 0)), "PYTHONHASHSEED=0");
            cr_assert_str_eq(json_string_value(json_array_get(envv, json_array_size(envv) - 1)),
                             "PC_PLAN_MARK=yes");
            n = replay(o, msgs, 16);
            cr_assert_geq(n, 3, "runner answered %zu lines", n);
            cr_assert_eq(msgs[0].kind, PC_MSG_HELLO);
            cr_assert_eq(msgs[1].kind, PC_MSG_MODULE);
            cr_assert_eq(msgs[1].id, (long long)njobs);
            calls = json_object_get(msgs[1].body, "calls");
            ncalls = json_array_size(calls);
            cr_assert_eq(n, 3 + ncalls, "%zu lines for %zu calls", n, ncalls);
            for (k = 0; k < ncalls; k++) {
                cr_assert_eq(msgs[2 + k].kind, PC_MSG_FUNCTION);
                cr_assert_eq(msgs[2 + k].id, (long long)njobs);
                cr_assert_str_eq(json_string_value(json_object_get(msgs[2 + k].body, "name")),
                                 json_string_value(json_array_get(calls, k)));
            }
            cr_assert_eq(msgs[n - 1].kind, PC_MSG_END);
            cr_assert_eq(msgs[n - 1].exit_code, 0);
            if (!strcmp(json_string_value(json_object_get(job, "case")), "plan probe") &&
                !strcmp(mode, "source")) {
                /* the env the plan printed reached the case code */
                json_t *v0 = json_object_get(json_object_get(msgs[2].body, "outcome"), "value");
                json_t *v1 = json_object_get(json_object_get(msgs[3].body, "outcome"), "value");
                cr_assert_eq(ncalls, 2); /* takes_an_argument is not called */
                cr_assert_str_eq(json_string_value(json_array_get(calls, 0)), "mark");
                cr_assert_str_eq(json_string_value(v0), "yes");
                cr_assert_str_eq(json_string_value(v1), "0");
            }
            for (k = 0; k < n; k++)
                pc_msg_free(&msgs[k]);
            nreal++;
        }
        json_decref(o);
        njobs++;
    }
    /* 2 blocks x 2 modes on each build */
    cr_assert_eq(nreal, 4);
    cr_assert_eq(nbroken, 4);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_free(&e);
}

Test(plan, table_lists_every_job_and_counts_them, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0};
    const char *extra[] = {"--tag", "plantest", "--mode", "source", NULL};
    if (access(REAL_PYTHON, X_OK) != 0)
        cr_skip_test("no %s", REAL_PYTHON);
    env_setup(&e);
    cr_assert_eq(plan(&e, extra, &out, &err), 0, "stderr: %s", err.data);
    cr_assert(strstr(out.data, "INTERPRETER") == out.data, "no header: %s", out.data);
    cr_assert_not_null(strstr(out.data, "\nplan-py "));
    cr_assert_not_null(strstr(out.data, "plan probe"));
    cr_assert_not_null(strstr(out.data, "plan second"));
    cr_assert_not_null(strstr(out.data, "source"));
    cr_assert_null(strstr(out.data, "desugared"), "--mode source planned desugared jobs");
    cr_assert_not_null(strstr(out.data, "\nplan: 4 jobs on 2 interpreters (0 skipped, 2 on builds "
                                        "that cannot run)\n"),
                       "%s", out.data);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_free(&e);
}

Test(plan, usage_errors_exit_2)
{
    env e;
    pc_buf out = {0}, err = {0};
    const char *bogus[] = {"--bogus", NULL};
    /* the configuration without its broken build (a configured broken build is always
     * selected, so that nothing matches needs a configuration of working builds) */
    const char *none[] = {"--interp", "no-such-build-*", NULL};
    env_setup(&e);
    cr_assert_eq(plan(&e, bogus, &out, &err), 2);
    cr_assert_not_null(strstr(err.data, "plan: unknown option '--bogus'"), "%s", err.data);
    cr_assert_not_null(strstr(err.data, "usage: pyconform plan"), "%s", err.data);
    cr_assert_eq(out.len, 0, "printed: %s", out.data);
    pc_buf_free(&out);
    pc_buf_free(&err);
    memset(&out, 0, sizeof out);
    memset(&err, 0, sizeof err);
    free(e.config);
    e.config = write_tmp(e.dir, "good.json",
                         "{\"interpreters\": [{\"name\": \"plan-py\", \"argv\": [\"" REAL_PYTHON
                         "\"], \"env\": {\"PC_PLAN_MARK\": \"yes\"}}]}");
    cr_assert_eq(plan(&e, none, &out, &err), 2);
    cr_assert_not_null(strstr(err.data, "no supported interpreter matches --interp"), "%s",
                       err.data);
    cr_assert_eq(out.len, 0, "printed: %s", out.data);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_free(&e);
}
