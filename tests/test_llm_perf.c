// SPDX-License-Identifier: Apache-2.0
// LLM performance model: zoo hyper-parameters, memory plan by hand, step times from the executor.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/gemm.h"
#include "compiler/llmk.h"
#include "helpers/testutil.h"
#include "runtime/llm_perf.h"
#include "runtime/llm_perf_internal.h"
#include "sim/sim.h"

static sc_chip *load_chip(const char *name, const char *const *ov, size_t n_ov) {
    sc_chip *c = NULL;
    char err[512];
    sc_chip_load_params p = sc_chip_load_default_params();
    p.config_dir = tu_src_path("configs");
    p.overrides = ov, p.n_overrides = n_ov;
    if (sc_chip_load(name, &p, &c, err, sizeof err) != SC_OK) fail_msg("%s", err);
    return c;
}

static sc_llm_arch zoo(const char *name) {
    sc_llm_arch a;
    sc_err err = {0};
    if (sc_llm_zoo_find(name, &a, &err) != SC_OK) fail_msg("%s", err.msg);
    return a;
}

static void assert_near(double got, double want, double rel, const char *what) {
    if (fabs(got - want) > rel * fabs(want))
        fail_msg("%s: got %.6g, want %.6g (+-%.1f%%)", what, got, want, rel * 100);
}

/* Published parameter counts (model cards / papers): total and, for MoE, active per token. */
static void test_zoo_param_counts(void **state) {
    (void)state;
    struct {
        const char *name;
        double total, active;
    } k[] = {
        {"llama-2-7b", 6.74e9, 6.74e9},  {"llama-2-13b", 13.0e9, 13.0e9},
        {"llama-2-70b", 69.0e9, 69.0e9}, {"llama-3-8b", 8.03e9, 8.03e9},
        {"llama-3-70b", 70.6e9, 70.6e9}, {"llama-3.1-405b", 405.9e9, 405.9e9},
        {"mistral-7b", 7.24e9, 7.24e9},  {"mixtral-8x7b", 46.7e9, 12.9e9},
        {"qwen2.5-72b", 72.7e9, 72.7e9}, {"deepseek-v3", 671e9, 37.5e9},
        {"gpt-j-6b", 6.05e9, 6.05e9},
    };
    assert_int_equal(sc_llm_zoo_count(), SC_ARRAY_LEN(k));
    for (size_t i = 0; i < SC_ARRAY_LEN(k); i++) {
        sc_llm_arch a = zoo(k[i].name);
        assert_string_equal(a.name, k[i].name);
        assert_near(sc_llm_param_count(&a), k[i].total, 0.01, k[i].name);
        assert_near(sc_llm_active_param_count(&a), k[i].active, 0.01, k[i].name);
    }
    assert_null(sc_llm_zoo_name(sc_llm_zoo_count()));
    sc_llm_arch a;
    sc_err err = {0};
    assert_int_equal(sc_llm_zoo_find("llama-9", &a, &err), SC_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "llama-9"));
    assert_non_null(strstr(err.msg, "deepseek-v3"));
}

/* Llama-3-70B, 8-way TP, FP8, computed by hand:
 *  per layer: Q,O 2 x 8192 x 8192 + K,V 2 x 8192 x 1024 = 150,994,944 / 8 = 18,874,368 B;
 *  MLP 3 x 8192 x 28672 / 8 = 88,080,384 B; norms 4 x 8192 x 2 B = 65,536 B -> 107,020,288 B;
 *  x 80 layers = 8,561,623,040 B; embedding (bf16) 128256 x 8192 / 8 x 2 = 262,668,288 B;
 *  classifier (fp8) 131,334,144 B. Total 8,955,625,472 B per chip.
 *  KV per token: 80 layers x (K + V) x 1 KV head x 128 x 1 B = 20,480 B. */
