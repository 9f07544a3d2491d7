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
