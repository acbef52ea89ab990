/* End to end: case code that misbehaves (the .case files in tests/faults/, see tests/faults/README.md)
 * run by the real pyconform binary on real interpreters (pyenv CPython 3.8.18, 3.12.1
 * and 3.13.0; PyPy when `pyconform interpreters` lists one). Checked from the report
 * and from outside the process:
 *  - exactly one row per function (and `<module>`) per build and mode;
 *  - the bad call's verdict (TIMEOUT, or CRASH with the signal or exit code), PASS for
 *    the calls before it, for the calls after it (run again in a fresh child, which
 *    their detail says) and for the later blocks that check nothing leaked;
 *  - a few observations by value, whatever expected/ says (SystemExit and MemoryError
 *    are raise outcomes, stdout is truncated and counted, state changes do not leak);
 *  - every job ends within --timeout + 1 s, whatever it writes;
 *  - pyconform's own peak RSS stays under the output cap + 60 MB while runners write
 *    1 GiB floods;
 *  - no process of the run survives it;
 *  - a call that times out does not make its expectation "stale" (run) or removed (bless). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "parse.h"
#include "tagged_run.h"
#include "util.h"

#define FAULTS TESTS_DIR "/faults"
#define TIMEOUT_S 3
#define TIMEOUT_ARG "3"
/* The suite's expectations are blessed with this cap, which keeps the floods' captured
 * text (and expected/) small; the memory test uses the default cap (1 MiB). */
#define MAX_OUTPUT_ARG "16384"
#define MAX_OUTPUT 16384
#define DEFAULT_MAX_OUTPUT 1048576
#define GIB 1073741824LL

static const char *const case_files[] = {
    FAULTS "/010_crash.case",
    FAULTS "/020_output.case",
    FAULTS "/030_state.case",
};
#define NFILES (sizeof case_files / sizeof *case_files)

static const char *const cpythons[] = {"3.8.18", "3.12.1", "3.13.0"};
#define NCPYTHONS (sizeof cpythons / sizeof *cpythons)

/* The one call of a block that does not complete; every other row is PASS. */
typedef struct bad_call {
    const char *kase, *function, *verdict;
    const char *detail; /* a part of the row's detail */
    const char *impl;   /* only on builds of this implementation, or NULL: all */
} bad_call;

static const bad_call bad_calls[] = {
    {"fault hang", "hang", "TIMEOUT", "no result within 3 s (--timeout)", NULL},
    {"fault hang ignoring signals", "stubborn", "TIMEOUT", "no result within 3 s (--timeout)", NULL},
    /* PyPy's ctypes.string_at(0) returns None */
    {"fault segfault ctypes", "segfault", "CRASH", "signal 11", "cpython"},
    {"fault segfault signal", "segv", "CRASH", "signal 11", NULL},
    {"fault abort", "abort_now", "CRASH", "signal 6", NULL},
    {"fault os._exit", "leave", "CRASH", "code 3", NULL},
    {"fault endless line on fd 1", "endless_line", "TIMEOUT", "no result within 3 s (--timeout)", NULL},
};
#define NBAD (sizeof bad_calls / sizeof *bad_calls)

/* Calls that complete, but may need more than --timeout on a slow or busy machine (a
 * 1 GiB string is allocated, or 1 GiB and 256 MiB pass through the capture and a pipe):
 * PASS or TIMEOUT; either way their job ends within --timeout + 1 s. */
static const char *const slow_calls[][2] = {
    {"fault flood one write", "flood"},
    {"fault flood many prints", "flood_prints"},
    {"fault fd 1 flood", "fd1_flood"},
};
#define NSLOW (sizeof slow_calls / sizeof *slow_calls)

/* Observations checked by value on every build and in both modes. */
typedef struct known {
    const char *kase, *function;
    const char *outcome; /* JSON of the whole outcome, or of {"kind", "type"} for a raise */
    const char *stdout_text; /* or NULL */
} known;

