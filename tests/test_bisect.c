/* `pyconform bisect` end to end, and `run --bisect-exit`.
 *
 * --git: a repository made here, holding a small desugarer script (desugar.sh) over 12
 * commits: it copies the source through at every commit, commit 5 breaks it (it exits
 * 1: that commit must be skipped), commit 6 repairs it, and commit 8 plants a
 * divergence in one case function (`planted` returns 2 in the translation). Bisect must
 * name commit 8, list commit 5 as skipped (good = commit 1, bad = commit 10: the search
 * lands on commit 5 first), and leave the repository exactly as it was: every file's
 * path, size and modification time under it, HEAD, the refs and the worktree list, and
 * no private clone left in TMPDIR; also after SIGINT in the middle of a build. Bad
 * input: not a repository, a GOOD that is bad (--unexpected), no change between the
 * ends, an unknown revision, an unknown block or function.
 *
 * Across builds: a block whose function returns the interpreter's minor version class
 * on two pyenv builds gives one boundary between them; the same function on one build
 * gives "no change found".
 */
#define _DEFAULT_SOURCE /* usleep */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "process.h"
#include "util.h"

#define INTERP "cpython-3.12.1"

static const char case_text[] = "$ bisect case\n"
                                "def planted():\n    return 1\n\n"
                                "def steady():\n    return 'steady'\n";

typedef struct env {
    char dir[40];
    char *repo, *cases, *expected, *tmp, *hash[13];
} env;

