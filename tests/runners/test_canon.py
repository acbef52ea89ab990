"""Canonical values (docs/protocol.md, "Canonical values"): runner.canonical."""
import collections
import enum
import json
import os
import sys
import unittest

RUNNERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "runners")
sys.path.insert(0, os.path.normpath(RUNNERS_DIR))

import runner  # noqa: E402

canonical = runner.canonical


def nested_lists(levels):
    """[[[...[0]...]]] with `levels` lists."""
    value = 0
    for _ in range(levels):
        value = [value]
    return value


def stack_depth():
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


class Scalars(unittest.TestCase):
    def test_none_and_bools(self):
        self.assertEqual(canonical([None, True, False]), [None, True, False])
        self.assertIs(canonical(True), True)

    def test_int_range(self):
        self.assertEqual(canonical(2 ** 63 - 1), 9223372036854775807)
        self.assertEqual(canonical(-(2 ** 63)), -9223372036854775808)
        self.assertEqual(canonical(2 ** 63), {"int": "9223372036854775808"})
        self.assertEqual(canonical(-(2 ** 63) - 1), {"int": "-9223372036854775809"})
        self.assertEqual(canonical(10 ** 30), {"int": "1" + "0" * 30})

    def test_float(self):
        self.assertEqual(canonical(1.0), {"float": "1.0"})
        self.assertEqual(canonical(0.1), {"float": "0.1"})
        self.assertEqual(canonical(-0.0), {"float": "-0.0"})
        self.assertEqual(canonical(float("inf")), {"float": "inf"})
        self.assertEqual(canonical(float("nan")), {"float": "nan"})

    def test_str(self):
        self.assertEqual(canonical("h\u00e9llo\n"), "h\u00e9llo\n")
        # A lone surrogate cannot be written as UTF-8: shown by its repr.
        self.assertEqual(canonical("a\ud800"), {"object": "str", "repr": "'a\\ud800'"})

    def test_bytes(self):
        self.assertEqual(canonical(b"a'\x00"), {"bytes": "b\"a'\\x00\""})
        self.assertEqual(canonical(bytearray(b"xy")), {"bytearray": "bytearray(b'xy')"})

    def test_subclasses_of_scalars_use_repr(self):
        class Color(enum.IntEnum):
            RED = 1

        self.assertEqual(canonical(Color.RED), {"object": "Scalars.test_subclasses_of_scalars_use_repr.<locals>.Color",
                                                "repr": "<Color.RED: 1>"})
        Point = collections.namedtuple("Point", "x y")
        self.assertEqual(canonical(Point(1, 2)), {"object": "Point", "repr": "Point(x=1, y=2)"})

    def test_complex_is_an_object(self):
        self.assertEqual(canonical(1 + 2j), {"object": "complex", "repr": "(1+2j)"})


class Containers(unittest.TestCase):
    def test_list_and_tuple(self):
        self.assertEqual(canonical([1, (2, "a"), ()]),
                         [1, {"tuple": [2, "a"]}, {"tuple": []}])

    def test_dict_insertion_order_and_keys(self):
        d = {"b": 1, "a": 2, (1, 2): None, 3: 1.5}
        self.assertEqual(canonical(d), {"dict": [["b", 1], ["a", 2], [{"tuple": [1, 2]}, None],
                                                 [3, {"float": "1.5"}]]})

    def test_dict_subclasses(self):
        od = collections.OrderedDict([("x", 1), ("y", 2)])
        od.move_to_end("x")
        self.assertEqual(canonical(od), {"dict": [["y", 2], ["x", 1]]})
        dd = collections.defaultdict(list)
        dd["k"].append(1)
        self.assertEqual(canonical(dd), {"dict": [["k", [1]]]})

    def test_sets_sorted_by_json_text(self):
        # "10" sorts before "9" as text.
        self.assertEqual(canonical({9, 10}), {"set": [10, 9]})
        # '"a"' < '1' < 'null' < '{"tuple"...}'
        self.assertEqual(canonical({None, 1, "a", (1,)}),
                         {"set": ["a", 1, None, {"tuple": [1]}]})
        self.assertEqual(canonical(frozenset({2, 1})), {"frozenset": [1, 2]})
        self.assertEqual(canonical(set()), {"set": []})

    def test_exception_instances(self):
        self.assertEqual(canonical(ValueError("bad", 3)), {"exception": "ValueError", "args": ["bad", 3]})
        self.assertEqual(canonical(KeyError()), {"exception": "KeyError", "args": []})


