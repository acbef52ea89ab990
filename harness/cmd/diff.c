/* diff.c - the `diff` command: what changed from one saved report to another (a
 * nightly run against yesterday's, desugarer revision A against B).
 *
 * Results are matched by case, function, build and mode. A NEW result is
 *   - newly unexpected: its verdict is unexpected and OLD's was as expected, or OLD has
 *     no such result (a new build, case or function that fails counts);
 *   - newly as expected: as expected now, unexpected in OLD;
 *   - verdict changed: another verdict on the same side (FAIL -> CRASH, PASS -> XFAIL);
 *   - observation changed: the same verdict, another observation.
 * Besides: builds (of the runs' jobs), cases and functions (of cases in both) added or
 * removed, and how many results only one report has. The changes are grouped by case
 * function, in NEW's order. Exit 1 when anything is newly unexpected, else 0; 2 for bad
 * input (a report missing, truncated, malformed, of another schema).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "compare.h"
#include "plan.h"
#include "report_read.h"
#include "util.h"
#include "verdict.h"

enum { CH_NEW_UNEXPECTED, CH_NEW_EXPECTED, CH_VERDICT, CH_OBSERVATION, CH_COUNT };
static const char *const change_names[CH_COUNT] = {"newly-unexpected", "newly-expected",
                                                   "verdict-changed", "observation-changed"};
static const char *const change_labels[CH_COUNT] = {"newly unexpected", "newly as expected",
                                                    "verdict changed", "observation changed"};

typedef struct change {
    int kind;
    uint32_t group;    /* the case function's place in NEW (first row order) */
    size_t new_row;    /* index into NEW's rows */
    const pc_report_rrow *old; /* NULL: OLD has no such result */
} change;

/* The names one side has and the other has not, in the order the side gives them. */
typedef struct names {
    pc_intern in; /* for a function: "CASE\x1fFUNCTION" */
} names;

typedef struct diff {
    const pc_report_doc *a, *b;
    names builds[2], cases[2], functions[2];
    change *changes;
    size_t n, cap;
    size_t counts[CH_COUNT], only_old, only_new;
    pc_intern groups; /* "CASE\x1fFUNCTION" of NEW's rows, in order */
} diff;

/* "LEN:TEXT" pieces: a key no two different tuples share. */
static int key_of(pc_buf *k, const pc_report_doc *d, const pc_report_rrow *r, bool with_run,
                  pc_error *err)
{
    const pc_report_job *j = &d->jobs[r->job];
    const char *c = pc_report_text(d, j->kase), *f = pc_report_text(d, r->function);
    pc_buf_clear(k);
    if (pc_buf_appendf(k, err, "%zu:%s%zu:%s", strlen(c), c, strlen(f), f))
        return -1;
    if (with_run) {
        const char *in = pc_report_text(d, j->interp);
        if (pc_buf_appendf(k, err, "%zu:%s%d", strlen(in), in, j->mode))
            return -1;
    }
    return 0;
}

static int collect_names(const pc_report_doc *d, names *builds, names *cases, names *functions,
                         pc_error *err)
{
    size_t i;
    pc_buf k = {0};
    int rc = 0;
    for (i = 0; rc == 0 && i < d->njobs; i++) {
        const char *in = pc_report_text(d, d->jobs[i].interp), *c = pc_report_text(d, d->jobs[i].kase);
        if (!pc_intern_add(&builds->in, in, strlen(in), err) || !pc_intern_add(&cases->in, c, strlen(c), err))
            rc = -1;
    }
    for (i = 0; rc == 0 && i < d->nrows; i++) {
        const char *c = pc_report_text(d, d->jobs[d->rows[i].job].kase);
        const char *f = pc_report_text(d, d->rows[i].function);
        pc_buf_clear(&k);
        if (pc_buf_appendf(&k, err, "%s\x1f%s", c, f) || !pc_intern_add(&functions->in, k.data, k.len, err))
            rc = -1;
    }
    pc_buf_free(&k);
    return rc;
}

