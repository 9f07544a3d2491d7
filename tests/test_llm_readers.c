// SPDX-License-Identifier: Apache-2.0
// Checkpoint readers: random-weight GGUF and safetensors written here load to the same weights and
// generate the fp64 reference's tokens on the chip; dequant blocks; tokenizers; hostile files.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/llm/llm_dequant.h"
#include "helpers/testutil.h"
#include "numerics/numerics.h"
#include "runtime/llm_gen.h"
#include "test_llm_ref.h"

/* ---- a random model whose weights are exact in every format written below ---- */

static uint64_t rng_state = 42;
static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* Values q * 2^-6 with |q| < 32: exact in bf16, f16, and Q8_0 with d = 2^-6. */
static void fill(float *w, size_t n, float scale) {
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((int)(rnd() % 63) - 31) / 64.0f * scale;
}

/* experts > 0: Mixtral-style MoE FFN with that many experts, 2 used per token. */
static sc_llm_model *random_model(sc_llm_family fam, int experts) {
    sc_llm_model *m = sc_llm_model_new();
    sc_llm_config *c = &m->cfg;
    c->arch = fam;
    c->dim = 64, c->hidden_dim = 96, c->n_layers = 2, c->n_heads = 8, c->n_kv_heads = 2;
    c->vocab_size = 300, c->seq_len = 128, c->norm_eps = 1e-5f, c->rope_theta = 10000.0f;
    c->qkv_bias = fam == SC_LLM_FAM_QWEN2;
    c->tied_embeddings = fam == SC_LLM_FAM_QWEN2;
    c->bos_id = 1, c->eos_id = 2;
    c->n_experts = experts, c->n_experts_used = experts ? 2 : 0;
    sc_err err = {0};
    sc_llm_load_params p = sc_llm_load_default_params();
    sc_strlcpy(m->source, "random", sizeof m->source);
    if (sc_llm_config_check("random", c, &p, &err) || sc_llm_model_alloc_all(m, &err))
        fail_msg("%s", err.msg);
    size_t d = 64, h = 96 * (size_t)(experts ? experts : 1), q = 64, kv = 16, v = 300;
    fill(m->tok_emb, v * d, 1.0f);
    if (!c->tied_embeddings) fill(m->cls, v * d, 1.0f);
    for (size_t i = 0; i < d; i++)
        m->out_norm[i] = 1.0f + (float)(i % 5) / 8.0f;
    for (int l = 0; l < c->n_layers; l++) {
        sc_llm_layer *y = &m->layers[l];
        fill(y->wq, q * d, 0.5f), fill(y->wk, kv * d, 0.5f), fill(y->wv, kv * d, 0.5f);
        fill(y->wo, d * q, 0.5f), fill(y->w1, h * d, 0.5f), fill(y->w3, h * d, 0.5f);
        fill(y->w2, d * h, 0.5f);
        if (y->moe_gate) fill(y->moe_gate, (size_t)experts * d, 1.0f);
        for (size_t i = 0; i < d; i++)
            y->attn_norm[i] = y->ffn_norm[i] = 0.75f + (float)(i % 3) / 4;
        if (y->bq) fill(y->bq, q, 0.25f), fill(y->bk, kv, 0.25f), fill(y->bv, kv, 0.25f);
    }
    return m;
}

/* ---- byte writer ---- */
typedef struct wb {
    unsigned char *d;
    size_t n, cap;
} wb;

static void put(wb *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 1024;
        b->d = realloc(b->d, b->cap);
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
static void put_u32(wb *b, uint32_t v) {
    put(b, &v, 4);
}
static void put_u64(wb *b, uint64_t v) {
    put(b, &v, 8);
}
static void put_str(wb *b, const char *s) {
    put_u64(b, strlen(s));
    put(b, s, strlen(s));
}

/* ---- GGUF writer (llama / qwen2 layout, F32 + F16 + BF16 + Q8_0 tensors) ---- */
typedef struct gt {
    char name[64];
    const float *w;
    size_t rows, cols;
    int type;
    int experts; /* > 0: a 3-D stack {cols, rows / experts, experts} */
} gt;

static void kv_u32(wb *b, const char *k, uint32_t v) {
    put_str(b, k), put_u32(b, 4), put_u32(b, v);
}
static void kv_f32(wb *b, const char *k, float v) {
    put_str(b, k), put_u32(b, 6), put(b, &v, 4);
}
static void kv_str(wb *b, const char *k, const char *v) {
    put_str(b, k), put_u32(b, 8), put_str(b, v);
}

static size_t tensor_bytes(const gt *t) {
    size_t n = t->rows * t->cols;
    return t->type == SC_GGML_F32 ? n * 4 : t->type == SC_GGML_Q8_0 ? n / 32 * 34 : n * 2;
}

static void put_tensor_data(wb *b, const gt *t) {
    size_t n = t->rows * t->cols;
    for (size_t i = 0; i < n; i++) {
        if (t->type == SC_GGML_F32)
            put(b, &t->w[i], 4);
        else if (t->type == SC_GGML_F16) {
            uint16_t h = sc_f32_to_f16(t->w[i]);
            put(b, &h, 2);
        } else if (t->type == SC_GGML_BF16) {
            uint16_t h = sc_f32_to_bf16(t->w[i]);
            put(b, &h, 2);
        } else if (i % 32 == 0) { /* Q8_0 with d = max|w| / 31 over the block: exact here */
            uint16_t d = sc_f32_to_f16(1.0f / 64.0f * 0.5f);
            put(b, &d, 2);
            for (int j = 0; j < 32; j++) {
                int8_t q = (int8_t)lrintf(t->w[i + j] / (0.5f / 64.0f));
                put(b, &q, 1);
            }
        }
    }
}

/* GGUF tensor infos, the 32-byte alignment and the data of n tensors (after the key/values). */
static void put_gguf_tensors(wb *b, const gt *t, int n) {
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        put_str(b, t[i].name);
        if (t[i].experts) {
            put_u32(b, 3), put_u64(b, t[i].cols);
            put_u64(b, t[i].rows / (size_t)t[i].experts), put_u64(b, (uint64_t)t[i].experts);
        } else {
            put_u32(b, t[i].rows == 1 ? 1 : 2), put_u64(b, t[i].cols);
            if (t[i].rows != 1) put_u64(b, t[i].rows);
        }
        put_u32(b, (uint32_t)t[i].type), put_u64(b, off);
        off += (tensor_bytes(&t[i]) + 31) / 32 * 32;
    }
    unsigned char z[32] = {0};
    put(b, z, (32 - b->n % 32) % 32);
    for (int i = 0; i < n; i++) {
        put_tensor_data(b, &t[i]);
        put(b, z, (32 - tensor_bytes(&t[i]) % 32) % 32);
    }
}

static int add_gt(gt *v, int n, const char *name, const float *w, size_t rows, size_t cols,
                  int type) {
    snprintf(v[n].name, sizeof v[n].name, "%s", name);
    v[n].w = w, v[n].rows = rows, v[n].cols = cols, v[n].type = type, v[n].experts = 0;
    return n + 1;
}

