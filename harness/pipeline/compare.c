/* compare.c - see compare.h. */
#include "compare.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "select.h"
#include "util.h"

/* ---- the first difference ----------------------------------------------------------- */

static int path_append(char *path, size_t size, const char *fmt, const char *key, size_t idx)
{
    size_t l = strlen(path);
    if (key)
        return snprintf(path + l, size - l, fmt, key);
    return snprintf(path + l, size - l, fmt, idx);
}

/* Walk both values; fill path with the first place they differ. */
static bool first_diff(json_t *a, json_t *b, char *path, size_t size, json_t **da, json_t **db)
{
    size_t i, l = strlen(path);
    if (json_equal(a, b))
        return false;
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) {
            path_append(path, size, l ? ".%s" : "%s", k, 0);
            if (first_diff(v, json_object_get(b, k), path, size, da, db))
                return true;
            path[l] = '\0';
        }
        json_object_foreach(b, k, v) {
            if (!json_object_get(a, k)) {
                path_append(path, size, l ? ".%s" : "%s", k, 0);
                *da = NULL;
                *db = v;
                return true;
            }
        }
    } else if (json_is_array(a) && json_is_array(b)) {
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (i = 0; i < na && i < nb; i++) {
            path_append(path, size, "[%zu]", NULL, i);
            if (first_diff(json_array_get(a, i), json_array_get(b, i), path, size, da, db))
                return true;
            path[l] = '\0';
        }
        path_append(path, size, "[%zu]", NULL, na < nb ? na : nb);
        *da = na > nb ? json_array_get(a, nb) : NULL;
        *db = nb > na ? json_array_get(b, na) : NULL;
        return true;
    }
    *da = a;
    *db = b;
    return true;
}

json_t *pc_json_diff(json_t *expected, json_t *observed)
{
    char path[1024] = "";
    json_t *da = NULL, *db = NULL;
    if (!first_diff(expected, observed, path, sizeof path, &da, &db))
        return NULL;
    return json_pack("{s:s, s:O, s:O}", "path", *path ? path : "(whole value)", "expected",
                     da ? da : json_null(), "observed", db ? db : json_null());
}

/* ---- what a job leaves behind until its case is judged ------------------------------- */

typedef struct held_part {
    const char *name;      /* interned */
    unsigned char status;  /* pc_job_status */
    uint32_t observation;  /* interned, 0 when none */
    uint32_t recorded;
    float seconds;
    char *note;            /* owned */
} held_part;

struct pc_held {
    held_part *parts;      /* [0] is the module */
    size_t n;
};

/* A case's jobs, chained through pc_judge.next_job in plan order (ids are plan index
 * + 1; 0 ends the chain), so that no case needs a list of its own. */
struct pc_judge_case {
    uint32_t first, last;  /* the chain's ends */
    uint32_t waiting;      /* jobs whose result has not arrived */
};

static void held_free(struct pc_held *h)
{
    size_t i;
    for (i = 0; i < h->n; i++)
        free(h->parts[i].note);
    free(h->parts);
    h->parts = NULL;
    h->n = 0;
}

static int hold_part(pc_comparison *cmp, held_part *h, pc_part *p, pc_error *err)
{
    const char *name = p->name ? p->name : PC_MODULE_FUNCTION;
    uint32_t nid = pc_intern_add(&cmp->names, name, strlen(name), err);
    if (!nid)
        return -1;
    h->name = pc_intern_text(&cmp->names, nid);
    h->status = (unsigned char)p->status;
    h->seconds = (float)p->seconds;
    if (p->observation && !(h->observation = pc_intern_json(&cmp->observations, p->observation, err)))
        return -1;
    if (p->recorded && !(h->recorded = pc_intern_json(&cmp->observations, p->recorded, err)))
        return -1;
    h->note = p->note; /* taken */
    p->note = NULL;
    return 0;
}

static const held_part *held_find(const struct pc_held *h, const char *name)
{
    size_t i;
    for (i = 0; h && i < h->n; i++)
        if (h->parts[i].name == name) /* interned: same text, same pointer */
            return &h->parts[i];
    return NULL;
}

/* ---- judging --------------------------------------------------------------------------- */

