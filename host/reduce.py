"""reduce.py - candidate blocks for `pyconform reduce` (harness/cmd/reduce.c).

    python3 host/reduce.py [--phase ast|lines] [--keep NAME]... < SOURCE

reads one case block's Python source and prints one JSON object,

    {"candidates": [TEXT, ...]}

every candidate a smaller variant of SOURCE that parses (ast.parse), none equal to
another, ordered smallest first (lines, then characters, then the order the passes made
them), so the caller can try them in order and keep the first that is still interesting.
The same input always gives the same output.

Phase "ast" (the default) works on the syntax tree and prints candidates with
ast.unparse (comments and blank lines go; `# pyconform: ...` lines are kept on top):
  - delete statements: every statement list (module, bodies, else, finally), in chunks
    of halving size down to single statements (a body left empty becomes `pass`);
  - replace the body of a function, class or compound statement with `pass`, or a
    compound statement (if, for, while, with, try) with its body;
  - drop decorators, parameters, defaults, annotations (an annotated assignment becomes
    a plain one), base classes and keywords of classes, call arguments;
  - simplify expressions: a binary operation to either side, a boolean operation to its
    first operand, a conditional to either branch, drop elements of tuples, lists,
    sets and dicts, strings to '';
  - inline constants: a module-level NAME = CONSTANT assigned once, its uses replaced;
  - shorten names: every name (functions, classes, parameters, variables) longer than
    one character renamed everywhere to an unused short one, except --keep names,
    dunder names and builtins.
Phase "lines" deletes lines of SOURCE as written: chunks of halving size down to single
lines; candidates that do not parse are dropped.

Needs Python 3.9+ (ast.unparse); written in 3.8 syntax, standard library only.
"""
import ast
import builtins
import copy
import json
import sys

MAX_CANDIDATES = 400


def header_of(text):
    return [l for l in text.splitlines() if l.lstrip().startswith("# pyconform:")]


def parses(text):
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    # a line the case format would read as its own (a block name or the `=` line)
    for line in text.splitlines():
        if line.rstrip("\r") == "=" or line.startswith("$ "):
            return False
    return True


def render(tree, header):
    body = ast.unparse(ast.fix_missing_locations(tree))
    return "\n".join(header + [body]) + "\n" if body.strip() else "\n".join(header + ["pass"]) + "\n"


STMT_LISTS = ("body", "orelse", "finalbody")
COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def nodes(tree):
    """Every node in a fixed order (breadth first, as ast.walk)."""
    return list(ast.walk(tree))


class Variants:
    """Apply an edit to a fresh copy of the tree at node index i, collect the text."""

    def __init__(self, tree, header):
        self.tree = tree
        self.header = header
        self.out = []

    def edit(self, index, fn):
        t = copy.deepcopy(self.tree)
        node = nodes(t)[index]
        try:
            if fn(node, t) is False:
                return
            text = render(t, self.header)
        except Exception:  # an edit that leaves no valid tree is no candidate
            return
        self.out.append(text)


def chunks(n):
    """(start, stop) ranges: halves, quarters, ... down to single items."""
    size = n
    seen = []
    while size >= 1:
        for start in range(0, n, size):
            r = (start, min(n, start + size))
            if r not in seen:
                seen.append(r)
        if size == 1:
            break
        size //= 2
    return seen


