#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile files through the CLI: truncated, bit-flipped and oversized variants of every real file
# format the project reads give one stderr line and exit status 2, never a crash or partial output.
#
# Binary formats with a checksum (.scb) must reject every damaged variant. Text formats (YAML
# configs, assembly) may still be valid after a flip in a comment or a digit; there the rule is
# "exit 0 with a complete output, or exit 2 with one line and no output", and truncations that
# remove required content must fail. Formats added by other layers append a section below.
set -u
. "$(dirname "$0")/lib.sh" "$@"

# run OUT CMD...: runs CMD with stdout/stderr captured; sets RC. OUT is the output file the
# command would write ("" when it writes to stdout); it is removed first.
run() {
    local out=$1
    shift
    [ -n "$out" ] && rm -f "$out"
    "$@" >"$T/stdout" 2>"$T/stderr"
    RC=$?
}

# expect_reject DESC OUT CMD...: exit 2, exactly one stderr line, no output file.
expect_reject() {
    local desc=$1 out=$2
    shift 2
    run "$out" "$@"
    local lines
    lines=$(wc -l <"$T/stderr")
    if [ $RC -ne 2 ]; then
        bad "$desc: exit $RC, want 2 ($(head -c 300 "$T/stderr"))"
    elif [ "$lines" -ne 1 ]; then
        bad "$desc: $lines stderr lines: $(head -c 300 "$T/stderr")"
    elif [ -n "$out" ] && [ -e "$out" ]; then
        bad "$desc: output file written on error"
    else
        ok
    fi
}

# expect_clean DESC OUT CMD...: exit 0 with output, or a clean rejection; never a crash.
expect_clean() {
    local desc=$1 out=$2
    shift 2
    run "$out" "$@"
    if [ $RC -eq 0 ]; then
        if [ -n "$out" ] && [ ! -s "$out" ]; then bad "$desc: exit 0 but no output"; else ok; fi
        return
    fi
    local lines
    lines=$(wc -l <"$T/stderr")
    if [ $RC -ne 2 ] || [ "$lines" -ne 1 ] || { [ -n "$out" ] && [ -e "$out" ]; }; then
        bad "$desc: exit $RC, $lines stderr lines ($(head -c 300 "$T/stderr"))"
    else
        REJECTED=$((REJECTED + 1))
        ok
    fi
}

# Variants of FILE written to $T/v.EXT, one at a time: call VARIANT_FN for each.
# truncations at 0, 1, 1/4, 1/2 and 3/4 of the length, and len-1 bytes when $2 is "last" (for
# text, dropping the final newline leaves a valid file)
truncations() {
    local f=$1 len
    len=$(stat -c %s "$f")
    for n in 0 1 $((len / 4)) $((len / 2)) $((len * 3 / 4)); do
        echo "$n"
    done
    [ "${2:-}" = last ] && echo $((len - 1))
}

# Flips per file: 12, or 4 in sanitizer builds (every run of the binary is several times slower
# there, and the suite must stay within its time limit on a loaded 2-core machine).
FLIPS=12
[ -n "${SEEDCHIP_ASAN:-}" ] && FLIPS=4
# some_rejected NAME: with the full set of flips, at least one damaged variant must be refused
# (a test where every variant passes would prove nothing).
some_rejected() {
    if [ $REJECTED -gt 0 ] || [ $FLIPS -lt 8 ]; then ok; else bad "$1: no damaged variant was rejected"; fi
}
flip_positions() { # FILE [COUNT=$FLIPS]
    local f=$1 n=${2:-$FLIPS} len k
    len=$(stat -c %s "$f")
    for k in $(seq 0 $((n - 1))); do echo "$(((len * k) / n + k % 7)) $((k % 8))"; done
}

# damaged NAME FILE TARGET OUT TRUNC FLIPS BIG CMD...: writes each damaged copy of FILE to TARGET
# and runs CMD on it (OUT: the file CMD writes, "" for none).
#   TRUNC: reject | reject-last | clean - truncations (with length - 1 for "-last") must be
#          rejected, or may pass complete; FLIPS: reject | clean - the same for the bit flips at
#          the positions $POSITIONS prints (default flip_positions FILE); with "clean" at least
#          one variant must be rejected. BIG: size of a sparse oversized copy that must be
#          rejected, or "-".
damaged() {
    local name=$1 f=$2 target=$3 out=$4 trunc=$5 flips=$6 big=$7 n at bit
    shift 7
    REJECTED=0
    for n in $(truncations "$f" "${trunc#*-}"); do
        head -c "$n" "$f" >"$target"
        "expect_${trunc%-last}" "$name truncated to $n" "$out" "$@"
    done
    while read -r at bit; do
        flip_bit "$f" "$at" "$bit" "$target"
        "expect_$flips" "$name bit $bit of byte $at" "$out" "$@"
    done < <(${POSITIONS:-flip_positions} "$f")
    [ "$flips" = clean ] && some_rejected "$name"
    if [ "$big" != - ]; then
        cp "$f" "$target"
        truncate -s "$big" "$target"
        expect_reject "$name oversized" "$out" "$@"
        rm -f "$target"
    fi
}

