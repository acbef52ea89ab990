/* registry.c - see registry.h. */
#include "registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"
#include "util.h"

/* ---- adding and discovering ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_free(char **v)
{
    size_t i;
    for (i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static char **strv_dup(char *const *v, pc_error *err)
{
    size_t n = 0, i;
    char **out;
    while (v && v[n])
        n++;
    out = calloc(n + 1, sizeof *out);
    if (!out) {
        pc_oom(err);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (!(out[i] = pc_strdup(v[i], err))) {
            strv_free(out);
            return NULL;
        }
    }
    return out;
}

static bool strv_equal(char *const *a, char *const *b)
{
    size_t i;
    for (i = 0; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return (!a || !a[i]) == (!b || !b[i]);
}

static void interp_free(pc_interp *in)
{
    free(in->name);
    strv_free(in->argv);
    strv_free(in->env);
    free(in->origin);
    strv_free(in->tags);
    free(in->path);
    json_decref(in->probe);
    free(in->problem);
    memset(in, 0, sizeof *in);
}

/* Sorted "DIR/NAME" + suffix for the entries of dir that `keep(NAME, arg)` accepts
 * (NULL: every entry but dot files); a missing dir gives an empty list. The result is
 * NULL-terminated (free with strv_free), or NULL on error. */
