/* bless.h - write expected/ from a run, for review in git.
 *
 * Rewrites only what changed: a function whose rows all have expected verdicts keeps
 * its entries untouched. Otherwise its entries are regenerated from the run: per build
 * class (implementation + traits), consecutive versions with the same source
 * observation (and the same desugared divergence, if any) form one entry. Reasons
 * ("reason", "divergence") are kept from old entries with the same observation; entries
 * for build classes absent from the run are kept. A new divergence gets
 * "divergence": null and stays DIVERGE until a person writes the reason.
 */
#ifndef PC_BLESS_H
#define PC_BLESS_H

#include <stdio.h>

#include "compare.h"
#include "expected.h"

typedef struct pc_bless_stats {
    size_t functions_kept, functions_updated, functions_dropped;
    size_t divergences_without_reason;
    size_t files_written;
} pc_bless_stats;

/* Update ex in memory from cmp, then write every file that changed (atomically).
 * Prints one line per written file on `log`. */
int pc_bless(pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp, FILE *log,
             pc_bless_stats *stats, pc_error *err);

#endif
