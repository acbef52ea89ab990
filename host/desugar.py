"""pyconform desugarer: translate a case's Python source into the "desugared"
form run against the runtime module runners/__dp__.py (bound as the global
`__dp__`).  The reference is the translation in cases/000_scope_locals.case:
for that source the output is byte-identical.

Translated:
  * `def NAME` -> `def _dp_fn_NAME`, then `NAME = __dp__.update_fn(_dp_fn_NAME,
    QUALNAME_PREFIX, "NAME")` and `del _dp_fn_NAME` (no del in a translated
    class body, where the temporary is a local of the namespace builder).
    Decorators are applied around the update_fn call; decorator expressions
    that may run code are first stored in `_dp_decorator_N` temporaries
    when the defaults or annotations may run code too (evaluation order).
  * `class` -> a `_dp_create_class_<qualname>` function holding the body as
    `_dp_ns_builder(_dp_class_ns)` and returning `__dp__.create_class(...)`.
    Names stored by the body become `_dp_class_ns.NAME`; names read become
    `__dp__.class_lookup("NAME", _dp_class_ns, _dp_lambda_N)` with a helper
    reading NAME from the enclosing scope (from the globals when the body
    also stores NAME, as CPython does); `locals()` becomes
    `_dp_class_ns._namespace`; exec / eval / vars / dir without their
    namespaces become `__dp__.class_ns_call(FUNC, _dp_class_ns, ...)`.
    A body whose nested scopes read `__classdict__` gets 3.14's implicit
    cell: `if __dp__.CLASSDICT_CELL: __classdict__ = _dp_class_ns._namespace`.
    A class whose functions use super() / __class__ has a cell: the
    builder declares `__class__: type` and ends with
    `return __dp__.set_classcell(_dp_class_ns, _dp_class_cell)`; private
    names are mangled first (prepare_classes); names declared global /
    nonlocal in the body are plain names of the builder.  Only classes
    with type parameters, statements the builder cannot hold, or f-strings
    with private names copied as they are stay `class` statements (with the
    right __qualname__) and are listed; --conservative keeps the older
    guards too (frame introspection in the module, super(), private
    names, global / nonlocal, implicit namespaces).
  * operators: binary, unary, augmented assignment, single comparisons, and
    chained ones with name / constant middle operands -> `__dp__.add(a, b)`
    & co.  (`and`, `or`, `x if c else y` are kept: they short-circuit.)
  * subscripts -> getitem / setitem / delitem, a slice `a:b:c` becoming
    `__dp__.slice(a, b, c)` (None for a part left out); a store whose
    value or target runs code goes through a `_dp_value_N` temporary so
    that the value is evaluated first, as in the source (`obj[key] op= v`
    evaluates obj and key once, into two temporaries); list / set / dict
    displays -> `__dp__.list((...))`, `__dp__.set((...))`,
    `__dp__.dict(((k, v), ...))`.
  * lambdas -> `def _dp_lambda_N(ARGS): return BODY` before the statement,
    with `__name__ = "<lambda>"` and the source's `__qualname__` (the
    seed's helper convention); defaults other than constants are given by
    `__dp__.with_defaults(_dp_lambda_N, ...)` where the lambda was.  In a
    function or the module the helper is deleted after its statement.
    Lambdas stay lambdas where no statement can hold the helper: in
    comprehensions kept as they are, match guards, and class bodies kept as classes (wrapped
    in update_fn where the renamed functions would change their
    __qualname__), and are listed.
  * comprehensions and generator expressions -> a `def _dp_comp_N(_dp_iter)`
    helper before the statement (a generator function for a generator
    expression), named as CPython's comprehension functions before 3.12
    (`<listcomp>` & co., the source's __qualname__) and called as
    `_dp_comp_N(__dp__.iter(FIRST_ITERABLE))`, the first iterable
    evaluated where the comprehension was; deleted after the statement as
    lambda helpers are; `locals()` in it is `__dp__.comp_locals(locals())`.
    Kept (and listed): async comprehensions, comprehensions with `:=`,
    in match guards, in class bodies kept as classes, inside kept lambdas
    or comprehensions, and with --conservative.
  * a class's `__module__` is read as CPython reads it: `global __name__`
    in the helper unless __name__ is free in the class; with bases or
    keywords the namespace gets `__annotations__` only when __prepare__
    did not supply one (`__dp__.setup_annotations`).
Temporaries (`_dp_lambda_N`, `_dp_comp_N`, `_dp_value_N`) are deleted after their
statement (not after return / raise); at module level in a `finally`, so
that none outlives its statement (the runner calls every module-level
function).

Everything else (f-strings,
for / with / try / import / match / assert / yield / await / walrus, ...)
is re-emitted as it was and listed by desugar() as (line, construct).
Source that parses but does not compile is returned unchanged (listed).
See docs/desugar.md for the conventions.

Usage: python host/desugar.py [--conservative] FILE|-   (translation on stdout, the
untranslated constructs as `untranslated: LINE: CONSTRUCT` lines on stderr;
exit status 1 when the source does not parse), or
       python host/desugar.py [--conservative] --batch   (the harness: many sources, NDJSON).  Python 3.8+, stdlib `ast`
and `symtable` only (no ast.unparse).
"""
import ast
import sys
import warnings

BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul",
          ast.Div: "truediv", ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow",
          ast.LShift: "lshift", ast.RShift: "rshift", ast.BitAnd: "and_",
          ast.BitOr: "or_", ast.BitXor: "xor"}
UNARYOPS = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert", ast.Not: "not_"}
CMPOPS = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt",
          ast.GtE: "ge", ast.Is: "is_", ast.IsNot: "is_not", ast.In: "in_",
          ast.NotIn: "not_in"}

# Operator precedence, lowest first (the order of the Python grammar).  Tuples
# are always emitted in parentheses, so statements use P_TEST (P_YIELD for an
# expression statement, the one place where a bare yield is allowed).
(P_NAMED, P_TUPLE, P_YIELD, P_TEST, P_OR, P_AND, P_NOT, P_CMP, P_BOR, P_BXOR,
 P_BAND, P_SHIFT, P_ARITH, P_TERM, P_FACTOR, P_POWER, P_AWAIT, P_ATOM) = range(18)
BINPREC = {ast.Add: (P_ARITH, "+"), ast.Sub: (P_ARITH, "-"), ast.Mult: (P_TERM, "*"),
           ast.MatMult: (P_TERM, "@"), ast.Div: (P_TERM, "/"), ast.FloorDiv: (P_TERM, "//"),
           ast.Mod: (P_TERM, "%"), ast.Pow: (P_POWER, "**"), ast.LShift: (P_SHIFT, "<<"),
           ast.RShift: (P_SHIFT, ">>"), ast.BitOr: (P_BOR, "|"), ast.BitXor: (P_BXOR, "^"),
           ast.BitAnd: (P_BAND, "&")}
UNARYSYM = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~", ast.Not: "not "}
CMPSYM = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
          ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
          ast.NotIn: "not in"}

# Identifiers that reveal frames: a class body turned into a function would
# show the builder's frame instead of the class namespace, so no class is
# translated in a module that uses any of them.
FRAME_WORDS = {"_getframe", "currentframe", "f_back", "f_locals", "tb_frame", "gi_frame",
               "cr_frame", "ag_frame", "settrace", "setprofile", "getouterframes",
               "getinnerframes", "inspect", "extract_stack", "print_stack", "format_stack",
               "walk_stack"}
# Builtins that read the caller's namespace implicitly, with the fewest
# positional arguments that make them explicit (see class_problem).
IMPLICIT_NS = {"locals": None, "vars": 1, "dir": 1, "exec": 2, "eval": 2}
COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


class DesugarError(Exception):
    """The desugarer produced something invalid (a bug in this file)."""


class _Unsafe(Exception):
    """An f-string cannot be re-emitted from its AST on every version."""


def quote(value, q='"'):
    """A str or bytes literal using the quote character q."""
    r = repr(value)
    prefix = "b" if isinstance(value, bytes) else ""
    old, body = r[len(prefix)], r[len(prefix) + 1:-1]
    if old == q:
        return r
    out, i = [], 0
    while i < len(body):  # re-escape: drop \' escapes, escape q
        c = body[i]
        if c == "\\":
            nxt = body[i + 1]
            out.append(nxt if nxt == old else c + nxt)
            i += 2
            continue
        out.append("\\" + c if c == q else c)
        i += 1
    return prefix + q + "".join(out) + q


def literal(value, q='"'):
    """Source text for a constant as produced by ast.parse."""
    if isinstance(value, (str, bytes)):
        return quote(value, q)
    if value is Ellipsis:
        return "..."
    if isinstance(value, float):
        return "1e309" if value == float("inf") else repr(value)
    if isinstance(value, complex):  # literals are imaginary only
        return "1e309j" if value.imag == float("inf") else repr(value)
    return repr(value)


def is_private(name):
    return bool(name) and name.startswith("__") and not name.endswith("__")


def slice_key(sub):
    """The key of a Subscript as a 3.9+ expression (3.8 wraps it in Index/ExtSlice)."""
    s = sub.slice
    if type(s).__name__ == "Index":
        return s.value
    if type(s).__name__ == "ExtSlice":
        return ast.Tuple(elts=[d.value if type(d).__name__ == "Index" else d for d in s.dims],
                         ctx=ast.Load())
    return s


def has_slice(key):
    return isinstance(key, ast.Slice) or (
        isinstance(key, ast.Tuple) and any(isinstance(e, ast.Slice) for e in key.elts))