/* Observations compare by value: both stores hold canonical JSON text (intern.h), so
 * equal values have equal texts. An absent one (the function was not defined on that
 * build) equals JSON null, which is how expected/ records it. want: an id in the
 * expectations (which may keep their texts in a file: expected.h, pc_expect_spill). */
static bool obs_equal(const pc_judge *jd, uint32_t obs, uint32_t want)
{
    if (!pc_expect_id_defined(jd->ex, want))
        return obs == 0;
    return obs != 0 && pc_expect_id_is(jd->ex, want, &jd->cmp->observations, obs);
}

/* What a row was judged against. */
typedef enum want_of {
    WANT_NONE,
    WANT_SOURCE,      /* the entry's source observation */
    WANT_DESUGARED,   /* the entry's, for a desugared job (pc_expect_want) */
    WANT_SOURCE_RUN   /* the source run's observation */
} want_of;

typedef struct judged {
    pc_verdict verdict;
    want_of want;
    const char *reason;    /* borrowed */
    const char *detail;    /* static text */
} judged;

/* The verdict of a completed row; obs 0: the function was absent in this run. */
static judged judge(const pc_judge *jd, pc_mode mode, uint32_t obs, uint32_t src_obs,
                    bool have_src, const pc_expect_entry *entry)
{
    uint32_t exp_src = entry ? entry->source_id : 0;
    uint32_t exp_des = entry ? entry->desugared_id : 0;
    const char *divergence = entry ? entry->divergence : NULL;
    judged j = {PC_PASS, WANT_NONE, entry ? entry->reason : NULL, NULL};

    if (mode == PC_MODE_SOURCE) {
        j.want = entry ? WANT_SOURCE : WANT_NONE;
        if (!entry) {
            j.verdict = PC_FAIL;
            j.detail = "no expectation recorded for this build (run `pyconform bless` and review)";
        } else if (!obs_equal(jd, obs, exp_src)) {
            j.verdict = PC_FAIL;
            j.detail = "observation differs from expected/";
        }
    } else if (have_src && obs != src_obs) {
        /* (a) the translation diverges from the source on this interpreter */
        j.want = exp_des ? WANT_DESUGARED : WANT_SOURCE_RUN;
        if (exp_des && obs_equal(jd, obs, exp_des) && divergence && *divergence) {
            j.verdict = PC_XFAIL;
            j.reason = divergence;
        } else if (exp_des && obs_equal(jd, obs, exp_des)) {
            j.verdict = PC_DIVERGE;
            j.detail = "divergence recorded in expected/ without a reason: write one";
        } else {
            j.verdict = PC_DIVERGE;
            j.detail = exp_des ? "desugared differs from source and from the recorded divergence"
                               : "desugared differs from source";
        }
    } else if (have_src) {
        j.want = entry ? WANT_DESUGARED : WANT_NONE;
        if (exp_des) {
            j.verdict = PC_XPASS;
            j.detail = "recorded divergence no longer happens: desugared now equals source";
        } else if (entry && !obs_equal(jd, obs, exp_src)) {
            j.verdict = PC_FAIL;
            j.detail = "desugared equals source, but both differ from expected/";
        } /* else PASS: equal to the source run; the source row judges expected/ */
    } else {
        /* no source observation to compare with: judge against expected/ only */
        j.want = entry ? WANT_DESUGARED : WANT_NONE;
        if (!entry) {
            j.verdict = PC_FAIL;
            j.detail = "no source run and no expectation to compare with";
        } else if (obs_equal(jd, obs, pc_expect_want_id(entry, true))) {
            j.verdict = exp_des ? PC_XFAIL : PC_PASS;
            if (exp_des)
                j.reason = divergence;
        } else {
            j.verdict = PC_FAIL;
            j.detail = "observation differs from expected/";
        }
    }
    return j;
}

