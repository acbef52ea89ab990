"""Part (e)'s driver (tools/bench.sh): the runner with its in-process server.

Run as `PY inprocess.py RUNNERS_DIR` by a build that has os.fork.  It is the
runner (RUNNERS_DIR/runner.py, protocol and observation unchanged) with one
difference: every job runs in the runner's own process, as on builds without
fork (Pyodide), instead of in a child forked per job.  Comparing it with the
real runner on the same job lines separates what per-job isolation costs from
what observation costs.  Python 3.8 syntax, standard library only.
"""
import sys

sys.path.insert(0, sys.argv[1])
import runner  # noqa: E402 - needs the path above

runner.can_fork = lambda: False
sys.exit(runner.main())
