/* merge.c - `pyconform merge -o OUT SHARD.json...`: the reports of `run --shard K/N`
 * combined into the report an unsharded run of the same plan writes.
 *
 * The shards are read with the report's one reader (pipeline/report_read.h) and the
 * merged report is written with its one writer (pipeline/report.h): the reports' jobs,
 * rows, observations and stale expectations are put back into the structures a run
 * hands the writer (a plan, a comparison, a registry), and the writer does the rest,
 * the cross-build groups included (pipeline/groups.c, computed again from every
 * build's rows: one shard saw only some builds of each case).
 *
 * Checked before anything is written: every report is a shard (run.shard), all of one
 * plan (run.plan_fingerprint, N and the plan's size agree), each K once, every K from
 * 1 to N present, and every job of the whole plan (each job's plan_index) in exactly
 * one shard.
 *
 * What is rebuilt, and how it matches an unsharded run:
 *   - jobs: by plan_index, so in plan order with the whole plan's ids;
 *   - rows: by case (the order of the cases' first jobs in the plan, i.e. file order),
 *     function, interpreter (registry order, as the plan), mode. A case's functions
 *     are, as compare.h defines them, the union in the order the runs reported them,
 *     source runs first, builds in plan order: rebuilt as the union of the shards'
 *     orders, each shard taken in the order of its first job of the case (mode, then
 *     build). That is exactly the run's order whenever builds that report the same
 *     functions report them in the same order (a module defines its functions in one
 *     order);
 *   - observations: every shard's, each once (ids are assigned anew: an id is an index,
 *     not a name, in any report);
 *   - stale expectations: a stale case block once; a stale function only when no shard
 *     has a row of it (a run calls a function stale only when no build reported it),
 *     named with the first build in plan order that the shards named;
 *   - summary: the counts summed over shards; run: the shards' options (shard 1's),
 *     its command without --shard, started/finished the earliest and latest, seconds
 *     and peak_rss the largest, "merged": {"shards": N} instead of "shard".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "compare.h"
#include "report.h"
#include "report_read.h"
#include "shard.h"
#include "util.h"
#include "verdict.h"

typedef struct shard_in {
    pc_report_doc doc;
    unsigned k, n;
    size_t plan_jobs;
    const char *fingerprint; /* in doc.run */
    size_t *global;          /* per job of this shard: its index in the whole plan */
} shard_in;

/* One row on its way into the comparison, with what it is sorted by. */
typedef struct mrow {
    pc_row row;
    json_t *expected;
    size_t kase, forder, interp;
    int mode;
} mrow;

typedef struct merge {
    shard_in *sh;
    size_t nsh;
    pc_registry reg;
    pc_intern interp_names;   /* name -> registry index + 1 */
    pc_case *cases;           /* rebuilt: name, file, line */
    size_t ncases, cases_cap;
    pc_intern case_keys;      /* "file\nname\nline" -> case index + 1 */
    pc_job *jobs;             /* the whole plan */
    pc_translation *tr;       /* per job: where its desugared text came from */
    size_t njobs;
    size_t *job_case;         /* per job: its case index */
    pc_comparison cmp;
    mrow *rows;
    size_t nrows;
    pc_intern fn_keys;        /* "case\nfunction" -> its order in the case + 1 (fn_order) */
    size_t *fn_order;
    size_t nfn_order, fn_order_cap;
    pc_stale_list stale;
    char **command;
    int ncommand;
} merge;

/* ---- reading the shards ------------------------------------------------------------- */

static int shard_fields(shard_in *s, pc_error *err)
{
    json_t *sh = json_object_get(s->doc.run, "shard"), *k = json_object_get(sh, "k"),
           *n = json_object_get(sh, "n"), *pj = json_object_get(sh, "plan_jobs");
    s->fingerprint = json_string_value(json_object_get(s->doc.run, "plan_fingerprint"));
    if (!sh)
        return pc_fail(err, "%s: not a shard report (its run has no \"shard\": it was written by "
                       "`run` without --shard, or by `merge`)", s->doc.path);
    if (!json_is_integer(k) || !json_is_integer(n) || !json_is_integer(pj) || !s->fingerprint ||
        json_integer_value(n) < 1 || json_integer_value(n) > PC_SHARD_MAX ||
        json_integer_value(k) < 1 || json_integer_value(k) > json_integer_value(n) ||
        json_integer_value(pj) < 0 || json_integer_value(pj) > UINT32_MAX)
        return pc_fail(err, "%s: run.shard is not {\"k\", \"n\", \"plan_jobs\"} with 1 <= k <= n, or "
                       "run.plan_fingerprint is missing", s->doc.path);
    s->k = (unsigned)json_integer_value(k);
    s->n = (unsigned)json_integer_value(n);
    s->plan_jobs = (size_t)json_integer_value(pj);
    return 0;
}

