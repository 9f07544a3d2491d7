#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cross-check with onnxruntime-node: a generated Conv+Relu network run by seedchip (functional)
# and by onnxruntime must agree to 1e-4. Skips when scripts/fetch_models.sh has not been run.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_ort
need_cmd python3
python3 "$SRC/bench/onnx/make_conv_model.py" "$T/m.onnx" "$T/x.pb" 8 20 17 3 || die "model generator"
"$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T" >/dev/null || die "seedchip run"
node "$SRC/bench/onnx/ort_run.js" "$T/m.onnx" "$T/x.pb.f32" 1,8,20,17 "$T/y.f32" 1 >/dev/null || die "ort"
python3 - "$T" <<'PY'
import sys
from onnx_pb import max_abs_diff, npy, read_f32
t = sys.argv[1]
n = 8 * 20 * 17
a, b = npy(t + "/output_0.npy"), read_f32(t + "/y.f32")
d = max_abs_diff(a, b)
nz = sum(1 for y in b if y != 0)
print(f"max abs diff {d:.3g} over {n} values ({nz} non-zero)")
sys.exit(0 if d <= 1e-4 and nz > n // 10 else 1)
PY
