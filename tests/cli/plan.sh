#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `seedchip plan`: cheapest deployment per chip for Llama-3-70B and a DLRM-style model, its cost
# arithmetic, monotonicity in traffic, and one-line errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh" "$@"
need_cmd python3
export SEEDCHIP_CONFIG_DIR="$SRC/configs"

"$BIN" plan --model llama-3-70b --traffic 10 --input-len 2048 --output-len 256 --slo-ttft 2 \
    --slo-tpot 0.05 --chips seedchip-1,h200-sxm --verify-seconds 30 -o "$T/llm.json" > "$T/llm.txt"
grep -q "cost of ownership per year" "$T/llm.txt"
python3 - "$T/llm.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["kind"] == "plan" and len(d["options"]) == 2
for o in d["options"]:
    assert o["feasible"], o
    assert o["chips"] == o["replicas"] * o["tp"] * o["pp"], o
    assert o["servers"] == math.ceil(o["chips"] / 8), o
    assert o["ttft_s"] <= 2 and o["tpot_s"] <= 0.05, o
    assert o["verified"] and o["sim_ttft_p90_s"] <= 2 and o["sim_tpot_p90_s"] <= 0.05, o
    # the configs' cost.server, power.tdp and cost.server_overhead_power
    server, tdp, host = {"seedchip-1": (45000, 500, 1800), "h200-sxm": (60000, 700, 4500)}[o["chip"]]
    assert abs(o["capex_usd"] - (o["chips"] * o["chip_usd"] + o["servers"] * server)) < 1, o
    # power = (chips x TDP + servers x host power) x PUE 1.3; energy at $0.08/kWh
    assert abs(o["power_w"] - (o["chips"] * tdp + o["servers"] * host) * 1.3) < 1e-6, o
    assert abs(o["energy_usd_per_year"] - o["power_w"] / 1000 * 8766 * 0.08) < 1e-6, o
    assert abs(o["tco_usd_per_year"] - (o["capex_usd"] / 4 + o["energy_usd_per_year"])) < 1e-6, o
    assert o["replicas"] * o["replica_capacity"] >= 10 * 0.999, o
a, b = d["options"]
assert a["chip_usd"] < 5000 and b["chip_usd"] == 32000
print("llm plan ok")
PY

# recommendation model, against the GPUs; more traffic never needs fewer chips
for q in 20000 200000; do
    "$BIN" plan --model dlrm-v2 --traffic $q --input-len 256 --slo-ttft 0.02 \
        --chips seedchip-1,seedchip-1-lite,h200-sxm --json > "$T/rec$q.json"
done
python3 - "$T/rec20000.json" "$T/rec200000.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert [o["chip"] for o in a["options"]] == ["seedchip-1", "seedchip-1-lite", "h200-sxm"]
for x, y in zip(a["options"], b["options"]):
    assert x["feasible"] and y["feasible"], (x, y)
    assert y["chips"] >= x["chips"] and y["tco_usd_per_year"] >= x["tco_usd_per_year"], (x, y)
    assert y["ttft_s"] <= 0.02
assert a["options"][2]["chip_usd"] == 32000
print("rec plan ok")
PY
"$BIN" plan --model dlrm-v2 --traffic 20000 --input-len 256 --slo-ttft 0.02 --chips seedchip-1 | grep -q "query latency"

# an impossible SLO is reported per chip, not an error
"$BIN" plan --model llama-3-70b --traffic 1 --slo-tpot 0.0001 --chips seedchip-1 --no-verify --json > "$T/no.json"
py_check "not __import__('json').load(open('$T/no.json'))['options'][0]['feasible']" "infeasible SLO"

reject_each plan "--model llama-3-70b --traffic 1" "--model nope --traffic 1 --chips seedchip-1" \
    "--model llama-3-70b --traffic 0 --chips seedchip-1" \
    "--model llama-3-70b --traffic 1 --chips seedchip-1,nochip" \
    "--model llama-3-70b --traffic 1 --chips seedchip-1 --precision fp4" "--frobnicate"
"$BIN" plan --help | grep -q "usage: seedchip plan"
echo "plan: ok"
