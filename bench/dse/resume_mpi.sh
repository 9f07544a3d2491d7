#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue #7 protocol: one sweep binary, a >= 1,000-point space run single-process, then under
# `mpirun -np 2` killed with kill -9 part-way and resumed; the two databases must hold the same
# points and the same Pareto fronts. Prints wall times and the comparison; exit 1 on a difference.
# usage: bench/dse/resume_mpi.sh [BIN] [SPACE.yaml] [OUTDIR] [KILL_AT_POINTS]
# NICE (default 10) is the niceness of every sweep; PARALLEL=1 runs the single-process sweep
# beside the MPI runs instead of before them (less wall time on a machine with idle cores).
set -euo pipefail
NICE=${NICE:-10}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$SRC/build/seedchip}
SPACE=${2:-$SRC/examples/sweeps/hbm_scarcity.yaml}
OUT=${3:-$(mktemp -d)}
KILL_AT=${4:-400}
command -v mpirun >/dev/null || { echo "mpirun absent" >&2; exit 77; }
command -v python3 >/dev/null || { echo "python3 absent" >&2; exit 77; }
mkdir -p "$OUT"
rm -f "$OUT"/single.sqlite* "$OUT"/mpi.sqlite*
# One binary for every run: a copy, so a rebuild of the tree during the hours this takes cannot
# swap it between the runs.
cp "$BIN" "$OUT/seedchip"
BIN="$OUT/seedchip"
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
count() { python3 -c 'import sqlite3,sys
try: print(sqlite3.connect(sys.argv[1], timeout=30).execute("select count(*) from points").fetchone()[0])
except Exception: print(0)' "$1"; }
echo "binary: $(sha256sum "$BIN" | cut -c1-16) ($(git -C "$SRC" rev-parse --short HEAD))"
echo "space: $SPACE"

single() {
    local t0=$SECONDS
    nice -n "$NICE" "$BIN" sweep "$SPACE" --db "$OUT/single.sqlite" --quiet > "$OUT/single.txt"
    echo "single process: $(count "$OUT/single.sqlite") points in $((SECONDS - t0)) s"
}
if [ "${PARALLEL:-0}" = 1 ]; then
    single > "$OUT/single.time" &
    single_pid=$!
else
    single
fi

# mpirun in its own process group so kill -9 reaches the launcher and both ranks at once.
t0=$SECONDS
setsid mpirun -np 2 --oversubscribe nice -n "$NICE" "$BIN" sweep "$SPACE" --db "$OUT/mpi.sqlite" \
    --quiet > "$OUT/mpi1.txt" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null && [ "$(count "$OUT/mpi.sqlite")" -lt "$KILL_AT" ]; do sleep 2; done
kill -9 -- -"$pid" 2>/dev/null || { echo "FAIL: the MPI sweep ended before $KILL_AT points" >&2; exit 1; }
wait "$pid" 2>/dev/null || true
# Ranks that Open MPI put in a process group of their own: kill -9 them by id as well (only
# this copy of the binary writing this database).
for r in $(ps -eo pid=,args= | awk -v b="$BIN" -v d="$OUT/mpi.sqlite" 'index($0, b " sweep") && index($0, d) {print $1}'); do
    kill -9 "$r" 2>/dev/null || true
done
sleep 1
killed=$(count "$OUT/mpi.sqlite")
echo "mpirun -np 2: killed (kill -9) at $killed stored points after $((SECONDS - t0)) s"
t0=$SECONDS
mpirun -np 2 --oversubscribe nice -n "$NICE" "$BIN" sweep "$SPACE" --db "$OUT/mpi.sqlite" --resume \
    --quiet > "$OUT/mpi2.txt" 2>&1 || { cat "$OUT/mpi2.txt" >&2; echo "FAIL: resume" >&2; exit 1; }
echo "mpirun -np 2 --resume: $(( $(count "$OUT/mpi.sqlite") - killed )) more points in $((SECONDS - t0)) s"

if [ -n "${single_pid:-}" ]; then
    wait "$single_pid" || { echo "FAIL: single-process sweep" >&2; exit 1; }
    cat "$OUT/single.time"
fi
python3 - "$OUT/single.sqlite" "$OUT/mpi.sqlite" <<'PY'
import json, sqlite3, sys
cols = "idx, key, ok, error, area_mm2, chip_usd, power_w, hbm_gb, hbm_tbs, bf16_tflops, perf, " \
       "perf_per_usd, perf_per_w, perf_per_hbm_gb, pareto, result"
def load(path):
    db = sqlite3.connect(path)
    rows = db.execute(f"select {cols} from points order by idx").fetchall()
    # the result JSON carries eval_s, the point's wall time: everything else must match
    strip = lambda r: r[:-1] + (json.dumps({k: v for k, v in json.loads(r[-1]).items()
                                            if k != "eval_s"}, sort_keys=True),)
    rows = [strip(r) for r in rows]
    dup = db.execute("select count(*) - count(distinct idx) from points").fetchone()[0]
    return rows, dup
a, _ = load(sys.argv[1])
b, dup = load(sys.argv[2])
print(f"rows: single {len(a)}, mpi {len(b)}, duplicate indices in mpi: {dup}")
same_rows = [r for r, s in zip(a, b) if r == s]
print(f"rows identical in every column (exact floats; result JSON but its eval_s): {len(same_rows)} of {len(a)}")
ok = len(a) == len(b) and dup == 0 and len(same_rows) == len(a)
for bit, name in ((1, "perf vs cost"), (2, "perf vs power"), (4, "perf vs HBM GB"), (8, "joint")):
    fa = [r[1] for r in a if r[14] & bit]
    fb = [r[1] for r in b if r[14] & bit]
    print(f"front {name}: {len(fa)} points single, {len(fb)} mpi: {'identical' if fa == fb else 'DIFFERENT'}")
    ok = ok and fa == fb
print("RESULT:", "same points and Pareto fronts" if ok else "DIFFERENT")
sys.exit(0 if ok else 1)
PY