static int add_change(diff *df, int kind, size_t new_row, const pc_report_rrow *old, pc_error *err)
{
    const pc_report_rrow *r = &df->b->rows[new_row];
    pc_buf k = {0};
    uint32_t g;
    int rc = pc_buf_appendf(&k, err, "%s\x1f%s", pc_report_text(df->b, df->b->jobs[r->job].kase),
                            pc_report_text(df->b, r->function));
    g = rc ? 0 : pc_intern_add(&df->groups, k.data, k.len, err);
    pc_buf_free(&k);
    if (!g || pc_grow(&df->changes, &df->cap, df->n + 1, sizeof *df->changes, err))
        return -1;
    df->changes[df->n++] = (change){kind, g, new_row, old};
    df->counts[kind]++;
    return 0;
}

static int by_group(const void *x, const void *y)
{
    const change *a = x, *b = y;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    return a->new_row < b->new_row ? -1 : a->new_row > b->new_row;
}

static int compute(diff *df, pc_error *err)
{
    pc_intern keys = {0};
    size_t *old_of = NULL, i;
    bool *matched = NULL;
    pc_buf k = {0};
    int rc = -1;
    if (collect_names(df->a, &df->builds[0], &df->cases[0], &df->functions[0], err) ||
        collect_names(df->b, &df->builds[1], &df->cases[1], &df->functions[1], err))
        goto out;
    if (!(old_of = calloc(df->a->nrows + 1, sizeof *old_of)) ||
        !(matched = calloc(df->a->nrows + 1, sizeof *matched))) {
        pc_oom(err);
        goto out;
    }
    for (i = 0; i < df->a->nrows; i++) {
        uint32_t id;
        if (key_of(&k, df->a, &df->a->rows[i], true, err) || !(id = pc_intern_add(&keys, k.data, k.len, err)))
            goto out;
        old_of[id - 1] = i + 1;
    }
    for (i = 0; i < df->b->nrows; i++) {
        const pc_report_rrow *nr = &df->b->rows[i], *or = NULL;
        bool now_ok = pc_verdict_get((pc_verdict)nr->verdict)->expected;
        uint32_t id;
        if (key_of(&k, df->b, nr, true, err))
            goto out;
        if ((id = pc_intern_find(&keys, k.data, k.len)) && old_of[id - 1]) {
            or = &df->a->rows[old_of[id - 1] - 1];
            matched[old_of[id - 1] - 1] = true;
        }
        if (!or) {
            df->only_new++;
            if (!now_ok && add_change(df, CH_NEW_UNEXPECTED, i, NULL, err))
                goto out;
            continue;
        }
        {
            bool was_ok = pc_verdict_get((pc_verdict)or->verdict)->expected;
            const char *ov = pc_report_value(df->a, or->observation);
            const char *nv = pc_report_value(df->b, nr->observation);
            int kind = -1;
            if (was_ok && !now_ok)
                kind = CH_NEW_UNEXPECTED;
            else if (!was_ok && now_ok)
                kind = CH_NEW_EXPECTED;
            else if (or->verdict != nr->verdict)
                kind = CH_VERDICT;
            else if ((ov == NULL) != (nv == NULL) || (ov && strcmp(ov, nv)))
                kind = CH_OBSERVATION;
            if (kind >= 0 && add_change(df, kind, i, or, err))
                goto out;
        }
    }
    for (i = 0; i < df->a->nrows; i++)
        df->only_old += !matched[i];
    if (df->n)
        qsort(df->changes, df->n, sizeof *df->changes, by_group);
    rc = 0;
out:
    pc_buf_free(&k);
    pc_intern_free(&keys);
    free(old_of);
    free(matched);
    return rc;
}

/* ---- output -------------------------------------------------------------------------- */

