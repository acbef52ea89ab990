"""Describe the running interpreter as one JSON object on stdout.

Run as `PY -s -B runners/probe.py`.  Must work on Python 2.7 and every 3.x
(no f-strings), and on PyPy and Pyodide, so every attribute that an
implementation might lack is read defensively.  See docs/protocol.md.
"""
import json
import os
import struct
import sys

# Release level names as they appear in version strings (3.15.0a2, 3.15.0rc1).
_LEVEL_SUFFIX = {"alpha": "a", "beta": "b", "candidate": "rc"}


def implementation_name():
    impl = getattr(sys, "implementation", None)  # missing on 2.7
    name = getattr(impl, "name", None)
    if name:
        return name
    try:
        import platform
        return platform.python_implementation().lower()  # "cpython", "pypy"
    except Exception:
        return "cpython"


def version_info():
    info = sys.version_info
    return [info[0], info[1], info[2], info[3], info[4]]


def version_string():
    major, minor, micro, level, serial = version_info()
    text = "%d.%d.%d" % (major, minor, micro)
    if level != "final":
        text += "%s%d" % (_LEVEL_SUFFIX.get(level, level), serial)
    return text


def config_var(name):
    try:
        import sysconfig
        return sysconfig.get_config_var(name)
    except Exception:
        return None


def stdlib_dir():
    try:
        import sysconfig
        path = sysconfig.get_paths().get("stdlib")
        if path:
            return path
    except Exception:
        pass
    # Fall back to the directory that holds the os module.
    return os.path.dirname(os.path.abspath(getattr(os, "__file__", "") or "."))


def gil_enabled():
    check = getattr(sys, "_is_gil_enabled", None)
    if check is None:
        return True
    try:
        return bool(check())
    except Exception:
        return True


def threads_work():
    """Whether a thread can actually be started (not on Pyodide / WASI)."""
    try:
        import threading
        done = []
        worker = threading.Thread(target=lambda: done.append(1))
        worker.start()
        worker.join(5)
        return done == [1]
    except Exception:
        return False


def executable():
    exe = getattr(sys, "executable", None) or ""
    if exe:
        exe = os.path.abspath(exe)
    return exe


def main():
    platform_name = getattr(sys, "platform", "")
    info = [
        ("implementation", implementation_name()),
        ("version", version_string()),
        ("version_info", version_info()),
        ("executable", executable()),
        ("debug", hasattr(sys, "gettotalrefcount")),
        ("free_threaded", bool(config_var("Py_GIL_DISABLED"))),
        ("gil_enabled", gil_enabled()),
        ("wasm", platform_name in ("emscripten", "wasi")),
        ("platform", platform_name),
        ("stdlib", stdlib_dir()),
        ("pointer_bits", struct.calcsize("P") * 8),
        ("threads", threads_work()),
    ]
    # Build the object by hand so the key order is the documented one on 2.7 too.
    parts = []
    for key, value in info:
        parts.append(json.dumps(key) + ": " + json.dumps(value))
    sys.stdout.write("{" + ", ".join(parts) + "}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