static void test_memory_plan_by_hand(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_arch a = zoo("llama-3-70b");
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = c, d.chips = 8, d.tp = 8, d.prec = SC_LLM_FP8;
    sc_llm_memory m;
    sc_err err = {0};
    assert_int_equal(sc_llm_memory_plan(&a, &d, 64, 2304, &m, &err), SC_OK);
    assert_near(m.weights, 8955625472.0, 1e-9, "weights");
    assert_near(m.kv_per_token, 20480.0, 1e-12, "kv per token");
    assert_near(m.kv_cache, 20480.0 * 64 * 2304, 1e-12, "kv cache");
    assert_near(m.capacity, 144e9, 1e-6, "capacity");
    assert_true(m.fits);
    assert_near(m.kv_capacity_tokens, floor((m.capacity - m.weights - m.activations) / 20480.0),
                1e-12, "kv capacity");
    /* w4a16: 0.5156 B per weight; bf16: 2 B per weight (embedding stays bf16 in both). */
    sc_llm_memory w4, b16;
    d.prec = SC_LLM_W4A16;
    assert_int_equal(sc_llm_memory_plan(&a, &d, 64, 2304, &w4, &err), SC_OK);
    d.prec = SC_LLM_BF16;
    assert_int_equal(sc_llm_memory_plan(&a, &d, 64, 2304, &b16, &err), SC_OK);
    double layers_fp8 = 8561623040.0 - 80 * 65536.0;
    assert_near(w4.weights - 262668288.0 - 80 * 65536.0,
                (layers_fp8 + 131334144.0) * (0.5 + 2.0 / 128), 1e-9, "w4a16 weights");
    assert_near(b16.kv_per_token, 2 * 20480.0, 1e-12, "bf16 kv");
    sc_chip_destroy(c);
}

static void test_does_not_fit(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_arch a = zoo("llama-3.1-405b");
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = c;
    sc_llm_memory m;
    sc_err err = {0};
    assert_int_equal(sc_llm_memory_plan(&a, &d, 1, 1024, &m, &err), SC_OK);
    assert_false(m.fits);
    assert_non_null(strstr(m.reason, "does not fit"));
    assert_true(m.weights > 800e9);
    /* DeepSeek-V3 MLA: the latent cache (512 + 64 per layer) is replicated on every TP chip. */
    sc_llm_arch ds = zoo("deepseek-v3");
    d.chips = d.tp = 8, d.prec = SC_LLM_FP8;
    assert_int_equal(sc_llm_memory_plan(&ds, &d, 1, 1024, &m, &err), SC_OK);
    assert_near(m.kv_per_token, 61 * 576.0, 1e-12, "mla kv");
    assert_true(m.fits);
    sc_chip_destroy(c);
}

static void test_bad_deploys(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_arch a = zoo("llama-2-7b");
    sc_llm_deploy d = sc_llm_deploy_default();
    sc_llm_memory m;
    sc_llm_perf *p = NULL;
    sc_err err = {0};
    assert_int_equal(sc_llm_memory_plan(&a, &d, 1, 1, &m, &err), SC_ERR_INVALID_ARG); /* no chip */
    d.chip = c, d.chips = 8, d.tp = 4;
    sc_err_clear(&err);
    assert_int_equal(sc_llm_perf_create(&a, &d, &p, &err), SC_ERR_INVALID_ARG);
    assert_null(p);
    assert_non_null(strstr(err.msg, "tp x pp"));
    d.chips = d.tp = 3; /* 32 heads */
    sc_err_clear(&err);
    assert_int_equal(sc_llm_memory_plan(&a, &d, 1, 1, &m, &err), SC_ERR_INVALID_ARG);
    d.chips = d.tp = 2, d.ep = 2;
    sc_err_clear(&err);
    assert_int_equal(sc_llm_memory_plan(&a, &d, 1, 1, &m, &err), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "expert"));
    sc_llm_perf_destroy(NULL);
    sc_chip_destroy(c);
}

/* The attention kernel does exactly the MMA work of flash attention: per item and block,
 * S = Q K^T (m x blk x dk) and O += P V (m x dv x blk). */
