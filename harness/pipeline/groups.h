/* groups.h - comparison (c): for each case function and mode, the interpreters grouped
 * by identical observation, each group labelled by its builds, e.g.
 * "cpython 3.8-3.10 | cpython 3.11+" (model/registry.h: pc_builds_label).
 *
 * Read from the judged rows (compare.h, in their documented order) after the run; only
 * rows that observed something count: a job or call that did not complete (TIMEOUT,
 * CRASH, ERROR, SKIP, NOT-RUN: the verdict table's "incomplete") is not "absent"
 * behaviour. Entries are handed to a sink one at a time, so none is held longer.
 */
#ifndef PC_GROUPS_H
#define PC_GROUPS_H

#include <jansson.h>

#include "compare.h"

/* entry: {"case", "function", "mode", "groups": [{"builds", "interpreters": [NAME...],
 * "observation": ID}]}, ID as in the comparison (0: not defined on those builds).
 * Borrowed for the call. Nonzero stops with that error. */
typedef int (*pc_group_sink)(void *ctx, json_t *entry, pc_error *err);

int pc_groups_each(const pc_comparison *cmp, pc_group_sink sink, void *ctx, pc_error *err);

#endif
