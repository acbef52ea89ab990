"""Case-like sources for the desugarer tests: {name: (minimum version, source)}.

Every zero-argument top-level function must behave the same in source form
and desugared (run with runners/__dp__.py).  Known, intended differences of
the translation scheme (a `_dp_create_class_...` local left in functions,
`__annotations__` always present in a class namespace) are kept out.
"""

SNIPPETS = {
    "operators": ((3, 8), '''
def ops():
    a, b = 7, 3
    r = [a + b, a - b, a * b, a / b, a // b, a % b, a ** b, a << b, a >> b, a & b, a | b, a ^ b]
    r += [-a, +a, ~a, not a, a == b, a != b, a < b, a <= b, a > b, a >= b, a is b, a is not b,
          a in [a], a not in (b,), -1, (-1) ** 2, -2 ** 2, 2 ** -1, (1).real]
    x = 5
    x += 1; x -= 2; x *= 3; x //= 2; x **= 2; x %= 7; x <<= 2; x >>= 1; x |= 8; x &= 12; x ^= 5
    r.append(x)
    r.append(1 < a < 10 < b)
    r.append(1 < a <= 7 != b)
    d = {"k": 1, "j": [1, 2]}
    d["k"] += 5
    d["n"] = d["k"] * 2
    del d["j"]
    r += [d, sorted({1, 2, 2}), [1, 2, 3][1:], {}, [], ()]
    return r

def errors():
    out = []
    for thunk in (lambda: 1 + "a", lambda: 1 in 5, lambda: -"s", lambda: [][0], lambda: {}["k"]):
        try:
            thunk()
        except Exception as e:
            out.append((type(e).__name__, str(e)))
    return out

def chained_impure():
    calls = []
    def v(x):
        calls.append(x)
        return x
    return 1 < v(2) < 3, 5 < v(1) < v(9), calls
'''),
    "evaluation_order": ((3, 8), '''
def setitem_value_rebinds_target():
    d = {}
    def g():
        nonlocal d
        d = {"new": 1}
        return 5
    d["x"] = g()
    return d

def setitem_key_rebinds_value():
    v = "old"
    d = {}
    def k():
        nonlocal v
        v = "new"
        return "key"
    d[k()] = v
    return d

def augassign_parts():
    class O:
        pass
    o = O()
    o.v = 1
    o.v += 5
    l = [1, 2]
    l[1] *= 10
    k = 0
    l[k] -= 1
    log = []
    def f():
        log.append("f")
        return l
    f()[0] += 100
    return o.v, l, log

def decorator_order():
    log = []
    def d(tag):
        log.append(tag)
        return lambda f: f
    @d("first")
    @d("second")
    def f(x=log.append("default")):
        pass
    return log

def class_decorator_order():
    def deco(tag):
        print("deco", tag)
        return lambda c: c
    @deco("x")
    class C:
        print("body")
    return C.__qualname__
'''),
    "closures": ((3, 8), '''
def counter():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    inc(); inc()
    return n, inc.__qualname__, inc.__name__, inc.__code__.co_name

G = 1
def glob():
    global G
    G += 1
    def g():
        global G
        G = G * 10
    g()
    return G

def late_binding():
    fs = [lambda: i for i in range(3)]
    gs = [lambda i=i: i for i in range(3)]
    return [f() for f in fs], [g() for g in gs]

def lambda_qualnames():
    f = lambda: 1
    g = lambda x: lambda y: x + y
    h = (lambda: i for i in range(1))
    return f, g(1), g(1)(2), [x.__qualname__ for x in h]

def unbound():
    def f():
        print(x)
        x = 1
    try:
        f()
    except UnboundLocalError as e:
        return type(e).__name__

def recursion():
    def fact(n):
        return 1 if n <= 1 else n * fact(n - 1)
    return fact(5)

def global_def():
    global GD
    def GD():
        return 1
    return GD, GD()

def cell_contents():
    x = 1
    def g():
        return x
    return g.__code__.co_freevars, g.__closure__[0].cell_contents

def nested_qualnames():
    def a():
        def b():
            def c():
                pass
            return c
        return b
    return a()(), a
'''),
    "lambdas": ((3, 8), '''
import sys
MODULE_LAMBDA = (lambda: sys._getframe().f_code.co_filename)()
TOP = lambda: 0

def late_binding_lambdas():
    funcs = []
    for i in range(3):
        funcs.append(lambda: i)
        funcs.append(lambda i=i, *, k=[i]: (i, k))
    return [f() for f in funcs], [f.__qualname__ for f in funcs], [f.__name__ for f in funcs]

def lambda_names():
    g = lambda x, /, y=2, *a, z, **kw: lambda: (x, y, a, z, kw)
    inner = g(1, z=3)
    return g.__qualname__, inner.__qualname__, inner(), g.__defaults__, g.__kwdefaults__, TOP.__qualname__

def lambda_defaults_order():
    calls = []
    def v(x):
        calls.append(x)
        return x
    f = v("a")(lambda p=v(1), *, q=v(2): (p, q)) if v(True) else None
    return f(), calls

def lambda_in_elif():
    x = 0
    if x:
        return "if"
    elif (lambda: x == 0)():
        return "elif"
    return "else"

def generator_lambda():
    g = (lambda: (yield 1))()
    first = next(g)
    try:
        g.send(5)
    except StopIteration as e:
        return first, e.value

def lambda_locals():
    f = lambda a, b=2: sorted(locals().items())
    return f(1), sorted(k for k in locals() if not k.startswith("_dp_"))

def lambdas_in_class():
    k = "closure"
    class C:
        x = 1
        f = lambda self, d=x: (d, k)
        g = staticmethod(lambda: C.x)
    return C().f(), C.g(), C.f.__qualname__, C.g.__qualname__
'''),
    "subscripts": ((3, 8), '''
TABLE = {}
TABLE["k"] = [1, 2, 3, 4]
del TABLE["k"][:1]

class Log:
    def __init__(self):
        self.calls = []
    def __getitem__(self, key):
        self.calls.append(("get", key))
        return 10
    def __setitem__(self, key, value):
        self.calls.append(("set", key, value))
    def __delitem__(self, key):
        self.calls.append(("del", key))

def slices():
    a = list(range(10))
    b = a[2:8:2], a[:3], a[7:], a[::-1], a[-2:]
    a[1:3] = "xy"
    del a[::3]
    a[:0] = [0]
    return a, b, TABLE

def extended_slices():
    log = Log()
    log[1:2, ...] = 5
    del log[::2, 3]
    log[1:2, 3] += 1
    return log[:, 1:], log.calls

def store_order():
    calls = []
    def v(x):
        calls.append(x)
        return x
    d = {}
    d[v("key")] = v("value")
    v(d)[v("k2")] = x = v("v2")
    log = Log()
    v(log)[v("k3")] += v(1)
    v(log)[v(1):v(2)] = v("s")
    del v(log)[v(3):]
    return d, x, calls, log.calls

def store_errors():
    out = []
    for thunk in (lambda: [][0:1:0], lambda: (1, 2)[::0]):
        try:
            thunk()
        except Exception as e:
            out.append((type(e).__name__, str(e)))
    t = (1, 2)
    try:
        t[0] = 5
    except TypeError as e:
        out.append(str(e))
    try:
        del t[:1]
    except TypeError as e:
        out.append(str(e))
    return out

def store_in_class():
    class C:
        ns = {}
        ns["a"] = len(ns)
        ns["b":"c"] = 1 if False else None
        del ns["a"]
    return C.ns
'''),
    "locals_exec": ((3, 8), '''
def loc():
    a = 1
    def inner():
        return a
    b = [k for k in locals()]
    return sorted(locals()), b

def exec_eval():
    x = 10
    ns = {}
    exec("y = x * 2", {"x": x}, ns)
    return eval("x + 1"), ns

def class_exec_explicit():
    class C:
        exec("q = 5", globals(), locals())
        r = eval("q + 1", globals(), locals())
    return C.q, C.r

def class_exec_implicit():
    class C:
        exec("q = 5")
    return C.q

def class_locals_write():
    x = 42
    class X:
        locals()["x"] = 43
        y = x
    return X.y

def comprehension_locals_in_class():
    class C:
        a = 1
        r = [sorted(locals()) for x in range(1)]
    return C.r

def lambda_locals_in_class():
    class C:
        a = 1
        f = lambda: sorted(locals())
    return C.f()
'''),
    "classes": ((3, 8), '''
def basic():
    class A:
        """doc"""
        x = 1
        y = x + 1
        def m(self):
            return self.x
        @staticmethod
        def s():
            return 5
        @classmethod
        def c(cls):
            return cls.__name__
        @property
        def p(self):
            return 42
        z = [i for i in range(3)]
        if x:
            w = 1
        elif y:
            w = 2
        else:
            w = 3
        for q in range(2):
            pass
        n: int = 3
    a = A()
    return (A, A.__doc__, A.x, A.y, a.m(), A.s(), A.c(), a.p, A.z, A.w, A.q, A.m,
            A.__module__, A.__annotations__)

def inherit_and_meta():
    class B:
        def hi(self):
            return "B"
    class C(B):
        def hi(self):
            return "C" + B.hi(self)
    class M(type):
        def __new__(mcls, name, bases, ns, **kw):
            ns["extra"] = kw
            return super().__new__(mcls, name, bases, ns)
    kw = {"other": 2}
    class K(C, metaclass=M, flag=1, **kw):
        pass
    return C().hi(), C.__mro__, K.extra, type(K)

def shadowing():
    x = "outer"
    class C:
        y = x
        x = "inner"
        z = x
    y = "fn"
    class D:
        try:
            z = y
        except NameError:
            z = "nameerror"
        y = 2
    return C.y, C.z, D.z

def nested():
    class O:
        class B:
            v = 1
        class D(B):
            w = 2
        t = D.v + D.w
    return O.t, O.D, O.D.__mro__[1]

def class_lambda_and_comprehension():
    k = 10
    class C:
        x = 1
        v = [1, 2]
        f = lambda self, d=x: (d, k)
        a = [e * 2 for e in v]
        try:
            b = [v for _ in range(2)]
        except NameError:
            b = "ne"
        total = sum(e for e in v)
    return C().f(), C.f, C.a, C.b, C.total

def class_statements():
    class C:
        i = 0
        acc = []
        while i < 3:
            acc.append(i)
            i += 1
        try:
            x = 1 / 0
        except ZeroDivisionError:
            x = "div"
        finally:
            y = 2
        gone = 1
        del gone
        try:
            del missing
        except NameError:
            pass
    return C.acc, C.x, C.y, hasattr(C, "gone")

def late_free_variable():
    class C:
        try:
            a = later
        except NameError as e:
            a = str(e)
    later = 1
    return C.a

def late_free_variable_2():
    class C:
        a = later
    later = 1
    return C.a

def hooks_and_slots():
    class Base:
        subs = []
        def __init_subclass__(cls, **kw):
            Base.subs.append((cls.__name__, kw))
        def __class_getitem__(cls, item):
            return ("cg", item)
    class S(Base, tag=1):
        __slots__ = ("a",)
    return Base.subs, Base[int], S.__slots__

def super_and_private():
    class A:
        def f(self):
            return "A"
    class B(A):
        __x = 1
        def f(self):
            return "B" + super().f() + str(self.__x)
    return B().f(), sorted(k for k in vars(B) if "x" in k)

def global_class():
    global GC
    class GC:
        pass
    return GC

def class_in_method():
    class A:
        def make(self):
            class B:
                pass
            return B
    return A().make()

def undefined_in_class():
    class C:
        a = undefined_name_xyz
    return C

def fstring_in_class():
    class C:
        a = 3
        s = f"{a}-{a * 2}"
    return C.s

class Top:
    a = 1
    def f(self):
        return Top.a

class Sub(Top):
    b = Top.a + 1

def module_classes():
    return Top().f(), Sub.b, Sub, Top.f, sorted(k for k in globals() if k.startswith("_dp"))
'''),
    "class_namespaces": ((3, 8), '''
import enum

def enum_with_super():
    class E(enum.Enum):
        def _generate_next_value_(name, start, count, last):
            return name.lower()
        A = enum.auto()
        def describe(self):
            return super().__str__()
    return E.A.value, E.A.describe(), E._generate_next_value_

log = []
class Rec(dict):
    def __setitem__(self, key, value):
        log.append(key)
        super().__setitem__(key, value)
class Meta(type):
    @classmethod
    def __prepare__(mcls, name, bases):
        return Rec()
class Plain(metaclass=Meta):  # untranslated (super): nothing but the source's names
    def m(self):
        return super().m
    @staticmethod
    def s():
        pass
def recording_namespace():
    return [k for k in log if k != "__firstlineno__"]

def deleted_annotations():
    class C:
        a: int = 1
        del __annotations__
        try:
            b: int = 2
        except NameError:
            failed = True
    return C.a, C.b, C.failed
'''),
    "module_level": ((3, 8), '''
x = 1 + 2
lst = [i for i in range(3)]
class C:
    y = x * 2
    print("C body", y)
def f():
    return x, C.y, lst
'''),
    "module_failing_class": ((3, 8), '''
def before():
    return 1
class C:
    y = undefined_xyz
def after():
    return 2
'''),
    "module_failing_decorator": ((3, 8), '''
def deco(f):
    raise ValueError("no")
@deco
def g():
    return 1
'''),
    "generators_async": ((3, 8), '''
def gen():
    def g(n):
        for i in range(n):
            yield i * 2
    return list(g(3)), g

def gen_send():
    def g():
        total = 0
        while True:
            v = yield total
            if v is None:
                break
            total += v
    it = g()
    next(it)
    return [it.send(1), it.send(5)]

def yield_from():
    def inner():
        yield 1
        return 3
    def outer():
        r = yield from inner()
        yield r
    return list(outer())

def coroutine():
    async def co():
        return 5
    c = co()
    try:
        c.send(None)
    except StopIteration as e:
        return e.value, co
'''),
    "statements": ((3, 8), '''
import sys

def tryexc():
    r = []
    try:
        1 / 0
    except ZeroDivisionError as e:
        r.append(type(e).__name__)
    else:
        r.append("else")
    finally:
        r.append("finally")
    try:
        e
    except NameError:
        r.append("e deleted")
    return r

def with_stmt():
    class CM:
        def __enter__(self):
            return "v"
        def __exit__(self, *a):
            return False
    with CM() as v:
        pass
    return v

def walrus_and_asserts():
    data = [1, 2, 3, 4]
    try:
        assert 1 == 2, "nope"
    except AssertionError as e:
        msg = str(e)
    if (n := len(data)) > 3:
        return n, [y for x in data if (y := x * 2) > 4], y, msg

def fstrings():
    x, w, d = 3.14159, 8, {"a": 1}
    return (f"{x:.2f}|{x!r:>{w}}|{d['a']}|{x + 1}|{{lit}}|{'q'}"
            + f\'\'\'{"it's"}\'\'\' + f"{f'{x}'}" + f"""a
{d['a']}""")

def starred_and_slices():
    a, *b = [1, 2, 3]
    c = [*b, 4]
    d = {**{"x": 1}, "y": 2}
    def f(*args, k=1, **kw):
        return args, k, kw
    l = list(range(10))
    l[2:4] = [0]
    del l[::3]
    return a, b, c, d, f(*c, k=2, **d), l[1:-1:2], l

def posonly(a=1, /, b=2, *, c=3):
    return a, b, c

def annotated(a: int = 1) -> str:
    b: int = 2
    c: int
    def f(x: "hello", y: int = 3) -> list:
        pass
    return str(a + b), f.__annotations__

def frames():
    x = 1
    f = sys._getframe()
    class C:
        a = 1
        b = sorted(sys._getframe().f_locals)
    return sorted(f.f_locals), f.f_code.co_name, C.b

def imports_and_dels():
    import os.path
    from collections import OrderedDict as OD
    a = 1
    b = [1, 2]
    del a, b[0]
    return os.path.join("a", "b"), OD.__name__, b, "a" in locals()
'''),
    "future_annotations": ((3, 8), '''
from __future__ import annotations
def anns():
    def f(a: x + y * z ** -w, b: (p if q else r) = 1, *c: not u or v and t, d: lambda k: k,
          **e: [i async for i in j]) -> a < b < c:
        pass
    def g(a: {1: 2, **m}, b: {*s, 1}, c: f"{x!r:>{w}}", d: a[1:2, ::3], e: -(-1) ** 2, f: 2j,
          g: [x for x in y if x], h: x[1, 2], i: x[()], j: 1 .real, k: ~x | y ^ z & w >> 2 << 1,
          l: (a, b)[0], m: x @ y % z // w / v, n: q if r else s) -> (1, *t):
        pass
    return f.__annotations__, g.__annotations__
'''),
    "stdlib_classes": ((3, 8), '''
import dataclasses, enum, typing
def dc():
    @dataclasses.dataclass
    class P:
        x: int
        y: int = 2
    return repr(P(1)), P.__annotations__
class Color(enum.Enum):
    RED = 1
    GREEN = enum.auto()
def en():
    return Color.RED.name, Color.GREEN.value, [c.name for c in Color], Color
class NT(typing.NamedTuple):
    a: int
    b: str = "s"
def nt():
    return NT(1), NT._fields, NT
'''),
    "does_not_compile": ((3, 8), '''
def f():
    nonlocal zz
'''),
    "match": ((3, 10), '''
def m(v=(1, [2, 3], {"k": 4})):
    out = []
    for s in (v, 5, "x", None, {"k": 1, "z": 2}, [1, 2, 3, 4]):
        match s:
            case (1, [2, *rest], {"k": 4 as k}):
                out.append(("t", rest, k))
            case 5 | 6 if s > 4:
                out.append("five")
            case str() as t:
                out.append(("str", t))
            case None:
                out.append("none")
            case {"k": 1, **others}:
                out.append(others)
            case [first, *_, last]:
                out.append((first, last))
            case -1 | 1.5 | 2j | -3 + 4j:
                pass
            case _:
                out.append("default")
    return out
'''),
    "except_star": ((3, 11), '''
def ts():
    r = []
    try:
        raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
    except* ValueError as e:
        r.append(len(e.exceptions))
    except* TypeError:
        r.append("t")
    return r
'''),
    "type_params": ((3, 12), '''
def gen():
    def first[T: int, *Ts, **P](x: T) -> T:
        return x
    class Box[T]:
        def get(self) -> T:
            return 1
    type Alias[K] = list[K]
    return first(3), first, Box, Box().get(), Alias.__name__, first.__type_params__[0].__name__
'''),
    "fstring_312": ((3, 12), '''
def f():
    d = {"k\\n": "v"}
    return f"{d['k\\n']}" + f"{"nested" + f"{'deep'}"}"
'''),
    "comprehensions": ((3, 8), """
import sys

def kinds():
    xs = [3, 1, 2]
    return ([x * 2 for x in xs if x > 1], {x % 2 for x in xs}, {k: k + 1 for k in xs if k != 1},
            list(x for x in xs), sorted((x for x in xs), reverse=True))

def nested_and_clauses():
    m = [[1, 2], [3, 4]]
    flat = [x for row in m for x in row if x % 2 if x > 1]
    grid = [[i * j for j in range(3)] for i in range(2)]
    pairs = {(i, c) for i in range(2) for c in "ab" if i or c == "a"}
    inner = [[y for y in range(x)] for x in [y for y in range(3)]]
    return flat, grid, sorted(pairs), inner

def first_iterable_outside():
    out = []
    try:
        (x for x in 1)  # the first iterable fails where the expression is
    except TypeError as e:
        out.append(("genexp", str(e)))
    g = (x for x in [] for y in 1)  # later ones are evaluated inside, lazily
    out.append(list(g))
    calls = []
    def it(n):
        calls.append(n)
        return range(n)
    g2 = (x + y for x in it(2) for y in it(1))
    out.append(list(calls))
    out.append(list(g2))
    out.append(list(calls))
    return out

def no_leak():
    x = "outer"
    r = [x for x in range(3)]
    try:
        [q for q in range(2)]
        q
    except NameError as e:
        leaked = str(e)
    return x, r, leaked

def late_binding():
    fs = [lambda: i for i in range(3)]
    gs = [lambda i=i: i for i in range(3)]
    hs = list((lambda: j) for j in range(3))
    return [f() for f in fs], [g() for g in gs], [h() for h in hs], fs[0] is fs[1]

def closure_over_enclosing():
    base = 10
    def add(v):
        return [base + v for _ in range(1)]
    r = add(1)
    base = 20
    return r, add(1), [[base + k for k in range(2)] for base in (100, 200)]

def genexp_names():
    g = (x for x in ())
    return g.__name__, g.__qualname__, type(g).__name__

def dict_order():
    log = []
    def k(v):
        log.append(("k", v))
        return v
    def v(x):
        log.append(("v", x))
        return x
    return {k(i): v(i) for i in range(2)}, log

def in_class_body():
    outer = "enclosing"
    class C:
        outer = "class"
        a = [outer for _ in range(2)]
        b = [c for c in range(3)]
        def m(self):
            return [self.a[0] for _ in (1,)]
    try:
        class D:
            y = 1
            z = [y for _ in range(1)]
        err = None
    except NameError as e:
        err = str(e)
    return C.a, C.b, C().m(), err, "_dp_comp_1" in vars(C), "c" in vars(C)

def in_elif(n=2):
    if n == 1:
        return "one"
    elif [x for x in range(n) if x == 1]:
        return "has one"
    else:
        return "none"

def lambdas_in_conditions():
    fs = [x for x in range(5) if (lambda y: y % 2)(x)]
    return fs, sorted({x: (lambda: x)() for x in "ab"}.items())

def with_super():
    class B:
        def m(self):
            return ["b"]
    class D(B):
        def m(self):
            return [y for y in super().m()] + [z for z in "d"]
    return D().m()

def exceptions_inside():
    try:
        [1 // x for x in (1, 0)]
    except ZeroDivisionError as e:
        return type(e).__name__

mod = [i * i for i in range(3)]
modgen = sum(i for i in range(4))
def module_level():
    return mod, modgen, sorted(k for k in globals() if k.startswith("_dp_comp"))
"""),
}