class Names(unittest.TestCase):
    def test_functions(self):
        def outer():
            def inner():
                pass
            return inner

        self.assertEqual(canonical(outer()), {"function": "Names.test_functions.<locals>.outer.<locals>.inner"})
        self.assertEqual(canonical(lambda: 0), {"function": "Names.test_functions.<locals>.<lambda>"})

    def test_builtins_and_methods(self):
        class C:
            def m(self):
                pass

        self.assertEqual(canonical(len), {"function": "len"})
        self.assertEqual(canonical([].append), {"function": "list.append"})
        self.assertEqual(canonical(C().m), {"function": "Names.test_builtins_and_methods.<locals>.C.m"})
        self.assertEqual(canonical((1).__add__), {"function": "int.__add__"})
        self.assertEqual(canonical(object.__init__), {"function": "object.__init__"})
        self.assertEqual(canonical(str.join), {"function": "str.join"})
        if sys.implementation.name == "cpython":  # a plain classmethod object on PyPy
            self.assertEqual(canonical(dict.__dict__["fromkeys"]), {"function": "dict.fromkeys"})

    def test_classes_and_modules(self):
        class Inner:
            pass

        self.assertEqual(canonical(int), {"class": "int"})
        self.assertEqual(canonical(Inner), {"class": "Names.test_classes_and_modules.<locals>.Inner"})
        self.assertEqual(canonical(json), {"module": "json"})


class Cycles(unittest.TestCase):
    def test_self_containing_list(self):
        a = [1]
        a.append(a)
        self.assertEqual(canonical(a), [1, {"recursive": "list"}])

    def test_dict_cycle_through_tuple(self):
        d = {}
        d["t"] = (d,)
        self.assertEqual(canonical(d), {"dict": [["t", {"tuple": [{"recursive": "dict"}]}]]})

    def test_exception_cycle(self):
        e = ValueError()
        e.args = (e,)
        self.assertEqual(canonical(e), {"exception": "ValueError", "args": [{"recursive": "ValueError"}]})

    def test_shared_reference_is_not_a_cycle(self):
        x = [1]
        self.assertEqual(canonical([x, x, (x,)]), [[1], [1], {"tuple": [[1]]}])


class Depth(unittest.TestCase):
    def test_fifty_levels_are_shown(self):
        value = canonical(nested_lists(50))
        for _ in range(50):
            self.assertIsInstance(value, list)
            value = value[0]
        self.assertEqual(value, 0)

    def test_deeper_nesting_is_cut(self):
        value = canonical(nested_lists(60))
        for _ in range(50):
            value = value[0]
        self.assertEqual(value, {"too_deep": "list"})

    def test_deep_dict(self):
        d = {}
        inner = d
        for _ in range(55):
            inner["k"] = {}
            inner = inner["k"]
        value = canonical(d)
        for _ in range(50):
            value = value["dict"][0][1]
        self.assertEqual(value, {"too_deep": "dict"})

    def test_recursion_error_while_converting(self):
        # Run canonical() with almost no stack left: it must report, not raise.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(stack_depth() + 15)
        try:
            value = canonical(nested_lists(45))
        finally:
            sys.setrecursionlimit(limit)
        self.assertEqual(value, {"object": "list", "repr_error": "RecursionError"})


