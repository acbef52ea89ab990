/* provision: recipes drive KIND.sh scripts, logs, verification, --list; all with a fake
 * kind in a temp root (no downloads). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "provision.h"
#include "util.h"

static void write_file(const char *path, const char *text, int mode)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

/* A temp root with provision/fake.sh: it records its arguments and writes a build.json
 * running the python3 that runs this test suite's probe. */
static char *make_root(void)
{
    char *root = strdup("/tmp/pc-prov-XXXXXX");
    char *p;
    cr_assert_not_null(mkdtemp(root));
    p = pc_asprintf(NULL, "%s/provision", root);
    mkdir(p, 0755);
    free(p);
    p = pc_asprintf(NULL, "%s/provision/fake.sh", root);
    write_file(p,
               "#!/bin/sh\n"
               "dest=$1; shift\n"
               "mkdir -p \"$dest\"\n"
               "echo \"fake provisioning with: $*\"\n"
               "printf '%s\\n' \"$@\" > \"$dest/args\"\n"
               "case \" $* \" in *--broken=1*) echo 'cannot do it' >&2; exit 3;; esac\n"
               "py=/usr/bin/python3\n"
               "case \" $* \" in *--badpy=1*) py=/nonexistent/python;; esac\n"
               "printf '{\"name\": \"%s\", \"argv\": [\"%s\"], \"env\": {}, \"tags\": [\"fake\"], \"provisioned_at\": \"now\"}\\n' \"${2#--name=}\" \"$py\" > \"$dest/build.json\"\n",
               0755);
    free(p);
    p = pc_asprintf(NULL, "%s/provision/recipes.json", root);
    write_file(p,
               "[{\"name\": \"good\", \"kind\": \"fake\", \"description\": \"works\", \"tags\": [\"a\", \"b\"],"
               "  \"packages\": [\"p1\", \"p2\"], \"version\": \"1.2\"},"
               " {\"name\": \"broken\", \"kind\": \"fake\", \"broken\": true},"
               " {\"name\": \"badpy\", \"kind\": \"fake\", \"badpy\": true},"
               " {\"name\": \"slow\", \"kind\": \"fake\", \"explicit_only\": true}]",
               0644);
    free(p);
    return root;
}

static pc_provision_options options(const char *root, char **names, size_t n)
{
    pc_provision_options o = {0};
    o.root = root;
    o.interps_dir = pc_asprintf(NULL, "%s/cache/interpreters", root);
    o.logs_dir = pc_asprintf(NULL, "%s/cache/logs", root);
    o.probe = TESTS_DIR "/../runners/probe.py";
    o.runners = TESTS_DIR "/../runners";
    o.names = names;
    o.nnames = n;
    return o;
}

static void options_free(pc_provision_options *o)
{
    free((char *)o->interps_dir);
    free((char *)o->logs_dir);
}

/* Remove the temp root and free its name. */
static void drop_root(char *root)
{
    remove_tree(root);
    free(root);
}

static char *slurp(const char *path)
{
    pc_buf b = {0};
    pc_error err;
    cr_assert_eq(pc_read_file(path, &b, &err), 0, "%s", err.msg);
    return b.data;
}

Test(provision, runs_recipes_logs_and_verifies)
{
    char *root = make_root(), *text, *path;
    char *names[] = {"good"};
    pc_provision_options o = options(root, names, 1);
    FILE *out = tmpfile();
    size_t failed = 99;
    pc_error err;
    cr_assert_eq(pc_provision_run(out, &o, &failed, &err), 0, "%s", err.msg);
    cr_assert_eq(failed, 0);
    path = pc_asprintf(NULL, "%s/good/args", o.interps_dir);
    text = slurp(path);
    cr_assert_str_eq(text, "--name=good\n--tags=a\n--tags=b\n--packages=p1\n--packages=p2\n--version=1.2\n",
                     "recipe keys become --KEY=VALUE, lists repeat");
    free(text);
    free(path);
    path = pc_asprintf(NULL, "%s/good.log", o.logs_dir);
    text = slurp(path);
    cr_assert(strstr(text, "fake provisioning with: --name=good") != NULL, "%s", text);
    cr_assert(strstr(text, "verified: cpython 3.") != NULL, "%s", text);
    free(text);
    free(path);
    fclose(out);
    options_free(&o);
    drop_root(root);
}

