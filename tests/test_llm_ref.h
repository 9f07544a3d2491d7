// SPDX-License-Identifier: Apache-2.0
// Independent fp64 reference forward pass for the LLM tests (plain C, no chip, no library math).
/* Written from the model definitions (llama2.c run.c, Hugging Face Llama/Qwen2/GPT-2), not from the
 * chip kernels: every sum and transcendental is formed in double. Weights come from the loaded
 * sc_llm_model (fp32); adjacent-pair RoPE is the model's normalised convention. Header-only so
 * every test_llm_*.c can include it. */
#ifndef SC_TEST_LLM_REF_H
#define SC_TEST_LLM_REF_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/llm/llm_model.h"

typedef struct ref_state {
    const sc_llm_model *m;
    int max_seq;
    double *k, *v; /* [layers][max_seq][kv_dim] */
    double *x, *xb, *q, *att_out, *h1, *h3, *tmp, *att;
} ref_state;

static ref_state *ref_create(const sc_llm_model *m, int max_seq) {
    const sc_llm_config *c = &m->cfg;
    size_t kv = sc_llm_kv_dim(c), q = sc_llm_q_dim(c), d = (size_t)c->dim;
    size_t big = d > q ? d : q;
    if ((size_t)c->hidden_dim > big) big = (size_t)c->hidden_dim;
    if ((size_t)c->vocab_size > big) big = (size_t)c->vocab_size;
    ref_state *r = calloc(1, sizeof *r);
    r->m = m;
    r->max_seq = max_seq;
    r->k = calloc((size_t)c->n_layers * (size_t)max_seq * kv, sizeof(double));
    r->v = calloc((size_t)c->n_layers * (size_t)max_seq * kv, sizeof(double));
    r->x = calloc(big, sizeof(double));
    r->xb = calloc(big, sizeof(double));
    r->q = calloc(big, sizeof(double));
    r->att_out = calloc(big, sizeof(double));
    r->h1 = calloc(big, sizeof(double));
    r->h3 = calloc(big, sizeof(double));
    r->tmp = calloc(big, sizeof(double));
    r->att = calloc((size_t)max_seq, sizeof(double));
    return r;
}

static void ref_destroy(ref_state *r) {
    if (!r) return;
    free(r->k), free(r->v), free(r->x), free(r->xb), free(r->q), free(r->att_out);
    free(r->h1), free(r->h3), free(r->tmp), free(r->att);
    free(r);
}

/* out[o] = sum_i w[o][i] * x[i] (+ b[o]) */
static void ref_matvec(double *out, const float *w, const float *b, const double *x, size_t rows,
                       size_t cols) {
    for (size_t o = 0; o < rows; o++) {
        double s = 0;
        const float *row = w + o * cols;
        for (size_t i = 0; i < cols; i++)
            s += (double)row[i] * x[i];
        out[o] = s + (b ? (double)b[o] : 0.0);
    }
}

static void ref_norm(double *out, const double *x, const float *w, const float *b, size_t n,
                     double eps, int layernorm) {
    double mean = 0, ss = 0;
    if (layernorm) {
        for (size_t i = 0; i < n; i++)
            mean += x[i];
        mean /= (double)n;
    }
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double r = 1.0 / sqrt(ss / (double)n + eps);
    for (size_t i = 0; i < n; i++)
        out[i] = (x[i] - mean) * r * w[i] + (b ? b[i] : 0.0);
}

/* Adjacent-pair rotation of every head of vec (n_heads x hd) at position pos. */
static void ref_rope(double *vec, int n_heads, int hd, int pos, double theta, const float *div) {
    for (int h = 0; h < n_heads; h++)
        for (int i = 0; i < hd; i += 2) {
            double freq = pow(theta, -(double)i / hd) / (div ? div[i / 2] : 1.0), a = pos * freq;
            double c = cos(a), s = sin(a), *p = vec + (size_t)h * hd + i;
            double v0 = p[0], v1 = p[1];
            p[0] = v0 * c - v1 * s;
            p[1] = v0 * s + v1 * c;
        }
}

