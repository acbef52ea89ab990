/* select.c - see select.h. */
#include "select.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report_read.h"
#include "util.h"
#include "verdict.h"

static int compile_all(regex_t **out, size_t *n, const char *const *texts, size_t ntexts,
                       const char *what, pc_error *err)
{
    size_t i;
    if (!ntexts)
        return 0;
    if (!(*out = calloc(ntexts, sizeof **out)))
        return pc_oom(err);
    for (i = 0; i < ntexts; i++) {
        int rc = regcomp(&(*out)[i], texts[i], REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[256];
            regerror(rc, &(*out)[i], why, sizeof why);
            return pc_fail(err, "%s '%s': not a valid regular expression: %s", what, texts[i], why);
        }
        (*n)++;
    }
    return 0;
}

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The unexpected results of a saved report, as "CASE / FUNCTION", sorted and unique. */
static int read_failed(pc_selection *s, const char *path, pc_error *err)
{
    pc_report_doc doc;
    size_t i, cap = 0, k = 0;
    int rc = -1;
    if (pc_report_load(path, &doc, err)) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return pc_fail(err, "--last-failed: %s", why);
    }
    if (pc_grow(&s->failed, &cap, 1, sizeof *s->failed, err))
        goto out;
    for (i = 0; i < doc.nrows; i++) {
        const pc_report_rrow *r = &doc.rows[i];
        const pc_report_job *j = &doc.jobs[r->job];
        char *name;
        if (pc_verdict_get((pc_verdict)r->verdict)->expected)
            continue;
        if (!(name = pc_asprintf(err, "%s / %s", pc_report_text(&doc, j->kase),
                                 pc_report_text(&doc, r->function))) ||
            pc_grow(&s->failed, &cap, s->nfailed + 1, sizeof *s->failed, err)) {
            free(name);
            goto out;
        }
        s->failed[s->nfailed++] = name;
    }
    qsort(s->failed, s->nfailed, sizeof *s->failed, cmp_text);
    for (i = 0; i < s->nfailed; i++) { /* unique */
        if (k && !strcmp(s->failed[k - 1], s->failed[i]))
            free(s->failed[i]);
        else
            s->failed[k++] = s->failed[i];
    }
    s->nfailed = k;
    rc = 0;
out:
    pc_report_doc_free(&doc);
    return rc;
}

int pc_selection_init(pc_selection *s, const char *const *in, size_t nin, const char *const *out,
                      size_t nout, const char *last_failed, pc_error *err)
{
    const char *env_in = getenv("PYCONFORM_FILTER"), *env_out = getenv("PYCONFORM_FILTER_OUT");
    memset(s, 0, sizeof *s);
    if (!nin && env_in && *env_in) {
        in = &env_in;
        nin = 1;
    }
    if (!nout && env_out && *env_out) {
        out = &env_out;
        nout = 1;
    }
    s->active = nin || nout || last_failed;
    if (compile_all(&s->in, &s->nin, in, nin, nin && in == &env_in ? "PYCONFORM_FILTER" : "--filter", err) ||
        compile_all(&s->out, &s->nout, out, nout,
                    nout && out == &env_out ? "PYCONFORM_FILTER_OUT" : "--filter-out", err) ||
        (last_failed && read_failed(s, last_failed, err))) {
        pc_selection_free(s);
        return -1;
    }
    return 0;
}

/* name: "CASE / FUNCTION" */
static bool keeps_name(const pc_selection *s, const char *name)
{
    size_t i;
    bool in = s->nin == 0;
    for (i = 0; !in && i < s->nin; i++)
        in = regexec(&s->in[i], name, 0, NULL, 0) == 0;
    for (i = 0; in && i < s->nout; i++)
        in = regexec(&s->out[i], name, 0, NULL, 0) != 0;
    if (in && s->failed)
        in = bsearch(&name, s->failed, s->nfailed, sizeof *s->failed, cmp_text) != NULL;
    return in;
}

bool pc_selection_keeps(const pc_selection *s, const pc_case *kase, const char *function)
{
    char buf[512], *name = buf;
    bool kept;
    size_t len;
    if (!s->active)
        return true;
    len = strlen(kase->name) + strlen(function) + 4;
    if (len > sizeof buf && !(name = malloc(len)))
        return true; /* out of memory: judging one function too many is the safe side */
    snprintf(name, len > sizeof buf ? len : sizeof buf, "%s / %s", kase->name, function);
    kept = keeps_name(s, name);
    if (name != buf)
        free(name);
    return kept;
}

/* Whether a block may have a selected function: its module body, a function one of its
 * module-level `def`/`async def` lines defines, or one expected/ records. */
static bool keeps_case(const pc_selection *s, const pc_expectations *ex, const pc_case *kase)
{
    const char *line, *next, *fn;
    pc_expect_iter it;
    if (pc_selection_keeps(s, kase, "<module>"))
        return true;
    for (line = kase->source; line && *line; line = next ? next + 1 : NULL) {
        const char *p = line;
        char name[256];
        size_t n = 0;
        next = strchr(line, '\n');
        if (!strncmp(p, "async ", 6))
            p += 6;
        if (strncmp(p, "def ", 4))
            continue;
        for (p += 4; *p == ' '; p++)
            ;
        while ((isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) && n + 1 < sizeof name)
            name[n++] = *p++;
        name[n] = '\0';
        if (n && pc_selection_keeps(s, kase, name))
            return true;
    }
    pc_expect_functions(ex, kase, &it);
    while ((fn = pc_expect_next(&it)) != NULL)
        if (pc_selection_keeps(s, kase, fn))
            return true;
    return false;
}

int pc_selection_apply(const pc_selection *s, const pc_expectations *ex, pc_plan *plan, pc_error *err)
{
    unsigned char *keep;
    const pc_case *last = NULL;
    bool kept = false;
    size_t i;
    if (!s->active)
        return 0;
    if (!(keep = calloc(plan->len + 1, 1)))
        return pc_oom(err);
    for (i = 0; i < plan->len; i++) {
        if (plan->jobs[i].kase != last) { /* a case's jobs are adjacent per build */
            last = plan->jobs[i].kase;
            kept = keeps_case(s, ex, last);
        }
        keep[i] = kept;
    }
    pc_plan_keep(plan, keep, NULL);
    free(keep);
    return 0;
}

void pc_selection_free(pc_selection *s)
{
    size_t i;
    for (i = 0; i < s->nin; i++)
        regfree(&s->in[i]);
    for (i = 0; i < s->nout; i++)
        regfree(&s->out[i]);
    for (i = 0; i < s->nfailed; i++)
        free(s->failed[i]);
    free(s->in);
    free(s->out);
    free(s->failed);
    memset(s, 0, sizeof *s);
}
