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

/* The "n" of the source observation of the entry that applies to `in` (0: none). */
static json_int_t source_n(const pc_expectations *ex, const pc_case *k, const char *fn, const pc_interp *in)
{
    pc_expect_entry e;
    json_t *obs;
    json_int_t n;
    if (!pc_expect_lookup(ex, k, fn, in, &e))
        return 0;
    obs = pc_expect_json(e.source);
    cr_assert_not_null(obs);
    n = json_integer_value(json_object_get(obs, "n"));
    json_decref(obs);
    return n;
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
    for (i = 0; i < cases.len; i++) {
        pc_expect_iter it;
        const char *fn;
        pc_expect_functions(&ex, &cases.items[i], &it);
        while ((fn = pc_expect_next(&it)) != NULL)
            n += pc_expect_count(&ex, &cases.items[i], fn);
    }
    cr_assert_gt(n, 100, "the entries load (%zu)", n);
    /* each distinct selector is parsed once and shared by the entries that write it */
    cr_assert_lt(ex.sels.len * 4, n, "%zu selectors for %zu entries", ex.sels.len, n);
    cr_assert_eq(pc_expect_stale_cases(&ex, &cases, &stale, &err), 0);
    cr_assert_eq(stale.len, 0, "no case block of expected/ is stale: %s", stale.len ? stale.items[0].kase : "");
    pc_stale_list_free(&stale);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

Test(expected, selectors_are_parsed_once_and_shared)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    pc_interp in = mk("cpython", "3.12.1", false);
    pc_expect_entry e;
    char *p;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ b\n$ c\n", 8, &err), 0);
    p = write_tmp(dir, "x.json",
                  "{\"schema\": 1, \"cases\": {\"b\": {\"f\": ["
                  "{\"builds\": \"cpython 3.8-3.11\", \"source\": {\"n\": 1}},"
                  "{\"builds\": \"cpython 3.12+\", \"source\": {\"n\": 2}}],"
                  "\"g\": [{\"builds\": \"cpython 3.12+\", \"source\": {\"n\": 2}}]},"
                  "\"c\": {\"f\": [{\"builds\": \"cpython 3.12+\", \"source\": {\"n\": 3}}]}}}");
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    /* four entries, two distinct selectors, each parsed once; three distinct observations */
    cr_assert_eq(ex.sels.len, 2);
    cr_assert_eq(ex.obs.len, 3);
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &in), 2);
    cr_assert_eq(source_n(&ex, &cases.items[0], "g", &in), 2);
    cr_assert_eq(source_n(&ex, &cases.items[1], "f", &in), 3);
    {
        pc_expect_entry a, b;
        cr_assert(pc_expect_get(&ex, &cases.items[0], "g", 0, &a));
        cr_assert(pc_expect_get(&ex, &cases.items[0], "f", 1, &b));
        cr_assert_eq(a.builds_text, b.builds_text, "one text for the selector");
        cr_assert_eq(a.source, b.source, "one text for the observation");
    }
    /* an entry set since is found by its selector, parsed when it was set */
    memset(&e, 0, sizeof e);
    cr_assert_eq(pc_selector_parse("cpython 3.12.1", &e.builds, &err), 0);
    e.source = "{\"n\": 4}"; /* not canonical: made so */
    cr_assert_eq(pc_expect_set(&ex, &cases.items[0], "f", &e, &err), 0, "%s", err.msg);
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &in), 2, "appended: the 3.12+ entry comes first");
    cr_assert(pc_expect_get(&ex, &cases.items[0], "f", 2, &e));
    cr_assert_str_eq(e.source, "{\"n\":4}");
    cr_assert_str_eq(e.builds_text, "cpython 3.12.1");
    cr_assert_eq(ex.sels.len, 3);
    /* what is not an observation is refused */
    e.source = "[1]";
    cr_assert_eq(pc_expect_set(&ex, &cases.items[0], "f", &e, &err), -1);
    cr_assert(strstr(err.msg, "not an observation") != NULL, "%s", err.msg);
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
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &in), 0);
    cr_assert_eq(source_n(&ex, &cases.items[1], "f", &in), 2);
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
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &plain), 1);
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &dbg), 1,
                 "no debug entry for 3.12: the plain one applies");
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &dbg14), 2,
                 "an entry naming the traits wins");
    cr_assert_eq(source_n(&ex, &cases.items[0], "f", &pypy), 0, "another implementation never falls back");
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
}

