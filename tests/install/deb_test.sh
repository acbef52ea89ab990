#!/usr/bin/env bash
# ctest install.deb: `cpack -G DEB` builds a Debian package that declares its
# dependencies and carries the binary and its data (README "Installing").
#   tests/install/deb_test.sh BUILD_DIR WORK_DIR INTERP
# Exits 77 (ctest SKIP) with the reason when cpack or dpkg-deb is missing.
#   * the control fields: Package, Version, Architecture, Maintainer, Description,
#     Depends (libjansson4, libxml2, python3), Recommends/Suggests for provisioning;
#   * every shared library the binary needs (readelf NEEDED) belongs to a package in
#     Depends (dpkg -S), so the declared list is complete;
#   * the contents (dpkg-deb -c): /usr/bin/pyconform and /usr/share/pyconform/{runners,
#     host,cases,expected,provision,docs}, the provisioning scripts executable, owned
#     by root;
#   * the package's tree, unpacked (dpkg-deb -x) anywhere, runs: plan finds the runner
#     in its own share folder, changes --check reads its corpus.
set -euo pipefail
build=$(cd "$1" && pwd) work=$2 interp=$3
fail() { echo "deb_test: FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg-deb; do
    command -v "$tool" >/dev/null ||
        { echo "SKIP: $tool is not installed (Debian: apt-get install cmake dpkg)"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
unset PYCONFORM_ROOT PYCONFORM_CACHE

echo "deb_test: cpack -G DEB --config $build/CPackConfig.cmake -B $work/pkg"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log"; fail "cpack failed"; }
debs=("$work"/pkg/*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "cpack made ${#debs[@]} packages: ${debs[*]}"
deb=${debs[0]}
echo "deb_test: $deb"
dpkg-deb -I "$deb"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = pyconform ] || fail "Package: $(field Package)"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] && [ "$(field Version)" = "$version" ] || fail "Version: $(field Version), project $version"
if command -v dpkg >/dev/null; then
    [ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
fi
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
# (grep reads a variable, not a pipe: under pipefail, grep -q leaving early would fail it)
grep -q 'Python scope semantics' <<<"$(field Description)" || fail "Description: $(field Description)"
depends=$(field Depends)
# the package names in Depends (alternatives included, versions dropped)
names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*)//; s/[[:space:]]//g' | grep -v '^$')
for p in libjansson4 libxml2 python3; do
    grep -qx "$p" <<<"$names" || fail "Depends does not declare $p: $depends"
done
grep -q patchelf <<<"$(field Recommends)" || fail "Recommends: $(field Recommends)"
grep -q nodejs <<<"$(field Suggests)" || fail "Suggests: $(field Suggests)"

dpkg-deb -c "$deb" >"$work/contents"
has() { grep -qE "$1" "$work/contents" || fail "the package does not carry $2"; }
has '^-rwxr-xr-x root/root .* \./usr/bin/pyconform$' /usr/bin/pyconform
for f in runners/runner.py runners/probe.py runners/observe.py runners/__dp__.py \
         runners/pyodide_host.mjs host/desugar.py host/ast_equal.py provision/recipes.json \
         docs/protocol.md docs/changes.md README.md cases/000_scope_locals.case \
         expected/000_scope_locals.json; do
    has "^-rw-r--r-- root/root .* \./usr/share/pyconform/$f\$" "/usr/share/pyconform/$f"
done
for f in lib apt-system deb-private source pyodide; do
    has "^-rwxr-xr-x root/root .* \./usr/share/pyconform/provision/$f\.sh\$" \
        "/usr/share/pyconform/provision/$f.sh (executable)"
done
! grep -qE '__pycache__|\.pyc$|\.gitignore$|/usr/local/' "$work/contents" ||
    fail "the package carries what it should not: $(grep -E '__pycache__|\.pyc$|\.gitignore$|/usr/local/' "$work/contents")"

dpkg-deb -x "$deb" "$work/root"
bin=$work/root/usr/bin/pyconform
if command -v readelf >/dev/null && command -v dpkg >/dev/null; then
    for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        owner=$(dpkg -S "*/$lib" 2>/dev/null | head -1 | cut -d: -f1) || true
        [ -n "$owner" ] || fail "$lib (needed by the binary) belongs to no installed package"
        grep -qx "$owner" <<<"$names" || fail "$lib comes from $owner, which Depends does not declare: $depends"
        echo "deb_test: $lib: $owner (declared)"
    done
else
    echo "deb_test: readelf or dpkg missing: the NEEDED libraries were not checked against Depends"
fi

mkdir -p "$work/cwd"
cd "$work/cwd"
seed=$work/root/usr/share/pyconform/cases/000_scope_locals.case
runner=$("$bin" plan --json --mode source --cache "$work/cache" --interp "$interp" "$seed" |
    python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[0])["argv"][-1])')
[ "$runner" = "$work/root/usr/share/pyconform/runners/runner.py" ] ||
    fail "the unpacked package runs $runner"
"$bin" changes --check || fail "changes --check from the unpacked package"
[ -z "$(ls -A "$work/cwd")" ] || fail "plan or changes wrote into the working directory: $(ls -A "$work/cwd")"
echo "deb_test: PASS"
