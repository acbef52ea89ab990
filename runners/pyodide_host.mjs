// pyodide_host.mjs - run a Python script under Pyodide (CPython on WebAssembly)
// in Node, so that the pyconform runners work unchanged.
//
// Usage:
//   node --stack-size=KB runners/pyodide_host.mjs PYODIDE_DIR [PYOPTS...] SCRIPT.py [ARGS...]
//   node --stack-size=KB runners/pyodide_host.mjs PYODIDE_DIR [PYOPTS...] -c CODE [ARGS...]
//
// PYODIDE_DIR is an installed npm package "pyodide" (the folder holding
// pyodide.mjs, pyodide.asm.wasm and python_stdlib.zip).  PYOPTS are Python
// command-line options accepted for compatibility with `PY -s -B script`:
// -s -B -E -I -S -u -q are accepted (-B is always in effect), -X OPT / -W OPT
// are accepted and ignored.
//
// Design:
// * Python runs in a worker_thread, never on the main thread, so the main
//   thread stays free to interrupt it: the worker and the main thread share an
//   interrupt buffer (pyodide.setInterruptBuffer).  Writing 2 (SIGINT) into it
//   makes Python raise KeyboardInterrupt at its next bytecode boundary.
// * fd 0, 1, 2 of the Python program are the process's real fds 0, 1, 2: the
//   worker reads stdin with fs.readSync(0) (blocking the worker, not the main
//   thread) and writes stdout/stderr with fs.writeSync, so no output is lost
//   or reordered, and os.dup/os.dup2 inside Python work on Emscripten's fd
//   table as usual (the devices stay bound to the real fds).
// * Per-job timeouts: every complete line that Python reads from stdin is
//   looked at; if it is a JSON object with a positive numeric "timeout"
//   (seconds), a timer starts when the line is handed to Python.  The timer
//   covers the whole job: the runner (protocol 2, docs/protocol.md) writes a
//   module line, one line per call and, last, a line beginning with
//   `{"end"`; only that end line stops the timer.  If it has not been written
//   when the timer fires, Python is interrupted (KeyboardInterrupt: the call
//   in flight raises it, and the runner goes on with the next call).  Then,
//   once a second until the end line, Python is interrupted again if it has
//   written no line since the previous second (the interrupt was swallowed,
//   or a later call hangs too); a call that answers within the second is
//   left alone.  If the end line has not come PYCONFORM_PYODIDE_GRACE seconds
//   (default 5) after the first interrupt, the process exits with status
//   124.  Each line written takes back an interrupt not yet delivered, and
//   the end line cancels everything, so an interrupt never reaches the next
//   job.
// * SIGINT sent to the Node process is forwarded to Python the same way, so
//   `kill -INT` behaves as for a native CPython.
// * The worker thread's stack size follows --stack-size (KB, rounded up to
//   MB, plus 1 MB), or PYCONFORM_PYODIDE_STACK_MB when set: deep C recursion
//   inside Python needs a large WebAssembly/JS stack.
// * A fatal Pyodide error (e.g. stack exhaustion), an uncaught JS error or an
//   unexpected end of the worker makes the process exit with status 70; it
//   never hangs.
// * Exit status: the script's exit status (SystemExit code; 1 for an uncaught
//   exception, whose traceback goes to stderr).
// * Environment seen by Python: HOME=/home/pyodide, PYTHONDONTWRITEBYTECODE=1,
//   plus every PYTHON* and PYCONFORM* variable of the Node process.
// * The script's folder is mounted (NODEFS) at the same absolute path inside
//   Pyodide's file system, and is sys.path[0], as with a native interpreter.

import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import { pathToFileURL } from "node:url";

const EXIT_FATAL = 70;
const EXIT_TIMEOUT = 124;
const EXIT_USAGE = 2;
const SIGINT = 2;

// Shared control array (Int32Array over a SharedArrayBuffer):
const C_LINES_OUT = 0; // number of newline bytes Python has written to stdout
const C_ENDS_OUT = 1; // number of those lines that began with END_PREFIX (jobs over)
const C_SLOTS = 2;
// The runner's last line for a job: {"end": {"exit": 0}}.
const END_PREFIX = '{"end"';