static int by_k(const void *a, const void *b)
{
    const shard_in *x = a, *y = b;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* Every report is a shard of one plan, each K once, none missing. */
static int check_shards(merge *m, pc_error *err)
{
    pc_buf missing = {0};
    size_t i;
    unsigned k, n = m->sh[0].n;
    for (i = 0; i < m->nsh; i++) {
        const shard_in *s = &m->sh[i], *f = &m->sh[0];
        if (strcmp(s->fingerprint, f->fingerprint) != 0 || s->plan_jobs != f->plan_jobs)
            return pc_fail(err, "%s is a shard of another plan than %s (plan fingerprint %s, %zu jobs; "
                           "%s, %zu jobs): shards of one run must plan the same cases, builds "
                           "and modes", s->doc.path, f->doc.path, s->fingerprint, s->plan_jobs,
                           f->fingerprint, f->plan_jobs);
        if (s->n != n)
            return pc_fail(err, "%s is shard %u/%u, %s is shard %u/%u: every shard must have the "
                           "same N", s->doc.path, s->k, s->n, f->doc.path, f->k, f->n);
    }
    qsort(m->sh, m->nsh, sizeof *m->sh, by_k);
    for (i = 1; i < m->nsh; i++)
        if (m->sh[i].k == m->sh[i - 1].k)
            return pc_fail(err, "duplicate shard %u/%u: %s and %s", m->sh[i].k, n,
                           m->sh[i - 1].doc.path, m->sh[i].doc.path);
    for (k = 1, i = 0; k <= n; k++) {
        if (i < m->nsh && m->sh[i].k == k) {
            i++;
            continue;
        }
        if (pc_buf_appendf(&missing, err, "%s%u", missing.len ? ", " : "", k))
            return -1;
    }
    if (missing.len) {
        pc_fail(err, "missing shards: %s of %u (given %zu; merge needs every K from 1 to %u)",
                missing.data, n, m->nsh, n);
        pc_buf_free(&missing);
        return -1;
    }
    return 0;
}

/* ---- the registry, the cases, the jobs ---------------------------------------------- */

static char **strv_of(json_t *a, pc_error *err)
{
    char **v = calloc(json_array_size(a) + 1, sizeof *v);
    size_t i;
    json_t *x;
    if (!v) {
        pc_oom(err);
        return NULL;
    }
    json_array_foreach(a, i, x) {
        if (!(v[i] = pc_strdup(json_is_string(x) ? json_string_value(x) : "", err))) {
            while (i--)
                free(v[i]);
            free(v);
            return NULL;
        }
    }
    return v;
}

static char *str_or_null(json_t *s, pc_error *err, int *rc)
{
    char *d;
    if (!json_is_string(s))
        return NULL;
    if (!(d = pc_strdup(json_string_value(s), err)))
        *rc = -1;
    return d;
}

/* The registry as shard 1 lists it ("interpreters"), facts derived from each probe as
 * probing does, so that groups order and label builds as the run did. */
static int load_registry(merge *m, pc_error *err)
{
    json_t *list = m->sh[0].doc.interpreters, *e;
    size_t i;
    json_array_foreach(list, i, e) {
        pc_interp *in;
        json_t *probe = json_object_get(e, "probe");
        int rc = 0;
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "name")))
            return pc_fail(err, "%s: interpreters[%zu]: not an object with a \"name\"",
                           m->sh[0].doc.path, i);
        if (pc_grow(&m->reg.items, &m->reg.cap, m->reg.len + 1, sizeof *m->reg.items, err))
            return -1;
        in = &m->reg.items[m->reg.len++];
        memset(in, 0, sizeof *in);
        in->origin = str_or_null(json_object_get(e, "origin"), err, &rc);
        if (rc || !(in->argv = strv_of(json_object_get(e, "argv"), err)) ||
            !(in->env = strv_of(json_object_get(e, "env"), err)) ||
            !(in->tags = calloc(1, sizeof *in->tags)))
            return in->tags ? -1 : pc_oom(err);
        if (json_is_object(probe) && pc_interp_apply_probe(in, json_incref(probe), err))
            return -1;
        free(in->problem); /* as the report says, whatever the probe gives here */
        in->problem = NULL;
        in->name = str_or_null(json_object_get(e, "name"), err, &rc);
        in->path = str_or_null(json_object_get(e, "path"), err, &rc);
        in->problem = str_or_null(json_object_get(e, "problem"), err, &rc);
        if (rc)
            return -1;
        in->supported = json_is_true(json_object_get(e, "supported"));
        in->selected = json_is_true(json_object_get(e, "selected"));
        if (pc_intern_add(&m->interp_names, in->name, strlen(in->name), err) != m->reg.len)
            return pc_fail(err, "%s: interpreters: \"%s\" is listed twice", m->sh[0].doc.path, in->name);
    }
    return 0;
}

