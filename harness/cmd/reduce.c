/* reduce.c - `pyconform reduce`: a case block shrunk while it stays interesting.
 *
 * 1. The block runs once as it is (its source only: desugared runs use its own
 *    translation, never the `=` text), on the selected builds in the selected modes,
 *    judged against expected/ as `run` judges it (a trial, cmd/trial.h).
 * 2. What makes it interesting is read from that run (pick_target): for FUNCTION (or
 *    each function in order), the first unexpected verdict among DIVERGE, CRASH,
 *    TIMEOUT and FAIL (a FAIL against an expectation, not "none recorded"): the kind,
 *    every (build, mode) where the function has it, and for DIVERGE and FAIL the first
 *    differing path there. Failing that, a split between builds: the groups of builds
 *    with equal observations, and the path where the first two groups differ.
 * 3. Rounds: host/reduce.py makes the candidates of the current text (AST passes, then
 *    line passes), smallest first, each one parsing; they run in chunks, each chunk as
 *    the blocks of one trial (one warm runner per build serves them all: never an
 *    interpreter start per candidate); the first interesting candidate of a chunk
 *    becomes the current text and a new round starts. A round with no interesting
 *    candidate ends the phase; the AST and line phases alternate until neither finds
 *    one, or --budget runs out.
 * 4. The result is printed in the case format: `$ NAME (reduced)`, the source, and for
 *    a target that involves desugared runs the `=` translation it was judged with.
 * Everything is deterministic: the candidates' order, the chunks and the choice.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bisect.h"
#include "cmd.h"
#include "process.h"
#include "trial.h"
#include "util.h"

#define CHUNK 24 /* candidates per trial */

typedef enum { K_DIVERGE, K_CRASH, K_TIMEOUT, K_FAIL, K_SPLIT } kind_t;
static const char *const kind_names[] = {"DIVERGE", "CRASH", "TIMEOUT", "FAIL", "split"};

typedef struct spot {
    const pc_interp *in;
    pc_mode mode;
    char *path;   /* first differing path (DIVERGE, FAIL), or NULL */
    json_t *want; /* FAIL: the expected value it differs from */
    int group;    /* split: the group of this build */
} spot;

typedef struct target {
    kind_t kind;
    char *function;
    spot *spots;
    size_t n;
    char *split_path; /* split: where the first two groups differ */
    bool desugared;   /* some spot is a desugared run */
} target;

static void target_free(target *t)
{
    size_t i;
    for (i = 0; i < t->n; i++) {
        free(t->spots[i].path);
        json_decref(t->spots[i].want);
    }
    free(t->spots);
    free(t->function);
    free(t->split_path);
    memset(t, 0, sizeof *t);
}

/* A path with its list positions taken out ("f_locals_at_return[4].locals" is
 * "f_locals_at_return[].locals"): a frame's position in f_locals_at_return, or an
 * element's in a list, moves when the statements before it go, and the difference is
 * still the same one. In place. */
static void path_shape(char *p)
{
    char *w = p;
    bool in_index = false;
    for (; *p; p++) {
        if (*p == '[' && p[1] >= '0' && p[1] <= '9')
            in_index = true, *w++ = '[';
        else if (in_index && *p >= '0' && *p <= '9')
            continue;
        else {
            in_index = false;
            *w++ = *p;
        }
    }
    *w = '\0';
}

/* The shape (path_shape) of the first differing path between a and b, or NULL. */
static char *diff_path(json_t *a, json_t *b)
{
    json_t *d = pc_json_diff(a, b);
    char *p = d ? strdup(json_string_value(json_object_get(d, "path"))) : NULL;
    json_decref(d);
    if (p)
        path_shape(p);
    return p;
}

static json_t *row_obs(const pc_trial *t, const pc_row *r)
{
    json_t *v = r ? pc_row_observation(&t->cmp, r) : NULL;
    return v ? v : json_null();
}

/* The first path where the desugared run of `function` on `in` differs from the source
 * run (owned), or NULL when they are equal or one is missing. */
