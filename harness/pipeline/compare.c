/* compare.c - see compare.h. */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- observations ---------------------------------------------------------------- */

/* The function entry (or the module object) a result holds for `function`. */
static json_t *result_part(const pc_job_result *r, const char *function)
{
    json_t *fns, *f;
    size_t i;
    if (!r || r->status != PC_JOB_OK || !r->result)
        return NULL;
    if (strcmp(function, PC_MODULE_FUNCTION) == 0)
        return json_object_get(r->result, "module");
    fns = json_object_get(r->result, "functions");
    json_array_foreach(fns, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        if (name && strcmp(name, function) == 0)
            return f;
    }
    return NULL;
}

/* Fields that are judged, per kind of row (docs/protocol.md, "Observations"): the
 * outcome and printed text, the scope classification of the function's code objects
 * and what f_locals held as each of its frames returned. In desugared runs the runner
 * reports the last two in the user's terms; the translation's own code, frames and
 * `_dp_` names are recorded beside the judged observation (pc_recorded) and shown in
 * the report, never compared. */
static const char *const module_fields[] = {"compile_error", "error", "stdout", "scopes",
                                            "truncated", NULL};
static const char *const function_fields[] = {"outcome", "stdout", "scopes", "f_locals_at_return",
                                              "truncated", NULL};
static const char *const recorded_fields[] = {"translation_scopes", "translation_frames",
                                              "translation_names", NULL};

json_t *pc_observation(const pc_job_result *r, const char *function)
{
    json_t *part = result_part(r, function), *obs;
    bool module = strcmp(function, PC_MODULE_FUNCTION) == 0;
    const char *const *f;
    /* a call that did not complete, or a function never defined, observed nothing */
    if (!part || (!module && (json_object_get(part, "status") || json_object_get(part, "not_defined"))))
        return NULL;
    obs = json_object();
    for (f = module ? module_fields : function_fields; obs && *f; f++) {
        json_t *v = json_object_get(part, *f);
        /* the first fields are always present (null/"" when the runner omitted them) */
        if (!v && (f - (module ? module_fields : function_fields)) < (module ? 3 : 2))
            v = strcmp(*f, "stdout") == 0 ? json_string("") : json_null();
        else if (v)
            json_incref(v);
        if (v && json_object_set_new(obs, *f, v)) {
            json_decref(obs);
            return NULL;
        }
    }
    return obs;
}

json_t *pc_recorded(const pc_job_result *r, const char *function)
{
    json_t *part = result_part(r, function), *out = NULL;
    const char *const *f;
    for (f = recorded_fields; part && *f; f++) {
        json_t *v = json_object_get(part, *f);
        if (!v)
            continue;
        if (!out && !(out = json_object()))
            return NULL;
        json_object_set(out, *f, v);
    }
    return out;
}

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

/* ---- rows -------------------------------------------------------------------------- */

typedef struct index_map {
    size_t ncases, ninterps;
    const pc_interp **interps; /* distinct interpreters in plan order */
    long *job;                 /* [case][interp][mode] -> plan index or -1 */
} index_map;

static long *map_at(index_map *m, size_t c, size_t i, int mode)
{
    return &m->job[(c * m->ninterps + i) * PC_MODE_COUNT + (size_t)mode];
}

static int build_map(const pc_plan *plan, const pc_caseset *cases, index_map *m, pc_error *err)
{
    size_t j, k, cap = 0;
    memset(m, 0, sizeof *m);
    m->ncases = cases->len;
    for (j = 0; j < plan->len; j++) {
        const pc_interp *in = plan->jobs[j].interp;
        for (k = 0; k < m->ninterps && m->interps[k] != in; k++)
            ;
        if (k == m->ninterps) {
            if (pc_grow(&m->interps, &cap, m->ninterps + 1, sizeof *m->interps, err))
                return -1;
            m->interps[m->ninterps++] = in;
        }
    }
    m->job = malloc((m->ncases * m->ninterps * PC_MODE_COUNT + 1) * sizeof *m->job);
    if (!m->job)
        return pc_oom(err);
    for (j = 0; j < m->ncases * m->ninterps * PC_MODE_COUNT; j++)
        m->job[j] = -1;
    for (j = 0; j < plan->len; j++) {
        const pc_job *job = &plan->jobs[j];
        size_t c = (size_t)(job->kase - cases->items);
        for (k = 0; m->interps[k] != job->interp; k++)
            ;
        *map_at(m, c, k, job->mode) = (long)j;
    }
    return 0;
}