def key_parts(key):
    """The expressions a subscript key evaluates (a slice's bounds and step)."""
    if isinstance(key, ast.Slice):
        return [x for x in (key.lower, key.upper, key.step) if x is not None]
    if isinstance(key, ast.Tuple) and has_slice(key):
        return [x for e in key.elts for x in key_parts(e)]
    return [key]


def is_inert(node):
    """Evaluating node runs no user code: a constant, a name, a tuple of
    those, or locals().  (It may still see a name rebound by other code.)"""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Tuple):
        return all(is_inert(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_number(node.operand)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "locals" and not node.args and not node.keywords)


def is_plain(node):
    """Evaluating node calls no user function (names, attributes, constants, displays)."""
    if isinstance(node, (ast.Attribute, ast.Starred)):
        return is_plain(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(is_plain(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return None not in node.keys and all(is_plain(e) for e in node.keys + node.values)
    return is_inert(node)


def movable(value, *others):
    """`obj[key] = value` evaluates value first, setitem(obj, key, value)
    last: allowed when value is a constant, or when nothing runs user code
    (which could rebind a name the other parts read)."""
    if isinstance(value, ast.Constant) or (isinstance(value, ast.UnaryOp) and is_inert(value)):
        return True
    return is_inert(value) and all(is_inert(o) for o in others)


def is_number(node):
    return (isinstance(node, ast.Constant) and not isinstance(node.value, bool)
            and isinstance(node.value, (int, float, complex)))


def sub_blocks(stmt):
    """The statement lists nested in a compound statement."""
    blocks = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody")]
    blocks += [h.body for h in getattr(stmt, "handlers", [])]
    blocks += [c.body for c in getattr(stmt, "cases", [])]
    return [b for b in blocks if isinstance(b, list)]


def scope_statements(body):
    """The statements of one scope, nested blocks included, nested scopes not."""
    for stmt in body:
        yield stmt
        if not isinstance(stmt, DEFS + (ast.ClassDef,)):
            for block in sub_blocks(stmt):
                for inner in scope_statements(block):
                    yield inner


def scope_walk(node):
    """node and the sub-expressions evaluated in the same scope as node."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, ast.Lambda):
            todo += n.args.defaults + [d for d in n.args.kw_defaults if d]
        elif isinstance(n, COMPS):
            todo.append(n.generators[0].iter)
        else:
            todo += list(ast.iter_child_nodes(n))


def nested_strings(fstring):
    """An f-string with strings in its replacement fields (may be copied from
    the source as it is, see e_JoinedStr)."""
    return any(isinstance(fv, ast.FormattedValue) and any(
        isinstance(x, ast.JoinedStr) or (isinstance(x, ast.Constant) and isinstance(x.value, (str, bytes)))
        for x in ast.walk(fv.value)) for fv in ast.walk(fstring))


def has_docstring(body):
    return bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)


def declared_globals(body):
    return {name for s in scope_statements(body) if isinstance(s, ast.Global) for name in s.names}


def free_name_classes(source, name):
    """(line, class name) of the classes of source in which name is a free
    variable (the compiler's own analysis, module symtable; where there is
    no symtable module, as on PyPy, the classes whose body or nested
    functions read name)."""
    try:
        import symtable
    except ImportError:
        return {(c.lineno, c.name) for c in ast.walk(ast.parse(source)) if isinstance(c, ast.ClassDef)
                and any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
                        for n in ast.walk(c))}
    found = set()
    todo = [symtable.symtable(source, "<source>", "exec")]
    while todo:
        table = todo.pop()
        if table.get_type() == "class":
            try:
                if table.lookup(name).is_free():
                    found.add((table.get_lineno(), table.get_name()))
            except KeyError:
                pass
        todo += table.get_children()
    return found


def mangle(private, name):
    """CPython's private-name mangling (_Py_Mangle): `__x` in a class named
    private becomes `_private__x`, leading underscores of the class name
    stripped; dunder names, dotted names and classes named only with
    underscores are left alone."""
    if not private or not is_private(name) or "." in name:
        return name
    stripped = private.lstrip("_")
    return "_" + stripped + name if stripped else name


SCOPES = DEFS + (ast.Lambda,) + COMPS


def class_scopes(cls):
    """The nodes of the function scopes inside the class cls (methods, their
    nested functions, lambdas, comprehensions), with the scope each node
    belongs to; a nested class's body is its own (its decorators, bases and
    keywords are not)."""
    todo = [(child, None) for child in cls.body]
    while todo:
        n, owner = todo.pop()
        yield n, owner
        if isinstance(n, ast.ClassDef):
            todo += [(x, owner) for x in n.decorator_list + n.bases + n.keywords]
            continue
        inner = n if isinstance(n, SCOPES) else owner
        for child in ast.iter_child_nodes(n):
            todo.append((child, inner))


def static_attributes(cls):
    """__static_attributes__ as CPython 3.13 computes it: the names X stored
    as `self.X` in the function scopes of the class body (not as targets of
    augmented assignment; unmangled), sorted."""
    aug = {id(n.target) for n, _ in class_scopes(cls) if isinstance(n, ast.AugAssign)}
    return tuple(sorted({n.attr for n, owner in class_scopes(cls)
                         if owner is not None and isinstance(n, ast.Attribute)
                         and isinstance(n.ctx, ast.Store) and id(n) not in aug
                         and isinstance(n.value, ast.Name) and n.value.id == "self"}))


def prepare_classes(tree):
    """Before translating (not in conservative mode): give each class what
    the compiler gives it.
      * `_dp_static`: its __static_attributes__ (computed before mangling).
      * `_dp_cell`: a function scope in it uses super() or __class__, so the
        class has a __class__ cell; a function loading `super` without
        naming __class__ gets an `if False: __class__` statement (a lambda:
        `_dp_class_ref`, a comprehension: an `if True or __class__`
        condition) so that __class__ stays one of its free variables when
        it is no longer inside a class.
      * private names mangled in the class and everything inside it
        (identifiers, attributes, parameters, global / nonlocal, import
        aliases; not keyword arguments, as in CPython); a def / class named `__x` keeps its name and is
        stored under `_dp_store`."""
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        cls._dp_static = static_attributes(cls)
        own = {}  # scope node -> (loads super, names __class__)
        for n, owner in class_scopes(cls):
            if owner is not None and isinstance(n, ast.Name) and n.id in ("super", "__class__"):
                sup, cl = own.get(owner, (False, False))
                own[owner] = (sup or (n.id == "super" and isinstance(n.ctx, ast.Load)),
                              cl or n.id == "__class__")
        cls._dp_cell = bool(own)
        for scope, (sup, cl) in own.items():
            if not sup or cl:
                continue
            ref = ast.Name(id="__class__", ctx=ast.Load(), lineno=0, col_offset=0)
            if isinstance(scope, DEFS):
                at = 1 if has_docstring(scope.body) else 0
                scope.body.insert(at, ast.If(test=ast.Constant(value=False), body=[ast.Expr(value=ref)],
                                             orelse=[], lineno=scope.lineno, col_offset=0))
            elif isinstance(scope, ast.Lambda):
                scope._dp_class_ref = True
            else:
                scope.generators[-1].ifs.append(ast.BoolOp(op=ast.Or(), values=[
                    ast.Constant(value=True), ref]))
    _mangle_block(tree, None)


def _mangle_block(node, private):
    """Mangle the private names under node, private being the innermost class."""
    for child in ast.iter_child_nodes(node):
        _mangle_visit(child, private)


def _mangle_visit(n, private):
    if isinstance(n, ast.ClassDef):  # its name and arguments belong to the enclosing scope
        for x in n.decorator_list + n.bases + n.keywords:
            _mangle_visit(x, private)
        if private and mangle(private, n.name) != n.name:
            n._dp_store = mangle(private, n.name)
        for x in n.body:
            _mangle_visit(x, n.name)
        return
    _mangle_node(n, private)
    _mangle_block(n, private)


def _mangle_node(n, private):
    """Mangle the names n itself holds; n._dp_mangled when some changed."""
    if not private:
        return
    fields = {ast.Name: "id", ast.Attribute: "attr", ast.arg: "arg", ast.ExceptHandler: "name"}
    field = fields.get(type(n))
    if field is None and type(n).__name__ in ("MatchAs", "MatchStar"):
        field = "name"
    elif field is None and type(n).__name__ == "MatchMapping":
        field = "rest"
    old = getattr(n, field, None) if field else None
    if isinstance(old, str) and mangle(private, old) != old:
        setattr(n, field, mangle(private, old))
        n._dp_mangled = True
    elif isinstance(n, (ast.Global, ast.Nonlocal)):
        n.names = [mangle(private, x) for x in n.names]
    elif isinstance(n, ast.alias):
        stored = n.asname or n.name
        if mangle(private, stored) != stored:
            n.asname = mangle(private, stored)
    elif isinstance(n, DEFS) and mangle(private, n.name) != n.name:
        n._dp_store = mangle(private, n.name)


class _Scope(object):
    """One scope of the source while translating.

    prefix / ct_prefix: the qualname prefix of what is defined here, as the
    source has it and as the compiler computes it for the translation (the
    two differ inside renamed functions); None where it depends on the
    version (inside list/set/dict comprehensions, inlined since 3.12)."""

    def __init__(self, kind, prefix, ct_prefix, globals_=(), bound=(), helper_qual=None,
                 declared=(), cell=False):
        self.kind = kind  # module function class nsclass lambda genexp comp
        self.prefix = prefix
        self.ct_prefix = ct_prefix
        self.globals = set(globals_)  # names declared global in this scope
        self.bound = set(bound)  # nsclass: names the class body stores
        self.helper_qual = helper_qual  # nsclass: __qualname__ of _dp_lambda_N helpers
        # nsclass: names declared global or nonlocal in the body (plain names
        # in the builder, which declares them too), and whether the class has
        # a __class__ cell (the maker's local __class__)
        self.declared = set(declared)
        self.cell = cell


class _Translator(object):
    def __init__(self, source, tree, conservative=False):
        self.source = source
        self.conservative = conservative
        self.lines = []
        self.pending = []  # helper lines (relative depth, text or None) for the next statement
        self.counter = 0  # _dp_lambda_N numbering, module-wide
        self.values = 0  # _dp_value_N numbering (subscript stores), module-wide
        # Temporaries of the statement being emitted, deleted after it (see
        # block()); stmt_start: where its own lines begin, after its helpers.
        self.stmt_temps = []
        self.stmt_start = None
        self.keep_lambdas = None  # why lambdas are kept as they are here (match guards)
        self.notes = set()
        self.quote = '"'
        self.raw = False  # emit without translating (unevaluated annotations, patterns)
        self.future_annotations = any(
            isinstance(s, ast.ImportFrom) and s.module == "__future__"
            and any(a.name == "annotations" for a in s.names) for s in tree.body)
        self.frames = conservative and self.uses_frames(tree)
        # A class body's __module__ is `__name__` read as the body reads
        # names: when __name__ is free in the class (the body, or a function
        # in it, reads an enclosing function's __name__), from the namespace
        # then that closure; otherwise (LOAD_NAME) from the namespace, the
        # module's globals, the builtins, never from a function's local
        # __name__.  Where some scope binds __name__, the helper of a class
        # in which it is not free reads it `global` (the seed's classes have
        # no such scope, hence the plain helper).
        self.binds_dunder_name = any(
            (isinstance(n, ast.Name) and n.id == "__name__" and not isinstance(n.ctx, ast.Load))
            or (isinstance(n, ast.arg) and n.arg == "__name__")
            or (isinstance(n, DEFS + (ast.ClassDef,)) and n.name == "__name__")
            or (isinstance(n, ast.alias) and (n.asname or n.name) == "__name__")
            or (isinstance(n, (ast.Global, ast.Nonlocal)) and "__name__" in n.names)
            for n in ast.walk(tree))
        self.free_dunder_name = free_name_classes(source, "__name__") if self.binds_dunder_name else set()
        self.scopes = [_Scope("module", "", "", declared_globals(tree.body))]

    # ------------------------------------------------------------------ output

    @property
    def scope(self):
        return self.scopes[-1]

    def out(self, depth, text):
        self.lines.append("    " * depth + text)

    def blank_before_def(self, depth):
        if depth > 0:  # nested definitions get one blank line, top-level ones none
            self.lines.append("")

    def flush(self, depth):
        """Emit the helpers needed by the statement about to be emitted."""
        for rel, text in self.pending:
            if text is None:
                self.blank_before_def(depth + rel)
            else:
                self.out(depth + rel, text)
        self.pending = []
        if self.stmt_start is None:
            self.stmt_start = len(self.lines)

    def note(self, node, construct):
        if not self.raw:
            self.notes.add((getattr(node, "lineno", 0), construct))

    def lit(self, value):
        return literal(value, self.quote)

    def module(self, tree):
        self.block(tree.body, 0)
        return "".join(line + "\n" for line in self.lines)

    # -------------------------------------------------------------- statements

    def block(self, body, depth):
        for stmt in body:
            outer = (self.stmt_temps, self.stmt_start)
            self.stmt_temps, self.stmt_start = [], None
            getattr(self, "s_" + type(stmt).__name__, self.s_unknown)(stmt, depth)
            if self.stmt_temps and not isinstance(stmt, (ast.Return, ast.Raise)):
                self.release(depth)  # (after return / raise it would never run)
            self.stmt_temps, self.stmt_start = outer

    def temp(self, name):
        """name (a _dp_lambda_N or _dp_value_N) is deleted after the statement,
        where it would be a variable the user can see: in a function or the
        module (a class builder's locals are the translation's own)."""
        if self.scope.kind in ("function", "module"):
            self.stmt_temps.append(name)

    def release(self, d):
        """`del` the statement's temporaries after it; at module level in a
        `finally`, so that none outlives the statement."""
        start = self.stmt_start if self.stmt_start is not None else len(self.lines)
        # (not around a multi-line f-string copied from the source: its
        # continuation lines cannot be indented)
        if self.scope.kind == "module" and not any("\n" in x for x in self.lines[start:]):
            self.lines[start:] = ["    " * d + "try:"] + ["    " + x if x else x
                                                         for x in self.lines[start:]]
            self.out(d, "finally:")
            d += 1
        for name in self.stmt_temps:
            self.out(d, "del " + name)

    def s_unknown(self, s, d):
        raise DesugarError("line %s: cannot emit %s" % (s.lineno, type(s).__name__))

    def bind(self, d, name, value):
        """NAME = value in the current scope."""
        target = "_dp_class_ns." + name if self.in_namespace(name) else name
        self.out(d, target + " = " + value)

    def in_namespace(self, name):
        """A name stored or read here is an item of the class namespace."""
        return self.scope.kind == "nsclass" and not self.raw and name not in self.scope.declared

    def def_prefix(self, name):
        """The qualname prefix given to a function or class NAME defined here
        (None at module level and for names declared global, as CPython does)."""
        scope = self.scope
        if scope.kind == "module" or name in scope.globals:
            return None
        return scope.prefix[:-1]

    def s_FunctionDef(self, s, d):
        decorators = [self.expr(x, P_ATOM) for x in s.decorator_list]
        kind = "async def " if isinstance(s, ast.AsyncFunctionDef) else "def "
        rest = self.type_params(s) + "(" + self.arguments(s.args, True) + ")" + (
            " -> " + self.annotation(s.returns) if s.returns else "") + ":"
        store = getattr(s, "_dp_store", s.name)  # mangled (__name__ is not)
        prefix = self.def_prefix(store)
        qual = (prefix + "." if prefix else "") + s.name
        self.flush(d)
        if self.scope.kind == "class":
            # An untranslated class keeps `def NAME`: a temporary would enter
            # its namespace (Enum rejects _dp_fn__sunder_).  The compiler gets
            # the qualname wrong inside renamed functions: update_fn in place.
            ct_qual = s.name if prefix is None else self.scope.ct_prefix + s.name
            if ct_qual == qual or not decorators:
                self.blank_before_def(d)
                for deco in decorators:
                    self.out(d, "@" + deco)
                self.function_body(s, d, kind + s.name + rest, qual, ct_qual)
                if ct_qual != qual:
                    self.out(d, "__dp__.update_fn(%s, %s, %s)" % (s.name, literal(prefix),
                                                                  literal(s.name)))
                return
        # Decorators are applied around update_fn after the def, so they are
        # evaluated after defaults and annotations.  When both may run user
        # code, evaluate the decorators first into temporaries.
        temps = []
        if not all(map(is_plain, s.decorator_list)) and not all(
                map(is_plain, [e for e in self.stmt_exprs(s) if e not in s.decorator_list])):
            temps = ["_dp_decorator_%d" % i for i in range(len(decorators))]
            for temp, deco in zip(temps, decorators):
                self.out(d, "%s = %s" % (temp, deco))
            decorators = temps
        fn = "_dp_fn_" + s.name
        self.blank_before_def(d)
        self.function_body(s, d, kind + fn + rest, qual, self.scope.ct_prefix + fn)
        value = "__dp__.update_fn(%s, %s, %s)" % (fn, literal(prefix), literal(s.name))
        for deco in reversed(decorators):
            value = "%s(%s)" % (deco, value)
        self.bind_and_del(d, store, value, [fn] + temps, bool(decorators))

    def function_body(self, s, d, header, qual, ct_qual):
        self.out(d, header)
        self.scopes.append(_Scope("function", qual + ".<locals>.", ct_qual + ".<locals>.",
                                  declared_globals(s.body)))
        self.block(s.body, d + 1)
        self.scopes.pop()

    def bind_and_del(self, d, name, value, temps, may_raise):
        """NAME = value, then del the temporaries.  At module level a failure
        must not leave them behind (the runner would call a function)."""
        if self.scope.kind == "nsclass":
            return self.bind(d, name, value)  # temporaries are builder locals
        if may_raise and self.scope.kind == "module":
            self.out(d, "try:")
            self.bind(d + 1, name, value)
            self.out(d, "finally:")
            d += 1
        else:
            self.bind(d, name, value)
        for temp in temps:
            self.out(d, "del " + temp)

    s_AsyncFunctionDef = s_FunctionDef

    def s_ClassDef(self, s, d):
        scope = self.scope
        store = getattr(s, "_dp_store", s.name)  # mangled (__name__ is not)
        prefix = self.def_prefix(store)
        qual = (prefix + "." if prefix else "") + s.name
        problem = self.class_problem(s)
        if problem is None and scope.kind == "class":
            problem = "enclosing class not translated"
        if problem is not None:
            return self.plain_class(s, d, qual, problem)
        maker = "_dp_create_class_" + qual.replace(".", "_").replace("<", "_").replace(">", "_")
        self.flush(d)
        self.blank_before_def(d)
        self.out(d, "def %s():" % maker)
        cell = getattr(s, "_dp_cell", False)
        self.blank_before_def(d + 1)
        self.out(d + 1, "def _dp_ns_builder(_dp_class_ns):")
        ct = scope.ct_prefix + maker + ".<locals>._dp_ns_builder.<locals>."
        bound = {n.id for st in scope_statements(s.body) for e in self.stmt_exprs(st)
                 for n in scope_walk(e) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        bound |= {getattr(st, "_dp_store", st.name) for st in scope_statements(s.body)
                  if isinstance(st, DEFS + (ast.ClassDef,))}
        declared = {name for st in scope_statements(s.body) if isinstance(st, (ast.Global, ast.Nonlocal))
                    for name in st.names}
        self.scopes.append(_Scope("nsclass", qual + ".", ct, declared_globals(s.body), bound - declared,
                                  scope.prefix + "<lambda>", declared, cell))
        module = self.lookup("__name__", self.binds_dunder_name
                             and (s.lineno, s.name) not in self.free_dunder_name)
        self.flush(d + 2)
        if cell:  # the class's __class__ cell, empty until type.__new__ sets it
            self.out(d + 2, "__class__: type")
        if any(owner is not None and isinstance(n, ast.Name) and n.id == "__classdict__"
               for n, owner in class_scopes(s)):
            # 3.14's implicit cell, read by the scopes nested in the body (the body's
            # own reads skip it: lookup); unbound before 3.14
            self.out(d + 2, "if __dp__.CLASSDICT_CELL:")
            self.out(d + 3, "__classdict__ = _dp_class_ns._namespace")
        self.out(d + 2, "_dp_class_ns.__module__ = " + module)
        self.out(d + 2, "_dp_class_ns.__qualname__ = " + literal(qual))
        annotated = any(isinstance(st, ast.AnnAssign) for st in scope_statements(s.body))
        if (s.bases or s.keywords) and (annotated or self.conservative):
            # a metaclass's __prepare__ may supply __annotations__: keep it
            # (SETUP_ANNOTATIONS, only in a body with annotations); type's
            # own namespace starts empty
            self.out(d + 2, "__dp__.setup_annotations(_dp_class_ns)")
        elif not (s.bases or s.keywords):  # the seed's convention
            self.out(d + 2, "_dp_class_ns.__annotations__ = __dp__.dict()")
        body = s.body
        if has_docstring(body):
            self.out(d + 2, "_dp_class_ns.__doc__ = " + literal(body[0].value.value))
            body = body[1:]
        self.block(body, d + 2)
        if cell:  # as the body's code: __classcell__ = the cell, returned
            self.blank_before_def(d + 2)
            self.out(d + 2, "def _dp_class_cell():")
            self.out(d + 3, "return __class__")
            self.out(d + 2, "return __dp__.set_classcell(_dp_class_ns, _dp_class_cell)")
        self.scopes.pop()
        # bases, keywords and decorators are evaluated in the enclosing scope
        # (bases and keywords inside the create_class def: their helpers are
        # its locals, not temporaries to delete after the statement)
        temps = len(self.stmt_temps)
        bases = self.tuple_text([self.expr(b) for b in s.bases])
        kwds = "None"
        if s.keywords:
            kwds = self.expr(ast.Dict(keys=[None if k.arg is None else ast.Constant(value=k.arg)
                                            for k in s.keywords],
                                      values=[k.value for k in s.keywords], lineno=s.lineno))
        del self.stmt_temps[temps:]
        self.flush(d + 1)
        static = getattr(s, "_dp_static", ())  # passed when there are some
        self.out(d + 1, "return __dp__.create_class(%s, _dp_ns_builder, %s, %s%s)"
                 % (literal(s.name), bases, kwds,
                    ", " + self.tuple_text([literal(x) for x in static]) if static else ""))
        value = maker + "()"
        for deco in reversed([self.expr(x, P_ATOM) for x in s.decorator_list]):
            value = "%s(%s)" % (deco, value)
        self.flush(d)
        if scope.kind == "function":  # as in the seed: the maker stays a local
            self.bind(d, store, value)
        else:
            self.bind_and_del(d, store, value, [maker], True)

    def plain_class(self, s, d, qual, problem):
        """A class left as a class statement (its contents are still translated)."""
        self.note(s, "ClassDef (%s)" % problem)
        scope = self.scope
        decorators = [self.expr(x, P_TEST) for x in s.decorator_list]
        args = [self.expr(b) for b in s.bases] + [self.keyword(k) for k in s.keywords]
        tparams = self.type_params(s)
        self.flush(d)
        self.blank_before_def(d)
        for deco in decorators:
            self.out(d, "@" + deco)
        self.out(d, "class %s%s%s:" % (s.name, tparams, "(" + ", ".join(args) + ")" if args else ""))
        ct_qual = s.name if self.def_prefix(s.name) is None else scope.ct_prefix + s.name
        self.scopes.append(_Scope("class", qual + ".", ct_qual + ".", declared_globals(s.body)))
        body = s.body
        if ct_qual != qual:  # the compiler would use the renamed functions' names
            n = 1 if has_docstring(body) else 0
            self.block(body[:n], d + 1)
            self.out(d + 1, "__qualname__ = " + literal(qual))
            body = body[n:]
        self.block(body, d + 1)
        self.scopes.pop()

    def s_Return(self, s, d):
        value = " " + self.expr(s.value, P_TEST) if s.value else ""
        self.flush(d)
        self.out(d, "return" + value)

    def s_Delete(self, s, d):
        for t in s.targets:  # one statement per target keeps the order
            if isinstance(t, ast.Subscript) and not self.raw:
                text = self.call("delitem", self.expr(t.value), self.subkey(slice_key(t)))
            else:
                text = "del " + self.target(t)
            self.flush(d)
            self.out(d, text)

    def value_temp(self):
        """A new `_dp_value_N` temporary (deleted after the statement)."""
        self.values += 1
        name = "_dp_value_%d" % self.values
        self.temp(name)
        return name

    def s_Assign(self, s, d):
        t = s.targets[0]
        subscripts = [x for x in s.targets if isinstance(x, ast.Subscript)]
        if (len(s.targets) == 1 and subscripts
                and movable(s.value, t.value, *key_parts(slice_key(t)))):
            text = self.call("setitem", self.expr(t.value), self.subkey(slice_key(t)),
                             self.expr(s.value))
        elif subscripts and self.scope.kind != "class" and all(
                isinstance(x, (ast.Name, ast.Attribute, ast.Subscript)) for x in s.targets):
            # The value first (into a temporary), then each target in turn.
            value = self.expr(s.value, P_TEST)
            temp = self.value_temp()
            stores = []
            for x in s.targets:
                if isinstance(x, ast.Subscript):
                    stores.append(self.call("setitem", self.expr(x.value), self.subkey(slice_key(x)),
                                            temp))
                else:
                    stores.append(self.target(x) + " = " + temp)
            self.flush(d)
            self.out(d, temp + " = " + value)
            for text in stores:
                self.out(d, text)
            return
        else:
            targets = [self.target(x) for x in s.targets]
            text = " = ".join(targets + [self.expr(s.value, P_TEST)])
        self.flush(d)
        self.out(d, text)

    def s_AugAssign(self, s, d):
        fn = "__dp__.i" + BINOPS[type(s.op)].rstrip("_")
        t = s.target
        if isinstance(t, ast.Name):  # exactly the order of `t += v`
            text = "%s = %s(%s, %s)" % (self.target(t), fn, self.expr(ast.Name(id=t.id, ctx=ast.Load())),
                                        self.expr(s.value))
        # obj.attr += v and obj[key] += v evaluate obj (and key) twice, the
        # second time after v: only when all of them are inert
        elif isinstance(t, ast.Attribute) and is_inert(t.value) and is_inert(s.value):
            load = ast.Attribute(value=t.value, attr=t.attr, ctx=ast.Load())
            text = "%s = %s(%s, %s)" % (self.target(t), fn, self.expr(load), self.expr(s.value))
        elif (isinstance(t, ast.Subscript)
              and all(is_inert(x) for x in [t.value, s.value] + key_parts(slice_key(t)))):
            obj, key = self.expr(t.value), self.subkey(slice_key(t))
            text = "__dp__.setitem(%s, %s, %s(__dp__.getitem(%s, %s), %s))" % (
                obj, key, fn, self.expr(t.value), self.subkey(slice_key(t)), self.expr(s.value))
        elif isinstance(t, ast.Subscript) and self.scope.kind != "class":
            # obj and key once, into temporaries: obj, key, getitem, value, op, setitem
            obj, key = self.expr(t.value, P_TEST), self.subkey(slice_key(t))
            temps = [self.value_temp(), self.value_temp()]
            value = self.expr(s.value)
            self.flush(d)
            self.out(d, "%s = %s" % (temps[0], obj))
            self.out(d, "%s = %s" % (temps[1], key))
            text = "__dp__.setitem(%s, %s, %s(__dp__.getitem(%s, %s), %s))" % (
                temps[0], temps[1], fn, temps[0], temps[1], value)
        else:
            self.note(s, "AugAssign")
            text = "%s %s= %s" % (self.target(t), BINPREC[type(s.op)][1], self.expr(s.value, P_TEST))
        self.flush(d)
        self.out(d, text)

    def s_AnnAssign(self, s, d):
        kind = self.scope.kind
        if kind == "nsclass":  # value, then __annotations__[name] = annotation
            name = s.target.id
            ann = self.expr(s.annotation)
            annotations = self.lookup("__annotations__")  # LOAD_NAME, as CPython
            value = self.expr(s.value, P_TEST) if s.value else None
            self.flush(d)
            if value is not None:
                self.out(d, "_dp_class_ns.%s = %s" % (name, value))
            self.out(d, "__dp__.setitem(%s, %s, %s)" % (annotations, literal(name), ann))
            return
        if kind == "function" and s.simple and s.value is not None:
            value = self.expr(s.value, P_TEST)  # a function never evaluates the annotation
            self.flush(d)
            self.out(d, "%s = %s" % (s.target.id, value))
            return
        self.note(s, "AnnAssign")
        target = self.target(s.target)
        if not s.simple and isinstance(s.target, ast.Name):
            target = "(" + target + ")"
        if kind == "function":
            text = target + ": " + self.raw_expr(s.annotation)
        else:
            text = target + ": " + self.annotation(s.annotation)
        if s.value is not None:
            text += " = " + self.expr(s.value, P_TEST)
        self.flush(d)
        self.out(d, text)

    def s_For(self, s, d):
        self.note(s, type(s).__name__)
        kw = "async for " if isinstance(s, ast.AsyncFor) else "for "
        header = kw + self.target(s.target) + " in " + self.expr(s.iter, P_TEST) + ":"
        self.flush(d)
        self.out(d, header)
        self.block(s.body, d + 1)
        self.orelse(s.orelse, d)

    s_AsyncFor = s_For

    def orelse(self, body, d):
        if body:
            self.out(d, "else:")
            self.block(body, d + 1)

    def s_While(self, s, d):
        test = self.expr(s.test, P_NAMED)
        self.flush(d)
        self.out(d, "while " + test + ":")
        self.block(s.body, d + 1)
        self.orelse(s.orelse, d)

    def s_If(self, s, d, keyword="if "):
        test = self.expr(s.test, P_NAMED)
        self.flush(d)
        self.out(d, keyword + test + ":")
        self.block(s.body, d + 1)
        orelse = s.orelse
        # elif, except where the test may need helpers (in a translated class
        # body, or a lambda), which cannot go between the branches: `else: if`.
        if len(orelse) == 1 and isinstance(orelse[0], ast.If) and self.scope.kind != "nsclass" \
                and not any(isinstance(x, ast.Lambda) or (isinstance(x, COMPS) and not self.conservative)
                            for x in scope_walk(orelse[0].test)):
            return self.s_If(orelse[0], d, "elif ")
        self.orelse(orelse, d)

    def s_With(self, s, d):
        self.note(s, type(s).__name__)
        items = []
        for item in s.items:
            text = self.expr(item.context_expr, P_TEST)
            if item.optional_vars is not None:
                text += " as " + self.target(item.optional_vars)
            items.append(text)
        kw = "async with " if isinstance(s, ast.AsyncWith) else "with "
        self.flush(d)
        self.out(d, kw + ", ".join(items) + ":")
        self.block(s.body, d + 1)

    s_AsyncWith = s_With

    def s_Raise(self, s, d):
        text = "raise"
        if s.exc is not None:
            text += " " + self.expr(s.exc)
        if s.cause is not None:
            text += " from " + self.expr(s.cause)
        self.flush(d)
        self.out(d, text)

    def s_Try(self, s, d):
        self.note(s, type(s).__name__)
        star = "*" if type(s).__name__ == "TryStar" else ""
        types = [self.expr(h.type) if h.type is not None else None for h in s.handlers]
        self.flush(d)
        self.out(d, "try:")
        self.block(s.body, d + 1)
        for h, t in zip(s.handlers, types):
            self.out(d, "except" + star + ("" if t is None else " " + t)
                     + ("" if h.name is None else " as " + h.name) + ":")
            self.block(h.body, d + 1)
        self.orelse(s.orelse, d)
        if s.finalbody:
            self.out(d, "finally:")
            self.block(s.finalbody, d + 1)

    s_TryStar = s_Try

    def s_Assert(self, s, d):
        self.note(s, "Assert")
        text = "assert " + self.expr(s.test)
        if s.msg is not None:
            text += ", " + self.expr(s.msg)
        self.flush(d)
        self.out(d, text)

    def s_Import(self, s, d):
        self.note(s, "Import")
        self.out(d, "import " + ", ".join(self.alias(a) for a in s.names))

    def s_ImportFrom(self, s, d):
        self.note(s, "ImportFrom")
        module = "." * (s.level or 0) + (s.module or "")
        self.out(d, "from %s import %s" % (module, ", ".join(self.alias(a) for a in s.names)))

    def alias(self, a):
        return a.name + (" as " + a.asname if a.asname else "")

    def s_Global(self, s, d):
        self.out(d, "global " + ", ".join(s.names))

    def s_Nonlocal(self, s, d):
        self.out(d, "nonlocal " + ", ".join(s.names))

    def s_Expr(self, s, d):
        text = self.expr(s.value, P_YIELD)
        self.flush(d)
        self.out(d, text)

    def s_Pass(self, s, d):
        self.out(d, "pass")

    def s_Break(self, s, d):
        self.out(d, "break")

    def s_Continue(self, s, d):
        self.out(d, "continue")

    def s_Match(self, s, d):
        self.note(s, "Match")
        subject = self.expr(s.subject, P_TEST)
        self.flush(d)
        self.out(d, "match " + subject + ":")
        for case in s.cases:
            saved, self.keep_lambdas = self.keep_lambdas, "in a match guard"
            try:  # a guard has no place for helpers before it
                guard = "" if case.guard is None else " if " + self.expr(case.guard)
            finally:
                self.keep_lambdas = saved
            self.out(d + 1, "case " + self.pattern(case.pattern) + guard + ":")
            self.block(case.body, d + 2)

    def s_TypeAlias(self, s, d):
        self.note(s, "TypeAlias")
        self.out(d, "type %s%s = %s" % (s.name.id, self.type_params(s), self.raw_expr(s.value)))

    # ----------------------------------------------------------- class checks

    def stmt_exprs(self, s):
        """The expressions of statement s evaluated in its own scope."""
        if isinstance(s, DEFS):
            a = s.args
            out = s.decorator_list + a.defaults + [x for x in a.kw_defaults if x]
            if not self.future_annotations:
                args = getattr(a, "posonlyargs", []) + a.args + a.kwonlyargs + \
                    [x for x in (a.vararg, a.kwarg) if x]
                out += [x.annotation for x in args if x.annotation] + ([s.returns] if s.returns else [])
            return out
        if isinstance(s, ast.ClassDef):
            return s.decorator_list + s.bases + [k.value for k in s.keywords]
        out = []
        for field, value in ast.iter_fields(s):
            if field in ("body", "orelse", "finalbody", "handlers", "cases"):
                continue
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, ast.expr):
                    out.append(v)
                elif isinstance(v, ast.withitem):
                    out += [v.context_expr] + ([v.optional_vars] if v.optional_vars else [])
        return out + [h.type for h in getattr(s, "handlers", []) if h.type is not None]

    def class_problem(self, cls):
        """Why the class statement cls cannot become create_class (None if it can)."""
        if getattr(cls, "type_params", None):
            return "type parameters"
        if self.frames:
            return "frame introspection in the module"
        for n in scope_statements(cls.body):
            # a method or nested class with type parameters: their annotation scope
            # reads the class namespace (__classdict__), which a builder has not; one
            # deeper, inside a method, the enclosing scope is a function and translates
            if isinstance(n, DEFS + (ast.ClassDef,)) and getattr(n, "type_params", None):
                return "type parameters"
        for n in ast.walk(ast.Module(body=cls.body, type_ignores=[])):
            if isinstance(n, ast.JoinedStr) and not self.conservative and any(
                    getattr(x, "_dp_mangled", False) for x in ast.walk(n)) and nested_strings(n):
                return "f-string with private names copied as it is"  # the compiler mangles
            if not self.conservative:
                continue  # super() / __class__, private names: the translation has them
            if isinstance(n, ast.Name) and n.id in ("super", "__class__"):
                return "super() / __class__"  # needs the __class__ cell
            ident = getattr(n, "id", None) or getattr(n, "attr", None) or getattr(n, "arg", None) \
                or getattr(n, "asname", None) or getattr(n, "name", None)
            names = getattr(n, "names", None) if isinstance(n, (ast.Global, ast.Nonlocal)) else None
            if is_private(ident if isinstance(ident, str) else None) or any(map(is_private, names or [])):
                return "private name mangling"
        allowed = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Pass, ast.If,
                   ast.While, ast.For, ast.With, ast.Break, ast.Continue, ast.Raise,
                   ast.Assert, ast.Try, ast.Delete) + DEFS + (ast.ClassDef,)
        if not self.conservative:
            allowed += (ast.Global, ast.Nonlocal)
        for st in scope_statements(cls.body):
            if not isinstance(st, allowed) and type(st).__name__ != "TryStar":
                return "%s in the class body" % type(st).__name__
            if any(h.name for h in getattr(st, "handlers", [])):
                return "except ... as in the class body"
            if isinstance(st, ast.AnnAssign) and (not st.simple or self.future_annotations):
                return "annotation not kept as is"
            if isinstance(st, ast.Delete) and not all(
                    isinstance(t, (ast.Name, ast.Attribute, ast.Subscript)) for t in st.targets):
                return "del of a tuple in the class body"
            if isinstance(st, ast.ClassDef):
                inner = self.class_problem(st)
                if inner:
                    return "nested class: " + inner
            for e in self.stmt_exprs(st):
                problem = self.expr_problem(e)
                if problem:
                    return problem
        return None

    def expr_problem(self, e):
        explicit = set()
        for n in scope_walk(e):
            if isinstance(n, ast.NamedExpr):
                return "assignment expression in the class body"
            if not self.conservative and not isinstance(n, ast.JoinedStr):
                continue  # implicit namespaces: __dp__.class_ns_call, locals() as it is
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in IMPLICIT_NS:
                need = IMPLICIT_NS[n.func.id]
                plain = all(not isinstance(a, ast.Starred) for a in n.args)
                if (need is None and not n.args and not n.keywords) or \
                        (need is not None and plain and len(n.args) >= need):
                    explicit.add(id(n.func))
            if isinstance(n, ast.Name) and n.id in IMPLICIT_NS and id(n) not in explicit:
                return "%s() reading the class namespace implicitly" % n.id
            if isinstance(n, COMPS) and any(isinstance(x, ast.Name) and x.id in IMPLICIT_NS
                                            for x in ast.walk(n)):
                return "locals() & co. in a comprehension (inlined since 3.12)"
            if isinstance(n, ast.JoinedStr) and nested_strings(n):
                return "f-string with nested strings in the class body"
        return None

    @staticmethod
    def uses_frames(tree):
        for n in ast.walk(tree):
            for word in (getattr(n, "id", None), getattr(n, "attr", None), getattr(n, "name", None),
                         getattr(n, "module", None)):
                if isinstance(word, str) and word.split(".")[0] in FRAME_WORDS:
                    return True
        return False

    # ------------------------------------------------------------- expressions

    def expr(self, node, prec=P_TEST):
        return getattr(self, "e_" + type(node).__name__)(node, prec)

    def raw_expr(self, node, prec=P_TEST):
        saved, self.raw = self.raw, True
        try:
            return self.expr(node, prec)
        finally:
            self.raw = saved

    def annotation(self, node):
        """An annotation evaluated at definition time (kept as is under
        `from __future__ import annotations`, which stores its text)."""
        return self.raw_expr(node) if self.future_annotations else self.expr(node)

    @staticmethod
    def paren(text, needed):
        return "(" + text + ")" if needed else text

    def call(self, fn, *args):
        return "__dp__.%s(%s)" % (fn, ", ".join(args))

    def tuple_text(self, items):
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"

    def lookup(self, name, global_only=False):
        """A name read in a translated class body (global_only: LOAD_NAME
        without the enclosing functions, as for the implicit __name__)."""
        self.counter += 1
        helper = "_dp_lambda_%d" % self.counter
        ns = self.scope
        self.pending += [(0, None), (0, "def %s():" % helper)]
        if name in ns.bound or global_only or (name == "__class__" and ns.cell) or name == "__classdict__":
            # CPython skips enclosing functions (and a class's own __class__ and
            # __classdict__ cells)
            self.pending.append((1, "global " + name))
        self.pending += [(1, "return " + name), (0, helper + '.__name__ = "<lambda>"'),
                         (0, helper + ".__qualname__ = " + literal(ns.helper_qual))]
        return "__dp__.class_lookup(%s, _dp_class_ns, %s)" % (self.lit(name), helper)

    def e_Name(self, n, prec):
        if self.in_namespace(n.id):
            return self.lookup(n.id)
        return n.id

    def e_Constant(self, n, prec):
        return self.lit(n.value)

    def e_Attribute(self, n, prec):
        value = self.expr(n.value, P_ATOM)
        if isinstance(n.value, ast.Constant) and isinstance(n.value.value, int):
            value = "(" + value + ")"  # 1 .real
        return value + "." + n.attr

    def e_Call(self, n, prec):
        if (isinstance(n.func, ast.Name) and n.func.id == "locals" and not n.args and not n.keywords
                and self.scope.kind == "nsclass" and not self.raw):
            return "_dp_class_ns._namespace"
        if (isinstance(n.func, ast.Name) and n.func.id == "locals" and not n.args and not n.keywords
                and self.scope.kind == "compfn" and not self.raw):
            return "__dp__.comp_locals(locals())"  # `.0`, not the helper's own names
        func = self.expr(n.func, P_ATOM)
        args = [self.expr(a) for a in n.args] + [self.keyword(k) for k in n.keywords]
        if (self.scope.kind == "nsclass" and not self.raw and isinstance(n.func, ast.Name)
                and n.func.id in IMPLICIT_NS and not self.explicit_ns(n)):
            # exec / eval / vars / dir / locals reading the class namespace
            return self.call("class_ns_call", func, "_dp_class_ns", *args)
        return func + "(" + ", ".join(args) + ")"

    @staticmethod
    def explicit_ns(n):
        """The call n of a name in IMPLICIT_NS names its namespaces itself."""
        need = IMPLICIT_NS[n.func.id]
        plain = all(not isinstance(a, ast.Starred) for a in n.args)
        return (need is None and not n.args and not n.keywords) or \
            (need is not None and plain and len(n.args) >= need)

    def keyword(self, k):
        return ("**" if k.arg is None else k.arg + "=") + self.expr(k.value)

    def e_Starred(self, n, prec):
        return "*" + self.expr(n.value, P_BOR)

    def e_BinOp(self, n, prec):
        if not self.raw:
            return self.call(BINOPS[type(n.op)], self.expr(n.left), self.expr(n.right))
        p, sym = BINPREC[type(n.op)]
        right_assoc = isinstance(n.op, ast.Pow)
        left = self.expr(n.left, p + 1 if right_assoc else p)
        right = self.expr(n.right, p if right_assoc else p + 1)
        return self.paren("%s %s %s" % (left, sym, right), prec > p)

    def e_UnaryOp(self, n, prec):
        if not self.raw and not (isinstance(n.op, (ast.USub, ast.UAdd)) and is_number(n.operand)):
            return self.call(UNARYOPS[type(n.op)], self.expr(n.operand))
        p = P_NOT if isinstance(n.op, ast.Not) else P_FACTOR
        return self.paren(UNARYSYM[type(n.op)] + self.expr(n.operand, p), prec > p)

    def e_Compare(self, n, prec):
        operands = [n.left] + n.comparators
        if not self.raw and len(n.ops) == 1:
            return self.call(CMPOPS[type(n.ops[0])], self.expr(n.left), self.expr(n.comparators[0]))
        if not self.raw and all(isinstance(x, (ast.Name, ast.Constant)) for x in operands[1:-1]):
            # a < b < c  ->  lt(a, b) and lt(b, c): same short-circuit, b is plain
            pairs = [ast.Compare(left=operands[i], ops=[op], comparators=[operands[i + 1]])
                     for i, op in enumerate(n.ops)]
            return self.expr(ast.BoolOp(op=ast.And(), values=pairs), prec)
        self.note(n, "Compare (chained)")
        parts = [self.expr(n.left, P_CMP + 1)]
        for op, right in zip(n.ops, n.comparators):
            parts += [CMPSYM[type(op)], self.expr(right, P_CMP + 1)]
        return self.paren(" ".join(parts), prec > P_CMP)

    def e_BoolOp(self, n, prec):
        p, sym = (P_AND, " and ") if isinstance(n.op, ast.And) else (P_OR, " or ")
        return self.paren(sym.join(self.expr(v, p + 1) for v in n.values), prec > p)

    def e_IfExp(self, n, prec):
        text = "%s if %s else %s" % (self.expr(n.body, P_TEST + 1), self.expr(n.test, P_TEST + 1),
                                     self.expr(n.orelse, P_TEST))
        return self.paren(text, prec > P_TEST)

    def e_NamedExpr(self, n, prec):
        self.note(n, "NamedExpr")
        return "(%s := %s)" % (self.target(n.target), self.expr(n.value, P_TEST))

    def e_Lambda(self, n, prec):
        """`lambda ARGS: BODY` -> a `def _dp_lambda_N(ARGS): return BODY` helper
        before the statement, named as the lambda (__name__, __qualname__),
        deleted after the statement in a function or the module.  Defaults
        other than constants are evaluated where the lambda was, by
        `__dp__.with_defaults(_dp_lambda_N, (DEFAULTS,), KWDEFAULTS)`."""
        scope = self.scope
        why = self.keep_lambdas or {"comp": "in a comprehension", "genexp": "in a comprehension",
                                    "class": "in a class kept as a class"}.get(scope.kind)
        if self.raw or why:
            self.note(n, "Lambda (%s)" % why if why else "Lambda")
            args = self.arguments(n.args, False)  # defaults: enclosing scope
            inner = lambda p: None if p is None else p + "<lambda>.<locals>."
            self.scopes.append(_Scope("lambda", inner(scope.prefix), inner(scope.ct_prefix)))
            saved, self.keep_lambdas = self.keep_lambdas, why or self.keep_lambdas
            try:  # a lambda in it stays a lambda too
                text = "lambda" + (" " + args if args else "") + ": " + self.expr(n.body, P_TEST)
            finally:
                self.keep_lambdas = saved
            self.scopes.pop()
            if not self.raw and scope.prefix is not None and scope.prefix != scope.ct_prefix:
                # in renamed functions the compiler's __qualname__ would differ
                return self.call("update_fn", text, literal(scope.prefix[:-1] or None, self.quote),
                                 self.lit("<lambda>"))
            return self.paren(text, prec > P_TEST)
        a = n.args
        constant = lambda e: e is None or isinstance(e, ast.Constant) or (
            isinstance(e, ast.UnaryOp) and is_number(e.operand))
        inline = all(map(constant, a.defaults + a.kw_defaults))
        if not inline:  # the defaults, in order, where the lambda was
            defaults = self.tuple_text([self.expr(e) for e in a.defaults]) if a.defaults else "None"
            kw = [(arg.arg, e) for arg, e in zip(a.kwonlyargs, a.kw_defaults) if e is not None]
            kwdefaults = self.call("dict", self.tuple_text(
                [self.tuple_text([self.lit(k), self.expr(e)]) for k, e in kw])) if kw else "None"
            a = ast.arguments(posonlyargs=list(getattr(a, "posonlyargs", [])), args=a.args,
                              vararg=a.vararg, kwonlyargs=a.kwonlyargs,
                              kw_defaults=[None] * len(a.kwonlyargs), kwarg=a.kwarg, defaults=[])
        args = self.arguments(a, False)
        self.counter += 1
        helper = "_dp_lambda_%d" % self.counter
        outer_pending, self.pending = self.pending, []
        inner = lambda p, name: None if p is None else p + name + ".<locals>."
        self.scopes.append(_Scope("lambda", inner(scope.prefix, "<lambda>"),
                                  inner(scope.ct_prefix, helper)))
        body = self.expr(n.body, P_TEST)
        self.scopes.pop()
        lines = [(0, None), (0, "def %s(%s):" % (helper, args))]
        if getattr(n, "_dp_class_ref", False):  # super() in it: __class__ stays free
            lines += [(1, "if False:"), (2, "__class__")]
        lines += [(rel + 1, text) for rel, text in self.pending]
        lines += [(1, "return " + body), (0, helper + '.__name__ = "<lambda>"'),
                  (0, helper + ".__qualname__ = " + literal(scope.prefix + "<lambda>"))]
        self.pending = outer_pending + lines
        self.temp(helper)
        if inline:
            return helper
        return self.call("with_defaults", helper, defaults, kwdefaults)

    def e_Await(self, n, prec):
        self.note(n, "Await")
        return self.paren("await " + self.expr(n.value, P_ATOM), prec > P_AWAIT)

    def e_Yield(self, n, prec):
        self.note(n, "Yield")
        text = "yield" + (" " + self.expr(n.value, P_TEST) if n.value else "")
        return self.paren(text, prec > P_YIELD)

    def e_YieldFrom(self, n, prec):
        self.note(n, "YieldFrom")
        return self.paren("yield from " + self.expr(n.value, P_TEST), prec > P_YIELD)

    def e_Tuple(self, n, prec):
        return self.tuple_text([self.expr(e) for e in n.elts])

    def e_List(self, n, prec):
        items = [self.expr(e) for e in n.elts]
        if self.raw or any(isinstance(e, ast.Starred) for e in n.elts):
            self.note(n, "List (starred)")
            return "[" + ", ".join(items) + "]"
        return self.call("list", self.tuple_text(items)) if items else self.call("list")

    def e_Set(self, n, prec):
        items = [self.expr(e) for e in n.elts]
        if self.raw or any(isinstance(e, ast.Starred) for e in n.elts):
            self.note(n, "Set (starred)")
            return "{" + ", ".join(items) + "}"
        return self.call("set", self.tuple_text(items))

    def e_Dict(self, n, prec):
        if self.raw or None in n.keys:
            self.note(n, "Dict (**)")
            items = [("**" + self.expr(v, P_BOR)) if k is None else
                     self.expr(k) + ": " + self.expr(v) for k, v in zip(n.keys, n.values)]
            return "{" + ", ".join(items) + "}"
        pairs = [self.tuple_text([self.expr(k), self.expr(v)]) for k, v in zip(n.keys, n.values)]
        return self.call("dict", self.tuple_text(pairs)) if pairs else self.call("dict")

    def e_Subscript(self, n, prec):
        key = slice_key(n)
        if not self.raw:
            return self.call("getitem", self.expr(n.value), self.subkey(key))
        return self.expr(n.value, P_ATOM) + "[" + self.key(key) + "]"

    def subkey(self, key):
        """A subscript's key as an expression: `a:b:c` is `__dp__.slice(a, b, c)`
        (None for a part left out), in a tuple as well (`a[1:2, 3]`)."""
        if isinstance(key, ast.Slice):
            return self.call("slice", *["None" if x is None else self.expr(x)
                                        for x in (key.lower, key.upper, key.step)])
        if isinstance(key, ast.Tuple) and has_slice(key):
            return self.tuple_text([self.subkey(e) for e in key.elts])
        return self.expr(key)

    def key(self, key):
        """Subscript key text, slices allowed."""
        if isinstance(key, ast.Slice):
            return "%s:%s%s" % ("" if key.lower is None else self.expr(key.lower),
                                "" if key.upper is None else self.expr(key.upper),
                                "" if key.step is None else ":" + self.expr(key.step))
        if isinstance(key, ast.Tuple) and key.elts:
            return ", ".join(self.key(e) for e in key.elts)
        return self.expr(key, P_TEST)

    def comp_kept(self, n):
        """Why the comprehension n stays as it is (None: it becomes a helper)."""
        scope = self.scope
        if self.raw or self.conservative:
            return ""
        why = self.keep_lambdas or {"comp": "in a comprehension", "genexp": "in a comprehension",
                                    "class": "in a class kept as a class"}.get(scope.kind)
        if why:
            return why
        if scope.prefix is None or scope.ct_prefix is None:
            return "in a comprehension"
        for x in ast.walk(n):
            if isinstance(x, ast.Await) or (isinstance(x, ast.comprehension) and x.is_async):
                return "async comprehension"
            if isinstance(x, ast.NamedExpr):
                return "assignment expression in a comprehension"
        return None

    def comp_function(self, n):
        """A comprehension -> a `_dp_comp_N(_dp_iter)` helper defined before the
        statement (a generator function for a generator expression), named
        as CPython's comprehension functions before 3.12 (__name__
        `<listcomp>` & co., __qualname__), called with the first iterable
        evaluated here: `_dp_comp_N(__dp__.iter(FIRST))`."""
        scope = self.scope
        kind = {ast.ListComp: "listcomp", ast.SetComp: "setcomp", ast.DictComp: "dictcomp",
                ast.GeneratorExp: "genexpr"}[type(n)]
        first = self.expr(n.generators[0].iter, P_TEST)  # in the enclosing scope
        self.counter += 1
        helper = "_dp_comp_%d" % self.counter
        qual = scope.prefix + "<" + kind + ">"
        outer = (self.pending, self.lines, self.stmt_start)
        self.pending, self.lines, self.stmt_start = [], [], None
        # no <locals> below a comprehension in CPython's qualnames
        self.scopes.append(_Scope("compfn", qual + ".", scope.ct_prefix + helper + ".<locals>."))
        try:
            init = {"listcomp": "__dp__.list()", "setcomp": "__dp__.set()",
                    "dictcomp": "__dp__.dict()"}.get(kind)
            if init:
                self.out(1, "_dp_result = " + init)
            depth = 1
            for i, g in enumerate(n.generators):
                source = "_dp_iter" if i == 0 else self.expr(g.iter, P_TEST)
                target = self.target(g.target)
                self.flush(depth)
                self.out(depth, "for %s in %s:" % (target, source))
                depth += 1
                for cond in g.ifs:
                    test = self.expr(cond, P_TEST)
                    self.flush(depth)
                    self.out(depth, "if %s:" % test)
                    depth += 1
            if kind == "genexpr":
                text = "yield " + self.expr(n.elt, P_TEST)
            elif kind == "dictcomp":
                text = self.call("setitem", "_dp_result", self.expr(n.key), self.expr(n.value))
            else:
                text = "_dp_result.%s(%s)" % ("append" if kind == "listcomp" else "add",
                                              self.expr(n.elt))
            self.flush(depth)
            self.out(depth, text)
            if init:
                self.out(1, "return _dp_result")
            body = self.lines
        finally:
            self.scopes.pop()
            self.pending, self.lines, self.stmt_start = outer
        lines = [(0, None), (0, "def %s(_dp_iter):" % helper)]
        lines += [(0, text) if text else (0, None) for text in body]
        lines += [(0, "%s.__name__ = %s" % (helper, literal("<" + kind + ">"))),
                  (0, "%s.__qualname__ = %s" % (helper, literal(qual)))]
        self.pending = self.pending + lines
        self.temp(helper)
        return "%s(__dp__.iter(%s))" % (helper, first)

    def comprehension(self, n, brackets, elt):
        """ListComp, SetComp, DictComp and GeneratorExp."""
        why = self.comp_kept(n)
        if why is None:
            return self.comp_function(n)
        self.note(n, type(n).__name__ + (" (%s)" % why if why else ""))
        scope = self.scope
        first_iter = self.expr(n.generators[0].iter, P_OR)  # evaluated outside
        if isinstance(n, ast.GeneratorExp):
            inner = lambda p: None if p is None else p + "<genexpr>."  # no <locals>
            self.scopes.append(_Scope("genexp", inner(scope.prefix), inner(scope.ct_prefix)))
        else:
            self.scopes.append(_Scope("comp", None, None))
        text = elt()
        for i, g in enumerate(n.generators):
            text += " async for " if g.is_async else " for "
            text += self.target(g.target) + " in "
            text += first_iter if i == 0 else self.expr(g.iter, P_OR)
            for cond in g.ifs:
                text += " if " + self.expr(cond, P_OR)
        self.scopes.pop()
        return brackets[0] + text + brackets[1]

    def e_ListComp(self, n, prec):
        return self.comprehension(n, "[]", lambda: self.expr(n.elt))

    def e_SetComp(self, n, prec):
        return self.comprehension(n, "{}", lambda: self.expr(n.elt))

    def e_GeneratorExp(self, n, prec):
        return self.comprehension(n, "()", lambda: self.expr(n.elt))

    def e_DictComp(self, n, prec):
        return self.comprehension(n, "{}", lambda: self.expr(n.key) + ": " + self.expr(n.value))

    def e_JoinedStr(self, n, prec):
        self.note(n, "JoinedStr")
        if self.quote != '"':
            raise _Unsafe()  # an f-string inside an f-string: the outer one is copied
        mark = (list(self.pending), self.counter, len(self.scopes), len(self.stmt_temps),
                self.values)
        self.quote = "'"
        try:
            return 'f"' + self.fstring_body(n.values) + '"'
        except _Unsafe:
            self.pending, self.counter = mark[:2]
            del self.scopes[mark[2]:]
            del self.stmt_temps[mark[3]:]
            self.values = mark[4]
        finally:
            self.quote = '"'
        for x in ast.walk(n):  # what the copied text holds untranslated
            if isinstance(x, (ast.Lambda,) + COMPS):
                self.note(x, "%s (in an f-string copied as it is)" % type(x).__name__)
        # Not expressible on 3.8 (backslashes, quotes): copy the source text.
        text = ast.get_source_segment(self.source, n)
        if text is None:
            raise DesugarError("line %s: f-string without source text" % n.lineno)
        return "(" + text + ")"

    def fstring_body(self, values):
        parts = []
        for v in values:
            if isinstance(v, ast.Constant):
                parts.append(quote(v.value, '"')[1:-1].replace("{", "{{").replace("}", "}}"))
                continue
            text = self.expr(v.value, P_TEST)
            if any(c in text for c in '\\"\n#'):
                raise _Unsafe()
            if text.startswith("{"):
                text = " " + text
            if text.startswith("lambda"):
                text = "(" + text + ")"
            conv = "!" + chr(v.conversion) if v.conversion not in (None, -1) else ""
            spec = ":" + self.fstring_body(v.format_spec.values) if v.format_spec else ""
            parts.append("{" + text + conv + spec + "}")
        return "".join(parts)

    # ---------------------------------------------------- targets, arguments

    def target(self, t):
        """An assignment / for / with / del target (no getitem translation)."""
        if isinstance(t, ast.Name):
            return ("_dp_class_ns." if self.in_namespace(t.id) else "") + t.id
        if isinstance(t, ast.Attribute):
            return self.e_Attribute(t, P_ATOM)
        if isinstance(t, ast.Subscript):
            self.note(t, "Subscript (store/del)")
            return self.expr(t.value, P_ATOM) + "[" + self.key(slice_key(t)) + "]"
        if isinstance(t, ast.Starred):
            return "*" + self.target(t.value)
        if isinstance(t, ast.List):
            return "[" + ", ".join(self.target(e) for e in t.elts) + "]"
        if isinstance(t, ast.Tuple):
            return self.tuple_text([self.target(e) for e in t.elts])
        return self.expr(t)

    def arguments(self, a, annotate):
        posonly = list(getattr(a, "posonlyargs", []))
        positional = posonly + list(a.args)
        defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        parts = []
        for i, arg in enumerate(positional):
            parts.append(self.arg(arg, defaults[i], annotate))
            if i == len(posonly) - 1:
                parts.append("/")
        if a.vararg:
            parts.append("*" + self.arg(a.vararg, None, annotate))
        elif a.kwonlyargs:
            parts.append("*")
        for arg, default in zip(a.kwonlyargs, a.kw_defaults):
            parts.append(self.arg(arg, default, annotate))
        if a.kwarg:
            parts.append("**" + self.arg(a.kwarg, None, annotate))
        return ", ".join(parts)

    def arg(self, arg, default, annotate):
        text = arg.arg
        if annotate and arg.annotation is not None:
            text += ": " + self.annotation(arg.annotation)
            if default is not None:
                return text + " = " + self.expr(default)
        return text + ("" if default is None else "=" + self.expr(default))

    def type_params(self, node):
        params = getattr(node, "type_params", None)
        if not params:
            return ""
        self.note(node, "type parameters")
        out = []
        for p in params:  # evaluated lazily in their own scope: kept as is
            kind = type(p).__name__
            text = {"TypeVar": "", "ParamSpec": "**", "TypeVarTuple": "*"}[kind] + p.name
            if getattr(p, "bound", None) is not None:
                text += ": " + self.raw_expr(p.bound)
            if getattr(p, "default_value", None) is not None:
                text += " = " + self.raw_expr(p.default_value)
            out.append(text)
        return "[" + ", ".join(out) + "]"

    def pattern(self, p):
        """A match pattern, kept as is."""
        kind = type(p).__name__
        if kind == "MatchValue":
            return self.raw_expr(p.value, P_BOR)
        if kind == "MatchSingleton":
            return repr(p.value)
        if kind == "MatchSequence":
            return "[" + ", ".join(self.pattern(x) for x in p.patterns) + "]"
        if kind == "MatchStar":
            return "*" + (p.name or "_")
        if kind == "MatchMapping":
            items = [self.raw_expr(k) + ": " + self.pattern(v) for k, v in zip(p.keys, p.patterns)]
            return "{" + ", ".join(items + (["**" + p.rest] if p.rest else [])) + "}"
        if kind == "MatchClass":
            args = [self.pattern(x) for x in p.patterns]
            args += [k + "=" + self.pattern(v) for k, v in zip(p.kwd_attrs, p.kwd_patterns)]
            return self.raw_expr(p.cls, P_ATOM) + "(" + ", ".join(args) + ")"
        if kind == "MatchAs":
            if p.pattern is None:
                return p.name or "_"
            return "(" + self.pattern(p.pattern) + " as " + p.name + ")"
        if kind == "MatchOr":
            return "(" + " | ".join(self.pattern(x) for x in p.patterns) + ")"
        raise DesugarError("unknown pattern " + kind)


def desugar(source, conservative=False):
    """Translate source; returns (text, [(line, construct), ...]) where the list
    names what was kept untranslated.  Raises SyntaxError (or ValueError for
    NUL bytes) when the source does not parse.  conservative: keep as class
    statements the classes whose translation needs the cell, mangling and
    namespace handling above or that live in a module using frame
    introspection (the guards for real code, see class_problem)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source)
        try:
            compile(source, "<source>", "exec", dont_inherit=True)
        except SyntaxError as err:  # compiles on no interpreter of this version: keep it
            return source, [(err.lineno or 0, "SyntaxError (%s): source kept as is" % err.msg)]
        except SystemError as err:  # the host's compiler fails on it (a bug of that version)
            return source, [(0, "host compiler error (SystemError: %s): source kept as is" % err)]
        if not conservative:
            prepare_classes(tree)
        translator = _Translator(source, tree, conservative)
        text = translator.module(tree)
        try:
            compile(text, "<desugared>", "exec", dont_inherit=True)
        except SyntaxError as err:
            raise DesugarError("translation does not compile: line %s: %s" % (err.lineno, err.msg))
    return text, sorted(translator.notes)


def translate_for_harness(source, conservative=False):
    """One case for --batch: the fields of its result line (see batch())."""
    try:
        text, notes = desugar(source, conservative)
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        return {"status": 1, "error": "desugar: -: does not parse%s: %s" % (
            "" if line is None else " (line %s)" % line, getattr(err, "msg", err))}
    except DesugarError as err:
        return {"status": 3, "error": "desugar: -: internal error: %s" % err}
    except Exception as err:  # noqa: BLE001 - one case's failure must not end the batch
        return {"status": 3, "error": "desugar: -: internal error: %s: %s" % (type(err).__name__, err)}
    return {"text": text,
            "notes": "".join("untranslated: %d: %s\n" % (line, c) for line, c in notes)}


def batch(conservative=False):
    """--batch, for the harness: one JSON object per input line {"id", "source"},
    one result line per input {"id", "text", "notes"} or {"id", "status", "error"}
    (status as the exit status of a single run would be)."""
    import json
    for raw in sys.stdin.buffer:
        if not raw.strip():
            continue
        job = json.loads(raw.decode("utf-8"))
        result = translate_for_harness(job["source"], conservative)
        result["id"] = job["id"]
        sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


def main(argv):
    conservative = "--conservative" in argv
    argv = [a for a in argv if a != "--conservative"]
    if argv == ["--batch"]:
        return batch(conservative)
    if len(argv) != 1:
        sys.stderr.write("usage: desugar.py [--conservative] FILE|-   or   "
                         "desugar.py [--conservative] --batch\n")
        return 2
    try:
        if argv[0] == "-":
            source = sys.stdin.read()
        else:
            with open(argv[0], encoding="utf-8") as f:
                source = f.read()
    except (OSError, UnicodeDecodeError) as err:
        sys.stderr.write("desugar: %s: %s\n" % (argv[0], err))
        return 2
    try:
        text, notes = desugar(source, conservative)
    except (SyntaxError, ValueError) as err:
        line = getattr(err, "lineno", None)
        sys.stderr.write("desugar: %s: does not parse%s: %s\n" % (
            argv[0], "" if line is None else " (line %s)" % line, getattr(err, "msg", err)))
        return 1
    except DesugarError as err:
        sys.stderr.write("desugar: %s: internal error: %s\n" % (argv[0], err))
        return 3
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    for line, construct in notes:
        sys.stderr.write("untranslated: %d: %s\n" % (line, construct))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