class Objects(unittest.TestCase):
    def test_addresses_scrubbed(self):
        self.assertEqual(canonical(object()), {"object": "object", "repr": "<object object at 0x?>"})

        class R:
            def __repr__(self):
                return "at 0xDEADbeef and 0x1, not 0y2"

        self.assertEqual(canonical(R())["repr"], "at 0x? and 0x?, not 0y2")

    def test_repr_raising(self):
        class Bad:
            def __repr__(self):
                raise ValueError("no")

        class NotStr:
            def __repr__(self):
                return 5

        class Endless:
            def __repr__(self):
                return repr(self)

        self.assertEqual(canonical(Bad()), {"object": "Objects.test_repr_raising.<locals>.Bad",
                                            "repr_error": "ValueError"})
        self.assertEqual(canonical(NotStr())["repr_error"], "TypeError")
        self.assertEqual(canonical(Endless())["repr_error"], "RecursionError")

    def test_lying_class_attribute(self):
        class Liar:
            __class__ = property(lambda self: int)

            def __repr__(self):
                return "Liar()"

        self.assertEqual(canonical(Liar()), {"object": "Objects.test_lying_class_attribute.<locals>.Liar",
                                             "repr": "Liar()"})

    def test_generator(self):
        def gen():
            yield 1

        self.assertEqual(canonical(gen()), {"object": "generator", "repr": "<generator object "
                                            "Objects.test_generator.<locals>.gen at 0x?>"})

    def test_everything_is_json(self):
        value = canonical([object(), {1: {2, 3}}, 2 ** 70, 1.5, b"x", ValueError(object())])
        self.assertEqual(json.loads(json.dumps(value)), value)



class LocalsForm(unittest.TestCase):
    """f_locals_at_return's "locals": runner.canonical_locals and LocalsStyle."""

    def setUp(self):
        self.globals = {"__name__": "__case__"}
        self.style = runner.LocalsStyle.for_module(self.globals)

    def locals_of(self, *pairs):
        return runner.canonical_locals(list(pairs), self.style)

    def test_pairs_sorted_by_key(self):
        self.assertEqual(self.locals_of(("b", 1), ("a", 2), ("_c", 3), ("B", 4)),
                         {"dict": [["B", 4], ["_c", 3], ["a", 2], ["b", 1]]})
        # By the JSON text of the canonical key: '"x"' < '10' < '2'.
        self.assertEqual(self.locals_of((2, "two"), ("x", None), (10, "ten")),
                         {"dict": [["x", None], [10, "ten"], [2, "two"]]})
        self.assertEqual(self.locals_of(), {"dict": []})

    def test_objects_show_their_type_only(self):
        calls = []

        class Thing:
            def __repr__(self):
                calls.append("repr")
                return "Thing()"

        class Color(enum.IntEnum):
            RED = 1

        found = dict(self.locals_of(("t", Thing()), ("c", Color.RED), ("z", 1 + 2j), ("o", object()))["dict"])
        self.assertEqual(found, {"t": {"object": "LocalsForm.test_objects_show_their_type_only.<locals>.Thing"},
                                 "c": {"object": "LocalsForm.test_objects_show_their_type_only.<locals>.Color"},
                                 "z": {"object": "complex"}, "o": {"object": "object"}})
        self.assertEqual(calls, [])
        # Without a style the repr is there, as for outcomes.
        self.assertEqual(canonical(Thing())["repr"], "Thing()")
        self.assertEqual(canonical(object()), {"object": "object", "repr": "<object object at 0x?>"})

    def test_named_things_and_scalars_are_unchanged(self):
        def inner():
            pass

        found = dict(self.locals_of(("f", inner), ("k", int), ("m", json), ("n", 2 ** 70), ("s", "a\ud800"),
                                    ("e", ValueError(object())))["dict"])
        self.assertEqual(found, {"f": {"function": "LocalsForm.test_named_things_and_scalars_are_unchanged."
                                                   "<locals>.inner"},
                                 "k": {"class": "int"}, "m": {"module": "json"}, "n": {"int": str(2 ** 70)},
                                 "s": {"object": "str", "repr": "'a\\ud800'"},
                                 "e": {"exception": "ValueError", "args": [{"object": "object"}]}})

    def test_module_globals_and_builtins_by_name(self):
        import builtins

        found = dict(self.locals_of(("g", self.globals), ("b", builtins.__dict__), ("m", builtins))["dict"])
        self.assertEqual(found, {"g": {"namespace": "module globals"}, "b": {"namespace": "builtins"},
                                 "m": {"module": "builtins"}})
        # By identity: an equal dict is shown as a dict.
        self.assertEqual(self.locals_of(("copy", dict(self.globals))),
                         {"dict": [["copy", {"dict": [["__name__", "__case__"]]}]]})
        # Wherever they are, and never expanded (the globals holding themselves).
        self.globals["me"] = self.globals
        self.assertEqual(self.locals_of(("l", [self.globals, (builtins.__dict__,)])),
                         {"dict": [["l", [{"namespace": "module globals"},
                                          {"tuple": [{"namespace": "builtins"}]}]]]})
        # canonical() without a style shows their contents.
        self.assertEqual(canonical({"x": 1}), {"dict": [["x", 1]]})
        self.assertIn("dict", canonical(self.globals))

    def test_nested_dicts_keep_their_order(self):
        self.assertEqual(self.locals_of(("d", {"z": 1, "a": {"y": object(), "b": 2}}), ("c", {2, 1})),
                         {"dict": [["c", {"set": [1, 2]}],
                                   ["d", {"dict": [["z", 1], ["a", {"dict": [["y", {"object": "object"}],
                                                                             ["b", 2]]}]]}]]})
        # canonical() itself, style or not, keeps insertion order.
        self.assertEqual(canonical({"b": 1, "a": 2}, self.style), {"dict": [["b", 1], ["a", 2]]})

    def test_cycles_and_failures(self):
        d = {}
        d["self"] = d
        self.assertEqual(self.locals_of(("d", d)), {"dict": [["d", {"dict": [["self", {"recursive": "dict"}]]}]]})
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(stack_depth() + 15)
        try:
            value = self.locals_of(("deep", nested_lists(45)))
        finally:
            sys.setrecursionlimit(limit)
        self.assertEqual(value, {"object": "dict", "repr_error": "RecursionError"})


