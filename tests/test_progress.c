/* The live view of a run (pipeline/progress.c) and the terminal's colour rules
 * (base/term.c): on a terminal (a pseudo-terminal here) one redrawn line, elsewhere a
 * line per finished build, nothing when quiet. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "term.h"
#include "verdict.h"

/* Three jobs on two builds: a, a, b. */
static pc_interp interps[2];
static pc_case kase;
static pc_job jobs[3];
static pc_plan plan = {jobs, 3, 3};

static void setup(void)
{
    memset(interps, 0, sizeof interps);
    interps[0].name = "build-a";
    interps[1].name = "build-b";
    memset(&kase, 0, sizeof kase);
    kase.name = "k";
    for (size_t i = 0; i < 3; i++)
        jobs[i] = (pc_job){.id = i, .kase = &kase, .interp = &interps[i < 2 ? 0 : 1]};
}

/* Everything the master side of a pty has to read now. */
static void drain(int master, char *buf, size_t size)
{
    size_t len = 0;
    struct pollfd pfd = {master, POLLIN, 0};
    while (len + 1 < size && poll(&pfd, 1, 200) > 0) {
        ssize_t n = read(master, buf + len, size - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
}

Test(progress, one_redrawn_line_on_a_terminal, .init = setup)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
    FILE *tty;
    pc_progress p;
    pc_error err;
    char out[4096];
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    cr_assert_geq(slave = open(ptsname(master), O_RDWR | O_NOCTTY), 0);
    cr_assert_not_null(tty = fdopen(slave, "w"));
    cr_assert(pc_term_is_tty(tty));
    setenv("TERM", "xterm", 1);
    unsetenv("NO_COLOR");
    cr_assert(pc_term_color(PC_COLOR_AUTO, tty), "auto colours a terminal");
    setenv("NO_COLOR", "1", 1);
    cr_assert(!pc_term_color(PC_COLOR_AUTO, tty), "unless NO_COLOR is set");
    setenv("NO_COLOR", "", 1);
    cr_assert(pc_term_color(PC_COLOR_AUTO, tty), "an empty NO_COLOR does not count");
    setenv("TERM", "dumb", 1);
    cr_assert(!pc_term_color(PC_COLOR_AUTO, tty), "nor on a dumb terminal");
    unsetenv("NO_COLOR");
    cr_assert_eq(pc_progress_init(&p, &plan, tty, false, true, &err), 0);
    cr_assert(p.live && !p.lines);
    pc_progress_job(&p, 0, 0);
    drain(master, out, sizeof out);
    cr_assert(strstr(out, "\r\033[K[1/3] 1 build running, 0/2 done | 0 unexpected") != NULL, "%s", out);
    pc_progress_job(&p, 1, 0);
    pc_progress_job(&p, 2, 2); /* the last job is always drawn */
    drain(master, out, sizeof out);
    cr_assert(strstr(out, "[3/3] 0 builds running, 2/2 done | ") != NULL, "%s", out);
    /* the count of unexpected results in the FAIL colour, then reset */
    cr_assert(strstr(out, pc_verdict_get(PC_FAIL)->sgr) != NULL, "%s", out);
    cr_assert(strstr(out, "2 unexpected" PC_SGR_RESET) != NULL, "%s", out);
    cr_assert(strstr(out, "build-a") == NULL, "no per-build lines on a terminal");
    pc_progress_free(&p);
    drain(master, out, sizeof out);
    cr_assert_str_eq(out, "\r\033[K", "the line is erased at the end");
    fclose(tty);
    close(master);
}

Test(progress, a_line_per_build_elsewhere_and_nothing_when_quiet, .init = setup)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    pc_progress p;
    pc_error err;
    cr_assert_eq(pc_progress_init(&p, &plan, f, false, false, &err), 0);
    cr_assert(!p.live && p.lines);
    pc_progress_job(&p, 2, 0); /* build-b's only job */
    pc_progress_job(&p, 0, 1);
    fflush(f);
    cr_assert(strstr(text, "pyconform: build-b: 1 job done in ") != NULL, "%s", text);
    cr_assert(strstr(text, "(1/2 builds, 0 unexpected so far)\n") != NULL, "%s", text);
    cr_assert(strstr(text, "build-a") == NULL, "build-a has a job left: %s", text);
    pc_progress_job(&p, 1, 1);
    fflush(f);
    cr_assert(strstr(text, "pyconform: build-a: 2 jobs done in ") != NULL, "%s", text);
    cr_assert(strstr(text, "(2/2 builds, 1 unexpected so far)\n") != NULL, "%s", text);
    cr_assert(strchr(text, '\r') == NULL && strchr(text, '\033') == NULL, "plain lines: %s", text);
    pc_progress_free(&p);
    fclose(f);
    free(text);

    text = NULL;
    f = open_memstream(&text, &len);
    cr_assert_eq(pc_progress_init(&p, &plan, f, true, true, &err), 0);
    for (size_t i = 0; i < 3; i++)
        pc_progress_job(&p, i, 3);
    pc_progress_free(&p);
    fclose(f);
    cr_assert_eq(len, 0, "quiet: nothing, got %s", text);
    free(text);
}

/* no-color.org: NO_COLOR (non-empty) turns auto off; --color=always and never win. */
Test(progress, colour_rules)
{
    FILE *f = tmpfile();
    cr_assert_eq(pc_color_mode_parse("auto"), PC_COLOR_AUTO);
    cr_assert_eq(pc_color_mode_parse("always"), PC_COLOR_ALWAYS);
    cr_assert_eq(pc_color_mode_parse("never"), PC_COLOR_NEVER);
    cr_assert_eq(pc_color_mode_parse("yes"), -1);
    unsetenv("NO_COLOR");
    cr_assert(!pc_term_color(PC_COLOR_AUTO, f), "a file is not a terminal");
    cr_assert(pc_term_color(PC_COLOR_ALWAYS, f));
    setenv("NO_COLOR", "1", 1);
    cr_assert(pc_term_color(PC_COLOR_ALWAYS, f), "an explicit --color=always wins");
    cr_assert(!pc_term_color(PC_COLOR_NEVER, f));
    fclose(f);
    unsetenv("NO_COLOR");
}
