#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip llm bench`: the done-means command, JSON keys, not-fitting models, bad input.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
# The `llm` dispatcher belongs to the llm frontend; without it there is nothing to test.
"$BIN" llm bench --help >/dev/null 2>&1 || { echo "seedchip llm bench not available"; exit 77; }

"$BIN" llm bench --model llama-3-70b --chip seedchip-1 --chips 8 --tp 8 --batch 64 \
    --input-len 2048 --output-len 256 --precision fp8 --json >"$T/done.json"
# its wall time is a speed target: bench/llm/run.sh records it (never a timed test)

# One python run checks everything in the JSON (python starts slowly on a loaded machine).
python3 - "$T/done.json" <<'PY' || die "done-means JSON"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("ttft_s", "tpot_s", "output_tokens_per_s", "prefill_s", "decode_s", "weights_gb",
          "kv_cache_gb", "fits", "reason", "breakdown"):
    assert k in d, k
assert d["fits"] is True
assert 0 < d["tpot_s"] < d["ttft_s"], (d["tpot_s"], d["ttft_s"])
# 70.6 B fp8 weights; KV: 64 x 2304 tokens x 80 layers x 2 x 1024 x 1 B = 24.2 GB
assert 69 < d["weights_gb"] < 73, d["weights_gb"]
assert 23.5 < d["kv_cache_gb"] < 25, d["kv_cache_gb"]
# a decode step streams ~8.96 GB of weights per chip: it cannot beat 4.915 TB/s
assert d["tpot_s"] > 8.96 / 4915, d["tpot_s"]
total = d["prefill_s"] + d["decode_s"]
assert abs(sum(d["breakdown"].values()) - total) < 1e-6 * total
assert abs(d["output_tokens_per_s"] - 64 * 256 / total) < 1e-6 * d["output_tokens_per_s"]
assert abs(d["tpot_s"] * 255 - d["decode_s"]) < 1e-9
PY

# a model that does not fit: clear message and non-zero exit; with --json fits=false, exit 0
set +e
"$BIN" llm bench --model llama-3.1-405b --chip seedchip-1 --batch 1 --input-len 128 \
    --output-len 16 >/dev/null 2>"$T/err"
rc=$?
set -e
[ "$rc" -ne 0 ] || die "not fitting exits 0"
grep -q "does not fit" "$T/err" || die "message: $(cat "$T/err")"
"$BIN" llm bench --model llama-3.1-405b --chip seedchip-1 --batch 1 --input-len 128 \
    --output-len 16 --json >"$T/nofit.json"
grep -q '"fits":[[:space:]]*false' "$T/nofit.json" || die "fits false"
grep -q '"reason":.*does not fit' "$T/nofit.json" || die "reason"
if grep -q '"ttft_s"' "$T/nofit.json"; then die "timed a model that does not fit"; fi

# a checkpoint file is timed from its config (read by the llm frontend); skipped without shared/
CKPT="$SRC/../shared/models/stories260K.bin"
if [ -f "$CKPT" ]; then
    "$BIN" llm bench --model "$CKPT" --chip seedchip-1 --batch 4 --input-len 64 --output-len 16 \
        --json >"$T/file.json"
    python3 - "$T/file.json" <<'PY' || die "checkpoint file model"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["fits"] is True and 0 < d["tpot_s"] < d["ttft_s"]
assert 2e5 < d["params_b"] * 1e9 < 4e5, d["params_b"]  # stories260K: ~260k parameters
PY
fi

# bad input: one line on stderr, exit 2
reject_each "llm bench" \
    "--model no-such-model --chip seedchip-1 --batch 1 --input-len 1 --output-len 1" \
    "--model llama-2-7b --chip seedchip-1 --chips 8 --tp 3 --batch 1 --input-len 1 --output-len 1" \
    "--model llama-2-7b --chip seedchip-1 --batch 1 --input-len 1 --output-len 1 --precision fp4" \
    "--model llama-2-7b --chip no-such-chip --batch 1 --input-len 1 --output-len 1" \
    "--model llama-2-7b --chip seedchip-1 --batch 0 --input-len 1 --output-len 1" \
    "--model llama-2-7b --chip seedchip-1 --input-len 1 --output-len 1" \
    "--model llama-2-7b --chip seedchip-1 --batch 1 --input-len 1 --output-len 1 --ep 2"
echo ok
