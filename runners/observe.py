"""Observations the runner makes besides outcomes (docs/protocol.md):

  * scope classification: co_varnames, co_cellvars and co_freevars of every
    code object of the case, keyed by qualname (scope_table);
  * f_locals at return: what frame.f_locals holds when each of the case's
    frames returns during a top-level call (CallRecorder).

Imported by runner.py (Python 3.8 syntax, standard library only).  Nothing
here imports runner.py: the canonical-value function is passed in.

Observing must not change what the case does; three interpreter
mechanisms make that harder than it looks.

  * CPython 3.8-3.12: a *Python-level* profile function (sys.setprofile)
    is called through a trampoline that copies the fast locals into the
    frame's locals dict before every event (3.8-3.10: always; 3.11/3.12:
    once f_locals was read) and writes the dict back afterwards, so a dict
    the case holds from an earlier locals() call would change under it.
    The hook is therefore the C-level profiler of the standard _lsprof
    module (the engine of cProfile) with our timer: the timer runs on
    every call and return of a Python frame (sys._getframe(1) is that
    frame), copies nothing, and its own errors are swallowed by _lsprof
    (reported on stderr), so even a timer that cannot start at the
    recursion limit leaves the case's stack depth and exceptions alone.
    (3.12+ runs _lsprof on sys.monitoring, where it hears every thread;
    there its callbacks are registered under a tool id of our own, so the
    case can still use cProfile.)
  * CPython 3.8-3.12: reading frame.f_locals re-synchronises that same
    dict.  Before reading, the dict is located without reading f_locals
    (held_dicts) and copied; afterwards its previous contents are put back.
  * PyPy: locals dicts are map-based dicts sharing one process-wide tree
    of key layouts, with attribute reordering, so every locals dict built
    (by locals() or by reading f_locals) can change the key order of locals
    dicts built later, in any job.  On PyPy f_locals is therefore never
    read in the runner process: for each returning frame a short-lived
    forked copy of the process reads and converts the locals, sends the
    entry back through a pipe and exits (CallRecorder.read_forked).
"""
import ast
import gc
import json
import opcode
import os
import sys
import types
from _thread import get_ident

import builtins as _builtins_module

ENTRY_LIMIT = 200  # entries per list and top-level call; the rest are counted
DP = "_dp_"  # prefix of the translation's internal names
DP_FN = "_dp_fn_"  # a user's function, renamed by the translation
DP_LAMBDA = "_dp_lambda_"  # a user's lambda, or a class body's lookup helper
DP_COMP = "_dp_comp_"  # a user's comprehension: `def _dp_comp_N(_dp_iter)`
DP_ITER = "_dp_iter"  # its iterator argument, CPython's `.0`

CPYTHON = sys.implementation.name == "cpython"
# Read f_locals in a forked child (PyPy); CPython reads in process.
READ_IN_CHILD = not CPYTHON and hasattr(os, "fork")
CHILD_TIME_LIMIT = 5  # seconds: SIGALRM ends a forked reader that hangs
HAS_CO_QUALNAME = sys.version_info >= (3, 11)
# CPython before 3.13 keeps a locals dict per frame that f_locals refreshes.
SYNCING_F_LOCALS = sys.version_info < (3, 13) or not CPYTHON

CO_OPTIMIZED = 0x0001  # a function scope (fast locals), as opposed to class and module bodies
# Frames that can be suspended: generators, coroutines, iterable coroutines,
# async generators.
CO_SUSPENDABLE = 0x0020 | 0x0080 | 0x0100 | 0x0200
COMPREHENSIONS = ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")

# Opcodes that tell how a frame is left (co_code is de-specialised and
# de-instrumented on every version, so the plain names suffice).
_OPMAP = opcode.opmap
RETURN_OPS = frozenset(_OPMAP[n] for n in ("RETURN_VALUE", "RETURN_CONST") if n in _OPMAP)
YIELD_VALUE = _OPMAP["YIELD_VALUE"]
YIELD_FROM = _OPMAP.get("YIELD_FROM")  # up to 3.10 and PyPy 3.9
RESUME = _OPMAP.get("RESUME")  # 3.11+: first instruction, and after each yield


# ---------------------------------------------------------------------------
# Scope classification


def _child_codes(code):
    return [c for c in code.co_consts if isinstance(c, types.CodeType)]


def _is_class_body(code):
    # Every function-like scope (def, lambda, comprehension) is optimized;
    # module code is never a child, so what remains is a class body.
    return not code.co_flags & CO_OPTIMIZED


def _mangle(private, name):
    """The compiler's private-name mangling (__x in class C -> _C__x)."""
    if private is None or not name.startswith("__") or name.endswith("__") or "." in name:
        return name
    stripped = private.lstrip("_")
    return "_" + stripped + name if stripped else name


def _declared_global(name, parent, private):
    """True when the def or class NAME is declared `global` in its parent
    scope: the compiler then gives it the plain name as qualname."""
    mangled = _mangle(private, name)
    if mangled not in parent.co_names:
        return False
    if parent.co_flags & CO_OPTIMIZED:
        # A name bound in a function is local, cell or free unless global.
        return mangled not in parent.co_varnames + parent.co_cellvars + parent.co_freevars
    # Class bodies store locals and globals by name alike: look for a
    # STORE_GLOBAL of it (a scan of the bytecode; importing dis in every
    # job child would cost more than the rest of the table).
    return mangled in stored_globals(parent)


