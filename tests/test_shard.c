/* --shard K/N (pipeline/shard.h): parsing, the fingerprint, and the slice: deterministic,
 * disjoint, covering, balanced by job count, both modes of a block on a build together,
 * independent of where the plan's strings live in memory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "shard.h"

Test(shard, parse)
{
    pc_error err;
    unsigned k = 0, n = 0;
    cr_assert_eq(pc_shard_parse("--shard", "2/3", &k, &n, &err), 0);
    cr_assert(k == 2 && n == 3);
    cr_assert_eq(pc_shard_parse("--shard", "1/1", &k, &n, &err), 0);
    cr_assert_neq(pc_shard_parse("--shard", "0/3", &k, &n, &err), 0);
    cr_assert(strstr(err.msg, "K must be from 1 to N"), "%s", err.msg);
    cr_assert_neq(pc_shard_parse("--shard", "4/3", &k, &n, &err), 0);
    cr_assert(strstr(err.msg, "K must be from 1 to N"), "%s", err.msg);
    cr_assert_neq(pc_shard_parse("--shard", "1/0", &k, &n, &err), 0);
    cr_assert(strstr(err.msg, "N must be from 1"), "%s", err.msg);
    {
        static const char *const bad[] = {"x", "", "1", "1/", "/3", "1/3x", "-1/3", "1/-3", " 1/3", "1//3",
                                          "99999999/99999999"};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
            cr_assert_neq(pc_shard_parse("--shard", bad[i], &k, &n, &err), 0, "'%s' accepted", bad[i]);
    }
}

Test(shard, fnv1a64_known_values)
{
    /* the published FNV-1a 64 test vectors: the hash is the same everywhere */
    cr_assert_eq(pc_fnv1a64(PC_FNV1A64_INIT, "", 0), 0xcbf29ce484222325ull);
    cr_assert_eq(pc_fnv1a64(PC_FNV1A64_INIT, "a", 1), 0xaf63dc4c8601ec8cull);
    cr_assert_eq(pc_fnv1a64(PC_FNV1A64_INIT, "foobar", 6), 0x85944171f73967e8ull);
}

/* A plan of `nc` cases x `ni` builds, both modes where the case has a translation
 * (every third case has none), in plan order; strings owned by the fixture. */
typedef struct fake {
    pc_case cases[40];
    pc_interp interps[8];
    char names[48][32];
    pc_plan plan;
} fake;

static void fake_plan(fake *f, size_t nc, size_t ni, const char *prefix)
{
    size_t c, i, m;
    pc_error err;
    memset(f, 0, sizeof *f);
    for (c = 0; c < nc; c++) {
        snprintf(f->names[c], sizeof f->names[c], "%sblock %zu", prefix, c);
        f->cases[c].name = f->names[c];
        f->cases[c].file = c < nc / 2 ? "cases/a.case" : "cases/b.case";
        f->cases[c].source = "def f():\n    return 1\n";
        f->cases[c].desugared = c % 3 ? "def f():\n    return 1\n" : NULL;
    }
    for (i = 0; i < ni; i++) {
        snprintf(f->names[40 + i], sizeof f->names[40 + i], "cpython-3.%zu.0", 8 + i);
        f->interps[i].name = f->names[40 + i];
    }
    for (i = 0; i < ni; i++)
        for (c = 0; c < nc; c++)
            for (m = 0; m < 2; m++) {
                pc_job *j;
                if (m == 1 && !f->cases[c].desugared)
                    continue;
                cr_assert_eq(pc_grow(&f->plan.jobs, &f->plan.cap, f->plan.len + 1, sizeof *f->plan.jobs, &err), 0);
                j = &f->plan.jobs[f->plan.len];
                memset(j, 0, sizeof *j);
                j->id = (uint32_t)f->plan.len++;
                j->kase = &f->cases[c];
                j->interp = &f->interps[i];
                j->mode = (unsigned char)m; /* its text: the case's source or `=` text */
            }
}

