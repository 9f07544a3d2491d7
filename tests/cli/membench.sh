#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip membench`: stream near peak, random far below, latency rising with load, errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"


# built-in HBM3E part: streaming reads reach 90-95% of peak
out=$("$BIN" membench --preset hbm3e-12h --pattern stream --bytes 8MiB --json)
frac=$(echo "$out" | json_field "['fraction_of_peak']")
py_check "0.90 <= $frac <= 0.96" "stream fraction of peak"
for k in bandwidth_gbs mean_latency_ns row_hit_rate p50_latency_ns p99_latency_ns requests bytes peak_gbs; do
    echo "$out" | json_field "['$k']" >/dev/null
done
py_check "$(echo "$out" | json_field "['bytes']") == 8388608" "bytes"

# random 64-byte reads are far below peak
rnd=$("$BIN" membench --preset hbm3e-12h --pattern random --bytes 1MiB --access-bytes 64 --outstanding 2048 --json)
py_check "$(echo "$rnd" | json_field "['fraction_of_peak']") < 0.5" "random fraction"

# loaded latency rises with outstanding requests
lo=$("$BIN" membench --preset hbm3e-12h --pattern random --bytes 1MiB --outstanding 4 --json | json_field "['mean_latency_ns']")
hi=$("$BIN" membench --preset hbm3e-12h --pattern random --bytes 1MiB --outstanding 4096 --json | json_field "['mean_latency_ns']")
py_check "100 <= $lo <= 150" "idle-ish latency"
py_check "$hi > 2 * $lo" "loaded latency"
sweep=$("$BIN" membench --preset hbm3e-12h --pattern random --bytes 512KiB --sweep --json)
echo "$sweep" | python3 -c 'import json,sys; l=[r["mean_latency_ns"] for r in json.load(sys.stdin)["sweep"]]; sys.exit(0 if len(l) == 7 and l[-1] > 2 * l[0] else 1)' \
    || { echo "FAIL: sweep"; exit 1; }

# deterministic: two runs print identical JSON
a=$("$BIN" membench --preset lpddr5x --pattern random --bytes 256KiB --read-fraction 0.6 --outstanding 64 --json)
b=$("$BIN" membench --preset lpddr5x --pattern random --bytes 256KiB --read-fraction 0.6 --outstanding 64 --json)
[ "$a" = "$b" ] || { echo "FAIL: not deterministic"; exit 1; }

# chip configs, when the loader and configs are present
if "$BIN" chip show seedchip-1 >/dev/null 2>&1; then
    c=$("$BIN" membench --chip seedchip-1 --bytes 4MiB --json | json_field "['fraction_of_peak']")
    py_check "0.8 <= $c <= 0.96" "seedchip-1 stream"
fi

# bad input: one line on stderr, exit 2
reject_each membench "--preset nope" "--preset hbm3e-12h --pattern zigzag" \
    "--preset hbm3e-12h --read-fraction 2" "--preset hbm3e-12h --bytes lots" \
    "--preset hbm3e-12h --map co.xx" "--bogus" "--preset hbm3e-12h --chip seedchip-1" \
    "--preset hbm3e-12h --pattern stream --sweep"
"$BIN" membench --help | grep -q "usage: seedchip membench"
echo "membench: ok"
