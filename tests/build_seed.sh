#!/bin/sh
# One provisioned build end to end: the seed case on build NAME, source and desugared.
# Exits 77 (ctest SKIP) with the reason when NAME is not provisioned on this machine.
#   tests/build_seed.sh PYCONFORM NAME SEED
pyconform=$1 name=$2 seed=$3
line=$("$pyconform" interpreters --interp "$name" | grep "^$name ")
case "$line" in
  *"[selected]"*) ;;
  "") echo "SKIP: build $name is not provisioned here (run: pyconform provision $name)"; exit 77 ;;
  *) echo "FAIL: build $name is provisioned but cannot be run: $line"; exit 1 ;;
esac
reports=$(mktemp -d) || exit 2
trap 'rm -rf "$reports"' EXIT
"$pyconform" run --interp "$name" --reports "$reports" "$seed"
