/* common.c - what every command needs: where things are (pc_paths), the cases and the
 * interpreter registry loaded, the host Python, a pending stop signal. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

typedef struct paths {
    char *root, *cases, *expected, *reports, *runners, *probe, *runner;
    char *cache, *interps, *probe_cache, *config; /* config may stay NULL */
} paths;

void pc_paths_free(pc_paths *p)
{
    free(p->root);
    free(p->cases);
    free(p->expected);
    free(p->reports);
    free(p->runners);
    free(p->host);
    free(p->probe);
    free(p->runner);
    free(p->cache);
    free(p->interps);
    free(p->probe_cache);
    free(p->config);
}

static char *dir_or(const char *given, const char *root, const char *leaf, pc_error *err)
{
    return given ? pc_strdup(given, err) : pc_asprintf(err, "%s/%s", root, leaf);
}

int pc_paths_resolve(const pc_options *o, pc_paths *p, pc_error *err)
{
    const char *root = o->root ? o->root : getenv("PYCONFORM_ROOT");
    memset(p, 0, sizeof *p);
    if (!root || !*root)
        root = PYCONFORM_SOURCE_DIR;
    if (!(p->root = pc_strdup(root, err)) || !(p->cases = dir_or(o->cases_dir, root, "cases", err)) ||
        !(p->expected = dir_or(o->expected_dir, root, "expected", err)) ||
        !(p->reports = dir_or(o->reports_dir, root, "reports", err)) ||
        !(p->runners = dir_or(o->runners_dir, root, "runners", err)) ||
        !(p->host = pc_asprintf(err, "%s/host", root)) ||
        !(p->probe = pc_asprintf(err, "%s/probe.py", p->runners)) ||
        !(p->runner = pc_asprintf(err, "%s/runner.py", p->runners)))
        return -1;
    {
        const char *cache = o->cache ? o->cache : getenv("PYCONFORM_CACHE");
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        const char *config = o->config ? o->config : getenv("PYCONFORM_CONFIG");
        const char *xdgc = getenv("XDG_CONFIG_HOME");
        if (cache && *cache)
            p->cache = pc_strdup(cache, err);
        else if (xdg && *xdg)
            p->cache = pc_asprintf(err, "%s/pyconform", xdg);
        else
            p->cache = pc_asprintf(err, "%s/.cache/pyconform", home ? home : "/tmp");
        if (!p->cache || !(p->interps = pc_asprintf(err, "%s/interpreters", p->cache)) ||
            !(p->probe_cache = pc_asprintf(err, "%s/probes.json", p->cache)))
            return -1;
        if (config && *config) {
            if (!(p->config = pc_strdup(config, err)))
                return -1;
            if (access(p->config, R_OK) != 0)
                return pc_fail(err, "%s: cannot read the configuration file", p->config);
        } else {
            char *dflt = (xdgc && *xdgc) ? pc_asprintf(err, "%s/pyconform/interpreters.json", xdgc)
                                         : pc_asprintf(err, "%s/.config/pyconform/interpreters.json",
                                                       home ? home : "/nonexistent");
            if (!dflt)
                return -1;
            if (access(dflt, R_OK) == 0)
                p->config = dflt;
            else
                free(dflt);
        }
    }
    if (access(p->runner, R_OK) != 0 || access(p->probe, R_OK) != 0)
        return pc_fail(err, "%s: runners not found (runner.py, probe.py); use --root or --runners",
                       p->runners);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case files to read: the ones given, else every DIR/NAME.case, sorted. Returns an owned list. */
static int case_files(const pc_options *o, const char *dir, char ***out, size_t *n, pc_error *err)
{
    size_t cap = 0, i;
    *out = NULL;
    *n = 0;
    if (o->nfiles) {
        for (i = 0; i < o->nfiles; i++) {
            if (pc_grow(out, &cap, *n + 1, sizeof **out, err) ||
                !((*out)[*n] = pc_strdup(o->files[i], err)))
                return -1;
            (*n)++;
        }
        return 0;
    }
    {
        DIR *d = opendir(dir);
        struct dirent *e;
        if (!d)
            return pc_fail(err, "%s: cannot open case directory", dir);
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l < 6 || strcmp(e->d_name + l - 5, ".case") != 0 || e->d_name[0] == '.')
                continue;
            if (pc_grow(out, &cap, *n + 1, sizeof **out, err) ||
                !((*out)[*n] = pc_asprintf(err, "%s/%s", dir, e->d_name))) {
                closedir(d);
                return -1;
            }
            (*n)++;
        }
        closedir(d);
    }
    if (*n == 0)
        return pc_fail(err, "%s: no *.case files", dir);
    qsort(*out, *n, sizeof **out, cmp_str);
    return 0;
}

