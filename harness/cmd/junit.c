/* junit.c - the `junit` command: a saved report as JUnit XML (pipeline/junit.h), and
 * the same for `run --junit FILE` from the report the run has just written. */
#include <stdio.h>

#include "cmd.h"
#include "junit.h"
#include "report_read.h"

int pc_cmd_write_junit(const char *report, const char *out, pc_error *err)
{
    pc_report_doc doc;
    int rc;
    if (pc_report_load(report, &doc, err))
        return -1;
    rc = pc_junit_write(&doc, out && *out && !(out[0] == '-' && !out[1]) ? out : NULL, stdout, err);
    pc_report_doc_free(&doc);
    return rc;
}

int pc_cmd_junit(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    pc_error err;
    (void)p;
    (void)argc;
    (void)argv;
    if (o->nfiles != 1) {
        fprintf(stderr, "pyconform: junit: give one REPORT (e.g. reports/latest.json)\n\n");
        pc_cli_help(stderr, PC_CMD_JUNIT);
        return PC_EXIT_USAGE;
    }
    if (pc_cmd_write_junit(o->files[0], o->output, &err)) {
        fprintf(stderr, "pyconform: junit: %s\n", err.msg);
        return PC_EXIT_USAGE;
    }
    return PC_EXIT_OK;
}
