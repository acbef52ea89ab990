# provision/lib.sh - shared helpers for the provisioning scripts (sourced, not run).
#
# Every script is called as   provision/KIND.sh DEST [--KEY=VALUE]...
# (see provision/README.md).  This file parses the common part, keeps the
# per-build state folder DEST/.pyconform/, takes the build's lock, and writes
# DEST/build.json.

set -euo pipefail
umask 022

PROVISION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$PROVISION_DIR/.." && pwd)
KIND=${KIND:?KIND must be set before sourcing lib.sh}

log() { printf '[%s %s] %s\n' "$KIND" "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$KIND" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- arguments
# Results: DEST, NAME, TAGS (array), FORCE (0/1), OPT_<key> scalars and
# LIST_<key> arrays for the kind-specific keys named in $SCALAR_KEYS and
# $LIST_KEYS (space separated, underscore spelling).  Keys may be written
# with '-' or '_'.  ARGS_TEXT is the canonical text of all arguments (the
# build's identity: a change restarts the build from scratch).
parse_args() {
    [ $# -ge 1 ] || die "usage: $0 DEST [--name=NAME] [--tags=TAG]... $USAGE_REST"
    case $1 in --help|-h) echo "usage: $0 DEST [--name=NAME] [--tags=TAG]... $USAGE_REST"; exit 0 ;; esac
    case $1 in -*) die "the first argument must be DEST, got '$1'" ;; esac
    DEST=$1; shift
    NAME=""; TAGS=(); FORCE=0
    local k
    for k in $SCALAR_KEYS; do eval "OPT_$k=''"; done
    for k in $LIST_KEYS; do eval "LIST_$k=()"; done
    local canon=()
    local a key val
    for a in "$@"; do
        case $a in
            --force) FORCE=1; continue ;;
            --*=*) key=${a%%=*}; key=${key#--}; key=${key//-/_}; val=${a#*=} ;;
            *) die "bad argument '$a' (expected --KEY=VALUE)" ;;
        esac
        case " name tags $SCALAR_KEYS $LIST_KEYS " in
            *" $key "*) ;;
            *) die "unknown option --$key (known: name tags $SCALAR_KEYS $LIST_KEYS)" ;;
        esac
        canon+=("--$key=$val")
        if [ "$key" = name ]; then NAME=$val
        elif [ "$key" = tags ]; then TAGS+=("$val")
        elif [[ " $LIST_KEYS " == *" $key "* ]]; then eval "LIST_$key+=(\"\$val\")"
        else eval "OPT_$key=\$val"
        fi
    done
    mkdir -p "$DEST" || die "cannot create $DEST"
    DEST=$(cd "$DEST" && pwd -P)
    [ -n "$NAME" ] || NAME=$(basename "$DEST")
    # Order-insensitive identity (the same recipe may list its keys in any order).
    ARGS_TEXT=$(printf '%s\n' "kind=$KIND" "${canon[@]+"${canon[@]}"}" | LC_ALL=C sort)
}

# ---------------------------------------------------------------- state
# DEST/.pyconform/ holds: lock, args (identity), stamps (one file per finished
# step), log of timings.  A DEST that exists, is not empty and has no
# .pyconform/ is refused (it is not ours).
STATE=""
begin_build() {
    STATE=$DEST/.pyconform
    if [ ! -d "$STATE" ]; then
        if [ -n "$(ls -A "$DEST")" ]; then
            die "$DEST exists, is not empty and was not made by pyconform provisioning; refusing to touch it"
        fi
        mkdir -p "$STATE"
    fi
    exec 9>"$STATE/lock"
    if ! flock -n 9; then
        log "another provisioning of $DEST is running; waiting for it"
        flock 9
    fi
    START_SECONDS=$(date +%s.%N)
    if [ -f "$STATE/args" ] && [ "$(cat "$STATE/args")" != "$ARGS_TEXT" ]; then
        log "arguments changed since the last run; starting $NAME from scratch"
        wipe_dest
    elif [ "$FORCE" = 1 ]; then
        log "--force: starting $NAME from scratch"
        wipe_dest
    fi
    printf '%s\n' "$ARGS_TEXT" >"$STATE/args"
    mkdir -p "$STATE/stamps"
}

wipe_dest() {
    # Remove everything in DEST but our state folder's lock.
    find "$DEST" -mindepth 1 -maxdepth 1 ! -name .pyconform -exec rm -rf {} +
    find "$STATE" -mindepth 1 -maxdepth 1 ! -name lock -exec rm -rf {} +
}

done_step() { [ -f "$STATE/stamps/$1" ]; }
mark_step() { : >"$STATE/stamps/$1"; }
clear_step() { rm -f "$STATE/stamps/$1"; }

