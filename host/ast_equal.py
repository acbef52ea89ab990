"""Compare two Python files by their abstract syntax trees (used by
`pyconform check-desugar`).

Usage: python host/ast_equal.py A B
Exit status: 0 equal ASTs, 1 different, 2 a file cannot be read or parsed.
Line and column positions are ignored (ast.dump without attributes).
Python 3.8+, standard library only.
"""
import ast
import sys


def dump(path):
    """The AST of a file as text, without positions."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    return ast.dump(ast.parse(source, path), include_attributes=False)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: ast_equal.py A B\n")
        return 2
    try:
        a, b = dump(argv[0]), dump(argv[1])
    except (OSError, SyntaxError, ValueError) as err:
        sys.stderr.write("ast_equal: %s\n" % err)
        return 2
    return 0 if a == b else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
