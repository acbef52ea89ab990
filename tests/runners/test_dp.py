"""runners/__dp__.py: each helper must behave like the syntax it replaces."""
import collections
import copy
import os
import sys
import traceback
import typing
import unittest
import warnings

RUNNERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runners")
sys.path.insert(0, os.path.normpath(RUNNERS_DIR))

import __dp__ as dp  # noqa: E402


def outcome(thunk):
    """What calling thunk() does: ("return", repr) or ("raise", type, message)."""
    try:
        return ("return", repr(thunk()))
    except Exception as e:
        return ("raise", type(e), str(e))


class Operand:
    """Supports @ and @= so matmul has something to act on."""

    def __matmul__(self, other):
        return "matmul"

    def __imatmul__(self, other):
        return "imatmul"

    def __repr__(self):
        return "Operand()"


SAMPLES = [7, -3, 0, 2.5, True, "ab", [1], (2,), {3}, None, Operand()]

BINARY = [("add", "+"), ("sub", "-"), ("mul", "*"), ("matmul", "@"), ("truediv", "/"),
          ("floordiv", "//"), ("mod", "%"), ("pow", "**"), ("lshift", "<<"), ("rshift", ">>"),
          ("and_", "&"), ("or_", "|"), ("xor", "^")]
INPLACE = [("i" + name.rstrip("_"), symbol + "=") for name, symbol in BINARY]
COMPARE = [("eq", "=="), ("ne", "!="), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">="),
           ("is_", "is"), ("is_not", "is not"), ("in_", "in"), ("not_in", "not in")]
UNARY = [("neg", "-"), ("pos", "+"), ("invert", "~"), ("not_", "not ")]


class Operators(unittest.TestCase):
    def test_binary_and_comparison_operators_match_syntax(self):
        for name, symbol in BINARY + COMPARE:
            func = getattr(dp, name)
            code = compile("a %s b" % symbol, "<op>", "eval")
            for a in SAMPLES:
                for b in SAMPLES:
                    with self.subTest(op=name, a=a, b=b):
                        env = {"a": a, "b": b}
                        self.assertEqual(outcome(lambda: func(a, b)), outcome(lambda: eval(code, env)))

    def test_inplace_operators_match_syntax(self):
        for name, symbol in INPLACE:
            func = getattr(dp, name)
            code = compile("a %s b" % symbol, "<op>", "exec")
            for a in SAMPLES:
                for b in SAMPLES:
                    with self.subTest(op=name, a=a, b=b):
                        mine, theirs = copy.copy(a), copy.copy(a)
                        env = {"a": theirs, "b": b}

                        def by_syntax():
                            exec(code, env)
                            return env["a"], env["a"] is theirs

                        def by_dp():
                            result = func(mine, b)
                            return result, result is mine

                        self.assertEqual(outcome(by_dp), outcome(by_syntax))

    def test_inplace_mutates(self):
        items = [1]
        self.assertIs(dp.iadd(items, [2]), items)
        self.assertEqual(items, [1, 2])
        pair = (1,)
        self.assertEqual(dp.iadd(pair, (2,)), (1, 2))
        self.assertEqual(pair, (1,))

    def test_unary_operators_match_syntax(self):
        for name, symbol in UNARY:
            func = getattr(dp, name)
            code = compile("%sa" % symbol, "<op>", "eval")
            for a in SAMPLES:
                with self.subTest(op=name, a=a), warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)  # ~True on 3.12+
                    self.assertEqual(outcome(lambda: func(a)), outcome(lambda: eval(code, {"a": a})))

    def test_membership_argument_order(self):
        self.assertIs(dp.contains([1, 2], 2), True)   # operator order: container first
        self.assertIs(dp.in_(2, [1, 2]), True)        # syntax order: item first
        self.assertIs(dp.not_in(3, [1, 2]), True)
        self.assertIs(dp.not_in(2, [1, 2]), False)
        self.assertEqual(outcome(lambda: dp.in_(1, 5)), outcome(lambda: 1 in 5))
        self.assertEqual(outcome(lambda: dp.contains(5, 1)), outcome(lambda: 1 in 5))
        self.assertEqual(outcome(lambda: dp.not_in(1, 5)), outcome(lambda: 1 not in 5))

    def test_items_and_attributes(self):
        d = {"a": 1}
        self.assertEqual(dp.getitem(d, "a"), 1)
        dp.setitem(d, "b", 2)
        dp.delitem(d, "a")
        self.assertEqual(d, {"b": 2})
        self.assertEqual(dp.getitem([1, 2, 3], slice(1, None)), [2, 3])
        with self.assertRaises(KeyError):
            dp.getitem(d, "zz")

        class Box:
            pass

        box = Box()
        dp.setattr(box, "x", 5)
        self.assertEqual(dp.getattr(box, "x"), 5)
        self.assertEqual(dp.getattr(box, "y", "default"), "default")
        dp.delattr(box, "x")
        self.assertFalse(hasattr(box, "x"))
        with self.assertRaisesRegex(AttributeError, "'Box' object has no attribute 'x'"):
            dp.getattr(box, "x")

    def test_constructors_are_the_builtins(self):
        self.assertIs(dp.dict, dict)
        self.assertIs(dp.list, list)
        self.assertIs(dp.tuple, tuple)
        self.assertIs(dp.set, set)
        self.assertEqual(dp.dict([("a", 1)], b=2), {"a": 1, "b": 2})


