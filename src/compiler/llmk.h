// SPDX-License-Identifier: Apache-2.0
// LLM timing kernels beside the GEMM generator: attention, row-wise norm/activation, collectives.
#ifndef SC_COMPILER_LLMK_H
#define SC_COMPILER_LLMK_H

#include "chip/chip.h"
#include "isa/isa.h"

/* Flash-style attention over a paged KV cache. One "item" is m_rows query rows that share one
 * KV head (decode: the h/kv query heads of a GQA group, or all local heads for MLA; prefill: a
 * block of query positions of one head). Each item streams n_blocks KV blocks of block_tokens
 * tokens from HBM (K: block x dk, V: block x dv) with double buffering, runs S = Q K^T on the
 * systolic array, an online softmax on the vector unit and O += P V. Items are dealt round robin
 * to the cores. With v_in_k (MLA latent cache) V is the first dv columns of the K block, so only
 * K is read. */
typedef struct sc_llmk_attn_params {
    int items, n_blocks;
    int m_rows, dk, dv;
    int block_tokens; /* 0 = chosen (the array width, shrunk until the scratchpad fits) */
    int v_in_k;
    sc_dtype kv_dtype; /* K, V and Q/P operands of the MMAs */
    int cores;         /* 0 = every core */
    /* Elements between two tokens' rows of one head in the HBM KV cache; 0 = dk (each head's
     * rows contiguous). A token-major cache ([page, kv heads, head dim], vLLM / FlashAttention
     * paged layout) has kv_pitch = heads x dk: a head's token rows are dk-element pieces that
     * neighbouring items (the other heads) interleave, and K and V are separate tensors. */
    int kv_pitch;
    /* New tokens per item whose K and V rows the kernel itself writes into the cache before it
     * attends (FlashAttention-2's Append_KV: flash_attn_with_kvcache called with k and v copies,
     * in every CTA, the new rows of its key range from the new-K/V tensors into the paged cache,
     * then reads them back). 0: the cache already holds them. The copies are timed as HBM to
     * HBM DMAs of the item's load queue, ahead of its KV blocks. */
    int append_tokens;
} sc_llmk_attn_params;

sc_llmk_attn_params sc_llmk_attn_default_params(void);
/* Caller owns *out (sc_program_destroy). block_used (may be NULL) gets the block size. */
sc_status sc_llmk_attn_build(const sc_chip *chip, const sc_llmk_attn_params *p, sc_program **out,
                             int *block_used, sc_err *err);

/* Where the program built from the same chip and params reads and writes one item's tensors in
 * HBM (byte addresses), for callers that run it functionally. All tensors are in kv_dtype. The
 * program applies no softmax scale: Q must come multiplied by it (1/sqrt(dk)), as when the
 * scale is folded into the Q projection. */
typedef struct sc_llmk_attn_addr {
    uint64_t q;    /* m_rows x dk, row-major */
    uint64_t o;    /* m_rows x dv, row-major (written by the program) */
    uint64_t k, v; /* token 0 of KV block `block`; with v_in_k, v = k (V is K's first dv columns) */
    int block_tokens;     /* tokens per KV block */
    int k_pitch, v_pitch; /* elements between two tokens' K (V) rows */
} sc_llmk_attn_addr;

sc_status sc_llmk_attn_addrs(const sc_chip *chip, const sc_llmk_attn_params *p, int item, int block,
                             sc_llmk_attn_addr *out, sc_err *err);

/* Row-wise vector kernels over a rows x cols activation matrix in HBM. */
typedef enum sc_llmk_rows_kind {
    SC_LLMK_RMSNORM, /* y = (x + residual) * rsqrt(mean((x + residual)^2) + eps) * w */
    SC_LLMK_SWIGLU,  /* y = silu(gate) * up; cols is the width of gate (and of up) */
    SC_LLMK_GELU,    /* y = gelu(x) */
    SC_LLMK_SOFTMAX, /* y = softmax(x) per row (sampling over the logits) */
} sc_llmk_rows_kind;

typedef struct sc_llmk_rows_params {
    sc_llmk_rows_kind kind;
    int rows, cols;
    sc_dtype dtype;     /* activations in HBM (bf16 usually); the vector unit computes in fp32 */
    int cores;          /* 0 = every core */
    int rows_per_chunk; /* 0 = an even share per core, capped by the scratchpad */
} sc_llmk_rows_params;

sc_llmk_rows_params sc_llmk_rows_default_params(void);
sc_status sc_llmk_rows_build(const sc_chip *chip, const sc_llmk_rows_params *p, sc_program **out,
                             sc_err *err);

/* Collectives over n_chips (SPMD: run with sc_sim_params.n_chips = n_chips). */
typedef enum sc_llmk_coll_kind {
    SC_LLMK_ALLREDUCE, /* in-place sum of `bytes` over all chips (tensor parallelism) */
    SC_LLMK_ALLTOALL,  /* every chip sends `bytes` to every other chip (expert parallelism) */
    SC_LLMK_SENDRECV,  /* chip i sends `bytes` to chip i+1 (pipeline stages) */
} sc_llmk_coll_kind;

typedef struct sc_llmk_coll_params {
    sc_llmk_coll_kind kind;
    int n_chips;
    uint64_t bytes; /* per chip (all-reduce: the buffer; all-to-all: per peer) */
    sc_dtype dtype; /* element type of the all-reduce */
} sc_llmk_coll_params;

sc_status sc_llmk_coll_build(const sc_chip *chip, const sc_llmk_coll_params *p, sc_program **out,
                             sc_err *err);

#endif
