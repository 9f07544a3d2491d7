#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regressions for tiles near the scratchpad size, on one core so that a few rows give several
# tiles per core: unfused LayerNorm [512 x 256] and the unfused attention scores [4 x 512 x 512]
# (elementwise slots rounded up past the scratchpad), fused LayerNorm [384 x 1024] (3+ tiles per
# core: a load overwrote a slot its store still read; CumSum likewise), and `run` checks
# --outdir / --report before compiling.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3

python3 "$SRC/tests/helpers/make_norm_model.py" "$T/n" 512 256 || die "generator failed"
M="$T/n/model.onnx"
# timing mode runs the executor's bounds and race checks
expect_rc 0 "$BIN" run "$M" --mode timing --skip-pass fuse-norm --cores 1
mkdir -p "$T/f" "$T/u"
expect_rc 0 "$BIN" run "$M" --outdir "$T/f" --cores 1
expect_rc 0 "$BIN" run "$M" --outdir "$T/u" --skip-pass fuse-norm --cores 1
python3 - "$T/f" "$T/u" "$T/n/test_data_set_0" <<'EOF' && ok || bad "unfused LayerNorm [512 x 256] differs from the fused one / the reference"
import struct, sys
from onnx_pb import max_abs_diff, npy
def pb_tail(p, n):  # raw float payload is the last 4n bytes of the generator's TensorProto
    b = open(p, "rb").read(); return struct.unpack("<%df" % n, b[-4 * n:])
a, u = npy(sys.argv[1] + "/output_0.npy"), npy(sys.argv[2] + "/output_0.npy")
ref = pb_tail(sys.argv[3] + "/output_0.pb", len(a))
if len(a) != 512 * 256 or len(u) != len(a): sys.exit(1)
sys.exit(max_abs_diff(a, u) > 1e-4 or max_abs_diff(u, ref) > 1e-4)
EOF

python3 "$SRC/tests/helpers/make_attn_model.py" "$T/a" 1 4 512 8 || bad "attention generator"
expect_rc 0 "$BIN" run "$T/a/model.onnx" --mode timing --skip-pass fuse-attention --cores 1

python3 "$SRC/tests/helpers/make_norm_model.py" "$T/w" 384 1024 || bad "generator failed"
expect_rc 0 "$BIN" run "$T/w/model.onnx" --mode timing --cores 1

# CumSum over 4096 (12 scan steps: the result ends in the loaded region), several tiles per core
python3 - "$T/c" <<'EOF' || bad "cumsum generator"
import os, struct, sys
from onnx_pb import field, model, node, s, value_info
ax = s(5, field(1, 0, 1) + field(2, 0, 7) + s(8, "ax") + s(9, struct.pack("<q", 1)))
g = node("CumSum", ["x", "ax"], ["y"]) + s(2, "cs") + ax
g += s(11, value_info("x", [64, 4096])) + s(12, value_info("y", [64, 4096]))
os.makedirs(sys.argv[1], exist_ok=True)
open(sys.argv[1] + "/model.onnx", "wb").write(model(g))
EOF
expect_rc 0 "$BIN" run "$T/c/model.onnx" --mode timing --cores 1

# output locations fail before anything is compiled or run: with an input of the wrong shape
# the --outdir error (not the compile's shape error) is the one reported, and nothing is written
python3 "$SRC/tests/helpers/make_norm_model.py" "$T/s" 8 64 || bad "generator failed"
expect_rc 2 "$BIN" run "$T/s/model.onnx" --input "x=$T/n/test_data_set_0/input_0.pb" --outdir "$T/missing"
one_line_err
grep -q -- '--outdir: .*missing is not a directory' "$T/err" && ok || bad "outdir error: $(cat "$T/err")"
[ ! -s "$T/out" ] && ok || bad "ran before failing: $(head -2 "$T/out")"
expect_rc 2 "$BIN" run "$T/s/model.onnx" --mode timing --report "$T/missing/r.json"
one_line_err
grep -q -- '--report: .*does not exist' "$T/err" && ok || bad "report error: $(cat "$T/err")"
[ ! -s "$T/out" ] && ok || bad "ran before failing: $(head -2 "$T/out")"

finish
