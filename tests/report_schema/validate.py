#!/usr/bin/env python3
"""ctest report.schema: a real report validates against docs/report-schema.json.

    validate.py PYCONFORM SOURCE_DIR WORK_DIR [--interp NAME]

Runs `pyconform run` (--mode both) on a small real case set made in WORK_DIR: the
corpus's first case file with its expectations, and two blocks of
tests/faults/010_crash.case (a call that hangs: TIMEOUT; one that dies of SIGSEGV:
CRASH) with their expectations, one of them altered so that a row is FAIL with its
expected value and diff, plus an expectation for a block that does not exist (a stale
entry), and a block whose function returns whether an earlier job of the run left a
marker file (False the first time, True after): run with --retries 1, it is FLAKY, and
the unexpected rows carry their attempts. Then:
  - the report (reports/latest.json) validates against the schema (JSON Schema, with
    the `jsonschema` package: Debian python3-jsonschema, installed by tools/setup.sh);
  - what the schema cannot say holds: latest.json is a hard link to the dated report,
    indices point into "observations" and "jobs", counts agree, equal observations
    share one index, the verdicts this case set must give are there;
  - corrupted copies (a verdict "MAYBE", no "summary", expected in a PASS row, ...)
    are rejected by the schema: the check can fail.
Host python3, stdlib + jsonschema. Exit 0 when all hold, 1 otherwise, 77 (skipped)
when the interpreter is not installed.
"""
import argparse
import copy
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Checks  # noqa: E402 - tests/checks.py, found through the path above

try:
    import jsonschema
except ImportError:
    sys.stderr.write("report.schema: the python3 `jsonschema` package is missing "
                     "(Debian python3-jsonschema; tools/setup.sh installs it)\n")
    sys.exit(1)

FAULT_BLOCKS = ("fault hang", "fault segfault signal")


def blocks_of(text):
    """The case file's blocks, {name: text}, each from its `$ name` line."""
    out, name, lines = {}, None, []
    for line in text.splitlines(True):
        if line.startswith("$ "):
            if name is not None:
                out[name] = "".join(lines)
            name, lines = line[2:].strip(), []
        if name is not None:
            lines.append(line)
    if name is not None:
        out[name] = "".join(lines)
    return out


def make_case_set(src, work):
    """Case files and expectations in WORK; returns (cases dir, expected dir)."""
    cases, expected = os.path.join(work, "cases"), os.path.join(work, "expected")
    os.makedirs(cases)
    os.makedirs(expected)
    first = sorted(glob.glob(os.path.join(src, "cases", "*.case")))[0]
    base = os.path.basename(first)
    shutil.copy(first, cases)
    shutil.copy(os.path.join(src, "expected", base[:-5] + ".json"), expected)

    with open(os.path.join(src, "tests", "faults", "010_crash.case"), encoding="utf-8") as f:
        blocks = blocks_of(f.read())
    with open(os.path.join(src, "tests", "faults", "expected", "010_crash.json"), encoding="utf-8") as f:
        fexp = json.load(f)
    mark = os.path.join(work, "flaky-mark")
    with open(os.path.join(cases, "900_faults.case"), "w", encoding="utf-8") as f:
        f.write("\n".join(blocks[b] for b in FAULT_BLOCKS))
        # no expectation: FAIL "no expectation" every time, but `seen` observes False
        # first and True on its retry: FLAKY (its desugared row: DIVERGE, then PASS)
        f.write("\n$ flaky marker\nimport os\nMARK = %r\nSEEN = os.path.exists(MARK)\n"
                "open(MARK, 'a').close()\n\n\ndef seen():\n    return SEEN\n" % mark)
    kept = {b: fexp["cases"][b] for b in FAULT_BLOCKS}
    # a wrong expectation: `first` of "fault hang" returns 1; FAIL, with expected and diff
    for entry in kept["fault hang"]["first"]:
        entry["source"]["outcome"]["value"] = 99
    # an expectation for a block the case file does not define: stale
    kept["no such block"] = {"f": [{"builds": "cpython 3.8+", "source": None}]}
    with open(os.path.join(expected, "900_faults.json"), "w", encoding="utf-8") as f:
        json.dump({"schema": 1, "case_file": "900_faults.case", "cases": kept}, f, indent=1)
    return cases, expected