/* ---- printing selectors, and saving ------------------------------------------------ */

Test(expected, selectors_print_as_they_parse)
{
    /* canonical texts print back unchanged; others print in their canonical form */
    static const char *const same[] = {
        "*", "cpython *", "cpython 3.8-3.10", "cpython 3.11+", "cpython 3.13.0", "pypy 3.9+",
        "cpython+debug 3.14+", "cpython+ft 3.13+", "cpython+wasm 3.12", "cpython+debug+ft+wasm 3.14+",
        "cpython 3.15.0a2-3.15.0rc1", "cpython 3.13.1-3.13", "cpython 3+", "graalpy 3.10+",
        "cpython 2147483647+", "cpython 3.15.0b1", "micro_python2 3.4+", "cpython 3.13.1+", NULL};
    static const char *const canon[][2] = {{"cpython 3.8-3.8", "cpython 3.8"},
                                           {"cpython 03.08+", "cpython 3.8+"},
                                           {"cpython 3.13.0-3.13.0", "cpython 3.13.0"},
                                           {"cpython 3.13.0final", NULL}};
    pc_selector sel, again;
    pc_error err;
    char buf[256];
    size_t i;
    for (i = 0; same[i]; i++) {
        cr_assert_eq(pc_selector_parse(same[i], &sel, &err), 0, "%s: %s", same[i], err.msg);
        pc_selector_format(&sel, buf, sizeof buf);
        cr_assert_str_eq(buf, same[i]);
        cr_assert_eq(pc_selector_parse(buf, &again, &err), 0, "%s", err.msg);
        cr_assert(pc_selector_equal(&sel, &again), "%s", buf);
    }
    for (i = 0; i < sizeof canon / sizeof *canon; i++) {
        int rc = pc_selector_parse(canon[i][0], &sel, &err);
        if (!canon[i][1]) {
            cr_assert_eq(rc, -1, "%s is no selector", canon[i][0]);
            continue;
        }
        cr_assert_eq(rc, 0, "%s", err.msg);
        pc_selector_format(&sel, buf, sizeof buf);
        cr_assert_str_eq(buf, canon[i][1]);
        cr_assert_eq(pc_selector_parse(buf, &again, &err), 0);
        cr_assert(pc_selector_equal(&sel, &again), "%s", buf);
    }
    /* equality is field for field: bounds of different precision differ */
    cr_assert_eq(pc_selector_parse("cpython 3.13+", &sel, &err), 0);
    cr_assert_eq(pc_selector_parse("cpython 3.13.0+", &again, &err), 0);
    cr_assert(!pc_selector_equal(&sel, &again));
    cr_assert_eq(pc_selector_parse("cpython+debug 3.13+", &again, &err), 0);
    cr_assert(!pc_selector_equal(&sel, &again));
    cr_assert_eq(pc_selector_parse("*", &again, &err), 0);
    cr_assert(!pc_selector_equal(&sel, &again));
}

static const char *const corpus_files[] = {"000_scope_locals", "001_notebook", "002_pep667_backcompat",
                                           "002_pep667_deletion", "002_pep667_eval_exec", "002_pep667_f_locals",
                                           "002_pep667_generators", "002_pep667_locals_snapshot",
                                           "002_pep667_motivation", "002_pep667_threads", "002_pep667_tracing",
                                           "003_around", NULL};

