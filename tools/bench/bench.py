"""The speed and memory benchmark (issue 10), driven by tools/bench.sh.

Python 3 standard library only, run by the host python3.  In one run:

  (a) floor: per build, one process that starts the interpreter and runs every job's
      text bare (tools/bench/bare.py: exec, then call the functions; nothing observed),
      the builds packed onto -j cores longest first (lengths from a warm-up pass);
  (b) `pyconform run -q` on the same builds and cases (after one warm-up run);
  (c) one process per job: the build's runner (runners/runner.py) started afresh for
      every job line of `pyconform plan --json`, -j at a time;
  (d) peak RSS and report bytes of `pyconform run` on synthetic corpora;
  (e) the runner alone, fed the same job lines without the harness: as run starts it
      (a process forked per job) and with its in-process server (tools/bench/
      inprocess.py), which separates what per-job isolation costs from what
      observation costs.

Jobs, argv and env come from `pyconform plan --json`, so (a), (b) and (c) run exactly
the jobs `run` sends (skipped jobs and builds that cannot run are left out of (a) and
(c); run answers those without a runner).  Reports are read as file bytes only.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BARE = os.path.join(HERE, "bare.py")
INPROCESS = os.path.join(HERE, "inprocess.py")
BLOCKS_PER_FILE = 500


def q(argv):
    return " ".join(shlex.quote(a) for a in argv)


def log(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# Processes


def child_env(pairs):
    env = dict(os.environ)
    for pair in pairs:
        key, _, value = pair.partition("=")
        env[key] = value
    return env


def timed_run(argv, env, data, timeout):
    """Run to completion; (seconds, returncode, stdout, stderr)."""
    start = time.perf_counter()
    try:
        p = subprocess.run(argv, input=data, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return time.perf_counter() - start, "timeout", e.stdout or b"", e.stderr or b""
    return time.perf_counter() - start, p.returncode, p.stdout, p.stderr


def pack(tasks, width, timeout):
    """Run tasks [(key, argv, env, data)] width at a time, in the order given (so
    longest first when so sorted); (wall seconds, {key: result of timed_run})."""
    results = {}
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=width) as pool:
        futures = {pool.submit(timed_run, argv, env, data, timeout): key
                   for key, argv, env, data in tasks}
        for f in concurrent.futures.as_completed(futures):
            results[futures[f]] = f.result()
    return time.perf_counter() - start, results


def peak_rss_run(argv, cwd=None):
    """Run argv; (seconds, returncode, stdout, tree peak RSS bytes (wait4, as
    /usr/bin/time -f %M), own peak RSS bytes (VmHWM sampled every 10 ms))."""
    start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    own = [0]
    done = threading.Event()
    chunks = {"out": b"", "err": b""}

    def sample():
        path = "/proc/%d/status" % p.pid
        while not done.is_set():
            try:
                with open(path) as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            own[0] = max(own[0], int(line.split()[1]) * 1024)
            except (OSError, ValueError):
                pass
            done.wait(0.01)

    def drain(name, stream):
        chunks[name] = stream.read()

    threads = [threading.Thread(target=sample),
               threading.Thread(target=drain, args=("out", p.stdout)),
               threading.Thread(target=drain, args=("err", p.stderr))]
    for t in threads:
        t.start()
    threads[1].join()
    threads[2].join()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    threads[0].join()
    return (time.perf_counter() - start, p.returncode, chunks["out"].decode(),
            usage.ru_maxrss * 1024, own[0], chunks["err"].decode())


# ---------------------------------------------------------------------------
# The plan


def load_plan(pyconform, selection, cases):
    argv = [pyconform, "plan", "--json"] + selection + cases
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("bench: %s failed (exit %d):\n%s" % (q(argv), p.returncode,
                                                       p.stderr.decode(errors="replace")))
    builds = {}  # name -> {"argv", "env", "jobs": [job], "not_sent": n}, in plan order
    for line in p.stdout.decode().splitlines():
        o = json.loads(line)
        b = builds.setdefault(o["interp"], {"argv": o["argv"], "env": o["env"], "jobs": [],
                                            "not_sent": 0})
        if "skip" in o or "error" in o:
            b["not_sent"] += 1
        else:
            b["jobs"].append(o["job"])
    return argv, builds


def bare_input(root, jobs):
    lines = []
    if any(j["mode"] == "desugared" for j in jobs):
        with open(os.path.join(root, "runners", "__dp__.py")) as f:
            lines.append(json.dumps({"dp": f.read()}))
    for j in jobs:
        lines.append(json.dumps({"case": j["case"], "mode": j["mode"], "source": j["source"]}))
    return ("\n".join(lines) + "\n").encode()


def bare_argv(build):
    # the runner's command with bare.py in place of runners/runner.py (the Pyodide host
    # runs any script the same way, fds 0-2 being the process's own)
    return build["argv"][:-1] + [BARE]


# ---------------------------------------------------------------------------
# (a) (b) (c)


def floor(root, builds, width, timeout):
    tasks = []
    for name, b in builds.items():
        if b["jobs"]:
            tasks.append((name, bare_argv(b), child_env(b["env"]), bare_input(root, b["jobs"])))
    # warm-up, one build at a time: checks the driver runs and gives the lengths
    single = {}
    for key, argv, env, data in tasks:
        secs, rc, out, err = timed_run(argv, env, data, timeout)
        if rc != 0:
            sys.exit("bench: bare driver failed on %s (%s): %s" % (
                key, rc, err.decode(errors="replace")[-2000:]))
        single[key] = (secs, json.loads(out.decode().strip().splitlines()[-1]))
    tasks.sort(key=lambda t: -single[t[0]][0])
    wall, results = pack(tasks, width, timeout)
    for key, (secs, rc, out, err) in results.items():
        if rc != 0:
            sys.exit("bench: bare driver failed on %s (%s): %s" % (
                key, rc, err.decode(errors="replace")[-2000:]))
    return wall, single, {k: r[0] for k, r in results.items()}, [t[0] for t in tasks]


def pyconform_run(binaries, selection, cases, width, reports):
    """Each binary: one warm-up run, then one measured run, taken in turn (A, B, A, B) so
    that both see the same machine; the first binary also with --isolation shared.
    {(binary, extra options): (seconds, argv, summary lines)}."""
    done = {}
    variants = [(binaries[0], ()), (binaries[0], ("--isolation", "shared"))]
    variants += [(b, ()) for b in binaries[1:]]
    for attempt in ("warm-up", "measured"):
        for pyconform, extra in variants:
            argv = ([pyconform, "run", "-q", "-j", str(width), "--reports", reports] + list(extra)
                    + selection + cases)
            secs, rc, out, err = timed_run(argv, None, None, None)
            if rc not in (0, 1):
                sys.exit("bench: %s failed (exit %s): %s" % (q(argv), rc, err.decode()[-2000:]))
            summary = [line for line in out.decode().strip().splitlines() if line]
            done[(pyconform, extra)] = (secs, argv, summary)
    return done


def per_job(builds, width, timeout, sample):
    """(wall seconds, processes run, processes that would run, failures, factor)."""
    tasks = []
    total = 0
    for name, b in builds.items():
        jobs = b["jobs"]
        total += len(jobs)
        if sample and len(jobs) > sample:
            step = len(jobs) / float(sample)
            jobs = [jobs[int(i * step)] for i in range(sample)]
        env = child_env(b["env"])
        for j in jobs:
            tasks.append(((name, j["id"]), b["argv"], env, (json.dumps(j) + "\n").encode()))
    wall, results = pack(tasks, width, timeout)
    failures = []
    for key, (secs, rc, out, err) in results.items():
        last = out.decode(errors="replace").strip().splitlines()[-1:] or [""]
        if rc != 0 or not last[0].startswith('{"end"'):
            failures.append("%s job %s: exit %s, last line %r" % (key[0], key[1], rc, last[0][:100]))
    return wall, len(tasks), total, failures


def runner_alone(root, builds, width, timeout):
    """(e): the plan's job lines fed straight to each build's runner, no harness, packed
    like (a): once with the runner as run starts it (a process forked per job) and once
    with its in-process server (tools/bench/inprocess.py).  Builds without fork
    (Pyodide) have only the first.  (wall forked, wall in-process, {build: (forked s,
    in-process s or None)})."""
    forked, inproc = [], []
    for name, b in builds.items():
        if not b["jobs"]:
            continue
        data = ("\n".join(json.dumps(j) for j in b["jobs"]) + "\n").encode()
        env = child_env(b["env"])
        forked.append((name, b["argv"], env, data))
        if os.path.basename(b["argv"][0]).startswith("node"):
            continue  # the Pyodide host: the runner serves in process already
        runners = os.path.dirname(b["argv"][-1])
        inproc.append((name, b["argv"][:-1] + [INPROCESS, runners], env, data))
    walls, per = [], {}
    for tasks in (forked, inproc):
        wall, results = pack(tasks, width, timeout)
        walls.append(wall)
        for key, (secs, rc, out, err) in results.items():
            ends = out.count(b'{"end"')
            if rc != 0 or ends != len(dict((t[0], t[3]) for t in tasks)[key].splitlines()):
                sys.exit("bench: runner failed on %s (exit %s, %d end lines): %s" % (
                    key, rc, ends, err.decode(errors="replace")[-2000:]))
            per.setdefault(key, [None, None])[0 if tasks is forked else 1] = secs
    return walls[0], walls[1], per


# ---------------------------------------------------------------------------
# (d) synthetic corpora


MARK = 1000000  # block i's own value is MARK + i (in its text and its observation)


def write_corpus(directory, n):
    """n one-function blocks, BLOCKS_PER_FILE per case file.  Each function has a cell,
    a nested function and a list, and returns a value of its own and its sorted
    locals(): an observation of the corpus's usual size (outcome, scopes, one
    f_locals entry) that differs from block to block."""
    cases = os.path.join(directory, "cases")
    os.makedirs(cases)
    files = []
    for start in range(0, n, BLOCKS_PER_FILE):
        stem = "s%06d" % start
        blocks = list(range(start, min(n, start + BLOCKS_PER_FILE)))
        with open(os.path.join(cases, stem + ".case"), "w") as f:
            for i in blocks:
                f.write("$ synthetic %d\n"
                        "def f():\n"
                        "    a = %d\n"
                        "    b = [a, 'text', None]\n"
                        "    def g():\n"
                        "        return a\n"
                        "    return [a, sorted(locals())]\n\n" % (i, MARK + i))
        files.append((stem, blocks))
    return cases, files


def with_value(obj, i):
    """obj with every integer MARK replaced by MARK + i."""
    if isinstance(obj, dict):
        return {k: with_value(v, i) for k, v in obj.items()}
    if isinstance(obj, list):
        return [with_value(v, i) for v in obj]
    if type(obj) is int and obj == MARK:
        return MARK + i
    return obj


def expectations(pyconform, interp, workdir):
    """bless one block; its expected/ entry is the template of every block."""
    d = os.path.join(workdir, "template")
    cases, files = write_corpus(d, 1)
    argv = [pyconform, "bless", "-q", "--cases", cases, "--expected", os.path.join(d, "e"),
            "--reports", os.path.join(d, "r"), "--interp", interp, "--mode", "source"]
    secs, rc, out, err = timed_run(argv, None, None, None)
    if rc != 0:
        sys.exit("bench: %s failed (exit %s): %s" % (q(argv), rc, err.decode()[-2000:]))
    with open(os.path.join(d, "e", files[0][0] + ".json")) as f:
        doc = json.load(f)
    shutil.rmtree(d)
    return doc, argv


def write_expected(directory, files, template):
    expected = os.path.join(directory, "expected")
    os.makedirs(expected)
    entry = template["cases"]["synthetic 0"]
    for stem, blocks in files:
        doc = dict(template)
        doc["case_file"] = stem + ".case"
        doc["cases"] = {"synthetic %d" % i: with_value(entry, i) for i in blocks}
        with open(os.path.join(expected, stem + ".json"), "w") as f:
            json.dump(doc, f, indent=2)
    return expected


def rss(binaries, sizes, interp, workdir, width):
    """Each corpus is written once and run by each binary in turn.  {binary: rows}."""
    rows = dict((b, []) for b in binaries)
    commands = []
    template, bless_argv = expectations(binaries[0], interp, workdir)
    commands.append(bless_argv)
    for n in sizes:
        d = os.path.join(workdir, "corpus-%d" % n)
        log("(d) %d jobs: corpus and expected/" % n)
        cases, files = write_corpus(d, n)
        expected = write_expected(d, files, template)
        reports = os.path.join(d, "reports")
        for pyconform in binaries:
            run = [pyconform, "run", "-q", "--keep-reports", "1", "--cases", cases, "--expected",
                   expected, "--reports", reports, "--interp", interp, "--mode", "source",
                   "-j", str(width)]
            log("(d) %d jobs: run %s" % (n, pyconform))
            secs, rc, out, tree, own, err = peak_rss_run(run)
            if rc not in (0, 1):
                sys.exit("bench: %s failed (exit %d): %s" % (q(run), rc, err[-2000:]))
            report_bytes = os.path.getsize(os.path.join(reports, "latest.json"))
            summary = (out.strip().splitlines()[:1] or [""])[0]
            m = re.search(r"([0-9]+) results", summary)  # run's summary line, not the report
            results = int(m.group(1)) if m else n
            rows[pyconform].append((n, secs, own, tree, report_bytes, summary, results))
            commands.append(run)
            shutil.rmtree(reports, ignore_errors=True)
        shutil.rmtree(d)
    return rows, commands


def slope(points):
    n = float(len(points))
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return 0.0, my
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    return b, my - b * mx


# ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(prog="tools/bench.sh")
    ap.add_argument("--pyconform", required=True)
    ap.add_argument("--baseline", default=None,
                    help="a second pyconform binary: (b) and (d) run it too, in turn, with ratios")
    ap.add_argument("--root", required=True)
    ap.add_argument("--interp", action="append", default=[])
    ap.add_argument("--tag", action="append", default=[])
    ap.add_argument("--mode", default=None)
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--matrix", action="store_true")
    ap.add_argument("--sizes", default="2000,8000,32000,100000")
    ap.add_argument("--rss-interp", default="cpython-3.12.1")
    ap.add_argument("--per-job-sample", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--parts", default="abcde")
    ap.add_argument("cases", nargs="*")
    o = ap.parse_args()

    if o.matrix:
        selection = []
        mode = o.mode or "both"
    else:
        selection = ["--interp=" + p for p in o.interp] + ["--tag=" + t for t in o.tag]
        if not o.interp and not o.tag:
            selection = ["--tag=pyenv"]
        mode = o.mode or "source"
    selection.append("--mode=" + mode)
    cases = o.cases or sorted(
        os.path.join(o.root, "cases", f) for f in os.listdir(os.path.join(o.root, "cases"))
        if f.endswith(".case"))
    sizes = [int(s) for s in o.sizes.split(",") if s.strip()]
    work = tempfile.mkdtemp(prefix="pc-bench-")
    out = []
    try:
        plan_argv, builds = load_plan(o.pyconform, selection, cases)
        njobs = sum(len(b["jobs"]) for b in builds.values())
        nsent = sum(b["not_sent"] for b in builds.values())
        out.append("pyconform benchmark: %d builds, mode %s, %d case files, %d jobs sent "
                   "(%d not sent: skipped or build cannot run), -j %d, %d cores" % (
                       len(builds), mode, len(cases), njobs, nsent, o.j, os.cpu_count() or 0))
        out.append("plan: %s" % q(plan_argv))
        out.append("")
        a = b = c = None
        if "a" in o.parts:
            log("(a) floor: bare driver per build")
            a, single, packed, order = floor(o.root, builds, o.j, o.timeout)
            out.append("(a) floor: start-up + every block bare, one process per build "
                       "(tools/bench/bare.py), packed onto -j %d longest first" % o.j)
            out.append("    %-22s %6s %7s %10s %10s %8s" % ("build", "jobs", "calls", "alone s",
                                                         "in-jobs s", "packed s"))
            for name in order:
                secs, info = single[name]
                out.append("    %-22s %6d %7d %10.3f %10.3f %8.3f" % (
                    name, info["jobs"], info["calls"], secs, info["seconds"], packed[name]))
            out.append("    command per build: ENV... ARGV-without-runner.py %s < jobs "
                       "(argv, env from plan)" % BARE)
            out.append("")
        binaries = [o.pyconform] + ([o.baseline] if o.baseline else [])
        base_b = None
        if "b" in o.parts:
            log("(b) pyconform run")
            runs = pyconform_run(binaries, selection, cases, o.j, os.path.join(work, "reports"))
            b, run_argv, summary = runs[(o.pyconform, ())]
            out.append("(b) pyconform run (one warm-up run first, not counted)")
            out.append("    %s" % q(run_argv))
            for line in summary:
                out.append("    | %s" % line)
            b_shared, shared_argv, shared_summary = runs[(o.pyconform, ("--isolation", "shared"))]
            out.append("    the same with --isolation shared (no process per job), in turn with it:")
            out.append("    %s" % q(shared_argv))
            for line in shared_summary:
                out.append("    | %s" % line)
            if o.baseline:
                base_b, base_argv, base_summary = runs[(o.baseline, ())]
                out.append("    baseline, run in turn with it: %s" % q(base_argv))
                for line in base_summary:
                    out.append("    | %s" % line)
            out.append("")
        if "c" in o.parts:
            log("(c) one process per job")
            c, nproc, total, failures = per_job(builds, o.j, o.timeout, o.per_job_sample)
            c_full = c * total / float(nproc) if nproc else 0.0
            out.append("(c) one process per job: a fresh runner (plan argv + env) per job line, "
                       "-j %d at a time" % o.j)
            if nproc < total:
                out.append("    %d of %d jobs run (--per-job-sample %d per build); wall %.3f s, "
                           "extrapolated to all jobs: %.3f s" % (nproc, total, o.per_job_sample,
                                                                c, c_full))
            else:
                out.append("    %d processes" % nproc)
            for f in failures[:10]:
                out.append("    FAILED: %s" % f)
            if len(failures) > 10:
                out.append("    ... %d failures in all" % len(failures))
            c = c_full
            out.append("")
        e = None
        if "e" in o.parts:
            log("(e) the runner alone")
            e, e_in, e_per = runner_alone(o.root, builds, o.j, o.timeout)
            out.append("(e) the runner alone: each build's job lines fed straight to its runner "
                       "(no harness), packed like (a)")
            out.append("    %-22s %10s %12s" % ("build", "forked s", "in-process s"))
            for name in sorted(e_per, key=lambda k: -e_per[k][0]):
                f, i = e_per[name]
                out.append("    %-22s %10.3f %12s" % (name, f, "%.3f" % i if i is not None else "-"))
            out.append("    forked: the runner as run starts it, a process forked per job; "
                       "in-process: %s (no per-job isolation)" % INPROCESS)
            out.append("")
        if a is not None or b is not None or c is not None or e is not None:
            out.append("summary (wall seconds, one run each; the machine is shared):")
        if a is not None:
            out.append("    (a) floor                %8.3f" % a)
        if b is not None:
            out.append("    (b) pyconform run        %8.3f   %5.2fx the floor" % (
                b, b / a) if a else "    (b) pyconform run        %8.3f" % b)
        if b is not None:
            out.append("    (b) --isolation shared   %8.3f   %s" % (
                b_shared, "%5.2fx the floor" % (b_shared / a) if a else ""))
        if base_b is not None:
            out.append("    (b') baseline run        %8.3f   %s(b) is %.2fx the baseline" % (
                base_b, "%5.2fx the floor; " % (base_b / a) if a else "", b / base_b))
        if c is not None:
            out.append("    (c) one process per job  %8.3f   %5.2fx (b)%s" % (
                c, c / b if b else 0, "  (extrapolated)" if o.per_job_sample else ""))
        if e is not None:
            out.append("    (e) runner alone, forked %8.3f   %s" % (
                e, "%5.2fx the floor" % (e / a) if a else ""))
            out.append("    (e) runner, in process   %8.3f   %s" % (
                e_in, "%5.2fx the floor" % (e_in / a) if a else ""))
        out.append("")
        print("\n".join(out))
        sys.stdout.flush()
        out = []
        if "d" in o.parts and sizes:
            all_rows, commands = rss(binaries, sizes, o.rss_interp, work, o.j)
            out.append("(d) memory: synthetic corpora of N one-function blocks (%d per case file)"
                       " on %s, source mode," % (BLOCKS_PER_FILE, o.rss_interp))
            out.append("    expected/: one block blessed (command below), its entry copied to "
                       "every block with the block's own value; `pyconform run` measured")
            for pyconform in binaries:
                rows = all_rows[pyconform]
                if o.baseline:
                    out.append("    %s%s" % ("baseline " if pyconform == o.baseline else "", pyconform))
                out.append("    %8s %8s %14s %14s %14s %9s %9s" % (
                    "jobs", "run s", "pyconform RSS", "tree max RSS", "report bytes", "B/job",
                    "B/result"))
                for n, secs, own, tree, rb, summary, results in rows:
                    out.append("    %8d %8.2f %14d %14d %14d %9.0f %9.0f" % (
                        n, secs, own, tree, rb, rb / float(n), rb / float(results)))
                    out.append("             | %s" % summary)
                if len(rows) >= 2:
                    s_own, i_own = slope([(r[0], r[2]) for r in rows])
                    s_rep, _ = slope([(r[6], r[4]) for r in rows])
                    out.append("    RSS slope (least squares, pyconform's own VmHWM): %.0f bytes/job, "
                               "intercept %.1f MB; at 100k jobs: %.0f MB" % (
                                   s_own, i_own / 1e6, (i_own + s_own * 100000) / 1e6))
                    out.append("    report slope: %.0f bytes/result" % s_rep)
            out.append("    pyconform RSS: VmHWM of the pyconform process, sampled every 10 ms; "
                       "tree max: wait4 ru_maxrss (as /usr/bin/time -f %M), the largest process "
                       "of the tree")
            out.append("    report bytes: reports/latest.json (file size only); results: the count in "
                       "run's summary line (a module row and a function row per job)")
            out.append("    template: %s" % q(commands[0]).replace(work, "$TMP"))
            out.append("    command:  %s" % q(commands[-1]).replace(work, "$TMP"))
            print("\n".join(out))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