static char **list_dir(const char *dir, const char *suffix, bool (*keep)(const char *, bool),
                       bool arg, pc_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (pc_grow(&names, &cap, 1, sizeof *names, err))
        goto fail;
    names[0] = NULL;
    while (d && (e = readdir(d))) {
        if (keep ? !keep(e->d_name, arg) : e->d_name[0] == '.')
            continue;
        if (pc_grow(&names, &cap, n + 2, sizeof *names, err) ||
            !(names[n] = pc_asprintf(err, "%s/%s%s", dir, e->d_name, suffix)))
            goto fail;
        names[++n] = NULL;
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    return names;
fail:
    if (d)
        closedir(d);
    strv_free(names);
    return NULL;
}

static int warn(pc_registry *reg, const char *msg, pc_error *err);

/* Discovered entries (pyenv, PATH, /usr/bin) as opposed to configured and provisioned
 * ones, which a person asked for. */
static bool is_discovered(const char *origin)
{
    return strcmp(origin, "config") != 0 && strcmp(origin, "provisioned") != 0;
}

int pc_registry_add(pc_registry *reg, const char *origin, const char *name, char *const *argv,
                    char *const *env, char *const *tags, pc_error *err)
{
    char real[PATH_MAX];
    pc_interp *in;
    size_t i;
    if (!argv || !argv[0])
        return pc_fail(err, "%s: empty interpreter command", origin);
    if (!realpath(argv[0], real))
        snprintf(real, sizeof real, "%s", argv[0]);
    for (i = 0; i < reg->len; i++) {
        pc_interp *o = &reg->items[i];
        if (strcmp(o->path, real) == 0 && strv_equal(o->argv + 1, argv + 1) &&
            strv_equal(o->env, env)) {
            /* the same command and environment: one build. Dropping an entry someone
             * wrote (a configured or provisioned one) is said, never silent. */
            char *msg, *text;
            int rc;
            if (is_discovered(origin))
                return 0;
            msg = pc_asprintf(err, "%s entry %s runs the same command and environment as %s entry %s: "
                              "listed once, as %s", origin, name ? name : argv[0], o->origin,
                              o->name ? o->name : o->argv[0], o->name ? o->name : o->argv[0]);
            text = msg ? pc_text_dup(msg, strlen(msg), err) : NULL;
            rc = text ? warn(reg, text, err) : -1;
            free(msg);
            free(text);
            return rc;
        }
    }
    if (pc_grow(&reg->items, &reg->cap, reg->len + 1, sizeof *reg->items, err))
        return -1;
    in = &reg->items[reg->len];
    memset(in, 0, sizeof *in);
    if (!(in->argv = strv_dup(argv, err)) || !(in->env = strv_dup(env, err)) ||
        !(in->tags = strv_dup(tags, err)) || !(in->origin = pc_strdup(origin, err)) ||
        !(in->path = pc_strdup(real, err)) || (name && !(in->name = pc_strdup(name, err)))) {
        interp_free(in);
        return -1;
    }
    reg->len++;
    return 0;
}

/* A JSON list of strings as a NULL-terminated vector (new); NULL json gives an empty one. */
static char **strv_from_json(json_t *a, bool allow_empty, pc_error *err)
{
    size_t i, n = json_array_size(a);
    char **v;
    json_t *x;
    if ((a && !json_is_array(a)) || (!allow_empty && n == 0))
        return NULL;
    v = calloc(n + 1, sizeof *v);
    if (!v) {
        pc_oom(err);
        return NULL;
    }
    json_array_foreach(a, i, x) {
        if (!json_is_string(x) || !(v[i] = pc_strdup(json_string_value(x), err))) {
            strv_free(v);
            return NULL;
        }
    }
    return v;
}

int pc_registry_add_json(pc_registry *reg, const char *origin, json_t *entry, const char *where,
                         const char *runners, pc_error *err)
{
    json_t *name = json_object_get(entry, "name"), *env = json_object_get(entry, "env"), *v;
    char **argv = NULL, **tags = NULL, **envv = NULL;
    const char *k;
    size_t n = 0;
    int rc = -1;
    if (!json_is_object(entry))
        return pc_fail(err, "%s: must be an object", where);
    if (name && !json_is_string(name))
        return pc_fail(err, "%s: \"name\" must be a string", where);
    if (!(argv = strv_from_json(json_object_get(entry, "argv"), false, err))) {
        pc_fail(err, "%s: \"argv\" must be a non-empty list of strings", where);
        goto out;
    }
    for (n = 0; argv[n]; n++) {
        if (runners && strncmp(argv[n], "{runners}", 9) == 0) {
            char *x = pc_asprintf(err, "%s%s", runners, argv[n] + 9);
            if (!x)
                goto out;
            free(argv[n]);
            argv[n] = x;
        }
    }
    n = 0;
    if (!(tags = strv_from_json(json_object_get(entry, "tags"), true, err))) {
        pc_fail(err, "%s: \"tags\" must be a list of strings", where);
        goto out;
    }
    if (env && !json_is_object(env)) {
        pc_fail(err, "%s: \"env\" must be an object of strings", where);
        goto out;
    }
    envv = calloc(json_object_size(env) + 1, sizeof *envv);
    if (!envv) {
        pc_oom(err);
        goto out;
    }
    json_object_foreach(env, k, v) {
        if (!json_is_string(v)) {
            pc_fail(err, "%s: env[\"%s\"] must be a string", where, k);
            goto out;
        }
        if (!(envv[n++] = pc_asprintf(err, "%s=%s", k, json_string_value(v))))
            goto out;
    }
    rc = pc_registry_add(reg, origin, json_string_value(name), argv, envv, tags, err);
out:
    strv_free(argv);
    strv_free(tags);
    strv_free(envv);
    return rc;
}

int pc_registry_load_config(pc_registry *reg, const char *path, const char *runners, pc_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *list, *e;
    size_t i;
    int rc = 0;
    if (!root)
        return pc_fail(err, "%s:%d: %s", path, jerr.line, jerr.text);
    list = json_object_get(root, "interpreters");
    if (!json_is_array(list)) {
        json_decref(root);
        return pc_fail(err, "%s: needs {\"interpreters\": [...]}", path);
    }
    json_array_foreach(list, i, e) {
        char where[PATH_MAX + 64];
        snprintf(where, sizeof where, "%s: interpreters[%zu]", path, i);
        if ((rc = pc_registry_add_json(reg, "config", e, where, runners, err)) != 0)
            break;
    }
    json_decref(root);
    return rc;
}

static int warn(pc_registry *reg, const char *msg, pc_error *err)
{
    if (pc_grow(&reg->warnings, &reg->capwarnings, reg->nwarnings + 1, sizeof *reg->warnings, err))
        return -1;
    if (!(reg->warnings[reg->nwarnings] = pc_strdup(msg, err)))
        return -1;
    reg->nwarnings++;
    return 0;
}

int pc_registry_load_provisioned(pc_registry *reg, const char *dir, const char *runners,
                                 pc_error *err)
{
    char **files = list_dir(dir, "/build.json", NULL, false, err); /* none yet: empty */
    size_t i;
    int rc = 0;
    if (!files)
        return -1;
    for (i = 0; rc == 0 && files[i]; i++) {
        json_error_t jerr;
        json_t *b;
        pc_error perr;
        if (access(files[i], F_OK) == 0) {
            b = json_load_file(files[i], 0, &jerr);
            if (!b) {
                snprintf(perr.msg, sizeof perr.msg, "%s:%d: %s (build skipped)", files[i], jerr.line, jerr.text);
                rc = warn(reg, perr.msg, err);
            } else if (pc_registry_add_json(reg, "provisioned", b, files[i], runners, &perr) != 0) {
                pc_wrap(&perr, "skipped provisioned build");
                rc = warn(reg, perr.msg, err);
            }
            json_decref(b);
        }
    }
    strv_free(files);
    return rc;
}

/* Add one discovered path. A path that cannot be run (a dangling link, a file without
 * execute permission) is listed with its problem (never probed), not skipped. */
static int add_path(pc_registry *reg, const char *origin, const char *path, const char *problem,
                    pc_error *err)
{
    char *argv[2];
    char why[160];
    size_t before = reg->len;
    struct stat st;
    argv[0] = (char *)path;
    argv[1] = NULL;
    if (!problem && !pc_is_executable(path)) {
        if (stat(path, &st) != 0)
            snprintf(why, sizeof why, "cannot be run: %s", strerror(errno));
        else
            snprintf(why, sizeof why, "cannot be run: not an executable file");
        problem = why;
    }
    if (pc_registry_add(reg, origin, NULL, argv, NULL, NULL, err))
        return -1;
    if (problem && reg->len > before) {
        pc_interp *in = &reg->items[reg->len - 1];
        if (!(in->problem = pc_strdup(problem, err)))
            return -1;
        in->broken = true;
    }
    return 0;
}

/* python3.N (origin path) or the /usr/bin spellings (python3, python3.N, -dbg, d, t). */
static bool wanted_name(const char *n, bool system_dir)
{
    const char *p;
    if (strcmp(n, "pypy3") == 0)
        return true;
    if (strncmp(n, "python3", 7) != 0)
        return false;
    p = n + 7;
    if (*p == '\0')
        return system_dir;
    if (*p != '.' || !isdigit((unsigned char)p[1]))
        return false;
    p++;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '\0')
        return true;
    return system_dir && (strcmp(p, "-dbg") == 0 || strcmp(p, "d") == 0 || strcmp(p, "t") == 0);
}

