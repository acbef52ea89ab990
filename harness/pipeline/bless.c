/* bless.c - see bless.h. */
#include "bless.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Rows of one (case, function) are contiguous in cmp, source and desugared interleaved
 * per interpreter (compare.h states the row order). */
typedef struct fn_rows {
    const pc_row *first;
    size_t n;
    const pc_comparison *cmp; /* holds the rows' observations */
} fn_rows;

static const pc_row *desugared_row(const fn_rows *fr, const pc_interp *in)
{
    size_t i;
    for (i = 0; i < fr->n; i++)
        if (fr->first[i].interp == in && fr->first[i].mode == PC_MODE_DESUGARED)
            return &fr->first[i];
    return NULL;
}

static bool all_expected(const fn_rows *fr, json_t *old)
{
    size_t i;
    if (!old)
        return false;
    for (i = 0; i < fr->n; i++)
        if (!pc_verdict_get(fr->first[i].verdict)->expected)
            return false;
    return true;
}

/* A string field of the first old entry whose `key` equals v; with `cls`, only among
 * entries of that build class (a version reason is about its implementation, a
 * divergence reason about the translation, whatever the build). */
static json_t *carried(json_t *old, const char *key, json_t *v, const char *field, const char *cls)
{
    size_t i;
    json_t *e;
    json_array_foreach(old, i, e) {
        json_t *r = json_object_get(e, field);
        const char *b = json_string_value(json_object_get(e, "builds"));
        if (cls && (!b || strncmp(b, cls, strlen(cls)) != 0 || b[strlen(cls)] != ' '))
            continue;
        if (json_is_string(r) && json_equal(json_object_get(e, key), v))
            return r;
    }
    return NULL;
}

static bool class_in(const char *builds, json_t *classes)
{
    size_t i, l;
    json_t *c;
    const char *sp = builds ? strchr(builds, ' ') : NULL;
    if (!sp)
        return false;
    l = (size_t)(sp - builds);
    json_array_foreach(classes, i, c) {
        const char *s = json_string_value(c);
        if (strlen(s) == l && strncmp(s, builds, l) == 0)
            return true;
    }
    return false;
}

static bool job_incomplete(const pc_row *r)
{
    return pc_verdict_get((pc_verdict)r->verdict)->incomplete;
}

typedef struct bmember {
    const pc_interp *interp;
    json_t *key;   /* owned: [source observation, desugared observation or null] */
    bool covered;  /* a build with traits that its plain implementation's entries cover */
} bmember;

static int bmember_order(const void *a, const void *b)
{
    return pc_builds_cmp(((const bmember *)a)->interp, ((const bmember *)b)->interp);
}

static bool has_traits(const pc_interp *in)
{
    return in->debug || in->free_threaded || in->wasm;
}

/* The first entry of the plain implementation (no traits) matching this build. */
static json_t *plain_entry(json_t *entries, const pc_interp *in)
{
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        if (pc_builds_match_plain(json_string_value(json_object_get(e, "builds")), in))
            return e;
    }
    return NULL;
}

/* Do the plain implementation's entries (new ones first, else the old) give this
 * member's observations? */
static bool plain_covers(json_t *out, json_t *old, const bmember *m)
{
    json_t *e = plain_entry(out, m->interp), *d;
    if (!e)
        e = plain_entry(old, m->interp);
    if (!e)
        return false;
    d = json_object_get(e, "desugared");
    return json_equal(json_object_get(e, "source"), json_array_get(m->key, 0)) &&
           json_equal(d ? d : json_null(), json_array_get(m->key, 1));
}

/* Append one entry per run of equal keys among the uncovered members of the class
 * segment ms[start, end); labels are bounded by all the segment's members. */
static int emit_runs(const bmember *ms, size_t start, size_t end, json_t *old, json_t *out,
                     pc_bless_stats *st, pc_error *err)
{
    const pc_interp **ins = calloc(end - start + 1, sizeof *ins);
    size_t i, first;
    if (!ins)
        return pc_oom(err);
    for (i = start; i < end; i++)
        ins[i - start] = ms[i].interp;
    for (first = start; first < end;) {
        size_t last = first;
        char label[256], cls[128];
        json_t *entry, *sobs, *dobs, *reason;
        if (ms[first].covered) {
            first++;
            continue;
        }
        while (last + 1 < end && !ms[last + 1].covered && json_equal(ms[last + 1].key, ms[first].key))
            last++;
        pc_builds_label(ins, end - start, first - start, last - start, label, sizeof label);
        sobs = json_array_get(ms[first].key, 0);
        dobs = json_array_get(ms[first].key, 1);
        entry = json_pack("{s:s, s:O}", "builds", label, "source", sobs);
        if (!entry || json_array_append_new(out, entry)) {
            free(ins);
            return pc_oom(err);
        }
        if (!json_is_null(dobs)) {
            json_t *div = carried(old, "desugared", dobs, "divergence", NULL);
            json_object_set(entry, "desugared", dobs);
            json_object_set(entry, "divergence", div ? div : json_null());
            if (!div)
                st->divergences_without_reason++;
        }
        pc_builds_class(ms[first].interp, cls, sizeof cls);
        reason = carried(old, "source", sobs, "reason", cls);
        if (reason)
            json_object_set(entry, "reason", reason);
        first = last + 1;
    }
    free(ins);
    return 0;
}

