/* pool.h - N slots of child processes driven by one poll loop (modelled on git's
 * run_processes_parallel; the loop knows nothing of its clients, as redis's ae.c).
 *
 * The client gives callbacks and a context; the pool asks it for tasks while a slot is
 * free, starts each task's child (process.c: pc_child_start, always as the leader of a
 * new process group), watches its pipes and its deadline, and tells the client what
 * happened. The life of a slot:
 *
 *   FREE --next_task()=1, started--> RUNNING --pipes closed, reaped--> on_finish() -> FREE
 *        \--next_task()=1, failed--> start_failed() -> FREE (asked again)
 *   RUNNING --deadline passed--> on_deadline() (or, without one: killed, reaped,
 *             timed_out set, on_finish()) -> FREE
 *   RUNNING --stop_fd readable, or halted()--> killed, reaped, stopped set, on_finish() -> FREE
 *   RUNNING --the client calls pc_pool_kill()/pc_pool_reap() in a callback--> FREE
 *
 * Output: with on_readable the client reads the slot's stdout/stderr itself when poll
 * says they are readable (the fds are non-blocking); without it the pool captures
 * them in slot->out and slot->err. A slot's `input`, when set, is written to the
 * child's stdin while its output is read (so a large input cannot deadlock on full
 * pipes), then stdin is closed; without it stdin is the client's.
 *
 * Order of calls for one task: next_task, then start_failed or (on_readable... |
 * on_deadline)... then on_finish, unless the client ended the child itself. Free slots
 * are filled, in index order, only at the top of a turn of the loop, so a slot freed
 * during a turn is not reused before the next one. next_task returning 0 means "nothing
 * to start now": the pool asks again on the next turn. The run ends when no child runs
 * and next_task has nothing.
 *
 * stop_fd (a signalfd, or -1) is watched but never read: when it becomes readable
 * every running child's process group is killed and reaped (each gets on_finish with
 * `stopped` set), *stopped is set, and the signal is left for the caller to read. The
 * client can stop the run the same way from its own state: the pool asks halted() at
 * the top of every turn (the client then knows which of the two it was).
 */
#ifndef PC_POOL_H
#define PC_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "process.h"
#include "util.h"

typedef enum pc_slot_state {
    PC_SLOT_FREE,    /* no child: the next turn may give it a task */
    PC_SLOT_RUNNING, /* a child started; its pipes and deadline are watched */
    PC_SLOT_DONE,    /* its output closed, killed or stopped: reaped, on_finish pending */
} pc_slot_state;

typedef struct pc_pool_slot {
    pc_slot_state state;
    size_t index;        /* 0..n-1 */
    pc_child child;      /* next_task fills the "in" fields; the pool starts it */
    void *task;          /* the client's, set by next_task */
    double deadline;     /* pc_now() time after which on_deadline is called (0: none);
                          * the client may move it at any time */
    const char *input;   /* written to stdin, then stdin is closed (NULL: stdin is the client's) */
    size_t input_len, input_off;
    pc_buf out, err;     /* captured output (when there is no on_readable) */
    double started;      /* pc_now() when the child started */
    bool out_open, err_open;
    bool timed_out;      /* the pool killed it at its deadline */
    bool stopped;        /* the pool killed it because stop_fd became readable */
} pc_pool_slot;

typedef struct pc_pool_ops {
    /* Fill slot->child's "in" fields (argv, env, pipes...) and slot->task, and set
     * slot->deadline and slot->input when wanted. Returns 1 to start it, 0 when there is
     * nothing to start now, -1 on error (err says why). */
    int (*next_task)(void *ctx, pc_pool_slot *slot, pc_error *err);
    /* The child did not start (`why`); the slot is free again. 0 or -1. */
    int (*start_failed)(void *ctx, pc_pool_slot *slot, const char *why, pc_error *err);
    /* Optional. stream (1 stdout, 2 stderr) is readable. Returns 1 at its end of file
     * (the pool stops watching it; when both have ended the child is reaped and
     * on_finish called), 0 to go on, -1 on error. It may end the child itself
     * (pc_pool_kill, pc_pool_reap). */
    int (*on_readable)(void *ctx, pc_pool_slot *slot, int stream, pc_error *err);
    /* Optional. slot->deadline has passed. The client kills the child, or moves the
     * deadline; if it does neither the pool kills it as without this callback. */
    int (*on_deadline)(void *ctx, pc_pool_slot *slot, pc_error *err);
    /* The child ended and was reaped: status is the waitpid status; slot->timed_out /
     * slot->stopped say when the pool killed it. Optional. 0 or -1. */
    int (*on_finish)(void *ctx, pc_pool_slot *slot, int status, pc_error *err);
    /* Optional. True when the client wants the run stopped now, as stop_fd does. */
    bool (*halted)(void *ctx);
} pc_pool_ops;

/* Run tasks on `width` slots (>= 1) until none is left. Returns 0, or -1 on an error
 * (from a callback or poll): every running child is then killed and reaped. */
int pc_pool_run(size_t width, int stop_fd, const pc_pool_ops *ops, void *ctx, bool *stopped,
                pc_error *err);

/* For callbacks: kill the slot's process group and reap it; the slot is free (no
 * on_finish). */
void pc_pool_kill(pc_pool_slot *slot);
/* For callbacks: close the slot's pipes and wait for its child (it has exited or is
 * about to); the slot is free (no on_finish). */
void pc_pool_reap(pc_pool_slot *slot, int *status);

#endif