# already_done: true when a previous run with the same arguments finished.
already_done() {
    [ -f "$DEST/build.json" ] && done_step complete
}

# ---------------------------------------------------------------- JSON
json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    s=$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037')
    printf '"%s"' "$s"
}
json_list() { # json_list ITEM... -> ["a", "b"]
    local out="[" sep="" x
    for x in "$@"; do out+="$sep$(json_str "$x")"; sep=", "; done
    printf '%s]' "$out"
}

# write_build_json: uses NAME, KIND, TAGS, RUN_ARGV (array), RUN_ENV (array of
# KEY=VALUE), VERSION_TEXT, DETAILS_JSON (a JSON object text).  Written
# atomically; marks the build complete.
write_build_json() {
    local env="{" sep="" kv
    for kv in "${RUN_ENV[@]+"${RUN_ENV[@]}"}"; do
        env+="$sep$(json_str "${kv%%=*}"): $(json_str "${kv#*=}")"; sep=", "
    done
    env+="}"
    local seconds
    seconds=$(awk -v a="$START_SECONDS" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    {
        printf '{\n'
        printf '  "name": %s,\n' "$(json_str "$NAME")"
        printf '  "kind": %s,\n' "$(json_str "$KIND")"
        printf '  "argv": %s,\n' "$(json_list "${RUN_ARGV[@]}")"
        printf '  "env": %s,\n' "$env"
        printf '  "tags": %s,\n' "$(json_list "${TAGS[@]+"${TAGS[@]}"}")"
        printf '  "version": %s,\n' "$(json_str "$VERSION_TEXT")"
        printf '  "provisioned_at": %s,\n' "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
        printf '  "seconds": %s,\n' "$seconds"
        printf '  "details": %s\n' "${DETAILS_JSON:-{\}}"
        printf '}\n'
    } >"$DEST/build.json.tmp"
    mv -f "$DEST/build.json.tmp" "$DEST/build.json"
    mark_step complete
    log "done: $NAME -> $DEST/build.json ($seconds s this run)"
}

# verify_python ARGV...: runs the interpreter on a small program, sets
# VERSION_TEXT to the first line of sys.version.  Dies on failure.
verify_python() {
    local out rc=0
    local env_args=()
    local kv
    for kv in "${RUN_ENV[@]+"${RUN_ENV[@]}"}"; do env_args+=("$kv"); done
    out=$(env "${env_args[@]+"${env_args[@]}"}" timeout "${PYCONFORM_VERIFY_TIMEOUT:-120}" \
        "$@" -c 'import sys, json, types, io; print(sys.version)' 2>&1) || rc=$?
    if [ "$rc" != 0 ]; then
        printf '%s\n' "$out" >&2
        die "verification failed (exit $rc): $*"
    fi
    VERSION_TEXT=$(printf '%s\n' "$out" | head -n 1)
    [ -n "$VERSION_TEXT" ] || die "verification printed nothing: $*"
    log "verified: $VERSION_TEXT"
}

# ---------------------------------------------------------------- apt helpers
have() { command -v "$1" >/dev/null 2>&1; }

is_root() { [ "$(id -u)" = 0 ]; }

# pkg_installed PKG: installed in the system (dpkg status "ii")
pkg_installed() {
    dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'
}

# system_apt_install PKG...: install the missing ones into the system with
# the system's own apt sources (refreshing the lists once if needed).
system_apt_install() {
    local missing=() p
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    is_root || die "needs root to install: apt-get install ${missing[*]}"
    log "apt-get install ${missing[*]}"
    local apt=(apt-get -y -q --no-install-recommends -o DPkg::Lock::Timeout=600)
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}"; then
        log "install failed; refreshing the package lists and retrying"
        apt-get -q -o DPkg::Lock::Timeout=600 update || die "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "${missing[@]}" \
            || die "apt-get install ${missing[*]} failed"
    fi
}

# system_mirror: prints "URI<TAB>SIGNED_BY" of the system's main Debian
# archive: the first 'deb' entry in /etc/apt/sources.list{,.d/*.list,.d/*.sources}
# whose suites include the release's codename.  Nothing is printed if none.
# (PYCONFORM_APT_ETC and PYCONFORM_OS_RELEASE replace /etc/apt and
# /etc/os-release, for tests.)
system_mirror() {
    local etc=${PYCONFORM_APT_ETC:-/etc/apt} osr=${PYCONFORM_OS_RELEASE:-/etc/os-release}
    local codename=""
    if [ -r "$osr" ]; then
        codename=$(. "$osr" && printf '%s' "${VERSION_CODENAME:-}")
    fi
    local files=()
    [ -f "$etc/sources.list" ] && files+=("$etc/sources.list")
    local f
    for f in "$etc"/sources.list.d/*.list "$etc"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    for f in "${files[@]}"; do
        case $f in
            *.sources)
                awk -v want="$codename" '
                    function flush() {
                        if (types ~ /(^| )deb( |$)/ && uris != "") {
                            n = split(suites, s, " ")
                            for (i = 1; i <= n; i++) if (want == "" || s[i] == want) {
                                split(uris, u, " "); print u[1] "\t" signed; exit
                            }
                        }
                        types = uris = suites = signed = ""
                    }
                    /^[ \t]*#/ { next }
                    /^[ \t]*$/ { flush(); next }
                    {
                        line = $0; key = line; sub(/:.*/, "", key); val = line; sub(/^[^:]*:[ \t]*/, "", val)
                        k = tolower(key)
                        if (k == "types") types = val
                        else if (k == "uris") uris = val
                        else if (k == "suites") suites = val
                        else if (k == "signed-by") signed = val
                        else if (k == "enabled" && tolower(val) == "no") types = ""
                    }
                    END { flush() }' "$f"
                ;;
            *)
                awk -v want="$codename" '
                    /^[ \t]*#/ { next }
                    $1 == "deb" {
                        signed = ""; i = 2
                        if ($2 ~ /^\[/) {
                            opts = ""
                            while (i <= NF) { opts = opts " " $i; if ($i ~ /\]$/) { i++; break } i++ }
                            if (match(opts, /signed-by=[^ \]]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
                        }
                        uri = $i; suite = $(i + 1)
                        if (want == "" || suite == want) { print uri "\t" signed; exit }
                    }' "$f"
                ;;
        esac
    done | head -n 1
}

