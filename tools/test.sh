#!/usr/bin/env bash
# Every test: install what is missing, build, run all ctest suites (C unit tests,
# end-to-end runs on real interpreters, the Python runner tests on every interpreter),
# then the C suites again in an AddressSanitizer + UBSan build (a LeakSanitizer report
# fails them), then each libFuzzer target for a bounded time (tools/fuzz.sh test).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

"$root/tools/setup.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure -j"$jobs")

"$root/tools/setup.sh" "$root/build-asan" -DPYCONFORM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j"$jobs" -R '^c\.')

# The libFuzzer targets (tests/fuzz), each for a bounded time (PYCONFORM_FUZZ_SECONDS,
# default 20); skipped, with the reason, when no clang with libFuzzer can be installed.
fuzz_rc=0
"$root/tools/fuzz.sh" test || fuzz_rc=$?
if [ "$fuzz_rc" = 77 ]; then
  echo "test: fuzz targets skipped (reason above)" >&2
elif [ "$fuzz_rc" != 0 ]; then
  exit "$fuzz_rc"
fi
