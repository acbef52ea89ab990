/* fuzz_expected.c - libFuzzer target: the expected/ loader (pc_expect_load) and the
 * build selectors (pc_expect_lookup, pc_builds_match, pc_builds_label).
 *
 * Each input is written as DIR/fz.json, the expectation file of a fixed case set (four
 * blocks of cases/fz.case, named like cases in the seeds, and one block of
 * cases/other.case, whose expectation file does not exist), then loaded from DIR, a
 * temp directory made once per process by LLVMFuzzerInitialize and removed at exit
 * (left behind when the process dies of a crash).
 *
 * Checks, besides the sanitizers:
 * - a rejected file gives an error that starts with the file's path;
 * - a loaded file has schema 1; the missing one is an empty store;
 * - the compact store says what the file says: the functions of each case in order,
 *   each entry's view (pc_expect_get) equal to the file's entry, observations as
 *   written in their key order; and the saved text is jansson's dump of the file;
 * - for every function of every case and each of a few fake builds (plain, debug, ft,
 *   wasm, PyPy, a pre-release), pc_expect_lookup gives the first entry whose selector
 *   matches the build exactly, else the first that matches it on implementation and
 *   version alone, else none; "*" matches every build; for a build without traits both
 *   kinds of match agree;
 * - labels: the final releases named in the selectors' ranges, as builds of one class,
 *   get a label per run of neighbours (pc_builds_label) that matches exactly the builds
 *   of that run (what bless relies on when it writes expected/).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expected.h"
#include "parse.h"
#include "registry.h"

#define FUZZ_TARGET "fuzz_expected"
#include "fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);


/* The temp directory and the expectation file's path: written once by
 * LLVMFuzzerInitialize, read-only afterwards (a fuzz target has no main to own them). */
static char tmp_dir[64];
static char json_path[96];

static const char case_text[] =
    "$ scope locals\n"
    "def function_locals():\n"
    "    return locals()\n"
    "$ pep667 motivation class body write\n"
    "class C:\n"
    "    x = 1\n"
    "$ notebook cell 3 inspect helper\n"
    "def f():\n"
    "    return 1\n"
    "=\n"
    "def f():\n"
    "    return 1\n"
    "$ pep667 deletion del statement\n"
    "def f():\n"
    "    x = 1\n"
    "    del x\n";
static const char other_text[] = "$ other\nx = 1\n";

static void remove_tmp(void)
{
    unlink(json_path);
    rmdir(tmp_dir);
}

/* $TMPDIR, else /dev/shm (memory: a file rewritten per input costs a disk flush on ext4,
 * which truncation on open triggers), else /tmp. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("TMPDIR");
    (void)argc;
    (void)argv;
    if (!base || !*base || strlen(base) > 40)
        base = access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmp_dir, sizeof tmp_dir, "%s/pc-fuzz-XXXXXX", base);
    CHECK(mkdtemp(tmp_dir) != NULL, "cannot make a temp directory under %s", base);
    snprintf(json_path, sizeof json_path, "%s/fz.json", tmp_dir);
    atexit(remove_tmp);
    return 0;
}

static pc_interp fake(const char *impl, const char *version, bool debug, bool ft, bool wasm)
{
    pc_interp in;
    memset(&in, 0, sizeof in);
    in.name = (char *)version;
    in.impl = impl;
    in.version = version;
    in.debug = debug;
    in.free_threaded = ft;
    in.wasm = wasm;
    in.supported = in.selected = true;
    CHECK(pc_version_parse(version, &in.ver) == 0, "%s", version);
    return in;
}

#define NFAKES 9

static void make_fakes(pc_interp *out)
{
    out[0] = fake("cpython", "3.8.18", false, false, false);
    out[1] = fake("cpython", "3.10.13", false, false, false);
    out[2] = fake("cpython", "3.13.0", false, false, false);
    out[3] = fake("cpython", "3.13.1", false, false, false);
    out[4] = fake("cpython", "3.14.10", true, false, false);
    out[5] = fake("cpython", "3.13.0", false, true, false);
    out[6] = fake("cpython", "3.12.1", false, false, true);
    out[7] = fake("pypy", "3.9.18", false, false, false);
    out[8] = fake("cpython", "3.15.0a2", false, false, false);
}

static bool has_traits(const pc_interp *in)
{
    return in->debug || in->free_threaded || in->wasm;
}

/* pc_expect_lookup agrees with the selectors, entry by entry (entries: the function's
 * entries as the file holds them). */
