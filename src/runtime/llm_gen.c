// SPDX-License-Identifier: Apache-2.0
// LLM generation runtime: uploads a model to simulated HBM, owns the KV pages, runs prefill/decode.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/llm_decoder.h"
#include "numerics/numerics.h"
#include "runtime/llm_gen.h"

struct sc_llm_gen {
    const sc_chip *chip;
    const sc_llm_model *m;
    sc_llm_gen_params p;
    sc_llm_shape shape;
    sc_llm_layout lay;
    sc_sim *sim;
    sc_program *decode, *prefill;
    int bucket;
    int pos;
    int n_pages;    /* pages mapped so far */
    int64_t *pages; /* page table (host copy): logical -> physical */
    float *logits;
    sc_llm_cand *cand;
    sc_llm_rng rng;
    sc_llm_gen_stats st;
};

sc_llm_gen_params sc_llm_gen_default_params(void) {
    sc_llm_gen_params p;
    memset(&p, 0, sizeof p);
    p.precision = SC_DTYPE_FP32;
    p.mode = SC_SIM_FUNCTIONAL;
    p.top_p = 1.0f;
    p.seed = 1;
    return p;
}

static sc_llm_shape shape_of(const sc_llm_config *c) {
    sc_llm_shape s;
    memset(&s, 0, sizeof s);
    s.dim = c->dim, s.hidden_dim = c->hidden_dim, s.n_layers = c->n_layers;
    s.n_heads = c->n_heads, s.n_kv_heads = c->n_kv_heads, s.head_dim = c->head_dim;
    s.vocab_size = c->vocab_size, s.qkv_bias = c->qkv_bias, s.norm_eps = c->norm_eps;
    s.gpt2 = c->arch == SC_LLM_FAM_GPT2;
    s.n_experts = c->n_experts, s.n_experts_used = c->n_experts_used;
    return s;
}

/* Writes n fp32 values to HBM at addr, converted to dtype t. */
static sc_status put(sc_llm_gen *g, uint64_t addr, const float *src, size_t n, sc_dtype t,
                     sc_err *err) {
    if (t == SC_DTYPE_FP32) return sc_sim_write(g->sim, 0, SC_SPACE_HBM, 0, addr, src, n * 4, err);
    size_t es = sc_dtype_size(t);
    void *buf = malloc(n * es);
    if (!buf) return sc_err_set(err, SC_ERR_NOMEM, "llm: out of memory converting weights");
    sc_convert(SC_DTYPE_FP32, src, t, buf, n);
    sc_status s = sc_sim_write(g->sim, 0, SC_SPACE_HBM, 0, addr, buf, n * es, err);
    free(buf);
    return s;
}

/* One rows x cols layer matrix at addr in the layout's weight format. int8 (weight-only):
 * symmetric per-row scale max|w| / 127, values rounded half to even, scales after the values. */
static sc_status put_matrix(sc_llm_gen *g, uint64_t addr, const float *w, size_t rows, size_t cols,
                            sc_err *err) {
    if (g->lay.wdtype != SC_DTYPE_INT8) return put(g, addr, w, rows * cols, g->lay.wdtype, err);
    sc_quant_spec q = {8, 1, SC_QUANT_PER_CHANNEL, 0};
    float *scales = malloc(rows * sizeof *scales);
    int8_t *v = malloc(rows * cols);
    sc_status s = scales && v ? SC_OK : sc_err_set(err, SC_ERR_NOMEM, "llm: out of memory");
    if (s == SC_OK) s = sc_quant_scales(&q, w, rows, cols, scales, NULL, err);
    if (s == SC_OK) s = sc_quantize(&q, w, rows, cols, scales, NULL, v, err);
    if (s == SC_OK) s = sc_sim_write(g->sim, 0, SC_SPACE_HBM, 0, addr, v, rows * cols, err);
    uint64_t so = sc_llm_matrix_scales(&g->lay, rows, cols);
    if (s == SC_OK) s = put(g, addr + so, scales, rows, SC_DTYPE_FP32, err);
    free(scales);
    free(v);
    return s;
}

