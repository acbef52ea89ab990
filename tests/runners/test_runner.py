"""runners/runner.py as a subprocess speaking the NDJSON protocol (protocol 2,
docs/protocol.md): a hello line, then for every job a module line, one line per
call as it completes and an end line written by the server after the job's
process ended.  The helpers here put each job's lines back together as one
result {"id", "module", "functions", "end"} and check the order on the way."""
import io
import json
import os
import select
import subprocess
import sys
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.normpath(os.path.join(HERE, "..", "..", "runners", "runner.py"))
RUNNERS_DIR = os.path.dirname(RUNNER)
SEED = os.path.join(HERE, "scope_locals.case")  # copy of the seed scope-locals case
PYPY = sys.implementation.name == "pypy"
CAN_FORK = hasattr(os, "fork")
# input() at end of file: CPython says why, PyPy raises a bare EOFError.
EOF_MESSAGE = "" if PYPY else "EOF when reading a line"
# What the harness sets for `--isolation shared`: every job in the runner's own
# process (runner.serve_in_process), as on builds without os.fork (Pyodide).
SHARED = ("PYCONFORM_ISOLATION", "shared")


def hello(fork):
    return {"hello": "pyconform-runner", "protocol": 2, "fork": fork}


HELLO = hello(CAN_FORK)


def load_seed():
    """(name, source text, desugared text) of the seed case file."""
    with open(SEED, encoding="utf-8") as f:
        text = f.read()
    header, body = text.split("\n", 1)
    source, desugared = body.split("\n=\n")
    return header[2:], source, desugared


def job(job_id, source, mode="source", case="test", **fields):
    line = {"id": job_id, "case": case, "mode": mode, "source": textwrap.dedent(source),
            "filename": "cases/test.case", "first_line": 2, "timeout": 10.0}
    line.update(fields)
    return line


def runner_argv(python=None):
    """The command that starts a runner."""
    return [python or sys.executable, "-s", "-B", RUNNER]


def runner_env(fork=True):
    """Its environment: the fork server (on builds with os.fork), or with
    fork=False the in-process server."""
    env = dict(os.environ)
    env.pop(SHARED[0], None)
    if not fork:
        env[SHARED[0]] = SHARED[1]
    return env


