#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip report`: one self-contained HTML page with the five chart types, rendered in headless
# Chromium and checked by content; one-line errors and no partial output. Exit 77 without Chromium
# (after the checks that need no browser).
set -euo pipefail
BIN="$1"
SRC="$2"
command -v python3 >/dev/null || exit 77
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 2 --tp 1 --rate 20 --duration 20 \
    --timeline 300 --json > "$TMP/run.json"
"$BIN" plan --model dlrm-v2 --traffic 50000 --input-len 256 --slo-ttft 0.02 \
    --chips seedchip-1,h200-sxm --json > "$TMP/plan.json"
cat > "$TMP/space.yaml" <<'Y'
base: seedchip-1
workloads:
  - {model: llama-3-8b, chips: 1, batch: 16, input_len: 1024, output_len: 128}
parameters:
  hbm.stacks: [2, 4, 6]
  clock: [1.2GHz, 1.8GHz]
Y
"$BIN" sweep "$TMP/space.yaml" --db "$TMP/r.sqlite" --quiet > /dev/null
"$BIN" report "$TMP/run.json" "$TMP/plan.json" "$TMP/r.sqlite" -o "$TMP/report.html"

python3 - "$TMP/report.html" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
for title in ["Latency CDF: Time to first token", "Latency CDF: End-to-end latency",
              "Execution timeline", "Roofline: decode iteration", "Roofline: prefill of",
              "Fleet comparison: chips", "Pareto front: performance vs cost", "Pareto front: vs power",
              "Pareto front: vs HBM GB"]:
    assert title in html, title
# self-contained: no scripts, stylesheets, images or fetches from elsewhere
assert "<script" not in html and "<link" not in html and "<img" not in html
assert not re.search(r"(src|href)\s*=", html)
assert html.count("<svg") >= 11, html.count("<svg")
assert html.count("<circle") >= 6 + 5   # sweep points + roofline ops
print("report content ok")
PY

# bad input: one line, exit 2, and no partial output file
echo '{"kind": "weather"}' > "$TMP/other.json"
printf 'not json' > "$TMP/bad.json"
for args in "$TMP/missing.json -o $TMP/x.html" "$TMP/bad.json -o $TMP/x.html" \
            "$TMP/other.json -o $TMP/x.html" "$TMP/run.json" "-o $TMP/x.html" \
            "$TMP/run.json $TMP/bad.json -o $TMP/x.html" "--bogus"; do
    set +e
    err=$("$BIN" report $args 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" = 2 ] || { echo "FAIL: '$args' exit $rc: $err"; exit 1; }
    [ "$(echo "$err" | wc -l)" = 1 ] || { echo "FAIL: '$args' stderr not one line: $err"; exit 1; }
    [ ! -e "$TMP/x.html" ] || { echo "FAIL: '$args' left an output file"; exit 1; }
done
"$BIN" report --help | grep -q "usage: seedchip report"

CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "chromium absent: rendering checks skipped"; exit 77; }
run_chrome() { timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$TMP/profile" "$@" 2>/dev/null; }
run_chrome --dump-dom "file://$TMP/report.html" > "$TMP/dom.html"
python3 - "$TMP/dom.html" <<'PY'
import sys
dom = open(sys.argv[1]).read()
assert "<h1>SeedChip report</h1>" in dom, "page did not render"
for t in ["Execution timeline", "Roofline", "Pareto front", "Latency CDF", "Fleet comparison"]:
    assert t in dom, t
assert dom.count("<svg") >= 11 and dom.count("<polyline") >= 6
print("chromium DOM ok")
PY
run_chrome --window-size=1100,2400 --screenshot="$TMP/shot.png" "file://$TMP/report.html" >/dev/null
python3 - "$TMP/shot.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1100, 2400) and len(d) > 50000, (w, h, len(d))
print("chromium screenshot ok")
PY
echo "report: ok"
