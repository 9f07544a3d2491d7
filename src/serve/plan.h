// SPDX-License-Identifier: Apache-2.0
// Fleet planning: the cheapest deployment per chip type that serves a traffic at an SLO, with
// chips, servers, power and cost; chip unit cost from parts; a DLRM-style recommendation model.
#ifndef SC_SERVE_PLAN_H
#define SC_SERVE_PLAN_H

#include "chip/chip.h"
#include "runtime/llm_perf.h"
#include "util/util.h"

/* ---- Chip cost from its config (docs/PLANNING.md, "Chip price"). ---- */
typedef struct sc_chip_cost {
    double die_area_mm2, die_usd, hbm_usd, lpddr_usd, package_usd, board_usd;
    double built_usd; /* die + memory + package + board */
    double price_usd; /* unit_price when the config gives one, else built_usd */
} sc_chip_cost;
void sc_chip_cost_model(const sc_chip *c, sc_chip_cost *out);

/* ---- Recommendation model (DLRM-style: embedding tables + MLPs). ---- */
typedef struct sc_rec_model {
    char name[32];
    int n_tables, emb_dim, emb_bytes; /* bytes per element as served (fp16/bf16 = 2) */
    double rows_total;                /* all tables */
    double lookups_per_sample;        /* multi-hot pooling: rows read per sample */
    double macs_per_sample;           /* bottom MLP + interaction + top MLP */
    double mlp_params;
    int mlp_layers; /* kernels per batch (launch overheads) */
} sc_rec_model;
sc_status sc_rec_model_find(const char *name, sc_rec_model *out, sc_err *err);
double sc_rec_model_bytes(const sc_rec_model *m);

/* ---- Planner ---- */
typedef struct sc_plan_params {
    const char *model; /* zoo LLM or recommendation model ("dlrm-v2") */
    double traffic;    /* LLM: requests/s; recommendation: queries/s */
    int input_len;     /* LLM: prompt tokens; recommendation: candidate items scored per query */
    int output_len;    /* LLM: output tokens; recommendation: unused */
    double slo_ttft;   /* LLM: p90 TTFT target; recommendation: p99 query latency target */
    double slo_tpot;   /* LLM: p90 TPOT target */
    sc_llm_prec prec;
    double max_util; /* plan replicas at most this busy (default 0.85) */
    double pue, usd_per_kwh, years;
    int verify;            /* 1 = check the chosen LLM deployment with the serving simulator */
    double verify_seconds; /* simulated seconds for that check (default 300) */
    uint64_t seed;
} sc_plan_params;
sc_plan_params sc_plan_default_params(void);

typedef struct sc_plan_option {
    char chip[64];
    int feasible;
    char reason[256]; /* why not, when infeasible */
    int tp, pp, batch, replicas, chips, servers, chips_per_replica;
    double ttft_s, tpot_s;   /* predicted at the operating point (recommendation: latency) */
    double replica_capacity; /* requests (queries)/s one replica sustains at max_util */
    double utilization;      /* traffic / (replicas x capacity) */
    double output_tok_s;     /* fleet output tokens/s at the traffic (LLM) */
    double chip_usd, capex_usd, power_w, energy_usd_year, tco_usd_year, usd_per_mtok;
    double weights_gb_per_chip, kv_gb_per_chip;
    int verified;                      /* simulator check ran */
    double sim_ttft_p90, sim_tpot_p90; /* from the simulator */
    double sim_slo_attainment;
    int candidates; /* deployments evaluated */
} sc_plan_option;

/* Cheapest (lowest annual cost of ownership) deployment of p->model on chip meeting the SLO.
 * Infeasible is not an error: out->feasible = 0 with the reason. */
sc_status sc_plan_chip(const sc_plan_params *p, const sc_chip *chip, sc_plan_option *out,
                       sc_err *err);

/* Annual cost and power of n chips (servers, PUE, energy price): fills the cost fields. */
void sc_plan_costs(const sc_plan_params *p, const sc_chip *chip, sc_plan_option *o);

#endif
