/* bisect.c - `pyconform bisect`: where an observation changes.
 *
 * Across builds: one case block on the selected builds (a trial, cmd/trial.h), the
 * builds ordered by implementation and traits, then version (the registry's order
 * within each line), and every boundary where the function's observation (or, when
 * nothing was observed, its verdict) changes between two neighbours of a line. The
 * installed builds all run (in one trial, in parallel), which finds every boundary,
 * not only one. With --provision the Pyodide releases on npm (or, with --points, the
 * CPython packages of Debian suites, or both) are bisected instead, installed or not
 * (bisect_releases.c).
 *
 * Across commits (--git): the commits GOOD..BAD (git rev-list --ancestry-path), each
 * checked out in a private clone made with `git clone --shared --no-checkout`, which
 * only reads REPO: REPO's work tree, index, refs and worktree list are never written.
 * At each commit --build CMD runs in the checkout, then the cases run with --desugarer
 * CMD or on the interpreter --interp-argv ARGV; a commit where that cannot happen is
 * skipped (as exit 125 would be in `git bisect run`). Binary search; after a skip the
 * nearest untested commit to the middle is tried instead, above first. The private
 * clone is removed on every way out, SIGINT, SIGTERM and SIGHUP included (they are read
 * from a signalfd, as run does, and every child is killed first).
 */
#define _DEFAULT_SOURCE /* nftw's FTW_DEPTH and FTW_PHYS */
#include <errno.h>
#include <ftw.h>
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

/* ---- shared ------------------------------------------------------------------- */

/* Print at most max bytes of s on one line (JSON text from outside: escaped). */
static void print_clipped(FILE *out, const char *s, size_t max)
{
    size_t shown = pc_print_text(out, s, max);
    if (s && strlen(s) > shown)
        fprintf(out, "... (%zu bytes)", strlen(s));
}

static void print_json_clipped(FILE *out, json_t *v, size_t max)
{
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (s)
        print_clipped(out, s, max);
    else
        fputs("(missing)", out);
    free(s);
}

/* The first difference between two observation texts (either may be NULL). */
static void print_obs_diff(FILE *out, const char *indent, const char *a, const char *b,
                           const char *an, const char *bn)
{
    json_t *ja = a ? json_loads(a, JSON_DECODE_ANY, NULL) : json_null();
    json_t *jb = b ? json_loads(b, JSON_DECODE_ANY, NULL) : json_null();
    json_t *d = ja && jb ? pc_json_diff(ja, jb) : NULL;
    json_t *oa = json_object_get(ja, "outcome"), *ob = json_object_get(jb, "outcome");
    if (d && (oa || ob) && !json_equal(oa, ob)) { /* what the call did, before the detail */
        fprintf(out, "%soutcome: %s ", indent, an);
        print_json_clipped(out, oa, 160);
        fprintf(out, ", %s ", bn);
        print_json_clipped(out, ob, 160);
        fputc('\n', out);
    }
    if (d) {
        fprintf(out, "%sfirst difference at %s: %s ", indent,
                json_string_value(json_object_get(d, "path")), an);
        print_json_clipped(out, json_object_get(d, "expected"), 160);
        fprintf(out, ", %s ", bn);
        print_json_clipped(out, json_object_get(d, "observed"), 160);
        fputc('\n', out);
    }
    json_decref(d);
    json_decref(ja);
    json_decref(jb);
}

void pc_bisect_print_change(FILE *out, const char *before, const char *after)
{
    fprintf(out, "    before: ");
    print_clipped(out, before, 400);
    fprintf(out, "\n    after:  ");
    print_clipped(out, after, 400);
    fputc('\n', out);
    print_obs_diff(out, "    ", before, after, "before", "after");
}

int pc_bisect_find_case(const pc_caseset *cases, const char *file, const char *block,
                        size_t *index, pc_error *err)
{
    size_t i;
    for (i = 0; i < cases->len; i++)
        if (strcmp(cases->items[i].name, block) == 0) {
            *index = i;
            return 0;
        }
    {
        pc_buf names = {0};
        for (i = 0; i < cases->len && i < 8; i++)
            if (pc_buf_appendf(&names, err, "%s'%s'", i ? ", " : "", cases->items[i].name))
                return -1;
        pc_fail(err, "%s: no block named '%s' (blocks: %s%s)", file, block,
                names.data ? names.data : "none", cases->len > 8 ? ", ..." : "");
        pc_buf_free(&names);
    }
    return -1;
}

