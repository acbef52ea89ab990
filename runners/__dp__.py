"""Runtime support for desugared cases (bound as the global `__dp__`).

The desugared translation of a case replaces operators, class statements and
function definitions by calls into this module.  Every helper must behave
exactly like the construct it replaces on CPython 3.8 and later, so where a
C-level function with the same semantics exists it is re-exported as is
(no extra Python frame, identical error messages).

Module-level names here are looked up by the translation, so helpers that
share a builtin's name (dict, getattr, ...) are the builtins themselves and
internal code uses only the underscore-prefixed imports below.
"""
import builtins as _builtins
import operator as _operator
import sys as _sys
import types as _types

# ---------------------------------------------------------------------------
# Operators: the operator module has exactly the semantics of the syntax.

# Binary operators.
add = _operator.add
sub = _operator.sub
mul = _operator.mul
matmul = _operator.matmul
truediv = _operator.truediv
floordiv = _operator.floordiv
mod = _operator.mod
pow = _operator.pow
lshift = _operator.lshift
rshift = _operator.rshift
and_ = _operator.and_
or_ = _operator.or_
xor = _operator.xor

# Augmented assignment: `x += y` is `x = iadd(x, y)`.
iadd = _operator.iadd
isub = _operator.isub
imul = _operator.imul
imatmul = _operator.imatmul
itruediv = _operator.itruediv
ifloordiv = _operator.ifloordiv
imod = _operator.imod
ipow = _operator.ipow
ilshift = _operator.ilshift
irshift = _operator.irshift
iand = _operator.iand
ior = _operator.ior
ixor = _operator.ixor

# Unary operators.
neg = _operator.neg
pos = _operator.pos
invert = _operator.invert
not_ = _operator.not_

# Comparisons and identity.
eq = _operator.eq
ne = _operator.ne
lt = _operator.lt
le = _operator.le
gt = _operator.gt
ge = _operator.ge
is_ = _operator.is_
is_not = _operator.is_not
contains = _operator.contains  # contains(a, b) is `b in a`


def in_(x, container):
    """`x in container`"""
    return x in container


def not_in(x, container):
    """`x not in container`"""
    return x not in container


# Subscripts and attributes.
getitem = _operator.getitem
setitem = _operator.setitem
delitem = _operator.delitem
getattr = _builtins.getattr
setattr = _builtins.setattr
delattr = _builtins.delattr

# Displays: {..}, [..], (..,), {a, b} become calls of the plain builtins.
dict = _builtins.dict
list = _builtins.list
tuple = _builtins.tuple
set = _builtins.set
iter = _builtins.iter  # a comprehension's first iterable (GET_ITER)


# ---------------------------------------------------------------------------
# Functions


# update_fn's renamed code objects: id(code) -> (code, qualname_prefix, name,
# qualname, renamed code).  A nested def runs each time the enclosing
# function runs, with the same code object: it is renamed once (the entry
# keeps the original alive, so its id is not reused).
_renamed_code = {}


def update_fn(fn, qualname_prefix, name):
    """Give fn (defined under a mangled name such as _dp_fn_g) the names the
    source `def` would have given it: __name__, __qualname__ and the code
    object's co_name (and co_qualname on 3.11+), so frames and tracebacks
    agree with the source run.  qualname_prefix is None at module level."""
    code = fn.__code__
    entry = _renamed_code.get(_builtins.id(code))
    if entry is None or entry[0] is not code or entry[1] != qualname_prefix or entry[2] != name:
        if qualname_prefix is None:
            qualname = name
        else:
            qualname = qualname_prefix + "." + name
        if _sys.version_info >= (3, 11):
            renamed = code.replace(co_name=name, co_qualname=qualname)
        else:
            renamed = code.replace(co_name=name)
        entry = (code, qualname_prefix, name, qualname, renamed)
        _renamed_code[_builtins.id(code)] = entry
    fn.__code__ = entry[4]
    fn.__name__ = name
    fn.__qualname__ = entry[3]
    return fn


# ---------------------------------------------------------------------------
# Classes


def _name_error(name):
    return NameError("name '%s' is not defined" % name)


