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

#include "error.h"
#include "parse.h"
#include "registry.h"
#include "translate.h"

typedef enum pc_mode { PC_MODE_SOURCE = 0, PC_MODE_DESUGARED = 1, PC_MODE_COUNT } pc_mode;

const char *pc_mode_name(pc_mode m);

typedef struct pc_job {
    size_t id;              /* index in the plan */
    const pc_case *kase;
    const pc_interp *interp;
    const char *text;       /* the Python text to run */
    const char *skip;       /* NULL, or the requirement this build lacks: not run (SKIP);
                             * static text, like skip_why */
    const char *skip_why;   /* why it lacks it ("cannot start threads") */
    const char *error;      /* non-NULL: the build cannot be run (it could not be probed);
                             * answered as ERROR with this text, never sent to a runner.
                             * Borrowed: the interpreter's problem */
    const pc_translation *translation; /* desugared jobs: where the text came from */
    const char *suite_path; /* a suite block's job: the module file its text is from
                             * (borrowed from the run's pc_suites, suite.h), else NULL */
    pc_mode mode;
    int text_line;          /* its first line in the case file */
} pc_job;

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