STORE_GLOBAL = _OPMAP["STORE_GLOBAL"]
EXTENDED_ARG = _OPMAP["EXTENDED_ARG"]


def stored_globals(code):
    """The names `code` stores with STORE_GLOBAL, read from its wordcode
    (two bytes per unit on 3.6+; EXTENDED_ARG prefixes widen the argument,
    which indexes co_names).  dis.get_instructions gives the same names."""
    ops = code.co_code
    names = code.co_names
    found = set()
    ext = 0
    for i in range(0, len(ops) - 1, 2):
        op = ops[i]
        arg = ops[i + 1] | ext
        if op == EXTENDED_ARG:
            ext = arg << 8
            continue
        ext = 0
        if op == STORE_GLOBAL and arg < len(names):
            found.add(names[arg])
    return found


def computed_qualname(code, parent, parent_qualname, private):
    """The qualname the compiler gives `code` (co_qualname on 3.11+), from
    its parent code object: None as parent_qualname means a child of the
    module.  `private` is the name of the class whose private names apply
    in the parent (None outside classes)."""
    name = code.co_name
    if parent_qualname is None:
        return name
    if not name.startswith("<") and _declared_global(name, parent, private):
        return name  # def/class declared global: a lambda or comprehension cannot be
    if parent.co_flags & CO_OPTIMIZED and parent.co_name not in COMPREHENSIONS:
        return parent_qualname + ".<locals>." + name
    return parent_qualname + "." + name  # class bodies and comprehensions


def code_tree(module_code):
    """[(code, computed qualname)] for every code object reachable from the
    module code through co_consts, depth first in co_consts order.  The
    module code itself is not included."""
    found = []
    # (code, parent, parent's qualname, private name in the parent)
    stack = [(c, module_code, None, None) for c in reversed(_child_codes(module_code))]
    while stack:
        code, parent, parent_qualname, private = stack.pop()
        qualname = computed_qualname(code, parent, parent_qualname, private)
        found.append((code, qualname))
        inner_private = code.co_name if _is_class_body(code) else private
        stack.extend((c, code, qualname, inner_private) for c in reversed(_child_codes(code)))
    return found


def code_objects(module_code):
    """code_tree() with co_qualname (3.11+): the same codes in the same
    order, without computing qualnames the code objects already carry."""
    found = []
    stack = list(reversed(_child_codes(module_code)))
    while stack:
        code = stack.pop()
        found.append((code, code.co_qualname))
        stack.extend(reversed(_child_codes(code)))
    return found


def scope_table(module_code):
    """The "scopes" object: {qualname: {"varnames", "cellvars", "freevars"}}
    in discovery order; a repeated qualname gets " #2", " #3", ..."""
    table = {}
    seen = {}
    for code, qualname in (code_objects if HAS_CO_QUALNAME else code_tree)(module_code):
        seen[qualname] = seen.get(qualname, 0) + 1
        key = qualname if seen[qualname] == 1 else "%s #%d" % (qualname, seen[qualname])
        while key in table:  # a real qualname that looks like "f #2"
            seen[qualname] += 1
            key = "%s #%d" % (qualname, seen[qualname])
        table[key] = {"varnames": list(code.co_varnames), "cellvars": list(code.co_cellvars),
                      "freevars": list(code.co_freevars)}
    return table


# ---------------------------------------------------------------------------
# Qualnames of running frames


DP_CREATE_CLASS = "_dp_create_class_"  # def that runs a class statement
NS_BUILDER = "_dp_ns_builder"  # its inner def: the class body, as a function


def _is_dp_name(name):
    return isinstance(name, str) and name.startswith(DP)


