"""The runner's observations besides outcomes (docs/protocol.md): "scopes"
(scope classification) and "f_locals_at_return" (runners/observe.py)."""
import glob
import os
import sys
import textwrap
import unittest

from test_runner import PYPY, RUNNER, RunnerTest, load_seed

RUNNERS_DIR = os.path.dirname(RUNNER)
sys.path.insert(0, RUNNERS_DIR)
import observe  # noqa: E402
import runner  # noqa: E402

CASES = os.path.normpath(os.path.join(RUNNERS_DIR, "..", "cases"))
V = sys.version_info
CPYTHON = sys.implementation.name == "cpython"
FREE_THREADED = observe._free_threaded()


def scope(varnames=(), cellvars=(), freevars=()):
    return {"varnames": list(varnames), "cellvars": list(cellvars), "freevars": list(freevars)}


def names(entries):
    """The "function" of each entry (markers such as {"truncated": N} as is)."""
    return [e.get("function", e) for e in entries]


def function(result, name):
    """The entry of `result` for the top-level function `name`."""
    [entry] = [f for f in result["functions"] if f["name"] == name]
    return entry


def keys(entry):
    return [k for k, _ in entry["locals"]["dict"]]


def values(entry):
    return dict((k, v) for k, v in entry["locals"]["dict"])


def corpus_texts():
    """(name, text) of every block of cases/*.case, source and translation."""
    texts = []
    for path in sorted(glob.glob(os.path.join(CASES, "*.case"))):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        block = None
        for line in lines:
            if line.startswith("$"):
                block = [line[1:].strip(), [], None]
                texts.append(block)
            elif block is None:
                continue
            elif line.rstrip("\r") == "=" and block[2] is None:
                block[2] = []
            else:
                (block[1] if block[2] is None else block[2]).append(line)
    out = []
    for name, source, translation in texts:
        out.append((name, "\n".join(source)))
        if translation is not None:
            out.append((name + " =", "\n".join(translation)))
    return out


def in_process(source, mode="source", hooked=True):
    """runner.run_job in this process; with hooked=False the f_locals hook
    is not installed (the same stack depth, for comparisons)."""
    saved = observe.CallRecorder.install, observe.CallRecorder.uninstall
    if not hooked:
        observe.CallRecorder.install = observe.CallRecorder.uninstall = lambda self: None
    try:
        return runner.run_job({"id": 1, "case": "t", "mode": mode,
                               "source": textwrap.dedent(source)}, sys.modules.get("__dp__"))
    finally:
        observe.CallRecorder.install, observe.CallRecorder.uninstall = saved


