// SPDX-License-Identifier: Apache-2.0
// LLM model container: allocation, config validation, RoPE row permutation, format dispatch.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontends/llm/llm_model.h"

static const char *const FAMILY_NAMES[SC_LLM_FAM_COUNT] = {"llama", "mistral", "qwen2", "gpt2"};

const char *sc_llm_family_name(sc_llm_family a) {
    return (unsigned)a < SC_LLM_FAM_COUNT ? FAMILY_NAMES[a] : "?";
}

sc_llm_load_params sc_llm_load_default_params(void) {
    sc_llm_load_params p;
    p.max_file_bytes = (size_t)8 << 30;
    p.max_params = (size_t)1 << 31;
    return p;
}

sc_llm_model *sc_llm_model_new(void) {
    sc_llm_model *m = calloc(1, sizeof *m);
    if (m) m->cfg.bos_id = m->cfg.eos_id = -1;
    return m;
}

float *sc_llm_model_alloc(sc_llm_model *m, size_t n) {
    size_t bytes;
    if (n == 0 || sc_mul_size(n, sizeof(float), &bytes)) return NULL;
    if (m->n_owned == m->cap_owned) {
        size_t cap = m->cap_owned ? 2 * m->cap_owned : 64;
        float **o = realloc(m->owned, cap * sizeof *o);
        if (!o) return NULL;
        m->owned = o;
        m->cap_owned = cap;
    }
    float *p = calloc(n, sizeof(float));
    if (p) m->owned[m->n_owned++] = p;
    return p;
}

void sc_llm_model_destroy(sc_llm_model *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_owned; i++)
        free(m->owned[i]);
    free(m->owned);
    free(m->layers);
    sc_llm_tokenizer_destroy(m->tok);
    free(m);
}

size_t sc_llm_q_dim(const sc_llm_config *c) {
    return (size_t)c->n_heads * (size_t)c->head_dim;
}

size_t sc_llm_kv_dim(const sc_llm_config *c) {
    return (size_t)c->n_kv_heads * (size_t)c->head_dim;
}

double sc_llm_config_params(const sc_llm_config *c) {
    double d = c->dim, q = (double)c->n_heads * c->head_dim,
           kv = (double)c->n_kv_heads * c->head_dim;
    double e = c->n_experts > 0 ? c->n_experts : 1;
    double layer = d * q * 2 + d * kv * 2 + 3.0 * d * c->hidden_dim * e + 4 * d + d * c->n_experts;
    double emb = (double)c->vocab_size * d * (c->tied_embeddings ? 1 : 2);
    if (c->arch == SC_LLM_FAM_GPT2) emb += (double)c->seq_len * d;
    return layer * c->n_layers + emb + 2 * d;
}

/* The most compact tensor type the readers take (Q4_0, Q4_K) stores 4.5 bits per weight, so a file
 * of N bytes holds at most 16/9 N weights; a header claiming more than 2 N parameters (room for
 * vectors a reader fills itself) is refused before the model's fp32 arrays, 4 bytes per claimed
 * parameter, are reserved. Without it a 1 kB header could reserve max_params x 4 bytes. */
sc_status sc_llm_check_params_in_file(const char *src, const sc_llm_config *c, double file_bytes,
                                      sc_err *err) {
    double n = sc_llm_config_params(c);
    if (n > 2.0 * file_bytes)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: the header claims %.0f parameters but the file holds only %.0f "
                          "bytes",
                          src, n, file_bytes);
    return SC_OK;
}

