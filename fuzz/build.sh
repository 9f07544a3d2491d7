#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets one at a time (`make fuzz`), so that one target that fails to
# compile or link does not stop the others from being built and run.
# usage: fuzz/build.sh BUILD_DIR JOBS TARGET...
# A target that fails loses its old binary (fuzz/run.sh then reports it as not built instead of
# fuzzing stale code); its log is BUILD_DIR/fuzz-work/logs/build-TARGET.log. Prints the failed
# targets last; exit status 1 when any failed.
set -u
B=$1
JOBS=$2
shift 2
L="$B/fuzz-work/logs"
mkdir -p "$L"

# first error lines of a build log (its last lines when none says "error"), indented; the whole
# log stays in the file
show_errors() { { grep -m4 -E 'error|undefined reference' "$1" || tail -n 3 "$1"; } | sed 's/^/    /' >&2; }

# the library once: when it does not build, no target can, and one message says why
if ! nice -n 10 cmake --build "$B" -j "$JOBS" --target seedchip_static >"$L/build-library.log" 2>&1; then
    echo "fuzz: the library failed to build, so no fuzz target was built ($L/build-library.log):" >&2
    show_errors "$L/build-library.log"
    for t in "$@"; do rm -f "$B/fuzz/fuzz_$t"; done
    exit 1
fi

failed=()
for t in "$@"; do
    if ! nice -n 10 cmake --build "$B" -j "$JOBS" --target "fuzz_$t" >"$L/build-$t.log" 2>&1; then
        failed+=("$t")
        rm -f "$B/fuzz/fuzz_$t"
        echo "fuzz: fuzz_$t failed to build ($L/build-$t.log):" >&2
        show_errors "$L/build-$t.log"
    fi
done
echo "fuzz: built $(($# - ${#failed[@]})) of $# targets"
[ ${#failed[@]} -eq 0 ] && exit 0
echo "fuzz: failed to build: ${failed[*]}" >&2
exit 1