def ast_candidates(text, keep):
    tree = ast.parse(text)
    header = header_of(text)
    v = Variants(tree, header)
    all_nodes = nodes(tree)

    # delete statements
    for i, node in enumerate(all_nodes):
        for field in STMT_LISTS:
            stmts = getattr(node, field, None)
            if not isinstance(stmts, list) or not stmts or not isinstance(stmts[0], ast.stmt):
                continue
            for start, stop in chunks(len(stmts)):
                def delete(n, t, field=field, start=start, stop=stop):
                    lst = getattr(n, field)
                    del lst[start:stop]
                    if not lst and not (isinstance(n, ast.Module) or field in ("orelse", "finalbody")):
                        lst.append(ast.Pass())
                    if isinstance(n, ast.Try) and field == "finalbody" and not n.finalbody \
                            and not n.handlers:
                        n.finalbody.append(ast.Pass())
                v.edit(i, delete)

    for i, node in enumerate(all_nodes):
        # bodies to pass
        if isinstance(node, DEFS + COMPOUND) and not (
                len(node.body) == 1 and isinstance(node.body[0], ast.Pass)):
            def to_pass(n, t):
                n.body = [ast.Pass()]
            v.edit(i, to_pass)
        # a compound statement replaced by its body
        if isinstance(node, COMPOUND):
            def unwrap(n, t):
                for parent in ast.walk(t):
                    for field in STMT_LISTS:
                        lst = getattr(parent, field, None)
                        if isinstance(lst, list) and n in lst:
                            k = lst.index(n)
                            lst[k:k + 1] = n.body
                            return True
                return False
            v.edit(i, unwrap)
        # decorators, parameters, defaults, annotations, bases
        if isinstance(node, DEFS) and node.decorator_list:
            for d in range(len(node.decorator_list)):
                def drop_dec(n, t, d=d):
                    del n.decorator_list[d]
                v.edit(i, drop_dec)
        if isinstance(node, ast.ClassDef):
            for d in range(len(node.bases)):
                def drop_base(n, t, d=d):
                    del n.bases[d]
                v.edit(i, drop_base)
            for d in range(len(node.keywords)):
                def drop_kw(n, t, d=d):
                    del n.keywords[d]
                v.edit(i, drop_kw)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            for field in ("posonlyargs", "args", "kwonlyargs"):
                for d in range(len(getattr(a, field))):
                    def drop_arg(n, t, field=field, d=d):
                        args = n.args
                        lst = getattr(args, field)
                        if field == "kwonlyargs":
                            del args.kw_defaults[d]
                        else:
                            npos = len(args.posonlyargs) + len(args.args)
                            pos = d if field == "posonlyargs" else len(args.posonlyargs) + d
                            first_default = npos - len(args.defaults)
                            if pos >= first_default:
                                del args.defaults[pos - first_default]
                        del lst[d]
                    v.edit(i, drop_arg)
            if a.vararg:
                v.edit(i, lambda n, t: setattr(n.args, "vararg", None))
            if a.kwarg:
                v.edit(i, lambda n, t: setattr(n.args, "kwarg", None))
            if a.defaults or any(a.kw_defaults):
                def drop_defaults(n, t):
                    n.args.defaults = []
                    n.args.kw_defaults = [None] * len(n.args.kwonlyargs)
                v.edit(i, drop_defaults)
            if node.returns is not None or any(
                    x.annotation is not None for x in a.posonlyargs + a.args + a.kwonlyargs):
                def drop_ann(n, t):
                    n.returns = None
                    for x in n.args.posonlyargs + n.args.args + n.args.kwonlyargs:
                        x.annotation = None
                v.edit(i, drop_ann)
        if isinstance(node, ast.AnnAssign):
            def plain(n, t):
                for parent in ast.walk(t):
                    for field in STMT_LISTS:
                        lst = getattr(parent, field, None)
                        if isinstance(lst, list) and n in lst:
                            k = lst.index(n)
                            lst[k:k + 1] = [ast.Assign(targets=[n.target], value=n.value)] \
                                if n.value is not None else []
                            if not lst:
                                lst.append(ast.Pass())
                            return True
                return False
            v.edit(i, plain)
        # call arguments
        if isinstance(node, ast.Call):
            for d in range(len(node.args)):
                def drop_carg(n, t, d=d):
                    del n.args[d]
                v.edit(i, drop_carg)
            for d in range(len(node.keywords)):
                def drop_ckw(n, t, d=d):
                    del n.keywords[d]
                v.edit(i, drop_ckw)
        # expressions
        if isinstance(node, (ast.BinOp, ast.BoolOp, ast.IfExp, ast.Tuple, ast.List, ast.Set,
                             ast.Dict, ast.Constant)):
            for variant in expr_variants(node):
                def replace(n, t, variant=variant):
                    return replace_node(t, n, variant(n))
                v.edit(i, replace)

    v.out.extend(inline_constants(tree, header))
    v.out.extend(shorten_names(tree, header, keep))
    v.out.extend(strip_all(tree, header))
    return v.out


def strip_all(tree, header):
    """Every decorator, annotation and default dropped at once (one step, not many)."""
    t = copy.deepcopy(tree)
    for node in ast.walk(t):
        if isinstance(node, DEFS):
            node.decorator_list = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
            for x in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
                x.annotation = None
            for x in (node.args.vararg, node.args.kwarg):
                if x is not None:
                    x.annotation = None
        for field in STMT_LISTS:
            lst = getattr(node, field, None)
            if isinstance(lst, list):
                new = []
                for st in lst:
                    if isinstance(st, ast.AnnAssign):
                        if st.value is not None:
                            new.append(ast.Assign(targets=[st.target], value=st.value))
                    else:
                        new.append(st)
                if lst and not new and not isinstance(node, ast.Module) and field == "body":
                    new = [ast.Pass()]
                setattr(node, field, new)
    try:
        return [render(t, header)]
    except Exception:
        return []


def expr_variants(node):
    out = []
    if isinstance(node, ast.BinOp):
        out += [lambda n: n.left, lambda n: n.right]
    elif isinstance(node, ast.BoolOp):
        out += [lambda n: n.values[0]]
    elif isinstance(node, ast.IfExp):
        out += [lambda n: n.body, lambda n: n.orelse]
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts:
        for d in range(len(node.elts)):
            def drop(n, d=d):
                m = copy.copy(n)
                m.elts = n.elts[:d] + n.elts[d + 1:]
                return m
            out.append(drop)
    elif isinstance(node, ast.Dict) and node.keys:
        for d in range(len(node.keys)):
            def dropk(n, d=d):
                m = copy.copy(n)
                m.keys = n.keys[:d] + n.keys[d + 1:]
                m.values = n.values[:d] + n.values[d + 1:]
                return m
            out.append(dropk)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 1:
        out.append(lambda n: ast.Constant(value=""))
    return out


