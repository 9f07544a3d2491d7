// SPDX-License-Identifier: Apache-2.0
// LLM step time: the per-layer op list of one engine iteration, each op timed by llm_perf_time.c.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/llmk.h"
#include "runtime/llm_perf_internal.h"

struct sc_llm_perf {
    sc_llm_arch arch;
    sc_llm_deploy deploy;
    lp_shape s;
    lp_timer *timer;
    int own_timer;   /* 0: borrowed from the caller (sc_llm_perf_create_shared) */
    double pin_frac; /* share of every weight matrix resident in shared SRAM (see pin_fraction) */
};

static const char *const k_prec_names[] = {"bf16", "fp8", "int8", "w4a16", "fp32"};

const char *sc_llm_prec_name(sc_llm_prec p) {
    return (unsigned)p < SC_ARRAY_LEN(k_prec_names) ? k_prec_names[p] : "?";
}

sc_status sc_llm_prec_from_name(const char *name, sc_llm_prec *out) {
    for (size_t i = 0; name && i < SC_ARRAY_LEN(k_prec_names); i++) {
        if (strcmp(name, k_prec_names[i]) == 0) {
            *out = (sc_llm_prec)i;
            return SC_OK;
        }
    }
    return SC_ERR_NOT_FOUND;
}

sc_llm_deploy sc_llm_deploy_default(void) {
    sc_llm_deploy d = {.chip = NULL, .chips = 1, .tp = 1, .pp = 1, .ep = 1, .prec = SC_LLM_BF16};
    return d;
}

/* Weight residency in shared SRAM. A decode step reads every weight of the chip once, so an LRU
 * cache smaller than the weights never hits; a compiler for a software-managed SRAM instead pins a
 * fixed share of every weight matrix there for the whole run (whole column panels of the array
 * width) and streams only the rest from HBM. Half of the SRAM stays for what else lives there
 * during a step (activations, all-reduce buffers, KV blocks in flight; docs/ARCHITECTURE.md).
 * GPUs (shared_sram.hbm_cache: a hardware-managed L2) pin nothing. The share is counted against
 * all weights of the chip, embedding table included (it is gathered, not streamed), so it errs
 * low. */
static sc_status pin_fraction(sc_llm_perf *p, sc_err *err) {
    const sc_chip *c = p->deploy.chip;
    p->pin_frac = 0;
    if (c->hbm_cache || strcmp(c->kind, "gpu") == 0 || c->shared_sram_bytes <= 0) return SC_OK;
    sc_llm_memory m;
    sc_status st = sc_llm_memory_plan(&p->arch, &p->deploy, 1, 1, &m, err);
    if (st == SC_OK && m.weights > 0)
        p->pin_frac = SC_MIN(1.0, 0.5 * c->shared_sram_bytes / m.weights);
    return st;
}

sc_status sc_llm_perf_create(const sc_llm_arch *a, const sc_llm_deploy *d, sc_llm_perf **out,
                             sc_err *err) {
    return sc_llm_perf_create_shared(a, d, NULL, out, err);
}

sc_status sc_llm_perf_create_shared(const sc_llm_arch *a, const sc_llm_deploy *d,
                                    sc_llm_gemm_timer *timer, sc_llm_perf **out, sc_err *err) {
    if (!out) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm perf: out is NULL");
    *out = NULL;
    sc_status st = lp_check_deploy(a, d, err);
    if (st != SC_OK) return st;
    sc_llm_perf *p = calloc(1, sizeof *p);
    if (!p) return sc_err_set(err, SC_ERR_NOMEM, "llm perf: out of memory");
    p->arch = *a;
    p->deploy = *d;
    lp_shape_of(a, d, &p->s);
    st = pin_fraction(p, err);
    p->timer = timer;
    p->own_timer = !timer;
    if (st == SC_OK && !timer) st = lp_timer_create(d->chip, &p->timer, err);
    if (st != SC_OK) {
        free(p);
        return st;
    }
    *out = p;
    return SC_OK;
}

void sc_llm_perf_destroy(sc_llm_perf *p) {
    if (!p) return;
    if (p->own_timer) lp_timer_destroy(p->timer);
    free(p);
}

long sc_llm_perf_sim_runs(const sc_llm_perf *p) {
    return p ? lp_timer_runs(p->timer) : 0;
}

