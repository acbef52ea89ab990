/* builds.c - see builds.h. */
#include "builds.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- selectors ----------------------------------------------------------------------- */

#define VERSION_FORMS "expected e.g. 3.8, 3.11.2 or 3.15.0rc1"
#define SELECTOR_FORMS "expected \"IMPL[+TRAIT...] RANGE\" or \"*\", e.g. \"cpython 3.8-3.10\", " \
                       "\"cpython+debug 3.13+\", \"pypy *\""

/* One number of a version: digits only, within int. */
static int parse_number(const char *s, size_t len, size_t *i, int *out)
{
    long n = 0;
    size_t start = *i;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        int d = s[*i] - '0';
        if (n > (INT_MAX - d) / 10)
            return 1; /* overflow */
        n = n * 10 + d;
        (*i)++;
    }
    if (*i == start)
        return -1;
    *out = (int)n;
    return 0;
}

/* A bound: 1-3 numeric fields, the third optionally followed by a, b or rc and a number. */
static int parse_bound(const char *sel, const char *s, size_t len, pc_version *v, pc_error *err)
{
    size_t i = 0;
    int r;
    memset(v, 0, sizeof *v);
    v->v[3] = 3; /* final unless a suffix says otherwise */
    if (len == 0)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": a version is missing (" VERSION_FORMS ")",
                       sel);
    for (;;) {
        if ((r = parse_number(s, len, &i, &v->v[v->parts])) != 0)
            goto bad;
        v->parts++;
        if (i == len)
            return 0;
        if (s[i] != '.' || v->parts == 3)
            break;
        i++;
    }
    if (v->parts != 3)
        goto bad_r;
    if (s[i] == 'a' || s[i] == 'b') {
        v->v[3] = s[i] == 'a' ? 0 : 1;
        i++;
    } else if (len - i >= 2 && s[i] == 'r' && s[i + 1] == 'c') {
        v->v[3] = 2;
        i += 2;
    } else {
        goto bad_r;
    }
    if ((r = parse_number(s, len, &i, &v->v[4])) != 0)
        goto bad;
    v->parts = 5;
    if (i == len)
        return 0;
bad_r:
    r = -1;
bad:
    if (r > 0)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": \"%.*s\": version number out of range",
                       sel, (int)len, s);
    return pc_fail(err, "bad \"builds\" selector \"%.200s\": \"%.*s\" is not a version (" VERSION_FORMS ")",
                   sel, (int)len, s);
}

static int parse_range(const char *sel, const char *r, pc_selector *out, pc_error *err)
{
    size_t len = strlen(r);
    const char *dash = strchr(r, '-');
    if (strcmp(r, "*") == 0)
        return 0;
    if (len && r[len - 1] == '+') {
        out->has_lo = true;
        return parse_bound(sel, r, len - 1, &out->lo, err);
    }
    if (dash) {
        if (dash == r)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": range \"%s\" lacks its lower bound "
                           "(e.g. \"3.8-3.10\")", sel, r);
        if (!dash[1])
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": range \"%s\" lacks its upper bound "
                           "(e.g. \"3.8-3.10\", or \"3.8+\" for no upper bound)", sel, r);
        out->has_lo = out->has_hi = true;
        if (parse_bound(sel, r, (size_t)(dash - r), &out->lo, err) ||
            parse_bound(sel, dash + 1, strlen(dash + 1), &out->hi, err))
            return -1;
        /* compared on the fields both give: 3.13.1-3.13 is 3.13.1 up to 3.13.x */
        if (pc_version_cmp(&out->lo, &out->hi, out->lo.parts < out->hi.parts ? out->lo.parts : out->hi.parts) > 0)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": reversed range \"%s\" matches no "
                           "version (write the lower bound first)", sel, r);
        return 0;
    }
    out->has_lo = out->has_hi = true;
    if (parse_bound(sel, r, len, &out->lo, err))
        return -1;
    out->hi = out->lo;
    return 0;
}

int pc_selector_parse(const char *text, pc_selector *out, pc_error *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } traits[] = {{"debug", PC_TRAIT_DEBUG}, {"ft", PC_TRAIT_FT}, {"wasm", PC_TRAIT_WASM}};
    const char *sp, *p, *cls_end, *range;
    size_t n, k;
    memset(out, 0, sizeof *out);
    if (!*text)
        return pc_fail(err, "bad \"builds\" selector \"\": empty (" SELECTOR_FORMS ")");
    if (strcmp(text, "*") == 0) {
        out->any = true;
        return 0;
    }
    sp = strchr(text, ' ');
    cls_end = sp ? sp : text + strlen(text);
    /* IMPL: as sys.implementation.name gives it (lowercase) */
    for (p = text; p < cls_end && *p != '+'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (p > text && ((*p >= '0' && *p <= '9') || *p == '_'))))
            break;
    n = (size_t)(p - text);
    if (n == 0 || (p < cls_end && *p != '+'))
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": \"%.*s\" is not an implementation name "
                       "(lowercase, as sys.implementation.name: cpython, pypy, ...; " SELECTOR_FORMS ")",
                       text, (int)(cls_end - text), text);
    if (n >= sizeof out->impl)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": implementation name too long", text);
    memcpy(out->impl, text, n);
    out->impl[n] = '\0';
    while (p < cls_end) { /* at a '+' */
        const char *t = p + 1, *te = t;
        unsigned bit = 0;
        while (te < cls_end && *te != '+')
            te++;
        for (k = 0; k < sizeof traits / sizeof *traits; k++)
            if ((size_t)(te - t) == strlen(traits[k].name) && !strncmp(t, traits[k].name, (size_t)(te - t)))
                bit = traits[k].bit;
        if (!bit)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": unknown trait \"%.*s\" (known: debug, ft, "
                           "wasm)", text, (int)(te - t), t);
        if (out->traits & bit)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": trait \"%.*s\" given twice", text,
                           (int)(te - t), t);
        if (out->traits > bit)
            return pc_fail(err, "bad \"builds\" selector \"%.200s\": traits must be written in the order "
                           "debug, ft, wasm", text);
        out->traits |= bit;
        p = te;
    }
    if (!sp)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": no version range (" SELECTOR_FORMS ")", text);
    range = sp + 1;
    if (!*range || *range == ' ')
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": expected one space, then the version range "
                       "(" SELECTOR_FORMS ")", text);
    if ((p = strchr(range, ' ')) != NULL && !p[1])
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": trailing space", text);
    if (p)
        return pc_fail(err, "bad \"builds\" selector \"%.200s\": unexpected text \"%s\" after the range \"%.*s\"",
                       text, p + 1, (int)(p - range), range);
    return parse_range(text, range, out, err);
}

