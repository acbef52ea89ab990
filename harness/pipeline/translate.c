/* translate.c - see translate.h. */
#include "translate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pool.h"
#include "util.h"

const char *pc_translation_source_name(pc_translation_source s)
{
    switch (s) {
    case PC_TR_CASE: return "case";
    case PC_TR_OURS: return "pyconform";
    case PC_TR_EXTERNAL: return "external";
    case PC_TR_NONE: break;
    }
    return "none";
}

/* Desugarer processes on the pool: each task runs argv with `input` on stdin and fills
 * `out` from what it printed. */
typedef struct tr_task {
    char *const *argv;
    const char *input;
    pc_translation *out;
    const pc_case *kase; /* named in harness errors, when set */
} tr_task;

typedef struct tr_run {
    tr_task *tasks;
    size_t n, next;
    bool *done;
    double timeout;
} tr_run;

static int tr_next(void *ctx, pc_pool_slot *slot, pc_error *err)
{
    tr_run *r = ctx;
    tr_task *t;
    (void)err;
    if (r->next >= r->n)
        return 0;
    t = &r->tasks[r->next];
    slot->task = (void *)(uintptr_t)r->next++;
    slot->child.argv = t->argv;
    slot->child.pipe_in = slot->child.pipe_out = slot->child.pipe_err = true;
    slot->input = t->input ? t->input : "";
    slot->input_len = strlen(slot->input);
    slot->deadline = r->timeout > 0 ? pc_now() + r->timeout : 0;
    return 1;
}

static int tr_start_failed(void *ctx, pc_pool_slot *slot, const char *why, pc_error *err)
{
    tr_run *r = ctx;
    size_t i = (uintptr_t)slot->task;
    r->done[i] = true;
    r->tasks[i].out->failure = pc_asprintf(err, "desugarer did not start: %s", why);
    return r->tasks[i].out->failure ? 0 : -1;
}

/* The desugarer's exit status and output become the translation or its failure. */
static int tr_result(pc_pool_slot *slot, int status, double timeout, pc_translation *out,
                     pc_error *err)
{
    const pc_buf *so = &slot->out, *se = &slot->err;
    char desc[128];
    out->notes = se->len ? pc_strdup(se->data, err) : NULL;
    if (slot->stopped)
        out->failure = pc_strdup("desugarer stopped: the run was interrupted", err);
    else if (slot->timed_out)
        out->failure = pc_asprintf(err, "desugarer did not finish within %g s", timeout);
    else if (status != 0) {
        pc_status_describe(status, desc, sizeof desc);
        out->failure = pc_asprintf(err, "desugarer failed (%s): %.2000s", desc, out->notes ? out->notes : "");
    } else if (so->len && pc_utf8_valid_prefix(so->data, so->len) < so->len) {
        /* the translation runs as text: bytes that are not UTF-8 are the desugarer's
         * error, shown escaped around the first of them */
        size_t bad = pc_utf8_valid_prefix(so->data, so->len), from = bad > 40 ? bad - 40 : 0;
        char *excerpt = pc_text_dup(so->data + from, so->len - from > 120 ? 120 : so->len - from, err);
        out->failure = excerpt ? pc_asprintf(err, "desugarer output is not valid UTF-8 (or holds "
                                                  "a NUL) at byte %zu: ...%s", bad, excerpt)
                               : NULL;
        free(excerpt);
    } else
        out->text = pc_strdup(so->len ? so->data : "", err);
    return (se->len && !out->notes) || (!out->failure && !out->text) ? -1 : 0;
}

static int tr_finish(void *ctx, pc_pool_slot *slot, int status, pc_error *err)
{
    tr_run *r = ctx;
    size_t i = (uintptr_t)slot->task;
    const pc_case *k = r->tasks[i].kase;
    r->done[i] = true;
    if (tr_result(slot, status, r->timeout, r->tasks[i].out, err))
        return k ? pc_wrap(err, "%s:%d: translating case '%s'", k->file, k->line, k->name) : -1;
    return 0;
}

/* Run the tasks, `parallel` at once. A task the run stopped before it started fails
 * as stopped. */
static int run_tasks(tr_task *tasks, size_t n, int parallel, double timeout, int stop_fd,
                     pc_error *err)
{
    static const pc_pool_ops ops = {tr_next, tr_start_failed, NULL, NULL, tr_finish, NULL};
    tr_run r = {tasks, n, 0, calloc(n ? n : 1, sizeof *r.done), timeout};
    bool stopped = false;
    size_t i;
    int rc;
    if (!r.done)
        return pc_oom(err);
    rc = pc_pool_run(parallel > 0 ? (size_t)parallel : 1, stop_fd > 0 ? stop_fd : -1, &ops, &r,
                     &stopped, err);
    for (i = 0; rc == 0 && stopped && i < n; i++)
        if (!r.done[i] &&
            !(tasks[i].out->failure = pc_strdup("desugarer stopped: the run was interrupted", err)))
            rc = -1;
    free(r.done);
    return rc;
}

