#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip gemm --splitk`: K slices on different cores, partials summed; bit-exact against the
# slice-order reference, int8 stays unsplit, bad values exit 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

for dt in bf16 fp8; do
    "$BIN" gemm 100 70 3000 --dtype $dt --splitk 4 --mode both --check >"$T/$dt.txt"
    grep -q "split-K 2" "$T/$dt.txt"            # 2 K steps of 2048: at most 2 slices
    grep -q "check: passed" "$T/$dt.txt"
done
"$BIN" gemm 300 200 3000 --splitk 3 --mode both --check --json --chip h100-sxm >"$T/h.json"
grep -q '"splitk":	3' "$T/h.json"
grep -q '"check_passed":	true' "$T/h.json"
# int8 accumulates in int32: no split
"$BIN" gemm 64 64 3000 --dtype int8 --splitk 4 --json >"$T/i.json"
grep -q '"splitk":	1' "$T/i.json"
reject_each gemm "64 64 64 --splitk 0" "64 64 64 --splitk -1" "64 64 64 --splitk x" \
    "64 64 64 --splitk 5000"
for bad in 0 -1 x 5000; do
    err=$("$BIN" gemm 64 64 64 --splitk "$bad" 2>&1 >/dev/null) || true
    case $err in *--splitk*) ;; *) die "--splitk $bad: error does not name the option: $err" ;; esac
done
echo ok
