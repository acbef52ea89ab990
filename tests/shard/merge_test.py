#!/usr/bin/env python3
"""ctest shard.merge: `run --shard K/N` and `pyconform merge` on real interpreters.

    merge_test.py PYCONFORM SOURCE_DIR WORK_DIR

Runs the seed and two more case files on up to three pyenv builds (cpython 3.8, 3.12,
3.13 where installed; at least two are needed) once unsharded and once as 3 shards,
each in a working directory of its own with `--reports reports`, so that the command
lines differ only in --shard. Then:
  - every shard report records run.shard {k, 3, plan_jobs} and the unsharded plan's
    fingerprint; the shards' jobs are disjoint, cover the plan (plan_index), and their
    counts are within two jobs of each other; `plan --shard` lists the same count;
  - `pyconform merge` (shards given out of order) writes a report equal to the
    unsharded one after removing timings (durations, started, finished, seconds),
    host, peak_rss and the shard fields (run.shard, run.merged, jobs[].plan_index),
    with indices (observations, reasons, interpreters) resolved to what they name;
    it prints what it compared;
  - the shard reports and the merged one validate against docs/report-schema.json;
    `junit` and `html` read the merged report, and `diff` finds nothing changed;
  - bad input is refused with exit 2 and a message: a missing shard, a duplicate, a
    shard of another plan, another N, a report that is not a shard, a missing file,
    a truncated report, a schema 1 report, no -o.
Exit 0 when all hold, 1 otherwise, 77 (skipped) when fewer than two builds are found.
"""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Checks  # noqa: E402 - tests/checks.py, found through the path above

BUILDS = ("3.8", "3.12", "3.13")
CASES = ("000_scope_locals.case", "002_pep667_deletion.case", "002_pep667_generators.case")


def pyenv_builds():
    root = os.environ.get("PYENV_ROOT") or "/root/.pyenv"
    found = []
    for minor in BUILDS:
        vs = sorted(glob.glob(os.path.join(root, "versions", minor + ".*", "bin", "python")))
        if vs:
            found.append("cpython-" + vs[-1].split("/versions/")[1].split("/")[0])
    return found


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def normalized(doc):
    """The report with timings, host, run ids and shard fields removed and every index
    replaced by what it names."""
    obs = doc["observations"]
    reasons = doc["reasons"]
    names = [i["name"] for i in doc["interpreters"]]
    rows = []
    for r in doc["results"]:
        r = dict(r)
        r.pop("duration")
        for k in ("observation", "recorded"):
            if k in r:
                r[k] = obs[r[k]]
        if "reason" in r:
            r["reason"] = reasons[r["reason"] - 1]
        rows.append(r)
    jobs = []
    for j in doc["jobs"]:
        j = dict(j)
        j.pop("duration")
        j.pop("plan_index", None)
        jobs.append(j)
    groups = []
    for g in doc["groups"]:
        g = dict(g)
        g["groups"] = [dict(x, interpreters=[names[i] for i in x["interpreters"]],
                            observation=obs[x["observation"]]) for x in g["groups"]]
        groups.append(g)
    run_ = {k: v for k, v in doc["run"].items()
            if k not in ("host", "started", "finished", "seconds", "peak_rss", "shard", "merged")}
    return {
        "schema_version": doc["schema_version"], "harness": doc["harness"], "results": rows,
        "observations": sorted(json.dumps(o, sort_keys=True) for o in obs[1:]),
        "reasons": sorted(reasons), "groups": groups, "jobs": jobs,
        "interpreters": doc["interpreters"], "stale": doc["stale"], "run": run_,
        "interrupted": doc["interrupted"], "signal": doc["signal"], "summary": doc["summary"],
    }


