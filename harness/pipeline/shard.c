/* shard.c - see shard.h. */
#include "shard.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

uint64_t pc_fnv1a64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* A string and its terminating NUL, so that "ab","c" and "a","bc" differ. */
static uint64_t hash_str(uint64_t h, const char *s)
{
    s = s ? s : "";
    return pc_fnv1a64(h, s, strlen(s) + 1);
}

int pc_shard_parse(const char *opt, const char *text, unsigned *k, unsigned *n, pc_error *err)
{
    unsigned long a = 0, b = 0;
    const char *p = text;
    size_t da = 0, db = 0;
    for (; *p >= '0' && *p <= '9' && da < 7; p++, da++)
        a = a * 10 + (unsigned long)(*p - '0');
    if (*p == '/')
        for (p++; *p >= '0' && *p <= '9' && db < 7; p++, db++)
            b = b * 10 + (unsigned long)(*p - '0');
    if (!da || !db || *p || text[da] != '/')
        return pc_fail(err, "%s: expected K/N (shard K of N, e.g. 2/3), got '%s'", opt, text);
    if (b < 1 || b > PC_SHARD_MAX)
        return pc_fail(err, "%s %s: N must be from 1 to %d", opt, text, PC_SHARD_MAX);
    if (a < 1 || a > b)
        return pc_fail(err, "%s %s: K must be from 1 to N (%lu); shards count from 1", opt, text, b);
    *k = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

void pc_plan_fingerprint(const pc_plan *plan, char *out, size_t size)
{
    uint64_t h = PC_FNV1A64_INIT;
    size_t i;
    char count[32];
    snprintf(count, sizeof count, "%zu", plan->len);
    h = hash_str(h, count);
    for (i = 0; i < plan->len; i++) {
        const pc_job *j = &plan->jobs[i];
        h = hash_str(h, j->kase->file);
        h = hash_str(h, j->kase->name);
        h = hash_str(h, j->interp->name);
        h = hash_str(h, pc_mode_name(j->mode));
        h = hash_str(h, pc_job_text(j));
    }
    snprintf(out, size, "fnv1a64:%016" PRIx64, h);
}

typedef struct unit {
    uint64_t key;
    size_t first, n; /* jobs [first, first + n) of the plan */
} unit;

static int unit_order(const void *pa, const void *pb)
{
    const unit *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1; /* larger units first: the small ones even out */
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first; /* a collision: plan order */
}

int pc_shard_assign(const pc_plan *plan, unsigned n, unsigned *out, pc_error *err)
{
    unit *units = calloc(plan->len + 1, sizeof *units);
    size_t *load = calloc((size_t)n + 1, sizeof *load);
    size_t nunits = 0, i, u;
    if (!units || !load) {
        free(units);
        free(load);
        return pc_oom(err);
    }
    for (i = 0; i < plan->len;) {
        const pc_job *j = &plan->jobs[i];
        uint64_t h = PC_FNV1A64_INIT;
        size_t e = i + 1;
        while (e < plan->len && plan->jobs[e].kase == j->kase && plan->jobs[e].interp == j->interp)
            e++;
        h = hash_str(h, j->kase->file);
        h = hash_str(h, j->kase->name);
        h = hash_str(h, j->interp->name);
        units[nunits].key = h;
        units[nunits].first = i;
        units[nunits].n = e - i;
        nunits++;
        i = e;
    }
    qsort(units, nunits, sizeof *units, unit_order);
    for (u = 0; u < nunits; u++) {
        unsigned s, best = 0;
        for (s = 1; s < n; s++)
            if (load[s] < load[best])
                best = s;
        load[best] += units[u].n;
        for (i = units[u].first; i < units[u].first + units[u].n; i++)
            out[i] = best + 1;
    }
    free(units);
    free(load);
    return 0;
}

int pc_shard_apply(pc_plan *plan, unsigned k, unsigned n, pc_shard *sh, pc_error *err)
{
    unsigned *which;
    unsigned char *keep;
    size_t i;
    memset(sh, 0, sizeof *sh);
    pc_plan_fingerprint(plan, sh->fingerprint, sizeof sh->fingerprint);
    sh->plan_jobs = plan->len;
    if (n == 0)
        return 0;
    if (k < 1 || k > n)
        return pc_fail(err, "--shard %u/%u: K must be from 1 to N", k, n);
    sh->k = k;
    sh->n = n;
    if (!(which = calloc(plan->len + 1, sizeof *which)) ||
        !(sh->plan_index = calloc(plan->len + 1, sizeof *sh->plan_index))) {
        free(which);
        return pc_oom(err);
    }
    if (pc_shard_assign(plan, n, which, err)) {
        free(which);
        return -1;
    }
    if (!(keep = malloc(plan->len + 1))) {
        free(which);
        return pc_oom(err);
    }
    for (i = 0; i < plan->len; i++)
        keep[i] = which[i] == k;
    pc_plan_keep(plan, keep, sh->plan_index);
    free(keep);
    free(which);
    return 0;
}

void pc_shard_free(pc_shard *sh)
{
    free(sh->plan_index);
    memset(sh, 0, sizeof *sh);
}