/* Append a row and count it; the caller fills the rest. */
static pc_row *new_row(pc_comparison *cmp, const pc_job *job, const char *function, pc_error *err)
{
    pc_row *row;
    if (cmp->len == cmp->cap) {
        /* the rows are the run's largest array (two or more per job, kept to the end):
         * grown by an eighth, not doubled, so little of it is ever unused (a large
         * block's realloc moves pages, not bytes) */
        size_t ncap = cmp->cap + cmp->cap / 8 + 64;
        if (cmp->len >= UINT32_MAX - 1) { /* pc_judge_finish sorts them by 32-bit index */
            pc_fail(err, "more than %u results", (unsigned)(UINT32_MAX - 1));
            return NULL;
        }
        pc_row *p = ncap < SIZE_MAX / sizeof *p ? realloc(cmp->rows, ncap * sizeof *p) : NULL;
        if (!p) {
            pc_oom(err);
            return NULL;
        }
        cmp->rows = p;
        cmp->cap = ncap;
    }
    row = &cmp->rows[cmp->len++];
    memset(row, 0, sizeof *row);
    row->function = function;
    row->job = job->id;
    return row;
}

static int set_detail(pc_row *row, const char *text, pc_error *err)
{
    if (!text)
        return 0;
    return (row->detail = pc_strdup(text, err)) ? 0 : -1;
}

/* The row of `function` for one job; src: the source job's parts on the same
 * interpreter (NULL when none completed), broken: why the translation is unusable. */
static int judge_row(pc_judge *jd, size_t jidx, const char *function, const struct pc_held *src,
                     const char *broken, pc_error *err)
{
    pc_comparison *cmp = jd->cmp;
    const pc_job *job = &jd->plan->jobs[jidx];
    const pc_job_record *rec = &cmp->jobs[jidx];
    const held_part *part = held_find(&jd->held[jidx], function), *sp = held_find(src, function);
    pc_row *row = new_row(cmp, job, function, err);
    json_t *want = NULL, *src_want = NULL;
    int rc;
    if (!row)
        return -1;
    if (rec->status != PC_JOB_OK || broken) {
        row->verdict = (unsigned char)(broken ? PC_ERROR : pc_verdict_for_status(rec->status));
        row->seconds = rec->seconds;
        if (set_detail(row, broken ? broken : rec->detail, err))
            return -1;
    } else if (part && part->status != PC_JOB_OK) {
        /* the call did not complete: timeout, crash, error or not run */
        row->verdict = (unsigned char)pc_verdict_for_status(part->status);
        row->seconds = part->seconds;
        if (set_detail(row, part->note, err))
            return -1;
    } else {
        bool have_src = src && (!sp || sp->status == PC_JOB_OK);
        pc_expect_entry e;
        bool found = pc_expect_lookup(jd->ex, job->kase, function, job->interp, &e);
        judged j = judge(jd, (pc_mode)job->mode, part ? part->observation : 0,
                         sp ? sp->observation : 0, have_src, found ? &e : NULL);
        row->verdict = (unsigned char)j.verdict;
        row->observation = part ? part->observation : 0;
        row->recorded = part ? part->recorded : 0;
        /* the module row's duration is the job's (the module line carries none) */
        row->seconds = function == pc_intern_text(&cmp->names, 1) || !part ? rec->seconds
                                                                            : part->seconds;
        if (j.reason && !(row->reason = pc_intern_add(&cmp->reasons, j.reason, strlen(j.reason), err)))
            return -1;
        /* what it was judged against, as JSON only where the report shows it: rows that
         * are not PASS (a PASS row costs no parse) */
        if (j.verdict != PC_PASS && j.want == WANT_SOURCE_RUN) {
            /* JSON null when the source run had no such function */
            want = src_want = pc_intern_load(&cmp->observations, sp ? sp->observation : 0);
            if (!want)
                want = json_null();
        } else if (j.verdict != PC_PASS && j.want != WANT_NONE &&
                   !(want = src_want = pc_expect_want_load(jd->ex, &e, j.want == WANT_DESUGARED))) {
            return pc_oom(err);
        }
        if (set_detail(row, j.detail ? j.detail : part ? part->note : NULL, err)) {
            json_decref(src_want);
            return -1;
        }
        if (want && (!pc_verdict_get(j.verdict)->expected || j.verdict == PC_XFAIL)) {
            json_t *obs = pc_row_observation(cmp, row);
            row->diff = pc_json_diff(want, obs ? obs : json_null());
            json_decref(obs);
        }
    }
    cmp->counts[row->verdict]++;
    if (!pc_verdict_get(row->verdict)->expected)
        cmp->unexpected++;
    rc = jd->sink ? jd->sink(jd->sink_ctx, cmp, row, want, err) : 0;
    json_decref(src_want);
    return rc;
}

