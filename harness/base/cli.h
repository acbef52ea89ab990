/* cli.h - command line: commands, options, help texts, exit codes. */
#ifndef PC_CLI_H
#define PC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

enum { PC_EXIT_OK = 0, PC_EXIT_UNEXPECTED = 1, PC_EXIT_USAGE = 2 };
/* run --bisect-exit: "skip this commit" for `git bisect run` */
enum { PC_EXIT_BISECT_SKIP = 125 };

typedef enum pc_command {
    PC_CMD_HELP,
    PC_CMD_VERSION,
    PC_CMD_RUN,
    PC_CMD_BLESS,
    PC_CMD_INTERPRETERS,
    PC_CMD_PROVISION,
    PC_CMD_CHANGES,
    PC_CMD_DESUGAR,
    PC_CMD_CHECK_DESUGAR,
    PC_CMD_PLAN,
    PC_CMD_HTML,
    PC_CMD_JUNIT,
    PC_CMD_DIFF,
    PC_CMD_MERGE,
    PC_CMD_BISECT,
    PC_CMD_REDUCE,
} pc_command;

typedef struct pc_options {
    pc_command cmd;
    bool help;             /* `COMMAND --help` */
    char **files;          /* case files given on the command line (borrowed from argv) */
    size_t nfiles;
    char **interps;        /* --interp patterns (array owned, strings borrowed) */
    size_t ninterps;
    char **tags;           /* --tag (array owned, strings borrowed) */
    size_t ntags;
    char **filters;        /* -k/--filter REGEX (array owned, strings borrowed) */
    size_t nfilters;
    char **filters_out;    /* --filter-out REGEX (array owned, strings borrowed) */
    size_t nfilters_out;
    bool last_failed;      /* --last-failed: the unexpected of REPORTS/latest.json */
    const char *cache;     /* --cache, else $PYCONFORM_CACHE, else ~/.cache/pyconform */
    const char *config;    /* --config, else $PYCONFORM_CONFIG, else ~/.config/pyconform/interpreters.json */
    int parallel;          /* -j */
    double timeout;        /* --timeout, seconds per job */
    unsigned modes;        /* --mode */
    const char *root;      /* --root (else $PYCONFORM_ROOT, the install, the source tree: cmd/paths.c) */
    const char *cases_dir, *expected_dir, *reports_dir, *runners_dir;
    bool json;             /* interpreters --json, plan --json, diff --json */
    bool list, all, force; /* provision --list, --all, --force */
    const char *output;    /* changes --output, html, junit and merge -o/--output */
    const char *html;      /* run/bless --html FILE */
    const char *junit;     /* run/bless --junit FILE */
    bool check;            /* changes --check */
    const char *desugarer; /* --desugarer CMD (external) */
    const char *python;    /* --python: runs our desugarer (default $PYCONFORM_PYTHON, python3) */
    bool quiet;            /* no table */
    int max_details;
    double startup_timeout; /* --startup-timeout: runner hello and probe, seconds */
    size_t max_output;     /* --max-output: stdout bytes kept per call */
    size_t max_memory;     /* --max-memory: address space per job (0: no limit) */
    int keep_reports;      /* --keep-reports: timestamped reports kept (0: all) */
    bool shared;           /* --isolation shared: a runner's jobs share its process */
    int color;             /* --color: a pc_color_mode (term.h) */
    int max_failures;      /* --max-failures: stop after this many unexpected (0: never) */
    int durations;         /* --durations: print the N slowest jobs (0: none) */
    int retries;           /* run --retries: reruns of a job with an unexpected result (0: none) */
    bool conservative;     /* --conservative: our desugarer keeps its older guards */
    bool allow_flaky;      /* run --allow-flaky: FLAKY counts as expected */
    unsigned shard_k, shard_n; /* run/plan --shard K/N (shard.h); shard_n 0: the whole plan */
    bool bisect_exit;      /* run/bless --bisect-exit: harness or build failures exit 125 */
    /* bisect and reduce (cmd/bisect.c, cmd/reduce.c) */
    const char *git, *good, *bad; /* bisect --git REPO --good REV --bad REV */
    const char *build;     /* bisect --build CMD (run in the worktree first) */
    const char *interp_argv; /* bisect --interp-argv 'ARGV...' ({worktree} substituted) */
    char **keys;           /* bisect -k FUNCTION (array owned, strings borrowed) */
    size_t nkeys;
    bool unexpected;       /* bisect --unexpected: bad means any unexpected verdict */
    bool provision;        /* bisect --provision: over releases, installed or not */
    const char *points;    /* bisect --points pyodide|debian|all (implies --provision; NULL: pyodide) */
    const char *suites;    /* bisect --suites S1,S2,...: the Debian suites of --points debian */
    double budget;         /* reduce --budget SECONDS (0: none) */
    bool mode_given;       /* --mode was given */
} pc_options;

/* Parse argv into opts. On a usage error fills err (the caller prints it with the
 * command's usage and exits 2). */
int pc_cli_parse(int argc, char **argv, pc_options *opts, pc_error *err);
void pc_cli_free(pc_options *opts);
void pc_cli_help(FILE *out, pc_command cmd);

#endif