static char *divergence_path(const pc_trial *t, const pc_case *c, const char *function,
                             const pc_interp *in)
{
    const pc_row *s = pc_trial_row(t, c, function, in, PC_MODE_SOURCE);
    const pc_row *d = pc_trial_row(t, c, function, in, PC_MODE_DESUGARED);
    json_t *js, *jd;
    char *p;
    if (!s || !d || !s->observation || !d->observation)
        return NULL;
    js = row_obs(t, s);
    jd = row_obs(t, d);
    p = diff_path(js, jd);
    json_decref(js);
    json_decref(jd);
    return p;
}

/* The kind a verdict gives: a recorded divergence (XFAIL) is kept as the divergence it is
 * (candidates, under other names, have no record: they show it as DIVERGE). */
static bool kind_of(pc_verdict v, kind_t *k)
{
    switch (v) {
    case PC_DIVERGE: *k = K_DIVERGE; return true;
    case PC_XFAIL: *k = K_DIVERGE; return true;
    case PC_CRASH: *k = K_CRASH; return true;
    case PC_TIMEOUT: *k = K_TIMEOUT; return true;
    case PC_FAIL: *k = K_FAIL; return true;
    default: return false;
    }
}

/* The groups of equal observations of `function` over the selected builds, in mode;
 * groups[i] is the index of the first build equal to build i. Builds are spots. */
