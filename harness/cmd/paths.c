/* paths.c - where things are (pc_paths, cmd.h): the data root and its folders, the
 * reports folder, the cache and the optional configuration file.
 *
 * The data root holds runners/, host/, cases/, expected/, provision/ and docs/. It is,
 * in this order:
 *   1. --root DIR;
 *   2. $PYCONFORM_ROOT (when not empty);
 *   3. the installed data folder, when the binary runs from an install: the binary's own
 *      folder (/proc/self/exe) joined with PYCONFORM_DATA_REL, i.e. BINDIR/../share/
 *      pyconform for `cmake --install` and the Debian package, taken when it holds
 *      runners/runner.py (so the install can be moved as a whole);
 *   4. the source tree the binary was built from (PYCONFORM_SOURCE_DIR), for the
 *      build-tree binary.
 * The reports folder is --reports, else ROOT/reports, except for an installed binary
 * (3.), whose share folder may not be writable: there it is ./reports, in the working
 * directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

#ifndef PYCONFORM_DATA_REL
#define PYCONFORM_DATA_REL "../share/pyconform"
#endif

void pc_paths_free(pc_paths *p)
{
    free(p->root);
    free(p->cases);
    free(p->expected);
    free(p->reports);
    free(p->runners);
    free(p->host);
    free(p->desugar_py);
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

/* The running binary's folder (from /proc/self/exe) in *out (owned), or NULL when it
 * cannot be read (not Linux, no /proc). -1 only when out of memory. */
static int exe_dir(char **out, pc_error *err)
{
    size_t cap = 256;
    *out = NULL;
    while (cap <= (size_t)1 << 20) {
        char *buf = malloc(cap), *slash;
        ssize_t n;
        if (!buf)
            return pc_oom(err);
        n = readlink("/proc/self/exe", buf, cap);
        if (n < 0 || (size_t)n >= cap) {
            free(buf);
            if (n < 0)
                return 0;
            cap *= 2;
            continue;
        }
        buf[n] = '\0';
        if ((slash = strrchr(buf, '/')))
            *slash = '\0';
        *out = buf;
        return 0;
    }
    return 0;
}

/* The installed data folder in *out (canonical, owned) when the binary runs from an
 * install, else NULL. -1 only when out of memory. */
static int installed_root(char **out, pc_error *err)
{
    char *dir, *data, *marker;
    int rc = 0;
    *out = NULL;
    if (exe_dir(&dir, err))
        return -1;
    if (!dir)
        return 0;
    data = pc_asprintf(err, "%s/%s", dir, PYCONFORM_DATA_REL);
    marker = data ? pc_asprintf(err, "%s/runners/runner.py", data) : NULL;
    if (!marker)
        rc = -1;
    else if (access(marker, R_OK) == 0 && !(*out = realpath(data, NULL)) && errno == ENOMEM)
        rc = pc_oom(err);
    free(marker);
    free(data);
    free(dir);
    return rc;
}

typedef enum { ROOT_GIVEN, ROOT_INSTALLED, ROOT_SOURCE } root_kind;

/* The data root (owned) and where it came from. */
static char *find_root(const pc_options *o, root_kind *kind, pc_error *err)
{
    const char *given = o->root ? o->root : getenv("PYCONFORM_ROOT");
    char *inst;
    *kind = ROOT_GIVEN;
    if (given && *given)
        return pc_strdup(given, err);
    if (installed_root(&inst, err))
        return NULL;
    *kind = inst ? ROOT_INSTALLED : ROOT_SOURCE;
    return inst ? inst : pc_strdup(PYCONFORM_SOURCE_DIR, err);
}

/* ./reports in the working directory, as an absolute path (owned). */
static char *cwd_reports(pc_error *err)
{
    char *cwd = getcwd(NULL, 0), *r;
    if (!cwd) {
        if (errno == ENOMEM)
            pc_oom(err);
        else
            pc_fail(err, "cannot read the working directory (for ./reports): %s; use --reports",
                    strerror(errno));
        return NULL;
    }
    r = pc_asprintf(err, "%s/reports", cwd);
    free(cwd);
    return r;
}

int pc_paths_resolve(const pc_options *o, pc_paths *p, pc_error *err)
{
    root_kind kind;
    const char *root;
    memset(p, 0, sizeof *p);
    if (!(p->root = find_root(o, &kind, err)))
        return -1;
    root = p->root;
    if (!(p->cases = dir_or(o->cases_dir, root, "cases", err)) ||
        !(p->expected = dir_or(o->expected_dir, root, "expected", err)) ||
        !(p->reports = o->reports_dir        ? pc_strdup(o->reports_dir, err)
                       : kind == ROOT_INSTALLED ? cwd_reports(err)
                                                : pc_asprintf(err, "%s/reports", root)) ||
        !(p->runners = dir_or(o->runners_dir, root, "runners", err)) ||
        !(p->host = pc_asprintf(err, "%s/host", root)) ||
        !(p->desugar_py = pc_asprintf(err, "%s/desugar.py", p->host)) ||
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
    if (access(p->runner, R_OK) != 0 || access(p->probe, R_OK) != 0) {
        if (o->runners_dir || kind != ROOT_SOURCE)
            return pc_fail(err, "%s: runners not found (runner.py, probe.py); use --root or --runners",
                           p->runners);
        return pc_fail(err, "%s: runners not found (runner.py, probe.py), and no installed data "
                       "next to the binary (BINDIR/%s); use --root, $PYCONFORM_ROOT or --runners",
                       p->runners, PYCONFORM_DATA_REL);
    }
    return 0;
}
