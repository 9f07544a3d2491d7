// SPDX-License-Identifier: Apache-2.0
// safetensors reader (single file or sharded via model.safetensors.index.json) + HF config.json.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontends/llm/llm_model.h"
#include "numerics/numerics.h"

#define ST_MAX_SHARDS 256
#define ST_MAX_HEADER (100u << 20) /* the format's own limit on the JSON header */
#define ST_MAX_CONFIG (1u << 20)
#define ST_MAX_INDEX  (64u << 20)

typedef struct shard {
    char path[2200];
    unsigned char *data;
    size_t len, data_off;
    cJSON *hdr;
} shard;

typedef struct stread {
    char dir[1024];
    shard sh[ST_MAX_SHARDS];
    int n;
    const sc_llm_load_params *p;
    sc_err *err;
} stread;

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static sc_status open_shard(stread *r, const char *path) {
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->sh[i].path, path) == 0) return SC_OK;
    if (r->n == ST_MAX_SHARDS)
        return sc_err_set(r->err, SC_ERR_LIMIT, "%s: more than %d shards", path, ST_MAX_SHARDS);
    shard *s = &r->sh[r->n];
    memset(s, 0, sizeof *s);
    sc_strlcpy(s->path, path, sizeof s->path);
    sc_status st = sc_read_file(path, r->p->max_file_bytes, &s->data, &s->len, r->err);
    if (st != SC_OK) return st;
    r->n++;
    if (s->len < 8)
        return sc_err_set(r->err, SC_ERR_PARSE,
                          "%s: truncated: %zu bytes, the header length needs 8", path, s->len);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | s->data[i];
    if (hl > ST_MAX_HEADER || hl > s->len - 8)
        return sc_err_set(r->err, SC_ERR_PARSE,
                          "%s: header length %llu exceeds the file (%zu bytes) or the 100 MB limit",
                          path, (unsigned long long)hl, s->len);
    s->hdr = cJSON_ParseWithLength((const char *)s->data + 8, (size_t)hl);
    if (!s->hdr || !cJSON_IsObject(s->hdr))
        return sc_err_set(r->err, SC_ERR_PARSE, "%s: header is not a JSON object", path);
    s->data_off = 8 + (size_t)hl;
    return SC_OK;
}

static void close_all(stread *r) {
    for (int i = 0; i < r->n; i++) {
        cJSON_Delete(r->sh[i].hdr);
        free(r->sh[i].data);
    }
}

/* Index file: every shard named in weight_map, relative to the index's directory. */
static sc_status open_index(stread *r, const char *index) {
    unsigned char *txt = NULL;
    size_t len = 0;
    sc_status s = sc_read_file(index, ST_MAX_INDEX, &txt, &len, r->err);
    if (s != SC_OK) return s;
    cJSON *j = cJSON_ParseWithLength((const char *)txt, len);
    free(txt);
    cJSON *wm = cJSON_GetObjectItemCaseSensitive(j, "weight_map");
    if (!cJSON_IsObject(wm))
        s = sc_err_set(r->err, SC_ERR_PARSE, "%s: no weight_map object", index);
    for (cJSON *e = wm ? wm->child : NULL; s == SC_OK && e; e = e->next) {
        if (!cJSON_IsString(e) || strchr(e->valuestring, '/') || e->valuestring[0] == '.') {
            s = sc_err_set(r->err, SC_ERR_PARSE,
                           "%s: weight_map entry '%s' is not a plain file name", index,
                           e->string ? e->string : "?");
            break;
        }
        char path[2200];
        snprintf(path, sizeof path, "%s/%s", r->dir, e->valuestring);
        s = open_shard(r, path);
    }
    cJSON_Delete(j);
    return s;
}

static sc_status open_model(stread *r, const char *path) {
    char p[2200];
    if (is_dir(path)) {
        sc_strlcpy(r->dir, path, sizeof r->dir);
        snprintf(p, sizeof p, "%s/model.safetensors.index.json", path);
        if (exists(p)) return open_index(r, p);
        snprintf(p, sizeof p, "%s/model.safetensors", path);
        if (!exists(p))
            return sc_err_set(r->err, SC_ERR_IO, "%s: no model.safetensors or index in directory",
                              path);
        return open_shard(r, p);
    }
    sc_path_dir(path, r->dir, sizeof r->dir);
    return sc_str_endswith(path, ".json") ? open_index(r, path) : open_shard(r, path);
}

/* ---- config.json ---- */

static int jint(const cJSON *o, const char *k, int def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsArray(v)) v = cJSON_GetArrayItem(v, 0); /* eos_token_id may be a list */
    if (!cJSON_IsNumber(v)) return def;
    double d = v->valuedouble;
    return d >= -1 && d <= (1 << 24) ? (int)d : -2;
}

