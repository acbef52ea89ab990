"""`pyconform bisect --points debian` offline, against a fake Debian repository.

    python3 tests/bisect/debian_test.py PYCONFORM_BINARY

The repository (dists/SUITE/main/binary-ARCH/Packages, [trusted=yes], made here with
dpkg-deb) has the suites stable, testing and unstable (no oldstable: a suite that
cannot be read), offering 7 python3.X versions from 3.11 to 3.15, one of them (3.12.4-1)
in two suites. Each package's usr/bin/python3.X is a small wrapper that runs this
machine's Python; from 3.13.3-1 on, it sets PYCONFORM_PLANTED=2 in the environment: the
planted behaviour change, which the case reads. A build of 3.12.1-1 is already in the
cache under another name (as a recipe's deb-private build would be), so it counts as
installed and is not downloaded.

Checked: the points are the suites' packages, in CPython order; bisect names the
boundary 3.13.1-2 -> 3.13.3-1; it provisions (with deb-private.sh, into the given cache)
only the points the search needs: both ends and the middles, 4 of 7, printed in the
order tried and marked; a second run downloads nothing; a function that does not change
gives "no change found" and exit 0; --points all with npm unreachable still bisects the
Debian line and exits 2; an unknown --points kind, --suites without Debian points, and
an unreachable source each exit 2 with a clear message. Exit 77 (skipped)
without dpkg-deb or apt-get.
"""
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "provision"))
from fakerepo import build_deb  # noqa: E402

sys.path.insert(0, os.path.dirname(HERE))
from checks import Checks  # noqa: E402 - tests/checks.py

# suite -> [(package, version)]; oldstable is asked for but absent
SUITES = {
    "stable": [("python3.11", "3.11.2-6"), ("python3.12", "3.12.1-1")],
    "testing": [("python3.12", "3.12.4-1"), ("python3.13", "3.13.1-2")],
    "unstable": [("python3.12", "3.12.4-1"), ("python3.13", "3.13.3-1"),
                 ("python3.14", "3.14.0~rc1-1"), ("python3.15", "3.15.0~a1-1")],
}
ORDER = ["3.11.2-6", "3.12.1-1", "3.12.4-1", "3.13.1-2", "3.13.3-1", "3.14.0~rc1-1",
         "3.15.0~a1-1"]
PLANTED = "3.13.3-1"
PREINSTALLED = ("python3.12", "3.12.1-1")

CASE = """$ planted debian
def planted():
    import os
    return os.environ.get("PYCONFORM_PLANTED")

def steady():
    return 1
"""

WRAPPER = """#!/bin/sh
%sexec %s "$@"
"""


def skip(why):
    print("SKIP: %s" % why)
    sys.exit(77)


def digests(path):
    data = open(path, "rb").read()
    return len(data), hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()


