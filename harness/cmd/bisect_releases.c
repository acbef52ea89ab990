/* bisect_releases.c - `pyconform bisect --provision`: a bisection over releases that
 * need not be installed: the Pyodide releases on npm (--points pyodide, the default), the
 * CPython packages of Debian suites (--points debian), or both, one line after the other
 * (--points all; a wasm build and a native one are different lines, as in the
 * installed-builds bisection, so they are never neighbours).
 *
 * Pyodide: the releases are what `npm view pyodide versions --json` lists (npm's own
 * registry setting applies: $npm_config_registry, .npmrc), ordered by version. A
 * release's build is CACHE/interpreters/NAME, NAME being the name of its recipe in
 * provision/recipes.json when one has that version, else pyodide-VERSION; it is
 * provisioned with provision/pyodide.sh.
 *
 * Debian: the points are the python3.X packages (exact Debian versions) that the suites
 * of --suites (default oldstable,stable,testing,unstable) offer, read from each suite's
 * package index by provision/deb-versions.sh (a private `apt-get update` into
 * CACHE/debian-lists/SUITE, then apt-cache madison; PYCONFORM_APT_SOURCE replaces the
 * system's mirror, {suite} in it standing for the suite). A suite that cannot be read
 * is left out with a note; none at all is an error. A version offered by several
 * suites is one point (provisioned from the first suite listed). Points are ordered by
 * Debian version, which orders them by CPython version (3.13.5-2 is CPython 3.13.5,
 * 3.14.0~rc1-1 is 3.14.0rc1, before 3.14.0-1). A point's build is
 * CACHE/interpreters/debian-python3.X-VERSION, made by provision/deb-private.sh with
 * --packages=python3.X=VERSION; any other deb-private build of the cache whose
 * build.json lists that package at that version (a recipe's, e.g. cpython-3.13-sid)
 * counts as installed and is used as it is.
 *
 * A point that is not installed is provisioned as `pyconform provision` would
 * (pc_provision_recipes: same cache, same logs, verified) when the search needs it, and
 * stays in the cache. The search, for each line:
 *   1. every installed point, and the oldest and newest points (when an end cannot be
 *      installed or run, the next one inwards is taken, until one is observed);
 *   2. then, while two neighbouring tried points observe different things with untried
 *      points between them, the middle one of those (a point that cannot be installed
 *      or run is skipped and the nearest other one is taken).
 * Every boundary between two tried neighbours is then reported as the installed-builds
 * bisection reports one. The points are printed as they are tried, each with how it
 * was had (already installed, or downloaded now), then all of them in version order
 * and in the order they were tried.
 */
#include <ctype.h>
#include <dirent.h>
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
    char *version;  /* as npm spells it, or the Debian version */
    char *name;     /* the build's name in the cache */
    char *package;  /* Debian: the package (python3.13); Pyodide: NULL */
    char *suites;   /* Debian: the suites that offer this version ("stable, testing") */
    char *cpython;  /* Debian: the CPython version in it (3.13.5) */
    json_t *recipe; /* how to provision it: a list of one entry in recipes.json's form */
    bool installed; /* before this run */
    bool tried, downloaded, skipped;
    unsigned order; /* 1, 2, ...: when it was tried */
    char *value;    /* what it observed (tried and not skipped) */
    char *why;      /* skipped: why */
    const char *verdict;
} release;

/* One line of points: what they are, how they are shown. */
typedef struct line {
    const char *kind; /* "pyodide", "debian" */
    const char *noun; /* "Pyodide releases", "Debian CPython packages" */
    release *rs;
    size_t n;
    char *source;     /* where they were listed: "npm", "suites oldstable, stable" */
} line;

static void line_free(line *l)
{
    size_t i;
    for (i = 0; l->rs && i < l->n; i++) {
        free(l->rs[i].version);
        free(l->rs[i].name);
        free(l->rs[i].package);
        free(l->rs[i].suites);
        free(l->rs[i].cpython);
        json_decref(l->rs[i].recipe);
        free(l->rs[i].value);
        free(l->rs[i].why);
    }
    free(l->rs);
    free(l->source);
    l->rs = NULL;
    l->source = NULL;
    l->n = 0;
}

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