static void check_find(const pc_expectations *ex, const pc_case *kase, const char *function,
                       json_t *entries, const pc_interp *in)
{
    pc_expect_entry found, want;
    bool got = pc_expect_lookup(ex, kase, function, in, &found);
    json_t *e;
    size_t i;
    long at = -1;
    json_array_foreach(entries, i, e) {
        if (pc_builds_match(json_string_value(json_object_get(e, "builds")), in)) {
            at = (long)i;
            break;
        }
    }
    if (at < 0) {
        json_array_foreach(entries, i, e) {
            if (pc_builds_match_plain(json_string_value(json_object_get(e, "builds")), in)) {
                at = (long)i;
                break;
            }
        }
    }
    CHECK(got == (at >= 0), "case '%s' function '%s' build %s %s: found %d, expected entry %ld",
          kase->name, function, in->impl, in->version, got, at);
    if (at < 0)
        return;
    CHECK(pc_expect_get(ex, kase, function, (size_t)at, &want), "no entry %ld", at);
    /* texts are interned: the same entry gives the same pointers */
    CHECK(found.builds_text == want.builds_text && found.source == want.source &&
              found.desugared == want.desugared && found.reason == want.reason,
          "case '%s' function '%s' build %s %s: found another entry than %ld", kase->name, function,
          in->impl, in->version, at);
}

/* The view of an entry says what the file's entry e says. */
static void check_entry(const pc_expect_entry *v, json_t *e)
{
    json_t *src = json_object_get(e, "source"), *des = json_object_get(e, "desugared");
    json_t *vs = pc_expect_json(v->source), *vd = pc_expect_json(v->desugared);
    json_t *vsw = pc_expect_json(v->source_written);
    char *a, *b;
    CHECK(strcmp(v->builds_text, json_string_value(json_object_get(e, "builds"))) == 0, "builds differ");
    CHECK(json_equal(vs, src), "source differs");
    CHECK((des == NULL) == (v->desugared == NULL) && (!des || json_equal(vd, des)), "desugared differs");
    /* the text as written keeps the file's key order */
    a = json_dumps(vsw, JSON_COMPACT | JSON_ENCODE_ANY);
    b = json_dumps(src, JSON_COMPACT | JSON_ENCODE_ANY);
    CHECK(a && b && strcmp(a, b) == 0, "source as written differs: %s vs %s", a, b);
    free(a);
    free(b);
    CHECK(des ? json_string_value(json_object_get(e, "divergence")) == NULL ? v->divergence == NULL
                                                                            : v->divergence &&
                  strcmp(v->divergence, json_string_value(json_object_get(e, "divergence"))) == 0
              : v->divergence == NULL,
          "divergence differs");
    CHECK(json_string_value(json_object_get(e, "reason")) == NULL
              ? v->reason == NULL
              : v->reason && strcmp(v->reason, json_string_value(json_object_get(e, "reason"))) == 0,
          "reason differs");
    json_decref(vs);
    json_decref(vd);
    json_decref(vsw);
}

static void check_selector(const char *builds, const pc_interp *fakes)
{
    size_t k;
    for (k = 0; k < NFAKES; k++) {
        bool exact = pc_builds_match(builds, &fakes[k]);
        bool plain = pc_builds_match_plain(builds, &fakes[k]);
        if (strcmp(builds, "*") == 0)
            CHECK(exact && plain, "'*' does not match %s", fakes[k].version);
        if (!has_traits(&fakes[k]))
            CHECK(exact == plain, "'%s' on plain %s %s: exact %d, plain %d", builds,
                  fakes[k].impl, fakes[k].version, exact, plain);
    }
}

#define MAXVERSIONS 8

typedef struct versions {
    pc_version v[MAXVERSIONS];
    size_t n;
} versions;

/* Keep a bound of a selector's range as a build version when it is a final release x.y
 * or x.y.z with small fields (x.y counts as x.y.0). Pre-releases are left out: a label
 * cannot tell 3.15.0 from 3.15.0a2 (bounds compare the fields they give, and a final
 * release is written without a level), so a run holding both cannot be labelled apart. */
static void add_bound(versions *vs, const char *text, size_t len)
{
    char buf[64];
    pc_version v;
    size_t i;
    if (len == 0 || len >= sizeof buf || vs->n == MAXVERSIONS)
        return;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (pc_version_parse(buf, &v) != 0 || v.parts < 2 || v.parts > 3)
        return;
    v.parts = 3; /* "3.10" stands for the build 3.10.0 */
    for (i = 0; i < 3; i++)
        if (v.v[i] < 0 || v.v[i] > 99999)
            return;
    for (i = 0; i < vs->n; i++)
        if (pc_version_cmp(&vs->v[i], &v, 3) == 0)
            return;
    vs->v[vs->n++] = v;
}

static void collect_bounds(versions *vs, const char *builds)
{
    const char *range = strchr(builds, ' '), *dash;
    size_t len;
    if (!range)
        return;
    range++;
    len = strlen(range);
    if (len && range[len - 1] == '+')
        len--;
    dash = memchr(range, '-', len);
    if (dash) {
        add_bound(vs, range, (size_t)(dash - range));
        add_bound(vs, dash + 1, len - (size_t)(dash - range) - 1);
    } else {
        add_bound(vs, range, len);
    }
}

static int by_version(const void *a, const void *b)
{
    return pc_version_cmp(a, b, 3);
}

