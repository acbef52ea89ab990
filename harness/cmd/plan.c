/* plan.c - the `plan` command: the jobs `run` would send, printed, nothing run.
 *
 * Cases, translations and the registry are loaded and selected exactly as `run` does
 * (same options), then pc_plan_build plans the jobs. Printed as
 *   - a table (default): one line per job, interpreter, case, mode, the functions
 *     expected/ records for that build, and why the job is not run if it is not;
 *   - NDJSON (--json): one object per job,
 *       {"interp": NAME, "argv": [...], "env": [...], "job": JOB}
 *     plus "skip": REASON (not sent: run answers it SKIP) or "error": PROBLEM (a build
 *     that cannot be run: answered ERROR). argv is the interpreter's command with the
 *     runner appended, env the overrides the harness puts on top of its own environment,
 *     and JOB the job line pc_job_line builds for the job (resume 0), so that
 *       env ENV... ARGV... <<< "$JOB"
 *     replays the job by hand against runners/runner.py (docs/protocol.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "expected.h"
#include "plan.h"
#include "protocol.h"
#include "translate.h"
#include "util.h"


/* How many functions expected/ records as defined for the job's build and mode (an
 * entry whose observation is not null), or -1 when it records nothing for the case. */
static long expected_functions(const pc_expectations *ex, const pc_job *j)
{
    pc_expect_iter it;
    const char *name;
    long n = 0;
    bool any = false;
    pc_expect_functions(ex, j->kase, &it);
    while ((name = pc_expect_next(&it)) != NULL) {
        pc_expect_entry e;
        any = true;
        if (pc_expect_lookup(ex, j->kase, name, j->interp, &e) &&
            pc_expect_defined(pc_expect_want(&e, j->mode == PC_MODE_DESUGARED)))
            n++;
    }
    return any ? n : -1;
}

static json_t *string_array(const char *const *items, const char *extra)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; a && items && items[i]; i++)
        if (json_array_append_new(a, json_string(items[i]))) {
            json_decref(a);
            return NULL;
        }
    if (a && extra && json_array_append_new(a, json_string(extra))) {
        json_decref(a);
        return NULL;
    }
    return a;
}

/* One NDJSON line for job j. */
static int print_json(FILE *out, const pc_job *j, const pc_paths *p, const pc_job_limits *lim,
                      bool shared, pc_error *err)
{
    size_t len;
    char *line = pc_job_line(j, 0, lim, &len, err), *s;
    json_t *job, *env, *o;
    json_error_t jerr;
    if (!line)
        return -1;
    job = json_loadb(line, len, 0, &jerr);
    free(line);
    if (!job)
        return pc_fail(err, "job %zu: its own job line does not parse: %s", (size_t)j->id, jerr.text);
    env = string_array(pc_runner_env, NULL);
    for (len = 0; env && j->interp->env && j->interp->env[len]; len++)
        if (json_array_append_new(env, json_string(j->interp->env[len]))) {
            json_decref(env);
            env = NULL;
        }
    if (env && shared && json_array_append_new(env, json_string(pc_runner_shared_env))) {
        json_decref(env);
        env = NULL;
    }
    char skip[256];
    bool skipped = pc_job_skip_reason(j, skip, sizeof skip);
    o = json_pack("{s:s, s:o*, s:o*, s:o}", "interp", j->interp->name,
                  "argv", string_array((const char *const *)j->interp->argv, p->runner),
                  "env", env, "job", job);
    if (!o || json_array_size(json_object_get(o, "argv")) == 0 || !json_object_get(o, "env") ||
        (skipped && json_object_set_new(o, "skip", json_string(skip))) ||
        (pc_job_error(j) && json_object_set_new(o, "error", json_string(pc_job_error(j))))) {
        json_decref(o);
        return pc_oom(err);
    }
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return pc_oom(err);
    fputs(s, out);
    fputc('\n', out);
    free(s);
    return 0;
}

/* Column widths of the table: the longest interpreter and case names. */
typedef struct widths {
    int interp, kase;
} widths;

static void print_row(FILE *out, const widths *w, const char *interp, const char *kase,
                      const char *mode, const char *fn, const char *why)
{
    fprintf(out, "%-*s  %-*s  %-9s  %5s  %s\n", w->interp, interp, w->kase, kase, mode, fn, why);
}

static void print_job(FILE *out, const widths *w, const pc_job *j, long nfn)
{
    char fn[24], skip[256] = "";
    pc_job_skip_reason(j, skip, sizeof skip);
    if (nfn < 0)
        strcpy(fn, "-");
    else
        snprintf(fn, sizeof fn, "%ld", nfn);
    print_row(out, w, j->interp->name, j->kase->name, pc_mode_name(j->mode), fn,
              pc_job_error(j) ? pc_job_error(j) : skip);
}

int pc_cmd_plan(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    pc_prepared pr = {0};
    pc_job_limits lim = {o->timeout, o->max_output, o->max_memory,
                         pc_runner_max_line(o->max_output)};
    pc_error err;
    size_t i, ninterps = 0, skipped = 0, broken = 0;
    const pc_interp *last = NULL;
    widths w = {11, 4}; /* the headers */
    int rc = PC_EXIT_USAGE, interrupted;
    (void)argc; /* the options are parsed already */
    (void)argv;

    if (pc_cmd_prepare(o, p, -1, &pr, &interrupted, &err))
        goto fail;

    for (i = 0; i < pr.plan.len; i++) {
        int a = (int)strlen(pr.plan.jobs[i].interp->name), b = (int)strlen(pr.plan.jobs[i].kase->name);
        w.interp = a > w.interp ? a : w.interp;
        w.kase = b > w.kase ? b : w.kase;
    }
    if (!o->json)
        print_row(stdout, &w, "INTERPRETER", "CASE", "MODE", "FUNCS", "NOT RUN BECAUSE");
    for (i = 0; i < pr.plan.len; i++) {
        const pc_job *j = &pr.plan.jobs[i];
        if (j->interp != last)
            ninterps++, last = j->interp;
        skipped += j->skip != 0;
        broken += pc_job_error(j) != NULL;
        if (o->json) {
            if (print_json(stdout, j, p, &lim, o->shared, &err))
                goto fail;
        } else {
            print_job(stdout, &w, j, expected_functions(&pr.ex, j));
        }
    }
    if (!o->json)
        printf("plan: %zu jobs on %zu interpreters (%zu skipped, %zu on builds that cannot run)\n",
               pr.plan.len, ninterps, skipped, broken);
    if (!o->json && pr.shard.n) /* --shard K/N: the slice printed above */
        printf("plan: shard %u/%u: %zu of the plan's %zu jobs (plan fingerprint %s)\n", pr.shard.k,
               pr.shard.n, pr.plan.len, pr.shard.plan_jobs, pr.shard.fingerprint);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        pc_fail(&err, "standard output: write failed");
        goto fail;
    }
    rc = PC_EXIT_OK;
    goto done;

fail:
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    pc_prepared_free(&pr);
    return rc;
}
