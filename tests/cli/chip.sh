#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CLI behaviour of `seedchip chip`, --help/--version and error handling (exit 2, one line).
set -u
BIN=$1
pass=0; fail=0
ok() { pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
expect_rc() { local want=$1; shift; "$@" >/tmp/sc_out.$$ 2>/tmp/sc_err.$$; local rc=$?; [ $rc -eq $want ] && ok || bad "rc $rc != $want: $*"; }
one_line_err() { local n; n=$(wc -l </tmp/sc_err.$$); [ "$n" -eq 1 ] && ok || bad "stderr has $n lines: $(cat /tmp/sc_err.$$)"; }

expect_rc 0 "$BIN" --version; grep -q '^seedchip [0-9]' /tmp/sc_out.$$ && ok || bad "--version output"
expect_rc 0 "$BIN" --help; grep -q 'chip' /tmp/sc_out.$$ && ok || bad "--help lists chip"
expect_rc 0 "$BIN" chip --help; grep -q 'usage: seedchip chip' /tmp/sc_out.$$ && ok || bad "chip --help"
expect_rc 2 "$BIN" no-such-command; one_line_err
expect_rc 2 "$BIN" chip show no-such-chip; one_line_err
grep -q "unknown chip 'no-such-chip'" /tmp/sc_err.$$ && ok || bad "unknown chip message"
expect_rc 2 "$BIN" chip show seedchip-1 --bogus; one_line_err
expect_rc 2 "$BIN" chip show seedchip-1 --set hbm.stacks=abc; one_line_err
expect_rc 2 "$BIN" chip show seedchip-1 --set; one_line_err
expect_rc 0 "$BIN" chip list; grep -q 'h200-sxm' /tmp/sc_out.$$ && ok || bad "list has h200-sxm"
expect_rc 0 "$BIN" chip list --json

for row in "h100-sxm peak_tflops.bf16 989.4" "h100-sxm hbm_bandwidth_gbs 3350" \
           "h200-sxm peak_tflops.bf16 989.4" "h200-sxm hbm_bandwidth_gbs 4800" "h200-sxm hbm_capacity_gb 141" \
           "a100-sxm-80g peak_tflops.bf16 312" "a100-sxm-80g hbm_bandwidth_gbs 2039" "a100-sxm-80g hbm_capacity_gb 80"; do
    set -- $row
    "$BIN" chip show "$1" --json >/tmp/sc_out.$$ 2>/dev/null || { bad "show $1"; continue; }
    python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[k]
want=float(sys.argv[3]); sys.exit(0 if abs(v-want)<=0.01*want else 1)' /tmp/sc_out.$$ "$2" "$3" && ok || bad "$1 $2 != $3"
done
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
need=["name","peak_tflops","hbm_bandwidth_gbs","hbm_capacity_gb","sram_total_mib","tdp_w"]
assert all(k in d for k in need), d.keys()
assert set(["fp32","bf16","fp16","fp8","int8"]) <= set(d["peak_tflops"])' /tmp/sc_out.$$ && ok || bad "json keys"
# overrides change derived figures
"$BIN" chip show seedchip-1 --json --set hbm.stacks=2 | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if abs(d["hbm_capacity_gb"]-72)<0.1 else 1)' && ok || bad "--set hbm.stacks=2"
# a config file by path, with a bad line
printf 'base: seedchip-1\nclock: fast\n' >/tmp/sc_bad.$$.yaml
expect_rc 2 "$BIN" chip show /tmp/sc_bad.$$.yaml; one_line_err
grep -q "sc_bad.$$.yaml:2: key 'clock'" /tmp/sc_err.$$ && ok || bad "file:line:key in $(cat /tmp/sc_err.$$)"
expect_rc 0 "$BIN" demo
rm -f /tmp/sc_out.$$ /tmp/sc_err.$$ /tmp/sc_bad.$$.yaml
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
