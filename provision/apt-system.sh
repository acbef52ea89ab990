#!/usr/bin/env bash
# provision/apt-system.sh DEST --packages=PKG... --executable=/ABS/PATH [--name=N] [--tags=T]... [--force]
#
# Installs Debian packages into the system with the system's own apt sources
# (apt-get install, as root), checks that the executable runs, and writes
# DEST/build.json with argv [EXECUTABLE].  Nothing but DEST/build.json and
# DEST/.pyconform/ is written under DEST.
KIND=apt-system
USAGE_REST="--packages=PKG... --executable=/ABS/PATH"
SCALAR_KEYS="executable"
LIST_KEYS="packages"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

parse_args "$@"
[ ${#LIST_packages[@]} -gt 0 ] || die "--packages=PKG is required"
[ -n "$OPT_executable" ] || die "--executable=/ABS/PATH is required"
case $OPT_executable in /*) ;; *) die "--executable must be an absolute path" ;; esac

begin_build
RUN_ARGV=("$OPT_executable")
RUN_ENV=()

all_installed() {
    local p
    for p in "${LIST_packages[@]}"; do pkg_installed "$p" || return 1; done
}

if already_done && all_installed && [ -x "$OPT_executable" ]; then
    log "$NAME already provisioned ($DEST/build.json); nothing to do"
    exit 0
fi
clear_step complete

system_apt_install "${LIST_packages[@]}"
[ -x "$OPT_executable" ] || die "$OPT_executable is missing after installing ${LIST_packages[*]}"

verify_python "${RUN_ARGV[@]}"

pkgs="{" sep=""
for p in "${LIST_packages[@]}"; do
    pkgs+="$sep$(json_str "$p"): $(json_str "$(dpkg-query -W -f='${Version}' "$p")")"; sep=", "
done
pkgs+="}"
DETAILS_JSON="{\"packages\": $pkgs}"
write_build_json
