/* intern.c - see intern.h. */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

/* FNV-1a, 64 bits. */
static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The slot holding `text`, or the empty slot where it would go. */
static size_t probe(const pc_intern *in, const char *text, size_t len)
{
    size_t mask = in->nslots - 1, i = (size_t)hash(text, len) & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t id = in->slots[i];
        const char *t;
        if (id == 0)
            return i;
        t = in->texts[id - 1];
        if (strncmp(t, text, len) == 0 && t[len] == '\0')
            return i;
    }
}

static int grow_table(pc_intern *in, pc_error *err)
{
    size_t n = in->nslots ? in->nslots * 2 : 1024, i;
    uint32_t *old = in->slots;
    size_t oldn = in->nslots;
    if (!(in->slots = calloc(n, sizeof *in->slots))) {
        in->slots = old;
        return pc_oom(err);
    }
    in->nslots = n;
    for (i = 0; i < oldn; i++) {
        if (old[i]) {
            const char *t = in->texts[old[i] - 1];
            in->slots[probe(in, t, strlen(t))] = old[i];
        }
    }
    free(old);
    return 0;
}

uint32_t pc_intern_add(pc_intern *in, const char *text, size_t len, pc_error *err)
{
    size_t at;
    char *copy;
    if (in->len >= UINT32_MAX - 1) {
        pc_fail(err, "more than %u distinct texts", (unsigned)(UINT32_MAX - 1));
        return 0;
    }
    if (2 * (in->len + 1) > in->nslots && grow_table(in, err))
        return 0;
    at = probe(in, text, len);
    if (in->slots[at])
        return in->slots[at];
    if (pc_grow(&in->texts, &in->cap, in->len + 1, sizeof *in->texts, err))
        return 0;
    if (!(copy = malloc(len + 1))) {
        pc_oom(err);
        return 0;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    in->texts[in->len++] = copy;
    in->bytes += len;
    in->slots[at] = (uint32_t)in->len;
    return (uint32_t)in->len;
}

uint32_t pc_intern_find(const pc_intern *in, const char *text, size_t len)
{
    return in->nslots ? in->slots[probe(in, text, len)] : 0;
}

const char *pc_intern_text(const pc_intern *in, uint32_t id)
{
    return id >= 1 && id <= in->len ? in->texts[id - 1] : NULL;
}

void pc_intern_free(pc_intern *in)
{
    size_t i;
    for (i = 0; i < in->len; i++)
        free(in->texts[i]);
    free(in->texts);
    free(in->slots);
    memset(in, 0, sizeof *in);
}

uint32_t pc_intern_json(pc_intern *in, json_t *value, pc_error *err)
{
    char *text = json_dumps(value, CANONICAL);
    uint32_t id;
    if (!text) {
        pc_oom(err);
        return 0;
    }
    id = pc_intern_add(in, text, strlen(text), err);
    free(text);
    return id;
}

uint32_t pc_intern_find_json(const pc_intern *in, json_t *value)
{
    char *text = json_dumps(value, CANONICAL);
    uint32_t id = text ? pc_intern_find(in, text, strlen(text)) : 0;
    free(text);
    return id;
}

json_t *pc_intern_load(const pc_intern *in, uint32_t id)
{
    const char *t = pc_intern_text(in, id);
    return t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
}
