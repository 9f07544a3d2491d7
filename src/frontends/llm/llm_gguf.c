// SPDX-License-Identifier: Apache-2.0
// GGUF v2/v3 reader: metadata, tokenizer, tensors (dequantised) for Llama/Mistral/Qwen2 models.
#include <stdlib.h>
#include <string.h>

#include "frontends/llm/llm_dequant.h"
#include "frontends/llm/llm_model.h"

#define GGUF_MAX_TENSORS 65536u
#define GGUF_MAX_KV      65536u
#define GGUF_MAX_STR     (1u << 20)
#define GGUF_MAX_ARRAY   (1u << 24)
#define GGUF_MAX_DIMS    4

enum {
    GT_U8,
    GT_I8,
    GT_U16,
    GT_I16,
    GT_U32,
    GT_I32,
    GT_F32,
    GT_BOOL,
    GT_STR,
    GT_ARR,
    GT_U64,
    GT_I64,
    GT_F64,
    GT_COUNT
};

typedef struct gstr {
    const char *p;
    uint64_t n;
} gstr;

typedef struct gkv {
    gstr key;
    uint32_t type;
    size_t off;       /* value (for arrays: the first element) */
    uint32_t el_type; /* arrays */
    uint64_t count;   /* arrays */
} gkv;

typedef struct gtensor {
    gstr name;
    uint32_t n_dims, type;
    uint64_t dims[GGUF_MAX_DIMS];
    uint64_t offset, n_elems;
} gtensor;

typedef struct gguf {
    const char *path;
    const unsigned char *d;
    size_t len, pos;
    gkv *kv;
    uint64_t n_kv;
    gtensor *t;
    uint64_t n_t;
    size_t data_off;
    sc_err *err;
} gguf;

static sc_status bad(gguf *g, const char *what) {
    return sc_err_set(g->err, SC_ERR_PARSE, "%s: %s at byte %zu", g->path, what, g->pos);
}

static int need(gguf *g, uint64_t n) {
    return n <= g->len && g->pos <= g->len - n;
}

static uint64_t rd(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int get_u32(gguf *g, uint32_t *v) {
    if (!need(g, 4)) return 0;
    *v = (uint32_t)rd(g->d + g->pos, 4);
    g->pos += 4;
    return 1;
}

static int get_u64(gguf *g, uint64_t *v) {
    if (!need(g, 8)) return 0;
    *v = rd(g->d + g->pos, 8);
    g->pos += 8;
    return 1;
}

static int get_str(gguf *g, gstr *s) {
    uint64_t n;
    if (!get_u64(g, &n) || n > GGUF_MAX_STR || !need(g, n)) return 0;
    s->p = (const char *)g->d + g->pos;
    s->n = n;
    g->pos += n;
    return 1;
}

static int scalar_size(uint32_t t) {
    static const int sz[GT_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < GT_COUNT ? sz[t] : -1;
}

/* Skips one value of type t (arrays of arrays are rejected: no model metadata uses them). */
static int skip_value(gguf *g, gkv *kv, uint32_t t) {
    if (t == GT_STR) {
        gstr s;
        return get_str(g, &s);
    }
    if (t == GT_ARR) {
        uint32_t et;
        uint64_t n;
        if (!get_u32(g, &et) || !get_u64(g, &n) || n > GGUF_MAX_ARRAY || et == GT_ARR ||
            scalar_size(et) < 0)
            return 0;
        kv->el_type = et, kv->count = n, kv->off = g->pos;
        if (et == GT_STR) {
            for (uint64_t i = 0; i < n; i++)
                if (!skip_value(g, kv, GT_STR)) return 0;
            return 1;
        }
        uint64_t bytes = n * (uint64_t)scalar_size(et);
        if (!need(g, bytes)) return 0;
        g->pos += bytes;
        return 1;
    }
    int sz = scalar_size(t);
    if (sz <= 0 || !need(g, (uint64_t)sz)) return 0;
    g->pos += (size_t)sz;
    return 1;
}

static sc_status read_kvs(gguf *g) {
    g->kv = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv);
    if (!g->kv) return sc_err_set(g->err, SC_ERR_NOMEM, "%s: out of memory", g->path);
    for (uint64_t i = 0; i < g->n_kv; i++) {
        gkv *kv = &g->kv[i];
        if (!get_str(g, &kv->key) || !get_u32(g, &kv->type))
            return bad(g, "truncated metadata key");
        kv->off = g->pos;
        if (kv->type >= GT_COUNT) return bad(g, "unknown metadata value type");
        if (!skip_value(g, kv, kv->type)) return bad(g, "truncated or oversized metadata value");
    }
    return SC_OK;
}

static sc_status read_tensor_infos(gguf *g) {
    g->t = calloc(g->n_t ? g->n_t : 1, sizeof *g->t);
    if (!g->t) return sc_err_set(g->err, SC_ERR_NOMEM, "%s: out of memory", g->path);
    for (uint64_t i = 0; i < g->n_t; i++) {
        gtensor *t = &g->t[i];
        if (!get_str(g, &t->name) || !get_u32(g, &t->n_dims))
            return bad(g, "truncated tensor info");
        if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS) return bad(g, "tensor rank outside 1..4");
        t->n_elems = 1;
        for (uint32_t d = 0; d < t->n_dims; d++) {
            if (!get_u64(g, &t->dims[d])) return bad(g, "truncated tensor dims");
            if (t->dims[d] == 0 || sc_mul_u64(t->n_elems, t->dims[d], &t->n_elems) ||
                t->n_elems > ((uint64_t)1 << 40))
                return bad(g, "tensor dims zero or too large");
        }
        if (!get_u32(g, &t->type) || !get_u64(g, &t->offset))
            return bad(g, "truncated tensor info");
    }
    return SC_OK;
}

