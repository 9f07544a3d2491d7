#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile models of the expanded ops (Einsum, LSTM, Loop/If/Scan subgraphs, TopK, ScatterND, DFT)
# through `seedchip compile`: truncated and bit-flipped variants either compile completely (exit 0,
# output written) or fail with exit 2, one stderr line naming the file and no output file; never a
# crash or a hang. A malformed Einsum equation and a run-time Loop condition give clear errors.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_onnx_testdata test_loop11

for t in test_einsum_batch_matmul test_lstm_with_peepholes test_loop11 test_if test_scan9_sum \
    test_top_k test_scatternd_add test_dft_axis; do
    mkdir -p "$T/$t"
    cp -r "$ONNX_NODE/$t/test_data_set_0" "$T/$t/"
    src=$ONNX_NODE/$t/model.onnx m=$T/$t/model.onnx
    len=$(stat -c %s "$src")
    for n in 1 $((len / 3)) $((len / 2)) $((len - 1)); do
        head -c "$n" "$src" >"$m"
        compile_clean "$t truncated to $n" "$m"
    done
    for k in $(seq 1 8); do
        pos=$(((k * 7919) % len))
        flip_bit "$src" "$pos" $((k % 8)) "$m"
        compile_clean "$t bit $((k % 8)) flipped at $pos" "$m"
    done
done

# a malformed Einsum equation (same length, so the protobuf stays valid)
mkdir -p "$T/eq"
python3 - "$ONNX_NODE/test_einsum_transpose/model.onnx" "$T/eq/model.onnx" <<'EOF' || bad "python3 patch"
import sys
d = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(d.replace(b'ij->ji', b'i.->ji'))
EOF
compile_clean "Einsum equation i.->ji" "$T/eq/model.onnx"
grep -q "bad equation" "$T/stderr" || bad "Einsum: no equation error: $(cat "$T/stderr")"

# without input tensors to specialise to, a Loop's trip count is a run-time value: refused
mkdir -p "$T/loop"
cp "$ONNX_NODE/test_loop11/model.onnx" "$T/loop/"
compile_clean "Loop without a specialising input" "$T/loop/model.onnx"
grep -q "trip count or condition computed at run time" "$T/stderr" ||
    bad "Loop: unclear error: $(cat "$T/stderr")"

finish
