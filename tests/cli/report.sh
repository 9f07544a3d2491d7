#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip report`: one self-contained HTML page with the five chart types, rendered in headless
# Chromium and checked by content; one-line errors and no partial output. Exit 77 without Chromium
# (after the checks that need no browser).
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

"$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 2 --tp 1 --rate 20 --duration 20 \
    --timeline 300 --json > "$T/run.json"
"$BIN" plan --model dlrm-v2 --traffic 50000 --input-len 256 --slo-ttft 0.02 \
    --chips seedchip-1,h200-sxm --json > "$T/plan.json"
cat > "$T/space.yaml" <<'Y'
base: seedchip-1
workloads:
  - {model: llama-3-8b, chips: 1, batch: 16, input_len: 1024, output_len: 128}
parameters:
  hbm.stacks: [2, 4, 6]
  clock: [1.2GHz, 1.8GHz]
Y
"$BIN" sweep "$T/space.yaml" --db "$T/r.sqlite" --quiet > /dev/null
"$BIN" report "$T/run.json" "$T/plan.json" "$T/r.sqlite" -o "$T/report.html"

python3 - "$T/report.html" <<'PY'
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
echo '{"kind": "weather"}' > "$T/other.json"
printf 'not json' > "$T/bad.json"
NO_OUTPUT="$T/x.html" reject_each report "$T/missing.json -o $T/x.html" "$T/bad.json -o $T/x.html" \
    "$T/other.json -o $T/x.html" "$T/run.json" "-o $T/x.html" \
    "$T/run.json $T/bad.json -o $T/x.html" "--bogus"
"$BIN" report --help | grep -q "usage: seedchip report"

CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "chromium absent: rendering checks skipped"; exit 77; }
run_chrome() { timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$T/profile" "$@" 2>/dev/null; }
run_chrome --dump-dom "file://$T/report.html" > "$T/dom.html"
python3 - "$T/dom.html" <<'PY'
import sys
dom = open(sys.argv[1]).read()
assert "<h1>SeedChip report</h1>" in dom, "page did not render"
for t in ["Execution timeline", "Roofline", "Pareto front", "Latency CDF", "Fleet comparison"]:
    assert t in dom, t
assert dom.count("<svg") >= 11 and dom.count("<polyline") >= 6
print("chromium DOM ok")
PY
run_chrome --window-size=1100,2400 --screenshot="$T/shot.png" "file://$T/report.html" >/dev/null
python3 - "$T/shot.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1100, 2400) and len(d) > 50000, (w, h, len(d))
print("chromium screenshot ok")
PY
echo "report: ok"
