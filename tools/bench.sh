#!/usr/bin/env bash
# Speed benchmark (not a test): `pyconform run -q` on the given cases (default: the
# seed) on every installed interpreter, with all cores and with one, each repeated N
# times; prints the medians and their ratio. Extra run options go in $BENCH_ARGS
# (e.g. BENCH_ARGS="--interp 'cpython-3.1*'").
#   tools/bench.sh [N=5] [CASE_FILES...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-5}
shift || true
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=("$root/cases/000_scope_locals.case")
"$root/tools/setup.sh" "$root/build" >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

time_runs() { # label, extra args...
  local label=$1; shift
  local t=()
  for _ in $(seq "$n"); do
    local s e
    s=$(date +%s.%N)
    eval "\"$root/build/pyconform\" run -q --reports \"$out\" ${BENCH_ARGS:-} \"\$@\" \"\${cases[@]}\"" >"$out/log" || true
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${t[@]}" | median
}

jobs=$(eval "\"$root/build/pyconform\" run -q --reports \"$out\" ${BENCH_ARGS:-} \"\${cases[@]}\"" | sed -n 's/.*; \([0-9]*\) jobs on \([0-9]*\) interpreters.*/\1 jobs on \2 interpreters/p')
all=$(time_runs all-cores)
one=$(time_runs one-core -j 1)
echo "benchmark: $jobs, median of $n runs (wall seconds, including probing)"
printf '  -j %s: %.3f\n' "$(nproc)" "$all"
printf '  -j 1: %.3f  (%.2fx the -j %s time)\n' "$one" "$(echo "$one / $all" | bc -l)" "$(nproc)"