static double jnum(const cJSON *o, const char *k, double def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* Parses DIR/config.json into *out (the caller deletes it); path receives its name. */
static sc_status load_config_json(stread *r, char path[1100], cJSON **out) {
    snprintf(path, 1100, "%.1000s/config.json", r->dir);
    unsigned char *txt = NULL;
    size_t len = 0;
    *out = NULL;
    sc_status s = sc_read_file(path, ST_MAX_CONFIG, &txt, &len, r->err);
    if (s != SC_OK) return s;
    *out = cJSON_ParseWithLength((const char *)txt, len);
    free(txt);
    return *out ? SC_OK : sc_err_set(r->err, SC_ERR_PARSE, "%s: not valid JSON", path);
}

static sc_status read_config(stread *r, sc_llm_config *c) {
    char path[1100];
    cJSON *j;
    sc_status s = load_config_json(r, path, &j);
    if (s != SC_OK) return s;
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "model_type");
    if (!cJSON_IsString(mt))
        s = sc_err_set(r->err, SC_ERR_PARSE, "%s: no model_type string", path);
    else if (strcmp(mt->valuestring, "llama") == 0)
        c->arch = SC_LLM_FAM_LLAMA;
    else if (strcmp(mt->valuestring, "mixtral") == 0)
        c->arch = SC_LLM_FAM_MISTRAL, c->n_experts = jint(j, "num_local_experts", -1),
        c->n_experts_used = jint(j, "num_experts_per_tok", -1);
    else if (strcmp(mt->valuestring, "mistral") == 0)
        c->arch = SC_LLM_FAM_MISTRAL;
    else if (strcmp(mt->valuestring, "qwen2") == 0)
        c->arch = SC_LLM_FAM_QWEN2, c->qkv_bias = 1;
    else if (strcmp(mt->valuestring, "gpt2") == 0)
        c->arch = SC_LLM_FAM_GPT2, c->qkv_bias = 1;
    else
        s = sc_err_set(r->err, SC_ERR_UNSUPPORTED,
                       "%s: model_type '%s' is not supported (llama, mistral, mixtral, qwen2, "
                       "gpt2)",
                       path, mt->valuestring);
    if (s == SC_OK && c->arch == SC_LLM_FAM_GPT2) {
        /* GPT-2's own key names; n_inner null means 4 * n_embd; the classifier is wte. */
        c->dim = jint(j, "n_embd", -1);
        c->hidden_dim = jint(j, "n_inner", c->dim > 0 ? 4 * c->dim : -1);
        c->n_layers = jint(j, "n_layer", -1);
        c->n_heads = c->n_kv_heads = jint(j, "n_head", -1);
        c->vocab_size = jint(j, "vocab_size", -1);
        c->seq_len = jint(j, "n_positions", jint(j, "n_ctx", 1024));
        c->norm_eps = (float)jnum(j, "layer_norm_epsilon", 1e-5);
        c->rope_theta = 10000.0f, c->tied_embeddings = 1;
        c->bos_id = jint(j, "bos_token_id", -1), c->eos_id = jint(j, "eos_token_id", -1);
        s = sc_llm_config_check(path, c, r->p, r->err);
    } else if (s == SC_OK) {
        c->dim = jint(j, "hidden_size", -1);
        c->hidden_dim = jint(j, "intermediate_size", -1);
        c->n_layers = jint(j, "num_hidden_layers", -1);
        c->n_heads = jint(j, "num_attention_heads", -1);
        c->n_kv_heads = jint(j, "num_key_value_heads", c->n_heads);
        c->head_dim = jint(j, "head_dim", 0);
        c->vocab_size = jint(j, "vocab_size", -1);
        c->seq_len = jint(j, "max_position_embeddings", 2048);
        c->norm_eps = (float)jnum(j, "rms_norm_eps", 1e-6);
        c->rope_theta = (float)jnum(j, "rope_theta", 10000);
        c->tied_embeddings =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "tie_word_embeddings"));
        c->bos_id = jint(j, "bos_token_id", -1);
        c->eos_id = jint(j, "eos_token_id", -1);
        if (c->head_dim < 0) c->head_dim = -1;
        s = sc_llm_config_check(path, c, r->p, r->err);
    }
    cJSON_Delete(j);
    return s;
}

/* ---- tensors ---- */

