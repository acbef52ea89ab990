"""Suite jobs: one upstream test module (CPython's Lib/test/test_*.py) run with
unittest, one result per test id (docs/protocol.md, "Suite jobs").

Imported by runner.py (Python 3.8 syntax, standard library only).  A suite job
is an ordinary job line with "suite": {"module": "test_scope", "path": FILE}:
its "source" is the text of that build's module (or its translation, in
desugared mode), read by the harness.  The text runs as the module
`test.MODULE` (registered in sys.modules for the job, so unittest's module
fixtures and pickling find it), compiled with the module's own path as its
filename (the job's "path"; `<case NAME>` without one) and entered in
linecache under it, so that tracebacks, inspect and tests that compare
`__file__` with a frame's filename see the text that runs (the translation,
in desugared mode).  Then its
tests (unittest's loader, load_tests honoured) are flattened in suite order:
the module line's "calls" are their ids without the module prefix
("ScopeTests.testSimpleNesting"), and each test gets a function line as it
ends, whose outcome is {"test": "pass"|"fail"|"error"|"skip"|"xfail"|"xpass",
"detail": the first line of the message (exception type: first line) or the
skip reason}.  A module with no unittest tests and a doctest `__test__` dict
(test_listcomps before 3.12) runs its doctests instead, one test each.
Tests a class or module fixture kept from running get that
fixture's outcome.  No scopes and no f_locals hook: the modules trace and
inspect frames themselves, and the hook must not take part.
"""
import linecache
import os
import re
import sys
import time
import types


def first_line(text):
    text = text.strip()
    return text.splitlines()[0] if text else ""


def short_id(test, module_name):
    """A test's id without the module's own prefix."""
    try:
        name = test.id()
    except BaseException:  # noqa: B036 - a test's id() is case code
        name = type(test).__name__
    prefix = module_name + "."
    return name[len(prefix):] if name.startswith(prefix) else name


def flatten(suite, out):
    """The tests of a (nested) TestSuite, in run order."""
    import unittest

    for test in suite:
        if isinstance(test, unittest.TestSuite):
            flatten(test, out)
        else:
            out.append(test)
    return out


def describe_error(err, clean):
    """(type, first line of the message) of an exc_info triple."""
    exc_type, exc = err[0], err[1]
    try:
        message = str(exc)
    except BaseException:  # noqa: B036
        message = "<str() raised>"
    name = getattr(exc_type, "__name__", "?")
    line = first_line(message)
    return clean("%s: %s" % (name, line) if line else name)


def make_result(ids, emit, clean, module_name):
    """A unittest result that writes one function line per test, in the order
    of `ids` (a test that never started, because a class or module fixture
    failed or was skipped, is written with that fixture's outcome when a later
    test ends, or at the end)."""
    import unittest

    where = dict((id(test), i) for i, test in enumerate(ids))

    class Collector(unittest.TestResult):
        def __init__(self):
            unittest.TestResult.__init__(self)
            self.position = 0  # the next id to write
            self.outcome = None
            # the outcome of a fixture that failed or skipped, by the qualname of the
            # class whose tests it kept from running ("" for the module's)
            self.fixtures = {}
            self.started = 0.0

        # -- what unittest calls
        def startTest(self, test):
            unittest.TestResult.startTest(self, test)
            self.outcome = {"test": "pass", "detail": ""}
            self.started = time.perf_counter()

        def stopTest(self, test):
            unittest.TestResult.stopTest(self, test)
            seconds = time.perf_counter() - self.started
            self.write_through(self.index_of(test), self.outcome, seconds)
            self.outcome = None

        def addError(self, test, err):
            self.record(test, "error", describe_error(err, clean))

        def addFailure(self, test, err):
            self.record(test, "fail", describe_error(err, clean))

        def addSkip(self, test, reason):
            self.record(test, "skip", clean(first_line(str(reason))))

        def addExpectedFailure(self, test, err):
            self.record(test, "xfail", describe_error(err, clean))

        def addUnexpectedSuccess(self, test):
            self.record(test, "xpass", "")

        def addSubTest(self, test, subtest, err):
            if err is not None and self.outcome is not None and self.outcome["test"] == "pass":
                kind = "fail" if issubclass(err[0], test.failureException) else "error"
                self.outcome = {"test": kind, "detail": describe_error(err, clean)}

        # -- ours
        def record(self, test, kind, detail):
            index = self.index_of(test)
            if index is None:
                # a fixture (setUpClass, setUpModule, ...): an _ErrorHolder
                # "setUpClass (test.test_x.C)", "setUpModule (test.test_x)": the tests it
                # keeps from running are that class's, or the module's
                where = str(getattr(test, "description", "") or short_id(test, ""))
                owner = where[where.find("(") + 1:].rstrip(")") if "(" in where else ""
                owner = owner[len(module_name) + 1:] if owner.startswith(module_name + ".") else ""
                where = where.replace("(%s." % module_name, "(").replace("(%s)" % module_name, "")
                self.fixtures[owner] = {"test": kind, "detail": "%s in %s" % (detail, where.strip())}
                return
            if self.outcome is None:
                # a skipped test that never started (unittest skips some before startTest)
                self.write_through(index, {"test": kind, "detail": detail}, 0.0)
                return
            if self.outcome["test"] == "pass":
                self.outcome = {"test": kind, "detail": detail}

        def index_of(self, test):
            return where.get(id(test))

        def write_through(self, index, outcome, seconds):
            """Write the ids before `index` that never ran, then `index`'s own."""
            end = len(ids) if index is None else index
            while self.position < end:
                owner = getattr(type(ids[self.position]), "__qualname__", "")
                not_run = (self.fixtures.get(owner) or self.fixtures.get("")
                           or {"test": "error", "detail": "not run"})
                emit(self.position, not_run, 0.0)
                self.position += 1
            if index is not None and index >= self.position:
                emit(index, outcome, seconds)
                self.position = index + 1

    return Collector()