class Scopes(RunnerTest):
    """result["module"]["scopes"]: the notebook's classification."""

    def scopes(self, source):
        result = self.run_one(source)
        self.assertIsNone(result["module"]["compile_error"])
        return result["module"]["scopes"]

    def test_notebook_cell_13_nonlocal(self):
        self.assertEqual(self.scopes("""\
            def inspect(func):
                pass

            a = 13

            def myfunc1(arg1):
                a = 15
                def myfunc2(arg2):
                    nonlocal a
                    a = 16

                inspect(myfunc2)
                myfunc2(2)

            inspect(myfunc1)
            myfunc1(1)
            """), {"inspect": scope(["func"]),
                   "myfunc1": scope(["arg1", "myfunc2"], ["a"]),
                   "myfunc1.<locals>.myfunc2": scope(["arg2"], [], ["a"])})

    def test_notebook_cell_8_separate_locals(self):
        scopes = self.scopes("""\
            a = 13

            def myfunc1(arg1):
                a = 15
                def myfunc2(arg2):
                    a = 16

                myfunc2(2)
            """)
        self.assertEqual(scopes, {"myfunc1": scope(["arg1", "a", "myfunc2"]),
                                  "myfunc1.<locals>.myfunc2": scope(["arg2", "a"])})

    def test_notebook_cell_17_cell_two_levels_down(self):
        scopes = self.scopes("""\
            a = 13

            def myfunc1(arg1):
                a = 15
                def myfunc2(arg2):
                    a = 16
                    def myfunc3():
                        nonlocal a
                        a = 17
                    myfunc3()

                myfunc2(2)
                print(a)
            """)
        self.assertEqual(scopes, {
            "myfunc1": scope(["arg1", "a", "myfunc2"]),
            "myfunc1.<locals>.myfunc2": scope(["arg2", "myfunc3"], ["a"]),
            "myfunc1.<locals>.myfunc2.<locals>.myfunc3": scope([], [], ["a"])})

    def test_notebook_cells_11_12_4(self):
        scopes = self.scopes("""\
            a1 = 13
            def myfunc1():
                a1 = 14
                print(a1)

            a2 = 13
            def myfunc2():
                b = 14 + a2
                print(b)

            a3 = 13
            def myfunc3():
                b = 14 + a3

                a3 = 1
                print(a3)
            """)
        self.assertEqual(scopes, {"myfunc1": scope(["a1"]), "myfunc2": scope(["b"]),
                                  "myfunc3": scope(["a3", "b"])})

    def test_compile_error_gives_empty_scopes(self):
        result = self.run_one("""\
            a = 13

            def myfunc1(arg1):
                a = 15
                def myfunc2(arg2):
                    def myfunc3():
                        nonlocal a
                        a = 17
                    myfunc3()
                global a
            """)
        self.assertEqual(result["module"]["compile_error"]["type"], "SyntaxError")
        self.assertEqual(result["module"]["scopes"], {})

    def test_order_and_repeated_qualnames(self):
        scopes = self.scopes("""\
            def a():
                def b():
                    pass
                return [lambda: 1, lambda: 2]
            first = lambda: 1
            second = lambda: 2
            class C:
                def m(self):
                    pass
                g = (x for x in ())
            """)
        self.assertEqual(list(scopes), ["a", "a.<locals>.b", "a.<locals>.<lambda>", "a.<locals>.<lambda> #2",
                                        "<lambda>", "<lambda> #2", "C", "C.m", "C.<genexpr>"])
        self.assertEqual(scopes["C.<genexpr>"], scope([".0", "x"]))

    def test_comprehensions_only_where_they_have_a_code_object(self):
        scopes = self.scopes("""\
            def f(xs):
                return [x for x in xs], {x for x in xs}, {x: 1 for x in xs}, (x for x in xs)
            """)
        inlined = CPYTHON and V >= (3, 12)  # PEP 709
        comps = [] if inlined else ["f.<locals>.<listcomp>", "f.<locals>.<setcomp>", "f.<locals>.<dictcomp>"]
        self.assertEqual(list(scopes), ["f"] + comps + ["f.<locals>.<genexpr>"])
        self.assertEqual(scopes["f"], scope(["xs", "x"] if inlined else ["xs"]))

    def test_desugared_mode_reports_translation_scopes(self):
        name, source, desugared = load_seed()
        [result] = self.run_jobs({"id": 0, "case": name, "mode": "desugared", "source": desugared})
        self.assertNotIn("scopes", result["module"])
        scopes = result["module"]["translation_scopes"]
        self.assertEqual(scopes["_dp_fn_function_locals.<locals>._dp_fn_f"], scope(["x", "_dp_fn_g", "g"], ["x"]))
        self.assertIn("_dp_fn_class_locals.<locals>._dp_fn_f.<locals>."
                      "_dp_create_class_class_locals__locals__f__locals__C.<locals>._dp_ns_builder", scopes)


TRICKY = """\
def f():
    global g
    def g(): pass
    class K:
        global h
        def h(self): pass
        def m(self):
            return [lambda: i for i in range(2)], (lambda: j for j in range(2))
        class Inner:
            def __p(self): pass
    return [[lambda: 1 for _ in range(1)] for _ in range(1)]
class C:
    global __q
    def __q(self): pass
    def __r(self): pass
    x = [y for y in range(3)]
    z = (lambda: 0)
async def co():
    async def inner(): pass
    return [x async for x in inner()]
"""


