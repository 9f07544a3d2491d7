// SPDX-License-Identifier: Apache-2.0
// Fleet planner: searches parallelism and batch per chip for the cheapest deployment meeting the
// SLO (LLM step times from llm_perf, checked with the serving simulator; DLRM analytically).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"
#include "serve/plan.h"
#include "serve/serve.h"

static const int k_tp[] = {1, 2, 4, 8, 16};
static const int k_pp[] = {1, 2, 4, 8};

typedef struct llm_cand {
    int tp, pp, batch, replicas;
    double ttft, tpot, cap, tco;
    sc_llm_memory mem;
} llm_cand;

static int better(const sc_plan_option *o, double tco, int chips) {
    return !o->feasible || tco < o->tco_usd_year * (1 - 1e-9) ||
           (fabs(tco - o->tco_usd_year) <= 1e-9 * tco && chips < o->chips);
}

static void take(const sc_plan_params *p, const sc_chip *chip, sc_plan_option *o,
                 const llm_cand *c) {
    o->feasible = 1;
    o->tp = c->tp;
    o->pp = c->pp;
    o->batch = c->batch;
    o->replicas = c->replicas;
    o->chips_per_replica = c->tp * c->pp;
    o->chips = c->replicas * c->tp * c->pp;
    o->ttft_s = c->ttft;
    o->tpot_s = c->tpot;
    o->replica_capacity = c->cap;
    o->utilization = p->traffic / (c->replicas * c->cap / p->max_util);
    o->weights_gb_per_chip = c->mem.weights / 1e9;
    o->kv_gb_per_chip = c->mem.kv_cache / 1e9;
    sc_plan_costs(p, chip, o);
}

static double cand_tco(const sc_plan_params *p, const sc_chip *chip, int chips) {
    sc_plan_option t = {.chips = chips};
    sc_plan_costs(p, chip, &t);
    return t.tco_usd_year;
}

/* Steady state at batch B: each iteration decodes B tokens and carries B x I / O prompt tokens
 * (every request's prefill spread over its output). TTFT: the iterations that carry a new prompt
 * in chunks of what the engine's token budget leaves beside the B decodes (as serve-sim runs it).
 */
static sc_status eval_batch(const sc_plan_params *p, sc_llm_perf *perf, int B, llm_cand *c,
                            sc_err *err) {
    double I = p->input_len, O = p->output_len;
    sc_llm_step mix = {B, I + O / 2, (int)ceil(B * I / O), I / 2};
    sc_status st = sc_llm_perf_step(perf, &mix, &c->tpot, NULL, err);
    int budget = sc_serve_default_params().token_budget, chunk = SC_MAX(1, budget - B);
    c->ttft = 0;
    for (int done = 0; st == SC_OK && done < p->input_len; done += chunk) {
        int n = SC_MIN(chunk, p->input_len - done);
        sc_llm_step first = {B, I + O / 2, n, done + n / 2.0};
        double t = 0;
        st = sc_llm_perf_step(perf, &first, &t, NULL, err);
        c->ttft += t;
    }
    c->cap = B / (O * c->tpot) * p->max_util;
    c->batch = B;
    return st;
}

typedef struct cand_list {
    llm_cand v[512];
    size_t n;
} cand_list;

/* Searches batch sizes for one parallelism; every one meeting the SLO becomes a candidate.
 * Kernel timings go through `timer`, shared by every parallelism on the chip: a kernel shape
 * that two splits share (the same per-chip GEMM, attention or norm) is simulated once. */