/* A translation that does not compile where the source does is the desugarer's error,
 * not a divergence of every function: the reason, or NULL (*oom set when out of memory). */
static char *translation_broken(const pc_judge *jd, size_t js, size_t jd_, bool *oom)
{
    const pc_comparison *cmp = jd->cmp;
    const held_part *sm = held_find(&jd->held[js], pc_intern_text(&cmp->names, 1));
    const held_part *dm = held_find(&jd->held[jd_], pc_intern_text(&cmp->names, 1));
    json_t *so, *dobs, *sce, *dce;
    char *why = NULL;
    pc_error err;
    if (cmp->jobs[js].status != PC_JOB_OK || cmp->jobs[jd_].status != PC_JOB_OK || !sm || !dm)
        return NULL;
    so = pc_intern_load(&cmp->observations, sm->observation);
    dobs = pc_intern_load(&cmp->observations, dm->observation);
    sce = json_object_get(so, "compile_error");
    dce = json_object_get(dobs, "compile_error");
    if (json_is_object(dce) && !json_is_object(sce)) {
        why = pc_asprintf(&err, "translation does not compile: %s: %s (line %lld)",
                          json_string_value(json_object_get(dce, "type")),
                          json_string_value(json_object_get(dce, "msg")),
                          (long long)json_integer_value(json_object_get(dce, "line")));
        *oom = !why;
    }
    json_decref(so);
    json_decref(dobs);
    return why;
}

static long interp_index(const pc_judge *jd, const pc_interp *in)
{
    size_t i;
    for (i = 0; i < jd->ninterps; i++)
        if (jd->interps[i] == in)
            return (long)i;
    return -1;
}

/* Every job of case c has arrived: judge its rows, then drop what its jobs held. */
static int judge_case(pc_judge *jd, size_t c, pc_error *err)
{
    pc_judge_case *pc = &jd->pending[c];
    const char **names = NULL;
    long *by = NULL; /* [interp][mode] -> plan index or -1 */
    char **broken = NULL; /* [interp]: why its translation is unusable, or NULL */
    size_t nnames = 0, cap = 0, i, k, f;
    int mode, rc = -1;
    if (!(by = malloc((jd->ninterps * PC_MODE_COUNT + 1) * sizeof *by)))
        return pc_oom(err);
    for (i = 0; i < jd->ninterps * PC_MODE_COUNT; i++)
        by[i] = -1;
    for (k = pc->first; k; k = jd->next_job[k - 1]) {
        const pc_job *job = &jd->plan->jobs[k - 1];
        by[(size_t)interp_index(jd, job->interp) * PC_MODE_COUNT + job->mode] = (long)(k - 1);
    }
    /* the case's functions: <module>, then as reported, source runs first */
    if (pc_grow(&names, &cap, 1, sizeof *names, err))
        goto out;
    names[nnames++] = pc_intern_text(&jd->cmp->names, 1);
    for (mode = 0; mode < PC_MODE_COUNT; mode++) {
        for (i = 0; i < jd->ninterps; i++) {
            long j = by[i * PC_MODE_COUNT + (size_t)mode];
            const struct pc_held *h = j >= 0 ? &jd->held[j] : NULL;
            for (k = 1; h && k < h->n; k++) {
                size_t q;
                for (q = 0; q < nnames && names[q] != h->parts[k].name; q++)
                    ;
                if (q < nnames)
                    continue;
                if (pc_grow(&names, &cap, nnames + 1, sizeof *names, err))
                    goto out;
                names[nnames++] = h->parts[k].name;
            }
        }
    }
    /* a translation that does not compile, per interpreter */
    if (!(broken = calloc(jd->ninterps + 1, sizeof *broken))) {
        pc_oom(err);
        goto out;
    }
    for (i = 0; i < jd->ninterps; i++) {
        long js = by[i * PC_MODE_COUNT + PC_MODE_SOURCE], jdes = by[i * PC_MODE_COUNT + PC_MODE_DESUGARED];
        bool oom = false;
        if (js >= 0 && jdes >= 0 && jd->cmp->jobs[js].status == PC_JOB_OK &&
            !(broken[i] = translation_broken(jd, (size_t)js, (size_t)jdes, &oom)) && oom) {
            pc_oom(err);
            goto out;
        }
    }
    /* rows in the documented order: function, interpreter, mode; only the selected
     * functions (select.h) */
    for (f = 0; f < nnames; f++) {
        if (jd->select && !pc_selection_keeps(jd->select, &jd->cases->items[c], names[f]))
            continue;
        for (i = 0; i < jd->ninterps; i++) {
            long js = by[i * PC_MODE_COUNT + PC_MODE_SOURCE], jdes = by[i * PC_MODE_COUNT + PC_MODE_DESUGARED];
            const struct pc_held *src = js >= 0 && jd->cmp->jobs[js].status == PC_JOB_OK ? &jd->held[js] : NULL;
            if ((js >= 0 && judge_row(jd, (size_t)js, names[f], NULL, NULL, err)) ||
                (jdes >= 0 && judge_row(jd, (size_t)jdes, names[f], src, broken[i], err)))
                goto out;
        }
    }
    rc = 0;
    if (jd->release_texts && !(jd->keep_texts && jd->keep_texts[c]))
        pc_caseset_release_texts(jd->release_texts, c);
out:
    for (k = pc->first; k; k = jd->next_job[k - 1])
        held_free(&jd->held[k - 1]);
    for (i = 0; broken && i < jd->ninterps; i++)
        free(broken[i]);
    free(broken);
    free(names);
    free(by);
    return rc;
}

