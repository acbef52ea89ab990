/* builds.h - naming builds: the `builds` selectors of expected/ ("cpython 3.8-3.10",
 * "cpython+debug 3.13+", "pypy *", "*"): parsing, matching, printing; and the labels a
 * set of builds gets (bless's entries, the report's groups). */
#ifndef PC_BUILDS_H
#define PC_BUILDS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "registry.h"
#include "version.h"

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
