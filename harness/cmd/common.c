/* common.c - what every command needs: the cases and the interpreter registry loaded,
 * the host Python, a pending stop signal. Where things are (pc_paths) is paths.c. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

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

pc_translate_options pc_cmd_translate_options(const pc_options *o, const pc_paths *p,
                                              const char *external, double timeout, int stop_fd)
{
    pc_translate_options to = {.python = pc_cmd_python(o), .desugar_py = p->desugar_py,
                               .external = external, .timeout = timeout,
                               .parallel = o->parallel, .stop_fd = stop_fd,
                               .conservative = o->conservative};
    return to;
}

pc_exec_options pc_cmd_exec_options(const pc_options *o, const pc_paths *p, int stop_fd)
{
    pc_exec_options eo = {.parallel = o->parallel, .timeout = o->timeout,
                          .startup_timeout = o->startup_timeout, .runner = p->runner,
                          .max_output = o->max_output, .max_memory = o->max_memory,
                          .shared = o->shared, .stop_fd = stop_fd};
    return eo;
}

int pc_cmd_interrupted(int sig, const char *more)
{
    fflush(stdout);
    fprintf(stderr, "pyconform: interrupted by signal %d (%s)%s\n", sig, strsignal(sig), more ? more : "");
    return 128 + sig;
}

/* The selection (select.h), and the plan cut down to it. */
static int prepare_selection(const pc_options *o, const pc_paths *p, pc_prepared *out, pc_error *err)
{
    char *latest = NULL;
    int rc;
    if (o->last_failed && !(latest = pc_asprintf(err, "%s/latest.json", p->reports)))
        return -1;
    rc = pc_selection_init(&out->select, (const char *const *)o->filters, o->nfilters,
                           (const char *const *)o->filters_out, o->nfilters_out, latest, err) ||
         pc_selection_apply(&out->select, &out->ex, &out->plan, err);
    free(latest);
    return rc ? -1 : 0;
}

int pc_cmd_take_signals(void)
{
    sigset_t stop;
    int fd = -1;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &stop, NULL) != 0 ||
        (fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
        fprintf(stderr, "pyconform: cannot take over SIGINT/SIGTERM/SIGHUP: %s\n", strerror(errno));
    return fd;
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
        pc_translate_options to = pc_cmd_translate_options(o, p, o->desugarer, o->timeout, stop_fd);
        if (!(out->translations = calloc(out->cases.len + 1, sizeof *out->translations)))
            return pc_oom(err);
        if (pc_translate(&out->cases, &to, out->translations, err) &&
            !(*interrupted = pc_cmd_pending_signal(stop_fd)))
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
    /* suite blocks: each build's own module, read (and translated) once per text */
    if (pc_suites_resolve(&out->suites, &out->cases, &out->reg, err))
        return -1;
    if ((o->modes & PC_MODES_DESUGARED) && out->suites.ntexts && !*interrupted) {
        /* a whole module per text: the suite jobs' longer timeout */
        pc_translate_options to = pc_cmd_translate_options(
            o, p, o->desugarer, o->timeout * PC_SUITE_TIMEOUT_FACTOR, stop_fd);
        if (pc_suites_translate(&out->suites, &out->cases, &to, err) &&
            !(*interrupted = pc_cmd_pending_signal(stop_fd)))
            return -1;
    }
    if (pc_plan_build(&out->plan, &out->cases, &out->reg, o->modes, out->translations, err))
        return -1;
    pc_suites_apply(&out->suites, &out->cases, &out->reg, &out->plan);
    /* -k, --filter-out, --last-failed: the blocks that may hold a selected function */
    if (prepare_selection(o, p, out, err))
        return -1;
    /* --shard K/N: the slice of the whole plan (shard.h); always the plan's fingerprint */
    return pc_shard_apply(&out->plan, o->shard_k, o->shard_n, &out->shard, err);
}

void pc_prepared_free(pc_prepared *pr)
{
    pc_plan_free(&pr->plan);
    pc_suites_free(&pr->suites);
    pc_shard_free(&pr->shard);
    pc_selection_free(&pr->select);
    pc_translations_free(pr->translations, pr->cases.len);
    free(pr->translations);
    pc_registry_free(&pr->reg);
    pc_expect_free(&pr->ex);
    pc_caseset_free(&pr->cases);
    memset(pr, 0, sizeof *pr);
}