if __name__ == "__main__":
    unittest.main()


class Scrub(unittest.TestCase):
    """scrub() skips the expressions when their text is absent, and its
    thread-id replacement (a function) gives what the template gave."""

    def test_same_as_the_two_substitutions(self):
        texts = ["", "plain", "<object at 0x7f3aBEEF>", "0x", "0X1f", "x0x1 0xg",
                 "<Thread(worker, started 140234)>", "<Thread(w, started daemon 12)> at 0xabc",
                 "started", "not started yet", "started 12 started daemon 34"]
        for text in texts:
            want = runner.THREAD_IDENT.sub(r"\1 ?", runner.ADDRESS.sub("0x?", text))
            self.assertEqual(runner.scrub(text), want, text)
        self.assertEqual(runner.scrub("<Thread(t, started 99)> 0x1"), "<Thread(t, started ?)> 0x?")


class LocalsKeyOrder(unittest.TestCase):
    """canonical_locals sorts plain names without encoding them; the order
    is still that of the keys' JSON text, for every kind of key."""

    def test_same_order_as_json_text(self):
        import random
        import string

        rng = random.Random(7)
        alphabet = string.printable + "\u00e9\x7f\x01"
        style = runner.LocalsStyle({})
        for n in range(2000):
            keys = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
                    for _ in range(rng.randint(1, 6))]
            if n % 7 == 0:
                keys.append(3)  # a non-string key: every key takes the JSON path
            got = runner.canonical_locals([(k, 1) for k in keys], style)
            want = runner.canonical(dict((k, 1) for k in keys), style)
            want["dict"].sort(key=lambda pair: json.dumps(pair[0], sort_keys=True))
            self.assertEqual(got, want, keys)

    def test_prefix_sorts_after_a_longer_name_as_json_does(self):
        got = runner.canonical_locals([("x", 1), ("x!", 2)], runner.LocalsStyle({}))
        self.assertEqual([k for k, _ in got["dict"]], ["x!", "x"])