static int split_groups(const pc_trial *t, const pc_case *c, const char *function, spot *s,
                        size_t n, int *groups, pc_error *err)
{
    size_t i, j;
    char **texts = calloc(n + 1, sizeof *texts);
    if (!texts)
        return pc_oom(err);
    for (i = 0; i < n; i++) {
        const pc_row *r = pc_trial_row(t, c, function, s[i].in, s[i].mode);
        bool oom = false;
        texts[i] = r ? pc_trial_observation_text(t, r, &oom) : NULL;
        if (oom) {
            for (j = 0; j < i; j++)
                free(texts[j]);
            free(texts);
            return pc_oom(err);
        }
        if (!texts[i]) /* nothing observed: the verdict stands for it */
            texts[i] = pc_asprintf(err, "(%s)", r ? pc_verdict_get(r->verdict)->name : "none");
        groups[i] = (int)i;
        for (j = 0; j < i; j++)
            if (texts[i] && texts[j] && !strcmp(texts[i], texts[j])) {
                groups[i] = groups[j];
                break;
            }
    }
    for (i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return 0;
}

/* 2. What the original run shows, into tg; 1 when nothing is interesting. */
static int pick_target(const pc_trial *t, const pc_case *c, const pc_expectations *ex,
                       const pc_registry *reg, unsigned modes, const char *only, target *tg,
                       pc_error *err)
{
    size_t i, j;
    const char *fn = NULL;
    kind_t kind = K_FAIL;
    memset(tg, 0, sizeof *tg);
    /* the first unexpected row (rows: by function, then build, then mode) */
    for (i = 0; i < t->cmp.len && !fn; i++) {
        const pc_row *r = &t->cmp.rows[i];
        if (only && strcmp(r->function, only) != 0)
            continue;
        if (pc_row_case(&t->cmp, r) != c || !kind_of((pc_verdict)r->verdict, &kind))
            continue;
        if (kind == K_DIVERGE) {
            char *dp = pc_row_mode(&t->cmp, r) == PC_MODE_DESUGARED
                           ? divergence_path(t, c, r->function, pc_row_interp(&t->cmp, r)) : NULL;
            if (!dp)
                continue; /* an XFAIL of a source run, or nothing to compare */
            free(dp);
        } else if (kind == K_FAIL && !r->diff) {
            continue; /* "no expectation recorded" is nothing to keep */
        }
        fn = r->function;
    }
    if (fn) {
        tg->kind = kind;
        if (!(tg->function = pc_strdup(fn, err)) ||
            !(tg->spots = calloc(t->cmp.len + 1, sizeof *tg->spots)))
            return pc_oom(err);
        for (i = 0; i < t->cmp.len; i++) {
            const pc_row *r = &t->cmp.rows[i];
            kind_t k;
            spot *s;
            char *dp = NULL;
            if (pc_row_case(&t->cmp, r) != c || strcmp(r->function, fn) || !kind_of((pc_verdict)r->verdict, &k) ||
                k != kind || (kind == K_FAIL && !r->diff))
                continue;
            if (kind == K_DIVERGE &&
                (pc_row_mode(&t->cmp, r) != PC_MODE_DESUGARED ||
                 !(dp = divergence_path(t, c, r->function, pc_row_interp(&t->cmp, r)))))
                continue;
            s = &tg->spots[tg->n++];
            s->in = pc_row_interp(&t->cmp, r);
            s->mode = pc_row_mode(&t->cmp, r);
            tg->desugared |= s->mode == PC_MODE_DESUGARED;
            s->path = dp;
            if (kind == K_FAIL) {
                if (!(s->path = pc_strdup(json_string_value(json_object_get(r->diff, "path")), err)))
                    return -1;
                path_shape(s->path);
            }
            if (kind == K_FAIL) {
                pc_expect_entry e;
                if (pc_expect_lookup(ex, c, fn, pc_row_interp(&t->cmp, r), &e) &&
                    !(s->want = pc_expect_want_json(&e, s->mode == PC_MODE_DESUGARED)))
                    return pc_oom(err);
            }
        }
        return 0;
    }
    /* a split between builds, in the first mode run */
    {
        pc_mode mode = (modes & PC_MODES_SOURCE) ? PC_MODE_SOURCE : PC_MODE_DESUGARED;
        size_t nb = 0;
        int *groups;
        spot *s = calloc(reg->len + 1, sizeof *s);
        if (!s || !(groups = calloc(reg->len + 1, sizeof *groups))) {
            free(s);
            return pc_oom(err);
        }
        for (i = 0; i < reg->len; i++)
            if (reg->items[i].selected && reg->items[i].supported) {
                s[nb].in = &reg->items[i];
                s[nb++].mode = mode;
            }
        for (i = 0; i < t->cmp.len; i++) {
            const pc_row *r = &t->cmp.rows[i];
            bool split = false;
            if (pc_row_case(&t->cmp, r) != c || (only && strcmp(r->function, only)) ||
                (fn && !strcmp(fn, r->function)))
                continue;
            fn = r->function;
            if (split_groups(t, c, fn, s, nb, groups, err)) {
                free(s);
                free(groups);
                return -1;
            }
            for (j = 0; j < nb; j++)
                split |= groups[j] != 0;
            if (split) {
                const pc_row *a = pc_trial_row(t, c, fn, s[0].in, mode);
                for (j = 1; groups[j] == 0; j++)
                    ;
                {
                    const pc_row *b = pc_trial_row(t, c, fn, s[j].in, mode);
                    json_t *ja = row_obs(t, a), *jb = row_obs(t, b);
                    tg->split_path = diff_path(ja, jb);
                    json_decref(ja);
                    json_decref(jb);
                }
                for (j = 0; j < nb; j++)
                    s[j].group = groups[j];
                tg->kind = K_SPLIT;
                tg->spots = s;
                tg->n = nb;
                tg->desugared = mode == PC_MODE_DESUGARED;
                free(groups);
                if (!(tg->function = pc_strdup(fn, err)))
                    return -1;
                return 0;
            }
        }
        free(s);
        free(groups);
    }
    return 1;
}

/* Is case c of trial t interesting the way tg says? */
static bool interesting(const pc_trial *t, const pc_case *c, const target *tg)
{
    size_t i;
    if (tg->kind == K_SPLIT) {
        int *groups = calloc(tg->n + 1, sizeof *groups);
        pc_error err;
        bool same = groups && !split_groups(t, c, tg->function, tg->spots, tg->n, groups, &err);
        for (i = 0; same && i < tg->n; i++)
            same = groups[i] == tg->spots[i].group;
        if (same && tg->split_path) {
            const pc_row *a = pc_trial_row(t, c, tg->function, tg->spots[0].in, tg->spots[0].mode);
            const pc_row *b = NULL;
            for (i = 1; i < tg->n; i++)
                if (tg->spots[i].group != 0) {
                    b = pc_trial_row(t, c, tg->function, tg->spots[i].in, tg->spots[i].mode);
                    break;
                }
            {
                json_t *ja = row_obs(t, a), *jb = row_obs(t, b);
                char *p = diff_path(ja, jb);
                same = p && !strcmp(p, tg->split_path);
                free(p);
                json_decref(ja);
                json_decref(jb);
            }
        }
        free(groups);
        return same;
    }
    for (i = 0; i < tg->n; i++) {
        const spot *s = &tg->spots[i];
        const pc_row *r = pc_trial_row(t, c, tg->function, s->in, s->mode);
        if (!r)
            return false;
        if (tg->kind == K_FAIL) {
            json_t *obs = row_obs(t, r);
            char *p = s->want ? diff_path(s->want, obs) : NULL;
            bool ok = p && s->path && !strcmp(p, s->path) &&
                      r->verdict != PC_CRASH && r->verdict != PC_TIMEOUT && r->verdict != PC_ERROR;
            free(p);
            json_decref(obs);
            if (!ok)
                return false;
            continue;
        }
        if (r->verdict != (tg->kind == K_DIVERGE ? PC_DIVERGE
                           : tg->kind == K_CRASH ? PC_CRASH
                                                 : PC_TIMEOUT))
            return false;
        if (tg->kind == K_DIVERGE) {
            char *dp = divergence_path(t, c, tg->function, s->in);
            bool same = dp && s->path && !strcmp(dp, s->path);
            free(dp);
            if (!same)
                return false;
        }
    }
    return true;
}

/* host/reduce.py's candidates for text (a JSON array, new reference). */
static json_t *candidates(const pc_options *o, const pc_paths *p, const char *text,
                          const char *phase, const char *keep, int stop_fd, int *stopped,
                          pc_error *err)
{
    char *script = pc_asprintf(err, "%s/reduce.py", p->host);
    char *argv[] = {(char *)pc_cmd_python(o), script, "--phase", (char *)phase, "--keep",
                    (char *)keep, NULL};
    pc_child c = {0};
    pc_buf out = {0}, errb = {0};
    int status = 0;
    bool to = false;
    json_t *root = NULL, *list = NULL;
    json_error_t je;
    if (!script)
        return NULL;
    c.argv = argv;
    c.pipe_in = c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    c.stop_fd = stop_fd > 0 ? stop_fd : 0;
    if (pc_child_start(&c, err) ||
        pc_child_capture(&c, text, 300, &out, &errb, &status, &to, err))
        goto out;
    if (c.stopped) {
        *stopped = pc_cmd_pending_signal(stop_fd);
        goto out;
    }
    if (to || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        pc_fail(err, "%s: %s", script,
                errb.data ? errb.data : to ? "timed out" : "failed without a message");
        goto out;
    }
    if (!(root = json_loadb(out.data ? out.data : "", out.len, 0, &je)) ||
        !json_is_array(list = json_object_get(root, "candidates"))) {
        pc_fail(err, "%s: unreadable output: %s", script, je.text);
        goto out;
    }
    json_incref(list);
out:
    json_decref(root);
    free(script);
    pc_buf_free(&out);
    pc_buf_free(&errb);
    return list;
}

/* A case set holding the texts as blocks named "NAME #1".. (path: for messages only). */
static int candidate_set(pc_caseset *set, const char *path, const char *name, json_t *list,
                         size_t from, size_t n, pc_error *err)
{
    pc_buf b = {0};
    size_t i;
    int rc;
    for (i = 0; i < n; i++) {
        const char *text = json_string_value(json_array_get(list, from + i));
        size_t l = strlen(text);
        if (pc_buf_appendf(&b, err, "$ %s #%zu\n%s%s", name, from + i + 1, text,
                           l && text[l - 1] == '\n' ? "" : "\n")) {
            pc_buf_free(&b);
            return -1;
        }
    }
    rc = pc_parse_text(set, path, b.data ? b.data : "", b.len, err);
    pc_buf_free(&b);
    return rc;
}

/* Lines of a text, blank and comment lines included (what a reader sees). */
static size_t count_lines(const char *s)
{
    size_t n = 0;
    if (!*s)
        return 0;
    for (; *s; s++)
        n += *s == '\n';
    return n + (s[-1] != '\n');
}

static int reduce_block(const pc_options *o, const pc_paths *p, int stop_fd)
{
    pc_caseset cases = {0}, base = {0};
    pc_expectations ex = {0};
    pc_registry reg = {0};
    pc_trial t = {0};
    target tg = {0};
    pc_error err;
    pc_trial_config tc = {o, p, NULL, stop_fd};
    const char *file, *block, *only;
    char *current = NULL, *translation = NULL;
    size_t k, i, nselected = 0, rounds = 0, tried = 0, lines_before;
    int rc = PC_EXIT_USAGE, stopped = 0, phase = 0, quiet_phases = 0;
    double t0 = pc_now(), budget = o->budget > 0 ? o->budget : 300;
    bool out_of_time = false;

    if (o->nfiles < 2 || o->nfiles > 3) {
        fprintf(stderr, "pyconform: reduce: expected CASE_FILE BLOCK [FUNCTION]; see `pyconform "
                        "reduce --help`\n");
        return PC_EXIT_USAGE;
    }
    file = o->files[0], block = o->files[1], only = o->nfiles == 3 ? o->files[2] : NULL;
    if (pc_parse_file(&cases, file, &err) || pc_bisect_find_case(&cases, file, block, &k, &err) ||
        pc_expect_load(&ex, p->expected, &cases, &err) ||
        pc_cmd_load_registry(o, p, &reg, stop_fd, &nselected, &err))
        goto fail;
    if (!nselected) {
        pc_fail(&err, "no supported interpreter matches%s%s (see `pyconform interpreters`)",
                o->ninterps ? " --interp" : "", o->ntags ? " --tag" : "");
        goto fail;
    }
    /* 1. the block as it is, without its `=` text, under its own name and file (so that
     * expected/ judges it) */
    if (!(current = pc_strdup(cases.items[k].source, &err)))
        goto fail;
    {
        pc_buf b = {0};
        if (pc_buf_appendf(&b, &err, "$ %s\n%s", block, current) ||
            pc_parse_text(&base, cases.items[k].file, b.data, b.len, &err)) {
            pc_buf_free(&b);
            goto fail;
        }
        pc_buf_free(&b);
    }
    if (pc_trial_run(&t, &tc, &base, &ex, &reg, o->modes, &err))
        goto fail;
    if (t.interrupted) {
        stopped = t.interrupted;
        goto interrupted;
    }
    if (only) {
        bool found = false;
        for (i = 0; i < t.cmp.len && !found; i++)
            found = !strcmp(t.cmp.rows[i].function, only);
        if (!found) {
            pc_fail(&err, "%s: block '%s' has no function '%s'", file, block, only);
            goto fail;
        }
    }
    /* 2. what to keep */
    {
        int prc = pick_target(&t, &base.items[0], &ex, &reg, o->modes, only, &tg, &err);
        if (prc < 0)
            goto fail;
        if (prc > 0) {
            pc_fail(&err, "nothing to reduce: '%s'%s%s%s shows no DIVERGE (or recorded "
                          "divergence), CRASH, TIMEOUT or FAIL against expected/ on the selected "
                          "builds, and the builds do not split",
                    block, only ? " (function '" : "", only ? only : "", only ? "')" : "");
            goto fail;
        }
    }
    lines_before = count_lines(current);
    fprintf(stderr, "reduce: %s / %s: %s", block, tg.function, kind_names[tg.kind]);
    if (tg.kind == K_SPLIT) {
        fprintf(stderr, " between");
        for (i = 0; i < tg.n; i++)
            fprintf(stderr, " %s (group %d)", tg.spots[i].in->name, tg.spots[i].group + 1);
        fprintf(stderr, " at %s", tg.split_path ? tg.split_path : "?");
    } else {
        for (i = 0; i < tg.n; i++)
            fprintf(stderr, "%s %s %s%s%s", i ? "," : " on", tg.spots[i].in->name,
                    pc_mode_name(tg.spots[i].mode), tg.spots[i].path ? " at " : "",
                    tg.spots[i].path ? tg.spots[i].path : "");
    }
    fprintf(stderr, "; %zu lines\n", lines_before);
    if (tg.desugared) {
        const pc_translation *tr = pc_trial_translation(&t, 0);
        if (tr && tr->text && !(translation = pc_strdup(tr->text, &err)))
            goto fail;
    }
    pc_trial_free(&t);

    /* 3. rounds: AST phase, then lines, alternating until neither finds anything */
    while (quiet_phases < 2 && !out_of_time) {
        const char *phase_name = phase == 0 ? "ast" : "lines";
        json_t *list = candidates(o, p, current, phase_name, tg.function, stop_fd, &stopped, &err);
        size_t n, from;
        bool accepted = false;
        if (!list) {
            if (stopped)
                goto interrupted;
            goto fail;
        }
        n = json_array_size(list);
        rounds++;
        for (from = 0; from < n && !accepted; from += CHUNK) {
            pc_caseset set = {0};
            size_t m = n - from < CHUNK ? n - from : CHUNK;
            if (pc_now() - t0 > budget) {
                out_of_time = true;
                break;
            }
            if (candidate_set(&set, cases.items[k].file, block, list, from, m, &err) ||
                pc_trial_run(&t, &tc, &set, &ex, &reg, o->modes, &err)) {
                pc_caseset_free(&set);
                json_decref(list);
                goto fail;
            }
            tried += m;
            if (t.interrupted) {
                stopped = t.interrupted;
                pc_trial_free(&t);
                pc_caseset_free(&set);
                json_decref(list);
                goto interrupted;
            }
            for (i = 0; i < m && !accepted; i++) {
                if (!interesting(&t, &set.items[i], &tg))
                    continue;
                accepted = true;
                free(current);
                if (!(current = pc_strdup(json_string_value(json_array_get(list, from + i)), &err))) {
                    pc_trial_free(&t);
                    pc_caseset_free(&set);
                    json_decref(list);
                    goto fail;
                }
                free(translation);
                translation = NULL;
                if (tg.desugared) {
                    const pc_translation *tr = pc_trial_translation(&t, i);
                    if (tr && tr->text && !(translation = pc_strdup(tr->text, &err))) {
                        pc_trial_free(&t);
                        pc_caseset_free(&set);
                        json_decref(list);
                        goto fail;
                    }
                }
            }
            pc_trial_free(&t);
            pc_caseset_free(&set);
        }
        json_decref(list);
        if (accepted) {
            quiet_phases = 0;
            fprintf(stderr, "reduce: round %zu (%s): %zu lines, %zu bytes\n", rounds, phase_name,
                    count_lines(current), strlen(current));
        } else {
            quiet_phases++;
            phase = !phase;
        }
    }

    /* 4. the result, in the case format */
    {
        pc_buf b = {0};
        size_t l = strlen(current);
        if (pc_buf_appendf(&b, &err, "$ %s (reduced)\n%s%s", block, current,
                           l && current[l - 1] == '\n' ? "" : "\n"))
            goto fail;
        if (tg.desugared && translation) {
            l = strlen(translation);
            if (pc_buf_appendf(&b, &err, "=\n%s%s", translation,
                               l && translation[l - 1] == '\n' ? "" : "\n")) {
                pc_buf_free(&b);
                goto fail;
            }
        }
        if (o->output && strcmp(o->output, "-")) {
            if (pc_write_atomic(o->output, b.data, b.len, &err)) {
                pc_buf_free(&b);
                goto fail;
            }
        } else {
            fwrite(b.data, 1, b.len, stdout);
        }
        pc_buf_free(&b);
    }
    fprintf(stderr, "reduce: %zu -> %zu lines (%zu rounds, %zu candidates tried, %.1f s)%s%s%s\n",
            lines_before, count_lines(current), rounds, tried, pc_now() - t0,
            out_of_time ? "; --budget ran out: the block may shrink further" : "",
            o->output ? "; written to " : "", o->output ? o->output : "");
    rc = PC_EXIT_OK;
    goto done;
interrupted:
    rc = pc_cmd_interrupted(stopped, NULL);
    goto done;
fail:
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    pc_trial_free(&t);
    target_free(&tg);
    free(current);
    free(translation);
    pc_registry_free(&reg);
    pc_expect_free(&ex);
    pc_caseset_free(&base);
    pc_caseset_free(&cases);
    return rc;
}

int pc_cmd_reduce(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    int fd = pc_cmd_take_signals(), rc;
    (void)argc;
    (void)argv;
    if (fd < 0)
        return PC_EXIT_USAGE;
    rc = reduce_block(o, p, fd);
    close(fd);
    return rc;
}
