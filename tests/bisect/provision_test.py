"""`pyconform bisect --provision` offline, against a fake npm registry.

    python3 tests/bisect/provision_test.py PYCONFORM_BINARY

The registry (a local HTTP server in this process) serves a package "pyodide" with 8
releases, 0.1.0 .. 0.8.0, each a copy of a Pyodide package already installed on this
machine (the oldest in the cache, or $PYCONFORM_PYODIDE_DIR) with its package.json
version changed; from 0.6.0 on, its python_stdlib.zip also holds a module
`pyconform_planted` (VALUE = 2): the planted behaviour change. The case imports it.

Checked: bisect names the boundary 0.5.0 -> 0.6.0; it downloads (provisions) only the
points it needs (both ends and the binary search: at most 2 + 3), each exactly once
from the registry, into the given cache; it prints the releases tried, in order, with
those downloaded marked; a second run downloads nothing and says the same. Exit 77
(skipped) without node, npm or an installed Pyodide package.
"""
import glob
import hashlib
import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checks import Checks  # noqa: E402 - tests/checks.py

VERSIONS = ["0.%d.0" % i for i in range(1, 9)]
PLANTED = "0.6.0"
CASE = """$ planted release
def planted():
    try:
        import pyconform_planted
    except ImportError:
        return None
    return pyconform_planted.VALUE
"""


def skip(why):
    print("SKIP: %s" % why)
    sys.exit(77)


def source_package():
    env = os.environ.get("PYCONFORM_PYODIDE_DIR")
    dirs = env.split(":") if env else sorted(glob.glob(os.path.expanduser(
        "~/.cache/pyconform/interpreters/pyodide-0.*/npm/node_modules/pyodide")))
    dirs = [d for d in dirs if os.path.isfile(os.path.join(d, "pyodide.asm.wasm"))]
    return dirs[0] if dirs else None


def make_release(src, work, version):
    pkg = os.path.join(work, "package")
    if os.path.exists(pkg):
        shutil.rmtree(pkg)
    shutil.copytree(src, pkg)
    with open(os.path.join(pkg, "package.json")) as f:
        meta = json.load(f)
    meta["version"] = version
    with open(os.path.join(pkg, "package.json"), "w") as f:
        json.dump(meta, f)
    if [int(x) for x in version.split(".")] >= [int(x) for x in PLANTED.split(".")]:
        with zipfile.ZipFile(os.path.join(pkg, "python_stdlib.zip"), "a") as z:
            z.writestr("pyconform_planted.py", "VALUE = 2\n")
    tgz = os.path.join(work, "pyodide-%s.tgz" % version)
    with tarfile.open(tgz, "w:gz", compresslevel=1) as t:
        t.add(pkg, arcname="package")
    shutil.rmtree(pkg)
    data = open(tgz, "rb").read()
    return tgz, {
        "shasum": hashlib.sha1(data).hexdigest(),
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
    }


class Registry(http.server.ThreadingHTTPServer):
    daemon_threads = True


def serve(work, dists):
    downloads = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            port = self.server.server_address[1]
            path = self.path.split("?")[0]
            if path in ("/pyodide", "/pyodide/"):
                doc = {"name": "pyodide", "dist-tags": {"latest": VERSIONS[-1]}, "versions": {}}
                for v in VERSIONS:
                    doc["versions"][v] = {
                        "name": "pyodide", "version": v,
                        "dist": dict(dists[v], tarball="http://127.0.0.1:%d/pyodide/-/pyodide-%s.tgz"
                                     % (port, v))}
                body = json.dumps(doc).encode()
                ctype = "application/json"
            else:
                m = re.match(r"^/pyodide/-/pyodide-(.+)\.tgz$", path)
                if not m or m.group(1) not in dists:
                    self.send_error(404)
                    return
                downloads.append(m.group(1))
                body = open(os.path.join(work, "pyodide-%s.tgz" % m.group(1)), "rb").read()
                ctype = "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = Registry(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, downloads


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: provision_test.py PYCONFORM\n")
        return 2
    pyconform = argv[1]
    if not shutil.which("node") or not shutil.which("npm"):
        skip("node or npm is missing")
    src = source_package()
    if not src:
        skip("no installed Pyodide package (pyconform provision pyodide-0.25.1)")
    tmp = tempfile.mkdtemp(prefix="pc-bisect-provision-")
    checks = Checks(echo=True)
    check = checks.ok

    try:
        work = os.path.join(tmp, "registry")
        os.makedirs(work)
        t0 = time.time()
        dists = {}
        for v in VERSIONS:
            _, dists[v] = make_release(src, work, v)
        print("fake registry: %d releases of %s made in %.1f s" % (len(VERSIONS), src, time.time() - t0))
        srv, downloads = serve(work, dists)
        case = os.path.join(tmp, "planted.case")
        with open(case, "w") as f:
            f.write(CASE)
        os.makedirs(os.path.join(tmp, "expected"))
        env = dict(os.environ)
        env.update({
            "npm_config_registry": "http://127.0.0.1:%d/" % srv.server_address[1],
            "npm_config_cache": os.path.join(tmp, "npm-cache"),
            "npm_config_update_notifier": "false",
            "npm_config_audit": "false",
            "npm_config_fund": "false",
        })
        cmd = [pyconform, "bisect", case, "planted release", "planted", "--provision",
               "--cache", os.path.join(tmp, "cache"), "--expected", os.path.join(tmp, "expected"),
               "--startup-timeout", "300", "--timeout", "120", "-j", "1"]

        t0 = time.time()
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=1400)
        out = p.stdout
        print(out)
        print("first run: %.1f s" % (time.time() - t0))
        check(p.returncode == 0, "exit status 0 (got %d)" % p.returncode)
        check("over 8 Pyodide releases (0.1.0 .. 0.8.0) from npm" in out, "the release list is npm's")
        check("  boundary: pyodide 0.5.0 -> 0.6.0 (pyodide-0.5.0 -> pyodide-0.6.0)" in out,
              "the boundary is at the planted release")
        check('outcome: before {"kind":"return","value":null}, after {"kind":"return","value":2}'
              in out, "the change is the planted one")
        tried = re.search(r"^tried, in order: (.*)$", out, re.M)
        check(tried is not None, "the releases tried are listed")
        if tried:
            items = tried.group(1).split()
            names = [i.split("(")[0] for i in items]
            check(names == sorted(names, key=lambda v: [int(x) for x in v.split(".")]),
                  "listed in release order: %s" % items)
            got = [i.split("(")[0] for i in items if i.endswith("(downloaded)")]
            check(0 < len(got) <= 5, "at most 2 + 3 downloads for 8 releases (%d)" % len(got))
            check(sorted(downloads) == sorted(got),
                  "each downloaded release fetched once from the registry: %s vs %s"
                  % (sorted(downloads), sorted(got)))
            check("0.1.0" in got and "0.8.0" in got, "both ends were needed and downloaded")
        for v in set(downloads):
            check(os.path.isfile(os.path.join(tmp, "cache", "interpreters", "pyodide-%s" % v,
                                              "build.json")),
                  "pyodide-%s is in the cache, as `pyconform provision` leaves a build" % v)

        before = len(downloads)
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=1400)
        print(p.stdout)
        check(p.returncode == 0 and "  boundary: pyodide 0.5.0 -> 0.6.0" in p.stdout,
              "a second run gives the same boundary")
        check(len(downloads) == before and ", 0 downloaded now" in p.stdout,
              "a second run downloads nothing (the cache)")
        srv.shutdown()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return checks.exit_status()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
