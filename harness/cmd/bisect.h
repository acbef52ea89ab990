/* bisect.h - what bisect and reduce share (cmd/bisect.c). */
#ifndef PC_BISECT_H
#define PC_BISECT_H

#include <stddef.h>

#include "error.h"
#include "parse.h"

/* The index of the block named `block` in cases (read from `file`), or an error naming
 * the file and the first blocks it has. */
int pc_bisect_find_case(const pc_caseset *cases, const char *file, const char *block,
                        size_t *index, pc_error *err);

#endif