static sc_status search_deploy(const sc_plan_params *p, const sc_llm_arch *a,
                               const sc_llm_deploy *d, sc_llm_gemm_timer *timer, cand_list *cl,
                               sc_err *err) {
    int ctx = p->input_len + p->output_len;
    sc_llm_perf *perf = NULL;
    sc_err e2 = {0};
    if (sc_llm_perf_create_shared(a, d, timer, &perf, &e2) != SC_OK)
        return SC_OK; /* not a valid split */
    sc_status st = SC_OK;
    for (int B = 1; B <= 1024 && st == SC_OK && cl->n < SC_ARRAY_LEN(cl->v); B *= 2) {
        llm_cand c = {.tp = d->tp, .pp = d->pp};
        if (sc_llm_memory_plan(a, d, B, ctx, &c.mem, &e2) != SC_OK || !c.mem.fits) break;
        st = eval_batch(p, perf, B, &c, err);
        if (st != SC_OK || c.tpot > p->slo_tpot || c.ttft > p->slo_ttft) break;
        c.replicas = (int)ceil(p->traffic / c.cap);
        c.tco = cand_tco(p, d->chip, c.replicas * d->chips);
        cl->v[cl->n++] = c;
    }
    sc_llm_perf_destroy(perf);
    return st;
}

static int by_tco(const void *x, const void *y) {
    const llm_cand *a = x, *b = y;
    if (a->tco != b->tco) return a->tco < b->tco ? -1 : 1;
    int ca = a->replicas * a->tp * a->pp, cb = b->replicas * b->tp * b->pp;
    return ca < cb ? -1 : ca > cb;
}

/* Runs the serving simulator on one replica at its share of the traffic. */
static sc_status simulate(const sc_plan_params *p, sc_serve_llm *m, const sc_plan_option *o,
                          sc_serve_result *r, sc_err *err) {
    sc_serve_params sp = sc_serve_default_params();
    sp.max_batch = o->batch;
    sp.slo_ttft = p->slo_ttft;
    sp.slo_tpot = p->slo_tpot;
    sc_serve_workload w = sc_serve_default_workload();
    w.rate = p->traffic / o->replicas;
    w.duration = p->verify_seconds;
    w.seed = p->seed;
    w.prompt = (sc_len_dist){SC_LEN_FIXED, p->input_len, 0, 1, 0};
    w.output = (sc_len_dist){SC_LEN_FIXED, p->output_len, 0, 1, 0};
    return sc_serve_run(sc_serve_llm_engine(m), &sp, &w, NULL, 0, r, err);
}

/* Checks a deployment by simulation; adds replicas (up to 3 more) until p90 TTFT and TPOT meet
 * the SLO, because the steady-state estimate ignores queueing bursts. Returns SC_OK with
 * o->feasible = 0 when it never does. */
static sc_status verify(const sc_plan_params *p, const sc_llm_arch *a, const sc_chip *chip,
                        sc_plan_option *o, sc_err *err) {
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = chip;
    d.tp = o->tp;
    d.pp = o->pp;
    d.chips = o->tp * o->pp;
    d.prec = p->prec;
    /* One engine for every replica count: its step times (kernels timed on the executor, cached
     * per shape) do not depend on the traffic, so the re-runs cost no new kernel timings. */
    sc_serve_llm *m = NULL;
    sc_status st = sc_serve_llm_create(a, &d, &m, err);
    for (int extra = 0; st == SC_OK && extra <= 3; extra++) {
        sc_serve_result r;
        st = simulate(p, m, o, &r, err);
        if (st != SC_OK) break;
        o->verified = 1;
        o->sim_ttft_p90 = r.ttft.p90;
        o->sim_tpot_p90 = r.tpot.p90;
        o->sim_slo_attainment = r.slo_attainment;
        int ok = r.ttft.p90 <= p->slo_ttft && r.tpot.p90 <= p->slo_tpot && r.unfinished == 0;
        sc_serve_result_free(&r);
        if (ok) {
            sc_serve_llm_destroy(m);
            return SC_OK;
        }
        o->replicas++;
        o->chips = o->replicas * o->chips_per_replica;
        o->utilization = p->traffic / (o->replicas * o->replica_capacity / p->max_util);
        sc_plan_costs(p, chip, o);
    }
    sc_serve_llm_destroy(m);
    if (st != SC_OK) return st;
    snprintf(o->reason, sizeof o->reason, "simulated p90 TTFT %.3f s / TPOT %.4f s miss the SLO",
             o->sim_ttft_p90, o->sim_tpot_p90);
    o->feasible = 0;
    return SC_OK;
}

/* The cheapest candidates in order; the first that the simulator confirms wins (at most 4 are
 * simulated: each check costs a serving simulation). */
