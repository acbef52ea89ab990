/* process.c - see process.h. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int make_pipe(int fds[2], pc_error *err)
{
    if (pipe(fds) != 0)
        return pc_fail(err, "pipe: %s", strerror(errno));
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* environ with the overrides applied: built before fork, so the child only execs. */
static char **build_env(char *const *over, pc_error *err)
{
    size_t n = 0, m = 0, i, j, k = 0;
    char **envp;
    while (environ[n])
        n++;
    while (over && over[m])
        m++;
    envp = calloc(n + m + 1, sizeof *envp);
    if (!envp) {
        pc_oom(err);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        bool replaced = false;
        for (j = 0; j < m; j++)
            if (strncmp(over[j], environ[i], klen) == 0 && over[j][klen] == '=')
                replaced = true;
        if (!replaced)
            envp[k++] = environ[i];
    }
    for (j = 0; j < m; j++)
        envp[k++] = over[j];
    envp[k] = NULL;
    return envp;
}

/* In the child after fork: report errno on the status pipe and exit. */
static void child_die(int status_fd, int code)
{
    ssize_t w = write(status_fd, &code, sizeof code);
    (void)w;
    _exit(127);
}

int pc_child_start(pc_child *c, pc_error *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1}, st[2] = {-1, -1};
    char **envp;
    int code = 0;
    ssize_t n;

    c->in = c->out = c->err = -1;
    c->pid = -1;
    if (!(envp = build_env(c->env, err)))
        return -1;
    if ((c->pipe_in && make_pipe(in, err)) || (c->pipe_out && make_pipe(out, err)) ||
        (c->pipe_err && make_pipe(er, err)) || make_pipe(st, err))
        goto fail;

    c->pid = fork();
    if (c->pid < 0) {
        pc_fail(err, "%s: fork: %s", c->argv[0], strerror(errno));
        goto fail;
    }
    if (c->pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        sigset_t none;
        if (c->new_group)
            setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the run blocks its stop signals; not the child */
        if (c->stack_bytes) {
            struct rlimit rl;
            if (getrlimit(RLIMIT_STACK, &rl) == 0) {
                rlim_t want = (rlim_t)c->stack_bytes;
                if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
                    want = rl.rlim_max;
                rl.rlim_cur = want;
                setrlimit(RLIMIT_STACK, &rl);
            }
        }
        dup2(c->pipe_in ? in[0] : devnull, 0);
        if (c->pipe_out) {
            dup2(out[1], 1);
        } else if (c->out_path) {
            int fd = open(c->out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd < 0)
                child_die(st[1], errno);
            dup2(fd, 1);
            if (!c->pipe_err)
                dup2(fd, 2);
        } else {
            dup2(devnull, 1);
        }
        if (c->pipe_err)
            dup2(er[1], 2);
        else if (!c->out_path)
            dup2(devnull, 2);
        if (c->cwd && chdir(c->cwd) != 0)
            child_die(st[1], errno);
        if (strchr(c->argv[0], '/'))
            execve(c->argv[0], c->argv, envp);
        else {
            /* execvpe is a GNU extension: search PATH by hand. */
            const char *path = getenv("PATH");
            char full[4096];
            const char *p = path ? path : "/usr/bin:/bin";
            while (*p) {
                const char *e = strchr(p, ':');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                snprintf(full, sizeof full, "%.*s/%s", (int)l, p, c->argv[0]);
                execve(full, c->argv, envp);
                p += l + (e ? 1 : 0);
            }
        }
        child_die(st[1], errno);
    }

    /* parent */
    free(envp);
    envp = NULL;
    close_fd(&st[1]);
    do {
        n = read(st[0], &code, sizeof code);
    } while (n < 0 && errno == EINTR);
    close_fd(&st[0]);
    if (c->new_group)
        setpgid(c->pid, c->pid); /* also from this side, so kill(-pid) never races */
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&er[1]);
    c->in = in[1];
    c->out = out[0];
    c->err = er[0];
    if (n == (ssize_t)sizeof code) {
        int status;
        pc_fail(err, "%s: cannot execute: %s", c->argv[0], strerror(code));
        pc_child_finish(c, &status);
        return -1;
    }
    if (c->in >= 0)
        fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) & ~O_NONBLOCK);
    return 0;

fail:
    free(envp);
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&er[0]);
    close_fd(&er[1]);
    close_fd(&st[0]);
    close_fd(&st[1]);
    return -1;
}

void pc_child_kill(pc_child *c)
{
    if (c->pid <= 0)
        return;
    if (c->new_group)
        kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
}

int pc_child_finish(pc_child *c, int *status)
{
    int st = 0;
    pid_t r = 0;
    close_fd(&c->in);
    close_fd(&c->out);
    close_fd(&c->err);
    if (c->pid > 0) {
        do {
            r = waitpid(c->pid, &st, 0);
        } while (r < 0 && errno == EINTR);
    }
    c->pid = -1;
    if (status)
        *status = st;
    return r < 0 ? -1 : 0;
}

int pc_child_capture(pc_child *c, const char *input, double timeout, pc_buf *out, pc_buf *errout,
                     int *status, bool *timed_out, pc_error *err)
{
    double deadline = timeout > 0 ? pc_now() + timeout : 0;
    size_t len = input ? strlen(input) : 0, off = 0;
    char chunk[8192];
    *timed_out = false;
    if (c->in >= 0 && off == len)
        close_fd(&c->in); /* nothing (more) to say: the child sees EOF */
    while (c->out >= 0 || c->err >= 0) {
        struct pollfd fds[4];
        int nfds = 0, wait_ms = -1, r, i;
        if (c->stop_fd > 0)
            fds[nfds++] = (struct pollfd){.fd = c->stop_fd, .events = POLLIN};
        if (c->in >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
        if (c->out >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->out, .events = POLLIN};
        if (c->err >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->err, .events = POLLIN};
        if (deadline > 0) {
            double left = deadline - pc_now();
            if (left <= 0) {
                *timed_out = true;
                pc_child_kill(c);
                break;
            }
            wait_ms = (int)(left * 1000) + 1;
        }
        r = poll(fds, (nfds_t)nfds, wait_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            pc_fail(err, "%s: poll: %s", c->argv[0], strerror(errno));
            pc_child_kill(c);
            pc_child_finish(c, status);
            return -1;
        }
        for (i = 0; i < nfds; i++) {
            ssize_t n;
            int *fdp;
            pc_buf *dst;
            if (!fds[i].revents)
                continue;
            if (c->stop_fd > 0 && fds[i].fd == c->stop_fd) {
                c->stopped = true;
                pc_child_kill(c);
                return pc_child_finish(c, status);
            }
            if (fds[i].fd == c->in) {
                /* written while reading, so a large input cannot deadlock on full pipes */
                n = write(c->in, input + off, len - off > 65536 ? 65536 : len - off);
                if (n > 0)
                    off += (size_t)n;
                if ((n < 0 && errno != EINTR && errno != EAGAIN) || off == len)
                    close_fd(&c->in); /* done, or the child stopped reading */
                continue;
            }
            fdp = fds[i].fd == c->out ? &c->out : &c->err;
            dst = fds[i].fd == c->out ? out : errout;
            n = read(*fdp, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close_fd(fdp);
                continue;
            }
            if (dst && pc_buf_append(dst, chunk, (size_t)n, err)) {
                pc_child_kill(c);
                pc_child_finish(c, status);
                return -1;
            }
        }
    }
    return pc_child_finish(c, status);
}

void pc_status_describe(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "unknown wait status 0x%x", status);
}
