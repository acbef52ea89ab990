/* bless.c - see bless.h. Reads the comparison in one place (read_rows) and records
 * through the expectation store's API (expected.h); it never looks at expected/'s JSON. */
#include "bless.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- what bless reads of the comparison -------------------------------------------- */

/* A build whose source job completed, with what it observed of one function. */
typedef struct fn_member {
    const pc_interp *interp;
    uint32_t source_id; /* the interned observation (compare.h), 0 when absent */
    const char *source;    /* its canonical text (borrowed from the comparison); "null"
                            * when the function was absent */
    const char *desugared; /* NULL unless the desugared run observed something else */
    bool covered;      /* regenerate: a build with traits its plain implementation covers */
} fn_member;

/* One function the run reported for a case block (a row exists for it). */
typedef struct fn_run {
    const char *function;
    bool all_expected; /* every row of it has an expected verdict */
    fn_member *members;
    size_t n, cap;
} fn_run;

/* A build and mode that completed a job of the block (its rows hold an observation:
 * every completed job observes <module>). */
typedef struct done_job {
    const pc_interp *interp;
    pc_mode mode;
} done_job;

typedef struct case_run {
    fn_run *fns;
    size_t nfns, capfns;
    done_job *done;
    size_t ndone, capdone;
} case_run;

static void case_run_free(case_run *cr)
{
    size_t i;
    for (i = 0; i < cr->nfns; i++)
        free(cr->fns[i].members);
    free(cr->fns);
    free(cr->done);
    memset(cr, 0, sizeof *cr);
}

static fn_run *fn_of(case_run *cr, const char *function)
{
    size_t i;
    for (i = 0; i < cr->nfns; i++)
        if (strcmp(cr->fns[i].function, function) == 0)
            return &cr->fns[i];
    return NULL;
}

