/* verdict.c - the verdict table. */
#include "verdict.h"

#include <string.h>

static const pc_verdict_info table[PC_VERDICT_COUNT] = {
    [PC_PASS] = {"PASS", '.', true, "as expected", NULL},
    [PC_XFAIL] = {"XFAIL", 'x', true, "known divergence, recorded with its reason", NULL},
    [PC_SKIP] = {"SKIP", 's', true, "not run on this build", "skipped"},
    [PC_FAIL] = {"FAIL", 'F', false, "differs from expected/", NULL},
    [PC_XPASS] = {"XPASS", 'X', false, "recorded divergence no longer happens", NULL},
    [PC_DIVERGE] = {"DIVERGE", 'D', false, "desugared differs from source (not recorded)", NULL},
    [PC_TIMEOUT] = {"TIMEOUT", 'T', false, "ran past the timeout", "timeout"},
    [PC_CRASH] = {"CRASH", 'C', false, "its process died", "crash"},
    [PC_ERROR] = {"ERROR", 'E', false, "harness could not run the job", "error"},
    [PC_NOT_RUN] = {"NOT-RUN", '-', false, "not run: the run was interrupted", "not-run"},
};

const pc_verdict_info *pc_verdict_get(pc_verdict v)
{
    return &table[(unsigned)v < PC_VERDICT_COUNT ? v : PC_ERROR];
}

const char *pc_verdict_name(pc_verdict v)
{
    return pc_verdict_get(v)->name;
}

pc_verdict pc_verdict_for_status(const char *status)
{
    int v;
    for (v = 0; status && v < PC_VERDICT_COUNT; v++)
        if (table[v].status && strcmp(table[v].status, status) == 0)
            return (pc_verdict)v;
    return PC_ERROR;
}
