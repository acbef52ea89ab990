#!/usr/bin/env bash
# The main job: install what is missing, build, and run every case on every installed
# interpreter (source and desugared). Extra arguments go to `pyconform run`.
# Exit status: pyconform's (0 all as expected, 1 unexpected verdicts, 2 errors).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh" "$root/build"
exec "$root/build/pyconform" run "$@"
