// SPDX-License-Identifier: Apache-2.0
// LLM performance at scale: model zoo, per-chip memory plan, step time from timed kernel programs.
#ifndef SC_RUNTIME_LLM_PERF_H
#define SC_RUNTIME_LLM_PERF_H

#include <stddef.h>

#include "chip/chip.h"
#include "util/util.h"

/* Numeric format of the deployment. Weights and activations share it except W4A16 (int4 weights
 * with one bf16 scale per group of 128, bf16 activations). The KV cache is bf16 except FP8/INT8,
 * where it is stored in the same 8-bit format. */
typedef enum sc_llm_prec {
    SC_LLM_BF16,
    SC_LLM_FP8,
    SC_LLM_INT8,
    SC_LLM_W4A16,
    SC_LLM_FP32
} sc_llm_prec;

/* "bf16", "fp8", "int8", "w4a16", "fp32". Static storage. */
const char *sc_llm_prec_name(sc_llm_prec p);
sc_status sc_llm_prec_from_name(const char *name, sc_llm_prec *out);

typedef struct sc_llm_arch { /* architecture only, no weights */
    char name[64];
    char family[32]; /* "llama", "mixtral", "deepseek-v3", "gpt2", ... */
    int n_layers, d_model, n_heads, n_kv_heads, head_dim, d_ff, vocab, max_ctx;
    int n_experts, n_experts_active, d_ff_expert, n_shared_experts,
        n_dense_layers;                                /* MoE; 0 = dense */
    int mla, kv_lora_rank, q_lora_rank, rope_head_dim; /* DeepSeek MLA */
    int tied_embeddings;
    double rope_theta;
    /* Added fields (0 = the llama default): */
    int gated_mlp; /* 1 = SwiGLU (3 matrices), 0 = GELU MLP (2 matrices, gpt-j/gpt-2); set by zoo */
    int parallel_attn; /* 1 = attention and MLP read the same norm output (gpt-j) */
    int qkv_bias;      /* 1 = biases on Q/K/V (qwen2) */
    int v_head_dim;    /* MLA value head dim (deepseek-v3: 128); 0 = head_dim */
} sc_llm_arch;

/* Zoo of published architectures (no weights). *out is filled; SC_ERR_NOT_FOUND lists the names. */
sc_status sc_llm_zoo_find(const char *name, sc_llm_arch *out, sc_err *err);
size_t sc_llm_zoo_count(void);
const char *sc_llm_zoo_name(size_t i); /* NULL past the end; static storage */
/* Total parameters (embeddings and classifier included, counted once when tied). */
double sc_llm_param_count(const sc_llm_arch *a);
/* Parameters touched per token (MoE: active experts only). */
double sc_llm_active_param_count(const sc_llm_arch *a);

typedef struct sc_llm_deploy {
    const sc_chip *chip;   /* borrowed; must outlive every object made from this deploy */
    int chips, tp, pp, ep; /* chips = tp * pp (ep divides chips and shards experts) */
    sc_llm_prec prec;
    /* 1: decode attention streams each KV head once per query head that reads it, as
     * TensorRT-LLM's masked multi-head attention kernel does for grouped-query models without
     * its XQA kernels; 0 (default): once per KV head, all its query heads together. */
    int kv_per_query_head;
    /* 1: the KV cache is token-major ([page, KV heads, head dim]: vLLM and FlashAttention's
     * paged layout), so attention reads each head's token rows as head-dim pieces at a pitch of
     * the chip's KV heads; 0 (default): each head's rows contiguous. */
    int kv_token_major;
    /* 1: the attention kernel appends the new tokens' K and V to the paged cache itself, in
     * every CTA for the new rows of its key range (FlashAttention-2's flash_attn_with_kvcache
     * called with k and v, as sarathi-serve and Vidur's profiler call it), so a prompt chunk's
     * rows are copied once per query tile that attends them; 0 (default): written once by a
     * separate kernel (TensorRT-LLM, vLLM's reshape_and_cache), outside the attention time. */
    int kv_append;
} sc_llm_deploy;

/* chip NULL, 1 chip, tp = pp = ep = 1, bf16. */
sc_llm_deploy sc_llm_deploy_default(void);

typedef struct sc_llm_memory { /* per chip, bytes */
    double weights, kv_per_token, activations, capacity, kv_capacity_tokens;
    int fits;
    char reason[256];
    /* Added fields: */
    double kv_cache;                     /* kv_per_token * batch * ctx */
    double hbm_capacity, lpddr_capacity; /* capacity = hbm + lpddr tier */
} sc_llm_memory;

/* Per-chip memory for batch sequences of ctx tokens each. fits = weights + kv + activations fit in
 * capacity; otherwise reason says what overflows by how much. Invalid deploys are
 * SC_ERR_INVALID_ARG. */
