// SPDX-License-Identifier: Apache-2.0
// HBM layout of a Llama-family model for the functional decoder programs (weights, KV pages, I/O).
#include <string.h>

#include "compiler/llm_decoder.h"

#define ALIGN 4096u

static uint64_t up(uint64_t x) {
    return (x + ALIGN - 1) / ALIGN * ALIGN;
}

/* Appends n bytes at *at (aligned) and returns the offset. */
static uint64_t take(uint64_t *at, uint64_t n) {
    uint64_t o = *at;
    *at = up(*at + n);
    return o;
}

static int shape_ok(const sc_llm_shape *s) {
    return s->dim > 0 && s->hidden_dim > 0 && s->n_layers > 0 && s->n_heads > 0 &&
           s->n_kv_heads > 0 && s->head_dim > 1 && s->head_dim % 2 == 0 && s->vocab_size > 0 &&
           s->n_heads % s->n_kv_heads == 0 && s->dim <= (1 << 16) && s->hidden_dim <= (1 << 18) &&
           s->n_heads * s->head_dim <= (1 << 16) && s->vocab_size <= (1 << 22) &&
           s->n_layers <= 1024 && s->n_experts >= 0 && s->n_experts <= 256 &&
           (s->n_experts == 0 || (s->n_experts_used >= 1 && s->n_experts_used <= s->n_experts));
}

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

uint64_t sc_llm_matrix_scales(const sc_llm_layout *lay, uint64_t rows, uint64_t cols) {
    return al64(rows * cols * (uint64_t)sc_isa_dtype_bytes(lay->wdtype));
}

uint64_t sc_llm_matrix_bytes(const sc_llm_layout *lay, uint64_t rows, uint64_t cols) {
    uint64_t v = sc_llm_matrix_scales(lay, rows, cols);
    return lay->wdtype == SC_DTYPE_INT8 ? v + al64(rows * 4) : v;
}

static void plan_layer(const sc_llm_shape *s, const sc_llm_layout *lay, sc_llm_layer_offsets *lo,
                       uint64_t *size) {
    uint64_t e = s->n_experts > 0 ? (uint64_t)s->n_experts : 1;
    uint64_t d = (uint64_t)s->dim, h = (uint64_t)s->hidden_dim;
    uint64_t q = (uint64_t)s->n_heads * s->head_dim, kv = (uint64_t)s->n_kv_heads * s->head_dim;
    uint64_t at = 0;
    memset(lo, 0, sizeof *lo);
    lo->attn_norm = take(&at, d * 4);
    lo->wq = take(&at, sc_llm_matrix_bytes(lay, q, d));
    lo->wk = take(&at, sc_llm_matrix_bytes(lay, kv, d));
    lo->wv = take(&at, sc_llm_matrix_bytes(lay, kv, d));
    if (s->qkv_bias) {
        lo->bq = take(&at, q * 4);
        lo->bk = take(&at, kv * 4);
        lo->bv = take(&at, kv * 4);
    }
    lo->wo = take(&at, sc_llm_matrix_bytes(lay, d, q));
    lo->ffn_norm = take(&at, d * 4);
    if (s->gpt2) {
        lo->attn_norm_b = take(&at, d * 4);
        lo->ffn_norm_b = take(&at, d * 4);
        lo->bo = take(&at, d * 4);
        lo->b2 = take(&at, d * 4);
        lo->b3 = take(&at, (uint64_t)s->hidden_dim * 4);
    } else {
        lo->w1 = take(&at, e * sc_llm_matrix_bytes(lay, h, d));
    }
    if (s->n_experts > 0) lo->moe_gate = take(&at, sc_llm_matrix_bytes(lay, e, d));
    lo->w2 = take(&at, e * sc_llm_matrix_bytes(lay, d, h));
    lo->w3 = take(&at, e * sc_llm_matrix_bytes(lay, h, d));
    *size = at;
}

sc_status sc_llm_layout_plan(const sc_llm_shape *s, sc_dtype wdtype, int max_seq, int block_tokens,
                             int cls_tied, sc_llm_layout *out, sc_err *err) {
    memset(out, 0, sizeof *out);
    if (!shape_ok(s)) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm layout: bad model shape");
    if (wdtype != SC_DTYPE_FP32 && wdtype != SC_DTYPE_BF16 && wdtype != SC_DTYPE_INT8)
        return sc_err_set(err, SC_ERR_UNSUPPORTED,
                          "llm layout: weights must be fp32, bf16 or int8");
    if (block_tokens < 1 || block_tokens > 1024 || max_seq < 1 || max_seq > (1 << 20))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm layout: bad max_seq %d / block %d", max_seq,
                          block_tokens);
    /* int8 is weight-only: activations, embeddings and the KV cache are bf16. */
    sc_dtype et = wdtype == SC_DTYPE_INT8 ? SC_DTYPE_BF16 : wdtype;
    uint64_t ees = (uint64_t)sc_isa_dtype_bytes(et);
    uint64_t d = (uint64_t)s->dim, v = (uint64_t)s->vocab_size;
    uint64_t kv = (uint64_t)s->n_kv_heads * s->head_dim;
    out->wdtype = wdtype;
    out->edtype = out->kv_dtype = et;
    out->block_tokens = block_tokens;
    out->max_blocks = (max_seq + block_tokens - 1) / block_tokens;
    out->max_seq = out->max_blocks * block_tokens;
    out->pool_blocks = out->max_blocks;
    uint64_t at = 0, layer_size = 0;
    plan_layer(s, out, &out->lo, &layer_size);
    out->tok_emb = take(&at, v * d * ees);
    out->cls = cls_tied ? out->tok_emb : take(&at, v * d * ees);
    out->out_norm = take(&at, d * 4);
    uint64_t half = (uint64_t)s->head_dim / 2;
    out->rope_cos = take(&at, (uint64_t)out->max_seq * half * 4);
    out->rope_sin = take(&at, (uint64_t)out->max_seq * half * 4);
    if (s->gpt2) {
        out->pos_emb = take(&at, (uint64_t)out->max_seq * d * 4);
        out->out_norm_b = take(&at, d * 4);
    }
    out->layer_base = at;
    out->layer_stride = layer_size;
    at += layer_size * (uint64_t)s->n_layers;
    out->block_bytes = up((uint64_t)s->n_layers * 2 * (uint64_t)block_tokens * kv * ees);
    out->kv_pool = take(&at, out->block_bytes * (uint64_t)out->pool_blocks);
    out->page_table = take(&at, (uint64_t)out->max_blocks * 8);
    out->tokens = take(&at, 1024 * 8);
    out->logits = take(&at, v * 4);
    out->total_bytes = at;
    return SC_OK;
}