# ---------------------------------------------------------------- chip configs (YAML)
for cfg in seedchip-1 h100-sxm a100-sxm-80g; do
    # oversized: 2M, past the 1 MiB config limit (sparse, instant). Truncations: a cut inside the
    # trailing optional keys' comments leaves a complete, valid config (it must then load), so
    # they are "clean"; the cuts that lose required sections must be rejected (below).
    damaged "$cfg.yaml" "$SRC/configs/$cfg.yaml" "$T/d.yaml" "" clean clean 2M \
        "$BIN" chip show "$T/d.yaml"
    for n in 0 1 $(($(stat -c %s "$SRC/configs/$cfg.yaml") / 2)); do
        head -c "$n" "$SRC/configs/$cfg.yaml" >"$T/d.yaml"
        expect_reject "$cfg.yaml truncated to $n" "" "$BIN" chip show "$T/d.yaml"
    done
done
# garbage, binary, deep nesting, huge scalars, hostile overrides
head -c 4096 /dev/urandom >"$T/rand.yaml"
expect_reject "random bytes as YAML" "" "$BIN" chip show "$T/rand.yaml"
printf '%0.s[' $(seq 1 200) >"$T/deep.yaml"
expect_reject "200-deep YAML" "" "$BIN" chip show "$T/deep.yaml"
{
    printf 'name: '
    head -c 100000 /dev/zero | tr '\0' x
    echo
} >"$T/long.yaml"
expect_reject "100 kB scalar" "" "$BIN" chip show "$T/long.yaml"
printf 'base: %s\n' "$T/loop.yaml" >"$T/loop.yaml"
expect_reject "self-inheriting config" "" "$BIN" chip show "$T/loop.yaml"
expect_reject "directory as config" "" "$BIN" chip show "$T/"
expect_reject "--set nan" "" "$BIN" chip show seedchip-1 --set clock=nan
expect_reject "--set 1e999" "" "$BIN" chip show seedchip-1 --set hbm.stacks=1e999
expect_reject "--set deep path" "" "$BIN" chip show seedchip-1 \
    --set "$(printf 'a.%.0s' $(seq 1 60))b=1"

# ---------------------------------------------------------------- assembly (.s) and .scb
for ex in gemm_tile softmax_rows; do
    s="$SRC/examples/asm/$ex.s"
    "$BIN" asm "$s" -o "$T/$ex.scb" || bad "$ex.s does not assemble"
    # .scb: the checksum catches every truncation and every flip; 1100M is past the 1 GiB
    # container limit
    damaged "$ex.scb" "$T/$ex.scb" "$T/d.scb" "$T/d.s" reject-last reject 1100M \
        "$BIN" disasm "$T/d.scb" -o "$T/d.s"
    cp "$T/$ex.scb" "$T/grown.scb"
    head -c 64 /dev/zero >>"$T/grown.scb"
    expect_reject "$ex.scb with bytes appended" "$T/g.s" "$BIN" disasm "$T/grown.scb" -o "$T/g.s"
    # .s: truncation before the last queue's halt leaves an invalid or valid program; flips too;
    # 65M is past the 64 MiB assembler input limit
    damaged "$ex.s" "$s" "$T/d.s" "$T/d.scb" clean clean 65M "$BIN" asm "$T/d.s" -o "$T/d.scb"
done
# A failed run leaves the previous output intact (atomic writes).
"$BIN" asm "$SRC/examples/asm/gemm_tile.s" -o "$T/keep.scb"
cp "$T/keep.scb" "$T/keep.orig"
printf '.core 0\n.queue load\n  bogus r1\n' >"$T/bad.s"
"$BIN" asm "$T/bad.s" -o "$T/keep.scb" 2>/dev/null
cmp -s "$T/keep.scb" "$T/keep.orig" && ok || bad "failed asm damaged the previous output"
expect_reject "asm output in a missing directory" "" \
    "$BIN" asm "$SRC/examples/asm/gemm_tile.s" -o "$T/no/such/dir/x.scb"
head -c 5000 /dev/zero | tr '\0' ' ' >"$T/longline.s"
expect_reject "5000-byte assembly line" "$T/ll.scb" "$BIN" asm "$T/longline.s" -o "$T/ll.scb"
head -c 3000 /dev/urandom >"$T/rand.scb"
expect_reject "random bytes as .scb" "$T/r.s" "$BIN" disasm "$T/rand.scb" -o "$T/r.s"

