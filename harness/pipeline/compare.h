/* compare.h - step 4: observations into verdicts.
 *
 * Three comparisons:
 *  (a) desugared against source on the same interpreter;
 *  (b) each interpreter against expected/ (a recorded divergence with its reason is XFAIL);
 *  (c) across interpreters: for each case function and mode, the interpreters whose
 *      observations are identical, labelled like "cpython 3.8-3.10 | cpython 3.11+".
 * One row per case function x interpreter x mode; a job that did not complete gives its
 * TIMEOUT/CRASH/ERROR verdict to every function the case has elsewhere in the run.
 *
 * Ownership: rows own their JSON references and strings; pc_comparison_free frees all.
 */
#ifndef PC_COMPARE_H
#define PC_COMPARE_H

#include <jansson.h>

#include "error.h"
#include "execute.h"
#include "expected.h"
#include "plan.h"
#include "verdict.h"

#define PC_MODULE_FUNCTION "<module>"

typedef struct pc_row {
    const pc_case *kase;
    char *function;
    const pc_interp *interp;
    pc_mode mode;
    size_t job;            /* plan index */
    pc_verdict verdict;
    json_t *observation;   /* what was seen (NULL when the job did not complete) */
    json_t *expected;      /* what was expected (NULL when nothing was) */
    json_t *diff;          /* first difference, for FAIL/DIVERGE/XPASS */
    json_t *recorded;      /* further observations, recorded but not judged */
    char *reason;          /* the recorded reason (divergence, or version difference) */
    char *detail;          /* one line on why the verdict is not PASS */
    double seconds;
} pc_row;

typedef struct pc_comparison {
    pc_row *rows;
    size_t len;
    size_t cap;
    json_t *groups;        /* comparison (c): array of {case, function, mode, groups:[...]} */
    size_t counts[PC_VERDICT_COUNT];
    size_t unexpected;
} pc_comparison;

/* cases: the set the plan's jobs point into. */
int pc_compare(const pc_caseset *cases, const pc_plan *plan, const pc_job_result *results,
               const pc_expectations *ex, pc_comparison *out, pc_error *err);
void pc_comparison_free(pc_comparison *cmp);

/* The judged observation a job made for one function (new reference), or NULL if
 * absent: <module>: compile_error, error, stdout; a function: outcome, stdout. */
json_t *pc_observation(const pc_job_result *r, const char *function);
/* The observations recorded but not judged (scopes, f_locals_at_return,
 * translation_scopes, translation_frames): new reference or NULL. */
json_t *pc_recorded(const pc_job_result *r, const char *function);
/* First difference between two JSON values: {"path", "expected", "observed"}, or NULL. */
json_t *pc_json_diff(json_t *expected, json_t *observed);

#endif
