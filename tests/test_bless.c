/* bless: regenerate what changed, keep reasons and what passed, write atomically. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bless.h"
#include "fixture.h"
#include "util.h"

static json_t *file_json(fixture *fx)
{
    char *path = pc_asprintf(NULL, "%s/c.json", fx->dir);
    json_t *j = json_load_file(path, 0, NULL);
    free(path);
    return j;
}

Test(bless, from_nothing_groups_by_version_and_records_divergence)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    json_t *doc, *f;
    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(9)); /* desugared diverges on 3.8 */
    returned(&fx, 2, json_integer(2));
    returned(&fx, 3, json_integer(2));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.files_written, 1);
    cr_assert_eq(st.divergences_without_reason, 1);
    doc = file_json(&fx);
    cr_assert_not_null(doc);
    f = json_object_get(json_object_get(json_object_get(doc, "cases"), "c"), "f");
    cr_assert_eq(json_array_size(f), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "builds")), "cpython 3.8");
    cr_assert(json_is_null(json_object_get(json_array_get(f, 0), "divergence")));
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(json_array_get(f, 0), "desugared"), "outcome"), "value")), 9);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "builds")), "cpython 3.13+");
    cr_assert_null(json_object_get(json_array_get(f, 1), "desugared"));
    json_decref(doc);
    teardown(&fx);
}

#define OBS(v) "{\"outcome\": {\"kind\": \"return\", \"value\": " v "}, \"stdout\": \"\"}"
#define MODULE "\"<module>\": [{\"builds\": \"*\", \"source\": {\"compile_error\": null, \"error\": null, \"stdout\": \"\"}}]"

Test(bless, keeps_passing_functions_and_reasons)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    json_t *doc, *f;
    /* 3.13 entry is wrong now (2 -> 3); its reason must survive for an equal observation */
    setup(&fx, "{\"schema\": 1, \"cases\": {\"c\": {" MODULE ", \"f\": ["
               "{\"builds\": \"cpython 3.8\", \"source\": " OBS("1") ", \"desugared\": " OBS("9") ", \"divergence\": \"adds nine\"},"
               "{\"builds\": \"cpython 3.13+\", \"source\": " OBS("2") ", \"reason\": \"changed\"},"
               "{\"builds\": \"pypy 3.9+\", \"source\": " OBS("7") "}]}}}");
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(9));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.functions_kept, 1, "<module> passed and is kept");
    cr_assert_eq(st.functions_updated, 1);
    doc = file_json(&fx);
    f = json_object_get(json_object_get(json_object_get(doc, "cases"), "c"), "f");
    cr_assert_eq(json_array_size(f), 3);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "builds")), "cpython 3.8");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "divergence")), "adds nine");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "builds")), "cpython 3.13+");
    cr_assert_null(json_object_get(json_array_get(f, 1), "reason"), "observation changed: old reason does not apply");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 2), "builds")), "pypy 3.9+",
                     "builds the run did not cover are kept");
    json_decref(doc);
    teardown(&fx);
}

Test(bless, nothing_changed_writes_nothing)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    setup(&fx, "{\"schema\": 1, \"cases\": {\"c\": {" MODULE ", \"f\": ["
               "{\"builds\": \"cpython 3.8+\", \"source\": " OBS("1") "}]}}}");
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    compare(&fx);
    cr_assert_eq(fx.cmp.unexpected, 0);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.files_written, 0);
    cr_assert_eq(st.functions_kept, 2);
    teardown(&fx);
}

Test(bless, builds_with_traits_get_entries_only_where_they_differ)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    json_t *doc, *f;
    setup(&fx, NULL);
    fx.reg.items[1].debug = true; /* 3.13.0 becomes a debug build */
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    doc = file_json(&fx);
    f = json_object_get(json_object_get(json_object_get(doc, "cases"), "c"), "f");
    cr_assert_eq(json_array_size(f), 1, "the debug build behaves like the plain one: no entry of its own");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "builds")), "cpython 3.8+");
    json_decref(doc);
    teardown(&fx);

    setup(&fx, NULL);
    fx.reg.items[1].debug = true;
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(4));
    returned(&fx, 3, json_integer(4));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    doc = file_json(&fx);
    f = json_object_get(json_object_get(json_object_get(doc, "cases"), "c"), "f");
    cr_assert_eq(json_array_size(f), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "builds")), "cpython+debug 3.13+");
    json_decref(doc);
    teardown(&fx);
}

