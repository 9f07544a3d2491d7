#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seedchip run --mode functional vs onnxruntime-node (CPU, one thread) on the same machine in the
# same run: wall time and peak memory, plus the largest output difference.
# usage: bench/onnx/run.sh [BUILD_DIR]   (needs scripts/fetch_models.sh for onnxruntime-node)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$SRC/build}/seedchip
ORT=$SRC/third_party/npm/node_modules/onnxruntime-node
[ -x "$BIN" ] || { echo "no $BIN (make build first)"; exit 1; }
[ -d "$ORT" ] || { echo "onnxruntime-node missing: run scripts/fetch_models.sh"; exit 1; }
T=$(mktemp -d /tmp/sc_onnx_bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
printf '| model | GFLOP | seedchip functional s | onnxruntime s | time ratio | seedchip peak MB | ort peak MB | memory ratio | max abs diff | simulated ms on SeedChip-1 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for cfg in "conv64x56x56x4 64 56 56 4" "conv32x112x112x2 32 112 112 2" "conv128x28x28x4 128 28 28 4"; do
    set -- $cfg
    name=$1; C=$2; H=$3; W=$4; L=$5
    python3 "$SRC/bench/onnx/make_conv_model.py" "$T/m.onnx" "$T/x.pb" "$C" "$H" "$W" "$L"
    /usr/bin/time -f "%e %M" -o "$T/sc.time" "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T" >"$T/sc.out"
    ort=$(node "$SRC/bench/onnx/ort_run.js" "$T/m.onnx" "$T/x.pb.f32" "1,$C,$H,$W" "$T/y.f32" 5)
    read -r sc_s sc_kb <"$T/sc.time"
    ort_ms=$(echo "$ort" | awk '{print $2}'); ort_mb=$(echo "$ort" | awk '{print $6}')
    # ORT's peak is node's whole RSS; compare like with like: both are whole-process peaks
    python3 - "$T" "$name" "$sc_s" "$sc_kb" "$ort_ms" "$ort_mb" "$C" "$H" "$W" "$L" <<'PY'
import struct, sys, re
t, name, sc_s, sc_kb, ort_ms, ort_mb, C, H, W, L = sys.argv[1:]
C, H, W, L = int(C), int(H), int(W), int(L)
raw = open(t + "/output_0.npy", "rb").read()
hl = raw[8] | raw[9] << 8
a = struct.unpack("<%df" % (C * H * W), raw[10 + hl:])
b = struct.unpack("<%df" % (C * H * W), open(t + "/y.f32", "rb").read())
diff = max(abs(x - y) for x, y in zip(a, b))
out = open(t + "/sc.out").read()
ms = float(re.search(r"cycles \d+, ([0-9.]+) ms", out).group(1))
gflop = 2 * C * C * 9 * H * W * L / 1e9
sc_s, ort_s, sc_mb = float(sc_s), float(ort_ms) / 1e3, float(sc_kb) / 1e3
print(f"| {name} | {gflop:.2f} | {sc_s:.2f} | {ort_s:.3f} | {sc_s / ort_s:.1f}x | {sc_mb:.0f} | {float(ort_mb):.0f} | {sc_mb / float(ort_mb):.2f}x | {diff:.2e} | {ms:.3f} |")
PY
done