/* The line of a build: implementation and traits ("cpython+wasm"). */
static void line_of(const pc_interp *in, char *buf, size_t size)
{
    char traits[64];
    pc_interp_traits(in, traits, sizeof traits);
    snprintf(buf, size, "%s%s", in->impl ? in->impl : "unknown", traits);
}

/* What a build showed for the function: its observation, or "(VERDICT)" when nothing
 * was observed. NULL for rows that say nothing (SKIP, ERROR, NOT-RUN). */
static char *point_value(const pc_trial *t, const pc_row *row, bool *oom)
{
    pc_error err;
    *oom = false;
    if (!row || row->verdict == PC_SKIP || row->verdict == PC_ERROR ||
        row->verdict == PC_NOT_RUN)
        return NULL;
    if (row->observation)
        return pc_trial_observation_text(t, row, oom);
    {
        char *v = pc_asprintf(&err, "(%s%s%s)", pc_verdict_get(row->verdict)->name,
                              row->detail ? ": " : "", row->detail ? row->detail : "");
        *oom = !v;
        return v;
    }
}

/* ---- across builds ------------------------------------------------------------ */

typedef struct point {
    const pc_interp *in;
    char *value; /* NULL: not observed */
    const char *verdict;
    const char *detail; /* the row's, borrowed from the trial */
} point;

