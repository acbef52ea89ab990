/* bisect_releases.c - `pyconform bisect --provision`: a bisection over the Pyodide
 * releases on npm, installed or not.
 *
 * The releases are what `npm view pyodide versions --json` lists (npm's own registry
 * setting applies: $npm_config_registry, .npmrc), ordered by version. A release is
 * installed when CACHE/interpreters/NAME/build.json exists, NAME being the name of
 * its recipe in provision/recipes.json when one has that version, else pyodide-VERSION;
 * a release that is not installed is provisioned as `pyconform provision` would
 * (provision/pyodide.sh through pc_provision_recipes: same cache, same logs, verified)
 * when the search needs it, and stays in the cache. Points:
 *   1. every installed release, and the oldest and newest releases;
 *   2. then, while two neighbouring tried releases observe different things with
 *      untried releases between them, the middle one of those (a release that cannot
 *      be installed or run is skipped and the nearest other one is taken).
 * Every boundary between two tried neighbours is then reported as the installed-builds
 * bisection reports one. The releases tried are printed in order, each with how it
 * was had: already installed, or downloaded now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bisect.h"
#include "process.h"
#include "provision.h"
#include "trial.h"
#include "util.h"

typedef struct release {
    char *version;  /* as npm spells it */
    char *name;     /* the build's name in the cache */
    bool installed; /* before this run */
    bool tried, downloaded, skipped;
    char *value;    /* what it observed (tried and not skipped) */
    char *why;      /* skipped: why */
    const char *verdict;
} release;

/* Compare two npm versions: numbers numerically, a pre-release before its release. */
static int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea, b = eb;
            continue;
        }
        if (*a == '-' && *b != '-')
            return -1; /* a pre-release: 1.0.0-alpha.2 < 1.0.0 */
        if (*b == '-' && *a != '-')
            return 1;
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++, b++;
    }
    return 0;
}

static int release_cmp(const void *x, const void *y)
{
    return version_cmp(((const release *)x)->version, ((const release *)y)->version);
}

/* `npm view pyodide versions --json`: the release list (new reference), or NULL. */
static json_t *npm_versions(int stop_fd, int *stopped, pc_error *err)
{
    char *argv[] = {"npm", "view", "pyodide", "versions", "--json", NULL};
    pc_child c = {0};
    pc_buf out = {0}, errb = {0};
    int status = 0;
    bool to = false;
    json_t *list = NULL;
    c.argv = argv;
    c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    c.stop_fd = stop_fd > 0 ? stop_fd : 0;
    if (pc_child_start(&c, err) || pc_child_capture(&c, NULL, 120, &out, &errb, &status, &to, err))
        goto out;
    if (c.stopped) {
        *stopped = pc_cmd_pending_signal(stop_fd);
        goto out;
    }
    if (to || !WIFEXITED(status) || WEXITSTATUS(status)) {
        pc_fail(err, "npm view pyodide versions: %s",
                to ? "timed out" : errb.data ? errb.data : "failed");
        goto out;
    }
    list = json_loadb(out.data ? out.data : "", out.len, 0, NULL);
    if (json_is_string(list)) { /* a single version is printed as a string */
        json_t *one = json_array();
        if (!one || json_array_append_new(one, list)) {
            json_decref(one);
            list = NULL;
            pc_oom(err);
            goto out;
        }
        list = one;
    }
    if (!json_is_array(list) || !json_array_size(list)) {
        json_decref(list);
        list = NULL;
        pc_fail(err, "npm view pyodide versions: no list of versions in its output");
    }
out:
    pc_buf_free(&out);
    pc_buf_free(&errb);
    return list;
}

/* The recipe name of a Pyodide version in recipes.json (borrowed from recipes), or NULL. */
static const char *recipe_name(json_t *recipes, const char *version)
{
    size_t i;
    json_t *r;
    json_array_foreach(recipes, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *v = json_string_value(json_object_get(r, "version"));
        if (kind && v && !strcmp(kind, "pyodide") && !strcmp(v, version))
            return json_string_value(json_object_get(r, "name"));
    }
    return NULL;
}

static bool is_installed(const pc_paths *p, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/build.json", p->interps, name);
    return access(path, R_OK) == 0;
}

/* Install release r (when it is not) and run the block on it: r->value, or r->skipped
 * with r->why. -1: a harness error; 1: interrupted. */
