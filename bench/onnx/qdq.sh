#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cycles of QDQ models on the int8 MMA (pass fuse-int8) against their float emulation
# (--skip-pass fuse-int8), with the float model in fp32 and under int8 PTQ as peers, all timed by
# the executor in the same run (--mode timing, SeedChip-1). The table is in docs/COMPILER.md.
# usage: bench/onnx/qdq.sh [BUILD_DIR]
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$SRC/build}/seedchip
[ -x "$BIN" ] || { echo "no $BIN (make build first)"; exit 1; }
T=$(mktemp -d /tmp/sc_qdq_bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
H=$SRC/tests/helpers

# cycles and HBM MB (read + written) of one timing run: "CYCLES MB"
timed() {
    "$BIN" run "$@" --mode timing --report "$T/r.json" >/dev/null
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["bytes"]
print(d["cycles"], "%.1f" % ((b["hbm_read"] + b["hbm_write"]) / 1e6))' "$T/r.json"
}

row() { # NAME FLOAT_MODEL FLOAT_X QDQ_MODEL QDQ_X
    local f32 ptq emu q8
    f32=$(timed "$2" --input "x=$3" --precision fp32)
    ptq=$(timed "$2" --input "x=$3" --precision int8)
    emu=$(timed "$4" --input "x=$5" --skip-pass fuse-int8)
    q8=$(timed "$4" --input "x=$5")
    python3 - "$1" "$f32" "$ptq" "$emu" "$q8" <<'PY'
import sys
name, f32, ptq, emu, q8 = sys.argv[1:]
c = [int(x.split()[0]) for x in (f32, ptq, emu, q8)]
print("| %s | %s | %s | %s | %s (%.1fx) | %s / %s |" % (name, *("{:,}".format(x) for x in c),
      c[2] / c[3], emu.split()[1], q8.split()[1]))
PY
}

echo "| model | float fp32 | PTQ int8 | QDQ emulated | QDQ int8 MMA | HBM MB emulated / int8 |"
echo "|---|---:|---:|---:|---:|---:|"
python3 "$H/make_mlp_model.py" "$T/f.onnx" "$T/fx.pb" 256 512 256 1024 256
python3 "$H/make_qdq_model.py" mlp "$T/q.onnx" "$T/qx.pb" 256 512 256 1024 256
row "MLP 256 x [512, 256, 1024, 256]" "$T/f.onnx" "$T/fx.pb" "$T/q.onnx" "$T/qx.pb"
python3 "$SRC/bench/onnx/make_conv_model.py" "$T/fc.onnx" "$T/fcx.pb" 64 56 56 4 >/dev/null
python3 "$H/make_qdq_model.py" conv "$T/qc.onnx" "$T/qcx.pb" 64 56 56 4
row "conv 64x56x56, 4 layers, int8 activations" "$T/fc.onnx" "$T/fcx.pb" "$T/qc.onnx" "$T/qcx.pb"
python3 "$H/make_qdq_model.py" conv_u8 "$T/qu.onnx" "$T/qux.pb" 64 56 56 4
row "conv 64x56x56, 4 layers, uint8 activations" "$T/fc.onnx" "$T/fcx.pb" "$T/qu.onnx" "$T/qux.pb"