static sc_status choose(const sc_plan_params *p, const sc_llm_arch *a, const sc_chip *chip,
                        cand_list *cl, sc_plan_option *o, sc_err *err) {
    qsort(cl->v, cl->n, sizeof cl->v[0], by_tco);
    o->candidates = (int)cl->n;
    for (size_t k = 0; k < cl->n && k < (p->verify ? 4u : 1u); k++) {
        take(p, chip, o, &cl->v[k]);
        o->output_tok_s = p->traffic * p->output_len;
        if (!p->verify) return SC_OK;
        sc_status st = verify(p, a, chip, o, err);
        if (st != SC_OK || o->feasible) return st;
    }
    return SC_OK;
}

static sc_status plan_llm(const sc_plan_params *p, const sc_llm_arch *a, const sc_chip *chip,
                          sc_plan_option *o, sc_err *err) {
    cand_list *cl = calloc(1, sizeof *cl);
    if (!cl) return sc_err_set(err, SC_ERR_NOMEM, "plan: out of memory");
    sc_llm_gemm_timer *timer = NULL;
    sc_status st = sc_llm_gemm_timer_create(chip, &timer, err);
    /* Pipeline stages run one after another for a micro-batch (llm_perf), so pp > 1 only adds
     * memory: it is searched only when no tensor-parallel split alone meets the SLO. */
    for (size_t j = 0; j < SC_ARRAY_LEN(k_pp) && st == SC_OK && !(j > 0 && cl->n); j++)
        for (size_t i = 0; i < SC_ARRAY_LEN(k_tp) && st == SC_OK; i++) {
            sc_llm_deploy d = sc_llm_deploy_default();
            d.chip = chip;
            d.tp = k_tp[i];
            d.pp = k_pp[j];
            d.chips = d.tp * d.pp;
            d.prec = p->prec;
            if (a->n_experts > 0 && a->n_experts % d.chips == 0) d.ep = d.chips;
            st = search_deploy(p, a, &d, timer, cl, err);
        }
    sc_llm_gemm_timer_destroy(timer);
    if (st == SC_OK && cl->n) st = choose(p, a, chip, cl, o, err);
    if (st == SC_OK && cl->n == 0)
        snprintf(o->reason, sizeof o->reason,
                 "no tp x pp <= 128 and batch meets TTFT %.3g s and TPOT %.3g s with the model "
                 "in memory",
                 p->slo_ttft, p->slo_tpot);
    free(cl);
    return st;
}

/* ---- recommendation ---- */

/* Fraction of HBM peak that random row-sized reads reach, from the chip's DRAM model. */
static double random_efficiency(const sc_dram_cfg *cfg, int row_bytes) {
    sc_mem *m = NULL;
    sc_err err = {0};
    sc_mem_params mp = sc_mem_default_params();
    if (sc_mem_create(cfg, &mp, &m, &err) != SC_OK) return 0.3; /* documented fallback */
    sc_mem_stream s = sc_mem_default_stream();
    s.pattern = SC_MEM_PAT_RANDOM;
    s.bytes = 2u << 20;
    s.access_bytes = (uint64_t)row_bytes;
    s.outstanding = 4096;
    sc_mem_stream_result r;
    sc_mem_summary su = {0};
    if (sc_mem_run_stream(m, &s, &r, &err) == SC_OK) sc_mem_summarize(m, &su);
    sc_mem_destroy(m);
    return su.fraction_of_peak > 0.01 ? su.fraction_of_peak : 0.3;
}

typedef struct rec_ctx {
    sc_rec_model m;
    double eff_hbm, eff_lp, hbm_bw, lp_bw, hbm_cap, lp_cap;
} rec_ctx;

/* Seconds for one batch of n samples on a replica of k chips (tables sharded k ways, MLPs data
 * parallel, pooled embeddings exchanged all-to-all). */
