#!/usr/bin/env bash
# provision/deb-private.sh DEST --packages=PKG... --executable=REL/PATH [--suite=SUITE]
#                          [--name=N] [--tags=T]... [--force]
#
# Unpacks Debian binary packages of another suite (default: unstable) and
# their whole dependency closure PRIVATELY under DEST/root, without touching
# the system's apt sources, lists, caches or dpkg database:
#
#   1. a private sources list names SUITE on the system's own mirror host
#      (read from /etc/apt/sources.list*), or PYCONFORM_APT_SOURCE when set,
#      e.g. PYCONFORM_APT_SOURCE="deb [trusted=yes] file:/tmp/repo ./";
#   2. apt-get update with private Dir::* options; the dependency closure is
#      resolved by a simulated install on an empty private dpkg status, and
#      apt-get download fetches exactly those NAME=VERSION archives;
#   3. dpkg-deb -x of every resolved package into DEST/root;
#   4. every ELF program in DEST/root/usr/bin is pointed at the private
#      dynamic loader and libraries (patchelf --set-interpreter --force-rpath
#      --set-rpath), since the suite's programs need its newer glibc;
#   5. EXECUTABLE (relative to DEST/root, e.g. usr/bin/python3.14) is run once,
#      then DEST/build.json is written with argv [DEST/root/EXECUTABLE].
#
# Idempotent and resumable: each finished step leaves a stamp in
# DEST/.pyconform/stamps (the closure is in DEST/.pyconform/closure).  The
# downloaded .deb files (DEST/apt/debs) and index lists are
# deleted after success unless PYCONFORM_KEEP_DOWNLOADS=1.
KIND=deb-private
USAGE_REST="--packages=PKG... --executable=REL/PATH [--suite=SUITE]"
SCALAR_KEYS="executable suite"
LIST_KEYS="packages"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args "$@"
[ ${#LIST_packages[@]} -gt 0 ] || die "--packages=PKG is required"
[ -n "$OPT_executable" ] || die "--executable=REL/PATH is required"
SUITE=${OPT_suite:-unstable}
EXE_REL=${OPT_executable#/}

begin_build
ROOT=$DEST/root
APTDIR=$DEST/apt
RUN_ARGV=("$ROOT/$EXE_REL")
RUN_ENV=()

if already_done && [ -x "$ROOT/$EXE_REL" ]; then
    log "$NAME already provisioned ($DEST/build.json); nothing to do"
    exit 0
fi
clear_step complete

# ---- tools
have apt-get || die "apt-get is required"
have dpkg-deb || die "dpkg-deb is required"

# ---- 1. private sources
setup_private_apt "$APTDIR"
line=$(private_sources_line deb "$SUITE")
if [ ! -f "$APTDIR/etc/sources.list" ] || [ "$(cat "$APTDIR/etc/sources.list")" != "$line" ]; then
    printf '%s\n' "$line" >"$APTDIR/etc/sources.list"
    clear_step update
fi
log "private source: suite $SUITE ($(printf '%s' "$line" | awk '{print $1}') entry in $APTDIR/etc/sources.list)"

# ---- 2. resolve and download
if ! done_step update; then
    log "apt-get update (private lists)"
    private_apt_update
    mark_step update
fi

resolve() {
    # Prints "NAME VERSION ARCH" for every package of the closure: the "Inst
    # NAME (VERSION SUITE [ARCH])" lines of a simulated install on the empty
    # private dpkg status.
    local out
    out=$(apt-get -q -y -s "${APT_OPTS[@]}" install "${LIST_packages[@]}") || return 1
    printf '%s\n' "$out" | awk '$1 == "Inst" {
        ver = $3; sub(/^\(/, "", ver); arch = ""
        for (i = 4; i <= NF; i++) if ($i ~ /^\[[^]]+\]\)?$/) { arch = $i; gsub(/[][()]/, "", arch); break }
        print $2, ver, arch
    }'
}

fetch() {
    # apt-get download NAME=VERSION... into $DEBS: verified against the
    # index's hashes; files already there are kept.
    local specs=() name ver arch
    while read -r name ver arch; do specs+=("$name=$ver"); done <"$STATE/closure"
    (cd "$DEBS" && apt-get -q "${APT_OPTS[@]}" download "${specs[@]}" >&2)
}

DEBS=$APTDIR/debs
mkdir -p "$DEBS"
if ! done_step download; then
    log "resolving the dependency closure of ${LIST_packages[*]}"
    if ! closure=$(resolve) || [ -z "$closure" ]; then
        log "resolution failed; refreshing the private lists once"
        private_apt_update
        closure=$(resolve) || die "cannot resolve ${LIST_packages[*]} in suite $SUITE"
    fi
    [ -n "$closure" ] || die "apt resolved nothing for ${LIST_packages[*]}"
    printf '%s\n' "$closure" >"$STATE/closure"
    log "$(wc -l <"$STATE/closure") packages to fetch: $(awk '{ printf "%s ", $1 }' "$STATE/closure")"
    if ! fetch; then
        log "download failed; refreshing the private lists once and retrying"
        private_apt_update
        closure=$(resolve) || die "cannot resolve ${LIST_packages[*]}"
        printf '%s\n' "$closure" >"$STATE/closure"
        fetch || die "download of ${LIST_packages[*]} and its dependencies failed"
    fi
    # The archive names apt gives them: NAME_VERSION_ARCH.deb, ':' as %3a.
    awk '{ v = $2; gsub(/:/, "%3a", v); print $1 "_" v "_" $3 ".deb" }' "$STATE/closure" >"$STATE/debs"
    while read -r f; do
        [ -f "$DEBS/$f" ] || die "apt reported success but $f is missing"
    done <"$STATE/debs"
    mark_step download
fi

# ---- 3. unpack
mkdir -p "$ROOT" "$STATE/unpacked"
while read -r f; do
    [ -f "$STATE/unpacked/$f" ] && continue
    dpkg-deb -x "$DEBS/$f" "$ROOT" || die "dpkg-deb -x $f failed"
    : >"$STATE/unpacked/$f"
done <"$STATE/debs"
log "unpacked $(wc -l <"$STATE/debs") packages into $ROOT"

# ---- 4. patch ELF programs
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' \n')" = '177ELF' ]; }