def run_lines(lines, fork=True, python=None, timeout=120):
    """Feed raw lines (bytes or job dicts) to a fresh runner until EOF.
    Returns (list of decoded stdout lines, stderr text, exit status)."""
    data = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line).encode("utf-8")
        data += line + b"\n"
    proc = subprocess.run(runner_argv(python), input=data, env=runner_env(fork),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    messages = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    return messages, proc.stderr.decode("utf-8", "replace"), proc.returncode


def assemble(lines):
    """One job's lines (its end line excepted) as one result: {"module": ...,
    "functions": [entries in line order]} or {"runner_error": text}, with the
    "id" the lines carry (run_job's own objects carry none).  Raises
    AssertionError when the lines break the protocol's order."""
    result = {}
    for line in lines:
        if not isinstance(line, dict):
            raise AssertionError("not a JSON object: %r" % (line,))
        if "id" in line:
            if "id" in result and result["id"] != line["id"]:
                raise AssertionError("lines of one job with ids %r and %r" % (result["id"], line["id"]))
            result["id"] = line["id"]
        kinds = sorted(set(line) - {"id"})
        if len(kinds) != 1:
            raise AssertionError("a line with %r" % kinds)
        kind = kinds[0]
        if "runner_error" in result:
            raise AssertionError("a line after the job's runner_error: %r" % line)
        if kind == "module":
            if "module" in result:
                raise AssertionError("second module line: %r" % line)
            result["module"] = line["module"]
            result["functions"] = []
        elif kind == "function":
            if "module" not in result:
                raise AssertionError("function line before the module line: %r" % line)
            result["functions"].append(line["function"])
        elif kind == "runner_error":
            result["runner_error"] = line["runner_error"]
        else:
            raise AssertionError("unknown line %r" % line)
    return result


def split_jobs(messages):
    """The lines after the hello, cut at each end line: one assembled result
    per job, with its "end" status."""
    results, current = [], []
    for message in messages:
        if isinstance(message, dict) and "end" in message:
            if set(message) != {"end"}:
                raise AssertionError("end line with more than the status: %r" % message)
            result = assemble(current)
            result["end"] = message["end"]
            results.append(result)
            current = []
        else:
            current.append(message)
    if current:
        raise AssertionError("lines after the last end line: %r" % current)
    return results


def import_runner():
    """runners/runner.py imported in this process."""
    if RUNNERS_DIR not in sys.path:
        sys.path.insert(0, RUNNERS_DIR)
    import runner

    return runner


def run_job_here(job_line, dp_module=None):
    """runner.run_job in this process, its lines assembled."""
    lines = []
    import_runner().run_job(job_line, dp_module, lines.append)
    return assemble(lines)


def serve_here(*jobs):
    """runner.serve_in_process in this process, fed the job lines through
    in-memory streams; returns its stdout lines, decoded."""
    runner = import_runner()
    data = b"".join(json.dumps(j).encode("utf-8") + b"\n" for j in jobs)
    out = io.StringIO()
    runner.serve_in_process(io.BytesIO(data), out, sys.modules.get("__dp__"), "no __dp__")
    return [json.loads(line) for line in out.getvalue().splitlines()]


class Session:
    """A runner driven like the harness does: one job, then wait for its lines."""

    def __init__(self, fork=True):
        self.proc = subprocess.Popen(runner_argv(), env=runner_env(fork), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.pending = b""

    def send(self, obj):
        self.proc.stdin.write(json.dumps(obj).encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def receive(self, timeout=30):
        """The next stdout line as JSON; fails if none arrives in time."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            remaining = max(deadline - time.monotonic(), 0)
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if not ready:
                raise AssertionError("no line from the runner within %s s" % timeout)
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("runner closed stdout")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))

    def receive_job(self, timeout=30):
        """The lines of the job in flight up to its end line, assembled."""
        lines = []
        while True:
            line = self.receive(timeout)
            lines.append(line)
            if "end" in line:
                [result] = split_jobs(lines)
                return result

    def close(self):
        """Close stdin and return the exit status."""
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdout.close()


class RunnerTest(unittest.TestCase):
    FORK = True  # the server the tests of the class talk to

    def run_jobs(self, *jobs, **options):
        """Results for the jobs, after checking the hello line, that every job
        ended (exit 0 unless `ends` says otherwise) and the exit status.
        Options: fork (default self.FORK), python, ends (the end statuses)."""
        fork = options.pop("fork", self.FORK)
        ends = options.pop("ends", None)
        messages, self.stderr, status = run_lines(jobs, fork=fork, **options)
        self.assertEqual(status, 0, self.stderr)
        self.assertEqual(messages[0], hello(fork and CAN_FORK))
        results = split_jobs(messages[1:])
        self.assertEqual(len(results), len(jobs), messages)
        for result, line in zip(results, jobs):
            if isinstance(line, dict) and "runner_error" not in result:
                self.assertEqual(result["id"], line["id"])
        self.assertEqual([r["end"] for r in results], ends or [{"exit": 0}] * len(jobs), self.stderr)
        return results

    def run_one(self, source, mode="source", **fields):
        return self.run_jobs(job(1, source, mode, **fields))[0]

    def module_run(self, result):
        """The module's compile_error, error and stdout (without the scopes)."""
        return {k: result["module"][k] for k in ("compile_error", "error", "stdout")}

    def outcomes(self, result):
        """{function name: outcome}, after checking the module ran cleanly."""
        self.assertEqual(self.module_run(result), {"compile_error": None, "error": None, "stdout": ""})
        self.assertEqual(result["module"]["calls"], [f["name"] for f in result["functions"]])
        return {f["name"]: f["outcome"] for f in result["functions"]}

    def returned(self, value):
        return {"kind": "return", "value": value}


class Protocol(RunnerTest):
    def test_hello_and_clean_exit_without_jobs(self):
        messages, stderr, status = run_lines([], fork=self.FORK)
        self.assertEqual((messages, stderr, status), ([hello(self.FORK and CAN_FORK)], "", 0))

    def test_answers_each_job_while_stdin_stays_open(self):
        session = Session(self.FORK)
        try:
            self.assertEqual(session.receive(), hello(self.FORK and CAN_FORK))
            # Case code reading stdin must not see (or wait for) the protocol.
            session.send(job(1, "def f():\n    return input()\n"))
            result = session.receive_job()
            self.assertEqual(result["functions"][0]["outcome"],
                             {"kind": "raise", "type": "EOFError", "message": EOF_MESSAGE})
            session.send(job(2, "import sys\ndef f():\n    return sys.stdin.read()\n"))
            self.assertEqual(session.receive_job()["functions"][0]["outcome"], self.returned(""))
        finally:
            status = session.close()
        self.assertEqual(status, 0)

    def test_lines_of_a_job(self):
        messages, stderr, status = run_lines([job(4, "def f(): return 1\ndef g(): return 2\n")],
                                             fork=self.FORK)
        self.assertEqual(status, 0, stderr)
        self.assertEqual([sorted(m) for m in messages],
                         [["fork", "hello", "protocol"], ["id", "module"], ["function", "id"],
                          ["function", "id"], ["end"]])
        self.assertEqual([m.get("id") for m in messages], [None, 4, 4, 4, None])
        self.assertEqual(messages[1]["module"]["calls"], ["f", "g"])
        self.assertEqual([m["function"]["name"] for m in messages[2:4]], ["f", "g"])
        self.assertEqual(messages[4], {"end": {"exit": 0}})

    def test_result_shape(self):
        result = self.run_one("""\
            def f():
                print("hi")
                return 1
            """)
        self.assertEqual(set(result), {"id", "module", "functions", "end"})
        self.assertEqual(result["id"], 1)
        self.assertEqual(set(result["module"]), {"compile_error", "error", "stdout", "scopes", "calls"})
        self.assertEqual(result["module"]["calls"], ["f"])
        self.assertEqual(result["module"]["scopes"], {})  # f claimed its entry
        [entry] = result["functions"]
        self.assertEqual(set(entry), {"name", "outcome", "stdout", "seconds", "scopes", "f_locals_at_return"})
        self.assertEqual((entry["name"], entry["outcome"], entry["stdout"]), ("f", self.returned(1), "hi\n"))
        self.assertIsInstance(entry["seconds"], float)
        self.assertTrue(0 <= entry["seconds"] < 10)
        self.assertEqual(entry["scopes"], {"f": {"varnames": [], "cellvars": [], "freevars": []}})
        self.assertEqual(entry["f_locals_at_return"], [{"function": "f", "locals": {"dict": []}}])

    def test_result_shape_desugared(self):
        result = self.run_one("""\
            def _dp_fn_f(a=1):
                _dp_tmp = a
                return _dp_tmp
            f = __dp__.update_fn(_dp_fn_f, None, "f")
            del _dp_fn_f
            def _dp_helper(x):
                return x
            """, "desugared")
        self.assertEqual(set(result), {"id", "module", "functions", "end"})
        empty = {"cellvars": [], "freevars": []}
        self.assertEqual(result["module"], {
            "compile_error": None, "error": None, "stdout": "", "calls": ["f"],
            "scopes": {},  # f claimed its entry; _dp_helper is the translation's
            "translation_scopes": {"_dp_fn_f": dict(empty, varnames=["a", "_dp_tmp"]),
                                   "_dp_helper": dict(empty, varnames=["x"])},
            "translation_names": {"scopes": {"f": ["_dp_tmp"]}}})
        # _dp_helper needs an argument: only f is called.
        [entry] = result["functions"]
        self.assertEqual(set(entry), {"name", "outcome", "stdout", "seconds", "scopes", "f_locals_at_return",
                                      "translation_frames", "translation_names"})
        self.assertEqual((entry["name"], entry["outcome"]), ("f", self.returned(1)))
        self.assertEqual(entry["scopes"], {"f": dict(empty, varnames=["a"])})
        self.assertEqual(entry["f_locals_at_return"], [{"function": "f", "locals": {"dict": [["a", 1]]}}])
        self.assertEqual(entry["translation_frames"], [])
        self.assertEqual(entry["translation_names"], {"f_locals_at_return": [{"entry": 0, "names": ["_dp_tmp"]}]})

    def test_results_in_job_order(self):
        results = self.run_jobs(*[job(i, "def f(): return %d" % i) for i in (5, 3, 9)])
        self.assertEqual([r["id"] for r in results], [5, 3, 9])
        self.assertEqual([r["functions"][0]["outcome"] for r in results],
                         [self.returned(5), self.returned(3), self.returned(9)])

    def test_bad_lines_give_runner_errors_and_the_runner_goes_on(self):
        messages, stderr, status = run_lines([
            b"{not json",
            b"\xff\xfe",
            b"[1, 2]",
            {"id": 7, "case": "c", "mode": "source"},  # no source
            {"id": 8, "case": "c", "mode": "compiled", "source": ""},
            b"   ",  # blank: ignored, no result
            job(9, "def f(): return 'ok'"),
        ], fork=self.FORK)
        self.assertEqual(status, 0, stderr)
        # Each bad line: a runner_error line, then the end line.
        results = split_jobs(messages[1:])
        self.assertEqual(len(results), 6, messages)
        errors = results[:5]
        self.assertEqual([r["id"] for r in errors], [None, None, None, 7, 8])
        for r in errors:
            self.assertEqual(set(r), {"id", "runner_error", "end"})
            self.assertIsInstance(r["runner_error"], str)
            self.assertEqual(r["end"], {"exit": 0})
        self.assertEqual(results[5]["functions"][0]["outcome"], self.returned("ok"))

    def test_unicode_round_trip(self):
        result = self.run_one("def f():\n    print('\u00e9\u4e2d')\n    return '\u00e9\U0001f600'\n")
        entry = result["functions"][0]
        self.assertEqual((entry["outcome"], entry["stdout"]), (self.returned("\u00e9\U0001f600"), "\u00e9\u4e2d\n"))

    def test_lone_surrogates_do_not_break_the_line(self):
        result = self.run_one("def f():\n    print('\\ud800')\n    return '\\udc00'\n")
        entry = result["functions"][0]
        self.assertEqual(entry["outcome"], self.returned({"object": "str", "repr": "'\\udc00'"}))
        self.assertEqual(entry["stdout"], "\\ud800\n")


class SeedCase(RunnerTest):
    """The seed case from the task: results differ by version exactly as CPython does."""

    def seed_outcomes(self, mode):
        name, source, desugared = load_seed()
        text = source if mode == "source" else desugared
        [result] = self.run_jobs({"id": 0, "case": name, "mode": mode, "source": text})
        self.assertEqual([f["name"] for f in result["functions"]],
                         ["function_locals", "class_locals", "class_namespace_overrides_closure"])
        return self.outcomes(result)

    def expected_function_locals(self):
        h = ["h", {"function": "function_locals.<locals>.f.<locals>.g.<locals>.h"}]
        if sys.version_info >= (3, 11) or PYPY:  # PyPy 3.9 already orders like 3.11
            pairs = [["y", 7], h, ["w", 6], ["x", 2]]
        else:
            pairs = [h, ["w", 6], ["y", 7], ["x", 2]]
        return self.returned({"dict": pairs})

    def test_source(self):
        outcomes = self.seed_outcomes("source")
        self.assertEqual(outcomes["function_locals"], self.expected_function_locals())
        if sys.version_info >= (3, 13):
            names = ["__module__", "__qualname__", "__firstlineno__", "y", "m"]
        else:
            names = ["__module__", "__qualname__", "y", "m"]
        self.assertEqual(outcomes["class_locals"], self.returned(names))
        self.assertEqual(outcomes["class_namespace_overrides_closure"], self.returned(43))

    def test_desugared(self):
        outcomes = self.seed_outcomes("desugared")
        self.assertEqual(outcomes["function_locals"], self.expected_function_locals())
        line = ["__firstlineno__"] if sys.version_info >= (3, 13) else []  # create_class stores it
        self.assertEqual(outcomes["class_locals"],
                         self.returned(["__module__", "__qualname__"] + line + ["__annotations__", "y", "m"]))
        self.assertEqual(outcomes["class_namespace_overrides_closure"], self.returned(43))

    def test_dp_is_bound_only_in_desugared_mode(self):
        source = "def f():\n    return __dp__.add(1, 2), __dp__.__name__\n"
        desugared, plain = self.run_jobs(job(1, source, "desugared"), job(2, source, "source"))
        self.assertEqual(self.outcomes(desugared)["f"], self.returned({"tuple": [3, "__dp__"]}))
        self.assertEqual(self.outcomes(plain)["f"],
                         {"kind": "raise", "type": "NameError", "message": "name '__dp__' is not defined"})


class CompileAndModuleErrors(RunnerTest):
    def test_syntax_error(self):
        result = self.run_one("x = 1\nreturn 5\ndef f(): return 1\n")
        self.assertEqual(result["module"], {
            "compile_error": {"type": "SyntaxError", "line": 2,
                              "msg": "return outside function" if PYPY else "'return' outside function"},
            "error": None, "stdout": "", "scopes": {}, "calls": []})
        self.assertEqual(result["functions"], [])

    def test_indentation_error_keeps_its_type(self):
        result = self.run_one("x = 1\n  y = 2\n")
        self.assertEqual(result["module"]["compile_error"],
                         {"type": "IndentationError", "msg": "unexpected indent", "line": 2})

    def test_null_byte(self):
        # ValueError before 3.12, SyntaxError since; either way a compile error.
        error = self.run_one("x = 1\0\n")["module"]["compile_error"]
        self.assertIn(error["type"], ("ValueError", "SyntaxError"))
        self.assertIn("null bytes", error["msg"])

    def test_module_body_exception(self):
        result = self.run_one("""\
            def before():
                return 1
            print("start")
            if __name__:  # not a constant: 3.10+ drops code after an unconditional raise
                raise ValueError("boom")
            def after():
                return 2
            """)
        self.assertEqual(self.module_run(result), {"compile_error": None, "stdout": "start\n",
                                                   "error": {"type": "ValueError", "message": "boom"}})
        # Functions defined before the error are still called; the one the
        # body did not get to define is named (first).
        self.assertEqual(result["module"]["calls"], ["before"])
        self.assertEqual(result["functions"][0],
                         {"name": "after", "not_defined": "the module body raised ValueError before defining it"})
        self.assertEqual([f["name"] for f in result["functions"]], ["after", "before"])
        self.assertEqual(result["functions"][1]["outcome"], self.returned(1))

    def test_system_exit_and_keyboard_interrupt_in_module(self):
        first, second = self.run_jobs(job(1, "import sys\nsys.exit(4)\n"),
                                      job(2, "raise KeyboardInterrupt\n"))
        self.assertEqual(first["module"]["error"], {"type": "SystemExit", "message": "4"})
        self.assertEqual(second["module"]["error"], {"type": "KeyboardInterrupt", "message": ""})

    def test_unprintable_exception(self):
        result = self.run_one("""\
            class E(Exception):
                def __str__(self):
                    raise RuntimeError
            def f():
                raise E()
            """)
        self.assertEqual(result["functions"][0]["outcome"],
                         {"kind": "raise", "type": "E", "message": "<str() raised RuntimeError>"})


class Calls(RunnerTest):
    def test_which_functions_are_called(self):
        result = self.run_one("""\
            from os.path import join
            exec("def from_exec(): return 0")
            def needs_arg(x): return 0
            def has_default(x=1): return x
            def needs_kwonly(*, k): return 0
            def kwonly_default(*, k=2): return k
            def star(*args, **kwargs): return len(args)
            def posonly(a=3, /, b=4): return a + b
            lam = lambda: "lambda"
            class C:
                def method(self): return 0
            alias = has_default
            async def coro(): return 0
            def gen(): yield 1
            """)
        names = [f["name"] for f in result["functions"]]
        self.assertEqual(names, ["has_default", "kwonly_default", "star", "posonly", "lam", "coro", "gen"])
        outcomes = self.outcomes(result)
        self.assertEqual(outcomes["has_default"], self.returned(1))
        self.assertEqual(outcomes["posonly"], self.returned(7))
        self.assertEqual(outcomes["lam"], self.returned("lambda"))
        self.assertEqual(outcomes["gen"], self.returned({"object": "generator", "repr": "<generator object gen at 0x?>"}))

    def test_definition_order_is_dict_order(self):
        result = self.run_one("""\
            def b(): return 'b'
            def a(): return 'a'
            def b(): return 'b2'
            def c0xff(): return 'not an address'
            """)
        self.assertEqual([(f["name"], f["outcome"]["value"]) for f in result["functions"]],
                         [("b", "b2"), ("a", "a"), ("c0xff", "not an address")])

    def test_raise_outcomes(self):
        outcomes = self.outcomes(self.run_one("""\
            def unbound():
                y = x
                x = 1
            def exits():
                raise SystemExit(3)
            def quits():
                exit()
            def interrupted():
                raise KeyboardInterrupt("stop")
            def recurses():
                return recurses()
            def after():
                return "still running"
            """))
        self.assertEqual(outcomes["unbound"]["type"], "UnboundLocalError")
        self.assertEqual(outcomes["exits"], {"kind": "raise", "type": "SystemExit", "message": "3"})
        self.assertEqual(outcomes["quits"], {"kind": "raise", "type": "SystemExit", "message": "None"})
        self.assertEqual(outcomes["interrupted"], {"kind": "raise", "type": "KeyboardInterrupt", "message": "stop"})
        self.assertEqual(outcomes["recurses"],
                         {"kind": "raise", "type": "RecursionError", "message": "maximum recursion depth exceeded"})
        self.assertEqual(outcomes["after"], self.returned("still running"))

    def test_unrepresentable_values(self):
        outcomes = self.outcomes(self.run_one("""\
            class Bad:
                def __repr__(self):
                    raise ValueError
            def bad():
                return [Bad(), object()]
            def cycle():
                a = [1]
                a.append({"a": a})
                return a
            """))
        self.assertEqual(outcomes["bad"], self.returned([{"object": "Bad", "repr_error": "ValueError"},
                                                         {"object": "object", "repr": "<object object at 0x?>"}]))
        self.assertEqual(outcomes["cycle"], self.returned([1, {"dict": [["a", {"recursive": "list"}]]}]))

    def test_recursion_limit_lowered_by_a_case_is_restored(self):
        deep = """\
            def f():
                x = 0
                for i in range(45):
                    x = [x]
                return x
            """
        low, normal = self.run_jobs(job(1, "import sys\nsys.setrecursionlimit(60)\n" + textwrap.dedent(deep)),
                                    job(2, deep))
        # Too little stack to convert the value: reported, not fatal.
        self.assertEqual(self.outcomes(low)["f"], self.returned({"object": "list", "repr_error": "RecursionError"}))
        value = self.outcomes(normal)["f"]["value"]
        for _ in range(45):
            value = value[0]
        self.assertEqual(value, 0)


class Isolation(RunnerTest):
    def test_output_never_reaches_the_protocol(self):
        result = self.run_one("""\
            import os, sys
            print("module print")
            os.write(1, b"raw module write\\n")
            def f():
                print("call print")
                sys.stdout.write("call write\\n")
                os.write(1, b"raw call write\\n")
                print("to dunder stdout", file=sys.__stdout__)
                sys.__stdout__.flush()
                return 1
            def g():
                print("before close")
                sys.stdout.close()
                return 2
            def h():
                sys.stdout = None
                return 3
            """)
        self.assertEqual(result["module"]["stdout"], "module print\n")
        entries = {e["name"]: e for e in result["functions"]}
        self.assertEqual((entries["f"]["stdout"], entries["f"]["outcome"]), ("call print\ncall write\n", self.returned(1)))
        self.assertEqual((entries["g"]["stdout"], entries["g"]["outcome"]), ("before close\n", self.returned(2)))
        self.assertEqual(entries["h"]["outcome"], self.returned(3))
        # Raw writes to fd 1 went to stderr.
        for text in ("raw module write", "raw call write", "to dunder stdout"):
            self.assertIn(text, self.stderr)

    def test_output_is_scrubbed(self):
        result = self.run_one("def f():\n    print(object())\n    raise ValueError(object())\n")
        entry = result["functions"][0]
        self.assertEqual(entry["stdout"], "<object object at 0x?>\n")
        self.assertEqual(entry["outcome"]["message"], "<object object at 0x?>")

    def test_stdin_is_not_the_protocol(self):
        results = self.run_jobs(
            job(1, "def f():\n    return input()\n"),
            job(2, "import sys\ndef f():\n    return sys.stdin.read()\n"),
            job(3, "def f():\n    return 'next job ran'\n"))
        outcomes = [self.outcomes(r)["f"] for r in results]
        self.assertEqual(outcomes, [{"kind": "raise", "type": "EOFError", "message": EOF_MESSAGE},
                                    self.returned(""), self.returned("next job ran")])

    def test_fresh_module_per_job(self):
        first, second = self.run_jobs(
            job(1, """\
                import sys
                X = 1
                def f():
                    return __name__, sys.modules[__name__].__dict__ is globals()
                """),
            job(2, """\
                import sys
                def f():
                    return "X" in globals()
                def g():
                    return sorted(k for k in globals() if k.startswith("__") and k != "__builtins__")
                """))
        self.assertEqual(self.outcomes(first)["f"], self.returned({"tuple": ["__case__", True]}))
        outcomes = self.outcomes(second)
        self.assertEqual(outcomes["f"], self.returned(False))
        self.assertEqual(outcomes["g"], self.returned(["__doc__", "__loader__", "__name__", "__package__", "__spec__"]))

    def test_case_module_registered_only_during_the_job(self):
        # The in-process server, in this process, so sys.modules can be
        # inspected afterwards (the fork server's job process just ends).
        sys.modules.pop("__case__", None)
        source = "import sys\ndef f():\n    return sys.modules['__case__'].__dict__ is globals()\n"
        [result] = split_jobs(serve_here(job(1, source)))
        self.assertEqual(self.outcomes(result)["f"], self.returned(True))
        self.assertNotIn("__case__", sys.modules)
        # Even when the case removed itself, or the body failed.
        source = "import sys\ndel sys.modules['__case__']\nraise ValueError\n"
        [result] = split_jobs(serve_here(job(2, source)))
        self.assertEqual(result["module"]["error"], {"type": "ValueError", "message": ""})
        self.assertNotIn("__case__", sys.modules)

def value_of(outcome):
    """A returned canonical {"dict": pairs} with string keys as a dict."""
    assert outcome["kind"] == "return", outcome
    return dict((key, value) for key, value in outcome["value"]["dict"])


# What a job could leave behind for the next one, as seen from a call.
PROBE = """\
def probe():
    try:
        os.fstat(1)
        fd1 = "open"
    except OSError:
        fd1 = "closed"
    return {"fd1": fd1, "cwd": os.getcwd(), "env": os.environ.get("PYCONFORM_TEST_LEAK"),
            "PATH": "PATH" in os.environ, "abs": abs(-2),
            "leaked_builtin": hasattr(builtins, "pyconform_leaked"), "divmod": hasattr(builtins, "divmod"),
            "trace": sys.gettrace() is None, "usr1": signal.getsignal(signal.SIGUSR1) == signal.SIG_DFL,
            "limit": sys.getrecursionlimit(), "threads": sorted(t.name for t in threading.enumerate()),
            "module": "pyconform_leaked" in sys.modules, "imported": "tabnanny" in sys.modules,
            "stdin": sys.stdin is sys.__stdin__, "stderr": sys.stderr is sys.__stderr__}
"""
PROBE_CASE = "import builtins, os, signal, sys, threading\n" + PROBE
# Every change below is visible to the probe that follows in the same job.
MUTATE = """\
import builtins, io, os, signal, sys, threading, time, types
def mutate():
    import tabnanny
    os.chdir(os.path.dirname(os.__file__))
    os.environ["PYCONFORM_TEST_LEAK"] = "1"
    del os.environ["PATH"]
    builtins.abs = lambda x: "patched"
    builtins.pyconform_leaked = True
    del builtins.divmod
    sys.settrace(lambda *args: None)
    sys.setrecursionlimit(400)
    sys.modules["pyconform_leaked"] = types.ModuleType("pyconform_leaked")
    sys.stdin = io.StringIO("not the runner's")
    sys.stderr = io.StringIO()
"""
# Only in a job process of its own: what the in-process server does not undo.
MUTATE_PROCESS = """\
    os.close(1)
    signal.signal(signal.SIGUSR1, lambda *args: None)
    threading.Thread(target=time.sleep, args=(3600,), name="left-running").start()
"""
# What the in-process server puts back (runner.serve_in_process).
RESTORED_IN_PROCESS = ("cwd", "env", "PATH", "abs", "leaked_builtin", "divmod", "trace", "limit",
                       "module", "imported", "stdin", "stderr")


class ForkServer(RunnerTest):
    """One process per job: nothing a job does reaches the next one, and a
    job's process ending abnormally ends that job only."""

    def test_hello_says_fork(self):
        self.assertEqual(run_lines([])[0], [hello(True)])
        self.assertEqual(run_lines([], fork=False)[0], [hello(False)])

    def probes(self, mutate, fork):
        """The probe's view in a job before, in the mutating job (after the
        mutation) and in a job after it, in one runner."""
        before, mutated, after = self.run_jobs(job(1, PROBE_CASE), job(2, mutate + PROBE), job(3, PROBE_CASE),
                                               fork=fork)
        self.assertEqual(mutated["module"]["calls"], ["mutate", "probe"])
        self.assertEqual(mutated["functions"][0]["outcome"], self.returned(None))
        return [value_of(self.outcomes(r)["probe"]) for r in (before, mutated, after)]

    def test_nothing_reaches_the_next_job(self):
        before, mutated, after = self.probes(MUTATE + MUTATE_PROCESS, fork=True)
        self.assertEqual(after, before)
        # The mutations were real: every item of the probe saw its change.
        self.assertEqual(set(before), set(RESTORED_IN_PROCESS) | {"fd1", "usr1", "threads"})
        for key in before:
            self.assertNotEqual(mutated[key], before[key], key)
        self.assertEqual(mutated["threads"], ["MainThread", "left-running"])

    def test_segfault_ends_the_job_with_its_signal(self):
        crashed, next_job = self.run_jobs(job(1, """\
            import ctypes
            def first():
                return 1
            def crash():
                print("about to crash")
                return ctypes.string_at(1)
            def never():
                return 3
            """), job(2, "def f():\n    return 'next job ran'\n"), ends=[{"signal": 11}, {"exit": 0}])
        self.assertEqual(crashed["module"]["calls"], ["first", "crash", "never"])
        self.assertEqual([(f["name"], f["outcome"]) for f in crashed["functions"]], [("first", self.returned(1))])
        self.assertEqual(self.outcomes(next_job)["f"], self.returned("next job ran"))

    def test_os_exit_ends_the_job_with_its_code(self):
        exited, next_job = self.run_jobs(job(1, """\
            import os, sys
            def first():
                return 1
            def exits():
                sys.exit(5)
            def leaves():
                os._exit(3)
            def never():
                return 3
            """), job(2, "def f():\n    return 'next job ran'\n"), ends=[{"exit": 3}, {"exit": 0}])
        # sys.exit() is an ordinary outcome; os._exit() ends the process.
        self.assertEqual([(f["name"], f["outcome"]) for f in exited["functions"]],
                         [("first", self.returned(1)),
                          ("exits", {"kind": "raise", "type": "SystemExit", "message": "5"})])
        self.assertEqual(self.outcomes(next_job)["f"], self.returned("next job ran"))

    def test_memory_limit_makes_a_bomb_a_memory_error(self):
        result = self.run_one("""\
            def bomb():
                return len(bytearray(8 << 30))
            def after():
                return len(bytearray(1 << 20))
            """, max_memory=4 << 30)
        outcomes = self.outcomes(result)
        self.assertEqual((outcomes["bomb"]["kind"], outcomes["bomb"]["type"]), ("raise", "MemoryError"))
        self.assertEqual(outcomes["after"], self.returned(1 << 20))

    def test_limit_memory_sets_the_limit_without_compiling_or_importing(self):
        """The fork server compiles the field's pattern and imports resource
        once; a job child only searches and calls setrlimit."""
        import re

        runner = import_runner()

        class FakeResource(object):
            RLIMIT_AS = "AS"

            def __init__(self):
                self.calls = []

            def setrlimit(self, which, limits):
                self.calls.append((which, limits))

        fake = FakeResource()
        re.purge()
        before = set(sys.modules)
        runner.limit_memory(b'{"id": 1, "max_memory": 12345, "source": ""}', fake)
        runner.limit_memory(b'{"id": 2, "max_memory":0}', fake)
        runner.limit_memory(b'{"id": 3, "max_memory": 99}', None)
        runner.limit_memory(b'{"id": 4}', fake)
        self.assertEqual(fake.calls, [("AS", (12345, 12345))])
        self.assertEqual(len(re._cache) + len(getattr(re, "_cache2", {})), 0)
        self.assertEqual(set(sys.modules) - before, set())

    def test_a_forked_copy_never_writes_protocol_lines(self):
        result = self.run_one("""\
            import os
            if os.fork() == 0:
                print("copy of the module body")  # reaches the module line: exits there
            def waits():
                pid = os.fork()
                if pid == 0:
                    return "forked copy"
                os.waitpid(pid, 0)
                return "original"
            def leaves():
                if os.fork() == 0:
                    print("forked copy")
                    return "forked copy"
                return "original"
            def after():
                return "after"
            """)
        self.assertEqual(self.outcomes(result), {"waits": self.returned("original"),
                                                 "leaves": self.returned("original"),
                                                 "after": self.returned("after")})
        self.assertEqual([f["stdout"] for f in result["functions"]], ["", "", ""])


class Resume(RunnerTest):
    SOURCE = """\
        log = []
        print("module body ran")
        def a():
            log.append("a")
            return "a"
        def b():
            log.append("b")
            return "b"
        def c():
            return list(log)
        def d():
            return "d"
        """

    def test_resume_skips_the_first_calls(self):
        full, resumed, past_the_end = self.run_jobs(job(1, self.SOURCE), job(2, self.SOURCE, resume=2),
                                                    job(3, self.SOURCE, resume=9))
        self.assertEqual([(f["name"], f["outcome"]) for f in full["functions"]],
                         [("a", self.returned("a")), ("b", self.returned("b")),
                          ("c", self.returned(["a", "b"])), ("d", self.returned("d"))])
        for result in (resumed, past_the_end):
            # The module body ran again and the line names every call.
            self.assertEqual(result["module"]["stdout"], "module body ran\n")
            self.assertEqual(result["module"]["calls"], ["a", "b", "c", "d"])
        self.assertEqual([(f["name"], f["outcome"]) for f in resumed["functions"]],
                         [("c", self.returned([])), ("d", self.returned("d"))])
        self.assertEqual(past_the_end["functions"], [])


class BoundedCapture(RunnerTest):
    def test_a_line_over_max_line_bytes_is_replaced_by_an_error_entry(self):
        # 600 two-byte characters: under max_line counted in characters, over it in
        # bytes, which is how the harness counts
        result = self.run_one("""\
            def narrow():
                return "a" * 300
            def wide():
                return "\u00e9" * 600
            """, max_line=1000)
        narrow, wide = result["functions"]
        self.assertEqual(narrow["outcome"], {"kind": "return", "value": "a" * 300})
        self.assertEqual(wide["status"], "error")
        self.assertRegex(wide["detail"], r"^result line of \d+ bytes exceeds the limit of 1000 bytes$")

    def test_stdout_is_cut_at_max_output_and_counted(self):
        result = self.run_one("""\
            import sys
            print("m" * 30)
            def big():
                print("x" * 99)
                return 1
            def exact():
                sys.stdout.write("y" * 10)
                return 2
            def wide():
                sys.stdout.write("\\u00e9" * 10)
                return 3
            def no_half_characters():
                sys.stdout.write("a" + "\\u00e9" * 5)
                return 4
            """, max_output=10)
        self.assertEqual((result["module"]["stdout"], result["module"]["truncated"]), ("m" * 10, {"stdout": 31}))
        entries = dict((f["name"], f) for f in result["functions"])
        self.assertEqual((entries["big"]["stdout"], entries["big"]["truncated"]), ("x" * 10, {"stdout": 100}))
        self.assertEqual(entries["big"]["outcome"], self.returned(1))
        self.assertEqual(entries["exact"]["stdout"], "y" * 10)
        self.assertNotIn("truncated", entries["exact"])
        self.assertEqual((entries["wide"]["stdout"], entries["wide"]["truncated"]),
                         ("\u00e9" * 5, {"stdout": 20}))
        self.assertEqual((entries["no_half_characters"]["stdout"], entries["no_half_characters"]["truncated"]),
                         ("a" + "\u00e9" * 4, {"stdout": 11}))

    def test_bytes_are_cut_before_they_are_escaped(self):
        result = self.run_one("""\
            import sys
            def ff():
                sys.stdout.buffer.write(b"\\xff" * 8)
            def mixed():
                sys.stdout.buffer.write(b"a\\xffb")
            """, max_output=2)
        self.assertEqual([(f["stdout"], f["truncated"]) for f in result["functions"]],
                         [("\\xff\\xff", {"stdout": 8}), ("a\\xff", {"stdout": 3})])

    def test_default_cap_is_one_mebibyte(self):
        result = self.run_one("def f():\n    print('z' * (3 << 19))\n")
        [entry] = result["functions"]
        self.assertEqual((len(entry["stdout"]), entry["truncated"]), (1 << 20, {"stdout": (3 << 19) + 1}))

    def test_stdout_buffer_takes_bytes_shown_with_escapes(self):
        result = self.run_one("""\
            import sys
            def f():
                print("text", end="|")
                sys.stdout.buffer.write(b"ok\\xff\\xfe\\n")
                sys.stdout.buffer.write("\\u00e9".encode("utf-8"))
                sys.stdout.buffer.flush()
                return sys.stdout.buffer.write(bytearray(b"abc"))
            """)
        [entry] = result["functions"]
        self.assertEqual((entry["stdout"], entry["outcome"]), ("text|ok\\xff\\xfe\n\u00e9abc", self.returned(3)))


class Values(RunnerTest):
    def test_big_ints_are_exact_in_hex(self):
        outcomes = self.outcomes(self.run_one("""\
            def huge():
                return 1 << 20000
            def negative():
                return -(1 << 14000)
            def widest_decimal():
                return (1 << 14000) - 1
            def past_64_bits():
                return 1 << 63
            """))
        self.assertEqual(outcomes["huge"], self.returned({"int_hex": "0x1" + "0" * 5000}))
        self.assertEqual(outcomes["negative"], self.returned({"int_hex": "-0x1" + "0" * 3500}))
        self.assertEqual(outcomes["widest_decimal"], self.returned({"int": str((1 << 14000) - 1)}))
        self.assertEqual(outcomes["past_64_bits"], self.returned({"int": "9223372036854775808"}))


class NotDefined(RunnerTest):
    WHY = "the module body raised ValueError before defining it"

    def test_functions_the_body_did_not_define_are_named(self):
        result = self.run_one("""\
            def a():
                return 1
            class K:
                pass
            if __name__:
                raise ValueError("stop")
            def b():
                return 2
            async def c():
                return 3
            def takes_an_argument(x):
                return 4
            """)
        self.assertEqual(result["module"]["error"], {"type": "ValueError", "message": "stop"})
        self.assertEqual(result["module"]["calls"], ["a"])
        self.assertEqual(result["functions"][:2], [{"name": "b", "not_defined": self.WHY},
                                                   {"name": "c", "not_defined": self.WHY}])
        self.assertEqual([(f["name"], f["outcome"]) for f in result["functions"][2:]], [("a", self.returned(1))])

    def test_desugared_names_are_the_users(self):
        result = self.run_one("""\
            def _dp_fn_a():
                return 1
            a = __dp__.update_fn(_dp_fn_a, None, "a")
            del _dp_fn_a
            if __name__:
                raise ValueError("stop")
            def _dp_fn_b():
                return 2
            b = __dp__.update_fn(_dp_fn_b, None, "b")
            del _dp_fn_b
            def _dp_helper():
                return 0
            """, "desugared")
        self.assertEqual(result["module"]["calls"], ["a"])
        self.assertEqual(result["functions"][0], {"name": "b", "not_defined": self.WHY})
        self.assertEqual([f["name"] for f in result["functions"]], ["b", "a"])

    def test_read_from_the_text_not_the_code(self):
        # 3.10+ compile nothing after an unconditional raise; b and k take
        # arguments that all have defaults, so they would be called.
        result = self.run_one("""\
            def a():
                return 1
            raise ValueError("stop")
            def b(x=1):
                return 2
            def k(*, key=3):
                return key
            def needs(x):
                return 4
            """)
        self.assertEqual(result["functions"][:2], [{"name": "b", "not_defined": self.WHY},
                                                   {"name": "k", "not_defined": self.WHY}])
        self.assertEqual([f["name"] for f in result["functions"]], ["b", "k", "a"])

    def test_none_when_the_body_completed(self):
        result = self.run_one("def a():\n    return 1\nif not __name__:\n    def b():\n        return 2\n")
        self.assertEqual([f["name"] for f in result["functions"]], ["a"])


class InProcessServer(ForkServer):
    """serve_in_process, as on builds without os.fork (Pyodide): the runner
    puts back what the job changed of the state it relies on."""

    def test_state_is_restored_after_each_job(self):
        before, mutated, after = self.probes(MUTATE, fork=False)
        for key in RESTORED_IN_PROCESS:
            self.assertEqual(after[key], before[key], key)
            self.assertNotEqual(mutated[key], before[key], key)

    def test_every_job_ends_with_exit_0(self):
        messages, stderr, status = run_lines([job(1, "def f():\n    return 1\n"), b"{bad", b""], fork=False)
        self.assertEqual(status, 0, stderr)
        self.assertEqual([m for m in messages if "end" in m], [{"end": {"exit": 0}}] * 2)

    def test_the_isolation_variable_is_not_the_cases(self):
        result, = self.run_jobs(job(1, "import os\ndef seen():\n    return os.environ.get('PYCONFORM_ISOLATION')\n"),
                                fork=False)
        self.assertEqual(self.outcomes(result)["seen"], self.returned(None))

    def test_cyclic_garbage_of_a_job_is_collected_before_the_next(self):
        # The runner's own objects are frozen out of the collections at
        # start-up; what a job leaves in a cycle is still collected at its end,
        # so a __del__ runs then and not inside a later job.
        cycle = ("import sys\n"
                 "class Node:\n"
                 "    def __del__(self):\n"
                 "        sys.__dict__.setdefault('pyconform_dels', []).append('job 1')\n"
                 "def make():\n"
                 "    node = Node()\n"
                 "    node.me = node\n")
        seen = "import sys\ndef seen():\n    return list(getattr(sys, 'pyconform_dels', []))\n"
        _, after = self.run_jobs(job(1, cycle), job(2, seen), fork=False)
        self.assertEqual(self.outcomes(after)["seen"], self.returned(["job 1"]))

    # What needs a process of its own.
    test_nothing_reaches_the_next_job = None
    test_segfault_ends_the_job_with_its_signal = None
    test_os_exit_ends_the_job_with_its_code = None
    test_memory_limit_makes_a_bomb_a_memory_error = None
    test_a_forked_copy_never_writes_protocol_lines = None
    test_hello_says_fork = None


class ProtocolInProcess(Protocol):
    FORK = False


class CompileAndModuleErrorsInProcess(CompileAndModuleErrors):
    FORK = False


class CallsInProcess(Calls):
    FORK = False


class IsolationInProcess(Isolation):
    FORK = False


class ResumeInProcess(Resume):
    FORK = False


class BoundedCaptureInProcess(BoundedCapture):
    FORK = False


class NotDefinedInProcess(NotDefined):
    FORK = False


PYPY_BIN = "/usr/bin/pypy3"
# On PyPy, locals dicts share one process-wide tree of key layouts that
# reorders keys: building one changes the key order of those built later.
OBSERVED_ORDER = """\
class O:
    pass
def local_names():
    b = 1
    a = 2
    c = 3
    return list(locals())
def instance_keys():
    o = O()
    o.b = 1
    o.a = 2
    o.c = 3
    return list(o.__dict__)
def dicts():
    d = {}
    d["b"] = d["a"] = d["c"] = 0
    return [list(d), list(dict(b=1, a=2, c=3))]
"""
PERTURBING = """\
class O:
    pass
def perturb():
    for order in (("a", "c", "b"), ("c", "a", "b")):
        o = O()
        for name in order:
            setattr(o, name, 1)
    def g():
        a = 1; c = 2; b = 3
        return locals()
    def h():
        c = 1; a = 2; b = 3
        return locals()
    return [list(g()), list(h())]
"""


@unittest.skipUnless(os.path.exists(PYPY_BIN), "no PyPy at %s" % PYPY_BIN)
class PyPyKeyOrder(RunnerTest):
    """The fork server runs each job in a copy of a process that ran no case
    code, so on PyPy key orders do not depend on the jobs run before."""

    def observed(self, fork):
        """The outcomes of OBSERVED_ORDER run alone, and after PERTURBING in
        the same runner."""
        [alone] = self.run_jobs(job(1, OBSERVED_ORDER), python=PYPY_BIN, fork=fork)
        _, later = self.run_jobs(job(1, PERTURBING), job(2, OBSERVED_ORDER), python=PYPY_BIN, fork=fork)
        return self.outcomes(alone), self.outcomes(later)

    def test_key_order_does_not_depend_on_earlier_jobs(self):
        alone, later = self.observed(fork=True)
        self.assertEqual(alone["local_names"], self.returned(["b", "a", "c"]))
        self.assertEqual(later, alone)

    def test_in_one_process_earlier_jobs_change_it(self):
        # Why the server forks: the same jobs in one process disagree.
        alone, later = self.observed(fork=False)
        self.assertEqual(alone["local_names"], self.returned(["b", "a", "c"]))
        self.assertNotEqual(later["local_names"], alone["local_names"])


if __name__ == "__main__":
    unittest.main()