static int translation_of(const char *name, pc_translation_source *out)
{
    int s;
    for (s = PC_TR_CASE; s <= PC_TR_EXTERNAL; s++)
        if (!strcmp(name, pc_translation_source_name((pc_translation_source)s))) {
            *out = (pc_translation_source)s;
            return 0;
        }
    return -1;
}

/* The desugarer's notes as it printed them, from the job's "untranslated" (report.c
 * parses them into that list). */
static char *notes_of(json_t *untranslated, pc_error *err)
{
    pc_buf b = {0};
    size_t i;
    json_t *x;
    if (pc_buf_append(&b, "", 0, err))
        return NULL;
    json_array_foreach(untranslated, i, x) {
        json_t *line = json_object_get(x, "line"), *note = json_object_get(x, "note");
        int rc = line ? pc_buf_appendf(&b, err, "untranslated: %lld: %s\n",
                                       (long long)json_integer_value(line),
                                       json_string_value(json_object_get(x, "construct")) ?
                                       json_string_value(json_object_get(x, "construct")) : "")
                      : pc_buf_appendf(&b, err, "%s\n", json_string_value(note) ? json_string_value(note) : "");
        if (rc) {
            pc_buf_free(&b);
            return NULL;
        }
    }
    return b.data;
}

/* The case of a job: found, or added in the order first met. */
static int case_of(merge *m, const pc_report_doc *d, const pc_report_job *rj, size_t *out,
                   pc_error *err)
{
    const char *file = pc_report_text(d, rj->file), *name = pc_report_text(d, rj->kase);
    char *key = pc_asprintf(err, "%s\n%s\n%d", file, name, rj->line);
    uint32_t id;
    if (!key)
        return -1;
    id = pc_intern_add(&m->case_keys, key, strlen(key), err);
    free(key);
    if (!id)
        return -1;
    if (id > m->ncases) {
        pc_case *c;
        if (pc_grow(&m->cases, &m->cases_cap, m->ncases + 1, sizeof *m->cases, err))
            return -1;
        c = &m->cases[m->ncases++];
        memset(c, 0, sizeof *c);
        c->line = rj->line;
        if (!(c->name = pc_strdup(name, err)) || !(c->file = pc_strdup(file, err)))
            return -1;
    }
    *out = id - 1;
    return 0;
}