static sc_status load_tensor(stread *r, const char *name, float *dst, size_t rows, size_t cols) {
    for (int i = 0; i < r->n; i++) {
        shard *s = &r->sh[i];
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(s->hdr, name);
        if (!t) continue;
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype");
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
        const cJSON *of = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
        if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(of) ||
            cJSON_GetArraySize(of) != 2)
            return sc_err_set(r->err, SC_ERR_PARSE, "%s: tensor %s: malformed header entry",
                              s->path, name);
        double n = 1;
        for (const cJSON *e = sh->child; e; e = e->next)
            n *= cJSON_IsNumber(e) ? e->valuedouble : -1;
        int rank = cJSON_GetArraySize(sh);
        double d0 = rank >= 1 ? cJSON_GetArrayItem(sh, 0)->valuedouble : 1;
        if (n != (double)rows * (double)cols || rank > 2 || (rank == 2 && d0 != (double)rows))
            return sc_err_set(r->err, SC_ERR_PARSE, "%s: tensor %s does not have shape [%zu, %zu]",
                              s->path, name, rows, cols);
        int es = strcmp(dt->valuestring, "F32") == 0                                           ? 4
                 : strcmp(dt->valuestring, "F16") == 0 || strcmp(dt->valuestring, "BF16") == 0 ? 2
                                                                                               : 0;
        if (!es)
            return sc_err_set(r->err, SC_ERR_UNSUPPORTED,
                              "%s: tensor %s has dtype %s (F32, F16, BF16)", s->path, name,
                              dt->valuestring);
        double b = cJSON_GetArrayItem(of, 0)->valuedouble,
               e = cJSON_GetArrayItem(of, 1)->valuedouble;
        double avail = (double)(s->len - s->data_off);
        if (!(b >= 0 && e - b == n * es && e <= avail))
            return sc_err_set(r->err, SC_ERR_PARSE,
                              "%s: tensor %s: data_offsets [%.0f, %.0f] do not "
                              "match its size or lie past the end of the file",
                              s->path, name, b, e);
        const unsigned char *src = s->data + s->data_off + (size_t)b;
        size_t cnt = rows * cols;
        if (es == 4)
            memcpy(dst, src, cnt * 4);
        else if (dt->valuestring[0] == 'B')
            sc_convert(SC_DTYPE_BF16, src, SC_DTYPE_FP32, dst, cnt);
        else
            sc_convert(SC_DTYPE_FP16, src, SC_DTYPE_FP32, dst, cnt);
        return SC_OK;
    }
    return sc_err_set(r->err, SC_ERR_PARSE, "%s: tensor %s is missing", r->sh[0].path, name);
}

static sc_status load_layer(stread *r, sc_llm_model *m, int l) {
    const sc_llm_config *c = &m->cfg;
    sc_llm_layer *y = &m->layers[l];
    size_t d = (size_t)c->dim, h = (size_t)c->hidden_dim, q = sc_llm_q_dim(c),
           kv = sc_llm_kv_dim(c);
    struct {
        const char *n;
        float *dst;
        size_t r, cols;
    } t[] = {{"input_layernorm.weight", y->attn_norm, 1, d},
             {"self_attn.q_proj.weight", y->wq, q, d},
             {"self_attn.k_proj.weight", y->wk, kv, d},
             {"self_attn.v_proj.weight", y->wv, kv, d},
             {"self_attn.o_proj.weight", y->wo, d, q},
             {"post_attention_layernorm.weight", y->ffn_norm, 1, d},
             {"mlp.gate_proj.weight", c->n_experts ? NULL : y->w1, h, d},
             {"mlp.down_proj.weight", c->n_experts ? NULL : y->w2, d, h},
             {"mlp.up_proj.weight", c->n_experts ? NULL : y->w3, h, d},
             {"block_sparse_moe.gate.weight", y->moe_gate, (size_t)c->n_experts, d},
             {"self_attn.q_proj.bias", y->bq, 1, q},
             {"self_attn.k_proj.bias", y->bk, 1, kv},
             {"self_attn.v_proj.bias", y->bv, 1, kv}};
    sc_status s = SC_OK;
    for (size_t i = 0; s == SC_OK && i < SC_ARRAY_LEN(t); i++) {
        if (!t[i].dst) continue;
        char name[128];
        snprintf(name, sizeof name, "model.layers.%d.%s", l, t[i].n);
        s = load_tensor(r, name, t[i].dst, t[i].r, t[i].cols);
    }
    /* Mixtral experts: block_sparse_moe.experts.E.w1 (gate), w2 (down), w3 (up). */
    for (int e = 0; s == SC_OK && e < c->n_experts; e++) {
        size_t o = (size_t)e * h * d;
        const char *nm[3] = {"w1", "w2", "w3"};
        float *dst[3] = {y->w1 + o, y->w2 + o, y->w3 + o};
        size_t rows[3] = {h, d, h}, cols[3] = {d, h, d};
        for (int k = 0; s == SC_OK && k < 3; k++) {
            char name[160];
            snprintf(name, sizeof name, "model.layers.%d.block_sparse_moe.experts.%d.%s.weight", l,
                     e, nm[k]);
            s = load_tensor(r, name, dst[k], rows[k], cols[k]);
        }
    }
    /* Hugging Face checkpoints use rotate-half RoPE: reorder q/k rows to adjacent pairs. */
    if (s == SC_OK && (sc_llm_permute_rope_rows(y->wq, c->n_heads, c->head_dim, d) ||
                       sc_llm_permute_rope_rows(y->wk, c->n_kv_heads, c->head_dim, d) ||
                       (y->bq && sc_llm_permute_rope_rows(y->bq, c->n_heads, c->head_dim, 1)) ||
                       (y->bk && sc_llm_permute_rope_rows(y->bk, c->n_kv_heads, c->head_dim, 1))))
        s = sc_err_set(r->err, SC_ERR_NOMEM, "%s: out of memory", m->source);
    return s;
}

