"""provision/deb-private.sh against a local fake Debian repository (no network):
dependency closure, idempotency, resume after a failure, identity changes,
--force, refusal of foreign folders, argument errors, cleanup, the system's
apt state left alone, and (when gcc and patchelf are present) the patching of
an ELF program onto a private loader and libc."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, PROVISION, have, read_json, run, snapshot_system_apt, tempdir  # noqa: E402
from fakerepo import build_deb, make_binary_repo  # noqa: E402

SCRIPT = os.path.join(PROVISION, "deb-private.sh")

FAKEPY = """#!/bin/sh
# fake interpreter: fails while the file named by $FAKEPY_FAIL exists
if [ -n "$FAKEPY_FAIL" ] && [ -e "$FAKEPY_FAIL" ]; then echo "fake failure" >&2; exit 3; fi
echo "3.99.1 (fake build)"
"""

FAKEPY_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    char line[4096], libc[4096] = "?";
    FILE *m = fopen("/proc/self/maps", "r");
    while (m && fgets(line, sizeof line, m)) {
        char *p = strchr(line, '/');
        if (p && strstr(p, "libc.so")) { strcpy(libc, p); libc[strcspn(libc, "\n")] = 0; break; }
    }
    printf("3.99.2 (fake elf) libc=%s\n", libc);
    return 0;
}
"""