def replace_node(tree, old, new):
    """Put `new` where `old` is in tree; False when old is nowhere (no candidate)."""
    if new is old:
        return False
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return True
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return True
    return False


def inline_constants(tree, header):
    out = []
    assigned = {}
    for stmt in tree.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                assigned[node.id] = assigned.get(node.id, 0) + 1
    for k, stmt in enumerate(tree.body):
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Constant)
                and assigned.get(stmt.targets[0].id) == 1):
            name = stmt.targets[0].id
            t = copy.deepcopy(tree)
            value = t.body[k].value
            del t.body[k]
            for node in ast.walk(t):
                for field, child in ast.iter_fields(node):
                    if isinstance(child, ast.Name) and child.id == name:
                        setattr(node, field, ast.Constant(value=value.value))
                    elif isinstance(child, list):
                        for j, item in enumerate(child):
                            if isinstance(item, ast.Name) and item.id == name:
                                child[j] = ast.Constant(value=value.value)
            try:
                out.append(render(t, header))
            except Exception:
                pass
    return out


def identifiers(tree):
    """Names the block binds, in order of first appearance."""
    order = []

    def add(name):
        if name not in order:
            order.append(name)
    for node in ast.walk(tree):
        if isinstance(node, DEFS):
            add(node.name)
        elif isinstance(node, ast.arg):
            add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for n in node.names:
                add(n)
    return order


def shorten_names(tree, header, keep):
    out = []
    used = set()
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, str):
                used.add(value)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
    pool = [c for c in "abcdefghijklmnopqrstuvwxyz" if c not in used]
    names = [n for n in identifiers(tree)
             if len(n) > 1 and n not in keep and not n.startswith("__")
             and not hasattr(builtins, n)]
    # all at once first (one step when it works), then one by one
    if len(names) > 1 and len(pool) >= len(names):
        mapping = dict(zip(names, pool))
        t = copy.deepcopy(tree)
        rename(t, mapping)
        try:
            out.append(render(t, header))
        except Exception:
            pass
    for name in names:
        if not pool:
            break
        t = copy.deepcopy(tree)
        rename(t, {name: pool[0]})
        try:
            out.append(render(t, header))
        except Exception:
            pass
    return out


def rename(t, mapping):
    """Rename every binding and use of the names in mapping, in place."""
    for node in ast.walk(t):
        if isinstance(node, DEFS) and node.name in mapping:
            node.name = mapping[node.name]
        elif isinstance(node, ast.arg) and node.arg in mapping:
            node.arg = mapping[node.arg]
        elif isinstance(node, ast.Name) and node.id in mapping:
            node.id = mapping[node.id]
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            node.names = [mapping.get(n, n) for n in node.names]
        elif isinstance(node, ast.keyword) and node.arg in mapping:
            node.arg = mapping[node.arg]


def line_candidates(text):
    lines = text.splitlines(True)
    out = []
    for start, stop in chunks(len(lines)):
        part = lines[start:stop]
        if all(l.lstrip().startswith("# pyconform:") for l in part):
            continue
        kept = [l for l in part if l.lstrip().startswith("# pyconform:")]
        out.append("".join(lines[:start] + kept + lines[stop:]))
    return out


def size(text):
    return (len([l for l in text.splitlines() if l.strip()]), len(text))


def main(argv):
    phase = "ast"
    keep = set()
    i = 0
    while i < len(argv):
        if argv[i] == "--phase" and i + 1 < len(argv):
            phase = argv[i + 1]
            i += 2
        elif argv[i] == "--keep" and i + 1 < len(argv):
            keep.add(argv[i + 1])
            i += 2
        else:
            sys.stderr.write("reduce.py: unknown argument %r\n" % argv[i])
            return 2
    if phase not in ("ast", "lines"):
        sys.stderr.write("reduce.py: --phase ast or lines\n")
        return 2
    if not hasattr(ast, "unparse"):
        sys.stderr.write("reduce.py: needs Python 3.9 or newer (ast.unparse)\n")
        return 2
    text = sys.stdin.read()
    try:
        ast.parse(text)
    except SyntaxError as e:
        sys.stderr.write("reduce.py: the block does not parse: %s (line %s)\n" % (e.msg, e.lineno))
        return 2
    made = ast_candidates(text, keep) if phase == "ast" else line_candidates(text)
    here = size(text)
    seen = set()
    ranked = []
    for n, cand in enumerate(made):
        if cand in seen or cand == text:
            continue
        seen.add(cand)
        s = size(cand)
        if s >= here or not parses(cand):
            continue
        ranked.append((s, n, cand))
    ranked.sort()
    json.dump({"candidates": [c for _, _, c in ranked[:MAX_CANDIDATES]]}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
