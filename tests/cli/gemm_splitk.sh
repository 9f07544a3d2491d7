#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip gemm --splitk`: K slices on different cores, partials summed; bit-exact against the
# slice-order reference, int8 stays unsplit, bad values exit 2.
set -euo pipefail
BIN="$1"
SRC="$2"
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for dt in bf16 fp8; do
    "$BIN" gemm 100 70 3000 --dtype $dt --splitk 4 --mode both --check >"$TMP/$dt.txt"
    grep -q "split-K 2" "$TMP/$dt.txt"            # 2 K steps of 2048: at most 2 slices
    grep -q "check: passed" "$TMP/$dt.txt"
done
"$BIN" gemm 300 200 3000 --splitk 3 --mode both --check --json --chip h100-sxm >"$TMP/h.json"
grep -q '"splitk":	3' "$TMP/h.json"
grep -q '"check_passed":	true' "$TMP/h.json"
# int8 accumulates in int32: no split
"$BIN" gemm 64 64 3000 --dtype int8 --splitk 4 --json >"$TMP/i.json"
grep -q '"splitk":	1' "$TMP/i.json"
for bad in 0 -1 x 5000; do
    if "$BIN" gemm 64 64 64 --splitk "$bad" 2>"$TMP/err"; then exit 1; else rc=$?; fi
    [ "$rc" -eq 2 ] || { echo "--splitk $bad: exit $rc"; exit 1; }
    grep -q -- "--splitk" "$TMP/err"
done
echo ok
