/* translate.c - see translate.h. */
#include "translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "process.h"
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

int pc_translate_text(char *const *argv, const char *text, double timeout, int stop_fd,
                      pc_translation *out, pc_error *err)
{
    pc_child c = {0};
    pc_buf so = {0}, se = {0};
    pc_error cerr;
    int status = 0, rc = 0;
    bool timed_out = false;
    c.argv = argv;
    c.pipe_in = c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    c.stop_fd = stop_fd;
    if (pc_child_start(&c, &cerr) != 0) {
        out->failure = pc_asprintf(err, "desugarer did not start: %s", cerr.msg);
        return out->failure ? 0 : -1;
    }
    if (pc_child_capture(&c, text, timeout, &so, &se, &status, &timed_out, err))
        rc = -1;
    if (rc == 0) {
        char desc[128];
        out->notes = se.len ? pc_strdup(se.data, err) : NULL;
        if (c.stopped)
            out->failure = pc_strdup("desugarer stopped: the run was interrupted", err);
        else if (timed_out)
            out->failure = pc_asprintf(err, "desugarer did not finish within %g s", timeout);
        else if (status != 0) {
            pc_status_describe(status, desc, sizeof desc);
            out->failure = pc_asprintf(err, "desugarer failed (%s): %.2000s", desc, se.len ? se.data : "");
        } else if (so.len && pc_utf8_valid_prefix(so.data, so.len) < so.len) {
            /* the translation runs as text: bytes that are not UTF-8 are the desugarer's
             * error, shown escaped around the first of them */
            size_t bad = pc_utf8_valid_prefix(so.data, so.len), from = bad > 40 ? bad - 40 : 0;
            char *excerpt = pc_text_dup(so.data + from, so.len - from > 120 ? 120 : so.len - from, err);
            out->failure = excerpt ? pc_asprintf(err, "desugarer output is not valid UTF-8 (or holds "
                                                      "a NUL) at byte %zu: ...%s", bad, excerpt)
                                   : NULL;
            free(excerpt);
        } else
            out->text = pc_strdup(so.len ? so.data : "", err);
        if ((se.len && !out->notes) || (!out->failure && !out->text))
            rc = -1;
    }
    pc_buf_free(&so);
    pc_buf_free(&se);
    return rc;
}

/* Our desugarer, once for every case that needs it (--batch: NDJSON in and out). */
static int translate_ours(const pc_caseset *cases, const pc_translate_options *o,
                          pc_translation *out, pc_error *err)
{
    char *argv[] = {(char *)o->python, (char *)o->desugar_py, "--batch", NULL};
    pc_buf in = {0};
    pc_translation batch = {0};
    size_t i, n = 0;
    int rc = -1;
    const char *line;
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
    size_t i;
    for (i = 0; i < cases->len; i++) {
        const pc_case *k = &cases->items[i];
        pc_translation *t = &out[i];
        memset(t, 0, sizeof *t);
        if (o->external) {
            t->source = PC_TR_EXTERNAL;
            if (pc_translate_text(ext, k->source, o->timeout, o->stop_fd, t, err))
                return pc_wrap(err, "%s:%d: translating case '%s'", k->file, k->line, k->name);
        } else if (k->desugared) {
            t->source = PC_TR_CASE;
            if (!(t->text = pc_strdup(k->desugared, err)))
                return -1;
        } else {
            t->source = PC_TR_OURS;
        }
    }
    return o->external ? 0 : translate_ours(cases, o, out, err);
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