static int bisect_builds(const pc_options *o, const pc_paths *p, int stop_fd)
{
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_registry reg = {0};
    pc_trial t = {0};
    pc_error err;
    point *pts = NULL;
    size_t k = 0, i, j, npts = 0, nselected = 0, boundaries = 0, nlines = 0;
    const char *file, *block, *function;
    pc_mode mode;
    int rc = PC_EXIT_USAGE;
    char **lines = NULL;

    if (o->nfiles != 3) {
        fprintf(stderr, "pyconform: bisect: expected CASE_FILE BLOCK FUNCTION (or --git REPO "
                        "--good REV --bad REV); see `pyconform bisect --help`\n");
        return PC_EXIT_USAGE;
    }
    file = o->files[0], block = o->files[1], function = o->files[2];
    if (o->mode_given && o->modes == PC_MODES_ALL) {
        fprintf(stderr, "pyconform: bisect: --mode source or desugared (one mode at a time)\n");
        return PC_EXIT_USAGE;
    }
    mode = o->modes == PC_MODES_DESUGARED ? PC_MODE_DESUGARED : PC_MODE_SOURCE;
    if (pc_parse_file(&cases, file, &err) || pc_bisect_find_case(&cases, file, block, &k, &err) ||
        pc_expect_load(&ex, p->expected, &cases, &err))
        goto fail;
    if (o->suites && (!o->points || !strcmp(o->points, "pyodide"))) {
        pc_fail(&err, "--suites names Debian suites: it needs --points debian or --points all");
        goto fail;
    }
    if (o->provision) { /* releases, installed or not (bisect_releases.c) */
        rc = pc_bisect_releases(o, p, &cases.items[k], function, mode, &ex, stop_fd);
        goto done;
    }
    if (pc_cmd_load_registry(o, p, &reg, stop_fd, &nselected, &err))
        goto fail;
    if (!nselected) {
        pc_fail(&err, "no supported interpreter matches%s%s (see `pyconform interpreters`)",
                o->ninterps ? " --interp" : "", o->ntags ? " --tag" : "");
        goto fail;
    }
    {
        pc_caseset one = {.items = &cases.items[k], .len = 1, .cap = 1}; /* a view: the block alone */
        pc_trial_config tc = {o, p, NULL, stop_fd};
        if (pc_trial_run(&t, &tc, &one, &ex, &reg, 1u << mode, &err))
            goto fail;
        if (t.interrupted) {
            rc = pc_cmd_interrupted(t.interrupted, NULL);
            goto done;
        }
    }
    if (!(pts = calloc(reg.len + 1, sizeof *pts)) || !(lines = calloc(reg.len + 1, sizeof *lines))) {
        pc_oom(&err);
        goto fail;
    }
    {
        bool found = false;
        for (i = 0; i < t.cmp.len && !found; i++)
            found = strcmp(t.cmp.rows[i].function, function) == 0;
        if (!found) {
            pc_buf names = {0};
            for (i = 0; i < t.cmp.len; i++)
                if (!strstr(names.data ? names.data : "", t.cmp.rows[i].function) &&
                    pc_buf_appendf(&names, &err, "%s%s", names.len ? ", " : "",
                                   t.cmp.rows[i].function))
                    break;
            pc_fail(&err, "%s: block '%s' has no function '%s' (functions: %s)", file, block,
                    function, names.data ? names.data : "none");
            pc_buf_free(&names);
            goto fail;
        }
    }
    for (i = 0; i < reg.len; i++) {
        const pc_interp *in = &reg.items[i];
        const pc_row *row;
        bool oom;
        if (!in->selected || !in->supported)
            continue;
        row = pc_trial_row(&t, &cases.items[k], function, in, mode);
        pts[npts].in = in;
        pts[npts].verdict = row ? pc_verdict_get(row->verdict)->name : "none";
        pts[npts].detail = row ? row->detail : NULL;
        pts[npts].value = point_value(&t, row, &oom);
        if (oom) {
            pc_oom(&err);
            goto fail;
        }
        npts++;
    }
    printf("bisect: %s / %s, %s mode, on %zu builds\n", block, function, pc_mode_name(mode), npts);
    /* the lines, in order of first appearance; builds keep the registry's order */
    for (i = 0; i < npts; i++) {
        char name[96];
        bool seen = false;
        line_of(pts[i].in, name, sizeof name);
        for (j = 0; j < nlines && !seen; j++)
            seen = strcmp(lines[j], name) == 0;
        if (!seen && !(lines[nlines++] = pc_strdup(name, &err)))
            goto fail;
    }
    for (j = 0; j < nlines; j++) {
        const point *prev = NULL;
        printf("%s:", lines[j]);
        for (i = 0; i < npts; i++) {
            char name[96];
            line_of(pts[i].in, name, sizeof name);
            if (!strcmp(name, lines[j]))
                printf(" %s%s", pts[i].in->version ? pts[i].in->version : pts[i].in->name,
                       pts[i].value ? "" : "(not observed)");
        }
        putchar('\n');
        for (i = 0; i < npts; i++) {
            char name[96];
            line_of(pts[i].in, name, sizeof name);
            if (strcmp(name, lines[j]) != 0)
                continue;
            if (!pts[i].value) {
                printf("  %s: %s, not observed%s", pts[i].in->name, pts[i].verdict,
                       pts[i].detail ? ": " : "");
                print_clipped(stdout, pts[i].detail, 200);
                putchar('\n');
                continue;
            }
            if (prev && strcmp(prev->value, pts[i].value) != 0) {
                boundaries++;
                printf("  boundary: %s (%s) -> %s (%s)\n", prev->in->name, prev->in->version,
                       pts[i].in->name, pts[i].in->version);
                pc_bisect_print_change(stdout, prev->value, pts[i].value);
            }
            prev = &pts[i];
        }
    }
    if (boundaries)
        printf("bisect: %zu boundar%s in %zu line%s of builds\n", boundaries,
               boundaries == 1 ? "y" : "ies", nlines, nlines == 1 ? "" : "s");
    else
        printf("bisect: no change found: every build of each line observes the same\n");
    rc = PC_EXIT_OK;
    goto done;
fail:
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    for (i = 0; pts && i < npts; i++)
        free(pts[i].value);
    free(pts);
    for (j = 0; lines && j < nlines; j++)
        free(lines[j]);
    free(lines);
    pc_trial_free(&t);
    pc_registry_free(&reg);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    return rc;
}

/* ---- across commits ----------------------------------------------------------- */

typedef enum { C_UNTESTED, C_GOOD, C_BAD, C_SKIP } commit_state;

typedef struct commit {
    char *hash, *subject;
    commit_state state;
    char *why;          /* skipped: why */
} commit;

typedef struct sig_entry {
    char *key;   /* case \t function \t build \t mode */
    char *value; /* VERDICT \t observation */
    bool unexpected;
} sig_entry;

typedef struct signature {
    sig_entry *e;
    size_t n, cap;
} signature;

typedef struct git_ctx {
    const pc_options *o;
    const pc_paths *p;
    int stop_fd;
    char *tmp, *clone;
    pc_caseset cases;
    pc_expectations ex;
    pc_registry reg;     /* the selected builds (--desugarer) */
    int interrupted;
} git_ctx;

static void signature_free(signature *s)
{
    size_t i;
    for (i = 0; i < s->n; i++) {
        free(s->e[i].key);
        free(s->e[i].value);
    }
    free(s->e);
    memset(s, 0, sizeof *s);
}