/* Entries of a directory matching `want`, sorted, added with `origin`. */
static int scan_dir(pc_registry *reg, const char *dir, const char *origin, bool system_dir,
                    pc_error *err)
{
    char **names = list_dir(dir, "", wanted_name, system_dir, err);
    size_t i;
    int rc = names ? 0 : -1;
    for (i = 0; rc == 0 && names[i]; i++) {
        struct stat st;
        /* a directory named python3.N is not an interpreter; anything else is listed */
        if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
            continue;
        rc = add_path(reg, origin, names[i], NULL, err);
    }
    strv_free(names);
    return rc;
}

static int scan_pyenv(pc_registry *reg, const char *root, pc_error *err)
{
    char *vdir = pc_asprintf(err, "%s/versions", root);
    char **names = vdir ? list_dir(vdir, "/bin/python", NULL, false, err) : NULL;
    size_t i;
    int rc = names ? 0 : -1;
    for (i = 0; rc == 0 && names[i]; i++) {
        char *p3;
        if (pc_is_executable(names[i])) {
            rc = add_path(reg, "pyenv", names[i], NULL, err);
            continue;
        }
        /* some installs only ship python3; a version with neither is listed as broken */
        if (!(p3 = pc_asprintf(err, "%s3", names[i]))) {
            rc = -1;
            break;
        }
        if (pc_is_executable(p3))
            rc = add_path(reg, "pyenv", p3, NULL, err);
        else
            rc = add_path(reg, "pyenv", names[i],
                          "pyenv version without an executable bin/python or bin/python3", err);
        free(p3);
    }
    strv_free(names);
    free(vdir);
    return rc;
}

int pc_registry_discover(pc_registry *reg, pc_error *err)
{
    const char *pyenv = getenv("PYENV_ROOT");
    const char *home = getenv("HOME");
    const char *path = getenv("PATH");
    char *shims = NULL;
    int rc = 0;

    if (pyenv && *pyenv) {
        rc = scan_pyenv(reg, pyenv, err);
    } else {
        char *h = home ? pc_asprintf(err, "%s/.pyenv", home) : NULL;
        if (home && !h)
            return -1;
        if (h)
            rc = scan_pyenv(reg, h, err);
        if (rc == 0 && (!h || strcmp(h, "/root/.pyenv") != 0))
            rc = scan_pyenv(reg, "/root/.pyenv", err);
        free(h);
    }
    if (rc)
        return rc;

    if (path) {
        const char *p = path;
        shims = pc_asprintf(err, "%s/shims", pyenv && *pyenv ? pyenv : home ? home : "");
        if (!shims)
            return -1;
        while (*p && rc == 0) {
            const char *e = strchr(p, ':');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            char *dir = pc_strndup(p, l, err);
            if (!dir) {
                rc = -1;
                break;
            }
            if (l && strstr(dir, "/.pyenv/shims") == NULL && strcmp(dir, shims) != 0)
                rc = scan_dir(reg, dir, "path", false, err);
            free(dir);
            p += l + (e ? 1 : 0);
        }
        free(shims);
    }
    if (rc == 0)
        rc = scan_dir(reg, "/usr/bin", "system", true, err);
    return rc;
}

