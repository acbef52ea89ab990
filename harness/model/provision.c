/* provision.c - see provision.h. */
#include "provision.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process.h"
#include "registry.h"
#include "util.h"

#define PROBE_TIMEOUT 120.0

json_t *pc_recipes_load(const char *path, pc_error *err)
{
    json_error_t jerr;
    json_t *list = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *r;
    size_t i, j;
    if (!list) {
        pc_fail(err, "%s:%d: %s", path, jerr.line, jerr.text);
        return NULL;
    }
    if (!json_is_array(list)) {
        pc_fail(err, "%s: must be a list of recipes", path);
        goto bad;
    }
    json_array_foreach(list, i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *kind = json_string_value(json_object_get(r, "kind"));
        if (!json_is_object(r) || !name || !*name || !kind || !*kind || strchr(name, '/') ||
            strchr(kind, '/')) {
            pc_fail(err, "%s: recipe %zu needs a \"name\" and a \"kind\" (no '/')", path, i);
            goto bad;
        }
        for (j = 0; j < i; j++) {
            if (!strcmp(json_string_value(json_object_get(json_array_get(list, j), "name")), name)) {
                pc_fail(err, "%s: recipe name '%s' used twice", path, name);
                goto bad;
            }
        }
    }
    return list;
bad:
    json_decref(list);
    return NULL;
}

static bool selected(const pc_provision_options *o, json_t *recipe)
{
    const char *name = json_string_value(json_object_get(recipe, "name"));
    size_t i;
    if (o->nnames == 0)
        return o->all || !json_is_true(json_object_get(recipe, "explicit_only"));
    for (i = 0; i < o->nnames; i++)
        if (pc_glob_match(o->names[i], name))
            return true;
    return false;
}

/* DEST/build.json of a recipe, or NULL when it is not provisioned. */
static json_t *build_of(const pc_provision_options *o, const char *name, pc_error *err)
{
    char *path = pc_asprintf(err, "%s/%s/build.json", o->interps_dir, name);
    json_t *b = path ? json_load_file(path, 0, NULL) : NULL;
    free(path);
    return b;
}

static char *recipes_path(const pc_provision_options *o, pc_error *err)
{
    return pc_asprintf(err, "%s/provision/recipes.json", o->root);
}

int pc_provision_list(FILE *out, const pc_provision_options *o, pc_error *err)
{
    char *path = recipes_path(o, err);
    json_t *list = path ? pc_recipes_load(path, err) : NULL, *r;
    size_t i;
    free(path);
    if (!list)
        return -1;
    fprintf(out, "%-26s %-12s %-34s %s\n", "NAME", "KIND", "STATUS", "DESCRIPTION");
    json_array_foreach(list, i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        json_t *b = build_of(o, name, err);
        char status[128];
        if (b)
            snprintf(status, sizeof status, "provisioned %.24s",
                     json_string_value(json_object_get(b, "provisioned_at"))
                         ? json_string_value(json_object_get(b, "provisioned_at")) : "");
        else if (json_is_true(json_object_get(r, "explicit_only")))
            snprintf(status, sizeof status, "not provisioned (explicit only)");
        else
            snprintf(status, sizeof status, "not provisioned");
        fprintf(out, "%-26s %-12s %-34s %s\n", name, json_string_value(json_object_get(r, "kind")),
                status, json_string_value(json_object_get(r, "description")) ?
                json_string_value(json_object_get(r, "description")) : "");
        json_decref(b);
    }
    fprintf(out, "builds go to %s; logs to %s\n", o->interps_dir, o->logs_dir);
    json_decref(list);
    return 0;
}