/* ---- one step ---- */

/* Accumulates op times by class; `kernels` counts launches (GPU configs pay one each). */
typedef struct acc {
    sc_llm_perf *p;
    sc_llm_breakdown bd;
    double kernels;
    sc_err *err;
    sc_status st;
} acc;

static void add(acc *c, double *cls, double sec, double count) {
    *cls += sec * count;
    if (sec > 0) c->kernels += count;
}

static sc_dtype gemm_dtype(sc_llm_prec prec) {
    return prec == SC_LLM_FP8 || prec == SC_LLM_INT8 ? SC_DTYPE_FP8_E4M3
           : prec == SC_LLM_FP32                     ? SC_DTYPE_FP32
                                                     : SC_DTYPE_BF16;
}

/* A weight GEMM timed on the executor with all weights in HBM (t), then with the pinned share f
 * of its weights in shared SRAM (pin_fraction). The executor's time splits by the ideal times
 * into a memory side (t x t_mem / max(t_mem, t_mma)) and a compute side (the same with t_mma);
 * the pinned share leaves the HBM stream, so the memory side becomes (1 - f) of itself plus the
 * pinned bytes at shared-SRAM bandwidth, and the kernel takes the longer side. Memory-bound
 * decode GEMMs gain; compute-bound ones (prefill) keep t. Scaling the executor's time rather
 * than timing a shorter kernel keeps the saving free of tile rounding and costs no runs. */
static double with_pinned(const sc_llm_perf *p, double t, double m, int n, int k) {
    const sc_chip *c = p->deploy.chip;
    double f = p->pin_frac;
    if (f <= 0 || t <= 0 || c->shared_sram_bw <= 0) return t;
    sc_dtype dt = gemm_dtype(p->deploy.prec);
    double wb = (double)n * k * lp_weight_bytes(p->deploy.prec);
    double io = m * ((double)k * sc_isa_dtype_bytes(dt) + 2.0 * n);
    double t_mem = (wb + io) / sc_dram_bandwidth(&c->hbm);
    double t_mma = 2.0 * m * n * k / sc_chip_peak_flops(c, dt), top = SC_MAX(t_mem, t_mma);
    double mem_side = t * t_mem / top, compute_side = t * t_mma / top;
    double pinned = f * wb / c->shared_sram_bw;
    return SC_MAX(compute_side, mem_side - f * wb / (wb + io) * mem_side + pinned);
}

static void gemm(acc *c, double *cls, double m, int n, int k, double count) {
    double s = 0;
    if (c->st == SC_OK) c->st = lp_gemm(c->p->timer, m, n, k, c->p->deploy.prec, &s, c->err);
    add(c, cls, with_pinned(c->p, s, m, n, k), count);
}

static void rows(acc *c, double *cls, int kind, double r, int cols, double count) {
    double s = 0;
    if (c->st == SC_OK) c->st = lp_rows(c->p->timer, kind, r, cols, &s, c->err);
    add(c, cls, s, count);
}

/* GPU configs all-reduce through NCCL, whose algorithms (LL/LL128 rings, NVLS in the NVSwitch)
 * are not the link-level ring llmk_coll programs: they are timed with NCCL's own model, calibrated
 * on nccl-tests rows (seedchip validate). Other collectives, and SeedChip's own, run on the
 * executor. */
static void coll(acc *c, int kind, int n, double bytes, double count) {
    double s = 0;
    const sc_chip *chip = c->p->deploy.chip;
    if (kind == SC_LLMK_ALLREDUCE && strcmp(chip->kind, "gpu") == 0 && n > 1 && bytes > 0)
        s = sc_gpu_allreduce_seconds(chip, bytes, n);
    else if (c->st == SC_OK)
        c->st = lp_coll(c->p->timer, kind, n, bytes, &s, c->err);
    c->bd.collective_s += s * count; /* collectives are not kernel launches */
}

static sc_dtype kv_dtype(const sc_llm_perf *p) {
    /* int8 KV is timed with fp8 operands: same bytes, and the MMA has no int8 x bf16 path. */
    return p->s.kv_bytes == 1   ? SC_DTYPE_FP8_E4M3
           : p->s.kv_bytes == 4 ? SC_DTYPE_FP32
                                : SC_DTYPE_BF16;
}

