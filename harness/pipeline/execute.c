/* execute.c - see execute.h.
 *
 * The runners run on the process pool (pool.h), `parallel` at once. A `slot` here is
 * one interpreter: its jobs, the job in flight, and while it runs, the pool slot of its
 * runner process. The pool asks for work when a pool slot is free: an interpreter whose
 * job is to be resumed (a call timed out or crashed and killed its runner) first, then
 * the others in schedule order (longest first: see slot_order). It reports stdout
 * and stderr readable; we read a bounded amount (so deadlines are looked at while output
 * is still arriving); each complete stdout line is decoded (protocol.c) and moves the
 * slot's job along: hello -> send the job; module line -> the calls to expect; function
 * line -> one more call done; end line -> the job's process ended, complete or not. A
 * passed deadline (the pool's, per slot: start-up, then per call) or EOF charges the
 * call in flight and the job resumes after it in a new runner.
 */
#include "execute.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "pool.h"
#include "process.h"
#include "protocol.h"
#include "util.h"

#define STDERR_TAIL 4096
/* Read at most this much from one fd per turn of the loop. */
#define READ_TURN (1u << 20)
/* Pyodide builds interrupt a job themselves at the timeout (the instance survives and
 * answers with a KeyboardInterrupt); the harness kills them only this much later. */
#define WASM_GRACE 5.0
#define RUNNER_STACK_BYTES (256ul * 1024 * 1024)

/* The life of a slot's runner process. */
typedef enum slot_state {
    SLOT_IDLE,     /* no process */
    SLOT_STARTING, /* started, waiting for the hello */
    SLOT_READY,    /* said hello, no job in flight */
    SLOT_BUSY,     /* a job in flight */
} slot_state;

/* The job in flight, kept across runner restarts while it is resumed. */
typedef struct job_progress {
    long idx;          /* plan index, or -1 when none */
    pc_job_result result; /* being assembled, line by line (result.h) */
    size_t next_call;  /* index in result.parts of the call in flight */
    bool module_seen;  /* this attempt sent its module line */
    size_t attempt;    /* 0, then 1 per resume */
    char *rerun;       /* why later calls run in a fresh child (owned) */
    double started;    /* when the job was first sent */
    double call_start; /* when the call in flight started (last line) */
} job_progress;

typedef struct slot {
    const pc_interp *interp;
    size_t *jobs;        /* plan indices of this interpreter's jobs */
    size_t njobs, cap;
    size_t next;         /* first job not yet sent */
    slot_state state;
    pc_pool_slot *ps;    /* the pool slot of its runner process, while it has one */
    char **argv;
    char **env;
    job_progress job;
    long answered;       /* the last job answered; its late lines (before its end line) are dropped */
    pc_buf out, err;
    size_t out_scanned;  /* bytes of `out` already scanned for a newline */
    size_t err_total;    /* stderr bytes of the job in flight (a tail is kept) */
} slot;

typedef struct exec_ctx {
    const pc_plan *plan;
    const pc_exec_options *opt;
    pc_exec_on_result on_result;
    void *ctx;
    pc_job_limits limits;
    size_t max_line;
    bool *halt;          /* set when on_result asks for the run to stop (PC_EXEC_HALT) */
} exec_ctx;


static int slot_prepare(slot *s, const pc_exec_options *opt, pc_error *err)
{
    size_t n = 0, m = 0, i, k = 0, nbase = 0;
    while (s->interp->argv[n])
        n++;
    while (s->interp->env && s->interp->env[m])
        m++;
    s->argv = calloc(n + 2, sizeof *s->argv);
    while (pc_runner_env[nbase])
        nbase++;
    s->env = calloc(m + nbase + 2, sizeof *s->env);
    if (!s->argv || !s->env)
        return pc_oom(err);
    for (i = 0; i < n; i++)
        s->argv[i] = s->interp->argv[i];
    s->argv[n] = (char *)opt->runner;
    for (i = 0; pc_runner_env[i]; i++)
        s->env[k++] = (char *)pc_runner_env[i];
    for (i = 0; i < m; i++)
        s->env[k++] = s->interp->env[i];
    if (opt->shared)
        s->env[k++] = (char *)pc_runner_shared_env;
    return 0;
}

