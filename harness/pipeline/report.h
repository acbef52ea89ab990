/* report.h - step 5: the JSON report and the terminal summary.
 *
 * reports/latest.json and reports/run-<UTC time>.json, written with jansson,
 * atomically. Schema: docs/report-schema.json (see README "The report").
 */
#ifndef PC_REPORT_H
#define PC_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "compare.h"
#include "execute.h"
#include "plan.h"
#include "registry.h"

#define PC_REPORT_SCHEMA 1

typedef struct pc_run_info {
    double started, finished; /* wall clock, epoch seconds */
    double seconds;           /* monotonic duration */
    int argc;
    char **argv;
    double timeout;
    double startup_timeout;
    size_t max_output, max_memory;
    int parallel;
    int interrupted; /* the signal that stopped the run, 0 when it ran to the end */
    long peak_rss;   /* pyconform's own peak resident set, bytes (getrusage RUSAGE_SELF) */
} pc_run_info;

/* One interpreter as the report lists it (also `pyconform interpreters --json`): name,
 * argv, env, origin, path, supported, selected, problem, probe; outside text escaped
 * (util.h). New reference, NULL only when out of memory. */
json_t *pc_interp_json(const pc_interp *in);
/* Build the report document (new reference). Text from outside (names, paths, the
 * command line, job details, stderr tails, the desugarer's notes) is kept escaped where
 * it is not UTF-8 (util.h), so this fails only when an allocation fails. */
json_t *pc_report_build(const pc_run_info *run, const pc_registry *reg, const pc_plan *plan,
                        const pc_job_result *results, const pc_comparison *cmp, pc_error *err);
/* Add the top-level "stale" array: one object per stale expectation (file, case_file,
 * case, function, kind "case" or "function", interpreter, why). */
int pc_report_add_stale(json_t *report, const pc_stale_list *stale, pc_error *err);
/* Write it as DIR/latest.json and DIR/run-<time>.json; *written gets the timestamped path
 * (malloc'd). */
int pc_report_write(json_t *report, const char *dir, double started, char **written,
                    pc_error *err);
/* Keep the newest `keep` timestamped reports (DIR/run-*.json, whose names sort in time
 * order) and remove the older ones; keep 0 keeps all. latest.json is never removed.
 * *removed gets how many went. */
int pc_report_prune(const char *dir, size_t keep, size_t *removed, pc_error *err);
/* The compact table of case functions x interpreters, the unexpected rows, and the
 * one-line summary. Outside text is printed escaped (pc_print_text). */
void pc_report_print(FILE *out, const pc_run_info *run, const pc_plan *plan,
                     const pc_comparison *cmp, int max_details);
/* Only the one-line summary (what -q prints). */
void pc_report_print_summary(FILE *out, const pc_run_info *run, const pc_plan *plan,
                             const pc_comparison *cmp);

#endif
