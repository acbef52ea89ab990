#!/bin/sh
# One provisioned build end to end: the seed case on build NAME, source and desugared.
# Exits 77 (ctest SKIP) with the reason when NAME is not provisioned on this machine.
#   tests/build_seed.sh PYCONFORM NAME SEED
pyconform=$1 name=$2 seed=$3
if ! "$pyconform" interpreters --interp "$name" | grep -q "^$name .*\[selected\]"; then
  echo "SKIP: build $name is not provisioned here (run: pyconform provision $name)"
  exit 77
fi
reports=$(mktemp -d) || exit 2
trap 'rm -rf "$reports"' EXIT
"$pyconform" run --interp "$name" --reports "$reports" "$seed"
