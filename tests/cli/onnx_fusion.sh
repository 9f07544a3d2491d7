#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Graph fusions: LayerNorm / RMSNorm op patterns and scaled-dot-product attention become one node
# each (--dump-after), fused and unfused programs both match a double-precision reference, and
# the fused one moves fewer HBM bytes in fewer cycles (timing mode); --skip-pass errors.
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
# cycles and HBM bytes (read + write) of a --report file
report_stat() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(int(d['cycles']), int(d['bytes']['hbm_read'] + d['bytes']['hbm_write']))" "$1"; }

python3 "$SRC/tests/helpers/make_norm_model.py" "$T/s/test_norms" 48 256 || die "generator failed"
M="$T/s/test_norms/model.onnx"
expect_rc 0 "$BIN" compile "$M" --dump-after fuse-norm
grep -q 'LayerNormalization(%x, $gamma, $beta) axis=1' "$T/out" && ok || bad "LayerNorm not fused: $(cat "$T/out")"
grep -q 'RMSNormalization(%x, $g2) axis=1' "$T/out" && ok || bad "RMSNorm not fused"
[ "$(grep -c ' = ' "$T/out")" -eq 2 ] && ok || bad "fused graph has more than 2 nodes"
# both forms against the reference outputs (double precision, written by the generator)
expect_rc 0 "$BIN" conformance "$T/s"
grep -q '^1 passed' "$T/out" && ok || bad "fused outputs: $(tail -2 "$T/out")"
mkdir -p "$T/a" "$T/b"
expect_rc 0 "$BIN" run "$M" --outdir "$T/a"
expect_rc 0 "$BIN" run "$M" --outdir "$T/b" --skip-pass fuse-norm
python3 - "$T/a" "$T/b" <<'EOF' && ok || bad "fused and unfused outputs differ beyond fp32 tolerance"
import sys
from onnx_pb import max_abs_diff, npy
for k in (0, 1):
    a, b = npy("%s/output_%d.npy" % (sys.argv[1], k)), npy("%s/output_%d.npy" % (sys.argv[2], k))
    if max_abs_diff(a, b) > 1e-4: sys.exit(1)
EOF
# timing: fewer cycles and HBM bytes fused
expect_rc 0 "$BIN" run "$M" --mode timing --report "$T/f.json"
expect_rc 0 "$BIN" run "$M" --mode timing --report "$T/u.json" --skip-pass fuse-norm
read -r fc fb <<<"$(report_stat "$T/f.json")"
read -r uc ub <<<"$(report_stat "$T/u.json")"
[ "$fc" -lt "$uc" ] && ok || bad "fused cycles $fc not below unfused $uc"
[ "$fb" -lt "$ub" ] && ok || bad "fused HBM bytes $fb not below unfused $ub"

# attention: Transpose/MatMul/Div/Add mask/Softmax/MatMul -> FusedAttention, 3 query x 3 key
# blocks and two value chunks (head size 160 > the 128-wide array)
python3 "$SRC/tests/helpers/make_attn_model.py" "$T/a/test_sdpa" 1 2 300 160 || bad "attention generator"
A="$T/a/test_sdpa/model.onnx"
expect_rc 0 "$BIN" compile "$A" --dump-after fuse-attention
grep -q 'FusedAttention(%q, %k, %v, $mask) scale=0.0790569' "$T/out" && ok || bad "attention not fused: $(cat "$T/out")"
[ "$(grep -c ' = ' "$T/out")" -eq 1 ] && ok || bad "fused attention graph has more than 1 node"
expect_rc 0 "$BIN" conformance "$T/a"
grep -q '^1 passed' "$T/out" && ok || bad "fused attention outputs: $(tail -2 "$T/out")"
expect_rc 0 "$BIN" conformance "$T/a" --precision bf16
grep -q '^1 passed' "$T/out" && ok || bad "fused attention in bf16: $(tail -2 "$T/out")"
mkdir -p "$T/fa" "$T/ua"
expect_rc 0 "$BIN" run "$A" --outdir "$T/fa"
expect_rc 0 "$BIN" run "$A" --outdir "$T/ua" --skip-pass fuse-attention
python3 - "$T/fa/output_0.npy" "$T/ua/output_0.npy" <<'PY' && ok || bad "fused and unfused attention differ beyond fp32 tolerance"
import sys
from onnx_pb import max_abs_diff, npy
sys.exit(max_abs_diff(npy(sys.argv[1]), npy(sys.argv[2])) > 1e-5)
PY
expect_rc 0 "$BIN" run "$A" --mode timing --report "$T/fa.json"
expect_rc 0 "$BIN" run "$A" --mode timing --report "$T/ua.json" --skip-pass fuse-attention
read -r fc fb <<<"$(report_stat "$T/fa.json")"
read -r uc ub <<<"$(report_stat "$T/ua.json")"
[ "$fc" -lt "$uc" ] && ok || bad "fused attention cycles $fc not below unfused $uc"
[ "$fb" -lt "$ub" ] && ok || bad "fused attention HBM bytes $fb not below unfused $ub"

expect_rc 2 "$BIN" run "$M" --skip-pass shapes; one_line_err
expect_rc 2 "$BIN" compile "$M" -o "$T/x.scb" --skip-pass fuse-norm,nosuch; one_line_err
[ ! -e "$T/x.scb" ] && ok || bad "partial output"

finish
