/* main.c - wires the pipeline:
 *
 *   parse (cases) -> plan (jobs) -> execute (runners) -> compare (verdicts) -> report
 *
 * and the commands around it (interpreters, bless). All state lives in this file's
 * functions; nothing is global but the SIGPIPE disposition set at start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bless.h"
#include "changes.h"
#include "cli.h"
#include "compare.h"
#include "execute.h"
#include "expected.h"
#include "parse.h"
#include "plan.h"
#include "process.h"
#include "provision.h"
#include "registry.h"
#include "report.h"
#include "translate.h"
#include "util.h"


typedef struct paths {
    char *root, *cases, *expected, *reports, *runners, *probe, *runner;
    char *cache, *interps, *probe_cache, *config; /* config may stay NULL */
} paths;

static void paths_free(paths *p)
{
    free(p->root);
    free(p->cases);
    free(p->expected);
    free(p->reports);
    free(p->runners);
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

static int paths_resolve(const pc_options *o, paths *p, pc_error *err)
{
    const char *root = o->root ? o->root : getenv("PYCONFORM_ROOT");
    memset(p, 0, sizeof *p);
    if (!root || !*root)
        root = PYCONFORM_SOURCE_DIR;
    if (!(p->root = pc_strdup(root, err)) || !(p->cases = dir_or(o->cases_dir, root, "cases", err)) ||
        !(p->expected = dir_or(o->expected_dir, root, "expected", err)) ||
        !(p->reports = dir_or(o->reports_dir, root, "reports", err)) ||
        !(p->runners = dir_or(o->runners_dir, root, "runners", err)) ||
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

/* The registry: configured, then provisioned, then discovered builds, probed. */
/* Parse every case file (step 1): a bad one stops everything before anything runs. */
static int load_cases(const pc_options *o, const char *dir, pc_caseset *cases, pc_error *err)
{
    char **files = NULL;
    size_t nfiles = 0, i;
    int rc = case_files(o, dir, &files, &nfiles, err);
    for (i = 0; rc == 0 && i < nfiles; i++)
        rc = pc_parse_file(cases, files[i], err);
    for (i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    return rc;
}

static int load_registry(const pc_options *o, const paths *p, pc_registry *reg, int stop_fd,
                         pc_error *err)
{
    size_t i;
    reg->stop_fd = stop_fd;
    reg->probe_width = (size_t)(o->parallel > 0 ? o->parallel : 2);
    if ((p->config && pc_registry_load_config(reg, p->config, p->runners, err)) ||
        pc_registry_load_provisioned(reg, p->interps, p->runners, err) ||
        pc_registry_discover(reg, err) ||
        pc_registry_probe(reg, p->probe, o->startup_timeout, p->probe_cache, err))
        return -1;
    for (i = 0; i < reg->nwarnings; i++)
        fprintf(stderr, "pyconform: warning: %s\n", reg->warnings[i]);
    pc_registry_select(reg, o->interps, o->ninterps, o->tags, o->ntags);
    return 0;
}

static int cmd_interpreters(const pc_options *o, const paths *p)
{
    pc_registry reg = {0};
    pc_error err;
    size_t i;
    if (load_registry(o, p, &reg, 0, &err)) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        pc_registry_free(&reg);
        return PC_EXIT_USAGE;
    }
    if (o->json) {
        json_t *a = json_array();
        char *s;
        for (i = 0; a && i < reg.len; i++) {
            /* the report's form; outside text (paths, argv, problems) kept escaped */
            if (json_array_append_new(a, pc_interp_json(&reg.items[i]))) {
                json_decref(a); /* out of memory: reported below */
                a = NULL;
            }
        }
        s = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
        if (!s) {
            fprintf(stderr, "pyconform: out of memory\n");
            json_decref(a);
            pc_registry_free(&reg);
            return PC_EXIT_USAGE;
        }
        puts(s);
        free(s);
        json_decref(a);
    } else {
        size_t runnable = 0;
        printf("%-26s %-8s %-10s %-6s %-11s %s\n", "NAME", "IMPL", "VERSION", "TRAITS", "ORIGIN",
               "COMMAND / STATUS");
        for (i = 0; i < reg.len; i++) {
            const pc_interp *in = &reg.items[i];
            char traits[32];
            size_t k;
            pc_interp_traits(in, traits, sizeof traits);
            printf("%-26s %-8s %-10s %-6s %-11s", in->name ? in->name : "?", in->impl ? in->impl : "?",
                   in->version ? in->version : "?", *traits ? traits + 1 : "-", in->origin);
            for (k = 0; in->argv[k]; k++) {
                fputc(' ', stdout);
                pc_print_text(stdout, in->argv[k], SIZE_MAX);
            }
            for (k = 0; in->env && in->env[k]; k++) {
                fputs(k ? " " : "  (env ", stdout);
                pc_print_text(stdout, in->env[k], SIZE_MAX);
            }
            if (in->env && in->env[0])
                fputc(')', stdout);
            if (in->problem) {
                fputs("  [", stdout);
                pc_print_text(stdout, in->problem, SIZE_MAX);
                fputc(']', stdout);
            }
            else if ((o->ninterps || o->ntags) && in->selected)
                printf("  [selected]");
            fputc('\n', stdout);
            runnable += in->supported;
        }
        printf("%zu interpreters, %zu runnable\n", reg.len, runnable);
    }
    pc_registry_free(&reg);
    return PC_EXIT_OK;
}

static int cmd_provision(const pc_options *o, const paths *p)
{
    pc_provision_options po = {0};
    pc_error err;
    char *logs = pc_asprintf(&err, "%s/logs", p->cache);
    size_t failed = 0;
    int rc;
    if (!logs) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        return PC_EXIT_USAGE;
    }
    po.root = p->root;
    po.interps_dir = p->interps;
    po.logs_dir = logs;
    po.probe = p->probe;
    po.runners = p->runners;
    po.names = o->files;
    po.nnames = o->nfiles;
    po.all = o->all;
    po.force = o->force;
    rc = o->list ? pc_provision_list(stdout, &po, &err) : pc_provision_run(stdout, &po, &failed, &err);
    free(logs);
    if (rc) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        return PC_EXIT_USAGE;
    }
    return failed ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
}

static const char *python_cmd(const pc_options *o)
{
    const char *env = getenv("PYCONFORM_PYTHON");
    return o->python ? o->python : env && *env ? env : "python3";
}

/* desugar: our desugarer on one file, its output passed through. */
static int cmd_desugar(const pc_options *o, const paths *p)
{
    pc_error err;
    pc_buf in = {0};
    pc_translation t = {0};
    char *script = pc_asprintf(&err, "%s/desugar.py", p->runners);
    char *argv[] = {(char *)python_cmd(o), script, "-", NULL};
    int rc = PC_EXIT_USAGE;
    if (!script)
        goto done;
    if (o->nfiles != 1) {
        pc_fail(&err, "desugar: needs FILE or - (see `pyconform desugar --help`)");
        goto done;
    }
    if (!strcmp(o->files[0], "-")) {
        char chunk[65536];
        size_t n;
        if (pc_buf_append(&in, "", 0, &err))
            goto done;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            if (pc_buf_append(&in, chunk, n, &err))
                goto done;
    } else if (pc_read_file(o->files[0], &in, &err)) {
        goto done;
    }
    if (pc_translate_text(argv, in.data, 60, 0, &t, &err))
        goto done;
    if (t.notes)
        fputs(t.notes, stderr);
    if (t.failure) {
        pc_fail(&err, "%s: %s", o->files[0], t.failure);
        goto done;
    }
    fputs(t.text, stdout);
    rc = PC_EXIT_OK;
done:
    if (rc)
        fprintf(stderr, "pyconform: %s\n", err.msg);
    free(script);
    pc_buf_free(&in);
    pc_translations_free(&t, 1);
    return rc;
}

/* Run argv to completion; its exit code, or -1 when it could not run. */
static int run_quiet(char *const *argv, pc_buf *out, pc_error *err)
{
    pc_child c = {0};
    int status = 0;
    bool to = false;
    c.argv = argv;
    c.pipe_out = c.pipe_err = true;
    if (pc_child_start(&c, err) || pc_child_capture(&c, NULL, 60, out, out, &status, &to, err))
        return -1;
    return to ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* check-desugar: a desugarer's output against every `=` section. */
static int cmd_check_desugar(const pc_options *o, const paths *p)
{
    pc_caseset cases = {0};
    pc_translation *tr = NULL;
    char *astcmp = NULL, *dir = NULL;
    size_t i, checked = 0, bytes_equal = 0, ast_equal = 0;
    pc_error err;
    int rc = PC_EXIT_USAGE;
    char tmpl[] = "/tmp/pyconform-check-XXXXXX";
    if (load_cases(o, p->cases, &cases, &err))
        goto done;
    if (!(tr = calloc(cases.len + 1, sizeof *tr)) || !(astcmp = pc_asprintf(&err, "%s/ast_equal.py", p->runners))) {
        pc_oom(&err);
        goto done;
    }
    if (!(dir = mkdtemp(tmpl))) {
        pc_fail(&err, "%s: cannot create a temp directory", tmpl);
        goto done;
    }
    for (i = 0; i < cases.len; i++) {
        const pc_case *k = &cases.items[i];
        char *ours[] = {(char *)python_cmd(o), NULL, "-", NULL};
        char *ext[] = {"/bin/sh", "-c", (char *)o->desugarer, NULL};
        char *want = NULL, *got = NULL;
        pc_buf out = {0};
        int r;
        if (!k->desugared)
            continue;
        checked++;
        if (!(ours[1] = pc_asprintf(&err, "%s/desugar.py", p->runners)))
            goto done;
        r = pc_translate_text(o->desugarer ? ext : ours, k->source, o->timeout, 0, &tr[i], &err);
        free(ours[1]);
        if (r)
            goto done;
        if (tr[i].failure) {
            printf("FAILED      %s (%s:%d): %s\n", k->name, k->file, k->line, tr[i].failure);
            continue;
        }
        if (!strcmp(tr[i].text, k->desugared)) {
            bytes_equal++;
            ast_equal++;
            printf("byte-equal  %s\n", k->name);
            continue;
        }
        want = pc_asprintf(&err, "%s/expected.py", dir);
        got = pc_asprintf(&err, "%s/actual.py", dir);
        if (!want || !got || pc_write_atomic(want, k->desugared, strlen(k->desugared), &err) ||
            pc_write_atomic(got, tr[i].text, strlen(tr[i].text), &err)) {
            free(want);
            free(got);
            goto done;
        }
        {
            char *acmd[] = {(char *)python_cmd(o), astcmp, want, got, NULL};
            char *dcmd[] = {"diff", "-u", "--label", "expected (= section)", "--label", "desugarer output",
                            want, got, NULL};
            int same = run_quiet(acmd, &out, &err);
            if (same == 0)
                ast_equal++;
            printf("%s %s (%s:%d)\n", same == 0 ? "AST-equal  " : "DIFFERENT  ", k->name, k->file, k->line);
            pc_buf_clear(&out);
            run_quiet(dcmd, &out, &err);
            fputs(out.data ? out.data : "", stdout);
        }
        pc_buf_free(&out);
        remove(want);
        remove(got);
        free(want);
        free(got);
    }
    printf("check-desugar: %zu cases with a `=` section: %zu byte-equal, %zu AST-equal, %zu different\n",
           checked, bytes_equal, ast_equal, checked - ast_equal);
    rc = bytes_equal == checked ? PC_EXIT_OK : PC_EXIT_UNEXPECTED;
done:
    if (rc == PC_EXIT_USAGE)
        fprintf(stderr, "pyconform: %s\n", err.msg);
    if (dir)
        rmdir(dir);
    pc_translations_free(tr, cases.len);
    free(tr);
    free(astcmp);
    pc_caseset_free(&cases);
    return rc;
}

/* changes: the "what changes where" table from expected/ (runs nothing). */
static int cmd_changes(const pc_options *o, const paths *p)
{
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_buf out = {0}, missing = {0};
    pc_changes_stats st;
    pc_error err;
    int rc = PC_EXIT_USAGE;
    if (load_cases(o, p->cases, &cases, &err))
        goto done;
    if (pc_expect_load(&ex, p->expected, &cases, &err) ||
        pc_changes_render(&ex, &cases, &out, &missing, &st, &err))
        goto done;
    if (o->check) {
        /* the gate: every difference between builds and every divergence has a reason */
        if (missing.len)
            fprintf(stderr, "%s", missing.data);
        printf("changes: %zu case functions differ between builds, %zu divergences, %zu rows "
               "without a reason\n", st.functions_differing, st.divergences, st.missing_reasons);
        rc = st.missing_reasons ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
        goto done;
    }
    if (o->output) {
        if (pc_write_atomic(o->output, out.data, out.len, &err))
            goto done;
        fprintf(stderr, "pyconform: wrote %s: %zu case functions differ between builds, %zu divergences\n",
                o->output, st.functions_differing, st.divergences);
    } else {
        fwrite(out.data, 1, out.len, stdout);
    }
    rc = PC_EXIT_OK;
done:
    if (rc == PC_EXIT_USAGE)
        fprintf(stderr, "pyconform: %s\n", err.msg);
    pc_buf_free(&out);
    pc_buf_free(&missing);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    return rc;
}

/* The stop signal waiting on the run's signalfd (read, so it is taken), or 0. */
static int pending_signal(int stop_fd)
{
    struct signalfd_siginfo si;
    if (stop_fd < 0)
        return 0;
    return read(stop_fd, &si, sizeof si) == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
}

/* The reports directory exists (or is created) and takes files: checked before
 * anything runs, so a run never ends without its report. */
static int check_reports_dir(const char *dir, pc_error *err)
{
    char *probe;
    int fd;
    if (pc_mkdir_p(dir, err))
        return pc_wrap(err, "--reports");
    if (!(probe = pc_asprintf(err, "%s/.pyconform-write-test.%ld", dir, (long)getpid())))
        return -1;
    fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        pc_fail(err, "%s: reports directory is not writable: %s", dir, strerror(errno));
        free(probe);
        return -1;
    }
    close(fd);
    unlink(probe);
    free(probe);
    return 0;
}

/* run and bless: the whole pipeline. stop_fd: a signalfd for SIGINT, SIGTERM and
 * SIGHUP (blocked), or -1. */
static int cmd_run(const pc_options *o, const paths *p, int argc, char **argv, int stop_fd)
{
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_registry reg = {0};
    pc_plan plan = {0};
    pc_comparison cmp = {0};
    pc_stale_list stale = {0};
    pc_job_result *results = NULL;
    pc_translation *translations = NULL;
    pc_run_info run = {0};
    json_t *report = NULL;
    char *written = NULL;
    pc_error err;
    int rc = PC_EXIT_USAGE;
    double t0 = pc_now();

    run.started = pc_wall_now();
    run.argc = argc;
    run.argv = argv;
    run.timeout = o->timeout;
    run.startup_timeout = o->startup_timeout;
    run.max_output = o->max_output;
    run.max_memory = o->max_memory;
    run.parallel = o->parallel;

    /* 1. cases: a bad case file stops everything before anything runs */
    if (load_cases(o, p->cases, &cases, &err))
        goto fail;
    if (pc_expect_load(&ex, p->expected, &cases, &err))
        goto fail;
    if (check_reports_dir(p->reports, &err))
        goto fail;

    /* 1b. the desugared text of every case */
    if (o->modes & PC_MODES_DESUGARED) {
        pc_translate_options to = {python_cmd(o), NULL, o->desugarer, o->timeout, o->parallel,
                                   stop_fd};
        char *dpy = pc_asprintf(&err, "%s/desugar.py", p->runners);
        int trc;
        if (!dpy || !(translations = calloc(cases.len + 1, sizeof *translations))) {
            free(dpy);
            pc_oom(&err);
            goto fail;
        }
        to.desugar_py = dpy;
        trc = pc_translate(&cases, &to, translations, &err);
        free(dpy);
        if (trc && !(run.interrupted = pending_signal(stop_fd)))
            goto fail;
    }

    /* 2. interpreters and jobs */
    if (load_registry(o, p, &reg, stop_fd, &err))
        goto fail;
    if (!run.interrupted)
        run.interrupted = pending_signal(stop_fd); /* during probing: nothing will run */
    if (pc_registry_select(&reg, o->interps, o->ninterps, o->tags, o->ntags) == 0 &&
        !run.interrupted) {
        pc_fail(&err, "no supported interpreter matches%s%s (see `pyconform interpreters`)",
                o->ninterps ? " --interp" : "", o->ntags ? " --tag" : "");
        goto fail;
    }
    if (pc_plan_build(&plan, &cases, &reg, o->modes, translations, &err))
        goto fail;

    /* 3. execute */
    results = calloc(plan.len + 1, sizeof *results);
    if (!results) {
        pc_oom(&err);
        goto fail;
    }
    if (!run.interrupted && !(run.interrupted = pending_signal(stop_fd)) && plan.len) {
        pc_exec_options eo = {o->parallel, o->timeout, o->startup_timeout, p->runner, 0,
                              o->max_output, o->max_memory, stop_fd};
        if (pc_execute(&plan, &eo, results, &run.interrupted, &err))
            goto fail;
    }

    /* 4. compare */
    if (pc_compare(&cases, &plan, results, &ex, &cmp, &err))
        goto fail;
    if (pc_stale_find(&ex, &cases, &cmp, &stale, &err))
        goto fail;
    pc_stale_print(stderr, &stale);

    /* 5. report */
    run.finished = pc_wall_now();
    {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0)
            run.peak_rss = ru.ru_maxrss * 1024L;
    }
    run.seconds = pc_now() - t0;
    if (!(report = pc_report_build(&run, &reg, &plan, results, &cmp, &err)) ||
        pc_report_add_stale(report, &stale, &err) ||
        pc_report_write(report, p->reports, run.started, &written, &err))
        goto fail;
    {
        size_t removed;
        if (pc_report_prune(p->reports, (size_t)o->keep_reports, &removed, &err))
            fprintf(stderr, "pyconform: warning: %s\n", err.msg); /* the report is written */
    }
    if (o->quiet)
        pc_report_print_summary(stdout, &run, &plan, &cmp);
    else
        pc_report_print(stdout, &run, &plan, &cmp, o->max_details);
    printf("report: %s/latest.json (%s)\n", p->reports, written);
    rc = cmp.unexpected ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
    if (!run.interrupted && (rc = pending_signal(stop_fd)) != 0) {
        /* every job ran, and the report is whole; the signal still decides the status */
        fflush(stdout);
        fprintf(stderr, "pyconform: signal %d (%s) after the run ended: the report is complete%s\n",
                rc, strsignal(rc), o->cmd == PC_CMD_BLESS ? "; expected/ left as it was" : "");
        rc += 128;
        goto done;
    }
    rc = cmp.unexpected ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
    if (run.interrupted) {
        fflush(stdout);
        fprintf(stderr, "pyconform: interrupted by signal %d (%s)%s\n", run.interrupted,
                strsignal(run.interrupted),
                o->cmd == PC_CMD_BLESS ? "; expected/ left as it was" : "");
        rc = 128 + run.interrupted;
        goto done;
    }

    if (o->cmd == PC_CMD_BLESS) {
        pc_bless_stats st;
        if (pc_bless(&ex, &cases, &cmp, stdout, &st, &err))
            goto fail;
        printf("bless: %zu functions updated, %zu kept, %zu dropped, %zu files written\n",
               st.functions_updated, st.functions_kept, st.functions_dropped, st.files_written);
        if (st.divergences_without_reason)
            printf("bless: %zu new divergences recorded with \"divergence\": null: write their "
                   "reasons in expected/ (until then they count as DIVERGE)\n",
                   st.divergences_without_reason);
        rc = PC_EXIT_OK;
    }
    goto done;

fail:
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    json_decref(report);
    free(written);
    pc_stale_list_free(&stale);
    pc_comparison_free(&cmp);
    if (results)
        pc_job_results_free(results, plan.len);
    free(results);
    pc_plan_free(&plan);
    pc_translations_free(translations, cases.len);
    free(translations);
    pc_registry_free(&reg);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    return rc;
}