/* Function names of one case across all its completed jobs: <module> first, then in
 * the order the runs reported them (source runs first). */
static int case_functions(const pc_plan *plan, const pc_job_result *results, index_map *m,
                          size_t c, json_t *names, pc_error *err)
{
    size_t i, k;
    int mode;
    if (json_array_append_new(names, json_string(PC_MODULE_FUNCTION)))
        return pc_oom(err);
    for (mode = 0; mode < PC_MODE_COUNT; mode++) {
        for (i = 0; i < m->ninterps; i++) {
            long j = *map_at(m, c, i, mode);
            json_t *fns, *f;
            if (j < 0 || results[j].status != PC_JOB_OK)
                continue;
            fns = json_object_get(results[j].result, "functions");
            json_array_foreach(fns, k, f) {
                const char *name = json_string_value(json_object_get(f, "name"));
                size_t q;
                json_t *have;
                bool seen = false;
                if (!name)
                    continue;
                json_array_foreach(names, q, have)
                    seen |= strcmp(json_string_value(have), name) == 0;
                if (!seen && json_array_append_new(names, json_string(name)))
                    return pc_oom(err);
            }
        }
    }
    (void)plan;
    return 0;
}

static char *dup_or_null(const char *s, pc_error *err, int *rc)
{
    char *d;
    if (!s)
        return NULL;
    d = pc_strdup(s, err);
    if (!d)
        *rc = -1;
    return d;
}

/* Observations compare by value; an absent one (the function was not defined on that
 * build) equals JSON null, which is how expected/ records it. */
static bool obs_equal(json_t *a, json_t *b)
{
    return json_equal(a ? a : json_null(), b ? b : json_null());
}

/* Verdict for a completed job's row. obs may be NULL (function absent in this run). */
static int judge(pc_row *row, json_t *obs, json_t *src_obs, bool have_src, json_t *entry,
                 pc_error *err)
{
    json_t *exp_src = entry ? json_object_get(entry, "source") : NULL;
    json_t *exp_des = entry ? json_object_get(entry, "desugared") : NULL;
    const char *divergence = entry ? json_string_value(json_object_get(entry, "divergence")) : NULL;
    const char *reason = entry ? json_string_value(json_object_get(entry, "reason")) : NULL;
    const char *detail = NULL;
    json_t *want;
    int rc = 0;

    if (row->mode == PC_MODE_SOURCE) {
        want = exp_src;
        if (!entry) {
            row->verdict = PC_FAIL;
            detail = "no expectation recorded for this build (run `pyconform bless` and review)";
        } else if (obs_equal(obs, exp_src)) {
            row->verdict = PC_PASS;
        } else {
            row->verdict = PC_FAIL;
            detail = "observation differs from expected/";
        }
    } else if (have_src && !obs_equal(obs, src_obs)) {
        /* (a) the translation diverges from the source on this interpreter */
        want = exp_des ? exp_des : src_obs;
        if (exp_des && obs_equal(obs, exp_des) && divergence && *divergence) {
            row->verdict = PC_XFAIL;
            reason = divergence;
        } else if (exp_des && obs_equal(obs, exp_des)) {
            row->verdict = PC_DIVERGE;
            detail = "divergence recorded in expected/ without a reason: write one";
        } else {
            row->verdict = PC_DIVERGE;
            detail = exp_des ? "desugared differs from source and from the recorded divergence"
                             : "desugared differs from source";
        }
    } else if (have_src) {
        want = exp_des ? exp_des : exp_src;
        if (exp_des) {
            row->verdict = PC_XPASS;
            detail = "recorded divergence no longer happens: desugared now equals source";
        } else if (!entry || obs_equal(obs, exp_src)) {
            row->verdict = PC_PASS; /* equal to the source run; the source row judges expected/ */
        } else {
            row->verdict = PC_FAIL;
            detail = "desugared equals source, but both differ from expected/";
        }
    } else {
        /* no source observation to compare with: judge against expected/ only */
        want = exp_des ? exp_des : exp_src;
        if (!entry) {
            row->verdict = PC_FAIL;
            detail = "no source run and no expectation to compare with";
        } else if (obs_equal(obs, want)) {
            row->verdict = exp_des ? PC_XFAIL : PC_PASS;
            if (exp_des)
                reason = divergence;
        } else {
            row->verdict = PC_FAIL;
            detail = "observation differs from expected/";
        }
    }
    row->expected = want ? json_incref(want) : NULL;
    if (want && (!pc_verdict_get(row->verdict)->expected || row->verdict == PC_XFAIL))
        row->diff = pc_json_diff(want ? want : json_null(), obs ? obs : json_null());
    row->reason = dup_or_null(reason, err, &rc);
    row->detail = dup_or_null(detail, err, &rc);
    return rc;
}

