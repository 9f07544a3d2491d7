#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip llm generate`: stories260K greedy ids on the chip, sampling determinism, bad input => exit 2.
set -u
. "$(dirname "$0")/lib.sh" "$@"
MODEL="$SRC/../shared/models/stories260K.bin"
need_path "$MODEL" "" "../shared/models"

expect_rc 0 "$BIN" llm generate --help; grep -q 'usage: seedchip llm generate' "$T/out" && ok || bad "help"
expect_rc 0 "$BIN" llm --help

# greedy from BOS, 64 tokens: the last line holds the ids; the first five are the published ones
expect_rc 0 "$BIN" llm generate --model "$MODEL" --tokens 64 --print-token-ids
last=$(tail -n 1 "$T/out")
[ "$(echo "$last" | wc -w)" -eq 64 ] && ok || bad "expected 64 ids, got: $last"
case "$last" in "461 461 401 401 401 "*) ok ;; *) bad "first ids: $last" ;; esac
grep -q 'tokens/s decode' "$T/out" && ok || bad "no simulated tokens/s line"
grep -q 'host: .* s wall' "$T/out" && ok || bad "no host wall time line"
cp "$T/out" "$T/greedy"

# one core (the unsplit program) gives the same ids as every core
expect_rc 0 "$BIN" llm generate --model "$MODEL" --tokens 16 --cores 1 --print-token-ids
[ "$(tail -n 1 "$T/out")" = "$(tail -n 1 "$T/greedy" | cut -d' ' -f1-16)" ] && ok || bad "--cores 1 ids differ"

# bf16 runs and reports; prompt ids continue the same greedy sequence
expect_rc 0 "$BIN" llm generate --model "$MODEL" --tokens 8 --precision bf16 --print-token-ids
[ "$(tail -n 1 "$T/out" | wc -w)" -eq 8 ] && ok || bad "bf16 ids"
expect_rc 0 "$BIN" llm generate --model "$MODEL" --prompt-ids "1 461 461" --tokens 3 --print-token-ids
[ "$(tail -n 1 "$T/out")" = "401 401 401" ] && ok || bad "prompt ids continuation: $(tail -n 1 "$T/out")"

# sampling: same seed same ids, and the ids differ from greedy for some seed
expect_rc 0 "$BIN" llm generate --model "$MODEL" --tokens 24 --temperature 1.0 --top-p 0.9 --top-k 40 --seed 5 --print-token-ids
a=$(tail -n 1 "$T/out")
expect_rc 0 "$BIN" llm generate --model "$MODEL" --tokens 24 --temperature 1.0 --top-p 0.9 --top-k 40 --seed 5 --print-token-ids
[ "$a" = "$(tail -n 1 "$T/out")" ] && ok || bad "sampling not deterministic per seed"
[ "$a" != "$(tail -n 1 "$T/greedy" | cut -d' ' -f1-24)" ] && ok || bad "temperature 1 equals greedy"

# --stop-at-eos: no EOS (2) or BOS (1) before the last id; a short list ends with one
expect_rc 0 "$BIN" llm generate --model "$MODEL" --tokens 200 --temperature 1.0 --seed 4 --cores 1 --stop-at-eos --print-token-ids
ids=$(tail -n 1 "$T/out"); n=$(echo "$ids" | wc -w); lastid=$(echo "$ids" | awk '{print $NF}')
early=$(echo "$ids" | awk '{for (i = 1; i < NF; i++) if ($i == 1 || $i == 2) c++; print c + 0}')
[ "$early" -eq 0 ] && ok || bad "--stop-at-eos: EOS/BOS inside the ids: $ids"
{ [ "$n" -eq 200 ] || [ "$lastid" = 1 ] || [ "$lastid" = 2 ]; } && ok || bad "--stop-at-eos: stopped early on $lastid"

# bad input: one line on stderr, exit 2
expect_rc 2 "$BIN" llm generate --model "$T/missing.bin"; one_line_err
grep -q "missing.bin" "$T/err" && ok || bad "error does not name the file"
head -c 5000 "$MODEL" >"$T/trunc.bin"
expect_rc 2 "$BIN" llm generate --model "$T/trunc.bin"; one_line_err
grep -q "truncated" "$T/err" && ok || bad "truncation message: $(cat "$T/err")"
printf 'GGUF\003\000\000\000' >"$T/short.gguf"
expect_rc 2 "$BIN" llm generate --model "$T/short.gguf"; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --prompt "Once upon a time"; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --prompt-ids "1 99999"; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --precision fp7; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --tokens 0; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --tokens 600; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --chip no-such-chip; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --cores 99; one_line_err
expect_rc 2 "$BIN" llm generate --model "$MODEL" --bogus; one_line_err
expect_rc 2 "$BIN" llm generate; one_line_err
expect_rc 2 "$BIN" llm frobnicate; one_line_err

finish