/* ---- stale expectations ------------------------------------------------------------ */

#define STALE_DOC                                                                              \
    "{\"schema\": 1, \"cases\": {\"c\": {" MODULE ", "                                         \
    "\"f\": [{\"builds\": \"cpython 3.8+\", \"source\": " OBS("1") "}],"                       \
    "\"g\": [{\"builds\": \"cpython 3.8-3.12\", \"source\": " OBS("5") "},"                    \
    "        {\"builds\": \"pypy 3.9+\", \"source\": " OBS("5") "}],"                          \
    "\"k\": [{\"builds\": \"cpython 3.13+\", \"source\": " OBS("6") "}],"                      \
    "\"cond\": [{\"builds\": \"cpython 3.8\", \"source\": null},"                              \
    "           {\"builds\": \"cpython 3.14+\", \"source\": " OBS("7") "}]},"                  \
    "\"gone\": {\"h\": [{\"builds\": \"*\", \"source\": " OBS("8") "}]}}}"

static json_t *fn_entries(json_t *doc, const char *kase, const char *fn)
{
    return json_object_get(json_object_get(json_object_get(doc, "cases"), kase), fn);
}

Test(bless, stale_functions_and_blocks_are_listed)
{
    fixture fx;
    pc_error err;
    pc_stale_list stale = {0};
    char *text = NULL;
    size_t size = 0;
    FILE *mem;
    size_t i;
    setup(&fx, STALE_DOC);
    for (i = 0; i < 4; i++)
        returned(&fx, i, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_stale_find(&fx.ex, &fx.cases, &fx.cmp, &stale, &err), 0, "%s", err.msg);
    /* not cond: expected/ says 3.8 does not define it, and has nothing for 3.13.0 */
    cr_assert_eq(stale.len, 3);
    cr_assert_eq(stale.items[0].kind, PC_STALE_CASE);
    cr_assert_str_eq(stale.items[0].kase, "gone");
    cr_assert_str_eq(stale.items[0].function, "h");
    cr_assert_eq(stale.items[1].kind, PC_STALE_FUNCTION);
    cr_assert_str_eq(stale.items[1].function, "g");
    cr_assert_str_eq(stale.items[1].interp, "cpython-3.8.18");
    cr_assert_str_eq(stale.items[2].function, "k");
    cr_assert_str_eq(stale.items[2].interp, "cpython-3.13.0");
    mem = open_memstream(&text, &size);
    cr_assert_not_null(mem);
    pc_stale_print(mem, &stale);
    fclose(mem);
    cr_assert(strstr(text, "pyconform: stale expectation: ") != NULL);
    cr_assert(strstr(text, "/c.json: case \"gone\" function \"h\" (cases/c.case defines no case \"gone\")\n") != NULL,
              "%s", text);
    cr_assert(strstr(text, "/c.json: case \"c\" function \"g\" (no job of the run reported it, though "
                           "cpython-3.8.18 ran the case and expected/ says it defines it)\n") != NULL, "%s", text);
    free(text);
    pc_stale_list_free(&stale);
    teardown(&fx);
}

Test(bless, removes_stale_entries_of_the_builds_that_ran)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    json_t *doc, *g;
    size_t i;
    setup(&fx, STALE_DOC);
    for (i = 0; i < 4; i++)
        returned(&fx, i, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.functions_dropped, 2, "k, and h of the stale block");
    doc = file_json(&fx);
    cr_assert_null(json_object_get(json_object_get(doc, "cases"), "gone"), "the stale block is removed");
    cr_assert_null(fn_entries(doc, "c", "k"), "every entry of k was contradicted");
    g = fn_entries(doc, "c", "g");
    cr_assert_eq(json_array_size(g), 1, "the entry for PyPy, which did not run, stays");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "builds")), "pypy 3.9+");
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "cond")), 2, "not stale: kept byte for byte");
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "f")), 1);
    json_decref(doc);
    teardown(&fx);
}

