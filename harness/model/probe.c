/* probe.c - see probe.h. */
#include "probe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pool.h"
#include "util.h"

/* ---- the cache -------------------------------------------------------------------- */

static char *probe_key(const pc_interp *in, pc_error *err)
{
    pc_buf b = {0};
    size_t i;
    for (i = 0; in->argv[i]; i++)
        if (pc_buf_appendf(&b, err, "%s%s", i ? "\x1f" : "", in->argv[i]))
            goto fail;
    for (i = 0; in->env && in->env[i]; i++)
        if (pc_buf_appendf(&b, err, "\x1e%s", in->env[i]))
            goto fail;
    return b.data;
fail:
    pc_buf_free(&b);
    return NULL;
}

/* Cache keys and signatures hold paths (outside text): kept escaped, so that a path
 * that is not UTF-8 still makes a JSON key. */
static char *escaped(char *s, pc_error *err)
{
    char *e = s ? pc_text_dup(s, strlen(s), err) : NULL;
    free(s);
    return e;
}

static char *probe_signature(const pc_interp *in, const char *probe_script, pc_error *err)
{
    pc_buf b = {0};
    size_t i;
    struct stat st;
    if (pc_buf_append(&b, "", 0, err))
        return NULL;
    for (i = 0;; i++) {
        const char *f = in->argv[i] ? in->argv[i] : probe_script;
        if (stat(f, &st) == 0 &&
            pc_buf_appendf(&b, err, "%s:%lld:%lld.%09ld;", f, (long long)st.st_size,
                           (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec)) {
            pc_buf_free(&b);
            return NULL;
        }
        if (!in->argv[i])
            break;
    }
    return b.data;
}


/* Record probe p (borrowed) in the cache object `probes`. */
static int cache_put(json_t *probes, const pc_interp *in, const char *probe_script, json_t *p,
                     pc_error *err)
{
    char *key = escaped(probe_key(in, err), err);
    char *sig = escaped(probe_signature(in, probe_script, err), err);
    int rc = 0;
    if (!key || !sig)
        rc = -1;
    else if (json_object_set_new(probes, key, json_pack("{s:s, s:O}", "signature", sig, "probe", p)))
        rc = pc_oom(err); /* a NULL value is refused; a value given is taken even then */
    free(key);
    free(sig);
    return rc;
}


/* The cached probe of `in` when it is still valid (borrowed), else NULL; -1 in *rc on a
 * harness error. */
static json_t *cache_get(json_t *probes, const pc_interp *in, const char *probe_script, int *rc,
                         pc_error *err)
{
    char *key = escaped(probe_key(in, err), err);
    char *sig = key ? escaped(probe_signature(in, probe_script, err), err) : NULL;
    json_t *hit, *p = NULL;
    if (!key || !sig) {
        free(key);
        *rc = -1;
        return NULL;
    }
    hit = json_object_get(probes, key);
    if (hit && json_is_string(json_object_get(hit, "signature")) &&
        strcmp(json_string_value(json_object_get(hit, "signature")), sig) == 0 &&
        json_is_object(json_object_get(hit, "probe")))
        p = json_object_get(hit, "probe");
    free(key);
    free(sig);
    return p;
}

static void cache_save(json_t *cache, const char *cache_path, pc_error *err)
{
    char *text = json_dumps(cache, JSON_INDENT(1));
    char *dir = pc_strdup(cache_path, err);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash)
        *slash = '\0';
    /* the cache is an optimisation: failing to write it is not an error */
    if (text && dir && pc_mkdir_p(dir, NULL) == 0)
        pc_write_atomic(cache_path, text, strlen(text), NULL);
    free(text);
    free(dir);
}

/* ---- probing on the pool ------------------------------------------------------------ */

static char **probe_argv(const pc_interp *in, const char *script, pc_error *err)
{
    size_t n = 0, i;
    char **argv;
    while (in->argv[n])
        n++;
    argv = calloc(n + 2, sizeof *argv);
    if (!argv) {
        pc_oom(err);
        return NULL;
    }
    for (i = 0; i < n; i++)
        argv[i] = in->argv[i];
    argv[n] = (char *)script;
    return argv;
}

typedef struct probe_run {
    pc_registry *reg;
    const char *probe_script;
    double timeout;
    char ***argvs;    /* per build: the probe's command, or NULL when not to be probed */
    bool *done;       /* per build: its probe ended (a probe or a problem) */
    size_t next;      /* the first build not yet started */
    json_t *probes;   /* the cache's "probes" object */
    bool cache_dirty;
} probe_run;

static int probe_next(void *ctx, pc_pool_slot *slot, pc_error *err)
{
    probe_run *r = ctx;
    (void)err;
    while (r->next < r->reg->len && !r->argvs[r->next])
        r->next++;
    if (r->next >= r->reg->len)
        return 0;
    slot->task = (void *)(uintptr_t)r->next;
    slot->child.argv = r->argvs[r->next];
    slot->child.env = r->reg->items[r->next].env;
    slot->child.pipe_out = slot->child.pipe_err = true;
    slot->deadline = pc_now() + r->timeout;
    r->next++;
    return 1;
}