class TranslationMap:
    """How the translation's code objects stand for the user's (desugared
    mode; docs/protocol.md, "The translation's own names").  Three rules,
    applied to each dotted part of a translation qualname:

      * `_dp_fn_NAME` is the user's function NAME;
      * `_dp_create_class_X.<locals>._dp_ns_builder` is the body of the
        class whose name the create_class def passes to
        __dp__.create_class("NAME", ...) (read from the translation's
        syntax tree), and what the builder defines are that class's
        members (C.m, as in the source);
      * `_dp_lambda_N` is a user's lambda, `<lambda>`, unless the
        translation passes it to `__dp__.class_lookup(...)`: then it is a
        class body's name-lookup helper, machinery;
      * `_dp_comp_N` is a user's comprehension, named as the translation
        names it (`_dp_comp_N.__name__ = "<listcomp>"`), with no `<locals>`
        after it (CPython's comprehension qualnames); its `_dp_iter`
        argument is reported as `.0`;
      * any other `_dp_` part is the translation's machinery (lookup
        helpers, the create_class def itself): it has no user qualname and
        is reported apart, under translation_scopes / translation_frames.
    """

    def __init__(self, source):
        self.classes = {}  # translation qualname of a create_class def -> class name
        # translation qualname -> user qualname, for a def or class the user
        # declared `global` in its enclosing function: the compiler names it
        # plainly (g, not f.<locals>.g), while the translation's _dp_fn_g
        # or create_class def is not global itself.
        self.plain = {}
        self.plain_classes = set()  # create_class defs of classes declared global
        self.lambdas = set()  # translation qualnames of the user's lambdas
        self.lookups = set()  # names of the class_lookup helpers
        self.comp_names = {}  # _dp_comp_N -> "<listcomp>" & co.
        self.comps = {}  # translation qualnames of the user's comprehensions -> name
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):  # the compile step reports it
            return
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "class_lookup" and len(node.args) == 3
                    and isinstance(node.args[2], ast.Name)):
                self.lookups.add(node.args[2].id)
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Attribute) and node.targets[0].attr == "__name__"
                    and isinstance(node.targets[0].value, ast.Name)
                    and node.targets[0].value.id.startswith(DP_COMP)
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                self.comp_names[node.targets[0].value.id] = node.value.value
        for node in tree.body:
            self._visit(node, None, False)

    def _visit(self, node, prefix, in_function, declared_global=frozenset()):
        scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        if isinstance(node, scopes):
            if prefix is None:
                qualname = node.name
            else:
                qualname = prefix + (".<locals>." if in_function else ".") + node.name
            if isinstance(node, ast.FunctionDef) and node.name.startswith(DP_CREATE_CLASS):
                name = _created_class_name(node)
                if name is not None:
                    self.classes[qualname] = name
                    if name in declared_global:
                        self.plain_classes.add(qualname)
            elif node.name.startswith(DP_FN) and node.name[len(DP_FN):] in declared_global:
                self.plain[qualname] = node.name[len(DP_FN):]
            elif node.name.startswith(DP_LAMBDA) and node.name not in self.lookups:
                self.lambdas.add(qualname)
            elif node.name in self.comp_names:
                self.comps[qualname] = self.comp_names[node.name]
            inner_function = not isinstance(node, ast.ClassDef)
            inner_global = _global_names(node)
            for child in node.body:
                self._visit(child, qualname, inner_function, inner_global)
            return
        for child in ast.iter_child_nodes(node):
            self._visit(child, prefix, in_function, declared_global)

    def user_qualname(self, qualname):
        """The user's qualname for a translation qualname, or None for the
        translation's machinery.  A " #N" suffix (repeated qualnames in the
        scope table) is kept."""
        base, sep, count = qualname.partition(" #")
        parts = base.split(".")
        out = []
        i = 0
        while i < len(parts):
            part = parts[i]
            here = ".".join(parts[:i + 1])  # the translation qualname up to this part
            if part.startswith(DP_CREATE_CLASS) and parts[i + 1:i + 3] == ["<locals>", NS_BUILDER]:
                name = self.classes.get(here)
                if name is None:
                    return None
                if here in self.plain_classes:
                    out = []  # a class declared global: named plainly
                out.append(name)
                i += 3
                if parts[i:i + 1] == ["<locals>"]:
                    i += 1  # members of the class: C.m, as the source names them
                continue
            if here in self.plain:
                out = [self.plain[here]]
            elif part.startswith(DP_FN):
                out.append(part[len(DP_FN):])
            elif here in self.lambdas:
                out.append("<lambda>")
            elif here in self.comps:
                out.append(self.comps[here])
                if parts[i + 1:i + 2] == ["<locals>"]:
                    i += 1  # CPython: f.<locals>.<listcomp>.<lambda>
            elif part.startswith(DP):
                return None
            else:
                out.append(part)
            i += 1
        return ".".join(out) + sep + count


def _global_names(function_def):
    """Names declared `global` in a function's own scope (not in nested
    functions or classes)."""
    names = set()
    stack = list(function_def.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global):
            names.update(node.names)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return frozenset(names)


def _created_class_name(function_def):
    """NAME in `return __dp__.create_class("NAME", ...)` in a create_class def."""
    for node in ast.walk(function_def):
        if not (isinstance(node, ast.Return) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "create_class"
                and call.args and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)):
            return call.args[0].value
    return None


def user_scope_table(table, tmap):
    """The translation's scope table in the user's terms (desugared mode):
    (scopes, translation_names).  Each code object with a user qualname
    (TranslationMap) keeps its entry, minus the `_dp_` names, which are
    listed per qualname in translation_names; machinery code is left out
    here (the raw table is reported as translation_scopes)."""
    scopes = {}
    moved = {}
    for key, entry in table.items():
        user = tmap.user_qualname(key)
        if user is None:
            continue
        base = user.partition(" #")[0]
        n = 1
        while user in scopes:  # two translation codes for one user qualname
            n += 1
            user = "%s #%d" % (base, n)
        kept = {}
        internal = []
        for field in ("varnames", "cellvars", "freevars"):
            kept[field] = [".0" if v == DP_ITER else v for v in entry[field]
                           if v == DP_ITER or not _is_dp_name(v)]
            internal.extend(v for v in entry[field]
                            if _is_dp_name(v) and v != DP_ITER and v not in internal)
        scopes[user] = kept
        if internal:
            moved[user] = internal
    return scopes, moved


