#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ONNX conformance on Debian's libonnx-testdata: the pass count must not drop below the floor
# recorded in tests/conformance_floor.txt (raise the floor as coverage grows).
set -u
. "$(dirname "$0")/lib.sh" "$@"
need_onnx_testdata
D=$(dirname "$ONNX_NODE")
FLOOR=$(grep -v '^#' "$SRC/tests/conformance_floor.txt" | head -1)
"$BIN" conformance "$D/node" "$D/pytorch-converted" "$D/pytorch-operator" "$D/simple" \
    --quiet --json "$T/conf.json" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: conformance exited $rc: $(head -3 "$T/err")"; exit 1; }
last=$(tail -1 "$T/out")
echo "$last"
if ! [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    echo "FAIL: bad summary line '$last'"; exit 1
fi
passed=${BASH_REMATCH[1]}; skipped=${BASH_REMATCH[3]}
[ "$passed" -ge "$FLOOR" ] || { echo "FAIL: $passed passed < floor $FLOOR"; exit 1; }
[ "$skipped" -gt 0 ] || { echo "FAIL: no exclusions counted"; exit 1; }
grep -q '"class": "excluded"' "$T/conf.json" || { echo "FAIL: --json lacks exclusions"; exit 1; }
# every failure line names one of the documented classes
bad=$(grep '^FAIL' "$T/out" | grep -v -E '\[(unsupported op|numeric mismatch|compile error|runtime error)\]' | head -1)
[ -z "$bad" ] || { echo "FAIL: unclassified failure: $bad"; exit 1; }
echo "ok: $passed passed (floor $FLOOR)"
