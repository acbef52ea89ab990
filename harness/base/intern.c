/* intern.c - see intern.h. */
#include "intern.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

/* FNV-1a, 64 bits, folded to 32. */
static uint32_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return (uint32_t)(h ^ (h >> 32));
}

/* Spill mode: the length of text id (1-based). */
static size_t spill_len(const pc_intern *in, uint32_t id)
{
    return (size_t)((id < in->len ? in->offsets[id] : in->bytes) - in->offsets[id - 1]);
}

/* Read `len` bytes of the spill file at `off` into buf (len + 1 bytes); 0 or -1. */
static int spill_read(const pc_intern *in, uint64_t off, size_t len, char *buf)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(in->spill_fd, buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    buf[len] = '\0';
    return 0;
}

/* Is text id (1-based) the given bytes? In spill mode the file is read back (only
 * when hash and length agree); a read error is taken as "no". */
static int same_text(const pc_intern *in, uint32_t id, const char *text, size_t len, uint32_t h)
{
    char small[512], *buf;
    int same;
    if (in->hashes[id - 1] != h)
        return 0;
    if (!in->spilling) {
        const char *t = in->texts[id - 1];
        return strncmp(t, text, len) == 0 && t[len] == '\0';
    }
    if (spill_len(in, id) != len)
        return 0;
    buf = len < sizeof small ? small : malloc(len + 1);
    same = buf && spill_read(in, in->offsets[id - 1], len, buf) == 0 && memcmp(buf, text, len) == 0;
    if (buf != small)
        free(buf);
    return same;
}

/* The slot holding `text`, or the empty slot where it would go. */
static size_t probe(const pc_intern *in, const char *text, size_t len, uint32_t h)
{
    size_t mask = in->nslots - 1, i = (size_t)h & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t id = in->slots[i];
        if (id == 0 || same_text(in, id, text, len, h))
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
    /* distinct texts: each goes to the first empty slot of its probe sequence */
    for (i = 0; i < oldn; i++) {
        if (old[i]) {
            size_t mask = n - 1, at = (size_t)in->hashes[old[i] - 1] & mask;
            while (in->slots[at])
                at = (at + 1) & mask;
            in->slots[at] = old[i];
        }
    }
    free(old);
    return 0;
}

int pc_intern_spill(pc_intern *in, int fd, pc_error *err)
{
    if (in->len)
        return pc_fail(err, "intern: spill mode must be chosen before the first text");
    in->spill_fd = fd;
    in->spilling = 1;
    return 0;
}

/* Room for one more text in every per-text array this mode uses. */
static int reserve(pc_intern *in, pc_error *err)
{
    size_t cap = in->cap ? in->cap * 2 : 64;
    void *p;
    if (in->len < in->cap)
        return 0;
    if (cap > SIZE_MAX / sizeof(uint64_t))
        return pc_oom(err);
    /* each array is grown on its own; in->cap moves only once all of them have */
    if (!(p = realloc(in->hashes, cap * sizeof *in->hashes)))
        return pc_oom(err);
    in->hashes = p;
    if (!in->spilling) {
        if (!(p = realloc(in->texts, cap * sizeof *in->texts)))
            return pc_oom(err);
        in->texts = p;
    } else {
        if (!(p = realloc(in->offsets, cap * sizeof *in->offsets)))
            return pc_oom(err);
        in->offsets = p;
    }
    in->cap = cap;
    return 0;
}

#define CHUNK_BYTES 65536

/* Room for len bytes in the chunks; NULL when out of memory. A text larger than a chunk
 * gets a chunk of its own. */
static char *chunk_room(pc_intern *in, size_t len)
{
    char *p;
    if (len > in->chunk_left) {
        size_t size = len > CHUNK_BYTES ? len : CHUNK_BYTES;
        if (in->nchunks == in->chunks_cap) {
            size_t cap = in->chunks_cap ? in->chunks_cap * 2 : 16;
            char **c = realloc(in->chunks, cap * sizeof *c);
            if (!c)
                return NULL;
            in->chunks = c;
            in->chunks_cap = cap;
        }
        if (!(p = malloc(size)))
            return NULL;
        in->chunks[in->nchunks++] = p;
        in->chunk_next = p;
        in->chunk_left = size;
    }
    p = in->chunk_next;
    in->chunk_next += len;
    in->chunk_left -= len;
    return p;
}

/* Keep one more text: in memory, or appended to the spill file (at offset in->bytes:
 * the file holds every text so far, back to back). */