static const gkv *find_kv(const gguf *g, const char *key) {
    size_t n = strlen(key);
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (g->kv[i].key.n == n && memcmp(g->kv[i].key.p, key, n) == 0) return &g->kv[i];
    return NULL;
}

/* Integer-valued key (any integer type); returns 0 when absent or not an integer. */
static int kv_int(const gguf *g, const char *key, int64_t *v) {
    const gkv *kv = find_kv(g, key);
    if (!kv) return 0;
    const unsigned char *p = g->d + kv->off;
    switch (kv->type) {
    case GT_U8:
        *v = p[0];
        return 1;
    case GT_I8:
        *v = (int8_t)p[0];
        return 1;
    case GT_U16:
        *v = (int64_t)rd(p, 2);
        return 1;
    case GT_I16:
        *v = (int16_t)rd(p, 2);
        return 1;
    case GT_U32:
        *v = (int64_t)rd(p, 4);
        return 1;
    case GT_I32:
        *v = (int32_t)rd(p, 4);
        return 1;
    case GT_U64:
    case GT_I64:
        *v = (int64_t)rd(p, 8);
        return 1;
    default:
        return 0;
    }
}

static int kv_float(const gguf *g, const char *key, double *v) {
    const gkv *kv = find_kv(g, key);
    if (!kv) return 0;
    uint64_t bits = rd(g->d + kv->off, kv->type == GT_F64 ? 8 : 4);
    if (kv->type == GT_F32) {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, 4);
        *v = f;
        return 1;
    }
    if (kv->type == GT_F64) {
        memcpy(v, &bits, 8);
        return 1;
    }
    int64_t i;
    if (!kv_int(g, key, &i)) return 0;
    *v = (double)i;
    return 1;
}

static int kv_str(const gguf *g, const char *key, char *out, size_t cap) {
    const gkv *kv = find_kv(g, key);
    if (!kv || kv->type != GT_STR) return 0;
    uint64_t n = rd(g->d + kv->off, 8);
    if (n >= cap) n = cap - 1;
    memcpy(out, g->d + kv->off + 8, (size_t)n);
    out[n] = 0;
    return 1;
}

