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
    cr_assert_eq(pc_registry_select(&reg, NULL, 0, tags, 1), 1);
    cr_assert(reg.items[1].selected);
    cr_assert_not_null(reg.items[2].problem, "/R/x.py does not exist: the probe fails");
    cr_assert(strstr(reg.items[2].problem, "probe failed (exit code 2)") != NULL, "%s", reg.items[2].problem);
    cr_assert_eq(pc_registry_select(&reg, pats, 1, NULL, 0), 2, "a build whose probe failed is never selected");
    cr_assert_eq(pc_registry_select(&reg, pats, 1, tags, 1), 1, "patterns and tags combine");
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