class ComputedQualnames(unittest.TestCase):
    """The computed qualname (used before 3.11) is the compiler's."""

    def test_tricky_scopes(self):
        found = [q for _, q in observe.code_tree(compile(TRICKY, "<t>", "exec"))]
        before_312 = not CPYTHON or V < (3, 12)
        expected = ["f", "g", "f.<locals>.K", "h", "f.<locals>.K.m"]
        expected += ["f.<locals>.K.m.<locals>.<listcomp>"] if before_312 else []
        expected += ["f.<locals>.K.m.<locals>.<listcomp>.<lambda>" if before_312 else "f.<locals>.K.m.<locals>.<lambda>",
                     "f.<locals>.K.m.<locals>.<genexpr>", "f.<locals>.K.m.<locals>.<genexpr>.<lambda>",
                     "f.<locals>.K.Inner", "f.<locals>.K.Inner.__p"]
        expected += ["f.<locals>.<listcomp>", "f.<locals>.<listcomp>.<listcomp>",
                     "f.<locals>.<listcomp>.<listcomp>.<lambda>"] if before_312 else ["f.<locals>.<lambda>"]
        expected += ["C", "__q", "C.__r"] + (["C.<listcomp>"] if before_312 else []) + ["C.<lambda>"]
        expected += ["co", "co.<locals>.inner"] + (["co.<locals>.<listcomp>"] if before_312 else [])
        self.assertEqual(found, expected)

    @unittest.skipUnless(hasattr(compile("", "", "exec"), "co_qualname"), "co_qualname is 3.11+")
    def test_equal_to_co_qualname_for_the_corpus(self):
        texts = corpus_texts() + [("tricky", TRICKY)]
        self.assertGreater(len(texts), 50)
        checked = 0
        for name, text in texts:
            try:
                code = compile(text, "<case>", "exec", dont_inherit=True)
            except SyntaxError:
                continue
            for code, computed in observe.code_tree(code):
                with self.subTest(case=name, code=code.co_qualname):
                    self.assertEqual(computed, code.co_qualname)
                checked += 1
        self.assertGreater(checked, 300)


# A class body whose namespace is a case-defined mapping that logs the
# calls it gets (its class has a __class__ cell: before 3.13 reading f_locals
# would delete "__class__" from the namespace).
NAMESPACE_CASE = """\
def custom_namespace():
    class Log(dict):
        pass
    log = Log()
    class Namespace(object):  # a mapping, not a dict
        def __init__(self):
            self.d = {}
        def __getitem__(self, key):
            log[len(log)] = ("get", key)
            return self.d[key]
        def __setitem__(self, key, value):
            self.d[key] = value
        def __delitem__(self, key):
            log[len(log)] = ("del", key)
            del self.d[key]
        def keys(self):
            log[len(log)] = "keys"
            return self.d.keys()
    class Meta(type):
        @classmethod
        def __prepare__(mcs, name, bases):
            return Namespace()
        def __new__(mcs, name, bases, ns):
            return type.__new__(mcs, name, bases, dict(ns.d))
    class C(metaclass=Meta):
        x = 1
        def m(self):
            return super()  # a __class__ cell: before 3.13 f_locals would del it
    return dict(log)
"""

SEED_RETURNS = ["function_locals.<locals>.f", "function_locals.<locals>.f.<locals>.g", "function_locals"]


