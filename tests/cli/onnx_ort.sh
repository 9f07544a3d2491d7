#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-check with onnxruntime-node: a generated Conv+Relu network run by seedchip (functional)
# and by onnxruntime must agree to 1e-4. Skips when scripts/fetch_models.sh has not been run.
set -u
BIN=$1
SRC=$2
[ -d "$SRC/third_party/npm/node_modules/onnxruntime-node" ] || { echo "onnxruntime-node absent: skip"; exit 77; }
command -v node >/dev/null || { echo "node absent: skip"; exit 77; }
T=$(mktemp -d /tmp/sc_onnx_ort.XXXXXX)
trap 'rm -rf "$T"' EXIT
python3 "$SRC/bench/onnx/make_conv_model.py" "$T/m.onnx" "$T/x.pb" 8 20 17 3 || exit 1
"$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T" >/dev/null || { echo "FAIL: seedchip run"; exit 1; }
node "$SRC/bench/onnx/ort_run.js" "$T/m.onnx" "$T/x.pb.f32" 1,8,20,17 "$T/y.f32" 1 >/dev/null || { echo "FAIL: ort"; exit 1; }
python3 - "$T" <<'PY'
import struct, sys
t = sys.argv[1]
raw = open(t + "/output_0.npy", "rb").read()
hl = raw[8] | raw[9] << 8
n = 8 * 20 * 17
a = struct.unpack("<%df" % n, raw[10 + hl:])
b = struct.unpack("<%df" % n, open(t + "/y.f32", "rb").read())
d = max(abs(x - y) for x, y in zip(a, b))
nz = sum(1 for y in b if y != 0)
print(f"max abs diff {d:.3g} over {n} values ({nz} non-zero)")
sys.exit(0 if d <= 1e-4 and nz > n // 10 else 1)
PY