static const sig_entry *signature_find(const signature *s, const char *key)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].key, key))
            return &s->e[i];
    return NULL;
}

/* Run argv (cwd may be NULL) to its end: *status its exit code (or 128+signal, -1 when
 * it could not start); out gets stdout and stderr. 1 when interrupted. */
static int run_cmd(git_ctx *g, char *const *argv, const char *cwd, pc_buf *out, int *status,
                   pc_error *err)
{
    pc_child c = {0};
    int st = 0;
    bool to = false;
    c.argv = argv;
    c.cwd = cwd;
    c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    c.stop_fd = g->stop_fd > 0 ? g->stop_fd : 0;
    pc_buf_clear(out);
    if (pc_child_start(&c, err)) {
        *status = -1;
        return pc_buf_appendf(out, err, "%s", err->msg) ? -1 : 0;
    }
    if (pc_child_capture(&c, NULL, 0, out, out, &st, &to, err))
        return -1;
    if (c.stopped) {
        g->interrupted = pc_cmd_pending_signal(g->stop_fd);
        return 1;
    }
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
    return 0;
}

/* git -C DIR ARGS...; fails (with git's message) unless it exits 0. */
static int git(git_ctx *g, const char *dir, pc_buf *out, pc_error *err, const char *a1,
               const char *a2, const char *a3, const char *a4, const char *a5, const char *a6)
{
    char *argv[10] = {"git", "-C", (char *)dir, (char *)a1, (char *)a2, (char *)a3, (char *)a4,
                      (char *)a5, (char *)a6, NULL};
    int status = 0, rc = run_cmd(g, argv, NULL, out, &status, err);
    if (rc)
        return rc;
    if (status != 0) {
        while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
            out->data[--out->len] = '\0';
        return pc_fail(err, "git -C %s %s%s%s: %s", dir, a1, a2 ? " " : "", a2 ? a2 : "",
                       out->len ? out->data : "failed");
    }
    return 0;
}

/* The commit `rev` (given as `opt`) names in repo, its hash in out; as git(): 0, > 0
 * stopped by a signal, < 0 with err set ("no such commit"). */
static int resolve_rev(git_ctx *g, const char *repo, const char *opt, const char *rev, pc_buf *out,
                       pc_error *err)
{
    char *spec = pc_asprintf(err, "%s^{commit}", rev);
    int t;
    if (!spec)
        return -1;
    t = git(g, repo, out, err, "rev-parse", "--verify", "--quiet", spec, NULL, NULL);
    free(spec);
    if (t < 0)
        pc_fail(err, "%s: %s %s: no such commit", repo, opt, rev);
    if (t == 0)
        out->data[strcspn(out->data, "\n")] = '\0';
    return t;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    remove(path);
    return 0;
}

/* CMD with every {worktree} replaced by dir (owned), or NULL when out of memory. */
static char *subst_worktree(const char *cmd, const char *dir, pc_error *err)
{
    pc_buf b = {0};
    const char *s = cmd, *hit;
    static const char mark[] = "{worktree}";
    while ((hit = strstr(s, mark))) {
        if (pc_buf_append(&b, s, (size_t)(hit - s), err) || pc_buf_append(&b, dir, strlen(dir), err))
            goto oom;
        s = hit + sizeof mark - 1;
    }
    if (pc_buf_append(&b, s, strlen(s), err))
        goto oom;
    return b.data;
oom:
    pc_buf_free(&b);
    return NULL;
}

/* The last non-empty line of text, clipped, into buf. */
static void last_line(const char *text, char *buf, size_t size)
{
    const char *end, *start;
    size_t n;
    buf[0] = '\0';
    if (!text)
        return;
    end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    start = end;
    while (start > text && start[-1] != '\n')
        start--;
    n = (size_t)(end - start) < size - 1 ? (size_t)(end - start) : size - 1;
    n = pc_text_clip(start, n, n);
    memcpy(buf, start, n);
    buf[n] = '\0';
}

/* Test one commit: 0 with *sig filled and *skip NULL, or *skip (owned) why it was
 * skipped; -1 on a harness error; 1 when interrupted. */
