/* groups.c - see groups.h. */
#include "groups.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct member {
    const pc_interp *interp;
    uint32_t obs;
    int group;
} member;

static int member_order(const void *a, const void *b)
{
    return pc_builds_cmp(((const member *)a)->interp, ((const member *)b)->interp);
}

/* Label every maximal run of group g within a build class, e.g. "cpython 3.8-3.10",
 * and list its interpreters, into *out. */
static int label_group(const member *ms, const pc_interp **ins, size_t n, int g, pc_group *out,
                       pc_error *err)
{
    pc_buf label = {0};
    size_t start = 0, i;
    if (!(out->interps = calloc(n, sizeof *out->interps)))
        return pc_oom(err);
    while (start < n) {
        /* the class segment [start, end): one class string */
        size_t end = start + 1;
        while (end < n) {
            char a[128], b[128];
            pc_builds_class(ins[start], a, sizeof a);
            pc_builds_class(ins[end], b, sizeof b);
            if (strcmp(a, b) != 0)
                break;
            end++;
        }
        for (i = start; i < end; i++) {
            size_t last = i;
            char lab[256];
            if (ms[i].group != g)
                continue;
            out->observation = ms[i].obs;
            while (last + 1 < end && ms[last + 1].group == g)
                last++;
            pc_builds_label(ins + start, end - start, i - start, last - start, lab, sizeof lab);
            if (pc_buf_appendf(&label, err, "%s%s", label.len ? " | " : "", lab)) {
                pc_buf_free(&label);
                return -1;
            }
            for (; i <= last; i++)
                out->interps[out->n++] = ms[i].interp;
            i = last;
        }
        start = end;
    }
    if (!label.data && pc_buf_append(&label, "", 0, err))
        return -1;
    out->builds = label.data; /* taken */
    return 0;
}

static void set_clear(pc_group_set *set)
{
    size_t i;
    for (i = 0; i < set->n; i++) {
        free(set->groups[i].builds);
        free(set->groups[i].interps);
    }
    free(set->groups);
    memset(set, 0, sizeof *set);
}

int pc_groups_each(const pc_comparison *cmp, pc_group_sink sink, void *ctx, pc_error *err)
{
    member *ms = NULL;
    const pc_interp **ins = NULL;
    size_t cap = 0, r = 0;
    int rc = -1;
    while (r < cmp->len) {
        size_t end = r, i, k;
        int mode;
        /* rows of one case function: consecutive (compare.h: the row order) */
        while (end < cmp->len && pc_row_case(cmp, &cmp->rows[end]) == pc_row_case(cmp, &cmp->rows[r]) &&
               cmp->rows[end].function == cmp->rows[r].function)
            end++;
        if (end - r > cap) {
            cap = end - r;
            free(ms);
            free(ins);
            ms = calloc(cap, sizeof *ms);
            ins = calloc(cap, sizeof *ins);
            if (!ms || !ins) {
                pc_oom(err);
                goto out;
            }
        }
        for (mode = 0; mode < PC_MODE_COUNT; mode++) {
            pc_group_set set = {pc_row_case(cmp, &cmp->rows[r]), cmp->rows[r].function, (pc_mode)mode, NULL, 0};
            size_t n = 0;
            int ngroups = 0, g, src;
            for (i = r; i < end; i++) {
                const pc_row *row = &cmp->rows[i];
                if ((int)pc_row_mode(cmp, row) != mode || pc_verdict_get((pc_verdict)row->verdict)->incomplete)
                    continue;
                ms[n].interp = pc_row_interp(cmp, row);
                ms[n].obs = row->observation;
                ms[n].group = -1;
                for (k = 0; k < n && ms[n].group < 0; k++)
                    if (ms[k].obs == ms[n].obs) /* interned: equal ids, equal observations */
                        ms[n].group = ms[k].group;
                if (ms[n].group < 0)
                    ms[n].group = ngroups++;
                n++;
            }
            if (n == 0)
                continue;
            qsort(ms, n, sizeof *ms, member_order);
            for (i = 0; i < n; i++)
                ins[i] = ms[i].interp;
            if (!(set.groups = calloc((size_t)ngroups, sizeof *set.groups))) {
                pc_oom(err);
                goto out;
            }
            for (g = 0; g < ngroups; g++) {
                set.n++;
                if (label_group(ms, ins, n, g, &set.groups[g], err)) {
                    set_clear(&set);
                    goto out;
                }
            }
            src = sink(ctx, &set, err);
            set_clear(&set);
            if (src)
                goto out;
        }
        r = end;
    }
    rc = 0;
out:
    free(ms);
    free(ins);
    return rc;
}