/* config.json "rope_scaling": {"rope_type" (or "type"): "linear" | "llama3", "factor", ...}. */
static sc_status read_rope_scaling(stread *r, sc_llm_model *m) {
    char path[1100];
    cJSON *j;
    sc_status s = load_config_json(r, path, &j);
    if (s != SC_OK) return s;
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(j, "rope_scaling");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
    if (!cJSON_IsString(t)) t = cJSON_GetObjectItemCaseSensitive(rs, "type");
    double f = jnum(rs, "factor", 1);
    if (!cJSON_IsObject(rs) || !cJSON_IsString(t) || strcmp(t->valuestring, "default") == 0)
        s = SC_OK;
    else if (strcmp(t->valuestring, "linear") == 0)
        s = sc_llm_rope_scale_linear(m, f, r->err);
    else if (strcmp(t->valuestring, "llama3") == 0)
        s = sc_llm_rope_scale_llama3(m, f, jnum(rs, "low_freq_factor", 1),
                                     jnum(rs, "high_freq_factor", 4),
                                     jnum(rs, "original_max_position_embeddings", 8192), r->err);
    else
        s = sc_err_set(r->err, SC_ERR_UNSUPPORTED,
                       "%s: rope_scaling type '%s' is not supported (linear, llama3)", path,
                       t->valuestring);
    cJSON_Delete(j);
    return s;
}

static int has_tensor(const stread *r, const char *name) {
    for (int i = 0; i < r->n; i++)
        if (cJSON_GetObjectItemCaseSensitive(r->sh[i].hdr, name)) return 1;
    return 0;
}

/* A Hugging Face Conv1D weight, stored [in x out]: loaded and transposed to [out x in]. */
static sc_status load_conv1d(stread *r, const char *name, float *dst, size_t out, size_t in) {
    float *tmp = malloc(in * out * sizeof *tmp);
    if (!tmp) return sc_err_set(r->err, SC_ERR_NOMEM, "%s: out of memory", r->sh[0].path);
    sc_status s = load_tensor(r, name, tmp, in, out);
    for (size_t i = 0; s == SC_OK && i < in; i++)
        for (size_t o = 0; o < out; o++)
            dst[o * in + i] = tmp[i * out + o];
    free(tmp);
    return s;
}

/* GPT-2 block l: ln_1, attn.c_attn (fused q|k|v, Conv1D), attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj.
 */
