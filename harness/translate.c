/* translate.c - see translate.h. */
#include "translate.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Feed `text` to the child's stdin while collecting its stdout and stderr (a large
 * text could otherwise fill both pipes and deadlock). */
static int exchange(pc_child *c, const char *text, double timeout, pc_buf *out, pc_buf *errb,
                    bool *timed_out, pc_error *err)
{
    size_t len = strlen(text), off = 0;
    double deadline = pc_now() + timeout;
    char chunk[8192];
    *timed_out = false;
    if (len == 0) {
        close(c->in);
        c->in = -1;
    }
    while (c->out >= 0 || c->err >= 0) {
        struct pollfd fds[3];
        int nfds = 0, r, i;
        double left = deadline - pc_now();
        if (left <= 0) {
            *timed_out = true;
            pc_child_kill(c);
            return 0;
        }
        if (c->in >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
        if (c->out >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->out, .events = POLLIN};
        if (c->err >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->err, .events = POLLIN};
        r = poll(fds, (nfds_t)nfds, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pc_fail(err, "%s: poll: %s", c->argv[0], strerror(errno));
        for (i = 0; i < nfds; i++) {
            ssize_t n;
            if (!fds[i].revents)
                continue;
            if (fds[i].fd == c->in) {
                n = write(c->in, text + off, len - off > 65536 ? 65536 : len - off);
                if (n > 0)
                    off += (size_t)n;
                if (n < 0 || off == len) {
                    close(c->in); /* done, or the desugarer stopped reading */
                    c->in = -1;
                }
                continue;
            }
            n = read(fds[i].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (fds[i].fd == c->out) {
                    close(c->out);
                    c->out = -1;
                } else {
                    close(c->err);
                    c->err = -1;
                }
                continue;
            }
            if (pc_buf_append(fds[i].fd == c->out ? out : errb, chunk, (size_t)n, err))
                return -1;
        }
    }
    return 0;
}

int pc_translate_text(char *const *argv, const char *text, double timeout, pc_translation *out,
                      pc_error *err)
{
    pc_child c = {0};
    pc_buf so = {0}, se = {0};
    pc_error cerr;
    int status = 0, rc = 0;
    bool timed_out = false;
    c.argv = argv;
    c.pipe_in = c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    if (pc_child_start(&c, &cerr) != 0) {
        out->failure = pc_asprintf(err, "desugarer did not start: %s", cerr.msg);
        return out->failure ? 0 : -1;
    }
    if (exchange(&c, text, timeout, &so, &se, &timed_out, err))
        rc = -1;
    pc_child_finish(&c, &status);
    if (rc == 0) {
        char desc[128];
        out->notes = se.len ? pc_strdup(se.data, err) : NULL;
        if (timed_out)
            out->failure = pc_asprintf(err, "desugarer did not finish within %g s", timeout);
        else if (status != 0) {
            pc_status_describe(status, desc, sizeof desc);
            out->failure = pc_asprintf(err, "desugarer failed (%s): %.2000s", desc, se.len ? se.data : "");
        } else
            out->text = pc_strdup(so.len ? so.data : "", err);
        if ((se.len && !out->notes) || (!out->failure && !out->text))
            rc = -1;
    }
    pc_buf_free(&so);
    pc_buf_free(&se);
    return rc;
}

int pc_translate(const pc_caseset *cases, const pc_translate_options *o, pc_translation *out,
                 pc_error *err)
{
    char *ours[] = {(char *)o->python, (char *)o->desugar_py, "-", NULL};
    char *ext[] = {"/bin/sh", "-c", (char *)o->external, NULL};
    size_t i;
    for (i = 0; i < cases->len; i++) {
        const pc_case *k = &cases->items[i];
        pc_translation *t = &out[i];
        memset(t, 0, sizeof *t);
        if (o->external) {
            t->source = PC_TR_EXTERNAL;
        } else if (k->desugared) {
            t->source = PC_TR_CASE;
            if (!(t->text = pc_strdup(k->desugared, err)))
                return -1;
            continue;
        } else {
            t->source = PC_TR_OURS;
        }
        if (pc_translate_text(o->external ? ext : ours, k->source, o->timeout, t, err))
            return pc_wrap(err, "%s:%d: translating case '%s'", k->file, k->line, k->name);
    }
    return 0;
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
