#!/usr/bin/env python3
"""ctest shard.ci_recipes: the CI recipes under docs/ci/ parse, and the shard
arguments they produce are exactly 1/N .. N/N.

    ci_recipes.py SOURCE_DIR PYCONFORM

docs/ci/github-actions.yml (GitHub Actions): the workflow parses (PyYAML, Debian
python3-yaml: tools/setup.sh installs it); the shard job's matrix has one `total` N and
`shard` 1..N; its steps are executed as the runner would, for every matrix entry, with
${{ matrix.* }} substituted and a stub `build/pyconform` that records its arguments: the
`--shard` values are 1/N .. N/N, each once, and the artifact it uploads is the report
the run wrote. The merge job downloads those artifacts (its pattern matches their
names), and its script, run with the stub over N fake shard reports, calls
`merge -o OUT` with all N, then `junit OUT` and `html OUT`.

docs/ci/k8s-indexed-job.yaml (Kubernetes): the Indexed Job parses, completions,
parallelism and SHARDS agree; its container's script, run for JOB_COMPLETION_INDEX
0 .. N-1 with a stub `pyconform` on PATH, gives --shard 1/N .. N/N; the merge Job's
script merges every shard's report and writes JUnit and HTML from it.

Every produced `--shard K/N` is also accepted by the real pyconform (`plan --shard`).
Exit 0 when all hold, 1 otherwise.
"""
import fnmatch
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Checks  # noqa: E402 - tests/checks.py, found through the path above

try:
    import yaml
except ImportError:
    sys.stderr.write("shard.ci_recipes: PyYAML is missing (Debian python3-yaml; tools/setup.sh installs it)\n")
    sys.exit(1)

STUB = """#!/bin/sh
# records its arguments, one JSON list a line; `merge -o OUT` and `run --reports DIR`
# leave a file where pyconform would
python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >> "$PYCONFORM_CALLS"
prev=
for a in "$@"; do
  case "$prev" in
    -o) echo '{}' > "$a" ;;
    --reports) mkdir -p "$a" && echo '{}' > "$a/latest.json" ;;
  esac
  prev=$a
done
exit 0
"""