static int probe_start_failed(void *ctx, pc_pool_slot *slot, const char *why, pc_error *err)
{
    probe_run *r = ctx;
    size_t i = (uintptr_t)slot->task;
    r->done[i] = true;
    return pc_interp_set_problem(&r->reg->items[i], true, "", why, strlen(why), false, err);
}

/* A probe ended: its JSON becomes the build's probe (and is cached), anything else its
 * problem. */
static int probe_finish(void *ctx, pc_pool_slot *slot, int status, pc_error *err)
{
    probe_run *r = ctx;
    size_t i = (uintptr_t)slot->task;
    pc_interp *in = &r->reg->items[i];
    const pc_buf *out = &slot->out, *errb = &slot->err;
    json_error_t jerr;
    json_t *p;
    r->done[i] = true;
    if (slot->stopped)
        return pc_interp_set_problem(in, true, "probe interrupted", NULL, 0, false, err);
    if (slot->timed_out) {
        char what[96];
        snprintf(what, sizeof what, "probe did not finish within %g seconds", r->timeout);
        return pc_interp_set_problem(in, true, what, NULL, 0, false, err);
    }
    if (status != 0) {
        char desc[128], what[160];
        pc_status_describe(status, desc, sizeof desc);
        snprintf(what, sizeof what, "probe failed (%s)%s", desc,
                 pc_problem_text_len(errb->data, errb->len) ? ": " : "");
        return pc_interp_set_problem(in, true, what, errb->data, errb->len, true, err);
    }
    p = json_loadb(out->data ? out->data : "", out->len, JSON_DISABLE_EOF_CHECK, &jerr);
    if (!p) {
        char what[256];
        snprintf(what, sizeof what, "probe printed no JSON object (%s)%s", jerr.text,
                 pc_problem_text_len(out->data, out->len) ? ": " : ", nothing on stdout");
        return pc_interp_set_problem(in, true, what, out->data, out->len, false, err);
    }
    if (cache_put(r->probes, in, r->probe_script, p, err)) {
        json_decref(p);
        return -1;
    }
    r->cache_dirty = true;
    return pc_interp_apply_probe(in, p, err);
}

int pc_probe_all(pc_registry *reg, const char *probe_script, double timeout,
                 const char *cache_path, pc_error *err)
{
    static const pc_pool_ops ops = {probe_next, probe_start_failed, NULL, NULL, probe_finish, NULL};
    probe_run r = {reg, probe_script, timeout, NULL, NULL, 0, NULL, false};
    json_t *cache = NULL;
    bool stopped = false;
    size_t i, width = reg->probe_width ? reg->probe_width : 2;
    int rc = 0;
    r.argvs = calloc(reg->len ? reg->len : 1, sizeof *r.argvs);
    r.done = calloc(reg->len ? reg->len : 1, sizeof *r.done);
    if (cache_path)
        cache = json_load_file(cache_path, 0, NULL); /* unreadable: start afresh */
    if (!json_is_object(json_object_get(cache, "probes"))) {
        json_decref(cache);
        cache = json_pack("{s:i, s:{}}", "schema", 1, "probes");
    }
    if (!r.argvs || !r.done || !cache) {
        rc = pc_oom(err);
        goto out;
    }
    r.probes = json_object_get(cache, "probes");

    /* Cached probes are used; the others are run on the pool. */
    for (i = 0; i < reg->len && rc == 0; i++) {
        pc_interp *in = &reg->items[i];
        json_t *hit;
        if (in->probe || in->problem) /* a problem found before probing (discovery) */
            continue;
        hit = cache_get(r.probes, in, probe_script, &rc, err);
        if (hit)
            rc = pc_interp_apply_probe(in, json_deep_copy(hit), err);
        else if (rc == 0 && !(r.argvs[i] = probe_argv(in, probe_script, err)))
            rc = -1;
    }
    if (rc == 0)
        rc = pc_pool_run(width, reg->stop_fd > 0 ? reg->stop_fd : -1, &ops, &r, &stopped, err);
    /* stopped: the builds whose probe never started are interrupted too */
    for (i = 0; rc == 0 && stopped && i < reg->len; i++)
        if (r.argvs[i] && !r.done[i])
            rc = pc_interp_set_problem(&reg->items[i], true, "probe interrupted", NULL, 0, false, err);
    if (rc == 0 && r.cache_dirty && cache_path)
        cache_save(cache, cache_path, err);
out:
    for (i = 0; r.argvs && i < reg->len; i++)
        free(r.argvs[i]);
    free(r.argvs);
    free(r.done);
    json_decref(cache);
    return rc;
}