/* The first row of case block k: rows are grouped by case in case order (compare.h). */
static size_t first_row(const pc_comparison *cmp, const pc_case *k)
{
    size_t lo = 0, hi = cmp->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pc_row_case(cmp, &cmp->rows[mid]) < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The only place bless reads rows: everything it needs of case block k. Within the
 * block, rows are matched by function, build and mode, whatever their order. */
static int read_rows(const pc_comparison *cmp, const pc_case *k, case_run *out, pc_error *err)
{
    size_t start = first_row(cmp, k), i, j;
    int pass;
    memset(out, 0, sizeof *out);
    for (pass = 0; pass < 2; pass++) {
        for (i = start; i < cmp->len && pc_row_case(cmp, &cmp->rows[i]) == k; i++) {
            const pc_row *r = &cmp->rows[i];
            bool incomplete = pc_verdict_get((pc_verdict)r->verdict)->incomplete;
            fn_run *fr;
            fr = fn_of(out, r->function);
            if (pass == 1) {
                /* the desugared run of a member: a divergence when it completed and saw
                 * something else (an absent function there records no divergence);
                 * interned observations are equal exactly when their ids are */
                for (j = 0; pc_row_mode(cmp, r) == PC_MODE_DESUGARED && !incomplete && r->observation && j < fr->n; j++)
                    if (fr->members[j].interp == pc_row_interp(cmp, r) && r->observation != fr->members[j].source_id &&
                        !fr->members[j].desugared)
                        fr->members[j].desugared = pc_intern_text(&cmp->observations, r->observation);
                continue;
            }
            if (!fr) {
                if (pc_grow(&out->fns, &out->capfns, out->nfns + 1, sizeof *out->fns, err))
                    return -1;
                fr = &out->fns[out->nfns++];
                memset(fr, 0, sizeof *fr);
                fr->function = r->function;
                fr->all_expected = true;
            }
            fr->all_expected &= pc_verdict_get((pc_verdict)r->verdict)->expected;
            if (r->observation) {
                for (j = 0; j < out->ndone && (out->done[j].interp != pc_row_interp(cmp, r) || out->done[j].mode != pc_row_mode(cmp, r)); j++)
                    ;
                if (j == out->ndone) {
                    if (pc_grow(&out->done, &out->capdone, out->ndone + 1, sizeof *out->done, err))
                        return -1;
                    out->done[out->ndone].interp = pc_row_interp(cmp, r);
                    out->done[out->ndone++].mode = pc_row_mode(cmp, r);
                }
            }
            /* rows of jobs that did not complete say nothing; a completed job without
             * the function records it as absent (null) */
            if (pc_row_mode(cmp, r) != PC_MODE_SOURCE || incomplete)
                continue;
            if (pc_grow(&fr->members, &fr->cap, fr->n + 1, sizeof *fr->members, err))
                return -1;
            memset(&fr->members[fr->n], 0, sizeof *fr->members);
            fr->members[fr->n].interp = pc_row_interp(cmp, r);
            fr->members[fr->n].source_id = r->observation;
            fr->members[fr->n++].source =
                r->observation ? pc_intern_text(&cmp->observations, r->observation) : "null";
        }
    }
    return 0;
}

/* ---- regenerating a function's entries ---------------------------------------------- */

/* The entries of one function as they are (views into the store). */
typedef struct entries {
    pc_expect_entry *items;
    size_t n, cap;
} entries;

static int entries_add(entries *l, const pc_expect_entry *e, pc_error *err)
{
    if (pc_grow(&l->items, &l->cap, l->n + 1, sizeof *l->items, err))
        return -1;
    l->items[l->n++] = *e;
    return 0;
}

static int entries_read(const pc_expectations *ex, const pc_case *k, const char *function, entries *out,
                        pc_error *err)
{
    size_t i, n = pc_expect_count(ex, k, function);
    memset(out, 0, sizeof *out);
    for (i = 0; i < n; i++) {
        pc_expect_entry e;
        if (pc_expect_get(ex, k, function, i, &e) && entries_add(out, &e, err))
            return -1;
    }
    return 0;
}

/* A reason of the first old entry whose observation equals v: the version reason of an
 * entry of the build's class (`cls`), or the divergence reason of any entry (it is
 * about the translation, whatever the build). */
static const char *carried(const entries *old, const char *v, bool divergence, const pc_interp *cls)
{
    size_t i;
    for (i = 0; i < old->n; i++) {
        const pc_expect_entry *e = &old->items[i];
        if (divergence ? e->divergence && e->desugared && !strcmp(e->desugared, v)
                       : e->reason && pc_selector_is_class(&e->builds, cls) && !strcmp(e->source, v))
            return divergence ? e->divergence : e->reason;
    }
    return NULL;
}

/* The first entry of the plain implementation (no traits) matching this build. */
static const pc_expect_entry *plain_entry(const entries *l, const pc_interp *in)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (pc_selector_match(&l->items[i].builds, in, true))
            return &l->items[i];
    return NULL;
}

/* Observations are canonical texts (compare.h, expected.h): equal when the texts are. */
static bool same_obs(const fn_member *a, const char *source, const char *desugared)
{
    return !strcmp(a->source, source) &&
           (a->desugared ? desugared && !strcmp(a->desugared, desugared) : !desugared);
}

/* Do the plain implementation's entries (new ones first, else the old) give this
 * member's observations? */
static bool plain_covers(const entries *out, const entries *old, const fn_member *m)
{
    const pc_expect_entry *e = plain_entry(out, m->interp);
    if (!e)
        e = plain_entry(old, m->interp);
    return e && same_obs(m, e->source, e->desugared);
}

static int member_order(const void *a, const void *b)
{
    return pc_builds_cmp(((const fn_member *)a)->interp, ((const fn_member *)b)->interp);
}

static bool has_traits(const pc_interp *in)
{
    return in->debug || in->free_threaded || in->wasm;
}

