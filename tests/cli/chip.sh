#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CLI behaviour of `seedchip chip`, --help/--version and error handling (exit 2, one line).
set -u
. "$(dirname "$0")/lib.sh" "$@"

expect_rc 0 "$BIN" --version; grep -q '^seedchip [0-9]' "$T/out" && ok || bad "--version output"
expect_rc 0 "$BIN" --help; grep -q 'chip' "$T/out" && ok || bad "--help lists chip"
expect_rc 0 "$BIN" chip --help; grep -q 'usage: seedchip chip' "$T/out" && ok || bad "chip --help"
expect_rc 2 "$BIN" no-such-command; one_line_err
expect_rc 2 "$BIN" chip show no-such-chip; one_line_err
grep -q "unknown chip 'no-such-chip'" "$T/err" && ok || bad "unknown chip message"
expect_rc 2 "$BIN" chip show seedchip-1 --bogus; one_line_err
expect_rc 2 "$BIN" chip show seedchip-1 --set hbm.stacks=abc; one_line_err
expect_rc 2 "$BIN" chip show seedchip-1 --set; one_line_err
expect_rc 0 "$BIN" chip list; grep -q 'h200-sxm' "$T/out" && ok || bad "list has h200-sxm"
expect_rc 0 "$BIN" chip list --json

for row in "h100-sxm peak_tflops.bf16 989.4" "h100-sxm hbm_bandwidth_gbs 3350" \
           "h200-sxm peak_tflops.bf16 989.4" "h200-sxm hbm_bandwidth_gbs 4800" "h200-sxm hbm_capacity_gb 141" \
           "a100-sxm-80g peak_tflops.bf16 312" "a100-sxm-80g hbm_bandwidth_gbs 2039" "a100-sxm-80g hbm_capacity_gb 80" \
           "seedchip-1 vector_tops.fp32 6.144" "seedchip-1 vector_tops.fp64 1.536" "h100-sxm vector_tops.fp64 15.46"; do
    set -- $row
    "$BIN" chip show "$1" --json >"$T/out" 2>/dev/null || { bad "show $1"; continue; }
    python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[k]
want=float(sys.argv[3]); sys.exit(0 if abs(v-want)<=0.01*want else 1)' "$T/out" "$2" "$3" && ok || bad "$1 $2 != $3"
done
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
need=["name","peak_tflops","hbm_bandwidth_gbs","hbm_capacity_gb","sram_total_mib","tdp_w"]
assert all(k in d for k in need), d.keys()
assert set(["fp32","bf16","fp16","fp8","int8"]) <= set(d["peak_tflops"])' "$T/out" && ok || bad "json keys"
# overrides change derived figures
"$BIN" chip show seedchip-1 --json --set hbm.stacks=2 | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if abs(d["hbm_capacity_gb"]-72)<0.1 else 1)' && ok || bad "--set hbm.stacks=2"
# the fp64 vector rate is a fraction of the fp32 lane rate: (0, 1]
"$BIN" chip show seedchip-1 --json --set tensor_core.vector_fp64_rate=0.5 | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if abs(d["vector_tops"]["fp64"]-3.072)<0.01 else 1)' && ok || bad "--set vector_fp64_rate=0.5"
expect_rc 2 "$BIN" chip show seedchip-1 --set tensor_core.vector_fp64_rate=2; one_line_err
# a config file by path, with a bad line
printf 'base: seedchip-1\nclock: fast\n' >"$T/sc_bad.yaml"
expect_rc 2 "$BIN" chip show "$T/sc_bad.yaml"; one_line_err
grep -q "sc_bad.yaml:2: key 'clock'" "$T/err" && ok || bad "file:line:key in $(cat "$T/err")"
expect_rc 0 "$BIN" demo
finish
