"""Named checks for the test scripts (standard library only): a failure is reported,
not raised, so one script reports all of its problems at once, and its exit status
comes from `failed`. With echo, every check prints "ok  " or "FAIL" and its name;
without, only failures print."""


class Checks:
    def __init__(self, echo=False):
        self.echo = echo
        self.passed = self.failed = 0

    def ok(self, cond, what, detail=""):
        """Record a check; on failure `detail` (say, the output looked at) follows."""
        if self.echo:
            print("%s %s" % ("ok  " if cond else "FAIL", what))
        elif not cond:
            print("FAIL: " + what)
        if detail and not cond:
            print(detail)
        if cond:
            self.passed += 1
        else:
            self.failed += 1
        return cond

    def exit_status(self):
        """Print how many checks failed; the script's exit status (1 when any did)."""
        print("%d failed" % self.failed)
        return 1 if self.failed else 0
