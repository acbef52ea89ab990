/* cmd.h - the commands, one file each, and what they share.
 *
 * main.c parses the command line (base/cli.c) and calls one of these through its
 * command table. Each returns the process exit status (PC_EXIT_*) and prints its own
 * errors: a command is the place where a pc_error becomes a line on stderr.
 */
#ifndef PC_CMD_H
#define PC_CMD_H

#include "cli.h"
#include "parse.h"
#include "execute.h"
#include "expected.h"
#include "plan.h"
#include "registry.h"
#include "select.h"
#include "shard.h"
#include "suite.h"
#include "translate.h"

/* Where things are (cmd/paths.c): the data root (--root, $PYCONFORM_ROOT, the installed
 * PREFIX/share/pyconform when the binary runs from an install, else the source tree),
 * its folders (each overridable), the reports folder (ROOT/reports; ./reports when
 * installed), the cache and the optional configuration file. Owned strings; config may
 * stay NULL. */
typedef struct pc_paths {
    char *root, *cases, *expected, *reports;
    char *runners, *probe, *runner; /* runners/: what runs inside interpreters */
    char *host;                     /* host/: host-side Python (desugar.py, ast_equal.py) */
    char *desugar_py;               /* host/desugar.py: our desugarer */
    char *cache, *interps, *probe_cache, *config;
} pc_paths;

int pc_paths_resolve(const pc_options *o, pc_paths *p, pc_error *err);
void pc_paths_free(pc_paths *p);

/* Parse every case file (the given ones, else cases/ *.case sorted): a bad one stops
 * everything before anything runs. */
int pc_cmd_load_cases(const pc_options *o, const char *dir, pc_caseset *cases, pc_error *err);
/* The registry: configured, provisioned and discovered builds, probed (stop_fd: a
 * signalfd that stops the probes, or 0/-1), then selected by --interp and --tag;
 * *nselected (may be NULL) gets how many builds were selected. */
int pc_cmd_load_registry(const pc_options *o, const pc_paths *p, pc_registry *reg, int stop_fd,
                         size_t *nselected, pc_error *err);
/* What run, bless and plan share, in pipeline order: the cases parsed, their
 * expectations, the desugared text of each (when the modes include desugared), the
 * registry loaded, probed and selected, and the plan. Owned; pc_prepared_free. */
typedef struct pc_prepared {
    pc_caseset cases;
    pc_expectations ex;
    pc_translation *translations; /* one per case, or NULL (source mode) */
    pc_registry reg;
    pc_suites suites; /* suite blocks' texts per build (suite.h); the plan borrows them */
    pc_plan plan;
    pc_selection select; /* -k, --filter-out, --last-failed (select.h) */
    pc_shard shard; /* the whole plan's fingerprint; with --shard K/N, the slice kept */
} pc_prepared;

/* stop_fd: a signalfd watched while the desugarer and the probes run (or -1); a signal
 * taken there is left in *interrupted (then the plan is still built, and nothing should
 * run). Fails when nothing matches --interp/--tag (unless interrupted). */
int pc_cmd_prepare(const pc_options *o, const pc_paths *p, int stop_fd, pc_prepared *out,
                   int *interrupted, pc_error *err);
void pc_prepared_free(pc_prepared *pr);

/* The host Python for our desugarer: --python, $PYCONFORM_PYTHON, else python3. */
const char *pc_cmd_python(const pc_options *o);
/* How to translate for this command: our desugarer (o's --python, --conservative), or
 * `external` when given; `timeout` per text. */
pc_translate_options pc_cmd_translate_options(const pc_options *o, const pc_paths *p,
                                              const char *external, double timeout, int stop_fd);
/* How to execute jobs for this command: o's -j, --timeout, --startup-timeout,
 * --max-output, --max-memory and --isolation, p's runner, stopped by stop_fd. */
pc_exec_options pc_cmd_exec_options(const pc_options *o, const pc_paths *p, int stop_fd);
/* The stop signal waiting on a signalfd (read, so it is taken), or 0. */
int pc_cmd_pending_signal(int stop_fd);
/* Block SIGINT, SIGTERM and SIGHUP and return a signalfd that reads them, for the loops
 * that wait on children to watch (they kill and reap every child, and the command still
 * ends cleanly); -1 after saying why on stderr. The signals stay blocked after the fd is
 * closed: one still pending must not undo the exit status. */
int pc_cmd_take_signals(void);
/* A command stopped by signal sig: says so on stderr ("pyconform: interrupted by signal
 * 2 (Interrupt)" and `more`, after flushing stdout) and returns its exit status, 128 +
 * sig. */
int pc_cmd_interrupted(int sig, const char *more);

int pc_cmd_run(const pc_options *o, const pc_paths *p, int argc, char **argv); /* run, bless */
int pc_cmd_interpreters(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_provision(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_desugar(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_check_desugar(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_changes(const pc_options *o, const pc_paths *p, int argc, char **argv);
/* plan: the jobs run would send (table, or NDJSON with --json), nothing run */
int pc_cmd_plan(const pc_options *o, const pc_paths *p, int argc, char **argv);
/* html: a saved report as one self-contained HTML page (pipeline/html.h) */
int pc_cmd_html(const pc_options *o, const pc_paths *p, int argc, char **argv);
/* junit: a saved report as JUnit XML (cmd/junit.c); diff: two saved reports compared
 * (cmd/diff.c). pc_cmd_write_junit is what both `junit` and `run --junit` do: read the
 * report at `report` and write its JUnit XML to `out` (NULL or "-": standard output). */
int pc_cmd_junit(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_diff(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_write_junit(const char *report, const char *out, pc_error *err);
/* merge: the reports of `run --shard K/N` combined into one (cmd/merge.c) */
int pc_cmd_merge(const pc_options *o, const pc_paths *p, int argc, char **argv);
/* bisect: where an observation changes across builds, or the first bad commit of a
 * desugarer or interpreter (cmd/bisect.c); reduce: a block shrunk while it stays
 * interesting (cmd/reduce.c, host/reduce.py). Both run through cmd/trial.h. */
int pc_cmd_bisect(const pc_options *o, const pc_paths *p, int argc, char **argv);
int pc_cmd_reduce(const pc_options *o, const pc_paths *p, int argc, char **argv);

#endif
