"""The runner's entry point: `PY -s -B runners/runner.py` (docs/protocol.md).

Python 3.8 syntax, standard library only.  The runner itself is
runner_core.py; this script only starts it.

Why a separate script: a script is compiled from source on every start,
while an imported module is read from its bytecode cache.  The harness
starts interpreters with -B and PYTHONDONTWRITEBYTECODE (so that nothing a
case imports writes a cache), which would also make the runner's own
modules (about 2,000 lines) compile on every start: some 18 ms on
CPython 3.12, more on PyPy and Pyodide, paid again by every runner start.
So writing bytecode is allowed while the runner's own modules (runner_core,
observe, suite, __dp__) are imported, and put back as it was before any
case code runs.  Where runners/ cannot be written (an installed copy owned
by root), the import quietly goes on without a cache, as Python's always
does.
"""
import os
import sys

RUNNERS_DIR = os.path.dirname(os.path.abspath(__file__))
if sys.path[0] != RUNNERS_DIR:
    sys.path.insert(0, RUNNERS_DIR)

_dont_write = sys.dont_write_bytecode
sys.dont_write_bytecode = False
try:
    import runner_core
    try:  # imported again, uncached, by runner_core.load_dp when it fails here
        import __dp__  # noqa: F401
    except BaseException:  # noqa: B036
        pass
finally:
    sys.dont_write_bytecode = _dont_write

if __name__ == "__main__":
    sys.exit(runner_core.main())