static const known knowns[] = {
    {"fault sys.exit", "exit_two", "{\"kind\": \"raise\", \"type\": \"SystemExit\", \"message\": \"2\"}", ""},
    {"fault memory bomb", "bomb", "{\"kind\": \"raise\", \"type\": \"MemoryError\"}", ""},
    {"fault flood one write", "flood", "{\"kind\": \"return\", \"value\": 1073741824}", NULL},
    {"fault flood one write", "after", "{\"kind\": \"return\", \"value\": 2}", "after\n"},
    {"fault flood many prints", "flood_prints", "{\"kind\": \"return\", \"value\": \"printed\"}", NULL},
    {"fault flood many prints", "after", "{\"kind\": \"return\", \"value\": 2}", "after\n"},
    {"fault fd 1 flood", "fd1_flood", "{\"kind\": \"return\", \"value\": 268435456}", NULL},
    {"fault replace sys.stdout", "replace_stdout", "{\"kind\": \"return\", \"value\": \"replaced\"}", ""},
    {"fault replace sys.stdout", "after", "{\"kind\": \"return\", \"value\": 2}", "after\n"},
    {"fault close fd 1", "close_fd1", "{\"kind\": \"return\", \"value\": \"closed\"}", "print still works\n"},
    {"fault close fd 1 later block", "write_fd1", "{\"kind\": \"return\", \"value\": 13}", NULL},
    {"fault close fd 1 later block", "print_after", "{\"kind\": \"return\", \"value\": 2}", "printed\n"},
    {"fault read stdin", "read_stdin", "{\"kind\": \"return\", \"value\": \"\"}", ""},
    {"fault read stdin", "read_fd0", "{\"kind\": \"return\", \"value\": {\"bytes\": \"b''\"}}", ""},
    {"fault read stdin", "read_input", "{\"kind\": \"raise\", \"type\": \"EOFError\"}", NULL},
    {"fault chdir", "move", "{\"kind\": \"return\", \"value\": \"/\"}", ""},
    {"fault chdir later block", "cwd_unchanged", "{\"kind\": \"return\", \"value\": true}", ""},
    {"fault environ later block", "env_unchanged", "{\"kind\": \"return\", \"value\": [null, null]}", ""},
    {"fault builtins", "break_builtins", "{\"kind\": \"return\", \"value\": 42}", ""},
    {"fault builtins later block", "builtins_unchanged", "{\"kind\": \"return\", \"value\": [3, false]}", ""},
    {"fault settrace later block", "trace_unchanged", "{\"kind\": \"return\", \"value\": true}", ""},
    {"fault signal handlers later block", "signals_unchanged",
     "{\"kind\": \"return\", \"value\": [\"default\", \"default\", \"default\", \"python default\"]}", ""},
    {"fault signal handlers later block", "mask_unchanged", "{\"kind\": \"return\", \"value\": []}", ""},
    {"fault thread left running", "leave_thread", "{\"kind\": \"return\", \"value\": \"started\"}", ""},
    {"fault thread later block", "threads_unchanged", "{\"kind\": \"return\", \"value\": [\"MainThread\"]}", ""},
    {"fault recursion limit", "lower_limit", "{\"kind\": \"return\", \"value\": 120}", ""},
    {"fault processes left running", "leave_processes", "{\"kind\": \"return\", \"value\": \"started\"}", ""},
    {"fault recursion limit later block", "limit_unchanged", "{\"kind\": \"return\", \"value\": 1000}", ""},
    {"fault sys.modules later block", "modules_unchanged", "{\"kind\": \"return\", \"value\": [\"2.5\", false]}", ""},
};
#define NKNOWN (sizeof knowns / sizeof *knowns)

/* Captured stdout that was cut: what is kept, and the total counted. */
typedef struct flood {
    const char *kase, *function;
    long long total;
    char fill; /* the character repeated, '\0' for 'y' * 16383 + '\n' lines */
} flood;

static const flood floods[] = {
    {"fault flood one write", "flood", GIB, 'x'},
    {"fault flood many prints", "flood_prints", GIB, '\0'},
};
#define NFLOODS (sizeof floods / sizeof *floods)

/* Names of the calls of one block: the top-level `def NAME():` lines (every case
 * function takes no arguments, helpers take some). */
