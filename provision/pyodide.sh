#!/usr/bin/env bash
# provision/pyodide.sh DEST --version=PYODIDE_VERSION [--stack_size=KB]
#                      [--name=N] [--tags=T]... [--force]
#
# Installs the npm package pyodide@VERSION under DEST/npm (npm install
# --prefix, scripts disabled), checks that Python starts under the machine's
# Node through runners/pyodide_host.mjs, and writes DEST/build.json with
#   argv = [NODE, --stack-size=KB, {runners}/pyodide_host.mjs, DEST/npm/node_modules/pyodide]
# After the install no network access is needed.  The harness replaces a
# leading "{runners}" by its runners folder, so the build works from any
# checkout; the host beside this script (REPO/runners/pyodide_host.mjs) is the
# one used for the check here and is recorded as details.host.
KIND=pyodide
USAGE_REST="--version=PYODIDE_VERSION [--stack_size=KB]"
SCALAR_KEYS="version stack_size"
LIST_KEYS=""
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args "$@"
[ -n "$OPT_version" ] || die "--version=PYODIDE_VERSION is required"
STACK_KB=${OPT_stack_size:-65000}
case $STACK_KB in *[!0-9]*|"") die "--stack_size must be a number of KB" ;; esac

HOST=$REPO_DIR/runners/pyodide_host.mjs
[ -f "$HOST" ] || die "the Node host $HOST is missing"

have node || die "node is required (Node.js >= 18)"
have npm || die "npm is required"
NODE=$(command -v node)
NODE=$(readlink -f "$NODE")
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
    || die "Node.js >= 18 is required, found $(node --version)"

begin_build
PKG=$DEST/npm/node_modules/pyodide
RUN_ARGV=("$NODE" "--stack-size=$STACK_KB" "{runners}/pyodide_host.mjs" "$PKG")
CHECK_ARGV=("$NODE" "--stack-size=$STACK_KB" "$HOST" "$PKG")
RUN_ENV=()

installed_version() {
    [ -f "$PKG/package.json" ] || return 1
    node -e 'console.log(require(process.argv[1]).version)' "$PKG/package.json"
}

if already_done && [ "$(installed_version 2>/dev/null)" = "$OPT_version" ] \
   && grep -qF '"{runners}/pyodide_host.mjs"' "$DEST/build.json"; then
    log "$NAME already provisioned ($DEST/build.json); nothing to do"
    exit 0
fi
clear_step complete

if [ "$(installed_version 2>/dev/null || true)" != "$OPT_version" ]; then
    log "npm install pyodide@$OPT_version --prefix $DEST/npm"
    mkdir -p "$DEST/npm"
    npm install --prefix "$DEST/npm" --no-audit --no-fund --ignore-scripts --no-update-notifier \
        "pyodide@$OPT_version" >&2 || die "npm install pyodide@$OPT_version failed"
    got=$(installed_version) || die "pyodide is missing in $PKG after npm install"
    [ "$got" = "$OPT_version" ] || die "npm installed pyodide $got, not $OPT_version"
fi
for f in pyodide.asm.wasm python_stdlib.zip; do
    [ -f "$PKG/$f" ] || die "$PKG/$f is missing: not a complete Pyodide package"
done

verify_python "${CHECK_ARGV[@]}"

DETAILS_JSON="{\"pyodide\": $(json_str "$OPT_version"), \"package_dir\": $(json_str "$PKG"), \"node\": $(json_str "$(node --version)"), \"host\": $(json_str "$HOST")}"
write_build_json
