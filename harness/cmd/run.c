/* run.c - the `run` and `bless` commands: the whole pipeline,
 *
 *   parse (cases) -> translate -> plan (jobs) -> execute (runners) -> compare (verdicts)
 *   -> report, and for bless the expectations recorded.
 *
 * With --retries N, the unexpected rows are held back from the report while the run
 * goes, their jobs run again after it (retry.h), and they are written last, with their
 * final verdict (FLAKY when a result changed between attempts) and every attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "bless.h"
#include "cmd.h"
#include "compare.h"
#include "execute.h"
#include "expected.h"
#include "html.h"
#include "plan.h"
#include "progress.h"
#include "report.h"
#include "retry.h"
#include "schedule.h"
#include "term.h"
#include "translate.h"
#include "util.h"

/* What run hands execute as its result callback: the judge, then the live view, then
 * the --max-failures check. */
typedef struct run_results {
    pc_judge *judge;
    const pc_comparison *cmp;
    pc_progress *progress;
    size_t max_failures; /* 0: never stop */
    bool cut_short;      /* max_failures was reached: execute was asked to halt */
} run_results;

static int run_on_result(void *ctx, size_t job, pc_job_result *r, pc_error *err)
{
    run_results *rr = ctx;
    if (pc_judge_job(rr->judge, job, r, err))
        return -1;
    pc_progress_job(rr->progress, job, rr->cmp->unexpected);
    if (rr->max_failures && !rr->cut_short && rr->cmp->unexpected >= rr->max_failures) {
        rr->cut_short = true;
        return PC_EXEC_HALT;
    }
    return 0;
}

/* The N slowest jobs, slowest first (ties in plan order). */
static int print_durations(FILE *out, const pc_plan *plan, const pc_comparison *cmp, size_t n,
                           pc_error *err)
{
    size_t *top = calloc(n ? n : 1, sizeof *top), len = 0, i, k;
    if (!top)
        return pc_oom(err);
    for (i = 0; i < plan->len; i++) {
        /* insertion into the sorted top n */
        float s = cmp->jobs[i].seconds;
        if (len == n && !(s > cmp->jobs[top[len - 1]].seconds))
            continue;
        k = len < n ? len++ : len - 1;
        while (k > 0 && s > cmp->jobs[top[k - 1]].seconds) {
            top[k] = top[k - 1];
            k--;
        }
        top[k] = i;
    }
    fprintf(out, "slowest %zu job%s:\n", len, len == 1 ? "" : "s");
    for (i = 0; i < len; i++) {
        const pc_job *j = &plan->jobs[top[i]];
        fprintf(out, "  %8.3f s  %s  %s  %s (%s:%d)\n", cmp->jobs[top[i]].seconds, j->interp->name,
                pc_mode_name(j->mode), j->kase->name, j->kase->file, j->kase->line);
    }
    free(top);
    return 0;
}

/* The reports directory exists (or is created) and takes files: checked before
 * anything runs, so a run never ends without its report. */
static int check_reports_dir(const char *dir, pc_error *err)
{
    char *probe;
    int fd;
    if (pc_mkdir_p(dir, err))
        return pc_wrap(err, "--reports");
    if (!(probe = pc_asprintf(err, "%s/.pyconform-write-test.%ld", dir, (long)getpid())))
        return -1;
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        pc_fail(err, "%s: reports directory is not writable: %s", dir, strerror(errno));
        free(probe);
        return -1;
    }
    close(fd);
    unlink(probe);
    free(probe);
    return 0;
}

/* --junit FILE, --html FILE (`option`): its folder takes files, checked before anything
 * runs, so a run is not lost for a typo in a path. */
static int check_output_path(const char *option, const char *path, pc_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? pc_strndup(path, slash == path ? 1 : (size_t)(slash - path), err)
                      : pc_strdup(".", err);
    int ok;
    if (!dir)
        return -1;
    ok = access(dir, W_OK | X_OK) == 0;
    if (!ok)
        pc_fail(err, "%s %s: %s is not a writable folder: %s", option, path, dir, strerror(errno));
    free(dir);
    return ok ? 0 : -1;
}

/* run and bless: the whole pipeline. stop_fd: a signalfd for SIGINT, SIGTERM and
 * SIGHUP (blocked), or -1. */
