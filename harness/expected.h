/* expected.h - the expectation store in expected/ (one JSON file per case file).
 *
 *   expected/<case file stem>.json:
 *   {"schema": 1, "case_file": "cases/000_scope_locals.case",
 *    "cases": {"scope locals": {
 *        "function_locals": [
 *          {"builds": "cpython 3.8-3.10", "source": OBSERVATION},
 *          {"builds": "cpython 3.11+", "source": OBSERVATION, "reason": "why it differs"}],
 *        "class_locals": [
 *          {"builds": "cpython 3.8+", "source": OBS, "desugared": OBS,
 *           "divergence": "why the translation differs"}]}}}
 *
 * `builds` selects interpreters: "IMPL[+TRAIT...] RANGE" or "*"; TRAITs are debug, ft,
 * wasm (a build matches only entries naming exactly its traits); RANGE is "3.8-3.10",
 * "3.11+", "3.13.0" or "*", each bound matching on as many fields as it gives. The first
 * matching entry wins. `desugared` + `divergence` record a known divergence of the
 * translation (XFAIL). Ownership: the store owns all JSON it loaded.
 */
#ifndef PC_EXPECTED_H
#define PC_EXPECTED_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "parse.h"
#include "registry.h"

#define PC_EXPECT_SCHEMA 1

typedef struct pc_expect_file {
    char *path;        /* expected/<stem>.json */
    char *case_file;   /* the case file it belongs to */
    json_t *root;      /* the whole document (created empty when the file is missing) */
} pc_expect_file;

typedef struct pc_expectations {
    pc_expect_file *files;
    size_t len;
    size_t cap;
} pc_expectations;

/* Load expected/<stem>.json for every case file in `cases`. A missing file is an empty
 * store; a malformed one is an error naming the file and the offending place. */
int pc_expect_load(pc_expectations *ex, const char *dir, const pc_caseset *cases, pc_error *err);
/* The expectation file of a case file (borrowed), or NULL. */
pc_expect_file *pc_expect_file_for(const pc_expectations *ex, const char *case_file);
/* {function: entries} of one case block (borrowed), or NULL. */
json_t *pc_expect_case(const pc_expectations *ex, const pc_case *kase);
/* The entries of one function (a JSON array, borrowed), or NULL. */
json_t *pc_expect_entries(const pc_expectations *ex, const pc_case *kase, const char *function);
/* The first entry matching the interpreter (borrowed), or NULL. */
json_t *pc_expect_find(const pc_expectations *ex, const pc_case *kase, const char *function,
                       const pc_interp *in);
void pc_expect_free(pc_expectations *ex);

/* Selectors. A build matches an entry naming exactly its class (implementation and
 * traits); a build with traits whose class has no matching entry falls back to the
 * entries of its plain implementation (a debug or wasm CPython is expected to behave
 * like CPython unless expected/ says otherwise). */
bool pc_builds_match(const char *builds, const pc_interp *in);
/* Match on the version range and the implementation alone, ignoring traits. */
bool pc_builds_match_plain(const char *builds, const pc_interp *in);
/* Order builds by class, then version (the order labels are computed in). */
int pc_builds_cmp(const pc_interp *a, const pc_interp *b);
/* The class part of a selector for a build: "cpython", "cpython+debug". */
void pc_builds_class(const pc_interp *in, char *out, size_t size);
/* Label members[first..last] of one class (sorted by version), bounded so that it does
 * not cover the neighbours: "cpython 3.8-3.10", "cpython 3.13.0", "cpython 3.13.1+". */
void pc_builds_label(const pc_interp *const *members, size_t n, size_t first, size_t last,
                     char *out, size_t size);

#endif