/* The texts of `mine` that `other` lacks, as a JSON array (functions: {case, function}). */
static json_t *only_in(const names *mine, const names *other, bool functions)
{
    json_t *a = json_array();
    size_t i;
    for (i = 1; a && i <= mine->in.len; i++) {
        const char *t = pc_intern_text(&mine->in, (uint32_t)i), *sep;
        json_t *v;
        if (pc_intern_find(&other->in, t, strlen(t)))
            continue;
        if (functions) {
            sep = strchr(t, '\x1f');
            v = json_pack("{s:s%, s:s}", "case", t, (size_t)(sep - t), "function", sep + 1);
        } else {
            v = json_string(t);
        }
        if (!v || json_array_append_new(a, v)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Functions added or removed, only for cases both reports have. */
static json_t *functions_only_in(const diff *df, int side)
{
    json_t *all = only_in(&df->functions[side], &df->functions[!side], true), *out = json_array();
    json_t *v;
    size_t i;
    json_array_foreach(all, i, v) {
        const char *c = json_string_value(json_object_get(v, "case"));
        if (pc_intern_find(&df->cases[!side].in, c, strlen(c)) && json_array_append(out, v)) {
            json_decref(out);
            out = NULL;
            break;
        }
    }
    json_decref(all);
    return out;
}

/* The first difference between two observations (value ids of each side), or NULL. */
static json_t *observation_diff(const diff *df, const change *c)
{
    json_t *o = c->old ? pc_report_value_json(df->a, c->old->observation) : NULL;
    json_t *n = pc_report_value_json(df->b, df->b->rows[c->new_row].observation);
    json_t *d = pc_json_diff(o ? o : json_null(), n ? n : json_null()), *out = NULL;
    if (d)
        out = json_pack("{s:O, s:O, s:O}", "path", json_object_get(d, "path"), "old",
                        json_object_get(d, "expected"), "new", json_object_get(d, "observed"));
    json_decref(o);
    json_decref(n);
    json_decref(d);
    return out;
}

static json_t *side_json(const pc_report_doc *d, const pc_report_rrow *r)
{
    json_t *o = json_pack("{s:s}", "verdict", pc_verdict_name((pc_verdict)r->verdict));
    json_t *dv = pc_report_value_json(d, r->diff);
    if (o && r->reason)
        json_object_set_new(o, "reason", json_string(pc_report_text(d, r->reason)));
    if (o && r->detail)
        json_object_set_new(o, "detail", json_string(pc_report_text(d, r->detail)));
    if (o && dv)
        json_object_set(o, "diff", dv);
    json_decref(dv);
    return o;
}

static json_t *to_json(const diff *df)
{
    json_t *doc, *groups = json_array(), *cur = NULL;
    size_t i;
    uint32_t g = 0;
    for (i = 0; groups && i < df->n; i++) {
        const change *c = &df->changes[i];
        const pc_report_rrow *nr = &df->b->rows[c->new_row];
        const pc_report_job *j = &df->b->jobs[nr->job];
        json_t *item;
        if (c->group != g) {
            g = c->group;
            cur = json_array();
            if (!cur || json_array_append_new(groups, json_pack("{s:s, s:s, s:o}", "case",
                                                                pc_report_text(df->b, j->kase), "function",
                                                                pc_report_text(df->b, nr->function),
                                                                "results", cur)))
                goto oom;
        }
        item = json_pack("{s:s, s:s, s:s, s:o, s:o}", "change", change_names[c->kind], "interpreter",
                         pc_report_text(df->b, j->interp), "mode", pc_mode_name((pc_mode)j->mode),
                         "old", c->old ? side_json(df->a, c->old) : json_null(), "new",
                         side_json(df->b, nr));
        if (!item || json_array_append_new(cur, item))
            goto oom;
        if (c->kind == CH_OBSERVATION) {
            json_t *od = observation_diff(df, c);
            if (od && json_object_set_new(item, "observation_diff", od))
                goto oom;
        }
    }
    doc = json_pack("{s:o, s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:{s:o, s:o}, s:o, "
                    "s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
                    "old", pc_json_textz(df->a->path), "new", pc_json_textz(df->b->path), "builds", "added",
                    only_in(&df->builds[1], &df->builds[0], false), "removed",
                    only_in(&df->builds[0], &df->builds[1], false), "cases", "added",
                    only_in(&df->cases[1], &df->cases[0], false), "removed",
                    only_in(&df->cases[0], &df->cases[1], false), "functions", "added",
                    functions_only_in(df, 1), "removed", functions_only_in(df, 0), "changes", groups,
                    "summary", "newly_unexpected", (json_int_t)df->counts[CH_NEW_UNEXPECTED],
                    "newly_expected", (json_int_t)df->counts[CH_NEW_EXPECTED], "verdict_changed",
                    (json_int_t)df->counts[CH_VERDICT], "observation_changed",
                    (json_int_t)df->counts[CH_OBSERVATION], "only_old", (json_int_t)df->only_old,
                    "only_new", (json_int_t)df->only_new);
    return doc;
oom:
    json_decref(groups);
    return NULL;
}

/* JSON value, compact, clipped for the terminal. */
static void print_value(FILE *out, json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    pc_print_text(out, s ? s : "?", 160);
    free(s);
}

static void print_list(FILE *out, const char *label, json_t *a, bool functions)
{
    json_t *v;
    size_t i;
    if (!json_array_size(a))
        return;
    fprintf(out, "%s (%zu):", label, json_array_size(a));
    json_array_foreach(a, i, v) {
        fputs(i ? ", " : " ", out);
        if (functions) {
            pc_print_text(out, json_string_value(json_object_get(v, "case")), 200);
            fputs(" / ", out);
            pc_print_text(out, json_string_value(json_object_get(v, "function")), 200);
        } else {
            pc_print_text(out, json_string_value(v), 200);
        }
    }
    fputc('\n', out);
}

static void print_text(FILE *out, json_t *doc)
{
    json_t *g, *r, *s = json_object_get(doc, "summary");
    size_t i, k;
    fputs("pyconform diff: ", out);
    pc_print_text(out, json_string_value(json_object_get(doc, "old")), 500);
    fputs(" -> ", out);
    pc_print_text(out, json_string_value(json_object_get(doc, "new")), 500);
    fputc('\n', out);
    print_list(out, "builds added", json_object_get(json_object_get(doc, "builds"), "added"), false);
    print_list(out, "builds removed", json_object_get(json_object_get(doc, "builds"), "removed"), false);
    print_list(out, "cases added", json_object_get(json_object_get(doc, "cases"), "added"), false);
    print_list(out, "cases removed", json_object_get(json_object_get(doc, "cases"), "removed"), false);
    print_list(out, "functions added", json_object_get(json_object_get(doc, "functions"), "added"), true);
    print_list(out, "functions removed", json_object_get(json_object_get(doc, "functions"), "removed"), true);
    json_array_foreach(json_object_get(doc, "changes"), i, g) {
        fputc('\n', out);
        pc_print_text(out, json_string_value(json_object_get(g, "case")), 200);
        fputs(" / ", out);
        pc_print_text(out, json_string_value(json_object_get(g, "function")), 200);
        fputc('\n', out);
        json_array_foreach(json_object_get(g, "results"), k, r) {
            json_t *o = json_object_get(r, "old"), *n = json_object_get(r, "new"), *d;
            const char *ch = json_string_value(json_object_get(r, "change"));
            int kind;
            for (kind = 0; kind < CH_COUNT - 1 && strcmp(ch, change_names[kind]); kind++)
                ;
            fprintf(out, "  %-20s ", change_labels[kind]);
            pc_print_text(out, json_string_value(json_object_get(r, "interpreter")), 200);
            fprintf(out, " %s: %s -> %s", json_string_value(json_object_get(r, "mode")),
                    json_is_null(o) ? "(none)" : json_string_value(json_object_get(o, "verdict")),
                    json_string_value(json_object_get(n, "verdict")));
            if ((d = json_object_get(r, "observation_diff"))) {
                fputs("; observation differs at ", out);
                pc_print_text(out, json_string_value(json_object_get(d, "path")), 300);
                fputs(": old ", out);
                print_value(out, json_object_get(d, "old"));
                fputs(", new ", out);
                print_value(out, json_object_get(d, "new"));
            } else if (kind == CH_NEW_UNEXPECTED && (d = json_object_get(n, "diff"))) {
                fputs("; at ", out);
                pc_print_text(out, json_string_value(json_object_get(d, "path")), 300);
                fputs(": expected ", out);
                print_value(out, json_object_get(d, "expected"));
                fputs(", observed ", out);
                print_value(out, json_object_get(d, "observed"));
            } else if (kind == CH_NEW_UNEXPECTED && json_object_get(n, "detail")) {
                fputs("; ", out);
                pc_print_text(out, json_string_value(json_object_get(n, "detail")), 300);
            }
            fputc('\n', out);
        }
    }
    fprintf(out,
            "\ndiff: %lld newly unexpected, %lld newly as expected, %lld verdicts changed, %lld "
            "observations changed; builds +%zu -%zu, cases +%zu -%zu, functions +%zu -%zu; %lld "
            "results only in OLD, %lld only in NEW\n",
            json_integer_value(json_object_get(s, "newly_unexpected")),
            json_integer_value(json_object_get(s, "newly_expected")),
            json_integer_value(json_object_get(s, "verdict_changed")),
            json_integer_value(json_object_get(s, "observation_changed")),
            json_array_size(json_object_get(json_object_get(doc, "builds"), "added")),
            json_array_size(json_object_get(json_object_get(doc, "builds"), "removed")),
            json_array_size(json_object_get(json_object_get(doc, "cases"), "added")),
            json_array_size(json_object_get(json_object_get(doc, "cases"), "removed")),
            json_array_size(json_object_get(json_object_get(doc, "functions"), "added")),
            json_array_size(json_object_get(json_object_get(doc, "functions"), "removed")),
            json_integer_value(json_object_get(s, "only_old")),
            json_integer_value(json_object_get(s, "only_new")));
}

int pc_cmd_diff(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    pc_report_doc a = {0}, b = {0};
    diff df = {0};
    pc_error err;
    json_t *doc = NULL;
    int rc = PC_EXIT_USAGE, i;
    (void)p;
    (void)argc;
    (void)argv;
    if (o->nfiles != 2) {
        fprintf(stderr, "pyconform: diff: give two reports, OLD.json NEW.json\n\n");
        pc_cli_help(stderr, PC_CMD_DIFF);
        return PC_EXIT_USAGE;
    }
    if (pc_report_load(o->files[0], &a, &err) || pc_report_load(o->files[1], &b, &err)) {
        fprintf(stderr, "pyconform: diff: %s\n", err.msg);
        goto out;
    }
    df.a = &a;
    df.b = &b;
    if (compute(&df, &err)) {
        fprintf(stderr, "pyconform: diff: %s\n", err.msg);
        goto out;
    }
    if (!(doc = to_json(&df))) {
        fprintf(stderr, "pyconform: diff: out of memory\n");
        goto out;
    }
    if (o->json) {
        if (json_dumpf(doc, stdout, JSON_INDENT(1)) != 0 || fputc('\n', stdout) == EOF) {
            fprintf(stderr, "pyconform: diff: cannot write the output\n");
            goto out;
        }
    } else {
        print_text(stdout, doc);
    }
    rc = df.counts[CH_NEW_UNEXPECTED] ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
out:
    json_decref(doc);
    for (i = 0; i < 2; i++) {
        pc_intern_free(&df.builds[i].in);
        pc_intern_free(&df.cases[i].in);
        pc_intern_free(&df.functions[i].in);
    }
    pc_intern_free(&df.groups);
    free(df.changes);
    pc_report_doc_free(&a);
    pc_report_doc_free(&b);
    return rc;
}
