/* trial.h - one small run of the pipeline, kept in memory: what bisect and reduce ask
 * of each point they try (a build, a commit, a candidate block).
 *
 * A trial takes a case set (borrowed), an expectation store (borrowed; an empty one is
 * fine: every source row is then FAIL "no expectation", and desugared rows are still
 * judged against the source run, comparison (a)), the selected builds of a registry,
 * and the modes; it translates the cases when the modes include desugared (the `=`
 * sections, else our desugarer in one batch, or --desugarer CMD), plans, runs the jobs
 * through pc_execute (one warm runner per build, all the trial's jobs in its batch) and
 * judges them with the run's judge (compare.c). Nothing is written: the rows stay in
 * the trial's comparison, in compare.h's order, for the caller to read.
 *
 * Ownership: a pc_trial owns its plan, translations and comparison; it borrows the
 * cases, the expectations and the registry, which must outlive it.
 */
#ifndef PC_TRIAL_H
#define PC_TRIAL_H

#include <stdbool.h>

#include "cli.h"
#include "cmd.h"
#include "compare.h"

typedef struct pc_trial {
    pc_plan plan;
    pc_translation *translations; /* one per case, or NULL (source mode only) */
    size_t ntranslations;
    pc_comparison cmp;
    int interrupted;              /* the signal that stopped the trial, or 0 */
} pc_trial;

/* What a trial takes from the command line: -j, the limits, --desugarer, --python,
 * --isolation; desugarer overrides o->desugarer when not NULL (bisect --git). stop_fd:
 * a signalfd (or -1). */
typedef struct pc_trial_config {
    const pc_options *o;
    const pc_paths *p;
    const char *desugarer;
    int stop_fd;
} pc_trial_config;

/* Run `cases` on the selected builds of `reg` in `modes`. Returns -1 on a harness
 * error; a signal is left in t->interrupted (the rows then hold NOT-RUN). */
int pc_trial_run(pc_trial *t, const pc_trial_config *c, const pc_caseset *cases,
                 const pc_expectations *ex, const pc_registry *reg, unsigned modes,
                 pc_error *err);
void pc_trial_free(pc_trial *t);

/* The row of (case, function, build, mode), or NULL. */
const pc_row *pc_trial_row(const pc_trial *t, const pc_case *kase, const char *function,
                           const pc_interp *in, pc_mode mode);
/* The row's observation as canonical JSON text (owned), or NULL when nothing was
 * observed (*oom set when out of memory). */
char *pc_trial_observation_text(const pc_trial *t, const pc_row *row, bool *oom);
/* The translation the desugared jobs of case i ran, or NULL. */
const pc_translation *pc_trial_translation(const pc_trial *t, size_t case_index);

#endif