static int model_tensors(const sc_llm_model *m, gt *v) {
    const sc_llm_config *c = &m->cfg;
    int n = 0;
    n = add_gt(v, n, "token_embd.weight", m->tok_emb, 300, 64, SC_GGML_F16);
    n = add_gt(v, n, "output_norm.weight", m->out_norm, 1, 64, SC_GGML_F32);
    if (m->rope_div) n = add_gt(v, n, "rope_freqs.weight", m->rope_div, 1, 4, SC_GGML_F32);
    if (!c->tied_embeddings) n = add_gt(v, n, "output.weight", m->cls, 300, 64, SC_GGML_BF16);
    for (int l = 0; l < c->n_layers; l++) {
        const sc_llm_layer *y = &m->layers[l];
        char nm[64];
#define T(suffix, w, r, cc, ty)                                                                    \
    (snprintf(nm, sizeof nm, "blk.%d." suffix, l), n = add_gt(v, n, nm, w, r, cc, ty))
        T("attn_norm.weight", y->attn_norm, 1, 64, SC_GGML_F32);
        T("attn_q.weight", y->wq, 64, 64, SC_GGML_F32);
        T("attn_k.weight", y->wk, 16, 64, SC_GGML_F16);
        T("attn_v.weight", y->wv, 16, 64, SC_GGML_BF16);
        T("attn_output.weight", y->wo, 64, 64, SC_GGML_Q8_0);
        T("ffn_norm.weight", y->ffn_norm, 1, 64, SC_GGML_F32);
        if (c->n_experts) {
            size_t e = (size_t)c->n_experts;
            T("ffn_gate_inp.weight", y->moe_gate, e, 64, SC_GGML_F32);
            T("ffn_gate_exps.weight", y->w1, e * 96, 64, SC_GGML_Q8_0), v[n - 1].experts = (int)e;
            T("ffn_down_exps.weight", y->w2, e * 64, 96, SC_GGML_Q8_0), v[n - 1].experts = (int)e;
            T("ffn_up_exps.weight", y->w3, e * 96, 64, SC_GGML_F16), v[n - 1].experts = (int)e;
        } else {
            T("ffn_gate.weight", y->w1, 96, 64, SC_GGML_Q8_0);
            T("ffn_down.weight", y->w2, 64, 96, SC_GGML_Q8_0);
            T("ffn_up.weight", y->w3, 96, 64, SC_GGML_F32);
        }
        if (y->bq) {
            T("attn_q.bias", y->bq, 1, 64, SC_GGML_F32);
            T("attn_k.bias", y->bk, 1, 16, SC_GGML_F32);
            T("attn_v.bias", y->bv, 1, 16, SC_GGML_F32);
        }
#undef T
    }
    return n;
}

/* rotate-half order of a head's rows/values: inverse of the loader's permutation. */
static float *to_rotate_half(const float *w, int heads, int hd, size_t cols) {
    float *o = malloc((size_t)heads * hd * cols * sizeof *o);
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < hd / 2; i++) {
            const float *src = w + ((size_t)h * hd) * cols;
            memcpy(o + ((size_t)h * hd + i) * cols, src + (2 * i) * cols, cols * 4);
            memcpy(o + ((size_t)h * hd + i + hd / 2) * cols, src + (2 * i + 1) * cols, cols * 4);
        }
    return o;
}

