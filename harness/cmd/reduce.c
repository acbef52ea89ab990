/* reduce.c - placeholder until written */
#include "cmd.h"
int pc_cmd_reduce(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    (void)o; (void)p; (void)argc; (void)argv;
    return PC_EXIT_USAGE;
}