# ---------------------------------------------------------------- LLM checkpoints
# llama2.c (.bin; the real stories260K when ../shared has it), GGUF, safetensors + config.json.
# Flips inside fp32 weights leave a valid (different) model: those must run or fail cleanly.
llm() { "$BIN" llm generate --model "$1" --prompt-ids 1 --tokens 1; }
llm_positions() { # half the flips spread over the file, plus the header fields
    flip_positions "$1" $((FLIPS / 2))
    for k in 0 4 8 12 16 20 24; do echo "$((k + 2)) 6"; done
}
llm_variants() { # FILE EXT: truncations, flips, oversized (9G: past the 8 GiB checkpoint limit)
    POSITIONS=llm_positions damaged "$(basename "$1")" "$1" "$T/d.$2" "" reject-last clean 9G \
        llm "$T/d.$2"
}
if "$BIN" llm generate --help >/dev/null 2>&1; then
    stories="$SRC/../shared/models/stories260K.bin"
    if [ -f "$stories" ]; then
        llm_variants "$stories" bin
        cp "$stories" "$T/grown.bin"
        head -c 4 /dev/zero >>"$T/grown.bin"
        expect_reject "stories260K.bin with trailing bytes" "" llm "$T/grown.bin"
    else
        echo "note: ../shared/models/stories260K.bin absent; llama2.c uses the tiny seed only"
    fi
    llm_variants "$SRC/fuzz/corpus/llama2c/tiny.bin" bin
    llm_variants "$SRC/fuzz/corpus/gguf/tiny_llama_spm.gguf" gguf
    # safetensors: a directory with config.json and model.safetensors (from the fuzz seed)
    mkdir -p "$T/st"
    seed="$SRC/fuzz/corpus/safetensors/tiny_llama.bin"
    clen=$(od -An -tu2 -N2 "$seed" | tr -d ' ')
    tail -c +3 "$seed" | head -c "$clen" >"$T/st/config.json"
    tail -c +$((3 + clen)) "$seed" >"$T/st.safetensors"
    cp "$T/st.safetensors" "$T/st/model.safetensors"
    expect_clean "tiny safetensors" "" llm "$T/st"
    [ $RC -eq 0 ] && ok || bad "tiny safetensors seed does not load: $(cat "$T/stderr")"
    half_positions() { flip_positions "$1" $((FLIPS / 2)); }
    POSITIONS=half_positions damaged model.safetensors "$T/st.safetensors" \
        "$T/st/model.safetensors" "" reject-last clean - llm "$T/st"
    cp "$T/st.safetensors" "$T/st/model.safetensors"
    head -c 20 "$T/st/config.json" >"$T/cfg" && mv "$T/cfg" "$T/st/config.json"
    expect_reject "config.json truncated" "" llm "$T/st"
else
    echo "note: no llm command in this build; LLM checkpoint section skipped"
fi

# ---------------------------------------------------------------- ONNX models, .pb and .npy tensors
# A Relu model from Debian's libonnx-testdata (skipped when the package is absent): the model
# through `compile`, its input tensor (.pb, and the .npy that `run` writes) through `run`.
ONNX_DIR=/usr/share/libonnx-testdata/data/node/test_relu
if [ -f "$ONNX_DIR/model.onnx" ] && "$BIN" run --help >/dev/null 2>&1; then
    cp "$ONNX_DIR/model.onnx" "$T/relu.onnx"
    cp "$ONNX_DIR/test_data_set_0/input_0.pb" "$T/x.pb"
    mkdir -p "$T/o"
    "$BIN" run "$T/relu.onnx" --input "x=$T/x.pb" --outdir "$T/o" >/dev/null 2>&1 || bad "relu does not run"
    cp "$T/o/output_0.npy" "$T/x.npy"
    # compile: the output .scb must not appear when the model is rejected; 5G is past the 4 GiB
    # model limit
    damaged relu.onnx "$T/relu.onnx" "$T/d.onnx" "$T/d.scb" reject-last clean 5G \
        "$BIN" compile "$T/d.onnx" -o "$T/d.scb"
    # run: damaged input tensors; no output file may appear in the output directory (a failed
    # run that left one adds a second stderr line, which expect_* report)
    run_in() {
        rm -rf "$T/ro" && mkdir "$T/ro" && "$BIN" run "$T/relu.onnx" --input "x=$1" --outdir "$T/ro"
        local rc=$?
        [ $rc -ne 0 ] && [ -n "$(ls -A "$T/ro")" ] && echo "outputs written on error" >&2
        return $rc
    }
    tensor_variants() { # FILE EXT (5G: past the 4 GiB tensor file limit)
        damaged "$(basename "$1")" "$1" "$T/d.$2" "$T/ro/output_0.npy" reject-last clean 5G \
            run_in "$T/d.$2"
    }
    tensor_variants "$T/x.pb" pb
    tensor_variants "$T/x.npy" npy
else
    echo "note: libonnx-testdata or the run command is absent; ONNX section skipped"
fi

ls "$T" | grep -q '\.tmp\.' && bad "temporary files left behind" || ok
finish