static double function_seconds(const pc_job_result *r, const char *function)
{
    json_t *fns, *f;
    size_t i;
    if (!r->result)
        return r->seconds;
    fns = json_object_get(r->result, "functions");
    json_array_foreach(fns, i, f) {
        const char *name = json_string_value(json_object_get(f, "name"));
        if (name && strcmp(name, function) == 0)
            return json_number_value(json_object_get(f, "seconds"));
    }
    return r->seconds;
}

/* The status of a call that did not complete, or NULL. */
static const char *call_status(const pc_job_result *r, const char *function)
{
    if (strcmp(function, PC_MODULE_FUNCTION) == 0)
        return NULL;
    return json_string_value(json_object_get(result_part(r, function), "status"));
}

static int add_row(pc_comparison *out, const pc_job *job, const pc_job_result *r,
                   const char *function, json_t *src_obs, bool have_src, const pc_expectations *ex,
                   pc_error *err)
{
    pc_row *row;
    json_t *part = r->status == PC_JOB_OK ? result_part(r, function) : NULL;
    const char *status = part && strcmp(function, PC_MODULE_FUNCTION) != 0
                             ? json_string_value(json_object_get(part, "status"))
                             : NULL;
    if (pc_grow(&out->rows, &out->cap, out->len + 1, sizeof *out->rows, err))
        return -1;
    row = &out->rows[out->len++];
    memset(row, 0, sizeof *row);
    row->kase = job->kase;
    row->interp = job->interp;
    row->mode = job->mode;
    row->job = job->id;
    if (!(row->function = pc_strdup(function, err)))
        return -1;
    if (r->status != PC_JOB_OK) {
        row->verdict = pc_verdict_for_status(pc_job_status_name(r->status));
        row->seconds = r->seconds;
        if (r->detail && !(row->detail = pc_strdup(r->detail, err)))
            return -1;
    } else if (status) {
        /* the call did not complete: timeout, crash, error or not run */
        row->verdict = pc_verdict_for_status(status);
        row->seconds = json_number_value(json_object_get(part, "seconds"));
        if (!(row->detail = pc_strdup(json_string_value(json_object_get(part, "detail")), err)))
            return -1;
    } else {
        json_t *entry = pc_expect_find(ex, job->kase, function, job->interp);
        const char *note = json_string_value(json_object_get(part, "not_defined"));
        row->observation = pc_observation(r, function);
        row->recorded = pc_recorded(r, function);
        row->seconds = function_seconds(r, function);
        if (judge(row, row->observation, src_obs, have_src, entry, err))
            return -1;
        if (!note)
            note = json_string_value(json_object_get(part, "rerun"));
        if (note && !row->detail && !(row->detail = pc_strdup(note, err)))
            return -1;
    }
    out->counts[row->verdict]++;
    if (!pc_verdict_get(row->verdict)->expected)
        out->unexpected++;
    return 0;
}