Test(bless, functions_absent_because_jobs_failed_are_kept)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    pc_stale_list stale = {0};
    json_t *doc;
    size_t i;
    /* every job timed out: nothing says what the case file defines */
    setup(&fx, STALE_DOC);
    for (i = 0; i < 4; i++)
        fx.results[i].status = PC_JOB_TIMEOUT;
    compare(&fx);
    cr_assert_eq(pc_stale_find(&fx.ex, &fx.cases, &fx.cmp, &stale, &err), 0, "%s", err.msg);
    cr_assert_eq(stale.len, 1, "only the block the case file does not define");
    cr_assert_eq(stale.items[0].kind, PC_STALE_CASE);
    pc_stale_list_free(&stale);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    doc = file_json(&fx);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "f")), 1);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "g")), 2);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "k")), 1);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", PC_MODULE_FUNCTION)), 1);
    cr_assert_null(json_object_get(json_object_get(doc, "cases"), "gone"));
    json_decref(doc);
    teardown(&fx);

    /* 3.8 completed, 3.13.0 timed out: only what 3.8 contradicts goes */
    setup(&fx, STALE_DOC);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    fx.results[2].status = fx.results[3].status = PC_JOB_CRASH;
    compare(&fx);
    cr_assert_eq(pc_stale_find(&fx.ex, &fx.cases, &fx.cmp, &stale, &err), 0, "%s", err.msg);
    cr_assert_eq(stale.len, 2, "gone/h and g; k is recorded for 3.13+ only");
    cr_assert_str_eq(stale.items[1].function, "g");
    pc_stale_list_free(&stale);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    doc = file_json(&fx);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "g")), 1);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "k")), 1);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "cond")), 2);
    json_decref(doc);
    teardown(&fx);
}

Test(bless, creates_the_expected_directory)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    char *sub, *subsub, *file;
    json_t *doc;
    size_t i;
    setup(&fx, NULL);
    sub = pc_asprintf(NULL, "%s/new", fx.dir);
    subsub = pc_asprintf(NULL, "%s/new/expected", fx.dir);
    file = pc_asprintf(NULL, "%s/c.json", subsub);
    pc_expect_free(&fx.ex);
    cr_assert_eq(pc_expect_load(&fx.ex, subsub, &fx.cases, &err), 0, "%s", err.msg);
    for (i = 0; i < 4; i++)
        returned(&fx, i, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.files_written, 1);
    doc = json_load_file(file, 0, NULL);
    cr_assert_not_null(doc, "%s was written", file);
    cr_assert_eq(json_array_size(fn_entries(doc, "c", "f")), 1);
    json_decref(doc);
    remove(file);
    rmdir(subsub);
    rmdir(sub);
    free(file);
    free(subsub);
    free(sub);
    teardown(&fx);
}

/* ---- bless writes through the store: byte for byte ---------------------------------- */

static char *file_text(fixture *fx)
{
    char *path = pc_asprintf(NULL, "%s/c.json", fx->dir);
    pc_buf b = {0};
    pc_error err;
    cr_assert_eq(pc_read_file(path, &b, &err), 0, "%s", err.msg);
    free(path);
    return b.data;
}

/* What bless writes is the store's text; blessing the result again changes no byte. */
Test(bless, writes_the_store_text_and_a_second_bless_changes_nothing)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    char *first, *second, *want;
    size_t len;
    setup(&fx, NULL);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(9));
    returned(&fx, 2, json_integer(2));
    returned(&fx, 3, json_integer(2));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.files_written, 1);
    first = file_text(&fx);
    want = pc_expect_file_text(&fx.ex, &fx.ex.files[0], &len, &err);
    cr_assert_str_eq(first, want);
    cr_assert(strstr(first, "\"builds\": \"cpython 3.8\",\n          \"source\": {") != NULL, "%s", first);
    free(want);
    teardown(&fx);

    /* the same run against what it wrote: the divergence is DIVERGE (no reason yet), so
     * the function is regenerated, to the same entries: nothing is written */
    setup(&fx, first);
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(9));
    returned(&fx, 2, json_integer(2));
    returned(&fx, 3, json_integer(2));
    compare(&fx);
    cr_assert_gt(fx.cmp.unexpected, 0);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.files_written, 0);
    cr_assert_eq(st.functions_updated, 0);
    second = file_text(&fx);
    cr_assert_str_eq(second, first);
    free(second);
    free(first);
    teardown(&fx);
}