static void ref_attention(ref_state *r, int l, int pos) {
    const sc_llm_config *c = &r->m->cfg;
    int hd = c->head_dim, rep = c->n_heads / c->n_kv_heads;
    size_t kvd = sc_llm_kv_dim(c);
    const double *kc = r->k + (size_t)l * r->max_seq * kvd,
                 *vc = r->v + (size_t)l * r->max_seq * kvd;
    for (int h = 0; h < c->n_heads; h++) {
        const double *q = r->q + (size_t)h * hd;
        size_t off = (size_t)(h / rep) * hd;
        double mx = -INFINITY, sum = 0;
        for (int t = 0; t <= pos; t++) {
            double s = 0;
            for (int i = 0; i < hd; i++)
                s += q[i] * kc[(size_t)t * kvd + off + i];
            r->att[t] = s / sqrt((double)hd);
            if (r->att[t] > mx) mx = r->att[t];
        }
        for (int t = 0; t <= pos; t++)
            sum += (r->att[t] = exp(r->att[t] - mx));
        double *o = r->att_out + (size_t)h * hd;
        for (int i = 0; i < hd; i++) {
            double s = 0;
            for (int t = 0; t <= pos; t++)
                s += r->att[t] / sum * vc[(size_t)t * kvd + off + i];
            o[i] = s;
        }
    }
}

static double ref_gelu_tanh(double x) {
    return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

/* SwiGLU expert e (e = 0 for a dense FFN): out[d] = W2 (silu(W1 x) * (W3 x)). */
static void ref_swiglu(ref_state *r, const sc_llm_layer *ly, size_t e, double *out) {
    const sc_llm_config *c = &r->m->cfg;
    size_t d = (size_t)c->dim, h = (size_t)c->hidden_dim;
    ref_matvec(r->h1, ly->w1 + e * h * d, NULL, r->xb, h, d);
    ref_matvec(r->h3, ly->w3 + e * h * d, NULL, r->xb, h, d);
    for (size_t i = 0; i < h; i++)
        r->h3[i] *= r->h1[i] / (1 + exp(-r->h1[i]));
    ref_matvec(out, ly->w2 + e * d * h, NULL, r->h3, d, h);
}

/* Mixtral routing: the top-k router logits (ties: lower index), softmax over those k, weighted
 * sum of the chosen experts. */
static void ref_moe(ref_state *r, const sc_llm_layer *ly) {
    const sc_llm_config *c = &r->m->cfg;
    size_t d = (size_t)c->dim;
    int ne = c->n_experts, k = c->n_experts_used, chosen[256];
    double logit[256], w[256], mx = -INFINITY, sum = 0;
    ref_matvec(logit, ly->moe_gate, NULL, r->xb, (size_t)ne, d);
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int e = 0; e < ne; e++) {
            int used = 0;
            for (int i = 0; i < j; i++)
                used |= chosen[i] == e;
            if (!used && (best < 0 || logit[e] > logit[best])) best = e;
        }
        chosen[j] = best;
        if (logit[best] > mx) mx = logit[best];
    }
    for (int j = 0; j < k; j++)
        sum += (w[j] = exp(logit[chosen[j]] - mx));
    for (int j = 0; j < k; j++) {
        ref_swiglu(r, ly, (size_t)chosen[j], r->tmp);
        for (size_t i = 0; i < d; i++)
            r->x[i] += w[j] / sum * r->tmp[i];
    }
}

