/* Expectations: selectors (parsed and checked at load), range labels, and loading (good
 * and malformed files, every error placed at its line). */
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

static json_int_t source_n(json_t *entry)
{
    cr_assert_not_null(entry);
    return json_integer_value(json_object_get(json_object_get(entry, "source"), "n"));
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

/* Loading `json` as expected/x.json fails with "DIR/x.json:LINE: WHAT...". */
static void load_expect_error(const char *json, int line, const char *what)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    char *p, *want;
    cr_assert_not_null(mkdtemp(dir));
    p = write_tmp(dir, "x.json", json);
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ a\n", 4, &err), 0);
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), -1, "accepted %s", json);
    want = pc_asprintf(NULL, "%s:%d: %s", p, line, what);
    cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "want: %s\n got: %s", want, err.msg);
    free(want);
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

Test(expected, malformed_files)
{
    load_expect_error("{", 1, "string or '}' expected near end of file");
    load_expect_error("{\"schema\": 2, \"cases\": {}}", 1, "\"schema\" must be 1");
    load_expect_error("{\"schema\": 1,\n\"cases\": []}", 2, "\"cases\" must be an object");
    load_expect_error("{\"cases\": {},\n \"schema\": \"1\"}", 2, "\"schema\" must be 1");
    load_expect_error("{\"cases\": {}}", 1, "\"schema\" must be 1");
    load_expect_error("[]", 1, "top level must be an object");
    load_expect_error("{\"schema\": 1, \"cases\": {}, \"cases\": {}}", 1, "duplicate object key");
    load_expect_error("{\"schema\": 1, \"case_file\": 3, \"cases\": {}}", 1, "\"case_file\" must be a string");
    load_expect_error("{\"schema\": 1,\n \"notes\": \"\",\n \"cases\": {}}", 2,
                      "unknown key \"notes\" (known: schema, case_file, cases)");
}

/* An expectation file whose entry under cases["a"]["f"] on line 6 is `entry`; line 4
 * holds a good entry whose observation has a "builds" key of its own, so only a walk
 * along the path (not a text search) finds line 6. */
static void entry_error(const char *entry, const char *what)
{
    char *json = pc_asprintf(NULL,
                             "{\"schema\": 1,\n"
                             " \"cases\": {\"a\": {\n"
                             "   \"f\": [\n"
                             "     {\"source\": {\"builds\": \"cpython 3.x+\"}, \"builds\": \"cpython 3.8\"},\n"
                             "     {\"builds\": \"cpython 3.9\", \"source\": null},\n"
                             "     %s]}}}\n",
                             entry);
    char *where = pc_asprintf(NULL, "cases[\"a\"][\"f\"][2]: %s", what);
    load_expect_error(json, 6, where);
    free(where);
    free(json);
}

static void selector_error(const char *builds, const char *what)
{
    char *entry = pc_asprintf(NULL, "{\"source\": null,\n      \"builds\": \"%s\"}", builds);
    char *json = pc_asprintf(NULL, "{\"schema\": 1, \"cases\": {\"caf\\u00e9\": {\"f\": [\n%s]}}}", entry);
    char *where = pc_asprintf(NULL, "cases[\"caf\xc3\xa9\"][\"f\"][0]: bad \"builds\" selector \"%s\": %s", builds, what);
    /* the selector is on line 3: the case name's escape is decoded to find it */
    load_expect_error(json, 3, where);
    free(where);
    free(json);
    free(entry);
}

