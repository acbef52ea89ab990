"""runners/pyodide_host.mjs and provision/pyodide.sh, offline, on Pyodide packages
that are already installed (PYCONFORM_PYODIDE_DIR=DIR[:DIR...], else the ones
provisioned in the cache; the oldest and the newest are tested, every one with
PYCONFORM_TEST_ALL_PYODIDE=1).  Skipped when there is none or no Node.

Checked: probe.py's JSON; a line-by-line (lockstep) NDJSON conversation with
stdin/stdout on the real fds and fd 1 of the Python code moved to stderr; a
per-job "timeout" turning into KeyboardInterrupt with the instance surviving;
an interrupt that Python swallows ending the process (124) instead of hanging;
deep C recursion never hanging; exit codes of -c code; SIGINT forwarding; EOF;
runners/runner.py itself; pyodide.sh writing build.json without network."""
import glob
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, HERE, HOST, INTERPRETERS, PROVISION, RUNNERS, have, read_json, run, tempdir  # noqa: E402

ECHO = os.path.join(HERE, "echo_runner.py")
STACK = "--stack-size=65000"


def pyodide_dirs():
    env = os.environ.get("PYCONFORM_PYODIDE_DIR")
    if env:
        dirs = [d for d in env.split(":") if d]
    else:
        dirs = glob.glob(os.path.join(INTERPRETERS, "pyodide-*", "npm", "node_modules", "pyodide"))
    dirs = [d for d in dirs if os.path.isfile(os.path.join(d, "pyodide.asm.wasm"))]

    def version(d):
        try:
            v = read_json(os.path.join(d, "package.json"))["version"]
        except (OSError, ValueError, KeyError):
            return (0,)
        parts = []
        for p in v.replace("-", ".").split("."):
            parts.append(int(p) if p.isdigit() else -1)
        return tuple(parts)

    dirs.sort(key=version)
    if len(dirs) > 2 and os.environ.get("PYCONFORM_TEST_ALL_PYODIDE") != "1":
        dirs = [dirs[0], dirs[-1]]
    return dirs


