#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tile search (--tile-search): candidates timed on the executor, one log line per shape, the
# chosen tiles never slower than the default and bit-identical outputs.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
cyc() { python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))['cycles']))" "$1"; }

# 256 rows: with 128 x 128 tiles a 256 x 256 output is 4 tiles for 16 cores
python3 "$SRC/tests/helpers/make_mlp_model.py" "$T/m.onnx" "$T/x.pb" 256 512 256 1024 256 || { echo "generator failed"; exit 1; }
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --mode timing --report "$T/d.json"
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --mode timing --report "$T/s.json" --tile-search
[ "$(grep -c '^tile search: MatMul' "$T/out")" -eq 3 ] && ok || bad "expected 3 tile-search lines: $(cat "$T/out")"
grep '^tile search' "$T/out" | while read -r line; do
    base=$(sed -E 's/.*default tiles ([0-9]+) cycles.*/\1/' <<<"$line"); best=${line##* }
    [ "$best" -le "$base" ] || echo "worse: $line"
done | grep -q worse && bad "a choice is slower than the default" || ok
d=$(cyc "$T/d.json"); s=$(cyc "$T/s.json")
[ "$s" -lt "$d" ] && ok || bad "tile search $s cycles not below default $d"
mkdir -p "$T/a" "$T/b"
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T/a"
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T/b" --tile-search
cmp -s "$T/a/output_0.pb" "$T/b/output_0.pb" && ok || bad "outputs differ with searched tiles"
# a compiled .scb keeps the choice
expect_rc 0 "$BIN" compile "$T/m.onnx" --input x="$T/x.pb" -o "$T/m.scb" --tile-search
expect_rc 0 "$BIN" run "$T/m.scb" --input x="$T/x.pb" --mode timing --report "$T/c.json"
[ "$(cyc "$T/c.json")" -eq "$s" ] && ok || bad ".scb cycles $(cyc "$T/c.json") != $s"

finish