static sc_status upload_vectors(sc_llm_gen *g, const sc_llm_layer *y, uint64_t b, sc_err *err) {
    const sc_llm_layer_offsets *o = &g->lay.lo;
    size_t d = (size_t)g->shape.dim, h = (size_t)g->shape.hidden_dim;
    size_t q = sc_llm_q_dim(&g->m->cfg), kv = sc_llm_kv_dim(&g->m->cfg);
    struct {
        uint64_t off;
        const float *src;
        size_t n;
        int placed; /* the layout reserved room for it */
    } t[] = {{o->attn_norm, y->attn_norm, d, 1},
             {o->ffn_norm, y->ffn_norm, d, 1},
             {o->bq, y->bq, q, g->shape.qkv_bias},
             {o->bk, y->bk, kv, g->shape.qkv_bias},
             {o->bv, y->bv, kv, g->shape.qkv_bias},
             {o->attn_norm_b, y->attn_norm_b, d, g->shape.gpt2},
             {o->ffn_norm_b, y->ffn_norm_b, d, g->shape.gpt2},
             {o->bo, y->bo, d, g->shape.gpt2},
             {o->b2, y->b2, d, g->shape.gpt2},
             {o->b3, y->b3, h, g->shape.gpt2}};
    sc_status s = SC_OK;
    for (size_t i = 0; s == SC_OK && i < SC_ARRAY_LEN(t); i++)
        if (t[i].src && t[i].placed) s = put(g, b + t[i].off, t[i].src, t[i].n, SC_DTYPE_FP32, err);
    return s;
}

static sc_status upload_layer(sc_llm_gen *g, int l, sc_err *err) {
    const sc_llm_layer *y = &g->m->layers[l];
    const sc_llm_layer_offsets *o = &g->lay.lo;
    uint64_t b = g->lay.layer_base + (uint64_t)l * g->lay.layer_stride;
    size_t ne = (size_t)g->shape.n_experts, e = ne ? ne : 1;
    size_t d = (size_t)g->shape.dim, h = (size_t)g->shape.hidden_dim;
    size_t q = sc_llm_q_dim(&g->m->cfg), kv = sc_llm_kv_dim(&g->m->cfg);
    struct {
        uint64_t off;
        const float *src;
        size_t rows, cols, count; /* count: MoE experts stored as consecutive records */
    } t[] = {{o->wq, y->wq, q, d, 1},  {o->wk, y->wk, kv, d, 1},
             {o->wv, y->wv, kv, d, 1}, {o->wo, y->wo, d, q, 1},
             {o->w1, y->w1, h, d, e},  {o->w2, y->w2, d, h, e},
             {o->w3, y->w3, h, d, e},  {o->moe_gate, y->moe_gate, ne, d, 1}};
    sc_status s = upload_vectors(g, y, b, err);
    for (size_t i = 0; s == SC_OK && i < SC_ARRAY_LEN(t); i++) {
        if (!t[i].src) continue;
        uint64_t rec = sc_llm_matrix_bytes(&g->lay, t[i].rows, t[i].cols);
        for (size_t k = 0; s == SC_OK && k < t[i].count; k++)
            s = put_matrix(g, b + t[i].off + k * rec, t[i].src + k * t[i].rows * t[i].cols,
                           t[i].rows, t[i].cols, err);
    }
    return s;
}

/* RoPE tables as llama2.c computes them in fp32: freq = 1 / theta^(i/hd), angle = pos * freq. */
static sc_status upload_rope(sc_llm_gen *g, sc_err *err) {
    int hd = g->shape.head_dim, half = hd / 2, n = g->lay.max_seq;
    float *c = malloc((size_t)n * (size_t)half * sizeof *c),
          *s = malloc((size_t)n * (size_t)half * sizeof *s);
    sc_status st = SC_OK;
    if (!c || !s) st = sc_err_set(err, SC_ERR_NOMEM, "llm: out of memory for RoPE tables");
    for (int p = 0; st == SC_OK && p < n; p++)
        for (int i = 0; i < half; i++) {
            float freq = 1.0f / powf(g->m->cfg.rope_theta, (float)(2 * i) / (float)hd);
            if (g->m->rope_div) freq /= g->m->rope_div[i]; /* RoPE scaling */
            float a = (float)p * freq;
            c[(size_t)p * half + i] = cosf(a);
            s[(size_t)p * half + i] = sinf(a);
        }
    if (st == SC_OK) st = put(g, g->lay.rope_cos, c, (size_t)n * half, SC_DTYPE_FP32, err);
    if (st == SC_OK) st = put(g, g->lay.rope_sin, s, (size_t)n * half, SC_DTYPE_FP32, err);
    free(c);
    free(s);
    return st;
}