static int store(pc_intern *in, const char *text, size_t len, uint32_t h, pc_error *err)
{
    if (reserve(in, err))
        return -1;
    if (!in->spilling) {
        char *copy = chunk_room(in, len + 1);
        if (!copy)
            return pc_oom(err);
        memcpy(copy, text, len);
        copy[len] = '\0';
        in->texts[in->len] = copy;
    } else {
        size_t off = 0;
        if (len > UINT32_MAX)
            return pc_fail(err, "intern: a text of %zu bytes", len);
        while (off < len) {
            ssize_t n = pwrite(in->spill_fd, text + off, len - off, (off_t)(in->bytes + off));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return pc_fail(err, "intern: cannot write the spill file: %s", strerror(errno));
            off += (size_t)n;
        }
        in->offsets[in->len] = in->bytes;
    }
    in->hashes[in->len] = h;
    in->len++;
    in->bytes += len;
    return 0;
}

uint32_t pc_intern_add(pc_intern *in, const char *text, size_t len, pc_error *err)
{
    uint32_t h = hash(text, len);
    size_t at;
    if (in->len >= UINT32_MAX - 1) {
        pc_fail(err, "more than %u distinct texts", (unsigned)(UINT32_MAX - 1));
        return 0;
    }
    if (2 * (in->len + 1) > in->nslots && grow_table(in, err))
        return 0;
    at = probe(in, text, len, h);
    if (in->slots[at])
        return in->slots[at];
    if (store(in, text, len, h, err))
        return 0;
    in->slots[at] = (uint32_t)in->len;
    return (uint32_t)in->len;
}

uint32_t pc_intern_find(const pc_intern *in, const char *text, size_t len)
{
    return in->nslots ? in->slots[probe(in, text, len, hash(text, len))] : 0;
}

const char *pc_intern_text(const pc_intern *in, uint32_t id)
{
    return id >= 1 && id <= in->len && !in->spilling ? in->texts[id - 1] : NULL;
}

int pc_intern_copy(const pc_intern *in, uint32_t id, pc_buf *out, pc_error *err)
{
    size_t len;
    if (id < 1 || id > in->len)
        return pc_fail(err, "intern: no text %u", (unsigned)id);
    if (!in->spilling)
        return pc_buf_append(out, in->texts[id - 1], strlen(in->texts[id - 1]), err);
    len = spill_len(in, id);
    if (pc_grow(&out->data, &out->cap, out->len + len + 1, 1, err))
        return -1;
    if (spill_read(in, in->offsets[id - 1], len, out->data + out->len))
        return pc_fail(err, "intern: cannot read the spill file: %s", strerror(errno));
    out->len += len;
    return 0;
}

static size_t text_len(const pc_intern *in, uint32_t id)
{
    return in->spilling ? spill_len(in, id) : strlen(in->texts[id - 1]);
}

bool pc_intern_same(const pc_intern *a, uint32_t ida, const pc_intern *b, uint32_t idb)
{
    char small[2][512], *buf[2] = {small[0], small[1]};
    const pc_intern *in[2] = {a, b};
    uint32_t id[2] = {ida, idb};
    size_t len;
    bool same = true;
    int k;
    if (ida < 1 || ida > a->len || idb < 1 || idb > b->len)
        return false;
    if (a->hashes[ida - 1] != b->hashes[idb - 1] || (len = text_len(a, ida)) != text_len(b, idb))
        return false;
    for (k = 0; k < 2; k++) {
        if (!in[k]->spilling) {
            buf[k] = in[k]->texts[id[k] - 1];
            continue;
        }
        if (len >= sizeof small[k] && !(buf[k] = malloc(len + 1)))
            same = false;
        else if (spill_read(in[k], in[k]->offsets[id[k] - 1], len, buf[k]))
            same = false;
    }
    same = same && memcmp(buf[0], buf[1], len) == 0;
    for (k = 0; k < 2; k++)
        if (in[k]->spilling && buf[k] != small[k])
            free(buf[k]);
    return same;
}

void pc_intern_free(pc_intern *in)
{
    size_t i;
    for (i = 0; i < in->nchunks; i++)
        free(in->chunks[i]);
    free(in->chunks);
    free(in->texts);
    free(in->hashes);
    free(in->offsets);
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
    pc_buf b = {0};
    pc_error err;
    json_t *v;
    if (id < 1 || id > in->len)
        return NULL;
    if (!in->spilling)
        return json_loads(in->texts[id - 1], JSON_DECODE_ANY, NULL);
    v = pc_intern_copy(in, id, &b, &err) == 0 ? json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL)
                                              : NULL;
    pc_buf_free(&b);
    return v;
}
