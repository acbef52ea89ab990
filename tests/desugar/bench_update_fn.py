"""update_fn against a plain nested def (docs/desugar.md, "Nested functions").

Usage: PY tests/desugar/bench_update_fn.py runners
"""
import sys, timeit
sys.path.insert(0, sys.argv[1])
import __dp__
def plain():
    def g(x):
        return x
    return g
def translated():
    def _dp_fn_g(x):
        return x
    g = __dp__.update_fn(_dp_fn_g, "translated.<locals>", "g")
    del _dp_fn_g
    return g
n = 100000
a = min(timeit.repeat(plain, number=n, repeat=9)) / n * 1e9
b = min(timeit.repeat(translated, number=n, repeat=9)) / n * 1e9
print("%s: plain def %.0f ns, translated def %.0f ns, ratio %.2f" % (sys.version.split()[0], a, b, b / a))
