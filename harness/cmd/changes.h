/* changes.h - "what changes where": a Markdown summary generated from expected/.
 *
 * For every case function whose expected observations differ between builds, one row
 * per group of builds with what it does and the recorded reason; then every recorded
 * divergence of the desugared translation. Written by `pyconform changes`; the
 * committed copy is docs/changes.md.
 */
#ifndef PC_CHANGES_H
#define PC_CHANGES_H

#include "error.h"
#include "expected.h"
#include "parse.h"
#include "util.h"

typedef struct pc_changes_stats {
    size_t functions_differing; /* case functions whose builds disagree */
    size_t divergences;         /* divergence entries of the translation */
    size_t missing_reasons;     /* rows above without a written reason */
} pc_changes_stats;

/* Render the summary for the cases (in order) into out. Each row without a reason is
 * also listed on `missing` (when not NULL) as "case / function [builds]". */
int pc_changes_render(const pc_expectations *ex, const pc_caseset *cases, pc_buf *out,
                      pc_buf *missing, pc_changes_stats *st, pc_error *err);

#endif
