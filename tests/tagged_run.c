/* tagged_run.c - see tagged_run.h. */
#define _GNU_SOURCE /* memmem, __WALL, ptrace requests */
#include "tagged_run.h"
#include "fixture.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define TAG_VAR "PYCONFORM_TEST_TAG"

#ifdef PC_TESTS_SANITIZED
static const bool sanitized = true;
#else
static const bool sanitized = false;
#endif

double tr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Read a whole file (at most max bytes) into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 4096, n = 0;
    char *buf;
    if (fd < 0)
        return NULL;
    buf = malloc(cap + 1);
    cr_assert_not_null(buf);
    for (;;) {
        ssize_t got;
        if (n == cap) {
            char *bigger;
            if (cap >= max)
                break;
            cap *= 2;
            bigger = realloc(buf, cap + 1);
            cr_assert_not_null(bigger);
            buf = bigger;
        }
        got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void make_tag(char *tag, size_t size)
{
    unsigned char raw[8];
    size_t i, used;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0, "/dev/urandom: %s", strerror(errno));
    cr_assert_eq(read(fd, raw, sizeof raw), (ssize_t)sizeof raw);
    close(fd);
    used = (size_t)snprintf(tag, size, "pc-%d-", (int)getpid());
    cr_assert(size > used + 2 * sizeof raw);
    for (i = 0; i < sizeof raw; i++)
        snprintf(tag + used + 2 * i, 3, "%02x", raw[i]);
}

/* VmHWM (peak resident set, KiB) of a live process; -1 when it cannot be read. */
static long read_hwm(pid_t pid)
{
    char path[64], *text, *p;
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    text = slurp(path, 1 << 16, NULL);
    if (!text)
        return -1;
    p = strstr(text, "\nVmHWM:");
    if (p)
        kib = strtol(p + 7, NULL, 10);
    free(text);
    return kib;
}

static void sweep_orphans(void);

static void note_hwm(tagged_run *r)
{
    long kib = read_hwm(r->pid);
    if (kib > r->peak_rss_kib)
        r->peak_rss_kib = kib;
}

void tr_start(tagged_run *r, const char *const *args, size_t nargs, bool trace_rss)
{
    char *argv[96], **envp, tagvar[80], out[96], errp[96];
    size_t n = 0, i, nenv = 0, k = 0;
    sweep_orphans();
    memset(r, 0, sizeof *r);
    r->peak_rss_kib = -1;
    r->trace_rss = trace_rss;
    strcpy(r->dir, "/tmp/pc-tagged-XXXXXX");
    cr_assert_not_null(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
    snprintf(r->reports, sizeof r->reports, "%s/reports", r->dir);
    cr_assert_eq(mkdir(r->reports, 0700), 0);
    make_tag(r->tag, sizeof r->tag);
    snprintf(tagvar, sizeof tagvar, "%s=%s", TAG_VAR, r->tag);
    snprintf(out, sizeof out, "%s/stdout", r->dir);
    snprintf(errp, sizeof errp, "%s/stderr", r->dir);

    cr_assert(nargs + 4 < sizeof argv / sizeof *argv);
    argv[n++] = PYCONFORM_BIN;
    for (i = 0; i < nargs; i++)
        argv[n++] = (char *)args[i];
    if (nargs && (!strcmp(args[0], "run") || !strcmp(args[0], "bless"))) {
        argv[n++] = "--reports";
        argv[n++] = r->reports;
    }
    argv[n] = NULL;

    while (environ[nenv])
        nenv++;
    envp = calloc(nenv + 2, sizeof *envp);
    cr_assert_not_null(envp);
    for (i = 0; i < nenv; i++)
        if (strncmp(environ[i], TAG_VAR "=", sizeof TAG_VAR) != 0)
            envp[k++] = environ[i];
    envp[k++] = tagvar;
    envp[k] = NULL;

    r->started = tr_now();
    r->pid = fork();
    cr_assert(r->pid >= 0, "fork: %s", strerror(errno));
    if (r->pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || o < 0 || e < 0 || chdir(r->dir) != 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 ||
            dup2(e, 2) < 0)
            _exit(126);
        execve(PYCONFORM_BIN, argv, envp);
        _exit(127);
    }
    free(envp);
    if (trace_rss && !sanitized) {
        /* Stops only at its exit (and when a signal is delivered to it); not its
         * children, which are never traced. */
        cr_assert_eq(ptrace(PTRACE_SEIZE, r->pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT), 0,
                     "ptrace(PTRACE_SEIZE): %s", strerror(errno));
    }
}