/* run/bless with SIGINT, SIGTERM and SIGHUP blocked and read from a signalfd: the
 * loops that wait on children watch it, kill and reap every child, and the run still
 * writes its report (marked interrupted). A second signal during that is taken by the
 * same fd; nothing is left to kill by then. */
static int run_with_stop_signals(const pc_options *o, const paths *p, int argc, char **argv)
{
    sigset_t stop;
    int fd, rc;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &stop, NULL) != 0 ||
        (fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        fprintf(stderr, "pyconform: cannot take over SIGINT/SIGTERM/SIGHUP: %s\n", strerror(errno));
        return PC_EXIT_USAGE;
    }
    rc = cmd_run(o, p, argc, argv, fd);
    close(fd); /* the signals stay blocked: one still pending must not undo the exit code */
    return rc;
}

int main(int argc, char **argv)
{
    pc_options o;
    pc_error err;
    paths p;
    int rc;

    signal(SIGPIPE, SIG_IGN); /* a dead runner shows as EPIPE, not as our death */
    if (pc_cli_parse(argc, argv, &o, &err)) {
        fprintf(stderr, "pyconform: %s\n\n", err.msg);
        pc_cli_help(stderr, o.cmd);
        pc_cli_free(&o);
        return PC_EXIT_USAGE;
    }
    if (o.cmd == PC_CMD_HELP || o.help) {
        pc_cli_help(stdout, o.cmd);
        pc_cli_free(&o);
        return PC_EXIT_OK;
    }
    if (o.cmd == PC_CMD_VERSION) {
        printf("pyconform %s\n", PYCONFORM_VERSION);
        pc_cli_free(&o);
        return PC_EXIT_OK;
    }
    if (paths_resolve(&o, &p, &err)) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        paths_free(&p);
        pc_cli_free(&o);
        return PC_EXIT_USAGE;
    }
    if (o.cmd == PC_CMD_INTERPRETERS)
        rc = cmd_interpreters(&o, &p);
    else if (o.cmd == PC_CMD_PROVISION)
        rc = cmd_provision(&o, &p);
    else if (o.cmd == PC_CMD_CHANGES)
        rc = cmd_changes(&o, &p);
    else if (o.cmd == PC_CMD_DESUGAR)
        rc = cmd_desugar(&o, &p);
    else if (o.cmd == PC_CMD_CHECK_DESUGAR)
        rc = cmd_check_desugar(&o, &p);
    else
        rc = run_with_stop_signals(&o, &p, argc, argv);
    paths_free(&p);
    pc_cli_free(&o);
    return rc;
}