def make_repo(work, python):
    """A Debian repository with dists/SUITE for each of SUITES; returns its folder."""
    arch = subprocess.check_output(["dpkg", "--print-architecture"]).decode().strip()
    repo = os.path.join(work, "repo")
    pool = os.path.join(repo, "pool")
    os.makedirs(pool)
    made = {}
    for suite, pkgs in SUITES.items():
        stanzas = []
        for pkg, ver in pkgs:
            if (pkg, ver) not in made:
                env = "PYCONFORM_PLANTED=2 export PYCONFORM_PLANTED\n" if ORDER.index(ver) >= ORDER.index(PLANTED) else ""
                deb = build_deb(work, pkg, ver, {"usr/bin/" + pkg: (WRAPPER % (env, python), 0o755)},
                                arch=arch)
                shutil.move(deb, os.path.join(pool, os.path.basename(deb)))
                made[(pkg, ver)] = os.path.join(pool, os.path.basename(deb))
            deb = made[(pkg, ver)]
            size, md5, sha = digests(deb)
            control = subprocess.check_output(["dpkg-deb", "-f", deb]).decode().rstrip("\n")
            stanzas.append(control + "\nFilename: pool/%s\nSize: %d\nMD5sum: %s\nSHA256: %s\n"
                           % (os.path.basename(deb), size, md5, sha))
        top = os.path.join(repo, "dists", suite)
        rel = "main/binary-%s" % arch
        os.makedirs(os.path.join(top, rel))
        text = "\n".join(stanzas)
        with open(os.path.join(top, rel, "Packages"), "w") as f:
            f.write(text)
        with gzip.open(os.path.join(top, rel, "Packages.gz"), "wt") as f:
            f.write(text)
        lines = ["Origin: pyconform-test", "Suite: %s" % suite, "Codename: %s" % suite,
                 "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime()),
                 "Architectures: %s" % arch, "Components: main", "MD5Sum:"]
        idx = [rel + "/Packages", rel + "/Packages.gz"]
        lines += [" %s %d %s" % (digests(os.path.join(top, n))[1], digests(os.path.join(top, n))[0], n)
                  for n in idx]
        lines.append("SHA256:")
        lines += [" %s %d %s" % (digests(os.path.join(top, n))[2], digests(os.path.join(top, n))[0], n)
                  for n in idx]
        with open(os.path.join(top, "Release"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return repo


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: debian_test.py PYCONFORM\n")
        return 2
    pyconform = argv[1]
    for tool in ("dpkg-deb", "apt-get", "apt-cache"):
        if not shutil.which(tool):
            skip("%s is missing" % tool)
    python = sys.executable
    tmp = tempfile.mkdtemp(prefix="pc-bisect-debian-")
    checks = Checks(echo=True)
    check = checks.ok

    def bisect(function, extra, env):
        cmd = [pyconform, "bisect", case, "planted debian", function, "--cache", cache,
               "--expected", expected, "--startup-timeout", "120", "--timeout", "60",
               "-j", "1"] + extra
        t0 = time.time()
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=900)
        print("$ %s\n%s(exit %d, %.1f s)\n" % (" ".join(cmd[1:]), p.stdout, p.returncode,
                                                time.time() - t0))
        return p.returncode, p.stdout

    try:
        repo = make_repo(tmp, python)
        cache = os.path.join(tmp, "cache")
        expected = os.path.join(tmp, "expected")
        os.makedirs(expected)
        case = os.path.join(tmp, "planted.case")
        with open(case, "w") as f:
            f.write(CASE)
        # a deb-private build of 3.12.1-1 already in the cache, under a recipe's name
        pre = os.path.join(cache, "interpreters", "cpython-3.12-fake")
        os.makedirs(pre)
        with open(os.path.join(pre, "build.json"), "w") as f:
            json.dump({"name": "cpython-3.12-fake", "kind": "deb-private", "argv": [python],
                       "env": {}, "tags": ["cpython"], "version": "",
                       "details": {"suite": "stable", "packages": {PREINSTALLED[0]: PREINSTALLED[1]}}}, f)
        env = dict(os.environ)
        env["PYCONFORM_APT_SOURCE"] = "deb [trusted=yes] file:%s {suite} main" % repo
        env.pop("PYCONFORM_KEEP_DOWNLOADS", None)
        debian = ["--points", "debian", "--suites", "oldstable,stable,testing,unstable"]

        rc, out = bisect("planted", debian, env)
        check(rc == 0, "exit status 0 (got %d)" % rc)
        check("over 7 Debian CPython packages (python3.11 3.11.2-6 .. python3.15 3.15.0~a1-1) "
              "from suites oldstable stable testing unstable" in out,
              "the points are the suites' python3.X packages, 3.12.4-1 once")
        check(re.search(r"suite oldstable: left out", out) is not None,
              "the missing suite is left out with a note")
        check("  boundary: debian python3.13 3.13.1-2 -> python3.13 3.13.3-1 (cpython 3.13.1 -> "
              "3.13.3; debian-python3.13-3.13.1-2 -> debian-python3.13-3.13.3-1)" in out,
              "the boundary is at the planted version")
        check('outcome: before {"kind":"return","value":null}, after {"kind":"return","value":"2"}'
              in out, "the change is the planted one")
        check("  3.12.1-1 (python3.12, cpython 3.12.1, stable): installed" in out,
              "the build already in the cache (another name) is used, not downloaded")
        tried = re.search(r"^tried, in order: (.*)$", out, re.M)
        order = re.search(r"^search order: (.*)$", out, re.M)
        check(tried is not None and order is not None, "the points tried are listed")
        if tried and order:
            items = tried.group(1).split()
            names = [i.split("(")[0] for i in items]
            check(names == [v for v in ORDER if v in names], "listed in CPython order: %s" % items)
            got = sorted(i.split("(")[0] for i in items if i.endswith("(downloaded)"))
            want = sorted(["3.11.2-6", "3.15.0~a1-1", "3.13.1-2", "3.13.3-1"])
            check(got == want, "downloaded exactly the ends and the middles: %s (want %s)"
                  % (got, want))
            check(order.group(1).split() == ["3.12.1-1", "3.11.2-6", "3.15.0~a1-1", "3.13.1-2",
                                             "3.13.3-1"],
                  "the search order: installed, ends, middles (%s)" % order.group(1))
            for v in want:
                pkg = "python" + ".".join(v.split(".")[:2])
                bj = os.path.join(cache, "interpreters", "debian-%s-%s" % (pkg, v), "build.json")
                ok = os.path.isfile(bj)
                if ok:
                    with open(bj) as f:
                        b = json.load(f)
                    ok = b.get("kind") == "deb-private" and b["details"]["packages"].get(pkg) == v
                check(ok, "%s %s is a deb-private build in the cache" % (pkg, v))
            for v in ("3.12.4-1", "3.14.0~rc1-1"):
                check(not os.path.exists(os.path.join(cache, "interpreters",
                                                      "debian-python%s-%s" % (v[:4], v))),
                      "%s, not needed, was not provisioned" % v)
        check("4 downloaded now" in out, "the summary counts 4 downloads")

        rc, out = bisect("planted", debian, env)
        check(rc == 0 and "  boundary: debian python3.13 3.13.1-2 -> python3.13 3.13.3-1" in out,
              "a second run gives the same boundary")
        check(", 0 downloaded now" in out and "downloading" not in out,
              "a second run downloads nothing (the cache)")

        rc, out = bisect("steady", debian, env)
        check(rc == 0 and "bisect: no change found across the 5 Debian CPython packages tried "
              "(0 downloaded now)" in out, "no boundary: \"no change found\", exit 0")

        if shutil.which("npm"):
            dead = dict(env, npm_config_registry="http://127.0.0.1:9/", npm_config_fetch_retries="0",
                        npm_config_cache=os.path.join(tmp, "npm-cache"))
            rc, out = bisect("planted", ["--points", "all"], dead)
            check(rc == 2 and "pyconform: npm view pyodide versions" in out and
                  "  boundary: debian python3.13 3.13.1-2 -> python3.13 3.13.3-1" in out,
                  "--points all: npm unreachable, the Debian line still runs; exit 2")
        rc, out = bisect("planted", ["--points", "debain"], env)
        check(rc == 2 and "--points: unknown kind 'debain' (pyodide, debian or all)" in out,
              "an unknown --points kind: exit 2 and why")
        rc, out = bisect("planted", ["--provision", "--suites", "stable"], env)
        check(rc == 2 and "--suites" in out and "--points debian" in out,
              "--suites without Debian points: exit 2 and why")
        bad = dict(env, PYCONFORM_APT_SOURCE="deb [trusted=yes] file:%s/nowhere {suite} main" % tmp)
        rc, out = bisect("planted", ["--points", "debian", "--suites", "stable,unstable"], bad)
        check(rc == 2 and "no Debian source reachable: none of the suites stable unstable could "
              "be read" in out, "no reachable source: exit 2 and why")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return checks.exit_status()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
