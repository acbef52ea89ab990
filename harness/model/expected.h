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
 * `builds` selects interpreters: "IMPL[+TRAIT...] RANGE" or "*"; IMPL is an
 * implementation name as the probe reports it (sys.implementation.name: lowercase
 * letters, digits, '_'); TRAITs are debug, ft, wasm, each at most once and in that order
 * (a build matches only entries naming exactly its traits); RANGE is "3.8-3.10",
 * "3.11+", "3.13.0" or "*", each bound matching on as many fields as it gives (a version
 * is 1-3 numeric fields, the third optionally followed by a1/b2/rc1). The first matching
 * entry wins. `desugared` + `divergence` record a known divergence of the translation
 * (XFAIL).
 *
 * Loading checks every file completely before anything runs: the document's shape, each
 * entry's keys (builds: a selector string; source: an observation object or null;
 * desugared: an object or null; reason, divergence: a string or null; nothing else) and
 * every selector (syntax, numeric overflow, a reversed range). Errors read
 * "FILE:LINE: cases["X"]["f"][2]: message", LINE being where that value is in the file.
 * Selectors are parsed once, at load, and matched in their parsed form.
 *
 * Ownership: the store owns all JSON it loaded and the parsed selectors.
 */
#ifndef PC_EXPECTED_H
#define PC_EXPECTED_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"
#include "parse.h"
#include "registry.h"

#define PC_EXPECT_SCHEMA 1

/* Interpreter traits a selector names (PC_TRAIT_*), in their written order. */
#define PC_TRAIT_DEBUG 1u
#define PC_TRAIT_FT 2u
#define PC_TRAIT_WASM 4u

/* A parsed `builds` selector. */
typedef struct pc_selector {
    bool any;          /* "*": every build */
    char impl[48];     /* implementation, e.g. "cpython" */
    unsigned traits;   /* PC_TRAIT_* bits */
    bool has_lo, has_hi;
    pc_version lo, hi; /* bounds, each compared on its own `parts` fields */
} pc_selector;

/* Parse a selector. On error fills err with what is wrong, e.g.
 * `bad "builds" selector "cpython 3.x+": "3.x" is not a version (...)`, and returns -1. */
int pc_selector_parse(const char *text, pc_selector *out, pc_error *err);
/* Does the selector match the build? plain: compare the implementation and the version
 * only, ignoring traits. */
bool pc_selector_match(const pc_selector *sel, const pc_interp *in, bool plain);

/* One parsed selector of a loaded entry (the entry is referenced, so its address stays
 * unique while the store lives). */
typedef struct pc_expect_sel {
    json_t *entry;
    pc_selector sel;
} pc_expect_sel;

typedef struct pc_expect_file {
    char *path;        /* expected/<stem>.json */
    char *case_file;   /* the case file it belongs to */
    json_t *root;      /* the whole document (created empty when the file is missing) */
    pc_expect_sel *sels; /* the selectors of every entry loaded, sorted by entry address */
    size_t nsels;
} pc_expect_file;

typedef struct pc_expectations {
    pc_expect_file *files;
    size_t len;
    size_t cap;
} pc_expectations;

/* Load expected/<stem>.json for every case file in `cases`. A missing file is an empty
 * store; a malformed one (bad JSON, bad shape, a bad selector) is an error
 * "FILE:LINE: message" naming the offending place. */
int pc_expect_load(pc_expectations *ex, const char *dir, const pc_caseset *cases, pc_error *err);
/* The expectation file of a case file (borrowed), or NULL. */
pc_expect_file *pc_expect_file_for(const pc_expectations *ex, const char *case_file);
/* {function: entries} of one case block (borrowed), or NULL. */
json_t *pc_expect_case(const pc_expectations *ex, const pc_case *kase);
/* The entries of one function (a JSON array, borrowed), or NULL. */
json_t *pc_expect_entries(const pc_expectations *ex, const pc_case *kase, const char *function);
/* The first entry matching the interpreter (borrowed), or NULL. Entries loaded from
 * the file match by their parsed selector; entries added since (bless) are parsed on
 * the fly, and one that does not parse matches nothing. */
json_t *pc_expect_find(const pc_expectations *ex, const pc_case *kase, const char *function,
                       const pc_interp *in);
void pc_expect_free(pc_expectations *ex);

/* Stale expectations: recorded for a case block the case file does not define (kind
 * CASE, certain from the case file alone), or for a function that no completed job of
 * the run reported although expected/ says a build that ran defines it (kind FUNCTION;
 * see pc_stale_find in bless.h). */
typedef enum pc_stale_kind { PC_STALE_CASE, PC_STALE_FUNCTION } pc_stale_kind;

typedef struct pc_stale {
    pc_stale_kind kind;
    const char *file;      /* expected/<stem>.json (borrowed from the store) */
    const char *case_file; /* borrowed from the store */
    char *kase;            /* the case block's name */
    char *function;        /* NULL for a stale block recorded without functions */
    char *interp;          /* FUNCTION: a build that ran, expected it, and did not report it */
} pc_stale;

typedef struct pc_stale_list {
    pc_stale *items;
    size_t len;
    size_t cap;
} pc_stale_list;

/* Append the stale case blocks: every case of every loaded file that the file's case
 * file does not define (one item per recorded function). */
int pc_expect_stale_cases(const pc_expectations *ex, const pc_caseset *cases, pc_stale_list *out,
                          pc_error *err);
/* Append one item (strings copied; function and interp may be NULL). */
int pc_stale_add(pc_stale_list *l, pc_stale_kind kind, const pc_expect_file *f, const char *kase,
                 const char *function, const char *interp, pc_error *err);
/* Why it is stale, for people: "no case file defines it", "...". */
void pc_stale_describe(const pc_stale *s, char *out, size_t size);
void pc_stale_list_free(pc_stale_list *l);

/* Selectors as text (parsed on each call; an invalid selector matches nothing). A build
 * matches an entry naming exactly its class (implementation and traits); a build with
 * traits whose class has no matching entry falls back to the entries of its plain
 * implementation (a debug or wasm CPython is expected to behave like CPython unless
 * expected/ says otherwise). */
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
