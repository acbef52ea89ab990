"""The runner's observations besides outcomes (docs/protocol.md): "scopes"
(scope classification) and "f_locals_at_return" (runners/observe.py)."""
import glob
import json
import os
import sys
import textwrap
import unittest

from test_runner import PYPY, RUNNER, RunnerTest, job, load_seed, run_job_here

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
    """runner.run_job in this process, its lines assembled; with hooked=False
    the f_locals hook is not installed (the same stack depth, for comparisons)."""
    saved = observe.CallRecorder.install, observe.CallRecorder.uninstall
    if not hooked:
        observe.CallRecorder.install = observe.CallRecorder.uninstall = lambda self: None
    try:
        return run_job_here({"id": 1, "case": "t", "mode": mode,
                             "source": textwrap.dedent(source)}, sys.modules.get("__dp__"))
    finally:
        observe.CallRecorder.install, observe.CallRecorder.uninstall = saved


def all_scopes(result):
    """The whole scope table of a result: what the called functions claimed
    and what the module kept (each entry is in exactly one place)."""
    table = dict(result["module"]["scopes"])
    for entry in result["functions"]:
        for key, value in entry["scopes"].items():
            assert key not in table, key
            table[key] = value
    return table


def without(entry, drop):
    """An f_locals_at_return entry with the keys in `drop` left out of its locals."""
    pairs = [pair for pair in entry["locals"]["dict"] if pair[0] not in drop]
    return dict(entry, locals={"dict": pairs})


# Keys that CPython's compiler stores in a class body's namespace and that the
# translation's namespace builder does not (3.13+: __firstlineno__ and
# __static_attributes__; 3.14+: the cell of the class dict, in a class with
# methods); the builder stores __annotations__ in every class, which the
# source's class bodies store only when they have annotations.
SOURCE_ONLY_CLASS_KEYS = set()
if CPYTHON and V >= (3, 13):
    SOURCE_ONLY_CLASS_KEYS |= {"__firstlineno__", "__static_attributes__"}
if CPYTHON and V >= (3, 14):
    SOURCE_ONLY_CLASS_KEYS.add("__classdictcell__")
TRANSLATION_ONLY_CLASS_KEYS = {"__annotations__"}
if sys.version_info >= (3, 13):  # create_class's __firstlineno__: the translation's line
    TRANSLATION_ONLY_CLASS_KEYS.add("__firstlineno__")


