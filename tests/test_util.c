/* base/util.c: writing output files. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static char dir[] = "/tmp/pc-util-XXXXXX";

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

/* A regular file is replaced whole, and no temporary file is left beside it. */
Test(util, write_atomic_replaces_a_regular_file, .init = setup)
{
    char *path = pc_asprintf(NULL, "%s/out.txt", dir), *tmp;
    pc_buf got = {0};
    pc_error err;
    struct stat st;
    cr_assert_eq(pc_write_atomic(path, "old text, longer\n", 17, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_write_atomic(path, "new\n", 4, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_read_file(path, &got, &err), 0);
    cr_assert_eq(got.len, 4);
    cr_assert_str_eq(got.data, "new\n");
    tmp = pc_asprintf(NULL, "%s.tmp.%ld", path, (long)getpid());
    cr_assert_neq(stat(tmp, &st), 0, "no temporary file is left");
    remove(path);
    rmdir(dir);
    free(tmp);
    free(path);
    pc_buf_free(&got);
}

/* A path that is not a regular file (/dev/null, /dev/stdout, a FIFO) is written
 * through, never replaced: renaming over it would turn /dev/null into a file. */
Test(util, write_atomic_writes_through_a_fifo, .init = setup)
{
    char *fifo = pc_asprintf(NULL, "%s/pipe", dir);
    char buf[64] = {0};
    struct stat st;
    pc_error err;
    int fds[2], status;
    pid_t pid;
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(pipe(fds), 0);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) { /* the reader: the FIFO's bytes to the pipe; gives up after 30 s */
        ssize_t n;
        int in;
        alarm(30);
        close(fds[0]);
        in = open(fifo, O_RDONLY);
        while (in >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(fds[1], buf, (size_t)n) != n)
                _exit(1);
        _exit(in >= 0 ? 0 : 1);
    }
    close(fds[1]);
    cr_assert_eq(pc_write_atomic(fifo, "through\n", 8, &err), 0, "%s", err.msg);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(read(fds[0], buf, sizeof buf - 1), 8);
    cr_assert_str_eq(buf, "through\n");
    close(fds[0]);
    cr_assert_eq(stat(fifo, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the FIFO is still a FIFO");
    remove(fifo);
    rmdir(dir);
    free(fifo);
}