static sc_status parse_header(gguf *g) {
    uint32_t magic, version;
    if (!get_u32(g, &magic) || magic != 0x46554747u) return bad(g, "not a GGUF file (bad magic)");
    if (!get_u32(g, &version)) return bad(g, "truncated header");
    if (version != 2 && version != 3)
        return sc_err_set(g->err, SC_ERR_UNSUPPORTED, "%s: GGUF version %u is not supported (2, 3)",
                          g->path, version);
    if (!get_u64(g, &g->n_t) || !get_u64(g, &g->n_kv)) return bad(g, "truncated header");
    if (g->n_t > GGUF_MAX_TENSORS || g->n_kv > GGUF_MAX_KV)
        return bad(g, "header claims too many tensors or metadata keys");
    sc_status s = read_kvs(g);
    if (s == SC_OK) s = read_tensor_infos(g);
    if (s != SC_OK) return s;
    int64_t align = 32;
    if (kv_int(g, "general.alignment", &align) &&
        (align <= 0 || align > 65536 || (align & (align - 1))))
        return bad(g, "general.alignment is not a power of two <= 65536");
    g->data_off = (g->pos + (size_t)align - 1) / (size_t)align * (size_t)align;
    if (g->data_off > g->len) return bad(g, "truncated before the tensor data");
    return SC_OK;
}

/* ---- model config from metadata ---- */

static int arch_key(const gguf *g, const char *arch, const char *suffix, int64_t *v) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return kv_int(g, key, v);
}

static int arch_keyf(const gguf *g, const char *arch, const char *suffix, double *v) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    return kv_float(g, key, v);
}

static sc_status read_config(gguf *g, sc_llm_config *c, char *arch, size_t cap) {
    if (!kv_str(g, "general.architecture", arch, cap))
        return sc_err_set(g->err, SC_ERR_PARSE, "%s: metadata lacks general.architecture", g->path);
    if (strcmp(arch, "llama") == 0)
        c->arch = SC_LLM_FAM_LLAMA;
    else if (strcmp(arch, "mistral") == 0)
        c->arch = SC_LLM_FAM_MISTRAL;
    else if (strcmp(arch, "gpt2") == 0)
        c->arch = SC_LLM_FAM_GPT2, c->qkv_bias = 1;
    else if (strcmp(arch, "mixtral") == 0) /* older llama.cpp name; newer files say llama */
        c->arch = SC_LLM_FAM_LLAMA;
    else if (strcmp(arch, "qwen2") == 0)
        c->arch = SC_LLM_FAM_QWEN2, c->qkv_bias = 1;
    else
        return sc_err_set(g->err, SC_ERR_UNSUPPORTED,
                          "%s: architecture '%s' is not supported (llama, mistral, qwen2, gpt2)",
                          g->path, arch);
    int64_t v[6] = {0};
    const char *keys[6] = {"embedding_length", "feed_forward_length",
                           "block_count",      "attention.head_count",
                           "context_length",   "attention.head_count_kv"};
    for (int i = 0; i < 6; i++)
        if (!arch_key(g, arch, keys[i], &v[i]) && i < 5)
            return sc_err_set(g->err, SC_ERR_PARSE, "%s: metadata lacks %s.%s", g->path, arch,
                              keys[i]);
    for (int i = 0; i < 6; i++)
        if (v[i] < 0 || v[i] > (1 << 24)) v[i] = -1; /* config_check rejects it by name */
    c->dim = (int)v[0], c->hidden_dim = (int)v[1], c->n_layers = (int)v[2];
    c->n_heads = (int)v[3], c->seq_len = (int)v[4], c->n_kv_heads = (int)v[5];
    int64_t hd = 0;
    if (arch_key(g, arch, "attention.key_length", &hd) && hd > 0 && hd < 4096)
        c->head_dim = (int)hd;
    double eps = 1e-5, theta = 10000;
    if (!arch_keyf(g, arch, "attention.layer_norm_rms_epsilon", &eps))
        arch_keyf(g, arch, "attention.layer_norm_epsilon", &eps);
    arch_keyf(g, arch, "rope.freq_base", &theta);
    c->norm_eps = (float)eps, c->rope_theta = (float)theta;
    int64_t bos = -1, eos = -1;
    kv_int(g, "tokenizer.ggml.bos_token_id", &bos);
    kv_int(g, "tokenizer.ggml.eos_token_id", &eos);
    int64_t ne = 0, nu = 0;
    arch_key(g, arch, "expert_count", &ne);
    arch_key(g, arch, "expert_used_count", &nu);
    c->n_experts = ne >= 0 && ne <= 4096 ? (int)ne : -1; /* config_check names the problem */
    c->n_experts_used = nu >= 0 && nu <= 4096 ? (int)nu : -1;
    c->bos_id = bos >= 0 && bos < (1 << 22) ? (int)bos : -1;
    c->eos_id = eos >= 0 && eos < (1 << 22) ? (int)eos : -1;
    return SC_OK;
}

