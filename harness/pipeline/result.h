/* result.h - the result model: what a runner reported for one job, typed.
 *
 * The runner's lines (docs/protocol.md, "Protocol 2") are decoded by protocol.c and
 * parsed into this model by execute.c as each line arrives; nothing after that step
 * reads the runner's JSON fields. A job's result is:
 *
 *   pc_job_result   status, wall seconds, detail when not OK
 *     module        pc_part "<module>": the module body
 *     parts[]       pc_part per function: the calls the module line announced, in
 *                   order, then the functions the module body never defined
 *
 * A part holds its status and, when it completed (OK), its observation: the fields that
 * are judged, and what was recorded beside them and never judged. The split between
 * the two is made here, once (see pc_part_parse):
 *   module:   judged compile_error, error, stdout (null/"" when absent), scopes, truncated
 *   function: judged outcome, stdout (null/"" when absent), scopes, f_locals_at_return,
 *             truncated
 *   both:     recorded translation_scopes, translation_frames, translation_names
 * A function the module body raised before defining is OK with no observation (NULL):
 * that is how expected/ records "not defined on this build"; `note` says why.
 *
 * Ownership: a pc_job_result owns its parts, their names, JSON values and texts;
 * pc_job_result_clear releases them and leaves a PENDING result.
 */
#ifndef PC_RESULT_H
#define PC_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define PC_MODULE_FUNCTION "<module>"

/* The status of a job, or of one part of it. PENDING is the zero value: a result that
 * was never filled reads as "no result yet", never as a success. */
typedef enum pc_job_status {
    PC_JOB_PENDING, /* no result yet */
    PC_JOB_OK,      /* completed: the observation is the result */
    PC_JOB_TIMEOUT, /* ran past the timeout */
    PC_JOB_CRASH,   /* its process died */
    PC_JOB_ERROR,   /* could not start, or the runner broke the protocol */
    PC_JOB_SKIPPED, /* not run on this build (see the job's skip reason) */
    PC_JOB_NOT_RUN, /* the run was interrupted before it ran */
    PC_JOB_STATUS_COUNT
} pc_job_status;

/* "pending", "ok", "timeout", "crash", "error", "skipped", "not-run". */
const char *pc_job_status_name(pc_job_status s);

typedef struct pc_part {
    char *name;           /* "<module>" or the function's name */
    pc_job_status status; /* PENDING until reported */
    json_t *observation;  /* OK: the judged fields; NULL when not defined or not OK */
    json_t *recorded;     /* OK: what was recorded beside (translation_*), or NULL */
    double seconds;       /* the call's (or module body's) duration */
    char *note;           /* why it is not OK, or a note on an OK part (not defined on this
                           * build; ran in a fresh process after a failure), or NULL */
} pc_part;

typedef struct pc_job_result {
    pc_job_status status; /* the job as a whole: OK once its runner answered it */
    double seconds;       /* wall time from sending the job to its end */
    char *detail;         /* why the job as a whole is not OK, or NULL */
    pc_part module;       /* name "<module>"; PENDING until the module line */
    pc_part *parts;       /* the functions: announced calls first, in call order */
    size_t nparts, cap;
    size_t ncalls;        /* parts[0 .. ncalls) are the announced calls */
} pc_job_result;

/* These return 0, -1 when out of memory, or 1 (err says why) for a runner line that is
 * malformed (a protocol error: the caller charges the job with it).
 *
 * The module line's body: fills r->module (OK) and one PENDING part per announced call
 * (its "calls" array), which must be a list of strings. */
int pc_result_set_module(pc_job_result *r, json_t *module, pc_error *err);
/* A function line's body for announced call `i`: that part becomes OK with its
 * observation; `note` (may be NULL) is copied to it. */
int pc_result_set_call(pc_job_result *r, size_t i, json_t *function, const char *note,
                       pc_error *err);
/* A function line saying the module body never defined it ("not_defined": why, and
 * "name"); named again by a resumed attempt, it is kept once. */
int pc_result_add_not_defined(pc_job_result *r, json_t *function, pc_error *err);
/* Announced call `i` did not complete: `st` with `why` (copied). */
int pc_result_fail_call(pc_job_result *r, size_t i, pc_job_status st, const char *why,
                        double seconds, pc_error *err);
/* A note on the module part (e.g. the process died after every call had answered). */
int pc_result_note_module(pc_job_result *r, const char *note, pc_error *err);
/* The part for `function` ("<module>" or a function name), or NULL. */
const pc_part *pc_result_part(const pc_job_result *r, const char *function);

/* The whole job ends with `st` (not OK) and `detail` (taken: freed here or later). */
void pc_job_result_fail(pc_job_result *r, pc_job_status st, char *detail, double seconds);
void pc_job_result_clear(pc_job_result *r);

#endif