Test(provision, failures_are_reported_and_counted)
{
    char *root = make_root(), *text, *path;
    char *names[] = {"broken", "badpy"};
    pc_provision_options o = options(root, names, 2);
    FILE *out = tmpfile();
    char buf[4096] = "";
    size_t failed = 0, n;
    pc_error err;
    cr_assert_eq(pc_provision_run(out, &o, &failed, &err), 0, "%s", err.msg);
    cr_assert_eq(failed, 2);
    rewind(out);
    n = fread(buf, 1, sizeof buf - 1, out);
    buf[n] = '\0';
    cr_assert(strstr(buf, "broken: FAILED:") != NULL && strstr(buf, "failed (exit code 3)") != NULL, "%s", buf);
    cr_assert(strstr(buf, "badpy: FAILED: /nonexistent/python: cannot execute") != NULL, "%s", buf);
    path = pc_asprintf(NULL, "%s/broken.log", o.logs_dir);
    text = slurp(path);
    cr_assert(strstr(text, "cannot do it") != NULL, "stderr goes to the log: %s", text);
    free(text);
    free(path);
    fclose(out);
    options_free(&o);
    drop_root(root);
}

Test(provision, selection_and_list)
{
    char *root = make_root();
    char *bad[] = {"nothing-like-this*"};
    pc_provision_options o = options(root, bad, 1);
    FILE *out = tmpfile();
    char buf[4096] = "";
    size_t failed, n;
    pc_error err;
    cr_assert_eq(pc_provision_run(out, &o, &failed, &err), -1);
    cr_assert_str_eq(err.msg, "no recipe matches 'nothing-like-this*' (see `pyconform provision --list`)");
    options_free(&o);
    o = options(root, NULL, 0);
    cr_assert_eq(pc_provision_list(out, &o, &err), 0, "%s", err.msg);
    rewind(out);
    n = fread(buf, 1, sizeof buf - 1, out);
    buf[n] = '\0';
    cr_assert(strstr(buf, "slow") && strstr(buf, "not provisioned (explicit only)"), "%s", buf);
    cr_assert(strstr(buf, "good") && strstr(buf, "works"), "%s", buf);
    fclose(out);
    options_free(&o);
    drop_root(root);
}

Test(provision, bad_recipe_files)
{
    char *root = make_root();
    char *p = pc_asprintf(NULL, "%s/provision/recipes.json", root);
    pc_error err;
    cr_assert_null(pc_recipes_load("/nonexistent/recipes.json", &err));
    cr_assert(strstr(err.msg, "/nonexistent/recipes.json") != NULL);
    write_file(p, "[{\"name\": \"a\", \"kind\": \"fake\"}, {\"name\": \"a\", \"kind\": \"fake\"}]", 0644);
    cr_assert_null(pc_recipes_load(p, &err));
    cr_assert(strstr(err.msg, "recipe name 'a' used twice") != NULL, "%s", err.msg);
    write_file(p, "[{\"name\": \"a\"}]", 0644);
    cr_assert_null(pc_recipes_load(p, &err));
    cr_assert(strstr(err.msg, "needs a \"name\" and a \"kind\"") != NULL, "%s", err.msg);
    write_file(p, "{\"name\": \"a\"}", 0644);
    cr_assert_null(pc_recipes_load(p, &err));
    cr_assert(strstr(err.msg, "must be a list of recipes") != NULL, "%s", err.msg);
    free(p);
    drop_root(root);
}
