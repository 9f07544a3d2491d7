#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mpirun -np 2 seedchip sweep`: two ranks split the points, rank 0 writes the database, and the
# results and Pareto fronts equal a single-process run. Skips (77) without mpirun or MPI support.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
need_cmd mpirun
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
# Open MPI and its plugins keep allocations past MPI_Finalize (LeakSanitizer reports them from
# libmpi and unnamed plugin modules); leak checking of the sweep itself is done by cli_sweep.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

cat > "$T/space.yaml" <<'Y'
base: seedchip-1
workloads:
  - {model: llama-3-8b, chips: 1, batch: 16, input_len: 1024, output_len: 128}
parameters:
  hbm.stacks: [2, 4, 6, 8]
  clock: [1.2GHz, 1.5GHz, 1.8GHz]
Y
"$BIN" sweep "$T/space.yaml" --db "$T/one.sqlite" --quiet > "$T/one.txt"
mpirun -np 2 "$BIN" sweep "$T/space.yaml" --db "$T/two.sqlite" --quiet > "$T/two.txt" 2>&1 || {
    cat "$T/two.txt"; echo "FAIL: mpirun"; exit 1; }
if ! grep -q "2 ranks" "$T/two.txt"; then
    echo "seedchip built without MPI: skip"
    exit 77
fi
# exact floats: results cross ranks as JSON, which must not round them (17 digits)
q='select idx, key, perf, chip_usd, power_w, perf_per_w, pareto from points order by idx'
[ "$(sql_rows "$T/one.sqlite" "$q")" = "$(sql_rows "$T/two.sqlite" "$q")" ] || { echo "FAIL: results differ under mpirun"; exit 1; }
[ "$(sql_rows "$T/two.sqlite" 'select count(*) from points')" = "[(12,)]" ] || { echo "FAIL: point count"; exit 1; }
echo "sweep under mpirun -np 2: ok"
