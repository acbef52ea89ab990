#!/usr/bin/env bash
# The second command beside the main job (tools/suite.sh): CPython's own regression
# modules for scope semantics (suites/cpython-scope.suite) on every installed build that
# ships them, source and translated, one result per test id (README "Upstream suites").
# Our desugarer reads each build's module with the host Python's parser, which must
# know the newest build's syntax: the newest plain CPython of the registry is used unless
# --python or $PYCONFORM_PYTHON says otherwise (tools/host-python.sh).
# Extra arguments go to `pyconform run` (e.g. --interp 'cpython-3.1*').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh" "$root/build"
# shellcheck source=tools/host-python.sh
. "$root/tools/host-python.sh"
exec "$root/build/pyconform" run "${host[@]}" "$@" "$root/suites/cpython-scope.suite"
