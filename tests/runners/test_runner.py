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
# The runner as builds without os.fork (Pyodide) run it: every job in the
# runner's own process (runner.serve_in_process).
IN_PROCESS = ("import sys\nsys.path.insert(0, %r)\nimport runner\n"
              "runner.can_fork = lambda: False\nsys.exit(runner.main())\n" % RUNNERS_DIR)


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


def runner_argv(fork=True, python=None):
    """The command that starts a runner: the fork server (on builds with
    os.fork), or with fork=False the in-process server."""
    python = python or sys.executable
    if fork:
        return [python, "-s", "-B", RUNNER]
    return [python, "-s", "-B", "-c", IN_PROCESS]


def run_lines(lines, fork=True, python=None, timeout=120):
    """Feed raw lines (bytes or job dicts) to a fresh runner until EOF.
    Returns (list of decoded stdout lines, stderr text, exit status)."""
    data = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line).encode("utf-8")
        data += line + b"\n"
    proc = subprocess.run(runner_argv(fork, python), input=data,
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
        self.proc = subprocess.Popen(runner_argv(fork), stdin=subprocess.PIPE,
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
        self.assertEqual(outcomes["class_locals"],
                         self.returned(["__module__", "__qualname__", "__annotations__", "y", "m"]))
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

if __name__ == "__main__":
    unittest.main()
