// SPDX-License-Identifier: Apache-2.0
// Functional decoder programs for Llama-family models: HBM layout plan and prefill/decode builders.
#ifndef SC_COMPILER_LLM_DECODER_H
#define SC_COMPILER_LLM_DECODER_H

#include "chip/chip.h"
#include "isa/isa.h"

/* Shape of a Llama-family decoder (the compiler's own view; frontends fill it from a model). */
typedef struct sc_llm_shape {
    int dim, hidden_dim, n_layers, n_heads, n_kv_heads, head_dim, vocab_size;
    int qkv_bias;   /* add bq/bk/bv after the projections (Qwen2) */
    int gpt2;       /* GPT-2: LayerNorm with bias, learned positions (no RoPE), GELU(tanh) MLP
                       without gate, biases on every projection */
    float norm_eps; /* RMSNorm epsilon */
    int n_experts;  /* MoE (Mixtral): experts per layer, 0 = dense FFN */
    int n_experts_used;
} sc_llm_shape;

/* Byte offsets of one layer's tensors, relative to the layer's base in HBM. */
typedef struct sc_llm_layer_offsets {
    uint64_t attn_norm, wq, wk, wv, bq, bk, bv, wo, ffn_norm, w1, w2, w3;
    uint64_t attn_norm_b, ffn_norm_b, bo, b2, b3; /* GPT-2 only */
    uint64_t moe_gate; /* MoE router [n_experts x dim]; w1/w2/w3 then hold n_experts blocks */
} sc_llm_layer_offsets;

/* Where everything lives in device HBM. Layer matrices are [out x in] in wdtype (fp32, bf16, or
 * int8 = weight-only W8A16: int8 values followed by one fp32 scale per row, see
 * sc_llm_matrix_bytes); embeddings and classifier are in edtype (bf16 for int8); norm weights,
 * biases and RoPE tables are fp32; the KV cache is in kv_dtype, in paged blocks of block_tokens
 * that hold K and V of every layer: block b, layer l, K (0) or V (1), token slot s starts at
 *   kv_pool + b*block_bytes + ((l*2 + kv)*block_tokens + s) * kv_dim * sizeof(kv_dtype).
 * The page table holds max_blocks little-endian int64 physical block numbers. */
typedef struct sc_llm_layout {
    sc_dtype wdtype, edtype, kv_dtype;
    int max_seq;      /* context capacity (multiple of block_tokens) */
    int block_tokens; /* KV page size */
    int max_blocks;   /* page-table entries = max_seq / block_tokens */
    int pool_blocks;  /* physical blocks in the pool */
    uint64_t layer_base, layer_stride;
    sc_llm_layer_offsets lo;
    uint64_t tok_emb, cls, out_norm, rope_cos, rope_sin; /* rope: [max_seq x head_dim/2] */
    uint64_t pos_emb, out_norm_b; /* GPT-2 only: fp32 [max_seq x dim], [dim] */
    uint64_t kv_pool, block_bytes, page_table, tokens, logits;
    uint64_t total_bytes;
} sc_llm_layout;

/* Bytes of one rows x cols layer matrix record (64-byte aligned values, then for int8 the rows'
 * fp32 scales at sc_llm_matrix_scales). MoE experts are consecutive records. */
uint64_t sc_llm_matrix_bytes(const sc_llm_layout *lay, uint64_t rows, uint64_t cols);
uint64_t sc_llm_matrix_scales(const sc_llm_layout *lay, uint64_t rows, uint64_t cols);

/* Plans the HBM layout. cls_tied: the classifier reuses tok_emb's storage. */
sc_status sc_llm_layout_plan(const sc_llm_shape *s, sc_dtype wdtype, int max_seq, int block_tokens,
                             int cls_tied, sc_llm_layout *out, sc_err *err);

/* Builds the program that runs up to max_tokens tokens (a shape bucket: 1 = decode) through every
 * layer on `cores` tensor cores (matmul output chunks dealt round robin, gathered through shared
 * SRAM; norms, RoPE and attention replicated) and leaves the last token's logits (fp32, vocab)
 * at layout.logits.
 * Launch arguments: r1 = position of the first token, r2 = number of tokens T (1..max_tokens).
 * Before a run the host writes the T token ids (int64) at layout.tokens and the page table; the
 * program writes the new tokens' K/V into the cache and reads positions 0..pos+T-1 back.
 * Fails with SC_ERR_LIMIT when the working set does not fit the scratchpad or max_tokens exceeds
 * the systolic array's rows. Caller owns *out (sc_program_destroy). */
sc_status sc_llm_program_build(const sc_chip *chip, const sc_llm_shape *s, const sc_llm_layout *lay,
                               int max_tokens, int cores, sc_program **out, sc_err *err);

/* Scratchpad bytes the program for this bucket needs (0 on overflow). */
uint64_t sc_llm_program_spad_bytes(const sc_chip *chip, const sc_llm_shape *s,
                                   const sc_llm_layout *lay, int max_tokens, int cores);

#endif