static sc_status load_gpt2_layer(stread *r, sc_llm_model *m, const char *pre, int l) {
    sc_llm_layer *y = &m->layers[l];
    size_t d = (size_t)m->cfg.dim, h = (size_t)m->cfg.hidden_dim;
    float *qkv = malloc(3 * d * d * sizeof *qkv), *bqkv = malloc(3 * d * sizeof *bqkv);
    char n[160];
    sc_status s = qkv && bqkv ? SC_OK : sc_err_set(r->err, SC_ERR_NOMEM, "out of memory");
#define NAME(suffix) (snprintf(n, sizeof n, "%sh.%d." suffix, pre, l), n)
    if (s == SC_OK) s = load_tensor(r, NAME("ln_1.weight"), y->attn_norm, 1, d);
    if (s == SC_OK) s = load_tensor(r, NAME("ln_1.bias"), y->attn_norm_b, 1, d);
    if (s == SC_OK) s = load_conv1d(r, NAME("attn.c_attn.weight"), qkv, 3 * d, d);
    if (s == SC_OK) s = load_tensor(r, NAME("attn.c_attn.bias"), bqkv, 1, 3 * d);
    if (s == SC_OK) s = load_conv1d(r, NAME("attn.c_proj.weight"), y->wo, d, d);
    if (s == SC_OK) s = load_tensor(r, NAME("attn.c_proj.bias"), y->bo, 1, d);
    if (s == SC_OK) s = load_tensor(r, NAME("ln_2.weight"), y->ffn_norm, 1, d);
    if (s == SC_OK) s = load_tensor(r, NAME("ln_2.bias"), y->ffn_norm_b, 1, d);
    if (s == SC_OK) s = load_conv1d(r, NAME("mlp.c_fc.weight"), y->w3, h, d);
    if (s == SC_OK) s = load_tensor(r, NAME("mlp.c_fc.bias"), y->b3, 1, h);
    if (s == SC_OK) s = load_conv1d(r, NAME("mlp.c_proj.weight"), y->w2, d, h);
    if (s == SC_OK) s = load_tensor(r, NAME("mlp.c_proj.bias"), y->b2, 1, d);
#undef NAME
    if (s == SC_OK) sc_llm_split_qkv(y, qkv, bqkv, d);
    free(qkv);
    free(bqkv);
    return s;
}

/* GPT-2 checkpoints name tensors with or without a "transformer." prefix. */
static sc_status load_gpt2(stread *r, sc_llm_model *m) {
    const sc_llm_config *c = &m->cfg;
    const char *pre = has_tensor(r, "transformer.wte.weight") ? "transformer." : "";
    size_t d = (size_t)c->dim, v = (size_t)c->vocab_size;
    char n[160];
    snprintf(n, sizeof n, "%swte.weight", pre);
    sc_status s = load_tensor(r, n, m->tok_emb, v, d);
    snprintf(n, sizeof n, "%swpe.weight", pre);
    if (s == SC_OK) s = load_tensor(r, n, m->pos_emb, (size_t)c->seq_len, d);
    snprintf(n, sizeof n, "%sln_f.weight", pre);
    if (s == SC_OK) s = load_tensor(r, n, m->out_norm, 1, d);
    snprintf(n, sizeof n, "%sln_f.bias", pre);
    if (s == SC_OK) s = load_tensor(r, n, m->out_norm_b, 1, d);
    for (int l = 0; s == SC_OK && l < c->n_layers; l++)
        s = load_gpt2_layer(r, m, pre, l);
    return s;
}

static sc_status load_all(stread *r, sc_llm_model *m) {
    sc_llm_config *c = &m->cfg;
    sc_status s = read_config(r, c);
    double bytes = 0;
    for (int i = 0; i < r->n; i++)
        bytes += (double)r->sh[i].len;
    if (s == SC_OK) s = sc_llm_check_params_in_file(m->source, c, bytes, r->err);
    if (s == SC_OK) s = sc_llm_model_alloc_all(m, r->err);
    if (s == SC_OK && c->arch == SC_LLM_FAM_GPT2) return load_gpt2(r, m);
    if (s == SC_OK) s = read_rope_scaling(r, m);
    size_t d = (size_t)c->dim, v = (size_t)c->vocab_size;
    if (s == SC_OK) s = load_tensor(r, "model.embed_tokens.weight", m->tok_emb, v, d);
    if (s == SC_OK) s = load_tensor(r, "model.norm.weight", m->out_norm, 1, d);
    if (s == SC_OK && !c->tied_embeddings) s = load_tensor(r, "lm_head.weight", m->cls, v, d);
    for (int l = 0; s == SC_OK && l < c->n_layers; l++)
        s = load_layer(r, m, l);
    return s;
}

sc_status sc_llm_load_safetensors(const char *path, const sc_llm_load_params *p, sc_llm_model **out,
                                  sc_err *err) {
    *out = NULL;
    sc_llm_load_params def = sc_llm_load_default_params();
    stread *r = calloc(1, sizeof *r);
    sc_llm_model *m = sc_llm_model_new();
    if (!r || !m) {
        free(r);
        sc_llm_model_destroy(m);
        return sc_err_set(err, SC_ERR_NOMEM, "%s: out of memory", path);
    }
    r->p = p ? p : &def;
    r->err = err;
    sc_strlcpy(m->source, path, sizeof m->source);
    sc_strlcpy(m->format, "safetensors", sizeof m->format);
    sc_status s = open_model(r, path);
    if (s == SC_OK) s = load_all(r, m);
    close_all(r);
    free(r);
    if (s != SC_OK) {
        sc_llm_model_destroy(m);
        return s;
    }
    *out = m;
    return SC_OK;
}
