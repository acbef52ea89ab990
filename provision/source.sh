#!/usr/bin/env bash
# provision/source.sh DEST --package=SRCPKG [--version=VERSION] [--suite=SUITE]
#                     [--configure_flags=FLAG]... [--build_deps=PKG]...
#                     [--name=N] [--tags=T]... [--force]
#
# Builds CPython from a Debian SOURCE package with plain upstream steps:
#   1. build dependencies are installed into the system from its own apt
#      sources (the missing ones among --build_deps, or a default list);
#   2. a private deb-src list names SUITE (default unstable) on the system's
#      mirror host (or PYCONFORM_APT_SOURCE), and `apt-get source
#      --download-only SRCPKG=V` fetches the source, trying the suite's
#      versions newest first (a mirror may list a version whose files it does
#      not serve), or only the versions starting with --version;
#   3. only the upstream tarball (*.orig.tar.*) is unpacked: Debian's patches
#      are NOT applied;
#   4. ./configure --prefix=DEST/install FLAGS && make -j$(nproc) && make install
#      (out of tree, in DEST/build);
#   5. the installed interpreter is run once and DEST/build.json is written.
# Resumable: each finished step leaves a stamp; make itself is incremental.
# The source and build trees are deleted after success unless
# PYCONFORM_KEEP_BUILD=1.  Takes a few minutes: recipes of this kind are
# explicit_only.
KIND=source
USAGE_REST="--package=SRCPKG [--version=V] [--suite=SUITE] [--configure_flags=FLAG]... [--build_deps=PKG]..."
SCALAR_KEYS="package version suite"
LIST_KEYS="configure_flags build_deps"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args "$@"
[ -n "$OPT_package" ] || die "--package=SRCPKG is required"
SUITE=${OPT_suite:-unstable}
DEFAULT_BUILD_DEPS="build-essential pkg-config xz-utils libffi-dev zlib1g-dev libbz2-dev liblzma-dev
    libsqlite3-dev libreadline-dev libncurses-dev libgdbm-dev uuid-dev libssl-dev libexpat1-dev"
if [ ${#LIST_build_deps[@]} -eq 0 ]; then
    # shellcheck disable=SC2206
    LIST_build_deps=($DEFAULT_BUILD_DEPS)
fi

begin_build
PREFIX=$DEST/install
SRC=$DEST/src
BUILD=$DEST/build
APTDIR=$DEST/apt
RUN_ENV=()

find_exe() {
    # The installed interpreter: bin/pythonX.Y[t][d] (a real file, not -config).
    local f
    for f in "$PREFIX"/bin/python3.*; do
        [ -f "$f" ] && [ ! -L "$f" ] && [ -x "$f" ] || continue
        case $f in *-config) continue ;; esac
        printf '%s\n' "$f"
        return 0
    done
    return 1
}

if already_done && find_exe >/dev/null; then
    log "$NAME already provisioned ($DEST/build.json); nothing to do"
    exit 0
fi
clear_step complete

# ---- 1. build dependencies
if ! done_step build-deps; then
    system_apt_install "${LIST_build_deps[@]}"
    mark_step build-deps
fi
have make || die "make is required"
have cc || have gcc || die "a C compiler is required"

# ---- 2. fetch the source package
if ! done_step fetch; then
    setup_private_apt "$APTDIR"
    line=$(private_sources_line deb-src "$SUITE")
    printf '%s\n' "$line" >"$APTDIR/etc/sources.list"
    log "private source: deb-src, suite $SUITE"
    log "apt-get update (private lists)"
    private_apt_update
    versions=$(apt-cache "${APT_OPTS[@]}" showsrc "$OPT_package" 2>/dev/null \
        | awk '/^Version:/ { print $2 }' | sort -u -V -r)
    [ -n "$versions" ] || die "source package $OPT_package is not in suite $SUITE"
    if [ -n "$OPT_version" ]; then
        versions=$(printf '%s\n' "$versions" | awk -v p="$OPT_version" 'index($0, p) == 1')
        [ -n "$versions" ] || die "no version of $OPT_package starting with $OPT_version in suite $SUITE"
    fi
    rm -rf "$SRC"; mkdir -p "$SRC"
    got=""
    for v in $versions; do
        log "apt-get source --download-only $OPT_package=$v"
        if (cd "$SRC" && apt-get -q "${APT_OPTS[@]}" source --download-only "$OPT_package=$v" >&2); then
            got=$v; break
        fi
        log "version $v could not be fetched; trying the next one"
        find "$SRC" -mindepth 1 -delete
    done
    [ -n "$got" ] || die "no version of $OPT_package could be fetched (tried: $(echo $versions))"
    printf '%s\n' "$got" >"$STATE/source-version"
    rm -rf "$APTDIR"
    mark_step fetch
fi
SOURCE_VERSION=$(cat "$STATE/source-version")

# ---- 3. unpack the upstream tarball only
TREE=$SRC/tree
if ! done_step unpack; then
    orig=$(ls "$SRC"/*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n 1 || true)
    [ -n "$orig" ] || die "no *.orig.tar.* in $SRC"
    log "unpacking $(basename "$orig") (upstream sources, Debian patches not applied)"
    rm -rf "$TREE"; mkdir -p "$TREE"
    tar -xf "$orig" -C "$TREE" --strip-components=1 || die "cannot unpack $orig"
    [ -x "$TREE/configure" ] || die "$orig has no configure script at its top"
    mark_step unpack
fi

# ---- 4. configure, make, make install
JOBS=${PYCONFORM_JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$BUILD"
if ! done_step configure; then
    log "configure --prefix=$PREFIX ${LIST_configure_flags[*]+"${LIST_configure_flags[*]}"}"
    (cd "$BUILD" && "$TREE/configure" --prefix="$PREFIX" \
        ${LIST_configure_flags[@]+"${LIST_configure_flags[@]}"} >&2) || die "configure failed (see $BUILD/config.log)"
    mark_step configure
fi
if ! done_step make; then
    log "make -j$JOBS"
    make -C "$BUILD" -j"$JOBS" >&2 || die "make failed"
    mark_step make
fi
if ! done_step install; then
    log "make install"
    make -C "$BUILD" install >&2 || die "make install failed"
    mark_step install
fi

# ---- 5. verify and describe
EXE=$(find_exe) || die "no python3.* program in $PREFIX/bin after make install"
RUN_ARGV=("$EXE")
verify_python "${RUN_ARGV[@]}"
flags_json=$(json_list ${LIST_configure_flags[@]+"${LIST_configure_flags[@]}"})
DETAILS_JSON="{\"source_package\": $(json_str "$OPT_package"), \"source_version\": $(json_str "$SOURCE_VERSION"), \"suite\": $(json_str "$SUITE"), \"configure_flags\": $flags_json, \"prefix\": $(json_str "$PREFIX")}"
write_build_json

if [ "${PYCONFORM_KEEP_BUILD:-0}" != 1 ]; then
    rm -rf "$BUILD" "$SRC"
    log "removed the build tree and the sources (PYCONFORM_KEEP_BUILD=1 keeps them)"
fi
