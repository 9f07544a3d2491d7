#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip validate`: report on the calibration table, skips, --fit, --max-mape, --out, errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

# The project's table, kernel rows only (fast): JSON with per-row errors and summaries.
"$BIN" validate --no-llm --json >"$T/all.json"
python3 - "$T/all.json" <<'EOF' || die "json report"
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"]
assert len(rows) >= 250, len(rows)
pred = [r for r in rows if not r.get("skipped")]
assert len(pred) >= 250, len(pred)
for r in pred:
    assert abs(r["predicted"] / r["measured"] - 1 - r["error"]) < 1e-9, r
s = d["summary"]
assert s["overall"]["rows"] == len(pred)
assert 0 < s["overall"]["mape"] < 0.2, s["overall"]
for c in ("gemm", "memory", "collective"):
    assert s["category"][c]["rows"] > 0, c
# rows on hardware without a config are skipped with the reason
skipped = {r["id"]: r["reason"] for r in rows if r.get("skipped")}
assert any("no config 'mi300x'" in v for v in skipped.values()), skipped
EOF

# A small table of my own: one predictable row, one on a config that does not exist.
cat >"$T/t.csv" <<'EOF'
id,category,split,config,hardware,count,model,precision,workload,metric,value,unit,source
a,gemm,fit,h100-sxm,H100,1,-,bf16,m=8192 n=8192 k=8192,tflops,700,TFLOPS,"made up, for the test"
b,gemm,fit,tpu-v9,TPU,1,-,bf16,m=8192 n=8192 k=8192,tflops,700,TFLOPS,made up
c,collective,holdout,h100-sxm,H100,8,-,bf16,op=allreduce bytes=67108864,busbw,360,GB/s,made up
EOF
out=$("$BIN" validate --table "$T/t.csv")
echo "$out" | grep -q "^a .*h100-sxm .*gemm .*tflops" || die "row a not reported: $out"
echo "$out" | grep -q "b .*no config 'tpu-v9'" || die "skip reason missing: $out"
echo "$out" | grep -q "overall .*MAPE" || die "summary missing"
# --config/--category select rows; --out writes the same report atomically
"$BIN" validate --table "$T/t.csv" --category collective --out "$T/r.txt"
grep -q "collective" "$T/r.txt" || die "--out"
! grep -q "^a " "$T/r.txt" || die "--category did not filter"

# --max-mape: exit 1 above the budget, 0 within it
set +e
"$BIN" validate --table "$T/t.csv" --max-mape 0.001 >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || die "--max-mape 0.001 gave exit $rc"
"$BIN" validate --table "$T/t.csv" --max-mape 1000 >/dev/null

# --fit prints the fitted efficiency block and the MAPE before/after
"$BIN" validate --table "$T/t.csv" --fit >"$T/fit.txt"
grep -A1 "^h100-sxm: fit MAPE .* holdout MAPE" "$T/fit.txt" | grep -q "efficiency:" || die "--fit output"
grep -q "^tpu-v9: not fitted" "$T/fit.txt" || die "--fit on a missing config"

# bad input: one line on stderr naming the problem, exit 2, no output file
printf 'id,category\nx,gemm\n' >"$T/bad.csv"
sed 's/TFLOPS,"made/furlongs,"made/' "$T/t.csv" >"$T/badunit.csv"
sed 's/bytes=67108864,/bytes=67108864 timing=events,/' "$T/t.csv" >"$T/badtiming.csv"
NO_OUTPUT="$T/never.txt" reject_each "validate --out $T/never.txt" "--table $T/missing.csv" \
    "--table $T/bad.csv" "--table $T/badunit.csv" "--table $T/badtiming.csv" "--bogus" "--category nope" "--max-mape lots" \
    "--table"
err=$("$BIN" validate --table "$T/badunit.csv" 2>&1 >/dev/null || true)
echo "$err" | grep -q "badunit.csv:2: column 'unit'" || die "error does not name file/line: $err"
err=$("$BIN" validate --table "$T/badtiming.csv" 2>&1 >/dev/null || true)
echo "$err" | grep -q "badtiming.csv:4: workload key 'timing': 'events'" || die "timing error: $err"
# load=burst (a harness that rests the GPU between calls) keeps the nominal clock; a sustained
# (default) 16k^3 FP8 GEMM on the 700 W H100 is held to its power limit: fewer TFLOP/s
{
    head -1 "$T/t.csv"
    echo "s,gemm,fit,h100-sxm,H100,1,-,fp8,m=16384 n=16384 k=16384,tflops,1377,TFLOPS,x"
    echo "b,gemm,fit,h100-sxm,H100,1,-,fp8,m=16384 n=16384 k=16384 load=burst,tflops,1377,TFLOPS,x"
} >"$T/load.csv"
"$BIN" validate --table "$T/load.csv" --json >"$T/load.json"
python3 - "$T/load.json" <<'EOF' || die "load=burst vs sustained"
import json, sys
p = {r["id"]: r["predicted"] for r in json.load(open(sys.argv[1]))["rows"]}
assert p["s"] < 0.95 * p["b"], p
EOF
sed 's/load=burst/load=hot/' "$T/load.csv" >"$T/badload.csv"
NO_OUTPUT="$T/never.txt" reject_each "validate --out $T/never.txt" "--table $T/badload.csv"
err=$("$BIN" validate --table "$T/badload.csv" 2>&1 >/dev/null || true)
echo "$err" | grep -q "badload.csv:3: workload key 'load': 'hot'" || die "load error: $err"
# fused attention rows (op=decode / op=prefill of a zoo model) are predicted through llm_perf; a
# bad op or a prefill without its new tokens is bad input
H='id,category,split,config,hardware,count,model,precision,workload,metric,value,unit,source'
A='a100-sxm-80g,A100,1,llama-2-70b,fp16'
printf '%s\nd,attention,fit,%s,op=decode batch=8 ctx=2688 tp=2 kv_token_major=1,latency,0.051,ms,x\n' \
    "$H" "$A" >"$T/attn.csv"
"$BIN" validate --table "$T/attn.csv" | grep -q "^d .*a100-sxm-80g .*attention .*latency" ||
    die "fused attention row not predicted"
sed 's/op=decode/op=flash/' "$T/attn.csv" >"$T/badop.csv"
sed 's/op=decode batch=8/op=prefill batch=1/' "$T/attn.csv" >"$T/badpre.csv"
NO_OUTPUT="$T/never.txt" reject_each "validate --out $T/never.txt" "--table $T/badop.csv" \
    "--table $T/badpre.csv"
err=$("$BIN" validate --table "$T/badop.csv" 2>&1 >/dev/null || true)
echo "$err" | grep -q "badop.csv:2: attention op 'flash' is not decode or prefill" || die "op: $err"
err=$("$BIN" validate --table "$T/badpre.csv" 2>&1 >/dev/null || true)
echo "$err" | grep -q "badpre.csv:2: attention rows need workload" || die "prefill: $err"
"$BIN" validate --help | grep -q "usage: seedchip validate"
echo "validate: ok"
