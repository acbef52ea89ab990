/* groups.h - comparison (c): for each case function and mode, the interpreters grouped
 * by identical observation, each group labelled by its builds, e.g.
 * "cpython 3.8-3.10 | cpython 3.11+" (model/registry.h: pc_builds_label).
 *
 * Read from the judged rows (compare.h, in their documented order) after the run; only
 * rows that observed something count: a job or call that did not complete (TIMEOUT,
 * CRASH, ERROR, SKIP, NOT-RUN: the verdict table's "incomplete") is not "absent"
 * behaviour. Sets are handed to a sink one at a time, so none is held longer; the
 * report (report.c) owns how they are written.
 */
#ifndef PC_GROUPS_H
#define PC_GROUPS_H

#include "compare.h"

/* One group: the builds that observed the same thing. */
typedef struct pc_group {
    char *builds;                 /* owned: the label, e.g. "cpython 3.8-3.10 | pypy 3.9" */
    const pc_interp **interps;    /* owned array, borrowed interpreters, in build order */
    size_t n;
    uint32_t observation;         /* as in the comparison (0: not defined on those builds) */
} pc_group;

/* The groups of one case function and mode, in order of first appearance. */
typedef struct pc_group_set {
    const pc_case *kase;
    const char *function;
    pc_mode mode;
    pc_group *groups;
    size_t n;
} pc_group_set;

/* Receives each set, borrowed for the call. Nonzero stops with that error. */
typedef int (*pc_group_sink)(void *ctx, const pc_group_set *set, pc_error *err);

int pc_groups_each(const pc_comparison *cmp, pc_group_sink sink, void *ctx, pc_error *err);

#endif
