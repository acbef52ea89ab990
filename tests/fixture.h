/* fixture.h - a small synthetic run for the comparison, bless and report tests:
 * one case "c" (with a translation), interpreters cpython 3.8.18 and 3.13.0, and
 * expectations read from a temp directory. */
#ifndef PC_TEST_FIXTURE_H
#define PC_TEST_FIXTURE_H

#include "compare.h"
#include "util.h"

/* A job's result in the runner's own terms (what protocol 2 sends), turned into the
 * result model (result.h) and judged by compare(): `result` is {"module": MODULE,
 * "functions": [ENTRY...]}, where an ENTRY with "status" is a call that did not
 * complete and one with "not_defined" a function the module never defined. */
typedef struct fx_result {
    pc_job_status status; /* PENDING (zero): not delivered, as an interrupted run leaves it */
    json_t *result;       /* owned */
    char *detail;         /* owned */
    double seconds;
} fx_result;

typedef struct fixture {
    pc_caseset cases;
    pc_registry reg;
    pc_plan plan;
    fx_result results[8];
    pc_expectations ex;
    pc_comparison cmp;
    char dir[32];
} fixture;

void setup(fixture *fx, const char *expected_json);
/* Add a supported, selected CPython build `name` of `version` to reg (as setup does). */
void fx_add_interp(pc_registry *reg, const char *name, const char *version);
/* Free a registry made with fx_add_interp. */
void fx_registry_free(pc_registry *reg);
void teardown(fixture *fx);
/* Job i (plan order: 3.8 source, 3.8 desugared, 3.13 source, 3.13 desugared) returned v. */
void returned(fixture *fx, size_t i, json_t *v);
const pc_row *row(fixture *fx, const char *fn, const char *interp, pc_mode mode);
/* Deliver every job that has a status to a judge, in plan order, and finish it
 * (interrupted 0); then fx->cmp holds the rows. */
void compare(fixture *fx);
/* The same with the results given, into cmp (the caller frees it); rows are also
 * handed to sink(ctx) when sink is given. */
void judge_results(const pc_caseset *cases, const pc_plan *plan, const pc_expectations *ex,
                   fx_result *results, int interrupted, pc_comparison *cmp, pc_row_sink sink,
                   void *ctx);
void fx_results_free(fx_result *results, size_t n);
/* Load a report (schema 2) with every row expanded in place: its job's "case",
 * "interpreter" and "mode", and its "observation", "recorded" and "reason" indices
 * replaced by the values they name (null when the row has none). NULL when the file
 * is missing or does not parse. */
json_t *load_report(const char *path);

/* Write DIR/NAME with text (the test fails if it cannot); returns the malloc'd path. */
char *write_tmp(const char *dir, const char *name, const char *text);
/* Remove a temp directory and everything under it (best effort, for cleanup). */
void remove_tree(const char *path);

/* Run the pyconform binary (PYCONFORM_BIN) with args[0..nargs) then the NULL-terminated
 * `more` (may be NULL), within `timeout` seconds (the test fails past it); *out and *err
 * get its output (always NUL-terminated), and the exit code is returned (128 when a
 * signal ended it). */
int run_binary(const char *const *args, size_t nargs, const char *const *more, double timeout,
               pc_buf *out, pc_buf *err);

#endif
