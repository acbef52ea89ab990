# Sourced by tools/suite.sh and tools/upstream.sh: sets host=(--python NEWEST), the newest
# pyenv CPython, for our desugarer (it must parse the newest build's test modules: 3.12's
# test_funcattrs has PEP 695 type parameters), unless $PYCONFORM_PYTHON is set or the
# arguments already name --python.
host=()
if [ -z "${PYCONFORM_PYTHON:-}" ] && [[ " $* " != *" --python"* ]]; then
  newest=$(ls -d "${PYENV_ROOT:-/root/.pyenv}"/versions/3.*/bin/python3 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$newest" ] && host=(--python "$newest")
fi