static wb write_gguf(const sc_llm_model *m) {
    wb b = {0};
    gt t[64];
    float *perm[16] = {0};
    int np = 0, nt = model_tensors(m, t);
    int qwen = m->cfg.arch == SC_LLM_FAM_QWEN2;
    const char *a = qwen ? "qwen2" : "llama";
    if (qwen) /* llama.cpp keeps qwen2 q/k in rotate-half order */
        for (int i = 0; i < nt; i++) {
            int heads = strstr(t[i].name, "attn_q") ? 8 : strstr(t[i].name, "attn_k") ? 2 : 0;
            if (!heads) continue;
            perm[np] = to_rotate_half(t[i].w, heads, 8, t[i].rows == 1 ? 1 : 64);
            t[i].w = perm[np++];
        }
    char k[64];
    int moe = m->cfg.n_experts > 0;
    put_u32(&b, 0x46554747u), put_u32(&b, 3), put_u64(&b, (uint64_t)nt), put_u64(&b, moe ? 16 : 14);
    kv_str(&b, "general.architecture", a);
    if (moe) {
        snprintf(k, sizeof k, "%s.expert_count", a), kv_u32(&b, k, (uint32_t)m->cfg.n_experts);
        snprintf(k, sizeof k, "%s.expert_used_count", a), kv_u32(&b, k, 2);
    }
#define K(s, v) (snprintf(k, sizeof k, "%s." s, a), kv_u32(&b, k, v))
    K("context_length", 128), K("embedding_length", 64), K("block_count", 2);
    K("feed_forward_length", 96), K("attention.head_count", 8), K("attention.head_count_kv", 2);
#undef K
    snprintf(k, sizeof k, "%s.attention.layer_norm_rms_epsilon", a), kv_f32(&b, k, 1e-5f);
    snprintf(k, sizeof k, "%s.rope.freq_base", a), kv_f32(&b, k, 10000.0f);
    kv_str(&b, "tokenizer.ggml.model", "llama");
    put_str(&b, "tokenizer.ggml.tokens"), put_u32(&b, 9), put_u32(&b, 8), put_u64(&b, 300);
    for (int i = 0; i < 300; i++) {
        char tok[16];
        if (i < 3)
            snprintf(tok, sizeof tok, "%s", i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>");
        else if (i < 259)
            snprintf(tok, sizeof tok, "<0x%02X>", i - 3);
        else
            snprintf(tok, sizeof tok, "\xe2\x96\x81w%d", i);
        put_str(&b, tok);
    }
    put_str(&b, "tokenizer.ggml.scores"), put_u32(&b, 9), put_u32(&b, 6), put_u64(&b, 300);
    for (int i = 0; i < 300; i++) {
        float s = (float)-i;
        put(&b, &s, 4);
    }
    kv_u32(&b, "tokenizer.ggml.bos_token_id", 1);
    kv_u32(&b, "tokenizer.ggml.eos_token_id", 2);
    put_gguf_tensors(&b, t, nt);
    for (int i = 0; i < np; i++)
        free(perm[i]);
    return b;
}

static void assert_same_weights(const sc_llm_model *a, const sc_llm_model *b) {
    const sc_llm_config *c = &a->cfg;
    assert_int_equal(c->dim, b->cfg.dim);
    assert_int_equal(c->n_kv_heads, b->cfg.n_kv_heads);
    assert_int_equal(c->vocab_size, b->cfg.vocab_size);
    assert_int_equal(c->tied_embeddings, b->cfg.tied_embeddings);
    assert_int_equal(c->qkv_bias, b->cfg.qkv_bias);
    size_t d = 64, e = c->n_experts ? (size_t)c->n_experts : 1;
    assert_int_equal(c->n_experts, b->cfg.n_experts);
    assert_int_equal(c->n_experts_used, b->cfg.n_experts_used);
    assert_memory_equal(a->tok_emb, b->tok_emb, 300 * d * 4);
    assert_memory_equal(a->cls, b->cls, 300 * d * 4);
    for (int l = 0; l < c->n_layers; l++) {
        const sc_llm_layer *x = &a->layers[l], *y = &b->layers[l];
        assert_memory_equal(x->wq, y->wq, 64 * d * 4);
        assert_memory_equal(x->wk, y->wk, 16 * d * 4);
        assert_memory_equal(x->wv, y->wv, 16 * d * 4);
        assert_memory_equal(x->wo, y->wo, 64 * d * 4);
        assert_memory_equal(x->w1, y->w1, e * 96 * d * 4);
        assert_memory_equal(x->w2, y->w2, e * 96 * d * 4);
        assert_memory_equal(x->w3, y->w3, e * 96 * d * 4);
        if (x->moe_gate) assert_memory_equal(x->moe_gate, y->moe_gate, e * d * 4);
        assert_memory_equal(x->ffn_norm, y->ffn_norm, d * 4);
        if (x->bq) assert_memory_equal(x->bq, y->bq, 64 * 4), assert_memory_equal(x->bk, y->bk, 64);
    }
}

/* Greedy tokens on the chip (fp32) equal the fp64 reference's on the original weights. */
static void assert_chip_matches_reference(const sc_llm_model *orig, const sc_llm_model *loaded) {
    int prompt[5] = {1, 17, 200, 33, 290}, want[12], got[12];
    ref_greedy(orig, prompt, 5, want, 12);
    sc_chip *c = NULL;
    char e[512];
    sc_chip_load_params cp = sc_chip_load_default_params();
    if (sc_chip_load("seedchip-1", &cp, &c, e, sizeof e) != SC_OK) fail_msg("%s", e);
    sc_llm_gen_params p = sc_llm_gen_default_params();
    p.max_seq = 32, p.block_tokens = 4, p.prefill_bucket = 4;
    sc_llm_gen *g = NULL;
    sc_err err = {0};
    if (sc_llm_gen_create(c, loaded, &p, &g, &err) != SC_OK) fail_msg("%s", err.msg);
    if (sc_llm_gen_feed(g, prompt, 5, &err) != SC_OK) fail_msg("%s", err.msg);
    for (int i = 0; i < 12; i++) {
        got[i] = sc_llm_gen_sample(g);
        if (i < 11 && sc_llm_gen_feed(g, &got[i], 1, &err) != SC_OK) fail_msg("%s", err.msg);
    }
    for (int i = 0; i < 12; i++)
        assert_int_equal(got[i], want[i]);
    sc_llm_gen_destroy(g);
    /* bf16 and int8 (W8A16) programs of this architecture run too (tolerances: test_llm_chip). */
    sc_dtype other[2] = {SC_DTYPE_BF16, SC_DTYPE_INT8};
    for (int k = 0; k < 2; k++) {
        p.precision = other[k];
        if (sc_llm_gen_create(c, loaded, &p, &g, &err) != SC_OK) fail_msg("%s", err.msg);
        if (sc_llm_gen_feed(g, prompt, 5, &err) != SC_OK) fail_msg("%s", err.msg);
        const float *lg = sc_llm_gen_logits(g);
        for (int v = 0; v < loaded->cfg.vocab_size; v++)
            assert_true(isfinite(lg[v]));
        sc_llm_gen_destroy(g);
    }
    sc_chip_destroy(c);
}

static sc_llm_model *load_ok(const char *path) {
    sc_llm_model *m = NULL;
    sc_err err = {0};
    if (sc_llm_model_load(path, NULL, &m, &err) != SC_OK) fail_msg("%s", err.msg);
    return m;
}

static void gguf_roundtrip(sc_llm_family fam, int experts) {
    sc_llm_model *m = random_model(fam, experts);
    if (fam == SC_LLM_FAM_LLAMA && !experts) { /* Llama 3.1-style per-frequency divisors */
        m->rope_div = sc_llm_model_alloc(m, 4);
        for (int i = 0; i < 4; i++)
            m->rope_div[i] = (float)(1 << i);
    }
    wb b = write_gguf(m);
    const char *path = tu_write_temp(".gguf", b.d, b.n);
    sc_llm_model *l = load_ok(path);
    assert_string_equal(l->format, "gguf");
    assert_same_weights(m, l);
    if (m->rope_div)
        assert_memory_equal(m->rope_div, l->rope_div, 4 * sizeof(float));
    else
        assert_null(l->rope_div);
    assert_non_null(l->tok);
    assert_chip_matches_reference(m, l);
    remove(path);
    free(b.d);
    sc_llm_model_destroy(l);
    sc_llm_model_destroy(m);
}

static void test_gguf_llama(void **state) {
    (void)state;
    gguf_roundtrip(SC_LLM_FAM_LLAMA, 0);
}

static void test_gguf_qwen2(void **state) {
    (void)state;
    gguf_roundtrip(SC_LLM_FAM_QWEN2, 0);
}

/* ---- GPT-2 in GGUF: fused attn_qkv, LayerNorm biases, learned positions ---- */

static sc_llm_model *random_gpt2(void) {
    sc_llm_model *m = sc_llm_model_new();
    sc_llm_config *c = &m->cfg;
    c->arch = SC_LLM_FAM_GPT2;
    c->dim = 64, c->hidden_dim = 128, c->n_layers = 2, c->n_heads = 4, c->n_kv_heads = 4;
    c->vocab_size = 300, c->seq_len = 64, c->norm_eps = 1e-5f, c->rope_theta = 10000.0f;
    c->qkv_bias = 1, c->tied_embeddings = 1, c->bos_id = 1, c->eos_id = 2;
    sc_err err = {0};
    sc_llm_load_params p = sc_llm_load_default_params();
    if (sc_llm_config_check("gpt2", c, &p, &err) || sc_llm_model_alloc_all(m, &err))
        fail_msg("%s", err.msg);
    fill(m->tok_emb, 300 * 64, 1.0f), fill(m->pos_emb, 64 * 64, 0.5f);
    fill(m->out_norm, 64, 1.0f), fill(m->out_norm_b, 64, 0.25f);
    for (int l = 0; l < 2; l++) {
        sc_llm_layer *y = &m->layers[l];
        fill(y->wq, 64 * 64, 0.5f), fill(y->wk, 64 * 64, 0.5f), fill(y->wv, 64 * 64, 0.5f);
        fill(y->wo, 64 * 64, 0.5f), fill(y->w3, 128 * 64, 0.5f), fill(y->w2, 64 * 128, 0.5f);
        fill(y->bq, 64, 0.25f), fill(y->bk, 64, 0.25f), fill(y->bv, 64, 0.25f);
        fill(y->bo, 64, 0.25f), fill(y->b2, 64, 0.25f), fill(y->b3, 128, 0.25f);
        fill(y->attn_norm, 64, 1.0f), fill(y->attn_norm_b, 64, 0.25f);
        fill(y->ffn_norm, 64, 1.0f), fill(y->ffn_norm_b, 64, 0.25f);
    }
    return m;
}

static wb write_gguf_gpt2(const sc_llm_model *m) {
    wb b = {0};
    gt t[64];
    float *qkv[2], *bqkv[2];
    int n = 0;
    n = add_gt(t, n, "token_embd.weight", m->tok_emb, 300, 64, SC_GGML_F32);
    n = add_gt(t, n, "position_embd.weight", m->pos_emb, 64, 64, SC_GGML_F16);
    n = add_gt(t, n, "output_norm.weight", m->out_norm, 1, 64, SC_GGML_F32);
    n = add_gt(t, n, "output_norm.bias", m->out_norm_b, 1, 64, SC_GGML_F32);
    for (int l = 0; l < 2; l++) {
        const sc_llm_layer *y = &m->layers[l];
        qkv[l] = malloc(3 * 64 * 64 * 4), bqkv[l] = malloc(3 * 64 * 4);
        memcpy(qkv[l], y->wq, 64 * 64 * 4), memcpy(qkv[l] + 4096, y->wk, 64 * 64 * 4);
        memcpy(qkv[l] + 8192, y->wv, 64 * 64 * 4);
        memcpy(bqkv[l], y->bq, 256), memcpy(bqkv[l] + 64, y->bk, 256),
            memcpy(bqkv[l] + 128, y->bv, 256);
        char nm[64];
#define T(suffix, w, r, cc, ty)                                                                    \
    (snprintf(nm, sizeof nm, "blk.%d." suffix, l), n = add_gt(t, n, nm, w, r, cc, ty))
        T("attn_norm.weight", y->attn_norm, 1, 64, SC_GGML_F32);
        T("attn_norm.bias", y->attn_norm_b, 1, 64, SC_GGML_F32);
        T("attn_qkv.weight", qkv[l], 192, 64, SC_GGML_Q8_0);
        T("attn_qkv.bias", bqkv[l], 1, 192, SC_GGML_F32);
        T("attn_output.weight", y->wo, 64, 64, SC_GGML_BF16);
        T("attn_output.bias", y->bo, 1, 64, SC_GGML_F32);
        T("ffn_norm.weight", y->ffn_norm, 1, 64, SC_GGML_F32);
        T("ffn_norm.bias", y->ffn_norm_b, 1, 64, SC_GGML_F32);
        T("ffn_up.weight", y->w3, 128, 64, SC_GGML_F16);
        T("ffn_up.bias", y->b3, 1, 128, SC_GGML_F32);
        T("ffn_down.weight", y->w2, 64, 128, SC_GGML_Q8_0);
        T("ffn_down.bias", y->b2, 1, 64, SC_GGML_F32);
#undef T
    }
    put_u32(&b, 0x46554747u), put_u32(&b, 3), put_u64(&b, (uint64_t)n), put_u64(&b, 7);
    kv_str(&b, "general.architecture", "gpt2");
    kv_u32(&b, "gpt2.context_length", 64), kv_u32(&b, "gpt2.embedding_length", 64);
    kv_u32(&b, "gpt2.block_count", 2), kv_u32(&b, "gpt2.feed_forward_length", 128);
    kv_u32(&b, "gpt2.attention.head_count", 4);
    kv_f32(&b, "gpt2.attention.layer_norm_epsilon", 1e-5f);
    put_gguf_tensors(&b, t, n);
    for (int l = 0; l < 2; l++)
        free(qkv[l]), free(bqkv[l]);
    return b;
}

static void test_gguf_gpt2(void **state) {
    (void)state;
    sc_llm_model *m = random_gpt2();
    wb b = write_gguf_gpt2(m);
    const char *path = tu_write_temp(".gguf", b.d, b.n);
    sc_llm_model *l = load_ok(path);
    assert_int_equal(l->cfg.arch, SC_LLM_FAM_GPT2);
    assert_memory_equal(m->pos_emb, l->pos_emb, 64 * 64 * 4);
    for (int i = 0; i < 2; i++) {
        assert_memory_equal(m->layers[i].wk, l->layers[i].wk, 64 * 64 * 4);
        assert_memory_equal(m->layers[i].bv, l->layers[i].bv, 64 * 4);
        assert_memory_equal(m->layers[i].w2, l->layers[i].w2, 64 * 128 * 4);
        assert_memory_equal(m->layers[i].ffn_norm_b, l->layers[i].ffn_norm_b, 64 * 4);
    }
    assert_chip_matches_reference(m, l);
    remove(path);
    free(b.d);
    sc_llm_model_destroy(l);
    sc_llm_model_destroy(m);
}

/* ---- safetensors (Hugging Face names, rotate-half q/k, two shards + index + config.json) ---- */

typedef struct st_t {
    char name[96];
    float *w; /* owned copy in file order */
    size_t rows, cols;
    int bf16;
} st_t;

static int add_st(st_t *v, int n, const char *name, const float *w, size_t rows, size_t cols,
                  int heads) {
    snprintf(v[n].name, sizeof v[n].name, "%s", name);
    v[n].w = heads ? to_rotate_half(w, heads, 8, rows == 1 ? 1 : cols) : malloc(rows * cols * 4);
    if (!heads) memcpy(v[n].w, w, rows * cols * 4);
    v[n].rows = rows, v[n].cols = cols, v[n].bf16 = (n % 3) == 1;
    return n + 1;
}

static int st_tensors(const sc_llm_model *m, st_t *v) {
    int n = 0;
    n = add_st(v, n, "model.embed_tokens.weight", m->tok_emb, 300, 64, 0);
    n = add_st(v, n, "model.norm.weight", m->out_norm, 1, 64, 0);
    if (!m->cfg.tied_embeddings) n = add_st(v, n, "lm_head.weight", m->cls, 300, 64, 0);
    for (int l = 0; l < 2; l++) {
        const sc_llm_layer *y = &m->layers[l];
        char nm[96];
#define S(suffix, w, r, c, h)                                                                      \
    (snprintf(nm, sizeof nm, "model.layers.%d." suffix, l), n = add_st(v, n, nm, w, r, c, h))
        S("input_layernorm.weight", y->attn_norm, 1, 64, 0);
        S("self_attn.q_proj.weight", y->wq, 64, 64, 8);
        S("self_attn.k_proj.weight", y->wk, 16, 64, 2);
        S("self_attn.v_proj.weight", y->wv, 16, 64, 0);
        S("self_attn.o_proj.weight", y->wo, 64, 64, 0);
        S("post_attention_layernorm.weight", y->ffn_norm, 1, 64, 0);
        if (m->cfg.n_experts) {
            S("block_sparse_moe.gate.weight", y->moe_gate, (size_t)m->cfg.n_experts, 64, 0);
            for (int e = 0; e < m->cfg.n_experts; e++) {
                size_t o = (size_t)e * 96 * 64;
#define EXP "model.layers.%d.block_sparse_moe.experts.%d.w%d.weight"
                snprintf(nm, sizeof nm, EXP, l, e, 1), n = add_st(v, n, nm, y->w1 + o, 96, 64, 0);
                snprintf(nm, sizeof nm, EXP, l, e, 2), n = add_st(v, n, nm, y->w2 + o, 64, 96, 0);
                snprintf(nm, sizeof nm, EXP, l, e, 3), n = add_st(v, n, nm, y->w3 + o, 96, 64, 0);
#undef EXP
            }
        } else {
            S("mlp.gate_proj.weight", y->w1, 96, 64, 0);
            S("mlp.down_proj.weight", y->w2, 64, 96, 0);
            S("mlp.up_proj.weight", y->w3, 96, 64, 0);
        }
        if (y->bq) {
            S("self_attn.q_proj.bias", y->bq, 1, 64, 8);
            S("self_attn.k_proj.bias", y->bk, 1, 16, 2);
            S("self_attn.v_proj.bias", y->bv, 1, 16, 0);
        }
#undef S
    }
    return n;
}

/* One shard file with tensors [lo, hi). */
static wb st_shard(const st_t *t, int lo, int hi) {
    char hdr[16384];
    size_t at = 0, off = 0;
    at += (size_t)snprintf(hdr + at, sizeof hdr - at, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = lo; i < hi; i++) {
        size_t bytes = t[i].rows * t[i].cols * (t[i].bf16 ? 2 : 4);
        if (t[i].rows == 1)
            at += (size_t)snprintf(
                hdr + at, sizeof hdr - at,
                ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%zu],\"data_offsets\":[%zu,%zu]}", t[i].name,
                t[i].bf16 ? "BF16" : "F32", t[i].cols, off, off + bytes);
        else
            at += (size_t)snprintf(
                hdr + at, sizeof hdr - at,
                ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%zu,%zu],\"data_offsets\":[%zu,%zu]}",
                t[i].name, t[i].bf16 ? "BF16" : "F32", t[i].rows, t[i].cols, off, off + bytes);
        off += bytes;
    }
    at += (size_t)snprintf(hdr + at, sizeof hdr - at, "}");
    wb b = {0};
    put_u64(&b, at);
    put(&b, hdr, at);
    for (int i = lo; i < hi; i++)
        for (size_t j = 0; j < t[i].rows * t[i].cols; j++) {
            if (!t[i].bf16)
                put(&b, &t[i].w[j], 4);
            else {
                uint16_t h = sc_f32_to_bf16(t[i].w[j]);
                put(&b, &h, 2);
            }
        }
    return b;
}