static void test_attention_kernel_work(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llmk_attn_params p = sc_llmk_attn_default_params();
    p.items = 5, p.n_blocks = 3, p.m_rows = 8, p.dk = 576, p.dv = 512, p.v_in_k = 1;
    sc_program *prog = NULL;
    int blk = 0;
    sc_err err = {0};
    assert_int_equal(sc_llmk_attn_build(c, &p, &prog, &blk, &err), SC_OK);
    assert_int_equal(blk, c->sa_cols);
    assert_int_equal(sc_program_cores(prog), 5);
    double macs = 0;
    for (int core = 0; core < sc_program_cores(prog); core++) {
        size_t n = 0;
        const sc_insn *code = sc_program_code(prog, core, SC_QUEUE_COMPUTE, &n);
        for (size_t i = 0; i < n; i++)
            if (code[i].op == SC_OP_MMAI)
                macs += (double)code[i].v[3] * code[i].v[4] * code[i].v[5];
    }
    assert_near(macs, 5.0 * 3 * (8.0 * blk * 576 + 8.0 * 512 * blk), 1e-12, "attention MACs");
    sc_program_destroy(prog);
    /* Items taller than the array run row tiles over each block: same MACs, one KV stream. */
    p.m_rows = 2 * c->sa_rows + 3;
    assert_int_equal(sc_llmk_attn_build(c, &p, &prog, &blk, &err), SC_OK);
    macs = 0;
    for (int core = 0; core < sc_program_cores(prog); core++) {
        size_t n = 0;
        const sc_insn *code = sc_program_code(prog, core, SC_QUEUE_COMPUTE, &n);
        for (size_t i = 0; i < n; i++)
            if (code[i].op == SC_OP_MMAI) {
                assert_true(code[i].v[3] <= (int64_t)c->sa_rows);
                macs += (double)code[i].v[3] * code[i].v[4] * code[i].v[5];
            }
    }
    double m = p.m_rows;
    assert_near(macs, 5.0 * 3 * (m * blk * 576 + m * 512 * blk), 1e-12, "row-tiled MACs");
    sc_program_destroy(prog);
    p.m_rows = 1025;
    assert_int_equal(sc_llmk_attn_build(c, &p, &prog, &blk, &err), SC_ERR_INVALID_ARG);
    sc_chip_destroy(c);
}

static sc_llm_perf *perf(sc_chip *c, const char *model, int tp, sc_llm_prec prec) {
    sc_llm_arch a = zoo(model);
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = c, d.chips = d.tp = tp, d.prec = prec;
    sc_llm_perf *p = NULL;
    sc_err err = {0};
    if (sc_llm_perf_create(&a, &d, &p, &err) != SC_OK) fail_msg("%s", err.msg);
    return p;
}

static double step(sc_llm_perf *p, int n_decode, double ctx, int prefill, double pctx,
                   sc_llm_breakdown *bd) {
    sc_llm_step s = {n_decode, ctx, prefill, pctx};
    double sec = 0;
    sc_err err = {0};
    if (sc_llm_perf_step(p, &s, &sec, bd, &err) != SC_OK) fail_msg("%s", err.msg);
    return sec;
}

/* Decode of a 7B model at batch 1 streams every weight once: the step can't beat the HBM
 * roofline and a well-pipelined chip stays within 2x of it. Parts add up; contexts cost. */
static void test_decode_step_roofline(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_perf *p = perf(c, "llama-2-7b", 1, SC_LLM_BF16);
    sc_llm_breakdown bd;
    double t = step(p, 1, 512, 0, 0, &bd);
    sc_llm_arch a = zoo("llama-2-7b");
    double roof = sc_llm_param_count(&a) * 2.0 / sc_dram_bandwidth(&c->hbm);
    if (t < roof || t > 2.0 * roof)
        fail_msg("decode %.3f ms vs roofline %.3f ms", t * 1e3, roof * 1e3);
    double sum =
        bd.matmul_s + bd.attention_s + bd.norm_act_s + bd.collective_s + bd.moe_s + bd.other_s;
    assert_near(sum, t, 1e-9, "breakdown sums to the step");
    assert_true(bd.matmul_s > 0.8 * t);
    assert_true(bd.attention_s > 0 && bd.norm_act_s > 0 && bd.collective_s == 0);
    /* Longer contexts and bigger batches cost more attention; prefill is compute-heavy. */
    double t_long = step(p, 32, 4096, 0, 0, &bd);
    double att_long = bd.attention_s;
    step(p, 32, 1024, 0, 0, &bd);
    assert_true(att_long > 3.0 * bd.attention_s);
    assert_true(t_long > t);
    double pre = step(p, 0, 0, 2048, 1024, &bd);
    double flops = 2.0 * sc_llm_param_count(&a) * 2048;
    assert_true(pre > flops / sc_chip_peak_flops(c, SC_DTYPE_BF16));
    sc_llm_perf_destroy(p);
    sc_chip_destroy(c);
}

