/* main.c - the command table: parse the command line (base/cli.c), find where things
 * are (cmd/common.c), and hand over to the command's own file in cmd/.
 *
 * The pipeline the run command drives lives in pipeline/, one file per step:
 *   parse -> translate -> plan -> execute (protocol, result) -> compare -> report
 * what it reasons about in model/ (builds, expectations, verdicts) and the base it
 * stands on in base/ (processes, the slot pool, the command line, errors).
 * Nothing is global but the SIGPIPE disposition set at start.
 */
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "cmd.h"

typedef int (*command_fn)(const pc_options *o, const pc_paths *p, int argc, char **argv);

static const struct {
    pc_command cmd;
    command_fn fn;
} commands[] = {
    {PC_CMD_RUN, pc_cmd_run},
    {PC_CMD_BLESS, pc_cmd_run},
    {PC_CMD_INTERPRETERS, pc_cmd_interpreters},
    {PC_CMD_PROVISION, pc_cmd_provision},
    {PC_CMD_CHANGES, pc_cmd_changes},
    {PC_CMD_DESUGAR, pc_cmd_desugar},
    {PC_CMD_CHECK_DESUGAR, pc_cmd_check_desugar},
    {PC_CMD_PLAN, pc_cmd_plan},
    {PC_CMD_HTML, pc_cmd_html},
    {PC_CMD_JUNIT, pc_cmd_junit},
    {PC_CMD_DIFF, pc_cmd_diff},
    {PC_CMD_MERGE, pc_cmd_merge},
    {PC_CMD_BISECT, pc_cmd_bisect},
    {PC_CMD_REDUCE, pc_cmd_reduce},
};

int main(int argc, char **argv)
{
    pc_options o;
    pc_error err;
    pc_paths p;
    size_t i;
    int rc = PC_EXIT_USAGE;

    signal(SIGPIPE, SIG_IGN); /* a dead runner shows as EPIPE, not as our death */
    if (pc_cli_parse(argc, argv, &o, &err)) {
        fprintf(stderr, "pyconform: %s\n\n", err.msg);
        pc_cli_help(stderr, o.cmd);
        pc_cli_free(&o);
        return PC_EXIT_USAGE;
    }
    if (o.cmd == PC_CMD_HELP || o.help) {
        pc_cli_help(stdout, o.cmd);
        pc_cli_free(&o);
        return PC_EXIT_OK;
    }
    if (o.cmd == PC_CMD_VERSION) {
        printf("pyconform %s\n", PYCONFORM_VERSION);
        pc_cli_free(&o);
        return PC_EXIT_OK;
    }
    if (pc_paths_resolve(&o, &p, &err)) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        pc_paths_free(&p);
        pc_cli_free(&o);
        return PC_EXIT_USAGE;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].cmd == o.cmd)
            rc = commands[i].fn(&o, &p, argc, argv);
    pc_paths_free(&p);
    pc_cli_free(&o);
    return rc;
}
