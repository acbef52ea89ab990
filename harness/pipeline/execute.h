/* execute.h - step 3: runner processes execute the plan; observations come back.
 *
 * One long-lived runner per interpreter (runners/runner.py, protocol in
 * docs/protocol.md and harness/protocol.h) gets that interpreter's jobs one at a time
 * over NDJSON pipes; up to `parallel` interpreters run at once, driven by one poll
 * loop. On builds with fork the runner is a fork server: every job runs in a child of
 * its own. The runner streams a line per call, so a failure is charged to the call in
 * flight:
 *  - past the job's deadline: TIMEOUT (the runner's process group is killed and a new
 *    runner starts); a child that dies: CRASH, with its signal or exit code and the
 *    stderr tail;
 *  - the calls after it still run, in a fresh child that executes the module body
 *    again (the job is resumed; their entries say so in "rerun");
 *  - a failure before the module line charges the whole job (`<module>`).
 * A runner that will not start (no hello within the start-up timeout, exit, garbage)
 * answers every remaining job of its interpreter with ERROR at once. Every planned job
 * gets exactly one result; one interrupted by a signal (stop_fd) is NOT_RUN.
 */
#ifndef PC_EXECUTE_H
#define PC_EXECUTE_H

#include <jansson.h>

#include "error.h"
#include "plan.h"

typedef enum pc_job_status {
    PC_JOB_NOT_RUN, /* the zero value: never filled, or the run was interrupted first */
    PC_JOB_OK,      /* `result` holds the job's result object */
    PC_JOB_TIMEOUT, /* the module body ran past the timeout */
    PC_JOB_CRASH,   /* the job's process died in the module body */
    PC_JOB_ERROR,   /* could not start, or the runner broke the protocol */
    PC_JOB_SKIPPED, /* not run on this build (see the job's skip reason) */
} pc_job_status;

const char *pc_job_status_name(pc_job_status s);

/* An OK job's result: {"id", "module": {...}, "functions": [ENTRY...]}, where a call
 * that did not complete has an ENTRY {"name", "status": "timeout"|"crash"|"error"|
 * "not-run", "detail", "seconds"} and a module body that raised before defining a
 * function gives {"name", "not_defined": why}. */
typedef struct pc_job_result {
    pc_job_status status;
    json_t *result;  /* owned; the job's result object when OK */
    char *detail;    /* owned; why, when not OK (signal, stderr tail, protocol problem) */
    double seconds;  /* wall time from sending the job to its end */
} pc_job_result;

typedef struct pc_exec_options {
    int parallel;            /* interpreters at once (>= 1) */
    double timeout;          /* per job, seconds */
    double startup_timeout;  /* for a runner to say hello, seconds */
    const char *runner;      /* path of runners/runner.py */
    int progress;            /* print a line per finished interpreter on stderr */
    size_t max_output;       /* bytes of stdout kept per call */
    size_t max_memory;       /* bytes of address space per job (0: no limit) */
    int stop_fd;             /* readable when the run must stop (a signalfd), or -1 */
} pc_exec_options;

/* results: plan->len entries, zeroed by the caller. Returns 0, or -1 on a harness
 * error; *stopped_by is the signal read from stop_fd (0 when none): the children are
 * then killed and reaped, and the jobs not finished are NOT_RUN. */
int pc_execute(const pc_plan *plan, const pc_exec_options *opt, pc_job_result *results,
               int *stopped_by, pc_error *err);
void pc_job_results_free(pc_job_result *results, size_t n);

#endif
