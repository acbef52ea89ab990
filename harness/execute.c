/* execute.c - see execute.h.
 *
 * The loop, in one screen: fill free slots with interpreters that still have jobs;
 * poll every slot's stdout and stderr with the nearest deadline as timeout; each
 * complete stdout line is either the runner's hello (then the first job is sent) or a
 * result (recorded, then the next job is sent); EOF means the runner died (CRASH for
 * the job in flight); a passed deadline means TIMEOUT. A slot whose runner ended
 * restarts it while jobs remain.
 */
#include "execute.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "process.h"
#include "util.h"

#define STDERR_TAIL 4096
/* Pyodide builds interrupt a job themselves at the timeout (the instance survives and
 * answers with a KeyboardInterrupt); the harness kills them only this much later. */
#define WASM_GRACE 5.0
#define RUNNER_STACK_BYTES (256ul * 1024 * 1024)

const char *pc_job_status_name(pc_job_status s)
{
    switch (s) {
    case PC_JOB_OK: return "ok";
    case PC_JOB_TIMEOUT: return "timeout";
    case PC_JOB_CRASH: return "crash";
    case PC_JOB_ERROR: return "error";
    case PC_JOB_SKIPPED: return "skipped";
    }
    return "error";
}

typedef struct slot {
    const pc_interp *interp;
    size_t *jobs;        /* plan indices of this interpreter's jobs */
    size_t njobs, cap;
    size_t next;         /* first job not yet sent */
    pc_child child;
    char **argv;
    char **env;
    bool running, ready;
    long inflight;       /* plan index, or -1 */
    size_t sent;         /* jobs sent to the current runner process */
    double deadline;     /* for the hello, or for the job in flight */
    double sent_at;
    pc_buf out, err;
} slot;

/* The runner's environment: deterministic hashing, no bytecode, no user site. */
static char *const base_env[] = {
    "PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1",
    "PYTHONIOENCODING=utf-8", "PYTHONUTF8=1", NULL,
};

static int slot_prepare(slot *s, const pc_exec_options *opt, pc_error *err)
{
    size_t n = 0, m = 0, i, k = 0;
    while (s->interp->argv[n])
        n++;
    while (s->interp->env && s->interp->env[m])
        m++;
    s->argv = calloc(n + 2, sizeof *s->argv);
    s->env = calloc(m + sizeof base_env / sizeof *base_env, sizeof *s->env);
    if (!s->argv || !s->env)
        return pc_oom(err);
    for (i = 0; i < n; i++)
        s->argv[i] = s->interp->argv[i];
    s->argv[n] = (char *)opt->runner;
    for (i = 0; base_env[i]; i++)
        s->env[k++] = base_env[i];
    for (i = 0; i < m; i++)
        s->env[k++] = s->interp->env[i];
    return 0;
}

static void set_result(pc_job_result *r, pc_job_status st, json_t *res, char *detail, double secs)
{
    r->status = st;
    r->result = res;
    free(r->detail);
    r->detail = detail;
    r->seconds = secs;
}

/* Record a non-OK status for job `idx`, with the runner's stderr tail appended. */
static int record_failure(slot *s, pc_job_result *results, size_t idx, pc_job_status st,
                          const char *what, pc_error *err)
{
    double secs = s->sent_at > 0 ? pc_now() - s->sent_at : 0;
    const char *tail = s->err.data && s->err.len ? s->err.data : "";
    char *detail = pc_asprintf(err, "%s%s%s", what, *tail ? "; stderr: " : "", tail);
    if (!detail)
        return -1;
    set_result(&results[idx], st, NULL, detail, secs);
    return 0;
}

static int slot_start(slot *s, pc_job_result *results, const pc_exec_options *opt, pc_error *err)
{
    pc_error cerr;
    memset(&s->child, 0, sizeof s->child);
    s->child.argv = s->argv;
    s->child.env = s->env;
    s->child.pipe_in = s->child.pipe_out = s->child.pipe_err = true;
    s->child.new_group = true;
    s->child.stack_bytes = RUNNER_STACK_BYTES;
    pc_buf_clear(&s->out);
    pc_buf_clear(&s->err);
    s->ready = false;
    s->inflight = -1;
    s->sent_at = 0;
    s->sent = 0;
    if (pc_child_start(&s->child, &cerr) != 0) {
        /* Cannot start at all: every remaining job of this interpreter is an ERROR. */
        while (s->next < s->njobs) {
            char *d = pc_asprintf(err, "cannot start runner: %s", cerr.msg);
            if (!d)
                return -1;
            set_result(&results[s->jobs[s->next++]], PC_JOB_ERROR, NULL, d, 0);
        }
        s->running = false;
        return 0;
    }
    fcntl(s->child.out, F_SETFL, fcntl(s->child.out, F_GETFL) | O_NONBLOCK);
    fcntl(s->child.err, F_SETFL, fcntl(s->child.err, F_GETFL) | O_NONBLOCK);
    s->running = true;
    s->deadline = pc_now() + opt->startup_timeout;
    return 0;
}

