/* report.c - see report.h. */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "groups.h"
#include "term.h"
#include "util.h"

/* A list of outside strings (argv, environment) as JSON; NULL when out of memory. */
static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; a && v && v[i]; i++) {
        if (json_array_append_new(a, pc_json_textz(v[i]))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *pc_interp_json(const pc_interp *in)
{
    /* "o" values: pc_json_text gives NULL only when out of memory, and json_pack then
     * fails (a NULL "o?" would silently become null); absent name, problem and probe
     * are null, as they always were */
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:o, s:O?}", "name", pc_json_textz(in->name),
                     "argv", strv_json(in->argv), "env", strv_json(in->env), "origin",
                     pc_json_textz(in->origin), "path", pc_json_textz(in->path), "supported",
                     in->supported, "selected", in->selected, "problem", pc_json_textz(in->problem),
                     "probe", in->probe);
}

/* The desugarer's stderr as [{"line": N, "construct": "..."}], one per
 * "untranslated: LINE: CONSTRUCT" line; any other non-empty line as {"note": "..."}.
 * Outside text: kept escaped. NULL when out of memory. */
static json_t *untranslated_json(const char *notes)
{
    json_t *a = json_array();
    const char *p = notes;
    static const char tag[] = "untranslated: ";
    while (a && p && *p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p), k = sizeof tag - 1, d = k;
        json_t *item = NULL;
        long n = 0;
        if (len > k && strncmp(p, tag, k) == 0)
            for (; d < len && d - k < 9 && p[d] >= '0' && p[d] <= '9'; d++)
                n = n * 10 + (p[d] - '0');
        if (d > k && d < len && p[d] == ':') {
            for (d++; d < len && p[d] == ' '; d++)
                ;
            item = json_pack("{s:I, s:o}", "line", (json_int_t)n, "construct",
                             pc_json_text(p + d, len - d));
        } else if (len) {
            item = json_pack("{s:o}", "note", pc_json_text(p, len));
        } else {
            item = json_null(); /* an empty line: nothing to record */
        }
        if (!item || (!json_is_null(item) && json_array_append_new(a, item))) {
            json_decref(a); /* out of memory: the caller reports it */
            return NULL;
        }
        p = e ? e + 1 : NULL;
    }
    return a;
}