class UpdateFn(unittest.TestCase):
    def make(self):
        z = 5

        def _dp_fn_h(a):
            return a + z
        return _dp_fn_h

    def test_names_and_code(self):
        fn = self.make()
        filename = fn.__code__.co_filename
        self.assertIs(dp.update_fn(fn, "outer.<locals>", "h"), fn)
        self.assertEqual((fn.__name__, fn.__qualname__), ("h", "outer.<locals>.h"))
        self.assertEqual(fn.__code__.co_name, "h")
        if sys.version_info >= (3, 11):
            self.assertEqual(fn.__code__.co_qualname, "outer.<locals>.h")
        self.assertEqual(fn.__code__.co_filename, filename)
        self.assertEqual(fn(1), 6)  # closure intact

    def test_matches_a_real_def(self):
        def outer():
            def h(a):
                return a
            return h

        real = outer()
        mine = dp.update_fn(self.make(), real.__qualname__.rsplit(".", 1)[0], "h")
        self.assertEqual(mine.__qualname__, real.__qualname__)
        if sys.version_info >= (3, 11):
            self.assertEqual(mine.__code__.co_qualname, real.__code__.co_qualname)

    def test_module_level_and_traceback(self):
        def _dp_fn_boom():
            raise ValueError("x")

        fn = dp.update_fn(_dp_fn_boom, None, "boom")
        self.assertEqual((fn.__name__, fn.__qualname__), ("boom", "boom"))
        try:
            fn()
        except ValueError as e:
            frame = traceback.extract_tb(e.__traceback__)[-1]
        self.assertEqual(frame.name, "boom")


def undefined_in_class_body():
    """CPython's own error for a class body reading an undefined name."""
    try:
        class C:
            y = name_defined_nowhere  # noqa: F821
    except NameError as e:
        return e
    raise AssertionError("no NameError")


def unbound_free_variable_in_class_body():
    try:
        class C:
            y = late  # noqa: F821
    except NameError as e:
        return e
    late = 1  # noqa: F841
    raise AssertionError("no NameError")


