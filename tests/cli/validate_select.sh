#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip validate --category/--config/--id`: only the selected rows are predicted and reported.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

cat >"$T/t.csv" <<'EOF'
id,category,split,config,hardware,count,model,precision,workload,metric,value,unit,source
gemm-h100-a,gemm,fit,h100-sxm,H100,1,-,bf16,m=8192 n=8192 k=8192,tflops,700,TFLOPS,made up
gemm-h100-b,gemm,holdout,h100-sxm,H100,1,-,bf16,m=4096 n=4096 k=4096,tflops,600,TFLOPS,made up
gemm-tpu-a,gemm,fit,tpu-v9,TPU,1,-,bf16,m=8192 n=8192 k=8192,tflops,700,TFLOPS,made up
coll-h100-a,collective,holdout,h100-sxm,H100,8,-,bf16,op=allreduce bytes=67108864,busbw,360,GB/s,made up
EOF

# --id: a shell pattern over the row ids; the summary says what was selected.
out=$("$BIN" validate --table "$T/t.csv" --id 'gemm-h100-*')
echo "$out" | grep -q "^gemm-h100-a " || die "--id: row a missing: $out"
echo "$out" | grep -q "^gemm-h100-b " || die "--id: row b missing: $out"
! echo "$out" | grep -q "coll-h100-a\|gemm-tpu-a" || die "--id: unselected rows reported: $out"
echo "$out" | grep -q "summary (2 predicted, 0 skipped; 2 of 4 rows selected by --id 'gemm-h100-\*')" ||
    die "--id summary: $out"

# Filters combine; an unselected row is neither predicted nor listed as skipped.
out=$("$BIN" validate --table "$T/t.csv" --category gemm --config tpu-v9)
echo "$out" | grep -q "gemm-tpu-a .*no config 'tpu-v9'" || die "combined filters: $out"
echo "$out" | grep -q "(0 predicted, 1 skipped; 1 of 4 rows selected by --category gemm --config tpu-v9)" ||
    die "combined summary: $out"
out=$("$BIN" validate --table "$T/t.csv")
echo "$out" | grep -q "(3 predicted, 1 skipped; all 4 rows)" || die "no filter: $out"

# JSON: the selection object and only the selected rows.
"$BIN" validate --table "$T/t.csv" --category collective --json >"$T/c.json"
python3 - "$T/c.json" <<'PY' || die "json selection"
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["id"] for r in d["rows"]] == ["coll-h100-a"], d["rows"]
s = d["selection"]
assert s == {"category": "collective", "config": None, "id": None, "rows": 1, "table_rows": 4}, s
assert d["summary"]["overall"]["rows"] == 1 and d["summary"]["skipped"] == 0, d["summary"]
PY

# Only the selected rows are predicted: the project table's memory rows are arithmetic, the
# whole table is ~30 s of executor runs. CPU seconds of the filtered run stay far below that.
TIMEFORMAT=%U
cpu=$({ time "$BIN" validate --category memory --out "$T/mem.txt" 2>/dev/null; } 2>&1)
grep -q "^  memory .*MAPE .*rows)" "$T/mem.txt" || die "memory rows: $(cat "$T/mem.txt")"
! grep -q "^gemm-" "$T/mem.txt" || die "--category memory reported GEMM rows"
python3 -c "import sys; sys.exit(0 if float('$cpu') < 5 else 1)" ||
    die "--category memory took ${cpu} s of CPU: unselected rows were predicted"

# Bad values: one line naming the problem, exit 2, no output file.
NO_OUTPUT="$T/never.txt" reject_each "validate --table $T/t.csv --out $T/never.txt" \
    "--config nope" "--id nomatch" "--category llm" "--category collective --config tpu-v9" \
    "--category bogus" "--id"
err=$("$BIN" validate --table "$T/t.csv" --config nope 2>&1 >/dev/null || true)
echo "$err" | grep -q "t.csv has config 'nope'" || die "--config error: $err"
err=$("$BIN" validate --table "$T/t.csv" --id nomatch 2>&1 >/dev/null || true)
echo "$err" | grep -q "no row id of .*t.csv matches 'nomatch'" || die "--id error: $err"
"$BIN" validate --help | grep -q -- "--id PATTERN"
echo "validate_select: ok"