static sc_status upload(sc_llm_gen *g, sc_err *err) {
    const sc_llm_model *m = g->m;
    size_t d = (size_t)g->shape.dim, v = (size_t)g->shape.vocab_size;
    sc_status s = put(g, g->lay.tok_emb, m->tok_emb, v * d, g->lay.edtype, err);
    if (s == SC_OK && !m->cfg.tied_embeddings)
        s = put(g, g->lay.cls, m->cls, v * d, g->lay.edtype, err);
    if (s == SC_OK) s = put(g, g->lay.out_norm, m->out_norm, d, SC_DTYPE_FP32, err);
    if (s == SC_OK && g->shape.gpt2) {
        size_t rows = (size_t)SC_MIN(g->lay.max_seq, m->cfg.seq_len);
        s = put(g, g->lay.pos_emb, m->pos_emb, rows * d, SC_DTYPE_FP32, err);
        if (s == SC_OK) s = put(g, g->lay.out_norm_b, m->out_norm_b, d, SC_DTYPE_FP32, err);
    }
    if (s == SC_OK && g->shape.gpt2) {
        size_t rows = (size_t)SC_MIN(g->lay.max_seq, m->cfg.seq_len);
        s = put(g, g->lay.pos_emb, m->pos_emb, rows * d, SC_DTYPE_FP32, err);
        if (s == SC_OK) s = put(g, g->lay.out_norm_b, m->out_norm_b, d, SC_DTYPE_FP32, err);
    }
    for (int l = 0; s == SC_OK && l < g->shape.n_layers; l++)
        s = upload_layer(g, l, err);
    if (s == SC_OK) s = upload_rope(g, err);
    return s;
}

static sc_status check_model(const sc_llm_model *m, sc_err *err) {
    if (m->cfg.arch == SC_LLM_FAM_GPT2 && (!m->pos_emb || !m->out_norm_b || m->layers[0].w1))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: GPT-2 model without its position table",
                          m->source);
    return SC_OK;
}

static sc_status build(sc_llm_gen *g, sc_err *err) {
    const sc_llm_gen_params *p = &g->p;
    int max_seq = p->max_seq > 0 ? p->max_seq : SC_MIN(g->m->cfg.seq_len, 512);
    int block = p->block_tokens > 0 ? p->block_tokens : 16;
    sc_status s = sc_llm_layout_plan(&g->shape, p->precision, max_seq, block,
                                     g->m->cfg.tied_embeddings, &g->lay, err);
    g->bucket = p->prefill_bucket > 0 ? p->prefill_bucket : SC_MIN(32, g->chip->sa_rows);
    int cores = p->cores > 0 ? p->cores : g->chip->cores;
    if (s == SC_OK)
        s = sc_llm_program_build(g->chip, &g->shape, &g->lay, 1, cores, &g->decode, err);
    if (s == SC_OK && g->bucket > 1)
        s = sc_llm_program_build(g->chip, &g->shape, &g->lay, g->bucket, cores, &g->prefill, err);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = p->mode;
    if (s == SC_OK) s = sc_sim_create(g->chip, &sp, &g->sim, err);
    if (s == SC_OK) s = upload(g, err);
    return s;
}

sc_status sc_llm_gen_create(const sc_chip *chip, const sc_llm_model *m, const sc_llm_gen_params *p,
                            sc_llm_gen **out, sc_err *err) {
    *out = NULL;
    sc_status s = check_model(m, err);
    if (s != SC_OK) return s;
    sc_llm_gen *g = calloc(1, sizeof *g);
    if (!g) return sc_err_set(err, SC_ERR_NOMEM, "llm: out of memory");
    g->chip = chip, g->m = m;
    g->p = p ? *p : sc_llm_gen_default_params();
    if (g->p.precision != SC_DTYPE_FP32 && g->p.precision != SC_DTYPE_BF16 &&
        g->p.precision != SC_DTYPE_INT8)
        s = sc_err_set(err, SC_ERR_UNSUPPORTED, "llm: precision must be fp32, bf16 or int8");
    if (g->p.mode != SC_SIM_FUNCTIONAL && g->p.mode != SC_SIM_BOTH)
        s = sc_err_set(err, SC_ERR_INVALID_ARG, "llm: generation needs functional or both mode");
    g->shape = shape_of(&m->cfg);
    sc_llm_rng_seed(&g->rng, g->p.seed);
    size_t v = (size_t)m->cfg.vocab_size;
    if (s == SC_OK) {
        g->logits = calloc(v, sizeof *g->logits);
        g->cand = calloc(v, sizeof *g->cand);
        if (!g->logits || !g->cand) s = sc_err_set(err, SC_ERR_NOMEM, "llm: out of memory");
    }
    if (s == SC_OK) s = build(g, err);
    if (s == SC_OK) {
        g->pages = calloc((size_t)g->lay.max_blocks, sizeof *g->pages);
        if (!g->pages) s = sc_err_set(err, SC_ERR_NOMEM, "llm: out of memory");
    }
    if (s != SC_OK) {
        sc_llm_gen_destroy(g);
        return s;
    }
    *out = g;
    return SC_OK;
}

