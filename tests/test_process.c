/* Process spawning: capture, exit statuses, signals, timeouts, exec failures, env. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "process.h"

static int run(char *const *argv, char *const *env, double timeout, pc_buf *out, pc_buf *errb,
               int *status, bool *timed_out)
{
    pc_child c = {0};
    pc_error err;
    c.argv = argv;
    c.env = env;
    c.pipe_out = c.pipe_err = true;
    c.new_group = true;
    if (pc_child_start(&c, &err))
        return -1;
    return pc_child_capture(&c, NULL, timeout, out, errb, status, timed_out, &err);
}

Test(process, captures_stdout_and_stderr)
{
    char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    pc_buf out = {0}, errb = {0};
    int status;
    bool to;
    cr_assert_eq(run(argv, NULL, 10, &out, &errb, &status, &to), 0);
    cr_assert_str_eq(out.data, "out\n");
    cr_assert_str_eq(errb.data, "err\n");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    cr_assert(!to);
    pc_buf_free(&out);
    pc_buf_free(&errb);
}

Test(process, env_overrides)
{
    char *argv[] = {"/bin/sh", "-c", "printf '%s' \"$PC_TEST_VAR\"", NULL};
    char *env[] = {"PC_TEST_VAR=hello", NULL};
    pc_buf out = {0};
    int status;
    bool to;
    cr_assert_eq(run(argv, env, 10, &out, NULL, &status, &to), 0);
    cr_assert_str_eq(out.data, "hello");
    pc_buf_free(&out);
}

Test(process, path_search)
{
    char *argv[] = {"sh", "-c", "echo found", NULL};
    pc_buf out = {0};
    int status;
    bool to;
    cr_assert_eq(run(argv, NULL, 10, &out, NULL, &status, &to), 0);
    cr_assert_str_eq(out.data, "found\n");
    pc_buf_free(&out);
}

Test(process, exec_failure_is_an_error)
{
    char *argv[] = {"/nonexistent/python", NULL};
    pc_child c = {0};
    pc_error err;
    c.argv = argv;
    c.pipe_out = true;
    cr_assert_eq(pc_child_start(&c, &err), -1);
    cr_assert_str_eq(err.msg, "/nonexistent/python: cannot execute: No such file or directory");
}

Test(process, timeout_kills_the_group)
{
    /* the grandchild sleeps too: killing only the child would leave the pipe open */
    char *argv[] = {"/bin/sh", "-c", "sleep 30 & sleep 30", NULL};
    pc_buf out = {0};
    int status;
    bool to;
    double t0 = pc_now();
    cr_assert_eq(run(argv, NULL, 0.3, &out, NULL, &status, &to), 0);
    cr_assert(to);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cr_assert_lt(pc_now() - t0, 5.0);
    pc_buf_free(&out);
}

Test(process, describes_statuses)
{
    char buf[128];
    char *argv[] = {"/bin/sh", "-c", "kill -SEGV $$", NULL};
    int status;
    bool to;
    cr_assert_eq(run(argv, NULL, 10, NULL, NULL, &status, &to), 0);
    pc_status_describe(status, buf, sizeof buf);
    cr_assert_str_eq(buf, "killed by signal 11 (Segmentation fault)");
    pc_status_describe(2 << 8, buf, sizeof buf);
    cr_assert_str_eq(buf, "exit code 2");
}

Test(process, feeds_large_input_while_reading)
{
    /* 1 MiB through cat: more than both pipe buffers, so writing all of it before
     * reading would deadlock */
    char *argv[] = {"cat", NULL};
    size_t n = 1 << 20, i;
    char *input = malloc(n + 1);
    pc_child c = {0};
    pc_buf out = {0};
    pc_error err;
    int status;
    bool to;
    for (i = 0; i < n; i++)
        input[i] = (char)('a' + i % 26);
    input[n] = '\0';
    c.argv = argv;
    c.pipe_in = c.pipe_out = true;
    cr_assert_eq(pc_child_start(&c, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_child_capture(&c, input, 30, &out, NULL, &status, &to, &err), 0, "%s", err.msg);
    cr_assert(!to);
    cr_assert_eq(out.len, n);
    cr_assert(memcmp(out.data, input, n) == 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pc_buf_free(&out);
    free(input);
}