Test(shard, slices_are_disjoint_covering_balanced_and_keep_modes_together)
{
    static const unsigned ns[] = {1, 2, 3, 4, 7, 16, 200};
    fake f;
    size_t t, i;
    pc_error err;
    fake_plan(&f, 37, 5, "");
    for (t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        unsigned n = ns[t], *a = calloc(f.plan.len, sizeof *a), *b = calloc(f.plan.len, sizeof *b);
        size_t *count = calloc(n + 1, sizeof *count), lo = SIZE_MAX, hi = 0, s;
        cr_assert(a && b && count);
        cr_assert_eq(pc_shard_assign(&f.plan, n, a, &err), 0);
        cr_assert_eq(pc_shard_assign(&f.plan, n, b, &err), 0);
        cr_assert_eq(memcmp(a, b, f.plan.len * sizeof *a), 0, "not deterministic");
        for (i = 0; i < f.plan.len; i++) {
            cr_assert(a[i] >= 1 && a[i] <= n);
            count[a[i]]++;
            if (i && f.plan.jobs[i].kase == f.plan.jobs[i - 1].kase &&
                f.plan.jobs[i].interp == f.plan.jobs[i - 1].interp)
                cr_assert_eq(a[i], a[i - 1], "job %zu: its two modes in different shards", i);
        }
        for (s = 1; s <= n; s++) {
            lo = count[s] < lo ? count[s] : lo;
            hi = count[s] > hi ? count[s] : hi;
        }
        cr_assert(hi - lo <= 2, "N=%u: shard sizes from %zu to %zu", n, lo, hi);
        if (n <= 4) /* 37 x 5 blocks, a third source-only: enough one-job units */
            cr_assert(hi - lo <= 1, "N=%u: shard sizes from %zu to %zu", n, lo, hi);
        free(a);
        free(b);
        free(count);
    }
    free(f.plan.jobs);
}

Test(shard, apply_keeps_plan_order_and_records_plan_index)
{
    fake f, g;
    pc_shard whole, parts[3];
    pc_error err;
    size_t total, k, i, seen = 0;
    char *covered;
    fake_plan(&f, 11, 3, "");
    total = f.plan.len;
    cr_assert_eq(pc_shard_apply(&f.plan, 0, 0, &whole, &err), 0);
    cr_assert_eq(f.plan.len, total);
    cr_assert_eq(whole.plan_jobs, total);
    cr_assert_eq(strncmp(whole.fingerprint, "fnv1a64:", 8), 0);
    cr_assert_eq(strlen(whole.fingerprint), 24);
    covered = calloc(total, 1);
    for (k = 1; k <= 3; k++) {
        fake_plan(&g, 11, 3, "");
        cr_assert_eq(pc_shard_apply(&g.plan, (unsigned)k, 3, &parts[k - 1], &err), 0);
        cr_assert_str_eq(parts[k - 1].fingerprint, whole.fingerprint, "a shard names the whole plan");
        cr_assert_eq(parts[k - 1].plan_jobs, total);
        for (i = 0; i < g.plan.len; i++) {
            size_t pi = parts[k - 1].plan_index[i];
            cr_assert_eq(g.plan.jobs[i].id, i, "ids renumbered");
            cr_assert(i == 0 || pi > parts[k - 1].plan_index[i - 1], "plan order kept");
            cr_assert_eq(g.plan.jobs[i].kase, f.plan.jobs[pi].kase - f.cases + g.cases);
            cr_assert_eq(g.plan.jobs[i].mode, f.plan.jobs[pi].mode);
            cr_assert_not(covered[pi], "job %zu in two shards", pi);
            covered[pi] = 1;
            seen++;
        }
        free(g.plan.jobs);
        pc_shard_free(&parts[k - 1]);
    }
    cr_assert_eq(seen, total, "every job in one shard");
    free(covered);
    pc_shard_free(&whole);
    free(f.plan.jobs);
}

Test(shard, fingerprint_changes_with_the_plan)
{
    fake f, g;
    char a[32], b[32];
    fake_plan(&f, 5, 2, "");
    fake_plan(&g, 5, 2, "");
    pc_plan_fingerprint(&f.plan, a, sizeof a);
    pc_plan_fingerprint(&g.plan, b, sizeof b);
    cr_assert_str_eq(a, b, "same plan, other memory: same fingerprint");
    g.cases[g.plan.jobs[3].kase - g.cases].source = "def f():\n    return 2\n";
    pc_plan_fingerprint(&g.plan, b, sizeof b);
    cr_assert_str_neq(a, b, "a job's text is in the fingerprint");
    free(g.plan.jobs);
    fake_plan(&g, 5, 2, "renamed ");
    pc_plan_fingerprint(&g.plan, b, sizeof b);
    cr_assert_str_neq(a, b, "block names are in the fingerprint");
    free(f.plan.jobs);
    free(g.plan.jobs);
}