static char *sh_out(const char *fmt, ...) PC_PRINTF(1, 2);
/* Run a shell command (formatted), return its stdout (owned, trailing newline cut). */
static char *sh_out(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    FILE *f;
    pc_buf b = {0};
    char chunk[4096];
    size_t n;
    int status;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    f = popen(cmd, "r");
    cr_assert_not_null(f, "popen %s", cmd);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pc_buf_append(&b, chunk, n, NULL);
    status = pclose(f);
    cr_assert_eq(status, 0, "command failed: %s", cmd);
    pc_buf_append(&b, "", 0, NULL);
    while (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    return b.data;
}

/* The desugarer at commit i (1-based). */
static const char *desugarer_at(int i)
{
    if (i == 5)
        return "#!/bin/sh\necho 'desugar.sh: broken at this commit' >&2\nexit 1\n";
    if (i >= 8)
        return "#!/bin/sh\nsed 's/return 1$/return 2/'\n";
    return "#!/bin/sh\ncat\n";
}

/* The interpreter wrapper at commit i: broken at 5, running Python with -O (so
 * __debug__ is False) from 8 on. */
static const char *wrapper_at(int i)
{
    if (i == 5)
        return "#!/bin/sh\necho 'py.sh: broken at this commit' >&2\nexit 1\n";
    if (i >= 8)
        return "#!/bin/sh\nexec /root/.pyenv/versions/3.12.1/bin/python -O \"$@\"\n";
    return "#!/bin/sh\nexec /root/.pyenv/versions/3.12.1/bin/python \"$@\"\n";
}

static void env_setup_with(env *e, const char *file, const char *(*content)(int));

static void env_setup(env *e)
{
    env_setup_with(e, "desugar.sh", desugarer_at);
}

static void env_setup_with(env *e, const char *file, const char *(*content)(int))
{
    int i;
    char *out;
    strcpy(e->dir, "/tmp/pc-bisect-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
    e->repo = pc_asprintf(NULL, "%s/repo", e->dir);
    e->cases = pc_asprintf(NULL, "%s/cases", e->dir);
    e->expected = pc_asprintf(NULL, "%s/expected", e->dir);
    e->tmp = pc_asprintf(NULL, "%s/tmp", e->dir);
    cr_assert(e->repo && e->cases && e->expected && e->tmp);
    cr_assert_eq(pc_mkdir_p(e->repo, NULL), 0);
    cr_assert_eq(pc_mkdir_p(e->cases, NULL), 0);
    cr_assert_eq(pc_mkdir_p(e->expected, NULL), 0);
    cr_assert_eq(pc_mkdir_p(e->tmp, NULL), 0);
    free(write_tmp(e->cases, "bisect.case", case_text));
    free(write_tmp(e->cases, "debug.case", "$ debug flag\ndef flag():\n    return __debug__\n"));
    out = sh_out("cd %s && git init -q . && git config user.email t@example.org && "
                 "git config user.name tester && git config commit.gpgsign false",
                 e->repo);
    free(out);
    for (i = 1; i <= 12; i++) {
        char msg[64];
        free(write_tmp(e->repo, file, content(i)));
        snprintf(msg, sizeof msg, "commit %d", i);
        out = sh_out("cd %s && echo %d > NOTES && git add -A && git commit -qm '%s' && "
                     "git rev-parse HEAD",
                     e->repo, i, msg);
        e->hash[i] = out;
    }
}

static void env_teardown(env *e)
{
    int i;
    remove_tree(e->dir);
    free(e->repo);
    free(e->cases);
    free(e->expected);
    free(e->tmp);
    for (i = 1; i <= 12; i++)
        free(e->hash[i]);
}

/* Everything a bisect could change in the repository, read without writing to it. */
static char *repo_state(const env *e)
{
    return sh_out("cd %s && find . -printf '%%p %%s %%T@ %%m\\n' | LC_ALL=C sort && "
                  "git rev-parse HEAD && git symbolic-ref HEAD && git for-each-ref && "
                  "git worktree list --porcelain",
                  e->repo);
}

static int bisect(const env *e, const char *good, const char *bad, const char *const *more,
                  pc_buf *out, pc_buf *err)
{
    const char *args[] = {"bisect", "--git", e->repo, "--good", good, "--bad", bad,
                          "--desugarer", "sh {worktree}/desugar.sh", "--interp", INTERP,
                          "--expected", e->expected, "--cases", e->cases, "-j", "1"};
    setenv("TMPDIR", e->tmp, 1);
    return run_binary(args, sizeof args / sizeof *args, more, 600, out, err);
}

static bool tmp_empty(const env *e)
{
    char *ls = sh_out("ls -A %s", e->tmp);
    bool empty = !*ls;
    free(ls);
    return empty;
}

Test(bisect, git_names_commit_8_skips_commit_5_leaves_repo_alone, .timeout = 900)
{
    env e;
    pc_buf out = {0}, err = {0};
    char *before, *after, want[200];
    int rc;
    env_setup(&e);
    before = repo_state(&e);

    rc = bisect(&e, e.hash[1], e.hash[10], NULL, &out, &err);
    cr_assert_eq(rc, 0, "exit %d\n%s\n%s", rc, out.data, err.data);
    snprintf(want, sizeof want, "first bad commit: %s commit 8\n", e.hash[8]);
    cr_assert(strstr(out.data, want), "no '%s' in:\n%s", want, out.data);
    snprintf(want, sizeof want, "skipped: 1 commit\n  %s commit 5 (the desugarer fails on "
             "every block: desugarer failed (exit code 1): desugar.sh: broken at this commit)", e.hash[5]);
    cr_assert(strstr(out.data, want), "no '%s' in:\n%s", want, out.data);
    /* the diff at commit 8: the planted function's desugared run, and nothing else */
    cr_assert(strstr(out.data, "bisect case/planted " INTERP " desugared: PASS -> DIVERGE"),
              "%s", out.data);
    cr_assert(strstr(out.data, "first difference at outcome.value: good 1, bad 2"), "%s", out.data);
    cr_assert_null(strstr(out.data, "steady"), "%s", out.data);
    after = repo_state(&e);
    cr_assert_str_eq(before, after, "the repository changed");
    cr_assert(tmp_empty(&e), "the private clone was left behind");
    free(after);

    /* the whole history: the search no longer passes commit 5 */
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    rc = bisect(&e, e.hash[1], "HEAD", NULL, &out, &err);
    cr_assert_eq(rc, 0, "exit %d\n%s\n%s", rc, out.data, err.data);
    snprintf(want, sizeof want, "first bad commit: %s commit 8\n", e.hash[8]);
    cr_assert(strstr(out.data, want), "%s", out.data);
    after = repo_state(&e);
    cr_assert_str_eq(before, after, "the repository changed");
    cr_assert(tmp_empty(&e));

    free(before);
    free(after);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(bisect, git_interp_argv, .timeout = 900)
{
    env e;
    pc_buf out = {0}, err = {0};
    char *before, *after, want[200];
    int rc;
    env_setup_with(&e, "py.sh", wrapper_at);
    before = repo_state(&e);
    {
        const char *args[] = {"bisect", "--git", e.repo, "--good", e.hash[1], "--bad",
                              e.hash[10], "--interp-argv", "sh {worktree}/py.sh", "--mode",
                              "source", "-k", "flag", "--expected", e.expected, "--cases",
                              e.cases};
        setenv("TMPDIR", e.tmp, 1);
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 600, &out, &err);
    }
    cr_assert_eq(rc, 0, "exit %d\n%s\n%s", rc, out.data, err.data);
    snprintf(want, sizeof want, "first bad commit: %s commit 8\n", e.hash[8]);
    cr_assert(strstr(out.data, want), "%s", out.data);
    snprintf(want, sizeof want, "  %s commit 5 (the interpreter does not start: ", e.hash[5]);
    cr_assert(strstr(out.data, want), "%s", out.data);
    cr_assert(strstr(out.data, "debug flag/flag git-build source: FAIL -> FAIL\n"
                               "    outcome: good {\"kind\":\"return\",\"value\":true}, bad "
                               "{\"kind\":\"return\",\"value\":false}\n"
                               "    first difference at outcome.value: good true, bad false"),
              "%s", out.data);
    cr_assert_null(strstr(out.data, "bisect case/"), "-k flag: only that function decides\n%s",
                   out.data);
    after = repo_state(&e);
    cr_assert_str_eq(before, after, "the repository changed");
    cr_assert(tmp_empty(&e));
    free(before);
    free(after);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(bisect, git_bad_input, .timeout = 900)
{
    env e;
    pc_buf out = {0}, err = {0};
    int rc;
    char *before, *after;
    env_setup(&e);
    before = repo_state(&e);

    /* no change between the ends: exit 0, said so */
    rc = bisect(&e, e.hash[1], e.hash[4], NULL, &out, &err);
    cr_assert_eq(rc, 0, "%s\n%s", out.data, err.data);
    cr_assert(strstr(out.data, "bisect: no change found"), "%s", out.data);

    /* a GOOD that is already bad (--unexpected: the source rows have no expectation) */
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    {
        const char *more[] = {"--unexpected", NULL};
        rc = bisect(&e, e.hash[1], e.hash[12], more, &out, &err);
    }
    cr_assert_eq(rc, 2, "%s\n%s", out.data, err.data);
    cr_assert(strstr(err.data, "is bad: it has unexpected verdicts"), "%s", err.data);

    /* a GOOD that cannot be tested, an unknown revision, the ends reversed */
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    rc = bisect(&e, e.hash[5], e.hash[12], NULL, &out, &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err.data, "cannot be tested: the desugarer fails on every block"), "%s", err.data);
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    rc = bisect(&e, "no-such-rev", e.hash[12], NULL, &out, &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err.data, "--good no-such-rev: no such commit"), "%s", err.data);
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    rc = bisect(&e, e.hash[12], e.hash[1], NULL, &out, &err);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err.data, "is not a descendant of --good"), "%s", err.data);

    /* not a git repository */
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    {
        const char *args[] = {"bisect", "--git", e.cases, "--good", "a", "--bad", "b",
                              "--desugarer", "cat", "--interp", INTERP, "--cases", e.cases};
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 120, &out, &err);
    }
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err.data, "not a git repository"), "%s", err.data);

    after = repo_state(&e);
    cr_assert_str_eq(before, after, "the repository changed");
    cr_assert(tmp_empty(&e));
    free(before);
    free(after);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(bisect, git_sigint_cleans_up, .timeout = 300)
{
    env e;
    char *before, *after, *argv[24];
    pc_child c = {0};
    pc_error perr;
    int status = 0, n = 0;
    pc_buf out = {0}, err = {0};
    bool to = false;
    env_setup(&e);
    before = repo_state(&e);
    argv[n++] = PYCONFORM_BIN;
    argv[n++] = "bisect";
    argv[n++] = "--git";
    argv[n++] = e.repo;
    argv[n++] = "--good";
    argv[n++] = e.hash[1];
    argv[n++] = "--bad";
    argv[n++] = e.hash[12];
    argv[n++] = "--build";
    argv[n++] = "touch {worktree}/built-here; sleep 60";
    argv[n++] = "--desugarer";
    argv[n++] = "cat";
    argv[n++] = "--interp";
    argv[n++] = INTERP;
    argv[n++] = "--cases";
    argv[n++] = e.cases;
    argv[n] = NULL;
    setenv("TMPDIR", e.tmp, 1);
    c.argv = argv;
    c.pipe_out = c.pipe_err = true;
    cr_assert_eq(pc_child_start(&c, &perr), 0);
    /* wait for the build to start in the private clone, then interrupt */
    {
        int i;
        char *found = NULL;
        for (i = 0; i < 300; i++) {
            found = sh_out("find %s -name built-here | head -1", e.tmp);
            if (*found)
                break;
            free(found);
            found = NULL;
            usleep(100000);
        }
        cr_assert_not_null(found, "the build never started");
        free(found);
    }
    kill(c.pid, SIGINT);
    cr_assert_eq(pc_child_capture(&c, NULL, 60, &out, &err, &status, &to, &perr), 0);
    cr_assert(!to, "bisect did not stop on SIGINT");
    pc_buf_append(&err, "", 0, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d: %s", status,
              err.data ? err.data : "");
    cr_assert(strstr(err.data, "interrupted by signal 2"), "%s", err.data);
    after = repo_state(&e);
    cr_assert_str_eq(before, after, "the repository changed");
    cr_assert(tmp_empty(&e), "the private clone was left behind");
    {
        char *left = sh_out("pgrep -f 'built-her[e]; sleep 60' || true");
        cr_assert_str_empty(left, "the build is still running: %s", left);
        free(left);
    }
    free(before);
    free(after);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(bisect, across_builds_boundary_and_bad_input, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0};
    int rc;
    char *file;
    strcpy(e.dir, "/tmp/pc-bisect-XXXXXX");
    cr_assert_not_null(mkdtemp(e.dir));
    file = write_tmp(e.dir, "v.case",
                     "$ versions\nimport sys\n\ndef minor():\n"
                     "    return sys.version_info[1] >= 12\n");
    {
        const char *args[] = {"bisect", file, "versions", "minor", "--interp", "cpython-3.11.7",
                              "--interp", INTERP, "--expected", e.dir, "-j", "1"};
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 300, &out, &err);
    }
    cr_assert_eq(rc, 0, "%s\n%s", out.data, err.data);
    cr_assert(strstr(out.data, "cpython: 3.11.7 3.12.1\n"
                               "  boundary: cpython-3.11.7 (3.11.7) -> " INTERP " (3.12.1)\n"),
              "%s", out.data);
    cr_assert(strstr(out.data, "first difference at outcome.value: before false, after true"),
              "%s", out.data);
    cr_assert(strstr(out.data, "bisect: 1 boundary in 1 line of builds"), "%s", out.data);

    pc_buf_clear(&out);
    pc_buf_clear(&err);
    {
        const char *args[] = {"bisect", file, "versions", "minor", "--interp", INTERP,
                              "--expected", e.dir};
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 300, &out, &err);
    }
    cr_assert_eq(rc, 0);
    cr_assert(strstr(out.data, "bisect: no change found"), "%s", out.data);

    pc_buf_clear(&out);
    pc_buf_clear(&err);
    {
        const char *args[] = {"bisect", file, "no such block", "minor", "--interp", INTERP};
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 300, &out, &err);
    }
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err.data, "no block named 'no such block' (blocks: 'versions')"), "%s",
              err.data);
    pc_buf_clear(&out);
    pc_buf_clear(&err);
    {
        const char *args[] = {"bisect", file, "versions", "nope", "--interp", INTERP,
                              "--expected", e.dir};
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 300, &out, &err);
    }
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err.data, "block 'versions' has no function 'nope' (functions: <module>, "
                               "minor)"),
              "%s", err.data);
    free(file);
    pc_buf_free(&out);
    pc_buf_free(&err);
    remove_tree(e.dir);
}

