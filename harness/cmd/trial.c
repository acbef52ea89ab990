/* trial.c - see trial.h. */
#include "trial.h"

#include <stdlib.h>
#include <string.h>

#include "execute.h"
#include "util.h"

int pc_trial_run(pc_trial *t, const pc_trial_config *c, const pc_caseset *cases,
                 const pc_expectations *ex, const pc_registry *reg, unsigned modes,
                 pc_error *err)
{
    const pc_options *o = c->o;
    pc_judge judge = {0};
    char stopped[64];
    int rc = -1;
    memset(t, 0, sizeof *t);
    if (modes & PC_MODES_DESUGARED) {
        const char *ext = c->desugarer ? c->desugarer : o->desugarer;
        pc_translate_options to = pc_cmd_translate_options(o, c->p, ext, o->timeout, c->stop_fd);
        int trc;
        if (!(t->translations = calloc(cases->len + 1, sizeof *t->translations)))
            return pc_oom(err);
        t->ntranslations = cases->len;
        trc = pc_translate(cases, &to, t->translations, err);
        if (trc) {
            if ((t->interrupted = pc_cmd_pending_signal(c->stop_fd)))
                return 0;
            return -1;
        }
    }
    if (pc_plan_build(&t->plan, cases, reg, modes, t->translations, err) ||
        pc_judge_init(&judge, cases, &t->plan, ex, &t->cmp, NULL, NULL, err))
        goto out;
    if (t->plan.len) {
        pc_exec_options eo = pc_cmd_exec_options(o, c->p, c->stop_fd);
        if (pc_execute(&t->plan, &eo, pc_judge_job, &judge, &t->interrupted, err))
            goto out;
    }
    if (t->interrupted)
        pc_judge_signal_reason(t->interrupted, stopped, sizeof stopped);
    if (pc_judge_finish(&judge, t->interrupted ? stopped : NULL, err))
        goto out;
    rc = 0;
out:
    pc_judge_free(&judge);
    return rc;
}

void pc_trial_free(pc_trial *t)
{
    pc_comparison_free(&t->cmp);
    pc_plan_free(&t->plan);
    if (t->translations)
        pc_translations_free(t->translations, t->ntranslations);
    free(t->translations);
    memset(t, 0, sizeof *t);
}

const pc_row *pc_trial_row(const pc_trial *t, const pc_case *kase, const char *function,
                           const pc_interp *in, pc_mode mode)
{
    size_t i;
    for (i = 0; i < t->cmp.len; i++) {
        const pc_row *r = &t->cmp.rows[i];
        const pc_job *j = pc_row_job(&t->cmp, r);
        if (j->kase == kase && j->interp == in && j->mode == mode && strcmp(r->function, function) == 0)
            return r;
    }
    return NULL;
}

char *pc_trial_observation_text(const pc_trial *t, const pc_row *row, bool *oom)
{
    pc_buf b = {0};
    pc_error err;
    *oom = false;
    if (!row || !row->observation)
        return NULL;
    if (pc_intern_copy(&t->cmp.observations, row->observation, &b, &err)) {
        *oom = true;
        pc_buf_free(&b);
        return NULL;
    }
    if (!b.data && !(b.data = strdup(""))) /* an empty text (never, but owned either way) */
        *oom = true;
    return b.data;
}

const pc_translation *pc_trial_translation(const pc_trial *t, size_t case_index)
{
    return t->translations && case_index < t->ntranslations ? &t->translations[case_index]
                                                             : NULL;
}
