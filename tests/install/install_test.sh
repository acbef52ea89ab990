#!/usr/bin/env bash
# ctest install.prefix: pyconform used from outside its source tree, as a desugarer
# project's CI uses it (README "Installing").
#   tests/install/install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR INTERP...
# `cmake --install BUILD_DIR --prefix P` into a temporary prefix, then from another
# working directory, with $PYCONFORM_ROOT unset:
#   * the layout: P/bin/pyconform, P/share/pyconform/{runners,host,cases,expected,
#     provision,docs}, the provisioning scripts executable, no __pycache__;
#   * `run` on the seed as installed (P/share/pyconform/cases/000_scope_locals.case) on
#     the INTERP builds (real interpreters, both modes): exit 0, 0 unexpected, the
#     report in the working directory's reports/; again with --reports DIR (reports/
#     untouched); the installed runner is the one used (plan --json);
#   * desugar, check-desugar, changes --check and provision --list from the install;
#   * the order of the roots: --root over $PYCONFORM_ROOT over the install; a moved
#     install still finds its data; a lone binary (no share folder) falls back to the
#     source tree;
#   * nothing was written under the prefix or the source tree.
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) work=$3
shift 3
(($# > 0)) || { echo "usage: $0 BUILD_DIR SOURCE_DIR WORK_DIR INTERP..." >&2; exit 2; }
interps=("$@")
step() { echo "install_test: [${SECONDS}s] $*"; }
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
prefix=$work/prefix cwd=$work/cwd cache=$work/cache
mkdir -p "$cwd"
unset PYCONFORM_ROOT PYCONFORM_CACHE PYCONFORM_PYTHON PYCONFORM_FILTER

# Files (path, size, mtime, mode) under a folder; for the source tree (second argument
# "src") without the build folders, .git, __pycache__ and node_modules, which the
# other tests write, and without the folders' own mtimes.
snap() {
    local dir=$1 kind=${2:-all}
    if [ "$kind" = src ]; then
        local prune=(-path ./.git -o -path './build*' -o -name __pycache__ -o -name node_modules)
        case $build/ in "$src"/*) prune+=(-o -path "./${build#"$src"/}") ;; esac
        case $work/ in "$src"/*) prune+=(-o -path "./${work#"$src"/}") ;; esac
        (cd "$dir" && find . \( "${prune[@]}" \) -prune -o -type f -printf '%p %s %T@ %m\n' |
            LC_ALL=C sort)
    else
        (cd "$dir" && find . -printf '%p %y %s %T@ %m\n' | LC_ALL=C sort)
    fi
}
# The value at a path (Python expression on `r`) in a report
# (further arguments: sys.argv[3:])
report() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install failed"; }
bin=$prefix/bin/pyconform share=$prefix/share/pyconform
[ -x "$bin" ] || fail "$bin is not installed"
for f in runners/runner.py runners/probe.py runners/observe.py runners/__dp__.py \
         runners/pyodide_host.mjs host/desugar.py host/ast_equal.py provision/recipes.json \
         provision/lib.sh provision/README.md docs/protocol.md docs/changes.md \
         docs/report-schema.json README.md cases/000_scope_locals.case expected/000_scope_locals.json; do
    [ -f "$share/$f" ] || fail "$share/$f is not installed"
done
for f in "$src"/provision/*.sh; do
    [ -x "$share/provision/${f##*/}" ] || fail "$share/provision/${f##*/} is not executable"
done
for d in cases expected; do
    a=$(cd "$src/$d" && ls | grep -E '\.(case|json)$' | LC_ALL=C sort) b=$(cd "$share/$d" && ls | LC_ALL=C sort)
    [ "$a" = "$b" ] || fail "$share/$d differs from $src/$d: $(diff <(echo "$a") <(echo "$b") || true)"
done
[ -z "$(find "$prefix" -name __pycache__ -o -name '*.pyc' -o -name .gitignore)" ] ||
    fail "the install carries files it should not: $(find "$prefix" -name __pycache__ -o -name '*.pyc' -o -name .gitignore)"
sharereal=$(realpath "$share")

prefix_before=$(snap "$prefix")
src_before=$(snap "$src" src)
seed=$share/cases/000_scope_locals.case
sel=()
for i in "${interps[@]}"; do sel+=(--interp "$i"); done

step "the installed runner is the one used (plan --json)"
cd "$cwd"
runner=$("$bin" plan --json --mode source --cache "$cache" "${sel[@]}" "$seed" |
    python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[0])["argv"][-1])')
[ "$runner" = "$sharereal/runners/runner.py" ] || fail "plan runs $runner, not $sharereal/runners/runner.py"

step "run the installed seed from $cwd on ${interps[*]} (reports to ./reports)"
rc=0
"$bin" run -q --cache "$cache" "${sel[@]}" "$seed" >"$work/run1.out" 2>&1 || rc=$?
cat "$work/run1.out"
[ "$rc" = 0 ] || fail "run exited $rc"
latest=$cwd/reports/latest.json
[ -f "$latest" ] || fail "no report in $cwd/reports: $(ls -A "$cwd")"
check_report() {
    local r=$1 n
    [ "$(report "$r" 'r["summary"]["unexpected"]')" = 0 ] || fail "$r: unexpected results"
    n=$(report "$r" 'r["summary"]["results"]')
    [ "$n" -gt 0 ] || fail "$r: no results"
    [ "$(report "$r" 'r["summary"]["jobs_planned"] == r["summary"]["jobs_reported"] == 2 * '"${#interps[@]}")" = True ] ||
        fail "$r: not every job (2 modes x ${#interps[@]} builds) reported"
    [ "$(report "$r" 'sorted(i["name"] for i in r["interpreters"] if i["selected"]) == sorted(sys.argv[3:])' "${interps[@]}")" = True ] ||
        fail "$r: the selected builds are not ${interps[*]}"
    [ "$(report "$r" 'r["run"]["command"][0]')" = "$bin" ] || fail "$r: not a run of $bin"
    [ "$(report "$r" 'sum(v for k, v in r["summary"]["verdicts"].items() if k not in ("PASS", "XFAIL"))')" = 0 ] ||
        fail "$r: verdicts other than PASS and XFAIL"
    echo "install_test: $r: $n results, 0 unexpected"
}
check_report "$latest"

step "again with --reports $work/elsewhere"
cwd_reports_before=$(snap "$cwd/reports")
rc=0
"$bin" run -q --cache "$cache" --reports "$work/elsewhere" "${sel[@]}" "$seed" >"$work/run2.out" 2>&1 || rc=$?
cat "$work/run2.out"
[ "$rc" = 0 ] || fail "run --reports exited $rc"
check_report "$work/elsewhere/latest.json"
[ "$(snap "$cwd/reports")" = "$cwd_reports_before" ] || fail "run --reports wrote into $cwd/reports"

step "desugar, check-desugar, changes --check, provision --list from the install"
out=$(printf 'def f():\n    x = 1\n    return locals()\n' | "$bin" desugar -)
grep -q '__dp__.update_fn(_dp_fn_f' <<<"$out" || fail "desugar: unexpected output: $out"
"$bin" check-desugar "$seed" >"$work/check-desugar.out" || { cat "$work/check-desugar.out"; fail "check-desugar failed"; }
grep -q ' 0 different' "$work/check-desugar.out" || fail "check-desugar: $(cat "$work/check-desugar.out")"
"$bin" changes --check >"$work/changes.out" || { cat "$work/changes.out"; fail "changes --check failed"; }
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["name"])' "$share/provision/recipes.json")
list=$("$bin" provision --list --cache "$cache") || fail "provision --list failed"
grep -q "^$first " <<<"$list" || fail "provision --list does not list $first: $list"

step "roots: --root over \$PYCONFORM_ROOT over the install"
# The runner script `BIN plan [OPTIONS]` would run
runner_of() {
    local b=$1
    shift
    "$b" plan --json --mode source --cache "$cache" "${sel[@]}" "$@" "$seed" |
        python3 -c 'import json,sys; print(json.loads(sys.stdin.read().splitlines()[0])["argv"][-1])'
}
[ "$(PYCONFORM_ROOT=$src runner_of "$bin")" = "$src/runners/runner.py" ] ||
    fail "\$PYCONFORM_ROOT does not override the install"
[ "$(PYCONFORM_ROOT=/nonexistent runner_of "$bin" --root "$share")" = "$share/runners/runner.py" ] ||
    fail "--root does not override \$PYCONFORM_ROOT"
rc=0
err=$(PYCONFORM_ROOT=/nonexistent "$bin" plan "$seed" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] && grep -q '/nonexistent/runners: runners not found' <<<"$err" ||
    fail "a bad \$PYCONFORM_ROOT: exit $rc, $err"

step "nothing written under the prefix"
[ "$(snap "$prefix")" = "$prefix_before" ] ||
    fail "written under $prefix: $(diff <(echo "$prefix_before") <(snap "$prefix") || true)"

step "a moved install finds its data; a lone binary falls back to the source tree"
mv "$prefix" "$work/moved"
seed=$work/moved/share/pyconform/cases/000_scope_locals.case
[ "$(runner_of "$work/moved/bin/pyconform")" = "$work/moved/share/pyconform/runners/runner.py" ] ||
    fail "a moved install does not find its data"
mkdir -p "$work/lone/bin"
cp "$work/moved/bin/pyconform" "$work/lone/bin/"
[ "$(runner_of "$work/lone/bin/pyconform")" = "$src/runners/runner.py" ] ||
    fail "a binary without a share folder does not fall back to the source tree"

step "nothing written under the source tree"
[ "$(snap "$src" src)" = "$src_before" ] ||
    fail "written under $src: $(diff <(echo "$src_before") <(snap "$src" src) || true)"

step "PASS"
