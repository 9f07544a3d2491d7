#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ops with data-dependent output shapes (NonZero, Unique, NonMaxSuppression) through the CLI:
# compiled .scb files run with the trimmed output shapes, timing mode runs, and hostile inputs
# (truncated / bit-flipped models, a .scb whose length-word metadata is damaged, a dynamic value
# feeding another op) fail with exit 2 and one stderr line naming the file, never a crash.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_onnx_testdata test_nonmaxsuppression_two_batches
need_cmd python3
D=$ONNX_NODE

# inputs T: --input NAME=FILE for every graph input of test T (names from its .scb metadata)
inputs() {
    local k=0 n
    for n in $(strings "$T/$1.scb" | awk '$1 == "in" {split($2, a, ":"); print a[2]}'); do
        printf -- '--input %s=%s ' "$n" "$D/$1/test_data_set_0/input_$k.pb"
        k=$((k + 1))
    done
}

# 1. compile -> .scb -> run: the outputs equal the suite's (trimmed to the run-time length)
for t in test_nonzero_example test_unique_sorted_with_axis_3d test_unique_not_sorted_without_axis \
    test_nonmaxsuppression_two_batches test_nonmaxsuppression_center_point_box_format; do
    "$BIN" compile "$D/$t/model.onnx" -o "$T/$t.scb" >/dev/null 2>"$T/err" || {
        bad "$t: compile: $(cat "$T/err")"
        continue
    }
    mkdir -p "$T/out_$t"
    # shellcheck disable=SC2046
    "$BIN" run "$T/$t.scb" $(inputs "$t") --outdir "$T/out_$t" >"$T/log" 2>&1 || {
        bad "$t: run .scb: $(cat "$T/log")"
        continue
    }
    k=0
    for want in "$D/$t"/test_data_set_0/output_*.pb; do
        got=$T/out_$t/output_$k.pb
        # the tensor payload (raw data at the end) is the same bytes: int64 / float32 little endian
        n=$(($(stat -c %s "$got") < $(stat -c %s "$want") ? $(stat -c %s "$got") : $(stat -c %s "$want")))
        cmp -s <(tail -c "$n" "$got") <(tail -c "$n" "$want") && ok ||
            bad "$t: output $k differs from the suite's"
        k=$((k + 1))
    done
    "$BIN" run "$D/$t/model.onnx" --mode timing >"$T/log" 2>&1 && grep -q "^cycles [1-9]" "$T/log" &&
        ok || bad "$t: timing mode: $(cat "$T/log")"
done

# 2. a .scb whose length word names an axis beyond the rank (CRC fixed up): one error line
"$BIN" compile "$D/test_nonzero_example/model.onnx" -o "$T/nz.scb" >/dev/null 2>&1 || bad "nz compile"
python3 - "$T/nz.scb" "$T/nz_bad.scb" <<'EOF' || bad "python3 patch"
import sys, zlib
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b' d 2 ')
assert i > 0
d[i:i + 5] = b' d 7 '
d[84:88] = bytes(4)
d[84:88] = (zlib.crc32(bytes(d)) & 0xffffffff).to_bytes(4, 'little')
open(sys.argv[2], 'wb').write(d)
EOF
"$BIN" run "$T/nz_bad.scb" --input condition="$D/test_nonzero_example/test_data_set_0/input_0.pb" \
    --outdir "$T" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 2 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q "nz_bad.scb.*length word" "$T/err"; then
    bad "damaged length word: exit $rc: $(cat "$T/err")"
else
    ok
fi

# 3. truncated and bit-flipped models compile completely or fail cleanly
for t in test_nonzero_example test_unique_sorted_with_axis test_nonmaxsuppression_suppress_by_IOU; do
    mkdir -p "$T/h_$t"
    cp -r "$D/$t/test_data_set_0" "$T/h_$t/"
    src=$D/$t/model.onnx m=$T/h_$t/model.onnx
    len=$(stat -c %s "$src")
    for n in 1 $((len / 2)) $((len - 1)); do
        head -c "$n" "$src" >"$m"
        compile_clean "$t truncated to $n" "$m"
    done
    for k in $(seq 1 8); do
        at=$(((k * 7919) % len))
        flip_bit "$src" "$at" $((k % 8)) "$m"
        compile_clean "$t bit $((k % 8)) flipped at $at" "$m"
    done
done

# 4. a dynamic-length value feeding another op (NonZero -> Cast): refused by name, exit 2
python3 - "$T/feed.onnx" <<'EOF' || bad "python3 model"
import sys
from onnx_pb import attr_int, model, node, s, value_info
g = node("NonZero", ["x"], ["nz"]) + node("Cast", ["nz"], ["y"], s(5, attr_int("to", 1)))
g += s(2, "feed") + s(11, value_info("x", [6])) + s(12, value_info("y", [1, 6]))
open(sys.argv[1], "wb").write(model(g))
EOF
"$BIN" compile "$T/feed.onnx" -o "$T/feed.scb" >/dev/null 2>"$T/err"
rc=$?
if [ $rc -ne 2 ] || [ -e "$T/feed.scb" ] ||
    ! grep -q "feed.onnx.*data-dependent shape of NonZero output 'nz' feeds Cast" "$T/err"; then
    bad "dynamic value feeding Cast: exit $rc: $(cat "$T/err")"
else
    ok
fi

finish
