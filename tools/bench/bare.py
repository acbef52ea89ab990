"""The floor's driver (tools/bench.sh, part a): run case blocks bare, in one process.

Run by each build under test, as the runner would be (`PY bare.py`, or the Pyodide
host with this script instead of runners/runner.py), Python 3.8 syntax, standard
library only.  Reads NDJSON on stdin:

    {"dp": SOURCE}                                   first, when desugared jobs follow
    {"case": NAME, "mode": MODE, "source": TEXT}     one per job

and for every job does what the runner does minus all observation: compile the text
as "<case NAME>", execute it in a fresh namespace (desugared: with __dp__ bound),
then call every top-level function the text defines that needs no arguments, in
module dict order.  No profile hook, no scope table, no canonical values, no
protocol lines.  Exceptions are caught and counted.  What case code prints goes to
a buffer that is dropped.

At the end it writes one line on the stdout it found at start-up:
    {"jobs": N, "calls": N, "raised": N, "seconds": S}
seconds being the time spent in the jobs (start-up excluded; the caller measures
the process's wall time).  Builtins, sys.stdout/stderr, the recursion limit, the
trace and profile functions and the cwd are put back after each job, so one case
cannot stop the next from running (the runner forks instead; that costs more).
"""
import builtins
import io
import json
import os
import sys
import time
import types


def needs_no_arguments(func):
    code = func.__code__
    defaults = func.__defaults__ or ()
    if code.co_argcount > len(defaults):
        return False
    kwdefaults = func.__kwdefaults__ or {}
    start = code.co_argcount
    for name in code.co_varnames[start:start + code.co_kwonlyargcount]:
        if name not in kwdefaults:
            return False
    return True


def case_functions(namespace, filename):
    found, seen = [], set()
    for value in list(namespace.values()):
        if type(value) is not types.FunctionType:
            continue
        if value.__code__.co_filename != filename or id(value) in seen:
            continue
        if needs_no_arguments(value):
            seen.add(id(value))
            found.append(value)
    return found


def main():
    out = os.fdopen(os.dup(1), "w")
    lines = sys.stdin.read().splitlines()
    saved_builtins = dict(builtins.__dict__)
    saved = (sys.stdout, sys.stderr, sys.getrecursionlimit())
    cwd = os.getcwd()
    dp = None
    jobs = calls = raised = 0
    spent = 0.0
    for line in lines:
        if not line.strip():
            continue
        job = json.loads(line)
        if "dp" in job:
            dp = types.ModuleType("__dp__")
            exec(compile(job["dp"], "__dp__.py", "exec"), dp.__dict__)
            sys.modules["__dp__"] = dp
            continue
        filename = "<case %s>" % job["case"]
        start = time.perf_counter()
        sys.stdout = sys.stderr = io.StringIO()
        try:
            try:
                code = compile(job["source"], filename, "exec")
            except SyntaxError:
                raised += 1
                continue
            module = types.ModuleType("__case__")
            if job["mode"] == "desugared":
                module.__dict__["__dp__"] = dp
            sys.modules["__case__"] = module
            try:
                exec(code, module.__dict__)
            except BaseException:
                raised += 1
            for func in case_functions(module.__dict__, filename):
                calls += 1
                try:
                    func()
                except BaseException:
                    raised += 1
        finally:
            sys.settrace(None)
            sys.setprofile(None)
            sys.stdout, sys.stderr = saved[0], saved[1]
            sys.setrecursionlimit(saved[2])
            sys.modules.pop("__case__", None)
            if builtins.__dict__ != saved_builtins:
                builtins.__dict__.clear()
                builtins.__dict__.update(saved_builtins)
            try:
                os.chdir(cwd)
            except OSError:
                pass
            spent += time.perf_counter() - start
            jobs += 1
    out.write(json.dumps({"jobs": jobs, "calls": calls, "raised": raised, "seconds": spent}))
    out.write("\n")
    out.flush()


if __name__ == "__main__":
    main()
