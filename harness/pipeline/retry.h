/* retry.h - `run --retries N`: the jobs whose results were unexpected run again, in
 * fresh runners, after the run; a result that changes between attempts is FLAKY.
 *
 * While the run goes, pc_retry_row stands between the judge and the report (it is the
 * judge's pc_row_sink): a row whose verdict is as expected goes straight on to the
 * report, as without retries; an unexpected one is held back (its index in the
 * comparison, the value it was judged against, and its first attempt), and its case's
 * texts are kept (compare.h, keep_texts) so that its jobs can be sent again. Memory
 * grows with the unexpected rows only.
 *
 * After the run, pc_retry_run runs up to N rounds. A round reruns, with a new
 * pc_execute (new runners), every job of a held row that is still unsettled, together
 * with the other mode's job of the same block and build (a desugared row is judged
 * against the source run: both run again), and judges them with a judge of its own
 * into a comparison of its own (as trial.h does). Each held row gets the attempt of
 * its function, build and mode. A row whose verdict or observation differs from its
 * first attempt is settled: FLAKY. A row unexpected in the same way every time stays
 * unsettled, and keeps its verdict when the rounds are spent. A round that a signal
 * stops ends the retries; its rows that did not run (NOT-RUN) are not attempts.
 *
 * pc_retry_flush gives every held row its final verdict (the counts of the comparison
 * follow: a FLAKY row is unexpected unless allow_flaky) and writes it, with all its
 * attempts, through the attempts sink (the report, pc_report_row_attempts); from then
 * on pc_retry_row passes every row straight on (the rows pc_judge_finish adds for jobs
 * that never arrived). The held rows' indices are the comparison's: pc_retry_flush
 * comes before pc_judge_finish, which sorts the rows.
 *
 * A FLAKY row keeps the observation, expected value and diff of its first attempt; its
 * detail says which verdicts the attempts gave, then the first attempt's detail.
 */
#ifndef PC_RETRY_H
#define PC_RETRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "compare.h"
#include "execute.h"

/* One attempt of a row: the first is the run's own, the others the retries'. */
typedef struct pc_attempt {
    unsigned char verdict;  /* pc_verdict */
    uint32_t observation;   /* id in the run's comparison (cmp->observations), 0: none */
    float seconds;
    char *detail;           /* owned, or NULL */
} pc_attempt;

/* Receives each held row with its attempts when it is flushed (report.h:
 * pc_report_row_attempts has this shape). */
typedef int (*pc_attempts_sink)(void *ctx, const pc_comparison *cmp, const pc_row *row,
                                json_t *expected, const pc_attempt *attempts, size_t n,
                                pc_error *err);

typedef struct pc_retry_held pc_retry_held; /* retry.c: a held row */

typedef struct pc_retry {
    pc_judge *judge;          /* the run's (borrowed): its cases, plan, expectations,
                               * selection and comparison */
    pc_row_sink sink;         /* where as-expected rows go at once */
    pc_attempts_sink flush;   /* where held rows go at the end */
    void *sink_ctx;           /* both sinks' context */
    bool holding;             /* false once flushed: rows pass straight on */
    pc_retry_held *held;
    size_t nheld, held_cap;
    unsigned char *keep;      /* per case: its texts are kept (given to the judge) */
    int rounds_run;           /* retry rounds that ran */
    size_t jobs_rerun;        /* jobs sent again, over all rounds */
} pc_retry;

/* Stand between `judge` (already initialised) and the sinks: sets judge's sink to
 * pc_retry_row and its keep_texts. */
int pc_retry_init(pc_retry *r, pc_judge *judge, pc_row_sink sink, pc_attempts_sink flush,
                  void *ctx, pc_error *err);
/* The judge's sink (ctx: the pc_retry). */
int pc_retry_row(void *ctx, const pc_comparison *cmp, const pc_row *row, json_t *expected,
                 pc_error *err);
/* Up to `rounds` retry rounds on fresh runners (eo: as the run's; stop_fd watched).
 * progress: a line per round is printed there when not NULL. *interrupted gets the
 * signal that stopped a round (0 when none). -1 on a harness error. */
int pc_retry_run(pc_retry *r, int rounds, const pc_exec_options *eo, FILE *progress,
                 int *interrupted, pc_error *err);
/* Final verdicts into the comparison, and every held row to the flush sink. */
int pc_retry_flush(pc_retry *r, bool allow_flaky, pc_error *err);
void pc_retry_free(pc_retry *r);

#endif
