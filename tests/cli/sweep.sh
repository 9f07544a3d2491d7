#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip sweep`: every point stored, killed mid-run then --resume gives the same results and
# Pareto fronts as an uninterrupted run, resume refuses another space, one-line errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

cat > "$T/space.yaml" <<'Y'
base: seedchip-1
workloads:
  - {model: llama-3-8b, chips: 1, batch: 16, input_len: 1024, output_len: 128}
parameters:
  hbm.stacks: [2, 4, 6]
  clock: [1.2GHz, 1.5GHz]
  mem:
    - {name: hbm3e, set: {hbm.generation: HBM3E}}
    - {name: hbm4, set: {hbm.generation: HBM4, hbm.bus_width: 2048, hbm.channels: 32, hbm.pin_rate: 8Gbps}}
  shared_sram.size: [32MiB, 64MiB]
Y
"$BIN" sweep "$T/space.yaml" --db "$T/full.sqlite" --quiet > "$T/full.txt"
grep -q "24 design points, 24 evaluated" "$T/full.txt"
py_check "$(sql_rows "$T/full.sqlite" 'select count(*) from points where ok = 1 and perf > 0')[0][0] == 24" "all points ok"
front=$(sql_rows "$T/full.sqlite" 'select idx, pareto from points order by idx')
py_check "$(sql_rows "$T/full.sqlite" 'select count(*) from points where pareto & 1')[0][0] >= 2" "cost front"
# more HBM bandwidth (HBM4, same stacks and clock) never loses on this decode-bound workload
py_check "$(sql_rows "$T/full.sqlite" "select count(*) from points a join points b on a.key = replace(b.key, 'mem=hbm3e', 'mem=hbm4') where b.key like '%hbm3e%' and a.perf < b.perf")[0][0] == 0" "HBM4 >= HBM3E"

# killed mid-run: the committed points survive; --resume finishes the rest
"$BIN" sweep "$T/space.yaml" --db "$T/part.sqlite" --quiet > /dev/null &
pid=$!
for _ in $(seq 1 200); do
    n=$(sql_rows "$T/part.sqlite" 'select count(*) from points' 2>/dev/null | tr -dc 0-9 || echo 0)
    [ "${n:-0}" -ge 5 ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
n=$(sql_rows "$T/part.sqlite" 'select count(*) from points' | tr -dc 0-9)
py_check "5 <= $n < 24" "killed after some points ($n)"
"$BIN" sweep "$T/space.yaml" --db "$T/part.sqlite" --resume --quiet > "$T/resume.txt"
grep -q "24 design points, $((24 - n)) evaluated" "$T/resume.txt" || { cat "$T/resume.txt"; echo "FAIL: resume count"; exit 1; }
[ "$(sql_rows "$T/part.sqlite" 'select idx, pareto from points order by idx')" = "$front" ] || { echo "FAIL: fronts differ after resume"; exit 1; }
py_check "$(sql_rows "$T/part.sqlite" 'select count(*) from points a join (select key, perf from points) b using (key)')[0][0] == 24" "no duplicates"

# resume against another space is refused; a fresh run empties the database
sed 's/1.2GHz/1.1GHz/' "$T/space.yaml" > "$T/other.yaml"
set +e
err=$("$BIN" sweep "$T/other.yaml" --db "$T/part.sqlite" --resume 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" = 2 ] && echo "$err" | grep -q "different sweep space" || { echo "FAIL: resume other space: $rc $err"; exit 1; }

printf 'base: seedchip-1\nworkloads: [{model: llama-3-8b}]\nparameters:\n  clock: 1GHz\n' > "$T/bad.yaml"
reject_each sweep "" "$T/missing.yaml" "$T/bad.yaml" "$T/space.yaml --db" "$T/space.yaml --bogus" \
    "$T/space.yaml --db $T/nodir/x.sqlite"
err=$("$BIN" sweep "$T/bad.yaml" 2>&1 || true)
echo "$err" | grep -q "bad.yaml:4" || { echo "FAIL: error names file:line: $err"; exit 1; }
"$BIN" sweep --help | grep -q "usage: seedchip sweep"
echo "sweep: ok"
