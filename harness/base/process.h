/* process.h - all process spawning goes through pc_child (modelled on git's
 * run-command: one struct, a start/finish pair).
 *
 * Fill the "in" fields, call pc_child_start(); the parent's pipe ends appear in
 * in/out/err (-1 where not piped). pc_child_finish() closes what is still open and
 * reaps the child. With new_group the child leads its own process group, and
 * pc_child_kill() kills the whole group.
 */
#ifndef PC_PROCESS_H
#define PC_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "util.h"

typedef struct pc_child {
    /* in */
    char *const *argv;        /* argv[0]: a path, or a name searched in PATH */
    char *const *env;         /* "KEY=VALUE" overrides (NULL-terminated) or NULL */
    bool pipe_in, pipe_out, pipe_err;
    const char *out_path;     /* when set (and !pipe_out): stdout and stderr go to this file (appended) */
    const char *cwd;          /* run there, when set */
    bool new_group;
    int stop_fd;              /* > 0: pc_child_capture also watches it; readable means stop */
    unsigned long stack_bytes; /* raise RLIMIT_STACK to this before exec (0: leave it) */
    /* out */
    bool stopped;             /* pc_child_capture ended early: stop_fd became readable */
    pid_t pid;
    int in, out, err;
} pc_child;

int pc_child_start(pc_child *c, pc_error *err);
/* Close the pipes and wait for the child. *status gets the waitpid status. */
int pc_child_finish(pc_child *c, int *status);
void pc_child_kill(pc_child *c);

/* Run to completion: write `input` (or nothing) to the child's stdin if it is piped,
 * then close it, while collecting stdout (and stderr) until both close; then reap the
 * child. The deadline is in seconds (<= 0: none); when it expires *timed_out is set and
 * the group is killed. When c->stop_fd becomes readable (a signal for the run, left
 * unread for the caller), the group is killed and reaped and c->stopped is set. */
int pc_child_capture(pc_child *c, const char *input, double timeout, pc_buf *out,
                     pc_buf *errout, int *status, bool *timed_out, pc_error *err);

/* "exit code 3", "killed by signal 11 (Segmentation fault)". */
void pc_status_describe(int status, char *buf, size_t size);

#endif