/* ---- the judge ------------------------------------------------------------------------ */

int pc_judge_init(pc_judge *j, const pc_caseset *cases, const pc_plan *plan,
                  const pc_expectations *ex, pc_comparison *out, pc_row_sink sink, void *ctx,
                  pc_error *err)
{
    size_t i, k, cap = 0;
    memset(j, 0, sizeof *j);
    memset(out, 0, sizeof *out);
    j->cases = cases;
    j->plan = plan;
    j->ex = ex;
    j->cmp = out;
    j->sink = sink;
    j->sink_ctx = ctx;
    /* name id 1 is always "<module>" */
    if (!pc_intern_add(&out->names, PC_MODULE_FUNCTION, strlen(PC_MODULE_FUNCTION), err))
        return -1;
    out->njobs = plan->len;
    out->plan_jobs = plan->jobs;
    if (!(out->jobs = calloc(plan->len + 1, sizeof *out->jobs)) ||
        !(j->held = calloc(plan->len + 1, sizeof *j->held)) ||
        !(j->pending = calloc(cases->len + 1, sizeof *j->pending)) ||
        !(j->next_job = calloc(plan->len + 1, sizeof *j->next_job)))
        return pc_oom(err);
    for (i = 0; i < plan->len; i++) {
        const pc_job *job = &plan->jobs[i];
        pc_judge_case *pc = &j->pending[job->kase - cases->items];
        if (plan->len >= UINT32_MAX)
            return pc_fail(err, "more than %u jobs", (unsigned)(UINT32_MAX - 1));
        if (pc->last)
            j->next_job[pc->last - 1] = (uint32_t)(i + 1);
        else
            pc->first = (uint32_t)(i + 1);
        pc->last = (uint32_t)(i + 1);
        pc->waiting++;
        for (k = 0; k < j->ninterps && j->interps[k] != job->interp; k++)
            ;
        if (k == j->ninterps) {
            if (pc_grow(&j->interps, &cap, j->ninterps + 1, sizeof *j->interps, err))
                return -1;
            j->interps[j->ninterps++] = job->interp;
        }
    }
    return 0;
}