static size_t block_calls(const char *source, char names[][64], size_t max)
{
    size_t n = 0;
    const char *line = source;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        if (!strncmp(line, "def ", 4)) {
            const char *open = strchr(line + 4, '(');
            if (open && open[1] == ')' && (!end || open < end)) {
                cr_assert(n < max && (size_t)(open - line - 4) < 64);
                snprintf(names[n++], 64, "%.*s", (int)(open - line - 4), line + 4);
            }
        }
        line = end ? end + 1 : NULL;
    }
    return n;
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The rows for (case, function, interpreter, mode); returns how many, *row the first. */
static size_t rows_for(json_t *report, const char *kase, const char *fn, const char *interp,
                       const char *mode, json_t **row)
{
    size_t i, n = 0;
    json_t *r;
    *row = NULL;
    json_array_foreach(json_object_get(report, "results"), i, r) {
        const char *c = str_of(r, "case"), *f = str_of(r, "function"), *in = str_of(r, "interpreter"),
                   *m = str_of(r, "mode");
        if (c && f && in && m && !strcmp(c, kase) && !strcmp(f, fn) && !strcmp(in, interp) &&
            !strcmp(m, mode)) {
            if (!n)
                *row = r;
            n++;
        }
    }
    return n;
}

static const bad_call *bad_call_of(const char *kase, const char *impl)
{
    size_t i;
    for (i = 0; i < NBAD; i++)
        if (!strcmp(bad_calls[i].kase, kase) && (!bad_calls[i].impl || !strcmp(bad_calls[i].impl, impl)))
            return &bad_calls[i];
    return NULL;
}

static bool is_slow(const char *kase, const char *fn)
{
    size_t i;
    for (i = 0; i < NSLOW; i++)
        if (!strcmp(slow_calls[i][0], kase) && !strcmp(slow_calls[i][1], fn))
            return true;
    return false;
}

static void check_known(json_t *row, const known *k, const char *where)
{
    json_t *obs = json_object_get(row, "observation");
    json_t *outcome = json_object_get(obs, "outcome");
    json_t *want = json_loads(k->outcome, 0, NULL);
    const char *key;
    json_t *v;
    char *got;
    cr_assert_not_null(want, "bad JSON in the test: %s", k->outcome);
    got = json_dumps(outcome, JSON_COMPACT);
    json_object_foreach(want, key, v) {
        cr_expect(json_equal(json_object_get(outcome, key), v), "%s: outcome %s, want %s", where,
                  got ? got : "(none)", k->outcome);
    }
    if (k->stdout_text) {
        const char *s = str_of(obs, "stdout");
        cr_expect(s && !strcmp(s, k->stdout_text), "%s: stdout '%s', want '%s'", where,
                  s ? s : "(none)", k->stdout_text);
    }
    free(got);
    json_decref(want);
}

static void check_flood(json_t *row, const flood *f, size_t cap, const char *where)
{
    json_t *obs = json_object_get(row, "observation");
    const char *s = str_of(obs, "stdout");
    json_t *total = json_object_get(json_object_get(obs, "truncated"), "stdout");
    size_t i, len;
    cr_expect(json_is_integer(total) && json_integer_value(total) == f->total,
              "%s: truncated.stdout is not %lld", where, f->total);
    if (!s) {
        cr_expect_fail("%s: no stdout", where);
        return;
    }
    len = strlen(s);
    cr_expect_eq(len, cap, "%s: %zu bytes of stdout kept, want the cap %zu", where, len, cap);
    for (i = 0; i < len; i++) {
        char want = f->fill ? f->fill : ((i + 1) % 16384 == 0 ? '\n' : 'y');
        if (s[i] != want) {
            cr_expect_fail("%s: stdout byte %zu is '%c', want '%c'", where, i, s[i], want);
            break;
        }
    }
}

/* Everything the report of a fault run must say, for the given builds (all of
 * implementation impl). */
