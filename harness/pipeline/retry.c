/* retry.c - see retry.h. */
#include "retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct pc_retry_held {
    size_t row;          /* index in the comparison's rows */
    json_t *expected;    /* what the first attempt was judged against (a reference), or NULL */
    pc_attempt *attempts;
    size_t n, cap;
    bool settled;        /* an attempt differed from the first: FLAKY */
};

static void held_free(pc_retry_held *h)
{
    size_t i;
    for (i = 0; i < h->n; i++)
        free(h->attempts[i].detail);
    free(h->attempts);
    json_decref(h->expected);
    memset(h, 0, sizeof *h);
}

static int add_attempt(pc_retry_held *h, unsigned char verdict, uint32_t observation,
                       float seconds, const char *detail, pc_error *err)
{
    pc_attempt *a;
    if (pc_grow(&h->attempts, &h->cap, h->n + 1, sizeof *h->attempts, err))
        return -1;
    a = &h->attempts[h->n];
    memset(a, 0, sizeof *a);
    a->verdict = verdict;
    a->observation = observation;
    a->seconds = seconds;
    if (detail && !(a->detail = pc_strdup(detail, err)))
        return -1;
    h->n++;
    return 0;
}

int pc_retry_init(pc_retry *r, pc_judge *judge, pc_row_sink sink, pc_attempts_sink flush,
                  void *ctx, pc_error *err)
{
    memset(r, 0, sizeof *r);
    r->judge = judge;
    r->sink = sink;
    r->flush = flush;
    r->sink_ctx = ctx;
    r->holding = true;
    if (!(r->keep = calloc(judge->cases->len + 1, 1)))
        return pc_oom(err);
    judge->sink = pc_retry_row;
    judge->sink_ctx = r;
    judge->keep_texts = r->keep;
    return 0;
}

int pc_retry_row(void *ctx, const pc_comparison *cmp, const pc_row *row, json_t *expected,
                 pc_error *err)
{
    pc_retry *r = ctx;
    pc_retry_held *h;
    /* as expected, or not run (nothing to attempt again): straight on */
    if (!r->holding || pc_verdict_get((pc_verdict)row->verdict)->expected ||
        row->verdict == PC_NOT_RUN)
        return r->sink ? r->sink(r->sink_ctx, cmp, row, expected, err) : 0;
    if (pc_grow(&r->held, &r->held_cap, r->nheld + 1, sizeof *r->held, err))
        return -1;
    h = &r->held[r->nheld++];
    memset(h, 0, sizeof *h);
    h->row = (size_t)(row - cmp->rows);
    h->expected = json_incref(expected);
    r->keep[pc_row_case(cmp, row) - r->judge->cases->items] = 1; /* its jobs may be sent again */
    return add_attempt(h, row->verdict, row->observation, row->seconds, row->detail, err);
}

/* A retried row found by its job in the run's plan and its function. */
typedef struct row_key {
    size_t job;
    const char *function;
    size_t row; /* index in the round's comparison */
} row_key;

static int key_cmp(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->job != y->job)
        return x->job < y->job ? -1 : 1;
    return strcmp(x->function, y->function);
}

/* Jobs i and k run the same block on the same build (the two modes). */
static bool same_block(const pc_job *i, const pc_job *k)
{
    return i->kase == k->kase && i->interp == k->interp;
}

/* One round: the unsettled rows' jobs again, judged; each such row gets its attempt.
 * *unsettled: how many were retried (0: nothing left to do). */
