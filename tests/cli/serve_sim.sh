#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip serve-sim`: metrics, determinism, the 10-minute Llama-3-70B run, trace
# replay, agreement with `llm bench` at low load, and one-line errors for bad input.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

# Done-means run: 10 simulated minutes of Llama-3-70B on 8 SeedChip-1 at 10 req/s. Its wall time
# is a speed target, measured by bench/serve/run.sh (never a timed test: CI machines are shared).
"$BIN" serve-sim --model llama-3-70b --chip seedchip-1 --chips 8 --rate 10 --duration 600 \
    --slo-ttft 2 --slo-tpot 0.1 --json > "$T/run.json"
j=$(cat "$T/run.json")
arrived=$(echo "$j" | json_field "['arrived']")
py_check "5400 <= $arrived <= 6600" "arrivals at 10 req/s for 600 s"
py_check "$(echo "$j" | json_field "['completed']") == $arrived" "all requests complete"
for k in "['ttft_s']['p50']" "['ttft_s']['p90']" "['ttft_s']['p99']" "['tpot_s']['p99']" \
         "['e2e_s']['p90']" "['output_tokens_per_s']" "['goodput_requests_per_s']" "['cdf']['ttft_s'][100]"; do
    echo "$j" | json_field "$k" >/dev/null
done
py_check "$(echo "$j" | json_field "['ttft_s']['p50']") <= $(echo "$j" | json_field "['ttft_s']['p99']")" "percentile order"
py_check "$(echo "$j" | json_field "['requests_per_s']") > 9" "throughput keeps up with 10 req/s"

# deterministic with a seed; another seed differs
a=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --rate 5 --duration 60 --seed 3 --json)
b=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --rate 5 --duration 60 --seed 3 --json)
c=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --rate 5 --duration 60 --seed 4 --json)
[ "$a" = "$b" ] || { echo "FAIL: not deterministic"; exit 1; }
[ "$a" != "$c" ] || { echo "FAIL: seed has no effect"; exit 1; }

# higher load: longer queues, more throughput
lo=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --rate 1 --duration 60 --json)
hi=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --rate 40 --duration 60 --json)
py_check "$(echo "$hi" | json_field "['mean_batch']") > 4 * $(echo "$lo" | json_field "['mean_batch']")" "batch grows with load"
py_check "$(echo "$hi" | json_field "['output_tokens_per_s']") > 10 * $(echo "$lo" | json_field "['output_tokens_per_s']")" "throughput grows"

# trace replay (CSV), disaggregation, swap preemption and prefix caching options run
printf 'arrival,prompt_len,output_len,prefix_group,prefix_len\n' > "$T/t.csv"
for i in $(seq 0 99); do echo "$((i / 10)).$((i % 10)),$((500 + i * 7)),$((20 + i % 50)),$((i % 3)),256" >> "$T/t.csv"; done
t=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 2 --tp 1 --trace "$T/t.csv" \
    --disagg 1:1 --preempt swap --json)
py_check "$(echo "$t" | json_field "['completed']") == 100" "trace replay completes"
py_check "$(echo "$t" | json_field "['kv_transfers']") == 100" "disaggregated: every request moves its KV"
p=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --trace "$T/t.csv" --json)
py_check "$(echo "$p" | json_field "['prefix_hit_rate']") > 0.2" "prefix cache hits"
"$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --chips 1 --rate 2 --duration 10 --timeline 50 -o "$T/o.json" >/dev/null
py_check "len(__import__('json').load(open('$T/o.json'))['timeline']) == 50" "timeline rows"

# low load matches `llm bench` at batch 1 (same step-time model; when that command exists)
if "$BIN" llm bench --help >/dev/null 2>&1; then
    bench=$("$BIN" llm bench --model llama-3-70b --chip seedchip-1 --chips 8 --tp 8 --batch 1 \
        --input-len 1024 --output-len 128 --precision fp8 --json)
    sim=$("$BIN" serve-sim --model llama-3-70b --chip seedchip-1 --chips 8 --rate 0.05 --duration 2000 \
        --input-len 1024 --output-len 128 --len-dist fixed --json)
    bt=$(echo "$bench" | json_field "['tpot_s']"); st=$(echo "$sim" | json_field "['tpot_s']['p50']")
    bf=$(echo "$bench" | json_field "['ttft_s']"); sf=$(echo "$sim" | json_field "['ttft_s']['p50']")
    py_check "abs($st - $bt) <= 0.05 * $bt" "TPOT at low load vs llm bench ($st vs $bt)"
    py_check "abs($sf - $bf) <= 0.10 * $bf" "TTFT at low load vs llm bench ($sf vs $bf)"
fi

# bad input: one line on stderr, exit 2
printf 'arrival,prompt_len,output_len\n1,abc,3\n' > "$T/bad.csv"
reject_each serve-sim "--model llama-3-8b --chip seedchip-1" "--model nope --chip seedchip-1 --rate 1" \
    "--model llama-3-8b --chip nochip --rate 1" "--model llama-3-8b --chip seedchip-1 --rate -1" \
    "--model llama-3-8b --chip seedchip-1 --trace $T/missing.csv" \
    "--model llama-3-8b --chip seedchip-1 --trace $T/bad.csv" \
    "--model llama-3-8b --chip seedchip-1 --chips 3 --tp 2 --rate 1" \
    "--model llama-3-8b --chip seedchip-1 --rate 1 --disagg 1:x" \
    "--model llama-3-8b --chip seedchip-1 --rate 1 --preempt never" "--bogus"
err=$("$BIN" serve-sim --model llama-3-8b --chip seedchip-1 --trace "$T/bad.csv" 2>&1 || true)
echo "$err" | grep -q "bad.csv:2" || { echo "FAIL: trace error names file:line: $err"; exit 1; }
"$BIN" serve-sim --help | grep -q "usage: seedchip serve-sim"
echo "serve-sim: ok"
