// SPDX-License-Identifier: Apache-2.0
// Chip unit cost from its parts, fleet power and cost of ownership, and the recommendation model.
#include <math.h>
#include <string.h>

#include "chip/chip.h"
#include "serve/plan.h"

void sc_chip_cost_model(const sc_chip *c, sc_chip_cost *out) {
    memset(out, 0, sizeof *out);
    /* Die = cores + shared SRAM + NoC + one PHY per HBM stack + I/O (docs/ARCHITECTURE.md,
     * "Area and cost"); LPDDR PHYs are part of area.io (seedchip-1-lite raises it). */
    out->die_area_mm2 = c->cores * c->area_core_mm2 + c->area_shared_sram_mm2 + c->area_noc_mm2 +
                        c->hbm.stacks * c->area_hbm_phy_mm2 + c->area_io_mm2;
    out->die_usd = out->die_area_mm2 * c->die_cost_per_mm2;
    out->hbm_usd = sc_dram_capacity(&c->hbm) / 1e9 * c->hbm.cost_per_gb;
    if (c->lpddr.present) out->lpddr_usd = sc_dram_capacity(&c->lpddr) / 1e9 * c->lpddr.cost_per_gb;
    out->package_usd = c->package_cost;
    out->board_usd = c->board_cost;
    out->built_usd =
        out->die_usd + out->hbm_usd + out->lpddr_usd + out->package_usd + out->board_usd;
    out->price_usd = c->unit_price > 0 ? c->unit_price : out->built_usd;
}

sc_plan_params sc_plan_default_params(void) {
    sc_plan_params p = {
        .traffic = 10,
        .input_len = 2048,
        .output_len = 256,
        .slo_ttft = 2.0,
        .slo_tpot = 0.05,
        .prec = SC_LLM_FP8,
        .max_util = 0.85,
        .pue = 1.3,          /* Uptime Institute 2023 survey: average data-centre PUE ~1.58; new
                                AI halls are built for 1.2-1.4 */
        .usd_per_kwh = 0.08, /* US industrial electricity, EIA 2023 average ~$0.08/kWh */
        .years = 4,          /* straight-line depreciation of accelerator servers */
        .verify = 1,
        .verify_seconds = 300,
        .seed = 1,
    };
    return p;
}

void sc_plan_costs(const sc_plan_params *p, const sc_chip *chip, sc_plan_option *o) {
    sc_chip_cost cc;
    sc_chip_cost_model(chip, &cc);
    o->servers = (int)ceil(o->chips / chip->chips_per_server);
    o->chip_usd = cc.price_usd;
    o->capex_usd = o->chips * cc.price_usd + o->servers * chip->server_cost;
    /* Provisioned power: every chip at TDP plus each server's host, times the facility PUE. */
    o->power_w = (o->chips * chip->tdp_w + o->servers * chip->server_overhead_w) * p->pue;
    o->energy_usd_year = o->power_w / 1000.0 * 8766.0 * p->usd_per_kwh;
    o->tco_usd_year = o->capex_usd / p->years + o->energy_usd_year;
}

/* ---- Recommendation models ----
 * dlrm-v2: the MLPerf Inference DLRM-DCNv2 model on Criteo 1TB multi-hot (mlcommons/inference,
 * recommendation/dlrm_v2): 26 sparse features, one table each, dimension 128, tables capped at
 * 40M rows: 204,184,588 rows in all (104.5 GB in fp32; served here in fp16, 52.3 GB). Multi-hot
 * sizes 3,2,1,2,6,1,1,1,1,7,3,8,1,6,9,5,1,1,1,12,100,27,10,3,1,1 = 214 rows per sample.
 * Bottom MLP 13-512-256-128 (0.17M MACs); DCNv2 interaction: 3 low-rank (512) cross layers on
 * 27 x 128 = 3456 features (3 x 2 x 3456 x 512 = 10.6M MACs); top MLP 3456-1024-1024-512-256-1
 * (5.24M MACs): 16.0M MACs per sample; 16.0M MLP parameters; 10 kernels per batch. */
static const sc_rec_model k_rec[] = {
    {"dlrm-v2", 26, 128, 2, 204184588.0, 214, 16.0e6, 16.0e6, 10},
};

sc_status sc_rec_model_find(const char *name, sc_rec_model *out, sc_err *err) {
    for (size_t i = 0; i < SC_ARRAY_LEN(k_rec); i++)
        if (name && strcmp(name, k_rec[i].name) == 0) return (*out = k_rec[i]), SC_OK;
    return sc_err_set(err, SC_ERR_NOT_FOUND, "unknown recommendation model '%s' (known: dlrm-v2)",
                      name ? name : "");
}

double sc_rec_model_bytes(const sc_rec_model *m) {
    return m->rows_total * m->emb_dim * m->emb_bytes + m->mlp_params * m->emb_bytes;
}