static void slot_stop(slot *s, int *status)
{
    pc_child_kill(&s->child);
    pc_child_finish(&s->child, status);
    s->running = false;
    s->ready = false;
}

/* Send the next job, or close stdin when none is left (the runner then exits). */
static int slot_send_next(slot *s, const pc_plan *plan, const pc_exec_options *opt, pc_error *err)
{
    const pc_job *j;
    json_t *msg;
    char *line;
    size_t len, off = 0;
    int status;
    size_t limit = s->interp->isolate_jobs ? 1 : opt->jobs_per_runner;
    if (s->next >= s->njobs || (limit && s->sent >= limit)) {
        slot_stop(s, &status); /* the loop starts a fresh runner if jobs remain */
        return 0;
    }
    j = &plan->jobs[s->jobs[s->next]];
    msg = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:f}", "id", (json_int_t)j->id, "case",
                    j->kase->name, "mode", pc_mode_name(j->mode), "source", j->text, "filename",
                    j->kase->file, "first_line", j->text_line, "timeout", opt->timeout);
    if (!msg)
        return pc_oom(err);
    line = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!line)
        return pc_oom(err);
    len = strlen(line);
    line[len] = '\n'; /* replaces the NUL; written with its length below */
    s->inflight = (long)s->jobs[s->next++];
    s->sent++;
    s->sent_at = pc_now();
    s->deadline = s->sent_at + opt->timeout + (s->interp->wasm ? WASM_GRACE : 0);
    while (off < len + 1) {
        ssize_t w = write(s->child.in, line + off, len + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break; /* EPIPE: the runner is gone; EOF on its stdout reports the crash */
        off += (size_t)w;
    }
    free(line);
    return 0;
}

/* Did a KeyboardInterrupt end the module body or any call of this result? */
static bool interrupted(json_t *msg)
{
    json_t *fns = json_object_get(msg, "functions"), *f;
    const char *me = json_string_value(json_object_get(json_object_get(json_object_get(msg, "module"), "error"), "type"));
    size_t i;
    if (me && !strcmp(me, "KeyboardInterrupt"))
        return true;
    json_array_foreach(fns, i, f) {
        const char *t = json_string_value(json_object_get(json_object_get(f, "outcome"), "type"));
        if (t && !strcmp(t, "KeyboardInterrupt"))
            return true;
    }
    return false;
}

static int handle_line(slot *s, const char *line, const pc_plan *plan, pc_job_result *results,
                       const pc_exec_options *opt, pc_error *err)
{
    json_error_t jerr;
    json_t *msg = json_loads(line, JSON_ALLOW_NUL, &jerr);
    json_t *id;
    if (!s->ready) {
        if (msg && json_is_object(msg) && json_object_get(msg, "hello")) {
            json_decref(msg);
            s->ready = true;
            return slot_send_next(s, plan, opt, err);
        }
        json_decref(msg);
        /* Not our runner speaking: count it against the next job and restart. */
        if (s->next < s->njobs) {
            char *what = pc_asprintf(err, "runner did not say hello; it printed: %.200s", line);
            if (!what || record_failure(s, results, s->jobs[s->next++], PC_JOB_ERROR, what, err)) {
                free(what);
                return -1;
            }
            free(what);
        }
        slot_stop(s, NULL);
        return 0;
    }
    if (s->inflight < 0) {
        json_decref(msg);
        return 0; /* stray line between jobs: ignored */
    }
    id = msg ? json_object_get(msg, "id") : NULL;
    if (!msg || !json_is_object(msg) || !json_is_integer(id) ||
        json_integer_value(id) != (json_int_t)s->inflight) {
        char *what = pc_asprintf(err, "malformed result line: %.200s", line);
        int rc = what ? record_failure(s, results, (size_t)s->inflight, PC_JOB_ERROR, what, err) : -1;
        free(what);
        json_decref(msg);
        s->inflight = -1;
        slot_stop(s, NULL);
        return rc;
    }
    if (json_object_get(msg, "runner_error") || !json_is_object(json_object_get(msg, "module")) ||
        !json_is_array(json_object_get(msg, "functions"))) {
        const char *re = json_string_value(json_object_get(msg, "runner_error"));
        char *what = pc_asprintf(err, "runner error: %s", re ? re : "result lacks module/functions");
        int rc = what ? record_failure(s, results, (size_t)s->inflight, PC_JOB_ERROR, what, err) : -1;
        free(what);
        json_decref(msg);
        s->inflight = -1;
        return rc ? rc : slot_send_next(s, plan, opt, err);
    }
    if (pc_now() - s->sent_at >= opt->timeout && interrupted(msg)) {
        /* the interpreter stopped the job itself at the timeout (Pyodide): the same
         * verdict as a kill, and the runner goes on */
        char what[160];
        double secs = pc_now() - s->sent_at;
        json_decref(msg);
        snprintf(what, sizeof what, "interrupted inside the interpreter after %.1f s (timeout %g s)",
                 secs, opt->timeout);
        if (record_failure(s, results, (size_t)s->inflight, PC_JOB_TIMEOUT, what, err))
            return -1;
        s->inflight = -1;
        return slot_send_next(s, plan, opt, err);
    }
    set_result(&results[s->inflight], PC_JOB_OK, msg, NULL, pc_now() - s->sent_at);
    s->inflight = -1;
    return slot_send_next(s, plan, opt, err);
}