static json_t *job_json(const pc_job *j, const pc_job_record *r)
{
    json_t *o = json_pack("{s:I, s:o, s:o, s:i, s:s, s:o, s:s, s:f}", "id", (json_int_t)j->id,
                          "case", pc_json_textz(j->kase->name), "file", pc_json_textz(j->kase->file),
                          "line", j->kase->line, "mode", pc_mode_name(j->mode), "interpreter",
                          pc_json_textz(j->interp->name), "status",
                          pc_job_status_name((pc_job_status)r->status), "duration", (double)r->seconds);
    if (o && r->detail && json_object_set_new(o, "detail", pc_json_textz(r->detail))) {
        json_decref(o);
        return NULL;
    }
    if (o && j->translation &&
        (json_object_set_new(o, "translation",
                             json_string(pc_translation_source_name(j->translation->source))) ||
         (j->translation->notes &&
          json_object_set_new(o, "untranslated", untranslated_json(j->translation->notes))))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the streamed document ------------------------------------------------------------ */

/* Compact, one value per line; durations to the microsecond. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6))

/* Write `v` (taken) after `sep`; the writer's error state records a failure. */
static int put(pc_report_writer *w, const char *sep, json_t *v, pc_error *err)
{
    int rc;
    if (!v)
        return pc_oom(err);
    rc = fputs(sep, w->f) < 0 || json_dumpf(v, w->f, DUMP_FLAGS) != 0 ? -1 : 0;
    json_decref(v);
    if (rc)
        return pc_fail(err, "%s: cannot write the report: %s", w->tmp, strerror(errno));
    return 0;
}

static int report_start(pc_report_writer *w, const char *dir, pc_error *err);

int pc_report_open(pc_report_writer *w, const char *dir, double started, pc_error *err)
{
    char stamp[32];
    memset(w, 0, sizeof *w);
    if (pc_mkdir_p(dir, err))
        return -1;
    pc_format_time(started, true, stamp, sizeof stamp);
    if (!(w->dir = pc_strdup(dir, err)) ||
        !(w->dated = pc_asprintf(err, "%s/run-%s-%ld.json", dir, stamp, (long)getpid()))) {
        pc_report_abort(w);
        return -1;
    }
    return report_start(w, dir, err);
}

int pc_report_open_file(pc_report_writer *w, const char *path, pc_error *err)
{
    memset(w, 0, sizeof *w);
    if (!(w->dated = pc_strdup(path, err))) /* w->dir stays NULL: no latest.json */
        return -1;
    return report_start(w, path, err);
}

/* Create w->dated's .tmp and write the document's head (dir: named in errors). */
static int report_start(pc_report_writer *w, const char *dir, pc_error *err)
{
    if (!(w->tmp = pc_asprintf(err, "%s.tmp", w->dated))) {
        pc_report_abort(w);
        return -1;
    }
    if (!(w->f = fopen(w->tmp, "w"))) {
        pc_fail(err, "%s: cannot create the report: %s", w->tmp, strerror(errno));
        pc_report_abort(w);
        return -1;
    }
    if (put(w, "{\"schema_version\":", json_integer(PC_REPORT_SCHEMA), err) ||
        put(w, ",\n\"harness\":", json_pack("{s:s, s:s}", "name", "pyconform", "version",
                                             PYCONFORM_VERSION), err) ||
        fputs(",\n\"results\":[", w->f) < 0) {
        pc_report_abort(w);
        return pc_fail(err, "%s: cannot write the report", dir);
    }
    return 0;
}

int pc_report_row(void *writer, const pc_comparison *cmp, const pc_row *r, json_t *expected,
                  pc_error *err)
{
    return pc_report_row_attempts(writer, cmp, r, expected, NULL, 0, err);
}

/* "attempts": one object per attempt; NULL when out of memory. */
static json_t *attempts_json(const pc_attempt *a, size_t n)
{
    json_t *arr = json_array();
    size_t i;
    for (i = 0; arr && i < n; i++) {
        json_t *o = json_pack("{s:s, s:f}", "verdict", pc_verdict_name((pc_verdict)a[i].verdict),
                              "duration", (double)a[i].seconds);
        if (!o || (a[i].observation &&
                   json_object_set_new(o, "observation", json_integer(a[i].observation))) ||
            (a[i].detail && json_object_set_new(o, "detail", pc_json_textz(a[i].detail))) ||
            json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int pc_report_row_attempts(void *writer, const pc_comparison *cmp, const pc_row *r,
                           json_t *expected, const pc_attempt *attempts, size_t n, pc_error *err)
{
    pc_report_writer *w = writer;
    /* the job names the case, mode and interpreter ("jobs"[job]); the row adds only what
     * is its own: a PASS row is its function, verdict, duration and observation */
    json_t *o = json_pack("{s:I, s:o, s:s, s:f}", "job", (json_int_t)r->job, "function",
                          pc_json_textz(r->function), "verdict", pc_verdict_name((pc_verdict)r->verdict),
                          "duration", (double)r->seconds);
    uint32_t reason = 0;
    const char *why = pc_row_reason(cmp, r);
    if (!o)
        return pc_oom(err);
    if (why && !(reason = pc_intern_add(&w->reasons, why, strlen(why), err))) {
        json_decref(o);
        return -1;
    }
    if ((r->observation && json_object_set_new(o, "observation", json_integer(r->observation))) ||
        (r->recorded && json_object_set_new(o, "recorded", json_integer(r->recorded))) ||
        (reason && json_object_set_new(o, "reason", json_integer(reason))) ||
        (r->detail && json_object_set_new(o, "detail", pc_json_textz(r->detail))) ||
        (r->verdict != PC_PASS && expected && json_object_set(o, "expected", expected)) ||
        (r->verdict != PC_PASS && r->diff && json_object_set(o, "diff", r->diff)) ||
        (n && json_object_set_new(o, "attempts", attempts_json(attempts, n)))) {
        json_decref(o);
        return pc_oom(err);
    }
    return put(w, w->rows++ ? ",\n" : "\n", o, err);
}

/* {"case", "function", "mode", "groups": [{"builds", "interpreters": [INDEX...],
 * "observation": ID}]}: interpreters by index in "interpreters". */
static int put_group(void *writer, const pc_group_set *set, pc_error *err)
{
    pc_report_writer *w = writer;
    json_t *groups = json_array(), *o;
    size_t g, i;
    for (g = 0; groups && g < set->n; g++) {
        const pc_group *gr = &set->groups[g];
        json_t *ins = json_array();
        for (i = 0; ins && i < gr->n; i++)
            if (json_array_append_new(ins, json_integer((json_int_t)(gr->interps[i] - w->reg->items)))) {
                json_decref(ins);
                ins = NULL;
            }
        o = json_pack("{s:o, s:o, s:I}", "builds", pc_json_textz(gr->builds), "interpreters", ins,
                      "observation", (json_int_t)gr->observation);
        if (!o || json_array_append_new(groups, o)) {
            json_decref(groups);
            groups = NULL;
        }
    }
    o = groups ? json_pack("{s:o, s:o, s:s, s:o}", "case", pc_json_textz(set->kase->name), "function",
                           pc_json_textz(set->function), "mode", pc_mode_name(set->mode), "groups", groups)
               : NULL;
    return put(w, w->groups++ ? ",\n" : "\n", o, err);
}

/* "reasons": [TEXT...]: each recorded reason once; a row's "reason": N is reasons[N - 1]. */
static int put_reasons(pc_report_writer *w, pc_error *err)
{
    size_t i;
    if (fputs(",\n\"reasons\":[", w->f) < 0)
        return pc_fail(err, "%s: cannot write the report: %s", w->tmp, strerror(errno));
    for (i = 1; i <= w->reasons.len; i++)
        if (put(w, i > 1 ? ",\n" : "\n", pc_json_textz(pc_intern_text(&w->reasons, (uint32_t)i)), err))
            return -1;
    if (fputs("]", w->f) < 0)
        return pc_fail(err, "%s: cannot write the report: %s", w->tmp, strerror(errno));
    return 0;
}

/* "observations": [null, TEXT...]: the interned texts, written as they are held (each
 * is canonical JSON already), so that a row's "observation": ID is an index. */
static int put_observations(pc_report_writer *w, const pc_comparison *cmp, pc_error *err)
{
    pc_buf b = {0};
    size_t i;
    int rc = 0;
    if (fputs("],\n\"observations\":[null", w->f) < 0)
        return pc_fail(err, "%s: cannot write the report: %s", w->tmp, strerror(errno));
    for (i = 1; rc == 0 && i <= cmp->observations.len; i++) {
        pc_buf_clear(&b);
        if (pc_buf_append(&b, ",\n", 2, err) || pc_intern_copy(&cmp->observations, (uint32_t)i, &b, err))
            rc = -1;
        else if (fwrite(b.data, 1, b.len, w->f) != b.len)
            rc = pc_fail(err, "%s: cannot write the report: %s", w->tmp, strerror(errno));
    }
    pc_buf_free(&b);
    return rc;
}

json_t *pc_report_stale_json(const pc_stale_list *stale)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; a && stale && i < stale->len; i++) {
        const pc_stale *s = &stale->items[i];
        char why[512];
        json_t *o;
        pc_stale_describe(s, why, sizeof why);
        o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s}", "file", s->file, "case_file", s->case_file,
                      "case", s->kase, "function", s->function, "kind",
                      s->kind == PC_STALE_CASE ? "case" : "function", "interpreter", s->interp, "why", why);
        if (!o || json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *summary_json(const pc_plan *plan, const pc_comparison *cmp)
{
    json_t *verdicts = json_object(), *statuses = json_object();
    size_t i;
    for (i = 0; verdicts && i < PC_VERDICT_COUNT; i++)
        if (json_object_set_new(verdicts, pc_verdict_name((pc_verdict)i),
                                json_integer((json_int_t)cmp->counts[i])))
            goto oom;
    for (i = PC_JOB_OK; statuses && i < PC_JOB_STATUS_COUNT; i++)
        if (json_object_set_new(statuses, pc_job_status_name((pc_job_status)i),
                                json_integer((json_int_t)cmp->statuses[i])))
            goto oom;
    return json_pack("{s:I, s:I, s:o, s:I, s:o, s:I, s:I}", "jobs_planned", (json_int_t)plan->len,
                     "jobs_reported", (json_int_t)cmp->jobs_reported, "jobs", statuses, "results",
                     (json_int_t)cmp->len, "verdicts", verdicts, "unexpected",
                     (json_int_t)cmp->unexpected, "observations", (json_int_t)cmp->observations.len);
oom:
    json_decref(verdicts);
    json_decref(statuses);
    return NULL;
}

static json_t *run_json(const pc_run_info *run)
{
    char host[256] = "", started[32], finished[32];
    json_t *cmdline = json_array(), *o;
    int i;
    gethostname(host, sizeof host - 1);
    pc_format_time(run->started, false, started, sizeof started);
    pc_format_time(run->finished, false, finished, sizeof finished);
    for (i = 0; cmdline && i < run->argc; i++)
        if (json_array_append_new(cmdline, pc_json_textz(run->argv[i]))) {
            json_decref(cmdline);
            return NULL;
        }
    o = json_pack("{s:o, s:s, s:s, s:f, s:o, s:f, s:f, s:I, s:I, s:s, s:i, s:i, s:I}", "host",
                     pc_json_textz(host), "started", started, "finished", finished, "seconds",
                     run->seconds, "command", cmdline, "timeout", run->timeout, "startup_timeout",
                     run->startup_timeout, "max_output", (json_int_t)run->max_output, "max_memory",
                     (json_int_t)run->max_memory, "isolation", run->shared ? "shared" : "job",
                     "parallel", run->parallel, "max_failures", run->max_failures, "peak_rss",
                     (json_int_t)run->peak_rss);
    /* --retries and --allow-flaky (retry.h); shards (shard.h): the plan's fingerprint,
     * K/N, or how many shards were merged */
    if (o && (json_object_set_new(o, "retries", json_integer(run->retries)) ||
              json_object_set_new(o, "allow_flaky", json_boolean(run->allow_flaky)) ||
              json_object_set_new(o, "conservative", json_boolean(run->conservative)) ||
              ((run->fingerprint &&
               json_object_set_new(o, "plan_fingerprint", json_string(run->fingerprint))) ||
              (run->shard_n &&
               json_object_set_new(o, "shard", json_pack("{s:I, s:I, s:I}", "k", (json_int_t)run->shard_k,
                                                         "n", (json_int_t)run->shard_n, "plan_jobs",
                                                         (json_int_t)run->plan_jobs))) ||
              (run->merged &&
               json_object_set_new(o, "merged", json_pack("{s:I}", "shards", (json_int_t)run->merged)))))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int pc_report_close(pc_report_writer *w, const pc_run_info *run, const pc_registry *reg,
                    const pc_plan *plan, const pc_comparison *cmp, const pc_stale_list *stale,
                    char **written, pc_error *err)
{
    char *latest = NULL, *link_tmp = NULL;
    size_t i;
    int rc = -1;
    *written = NULL;
    w->groups = 0;
    w->reg = reg;
    if (put_observations(w, cmp, err) || fputs("]", w->f) < 0 || put_reasons(w, err) ||
        fputs(",\n\"groups\":[", w->f) < 0 ||
        pc_groups_each(cmp, put_group, w, err) || fputs("],\n\"jobs\":[", w->f) < 0)
        goto out;
    for (i = 0; i < plan->len; i++) {
        json_t *jo = job_json(&plan->jobs[i], &cmp->jobs[i]);
        if (jo && run->plan_index && /* a shard: where the job is in the whole plan */
            json_object_set_new(jo, "plan_index", json_integer((json_int_t)run->plan_index[i]))) {
            json_decref(jo);
            jo = NULL;
        }
        if (put(w, i ? ",\n" : "\n", jo, err))
            goto out;
    }
    if (fputs("],\n\"interpreters\":[", w->f) < 0)
        goto io;
    for (i = 0; i < reg->len; i++)
        if (put(w, i ? ",\n" : "\n", pc_interp_json(&reg->items[i]), err))
            goto out;
    if (fputs("],\n", w->f) < 0 || put(w, "\"stale\":", pc_report_stale_json(stale), err) ||
        put(w, ",\n\"run\":", run_json(run), err) ||
        put(w, ",\n\"interrupted\":", json_boolean(run->interrupted != 0), err) ||
        put(w, ",\n\"signal\":", json_integer(run->interrupted), err) ||
        put(w, ",\n\"cut_short\":", run->cut_short ? json_string(run->cut_short) : json_null(), err) ||
        put(w, ",\n\"summary\":", summary_json(plan, cmp), err) || fputs("}\n", w->f) < 0)
        goto out;
    if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
        goto io;
    if (fclose(w->f) != 0) {
        w->f = NULL;
        goto io;
    }
    w->f = NULL;
    /* the dated report appears whole or not at all; latest.json is a second name of the
     * same file (a hard link), not a copy */
    if (rename(w->tmp, w->dated) != 0)
        goto io;
    if (!w->dir) /* pc_report_open_file: the file itself, no latest.json */
        goto done;
    if (!(latest = pc_asprintf(err, "%s/latest.json", w->dir)) ||
        !(link_tmp = pc_asprintf(err, "%s/.latest.json.%ld", w->dir, (long)getpid())))
        goto out;
    unlink(link_tmp);
    if (link(w->dated, link_tmp) != 0 || rename(link_tmp, latest) != 0) {
        pc_fail(err, "%s: cannot point latest.json at the report: %s", w->dir, strerror(errno));
        unlink(link_tmp);
        goto out;
    }
done:
    *written = w->dated;
    w->dated = NULL;
    rc = 0;
    goto out;
io:
    pc_fail(err, "%s: cannot write the report: %s", w->tmp, strerror(errno));
out:
    free(latest);
    free(link_tmp);
    pc_report_abort(w);
    return rc;
}

void pc_report_abort(pc_report_writer *w)
{
    if (w->f) {
        fclose(w->f);
        w->f = NULL;
    }
    if (w->tmp)
        unlink(w->tmp); /* nothing after a successful rename */
    free(w->tmp);
    free(w->dated);
    free(w->dir);
    pc_intern_free(&w->reasons);
    memset(w, 0, sizeof *w);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int pc_report_prune(const char *dir, size_t keep, size_t *removed, pc_error *err)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;
    *removed = 0;
    if (keep == 0)
        return 0;
    if (!(d = opendir(dir)))
        return pc_fail(err, "%s: cannot list the reports: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 10 || strncmp(e->d_name, "run-", 4) != 0 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        if (pc_grow(&names, &cap, n + 1, sizeof *names, err) || !(names[n] = pc_strdup(e->d_name, err))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0 && n > keep) {
        qsort(names, n, sizeof *names, cmp_names);
        for (i = 0; i < n - keep; i++) {
            char *path = pc_asprintf(err, "%s/%s", dir, names[i]);
            if (!path) {
                rc = -1;
                break;
            }
            if (unlink(path) == 0)
                (*removed)++;
            free(path);
        }
    }
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ---- terminal ------------------------------------------------------------------------ */

static const pc_interp **run_interps(const pc_plan *plan, size_t *n)
{
    const pc_interp **v = calloc(plan->len + 1, sizeof *v);
    size_t i, k;
    *n = 0;
    if (!v)
        return NULL;
    for (i = 0; i < plan->len; i++) {
        for (k = 0; k < *n && v[k] != plan->jobs[i].interp; k++)
            ;
        if (k == *n)
            v[(*n)++] = plan->jobs[i].interp;
    }
    return v;
}

static void column_label(const pc_interp *in, char *out, size_t size)
{
    char traits[32];
    pc_interp_traits(in, traits, sizeof traits);
    if (!in->impl) /* not probed: its name says what it is */
        snprintf(out, size, "%s", in->name ? in->name : "?");
    else if (strcmp(in->impl, "cpython") == 0)
        snprintf(out, size, "%s%s", in->version, traits);
    else
        snprintf(out, size, "%s-%s%s", in->impl ? in->impl : "?", in->version ? in->version : "?",
                 traits);
}

/* Outside text in a column of `width` bytes: escaped (util.h), clipped, padded. */
static void print_padded(FILE *out, const char *text, int width)
{
    pc_buf b = {0};
    size_t n = 0;
    if (pc_text_escape(&b, text, strlen(text), true, NULL) == 0) {
        n = pc_text_clip(b.data, b.len, (size_t)width);
        fwrite(b.data, 1, n, out);
    }
    pc_buf_free(&b);
    for (; (int)n < width; n++)
        fputc(' ', out);
}

/* `text` in verdict v's colour when color is set. */
static void print_in(FILE *out, bool color, pc_verdict v, const char *text)
{
    if (color)
        fprintf(out, "%s%s%s", pc_verdict_get(v)->sgr, text, PC_SGR_RESET);
    else
        fputs(text, out);
}

/* "VERDICT case / function [interpreter mode]: " with the names escaped. */
static void print_row_head(FILE *out, const pc_comparison *cmp, const pc_row *row, bool color)
{
    print_in(out, color, row->verdict, pc_verdict_name(row->verdict));
    fprintf(out, "%*s", 8 - (int)strlen(pc_verdict_name(row->verdict)), "");
    pc_print_text(out, pc_row_case(cmp, row)->name, SIZE_MAX);
    fputs(" / ", out);
    pc_print_text(out, row->function, SIZE_MAX);
    fputs(" [", out);
    pc_print_text(out, pc_row_interp(cmp, row)->name, SIZE_MAX);
    fprintf(out, " %s]: ", pc_mode_name(pc_row_mode(cmp, row)));
}

static void print_summary(FILE *out, const pc_run_info *run, const pc_plan *plan,
                          const pc_comparison *cmp, size_t ni, bool color);

void pc_report_print(FILE *out, const pc_run_info *run, const pc_plan *plan,
                     const pc_comparison *cmp, int max_details, bool color)
{
    size_t ni = 0, i, k, r, shown = 0;
    const pc_interp **ins = run_interps(plan, &ni);
    int namew = 20;
    if (!ins) {
        fprintf(out, "pyconform: out of memory printing the table\n");
        return;
    }
    for (r = 0; r < cmp->len; r++) {
        int l = (int)(strlen(pc_row_case(cmp, &cmp->rows[r])->name) + strlen(cmp->rows[r].function) + 3);
        if (l > namew)
            namew = l;
    }
    if (namew > 60)
        namew = 60;

    /* header: one column per interpreter, two letters per cell (source, desugared) */
    fprintf(out, "%-*s", namew, "case / function");
    for (k = 0; k < ni; k++) {
        char lab[128];
        int w;
        column_label(ins[k], lab, sizeof lab);
        w = (int)strlen(lab);
        fprintf(out, "%*s", w < 6 ? 7 - w : 1, "");
        print_padded(out, lab, w);
    }
    fputc('\n', out);
    for (r = 0; r < cmp->len;) {
        size_t end = r;
        char name[256];
        while (end < cmp->len && pc_row_case(cmp, &cmp->rows[end]) == pc_row_case(cmp, &cmp->rows[r]) &&
               cmp->rows[end].function == cmp->rows[r].function)
            end++;
        snprintf(name, sizeof name, "%s / %s", pc_row_case(cmp, &cmp->rows[r])->name, cmp->rows[r].function);
        print_padded(out, name, namew);
        for (k = 0; k < ni; k++) {
            int cell[2] = {-1, -1}; /* the verdicts of the source and desugared rows */
            char lab[128];
            int w, m;
            for (i = r; i < end; i++)
                if (pc_row_interp(cmp, &cmp->rows[i]) == ins[k])
                    cell[pc_row_mode(cmp, &cmp->rows[i])] = (int)cmp->rows[i].verdict;
            column_label(ins[k], lab, sizeof lab);
            w = (int)strlen(lab) < 6 ? 6 : (int)strlen(lab);
            fprintf(out, " %*s", w - 2, "");
            for (m = 0; m < 2; m++) {
                char letter[2] = {cell[m] < 0 ? ' ' : pc_verdict_get((pc_verdict)cell[m])->letter, 0};
                if (cell[m] < 0)
                    fputc(' ', out);
                else
                    print_in(out, color, (pc_verdict)cell[m], letter);
            }
        }
        fputc('\n', out);
        r = end;
    }
    fprintf(out, "cells: source verdict, desugared verdict;");
    for (i = 0; i < PC_VERDICT_COUNT; i++)
        fprintf(out, " %c %s%s", pc_verdict_get((pc_verdict)i)->letter, pc_verdict_name((pc_verdict)i),
                i + 1 < PC_VERDICT_COUNT ? "," : "\n");

    for (r = 0; r < cmp->len; r++) {
        const pc_row *row = &cmp->rows[r];
        if (pc_verdict_get(row->verdict)->expected)
            continue;
        if ((int)shown++ >= max_details)
            continue;
        print_row_head(out, cmp, row, color);
        if (row->diff) {
            char *e = json_dumps(json_object_get(row->diff, "expected"), JSON_ENCODE_ANY | JSON_COMPACT);
            char *o = json_dumps(json_object_get(row->diff, "observed"), JSON_ENCODE_ANY | JSON_COMPACT);
            pc_print_text(out, row->detail, SIZE_MAX);
            fputs("; at ", out);
            pc_print_text(out, json_string_value(json_object_get(row->diff, "path")), SIZE_MAX);
            fputs(": expected ", out);
            pc_print_text(out, e ? e : "?", 120);
            fputs(", observed ", out);
            pc_print_text(out, o ? o : "?", 120);
            fputc('\n', out);
            free(e);
            free(o);
        } else {
            pc_print_text(out, row->detail, 300);
            fputc('\n', out);
        }
    }
    if ((int)shown > max_details)
        fprintf(out, "... %zu more unexpected results in the report\n", shown - (size_t)max_details);

    free(ins);
    print_summary(out, run, plan, cmp, ni, color);
}

void pc_report_print_summary(FILE *out, const pc_run_info *run, const pc_plan *plan,
                             const pc_comparison *cmp, bool color)
{
    size_t ni = 0;
    free(run_interps(plan, &ni));
    print_summary(out, run, plan, cmp, ni, color);
}

/* The one-line summary; ni: the interpreters of the plan. */
static void print_summary(FILE *out, const pc_run_info *run, const pc_plan *plan,
                          const pc_comparison *cmp, size_t ni, bool color)
{
    size_t i, k;
    fprintf(out, "pyconform: %zu results:", cmp->len);
    for (i = 0, k = 0; i < PC_VERDICT_COUNT; i++) {
        if (!cmp->counts[i])
            continue;
        fprintf(out, "%s %zu ", k++ ? "," : "", cmp->counts[i]);
        print_in(out, color, (pc_verdict)i, pc_verdict_name((pc_verdict)i));
    }
    fprintf(out, "; %zu unexpected; %zu jobs on %zu interpreters in %.2f s", cmp->unexpected,
            plan->len, ni, run->seconds);
    if (run->interrupted)
        fprintf(out, "; INTERRUPTED by signal %d (%s): jobs not run are NOT RUN", run->interrupted,
                strsignal(run->interrupted));
    else if (run->cut_short)
        fprintf(out, "; CUT SHORT (%s): jobs not run are NOT RUN", run->cut_short);
    fputc('\n', out);
}