/* dpkg's order of a character in the non-digit parts: '~' before everything, even the
 * end; letters before the other characters. */
static int deb_char_order(int c)
{
    if (isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    if (c == '~')
        return -1;
    return c ? c + 256 : 0;
}

/* dpkg's comparison of two upstream versions or two revisions (verrevcmp), over the
 * first an and bn bytes. */
static int deb_part_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    const char *ae = a + an, *be = b + bn;
    while (a < ae || b < be) {
        int first = 0;
        while ((a < ae && !isdigit((unsigned char)*a)) || (b < be && !isdigit((unsigned char)*b))) {
            int ac = a < ae ? deb_char_order((unsigned char)*a) : 0;
            int bc = b < be ? deb_char_order((unsigned char)*b) : 0;
            if (ac != bc)
                return ac - bc;
            a++, b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        while (a < ae && b < be && isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            if (!first)
                first = *a - *b;
            a++, b++;
        }
        if (a < ae && isdigit((unsigned char)*a))
            return 1;
        if (b < be && isdigit((unsigned char)*b))
            return -1;
        if (first)
            return first;
    }
    return 0;
}

/* A Debian version's parts: the epoch, the upstream version (start, length) and the
 * revision (start, length; "" when there is none). */
static void deb_split(const char *v, unsigned long *epoch, const char **up, size_t *uplen,
                      const char **rev)
{
    const char *colon = strchr(v, ':'), *dash;
    *epoch = colon ? strtoul(v, NULL, 10) : 0;
    *up = colon ? colon + 1 : v;
    dash = strrchr(*up, '-');
    *uplen = dash ? (size_t)(dash - *up) : strlen(*up);
    *rev = dash ? dash + 1 : "";
}

/* Compare two Debian versions as dpkg --compare-versions does. */
static int deb_version_cmp(const char *a, const char *b)
{
    unsigned long ea, eb;
    const char *ua, *ub, *ra, *rb;
    size_t la, lb;
    int c;
    deb_split(a, &ea, &ua, &la, &ra);
    deb_split(b, &eb, &ub, &lb, &rb);
    if (ea != eb)
        return ea < eb ? -1 : 1;
    if ((c = deb_part_cmp(ua, la, ub, lb)) != 0)
        return c;
    return deb_part_cmp(ra, strlen(ra), rb, strlen(rb));
}

/* The CPython version a Debian version packages: the upstream part, '~' dropped (3.14.0~rc1
 * is 3.14.0rc1), anything from '+' on dropped (+dfsg). */
static char *deb_cpython(const char *v, pc_error *err)
{
    unsigned long epoch;
    const char *up, *rev;
    size_t len, i, k = 0;
    char *s;
    deb_split(v, &epoch, &up, &len, &rev);
    if (!(s = malloc(len + 1))) {
        pc_oom(err);
        return NULL;
    }
    for (i = 0; i < len && up[i] != '+'; i++)
        if (up[i] != '~')
            s[k++] = up[i];
    s[k] = '\0';
    return s;
}

static int release_cmp(const void *x, const void *y)
{
    return version_cmp(((const release *)x)->version, ((const release *)y)->version);
}

static int deb_release_cmp(const void *x, const void *y)
{
    const release *a = x, *b = y;
    int c = deb_version_cmp(a->version, b->version);
    return c ? c : strcmp(a->package, b->package);
}

/* Run argv to its end: stdout in out, stderr in errb, *status its wait status. 1 when
 * interrupted (*stopped: the signal). */
static int capture(char **argv, double timeout, int stop_fd, pc_buf *out, pc_buf *errb,
                   int *status, bool *to, int *stopped, pc_error *err)
{
    pc_child c = {0};
    c.argv = argv;
    c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    c.stop_fd = stop_fd > 0 ? stop_fd : 0;
    if (pc_child_start(&c, err) || pc_child_capture(&c, NULL, timeout, out, errb, status, to, err))
        return -1;
    if (c.stopped) {
        *stopped = pc_cmd_pending_signal(stop_fd);
        return 1;
    }
    return 0;
}

/* `npm view pyodide versions --json`: the release list (new reference), or NULL. */
static json_t *npm_versions(int stop_fd, int *stopped, pc_error *err)
{
    char *argv[] = {"npm", "view", "pyodide", "versions", "--json", NULL};
    pc_buf out = {0}, errb = {0};
    int status = 0;
    bool to = false;
    json_t *list = NULL;
    if (capture(argv, 120, stop_fd, &out, &errb, &status, &to, stopped, err))
        goto out;
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

/* The Pyodide releases on npm, ordered. -1: an error; 1: interrupted. */
static int list_pyodide(const pc_paths *p, line *l, int stop_fd, int *stopped, pc_error *err)
{
    json_t *versions = NULL, *recipes = NULL, *v;
    char *rpath = pc_asprintf(err, "%s/provision/recipes.json", p->root);
    size_t i;
    int rc = -1;
    l->kind = "pyodide";
    l->noun = "Pyodide releases";
    if (!rpath || !(recipes = pc_recipes_load(rpath, err)))
        goto out;
    if (!(versions = npm_versions(stop_fd, stopped, err))) {
        rc = *stopped ? 1 : -1;
        goto out;
    }
    if (!(l->rs = calloc(json_array_size(versions) + 1, sizeof *l->rs)) ||
        !(l->source = pc_strdup("npm", err))) {
        pc_oom(err);
        goto out;
    }
    json_array_foreach(versions, i, v) {
        const char *ver = json_string_value(v), *rn;
        release *r = &l->rs[l->n];
        if (!ver)
            continue;
        rn = recipe_name(recipes, ver);
        l->n++;
        if (!(r->version = pc_strdup(ver, err)) ||
            !(r->name = rn ? pc_strdup(rn, err) : pc_asprintf(err, "pyodide-%s", ver)))
            goto out;
        if (!(r->recipe = json_pack("[{s:s, s:s, s:s, s:[s,s,s]}]", "name", r->name, "kind",
                                    "pyodide", "version", r->version, "tags", "cpython",
                                    "pyodide", "wasm"))) {
            pc_oom(err);
            goto out;
        }
        r->installed = is_installed(p, r->name);
    }
    if (!l->n) {
        pc_fail(err, "npm view pyodide versions: no list of versions in its output");
        goto out;
    }
    qsort(l->rs, l->n, sizeof *l->rs, release_cmp);
    rc = 0;
out:
    free(rpath);
    json_decref(recipes);
    json_decref(versions);
    return rc;
}

/* The deb-private builds of the cache: {NAME: {PACKAGE: VERSION, ...}} (new reference). */
static json_t *deb_builds(const pc_paths *p, pc_error *err)
{
    json_t *all = json_object();
    DIR *d = opendir(p->interps);
    struct dirent *e;
    if (!all) {
        if (d)
            closedir(d);
        pc_oom(err);
        return NULL;
    }
    while (d && (e = readdir(d))) {
        char path[4096];
        const char *kind;
        json_t *b, *pk;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/build.json", p->interps, e->d_name);
        if (!(b = json_load_file(path, 0, NULL)))
            continue;
        kind = json_string_value(json_object_get(b, "kind"));
        pk = json_object_get(json_object_get(b, "details"), "packages");
        if (kind && !strcmp(kind, "deb-private") && json_is_object(pk) &&
            json_object_set(all, e->d_name, pk)) {
            json_decref(b);
            closedir(d);
            json_decref(all);
            pc_oom(err);
            return NULL;
        }
        json_decref(b);
    }
    if (d)
        closedir(d);
    return all;
}

/* The name of a Debian point's build: debian-PACKAGE-VERSION, any character that a
 * folder name had better not hold replaced by '_'. */
static char *deb_build_name(const char *package, const char *version, pc_error *err)
{
    char *s = pc_asprintf(err, "debian-%s-%s", package, version), *c;
    for (c = s; c && *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr(".+~-_", *c))
            *c = '_';
    return s;
}

/* The python3.X packages of the Debian suites (o->suites, comma-separated), ordered.
 * -1: an error (no suite could be read among them); 1: interrupted. */
static int list_debian(const pc_options *o, const pc_paths *p, line *l, int stop_fd,
                       int *stopped, pc_error *err)
{
    const char *suites = o->suites ? o->suites : "oldstable,stable,testing,unstable";
    char *script = pc_asprintf(err, "%s/provision/deb-versions.sh", p->root);
    char *lists = pc_asprintf(err, "%s/debian-lists", p->cache);
    char *copy = pc_strdup(suites, err), *tok, *save = NULL, *ln;
    char **argv = NULL;
    pc_buf out = {0}, errb = {0};
    json_t *builds = NULL;
    size_t n = 0, cap = 0, i;
    int status = 0, rc = -1, t;
    bool to = false;
    l->kind = "debian";
    l->noun = "Debian CPython packages";
    if (!script || !lists || !copy || !(argv = calloc(strlen(suites) + 5, sizeof *argv)))
        goto oom;
    argv[n++] = "bash";
    argv[n++] = script;
    argv[n++] = lists;
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        argv[n++] = tok;
    if (n == 3) {
        pc_fail(err, "--suites: no suite named");
        goto out;
    }
    if ((t = capture(argv, 1800, stop_fd, &out, &errb, &status, &to, stopped, err))) {
        rc = t;
        goto out;
    }
    {
        bool failed = to || !WIFEXITED(status) || WEXITSTATUS(status), said = false;
        /* the lister's notes (a suite left out), or its error */
        for (ln = errb.data ? strtok_r(errb.data, "\n", &save) : NULL; ln;
             ln = strtok_r(NULL, "\n", &save)) {
            if (!failed) { /* without the script's "[deb-versions HH:MM:SS] " */
                const char *note = ln[0] == '[' && strstr(ln, "] ") ? strstr(ln, "] ") + 2 : ln;
                printf("  %s\n", note);
            }
            else if (strstr(ln, "ERROR: ") && !said) {
                pc_fail(err, "no Debian source reachable: %s", strstr(ln, "ERROR: ") + 7);
                said = true;
            }
        }
        if (failed) {
            if (!said)
                pc_fail(err, "no Debian source reachable: %s %s", script,
                        to ? "timed out" : "failed");
            goto out;
        }
    }
    if (!(builds = deb_builds(p, err)))
        goto out;
    n = 0;
    for (ln = out.data ? strtok_r(out.data, "\n", &save) : NULL; ln;
         ln = strtok_r(NULL, "\n", &save)) {
        char *suite = ln, *pkg = strchr(ln, '\t'), *ver = pkg ? strchr(pkg + 1, '\t') : NULL;
        release *r = NULL;
        const char *bn;
        json_t *pk;
        if (!pkg || !ver)
            continue;
        *pkg++ = '\0';
        *ver++ = '\0';
        for (i = 0; i < n && !r; i++)
            if (!strcmp(l->rs[i].package, pkg) && !strcmp(l->rs[i].version, ver))
                r = &l->rs[i];
        if (r) { /* the same version in another suite: one point */
            char *more = pc_asprintf(err, "%s, %s", r->suites, suite);
            if (!more)
                goto out;
            free(r->suites);
            r->suites = more;
            continue;
        }
        if (pc_grow(&l->rs, &cap, n + 1, sizeof *l->rs, err))
            goto out;
        r = &l->rs[n++];
        memset(r, 0, sizeof *r);
        l->n = n;
        if (!(r->version = pc_strdup(ver, err)) || !(r->package = pc_strdup(pkg, err)) ||
            !(r->suites = pc_strdup(suite, err)) || !(r->cpython = deb_cpython(ver, err)) ||
            !(r->name = deb_build_name(pkg, ver, err)))
            goto out;
        {
            char *spec = pc_asprintf(err, "%s=%s", pkg, ver);
            char *exe = pc_asprintf(err, "usr/bin/%s", pkg);
            if (spec && exe)
                r->recipe = json_pack("[{s:s, s:s, s:s, s:[s], s:s, s:[s,s,s]}]", "name", r->name,
                                      "kind", "deb-private", "suite", suite, "packages", spec,
                                      "executable", exe, "tags", "cpython", "debian", suite);
            free(spec);
            free(exe);
            if (!r->recipe)
                goto oom;
        }
        /* installed: its own build, or another deb-private build with this version */
        r->installed = is_installed(p, r->name);
        json_object_foreach(builds, bn, pk) {
            const char *have = json_string_value(json_object_get(pk, pkg));
            char *name;
            if (r->installed || !have || strcmp(have, ver) != 0)
                continue;
            if (!(name = pc_strdup(bn, err)))
                goto out;
            free(r->name);
            r->name = name;
            r->installed = true;
        }
    }
    if (!l->n) {
        pc_fail(err, "no python3.X package in the Debian suites %s", suites);
        goto out;
    }
    qsort(l->rs, l->n, sizeof *l->rs, deb_release_cmp);
    if (!(l->source = pc_asprintf(err, "suites %s", suites)))
        goto out;
    for (tok = l->source; *tok; tok++)
        if (*tok == ',')
            *tok = ' ';
    rc = 0;
    goto out;
oom:
    pc_oom(err);
out:
    json_decref(builds);
    pc_buf_free(&out);
    pc_buf_free(&errb);
    free(argv);
    free(copy);
    free(lists);
    free(script);
    return rc;
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
        char *logs = pc_asprintf(err, "%s/logs", p->cache);
        pc_provision_options po = {p->root, p->interps, logs, p->probe, p->runners, NULL, 0,
                                   false, false};
        size_t failed = 0;
        int prc;
        if (!logs)
            return -1;
        printf("  %s: downloading (provision, log %s/%s.log) ...\n", r->version, logs, r->name);
        fflush(stdout);
        prc = pc_provision_recipes(stdout, &po, r->recipe, &failed, err);
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

/* Try release k and print how it went. As try_release. */
static int try_print(const pc_options *o, const pc_paths *p, const pc_case *kase,
                     const char *function, pc_mode mode, const pc_expectations *ex, release *r,
                     unsigned *order, int stop_fd, int *sig, pc_error *err)
{
    int t = try_release(o, p, kase, function, mode, ex, r, stop_fd, sig, err);
    if (t)
        return t;
    r->order = ++*order;
    printf("  %s", r->version);
    if (r->package)
        printf(" (%s, cpython %s, %s)", r->package, r->cpython, r->suites);
    printf(": %s%s%s\n", r->installed ? "installed" : "downloaded",
           r->skipped ? ", skipped: " : "", r->skipped ? r->why : "");
    fflush(stdout);
    return 0;
}

/* The search over one line and its report. -1: a harness error; 1: interrupted. */
static int bisect_line(const pc_options *o, const pc_paths *p, const pc_case *kase,
                       const char *function, pc_mode mode, const pc_expectations *ex, line *l,
                       int stop_fd, int *sig, pc_error *err)
{
    release *rs = l->rs;
    size_t n = l->n, i, boundaries = 0, downloads = 0, tried = 0, observed = 0;
    unsigned order = 0;
    long k;
    int end;
    int t;

    printf("bisect: %s / %s, %s mode, over %zu %s (%s%s%s .. %s%s%s) from %s\n", kase->name,
           function, pc_mode_name(mode), n, l->noun, rs[0].package ? rs[0].package : "",
           rs[0].package ? " " : "", rs[0].version, rs[n - 1].package ? rs[n - 1].package : "",
           rs[n - 1].package ? " " : "", rs[n - 1].version, l->source);
    fflush(stdout);
    /* 1. the installed points, then both ends (inwards past the ones that fail) */
    for (i = 0; i < n; i++)
        if (rs[i].installed &&
            (t = try_print(o, p, kase, function, mode, ex, &rs[i], &order, stop_fd, sig, err)))
            return t;
    for (end = 0; end < 2; end++) /* the oldest end, then the newest */
        for (k = 0; k < (long)n; k++) {
            i = end ? n - 1 - (size_t)k : (size_t)k;
            if (rs[i].tried && !rs[i].skipped)
                break;
            if (!rs[i].tried &&
                (t = try_print(o, p, kase, function, mode, ex, &rs[i], &order, stop_fd, sig, err)))
                return t;
            if (!rs[i].skipped)
                break;
        }
    /* 2. the middles */
    while ((k = next_point(rs, n)) >= 0)
        if ((t = try_print(o, p, kase, function, mode, ex, &rs[k], &order, stop_fd, sig, err)))
            return t;

    printf("tried, in order:");
    for (i = 0; i < n; i++)
        if (rs[i].tried) {
            printf(" %s%s", rs[i].version,
                   rs[i].skipped ? "(skipped)" : rs[i].downloaded ? "(downloaded)" : "");
            downloads += rs[i].downloaded;
            tried++;
            observed += !rs[i].skipped;
        }
    printf("\nsearch order:");
    for (order = 1; order <= tried; order++)
        for (i = 0; i < n; i++)
            if (rs[i].tried && rs[i].order == order)
                printf(" %s", rs[i].version);
    printf("\n");
    {
        const release *prev = NULL;
        for (i = 0; i < n; i++) {
            if (!rs[i].tried || rs[i].skipped)
                continue;
            if (prev && strcmp(prev->value, rs[i].value) != 0) {
                boundaries++;
                if (rs[i].package)
                    printf("  boundary: debian %s %s -> %s %s (cpython %s -> %s; %s -> %s)\n",
                           prev->package, prev->version, rs[i].package, rs[i].version,
                           prev->cpython, rs[i].cpython, prev->name, rs[i].name);
                else
                    printf("  boundary: pyodide %s -> %s (%s -> %s)\n", prev->version,
                           rs[i].version, prev->name, rs[i].name);
                pc_bisect_print_change(stdout, prev->value, rs[i].value);
            }
            prev = &rs[i];
        }
    }
    if (boundaries)
        printf("bisect: %zu boundar%s; %zu of %zu %s tried, %zu downloaded now\n", boundaries,
               boundaries == 1 ? "y" : "ies", tried, n, l->noun, downloads);
    else if (observed < 2)
        printf("bisect: no change found: only %zu of the %zu %s tried could be observed (%zu "
               "downloaded now)\n", observed, tried, l->noun, downloads);
    else
        printf("bisect: no change found across the %zu %s tried (%zu downloaded now)\n", tried,
               l->noun, downloads);
    return 0;
}

int pc_bisect_releases(const pc_options *o, const pc_paths *p, const pc_case *kase,
                       const char *function, pc_mode mode, const pc_expectations *ex, int stop_fd)
{
    pc_error err;
    const char *points = o->points ? o->points : "pyodide";
    int rc = PC_EXIT_OK, stopped = 0, t = 0, pass;
    line l = {0};

    for (pass = 0; pass < 2; pass++) {
        const char *kind = pass == 0 ? "pyodide" : "debian";
        if (strcmp(points, "all") != 0 && strcmp(points, kind) != 0)
            continue;
        if (pass == 1 && !strcmp(points, "all"))
            printf("\n");
        t = pass == 0 ? list_pyodide(p, &l, stop_fd, &stopped, &err)
                      : list_debian(o, p, &l, stop_fd, &stopped, &err);
        if (!t)
            t = bisect_line(o, p, kase, function, mode, ex, &l, stop_fd, &stopped, &err);
        line_free(&l);
        if (t < 0 && pass == 0 && !strcmp(points, "all")) { /* the Debian line still runs */
            fflush(stdout);
            fprintf(stderr, "pyconform: %s\n", err.msg);
            rc = PC_EXIT_USAGE;
            t = 0;
            continue;
        }
        if (t)
            break;
    }
    if (t > 0) {
        stopped = stopped ? stopped : pc_cmd_pending_signal(stop_fd);
        rc = pc_cmd_interrupted(stopped, NULL);
    } else if (t < 0) {
        fflush(stdout);
        fprintf(stderr, "pyconform: %s\n", err.msg);
        rc = PC_EXIT_USAGE;
    }
    return rc;
}
