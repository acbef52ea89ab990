"""Small shared helpers for the provisioning tests (standard library only)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROVISION = os.path.join(REPO, "provision")
RUNNERS = os.path.join(REPO, "runners")
HOST = os.path.join(RUNNERS, "pyodide_host.mjs")
# where provisioned builds are looked for (read only) by the Pyodide tests
INTERPRETERS = os.path.join(os.environ.get("PYCONFORM_CACHE") or
                            os.path.join(os.path.expanduser("~"), ".cache", "pyconform"), "interpreters")


class Checks:
    """Counts named checks; failures are reported, not raised, so one test
    script reports all of its problems at once."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("  ok    %s" % what)
        else:
            self.failed += 1
            print("  FAIL  %s" % what)
            if detail:
                for line in str(detail).rstrip().splitlines()[-25:]:
                    print("        | %s" % line)
        sys.stdout.flush()
        return cond

    def skip(self, what, why):
        self.skipped += 1
        print("  skip  %s (%s)" % (what, why))

    def done(self):
        print("%s: %d passed, %d failed, %d skipped" % (self.name, self.passed, self.failed, self.skipped))
        sys.exit(1 if self.failed else 0)


def run(argv, env=None, timeout=600, input=None, cwd=None):
    """Run argv; returns (exit status, stdout+stderr text, seconds)."""
    full_env = dict(os.environ)
    if env:
        for k, v in env.items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
    t0 = time.time()
    p = subprocess.run(argv, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, input=input, cwd=cwd)
    return p.returncode, p.stdout.decode("utf-8", "replace"), time.time() - t0


def read_json(path):
    with open(path) as f:
        return json.load(f)


def have(prog):
    return shutil.which(prog) is not None


def tempdir(prefix):
    return tempfile.mkdtemp(prefix="pyconform-%s-" % prefix)


def snapshot_system_apt():
    """What must never change when provisioning privately: the system's apt
    sources, preferences, lists and dpkg status."""
    state = {}
    for base in ("/etc/apt/sources.list", "/etc/apt/sources.list.d", "/etc/apt/preferences.d",
                 "/var/lib/apt/lists", "/var/lib/dpkg/status"):
        if os.path.isfile(base):
            st = os.stat(base)
            state[base] = (st.st_size, st.st_mtime)
        elif os.path.isdir(base):
            for name in sorted(os.listdir(base)):
                p = os.path.join(base, name)
                if os.path.isfile(p):
                    st = os.stat(p)
                    state[p] = (st.st_size, st.st_mtime)
    return state