def claim_scopes(scopes, qualname):
    """The entries of `scopes` for the function `qualname` and the code
    nested in it (removed from `scopes`, which keeps the rest)."""
    claimed = {}
    for key in list(scopes):
        base = key.partition(" #")[0]
        if base == qualname or base.startswith(qualname + "."):
            claimed[key] = scopes.pop(key)
    return claimed


class QualnameIndex:
    """Qualname of a running frame's code: co_qualname on 3.11+, else the
    computed form of the code object it comes from in the compiled case."""

    def __init__(self, module_code, tmap=None):
        self.tmap = tmap  # a TranslationMap in desugared mode, else None
        # id(code) -> (code, qualname); holding the code keeps the id valid.
        self.known = {}
        self.by_value = None  # built on first need (<3.11 only)
        if not HAS_CO_QUALNAME:
            for code, qualname in code_tree(module_code):
                self.known[id(code)] = (code, qualname)

    def qualname(self, code, frame=None):
        """The qualname of `code`, running in `frame` (in desugared mode the
        translation's, which user_qualname() maps)."""
        if HAS_CO_QUALNAME:
            qualname = code.co_qualname
        else:
            entry = self.known.get(id(code))
            if entry is None or entry[0] is not code:
                entry = (code, self._other_code(code, frame))
                self.known[id(code)] = entry
            qualname = entry[1]
        return qualname

    def _other_code(self, code, frame):
        """A code object that is not one of the compiled ones (before 3.11).
        First a copy equal to a compiled code object: code.replace() with
        the same name, or the translation's `_dp_fn_` code that update_fn
        renamed (reported under the compiled code's qualname, which the
        TranslationMap maps).  Else, in the translation, the __qualname__
        that update_fn gave the running function (3.11+ also puts it in
        co_qualname); a decorator's functools.wraps may have overwritten
        it, which is why the copy is looked for first."""
        if self.by_value is None:
            self.by_value = {}
            for entry in list(self.known.values()):
                known, qualname = entry
                self.by_value.setdefault(known, qualname)
                if known.co_name.startswith(DP_FN):
                    renamed = known.replace(co_name=known.co_name[len(DP_FN):])
                    self.by_value.setdefault(renamed, qualname)
        qualname = self.by_value.get(code)
        if qualname is not None:
            return qualname
        if self.tmap is not None:
            function = _function_of(code, frame)
            if function is not None and isinstance(function.__qualname__, str):
                return function.__qualname__
        return code.co_name


def _function_of(code, frame):
    """The function object running `code` in `frame`, or None.  PyPy: the
    caller's frame still holds the callee (gc.get_referents is cheap, while
    gc.get_referrers walks the whole heap, tens of ms there).  CPython does
    not show an executing frame's stack, but gc.get_referrers is fast."""
    if CPYTHON:
        candidates = gc.get_referrers(code)
    else:
        candidates = gc.get_referents(frame.f_back) if frame is not None and frame.f_back else []
    for obj in candidates:
        obj = getattr(obj, "__func__", obj) if type(obj) is types.MethodType else obj
        if type(obj) is types.FunctionType and obj.__code__ is code:
            return obj
    return None


# ---------------------------------------------------------------------------
# How a frame is left


class CodeInfo:
    """What the event classification needs from a code object (cached)."""

    __slots__ = ("ops", "suspendable")

    def __init__(self, code):
        self.ops = code.co_code  # a fresh copy on 3.12+: fetch once
        self.suspendable = bool(code.co_flags & CO_SUSPENDABLE)

    def op(self, offset):
        return self.ops[offset] if 0 <= offset < len(self.ops) else None

    def at_start(self, offset):
        """Where a frame is when it starts or is resumed normally."""
        return offset < 0 or (RESUME is not None and self.op(offset) == RESUME)

    def at_suspension(self, offset):
        """Where a generator or coroutine frame is when it yields (or when
        an exception thrown in at that yield leaves it)."""
        op = self.op(offset)
        if op == YIELD_VALUE or (YIELD_FROM is not None and op == YIELD_FROM):
            return True
        # CPython <= 3.10 rewinds to the instruction before YIELD_FROM.
        if YIELD_FROM is not None and self.op(offset + 2) == YIELD_FROM:
            return True
        # 3.13+ may already point at the RESUME that follows the yield.
        return op == RESUME and self.op(offset - 2) == YIELD_VALUE

    def leave_kind(self, offset):
        """How a frame at `offset` is left: "return", "yield" or "exception"."""
        if self.op(offset) in RETURN_OPS:
            return "return"
        if self.suspendable and self.at_suspension(offset):
            return "yield"
        return "exception"


# ---------------------------------------------------------------------------
# Reading f_locals without disturbing the frame


