/* Registry: configuration file, provisioned build.json files, tags, selection, probe
 * cache. Uses the machine's /usr/bin/python3 as the real interpreter behind entries. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"
#include "fixture.h"
#include "util.h"

#define PROBE TESTS_DIR "/../runners/probe.py"

Test(registry, config_entries_same_binary_twice_with_env_and_tags)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_error err;
    char *cfg, *tags[] = {"nogil"}, *pats[] = {"py-*"};
    cr_assert_not_null(mkdtemp(dir));
    cfg = write_tmp(dir, "interpreters.json",
                    "{\"interpreters\": ["
                    " {\"name\": \"py-plain\", \"argv\": [\"/usr/bin/python3\"]},"
                    " {\"name\": \"py-env\", \"argv\": [\"/usr/bin/python3\"], \"env\": {\"PC_FLAG\": \"1\"},"
                    "  \"tags\": [\"nogil\"]},"
                    " {\"name\": \"py-runners\", \"argv\": [\"/usr/bin/python3\", \"{runners}/x.py\"]}]}");
    cr_assert_eq(pc_registry_load_config(&reg, cfg, "/R", &err), 0, "%s", err.msg);
    cr_assert_eq(reg.len, 3, "the same binary twice with a different environment is two builds");
    cr_assert_str_eq(reg.items[1].env[0], "PC_FLAG=1");
    cr_assert_str_eq(reg.items[2].argv[1], "/R/x.py", "{runners} is the runners directory");
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 60, NULL, &err), 0, "%s", err.msg);
    cr_assert_str_eq(reg.items[0].name, "py-plain", "configured names are kept");
    cr_assert(pc_interp_has_tag(&reg.items[1], "nogil"));
    cr_assert(pc_interp_has_tag(&reg.items[1], "cpython"), "automatic tags are added");
    cr_assert(pc_interp_has_tag(&reg.items[1], "config"));
    cr_assert_not_null(reg.items[2].problem, "/R/x.py does not exist: the probe fails");
    cr_assert(strstr(reg.items[2].problem, "probe failed (exit code 2)") != NULL, "%s", reg.items[2].problem);
    cr_assert(reg.items[2].broken && !reg.items[2].supported);
    cr_assert_eq(pc_registry_select(&reg, NULL, 0, tags, 1), 2,
                 "the tagged build, and the configured one that cannot be probed");
    cr_assert(reg.items[1].selected && !reg.items[0].selected);
    cr_assert(reg.items[2].selected, "a configured build is meant to run: its jobs will be ERROR");
    cr_assert_eq(pc_registry_select(&reg, pats, 1, NULL, 0), 3);
    cr_assert_eq(pc_registry_select(&reg, pats, 1, tags, 1), 2, "patterns and tags combine");
    cr_assert(reg.items[1].selected && !reg.items[0].selected);
    pc_registry_free(&reg);
    remove(cfg);
    free(cfg);
    rmdir(dir);
}

Test(registry, bad_config_files)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_error err;
    char *cfg;
    cr_assert_not_null(mkdtemp(dir));
    cfg = write_tmp(dir, "a.json", "{\"interpreters\": [{\"argv\": []}]}");
    cr_assert_eq(pc_registry_load_config(&reg, cfg, NULL, &err), -1);
    cr_assert(strstr(err.msg, "interpreters[0]: \"argv\" must be a non-empty list of strings") != NULL, "%s", err.msg);
    remove(cfg);
    free(cfg);
    cfg = write_tmp(dir, "a.json", "{\"interpreters\": [{\"argv\": [\"/usr/bin/python3\"], \"env\": {\"A\": 1}}]}");
    cr_assert_eq(pc_registry_load_config(&reg, cfg, NULL, &err), -1);
    cr_assert(strstr(err.msg, "env[\"A\"] must be a string") != NULL, "%s", err.msg);
    remove(cfg);
    free(cfg);
    cfg = write_tmp(dir, "a.json", "{\"interpreters\": {}}");
    cr_assert_eq(pc_registry_load_config(&reg, cfg, NULL, &err), -1);
    cr_assert(strstr(err.msg, "needs {\"interpreters\": [...]}") != NULL, "%s", err.msg);
    remove(cfg);
    free(cfg);
    cfg = write_tmp(dir, "a.json", "{\"interpreters\": [}");
    cr_assert_eq(pc_registry_load_config(&reg, cfg, NULL, &err), -1);
    cr_assert(strstr(err.msg, "a.json:1:") != NULL, "the line of a JSON error: %s", err.msg);
    remove(cfg);
    free(cfg);
    pc_registry_free(&reg);
    rmdir(dir);
}

Test(registry, provisioned_builds_and_warnings)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_error err;
    char *d1, *d2, *f1, *f2;
    cr_assert_not_null(mkdtemp(dir));
    d1 = pc_asprintf(NULL, "%s/good", dir);
    d2 = pc_asprintf(NULL, "%s/broken", dir);
    mkdir(d1, 0755);
    mkdir(d2, 0755);
    f1 = write_tmp(d1, "build.json", "{\"name\": \"good\", \"argv\": [\"/usr/bin/python3\"], \"tags\": [\"x\"]}");
    f2 = write_tmp(d2, "build.json", "{\"name\": ");
    cr_assert_eq(pc_registry_load_provisioned(&reg, dir, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(reg.len, 1);
    cr_assert_str_eq(reg.items[0].origin, "provisioned");
    cr_assert_eq(reg.nwarnings, 1, "a broken build.json is a warning, not an error");
    cr_assert(strstr(reg.warnings[0], "broken/build.json:1:") != NULL, "%s", reg.warnings[0]);
    cr_assert_eq(pc_registry_load_provisioned(&reg, "/nonexistent", NULL, &err), 0, "nothing provisioned is fine");
    pc_registry_free(&reg);
    remove(f1);
    remove(f2);
    rmdir(d1);
    rmdir(d2);
    rmdir(dir);
    free(d1);
    free(d2);
    free(f1);
    free(f2);
}

Test(registry, probe_cache_is_used_and_invalidated)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_error err;
    char *cache, *fake;
    char *argv[2];
    pc_buf b = {0};
    cr_assert_not_null(mkdtemp(dir));
    cache = pc_asprintf(NULL, "%s/probes.json", dir);
    /* a fake interpreter whose probe output we control */
    fake = write_tmp(dir, "python",
                     "#!/bin/sh\necho '{\"implementation\": \"cpython\", \"version\": \"3.12.9\", \"threads\": true}'\n");
    chmod(fake, 0755);
    argv[0] = fake;
    argv[1] = NULL;
    cr_assert_eq(pc_registry_add(&reg, "config", "fake", argv, NULL, NULL, &err), 0);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 10, cache, &err), 0, "%s", err.msg);
    cr_assert_str_eq(reg.items[0].version, "3.12.9");
    pc_registry_free(&reg);
    /* the cache answers while the file is unchanged ... */
    cr_assert_eq(pc_read_file(cache, &b, &err), 0);
    cr_assert(strstr(b.data, "3.12.9") != NULL);
    pc_buf_free(&b);
    memset(&reg, 0, sizeof reg);
    cr_assert_eq(pc_registry_add(&reg, "config", "fake", argv, NULL, NULL, &err), 0);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 10, cache, &err), 0);
    cr_assert_str_eq(reg.items[0].version, "3.12.9");
    pc_registry_free(&reg);
    /* ... and a changed binary is probed again */
    sleep(1);
    free(write_tmp(dir, "python",
                   "#!/bin/sh\necho '{\"implementation\": \"cpython\", \"version\": \"3.12.10\", \"threads\": true}'\n"));
    memset(&reg, 0, sizeof reg);
    cr_assert_eq(pc_registry_add(&reg, "config", "fake", argv, NULL, NULL, &err), 0);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 10, cache, &err), 0);
    cr_assert_str_eq(reg.items[0].version, "3.12.10");
    pc_registry_free(&reg);
    remove(cache);
    remove(fake);
    rmdir(dir);
    free(cache);
    free(fake);
}