class ClassLookup(unittest.TestCase):
    def test_namespace_first_then_fallback(self):
        ns = dp.ClassNamespace({"x": 1})
        self.assertEqual(dp.class_lookup("x", ns, lambda: 2), 1)
        self.assertEqual(dp.class_lookup("y", ns, lambda: 2), 2)

    def test_missing_global_is_a_name_error(self):
        real = undefined_in_class_body()
        ns = dp.ClassNamespace({})
        with self.assertRaises(NameError) as caught:
            dp.class_lookup("name_defined_nowhere", ns, lambda: name_defined_nowhere)  # noqa: F821
        self.assertEqual(str(caught.exception), "name 'name_defined_nowhere' is not defined")
        self.assertEqual(str(caught.exception), str(real))
        self.assertIsNone(caught.exception.__context__)

    def test_unbound_free_variable(self):
        real = unbound_free_variable_in_class_body()

        def fallback():
            return late

        with self.assertRaises(NameError) as caught:
            dp.class_lookup("late", dp.ClassNamespace({}), fallback)
        late = 1  # noqa: F841
        self.assertEqual((type(caught.exception), str(caught.exception)), (type(real), str(real)))

    def test_missing_hook_of_prepared_mapping(self):
        class Defaulting(dict):
            def __missing__(self, key):
                return "missing " + key

        class Meta(type):
            @classmethod
            def __prepare__(mcls, name, bases):
                return Defaulting()

        class Real(metaclass=Meta):
            v = nowhere  # noqa: F821

        ns = dp.ClassNamespace(Defaulting())
        self.assertEqual(dp.class_lookup("nowhere", ns, lambda: "fallback"), Real.v)


class Namespace(unittest.TestCase):
    def test_attributes_go_to_the_mapping(self):
        mapping = {}
        ns = dp.ClassNamespace(mapping)
        ns.__module__ = "m"
        ns.__qualname__ = "Q"
        ns.x = 1
        self.assertIs(ns._namespace, mapping)
        self.assertEqual(mapping, {"__module__": "m", "__qualname__": "Q", "x": 1})
        self.assertEqual((ns.__module__, ns.x), ("m", 1))
        del ns.x
        self.assertEqual(list(mapping), ["__module__", "__qualname__"])
        with self.assertRaises(AttributeError):
            ns.x

    def test_deleting_a_missing_name(self):
        try:
            class C:
                x = 1
                del x
                del x
        except NameError as e:
            real = e
        ns = dp.ClassNamespace({})
        with self.assertRaises(NameError) as caught:
            del ns.x
        self.assertEqual(str(caught.exception), str(real))
        self.assertEqual(str(caught.exception), "name 'x' is not defined")
        self.assertIsNone(caught.exception.__context__)

    def test_store_errors_propagate(self):
        class ReadOnly(dict):
            def __setitem__(self, key, value):
                raise TypeError("read-only " + key)

        ns = dp.ClassNamespace(ReadOnly())
        with self.assertRaisesRegex(TypeError, "read-only x"):
            ns.x = 1


def class_error(make):
    try:
        make()
    except TypeError as e:
        return str(e)
    raise AssertionError("no TypeError")


