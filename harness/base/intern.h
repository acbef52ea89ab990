/* intern.h - a store of distinct texts: each is kept once and named by a small id.
 *
 * The run keeps every observation this way (as compact JSON text with sorted keys), so
 * memory holds each distinct observation once however many builds saw it, and two
 * observations are equal exactly when their ids (or text pointers) are.
 *
 * Ids count from 1 in the order texts were first added; 0 means "no text". A text's
 * pointer stays valid, and its bytes unchanged, until pc_intern_free.
 *
 * Spill mode (pc_intern_spill, before the first add) keeps the texts in a file instead:
 * each new text is appended to it, and memory holds only its hash, offset and length
 * (about 20 bytes a text, whatever its size). Lookups stay exact (a hash match is
 * confirmed against the file). pc_intern_text then gives NULL: read a text with
 * pc_intern_copy or pc_intern_load. The run's observations use it, so a run's memory
 * does not grow with the size of what it observed.
 */
#ifndef PC_INTERN_H
#define PC_INTERN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

typedef struct pc_intern {
    char **texts;     /* texts[id - 1], NUL-terminated, in `chunks` (NULL in spill mode) */
    char **chunks;    /* where the texts are, back to back (never moved: a text's
                       * pointer is stable); a run interns 100k short names, and one
                       * allocation each would cost more than the names */
    size_t nchunks, chunks_cap;
    char *chunk_next;  /* the free end of the last chunk, chunk_left bytes */
    size_t chunk_left;
    uint32_t *hashes; /* hashes[id - 1] (32 bits: a match is confirmed anyway) */
    uint64_t *offsets; /* spill mode: where text id starts in the file; the texts are
                        * back to back, so its length is where the next one starts (or
                        * the file's size, `bytes`) minus that */
    int spill_fd;     /* spill mode: the file (owned by the caller), else 0 and unused */
    int spilling;
    size_t len, cap;  /* texts held */
    uint32_t *slots;  /* open addressing: an id, or 0 for an empty slot */
    size_t nslots;    /* a power of two, at least twice len */
    size_t bytes;     /* total text bytes held (spill mode: the file's size) */
} pc_intern;

/* The id of `text` (len bytes, no NUL inside), adding a copy when it is new; 0 only
 * when out of memory (err set). */
uint32_t pc_intern_add(pc_intern *in, const char *text, size_t len, pc_error *err);
/* The id of `text` if it is held, else 0; never adds. */
uint32_t pc_intern_find(const pc_intern *in, const char *text, size_t len);
/* The text of an id, or NULL for 0, an id not given out, or spill mode. */
const char *pc_intern_text(const pc_intern *in, uint32_t id);
/* Spill mode from now on: texts go to fd (a file open for reading and writing, empty,
 * owned by the caller, which must keep it open until pc_intern_free). */
int pc_intern_spill(pc_intern *in, int fd, pc_error *err);
/* Append the text of id (not NUL-terminated by this call) to out. */
int pc_intern_copy(const pc_intern *in, uint32_t id, pc_buf *out, pc_error *err);
void pc_intern_free(pc_intern *in);

/* Do text ida of store a and text idb of store b hold the same bytes? The hashes and
 * lengths decide most answers; equal ones are confirmed byte for byte (read back from
 * a spill file where a store spills). false for an id not given out, or a read error. */
bool pc_intern_same(const pc_intern *a, uint32_t ida, const pc_intern *b, uint32_t idb);

/* JSON values by their canonical text (compact, keys sorted): the id of `value`,
 * added when new (0 when out of memory), and the lookup that never adds (0 when no
 * held text equals it). */
uint32_t pc_intern_json(pc_intern *in, json_t *value, pc_error *err);
uint32_t pc_intern_find_json(const pc_intern *in, json_t *value);
/* The held JSON value of an id, parsed anew (new reference), or NULL. */
json_t *pc_intern_load(const pc_intern *in, uint32_t id);

#endif