/* (c): group the interpreters of one case function and mode by identical observation. */
typedef struct member {
    const pc_interp *interp;
    json_t *obs; /* owned */
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
                if (json_array_append_new(names, json_string(ms[i].interp->name)))
                    return pc_oom(err);
            i = last;
        }
        start = end;
    }
    return 0;
}

static int add_groups(pc_comparison *out, const pc_case *kase, const char *function, pc_mode mode,
                      index_map *m, size_t c, const pc_job_result *results, pc_error *err)
{
    member *ms = calloc(m->ninterps + 1, sizeof *ms);
    const pc_interp **ins = calloc(m->ninterps + 1, sizeof *ins);
    json_t *groups = json_array(), *entry;
    size_t i, k, n = 0;
    int ngroups = 0, g, rc = -1;
    if (!ms || !ins || !groups) {
        pc_oom(err);
        goto done;
    }
    for (i = 0; i < m->ninterps; i++) {
        long j = *map_at(m, c, i, mode);
        /* only builds that observed something: a job or call that did not complete
         * (TIMEOUT, CRASH, ERROR, SKIP, NOT-RUN) is not "absent" behaviour */
        if (j < 0 || results[j].status != PC_JOB_OK || call_status(&results[j], function))
            continue;
        ms[n].interp = m->interps[i];
        ms[n].obs = pc_observation(&results[j], function);
        ms[n].group = -1;
        for (k = 0; k < n; k++) {
            if ((ms[k].obs && ms[n].obs && json_equal(ms[k].obs, ms[n].obs)) ||
                (!ms[k].obs && !ms[n].obs)) {
                ms[n].group = ms[k].group;
                break;
            }
        }
        if (ms[n].group < 0)
            ms[n].group = ngroups++;
        n++;
    }
    if (n == 0) {
        rc = 0;
        goto done;
    }
    qsort(ms, n, sizeof *ms, member_order);
    for (i = 0; i < n; i++)
        ins[i] = ms[i].interp;
    for (g = 0; g < ngroups; g++) {
        pc_buf label = {0};
        json_t *names = json_array(), *gobj, *gobs = NULL;
        if (!names || label_group(ms, ins, n, g, &label, names, err)) {
            json_decref(names);
            pc_buf_free(&label);
            if (!names)
                pc_oom(err);
            goto done;
        }
        for (i = 0; i < n && !gobs; i++)
            if (ms[i].group == g)
                gobs = ms[i].obs;
        gobj = json_pack("{s:s, s:o, s:O}", "builds", label.data ? label.data : "", "interpreters",
                         names, "observation", gobs ? gobs : json_null());
        pc_buf_free(&label);
        if (!gobj || json_array_append_new(groups, gobj)) {
            pc_oom(err);
            goto done;
        }
    }
    entry = json_pack("{s:s, s:s, s:s, s:O}", "case", kase->name, "function", function, "mode",
                      pc_mode_name(mode), "groups", groups);
    if (!entry || json_array_append_new(out->groups, entry)) {
        pc_oom(err);
        goto done;
    }
    rc = 0;
done:
    for (i = 0; ms && i < n; i++)
        json_decref(ms[i].obs);
    free(ms);
    free(ins);
    json_decref(groups);
    return rc;
}

/* 1 (and broken->detail set) when the desugared run failed to compile but the source
 * run compiled; 0 otherwise; -1 (detail NULL) when out of memory. */
