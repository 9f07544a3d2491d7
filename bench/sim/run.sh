#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Speed of the executor itself: simulated instructions and simulated cycles per wall second of
# `seedchip gemm` runs (the executor's run only, not config loading or data generation), each the
# best of 3. Prints a markdown table (docs/SIM.md "Simulator speed").
# usage: bench/sim/run.sh [SEEDCHIP_BIN]   (default build/seedchip)
set -euo pipefail
BIN="${1:-build/seedchip}"
export SEEDCHIP_CONFIG_DIR="${SEEDCHIP_CONFIG_DIR:-$(dirname "$0")/../../configs}"

row() { # label, then gemm arguments
    local label="$1"
    shift
    local best=""
    for _ in 1 2 3; do
        "$BIN" gemm "$@" --json >/tmp/sc_bench_sim.json
        best=$(python3 - "$best" <<'PY'
import json, sys
d = json.load(open("/tmp/sc_bench_sim.json"))
prev = sys.argv[1]
cur = (d["host_seconds"], d["insns"], d["cycles"], d["utilization"])
if prev:
    p = tuple(float(x) for x in prev.split(","))
    cur = min(cur, p)
print(",".join(str(x) for x in cur))
PY
)
    done
    IFS=, read -r wall insns cycles util <<<"$best"
    python3 -c "
w, i, c, u = $wall, $insns, $cycles, $util
print(f'| $label | {i:.0f} | {c:.3g} | {w:.3f} | {i / w / 1e6:.2f} | {c / w / 1e6:.1f} |')"
}

echo "| run | instructions | simulated cycles | wall (s) | M insns/s | M cycles/s |"
echo "|---|---|---|---|---|---|"
row "timing, 8192^3 bf16, seedchip-1" 8192 8192 8192 --mode timing
row "timing, 16384x16384x8192 fp8, seedchip-1" 16384 16384 8192 --dtype fp8 --mode timing
row "timing, decode 64x8192x8192, seedchip-1" 64 8192 8192 --mode timing
row "timing, 4096^3 bf16, h100-sxm (132 cores)" 4096 4096 4096 --chip h100-sxm --mode timing
row "both, 512^3 bf16 (data + timing)" 512 512 512 --mode both
row "functional, 512^3 bf16" 512 512 512 --mode functional
row "functional, 1024x1024x512 int8" 1024 1024 512 --dtype int8 --mode functional
