/* registry.h - the interpreter registry: discovery, probing, selection.
 *
 * Discovery looks at pyenv versions ($PYENV_ROOT, else ~/.pyenv and /root/.pyenv),
 * python3.N and pypy3 on PATH (pyenv shims skipped), and /usr/bin/python3*; entries
 * resolving to the same file are kept once. Each is probed once with runners/probe.py
 * (in parallel); versions below 3.8 are kept in the list but marked unsupported.
 *
 * Ownership: the registry owns its interpreters and everything in them.
 */
#ifndef PC_REGISTRY_H
#define PC_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

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

typedef struct pc_interp {
    char *name;        /* e.g. cpython-3.13.0 */
    char **argv;       /* command prefix, NULL-terminated; the script path is appended */
    char **env;        /* KEY=VALUE overrides, NULL-terminated */
    char *origin;      /* pyenv, path, system */
    char *path;        /* real path of argv[0] */
    json_t *probe;     /* the probe's JSON, or NULL */
    char *problem;     /* why it cannot be run (probe failure, unsupported version) */
    const char *impl;  /* from the probe (owned by probe) */
    const char *version;
    pc_version ver;
    bool debug, free_threaded, wasm;
    bool supported;
    bool selected;
} pc_interp;

typedef struct pc_registry {
    pc_interp *items;
    size_t len;
    size_t cap;
} pc_registry;

/* Add one interpreter by command prefix (argv copied). Duplicate real paths are ignored
 * unless argv or env differ. */
int pc_registry_add(pc_registry *reg, const char *origin, char *const *argv, char *const *env,
                    pc_error *err);
/* Discover the standard places (see above). */
int pc_registry_discover(pc_registry *reg, pc_error *err);
/* Probe every interpreter with probe_script, at most `parallel` at a time; names them.
 * Probe failures are recorded in `problem`, not returned as errors. */
int pc_registry_probe(pc_registry *reg, const char *probe_script, double timeout, pc_error *err);
/* Mark interpreters matching any pattern (glob on name or version) as selected; with no
 * patterns every supported interpreter is selected. Returns how many matched. */
size_t pc_registry_select(pc_registry *reg, char *const *patterns, size_t npatterns);
/* Order by implementation, then version, then name. */
void pc_registry_sort(pc_registry *reg);
void pc_registry_free(pc_registry *reg);

/* Trait string for a build: "" for a plain build, else "+debug", "+ft", "+wasm" joined. */
void pc_interp_traits(const pc_interp *in, char *out, size_t size);

#endif