/* Steps are cached per shape: repeating calls runs no more programs, and many calls are fast. */
static void test_cache_and_speed(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_perf *p = perf(c, "llama-2-7b", 1, SC_LLM_FP8);
    double first = step(p, 16, 700, 0, 0, NULL);
    long runs = sc_llm_perf_sim_runs(p);
    assert_true(runs > 0);
    assert_true(step(p, 16, 700, 0, 0, NULL) == first);
    assert_int_equal(sc_llm_perf_sim_runs(p), runs);
    /* Contexts interpolate inside a fitted bucket: no new executor runs for other contexts (the
     * count is the property; how fast the lookups are is bench/llm's business, not a test's). */
    for (int i = 0; i < 20000; i++)
        step(p, 16, 100 + (i % 4000), 0, 0, NULL);
    assert_int_equal(sc_llm_perf_sim_runs(p), runs);
    sc_llm_perf_destroy(p);
    sc_chip_destroy(c);
}

/* FP8 halves the weight bytes of a memory-bound decode; tensor parallelism splits them (4 chips
 * at least 1.67x faster: the all-reduces of 64 layer halves cost ~1 ms on a 7B model). */
static void test_precision_and_tp(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_perf *b = perf(c, "llama-2-7b", 1, SC_LLM_BF16),
                *f = perf(c, "llama-2-7b", 1, SC_LLM_FP8);
    sc_llm_perf *t4 = perf(c, "llama-2-7b", 4, SC_LLM_BF16);
    sc_llm_breakdown bd;
    double tb = step(b, 8, 512, 0, 0, NULL), tf = step(f, 8, 512, 0, 0, NULL);
    double tt = step(t4, 8, 512, 0, 0, &bd);
    if (tf < 0.4 * tb || tf > 0.8 * tb) fail_msg("fp8 %.3f ms vs bf16 %.3f ms", tf * 1e3, tb * 1e3);
    if (tt > 0.6 * tb) fail_msg("tp4 %.3f ms vs tp1 %.3f ms", tt * 1e3, tb * 1e3);
    assert_true(bd.collective_s > 0);
    sc_llm_perf_destroy(b);
    sc_llm_perf_destroy(f);
    sc_llm_perf_destroy(t4);
    sc_chip_destroy(c);
}

/* GPU configs: the calibrated efficiencies and launch overheads are honoured. */
static void test_gpu_efficiency_honoured(void **state) {
    (void)state;
    /* No step overhead, so that other_s is the launches (and the embedding gather) alone. */
    const char *lo[] = {"efficiency.memory=0.45", "efficiency.kernel_launch=0",
                        "efficiency.step_overhead=0"};
    const char *hi[] = {"efficiency.memory=0.9", "efficiency.kernel_launch=0",
                        "efficiency.step_overhead=0"};
    const char *launch[] = {"efficiency.memory=0.9", "efficiency.kernel_launch=20us",
                            "efficiency.step_overhead=0"};
    sc_chip *cl = load_chip("h100-sxm", lo, 3), *ch = load_chip("h100-sxm", hi, 3);
    sc_chip *cn = load_chip("h100-sxm", launch, 3);
    sc_llm_perf *pl = perf(cl, "llama-2-7b", 1, SC_LLM_BF16),
                *ph = perf(ch, "llama-2-7b", 1, SC_LLM_BF16);
    sc_llm_perf *pn = perf(cn, "llama-2-7b", 1, SC_LLM_BF16);
    double tl = step(pl, 1, 256, 0, 0, NULL), th = step(ph, 1, 256, 0, 0, NULL);
    sc_llm_breakdown bd;
    double tn = step(pn, 1, 256, 0, 0, &bd);
    if (tl < 1.6 * th || tl > 2.2 * th)
        fail_msg("eff 0.45: %.3f ms, 0.9: %.3f ms", tl * 1e3, th * 1e3);
    /* ~10 kernels per layer x 32 layers at 20 us each. */
    if (bd.other_s < 32 * 8 * 20e-6) fail_msg("launch overhead %.3f ms", bd.other_s * 1e3);
    assert_near(tn - th, bd.other_s, 0.05, "launch time adds");
    sc_llm_perf_destroy(pl);
    sc_llm_perf_destroy(ph);
    sc_llm_perf_destroy(pn);
    sc_chip_destroy(cl);
    sc_chip_destroy(ch);
    sc_chip_destroy(cn);
}

