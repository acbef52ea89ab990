"""provision/source.sh against a local fake deb-src repository (no network): the
newest listed version is not served, so the script falls back to the older one;
only the upstream tarball is unpacked; configure gets --prefix and the flags;
make and make install run; build.json; idempotency; --version filtering."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, PROVISION, have, read_json, run, tempdir  # noqa: E402
from fakerepo import make_source_repo, make_source_tarball  # noqa: E402

SCRIPT = os.path.join(PROVISION, "source.sh")

CONFIGURE = """#!/bin/sh
# fake upstream configure: out-of-tree, records its arguments
prefix=/usr/local
for a in "$@"; do case $a in --prefix=*) prefix=${a#--prefix=} ;; esac; done
srcdir=$(cd "$(dirname "$0")" && pwd)
printf 'all:\\n\\techo built > built.txt\\n' > Makefile
printf 'install: all\\n\\tmkdir -p %s/bin\\n\\tcp %s/fakepython %s/bin/python3.99\\n\\tchmod 755 %s/bin/python3.99\\n' \\
    "$prefix" "$srcdir" "$prefix" "$prefix" >> Makefile
printf '\\techo "%s" > %s/configure-args.txt\\n' "$*" "$prefix" >> Makefile
"""

FAKEPYTHON = """#!/bin/sh
echo "3.99.0 (fake source build)"
"""


def main():
    c = Checks("test_source")
    if not have("make"):
        c.skip("source builds", "make is not installed")
        c.done()
    work = tempdir("source")
    try:
        staging = os.path.join(work, "staging")
        os.makedirs(staging)
        orig = os.path.join(staging, "fakepython3.99_3.99.0.orig.tar.xz")
        make_source_tarball(orig, "Python-3.99.0", {
            "configure": (CONFIGURE, 0o755),
            "fakepython": (FAKEPYTHON, 0o755),
            "README": ("upstream\n", 0o644),
        })
        dsc = os.path.join(staging, "fakepython3.99_3.99.0-1.dsc")
        with open(dsc, "w") as f:
            f.write("Format: 3.0 (quilt)\nSource: fakepython3.99\nVersion: 3.99.0-1\n")
        debian = os.path.join(staging, "fakepython3.99_3.99.0-1.debian.tar.xz")
        make_source_tarball(debian, "debian", {"rules": ("# Debian packaging, not used\n", 0o755)})
        source = make_source_repo(os.path.join(work, "repo"), [
            {"package": "fakepython3.99", "version": "3.99.0-1", "files": [dsc, orig, debian]},
            {"package": "fakepython3.99", "version": "3.99.5-1",   # listed, not served
             "files": [("fakepython3.99_3.99.5-1.dsc", 100), ("fakepython3.99_3.99.5.orig.tar.xz", 1000)]},
        ])
        env = {"PYCONFORM_APT_SOURCE": source}
        dest = os.path.join(work, "interpreters", "fake-src")
        args = [SCRIPT, dest, "--name=fake-src", "--tags=source", "--package=fakepython3.99",
                "--configure_flags=--disable-gil", "--configure_flags=--with-x=a b", "--build_deps=dpkg"]
        rc, out, _ = run(args, env=env)
        c.check(rc == 0, "the fake source package builds", out)
        c.check("3.99.5-1 could not be fetched" in out, "an unserved newest version falls back to the next", out)
        b = read_json(os.path.join(dest, "build.json")) if rc == 0 else {}
        prefix = os.path.join(os.path.realpath(dest), "install")
        c.check(b.get("argv") == [os.path.join(prefix, "bin", "python3.99")], "build.json argv", b.get("argv"))
        c.check(b.get("version") == "3.99.0 (fake source build)" and b.get("kind") == "source",
                "build.json version and kind", b)
        d = b.get("details", {})
        c.check(d.get("source_version") == "3.99.0-1" and d.get("configure_flags") == ["--disable-gil", "--with-x=a b"],
                "details: the version used and the flags", d)
        try:
            with open(os.path.join(prefix, "configure-args.txt")) as f:
                cargs = f.read().strip()
        except OSError:
            cargs = ""
        c.check(cargs == "--prefix=%s --disable-gil --with-x=a b" % prefix,
                "configure got --prefix and the flags, in order", cargs)
        c.check(not os.path.exists(os.path.join(dest, "build")) and not os.path.exists(os.path.join(dest, "src")),
                "the build tree and the sources are removed after success")
        rc, out, secs = run(args, env=env)
        c.check(rc == 0 and "nothing to do" in out and secs < 5, "a re-run is a no-op", out)

        dest2 = os.path.join(work, "interpreters", "fake-src2")
        rc, out, _ = run([SCRIPT, dest2, "--package=fakepython3.99", "--version=3.98", "--build_deps=dpkg"], env=env)
        c.check(rc != 0 and "no version of fakepython3.99 starting with 3.98" in out,
                "--version filters the candidate versions", out)
        rc, out, _ = run([SCRIPT, dest2, "--package=fakepython3.99", "--version=3.99.5", "--build_deps=dpkg"], env=env)
        c.check(rc != 0 and "could be fetched" in out, "nothing fetchable: a clear error", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "x"), "--build_deps=dpkg"], env=env)
        c.check(rc != 0 and "--package" in out, "--package is required", out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
