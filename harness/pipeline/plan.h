/* plan.h - step 2: jobs = case block x interpreter x mode.
 *
 * Jobs are ordered by interpreter (so each runner gets one contiguous batch), then by
 * case, source before desugared. A case without translation text gets no desugared job.
 * A suite block (parse.h) gets both, with an empty text until pc_suites_apply (suite.h)
 * gives each job its build's module.
 * The plan borrows cases and interpreters; it owns only its job array.
 */
#ifndef PC_PLAN_H
#define PC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "parse.h"
#include "registry.h"
#include "translate.h"

typedef enum pc_mode { PC_MODE_SOURCE = 0, PC_MODE_DESUGARED = 1, PC_MODE_COUNT } pc_mode;

const char *pc_mode_name(pc_mode m);

/* Held once per case x build x mode for the whole run (a run may plan 100k of them), so
 * it keeps only what cannot be derived: the rest is read through the accessors below. */
struct pc_suite_text; /* suite.h */

#define PC_JOB_SKIP_SUITE 255

typedef struct pc_job {
    const pc_case *kase;
    const pc_interp *interp;
    const pc_translation *translation; /* desugared jobs: where the text came from */
    const struct pc_suite_text *suite; /* a suite block's job (suite.h): its build's module,
                                        * or why there is none; NULL for other jobs */
    uint32_t id;            /* index in the plan */
    unsigned char mode;     /* pc_mode */
    unsigned char skip;     /* 0; 1 + the index in kase->requires of the first requirement
                             * this build lacks; or PC_JOB_SKIP_SUITE: the build has no
                             * text for the suite block. Not run (SKIP) */
} pc_job;

/* The Python text to run: the block's source, or for a desugared job its translation
 * (the translation step's, else the block's `=` text); "" when there is none (a failed
 * translation). Borrowed from the case set or the translation. */
const char *pc_job_text(const pc_job *j);
/* The text's first line in the case file. */
int pc_job_text_line(const pc_job *j);
/* Non-NULL when the build cannot be run (it could not be probed): the job is answered
 * as ERROR with this text, never sent to a runner. Borrowed: the interpreter's problem. */
const char *pc_job_error(const pc_job *j);
/* The requirement this build lacks (static text: pc_capability_name), or NULL. */
const char *pc_job_skip(const pc_job *j);

typedef struct pc_plan {
    pc_job *jobs;
    size_t len;
    size_t cap;
} pc_plan;

#define PC_MODES_SOURCE (1u << PC_MODE_SOURCE)
#define PC_MODES_DESUGARED (1u << PC_MODE_DESUGARED)
#define PC_MODES_ALL (PC_MODES_SOURCE | PC_MODES_DESUGARED)

/* Plan every selected, supported interpreter x case x mode in `modes`. A selected
 * broken build (see pc_registry_select) gets its jobs too, each with `error` set, so
 * that the run reports it as ERROR instead of leaving it out. Desugared texts
 * come from tr[case index] (borrowed) when tr is given, else from the cases' `=`
 * sections; a case whose translation failed still gets its desugared jobs (they are
 * answered with the failure, so every case has a desugared column). */
int pc_plan_build(pc_plan *plan, const pc_caseset *cases, const pc_registry *reg, unsigned modes,
                  const pc_translation *tr, pc_error *err);
void pc_plan_free(pc_plan *plan);
/* Keep the jobs whose keep[i] is nonzero, in order, renumbered (ids are indices);
 * where index is given, index[new id] = the job's old index. */
void pc_plan_keep(pc_plan *plan, const unsigned char *keep, size_t *index);
/* A suite block's job (parse.h, "Suite files") runs a whole test module: its timeout is
 * this many times --timeout (300 s by default). */
#define PC_SUITE_TIMEOUT_FACTOR 30
/* The job's timeout, for a run's --timeout of `timeout` seconds. */
double pc_job_timeout(const pc_job *j, double timeout);
/* "requires threads; NAME cannot start threads" into buf when the job is skipped
 * (true), else false; a suite job's reason is "no test.MODULE on this build: ...". */
bool pc_job_skip_reason(const pc_job *j, char *buf, size_t size);

#endif
