/* The process pool: slots, deadlines, the stop fd, the order of callbacks, start
 * failures, input and client-side readers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

/* A test client: a list of shell commands (or argv vectors), a log of callbacks. */
typedef struct task {
    char *argv[4];
    double timeout;    /* seconds; 0: no deadline */
    const char *input; /* written to stdin */
    /* out */
    bool finished, failed, timed_out, stopped;
    int status;
    pid_t pid;
    char out[256];
    size_t out_len;
    char err[256];
    double seconds;
} task;

typedef struct client {
    task *tasks;
    size_t n, next;
    char log[2048];
    int running, max_running;
    int stop_write_fd;     /* >= 0: write a byte to it once the last task has started */
    bool own_reader;       /* read stdout/stderr in on_readable */
    size_t reads;
} client;

static void logf_(client *c, const char *fmt, size_t i)
{
    size_t len = strlen(c->log);
    snprintf(c->log + len, sizeof c->log - len, fmt, i);
}

static int next_task(void *ctx, pc_pool_slot *s, pc_error *err)
{
    client *c = ctx;
    task *t;
    (void)err;
    if (c->next >= c->n) {
        logf_(c, "none ", 0);
        return 0;
    }
    t = &c->tasks[c->next];
    logf_(c, "next%zu ", c->next);
    s->task = (void *)(c->next++);
    s->child.argv = t->argv;
    s->child.pipe_out = s->child.pipe_err = true;
    if (t->input) {
        s->child.pipe_in = true;
        s->input = t->input;
        s->input_len = strlen(t->input);
    }
    s->deadline = t->timeout > 0 ? pc_now() + t->timeout : 0;
    if (++c->running > c->max_running)
        c->max_running = c->running;
    if (c->next == c->n && c->stop_write_fd >= 0) {
        /* the stop signal arrives while every task is running */
        cr_assert_eq(write(c->stop_write_fd, "x", 1), 1);
    }
    return 1;
}

static int start_failed(void *ctx, pc_pool_slot *s, const char *why, pc_error *err)
{
    client *c = ctx;
    task *t = &c->tasks[(size_t)s->task];
    (void)err;
    cr_assert_eq(s->state, PC_SLOT_FREE);
    cr_assert(strstr(why, "cannot execute") != NULL, "%s", why);
    t->failed = true;
    c->running--;
    logf_(c, "failed%zu ", (size_t)s->task);
    return 0;
}

static void copy_out(char *dst, size_t size, const pc_buf *b)
{
    size_t n = b->len < size - 1 ? b->len : size - 1;
    memcpy(dst, b->data ? b->data : "", n);
    dst[n] = '\0';
}

static int on_finish(void *ctx, pc_pool_slot *s, int status, pc_error *err)
{
    client *c = ctx;
    task *t = &c->tasks[(size_t)s->task];
    (void)err;
    cr_assert_eq(s->state, PC_SLOT_DONE);
    cr_assert(!t->finished, "on_finish called twice");
    t->finished = true;
    t->status = status;
    t->timed_out = s->timed_out;
    t->stopped = s->stopped;
    t->seconds = pc_now() - s->started;
    t->out_len = s->out.len;
    if (!c->own_reader) {
        copy_out(t->out, sizeof t->out, &s->out);
        copy_out(t->err, sizeof t->err, &s->err);
    }
    c->running--;
    logf_(c, "finish%zu ", (size_t)s->task);
    return 0;
}