bool tr_poll(tagged_run *r)
{
    if (r->ended)
        return true;
    for (;;) {
        int st;
        pid_t w = waitpid(r->pid, &st, WNOHANG | __WALL);
        if (w == 0) {
            if (r->trace_rss && sanitized)
                note_hwm(r);
            return false;
        }
        if (w < 0 && errno == EINTR)
            continue;
        cr_assert_eq(w, r->pid, "waitpid: %s", strerror(errno));
        if (WIFSTOPPED(st)) {
            int event = st >> 16, sig = WSTOPSIG(st);
            if (event == PTRACE_EVENT_EXIT) {
                note_hwm(r); /* its memory is still mapped here */
                sig = 0;
            } else if (event != 0) {
                sig = 0; /* another ptrace event (a group stop): nothing to deliver */
            }
            ptrace(PTRACE_CONT, r->pid, NULL, (void *)(long)sig);
            continue;
        }
        r->status = st;
        r->ended = true;
        r->seconds = tr_now() - r->started;
        return true;
    }
}

static void kill_tagged(const char *tag)
{
    pid_t pids[256];
    size_t n = tr_tagged(tag, NULL, pids, 256), i;
    for (i = 0; i < n && i < 256; i++)
        kill(pids[i], SIGKILL);
}

void tr_abort(tagged_run *r)
{
    if (r->pid > 0 && !r->ended) {
        kill(r->pid, SIGKILL);
        while (!tr_poll(r))
            sleep_ms(5);
    }
    if (r->tag[0])
        kill_tagged(r->tag);
}

/* Tagged processes still alive `grace` seconds after the run ended (polled every
 * 20 ms): counted and described in r, then killed. */
static void note_survivors(tagged_run *r, double grace)
{
    pid_t pids[64];
    size_t n, i, used = 0;
    double deadline = tr_now() + grace;
    while ((n = tr_tagged(r->tag, NULL, pids, 64)) > 0 && tr_now() < deadline)
        sleep_ms(20);
    r->survivors = n;
    r->survivor_text[0] = '\0';
    for (i = 0; i < n && i < 64; i++) {
        char path[64], *cmd;
        size_t len, j;
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pids[i]);
        cmd = slurp(path, 4096, &len);
        for (j = 0; cmd && j < len; j++)
            if (cmd[j] == '\0')
                cmd[j] = ' ';
        if (used < sizeof r->survivor_text)
            used += (size_t)snprintf(r->survivor_text + used, sizeof r->survivor_text - used,
                                     "[pid %d: %s] ", (int)pids[i], cmd ? cmd : "?");
        free(cmd);
        kill(pids[i], SIGKILL);
    }
}

void tr_wait(tagged_run *r, double timeout)
{
    char path[128];
    double deadline = tr_now() + timeout;
    while (!tr_poll(r)) {
        if (tr_now() > deadline) {
            tr_abort(r);
            cr_assert_fail("pyconform did not end within %.0f s", timeout);
        }
        sleep_ms(r->trace_rss && sanitized ? 2 : 10);
    }
    note_survivors(r, 1.0);
    snprintf(path, sizeof path, "%s/stdout", r->dir);
    r->out = slurp(path, 1 << 24, NULL);
    snprintf(path, sizeof path, "%s/stderr", r->dir);
    r->err = slurp(path, 1 << 24, NULL);
    if (!r->out)
        r->out = strdup("");
    if (!r->err)
        r->err = strdup("");
    cr_assert(r->out && r->err);
    snprintf(path, sizeof path, "%s/latest.json", r->reports);
    r->report = load_report(path);
}

void tr_free(tagged_run *r)
{
    tr_abort(r);
    if (r->dir[0])
        remove_tree(r->dir);
    free(r->out);
    free(r->err);
    json_decref(r->report);
    memset(r, 0, sizeof *r);
}

/* The value of PYCONFORM_TEST_TAG in a NUL-separated environment block, or NULL. */
static const char *tag_in(const char *env, size_t len)
{
    const char *p = env;
    while ((size_t)(p - env) < len) {
        size_t n = strnlen(p, len - (size_t)(p - env));
        if (n > sizeof TAG_VAR && !strncmp(p, TAG_VAR "=", sizeof TAG_VAR) && n < len - (size_t)(p - env))
            return p + sizeof TAG_VAR;
        p += n + 1;
    }
    return NULL;
}

