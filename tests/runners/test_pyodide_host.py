"""runners/pyodide_host.mjs under Node, with a stand-in for Pyodide, so the
host's job timer is tested where no Pyodide build is installed.

The stand-in (FAKE_PYODIDE, written as pyodide.mjs into a temporary folder)
gives the host the calls it makes on a real Pyodide (setStdin, setStdout,
setInterruptBuffer, ...); its "Python" is a loop in the worker thread that
speaks the runner protocol (protocol 2): for every job line a module line,
one line per call, then the end line, written in two pieces as a buffered
stream may.  A job's "source" is JSON: {"body": B, "calls": [[name, B], ...],
"tail": seconds}, where the module body and each call behave as B says:
  0 or a number  - returns after that many seconds (interruptible);
  "hang"         - waits for an interrupt, then raises KeyboardInterrupt;
  "stubborn"     - swallows every interrupt and never returns;
an interrupted body gives the module line "error": "KeyboardInterrupt".  The
tail is spent, deaf to interrupts, before the end line (as the runner's own
code after the last call).
"""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = os.path.normpath(os.path.join(HERE, "..", "..", "runners", "pyodide_host.mjs"))
NODE = shutil.which("node")

FAKE_PYODIDE = r"""
const KI = { kind: "raise", type: "KeyboardInterrupt", message: "" };

export async function loadPyodide(options) {
  let stdin = null;
  let stdout = null;
  let interrupt = null;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const sleep = (ms) => Atomics.wait(cell, 0, 0, ms);
  const write = (text) => stdout.write(Buffer.from(text));
  const interrupted = () => Atomics.exchange(interrupt, 0, 0) !== 0;
  let pending = "";
  const chunk = new Uint8Array(4096);

  function readLine() {
    while (!pending.includes("\n")) {
      const n = stdin.read(chunk);
      if (n === 0) return null;
      pending += Buffer.from(chunk.subarray(0, n)).toString("utf8");
    }
    const nl = pending.indexOf("\n");
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    return line;
  }

  function call(how) {
    const start = Date.now();
    if (how === "hang") {
      for (;;) {
        if (interrupted()) return KI;
        sleep(5);
      }
    }
    if (how === "stubborn") {
      for (;;) {
        interrupted();
        sleep(5);
      }
    }
    while (Date.now() - start < how * 1000) {
      if (interrupted()) return KI;
      sleep(5);
    }
    return { kind: "return", value: null };
  }

  function main() {
    write('{"hello": "pyconform-runner", "protocol": 2, "fork": false}\n');
    for (;;) {
      const line = readLine();
      if (line === null) return 0;
      if (!line.trim()) continue;
      const job = JSON.parse(line);
      const { body, calls, tail } = JSON.parse(job.source);
      const error = call(body || 0) === KI ? "KeyboardInterrupt" : null;
      write(JSON.stringify({ module: { error, calls: calls.map((c) => c[0]) }, id: job.id }) + "\n");
      for (const [name, how] of calls.slice(job.resume || 0)) {
        const start = Date.now();
        const outcome = call(how);
        const seconds = (Date.now() - start) / 1000;
        write(JSON.stringify({ function: { name, outcome, seconds }, id: job.id }) + "\n");
      }
      sleep((tail || 0) * 1000);
      write('{"en');
      write('d": {"exit": 0}}\n');
    }
  }

  return {
    setStdin: (o) => { stdin = o; },
    setStdout: (o) => { stdout = o; },
    setStderr: () => {},
    setInterruptBuffer: (b) => { interrupt = b; },
    runPython: () => {},
    globals: { get: () => main },
  };
}
"""


def job(job_id, calls, timeout, body=0, tail=0):
    source = {"body": body, "calls": calls, "tail": tail}
    line = {"id": job_id, "case": "t", "mode": "source", "source": json.dumps(source)}
    if timeout is not None:
        line["timeout"] = timeout
    return line