Test(expected, entry_shape_errors_name_their_line)
{
    entry_error("{\"source\": null}", "needs \"builds\"");
    entry_error("{\"builds\": \"cpython 3.8+\"}", "needs \"source\"");
    entry_error("{\"builds\": 38, \"source\": null}", "\"builds\" must be a string");
    entry_error("{\"builds\": \"*\", \"source\": 1}", "\"source\" must be an observation object or null");
    entry_error("{\"builds\": \"*\", \"source\": null, \"desugared\": \"x\"}",
                "\"desugared\" must be an observation object or null");
    entry_error("{\"builds\": \"*\", \"source\": null, \"reason\": 3}", "\"reason\" must be a string or null");
    entry_error("{\"builds\": \"*\", \"source\": null, \"desugared\": null, \"divergence\": {}}",
                "\"divergence\" must be a string or null");
    entry_error("{\"builds\": \"*\", \"source\": null, \"reasons\": \"typo\"}",
                "unknown key \"reasons\" (known: builds, source, desugared, divergence, reason)");
    entry_error("\"cpython 3.8+\"", "an entry must be an object");
    load_expect_error("{\"schema\": 1, \"cases\": {\n\"a\": []}}", 2, "cases[\"a\"]: a case must be an object");
    load_expect_error("{\"schema\": 1, \"cases\": {\"a\": {\n\n\"f\": {}}}}", 3,
                      "cases[\"a\"][\"f\"]: a function's entries must be a list");
}

Test(expected, bad_selectors_rejected_at_load)
{
    selector_error("cpython 3.x+", "\"3.x\" is not a version");
    selector_error("", "empty (expected \"IMPL[+TRAIT...] RANGE\" or \"*\"");
    selector_error("cpython 3.8+ junk", "unexpected text \"junk\" after the range \"3.8+\"");
    selector_error("cpython -3.8", "range \"-3.8\" lacks its lower bound");
    selector_error("cpython 3.8-", "range \"3.8-\" lacks its upper bound");
    selector_error("cpython 3.12-3.8", "reversed range \"3.12-3.8\" matches no version");
    selector_error("cpython 3.13.1-3.13.0", "reversed range");
    selector_error("cpython 99999999999999999999.1+", "\"99999999999999999999.1\": version number out of range");
    selector_error("cpython 3.2147483648", "\"3.2147483648\": version number out of range");
    selector_error("cpython 3.13.0rc99999999999", "\"3.13.0rc99999999999\": version number out of range");
    selector_error("cpython+gil 3.8+", "unknown trait \"gil\" (known: debug, ft, wasm)");
    selector_error("cpython+ 3.8+", "unknown trait \"\"");
    selector_error("cpython+ft+debug 3.13+", "traits must be written in the order debug, ft, wasm");
    selector_error("cpython+debug+debug 3.13+", "trait \"debug\" given twice");
    selector_error("CPython 3.8+", "\"CPython\" is not an implementation name");
    selector_error("* 3.8+", "\"*\" is not an implementation name");
    selector_error("cpython", "no version range");
    selector_error("cpython  3.8+", "expected one space, then the version range");
    selector_error("cpython 3.8+ ", "trailing space");
    selector_error("cpython 3.8.1.2", "\"3.8.1.2\" is not a version");
    selector_error("cpython 3.13rc1", "\"3.13rc1\" is not a version");
    selector_error("cpython 3.13.0rc", "\"3.13.0rc\" is not a version");
    selector_error("cpython 3.13.0c1", "\"3.13.0c1\" is not a version");
    selector_error("cpython +3.8", "\"+3.8\" is not a version");
    selector_error("cpython 3.8++", "\"3.8+\" is not a version");
    selector_error("cpython 3..8+", "\"3..8\" is not a version");
    selector_error("cpython 3.8-3.9-3.10", "\"3.9-3.10\" is not a version");
}

Test(expected, selector_messages)
{
    pc_selector sel;
    pc_error err;
    cr_assert_eq(pc_selector_parse("", &sel, &err), -1);
    cr_assert_str_eq(err.msg, "bad \"builds\" selector \"\": empty (expected \"IMPL[+TRAIT...] RANGE\" or \"*\", e.g. "
                              "\"cpython 3.8-3.10\", \"cpython+debug 3.13+\", \"pypy *\")");
    cr_assert_eq(pc_selector_parse("cpython 3.x+", &sel, &err), -1);
    cr_assert_str_eq(err.msg, "bad \"builds\" selector \"cpython 3.x+\": \"3.x\" is not a version "
                              "(expected e.g. 3.8, 3.11.2 or 3.15.0rc1)");
}

