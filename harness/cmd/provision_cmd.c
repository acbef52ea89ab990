/* provision_cmd.c - the `provision` command (the recipes themselves: model/provision.c). */

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "provision.h"
#include "util.h"

int pc_cmd_provision(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    (void)argc; /* the options are parsed already */
    (void)argv;
    pc_provision_options po = {0};
    pc_error err;
    char *logs = pc_asprintf(&err, "%s/logs", p->cache);
    size_t failed = 0;
    int rc;
    if (!logs) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        return PC_EXIT_USAGE;
    }
    po.root = p->root;
    po.interps_dir = p->interps;
    po.logs_dir = logs;
    po.probe = p->probe;
    po.runners = p->runners;
    po.names = o->files;
    po.nnames = o->nfiles;
    po.all = o->all;
    po.force = o->force;
    rc = o->list ? pc_provision_list(stdout, &po, &err) : pc_provision_run(stdout, &po, &failed, &err);
    free(logs);
    if (rc) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        return PC_EXIT_USAGE;
    }
    return failed ? PC_EXIT_UNEXPECTED : PC_EXIT_OK;
}