class FLocalsAtReturn(RunnerTest):
    def recorded(self, source, mode="source"):
        """{function name: f_locals_at_return} after a clean module run."""
        result = self.run_one(source, mode)
        self.outcomes(result)
        return {f["name"]: f["f_locals_at_return"] for f in result["functions"]}

    def test_seed_function_locals(self):
        name, source, _ = load_seed()
        [result] = self.run_jobs({"id": 0, "case": name, "mode": "source", "source": source})
        entries = function(result, "function_locals")["f_locals_at_return"]
        self.assertEqual(names(entries), SEED_RETURNS)
        f, g, top = entries
        h = {"function": "function_locals.<locals>.f.<locals>.g.<locals>.h"}
        self.assertEqual(values(g), {"y": 7, "h": h, "w": 6, "x": 2})
        self.assertEqual(values(f), {"x": 2, "g": {"function": "function_locals.<locals>.f.<locals>.g"}})
        self.assertEqual(values(top), {"f": {"function": "function_locals.<locals>.f"}})
        if CPYTHON and V < (3, 11):
            # g's locals dict exists (g called locals()); f_locals refreshes
            # it, which moves y (an argument held in a cell) behind x.
            self.assertEqual((keys(f), keys(g)), (["g", "x"], ["h", "w", "x", "y"]))
        else:
            self.assertEqual((keys(f), keys(g)), (["x", "g"], ["y", "h", "w", "x"]))
        for entry in entries:
            self.assertEqual(set(entry), {"function", "locals"})

    def test_order_of_returns_and_exception_frames(self):
        recorded = self.recorded("""\
            def outer():
                def ok():
                    v = 1
                    return v
                def bad():
                    w = 2
                    raise ValueError(w)
                ok()
                try:
                    bad()
                except ValueError:
                    pass
                z = 3
                return z

            def failing():
                q = 1
                raise KeyError(q)
            """)
        self.assertEqual(recorded["outer"], [
            {"function": "outer.<locals>.ok", "locals": {"dict": [["v", 1]]}},
            {"function": "outer.<locals>.bad", "locals": {"dict": [["w", 2]]}, "exception": True},
            {"function": "outer", "locals": {"dict": [
                ["ok", {"function": "outer.<locals>.ok"}], ["bad", {"function": "outer.<locals>.bad"}],
                ["z", 3]]}}])
        self.assertEqual(recorded["failing"],
                         [{"function": "failing", "locals": {"dict": [["q", 1]]}, "exception": True}])

    def test_generators_record_only_their_final_return(self):
        recorded = self.recorded("""\
            def generators():
                def gen():
                    a = 1
                    yield a
                    b = 2
                    yield b
                    return 3
                total = list(gen())
                g = gen()
                next(g)
                g.close()  # left by GeneratorExit at a yield: not recorded
                return total

            def closed_through_finally():
                def gen():
                    try:
                        yield 1
                    finally:
                        f = "finally ran"
                g = gen()
                next(g)
                g.close()  # GeneratorExit leaves from the finally block: recorded
                return 0

            def coroutine():
                async def co():
                    c = 4
                    return c
                try:
                    co().send(None)
                except StopIteration as stop:
                    return stop.value
            """)
        gens = recorded["generators"]
        self.assertEqual(names(gens), ["generators.<locals>.gen", "generators"])
        self.assertEqual(values(gens[0]), {"a": 1, "b": 2})
        self.assertEqual(recorded["closed_through_finally"][0],
                         {"function": "closed_through_finally.<locals>.gen",
                          "locals": {"dict": [["f", "finally ran"]]}, "exception": True})
        self.assertEqual(recorded["coroutine"][0], {"function": "coroutine.<locals>.co",
                                                    "locals": {"dict": [["c", 4]]}})

    def test_class_bodies_and_comprehension_frames(self):
        recorded = self.recorded("""\
            def shapes():
                class K:
                    k = 1
                squares = [n * n for n in range(3)]
                return squares
            """)
        comps = [] if CPYTHON and V >= (3, 12) else ["shapes.<locals>.<listcomp>"]
        entries = recorded["shapes"]
        self.assertEqual(names(entries), ["shapes.<locals>.K"] + comps + ["shapes"])
        self.assertEqual(values(entries[0])["k"], 1)
        self.assertEqual(values(entries[0])["__qualname__"], "shapes.<locals>.K")

    def test_threads_started_by_the_case_are_not_observed(self):
        recorded = self.recorded("""\
            import threading
            def threaded():
                out = []
                def work():
                    v = 5
                    out.append(v)
                t = threading.Thread(target=work)
                t.start()
                t.join()
                return out
            """)
        self.assertEqual(names(recorded["threaded"]), ["threaded"])

    def test_a_case_replacing_the_profile_function(self):
        result = self.run_one("""\
            import sys
            def helper():
                a = 1
                return a

            def replaces_profile():
                seen = []
                def prof(frame, event, arg):
                    if event == "return" and frame.f_code is helper.__code__:
                        seen.append(frame.f_locals["a"])
                previous = sys.getprofile()
                sys.setprofile(prof)
                try:
                    helper()  # not observed: the case's own profiler runs instead
                finally:
                    sys.setprofile(previous)
                helper()
                return seen
            """)
        self.assertEqual(self.outcomes(result)["replaces_profile"], self.returned([1]))
        entries = function(result, "replaces_profile")["f_locals_at_return"]
        self.assertEqual(names(entries), ["helper", "replaces_profile"])

    def test_a_case_using_settrace_is_unaffected(self):
        result = self.run_one("""\
            import sys
            def traced():
                lines = []
                def tracer(frame, event, arg):
                    if frame.f_code is target.__code__ and event == "line":
                        lines.append(frame.f_lineno - target.__code__.co_firstlineno)
                    return tracer
                def target():
                    t = 1
                    return t
                sys.settrace(tracer)
                try:
                    target()
                finally:
                    sys.settrace(None)
                return lines
            """)
        self.assertEqual(self.outcomes(result)["traced"], self.returned([1, 2]))
        entries = function(result, "traced")["f_locals_at_return"]
        self.assertEqual(names(entries), ["traced.<locals>.target", "traced"])

    def test_at_most_200_entries_per_call(self):
        recorded = self.recorded("""\
            def many():
                total = 0
                for i in range(250):
                    total += (lambda: i)()
                return total
            """)
        entries = recorded["many"]
        self.assertEqual(len(entries), observe.ENTRY_LIMIT + 1)
        self.assertEqual(entries[0], {"function": "many.<locals>.<lambda>", "locals": {"dict": [["i", 0]]}})
        self.assertEqual(entries[-1], {"truncated": 51})  # 50 lambdas and many itself

    def test_case_defined_namespace_mapping_is_not_read(self):
        recorded = self.recorded(NAMESPACE_CASE)
        entries = recorded["custom_namespace"]
        [body] = [e for e in entries if e["function"] == "custom_namespace.<locals>.C"]
        self.assertEqual(body, {"function": "custom_namespace.<locals>.C",
                                "unread_mapping": "custom_namespace.<locals>.Namespace"})
        # The log shows no call from the hook (compared in Undisturbed too).
        log = self.outcomes(self.run_one(NAMESPACE_CASE))["custom_namespace"]["value"]["dict"]
        self.assertEqual([v for _, v in log if v == "keys" or v["tuple"][0] == "del"], [])

    def test_reprs_run_by_the_conversion_print_nothing(self):
        result = self.run_one("""\
            class Loud:
                def __repr__(self):
                    print("repr called")
                    return "Loud()"
            def loud():
                obj = Loud()
                return 1
            """)
        entry = function(result, "loud")
        self.assertEqual(entry["stdout"], "")
        self.assertEqual(entry["f_locals_at_return"],
                         [{"function": "loud", "locals": {"dict": [["obj", {"object": "Loud", "repr": "Loud()"}]]}}])

    def test_a_held_locals_dict_is_left_as_it_was(self):
        result = self.run_one("""\
            import sys
            def held():
                x = 1
                d = locals()
                x = 2
                return d
            def held_across_calls():
                x = 1
                d = locals()
                x = 2
                len(d)
                def inner():
                    return 0
                inner()
                return dict(d)
            def f_locals_write():
                x = 1
                p = sys._getframe().f_locals
                p["x"] = 99
                len(p)
                return p["x"], x
            """)
        outcomes = self.outcomes(result)
        self.assertEqual(outcomes["held"], self.returned({"dict": [["x", 1]]}))
        self.assertEqual(outcomes["held_across_calls"], self.returned({"dict": [["x", 1]]}))
        proxy = CPYTHON and V >= (3, 13)  # PEP 667: writes reach the variable
        self.assertEqual(outcomes["f_locals_write"], self.returned({"tuple": [99, 99 if proxy else 1]}))
        # What f_locals showed when held returned: the dict is refreshed by
        # the read before 3.13 (it then holds itself), a snapshot since.
        [entry] = function(result, "held")["f_locals_at_return"]
        if proxy:
            self.assertEqual(values(entry), {"x": 2, "d": {"dict": [["x", 1]]}})
        else:
            self.assertEqual(values(entry), {"x": 2, "d": {"dict": [["x", 2], ["d", {"recursive": "dict"}]]}})

    @unittest.skipUnless(CPYTHON and V[:2] in ((3, 11), (3, 12)), "CPython 3.11/3.12")
    def test_locals_dict_located_without_reading_f_locals(self):
        self.assertIsNotNone(observe._peek_locals)

    @unittest.skipUnless(CPYTHON and V[:2] == (3, 8), "CPython 3.8")
    def test_recursion_depth_readable(self):
        self.assertIsNotNone(observe._recursion_depth)


