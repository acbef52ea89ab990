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
 * gets at most one result, delivered as soon as it is final (result.h is the model).
 */
#ifndef PC_EXECUTE_H
#define PC_EXECUTE_H

#include <jansson.h>

#include "error.h"
#include "plan.h"
#include "result.h"

/* Called once for every planned job, when its result is final (skipped and unrunnable
 * jobs first, then as runners answer), in no set order. The callee takes what it needs
 * of *r (it may move the parts' JSON out); execute clears *r afterwards. It returns 0
 * to go on; PC_EXEC_HALT to stop the run after this result (--max-failures): every
 * runner is killed, the calls left of a job in flight are delivered as NOT_RUN, the
 * jobs never started are not delivered, and *stopped_by stays 0; -1 stops the run
 * with the error in err. */
#define PC_EXEC_HALT 1
typedef int (*pc_exec_on_result)(void *ctx, size_t job, pc_job_result *r, pc_error *err);

typedef struct pc_exec_options {
    int parallel;            /* interpreters at once (>= 1) */
    double timeout;          /* per job, seconds */
    double startup_timeout;  /* for a runner to say hello, seconds */
    const char *runner;      /* path of runners/runner.py */
    size_t max_output;       /* bytes of stdout kept per call */
    size_t max_memory;       /* bytes of address space per job (0: no limit) */
    bool shared;             /* runners serve their jobs in their own process (see
                                pc_runner_shared_env, docs/protocol.md "Isolation") */
    int stop_fd;             /* readable when the run must stop (a signalfd), or -1 */
} pc_exec_options;

/* Run the plan, handing each job's result to on_result(ctx, ...). Returns 0, or -1 on a
 * harness error; *stopped_by is the signal read from stop_fd (0 when none): the
 * children are then killed and reaped, the calls left of a job in flight are delivered
 * as NOT_RUN, and the jobs never started are not delivered at all (the caller counts
 * them: see pc_judge_finish). */
int pc_execute(const pc_plan *plan, const pc_exec_options *opt, pc_exec_on_result on_result,
               void *ctx, int *stopped_by, pc_error *err);

#endif
