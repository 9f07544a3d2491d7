// SPDX-License-Identifier: Apache-2.0
// Model zoo: published architecture hyper-parameters (from each model's config.json / paper).
#include <string.h>

#include "runtime/llm_perf.h"

/* Field order follows sc_llm_arch. Sources: the Hugging Face config.json of each release
 * (meta-llama, mistralai, Qwen/Qwen2.5-72B, deepseek-ai/DeepSeek-V3, EleutherAI/gpt-j-6b). */
#define DENSE(nm, fam, L, d, h, kv, hd, ff, voc, ctx, tied, theta)                                 \
    {                                                                                              \
        .name = nm, .family = fam, .n_layers = L, .d_model = d, .n_heads = h, .n_kv_heads = kv,    \
        .head_dim = hd, .d_ff = ff, .vocab = voc, .max_ctx = ctx, .tied_embeddings = tied,         \
        .rope_theta = theta, .gated_mlp = 1                                                        \
    }

static const sc_llm_arch k_zoo[] = {
    DENSE("llama-2-7b", "llama", 32, 4096, 32, 32, 128, 11008, 32000, 4096, 0, 10000.0),
    DENSE("llama-2-13b", "llama", 40, 5120, 40, 40, 128, 13824, 32000, 4096, 0, 10000.0),
    DENSE("llama-2-70b", "llama", 80, 8192, 64, 8, 128, 28672, 32000, 4096, 0, 10000.0),
    DENSE("llama-3-8b", "llama", 32, 4096, 32, 8, 128, 14336, 128256, 8192, 0, 500000.0),
    DENSE("llama-3-70b", "llama", 80, 8192, 64, 8, 128, 28672, 128256, 8192, 0, 500000.0),
    DENSE("llama-3.1-405b", "llama", 126, 16384, 128, 8, 128, 53248, 128256, 131072, 0, 500000.0),
    /* Mistral-7B-v0.1 (sliding window 4096 is not modelled: attention sees the whole context). */
    DENSE("mistral-7b", "mistral", 32, 4096, 32, 8, 128, 14336, 32000, 32768, 0, 10000.0),
    {.name = "mixtral-8x7b",
     .family = "mixtral",
     .n_layers = 32,
     .d_model = 4096,
     .n_heads = 32,
     .n_kv_heads = 8,
     .head_dim = 128,
     .d_ff = 14336,
     .vocab = 32000,
     .max_ctx = 32768,
     .n_experts = 8,
     .n_experts_active = 2,
     .d_ff_expert = 14336,
     .rope_theta = 1e6,
     .gated_mlp = 1},
    {.name = "qwen2.5-72b",
     .family = "qwen2",
     .n_layers = 80,
     .d_model = 8192,
     .n_heads = 64,
     .n_kv_heads = 8,
     .head_dim = 128,
     .d_ff = 29568,
     .vocab = 152064,
     .max_ctx = 32768,
     .rope_theta = 1e6,
     .gated_mlp = 1,
     .qkv_bias = 1},
    /* 61 layers, the first 3 dense (d_ff 18432), then 256 routed experts (8 active) plus 1 shared
     * expert of 2048; MLA with q_lora 1536, kv_lora 512, qk_nope 128 + qk_rope 64, v 128. The
     * multi-token-prediction module (14B) is not part of inference here. */
    {.name = "deepseek-v3",
     .family = "deepseek-v3",
     .n_layers = 61,
     .d_model = 7168,
     .n_heads = 128,
     .n_kv_heads = 128,
     .head_dim = 128,
     .d_ff = 18432,
     .vocab = 129280,
     .max_ctx = 163840,
     .n_experts = 256,
     .n_experts_active = 8,
     .d_ff_expert = 2048,
     .n_shared_experts = 1,
     .n_dense_layers = 3,
     .mla = 1,
     .kv_lora_rank = 512,
     .q_lora_rank = 1536,
     .rope_head_dim = 64,
     .rope_theta = 10000.0,
     .gated_mlp = 1,
     .v_head_dim = 128},
    /* GPT-J: parallel attention + GELU MLP, rotary on the first 64 dims of each head. */
    {.name = "gpt-j-6b",
     .family = "gptj",
     .n_layers = 28,
     .d_model = 4096,
     .n_heads = 16,
     .n_kv_heads = 16,
     .head_dim = 256,
     .d_ff = 16384,
     .vocab = 50400,
     .max_ctx = 2048,
     .rope_head_dim = 64,
     .rope_theta = 10000.0,
     .gated_mlp = 0,
     .parallel_attn = 1},
};

