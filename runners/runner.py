"""Long-lived case runner: NDJSON jobs on stdin, NDJSON results on stdout.

Run as `PY -s -B runners/runner.py` (Python 3.8+, standard library only).
The contract is docs/protocol.md.  In short, for every job line:

  1. compile the case text with filename "<case NAME>" and classify the
     scopes of its code objects (observe.scope_table);
  2. execute it in a fresh module "__case__" (in desugared mode with the
     runtime module __dp__ bound as a global);
  3. call, in module dict order, every top-level function of the case text
     that needs no arguments, recording its outcome, printed text and time,
     and what f_locals held when each of the case's frames returned during
     the call (observe.CallRecorder);
  4. write one result line with every value in canonical JSON form.

Case code must never be able to corrupt the protocol stream, so at start-up
the real stdout is moved to a private file descriptor, fd 1 is pointed at
stderr and fd 0 at /dev/null, and sys.stdout is replaced by a capture buffer
whenever case code runs.
"""
import gc
import io
import json
import os
import re
import sys
import time
import types

RUNNERS_DIR = os.path.dirname(os.path.abspath(__file__))
if RUNNERS_DIR not in sys.path:  # observe and __dp__ live next to this file
    sys.path.insert(0, RUNNERS_DIR)

import observe  # noqa: E402 - needs the path above
import suite  # noqa: E402 - suite jobs (upstream test modules), same folder
HELLO = {"hello": "pyconform-runner", "protocol": 2}
MODES = ("source", "desugared")
MODULE_NAME = "__case__"
DEFAULT_MAX_OUTPUT = 1 << 20  # bytes of stdout kept per call (--max-output)
DEFAULT_MAX_LINE = 64 << 20  # bytes of one protocol line (the harness sends max_line)

# Canonical value limits (docs/protocol.md, "Canonical values").
MAX_DEPTH = 50
INT_MIN = -(2 ** 63)
INT_MAX = 2 ** 63 - 1
BIG_INT_BITS = 14000  # beyond this (about 4200 decimal digits), ints are shown in hex
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
# Thread reprs carry the OS thread id ("<Thread(worker, started 1403...)>").
THREAD_IDENT = re.compile(r"(started(?: daemon)?) [0-9]+")

# Types shown as {"function": qualname}: functions, builtins and all kinds of
# bound or unbound methods (slot wrappers included).
FUNCTION_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
)


# ---------------------------------------------------------------------------
# Text helpers


def _thread_ident(match):
    return match.group(1) + " ?"


def scrub(text):
    """Replace memory addresses (0x7f3a...) by 0x? so output is stable.
    The thread-id replacement is a function, not the template r"\1 ?":
    re parses a template on first use and caches it per process, so every
    forked job child would parse it again (about 1 ms).  Most text holds
    neither pattern; the substring tests skip the regular expressions."""
    if "0x" in text:
        text = ADDRESS.sub("0x?", text)
    if "started" in text:
        text = THREAD_IDENT.sub(_thread_ident, text)
    return text