/* Hand a final result over (the callback takes its content), then clear it. */
static int deliver(const exec_ctx *x, size_t idx, pc_job_result *r, pc_error *err)
{
    int rc = x->on_result(x->ctx, idx, r, err);
    pc_job_result_clear(r);
    if (rc == PC_EXEC_HALT) { /* the pool stops at the top of its next turn */
        *x->halt = true;
        rc = 0;
    }
    return rc;
}

/* A job answered without running: `st` with `detail` (taken). */
static int deliver_failed(const exec_ctx *x, size_t idx, pc_job_status st, char *detail,
                          pc_error *err)
{
    pc_job_result r = {0};
    pc_job_result_fail(&r, st, detail, 0);
    return deliver(x, idx, &r, err);
}

/* "what; stderr: TAIL" (the tail of what the job's processes wrote on stderr). The
 * result is valid UTF-8 whatever came from outside: `what` may quote a runner line and
 * the tail is the case's bytes, both escaped (pc_text_escape), so a detail can always
 * become a JSON string. */
static char *with_tail(const slot *s, const char *what, pc_error *err)
{
    pc_buf b = {0};
    if (pc_text_escape(&b, what, strlen(what), false, err) ||
        (s->err.len && (pc_buf_appendf(&b, err, "; stderr%s: ",
                                       s->err_total > s->err.len ? " (last 4 KiB)" : "") ||
                        pc_text_escape(&b, s->err.data, s->err.len, false, err))) ||
        pc_buf_append(&b, "", 0, err)) {
        pc_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void progress_clear(job_progress *p)
{
    pc_job_result_clear(&p->result);
    free(p->rerun);
    memset(p, 0, sizeof *p);
    p->idx = -1;
}

/* ---- the runner process ---------------------------------------------------------- */

/* Kill the runner's process group and reap it (pool.h: the pool slot is free). */
static void slot_stop(slot *s)
{
    if (s->state != SLOT_IDLE && s->ps)
        pc_pool_kill(s->ps);
    s->ps = NULL;
    s->state = SLOT_IDLE;
}

/* Describe the runner for the pool slot ps (the pool starts it; its stdout and stderr
 * are non-blocking). */
static void slot_start(slot *s, const exec_ctx *x, pc_pool_slot *ps)
{
    ps->task = s;
    ps->child.argv = s->argv;
    ps->child.env = s->env;
    ps->child.pipe_in = ps->child.pipe_out = ps->child.pipe_err = true;
    ps->child.stack_bytes = RUNNER_STACK_BYTES;
    ps->deadline = pc_now() + x->opt->startup_timeout;
    s->ps = ps;
    pc_buf_clear(&s->out);
    s->out_scanned = 0;
    s->state = SLOT_STARTING;
}

/* ---- jobs -------------------------------------------------------------------------- */

static int send_job(slot *s, const exec_ctx *x, pc_error *err)
{
    const pc_job *j = &x->plan->jobs[s->job.idx];
    size_t len, off = 0;
    char *line = pc_job_line(j, s->job.next_call, &x->limits, &len, err);
    double now = pc_now();
    if (!line)
        return -1;
    s->job.module_seen = false;
    s->job.call_start = now;
    if (s->job.attempt == 0)
        s->job.started = now;
    pc_buf_clear(&s->err);
    s->err_total = 0;
    s->state = SLOT_BUSY;
    s->ps->deadline = now + pc_job_timeout(j, x->opt->timeout) + (s->interp->wasm ? WASM_GRACE : 0);
    while (off < len) {
        ssize_t w = write(s->ps->child.in, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break; /* EPIPE: the runner is gone; EOF on its stdout charges the job */
        off += (size_t)w;
    }
    free(line);
    return 0;
}

/* Take the next job of the slot, if any. */
static int next_job(slot *s, const exec_ctx *x, pc_error *err)
{
    /* once on_result asked for a halt, nothing new is sent: the pool stops this turn,
     * and what was not sent is NOT-RUN, not killed half-way */
    if (s->next >= s->njobs || *x->halt) {
        s->state = SLOT_READY;
        return 0;
    }
    progress_clear(&s->job);
    s->job.idx = (long)s->jobs[s->next++];
    return send_job(s, x, err);
}

/* The job is over: hand its result over. */
static int finish_job(slot *s, const exec_ctx *x, pc_error *err)
{
    int rc;
    s->job.result.status = PC_JOB_OK;
    s->job.result.seconds = pc_now() - s->job.started;
    rc = deliver(x, (size_t)s->job.idx, &s->job.result, err);
    s->answered = s->job.idx;
    progress_clear(&s->job);
    return rc;
}

/* The whole job failed (before its module line on the first attempt). */
static int fail_job(slot *s, const exec_ctx *x, pc_job_status st, const char *what,
                    pc_error *err)
{
    char *detail = with_tail(s, what, err);
    int rc;
    if (!detail)
        return -1;
    pc_job_result_fail(&s->job.result, st, detail, pc_now() - s->job.started);
    rc = deliver(x, (size_t)s->job.idx, &s->job.result, err);
    s->answered = s->job.idx;
    progress_clear(&s->job);
    return rc;
}

/* Every call not yet run gets `st` with `why`; the job is then complete. */
static int close_calls(slot *s, const exec_ctx *x, pc_job_status st, const char *why,
                       pc_error *err)
{
    while (s->job.next_call < s->job.result.ncalls)
        if (pc_result_fail_call(&s->job.result, s->job.next_call++, st, why, 0, err))
            return -1;
    return finish_job(s, x, err);
}

/* The job's process ended, or was killed, before the job was complete: charge the call
 * in flight (or the module body) with `st`, then resume after it if calls remain.
 * Returns 1 when the job continues (to be resent), 0 when it is over, -1 on error. */
static int charge_failure(slot *s, const exec_ctx *x, pc_job_status st, const char *what,
                          pc_error *err)
{
    size_t ncalls = s->job.result.ncalls;
    char *detail;
    const char *name;
    if (!s->job.module_seen && s->job.attempt == 0)
        return fail_job(s, x, st, what, err);
    detail = with_tail(s, what, err);
    if (!detail)
        return -1;
    if (!s->job.module_seen) {
        /* the module body failed when it was executed again: nothing more can run */
        char *why = pc_asprintf(err, "not run: the module body, executed again after %s, "
                                     "failed: %s", s->job.rerun, detail);
        int rc = why ? close_calls(s, x, PC_JOB_ERROR, why, err) : -1;
        free(why);
        free(detail);
        return rc;
    }
    if (s->job.next_call >= ncalls) {
        /* every call had answered: the process died on its way out; keep the results */
        int rc = pc_result_note_module(&s->job.result, detail, err);
        free(detail);
        return rc ? -1 : finish_job(s, x, err);
    }
    name = s->job.result.parts[s->job.next_call].name;
    if (pc_result_fail_call(&s->job.result, s->job.next_call++, st, detail,
                            pc_now() - s->job.call_start, err)) {
        free(detail);
        return -1;
    }
    free(detail);
    if (s->job.next_call >= ncalls)
        return finish_job(s, x, err);
    free(s->job.rerun);
    s->job.rerun = pc_asprintf(err, "`%s` %s", name,
                               st == PC_JOB_TIMEOUT ? "timed out" : st == PC_JOB_CRASH ? "crashed"
                                                                                      : "failed");
    if (!s->job.rerun)
        return -1;
    s->job.attempt++;
    return 1;
}

/* A runner that will not start: every job left to this interpreter (and the calls left
 * of the job being resumed) is an ERROR, at once. */
static int fail_interpreter(slot *s, const exec_ctx *x, const char *why, pc_error *err)
{
    char *detail = with_tail(s, why, err);
    if (!detail)
        return -1;
    slot_stop(s);
    if (s->job.idx >= 0 && close_calls(s, x, PC_JOB_ERROR, detail, err)) {
        free(detail);
        return -1;
    }
    while (s->next < s->njobs) {
        char *d = pc_strdup(detail, err);
        if (!d) {
            free(detail);
            return -1;
        }
        if (deliver_failed(x, s->jobs[s->next++], PC_JOB_ERROR, d, err)) {
            free(detail);
            return -1;
        }
    }
    free(detail);
    return 0;
}

/* ---- lines from the runner ----------------------------------------------------------- */

/* Pyodide interrupts a job itself at its timeout (runners/pyodide_host.mjs): a module
 * body or call that ended in KeyboardInterrupt past the timeout on a wasm build is a
 * TIMEOUT, as a kill would give. `failure` is its "error" or "outcome" object; `what`
 * gets the detail. */
static bool interrupted_at_timeout(const slot *s, const exec_ctx *x, json_t *failure, double now,
                                   char *what, size_t size)
{
    const char *type = json_string_value(json_object_get(failure, "type"));
    double timeout = pc_job_timeout(&x->plan->jobs[s->job.idx], x->opt->timeout);
    if (!s->interp->wasm || now - s->job.started < timeout || !type ||
        strcmp(type, "KeyboardInterrupt") != 0)
        return false;
    snprintf(what, size, "interrupted inside the interpreter after %.1f s (timeout %g s)",
             now - s->job.started, timeout);
    return true;
}

static int on_module(slot *s, const exec_ctx *x, pc_msg *m, pc_error *err)
{
    double now = pc_now();
    char what[160];
    /* the calls are then not made: the end line that follows finds no job */
    if (s->job.attempt == 0 &&
        interrupted_at_timeout(s, x, json_object_get(m->body, "error"), now, what, sizeof what))
        return fail_job(s, x, PC_JOB_TIMEOUT, what, err);
    s->job.module_seen = true;
    s->job.call_start = now;
    if (s->job.attempt == 0) {
        int rc = pc_result_set_module(&s->job.result, m->body, err);
        if (rc)
            return rc; /* 1: a malformed module line (a protocol error) */
    }
    return 0;
}

static int on_function(slot *s, const exec_ctx *x, pc_msg *m, pc_error *err)
{
    const char *name = json_string_value(json_object_get(m->body, "name"));
    size_t ncalls = s->job.result.ncalls;
    double now = pc_now();
    char what[160];
    if (json_object_get(m->body, "not_defined")) {
        /* named again by every resumed attempt: kept once */
        return pc_result_add_not_defined(&s->job.result, m->body, err);
    }
    if (s->job.next_call >= ncalls || !name ||
        strcmp(name, s->job.result.parts[s->job.next_call].name) != 0)
        return 1; /* not the call expected: a protocol error */
    if (interrupted_at_timeout(s, x, json_object_get(m->body, "outcome"), now, what, sizeof what)) {
        if (pc_result_fail_call(&s->job.result, s->job.next_call, PC_JOB_TIMEOUT, what,
                                now - s->job.call_start, err))
            return -1;
    } else {
        char *note = NULL;
        int rc;
        if (s->job.rerun && !(note = pc_asprintf(err, "ran in a fresh process after %s; the module "
                                                      "body was executed again", s->job.rerun)))
            return -1;
        rc = pc_result_set_call(&s->job.result, s->job.next_call, m->body, note, err);
        free(note);
        if (rc)
            return -1;
    }
    s->job.next_call++;
    s->job.call_start = now;
    return 0;
}

static int read_stderr(slot *s, pc_error *err);

static int on_end(slot *s, const exec_ctx *x, pc_msg *m, pc_error *err)
{
    char desc[200];
    size_t ncalls = s->job.result.ncalls;
    int rc;
    if (s->job.idx < 0) /* already answered (runner_error) */
        return next_job(s, x, err);
    if (m->exit_code == 0 && s->job.module_seen && s->job.next_call >= ncalls)
        return finish_job(s, x, err) ? -1 : next_job(s, x, err);
    /* what the job's process wrote to stderr before it ended is in the pipe by now (the
     * server reaped it before writing this line), but may not have been read yet: take
     * it, so that the failure's detail has its tail */
    if (read_stderr(s, err))
        return -1;
    if (m->term_signal > 0)
        snprintf(desc, sizeof desc, "the job's process was killed by signal %d (%s)",
                 m->term_signal, strsignal(m->term_signal));
    else
        snprintf(desc, sizeof desc, "the job's process ended with exit code %d during the call",
                 m->exit_code);
    rc = charge_failure(s, x, PC_JOB_CRASH, desc, err);
    if (rc < 0)
        return -1;
    return rc == 1 ? send_job(s, x, err) : next_job(s, x, err);
}

/* A line the runner should not have sent: the job in flight is charged with ERROR
 * and the runner is replaced. */
static int protocol_error(slot *s, const exec_ctx *x, const char *what, pc_error *err)
{
    int rc;
    slot_stop(s);
    if (s->job.idx < 0)
        return 0;
    rc = charge_failure(s, x, PC_JOB_ERROR, what, err);
    return rc < 0 ? -1 : 0; /* a resumed job is resent when the new runner is ready */
}

static int handle_line(slot *s, const exec_ctx *x, const char *line, size_t len, pc_error *err)
{
    pc_msg m;
    pc_error perr;
    int rc = 0;
    if (pc_msg_decode(&m, line, len, &perr)) {
        char *what;
        if (s->state == SLOT_STARTING) {
            what = pc_asprintf(err, "runner did not start: it printed %.200s", line);
            rc = what ? fail_interpreter(s, x, what, err) : -1;
        } else {
            what = pc_asprintf(err, "%s: %.200s", perr.msg, line);
            rc = what ? protocol_error(s, x, what, err) : -1;
        }
        free(what);
        return rc;
    }
    if (s->state == SLOT_STARTING) {
        if (m.kind != PC_MSG_HELLO)
            rc = fail_interpreter(s, x, "runner did not start: no hello", err);
        else if (s->job.idx >= 0)
            rc = send_job(s, x, err); /* resume the job in progress */
        else
            rc = next_job(s, x, err);
        pc_msg_free(&m);
        return rc;
    }
    if (s->state != SLOT_BUSY) {
        pc_msg_free(&m);
        return protocol_error(s, x, "runner line while no job was in flight", err);
    }
    if (m.kind == PC_MSG_END) {
        rc = on_end(s, x, &m, err);
    } else if (m.kind == PC_MSG_RUNNER_ERROR) {
        /* the runner could not run the job (bad job line, broken __dp__): ERROR for
         * what is left of it; the end line that follows finds no job in flight */
        char *what = pc_asprintf(err, "runner error: %s", m.text);
        if (!what)
            rc = -1;
        else if (s->job.idx < 0)
            rc = 0;
        else if (!s->job.module_seen && s->job.attempt == 0)
            rc = fail_job(s, x, PC_JOB_ERROR, what, err);
        else
            rc = close_calls(s, x, PC_JOB_ERROR, what, err);
        free(what);
    } else if (s->job.idx < 0) {
        if (m.id != s->answered) /* lines of a job answered early are dropped */
            rc = protocol_error(s, x, "runner line after the job was over", err);
    } else if (m.id != s->job.idx) {
        rc = protocol_error(s, x, "runner line for another job", err);
    } else if (m.kind == PC_MSG_MODULE) {
        rc = s->job.module_seen ? protocol_error(s, x, "second module line", err)
                                : on_module(s, x, &m, err);
        if (rc == 1)
            rc = protocol_error(s, x, "module line without a list of calls", err);
    } else if (m.kind == PC_MSG_FUNCTION) {
        rc = s->job.module_seen ? on_function(s, x, &m, err) : 1;
        if (rc == 1)
            rc = protocol_error(s, x, "function line out of order", err);
    } else {
        rc = protocol_error(s, x, "second hello", err);
    }
    pc_msg_free(&m);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Read what is there (at most READ_TURN bytes) and handle every complete line. */
static int read_stdout(slot *s, const exec_ctx *x, bool *eof, pc_error *err)
{
    char chunk[65536];
    size_t got = 0, start;
    while (got < READ_TURN && s->state != SLOT_IDLE) {
        ssize_t n = read(s->ps->child.out, chunk, sizeof chunk);
        char *nl;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            *eof = true;
            return 0;
        }
        got += (size_t)n;
        if (pc_buf_append(&s->out, chunk, (size_t)n, err))
            return -1;
        /* every complete line, then what was handled is dropped at once: each byte is
         * scanned for a newline once and moved at most once */
        start = 0;
        while (s->state != SLOT_IDLE &&
               (nl = memchr(s->out.data + s->out_scanned, '\n', s->out.len - s->out_scanned))) {
            size_t line = start, linelen = (size_t)(nl - s->out.data) - start;
            int rc;
            *nl = '\0';
            start = s->out_scanned = line + linelen + 1;
            rc = handle_line(s, x, s->out.data + line, linelen, err);
            if (rc)
                return rc;
        }
        if (s->state == SLOT_IDLE)
            return 0; /* the runner was replaced: its buffer is gone */
        pc_buf_consume(&s->out, start);
        s->out_scanned = s->out.len;
        if (s->out.len > x->max_line) {
            char what[160];
            snprintf(what, sizeof what, "runner line longer than %zu bytes", x->max_line);
            return protocol_error(s, x, what, err);
        }
    }
    return 0;
}

/* Keep the last STDERR_TAIL bytes; count all of them. */
static int read_stderr(slot *s, pc_error *err)
{
    char chunk[65536];
    size_t got = 0;
    while (got < READ_TURN && s->ps) {
        ssize_t n = read(s->ps->child.err, chunk, sizeof chunk);
        size_t keep;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
        s->err_total += (size_t)n;
        keep = (size_t)n > STDERR_TAIL ? STDERR_TAIL : (size_t)n;
        if (pc_buf_append(&s->err, chunk + n - keep, keep, err))
            return -1;
        if (s->err.len > STDERR_TAIL)
            pc_buf_consume(&s->err, s->err.len - STDERR_TAIL);
    }
    return 0;
}

/* The runner's stdout closed: it died. Reap it and charge what it was doing. */
static int handle_exit(slot *s, const exec_ctx *x, pc_error *err)
{
    int status = 0;
    char desc[160], what[256];
    read_stderr(s, err);
    pc_pool_reap(s->ps, &status);
    s->ps = NULL;
    pc_status_describe(status, desc, sizeof desc);
    if (s->state == SLOT_STARTING) {
        s->state = SLOT_IDLE;
        snprintf(what, sizeof what, "runner did not start: it exited before its hello (%s)", desc);
        return fail_interpreter(s, x, what, err);
    }
    s->state = SLOT_IDLE;
    if (s->job.idx < 0)
        return 0;
    snprintf(what, sizeof what, "runner died during the job (%s)", desc);
    return charge_failure(s, x, PC_JOB_CRASH, what, err) < 0 ? -1 : 0;
}

static int handle_deadline(slot *s, const exec_ctx *x, pc_error *err)
{
    char what[200];
    bool starting = s->state == SLOT_STARTING;
    slot_stop(s);
    read_stderr(s, err);
    if (starting) {
        snprintf(what, sizeof what, "runner did not start within %g s (--startup-timeout)",
                 x->opt->startup_timeout);
        return fail_interpreter(s, x, what, err);
    }
    if (s->job.idx < 0)
        return 0;
    snprintf(what, sizeof what, "no result within %g s (--timeout%s); the job's processes were killed",
             pc_job_timeout(&x->plan->jobs[s->job.idx], x->opt->timeout),
             x->plan->jobs[s->job.idx].kase->suite ? " x 30 for a suite job" : "");
    return charge_failure(s, x, PC_JOB_TIMEOUT, what, err) < 0 ? -1 : 0;
}

static bool slot_has_work(const slot *s)
{
    return s->job.idx >= 0 || s->next < s->njobs;
}

/* ---- the driver ---------------------------------------------------------------------- */

/* One slot per interpreter, holding its jobs in plan order; skipped jobs, jobs of a
 * build that could not be probed, and jobs whose translation failed, are answered here
 * and never sent. */
static int make_slots(const pc_plan *plan, const exec_ctx *x, slot **out, size_t *nout,
                      pc_error *err)
{
    slot *slots = NULL;
    size_t nslots = 0, cap = 0, i;
    *out = NULL;
    *nout = 0;
    for (i = 0; i < plan->len; i++) {
        const pc_interp *in = plan->jobs[i].interp;
        char skip[256];
        const char *why = pc_job_skip_reason(&plan->jobs[i], skip, sizeof skip) ? skip
                          : pc_job_error(&plan->jobs[i]) ? pc_job_error(&plan->jobs[i])
                          : plan->jobs[i].translation ? plan->jobs[i].translation->failure
                                                      : NULL;
        slot *s = NULL;
        size_t k;
        if (why) {
            char *d = pc_strdup(why, err);
            if (!d)
                goto fail;
            if (deliver_failed(x, i, plan->jobs[i].skip ? PC_JOB_SKIPPED : PC_JOB_ERROR, d, err))
                goto fail;
            continue;
        }
        for (k = 0; k < nslots && !s; k++)
            if (slots[k].interp == in)
                s = &slots[k];
        if (!s) {
            if (pc_grow(&slots, &cap, nslots + 1, sizeof *slots, err))
                goto fail;
            s = &slots[nslots++];
            memset(s, 0, sizeof *s);
            s->interp = in;
            s->job.idx = -1;
            s->answered = -1;
        }
        if (pc_grow(&s->jobs, &s->cap, s->njobs + 1, sizeof *s->jobs, err))
            goto fail;
        s->jobs[s->njobs++] = i;
    }
    *out = slots;
    *nout = nslots;
    return 0;
fail:
    for (i = 0; i < nslots; i++)
        free(slots[i].jobs);
    free(slots);
    return -1;
}

static void free_slots(slot *slots, size_t nslots)
{
    size_t i;
    for (i = 0; i < nslots; i++) {
        slot_stop(&slots[i]);
        progress_clear(&slots[i].job);
        free(slots[i].jobs);
        free(slots[i].argv);
        free(slots[i].env);
        pc_buf_free(&slots[i].out);
        pc_buf_free(&slots[i].err);
    }
    free(slots);
}

/* The signal that arrived on stop_fd, or 0. */
static int read_stop(int fd)
{
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    return n == (ssize_t)sizeof si ? (int)si.ssi_signo : n > 0 ? SIGTERM : 0;
}

/* Schedule order: the slots whose builds took longest in the previous run first (their
 * est_seconds, from timings.json: see schedule.h), as lit's smart order does, so that a
 * long build does not start last and leave the other cores idle at the end. Builds
 * without a time come first (nothing says they are short), Pyodide builds (whose
 * start-up alone is seconds) ahead of the others, then by job count. */
static int slot_order(const void *pa, const void *pb)
{
    const slot *a = pa, *b = pb;
    bool ka = a->interp->est_seconds > 0, kb = b->interp->est_seconds > 0;
    if (ka != kb)
        return ka ? 1 : -1;
    if (ka && a->interp->est_seconds != b->interp->est_seconds)
        return a->interp->est_seconds > b->interp->est_seconds ? -1 : 1;
    if (a->interp->wasm != b->interp->wasm)
        return a->interp->wasm ? -1 : 1;
    if (a->njobs != b->njobs)
        return a->njobs > b->njobs ? -1 : 1;
    return a->jobs[0] < b->jobs[0] ? -1 : 1; /* plan order */
}

typedef struct exec_run {
    exec_ctx x;
    slot *slots; /* in schedule order */
    size_t nslots;
    bool halt;   /* exec_ctx.halt points here */
} exec_run;

static bool exec_halted(void *ctx)
{
    return ((exec_run *)ctx)->halt;
}

/* The pool has a free slot: start the runner of a resumed job first (so the rest of
 * that job does not wait behind another interpreter's batch), else the first
 * interpreter in schedule order that still has work: the ones before it are done or
 * running, so this is the next one not started yet, unless a runner was replaced
 * between two jobs (a protocol error), which then goes on before a new one starts. */
static int exec_next(void *ctx, pc_pool_slot *ps, pc_error *err)
{
    exec_run *r = ctx;
    size_t i, pass;
    (void)err;
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < r->nslots; i++) {
            slot *s = &r->slots[i];
            if (s->state == SLOT_IDLE && slot_has_work(s) && (pass == 1 || s->job.idx >= 0)) {
                slot_start(s, &r->x, ps);
                return 1;
            }
        }
    return 0;
}

static int exec_start_failed(void *ctx, pc_pool_slot *ps, const char *why, pc_error *err)
{
    exec_run *r = ctx;
    slot *s = ps->task;
    char *what = pc_asprintf(err, "cannot start runner: %s", why);
    int rc;
    s->ps = NULL;
    s->state = SLOT_IDLE;
    rc = what ? fail_interpreter(s, &r->x, what, err) : -1;
    free(what);
    return rc;
}

static int exec_readable(void *ctx, pc_pool_slot *ps, int stream, pc_error *err)
{
    exec_run *r = ctx;
    slot *s = ps->task;
    bool eof = false;
    if (stream == 2)
        return read_stderr(s, err);
    if (read_stdout(s, &r->x, &eof, err))
        return -1;
    if (eof && s->state != SLOT_IDLE && handle_exit(s, &r->x, err))
        return -1;
    if ((s->state == SLOT_READY || s->state == SLOT_BUSY) && !slot_has_work(s)) {
        /* all its jobs are answered (the end line of one answered early is not waited
         * for): kill and reap it */
        slot_stop(s);
    }
    return 0;
}

static int exec_deadline(void *ctx, pc_pool_slot *ps, pc_error *err)
{
    exec_run *r = ctx;
    return handle_deadline(ps->task, &r->x, err);
}

/* Only the stop fd ends a runner behind our back: the pool killed and reaped it. */
static int exec_finish(void *ctx, pc_pool_slot *ps, int status, pc_error *err)
{
    slot *s = ps->task;
    (void)ctx;
    (void)status;
    (void)err;
    s->ps = NULL;
    s->state = SLOT_IDLE;
    return 0;
}

int pc_execute(const pc_plan *plan, const pc_exec_options *opt, pc_exec_on_result on_result,
               void *ctx, int *stopped_by, pc_error *err)
{
    static const pc_pool_ops ops = {exec_next, exec_start_failed, exec_readable, exec_deadline,
                                    exec_finish, exec_halted};
    exec_run r = {{plan, opt, on_result, ctx, {opt->timeout, opt->max_output, opt->max_memory, 0}, 0,
                   NULL},
                  NULL, 0, false};
    exec_ctx *x = &r.x;
    bool stopped = false;
    size_t i;
    int rc = -1;

    *stopped_by = 0;
    x->halt = &r.halt;
    x->limits.max_line = pc_runner_max_line(opt->max_output);
    x->max_line = x->limits.max_line + (1u << 20);
    if (make_slots(plan, x, &r.slots, &r.nslots, err))
        return -1;
    for (i = 0; i < r.nslots; i++)
        if (slot_prepare(&r.slots[i], opt, err))
            goto out;
    if (r.nslots > 1)
        qsort(r.slots, r.nslots, sizeof *r.slots, slot_order);
    rc = pc_pool_run(opt->parallel > 0 ? (size_t)opt->parallel : 1, opt->stop_fd, &ops, &r,
                     &stopped, err);
    for (i = 0; i < r.nslots; i++) {
        r.slots[i].ps = NULL; /* the pool has killed and reaped whatever still ran */
        r.slots[i].state = SLOT_IDLE;
    }
    if (rc || !stopped)
        goto out;

    /* Interrupted, or halted by on_result: the pool killed and reaped every runner;
     * what did not finish stays NOT_RUN, calls of a job in flight included. */
    if (!r.halt && (*stopped_by = read_stop(opt->stop_fd)) == 0)
        *stopped_by = SIGTERM;
    for (i = 0; i < r.nslots && rc == 0; i++) {
        slot *s = &r.slots[i];
        if (s->job.idx >= 0 && s->job.module_seen) {
            char why[64];
            if (r.halt)
                snprintf(why, sizeof why, "not run: the run was cut short");
            else
                snprintf(why, sizeof why, "not run: interrupted by signal %d", *stopped_by);
            rc = close_calls(s, x, PC_JOB_NOT_RUN, why, err);
        }
    }
out:
    free_slots(r.slots, r.nslots);
    return rc;
}