size_t sc_llm_zoo_count(void) {
    return SC_ARRAY_LEN(k_zoo);
}

const char *sc_llm_zoo_name(size_t i) {
    return i < SC_ARRAY_LEN(k_zoo) ? k_zoo[i].name : NULL;
}

sc_status sc_llm_zoo_find(const char *name, sc_llm_arch *out, sc_err *err) {
    if (!name || !out) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm zoo: name and out needed");
    for (size_t i = 0; i < SC_ARRAY_LEN(k_zoo); i++) {
        if (strcmp(k_zoo[i].name, name) == 0) {
            *out = k_zoo[i];
            return SC_OK;
        }
    }
    sc_strbuf list;
    sc_strbuf_init(&list);
    for (size_t i = 0; i < SC_ARRAY_LEN(k_zoo); i++)
        sc_strbuf_printf(&list, "%s%s", i ? ", " : "", k_zoo[i].name);
    sc_err_set(err, SC_ERR_NOT_FOUND, "unknown model '%s' (zoo: %s)", name,
               list.data ? list.data : "");
    sc_strbuf_free(&list);
    return SC_ERR_NOT_FOUND;
}

/* Attention projection parameters of one layer (weights and biases). */
static double attn_params(const sc_llm_arch *a) {
    double d = a->d_model, h = a->n_heads, hd = a->head_dim;
    if (a->mla) {
        double vd = a->v_head_dim ? a->v_head_dim : hd, rd = a->rope_head_dim;
        double q = a->q_lora_rank > 0
                       ? d * a->q_lora_rank + a->q_lora_rank + a->q_lora_rank * h * (hd + rd)
                       : d * h * (hd + rd);
        double kv =
            d * (a->kv_lora_rank + rd) + a->kv_lora_rank + (double)a->kv_lora_rank * h * (hd + vd);
        return q + kv + h * vd * d;
    }
    double kvd = (double)a->n_kv_heads * hd;
    double p = d * h * hd + 2.0 * d * kvd + h * hd * d;
    if (a->qkv_bias) p += h * hd + 2.0 * kvd;
    return p;
}

/* One feed-forward block of width ff (gated: gate+up+down; else up+down with biases). */
static double mlp_params(const sc_llm_arch *a, double ff) {
    double d = a->d_model;
    return a->gated_mlp ? 3.0 * d * ff : 2.0 * d * ff + ff + d;
}

static int is_moe_layer(const sc_llm_arch *a, int layer) {
    return a->n_experts > 0 && layer >= a->n_dense_layers;
}

static double layer_params(const sc_llm_arch *a, int layer, int active_only) {
    double norms = a->gated_mlp ? 2.0 * a->d_model : 4.0 * a->d_model; /* LayerNorm has bias */
    double p = attn_params(a) + norms;
    if (!is_moe_layer(a, layer)) return p + mlp_params(a, a->d_ff);
    double n = active_only ? a->n_experts_active : a->n_experts;
    p += (double)a->d_model * a->n_experts; /* router */
    p += (n + a->n_shared_experts) * mlp_params(a, a->d_ff_expert);
    return p;
}

static double embed_params(const sc_llm_arch *a) {
    double e = (double)a->vocab * a->d_model;
    double p = a->tied_embeddings ? e : 2.0 * e;
    if (!a->gated_mlp)
        p += a->vocab + 2.0 * a->d_model; /* gpt-j: lm_head bias, final LN bias */
    else
        p += a->d_model; /* final RMSNorm */
    return p;
}

static double count(const sc_llm_arch *a, int active_only) {
    if (!a) return 0.0;
    double p = embed_params(a);
    for (int l = 0; l < a->n_layers; l++)
        p += layer_params(a, l, active_only);
    return p;
}

double sc_llm_param_count(const sc_llm_arch *a) {
    return count(a, 0);
}

double sc_llm_active_param_count(const sc_llm_arch *a) {
    return count(a, 1);
}