def semantic(doc, t):
    """What the schema cannot express."""
    obs, jobs, rows = doc["observations"], doc["jobs"], doc["results"]
    s = doc["summary"]
    t.ok(s["results"] == len(rows), "summary.results counts the rows")
    t.ok(s["jobs_planned"] == len(jobs), "summary.jobs_planned is the number of job records")
    t.ok(s["jobs_reported"] == s["jobs_planned"], "every job arrived (run not interrupted)")
    t.ok(s["observations"] == len(obs) - 1, "summary.observations: the entries less the null")
    t.ok(all(j["id"] == i for i, j in enumerate(jobs)), "job ids are their indices")
    counts = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    t.ok(all(s["verdicts"][v] == counts.get(v, 0) for v in s["verdicts"]),
         "summary.verdicts counts the rows: %s vs %s" % (s["verdicts"], counts))
    statuses = {}
    for j in jobs:
        statuses[j["status"]] = statuses.get(j["status"], 0) + 1
    t.ok(all(s["jobs"][k] == statuses.get(k, 0) for k in s["jobs"]), "summary.jobs counts the jobs")
    bad = [r for r in rows if not r["job"] < len(jobs)]
    t.ok(not bad, "every row names a job of the report: %s" % bad[:1])
    bad = [r for r in rows if "reason" in r and not 1 <= r["reason"] <= len(doc["reasons"])]
    t.ok(not bad, "every row's reason index points into reasons: %s" % bad[:1])
    t.ok(len(set(doc["reasons"])) == len(doc["reasons"]), "each reason is stored once")
    bad = [g for e in doc["groups"] for g in e["groups"]
           if not all(i < len(doc["interpreters"]) for i in g["interpreters"])]
    t.ok(not bad, "every group's interpreters are indices into interpreters")
    bad = [r for r in rows for k in ("observation", "recorded") if k in r and not r[k] < len(obs)]
    t.ok(not bad, "every row's indices point into observations: %s" % bad[:1])
    bad = [g for e in doc["groups"] for g in e["groups"] if not g["observation"] < len(obs)]
    t.ok(not bad, "every group's index points into observations")
    texts = [json.dumps(o, sort_keys=True) for o in obs]
    t.ok(len(set(texts)) == len(texts), "each observation is stored once")
    used = {}
    for r in rows:
        if "observation" in r:
            used[r["observation"]] = used.get(r["observation"], 0) + 1
    t.ok(any(n > 1 for n in used.values()), "equal observations share one index")
    t.ok(all(r["verdict"] != "PASS" or not ({"expected", "diff"} & set(r)) for r in rows),
         "PASS rows carry no expected or diff")
    for v in ("PASS", "XFAIL", "FAIL", "TIMEOUT", "CRASH"):
        t.ok(counts.get(v, 0) > 0, "the case set gives %s rows" % v)
    fails = [r for r in rows if r["verdict"] == "FAIL" and r["function"] == "first"]
    t.ok(fails and all("expected" in r and r["diff"]["path"] == "outcome.value"
                       and r["diff"]["expected"] == 99 for r in fails),
         "the altered expectation gives FAIL rows with expected and diff: %s" % fails[:1])
    t.ok(any(st["case"] == "no such block" for st in doc["stale"]), "the stale entry is reported")
    t.ok(any(j["status"] == "ok" and j.get("translation") == "pyconform" for j in jobs),
         "desugared jobs ran on our translation")
    # --retries 1: every unexpected row was attempted twice, the others once (no attempts)
    t.ok(doc["run"]["retries"] == 1 and doc["run"]["allow_flaky"] is False,
         "run.retries and run.allow_flaky: %s" % {k: doc["run"].get(k) for k in ("retries", "allow_flaky")})
    retried = [r for r in rows if "attempts" in r]
    t.ok(retried and all(len(r["attempts"]) == 2 for r in retried), "retried rows have two attempts")
    t.ok(all(r["verdict"] in ("PASS", "XFAIL", "SKIP") for r in rows if "attempts" not in r),
         "rows without attempts are the expected ones")
    bad = [r for r in retried for a in r["attempts"] if "observation" in a and not a["observation"] < len(obs)]
    t.ok(not bad, "every attempt's observation index points into observations: %s" % bad[:1])
    flaky = [r for r in rows if r["verdict"] == "FLAKY"]
    t.ok(len(flaky) == 2 and all(r["function"] == "seen" for r in flaky),
         "`seen` is FLAKY in both modes: %s" % flaky)
    src = [r for r in flaky if jobs[r["job"]]["mode"] == "source"]
    t.ok(src and [a["verdict"] for a in src[0]["attempts"]] == ["FAIL", "FAIL"] and
         obs[src[0]["attempts"][0]["observation"]]["outcome"]["value"] is False and
         obs[src[0]["attempts"][1]["observation"]]["outcome"]["value"] is True,
         "the source row's attempts observed False, then True: %s" % src[:1])
    t.ok(s["verdicts"]["FLAKY"] == 2 and s["unexpected"] == sum(
        1 for r in rows if r["verdict"] not in ("PASS", "XFAIL", "SKIP")), "FLAKY rows count as unexpected")
    steady = [r for r in retried if r["verdict"] == "TIMEOUT"]
    t.ok(steady and all([a["verdict"] for a in r["attempts"]] == ["TIMEOUT", "TIMEOUT"] for r in steady),
         "a TIMEOUT on both attempts stays TIMEOUT")