def _frame_locals_peeker():
    """CPython 3.11/3.12: a function returning the frame's locals dict (or
    class namespace) as stored in its interpreter frame, None when there is
    none yet, without the refresh that reading frame.f_locals does.  It
    reads PyFrameObject.f_frame->f_locals through ctypes; the layout is
    checked on a live frame first and None is returned when it does not
    match (then held_dicts finds nothing on these versions)."""
    if not CPYTHON or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return None
    try:
        import ctypes
    except ImportError:
        return None
    word = ctypes.sizeof(ctypes.c_void_p)
    head = 4 if hasattr(sys, "getobjects") else 2  # PyObject_HEAD (Py_TRACE_REFS: 4 words)

    def read(address):
        return ctypes.c_void_p.from_address(address).value or 0

    def interpreter_frame(frame):
        return read(id(frame) + (head + 1) * word)  # after ob_refcnt, ob_type, f_back

    def slot_of_locals(frame, expected):
        base = interpreter_frame(frame)
        if not base:
            return None
        # f_locals follows f_globals and f_builtins in both 3.11 and 3.12.
        for index in range(8):
            if (read(base + index * word) == id(frame.f_globals)
                    and read(base + (index + 1) * word) == id(frame.f_builtins)
                    and read(base + (index + 2) * word) == expected):
                return index + 2
        return None

    def calibrate():
        names = locals()  # creates this frame's locals dict
        return slot_of_locals(sys._getframe(), id(names))

    try:
        slot = calibrate()
    except Exception:
        slot = None
    if slot is None:
        return None

    def peek(frame):
        address = read(interpreter_frame(frame) + slot * word)
        if not address:
            return None
        return ctypes.cast(address, ctypes.py_object).value

    return peek


_peek_locals = _frame_locals_peeker()


def held_dicts(frame):
    """The dicts that reading frame.f_locals may refresh, found without
    reading it: the frame's locals dict where it already exists.  Returns
    (namespace or None, [dicts]); namespace is the frame's locals mapping
    when it is known to be one (any type)."""
    if not SYNCING_F_LOCALS:
        return None, []
    if _peek_locals is not None:
        names = _peek_locals(frame)
        return names, ([names] if type(names) is dict else [])
    refs = gc.get_referents(frame)
    if CPYTHON:
        # 3.8-3.10: the frame visits f_back, f_code, f_builtins, f_globals,
        # then f_locals (when set), f_trace, the fast locals...
        for i, ref in enumerate(refs):
            if ref is frame.f_globals and i + 1 < len(refs):
                names = refs[i + 1]
                if not frame.f_code.co_flags & CO_OPTIMIZED:
                    return names, ([names] if type(names) is dict else [])
                # A function's f_locals is a dict; a dict here may also be
                # its first fast local, which a refresh leaves alone.
                return None, ([names] if type(names) is dict else [])
        return None, []
    # Other implementations (PyPy reads in a forked copy and gets here only
    # without fork): no fixed order; every dict the frame refers to is a
    # candidate (only the frame's own locals dict can change).
    skip = (frame.f_globals, frame.f_builtins)
    return None, [r for r in refs if type(r) is dict and not any(r is s for s in skip)]


def _same_items(a, b):
    return len(a) == len(b) and all(x[0] is y[0] and x[1] is y[1] for x, y in zip(a, b))


class MappingNotRead(Exception):
    """The frame's locals are a case-defined mapping (a class body whose
    metaclass __prepare__ returned one): reading it would run case code."""


def read_f_locals(frame, restore):
    """dict(frame.f_locals) as [(name, value)], and the held dicts'
    previous contents for put_back() (empty unless `restore`).  Call
    put_back() once the values are converted: until then the dicts show
    what frame.f_locals made of them.  `restore` must be false inside a
    Python-level trampoline, which writes the dict back to the fast locals
    right after the hook."""
    names, dicts = held_dicts(frame) if restore else (None, [])
    if names is not None and not isinstance(names, dict):
        raise MappingNotRead(type(names).__qualname__)
    saved = [(d, list(d.items())) for d in dicts]
    try:
        mapping = frame.f_locals
        if isinstance(mapping, dict):
            return list(dict.items(mapping)), saved  # dict.items: no overridden method runs
        if type(mapping).__name__ == "FrameLocalsProxy":  # 3.13+
            return list(mapping.items()), saved
        raise MappingNotRead(type(mapping).__qualname__)
    except BaseException:
        put_back(saved)
        raise


def put_back(saved):
    """Give each held dict its previous contents, if reading changed it."""
    for d, items in saved:
        if not _same_items(list(d.items()), items):
            d.clear()
            d.update(items)


# ---------------------------------------------------------------------------
# The interpreter's builtins, for runner code


class PristineBuiltins(object):
    """`with PRISTINE:` runs runner code with the builtins as they were when
    this module was imported, even while the case has rebound some
    (`builtins.len = lambda obj: 42`), so what the runner records is never
    computed with the case's replacements; the case's builtins are put back
    on exit.  Cheap when nothing was rebound (one dict comparison).  The
    helpers are bound once here: the names `dict` and the rest may be the
    ones the case replaced."""

    def __init__(self):
        self.namespace = _builtins_module.__dict__
        self.original = dict(self.namespace)
        self.saved = []
        self._equal = dict.__eq__
        self._copy = dict.copy
        self._clear = dict.clear
        self._update = dict.update
        self._append = list.append
        self._pop = list.pop

    def __enter__(self):
        try:
            changed = not self._equal(self.namespace, self.original)
        except BaseException:  # noqa: B036 - a case-defined __eq__ may raise
            changed = True
        if changed:
            self._append(self.saved, self._copy(self.namespace))
            self._clear(self.namespace)
            self._update(self.namespace, self.original)
        else:
            self._append(self.saved, None)
        return self

    def __exit__(self, *exc_info):
        case_builtins = self._pop(self.saved)
        if case_builtins is not None:
            self._clear(self.namespace)
            self._update(self.namespace, case_builtins)
        return False

    def restore(self):
        """Put the builtins back as they were at start-up, for good (the
        in-process runner, between jobs)."""
        self._clear(self.namespace)
        self._update(self.namespace, self.original)


