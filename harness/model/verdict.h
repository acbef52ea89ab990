/* verdict.h - result codes as data (after lit's result codes).
 *
 * Each verdict has a name, a one-letter code for the terminal table, whether it is
 * "expected" (a run with only expected verdicts exits 0), whether it is "incomplete"
 * (nothing was observed: the job or call did not complete, or did not run), and the
 * job or call status that gives it without judging. Every rule about verdicts that is
 * not a comparison of observations is read from this table.
 */
#ifndef PC_VERDICT_H
#define PC_VERDICT_H

#include <stdbool.h>

#include "result.h"

typedef enum pc_verdict {
    PC_PASS,    /* matches expected/ (or, desugared, the source run) */
    PC_XFAIL,   /* a known divergence recorded in expected/ with its reason */
    PC_SKIP,    /* not run, with a reason */
    PC_FAIL,    /* differs from expected/, or no expectation recorded */
    PC_XPASS,   /* a recorded divergence no longer happens */
    PC_DIVERGE, /* desugared differs from source, and that is not recorded */
    PC_FLAKY,   /* run --retries: the result changed between attempts of the same job
                 * (unexpected unless --allow-flaky; the attempts are in the row) */
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
    bool incomplete;      /* nothing observed: not a behaviour of the build */
    pc_job_status status; /* the status that gives this verdict without judging, or
                           * PC_JOB_PENDING: a judged verdict */
    const char *meaning;
    const char *sgr;      /* its colour on a terminal: an ANSI SGR sequence (term.h) */
} pc_verdict_info;

const pc_verdict_info *pc_verdict_get(pc_verdict v);
const char *pc_verdict_name(pc_verdict v);
/* The verdict a status that did not complete gives (TIMEOUT -> TIMEOUT); any other
 * status (PENDING included: a result never filled) is ERROR, never a success. */
pc_verdict pc_verdict_for_status(pc_job_status status);
/* The verdict whose name is `name` ("NOT-RUN"), or -1. */
int pc_verdict_by_name(const char *name);

#endif