static void write_text(const char *dir, const char *name, const char *text, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, n, f);
    fclose(f);
}

static const char *write_st_model(const sc_llm_model *m) {
    const char *dir = tu_temp_dir();
    st_t t[96];
    int n = st_tensors(m, t), half = n / 2;
    wb a = st_shard(t, 0, half), b = st_shard(t, half, n);
    write_text(dir, "model-00001-of-00002.safetensors", (const char *)a.d, a.n);
    write_text(dir, "model-00002-of-00002.safetensors", (const char *)b.d, b.n);
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_strbuf_printf(&sb, "{\"metadata\":{},\"weight_map\":{");
    for (int i = 0; i < n; i++)
        sc_strbuf_printf(&sb, "%s\"%s\":\"model-0000%d-of-00002.safetensors\"", i ? "," : "",
                         t[i].name, i < half ? 1 : 2);
    sc_strbuf_printf(&sb, "}}");
    write_text(dir, "model.safetensors.index.json", sb.data, sb.len);
    sc_strbuf_free(&sb);
    char cfg[1024], moe[96] = "";
    int qwen = m->cfg.arch == SC_LLM_FAM_QWEN2;
    if (m->cfg.n_experts)
        snprintf(moe, sizeof moe, ",\"num_local_experts\":%d,\"num_experts_per_tok\":2",
                 m->cfg.n_experts);
    int len =
        snprintf(cfg, sizeof cfg,
                 "{\"model_type\":\"%s\",\"hidden_size\":64,\"intermediate_size\":96,"
                 "\"num_hidden_layers\":2,\"num_attention_heads\":8,\"num_key_value_heads\":2,"
                 "\"vocab_size\":300,\"max_position_embeddings\":128,\"rms_norm_eps\":1e-05,"
                 "\"rope_theta\":10000.0,\"tie_word_embeddings\":%s,\"bos_token_id\":1,"
                 "\"eos_token_id\":[2]%s%s}",
                 qwen               ? "qwen2"
                 : m->cfg.n_experts ? "mixtral"
                                    : "mistral",
                 m->cfg.tied_embeddings ? "true" : "false", moe,
                 m->rope_div ? ",\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,"
                               "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                               "\"original_max_position_embeddings\":64}"
                             : "");
    write_text(dir, "config.json", cfg, (size_t)len);
    for (int i = 0; i < n; i++)
        free(t[i].w);
    free(a.d), free(b.d);
    return dir;
}

