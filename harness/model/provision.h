/* provision.h - `pyconform provision`: install extra interpreter builds into the cache.
 *
 * Recipes come from ROOT/provision/recipes.json: a list of
 *   {"name", "kind", "description", "tags": [...], "explicit_only": bool, KEY: VALUE...}
 * A recipe is carried out by ROOT/provision/KIND.sh DEST --name=NAME --tags=T...
 * --KEY=VALUE... (lists give the option once per item), with all output appended to
 * CACHE/logs/NAME.log. The scripts are idempotent and resumable and end by writing
 * DEST/build.json, which the registry reads. Each build is then verified by probing it.
 */
#ifndef PC_PROVISION_H
#define PC_PROVISION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"

typedef struct pc_provision_options {
    const char *root;         /* project root (provision/, runners/) */
    const char *interps_dir;  /* CACHE/interpreters */
    const char *logs_dir;     /* CACHE/logs */
    const char *probe;        /* runners/probe.py */
    const char *runners;      /* runners/ (for {runners} in build.json) */
    char *const *names;       /* names or globs; none: every recipe not explicit_only */
    size_t nnames;
    bool all;                 /* include explicit_only recipes */
    bool force;               /* pass --force (start the build again) */
} pc_provision_options;

/* Load and check the recipe list (new reference). */
json_t *pc_recipes_load(const char *path, pc_error *err);
/* Print what can be provisioned and what already is. */
int pc_provision_list(FILE *out, const pc_provision_options *o, pc_error *err);
/* Provision the selected recipes one after another. *failed counts the builds that did
 * not install or did not verify. */
int pc_provision_run(FILE *out, const pc_provision_options *o, size_t *failed, pc_error *err);
/* The same for recipes given (a list in recipes.json's form, borrowed), selected by
 * o->names (none: every one not explicit_only, or all with o->all): how `bisect
 * --provision` installs a release that has no recipe of its own. */
int pc_provision_recipes(FILE *out, const pc_provision_options *o, json_t *list, size_t *failed,
                         pc_error *err);

#endif
