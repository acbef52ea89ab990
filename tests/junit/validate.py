#!/usr/bin/env python3
"""ctest junit.schema: `run --junit` output from a real run validates against tests/junit/junit.xsd.

    validate.py PYCONFORM SOURCE_DIR WORK_DIR [--interp NAME]

Runs `pyconform run --mode both --junit FILE` on one real interpreter and a small case
set made in WORK_DIR: the corpus's first case file with its expectations (PASS rows,
and XFAIL rows in desugared mode), and a block of its own (900_junit.case) whose `first`
has a wrong expectation (FAIL with a diff), whose `<module>` has none (FAIL without a
diff), whose `hang` runs past --timeout (TIMEOUT) and whose `noisy_crash` writes XML
specials and control characters to stderr and aborts (CRASH, the stderr tail in its
detail). Then:
  - `xmllint --noout --schema tests/junit/junit.xsd FILE` accepts the file;
  - `pyconform junit REPORT -o OTHER` and `pyconform junit REPORT` (stdout) give the
    same bytes as run --junit;
  - the XML says what the report says: one testsuite per interpreter x mode of the
    jobs, one testcase per row named "case / function", in row order; each suite's and
    the root's tests/failures/errors/skipped count their children and agree with the
    report's verdicts (FAIL, XPASS, DIVERGE, FLAKY: failure; TIMEOUT, CRASH, ERROR, NOT-RUN:
    error; SKIP, XFAIL: skipped); each testcase's time is its row's duration, each
    suite's the sum of its jobs' durations;
  - the FAIL row names the differing path with both values, XFAIL carries its reason,
    TIMEOUT and CRASH are errors, and the crash's control characters are written \\xHH;
  - mutated copies (a testcase without a name, a negative count, a time that is not a
    number, an unknown element, a failure outside a testcase) are rejected by the XSD
    (the check can fail).
Exit 0 when all hold, 1 otherwise, 77 (skipped) when the interpreter is not installed.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Checks  # noqa: E402 - tests/checks.py, found through the path above

CASE = r'''$ junit hang and crash
import os
import sys


def first():
    return 1


def hang():
    while True:
        pass


def noisy_crash():
    sys.stderr.write("\x1b[31m<&>\"' \x01 crashed\n")
    sys.stderr.flush()
    os.abort()
'''

FIRST = {"outcome": {"kind": "return", "value": 99}, "stdout": "",
         "scopes": {"first": {"varnames": [], "cellvars": [], "freevars": []}},
         "f_locals_at_return": [{"function": "first", "locals": {"dict": []}}]}

CHILD = {"PASS": None, "XFAIL": "skipped", "SKIP": "skipped", "FAIL": "failure",
         "XPASS": "failure", "DIVERGE": "failure", "FLAKY": "failure", "TIMEOUT": "error",
         "CRASH": "error",
         "ERROR": "error", "NOT-RUN": "error"}


def make_case_set(src, work):
    cases, expected = os.path.join(work, "cases"), os.path.join(work, "expected")
    os.makedirs(cases)
    os.makedirs(expected)
    first = sorted(glob.glob(os.path.join(src, "cases", "*.case")))[0]
    shutil.copy(first, cases)
    shutil.copy(os.path.join(src, "expected", os.path.basename(first)[:-5] + ".json"), expected)
    with open(os.path.join(cases, "900_junit.case"), "w", encoding="utf-8") as f:
        f.write(CASE)
    with open(os.path.join(expected, "900_junit.json"), "w", encoding="utf-8") as f:
        json.dump({"schema": 1, "case_file": "900_junit.case", "cases": {
            "junit hang and crash": {"first": [{"builds": "cpython 3.8+", "source": FIRST}]}}}, f)
    return cases, expected


def xmllint(xsd, path):
    p = subprocess.run(["xmllint", "--noout", "--schema", xsd, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def check_structure(doc, root, t):
    rows, jobs = doc["results"], doc["jobs"]
    suites = []
    for j in jobs:
        key = (j["interpreter"], j["mode"])
        if key not in suites:
            suites.append(key)
    xs = root.findall("testsuite")
    t.ok(root.tag == "testsuites", "the root is <testsuites>")
    t.ok([s.get("name") for s in xs] == ["%s / %s" % k for k in suites],
         "one testsuite per build x mode, in job order: %s" % [s.get("name") for s in xs])
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for s, key in zip(xs, suites):
        mine = [r for r in rows if (jobs[r["job"]]["interpreter"], jobs[r["job"]]["mode"]) == key]
        cases = s.findall("testcase")
        t.ok([c.get("name") for c in cases] ==
             ["%s / %s" % (jobs[r["job"]]["case"], r["function"]) for r in mine],
             "%s: one testcase per row, named case / function, in row order" % s.get("name"))
        props = {p.get("name"): p.get("value") for p in s.findall("properties/property")}
        t.ok(props == {"interpreter": key[0], "mode": key[1]}, "%s: properties %s" % (s.get("name"), props))
        counts = {"failures": 0, "errors": 0, "skipped": 0}
        for c, r in zip(cases, mine):
            kids = [k.tag for k in c]
            want = CHILD[r["verdict"]]
            t.ok(kids == ([want] if want else []), "%s: %s is %s, children %s" % (
                c.get("name"), r["verdict"], want, kids))
            if want:
                t.ok(c.find(want).get("type") == r["verdict"], "%s: type is the verdict" % c.get("name"))
                counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[want]] += 1
            t.ok(abs(float(c.get("time")) - r["duration"]) < 1e-5, "%s: time is the row's duration" % c.get("name"))
            t.ok(c.get("classname") == key[0].replace(".", "_") + "." + key[1], "classname %s" % c.get("classname"))
        t.ok(int(s.get("tests")) == len(cases) == len(mine), "%s: tests counts its testcases" % s.get("name"))
        for k, n in counts.items():
            t.ok(int(s.get(k)) == n, "%s: %s=%s counts %d children" % (s.get("name"), k, s.get(k), n))
            total[k] += n
        total["tests"] += len(cases)
        jt = sum(j["duration"] for j in jobs if (j["interpreter"], j["mode"]) == key)
        t.ok(abs(float(s.get("time")) - jt) < 1e-4, "%s: time is the sum of its jobs' durations" % s.get("name"))
        t.ok(s.get("timestamp") == doc["run"]["started"] and s.get("hostname") == doc["run"]["host"],
             "%s: timestamp and hostname of the run" % s.get("name"))
    v = doc["summary"]["verdicts"]
    t.ok(total["tests"] == len(rows) == int(root.get("tests")), "the root counts every row")
    t.ok(int(root.get("failures")) == total["failures"] == v["FAIL"] + v["XPASS"] + v["DIVERGE"] + v["FLAKY"],
         "root failures: FAIL + XPASS + DIVERGE + FLAKY (a run without --allow-flaky)")
    t.ok(int(root.get("errors")) == total["errors"] ==
         v["TIMEOUT"] + v["CRASH"] + v["ERROR"] + v["NOT-RUN"], "root errors: TIMEOUT + CRASH + ERROR + NOT-RUN")
    t.ok(int(root.get("skipped")) == total["skipped"] == v["SKIP"] + v["XFAIL"], "root skipped: SKIP + XFAIL")
    t.ok(abs(float(root.get("time")) - doc["run"]["seconds"]) < 1e-4, "root time is the run's")


def check_contents(doc, root, t):
    def case(name, suite_end):
        for s in root.findall("testsuite"):
            if s.get("name").endswith(suite_end):
                for c in s.findall("testcase"):
                    if c.get("name") == name:
                        return c
        return None

    c = case("junit hang and crash / first", "/ source")
    f = c.find("failure") if c is not None else None
    t.ok(f is not None and "at outcome.value: expected: 99, observed: 1" in f.get("message"),
         "the FAIL message names the path and both values: %s" % (f.get("message") if f is not None else None))
    t.ok(f is not None and "first difference at outcome.value\n  expected: 99\n  observed: 1" in f.text,
         "the FAIL text names the path and both values: %r" % (f.text if f is not None else None))
    c = case("junit hang and crash / <module>", "/ source")
    t.ok(c is not None and c.find("failure") is not None and c.find("failure").get("message").startswith("FAIL: "),
         "<module> without expectation is a failure with its detail")
    c = case("junit hang and crash / hang", "/ source")
    t.ok(c is not None and c.find("error") is not None and c.find("error").get("type") == "TIMEOUT",
         "hang is an error of type TIMEOUT")
    c = case("junit hang and crash / noisy_crash", "/ source")
    e = c.find("error") if c is not None else None
    t.ok(e is not None and e.get("type") == "CRASH", "noisy_crash is an error of type CRASH")
    t.ok(e is not None and "\\x1b[31m<&>\"' \\x01 crashed" in e.text,
         "the crash's stderr tail is kept, control characters written \\xHH: %r" % (e.text if e is not None else None))
    reasons = doc["reasons"]
    xf = [(doc["jobs"][r["job"]], r) for r in doc["results"] if r["verdict"] == "XFAIL"]
    t.ok(len(xf) > 0, "the case set gives XFAIL rows")
    for j, r in xf[:3]:
        c = case("%s / %s" % (j["case"], r["function"]), "%s / %s" % (j["interpreter"], j["mode"]))
        s = c.find("skipped") if c is not None else None
        t.ok(s is not None and s.get("message").startswith("XFAIL: " + reasons[r["reason"] - 1][:50]),
             "XFAIL %s is skipped with its reason" % r["function"])


MUTATIONS = [
    ("a testcase without a name", lambda x: x.replace('<testcase name="', '<testcase nome="', 1)),
    ("a negative count", lambda x: x.replace('tests="', 'tests="-', 1)),
    ("a time that is not a number", lambda x: x.replace('time="', 'time="soon', 1)),
    ("an unknown element", lambda x: x.replace("</testcase>", "<oops/></testcase>", 1)),
    ("a failure outside a testcase", lambda x: x.replace("<properties>", "<failure/><properties>", 1)),
    ("skipped and failure in one testcase", lambda x: x.replace("<failure ", "<skipped/><failure ", 1)),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pyconform")
    ap.add_argument("source_dir")
    ap.add_argument("work_dir")
    ap.add_argument("--interp", default="cpython-3.12.1")
    a = ap.parse_args()

    version = a.interp.split("-", 1)[-1]
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    if not os.path.exists(os.path.join(pyenv, "versions", version, "bin", "python")):
        print("junit.schema: skipped: %s is not installed under %s" % (a.interp, pyenv))
        return 77
    if not shutil.which("xmllint"):
        print("junit.schema: xmllint is missing (Debian libxml2-utils; tools/setup.sh installs it)")
        return 1
    xsd = os.path.join(a.source_dir, "tests", "junit", "junit.xsd")

    shutil.rmtree(a.work_dir, ignore_errors=True)
    os.makedirs(a.work_dir)
    cases, expected = make_case_set(a.source_dir, a.work_dir)
    reports = os.path.join(a.work_dir, "reports")
    xml = os.path.join(a.work_dir, "run.xml")
    cmd = [a.pyconform, "run", "-q", "--interp", a.interp, "--mode", "both", "--timeout", "3",
           "--cache", os.path.join(a.work_dir, "cache"), "--expected", expected,
           "--reports", reports, "--junit", xml] + sorted(glob.glob(os.path.join(cases, "*.case")))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    print("$ " + " ".join(cmd) + "\n" + p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace"))
    t = Checks()
    t.ok(p.returncode == 1, "run exits 1: unexpected verdicts (got %d)" % p.returncode)
    if not t.ok(os.path.exists(xml), "run --junit wrote %s" % xml):
        return 1
    t.ok(not os.path.exists(xml + ".tmp"), "no partial JUnit file left")
    rc, msg = xmllint(xsd, xml)
    print(msg.strip())
    t.ok(rc == 0, "xmllint --schema junit.xsd accepts the real output")

    latest = os.path.join(reports, "latest.json")
    other = os.path.join(a.work_dir, "junit.xml")
    q = subprocess.run([a.pyconform, "junit", latest, "-o", other], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t.ok(q.returncode == 0 and q.stdout == b"", "pyconform junit -o exits 0 quietly: %d %s" % (q.returncode, q.stderr))
    with open(xml, "rb") as f:
        first = f.read()
    with open(other, "rb") as f:
        t.ok(f.read() == first, "pyconform junit REPORT -o FILE writes what run --junit wrote")
    q = subprocess.run([a.pyconform, "junit", latest], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t.ok(q.returncode == 0 and q.stdout == first, "pyconform junit REPORT writes the same to stdout")

    with open(latest, encoding="utf-8") as f:
        doc = json.load(f)
    root = ET.fromstring(first)
    check_structure(doc, root, t)
    check_contents(doc, root, t)

    text = first.decode("utf-8")
    for what, mutate in MUTATIONS:
        bad = mutate(text)
        path = os.path.join(a.work_dir, "mutated.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(bad)
        rc, _ = xmllint(xsd, path)
        t.ok(bad != text and rc != 0, "the XSD rejects %s" % what)

    print("junit.schema: %d testsuites, %d testcases, %d bytes" % (
        len(root.findall("testsuite")), len(root.findall("testsuite/testcase")), len(first)))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