/* Regenerate the entries of one function. Returns a new array. Plain classes are
 * written first; a build with traits gets entries only where it behaves differently
 * from its plain implementation. */
static json_t *regenerate(const fn_rows *fr, json_t *old, pc_bless_stats *st, pc_error *err)
{
    bmember *ms = calloc(fr->n + 1, sizeof *ms);
    json_t *out = json_array(), *classes = json_array(), *e;
    size_t n = 0, i, start;
    int pass;
    if (!ms || !out || !classes) {
        pc_oom(err);
        goto fail;
    }
    for (i = 0; i < fr->n; i++) {
        const pc_row *r = &fr->first[i];
        const pc_row *d;
        json_t *obs, *dobs = NULL;
        /* rows of jobs that did not complete say nothing; a completed job without the
         * function records it as absent (null) */
        if (r->mode != PC_MODE_SOURCE || job_incomplete(r))
            continue;
        d = desugared_row(fr, r->interp);
        /* interned observations: equal exactly when their ids are */
        if (d && !job_incomplete(d) && d->observation != r->observation)
            dobs = d->observation ? pc_row_observation(fr->cmp, d) : json_null();
        obs = r->observation ? pc_row_observation(fr->cmp, r) : json_null();
        ms[n].interp = r->interp;
        ms[n].key = obs && dobs ? json_pack("[o, o]", obs, dobs)
                                : obs ? json_pack("[o, n]", obs) : NULL;
        if (!obs)
            json_decref(dobs);
        if (!ms[n].key) {
            pc_oom(err);
            goto fail;
        }
        n++;
    }
    qsort(ms, n, sizeof *ms, bmember_order);
    for (pass = 0; pass < 2; pass++) {
        for (start = 0; start < n;) {
            char cls[128], cls2[128];
            size_t end = start + 1;
            pc_builds_class(ms[start].interp, cls, sizeof cls);
            while (end < n) {
                pc_builds_class(ms[end].interp, cls2, sizeof cls2);
                if (strcmp(cls, cls2) != 0)
                    break;
                end++;
            }
            if (has_traits(ms[start].interp) == (pass == 1)) {
                if (pass == 1) {
                    for (i = start; i < end; i++)
                        ms[i].covered = plain_covers(out, old, &ms[i]);
                }
                if (json_array_append_new(classes, json_string(cls)) ||
                    emit_runs(ms, start, end, old, out, st, err))
                    goto fail;
            }
            start = end;
        }
    }
    /* keep what the run says nothing about */
    json_array_foreach(old, i, e) {
        if (!class_in(json_string_value(json_object_get(e, "builds")), classes))
            json_array_append(out, e);
    }
    for (i = 0; i < n; i++)
        json_decref(ms[i].key);
    free(ms);
    json_decref(classes);
    return out;
fail:
    for (i = 0; ms && i < n; i++)
        json_decref(ms[i].key);
    free(ms);
    json_decref(out);
    json_decref(classes);
    return NULL;
}

/* ---- stale expectations ---------------------------------------------------------- */

/* A build and mode that completed a job of a case block. */
typedef struct done_job {
    const pc_interp *interp;
    pc_mode mode;
} done_job;

/* The completed jobs of case k: those whose rows hold an observation (every completed
 * job observes <module>). */
static int completed_jobs(const pc_comparison *cmp, const pc_case *k, done_job **out, size_t *n,
                          pc_error *err)
{
    size_t cap = 0, i, j;
    *out = NULL;
    *n = 0;
    for (i = 0; i < cmp->len; i++) {
        const pc_row *r = &cmp->rows[i];
        if (r->kase != k || !r->observation)
            continue;
        for (j = 0; j < *n && ((*out)[j].interp != r->interp || (*out)[j].mode != r->mode); j++)
            ;
        if (j < *n)
            continue;
        if (pc_grow(out, &cap, *n + 1, sizeof **out, err))
            return -1;
        (*out)[*n].interp = r->interp;
        (*out)[*n].mode = r->mode;
        (*n)++;
    }
    return 0;
}

