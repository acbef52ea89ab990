/* progress.h - the live view of a run, fed by the results as the judge takes them.
 *
 * On a terminal: one line, redrawn at most ten times a second, with the jobs done of
 * the total, the builds running and done, the unexpected results so far, the time
 * elapsed and an estimate of the time left:
 *
 *   [ 412/900] 2 builds running, 3/6 done | 1 unexpected | 0:07, about 0:08 left
 *
 * Elsewhere (a CI log): a plain line per build as its last job arrives. Nothing at all
 * when quiet. The unexpected count is the judge's: a case is judged when its last job,
 * on whichever build, has arrived.
 *
 * Ownership: the progress borrows the plan and the stream; it owns its build table.
 */
#ifndef PC_PROGRESS_H
#define PC_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "plan.h"

typedef struct pc_progress_build pc_progress_build; /* progress.c */

typedef struct pc_progress {
    FILE *out;
    bool live;              /* the redrawn line (a terminal) */
    bool lines;             /* a line per finished build */
    bool color;
    int width;              /* columns of the terminal */
    pc_progress_build *builds; /* one per run of the plan's jobs on one interpreter */
    size_t nbuilds;
    size_t total, done, running, finished;
    size_t unexpected;
    double t0, drawn;       /* pc_now() at start and at the last redraw */
    bool shown;             /* a live line is on the screen */
} pc_progress;

/* quiet: show nothing. color: verdict colours (term.h decides). */
int pc_progress_init(pc_progress *p, const pc_plan *plan, FILE *out, bool quiet, bool color,
                     pc_error *err);
/* Job `job` of the plan has arrived; `unexpected` is the judge's count so far. */
void pc_progress_job(pc_progress *p, size_t job, size_t unexpected);
/* Erase the live line (before other output, and at the end). */
void pc_progress_clear(pc_progress *p);
void pc_progress_free(pc_progress *p);

#endif
