/* expected.h - the expectation store in expected/: the one owner of its format. Every
 * other file reads and writes expected/ through the functions below; none of them looks
 * at the JSON of an entry.
 *
 * FOR compare.c (the accessor it calls to judge a row; see "Reading" below):
 *     pc_expect_entry e;
 *     bool found = pc_expect_lookup(ex, job->kase, function, job->interp, &e);
 *     e.source      the expected source observation, canonical JSON text ("null": not
 *                   defined there); strcmp it with the run's interned text
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
 * Ownership: the store owns everything it holds (compact records and interned texts,
 * below); the views it hands out (pc_expect_entry) borrow its texts, which stay valid
 * until pc_expect_free.
 */
#ifndef PC_EXPECTED_H
#define PC_EXPECTED_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include <stdint.h>

#include "builds.h"
#include "error.h"
#include "intern.h"
#include "parse.h"
#include "registry.h"

#define PC_EXPECT_SCHEMA 1

/* The store. Loading parses a file, checks it, and keeps it compact: per entry a small
 * record of ids (its selector, its observations and its texts); the JSON is dropped.
 * Every distinct text is held once for the whole store, interned (intern.h):
 *   observations  as canonical JSON text (compact, keys sorted: pc_intern_json), so two
 *                 are equal exactly when their texts are; an observation the file writes
 *                 with its keys in another order also keeps that text (to save it so);
 *   selectors     each distinct `builds` text, parsed once;
 *   names, texts  functions, divergence and reason texts; case names per file.
 * What is saved is rebuilt from the records (see "Saving" above). */
typedef struct pc_expect_file {
    char *path;        /* expected/<stem>.json */
    char *case_file;   /* the case file it belongs to */
    bool dirty;        /* changed since loading (pc_expect_save writes it) */
    /* internal (expected.c) */
    json_t *head;                  /* the document without its cases ("cases" is {}) */
    pc_intern names;               /* case block names: id i is blocks[i - 1] */
    struct pc_expect_block *blocks;
    size_t blocks_cap;
    uint32_t *order;               /* the blocks recorded, in file order (name ids) */
    size_t norder, order_cap;
} pc_expect_file;

typedef struct pc_expectations {
    pc_expect_file *files;
    size_t len;
    size_t cap;
    /* internal (expected.c): shared by every file */
    pc_intern obs;      /* observations, canonical text */
    pc_intern written;  /* observations as a file writes them, where that differs */
    pc_intern strs;     /* function names, divergence and reason texts */
    pc_intern sels;     /* `builds` texts; id i is parsed[i - 1] */
    pc_selector *parsed;
    size_t parsed_cap;
    FILE *spill[2];     /* spill mode: the files of obs and written, else NULL */
} pc_expectations;

/* Spill mode, chosen before loading (run uses it): the observation texts are kept in
 * temporary files the store owns (intern.h, spill mode), and memory holds about 30
 * bytes per distinct text instead of the text. A spilling store is read, never written
 * (pc_expect_set and the calls built on it fail; dropping and saving still work), and
 * its views carry no observation texts (source, desugared and their _written forms are
 * NULL): read them by id (source_id, desugared_id; pc_expect_want_id, pc_expect_id_*,
 * pc_expect_want_load), which work in both modes. */
int pc_expect_spill(pc_expectations *ex, pc_error *err);

/* Load expected/<stem>.json for every case file in `cases`. A missing file is an empty
 * store; a malformed one (bad JSON, bad shape, a bad selector) is an error
 * "FILE:LINE: message" naming the offending place. */
int pc_expect_load(pc_expectations *ex, const char *dir, const pc_caseset *cases, pc_error *err);
/* The expectation file of a case file (borrowed), or NULL. */
pc_expect_file *pc_expect_file_for(const pc_expectations *ex, const char *case_file);
void pc_expect_free(pc_expectations *ex);

/* ---- reading: what an entry says ------------------------------------------------------ */

/* A view of one entry. Ownership: every pointer in a view read from the store
 * (pc_expect_lookup, pc_expect_get) borrows a text the store holds, which stays valid,
 * unchanged, until pc_expect_free, whatever changes in between. Observations are texts:
 * canonical JSON (compact, keys sorted, intern.h), equal exactly when the texts are, so
 * compare them with strcmp (a comparison's interned observations are canonical too);
 * "null" means not defined. pc_expect_json parses one when JSON is needed. */
typedef struct pc_expect_entry {
    const char *builds_text; /* the selector as written in the file */
    pc_selector builds;      /* parsed */
    const char *source;      /* the expected source observation; "null": not defined */
    const char *desugared;   /* a recorded divergence's observation (an object or "null");
                              * NULL: no divergence recorded */
    const char *divergence;  /* the divergence's reason; NULL: none written (or none recorded) */
    const char *reason;      /* why these builds differ from others; NULL: none */
    /* The same observations as the file writes them (key order): for showing them to
     * people and for saving. In a view of the store never NULL where the canonical
     * text is not; in an entry given to pc_expect_set NULL means as canonical (a text
     * of another view of this store's, or NULL). */
    const char *source_written;
    const char *desugared_written;
    /* The observations by id in the store (views read from it; ignored by writers):
     * 0 for no desugared, and for a _written form that is the canonical one. Valid in
     * spill mode too, where the texts above are NULL. */
    uint32_t source_id, desugared_id;
    uint32_t source_written_id, desugared_written_id;
} pc_expect_entry;

