/* changes.c - the `changes` command: "what changes where" from expected/ (see changes.h). */
#include "changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* One short line for an observation: "returns 43", "raises TypeError: ...". */
static int describe(json_t *obs, pc_buf *out, pc_error *err)
{
    json_t *outcome = json_object_get(obs, "outcome"), *ce = json_object_get(obs, "compile_error");
    json_t *me = json_object_get(obs, "error");
    char *text = NULL;
    int rc;
    if (json_is_null(obs) || !obs)
        return pc_buf_appendf(out, err, "not defined on these builds");
    if (json_is_object(ce))
        return pc_buf_appendf(out, err, "%s: %s (line %lld)", json_string_value(json_object_get(ce, "type")),
                              json_string_value(json_object_get(ce, "msg")),
                              (long long)json_integer_value(json_object_get(ce, "line")));
    if (json_is_object(me))
        return pc_buf_appendf(out, err, "module raises %s: %s", json_string_value(json_object_get(me, "type")),
                              json_string_value(json_object_get(me, "message")));
    if (!outcome) {
        json_t *so = json_object_get(obs, "stdout");
        return pc_buf_appendf(out, err, "module prints %.80s", json_string_value(so) ? json_string_value(so) : "");
    }
    if (!strcmp(json_string_value(json_object_get(outcome, "kind")) ? json_string_value(json_object_get(outcome, "kind")) : "", "raise"))
        return pc_buf_appendf(out, err, "raises %s: %s", json_string_value(json_object_get(outcome, "type")),
                              json_string_value(json_object_get(outcome, "message")));
    text = json_dumps(json_object_get(outcome, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text)
        return pc_oom(err);
    rc = pc_buf_appendf(out, err, "returns %.160s%s", text, strlen(text) > 160 ? "…" : "");
    free(text);
    return rc;
}

/* Markdown table cells must not contain | or newlines. */
static int cell(pc_buf *out, const char *text, pc_error *err)
{
    const char *p;
    for (p = text; *p; p++) {
        const char *rep = *p == '|' ? "\\|" : *p == '\n' ? " " : NULL;
        if (rep ? pc_buf_append(out, rep, strlen(rep), err) : pc_buf_append(out, p, 1, err))
            return -1;
    }
    return 0;
}

/* obs: an observation as expected/ writes it (expected.h). */
static int row(pc_buf *out, const char *c1, const char *c2, const char *builds, const char *obs,
               const char *reason, pc_buf *missing, pc_changes_stats *st, pc_error *err)
{
    pc_buf d = {0};
    json_t *value = pc_expect_json(obs);
    int rc = value ? describe(value, &d, err) : pc_oom(err);
    json_decref(value);
    if (!reason || !*reason) {
        st->missing_reasons++;
        if (missing && pc_buf_appendf(missing, err, "%s / %s [%s]\n", c1, c2, builds))
            rc = -1;
    }
    rc = rc || pc_buf_appendf(out, err, "| ") || cell(out, c1, err) || pc_buf_appendf(out, err, " | `") ||
         cell(out, c2, err) || pc_buf_appendf(out, err, "` | %s | ", builds) ||
         cell(out, d.data ? d.data : "", err) || pc_buf_appendf(out, err, " | ") ||
         cell(out, reason ? reason : "(no reason recorded)", err) || pc_buf_appendf(out, err, " |\n");
    pc_buf_free(&d);
    return rc ? -1 : 0;
}

/* Do the builds of a function disagree (an entry's source observation differs from the
 * first's)? */
static bool differs(const pc_expectations *ex, const pc_case *k, const char *fn)
{
    pc_expect_entry first, e;
    size_t i;
    if (!pc_expect_get(ex, k, fn, 0, &first))
        return false;
    for (i = 1; pc_expect_get(ex, k, fn, i, &e); i++)
        if (strcmp(e.source, first.source) != 0) /* canonical texts */
            return true;
    return false;
}

/* One table: for `divergences`, every entry with a recorded desugared observation;
 * otherwise every entry of the functions whose builds disagree. */
static int section(const pc_expectations *ex, const pc_caseset *cases, bool divergences,
                   pc_buf *out, pc_buf *missing, pc_changes_stats *st, pc_error *err)
{
    size_t c, i;
    for (c = 0; c < cases->len; c++) {
        const pc_case *k = &cases->items[c];
        pc_expect_iter it;
        const char *fn;
        pc_expect_functions(ex, k, &it);
        while ((fn = pc_expect_next(&it)) != NULL) {
            pc_expect_entry e;
            if (!divergences) {
                if (!differs(ex, k, fn))
                    continue;
                st->functions_differing++;
            }
            for (i = 0; pc_expect_get(ex, k, fn, i, &e); i++) {
                if (divergences && !e.desugared)
                    continue;
                st->divergences += divergences;
                if (row(out, k->name, fn, e.builds_text, divergences ? e.desugared_written : e.source_written,
                        divergences ? e.divergence : e.reason, missing, st, err))
                    return -1;
            }
        }
    }
    return 0;
}

int pc_changes_render(const pc_expectations *ex, const pc_caseset *cases, pc_buf *out,
                      pc_buf *missing, pc_changes_stats *st, pc_error *err)
{
    memset(st, 0, sizeof *st);
    if (pc_buf_appendf(out, err,
                       "# What changes where\n\n"
                       "Generated by `pyconform changes` from `expected/`; do not edit by hand.\n"
                       "Each table row is a group of builds that behaves the same way, with the\n"
                       "recorded reason. Builds are `IMPL[+TRAITS] VERSIONS` (see the README).\n\n"
                       "## Behaviour that differs between builds\n\n"
                       "| case | function | builds | observed | reason |\n"
                       "| --- | --- | --- | --- | --- |\n") ||
        section(ex, cases, false, out, missing, st, err) ||
        pc_buf_appendf(out, err,
                       "\n## Known divergences of the desugared translation\n\n"
                       "| case | function | builds | desugared run | reason |\n"
                       "| --- | --- | --- | --- | --- |\n") ||
        section(ex, cases, true, out, missing, st, err))
        return -1;
    return pc_buf_appendf(out, err, "\n%zu case functions differ between builds; %zu divergence entries.\n",
                          st->functions_differing, st->divergences);
}

/* changes: the "what changes where" table from expected/ (runs nothing). */
int pc_cmd_changes(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    (void)argc; /* the options are parsed already */
    (void)argv;
    pc_caseset cases = {0};
    pc_expectations ex = {0};
    pc_buf out = {0}, missing = {0};
    pc_changes_stats st;
    pc_error err;
    int rc = PC_EXIT_USAGE;
    if (pc_cmd_load_cases(o, p->cases, &cases, &err))
        goto done;
    if (pc_expect_load(&ex, p->expected, &cases, &err) ||
        pc_changes_render(&ex, &cases, &out, &missing, &st, &err))
        goto done;
    if (o->check) {
        /* the gate: every difference between builds and every divergence has a reason */
        if (missing.len)
            fprintf(stderr, "%s", missing.data);
        printf("changes: %zu case functions differ between builds, %zu divergences, %zu rows "
               "without a reason\n", st.functions_differing, st.divergences, st.missing_reasons);
        rc = st.missing_reasons ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
        goto done;
    }
    if (o->output) {
        if (pc_write_atomic(o->output, out.data, out.len, &err))
            goto done;
        fprintf(stderr, "pyconform: wrote %s: %zu case functions differ between builds, %zu divergences\n",
                o->output, st.functions_differing, st.divergences);
    } else {
        fwrite(out.data, 1, out.len, stdout);
    }
    rc = PC_EXIT_OK;
done:
    if (rc == PC_EXIT_USAGE)
        fprintf(stderr, "pyconform: %s\n", err.msg);
    pc_buf_free(&out);
    pc_buf_free(&missing);
    pc_expect_free(&ex);
    pc_caseset_free(&cases);
    return rc;
}