Test(expected, valid_selectors_parse)
{
    static const char *const ok[] = {
        "*", "cpython *", "cpython 3.8-3.10", "cpython 3.11+", "cpython 3.13.0", "pypy 3.9+",
        "cpython+debug 3.14+", "cpython+ft 3.13+", "cpython+wasm 3.12", "cpython+debug+ft+wasm 3.14+",
        "cpython 3.15.0a2-3.15.0rc1", "cpython 3.13.1-3.13", "cpython 3.8-3.8", "cpython 3+",
        "graalpy 3.10+", "cpython 2147483647+", "cpython 3.15.0b1", "micro_python2 3.4+", NULL};
    pc_selector sel;
    pc_error err;
    size_t i;
    for (i = 0; ok[i]; i++)
        cr_assert_eq(pc_selector_parse(ok[i], &sel, &err), 0, "%s: %s", ok[i], err.msg);
    cr_assert_eq(pc_selector_parse("cpython+debug+wasm 3.13.1-3.14", &sel, &err), 0);
    cr_assert_str_eq(sel.impl, "cpython");
    cr_assert_eq(sel.traits, PC_TRAIT_DEBUG | PC_TRAIT_WASM);
    cr_assert(sel.has_lo && sel.has_hi && !sel.any);
    cr_assert_eq(sel.lo.parts, 3);
    cr_assert_eq(sel.lo.v[2], 1);
    cr_assert_eq(sel.hi.parts, 2);
    cr_assert_eq(pc_selector_parse("cpython 3.15.0rc2+", &sel, &err), 0);
    cr_assert(sel.has_lo && !sel.has_hi);
    cr_assert_eq(sel.lo.parts, 5);
    cr_assert_eq(sel.lo.v[3], 2);
    cr_assert_eq(sel.lo.v[4], 2);
    cr_assert_eq(pc_selector_parse("pypy *", &sel, &err), 0);
    cr_assert(!sel.has_lo && !sel.has_hi && !sel.any);
}

Test(expected, overflow_matches_nothing)
{
    /* once, "99999999999999999999" wrapped around and the selector matched 3.12.1 */
    pc_interp in = mk("cpython", "3.12.1", false);
    cr_assert(!pc_builds_match("cpython 99999999999999999999.1+", &in));
    cr_assert(!pc_builds_match("cpython 3.99999999999999999999", &in));
    cr_assert(!pc_builds_match("cpython 3.x+", &in));
    cr_assert(!pc_builds_match("cpython 3.12-3.8", &in));
    cr_assert(!pc_builds_match("cpython 3.12+ junk", &in));
    cr_assert(pc_builds_match("cpython 3.12+", &in));
    cr_assert(pc_builds_match("cpython 3.8-3.12", &in));
}

Test(expected, committed_corpus_loads)
{
    /* every file in expected/ passes the checks: parse every case file, load them all */
    static const char *const files[] = {"000_scope_locals", "001_notebook", "002_pep667_backcompat",
                                        "002_pep667_deletion", "002_pep667_eval_exec", "002_pep667_f_locals",
                                        "002_pep667_generators", "002_pep667_locals_snapshot",
                                        "002_pep667_motivation", "002_pep667_threads", "002_pep667_tracing",
                                        "003_around", NULL};
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_stale_list stale = {0};
    pc_error err;
    size_t i, n = 0;
    for (i = 0; files[i]; i++) {
        char *p = pc_asprintf(NULL, TESTS_DIR "/../cases/%s.case", files[i]);
        cr_assert_eq(pc_parse_file(&cases, p, &err), 0, "%s", err.msg);
        free(p);
    }
    cr_assert_eq(pc_expect_load(&ex, TESTS_DIR "/../expected", &cases, &err), 0, "%s", err.msg);
    for (i = 0; i < ex.len; i++)
        n += ex.files[i].nsels;
    cr_assert_gt(n, 100, "every entry's selector is parsed once at load (%zu)", n);
    cr_assert_eq(pc_expect_stale_cases(&ex, &cases, &stale, &err), 0);
    cr_assert_eq(stale.len, 0, "no case block of expected/ is stale: %s", stale.len ? stale.items[0].kase : "");
    pc_stale_list_free(&stale);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

Test(expected, lookup_uses_the_selectors_parsed_at_load)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    pc_interp in = mk("cpython", "3.12.1", false);
    json_t *e, *added;
    char *p;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ b\n", 4, &err), 0);
    p = write_tmp(dir, "x.json",
                  "{\"schema\": 1, \"cases\": {\"b\": {\"f\": ["
                  "{\"builds\": \"cpython 3.8-3.11\", \"source\": {\"n\": 1}},"
                  "{\"builds\": \"cpython 3.12+\", \"source\": {\"n\": 2}}]}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(ex.files[0].nsels, 2);
    /* the text of a loaded entry no longer matters: its parsed selector is used */
    e = json_array_get(pc_expect_entries(&ex, &cases.items[0], "f"), 1);
    json_object_set_new(e, "builds", json_string("cpython 3.13+"));
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[0], "f", &in)), 2);
    /* an entry added after loading (bless) is parsed when looked up; a bad one never matches */
    added = json_pack("{s:s, s:{s:i}}", "builds", "cpython 3.12.x", "source", "n", 3);
    json_array_insert_new(pc_expect_entries(&ex, &cases.items[0], "f"), 0, added);
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[0], "f", &in)), 2);
    added = json_pack("{s:s, s:{s:i}}", "builds", "cpython 3.12.1", "source", "n", 4);
    json_array_insert_new(pc_expect_entries(&ex, &cases.items[0], "f"), 0, added);
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[0], "f", &in)), 4);
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

