#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip gemm`: bit-exact checks on non-tile-multiple shapes, roofline bound, >85% of peak on
# 8192^3, JSON keys, report/trace files, bad input. (One python3 run: its start-up is slow.)
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

# functional + timing, checked against the C reference, shapes not multiples of the 128 tile
for dt in bf16 fp16 fp8 int8; do
    "$BIN" gemm 130 200 150 --dtype $dt --mode both --check --json >"$T/check_$dt.json"
done
"$BIN" gemm 257 129 300 --mode both --check --json --report "$T/r.json" --trace "$T/t.json" \
    >"$T/keys.json"
# timing never beats the roofline; the large square GEMM reaches > 85% of peak
for shape in "4096 4096 4096" "1000 3000 500" "64 8192 8192" "8192 8192 8192"; do
    "$BIN" gemm $shape --chip seedchip-1 --mode timing --json >"$T/roof_${shape// /x}.json"
done

python3 - "$T" <<'PY'
import glob, json, sys
d = sys.argv[1]
def load(p): return json.load(open(p))
for p in glob.glob(d + "/check_*.json"):
    assert load(p)["check_passed"] is True, p
k = load(d + "/keys.json")
for key in ["seconds", "cycles", "tflops", "utilization", "hbm_bytes", "energy_j", "check_passed",
            "roofline_seconds"]:
    assert key in k, key
r = load(d + "/r.json")
assert r["cycles"] > 0 and "energy_j" in r and "busy" in r and "hbm" in r
assert len(load(d + "/t.json")["traceEvents"]) > 10
for p in glob.glob(d + "/roof_*.json"):
    x = load(p)
    assert x["seconds"] >= x["roofline_seconds"], p
big = load(d + "/roof_8192x8192x8192.json")
assert big["utilization"] > 0.85, big["utilization"]
PY

# bad input: one line, exit 2
reject_each gemm "1 2" "0 5 5" "5 5 5 --dtype int4" "5 5 5 --dtype fp64" "5 5 5 --mode fast" "5 5 5 --check" \
    "5 5 5 --chip nope" "100000 100000 1000 --mode both" "5 5 5 --cores 0" "5 5 5 6" \
    "64 64 64 --report /nonexistent/dir/r.json" # an unwritable report path is bad input too
echo "gemm: ok"