static int run_pipeline(const pc_options *o, const pc_paths *p, int argc, char **argv, int stop_fd)
{
    pc_prepared pr = {0};
    pc_comparison cmp = {0};
    pc_judge judge = {0};
    pc_retry retry = {0};
    bool retrying = o->cmd == PC_CMD_RUN && o->retries > 0;
    pc_report_writer report = {0};
    pc_progress progress = {0};
    char cut_short[64], stopped[64];
    bool color = pc_term_color((pc_color_mode)o->color, stdout);
    FILE *spill = NULL;
    pc_stale_list stale = {0};
    pc_run_info run = {0};
    char *written = NULL;
    pc_error err;
    int rc = PC_EXIT_USAGE;
    bool extra_failed = false;
    double t0 = pc_now();

    run.started = pc_wall_now();
    run.argc = argc;
    run.argv = argv;
    run.timeout = o->timeout;
    run.startup_timeout = o->startup_timeout;
    run.max_output = o->max_output;
    run.max_memory = o->max_memory;
    run.parallel = o->parallel;
    run.shared = o->shared;
    run.max_failures = o->max_failures;
    run.retries = o->retries;
    run.allow_flaky = o->allow_flaky;
    run.conservative = o->conservative;

    /* 1. the reports directory takes files (checked before anything runs); 2. cases,
     * expectations, translations, builds and jobs */
    if (check_reports_dir(p->reports, &err) || (o->junit && check_output_path("--junit", o->junit, &err)) ||
        (o->html && check_output_path("--html", o->html, &err)) ||
        pc_cmd_prepare(o, p, stop_fd, &pr, &run.interrupted, &err))
        goto fail;
    pc_schedule_load(p->reports, &pr.reg); /* the previous run's times: longest first */
    run.fingerprint = pr.shard.fingerprint; /* --shard K/N: what the report records (shard.h) */
    run.shard_k = pr.shard.k;
    run.shard_n = pr.shard.n;
    run.plan_jobs = pr.shard.plan_jobs;
    run.plan_index = pr.shard.plan_index;

    /* 3. execute; 4. each result judged as it arrives, its rows streamed to the report */
    if (pc_report_open(&report, p->reports, run.started, &err) ||
        pc_judge_init(&judge, &pr.cases, &pr.plan, &pr.ex, &cmp, pc_report_row, &report, &err))
        goto fail;
    judge.select = pr.select.active ? &pr.select : NULL;
    judge.release_texts = &pr.cases; /* a block's texts go once its jobs have ended */
    /* --retries: unexpected rows held back (their blocks' texts kept) until retried */
    if (retrying &&
        pc_retry_init(&retry, &judge, pc_report_row, pc_report_row_attempts, &report, &err))
        goto fail;
    /* run keeps the distinct observations in a temporary file, so its memory does not grow
     * with them (bless reads them all back: it keeps them in memory) */
    if (o->cmd == PC_CMD_RUN) {
        if (!(spill = tmpfile())) {
            pc_fail(&err, "cannot create a temporary file for the observations: %s", strerror(errno));
            goto fail;
        }
        if (pc_intern_spill(&cmp.observations, fileno(spill), &err))
            goto fail;
    }
    if (pc_progress_init(&progress, &pr.plan, stdout, o->quiet, color, &err))
        goto fail;
    if (!run.interrupted && !(run.interrupted = pc_cmd_pending_signal(stop_fd)) && pr.plan.len) {
        pc_exec_options eo = pc_cmd_exec_options(o, p, stop_fd);
        run_results rr = {&judge, &cmp, &progress, (size_t)o->max_failures, false};
        if (pc_execute(&pr.plan, &eo, run_on_result, &rr, &run.interrupted, &err))
            goto fail;
        if (rr.cut_short && !run.interrupted) {
            snprintf(cut_short, sizeof cut_short, "--max-failures %d reached", o->max_failures);
            run.cut_short = cut_short;
        }
    }
    pc_progress_clear(&progress);
    /* --retries: the unexpected results' jobs again, on fresh runners (not after a run
     * that was stopped: what it held is written as it was) */
    if (retrying && retry.nheld && !run.interrupted && !run.cut_short) {
        pc_exec_options eo = pc_cmd_exec_options(o, p, stop_fd);
        if (pc_retry_run(&retry, o->retries, &eo, o->quiet ? NULL : stdout, &run.interrupted, &err))
            goto fail;
    }
    if (retrying && pc_retry_flush(&retry, o->allow_flaky, &err))
        goto fail;
    if (run.interrupted)
        pc_judge_signal_reason(run.interrupted, stopped, sizeof stopped);
    if (pc_judge_finish(&judge, run.interrupted ? stopped : run.cut_short ? run.cut_short : NULL, &err))
        goto fail;
    if (!run.interrupted && !run.cut_short && pr.plan.len &&
        pc_schedule_save(p->reports, &pr.plan, cmp.jobs, &err))
        fprintf(stderr, "pyconform: warning: %s\n", err.msg); /* a hint for next time */
    pc_judge_free(&judge);
    /* stale: recorded functions no row has; a selection leaves rows out on purpose */
    if (!pr.select.active && pc_stale_find(&pr.ex, &pr.cases, &cmp, &stale, &err))
        goto fail;
    pc_stale_print(stderr, &stale);

    /* 5. the report's end */
    run.finished = pc_wall_now();
    {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            run.peak_rss = ru.ru_maxrss * 1024L;
    }
    run.seconds = pc_now() - t0;
    if (pc_report_close(&report, &run, &pr.reg, &pr.plan, &cmp, &stale, &written, &err))
        goto fail;
    {
        size_t removed;
        if (pc_report_prune(p->reports, (size_t)o->keep_reports, &removed, &err))
            fprintf(stderr, "pyconform: warning: %s\n", err.msg); /* the report is written */
    }
    if (o->quiet)
        pc_report_print_summary(stdout, &run, &pr.plan, &cmp, color);
    else
        pc_report_print(stdout, &run, &pr.plan, &cmp, o->max_details, color);
    if (o->durations && print_durations(stdout, &pr.plan, &cmp, (size_t)o->durations, &err))
        goto fail;
    printf("report: %s/latest.json (%s)\n", p->reports, written);
    if (o->html) { /* the page of the report just written (cmd/html.c) */
        size_t bytes = 0;
        if (pc_html_write(written, o->html, &bytes, &err)) {
            fprintf(stderr, "pyconform: --html: %s\n", err.msg);
            extra_failed = true;
        } else {
            printf("html: %s (%zu bytes)\n", o->html, bytes);
        }
    }
    if (o->junit) { /* from the report just written, as `pyconform junit` would */
        if (pc_cmd_write_junit(written, o->junit, &err)) {
            fprintf(stderr, "pyconform: --junit: %s\n", err.msg);
            extra_failed = true;
        } else {
            printf("junit: %s\n", o->junit);
        }
    }
    rc = cmp.unexpected ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
    if (!run.interrupted && (rc = pc_cmd_pending_signal(stop_fd)) != 0) {
        /* every job ran, and the report is whole; the signal still decides the status */
        fflush(stdout);
        fprintf(stderr, "pyconform: signal %d (%s) after the run ended: the report is complete%s\n",
                rc, strsignal(rc), o->cmd == PC_CMD_BLESS ? "; expected/ left as it was" : "");
        rc += 128;
        goto done;
    }
    rc = cmp.unexpected ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
    if (o->bisect_exit && cmp.counts[PC_ERROR])
        rc = PC_EXIT_BISECT_SKIP; /* a build or desugarer that fails: `git bisect run` skips */
    if (run.interrupted) {
        rc = pc_cmd_interrupted(run.interrupted,
                                o->cmd == PC_CMD_BLESS ? "; expected/ left as it was" : NULL);
        goto done;
    }
    if (run.cut_short) {
        fflush(stdout);
        fprintf(stderr, "pyconform: the run was cut short (%s)%s\n", run.cut_short,
                o->cmd == PC_CMD_BLESS ? "; expected/ left as it was" : "");
        goto done; /* unexpected results: exit 1 */
    }

    if (o->cmd == PC_CMD_BLESS) {
        pc_bless_stats st;
        if (pc_bless(&pr.ex, &pr.cases, &cmp, &pr.reg, stdout, &st, &err))
            goto fail;
        printf("bless: %zu functions updated, %zu kept, %zu dropped, %zu files written\n",
               st.functions_updated, st.functions_kept, st.functions_dropped, st.files_written);
        if (st.divergences_without_reason)
            printf("bless: %zu new divergences recorded with \"divergence\": null: write their "
                   "reasons in expected/ (until then they count as DIVERGE)\n",
                   st.divergences_without_reason);
        rc = PC_EXIT_OK;
    }
    goto done;

fail:
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    if (extra_failed && rc < PC_EXIT_USAGE)
        rc = PC_EXIT_USAGE; /* the report is written, an --html or --junit file is not */
    if (o->bisect_exit && rc == PC_EXIT_USAGE)
        rc = PC_EXIT_BISECT_SKIP; /* a harness failure at this commit: skip it */
    pc_progress_free(&progress);
    pc_report_abort(&report);
    pc_judge_free(&judge);
    pc_retry_free(&retry);
    free(written);
    pc_stale_list_free(&stale);
    pc_comparison_free(&cmp);
    if (spill)
        fclose(spill);
    pc_prepared_free(&pr);
    return rc;
}

/* run/bless with SIGINT, SIGTERM and SIGHUP blocked and read from a signalfd: the
 * loops that wait on children watch it, kill and reap every child, and the run still
 * writes its report (marked interrupted). A second signal during that is taken by the
 * same fd; nothing is left to kill by then. */
int pc_cmd_run(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    int fd = pc_cmd_take_signals(), rc;
    if (fd < 0)
        return PC_EXIT_USAGE;
    rc = run_pipeline(o, p, argc, argv, fd);
    close(fd); /* the signals stay blocked: one still pending must not undo the exit code */
    return rc;
}