static int translation_broken(const pc_job_result *src, const pc_job_result *des,
                              pc_job_result *broken, pc_error *err)
{
    json_t *sce, *dce;
    if (des->status != PC_JOB_OK || src->status != PC_JOB_OK)
        return 0;
    sce = json_object_get(json_object_get(src->result, "module"), "compile_error");
    dce = json_object_get(json_object_get(des->result, "module"), "compile_error");
    if (!json_is_object(dce) || json_is_object(sce))
        return 0;
    broken->detail = pc_asprintf(err, "translation does not compile: %s: %s (line %lld)",
                                 json_string_value(json_object_get(dce, "type")),
                                 json_string_value(json_object_get(dce, "msg")),
                                 (long long)json_integer_value(json_object_get(dce, "line")));
    return broken->detail ? 1 : -1;
}

int pc_compare(const pc_caseset *cases, const pc_plan *plan, const pc_job_result *results,
               const pc_expectations *ex, pc_comparison *out, pc_error *err)
{
    index_map m;
    size_t c, i, f;
    int rc = -1;

    memset(out, 0, sizeof *out);
    out->groups = json_array();
    if (!out->groups)
        return pc_oom(err);
    if (plan->len == 0)
        return 0;
    if (build_map(plan, cases, &m, err))
        return -1;

    for (c = 0; c < cases->len; c++) {
        json_t *names = json_array(), *nm;
        if (!names) {
            pc_oom(err);
            goto out;
        }
        if (case_functions(plan, results, &m, c, names, err)) {
            json_decref(names);
            goto out;
        }
        json_array_foreach(names, f, nm) {
            const char *fn = json_string_value(nm);
            int mode;
            for (i = 0; i < m.ninterps; i++) {
                long js = *map_at(&m, c, i, PC_MODE_SOURCE);
                json_t *src_obs = js >= 0 ? pc_observation(&results[js], fn) : NULL;
                bool have_src = js >= 0 && results[js].status == PC_JOB_OK &&
                                !call_status(&results[js], fn);
                for (mode = 0; mode < PC_MODE_COUNT; mode++) {
                    long j = *map_at(&m, c, i, mode);
                    pc_job_result broken = {PC_JOB_ERROR, NULL, NULL, 0};
                    const pc_job_result *r;
                    int arc;
                    if (j < 0)
                        continue;
                    r = &results[j];
                    /* a translation that does not compile where the source does is the
                     * desugarer's error, not a divergence of every function */
                    if (mode == PC_MODE_DESUGARED && have_src &&
                        translation_broken(&results[js], r, &broken, err) != 0) {
                        if (!broken.detail) {
                            json_decref(src_obs);
                            json_decref(names);
                            goto out;
                        }
                        broken.seconds = r->seconds;
                        r = &broken;
                    }
                    arc = add_row(out, &plan->jobs[j], r, fn, src_obs, have_src, ex, err);
                    free(broken.detail);
                    if (arc) {
                        json_decref(src_obs);
                        json_decref(names);
                        goto out;
                    }
                }
                json_decref(src_obs);
            }
            for (mode = 0; mode < PC_MODE_COUNT; mode++) {
                if (add_groups(out, &cases->items[c], fn, (pc_mode)mode, &m, c, results, err)) {
                    json_decref(names);
                    goto out;
                }
            }
        }
        json_decref(names);
    }
    rc = 0;
out:
    free(m.interps);
    free(m.job);
    return rc;
}

void pc_comparison_free(pc_comparison *cmp)
{
    size_t i;
    for (i = 0; i < cmp->len; i++) {
        pc_row *r = &cmp->rows[i];
        free(r->function);
        json_decref(r->observation);
        json_decref(r->expected);
        json_decref(r->diff);
        json_decref(r->recorded);
        free(r->reason);
        free(r->detail);
    }
    free(cmp->rows);
    json_decref(cmp->groups);
    memset(cmp, 0, sizeof *cmp);
}