static void check_report(const tagged_run *r, const char *const *interps, size_t ninterps,
                         const char *impl)
{
    static const char *const modes[] = {"source", "desugared"};
    pc_caseset cases = {0};
    pc_error err;
    json_t *report = r->report, *jobs, *job, *summary;
    size_t f, c, i, m, q, expected_rows = 0, unexpected = 0;
    double limit = TIMEOUT_S + 1.0, job_sum = 0;

    cr_assert_not_null(report, "no report; status 0x%x, stderr:\n%s", r->status, r->err);
    for (f = 0; f < NFILES; f++)
        cr_assert_eq(pc_parse_file(&cases, case_files[f], &err), 0, "%s", err.msg);

    jobs = json_object_get(report, "jobs");
    summary = json_object_get(report, "summary");
    cr_assert_eq(json_array_size(jobs), cases.len * ninterps * 2, "one job per block, build and mode");
    cr_assert_eq(json_integer_value(json_object_get(summary, "jobs_planned")),
                 json_integer_value(json_object_get(summary, "jobs_reported")));
    cr_assert(!json_is_true(json_object_get(report, "interrupted")));

    for (c = 0; c < cases.len; c++) {
        const pc_case *kase = &cases.items[c];
        const bad_call *bad = bad_call_of(kase->name, impl);
        char names[16][64];
        size_t nfn = block_calls(kase->source, names, 16);
        cr_assert(nfn > 0, "%s: no calls", kase->name);
        if (bad) {
            for (q = 0; q < nfn && strcmp(names[q], bad->function); q++)
                ;
            cr_assert(q < nfn, "%s: no function %s", kase->name, bad->function);
        }
        expected_rows += (nfn + 1) * ninterps * 2;
        for (i = 0; i < ninterps; i++) {
            for (m = 0; m < 2; m++) {
                json_t *row;
                char where[256];
                const char *failed = NULL; /* the call that did not complete, before this one */
                snprintf(where, sizeof where, "%s / <module> [%s %s]", kase->name, interps[i], modes[m]);
                cr_assert_eq(rows_for(report, kase->name, "<module>", interps[i], modes[m], &row), 1,
                             "%s: not exactly one row", where);
                cr_expect_str_eq(str_of(row, "verdict"), "PASS", "%s: %s", where, str_of(row, "detail"));
                for (q = 0; q < nfn; q++) {
                    const char *verdict, *detail;
                    size_t k;
                    snprintf(where, sizeof where, "%s / %s [%s %s]", kase->name, names[q], interps[i], modes[m]);
                    cr_assert_eq(rows_for(report, kase->name, names[q], interps[i], modes[m], &row), 1,
                                 "%s: not exactly one row", where);
                    verdict = str_of(row, "verdict");
                    detail = str_of(row, "detail");
                    cr_assert_not_null(verdict, "%s: no verdict", where);
                    if (bad && !strcmp(names[q], bad->function)) {
                        cr_expect_str_eq(verdict, bad->verdict, "%s: detail %s", where, detail);
                        cr_expect(detail && strstr(detail, bad->detail), "%s: detail '%s' lacks '%s'",
                                  where, detail, bad->detail);
                        failed = bad->function;
                        unexpected++;
                        continue;
                    }
                    if (is_slow(kase->name, names[q]) && !strcmp(verdict, "TIMEOUT")) {
                        cr_expect(detail && strstr(detail, "no result within 3 s (--timeout)"), "%s: detail '%s'",
                                  where, detail);
                        failed = names[q];
                        unexpected++;
                        continue;
                    }
                    cr_expect_str_eq(verdict, "PASS", "%s: detail %s", where, detail);
                    if (failed) {
                        /* run again in a fresh child: the detail names the call before */
                        char tick[80];
                        snprintf(tick, sizeof tick, "`%s`", failed);
                        cr_expect(detail && strstr(detail, tick) && strstr(detail, "fresh process"),
                                  "%s: detail '%s' does not say it ran again after %s", where, detail, tick);
                    }
                    if (!strcmp(names[q], "first") || !strcmp(names[q], "after")) {
                        json_t *v = json_object_get(json_object_get(json_object_get(row, "observation"), "outcome"), "value");
                        cr_expect_eq(json_integer_value(v), !strcmp(names[q], "first") ? 1 : 2, "%s", where);
                    }
                    for (k = 0; k < NKNOWN; k++)
                        if (!strcmp(knowns[k].kase, kase->name) && !strcmp(knowns[k].function, names[q]))
                            check_known(row, &knowns[k], where);
                    for (k = 0; k < NFLOODS; k++)
                        if (!strcmp(floods[k].kase, kase->name) && !strcmp(floods[k].function, names[q]))
                            check_flood(row, &floods[k], MAX_OUTPUT, where);
                }
            }
        }
    }
    cr_assert_eq(json_array_size(json_object_get(report, "results")), expected_rows,
                 "rows: one per function and <module>, build and mode");

    /* exit 1: the TIMEOUT and CRASH verdicts are unexpected, nothing else is */
    cr_expect_eq(json_integer_value(json_object_get(summary, "unexpected")), (json_int_t)unexpected,
                 "unexpected verdicts:\n%s", r->out);
    cr_expect(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 1, "status 0x%x\nstdout:\n%s\nstderr:\n%s",
              r->status, r->out, r->err);

    /* every job ends within --timeout + 1 s: one call per block fails, whatever it
     * writes, and the calls after it take milliseconds */
    json_array_foreach(jobs, q, job) {
        double d = json_number_value(json_object_get(job, "duration"));
        cr_expect(d <= limit, "job %s [%s %s] took %.2f s (limit %.0f s)", str_of(job, "case"),
                  str_of(job, "interpreter"), str_of(job, "mode"), d, limit);
        job_sum += d;
    }
    /* the rest is probing (each round up to --startup-timeout, 30 s) and start-up */
    cr_expect(r->seconds <= job_sum + 90, "the run took %.1f s for %.1f s of jobs", r->seconds, job_sum);
    pc_caseset_free(&cases);
}

