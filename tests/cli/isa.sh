#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CLI behaviour of `seedchip asm` / `seedchip disasm`: round trip, file:line errors, exit 2, docs.
set -u
. "$(dirname "$0")/lib.sh" "$@"

expect_rc 0 "$BIN" asm --help; grep -q 'usage: seedchip asm' "$T/out" && ok || bad "asm --help"
expect_rc 0 "$BIN" disasm --help; grep -q 'usage: seedchip disasm' "$T/out" && ok || bad "disasm --help"

for ex in gemm_tile softmax_rows; do
    expect_rc 0 "$BIN" asm "$SRC/examples/asm/$ex.s" -o "$T/$ex.scb"
    head -c 4 "$T/$ex.scb" | grep -q SCB1 && ok || bad "$ex magic"
    expect_rc 0 "$BIN" disasm "$T/$ex.scb" -o "$T/$ex.dis.s"
    expect_rc 0 "$BIN" asm "$T/$ex.dis.s" -o "$T/$ex.2.scb"
    cmp -s "$T/$ex.scb" "$T/$ex.2.scb" && ok || bad "$ex: asm -> disasm -> asm differs"
    expect_rc 0 "$BIN" disasm "$T/$ex.scb"; cmp -s "$T/out" "$T/$ex.dis.s" && ok || bad "$ex: stdout != -o"
done

# default output name: FILE.s -> FILE.scb
cp "$SRC/examples/asm/gemm_tile.s" "$T/g.s"
expect_rc 0 "$BIN" asm "$T/g.s"; [ -s "$T/g.scb" ] && ok || bad "default output g.scb"

# errors: FILE:LINE, one line, exit 2
printf '.core 0\n.queue compute\n    vexp nosuch, r0, r0, r0, 0\n' >"$T/bad.s"
expect_rc 2 "$BIN" asm "$T/bad.s" -o "$T/bad.scb"; one_line_err
grep -q "bad.s:3: unknown descriptor 'nosuch'" "$T/err" && ok || bad "file:line in $(cat "$T/err")"
[ ! -e "$T/bad.scb" ] && ok || bad "output written on error"
printf '.core 0\n.queue load\n  li r1, 5\n  add r1, r1\n' >"$T/bad2.s"
expect_rc 2 "$BIN" asm "$T/bad2.s" -o "$T/bad2.scb"; one_line_err
grep -q "bad2.s:4: add takes 3 operands, got 2" "$T/err" && ok || bad "operand count message: $(cat "$T/err")"
# fp64 views: a function with an fp64 datapath assembles and round-trips, one without is refused
printf '.desc v vec dims=8 d=spad:fp64:0:1 a=spad:fp64:64:1\n.core 0\n.queue compute\n  vsqrt v, r0, r0, r0, 0\n' >"$T/f64.s"
expect_rc 0 "$BIN" asm "$T/f64.s" -o "$T/f64.scb"
expect_rc 0 "$BIN" disasm "$T/f64.scb"; grep -q "spad:fp64:0:1" "$T/out" && ok || bad "fp64 view in disasm"
sed 's/vsqrt/vexp/' "$T/f64.s" >"$T/f64bad.s"
expect_rc 2 "$BIN" asm "$T/f64bad.s" -o "$T/f64bad.scb"; one_line_err
grep -q "f64bad.s:.*instruction 0: vexp: .*no fp64 datapath" "$T/err" && ok || bad "fp64 refusal: $(cat "$T/err")"
[ ! -e "$T/f64bad.scb" ] && ok || bad "output written on fp64 refusal"
expect_rc 2 "$BIN" asm "$T/missing.s"; one_line_err
expect_rc 2 "$BIN" asm; one_line_err
expect_rc 2 "$BIN" asm "$T/g.s" --bogus; one_line_err
expect_rc 2 "$BIN" disasm "$T/g.s"; one_line_err          # text is not a container
head -c 100 "$T/gemm_tile.scb" >"$T/trunc.scb"
expect_rc 2 "$BIN" disasm "$T/trunc.scb"; one_line_err
grep -q "truncated" "$T/err" && ok || bad "truncation message: $(cat "$T/err")"

# docs/ISA.md is what the table generates
expect_rc 0 "$BIN" asm --gen-doc "$T/ISA.md"
cmp -s "$T/ISA.md" "$SRC/docs/ISA.md" && ok || bad "docs/ISA.md is stale (seedchip asm --gen-doc docs/ISA.md)"
ls "$T" | grep -q '\.tmp\.' && bad "temporary files left behind" || ok

finish