/* Parse every case file (step 1): a bad one stops everything before anything runs. */
int pc_cmd_load_cases(const pc_options *o, const char *dir, pc_caseset *cases, pc_error *err)
{
    char **files = NULL;
    size_t nfiles = 0, i;
    int rc = case_files(o, dir, &files, &nfiles, err);
    for (i = 0; rc == 0 && i < nfiles; i++)
        rc = pc_parse_file(cases, files[i], err);
    pc_caseset_fit(cases); /* held for the whole run: no room left unused */
    for (i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    return rc;
}

/* The registry: configured, then provisioned, then discovered builds, probed, then selected. */
int pc_cmd_load_registry(const pc_options *o, const pc_paths *p, pc_registry *reg, int stop_fd,
                         size_t *nselected, pc_error *err)
{
    size_t i, n;
    reg->stop_fd = stop_fd;
    reg->probe_width = (size_t)(o->parallel > 0 ? o->parallel : 2);
    if ((p->config && pc_registry_load_config(reg, p->config, p->runners, err)) ||
        pc_registry_load_provisioned(reg, p->interps, p->runners, err) ||
        pc_registry_discover(reg, err) ||
        pc_registry_probe(reg, p->probe, o->startup_timeout, p->probe_cache, err))
        return -1;
    for (i = 0; i < reg->nwarnings; i++)
        fprintf(stderr, "pyconform: warning: %s\n", reg->warnings[i]);
    n = pc_registry_select(reg, o->interps, o->ninterps, o->tags, o->ntags);
    if (nselected)
        *nselected = n;
    return 0;
}

const char *pc_cmd_python(const pc_options *o)
{
    const char *env = getenv("PYCONFORM_PYTHON");
    return o->python ? o->python : env && *env ? env : "python3";
}

/* The stop signal waiting on the run's signalfd (read, so it is taken), or 0. */
int pc_cmd_pending_signal(int stop_fd)
{
    struct signalfd_siginfo si;
    if (stop_fd < 0)
        return 0;
    return read(stop_fd, &si, sizeof si) == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
}

int pc_cmd_prepare(const pc_options *o, const pc_paths *p, int stop_fd, pc_prepared *out,
                   int *interrupted, pc_error *err)
{
    size_t nselected = 0;
    memset(out, 0, sizeof *out);
    *interrupted = 0;
    /* a bad case or expectation file stops everything before anything runs */
    if (pc_cmd_load_cases(o, p->cases, &out->cases, err) ||
        /* run only reads expected/: its observation texts stay in a temporary file, so
         * memory does not grow with them (bless writes them, and keeps them) */
        (o->cmd == PC_CMD_RUN && pc_expect_spill(&out->ex, err)) ||
        pc_expect_load(&out->ex, p->expected, &out->cases, err))
        return -1;
    if (o->modes & PC_MODES_DESUGARED) {
        pc_translate_options to = {pc_cmd_python(o), NULL, o->desugarer, o->timeout, o->parallel,
                                   stop_fd};
        char *dpy = pc_asprintf(err, "%s/desugar.py", p->host);
        int trc;
        if (!dpy || !(out->translations = calloc(out->cases.len + 1, sizeof *out->translations))) {
            free(dpy);
            return pc_oom(err);
        }
        to.desugar_py = dpy;
        trc = pc_translate(&out->cases, &to, out->translations, err);
        free(dpy);
        if (trc && !(*interrupted = pc_cmd_pending_signal(stop_fd)))
            return -1;
    }
    if (pc_cmd_load_registry(o, p, &out->reg, stop_fd, &nselected, err))
        return -1;
    if (!*interrupted)
        *interrupted = pc_cmd_pending_signal(stop_fd); /* during probing: nothing will run */
    if (nselected == 0 &&
        !*interrupted)
        return pc_fail(err, "no supported interpreter matches%s%s (see `pyconform interpreters`)",
                       o->ninterps ? " --interp" : "", o->ntags ? " --tag" : "");
    return pc_plan_build(&out->plan, &out->cases, &out->reg, o->modes, out->translations, err);
}

void pc_prepared_free(pc_prepared *pr)
{
    pc_plan_free(&pr->plan);
    pc_translations_free(pr->translations, pr->cases.len);
    free(pr->translations);
    pc_registry_free(&pr->reg);
    pc_expect_free(&pr->ex);
    pc_caseset_free(&pr->cases);
    memset(pr, 0, sizeof *pr);
}
