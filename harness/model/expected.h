/* expected.h - the expectation store in expected/: the one owner of its format. Every
 * other file reads and writes expected/ through the functions below; none of them looks
 * at the JSON of an entry.
 *
 * FOR compare.c (the accessor it calls to judge a row; see "Reading" below):
 *     pc_expect_entry e;
 *     bool found = pc_expect_lookup(ex, job->kase, function, job->interp, &e);
 *     e.source      the expected source observation (JSON null: not defined there)
 *     e.desugared   a recorded divergence's observation, NULL when none is recorded
 *     e.divergence  that divergence's reason (NULL: none written yet)
 *     e.reason      why these builds differ from others (NULL: none)
 *     pc_expect_want(&e, desugared) the observation a job of that mode should make
 *
 * THE FORMAT. expected/<case file stem>.json, one file per case file:
 *   {"schema": 1, "case_file": "000_scope_locals.case",
 *    "cases": {"scope locals": {
 *        "function_locals": [
 *          {"builds": "cpython 3.8-3.10", "source": OBSERVATION},
 *          {"builds": "cpython 3.11+", "source": OBSERVATION, "reason": "why it differs"}],
 *        "class_locals": [
 *          {"builds": "cpython 3.8+", "source": OBS, "desugared": OBS,
 *           "divergence": "why the translation differs"}]}}}
 *
 * A case block maps each function (and "<module>") to its entries, in order. An entry:
 *   builds      a selector (below), which builds the entry is for;
 *   source      the observation a source run makes (docs/protocol.md, "Observations"),
 *               or null: the function is not defined on those builds;
 *   desugared   present only for a known divergence: what the desugared run observes
 *               instead (an object, or null); the run is XFAIL when "divergence" holds
 *               the reason, DIVERGE while it is null (a person has to write one);
 *   divergence  that reason, a string or null;
 *   reason      why these builds behave differently from others (version differences),
 *               a string (or null); `pyconform changes --check` wants one wherever the
 *               builds of a function disagree.
 * No other key is allowed. The first entry whose selector matches the build wins (see
 * pc_builds_match for the fallback of builds with traits).
 *
 * `builds` selects interpreters: "IMPL[+TRAIT...] RANGE" or "*"; IMPL is an
 * implementation name as the probe reports it (sys.implementation.name: lowercase
 * letters, digits, '_'); TRAITs are debug, ft, wasm, each at most once and in that order
 * (a build matches only entries naming exactly its traits); RANGE is "3.8-3.10",
 * "3.11+", "3.13.0" or "*", each bound matching on as many fields as it gives (a version
 * is 1-3 numeric fields, the third optionally followed by a1/b2/rc1). Parsed by
 * pc_selector_parse and printed by pc_selector_format, nowhere else.
 *
 * Loading checks every file completely before anything runs: the document's shape, each
 * entry's keys (builds: a selector string; source: an observation object or null;
 * desugared: an object or null; reason, divergence: a string or null; nothing else) and
 * every selector (syntax, numeric overflow, a reversed range). Errors read
 * "FILE:LINE: cases["X"]["f"][2]: message", LINE being where that value is in the file.
 * Selectors are parsed once, at load, and matched in their parsed form.
 *
 * Saving (pc_expect_save) writes the files changed since loading, each as jansson's
 * 2-space indented, ASCII-escaped dump in insertion order plus a newline; a file whose
 * text would not change is not written. Entries written by pc_expect_set have their keys
 * in the order builds, source, desugared, divergence, reason, and their selector printed
 * by pc_selector_format. So a file loaded and saved unchanged stays byte for byte.
 *
 * Ownership: the store owns all JSON it loaded and the parsed selectors; the views it
 * hands out (pc_expect_entry) borrow from it and stay valid until the next change to
 * that function's entries or pc_expect_free.
 */
#ifndef PC_EXPECTED_H
#define PC_EXPECTED_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

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
/* Print a selector in its canonical form: "*", "cpython 3.8-3.10", "cpython+debug 3.13+",
 * "pypy *", "cpython 3.13.0" (a range whose bounds are equal prints once). Parsing what
 * it prints gives the same selector. */
void pc_selector_format(const pc_selector *sel, char *out, size_t size);
/* Same implementation, traits and bounds (as given, field for field). */
bool pc_selector_equal(const pc_selector *a, const pc_selector *b);
/* Does the selector name exactly the build class of `in` (implementation and traits)?
 * "*" names no class. */
bool pc_selector_is_class(const pc_selector *sel, const pc_interp *in);

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
    bool dirty;        /* changed since loading (pc_expect_save writes it) */
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
/* The raw JSON, for compare.c until it calls pc_expect_lookup, and for the tests and
 * the fuzz target that check the store against it. New code reads through the views
 * below and writes through pc_expect_set and its siblings. */
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

