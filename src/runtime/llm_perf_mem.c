// SPDX-License-Identifier: Apache-2.0
// LLM memory plan per chip: sharded weights by precision, KV cache, activation workspace.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "runtime/llm_perf_internal.h"

/* Prefill runs in chunks of at most this many tokens, which sizes the activation workspace. */
#define LP_PREFILL_CHUNK 8192

double lp_weight_bytes(sc_llm_prec p) {
    switch (p) {
    case SC_LLM_FP8:
    case SC_LLM_INT8:
        return 1.0;
    case SC_LLM_W4A16:
        return 0.5 + 2.0 / 128.0; /* int4 plus one bf16 scale per group of 128 */
    case SC_LLM_FP32:
        return 4.0;
    default:
        return 2.0;
    }
}

static int kv_elem_bytes(sc_llm_prec p) {
    return p == SC_LLM_FP8 || p == SC_LLM_INT8 ? 1 : p == SC_LLM_FP32 ? 4 : 2;
}

sc_status lp_check_deploy(const sc_llm_arch *a, const sc_llm_deploy *d, sc_err *err) {
    if (!a || !d || !d->chip)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: model, deployment and chip are required");
    if (a->n_layers < 1 || a->d_model < 1 || a->n_heads < 1 || a->head_dim < 1 || a->vocab < 1 ||
        a->n_kv_heads < 1 || a->d_ff < 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: model '%s' has an incomplete architecture",
                          a->name);
    if (d->tp < 1 || d->pp < 1 || d->ep < 1 || d->chips < 1)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: chips, tp, pp and ep must be >= 1");
    if (d->tp * d->pp != d->chips)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "llm: chips (%d) must equal tp x pp (%d x %d); use --tp/--pp", d->chips,
                          d->tp, d->pp);
    if (a->n_heads % d->tp != 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "llm: %d attention heads do not split over tp %d", a->n_heads, d->tp);
    if (d->pp > a->n_layers)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: pp %d exceeds the %d layers", d->pp,
                          a->n_layers);
    if (d->ep > 1 && a->n_experts == 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: --ep needs a mixture-of-experts model");
    if (d->ep > 1 && (d->tp % d->ep != 0 || a->n_experts % d->ep != 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "llm: ep %d must divide tp (%d) and the %d experts (experts are sharded "
                          "within each tensor-parallel group)",
                          d->ep, d->tp, a->n_experts);
    if ((unsigned)d->prec > SC_LLM_FP32)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: bad precision");
    return SC_OK;
}

void lp_shape_of(const sc_llm_arch *a, const sc_llm_deploy *d, lp_shape *s) {
    memset(s, 0, sizeof *s);
    int tp = d->tp;
    s->h_l = a->n_heads / tp;
    s->kv_l = a->mla ? 1 : SC_MAX(1, a->n_kv_heads / tp);
    s->g = SC_MAX(1, s->h_l / s->kv_l);
    int vd = a->v_head_dim ? a->v_head_dim : a->head_dim;
    if (a->mla) {
        s->q_out = s->h_l * (a->head_dim + a->rope_head_dim);
        s->o_in = s->h_l * vd;
    } else {
        s->q_out = (s->h_l + 2 * s->kv_l) * a->head_dim;
        s->o_in = s->h_l * a->head_dim;
    }
    s->ff_l = (a->d_ff + tp - 1) / tp;
    if (a->n_experts > 0) {
        int etp = tp / d->ep; /* each expert is split over the tp/ep chips that hold it */
        s->e_l = a->n_experts / d->ep;
        s->ffe_l = (a->d_ff_expert + etp - 1) / etp;
    }
    s->layers_stage = (a->n_layers + d->pp - 1) / d->pp;
    s->wbytes = lp_weight_bytes(d->prec);
    s->kv_bytes = kv_elem_bytes(d->prec);
}

/* Matmul parameters of one layer held by one chip, and replicated (bf16) small tensors. */
static void layer_bytes(const sc_llm_arch *a, const sc_llm_deploy *d, const lp_shape *s, int moe,
                        double *out) {
    double dm = a->d_model, wb = s->wbytes, tp = d->tp;
    double attn;
    if (a->mla) {
        double rd = a->rope_head_dim, hd = a->head_dim, vd = a->v_head_dim ? a->v_head_dim : hd;
        double down = dm * a->q_lora_rank + dm * (a->kv_lora_rank + rd); /* replicated */
        double up = (double)a->q_lora_rank * a->n_heads * (hd + rd) +
                    (double)a->kv_lora_rank * a->n_heads * (hd + vd) + a->n_heads * vd * dm;
        attn = down * wb + up / tp * wb;
    } else {
        double qkvo =
            dm * a->n_heads * a->head_dim * 2.0 + 2.0 * dm * (double)s->kv_l * tp * a->head_dim;
        attn = qkvo / tp * wb;
    }
    double mats = a->gated_mlp ? 3.0 : 2.0, mlp;
    if (moe) {
        double expert = mats * dm * a->d_ff_expert;
        mlp = (a->n_experts + a->n_shared_experts) * expert / tp * wb + dm * a->n_experts * 2.0;
    } else {
        mlp = mats * dm * a->d_ff / tp * wb;
    }
    *out = attn + mlp + 4.0 * dm * 2.0; /* norms (and their biases) in bf16 */
}

/* Weight bytes on the most loaded chip: its stage's layers plus embeddings/classifier. */
static double weights_per_chip(const sc_llm_arch *a, const sc_llm_deploy *d, const lp_shape *s) {
    double dense = 0, moe = 0, total = 0;
    layer_bytes(a, d, s, 0, &dense);
    if (a->n_experts > 0) layer_bytes(a, d, s, 1, &moe);
    for (int l = 0; l < a->n_layers; l++)
        total += (a->n_experts > 0 && l >= a->n_dense_layers) ? moe : dense;
    double layers = total * s->layers_stage / a->n_layers;
    /* The embedding table is a gather (kept in bf16); the classifier is a matmul. */
    double vd = (double)a->vocab * a->d_model / d->tp;
    double emb = vd * (d->prec == SC_LLM_FP32 ? 4.0 : 2.0),
           cls = a->tied_embeddings ? 0 : vd * s->wbytes;
    double ends = d->pp == 1 ? emb + cls : SC_MAX(emb, cls);
    return layers + ends;
}

static double kv_per_token(const sc_llm_arch *a, const lp_shape *s) {
    double per_layer = a->mla ? (double)(a->kv_lora_rank + a->rope_head_dim) * s->kv_bytes
                              : 2.0 * s->kv_l * a->head_dim * s->kv_bytes;
    return per_layer * s->layers_stage;
}

/* Workspace of one prefill chunk (or one decode batch): residual, normed input, QKV, MLP
 * intermediate (gate and up), bf16, plus fp32 logits of the batch's last tokens. */
static double activations(const sc_llm_arch *a, const sc_llm_deploy *d, const lp_shape *s,
                          int batch, int ctx) {
    double tokens = SC_MIN((double)batch * ctx, (double)SC_MAX(batch, LP_PREFILL_CHUNK));
    double ff =
        a->n_experts > 0 ? SC_MAX(s->ff_l, (double)a->n_experts_active * s->ffe_l) : s->ff_l;
    double per_tok = 2.0 * (3.0 * a->d_model + s->q_out + 2.0 * ff);
    return tokens * per_tok + (double)batch * a->vocab / d->tp * 4.0;
}

sc_status sc_llm_memory_plan(const sc_llm_arch *a, const sc_llm_deploy *d, int batch, int ctx,
                             sc_llm_memory *out, sc_err *err) {
    if (!out) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm memory plan: out is NULL");
    memset(out, 0, sizeof *out);
    sc_status st = lp_check_deploy(a, d, err);
    if (st != SC_OK) return st;
    if (batch < 0 || ctx < 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm memory plan: batch and context >= 0");
    lp_shape s;
    lp_shape_of(a, d, &s);
    out->weights = weights_per_chip(a, d, &s);
    out->kv_per_token = kv_per_token(a, &s);
    out->kv_cache = out->kv_per_token * (double)batch * ctx;
    out->activations = activations(a, d, &s, batch, ctx);
    out->hbm_capacity = sc_dram_capacity(&d->chip->hbm);
    out->lpddr_capacity = d->chip->lpddr.present ? sc_dram_capacity(&d->chip->lpddr) : 0.0;
    out->capacity = out->hbm_capacity + out->lpddr_capacity;
    double free_b = out->capacity - out->weights - out->activations;
    out->kv_capacity_tokens =
        free_b > 0 && out->kv_per_token > 0 ? floor(free_b / out->kv_per_token) : 0;
    double need = out->weights + out->kv_cache + out->activations;
    out->fits = need <= out->capacity;
    if (out->fits)
        snprintf(out->reason, sizeof out->reason, "fits: %.1f of %.1f GB per chip", need / 1e9,
                 out->capacity / 1e9);
    else
        snprintf(out->reason, sizeof out->reason,
                 "does not fit: weights %.1f GB + KV cache %.1f GB + activations %.1f GB = %.1f GB "
                 "per chip, %s has %.1f GB",
                 out->weights / 1e9, out->kv_cache / 1e9, out->activations / 1e9, need / 1e9,
                 d->chip->name, out->capacity / 1e9);
    return SC_OK;
}