/* Sizes are bounded well below INT_MAX so every product in the kernels fits 64 bits easily. */
sc_status sc_llm_config_check(const char *src, sc_llm_config *c, const sc_llm_load_params *p,
                              sc_err *err) {
    if (c->n_heads > 0 && c->head_dim == 0 && c->dim % c->n_heads == 0)
        c->head_dim = c->dim / c->n_heads;
    if (c->n_kv_heads == 0) c->n_kv_heads = c->n_heads;
    struct {
        const char *name;
        int v, lo, hi;
    } f[] = {{"dim", c->dim, 1, 1 << 16},
             {"hidden_dim", c->hidden_dim, 1, 1 << 18},
             {"n_layers", c->n_layers, 1, 1024},
             {"n_heads", c->n_heads, 1, 1024},
             {"n_kv_heads", c->n_kv_heads, 1, 1024},
             {"head_dim", c->head_dim, 2, 1024},
             {"vocab_size", c->vocab_size, 1, 1 << 22},
             {"seq_len", c->seq_len, 1, 1 << 20}};
    for (size_t i = 0; i < SC_ARRAY_LEN(f); i++)
        if (f[i].v < f[i].lo || f[i].v > f[i].hi)
            return sc_err_set(err, SC_ERR_PARSE, "%s: %s = %d is outside [%d, %d]", src, f[i].name,
                              f[i].v, f[i].lo, f[i].hi);
    if (c->n_experts < 0 || c->n_experts > 256 || c->n_experts_used < 0 ||
        c->n_experts_used > c->n_experts || (c->n_experts > 0 && c->n_experts_used < 1))
        return sc_err_set(err, SC_ERR_PARSE, "%s: %d experts with %d used per token is invalid",
                          src, c->n_experts, c->n_experts_used);
    if (c->n_experts > 0 && c->arch == SC_LLM_FAM_GPT2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s: MoE GPT-2 is not supported", src);
    if (c->n_heads % c->n_kv_heads != 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s: n_heads %d is not a multiple of n_kv_heads %d",
                          src, c->n_heads, c->n_kv_heads);
    if (c->head_dim % 2 != 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s: head_dim %d is odd (RoPE needs pairs)", src,
                          c->head_dim);
    if (!(c->norm_eps > 0 && c->norm_eps < 1))
        return sc_err_set(err, SC_ERR_PARSE, "%s: norm epsilon %g is not in (0, 1)", src,
                          (double)c->norm_eps);
    if (c->arch != SC_LLM_FAM_GPT2 && !(c->rope_theta > 1 && c->rope_theta < 1e12))
        return sc_err_set(err, SC_ERR_PARSE, "%s: rope theta %g is not in (1, 1e12)", src,
                          (double)c->rope_theta);
    if (sc_llm_config_params(c) > (double)p->max_params)
        return sc_err_set(err, SC_ERR_LIMIT, "%s: %.0f parameters exceed the limit of %zu", src,
                          sc_llm_config_params(c), p->max_params);
    if (c->bos_id >= c->vocab_size) c->bos_id = -1;
    if (c->eos_id >= c->vocab_size) c->eos_id = -1;
    return SC_OK;
}

static int alloc_layer(sc_llm_model *m, sc_llm_layer *l) {
    const sc_llm_config *c = &m->cfg;
    size_t e = c->n_experts > 0 ? (size_t)c->n_experts : 1;
    size_t d = (size_t)c->dim, h = (size_t)c->hidden_dim * e, q = sc_llm_q_dim(c),
           kv = sc_llm_kv_dim(c);
    int gpt2 = c->arch == SC_LLM_FAM_GPT2;
    if (c->n_experts > 0 && !(l->moe_gate = sc_llm_model_alloc(m, (size_t)c->n_experts * d)))
        return 0;
    l->attn_norm = sc_llm_model_alloc(m, d);
    l->ffn_norm = sc_llm_model_alloc(m, d);
    l->wq = sc_llm_model_alloc(m, q * d);
    l->wk = sc_llm_model_alloc(m, kv * d);
    l->wv = sc_llm_model_alloc(m, kv * d);
    l->wo = sc_llm_model_alloc(m, d * q);
    l->w2 = sc_llm_model_alloc(m, d * h);
    l->w3 = sc_llm_model_alloc(m, h * d);
    int ok = l->attn_norm && l->ffn_norm && l->wq && l->wk && l->wv && l->wo && l->w2 && l->w3;
    if (!gpt2) ok = ok && (l->w1 = sc_llm_model_alloc(m, h * d)) != NULL;
    if (c->qkv_bias || gpt2) {
        ok = ok && (l->bq = sc_llm_model_alloc(m, q)) && (l->bk = sc_llm_model_alloc(m, kv)) &&
             (l->bv = sc_llm_model_alloc(m, kv));
    }
    if (gpt2) {
        ok = ok && (l->bo = sc_llm_model_alloc(m, d)) && (l->b2 = sc_llm_model_alloc(m, d)) &&
             (l->b3 = sc_llm_model_alloc(m, (size_t)c->hidden_dim)) &&
             (l->attn_norm_b = sc_llm_model_alloc(m, d)) &&
             (l->ffn_norm_b = sc_llm_model_alloc(m, d));
    }
    return ok;
}

sc_status sc_llm_model_alloc_all(sc_llm_model *m, sc_err *err) {
    const sc_llm_config *c = &m->cfg;
    size_t d = (size_t)c->dim, v = (size_t)c->vocab_size;
    m->layers = calloc((size_t)c->n_layers, sizeof *m->layers);
    int ok = m->layers != NULL;
    ok = ok && (m->tok_emb = sc_llm_model_alloc(m, v * d)) &&
         (m->out_norm = sc_llm_model_alloc(m, d));
    if (ok) m->cls = c->tied_embeddings ? m->tok_emb : sc_llm_model_alloc(m, v * d);
    ok = ok && m->cls;
    if (c->arch == SC_LLM_FAM_GPT2)
        ok = ok && (m->pos_emb = sc_llm_model_alloc(m, (size_t)c->seq_len * d)) &&
             (m->out_norm_b = sc_llm_model_alloc(m, d));
    for (int i = 0; ok && i < c->n_layers; i++)
        ok = alloc_layer(m, &m->layers[i]);
    if (!ok)
        return sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory for %.0f parameters", m->source,
                          sc_llm_config_params(c));
    return SC_OK;
}

