/* expected.c - see expected.h. */
#include "expected.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static char *stem_path(const char *dir, const char *case_file, pc_error *err)
{
    const char *base = strrchr(case_file, '/');
    const char *dot;
    base = base ? base + 1 : case_file;
    dot = strrchr(base, '.');
    return pc_asprintf(err, "%s/%.*s.json", dir, (int)(dot && dot != base ? dot - base : (long)strlen(base)), base);
}

/* Check the document's shape, so later lookups can trust it. */
static int validate(const char *path, json_t *root, pc_error *err)
{
    const char *cname, *fname;
    json_t *cval, *fval, *cases;
    if (!json_is_object(root))
        return pc_fail(err, "%s: top level must be an object", path);
    if (json_integer_value(json_object_get(root, "schema")) != PC_EXPECT_SCHEMA)
        return pc_fail(err, "%s: \"schema\" must be %d", path, PC_EXPECT_SCHEMA);
    cases = json_object_get(root, "cases");
    if (!json_is_object(cases))
        return pc_fail(err, "%s: \"cases\" must be an object", path);
    json_object_foreach(cases, cname, cval) {
        if (!json_is_object(cval))
            return pc_fail(err, "%s: cases[\"%s\"] must be an object", path, cname);
        json_object_foreach(cval, fname, fval) {
            size_t i;
            json_t *e;
            if (!json_is_array(fval))
                return pc_fail(err, "%s: cases[\"%s\"][\"%s\"] must be a list", path, cname, fname);
            json_array_foreach(fval, i, e) {
                const char *b = json_string_value(json_object_get(e, "builds"));
                json_t *div = json_object_get(e, "divergence");
                if (!json_is_object(e) || !b || !json_object_get(e, "source"))
                    return pc_fail(err, "%s: cases[\"%s\"][\"%s\"][%zu]: needs \"builds\" and \"source\"",
                                   path, cname, fname, i);
                if (json_object_get(e, "desugared") && div && !json_is_string(div) && !json_is_null(div))
                    return pc_fail(err, "%s: cases[\"%s\"][\"%s\"][%zu]: \"divergence\" must be a string",
                                   path, cname, fname, i);
            }
        }
    }
    return 0;
}

pc_expect_file *pc_expect_file_for(const pc_expectations *ex, const char *case_file)
{
    size_t i;
    for (i = 0; i < ex->len; i++)
        if (strcmp(ex->files[i].case_file, case_file) == 0)
            return &ex->files[i];
    return NULL;
}

int pc_expect_load(pc_expectations *ex, const char *dir, const pc_caseset *cases, pc_error *err)
{
    size_t i;
    for (i = 0; i < cases->len; i++) {
        const char *cf = cases->items[i].file;
        pc_expect_file *f;
        json_error_t jerr;
        if (pc_expect_file_for(ex, cf))
            continue;
        if (pc_grow(&ex->files, &ex->cap, ex->len + 1, sizeof *ex->files, err))
            return -1;
        f = &ex->files[ex->len];
        memset(f, 0, sizeof *f);
        if (!(f->path = stem_path(dir, cf, err)) || !(f->case_file = pc_strdup(cf, err))) {
            free(f->path);
            free(f->case_file);
            return -1;
        }
        ex->len++;
        if (access(f->path, F_OK) != 0) {
            const char *base = strrchr(cf, '/');
            f->root = json_pack("{s:i, s:s, s:{}}", "schema", PC_EXPECT_SCHEMA, "case_file",
                                base ? base + 1 : cf, "cases");
            if (!f->root)
                return pc_oom(err);
            continue;
        }
        f->root = json_load_file(f->path, JSON_REJECT_DUPLICATES, &jerr);
        if (!f->root)
            return pc_fail(err, "%s:%d: %s", f->path, jerr.line, jerr.text);
        if (validate(f->path, f->root, err))
            return -1;
    }
    return 0;
}


json_t *pc_expect_case(const pc_expectations *ex, const pc_case *kase)
{
    const pc_expect_file *f = pc_expect_file_for(ex, kase->file);
    return f ? json_object_get(json_object_get(f->root, "cases"), kase->name) : NULL;
}

json_t *pc_expect_entries(const pc_expectations *ex, const pc_case *kase, const char *function)
{
    return json_object_get(pc_expect_case(ex, kase), function);
}

json_t *pc_expect_find(const pc_expectations *ex, const pc_case *kase, const char *function,
                       const pc_interp *in)
{
    json_t *entries = pc_expect_entries(ex, kase, function), *e;
    size_t i;
    json_array_foreach(entries, i, e) {
        if (pc_builds_match(json_string_value(json_object_get(e, "builds")), in))
            return e;
    }
    json_array_foreach(entries, i, e) {
        if (pc_builds_match_plain(json_string_value(json_object_get(e, "builds")), in))
            return e;
    }
    return NULL;
}