/* A GPU kernel's prompt tiles: T new tokens whose causal attention sees ctx tokens on average
 * are one chunk over ctx - T / 2 cached tokens, or, where ctx is under T / 2, whole prompts of
 * 2 ctx tokens each (a step prefilling several short prompts). */
static void prompt_tiles(lp_attn *q, double T, double ctx, int heads) {
    double half = (T + 1) / 2;
    if (ctx >= half) {
        q->seqs = 1, q->chunk = T, q->cache = ctx - half;
    } else {
        q->seqs = (int)SC_MIN(1e6, ceil(T / SC_MAX(1.0, 2.0 * ctx)));
        q->chunk = ceil(T / q->seqs), q->cache = 0;
    }
    q->heads = heads;
}

/* Decode (m_rows = query heads per KV head, one item per sequence and KV head; heads beyond the
 * array height are split into items) and prefill (items of efficiency.attention_rows query rows,
 * by default the array height). */
static void attention(acc *c, double seqs_or_tokens, double ctx, int prefill, double count) {
    const sc_llm_arch *a = &c->p->arch;
    const lp_shape *s = &c->p->s;
    const sc_chip *chip = c->p->deploy.chip;
    int rows_max = chip->sa_rows;
    lp_attn q = {.ctx = ctx, .kv_dtype = kv_dtype(c->p)};
    int group = a->mla ? s->h_l : s->g; /* query rows sharing one KV stream */
    if (a->mla) {
        q.dk = a->kv_lora_rank + a->rope_head_dim, q.dv = a->kv_lora_rank, q.v_in_k = 1;
    } else {
        q.dk = q.dv = a->head_dim;
    }
    double kv_streams = a->mla ? 1 : s->kv_l;
    if (c->p->deploy.kv_token_major && !a->mla) q.kv_pitch = s->kv_l * a->head_dim;
    if (prefill) {
        q.m_rows = chip->attn_rows > 0 ? chip->attn_rows : rows_max;
        /* a GPU kernel's query tiles hold one query head's positions (FlashAttention: grid of
         * query tiles x heads), so a chunk's last tile per head is partly empty; SeedChip's
         * program packs the query heads of a KV group into its tiles */
        if (chip->attn_rows > 0 && !a->mla) {
            prompt_tiles(&q, seqs_or_tokens, ctx, s->h_l);
            q.items = q.seqs * ceil(q.chunk / q.m_rows) * s->h_l;
        } else
            q.items = ceil(seqs_or_tokens * group / q.m_rows) * kv_streams;
        /* Appending kernels copy, per query tile, the new rows up to its causal limit: half the
         * chunk on average (one prompt per chunk), never more than the tile's context. */
        if (c->p->deploy.kv_append) q.append = SC_MIN(ctx, (seqs_or_tokens + 1) / 2);
    } else if (c->p->deploy.kv_per_query_head && !a->mla) {
        q.m_rows = 1; /* one query head per item: its KV head is read once per query head */
        q.items = seqs_or_tokens * s->h_l;
    } else {
        int splits = (group + rows_max - 1) / rows_max;
        q.m_rows = (group + splits - 1) / splits;
        q.items = seqs_or_tokens * kv_streams * splits;
    }
    /* The executor times SeedChip's flash-attention program; a GPU's attention kernels (fused
     * MHA for prompts, masked MHA / XQA for decode) reach efficiency.attention of its rate, or
     * for prompts efficiency.attention_prefill where the config sets it. The append copies are
     * data movement, timed as they are (efficiency.attention_copy_rate per thread block). */
    q.eff = prefill && chip->eff_attention_prefill > 0 ? chip->eff_attention_prefill
                                                       : chip->eff_attention;
    q.copy_rate = chip->attn_copy_rate;
    double sec = 0, app = 0;
    if (c->st == SC_OK) c->st = lp_attention(c->p->timer, &q, &sec, &app, c->err);
    /* and each call pays the kernels' fixed device time (efficiency.attention_floor) */
    if (sec > 0) sec += chip->attn_floor_s;
    add(c, &c->bd.attention_s, sec, count);
    if (prefill) c->bd.attention_prefill_s += sec * count, c->bd.attention_append_s += app * count;
}

