/* shard.h - `--shard K/N`: a deterministic slice of the plan, and the plan's fingerprint.
 *
 * A shard is chosen from the whole plan (every selected build x case block x mode, as
 * pc_plan_build makes it), so every machine that plans the same jobs takes the same
 * slice:
 *   - the unit is one case block on one build: both modes stay together (the desugared
 *     run is judged against the source run on the same build, compare.h);
 *   - each unit's key is FNV-1a 64 of "case file / block name / build name" (bytes, no
 *     pointers, no randomness), so the order does not depend on the machine;
 *   - units are dealt, two-job units first, then one-job units, each group in key order,
 *     to the shard with the fewest jobs so far (the lowest K on a tie). Every shard gets
 *     within two jobs (one unit) of every other: within one job when there are enough
 *     one-job units (source-only blocks), exactly equal when all units are alike and N
 *     divides their number.
 * K counts from 1. The kept jobs keep plan order and are renumbered (ids 0..M-1, as the
 * rest of the pipeline expects); plan_index maps each back to its index in the whole
 * plan, which the report records so that `pyconform merge` can rebuild the whole.
 *
 * The fingerprint names the whole plan: FNV-1a 64 over every job's case file, block
 * name, build name, mode and text (NUL-separated, in plan order), printed as
 * "fnv1a64:" and 16 hex digits. Shards of one plan have equal fingerprints; `merge`
 * refuses shards whose fingerprints differ.
 */
#ifndef PC_SHARD_H
#define PC_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "plan.h"

#define PC_SHARD_MAX 100000

typedef struct pc_shard {
    unsigned k, n;         /* K of N (1-based); n == 0: the whole plan */
    char fingerprint[32];  /* "fnv1a64:0123456789abcdef" of the whole plan */
    size_t plan_jobs;      /* jobs in the whole plan */
    size_t *plan_index;    /* owned: per kept job, its index in the whole plan (NULL: n == 0) */
} pc_shard;

/* "K/N" with 1 <= K <= N <= PC_SHARD_MAX; anything else is an error naming `opt`. */
int pc_shard_parse(const char *opt, const char *text, unsigned *k, unsigned *n, pc_error *err);
/* FNV-1a 64 of len bytes, continuing from h (start with PC_FNV1A64_INIT). */
#define PC_FNV1A64_INIT 0xcbf29ce484222325ull
uint64_t pc_fnv1a64(uint64_t h, const void *data, size_t len);
/* The fingerprint of a (whole) plan into out ("fnv1a64:" + 16 hex digits). */
void pc_plan_fingerprint(const pc_plan *plan, char *out, size_t size);
/* Fill sh from the whole plan (its fingerprint and size); then, when n > 0, keep only
 * shard k of n in `plan` (compacted in place, ids renumbered) and record plan_index. */
int pc_shard_apply(pc_plan *plan, unsigned k, unsigned n, pc_shard *sh, pc_error *err);
/* Which shard (1..n) the job at `index` of the whole plan goes to: into `out`, one
 * entry per job of the plan (pc_shard_apply uses it; tests check the balance). */
int pc_shard_assign(const pc_plan *plan, unsigned n, unsigned *out, pc_error *err);
void pc_shard_free(pc_shard *sh);

#endif