class Scopes(RunnerTest):
    """The notebook's classification: result["module"]["scopes"] holds the
    entries of the scope table that no called top-level function claimed;
    each function entry's "scopes" holds its own and its nested code's."""

    def scopes(self, source):
        """The whole table (module and functions), after a clean compile."""
        result = self.run_one(source)
        self.assertIsNone(result["module"]["compile_error"])
        return all_scopes(result)

    def claims(self, result):
        """{function name: the qualnames its entry claimed, in order}."""
        return dict((f["name"], list(f["scopes"])) for f in result["functions"])

    def test_notebook_cell_13_nonlocal(self):
        # No function is called (each needs an argument): the module keeps all.
        result = self.run_one("""\
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
            """)
        self.assertEqual(result["functions"], [])
        self.assertEqual(result["module"]["scopes"], {
            "inspect": scope(["func"]),
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
        result = self.run_one("""\
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
        # All three are called: each claims its own entry, the module keeps none.
        self.assertEqual(result["module"]["scopes"], {})
        self.assertEqual([(f["name"], f["scopes"]) for f in result["functions"]],
                         [("myfunc1", {"myfunc1": scope(["a1"])}), ("myfunc2", {"myfunc2": scope(["b"])}),
                          ("myfunc3", {"myfunc3": scope(["a3", "b"])})])

    def test_called_functions_claim_their_scopes(self):
        result = self.run_one("""\
            def a1():
                x = 1
                def inner():
                    return x
                return inner()

            def needs_arg(y):
                def nested():
                    pass

            class K:
                def m(self):
                    pass

            def a10():
                return [lambda: 0 for _ in ()]
            """)
        self.outcomes(result)
        self.assertEqual([f["name"] for f in result["functions"]], ["a1", "a10"])
        a1, a10 = result["functions"]
        self.assertEqual(a1["scopes"], {"a1": scope(["inner"], ["x"]), "a1.<locals>.inner": scope([], [], ["x"])})
        # "a1" claims by qualname prefix "a1.", so not "a10" and its code.
        before_312 = not CPYTHON or V < (3, 12)
        comp = ["a10.<locals>.<listcomp>"] if before_312 else []
        lam = "a10.<locals>.<listcomp>.<lambda>" if before_312 else "a10.<locals>.<lambda>"
        self.assertEqual(list(a10["scopes"]), ["a10"] + comp + [lam])
        # What no called function claimed stays with the module, in table order.
        self.assertEqual(list(result["module"]["scopes"]), ["needs_arg", "needs_arg.<locals>.nested", "K", "K.m"])
        self.assertEqual(result["module"]["scopes"]["needs_arg"], scope(["y", "nested"]))

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
        source = textwrap.dedent("""\
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
        table = observe.scope_table(compile(source, "<t>", "exec"))
        self.assertEqual(list(table), ["a", "a.<locals>.b", "a.<locals>.<lambda>", "a.<locals>.<lambda> #2",
                                       "<lambda>", "<lambda> #2", "C", "C.m", "C.<genexpr>"])
        self.assertEqual(table["C.<genexpr>"], scope([".0", "x"]))
        result = self.run_one(source)
        self.assertEqual(all_scopes(result), table)
        # Claims go by qualname, " #N" left aside: the first function whose
        # qualname is "<lambda>" claims every module-level lambda's entry.
        self.assertEqual(self.claims(result), {"a": ["a", "a.<locals>.b", "a.<locals>.<lambda>",
                                                     "a.<locals>.<lambda> #2"],
                                               "first": ["<lambda>", "<lambda> #2"], "second": []})
        self.assertEqual(list(result["module"]["scopes"]), ["C", "C.m", "C.<genexpr>"])

    def test_comprehensions_only_where_they_have_a_code_object(self):
        scopes = self.scopes("""\
            def f(xs):
                return [x for x in xs], {x for x in xs}, {x: 1 for x in xs}, (x for x in xs)
            """)
        inlined = CPYTHON and V >= (3, 12)  # PEP 709
        comps = [] if inlined else ["f.<locals>.<listcomp>", "f.<locals>.<setcomp>", "f.<locals>.<dictcomp>"]
        self.assertEqual(list(scopes), ["f"] + comps + ["f.<locals>.<genexpr>"])
        self.assertEqual(scopes["f"], scope(["xs", "x"] if inlined else ["xs"]))

    def test_desugared_mode_reports_scopes_in_the_users_terms(self):
        name, source, desugared = load_seed()
        src, des = self.run_jobs({"id": 0, "case": name, "mode": "source", "source": source},
                                 {"id": 1, "case": name, "mode": "desugared", "source": desugared})
        self.assertNotIn("translation_scopes", src["module"])
        self.assertNotIn("translation_names", src["module"])
        # The translation's own table, as compiled, under translation_scopes.
        raw = des["module"]["translation_scopes"]
        creator = ("_dp_fn_class_locals.<locals>._dp_fn_f.<locals>."
                   "_dp_create_class_class_locals__locals__f__locals__C")
        builder = creator + ".<locals>._dp_ns_builder"
        self.assertEqual(len(raw), 17)
        self.assertEqual(raw["_dp_fn_function_locals.<locals>._dp_fn_f"], scope(["x", "_dp_fn_g", "g"], ["x"]))
        self.assertEqual(raw[creator], scope(["_dp_ns_builder"], [], ["x"]))
        self.assertEqual(raw[builder], scope(["_dp_class_ns", "_dp_lambda_1", "_dp_lambda_2", "_dp_fn_m",
                                              "_dp_lambda_3"], [], ["x"]))
        self.assertEqual(raw[builder + ".<locals>._dp_fn_m"], scope(["self"], [], ["x"]))
        # "scopes" in the user's terms: each function claims what the source
        # run's does, with the same entries; the machinery (2 create_class
        # defs, 5 helper lambdas) is left out and the `_dp_` names moved.
        self.assertEqual(src["module"]["scopes"], {})
        self.assertEqual(des["module"]["scopes"], {})
        self.assertEqual(len(all_scopes(des)), 17 - 7)
        for case_function in ("function_locals", "class_locals", "class_namespace_overrides_closure"):
            mine, theirs = function(des, case_function)["scopes"], function(src, case_function)["scopes"]
            self.assertEqual(list(mine), list(theirs))
            for key in theirs:
                if not key.endswith((".C", ".X")):  # class bodies: below
                    self.assertEqual(mine[key], theirs[key], key)
        # A class body is the builder's code: its own names are the
        # translation's, its free variables the class body's.  (The
        # source's differ by build: PyPy's __locals__, 3.14's __classdict__.)
        self.assertEqual(function(des, "class_locals")["scopes"]["class_locals.<locals>.f.<locals>.C"],
                         scope([], [], ["x"]))
        self.assertEqual(function(des, "class_namespace_overrides_closure")["scopes"][
            "class_namespace_overrides_closure.<locals>.X"], scope([], [], ["x"]))
        self.assertEqual(des["module"]["translation_names"], {"scopes": {
            "function_locals": ["_dp_fn_f"],
            "function_locals.<locals>.f": ["_dp_fn_g"],
            "function_locals.<locals>.f.<locals>.g": ["_dp_fn_h"],
            "class_locals": ["_dp_fn_f"],
            "class_locals.<locals>.f": ["_dp_create_class_class_locals__locals__f__locals__C"],
            "class_locals.<locals>.f.<locals>.C": ["_dp_class_ns", "_dp_lambda_1", "_dp_lambda_2", "_dp_fn_m",
                                                   "_dp_lambda_3"],
            "class_namespace_overrides_closure": ["_dp_create_class_class_namespace_overrides_closure__locals__X"],
            "class_namespace_overrides_closure.<locals>.X": ["_dp_class_ns", "_dp_lambda_4", "_dp_lambda_5"]}})


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


class ScopeWalkShortcuts(unittest.TestCase):
    """What scope_table uses instead of dis and of computed qualnames (so a
    job child imports and computes less) gives what they gave."""

    def test_stored_globals_matches_dis(self):
        import dis

        # a class body with enough names that EXTENDED_ARG prefixes appear
        many = "".join("    v%d = %d\n" % (i, i) for i in range(300))
        texts = corpus_texts() + [("tricky", TRICKY), ("wide", "class W:\n" + many + "    global g\n    g = 1\n")]
        checked = 0
        for name, text in texts:
            try:
                module = compile(text, "<case>", "exec", dont_inherit=True)
            except SyntaxError:
                continue
            for code in [module] + [c for c, _ in observe.code_tree(module)]:
                want = set(i.argval for i in dis.get_instructions(code) if i.opname == "STORE_GLOBAL")
                with self.subTest(case=name, code=code.co_name):
                    self.assertEqual(observe.stored_globals(code), want)
                checked += 1
        self.assertGreater(checked, 300)
        wide = compile("class W:\n" + many + "    global g\n    g = 1\n", "<w>", "exec").co_consts[0]
        self.assertIn("g", observe.stored_globals(wide))

    @unittest.skipUnless(hasattr(compile("", "", "exec"), "co_qualname"), "co_qualname is 3.11+")
    def test_code_objects_is_code_tree_in_the_same_order(self):
        for name, text in corpus_texts() + [("tricky", TRICKY)]:
            try:
                module = compile(text, "<case>", "exec", dont_inherit=True)
            except SyntaxError:
                continue
            with self.subTest(case=name):
                self.assertEqual([(id(c), q) for c, q in observe.code_objects(module)],
                                 [(id(c), c.co_qualname) for c, _ in observe.code_tree(module)])


# A translation with every kind of code object TranslationMap tells apart
# (written for the test: class D is nested in C, and Odd's create_class def
# names the class it makes differently).
MAP_TRANSLATION = """\
def _dp_fn_f():

    def _dp_fn_g():

        def _dp_lambda_2(x):

            def _dp_fn_h():
                pass
            return 0
        _dp_lambda_2.__name__ = "<lambda>"
        return lambda: 0

    def _dp_create_class_f__locals__C():

        def _dp_ns_builder(_dp_class_ns):

            def _dp_lambda_1():
                return __name__
            _dp_class_ns.__module__ = __dp__.class_lookup("__name__", _dp_class_ns, _dp_lambda_1)

            def _dp_fn_m(self):

                def _dp_fn_inner():
                    pass

            def _dp_create_class_f__locals__C__D():

                def _dp_ns_builder(_dp_class_ns):
                    pass
                return __dp__.create_class("D", _dp_ns_builder, (), None)
        return __dp__.create_class("C", _dp_ns_builder, (), None)

    def _dp_create_class_f__locals__Odd():

        def _dp_ns_builder(_dp_class_ns):
            pass
        return __dp__.create_class("Renamed", _dp_ns_builder, (), None)

    def _dp_create_class_f__locals__NoCall():

        def _dp_ns_builder(_dp_class_ns):
            pass
        return make_it()
"""
F = "_dp_fn_f.<locals>."
C_BUILDER = F + "_dp_create_class_f__locals__C.<locals>._dp_ns_builder"


class TranslationNames(unittest.TestCase):
    """observe.TranslationMap, user_scope_table and claim_scopes."""

    def setUp(self):
        self.user = observe.TranslationMap(MAP_TRANSLATION).user_qualname

    def test_functions(self):
        self.assertEqual(self.user("_dp_fn_f"), "f")
        self.assertEqual(self.user(F + "_dp_fn_g"), "f.<locals>.g")
        self.assertEqual(self.user(F + "_dp_fn_g.<locals>.<lambda>"), "f.<locals>.g.<locals>.<lambda>")

    def test_user_lambdas(self):
        # a _dp_lambda_N def that no class_lookup call is given is the user's lambda
        self.assertEqual(self.user(F + "_dp_fn_g.<locals>._dp_lambda_2"), "f.<locals>.g.<locals>.<lambda>")
        self.assertEqual(self.user(F + "_dp_fn_g.<locals>._dp_lambda_2.<locals>._dp_fn_h"),
                         "f.<locals>.g.<locals>.<lambda>.<locals>.h")
        self.assertEqual(self.user(F + "_dp_fn_g.<locals>._dp_lambda_2 #2"),
                         "f.<locals>.g.<locals>.<lambda> #2")
        # the same name elsewhere (no such def there) is still machinery
        self.assertIsNone(self.user(F + "_dp_lambda_2"))

    def test_user_comprehensions(self):
        # a _dp_comp_N def named by `_dp_comp_N.__name__ = "<...>"` is the user's
        # comprehension; no <locals> after it, and its _dp_iter is `.0`
        text = ("def _dp_fn_f(xs):\n"
                "    def _dp_comp_1(_dp_iter):\n"
                "        for x in _dp_iter:\n"
                "            def _dp_lambda_2():\n"
                "                return x\n"
                "            yield _dp_lambda_2\n"
                '    _dp_comp_1.__name__ = "<genexpr>"\n'
                "    return _dp_comp_1(__dp__.iter(xs))\n")
        tmap = observe.TranslationMap(text)
        self.assertEqual(tmap.user_qualname("_dp_fn_f.<locals>._dp_comp_1"), "f.<locals>.<genexpr>")
        self.assertEqual(tmap.user_qualname("_dp_fn_f.<locals>._dp_comp_1.<locals>._dp_lambda_2"),
                         "f.<locals>.<genexpr>.<lambda>")
        self.assertIsNone(tmap.user_qualname("_dp_comp_1"))  # no such def there
        scopes, moved = observe.user_scope_table(
            {"_dp_fn_f.<locals>._dp_comp_1": {"varnames": ["_dp_iter", "x", "_dp_lambda_2"],
                                               "cellvars": [], "freevars": []}}, tmap)
        self.assertEqual(scopes, {"f.<locals>.<genexpr>": {"varnames": [".0", "x"], "cellvars": [],
                                                          "freevars": []}})
        self.assertEqual(moved, {"f.<locals>.<genexpr>": ["_dp_lambda_2"]})

    def test_names_without_dp_parts_are_kept(self):
        for name in ("g", "K.km", "<lambda>", "f.<locals>.<genexpr>", "a.<locals>.b"):
            self.assertEqual(self.user(name), name)

    def test_class_builder_is_the_class_body(self):
        self.assertEqual(self.user(C_BUILDER), "f.<locals>.C")
        # The name is the one passed to create_class, not the def's suffix.
        self.assertEqual(self.user(F + "_dp_create_class_f__locals__Odd.<locals>._dp_ns_builder"),
                         "f.<locals>.Renamed")
        # A class nested in a class body.
        self.assertEqual(self.user(C_BUILDER + ".<locals>._dp_create_class_f__locals__C__D.<locals>._dp_ns_builder"),
                         "f.<locals>.C.D")

    def test_members_of_a_class_are_c_dot_m(self):
        self.assertEqual(self.user(C_BUILDER + ".<locals>._dp_fn_m"), "f.<locals>.C.m")
        self.assertEqual(self.user(C_BUILDER + ".<locals>._dp_fn_m.<locals>._dp_fn_inner"),
                         "f.<locals>.C.m.<locals>.inner")
        self.assertEqual(self.user(C_BUILDER + ".<locals>.<lambda>"), "f.<locals>.C.<lambda>")

    def test_machinery_has_no_user_qualname(self):
        for name in (F + "_dp_create_class_f__locals__C",  # the create_class def itself
                     C_BUILDER + ".<locals>._dp_lambda_1",  # a class lookup helper
                     C_BUILDER + ".<locals>._dp_lambda_1.<locals>.<genexpr>",  # code inside machinery
                     F + "_dp_helper",
                     "_dp_lambda_7"):
            self.assertIsNone(self.user(name), name)

    def test_builder_of_an_unknown_class_is_machinery(self):
        # No create_class("NAME", ...) to read the name from, or no such def.
        self.assertIsNone(self.user(F + "_dp_create_class_f__locals__NoCall.<locals>._dp_ns_builder"))
        self.assertIsNone(self.user("_dp_create_class_Z.<locals>._dp_ns_builder"))
        self.assertIsNone(self.user(C_BUILDER.replace("_dp_fn_f.", "_dp_fn_other.")))

    def test_repeat_suffix_is_kept(self):
        self.assertEqual(self.user(F + "_dp_fn_g #2"), "f.<locals>.g #2")
        self.assertEqual(self.user(C_BUILDER + " #2"), "f.<locals>.C #2")
        self.assertEqual(self.user(C_BUILDER + ".<locals>._dp_fn_m #3"), "f.<locals>.C.m #3")
        self.assertEqual(self.user("<lambda> #2"), "<lambda> #2")
        self.assertIsNone(self.user(C_BUILDER + ".<locals>._dp_lambda_1 #2"))

    def test_translation_that_does_not_parse(self):
        user = observe.TranslationMap("def broken(:\n").user_qualname
        self.assertEqual(user("_dp_fn_f.<locals>._dp_fn_g"), "f.<locals>.g")
        self.assertIsNone(user(C_BUILDER))

    def test_user_scope_table(self):
        raw = {
            "_dp_fn_f": scope(["_dp_fn_g", "g", "x"], ["x", "_dp_fn_g"]),
            F + "_dp_fn_g": scope(["y"], [], ["x"]),
            F + "_dp_create_class_f__locals__C": scope(["_dp_ns_builder"], [], ["x"]),
            C_BUILDER: scope(["_dp_class_ns", "_dp_lambda_1", "_dp_fn_m"], [], ["x", "_dp_outer"]),
            C_BUILDER + ".<locals>._dp_lambda_1": scope(),
            C_BUILDER + ".<locals>._dp_fn_m": scope(["self"], [], ["x"]),
            F + "<lambda>": scope(["a"]),
            F + "<lambda> #2": scope(["b"]),
        }
        before = json.loads(json.dumps(raw))
        scopes, moved = observe.user_scope_table(raw, observe.TranslationMap(MAP_TRANSLATION))
        self.assertEqual(list(scopes), ["f", "f.<locals>.g", "f.<locals>.C", "f.<locals>.C.m",
                                        "f.<locals>.<lambda>", "f.<locals>.<lambda> #2"])
        self.assertEqual(scopes, {
            "f": scope(["g", "x"], ["x"]),
            "f.<locals>.g": scope(["y"], [], ["x"]),
            "f.<locals>.C": scope([], [], ["x"]),
            "f.<locals>.C.m": scope(["self"], [], ["x"]),
            "f.<locals>.<lambda>": scope(["a"]),
            "f.<locals>.<lambda> #2": scope(["b"])})
        # Each moved name once, in varnames, cellvars, freevars order.
        self.assertEqual(moved, {"f": ["_dp_fn_g"],
                                 "f.<locals>.C": ["_dp_class_ns", "_dp_lambda_1", "_dp_fn_m", "_dp_outer"]})
        self.assertEqual(raw, before)  # the raw table is reported too, unchanged

    def test_user_scope_table_numbers_colliding_qualnames(self):
        # Two translation codes for one user qualname (a `def h` the
        # translation kept beside a translated one): " #2" as in the source.
        raw = {"_dp_fn_h": scope(["a"]), "h": scope(["b"]), "_dp_fn_h #2": scope(["c"])}
        scopes, moved = observe.user_scope_table(raw, observe.TranslationMap(""))
        self.assertEqual(scopes, {"h": scope(["a"]), "h #2": scope(["b"]), "h #3": scope(["c"])})
        self.assertEqual(list(scopes), ["h", "h #2", "h #3"])
        self.assertEqual(moved, {})

    def test_user_scope_table_of_a_translation_matches_the_source(self):
        raw = observe.scope_table(compile(CLASS_TRANSLATION, "<t>", "exec", dont_inherit=True))
        source = observe.scope_table(compile(CLASS_CASE, "<t>", "exec", dont_inherit=True))
        scopes, moved = observe.user_scope_table(raw, observe.TranslationMap(CLASS_TRANSLATION))
        self.assertEqual(list(scopes), list(source))
        self.assertEqual(len(raw) - len(scopes), 6)  # 2 create_class defs, 4 lookup helpers
        for key in ("K.km", "with_class", "with_class.<locals>.C.m"):
            self.assertEqual(scopes[key], source[key])
        self.assertEqual(moved["with_class"], ["_dp_create_class_with_class__locals__C"])

    def test_claim_scopes(self):
        table = {}
        for key in ("f", "fg", "f.<locals>.g", "g", "f #2", "f2", "g.<locals>.f", "C.f", "f.<locals>.g #2",
                    "f.<locals>.<lambda>"):
            table[key] = scope([key])
        claimed = observe.claim_scopes(table, "f")
        self.assertEqual(list(claimed), ["f", "f.<locals>.g", "f #2", "f.<locals>.g #2", "f.<locals>.<lambda>"])
        self.assertEqual(claimed["f #2"], scope(["f #2"]))
        # What is left is the rest, in its order; a second claim finds nothing.
        self.assertEqual(list(table), ["fg", "g", "f2", "g.<locals>.f", "C.f"])
        self.assertEqual(observe.claim_scopes(table, "f"), {})
        self.assertEqual(observe.claim_scopes(table, "C"), {"C.f": scope(["C.f"])})
        self.assertEqual(list(table), ["fg", "g", "f2", "g.<locals>.f"])


class Recorder(unittest.TestCase):
    """observe.QualnameIndex and CallRecorder, driven directly."""

    def record(self, source, tmap=None):
        """CallRecorder.result() for a call of f() in `source`, with a
        canonical_locals that lists the names and types it is given."""
        filename = "<case recorder>"
        code = compile(textwrap.dedent(source), filename, "exec", dont_inherit=True)
        namespace = {"__dp__": __import__("__dp__")}
        exec(code, namespace)

        def convert(pairs):
            return {"names": [name for name, _ in pairs], "types": [type(value).__name__ for _, value in pairs]}

        recorder = observe.CallRecorder(filename, observe.QualnameIndex(code, tmap), convert, {})
        _, exc, _, _, _ = runner.run_captured(namespace["f"], runner.DEFAULT_MAX_OUTPUT, recorder)
        self.assertIsNone(exc)
        return recorder.result()

    def test_canonical_locals_gets_the_pairs(self):
        self.assertEqual(self.record("""\
            def f():
                b = 1
                a = [2]
                return 0
            """), {"f_locals_at_return": [{"function": "f",
                                           "locals": {"names": ["b", "a"], "types": ["int", "list"]}}]})

    def test_dp_names_are_taken_out_before_conversion(self):
        translation = textwrap.dedent("""\
            def _dp_fn_f():
                _dp_tmp = 1
                b = "x"
                return _dp_tmp
            f = __dp__.update_fn(_dp_fn_f, None, "f")
            """)
        self.assertEqual(self.record(translation, observe.TranslationMap(translation)), {
            "f_locals_at_return": [{"function": "f", "locals": {"names": ["b"], "types": ["str"]}}],
            "translation_frames": [],
            "translation_names": {"f_locals_at_return": [{"entry": 0, "names": ["_dp_tmp"]}]}})

    def test_index_reports_the_translations_qualname(self):
        code = compile(CLASS_TRANSLATION, "<t>", "exec", dont_inherit=True)
        tmap = observe.TranslationMap(CLASS_TRANSLATION)
        index = observe.QualnameIndex(code, tmap)
        self.assertIs(index.tmap, tmap)
        self.assertIsNone(observe.QualnameIndex(code).tmap)
        found = dict((q, c) for c, q in observe.code_tree(code))
        builder = "_dp_fn_with_class.<locals>._dp_create_class_with_class__locals__C.<locals>._dp_ns_builder"
        method = builder + ".<locals>._dp_fn_m"
        # The translation's names, unmapped (the recorder maps them).
        self.assertEqual(index.qualname(found[builder]), builder)
        self.assertEqual(index.qualname(found[method]), method)
        self.assertEqual(tmap.user_qualname(index.qualname(found[method])), "with_class.<locals>.C.m")


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
        # The pairs are sorted by key, whatever order f_locals had (before
        # 3.11 g's refreshed locals dict had x before y; the outcome, the
        # dict g's locals() returned, keeps its order).
        self.assertEqual((keys(f), keys(g)), (["g", "x"], ["h", "w", "x", "y"]))
        self.assertNotEqual([k for k, _ in function(result, "function_locals")["outcome"]["value"]["dict"]],
                            keys(g))
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
                ["bad", {"function": "outer.<locals>.bad"}], ["ok", {"function": "outer.<locals>.ok"}],
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

    def test_conversion_prints_nothing_and_objects_show_their_type(self):
        result = self.run_one("""\
            class Loud:
                def __repr__(self):
                    print("repr called")
                    return "Loud()"
            class LoudDict(dict):
                def items(self):
                    print("items called")
                    return dict.items(self)
            def loud():
                obj = Loud()
                d = LoudDict(k=1)
                return 1
            def returns_loud():
                return Loud()
            """)
        entry = function(result, "loud")
        self.assertEqual(entry["stdout"], "")
        # In f_locals an object shows its type only: its repr is not called.
        self.assertEqual(entry["f_locals_at_return"],
                         [{"function": "loud", "locals": {"dict": [["d", {"dict": [["k", 1]]}],
                                                                   ["obj", {"object": "Loud"}]]}}])
        # Converting the return value still uses the repr (printed, captured).
        entry = function(result, "returns_loud")
        self.assertEqual(entry["outcome"], self.returned({"object": "Loud", "repr": "Loud()"}))
        self.assertEqual(entry["stdout"], "repr called\n")

    def test_locals_style_names_namespaces(self):
        result = self.run_one("""\
            import builtins
            import sys
            def names():
                g = globals()
                b = builtins.__dict__
                m = sys.modules[__name__]
                copy = dict(globals())
                nested = {"z": [g], "a": object()}
                return g is copy
            """)
        self.assertEqual(self.outcomes(result)["names"], self.returned(False))
        [entry] = function(result, "names")["f_locals_at_return"]
        self.assertEqual(keys(entry), ["b", "copy", "g", "m", "nested"])
        found = values(entry)
        self.assertEqual(found["g"], {"namespace": "module globals"})
        self.assertEqual(found["b"], {"namespace": "builtins"})
        self.assertEqual(found["m"], {"module": "__case__"})
        # Named by identity: a copy of the globals is a dict like any other
        # (its "__builtins__" is the builtins dict, named; PyPy's exec puts
        # the builtins module there).
        copy = dict(found["copy"]["dict"])
        self.assertEqual(copy["__name__"], "__case__")
        self.assertEqual(copy["__builtins__"], {"module": "builtins"} if PYPY else {"namespace": "builtins"})
        self.assertEqual(copy["names"], {"function": "names"})
        # Nested dicts keep their order; their values take the same form.
        self.assertEqual(found["nested"], {"dict": [["z", [{"namespace": "module globals"}]],
                                                    ["a", {"object": "object"}]]})

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

        def broken(self, *args, **kwargs):
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


# A case with classes and its translation by host/desugar.py (kept here
# as it was produced, so that the test does not depend on the desugarer).
CLASS_CASE = """\
class K:
    def km(self):
        u = 1
        return u


def with_class():
    k = 10
    class C:
        a = 1
        b = a + k
        def m(self, n):
            t = n + 1
            return t
    return C().m(2) + K().km()
"""

CLASS_TRANSLATION = """\
def _dp_create_class_K():

    def _dp_ns_builder(_dp_class_ns):

        def _dp_lambda_1():
            return __name__
        _dp_lambda_1.__name__ = "<lambda>"
        _dp_lambda_1.__qualname__ = "<lambda>"
        _dp_class_ns.__module__ = __dp__.class_lookup("__name__", _dp_class_ns, _dp_lambda_1)
        _dp_class_ns.__qualname__ = "K"
        _dp_class_ns.__annotations__ = __dp__.dict()

        def _dp_fn_km(self):
            u = 1
            return u
        _dp_class_ns.km = __dp__.update_fn(_dp_fn_km, "K", "km")
    return __dp__.create_class("K", _dp_ns_builder, (), None)
try:
    K = _dp_create_class_K()
finally:
    del _dp_create_class_K
def _dp_fn_with_class():
    k = 10

    def _dp_create_class_with_class__locals__C():

        def _dp_ns_builder(_dp_class_ns):

            def _dp_lambda_2():
                return __name__
            _dp_lambda_2.__name__ = "<lambda>"
            _dp_lambda_2.__qualname__ = "with_class.<locals>.<lambda>"
            _dp_class_ns.__module__ = __dp__.class_lookup("__name__", _dp_class_ns, _dp_lambda_2)
            _dp_class_ns.__qualname__ = "with_class.<locals>.C"
            _dp_class_ns.__annotations__ = __dp__.dict()
            _dp_class_ns.a = 1

            def _dp_lambda_3():
                global a
                return a
            _dp_lambda_3.__name__ = "<lambda>"
            _dp_lambda_3.__qualname__ = "with_class.<locals>.<lambda>"

            def _dp_lambda_4():
                return k
            _dp_lambda_4.__name__ = "<lambda>"
            _dp_lambda_4.__qualname__ = "with_class.<locals>.<lambda>"
            _dp_class_ns.b = __dp__.add(__dp__.class_lookup("a", _dp_class_ns, _dp_lambda_3), \
__dp__.class_lookup("k", _dp_class_ns, _dp_lambda_4))

            def _dp_fn_m(self, n):
                t = __dp__.add(n, 1)
                return t
            _dp_class_ns.m = __dp__.update_fn(_dp_fn_m, "with_class.<locals>.C", "m")
        return __dp__.create_class("C", _dp_ns_builder, (), None)
    C = _dp_create_class_with_class__locals__C()
    return __dp__.add(C().m(2), K().km())
with_class = __dp__.update_fn(_dp_fn_with_class, None, "with_class")
del _dp_fn_with_class
"""

# A class whose metaclass prepares a namespace that is not a dict, in both
# forms (the translation written by hand: the desugarer keeps such classes).
MAPPING_CLASSES = """\
class Namespace(object):
    def __init__(self):
        self.d = {}
    def __getitem__(self, key):
        return self.d[key]
    def __setitem__(self, key, value):
        self.d[key] = value
    def __delitem__(self, key):  # PyPy's f_locals deletes from the mapping
        del self.d[key]
class Meta(type):
    @classmethod
    def __prepare__(mcs, name, bases):
        return Namespace()
    def __new__(mcs, name, bases, ns):
        return type.__new__(mcs, name, bases, dict(ns.d))
"""

MAPPING_CASE = MAPPING_CLASSES + """\
def custom():
    class C(metaclass=Meta):
        x = 1
    return C.x
"""

MAPPING_TRANSLATION = MAPPING_CLASSES + """\
def _dp_fn_custom():

    def _dp_create_class_custom__locals__C():

        def _dp_ns_builder(_dp_class_ns):

            def _dp_lambda_1():
                return __name__
            _dp_class_ns.__module__ = __dp__.class_lookup("__name__", _dp_class_ns, _dp_lambda_1)
            _dp_class_ns.__qualname__ = "custom.<locals>.C"
            _dp_class_ns.x = 1
        return __dp__.create_class("C", _dp_ns_builder, (), {"metaclass": Meta})
    C = _dp_create_class_custom__locals__C()
    return C.x
custom = __dp__.update_fn(_dp_fn_custom, None, "custom")
del _dp_fn_custom
"""


class Desugared(RunnerTest):
    def seed_results(self):
        name, source, desugared = load_seed()
        return self.run_jobs({"id": 0, "case": name, "mode": "source", "source": source},
                             {"id": 1, "case": name, "mode": "desugared", "source": desugared})

    def both_modes(self, source, translation):
        return self.run_jobs(job(0, source, "source"), job(1, translation, "desugared"))

    def test_seed_user_frames_match_the_source_run(self):
        source, desugared = self.seed_results()
        for result in (source, desugared):
            self.assertEqual(names(function(result, "function_locals")["f_locals_at_return"]),
                             SEED_RETURNS)
        self.assertEqual(function(desugared, "function_locals")["f_locals_at_return"],
                         function(source, "function_locals")["f_locals_at_return"])
        self.assertEqual(function(desugared, "function_locals")["translation_frames"], [])
        self.assertEqual(function(desugared, "function_locals")["translation_names"], {"f_locals_at_return": []})
        for key in ("translation_frames", "translation_names"):
            self.assertNotIn(key, function(source, "function_locals"))
        # The class body of X runs as the translation's namespace builder,
        # reported as the class body with the class namespace as its locals:
        # the same entries as the source's, but for the keys each adds.
        src = function(source, "class_namespace_overrides_closure")["f_locals_at_return"]
        des = function(desugared, "class_namespace_overrides_closure")["f_locals_at_return"]
        self.assertEqual(names(des), ["class_namespace_overrides_closure.<locals>.X",
                                      "class_namespace_overrides_closure"])
        self.assertEqual(names(src), names(des))
        self.assertEqual(values(des[0])["__annotations__"], {"dict": []})
        self.assertEqual(without(des[0], TRANSLATION_ONLY_CLASS_KEYS), without(src[0], SOURCE_ONLY_CLASS_KEYS))
        self.assertEqual(values(des[0])["x"], 43)
        self.assertEqual(des[1], src[1])

    def test_translation_frames_and_names_are_listed(self):
        _, desugared = self.seed_results()
        entry = function(desugared, "class_namespace_overrides_closure")
        outer = "_dp_fn_class_namespace_overrides_closure.<locals>."
        creator = outer + "_dp_create_class_class_namespace_overrides_closure__locals__X"
        builder = creator + ".<locals>._dp_ns_builder"
        # Machinery frames, under their own qualnames; the class lookup found
        # x in the namespace, so _dp_lambda_5 never ran.
        self.assertEqual(entry["translation_frames"], [
            {"function": builder + ".<locals>._dp_lambda_4", "locals": {"dict": []}},
            {"function": creator, "locals": {"dict": [["x", 42]]}, "translation_names": ["_dp_ns_builder"]}])
        # The user's frames: the builder's own locals (its `_dp_` names and
        # the free variable x) and the function's `_dp_` temporary, listed by
        # entry index instead of shown.
        self.assertEqual(entry["translation_names"], {"f_locals_at_return": [
            {"entry": 0, "names": ["_dp_class_ns", "_dp_lambda_4", "_dp_lambda_5", "x"]},
            {"entry": 1, "names": ["_dp_create_class_class_namespace_overrides_closure__locals__X"]}]})
        for result_entry in desugared["functions"]:
            for e in result_entry["f_locals_at_return"] + result_entry["translation_frames"]:
                self.assertFalse([k for k in keys(e) if k.startswith("_dp_")], e)
            # User frames under user qualnames, machinery under its own.
            self.assertFalse([e for e in names(result_entry["f_locals_at_return"]) if "_dp_" in e])
            self.assertFalse([e for e in names(result_entry["translation_frames"]) if "_dp_" not in e])

    def test_translated_method_gets_the_users_qualname(self):
        result = self.run_one(TRANSLATED_METHOD, "desugared")
        entry = function(result, "calls_method")
        self.assertEqual(entry["outcome"], self.returned(5))
        self.assertEqual(entry["f_locals_at_return"], [
            {"function": "calls_method.<locals>.C", "locals": {"dict": (
                [["__firstlineno__", 3]] if sys.version_info >= (3, 13) else []) + [
                ["__qualname__", "calls_method.<locals>.C"], ["m", {"function": "calls_method.<locals>.C.m"}]]}},
            {"function": "calls_method.<locals>.C.m", "locals": {"dict": [
                ["self", {"object": "calls_method.<locals>.C"}], ["v", 5]]}},
            {"function": "calls_method", "locals": {"dict": [["C", {"class": "calls_method.<locals>.C"}]]}}])
        self.assertEqual(entry["translation_frames"], [
            {"function": "_dp_fn_calls_method.<locals>._dp_create_class_calls_method__locals__C",
             "locals": {"dict": []}, "translation_names": ["_dp_ns_builder"]}])
        self.assertEqual(entry["translation_names"], {"f_locals_at_return": [
            {"entry": 0, "names": ["_dp_class_ns", "_dp_fn_m"]},
            {"entry": 2, "names": ["_dp_create_class_calls_method__locals__C"]}]})
        self.assertEqual(entry["scopes"], {"calls_method": scope(["C"]), "calls_method.<locals>.C": scope(),
                                           "calls_method.<locals>.C.m": scope(["self", "v"])})

    def test_class_matches_the_source_run(self):
        src, des = self.both_modes(CLASS_CASE, CLASS_TRANSLATION)
        self.assertEqual(self.outcomes(des), self.outcomes(src))
        self.assertEqual(self.outcomes(des)["with_class"], self.returned(4))
        mine, theirs = function(des, "with_class"), function(src, "with_class")
        order = ["with_class.<locals>.C", "with_class.<locals>.C.m", "K.km", "with_class"]
        self.assertEqual(names(mine["f_locals_at_return"]), order)
        self.assertEqual(names(theirs["f_locals_at_return"]), order)
        body, method, km, top = mine["f_locals_at_return"]
        # The class body: the source's entry, but for the keys each adds.
        self.assertEqual(values(body)["__annotations__"], {"dict": []})
        self.assertEqual(without(body, TRANSLATION_ONLY_CLASS_KEYS),
                         without(theirs["f_locals_at_return"][0], SOURCE_ONLY_CLASS_KEYS))
        self.assertEqual(keys(without(body, TRANSLATION_ONLY_CLASS_KEYS)),
                         ["__module__", "__qualname__", "a", "b", "m"])
        self.assertEqual(values(body)["b"], 11)
        self.assertEqual(values(body)["m"], {"function": "with_class.<locals>.C.m"})
        # The other frames are the source's exactly.
        self.assertEqual([method, km, top], theirs["f_locals_at_return"][1:])
        self.assertEqual(values(method), {"n": 2, "self": {"object": "with_class.<locals>.C"}, "t": 3})
        # Scopes: the method's and the function's entries are the source's.
        self.assertEqual(list(mine["scopes"]), list(theirs["scopes"]))
        for key in ("with_class", "with_class.<locals>.C.m"):
            self.assertEqual(mine["scopes"][key], theirs["scopes"][key], key)
        self.assertEqual(mine["scopes"]["with_class.<locals>.C.m"], scope(["self", "n", "t"]))
        self.assertEqual(mine["scopes"]["with_class.<locals>.C"], scope([], [], ["k"]))
        # The module-level class K is not claimed by with_class: the module keeps it.
        self.assertEqual(list(des["module"]["scopes"]), ["K", "K.km"])
        self.assertEqual(des["module"]["scopes"]["K.km"], src["module"]["scopes"]["K.km"])
        self.assertEqual(des["module"]["scopes"]["K"], scope())
        self.assertEqual(des["module"]["translation_names"], {"scopes": {
            "K": ["_dp_class_ns", "_dp_lambda_1", "_dp_fn_km"],
            "with_class": ["_dp_create_class_with_class__locals__C"],
            "with_class.<locals>.C": ["_dp_class_ns", "_dp_lambda_2", "_dp_lambda_3", "_dp_lambda_4", "_dp_fn_m"]}})
        self.assertEqual(mine["translation_names"], {"f_locals_at_return": [
            {"entry": 0, "names": ["_dp_class_ns", "_dp_fn_m", "_dp_lambda_2", "_dp_lambda_3", "_dp_lambda_4", "k"]},
            {"entry": 3, "names": ["_dp_create_class_with_class__locals__C"]}]})
        prefix = "_dp_fn_with_class.<locals>._dp_create_class_with_class__locals__C"
        self.assertEqual(names(mine["translation_frames"]), [prefix + ".<locals>._dp_ns_builder.<locals>._dp_lambda_2",
                                                             prefix + ".<locals>._dp_ns_builder.<locals>._dp_lambda_4",
                                                             prefix])

    def test_builder_with_a_mapping_namespace(self):
        src, des = self.both_modes(MAPPING_CASE, MAPPING_TRANSLATION)
        self.assertEqual(self.outcomes(src)["custom"], self.returned(1))
        self.assertEqual(self.outcomes(des), self.outcomes(src))
        mine, theirs = function(des, "custom"), function(src, "custom")
        # The namespace is not read (its methods are case code) in either
        # mode.  (The source's other frames vary by build: 3.13 stores
        # __firstlineno__ and __static_attributes__, PyPy looks __locals__ up.)
        [body] = [i for i, e in enumerate(mine["f_locals_at_return"]) if e["function"] == "custom.<locals>.C"]
        [theirs_body] = [e for e in theirs["f_locals_at_return"] if e["function"] == "custom.<locals>.C"]
        self.assertEqual(mine["f_locals_at_return"][body], theirs_body)
        self.assertEqual(theirs_body, {"function": "custom.<locals>.C", "unread_mapping": "Namespace"})
        # (3.13+: create_class stores __firstlineno__ in the body, __static_attributes__ after it)
        late = sys.version_info >= (3, 13)
        self.assertEqual(names(mine["f_locals_at_return"]),
                         ["Namespace.__init__", "Meta.__prepare__", "Namespace.__getitem__"]
                         + ["Namespace.__setitem__"] * (4 if late else 3) + ["custom.<locals>.C"]
                         + ["Namespace.__setitem__"] * late + ["Meta.__new__", "custom"])
        # The builder's locals are all the translation's.
        self.assertEqual(mine["translation_names"], {"f_locals_at_return": [
            {"entry": body, "names": ["_dp_class_ns", "_dp_lambda_1"]},
            {"entry": body + 2 + late, "names": ["_dp_create_class_custom__locals__C"]}]})

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
        self.assertEqual(entry["translation_names"], {"f_locals_at_return": [{"entry": 0, "names": ["_dp_helper"]}]})


# Names the compiler gives without the enclosing function's prefix (a def or
# class declared `global`), and a decorator that overwrites __qualname__
# (functools.wraps): the desugared run must name scopes and frames as the
# source run does.  The translation is host/desugar.py's, kept here.
GLOBAL_AND_WRAPPED = """
    import functools
    def f():
        global g
        def g():
            return 1
        return g()
    def deco(fn):
        @functools.wraps(fn)
        def wrapper():
            r = fn()
            return r
        return wrapper
    @deco
    def target():
        t = 1
        return t
    def h():
        global K
        class K:
            def m(self):
                return 2
        return K().m()
"""

GLOBAL_AND_WRAPPED_TRANSLATION = """
    import functools
    def _dp_fn_f():
        global g

        def _dp_fn_g():
            return 1
        g = __dp__.update_fn(_dp_fn_g, None, "g")
        del _dp_fn_g
        return g()
    f = __dp__.update_fn(_dp_fn_f, None, "f")
    del _dp_fn_f
    def _dp_fn_deco(fn):

        def _dp_fn_wrapper():
            r = fn()
            return r
        wrapper = functools.wraps(fn)(__dp__.update_fn(_dp_fn_wrapper, "deco.<locals>", "wrapper"))
        del _dp_fn_wrapper
        return wrapper
    deco = __dp__.update_fn(_dp_fn_deco, None, "deco")
    del _dp_fn_deco
    def _dp_fn_target():
        t = 1
        return t
    try:
        target = deco(__dp__.update_fn(_dp_fn_target, None, "target"))
    finally:
        del _dp_fn_target
    def _dp_fn_h():
        global K

        def _dp_create_class_K():

            def _dp_ns_builder(_dp_class_ns):

                def _dp_lambda_1():
                    return __name__
                _dp_lambda_1.__name__ = "<lambda>"
                _dp_lambda_1.__qualname__ = "h.<locals>.<lambda>"
                _dp_class_ns.__module__ = __dp__.class_lookup("__name__", _dp_class_ns, _dp_lambda_1)
                _dp_class_ns.__qualname__ = "K"
                _dp_class_ns.__annotations__ = __dp__.dict()

                def _dp_fn_m(self):
                    return 2
                _dp_class_ns.m = __dp__.update_fn(_dp_fn_m, "K", "m")
            return __dp__.create_class("K", _dp_ns_builder, (), None)
        K = _dp_create_class_K()
        return K().m()
    h = __dp__.update_fn(_dp_fn_h, None, "h")
    del _dp_fn_h
"""


class GlobalAndWrapped(unittest.TestCase):
    """Desugared scopes and frame names match the source run's."""

    def view(self, result):
        return {"module": result["module"]["scopes"],
                "functions": [(f["name"], f["scopes"], [e.get("function") for e in f["f_locals_at_return"]])
                              for f in result["functions"]]}

    def test_desugared_names_match_the_source(self):
        source = self.view(in_process(GLOBAL_AND_WRAPPED))
        desugared = self.view(in_process(GLOBAL_AND_WRAPPED_TRANSLATION, "desugared"))
        self.assertEqual(sorted(source["module"]), ["K", "K.m", "deco", "g", "target"])
        self.assertEqual([f[0] for f in source["functions"]], ["f", "target", "h"])
        self.assertEqual(source["functions"][1][2], ["target", "deco.<locals>.wrapper"])
        if observe.CPYTHON:
            self.assertEqual(desugared, source)
        else:  # PyPy lists __locals__ in class bodies' co_varnames; the builder has none
            self.assertEqual(source["module"].pop("K")["varnames"], ["__locals__"])
            self.assertEqual(desugared["module"].pop("K")["varnames"], [])
            self.assertEqual(desugared, source)

    def test_global_declarations_in_the_translation_map(self):
        user = observe.TranslationMap(textwrap.dedent(GLOBAL_AND_WRAPPED_TRANSLATION)).user_qualname
        self.assertEqual(user("_dp_fn_f.<locals>._dp_fn_g"), "g")
        self.assertEqual(user("_dp_fn_h.<locals>._dp_create_class_K.<locals>._dp_ns_builder"), "K")
        self.assertEqual(user("_dp_fn_h.<locals>._dp_create_class_K.<locals>._dp_ns_builder.<locals>._dp_fn_m"),
                         "K.m")
        self.assertIsNone(user("_dp_fn_h.<locals>._dp_create_class_K"), "the create_class def stays machinery")
        self.assertEqual(user("_dp_fn_deco.<locals>._dp_fn_wrapper"), "deco.<locals>.wrapper")


if __name__ == "__main__":
    unittest.main()
