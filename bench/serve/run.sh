#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Speed of the serving simulator: the issue's 10-simulated-minute Llama-3-70B run (8 x SeedChip-1,
# 10 req/s) timed on this machine, as wall and CPU seconds and as simulated-seconds per wall-second.
# The target (< 30 s wall) is checked here, not in a timed unit test. usage: bench/serve/run.sh [BIN]
set -euo pipefail
BIN="${1:-build/seedchip}"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
export SEEDCHIP_CONFIG_DIR="$SRC/configs"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() { # label, simulated seconds, then serve-sim arguments
    local label="$1" sim="$2"
    shift 2
    /usr/bin/time -f '%e %U %S %M' -o "$TMP/t" "$BIN" serve-sim "$@" --json >"$TMP/o.json"
    read -r wall user sys rss <"$TMP/t"
    python3 - "$TMP/o.json" "$label" "$sim" "$wall" "$user" "$sys" "$rss" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
label, sim, wall, user, sysc, rss = sys.argv[2], float(sys.argv[3]), *map(float, sys.argv[4:])
ok = "meets" if wall < 30 else "MISSES"
print(f"| {label} | {d['completed']} req, {d['output_tokens_per_s']:.0f} tok/s | {wall:.2f} | "
      f"{user + sysc:.2f} | {sim / max(wall, 1e-3):.0f}x | {rss / 1024:.0f} | {ok} (< 30 s) |")
PY
}

echo "| run | simulated result | wall s | CPU s | simulated/wall | max RSS MB | target |"
echo "|---|---|---|---|---|---|---|"
run "llama-3-70b, 8 x seedchip-1, 10 req/s, 600 s" 600 --model llama-3-70b --chip seedchip-1 \
    --chips 8 --rate 10 --duration 600 --slo-ttft 2 --slo-tpot 0.1
run "llama-3-70b, 8 x h200-sxm, 10 req/s, 600 s" 600 --model llama-3-70b --chip h200-sxm \
    --chips 8 --rate 10 --duration 600 --slo-ttft 2 --slo-tpot 0.1
