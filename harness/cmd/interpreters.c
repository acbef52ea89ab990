/* interpreters.c - the `interpreters` command: the registry and each build's probe. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "report.h"
#include "util.h"

int pc_cmd_interpreters(const pc_options *o, const pc_paths *p, int argc, char **argv)
{
    (void)argc; /* the options are parsed already */
    (void)argv;
    pc_registry reg = {0};
    pc_error err;
    size_t i;
    if (pc_cmd_load_registry(o, p, &reg, 0, NULL, &err)) {
        fprintf(stderr, "pyconform: %s\n", err.msg);
        pc_registry_free(&reg);
        return PC_EXIT_USAGE;
    }
    if (o->json) {
        json_t *a = json_array();
        char *s;
        for (i = 0; a && i < reg.len; i++) {
            /* the report's form; outside text (paths, argv, problems) kept escaped */
            if (json_array_append_new(a, pc_interp_json(&reg.items[i]))) {
                json_decref(a); /* out of memory: reported below */
                a = NULL;
            }
        }
        s = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
        if (!s) {
            fprintf(stderr, "pyconform: out of memory\n");
            json_decref(a);
            pc_registry_free(&reg);
            return PC_EXIT_USAGE;
        }
        puts(s);
        free(s);
        json_decref(a);
    } else {
        size_t runnable = 0;
        printf("%-26s %-8s %-10s %-6s %-11s %s\n", "NAME", "IMPL", "VERSION", "TRAITS", "ORIGIN",
               "COMMAND / STATUS");
        for (i = 0; i < reg.len; i++) {
            const pc_interp *in = &reg.items[i];
            char traits[32];
            size_t k;
            pc_interp_traits(in, traits, sizeof traits);
            printf("%-26s %-8s %-10s %-6s %-11s", in->name ? in->name : "?", in->impl ? in->impl : "?",
                   in->version ? in->version : "?", *traits ? traits + 1 : "-", in->origin);
            for (k = 0; in->argv[k]; k++) {
                fputc(' ', stdout);
                pc_print_text(stdout, in->argv[k], SIZE_MAX);
            }
            for (k = 0; in->env && in->env[k]; k++) {
                fputs(k ? " " : "  (env ", stdout);
                pc_print_text(stdout, in->env[k], SIZE_MAX);
            }
            if (in->env && in->env[0])
                fputc(')', stdout);
            if (in->problem) {
                fputs("  [", stdout);
                pc_print_text(stdout, in->problem, SIZE_MAX);
                fputc(']', stdout);
            }
            else if ((o->ninterps || o->ntags) && in->selected)
                printf("  [selected]");
            fputc('\n', stdout);
            runnable += in->supported;
        }
        printf("%zu interpreters, %zu runnable\n", reg.len, runnable);
    }
    pc_registry_free(&reg);
    return PC_EXIT_OK;
}
