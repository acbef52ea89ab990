/* report.h - the last step: the JSON report, streamed, and the terminal summary.
 *
 * The report (schema version 2, docs/report-schema.json; README "The report") is
 * written while the run goes: pc_report_open starts reports/run-<UTC time>-<pid>.json.tmp,
 * pc_report_row (a pc_row_sink) appends each row as it is judged, and pc_report_close
 * writes what is only known at the end (the distinct observations, groups, jobs,
 * interpreters, stale expectations, run information, summary), then renames the file
 * into place and makes reports/latest.json a second name (hard link) of it. A run that
 * fails calls pc_report_abort, which removes the partial file.
 *
 * The document, compact, one value per line:
 *   schema_version, harness, results[ROW...], observations[null, OBS...], reasons[...],
 *   groups[...], jobs[...], interpreters[...], stale[...], run{...}, interrupted, signal,
 *   summary{...}
 * Everything that repeats is stored once and named by index: a row names its job
 * ("jobs"[job]: case, mode, interpreter), its observation ("observations"[i], where 0
 * is null: nothing observed) and its reason ("reasons"[i - 1]); a group names its
 * interpreters by index in "interpreters". "expected" and "diff" appear only in rows
 * whose verdict is not PASS; "attempts" only in rows that `run --retries` ran again
 * (retry.h: such rows are written last, once their final verdict is known). A saved report is read back by report_read.h (the same
 * format's reader).
 */
#ifndef PC_REPORT_H
#define PC_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "bless.h"
#include "compare.h"
#include "intern.h"
#include "plan.h"
#include "registry.h"
#include "retry.h"

#define PC_REPORT_SCHEMA 2

typedef struct pc_run_info {
    double started, finished; /* wall clock, epoch seconds */
    double seconds;           /* monotonic duration */
    int argc;
    char **argv;
    double timeout;
    double startup_timeout;
    size_t max_output, max_memory;
    int parallel;
    bool shared;     /* --isolation shared */
    int interrupted; /* the signal that stopped the run, 0 when it ran to the end */
    int max_failures;      /* --max-failures (0: none) */
    int retries;           /* --retries (0: none; retry.h) */
    bool allow_flaky;
    bool conservative;     /* --conservative: our desugarer kept its older guards */      /* --allow-flaky: FLAKY rows count as expected */
    const char *cut_short; /* why the run stopped before its end without a signal
                            * ("--max-failures 3 reached"), or NULL; borrowed */
    long peak_rss;   /* pyconform's own peak resident set, bytes (getrusage RUSAGE_SELF) */
    /* shards (shard.h): "plan_fingerprint" when fingerprint is set; "shard" {k, n,
     * plan_jobs} and each job's "plan_index" (plan_index[i]) when shard_n > 0; "merged"
     * {shards} when merged > 0 (pyconform merge) */
    const char *fingerprint;
    unsigned shard_k, shard_n, merged;
    size_t plan_jobs;
    const size_t *plan_index;
} pc_run_info;

/* One interpreter as the report lists it (also `pyconform interpreters --json`): name,
 * argv, env, origin, path, supported, selected, problem, probe; outside text escaped
 * (util.h). New reference, NULL only when out of memory. */
json_t *pc_interp_json(const pc_interp *in);
/* The report being written; fields are the writer's own. */
typedef struct pc_report_writer {
    FILE *f;
    char *dir, *dated, *tmp;
    size_t rows, groups;
    pc_intern reasons;       /* each recorded reason once */
    const pc_registry *reg;  /* at close: interpreters are named by index */
} pc_report_writer;

/* Start the report in DIR (created when missing). */
int pc_report_open(pc_report_writer *w, const char *dir, double started, pc_error *err);
/* Start a report written to `path` itself (through PATH.tmp, renamed at close; no
 * latest.json): what `pyconform merge -o PATH` writes. */
int pc_report_open_file(pc_report_writer *w, const char *path, pc_error *err);
/* Append one judged row (the pc_row_sink of compare.h; writer is the pc_report_writer).
 * Text from outside (names, details, stderr tails) is kept escaped where it is not
 * UTF-8 (util.h), so this fails only when memory or the disk does. */
int pc_report_row(void *writer, const pc_comparison *cmp, const pc_row *row, json_t *expected,
                  pc_error *err);
/* The same with the row's attempts (`run --retries`, retry.h: the pc_attempts_sink),
 * written as "attempts": [{"verdict", "duration", "observation"?, "detail"?}...], the
 * first the run's own; n 0 writes no "attempts" (as pc_report_row). */
int pc_report_row_attempts(void *writer, const pc_comparison *cmp, const pc_row *row,
                           json_t *expected, const pc_attempt *attempts, size_t n, pc_error *err);
/* Finish the document, put it in place, and point latest.json at it; *written gets
 * its path (malloc'd). The writer is released whatever happens. */
int pc_report_close(pc_report_writer *w, const pc_run_info *run, const pc_registry *reg,
                    const pc_plan *plan, const pc_comparison *cmp, const pc_stale_list *stale,
                    char **written, pc_error *err);
/* The "stale" array: one object per stale expectation (file, case_file, case, function,
 * kind "case" or "function", interpreter, why); new reference, NULL when out of memory. */
json_t *pc_report_stale_json(const pc_stale_list *stale);
/* Drop a report that will not be finished (its partial file is removed). */
void pc_report_abort(pc_report_writer *w);
/* Keep the newest `keep` timestamped reports (DIR/run-*.json, whose names sort in time
 * order) and remove the older ones; keep 0 keeps all. latest.json is never removed.
 * *removed gets how many went. */
int pc_report_prune(const char *dir, size_t keep, size_t *removed, pc_error *err);
/* The compact table of case functions x interpreters, the unexpected rows, and the
 * one-line summary. Outside text is printed escaped (pc_print_text). color: verdicts in
 * their colours (the verdict table's sgr; term.h decides when). */
void pc_report_print(FILE *out, const pc_run_info *run, const pc_plan *plan,
                     const pc_comparison *cmp, int max_details, bool color);
/* Only the one-line summary (what -q prints). */
void pc_report_print_summary(FILE *out, const pc_run_info *run, const pc_plan *plan,
                             const pc_comparison *cmp, bool color);

#endif
