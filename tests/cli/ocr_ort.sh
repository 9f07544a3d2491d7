#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every PP-OCR model output on the chip against onnxruntime-node on the same input, two ways:
#
# 1. Each model alone (`seedchip run`, fp32, functional) on a fixed-shape synthetic text image:
#    PP-OCRv4 det (DB, MobileNetV3 + RSE-FPN: Resize nearest, ConvTranspose, HardSigmoid) 32x32,
#    mobile v2.0 cls 48x192, PP-OCRv4 rec (PP-LCNet + SVTR neck, CTC head) 48x64, against
#    bench/onnx/ort_run.js: max abs difference <= 1e-4 and the decisions the pipeline takes from
#    the output identical (det: pixels above the DB threshold 0.3; cls/rec: argmax per row).
# 2. The whole pipeline (`seedchip ocr --dump`) on the two-line fixture at fp32 and bf16 (det map,
#    cls probabilities, rec per-step probabilities for each line), against bench/onnx/ocr_ort.js
#    on the same inputs. Tolerances (docs/OCR.md): fp32: every value within 1e-3, det pixels all
#    on the same side of the 0.3 threshold, every cls/rec argmax equal; bf16: det mean |diff| <=
#    1e-2 with >= 99.5% of the pixels on the same side of 0.3, cls within 1e-3, rec within 0.1,
#    every argmax equal.
# Skips without the npm packages (make fetch).
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_ocr_models
need_ort
need_cmd python3

# model_check MODEL H W KIND TOL: part 1 for one model (KIND det|cls|rec: normalisation, decision)
model_check() {
    local model=$OCR_MODELS/$1 h=$2 w=$3 kind=$4 tol=$5 d=$T/$4
    mkdir -p "$d"
    python3 - "$d/x.npy" "$h" "$w" "$kind" <<'PY' || { bad "$kind: input generator"; return; }
import sys
from onnx_pb import write_npy
out, H, W, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def ink(y, x):  # a word-like band of strokes of several widths, black on white
    if not (H * 0.3 <= y < H * 0.7) or not (W * 0.1 <= x < W * 0.9):
        return 0
    c = x % 7
    return 1 if c < 2 or (c == 4 and (y // 2) % 2 == 0) or (y == int(H * 0.3) and c < 5) else 0
mean, std = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]) if kind == "det" else ([0.5] * 3, [0.5] * 3)
vals = [((0.0 if ink(y, x) else 1.0) - mean[c]) / std[c] for c in range(3) for y in range(H) for x in range(W)]
open(out + ".f32", "wb").write(write_npy(out, [1, 3, H, W], vals))
PY
    "$BIN" run "$model" --input x="$d/x.npy" --outdir "$d" --mode functional >"$d/log" 2>&1 ||
        { bad "seedchip run $1: $(tail -c 300 "$d/log")"; return; }
    node "$SRC/bench/onnx/ort_run.js" "$model" "$d/x.npy.f32" "1,3,$h,$w" "$d/ref.f32" 1 >/dev/null ||
        { bad "onnxruntime-node $1"; return; }
    python3 - "$d" "$kind" "$tol" <<'PY' && ok || bad "$kind: chip output differs from onnxruntime"
import sys
from onnx_pb import max_abs_diff, read_f32, read_npy
t, kind, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
shape, a = read_npy(t + "/output_0.npy")
b = read_f32(t + "/ref.f32")
if len(a) != len(b):
    sys.exit(f"FAIL: {len(a)} values, onnxruntime {len(b)}")
d = max_abs_diff(a, b)
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

model_check ch_PP-OCRv4_det_infer.onnx 32 32 det 1e-4
model_check ch_ppocr_mobile_v2.0_cls_infer.onnx 48 192 cls 1e-4
model_check ch_PP-OCRv4_rec_infer.onnx 48 64 rec 1e-4

for prec in fp32 bf16; do
    mkdir "$T/$prec"
    "$BIN" ocr "$SRC/tests/data/ocr/freemono_two.png" --mode functional --precision $prec \
        --dump "$T/$prec" >/dev/null 2>"$T/err" || die "ocr $prec: $(cat "$T/err")"
    node "$SRC/bench/onnx/ocr_ort.js" "$OCR_MODELS" "$T/$prec" >"$T/$prec.txt" || die "ocr_ort.js $prec"
    awk -v p=$prec '
        function frac(s) { split(s, a, "/"); return a[1] / a[2] }
        /^(det|cls|rec)_/ {
            for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
            m = substr($1, 1, 3); n[m]++
            d = v["max_abs_diff"] + 0; e = v["mean_abs_diff"] + 0
            ag = m == "det" ? frac(v["mask_agree"]) : frac(v["argmax_agree"])
            if (p == "fp32") ok = d <= 1e-3 && ag == 1
            else if (m == "det") ok = e <= 1e-2 && ag >= 0.995
            else ok = d <= (m == "cls" ? 1e-3 : 0.1) && ag == 1
            printf "%s %s: max %.3g mean %.3g agree %.5f %s\n", p, $1, d, e, ag, ok ? "ok" : "FAIL"
            bad += !ok
        }
        END { exit (bad || n["det"] != 1 || n["cls"] != 2 || n["rec"] != 2) ? 1 : 0 }' \
        "$T/$prec.txt" && ok || bad "$prec pipeline outputs beyond tolerance of onnxruntime"
done
finish