class ClassNamespace(object):
    """The class body's namespace as seen by the translation.

    Wraps the mapping returned by the metaclass's __prepare__: attribute
    assignment, reading and deletion operate on that mapping (including
    dunder names such as __module__ and __qualname__), and the attribute
    `_namespace` is the mapping itself.
    """

    __slots__ = ("_namespace", "_firstlineno", "_static_attributes")

    def __init__(self, namespace, firstlineno=None, static_attributes=None):
        object.__setattr__(self, "_namespace", namespace)
        # 3.13+: __firstlineno__ is stored right after the builder's
        # __qualname__, as by the class body's code; __static_attributes__
        # at the end of the body (set_classcell), or by create_class once
        # the builder has returned (the seed's builder has no statement of
        # its own after the user's code)
        object.__setattr__(self, "_firstlineno", firstlineno)
        object.__setattr__(self, "_static_attributes", static_attributes)

    def end_body(self):
        """__static_attributes__ (3.13+), once."""
        static = object.__getattribute__(self, "_static_attributes")
        if static is not None:
            object.__setattr__(self, "_static_attributes", None)
            object.__getattribute__(self, "_namespace")["__static_attributes__"] = static

    def __getattribute__(self, name):
        mapping = object.__getattribute__(self, "_namespace")
        if name == "_namespace":
            return mapping
        try:
            return mapping[name]
        except KeyError:
            pass
        raise AttributeError(name)

    def __setattr__(self, name, value):
        # STORE_NAME: errors from the mapping propagate unchanged.
        mapping = object.__getattribute__(self, "_namespace")
        mapping[name] = value
        if name == "__qualname__":
            firstlineno = object.__getattribute__(self, "_firstlineno")
            if firstlineno is not None:
                object.__setattr__(self, "_firstlineno", None)
                mapping["__firstlineno__"] = firstlineno

    def __delattr__(self, name):
        # DELETE_NAME turns any failure into NameError (without context).
        mapping = object.__getattribute__(self, "_namespace")
        try:
            del mapping[name]
            return
        except Exception:
            pass
        raise _name_error(name)

    def __repr__(self):
        mapping = object.__getattribute__(self, "_namespace")
        return "ClassNamespace(%r)" % (mapping,)


def class_lookup(name, ns, fallback):
    """A name read in a class body (LOAD_NAME / LOAD_CLASSDEREF): the class
    namespace first, else fallback(), a function that reads the name from
    the enclosing function or global scope and so raises CPython's own
    NameError when the name is bound nowhere.

    Like CPython this indexes the mapping and treats only KeyError as
    "missing", so a __missing__ or custom __getitem__ is honoured."""
    mapping = ns._namespace
    try:
        return mapping[name]
    except KeyError:
        pass
    # Called outside the except block so a NameError has no KeyError context.
    return fallback()


# Python 3.13 added __firstlineno__ and __static_attributes__ to every
# class namespace (set by the class body's code).
_CLASS_LINE_ATTRIBUTES = _sys.version_info >= (3, 13)
# Python 3.14 gives every class body an implicit `__classdict__` cell (the
# namespace mapping) that the functions, lambdas and comprehensions nested in
# it can read; a translated class builder binds it only then (desugar.py).
CLASSDICT_CELL = _sys.implementation.name == "cpython" and _sys.version_info >= (3, 14)
# __build_class__'s messages show the class name as repr (PyPy: as it is).
_NAME_FORMAT = "%s" if _sys.implementation.name == "pypy" else "%r"


def set_classcell(ns, cell_reader):
    """The end of a class body whose functions use super() or __class__:
    `__classcell__` in the namespace is the body's __class__ cell (the one
    cell of cell_reader, a function returning __class__), which the body
    returns to create_class.  Returns the cell."""
    cell = cell_reader.__closure__[0]
    ClassNamespace.end_body(ns)
    ns._namespace["__classcell__"] = cell
    return cell