Test(expected, stale_case_blocks)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_stale_list stale = {0};
    pc_error err;
    char why[256];
    char *p, *q;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ a\n$ b\n", 8, &err), 0);
    cr_assert_eq(pc_parse_text(&cases, "cases/y.case", "$ moved\n", 8, &err), 0);
    p = write_tmp(dir, "x.json",
                  "{\"schema\": 1, \"cases\": {"
                  "\"a\": {\"f\": [{\"builds\": \"*\", \"source\": null}]},"
                  "\"gone\": {\"g\": [{\"builds\": \"*\", \"source\": null}], \"h\": []},"
                  "\"moved\": {\"m\": [{\"builds\": \"*\", \"source\": null}]},"
                  "\"empty\": {}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_stale_cases(&ex, &cases, &stale, &err), 0, "%s", err.msg);
    cr_assert_eq(stale.len, 4, "gone/g, gone/h, moved/m (defined by another case file), empty");
    cr_assert_str_eq(stale.items[0].kase, "gone");
    cr_assert_str_eq(stale.items[0].function, "g");
    cr_assert_eq(stale.items[0].kind, PC_STALE_CASE);
    cr_assert_str_eq(stale.items[0].file, ex.files[0].path);
    cr_assert_str_eq(stale.items[0].case_file, "cases/x.case");
    cr_assert_str_eq(stale.items[1].function, "h");
    cr_assert_str_eq(stale.items[2].kase, "moved");
    cr_assert_str_eq(stale.items[3].kase, "empty");
    cr_assert_null(stale.items[3].function);
    pc_stale_describe(&stale.items[0], why, sizeof why);
    cr_assert_str_eq(why, "cases/x.case defines no case \"gone\"");
    pc_stale_list_free(&stale);
    q = pc_asprintf(NULL, "%s/y.json", dir);
    remove(q);
    free(q);
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
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
                  "{\"builds\": \"cpython 3.8-3.11\", \"source\": {\"n\": 1}},"
                  "{\"builds\": \"cpython 3.12+\", \"source\": {\"n\": 2}}]}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(ex.len, 2);
    cr_assert_null(pc_expect_find(&ex, &cases.items[0], "f", &in));
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[1], "f", &in)), 2);
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
                  "{\"builds\": \"cpython 3.8+\", \"source\": {\"n\": 1}},"
                  "{\"builds\": \"cpython+debug 3.14+\", \"source\": {\"n\": 2}}]}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[0], "f", &plain)), 1);
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[0], "f", &dbg)), 1,
                 "no debug entry for 3.12: the plain one applies");
    cr_assert_eq(source_n(pc_expect_find(&ex, &cases.items[0], "f", &dbg14)), 2,
                 "an entry naming the traits wins");
    cr_assert_null(pc_expect_find(&ex, &cases.items[0], "f", &pypy), "another implementation never falls back");
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}
