#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz): install clang when missing, configure and build
# build-fuzz (CC=clang -DPYCONFORM_FUZZ=ON), then:
#   tools/fuzz.sh build                      only build
#   tools/fuzz.sh test                       ctest -L fuzz: each target for
#                                            $PYCONFORM_FUZZ_SECONDS (default 20) seconds
#   tools/fuzz.sh run TARGET [ARGS...]       fuzz TARGET until stopped (or ARGS such as
#                                            -max_total_time=600 -runs=N say otherwise)
#   tools/fuzz.sh list                       the targets
# Inputs found are kept in build-fuzz/tests/fuzz/corpus/TARGET, crashes go to
# build-fuzz/tests/fuzz/fuzz-artifacts/TARGET/. Exit status 77 (with the reason on
# stderr) when no working clang with libFuzzer can be had: callers treat it as a skip.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PYCONFORM_FUZZ_BUILD:-"$root/build-fuzz"}
cmd=${1:-build}
shift || true

# A clang that links a libFuzzer target with ASan and UBSan.
probe() {
  local tmp rc=0
  command -v clang >/dev/null || return 1
  tmp=$(mktemp -d)
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
    >"$tmp/probe.c"
  clang -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" >"$tmp/log" 2>&1 || rc=1
  [ $rc = 0 ] || sed 's/^/fuzz: clang: /' "$tmp/log" | head -5 >&2
  rm -rf "$tmp"
  return $rc
}

if ! probe; then
  # clang, and the compiler-rt archives that hold libFuzzer and the sanitizers
  need=(clang libclang-rt-dev)
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
    echo "fuzz: skipped: clang with libFuzzer is missing and there is no root or sudo to install ${need[*]}" >&2
    exit 77
  fi
  echo "fuzz: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
    echo "fuzz: skipped: could not install ${need[*]} with apt-get" >&2
    exit 77
  fi
  if ! probe; then
    echo "fuzz: skipped: clang is installed but cannot link -fsanitize=fuzzer,address,undefined" >&2
    exit 77
  fi
fi

# The build needs what tools/setup.sh installs (jansson, cmake, pkg-config); the Criterion
# suites are not part of it.
if ! command -v cmake >/dev/null || ! pkg-config --exists jansson 2>/dev/null; then
  "$root/tools/setup.sh" "$root/build" >/dev/null
fi
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPYCONFORM_TESTS=OFF \
  -DPYCONFORM_FUZZ=ON -DPYCONFORM_FUZZ_SECONDS="${PYCONFORM_FUZZ_SECONDS:-20}" >/dev/null
cmake --build "$build" --target fuzz -j"$(nproc)"
targets=$(cd "$root/tests/fuzz" && for f in fuzz_*.c; do f=${f#fuzz_}; echo "${f%.c}"; done)

case "$cmd" in
  build) ;;
  list) echo "$targets" ;;
  test)
    (cd "$build" && ctest --output-on-failure -L fuzz) ;;
  run)
    t=${1:?usage: tools/fuzz.sh run TARGET [libFuzzer args...]}
    shift
    echo "$targets" | grep -qx "$t" || { echo "fuzz: no target '$t' (have: $(echo "$targets" | tr '\n' ' '))" >&2; exit 2; }
    found="$build/tests/fuzz/corpus/$t"
    mkdir -p "$found" "$build/tests/fuzz/fuzz-artifacts/$t"
    dirs=("$found" "$root/tests/fuzz/corpus/$t")
    [ -d "$root/tests/fuzz/regressions/$t" ] && dirs+=("$root/tests/fuzz/regressions/$t")
    exec "$build/tests/fuzz/fuzz_$t" -dict="$root/tests/fuzz/$t.dict" -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$build/tests/fuzz/fuzz-artifacts/$t/" "$@" "${dirs[@]}" ;;
  *) echo "usage: tools/fuzz.sh [build|test|list|run TARGET [libFuzzer args...]]" >&2; exit 2 ;;
esac
