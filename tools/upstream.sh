#!/usr/bin/env bash
# CPython's own regression modules for scope semantics alone
# (suites/cpython-scope.suite) on every installed build that ships them, source and
# translated, one result per test id (README "Upstream suites"). tools/suite.sh, the main
# job, runs them too, with the cases.
# Our desugarer reads each build's module with the host Python's parser, which must
# know the newest build's syntax (3.12's test_funcattrs has PEP 695 type parameters):
# the newest pyenv CPython is used unless --python or $PYCONFORM_PYTHON says otherwise.
# Extra arguments go to `pyconform run` (e.g. --interp 'cpython-3.1*').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh" "$root/build"
# shellcheck source=tools/host-python.sh
. "$root/tools/host-python.sh"
exec "$root/build/pyconform" run "${host[@]}" "$@" "$root/suites/cpython-scope.suite"