static void load_corpus(pc_caseset *cases, pc_expectations *ex, const char *dir)
{
    pc_error err;
    size_t i;
    for (i = 0; corpus_files[i]; i++) {
        char *p = pc_asprintf(NULL, TESTS_DIR "/../cases/%s.case", corpus_files[i]);
        cr_assert_eq(pc_parse_file(cases, p, &err), 0, "%s", err.msg);
        free(p);
    }
    cr_assert_eq(pc_expect_load(ex, dir, cases, &err), 0, "%s", err.msg);
}

static void assert_file_is(const char *path, const char *text, size_t len)
{
    pc_buf have = {0};
    pc_error err;
    cr_assert_eq(pc_read_file(path, &have, &err), 0, "%s", err.msg);
    cr_assert_eq(have.len, len, "%s: %zu bytes, want %zu", path, have.len, len);
    cr_assert(memcmp(have.data, text, len) == 0, "%s differs", path);
    pc_buf_free(&have);
}

/* Every committed file saves as the very bytes it was loaded from; rewriting every
 * function through the API (drop, then the same entries again) changes no byte. */
Test(expected, corpus_round_trips_byte_for_byte)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0}, copy = {0};
    pc_error err;
    size_t i, c, written = 99, rewritten = 0;
    cr_assert_not_null(mkdtemp(dir));
    load_corpus(&cases, &ex, TESTS_DIR "/../expected");
    cr_assert_eq(ex.len, 12);
    for (i = 0; i < ex.len; i++) {
        size_t len;
        char *text = pc_expect_file_text(&ex, &ex.files[i], &len, &err);
        cr_assert_not_null(text, "%s", err.msg);
        assert_file_is(ex.files[i].path, text, len);
        free(text);
        free(write_tmp(dir, strrchr(ex.files[i].path, '/') + 1, "stale\n"));
    }
    /* nothing changed: nothing is written, even where the disk holds something else */
    cr_assert_eq(pc_expect_save(&ex, NULL, &written, &err), 0, "%s", err.msg);
    cr_assert_eq(written, 0);

    /* a copy, every function dropped and set again entry by entry: same bytes */
    pc_caseset_free(&cases);
    memset(&cases, 0, sizeof cases);
    for (i = 0; i < ex.len; i++) {
        size_t len;
        char *text = pc_expect_file_text(&ex, &ex.files[i], &len, &err);
        char *p = pc_asprintf(NULL, "%s/%s", dir, strrchr(ex.files[i].path, '/') + 1);
        cr_assert_eq(pc_write_atomic(p, text, len, &err), 0, "%s", err.msg);
        free(p);
        free(text);
    }
    load_corpus(&cases, &copy, dir);
    for (c = 0; c < cases.len; c++) {
        const pc_case *k = &cases.items[c];
        pc_expect_iter it;
        const char *fn;
        size_t nfn = 0, f;
        const char *names[256];
        pc_expect_functions(&copy, k, &it);
        while ((fn = pc_expect_next(&it)) != NULL && nfn < 256)
            names[nfn++] = fn;
        for (f = 0; f < nfn; f++) {
            /* the names stay valid across the drop; a copy checks that nothing relies on that */
            char *name = pc_strdup(names[f], NULL);
            size_t n = pc_expect_count(&copy, k, name), e;
            pc_expect_entry *views = calloc(n + 1, sizeof *views);
            /* what the views borrow stays valid across the drop (until pc_expect_free) */
            for (e = 0; e < n; e++)
                cr_assert(pc_expect_get(&copy, k, name, e, &views[e]));
            cr_assert_eq(pc_expect_drop(&copy, k, name, NULL), n);
            cr_assert_eq(pc_expect_count(&copy, k, name), 0, "the function is gone");
            for (e = 0; e < n; e++)
                cr_assert_eq(pc_expect_set(&copy, k, name, &views[e], &err), 0, "%s", err.msg);
            cr_assert_eq(pc_expect_count(&copy, k, name), n);
            free(views);
            free(name);
            rewritten++;
        }
    }
    cr_assert_gt(rewritten, 100);
    cr_assert_eq(pc_expect_save(&copy, NULL, &written, &err), 0, "%s", err.msg);
    cr_assert_eq(written, 0, "the same content saves as the same bytes");
    for (i = 0; i < copy.len; i++) {
        size_t len;
        char *text = pc_expect_file_text(&ex, &ex.files[i], &len, &err);
        assert_file_is(copy.files[i].path, text, len);
        free(text);
    }
    pc_expect_free(&copy);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    remove_tree(dir);
}

