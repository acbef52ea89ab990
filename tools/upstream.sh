#!/usr/bin/env bash
# The second job: CPython's own regression modules for scope semantics
# (suites/cpython-scope.suite) on every installed build that ships them, source and
# translated, one result per test id (README "Upstream suites"). Not part of
# tools/suite.sh: it takes about a minute on the 6 pyenv builds alone.
# Our desugarer reads each build's module with the host Python's parser, which must
# know the newest build's syntax (3.12's test_funcattrs has PEP 695 type parameters):
# the newest pyenv CPython is used unless --python or $PYCONFORM_PYTHON says otherwise.
# Extra arguments go to `pyconform run` (e.g. --interp 'cpython-3.1*').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh" "$root/build"
host=()
if [ -z "${PYCONFORM_PYTHON:-}" ]; then
  newest=$(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.*/bin/python3 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$newest" ] && host=(--python "$newest")
fi
exec "$root/build/pyconform" run "${host[@]}" "$@" "$root/suites/cpython-scope.suite"