void sc_llm_gen_destroy(sc_llm_gen *g) {
    if (!g) return;
    sc_program_destroy(g->decode);
    sc_program_destroy(g->prefill);
    sc_sim_destroy(g->sim);
    free(g->pages);
    free(g->logits);
    free(g->cand);
    free(g);
}

/* Maps pages up to position `end` (exclusive). Physical pages are handed out from the top of the
 * pool downwards, so logical and physical order differ and the page table is really exercised. */
static sc_status map_pages(sc_llm_gen *g, int end, sc_err *err) {
    int need = (end + g->lay.block_tokens - 1) / g->lay.block_tokens;
    if (need > g->lay.pool_blocks)
        return sc_err_set(err, SC_ERR_LIMIT, "llm: KV pool exhausted (%d pages)",
                          g->lay.pool_blocks);
    for (; g->n_pages < need; g->n_pages++)
        g->pages[g->n_pages] = g->lay.pool_blocks - 1 - g->n_pages;
    return sc_sim_write(g->sim, 0, SC_SPACE_HBM, 0, g->lay.page_table, g->pages,
                        (size_t)g->lay.max_blocks * sizeof *g->pages, err);
}

static sc_status run_chunk(sc_llm_gen *g, const int *ids, int n, sc_err *err) {
    int64_t tok[1024];
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= g->shape.vocab_size)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: token id %d is outside [0, %d)",
                              ids[i], g->shape.vocab_size);
        tok[i] = ids[i];
    }
    sc_status s = map_pages(g, g->pos + n, err);
    if (s == SC_OK)
        s = sc_sim_write(g->sim, 0, SC_SPACE_HBM, 0, g->lay.tokens, tok, (size_t)n * 8, err);
    int64_t args[2] = {g->pos, n};
    const sc_program *prog = n == 1 ? g->decode : g->prefill;
    double t0 = sc_now_seconds();
    if (s == SC_OK) s = sc_sim_run(g->sim, prog, args, 2, err);
    g->st.host_s += sc_now_seconds() - t0;
    if (s != SC_OK) return s;
    sc_sim_stats st;
    sc_sim_get_stats(g->sim, &st);
    double dev = g->p.mode == SC_SIM_BOTH ? st.seconds : 0;
    if (n == 1)
        g->st.decode_runs++, g->st.decode_device_s += dev;
    else
        g->st.prefill_runs++, g->st.prefill_device_s += dev;
    g->st.energy_j += st.energy_total;
    g->pos += n;
    return sc_sim_read(g->sim, 0, SC_SPACE_HBM, 0, g->lay.logits, g->logits,
                       (size_t)g->shape.vocab_size * 4, err);
}

sc_status sc_llm_gen_feed(sc_llm_gen *g, const int *ids, int n, sc_err *err) {
    if (n < 1) return sc_err_set(err, SC_ERR_INVALID_ARG, "llm: nothing to feed");
    int limit = SC_MIN(g->lay.max_seq, g->m->cfg.seq_len);
    if (g->pos + n > limit)
        return sc_err_set(err, SC_ERR_LIMIT,
                          "llm: %d tokens at position %d exceed the context of %d", n, g->pos,
                          limit);
    for (int i = 0; i < n;) {
        int chunk = n - i == 1 || !g->prefill ? 1 : SC_MIN(n - i, g->bucket);
        sc_status s = run_chunk(g, ids + i, chunk, err);
        if (s != SC_OK) return s;
        if (chunk == 1)
            g->st.decode_tokens++;
        else
            g->st.prefill_tokens += chunk;
        i += chunk;
    }
    return SC_OK;
}

const float *sc_llm_gen_logits(const sc_llm_gen *g) {
    return g->logits;
}

int sc_llm_gen_pos(const sc_llm_gen *g) {
    return g->pos;
}

int sc_llm_gen_max_seq(const sc_llm_gen *g) {
    return g->lay.max_seq;
}

int sc_llm_gen_sample(sc_llm_gen *g) {
    return sc_llm_sample(g->logits, g->shape.vocab_size, g->p.temperature, g->p.top_k, g->p.top_p,
                         &g->rng, g->cand);
}

void sc_llm_gen_get_stats(const sc_llm_gen *g, sc_llm_gen_stats *out) {
    *out = g->st;
}

const sc_program *sc_llm_gen_program(const sc_llm_gen *g, int decode) {
    return decode ? g->decode : g->prefill;
}
