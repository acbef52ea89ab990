#!/usr/bin/env bash
# provision/deb-versions.sh LISTS SUITE...
#
# Lists the CPython packages (python3.X) that each Debian SUITE offers, with
# their exact versions, one "SUITE<TAB>PACKAGE<TAB>VERSION" line each on
# stdout: the points `pyconform bisect --points debian` bisects over (each
# one is then provisioned, when needed, by deb-private.sh with
# --packages=PACKAGE=VERSION).
#
# For each SUITE, as deb-private.sh does and without touching the system's
# apt state: a private sources list (the system's own mirror host, or
# PYCONFORM_APT_SOURCE, "{suite}" in it standing for SUITE) and a private
# `apt-get update` into LISTS/SUITE/, kept between runs (apt fetches only what
# changed); then `apt-cache pkgnames` and `apt-cache madison` on those lists.
# A suite whose index cannot be fetched is left out with a note on stderr
# (its apt-get output is in LISTS/SUITE/update.log); suites that resolve to
# the same source line (PYCONFORM_APT_SOURCE without {suite}) are read once.
# Exit 1 when no suite at all could be read.
KIND=deb-versions
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in --help|-h) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
[ $# -ge 2 ] || die "usage: $0 LISTS SUITE..."
LISTS=$1; shift
PATTERN='^python3\.[0-9]+$'
have apt-get || die "apt-get is required"
mkdir -p "$LISTS" || die "cannot create $LISTS"

reached=()
declare -A listed_as=()
for suite in "$@"; do
    case $suite in
        "" | *[!A-Za-z0-9._-]*) die "bad suite name '$suite'" ;;
    esac
    line=$(private_sources_line deb "$suite")
    if [ -n "${listed_as[$line]:-}" ]; then
        log "suite $suite: the same source as ${listed_as[$line]} ($line); read once"
        continue
    fi
    listed_as[$line]=$suite
    dir=$LISTS/$suite
    setup_private_apt "$dir"
    printf '%s\n' "$line" >"$dir/etc/sources.list"
    if ! (private_apt_update) >"$dir/update.log" 2>&1; then
        why=$(grep -E '^(E|W):' "$dir/update.log" | head -n 1)
        log "suite $suite: left out, its index cannot be read (${why:-see $dir/update.log})"
        continue
    fi
    pkgs=$(apt-cache "${APT_OPTS[@]}" pkgnames python3. | grep -E "$PATTERN" | LC_ALL=C sort -u) || true
    count=0
    for pkg in $pkgs; do
        # " python3.13 | 3.13.5-2 | http://deb.debian.org/debian stable/main amd64 Packages"
        while IFS='|' read -r name ver _; do
            name=${name// /}; ver=${ver// /}
            [ "$name" = "$pkg" ] && [ -n "$ver" ] || continue
            printf '%s\t%s\t%s\n' "$suite" "$pkg" "$ver"
            count=$((count + 1))
        done < <(apt-cache "${APT_OPTS[@]}" madison "$pkg")
    done
    log "suite $suite: $count python3.X package versions"
    reached+=("$suite")
done
[ ${#reached[@]} -gt 0 ] || die "none of the suites $* could be read (source: $(private_sources_line deb "$1"))"
