/* select.h - which case functions a run judges: -k/--filter, --filter-out,
 * $PYCONFORM_FILTER / $PYCONFORM_FILTER_OUT, --last-failed.
 *
 * A case function is named "CASE / FUNCTION" (the module body is "CASE / <module>"),
 * as the table, the report and JUnit name it. It is selected when it matches one of
 * the --filter regexes (POSIX extended; any when there is none), matches no
 * --filter-out regex, and, with --last-failed, was unexpected in the report given.
 * $PYCONFORM_FILTER and $PYCONFORM_FILTER_OUT stand in for the options when these
 * are not given, so a script (tools/suite.sh) can pass a selection through.
 *
 * Blocks run whole: a block is planned when one of its functions may be selected
 * (its module body, the functions its module-level `def` lines define, and those
 * expected/ records for it), and only its selected functions are judged.
 *
 * Ownership: the selection owns its compiled regexes and the names read from the
 * report.
 */
#ifndef PC_SELECT_H
#define PC_SELECT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "expected.h"
#include "parse.h"
#include "plan.h"

typedef struct pc_selection {
    bool active;         /* false: every function is selected */
    regex_t *in, *out;   /* --filter, --filter-out */
    size_t nin, nout;
    char **failed;       /* --last-failed: "CASE / FUNCTION", sorted; NULL: not given */
    size_t nfailed;
} pc_selection;

/* Compile the regexes (filters given, else the variables): an invalid one is an error
 * naming it. last_failed: the report whose unexpected results are selected (NULL:
 * none). */
int pc_selection_init(pc_selection *s, const char *const *in, size_t nin, const char *const *out,
                      size_t nout, const char *last_failed, pc_error *err);
/* Whether FUNCTION of case block kase is selected. */
bool pc_selection_keeps(const pc_selection *s, const pc_case *kase, const char *function);
/* Drop from the plan the jobs of blocks none of whose functions can be selected. */
int pc_selection_apply(const pc_selection *s, const pc_expectations *ex, pc_plan *plan, pc_error *err);
void pc_selection_free(pc_selection *s);

#endif
