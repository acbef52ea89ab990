/* compare.h - step 4: results into verdicts, judged as they arrive.
 *
 * Three comparisons:
 *  (a) desugared against source on the same interpreter;
 *  (b) each interpreter against expected/ (a recorded divergence with its reason is XFAIL);
 *  (c) across interpreters: for each case function and mode, the interpreters whose
 *      observations are identical, labelled like "cpython 3.8-3.10 | cpython 3.11+".
 *
 * Streaming: execute hands each job's result to pc_judge_job as it ends. The result is
 * reduced at once to small records whose observations are interned (base/intern.h:
 * each distinct observation is held once, as canonical JSON text), and its JSON is
 * dropped; expectations are compared by id (expected.h), so neither store's texts need
 * be in memory. When the last job of a case has arrived, that case's rows are judged and
 * handed to the sink (the report writer) one by one. pc_judge_finish counts what
 * arrived, gives every job that never did a row (NOT-RUN when the run was
 * interrupted, ERROR otherwise), sorts the rows, and leaves them in the comparison.
 *
 * One row per case function x interpreter x mode. The functions of a case are the
 * union over all its jobs ("<module>" first, then in the order the runs reported them,
 * source runs first), so a function missing on one build gets a row there too (judged
 * as "not defined"). A job that did not complete gives its status's verdict
 * (verdict.h) to every function of its case.
 *
 * Row order after pc_judge_finish (bless.c and report.c rely on it): by case (file
 * order), then function (the order above), then interpreter (plan order), then mode
 * (source, desugared). Before that, the sink sees each case's rows in that order, and
 * the cases in the order they completed.
 *
 * Ownership: the comparison owns its rows, their details and diffs, and the interned
 * observations and names the rows point into; a row's reason is borrowed from the
 * expectations, which must outlive the comparison.
 */
#ifndef PC_COMPARE_H
#define PC_COMPARE_H

#include <jansson.h>
#include <stdint.h>

#include "error.h"
#include "expected.h"
#include "intern.h"
#include "plan.h"
#include "result.h"
#include "verdict.h"

/* Held for every result of the run (two or more per job, a run may have 200k of them),
 * so it holds only what its job does not say: the case, interpreter and mode are the
 * job's (pc_row_case, pc_row_interp, pc_row_mode). */
typedef struct pc_row {
    const char *function;    /* interned (cmp->names) */
    char *detail;            /* owned: why the verdict is not PASS, or a note; or NULL */
    json_t *diff;            /* owned: first difference, only where the verdict is not PASS */
    uint32_t job;            /* plan index (cmp->plan_jobs) */
    uint32_t observation;    /* id in cmp->observations; 0: nothing observed (the function
                              * was not defined, or the job or call did not complete) */
    uint32_t recorded;       /* id in cmp->observations of what was recorded beside, or 0 */
    uint32_t reason;         /* id in cmp->reasons of the recorded reason (a divergence's, a
                              * version difference's), or 0: pc_row_reason */
    float seconds;
    unsigned char verdict;   /* pc_verdict */
} pc_row;

/* What the report needs of each job: its status, duration and why it failed. */
typedef struct pc_job_record {
    unsigned char status;    /* pc_job_status; PENDING until its result arrived */
    float seconds;
    char *detail;            /* owned, or NULL */
} pc_job_record;

typedef struct pc_comparison {
    const pc_job *plan_jobs; /* the plan's jobs (borrowed), which rows name by index */
    pc_row *rows;
    size_t len, cap;
    pc_intern observations;  /* observations and recorded values, canonical JSON text */
    pc_intern names;         /* function names */
    pc_intern reasons;       /* the recorded reasons rows name (few distinct ones) */
    pc_job_record *jobs;     /* one per planned job */
    size_t njobs;
    size_t jobs_reported;    /* jobs whose result arrived (counted, not assumed) */
    size_t statuses[PC_JOB_STATUS_COUNT];
    size_t counts[PC_VERDICT_COUNT];
    size_t unexpected;
} pc_comparison;

