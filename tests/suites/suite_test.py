#!/usr/bin/env python3
"""ctest suites.e2e: suite files (`pyconform run FILE.suite`) on a real pyenv build.

    suite_test.py PYCONFORM SOURCE_DIR WORK_DIR

  - a suite file listing test_scope, run on the newest pyenv CPython 3.12 in both modes
    with an empty expected/ folder: one row per test id of the build's own
    Lib/test/test_scope.py in each mode, each observing {"test": "pass", ...}; the
    desugared rows PASS (equal to the source run); the job line (`plan --json`) carries
    "suite" {"module", "path"} and the suite timeout (30 x --timeout);
  - `bless` then `run` again: exit 0;
  - test_type_params (new in 3.12) on 3.8 and 3.12: SKIP on 3.8 with the reason
    "no test.test_type_params on this build: ...", rows on 3.12;
  - bad input, exit 2 before anything runs: an unknown module (FILE:LINE), an empty
    suite file, a line that is not a module name.
Exit 0 when all hold, 1 otherwise, 77 (skipped) without pyenv CPythons 3.8 and 3.12.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Checks  # noqa: E402 - tests/checks.py


def pyenv_build(minor):
    root = os.environ.get("PYENV_ROOT") or "/root/.pyenv"
    vs = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python")))
    if not vs:
        return None
    return "cpython-" + vs[-1].split("/versions/")[1].split("/")[0], os.path.dirname(os.path.dirname(vs[-1]))


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=900)
    return p.returncode, p.stdout, p.stderr


def rows(report, case):
    """{(function, interpreter, mode): (verdict, observation, row)}"""
    out = {}
    for row in report["results"]:
        job = report["jobs"][row["job"]]
        if job["case"] != case:
            continue
        obs = report["observations"][row["observation"]] if row.get("observation") else None
        out[(row["function"], job["interpreter"], job["mode"])] = (row["verdict"], obs, row)
    return out


def main():
    pyconform, src, work = sys.argv[1:4]
    b312, b38 = pyenv_build("3.12"), pyenv_build("3.8")
    if not b312 or not b38:
        print("SKIP: needs pyenv CPython 3.8 and 3.12")
        return 77
    name312, prefix312 = b312
    name38, _ = b38
    c = Checks()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    suite = os.path.join(work, "scope.suite")
    with open(suite, "w") as f:
        f.write("# a tiny suite\ntest_scope\n")
    expected = os.path.join(work, "expected")
    os.makedirs(expected)
    common = ["--interp", name312, "--mode", "both", "--expected", expected,
              "--reports", os.path.join(work, "reports"), "-q"]

    # the job line
    rc, out, err = run([pyconform, "plan", "--json", "--interp", name312, "--mode", "both", suite])
    c.ok(rc == 0, "plan --json: exit %d: %s" % (rc, err))
    jobs = [json.loads(line) for line in out.splitlines() if line.strip()]
    c.ok(len(jobs) == 2, "plan: %d jobs" % len(jobs))
    for j in jobs:
        spec = j["job"].get("suite")
        c.ok(spec and spec["module"] == "test_scope" and spec["path"].endswith("/test/test_scope.py")
                and spec["path"].startswith(prefix312), "job line's suite: %r" % (spec,))
        c.ok(j["job"]["timeout"] == 300.0, "suite job timeout: %r" % j["job"]["timeout"])
    src_text = open(jobs[0]["job"]["suite"]["path"], encoding="utf-8").read()
    c.ok(jobs[0]["job"]["source"] == src_text, "source job runs the build's own module text")
    c.ok("__dp__" in jobs[1]["job"]["source"], "desugared job runs the translation")

    # the run: one row per test id, in both modes
    rc, out, err = run([pyconform, "run"] + common + [suite])
    c.ok(rc == 1, "run without expectations: exit %d (1 expected): %s" % (rc, err))
    report = json.load(open(os.path.join(work, "reports", "latest.json")))
    got = rows(report, "cpython test_scope")
    tests = sorted(set(f for f, _, _ in got if f != "<module>"))
    c.ok(len(tests) >= 30, "%d test ids" % len(tests))
    c.ok("ScopeTests.testSimpleNesting" in tests, "ScopeTests.testSimpleNesting row")
    for t in tests:
        v, obs, _ = got.get((t, name312, "source"), (None, None, None))
        c.ok(obs is not None and obs["outcome"]["test"] in ("pass", "fail", "error", "skip"),
                "%s source observation %r" % (t, obs))
        c.ok(v == "FAIL", "%s source verdict %s (no expectation: FAIL)" % (t, v))
        v, dobs, _ = got.get((t, name312, "desugared"), (None, None, None))
        c.ok(dobs is not None and dobs["outcome"]["test"] in ("pass", "fail", "error", "skip"),
                "%s desugared observation %r" % (t, dobs))
    npass = sum(1 for t in tests if got[(t, name312, "source")][1]["outcome"]["test"] == "pass")
    c.ok(npass >= 30, "%d source tests pass" % npass)
    c.ok(any(j["mode"] == "desugared" and j.get("translation") == "pyconform" for j in report["jobs"]),
            "the desugared job names our desugarer as its translation")

    # bless, then the same run is as expected
    rc, out, err = run([pyconform, "bless"] + common + [suite])
    c.ok(rc == 0, "bless: exit %d: %s" % (rc, err))
    c.ok(os.path.exists(os.path.join(expected, "scope.json")), "expected/scope.json written")
    rc, out, err = run([pyconform, "run"] + common + [suite])
    c.ok(rc == 0, "run after bless: exit %d: %s%s" % (rc, out, err))

    # a module one build lacks: SKIP there, with the reason
    newer = os.path.join(work, "newer.suite")
    with open(newer, "w") as f:
        f.write("test_type_params\n")
    rc, out, err = run([pyconform, "run", "--interp", name38, "--interp", name312, "--mode", "source",
                        "--expected", expected, "--reports", os.path.join(work, "reports2"), "-q", newer])
    report = json.load(open(os.path.join(work, "reports2", "latest.json")))
    got = rows(report, "cpython test_type_params")
    v, _, row = got.get(("<module>", name38, "source"), (None, None, {}))
    why = row.get("reason", "") + row.get("detail", "")
    c.ok(v == "SKIP", "3.8 lacks test_type_params: %s" % v)
    c.ok("no test.test_type_params on this build" in why, "skip reason: %r" % why)
    c.ok(any(i == name312 and v != "SKIP" for (f, i, m), (v, _, _) in got.items()),
            "3.12 runs test_type_params")

    # bad input: exit 2, FILE:LINE
    for text, message in (
        ("test_scope\n# next\ntest_no_such_module_xyz\n", "bad.suite:3: unknown module 'test_no_such_module_xyz'"),
        ("", "bad.suite:1: empty suite file"),
        ("# nothing\n\n", "bad.suite:1: empty suite file"),
        ("test scope\n", "bad.suite:1: 'test scope' is not a module name"),
    ):
        bad = os.path.join(work, "bad.suite")
        with open(bad, "w") as f:
            f.write(text)
        rc, out, err = run([pyconform, "run", "--interp", name312, "--reports", os.path.join(work, "r3"), bad],
                           cwd=work)
        c.ok(rc == 2, "%r: exit %d (2 expected)" % (text, rc))
        c.ok(message in err, "%r: message %r not in %r" % (text, message, err))
    print("suites.e2e: %d checks passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