def create_class(name, ns_builder, bases, kwds, static_attributes=()):
    """The class statement: `class NAME(*bases, **kwds): <body>`, where
    ns_builder(ClassNamespace) executes the body.

    Follows builtins.__build_class__: resolve __mro_entries__ (PEP 560),
    pick the metaclass, call __prepare__, run the body, record
    __orig_bases__ when bases changed, then call the metaclass.  What the
    body's code adds is added here: on 3.13+ __firstlineno__ (the line of
    the function calling create_class, in the translation's layout) and
    __static_attributes__ (the names the translator found stored as
    self.NAME in the class's functions); __classcell__ when the class has a
    __class__ cell (super(), __class__), which type.__new__ sets to the
    class, checked afterwards as __build_class__ does."""
    resolved = _types.resolve_bases(bases)
    meta, namespace, kwds = _types.prepare_class(name, resolved, kwds)
    if not _builtins.hasattr(_builtins.type(namespace), "__getitem__"):
        if _builtins.isinstance(meta, _builtins.type):
            meta_name = meta.__name__
        else:
            meta_name = "<metaclass>"
        raise TypeError(
            "%s.__prepare__() must return a mapping, not %s"
            % (meta_name, _builtins.type(namespace).__name__)
        )
    firstlineno = None
    if _CLASS_LINE_ATTRIBUTES:
        firstlineno = _sys._getframe(1).f_code.co_firstlineno
        static_attributes = _builtins.tuple(static_attributes)
    else:
        static_attributes = None
    ns = ClassNamespace(namespace, firstlineno, static_attributes)
    cell = ns_builder(ns)  # the __class__ cell or None, as the body's code returns
    ClassNamespace.end_body(ns)
    if resolved is not bases:
        namespace["__orig_bases__"] = bases
    cls = meta(name, resolved, namespace, **kwds)
    if cell is not None and _builtins.isinstance(cls, _builtins.type):
        try:
            cell_cls = cell.cell_contents
        except ValueError:  # empty: the metaclass dropped __classcell__
            raise RuntimeError(
                "__class__ not set defining %s as %r. Was __classcell__ propagated to type.__new__?"
                % (_NAME_FORMAT % (name,), cls)) from None
        if cell_cls is not cls:
            raise TypeError("__class__ set to %r defining %s as %r"
                            % (cell_cls, _NAME_FORMAT % (name,), cls))
    return cls


def class_ns_call(fn, ns, *args, **kwargs):
    """A call in a class body of one of the builtins that read the caller's
    namespace when not given one: `exec(src)` / `eval(src)` run with the
    module's globals and the class namespace, `vars()` / `locals()` are the
    namespace, `dir()` its sorted keys.  Any other function (the name
    rebound) is simply called."""
    mapping = ns._namespace
    if not kwargs and (fn is _builtins.exec or fn is _builtins.eval) and _builtins.len(args) == 1:
        return fn(args[0], _sys._getframe(1).f_globals, mapping)
    if not kwargs and not args:
        if fn is _builtins.vars or fn is _builtins.locals:
            return mapping
        if fn is _builtins.dir:
            keys = _builtins.list(mapping.keys())
            keys.sort()
            return keys
    return fn(*args, **kwargs)


def with_defaults(fn, defaults, kwdefaults):
    """A lambda's defaults (a tuple or None) and keyword-only defaults (a
    dict or None) given to its `_dp_lambda_N` def where the lambda was, so
    that they are evaluated in the source's order.  Returns fn."""
    fn.__defaults__ = defaults
    fn.__kwdefaults__ = kwdefaults
    return fn


def comp_locals(mapping):
    """locals() in a comprehension's `_dp_comp_N(_dp_iter)` helper, as
    CPython's comprehension functions before 3.12 show it: the iterator
    argument is `.0`, the translation's other names (`_dp_result`, helper
    defs) are not there.  The dict is changed in place, so that before
    3.13 `locals() is locals()` holds as in the source (the frame's own
    dict, which each call refreshes).  Anything but a dict is returned as
    it is."""
    if _builtins.type(mapping) is not _builtins.dict:
        return mapping
    items = _builtins.list(mapping.items())
    mapping.clear()
    for key, value in items:
        if key == "_dp_iter":
            mapping[".0"] = value
        elif not (_builtins.isinstance(key, _builtins.str) and key.startswith("_dp_")):
            mapping[key] = value
    return mapping


# `a[lower:upper:step]` is `getitem(a, slice(lower, upper, step))` (and
# setitem / delitem), None standing for a part left out.
slice = _builtins.slice


def setup_annotations(ns):
    """SETUP_ANNOTATIONS in a class body: an `__annotations__` dict in the
    namespace unless the mapping already has one (a metaclass's __prepare__
    may supply it).  Only KeyError counts as missing, as in CPython."""
    mapping = ns._namespace
    try:
        mapping["__annotations__"]
        return
    except KeyError:
        pass
    mapping["__annotations__"] = _builtins.dict()
