/* Parser: the good format (the seed) and every bad input the format names. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "plan.h"
#include "util.h"

static int parse(pc_caseset *set, const char *text, pc_error *err)
{
    return pc_parse_text(set, "t.case", text, strlen(text), err);
}

static void expect_error(const char *text, const char *msg)
{
    pc_caseset set = {0};
    pc_error err = {{0}};
    cr_assert_eq(parse(&set, text, &err), -1, "accepted: %s", text);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(set.len, 0);
    pc_caseset_free(&set);
}

Test(parse, seed_file)
{
    pc_caseset set = {0};
    pc_error err;
    const pc_case *c;
    cr_assert_eq(pc_parse_file(&set, TESTS_DIR "/../cases/000_scope_locals.case", &err), 0, "%s", err.msg);
    cr_assert_eq(set.len, 1);
    c = &set.items[0];
    cr_assert_str_eq(c->name, "scope locals");
    cr_assert_eq(c->line, 1);
    cr_assert_eq(c->source_line, 2);
    cr_assert(strncmp(c->source, "def function_locals():\n", 23) == 0);
    /* the source ends right before the `=` line; the translation runs to the end */
    cr_assert(strstr(c->source, "    return X.y\n") != NULL);
    cr_assert_eq(strstr(c->source, "\n=\n"), NULL);
    cr_assert_not_null(c->desugared);
    cr_assert(strncmp(c->desugared, "def _dp_fn_function_locals():\n", 30) == 0);
    cr_assert_eq(c->desugared_line, 34);
    pc_caseset_free(&set);
}

Test(parse, blocks_and_source_only)
{
    pc_caseset set = {0};
    pc_error err;
    const char *text = "\n$ one\nx = 1\n=\ny = 2\n$  two  \ndef f():\n    return 3\n";
    cr_assert_eq(parse(&set, text, &err), 0, "%s", err.msg);
    cr_assert_eq(set.len, 2);
    cr_assert_str_eq(set.items[0].name, "one");
    cr_assert_str_eq(set.items[0].source, "x = 1\n");
    cr_assert_str_eq(set.items[0].desugared, "y = 2\n");
    cr_assert_eq(set.items[0].line, 2);
    cr_assert_str_eq(set.items[1].name, "two");
    cr_assert_str_eq(set.items[1].source, "def f():\n    return 3\n");
    cr_assert_null(set.items[1].desugared, "a block without = is source-only");
    cr_assert_not_null(pc_caseset_find(&set, "two"));
    cr_assert_null(pc_caseset_find(&set, "three"));
    pc_caseset_free(&set);
}

Test(parse, empty_translation_and_no_trailing_newline)
{
    pc_caseset set = {0};
    pc_error err;
    cr_assert_eq(parse(&set, "$ a\nx = 1\n=", &err), 0, "%s", err.msg);
    cr_assert_str_eq(set.items[0].desugared, "");
    pc_caseset_free(&set);
}

Test(parse, text_before_first_block)
{
    expect_error("x = 1\n$ a\ny = 2\n", "t.case:1: text before the first '$ NAME' line");
    expect_error("\n\n  # comment\n$ a\n", "t.case:3: text before the first '$ NAME' line");
}

Test(parse, two_equals)
{
    expect_error("$ a\nx = 1\n=\ny\n=\nz\n", "t.case:5: second '=' in case 'a' (first at line 3)");
}

Test(parse, empty_name)
{
    expect_error("$ a\nx = 1\n$\ny\n", "t.case:3: empty case name after '$'");
    expect_error("$   \t\n", "t.case:1: empty case name after '$'");
}

Test(parse, duplicate_name)
{
    expect_error("$ a\nx\n$ b\ny\n$ a\nz\n", "t.case:5: duplicate case name 'a' (first defined at t.case:1)");
}

Test(parse, duplicate_name_across_files)
{
    pc_caseset set = {0};
    pc_error err;
    cr_assert_eq(pc_parse_text(&set, "one.case", "$ a\nx\n", 6, &err), 0);
    cr_assert_eq(pc_parse_text(&set, "two.case", "$ b\n$ a\ny\n", 10, &err), -1);
    cr_assert_str_eq(err.msg, "two.case:2: duplicate case name 'a' (first defined at one.case:1)");
    cr_assert_eq(set.len, 1, "nothing of the bad file is kept");
    pc_caseset_free(&set);
}