/* ---- tokenizer ---- */

static char **read_str_array(gguf *g, const gkv *kv) {
    char **v = calloc(kv->count ? kv->count : 1, sizeof *v);
    if (!v) return NULL;
    size_t pos = kv->off;
    for (uint64_t i = 0; i < kv->count; i++) {
        uint64_t n = rd(g->d + pos, 8); /* bounds were checked while skipping */
        v[i] = malloc((size_t)n + 1);
        if (!v[i]) break;
        memcpy(v[i], g->d + pos + 8, (size_t)n);
        v[i][n] = 0;
        pos += 8 + (size_t)n;
    }
    return v;
}

static void free_str_array(char **v, uint64_t n) {
    for (uint64_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static sc_status read_tokenizer(gguf *g, sc_llm_model *m) {
    char kind[32];
    if (!kv_str(g, "tokenizer.ggml.model", kind, sizeof kind)) return SC_OK; /* none: ids only */
    const gkv *tk = find_kv(g, "tokenizer.ggml.tokens");
    if (!tk || tk->type != GT_ARR || tk->el_type != GT_STR)
        return sc_err_set(g->err, SC_ERR_PARSE, "%s: tokenizer.ggml.tokens missing or not strings",
                          g->path);
    int spm = strcmp(kind, "llama") == 0;
    if (!spm && strcmp(kind, "gpt2") != 0)
        return sc_err_set(g->err, SC_ERR_UNSUPPORTED, "%s: tokenizer model '%s' is not supported",
                          g->path, kind);
    const gkv *sc = find_kv(g, "tokenizer.ggml.scores"), *mg = find_kv(g, "tokenizer.ggml.merges");
    if (sc && (sc->type != GT_ARR || sc->el_type != GT_F32 || sc->count != tk->count))
        return sc_err_set(g->err, SC_ERR_PARSE, "%s: tokenizer.ggml.scores does not match tokens",
                          g->path);
    if (mg && (mg->type != GT_ARR || mg->el_type != GT_STR)) mg = NULL;
    char **toks = read_str_array(g, tk), **merges = mg ? read_str_array(g, mg) : NULL;
    float *scores = sc ? malloc(tk->count * sizeof *scores) : NULL;
    if (scores) memcpy(scores, g->d + sc->off, tk->count * sizeof *scores);
    sc_status s = SC_OK;
    if (!toks || (sc && !scores) || (mg && !merges))
        s = sc_err_set(g->err, SC_ERR_NOMEM, "%s: out of memory", g->path);
    else
        s = sc_llm_tokenizer_create(spm ? SC_LLM_TOK_SPM : SC_LLM_TOK_BPE,
                                    (const char *const *)toks, scores, tk->count,
                                    (const char *const *)merges, mg ? mg->count : 0, m->cfg.bos_id,
                                    m->cfg.eos_id, &m->tok, g->err);
    char pre[64];
    if (s == SC_OK && kv_str(g, "tokenizer.ggml.pre", pre, sizeof pre))
        sc_llm_tokenizer_set_pretok(m->tok, sc_llm_pretok_from_name(pre));
    free_str_array(toks, tk->count);
    free_str_array(merges, mg ? mg->count : 0);
    free(scores);
    return s;
}

/* ---- tensors ---- */

static const gtensor *find_tensor(const gguf *g, const char *name) {
    size_t n = strlen(name);
    for (uint64_t i = 0; i < g->n_t; i++)
        if (g->t[i].name.n == n && memcmp(g->t[i].name.p, name, n) == 0) return &g->t[i];
    return NULL;
}

/* Dequantises tensor `name` ([rows x cols], GGUF dims {cols, rows}) into dst. */
static sc_status load_tensor(gguf *g, const char *name, float *dst, size_t rows, size_t cols,
                             int optional, int *found) {
    const gtensor *t = find_tensor(g, name);
    if (found) *found = t != NULL;
    if (!t)
        return optional
                   ? SC_OK
                   : sc_err_set(g->err, SC_ERR_PARSE, "%s: tensor %s is missing", g->path, name);
    /* Rows are everything above the innermost dim (3-D expert stacks count E x rows). */
    uint64_t want1 = t->n_elems / t->dims[0];
    if (t->dims[0] != cols || want1 != rows || t->n_elems != (uint64_t)rows * cols)
        return sc_err_set(g->err, SC_ERR_PARSE,
                          "%s: tensor %s has shape %llux%llu, expected %zux%zu", g->path, name,
                          (unsigned long long)want1, (unsigned long long)t->dims[0], rows, cols);
    size_t block, bytes;
    if (sc_ggml_type_block((int)t->type, &block, &bytes) != 0)
        return sc_err_set(g->err, SC_ERR_UNSUPPORTED, "%s: tensor %s has unsupported type %u",
                          g->path, name, t->type);
    if (cols % block)
        return sc_err_set(g->err, SC_ERR_PARSE,
                          "%s: tensor %s: row of %zu is not a multiple of %zu", g->path, name, cols,
                          block);
    uint64_t nbytes = t->n_elems / block * bytes, avail = g->len - g->data_off;
    if (t->offset > avail || nbytes > avail - t->offset)
        return sc_err_set(g->err, SC_ERR_PARSE, "%s: tensor %s data runs past the end of the file",
                          g->path, name);
    sc_ggml_dequantize((int)t->type, g->d + g->data_off + t->offset, t->n_elems, dst);
    return SC_OK;
}

static sc_status load_layer(gguf *g, sc_llm_model *m, int l) {
    const sc_llm_config *c = &m->cfg;
    sc_llm_layer *y = &m->layers[l];
    size_t d = (size_t)c->dim, h = (size_t)c->hidden_dim, q = sc_llm_q_dim(c),
           kv = sc_llm_kv_dim(c);
    size_t ne = (size_t)c->n_experts, e = ne ? ne : 1;
    int moe = ne > 0;
    struct {
        const char *n;
        float *dst;
        size_t r, cols;
    } t[] = {{moe ? "ffn_gate_exps.weight" : "ffn_gate.weight", y->w1, e * h, d},
             {moe ? "ffn_down_exps.weight" : "ffn_down.weight", y->w2, e * d, h},
             {moe ? "ffn_up_exps.weight" : "ffn_up.weight", y->w3, e * h, d},
             {"ffn_gate_inp.weight", y->moe_gate, ne, d},
             {"attn_norm.weight", y->attn_norm, 1, d},
             {"attn_q.weight", y->wq, q, d},
             {"attn_k.weight", y->wk, kv, d},
             {"attn_v.weight", y->wv, kv, d},
             {"attn_output.weight", y->wo, d, q},
             {"ffn_norm.weight", y->ffn_norm, 1, d},
             {"attn_q.bias", y->bq, 1, q},
             {"attn_k.bias", y->bk, 1, kv},
             {"attn_v.bias", y->bv, 1, kv}};
    sc_status s = SC_OK;
    for (size_t i = 0; s == SC_OK && i < SC_ARRAY_LEN(t); i++) {
        if (!t[i].dst) continue;
        char name[96];
        snprintf(name, sizeof name, "blk.%d.%s", l, t[i].n);
        s = load_tensor(g, name, t[i].dst, t[i].r, t[i].cols, 0, NULL);
    }
    /* llama.cpp runs qwen2 with NEOX (rotate-half) RoPE and stores q/k unpermuted. */
    if (s == SC_OK && c->arch == SC_LLM_FAM_QWEN2) {
        int bad_perm = sc_llm_permute_rope_rows(y->wq, c->n_heads, c->head_dim, d) ||
                       sc_llm_permute_rope_rows(y->wk, c->n_kv_heads, c->head_dim, d) ||
                       sc_llm_permute_rope_rows(y->bq, c->n_heads, c->head_dim, 1) ||
                       sc_llm_permute_rope_rows(y->bk, c->n_kv_heads, c->head_dim, 1);
        if (bad_perm) s = sc_err_set(g->err, SC_ERR_NOMEM, "%s: out of memory", g->path);
    }
    return s;
}

/* GPT-2: LayerNorms with biases, fused attn_qkv [3d x d] split into q/k/v, MLP up/down. */
static sc_status load_layer_gpt2(gguf *g, sc_llm_model *m, int l) {
    const sc_llm_config *c = &m->cfg;
    sc_llm_layer *y = &m->layers[l];
    size_t d = (size_t)c->dim, h = (size_t)c->hidden_dim;
    float *qkv = malloc(3 * d * d * sizeof *qkv), *bqkv = malloc(3 * d * sizeof *bqkv);
    struct {
        const char *n;
        float *dst;
        size_t r, cols;
    } t[] = {{"attn_norm.weight", y->attn_norm, 1, d}, {"attn_norm.bias", y->attn_norm_b, 1, d},
             {"attn_qkv.weight", qkv, 3 * d, d},       {"attn_qkv.bias", bqkv, 1, 3 * d},
             {"attn_output.weight", y->wo, d, d},      {"attn_output.bias", y->bo, 1, d},
             {"ffn_norm.weight", y->ffn_norm, 1, d},   {"ffn_norm.bias", y->ffn_norm_b, 1, d},
             {"ffn_up.weight", y->w3, h, d},           {"ffn_up.bias", y->b3, 1, h},
             {"ffn_down.weight", y->w2, d, h},         {"ffn_down.bias", y->b2, 1, d}};
    sc_status s =
        qkv && bqkv ? SC_OK : sc_err_set(g->err, SC_ERR_NOMEM, "%s: out of memory", g->path);
    for (size_t i = 0; s == SC_OK && i < SC_ARRAY_LEN(t); i++) {
        char name[96];
        snprintf(name, sizeof name, "blk.%d.%s", l, t[i].n);
        s = load_tensor(g, name, t[i].dst, t[i].r, t[i].cols, 0, NULL);
    }
    if (s == SC_OK) sc_llm_split_qkv(y, qkv, bqkv, d);
    free(qkv);
    free(bqkv);
    return s;
}

/* RoPE scaling: Llama 3.1 GGUFs carry the per-frequency divisors as rope_freqs.weight; older
 * files may say {arch}.rope.scaling.type = linear with a factor. */
static sc_status read_rope_scaling(gguf *g, sc_llm_model *m, const char *arch) {
    size_t half = (size_t)m->cfg.head_dim / 2;
    if (find_tensor(g, "rope_freqs.weight")) {
        m->rope_div = sc_llm_model_alloc(m, half);
        if (!m->rope_div) return sc_err_set(g->err, SC_ERR_NOMEM, "%s: out of memory", g->path);
        sc_status s = load_tensor(g, "rope_freqs.weight", m->rope_div, 1, half, 0, NULL);
        for (size_t i = 0; s == SC_OK && i < half; i++)
            if (!(m->rope_div[i] > 0 && m->rope_div[i] < 1e6))
                s = sc_err_set(g->err, SC_ERR_PARSE,
                               "%s: rope_freqs.weight[%zu] = %g is not a "
                               "positive divisor",
                               g->path, i, (double)m->rope_div[i]);
        return s;
    }
    char key[128], type[32];
    snprintf(key, sizeof key, "%s.rope.scaling.type", arch);
    if (!kv_str(g, key, type, sizeof type) || strcmp(type, "none") == 0) return SC_OK;
    double factor = 1;
    arch_keyf(g, arch, "rope.scaling.factor", &factor);
    if (strcmp(type, "linear") == 0) return sc_llm_rope_scale_linear(m, factor, g->err);
    return sc_err_set(g->err, SC_ERR_UNSUPPORTED,
                      "%s: RoPE scaling type '%s' is not supported "
                      "(linear, rope_freqs)",
                      g->path, type);
}

static sc_status load_model(gguf *g, sc_llm_model *m, const sc_llm_load_params *p) {
    sc_llm_config *c = &m->cfg;
    char arch[64];
    sc_status s = read_config(g, c, arch, sizeof arch);
    if (s != SC_OK) return s;
    const gtensor *emb = find_tensor(g, "token_embd.weight");
    if (!emb || emb->n_dims != 2 || emb->dims[1] > (1u << 22))
        return sc_err_set(g->err, SC_ERR_PARSE, "%s: token_embd.weight missing or not 2-D",
                          g->path);
    c->vocab_size = (int)emb->dims[1];
    c->tied_embeddings = find_tensor(g, "output.weight") == NULL;
    s = sc_llm_config_check(g->path, c, p, g->err);
    if (s == SC_OK) s = sc_llm_check_params_in_file(g->path, c, (double)g->len, g->err);
    if (s == SC_OK) s = sc_llm_model_alloc_all(m, g->err);
    size_t d = (size_t)c->dim, v = (size_t)c->vocab_size;
    if (s == SC_OK) s = load_tensor(g, "token_embd.weight", m->tok_emb, v, d, 0, NULL);
    if (s == SC_OK) s = load_tensor(g, "output_norm.weight", m->out_norm, 1, d, 0, NULL);
    if (s == SC_OK && !c->tied_embeddings)
        s = load_tensor(g, "output.weight", m->cls, v, d, 0, NULL);
    int gpt2 = c->arch == SC_LLM_FAM_GPT2;
    if (s == SC_OK && gpt2)
        s = load_tensor(g, "position_embd.weight", m->pos_emb, (size_t)c->seq_len, d, 0, NULL);
    if (s == SC_OK && gpt2) s = load_tensor(g, "output_norm.bias", m->out_norm_b, 1, d, 0, NULL);
    for (int l = 0; s == SC_OK && l < c->n_layers; l++)
        s = gpt2 ? load_layer_gpt2(g, m, l) : load_layer(g, m, l);
    if (s == SC_OK && !gpt2) s = read_rope_scaling(g, m, arch);
    if (s == SC_OK) s = read_tokenizer(g, m);
    return s;
}

sc_status sc_llm_load_gguf(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                           sc_err *err) {
    *out = NULL;
    sc_llm_load_params def = sc_llm_load_default_params();
    if (!p) p = &def;
    gguf g;
    memset(&g, 0, sizeof g);
    g.path = path;
    g.err = err;
    unsigned char *data = NULL;
    sc_status s = sc_read_file(path, p->max_file_bytes, &data, &g.len, err);
    if (s != SC_OK) return s;
    g.d = data;
    sc_llm_model *m = sc_llm_model_new();
    if (!m) s = sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", path);
    if (s == SC_OK) {
        sc_strlcpy(m->source, path, sizeof m->source);
        sc_strlcpy(m->format, "gguf", sizeof m->format);
        s = parse_header(&g);
    }
    if (s == SC_OK) s = load_model(&g, m, p);
    free(g.kv);
    free(g.t);
    free(data);
    if (s != SC_OK) {
        sc_llm_model_destroy(m);
        return s;
    }
    *out = m;
    return SC_OK;
}
