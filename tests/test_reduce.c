/* `pyconform reduce` end to end on planted blocks (tests/reduce/):
 *  - diverge60.case: 60 lines, one function diverging under our desugarer; the result
 *    has at most 10 lines, still diverges there with the same first differing path
 *    (its shape: list positions aside), and the reduction ends within its budget;
 *  - crash.case: a function that kills its process; the result still CRASHes there,
 *    and reducing twice gives the same bytes (determinism);
 *  - split.case: a function whose observation differs between 3.12 and 3.13; the result
 *    still splits them, at the same path;
 *  - bad input: an unknown block or function, a block with nothing to keep.
 * Each result is run again with `pyconform run` (so it is a valid case file, and its
 * verdicts are checked from the report, not from reduce's own words).
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "fixture.h"
#include "util.h"

#define PY312 "cpython-3.12.1"
#define PY313 "cpython-3.13.0"

typedef struct env {
    char dir[40];
    char *expected, *reports;
} env;

static void env_setup(env *e)
{
    strcpy(e->dir, "/tmp/pc-reduce-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
    e->expected = pc_asprintf(NULL, "%s/expected", e->dir);
    e->reports = pc_asprintf(NULL, "%s/reports", e->dir);
    cr_assert_eq(pc_mkdir_p(e->expected, NULL), 0);
}

static void env_teardown(env *e)
{
    remove_tree(e->dir);
    free(e->expected);
    free(e->reports);
}

/* The path with its list positions taken out, as reduce compares them. */
static char *shape(const char *path)
{
    char *s = strdup(path), *w = s;
    const char *p;
    bool in_index = false;
    for (p = path; *p; p++) {
        if (*p == '[' && p[1] >= '0' && p[1] <= '9')
            in_index = true, *w++ = '[';
        else if (in_index && *p >= '0' && *p <= '9')
            continue;
        else
            in_index = false, *w++ = *p;
    }
    *w = '\0';
    return s;
}

/* Run FILE on the given builds (both modes), return the report with its rows expanded. */
static json_t *run_report(env *e, const char *file, const char *const *interps)
{
    const char *args[32] = {"run", "-q", "-j", "1", "--expected", e->expected, "--reports",
                            e->reports};
    size_t n = 8;
    pc_buf out = {0}, err = {0};
    char *latest;
    json_t *doc;
    int rc;
    while (*interps) {
        args[n++] = "--interp";
        args[n++] = *interps++;
    }
    args[n++] = file;
    rc = run_binary(args, n, NULL, 300, &out, &err);
    cr_assert(rc == 0 || rc == 1, "run: exit %d\n%s\n%s", rc, out.data, err.data);
    latest = pc_asprintf(NULL, "%s/latest.json", e->reports);
    doc = load_report(latest);
    cr_assert_not_null(doc, "no report at %s", latest);
    free(latest);
    pc_buf_free(&out);
    pc_buf_free(&err);
    return doc;
}

static json_t *find_row(json_t *doc, const char *function, const char *interp, const char *mode)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(doc, "results"), i, row) {
        if (!strcmp(json_string_value(json_object_get(row, "function")), function) &&
            !strcmp(json_string_value(json_object_get(row, "interpreter")), interp) &&
            !strcmp(json_string_value(json_object_get(row, "mode")), mode))
            return row;
    }
    cr_assert_fail("no row %s %s %s", function, interp, mode);
    return NULL;
}

static const char *verdict_of(json_t *row)
{
    return json_string_value(json_object_get(row, "verdict"));
}

/* The first differing path between the source and desugared rows (or two builds). */
static char *rows_diff_shape(json_t *a, json_t *b)
{
    json_t *d = pc_json_diff(json_object_get(a, "observation"), json_object_get(b, "observation"));
    char *s;
    cr_assert_not_null(d, "the two rows observe the same");
    s = shape(json_string_value(json_object_get(d, "path")));
    json_decref(d);
    return s;
}