/* A row's job, and what it says: the case block, interpreter and mode of the row. */
static inline const pc_job *pc_row_job(const pc_comparison *cmp, const pc_row *r)
{
    return &cmp->plan_jobs[r->job];
}
static inline const pc_case *pc_row_case(const pc_comparison *cmp, const pc_row *r)
{
    return cmp->plan_jobs[r->job].kase;
}
static inline const pc_interp *pc_row_interp(const pc_comparison *cmp, const pc_row *r)
{
    return cmp->plan_jobs[r->job].interp;
}
static inline pc_mode pc_row_mode(const pc_comparison *cmp, const pc_row *r)
{
    return (pc_mode)cmp->plan_jobs[r->job].mode;
}
/* The row's recorded reason, or NULL. */
static inline const char *pc_row_reason(const pc_comparison *cmp, const pc_row *r)
{
    return r->reason ? pc_intern_text(&cmp->reasons, r->reason) : NULL;
}

/* Receives each row once it is judged, with the expected value it was judged against
 * when its verdict is not PASS (borrowed; NULL for PASS rows and when there was none).
 * Nonzero stops the run with that error. */
typedef int (*pc_row_sink)(void *ctx, const pc_comparison *cmp, const pc_row *row,
                           json_t *expected, pc_error *err);

typedef struct pc_judge_case pc_judge_case; /* compare.c: a case's jobs still to arrive */

typedef struct pc_judge {
    const pc_caseset *cases;
    const pc_plan *plan;
    const pc_expectations *ex;
    const struct pc_selection *select; /* NULL: every function is judged; set after init */
    pc_comparison *cmp;
    pc_row_sink sink;
    void *sink_ctx;
    pc_judge_case *pending; /* per case */
    uint32_t *next_job;     /* per job: the next job of its case (compare.c) */
    struct pc_held *held;   /* per job: its parts, until its case is judged */
    size_t ninterps;
    const pc_interp **interps; /* distinct interpreters in plan order */
    /* Optional, set after pc_judge_init: the case set (the same as `cases`) whose blocks'
     * texts are released (pc_caseset_release_texts) as soon as their rows are judged. Every
     * job of the block has ended by then and none is sent again, so a run holds the
     * texts of the blocks still running only; the plan's job texts of a released block
     * must not be read after that. */
    pc_caseset *release_texts;
    /* Optional: per case, nonzero keeps its texts despite release_texts (a row of it is
     * held for `run --retries`, which sends its jobs again: retry.h). Read when the
     * case's rows have gone to the sink. */
    const unsigned char *keep_texts;
} pc_judge;

int pc_judge_init(pc_judge *j, const pc_caseset *cases, const pc_plan *plan,
                  const pc_expectations *ex, pc_comparison *out, pc_row_sink sink, void *ctx,
                  pc_error *err);
/* One job's final result (an execute callback: pc_exec_on_result's shape). */
int pc_judge_job(void *judge, size_t job, pc_job_result *r, pc_error *err);
/* The run is over. stopped: NULL when it ran to its end, else why it stopped early
 * ("interrupted by signal 2"): a job that never arrived is then NOT-RUN with that
 * reason, instead of an ERROR of the harness. */
int pc_judge_finish(pc_judge *j, const char *stopped, pc_error *err);
/* The `stopped` reason of a run a signal ended, "interrupted by signal N", in buf. */
const char *pc_judge_signal_reason(int sig, char *buf, size_t size);
void pc_judge_free(pc_judge *j);
void pc_comparison_free(pc_comparison *cmp);

/* The observation of a row as JSON (new reference), or NULL when nothing was observed. */
json_t *pc_row_observation(const pc_comparison *cmp, const pc_row *row);

/* First difference between two JSON values: {"path", "expected", "observed"}, or NULL. */
json_t *pc_json_diff(json_t *expected, json_t *observed);

#endif
