/* bless.h - write expected/ from a run, for review in git.
 *
 * Rewrites only what changed: a function whose rows all have expected verdicts keeps
 * its entries untouched. Otherwise its entries are regenerated from the run: per build
 * class (implementation + traits), consecutive versions with the same source
 * observation (and the same desugared divergence, if any) form one entry. Builds of the
 * registry in a class the run covered that the run did not observe (left out by
 * --interp, or their job did not complete) take part with what expected/ says of them
 * now, so their expectations stay as they were. Reasons ("reason", "divergence") are
 * kept from old entries with the same observation; entries for build classes absent
 * from the run are kept. A new divergence gets
 * "divergence": null and stays DIVERGE until a person writes the reason.
 *
 * Stale expectations (pc_stale_find) are removed: a stale case block of a case file in
 * the run entirely; of a stale function, the entries that a build which completed a job
 * of the block contradicted (entries of builds the run did not cover stay). Functions
 * the run did not report for other reasons (their jobs failed, or expected/ says the
 * builds that ran do not define them) are kept as they are. The expected/ directory is
 * created when missing.
 *
 * bless reads the comparison's rows in one function (read_rows in bless.c, matching rows
 * by case, function, build and mode, not by their order) and records everything through
 * the expectation store (expected.h: pc_expect_replace, pc_expect_drop,
 * pc_expect_drop_case, pc_expect_save); it never touches expected/'s JSON itself, so
 * blessing an unchanged tree writes no file and a regenerated function that says what
 * it said before keeps its bytes.
 */
#ifndef PC_BLESS_H
#define PC_BLESS_H

#include <stdio.h>

#include "compare.h"
#include "expected.h"

typedef struct pc_bless_stats {
    size_t functions_kept, functions_updated;
    size_t functions_dropped; /* removed as stale (those of stale case blocks included) */
    size_t divergences_without_reason;
    size_t files_written;
} pc_bless_stats;

/* The stale expectations of a run (appended to out): the stale case blocks
 * (pc_expect_stale_cases), then each function that expected/ records for a case block
 * of the run when no completed job reported it although a build that completed a job
 * of the block is expected to define it (its entry for that build and mode holds a
 * non-null observation). A function absent because its jobs failed, or recorded only
 * for builds the run did not cover, is not stale. */
int pc_stale_find(const pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp,
                  pc_stale_list *out, pc_error *err);
/* One line per item on out:
 *   pyconform: stale expectation: FILE: case "X" function "f" (why) */
void pc_stale_print(FILE *out, const pc_stale_list *l);

/* Update ex in memory from cmp, then save it (pc_expect_save: every file whose text
 * changed, atomically). Prints one line per written file on `log`. reg (may be NULL):
 * the registry the run chose its builds from; its other runnable builds keep their
 * expectations (above). */
int pc_bless(pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp, const pc_registry *reg,
             FILE *log, pc_bless_stats *stats, pc_error *err);

#endif