static int try_release(const pc_options *o, const pc_paths *p, const pc_case *kase,
                       const char *function, pc_mode mode, const pc_expectations *ex,
                       release *r, int stop_fd, int *sig, pc_error *err)
{
    pc_registry reg = {0};
    pc_trial t = {0};
    json_t *build = NULL;
    char *where = NULL;
    int rc = -1;
    r->tried = true;
    if (!is_installed(p, r->name)) {
        json_t *list = json_pack("[{s:s, s:s, s:s, s:[s,s,s]}]", "name", r->name, "kind", "pyodide",
                                 "version", r->version, "tags", "cpython", "pyodide", "wasm");
        char *logs = pc_asprintf(err, "%s/logs", p->cache);
        pc_provision_options po = {p->root, p->interps, logs, p->probe, p->runners, NULL, 0,
                                   false, false};
        size_t failed = 0;
        int prc;
        if (!list || !logs) {
            json_decref(list);
            free(logs);
            return pc_oom(err);
        }
        printf("  %s: downloading (provision, log %s/%s.log) ...\n", r->version, logs, r->name);
        fflush(stdout);
        prc = pc_provision_recipes(stdout, &po, list, &failed, err);
        json_decref(list);
        free(logs);
        if (prc)
            return -1;
        if ((*sig = pc_cmd_pending_signal(stop_fd)))
            return 1;
        r->downloaded = true;
        if (failed) {
            r->skipped = true;
            return (r->why = pc_strdup("could not be provisioned (see its log)", err)) ? 0 : -1;
        }
    }
    if (!(where = pc_asprintf(err, "%s/%s/build.json", p->interps, r->name)))
        return -1;
    if (!(build = json_load_file(where, 0, NULL))) {
        r->skipped = true;
        rc = (r->why = pc_asprintf(err, "%s cannot be read", where)) ? 0 : -1;
        goto out;
    }
    reg.stop_fd = stop_fd;
    reg.probe_width = 1;
    if (pc_registry_add_json(&reg, "provisioned", build, where, p->runners, err) ||
        pc_registry_probe(&reg, p->probe, o->startup_timeout, p->probe_cache, err))
        goto out;
    if ((*sig = pc_cmd_pending_signal(stop_fd))) {
        rc = 1;
        goto out;
    }
    if (!reg.len || reg.items[0].broken || !reg.items[0].supported) {
        r->skipped = true;
        rc = (r->why = pc_asprintf(err, "does not start: %s",
                                   reg.len && reg.items[0].problem ? reg.items[0].problem : "?"))
                 ? 0 : -1;
        goto out;
    }
    pc_registry_select(&reg, NULL, 0, NULL, 0);
    {
        pc_caseset one = {.items = (pc_case *)kase, .len = 1, .cap = 1};
        pc_trial_config tc = {o, p, NULL, stop_fd};
        const pc_row *row;
        if (pc_trial_run(&t, &tc, &one, ex, &reg, 1u << mode, err))
            goto out;
        if (t.interrupted) {
            *sig = t.interrupted;
            rc = 1;
            goto out;
        }
        row = pc_trial_row(&t, kase, function, &reg.items[0], mode);
        if (!row || row->verdict == PC_SKIP || row->verdict == PC_ERROR ||
            row->verdict == PC_NOT_RUN) {
            r->skipped = true;
            rc = (r->why = pc_asprintf(err, "not observed: %s",
                                       row && row->detail ? row->detail : "no result")) ? 0 : -1;
            goto out;
        }
        r->verdict = pc_verdict_get(row->verdict)->name;
        if (row->observation) {
            bool oom;
            r->value = pc_trial_observation_text(&t, row, &oom);
            if (oom) {
                pc_oom(err);
                goto out;
            }
        } else if (!(r->value = pc_asprintf(err, "(%s%s%s)", r->verdict, row->detail ? ": " : "",
                                            row->detail ? row->detail : ""))) {
            goto out;
        }
    }
    rc = 0;
out:
    pc_trial_free(&t);
    pc_registry_free(&reg);
    json_decref(build);
    free(where);
    return rc;
}

/* The next release to try: the middle untried one between two tried neighbours that
 * observe different things, or -1. */
static long next_point(const release *rs, size_t n)
{
    size_t i, j;
    for (i = 0; i < n; i++) {
        if (!rs[i].tried || rs[i].skipped)
            continue;
        for (j = i + 1; j < n && (!rs[j].tried || rs[j].skipped); j++)
            ;
        if (j == n)
            break;
        if (strcmp(rs[i].value, rs[j].value) != 0) {
            long mid = (long)(i + j) / 2, d;
            for (d = 0; d <= (long)(j - i); d++) {
                if (mid + d < (long)j && !rs[mid + d].tried)
                    return mid + d;
                if (mid - d > (long)i && !rs[mid - d].tried)
                    return mid - d;
            }
        }
        i = j - 1;
    }
    return -1;
}

