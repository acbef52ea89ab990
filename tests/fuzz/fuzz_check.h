/* fuzz_check.h - what every fuzz target shares: CHECK(cond, fmt, ...) aborts (a crash
 * libFuzzer keeps, with its input) when an invariant of the code under test breaks,
 * naming the target (FUZZ_TARGET, a string the target defines before including this),
 * the place and the failed condition. */
#ifndef PC_FUZZ_CHECK_H
#define PC_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, FUZZ_TARGET ": %s:%d: check failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                                \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

#endif