/* Run every fault case on the given builds and check the report and the aftermath. */
static void run_faults(const char *const *interps, size_t ninterps, const char *impl)
{
    const char *args[64];
    size_t n = 0, i;
    tagged_run r;
    args[n++] = "run";
    for (i = 0; i < ninterps; i++) {
        args[n++] = "--interp";
        args[n++] = interps[i];
    }
    args[n++] = "--expected";
    args[n++] = FAULTS "/expected";
    args[n++] = "-q";
    args[n++] = "--timeout";
    args[n++] = TIMEOUT_ARG;
    args[n++] = "--max-output";
    args[n++] = MAX_OUTPUT_ARG;
    for (i = 0; i < NFILES; i++)
        args[n++] = case_files[i];
    tr_start(&r, args, n, false);
    tr_wait(&r, 900);
    cr_expect_eq(r.survivors, 0, "processes of the run survive it: %s", r.survivor_text);
    check_report(&r, interps, ninterps, impl);
    tr_free(&r);
}

Test(faults, cpython_3_8_3_12_3_13, .timeout = 900)
{
    char names[NCPYTHONS][32];
    const char *interps[NCPYTHONS];
    size_t i;
    for (i = 0; i < NCPYTHONS; i++) {
        if (!tr_have_pyenv(cpythons[i]))
            cr_skip_test("pyenv CPython %s is not installed", cpythons[i]);
        snprintf(names[i], sizeof names[i], "cpython-%s", cpythons[i]);
        interps[i] = names[i];
    }
    run_faults(interps, NCPYTHONS, "cpython");
}

Test(faults, pypy, .timeout = 900)
{
    char why[256];
    char *pypy = tr_find_pypy(why, sizeof why);
    const char *interps[1];
    if (!pypy)
        cr_skip_test("%s", why);
    interps[0] = pypy;
    run_faults(interps, 1, "pypy");
    free(pypy);
}

/* The harness's own memory while runners write 1 GiB to sys.stdout (twice), 256 MiB
 * and then an endless line to fd 1: under the default --max-output (1 MiB) + 60 MB
 * (+ 250 MB in sanitizer builds). The cap holds at its default, and the floods' jobs
 * end in time. */
Test(faults, harness_memory_bounded_under_floods, .timeout = 300)
{
    const char *args[] = {"run", "--interp", "cpython-3.12.1", "--mode", "source", "-q",
                          "--timeout", TIMEOUT_ARG, "--expected", FAULTS "/expected",
                          FAULTS "/020_output.case"};
#ifdef PC_TESTS_SANITIZED
    /* AddressSanitizer's shadow memory and quarantine of freed blocks come on top */
    const long long cap_bytes = DEFAULT_MAX_OUTPUT + 250LL * 1000 * 1000;
#else
    const long long cap_bytes = DEFAULT_MAX_OUTPUT + 60LL * 1000 * 1000;
#endif
    tagged_run r;
    json_t *row, *job;
    size_t k, q;
    if (!tr_have_pyenv("3.12.1"))
        cr_skip_test("pyenv CPython 3.12.1 is not installed");
    tr_start(&r, args, sizeof args / sizeof *args, true);
    tr_wait(&r, 240);
    cr_assert_not_null(r.report, "no report; status 0x%x, stderr:\n%s", r.status, r.err);
    cr_assert(r.peak_rss_kib > 0, "the peak RSS of pyconform was not measured");
    cr_log_info("pyconform's peak RSS: %ld KiB (limit %lld bytes); the run took %.1f s", r.peak_rss_kib,
                cap_bytes, r.seconds);
    cr_assert(r.peak_rss_kib * 1024LL < cap_bytes, "pyconform's peak RSS %ld KiB is over %lld bytes",
              r.peak_rss_kib, cap_bytes);
    for (k = 0; k < NFLOODS; k++) {
        char where[128];
        snprintf(where, sizeof where, "%s / %s (default cap)", floods[k].kase, floods[k].function);
        cr_assert_eq(rows_for(r.report, floods[k].kase, floods[k].function, "cpython-3.12.1", "source", &row), 1);
        if (!strcmp(str_of(row, "verdict"), "TIMEOUT"))
            continue; /* a slow call (see slow_calls): its job still ended in time */
        check_flood(row, &floods[k], DEFAULT_MAX_OUTPUT, where);
    }
    cr_assert_eq(rows_for(r.report, "fault endless line on fd 1", "endless_line", "cpython-3.12.1", "source", &row), 1);
    cr_assert_str_eq(str_of(row, "verdict"), "TIMEOUT");
    json_array_foreach(json_object_get(r.report, "jobs"), q, job) {
        double d = json_number_value(json_object_get(job, "duration"));
        cr_assert(d <= TIMEOUT_S + 1.0, "job %s took %.2f s", str_of(job, "case"), d);
    }
    cr_assert_eq(r.survivors, 0, "processes of the run survive it: %s", r.survivor_text);
    tr_free(&r);
}

