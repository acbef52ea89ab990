#!/usr/bin/env bash
# Speed benchmark (not a test): the seed case on every installed interpreter, batched
# (one runner process per interpreter) against one interpreter process per job
# (--jobs-per-runner 1), each repeated N times; prints medians and their ratio.
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
    "$root/build/pyconform" run -q --reports "$out" "$@" "${cases[@]}" >"$out/log" || true
    e=$(date +%s.%N)
    t+=("$(echo "$e - $s" | bc)")
  done
  printf '%s\n' "${t[@]}" | median
}

jobs=$("$root/build/pyconform" run -q --reports "$out" "${cases[@]}" | sed -n 's/.*; \([0-9]*\) jobs on \([0-9]*\) interpreters.*/\1 jobs on \2 interpreters/p')
batched=$(time_runs batched)
batched1=$(time_runs batched-j1 -j 1)
perjob=$(time_runs per-job --jobs-per-runner 1)
perjob1=$(time_runs per-job-j1 --jobs-per-runner 1 -j 1)
echo "seed benchmark: $jobs, median of $n runs (wall seconds, including probing)"
printf '  batched, -j %s:            %.3f\n' "$(nproc)" "$batched"
printf '  one process per job, -j %s: %.3f  (%.2fx the batched time)\n' "$(nproc)" "$perjob" "$(echo "$perjob / $batched" | bc -l)"
printf '  batched, -j 1:             %.3f\n' "$batched1"
printf '  one process per job, -j 1: %.3f  (%.2fx)\n' "$perjob1" "$(echo "$perjob1 / $batched1" | bc -l)"