/* Append one entry per run of equal observations among the uncovered members of the
 * class segment ms[start, end); labels are bounded by all the segment's members. */
static int emit_runs(const fn_member *ms, size_t start, size_t end, const entries *old, entries *out,
                     pc_bless_stats *st, pc_error *err)
{
    const pc_interp **ins = calloc(end - start + 1, sizeof *ins);
    size_t i, first;
    int rc = 0;
    if (!ins)
        return pc_oom(err);
    for (i = start; i < end; i++)
        ins[i - start] = ms[i].interp;
    for (first = start; first < end && rc == 0;) {
        size_t last = first;
        pc_expect_entry e;
        if (ms[first].covered) {
            first++;
            continue;
        }
        while (last + 1 < end && !ms[last + 1].covered && same_obs(&ms[last + 1], ms[first].source, ms[first].desugared))
            last++;
        memset(&e, 0, sizeof e);
        if ((rc = pc_builds_label_sel(ins, end - start, first - start, last - start, &e.builds, err)) != 0)
            break;
        e.source = ms[first].source;
        e.desugared = ms[first].desugared;
        if (e.desugared && !(e.divergence = carried(old, e.desugared, true, NULL)))
            st->divergences_without_reason++;
        e.reason = carried(old, e.source, false, ms[first].interp);
        rc = entries_add(out, &e, err);
        first = last + 1;
    }
    free(ins);
    return rc;
}

/* Builds of the registry that the run did not observe for this function (not selected,
 * or their job did not complete) in a class it did observe (`cpython`, `cpython+debug`,
 * ...): regenerating that class over version ranges from the observed builds alone would
 * hand them whatever their neighbours said, or nothing. So each joins as a member with
 * what expected/ says of it now (its lookup), and the regenerated entries keep saying
 * it. Members borrow the store's texts, valid until pc_expect_free. */
static int add_unobserved(fn_run *fr, const pc_expectations *ex, const pc_case *k, const pc_registry *reg,
                          pc_error *err)
{
    size_t observed = fr->n, i, m;
    for (i = 0; reg && i < reg->len; i++) {
        const pc_interp *in = &reg->items[i];
        char cls[128], cls2[128];
        pc_expect_entry e;
        bool member = false, covered = false;
        if (!in->supported || in->broken || in->problem || !in->impl)
            continue;
        pc_builds_class(in, cls, sizeof cls);
        for (m = 0; m < observed && !member; m++) {
            member = !strcmp(fr->members[m].interp->name, in->name);
            pc_builds_class(fr->members[m].interp, cls2, sizeof cls2);
            covered |= !strcmp(cls, cls2);
        }
        if (member || !covered || !pc_expect_lookup(ex, k, fr->function, in, &e))
            continue;
        if (pc_grow(&fr->members, &fr->cap, fr->n + 1, sizeof *fr->members, err))
            return -1;
        memset(&fr->members[fr->n], 0, sizeof *fr->members);
        fr->members[fr->n].interp = in;
        fr->members[fr->n].source = e.source;
        fr->members[fr->n++].desugared = e.desugared;
    }
    return 0;
}

/* The new entries of one function (views borrowing from old and the rows): per class,
 * plain classes first; a build with traits gets entries only where it behaves
 * differently from its plain implementation; then the old entries of classes the run
 * did not cover. */
