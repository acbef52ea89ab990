/* execute.h - step 3: runner processes execute the plan; observations come back.
 *
 * One long-lived runner per interpreter (runners/runner.py, see docs/protocol.md) gets
 * that interpreter's jobs one at a time over NDJSON pipes; up to `parallel`
 * interpreters run at once, driven by a single poll loop. A job that exceeds the
 * timeout gets TIMEOUT (the runner's process group is killed and a new runner goes on
 * with the remaining jobs); a runner that dies gives CRASH for its job in flight. Every
 * planned job gets exactly one result.
 */
#ifndef PC_EXECUTE_H
#define PC_EXECUTE_H

#include <jansson.h>

#include "error.h"
#include "plan.h"

typedef enum pc_job_status {
    PC_JOB_OK,      /* `result` holds the runner's result object */
    PC_JOB_TIMEOUT,
    PC_JOB_CRASH,
    PC_JOB_ERROR,   /* could not start, or the runner broke the protocol */
    PC_JOB_SKIPPED, /* not run on this build (see the job's skip reason) */
} pc_job_status;

const char *pc_job_status_name(pc_job_status s);

typedef struct pc_job_result {
    pc_job_status status;
    json_t *result;  /* owned; the runner's result object when OK */
    char *detail;    /* owned; why, when not OK (signal, stderr tail, protocol problem) */
    double seconds;  /* wall time from sending the job to its end */
} pc_job_result;

typedef struct pc_exec_options {
    int parallel;            /* interpreters at once (>= 1) */
    double timeout;          /* per job, seconds */
    double startup_timeout;  /* for a runner to say hello, seconds */
    const char *runner;      /* path of runners/runner.py */
    int progress;            /* print a line per finished interpreter on stderr */
    size_t jobs_per_runner;  /* restart the runner after this many jobs (0: never) */
} pc_exec_options;

/* results: plan->len entries, filled in (zero them before). */
int pc_execute(const pc_plan *plan, const pc_exec_options *opt, pc_job_result *results,
               pc_error *err);
void pc_job_results_free(pc_job_result *results, size_t n);

#endif