static int on_readable(void *ctx, pc_pool_slot *s, int stream, pc_error *err)
{
    client *c = ctx;
    task *t = &c->tasks[(size_t)s->task];
    char *dst = stream == 1 ? t->out : t->err;
    size_t len = strlen(dst);
    ssize_t n;
    (void)err;
    c->reads++;
    n = read(stream == 1 ? s->child.out : s->child.err, dst + len, sizeof t->out - 1 - len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return 1;
    dst[len + (size_t)n] = '\0';
    return 0;
}

static const pc_pool_ops ops = {next_task, start_failed, NULL, NULL, on_finish, NULL};
static const pc_pool_ops reader_ops = {next_task, start_failed, on_readable, NULL, on_finish, NULL};

static void sh(task *t, const char *script, double timeout)
{
    t->argv[0] = "/bin/sh";
    t->argv[1] = "-c";
    t->argv[2] = (char *)script;
    t->argv[3] = NULL;
    t->timeout = timeout;
}

static int run_pool(client *c, size_t width, int stop_fd, const pc_pool_ops *o, bool *stopped)
{
    pc_error err = {0};
    int rc = pc_pool_run(width, stop_fd, o, c, stopped, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    return rc;
}

/* The pid has no process any more (or only a zombie about to be collected by init). */
static bool gone(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    size_t n;
    char *close_paren;
    if (kill(pid, 0) != 0)
        return true;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return true;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

static bool gone_soon(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        if (gone(pid))
            return true;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

Test(pool, runs_n_children_on_width_slots)
{
    task t[6] = {0};
    client c = {.tasks = t, .n = 6, .stop_write_fd = -1};
    char scripts[6][64];
    bool stopped;
    double t0 = pc_now();
    for (size_t i = 0; i < 6; i++) {
        snprintf(scripts[i], sizeof scripts[i], "sleep 0.2; echo out%zu; echo err%zu >&2; exit %zu",
                 i, i, i);
        sh(&t[i], scripts[i], 20);
    }
    run_pool(&c, 2, -1, &ops, &stopped);
    cr_assert(!stopped);
    cr_assert_eq(c.max_running, 2, "at most width children at once, and width used");
    for (size_t i = 0; i < 6; i++) {
        char want[16];
        cr_assert(t[i].finished && !t[i].timed_out && !t[i].stopped);
        cr_assert(WIFEXITED(t[i].status) && WEXITSTATUS(t[i].status) == (int)i);
        snprintf(want, sizeof want, "out%zu\n", i);
        cr_assert_str_eq(t[i].out, want);
        snprintf(want, sizeof want, "err%zu\n", i);
        cr_assert_str_eq(t[i].err, want);
    }
    /* 6 x 0.2 s on 2 slots: about 0.6 s, not 1.2 s */
    cr_assert_lt(pc_now() - t0, 1.1);
}

Test(pool, a_hanging_child_is_killed_at_its_deadline_with_its_group)
{
    task t[2] = {0};
    client c = {.tasks = t, .n = 2, .stop_write_fd = -1};
    bool stopped;
    pid_t grandchild;
    /* the grandchild holds no pipe: only the group kill can end it */
    sh(&t[0], "sleep 30 >/dev/null 2>&1 & echo $!; sleep 30", 0.5);
    sh(&t[1], "echo quick", 20);
    run_pool(&c, 2, -1, &ops, &stopped);
    cr_assert(t[0].finished && t[0].timed_out);
    cr_assert(WIFSIGNALED(t[0].status) && WTERMSIG(t[0].status) == SIGKILL);
    cr_assert_geq(t[0].seconds, 0.45);
    cr_assert_lt(t[0].seconds, 3.0);
    grandchild = (pid_t)atoi(t[0].out);
    cr_assert_gt(grandchild, 0, "output: %s", t[0].out);
    cr_assert(gone_soon(grandchild), "the group was killed");
    cr_assert(t[1].finished && !t[1].timed_out);
    cr_assert_str_eq(t[1].out, "quick\n");
}

Test(pool, stop_fd_kills_and_reaps_every_child)
{
    task t[3] = {0};
    int p[2];
    client c = {.tasks = t, .n = 3};
    bool stopped = false;
    char byte;
    double t0 = pc_now();
    cr_assert_eq(pipe(p), 0);
    c.stop_write_fd = p[1];
    for (size_t i = 0; i < 3; i++)
        sh(&t[i], "sleep 30", 60);
    run_pool(&c, 3, p[0], &ops, &stopped);
    cr_assert(stopped);
    cr_assert_lt(pc_now() - t0, 5.0);
    for (size_t i = 0; i < 3; i++) {
        cr_assert(t[i].finished && t[i].stopped && !t[i].timed_out);
        cr_assert(WIFSIGNALED(t[i].status) && WTERMSIG(t[i].status) == SIGKILL);
    }
    /* every child was reaped: nothing is left to wait for */
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
    cr_assert_eq(errno, ECHILD);
    /* the signal is left for the caller */
    cr_assert_eq(read(p[0], &byte, 1), 1);
    close(p[0]);
    close(p[1]);
}

Test(pool, callbacks_come_in_order)
{
    task t[3] = {0};
    client c = {.tasks = t, .n = 3, .stop_write_fd = -1};
    bool stopped;
    sh(&t[0], "echo a", 20);
    sh(&t[1], "echo b", 20);
    sh(&t[2], "echo c", 20);
    run_pool(&c, 1, -1, &ops, &stopped);
    cr_assert_str_eq(c.log, "next0 finish0 next1 finish1 next2 finish2 none ");
}

Test(pool, a_child_that_fails_to_start_frees_its_slot)
{
    task t[2] = {0};
    client c = {.tasks = t, .n = 2, .stop_write_fd = -1};
    bool stopped;
    t[0].argv[0] = "/nonexistent/pyconform-test-program";
    sh(&t[1], "echo after", 20);
    run_pool(&c, 1, -1, &ops, &stopped);
    cr_assert(t[0].failed && !t[0].finished);
    cr_assert(t[1].finished);
    cr_assert_str_eq(t[1].out, "after\n");
    cr_assert_str_eq(c.log, "next0 failed0 next1 finish1 none ");
}

Test(pool, input_is_written_while_output_is_read)
{
    task t[1] = {0};
    client c = {.tasks = t, .n = 1, .stop_write_fd = -1};
    bool stopped;
    size_t len = 4u << 20; /* far more than a pipe holds, both ways */
    char *big = malloc(len + 1);
    pc_error err = {0};
    cr_assert_not_null(big);
    memset(big, 'x', len);
    big[len] = '\0';
    sh(&t[0], "cat; echo done >&2", 20);
    t[0].input = big;
    /* capture into the slot's buffers: check the length in on_finish's copy */
    cr_assert_eq(pc_pool_run(1, -1, &ops, &c, &stopped, &err), 0, "%s", err.msg);
    cr_assert(t[0].finished && !t[0].timed_out);
    cr_assert(WIFEXITED(t[0].status) && WEXITSTATUS(t[0].status) == 0);
    cr_assert_eq(t[0].out_len, len);
    cr_assert_str_eq(t[0].err, "done\n");
    free(big);
}

Test(pool, a_client_reader_sees_both_streams_then_on_finish)
{
    task t[2] = {0};
    client c = {.tasks = t, .n = 2, .stop_write_fd = -1, .own_reader = true};
    bool stopped;
    sh(&t[0], "echo one; echo two >&2", 20);
    sh(&t[1], "echo three", 20);
    run_pool(&c, 2, -1, &reader_ops, &stopped);
    cr_assert(t[0].finished && t[1].finished);
    cr_assert_str_eq(t[0].out, "one\n");
    cr_assert_str_eq(t[0].err, "two\n");
    cr_assert_str_eq(t[1].out, "three\n");
    cr_assert_geq(c.reads, 4); /* data and end of file on each stream at least */
}

/* on_deadline: the client moves the deadline once, then ends the child itself. */
static int extend_then_kill(void *ctx, pc_pool_slot *s, pc_error *err)
{
    client *c = ctx;
    (void)err;
    if (c->reads++ == 0) {
        s->deadline = pc_now() + 0.2;
        return 0;
    }
    c->tasks[(size_t)s->task].timed_out = true;
    c->running--;
    pc_pool_kill(s);
    cr_assert_eq(s->state, PC_SLOT_FREE);
    return 0;
}

Test(pool, on_deadline_may_extend_or_end_the_child)
{
    task t[1] = {0};
    client c = {.tasks = t, .n = 1, .stop_write_fd = -1};
    pc_pool_ops o = {next_task, start_failed, NULL, extend_then_kill, on_finish, NULL};
    bool stopped;
    double t0 = pc_now();
    sh(&t[0], "sleep 30", 0.2);
    run_pool(&c, 1, -1, &o, &stopped);
    cr_assert_eq(c.reads, 2);
    cr_assert(t[0].timed_out && !t[0].finished, "no on_finish after the client ended it");
    cr_assert_geq(pc_now() - t0, 0.35);
    cr_assert_lt(pc_now() - t0, 3.0);
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
}

/* halted(): the client stops the run from its own state, as the stop fd does. Here it
 * asks once the first task (quick) has finished: the sleepers still running are killed
 * with `stopped` set, the task not started yet never starts, and nothing is left. */
static bool halt_after_one(void *ctx)
{
    client *c = ctx;
    return c->tasks[0].finished;
}

Test(pool, halted_stops_the_run_like_the_stop_fd)
{
    task t[4];
    client c = {.tasks = t, .n = 4, .stop_write_fd = -1};
    memset(t, 0, sizeof t);
    pc_pool_ops o = {next_task, start_failed, NULL, NULL, on_finish, halt_after_one};
    bool stopped = false;
    double t0 = pc_now();
    sh(&t[0], "exit 0", 0);
    sh(&t[1], "sleep 30", 0);
    sh(&t[2], "sleep 30", 0);
    sh(&t[3], "exit 0", 0);
    run_pool(&c, 3, -1, &o, &stopped);
    cr_assert(stopped, "the pool says it was stopped");
    cr_assert(t[0].finished && !t[0].stopped);
    cr_assert(t[1].finished && t[1].stopped && t[2].finished && t[2].stopped, "%s", c.log);
    cr_assert(!t[3].finished && c.next == 3, "the fourth task never started: %s", c.log);
    cr_assert_lt(pc_now() - t0, 10.0);
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1);
}
