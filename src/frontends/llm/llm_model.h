// SPDX-License-Identifier: Apache-2.0
// Decoder-only LLM checkpoints in memory: config, fp32 weights, tokenizer; readers for three
// formats.
#ifndef SC_LLM_MODEL_H
#define SC_LLM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "seedchip.h"
#include "util/util.h"

/* Architectures the readers understand. Everything below is normalised to one convention:
 *  - weight matrices are row-major [out x in] (PyTorch nn.Linear),
 *  - RoPE rotates adjacent pairs (2i, 2i+1) of each head (llama2.c / GGUF-llama convention);
 *    readers of "rotate-half" checkpoints (Hugging Face, GGUF qwen2) permute the rows of Wq/Wk
 *    (and their biases) so that one kernel serves every model. q.k is unchanged because the same
 *    permutation is applied to q and k within each head. */
typedef enum sc_llm_family {
    SC_LLM_FAM_LLAMA, /* Llama 2/3, llama2.c, TinyLlama */
    SC_LLM_FAM_MISTRAL,
    SC_LLM_FAM_QWEN2, /* Llama + q/k/v biases */
    SC_LLM_FAM_GPT2,  /* LayerNorm, learned positions, GELU(tanh), biases, fused c_attn */
    SC_LLM_FAM_COUNT
} sc_llm_family;

const char *sc_llm_family_name(sc_llm_family a);

typedef struct sc_llm_config {
    sc_llm_family arch; /* family */
    int dim, hidden_dim, n_layers, n_heads, n_kv_heads, head_dim, vocab_size, seq_len;
    float norm_eps;   /* RMSNorm / LayerNorm epsilon */
    float rope_theta; /* RoPE base */
    int qkv_bias;     /* bq/bk/bv present */
    int tied_embeddings;
    int bos_id, eos_id; /* -1 when unknown */
    int n_experts;      /* Mixtral-style MoE: experts per layer (0 = dense FFN) */
    int n_experts_used; /* experts each token is routed to (top-k of the router) */
} sc_llm_config;

/* One decoder layer. Matrices are [out x in]; vectors are NULL when the architecture lacks them. */
typedef struct sc_llm_layer {
    float *attn_norm, *attn_norm_b; /* [dim]; _b: GPT-2 LayerNorm bias */
    float *wq, *wk, *wv, *wo;       /* [q_dim x dim], [kv_dim x dim] x2, [dim x q_dim] */
    float *bq, *bk, *bv, *bo;       /* Qwen2: bq/bk/bv; GPT-2: all four */
    float *ffn_norm, *ffn_norm_b;   /* [dim] */
    float *w1, *w2, *w3;            /* gate [hidden x dim], down [dim x hidden], up [hidden x dim];
                                       GPT-2 has no gate: w1 NULL, w3 = c_fc, w2 = c_proj;
                                       MoE: n_experts such blocks back to back */
    float *moe_gate;                /* MoE router [n_experts x dim] */
    float *b2, *b3;                 /* GPT-2 MLP biases (down, up) */
} sc_llm_layer;

typedef struct sc_llm_tokenizer sc_llm_tokenizer;

/* A loaded model. Every tensor is fp32 and owned by the model (quantised files are dequantised on
 * load). Caller owns; free with sc_llm_model_destroy. */
typedef struct sc_llm_model {
    sc_llm_config cfg;
    char source[512];
    char format[16]; /* "llama2c", "gguf", "safetensors" */
    float *tok_emb;  /* [vocab x dim] */
    float *pos_emb;  /* GPT-2 only: [seq_len x dim] */
    float *out_norm, *out_norm_b;
    float *cls;            /* [vocab x dim]; aliases tok_emb when tied */
    float *rope_div;       /* [head_dim/2] RoPE frequency divisors (scaling: linear, Llama 3,
                              GGUF rope_freqs); NULL = plain RoPE */
    sc_llm_layer *layers;  /* n_layers */
    sc_llm_tokenizer *tok; /* NULL when the file carries none */
    float **owned;         /* every allocation, freed by destroy */
    size_t n_owned, cap_owned;
} sc_llm_model;

typedef struct sc_llm_load_params {
    size_t max_file_bytes; /* refuse files larger than this (default 8 GiB) */
    size_t max_params;     /* refuse models with more fp32 parameters than this (default 2^31) */
} sc_llm_load_params;

sc_llm_load_params sc_llm_load_default_params(void);

/* Loads a checkpoint, choosing the reader from the file's magic / name: llama2.c .bin, GGUF v3,
 * safetensors (a .safetensors file, a model.safetensors.index.json, or a directory holding either,
 * with config.json beside it). Errors name the file and the problem in one line. */
sc_status sc_llm_model_load(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                            sc_err *err);
void sc_llm_model_destroy(sc_llm_model *m); /* accepts NULL */

/* Per-format readers (sc_llm_model_load dispatches to these). */
sc_status sc_llm_load_llama2c(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                              sc_err *err);
sc_status sc_llm_load_gguf(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                           sc_err *err);
sc_status sc_llm_load_safetensors(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                                  sc_err *err);

