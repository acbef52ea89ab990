/* version.h - Python versions as the registry and the build selectors compare them. */
#ifndef PC_VERSION_H
#define PC_VERSION_H

#include <stddef.h>

/* A Python version: major.minor.micro, release level (0 alpha, 1 beta, 2 rc, 3 final)
 * and serial. `parts` says how many leading fields were given (1-5), for prefixes. */
typedef struct pc_version {
    int v[5];
    int parts;
} pc_version;

int pc_version_parse(const char *s, pc_version *out);
/* Compare on the first `depth` fields (1-5). */
int pc_version_cmp(const pc_version *a, const pc_version *b, int depth);
/* Format the first `depth` fields: "3", "3.13", "3.13.0", "3.15.0rc1". */
void pc_version_format(const pc_version *v, int depth, char *out, size_t size);

#endif
