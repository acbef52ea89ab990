/* pool.c - see pool.h.
 *
 * One turn of the loop: fill free slots (next_task); poll the stop fd and every running
 * slot's pipes, with the nearest deadline as timeout; hand each ready fd to its reader
 * (the client's, or the capture below; at most READ_TURN bytes per fd per turn, so
 * deadlines are looked at while output is still arriving); write pending input; then
 * reap the slots whose output has closed and handle the deadlines that have passed.
 */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_TURN (1u << 20)
#define WRITE_CHUNK 65536

void pc_pool_reap(pc_pool_slot *s, int *status)
{
    if (s->state != PC_SLOT_FREE)
        pc_child_finish(&s->child, status);
    s->state = PC_SLOT_FREE;
    s->out_open = s->err_open = false;
}

void pc_pool_kill(pc_pool_slot *s)
{
    if (s->state == PC_SLOT_RUNNING)
        pc_child_kill(&s->child);
    pc_pool_reap(s, NULL);
}

static void nonblock(int fd)
{
    if (fd >= 0)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Ask for tasks for the free slots while there are any. 0, or -1 on error. */
static int fill(pc_pool_slot *slots, size_t n, const pc_pool_ops *ops, void *ctx, pc_error *err)
{
    size_t i;
    for (i = 0; i < n; i++) {
        pc_pool_slot *s = &slots[i];
        while (s->state == PC_SLOT_FREE) {
            pc_error cerr;
            int r;
            memset(&s->child, 0, sizeof s->child);
            s->task = NULL;
            s->deadline = 0;
            s->input = NULL;
            s->input_len = s->input_off = 0;
            s->timed_out = s->stopped = false;
            pc_buf_clear(&s->out);
            pc_buf_clear(&s->err);
            r = ops->next_task(ctx, s, err);
            if (r <= 0)
                return r; /* nothing more for now: later slots would get nothing either */
            s->child.new_group = true;
            s->child.stop_fd = 0; /* the pool watches it, not pc_child_capture */
            if (pc_child_start(&s->child, &cerr) != 0) {
                if (ops->start_failed(ctx, s, cerr.msg, err))
                    return -1;
                continue;
            }
            s->state = PC_SLOT_RUNNING;
            s->started = pc_now();
            s->out_open = s->child.out >= 0;
            s->err_open = s->child.err >= 0;
            if (!s->out_open && !s->err_open) {
                /* nothing to watch: the pool could never see it end */
                pc_pool_kill(s);
                if (ops->start_failed(ctx, s, "neither stdout nor stderr is piped", err))
                    return -1;
                continue;
            }
            nonblock(s->child.out);
            nonblock(s->child.err);
            if (s->input && s->child.in >= 0)
                nonblock(s->child.in);
            if (s->input && s->child.in >= 0 && s->input_off >= s->input_len) {
                close(s->child.in); /* nothing to say: the child sees EOF */
                s->child.in = -1;
            }
        }
    }
    return 0;
}

/* Read what is there into the capture buffer. 1 at end of file, 0, or -1. */
static int capture(pc_pool_slot *s, int stream, pc_error *err)
{
    char chunk[65536];
    size_t got = 0;
    int fd = stream == 1 ? s->child.out : s->child.err;
    pc_buf *dst = stream == 1 ? &s->out : &s->err;
    while (got < READ_TURN) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0)
            return 1;
        got += (size_t)n;
        if (pc_buf_append(dst, chunk, (size_t)n, err))
            return -1;
    }
    return 0;
}

static void write_input(pc_pool_slot *s)
{
    size_t left = s->input_len - s->input_off;
    ssize_t n = write(s->child.in, s->input + s->input_off, left > WRITE_CHUNK ? WRITE_CHUNK : left);
    if (n > 0)
        s->input_off += (size_t)n;
    if ((n < 0 && errno != EINTR && errno != EAGAIN) || s->input_off >= s->input_len) {
        close(s->child.in); /* done, or the child stopped reading */
        s->child.in = -1;
    }
}

/* The child's output has closed (or the pool killed it): reap it and tell the client. */
static int finish(pc_pool_slot *s, const pc_pool_ops *ops, void *ctx, pc_error *err)
{
    int status = 0;
    pc_child_finish(&s->child, &status);
    s->state = PC_SLOT_DONE;
    s->out_open = s->err_open = false;
    if (ops->on_finish && ops->on_finish(ctx, s, status, err)) {
        s->state = PC_SLOT_FREE;
        return -1;
    }
    s->state = PC_SLOT_FREE;
    return 0;
}

