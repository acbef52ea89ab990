/* verdict.c - the verdict table. */
#include "verdict.h"

#include <string.h>

static const pc_verdict_info table[PC_VERDICT_COUNT] = {
    /*            name  letter expected incomplete status  meaning  colour */
    [PC_PASS] = {"PASS", '.', true, false, PC_JOB_PENDING, "as expected", "\033[32m"},
    [PC_XFAIL] = {"XFAIL", 'x', true, false, PC_JOB_PENDING, "known divergence, recorded with its reason", "\033[36m"},
    [PC_SKIP] = {"SKIP", 's', true, true, PC_JOB_SKIPPED, "not run on this build", "\033[2m"},
    [PC_FAIL] = {"FAIL", 'F', false, false, PC_JOB_PENDING, "differs from expected/", "\033[1;31m"},
    [PC_XPASS] = {"XPASS", 'X', false, false, PC_JOB_PENDING, "recorded divergence no longer happens", "\033[1;33m"},
    [PC_DIVERGE] = {"DIVERGE", 'D', false, false, PC_JOB_PENDING, "desugared differs from source (not recorded)", "\033[1;35m"},
    [PC_FLAKY] = {"FLAKY", '~', false, false, PC_JOB_PENDING, "changed between attempts (run --retries)", "\033[1;34m"},
    [PC_TIMEOUT] = {"TIMEOUT", 'T', false, true, PC_JOB_TIMEOUT, "ran past the timeout", "\033[33m"},
    [PC_CRASH] = {"CRASH", 'C', false, true, PC_JOB_CRASH, "its process died", "\033[31m"},
    [PC_ERROR] = {"ERROR", 'E', false, true, PC_JOB_ERROR, "harness could not run the job", "\033[1;31m"},
    [PC_NOT_RUN] = {"NOT-RUN", '-', false, true, PC_JOB_NOT_RUN, "not run: the run was interrupted or cut short", "\033[2m"},
};

const pc_verdict_info *pc_verdict_get(pc_verdict v)
{
    return &table[(unsigned)v < PC_VERDICT_COUNT ? v : PC_ERROR];
}

const char *pc_verdict_name(pc_verdict v)
{
    return pc_verdict_get(v)->name;
}

pc_verdict pc_verdict_for_status(pc_job_status status)
{
    int v;
    for (v = 0; status != PC_JOB_PENDING && v < PC_VERDICT_COUNT; v++)
        if (table[v].status == status)
            return (pc_verdict)v;
    return PC_ERROR;
}

int pc_verdict_by_name(const char *name)
{
    int v;
    for (v = 0; name && v < PC_VERDICT_COUNT; v++)
        if (strcmp(table[v].name, name) == 0)
            return v;
    return -1;
}