class Conversation:
    """The host run as a long-lived runner: one line out, one line back."""

    def __init__(self, pkg, script, env=None):
        full = dict(os.environ)
        full.update(env or {})
        self.p = subprocess.Popen(["node", STACK, HOST, pkg, "-s", "-B", script], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.p.stdout, selectors.EVENT_READ)
        self.buf = b""

    def send(self, obj):
        self.p.stdin.write((json.dumps(obj) + "\n").encode())
        self.p.stdin.flush()

    def recv(self, timeout):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not self.sel.select(left):
                return None
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))

    def recv_job(self, timeout):
        """A job's lines (protocol 2: module, function lines, then the end line), or
        what arrived before the timeout or EOF."""
        deadline = time.time() + timeout
        lines = []
        while True:
            line = self.recv(max(deadline - time.time(), 0.01))
            if line is None:
                return lines
            lines.append(line)
            if isinstance(line, dict) and "end" in line:
                return lines

    def close(self, timeout=30):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = None
        err = self.p.stderr.read().decode("utf-8", "replace")
        rest = self.buf + self.p.stdout.read()
        return rc, err, rest

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def test_package(c, pkg):
    tag = os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(pkg))))
    print("- %s" % tag)

    probe = os.path.join(RUNNERS, "probe.py")
    if os.path.exists(probe):
        rc, out, secs = run(["node", STACK, HOST, pkg, "-s", "-B", probe], timeout=120)
        try:
            info = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            info = {}
        c.check(rc == 0 and info.get("wasm") is True and info.get("platform") == "emscripten"
                and info.get("version_info", [0])[0] == 3,
                "%s: probe.py prints its JSON (%.1f s)" % (tag, secs), out)
    else:
        c.skip("%s: probe.py" % tag, "runners/probe.py is not there yet")

    # lockstep conversation with the stand-in runner
    conv = Conversation(pkg, ECHO)
    hello = conv.recv(120)
    c.check(hello == {"hello": "echo"}, "%s: the runner's first line arrives" % tag, hello)
    big = "é✓" + "x" * 200000
    conv.send({"id": 1, "echo": big})
    r = conv.recv(60)
    c.check(r is not None and r.get("echo") == big and r.get("platform") == "emscripten",
            "%s: a 200 KB job line with non-ASCII text goes through intact" % tag)
    conv.send({"id": 2, "print": "printed by case code"})
    r = conv.recv(60)
    c.check(r == {"id": 2, "ok": True, "echo": None, "platform": "emscripten"},
            "%s: output of the case code stays off the protocol stream" % tag, r)
    t0 = time.time()
    conv.send({"id": 3, "loop": True, "timeout": 1})
    r = conv.recv(30)
    took = time.time() - t0
    c.check(r == {"id": 3, "ok": False, "error": "KeyboardInterrupt"} and took < 10,
            "%s: a job over its timeout gets KeyboardInterrupt (%.1f s)" % (tag, took), r)
    conv.send({"id": 4, "echo": "still alive"})
    r = conv.recv(30)
    c.check(r is not None and r.get("echo") == "still alive", "%s: the instance survives the interrupt" % tag, r)
    rc, err, rest = conv.close()
    c.check(rc == 0 and rest == b"", "%s: EOF on stdin ends it with status 0" % tag, err)
    c.check("printed by case code" in err and "written to fd 1" in err,
            "%s: the case code's output went to stderr" % tag, err)

    # an interrupt that Python swallows: the host gives up instead of hanging
    conv = Conversation(pkg, ECHO, env={"PYCONFORM_PYODIDE_GRACE": "1"})
    conv.recv(120)
    conv.send({"id": 1, "swallow": True, "timeout": 1})
    rc = conv.wait(30)
    _, err, _ = conv.close()
    c.check(rc == 124 and "giving up" in err, "%s: a swallowed interrupt ends the process (124)" % tag, err)

    # deep C recursion: a RecursionError answer or a non-zero exit, never a hang
    conv = Conversation(pkg, ECHO)
    conv.recv(120)
    conv.send({"id": 1, "deep": True})
    r = conv.recv(90)
    if r is not None:
        c.check(r.get("error") == "RecursionError", "%s: deep C recursion answered (%s)" % (tag, r), r)
        rc, err, _ = conv.close()
    else:
        rc = conv.wait(30)
        _, err, _ = conv.close()
        c.check(rc is not None and rc != 0, "%s: deep C recursion exits non-zero (%s)" % (tag, rc), err)

    # exit codes of -c
    rc, out, _ = run(["node", HOST, pkg, "-c", "import sys; print(sys.argv); sys.exit(3)", "a"], timeout=120)
    c.check(rc == 3 and "['-c', 'a']" in out, "%s: -c, argv and sys.exit(3)" % tag, out)
    rc, out, _ = run(["node", HOST, pkg, "-c", "raise ValueError('boom')"], timeout=120)
    c.check(rc == 1 and "ValueError: boom" in out, "%s: an uncaught exception exits 1 with a traceback" % tag, out)

    # SIGINT to Node becomes KeyboardInterrupt in Python
    # 'ready' is printed inside the try block, so a prompt SIGINT is caught too
    code = ("import sys\ndef spin():\n    while True:\n        pass\n"
            "try:\n    print('ready', flush=True)\n    spin()\nexcept KeyboardInterrupt:\n"
            "    print('caught', flush=True)\n")
    p = subprocess.Popen(["node", HOST, pkg, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    # The host clears a pending interrupt whenever Python completes an output line (so
    # a job's timeout cannot hit the next job); let the 'ready' line complete first.
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    c.check(first.strip() == b"ready" and out.strip() == b"caught" and p.returncode == 0,
            "%s: SIGINT is forwarded as KeyboardInterrupt" % tag, (first, out, err))

    # the real runner
    runner = os.path.join(RUNNERS, "runner.py")
    if os.path.exists(runner):
        conv = Conversation(pkg, runner)
        hello = conv.recv(120)
        c.check(isinstance(hello, dict) and hello.get("hello") == "pyconform-runner",
                "%s: runner.py says hello" % tag, hello)
        conv.send({"id": 7, "case": "t", "mode": "source", "source": "def f():\n    print('x')\n    return 1\n"})
        r = conv.recv_job(60)
        c.check(len(r) == 3 and r[0].get("id") == 7 and r[1].get("function", {}).get("stdout") == "x\n"
                and r[2] == {"end": {"exit": 0}}, "%s: runner.py answers a job (module, call, end)" % tag, r)
        conv.send({"id": 8, "case": "t", "mode": "source", "timeout": 1,
                   "source": "def f():\n    while True:\n        pass\n"})
        r = conv.recv_job(30)
        calls = [line["function"] for line in r if "function" in line]
        c.check(len(calls) == 1 and calls[0].get("outcome", {}).get("type") == "KeyboardInterrupt"
                and r[-1] == {"end": {"exit": 0}},
                "%s: runner.py's job over its timeout is interrupted" % tag, r)
        rc, err, _ = conv.close()
        c.check(rc == 0, "%s: runner.py ends at EOF" % tag, err)
    else:
        c.skip("%s: runner.py" % tag, "runners/runner.py is not there yet")


def test_provision_script(c, pkg, work):
    """pyodide.sh on a DEST that already holds the package: no npm, no network."""
    version = read_json(os.path.join(pkg, "package.json"))["version"]
    dest = os.path.join(work, "interpreters", "pyo")
    target = os.path.join(dest, "npm", "node_modules", "pyodide")
    os.makedirs(os.path.dirname(target))
    os.makedirs(os.path.join(dest, ".pyconform"))  # a DEST made by provisioning
    shutil.copytree(pkg, target)
    script = os.path.join(PROVISION, "pyodide.sh")
    args = [script, dest, "--name=pyo", "--tags=wasm", "--version=" + version]
    rc, out, _ = run(args, timeout=300)
    c.check(rc == 0 and "npm install" not in out, "pyodide.sh: provisions from the installed package", out)
    b = read_json(os.path.join(dest, "build.json")) if rc == 0 else {}
    node = os.path.realpath(shutil.which("node"))
    c.check(b.get("argv") == [node, STACK, "{runners}/pyodide_host.mjs", os.path.realpath(target)],
            "pyodide.sh: build.json argv", b.get("argv"))
    c.check(b.get("kind") == "pyodide" and b.get("tags") == ["wasm"] and b.get("version", "").startswith("3."),
            "pyodide.sh: build.json kind, tags, version", b)
    rc, out, _ = run(args)
    c.check(rc == 0 and "nothing to do" in out, "pyodide.sh: a re-run is a no-op", out)
    if b:
        argv = [a.replace("{runners}", RUNNERS, 1) if a.startswith("{runners}") else a for a in b["argv"]]
        rc, out, _ = run(argv + ["-c", "import sys; print(sys.platform)"], timeout=120)
        c.check(rc == 0 and out.strip() == "emscripten", "pyodide.sh: the build.json argv runs", out)
    rc, out, _ = run([script, os.path.join(work, "x"), "--name=x"])
    c.check(rc != 0 and "--version" in out, "pyodide.sh: --version is required", out)


def main():
    c = Checks("test_pyodide")
    if not have("node"):
        c.skip("pyodide", "node is not installed")
        c.done()
    rc, out, _ = run(["node", HOST])
    c.check(rc == 2 and "usage" in out, "the host without arguments prints its usage (status 2)", out)
    rc, out, _ = run(["node", HOST, "/nonexistent", "-c", "pass"])
    c.check(rc == 2 and "no pyodide.mjs" in out, "a wrong Pyodide folder is reported", out)
    dirs = pyodide_dirs()
    if not dirs:
        c.skip("pyodide host", "no Pyodide package installed (provision one, or set PYCONFORM_PYODIDE_DIR)")
        c.done()
    for pkg in dirs:
        test_package(c, pkg)
    work = tempdir("pyodide")
    try:
        test_provision_script(c, dirs[0], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
