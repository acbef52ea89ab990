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

/* Label every maximal run of group g within a build class, e.g. "cpython 3.8-3.10". */
static int label_group(const member *ms, const pc_interp **ins, size_t n, int g, pc_buf *label,
                       json_t *names, pc_error *err)
{
    size_t start = 0, i;
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
            while (last + 1 < end && ms[last + 1].group == g)
                last++;
            pc_builds_label(ins + start, end - start, i - start, last - start, lab, sizeof lab);
            if (pc_buf_appendf(label, err, "%s%s", label->len ? " | " : "", lab))
                return -1;
            for (; i <= last; i++)
                if (json_array_append_new(names, pc_json_textz(ms[i].interp->name)))
                    return pc_oom(err);
            i = last;
        }
        start = end;
    }
    return 0;
}

/* The entry of one case function and mode from its members (n > 0, grouped). */
static json_t *entry_json(const pc_row *first, pc_mode mode, member *ms, const pc_interp **ins,
                          size_t n, int ngroups, pc_error *err)
{
    json_t *groups = json_array(), *entry;
    size_t i;
    int g;
    if (!groups) {
        pc_oom(err);
        return NULL;
    }
    qsort(ms, n, sizeof *ms, member_order);
    for (i = 0; i < n; i++)
        ins[i] = ms[i].interp;
    for (g = 0; g < ngroups; g++) {
        pc_buf label = {0};
        json_t *names = json_array(), *gobj;
        uint32_t obs = 0;
        if (!names || label_group(ms, ins, n, g, &label, names, err)) {
            if (!names)
                pc_oom(err);
            json_decref(names);
            json_decref(groups);
            pc_buf_free(&label);
            return NULL;
        }
        for (i = 0; i < n; i++)
            if (ms[i].group == g) {
                obs = ms[i].obs;
                break;
            }
        gobj = json_pack("{s:o, s:o, s:I}", "builds", pc_json_textz(label.data ? label.data : ""),
                         "interpreters", names, "observation", (json_int_t)obs);
        pc_buf_free(&label);
        if (!gobj || json_array_append_new(groups, gobj)) {
            json_decref(groups);
            pc_oom(err);
            return NULL;
        }
    }
    entry = json_pack("{s:o, s:o, s:s, s:o}", "case", pc_json_textz(first->kase->name), "function",
                      pc_json_textz(first->function), "mode", pc_mode_name(mode), "groups", groups);
    if (!entry)
        pc_oom(err);
    return entry;
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
        while (end < cmp->len && cmp->rows[end].kase == cmp->rows[r].kase &&
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
            size_t n = 0;
            int ngroups = 0;
            json_t *entry;
            for (i = r; i < end; i++) {
                const pc_row *row = &cmp->rows[i];
                if (row->mode != mode || pc_verdict_get((pc_verdict)row->verdict)->incomplete)
                    continue;
                ms[n].interp = row->interp;
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
            if (!(entry = entry_json(&cmp->rows[r], (pc_mode)mode, ms, ins, n, ngroups, err)))
                goto out;
            k = (size_t)sink(ctx, entry, err);
            json_decref(entry);
            if (k)
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
