/* fuzz_parse.c - libFuzzer target: the case parser (pc_parse_text) on arbitrary bytes.
 *
 * The input is parsed as the case file "fuzz.case" into a set that already holds one
 * block of another file. Besides the sanitizers, it checks what parse.h promises:
 * - on error nothing of the file is kept (the set is as before) and the message reads
 *   "fuzz.case:LINE: ..." with LINE within the file;
 * - on success every new block has a trimmed, non-empty name unique in the set, its
 *   line numbers are consistent, `requires` holds only known capabilities; writing the blocks
 *   back as "$ NAME\nSOURCE[=\nTRANSLATION]" and parsing that gives the same blocks;
 *   parsing the input a second time fails (every name is now a duplicate).
 * A broken promise aborts with a message (a crash for libFuzzer).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "registry.h"

#define FUZZ_TARGET "fuzz_parse"
#include "fuzz_check.h"



static const char seed_text[] = "$ already here\nx = 1\n";

static int count_lines(const char *text, size_t len)
{
    int n = 1;
    size_t i;
    for (i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    return n;
}

/* "fuzz.case:LINE: ..." with 1 <= LINE <= max_line. */
static void check_error_message(const pc_error *err, int max_line)
{
    static const char prefix[] = "fuzz.case:";
    const char *p = err->msg + sizeof prefix - 1;
    char *end;
    long line;
    CHECK(strncmp(err->msg, prefix, sizeof prefix - 1) == 0, "%s", err->msg);
    line = strtol(p, &end, 10);
    CHECK(end != p && *end == ':' && line >= 1 && line <= max_line, "%s (file has %d lines)",
          err->msg, max_line);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void check_block(const pc_caseset *set, size_t i, int max_line)
{
    const pc_case *c = &set->items[i];
    size_t k, n = strlen(c->name);
    CHECK(n > 0, "empty name");
    /* trimmed as parse.c does: spaces and tabs in front, spaces, tabs and a CR behind */
    CHECK(c->name[0] != ' ' && c->name[0] != '\t' && !is_space(c->name[n - 1]),
          "untrimmed name '%s'", c->name);
    CHECK(strchr(c->name, '\n') == NULL, "name with a newline");
    CHECK(strcmp(c->file, "fuzz.case") == 0, "file '%s'", c->file);
    CHECK(c->line >= 1 && c->line <= max_line && c->source_line == c->line + 1,
          "line %d, source_line %d", c->line, c->source_line);
    CHECK(c->source != NULL, "no source");
    CHECK(c->nrequires <= PC_REQUIRES_MAX, "%zu requirements", (size_t)c->nrequires);
    for (k = 0; k < c->nrequires; k++) {
        size_t q;
        for (q = 0; pc_capability_name(q) && pc_capability_name(q) != c->requires[k]; q++)
            ;
        CHECK(pc_capability_name(q) != NULL, "requirement '%s' is no known capability", c->requires[k]);
    }
    if (c->desugared)
        /* the line after the `=` line (the `=` line itself when it ends the file) */
        CHECK(c->desugared_line >= c->source_line + (c->desugared[0] ? 1 : 0) &&
                  c->desugared_line <= max_line + 1,
              "desugared_line %d (block at %d)", c->desugared_line, c->line);
    for (k = 0; k < i; k++)
        CHECK(strcmp(set->items[k].name, c->name) != 0, "name '%s' twice", c->name);
}

/* Append s to a growing buffer (abort on OOM: the target's own allocation). */
static void append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *nb = realloc(*buf, ncap);
        CHECK(nb != NULL, "out of memory");
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* Blocks first..len-1 of set, written back in the case format, parse to the same blocks. */
static void check_round_trip(const pc_caseset *set, size_t first)
{
    char *text = NULL;
    size_t len = 0, cap = 0, i;
    pc_caseset again = {0};
    pc_error err;
    for (i = first; i < set->len; i++) {
        const pc_case *c = &set->items[i];
        append(&text, &len, &cap, "$ ", 2);
        append(&text, &len, &cap, c->name, strlen(c->name));
        append(&text, &len, &cap, "\n", 1);
        append(&text, &len, &cap, c->source, strlen(c->source));
        if (c->desugared) {
            append(&text, &len, &cap, "=\n", 2);
            append(&text, &len, &cap, c->desugared, strlen(c->desugared));
        }
    }
    CHECK(pc_parse_text(&again, "fuzz.case", text, len, &err) == 0, "rewritten text rejected: %s",
          err.msg);
    CHECK(again.len == set->len - first, "%zu blocks, then %zu", set->len - first, again.len);
    for (i = 0; i < again.len; i++) {
        const pc_case *a = &set->items[first + i], *b = &again.items[i];
        CHECK(strcmp(a->name, b->name) == 0, "name '%s' became '%s'", a->name, b->name);
        CHECK(strcmp(a->source, b->source) == 0, "source of '%s' changed", a->name);
        CHECK((a->desugared == NULL) == (b->desugared == NULL), "translation of '%s' lost or added",
              a->name);
        CHECK(!a->desugared || strcmp(a->desugared, b->desugared) == 0,
              "translation of '%s' changed", a->name);
        CHECK(a->nrequires == b->nrequires && (a->nrequires == 0 || !memcmp(a->requires, b->requires, a->nrequires * sizeof *a->requires)),
              "requires of '%s' changed", a->name);
    }
    pc_caseset_free(&again);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    pc_caseset set = {0};
    pc_error err;
    int max_line = count_lines(text, size);
    size_t i, valid = pc_utf8_valid_prefix(text, size);

    CHECK(valid <= size, "valid prefix %zu of %zu", valid, size);
    CHECK(pc_parse_text(&set, "other.case", seed_text, sizeof seed_text - 1, &err) == 0, "%s",
          err.msg);

    if (pc_parse_text(&set, "fuzz.case", text, size, &err) != 0) {
        check_error_message(&err, max_line);
        CHECK(set.len == 1 && strcmp(set.items[0].name, "already here") == 0 &&
                  strcmp(set.items[0].source, "x = 1\n") == 0,
              "a failed parse changed the set (%zu blocks)", set.len);
    } else {
        CHECK(valid == size, "accepted invalid UTF-8 at offset %zu", valid);
        CHECK(set.len > 1, "success without a block");
        for (i = 1; i < set.len; i++)
            check_block(&set, i, max_line);
        check_round_trip(&set, 1);
        CHECK(pc_parse_text(&set, "fuzz.case", text, size, &err) == -1,
              "the same blocks were accepted twice");
        check_error_message(&err, max_line);
        CHECK(strstr(err.msg, "duplicate case name") != NULL, "%s", err.msg);
    }
    pc_caseset_free(&set);
    return 0;
}