static int round_run(pc_retry *r, int round, int rounds, const pc_exec_options *eo, FILE *progress,
                     int *interrupted, size_t *unsettled, pc_error *err)
{
    const pc_plan *plan = r->judge->plan;
    pc_comparison *cmp = r->judge->cmp;
    unsigned char *keep = calloc(plan->len + 1, 1);
    size_t *index = calloc(plan->len + 1, sizeof *index), i;
    pc_plan sub = {0};
    pc_comparison rcmp = {0};
    pc_judge rj = {0};
    row_key *keys = NULL;
    pc_buf text = {0};
    char stopped[64];
    int rc = -1;

    *unsettled = 0;
    if (!keep || !index) {
        pc_oom(err);
        goto out;
    }
    for (i = 0; i < r->nheld; i++) {
        size_t j;
        if (r->held[i].settled)
            continue;
        j = cmp->rows[r->held[i].row].job;
        (*unsettled)++;
        keep[j] = 1;
        /* a desugared row is judged against the source run: the block's other mode on
         * the same build runs again too (plan order puts it beside) */
        if (j > 0 && same_block(&plan->jobs[j - 1], &plan->jobs[j]))
            keep[j - 1] = 1;
        if (j + 1 < plan->len && same_block(&plan->jobs[j + 1], &plan->jobs[j]))
            keep[j + 1] = 1;
    }
    if (!*unsettled) {
        rc = 0;
        goto out;
    }
    if (!(sub.jobs = malloc(plan->len * sizeof *sub.jobs))) {
        pc_oom(err);
        goto out;
    }
    memcpy(sub.jobs, plan->jobs, plan->len * sizeof *sub.jobs);
    sub.len = sub.cap = plan->len;
    pc_plan_keep(&sub, keep, index);
    if (progress) {
        fprintf(progress, "retry %d of %d: %zu job%s again for %zu unexpected result%s\n", round,
                rounds, sub.len, sub.len == 1 ? "" : "s", *unsettled, *unsettled == 1 ? "" : "s");
        fflush(progress);
    }
    if (pc_judge_init(&rj, r->judge->cases, &sub, r->judge->ex, &rcmp, NULL, NULL, err))
        goto out;
    rj.select = r->judge->select;
    if (pc_execute(&sub, eo, pc_judge_job, &rj, interrupted, err))
        goto out;
    if (*interrupted)
        pc_judge_signal_reason(*interrupted, stopped, sizeof stopped);
    if (pc_judge_finish(&rj, *interrupted ? stopped : NULL, err))
        goto out;
    r->rounds_run++;
    r->jobs_rerun += sub.len;

    /* each unsettled row's attempt: the row of its job and function in this round */
    if (!(keys = malloc((rcmp.len + 1) * sizeof *keys))) {
        pc_oom(err);
        goto out;
    }
    for (i = 0; i < rcmp.len; i++) {
        keys[i].job = index[rcmp.rows[i].job];
        keys[i].function = rcmp.rows[i].function;
        keys[i].row = i;
    }
    qsort(keys, rcmp.len, sizeof *keys, key_cmp);
    for (i = 0; i < r->nheld; i++) {
        pc_retry_held *h = &r->held[i];
        const pc_row *row = &cmp->rows[h->row];
        row_key want = {row->job, row->function, 0};
        const row_key *k;
        const pc_row *rr;
        const pc_attempt *last;
        uint32_t obs = 0;
        if (h->settled)
            continue;
        k = rcmp.len ? bsearch(&want, keys, rcmp.len, sizeof *keys, key_cmp) : NULL;
        rr = k ? &rcmp.rows[k->row] : NULL;
        if (rr && rr->verdict == PC_NOT_RUN)
            continue; /* the round was stopped before it: not an attempt */
        if (!rr) {
            /* the block no longer defined it on any of its jobs: a change */
            if (add_attempt(h, PC_ERROR, 0, 0.0f,
                            "no result for this function in this attempt", err))
                goto out;
        } else {
            if (rr->observation) {
                /* into the run's store, where the report's observation indices point */
                pc_buf_clear(&text);
                if (pc_intern_copy(&rcmp.observations, rr->observation, &text, err) ||
                    !(obs = pc_intern_add(&cmp->observations, text.data ? text.data : "",
                                          text.len, err)))
                    goto out;
            }
            if (add_attempt(h, rr->verdict, obs, rr->seconds, rr->detail, err))
                goto out;
        }
        last = &h->attempts[h->n - 1];
        if (last->verdict != h->attempts[0].verdict || last->observation != h->attempts[0].observation)
            h->settled = true;
    }
    rc = 0;
out:
    pc_buf_free(&text);
    free(keys);
    pc_judge_free(&rj);
    pc_comparison_free(&rcmp);
    pc_plan_free(&sub);
    free(keep);
    free(index);
    return rc;
}

int pc_retry_run(pc_retry *r, int rounds, const pc_exec_options *eo, FILE *progress,
                 int *interrupted, pc_error *err)
{
    int round;
    *interrupted = 0;
    for (round = 1; round <= rounds && !*interrupted; round++) {
        size_t unsettled;
        if (round_run(r, round, rounds, eo, progress, interrupted, &unsettled, err))
            return -1;
        if (!unsettled)
            break;
    }
    return 0;
}

int pc_retry_flush(pc_retry *r, bool allow_flaky, pc_error *err)
{
    pc_comparison *cmp = r->judge->cmp;
    pc_buf b = {0};
    size_t i, k;
    r->holding = false;
    for (i = 0; i < r->nheld; i++) {
        pc_retry_held *h = &r->held[i];
        pc_row *row = &cmp->rows[h->row];
        if (h->settled) {
            /* held rows are unexpected; FLAKY is too, unless allowed */
            cmp->counts[row->verdict]--;
            cmp->counts[PC_FLAKY]++;
            if (allow_flaky && cmp->unexpected)
                cmp->unexpected--;
            row->verdict = PC_FLAKY;
            pc_buf_clear(&b);
            if (pc_buf_appendf(&b, err, "changed between attempts:"))
                goto fail;
            for (k = 0; k < h->n; k++)
                if (pc_buf_appendf(&b, err, "%s %s", k ? "," : "",
                                   pc_verdict_name((pc_verdict)h->attempts[k].verdict)))
                    goto fail;
            if (h->attempts[0].detail &&
                pc_buf_appendf(&b, err, "; first attempt: %s", h->attempts[0].detail))
                goto fail;
            free(row->detail);
            row->detail = b.data;
            memset(&b, 0, sizeof b);
        }
        /* one attempt (no retry ran): written as without --retries */
        if (r->flush(r->sink_ctx, cmp, row, h->expected, h->n > 1 ? h->attempts : NULL,
                     h->n > 1 ? h->n : 0, err))
            goto fail;
    }
    return 0;
fail:
    pc_buf_free(&b);
    return -1;
}

void pc_retry_free(pc_retry *r)
{
    size_t i;
    for (i = 0; i < r->nheld; i++)
        held_free(&r->held[i]);
    free(r->held);
    free(r->keep);
    memset(r, 0, sizeof *r);
}
