/* plan.c - see plan.h. */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *pc_mode_name(pc_mode m)
{
    return m == PC_MODE_DESUGARED ? "desugared" : "source";
}

int pc_plan_build(pc_plan *plan, const pc_caseset *cases, const pc_registry *reg, unsigned modes,
                  const pc_translation *tr, pc_error *err)
{
    size_t i, c;
    for (i = 0; i < reg->len; i++) {
        const pc_interp *in = &reg->items[i];
        if (!in->selected || (!in->supported && !in->broken))
            continue;
        for (c = 0; c < cases->len; c++) {
            const pc_case *k = &cases->items[c];
            int m;
            for (m = 0; m < PC_MODE_COUNT; m++) {
                const pc_translation *t = tr ? &tr[c] : NULL;
                const char *text = k->suite ? "" /* per build: pc_suites_apply */
                                   : m == PC_MODE_SOURCE ? k->source : t ? t->text : k->desugared;
                bool failed = m == PC_MODE_DESUGARED && t && t->failure;
                pc_job *j;
                size_t r;
                if (!(modes & (1u << m)) || (!text && !failed))
                    continue;
                if (pc_grow(&plan->jobs, &plan->cap, plan->len + 1, sizeof *plan->jobs, err))
                    return -1;
                j = &plan->jobs[plan->len];
                j->id = plan->len;
                j->kase = k;
                j->interp = in;
                j->mode = (pc_mode)m;
                j->text = text ? text : "";
                j->translation = m == PC_MODE_DESUGARED && !k->suite ? t : NULL;
                j->suite_path = NULL;
                j->text_line = m == PC_MODE_SOURCE ? k->source_line : k->desugared_line;
                /* a broken build: nothing is known about it, so nothing is skipped */
                j->error = in->broken ? in->problem : NULL;
                j->skip = j->skip_why = NULL;
                for (r = 0; !j->error && !j->skip && r < k->nrequires; r++) {
                    if ((j->skip_why = pc_interp_lacks(in, k->requires[r])))
                        j->skip = k->requires[r];
                }
                plan->len++;
            }
        }
    }
    /* a job is held per case x build x mode for the whole run: no room left unused */
    if (plan->len && plan->len < plan->cap) {
        pc_job *p = realloc(plan->jobs, plan->len * sizeof *p);
        if (p) {
            plan->jobs = p;
            plan->cap = plan->len;
        }
    }
    return 0;
}

double pc_job_timeout(const pc_job *j, double timeout)
{
    return j->kase->suite ? timeout * PC_SUITE_TIMEOUT_FACTOR : timeout;
}

bool pc_job_skip_reason(const pc_job *j, char *buf, size_t size)
{
    if (!j->skip)
        return false;
    if (j->kase->suite) {
        snprintf(buf, size, "%s", j->skip_why);
        return true;
    }
    snprintf(buf, size, "requires %s; %s %s", j->skip, j->interp->name, j->skip_why);
    return true;
}

void pc_plan_keep(pc_plan *plan, const unsigned char *keep, size_t *index)
{
    size_t i, kept = 0;
    for (i = 0; i < plan->len; i++) {
        if (!keep[i])
            continue;
        if (index)
            index[kept] = i;
        plan->jobs[kept] = plan->jobs[i];
        plan->jobs[kept].id = kept;
        kept++;
    }
    plan->len = kept;
}

void pc_plan_free(pc_plan *plan)
{
    free(plan->jobs);
    memset(plan, 0, sizeof *plan);
}
