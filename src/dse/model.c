// SPDX-License-Identifier: Apache-2.0
// Per-component area, power and cost of a chip design, scaled from a reference design's figures
// (docs/DSE.md, "Component model", gives each constant's source).
#include <math.h>
#include <string.h>

#include "dse/dse.h"

/* Split of the reference tensor core's 19 mm2 (docs/ARCHITECTURE.md "Area and cost"): 12.5 mm2
 * of MACs, 3.5 mm2 of scratchpad SRAM, 3 mm2 of vector unit and control. */
#define CORE_MAC_FRAC  (12.5 / 19.0)
#define CORE_SPAD_FRAC (3.5 / 19.0)
#define CORE_VEC_FRAC  (3.0 / 19.0)
/* N4-class 300 mm wafer ~$17k; defect density 0.1 /cm2 with clustering alpha 3 (negative
 * binomial yield, as in the usual die-yield calculators). */
#define WAFER_USD       17000.0
#define WAFER_DIAM_MM   300.0
#define DEFECTS_PER_MM2 0.001
#define YIELD_ALPHA     3.0
/* Interposer footprint of one HBM stack (11 x 10 mm package, JEDEC HBM3 outline). */
#define HBM_FOOTPRINT_MM2 110.0
/* Share of cycles the scratchpad banks are busy at full MMA rate (18 of 49 TB/s, ARCHITECTURE). */
#define SPAD_DUTY 0.37

static double ratio(double a, double b) {
    return b > 0 ? a / b : 1.0;
}

static double dies_per_wafer(double area) {
    double r = WAFER_DIAM_MM / 2;
    return M_PI * r * r / area - M_PI * WAFER_DIAM_MM / sqrt(2 * area);
}

static void area_model(const sc_chip *c, const sc_chip *ref, sc_dse_phys *o) {
    double mac = ratio((double)c->sa_rows * c->sa_cols, (double)ref->sa_rows * ref->sa_cols);
    o->area_core_mm2 =
        c->area_core_mm2 *
        (CORE_MAC_FRAC * mac + CORE_SPAD_FRAC * ratio(c->scratchpad_bytes, ref->scratchpad_bytes) +
         CORE_VEC_FRAC * ratio(c->vec_lanes, ref->vec_lanes));
    double sram = c->area_shared_sram_mm2 * ratio(c->shared_sram_bytes, ref->shared_sram_bytes);
    double noc = c->area_noc_mm2 * ratio(c->cores, ref->cores);
    /* A wider stack interface needs a proportionally larger PHY, unless the design sets its own. */
    double phy = c->area_hbm_phy_mm2;
    if (c->area_hbm_phy_mm2 == ref->area_hbm_phy_mm2)
        phy *= ratio(c->hbm.bus_bits, ref->hbm.bus_bits);
    double io = c->area_io_mm2 * (0.5 + 0.5 * ratio(c->link_count, ref->link_count));
    o->area_die_mm2 = c->cores * o->area_core_mm2 + sram + noc + c->hbm.stacks * phy + io;
}

static void cost_model(const sc_chip *c, const sc_chip *ref, double ref_die, sc_dse_phys *o) {
    double a = o->area_die_mm2;
    o->dies_per_wafer = dies_per_wafer(a);
    o->yield = pow(1 + a * DEFECTS_PER_MM2 / YIELD_ALPHA, -YIELD_ALPHA);
    o->die_usd = o->dies_per_wafer > 1 ? WAFER_USD / (o->dies_per_wafer * o->yield) : 1e9;
    o->hbm_usd = sc_dram_capacity(&c->hbm) / 1e9 * c->hbm.cost_per_gb;
    o->lpddr_usd = c->lpddr.present ? sc_dram_capacity(&c->lpddr) / 1e9 * c->lpddr.cost_per_gb : 0;
    double fp = a + c->hbm.stacks * HBM_FOOTPRINT_MM2;
    double ref_fp = ref_die + ref->hbm.stacks * HBM_FOOTPRINT_MM2;
    o->package_usd = c->package_cost * ratio(fp, ref_fp);
    o->board_usd = c->board_cost;
    o->chip_usd = o->die_usd + o->hbm_usd + o->lpddr_usd + o->package_usd + o->board_usd;
}

/* Every unit at full rate at once (the ARCHITECTURE power table): dynamic energy per op scales
 * with V^2, and V tracks the clock between 0.5x and 1x of its reference value. */
static void power_model(const sc_chip *c, const sc_chip *ref, double ref_die, sc_dse_phys *o) {
    double v = 0.5 + 0.5 * ratio(c->clock_hz, ref->clock_hz), v2 = v * v;
    double macs = (double)c->cores * c->sa_rows * c->sa_cols * c->clock_hz;
    double p_mac = macs * c->e_mac[SC_DTYPE_BF16] * v2;
    double p_vec = (double)c->cores * c->vec_lanes * c->clock_hz * c->e_vec_op * v2;
    double spad_bw =
        (double)c->cores * c->scratchpad_banks * c->scratchpad_bank_width * c->clock_hz;
    double p_sram =
        (spad_bw * SPAD_DUTY * c->e_scratchpad_byte +
         c->shared_sram_bw * ratio(c->clock_hz, ref->clock_hz) * c->e_shared_sram_byte) *
        v2;
    double p_mem = sc_dram_bandwidth(&c->hbm) * c->e_hbm_byte;
    if (c->lpddr.present) p_mem += sc_dram_bandwidth(&c->lpddr) * c->e_lpddr_byte;
    double p_link = c->link_count * c->link_bw * 2 * c->e_link_byte;
    double p_static = c->idle_w * ratio(o->area_die_mm2, ref_die);
    o->power_w = p_mac + p_vec + p_sram + p_mem + p_link + p_static;
}

void sc_dse_phys_model(const sc_chip *c, const sc_chip *ref, sc_dse_phys *out) {
    memset(out, 0, sizeof *out);
    sc_dse_phys r;
    memset(&r, 0, sizeof r);
    area_model(ref, ref, &r);
    area_model(c, ref, out);
    cost_model(c, ref, r.area_die_mm2, out);
    power_model(c, ref, r.area_die_mm2, out);
    out->hbm_gb = sc_dram_capacity(&c->hbm) / 1e9;
    out->hbm_tbs = sc_dram_bandwidth(&c->hbm) / 1e12;
    out->bf16_tflops = sc_chip_peak_flops(c, SC_DTYPE_BF16) / 1e12;
}
