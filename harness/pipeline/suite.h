/* suite.h - step 1c: the texts of suite blocks (parse.h, "Suite files"), per build.
 *
 * A suite block names an upstream test module (`test_scope`); each build runs its own
 * version of it: the file `STDLIB/test/MODULE.py` (dots in MODULE are folders), STDLIB
 * being the build's probe `stdlib` (pyenv and source builds: their Lib/test; a Debian
 * build: only when libpython3.X-testsuite is installed). On a build without it
 * (WebAssembly builds, whose stdlib is not on this file system, a Debian build
 * without its testsuite package, a module new in a later version) the block's jobs are
 * SKIP, the reason naming what is missing ("no test.test_scope on this build: ...").
 * A module that no build in the registry has, where some build has a `test` package,
 * is an input error "SUITE_FILE:LINE: unknown module ...".
 *
 * Each distinct text is read once and, for the desugared mode, translated once (the
 * same desugarer as the cases: pc_translate). pc_suites_apply then points each suite
 * job of a plan at its build's text and translation. The job line carries
 * "suite": {"module", "path"}, and the runner runs the module's unittest tests, one
 * function line per test id (runners/suite.py, docs/protocol.md "Suite jobs").
 *
 * Ownership: a pc_suites owns its texts and translations; a plan applied to it borrows
 * them, so it must outlive the plan's use.
 */
#ifndef PC_SUITE_H
#define PC_SUITE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "parse.h"
#include "plan.h"
#include "registry.h"
#include "translate.h"

/* A module text, or (text NULL, `why` set) a build's lack of one: what a suite job
 * points at (pc_job.suite). */
typedef struct pc_suite_text {
    char *path;          /* the module file */
    char *text;          /* its text (valid UTF-8); NULL: none on that build */
    pc_translation tr;   /* its translation (source PC_TR_NONE when not translated) */
    char *why;           /* where text is NULL: why there is none (owned) */
} pc_suite_text;

typedef struct pc_suites {
    size_t *cases;       /* the suite blocks' indices in the case set */
    size_t ncases;
    size_t ninterps;     /* the registry's length */
    long *at;            /* [suite block * ninterps + interp]: index in texts, or -1 */
    pc_suite_text *missing; /* same shape: where `at` is -1, why (the record a job
                             * without a text points at) */
    pc_suite_text *texts;
    size_t ntexts, cap;
} pc_suites;

/* Read each suite block's module for every selected, supported build. Returns -1 for
 * an unknown module (FILE:LINE) or a harness error. Nothing to do without suite blocks. */
int pc_suites_resolve(pc_suites *s, const pc_caseset *cases, const pc_registry *reg,
                      pc_error *err);
/* Translate every text (pc_translate's options). */
int pc_suites_translate(pc_suites *s, const pc_caseset *cases, const pc_translate_options *o,
                        pc_error *err);
/* Point the plan's suite jobs at their texts, or SKIP them with the reason. */
void pc_suites_apply(const pc_suites *s, const pc_caseset *cases, const pc_registry *reg,
                     pc_plan *plan);
void pc_suites_free(pc_suites *s);

#endif