@unittest.skipUnless(NODE, "no node on PATH")
class HostTimer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pyconform-fake-pyodide-")
        self.addCleanup(shutil.rmtree, self.dir)
        with open(os.path.join(self.dir, "pyodide.mjs"), "w", encoding="utf-8") as f:
            f.write(FAKE_PYODIDE)

    def start(self, grace=None):
        env = dict(os.environ)
        env.pop("PYCONFORM_PYODIDE_GRACE", None)
        if grace is not None:
            env["PYCONFORM_PYODIDE_GRACE"] = str(grace)
        proc = subprocess.Popen([NODE, HOST, self.dir, "-s", "-B", "-c", "pass"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.addCleanup(self.stop, proc)
        self.pending = b""
        self.assertEqual(self.receive(proc), {"hello": "pyconform-runner", "protocol": 2, "fork": False})
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()

    def receive(self, proc, timeout=20):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise AssertionError("no line from the host within %s s" % timeout)
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                raise AssertionError("the host closed stdout (exit %s)" % proc.wait())
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))

    def run_job(self, proc, line):
        """Send a job; {call name: outcome kind or "KeyboardInterrupt"} in
        line order, once its end line arrived."""
        proc.stdin.write(json.dumps(line).encode("utf-8") + b"\n")
        proc.stdin.flush()
        module = self.receive(proc)
        self.assertEqual(module["module"], {"error": None,
                                            "calls": [c[0] for c in json.loads(line["source"])["calls"]]})
        got = []
        while True:
            message = self.receive(proc)
            if "end" in message:
                self.assertEqual(message, {"end": {"exit": 0}})
                return got
            entry = message["function"]
            got.append((entry["name"], entry["outcome"].get("type", entry["outcome"]["kind"])))

    def finish(self, proc):
        proc.stdin.close()
        self.assertEqual(proc.wait(timeout=20), 0, proc.stderr.read().decode("utf-8", "replace"))

    def test_a_call_hanging_after_the_module_line_is_interrupted(self):
        proc = self.start()
        started = time.monotonic()
        got = self.run_job(proc, job(1, [["a", 0], ["hang", "hang"], ["b", 0]], 0.5))
        self.assertEqual(got, [("a", "return"), ("hang", "KeyboardInterrupt"), ("b", "return")])
        self.assertLess(time.monotonic() - started, 5)
        # Nothing of that job's timer reaches the next job.
        self.assertEqual(self.run_job(proc, job(2, [["c", 0.7]], 5)), [("c", "return")])
        self.finish(proc)

    def test_a_later_hanging_call_is_interrupted_too(self):
        proc = self.start()
        got = self.run_job(proc, job(1, [["first", "hang"], ["second", "hang"], ["after", 0]], 0.5))
        self.assertEqual(got, [("first", "KeyboardInterrupt"), ("second", "KeyboardInterrupt"),
                               ("after", "return")])
        self.finish(proc)

    def test_calls_answering_within_the_second_are_left_alone(self):
        proc = self.start()
        calls = [["hang", "hang"]] + [["quick%d" % i, 0.25] for i in range(6)]
        got = self.run_job(proc, job(1, calls, 0.5))
        self.assertEqual(got, [("hang", "KeyboardInterrupt")] + [("quick%d" % i, "return") for i in range(6)])
        self.finish(proc)

    def test_the_end_line_cancels_the_timer(self):
        proc = self.start()
        self.assertEqual(self.run_job(proc, job(1, [["a", 0]], 0.5)), [("a", "return")])
        time.sleep(1.5)  # past that job's timeout, before the next job
        # (whose module body would take an interrupt still pending)
        self.assertEqual(self.run_job(proc, job(2, [["b", 0]], None, body=0.5)), [("b", "return")])
        self.finish(proc)

    def test_the_end_line_takes_back_an_interrupt_not_delivered(self):
        proc = self.start()
        # Interrupted (twice) during the tail, where nothing takes it.
        self.assertEqual(self.run_job(proc, job(1, [["a", 0]], 0.5, tail=1.7)), [("a", "return")])
        self.assertEqual(self.run_job(proc, job(2, [["b", 0]], 5, body=0.5)), [("b", "return")])
        self.finish(proc)

    def test_a_stubborn_job_ends_the_host_after_the_grace(self):
        proc = self.start(grace=1)
        line = job(1, [["a", 0], ["stubborn", "stubborn"]], 0.5)
        proc.stdin.write(json.dumps(line).encode("utf-8") + b"\n")
        proc.stdin.flush()
        self.assertIn("module", self.receive(proc))
        self.assertEqual(self.receive(proc)["function"]["name"], "a")
        started = time.monotonic()
        self.assertEqual(proc.wait(timeout=20), 124)
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(self.pending + proc.stdout.read(), b"")
        self.assertIn(b"did not end within 1 s after the interrupt", proc.stderr.read())


if __name__ == "__main__":
    unittest.main()