LOADER=""
for cand in "$ROOT"/usr/lib/*-linux-gnu*/ld-linux*.so.* "$ROOT"/lib/*-linux-gnu*/ld-linux*.so.* \
            "$ROOT"/usr/lib64/ld-linux*.so.* "$ROOT"/lib64/ld-linux*.so.*; do
    if [ -e "$cand" ]; then LOADER=$(readlink -f "$cand"); break; fi
done
if [ -n "$LOADER" ]; then
    case $LOADER in "$ROOT"/*) ;; *) die "the private loader resolves outside $ROOT: $LOADER" ;; esac
    rpath=""
    for d in "$(dirname "$LOADER")" "$ROOT"/usr/lib/*-linux-gnu* "$ROOT"/lib/*-linux-gnu* "$ROOT/usr/lib" "$ROOT/lib"; do
        [ -d "$d" ] || continue
        d=$(cd "$d" && pwd -P)
        case ":$rpath:" in *":$d:"*) continue ;; esac
        rpath=${rpath:+$rpath:}$d
    done
    programs=()
    for f in "$ROOT"/usr/bin/* "$ROOT"/bin/*; do
        [ -f "$f" ] && [ ! -L "$f" ] && is_elf "$f" && programs+=("$f")
    done
    if [ ${#programs[@]} -gt 0 ] && ! have patchelf; then
        system_apt_install patchelf
        have patchelf || die "patchelf is required (apt-get install patchelf)"
    fi
    n=0
    for f in ${programs[@]+"${programs[@]}"}; do
        interp=$(patchelf --print-interpreter "$f" 2>/dev/null) || continue
        if [ "$interp" = "$LOADER" ] && [ "$(patchelf --print-rpath "$f")" = "$rpath" ]; then
            continue
        fi
        patchelf --set-interpreter "$LOADER" --force-rpath --set-rpath "$rpath" "$f" \
            || die "patchelf failed on $f"
        n=$((n + 1))
    done
    log "patched $n programs: interpreter $LOADER, rpath $rpath"
else
    log "no dynamic loader among the unpacked packages: programs are left as they are"
fi

# ---- 5. verify and describe
[ -e "$ROOT/$EXE_REL" ] || die "$EXE_REL is not among the unpacked files"
[ -x "$ROOT/$EXE_REL" ] || die "$ROOT/$EXE_REL is not executable"
verify_python "${RUN_ARGV[@]}"

pkgs="{" sep=""
while read -r p v arch; do
    pkgs+="$sep$(json_str "$p"): $(json_str "$v")"; sep=", "
done <"$STATE/closure"
pkgs+="}"
DETAILS_JSON="{\"suite\": $(json_str "$SUITE"), \"root\": $(json_str "$ROOT"), \"loader\": $(json_str "$LOADER"), \"packages\": $pkgs}"
write_build_json

if [ "${PYCONFORM_KEEP_DOWNLOADS:-0}" != 1 ]; then
    rm -rf "$APTDIR/cache" "$APTDIR/lists" "$DEBS"
    clear_step update
    log "removed the downloaded archives and lists (PYCONFORM_KEEP_DOWNLOADS=1 keeps them)"
fi
