/* tagged_run.h - run the real pyconform binary as a child of the test, for the fault
 * and interrupt suites (tests/test_faults.c, tests/test_interrupt.c).
 *
 * The run gets a unique PYCONFORM_TEST_TAG=<random> in its environment, which every
 * runner and job child it starts inherits, so the test can find every process of the
 * run in /proc afterwards. The tag names the test process (pc-PID-RANDOM): tr_start
 * first kills tagged processes left by test processes that no longer exist. It runs in a fresh temporary directory (its
 * working directory; stdout and stderr go to files there, reports to DIR/reports).
 * With trace_rss the test measures pyconform's own peak resident set size: it traces
 * the process (ptrace, PTRACE_O_TRACEEXIT) and reads VmHWM from /proc when it exits,
 * which, unlike wait4()'s ru_maxrss, does not count the runners it reaped. Sanitizer
 * builds (whose LeakSanitizer must ptrace the process itself at exit) poll VmHWM every
 * 2 ms instead. */
#ifndef PC_TEST_TAGGED_RUN_H
#define PC_TEST_TAGGED_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct tagged_run {
    char tag[40];        /* the value of PYCONFORM_TEST_TAG */
    char dir[64];        /* working directory of the run */
    char reports[96];    /* DIR/reports, passed as --reports */
    pid_t pid;
    int status;          /* waitpid() status once ended */
    bool ended;
    bool trace_rss;
    long peak_rss_kib;   /* VmHWM at exit (trace_rss), else -1 */
    double started, seconds; /* monotonic start, wall time of the run */
    char *out, *err;     /* what it printed (after tr_wait) */
    json_t *report;      /* DIR/reports/latest.json when it parses (after tr_wait) */
    size_t survivors;    /* tagged processes alive 1 s after it ended (then killed) */
    char survivor_text[2048]; /* their pids and command lines */
} tagged_run;

/* Start `PYCONFORM_BIN args... --reports DIR/reports` (the --reports pair is added when
 * args[0] is run or bless). */
void tr_start(tagged_run *r, const char *const *args, size_t nargs, bool trace_rss);
/* Wait until it ends; past `timeout` seconds it and every tagged process are killed and
 * the test fails. Then note the tagged processes still alive after a grace of 1 s (the
 * run's survivors; they are killed at once, so a failing assertion leaves nothing
 * behind) and load out, err and the report. */
void tr_wait(tagged_run *r, double timeout);
/* Kill the run and every tagged process now (before failing a test early). */
void tr_abort(tagged_run *r);
/* Non-blocking: true once the process has ended (its status is then in r->status). */
bool tr_poll(tagged_run *r);
/* Kill whatever is left, remove the directory, free everything. */
void tr_free(tagged_run *r);

/* Processes (other than zombies) whose environment holds PYCONFORM_TEST_TAG=tag, up to
 * max pids; returns how many there are. With cmdline_part, only those whose command
 * line contains it. */
size_t tr_tagged(const char *tag, const char *cmdline_part, pid_t *pids, size_t max);

/* Is the pyenv CPython VERSION (e.g. "3.12.1") installed? */
bool tr_have_pyenv(const char *version);
/* The name of a runnable PyPy in `pyconform interpreters --json` (malloc'd), or NULL
 * with the reason in why. */
char *tr_find_pypy(char *why, size_t size);

double tr_now(void);
/* The files under dir (not recursive) whose name contains part, up to size bytes of
 * names joined by spaces in buf; returns how many. */
size_t tr_files_matching(const char *dir, const char *part, char *buf, size_t size);

#endif