static void remove_dir(const char *dir) {
    const char *names[] = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                           "model.safetensors.index.json", "config.json", "model.safetensors"};
    char path[1100];
    for (size_t i = 0; i < SC_ARRAY_LEN(names); i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    remove(dir);
}

/* Llama 3 scaling of head_dim 8, theta 1e4, factor 8, low 1, high 4, original context 64:
 * wavelengths 2*pi*{1, 10, 100, 1000}; below 16 unchanged, above 64 divided by 8, between a blend
 * s = (64 / wl - 1) / 3, divisor 1 / ((1 - s) / 8 + s). */
static void check_llama3_divisors(const float *d) {
    double wl = 2 * M_PI * 10, s = (64 / wl - 1) / 3;
    assert_true(d[0] == 1.0f);
    assert_true(fabs(d[1] - 1 / ((1 - s) / 8 + s)) < 1e-5);
    assert_true(d[2] == 8.0f && d[3] == 8.0f);
}

static void st_roundtrip(sc_llm_family fam, int experts) {
    sc_llm_model *m = random_model(fam, experts);
    sc_err err = {0};
    if (fam == SC_LLM_FAM_LLAMA && !experts &&
        sc_llm_rope_scale_llama3(m, 8, 1, 4, 64, &err) != SC_OK)
        fail_msg("%s", err.msg);
    const char *dir = write_st_model(m);
    sc_llm_model *l = load_ok(dir);
    assert_string_equal(l->format, "safetensors");
    assert_int_equal(l->cfg.arch, fam == SC_LLM_FAM_QWEN2 ? SC_LLM_FAM_QWEN2 : SC_LLM_FAM_MISTRAL);
    assert_same_weights(m, l);
    if (fam == SC_LLM_FAM_LLAMA && !experts)
        check_llama3_divisors(l->rope_div);
    else
        assert_null(l->rope_div);
    assert_chip_matches_reference(m, l);
    char idx[1100];
    snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", dir);
    sc_llm_model *l2 = load_ok(idx); /* the index file itself names the model too */
    assert_same_weights(m, l2);
    sc_llm_model_destroy(l2);
    sc_llm_model_destroy(l);
    sc_llm_model_destroy(m);
    remove_dir(dir);
}

/* End to end through the CLI: a GGUF with a SentencePiece vocabulary, a text prompt; the ids on
 * the last line are the fp64 reference's greedy continuation of BOS + the tokenised prompt, and
 * the text line is their detokenisation. */