/* The serving mechanisms GPU configs add (docs/VALIDATION.md, "LLM rows"): attention time divides
 * by efficiency.attention, every step pays efficiency.step_overhead once, a grouped-query model
 * read per query head (no XQA) streams its KV g times, and tensor-parallel all-reduces take
 * NCCL's model (sc_gpu_allreduce_seconds), not an executor ring. */
static void test_gpu_serving_mechanisms(void **state) {
    (void)state;
    const char *base_ov[] = {"efficiency.attention=1", "efficiency.step_overhead=0",
                             "efficiency.attention_floor=0"};
    const char *slow_ov[] = {"efficiency.attention=0.5", "efficiency.step_overhead=2ms",
                             "efficiency.attention_floor=0"};
    sc_chip *cb = load_chip("h100-sxm", base_ov, 3), *cs = load_chip("h100-sxm", slow_ov, 3);
    sc_llm_perf *pb = perf(cb, "mistral-7b", 1, SC_LLM_FP8),
                *ps = perf(cs, "mistral-7b", 1, SC_LLM_FP8);
    sc_llm_breakdown bb, bs;
    double tb = step(pb, 64, 2048, 0, 0, &bb), ts = step(ps, 64, 2048, 0, 0, &bs);
    assert_near(bs.attention_s, 2 * bb.attention_s, 1e-9, "attention / efficiency.attention");
    assert_near(bs.other_s - bb.other_s, 2e-3, 1e-9, "one step overhead per step");
    assert_near(ts - tb, bb.attention_s + 2e-3, 1e-9, "nothing else moves");
    /* Mistral-7B: 32 query heads over 8 KV heads; decode attention reads ~4x the KV bytes. */
    sc_llm_arch a = zoo("mistral-7b");
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = cb, d.prec = SC_LLM_FP8, d.kv_per_query_head = 1;
    sc_llm_perf *pq = NULL;
    sc_err err = {0};
    assert_int_equal(sc_llm_perf_create(&a, &d, &pq, &err), SC_OK);
    sc_llm_breakdown bq;
    step(pq, 64, 2048, 0, 0, &bq);
    if (bq.attention_s < 2.5 * bb.attention_s || bq.attention_s > 5 * bb.attention_s)
        fail_msg("per-head KV reads: %.3f ms vs grouped %.3f ms", bq.attention_s * 1e3,
                 bb.attention_s * 1e3);
    /* Llama-2-70B TP4 prefill of 2048 tokens: 160 all-reduces of 2048 x 8192 bf16. */
    sc_llm_perf *p4 = perf(cb, "llama-2-70b", 4, SC_LLM_FP8);
    sc_llm_breakdown b4;
    step(p4, 0, 0, 2048, 1024, &b4);
    assert_near(b4.collective_s, 160 * sc_gpu_allreduce_seconds(cb, 2048.0 * 8192 * 2, 4), 1e-9,
                "TP all-reduce through NCCL's model");
    sc_llm_perf_destroy(pb);
    sc_llm_perf_destroy(ps);
    sc_llm_perf_destroy(pq);
    sc_llm_perf_destroy(p4);
    sc_chip_destroy(cb);
    sc_chip_destroy(cs);
}