static int test_commit(git_ctx *g, const commit *c, signature *sig, char **skip, pc_error *err)
{
    const pc_options *o = g->o;
    pc_buf out = {0};
    pc_registry own = {0};
    const pc_registry *reg = &g->reg;
    pc_trial t = {0};
    char *desugarer = NULL, *cmd = NULL;
    int rc = -1, status = 0;
    size_t i;
    *skip = NULL;
    memset(sig, 0, sizeof *sig);
    if ((rc = git(g, g->clone, &out, err, "checkout", "--quiet", "--force", "--detach", c->hash,
                  NULL)) ||
        (rc = git(g, g->clone, &out, err, "clean", "-qfdx", NULL, NULL, NULL, NULL)))
        goto out;
    rc = -1;
    if (o->build) {
        char *argv[4] = {"/bin/sh", "-c", NULL, NULL};
        char line[200];
        if (!(cmd = subst_worktree(o->build, g->clone, err)))
            goto out;
        argv[2] = cmd;
        if ((rc = run_cmd(g, argv, g->clone, &out, &status, err)))
            goto out;
        rc = -1;
        if (status != 0) {
            last_line(out.data, line, sizeof line);
            if (!(*skip = pc_asprintf(err, "--build exited %d%s%s", status, *line ? ": " : "", line)))
                goto out;
            rc = 0;
            goto out;
        }
    }
    if (o->interp_argv) {
        char *copy = subst_worktree(o->interp_argv, g->clone, err), *tok, *save = NULL;
        char **argv = NULL;
        size_t n = 0;
        char *tags[] = {"git", NULL};
        if (!copy || !(argv = calloc(strlen(copy) / 2 + 2, sizeof *argv))) {
            free(copy);
            pc_oom(err);
            goto out;
        }
        for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
            argv[n++] = tok;
        own.stop_fd = g->stop_fd;
        own.probe_width = 1;
        rc = n ? pc_registry_add(&own, "config", "git-build", argv, NULL, tags, err)
               : pc_fail(err, "--interp-argv: empty");
        if (!rc)
            rc = pc_registry_probe(&own, g->p->probe, o->startup_timeout, NULL, err);
        free(argv);
        free(copy);
        if (rc)
            goto out;
        rc = -1;
        if ((g->interrupted = pc_cmd_pending_signal(g->stop_fd))) {
            rc = 1;
            goto out;
        }
        if (own.len == 0 || own.items[0].broken || !own.items[0].supported) {
            if (!(*skip = pc_asprintf(err, "the interpreter does not start: %s",
                                      own.len ? own.items[0].problem : "no build")))
                goto out;
            rc = 0;
            goto out;
        }
        pc_registry_select(&own, NULL, 0, NULL, 0);
        reg = &own;
    }
    if (o->desugarer && !(desugarer = subst_worktree(o->desugarer, g->clone, err)))
        goto out;
    {
        pc_trial_config tc = {o, g->p, desugarer, g->stop_fd};
        if (pc_trial_run(&t, &tc, &g->cases, &g->ex, reg, o->modes, err))
            goto out;
        if (t.interrupted) {
            g->interrupted = t.interrupted;
            rc = 1;
            goto out;
        }
    }
    if (desugarer && t.translations) {
        size_t failed = 0;
        for (i = 0; i < g->cases.len; i++)
            failed += t.translations[i].text == NULL;
        if (failed == g->cases.len && g->cases.len) {
            char line[200];
            last_line(t.translations[0].failure, line, sizeof line);
            if (!(*skip = pc_asprintf(err, "the desugarer fails on every block%s%s",
                                      *line ? ": " : "", line)))
                goto out;
            rc = 0;
            goto out;
        }
    }
    for (i = 0; i < t.cmp.len; i++) {
        const pc_row *r = &t.cmp.rows[i];
        size_t kk;
        bool take = o->nkeys == 0, oom;
        char *obs;
        sig_entry *e;
        for (kk = 0; kk < o->nkeys && !take; kk++)
            take = !strcmp(o->keys[kk], r->function);
        if (!take)
            continue;
        if (pc_grow(&sig->e, &sig->cap, sig->n + 1, sizeof *sig->e, err))
            goto out;
        e = &sig->e[sig->n];
        memset(e, 0, sizeof *e);
        obs = pc_trial_observation_text(&t, r, &oom);
        if (oom) {
            pc_oom(err);
            goto out;
        }
        e->key = pc_asprintf(err, "%s\t%s\t%s\t%s", pc_row_case(&t.cmp, r)->name, r->function,
                             pc_row_interp(&t.cmp, r)->name, pc_mode_name(pc_row_mode(&t.cmp, r)));
        e->value = pc_asprintf(err, "%s\t%s", pc_verdict_get(r->verdict)->name, obs ? obs : "");
        e->unexpected = !pc_verdict_get(r->verdict)->expected;
        free(obs);
        sig->n++;
        if (!e->key || !e->value)
            goto out;
    }
    if (o->nkeys && sig->n == 0) {
        pc_fail(err, "-k: no case function of that name in the cases run");
        goto out;
    }
    rc = 0;
out:
    if (rc)
        signature_free(sig);
    free(desugarer);
    free(cmd);
    pc_buf_free(&out);
    pc_trial_free(&t);
    pc_registry_free(&own);
    return rc;
}