void pc_expect_free(pc_expectations *ex)
{
    size_t i;
    for (i = 0; i < ex->len; i++) {
        free(ex->files[i].path);
        free(ex->files[i].case_file);
        json_decref(ex->files[i].root);
    }
    free(ex->files);
    memset(ex, 0, sizeof *ex);
}

/* ---- selectors ------------------------------------------------------------------- */

void pc_builds_class(const pc_interp *in, char *out, size_t size)
{
    char traits[32];
    pc_interp_traits(in, traits, sizeof traits);
    snprintf(out, size, "%s%s", in->impl ? in->impl : "unknown", traits);
}

static bool bound_ok(const char *text, size_t len, const pc_version *v, int sign)
{
    char buf[64];
    pc_version b;
    int c;
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (pc_version_parse(buf, &b) != 0)
        return false;
    c = pc_version_cmp(v, &b, b.parts);
    return sign > 0 ? c >= 0 : c <= 0;
}

static bool match(const char *builds, const pc_interp *in, bool plain)
{
    char cls[128];
    const char *sp, *range, *dash;
    size_t rlen;
    if (!builds)
        return false;
    if (strcmp(builds, "*") == 0)
        return true;
    sp = strchr(builds, ' ');
    if (!sp)
        return false;
    if (plain)
        snprintf(cls, sizeof cls, "%s", in->impl ? in->impl : "unknown");
    else
        pc_builds_class(in, cls, sizeof cls);
    if (strlen(cls) != (size_t)(sp - builds) || strncmp(cls, builds, (size_t)(sp - builds)) != 0)
        return false;
    range = sp + 1;
    rlen = strlen(range);
    if (strcmp(range, "*") == 0)
        return true;
    if (rlen && range[rlen - 1] == '+')
        return bound_ok(range, rlen - 1, &in->ver, +1);
    dash = strchr(range, '-');
    if (dash)
        return bound_ok(range, (size_t)(dash - range), &in->ver, +1) &&
               bound_ok(dash + 1, strlen(dash + 1), &in->ver, -1);
    return bound_ok(range, rlen, &in->ver, +1) && bound_ok(range, rlen, &in->ver, -1);
}

bool pc_builds_match(const char *builds, const pc_interp *in)
{
    return match(builds, in, false);
}

bool pc_builds_match_plain(const char *builds, const pc_interp *in)
{
    return match(builds, in, true);
}

int pc_builds_cmp(const pc_interp *a, const pc_interp *b)
{
    char ca[128], cb[128];
    int c;
    pc_builds_class(a, ca, sizeof ca);
    pc_builds_class(b, cb, sizeof cb);
    if ((c = strcmp(ca, cb)) != 0)
        return c;
    return pc_version_cmp(&a->ver, &b->ver, 5);
}

/* The fewest fields (2, 3 or 5) that tell v apart from `other` in direction `sign`. */
static int depth_apart(const pc_version *v, const pc_version *other, int sign)
{
    static const int depths[] = {2, 3, 5};
    size_t i;
    for (i = 0; i < 3; i++)
        if (pc_version_cmp(v, other, depths[i]) * sign > 0)
            return depths[i];
    return 5;
}

void pc_builds_label(const pc_interp *const *members, size_t n, size_t first, size_t last,
                     char *out, size_t size)
{
    char cls[128], lo[32], hi[32];
    int dl = 2, dh = 2;
    pc_builds_class(members[first], cls, sizeof cls);
    if (first > 0)
        dl = depth_apart(&members[first]->ver, &members[first - 1]->ver, +1);
    if (dl == 3) {
        /* same minor as the previous group: start right after it, so that releases
         * between the two known ones fall into the later group (3.13.0 | 3.13.1+) */
        pc_version start = members[first - 1]->ver;
        start.v[2]++;
        pc_version_format(&start, 3, lo, sizeof lo);
    } else {
        pc_version_format(&members[first]->ver, dl, lo, sizeof lo);
    }
    if (last + 1 >= n) {
        snprintf(out, size, "%s %s+", cls, lo);
        return;
    }
    dh = depth_apart(&members[last]->ver, &members[last + 1]->ver, -1);
    pc_version_format(&members[last]->ver, dh, hi, sizeof hi);
    /* "3.13-3.13.0" says "3.13.0": a range from a minor up to its first release */
    if (dl == 2 && dh == 3 && pc_version_cmp(&members[first]->ver, &members[last]->ver, 2) == 0 &&
        members[last]->ver.v[2] == 0)
        snprintf(lo, sizeof lo, "%s", hi);
    if (strcmp(lo, hi) == 0)
        snprintf(out, size, "%s %s", cls, lo);
    else
        snprintf(out, size, "%s %s-%s", cls, lo, hi);
}