def json_safe(text):
    """Turn lone surrogates, which cannot be encoded as UTF-8, into
    backslash escapes so the text can go into a result line."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def clean_text(text):
    """Free text produced by case code (printed output, exception messages,
    reprs): addresses scrubbed and made safe for a result line."""
    return json_safe(scrub(text))


def safe_str(exc):
    """str(exc), which runs case code and so may itself fail."""
    try:
        text = str(exc)
    except BaseException as err:  # noqa: B036 - case code may raise anything
        return "<str() raised %s>" % type(err).__name__
    return clean_text(text)


def describe_exception(exc):
    return {"type": type(exc).__name__, "message": safe_str(exc)}


def type_qualname(obj):
    return getattr(type(obj), "__qualname__", type(obj).__name__)


# ---------------------------------------------------------------------------
# Canonical values


def canonical(value, style=None):
    """Convert any Python value to deterministic JSON data (protocol table).

    `style` (a LocalsStyle, for f_locals_at_return) changes two forms:
    objects show their type only, and named namespaces show their name.

    Never raises: if conversion itself fails (for example a RecursionError
    from a tiny recursion limit set by the case), the value is reported like
    an object whose repr failed.
    """
    try:
        return _canon(value, set(), 1, style)
    except BaseException as err:  # noqa: B036
        return {"object": type_qualname(value), "repr_error": type(err).__name__}


class LocalsStyle(object):
    """The canonical form of values in f_locals_at_return (docs/protocol.md,
    "f_locals at return").  Helper frames hold objects whose reprs change
    with every version (code objects, dis.Instruction, symtable.Symbol) and
    namespaces such as globals() whose contents are the interpreter's (the
    builtins dict), not the case's; what a frame's locals hold is told by
    their names and types there.  So objects show their type only, and the
    namespaces given by name (the case module's globals, the builtins dict)
    show that name instead of their contents."""

    def __init__(self, named):
        self.named = named  # {id(namespace): name}; the caller keeps them alive

    @staticmethod
    def for_module(module_dict):
        import builtins

        return LocalsStyle({id(module_dict): "module globals",
                            id(builtins.__dict__): "builtins"})


def canonical_locals(pairs, style):
    """f_locals_at_return's "locals": a {"dict": pairs} sorted by key, so the
    comparison is of the mapping (locals() key order is judged by the cases
    that print it), with values in `style`."""
    converted = canonical(dict(pairs), style)
    if isinstance(converted, dict) and "dict" in converted:
        items = converted["dict"]
        if all(type(k) is str and _plain_json(k) for k, _ in items):
            # Names (the usual keys) that JSON writes without escapes: their
            # JSON text is '"' + k + '"', and k + '"' orders the same way
            # (the opening quote is common) without encoding every key.
            items.sort(key=lambda pair: pair[0] + '"')
        else:
            items.sort(key=lambda pair: json.dumps(pair[0], sort_keys=True))
    return converted


def _plain_json(text):
    """True when json.dumps(text) is text in double quotes, unescaped:
    printable ASCII without a quote or a backslash."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def _name_of(obj, fallback):
    """__qualname__ (or __name__) of obj when it is a string, else fallback."""
    for attr in ("__qualname__", "__name__"):
        try:
            name = getattr(obj, attr, None)
        except BaseException:  # noqa: B036 - a property may raise
            name = None
        if isinstance(name, str):
            return name
    return fallback


def _canon(value, active, depth, style):
    """`active` holds id()s of the containers on the current path (cycle
    guard); `depth` is the nesting level of `value` (the top value is 1);
    `style` is None or a LocalsStyle."""
    t = type(value)
    if style is not None and id(value) in style.named:
        return {"namespace": style.named[id(value)]}

    # Scalars.  Exact types only (bool before int); subclasses such as enums
    # or named tuples fall through to the repr form, except dict subclasses.
    if value is None or t is bool:
        return value
    if t is int:
        if INT_MIN <= value <= INT_MAX:
            return value
        if value.bit_length() > BIG_INT_BITS:
            # str() of such an int is refused on 3.11+ (the 4300-digit limit) and
            # slow everywhere: hex is exact, fast, and the same on every build
            return {"int_hex": hex(value)}
        return {"int": str(value)}
    if t is float:
        return {"float": repr(value)}
    if t is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: not valid in JSON text
            return {"object": "str", "repr": repr(value)}
        return value
    if t is bytes:
        return {"bytes": repr(value)}
    if t is bytearray:
        return {"bytearray": repr(value)}

    # Named things.  Tests use issubclass(type(value), ...) rather than
    # isinstance(), which would consult a case-defined __class__ property.
    if issubclass(t, FUNCTION_TYPES):
        name = _name_of(value, None)
        if name is not None:
            return {"function": name}
    elif issubclass(t, type):
        return {"class": _name_of(value, t.__name__)}
    elif issubclass(t, types.ModuleType):
        name = getattr(value, "__name__", None)
        if isinstance(name, str):
            return {"module": name}

    # Containers (exceptions count as containers of their args).
    container = (
        t in (list, tuple, set, frozenset)
        or issubclass(t, dict)
        or issubclass(t, BaseException)
    )
    if container:
        if id(value) in active:
            return {"recursive": t.__name__}
        if depth > MAX_DEPTH:
            return {"too_deep": t.__name__}
        active.add(id(value))
        try:
            return _canon_container(value, t, active, depth + 1, style)
        finally:
            active.discard(id(value))

    if style is not None:
        return {"object": type_qualname(value)}
    return _canon_object(value)


def _canon_container(value, t, active, depth, style):
    if t is list:
        return [_canon(item, active, depth, style) for item in value]
    if t is tuple:
        return {"tuple": [_canon(item, active, depth, style) for item in value]}
    if t is set or t is frozenset:
        items = [_canon(item, active, depth, style) for item in value]
        items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return {t.__name__: items}
    if issubclass(t, BaseException):
        args = [_canon(arg, active, depth, style) for arg in value.args]
        return {"exception": t.__name__, "args": args}
    # dict or dict subclass, in insertion order
    pairs = []
    for key, item in list(value.items()):
        pairs.append([_canon(key, active, depth, style), _canon(item, active, depth, style)])
    return {"dict": pairs}


def _canon_object(value):
    try:
        text = repr(value)
    except BaseException as err:  # noqa: B036
        return {"object": type_qualname(value), "repr_error": type(err).__name__}
    return {"object": type_qualname(value), "repr": clean_text(text)}


# ---------------------------------------------------------------------------
# Running case code


class Capture(io.StringIO):
    """Stands in for sys.stdout while case code runs.

    It keeps at most `limit` bytes (UTF-8) of what is written and counts the
    rest (`total`), so a flood costs no memory.  `buffer` takes bytes, as a
    real stdout's does; they are kept decoded as UTF-8 with invalid bytes
    shown as backslash escapes (\\xff).  close() is ignored so the captured
    text survives `sys.stdout.close()` in a case."""

    def __init__(self, limit):
        io.StringIO.__init__(self)
        self.limit = limit
        self.kept = 0   # bytes kept
        self.total = 0  # bytes written
        self.buffer = _BytesSink(self)

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("string argument expected, got '%s'" % type(text).__name__)
        written = len(text)
        nbytes = written if text.isascii() else _utf8_len(text)
        room = self.count(nbytes)
        if room < nbytes:
            # at most `room` characters are encoded, however long the text
            text = text[:room].encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
        self.keep(text, _utf8_len(text) if room < nbytes else nbytes)
        return written

    def count(self, nbytes):
        """Count nbytes written; returns how many of them may still be kept."""
        self.total += nbytes
        return min(nbytes, max(self.limit - self.kept, 0))

    def keep(self, text, nbytes):
        self.kept += nbytes
        io.StringIO.write(self, text)

    def truncated(self):
        """{"stdout": total bytes} when something was dropped, else None."""
        return {"stdout": self.total} if self.total > self.kept else None

    def close(self):
        pass


class _BytesSink(object):
    """sys.stdout.buffer of a Capture: bytes in, escaped text out."""

    def __init__(self, capture):
        self._capture = capture

    def write(self, data):
        data = bytes(data)
        # the bytes are cut before they are escaped: the cap counts bytes written
        kept = data[:self._capture.count(len(data))]
        self._capture.keep(kept.decode("utf-8", "backslashreplace"), len(kept))
        return len(data)

    def flush(self):
        pass


def _utf8_len(text):
    return len(text.encode("utf-8", "surrogatepass"))


def run_captured(func, limit, recorder=None):
    """Call func() with sys.stdout captured (at most `limit` bytes kept).
    Returns (value, exc, stdout, truncated, seconds) where exactly one of value/exc is meaningful (exc is None when
    func returned).  The value is already canonical, converted while the
    capture is still active so anything its repr prints is captured too.
    A recorder (observe.CallRecorder) is installed just for the call, here
    rather than in a wrapper, so the case runs at the same stack depth
    (which recursion-limit cases can tell) with or without it."""
    saved = sys.stdout
    buffer = Capture(limit)
    sys.stdout = buffer
    value = exc = None
    try:
        if recorder is not None:
            recorder.install()
        start = time.perf_counter()
        try:
            result = func()
        except BaseException as err:  # noqa: B036 - SystemExit etc. included
            exc = err
        finally:
            seconds = time.perf_counter() - start
            if recorder is not None:
                recorder.uninstall()
        if exc is None:
            with observe.PRISTINE:
                value = canonical(result)
    finally:
        sys.stdout = saved
    return value, exc, clean_text(buffer.getvalue()), buffer.truncated(), seconds


def needs_no_arguments(func):
    """True when func can be called as func(): every positional parameter
    and every keyword-only parameter has a default.  Reads the code object
    directly (inspect.signature is comparatively slow)."""
    code = func.__code__
    defaults = func.__defaults__ or ()
    if code.co_argcount > len(defaults):
        return False
    kwdefaults = func.__kwdefaults__ or {}
    start = code.co_argcount
    kwonly = code.co_varnames[start:start + code.co_kwonlyargcount]
    for name in kwonly:
        if name not in kwdefaults:
            return False
    return True


def case_functions(namespace, filename):
    """(name, function) pairs to call, in module dict order.  A function
    bound to several names is called once, under its first name."""
    found = []
    seen = set()
    for name, value in list(namespace.items()):
        if type(value) is not types.FunctionType:  # not isinstance: see _canon
            continue
        if value.__code__.co_filename != filename or id(value) in seen:
            continue
        if needs_no_arguments(value):
            seen.add(id(value))
            found.append((name, value))
    return found


def run_job(job, dp_module, emit):
    """Run one validated job, handing each protocol line's object to emit():
    first {"module": ...} (after the module body ran, with "calls", the
    names of the functions about to be called), then one {"function": ...}
    per call as it completes.  With job["resume"] = k the module body runs
    again and the first k calls are skipped: the harness resumes a job after
    a call timed out or crashed."""
    filename = "<case %s>" % job["case"]
    desugared = job["mode"] == "desugared"
    limit = job.get("max_output", DEFAULT_MAX_OUTPUT)
    module_result = {"compile_error": None, "error": None, "stdout": "", "scopes": {}}
    if desugared:
        module_result.update({"translation_scopes": {}, "translation_names": {"scopes": {}}})

    try:
        code = compile(job["source"], filename, "exec", dont_inherit=True)
    except BaseException as err:  # noqa: B036 - SyntaxError, ValueError (NUL), RecursionError
        if isinstance(err, SyntaxError):
            message, line = err.msg, err.lineno
        else:
            message, line = safe_str(err), None
        module_result["compile_error"] = {
            "type": type(err).__name__,
            "msg": json_safe(str(message)),
            "line": line,
        }
        module_result["calls"] = []
        emit({"module": module_result})
        return
    # Scope classification.  The translation's code objects differ from the
    # source's by design: its table is reported as it is (translation_scopes)
    # and, in the user's terms, as scopes (docs/protocol.md).
    scopes = observe.scope_table(code)
    tmap = None
    if desugared:
        tmap = observe.TranslationMap(job["source"])
        module_result["translation_scopes"] = scopes
        scopes, moved = observe.user_scope_table(scopes, tmap)
        module_result["translation_names"] = {"scopes": moved}
    index = observe.QualnameIndex(code, tmap)
    infos = {}  # per-code data for the f_locals hook, shared by the job's calls

    module = types.ModuleType(MODULE_NAME)
    if desugared:
        module.__dict__["__dp__"] = dp_module
    sys.modules[MODULE_NAME] = module
    namespace = module.__dict__
    style = LocalsStyle.for_module(namespace)

    def body():
        exec(code, namespace)

    _, exc, stdout, truncated, _ = run_captured(body, limit)
    module_result["stdout"] = stdout
    if truncated:
        module_result["truncated"] = truncated
    if exc is not None:
        module_result["error"] = describe_exception(exc)

    # Functions defined before a module-level error are still called; the
    # ones the body did not get to define are named (never absent).
    calls = case_functions(namespace, filename)
    missing = []
    if exc is not None:
        defined = set(name for name, _ in calls)
        missing = [name for name in top_level_defs(job["source"], desugared) if name not in defined]
    # Each call's share of the scope table, claimed in call order; the module
    # row keeps what no call claims.
    claims = [observe.claim_scopes(scopes, function_qualname(func, index)) for _, func in calls]
    module_result["scopes"] = scopes
    module_result["calls"] = [json_safe(name) for name, _ in calls]
    emit({"module": module_result})

    for name in missing:
        emit({"function": {"name": json_safe(name), "not_defined":
                           "the module body raised %s before defining it" % exc.__class__.__name__}})
    for position, (name, func) in enumerate(calls):
        if position < job.get("resume", 0):
            continue
        # f_locals_at_return (and translation_frames) of this call
        recorder = observe.CallRecorder(filename, index, lambda pairs: canonical_locals(pairs, style),
                                        infos)
        value, exc, stdout, truncated, seconds = run_captured(func, limit, recorder)
        if exc is None:
            outcome = {"kind": "return", "value": value}
        else:
            outcome = {"kind": "raise"}
            outcome.update(describe_exception(exc))
        entry = {"name": json_safe(name), "outcome": outcome,
                 "stdout": stdout, "seconds": seconds,
                 "scopes": claims[position]}
        if truncated:
            entry["truncated"] = truncated
        entry.update(recorder.result())
        emit({"function": entry})


def top_level_defs(source, desugared):
    """Names of the functions the case text defines at module level (in its
    body or in the blocks of its compound statements) that would be called
    (every parameter has a default), read from the syntax tree: the module
    body may raise before defining them, and the code object need not hold
    them (CPython 3.10+ drops the code after a module-level `raise`).  In
    desugared mode `_dp_fn_f` is `f`."""
    import ast

    names = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = child.args
                positional = getattr(args, "posonlyargs", []) + args.args
                if len(args.defaults) < len(positional) or None in args.kw_defaults:
                    continue
                name = child.name
                if desugared:
                    if not name.startswith("_dp_fn_"):
                        continue
                    name = name[len("_dp_fn_"):]
                if name not in names:
                    names.append(name)
            elif not isinstance(child, ast.ClassDef):
                visit(child)

    visit(ast.parse(source))
    return names


def function_qualname(func, index):
    """The qualname under which a top-level function's scopes are listed:
    its code's (mapped to the user's in desugared mode)."""
    name = index.qualname(func.__code__)
    if index.tmap is not None:
        name = index.tmap.user_qualname(name) or name
    return name


# ---------------------------------------------------------------------------
# Protocol loop


def parse_job(line):
    """Decode and validate one job line.  Returns (job, None) or
    (None, (id-or-None, error text))."""
    try:
        job = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return None, (None, "bad job line: %s" % err)
    if not isinstance(job, dict):
        return None, (None, "bad job line: not a JSON object")
    job_id = job.get("id")
    for key, kind in (("case", str), ("source", str), ("mode", str)):
        if not isinstance(job.get(key), kind):
            return None, (job_id, "bad job: %r missing or not a string" % key)
    if "id" not in job:
        return None, (None, "bad job: 'id' missing")
    if job["mode"] not in MODES:
        return None, (job_id, "bad job: unknown mode %r" % job["mode"])
    spec = job.get("suite")
    if spec is not None and (not isinstance(spec, dict) or not isinstance(spec.get("module"), str)
                             or not isinstance(spec.get("path", ""), str)):
        return None, (job_id, "bad job: 'suite' is not {\"module\": NAME, \"path\": FILE}")
    for key in ("resume", "max_output", "max_memory", "max_line"):
        value = job.get(key, 0)
        if type(value) is not int or value < 0:
            return None, (job_id, "bad job: %r is not a non-negative integer" % key)
    # "filename", "first_line" and "timeout" are informational; ignored here.
    return job, None


def load_dp():
    """Import the desugaring runtime once.  Returns (module, error text)."""
    try:
        import __dp__
    except BaseException as err:  # noqa: B036
        return None, "cannot import __dp__: %s: %s" % (type(err).__name__, err)
    return __dp__, None


def open_streams():
    """Take private copies of fd 0 and fd 1 for the protocol, then point
    fd 0 at /dev/null and fd 1 at stderr so case code cannot touch them."""
    sys.stdout.flush()
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return proto_in, proto_out


class Sender(object):
    """Writes protocol lines for one job.  A line longer than max_line bytes
    (a huge return value, say) is replaced by an error entry so the harness
    never has to hold it.  In a job child, only the child itself may write:
    a process the case forked that returns into runner code exits instead."""

    def __init__(self, out, job_id, max_line, owner_pid):
        self.out = out
        self.job_id = job_id
        self.max_line = max_line or DEFAULT_MAX_LINE
        self.owner_pid = owner_pid

    def __call__(self, obj):
        with observe.PRISTINE:  # the case may have rebound builtins the encoder uses
            self.send(obj)

    def send(self, obj):
        if self.owner_pid is not None and os.getpid() != self.owner_pid:
            os._exit(0)
        obj["id"] = self.job_id
        text, nbytes = encode_line(obj)
        if nbytes > self.max_line and "function" in obj:
            entry = obj["function"]
            text, _ = encode_line({"id": self.job_id, "function": {
                "name": entry.get("name"), "status": "error",
                "detail": "result line of %d bytes exceeds the limit of %d bytes"
                          % (nbytes, self.max_line)}})
        elif nbytes > self.max_line:
            text, _ = encode_line({"id": self.job_id, "runner_error":
                                   "module line of %d bytes exceeds the limit of %d bytes"
                                   % (nbytes, self.max_line)})
        self.out.write(text)
        self.out.flush()


def encode_line(obj):
    """One protocol line and its length in bytes (UTF-8, as the harness
    counts it).  Case-derived text has been cleaned already; should a line
    still fail to encode (say, a job id holding a lone surrogate), a
    runner_error goes out in its place so the harness is never left
    waiting."""
    try:
        text = json.dumps(obj, ensure_ascii=False)
        # (most lines are ASCII: their length is their size, no copy needed)
        nbytes = (len(text) if text.isascii() else len(text.encode("utf-8"))) + 1
    except (TypeError, ValueError) as err:  # UnicodeEncodeError is a ValueError
        text = json.dumps({"id": None, "runner_error": "cannot encode result: %s" % err})
        nbytes = len(text) + 1  # ASCII (ensure_ascii)
    return text + "\n", nbytes


def send(out, obj):
    out.write(encode_line(obj)[0])
    out.flush()


def collect_garbage():
    """Collect the job's garbage now, so that __del__ methods of its cyclic
    garbage run here (their output goes to stderr) and not in the middle of
    a later job, where they would pollute its captured stdout."""
    try:
        gc.collect()
    except BaseException:  # noqa: B036 - a __del__ may do anything
        pass


def run_line(line, dp_module, dp_error, out, owner_pid):
    """Run the job of one line, writing its module and function lines."""
    job, problem = parse_job(line)
    if job is not None and job["mode"] == "desugared" and dp_module is None:
        job, problem = None, (job["id"], dp_error)
    if job is None:
        send(out, {"id": problem[0], "runner_error": problem[1]})
        return
    emit = Sender(out, job["id"], job.get("max_line", 0), owner_pid)
    try:
        if job.get("suite") is not None:
            filename = job["suite"].get("path") or "<case %s>" % job["case"]
            suite.run_suite_job(job, dp_module, emit, filename, clean_text)
        else:
            run_job(job, dp_module, emit)
    except BaseException as err:  # noqa: B036 - report, never hang the harness
        text = "%s: %s" % (type(err).__name__, safe_str(err))
        emit({"runner_error": "runner failed: " + text})


# The max_memory field of a job line, read before the line is decoded.
# Compiled here, in the fork server: compiled on first use it would be
# compiled again in every job child (about 2 ms, most of what a small job
# costs beside its own work).
MAX_MEMORY_FIELD = re.compile(rb'"max_memory": ?([0-9]+)')


def import_resource():
    """The resource module, or None where there is none.  The fork server
    imports it once, rather than each job child (about 0.5 ms each)."""
    try:
        import resource
    except ImportError:
        return None
    return resource


def limit_memory(line, resource):
    """In a job child: cap the address space at the job's max_memory (an
    allocation beyond it raises MemoryError).  The job line is peeked at
    with a regular expression, not decoded, so nothing is parsed before
    the limit holds.  `resource` is import_resource()'s module (None: no
    limit on this platform; documented in docs/protocol.md)."""
    match = MAX_MEMORY_FIELD.search(line)
    if not match or int(match.group(1)) == 0 or resource is None:
        return
    try:
        limit = int(match.group(1))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass  # no limit on this platform; documented in docs/protocol.md


def describe_status(status):
    """The end line's status object for a waitpid() status."""
    if os.WIFSIGNALED(status):
        return '{"signal": %d}' % os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return '{"exit": %d}' % os.WEXITSTATUS(status)
    return '{"exit": -1}'


def job_lines(proto_in):
    """The job lines from the harness, until EOF (blank lines are not jobs)."""
    while True:
        line = proto_in.readline()
        if not line:
            return
        if line.strip():
            yield line


def serve_forking(proto_in, proto_out, dp_module, dp_error):
    """The fork server: for every job line, fork a child that runs the job
    and exits.  This process only reads lines, forks and waits, so its own
    state (what PyPy's dict orderings depend on, say) is the same for every
    job, and nothing a job does reaches the next one.  After the child ends
    it writes {"end": {"exit": CODE}} or {"end": {"signal": N}}, formatted
    without building any object."""
    resource = import_resource()
    for line in job_lines(proto_in):
        proto_out.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                limit_memory(line, resource)
                run_line(line, dp_module, dp_error, proto_out, os.getpid())
                proto_out.flush()
            except BaseException:  # noqa: B036 - exit 70 tells the harness
                code = 70
            os._exit(code)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
        proto_out.write('{"end": %s}\n' % describe_status(status))
        proto_out.flush()


def raw_environ():
    """A copy of os.environ to compare with an earlier one.  Its private raw
    mapping, where there is one, compares without decoding every entry."""
    raw = getattr(os.environ, "_data", None)
    return dict(raw) if isinstance(raw, dict) else dict(os.environ)


def serve_in_process(proto_in, proto_out, dp_module, dp_error):
    """Builds without fork (Pyodide), and every build under `--isolation
    shared`: run each job here, then put back the state the runner relies
    on (docs/protocol.md, "Isolation").  Where there is a resource module,
    each job's max_memory limits this process's address space."""
    resource = import_resource()
    saved_stdout, saved_stderr, saved_stdin = sys.stdout, sys.stderr, sys.stdin
    saved_limit = sys.getrecursionlimit()
    saved_modules = set(sys.modules)
    saved_cwd = os.getcwd()
    saved_environ, saved_raw = dict(os.environ), raw_environ()
    # Everything alive now is the runner's: frozen, it is left out of the
    # collections after every job (collect_garbage), which then scan only
    # what the job made (a full scan of Pyodide's heap costs about 10 ms).
    gc.collect()
    if hasattr(gc, "freeze"):  # not on PyPy
        gc.freeze()
    for line in job_lines(proto_in):
        limit_memory(line, resource)
        run_line(line, dp_module, dp_error, proto_out, None)
        sys.stdout, sys.stderr, sys.stdin = saved_stdout, saved_stderr, saved_stdin
        sys.setrecursionlimit(saved_limit)
        sys.settrace(None)
        sys.setprofile(None)
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
        try:
            os.chdir(saved_cwd)
        except OSError:
            pass
        if raw_environ() != saved_raw:  # a full rewrite costs about 1 ms
            os.environ.clear()
            os.environ.update(saved_environ)
        observe.PRISTINE.restore()
        collect_garbage()
        proto_out.write('{"end": {"exit": 0}}\n')
        proto_out.flush()


def can_fork():
    return hasattr(os, "fork") and sys.platform not in ("emscripten", "wasi")


# Set by the harness for `--isolation shared` (harness/pipeline/protocol.c); taken
# out of os.environ at start-up, so case code never sees it.
ISOLATION_VARIABLE = "PYCONFORM_ISOLATION"


def main():
    if sys.path[0] != RUNNERS_DIR:
        sys.path.insert(0, RUNNERS_DIR)
    shared = os.environ.pop(ISOLATION_VARIABLE, "") == "shared"
    proto_in, proto_out = open_streams()
    dp_module, dp_error = load_dp()
    fork = can_fork() and not shared
    with proto_in, proto_out:
        send(proto_out, dict(HELLO, fork=fork))
        if fork:
            serve_forking(proto_in, proto_out, dp_module, dp_error)
        else:
            serve_in_process(proto_in, proto_out, dp_module, dp_error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