int pc_translate_text(char *const *argv, const char *text, double timeout, int stop_fd,
                      pc_translation *out, pc_error *err)
{
    tr_task t = {argv, text, out, NULL};
    return run_tasks(&t, 1, 1, timeout, stop_fd, err);
}

/* Our desugarer, once for every case that needs it (--batch: NDJSON in and out). */
static int translate_ours(const pc_caseset *cases, const pc_translate_options *o,
                          pc_translation *out, pc_error *err)
{
    char *argv[] = {(char *)o->python, (char *)o->desugar_py, "--batch", NULL, NULL};
    pc_buf in = {0};
    pc_translation batch = {0};
    size_t i, n = 0;
    int rc = -1;
    const char *line;
    if (o->conservative) {
        argv[2] = "--conservative";
        argv[3] = "--batch";
    }
    for (i = 0; i < cases->len; i++) {
        char *s;
        json_t *job;
        if (out[i].source != PC_TR_OURS)
            continue;
        job = json_pack("{s:I, s:s}", "id", (json_int_t)i, "source", cases->items[i].source);
        s = job ? json_dumps(job, JSON_COMPACT) : NULL;
        json_decref(job);
        if (!s || pc_buf_appendf(&in, err, "%s\n", s)) {
            free(s);
            pc_buf_free(&in);
            return s ? -1 : pc_oom(err);
        }
        free(s);
        n++;
    }
    if (n == 0)
        return 0;
    if (pc_translate_text(argv, in.data, o->timeout * (double)n, o->stop_fd, &batch, err))
        goto done;
    /* Each answer line goes to its case; a case without one gets the batch's failure. */
    for (line = batch.text; line && *line;) {
        const char *e = strchr(line, '\n');
        json_t *r = json_loadb(line, e ? (size_t)(e - line) : strlen(line), 0, NULL);
        json_int_t id = json_integer_value(json_object_get(r, "id"));
        if (r && id >= 0 && (size_t)id < cases->len && out[id].source == PC_TR_OURS) {
            pc_translation *t = &out[id];
            const char *text = json_string_value(json_object_get(r, "text"));
            const char *notes = json_string_value(json_object_get(r, "notes"));
            const char *error = json_string_value(json_object_get(r, "error"));
            if (text && !(t->text = pc_strdup(text, err)))
                goto done_line;
            if (notes && *notes && !(t->notes = pc_strdup(notes, err)))
                goto done_line;
            if (error && !(t->failure = pc_asprintf(err, "desugarer failed (exit code %lld): %s",
                                                    (long long)json_integer_value(json_object_get(r, "status")), error)))
                goto done_line;
        }
        json_decref(r);
        line = e ? e + 1 : NULL;
        continue;
    done_line:
        json_decref(r);
        goto done;
    }
    for (i = 0; i < cases->len; i++) {
        if (out[i].source != PC_TR_OURS || out[i].text || out[i].failure)
            continue;
        out[i].failure = pc_asprintf(err, "desugarer gave no answer for this case: %s",
                                     batch.failure ? batch.failure : batch.notes ? batch.notes : "?");
        if (!out[i].failure)
            goto done;
    }
    rc = 0;
done:
    pc_buf_free(&in);
    pc_translations_free(&batch, 1);
    return rc;
}

int pc_translate(const pc_caseset *cases, const pc_translate_options *o, pc_translation *out,
                 pc_error *err)
{
    char *ext[] = {"/bin/sh", "-c", (char *)o->external, NULL};
    tr_task *tasks = NULL;
    size_t i, n = 0;
    int rc;
    if (o->external && !(tasks = calloc(cases->len ? cases->len : 1, sizeof *tasks)))
        return pc_oom(err);
    for (i = 0; i < cases->len; i++) {
        const pc_case *k = &cases->items[i];
        pc_translation *t = &out[i];
        memset(t, 0, sizeof *t);
        if (k->suite) {
            continue; /* its texts are each build's module, translated by suite.c */
        } else if (o->external) {
            t->source = PC_TR_EXTERNAL;
            tasks[n++] = (tr_task){ext, k->source, t, k};
        } else if (k->desugared) {
            t->source = PC_TR_CASE;
            if (!(t->text = pc_strdup(k->desugared, err)))
                return -1;
        } else {
            t->source = PC_TR_OURS;
        }
    }
    if (!o->external)
        return translate_ours(cases, o, out, err);
    /* an external desugarer runs once per case: `parallel` of them at once */
    rc = run_tasks(tasks, n, o->parallel, o->timeout, o->stop_fd, err);
    free(tasks);
    return rc;
}

void pc_translations_free(pc_translation *t, size_t n)
{
    size_t i;
    for (i = 0; t && i < n; i++) {
        free(t[i].text);
        free(t[i].failure);
        free(t[i].notes);
    }
}
