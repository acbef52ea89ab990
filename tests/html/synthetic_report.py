#!/usr/bin/env python3
"""A synthetic schema-2 report the size of the full matrix, for looking at the page at
scale (`pyconform html` on it, then a screenshot):

    synthetic_report.py OUT.json [--builds 21] [--functions 300] [--pad BYTES]

21 builds (pyenv CPythons, debug, free-threaded, PyPy, Pyodide), 300 case functions in
25 cases, source and desugared; observations split by version the way the corpus's
are (3.11 and 3.13 change locals()), a few XFAIL, FAIL, DIVERGE, TIMEOUT and SKIP
rows. --pad adds bytes to each observation so the file reaches the size of a real
full-matrix report (about 4.5 MB). Deterministic (seeded). Host python3, stdlib only.
"""
import argparse
import json
import random

BUILDS = [
    ("cpython-3.8.18", "cpython", [3, 8, 18], {}), ("cpython-3.9.18", "cpython", [3, 9, 18], {}),
    ("cpython-3.10.13", "cpython", [3, 10, 13], {}), ("cpython-3.11.7", "cpython", [3, 11, 7], {}),
    ("cpython-3.12.1", "cpython", [3, 12, 1], {}), ("cpython-3.13.0", "cpython", [3, 13, 0], {}),
    ("cpython-3.13-sid", "cpython", [3, 13, 9], {}), ("cpython-3.13-src", "cpython", [3, 13, 5], {}),
    ("cpython-3.14-sid", "cpython", [3, 14, 2], {}), ("cpython-3.15-sid", "cpython", [3, 15, 0], {}),
    ("cpython-3.11-dbg-bookworm", "cpython", [3, 11, 2], {"debug": True}),
    ("cpython-3.13d-src", "cpython", [3, 13, 5], {"debug": True}),
    ("cpython-3.14-dbg-sid", "cpython", [3, 14, 2], {"debug": True}),
    ("cpython-3.13t-src", "cpython", [3, 13, 5], {"free_threaded": True}),
    ("pypy3.9-bookworm", "pypy", [3, 9, 16], {}),
    ("pyodide-0.25.1", "cpython", [3, 11, 3], {"wasm": True}),
    ("pyodide-0.27.8", "cpython", [3, 12, 7], {"wasm": True}),
    ("pyodide-0.29.5", "cpython", [3, 13, 2], {"wasm": True}),
    ("pyodide-314.0.7", "cpython", [3, 14, 0], {"wasm": True}),
    ("pyodide-315.0.0a2", "cpython", [3, 15, 0], {"wasm": True}),
    ("cpython-3.12-custom", "cpython", [3, 12, 3], {}),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--builds", type=int, default=21)
    ap.add_argument("--functions", type=int, default=300)
    ap.add_argument("--pad", type=int, default=600)
    a = ap.parse_args()
    rnd = random.Random(11)
    builds = BUILDS[:a.builds]
    interps = []
    for name, impl, v, traits in builds:
        probe = {"implementation": impl, "version": "%d.%d.%d" % tuple(v), "version_info": v + ["final", 0],
                 "executable": "/opt/%s/bin/python3" % name, "debug": False, "free_threaded": False,
                 "wasm": False}
        probe.update(traits)
        interps.append({"name": name, "argv": [probe["executable"]], "env": [], "origin": "pyenv",
                        "path": probe["executable"], "supported": True, "selected": True,
                        "problem": None, "probe": probe})
    ncases = 25
    per = a.functions // ncases
    jobs, results, groups = [], [], []
    observations, index = [None], {}

    def intern(o):
        k = json.dumps(o, sort_keys=True)
        if k not in index:
            index[k] = len(observations)
            observations.append(o)
        return index[k]

    reasons = ["locals() order changed in 3.11", "the translation's class builder always sets __annotations__"]
    verdicts = dict((v, 0) for v in ["PASS", "XFAIL", "SKIP", "FAIL", "XPASS", "DIVERGE", "FLAKY", "TIMEOUT", "CRASH", "ERROR", "NOT-RUN"])
    for c in range(ncases):
        case = "case %02d %s" % (c, rnd.choice(["closures", "class bodies", "f_locals proxy", "nonlocal errors", "locals snapshot"]))
        fns = ["<module>"] + ["fn_%02d_%s" % (i, rnd.choice(["locals", "cell", "freevar", "delete", "exec", "comprehension"])) for i in range(per - 1)]
        first_job = len(jobs)
        for b, (name, impl, v, traits) in enumerate(builds):
            for mode in ("source", "desugared"):
                jobs.append({"id": len(jobs), "case": case, "file": "cases/%03d_x.case" % c, "line": 1 + 40 * c,
                             "mode": mode, "interpreter": name, "status": "ok", "duration": 0.05})
        for f in fns:
            split = rnd.random()
            for mode in ("source", "desugared"):
                part = {}
                for b, (name, impl, v, traits) in enumerate(builds):
                    job = first_job + 2 * b + (mode == "desugared")
                    era = 0 if split < 0.7 else (0 if v[1] < 11 else 1 if v[1] < 13 else 2)
                    if impl == "pypy" and split > 0.85:
                        era = 3
                    obs = {"outcome": {"kind": "return", "value": [f, era]}, "stdout": "",
                           "scopes": {f: {"varnames": ["x", "y"], "cellvars": [], "freevars": []}},
                           "f_locals_at_return": [{"function": f, "locals": {"dict": [["x", era], ["pad", "p" * a.pad]]}}]}
                    row = {"function": f, "verdict": "PASS", "job": job, "duration": rnd.random() / 100}
                    r = rnd.random()
                    if traits.get("wasm") and f.endswith("exec") and r < 0.5:
                        row["verdict"] = "SKIP"
                        row["detail"] = "needs threads"
                    elif r < 0.004:
                        row["verdict"] = "TIMEOUT"
                        row["detail"] = "timed out after 10 s"
                    else:
                        row["observation"] = intern(obs)
                        part.setdefault(row["observation"], []).append(b)
                        if mode == "desugared" and split > 0.93:
                            row["verdict"] = "XFAIL"
                            row["reason"] = 2
                        elif r < 0.012:
                            row["verdict"] = "FAIL" if mode == "source" else "DIVERGE"
                            row["detail"] = "observation differs from expected/"
                            row["expected"] = dict(obs, outcome={"kind": "return", "value": [f, 9]})
                            row["diff"] = {"path": "outcome.value[1]", "expected": 9, "observed": era}
                        elif era and split > 0.7:
                            row["reason"] = 1
                    verdicts[row["verdict"]] += 1
                    results.append(row)
                gs = []
                for o, bs in part.items():
                    label = " | ".join(sorted({"%s%s" % (builds[i][1], "+debug" if builds[i][3].get("debug") else "+ft" if builds[i][3].get("free_threaded") else "+wasm" if builds[i][3].get("wasm") else "") for i in bs}))
                    gs.append({"builds": label + " (%d builds)" % len(bs), "interpreters": bs, "observation": o})
                groups.append({"case": case, "function": f, "mode": mode, "groups": gs})
    unexpected = sum(n for v, n in verdicts.items() if v not in ("PASS", "XFAIL", "SKIP"))
    doc = {"schema_version": 2, "harness": {"name": "pyconform", "version": "0.1.0"}, "results": results,
           "observations": observations, "reasons": reasons, "groups": groups, "jobs": jobs,
           "interpreters": interps, "stale": [],
           "run": {"host": "synthetic", "started": "2026-12-02T00:00:00Z", "finished": "2026-12-02T00:03:20Z",
                   "seconds": 200.0, "command": ["pyconform", "run"], "timeout": 10, "startup_timeout": 30,
                   "max_output": 1048576, "max_memory": 4294967296, "parallel": 2, "peak_rss": 30000000},
           "interrupted": False, "signal": 0,
           "summary": {"jobs_planned": len(jobs), "jobs_reported": len(jobs),
                       "jobs": {"ok": len(jobs), "timeout": 0, "crash": 0, "error": 0, "skipped": 0, "not-run": 0},
                       "results": len(results), "verdicts": verdicts, "unexpected": unexpected,
                       "observations": len(observations) - 1}}
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("{\n")
        f.write(",\n".join("%s: %s" % (json.dumps(k), json.dumps(v)) for k, v in doc.items()))
        f.write("\n}\n")


if __name__ == "__main__":
    main()
