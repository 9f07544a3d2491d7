#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip validate`: report on the calibration table, skips, --fit, --max-mape, --out, errors.
set -euo pipefail
BIN="$1"
SRC="$2"
command -v python3 >/dev/null || exit 77
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The project's table, kernel rows only (fast): JSON with per-row errors and summaries.
"$BIN" validate --no-llm --json >"$TMP/all.json"
python3 - "$TMP/all.json" <<'EOF' || fail "json report"
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
cat >"$TMP/t.csv" <<'EOF'
id,category,split,config,hardware,count,model,precision,workload,metric,value,unit,source
a,gemm,fit,h100-sxm,H100,1,-,bf16,m=8192 n=8192 k=8192,tflops,700,TFLOPS,"made up, for the test"
b,gemm,fit,tpu-v9,TPU,1,-,bf16,m=8192 n=8192 k=8192,tflops,700,TFLOPS,made up
c,collective,holdout,h100-sxm,H100,8,-,bf16,op=allreduce bytes=67108864,busbw,360,GB/s,made up
EOF
out=$("$BIN" validate --table "$TMP/t.csv")
echo "$out" | grep -q "^a .*h100-sxm .*gemm .*tflops" || fail "row a not reported: $out"
echo "$out" | grep -q "b .*no config 'tpu-v9'" || fail "skip reason missing: $out"
echo "$out" | grep -q "overall .*MAPE" || fail "summary missing"
# --config/--category select rows; --out writes the same report atomically
"$BIN" validate --table "$TMP/t.csv" --category collective --out "$TMP/r.txt"
grep -q "collective" "$TMP/r.txt" || fail "--out"
! grep -q "^a " "$TMP/r.txt" || fail "--category did not filter"

# --max-mape: exit 1 above the budget, 0 within it
set +e
"$BIN" validate --table "$TMP/t.csv" --max-mape 0.001 >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "--max-mape 0.001 gave exit $rc"
"$BIN" validate --table "$TMP/t.csv" --max-mape 1000 >/dev/null

# --fit prints the fitted efficiency block and the MAPE before/after
"$BIN" validate --table "$TMP/t.csv" --fit >"$TMP/fit.txt"
grep -A1 "^h100-sxm: fit MAPE .* holdout MAPE" "$TMP/fit.txt" | grep -q "efficiency:" || fail "--fit output"
grep -q "^tpu-v9: not fitted" "$TMP/fit.txt" || fail "--fit on a missing config"

# bad input: one line on stderr naming the problem, exit 2, no output file
printf 'id,category\nx,gemm\n' >"$TMP/bad.csv"
sed 's/TFLOPS,"made/furlongs,"made/' "$TMP/t.csv" >"$TMP/badunit.csv"
for args in "--table $TMP/missing.csv" "--table $TMP/bad.csv" "--table $TMP/badunit.csv" \
            "--bogus" "--category nope" "--max-mape lots" "--table"; do
    set +e
    err=$("$BIN" validate $args --out "$TMP/never.txt" 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" = 2 ] || fail "'$args' exit $rc"
    [ "$(echo "$err" | wc -l)" = 1 ] || fail "'$args' stderr not one line: $err"
    [ ! -e "$TMP/never.txt" ] || fail "'$args' wrote an output file"
done
err=$("$BIN" validate --table "$TMP/badunit.csv" 2>&1 >/dev/null || true)
echo "$err" | grep -q "badunit.csv:2: column 'unit'" || fail "error does not name file/line: $err"
"$BIN" validate --help | grep -q "usage: seedchip validate"
echo "validate: ok"