/* Bad at this commit? */
static bool is_bad(const git_ctx *g, const signature *good, const signature *s)
{
    size_t i;
    if (g->o->unexpected) {
        for (i = 0; i < s->n; i++)
            if (s->e[i].unexpected)
                return true;
        return false;
    }
    if (good->n != s->n)
        return true;
    for (i = 0; i < s->n; i++) {
        const sig_entry *e = signature_find(good, s->e[i].key);
        if (!e || strcmp(e->value, s->e[i].value) != 0)
            return true;
    }
    return false;
}

/* The rows that make a commit bad: what changed from GOOD, or what is unexpected. */
static void print_sig_diff(const git_ctx *g, const signature *good, const signature *bad)
{
    size_t i, shown = 0;
    for (i = 0; i < bad->n; i++) {
        const sig_entry *b = &bad->e[i], *a = signature_find(good, b->key);
        char *key, *tab;
        const char *av, *bv, *ao, *bo;
        if (g->o->unexpected ? !b->unexpected : (a && !strcmp(a->value, b->value)))
            continue;
        if (++shown > 40) {
            printf("  ...\n");
            break;
        }
        if (!(key = strdup(b->key)))
            return;
        if ((tab = strchr(key, '\t')))
            *tab = '/'; /* case/function build mode */
        while ((tab = strchr(key, '\t')))
            *tab = ' ';
        av = a ? a->value : "(none)\t";
        bv = b->value;
        ao = strchr(av, '\t') + 1;
        bo = strchr(bv, '\t') + 1;
        printf("  %s: %.*s -> %.*s\n", key, (int)(ao - av - 1), av, (int)(bo - bv - 1), bv);
        print_obs_diff(stdout, "    ", *ao ? ao : NULL, *bo ? bo : NULL, "good", "bad");
        free(key);
    }
    for (i = 0; !g->o->unexpected && i < good->n; i++)
        if (!signature_find(bad, good->e[i].key))
            printf("  %s: gone at this commit\n", good->e[i].key);
}