static void check_labels(versions *vs)
{
    pc_interp members[MAXVERSIONS];
    const pc_interp *ptrs[MAXVERSIONS];
    char label[256];
    size_t first, last, k;
    qsort(vs->v, vs->n, sizeof vs->v[0], by_version);
    for (k = 0; k < vs->n; k++) {
        memset(&members[k], 0, sizeof members[k]);
        members[k].impl = "cpython";
        members[k].ver = vs->v[k];
        ptrs[k] = &members[k];
    }
    for (first = 0; first < vs->n; first++)
        for (last = first; last < vs->n; last++) {
            pc_builds_label(ptrs, vs->n, first, last, label, sizeof label);
            for (k = 0; k < vs->n; k++) {
                bool in_run = k >= first && k <= last;
                CHECK(pc_builds_match(label, ptrs[k]) == in_run,
                      "label '%s' of builds %zu-%zu of %zu: build %zu (%d.%d.%d) %s", label,
                      first, last, vs->n, k, vs->v[k].v[0], vs->v[k].v[1], vs->v[k].v[2],
                      in_run ? "not matched" : "matched");
            }
        }
}

static void write_input(const uint8_t *data, size_t size)
{
    FILE *f;
    unlink(json_path); /* a new file, not a truncated one (see LLVMFuzzerInitialize) */
    f = fopen(json_path, "wb");
    CHECK(f != NULL, "cannot write %s", json_path);
    CHECK(fwrite(data, 1, size, f) == size, "short write to %s", json_path);
    CHECK(fclose(f) == 0, "cannot write %s", json_path);
}

static void check_loaded(const pc_expectations *ex, const pc_caseset *cases, const uint8_t *data,
                         size_t size)
{
    pc_interp fakes[NFAKES];
    versions vs = {.n = 0};
    const pc_expect_file *f = pc_expect_file_for(ex, "cases/fz.case");
    const pc_expect_file *other = pc_expect_file_for(ex, "cases/other.case");
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    pc_error err;
    char *saved, *dumped;
    size_t c, k, len;

    CHECK(ex->len == 2 && f && other, "%zu files loaded", ex->len);
    CHECK(root != NULL, "loaded what jansson rejects");
    CHECK(json_integer_value(json_object_get(root, "schema")) == PC_EXPECT_SCHEMA, "schema not checked");
    /* saved as it was loaded: the compact records rebuild the file's JSON, key order
     * included, so the text is jansson's dump of what was read */
    saved = pc_expect_file_text(ex, f, &len, &err);
    dumped = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    CHECK(saved && dumped && strlen(saved) == strlen(dumped) + 1 && strncmp(saved, dumped, strlen(dumped)) == 0,
          "saved text differs from the loaded JSON:\n%s\nvs\n%s", saved ? saved : err.msg, dumped);
    free(saved);
    free(dumped);
    make_fakes(fakes);
    for (c = 0; c < cases->len; c++) {
        const pc_case *kase = &cases->items[c];
        json_t *fns = json_object_get(json_object_get(root, "cases"), kase->name), *entries;
        const char *fname;
        pc_expect_iter it;
        if (strcmp(kase->file, "cases/other.case") == 0) {
            pc_expect_functions(ex, kase, &it);
            CHECK(pc_expect_next(&it) == NULL, "a case of the missing file has expectations");
            continue;
        }
        pc_expect_functions(ex, kase, &it);
        json_object_foreach(fns, fname, entries) {
            const char *name = pc_expect_next(&it);
            size_t i;
            json_t *e;
            CHECK(name && strcmp(name, fname) == 0, "functions out of order at '%s'", fname);
            CHECK(pc_expect_count(ex, kase, fname) == json_array_size(entries), "entries of '%s'", fname);
            json_array_foreach(entries, i, e) {
                const char *b = json_string_value(json_object_get(e, "builds"));
                pc_expect_entry v;
                CHECK(b != NULL, "an entry without builds was accepted");
                CHECK(pc_expect_get(ex, kase, fname, i, &v), "entry %zu of '%s' missing", i, fname);
                check_entry(&v, e);
                check_selector(b, fakes);
                collect_bounds(&vs, b);
            }
            for (k = 0; k < NFAKES; k++)
                check_find(ex, kase, fname, entries, &fakes[k]);
        }
        CHECK(pc_expect_next(&it) == NULL, "a function the file does not have");
        for (k = 0; k < NFAKES; k++) {
            pc_expect_entry none;
            CHECK(!pc_expect_lookup(ex, kase, "no such function", &fakes[k], &none),
                  "found an entry for a function not in the file");
        }
    }
    json_decref(root);
    check_labels(&vs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_error err;

    write_input(data, size);
    CHECK(pc_parse_text(&cases, "cases/fz.case", case_text, sizeof case_text - 1, &err) == 0 &&
              pc_parse_text(&cases, "cases/other.case", other_text, sizeof other_text - 1,
                            &err) == 0,
          "%s", err.msg);
    if (pc_expect_load(&ex, tmp_dir, &cases, &err) != 0)
        CHECK(strncmp(err.msg, json_path, strlen(json_path)) == 0,
              "error does not name the file: %s", err.msg);
    else
        check_loaded(&ex, &cases, data, size);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    return 0;
}