static void test_cli_text_prompt(void **state) {
    (void)state;
    const char *bin = getenv("SEEDCHIP_BIN");
    if (!bin || !*bin) skip();
    sc_llm_model *m = random_model(SC_LLM_FAM_LLAMA, 0);
    wb b = write_gguf(m);
    const char *path = tu_write_temp(".gguf", b.d, b.n);
    sc_llm_model *l = load_ok(path);
    int *ids = NULL, prompt[64] = {1}, want[6];
    size_t n = 0;
    sc_err err = {0};
    assert_int_equal(sc_llm_tokenize(l->tok, "hi w7", &ids, &n, &err), SC_OK);
    assert_true(n > 0 && n < 60);
    for (size_t i = 0; i < n; i++)
        prompt[i + 1] = ids[i];
    ref_greedy(m, prompt, (int)n + 1, want, 6);
    char cmd[2048], line[4096], last[4096] = "", text[4096] = "";
    snprintf(cmd, sizeof cmd,
             "%s llm generate --model %s --prompt 'hi w7' --tokens 6 --cores 2 "
             "--print-token-ids",
             bin, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    for (int i = 0; fgets(line, sizeof line, p); i++) {
        if (i == 0) snprintf(text, sizeof text, "%s", line);
        snprintf(last, sizeof last, "%s", line);
    }
    assert_int_equal(pclose(p), 0);
    char expect[256] = "";
    size_t at = 0;
    for (int i = 0; i < 6; i++)
        at += (size_t)snprintf(expect + at, sizeof expect - at, i ? " %d" : "%d", want[i]);
    assert_string_equal(strtok(last, "\n"), expect);
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    for (int i = 0; i < 6; i++)
        sc_llm_detokenize(l->tok, want[i], &sb, &err);
    sc_strbuf_append(&sb, "\n", 1);
    assert_string_equal(text, sb.data);
    sc_strbuf_free(&sb);
    free(ids);
    remove(path);
    free(b.d);
    sc_llm_model_destroy(l);
    sc_llm_model_destroy(m);
}

/* Hugging Face GPT-2: Conv1D weights stored [in x out], fused c_attn, "transformer." prefix. */
static float *transposed(const float *w, size_t out, size_t in) {
    float *t = malloc(out * in * sizeof *t);
    for (size_t o = 0; o < out; o++)
        for (size_t i = 0; i < in; i++)
            t[i * out + o] = w[o * in + i];
    return t;
}

static int add_conv(st_t *v, int n, const char *name, const float *w, size_t out, size_t in) {
    float *t = transposed(w, out, in);
    n = add_st(v, n, name, t, in, out, 0);
    free(t);
    return n;
}

static void test_safetensors_gpt2(void **state) {
    (void)state;
    sc_llm_model *m = random_gpt2();
    st_t t[64];
    int n = 0;
    n = add_st(t, n, "transformer.wte.weight", m->tok_emb, 300, 64, 0);
    n = add_st(t, n, "transformer.wpe.weight", m->pos_emb, 64, 64, 0);
    n = add_st(t, n, "transformer.ln_f.weight", m->out_norm, 1, 64, 0);
    n = add_st(t, n, "transformer.ln_f.bias", m->out_norm_b, 1, 64, 0);
    for (int l = 0; l < 2; l++) {
        const sc_llm_layer *y = &m->layers[l];
        float qkv[3 * 64 * 64], bqkv[192];
        memcpy(qkv, y->wq, sizeof qkv / 3), memcpy(qkv + 4096, y->wk, sizeof qkv / 3);
        memcpy(qkv + 8192, y->wv, sizeof qkv / 3);
        memcpy(bqkv, y->bq, 256), memcpy(bqkv + 64, y->bk, 256), memcpy(bqkv + 128, y->bv, 256);
        char nm[96];
#define NM(s) (snprintf(nm, sizeof nm, "transformer.h.%d." s, l), nm)
        n = add_st(t, n, NM("ln_1.weight"), y->attn_norm, 1, 64, 0);
        n = add_st(t, n, NM("ln_1.bias"), y->attn_norm_b, 1, 64, 0);
        n = add_conv(t, n, NM("attn.c_attn.weight"), qkv, 192, 64);
        n = add_st(t, n, NM("attn.c_attn.bias"), bqkv, 1, 192, 0);
        n = add_conv(t, n, NM("attn.c_proj.weight"), y->wo, 64, 64);
        n = add_st(t, n, NM("attn.c_proj.bias"), y->bo, 1, 64, 0);
        n = add_st(t, n, NM("ln_2.weight"), y->ffn_norm, 1, 64, 0);
        n = add_st(t, n, NM("ln_2.bias"), y->ffn_norm_b, 1, 64, 0);
        n = add_conv(t, n, NM("mlp.c_fc.weight"), y->w3, 128, 64);
        n = add_st(t, n, NM("mlp.c_fc.bias"), y->b3, 1, 128, 0);
        n = add_conv(t, n, NM("mlp.c_proj.weight"), y->w2, 64, 128);
        n = add_st(t, n, NM("mlp.c_proj.bias"), y->b2, 1, 64, 0);
#undef NM
    }
    const char *dir = tu_temp_dir();
    wb b = st_shard(t, 0, n);
    write_text(dir, "model.safetensors", (const char *)b.d, b.n);
    const char *cfg = "{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_inner\":128,\"n_layer\":2,"
                      "\"n_head\":4,\"n_positions\":64,\"vocab_size\":300,"
                      "\"layer_norm_epsilon\":1e-05,\"bos_token_id\":1,\"eos_token_id\":2}";
    write_text(dir, "config.json", cfg, strlen(cfg));
    sc_llm_model *l = load_ok(dir);
    assert_int_equal(l->cfg.arch, SC_LLM_FAM_GPT2);
    assert_memory_equal(m->pos_emb, l->pos_emb, 64 * 64 * 4);
    for (int i = 0; i < 2; i++) {
        assert_memory_equal(m->layers[i].wv, l->layers[i].wv, 64 * 64 * 4);
        assert_memory_equal(m->layers[i].bk, l->layers[i].bk, 64 * 4);
        assert_memory_equal(m->layers[i].w3, l->layers[i].w3, 128 * 64 * 4);
        assert_memory_equal(m->layers[i].w2, l->layers[i].w2, 64 * 128 * 4);
    }
    assert_chip_matches_reference(m, l);
    for (int i = 0; i < n; i++)
        free(t[i].w);
    free(b.d);
    remove_dir(dir);
    sc_llm_model_destroy(l);
    sc_llm_model_destroy(m);
}

static void test_mixtral(void **state) {
    (void)state;
    gguf_roundtrip(SC_LLM_FAM_LLAMA, 4);
    st_roundtrip(SC_LLM_FAM_LLAMA, 4);
}

static void test_safetensors_sharded(void **state) {
    (void)state;
    st_roundtrip(SC_LLM_FAM_LLAMA, 0);
    st_roundtrip(SC_LLM_FAM_QWEN2, 0);
}

/* ---- dequantisation of hand-built blocks ---- */

static void test_dequant_blocks(void **state) {
    (void)state;
    unsigned char q4[18], q8[34], k4[144], k6[210];
    float y[256];
    uint16_t d = sc_f32_to_f16(0.25f), dm = sc_f32_to_f16(0.5f);
    memcpy(q4, &d, 2);
    for (int j = 0; j < 16; j++)
        q4[2 + j] = (unsigned char)(j | (15 - j) << 4);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q4_0, q4, 32, y), 0);
    for (int j = 0; j < 16; j++) {
        assert_true(y[j] == 0.25f * (float)(j - 8));
        assert_true(y[j + 16] == 0.25f * (float)(7 - j));
    }
    memcpy(q8, &d, 2);
    for (int j = 0; j < 32; j++)
        q8[2 + j] = (unsigned char)(int8_t)(j - 16);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q8_0, q8, 32, y), 0);
    for (int j = 0; j < 32; j++)
        assert_true(y[j] == 0.25f * (float)(j - 16));
    /* Q4_K: 8 sub-blocks with 6-bit scale s_i = i + 1 and min m_i = 2i, packed as ggml packs. */
    memset(k4, 0, sizeof k4);
    memcpy(k4, &d, 2), memcpy(k4 + 2, &dm, 2);
    unsigned char *sc = k4 + 4;
    for (int i = 0; i < 8; i++) {
        int s = i + 1 + 40 * (i >= 4), m = 2 * i + 20 * (i >= 4); /* >= 16: high bits used */
        if (i < 4)
            sc[i] = (unsigned char)s, sc[i + 4] = (unsigned char)m;
        else {
            sc[i + 4] = (unsigned char)((s & 0xF) | (m & 0xF) << 4);
            sc[i - 4] |= (unsigned char)((s >> 4) << 6);
            sc[i] |= (unsigned char)((m >> 4) << 6);
        }
    }
    for (int j = 0; j < 128; j++)
        k4[16 + j] = (unsigned char)((j % 16) | ((j * 7) % 16) << 4);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q4_K, k4, 256, y), 0);
    for (int e = 0; e < 256; e++) {
        int sub = e / 32, chunk = e / 64, l = e % 32, hi = sub % 2;
        int byte = k4[16 + chunk * 32 + l], q = hi ? byte >> 4 : byte & 0xF;
        int s = sub + 1 + 40 * (sub >= 4), m = 2 * sub + 20 * (sub >= 4);
        assert_true(fabsf(y[e] - (0.25f * (float)s * (float)q - 0.5f * (float)m)) < 1e-6f);
    }
    /* Q6_K: q = (low nibble | high 2 bits << 4) - 32, scale per 16 elements. */
    memset(k6, 0, sizeof k6);
    for (int j = 0; j < 128; j++)
        k6[j] = (unsigned char)(j * 37);
    for (int j = 0; j < 64; j++)
        k6[128 + j] = (unsigned char)(j * 101);
    for (int j = 0; j < 16; j++)
        k6[192 + j] = (unsigned char)(int8_t)(j - 8);
    memcpy(k6 + 208, &d, 2);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q6_K, k6, 256, y), 0);
    for (int e = 0; e < 256; e++) {
        int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
        int lo = k6[half * 64 + l + (quarter & 1) * 32];
        lo = quarter >= 2 ? lo >> 4 : lo & 0xF;
        int h = (k6[128 + half * 32 + l] >> (2 * quarter)) & 3;
        int q = (lo | h << 4) - 32, scale = (int8_t)k6[192 + half * 8 + l / 16 + 2 * quarter];
        assert_true(y[e] == 0.25f * (float)scale * (float)q);
    }
    /* Q4_1: x = q * d + m. */
    unsigned char q41[20], q50[22], q51[24], k5[176];
    memcpy(q41, &d, 2), memcpy(q41 + 2, &dm, 2);
    for (int j = 0; j < 16; j++)
        q41[4 + j] = (unsigned char)(j | (15 - j) << 4);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q4_1, q41, 32, y), 0);
    for (int j = 0; j < 16; j++)
        assert_true(y[j] == 0.25f * (float)j + 0.5f && y[j + 16] == 0.25f * (float)(15 - j) + 0.5f);
    /* Q5_0 / Q5_1: 5-bit q with the top bit of element e at bit e of qh (a pattern: e % 3 == 0). */
    uint32_t qh = 0;
    for (int e = 0; e < 32; e++)
        qh |= (uint32_t)(e % 3 == 0) << e;
    memcpy(q50, &d, 2), memcpy(q50 + 2, &qh, 4);
    memcpy(q51, &d, 2), memcpy(q51 + 2, &dm, 2), memcpy(q51 + 4, &qh, 4);
    for (int j = 0; j < 16; j++)
        q50[6 + j] = q51[8 + j] = (unsigned char)((j * 5) % 16 | ((j * 3) % 16) << 4);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q5_0, q50, 32, y), 0);
    float y1[32];
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q5_1, q51, 32, y1), 0);
    for (int e = 0; e < 32; e++) {
        int lo = e < 16 ? (e * 5) % 16 : ((e - 16) * 3) % 16, q = lo | (e % 3 == 0) << 4;
        assert_true(y[e] == 0.25f * (float)(q - 16));
        assert_true(y1[e] == 0.25f * (float)q + 0.5f);
    }
    /* Q5_K: Q4_K's scales/mins plus a fifth bit per element from qh (bit 2*chunk + high). */
    memset(k5, 0, sizeof k5);
    memcpy(k5, k4, 16); /* d, dmin, the packed scales built above */
    for (int j = 0; j < 32; j++)
        k5[16 + j] = (unsigned char)(j * 29 + 7);
    for (int j = 0; j < 128; j++)
        k5[48 + j] = k4[16 + j];
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q5_K, k5, 256, y), 0);
    for (int e = 0; e < 256; e++) {
        int sub = e / 32, chunk = e / 64, l = e % 32, hi = sub % 2;
        int byte = k5[48 + chunk * 32 + l], q = (hi ? byte >> 4 : byte & 0xF);
        q += (k5[16 + l] >> (2 * chunk + hi) & 1) * 16;
        int s = sub + 1 + 40 * (sub >= 4), m = 2 * sub + 20 * (sub >= 4);
        assert_true(fabsf(y[e] - (0.25f * (float)s * (float)q - 0.5f * (float)m)) < 1e-5f);
    }
    assert_int_equal(sc_ggml_dequantize(99, q8, 32, y), -1);
    assert_int_equal(sc_ggml_dequantize(SC_GGML_Q8_0, q8, 31, y), -1);
}