static double rec_batch_time(const rec_ctx *x, const sc_chip *c, int k, double n) {
    const sc_rec_model *m = &x->m;
    double row = (double)m->emb_dim * m->emb_bytes;
    double emb_chip = m->rows_total * row / k, in_hbm = x->hbm_cap * 0.9 - m->mlp_params * 2;
    double f_lp = emb_chip > in_hbm ? (emb_chip - in_hbm) / emb_chip : 0;
    double bytes = n * m->lookups_per_sample * row / k;
    double t_emb = bytes * (1 - f_lp) / (x->hbm_bw * x->eff_hbm) +
                   (f_lp > 0 ? bytes * f_lp / (x->lp_bw * x->eff_lp) : 0);
    double t_mlp =
        2 * n / k * m->macs_per_sample / (sc_chip_peak_flops(c, SC_DTYPE_BF16) * c->eff_matmul) +
        m->mlp_layers * c->kernel_launch_s;
    double t_a2a = 0;
    if (k > 1)
        t_a2a = n / k * m->n_tables * row * (k - 1) / k / (c->link_count * c->link_bw) +
                c->collective_latency_s;
    return t_emb + t_mlp + t_a2a;
}

static int rec_fits(const rec_ctx *x, int k) {
    double need = x->m.rows_total * x->m.emb_dim * x->m.emb_bytes / k + x->m.mlp_params * 2;
    return need <= 0.9 * (x->hbm_cap + x->lp_cap);
}

static sc_status plan_rec(const sc_plan_params *p, const sc_rec_model *m, const sc_chip *chip,
                          sc_plan_option *o) {
    rec_ctx x = {.m = *m};
    int row = m->emb_dim * m->emb_bytes;
    x.eff_hbm = random_efficiency(&chip->hbm, row) * chip->eff_memory;
    x.hbm_bw = sc_dram_bandwidth(&chip->hbm);
    x.hbm_cap = sc_dram_capacity(&chip->hbm);
    if (chip->lpddr.present) {
        x.eff_lp = random_efficiency(&chip->lpddr, row) * chip->eff_memory;
        x.lp_bw = sc_dram_bandwidth(&chip->lpddr);
        x.lp_cap = sc_dram_capacity(&chip->lpddr);
    }
    for (int k = 1; k <= 64; k *= 2) {
        if (!rec_fits(&x, k)) continue;
        for (int q = 1; q <= 1 << 14; q *= 2) {
            double t = rec_batch_time(&x, chip, k, (double)q * p->input_len);
            /* a query waits for its batch to fill and then to run: p99 latency ~ 2 x batch time */
            if (2 * t > p->slo_ttft) break;
            llm_cand c = {.tp = k, .pp = 1, .batch = q, .ttft = 2 * t, .tpot = 0};
            c.cap = q / t * p->max_util;
            c.replicas = (int)ceil(p->traffic / c.cap);
            c.mem.weights = sc_rec_model_bytes(m) / k;
            o->candidates++;
            double tco = cand_tco(p, chip, c.replicas * k);
            if (better(o, tco, c.replicas * k)) take(p, chip, o, &c);
        }
    }
    if (!o->feasible)
        snprintf(o->reason, sizeof o->reason,
                 "no sharding up to 64 chips holds the tables and meets %.3g s per query",
                 p->slo_ttft);
    return SC_OK;
}

sc_status sc_plan_chip(const sc_plan_params *p, const sc_chip *chip, sc_plan_option *out,
                       sc_err *err) {
    memset(out, 0, sizeof *out);
    sc_strlcpy(out->chip, chip->name, sizeof out->chip);
    if (!(p->traffic > 0) || p->input_len < 1 || p->output_len < 1 || !(p->slo_ttft > 0) ||
        !(p->max_util > 0 && p->max_util <= 1) || !(p->years > 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "plan: traffic, lengths, SLO, utilisation and years must be positive");
    sc_rec_model rm;
    if (sc_rec_model_find(p->model, &rm, NULL) == SC_OK) return plan_rec(p, &rm, chip, out);
    if (!(p->slo_tpot > 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "plan: --slo-tpot must be positive");
    sc_llm_arch a;
    sc_status st = sc_llm_zoo_find(p->model, &a, err);
    if (st != SC_OK) return st;
    return plan_llm(p, &a, chip, out, err);
}
