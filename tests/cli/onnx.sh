#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CLI behaviour of compile / run: .scb round trip, .pb/.npy tensors, --dump-after, bad input.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_onnx_testdata test_relu
D=$ONNX_NODE

expect_rc 0 "$BIN" compile --help; grep -q 'usage: seedchip compile' "$T/out" && ok || bad "compile --help"
expect_rc 0 "$BIN" run --help; grep -q 'usage: seedchip run' "$T/out" && ok || bad "run --help"

# compile to .scb, run both forms: identical outputs, equal to the suite's expected output
expect_rc 0 "$BIN" compile "$D/test_relu/model.onnx" -o "$T/relu.scb"
head -c 4 "$T/relu.scb" | grep -q SCB1 && ok || bad "scb magic"
mkdir -p "$T/a" "$T/b" "$T/c"
expect_rc 0 "$BIN" run "$D/test_relu/model.onnx" --outdir "$T/a"
grep -q '^functional: [0-9]* instructions' "$T/out" && ! grep -q '^cycles' "$T/out" && ok ||
    bad "functional run: no instruction count, or cycles without a timing model"
expect_rc 0 "$BIN" run "$T/relu.scb" --input x="$D/test_relu/test_data_set_0/input_0.pb" --outdir "$T/b" --mode both
cmp -s "$T/a/output_0.pb" "$T/b/output_0.pb" && ok || bad ".onnx and .scb outputs differ"
[ -s "$T/a/output_0.npy" ] && head -c 6 "$T/a/output_0.npy" | grep -q NUMPY && ok || bad "no .npy output"
grep -q '^cycles' "$T/out" && ok || bad "run prints no cycle count"
# .npy input: relu(relu(x)) == relu(x)
expect_rc 0 "$BIN" run "$D/test_relu/model.onnx" --input x="$T/a/output_0.npy" --outdir "$T/c"
cmp -s "$T/a/output_0.pb" "$T/c/output_0.pb" && ok || bad ".npy input round trip"
# timing mode and reports
expect_rc 0 "$BIN" run "$D/test_conv_with_strides_padding/model.onnx" --mode timing --report "$T/st.json" --trace "$T/tr.json"
grep -q cycles "$T/st.json" && ok || bad "no stats report"
grep -q traceEvents "$T/tr.json" && ok || bad "no trace"

# --dump-after prints the IR after a pass
expect_rc 0 "$BIN" compile "$D/test_gemm_all_attributes/model.onnx" --dump-after shapes
grep -q 'Gemm(' "$T/out" && ok || bad "--dump-after shapes shows no Gemm"
expect_rc 2 "$BIN" compile "$D/test_relu/model.onnx" --dump-after nosuchpass; one_line_err

# bad input: one line on stderr, exit 2, no output file
expect_rc 2 "$BIN" compile "$T/missing.onnx" -o "$T/x.scb"; one_line_err
head -c 40 "$D/test_relu/model.onnx" >"$T/trunc.onnx"
expect_rc 2 "$BIN" compile "$T/trunc.onnx" -o "$T/x.scb"; one_line_err
grep -q 'trunc.onnx' "$T/err" && ok || bad "error does not name the file"
[ ! -e "$T/x.scb" ] && ok || bad "partial output written"
printf 'garbage' >"$T/bad.npy"
expect_rc 2 "$BIN" run "$D/test_relu/model.onnx" --input x="$T/bad.npy" --outdir "$T/a"; one_line_err
expect_rc 2 "$BIN" run "$D/test_relu/model.onnx" --input nosuch="$T/a/output_0.npy"; one_line_err
expect_rc 2 "$BIN" run "$D/test_relu/model.onnx" --precision fp64; one_line_err
expect_rc 2 "$BIN" run "$T/relu.scb" --bogus; one_line_err
expect_rc 2 "$BIN" conformance "$T/missing"; one_line_err

finish
