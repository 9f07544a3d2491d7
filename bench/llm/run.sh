#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Host memory (max RSS, /usr/bin/time -v) and wall time of `seedchip llm bench` in timing mode for
# every zoo model, plus the done-means command. Prints a markdown table (docs/LLM_PERF.md).
# usage: bench/llm/run.sh [SEEDCHIP_BIN]   (default build/seedchip)
set -euo pipefail
BIN="${1:-build/seedchip}"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

measure() { # label, then the bench arguments
    local label="$1"
    shift
    /usr/bin/time -v "$BIN" llm bench "$@" --json >"$TMP/out.json" 2>"$TMP/time.txt"
    local rss wall fits tpot ttft tok
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/time.txt")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$TMP/time.txt")
    read -r fits ttft tpot tok < <(python3 -c "
import json; d = json.load(open('$TMP/out.json'))
print(d['fits'], d.get('ttft_s', 0) * 1e3, d.get('tpot_s', 0) * 1e3, d.get('output_tokens_per_s', 0))")
    printf '| %s | %.1f | %s | %s | %.1f | %.2f | %.0f |\n' "$label" "$(echo "$rss / 1024" | bc -l)" \
        "$wall" "$fits" "$ttft" "$tpot" "$tok"
}

echo "| run | max RSS (MB) | wall (m:s) | fits | TTFT (ms) | TPOT (ms) | output tok/s |"
echo "|---|---|---|---|---|---|---|"
measure "done-means: llama-3-70b, 8 x seedchip-1, tp 8, fp8, b64 2048/256" \
    --model llama-3-70b --chip seedchip-1 --chips 8 --tp 8 --batch 64 --input-len 2048 \
    --output-len 256 --precision fp8
for m in $("$BIN" llm bench --list); do
    extra=()
    case "$m" in mixtral-8x7b | deepseek-v3) extra=(--ep 8) ;; esac
    measure "$m, 8 x seedchip-1, tp 8, fp8, b16 1024/128" --model "$m" --chip seedchip-1 \
        --chips 8 --tp 8 "${extra[@]}" --batch 16 --input-len 1024 --output-len 128 --precision fp8
done