function writeAllSync(fd, data) {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (err) {
      if (err.code === "EAGAIN") {
        sleepMs(2);
        continue;
      }
      throw err;
    }
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms) {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function errLine(text) {
  try {
    writeAllSync(2, Buffer.from("pyodide_host: " + text + "\n"));
  } catch (_) {
    // stderr is gone; nothing else to do
  }
}

// ---------------------------------------------------------------- main thread

function usage(msg) {
  if (msg) errLine(msg);
  errLine(
    "usage: node --stack-size=KB pyodide_host.mjs PYODIDE_DIR [-s] [-B] (SCRIPT.py | -c CODE) [ARGS...]"
  );
  process.exit(EXIT_USAGE);
}

function parseArgs(argv) {
  if (argv.length < 1) usage("missing PYODIDE_DIR");
  const pyodideDir = path.resolve(argv[0]);
  let i = 1;
  let command = null;
  let script = null;
  let unbuffered = false;
  while (i < argv.length) {
    const a = argv[i];
    if (a === "-c") {
      if (i + 1 >= argv.length) usage("-c needs an argument");
      command = argv[i + 1];
      i += 2;
      break;
    }
    if (a === "-X" || a === "-W") {
      i += 2;
      continue;
    }
    if (/^-[XW]./.test(a)) {
      i += 1;
      continue;
    }
    if (a === "--") {
      i += 1;
      break;
    }
    if (/^-[sBEISuq]+$/.test(a)) {
      if (a.includes("u")) unbuffered = true;
      i += 1;
      continue;
    }
    if (a.startsWith("-") && a !== "-") usage("unsupported option " + a);
    break;
  }
  let args;
  if (command === null) {
    if (i >= argv.length) usage("missing SCRIPT.py");
    script = path.resolve(argv[i]);
    args = [script, ...argv.slice(i + 1)];
  } else {
    args = ["-c", ...argv.slice(i)];
  }
  return { pyodideDir, script, command, args, unbuffered };
}

function stackSizeMb() {
  const env = process.env.PYCONFORM_PYODIDE_STACK_MB;
  if (env && /^\d+$/.test(env) && Number(env) > 0) return Number(env);
  for (const a of process.execArgv) {
    const m = /^--stack[-_]size=(\d+)$/.exec(a);
    if (m) return Math.max(4, Math.ceil(Number(m[1]) / 1024) + 1);
  }
  return 4;
}

function pyodideEntry(dir) {
  for (const name of ["pyodide.mjs", "pyodide.js"]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function mainThread() {
  const opts = parseArgs(process.argv.slice(2));
  const entry = pyodideEntry(opts.pyodideDir);
  if (!entry) usage("no pyodide.mjs in " + opts.pyodideDir);
  if (opts.script !== null && !fs.existsSync(opts.script)) usage("no such script: " + opts.script);

  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * C_SLOTS));
  const graceSec = Number(process.env.PYCONFORM_PYODIDE_GRACE || "5") || 5;

  const env = { HOME: "/home/pyodide", PYTHONDONTWRITEBYTECODE: "1" };
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("PYTHON") || k.startsWith("PYCONFORM")) env[k] = v;
  }

  const worker = new Worker(new URL(import.meta.url), {
    workerData: {
      entry,
      pyodideDir: opts.pyodideDir,
      script: opts.script,
      command: opts.command,
      args: opts.args,
      env,
      interrupt,
      ctrl,
    },
    resourceLimits: { stackSizeMb: stackSizeMb() },
    stdout: true, // keep the worker's console.log away from our stdout
    stderr: false,
  });
  worker.stdout.on("data", (d) => {
    try {
      writeAllSync(2, d);
    } catch (_) {}
  });

  let finished = false;
  let jobTimer = null;
  let graceTimer = null;

  function clearJobTimers() {
    if (jobTimer) clearTimeout(jobTimer);
    if (graceTimer) clearInterval(graceTimer);
    jobTimer = graceTimer = null;
  }

  function finish(code, msg) {
    if (finished) return;
    finished = true;
    clearJobTimers();
    if (msg) errLine(msg);
    process.exit(code);
  }

  function sendInterrupt() {
    Atomics.store(interrupt, 0, SIGINT);
  }

  // The timer of one job, from the moment Python has its line until the
  // runner's end line for it (endsAtStart: C_ENDS_OUT then).
  function startJobTimer(timeoutSec, endsAtStart) {
    clearJobTimers();
    const over = () => Atomics.load(ctrl, C_ENDS_OUT) !== endsAtStart;
    // Interrupt Python, unless the job is over (or, given `unless`, a line
    // count, unless a line was written since).  Such a line may have been
    // written between the check and the store: then take the interrupt back
    // so it cannot hit the next call or job.  Returns whether it was sent.
    const interruptJob = (unless) => {
      const moved = () => over() || (unless !== undefined && Atomics.load(ctrl, C_LINES_OUT) !== unless);
      if (moved()) return false;
      sendInterrupt();
      if (moved()) {
        Atomics.store(interrupt, 0, 0);
        return false;
      }
      return true;
    };
    jobTimer = setTimeout(() => {
      jobTimer = null;
      if (!interruptJob()) return;
      let lines = Atomics.load(ctrl, C_LINES_OUT);
      errLine(`job timed out after ${timeoutSec} s; interrupting Python`);
      const deadline = Date.now() + graceSec * 1000;
      graceTimer = setInterval(() => {
        if (over()) {
          clearJobTimers();
          return;
        }
        if (Date.now() >= deadline) {
          worker.terminate();
          finish(
            EXIT_TIMEOUT,
            `the job did not end within ${graceSec} s after the interrupt; giving up`
          );
          return;
        }
        // No line for a second: the interrupt was not answered, or the
        // call now in flight hangs as well.
        const now = Atomics.load(ctrl, C_LINES_OUT);
        if (now === lines && interruptJob(now))
          errLine("no line for 1 s after the timeout; interrupting Python again");
        lines = now;
      }, 1000);
    }, timeoutSec * 1000);
  }

  worker.on("message", (m) => {
    if (m.t === "job") {
      if (m.timeout > 0) startJobTimer(m.timeout, m.ends);
      else clearJobTimers();
    } else if (m.t === "end") {
      clearJobTimers();
    } else if (m.t === "exit") {
      finish(m.code);
    } else if (m.t === "fatal") {
      finish(EXIT_FATAL, "fatal: " + m.message);
    }
  });
  worker.on("error", (err) => {
    finish(EXIT_FATAL, "worker error: " + (err && err.stack ? err.stack : String(err)));
  });
  worker.on("exit", (code) => {
    finish(EXIT_FATAL, "worker ended unexpectedly (code " + code + ")");
  });
  process.on("SIGINT", () => sendInterrupt());
  process.on("SIGPIPE", () => {});
}