/* A GEMM too big to simulate on every call is fitted from three sub-problems with its tiles
 * (one round of 4 and 8 K steps, two rounds of 4); the fit must agree with simulating the whole
 * program, also when K is short and each round's C stores weigh (as in 802816 x 192 x 768). */
static void check_gemm_fit(const sc_chip *c, uint64_t k, uint32_t tk) {
    sc_gemm_params p = sc_gemm_default_params();
    p.m = 32768, p.n = 512, p.k = k, p.in_dtype = SC_DTYPE_FP8_E4M3;
    p.tm = 512, p.tn = 512, p.tk = tk; /* 64 tiles: 4 rounds on 16 cores, 8 K steps */
    lp_timer *t = NULL;
    sc_err err = {0};
    assert_int_equal(lp_timer_create(c, &t, &err), SC_OK);
    double fit = 0;
    assert_int_equal(lp_gemm_tiled(t, &p, &fit, &err), SC_OK);
    assert_int_equal(lp_timer_runs(t), 3); /* three sub-problems, not the whole program */
    sc_program *prog = NULL;
    assert_int_equal(sc_gemm_build(c, &p, &prog, NULL, &err), SC_OK);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sp.race_check = 0;
    sc_sim *sim = NULL;
    assert_int_equal(sc_sim_create(c, &sp, &sim, &err), SC_OK);
    assert_int_equal(sc_sim_run(sim, prog, NULL, 0, &err), SC_OK);
    sc_sim_stats st;
    sc_sim_get_stats(sim, &st);
    assert_near(fit, st.seconds, 0.10, "fitted vs whole GEMM");
    sc_sim_destroy(sim);
    sc_program_destroy(prog);
    lp_timer_destroy(t);
}

static void test_gemm_fit_matches_whole_run(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    check_gemm_fit(c, 8192, 1024);
    check_gemm_fit(c, 1024, 128);
    sc_chip_destroy(c);
}

/* Pipeline stages add a send/recv per stage boundary and split nothing else of the latency;
 * expert parallelism adds all-to-all traffic and only runs the experts tokens reach. */
static void test_pp_and_ep(void **state) {
    (void)state;
    sc_chip *c = load_chip("seedchip-1", NULL, 0);
    sc_llm_arch a = zoo("llama-2-7b");
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = c, d.chips = 2, d.tp = 1, d.pp = 2;
    sc_llm_perf *pp = NULL, *one = perf(c, "llama-2-7b", 1, SC_LLM_BF16);
    sc_err err = {0};
    assert_int_equal(sc_llm_perf_create(&a, &d, &pp, &err), SC_OK);
    sc_llm_breakdown bd;
    double t2 = step(pp, 8, 512, 0, 0, &bd), t1 = step(one, 8, 512, 0, 0, NULL);
    assert_true(bd.collective_s > 0);
    /* Each stage's chip pins a share of its half of the weights in its own shared SRAM (twice
     * the one chip's share), so the stages in sequence are at most a little faster. */
    assert_true(t2 - bd.collective_s <= t1 * (1 + 1e-12));
    assert_near(t2 - bd.collective_s, t1, 2e-3, "pp stages in sequence");
    sc_llm_perf_destroy(pp);
    sc_llm_perf_destroy(one);

    sc_llm_arch m = zoo("mixtral-8x7b");
    d.chips = d.tp = 2, d.pp = 1, d.ep = 2;
    sc_llm_perf *ep = NULL;
    assert_int_equal(sc_llm_perf_create(&m, &d, &ep, &err), SC_OK);
    double t_one = step(ep, 1, 256, 0, 0, &bd);
    assert_true(bd.moe_s > 0 && bd.collective_s > 0);
    double moe_one = bd.moe_s;
    double t_many = step(ep, 64, 256, 0, 0, &bd);
    /* One token reaches 2 of 8 experts; 64 tokens reach all of them: more weights are read. */
    assert_true(bd.moe_s > 2.0 * moe_one);
    assert_true(t_many > t_one);
    sc_llm_perf_destroy(ep);
    sc_chip_destroy(c);
}