static unsigned interp_traits(const pc_interp *in)
{
    return (in->debug ? PC_TRAIT_DEBUG : 0) | (in->free_threaded ? PC_TRAIT_FT : 0) |
           (in->wasm ? PC_TRAIT_WASM : 0);
}

bool pc_selector_match(const pc_selector *sel, const pc_interp *in, bool plain)
{
    if (sel->any)
        return true;
    if (strcmp(sel->impl, in->impl ? in->impl : "unknown") != 0)
        return false;
    /* plain: an entry of the implementation without traits, whatever the build's */
    if (plain ? sel->traits != 0 : sel->traits != interp_traits(in))
        return false;
    if (sel->has_lo && pc_version_cmp(&in->ver, &sel->lo, sel->lo.parts) < 0)
        return false;
    if (sel->has_hi && pc_version_cmp(&in->ver, &sel->hi, sel->hi.parts) > 0)
        return false;
    return true;
}

bool pc_builds_match(const char *builds, const pc_interp *in)
{
    pc_selector sel;
    return builds && pc_selector_parse(builds, &sel, NULL) == 0 && pc_selector_match(&sel, in, false);
}

bool pc_builds_match_plain(const char *builds, const pc_interp *in)
{
    pc_selector sel;
    return builds && pc_selector_parse(builds, &sel, NULL) == 0 && pc_selector_match(&sel, in, true);
}

/* ---- selectors ------------------------------------------------------------------- */

void pc_builds_class(const pc_interp *in, char *out, size_t size)
{
    char traits[32];
    pc_interp_traits(in, traits, sizeof traits);
    snprintf(out, size, "%s%s", in->impl ? in->impl : "unknown", traits);
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

int pc_builds_label_sel(const pc_interp *const *members, size_t n, size_t first, size_t last,
                        pc_selector *out, pc_error *err)
{
    char label[256];
    pc_builds_label(members, n, first, last, label, sizeof label);
    return pc_selector_parse(label, out, err);
}

/* ---- selectors: printing ----------------------------------------------------------- */

static void format_bound(const pc_version *v, char *out, size_t size)
{
    pc_version_format(v, v->parts, out, size);
}

void pc_selector_format(const pc_selector *sel, char *out, size_t size)
{
    char lo[48], hi[48];
    if (sel->any) {
        snprintf(out, size, "*");
        return;
    }
    if (sel->has_lo)
        format_bound(&sel->lo, lo, sizeof lo);
    if (sel->has_hi)
        format_bound(&sel->hi, hi, sizeof hi);
    snprintf(out, size, "%s%s%s%s %s%s%s", sel->impl, sel->traits & PC_TRAIT_DEBUG ? "+debug" : "",
             sel->traits & PC_TRAIT_FT ? "+ft" : "", sel->traits & PC_TRAIT_WASM ? "+wasm" : "",
             !sel->has_lo ? "*" : lo,
             sel->has_lo && !sel->has_hi ? "+" : sel->has_hi && strcmp(lo, hi) != 0 ? "-" : "",
             sel->has_hi && strcmp(lo, hi) != 0 ? hi : "");
}

static bool bound_equal(const pc_version *a, const pc_version *b)
{
    return a->parts == b->parts && pc_version_cmp(a, b, a->parts) == 0;
}

bool pc_selector_equal(const pc_selector *a, const pc_selector *b)
{
    if (a->any || b->any)
        return a->any == b->any;
    return strcmp(a->impl, b->impl) == 0 && a->traits == b->traits && a->has_lo == b->has_lo &&
           a->has_hi == b->has_hi && (!a->has_lo || bound_equal(&a->lo, &b->lo)) &&
           (!a->has_hi || bound_equal(&a->hi, &b->hi));
}

bool pc_selector_is_class(const pc_selector *sel, const pc_interp *in)
{
    return !sel->any && strcmp(sel->impl, in->impl ? in->impl : "unknown") == 0 &&
           sel->traits == interp_traits(in);
}

