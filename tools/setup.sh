#!/usr/bin/env bash
# Install what the build needs (Debian packages), then configure and build pyconform.
#   tools/setup.sh [BUILD_DIR [extra cmake args...]]
# Idempotent: installs nothing when everything is present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
shift || true

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists jansson 2>/dev/null || need+=(libjansson-dev)
pkg-config --exists criterion 2>/dev/null || need+=(libcriterion-dev)
# JUnit XML (pyconform junit, run --junit) is written with libxml2's xmlwriter; the
# ctest junit.schema validates it with xmllint
pkg-config --exists libxml-2.0 2>/dev/null || need+=(libxml2-dev)
command -v xmllint >/dev/null || need+=(libxml2-utils)
# the report's JSON Schema test (ctest report.schema) runs on the system's python3
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || need+=(python3-jsonschema)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml) # tests/shard/ci_recipes.py
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ctest html.browser: headless Chromium driven by puppeteer-core (tests/html). Optional:
# a failure here is a warning, and that test is then skipped with the reason.
browser=()
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || browser+=(chromium)
command -v node >/dev/null || browser+=(nodejs)
command -v npm >/dev/null || browser+=(npm)
if ((${#browser[@]})); then
  echo "setup: installing ${browser[*]} (for ctest html.browser)" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  { $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null; } ||
    echo "setup: warning: could not install ${browser[*]}: ctest html.browser will be skipped" >&2
fi
if command -v npm >/dev/null && [ ! -d "$root/tests/html/node_modules/puppeteer-core" ]; then
  echo "setup: npm ci in tests/html (puppeteer-core, for ctest html.browser)" >&2
  (cd "$root/tests/html" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
    echo "setup: warning: npm ci in tests/html failed: ctest html.browser will be skipped" >&2
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "setup: built $build/pyconform" >&2
