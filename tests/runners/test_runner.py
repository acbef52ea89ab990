"""runners/runner.py as a subprocess speaking the NDJSON protocol."""
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
SEED = os.path.join(HERE, "scope_locals.case")  # copy of the seed scope-locals case
HELLO = {"hello": "pyconform-runner", "protocol": 1}
PYPY = sys.implementation.name == "pypy"
# input() at end of file: CPython says why, PyPy raises a bare EOFError.
EOF_MESSAGE = "" if PYPY else "EOF when reading a line"


def load_seed():
    """(name, source text, desugared text) of the seed case file."""
    with open(SEED, encoding="utf-8") as f:
        text = f.read()
    header, body = text.split("\n", 1)
    source, desugared = body.split("\n=\n")
    return header[2:], source, desugared


def job(job_id, source, mode="source", case="test"):
    return {"id": job_id, "case": case, "mode": mode, "source": textwrap.dedent(source),
            "filename": "cases/test.case", "first_line": 2, "timeout": 10.0}


def run_lines(lines):
    """Feed raw lines (bytes or job dicts) to a fresh runner until EOF.
    Returns (list of decoded stdout lines, stderr text, exit status)."""
    data = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line).encode("utf-8")
        data += line + b"\n"
    proc = subprocess.run([sys.executable, "-s", "-B", RUNNER], input=data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    messages = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    return messages, proc.stderr.decode("utf-8", "replace"), proc.returncode


class Session:
    """A runner driven like the harness does: one job, then wait for its result."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-s", "-B", RUNNER], stdin=subprocess.PIPE,
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
    def run_jobs(self, *jobs):
        """Results for the jobs, after checking the hello line and exit status."""
        messages, self.stderr, status = run_lines(jobs)
        self.assertEqual(status, 0, self.stderr)
        self.assertEqual(messages[0], HELLO)
        self.assertEqual(len(messages), len(jobs) + 1, messages)
        return messages[1:]

    def run_one(self, source, mode="source"):
        return self.run_jobs(job(1, source, mode))[0]

    def module_run(self, result):
        """The module's compile_error, error and stdout (without the scopes)."""
        return {k: result["module"][k] for k in ("compile_error", "error", "stdout")}

    def outcomes(self, result):
        """{function name: outcome}, after checking the module ran cleanly."""
        self.assertEqual(self.module_run(result), {"compile_error": None, "error": None, "stdout": ""})
        return {f["name"]: f["outcome"] for f in result["functions"]}

    def returned(self, value):
        return {"kind": "return", "value": value}


class Protocol(RunnerTest):
    def test_hello_and_clean_exit_without_jobs(self):
        messages, stderr, status = run_lines([])
        self.assertEqual((messages, stderr, status), ([HELLO], "", 0))

    def test_answers_each_job_while_stdin_stays_open(self):
        session = Session()
        try:
            self.assertEqual(session.receive(), HELLO)
            # Case code reading stdin must not see (or wait for) the protocol.
            session.send(job(1, "def f():\n    return input()\n"))
            result = session.receive()
            self.assertEqual(result["functions"][0]["outcome"],
                             {"kind": "raise", "type": "EOFError", "message": EOF_MESSAGE})
            session.send(job(2, "import sys\ndef f():\n    return sys.stdin.read()\n"))
            self.assertEqual(session.receive()["functions"][0]["outcome"], self.returned(""))
        finally:
            status = session.close()
        self.assertEqual(status, 0)

    def test_result_shape(self):
        result = self.run_one("""\
            def f():
                print("hi")
                return 1
            """)
        self.assertEqual(set(result), {"id", "module", "functions"})
        self.assertEqual(result["id"], 1)
        self.assertEqual(set(result["module"]), {"compile_error", "error", "stdout", "scopes"})
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
        self.assertEqual(set(result), {"id", "module", "functions"})
        empty = {"cellvars": [], "freevars": []}
        self.assertEqual(result["module"], {
            "compile_error": None, "error": None, "stdout": "",
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
        ])
        self.assertEqual(status, 0, stderr)
        errors = messages[1:6]
        self.assertEqual([m["id"] for m in errors], [None, None, None, 7, 8])
        for m in errors:
            self.assertEqual(set(m), {"id", "runner_error"})
            self.assertIsInstance(m["runner_error"], str)
        self.assertEqual(len(messages), 7)
        self.assertEqual(messages[6]["functions"][0]["outcome"], self.returned("ok"))

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
            "error": None, "stdout": "", "scopes": {}})
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
            raise ValueError("boom")
            def after():
                return 2
            """)
        self.assertEqual(self.module_run(result), {"compile_error": None, "stdout": "start\n",
                                                   "error": {"type": "ValueError", "message": "boom"}})
        # Functions defined before the error are still called.
        self.assertEqual([f["name"] for f in result["functions"]], ["before"])

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
        # In-process: run_job itself, so sys.modules can be inspected afterwards.
        sys.path.insert(0, os.path.dirname(RUNNER))
        try:
            import runner
        finally:
            del sys.path[0]
        source = "import sys\ndef f():\n    return sys.modules['__case__'].__dict__ is globals()\n"
        result = runner.run_job({"id": 1, "case": "t", "mode": "source", "source": source}, None)
        self.assertEqual(self.outcomes(result)["f"], self.returned(True))
        self.assertNotIn("__case__", sys.modules)
        # Even when the case removed itself, or the body failed.
        source = "import sys\ndel sys.modules['__case__']\nraise ValueError\n"
        result = runner.run_job({"id": 2, "case": "t", "mode": "source", "source": source}, None)
        self.assertEqual(result["module"]["error"], {"type": "ValueError", "message": ""})
        self.assertNotIn("__case__", sys.modules)

if __name__ == "__main__":
    unittest.main()
