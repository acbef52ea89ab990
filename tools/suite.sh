#!/usr/bin/env bash
# The main job: install what is missing, build, and run every case (cases/*.case) on
# every installed interpreter, source and desugared. CPython's own scope test modules
# (suites/*.suite; README "Upstream suites") are the second command, tools/upstream.sh:
# with them the main job takes over 90 s on a 2-core machine. Extra arguments go to
# `pyconform run`; given case or suite files replace the default ones.
# Our desugarer's host is the newest plain CPython the registry can run, unless --python
# or $PYCONFORM_PYTHON says otherwise (tools/host-python.sh).
# Exit status: pyconform's (0 all as expected, 1 unexpected verdicts, 2 errors).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh" "$root/build"
files=("$root"/cases/*.case)
for a in "$@"; do
  case $a in *.case|*.suite) files=() ;; esac  # the caller named its own
done
# shellcheck source=tools/host-python.sh
. "$root/tools/host-python.sh"
exec "$root/build/pyconform" run "${host[@]}" "$@" "${files[@]}"
