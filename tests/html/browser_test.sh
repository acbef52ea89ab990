#!/usr/bin/env bash
# ctest html.browser: the page of `pyconform run --html` in a real browser.
#   browser_test.sh PYCONFORM SOURCE_DIR WORK_DIR
# A real run on two pyenv CPythons (3.8, 3.12) of the seed case with a private copy of
# its expectations in which one value is wrong, so that class_namespace_overrides_closure
# is FAIL on both (source) with a diff at outcome.value. The page is written by
# `run --html` and again by `pyconform html` from the saved report (the two must be
# byte-equal), then check.mjs opens it in headless Chromium (puppeteer-core) and checks
# rows, cells, filters, the clicked cell's diff and the screenshot (WORK_DIR/page.png).
# Exit 77 (ctest SKIP) with the reason when Chromium, node or puppeteer-core (tools/setup.sh
# installs them) or the interpreters are missing.
set -euo pipefail
pc=$1 src=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIP: $*"; exit 77; }

chromium=${PYCONFORM_CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null; then chromium=$(command -v "$c"); break; fi
  done
fi
[ -n "$chromium" ] || skip "no Chromium (Debian package chromium; tools/setup.sh installs it)"
command -v node >/dev/null || skip "no node (Debian package nodejs; tools/setup.sh installs it)"
[ -d "$here/node_modules/puppeteer-core" ] ||
  skip "puppeteer-core is not installed in tests/html (tools/setup.sh runs npm ci there)"
py38=$(ls -d /root/.pyenv/versions/3.8.* 2>/dev/null | head -1 || true)
py312=$(ls -d /root/.pyenv/versions/3.12.* 2>/dev/null | head -1 || true)
[ -n "$py38" ] && [ -n "$py312" ] || skip "pyenv CPythons 3.8 and 3.12 are not installed"

rm -rf "$work"
mkdir -p "$work/cases" "$work/expected"
cp "$src/cases/000_scope_locals.case" "$work/cases/"
/usr/bin/env python3 - "$src/expected/000_scope_locals.json" "$work/expected/000_scope_locals.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
planted = 0
for e in d["cases"]["scope locals"]["class_namespace_overrides_closure"]:
    if e["builds"] == "cpython 3.8-3.12":
        e["source"]["outcome"]["value"] = 99  # the builds return 43
        planted += 1
assert planted == 1, "the seed's expectations changed: plant the wrong value elsewhere"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), indent=1)
EOF

set +e
"$pc" run -q --interp 'cpython-3.8.*' --interp 'cpython-3.12.*' --expected "$work/expected" \
  --reports "$work/reports" --html "$work/page.html" "$work/cases/000_scope_locals.case" >"$work/run.out" 2>&1
rc=$?
set -e
cat "$work/run.out"
[ "$rc" = 1 ] || { echo "FAIL: run exited $rc, expected 1 (the planted FAIL)"; exit 1; }
grep -q "^html: $work/page.html (" "$work/run.out" || { echo "FAIL: run did not say where the page is"; exit 1; }
"$pc" html "$work/reports/latest.json" -o "$work/page2.html"
cmp "$work/page.html" "$work/page2.html" || { echo "FAIL: run --html and pyconform html wrote different pages"; exit 1; }
"$pc" html "$work/reports/latest.json" >"$work/page3.html"
cmp "$work/page.html" "$work/page3.html" || { echo "FAIL: pyconform html to stdout differs"; exit 1; }
echo "page: $(wc -c <"$work/page.html") bytes"

exec node "$here/check.mjs" "$chromium" "$work/page.html" "$work/reports/latest.json" "$work/page.png" \
  "scope locals" class_namespace_overrides_closure cpython-3.12 source