sc_status sc_llm_perf_attention(sc_llm_perf *p, int prefill, double n, double ctx, double *seconds,
                                sc_llm_breakdown *bd, sc_err *err) {
    if (!p || !seconds) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm attention: perf and out");
    *seconds = 0;
    if (!(n >= 0 && n <= 1e9) || !(ctx >= 0 && ctx <= 1e9))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm attention: %g rows over %g tokens", n, ctx);
    acc c = {.p = p, .err = err, .st = SC_OK};
    if (n > 0 && ctx > 0) attention(&c, n, ctx, prefill != 0, 1);
    *seconds = c.bd.attention_s;
    if (bd) *bd = c.bd;
    return c.st;
}

/* Attention block of one layer for T tokens: projections, attention, output projection. */
static void attn_block(acc *c, double T, const sc_llm_step *st, double count) {
    const sc_llm_arch *a = &c->p->arch;
    const lp_shape *s = &c->p->s;
    double *mm = &c->bd.matmul_s;
    if (a->mla) {
        int rd = a->rope_head_dim, hd = a->head_dim, vd = a->v_head_dim ? a->v_head_dim : hd;
        gemm(c, mm, T, a->q_lora_rank, a->d_model, count);       /* q down */
        gemm(c, mm, T, s->q_out, a->q_lora_rank, count);         /* q up (heads split) */
        gemm(c, mm, T, a->kv_lora_rank + rd, a->d_model, count); /* latent KV + rope key */
        gemm(c, mm, T, a->kv_lora_rank, hd, count * s->h_l);     /* absorbed W_UK per head */
        gemm(c, mm, T, vd, a->kv_lora_rank, count * s->h_l);     /* absorbed W_UV per head */
    } else {
        gemm(c, mm, T, s->q_out, a->d_model, count);
    }
    if (st->n_decode > 0) attention(c, st->n_decode, st->decode_ctx, 0, count);
    if (st->prefill_tokens > 0) attention(c, st->prefill_tokens, st->prefill_ctx, 1, count);
    gemm(c, mm, T, a->d_model, s->o_in, count);
}

/* Dense (or shared-expert) MLP of width ff per chip. */
static void mlp(acc *c, double *cls, double T, int ff, double count) {
    const sc_llm_arch *a = &c->p->arch;
    if (a->gated_mlp) {
        gemm(c, cls, T, 2 * ff, a->d_model, count);
        rows(c, &c->bd.norm_act_s, SC_LLMK_SWIGLU, T, ff, count);
    } else {
        gemm(c, cls, T, ff, a->d_model, count);
        rows(c, &c->bd.norm_act_s, SC_LLMK_GELU, T, ff, count);
    }
    gemm(c, cls, T, a->d_model, ff, count);
}

/* Routed experts: each token goes to k of E experts; a chip holds E/ep experts, each split over
 * tp/ep chips. Only experts that receive a token are run (their weights are read). */
static void moe(acc *c, double T, double count) {
    const sc_llm_arch *a = &c->p->arch;
    const lp_shape *s = &c->p->s;
    const sc_llm_deploy *d = &c->p->deploy;
    double E = a->n_experts, routed = T * a->n_experts_active;
    gemm(c, &c->bd.moe_s, T, a->n_experts, a->d_model, count); /* router */
    double p_active = 1.0 - pow(1.0 - 1.0 / E, routed);
    double active = s->e_l * p_active, per_expert = routed / (E * p_active);
    /* Expert-parallel groups see all T tokens of the TP group, each chip its share of experts. */
    mlp(c, &c->bd.moe_s, per_expert, s->ffe_l, count * active);
    if (a->n_shared_experts > 0) mlp(c, &c->bd.matmul_s, T, a->n_shared_experts * s->ffe_l, count);
    if (d->ep > 1) { /* dispatch and combine: a chip's tokens to the chips holding their experts */
        double per_peer = T / d->ep * a->n_experts_active * a->d_model * 2.0 / d->ep;
        coll(c, SC_LLMK_ALLTOALL, d->ep, per_peer, 2.0 * count);
    }
}