def main():
    c = Checks("test_deb_private")
    work = tempdir("debpriv")
    try:
        debs = [
            build_deb(work, "fakepy3.99", "3.99.1-1",
                      {"usr/bin/fakepy": (FAKEPY, 0o755)}, depends="fakelib (>= 1.0)"),
            build_deb(work, "fakelib", "1:1.2-3",
                      {"usr/share/fakelib/data": ("data\n", 0o644)}, arch="all"),
            build_deb(work, "unrelated", "1.0",
                      {"usr/share/unrelated/data": ("x\n", 0o644)}),
        ]
        repo = os.path.join(work, "repo")
        source = make_binary_repo(repo, debs)
        env = {"PYCONFORM_APT_SOURCE": source}
        before = snapshot_system_apt()

        dest = os.path.join(work, "cache", "fake-sid")
        args = [SCRIPT, dest, "--name=fake-sid", "--tags=cpython", "--tags=sid",
                "--packages=fakepy3.99", "--executable=usr/bin/fakepy", "--suite=unstable"]

        # 1. A failure at the last step: exit non-zero, no build.json.
        flag = os.path.join(work, "fail-now")
        open(flag, "w").close()
        rc, out, _ = run(args, env=dict(env, FAKEPY_FAIL=flag))
        c.check(rc != 0, "a failing verification exits non-zero", out)
        c.check("verification failed" in out, "the failure is explained", out)
        c.check(not os.path.exists(os.path.join(dest, "build.json")), "no build.json after a failure")

        # 2. Resume: nothing is resolved or downloaded again.
        os.unlink(flag)
        rc, out, _ = run(args, env=dict(env, FAKEPY_FAIL=flag))
        c.check(rc == 0, "the second run succeeds", out)
        c.check("resolving the dependency closure" not in out and "apt-get update" not in out,
                "the second run resumes after the download", out)
        bj = os.path.join(dest, "build.json")
        b = read_json(bj) if os.path.exists(bj) else {}
        root = os.path.join(os.path.realpath(dest), "root")
        c.check(b.get("name") == "fake-sid" and b.get("kind") == "deb-private", "build.json name and kind", b)
        c.check(b.get("argv") == [os.path.join(root, "usr/bin/fakepy")], "build.json argv", b.get("argv"))
        c.check(b.get("env") == {} and b.get("tags") == ["cpython", "sid"], "build.json env and tags", b)
        c.check(b.get("version") == "3.99.1 (fake build)", "build.json version", b.get("version"))
        pk = b.get("details", {}).get("packages", {})
        c.check(pk.get("fakepy3.99") == "3.99.1-1" and pk.get("fakelib") == "1:1.2-3"
                and "unrelated" not in pk, "details.packages is the dependency closure", pk)
        c.check(os.path.isfile(os.path.join(root, "usr/share/fakelib/data")), "the dependency is unpacked")
        c.check(not os.path.exists(os.path.join(root, "usr/share/unrelated")), "nothing else is unpacked")
        c.check(not os.path.exists(os.path.join(dest, "apt", "debs"))
                and not os.path.exists(os.path.join(dest, "apt", "lists")), "downloads are removed after success")

        # 3. Idempotent.
        mtime = os.stat(bj).st_mtime
        rc, out, secs = run(args, env=env)
        c.check(rc == 0 and "nothing to do" in out, "a re-run after success is a no-op", out)
        c.check(os.stat(bj).st_mtime == mtime, "build.json untouched by the no-op run")
        c.check(secs < 5, "the no-op run is quick (%.2f s)" % secs)

        # 4. Same arguments in another order: still the same build.
        rc, out, _ = run([SCRIPT, dest] + list(reversed(args[2:])), env=env)
        c.check(rc == 0 and "nothing to do" in out, "argument order does not matter", out)

        # 5. Changed arguments start again; --force too.
        rc, out, _ = run(args + ["--tags=extra"], env=dict(env, PYCONFORM_KEEP_DOWNLOADS="1"))
        c.check(rc == 0 and "from scratch" in out, "changed arguments rebuild", out)
        c.check(read_json(bj).get("tags") == ["cpython", "sid", "extra"], "the new tags are written")
        debs_dir = os.path.join(dest, "apt", "debs")
        c.check(os.path.isdir(debs_dir) and len([f for f in os.listdir(debs_dir) if f.endswith(".deb")]) == 2,
                "PYCONFORM_KEEP_DOWNLOADS=1 keeps the downloads")
        rc, out, _ = run(args + ["--tags=extra", "--force"], env=env)
        c.check(rc == 0 and "--force" in out and "resolving the dependency closure" in out,
                "--force starts again", out)

        # 6. Errors.
        foreign = os.path.join(work, "foreign")
        os.makedirs(foreign)
        open(os.path.join(foreign, "precious"), "w").close()
        rc, out, _ = run([SCRIPT, foreign] + args[2:], env=env)
        c.check(rc != 0 and "refusing" in out and os.path.exists(os.path.join(foreign, "precious")),
                "a non-empty folder it did not make is refused", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "e1"), "--executable=usr/bin/x"], env=env)
        c.check(rc != 0 and "--packages" in out, "missing --packages is an error", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "e2"), "--packages=x", "--executable=x", "--bogus=1"], env=env)
        c.check(rc != 0 and "unknown option --bogus" in out, "an unknown option is an error", out)
        rc, out, _ = run([SCRIPT, "--packages=x"], env=env)
        c.check(rc != 0 and "DEST" in out, "DEST must come first", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "e3"), "--packages=no-such-package",
                          "--executable=usr/bin/x"], env=env)
        c.check(rc != 0 and "ERROR" in out and "no-such-package" in out,
                "an unknown package fails with a message", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "e4"), "--packages=fakepy3.99",
                          "--executable=usr/bin/not-there"], env=env)
        c.check(rc != 0 and "not among the unpacked files" in out, "a wrong --executable fails clearly", out)

        c.check(snapshot_system_apt() == before, "the system's apt sources, lists and dpkg status are unchanged")

        # 7. A real ELF program moved onto a private loader and libc.
        elf_test(c, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c.done()


def elf_test(c, work):
    if not (have("gcc") and have("patchelf")):
        c.skip("ELF patching", "needs gcc and patchelf")
        return
    loader = None
    for cand in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"):
        if os.path.exists(cand):
            loader = os.path.realpath(cand)
            break
    libc = subprocess.check_output(["gcc", "-print-file-name=libc.so.6"]).decode().strip()
    triplet = subprocess.check_output(["gcc", "-dumpmachine"]).decode().strip()
    if not loader or not os.path.isabs(libc):
        c.skip("ELF patching", "no known dynamic loader here")
        return
    libc = os.path.realpath(libc)
    src = os.path.join(work, "fakepy.c")
    with open(src, "w") as f:
        f.write(FAKEPY_C)
    exe = os.path.join(work, "fakepy-elf")
    subprocess.check_call(["gcc", "-O0", "-o", exe, src])
    libdir = "usr/lib/%s" % triplet
    debs = [
        build_deb(work, "fakepyelf", "3.99.2-1", {"usr/bin/fakepy": (open(exe, "rb").read(), 0o755)},
                  depends="fakelibc6"),
        build_deb(work, "fakelibc6", "9.99-1", {
            "%s/%s" % (libdir, os.path.basename(loader)): (open(loader, "rb").read(), 0o755),
            "%s/libc.so.6" % libdir: (open(libc, "rb").read(), 0o755),
        }),
    ]
    source = make_binary_repo(os.path.join(work, "repo-elf"), debs)
    dest = os.path.join(work, "cache", "fake-elf")
    rc, out, _ = run([os.path.join(PROVISION, "deb-private.sh"), dest, "--packages=fakepyelf",
                      "--executable=usr/bin/fakepy"], env={"PYCONFORM_APT_SOURCE": source})
    c.check(rc == 0 and "patched 1 programs" in out, "an ELF program is patched", out)
    root = os.path.join(os.path.realpath(dest), "root")
    prog = os.path.join(root, "usr/bin/fakepy")
    interp = subprocess.check_output(["patchelf", "--print-interpreter", prog]).decode().strip()
    c.check(interp == os.path.join(root, libdir, os.path.basename(loader)),
            "its interpreter is the private loader", interp)
    b = read_json(os.path.join(dest, "build.json")) if rc == 0 else {}
    c.check(("libc=%s" % os.path.join(root, libdir, "libc.so.6")) in b.get("version", ""),
            "it runs with the private libc", b.get("version"))
    rc, out, _ = run([os.path.join(PROVISION, "deb-private.sh"), dest, "--packages=fakepyelf",
                      "--executable=usr/bin/fakepy"], env={"PYCONFORM_APT_SOURCE": source})
    c.check(rc == 0 and "nothing to do" in out, "the ELF build is idempotent too", out)


if __name__ == "__main__":
    main()