int pc_judge_job(void *judge, size_t job, pc_job_result *r, pc_error *err)
{
    pc_judge *j = judge;
    pc_comparison *cmp = j->cmp;
    pc_job_record *rec;
    struct pc_held *h;
    pc_judge_case *pc;
    size_t i;
    if (job >= j->plan->len || cmp->jobs[job].status != PC_JOB_PENDING || r->status == PC_JOB_PENDING)
        return pc_fail(err, "job %zu: a result arrived twice, or for no planned job", job);
    rec = &cmp->jobs[job];
    rec->status = (unsigned char)r->status;
    rec->seconds = (float)r->seconds;
    rec->detail = r->detail; /* taken */
    r->detail = NULL;
    cmp->jobs_reported++;
    cmp->statuses[r->status]++;
    h = &j->held[job];
    if (r->status == PC_JOB_OK) {
        if (!(h->parts = calloc(r->nparts + 1, sizeof *h->parts)))
            return pc_oom(err);
        if (hold_part(cmp, &h->parts[h->n++], &r->module, err))
            return -1;
        for (i = 0; i < r->nparts; i++)
            if (hold_part(cmp, &h->parts[h->n++], &r->parts[i], err))
                return -1;
    }
    pc = &j->pending[j->plan->jobs[job].kase - j->cases->items];
    if (--pc->waiting == 0)
        return judge_case(j, (size_t)(j->plan->jobs[job].kase - j->cases->items), err);
    return 0;
}

int pc_judge_finish(pc_judge *j, const char *stopped, pc_error *err)
{
    size_t i;
    /* every planned job is accounted for: one that never arrived was not run (the run
     * was interrupted), or was lost, which is the harness's error and shows as one */
    for (i = 0; i < j->plan->len; i++) {
        pc_job_result r = {0};
        if (j->cmp->jobs[i].status != PC_JOB_PENDING)
            continue;
        r.status = stopped ? PC_JOB_NOT_RUN : PC_JOB_ERROR;
        r.detail = stopped ? pc_asprintf(err, "not run: %s", stopped)
                           : pc_strdup("no result: the harness lost this job", err);
        if (!r.detail)
            return -1;
        if (pc_judge_job(j, i, &r, err)) {
            pc_job_result_clear(&r);
            return -1;
        }
        j->cmp->jobs_reported -= 1; /* counted as filled in, not as reported */
        pc_job_result_clear(&r);
    }
    /* rows are in order within each case, and cases complete in any order: a counting
     * sort by case index (stable, linear), applied in place by following the
     * permutation's cycles, so the rows are never held twice */
    if (j->cmp->len > 1) {
        size_t n = j->cmp->len, ncases = j->cases->len, c;
        size_t *start = calloc(ncases + 1, sizeof *start);
        uint32_t *dest = malloc(n * sizeof *dest); /* n < 2^32: rows are counted so */
        pc_row *rows = j->cmp->rows;
        if (!start || !dest) {
            free(start);
            free(dest);
            return pc_oom(err);
        }
        for (i = 0; i < n; i++)
            start[(size_t)(j->plan->jobs[rows[i].job].kase - j->cases->items) + 1]++;
        for (c = 0; c < ncases; c++)
            start[c + 1] += start[c];
        for (i = 0; i < n; i++)
            dest[i] = (uint32_t)start[(size_t)(j->plan->jobs[rows[i].job].kase - j->cases->items)]++;
        free(start);
        for (i = 0; i < n; i++) {
            while (dest[i] != i) {
                uint32_t d = dest[i], t = dest[d];
                pc_row tmp = rows[d];
                rows[d] = rows[i];
                rows[i] = tmp;
                dest[d] = d;
                dest[i] = t;
            }
        }
        free(dest);
    }
    return 0;
}

const char *pc_judge_signal_reason(int sig, char *buf, size_t size)
{
    snprintf(buf, size, "interrupted by signal %d", sig);
    return buf;
}

void pc_judge_free(pc_judge *j)
{
    size_t i;
    for (i = 0; j->held && i < j->plan->len; i++)
        held_free(&j->held[i]);
    free(j->held);
    free(j->pending);
    free(j->next_job);
    free(j->interps);
    memset(j, 0, sizeof *j);
}

void pc_comparison_free(pc_comparison *cmp)
{
    size_t i;
    for (i = 0; i < cmp->len; i++) {
        free(cmp->rows[i].detail);
        json_decref(cmp->rows[i].diff);
    }
    free(cmp->rows);
    for (i = 0; i < cmp->njobs; i++)
        free(cmp->jobs[i].detail);
    free(cmp->jobs);
    pc_intern_free(&cmp->observations);
    pc_intern_free(&cmp->names);
    pc_intern_free(&cmp->reasons);
    memset(cmp, 0, sizeof *cmp);
}

json_t *pc_row_observation(const pc_comparison *cmp, const pc_row *row)
{
    return pc_intern_load(&cmp->observations, row->observation);
}