def stub_dir(where, name):
    path = os.path.join(where, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(STUB)
    os.chmod(path, 0o755)


def run_script(script, cwd, env_extra):
    calls = os.path.join(cwd, "calls.ndjson")
    if os.path.exists(calls):
        os.unlink(calls)
    env = dict(os.environ, PYCONFORM_CALLS=calls, **env_extra)
    env["PATH"] = os.path.join(cwd, "bin") + os.pathsep + env["PATH"]
    p = subprocess.run(["/bin/sh", "-e", "-c", script], cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    out = []
    if os.path.exists(calls):
        with open(calls) as f:
            out = [json.loads(line) for line in f if line.strip()]
    return p.returncode, out, p.stderr


def shard_arg(call):
    return call[call.index("--shard") + 1] if "--shard" in call else None


def substitute(text, ctx):
    def one(m):
        expr = m.group(1).strip()
        if expr not in ctx:
            raise KeyError(expr)
        return str(ctx[expr])
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def github(t, src, pyconform):
    path = os.path.join(src, "docs", "ci", "github-actions.yml")
    wf = yaml.safe_load(open(path))
    t.ok(isinstance(wf, dict) and "jobs" in wf, "github-actions.yml parses as a workflow")
    shard, merge = wf["jobs"]["shard"], wf["jobs"]["merge"]
    matrix = shard["strategy"]["matrix"]
    totals = matrix.get("total", [])
    t.ok(len(totals) == 1 and isinstance(totals[0], int), "the matrix has one total N (%r)" % totals)
    n = totals[0]
    t.ok(matrix.get("shard") == list(range(1, n + 1)), "the matrix's shard is 1..%d (%r)" % (n, matrix.get("shard")))
    t.ok(shard["strategy"].get("fail-fast") is False, "fail-fast is off: every shard reports")
    t.ok(merge.get("needs") == "shard" or merge.get("needs") == ["shard"], "merge needs the shard jobs")
    args, uploads = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in matrix["shard"]:
            ctx = {"matrix.shard": k, "matrix.total": n}
            work = os.path.join(tmp, "shard%d" % k)
            stub_dir(work, "build/pyconform")
            for step in shard["steps"]:
                if "run" in step and "pyconform" in step["run"] and "setup.sh" not in step["run"]:
                    rc, calls, err = run_script(substitute(step["run"], ctx), work, {})
                    t.ok(rc == 0, "shard %d: its run step exits 0 with the stub %s" % (k, err.strip()))
                    args += [shard_arg(c) for c in calls if c and c[0] == "run"]
                    for c in calls:
                        if "--reports" in c:
                            reports = c[c.index("--reports") + 1]
                if step.get("uses", "").startswith("actions/upload-artifact"):
                    w = step["with"]
                    uploads.append(substitute(w["name"], ctx))
                    t.ok(os.path.normpath(w["path"]) == os.path.join(reports, "latest.json"),
                         "shard %d uploads the report its run wrote (%s)" % (k, w["path"]))
        want = ["%d/%d" % (k, n) for k in range(1, n + 1)]
        t.ok(sorted(args) == sorted(want), "the shard jobs run --shard %s" % ", ".join(a or "?" for a in args))
        # the merge job: download pattern, then its script on N fake shard reports
        down = [s for s in merge["steps"] if s.get("uses", "").startswith("actions/download-artifact")]
        t.ok(len(down) == 1 and all(fnmatch.fnmatch(u, down[0]["with"]["pattern"]) for u in uploads),
             "merge downloads every shard's artifact (%s)" % (down[0]["with"]["pattern"] if down else None))
        mwork = os.path.join(tmp, "merge")
        stub_dir(mwork, "build/pyconform")
        for u in uploads:
            d = os.path.join(mwork, down[0]["with"]["path"], u)
            os.makedirs(d)
            with open(os.path.join(d, "latest.json"), "w") as f:
                f.write("{}")
        script = [s for s in merge["steps"] if "run" in s and " merge " in s["run"]]
        t.ok(len(script) == 1, "merge has one step that merges")
        rc, calls, err = run_script(script[0]["run"], mwork, {"GITHUB_OUTPUT": os.path.join(mwork, "out")})
        check_merge_calls(t, "github", calls, n, rc, err)
        outs = [s for s in merge["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
        t.ok(outs and all(x in outs[0]["with"]["path"] for x in ("pyconform.json", "pyconform-junit.xml", "pyconform.html")),
             "merge uploads the report, JUnit and HTML")
    return args


def check_merge_calls(t, who, calls, n, rc, err):
    cmds = [c[0] for c in calls]
    t.ok(rc == 0 and cmds == ["merge", "junit", "html"], "%s: merge, then junit and html (%s) %s" % (who, cmds, err.strip()))
    if cmds != ["merge", "junit", "html"]:
        return
    m = calls[0]
    out = m[m.index("-o") + 1]
    ins = [a for a in m[1:] if a not in ("-o", out)]
    t.ok(len(ins) == n and all(a.endswith("latest.json") for a in ins),
         "%s: merge -o %s is given the %d shard reports" % (who, out, n))
    t.ok(calls[1][1] == out and calls[2][1] == out, "%s: junit and html read the merged report" % who)


def kubernetes(t, src):
    path = os.path.join(src, "docs", "ci", "k8s-indexed-job.yaml")
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    jobs = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "Job"}
    t.ok(set(jobs) == {"pyconform-shards", "pyconform-merge"}, "k8s-indexed-job.yaml parses: two Jobs (%s)" % sorted(jobs))
    spec = jobs["pyconform-shards"]["spec"]
    c = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    n = spec["completions"]
    t.ok(spec.get("completionMode") == "Indexed", "the shard Job is an Indexed Job")
    t.ok(spec.get("parallelism") == n and env.get("SHARDS") == str(n),
         "completions, parallelism and SHARDS agree (%s, %s, %s)" % (n, spec.get("parallelism"), env.get("SHARDS")))
    script = " ".join(c["command"][2:] + c["args"]) if c["command"][:2] == ["/bin/sh", "-c"] else None
    t.ok(script is not None, "the container runs a /bin/sh -c script")
    args = []
    with tempfile.TemporaryDirectory() as tmp:
        stub_dir(tmp, "bin/pyconform")
        for index in range(n):
            rc, calls, err = run_script(script.replace("/reports", os.path.join(tmp, "reports")), tmp,
                                        dict(env, JOB_COMPLETION_INDEX=str(index)))
            t.ok(rc == 0, "index %d: the script exits 0 with the stub %s" % (index, err.strip()))
            got = [shard_arg(x) for x in calls if x and x[0] == "run"]
            t.ok(got == ["%d/%d" % (index + 1, n)], "JOB_COMPLETION_INDEX=%d runs --shard %s" % (index, got))
            args += got
        m = jobs["pyconform-merge"]["spec"]["template"]["spec"]["containers"][0]
        mscript = m["args"][0].replace("/reports", os.path.join(tmp, "reports"))
        rc, calls, err = run_script(mscript, tmp, {})
        check_merge_calls(t, "k8s", calls, n, rc, err)
    return args


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, pyconform = sys.argv[1:]
    t = Checks(echo=True)
    produced = github(t, src, pyconform) + kubernetes(t, src)
    seed = os.path.join(src, "cases", "000_scope_locals.case")
    for a in sorted(set(x for x in produced if x)):
        p = subprocess.run([pyconform, "plan", "--shard", a, "--mode", "source", seed],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        t.ok(p.returncode == 0 and ("plan: shard %s:" % a) in p.stdout,
             "pyconform plan accepts --shard %s %s" % (a, p.stderr.strip()[:200]))
    print("shard.ci_recipes: %d checks failed" % t.failed if t.failed else "shard.ci_recipes: all checks hold")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