/* Some job of the run knows the function: a row for it exists, observed or not (a call
 * that timed out, crashed or was not run still names a function the case defines). */
static bool reported(const pc_comparison *cmp, const pc_case *k, const char *function)
{
    size_t i;
    for (i = 0; i < cmp->len; i++)
        if (cmp->rows[i].kase == k && !strcmp(cmp->rows[i].function, function))
            return true;
    return false;
}

/* The entry that a completed job contradicts by not reporting the function: the one
 * for its build, when it expects an observation in that job's mode. */
static json_t *contradicted(const pc_expectations *ex, const pc_case *k, const char *function,
                            const done_job *d)
{
    json_t *e = pc_expect_find(ex, k, function, d->interp), *want;
    if (!e)
        return NULL;
    want = json_object_get(e, "desugared");
    if (d->mode != PC_MODE_DESUGARED || !want)
        want = json_object_get(e, "source");
    return want && !json_is_null(want) ? e : NULL;
}

int pc_stale_find(const pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp,
                  pc_stale_list *out, pc_error *err)
{
    size_t c;
    if (pc_expect_stale_cases(ex, cases, out, err))
        return -1;
    for (c = 0; c < cases->len; c++) {
        const pc_case *k = &cases->items[c];
        const pc_expect_file *f = pc_expect_file_for(ex, k->file);
        json_t *kc = pc_expect_case(ex, k), *fval;
        const char *fname;
        done_job *done;
        size_t ndone, d;
        if (!f || json_object_size(kc) == 0)
            continue;
        if (completed_jobs(cmp, k, &done, &ndone, err))
            return -1;
        json_object_foreach(kc, fname, fval) {
            if (ndone == 0 || reported(cmp, k, fname))
                continue;
            for (d = 0; d < ndone; d++) {
                if (!contradicted(ex, k, fname, &done[d]))
                    continue;
                if (pc_stale_add(out, PC_STALE_FUNCTION, f, k->name, fname, done[d].interp->name, err)) {
                    free(done);
                    return -1;
                }
                break;
            }
        }
        free(done);
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

/* Remove from new_case[function] the entries the run contradicted (see
 * pc_stale_find); the function goes when none is left. ex is the store as loaded. */
static int drop_stale_function(const pc_expectations *ex, const pc_case *k, const char *function,
                               const pc_comparison *cmp, json_t *new_case, FILE *log, const char *file,
                               pc_error *err)
{
    json_t *entries = json_object_get(new_case, function), *kept, *e;
    done_job *done;
    size_t ndone, i, d;
    if (!entries)
        return 0;
    if (completed_jobs(cmp, k, &done, &ndone, err))
        return -1;
    if (!(kept = json_array())) {
        free(done);
        return pc_oom(err);
    }
    json_array_foreach(entries, i, e) {
        bool drop = false;
        for (d = 0; d < ndone && !drop; d++)
            drop = contradicted(ex, k, function, &done[d]) == e;
        if (!drop && json_array_append(kept, e)) {
            free(done);
            json_decref(kept);
            return pc_oom(err);
        }
    }
    free(done);
    if (log)
        fprintf(log, "pyconform: removed stale expectation: %s: case \"%s\" function \"%s\" (%zu of %zu entries)\n",
                file, k->name, function, json_array_size(entries) - json_array_size(kept), json_array_size(entries));
    if (json_array_size(kept) == 0) {
        json_decref(kept);
        return json_object_del(new_case, function) == 0 ? 0 : pc_fail(err, "%s: lost a function", k->name);
    }
    if (json_object_set_new(new_case, function, kept))
        return pc_oom(err);
    return 0;
}

/* Remove the stale case blocks (kind CASE) from their files. */
static void drop_stale_cases(pc_expectations *ex, const pc_stale_list *stale, FILE *log, pc_bless_stats *st)
{
    size_t i, k;
    for (i = 0; i < stale->len; i++) {
        const pc_stale *s = &stale->items[i];
        for (k = 0; s->kind == PC_STALE_CASE && k < ex->len; k++) {
            json_t *all = json_object_get(ex->files[k].root, "cases");
            json_t *kc = json_object_get(all, s->kase);
            if (ex->files[k].path != s->file || !kc)
                continue;
            st->functions_dropped += json_object_size(kc);
            if (log)
                fprintf(log, "pyconform: removed stale expectation: %s: case \"%s\" (%s defines no such case)\n",
                        s->file, s->kase, s->case_file);
            json_object_del(all, s->kase);
        }
    }
}

/* mkdir -p the directory of a file path. */
static int make_parent(const char *path, pc_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int rc;
    if (!slash || slash == path)
        return 0;
    if (!(dir = pc_strndup(path, (size_t)(slash - path), err)))
        return -1;
    rc = pc_mkdir_p(dir, err);
    free(dir);
    return rc;
}

int pc_bless(pc_expectations *ex, const pc_caseset *cases, const pc_comparison *cmp, FILE *log,
             pc_bless_stats *st, pc_error *err)
{
    json_t **before = calloc(ex->len + 1, sizeof *before);
    pc_stale_list stale = {0};
    size_t i, c;
    int rc = -1;
    memset(st, 0, sizeof *st);
    if (!before)
        return pc_oom(err);
    if (pc_stale_find(ex, cases, cmp, &stale, err))
        goto out;
    for (i = 0; i < ex->len; i++)
        if (!(before[i] = json_deep_copy(ex->files[i].root))) {
            pc_oom(err);
            goto out;
        }

    for (c = 0; c < cases->len; c++) {
        const pc_case *k = &cases->items[c];
        pc_expect_file *f = pc_expect_file_for(ex, k->file);
        json_t *all = f ? json_object_get(f->root, "cases") : NULL;
        json_t *old_case, *new_case;
        size_t r = 0, s;
        const char *fname;
        json_t *fval;
        if (!all)
            continue;
        while (r < cmp->len && cmp->rows[r].kase != k)
            r++;
        if (r == cmp->len)
            continue; /* not run: keep as it is */
        old_case = json_object_get(all, k->name);
        /* functions the run says nothing about are kept as they are */
        new_case = old_case ? json_copy(old_case) : json_object();
        if (!new_case) {
            pc_oom(err);
            goto out;
        }
        while (r < cmp->len && cmp->rows[r].kase == k) {
            fn_rows fr = {&cmp->rows[r], 0, cmp};
            json_t *old = old_case ? json_object_get(old_case, cmp->rows[r].function) : NULL;
            json_t *entries;
            while (r + fr.n < cmp->len && cmp->rows[r + fr.n].kase == k &&
                   cmp->rows[r + fr.n].function == fr.first->function)
                fr.n++;
            r += fr.n;
            if (all_expected(&fr, old)) {
                entries = json_incref(old);
                st->functions_kept++;
            } else {
                entries = regenerate(&fr, old, st, err);
                if (!entries) {
                    json_decref(new_case);
                    goto out;
                }
                if (json_array_size(entries) == 0) {
                    json_decref(entries); /* nothing completed: nothing to record */
                    continue;
                }
                st->functions_updated += !json_equal(entries, old);
                st->functions_kept += json_equal(entries, old);
            }
            if (json_object_set_new(new_case, fr.first->function, entries)) {
                json_decref(new_case);
                pc_oom(err);
                goto out;
            }
        }
        for (s = 0; s < stale.len; s++) {
            const pc_stale *it = &stale.items[s];
            if (it->kind == PC_STALE_FUNCTION && it->file == f->path && !strcmp(it->kase, k->name) &&
                drop_stale_function(ex, k, it->function, cmp, new_case, log, f->path, err)) {
                json_decref(new_case);
                goto out;
            }
        }
        json_object_foreach(old_case, fname, fval) {
            if (!json_object_get(new_case, fname))
                st->functions_dropped++;
        }
        if (!old_case && json_object_size(new_case) == 0) {
            json_decref(new_case);
            continue;
        }
        if (json_object_set_new(all, k->name, new_case)) {
            pc_oom(err);
            goto out;
        }
    }
    drop_stale_cases(ex, &stale, log, st);

    for (i = 0; i < ex->len; i++) {
        pc_expect_file *f = &ex->files[i];
        char *text;
        int wrc;
        if (json_equal(before[i], f->root))
            continue;
        if (make_parent(f->path, err))
            goto out;
        text = json_dumps(f->root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        if (!text) {
            pc_oom(err);
            goto out;
        }
        {
            size_t l = strlen(text);
            char *withnl = pc_asprintf(err, "%s\n", text);
            free(text);
            if (!withnl)
                goto out;
            wrc = pc_write_atomic(f->path, withnl, l + 1, err);
            free(withnl);
        }
        if (wrc)
            goto out;
        st->files_written++;
        if (log)
            fprintf(log, "pyconform: wrote %s\n", f->path);
    }
    rc = 0;
out:
    for (i = 0; i < ex->len; i++)
        json_decref(before[i]);
    free(before);
    pc_stale_list_free(&stale);
    return rc;
}
