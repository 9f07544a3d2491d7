// SPDX-License-Identifier: Apache-2.0
// Figures derived from a chip description: peaks, bandwidths, capacities, ridge point.
#include <string.h>

#include "chip/chip.h"
#include "util/util.h"

double sc_chip_peak_flops(const sc_chip *c, sc_dtype t) {
    if ((unsigned)t >= SC_DTYPE_COUNT) return 0;
    /* One MAC = 2 FLOPs; every core's array runs every cycle at peak. */
    return 2.0 * c->cores * (double)c->sa_rows * c->sa_cols * c->clock_hz * c->mma_rate[t];
}

/* FP8's two formats share one energy and rate entry (E4M3's). */
static sc_dtype mma_slot(sc_dtype t) {
    return t == SC_DTYPE_FP8_E5M2 ? SC_DTYPE_FP8_E4M3 : t;
}

double sc_chip_mma_power(const sc_chip *c, sc_dtype t) {
    if ((unsigned)t >= SC_DTYPE_COUNT) return 0;
    return sc_chip_peak_flops(c, mma_slot(t)) / 2.0 * c->e_mac[mma_slot(t)];
}

double sc_chip_mma_clock_fraction(const sc_chip *c, sc_dtype t) {
    double budget = c->tdp_w - c->idle_w, p = sc_chip_mma_power(c, t);
    return budget > 0 && p > budget ? budget / p : 1.0;
}

/* Dynamic power taken at the MACs alone (energy.mac includes delivering their operands): the
 * rest of a compute-bound GEMM's energy is small beside it, and a rate bound on MACs holds for
 * any schedule, so the executor and llm_perf's extrapolated GEMMs apply the same floor. */
double sc_chip_mma_power_seconds(const sc_chip *c, sc_dtype t, double macs) {
    double budget = c->tdp_w - c->idle_w;
    if ((unsigned)t >= SC_DTYPE_COUNT || budget <= 0 || macs <= 0) return 0;
    return macs * c->e_mac[mma_slot(t)] / budget;
}

double sc_dram_bandwidth(const sc_dram_cfg *d) {
    if (!d->present) return 0;
    return d->stacks * (double)d->bus_bits * d->pin_rate / 8.0;
}

double sc_dram_capacity(const sc_dram_cfg *d) {
    if (!d->present) return 0;
    return d->stacks * d->capacity_per_stack;
}

sc_status sc_chip_summarize(const sc_chip *c, sc_chip_summary *o) {
    if (!c || !o) return SC_ERR_INVALID_ARG;
    memset(o, 0, sizeof *o);
    sc_strlcpy(o->name, c->name, sizeof o->name);
    sc_strlcpy(o->kind, c->kind, sizeof o->kind);
    for (int t = 0; t < SC_DTYPE_COUNT; t++)
        o->peak_tflops[t] = sc_chip_peak_flops(c, (sc_dtype)t) / 1e12;
    double bw = sc_dram_bandwidth(&c->hbm);
    o->hbm_bandwidth_gbs = bw / 1e9;
    o->hbm_capacity_gb = sc_dram_capacity(&c->hbm) / 1e9;
    o->capacity_tier_gb = sc_dram_capacity(&c->lpddr) / 1e9;
    o->capacity_tier_bandwidth_gbs = sc_dram_bandwidth(&c->lpddr) / 1e9;
    o->sram_total_mib = (c->cores * c->scratchpad_bytes + c->shared_sram_bytes) / 1048576.0;
    o->ridge_flop_per_byte = bw > 0 ? sc_chip_peak_flops(c, SC_DTYPE_BF16) / bw : 0;
    o->tdp_w = c->tdp_w;
    o->clock_ghz = c->clock_hz / 1e9;
    o->cores = c->cores;
    o->link_bandwidth_gbs = c->link_count * c->link_bw / 1e9;
    return SC_OK;
}
