"""Suite jobs (runners/suite.py): a test module's unittest tests, one function line
per test id, through the real runner (fork server and in-process)."""
import json
import os
import subprocess
import sys
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.normpath(os.path.join(HERE, "..", "..", "runners", "runner.py"))
CAN_FORK = hasattr(os, "fork")

MODULE = textwrap.dedent('''\
    import unittest
    print("module body")

    class A(unittest.TestCase):
        def test_pass(self):
            self.assertEqual(1, 1)

        def test_fail(self):
            self.assertEqual(1, 2, "one is not two\\nsecond line")

        def test_error(self):
            raise KeyError("k")

        @unittest.skip("not today")
        def test_skip(self):
            pass

        @unittest.expectedFailure
        def test_xfail(self):
            self.fail("known")

        def test_subtests(self):
            for i in range(3):
                with self.subTest(i=i):
                    self.assertLess(i, 1)

        def test_file(self):
            self.assertEqual(__name__, "test.test_fake_suite")
            self.assertEqual(__file__, FILE)

    class B(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            raise unittest.SkipTest("no B here")

        def test_one(self):
            pass

        def test_two(self):
            pass

    class C(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            raise RuntimeError("broken fixture")

        def test_c(self):
            pass

    class D(unittest.TestCase):
        def test_last(self):
            import linecache
            self.assertIn("class D", "".join(linecache.getlines(FILE)))
''')

IDS = ["A.test_error", "A.test_fail", "A.test_file", "A.test_pass", "A.test_skip",
       "A.test_subtests", "A.test_xfail", "B.test_one", "B.test_two", "C.test_c",
       "D.test_last"]


def suite_job(text, mode="source", resume=0, path="/nowhere/test_fake_suite.py"):
    text = "FILE = %r\n" % path + text
    return {"id": 1, "case": "cpython test_fake_suite", "mode": mode, "source": text,
            "suite": {"module": "test_fake_suite", "path": path}, "timeout": 60.0,
            "resume": resume}


def run(job, fork=True):
    env = dict(os.environ)
    env.pop("PYCONFORM_ISOLATION", None)
    if not fork:
        env["PYCONFORM_ISOLATION"] = "shared"
    proc = subprocess.run([sys.executable, "-s", "-B", RUNNER], env=env,
                          input=(json.dumps(job) + "\n").encode("utf-8"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    lines = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    return lines[1:], proc.stderr.decode("utf-8", "replace")


class SuiteJobs(unittest.TestCase):
    def check_outcomes(self, lines, first=0):
        module = lines[0]["module"]
        self.assertEqual(module["calls"], IDS)
        self.assertEqual(module["scopes"], {})
        self.assertIsNone(module["error"])
        calls = [line["function"] for line in lines[1:-1]]
        self.assertEqual([c["name"] for c in calls], IDS[first:])
        got = dict((c["name"], c["outcome"]) for c in calls)
        want = {
            "A.test_pass": {"test": "pass", "detail": ""},
            "A.test_fail": {"test": "fail", "detail": "AssertionError: 1 != 2 : one is not two"},
            "A.test_error": {"test": "error", "detail": "KeyError: 'k'"},
            "A.test_skip": {"test": "skip", "detail": "not today"},
            "A.test_xfail": {"test": "xfail", "detail": "AssertionError: known"},
            "A.test_subtests": {"test": "fail", "detail": "AssertionError: 1 not less than 1"},
            "A.test_file": {"test": "pass", "detail": ""},
            "B.test_one": {"test": "skip", "detail": "no B here in setUpClass (B)"},
            "B.test_two": {"test": "skip", "detail": "no B here in setUpClass (B)"},
            "C.test_c": {"test": "error", "detail": "RuntimeError: broken fixture in setUpClass (C)"},
            "D.test_last": {"test": "pass", "detail": ""},
        }
        for name in IDS[first:]:
            self.assertEqual(got[name], want[name], name)
        for c in calls:
            self.assertNotIn("f_locals_at_return", c)
            self.assertIsInstance(c["seconds"], float)
        self.assertEqual(lines[-1], {"end": {"exit": 0}})

    def test_every_outcome_fork_server(self):
        if not CAN_FORK:
            self.skipTest("no os.fork")
        self.check_outcomes(run(suite_job(MODULE))[0])

    def test_every_outcome_in_process(self):
        self.check_outcomes(run(suite_job(MODULE), fork=False)[0])

    def test_resume_skips_the_first_tests(self):
        lines, _ = run(suite_job(MODULE, resume=4))
        self.check_outcomes(lines, first=4)

    def test_desugared_mode_binds_dp(self):
        text = "import unittest\nclass T(unittest.TestCase):\n    def test_dp(self):\n" \
               "        self.assertEqual(__dp__.__name__, '__dp__')\n"
        lines, _ = run(suite_job(text, mode="desugared"))
        self.assertEqual(lines[0]["module"]["calls"], ["T.test_dp"])
        self.assertEqual(lines[1]["function"]["outcome"], {"test": "pass", "detail": ""})

    def test_module_error_and_compile_error(self):
        lines, _ = run(suite_job("import unittest\nraise unittest.SkipTest('needs a gpu')\n"))
        self.assertEqual(lines[0]["module"]["error"], {"type": "SkipTest", "message": "needs a gpu"})
        self.assertEqual(lines[0]["module"]["calls"], [])
        lines, _ = run(suite_job("def (:\n"))
        self.assertEqual(lines[0]["module"]["compile_error"]["type"], "SyntaxError")
        self.assertEqual(lines[0]["module"]["compile_error"]["line"], 2)

    def test_doctest_module(self):
        text = '__test__ = {"doctests": """\n>>> 1 + 1\n2\n>>> [x for x in ()]\n[1]\n"""}\n'
        lines, _ = run(suite_job(text))
        self.assertEqual(lines[0]["module"]["calls"], ["__test__.doctests"])
        outcome = lines[1]["function"]["outcome"]
        self.assertEqual(outcome["test"], "fail")

    def test_the_module_folder_is_written_test_dir(self):
        # a frame repr quoting the file, checked with a pattern made from it (as
        # test_frame's ReprTest does): both forms of the folder are neutralised
        path = "/opt/py-3.12+x/lib/test/test_fake_suite.py"
        text = ("import re, unittest\nclass T(unittest.TestCase):\n"
                "    def test_repr(self):\n"
                "        self.assertRegex(repr(FILE) + ' ' + __file__, '^x' + re.escape(FILE))\n")
        lines, _ = run(suite_job(text, path=path))
        detail = lines[1]["function"]["outcome"]["detail"]
        self.assertEqual(detail, "AssertionError: Regex didn't match: "
                         "'^x<test dir>/test_fake_suite\\\\.py' not found in "
                         "\"'<test dir>/test_fake_suite.py' <test dir>/test_fake_suite.py\"")
        self.assertNotIn("/opt/", json.dumps(lines))

    def test_bad_suite_field(self):
        job = suite_job(MODULE)
        job["suite"] = "test_scope"
        lines, _ = run(job)
        self.assertIn("runner_error", lines[0])
        self.assertIn("'suite'", lines[0]["runner_error"])


if __name__ == "__main__":
    unittest.main()
