/* translate.h - step 1b: the desugared text each case runs.
 *
 * It comes from one of three sources, named in the report:
 *  - "case": the block's `=` section (the frozen default where it exists);
 *  - "pyconform": our desugarer (host/desugar.py), for blocks without one;
 *  - "external": `--desugarer CMD` (run with /bin/sh -c, source on stdin, translation
 *    on stdout), which then translates every block, once per block, `parallel` at once.
 * Desugarer processes run on the process pool (pool.h); our desugarer runs once for all
 * the blocks that need it (--batch).
 * A desugarer that exits non-zero gives no text: the block's desugared jobs become
 * ERROR with its stderr. What the desugarer printed on stderr (its list of untranslated
 * constructs) is kept for the report.
 *
 * Ownership: a pc_translation owns its strings.
 */
#ifndef PC_TRANSLATE_H
#define PC_TRANSLATE_H

#include <stddef.h>

#include "error.h"
#include "parse.h"

typedef enum pc_translation_source {
    PC_TR_NONE,     /* not translated (desugared mode not requested) */
    PC_TR_CASE,
    PC_TR_OURS,
    PC_TR_EXTERNAL,
} pc_translation_source;

const char *pc_translation_source_name(pc_translation_source s);

typedef struct pc_translation {
    pc_translation_source source;
    char *text;     /* the translation, or NULL when the desugarer failed */
    char *failure;  /* why there is no text: exit status and stderr */
    char *notes;    /* the desugarer's stderr (e.g. "untranslated: 3: ListComp" lines) */
} pc_translation;

typedef struct pc_translate_options {
    const char *python;      /* interpreter for our desugarer */
    const char *desugar_py;  /* host/desugar.py */
    const char *external;    /* --desugarer CMD, or NULL */
    double timeout;          /* per case, seconds */
    int parallel;            /* external desugarer processes at once */
    int stop_fd;             /* > 0: stop (and fail with "interrupted") when readable */
    bool conservative;       /* our desugarer's --conservative */
} pc_translate_options;

/* Fill out[cases->len] (a suite block's is left PC_TR_NONE: suite.h). Returns -1 only for harness errors (a failing desugarer is
 * recorded in the translation, not returned). */
int pc_translate(const pc_caseset *cases, const pc_translate_options *o, pc_translation *out,
                 pc_error *err);
/* Run one desugarer on one text: argv as given, text on stdin (a pool of one). */
int pc_translate_text(char *const *argv, const char *text, double timeout, int stop_fd,
                      pc_translation *out, pc_error *err);
void pc_translations_free(pc_translation *t, size_t n);

#endif