/* The whole plan's jobs, each from the one shard that ran it. */
static int load_jobs(merge *m, pc_error *err)
{
    size_t s, i, total = m->sh[0].plan_jobs;
    uint32_t *from; /* per job: shard + 1, 0 for none yet */
    size_t *local;
    int rc = -1;
    m->njobs = total;
    from = calloc(total + 1, sizeof *from);
    local = calloc(total + 1, sizeof *local);
    m->jobs = calloc(total + 1, sizeof *m->jobs);
    m->tr = calloc(total + 1, sizeof *m->tr);
    m->job_case = calloc(total + 1, sizeof *m->job_case);
    m->cmp.jobs = calloc(total + 1, sizeof *m->cmp.jobs);
    if (!from || !local || !m->jobs || !m->tr || !m->job_case || !m->cmp.jobs) {
        pc_oom(err);
        goto out;
    }
    m->cmp.njobs = total;
    m->cmp.plan_jobs = m->jobs;
    for (s = 0; s < m->nsh; s++) {
        shard_in *sh = &m->sh[s];
        if (!(sh->global = calloc(sh->doc.njobs + 1, sizeof *sh->global))) {
            pc_oom(err);
            goto out;
        }
        for (i = 0; i < sh->doc.njobs; i++) {
            int64_t g = sh->doc.jobs[i].plan_index;
            if (g < 0 || (size_t)g >= total) {
                pc_fail(err, "%s: jobs[%zu]: %s (the whole plan has %zu jobs)", sh->doc.path, i,
                        g < 0 ? "no \"plan_index\"" : "\"plan_index\" is past the plan's end", total);
                goto out;
            }
            if (from[g]) {
                pc_fail(err, "%s: jobs[%zu] is job %lld of the plan, which %s ran too: the shards "
                        "overlap", sh->doc.path, i, (long long)g, m->sh[from[g] - 1].doc.path);
                goto out;
            }
            from[g] = (uint32_t)s + 1;
            local[g] = i;
            sh->global[i] = (size_t)g;
        }
    }
    for (i = 0; i < total; i++) {
        const pc_report_doc *d;
        const pc_report_job *rj;
        pc_job *j = &m->jobs[i];
        const char *iname, *tname, *detail;
        uint32_t ii;
        if (!from[i]) {
            pc_fail(err, "job %zu of the plan is in no shard (shards %u/%u ... of %zu jobs)", i,
                    m->sh[0].k, m->sh[0].n, total);
            goto out;
        }
        d = &m->sh[from[i] - 1].doc;
        rj = &d->jobs[local[i]];
        iname = pc_report_text(d, rj->interp);
        if (!(ii = pc_intern_find(&m->interp_names, iname, strlen(iname)))) {
            pc_fail(err, "%s: a job runs on \"%s\", which %s does not list in \"interpreters\"",
                    d->path, iname, m->sh[0].doc.path);
            goto out;
        }
        if (case_of(m, d, rj, &m->job_case[i], err))
            goto out;
        j->id = (uint32_t)i;
        j->interp = &m->reg.items[ii - 1];
        j->mode = (unsigned char)rj->mode;
        if ((tname = pc_report_text(d, rj->translation))) {
            pc_translation *t = &m->tr[i];
            if (translation_of(tname, &t->source)) {
                pc_fail(err, "%s: a job's \"translation\" \"%s\" is not one this pyconform writes",
                        d->path, tname);
                goto out;
            }
            if (rj->untranslated) {
                json_t *u = pc_report_value_json(d, rj->untranslated);
                t->notes = u ? notes_of(u, err) : NULL;
                json_decref(u);
                if (!t->notes) {
                    if (!u)
                        pc_oom(err);
                    goto out;
                }
            }
            j->translation = t;
        }
        m->cmp.jobs[i].status = rj->status;
        m->cmp.jobs[i].seconds = (float)rj->duration;
        if ((detail = pc_report_text(d, rj->detail)) && !(m->cmp.jobs[i].detail = pc_strdup(detail, err)))
            goto out;
    }
    for (i = 0; i < total; i++) /* the cases are all in: pointers are final */
        m->jobs[i].kase = &m->cases[m->job_case[i]];
    rc = 0;
out:
    free(from);
    free(local);
    return rc;
}

/* ---- the rows ------------------------------------------------------------------------ */

/* A case's functions in the run's order (see the top): `rank` of a shard in a case is
 * its first job there in judging order (mode, then build). */
typedef struct fn_seen {
    size_t kase, rank, shard, seq;
    const char *function; /* interned in cmp.names */
} fn_seen;

static int fn_seen_order(const void *pa, const void *pb)
{
    const fn_seen *a = pa, *b = pb;
    if (a->kase != b->kase)
        return a->kase < b->kase ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->shard != b->shard)
        return a->shard < b->shard ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static char *fn_key(size_t kase, const char *function, pc_error *err)
{
    return pc_asprintf(err, "%zu\n%s", kase, function);
}