sc_status sc_llm_memory_plan(const sc_llm_arch *a, const sc_llm_deploy *d, int batch, int ctx,
                             sc_llm_memory *out, sc_err *err);

/* One engine iteration on one model replica: n_decode sequences each producing one token with mean
 * context length decode_ctx, plus prefill_tokens prompt tokens (chunked prefill) whose attention
 * sees prefill_ctx tokens on average. */
typedef struct sc_llm_step {
    int n_decode;
    double decode_ctx;
    int prefill_tokens;
    double prefill_ctx;
} sc_llm_step;

typedef struct sc_llm_breakdown {
    double matmul_s, attention_s, norm_act_s, collective_s, moe_s, other_s;
    /* Parts of attention_s (not added again to the total): the prompt (prefill) attention
     * kernels, and of those the new K/V rows an appending kernel copies (sc_llm_deploy). */
    double attention_prefill_s, attention_append_s;
} sc_llm_breakdown;

typedef struct sc_llm_perf sc_llm_perf; /* caches timed programs per shape bucket; caller owns */

/* Validates the deploy (tp * pp == chips, heads divisible by tp, ...). Caller owns *out; *a and
 * *d are copied (d->chip is borrowed). */
sc_status sc_llm_perf_create(const sc_llm_arch *a, const sc_llm_deploy *d, sc_llm_perf **out,
                             sc_err *err);
void sc_llm_perf_destroy(sc_llm_perf *p);
/* Wall time of one iteration across the pipeline (pp stages run one after another for one
 * micro-batch). bd, when given, splits *seconds by op class (the parts sum to *seconds). */
sc_status sc_llm_perf_step(sc_llm_perf *p, const sc_llm_step *s, double *seconds,
                           sc_llm_breakdown *bd /* may be NULL */, sc_err *err);

/* One layer's attention kernel as sc_llm_perf_step times it (efficiency.attention applied, no
 * launch): decode (prefill 0) of n sequences over ctx tokens each, or prefill of n prompt tokens
 * whose causal attention sees ctx tokens on average. */
sc_status sc_llm_perf_attention(sc_llm_perf *p, int prefill, double n, double ctx, double *seconds,
                                sc_llm_breakdown *bd /* may be NULL */, sc_err *err);

/* Executor runs made so far by this object (each distinct kernel shape is simulated once). */
long sc_llm_perf_sim_runs(const sc_llm_perf *p);

/* One GEMM Y[m x n] = X[m x k] W[k x n] timed as llm_perf times it: compiled by compiler/gemm.c
 * (fastest candidate tiling and orientation), run on chip's executor, cached per shape. The raw
 * time excludes the efficiencies and the launch; sc_llm_gemm_seconds applies the efficiencies as
 * llm_perf does (eff_matmul when the ideal compute time exceeds the ideal HBM time, else
 * eff_memory), so a caller can refit efficiencies without re-running the executor. The timer
 * borrows chip (only its hardware fields matter to the raw time). */
typedef struct lp_timer sc_llm_gemm_timer;
/* As sc_llm_perf_create, but every kernel timing goes through `timer` (NULL: an own one), which
 * the caller owns, keeps alive longer than *out and may share between deployments whose d->chip
 * has the same content as the timer's chip: timings are keyed by kernel shape alone, so models,
 * parallelism choices and single GEMMs on one chip simulate each distinct kernel once. */
sc_status sc_llm_perf_create_shared(const sc_llm_arch *a, const sc_llm_deploy *d,
                                    sc_llm_gemm_timer *timer, sc_llm_perf **out, sc_err *err);
sc_status sc_llm_gemm_timer_create(const sc_chip *chip, sc_llm_gemm_timer **out, sc_err *err);
void sc_llm_gemm_timer_destroy(sc_llm_gemm_timer *t);
sc_status sc_llm_gemm_raw(sc_llm_gemm_timer *t, double m, int n, int k, sc_llm_prec prec,
                          double *raw_s, sc_err *err);
double sc_llm_gemm_seconds(const sc_chip *chip, double m, int n, int k, sc_llm_prec prec,
                           double raw_s);
/* sc_llm_gemm_seconds holds the GEMM to the chip's power limit (a sustained load: serving,
 * back-to-back benchmark calls); this variant does not (a benchmark that rests the chip between
 * calls runs at the nominal clock). */
double sc_llm_gemm_burst_seconds(const sc_chip *chip, double m, int n, int k, sc_llm_prec prec,
                                 double raw_s);

/* All-reduce of `bytes` over `chips` GPUs as NCCL's tuner models it (ring LL/LL128/Simple with
 * efficiency.link, NVLS with efficiency.nvls where the config has it), plus
 * efficiency.collective_latency. llm_perf times GPU configs' tensor-parallel all-reduces with it;
 * seedchip validate calibrates it on published NCCL measurements. */
double sc_gpu_allreduce_seconds(const sc_chip *c, double bytes, int chips);

#endif