/* ---- reading: what an entry says ------------------------------------------------------ */

/* A view of one entry (borrowed from the store; see "Ownership" above). */
typedef struct pc_expect_entry {
    const char *builds_text; /* the selector as written in the file */
    pc_selector builds;      /* parsed */
    json_t *source;          /* the expected source observation; JSON null: not defined */
    json_t *desugared;       /* a recorded divergence's observation (an object or JSON null);
                              * NULL: no divergence recorded */
    const char *divergence;  /* the divergence's reason; NULL: none written (or none recorded) */
    const char *reason;      /* why these builds differ from others; NULL: none */
} pc_expect_entry;

/* What expected/ says of `function` of case block kase on build `in`: the first entry
 * that matches (pc_expect_find). false (and *out zeroed) when none does. */
bool pc_expect_lookup(const pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_interp *in, pc_expect_entry *out);
/* The observation a job in that mode is expected to make: the recorded divergence's
 * for a desugared job when one is recorded, else the source observation. */
json_t *pc_expect_want(const pc_expect_entry *e, bool desugared);
/* The entries of one function, in order: how many, and the i-th (false past the end). */
size_t pc_expect_count(const pc_expectations *ex, const pc_case *kase, const char *function);
bool pc_expect_get(const pc_expectations *ex, const pc_case *kase, const char *function, size_t i,
                   pc_expect_entry *out);

/* The functions recorded for a case block, in file order:
 *     pc_expect_iter it; const char *fn;
 *     pc_expect_functions(ex, kase, &it);
 *     while ((fn = pc_expect_next(&it)) != NULL) ...
 * Do not change the block's functions while iterating. */
typedef struct pc_expect_iter {
    json_t *block;
    void *at;
} pc_expect_iter;
void pc_expect_functions(const pc_expectations *ex, const pc_case *kase, pc_expect_iter *it);
const char *pc_expect_next(pc_expect_iter *it);

/* ---- writing -------------------------------------------------------------------------- */

/* Set what `function` of kase is expected to do on the builds e->builds selects
 * (written as e->builds_text when that parses to the same selector, else as
 * pc_selector_format prints it): an entry
 * with an equal selector is replaced in place, else the entry is appended. source NULL
 * is written as null; desugared NULL records no divergence (divergence is then
 * ignored), and a NULL divergence is written as null (to be written by a person); reason
 * NULL writes none. The case block and the function are created when missing. */
int pc_expect_set(pc_expectations *ex, const pc_case *kase, const char *function,
                  const pc_expect_entry *e, pc_error *err);
/* Mark (or, desugared NULL, unmark) a divergence on the entry with the selector `builds`:
 * the desugared run observes `desugared`, for `reason` (NULL: null, none written yet).
 * An error when the function has no entry with that selector. */
int pc_expect_mark_divergence(pc_expectations *ex, const pc_case *kase, const char *function,
                              const pc_selector *builds, json_t *desugared, const char *reason,
                              pc_error *err);
/* The entries of `function` become exactly entries[0..n), in that order (n == 0 drops
 * the function). *changed (may be NULL) says whether they differ from before; when
 * they do not, nothing is touched. */
int pc_expect_replace(pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_expect_entry *entries, size_t n, bool *changed, pc_error *err);
/* Drop the entries of `function` whose selector equals `builds` (NULL: every entry);
 * the function goes when none is left. Returns how many entries were dropped. */
size_t pc_expect_drop(pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_selector *builds);
/* Drop the case block `name` recorded in the file of case_file (it need not be a block
 * of the case set: a stale one). false when there is none; *functions (may be NULL)
 * gets how many functions it recorded. */
bool pc_expect_drop_case(pc_expectations *ex, const char *case_file, const char *name,
                         size_t *functions);

/* The text a file is saved as (malloc'd, *len bytes, NUL-terminated). */
char *pc_expect_text(const pc_expect_file *f, size_t *len, pc_error *err);
/* Write every file changed since loading whose text differs from what is on disk,
 * atomically, creating the directory when missing; one line "pyconform: wrote FILE" per
 * file on log (may be NULL); *written (may be NULL) counts them. */
int pc_expect_save(pc_expectations *ex, FILE *log, size_t *written, pc_error *err);

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
/* The same label as a parsed selector (for pc_expect_set); an error when the build's
 * implementation name is not one a selector can hold. */
int pc_builds_label_sel(const pc_interp *const *members, size_t n, size_t first, size_t last,
                        pc_selector *out, pc_error *err);

#endif
