/* verdict.c - the verdict table. */
#include "verdict.h"

static const pc_verdict_info table[PC_VERDICT_COUNT] = {
    [PC_PASS] = {"PASS", '.', true, "as expected"},
    [PC_XFAIL] = {"XFAIL", 'x', true, "known divergence, recorded with its reason"},
    [PC_SKIP] = {"SKIP", 's', true, "not run on this build"},
    [PC_FAIL] = {"FAIL", 'F', false, "differs from expected/"},
    [PC_XPASS] = {"XPASS", 'X', false, "recorded divergence no longer happens"},
    [PC_DIVERGE] = {"DIVERGE", 'D', false, "desugared differs from source (not recorded)"},
    [PC_TIMEOUT] = {"TIMEOUT", 'T', false, "ran past the timeout"},
    [PC_CRASH] = {"CRASH", 'C', false, "its process died"},
    [PC_ERROR] = {"ERROR", 'E', false, "harness could not run the job"},
    [PC_NOT_RUN] = {"NOT-RUN", '-', false, "not run: the run was interrupted"},
};

const pc_verdict_info *pc_verdict_get(pc_verdict v)
{
    return &table[(unsigned)v < PC_VERDICT_COUNT ? v : PC_ERROR];
}

const char *pc_verdict_name(pc_verdict v)
{
    return pc_verdict_get(v)->name;
}