/* One transformer layer, `count` times (dense or MoE). */
static void layer(acc *c, double T, const sc_llm_step *st, int is_moe, double count) {
    const sc_llm_arch *a = &c->p->arch;
    const lp_shape *s = &c->p->s;
    int tp = c->p->deploy.tp;
    double ar_bytes = T * a->d_model * 2.0;
    rows(c, &c->bd.norm_act_s, SC_LLMK_RMSNORM, T, a->d_model, count);
    attn_block(c, T, st, count);
    if (!a->parallel_attn) {
        if (tp > 1) coll(c, SC_LLMK_ALLREDUCE, tp, ar_bytes, count);
        rows(c, &c->bd.norm_act_s, SC_LLMK_RMSNORM, T, a->d_model, count);
    }
    if (is_moe)
        moe(c, T, count);
    else
        mlp(c, &c->bd.matmul_s, T, s->ff_l, count);
    if (tp > 1) coll(c, SC_LLMK_ALLREDUCE, tp, ar_bytes, count);
}

static sc_status check_step(const sc_llm_step *s, sc_err *err) {
    if (!s || s->n_decode < 0 || s->prefill_tokens < 0 || !(s->decode_ctx >= 0) ||
        !(s->prefill_ctx >= 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm step: counts and contexts must be >= 0");
    return SC_OK;
}

sc_status sc_llm_perf_step(sc_llm_perf *p, const sc_llm_step *s, double *seconds,
                           sc_llm_breakdown *bd, sc_err *err) {
    if (!p || !seconds) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm step: perf and out needed");
    *seconds = 0;
    if (bd) memset(bd, 0, sizeof *bd);
    sc_status st = check_step(s, err);
    if (st != SC_OK) return st;
    double T = (double)s->n_decode + s->prefill_tokens;
    if (T <= 0) return SC_OK;
    acc c = {.p = p, .err = err, .st = SC_OK};
    const sc_llm_arch *a = &p->arch;
    const sc_llm_deploy *d = &p->deploy;
    /* Every layer runs once per step; pipeline stages run one after another for one batch. */
    int dense = a->n_experts > 0 ? SC_MIN(a->n_dense_layers, a->n_layers) : a->n_layers;
    if (dense > 0) layer(&c, T, s, 0, dense);
    if (a->n_layers - dense > 0) layer(&c, T, s, 1, a->n_layers - dense);
    /* Logits for decode tokens and the last token of each prefill sequence. A whole prompt of I
     * tokens has mean causal context ~I/2, which gives the number of prompts in the chunk. */
    double seqs = 0;
    if (s->prefill_tokens > 0)
        seqs = SC_MAX(1.0, ceil(s->prefill_tokens / SC_MAX(1.0, 2.0 * s->prefill_ctx)));
    double n_logits = s->n_decode + seqs;
    int vocab_l = (a->vocab + d->tp - 1) / d->tp;
    rows(&c, &c.bd.norm_act_s, SC_LLMK_RMSNORM, n_logits, a->d_model, 1);
    gemm(&c, &c.bd.matmul_s, n_logits, vocab_l, a->d_model, 1);
    rows(&c, &c.bd.norm_act_s, SC_LLMK_SOFTMAX, n_logits, vocab_l, 1);
    if (d->pp > 1) coll(&c, SC_LLMK_SENDRECV, 2, T * a->d_model * 2.0, d->pp - 1);
    if (c.st != SC_OK) return c.st;
    /* Launch overhead: GPUs launch every kernel; a SeedChip step is one program. */
    const sc_chip *chip = d->chip;
    int gpu = strcmp(chip->kind, "gpu") == 0;
    c.bd.other_s = chip->kernel_launch_s * (gpu ? c.kernels : 1.0);
    /* Host work of the serving engine per iteration that the device waits for (runtime enqueue,
     * sampling of the new tokens, batch bookkeeping): efficiency.step_overhead, fitted on
     * published end-to-end rows for the GPU configs; SeedChip's configs state none. */
    c.bd.other_s += chip->step_overhead_s;
    /* Embedding gather: T rows of d_model, bandwidth bound. */
    c.bd.other_s += T * a->d_model * 2.0 / sc_dram_bandwidth(&chip->hbm);
    *seconds = c.bd.matmul_s + c.bd.attention_s + c.bd.norm_act_s + c.bd.collective_s + c.bd.moe_s +
               c.bd.other_s;
    if (bd) *bd = c.bd;
    return SC_OK;
}