Test(parse, invalid_utf8)
{
    expect_error("$ a\nx = 1\ns = '\xff'\n", "t.case:3: invalid UTF-8 (byte 0xff at offset 15)");
    expect_error("$ a\n\xc0\xaf\n", "t.case:2: invalid UTF-8 (byte 0xc0 at offset 4)");   /* overlong */
    expect_error("$ a\n\xed\xa0\x80\n", "t.case:2: invalid UTF-8 (byte 0xed at offset 4)"); /* surrogate */
    expect_error("$ a\n\xe2\x82\n", "t.case:2: invalid UTF-8 (byte 0xe2 at offset 4)");     /* truncated */
}

Test(parse, valid_utf8_accepted)
{
    pc_caseset set = {0};
    pc_error err;
    const char *text = "$ caf\xc3\xa9\ns = '\xe2\x82\xac \xf0\x9f\x90\x8d'\n";
    cr_assert_eq(parse(&set, text, &err), 0, "%s", err.msg);
    cr_assert_str_eq(set.items[0].name, "caf\xc3\xa9");
    pc_caseset_free(&set);
}

Test(parse, nul_byte)
{
    pc_caseset set = {0};
    pc_error err;
    cr_assert_eq(pc_parse_text(&set, "t.case", "$ a\nx\0y\n", 8, &err), -1);
    cr_assert_str_eq(err.msg, "t.case:2: invalid UTF-8 (byte 0x00 at offset 5)");
    pc_caseset_free(&set);
}

Test(parse, unreadable_file)
{
    pc_caseset set = {0};
    pc_error err;
    cr_assert_eq(pc_parse_file(&set, "/nonexistent/x.case", &err), -1);
    cr_assert_str_eq(err.msg, "/nonexistent/x.case: cannot read: No such file or directory");
    cr_assert_eq(pc_parse_file(&set, "/", &err), -1, "a directory is not a case file");
    cr_assert(strncmp(err.msg, "/: cannot read: ", 16) == 0, "%s", err.msg);
    pc_caseset_free(&set);
}

Test(parse, empty_file)
{
    expect_error("", "t.case:1: no case blocks (expected a '$ NAME' line)");
    expect_error("\n\n", "t.case:1: no case blocks (expected a '$ NAME' line)");
}

Test(parse, requirements)
{
    pc_caseset set = {0};
    pc_error err;
    const char *text = "$ a\n# pyconform: requires threads\nx = 1\n$ b\n# pyconform: requires subprocess, threads\n"
                       "# pyconform: requires threads subprocess\n$ c\n";
    cr_assert_eq(parse(&set, text, &err), 0, "%s", err.msg);
    cr_assert_eq(set.items[0].nrequires, 1);
    cr_assert_str_eq(set.items[0].requires[0], "threads");
    cr_assert_eq(set.items[1].nrequires, 2, "each word once, however often it is written");
    cr_assert_str_eq(set.items[1].requires[0], "subprocess", "in the order written");
    cr_assert_str_eq(set.items[1].requires[1], "threads");
    cr_assert_eq(set.items[2].nrequires, 0);
    pc_caseset_free(&set);
    expect_error("$ a\nx = 1\n# pyconform: requires gpu\n", "t.case:3: unknown requirement 'gpu' (known: threads, subprocess)");
    /* a word is a whole word: neither a prefix nor a longer name is known */
    expect_error("$ a\n# pyconform: requires thread\n", "t.case:2: unknown requirement 'thread' (known: threads, subprocess)");
    expect_error("$ a\n\n# pyconform: requires threads, subprocesses\n",
                 "t.case:3: unknown requirement 'subprocesses' (known: threads, subprocess)");
}

/* The plan evaluates each requirement against the build's capabilities; the skip
 * reason names the one missing; a tag of that name gives a build the capability. */