class Undisturbed(unittest.TestCase):
    """Outcomes with and without the hook, in this process (same depth)."""

    def assert_same_outcomes(self, source, mode="source"):
        plain = in_process(source, mode, hooked=False)
        hooked = in_process(source, mode, hooked=True)
        strip = lambda r: [(f["name"], f["outcome"], f["stdout"]) for f in r["functions"]]
        self.assertEqual(strip(hooked), strip(plain))
        return hooked

    @unittest.skipIf(PYPY, "PyPy's limit follows the machine stack, which any profiler changes")
    @unittest.skipIf(FREE_THREADED, "sys.setprofile hook there: it raises at the limit")
    def test_recursion_limit(self):
        hooked = self.assert_same_outcomes("""\
            def max_depth():
                n = 0
                def r():
                    nonlocal n
                    n += 1
                    r()
                try:
                    r()
                except RecursionError as e:
                    return n, str(e)
            def deepest_legal_return():
                def probe(target):
                    def r(k):
                        return k if k == target else r(k + 1)
                    try:
                        return r(1)
                    except RecursionError:
                        return None
                return [probe(t) for t in range(900, 1100, 3)]
            """)
        if CPYTHON and V[:2] == (3, 8):
            entries = hooked["functions"][0]["f_locals_at_return"]
            self.assertIn({"stopped": "near the recursion limit"}, entries)

    def test_held_dicts_and_frame_writes(self):
        self.assert_same_outcomes("""\
            import sys
            def held_then_printed():
                x = 1
                d = locals()
                x = 2
                print(d)
                return sorted(d)
            def write_then_call():
                x = 1
                p = sys._getframe().f_locals
                p["x"] = 99
                print(len(p))
                return p["x"], x
            def exec_into_locals():
                x = 1
                exec("x = 5")
                y = locals()["x"]
                return x, y
            """)

    def test_case_defined_namespace(self):
        self.assert_same_outcomes(NAMESPACE_CASE)

    def test_hook_errors_do_not_reach_the_case(self):
        saved = observe.CallRecorder.read

        def broken(self, frame, restore):
            raise RuntimeError("hook bug")
        observe.CallRecorder.read = broken
        try:
            hooked = self.assert_same_outcomes("""\
                def calls():
                    def inner():
                        return 1
                    return inner() + 1
                """)
        finally:
            observe.CallRecorder.read = saved
        self.assertEqual(hooked["functions"][0]["f_locals_at_return"],
                         [{"function": "calls.<locals>.inner", "error": "RuntimeError"},
                          {"function": "calls", "error": "RuntimeError"}])


