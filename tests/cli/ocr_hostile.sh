#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile images through `seedchip ocr`: truncated, bit-flipped and oversized PNG and JPEG files
# give exit status 2 and one stderr line naming the file, never a crash or a hang. The models
# directory does not exist, so an image that still decodes after a flip stops at the model check
# (also one line, exit 2) and the test needs no models.
set -u
. "$(dirname "$0")/lib.sh" "$@"

# check DESC FILE: exit 2, one stderr line naming FILE (or the absent model when it decoded).
check() {
    local desc=$1 f=$2 rc lines
    timeout 20 "$BIN" ocr "$f" --models "$T/no-models" >"$T/out" 2>"$T/err"
    rc=$?
    lines=$(wc -l <"$T/err")
    if [ $rc -ne 2 ]; then
        bad "$desc: exit $rc, want 2 ($(head -c 300 "$T/err"))"
    elif [ "$lines" -ne 1 ]; then
        bad "$desc: $lines stderr lines: $(head -c 300 "$T/err")"
    elif ! grep -qF -e "$f" -e "no such model" "$T/err"; then
        bad "$desc: message names neither the file nor the model: $(cat "$T/err")"
    elif [ -s "$T/out" ]; then
        bad "$desc: output on stdout after an error"
    else
        ok
    fi
}

# expect_named DESC FILE: the decoder itself must reject FILE (message names it).
expect_named() {
    check "$1" "$2"
    grep -qF "$2" "$T/err" || bad "$1: not rejected by the decoder: $(cat "$T/err")"
}

for src in "$SRC/tests/data/ocr/dejavu_sans.png" "$SRC/tests/data/ocr/dejavu_mono_jpeg.jpg"; do
    ext=${src##*.}
    len=$(stat -c %s "$src")
    for n in 0 1 8 $((len / 4)) $((len / 2)) $((len * 3 / 4)); do
        head -c "$n" "$src" >"$T/trunc.$ext"
        expect_named "$(basename "$src") truncated to $n" "$T/trunc.$ext"
    done
    # the last byte: a JPEG loses its end marker (rejected); a PNG part of the IEND checksum,
    # after all pixel data, which libpng does not read (either outcome is clean)
    head -c $((len - 1)) "$src" >"$T/trunc.$ext"
    check "$(basename "$src") truncated by one byte" "$T/trunc.$ext"
    # 12 single-bit flips at positions spread over the file (deterministic)
    for k in $(seq 1 12); do
        pos=$(((k * 7919) % len))
        flip_bit "$src" "$pos" $((k % 8)) "$T/flip.$ext"
        check "$(basename "$src") bit flip at $pos" "$T/flip.$ext"
        # PNG chunks carry CRCs: every flip must be caught by the decoder
        [ "$ext" = png ] && ! grep -qF "$T/flip.$ext" "$T/err" &&
            bad "png flip at $pos decoded without error"
    done
done

# oversized headers: rejected from the header, before any pixel buffer is allocated
for f in oversized.png oversized.jpg wide.png; do
    expect_named "$f" "$SRC/fuzz/corpus/image/$f"
    grep -q "outside the limit" "$T/err" || bad "$f: $(cat "$T/err")"
done
printf 'GIF89a\1\0\1\0' >"$T/x.gif"
expect_named "GIF file" "$T/x.gif"
expect_named "missing file" "$T/missing.png"
mkdir "$T/dir.png"
expect_named "directory" "$T/dir.png"

finish
