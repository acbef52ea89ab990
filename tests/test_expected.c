/* Expectations: selectors, range labels, and loading (good and malformed files). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expected.h"
#include "fixture.h"
#include "util.h"

static pc_interp mk(const char *impl, const char *version, bool debug)
{
    pc_interp in;
    memset(&in, 0, sizeof in);
    in.impl = impl;
    in.version = version;
    in.debug = debug;
    cr_assert_eq(pc_version_parse(version, &in.ver), 0, "%s", version);
    return in;
}

Test(expected, version_parse)
{
    pc_version v;
    char buf[32];
    cr_assert_eq(pc_version_parse("3.15.0rc1", &v), 0);
    cr_assert_eq(v.v[3], 2);
    cr_assert_eq(v.v[4], 1);
    pc_version_format(&v, 5, buf, sizeof buf);
    cr_assert_str_eq(buf, "3.15.0rc1");
    cr_assert_eq(pc_version_parse("3.13", &v), 0);
    cr_assert_eq(v.parts, 2);
    cr_assert_eq(pc_version_parse("3.x", &v), -1);
    cr_assert_eq(pc_version_parse("3.13rc1", &v), -1);
    cr_assert_eq(pc_version_parse("", &v), -1);
}

Test(expected, selectors)
{
    pc_interp a = mk("cpython", "3.13.0", false), b = mk("cpython", "3.13.18", false);
    pc_interp c = mk("cpython", "3.10.13", false), d = mk("cpython", "3.14.10", true);
    pc_interp e = mk("pypy", "3.9.18", false), f = mk("cpython", "3.15.0a2", false);
    cr_assert(pc_builds_match("cpython 3.8-3.10", &c));
    cr_assert(!pc_builds_match("cpython 3.8-3.10", &a));
    cr_assert(pc_builds_match("cpython 3.13.0", &a));
    cr_assert(!pc_builds_match("cpython 3.13.0", &b));
    cr_assert(pc_builds_match("cpython 3.13.1+", &b));
    cr_assert(!pc_builds_match("cpython 3.13.1+", &a));
    cr_assert(pc_builds_match("cpython 3.13-3.13.0", &a));
    cr_assert(!pc_builds_match("cpython 3.14+", &d), "traits must match exactly");
    cr_assert(pc_builds_match("cpython+debug 3.14+", &d));
    cr_assert(!pc_builds_match("cpython 3.9", &e));
    cr_assert(pc_builds_match("pypy 3.9", &e));
    cr_assert(pc_builds_match("*", &e));
    cr_assert(pc_builds_match("pypy *", &e));
    cr_assert(pc_builds_match("cpython 3.15+", &f));
    cr_assert(pc_builds_match("cpython 3.15.0+", &f), "bounds compare only the fields they give");
    cr_assert(!pc_builds_match("cpython 3.15.0rc1+", &f));
}

Test(expected, labels_bound_by_neighbours)
{
    pc_interp v[6];
    const pc_interp *m[6];
    char buf[128];
    size_t i;
    v[0] = mk("cpython", "3.8.18", false);
    v[1] = mk("cpython", "3.10.13", false);
    v[2] = mk("cpython", "3.12.1", false);
    v[3] = mk("cpython", "3.13.0", false);
    v[4] = mk("cpython", "3.13.18", false);
    v[5] = mk("cpython", "3.15.0a2", false);
    for (i = 0; i < 6; i++)
        m[i] = &v[i];
    pc_builds_label(m, 6, 0, 1, buf, sizeof buf);
    cr_assert_str_eq(buf, "cpython 3.8-3.10");
    pc_builds_label(m, 6, 2, 3, buf, sizeof buf);
    cr_assert_str_eq(buf, "cpython 3.12-3.13.0");
    pc_builds_label(m, 6, 3, 3, buf, sizeof buf);
    cr_assert_str_eq(buf, "cpython 3.13.0", "not 3.13-3.13.0");
    pc_builds_label(m, 6, 4, 5, buf, sizeof buf);
    cr_assert_str_eq(buf, "cpython 3.13.1+");
    pc_builds_label(m, 6, 0, 5, buf, sizeof buf);
    cr_assert_str_eq(buf, "cpython 3.8+");
    /* every label matches its own members and none of the others */
    for (i = 0; i < 6; i++) {
        size_t k;
        pc_builds_label(m, 6, i, i, buf, sizeof buf);
        for (k = 0; k < 6; k++)
            cr_assert_eq(pc_builds_match(buf, m[k]), k == i, "%s vs %s", buf,
                         m[k]->version);
    }
}