static int regenerate(fn_run *fr, const entries *old, entries *out, pc_bless_stats *st, pc_error *err)
{
    fn_member *ms = fr->members;
    size_t i, start;
    int pass;
    memset(out, 0, sizeof *out);
    if (fr->n)
        qsort(ms, fr->n, sizeof *ms, member_order);
    for (pass = 0; pass < 2; pass++) {
        for (start = 0; start < fr->n;) {
            char cls[128], cls2[128];
            size_t end = start + 1;
            pc_builds_class(ms[start].interp, cls, sizeof cls);
            while (end < fr->n) {
                pc_builds_class(ms[end].interp, cls2, sizeof cls2);
                if (strcmp(cls, cls2) != 0)
                    break;
                end++;
            }
            if (has_traits(ms[start].interp) == (pass == 1)) {
                for (i = start; pass == 1 && i < end; i++)
                    ms[i].covered = plain_covers(out, old, &ms[i]);
                if (emit_runs(ms, start, end, old, out, st, err))
                    return -1;
            }
            start = end;
        }
    }
    /* keep what the run says nothing about */
    for (i = 0; i < old->n; i++) {
        size_t m;
        for (m = 0; m < fr->n && !pc_selector_is_class(&old->items[i].builds, ms[m].interp); m++)
            ;
        if (m == fr->n && entries_add(out, &old->items[i], err))
            return -1;
    }
    return 0;
}

/* ---- stale expectations ---------------------------------------------------------- */

/* The entry that a completed job contradicts by not reporting the function: the one
 * for its build, when it expects an observation in that job's mode. */
static bool contradicted(const pc_expectations *ex, const pc_case *k, const char *function,
                         const done_job *d, pc_expect_entry *e)
{
    if (!pc_expect_lookup(ex, k, function, d->interp, e))
        return false;
    /* by id: the store may keep its texts in a file (run: expected.h, pc_expect_spill) */
    return pc_expect_id_defined(ex, pc_expect_want_id(e, d->mode == PC_MODE_DESUGARED));
}

/* Append the stale functions of case block k (cr: what the run says of it). */
static int stale_functions(const pc_expectations *ex, const pc_case *k, const case_run *cr,
                           pc_stale_list *out, pc_error *err)
{
    const pc_expect_file *f = pc_expect_file_for(ex, k->file);
    pc_expect_iter it;
    const char *fname;
    size_t d;
    if (!f || cr->ndone == 0)
        return 0;
    pc_expect_functions(ex, k, &it);
    while ((fname = pc_expect_next(&it)) != NULL) {
        if (fn_of((case_run *)cr, fname))
            continue;
        for (d = 0; d < cr->ndone; d++) {
            pc_expect_entry e;
            if (!contradicted(ex, k, fname, &cr->done[d], &e))
                continue;
            if (pc_stale_add(out, PC_STALE_FUNCTION, f, k->name, fname, cr->done[d].interp->name, err))
                return -1;
            break;
        }
    }
    return 0;
}

int pc_stale_find(const pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp,
                  pc_stale_list *out, pc_error *err)
{
    size_t c;
    if (pc_expect_stale_cases(ex, cases, out, err))
        return -1;
    for (c = 0; c < cases->len; c++) {
        const pc_case *k = &cases->items[c];
        pc_expect_iter it;
        case_run cr;
        int rc;
        pc_expect_functions(ex, k, &it);
        if (!pc_expect_next(&it))
            continue;
        rc = read_rows(cmp, k, &cr, err) || stale_functions(ex, k, &cr, out, err);
        case_run_free(&cr);
        if (rc)
            return -1;
    }
    return 0;
}

void pc_stale_print(FILE *out, const pc_stale_list *l)
{
    size_t i;
    for (i = 0; i < l->len; i++) {
        const pc_stale *s = &l->items[i];
        char why[512];
        pc_stale_describe(s, why, sizeof why);
        if (s->function)
            fprintf(out, "pyconform: stale expectation: %s: case \"%s\" function \"%s\" (%s)\n", s->file,
                    s->kase, s->function, why);
        else
            fprintf(out, "pyconform: stale expectation: %s: case \"%s\" (%s)\n", s->file, s->kase, why);
    }
}

/* Drop the entries of a stale function that the run's completed jobs contradicted
 * (all found before any is dropped: dropping one changes what the next lookup finds). */