Test(bisect, run_bisect_exit, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0};
    int rc;
    char *file, *bad;
    strcpy(e.dir, "/tmp/pc-bisect-XXXXXX");
    cr_assert_not_null(mkdtemp(e.dir));
    file = write_tmp(e.dir, "r.case", "$ r\ndef f():\n    return 1\n");
    bad = write_tmp(e.dir, "bad.case", "junk before any block\n");
    /* unexpected (no expectation recorded): 1, with or without --bisect-exit */
    {
        const char *args[] = {"run", "-q", "--interp", INTERP, "--mode", "source",
                              "--expected", e.dir, "--reports", e.dir, file, "--bisect-exit"};
        rc = run_binary(args, sizeof args / sizeof *args, NULL, 300, &out, &err);
    }
    cr_assert_eq(rc, 1, "%s\n%s", out.data, err.data);
    /* a desugarer that fails (ERROR): 125 with --bisect-exit, 1 without */
    {
        const char *args[] = {"run", "-q", "--interp", INTERP, "--desugarer", "exit 3",
                              "--expected", e.dir, "--reports", e.dir, file, "--bisect-exit"};
        size_t n = sizeof args / sizeof *args;
        rc = run_binary(args, n, NULL, 300, &out, &err);
        cr_assert_eq(rc, 125, "%s\n%s", out.data, err.data);
        rc = run_binary(args, n - 1, NULL, 300, &out, &err);
        cr_assert_eq(rc, 1);
    }
    /* a harness failure (a malformed case file): 125 with --bisect-exit, 2 without */
    {
        const char *args[] = {"run", "-q", "--interp", INTERP, "--expected", e.dir, "--reports",
                              e.dir, bad, "--bisect-exit"};
        size_t n = sizeof args / sizeof *args;
        rc = run_binary(args, n, NULL, 300, &out, &err);
        cr_assert_eq(rc, 125);
        rc = run_binary(args, n - 1, NULL, 300, &out, &err);
        cr_assert_eq(rc, 2);
    }
    free(file);
    free(bad);
    pc_buf_free(&out);
    pc_buf_free(&err);
    remove_tree(e.dir);
}
