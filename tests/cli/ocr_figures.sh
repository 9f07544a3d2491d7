#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Chip figures of `seedchip ocr`: a timing-mode run of the compiled det program on the blank
# fixture (the smallest det input, no boxes, so cls/rec are not called) gives cycles, time,
# utilisation and energy (JSON); det, cls and rec figures of two fixtures in one command;
# functional mode prints none. Skips without the models.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_ocr_models
need_cmd python3
IMG="$SRC/tests/data/ocr/blank.png"
"$BIN" ocr "$IMG" --mode timing --json >"$T/out.json" 2>"$T/err" ||
    { echo "FAIL: ocr --json exit $?: $(cat "$T/err")"; exit 1; }
python3 - "$T/out.json" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))["images"][0]
m = {x["model"]: x for x in r["models"]}
d = m["det"]
print("det:", {k: d[k] for k in ("calls", "programs", "cycles", "seconds", "mma_utilisation", "energy_j")})
ok = r["lines"] == [] and r["boxes"] == 0 and (r["det_width"], r["det_height"]) == (32, 32)
ok = ok and d["calls"] == 1 and d["programs"] == 1 and d["cycles"] > 0 and d["flops"] > 0
ok = ok and 0 < d["mma_utilisation"] <= 1 and d["energy_j"] > 0 and d["hbm_bytes"] > 0
# seconds = cycles / clock (1.5 GHz on SeedChip-1)
ok = ok and abs(d["seconds"] * 1.5e9 / d["cycles"] - 1) < 1e-6
ok = ok and m["cls"]["calls"] == 0 and m["rec"]["calls"] == 0 and m["rec"]["cycles"] == 0
sys.exit(0 if ok else 1)
PY
cycles=$(python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))['images'][0]['models'][0]['cycles']))" "$T/out.json")
# two fixtures in one timing-mode command (det, cls and rec each timed once per program): a
# program's figures count once per call, so the two-line image's cls (one shape, 48x192) is
# exactly twice the one-line image's, and the cls program compiled for the first image is reused
FX="$SRC/tests/data/ocr"
"$BIN" ocr "$FX/dejavu_sans.png" "$FX/freemono_two.png" --mode timing --json >"$T/two.json" \
    2>"$T/err" || { echo "FAIL: ocr timing on two fixtures exit $?: $(cat "$T/err")"; exit 1; }
python3 - "$T/two.json" <<'PY' || exit 1
import json, sys
a, b = json.load(open(sys.argv[1]))["images"]
ma = {x["model"]: x for x in a["models"]}
mb = {x["model"]: x for x in b["models"]}
assert [l["text"] for l in a["lines"]] == ["Hello World"], a["lines"]
assert [l["text"] for l in b["lines"]] == ["OCR TEST 42", "chip simulator"], b["lines"]
for m, calls in ((ma, 1), (mb, 2)):
    assert m["det"]["calls"] == 1 and m["cls"]["calls"] == calls and m["rec"]["calls"] == calls, m
    assert all(m[k]["cycles"] > 0 and m[k]["energy_j"] > 0 for k in ("det", "cls", "rec")), m
assert mb["cls"]["programs"] == 1 and mb["cls"]["cycles"] == 2 * ma["cls"]["cycles"], (ma, mb)
assert abs(mb["cls"]["energy_j"] - 2 * ma["cls"]["energy_j"]) < 1e-12, (ma, mb)
assert mb["cls"]["compile_s"] == 0, "cls program recompiled for the second image"
PY
# text output, functional mode: the header line and no figures table
"$BIN" ocr "$IMG" --mode functional >"$T/out.txt" 2>"$T/err" || { echo "FAIL: ocr exit $?"; exit 1; }
[ "$(cat "$T/out.txt")" = "$IMG: 0 lines (0 boxes), det input 32x32" ] ||
    { echo "FAIL: functional text output: $(cat "$T/out.txt")"; exit 1; }
echo "ocr figures: det $cycles cycles"