/* reduce ARGS... -o OUT: the exit code; out/err filled. */
static int reduce(const char *const *args, size_t n, const char *out_file, pc_buf *out, pc_buf *err)
{
    const char *more[] = {"-o", out_file, NULL};
    pc_buf_clear(out);
    pc_buf_clear(err);
    return run_binary(args, n, more, 900, out, err);
}

/* Lines of the source part of a reduced case file (between the `$` line and `=`). */
static size_t source_lines(const char *path)
{
    pc_buf b = {0};
    size_t n = 0;
    char *line, *save = NULL;
    cr_assert_eq(pc_read_file(path, &b, NULL), 0);
    cr_assert(!strncmp(b.data, "$ ", 2), "%s", b.data);
    line = strtok_r(b.data, "\n", &save); /* the $ line */
    while ((line = strtok_r(NULL, "\n", &save)) && strcmp(line, "="))
        n++;
    pc_buf_free(&b);
    return n;
}

Test(reduce, diverge_60_lines_to_at_most_10, .timeout = 1200)
{
    env e;
    pc_buf out = {0}, err = {0};
    char *orig = TESTS_DIR "/reduce/diverge60.case", *res, *want, *got;
    const char *interps[] = {PY312, NULL};
    json_t *doc;
    double t0;
    int rc;
    env_setup(&e);
    /* the original: target diverges, nothing else does */
    doc = run_report(&e, orig, interps);
    cr_assert_str_eq(verdict_of(find_row(doc, "target", PY312, "desugared")), "DIVERGE");
    cr_assert_str_eq(verdict_of(find_row(doc, "filler_loops", PY312, "desugared")), "PASS");
    want = rows_diff_shape(find_row(doc, "target", PY312, "source"),
                           find_row(doc, "target", PY312, "desugared"));
    json_decref(doc);

    res = pc_asprintf(NULL, "%s/reduced.case", e.dir);
    {
        const char *args[] = {"reduce", orig, "planted divergence", "--interp", PY312,
                              "--expected", e.expected, "-j", "1", "--budget", "600"};
        t0 = pc_now();
        rc = reduce(args, sizeof args / sizeof *args, res, &out, &err);
    }
    cr_assert_eq(rc, 0, "%s\n%s", out.data, err.data);
    cr_assert(pc_now() - t0 < 600, "took %.0f s, past its budget", pc_now() - t0);
    cr_assert_null(strstr(err.data, "--budget ran out"), "%s", err.data);
    cr_assert(strstr(err.data, "reduce: planted divergence / target: DIVERGE on " PY312
                               " desugared at "),
              "%s", err.data);
    cr_assert_leq(source_lines(res), 10, "%s", err.data);
    cr_assert_geq(source_lines(res), 1);

    /* run again: a valid case file whose target still diverges at the same path */
    doc = run_report(&e, res, interps);
    cr_assert_str_eq(verdict_of(find_row(doc, "target", PY312, "desugared")), "DIVERGE");
    got = rows_diff_shape(find_row(doc, "target", PY312, "source"),
                          find_row(doc, "target", PY312, "desugared"));
    cr_assert_str_eq(got, want);
    json_decref(doc);
    free(want);
    free(got);
    free(res);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(reduce, crash_kept_and_deterministic, .timeout = 1200)
{
    env e;
    pc_buf out = {0}, err = {0}, a = {0}, b = {0};
    char *orig = TESTS_DIR "/reduce/crash.case", *r1, *r2;
    const char *interps[] = {PY312, NULL};
    json_t *doc;
    int rc;
    env_setup(&e);
    const char *args[] = {"reduce", orig, "planted crash", "--interp", PY312, "--mode", "source",
                          "--expected", e.expected, "-j", "1"};
    r1 = pc_asprintf(NULL, "%s/r1.case", e.dir);
    r2 = pc_asprintf(NULL, "%s/r2.case", e.dir);
    rc = reduce(args, sizeof args / sizeof *args, r1, &out, &err);
    cr_assert_eq(rc, 0, "%s\n%s", out.data, err.data);
    cr_assert(strstr(err.data, "target: CRASH on " PY312 " source"), "%s", err.data);
    cr_assert_leq(source_lines(r1), 6, "%s", err.data);
    rc = reduce(args, sizeof args / sizeof *args, r2, &out, &err);
    cr_assert_eq(rc, 0);
    cr_assert_eq(pc_read_file(r1, &a, NULL), 0);
    cr_assert_eq(pc_read_file(r2, &b, NULL), 0);
    cr_assert_str_eq(a.data, b.data, "two reductions of the same block differ");
    doc = run_report(&e, r1, interps);
    cr_assert_str_eq(verdict_of(find_row(doc, "target", PY312, "source")), "CRASH");
    json_decref(doc);
    free(r1);
    free(r2);
    pc_buf_free(&a);
    pc_buf_free(&b);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(reduce, split_between_312_and_313, .timeout = 1200)
{
    env e;
    pc_buf out = {0}, err = {0};
    char *orig = TESTS_DIR "/reduce/split.case", *res, *want, *got;
    const char *interps[] = {PY312, PY313, NULL};
    json_t *doc;
    int rc;
    env_setup(&e);
    doc = run_report(&e, orig, interps);
    want = rows_diff_shape(find_row(doc, "target", PY312, "source"),
                           find_row(doc, "target", PY313, "source"));
    json_decref(doc);
    res = pc_asprintf(NULL, "%s/reduced.case", e.dir);
    {
        const char *args[] = {"reduce", orig, "planted split", "target", "--interp", PY312,
                              "--interp", PY313, "--mode", "source", "--expected", e.expected,
                              "-j", "2"};
        rc = reduce(args, sizeof args / sizeof *args, res, &out, &err);
    }
    cr_assert_eq(rc, 0, "%s\n%s", out.data, err.data);
    cr_assert(strstr(err.data, "target: split between " PY312 " (group 1) " PY313 " (group 2)"),
              "%s", err.data);
    cr_assert_leq(source_lines(res), 6, "%s", err.data);
    doc = run_report(&e, res, interps);
    got = rows_diff_shape(find_row(doc, "target", PY312, "source"),
                          find_row(doc, "target", PY313, "source"));
    cr_assert_str_eq(got, want);
    json_decref(doc);
    free(want);
    free(got);
    free(res);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}

Test(reduce, bad_input, .timeout = 600)
{
    env e;
    pc_buf out = {0}, err = {0};
    char *file, *res;
    int rc;
    env_setup(&e);
    file = write_tmp(e.dir, "plain.case", "$ plain\ndef f():\n    return 1\n");
    res = pc_asprintf(NULL, "%s/out.case", e.dir);
    {
        const char *args[] = {"reduce", file, "nope", "--interp", PY312};
        rc = reduce(args, sizeof args / sizeof *args, res, &out, &err);
        cr_assert_eq(rc, 2);
        cr_assert(strstr(err.data, "no block named 'nope' (blocks: 'plain')"), "%s", err.data);
    }
    {
        const char *args[] = {"reduce", file, "plain", "g", "--interp", PY312, "--expected",
                              e.expected};
        rc = reduce(args, sizeof args / sizeof *args, res, &out, &err);
        cr_assert_eq(rc, 2);
        cr_assert(strstr(err.data, "block 'plain' has no function 'g'"), "%s", err.data);
    }
    {
        const char *args[] = {"reduce", file, "plain", "--interp", PY312, "--expected",
                              e.expected};
        rc = reduce(args, sizeof args / sizeof *args, res, &out, &err);
        cr_assert_eq(rc, 2);
        cr_assert(strstr(err.data, "nothing to reduce: 'plain'"), "%s", err.data);
    }
    cr_assert_neq(access(res, F_OK), 0, "an output was written for bad input");
    free(file);
    free(res);
    pc_buf_free(&out);
    pc_buf_free(&err);
    env_teardown(&e);
}