def first_difference(a, b, path="$"):
    if type(a) != type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "unsharded" if k in a else "merged")
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def validate_schema(t, src, paths):
    try:
        import jsonschema
    except ImportError:
        print("note: python3 jsonschema missing: schema validation not done")
        return
    schema = json.load(open(os.path.join(src, "docs", "report-schema.json")))
    for p in paths:
        try:
            jsonschema.validate(json.load(open(p)), schema)
            t.ok(True, "%s validates against docs/report-schema.json" % os.path.basename(p))
        except jsonschema.ValidationError as e:
            t.ok(False, "%s validates against the schema: %s" % (p, e.message))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pyconform, src, work = sys.argv[1:]
    builds = pyenv_builds()
    if len(builds) < 2:
        print("shard.merge: skipped: fewer than two of cpython %s under pyenv" % ", ".join(BUILDS))
        return 77
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cases = [os.path.join(src, "cases", c) for c in CASES]
    base = ["run", "-q", "-j", "2", "--reports", "reports", "--keep-reports", "0"]
    for b in builds:
        base += ["--interp", b]
    t = Checks(echo=True)
    print("builds: %s; cases: %s" % (", ".join(builds), ", ".join(CASES)))

    def one_run(name, extra, files=cases):
        d = os.path.join(work, name)
        os.makedirs(d)
        rc, out, err = run([pyconform] + base + extra + files, cwd=d)
        t.ok(rc in (0, 1), "%s: run exits 0 or 1 (got %d) %s" % (name, rc, err.strip()[-300:]))
        return rc, os.path.join(d, "reports", "latest.json")

    whole_rc, whole_path = one_run("whole", [])
    shard_paths = []
    for k in (1, 2, 3):
        shard_paths.append(one_run("shard%d" % k, ["--shard", "%d/3" % k])[1])
    whole = json.load(open(whole_path))
    shards = [json.load(open(p)) for p in shard_paths]
    fp = whole["run"].get("plan_fingerprint", "")
    t.ok(fp.startswith("fnv1a64:") and len(fp) == 24, "the unsharded report has a plan fingerprint (%s)" % fp)
    total = whole["summary"]["jobs_planned"]
    seen, counts = [], []
    for k, s in enumerate(shards, 1):
        t.ok(s["run"].get("shard") == {"k": k, "n": 3, "plan_jobs": total},
             "shard %d records run.shard %s" % (k, s["run"].get("shard")))
        t.ok(s["run"].get("plan_fingerprint") == fp, "shard %d records the unsharded plan's fingerprint" % k)
        seen += [j["plan_index"] for j in s["jobs"]]
        counts.append(len(s["jobs"]))
        rc, out, _ = run([pyconform, "plan", "--shard", "%d/3" % k] +
                         sum([["--interp", b] for b in builds], []) + cases)
        t.ok(rc == 0 and ("plan: shard %d/3: %d of the plan's %d jobs (plan fingerprint %s)"
                          % (k, len(s["jobs"]), total, fp)) in out,
             "plan --shard %d/3 lists the shard's %d jobs and the fingerprint" % (k, len(s["jobs"])))
    t.ok(sorted(seen) == list(range(total)), "the shards' jobs are disjoint and cover the plan's %d" % total)
    t.ok(max(counts) - min(counts) <= 2, "balanced by job count: %s" % counts)
    t.ok(all(c > 0 for c in counts), "every shard has jobs")

    merged_path = os.path.join(work, "merged.json")
    rc, out, err = run([pyconform, "merge", "-o", merged_path, shard_paths[2], shard_paths[0], shard_paths[1]])
    print(out.strip())
    t.ok(rc == whole_rc, "merge exits as the unsharded run did (%d, got %d) %s" % (whole_rc, rc, err.strip()))
    if not os.path.exists(merged_path):
        t.ok(False, "merge wrote %s" % merged_path)
        return 1
    merged = json.load(open(merged_path))
    t.ok(merged["run"].get("merged") == {"shards": 3} and "shard" not in merged["run"],
         "the merged report records run.merged {shards: 3}")
    a, b = normalized(whole), normalized(merged)
    print("compared (unsharded vs merged): %d jobs, %d results, %d groups, %d observations, "
          "%d reasons, %d interpreters, %d stale, run %s, summary %s; ignored: durations, "
          "run.host/started/finished/seconds/peak_rss, run.shard/merged, jobs[].plan_index"
          % (len(a["jobs"]), len(a["results"]), len(a["groups"]), len(a["observations"]),
             len(a["reasons"]), len(a["interpreters"]), len(a["stale"]), sorted(a["run"]),
             json.dumps(a["summary"], sort_keys=True)))
    d = first_difference(a, b)
    t.ok(d is None, "the merged report equals the unsharded one%s" % ("" if d is None else ": " + d))
    # the comparison can fail: a changed verdict is found
    if merged["results"]:
        c = json.loads(json.dumps(merged))
        c["results"][0]["verdict"] = "CRASH" if c["results"][0]["verdict"] != "CRASH" else "PASS"
        t.ok(first_difference(a, normalized(c)) is not None, "a changed verdict would be found")

    validate_schema(t, src, shard_paths + [merged_path, whole_path])
    rc, _, err = run([pyconform, "junit", merged_path, "-o", os.path.join(work, "merged.xml")])
    t.ok(rc == 0, "junit reads the merged report %s" % err.strip())
    rc, _, err = run([pyconform, "html", merged_path, "-o", os.path.join(work, "merged.html")])
    t.ok(rc == 0, "html reads the merged report %s" % err.strip())
    rc, out, err = run([pyconform, "diff", "--json", whole_path, merged_path])
    dj = json.loads(out) if rc in (0, 1) and out.strip() else {}
    t.ok(rc == 0 and all(not v for k, v in dj.items() if isinstance(v, list)),
         "diff unsharded merged: nothing changed (exit %d)" % rc)

    # bad input: exit 2 and a message that says what is wrong
    other_rc, other = one_run("other-plan", ["--shard", "2/3"], cases[:1])
    _, two = one_run("other-n", ["--shard", "1/2"])
    trunc = os.path.join(work, "truncated.json")
    with open(shard_paths[1]) as f:
        data = f.read()
    with open(trunc, "w") as f:
        f.write(data[: len(data) // 2])
    v1 = os.path.join(work, "schema1.json")
    with open(v1, "w") as f:
        f.write(data.replace('{"schema_version":2', '{"schema_version":1', 1))
    s1, s2, s3 = shard_paths
    out_bad = os.path.join(work, "bad.json")
    cases_bad = [
        ("a missing shard", [s1, s3], "missing shards: 2 of 3"),
        ("a duplicate shard", [s1, s2, s3, s1], "duplicate shard 1/3"),
        ("a shard of another plan", [s1, other, s3], "of another plan"),
        ("shards of another N", [s1, s2, s3, two], "same N"),
        ("a report that is not a shard", [s1, s2, s3, whole_path], "not a shard report"),
        ("a missing file", [s1, s2, os.path.join(work, "nope.json")], "nope.json"),
        ("a truncated report", [s1, trunc, s3], "truncated report"),
        ("a schema 1 report", [s1, v1, s3], "schema 1"),
    ]
    for what, files, msg in cases_bad:
        rc, out, err = run([pyconform, "merge", "-o", out_bad] + files)
        t.ok(rc == 2 and msg in err and not os.path.exists(out_bad),
             "merge refuses %s: exit %d, %r" % (what, rc, err.strip()[:200]))
    rc, out, err = run([pyconform, "merge", s1, s2, s3])
    t.ok(rc == 2 and "-o OUT is required" in err, "merge without -o: exit 2 (%d)" % rc)
    rc, out, _ = run([pyconform, "merge", "--help"])
    t.ok(rc == 0 and "usage: pyconform merge" in out, "merge --help")
    for bad, msg in (("0/3", "K must be"), ("4/3", "K must be"), ("1/0", "N must be"), ("x", "expected K/N")):
        rc, out, err = run([pyconform, "run", "--shard", bad, cases[0]])
        t.ok(rc == 2 and msg in err, "run --shard %s: exit 2, %r" % (bad, err.splitlines()[0] if err else ""))
    rc, out, err = run([pyconform, "bless", "--shard", "1/2", cases[0]])
    t.ok(rc == 2 and "bless: --shard is not supported" in err, "bless refuses --shard")
    print("shard.merge: %d checks failed" % t.failed if t.failed else "shard.merge: all checks hold")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
