/* parse.h - step 1 of the pipeline: case files into case blocks.
 *
 * Format (see cases/000_scope_locals.case): a line `$ NAME` opens a block, Python
 * source follows, a line holding only `=` starts the desugared translation; blocks
 * repeat. Blank lines may precede the first `$`; any other text there is an error, as
 * are two `=` in one block, an empty name, a name used twice (in any file of the set),
 * invalid UTF-8 (or a NUL byte), a CR not followed by LF (old Mac line endings) and a
 * file that cannot be read. Errors read "FILE:LINE: message". Lines may end in LF or
 * CRLF (names and `=` lines are read without the CR; the Python text keeps it); a UTF-8
 * byte order mark at the start of the file is skipped.
 *
 * A block may declare what it needs from a build with a comment line in its source,
 * `# pyconform: requires threads` (words separated by spaces or commas); each word
 * names a capability the registry knows (pc_capability_name: threads, subprocess), and
 * an unknown word is an error "FILE:LINE: unknown requirement 'gpu' (known: ...)". The
 * plan evaluates them against each build (pc_interp_lacks): on a build without one, the
 * block's jobs are SKIP, the reason naming the missing capability.
 *
 * Suite files (a path ending in `.suite`, e.g. suites/cpython-scope.suite) list upstream
 * test modules instead: one module of the interpreter's `test` package per line
 * (`test_scope`; identifiers joined by dots), `#` starts a comment, blank lines are
 * ignored. Each module is one block named "cpython MODULE" (PC_SUITE_PREFIX), with
 * `suite` set to the module and an empty `source`: its text is each build's own
 * module, read per build when the run is planned (suite.h). A line that is not a
 * module name is "FILE:LINE: 'x y' is not a module name ..."; a file listing no
 * module is an error ("FILE:1: empty suite file ..."); a module listed twice is a
 * duplicate case name.
 *
 * Ownership: a pc_caseset owns its cases and all their strings.
 */
#ifndef PC_PARSE_H
#define PC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The most distinct requirements a block can name (more than the known capabilities). */
#define PC_REQUIRES_MAX 8

/* Held once per case block of a run (a corpus may have 100k of them): kept small. */
typedef struct pc_case {
    char *name;
    char *file;         /* path as given; one copy per file, shared by its blocks (the
                         * set's `files` owns it) */
    char *source;       /* text after the `$` line, up to `=` or the next block */
    char *desugared;    /* text after `=`, or NULL when the block has none */
    char *suite;        /* a suite file's block: the test module ("test_scope"), else NULL */
                        /* (both in their file's text store: see pc_case_file) */
    const char **requires; /* capability names, each once, in the order written (static
                            * storage: pc_capability_name); an owned array of nrequires,
                            * NULL when none */
    int line;           /* line of the `$` */
    int source_line;    /* file line of the source's first line */
    int desugared_line; /* file line of the translation's first line */
    unsigned nrequires;
} pc_case;

/* One case file: its path, and its blocks' texts, back to back in a mapping of their
 * own, so that when every block of the file has released them (a run, once the blocks
 * are judged: pc_caseset_release_texts) the memory goes back to the system at once. */
typedef struct pc_case_file {
    char *path;
    char *texts;        /* mmap'd, texts_cap bytes (only the pages written are resident) */
    size_t texts_cap, texts_len;
    size_t live;        /* blocks whose texts are not released */
} pc_case_file;

typedef struct pc_caseset {
    pc_case *items;
    size_t len;
    size_t cap;
    pc_case_file *files; /* the files the blocks come from, each once (owned) */
    size_t nfiles, files_cap;
    /* while parsing: the blocks by name (open addressing, item index + 1; 0 empty), so
     * that a duplicate name is found without comparing every earlier block; items
     * [0, indexed) are in it. Dropped by pc_caseset_fit, rebuilt when parsing resumes. */
    uint32_t *slots;
    size_t nslots, indexed;
} pc_caseset;

/* The name of a suite file's block is this prefix and the module. */
#define PC_SUITE_PREFIX "cpython "

/* True when path names a suite file (ends in ".suite"). */
bool pc_is_suite_file(const char *path);
/* Append the blocks of one file. On error nothing of that file is kept. */
int pc_parse_file(pc_caseset *set, const char *path, pc_error *err);
/* Same, on text already in memory (path is used for messages only). */
int pc_parse_text(pc_caseset *set, const char *path, const char *text, size_t len,
                  pc_error *err);
const pc_case *pc_caseset_find(const pc_caseset *set, const char *name);
/* Release the texts of block c (source and desugared become NULL; again: nothing);
 * its file's texts are unmapped with its last block's. For a run, once every job of
 * the block has ended: nothing reads them again (compare.h, release_texts). */
void pc_caseset_release_texts(pc_caseset *set, size_t c);
/* Give the item array back its unused room (after the last file is parsed, before
 * anything points into it: it may move). */
void pc_caseset_fit(pc_caseset *set);
void pc_caseset_free(pc_caseset *set);

/* Length of the valid UTF-8 prefix of s (NUL is treated as invalid). */
size_t pc_utf8_valid_prefix(const char *s, size_t len);

#endif