// --------------------------------------------------------------- worker thread

const BOOTSTRAP = String.raw`
def _pyconform_host_main(spec_json):
    import json, os, sys, traceback
    spec = json.loads(spec_json)
    sys.argv = spec["args"]
    sys.dont_write_bytecode = True
    code = 0
    try:
        if spec["command"] is not None:
            import types
            sys.path.insert(0, "")
            main = types.ModuleType("__main__")
            sys.modules["__main__"] = main
            exec(compile(spec["command"], "<string>", "exec"), main.__dict__)
        else:
            import runpy
            sys.path.insert(0, os.path.dirname(spec["script"]))
            runpy.run_path(spec["script"], run_name="__main__")
    except SystemExit as e:
        c = e.code
        if c is None:
            code = 0
        elif isinstance(c, int):
            code = c & 255
        else:
            try:
                print(c, file=sys.stderr)
            except BaseException:
                pass
            code = 1
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
        code = 1
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass
    return code
`;

async function workerThread() {
  const d = workerData;
  const interrupt = d.interrupt;
  const ctrl = d.ctrl;
  // Anything Pyodide or Node prints with console.* goes to stderr.
  for (const name of ["log", "info", "debug", "warn", "error", "trace"]) {
    console[name] = (...a) => {
      try {
        writeAllSync(2, Buffer.from(util.format(...a) + "\n"));
      } catch (_) {}
    };
  }

  let stdinEOF = false;
  let pending = Buffer.alloc(0); // bytes read from fd 0, not yet given to Python
  let lineSoFar = []; // chunks of the current (incomplete) line already given to Python
  const chunk = Buffer.alloc(65536);

  function noteLine(buf) {
    // buf: one complete line (with newline) that Python now has.
    let timeout = 0;
    const text = buf.toString("utf8").trim();
    if (text.startsWith("{") && text.includes('"timeout"')) {
      try {
        const job = JSON.parse(text);
        if (job && typeof job.timeout === "number" && job.timeout > 0) timeout = job.timeout;
      } catch (_) {}
    }
    parentPort.postMessage({ t: "job", timeout, ends: Atomics.load(ctrl, C_ENDS_OUT) });
  }

  function readStdin(buffer) {
    while (pending.length === 0) {
      if (stdinEOF) return 0;
      let n;
      try {
        n = fs.readSync(0, chunk, 0, chunk.length, null);
      } catch (err) {
        if (err.code === "EAGAIN") {
          sleepMs(5);
          continue;
        }
        if (err.code === "EOF") n = 0;
        else throw err;
      }
      if (n === 0) {
        stdinEOF = true;
        return 0;
      }
      pending = Buffer.from(chunk.subarray(0, n));
    }
    // Hand over at most one line at a time, so each job's timer starts when
    // Python actually receives it.
    const nl = pending.indexOf(10);
    let take = nl >= 0 ? nl + 1 : pending.length;
    take = Math.min(take, buffer.length);
    const part = pending.subarray(0, take);
    buffer.set(part);
    pending = pending.subarray(take);
    if (part[part.length - 1] === 10) {
      lineSoFar.push(Buffer.from(part));
      noteLine(Buffer.concat(lineSoFar));
      lineSoFar = [];
    } else {
      lineSoFar.push(Buffer.from(part));
    }
    return take;
  }

  // The first bytes of the stdout line being written (a line may come in
  // several writes), enough to tell an end line.
  let lineHead = "";
  function writeStdout(buffer) {
    writeAllSync(1, buffer);
    let lines = 0;
    let ends = 0;
    for (let i = 0; i < buffer.length; i++) {
      if (buffer[i] === 10) {
        lines++;
        if (lineHead === END_PREFIX) ends++;
        lineHead = "";
      } else if (lineHead.length < END_PREFIX.length) {
        lineHead += String.fromCharCode(buffer[i]);
      }
    }
    if (lines) {
      // A line is out: the interrupt it answers (or one sent just before a
      // call completed) must not hit the next call or the next job.
      Atomics.store(interrupt, 0, 0);
      if (ends) Atomics.add(ctrl, C_ENDS_OUT, ends);
      Atomics.add(ctrl, C_LINES_OUT, lines);
      if (ends) parentPort.postMessage({ t: "end" });
    }
    return buffer.length;
  }

  function writeStderr(buffer) {
    writeAllSync(2, buffer);
    return buffer.length;
  }

  let pyodide;
  try {
    const mod = await import(pathToFileURL(d.entry).href);
    const loadPyodide = mod.loadPyodide || (mod.default && mod.default.loadPyodide);
    pyodide = await loadPyodide({
      indexURL: d.pyodideDir + path.sep,
      env: d.env,
      stdout: (s) => writeAllSync(2, Buffer.from(s + "\n")),
      stderr: (s) => writeAllSync(2, Buffer.from(s + "\n")),
    });
  } catch (err) {
    parentPort.postMessage({ t: "fatal", message: "cannot load Pyodide: " + (err && err.stack ? err.stack : err) });
    return;
  }

  try {
    pyodide.setStdin({ read: readStdin, isatty: false });
    pyodide.setStdout({ write: writeStdout, isatty: false });
    pyodide.setStderr({ write: writeStderr, isatty: false });
    pyodide.setInterruptBuffer(interrupt);
    if (d.script !== null) {
      const dir = path.dirname(fs.realpathSync(d.script));
      const FS = pyodide.FS;
      let mounted = false;
      try {
        mounted = FS.analyzePath(dir).exists && FS.isDir(FS.stat(dir).mode) && FS.readdir(dir).length > 2;
      } catch (_) {}
      if (!mounted) {
        FS.mkdirTree(dir);
        if (typeof pyodide.mountNodeFS === "function") pyodide.mountNodeFS(dir, dir);
        else FS.mount(FS.filesystems.NODEFS, { root: dir }, dir);
      }
      // The script is addressed through its real folder.
      d.script = path.join(dir, path.basename(d.script));
      d.args[0] = d.script;
    }
    pyodide.runPython(BOOTSTRAP);
    const main = pyodide.globals.get("_pyconform_host_main");
    const spec = JSON.stringify({ args: d.args, script: d.script, command: d.command });
    const code = main(spec);
    parentPort.postMessage({ t: "exit", code: typeof code === "number" ? code : 1 });
  } catch (err) {
    parentPort.postMessage({ t: "fatal", message: err && err.stack ? err.stack : String(err) });
  }
}

if (isMainThread) {
  mainThread();
} else {
  workerThread().catch((err) => {
    parentPort.postMessage({ t: "fatal", message: err && err.stack ? err.stack : String(err) });
  });
}
