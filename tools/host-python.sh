# Sourced by tools/suite.sh and tools/upstream.sh (after tools/setup.sh built
# $root/build/pyconform): sets host=(--python NEWEST) for our desugarer, unless
# $PYCONFORM_PYTHON is set or the arguments already name --python.
# The desugarer parses each build's own test modules with the host's parser, so the host
# must know the newest build's syntax (3.12's test_funcattrs has PEP 695 type parameters,
# 3.14's test_grammar PEP 758's unparenthesised `except A, B:`), and 3.13.0's compiler
# fails on 3.14's test_listcomps (a SystemError). NEWEST is the newest plain CPython the
# registry can run (`pyconform interpreters --json`: not debug, free-threaded or wasm),
# else the newest pyenv CPython. The translation is the same text whichever host makes it
# (compared for the cases and every pyenv test module of suites/cpython-scope.suite on
# hosts 3.13, 3.14 and 3.15).
host=()
if [ -z "${PYCONFORM_PYTHON:-}" ] && [[ " $* " != *" --python"* ]]; then
  newest=$("$root/build/pyconform" interpreters --json 2>/dev/null | python3 -c '
import json, sys
best = None
for b in json.load(sys.stdin):
    p = b.get("probe") or {}
    if (b.get("supported") and not b.get("problem") and p.get("implementation") == "cpython"
            and not (p.get("debug") or p.get("free_threaded") or p.get("wasm"))
            and len(b.get("argv") or []) == 1 and not b.get("env")):
        key = tuple(p.get("version_info", [0])[:3])
        if best is None or key > best[0]:
            best = (key, b["argv"][0])
print(best[1] if best else "")
' 2>/dev/null || true)
  if [ -z "$newest" ]; then
    newest=$(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.*/bin/python3 2>/dev/null | sort -V | tail -1 || true)
  fi
  [ -n "$newest" ] && host=(--python "$newest")
fi