/* Shared SRAM holds a pinned share of the weights (half the SRAM over the chip's weights): a
 * larger SRAM makes a memory-bound decode step faster, by no more than the pinned bytes' HBM
 * time; a compute-bound prefill step keeps its time; GPUs (hardware L2) pin nothing. */
static void test_shared_sram_residency(void **state) {
    (void)state;
    const char *small_ov[] = {"shared_sram.size=32MiB"}, *big_ov[] = {"shared_sram.size=512MiB"};
    sc_chip *small = load_chip("seedchip-1", small_ov, 1),
            *big = load_chip("seedchip-1", big_ov, 1);
    sc_llm_arch a = zoo("llama-3-8b");
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chips = d.pp = 8, d.prec = SC_LLM_FP8; /* ~1 GB of weights per chip */
    sc_llm_perf *ps = NULL, *pb = NULL;
    sc_err err = {0};
    d.chip = small;
    assert_int_equal(sc_llm_perf_create(&a, &d, &ps, &err), SC_OK);
    d.chip = big;
    assert_int_equal(sc_llm_perf_create(&a, &d, &pb, &err), SC_OK);
    sc_llm_memory m;
    assert_int_equal(sc_llm_memory_plan(&a, &d, 1, 1, &m, &err), SC_OK);
    sc_llm_breakdown bs, bb;
    double ts = step(ps, 16, 768, 0, 0, &bs), tb = step(pb, 16, 768, 0, 0, &bb);
    double f_gain = 0.5 * (512.0 - 32.0) * 1048576.0 / m.weights; /* extra pinned share */
    double max_saving = d.pp * f_gain * m.weights / sc_dram_bandwidth(&small->hbm); /* 8 stages */
    if (!(tb < ts) || ts - tb > max_saving || ts - tb < 0.05 * max_saving)
        fail_msg("decode %.4f ms (32 MiB) vs %.4f ms (512 MiB), saving at most %.4f ms", ts * 1e3,
                 tb * 1e3, max_saving * 1e3);
    assert_true(bb.matmul_s < bs.matmul_s);
    assert_near(bb.attention_s, bs.attention_s, 1e-12, "attention does not change");
    assert_near(step(pb, 0, 0, 4096, 2048, NULL), step(ps, 0, 0, 4096, 2048, NULL), 2e-3,
                "compute-bound prefill");
    sc_llm_perf_destroy(ps), sc_llm_perf_destroy(pb);
    sc_chip_destroy(small), sc_chip_destroy(big);
    /* H200: its 50 MB L2 caches HBM in hardware; a bigger one pins no weights. */
    const char *gpu_ov[] = {"shared_sram.size=512MiB"};
    sc_chip *g = load_chip("h200-sxm", NULL, 0), *g_big = load_chip("h200-sxm", gpu_ov, 1);
    d.chips = d.pp = 1;
    d.chip = g;
    assert_int_equal(sc_llm_perf_create(&a, &d, &ps, &err), SC_OK);
    d.chip = g_big;
    assert_int_equal(sc_llm_perf_create(&a, &d, &pb, &err), SC_OK);
    step(ps, 16, 768, 0, 0, &bs), step(pb, 16, 768, 0, 0, &bb);
    assert_near(bb.matmul_s, bs.matmul_s, 0.02, "GPU L2 size: no pinned weights");
    sc_llm_perf_destroy(ps), sc_llm_perf_destroy(pb);
    sc_chip_destroy(g), sc_chip_destroy(g_big);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zoo_param_counts),
        cmocka_unit_test(test_memory_plan_by_hand),
        cmocka_unit_test(test_does_not_fit),
        cmocka_unit_test(test_bad_deploys),
        cmocka_unit_test(test_attention_kernel_work),
        cmocka_unit_test(test_decode_step_roofline),
        cmocka_unit_test(test_cache_and_speed),
        cmocka_unit_test(test_precision_and_tp),
        cmocka_unit_test(test_gpu_efficiency_honoured),
        cmocka_unit_test(test_gpu_serving_mechanisms),
        cmocka_unit_test(test_gemm_fit_matches_whole_run),
        cmocka_unit_test(test_pp_and_ep),
        cmocka_unit_test(test_shared_sram_residency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