class CreateClass(unittest.TestCase):
    def test_plain_class_has_no_extra_keys(self):
        class Real:
            a = 1

            def f(self):
                pass

        def body(ns):
            ns.__module__ = __name__
            ns.__qualname__ = "Made"
            ns.a = 1
            ns.f = lambda self: None

        made = dp.create_class("Made", body, (), None)
        # 3.13+: __firstlineno__ after __qualname__ (popped by type), __static_attributes__ last
        line_keys = ["__firstlineno__"] if sys.version_info >= (3, 13) else []
        static_keys = ["__static_attributes__"] if sys.version_info >= (3, 13) else []
        self.assertEqual(list(made.__dict__), ["__module__"] + line_keys + ["a", "f"] + static_keys
                         + ["__dict__", "__weakref__", "__doc__"])
        self.assertEqual(list(made.__dict__), list(Real.__dict__))
        self.assertEqual((made.__name__, made.__qualname__, made.__bases__), ("Made", "Made", (object,)))

    def test_metaclass_prepare_and_keywords(self):
        calls = []

        class Meta(type):
            @classmethod
            def __prepare__(mcls, name, bases, **kwds):
                calls.append(("prepare", name, bases, kwds))
                return collections.OrderedDict(prepared=True)

            def __new__(mcls, name, bases, ns, **kwds):
                calls.append(("new", name, bases, type(ns).__name__, list(ns), kwds))
                return super().__new__(mcls, name, bases, ns, **kwds)

            def __init__(cls, name, bases, ns, **kwds):
                super().__init__(name, bases, ns)

        class Base:
            def __init_subclass__(cls, **kwds):
                cls.seen = kwds

        def body(ns):
            calls.append(("body", type(ns._namespace).__name__))
            ns.x = 1

        keywords = {"metaclass": Meta, "flag": 2}
        made = dp.create_class("C", body, (Base,), keywords)
        self.assertEqual(calls, [("prepare", "C", (Base,), {"flag": 2}),
                                 ("body", "OrderedDict"),
                                 ("new", "C", (Base,), "OrderedDict", ["prepared", "x"] + (
                                     ["__static_attributes__"] if sys.version_info >= (3, 13) else []),
                                  {"flag": 2})])
        self.assertIs(type(made), Meta)
        self.assertEqual(made.seen, {"flag": 2})
        self.assertEqual(keywords, {"metaclass": Meta, "flag": 2})  # caller's dict untouched

    def test_mro_entries(self):
        class Base:
            pass

        class Entry:
            def __mro_entries__(self, bases):
                return (Base,)

        entry = Entry()

        class Real(entry):
            pass

        made = dp.create_class("Made", lambda ns: None, (entry,), None)
        self.assertEqual(made.__bases__, Real.__bases__)
        self.assertEqual(made.__dict__["__orig_bases__"], (entry,))
        self.assertEqual(Real.__dict__["__orig_bases__"], (entry,))

    def test_generic_alias_base(self):
        T = typing.TypeVar("T")
        made = dp.create_class("Made", lambda ns: None, (typing.Generic[T],), None)
        self.assertEqual(made.__bases__, (typing.Generic,))
        self.assertEqual(made.__orig_bases__, (typing.Generic[T],))
        self.assertEqual(made.__parameters__, (T,))

    def test_no_orig_bases_without_mro_entries(self):
        made = dp.create_class("Made", lambda ns: None, (int,), None)
        self.assertEqual(made.__bases__, (int,))
        self.assertNotIn("__orig_bases__", made.__dict__)

    def test_metaclass_conflict_message(self):
        class M1(type):
            pass

        class M2(type):
            pass

        A = M1("A", (), {})
        B = M2("B", (), {})

        def real():
            class C(A, B):
                pass

        mine = class_error(lambda: dp.create_class("C", lambda ns: None, (A, B), None))
        self.assertEqual(mine, class_error(real))
        self.assertTrue(mine.startswith("metaclass conflict"), mine)

    def test_prepare_must_return_a_mapping(self):
        class Meta(type):
            @classmethod
            def __prepare__(mcls, name, bases):
                return 1

        def meta_function(name, bases, ns):
            return None

        meta_function.__prepare__ = lambda name, bases: 1

        def real_type():
            class C(metaclass=Meta):
                pass

        def real_function():
            class C(metaclass=meta_function):
                pass

        mine = class_error(lambda: dp.create_class("C", lambda ns: None, (), {"metaclass": Meta}))
        self.assertEqual(mine, "Meta.__prepare__() must return a mapping, not int")
        self.assertEqual(mine, class_error(real_type))
        mine = class_error(lambda: dp.create_class("C", lambda ns: None, (), {"metaclass": meta_function}))
        self.assertEqual(mine, class_error(real_function))

    def test_function_metaclass(self):
        def meta(name, bases, ns, **kwds):
            return (name, bases, dict(ns), kwds)

        made = dp.create_class("C", lambda ns: setattr(ns, "x", 1), (), {"metaclass": meta, "k": 3})
        namespace = {"x": 1, "__static_attributes__": ()} if sys.version_info >= (3, 13) else {"x": 1}
        self.assertEqual(made, ("C", (), namespace, {"k": 3}))

    def test_body_exception_propagates(self):
        def body(ns):
            raise LookupError("in body")

        with self.assertRaisesRegex(LookupError, "in body"):
            dp.create_class("C", body, (), None)


if __name__ == "__main__":
    unittest.main()
