#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs libFuzzer targets one after another (`make fuzz`); prints executions and crashes per target.
# usage: fuzz/run.sh BUILD_DIR SECONDS TARGET...
# New inputs go to BUILD_DIR/fuzz-work/TARGET (the seeds in fuzz/corpus/TARGET stay untouched);
# crash inputs go to BUILD_DIR/fuzz-work/artifacts/. A target without a binary (fuzz/build.sh
# could not build it) is listed as not built and the others still run. Exit status 1 when any
# target crashed or was not built; both lists are printed last.
set -u
B=$1
SECS=$2
shift 2
SRC=$(cd "$(dirname "$0")" && pwd)
W="$B/fuzz-work"
mkdir -p "$W/artifacts" "$W/logs"
status=0
crashed=()
missing=()
printf '%-16s %8s %14s %10s %8s\n' target seconds executions exec/s crashes
for t in "$@"; do
    bin="$B/fuzz/fuzz_$t"
    if [ ! -x "$bin" ]; then
        printf '%-16s %8s\n' "$t" "not built"
        missing+=("$t")
        status=1
        continue
    fi
    mkdir -p "$W/$t"
    # Largest input each format needs to reach every branch; small keeps executions fast.
    case $t in
        decode) maxlen=256 ;; membench_args) maxlen=1024 ;; tokenizer) maxlen=4096 ;;
        *) maxlen=16384 ;;
    esac
    extra=()
    [ -f "$SRC/dict/$t.dict" ] && extra+=("-dict=$SRC/dict/$t.dict")
    log="$W/logs/$t.log"
    start=$SECONDS
    nice -n 19 "$bin" -max_total_time="$SECS" -timeout=30 -rss_limit_mb=2048 -max_len=$maxlen \
        -print_final_stats=1 -artifact_prefix="$W/artifacts/$t-" "${extra[@]}" \
        "$W/$t" "$SRC/corpus/$t" >"$log" 2>&1
    rc=$?
    took=$((SECONDS - start)) # wall seconds actually fuzzed (a crash stops the run early)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    crashes=0
    if [ $rc -ne 0 ]; then
        crashes=1
        status=1
        crashed+=("$t")
    fi
    printf '%-16s %8s %14s %10s %8s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" "$crashes"
    [ $rc -ne 0 ] && grep -m3 -E 'ERROR|invariant|runtime error|Test unit written' "$log" >&2
done
[ ${#crashed[@]} -eq 0 ] || echo "fuzz: crashed: ${crashed[*]} (inputs in $W/artifacts)" >&2
[ ${#missing[@]} -eq 0 ] ||
    echo "fuzz: not built: ${missing[*]} (logs: $W/logs/build-TARGET.log; fuzz/build.sh)" >&2
exit $status