static int drop_stale_function(pc_expectations *ex, const pc_case *k, const char *function,
                               const case_run *cr, FILE *log, const char *file, pc_bless_stats *st,
                               pc_error *err)
{
    pc_selector *drop = calloc(cr->ndone + 1, sizeof *drop);
    size_t n = 0, d, total = pc_expect_count(ex, k, function), dropped = 0;
    if (!drop)
        return pc_oom(err);
    for (d = 0; d < cr->ndone; d++) {
        pc_expect_entry e;
        if (contradicted(ex, k, function, &cr->done[d], &e))
            drop[n++] = e.builds;
    }
    for (d = 0; d < n; d++)
        dropped += pc_expect_drop(ex, k, function, &drop[d]);
    free(drop);
    if (log)
        fprintf(log, "pyconform: removed stale expectation: %s: case \"%s\" function \"%s\" (%zu of %zu entries)\n",
                file, k->name, function, dropped, total);
    st->functions_dropped += total > 0 && pc_expect_count(ex, k, function) == 0;
    return 0;
}

/* ---- bless -------------------------------------------------------------------------- */

/* Record what the run says of one case block. */
static int bless_case(pc_expectations *ex, const pc_case *k, case_run *cr, const pc_registry *reg,
                      const pc_stale_list *stale, FILE *log, pc_bless_stats *st, pc_error *err)
{
    const pc_expect_file *f = pc_expect_file_for(ex, k->file);
    size_t i, s;
    for (i = 0; i < cr->nfns; i++) {
        fn_run *fr = &cr->fns[i];
        entries old, fresh;
        bool changed;
        int rc;
        if (fr->all_expected && pc_expect_count(ex, k, fr->function) > 0) {
            st->functions_kept++;
            continue;
        }
        rc = entries_read(ex, k, fr->function, &old, err) || add_unobserved(fr, ex, k, reg, err) ||
             regenerate(fr, &old, &fresh, st, err);
        /* nothing completed and nothing recorded: nothing to record */
        if (rc == 0 && fresh.n > 0) {
            rc = pc_expect_replace(ex, k, fr->function, fresh.items, fresh.n, &changed, err);
            st->functions_updated += changed;
            st->functions_kept += !changed;
        }
        free(old.items);
        free(fresh.items);
        if (rc)
            return -1;
    }
    for (s = 0; f && s < stale->len; s++) {
        const pc_stale *it = &stale->items[s];
        if (it->kind == PC_STALE_FUNCTION && it->file == f->path && !strcmp(it->kase, k->name) &&
            drop_stale_function(ex, k, it->function, cr, log, f->path, st, err))
            return -1;
    }
    return 0;
}

int pc_bless(pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp, const pc_registry *reg,
             FILE *log, pc_bless_stats *st, pc_error *err)
{
    pc_stale_list stale = {0};
    size_t i, c;
    int rc = -1;
    memset(st, 0, sizeof *st);
    if (pc_stale_find(ex, cases, cmp, &stale, err))
        goto out;
    for (c = 0; c < cases->len; c++) {
        case_run cr;
        int brc = read_rows(cmp, &cases->items[c], &cr, err);
        /* a block the run did not cover is kept as it is */
        if (brc == 0 && cr.nfns > 0)
            brc = bless_case(ex, &cases->items[c], &cr, reg, &stale, log, st, err);
        case_run_free(&cr);
        if (brc)
            goto out;
    }
    /* the stale case blocks go from their files */
    for (i = 0; i < stale.len; i++) {
        const pc_stale *s = &stale.items[i];
        size_t nfns;
        if (s->kind != PC_STALE_CASE || !pc_expect_drop_case(ex, s->case_file, s->kase, &nfns))
            continue;
        st->functions_dropped += nfns;
        if (log)
            fprintf(log, "pyconform: removed stale expectation: %s: case \"%s\" (%s defines no such case)\n",
                    s->file, s->kase, s->case_file);
    }
    rc = pc_expect_save(ex, log, &st->files_written, err);
out:
    pc_stale_list_free(&stale);
    return rc;
}