# private_sources_line TYPE SUITE: one-line source entry ("deb"/"deb-src")
# for SUITE on the system's own mirror host, or PYCONFORM_APT_SOURCE when set
# (its leading "deb" is replaced by TYPE; "{suite}" in it is replaced by SUITE,
# e.g. "deb [trusted=yes] file:/tmp/repo {suite} main").
private_sources_line() {
    local type=$1 suite=$2
    if [ -n "${PYCONFORM_APT_SOURCE:-}" ]; then
        local line=$PYCONFORM_APT_SOURCE
        line=${line#deb-src }; line=${line#deb }
        line=${line//\{suite\}/$suite}
        printf '%s %s\n' "$type" "$line"
        return 0
    fi
    local m uri signed
    m=$(system_mirror)
    [ -n "$m" ] || die "cannot find the system's Debian mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/; set PYCONFORM_APT_SOURCE='deb URI SUITE COMPONENT'"
    uri=${m%%$'\t'*}; signed=${m#*$'\t'}
    if [ -n "$signed" ] && [ "${signed:0:1}" = / ]; then
        printf '%s [signed-by=%s] %s %s main\n' "$type" "$signed" "$uri" "$suite"
    else
        printf '%s %s %s main\n' "$type" "$uri" "$suite"
    fi
}

# Private apt configuration rooted at $1: sets APT_OPTS.  Nothing of the
# system's apt state, sources or preferences is read or written (apt.conf.d
# settings such as proxies still apply).
setup_private_apt() {
    local a=$1
    mkdir -p "$a/etc/sources.list.d" "$a/etc/preferences.d" "$a/lists/partial" "$a/cache/archives/partial" "$a/state"
    [ -f "$a/state/status" ] || : >"$a/state/status"
    APT_OPTS=(
        -o "Dir::Etc::sourcelist=$a/etc/sources.list"
        -o "Dir::Etc::sourceparts=$a/etc/sources.list.d"
        -o "Dir::Etc::preferences=$a/etc/preferences"
        -o "Dir::Etc::preferencesparts=$a/etc/preferences.d"
        -o "Dir::State=$a/state"
        -o "Dir::State::Lists=$a/lists"
        -o "Dir::State::status=$a/state/status"
        -o "Dir::Cache=$a/cache"
        -o "Debug::NoLocking=1"
        -o "APT::Get::List-Cleanup=0"
        -o "Acquire::Languages=none"
        -o "APT::Install-Recommends=0"
        -o "APT::Install-Suggests=0"
        -o "APT::Sandbox::User=root"
    )
}

# private_apt_update: refresh the private lists; fails when any index could
# not be fetched or verified.
private_apt_update() {
    local out rc=0
    out=$(apt-get -q "${APT_OPTS[@]}" update 2>&1) || rc=$?
    printf '%s\n' "$out" >&2
    if [ "$rc" != 0 ] || printf '%s\n' "$out" | grep -qE '^(E:|W: (Failed|GPG|The repository|Some index))'; then
        die "apt-get update of the private sources failed"
    fi
}
