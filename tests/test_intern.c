/* The text store (base/intern.h): ids, exact lookups, and spill mode giving the same
 * answers as memory mode while holding the texts in a file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "intern.h"
#include "fixture.h"

/* The same texts into a store of each mode: ids, lookups and texts agree. */
static void fill_and_check(pc_intern *in)
{
    pc_error err;
    char text[64];
    size_t i;
    pc_buf b = {0};
    /* enough texts to grow the table several times, each added twice */
    for (i = 0; i < 5000; i++) {
        snprintf(text, sizeof text, "{\"value\":%zu}", i);
        cr_assert_eq(pc_intern_add(in, text, strlen(text), &err), (uint32_t)(i + 1), "%s", text);
    }
    for (i = 0; i < 5000; i++) {
        snprintf(text, sizeof text, "{\"value\":%zu}", i);
        cr_assert_eq(pc_intern_add(in, text, strlen(text), &err), (uint32_t)(i + 1), "kept once");
        cr_assert_eq(pc_intern_find(in, text, strlen(text)), (uint32_t)(i + 1));
        pc_buf_clear(&b);
        cr_assert_eq(pc_intern_copy(in, (uint32_t)(i + 1), &b, &err), 0, "%s", err.msg);
        cr_assert_str_eq(b.data, text);
    }
    cr_assert_eq(in->len, 5000);
    /* a prefix, a longer text and an empty one are other texts */
    cr_assert_eq(pc_intern_find(in, "{\"value\":1", 10), 0);
    cr_assert_eq(pc_intern_find(in, "{\"value\":1}}", 12), 0);
    cr_assert_eq(pc_intern_add(in, "", 0, &err), 5001);
    cr_assert_eq(pc_intern_copy(in, 0, &b, &err), -1, "0 names no text");
    pc_buf_free(&b);
}

Test(intern, memory_mode)
{
    pc_intern in = {0};
    fill_and_check(&in);
    cr_assert_str_eq(pc_intern_text(&in, 2), "{\"value\":1}");
    pc_intern_free(&in);
}

Test(intern, spill_mode_keeps_texts_in_the_file)
{
    pc_intern in = {0};
    pc_error err;
    FILE *f = tmpfile();
    json_t *v;
    cr_assert_not_null(f);
    cr_assert_eq(pc_intern_spill(&in, fileno(f), &err), 0);
    fill_and_check(&in);
    cr_assert_null(pc_intern_text(&in, 2), "no text in memory");
    {
        struct stat st;
        cr_assert_eq(fstat(fileno(f), &st), 0);
        cr_assert_eq((size_t)st.st_size, in.bytes, "every byte went to the file");
    }
    v = pc_intern_load(&in, 3);
    cr_assert_eq(json_integer_value(json_object_get(v, "value")), 2);
    json_decref(v);
    /* canonical JSON: key order does not make another text */
    v = json_pack("{s:i, s:i}", "b", 1, "a", 2);
    cr_assert_eq(pc_intern_json(&in, v, &err), pc_intern_find_json(&in, v));
    json_decref(v);
    pc_intern_free(&in);
    fclose(f);
}

Test(intern, spill_mode_is_chosen_before_the_first_text)
{
    pc_intern in = {0};
    pc_error err;
    cr_assert_eq(pc_intern_add(&in, "x", 1, &err), 1);
    cr_assert_eq(pc_intern_spill(&in, 0, &err), -1);
    cr_assert(strstr(err.msg, "before the first") != NULL, "%s", err.msg);
    pc_intern_free(&in);
}

/* pc_intern_same compares texts across stores, whatever mode each one is in: equal
 * bytes are the same, a differing byte, a differing length or an id not given out are
 * not (long texts, past the stack buffer, too). */
Test(intern, same_across_stores_and_modes)
{
    pc_intern mem = {0}, sp = {0};
    pc_error err;
    FILE *f = tmpfile();
    char big[2000], big2[2000];
    uint32_t m1, m2, m3, s1, s2, s3, s4;
    cr_assert_not_null(f);
    cr_assert_eq(pc_intern_spill(&sp, fileno(f), &err), 0);
    memset(big, 'x', sizeof big);
    memcpy(big2, big, sizeof big2);
    big2[1500] = 'y';
    cr_assert(m1 = pc_intern_add(&mem, "{\"a\":1}", 7, &err));
    cr_assert(m2 = pc_intern_add(&mem, big, sizeof big, &err));
    cr_assert(m3 = pc_intern_add(&mem, "{\"a\":2}", 7, &err));
    cr_assert(s1 = pc_intern_add(&sp, "{\"a\":2}", 7, &err));
    cr_assert(s2 = pc_intern_add(&sp, big, sizeof big, &err));
    cr_assert(s3 = pc_intern_add(&sp, "{\"a\":1}", 7, &err));
    cr_assert(s4 = pc_intern_add(&sp, big2, sizeof big2, &err));
    cr_assert(pc_intern_same(&mem, m1, &sp, s3));
    cr_assert(pc_intern_same(&sp, s3, &mem, m1));
    cr_assert(pc_intern_same(&mem, m2, &sp, s2), "a long text read back from the file");
    cr_assert(pc_intern_same(&sp, s2, &sp, s2));
    cr_assert(pc_intern_same(&mem, m3, &sp, s1));
    cr_assert(!pc_intern_same(&mem, m1, &sp, s1));
    cr_assert(!pc_intern_same(&mem, m2, &sp, s4), "one byte differs");
    cr_assert(!pc_intern_same(&sp, s2, &sp, s4));
    cr_assert(!pc_intern_same(&mem, m1, &sp, s2), "lengths differ");
    cr_assert(!pc_intern_same(&mem, 0, &sp, s1));
    cr_assert(!pc_intern_same(&mem, m1, &sp, 99));
    pc_intern_free(&mem);
    pc_intern_free(&sp);
    fclose(f);
}