static int git_bisect(const pc_options *o, const pc_paths *p, int stop_fd)
{
    git_ctx g = {0};
    pc_buf out = {0};
    pc_error err;
    commit good = {0}, *cs = NULL;
    size_t n = 0, cap = 0, i, nselected = 0;
    signature good_sig = {0}, sig = {0};
    char *skip = NULL, *line, *save = NULL;
    long lo = -1, hi;
    int rc = PC_EXIT_USAGE, t;

    g.o = o, g.p = p, g.stop_fd = stop_fd;
    if (!o->good || !o->bad) {
        fprintf(stderr, "pyconform: bisect --git: --good REV and --bad REV are both needed\n");
        return PC_EXIT_USAGE;
    }
    if (!o->desugarer == !o->interp_argv) {
        fprintf(stderr, "pyconform: bisect --git: give --desugarer CMD or --interp-argv ARGV "
                        "(one of them)\n");
        return PC_EXIT_USAGE;
    }
    /* 1. the cases, their expectations and (for --desugarer) the builds */
    if (pc_cmd_load_cases(o, p->cases, &g.cases, &err) ||
        pc_expect_load(&g.ex, p->expected, &g.cases, &err))
        goto fail;
    if (o->desugarer) {
        if (pc_cmd_load_registry(o, p, &g.reg, stop_fd, &nselected, &err))
            goto fail;
        if (!nselected) {
            pc_fail(&err, "no supported interpreter matches%s%s (see `pyconform interpreters`)",
                    o->ninterps ? " --interp" : "", o->ntags ? " --tag" : "");
            goto fail;
        }
    }
    /* 2. the repository, read only: the two ends and the commits between */
    if ((t = git(&g, o->git, &out, &err, "rev-parse", "--git-dir", NULL, NULL, NULL, NULL))) {
        if (t < 0)
            pc_fail(&err, "%s: not a git repository", o->git);
        goto stopped_or_fail;
    }
    if ((t = resolve_rev(&g, o->git, "--good", o->good, &out, &err)))
        goto stopped_or_fail;
    if (!(good.hash = pc_strdup(out.data, &err)))
        goto fail;
    if ((t = resolve_rev(&g, o->git, "--bad", o->bad, &out, &err)))
        goto stopped_or_fail;
    {
        char *range;
        if (!(range = pc_asprintf(&err, "%s..%s", good.hash, out.data)))
            goto fail;
        t = git(&g, o->git, &out, &err, "log", "--reverse", "--ancestry-path", "--format=%H %s",
                range, NULL);
        free(range);
        if (t)
            goto stopped_or_fail;
    }
    for (line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (pc_grow(&cs, &cap, n + 1, sizeof *cs, &err))
            goto fail;
        memset(&cs[n], 0, sizeof cs[n]);
        if (sp)
            *sp = '\0';
        if (!(cs[n].hash = pc_strdup(line, &err)) ||
            !(cs[n].subject = pc_strdup(sp ? sp + 1 : "", &err)))
            goto fail;
        n++;
    }
    if (n == 0) {
        pc_fail(&err, "%s: --bad %s is not a descendant of --good %s (no commits between)", o->git,
                o->bad, o->good);
        goto fail;
    }
    if (git(&g, o->git, &out, &err, "log", "-1", "--format=%s", good.hash, NULL, NULL))
        goto stopped_or_fail;
    out.data[strcspn(out.data, "\n")] = '\0';
    if (!(good.subject = pc_strdup(out.data, &err)))
        goto fail;

    /* 3. the private clone */
    {
        const char *tmpdir = getenv("TMPDIR");
        if (!(g.tmp = pc_asprintf(&err, "%s/pyconform-bisect-XXXXXX",
                                  tmpdir && *tmpdir ? tmpdir : "/tmp")))
            goto fail;
        if (!mkdtemp(g.tmp)) {
            pc_fail(&err, "%s: cannot create a temporary folder: %s", g.tmp, strerror(errno));
            free(g.tmp);
            g.tmp = NULL;
            goto fail;
        }
        if (!(g.clone = pc_asprintf(&err, "%s/checkout", g.tmp)))
            goto fail;
        {
            char *argv[] = {"git", "clone", "--quiet", "--shared", "--no-checkout", (char *)o->git,
                            g.clone, NULL};
            int status = 0;
            if ((t = run_cmd(&g, argv, NULL, &out, &status, &err)))
                goto stopped_or_fail;
            if (status != 0) {
                pc_fail(&err, "git clone --shared %s: %s", o->git, out.data ? out.data : "failed");
                goto fail;
            }
        }
    }
    printf("bisect: %zu commits after %.12s (good) up to %.12s (bad) in %s\n", n, good.hash,
           cs[n - 1].hash, o->git);

    /* 4. both ends */
    if ((t = test_commit(&g, &good, &good_sig, &skip, &err)))
        goto stopped_or_fail;
    if (skip) {
        pc_fail(&err, "--good %s (%.12s) cannot be tested: %s", o->good, good.hash, skip);
        goto fail;
    }
    printf("  %.12s good (the reference)  %s\n", good.hash, good.subject);
    if (o->unexpected && is_bad(&g, &good_sig, &good_sig)) {
        printf("\n");
        print_sig_diff(&g, &good_sig, &good_sig);
        pc_fail(&err, "--good %s (%.12s) is bad: it has unexpected verdicts (above)", o->good,
                good.hash);
        goto fail;
    }
    if ((t = test_commit(&g, &cs[n - 1], &sig, &skip, &err)))
        goto stopped_or_fail;
    if (skip) {
        pc_fail(&err, "--bad %s (%.12s) cannot be tested: %s", o->bad, cs[n - 1].hash, skip);
        goto fail;
    }
    if (!is_bad(&g, &good_sig, &sig)) {
        printf("  %.12s good  %s\n", cs[n - 1].hash, cs[n - 1].subject);
        printf("bisect: no change found: --bad %s (%.12s) %s\n", o->bad, cs[n - 1].hash,
               o->unexpected ? "has no unexpected verdict either"
                             : "has the same verdicts and observations as --good");
        rc = PC_EXIT_OK;
        goto done;
    }
    cs[n - 1].state = C_BAD;
    printf("  %.12s bad   %s\n", cs[n - 1].hash, cs[n - 1].subject);
    signature_free(&sig);

    /* 5. binary search, around skipped commits */
    hi = (long)n - 1;
    for (;;) {
        long mid = lo + (hi - lo) / 2, pick = -1, d;
        if (hi - lo <= 1)
            break;
        if (mid <= lo)
            mid = lo + 1;
        for (d = 0; d < hi - lo && pick < 0; d++) {
            if (mid + d < hi && cs[mid + d].state == C_UNTESTED)
                pick = mid + d;
            else if (mid - d > lo && cs[mid - d].state == C_UNTESTED)
                pick = mid - d;
        }
        if (pick < 0)
            break; /* only skipped commits are left between */
        free(skip);
        skip = NULL;
        if ((t = test_commit(&g, &cs[pick], &sig, &skip, &err)))
            goto stopped_or_fail;
        if (skip) {
            cs[pick].state = C_SKIP;
            cs[pick].why = skip;
            skip = NULL;
            printf("  %.12s skip  %s (%s)\n", cs[pick].hash, cs[pick].subject, cs[pick].why);
        } else if (is_bad(&g, &good_sig, &sig)) {
            cs[pick].state = C_BAD;
            hi = pick;
            printf("  %.12s bad   %s\n", cs[pick].hash, cs[pick].subject);
        } else {
            cs[pick].state = C_GOOD;
            lo = pick;
            printf("  %.12s good  %s\n", cs[pick].hash, cs[pick].subject);
        }
        signature_free(&sig);
    }

    /* 6. the answer: the first bad commit (or the commits it may be), its diff, skips */
    {
        bool exact = true;
        for (i = (size_t)(lo + 1); i < (size_t)hi; i++)
            exact = false; /* skipped commits left between the last good and first bad */
        if (exact) {
            printf("first bad commit: %s %s\n", cs[hi].hash, cs[hi].subject);
        } else {
            printf("first bad commit: cannot tell, skipped commits are left between; it is one "
                   "of:\n");
            for (i = (size_t)(lo + 1); i <= (size_t)hi; i++)
                printf("  %s %s\n", cs[i].hash, cs[i].subject);
        }
        if ((t = test_commit(&g, &cs[hi], &sig, &skip, &err)))
            goto stopped_or_fail;
        printf("%s at %.12s:\n", o->unexpected ? "unexpected verdicts" : "changes from good",
               cs[hi].hash);
        if (!skip)
            print_sig_diff(&g, &good_sig, &sig);
    }
    {
        size_t nskip = 0;
        for (i = 0; i < n; i++)
            nskip += cs[i].state == C_SKIP;
        printf("skipped: %zu commit%s\n", nskip, nskip == 1 ? "" : "s");
        for (i = 0; i < n; i++)
            if (cs[i].state == C_SKIP)
                printf("  %s %s (%s)\n", cs[i].hash, cs[i].subject, cs[i].why);
    }
    rc = PC_EXIT_OK;
    goto done;

stopped_or_fail:
    if (t > 0) {
        char more[8192];
        snprintf(more, sizeof more, "; %s removed, %s untouched", g.tmp ? g.tmp : "nothing to be",
                 o->git);
        rc = pc_cmd_interrupted(g.interrupted, more);
        goto done;
    }
fail:
    fflush(stdout);
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    if (g.tmp) { /* the private clone, whatever happened */
        nftw(g.tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(g.tmp);
    }
    free(g.clone);
    free(skip);
    signature_free(&good_sig);
    signature_free(&sig);
    for (i = 0; i < n; i++) {
        free(cs[i].hash);
        free(cs[i].subject);
        free(cs[i].why);
    }
    free(cs);
    free(good.hash);
    free(good.subject);
    pc_buf_free(&out);
    pc_registry_free(&g.reg);
    pc_expect_free(&g.ex);
    pc_caseset_free(&g.cases);
    return rc;
}

int pc_cmd_bisect(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    int fd, rc;
    (void)argc;
    (void)argv;
    if ((fd = pc_cmd_take_signals()) < 0)
        return PC_EXIT_USAGE;
    rc = o->git ? git_bisect(o, p, fd) : bisect_builds(o, p, fd);
    close(fd);
    return rc;
}
