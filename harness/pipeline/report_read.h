/* report_read.h - a saved report read back: the reader beside the writer (report.h).
 *
 * The report's format has one owner, this pair: report.c writes it, report_read.c reads
 * it, and docs/report-schema.json documents it. Commands that work from a saved report
 * (`pyconform junit`, `pyconform diff`, and `run --junit` through the report it has
 * just written) use pc_report_load and nothing else.
 *
 * Only schema version 2 is read. A schema 1 report (written by pyconform before the
 * streamed report) is refused with a message that says so; other versions likewise.
 *
 * Compact: the file is read, then walked one top-level value and one array element at
 * a time (each element decoded alone and dropped), so no tree of the whole document is
 * ever built. What is kept:
 *   - every name, path, reason and detail once, in `texts` (ids: pc_report_text);
 *   - every JSON value (observations, "expected", "diff", a job's "untranslated") once,
 *     as canonical JSON text (compact, keys sorted) in `values` (ids: pc_report_value;
 *     equal values have equal ids, so observations compare by id within a report and by
 *     text across reports);
 *   - rows, jobs and groups as small records of ids, indices already resolved;
 *   - the small sections (harness, interpreters, stale, run, summary) as jansson values.
 * A report of 13,000 rows (21 builds, both modes) is about 4.5 MB on disk; the file's
 * bytes are held only while it is walked.
 *
 * Errors name the file and the line of the offending value, e.g.
 *   "reports/x.json:812: results[809]: \"verdict\": unknown verdict \"MAYBE\"",
 *   "reports/x.json:4013: truncated report: the file ends inside \"results\"",
 *   "old.json: report schema 1 is not read by this pyconform (it reads schema 2): ...".
 */
#ifndef PC_REPORT_READ_H
#define PC_REPORT_READ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "intern.h"

/* One record of "jobs". Text ids in the report's `texts`, 0 when absent. */
typedef struct pc_report_job {
    uint32_t kase, file, interp, detail, translation;
    uint32_t untranslated; /* value id of the "untranslated" array, 0 when absent */
    int line;
    uint8_t mode;   /* pc_mode */
    uint8_t status; /* pc_job_status */
    double duration;
    int64_t plan_index; /* a shard's job: its index in the whole plan; -1 when absent */
} pc_report_job;

/* One row of "results", its indices resolved: `observation` and `recorded` are value
 * ids (0: nothing observed), `reason` a text id (0: none). */
typedef struct pc_report_rrow {
    uint32_t job; /* index into jobs */
    uint32_t function, reason, detail; /* text ids */
    uint32_t observation, recorded, expected, diff; /* value ids */
    /* `run --retries`: the value id of the row's "attempts" array as written (checked:
     * two or more {"verdict", "duration", "observation"?, "detail"?}; an attempt's
     * "observation" is an index into the report's observations, whose value id is
     * obs[index]), or 0 when the row was not retried; nattempts: its length */
    uint32_t attempts, nattempts;
    uint8_t verdict; /* pc_verdict */
    double duration;
} pc_report_rrow;

/* One group of comparison (c): the builds whose observations are identical. */
typedef struct pc_report_group {
    uint32_t builds;      /* text id: "cpython 3.8-3.10 | pypy 3.9" */
    uint32_t observation; /* value id, 0: not defined on these builds */
    size_t first, n;      /* its interpreters: group_interps[first .. first + n) */
} pc_report_group;

/* One entry of "groups": a case function and mode, and its groups. */
typedef struct pc_report_group_set {
    uint32_t kase, function; /* text ids */
    uint8_t mode;
    size_t first, n; /* groups[first .. first + n) */
} pc_report_group_set;

typedef struct pc_report_doc {
    char *path;
    int schema;
    pc_intern texts, values;
    pc_report_rrow *rows;
    size_t nrows, rows_cap;
    pc_report_job *jobs;
    size_t njobs, jobs_cap;
    pc_report_group_set *group_sets;
    size_t ngroup_sets, group_sets_cap;
    pc_report_group *groups;
    size_t ngroups, groups_cap;
    uint32_t *group_interps; /* indices into interpreters */
    size_t ngroup_interps, group_interps_cap;
    uint32_t *obs;     /* observations[i] -> value id (obs[0] = 0: null) */
    size_t nobs, obs_cap;
    uint32_t *reasons; /* reasons[i] -> text id */
    size_t nreasons, reasons_cap;
    json_t *harness, *interpreters, *stale, *run, *summary; /* owned */
    int interrupted, signal;
    char *cut_short; /* owned: why the run stopped early without a signal, or NULL */
} pc_report_doc;

/* Read the report at `path` into doc (zeroed first). On failure doc holds nothing
 * (pc_report_doc_free is still safe) and err says what is wrong, where. */
int pc_report_load(const char *path, pc_report_doc *doc, pc_error *err);
void pc_report_doc_free(pc_report_doc *doc);

/* The text or the canonical JSON text of an id; NULL for 0. */
const char *pc_report_text(const pc_report_doc *doc, uint32_t id);
const char *pc_report_value(const pc_report_doc *doc, uint32_t id);
/* The value of an id parsed anew (new reference), or NULL for 0. */
json_t *pc_report_value_json(const pc_report_doc *doc, uint32_t id);

#endif
