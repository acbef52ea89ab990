/* End to end: pyconform interrupted by SIGINT, SIGTERM or SIGHUP while a runner is
 * inside a job that never ends (and ignores those signals itself). pyconform must kill
 * every runner process group, write a complete report marked "interrupted" (the jobs
 * that did not run are "not-run"), leave no temporary file in the reports directory,
 * exit 130, 143 or 129, and leave no process behind. A second SIGINT right after the
 * first changes none of that. Uses pyenv CPython 3.12.1. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "tagged_run.h"

#define INTERP "cpython-3.12.1"

/* A quick block, then one that hangs for good with the usual termination signals
 * ignored, then two blocks that never get to run. */
static const char hang_case[] =
    "$ interrupt quick\n"
    "def quick():\n"
    "    return 1\n"
    "$ interrupt hang\n"
    "import signal\n"
    "def first():\n"
    "    return 1\n"
    "def hang():\n"
    "    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\n"
    "        signal.signal(sig, signal.SIG_IGN)\n"
    "    while True:\n"
    "        pass\n"
    "def after():\n"
    "    return 2\n"
    "$ interrupt later\n"
    "def later():\n"
    "    return 3\n"
    "$ interrupt last\n"
    "def last():\n"
    "    return 4\n";

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static const char *job_status(json_t *report, const char *kase)
{
    size_t i;
    json_t *job;
    json_array_foreach(json_object_get(report, "jobs"), i, job) {
        const char *c = json_string_value(json_object_get(job, "case"));
        if (c && !strcmp(c, kase))
            return json_string_value(json_object_get(job, "status"));
    }
    cr_assert_fail("no job for case %s", kase);
    return NULL;
}

/* Start the run, wait until the runner is inside the hanging job, send the signals. */
static void interrupt_run(int sig, int times, int want_code)
{
    char dir[] = "/tmp/pc-interrupt-XXXXXX";
    char *cf, names[1024];
    const char *args[16];
    size_t n = 0, i;
    tagged_run r;
    pid_t pids[8];
    double deadline;
    json_t *job;
    if (!tr_have_pyenv("3.12.1"))
        cr_skip_test("pyenv CPython 3.12.1 is not installed");
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "interrupt.case", hang_case);
    args[n++] = "run";
    args[n++] = "--interp";
    args[n++] = INTERP;
    args[n++] = "--mode";
    args[n++] = "source";
    args[n++] = "--timeout";
    args[n++] = "60";
    args[n++] = "--expected";
    args[n++] = dir;
    args[n++] = "-q";
    args[n++] = cf;
    tr_start(&r, args, n, false);

    /* the runner is up (and its job child, which shares its command line) ... Probing
     * every registered build comes first: up to --startup-timeout (30 s) each round. */
    deadline = tr_now() + 150;
    while (tr_tagged(r.tag, "runner.py", pids, 8) == 0) {
        bool ended = tr_poll(&r);
        if (ended || tr_now() > deadline) {
            tr_abort(&r);
            cr_assert_fail("no runner.py process with the tag (pyconform %s)",
                           ended ? "ended first" : "still running after 150 s");
        }
        sleep_s(0.02);
    }
    /* ... and well inside the hanging job: the quick one takes milliseconds */
    sleep_s(1.0);
    if (tr_poll(&r)) {
        tr_abort(&r);
        cr_assert_fail("pyconform ended (status 0x%x) during a job that never ends", r.status);
    }
    for (i = 0; i < (size_t)times; i++) {
        cr_assert_eq(kill(r.pid, sig), 0);
        if (i + 1 < (size_t)times)
            sleep_s(0.005);
    }
    tr_wait(&r, 20);
    cr_expect_eq(r.survivors, 0, "processes of the run survive it: %s", r.survivor_text);

    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == want_code,
              "want exit %d, got status 0x%x\nstderr:\n%s", want_code, r.status, r.err);
    cr_assert_not_null(r.report, "no reports/latest.json (or it does not parse); stderr:\n%s", r.err);
    cr_assert(json_is_true(json_object_get(r.report, "interrupted")), "\"interrupted\": true missing");
    cr_assert_eq(json_array_size(json_object_get(r.report, "jobs")), 4, "one record per planned job");
    cr_assert_str_eq(job_status(r.report, "interrupt quick"), "ok");
    cr_assert_str_eq(job_status(r.report, "interrupt later"), "not-run");
    cr_assert_str_eq(job_status(r.report, "interrupt last"), "not-run");
    json_array_foreach(json_object_get(r.report, "jobs"), i, job) {
        const char *st = json_string_value(json_object_get(job, "status"));
        cr_assert(st && (!strcmp(st, "ok") || !strcmp(st, "timeout") || !strcmp(st, "crash") ||
                         !strcmp(st, "error") || !strcmp(st, "skipped") || !strcmp(st, "not-run")),
                  "job status %s", st ? st : "(none)");
    }
    cr_assert_eq(tr_files_matching(r.reports, ".tmp", names, sizeof names), 0,
                 "temporary files left in the reports dir: %s", names);

    tr_free(&r);
    remove(cf);
    free(cf);
    rmdir(dir);
}

Test(interrupt, sigint, .timeout = 300)
{
    interrupt_run(SIGINT, 1, 130);
}

Test(interrupt, sigterm, .timeout = 300)
{
    interrupt_run(SIGTERM, 1, 143);
}

Test(interrupt, sighup, .timeout = 300)
{
    interrupt_run(SIGHUP, 1, 129);
}

Test(interrupt, second_sigint_right_after_the_first, .timeout = 300)
{
    interrupt_run(SIGINT, 2, 130);
}