PRISTINE = PristineBuiltins()


# ---------------------------------------------------------------------------
# Recording one top-level call


class CallRecorder:
    """Records f_locals_at_return (and, in desugared mode,
    translation_frames and translation_names) for one top-level call:
    install() and uninstall() around the call, then result() gives them.

    In desugared mode (index.tmap set) a frame whose code has a user
    qualname (TranslationMap) is recorded under that name, with the `_dp_`
    names of its locals moved to translation_names; a class builder frame
    is recorded as the class body, with the class namespace as its locals.
    Frames of the translation's machinery go to translation_frames."""

    def __init__(self, filename, index, canonical_locals, infos):
        self.filename = filename
        self.index = index
        self.desugared = index.tmap is not None
        self.canonical_locals = canonical_locals  # [(name, value)] -> canonical "locals"
        self.infos = infos  # id(code) -> (code, CodeInfo), shared by the job's calls
        self.entries = {"f_locals_at_return": [], "translation_frames": []}
        self.dropped = {"f_locals_at_return": 0, "translation_frames": 0}
        self.moved = []  # [{"entry": index in f_locals_at_return, "names": [...]}]
        self.running = set()  # ids of suspendable frames between start and leave
        self.hook = None
        self.previous = None
        self.thread = get_ident()  # only this thread's frames are observed
        self.finished = False  # set by uninstall(): later timer calls are ignored

    # -- installation -------------------------------------------------------

    def install(self):
        """Install the hook (runner.run_captured calls this right before the
        top-level function, and uninstall() right after, so the case runs at
        the same stack depth as without the hook).  Should installing fail,
        the lists say why: [{"hook_error": type name}]."""
        self.previous = sys.getprofile()
        try:
            self.hook = _make_hook(self)
            sys.setprofile(None)  # (3.12+ _lsprof would not replace it)
            self.hook.install()
        except BaseException as err:  # noqa: B036 - e.g. 3.12+: profiler tool id taken
            self.hook = None
            self.mark({"hook_error": type(err).__name__})
            sys.setprofile(self.previous)

    def uninstall(self):
        """Remove the hook and put back the profile function that was set
        before install() (a case's own one is dropped with ours)."""
        self.finished = True
        try:
            if self.hook is not None:
                self.hook.uninstall()
        finally:
            self.hook = None
            sys.setprofile(self.previous)

    def mark(self, entry):
        """Add a marker entry (not a frame) to both lists."""
        for key in self.entries:
            self.entries[key].append(entry)

    def result(self):
        out = {}
        for key in ("f_locals_at_return", "translation_frames"):
            if key == "translation_frames" and not self.desugared:
                continue
            out[key] = self.entries[key] + (
                [{"truncated": self.dropped[key]}] if self.dropped[key] else [])
        if self.desugared:
            out["translation_names"] = {"f_locals_at_return": self.moved}
        return out

    # -- events -------------------------------------------------------------

    def info(self, code):
        entry = self.infos.get(id(code))
        if entry is None or entry[0] is not code:
            entry = (code, CodeInfo(code))
            self.infos[id(code)] = entry
        return entry[1]

    def tick(self):
        """The _lsprof timer: called on each call and return of a Python
        frame, which is sys._getframe(1).  Returns the time, always 0."""
        try:
            if self.finished or get_ident() != self.thread:
                return 0  # (3.12+: sys.monitoring reports every thread's frames)
            if NEAR_LIMIT_STOPS and near_recursion_limit():
                self.stop_near_recursion_limit()
            elif not (PROFILER_ON_MONITORING and sys.getprofile() is not None):
                # (3.12+: _lsprof runs beside the legacy profile slot, so a
                # profile function the case installed does not replace this
                # hook; it is ignored meanwhile, as a replaced one would be.)
                self.timer_event(sys._getframe(1))
        except BaseException:  # noqa: B036 - nothing may reach the case
            pass
        return 0

    def stop_near_recursion_limit(self):
        """CPython 3.8 only: a RecursionError raised (even if caught) inside
        the hook would leave 3.8's stack-overflow flag set and let the case
        recurse past its limit into a fatal error.  Stop observing this
        call before the hook could hit the limit."""
        sys.setprofile(None)  # unhooks _lsprof without calling the timer
        self.mark({"stopped": "near the recursion limit"})

    def timer_event(self, frame):
        """A call or a return of `frame`, not told which (_lsprof timer)."""
        code = frame.f_code
        if code.co_filename != self.filename:
            return
        with PRISTINE:  # a case frame: the rest is runner code
            self.case_timer_event(frame, code)

    def case_timer_event(self, frame, code):
        info = self.info(code)
        offset = frame.f_lasti
        if not info.suspendable:
            if not info.at_start(offset):
                self.leave(frame, code, info.leave_kind(offset), restore=True)
            return
        key = id(frame)
        if info.at_start(offset) or (info.at_suspension(offset) and key not in self.running):
            self.running.add(key)  # started or resumed
            return
        self.running.discard(key)
        self.leave(frame, code, info.leave_kind(offset), restore=True)

    def profile_event(self, frame, event, restore):
        """A sys.setprofile event."""
        if event != "return":
            return
        code = frame.f_code
        if code.co_filename != self.filename:
            return
        with PRISTINE:  # a case frame: the rest is runner code
            self.leave(frame, code, self.info(code).leave_kind(frame.f_lasti), restore)

    def leave(self, frame, code, kind, restore):
        """Record one returning frame (not a yield)."""
        if kind == "yield":
            return
        try:
            name = self.index.qualname(code, frame)
        except BaseException:  # noqa: B036
            name = code.co_name
        user = self.index.tmap.user_qualname(name) if self.desugared else name
        key = "f_locals_at_return" if user is not None else "translation_frames"
        if len(self.entries[key]) >= ENTRY_LIMIT:
            self.dropped[key] += 1
            return
        entry = {"function": user if user is not None else name}
        builder = self.desugared and user is not None and code.co_name == NS_BUILDER
        try:
            entry.update(self.read_forked(frame, builder) if READ_IN_CHILD
                         else self.read(frame, restore, builder))
        except BaseException as err:  # noqa: B036 - never let the case see it
            entry = {"function": entry["function"], "error": type(err).__name__}
        if kind == "exception":
            entry["exception"] = True
        internal = entry.pop("translation_names", None)
        if internal and key == "f_locals_at_return":
            self.moved.append({"entry": len(self.entries[key]), "names": internal})
        elif internal:
            entry["translation_names"] = internal  # machinery: shown as it is
        self.entries[key].append(entry)

    def read(self, frame, restore, builder=False):
        """{"locals": ...} (and "translation_names") for a returning frame;
        for a class builder frame the locals are the class namespace."""
        try:
            pairs, held = read_f_locals(frame, restore)
        except MappingNotRead as err:
            return {"unread_mapping": str(err)}
        out = {}
        try:
            internal = []
            if builder:
                internal = [k for k, _ in pairs]
                namespace = getattr(dict(pairs).get("_dp_class_ns"), "_namespace", None)
                if type(namespace) is not dict:
                    return {"unread_mapping": type(namespace).__qualname__,
                            "translation_names": sorted(internal)}
                pairs = list(dict.items(namespace))
            if self.desugared:
                internal += [k for k, _ in pairs if _is_dp_name(k) and k != DP_ITER]
                pairs = [(".0" if k == DP_ITER else k, v) for k, v in pairs
                         if k == DP_ITER or not _is_dp_name(k)]
                if internal:
                    out["translation_names"] = sorted(internal)
            # Converting runs case code (reprs); what it prints is discarded.
            stdout = sys.stdout
            sys.stdout = _Discard()
            try:
                out["locals"] = self.canonical_locals(pairs)
            finally:
                sys.stdout = stdout
        finally:
            put_back(held)
        return out

    def read_forked(self, frame, builder=False):
        """self.read(frame) done in a forked copy of the process, so that
        this process never builds a locals dict (PyPy, see the module
        docstring).  The copy sends the JSON text back and exits."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_fd)
                import signal

                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.alarm(CHILD_TIME_LIMIT)
                try:
                    data = self.read(frame, False, builder)
                except BaseException as err:  # noqa: B036
                    data = {"error": type(err).__name__}
                payload = json.dumps(data).encode("utf-8")
                while payload:
                    payload = payload[os.write(write_fd, payload):]
            finally:
                os._exit(0)
        os.close(write_fd)
        chunks = []
        try:
            while True:
                chunk = os.read(read_fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(read_fd)
            _, status = os.waitpid(pid, 0)
        try:
            return json.loads(b"".join(chunks).decode("utf-8"))
        except ValueError:
            return {"error": "reader exited with status %d" % status}


class _Discard(object):
    def write(self, text):
        return len(text)

    def flush(self):
        pass


# ---------------------------------------------------------------------------
# Hooks

# What a case sees of the hook, where sys.getprofile() returns it during a
# call (CPython <= 3.11, free-threaded builds, PyPy): the same on every build.
HOOK_NAME = "FLocalsHook"
HOOK_REPR = "<pyconform f_locals hook>"


class _ProfileHook(object):
    """sys.setprofile(hook): on free-threaded builds, and the fallback when
    _lsprof is missing.  A hook that cannot start at the recursion limit
    raises RecursionError into the case there.  On CPython <= 3.12 its
    trampoline would refresh a held locals dict at every event, and the
    dict cannot be restored (the trampoline writes it back to the fast
    locals after the hook)."""

    __qualname__ = HOOK_NAME
    restore = not CPYTHON or sys.version_info >= (3, 13)

    def __init__(self, recorder):
        self.recorder = recorder

    def __repr__(self):
        return HOOK_REPR

    def install(self):
        sys.setprofile(self)

    def uninstall(self):
        sys.setprofile(None)

    def __call__(self, frame, event, arg):
        try:
            self.recorder.profile_event(frame, event, self.restore)
        except BaseException:  # noqa: B036
            pass


def _free_threaded():
    """True while the GIL is off (3.13t+): _lsprof is not thread-safe then,
    and on sys.monitoring it hears every thread, so it would race with them."""
    is_gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return is_gil_enabled is not None and not is_gil_enabled()


def _make_hook(recorder):
    if _LsprofHook is None or _free_threaded():
        return _ProfileHook(recorder)
    hook = _LsprofHook(recorder.tick, 0.0, False, False)  # timer, unit, subcalls, builtins
    hook.recorder = recorder
    return hook


def _lsprof_hook_class():
    """The _lsprof profiler used as the hook (see the module docstring).
    Arguments go to the constructor itself: PyPy takes them in __new__."""
    try:
        import _lsprof
    except ImportError:
        return None

    class LsprofHook(_lsprof.Profiler):
        __qualname__ = HOOK_NAME
        tool = None  # 3.12+: our sys.monitoring tool id

        def __repr__(self):
            return HOOK_REPR

        def install(self):
            if PROFILER_ON_MONITORING and self._install_as_own_tool():
                return
            self.enable(subcalls=False, builtins=False)

        def _install_as_own_tool(self):
            """3.12+: enable() would take sys.monitoring's PROFILER_ID, so a
            case using cProfile would fail with "Another profiling tool is
            already active".  Register the profiler's own C callbacks (which
            call the timer, as enable() would) under a free tool id instead."""
            monitoring = sys.monitoring
            events = monitoring.events
            start = getattr(self, "_pystart_callback", None)
            leave = getattr(self, "_pyreturn_callback", None)
            free = [t for t in FREE_TOOL_IDS if monitoring.get_tool(t) is None]
            if start is None or leave is None or not free:
                return False
            table = [(events.PY_START, start), (events.PY_RESUME, start), (events.PY_RETURN, leave),
                     (events.PY_YIELD, leave), (events.PY_UNWIND, leave)]
            # As enable() does: 3.14 added a callback of the right arity.
            table.append((events.PY_THROW, getattr(self, "_pythrow_callback", start)))
            self.events = [event for event, _ in table]
            self.tool = free[0]
            monitoring.use_tool_id(self.tool, HOOK_NAME)
            try:
                mask = 0
                for event, callback in table:
                    monitoring.register_callback(self.tool, event, callback)
                    mask |= event
                monitoring.set_events(self.tool, mask)
            except BaseException:
                self.uninstall()
                raise
            return True

        def uninstall(self):
            if self.tool is None:
                self.disable()
                return
            monitoring = sys.monitoring
            monitoring.set_events(self.tool, 0)
            for event in self.events:
                monitoring.register_callback(self.tool, event, None)
            monitoring.free_tool_id(self.tool)

        def __call__(self, frame, event, arg):
            """Before 3.12 (and on PyPy) sys.getprofile() returns this
            object during the call; a case that saved it and puts it back
            with sys.setprofile makes it a Python-level profile function.
            Take this event, then switch back to the C-level profiler."""
            try:
                restore = not CPYTHON or sys.version_info >= (3, 13)
                self.recorder.profile_event(frame, event, restore)
                self.enable(subcalls=False, builtins=False)
            except BaseException:  # noqa: B036
                pass

    return LsprofHook


_LsprofHook = _lsprof_hook_class()


# ---------------------------------------------------------------------------
# CPython 3.8: the recursion-limit guard (CallRecorder.stop_near_recursion_limit)

HOOK_BUDGET = 150  # stack levels the hook may use (canonical() nests up to ~100)


def _recursion_depth_reader():
    """CPython 3.8: a function returning PyThreadState.recursion_depth (the
    count the recursion limit applies to, C-level calls included), read
    through ctypes after checking that one more Python call adds one; None
    when that check fails (near_recursion_limit then counts frames)."""
    try:
        import ctypes

        get_state = ctypes.pythonapi.PyThreadState_Get
        get_state.restype = ctypes.c_void_p
        offset = 4 * ctypes.sizeof(ctypes.c_void_p)  # after prev, next, interp, frame

        def depth():
            return ctypes.c_int.from_address(get_state() + offset).value

        def nested():
            return depth()

        outer = depth()
        if 0 < outer < sys.getrecursionlimit() and nested() == outer + 1:
            return depth
    except Exception:
        pass
    return None


def near_recursion_limit():
    limit = sys.getrecursionlimit()
    if _recursion_depth is not None:
        return _recursion_depth() + HOOK_BUDGET >= limit
    try:  # Python frames only: leave room for C-level calls too
        sys._getframe(max(limit - 2 * HOOK_BUDGET, 0))
    except ValueError:
        return False
    return True


FREE_TOOL_IDS = (4, 3)  # sys.monitoring ids no standard tool claims
NEAR_LIMIT_STOPS = CPYTHON and sys.version_info[:2] == (3, 8)
_recursion_depth = _recursion_depth_reader() if NEAR_LIMIT_STOPS else None
PROFILER_ON_MONITORING = CPYTHON and sys.version_info >= (3, 12)