/* ---- tokenizers ---- */

static void test_tokenizer_spm(void **state) {
    (void)state;
    const char *toks[] = {"<unk>",
                          "<s>",
                          "</s>",
                          "\xe2\x96\x81",
                          "h",
                          "e",
                          "l",
                          "o",
                          "\xe2\x96\x81h",
                          "ll",
                          "\xe2\x96\x81he",
                          "llo",
                          "\xe2\x96\x81hello",
                          "<0x21>",
                          "w"};
    float scores[] = {0, 0, 0, -5, -6, -6, -6, -6, -3, -2, -2, -1, 0, -9, -6};
    sc_llm_tokenizer *t = NULL;
    sc_err err = {0};
    assert_int_equal(
        sc_llm_tokenizer_create(SC_LLM_TOK_SPM, toks, scores, 15, NULL, 0, 1, 2, &t, &err), SC_OK);
    int *ids = NULL;
    size_t n = 0;
    assert_int_equal(sc_llm_tokenize(t, "hello hell!", &ids, &n, &err), SC_OK);
    /* "▁hello" "▁he" "ll" then '!' by byte fallback */
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], 12), assert_int_equal(ids[1], 10), assert_int_equal(ids[2], 9);
    assert_int_equal(ids[3], 13);
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sc_llm_detokenize(t, ids[i], &sb, &err), SC_OK);
    assert_string_equal(sb.data, " hello hell!");
    sc_strbuf_free(&sb);
    free(ids);
    assert_int_not_equal(sc_llm_tokenize(t, "z", &ids, &n, &err), SC_OK); /* no byte token */
    assert_int_not_equal(sc_llm_detokenize(t, 99, &sb, &err), SC_OK);
    /* Equal scores merge leftmost first: "▁lll" -> "▁" "ll" "l". */
    assert_int_equal(sc_llm_tokenize(t, "lll", &ids, &n, &err), SC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 3), assert_int_equal(ids[1], 9), assert_int_equal(ids[2], 6);
    free(ids);
    /* SPM encodes the whole text as one piece: 120 kB of text is 100k merges, which a scan of
     * every pair per merge (quadratic) took minutes for; the heap takes milliseconds. */
    size_t reps = 20000;
    char *big = malloc(reps * 6 + 1);
    for (size_t i = 0; i < reps; i++)
        memcpy(big + 6 * i, "hello ", 6);
    big[reps * 6 - 1] = 0;
    double t0 = sc_now_seconds();
    assert_int_equal(sc_llm_tokenize(t, big, &ids, &n, &err), SC_OK);
    assert_int_equal(n, reps);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ids[i], 12);
    if (!getenv("SEEDCHIP_ASAN") && !getenv("LD_PRELOAD") && sc_now_seconds() - t0 > 5)
        fail_msg("120 kB prompt took %.1f s to tokenize", sc_now_seconds() - t0);
    free(ids), free(big);
    sc_llm_tokenizer_destroy(t);
}

static void test_tokenizer_bpe(void **state) {
    (void)state;
    /* GPT-2 byte alphabet: 'h' 'i' stay, ' ' is U+0120 "Ġ". */
    const char *toks[] = {"h", "i", "\xc4\xa0", "hi", "\xc4\xa0hi", "!", "<|endoftext|>"};
    const char *merges[] = {"h i", "\xc4\xa0 hi"};
    sc_llm_tokenizer *t = NULL;
    sc_err err = {0};
    assert_int_equal(
        sc_llm_tokenizer_create(SC_LLM_TOK_BPE, toks, NULL, 7, merges, 2, -1, 6, &t, &err), SC_OK);
    int *ids = NULL;
    size_t n = 0;
    assert_int_equal(sc_llm_tokenize(t, "hi hi!", &ids, &n, &err), SC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 3), assert_int_equal(ids[1], 4), assert_int_equal(ids[2], 5);
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    for (size_t i = 0; i < n; i++)
        sc_llm_detokenize(t, ids[i], &sb, &err);
    assert_string_equal(sb.data, "hi hi!");
    sc_strbuf_free(&sb);
    free(ids);
    sc_llm_tokenizer_destroy(t);
}

/* Pieces of text under a pre-tokeniser, joined by '|'. */
static void pieces(const char *text, sc_llm_pretok style, char *out, size_t cap) {
    size_t at = 0;
    for (const char *p = text; *p;) {
        size_t n = sc_llm_pretok_next(p, style);
        assert_true(n > 0);
        at += (size_t)snprintf(out + at, cap - at, "%s%.*s", at ? "|" : "", (int)n, p);
        p += n;
    }
}

/* Expected splits worked out from the reference regular expressions (see llm_pretok.c). */
static void test_pretokenizers(void **state) {
    (void)state;
    const char *text = "Hello, world! It's 12345  ok\n\nbye";
    char got[256];
    pieces(text, SC_LLM_PRETOK_GPT2, got, sizeof got);
    assert_string_equal(got, "Hello|,| world|!| It|'s| 12345| | ok|\n|\n|bye");
    pieces(text, SC_LLM_PRETOK_LLAMA3, got, sizeof got);
    assert_string_equal(got, "Hello|,| world|!| It|'s| |123|45| | ok|\n\n|bye");
    pieces(text, SC_LLM_PRETOK_QWEN2, got, sizeof got);
    assert_string_equal(got, "Hello|,| world|!| It|'s| |1|2|3|4|5| | ok|\n\n|bye");
    pieces("IT'S x.\n", SC_LLM_PRETOK_LLAMA3, got, sizeof got); /* case-insensitive 'S */
    assert_string_equal(got, "IT|'S| x|.\n");
    pieces("IT'S", SC_LLM_PRETOK_GPT2, got, sizeof got);
    assert_string_equal(got, "IT|'|S");
    assert_int_equal(sc_llm_pretok_from_name("llama-bpe"), SC_LLM_PRETOK_LLAMA3);
    assert_int_equal(sc_llm_pretok_from_name("qwen2"), SC_LLM_PRETOK_QWEN2);
    assert_int_equal(sc_llm_pretok_from_name("gpt-2"), SC_LLM_PRETOK_GPT2);
}

/* ---- hostile files: every damaged variant is rejected or loads, never crashes ---- */

static sc_status try_load(const char *suffix, const void *d, size_t n, char *msg, size_t cap) {
    const char *p = tu_write_temp(suffix, d, n);
    sc_llm_model *m = NULL;
    sc_err err = {0};
    sc_status s = sc_llm_model_load(p, NULL, &m, &err);
    if (msg) snprintf(msg, cap, "%s", err.msg);
    assert_true(s == SC_OK ? m != NULL : m == NULL);
    if (s != SC_OK) assert_non_null(strstr(err.msg, p)); /* the message names the file */
    sc_llm_model_destroy(m);
    remove(p);
    return s;
}