static void load_expect_error(const char *json, const char *want_substring)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    char *p;
    cr_assert_not_null(mkdtemp(dir));
    p = write_tmp(dir, "x.json", json);
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ a\n", 4, &err), 0);
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), -1, "accepted %s", json);
    cr_assert(strstr(err.msg, want_substring) != NULL, "got: %s", err.msg);
    cr_assert(strncmp(err.msg, dir, strlen(dir)) == 0, "error names the file: %s", err.msg);
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

Test(expected, malformed_files)
{
    load_expect_error("{", "expected near end of file");
    load_expect_error("{\"schema\": 2, \"cases\": {}}", "\"schema\" must be 1");
    load_expect_error("{\"schema\": 1, \"cases\": []}", "\"cases\" must be an object");
    load_expect_error("{\"schema\": 1, \"cases\": {\"a\": {\"f\": [{\"source\": 1}]}}}",
                      "cases[\"a\"][\"f\"][0]: needs \"builds\" and \"source\"");
    load_expect_error("{\"schema\": 1, \"cases\": {}, \"cases\": {}}", "duplicate object key");
}

Test(expected, missing_file_is_empty_and_lookup_works)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    pc_interp in = mk("cpython", "3.12.1", false);
    char *p;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/y.case", "$ a\n", 4, &err), 0);
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ b\n", 4, &err), 0);
    p = write_tmp(dir, "x.json",
                  "{\"schema\": 1, \"cases\": {\"b\": {\"f\": ["
                  "{\"builds\": \"cpython 3.8-3.11\", \"source\": 1},"
                  "{\"builds\": \"cpython 3.12+\", \"source\": 2}]}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(ex.len, 2);
    cr_assert_null(pc_expect_find(&ex, &cases.items[0], "f", &in));
    cr_assert_eq(json_integer_value(json_object_get(pc_expect_find(&ex, &cases.items[1], "f", &in), "source")), 2);
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

Test(expected, traits_fall_back_to_the_plain_implementation)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    pc_interp plain = mk("cpython", "3.12.1", false), dbg = mk("cpython", "3.12.1", true);
    pc_interp dbg14 = mk("cpython", "3.14.1", true), pypy = mk("pypy", "3.9.18", false);
    char *p;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ b\n", 4, &err), 0);
    p = write_tmp(dir, "x.json",
                  "{\"schema\": 1, \"cases\": {\"b\": {\"f\": ["
                  "{\"builds\": \"cpython 3.8+\", \"source\": 1},"
                  "{\"builds\": \"cpython+debug 3.14+\", \"source\": 2}]}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(json_integer_value(json_object_get(pc_expect_find(&ex, &cases.items[0], "f", &plain), "source")), 1);
    cr_assert_eq(json_integer_value(json_object_get(pc_expect_find(&ex, &cases.items[0], "f", &dbg), "source")), 1,
                 "no debug entry for 3.12: the plain one applies");
    cr_assert_eq(json_integer_value(json_object_get(pc_expect_find(&ex, &cases.items[0], "f", &dbg14), "source")), 2,
                 "an entry naming the traits wins");
    cr_assert_null(pc_expect_find(&ex, &cases.items[0], "f", &pypy), "another implementation never falls back");
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}