/* An executable shell script DIR/NAME (malloc'd path). */
static char *script(const char *dir, const char *name, const char *body)
{
    char *p = write_tmp(dir, name, body);
    cr_assert_eq(chmod(p, 0755), 0);
    return p;
}

static const pc_interp *find(const pc_registry *reg, const char *name)
{
    size_t i;
    for (i = 0; i < reg->len; i++)
        if (reg->items[i].name && strcmp(reg->items[i].name, name) == 0)
            return &reg->items[i];
    return NULL;
}

static void assert_utf8(const char *s)
{
    size_t len = strlen(s), i = 0, n;
    while (i < len) {
        n = pc_utf8_char(s + i, len - i);
        cr_assert_gt(n, 0, "invalid UTF-8 at %zu in: %s", i, s);
        i += n;
    }
}

static void rm_tree(const char *dir)
{
    char *cmd = pc_asprintf(NULL, "/bin/rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
}

/* Every way a probe can fail leaves the build listed, with why; configured ones are
 * selected (meant to run), others only when named exactly; the plan gives their jobs
 * the problem as an error and skips nothing for them. */
Test(registry, broken_builds_are_listed_with_their_problem_and_planned_when_asked_for)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_caseset cases = {0};
    pc_plan plan = {0};
    pc_error err;
    char *cfg, *missing_argv[] = {"/nonexistent/pc-python", NULL};
    char *pats[] = {"prov-broken"}, *globs[] = {"prov-*"}, *tags[] = {"nothing-has-this"};
    const char *text = "$ t\n# pyconform: requires threads\ndef f(): return 1\n=\ndef f(): return 1\n";
    const pc_interp *in;
    size_t i, nerror = 0;
    cr_assert_not_null(mkdtemp(dir));
    free(script(dir, "exits.sh", "#!/bin/sh\necho 'Traceback: boom' >&2\nexit 3\n"));
    free(script(dir, "garbage.sh", "#!/bin/sh\nprintf 'hello \\377\\376 world\\n'\n"));
    free(script(dir, "badstderr.sh", "#!/bin/sh\nprintf 'caf\\303 \\377\\n' >&2\nexit 1\n"));
    free(script(dir, "slow.sh", "#!/bin/sh\nexec sleep 30\n"));
    free(script(dir, "notobject.sh", "#!/bin/sh\necho '[1, 2]'\n"));
    free(script(dir, "noversion.sh", "#!/bin/sh\necho '{\"implementation\": \"cpython\"}'\n"));
    cfg = pc_asprintf(NULL,
                      "{\"interpreters\": ["
                      " {\"name\": \"missing\", \"argv\": [\"/nonexistent/python3\"]},"
                      " {\"name\": \"exits\", \"argv\": [\"%s/exits.sh\"]},"
                      " {\"name\": \"garbage\", \"argv\": [\"%s/garbage.sh\"]},"
                      " {\"name\": \"badstderr\", \"argv\": [\"%s/badstderr.sh\"]},"
                      " {\"name\": \"slow\", \"argv\": [\"%s/slow.sh\"]},"
                      " {\"name\": \"notobject\", \"argv\": [\"%s/notobject.sh\"]},"
                      " {\"name\": \"noversion\", \"argv\": [\"%s/noversion.sh\"]},"
                      " {\"name\": \"good\", \"argv\": [\"/usr/bin/python3\"]}]}",
                      dir, dir, dir, dir, dir, dir);
    free(write_tmp(dir, "interpreters.json", cfg));
    free(cfg);
    cfg = pc_asprintf(NULL, "%s/interpreters.json", dir);
    cr_assert_eq(pc_registry_load_config(&reg, cfg, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_registry_add(&reg, "provisioned", "prov-broken", missing_argv, NULL, NULL, &err), 0);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 2, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(reg.len, 9, "nothing is dropped");

    cr_assert_not_null(in = find(&reg, "missing"));
    cr_assert(in->broken && !in->supported);
    cr_assert(strstr(in->problem, "/nonexistent/python3: cannot execute: No such file") != NULL, "%s", in->problem);
    cr_assert_not_null(in = find(&reg, "exits"));
    cr_assert_str_eq(in->problem, "probe failed (exit code 3): Traceback: boom");
    cr_assert_not_null(in = find(&reg, "garbage"));
    cr_assert(strstr(in->problem, "probe printed no JSON object") != NULL, "%s", in->problem);
    cr_assert(strstr(in->problem, ": hello \\xff\\xfe world") != NULL, "what it printed, escaped: %s", in->problem);
    cr_assert_not_null(in = find(&reg, "badstderr"));
    cr_assert(strstr(in->problem, "probe failed (exit code 1): caf\\xc3 \\xff") != NULL, "%s", in->problem);
    cr_assert_not_null(in = find(&reg, "slow"));
    cr_assert_str_eq(in->problem, "probe did not finish within 2 seconds");
    cr_assert_not_null(in = find(&reg, "notobject"));
    cr_assert_str_eq(in->problem, "probe printed JSON that is not an object");
    cr_assert_not_null(in = find(&reg, "noversion"));
    cr_assert(strstr(in->problem, "lacks implementation/version") != NULL, "%s", in->problem);
    cr_assert_not_null(in = find(&reg, "prov-broken"));
    cr_assert(in->broken);
    cr_assert_not_null(in = find(&reg, "good"));
    cr_assert(in->supported && !in->broken && !in->problem);
    for (i = 0; i < reg.len; i++) {
        if (reg.items[i].problem)
            assert_utf8(reg.items[i].problem);
        cr_assert(reg.items[i].broken == (reg.items[i].problem != NULL), "%s", reg.items[i].name);
    }

    /* selection: configured broken builds always; another only by its exact name */
    cr_assert_eq(pc_registry_select(&reg, NULL, 0, tags, 1), 7, "the 7 configured broken builds");
    cr_assert(!find(&reg, "prov-broken")->selected && !find(&reg, "good")->selected);
    cr_assert_eq(pc_registry_select(&reg, globs, 1, NULL, 0), 7, "a glob does not ask for a broken build");
    cr_assert(!find(&reg, "prov-broken")->selected);
    cr_assert_eq(pc_registry_select(&reg, pats, 1, NULL, 0), 8, "its exact name does");
    cr_assert(find(&reg, "prov-broken")->selected);
    cr_assert_eq(pc_registry_select(&reg, NULL, 0, NULL, 0), 8);
    cr_assert(find(&reg, "good")->selected && !find(&reg, "prov-broken")->selected);

    /* the plan: every broken selected build gets its jobs, answered by its problem */
    cr_assert_eq(pc_parse_text(&cases, "cases/t.case", text, strlen(text), &err), 0, "%s", err.msg);
    cr_assert_eq(pc_plan_build(&plan, &cases, &reg, PC_MODES_ALL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(plan.len, 16, "8 builds x source and desugared");
    for (i = 0; i < plan.len; i++) {
        const pc_job *j = &plan.jobs[i];
        if (j->interp->broken) {
            nerror++;
            cr_assert_eq(pc_job_error(j), j->interp->problem, "borrowed from the interpreter");
            cr_assert_null(pc_job_skip(j), "nothing is known about a broken build: no SKIP");
        } else {
            cr_assert_null(pc_job_error(j));
        }
    }
    cr_assert_eq(nerror, 14);
    pc_plan_free(&plan);
    pc_caseset_free(&cases);
    pc_registry_free(&reg);
    free(cfg);
    rm_tree(dir);
}

/* Two entries are one build only when they run the same thing: the same real argv[0],
 * arguments and environment; after probing, a discovered shim of another entry goes,
 * but a configured wrapper script stays even though it runs the same executable. */
Test(registry, dedup_compares_argv_and_environment)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_error err;
    char *cfg, *shim, *sys_argv[] = {"/usr/bin/python3", NULL}, *shim_argv[2];
    cr_assert_not_null(mkdtemp(dir));
    free(script(dir, "dev.sh", "#!/bin/sh\nexec /usr/bin/python3 -X dev \"$@\"\n"));
    free(script(dir, "hashed.sh", "#!/bin/sh\nPYTHONHASHSEED=7 exec /usr/bin/python3 \"$@\"\n"));
    shim = script(dir, "python3.99", "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n");
    shim_argv[0] = shim;
    shim_argv[1] = NULL;
    cfg = pc_asprintf(NULL,
                      "{\"interpreters\": ["
                      " {\"name\": \"wrap-dev\", \"argv\": [\"%s/dev.sh\"]},"
                      " {\"name\": \"wrap-hashed\", \"argv\": [\"%s/hashed.sh\"]},"
                      " {\"name\": \"plain\", \"argv\": [\"/usr/bin/python3\"]},"
                      " {\"name\": \"plain-again\", \"argv\": [\"/usr/bin/python3\"]},"
                      " {\"name\": \"with-env\", \"argv\": [\"/usr/bin/python3\"], \"env\": {\"PC_X\": \"1\"}},"
                      " {\"name\": \"with-args\", \"argv\": [\"/usr/bin/python3\", \"-X\", \"dev\"]}]}",
                      dir, dir);
    free(write_tmp(dir, "interpreters.json", cfg));
    free(cfg);
    cfg = pc_asprintf(NULL, "%s/interpreters.json", dir);
    cr_assert_eq(pc_registry_load_config(&reg, cfg, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(reg.len, 5, "plain-again is plain");
    cr_assert_eq(reg.nwarnings, 1, "a configured entry merged into another is said");
    cr_assert(strstr(reg.warnings[0], "plain-again") && strstr(reg.warnings[0], "listed once, as plain"),
              "%s", reg.warnings[0]);
    /* discovered: the same file (merged silently) and a shim running it */
    cr_assert_eq(pc_registry_add(&reg, "system", NULL, sys_argv, NULL, NULL, &err), 0);
    cr_assert_eq(reg.len, 5);
    cr_assert_eq(pc_registry_add(&reg, "path", NULL, shim_argv, NULL, NULL, &err), 0);
    cr_assert_eq(reg.len, 6);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 60, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(reg.len, 5, "the shim is dropped: it runs plain's executable unchanged");
    cr_assert_not_null(find(&reg, "plain"));
    cr_assert_not_null(find(&reg, "with-env"), "a different environment is another build");
    cr_assert_not_null(find(&reg, "with-args"), "different arguments are another build");
    cr_assert_not_null(find(&reg, "wrap-dev"), "a configured wrapper adding arguments is kept");
    cr_assert_not_null(find(&reg, "wrap-hashed"), "a configured wrapper adding environment is kept");
    cr_assert_str_eq(json_string_value(json_object_get(find(&reg, "wrap-dev")->probe, "executable")),
                     "/usr/bin/python3", "it runs the same executable as plain");
    for (size_t i = 0; i < reg.len; i++)
        cr_assert(reg.items[i].supported, "%s: %s", reg.items[i].name, reg.items[i].problem);
    pc_registry_free(&reg);

    /* the same wrapper without a direct entry: kept too (nothing to merge it into) */
    memset(&reg, 0, sizeof reg);
    cr_assert_eq(pc_registry_add(&reg, "path", NULL, shim_argv, NULL, NULL, &err), 0);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 60, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(reg.len, 1);
    pc_registry_free(&reg);
    free(cfg);
    free(shim);
    rm_tree(dir);
}

/* Discovery lists what it finds but cannot run (a pyenv version without a binary, a
 * dangling python3.N link on PATH) instead of skipping it. */
Test(registry, discovery_lists_what_cannot_run)
{
    char dir[] = "/tmp/pc-reg-XXXXXX";
    pc_registry reg = {0};
    pc_error err;
    char *p;
    const pc_interp *in;
    size_t i;
    cr_assert_not_null(mkdtemp(dir));
    p = pc_asprintf(NULL, "mkdir -p %s/pyenv/versions/3.99.0/bin %s/bin && ln -s /nonexistent/py %s/bin/python3.98",
                    dir, dir, dir);
    cr_assert_eq(system(p), 0);
    free(p);
    p = pc_asprintf(NULL, "%s/pyenv", dir);
    setenv("PYENV_ROOT", p, 1);
    free(p);
    p = pc_asprintf(NULL, "%s/bin", dir);
    setenv("PATH", p, 1);
    free(p);
    cr_assert_eq(pc_registry_discover(&reg, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_registry_probe(&reg, PROBE, 60, NULL, &err), 0, "%s", err.msg);
    cr_assert_not_null(in = find(&reg, "unknown-pyenv-3.99.0"));
    cr_assert(in->broken && !in->supported);
    cr_assert_str_eq(in->problem, "pyenv version without an executable bin/python or bin/python3");
    cr_assert_str_eq(in->origin, "pyenv");
    cr_assert_not_null(in = find(&reg, "unknown-python3.98"));
    cr_assert(in->broken);
    cr_assert_str_eq(in->problem, "cannot be run: No such file or directory");
    cr_assert_str_eq(in->origin, "path");
    for (i = 0; i < reg.len; i++)
        if (strcmp(reg.items[i].origin, "system") != 0)
            cr_assert(reg.items[i].broken, "only the two broken ones come from pyenv and PATH here");
    pc_registry_free(&reg);
    rm_tree(dir);
}