static void test_hostile_gguf(void **state) {
    (void)state;
    sc_llm_model *m = random_model(SC_LLM_FAM_LLAMA, 0);
    wb b = write_gguf(m);
    char msg[600];
    assert_int_equal(try_load(".gguf", b.d, b.n, NULL, 0), SC_OK);
    size_t cuts[] = {3, 8, 20, 24, 100, 1000, b.n / 2, b.n - 1};
    for (size_t i = 0; i < SC_ARRAY_LEN(cuts); i++)
        assert_int_not_equal(try_load(".gguf", b.d, cuts[i], msg, sizeof msg), SC_OK);
    unsigned char *c = malloc(b.n);
    memcpy(c, b.d, b.n);
    uint64_t huge = (uint64_t)1 << 40;
    memcpy(c + 8, &huge, 8); /* tensor count */
    assert_int_not_equal(try_load(".gguf", c, b.n, msg, sizeof msg), SC_OK);
    assert_non_null(strstr(msg, "too many"));
    memcpy(c, b.d, b.n);
    memcpy(c + 24, &huge, 8); /* first key's string length */
    assert_int_not_equal(try_load(".gguf", c, b.n, NULL, 0), SC_OK);
    for (int i = 0; i < 300; i++) { /* random bit flips in the header region */
        memcpy(c, b.d, b.n);
        size_t at = rnd() % (b.n < 8000 ? b.n : 8000);
        c[at] ^= (unsigned char)(1u << (rnd() % 8));
        try_load(".gguf", c, b.n, NULL, 0);
    }
    free(c);
    free(b.d);
    sc_llm_model_destroy(m);
}

static void test_hostile_safetensors(void **state) {
    (void)state;
    char msg[600];
    const char *dir = tu_temp_dir();
    const char *cfg = "{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":96,"
                      "\"num_hidden_layers\":2,\"num_attention_heads\":8,\"vocab_size\":300}";
    write_text(dir, "config.json", cfg, strlen(cfg));
    char path[1100];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    struct {
        const char *hdr;
        const char *why;
    } cases[] = {{"{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[300,64],"
                  "\"data_offsets\":[0,76800]}}",
                  "past the end"},
                 {"{not json", "not a JSON"},
                 {"{\"model.embed_tokens.weight\":{\"dtype\":\"I64\",\"shape\":[300,64],"
                  "\"data_offsets\":[0,8]}}",
                  "dtype"},
                 {"{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[3,64],"
                  "\"data_offsets\":[0,8]}}",
                  "shape"},
                 /* the config's ~109k parameters cannot come from 8 bytes of data: refused
                  * before they are allocated (the cases above carry 60 kB of data) */
                 {"{}", "claims 108"}};
    for (size_t i = 0; i < SC_ARRAY_LEN(cases); i++) {
        wb b = {0};
        put_u64(&b, strlen(cases[i].hdr));
        put(&b, cases[i].hdr, strlen(cases[i].hdr));
        for (int k = 0; k < (i + 1 < SC_ARRAY_LEN(cases) ? 7500 : 1); k++)
            put(&b, "\0\0\0\0\0\0\0\0", 8);
        write_text(dir, "model.safetensors", (const char *)b.d, b.n);
        sc_llm_model *m = NULL;
        sc_err err = {0};
        assert_int_not_equal(sc_llm_model_load(path, NULL, &m, &err), SC_OK);
        assert_null(m);
        snprintf(msg, sizeof msg, "%s", err.msg);
        if (!strstr(msg, cases[i].why)) fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].why);
        free(b.d);
    }
    /* a config.json that does not parse is named as such (not as a missing model_type) */
    write_text(dir, "config.json", "{not json", 9);
    wb e = {0};
    put_u64(&e, 2);
    put(&e, "{}", 2);
    write_text(dir, "model.safetensors", (const char *)e.d, e.n);
    sc_llm_model *cm = NULL;
    sc_err cerr = {0};
    assert_int_not_equal(sc_llm_model_load(path, NULL, &cm, &cerr), SC_OK);
    if (!strstr(cerr.msg, "config.json: not valid JSON"))
        fail_msg("bad config.json: '%s'", cerr.msg);
    free(e.d);
    wb b = {0};
    put_u64(&b, (uint64_t)1 << 50); /* header length beyond the file */
    write_text(dir, "model.safetensors", (const char *)b.d, b.n);
    sc_llm_model *m = NULL;
    sc_err err = {0};
    assert_int_not_equal(sc_llm_model_load(path, NULL, &m, &err), SC_OK);
    assert_non_null(strstr(err.msg, "header length"));
    free(b.d);
    remove_dir(dir);
}

static void test_hostile_llama2c(void **state) {
    (void)state;
    int32_t hdr[7] = {64, 172, 5, 8, 4, 512, 512};
    char msg[600];
    assert_int_not_equal(try_load(".bin", hdr, 28, msg, sizeof msg), SC_OK);
    assert_non_null(strstr(msg, "truncated"));
    int32_t bad[7] = {64, 172, 5, 8, 3, 512, 512}; /* 8 heads, 3 kv heads */
    assert_int_not_equal(try_load(".bin", bad, 28, msg, sizeof msg), SC_OK);
    int32_t neg[7] = {-64, 172, 5, 8, 4, 512, 512};
    assert_int_not_equal(try_load(".bin", neg, 28, msg, sizeof msg), SC_OK);
    int32_t big[7] = {65536, 262144, 1024, 8, 4, 4194304, 512}; /* parameter limit */
    assert_int_not_equal(try_load(".bin", big, 28, msg, sizeof msg), SC_OK);
    const char *p = tu_shared_path("models/stories260K.bin");
    if (!p) return;
    unsigned char *d = NULL;
    size_t n = 0;
    sc_err err = {0};
    assert_int_equal(sc_read_file(p, 1 << 24, &d, &n, &err), SC_OK);
    assert_int_not_equal(try_load(".bin", d, n - 4, msg, sizeof msg), SC_OK);
    assert_non_null(strstr(msg, "truncated"));
    free(d);
}

/* ---- sampler: greedy, determinism per seed, top-k / top-p restrict the support ---- */

static void test_sampler(void **state) {
    (void)state;
    float lg[6] = {1.0f, 3.0f, 2.5f, -1.0f, 0.0f, 2.9f};
    sc_llm_cand c[6];
    sc_llm_rng r;
    sc_llm_rng_seed(&r, 7);
    assert_int_equal(sc_llm_sample(lg, 6, 0, 0, 1, &r, c), 1);
    int seen[6] = {0}, a[50], b[50];
    for (int i = 0; i < 50; i++)
        a[i] = sc_llm_sample(lg, 6, 1.0f, 2, 1, &r, c), seen[a[i]]++;
    assert_int_equal(seen[1] + seen[5], 50); /* top-2 */
    assert_true(seen[1] > 0 && seen[5] > 0);
    sc_llm_rng_seed(&r, 7);
    assert_int_equal(sc_llm_sample(lg, 6, 0, 0, 1, &r, c), 1);
    for (int i = 0; i < 50; i++)
        b[i] = sc_llm_sample(lg, 6, 1.0f, 2, 1, &r, c);
    assert_memory_equal(a, b, sizeof a); /* same seed, same draws */
    for (int i = 0; i < 50; i++)
        assert_int_equal(sc_llm_sample(lg, 6, 0.5f, 0, 0.3f, &r, c), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gguf_llama),
        cmocka_unit_test(test_gguf_qwen2),
        cmocka_unit_test(test_gguf_gpt2),
        cmocka_unit_test(test_safetensors_sharded),
        cmocka_unit_test(test_mixtral),
        cmocka_unit_test(test_safetensors_gpt2),
        cmocka_unit_test(test_cli_text_prompt),
        cmocka_unit_test(test_dequant_blocks),
        cmocka_unit_test(test_tokenizer_spm),
        cmocka_unit_test(test_tokenizer_bpe),
        cmocka_unit_test(test_pretokenizers),
        cmocka_unit_test(test_hostile_gguf),
        cmocka_unit_test(test_hostile_safetensors),
        cmocka_unit_test(test_hostile_llama2c),
        cmocka_unit_test(test_sampler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
