/* html.c - the `html` command: a saved report (schema 2) as one self-contained HTML
 * page (pipeline/html.c), written to -o FILE or standard output. `run --html FILE`
 * writes the same page from the report it has just written (cmd/run.c). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "html.h"

int pc_cmd_html(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    pc_error err;
    size_t bytes = 0;
    (void)p;
    (void)argc;
    (void)argv;
    if (o->nfiles != 1) {
        fprintf(stderr, "pyconform: html: give one REPORT (e.g. reports/latest.json)\n\n");
        pc_cli_help(stderr, PC_CMD_HTML);
        return PC_EXIT_USAGE;
    }
    if (pc_html_write(o->files[0], o->output, &bytes, &err)) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        return PC_EXIT_USAGE;
    }
    if (o->output && strcmp(o->output, "-"))
        printf("html: %s (%zu bytes)\n", o->output, bytes);
    return PC_EXIT_OK;
}
