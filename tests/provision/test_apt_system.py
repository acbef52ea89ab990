"""provision/apt-system.sh with a package that is already installed (so no
download happens): build.json, idempotency, and argument errors."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, PROVISION, read_json, run, tempdir  # noqa: E402

SCRIPT = os.path.join(PROVISION, "apt-system.sh")


def installed_python():
    """(package, executable) of an installed Debian pythonX.Y-minimal, or None."""
    try:
        out = subprocess.check_output(["dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\n"],
                                      stderr=subprocess.DEVNULL).decode()
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("ii") and parts[0].startswith("python3.") \
                and parts[0].endswith("-minimal"):
            exe = "/usr/bin/" + parts[0][:-len("-minimal")]
            if os.access(exe, os.X_OK):
                return parts[0], exe
    return None


def main():
    c = Checks("test_apt_system")
    found = installed_python()
    if not found:
        c.skip("apt-system", "no Debian python3.X-minimal package is installed")
        c.done()
    pkg, exe = found
    work = tempdir("aptsys")
    try:
        dest = os.path.join(work, "cache", "sys-python")
        args = [SCRIPT, dest, "--name=sys-python", "--tags=cpython", "--packages=" + pkg, "--executable=" + exe]
        rc, out, _ = run(args)
        c.check(rc == 0, "an installed package provisions", out)
        bj = os.path.join(dest, "build.json")
        b = read_json(bj) if os.path.exists(bj) else {}
        c.check(b.get("argv") == [exe] and b.get("kind") == "apt-system" and b.get("name") == "sys-python",
                "build.json argv, kind, name", b)
        c.check(b.get("version", "").startswith(exe.rsplit("python", 1)[1] + "."),
                "build.json version is the interpreter's", b.get("version"))
        c.check(pkg in b.get("details", {}).get("packages", {}), "details.packages has the package version", b)
        mtime = os.stat(bj).st_mtime if b else 0
        rc, out, _ = run(args)
        c.check(rc == 0 and "nothing to do" in out and os.stat(bj).st_mtime == mtime,
                "a re-run is a no-op", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "x1"), "--packages=" + pkg, "--executable=usr/bin/x"])
        c.check(rc != 0 and "absolute" in out, "a relative --executable is refused", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "x2"), "--packages=" + pkg, "--executable=/nonexistent/py"])
        c.check(rc != 0 and "/nonexistent/py is missing" in out, "a missing executable fails clearly", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "x3"), "--packages=" + pkg, "--executable=/bin/false"])
        c.check(rc != 0 and "verification failed" in out, "an executable that does not run Python fails", out)
        rc, out, _ = run([SCRIPT, os.path.join(work, "x4"), "--executable=" + exe])
        c.check(rc != 0 and "--packages" in out, "--packages is required", out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
