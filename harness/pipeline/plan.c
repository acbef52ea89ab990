/* plan.c - see plan.h. */
#include "plan.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
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
                if (plan->len >= UINT32_MAX)
                    return pc_fail(err, "more than %u jobs", (unsigned)UINT32_MAX);
                j->id = (uint32_t)plan->len;
                j->kase = k;
                j->interp = in;
                j->mode = (unsigned char)m;
                j->translation = m == PC_MODE_DESUGARED && !k->suite ? t : NULL;
                j->suite = NULL; /* pc_suites_apply sets it for suite blocks */
                j->skip = 0;
                /* a broken build: nothing is known about it, so nothing is skipped */
                for (r = 0; !in->broken && !j->skip && r < k->nrequires && r < UCHAR_MAX; r++)
                    if (pc_interp_lacks(in, k->requires[r]))
                        j->skip = (unsigned char)(r + 1);
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

const char *pc_job_text(const pc_job *j)
{
    const char *text = j->suite ? (!j->suite->text                 ? NULL
                                   : j->mode == PC_MODE_SOURCE   ? j->suite->text
                                                                 : j->suite->tr.text)
                       : j->mode == PC_MODE_SOURCE ? j->kase->source
                       : j->translation          ? j->translation->text
                                                 : j->kase->desugared;
    return text ? text : "";
}

int pc_job_text_line(const pc_job *j)
{
    if (j->suite)
        return 1; /* a module file */
    return j->mode == PC_MODE_SOURCE ? j->kase->source_line : j->kase->desugared_line;
}

const char *pc_job_error(const pc_job *j)
{
    return j->interp->broken ? j->interp->problem : NULL;
}

const char *pc_job_skip(const pc_job *j)
{
    return !j->skip                       ? NULL
           : j->skip == PC_JOB_SKIP_SUITE ? "suite"
                                          : j->kase->requires[j->skip - 1];
}

double pc_job_timeout(const pc_job *j, double timeout)
{
    return j->kase->suite ? timeout * PC_SUITE_TIMEOUT_FACTOR : timeout;
}

bool pc_job_skip_reason(const pc_job *j, char *buf, size_t size)
{
    const char *req = pc_job_skip(j);
    if (!req)
        return false;
    if (j->skip == PC_JOB_SKIP_SUITE) {
        snprintf(buf, size, "%s", j->suite && j->suite->why ? j->suite->why : "no text for this build");
        return true;
    }
    snprintf(buf, size, "requires %s; %s %s", req, j->interp->name, pc_interp_lacks(j->interp, req));
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
        plan->jobs[kept].id = (uint32_t)kept;
        kept++;
    }
    plan->len = kept;
}

void pc_plan_free(pc_plan *plan)
{
    free(plan->jobs);
    memset(plan, 0, sizeof *plan);
}
