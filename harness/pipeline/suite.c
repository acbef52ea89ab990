/* suite.c - see suite.h. */
#include "suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "util.h"

/* STDLIB/test/MODULE.py (dots made folders), or NULL with err set. */
static char *module_path(const char *stdlib, const char *module, pc_error *err)
{
    char *p = pc_asprintf(err, "%s/test/%s.py", stdlib, module), *c;
    for (c = p ? p + strlen(stdlib) + 6 : NULL; c && *c; c++)
        if (*c == '.' && strcmp(c, ".py") != 0)
            *c = '/';
    return p;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The build's stdlib on this file system, or NULL (why says why). */
static const char *stdlib_of(const pc_interp *in, const char **why)
{
    const char *lib = json_string_value(json_object_get(in->probe, "stdlib"));
    if (in->wasm) {
        *why = "a WebAssembly build: its standard library is not on this file system";
        return NULL;
    }
    if (!lib || !*lib) {
        *why = "its probe names no standard library";
        return NULL;
    }
    return lib;
}

/* The index of the text read from path (reading it when new), -1 with *why when it
 * cannot be used, -2 on a harness error. */
static long text_of(pc_suites *s, const char *path, char **why, pc_error *err)
{
    pc_buf buf = {0};
    pc_error rerr = {0};
    size_t i;
    for (i = 0; i < s->ntexts; i++)
        if (strcmp(s->texts[i].path, path) == 0)
            return (long)i;
    if (pc_read_file(path, &buf, &rerr)) {
        pc_buf_free(&buf);
        *why = pc_strdup(rerr.msg, err);
        return *why ? -1 : -2;
    }
    if (pc_utf8_valid_prefix(buf.data ? buf.data : "", buf.len) != buf.len) {
        pc_buf_free(&buf);
        *why = pc_asprintf(err, "%s is not valid UTF-8", path);
        return *why ? -1 : -2;
    }
    /* the same text under another path (two registry entries of one build) is kept once */
    for (i = 0; i < s->ntexts; i++)
        if (strlen(s->texts[i].text) == buf.len && memcmp(s->texts[i].text, buf.data ? buf.data : "", buf.len) == 0) {
            pc_buf_free(&buf);
            return (long)i;
        }
    if (pc_grow(&s->texts, &s->cap, s->ntexts + 1, sizeof *s->texts, err)) {
        pc_buf_free(&buf);
        return -2;
    }
    memset(&s->texts[s->ntexts], 0, sizeof *s->texts);
    s->texts[s->ntexts].path = pc_strdup(path, err);
    s->texts[s->ntexts].text = pc_strndup(buf.data ? buf.data : "", buf.len, err);
    pc_buf_free(&buf);
    if (!s->texts[s->ntexts].path || !s->texts[s->ntexts].text) {
        free(s->texts[s->ntexts].path);
        free(s->texts[s->ntexts].text);
        return -2;
    }
    return (long)s->ntexts++;
}

/* An unknown module: no build has it, though some build has a `test` package. */
static int check_known(const pc_case *k, const pc_registry *reg, pc_error *err)
{
    size_t i;
    bool has_package = false;
    for (i = 0; i < reg->len; i++) {
        const pc_interp *in = &reg->items[i];
        const char *why, *lib = in->supported ? stdlib_of(in, &why) : NULL;
        char *p, *pkg;
        bool found;
        if (!lib)
            continue;
        if (!(p = module_path(lib, k->suite, err)) ||
            !(pkg = pc_asprintf(err, "%s/test/__init__.py", lib))) {
            free(p);
            return -1;
        }
        found = is_file(p);
        has_package = has_package || is_file(pkg);
        free(p);
        free(pkg);
        if (found)
            return 0;
    }
    if (!has_package)
        return 0; /* no build ships the test package at all: every build skips */
    return pc_fail(err, "%s:%d: unknown module '%s': no build has test/%s.py (the modules of "
                        "the test package of each build's standard library)",
                   k->file, k->line, k->suite, k->suite);
}

int pc_suites_resolve(pc_suites *s, const pc_caseset *cases, const pc_registry *reg,
                      pc_error *err)
{
    size_t c, i, n = 0;
    memset(s, 0, sizeof *s);
    for (c = 0; c < cases->len; c++)
        n += cases->items[c].suite != NULL;
    if (n == 0)
        return 0;
    s->ninterps = reg->len;
    if (!(s->cases = calloc(n, sizeof *s->cases)) ||
        !(s->at = calloc(n * (reg->len ? reg->len : 1), sizeof *s->at)) ||
        !(s->missing = calloc(n * (reg->len ? reg->len : 1), sizeof *s->missing)))
        return pc_oom(err);
    for (c = 0; c < cases->len; c++) {
        const pc_case *k = &cases->items[c];
        size_t si;
        if (!k->suite)
            continue;
        si = s->ncases++;
        s->cases[si] = c;
        if (check_known(k, reg, err))
            return -1;
        for (i = 0; i < reg->len; i++) {
            const pc_interp *in = &reg->items[i];
            const char *why = NULL, *lib;
            long *at = &s->at[si * reg->len + i];
            char **w = &s->missing[si * reg->len + i].why;
            char *p;
            *at = -1;
            if (!in->selected || !in->supported || in->broken)
                continue;
            if (!(lib = stdlib_of(in, &why))) {
                if (!(*w = pc_asprintf(err, "no test.%s on this build: %s", k->suite, why)))
                    return -1;
                continue;
            }
            if (!(p = module_path(lib, k->suite, err)))
                return -1;
            if (!is_file(p)) {
                *w = pc_asprintf(err, "no test.%s on this build: no %s (a Debian build has its "
                                      "test package in libpython%d.%d-testsuite)",
                                 k->suite, p, in->ver.v[0], in->ver.v[1]);
                free(p);
                if (!*w)
                    return -1;
                continue;
            }
            {
                char *tw = NULL;
                long t = text_of(s, p, &tw, err);
                free(p);
                if (t == -2)
                    return -1;
                *at = t;
                if (t < 0 && !(*w = pc_asprintf(err, "no test.%s on this build: %s", k->suite, tw))) {
                    free(tw);
                    return -1;
                }
                free(tw);
            }
        }
    }
    return 0;
}

int pc_suites_translate(pc_suites *s, const pc_caseset *cases, const pc_translate_options *o,
                        pc_error *err)
{
    pc_caseset tmp = {0};
    pc_translation *out;
    size_t i, c;
    int rc;
    if (s->ntexts == 0)
        return 0;
    if (!(tmp.items = calloc(s->ntexts, sizeof *tmp.items)) ||
        !(out = calloc(s->ntexts, sizeof *out))) {
        free(tmp.items);
        return pc_oom(err);
    }
    tmp.len = s->ntexts;
    for (i = 0; i < s->ntexts; i++) {
        /* named after the first suite block that uses the text, for messages */
        const pc_case *k = NULL;
        for (c = 0; !k && c < s->ncases * s->ninterps; c++)
            if (s->at[c] == (long)i)
                k = &cases->items[s->cases[c / s->ninterps]];
        tmp.items[i].name = k ? k->name : "suite";
        tmp.items[i].file = k ? k->file : s->texts[i].path;
        tmp.items[i].line = k ? k->line : 1;
        tmp.items[i].source = s->texts[i].text;
    }
    rc = pc_translate(&tmp, o, out, err);
    for (i = 0; i < s->ntexts; i++)
        s->texts[i].tr = out[i];
    free(out);
    free(tmp.items);
    return rc;
}

void pc_suites_apply(const pc_suites *s, const pc_caseset *cases, const pc_registry *reg,
                     pc_plan *plan)
{
    size_t j, si;
    for (j = 0; j < plan->len && s->ncases; j++) {
        pc_job *job = &plan->jobs[j];
        size_t c = (size_t)(job->kase - cases->items), i = (size_t)(job->interp - reg->items);
        long t;
        if (!job->kase->suite || pc_job_error(job) || i >= s->ninterps)
            continue;
        for (si = 0; si < s->ncases && s->cases[si] != c; si++)
            ;
        if (si == s->ncases)
            continue;
        t = s->at[si * s->ninterps + i];
        if (t < 0) {
            job->suite = &s->missing[si * s->ninterps + i];
            job->skip = PC_JOB_SKIP_SUITE;
            continue;
        }
        job->suite = &s->texts[t];
        if (job->mode == PC_MODE_DESUGARED)
            job->translation = &s->texts[t].tr;
    }
}

void pc_suites_free(pc_suites *s)
{
    size_t i;
    for (i = 0; s->missing && i < s->ncases * s->ninterps; i++)
        free(s->missing[i].why);
    for (i = 0; i < s->ntexts; i++) {
        free(s->texts[i].path);
        free(s->texts[i].text);
        pc_translations_free(&s->texts[i].tr, 1);
    }
    free(s->texts);
    free(s->missing);
    free(s->cases);
    free(s->at);
    memset(s, 0, sizeof *s);
}
