#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip gemm`: bit-exact checks on non-tile-multiple shapes, roofline bound, JSON keys, errors.
set -euo pipefail
BIN="$1"
SRC="$2"
command -v python3 >/dev/null || exit 77
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
check() { python3 -c "import sys; sys.exit(0 if ($1) else 1)" || { echo "FAIL: $2 ($1)"; exit 1; }; }

# functional + timing, checked against the C reference, shapes not multiples of the 128 tile
for dt in bf16 fp16 fp8 int8; do
    out=$("$BIN" gemm 130 200 150 --dtype $dt --mode both --check --json)
    check "'$(echo "$out" | field "['check_passed']")' == 'True'" "check $dt"
done
out=$("$BIN" gemm 257 129 300 --mode both --check --json --report "$TMP/r.json" --trace "$TMP/t.json")
for k in seconds cycles tflops utilization hbm_bytes energy_j check_passed roofline_seconds; do
    echo "$out" | field "['$k']" >/dev/null
done
python3 -c "import json; d=json.load(open('$TMP/r.json')); assert d['cycles'] > 0 and 'energy_j' in d and 'busy' in d"
python3 -c "import json; d=json.load(open('$TMP/t.json')); assert len(d['traceEvents']) > 10"

# timing never beats the roofline; a large square GEMM is compute bound on SeedChip-1
for shape in "4096 4096 4096" "1000 3000 500" "64 8192 8192"; do
    out=$("$BIN" gemm $shape --mode timing --json)
    check "$(echo "$out" | field "['seconds']") >= $(echo "$out" | field "['roofline_seconds']")" "roofline $shape"
done
out=$("$BIN" gemm 8192 8192 8192 --chip seedchip-1 --mode timing --json)
check "$(echo "$out" | field "['utilization']") > 0.85" "utilization 8192^3"
check "$(echo "$out" | field "['seconds']") >= $(echo "$out" | field "['roofline_seconds']")" "roofline 8192^3"

# bad input: one line, exit 2
for args in "1 2" "0 5 5" "5 5 5 --dtype int4" "5 5 5 --mode fast" "5 5 5 --check" "5 5 5 --chip nope"; do
    set +e
    "$BIN" gemm $args >"$TMP/o" 2>"$TMP/e"
    rc=$?
    set -e
    [ $rc -eq 2 ] || { echo "FAIL: '$args' exit $rc"; exit 1; }
    [ "$(wc -l <"$TMP/e")" -eq 1 ] || { echo "FAIL: '$args' stderr:"; cat "$TMP/e"; exit 1; }
done
# an unwritable report path is bad input too, and leaves no partial file
set +e
"$BIN" gemm 64 64 64 --report /nonexistent/dir/r.json >/dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || { echo "FAIL: unwritable report exit $rc"; exit 1; }
echo "gemm: ok"
