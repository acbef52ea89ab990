"""provision/lib.sh helpers: finding the system's mirror in one-line and deb822
sources files, the private sources line and its override, JSON escaping, and
option spelling."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, PROVISION, run, tempdir  # noqa: E402

LIB = os.path.join(PROVISION, "lib.sh")


def bash(snippet, env=None):
    return run(["bash", "-c", 'KIND=test; . "$0"; ' + snippet, LIB], env=env)


def main():
    c = Checks("test_lib")
    work = tempdir("lib")
    try:
        osr = os.path.join(work, "os-release")
        with open(osr, "w") as f:
            f.write('PRETTY_NAME="Test"\nVERSION_CODENAME=bookworm\n')

        # deb822: the security paragraph comes first, a disabled one second.
        etc1 = os.path.join(work, "etc1")
        os.makedirs(os.path.join(etc1, "sources.list.d"))
        with open(os.path.join(etc1, "sources.list.d", "debian.sources"), "w") as f:
            f.write("Types: deb\nURIs: http://security.invalid/debian-security\n"
                    "Suites: bookworm-security\nComponents: main\n\n"
                    "Types: deb\nURIs: http://disabled.invalid/debian\nSuites: bookworm\n"
                    "Components: main\nEnabled: no\n\n"
                    "# a comment\nTypes: deb deb-src\nURIs: http://mirror.invalid/debian http://other.invalid/debian\n"
                    "Suites: bookworm bookworm-updates\nComponents: main contrib\n"
                    "Signed-By: /usr/share/keyrings/test.gpg\n")
        env = {"PYCONFORM_APT_ETC": etc1, "PYCONFORM_OS_RELEASE": osr, "PYCONFORM_APT_SOURCE": None}
        rc, out, _ = bash("private_sources_line deb unstable", env)
        c.check(rc == 0 and out.strip() ==
                "deb [signed-by=/usr/share/keyrings/test.gpg] http://mirror.invalid/debian unstable main",
                "deb822: the main archive's host, its key, the wanted suite", out)
        rc, out, _ = bash("private_sources_line deb-src sid", env)
        c.check(rc == 0 and out.startswith("deb-src [signed-by=/usr/share/keyrings/test.gpg] "
                                           "http://mirror.invalid/debian sid main"),
                "deb-src lines too", out)

        # one-line format with options
        etc2 = os.path.join(work, "etc2")
        os.makedirs(os.path.join(etc2, "sources.list.d"))
        with open(os.path.join(etc2, "sources.list"), "w") as f:
            f.write("# deb http://commented.invalid/debian bookworm main\n"
                    "deb-src http://src.invalid/debian bookworm main\n"
                    "deb http://security.invalid/debian-security bookworm-security main\n"
                    "deb [arch=amd64 signed-by=/etc/keys/k.gpg] http://one.invalid/debian bookworm main\n")
        env2 = dict(env, PYCONFORM_APT_ETC=etc2)
        rc, out, _ = bash("private_sources_line deb unstable", env2)
        c.check(rc == 0 and out.strip() == "deb [signed-by=/etc/keys/k.gpg] http://one.invalid/debian unstable main",
                "one-line: options parsed, comments and other suites skipped", out)

        # nothing usable
        etc3 = os.path.join(work, "etc3")
        os.makedirs(etc3)
        rc, out, _ = bash("private_sources_line deb unstable", dict(env, PYCONFORM_APT_ETC=etc3))
        c.check(rc != 0 and "PYCONFORM_APT_SOURCE" in out, "no mirror found: a clear error", out)

        # the override
        rc, out, _ = bash("private_sources_line deb-src unstable",
                          dict(env, PYCONFORM_APT_SOURCE="deb [trusted=yes] file:/tmp/r ./"))
        c.check(rc == 0 and out.strip() == "deb-src [trusted=yes] file:/tmp/r ./",
                "PYCONFORM_APT_SOURCE wins and takes the wanted type", out)
        rc, out, _ = bash("private_sources_line deb testing",
                          dict(env, PYCONFORM_APT_SOURCE="deb [trusted=yes] file:/tmp/r {suite} main"))
        c.check(rc == 0 and out.strip() == "deb [trusted=yes] file:/tmp/r testing main",
                "{suite} in PYCONFORM_APT_SOURCE stands for the suite", out)

        # JSON text
        nasty = 'a"b\\c\nd\te\x01f\u00e9'
        rc, out, _ = run(["bash", "-c", 'KIND=test; . "$0"; json_list "$1" plain', LIB, nasty])
        try:
            value = json.loads(out)
        except ValueError:
            value = None
        c.check(value == ['a"b\\c\nd\tef\u00e9', "plain"], "json_str escapes quotes, backslashes, controls", out)

        # option spelling: --stack-size and --stack_size are the same key
        rc, out, _ = run(["bash", "-c",
                          'KIND=test; SCALAR_KEYS="stack_size"; LIST_KEYS="configure_flags"; . "$0"; '
                          'parse_args "$1" --stack-size=5 --configure-flags=--a --configure_flags=--b --name=n; '
                          'echo "$OPT_stack_size ${LIST_configure_flags[*]} $NAME"', LIB,
                          os.path.join(work, "dest")])
        c.check(rc == 0 and out.strip() == "5 --a --b n", "'-' and '_' spell the same key; lists repeat", out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    c.done()


if __name__ == "__main__":
    main()