/* set, replace, mark a divergence, drop: the file says exactly that. */
Test(expected, set_mark_and_drop)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;
    pc_expect_entry e, got;
    pc_interp in38 = mk("cpython", "3.8.18", false), in313 = mk("cpython", "3.13.1", false);
    json_t *jone = json_pack("{s:i}", "n", 1), *jtwo = json_pack("{s:i}", "n", 2), *jnine = json_pack("{s:i}", "n", 9);
    const char *one, *two, *nine;
    size_t written, len;
    char *path, *text;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ b\n", 4, &err), 0);
    cr_assert_eq(pc_expect_load(&ex, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert(!pc_expect_lookup(&ex, &cases.items[0], "f", &in38, &got));
    one = pc_expect_obs(&ex, jone, &err);
    two = pc_expect_obs(&ex, jtwo, &err);
    nine = pc_expect_obs(&ex, jnine, &err);
    cr_assert(one && two && nine);
    cr_assert_str_eq(one, "{\"n\":1}");

    memset(&e, 0, sizeof e);
    cr_assert_eq(pc_selector_parse("cpython 3.8-3.12", &e.builds, &err), 0);
    e.source = one;
    cr_assert_eq(pc_expect_set(&ex, &cases.items[0], "f", &e, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_selector_parse("cpython 3.13+", &e.builds, &err), 0);
    e.source = NULL; /* not defined there */
    e.reason = "gone in 3.13";
    cr_assert_eq(pc_expect_set(&ex, &cases.items[0], "f", &e, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_count(&ex, &cases.items[0], "f"), 2);
    cr_assert(pc_expect_lookup(&ex, &cases.items[0], "f", &in313, &got));
    cr_assert_str_eq(got.source, "null");
    cr_assert(!pc_expect_defined(got.source));
    cr_assert_str_eq(got.reason, "gone in 3.13");
    cr_assert_str_eq(got.builds_text, "cpython 3.13+");
    /* the same selector replaces in place */
    e.source = two;
    e.reason = NULL;
    cr_assert_eq(pc_expect_set(&ex, &cases.items[0], "f", &e, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_count(&ex, &cases.items[0], "f"), 2);
    cr_assert(pc_expect_get(&ex, &cases.items[0], "f", 1, &got));
    cr_assert_eq(got.source, two, "the store's own text");
    cr_assert_null(got.reason);
    /* a divergence: first without its reason, then with it */
    cr_assert_eq(pc_selector_parse("cpython 3.8-3.12", &e.builds, &err), 0);
    cr_assert_eq(pc_expect_mark_divergence(&ex, &cases.items[0], "f", &e.builds, nine, NULL, &err), 0, "%s", err.msg);
    cr_assert(pc_expect_lookup(&ex, &cases.items[0], "f", &in38, &got));
    cr_assert_str_eq(got.desugared, nine);
    cr_assert_null(got.divergence);
    cr_assert_str_eq(pc_expect_want(&got, true), nine);
    cr_assert_str_eq(pc_expect_want(&got, false), one);
    cr_assert_eq(pc_expect_mark_divergence(&ex, &cases.items[0], "f", &e.builds, nine, "adds nine", &err), 0);
    cr_assert(pc_expect_lookup(&ex, &cases.items[0], "f", &in38, &got));
    cr_assert_str_eq(got.divergence, "adds nine");
    cr_assert_eq(pc_selector_parse("pypy 3.9+", &e.builds, &err), 0);
    cr_assert_eq(pc_expect_mark_divergence(&ex, &cases.items[0], "f", &e.builds, nine, NULL, &err), -1);
    cr_assert_str_eq(err.msg, "cases/x.case: case \"b\" function \"f\": no entry for \"pypy 3.9+\" to mark a divergence on");
    /* a second function, then dropped by its selector: the function goes with it */
    e.source = one;
    cr_assert_eq(pc_expect_set(&ex, &cases.items[0], "g", &e, &err), 0);
    cr_assert_eq(pc_expect_drop(&ex, &cases.items[0], "g", &e.builds), 1);
    cr_assert_eq(pc_expect_count(&ex, &cases.items[0], "g"), 0);
    cr_assert_eq(pc_expect_drop(&ex, &cases.items[0], "g", &e.builds), 0);

    cr_assert_eq(pc_expect_save(&ex, NULL, &written, &err), 0, "%s", err.msg);
    cr_assert_eq(written, 1);
    path = pc_asprintf(NULL, "%s/x.json", dir);
    text = "{\n"
           "  \"schema\": 1,\n"
           "  \"case_file\": \"x.case\",\n"
           "  \"cases\": {\n"
           "    \"b\": {\n"
           "      \"f\": [\n"
           "        {\n"
           "          \"builds\": \"cpython 3.8-3.12\",\n"
           "          \"source\": {\n"
           "            \"n\": 1\n"
           "          },\n"
           "          \"desugared\": {\n"
           "            \"n\": 9\n"
           "          },\n"
           "          \"divergence\": \"adds nine\"\n"
           "        },\n"
           "        {\n"
           "          \"builds\": \"cpython 3.13+\",\n"
           "          \"source\": {\n"
           "            \"n\": 2\n"
           "          }\n"
           "        }\n"
           "      ]\n"
           "    }\n"
           "  }\n"
           "}\n";
    assert_file_is(path, text, strlen(text));
    /* saved: nothing more to write */
    cr_assert_eq(pc_expect_save(&ex, NULL, &written, &err), 0);
    cr_assert_eq(written, 0);
    /* unmark, drop one entry, then the whole block */
    cr_assert_eq(pc_selector_parse("cpython 3.8-3.12", &e.builds, &err), 0);
    cr_assert_eq(pc_expect_mark_divergence(&ex, &cases.items[0], "f", &e.builds, NULL, NULL, &err), 0);
    cr_assert(pc_expect_get(&ex, &cases.items[0], "f", 0, &got));
    cr_assert_null(got.desugared);
    cr_assert_eq(pc_expect_drop(&ex, &cases.items[0], "f", &e.builds), 1);
    cr_assert(!pc_expect_lookup(&ex, &cases.items[0], "f", &in38, &got), "3.8 has no entry now");
    {
        size_t nfns = 0;
        cr_assert(pc_expect_drop_case(&ex, "cases/x.case", "b", &nfns));
        cr_assert_eq(nfns, 1);
        cr_assert(!pc_expect_drop_case(&ex, "cases/x.case", "b", NULL));
    }
    cr_assert_eq(pc_expect_save(&ex, NULL, &written, &err), 0);
    cr_assert_eq(written, 1);
    text = pc_expect_file_text(&ex, &ex.files[0], &len, &err);
    cr_assert_str_eq(text, "{\n  \"schema\": 1,\n  \"case_file\": \"x.case\",\n  \"cases\": {}\n}\n");
    assert_file_is(path, text, len);
    free(text);
    free(path);
    json_decref(jone);
    json_decref(jtwo);
    json_decref(jnine);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    remove_tree(dir);
}

/* Spill mode (run): the observation texts live in temporary files, views carry ids
 * instead of texts, and every by-id reading gives what the in-memory store gives:
 * the canonical id compares equal to the run's interned text, the file's key order is
 * kept for showing, null reads as not defined. Writing is refused; saving still works. */
Test(expected, spill_mode_reads_by_id_as_memory_mode_does)
{
    char dir[] = "/tmp/pc-expected-XXXXXX";
    pc_caseset cases = {0};
    pc_expectations mem = {0}, sp = {0};
    pc_intern run = {0};
    pc_error err;
    pc_interp in = mk("cpython", "3.12.1", false);
    pc_expect_entry em, es;
    json_t *v, *w;
    char *p, *text;
    size_t len;
    uint32_t obs, other;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pc_parse_text(&cases, "cases/x.case", "$ b\n", 4, &err), 0);
    p = write_tmp(dir, "x.json",
                  "{\"schema\": 1, \"cases\": {\"b\": {\"f\": ["
                  "{\"builds\": \"cpython 3.12+\", \"source\": {\"z\": 1, \"a\": [2, 3]},"
                  " \"desugared\": {\"n\": 5}, \"divergence\": \"why\"}],"
                  " \"g\": [{\"builds\": \"*\", \"source\": null}]}}}");
    cr_assert_eq(pc_expect_load(&mem, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_spill(&sp, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_load(&sp, dir, &cases, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_expect_spill(&sp, &err), -1, "spill mode comes before loading");

    cr_assert(pc_expect_lookup(&mem, &cases.items[0], "f", &in, &em));
    cr_assert(pc_expect_lookup(&sp, &cases.items[0], "f", &in, &es));
    cr_assert_str_eq(em.source, "{\"a\":[2,3],\"z\":1}");
    cr_assert_null(es.source, "no text in memory");
    cr_assert_null(es.desugared);
    cr_assert_str_eq(es.divergence, "why", "reasons stay texts");
    cr_assert_eq(es.source_id, em.source_id);
    cr_assert_neq(es.desugared_id, 0);
    cr_assert_eq(pc_expect_want_id(&es, true), es.desugared_id);
    cr_assert_eq(pc_expect_want_id(&es, false), es.source_id);
    cr_assert(pc_expect_id_defined(&sp, es.source_id));

    /* the run's canonical text of the same value is the same observation */
    v = json_pack("{s:[i,i], s:i}", "a", 2, 3, "z", 1);
    cr_assert(obs = pc_intern_json(&run, v, &err));
    json_decref(v);
    v = json_pack("{s:i}", "n", 5);
    cr_assert(other = pc_intern_json(&run, v, &err));
    json_decref(v);
    cr_assert(pc_expect_id_is(&sp, es.source_id, &run, obs));
    cr_assert(pc_expect_id_is(&mem, em.source_id, &run, obs));
    cr_assert(!pc_expect_id_is(&sp, es.source_id, &run, other));
    cr_assert(pc_expect_id_is(&sp, es.desugared_id, &run, other));

    /* as the file writes it: key order kept, in both modes */
    v = pc_expect_want_load(&sp, &es, false);
    w = pc_expect_want_json(&em, false);
    cr_assert_not_null(v);
    text = json_dumps(v, JSON_COMPACT);
    cr_assert_str_eq(text, "{\"z\":1,\"a\":[2,3]}");
    free(text);
    cr_assert(json_equal(v, w));
    json_decref(v);
    json_decref(w);

    /* null: not defined */
    cr_assert(pc_expect_lookup(&sp, &cases.items[0], "g", &in, &es));
    cr_assert(!pc_expect_id_defined(&sp, es.source_id));
    v = pc_expect_want_load(&sp, &es, false);
    cr_assert(json_is_null(v));
    json_decref(v);

    /* read, not written; the saved text is the same as the in-memory store's */
    cr_assert_eq(pc_expect_set(&sp, &cases.items[0], "g", &em, &err), -1);
    cr_assert(strstr(err.msg, "not written") != NULL, "%s", err.msg);
    text = pc_expect_file_text(&sp, &sp.files[0], &len, &err);
    cr_assert_not_null(text, "%s", err.msg);
    {
        size_t len2;
        char *text2 = pc_expect_file_text(&mem, &mem.files[0], &len2, &err);
        cr_assert_not_null(text2);
        cr_assert_eq(len, len2);
        cr_assert(memcmp(text, text2, len) == 0);
        free(text2);
    }
    free(text);
    pc_intern_free(&run);
    remove(p);
    free(p);
    remove(dir);
    pc_expect_free(&mem);
    pc_expect_free(&sp);
    pc_caseset_free(&cases);
}
