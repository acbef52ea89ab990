/* registry.h - the interpreter registry: the union of configured, provisioned and
 * discovered builds; probing (cached); selection by name, glob or tag.
 *
 * - configured: entries of a JSON file {"interpreters": [{"name", "argv", "env", "tags"}]};
 * - provisioned: CACHE/interpreters/NAME/build.json written by `pyconform provision`;
 * - discovered: pyenv versions ($PYENV_ROOT, else ~/.pyenv and /root/.pyenv), python3.N
 *   and pypy3 on PATH (pyenv shims skipped), and /usr/bin/python3*.
 * Sources are added in that order; an entry with the same real argv[0], the same
 * further arguments and the same environment as an earlier one is the same build and
 * is listed once, so a configured or provisioned name wins over a discovered one (a
 * configured or provisioned entry merged that way leaves a warning). After probing, a
 * discovered wrapper (argv[0] is not the probe's sys.executable: a shim) that runs the
 * same executable with the same arguments and environment as another entry is dropped;
 * a configured or provisioned wrapper is always kept (it may add arguments or
 * environment of its own). Each build is probed with runners/probe.py (probe.h: on the
 * process pool; results cached in CACHE/probes.json, invalidated when a file in the
 * command changes); versions below 3.8 stay listed but are marked unsupported.
 *
 * Nothing found is dropped silently: a build that cannot be probed (its binary is
 * missing or not executable, the probe exits non-zero, prints something other than the
 * probe's JSON, or times out) stays listed with `problem` saying why and `broken` set.
 * Problems hold outside text escaped (util.h), so they are always valid UTF-8.
 *
 * Ownership: the registry owns its interpreters and everything in them.
 */
#ifndef PC_REGISTRY_H
#define PC_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "version.h"

typedef struct pc_interp {
    char *name;        /* e.g. cpython-3.13.0 */
    char **argv;       /* command prefix, NULL-terminated; the script path is appended */
    char **env;        /* KEY=VALUE overrides, NULL-terminated */
    char *origin;      /* config, provisioned, pyenv, path, system */
    char **tags;       /* given tags plus automatic ones (impl, debug, ft, wasm, origin) */
    char *path;        /* real path of argv[0] */
    json_t *probe;     /* the probe's JSON, or NULL */
    char *problem;     /* why it cannot be run (probe failure, unsupported version);
                        * valid UTF-8 (outside text escaped) */
    bool broken;       /* could not be probed: problem says why (unsupported is not broken) */
    const char *impl;  /* from the probe (owned by probe) */
    const char *version;
    pc_version ver;
    bool debug, free_threaded, wasm, threads;
    bool supported;
    bool selected;
    double est_seconds; /* scheduling: its jobs' seconds in the previous run (timings.json,
                         * see schedule.h), or 0 when unknown */
} pc_interp;

typedef struct pc_registry {
    pc_interp *items;
    size_t len;
    size_t cap;
    char **warnings;   /* skipped provisioned builds and the like, for the user */
    size_t nwarnings, capwarnings;
    int stop_fd;       /* > 0: probing stops when it becomes readable (a run's signalfd) */
    size_t probe_width; /* probes run at once (0: 2) */
} pc_registry;

/* Add one interpreter by command prefix (argv, env and tags copied; name may be NULL to
 * derive it from the probe). A duplicate of an earlier entry is ignored. */
int pc_registry_add(pc_registry *reg, const char *origin, const char *name, char *const *argv,
                    char *const *env, char *const *tags, pc_error *err);
/* Add one entry given as JSON {"name"?, "argv", "env"?, "tags"?}; `where` names it in
 * errors ("FILE: interpreters[2]"). "{runners}" at the start of an argv element stands
 * for the runners directory (e.g. the Pyodide host script). */
int pc_registry_add_json(pc_registry *reg, const char *origin, json_t *entry, const char *where,
                         const char *runners, pc_error *err);
/* The configuration file: {"interpreters": [entry...]}. Errors name the file and line. */
int pc_registry_load_config(pc_registry *reg, const char *path, const char *runners, pc_error *err);
/* Every DIR/NAME/build.json; an unreadable one becomes a warning, not an error. */
int pc_registry_load_provisioned(pc_registry *reg, const char *dir, const char *runners,
                                 pc_error *err);
/* Discover the standard places (see above). */
int pc_registry_discover(pc_registry *reg, pc_error *err);
/* Probe every interpreter (pc_probe_all, probe.h), then drop the shims, sort and name
 * them. cache_path (or NULL) holds earlier probes. Probe failures are recorded in
 * `problem`, not returned. */
int pc_registry_probe(pc_registry *reg, const char *probe_script, double timeout,
                      const char *cache_path, pc_error *err);
/* Select supported interpreters matching any pattern (glob on name or version) and
 * carrying any of the tags; no patterns (tags) means no restriction of that kind.
 * A broken build is selected when it was asked for: every configured one (the
 * configuration says it is meant to run), and any build a pattern names exactly; the
 * plan gives its jobs ERROR with its problem. Returns how many are selected. */
size_t pc_registry_select(pc_registry *reg, char *const *patterns, size_t npatterns,
                          char *const *tags, size_t ntags);
bool pc_interp_has_tag(const pc_interp *in, const char *tag);
/* Order by implementation, then version, then name. */
void pc_registry_sort(pc_registry *reg);
void pc_registry_free(pc_registry *reg);

/* Capabilities a case block can require (`# pyconform: requires NAME`, parse.h): the
 * i-th known name (static storage), NULL past the last. */
const char *pc_capability_name(size_t i);
/* NULL when the build has the capability (a tag of that name, or its probe says so:
 * threads, the probe started a thread; subprocess, not a WebAssembly build); else why
 * not, completing "BUILD ...": "cannot start threads". */
const char *pc_interp_lacks(const pc_interp *in, const char *capability);
/* For probing (probe.c): take the probe JSON (a reference is stolen) and derive the
 * interpreter's facts and tags (and `problem` when it is unusable). */
int pc_interp_apply_probe(pc_interp *in, json_t *p, pc_error *err);
/* in->problem = what + the outside text[0..len) (escaped, see util.h; NULL: none), at
 * most 400 bytes of it: the tail when `tail`, else the head. `broken`: the build could
 * not be probed (an unsupported version is not broken). */
int pc_interp_set_problem(pc_interp *in, bool broken, const char *what, const char *text,
                          size_t len, bool tail, pc_error *err);
/* len without the trailing newlines and spaces of text (0 for NULL). */
size_t pc_problem_text_len(const char *text, size_t len);

/* Trait string for a build: "" for a plain build, else "+debug", "+ft", "+wasm" joined. */
void pc_interp_traits(const pc_interp *in, char *out, size_t size);

#endif