Test(parse, requirements_are_evaluated_against_builds)
{
    pc_caseset set = {0};
    pc_registry reg = {0};
    pc_plan plan = {0};
    pc_error err;
    char *threads_tag[] = {"threads", NULL}, *no_tags[] = {NULL};
    size_t i;
    const char *text = "$ t\n# pyconform: requires threads\nx = 1\n$ s\n# pyconform: requires subprocess\n$ n\ny = 1\n";
    cr_assert_eq(parse(&set, text, &err), 0, "%s", err.msg);
    reg.items = calloc(3, sizeof *reg.items);
    cr_assert_not_null(reg.items);
    reg.len = 3;
    for (i = 0; i < 3; i++) {
        reg.items[i].selected = reg.items[i].supported = true;
        reg.items[i].tags = no_tags;
    }
    reg.items[0].name = "native";
    reg.items[0].threads = true;
    reg.items[1].name = "wasm";
    reg.items[1].wasm = true;
    reg.items[2].name = "wasm-tagged";
    reg.items[2].wasm = true;
    reg.items[2].tags = threads_tag;
    cr_assert_eq(pc_plan_build(&plan, &set, &reg, PC_MODES_SOURCE, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(plan.len, 9);
    for (i = 0; i < plan.len; i++) {
        const pc_job *j = &plan.jobs[i];
        const char *want = "";
        if (j->interp == &reg.items[1] && !strcmp(j->kase->name, "t"))
            want = "requires threads; wasm cannot start threads";
        else if (j->interp != &reg.items[0] && !strcmp(j->kase->name, "s"))
            want = j->interp == &reg.items[1] ? "requires subprocess; wasm is a WebAssembly build (no subprocess)"
                                              : "requires subprocess; wasm-tagged is a WebAssembly build (no subprocess)";
        {
            char got[256] = "";
            cr_assert_eq(pc_job_skip_reason(j, got, sizeof got), *want != '\0');
            cr_assert_str_eq(got, want, "%s on %s", j->kase->name, j->interp->name);
        }
    }
    cr_assert_null(pc_interp_lacks(&reg.items[2], "threads"), "the tag gives the capability");
    cr_assert_str_eq(pc_interp_lacks(&reg.items[0], "gpu"), "does not know this capability");
    pc_plan_free(&plan);
    free(reg.items);
    pc_caseset_free(&set);
}

Test(parse, cr_only_line_endings)
{
    expect_error("$ a\rx = 1\r=\ry = 1\r", "t.case:1: CR-only line endings are not supported; convert to LF");
    /* one stray CR in an LF file is placed at its line */
    expect_error("$ a\nx = 1\ny = 2\rz = 3\n", "t.case:3: CR-only line endings are not supported; convert to LF");
    expect_error("$ a\r\nx = 1\r", "t.case:2: CR-only line endings are not supported; convert to LF");
}

Test(parse, crlf_line_endings)
{
    pc_caseset set = {0};
    pc_error err;
    const char *text = "\r\n$ one \r\n# pyconform: requires threads\r\nx = 1\r\n=\r\ny = 2\r\n$ two\r\nz = 3\r\n";
    cr_assert_eq(parse(&set, text, &err), 0, "%s", err.msg);
    cr_assert_eq(set.len, 2);
    cr_assert_str_eq(set.items[0].name, "one", "the CR is not part of the name");
    cr_assert_eq(set.items[0].line, 2);
    cr_assert_eq(set.items[0].nrequires, 1);
    cr_assert_str_eq(set.items[0].requires[0], "threads");
    cr_assert_str_eq(set.items[0].source, "# pyconform: requires threads\r\nx = 1\r\n", "the Python text keeps its CRLF");
    cr_assert_str_eq(set.items[0].desugared, "y = 2\r\n", "'=\\r' separates the translation");
    cr_assert_eq(set.items[0].desugared_line, 6);
    cr_assert_str_eq(set.items[1].name, "two");
    cr_assert_eq(set.items[1].line, 7);
    pc_caseset_free(&set);
    expect_error("$ a\r\nx\r\n=\r\ny\r\n=\r\n", "t.case:5: second '=' in case 'a' (first at line 3)");
}

Test(parse, utf8_bom_skipped)
{
    pc_caseset set = {0};
    pc_error err;
    const char *text = "\xEF\xBB\xBF$ a\nx = 1\n";
    cr_assert_eq(parse(&set, text, &err), 0, "%s", err.msg);
    cr_assert_str_eq(set.items[0].name, "a", "the BOM is not part of the first line");
    cr_assert_eq(set.items[0].line, 1);
    cr_assert_str_eq(set.items[0].source, "x = 1\n");
    pc_caseset_free(&set);
    /* with a BOM and CRLF, as some editors write */
    cr_assert_eq(parse(&set, "\xEF\xBB\xBF\r\n$ b\r\ny\r\n", &err), 0, "%s", err.msg);
    cr_assert_str_eq(set.items[0].name, "b");
    cr_assert_eq(set.items[0].line, 2);
    pc_caseset_free(&set);
    /* offsets in messages stay those of the file */
    expect_error("\xEF\xBB\xBF$ a\n\xff\n", "t.case:2: invalid UTF-8 (byte 0xff at offset 7)");
    /* only at the start: elsewhere it is text (here, of block a's source) */
    cr_assert_eq(parse(&set, "$ a\n\xEF\xBB\xBF$ b\n", &err), 0, "%s", err.msg);
    cr_assert_eq(set.len, 1);
    cr_assert_str_eq(set.items[0].source, "\xEF\xBB\xBF$ b\n");
    pc_caseset_free(&set);
    expect_error("\xEF\xBB\xBF", "t.case:1: no case blocks (expected a '$ NAME' line)");
}

/* The blocks of one file share one copy of its path; a file that fails leaves neither
 * its blocks nor its path behind; fitting the set keeps every block. */
Test(parse, blocks_share_their_file_path)
{
    pc_caseset set = {0};
    pc_error err;
    cr_assert_eq(pc_parse_text(&set, "a.case", "$ x\n1\n$ y\n2\n", 12, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_parse_text(&set, "b.case", "$ z\n3\n", 6, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_parse_text(&set, "c.case", "$ w\n$ w\n", 8, &err), -1);
    cr_assert_eq(set.len, 3);
    cr_assert_eq(set.nfiles, 2);
    cr_assert_eq(set.items[0].file, set.items[1].file, "one copy per file");
    cr_assert_str_eq(set.items[1].file, "a.case");
    cr_assert_str_eq(set.items[2].file, "b.case");
    cr_assert_null(set.items[0].requires);
    pc_caseset_fit(&set);
    cr_assert_eq(set.cap, 3);
    cr_assert_str_eq(set.items[2].name, "z");
    cr_assert_str_eq(set.items[2].source, "3\n");
    cr_assert_not_null(set.files[1].texts);
    pc_caseset_release_texts(&set, 2);
    cr_assert_null(set.items[2].source);
    cr_assert_null(set.files[1].texts, "its file's last block: unmapped");
    pc_caseset_release_texts(&set, 2); /* again: nothing */
    pc_caseset_release_texts(&set, 0);
    cr_assert_not_null(set.files[0].texts, "block 1 of a.case still holds it");
    cr_assert_str_eq(set.items[1].source, "2\n");
    pc_caseset_release_texts(&set, 1);
    cr_assert_null(set.files[0].texts);
    pc_caseset_free(&set);
}

/* Duplicate names are found through the name index across files, also after the set
 * was fitted (the index is rebuilt), and past the index's first growth. */
Test(parse, duplicates_found_among_many_blocks)
{
    pc_caseset set = {0};
    pc_error err;
    pc_buf text = {0};
    size_t i;
    for (i = 0; i < 3000; i++)
        cr_assert_eq(pc_buf_appendf(&text, &err, "$ block %zu\nx = %zu\n", i, i), 0);
    cr_assert_eq(pc_parse_text(&set, "many.case", text.data, text.len, &err), 0, "%s", err.msg);
    cr_assert_eq(set.len, 3000);
    cr_assert_eq(pc_caseset_find(&set, "block 2999"), &set.items[2999]);
    cr_assert_null(pc_caseset_find(&set, "block 3000"));
    cr_assert_eq(pc_parse_text(&set, "dup.case", "$ new\n$ block 1234\n", 19, &err), -1);
    cr_assert_str_eq(err.msg, "dup.case:2: duplicate case name 'block 1234' (first defined at many.case:2469)");
    cr_assert_eq(set.len, 3000, "nothing of the failed file is kept");
    pc_caseset_fit(&set);
    cr_assert_eq(pc_caseset_find(&set, "block 7"), &set.items[7], "found without the index too");
    cr_assert_eq(pc_parse_text(&set, "dup2.case", "$ block 0\n", 10, &err), -1);
    cr_assert(strstr(err.msg, "first defined at many.case:1") != NULL, "%s", err.msg);
    cr_assert_eq(pc_parse_text(&set, "more.case", "$ new\n", 6, &err), 0, "%s", err.msg);
    cr_assert_eq(pc_caseset_find(&set, "new"), &set.items[3000]);
    pc_buf_free(&text);
    pc_caseset_free(&set);
}

/* Suite files (parse.h, "Suite files"): one block per module line. */
static int parse_suite_text(pc_caseset *set, const char *text, pc_error *err)
{
    return pc_parse_text(set, "s.suite", text, strlen(text), err);
}

Test(parse, suite_file_blocks)
{
    pc_caseset set = {0};
    pc_error err = {{0}};
    cr_assert(pc_is_suite_file("suites/cpython-scope.suite"));
    cr_assert(!pc_is_suite_file("cases/x.case"));
    cr_assert(!pc_is_suite_file(".suite"));
    cr_assert_eq(parse_suite_text(&set, "# scope modules\n\n  test_scope   # the first\r\ntest_frame\n"
                                        "test_importlib.test_api\n", &err), 0, "%s", err.msg);
    cr_assert_eq(set.len, 3);
    cr_assert_str_eq(set.items[0].name, "cpython test_scope");
    cr_assert_str_eq(set.items[0].suite, "test_scope");
    cr_assert_str_eq(set.items[0].source, "");
    cr_assert_null(set.items[0].desugared);
    cr_assert_eq(set.items[0].line, 3);
    cr_assert_str_eq(set.items[1].suite, "test_frame");
    cr_assert_eq(set.items[1].line, 4);
    cr_assert_str_eq(set.items[2].suite, "test_importlib.test_api");
    cr_assert_str_eq(set.items[0].file, "s.suite");
    pc_caseset_release_texts(&set, 0);
    cr_assert_null(set.items[0].suite);
    pc_caseset_free(&set);
}

static void expect_suite_error(const char *text, const char *msg)
{
    pc_caseset set = {0};
    pc_error err = {{0}};
    cr_assert_eq(parse_suite_text(&set, text, &err), -1, "accepted: %s", text);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_eq(set.len, 0);
    cr_assert_eq(set.nfiles, 0);
    pc_caseset_free(&set);
}

Test(parse, suite_file_errors)
{
    expect_suite_error("", "s.suite:1: empty suite file: no module listed (one module of the test "
                           "package per line, e.g. test_scope)");
    expect_suite_error("# only a comment\n\n", "s.suite:1: empty suite file: no module listed (one "
                                                "module of the test package per line, e.g. test_scope)");
    expect_suite_error("test_scope\ntest scope\n",
                       "s.suite:2: 'test scope' is not a module name (one module of the test package "
                       "per line, e.g. test_scope; '#' starts a comment)");
    expect_suite_error("test_scope\n\n9lives\n",
                       "s.suite:3: '9lives' is not a module name (one module of the test package "
                       "per line, e.g. test_scope; '#' starts a comment)");
    expect_suite_error("test_scope.\n",
                       "s.suite:1: 'test_scope.' is not a module name (one module of the test package "
                       "per line, e.g. test_scope; '#' starts a comment)");
    expect_suite_error("test_scope\n# again\ntest_scope\n",
                       "s.suite:3: duplicate case name 'cpython test_scope' (first defined at "
                       "s.suite:1)");
}