static void strv_free(char **v)
{
    size_t i;
    for (i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Append one malloc'd argument (NULL: allocation already failed). */
static int push(char ***argv, size_t *n, size_t *cap, char *arg, pc_error *err)
{
    if (!arg)
        return -1;
    if (pc_grow(argv, cap, *n + 2, sizeof **argv, err)) {
        free(arg);
        return -1;
    }
    (*argv)[(*n)++] = arg;
    (*argv)[*n] = NULL;
    return 0;
}

/* One recipe value as the text of --KEY=TEXT. */
static char *option_text(const char *recipe, const char *key, json_t *v, pc_error *err)
{
    if (json_is_string(v))
        return pc_asprintf(err, "--%s=%s", key, json_string_value(v));
    if (json_is_integer(v))
        return pc_asprintf(err, "--%s=%lld", key, (long long)json_integer_value(v));
    if (json_is_boolean(v))
        return pc_asprintf(err, "--%s=%d", key, json_is_true(v) ? 1 : 0);
    pc_fail(err, "recipe %s: \"%s\" must be a string, number, boolean or a list of them", recipe, key);
    return NULL;
}

/* argv for KIND.sh: DEST, --name, --tags..., the recipe's own keys, --force. */
static char **recipe_argv(const pc_provision_options *o, json_t *r, const char *dest, pc_error *err)
{
    static const char *const reserved[] = {"name", "kind", "description", "tags", "explicit_only", NULL};
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *key;
    json_t *v, *item;
    char **argv = NULL;
    size_t n = 0, cap = 0, i, k;
    if (push(&argv, &n, &cap, pc_asprintf(err, "%s/provision/%s.sh", o->root,
                                          json_string_value(json_object_get(r, "kind"))), err) ||
        push(&argv, &n, &cap, pc_strdup(dest, err), err) ||
        push(&argv, &n, &cap, pc_asprintf(err, "--name=%s", name), err))
        goto fail;
    json_array_foreach(json_object_get(r, "tags"), i, v)
        if (push(&argv, &n, &cap, option_text(name, "tags", v, err), err))
            goto fail;
    json_object_foreach(r, key, v) {
        bool is_reserved = false;
        for (k = 0; reserved[k]; k++)
            is_reserved |= !strcmp(key, reserved[k]);
        if (is_reserved)
            continue;
        if (!json_is_array(v)) {
            if (push(&argv, &n, &cap, option_text(name, key, v, err), err))
                goto fail;
            continue;
        }
        json_array_foreach(v, k, item)
            if (push(&argv, &n, &cap, option_text(name, key, item, err), err))
                goto fail;
    }
    if (o->force && push(&argv, &n, &cap, pc_strdup("--force", err), err))
        goto fail;
    return argv;
fail:
    strv_free(argv);
    return NULL;
}

static void log_line(const char *log, const char *fmt, const char *a, const char *b)
{
    FILE *f = fopen(log, "a");
    char when[32];
    if (!f)
        return;
    pc_format_time(pc_wall_now(), false, when, sizeof when);
    fprintf(f, "[pyconform %s] ", when);
    fprintf(f, fmt, a, b);
    fputc('\n', f);
    fclose(f);
}

/* Probe the freshly written build.json. Returns a malloc'd "cpython 3.14.10" or sets
 * *problem. */
static int verify(const pc_provision_options *o, const char *name, char **version, char **problem,
                  pc_error *err)
{
    pc_registry reg = {0};
    json_t *b = build_of(o, name, err);
    char where[512];
    int rc = 0;
    *version = *problem = NULL;
    snprintf(where, sizeof where, "%s/%s/build.json", o->interps_dir, name);
    if (!b) {
        *problem = pc_asprintf(err, "%s was not written", where);
        return *problem ? 0 : -1;
    }
    if (pc_registry_add_json(&reg, "provisioned", b, where, o->runners, err) ||
        pc_registry_probe(&reg, o->probe, PROBE_TIMEOUT, NULL, err)) {
        /* a malformed build.json is the build's failure, not the harness's */
        *problem = pc_strdup(err->msg, err);
        rc = *problem ? 0 : -1;
    } else if (reg.len && reg.items[0].problem) {
        *problem = pc_strdup(reg.items[0].problem, err);
        rc = *problem ? 0 : -1;
    } else if (reg.len) {
        *version = pc_asprintf(err, "%s %s", reg.items[0].impl, reg.items[0].version);
        rc = *version ? 0 : -1;
    }
    pc_registry_free(&reg);
    json_decref(b);
    return rc;
}

int pc_provision_run(FILE *out, const pc_provision_options *o, size_t *failed, pc_error *err)
{
    char *path = recipes_path(o, err);
    json_t *list = path ? pc_recipes_load(path, err) : NULL, *r;
    size_t i, k;
    int rc;
    free(path);
    *failed = 0;
    if (!list)
        return -1;
    for (k = 0; k < o->nnames; k++) {
        bool any = false;
        json_array_foreach(list, i, r)
            any |= pc_glob_match(o->names[k], json_string_value(json_object_get(r, "name")));
        if (!any) {
            json_decref(list);
            return pc_fail(err, "no recipe matches '%s' (see `pyconform provision --list`)", o->names[k]);
        }
    }
    rc = pc_provision_recipes(out, o, list, failed, err);
    json_decref(list);
    return rc;
}

int pc_provision_recipes(FILE *out, const pc_provision_options *o, json_t *list, size_t *failed,
                         pc_error *err)
{
    json_t *r;
    size_t i, n = 0;
    int rc = 0;
    *failed = 0;
    if (pc_mkdir_p(o->interps_dir, err) || pc_mkdir_p(o->logs_dir, err))
        return -1;
    json_array_foreach(list, i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        char *dest = NULL, *log = NULL, **argv = NULL, *version = NULL, *problem = NULL;
        pc_child c = {0};
        pc_error cerr;
        int status = 0;
        double t0;
        if (!selected(o, r))
            continue;
        n++;
        if (!(dest = pc_asprintf(err, "%s/%s", o->interps_dir, name)) ||
            !(log = pc_asprintf(err, "%s/%s.log", o->logs_dir, name)) ||
            !(argv = recipe_argv(o, r, dest, err))) {
            rc = -1;
            goto next;
        }
        fprintf(out, "provision: %s (%s) ...\n", name, json_string_value(json_object_get(r, "kind")));
        fflush(out);
        log_line(log, "start: %s %s", argv[0], dest);
        t0 = pc_now();
        c.argv = argv;
        c.out_path = log;
        c.new_group = true;
        if (pc_child_start(&c, &cerr) != 0) {
            problem = pc_strdup(cerr.msg, err);
        } else {
            pc_child_finish(&c, &status);
            if (status != 0) {
                char desc[128];
                pc_status_describe(status, desc, sizeof desc);
                problem = pc_asprintf(err, "%s failed (%s)", argv[0], desc);
            } else if (verify(o, name, &version, &problem, err)) {
                rc = -1;
                goto next;
            }
        }
        if (problem) {
            (*failed)++;
            fprintf(out, "provision: %s: FAILED: %s; log: %s\n", name, problem, log);
            log_line(log, "failed: %s%s", problem, "");
        } else {
            char secs[32];
            snprintf(secs, sizeof secs, "%.1f", pc_now() - t0);
            fprintf(out, "provision: %s: ok, %s, verified (%s s); log: %s\n", name, version, secs, log);
            log_line(log, "verified: %s in %s s", version, secs);
        }
    next:
        free(dest);
        free(log);
        strv_free(argv);
        free(version);
        free(problem);
        if (rc)
            break;
    }
    if (rc == 0 && n == 0)
        fprintf(out, "provision: nothing selected (explicit-only recipes need their name or --all)\n");
    return rc;
}