/* ---- probing -------------------------------------------------------------------- */

/* Outside text kept in a problem: at most this many bytes (the head of stdout, the tail
 * of stderr, where a traceback ends with its error). */
#define PROBLEM_TEXT_MAX 400

size_t pc_problem_text_len(const char *text, size_t len)
{
    while (text && len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    return len;
}

int pc_interp_set_problem(pc_interp *in, bool broken, const char *what, const char *text,
                          size_t len, bool tail, pc_error *err)
{
    pc_buf b = {0};
    size_t start = 0, n;
    len = pc_problem_text_len(text, len);
    if (text && tail && len > PROBLEM_TEXT_MAX) {
        start = len - PROBLEM_TEXT_MAX;
        while (start < len && start < len - PROBLEM_TEXT_MAX + 3 &&
               ((unsigned char)text[start] & 0xC0) == 0x80)
            start++; /* not inside a character */
    }
    n = text ? pc_text_clip(text + start, len - start, PROBLEM_TEXT_MAX) : 0;
    if (pc_text_escape(&b, what, strlen(what), false, err) ||
        (start && pc_buf_append(&b, "...", 3, err)) ||
        (text && pc_text_escape(&b, text + start, n, false, err)) ||
        (text && start + n < len && pc_buf_append(&b, "...", 3, err))) {
        pc_buf_free(&b);
        return -1;
    }
    free(in->problem);
    in->problem = b.data;
    in->broken = broken;
    return 0;
}

static int add_tag(pc_interp *in, const char *tag, pc_error *err)
{
    size_t n = 0;
    char **v;
    if (pc_interp_has_tag(in, tag))
        return 0;
    while (in->tags && in->tags[n])
        n++;
    v = realloc(in->tags, (n + 2) * sizeof *v);
    if (!v)
        return pc_oom(err);
    in->tags = v;
    if (!(v[n] = pc_strdup(tag, err)))
        return -1;
    v[n + 1] = NULL;
    return 0;
}

bool pc_interp_has_tag(const pc_interp *in, const char *tag)
{
    size_t i;
    for (i = 0; in->tags && in->tags[i]; i++)
        if (strcmp(in->tags[i], tag) == 0)
            return true;
    return false;
}

int pc_interp_apply_probe(pc_interp *in, json_t *p, pc_error *err)
{
    const char *impl, *version;
    char buf[512];
    if (!json_is_object(p)) {
        json_decref(p);
        return pc_interp_set_problem(in, true, "probe printed JSON that is not an object", NULL, 0, false, err);
    }
    json_decref(in->probe);
    in->probe = p;
    impl = json_string_value(json_object_get(p, "implementation"));
    version = json_string_value(json_object_get(p, "version"));
    if (!impl || !version || pc_version_parse(version, &in->ver) != 0) {
        char *text = json_dumps(p, JSON_COMPACT);
        int rc;
        if (!text)
            return pc_oom(err);
        rc = pc_interp_set_problem(in, true, "probe output lacks implementation/version: ", text, strlen(text),
                         false, err);
        free(text);
        return rc;
    }
    in->impl = impl;
    in->version = version;
    in->debug = json_is_true(json_object_get(p, "debug"));
    in->free_threaded = json_is_true(json_object_get(p, "free_threaded"));
    in->wasm = json_is_true(json_object_get(p, "wasm"));
    /* an older probe without the field: assume threads unless it is wasm */
    in->threads = json_object_get(p, "threads") ? json_is_true(json_object_get(p, "threads")) : !in->wasm;
    if (add_tag(in, impl, err) || add_tag(in, in->origin, err) ||
        (in->debug && add_tag(in, "debug", err)) || (in->free_threaded && add_tag(in, "ft", err)) ||
        (in->wasm && add_tag(in, "wasm", err)) ||
        (json_is_false(json_object_get(p, "gil_enabled")) && add_tag(in, "gil-disabled", err)))
        return -1;
    if (in->ver.v[0] < 3 || (in->ver.v[0] == 3 && in->ver.v[1] < 8)) {
        snprintf(buf, sizeof buf, "unsupported: Python %s is older than 3.8", version);
        return pc_interp_set_problem(in, false, buf, NULL, 0, false, err);
    }
    in->supported = true;
    return 0;
}

void pc_interp_traits(const pc_interp *in, char *out, size_t size)
{
    snprintf(out, size, "%s%s%s", in->debug ? "+debug" : "", in->free_threaded ? "+ft" : "",
             in->wasm ? "+wasm" : "");
}

static int name_interp(pc_registry *reg, pc_interp *in, pc_error *err)
{
    char traits[64], base[256];
    size_t i, n = 1;
    bool taken;
    pc_interp_traits(in, traits, sizeof traits);
    if (in->probe && in->impl) {
        snprintf(base, sizeof base, "%s-%s%s", in->impl, in->version, traits);
    } else {
        /* no probe to name it: the file name, or for pyenv the version folder
         * (VERSIONS/NAME/bin/python), escaped when it is not UTF-8 */
        const char *a0 = in->argv[0], *slash = strrchr(a0, '/'), *start = slash ? slash + 1 : a0;
        size_t len = strlen(start);
        char *e;
        if (strcmp(in->origin, "pyenv") == 0 && slash && slash - a0 >= 4 &&
            strncmp(slash - 4, "/bin", 4) == 0) {
            const char *end = slash - 4, *p = end;
            while (p > a0 && p[-1] != '/')
                p--;
            start = p;
            len = (size_t)(end - p);
        }
        if (!(e = pc_text_dup(start, pc_text_clip(start, len, 200), err)))
            return -1;
        snprintf(base, sizeof base, "unknown-%s%s", strcmp(in->origin, "pyenv") == 0 ? "pyenv-" : "", e);
        free(e);
    }
    for (char *c = base; *c; c++)
        if (*c == '+')
            *c = '-';
    do {
        char cand[300];
        if (n == 1)
            snprintf(cand, sizeof cand, "%s", base);
        else
            snprintf(cand, sizeof cand, "%s-%zu", base, n);
        taken = false;
        for (i = 0; i < reg->len; i++)
            if (reg->items[i].name && strcmp(reg->items[i].name, cand) == 0)
                taken = true;
        if (!taken) {
            in->name = pc_strdup(cand, err);
            return in->name ? 0 : -1;
        }
        n++;
    } while (1);
}

/* The real path of the executable the probe reports (sys.executable) into real, or
 * false when there is none. */
static bool probed_executable(const pc_interp *in, char *real)
{
    const char *exe = in->probe ? json_string_value(json_object_get(in->probe, "executable")) : NULL;
    return exe && *exe && realpath(exe, real) != NULL;
}

/* A wrapper: argv[0] is not the executable the probe reports (a shell script, a shim). */
static bool is_wrapper(const pc_interp *in, const char *exe_real)
{
    return strcmp(in->path, exe_real) != 0;
}

/* Entries with the same command and environment were merged when added (the same real
 * argv[0]). After probing, a discovered wrapper that runs the same executable with the
 * same arguments and environment as another entry is a shim (pyenv's, asdf's): it is
 * dropped. A configured or provisioned wrapper is always kept, and hides nothing: what
 * it adds (arguments, environment of its own) cannot be seen from outside, so it is a
 * build of its own even when it runs the same executable as another entry. */
static void drop_shims(pc_registry *reg)
{
    size_t i, j;
    for (i = 0; i < reg->len; i++) {
        pc_interp *a = &reg->items[i];
        char ra[PATH_MAX];
        size_t drop = reg->len;
        if (!probed_executable(a, ra) || (is_wrapper(a, ra) && !is_discovered(a->origin)))
            continue;
        for (j = 0; j < reg->len && drop == reg->len; j++) {
            pc_interp *b = &reg->items[j];
            char rb[PATH_MAX];
            if (j == i || !probed_executable(b, rb) || strcmp(ra, rb) != 0 ||
                (is_wrapper(b, rb) && !is_discovered(b->origin)) ||
                !strv_equal(a->argv + 1, b->argv + 1) || !strv_equal(a->env, b->env))
                continue;
            /* the same build twice: drop the (discovered) wrapper, else the later one */
            if (is_wrapper(a, ra) != is_wrapper(b, rb))
                drop = is_wrapper(a, ra) ? i : j;
            else
                drop = i > j ? i : j;
        }
        if (drop < reg->len) {
            interp_free(&reg->items[drop]);
            memmove(&reg->items[drop], &reg->items[drop + 1],
                    (reg->len - drop - 1) * sizeof *reg->items);
            reg->len--;
            i = (size_t)-1; /* start again: indices moved */
        }
    }
}

int pc_registry_probe(pc_registry *reg, const char *probe_script, double timeout,
                      const char *cache_path, pc_error *err)
{
    size_t i;
    if (pc_probe_all(reg, probe_script, timeout, cache_path, err))
        return -1;
    drop_shims(reg);
    pc_registry_sort(reg);
    for (i = 0; i < reg->len; i++) {
        if (!reg->items[i].name && name_interp(reg, &reg->items[i], err))
            return -1;
    }
    return 0;
}

static int interp_order(const void *pa, const void *pb)
{
    const pc_interp *a = pa, *b = pb;
    int c;
    if (!a->impl || !b->impl)
        return a->impl ? -1 : b->impl ? 1 : strcmp(a->path, b->path);
    if ((c = strcmp(a->impl, b->impl)) != 0)
        return c;
    if ((c = pc_version_cmp(&a->ver, &b->ver, 5)) != 0)
        return c;
    if (a->debug != b->debug || a->free_threaded != b->free_threaded || a->wasm != b->wasm) {
        int ka = a->debug + 2 * a->free_threaded + 4 * a->wasm;
        int kb = b->debug + 2 * b->free_threaded + 4 * b->wasm;
        return ka - kb;
    }
    return strcmp(a->path, b->path);
}

void pc_registry_sort(pc_registry *reg)
{
    if (reg->len > 1)
        qsort(reg->items, reg->len, sizeof *reg->items, interp_order);
}

size_t pc_registry_select(pc_registry *reg, char *const *patterns, size_t npatterns,
                          char *const *tags, size_t ntags)
{
    size_t i, j, n = 0;
    for (i = 0; i < reg->len; i++) {
        pc_interp *in = &reg->items[i];
        bool by_name = npatterns == 0, by_tag = ntags == 0;
        for (j = 0; j < npatterns && in->name; j++)
            by_name |= pc_glob_match(patterns[j], in->name) ||
                       (in->version && pc_glob_match(patterns[j], in->version));
        for (j = 0; j < ntags; j++)
            by_tag |= pc_interp_has_tag(in, tags[j]);
        in->selected = in->supported && by_name && by_tag;
        /* a build that cannot be probed runs (its jobs are ERROR) when it was asked for:
         * configured, or named exactly by a pattern */
        for (j = 0; in->broken && !in->selected && j < npatterns; j++)
            in->selected = in->name && strcmp(patterns[j], in->name) == 0;
        if (in->broken && strcmp(in->origin, "config") == 0)
            in->selected = true;
        n += in->selected;
    }
    return n;
}

void pc_registry_free(pc_registry *reg)
{
    size_t i;
    for (i = 0; i < reg->len; i++)
        interp_free(&reg->items[i]);
    for (i = 0; i < reg->nwarnings; i++)
        free(reg->warnings[i]);
    free(reg->warnings);
    free(reg->items);
    memset(reg, 0, sizeof *reg);
}

/* ---- capabilities ----------------------------------------------------------------- */

/* What a case block can require (`# pyconform: requires NAME`), and why a build lacks
 * it. A build has a capability when it carries a tag of that name, or when its probe
 * says so. */
static const struct {
    const char *name;
    const char *lacking; /* completes "NAME " in a skip reason */
} capabilities[] = {
    {"threads", "cannot start threads"},
    {"subprocess", "is a WebAssembly build (no subprocess)"},
};

const char *pc_capability_name(size_t i)
{
    return i < sizeof capabilities / sizeof *capabilities ? capabilities[i].name : NULL;
}

const char *pc_interp_lacks(const pc_interp *in, const char *capability)
{
    size_t i;
    bool has;
    for (i = 0; pc_capability_name(i) && strcmp(capabilities[i].name, capability) != 0; i++)
        ;
    if (!pc_capability_name(i))
        return "does not know this capability";
    if (pc_interp_has_tag(in, capability))
        return NULL;
    has = i == 0 ? in->threads : !in->wasm;
    return has ? NULL : capabilities[i].lacking;
}
