#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# int8 post-training quantisation: the int8 MMA is really used (macs_by_dtype), the output error
# against fp32 stays within the documented bound, --calib sets and bad calibration input.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3

# relative error max|a-b| / max|a| of two float32 .npy files, and the MACs per MMA dtype of a report
cat >"$T/q.py" <<'EOF'
import json, sys
from onnx_pb import max_abs_diff, npy
if sys.argv[1] == "err":
    a, b = npy(sys.argv[2]), npy(sys.argv[3])
    print("%.6f" % (max_abs_diff(a, b) / max(abs(x) for x in a)))
else:
    print(" ".join("%s=%d" % kv for kv in sorted(json.load(open(sys.argv[2]))["macs_by_dtype"].items())))
EOF
# calibration sets: three random inputs of the conv model's shape
cat >"$T/cal.py" <<'EOF'
import os, random, sys
from onnx_pb import write_npy
random.seed(11)
for k in range(3):
    d = os.path.join(sys.argv[1], "set%d" % k); os.makedirs(d)
    write_npy(os.path.join(d, "input_0.npy"), [1, 8, 12, 12], [random.uniform(-1, 1) for _ in range(8 * 12 * 12)])
EOF

python3 "$SRC/bench/onnx/make_conv_model.py" "$T/m.onnx" "$T/x.pb" 8 12 12 2 >/dev/null || die "model generator failed"
mkdir -p "$T/f" "$T/q" "$T/c" "$T/cal"
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T/f" --report "$T/f.json"
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T/q" --precision int8 --report "$T/q.json"
[ "$(python3 "$T/q.py" macs "$T/f.json")" = "fp32=165888" ] && ok || bad "fp32 run: $(python3 "$T/q.py" macs "$T/f.json")"
[ "$(python3 "$T/q.py" macs "$T/q.json")" = "int8=165888" ] && ok || bad "int8 run does not use the int8 MMA: $(python3 "$T/q.py" macs "$T/q.json")"
e=$(python3 "$T/q.py" err "$T/f/output_0.npy" "$T/q/output_0.npy")
# calibrated on its own input: measured 1.2%; the bound leaves room, and 0 would mean no int8
python3 -c "import sys; sys.exit(not (0 < $e < 0.04))" && ok || bad "int8 relative error $e not in (0, 0.04)"
# explicit calibration sets (directory of directories); a range from other data costs accuracy
python3 "$T/cal.py" "$T/cal"
expect_rc 0 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --outdir "$T/c" --precision int8 --calib "$T/cal"
e2=$(python3 "$T/q.py" err "$T/f/output_0.npy" "$T/c/output_0.npy")
python3 -c "import sys; sys.exit(not (0 < $e2 < 0.08))" && ok || bad "--calib relative error $e2 not in (0, 0.08)"
cmp -s "$T/q/output_0.pb" "$T/c/output_0.pb" && bad "--calib sets had no effect" || ok
expect_rc 0 "$BIN" compile "$T/m.onnx" -o "$T/m8.scb" --precision int8 --input x="$T/x.pb" --calib "$T/cal/set1/input_0.npy"
expect_rc 0 "$BIN" run "$T/m8.scb" --input x="$T/x.pb" --outdir "$T/c" --report "$T/s.json"
[ "$(python3 "$T/q.py" macs "$T/s.json")" = "int8=165888" ] && ok || bad ".scb of an int8 compile"
# Gemm/MatMul path: pytorch's Linear within the suite's int8 tolerance, on the int8 MMA
P=$ONNX_NODE/../pytorch-converted
if [ -d "$P/test_Linear" ]; then
    expect_rc 0 "$BIN" conformance "$P/test_Linear" "$P/test_Conv2d_groups" --precision int8
    grep -q '^2 passed' "$T/out" && ok || bad "int8 Linear/Conv2d_groups: $(tail -3 "$T/out")"
    expect_rc 0 "$BIN" run "$P/test_Linear/model.onnx" --precision int8 --outdir "$T/c" --report "$T/l.json"
    python3 "$T/q.py" macs "$T/l.json" | grep -q '^int8=' && ok || bad "Linear does not use the int8 MMA"
fi

# bad calibration input: one line, exit 2
expect_rc 2 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --precision int8 --calib "$T/nosuch"; one_line_err
expect_rc 2 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --precision int8 --calib "$T/m.onnx"; one_line_err
grep -q 'm.onnx' "$T/err" && ok || bad "error does not name the file"
mkdir -p "$T/empty"
expect_rc 2 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --precision int8 --calib "$T/empty"; one_line_err
python3 "$SRC/bench/onnx/make_conv_model.py" "$T/m2.onnx" "$T/x2.pb" 8 6 6 1 >/dev/null
expect_rc 2 "$BIN" run "$T/m.onnx" --input x="$T/x.pb" --precision int8 --calib "$T/x2.pb"; one_line_err
grep -q 'calibration set 0' "$T/err" && ok || bad "shape mismatch not named: $(cat "$T/err")"

finish
