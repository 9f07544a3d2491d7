// SPDX-License-Identifier: Apache-2.0
// llama2.c checkpoint reader (legacy .bin: 7 x int32 config, then fp32 tensors in a fixed order).
#include <stdlib.h>
#include <string.h>

#include "frontends/llm/llm_model.h"

#define L2C_HEADER_BYTES 28

typedef struct cursor {
    const unsigned char *data;
    size_t len, pos;
} cursor;

static int32_t rd_i32(const unsigned char *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t s;
    memcpy(&s, &v, sizeof s);
    return s;
}

/* Copies n floats at the cursor into dst (little-endian fp32 on disk, host is little endian). */
static void take(cursor *c, float *dst, size_t n) {
    memcpy(dst, c->data + c->pos, n * sizeof(float));
    c->pos += n * sizeof(float);
}

/* Tensor order of llama2.c's export: all layers of one kind, then the next kind. */
static void read_tensors(sc_llm_model *m, cursor *c) {
    const sc_llm_config *g = &m->cfg;
    size_t d = (size_t)g->dim, h = (size_t)g->hidden_dim, kv = sc_llm_kv_dim(g),
           q = sc_llm_q_dim(g);
    size_t L = (size_t)g->n_layers;
    take(c, m->tok_emb, (size_t)g->vocab_size * d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].attn_norm, d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].wq, q * d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].wk, kv * d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].wv, kv * d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].wo, d * q);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].ffn_norm, d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].w1, h * d);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].w2, d * h);
    for (size_t l = 0; l < L; l++)
        take(c, m->layers[l].w3, h * d);
    take(c, m->out_norm, d);
    c->pos += (size_t)g->seq_len * (size_t)g->head_dim * sizeof(float); /* old freq_cis tables */
    if (!g->tied_embeddings) take(c, m->cls, (size_t)g->vocab_size * d);
}

/* Bytes the config implies, or 0 on overflow (double is exact far beyond any file we accept). */
static double expected_bytes(const sc_llm_config *g) {
    double d = g->dim, h = g->hidden_dim, kv = (double)sc_llm_kv_dim(g),
           q = (double)sc_llm_q_dim(g);
    double per_layer = 2 * d + q * d * 2 + kv * d * 2 + 3 * h * d;
    double n = (double)g->vocab_size * d * (g->tied_embeddings ? 1 : 2) + per_layer * g->n_layers +
               d + (double)g->seq_len * g->head_dim;
    return L2C_HEADER_BYTES + 4 * n;
}

static sc_status parse(sc_llm_model *m, const unsigned char *data, size_t len,
                       const sc_llm_load_params *p, sc_err *err) {
    const char *path = m->source;
    if (len >= 4 && memcmp(data, "ak42", 4) == 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED,
                          "%s: llama2.c export version 1/2 (magic ak42) is not supported; "
                          "export with --version 0",
                          path);
    if (len < L2C_HEADER_BYTES)
        return sc_err_set(err, SC_ERR_PARSE, "%s: truncated: %zu bytes, the header needs 28", path,
                          len);
    sc_llm_config *g = &m->cfg;
    g->arch = SC_LLM_FAM_LLAMA;
    g->dim = rd_i32(data);
    g->hidden_dim = rd_i32(data + 4);
    g->n_layers = rd_i32(data + 8);
    g->n_heads = rd_i32(data + 12);
    g->n_kv_heads = rd_i32(data + 16);
    int32_t vocab = rd_i32(data + 20);
    g->seq_len = rd_i32(data + 24);
    /* llama2.c's convention: a negative vocabulary size means the classifier is not shared. */
    g->tied_embeddings = vocab > 0;
    g->vocab_size = vocab == INT32_MIN ? 0 : (vocab < 0 ? -vocab : vocab);
    g->norm_eps = 1e-5f;
    g->rope_theta = 10000.0f;
    g->bos_id = 1, g->eos_id = 2;
    if (g->n_kv_heads <= 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s: n_kv_heads = %d is not positive", path,
                          g->n_kv_heads);
    if (g->n_heads <= 0 || g->dim % g->n_heads != 0)
        return sc_err_set(err, SC_ERR_PARSE, "%s: dim %d is not a multiple of n_heads %d", path,
                          g->dim, g->n_heads);
    sc_status s = sc_llm_config_check(path, g, p, err);
    if (s != SC_OK) return s;
    double want = expected_bytes(g);
    if ((double)len != want)
        return sc_err_set(err, SC_ERR_PARSE, "%s: %s: file has %zu bytes, the header implies %.0f",
                          path, (double)len < want ? "truncated" : "trailing bytes", len, want);
    s = sc_llm_model_alloc_all(m, err);
    if (s != SC_OK) return s;
    cursor c = {data, len, L2C_HEADER_BYTES};
    read_tensors(m, &c);
    return SC_OK;
}

sc_status sc_llm_load_llama2c(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                              sc_err *err) {
    *out = NULL;
    sc_llm_load_params def = sc_llm_load_default_params();
    if (!p) p = &def;
    unsigned char *data = NULL;
    size_t len = 0;
    sc_status s = sc_read_file(path, p->max_file_bytes, &data, &len, err);
    if (s != SC_OK) return s;
    sc_llm_model *m = sc_llm_model_new();
    if (!m) {
        free(data);
        return sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", path);
    }
    sc_strlcpy(m->source, path, sizeof m->source);
    sc_strlcpy(m->format, "llama2c", sizeof m->format);
    s = parse(m, data, len, p, err);
    free(data);
    if (s != SC_OK) {
        sc_llm_model_destroy(m);
        return s;
    }
    *out = m;
    return SC_OK;
}