static int read_stdout(slot *s, const pc_plan *plan, pc_job_result *results,
                       const pc_exec_options *opt, bool *eof, pc_error *err)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(s->child.out, chunk, sizeof chunk);
        char *nl;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            *eof = true;
            return 0;
        }
        if (pc_buf_append(&s->out, chunk, (size_t)n, err))
            return -1;
        while (s->running && (nl = memchr(s->out.data, '\n', s->out.len))) {
            size_t linelen = (size_t)(nl - s->out.data);
            char *line = pc_strndup(s->out.data, linelen, err);
            int rc;
            if (!line)
                return -1;
            pc_buf_consume(&s->out, linelen + 1);
            rc = handle_line(s, line, plan, results, opt, err);
            free(line);
            if (rc)
                return rc;
        }
        if (!s->running)
            return 0;
    }
}

static int read_stderr(slot *s, pc_error *err)
{
    char chunk[8192];
    for (;;) {
        ssize_t n = read(s->child.err, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        if (pc_buf_append(&s->err, chunk, (size_t)n, err))
            return -1;
        if (s->err.len > STDERR_TAIL)
            pc_buf_consume(&s->err, s->err.len - STDERR_TAIL);
    }
}

/* The runner's stdout closed: reap it and charge the job in flight (or the next one,
 * when it died before saying hello, so that a broken interpreter cannot loop). */
static int handle_exit(slot *s, pc_job_result *results, pc_error *err)
{
    int status = 0;
    char desc[160], what[256];
    read_stderr(s, err);
    pc_child_finish(&s->child, &status);
    s->running = false;
    pc_status_describe(status, desc, sizeof desc);
    if (s->inflight >= 0) {
        snprintf(what, sizeof what, "runner died during the job (%s)", desc);
        if (record_failure(s, results, (size_t)s->inflight, PC_JOB_CRASH, what, err))
            return -1;
        s->inflight = -1;
    } else if (!s->ready && s->next < s->njobs) {
        snprintf(what, sizeof what, "runner exited before it was ready (%s)", desc);
        if (record_failure(s, results, s->jobs[s->next++], PC_JOB_CRASH, what, err))
            return -1;
    }
    return 0;
}

static int handle_deadline(slot *s, pc_job_result *results, const pc_exec_options *opt,
                           pc_error *err)
{
    char what[200];
    slot_stop(s, NULL);
    read_stderr(s, err);
    if (s->inflight >= 0) {
        snprintf(what, sizeof what, "no result within %g s; runner process group killed",
                 opt->timeout);
        if (record_failure(s, results, (size_t)s->inflight, PC_JOB_TIMEOUT, what, err))
            return -1;
        s->inflight = -1;
    } else if (s->next < s->njobs) {
        snprintf(what, sizeof what, "runner did not start within %g s", opt->startup_timeout);
        if (record_failure(s, results, s->jobs[s->next++], PC_JOB_TIMEOUT, what, err))
            return -1;
    }
    return 0;
}

int pc_execute(const pc_plan *plan, const pc_exec_options *opt, pc_job_result *results,
               pc_error *err)
{
    slot *slots = NULL;
    size_t nslots = 0, cap = 0, i, next_slot = 0, active = 0;
    struct pollfd *fds = NULL;
    slot **owners = NULL;
    int rc = -1;

    /* One slot per interpreter, holding its jobs in plan order; skipped jobs are
     * answered here and never sent. */
    for (i = 0; i < plan->len; i++) {
        const pc_interp *in = plan->jobs[i].interp;
        slot *s = nslots ? &slots[nslots - 1] : NULL;
        if (plan->jobs[i].error) {
            char *d = pc_strdup(plan->jobs[i].error, err);
            if (!d)
                goto out;
            set_result(&results[i], PC_JOB_ERROR, NULL, d, 0);
            continue;
        }
        if (plan->jobs[i].skip[0]) {
            char *d = pc_strdup(plan->jobs[i].skip, err);
            if (!d)
                goto out;
            set_result(&results[i], PC_JOB_SKIPPED, NULL, d, 0);
            continue;
        }
        if (plan->jobs[i].translation && plan->jobs[i].translation->failure) {
            char *d = pc_strdup(plan->jobs[i].translation->failure, err);
            if (!d)
                goto out;
            set_result(&results[i], PC_JOB_ERROR, NULL, d, 0);
            continue;
        }
        if (!s || s->interp != in) {
            if (pc_grow(&slots, &cap, nslots + 1, sizeof *slots, err))
                goto out;
            s = &slots[nslots++];
            memset(s, 0, sizeof *s);
            s->interp = in;
            s->inflight = -1;
        }
        if (pc_grow(&s->jobs, &s->cap, s->njobs + 1, sizeof *s->jobs, err))
            goto out;
        s->jobs[s->njobs++] = i;
    }
    fds = calloc(2 * (nslots ? nslots : 1), sizeof *fds);
    owners = calloc(2 * (nslots ? nslots : 1), sizeof *owners);
    if (!fds || !owners) {
        pc_oom(err);
        goto out;
    }
    for (i = 0; i < nslots; i++)
        if (slot_prepare(&slots[i], opt, err))
            goto out;

    for (;;) {
        nfds_t nfds = 0;
        double now = pc_now(), nearest = 0;
        int wait_ms, r;

        /* (Re)start runners while there is room and work. */
        active = 0;
        for (i = 0; i < nslots; i++)
            active += slots[i].running;
        for (i = 0; i < nslots && (int)active < opt->parallel; i++) {
            slot *s = &slots[(next_slot + i) % nslots];
            if (s->running || s->next >= s->njobs)
                continue;
            if (slot_start(s, results, opt, err))
                goto out;
            active += s->running;
        }
        if (active == 0) {
            bool left = false;
            for (i = 0; i < nslots; i++)
                left |= slots[i].next < slots[i].njobs;
            if (!left)
                break;
            continue;
        }

        for (i = 0; i < nslots; i++) {
            slot *s = &slots[i];
            if (!s->running)
                continue;
            fds[nfds] = (struct pollfd){.fd = s->child.out, .events = POLLIN};
            owners[nfds++] = s;
            fds[nfds] = (struct pollfd){.fd = s->child.err, .events = POLLIN};
            owners[nfds++] = s;
            if (nearest == 0 || s->deadline < nearest)
                nearest = s->deadline;
        }
        wait_ms = nearest > now ? (int)((nearest - now) * 1000) + 1 : 0;
        r = poll(fds, nfds, wait_ms);
        if (r < 0 && errno != EINTR) {
            pc_fail(err, "poll: %s", strerror(errno));
            goto out;
        }
        for (i = 0; r > 0 && i < nfds; i++) {
            slot *s = owners[i];
            bool eof = false;
            if (!fds[i].revents || !s->running)
                continue;
            if (fds[i].fd == s->child.err) {
                if (read_stderr(s, err))
                    goto out;
                continue;
            }
            if (read_stdout(s, plan, results, opt, &eof, err))
                goto out;
            if (eof && s->running && handle_exit(s, results, err))
                goto out;
            if (!s->running && s->next >= s->njobs && s->inflight < 0 && opt->progress)
                fprintf(stderr, "pyconform: %s: %zu jobs done\n", s->interp->name, s->njobs);
        }
        now = pc_now();
        for (i = 0; i < nslots; i++) {
            slot *s = &slots[i];
            if (s->running && s->deadline <= now && handle_deadline(s, results, opt, err))
                goto out;
        }

    }
    rc = 0;

out:
    for (i = 0; i < nslots; i++) {
        if (slots[i].running)
            slot_stop(&slots[i], NULL);
        free(slots[i].jobs);
        free(slots[i].argv);
        free(slots[i].env);
        pc_buf_free(&slots[i].out);
        pc_buf_free(&slots[i].err);
    }
    free(slots);
    free(fds);
    free(owners);
    return rc;
}

void pc_job_results_free(pc_job_result *results, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        json_decref(results[i].result);
        free(results[i].detail);
    }
}