static int function_orders(merge *m, pc_error *err)
{
    fn_seen *seen = NULL;
    size_t nseen = 0, cap = 0, s, r, i, *rank = NULL, ni = m->reg.len;
    int rc = -1;
    if (!(rank = malloc((m->ncases * m->nsh + 1) * sizeof *rank)))
        return pc_oom(err);
    for (i = 0; i < m->ncases * m->nsh; i++)
        rank[i] = SIZE_MAX;
    for (s = 0; s < m->nsh; s++) {
        const pc_report_doc *d = &m->sh[s].doc;
        size_t last_case = SIZE_MAX;
        const char *last_fn = NULL;
        for (r = 0; r < d->nrows; r++) {
            size_t g = m->sh[s].global[d->rows[r].job], c = m->job_case[g];
            const char *fname = pc_report_text(d, d->rows[r].function);
            uint32_t id = pc_intern_add(&m->cmp.names, fname, strlen(fname), err);
            const char *fn = id ? pc_intern_text(&m->cmp.names, id) : NULL;
            size_t k = (size_t)m->jobs[g].mode * ni + (size_t)(m->jobs[g].interp - m->reg.items);
            if (!fn)
                goto out;
            if (k < rank[c * m->nsh + s])
                rank[c * m->nsh + s] = k;
            if (c == last_case && fn == last_fn)
                continue;
            last_case = c;
            last_fn = fn;
            if (pc_grow(&seen, &cap, nseen + 1, sizeof *seen, err))
                goto out;
            seen[nseen].kase = c;
            seen[nseen].shard = s;
            seen[nseen].seq = nseen;
            seen[nseen].function = fn;
            nseen++;
        }
    }
    for (i = 0; i < nseen; i++)
        seen[i].rank = rank[seen[i].kase * m->nsh + seen[i].shard];
    qsort(seen, nseen, sizeof *seen, fn_seen_order);
    {
        size_t next = 0, kase = SIZE_MAX;
        for (i = 0; i < nseen; i++) {
            char *key;
            uint32_t id;
            if (seen[i].kase != kase) {
                kase = seen[i].kase;
                next = 0;
            }
            if (!(key = fn_key(seen[i].kase, seen[i].function, err)))
                goto out;
            id = pc_intern_add(&m->fn_keys, key, strlen(key), err);
            free(key);
            if (!id)
                goto out;
            if (id <= m->nfn_order)
                continue; /* seen from an earlier shard */
            if (pc_grow(&m->fn_order, &m->fn_order_cap, m->nfn_order + 1, sizeof *m->fn_order, err))
                goto out;
            m->fn_order[m->nfn_order++] = next++;
        }
    }
    rc = 0;
out:
    free(seen);
    free(rank);
    return rc;
}

static int mrow_order(const void *pa, const void *pb)
{
    const mrow *a = pa, *b = pb;
    if (a->kase != b->kase)
        return a->kase < b->kase ? -1 : 1;
    if (a->forder != b->forder)
        return a->forder < b->forder ? -1 : 1;
    if (a->interp != b->interp)
        return a->interp < b->interp ? -1 : 1;
    return a->mode - b->mode;
}

/* A value of a shard as an id among the merged observations (0 stays 0). */
static int obs_id(merge *m, const pc_report_doc *d, uint32_t value, uint32_t *out, pc_error *err)
{
    const char *t = pc_report_value(d, value);
    *out = 0;
    if (!t)
        return 0;
    return (*out = pc_intern_add(&m->cmp.observations, t, strlen(t), err)) ? 0 : -1;
}