TEST_DIR = "<test dir>"


def without_test_dir(clean, path):
    """clean() that also writes the folder of the module's file as
    "<test dir>": plain, as re.escape() writes it, and that again with its
    backslashes doubled, as repr() shows it (assertRegex messages quote the
    repr of a pattern built from __file__), so that details, and what
    expected/ records of them, do not depend on where a build is installed."""
    folder = os.path.dirname(path) if path else ""
    if not folder:
        return clean
    escaped = re.escape(folder)
    forms = set([folder, escaped, escaped.replace("\\", "\\\\")])
    forms = sorted(forms, key=len, reverse=True)

    def neutral(text):
        for form in forms:
            text = text.replace(form, TEST_DIR)
        return clean(text)

    return neutral


def run_suite_job(job, dp_module, emit, filename, clean, limit_stdout=None):
    """Run one suite job (see the module docstring).  emit() takes protocol
    objects, as runner.run_job's does."""
    import unittest

    spec = job["suite"]
    clean = without_test_dir(clean, spec.get("path"))
    module_name = "test." + spec["module"]
    text = job["source"]
    module_result = {"compile_error": None, "error": None, "stdout": "", "scopes": {}}
    try:
        code = compile(text, filename, "exec", dont_inherit=True)
    except BaseException as err:  # noqa: B036
        module_result["compile_error"] = {
            "type": type(err).__name__,
            "msg": clean(str(getattr(err, "msg", err))),
            "line": getattr(err, "lineno", None),
        }
        module_result["calls"] = []
        emit({"module": module_result})
        return
    lines = text.splitlines(True)
    linecache.cache[filename] = (len(text), None, lines, filename)
    try:
        import test  # noqa: F401 - the package the module belongs to
    except BaseException:  # noqa: B036 - the module's own imports will say what is missing
        pass
    module = types.ModuleType(module_name)
    module.__dict__["__file__"] = spec.get("path") or filename
    module.__dict__["__package__"] = "test"
    if job["mode"] == "desugared":
        module.__dict__["__dp__"] = dp_module
    sys.modules[module_name] = module
    tests = []
    try:
        exec(code, module.__dict__)
        loaded = unittest.TestLoader().loadTestsFromModule(module)
        flatten(loaded, tests)
        if not tests and "__test__" in module.__dict__:
            # an older doctest module (test_listcomps before 3.12): its test_main
            # runs the doctests of its __test__ dict
            import doctest

            flatten(doctest.DocTestSuite(module), tests)
    except BaseException as err:  # noqa: B036 - SystemExit, SkipTest at import, ...
        module_result["error"] = {"type": type(err).__name__, "message": clean(first_line(str(err)))}
        tests = []
    names = []
    seen = {}
    for test in tests:
        name = short_id(test, module_name)
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else "%s #%d" % (name, seen[name]))
    module_result["calls"] = names
    emit({"module": module_result})

    resume = job.get("resume", 0)
    todo = tests[resume:]

    def write(index, outcome, seconds):
        emit({"function": {"name": names[resume + index], "outcome": outcome,
                           "stdout": "", "seconds": seconds}})

    result = make_result(todo, write, clean, module_name)
    try:
        unittest.TestSuite(todo).run(result)
    finally:
        result.write_through(None, None, 0.0)
