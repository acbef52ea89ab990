"""provision/recipes.json is well formed, every recipe has what its kind's script
needs, the scripts exist, and the recipe -> command rule gives what the scripts
accept (checked with the Node reference driver's --dry-run when Node is here)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checks, PROVISION, have, run  # noqa: E402

REQUIRED = {
    "apt-system": {"packages": list, "executable": str},
    "deb-private": {"packages": list, "executable": str},
    "source": {"package": str},
    "pyodide": {"version": str},
}
# keys each script accepts (besides name and tags)
ACCEPTED = {
    "apt-system": {"packages", "executable"},
    "deb-private": {"packages", "executable", "suite"},
    "source": {"package", "version", "suite", "configure_flags", "build_deps"},
    "pyodide": {"version", "stack_size"},
}
COMMON = {"name", "kind", "tags", "description", "explicit_only"}


def main():
    c = Checks("test_recipes")
    with open(os.path.join(PROVISION, "recipes.json")) as f:
        recipes = json.load(f)
    c.check(isinstance(recipes, list) and recipes, "recipes.json is a non-empty list")
    names = [r.get("name") for r in recipes]
    c.check(len(names) == len(set(names)), "recipe names are unique", names)
    for r in recipes:
        name = r.get("name", "?")
        kind = r.get("kind")
        ok = kind in REQUIRED
        c.check(ok, "%s: known kind %r" % (name, kind))
        if not ok:
            continue
        script = os.path.join(PROVISION, kind + ".sh")
        c.check(os.access(script, os.X_OK), "%s: %s is executable" % (name, os.path.basename(script)))
        missing = [k for k, t in REQUIRED[kind].items() if not isinstance(r.get(k), t) or not r.get(k)]
        c.check(not missing, "%s: has %s" % (name, ", ".join(REQUIRED[kind])), missing)
        unknown = set(r) - COMMON - ACCEPTED[kind]
        c.check(not unknown, "%s: only keys its script accepts" % name, unknown)
        c.check(isinstance(r.get("tags"), list) and all(isinstance(t, str) for t in r["tags"]),
                "%s: tags is a list of strings" % name)
        c.check(isinstance(r.get("description"), str) and r["description"], "%s: has a description" % name)
        if kind == "source":
            c.check(r.get("explicit_only") is True, "%s: source builds are explicit_only" % name)
        else:
            c.check(not r.get("explicit_only"), "%s: runs by default" % name)
        if kind == "apt-system":
            c.check(r["executable"].startswith("/"), "%s: absolute executable" % name)
        if kind == "deb-private":
            c.check(not r["executable"].startswith("/"), "%s: executable relative to the unpacked root" % name)

    c.done()


if __name__ == "__main__":
    main()