static int load_rows(merge *m, pc_error *err)
{
    size_t s, r, total = 0;
    for (s = 0; s < m->nsh; s++)
        total += m->sh[s].doc.nrows;
    if (!(m->rows = calloc(total + 1, sizeof *m->rows)))
        return pc_oom(err);
    for (s = 0; s < m->nsh; s++) {
        const pc_report_doc *d = &m->sh[s].doc;
        for (r = 0; r < d->nrows; r++) {
            const pc_report_rrow *rr = &d->rows[r];
            mrow *mr = &m->rows[m->nrows];
            size_t g = m->sh[s].global[rr->job];
            const char *fname = pc_report_text(d, rr->function), *detail;
            uint32_t fid = pc_intern_find(&m->cmp.names, fname, strlen(fname)), kid;
            char *key = fn_key(m->job_case[g], fname, err);
            if (!key)
                return -1;
            kid = pc_intern_find(&m->fn_keys, key, strlen(key));
            free(key);
            mr->kase = m->job_case[g];
            mr->forder = m->fn_order[kid - 1];
            mr->interp = (size_t)(m->jobs[g].interp - m->reg.items);
            mr->mode = m->jobs[g].mode;
            mr->row.function = pc_intern_text(&m->cmp.names, fid);
            mr->row.job = (uint32_t)g;
            mr->row.verdict = rr->verdict;
            mr->row.seconds = (float)rr->duration;
            {
                const char *why = pc_report_text(d, rr->reason);
                if (why && !(mr->row.reason = pc_intern_add(&m->cmp.reasons, why, strlen(why), err)))
                    return -1;
            }
            m->nrows++; /* from here its detail and diff are the merge's to free */
            if (obs_id(m, d, rr->observation, &mr->row.observation, err) ||
                obs_id(m, d, rr->recorded, &mr->row.recorded, err))
                return -1;
            if ((detail = pc_report_text(d, rr->detail)) && !(mr->row.detail = pc_strdup(detail, err)))
                return -1;
            if ((rr->diff && !(mr->row.diff = pc_report_value_json(d, rr->diff))) ||
                (rr->expected && !(mr->expected = pc_report_value_json(d, rr->expected))))
                return pc_oom(err);
            m->cmp.counts[rr->verdict]++;
            m->cmp.unexpected += !pc_verdict_get((pc_verdict)rr->verdict)->expected;
        }
        /* every observation of the shard, also those no row names (as a run keeps them) */
        for (r = 1; r < d->nobs; r++) {
            uint32_t id;
            if (obs_id(m, d, d->obs[r], &id, err))
                return -1;
        }
    }
    qsort(m->rows, m->nrows, sizeof *m->rows, mrow_order);
    /* the comparison owns the rows' details and diffs from here (pc_comparison_free) */
    if (!(m->cmp.rows = calloc(m->nrows + 1, sizeof *m->cmp.rows)))
        return pc_oom(err);
    for (r = 0; r < m->nrows; r++) {
        m->cmp.rows[r] = m->rows[r].row;
        m->rows[r].row.detail = NULL;
        m->rows[r].row.diff = NULL;
    }
    m->cmp.len = m->cmp.cap = m->nrows;
    return 0;
}

/* jobs_reported and the job statuses: the shards' summaries added up. */
static void sum_statuses(merge *m)
{
    size_t s;
    int k;
    for (s = 0; s < m->nsh; s++) {
        json_t *sum = m->sh[s].doc.summary, *jobs = json_object_get(sum, "jobs");
        m->cmp.jobs_reported += (size_t)json_integer_value(json_object_get(sum, "jobs_reported"));
        for (k = PC_JOB_OK; k < PC_JOB_STATUS_COUNT; k++)
            m->cmp.statuses[k] += (size_t)json_integer_value(
                json_object_get(jobs, pc_job_status_name((pc_job_status)k)));
    }
}

/* ---- stale expectations -------------------------------------------------------------- */