/* ---- Helpers shared by the readers (llm_model.c). ---- */
sc_llm_model *sc_llm_model_new(void);
/* Zeroed fp32 array of n elements owned by the model; NULL on overflow / OOM. */
float *sc_llm_model_alloc(sc_llm_model *m, size_t n);
/* Checks the config for consistency and limits; fills head_dim if 0. */
sc_status sc_llm_config_check(const char *src, sc_llm_config *c, const sc_llm_load_params *p,
                              sc_err *err);
/* Refuses a config claiming more parameters than file_bytes of tensor data could hold. */
sc_status sc_llm_check_params_in_file(const char *src, const sc_llm_config *c, double file_bytes,
                                      sc_err *err);
/* Allocates every tensor the config needs (layers array too). */
sc_status sc_llm_model_alloc_all(sc_llm_model *m, sc_err *err);
/* Reorders the rows of a [n_heads*head_dim x cols] matrix (or vector when cols == 1) from the
 * rotate-half RoPE layout to the adjacent-pair layout (see sc_llm_family). */
sc_status sc_llm_permute_rope_rows(float *w, int n_heads, int head_dim, size_t cols);
/* Splits GPT-2's fused [3d x d] QKV weight and [3d] bias into the layer's q, k, v tensors. */
void sc_llm_split_qkv(sc_llm_layer *y, const float *qkv, const float *bqkv, size_t d);
size_t sc_llm_q_dim(const sc_llm_config *c);
size_t sc_llm_kv_dim(const sc_llm_config *c);
/* RoPE scaling: fills m->rope_div. Linear: every frequency / factor. Llama 3 (Llama 3.1's
 * rope_scaling): low frequencies / factor, high ones unchanged, a smooth blend between. */
sc_status sc_llm_rope_scale_linear(sc_llm_model *m, double factor, sc_err *err);
sc_status sc_llm_rope_scale_llama3(sc_llm_model *m, double factor, double low_freq_factor,
                                   double high_freq_factor, double original_context, sc_err *err);
/* Number of fp32 parameters the config implies (for limits and reports). */
double sc_llm_config_params(const sc_llm_config *c);

/* ---- Tokenizers (llm_tokenizer.c). ---- */
typedef enum sc_llm_tok_kind {
    SC_LLM_TOK_SPM, /* SentencePiece-style: score-driven merges, "▁" for spaces, <0xNN> bytes */
    SC_LLM_TOK_BPE  /* byte-level BPE (GPT-2 / Llama 3 / Qwen2): ranked merges over byte symbols */
} sc_llm_tok_kind;

/* Builds a tokenizer from its vocabulary. tokens[i] are NUL-terminated UTF-8; scores may be NULL
 * (BPE); merges ("a b" strings in rank order) may be NULL (SPM). Copies everything. */
sc_status sc_llm_tokenizer_create(sc_llm_tok_kind kind, const char *const *tokens,
                                  const float *scores, size_t n_tokens, const char *const *merges,
                                  size_t n_merges, int bos_id, int eos_id, sc_llm_tokenizer **out,
                                  sc_err *err);
void sc_llm_tokenizer_destroy(sc_llm_tokenizer *t); /* accepts NULL */
/* Encodes text (no BOS added); *out (caller frees with free()) gets *n ids. */
sc_status sc_llm_tokenize(const sc_llm_tokenizer *t, const char *text, int **out, size_t *n,
                          sc_err *err);
/* Appends the text of one token id to sb (byte tokens become their byte; BPE bytes decoded). */
sc_status sc_llm_detokenize(const sc_llm_tokenizer *t, int id, sc_strbuf *sb, sc_err *err);
size_t sc_llm_tokenizer_size(const sc_llm_tokenizer *t);

/* Byte-level BPE pre-tokenisation (llm_pretok.c): how text is cut into pieces before merging. */
typedef enum sc_llm_pretok {
    SC_LLM_PRETOK_GPT2,   /* GPT-2's rule (also the default) */
    SC_LLM_PRETOK_LLAMA3, /* Llama 3: digits in groups of up to 3, one leading symbol on words */
    SC_LLM_PRETOK_QWEN2   /* Llama 3's rule with single digits */
} sc_llm_pretok;
/* Length in bytes of the next piece of s (0 at the end). */
size_t sc_llm_pretok_next(const char *s, sc_llm_pretok style);
/* GGUF tokenizer.ggml.pre name ("llama-bpe", "qwen2", "gpt-2", ...) to a style. */
sc_llm_pretok sc_llm_pretok_from_name(const char *name);
/* Selects the pre-tokeniser of a BPE tokenizer (default GPT-2). */
void sc_llm_tokenizer_set_pretok(sc_llm_tokenizer *t, sc_llm_pretok style);
sc_llm_tok_kind sc_llm_tokenizer_kind(const sc_llm_tokenizer *t);

#endif
