#!/usr/bin/env bash
# The fault table (not a test; tests/test_faults.c asserts the behaviour): every block of
# tests/faults/*.case run alone on one build, source mode, against tests/faults/expected
# (blessed with --max-output 16384, which this uses too),
# with its verdicts per function, the wall time of the run (/usr/bin/time -v) and
# pyconform's own peak RSS (the report's run.peak_rss; /usr/bin/time's figure would
# include the runner processes it reaps).
#   tools/fault-table.sh [INTERP=cpython-3.12.1] [TIMEOUT=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
interp=${1:-cpython-3.12.1}
timeout=${2:-3}
"$root/tools/setup.sh" "$root/build" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '| block | verdicts (function: verdict) | wall s | peak RSS MB |\n|---|---|---|---|\n'
for f in "$root"/tests/faults/*.case; do
  base=$(basename "$f")
  # one folder per block, the file keeping its name (expected/ is found by it)
  awk -v dir="$work" -v base="$base" '/^\$ /{n++; d = dir "/b" sprintf("%03d", n); system("mkdir -p " d)}
    n{print > (d "/" base)}' "$f"
  for b in "$work"/b*/"$base"; do
    name=$(head -1 "$b" | cut -c3-)
    /usr/bin/time -v -o "$work/time" "$root/build/pyconform" run -q --interp "$interp" --mode source \
      --timeout "$timeout" --max-output 16384 --expected "$root/tests/faults/expected" --reports "$work/rep" "$b" \
      >/dev/null 2>&1 || true
    verdicts=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(", ".join("%s: %s" % (r["function"], r["verdict"]) for r in d["results"] if r["function"] != "<module>"))
' "$work/rep/latest.json")
    rss=$(python3 -c 'import json, sys; print("%.1f" % (json.load(open(sys.argv[1]))["run"]["peak_rss"] / 2**20))' \
      "$work/rep/latest.json")
    wall=$(awk -F': ' '/Elapsed/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$work/time")
    printf '| %s | %s | %s | %s |\n' "$name" "$verdicts" "$wall" "$rss"
    rm -rf "$(dirname "$b")"
  done
done