/* A call that times out is a TIMEOUT row, not a function the case no longer defines:
 * `run` must not call its expectation stale, and `bless` must keep it. */
Test(faults, timeout_keeps_expectations, .timeout = 300)
{
    char dir[] = "/tmp/pc-faults-XXXXXX";
    char *cf, *exp_path;
    const char *bless_long[] = {"bless", "--interp", "cpython-3.12.1", "--mode", "source", "-q",
                                "--timeout", "20", "--expected", dir, NULL};
    const char *run_short[] = {"run", "--interp", "cpython-3.12.1", "--mode", "source", "-q",
                               "--timeout", "1", "--expected", dir, NULL};
    const char *bless_short[] = {"bless", "--interp", "cpython-3.12.1", "--mode", "source", "-q",
                                 "--timeout", "1", "--expected", dir, NULL};
    tagged_run r;
    json_t *exp, *row;
    if (!tr_have_pyenv("3.12.1"))
        cr_skip_test("pyenv CPython 3.12.1 is not installed");
    cr_assert_not_null(mkdtemp(dir));
    cf = write_tmp(dir, "slow.case", "$ slow call\nimport time\n\n\ndef slow():\n    time.sleep(3)\n    return 1\n\n\n"
                                     "def after():\n    return 2\n");
    exp_path = pc_asprintf(NULL, "%s/slow.json", dir);
    bless_long[10] = run_short[10] = bless_short[10] = cf;

    tr_start(&r, bless_long, 11, false);
    tr_wait(&r, 120);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "bless: status 0x%x\n%s", r.status, r.err);
    tr_free(&r);
    exp = json_load_file(exp_path, 0, NULL);
    cr_assert_not_null(json_object_get(json_object_get(json_object_get(exp, "cases"), "slow call"), "slow"),
                       "bless recorded no expectation for slow()");
    json_decref(exp);

    tr_start(&r, run_short, 11, false);
    tr_wait(&r, 120);
    cr_assert_not_null(r.report, "no report: %s", r.err);
    cr_assert_eq(rows_for(r.report, "slow call", "slow", "cpython-3.12.1", "source", &row), 1);
    cr_assert_str_eq(str_of(row, "verdict"), "TIMEOUT");
    cr_expect_eq(json_array_size(json_object_get(r.report, "stale")), 0,
                 "a call that timed out is reported as a stale expectation: %s", r.err);
    cr_expect(strstr(r.err, "stale expectation") == NULL, "stderr: %s", r.err);
    tr_free(&r);

    tr_start(&r, bless_short, 11, false);
    tr_wait(&r, 120);
    tr_free(&r);
    exp = json_load_file(exp_path, 0, NULL);
    cr_expect_not_null(json_object_get(json_object_get(json_object_get(exp, "cases"), "slow call"), "slow"),
                       "bless removed the expectation of a call that timed out");
    json_decref(exp);

    remove(exp_path);
    remove(cf);
    free(exp_path);
    free(cf);
    rmdir(dir);
}