static int stale_add(merge *m, json_t *e, const char *interp, pc_error *err)
{
    pc_stale *st;
    const char *fn = json_string_value(json_object_get(e, "function"));
    if (pc_grow(&m->stale.items, &m->stale.cap, m->stale.len + 1, sizeof *m->stale.items, err))
        return -1;
    st = &m->stale.items[m->stale.len];
    memset(st, 0, sizeof *st);
    st->kind = strcmp(json_string_value(json_object_get(e, "kind")) ?
                      json_string_value(json_object_get(e, "kind")) : "", "case") == 0
                   ? PC_STALE_CASE : PC_STALE_FUNCTION;
    st->file = json_string_value(json_object_get(e, "file"));
    st->case_file = json_string_value(json_object_get(e, "case_file"));
    if (!st->file || !st->case_file)
        return pc_fail(err, "a \"stale\" entry lacks \"file\" or \"case_file\"");
    m->stale.len++;
    if (!(st->kase = pc_strdup(json_string_value(json_object_get(e, "case")) ?
                               json_string_value(json_object_get(e, "case")) : "", err)) ||
        (fn && !(st->function = pc_strdup(fn, err))) || (interp && !(st->interp = pc_strdup(interp, err))))
        return -1;
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Has any shard a row of `function` in the case named (case_file, kase)? */
static bool has_rows(merge *m, const char *case_file, const char *kase, const char *function)
{
    size_t c;
    for (c = 0; c < m->ncases; c++) {
        char *key;
        bool found;
        pc_error err;
        if (strcmp(m->cases[c].file, case_file) || strcmp(m->cases[c].name, kase))
            continue;
        if (!(key = fn_key(c, function, &err)))
            return false;
        found = pc_intern_find(&m->fn_keys, key, strlen(key)) != 0;
        free(key);
        if (found)
            return true;
    }
    return false;
}

static int merge_stale(merge *m, pc_error *err)
{
    size_t s, i, k;
    int pass;
    for (pass = 0; pass < 2; pass++) /* the case blocks first, as a run lists them */
        for (s = 0; s < m->nsh; s++) {
            json_t *e;
            json_array_foreach(m->sh[s].doc.stale, i, e) {
                const char *kind = json_string_value(json_object_get(e, "kind")),
                           *file = json_string_value(json_object_get(e, "case_file")),
                           *kase = json_string_value(json_object_get(e, "case")),
                           *fn = json_string_value(json_object_get(e, "function")),
                           *in = json_string_value(json_object_get(e, "interpreter"));
                bool is_case = kind && !strcmp(kind, "case");
                if (is_case != (pass == 0) || !file || !kase)
                    continue;
                if (!is_case && fn && has_rows(m, file, kase, fn))
                    continue; /* another shard's build reported it: not stale */
                for (k = 0; k < m->stale.len; k++) {
                    pc_stale *o = &m->stale.items[k];
                    if ((o->kind == PC_STALE_CASE) == is_case && !strcmp(o->case_file, file) &&
                        !strcmp(o->kase, kase) && same_str(o->function, fn))
                        break;
                }
                if (k < m->stale.len) { /* named once, with the first build in plan order */
                    pc_stale *o = &m->stale.items[k];
                    uint32_t a = in ? pc_intern_find(&m->interp_names, in, strlen(in)) : 0,
                             b = o->interp ? pc_intern_find(&m->interp_names, o->interp, strlen(o->interp)) : 0;
                    if (a && (!b || a < b)) {
                        char *d = pc_strdup(in, err);
                        if (!d)
                            return -1;
                        free(o->interp);
                        o->interp = d;
                    }
                    continue;
                }
                if (stale_add(m, e, in, err))
                    return -1;
            }
        }
    return 0;
}

/* ---- the run -------------------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" as epoch seconds (0 when it is not that); days from the civil
 * date as in H. Hinnant's days_from_civil, so no time zone is involved. */
static double iso_time(const char *s)
{
    int y, mo, d, h, mi, se;
    long era, yoe, doy, doe;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &se) != 6 || mo < 1 || mo > 12)
        return 0;
    y -= mo <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return ((double)(era * 146097 + doe - 719468) * 86400.0) + h * 3600 + mi * 60 + se;
}

static int run_info(merge *m, pc_run_info *run, pc_error *err)
{
    json_t *r0 = m->sh[0].doc.run, *cmd = json_object_get(r0, "command"), *x;
    size_t s, i;
    memset(run, 0, sizeof *run);
    /* shard 1's command, without its --shard K/N: the command an unsharded run has */
    if (!(m->command = calloc(json_array_size(cmd) + 1, sizeof *m->command)))
        return pc_oom(err);
    json_array_foreach(cmd, i, x) {
        const char *a = json_string_value(x);
        if (!a)
            continue;
        if (!strcmp(a, "--shard")) {
            i++; /* and its value */
            continue;
        }
        if (!strncmp(a, "--shard=", 8))
            continue;
        if (!(m->command[m->ncommand] = pc_strdup(a, err)))
            return -1;
        m->ncommand++;
    }
    run->argc = m->ncommand;
    run->argv = m->command;
    run->timeout = json_number_value(json_object_get(r0, "timeout"));
    run->startup_timeout = json_number_value(json_object_get(r0, "startup_timeout"));
    run->max_output = (size_t)json_integer_value(json_object_get(r0, "max_output"));
    run->max_memory = (size_t)json_integer_value(json_object_get(r0, "max_memory"));
    run->parallel = (int)json_integer_value(json_object_get(r0, "parallel"));
    if (run->parallel < 1)
        run->parallel = 1;
    run->shared = same_str(json_string_value(json_object_get(r0, "isolation")), "shared");
    run->retries = (int)json_integer_value(json_object_get(r0, "retries"));
    run->allow_flaky = json_is_true(json_object_get(r0, "allow_flaky"));
    run->conservative = json_is_true(json_object_get(r0, "conservative"));
    for (s = 0; s < m->nsh; s++) {
        json_t *r = m->sh[s].doc.run;
        double st = iso_time(json_string_value(json_object_get(r, "started"))),
               fi = iso_time(json_string_value(json_object_get(r, "finished"))),
               sec = json_number_value(json_object_get(r, "seconds"));
        long rss = (long)json_integer_value(json_object_get(r, "peak_rss"));
        if (s == 0 || st < run->started)
            run->started = st;
        if (fi > run->finished)
            run->finished = fi;
        if (sec > run->seconds)
            run->seconds = sec;
        if (rss > run->peak_rss)
            run->peak_rss = rss;
        if (!run->interrupted && m->sh[s].doc.interrupted)
            run->interrupted = m->sh[s].doc.signal ? m->sh[s].doc.signal : 2;
    }
    run->fingerprint = m->sh[0].fingerprint;
    run->merged = (unsigned)m->nsh;
    return 0;
}