int pc_bisect_releases(const pc_options *o, const pc_paths *p, const pc_case *kase,
                       const char *function, pc_mode mode, const pc_expectations *ex, int stop_fd)
{
    pc_error err;
    json_t *versions = NULL, *recipes = NULL, *v;
    release *rs = NULL;
    size_t n = 0, i, boundaries = 0, downloads = 0;
    int rc = PC_EXIT_USAGE, stopped = 0, t;
    char *rpath = pc_asprintf(&err, "%s/provision/recipes.json", p->root);
    long k;

    if (!rpath || !(recipes = pc_recipes_load(rpath, &err)))
        goto fail;
    if (!(versions = npm_versions(stop_fd, &stopped, &err))) {
        if (stopped)
            goto interrupted;
        goto fail;
    }
    if (!(rs = calloc(json_array_size(versions) + 1, sizeof *rs))) {
        pc_oom(&err);
        goto fail;
    }
    json_array_foreach(versions, i, v) {
        const char *ver = json_string_value(v), *rn;
        if (!ver)
            continue;
        rn = recipe_name(recipes, ver);
        if (!(rs[n].version = pc_strdup(ver, &err)) ||
            !(rs[n].name = rn ? pc_strdup(rn, &err) : pc_asprintf(&err, "pyodide-%s", ver)))
            goto fail;
        rs[n].installed = is_installed(p, rs[n].name);
        n++;
    }
    qsort(rs, n, sizeof *rs, release_cmp);
    printf("bisect: %s / %s, %s mode, over %zu Pyodide releases (%s .. %s) from npm\n",
           kase->name, function, pc_mode_name(mode), n, rs[0].version, rs[n - 1].version);
    /* 1. the installed releases and both ends; 2. the middles */
    for (i = 0; i < n; i++) {
        if (!(rs[i].installed || i == 0 || i == n - 1))
            continue;
        if ((t = try_release(o, p, kase, function, mode, ex, &rs[i], stop_fd, &stopped, &err)) < 0)
            goto fail;
        if (t > 0)
            goto interrupted;
        printf("  %s: %s%s%s\n", rs[i].version, rs[i].installed ? "installed" : "downloaded",
               rs[i].skipped ? ", skipped: " : "", rs[i].skipped ? rs[i].why : "");
    }
    while ((k = next_point(rs, n)) >= 0) {
        if ((t = try_release(o, p, kase, function, mode, ex, &rs[k], stop_fd, &stopped, &err)) < 0)
            goto fail;
        if (t > 0)
            goto interrupted;
        printf("  %s: %s%s%s\n", rs[k].version, rs[k].installed ? "installed" : "downloaded",
               rs[k].skipped ? ", skipped: " : "", rs[k].skipped ? rs[k].why : "");
    }
    printf("tried, in order:");
    for (i = 0; i < n; i++)
        if (rs[i].tried) {
            printf(" %s%s", rs[i].version,
                   rs[i].skipped ? "(skipped)" : rs[i].downloaded ? "(downloaded)" : "");
            downloads += rs[i].downloaded;
        }
    printf("\n");
    {
        const release *prev = NULL;
        for (i = 0; i < n; i++) {
            if (!rs[i].tried || rs[i].skipped)
                continue;
            if (prev && strcmp(prev->value, rs[i].value) != 0) {
                boundaries++;
                printf("  boundary: pyodide %s -> %s (%s -> %s)\n", prev->version, rs[i].version,
                       prev->name, rs[i].name);
                pc_bisect_print_change(stdout, prev->value, rs[i].value);
            }
            prev = &rs[i];
        }
    }
    {
        size_t tried = 0;
        for (i = 0; i < n; i++)
            tried += rs[i].tried;
        if (boundaries)
            printf("bisect: %zu boundar%s; %zu of %zu releases tried, %zu downloaded now\n",
                   boundaries, boundaries == 1 ? "y" : "ies", tried, n, downloads);
        else
            printf("bisect: no change found across the %zu releases tried (%zu downloaded now)\n",
                   tried, downloads);
    }
    rc = PC_EXIT_OK;
    goto done;
interrupted:
    stopped = stopped ? stopped : pc_cmd_pending_signal(stop_fd);
    fprintf(stderr, "pyconform: interrupted by signal %d (%s)\n", stopped, strsignal(stopped));
    rc = 128 + stopped;
    goto done;
fail:
    fprintf(stderr, "pyconform: %s\n", err.msg);
    rc = PC_EXIT_USAGE;
done:
    for (i = 0; rs && i < n; i++) {
        free(rs[i].version);
        free(rs[i].name);
        free(rs[i].value);
        free(rs[i].why);
    }
    free(rs);
    free(rpath);
    json_decref(recipes);
    json_decref(versions);
    return rc;
}