def corruptions(doc):
    """(what, corrupted copy) pairs that the schema must reject."""
    def with_(change):
        d = copy.deepcopy(doc)
        change(d)
        return d

    def first_row(d, verdict):
        return next(r for r in d["results"] if r["verdict"] == verdict)

    yield "a verdict MAYBE", with_(lambda d: d["results"][0].update(verdict="MAYBE"))
    yield "no summary", with_(lambda d: d.pop("summary"))
    yield "no results", with_(lambda d: d.pop("results"))
    yield "schema_version 1", with_(lambda d: d.update(schema_version=1))
    yield "an unknown top-level key", with_(lambda d: d.update(extra=1))
    yield "an unknown row field", with_(lambda d: d["results"][0].update(observed={}))
    yield "a row without verdict", with_(lambda d: d["results"][0].pop("verdict"))
    yield "a PASS row with expected", with_(lambda d: first_row(d, "PASS").update(expected={}))
    yield "a PASS row with diff", with_(lambda d: first_row(d, "PASS").update(
        diff={"path": "x", "expected": 1, "observed": 2}))
    yield "a TIMEOUT row with an observation", with_(lambda d: first_row(d, "TIMEOUT").update(observation=1))
    yield "an observation index 0", with_(lambda d: first_row(d, "PASS").update(observation=0))
    yield "an observation index as text", with_(lambda d: first_row(d, "PASS").update(observation="1"))
    yield "observations[0] not null", with_(lambda d: d["observations"].__setitem__(0, {}))
    yield "an observation that is not an object", with_(lambda d: d["observations"].append(3))
    yield "a job status pending", with_(lambda d: d["jobs"][0].update(status="pending"))
    yield "a mode both", with_(lambda d: d["jobs"][0].update(mode="both"))
    yield "a summary verdict count missing", with_(lambda d: d["summary"]["verdicts"].pop("CRASH"))
    yield "a summary job status unknown", with_(lambda d: d["summary"]["jobs"].update(pending=0))
    yield "interrupted as a number", with_(lambda d: d.update(interrupted=0))
    yield "run.started not UTC", with_(lambda d: d["run"].update(started="2026-01-01 10:00"))
    yield "a diff without path", with_(lambda d: first_row(d, "FAIL")["diff"].pop("path"))
    yield "a group without interpreters", with_(lambda d: d["groups"][0]["groups"][0].update(interpreters=[]))
    yield "an attempt with verdict MAYBE", with_(lambda d: first_row(d, "FLAKY")["attempts"][0].update(verdict="MAYBE"))
    yield "a single attempt", with_(lambda d: first_row(d, "FLAKY")["attempts"].pop())
    yield "an attempt without duration", with_(lambda d: first_row(d, "FLAKY")["attempts"][1].pop("duration"))
    yield "an unknown attempt field", with_(lambda d: first_row(d, "FLAKY")["attempts"][1].update(retry=1))
    yield "a summary without FLAKY", with_(lambda d: d["summary"]["verdicts"].pop("FLAKY"))
    yield "run without retries", with_(lambda d: d["run"].pop("retries"))


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
        print("report.schema: skipped: %s is not installed under %s" % (a.interp, pyenv))
        return 77

    shutil.rmtree(a.work_dir, ignore_errors=True)
    os.makedirs(a.work_dir)
    cases, expected = make_case_set(a.source_dir, a.work_dir)
    reports = os.path.join(a.work_dir, "reports")
    files = sorted(glob.glob(os.path.join(cases, "*.case")))
    # its own probe cache: only the builds discovered here are probed, once
    cmd = [a.pyconform, "run", "-q", "--interp", a.interp, "--mode", "both", "--timeout", "3", "--retries", "1",
           "--cache", os.path.join(a.work_dir, "cache"), "--expected", expected,
           "--reports", reports] + files
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
    print("$ " + " ".join(cmd) + "\n" + out)
    t = Checks()
    t.ok(p.returncode == 1, "exit 1: the run has unexpected verdicts (got %d)" % p.returncode)
    latest = os.path.join(reports, "latest.json")
    if not t.ok(os.path.exists(latest), "reports/latest.json written"):
        return 1
    dated = [f for f in glob.glob(os.path.join(reports, "run-*.json"))]
    t.ok(len(dated) == 1 and os.path.samestat(os.stat(latest), os.stat(dated[0])),
         "latest.json is a hard link to the one dated report: %s" % dated)
    t.ok(not glob.glob(os.path.join(reports, "*.tmp")), "no partial file left")
    with open(latest, encoding="utf-8") as f:
        doc = json.load(f)

    with open(os.path.join(a.source_dir, "docs", "report-schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
        t.ok(True, "")
    except jsonschema.exceptions.SchemaError as e:
        t.ok(False, "docs/report-schema.json is not a valid JSON Schema: %s" % e.message)
        return 1
    v = cls(schema)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:20]:
        print("  at /%s: %s" % ("/".join(str(x) for x in e.absolute_path), e.message[:300]))
    t.ok(not errors, "the real report validates against the schema (%d errors)" % len(errors))
    semantic(doc, t)

    for what, bad in corruptions(doc):
        t.ok(not v.is_valid(bad), "the schema rejects a report with %s" % what)

    print("report.schema: %d rows, %d observations, %d jobs; %s, python %s" % (
        len(doc["results"]), len(doc["observations"]) - 1, len(doc["jobs"]), cls.__name__,
        sys.version.split()[0]))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
