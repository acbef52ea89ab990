/* bisect.h - what bisect and reduce share (cmd/bisect.c). */
#ifndef PC_BISECT_H
#define PC_BISECT_H

#include <stddef.h>
#include <stdio.h>

#include "cmd.h"
#include "error.h"
#include "parse.h"
#include "plan.h"

/* The index of the block named `block` in cases (read from `file`), or an error naming
 * the file and the first blocks it has. */
int pc_bisect_find_case(const pc_caseset *cases, const char *file, const char *block,
                        size_t *index, pc_error *err);

/* A change between two observations (texts, or "(VERDICT)"): both, clipped, then the
 * outcomes when they differ and the first differing path. */
void pc_bisect_print_change(FILE *out, const char *before, const char *after);

/* bisect --provision (bisect_releases.c): the block over the Pyodide releases on npm,
 * provisioning the ones the search needs. Returns the exit status. */
int pc_bisect_releases(const pc_options *o, const pc_paths *p, const pc_case *kase,
                       const char *function, pc_mode mode, const pc_expectations *ex,
                       int stop_fd);

#endif
