/* verdict.h - result codes as data (after lit's result codes).
 *
 * Each verdict has a name, a one-letter code for the terminal table, and whether it is
 * "expected" (a run with only expected verdicts exits 0).
 */
#ifndef PC_VERDICT_H
#define PC_VERDICT_H

#include <stdbool.h>

typedef enum pc_verdict {
    PC_PASS,    /* matches expected/ (or, desugared, the source run) */
    PC_XFAIL,   /* a known divergence recorded in expected/ with its reason */
    PC_SKIP,    /* not run, with a reason */
    PC_FAIL,    /* differs from expected/, or no expectation recorded */
    PC_XPASS,   /* a recorded divergence no longer happens */
    PC_DIVERGE, /* desugared differs from source, and that is not recorded */
    PC_TIMEOUT, /* the call (or module body) in flight when the job ran past its timeout */
    PC_CRASH,   /* the job's process died during this call (or module body) */
    PC_ERROR,   /* the harness could not run or read the job */
    PC_NOT_RUN, /* the run was interrupted before this ran */
    PC_VERDICT_COUNT
} pc_verdict;

typedef struct pc_verdict_info {
    const char *name;
    char letter;
    bool expected;
    const char *meaning;
    const char *status; /* the job or call status that gives this verdict without judging
                         * (execute.h: "timeout", "crash", ...), or NULL: judged */
} pc_verdict_info;

const pc_verdict_info *pc_verdict_get(pc_verdict v);
const char *pc_verdict_name(pc_verdict v);
/* The verdict a job or call status gives ("timeout" -> TIMEOUT); an unknown status is
 * ERROR, never a success. */
pc_verdict pc_verdict_for_status(const char *status);

#endif
