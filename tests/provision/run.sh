#!/usr/bin/env bash
# tests/provision/run.sh - run every provisioning test (tests/provision/test_*.py).
# No network: fake local Debian repositories stand in for the mirror, and the
# Pyodide tests use packages already installed (skipped when there are none).
# usage: tests/provision/run.sh [TEST_NAME...]     e.g. run.sh test_lib test_source
# Prints "N passed, N failed" over the test scripts; exit status 1 if any failed.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=""
for cand in python3 /usr/bin/python3 python3.13 python3.12 python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 6))' 2>/dev/null; then
        py=$cand; break
    fi
done
[ -n "$py" ] || { echo "run.sh: no python3 (>= 3.6) found" >&2; exit 1; }

if [ $# -gt 0 ]; then
    tests=()
    for t in "$@"; do tests+=("$here/${t%.py}.py"); done
else
    tests=("$here"/test_*.py)
fi
passed=0 failed=0
for t in "${tests[@]}"; do
    name=$(basename "$t" .py)
    echo "== $name"
    start=$(date +%s)
    if "$py" "$t"; then
        passed=$((passed + 1)); echo "== $name: PASSED ($(( $(date +%s) - start )) s)"
    else
        failed=$((failed + 1)); echo "== $name: FAILED ($(( $(date +%s) - start )) s)"
    fi
done
echo "provision tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