/* Kill (by pid) tagged processes whose test process (the PID in pc-PID-...) is gone:
 * what a test that failed before cleaning up left behind. */
static void sweep_orphans(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    cr_assert_not_null(d);
    while ((e = readdir(d))) {
        char path[300], *env;
        const char *tag;
        size_t len;
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        snprintf(path, sizeof path, "/proc/%s/environ", e->d_name);
        env = slurp(path, 1 << 20, &len);
        if (!env)
            continue;
        tag = tag_in(env, len);
        if (tag && !strncmp(tag, "pc-", 3)) {
            char *end;
            long owner = strtol(tag + 3, &end, 10);
            if (owner > 0 && *end == '-' && kill((pid_t)owner, 0) != 0 && errno == ESRCH)
                kill((pid_t)atol(e->d_name), SIGKILL);
        }
        free(env);
    }
    closedir(d);
}

size_t tr_tagged(const char *tag, const char *cmdline_part, pid_t *pids, size_t max)
{
    char needle[96];
    size_t needle_len, found = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t self = getpid();
    cr_assert_not_null(d);
    needle_len = (size_t)snprintf(needle, sizeof needle, "%s=%s", TAG_VAR, tag) + 1; /* with its NUL */
    while ((e = readdir(d))) {
        char path[64], *env, *p;
        size_t len;
        bool match = false;
        pid_t pid;
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        pid = (pid_t)atol(e->d_name);
        if (pid == self)
            continue;
        snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
        env = slurp(path, 1 << 20, &len);
        if (!env)
            continue; /* gone, or not readable */
        for (p = env; p && (size_t)(p - env) + needle_len <= len;) {
            p = memmem(p, len - (size_t)(p - env), needle, needle_len);
            if (p && (p == env || p[-1] == '\0')) {
                match = true;
                break;
            }
            if (p)
                p++;
        }
        free(env);
        if (!match)
            continue;
        if (cmdline_part) {
            char *cmd;
            size_t i;
            snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
            cmd = slurp(path, 1 << 16, &len);
            if (!cmd)
                continue;
            for (i = 0; i < len; i++)
                if (cmd[i] == '\0')
                    cmd[i] = ' ';
            match = strstr(cmd, cmdline_part) != NULL;
            free(cmd);
            if (!match)
                continue;
        }
        if (found < max)
            pids[found] = pid;
        found++;
    }
    closedir(d);
    return found;
}

bool tr_have_pyenv(const char *version)
{
    const char *root = getenv("PYENV_ROOT");
    char path[512];
    snprintf(path, sizeof path, "%s/versions/%s/bin/python", root && *root ? root : "/root/.pyenv",
             version);
    return access(path, X_OK) == 0;
}

char *tr_find_pypy(char *why, size_t size)
{
    FILE *p = popen(PYCONFORM_BIN " interpreters --json", "r");
    char buf[8192];
    size_t n, len = 0, cap = 0, i;
    char *text = NULL;
    json_t *list, *it;
    char *name = NULL;
    cr_assert_not_null(p);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        char *bigger = realloc(text, cap = len + n + 1);
        cr_assert_not_null(bigger);
        text = bigger;
        memcpy(text + len, buf, n);
        len += n;
    }
    cr_assert_eq(pclose(p), 0, "pyconform interpreters --json failed");
    list = json_loadb(text ? text : "", len, 0, NULL);
    free(text);
    cr_assert(json_is_array(list), "pyconform interpreters --json: not a JSON list");
    json_array_foreach(list, i, it) {
        const char *impl = json_string_value(json_object_get(json_object_get(it, "probe"), "implementation"));
        if (impl && !strcmp(impl, "pypy") && json_is_true(json_object_get(it, "supported")) &&
            json_is_null(json_object_get(it, "problem"))) {
            name = strdup(json_string_value(json_object_get(it, "name")));
            cr_assert_not_null(name);
            break;
        }
    }
    json_decref(list);
    if (!name)
        snprintf(why, size, "no runnable PyPy in `pyconform interpreters` "
                            "(`pyconform provision pypy3.9-bookworm` installs one)");
    return name;
}

size_t tr_files_matching(const char *dir, const char *part, char *buf, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0, used = 0;
    if (size)
        buf[0] = '\0';
    cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, part))
            continue;
        n++;
        if (used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s ", e->d_name);
    }
    closedir(d);
    return n;
}
