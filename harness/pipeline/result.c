/* result.c - see result.h. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *pc_job_status_name(pc_job_status s)
{
    static const char *const names[PC_JOB_STATUS_COUNT] = {
        [PC_JOB_PENDING] = "pending", [PC_JOB_OK] = "ok",         [PC_JOB_TIMEOUT] = "timeout",
        [PC_JOB_CRASH] = "crash",     [PC_JOB_ERROR] = "error",   [PC_JOB_SKIPPED] = "skipped",
        [PC_JOB_NOT_RUN] = "not-run",
    };
    return (unsigned)s < PC_JOB_STATUS_COUNT ? names[s] : "?";
}

/* The judged fields, per kind of part; the first `always` of them are present in every
 * observation (stdout "" and the others null when the runner left them out). */
static const char *const module_fields[] = {"compile_error", "error", "stdout", "scopes",
                                            "truncated", NULL};
static const char *const function_fields[] = {"outcome", "stdout", "scopes", "f_locals_at_return",
                                              "truncated", NULL};
static const char *const recorded_fields[] = {"translation_scopes", "translation_frames",
                                              "translation_names", NULL};

static void part_clear(pc_part *p)
{
    free(p->name);
    json_decref(p->observation);
    json_decref(p->recorded);
    free(p->note);
    memset(p, 0, sizeof *p);
}

/* Split a runner object into the part's observation and recorded values. */
static int part_parse(pc_part *p, json_t *body, bool module, pc_error *err)
{
    const char *const *fields = module ? module_fields : function_fields;
    size_t always = module ? 3 : 2, i;
    json_t *obs = json_object();
    if (!obs)
        return pc_oom(err);
    for (i = 0; fields[i]; i++) {
        json_t *v = json_object_get(body, fields[i]);
        if (!v && i < always)
            v = strcmp(fields[i], "stdout") == 0 ? json_string("") : json_null();
        else if (v)
            json_incref(v);
        if (v && json_object_set_new(obs, fields[i], v)) {
            json_decref(obs);
            return pc_oom(err);
        }
    }
    for (i = 0; recorded_fields[i]; i++) {
        json_t *v = json_object_get(body, recorded_fields[i]);
        if (!v)
            continue;
        if ((!p->recorded && !(p->recorded = json_object())) ||
            json_object_set(p->recorded, recorded_fields[i], v)) {
            json_decref(obs);
            return pc_oom(err);
        }
    }
    json_decref(p->observation);
    p->observation = obs;
    p->status = PC_JOB_OK;
    p->seconds = json_number_value(json_object_get(body, "seconds"));
    return 0;
}

static pc_part *new_part(pc_job_result *r, const char *name, pc_error *err)
{
    pc_part *p;
    if (pc_grow(&r->parts, &r->cap, r->nparts + 1, sizeof *r->parts, err))
        return NULL;
    p = &r->parts[r->nparts];
    memset(p, 0, sizeof *p);
    if (!(p->name = pc_strdup(name, err)))
        return NULL;
    r->nparts++;
    return p;
}

int pc_result_set_module(pc_job_result *r, json_t *module, pc_error *err)
{
    json_t *calls = json_object_get(module, "calls"), *c;
    size_t i;
    if (!json_is_array(calls)) {
        pc_fail(err, "module line without a \"calls\" list");
        return 1;
    }
    json_array_foreach(calls, i, c) {
        if (!json_is_string(c)) {
            pc_fail(err, "module line: \"calls\" holds a non-string");
            return 1;
        }
    }
    part_clear(&r->module);
    if (!(r->module.name = pc_strdup(PC_MODULE_FUNCTION, err)) ||
        part_parse(&r->module, module, true, err))
        return -1;
    json_array_foreach(calls, i, c)
        if (!new_part(r, json_string_value(c), err))
            return -1;
    r->ncalls = json_array_size(calls);
    return 0;
}

int pc_result_set_call(pc_job_result *r, size_t i, json_t *function, const char *note,
                       pc_error *err)
{
    pc_part *p;
    if (i >= r->ncalls)
        return pc_fail(err, "call %zu was not announced", i);
    p = &r->parts[i];
    if (part_parse(p, function, false, err))
        return -1;
    free(p->note);
    p->note = NULL;
    if (note && !(p->note = pc_strdup(note, err)))
        return -1;
    return 0;
}

int pc_result_add_not_defined(pc_job_result *r, json_t *function, pc_error *err)
{
    const char *name = json_string_value(json_object_get(function, "name"));
    const char *why = json_string_value(json_object_get(function, "not_defined"));
    pc_part *p;
    if (!name || !why) {
        pc_fail(err, "a not_defined line needs \"name\" and \"not_defined\" strings");
        return 1;
    }
    if (pc_result_part(r, name))
        return 0; /* named again by a resumed attempt: kept once */
    if (!(p = new_part(r, name, err)))
        return -1;
    p->status = PC_JOB_OK; /* observed: absent on this build */
    return (p->note = pc_strdup(why, err)) ? 0 : -1;
}

int pc_result_fail_call(pc_job_result *r, size_t i, pc_job_status st, const char *why,
                        double seconds, pc_error *err)
{
    pc_part *p;
    if (i >= r->ncalls)
        return pc_fail(err, "call %zu was not announced", i);
    p = &r->parts[i];
    json_decref(p->observation);
    json_decref(p->recorded);
    p->observation = p->recorded = NULL;
    free(p->note);
    p->status = st;
    p->seconds = seconds;
    return (p->note = pc_strdup(why ? why : "", err)) ? 0 : -1;
}

int pc_result_note_module(pc_job_result *r, const char *note, pc_error *err)
{
    free(r->module.note);
    return (r->module.note = pc_strdup(note, err)) ? 0 : -1;
}

const pc_part *pc_result_part(const pc_job_result *r, const char *function)
{
    size_t i;
    if (strcmp(function, PC_MODULE_FUNCTION) == 0)
        return r->module.name ? &r->module : NULL;
    for (i = 0; i < r->nparts; i++)
        if (strcmp(r->parts[i].name, function) == 0)
            return &r->parts[i];
    return NULL;
}

void pc_job_result_fail(pc_job_result *r, pc_job_status st, char *detail, double seconds)
{
    pc_job_result_clear(r);
    r->status = st;
    r->detail = detail;
    r->seconds = seconds;
}

void pc_job_result_clear(pc_job_result *r)
{
    size_t i;
    part_clear(&r->module);
    for (i = 0; i < r->nparts; i++)
        part_clear(&r->parts[i]);
    free(r->parts);
    free(r->detail);
    memset(r, 0, sizeof *r);
}
