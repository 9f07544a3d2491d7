#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integer ONNX ops and QDQ models on the int8 MMA (pass fuse-int8, lower_qmatmul.c): every MAC of
# a QDQ MLP and a QDQ conv net runs as int8 (macs_by_dtype), the outputs match the float
# emulation (--skip-pass fuse-int8) and onnxruntime-node's results and take fewer cycles; the
# backend tests of the integer ops pass; malformed integer-op models fail with one line.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3

cat >"$T/q.py" <<'EOF'
import json, sys
from onnx_pb import max_abs_diff, npy
d = sys.argv[1]
f, e = json.load(open(d + "/f.json")), json.load(open(d + "/e.json"))
a, b = npy(d + "/f/output_0.npy"), npy(d + "/e/output_0.npy")
err = max_abs_diff(a, b) / max(abs(x) for x in b)
bad = []
if set(f["macs_by_dtype"]) != {"int8"}: bad.append("fused MACs %s" % f["macs_by_dtype"])
if "int8" in e["macs_by_dtype"]: bad.append("emulated MACs %s" % e["macs_by_dtype"])
if err > 5e-3: bad.append("fused vs emulated error %.3g" % err)
if f["cycles"] >= e["cycles"]: bad.append("cycles %d >= %d" % (f["cycles"], e["cycles"]))
print("; ".join(bad) if bad else "ok %d vs %d cycles, error %.2g" % (f["cycles"], e["cycles"], err))
sys.exit(1 if bad else 0)
EOF

# The float emulation sums in another order, so a later QuantizeLinear can round an activation
# one step the other way: outputs agree to well within a quantisation step (5e-3 relative).
# fused (default) and float-emulated runs of one model: outputs and reports in $T/$1
fused_vs_emulated() {
    local d=$T/$1
    mkdir -p "$d/f" "$d/e"
    expect_rc 0 "$BIN" run "$d/m.onnx" --input "x=$d/x.pb" --mode both --outdir "$d/f" --report "$d/f.json"
    expect_rc 0 "$BIN" run "$d/m.onnx" --input "x=$d/x.pb" --mode both --outdir "$d/e" --report "$d/e.json" \
        --skip-pass fuse-int8
    python3 "$T/q.py" "$d" && ok || bad "$1: $(python3 "$T/q.py" "$d")"
}

mkdir -p "$T/mlp" "$T/conv" "$T/conv_u8"
python3 "$SRC/tests/helpers/make_qdq_model.py" mlp "$T/mlp/m.onnx" "$T/mlp/x.pb" 64 256 384 128 ||
    die "mlp generator failed"
python3 "$SRC/tests/helpers/make_qdq_model.py" conv "$T/conv/m.onnx" "$T/conv/x.pb" 16 20 20 2 ||
    die "conv generator failed"
python3 "$SRC/tests/helpers/make_qdq_model.py" conv_u8 "$T/conv_u8/m.onnx" "$T/conv_u8/x.pb" 16 20 20 2 ||
    die "conv_u8 generator failed"
fused_vs_emulated mlp
fused_vs_emulated conv
fused_vs_emulated conv_u8

# against onnxruntime-node (its own QDQ handling) on the same models, when it is installed
if [ -d "$NPM/onnxruntime-node" ] && command -v node >/dev/null; then
    for m in mlp:64,256 conv:1,16,20,20 conv_u8:1,16,20,20; do
        d=$T/${m%%:*}
        python3 -c 'import sys; b = open(sys.argv[1], "rb").read(); n = eval(sys.argv[3].replace(",", "*"))
open(sys.argv[2], "wb").write(b[-4 * n:])' "$d/x.pb" "$d/x.f32" "${m#*:}"
        expect_rc 0 node "$SRC/bench/onnx/ort_run.js" "$d/m.onnx" "$d/x.f32" "${m#*:}" "$d/ort.f32" 1
        python3 -c 'import sys
from onnx_pb import max_abs_diff, npy, read_f32
a, o = npy(sys.argv[1]), read_f32(sys.argv[2])
e = max_abs_diff(a, o) / max(abs(x) for x in o)
print("%.3g" % e); sys.exit(e > 5e-3)' "$d/f/output_0.npy" "$d/ort.f32" >"$T/e" && ok ||
            bad "${m%%:*}: int8 MMA vs onnxruntime error $(cat "$T/e")"
    done
fi

# the backend tests of the integer matrix ops, now on the int8 MMA, in every precision
if [ -d "$ONNX_NODE/test_qlinearmatmul_2D" ]; then
    for p in fp32 bf16 fp8 int8; do
        expect_rc 0 "$BIN" conformance "$ONNX_NODE/test_matmulinteger" "$ONNX_NODE/test_qlinearmatmul_2D" \
            "$ONNX_NODE/test_qlinearmatmul_3D" "$ONNX_NODE/test_qlinearconv" --precision $p
        grep -q "^4 passed, 0 failed" "$T/out" && ok || bad "conformance --precision $p: $(tail -1 "$T/out")"
    done
fi

# malformed models: a QLinearMatMul whose b_scale has 3 elements for 4 columns, a MatMulInteger
# of float inputs, a truncated QDQ model; one line on stderr, status 2, no output written
cat >"$T/bad.py" <<'EOF'
import struct, sys
from onnx_pb import field, model, node, s, tensor
def vi(name, dims, t):
    shape = b"".join(s(1, field(1, 0, d)) for d in dims)
    return s(1, name) + s(2, s(1, field(1, 0, t) + s(2, shape)))
def u8(name, dims, vals):
    return b"".join(field(1, 0, d) for d in dims) + field(2, 0, 2) + s(8, name) + s(9, bytes(vals))
out = sys.argv[1]
if sys.argv[2] == "scale":
    g = node("QLinearMatMul", ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], ["y"])
    inits = s(5, tensor("sa", [], [0.1])) + s(5, u8("za", [], [3])) + s(5, u8("b", [3, 4], range(12)))
    inits += s(5, tensor("sb", [3], [0.1, 0.2, 0.3])) + s(5, u8("zb", [], [1]))
    inits += s(5, tensor("sy", [], [0.5])) + s(5, u8("zy", [], [7]))
    g += s(2, "bad") + inits + s(11, vi("a", [2, 3], 2)) + s(12, vi("y", [2, 4], 2))
else:
    g = node("MatMulInteger", ["a", "b"], ["y"]) + s(2, "bad")
    g += s(11, vi("a", [2, 3], 1)) + s(11, vi("b", [3, 4], 1)) + s(12, vi("y", [2, 4], 6))
open(out, "wb").write(model(g))
EOF
python3 "$T/bad.py" "$T/scale.onnx" scale && python3 "$T/bad.py" "$T/float.onnx" float || die "bad-model generator"
head -c 2000 "$T/mlp/m.onnx" >"$T/trunc.onnx"
mkdir -p "$T/none"
msg_scale="b_scale has 3 elements"
msg_float="inputs must be uint8 or int8"
msg_trunc="onnx"
for m in scale float trunc; do
    expect_rc 2 "$BIN" compile "$T/$m.onnx" -o "$T/none/$m.scb"
    one_line_err
    grep -q "$m.onnx" "$T/err" && ok || bad "$m: error does not name the file: $(cat "$T/err")"
    [ ! -e "$T/none/$m.scb" ] && ok || bad "$m: output written"
    eval "want=\$msg_$m"
    grep -q "$want" "$T/err" && ok || bad "$m: error is not about '$want': $(cat "$T/err")"
done

finish
