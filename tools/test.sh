#!/usr/bin/env bash
# Every test: install what is missing, build, run all ctest suites (C unit tests,
# end-to-end runs on real interpreters, the Python runner tests on every interpreter),
# then the C suites again in an AddressSanitizer + UBSan build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

"$root/tools/setup.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure -j"$jobs")

"$root/tools/setup.sh" "$root/build-asan" -DPYCONFORM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j"$jobs" -R '^c\.')