void sc_llm_split_qkv(sc_llm_layer *y, const float *qkv, const float *bqkv, size_t d) {
    memcpy(y->wq, qkv, d * d * sizeof *qkv);
    memcpy(y->wk, qkv + d * d, d * d * sizeof *qkv);
    memcpy(y->wv, qkv + 2 * d * d, d * d * sizeof *qkv);
    memcpy(y->bq, bqkv, d * sizeof *bqkv);
    memcpy(y->bk, bqkv + d, d * sizeof *bqkv);
    memcpy(y->bv, bqkv + 2 * d, d * sizeof *bqkv);
}

sc_status sc_llm_permute_rope_rows(float *w, int n_heads, int head_dim, size_t cols) {
    size_t hd = (size_t)head_dim, half = hd / 2;
    float *tmp = malloc(hd * cols * sizeof *tmp);
    if (!tmp) return SC_ERR_NOMEM;
    for (int h = 0; h < n_heads; h++) {
        float *base = w + (size_t)h * hd * cols;
        /* rotate-half pairs (i, i + hd/2) become adjacent rows (2i, 2i + 1). */
        for (size_t i = 0; i < half; i++) {
            memcpy(tmp + (2 * i) * cols, base + i * cols, cols * sizeof *tmp);
            memcpy(tmp + (2 * i + 1) * cols, base + (i + half) * cols, cols * sizeof *tmp);
        }
        memcpy(base, tmp, hd * cols * sizeof *tmp);
    }
    free(tmp);
    return SC_OK;
}

static float *rope_div_alloc(sc_llm_model *m, sc_err *err) {
    if (!m->rope_div) m->rope_div = sc_llm_model_alloc(m, (size_t)m->cfg.head_dim / 2);
    if (!m->rope_div) sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", m->source);
    return m->rope_div;
}

sc_status sc_llm_rope_scale_linear(sc_llm_model *m, double factor, sc_err *err) {
    if (!(factor >= 1 && factor <= 1024))
        return sc_err_set(err, SC_ERR_PARSE, "%s: RoPE scaling factor %g is not in [1, 1024]",
                          m->source, factor);
    float *d = rope_div_alloc(m, err);
    if (!d) return SC_ERR_NOMEM;
    for (int i = 0; i < m->cfg.head_dim / 2; i++)
        d[i] = (float)factor;
    return SC_OK;
}

sc_status sc_llm_rope_scale_llama3(sc_llm_model *m, double factor, double low, double high,
                                   double orig, sc_err *err) {
    if (!(factor >= 1 && factor <= 1024 && low > 0 && high > low && orig >= 1 && orig <= 1e7))
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: llama3 rope_scaling (factor %g, low %g, high %g, context %g) is "
                          "out of range",
                          m->source, factor, low, high, orig);
    float *d = rope_div_alloc(m, err);
    if (!d) return SC_ERR_NOMEM;
    int hd = m->cfg.head_dim;
    double low_wl = orig / low, high_wl = orig / high;
    for (int i = 0; i < hd / 2; i++) {
        double f = pow(m->cfg.rope_theta, -2.0 * i / hd), wl = 2 * M_PI / f, g = f;
        if (wl > low_wl)
            g = f / factor;
        else if (wl >= high_wl) {
            double s = (orig / wl - low) / (high - low);
            g = (1 - s) * f / factor + s * f;
        }
        d[i] = (float)(f / g);
    }
    return SC_OK;
}

static int file_starts_with(const char *path, const char *magic, size_t n) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char buf[8] = {0};
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got == n && memcmp(buf, magic, n) == 0;
}

sc_status sc_llm_model_load(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                            sc_err *err) {
    *out = NULL;
    sc_llm_load_params def = sc_llm_load_default_params();
    if (!p) p = &def;
    struct stat st;
    if (stat(path, &st) != 0) return sc_err_set(err, SC_ERR_IO, "%s: no such file", path);
    if (S_ISDIR(st.st_mode) || sc_str_endswith(path, ".safetensors") ||
        sc_str_endswith(path, ".json"))
        return sc_llm_load_safetensors(path, p, out, err);
    if (file_starts_with(path, "GGUF", 4)) return sc_llm_load_gguf(path, p, out, err);
    return sc_llm_load_llama2c(path, p, out, err);
}