/* Stop: every running child is killed and reaped (on_finish with `stopped` set). */
static int stop_all(pc_pool_slot *slots, size_t width, const pc_pool_ops *ops, void *ctx,
                    pc_error *err)
{
    size_t k;
    for (k = 0; k < width; k++) {
        if (slots[k].state != PC_SLOT_RUNNING)
            continue;
        pc_child_kill(&slots[k].child);
        slots[k].stopped = true;
        if (finish(&slots[k], ops, ctx, err))
            return -1;
    }
    return 0;
}

static void kill_all(pc_pool_slot *slots, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        pc_pool_kill(&slots[i]);
}

int pc_pool_run(size_t width, int stop_fd, const pc_pool_ops *ops, void *ctx, bool *stopped,
                pc_error *err)
{
    pc_pool_slot *slots = calloc(width ? width : 1, sizeof *slots);
    struct pollfd *fds = calloc(3 * (width ? width : 1) + 1, sizeof *fds);
    size_t *owner = calloc(3 * (width ? width : 1) + 1, sizeof *owner);
    size_t i;
    int rc = -1;

    *stopped = false;
    if (!slots || !fds || !owner) {
        pc_oom(err);
        goto out;
    }
    if (width == 0)
        width = 1;
    for (i = 0; i < width; i++)
        slots[i].index = i;

    for (;;) {
        nfds_t nfds = 0;
        double now, nearest = 0;
        int wait_ms, r;
        size_t running = 0;

        if (ops->halted && ops->halted(ctx)) { /* before anything new starts */
            *stopped = true;
            rc = stop_all(slots, width, ops, ctx, err);
            goto out;
        }
        if (fill(slots, width, ops, ctx, err))
            goto out;
        for (i = 0; i < width; i++) {
            pc_pool_slot *s = &slots[i];
            if (s->state != PC_SLOT_RUNNING)
                continue;
            running++;
            if (s->out_open) {
                fds[nfds] = (struct pollfd){.fd = s->child.out, .events = POLLIN};
                owner[nfds++] = i;
            }
            if (s->err_open) {
                fds[nfds] = (struct pollfd){.fd = s->child.err, .events = POLLIN};
                owner[nfds++] = i;
            }
            if (s->input && s->child.in >= 0) {
                fds[nfds] = (struct pollfd){.fd = s->child.in, .events = POLLOUT};
                owner[nfds++] = i;
            }
            if (s->deadline > 0 && (nearest == 0 || s->deadline < nearest))
                nearest = s->deadline;
        }
        if (running == 0)
            break;
        if (stop_fd >= 0) {
            fds[nfds] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
            owner[nfds++] = width;
        }
        now = pc_now();
        wait_ms = nearest == 0 ? -1 : nearest > now ? (int)((nearest - now) * 1000) + 1 : 0;
        r = poll(fds, nfds, wait_ms);
        if (r < 0 && errno != EINTR) {
            pc_fail(err, "poll: %s", strerror(errno));
            goto out;
        }
        for (i = 0; r > 0 && i < nfds; i++) {
            pc_pool_slot *s;
            int stream, got;
            if (!fds[i].revents)
                continue;
            if (owner[i] == width) {
                /* stop: every child is killed and reaped; the signal stays unread */
                *stopped = true;
                rc = stop_all(slots, width, ops, ctx, err);
                goto out;
            }
            s = &slots[owner[i]];
            if (s->state != PC_SLOT_RUNNING)
                continue; /* ended during this turn */
            if (fds[i].fd == s->child.in && s->input) {
                write_input(s);
                continue;
            }
            if (fds[i].fd == s->child.out && s->out_open)
                stream = 1;
            else if (fds[i].fd == s->child.err && s->err_open)
                stream = 2;
            else
                continue;
            got = ops->on_readable ? ops->on_readable(ctx, s, stream, err) : capture(s, stream, err);
            if (got < 0)
                goto out;
            if (got == 1 && s->state == PC_SLOT_RUNNING) {
                if (stream == 1)
                    s->out_open = false;
                else
                    s->err_open = false;
            }
            if (s->state == PC_SLOT_RUNNING && !s->out_open && !s->err_open &&
                finish(s, ops, ctx, err))
                goto out;
        }
        now = pc_now();
        for (i = 0; i < width; i++) {
            pc_pool_slot *s = &slots[i];
            double due = s->deadline;
            if (s->state != PC_SLOT_RUNNING || due <= 0 || due > now)
                continue;
            if (ops->on_deadline && ops->on_deadline(ctx, s, err))
                goto out;
            if (s->state == PC_SLOT_RUNNING && s->deadline == due) {
                pc_child_kill(&s->child);
                s->timed_out = true;
                if (finish(s, ops, ctx, err))
                    goto out;
            }
        }
    }
    rc = 0;
out:
    if (slots) {
        kill_all(slots, width);
        for (i = 0; i < width; i++) {
            pc_buf_free(&slots[i].out);
            pc_buf_free(&slots[i].err);
        }
    }
    free(slots);
    free(fds);
    free(owner);
    return rc;
}
