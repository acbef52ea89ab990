/* bless: regenerate what changed, keep reasons and what passed, write atomically. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, &st, &err), 0, "%s", err.msg);
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
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, &st, &err), 0, "%s", err.msg);
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
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, &st, &err), 0, "%s", err.msg);
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
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, &st, &err), 0, "%s", err.msg);
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
    cr_assert_eq(pc_bless(&fx.ex, &fx.cases, &fx.cmp, NULL, &st, &err), 0, "%s", err.msg);
    doc = file_json(&fx);
    f = json_object_get(json_object_get(json_object_get(doc, "cases"), "c"), "f");
    cr_assert_eq(json_array_size(f), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "builds")), "cpython+debug 3.13+");
    json_decref(doc);
    teardown(&fx);
}