/* What expected/ says of `function` of case block kase on build `in`: the first entry
 * whose selector matches, trying the build's class first and then its plain
 * implementation (pc_builds_match). false (and *out zeroed) when none does. */
bool pc_expect_lookup(const pc_expectations *ex, const pc_case *kase, const char *function,
                      const pc_interp *in, pc_expect_entry *out);
/* The observation a job in that mode is expected to make (canonical text): the recorded
 * divergence's for a desugared job when one is recorded, else the source observation. */
const char *pc_expect_want(const pc_expect_entry *e, bool desugared);
/* The same as JSON, as the file writes it (new reference; NULL when out of memory). */
json_t *pc_expect_want_json(const pc_expect_entry *e, bool desugared);
/* By id, in both modes (see pc_expect_spill): the id of the observation a job in that
 * mode is expected to make (as pc_expect_want); whether an id is one of a defined
 * function (not 0, not null); whether it is the same text as observation `obs` of
 * another store (a comparison's interned observations, canonical too); and the
 * observation as JSON, as the file writes it (new reference; NULL when out of memory
 * or unreadable). */
uint32_t pc_expect_want_id(const pc_expect_entry *e, bool desugared);
bool pc_expect_id_defined(const pc_expectations *ex, uint32_t id);
bool pc_expect_id_is(const pc_expectations *ex, uint32_t id, const pc_intern *in, uint32_t obs);
json_t *pc_expect_want_load(const pc_expectations *ex, const pc_expect_entry *e, bool desugared);
/* Is an observation text one of a defined function (not NULL, not "null")? */
bool pc_expect_defined(const char *obs);
/* An observation text parsed (new reference), or NULL for NULL (or out of memory). */
json_t *pc_expect_json(const char *obs);
/* The canonical text of an observation (an object or null), held by the store (valid
 * until pc_expect_free): what pc_expect_set and pc_expect_mark_divergence take. NULL
 * with err set when out of memory. */
const char *pc_expect_obs(pc_expectations *ex, json_t *value, pc_error *err);
/* The entries of one function, in order: how many, and the i-th (false past the end). */
size_t pc_expect_count(const pc_expectations *ex, const pc_case *kase, const char *function);
bool pc_expect_get(const pc_expectations *ex, const pc_case *kase, const char *function, size_t i,
                   pc_expect_entry *out);

/* The functions recorded for a case block, in file order:
 *     pc_expect_iter it; const char *fn;
 *     pc_expect_functions(ex, kase, &it);
 *     while ((fn = pc_expect_next(&it)) != NULL) ...
 * Do not change the block's functions while iterating. Names stay valid until
 * pc_expect_free. */
typedef struct pc_expect_iter {
    const struct pc_expect_block *block;
    size_t at;
} pc_expect_iter;
void pc_expect_functions(const pc_expectations *ex, const pc_case *kase, pc_expect_iter *it);
const char *pc_expect_next(pc_expect_iter *it);

/* ---- writing -------------------------------------------------------------------------- */

/* Set what `function` of kase is expected to do on the builds e->builds selects
 * (written as e->builds_text when that parses to the same selector, else as
 * pc_selector_format prints it): an entry
 * with an equal selector is replaced in place, else the entry is appended. Observations
 * are JSON texts (an object or null; canonical ones, as views and a comparison's
 * interned observations hold, are taken as they are, others are parsed and made
 * canonical: an error when they are not JSON of that kind). source NULL is written as
 * null; desugared NULL records no divergence (divergence is then
 * ignored), and a NULL divergence is written as null (to be written by a person); reason
 * NULL writes none. The case block and the function are created when missing. */
int pc_expect_set(pc_expectations *ex, const pc_case *kase, const char *function,
                  const pc_expect_entry *e, pc_error *err);
/* Mark (or, desugared NULL, unmark) a divergence on the entry with the selector `builds`:
 * the desugared run observes `desugared` (an observation text, as for pc_expect_set),
 * for `reason` (NULL: null, none written yet).
 * An error when the function has no entry with that selector. */
int pc_expect_mark_divergence(pc_expectations *ex, const pc_case *kase, const char *function,
                              const pc_selector *builds, const char *desugared, const char *reason,
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

/* The text a file is saved as (malloc'd, *len bytes, NUL-terminated), rebuilt from the
 * store's records. */
char *pc_expect_file_text(const pc_expectations *ex, const pc_expect_file *f, size_t *len,
                          pc_error *err);
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

#endif
