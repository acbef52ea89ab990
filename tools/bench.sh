#!/usr/bin/env bash
# Speed and memory benchmark (not a test; issue 10, "A speed benchmark"). In one run:
#   (a) the floor: per build, start-up + every block executed bare in one process
#       (tools/bench/bare.py), the builds packed onto -j cores, longest first;
#   (b) `pyconform run -q` on the same builds and cases, and its ratio to (a);
#   (c) one process per job (a fresh runner per job line of `pyconform plan --json`),
#       and its ratio to (b);
#   (d) peak RSS and report bytes of `pyconform run` on synthetic corpora of 2k, 8k,
#       32k and 100k one-function jobs on one build, and the RSS slope per job;
#   (e) the runner alone on the same job lines, forked per job and in process.
# The helpers are in tools/bench/ (host python3, standard library only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<'EOF'
usage: tools/bench.sh [--interp PATTERN]... [--tag TAG]... [--mode MODE] [-j N]
                      [--matrix] [--quick] [--sizes N,N,...] [--rss-interp NAME]
                      [--per-job-sample K] [--parts abcde] [CASE_FILES...]

Default: the 6 pyenv builds (--tag pyenv), source mode, cases/*.case, -j = cores,
corpora of 2000, 8000, 32000 and 100000 jobs on cpython-3.12.1.

  --interp, --tag   builds, as for `pyconform run` (repeatable)
  --mode MODE       source, desugared or both (default source; both with --matrix)
  -j N              builds at once in (a) and (b), processes at once in (c)
  --matrix          every runnable build (no --interp/--tag), both modes
  --quick           corpora of 2000 and 8000 jobs only
  --sizes LIST      corpus sizes for (d) (also $BENCH_SIZES); empty: no (d)
  --rss-interp NAME the build (d) runs on (default cpython-3.12.1)
  --per-job-sample K  (c) runs K jobs per build, evenly spaced, and extrapolates the
                    wall time to all jobs (for the matrix, where a Pyodide start-up
                    costs seconds per job)
  --parts LETTERS   which of a, b, c, d, e to run (default abcde)
  --baseline BIN    another pyconform binary (e.g. an older commit's build): (b) and (d)
                    run it too, in turn with this one, and (b) prints the ratio
  -h, --help        this help

Output: a table per part with seconds and ratios, and the command lines used.
EOF
}

args=()
sizes=${BENCH_SIZES:-2000,8000,32000,100000}
jobs=$(nproc)
while (($#)); do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --quick) sizes=2000,8000 ;;
    --matrix) args+=(--matrix) ;;
    --sizes) sizes=$2; shift ;;
    --sizes=*) sizes=${1#*=} ;;
    -j) jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    --interp|--tag|--mode|--rss-interp|--per-job-sample|--parts|--baseline) args+=("$1" "$2"); shift ;;
    --interp=*|--tag=*|--mode=*|--rss-interp=*|--per-job-sample=*|--parts=*|--baseline=*) args+=("$1") ;;
    -*) echo "tools/bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) args+=("$1") ;;
  esac
  shift
done

"$root/tools/setup.sh" "$root/build" >/dev/null 2>&1 || "$root/tools/setup.sh" "$root/build"
exec python3 "$root/tools/bench/bench.py" --pyconform "$root/build/pyconform" --root "$root" \
  -j "$jobs" --sizes "$sizes" "${args[@]}"