/* ---- the command --------------------------------------------------------------------- */

static void merge_free(merge *m)
{
    size_t i;
    for (i = 0; i < m->nsh; i++) {
        pc_report_doc_free(&m->sh[i].doc);
        free(m->sh[i].global);
    }
    free(m->sh);
    for (i = 0; i < m->nrows; i++) {
        free(m->rows[i].row.detail);
        json_decref(m->rows[i].row.diff);
        json_decref(m->rows[i].expected);
    }
    free(m->rows);
    pc_comparison_free(&m->cmp);
    for (i = 0; i < m->ncases; i++) {
        free(m->cases[i].name);
        free(m->cases[i].file);
    }
    free(m->cases);
    for (i = 0; m->tr && i < m->njobs; i++)
        free(m->tr[i].notes);
    free(m->tr);
    free(m->jobs);
    free(m->job_case);
    free(m->fn_order);
    pc_intern_free(&m->fn_keys);
    pc_intern_free(&m->case_keys);
    pc_intern_free(&m->interp_names);
    pc_registry_free(&m->reg);
    pc_stale_list_free(&m->stale);
    for (i = 0; i < (size_t)m->ncommand; i++)
        free(m->command[i]);
    free(m->command);
}

int pc_cmd_merge(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    merge m;
    pc_report_writer w = {0};
    pc_run_info run;
    pc_plan plan = {0};
    pc_error err;
    char *written = NULL;
    size_t i;
    int rc = PC_EXIT_USAGE;
    (void)p;
    (void)argc;
    (void)argv;
    memset(&m, 0, sizeof m);
    if (!o->output || o->nfiles == 0) {
        fprintf(stderr, "pyconform: merge: %s\n\n", !o->output ? "-o OUT is required"
                                                               : "no SHARD.json given");
        pc_cli_help(stderr, PC_CMD_MERGE);
        return PC_EXIT_USAGE;
    }
    if (!(m.sh = calloc(o->nfiles, sizeof *m.sh))) {
        pc_oom(&err);
        goto fail;
    }
    for (i = 0; i < o->nfiles; i++) {
        if (pc_report_load(o->files[i], &m.sh[i].doc, &err))
            goto fail;
        m.nsh++;
        if (shard_fields(&m.sh[i], &err))
            goto fail;
    }
    if (check_shards(&m, &err) || load_registry(&m, &err) || load_jobs(&m, &err) ||
        function_orders(&m, &err) || load_rows(&m, &err) || merge_stale(&m, &err) ||
        run_info(&m, &run, &err))
        goto fail;
    sum_statuses(&m);
    plan.jobs = m.jobs;
    plan.len = plan.cap = m.njobs;
    if (pc_report_open_file(&w, o->output, &err))
        goto fail;
    for (i = 0; i < m.cmp.len; i++)
        if (pc_report_row(&w, &m.cmp, &m.cmp.rows[i], m.rows[i].expected, &err))
            goto fail;
    if (pc_report_close(&w, &run, &m.reg, &plan, &m.cmp, &m.stale, &written, &err))
        goto fail;
    printf("merge: %zu shards of plan %s: %zu jobs, %zu results, %zu unexpected%s -> %s\n", m.nsh,
           run.fingerprint, m.njobs, m.cmp.len, m.cmp.unexpected,
           run.interrupted ? " (a shard was interrupted: its jobs not run are NOT-RUN)" : "", written);
    rc = m.cmp.unexpected ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "pyconform: merge: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    pc_report_abort(&w);
    free(written);
    merge_free(&m);
    return rc;
}
