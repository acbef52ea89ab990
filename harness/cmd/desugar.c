/* desugar.c - the `desugar` and `check-desugar` commands: our desugarer (host/desugar.py)
 * on one file, and any desugarer against the cases' `=` sections. */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "process.h"
#include "translate.h"
#include "util.h"

/* desugar: our desugarer on one file, its output passed through. */
int pc_cmd_desugar(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    (void)argc; /* the options are parsed already */
    (void)argv;
    pc_error err;
    pc_buf in = {0};
    pc_translation t = {0};
    char *cmd[] = {(char *)pc_cmd_python(o), p->desugar_py, o->conservative ? "--conservative" : "-",
                   o->conservative ? "-" : NULL, NULL};
    int rc = PC_EXIT_USAGE;
    if (o->nfiles != 1) {
        pc_fail(&err, "desugar: needs FILE or - (see `pyconform desugar --help`)");
        goto done;
    }
    if (!strcmp(o->files[0], "-")) {
        char chunk[65536];
        size_t n;
        if (pc_buf_append(&in, "", 0, &err))
            goto done;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            if (pc_buf_append(&in, chunk, n, &err))
                goto done;
    } else if (pc_read_file(o->files[0], &in, &err)) {
        goto done;
    }
    if (pc_translate_text(cmd, in.data, 60, 0, &t, &err))
        goto done;
    if (t.notes)
        fputs(t.notes, stderr);
    if (t.failure) {
        pc_fail(&err, "%s: %s", o->files[0], t.failure);
        goto done;
    }
    fputs(t.text, stdout);
    rc = PC_EXIT_OK;
done:
    if (rc)
        fprintf(stderr, "pyconform: %s\n", err.msg);
    pc_buf_free(&in);
    pc_translations_free(&t, 1);
    return rc;
}

/* Run argv to completion; its exit code, or -1 when it could not run. */
static int run_quiet(char *const *argv, pc_buf *out, pc_error *err)
{
    pc_child c = {0};
    int status = 0;
    bool to = false;
    c.argv = argv;
    c.pipe_out = c.pipe_err = true;
    if (pc_child_start(&c, err) || pc_child_capture(&c, NULL, 60, out, out, &status, &to, err))
        return -1;
    return to ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* check-desugar: a desugarer's output against every `=` section. */
int pc_cmd_check_desugar(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    (void)argc; /* the options are parsed already */
    (void)argv;
    pc_caseset cases = {0};
    pc_translation *tr = NULL;
    char *astcmp = NULL, *dir = NULL;
    size_t i, checked = 0, bytes_equal = 0, ast_equal = 0;
    pc_error err;
    int rc = PC_EXIT_USAGE;
    char tmpl[] = "/tmp/pyconform-check-XXXXXX";
    if (pc_cmd_load_cases(o, p->cases, &cases, &err))
        goto done;
    if (!(tr = calloc(cases.len + 1, sizeof *tr)) || !(astcmp = pc_asprintf(&err, "%s/ast_equal.py", p->host))) {
        pc_oom(&err);
        goto done;
    }
    if (!(dir = mkdtemp(tmpl))) {
        pc_fail(&err, "%s: cannot create a temp directory", tmpl);
        goto done;
    }
    for (i = 0; i < cases.len; i++) {
        const pc_case *k = &cases.items[i];
        char *ours[] = {(char *)pc_cmd_python(o), p->desugar_py, "-", NULL};
        char *ext[] = {"/bin/sh", "-c", (char *)o->desugarer, NULL};
        char *want = NULL, *got = NULL;
        pc_buf out = {0};
        int r;
        if (!k->desugared)
            continue;
        checked++;
        r = pc_translate_text(o->desugarer ? ext : ours, k->source, o->timeout, 0, &tr[i], &err);
        if (r)
            goto done;
        if (tr[i].failure) {
            printf("FAILED      %s (%s:%d): %s\n", k->name, k->file, k->line, tr[i].failure);
            continue;
        }
        if (!strcmp(tr[i].text, k->desugared)) {
            bytes_equal++;
            ast_equal++;
            printf("byte-equal  %s\n", k->name);
            continue;
        }
        want = pc_asprintf(&err, "%s/expected.py", dir);
        got = pc_asprintf(&err, "%s/actual.py", dir);
        if (!want || !got || pc_write_atomic(want, k->desugared, strlen(k->desugared), &err) ||
            pc_write_atomic(got, tr[i].text, strlen(tr[i].text), &err)) {
            free(want);
            free(got);
            goto done;
        }
        {
            char *acmd[] = {(char *)pc_cmd_python(o), astcmp, want, got, NULL};
            char *dcmd[] = {"diff", "-u", "--label", "expected (= section)", "--label", "desugarer output",
                            want, got, NULL};
            int same = run_quiet(acmd, &out, &err);
            if (same == 0)
                ast_equal++;
            printf("%s %s (%s:%d)\n", same == 0 ? "AST-equal  " : "DIFFERENT  ", k->name, k->file, k->line);
            pc_buf_clear(&out);
            run_quiet(dcmd, &out, &err);
            fputs(out.data ? out.data : "", stdout);
        }
        pc_buf_free(&out);
        remove(want);
        remove(got);
        free(want);
        free(got);
    }
    printf("check-desugar: %zu cases with a `=` section: %zu byte-equal, %zu AST-equal, %zu different\n",
           checked, bytes_equal, ast_equal, checked - ast_equal);
    rc = bytes_equal == checked ? PC_EXIT_OK : PC_EXIT_UNEXPECTED;
done:
    if (rc == PC_EXIT_USAGE)
        fprintf(stderr, "pyconform: %s\n", err.msg);
    if (dir)
        rmdir(dir);
    pc_translations_free(tr, cases.len);
    free(tr);
    free(astcmp);
    pc_caseset_free(&cases);
    return rc;
}
