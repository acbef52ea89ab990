/* schedule.c - see schedule.h. */
#include "schedule.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *timings_path(const char *dir, pc_error *err)
{
    return pc_asprintf(err, "%s/timings.json", dir);
}

void pc_schedule_load(const char *reports_dir, pc_registry *reg)
{
    pc_error err;
    char *path = timings_path(reports_dir, &err);
    json_t *t = path ? json_load_file(path, 0, NULL) : NULL;
    json_t *builds = json_object_get(t, "builds");
    size_t i;
    for (i = 0; i < reg->len; i++) {
        json_t *v = reg->items[i].name ? json_object_get(builds, reg->items[i].name) : NULL;
        double secs = json_is_number(v) ? json_number_value(v) : 0;
        reg->items[i].est_seconds = secs > 0 ? secs : 0;
    }
    json_decref(t);
    free(path);
}

int pc_schedule_save(const char *reports_dir, const pc_plan *plan, const pc_job_record *jobs,
                     pc_error *err)
{
    char *path = timings_path(reports_dir, err), *text = NULL;
    json_t *t = NULL, *builds, *now = json_object(), *v;
    const char *key;
    void *tmp;
    size_t i;
    int rc = -1;
    if (!path || !now)
        goto out;
    t = json_load_file(path, 0, NULL);
    if (!json_is_object(json_object_get(t, "builds"))) {
        json_decref(t);
        t = json_pack("{s:i, s:{}}", "schema", 1, "builds");
    }
    if (!t)
        goto oom;
    builds = json_object_get(t, "builds");
    /* this run's sums first, so that a build's old entry is replaced, not added to */
    for (i = 0; i < plan->len; i++) {
        const pc_interp *in = plan->jobs[i].interp;
        if (jobs[i].status == PC_JOB_NOT_RUN || jobs[i].status == PC_JOB_SKIPPED ||
            jobs[i].status == PC_JOB_PENDING ||
            pc_job_error(&plan->jobs[i]) || !in->name)
            continue;
        v = json_object_get(now, in->name);
        if (json_object_set_new(now, in->name,
                                json_real((v ? json_real_value(v) : 0) + jobs[i].seconds)))
            goto oom;
    }
    /* a build whose jobs all failed at once (its runner did not start) says nothing
     * about its length: its old entry stays */
    json_object_foreach_safe(now, tmp, key, v)
        if (json_real_value(v) <= 0)
            json_object_del(now, key);
    if (json_object_update(builds, now))
        goto oom;
    if (!(text = json_dumps(t, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(4))))
        goto oom;
    rc = pc_write_atomic(path, text, strlen(text), err);
    goto out;
oom:
    pc_oom(err);
out:
    free(text);
    free(path);
    json_decref(t);
    json_decref(now);
    return rc;
}
