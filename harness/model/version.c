/* version.c - see version.h. */
#include "version.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pc_version_parse(const char *s, pc_version *out)
{
    const char *p = s;
    int i;
    memset(out, 0, sizeof *out);
    out->v[3] = 3; /* final unless a suffix says otherwise */
    for (i = 0; i < 3; i++) {
        char *end;
        long n;
        if (!isdigit((unsigned char)*p))
            return -1;
        n = strtol(p, &end, 10);
        out->v[i] = (int)n;
        out->parts = i + 1;
        p = end;
        if (*p != '.')
            break;
        p++;
    }
    if (*p == '\0')
        return 0;
    if (out->parts < 3)
        return -1;
    if (p[0] == 'a') {
        out->v[3] = 0;
        p += 1;
    } else if (p[0] == 'b') {
        out->v[3] = 1;
        p += 1;
    } else if (p[0] == 'r' && p[1] == 'c') {
        out->v[3] = 2;
        p += 2;
    } else {
        return -1;
    }
    if (!isdigit((unsigned char)*p))
        return -1;
    out->v[4] = (int)strtol(p, (char **)&p, 10);
    out->parts = 5;
    return *p ? -1 : 0;
}

int pc_version_cmp(const pc_version *a, const pc_version *b, int depth)
{
    int i;
    for (i = 0; i < depth && i < 5; i++) {
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    }
    return 0;
}

void pc_version_format(const pc_version *v, int depth, char *out, size_t size)
{
    static const char *levels[] = {"a", "b", "rc", ""};
    if (depth <= 1)
        snprintf(out, size, "%d", v->v[0]);
    else if (depth == 2)
        snprintf(out, size, "%d.%d", v->v[0], v->v[1]);
    else if (depth <= 3 || v->v[3] == 3)
        snprintf(out, size, "%d.%d.%d", v->v[0], v->v[1], v->v[2]);
    else
        snprintf(out, size, "%d.%d.%d%s%d", v->v[0], v->v[1], v->v[2], levels[v->v[3] & 3],
                 v->v[4]);
}

