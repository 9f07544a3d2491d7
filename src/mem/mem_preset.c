// SPDX-License-Identifier: Apache-2.0
// Reference DRAM parts (HBM3E, HBM3, LPDDR5X) for tests and `membench --preset`; sources in docs.
#include <string.h>

#include "mem/mem.h"

#define NS  1e-9
#define GIB (1024.0 * 1024.0 * 1024.0)

/* HBM3E 12-high, 9.6 Gb/s/pin: 1024 pins = 16 channels x 2 pseudo-channels x 32 bits.
 * One PC moves 32 B per BL8 burst in 0.833 ns (38.4 GB/s); 32 PCs give 1228.8 GB/s per stack.
 * Timings are JEDEC-style round numbers (see docs/VALIDATION.md "HBM model"). */
static void hbm3_common(sc_dram_cfg *c) {
    c->present = 1;
    c->stacks = 1;
    c->bus_bits = 1024;
    c->channels = 16;
    c->pseudo_channels = 2;
    c->bank_groups = 4;
    c->banks_per_group = 4;
    c->row_bytes = 1024;
    c->burst_bytes = 32;
    c->tRCD = 14 * NS;
    c->tRP = 14 * NS;
    c->tCL = 14 * NS;
    c->tRAS = 28 * NS;
    c->tRRD_S = 2 * NS;
    c->tRRD_L = 3 * NS;
    c->tFAW = 16 * NS;
    c->tWR = 16 * NS;
    c->tRTW = 6 * NS;
    c->tWTR = 4 * NS;
    c->tRFC = 220 * NS;
    c->tREFI = 3900 * NS;
    c->controller_latency = 80 * NS;
}

static void hbm3e_12h(sc_dram_cfg *c) {
    hbm3_common(c);
    strcpy(c->generation, "HBM3E");
    c->capacity_per_stack = 36 * GIB; /* 12 x 24 Gb dies */
    c->pin_rate = 9.6e9;
    c->tCCD_S = 0.8334 * NS; /* 2 tCK at 2.4 GHz = one BL8 burst */
    c->tCCD_L = 1.6667 * NS;
    c->cost_per_gb = 15;
}

static void hbm3_8h(sc_dram_cfg *c) {
    hbm3_common(c);
    strcpy(c->generation, "HBM3");
    c->capacity_per_stack = 16 * GIB; /* 8 x 16 Gb dies */
    c->pin_rate = 6.4e9;
    c->tCCD_S = 1.25 * NS;
    c->tCCD_L = 2.5 * NS;
    c->cost_per_gb = 12;
}

/* LPDDR5X-8533 package: 4 x16 channels, BL16 = 32 B per burst, bank-group mode (4 x 4). */
static void lpddr5x(sc_dram_cfg *c) {
    c->present = 1;
    strcpy(c->generation, "LPDDR5X");
    c->stacks = 1;
    c->capacity_per_stack = 16 * GIB;
    c->pin_rate = 8.533e9;
    c->bus_bits = 64;
    c->channels = 4;
    c->pseudo_channels = 1;
    c->bank_groups = 4;
    c->banks_per_group = 4;
    c->row_bytes = 2048;
    c->burst_bytes = 32;
    c->tRCD = 18 * NS;
    c->tRP = 18 * NS;
    c->tCL = 20 * NS;
    c->tRAS = 42 * NS;
    c->tRRD_S = 5 * NS;
    c->tRRD_L = 5 * NS;
    c->tFAW = 20 * NS;
    c->tWR = 34 * NS;
    c->tRTW = 8 * NS;
    c->tWTR = 10 * NS;
    c->tCCD_S = 1.875 * NS; /* BL16 at 8533 MT/s */
    c->tCCD_L = 3.75 * NS;
    c->tRFC = 280 * NS;
    c->tREFI = 3906 * NS;
    c->controller_latency = 50 * NS;
    c->cost_per_gb = 4;
}

static const struct {
    const char *name;
    void (*fill)(sc_dram_cfg *);
} PRESETS[] = {
    {"hbm3e-12h", hbm3e_12h},
    {"hbm3-8h", hbm3_8h},
    {"lpddr5x", lpddr5x},
};

sc_status sc_mem_preset(const char *name, sc_dram_cfg *out, sc_err *err) {
    if (!name || !out) return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_preset: NULL argument");
    for (size_t i = 0; i < SC_ARRAY_LEN(PRESETS); i++) {
        if (strcmp(name, PRESETS[i].name) == 0) {
            memset(out, 0, sizeof *out);
            PRESETS[i].fill(out);
            return SC_OK;
        }
    }
    return sc_err_set(err, SC_ERR_NOT_FOUND, "unknown DRAM preset '%s' (known: %s)", name,
                      sc_mem_preset_names());
}

const char *sc_mem_preset_names(void) {
    return "hbm3e-12h, hbm3-8h, lpddr5x";
}