/* A regenerated function keeps the entries of classes the run did not cover as they
 * were written (a hand-written selector too), after the new ones. */
Test(bless, kept_entries_keep_their_selector_text)
{
    fixture fx;
    pc_bless_stats st;
    pc_error err;
    json_t *doc, *f;
    setup(&fx, "{\"schema\": 1, \"cases\": {\"c\": {" MODULE ", \"f\": ["
               "{\"builds\": \"pypy 3.09-3.9\", \"source\": " OBS("7") ", \"reason\": \"pypy\"},"
               "{\"builds\": \"cpython 3.8+\", \"source\": " OBS("5") "}]}}}");
    returned(&fx, 0, json_integer(1));
    returned(&fx, 1, json_integer(1));
    returned(&fx, 2, json_integer(1));
    returned(&fx, 3, json_integer(1));
    compare(&fx);
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, NULL, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.functions_updated, 1);
    doc = file_json(&fx);
    f = json_object_get(json_object_get(json_object_get(doc, "cases"), "c"), "f");
    cr_assert_eq(json_array_size(f), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "builds")), "cpython 3.8+");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(json_array_get(f, 0), "source"), "outcome"), "value")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "builds")), "pypy 3.09-3.9",
                     "written as it was");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "reason")), "pypy");
    json_decref(doc);
    teardown(&fx);
}

/* A build the run left out (--interp), in a class the run covered, keeps what expected/
 * said of it; without the registry it would take its neighbours' new observation. */
Test(bless, keeps_builds_the_run_left_out)
{
    const char *old = "{\"schema\": 1, \"cases\": {\"c\": {" MODULE ", \"f\": ["
                      "{\"builds\": \"cpython 3.8+\", \"source\": " OBS("1") ", \"reason\": \"one\"}]}}}";
    for (int with_registry = 0; with_registry < 2; with_registry++) {
        fixture fx;
        pc_bless_stats st;
        pc_error err;
        pc_registry other = {0};
        pc_expectations after = {0};
        pc_expect_entry e;
        setup(&fx, old);
        fx_add_interp(&other, "cpython-3.8.18", "3.8.18"); /* the same build again, by name */
        fx_add_interp(&other, "cpython-3.10.4", "3.10.4"); /* not in the run */
        fx_add_interp(&other, "cpython-3.13.0", "3.13.0");
        returned(&fx, 0, json_integer(2));
        returned(&fx, 1, json_integer(2));
        returned(&fx, 2, json_integer(2));
        returned(&fx, 3, json_integer(2));
        compare(&fx);
        cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, with_registry ? &other : NULL, NULL, &st, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(pc_expect_load(&after, fx.dir, &fx.cases, &err), 0, "%s", err.msg);
        cr_assert(pc_expect_lookup(&after, &fx.cases.items[0], "f", &fx.reg.items[0], &e));
        cr_assert_str_eq(e.source, "{\"outcome\":{\"kind\":\"return\",\"value\":2},\"stdout\":\"\"}");
        cr_assert(pc_expect_lookup(&after, &fx.cases.items[0], "f", &fx.reg.items[1], &e));
        cr_assert_str_eq(e.source, "{\"outcome\":{\"kind\":\"return\",\"value\":2},\"stdout\":\"\"}");
        cr_assert(pc_expect_lookup(&after, &fx.cases.items[0], "f", &other.items[1], &e));
        if (with_registry) {
            cr_assert_str_eq(e.source, "{\"outcome\":{\"kind\":\"return\",\"value\":1},\"stdout\":\"\"}",
                             "3.10 keeps its value");
            cr_assert_str_eq(e.reason ? e.reason : "", "one", "and its reason");
            cr_assert_eq(pc_expect_count(&after, &fx.cases.items[0], "f"), 3, "3.8, 3.10, 3.13+");
        } else {
            cr_assert_str_eq(e.source, "{\"outcome\":{\"kind\":\"return\",\"value\":2},\"stdout\":\"\"}",
                             "without the registry, the range covers 3.10 too");
        }
        pc_expect_free(&after);
        fx_registry_free(&other);
        teardown(&fx);
    }
}
