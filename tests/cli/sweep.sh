#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip sweep`: every point stored, killed mid-run then --resume gives the same results and
# Pareto fronts as an uninterrupted run, resume refuses another space, one-line errors.
set -euo pipefail
BIN="$1"
SRC="$2"
command -v python3 >/dev/null || exit 77
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
check() { python3 -c "import sys; sys.exit(0 if ($1) else 1)" || { echo "FAIL: $2 ($1)"; exit 1; }; }
rows() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchall())' "$1" "$2"; }

cat > "$TMP/space.yaml" <<'Y'
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
"$BIN" sweep "$TMP/space.yaml" --db "$TMP/full.sqlite" --quiet > "$TMP/full.txt"
grep -q "24 design points, 24 evaluated" "$TMP/full.txt"
check "$(rows "$TMP/full.sqlite" 'select count(*) from points where ok = 1 and perf > 0')[0][0] == 24" "all points ok"
front=$(rows "$TMP/full.sqlite" 'select idx, pareto from points order by idx')
check "$(rows "$TMP/full.sqlite" 'select count(*) from points where pareto & 1')[0][0] >= 2" "cost front"
# more HBM bandwidth (HBM4, same stacks and clock) never loses on this decode-bound workload
check "$(rows "$TMP/full.sqlite" "select count(*) from points a join points b on a.key = replace(b.key, 'mem=hbm3e', 'mem=hbm4') where b.key like '%hbm3e%' and a.perf < b.perf")[0][0] == 0" "HBM4 >= HBM3E"

# killed mid-run: the committed points survive; --resume finishes the rest
"$BIN" sweep "$TMP/space.yaml" --db "$TMP/part.sqlite" --quiet > /dev/null &
pid=$!
for _ in $(seq 1 200); do
    n=$(rows "$TMP/part.sqlite" 'select count(*) from points' 2>/dev/null | tr -dc 0-9 || echo 0)
    [ "${n:-0}" -ge 5 ] && break
    sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
n=$(rows "$TMP/part.sqlite" 'select count(*) from points' | tr -dc 0-9)
check "5 <= $n < 24" "killed after some points ($n)"
"$BIN" sweep "$TMP/space.yaml" --db "$TMP/part.sqlite" --resume --quiet > "$TMP/resume.txt"
grep -q "24 design points, $((24 - n)) evaluated" "$TMP/resume.txt" || { cat "$TMP/resume.txt"; echo "FAIL: resume count"; exit 1; }
[ "$(rows "$TMP/part.sqlite" 'select idx, pareto from points order by idx')" = "$front" ] || { echo "FAIL: fronts differ after resume"; exit 1; }
check "$(rows "$TMP/part.sqlite" 'select count(*) from points a join (select key, perf from points) b using (key)')[0][0] == 24" "no duplicates"

# resume against another space is refused; a fresh run empties the database
sed 's/1.2GHz/1.1GHz/' "$TMP/space.yaml" > "$TMP/other.yaml"
set +e
err=$("$BIN" sweep "$TMP/other.yaml" --db "$TMP/part.sqlite" --resume 2>&1 >/dev/null)
rc=$?
set -e
[ "$rc" = 2 ] && echo "$err" | grep -q "different sweep space" || { echo "FAIL: resume other space: $rc $err"; exit 1; }

printf 'base: seedchip-1\nworkloads: [{model: llama-3-8b}]\nparameters:\n  clock: 1GHz\n' > "$TMP/bad.yaml"
for args in "" "$TMP/missing.yaml" "$TMP/bad.yaml" "$TMP/space.yaml --db" "$TMP/space.yaml --bogus" \
            "$TMP/space.yaml --db $TMP/nodir/x.sqlite"; do
    set +e
    err=$("$BIN" sweep $args 2>&1 >/dev/null)
    rc=$?
    set -e
    [ "$rc" = 2 ] || { echo "FAIL: '$args' exit $rc: $err"; exit 1; }
    [ "$(echo "$err" | wc -l)" = 1 ] || { echo "FAIL: '$args' stderr not one line: $err"; exit 1; }
done
err=$("$BIN" sweep "$TMP/bad.yaml" 2>&1 || true)
echo "$err" | grep -q "bad.yaml:4" || { echo "FAIL: error names file:line: $err"; exit 1; }
"$BIN" sweep --help | grep -q "usage: seedchip sweep"
echo "sweep: ok"
