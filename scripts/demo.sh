#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make run`: the default demonstration on SeedChip-1, from the chip's figures to fleet planning.
set -euo pipefail
BIN=${1:-build/seedchip}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODEL="$ROOT/../shared/models/stories260K.bin"

section() { printf '\n== %s ==\n\n' "$1"; }

"$BIN" demo

section "Generating tokens on the simulated chip (llama2.c stories260K, fp32, functional + timed)"
if [ -f "$MODEL" ]; then
    "$BIN" llm generate --model "$MODEL" --tokens 32 --print-token-ids
else
    echo "(skipped: $MODEL not present; any llama2.c .bin, GGUF or safetensors model works with"
    echo " \`seedchip llm generate --model FILE\`)"
fi

section "Projecting Llama-3-70B serving: 8 x SeedChip-1 vs 8 x H200 (fp8, batch 64, 2048 -> 256)"
for chip in seedchip-1 h200-sxm; do
    "$BIN" llm bench --model llama-3-70b --chip "$chip" --chips 8 --tp 8 --batch 64 \
        --input-len 2048 --output-len 256 --precision fp8
    echo
done

section "Fleet plan: Llama-3-70B at 10 req/s, p90 TTFT <= 2 s, p90 TPOT <= 50 ms"
"$BIN" plan --model llama-3-70b --traffic 10 --input-len 2048 --output-len 256 \
    --slo-ttft 2 --slo-tpot 0.05 --chips seedchip-1,h200-sxm --verify-seconds 60
