#!/bin/sh
# An external "desugarer" for the tests: the identity, except that it breaks the seed's
# class_namespace_overrides_closure on purpose (43 becomes 44), so the harness must
# report a divergence for that function and nothing else.
exec sed 's/locals()\["x"\] = 43/locals()["x"] = 44/'