static void ref_ffn(ref_state *r, const sc_llm_layer *ly) {
    const sc_llm_config *c = &r->m->cfg;
    size_t d = (size_t)c->dim, h = (size_t)c->hidden_dim;
    if (c->n_experts > 0) {
        ref_moe(r, ly);
        return;
    }
    if (c->arch == SC_LLM_FAM_GPT2) {
        ref_matvec(r->h3, ly->w3, ly->b3, r->xb, h, d);
        for (size_t i = 0; i < h; i++)
            r->h3[i] = ref_gelu_tanh(r->h3[i]);
    } else {
        ref_matvec(r->h1, ly->w1, NULL, r->xb, h, d);
        ref_matvec(r->h3, ly->w3, NULL, r->xb, h, d);
        for (size_t i = 0; i < h; i++)
            r->h3[i] *= r->h1[i] / (1 + exp(-r->h1[i]));
    }
    ref_matvec(r->tmp, ly->w2, ly->b2, r->h3, d, h);
    for (size_t i = 0; i < d; i++)
        r->x[i] += r->tmp[i];
}

/* One token at position pos; logits[vocab] receives the classifier output. */
static void ref_forward(ref_state *r, int token, int pos, double *logits) {
    const sc_llm_model *m = r->m;
    const sc_llm_config *c = &m->cfg;
    size_t d = (size_t)c->dim, kvd = sc_llm_kv_dim(c), qd = sc_llm_q_dim(c);
    int ln = c->arch == SC_LLM_FAM_GPT2;
    for (size_t i = 0; i < d; i++)
        r->x[i] = m->tok_emb[(size_t)token * d + i] + (ln ? m->pos_emb[(size_t)pos * d + i] : 0.0);
    for (int l = 0; l < c->n_layers; l++) {
        const sc_llm_layer *ly = &m->layers[l];
        double *kc = r->k + ((size_t)l * r->max_seq + pos) * kvd;
        double *vc = r->v + ((size_t)l * r->max_seq + pos) * kvd;
        ref_norm(r->xb, r->x, ly->attn_norm, ly->attn_norm_b, d, c->norm_eps, ln);
        ref_matvec(r->q, ly->wq, ly->bq, r->xb, qd, d);
        ref_matvec(kc, ly->wk, ly->bk, r->xb, kvd, d);
        ref_matvec(vc, ly->wv, ly->bv, r->xb, kvd, d);
        if (!ln) {
            ref_rope(r->q, c->n_heads, c->head_dim, pos, c->rope_theta, m->rope_div);
            ref_rope(kc, c->n_kv_heads, c->head_dim, pos, c->rope_theta, m->rope_div);
        }
        ref_attention(r, l, pos);
        ref_matvec(r->tmp, ly->wo, ly->bo, r->att_out, d, qd);
        for (size_t i = 0; i < d; i++)
            r->x[i] += r->tmp[i];
        ref_norm(r->xb, r->x, ly->ffn_norm, ly->ffn_norm_b, d, c->norm_eps, ln);
        ref_ffn(r, ly);
    }
    ref_norm(r->xb, r->x, m->out_norm, m->out_norm_b, d, c->norm_eps, ln);
    ref_matvec(logits, m->cls, NULL, r->xb, (size_t)c->vocab_size, d);
}

static int ref_argmax(const double *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Greedy continuation: feeds prompt[0..n_prompt), then generates until out holds n_out ids
 * (out[0] is the first generated token). */
static void ref_greedy(const sc_llm_model *m, const int *prompt, int n_prompt, int *out,
                       int n_out) {
    ref_state *r = ref_create(m, n_prompt + n_out);
    double *logits = calloc((size_t)m->cfg.vocab_size, sizeof(double));
    int pos = 0, tok = prompt[0];
    for (int i = 0; i < n_prompt + n_out - 1; i++, pos++) {
        ref_forward(r, tok, pos, logits);
        int next = ref_argmax(logits, m->cfg.vocab_size);
        if (i + 1 < n_prompt)
            tok = prompt[i + 1];
        else
            out[i + 1 - n_prompt] = tok = next;
    }
    free(logits);
    ref_destroy(r);
}

#endif