TRANSLATED_METHOD = """\
def _dp_fn_calls_method():

    def _dp_create_class_calls_method__locals__C():

        def _dp_ns_builder(_dp_class_ns):
            _dp_class_ns.__qualname__ = "calls_method.<locals>.C"

            def _dp_fn_m(self):
                v = 5
                return v
            _dp_class_ns.m = __dp__.update_fn(_dp_fn_m, "calls_method.<locals>.C", "m")
        return __dp__.create_class("C", _dp_ns_builder, (), None)
    C = _dp_create_class_calls_method__locals__C()
    return C().m()
calls_method = __dp__.update_fn(_dp_fn_calls_method, None, "calls_method")
del _dp_fn_calls_method
"""


class Desugared(RunnerTest):
    def seed_results(self):
        name, source, desugared = load_seed()
        return self.run_jobs({"id": 0, "case": name, "mode": "source", "source": source},
                             {"id": 1, "case": name, "mode": "desugared", "source": desugared})

    def test_seed_user_frames_match_the_source_run(self):
        source, desugared = self.seed_results()
        for result in (source, desugared):
            self.assertEqual(names(function(result, "function_locals")["f_locals_at_return"]),
                             SEED_RETURNS)
        self.assertEqual(function(desugared, "function_locals")["f_locals_at_return"],
                         function(source, "function_locals")["f_locals_at_return"])
        self.assertEqual(function(desugared, "function_locals")["translation_frames"], [])
        self.assertNotIn("translation_frames", function(source, "function_locals"))
        # The class body of X runs as the translation's namespace builder,
        # so the source's class-body frame has its counterpart in
        # translation_frames; the user's frames agree.
        src = function(source, "class_namespace_overrides_closure")["f_locals_at_return"]
        des = function(desugared, "class_namespace_overrides_closure")["f_locals_at_return"]
        self.assertEqual(names(src), ["class_namespace_overrides_closure.<locals>.X",
                                      "class_namespace_overrides_closure"])
        self.assertEqual([dict(e, translation_names=None) for e in des],
                         [dict(e, translation_names=None) for e in src[1:]])

    def test_translation_frames_and_names_are_listed(self):
        _, desugared = self.seed_results()
        entry = function(desugared, "class_namespace_overrides_closure")
        outer = "_dp_fn_class_namespace_overrides_closure.<locals>."
        creator = outer + "_dp_create_class_class_namespace_overrides_closure__locals__X"
        builder = creator + ".<locals>._dp_ns_builder"
        frames = entry["translation_frames"]
        self.assertEqual(names(frames), [builder + ".<locals>._dp_lambda_4", builder, creator])
        self.assertEqual(frames[1]["translation_names"], ["_dp_class_ns", "_dp_lambda_4", "_dp_lambda_5"])
        self.assertEqual(values(frames[1]), {"x": 42})
        self.assertEqual(frames[2]["translation_names"], ["_dp_ns_builder"])
        [user] = entry["f_locals_at_return"]
        self.assertEqual(user["translation_names"],
                         ["_dp_create_class_class_namespace_overrides_closure__locals__X"])
        for result_entry in desugared["functions"]:
            for e in result_entry["f_locals_at_return"] + result_entry["translation_frames"]:
                self.assertFalse([k for k in keys(e) if k.startswith("_dp_")], e)

    def test_translated_method_gets_the_users_qualname(self):
        result = self.run_one(TRANSLATED_METHOD, "desugared")
        entry = function(result, "calls_method")
        self.assertEqual(entry["outcome"], self.returned(5))
        self.assertEqual(names(entry["f_locals_at_return"]), ["calls_method.<locals>.C.m", "calls_method"])
        self.assertEqual(values(entry["f_locals_at_return"][0])["v"], 5)
        self.assertEqual(len(entry["translation_frames"]), 2)
        self.assertTrue(names(entry["translation_frames"])[0].endswith("._dp_ns_builder"))

    def test_cap_applies_per_list(self):
        result = self.run_one("""\
            def _dp_fn_many():
                def _dp_helper(i):
                    return i
                for i in range(230):
                    _dp_helper(i)
                return 0
            many = __dp__.update_fn(_dp_fn_many, None, "many")
            del _dp_fn_many
            """, "desugared")
        entry = function(result, "many")
        self.assertEqual(names(entry["f_locals_at_return"]), ["many"])
        self.assertEqual(len(entry["translation_frames"]), observe.ENTRY_LIMIT + 1)
        self.assertEqual(entry["translation_frames"][-1], {"truncated": 30})


if __name__ == "__main__":
    unittest.main()
