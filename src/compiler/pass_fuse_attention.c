// SPDX-License-Identifier: Apache-2.0
// Fusion: scaled-dot-product attention, MatMul(Q, K^T) [-> Div/Mul scale] [-> Add mask] ->
// Softmax(last axis) -> MatMul(., V), becomes one FusedAttention node (lower_attention.c keeps
// the score tiles in the scratchpad with an online softmax).
#include <math.h>
#include <string.h>

#include "compiler/ir_util.h"

typedef struct apat {
    int q, k, v, mask, kt, out;
    float scale;
    int dead[6], nd;
} apat;

static sc_ir_node *live_prod(sc_ir_graph *g, int v, const char *op) {
    sc_ir_node *p = v >= 0 ? sc_ir_producer(g, v) : NULL;
    return p && !p->dead && !*p->domain && !strcmp(p->op, op) ? p : NULL;
}

static int single(sc_ir_graph *g, int v) {
    return sc_ir_uses(g, v) == 1 && !g->vals[v].is_output;
}

static double one_value(sc_ir_graph *g, int v) {
    const sc_tensor *t = v >= 0 ? g->vals[v].konst : NULL;
    return t && sc_tensor_numel(t) == 1 ? sc_tensor_get(t, 0) : NAN;
}

/* The live MatMul reading v as its first operand (v's only use). */
static sc_ir_node *pv_matmul(sc_ir_graph *g, int v) {
    if (!single(g, v)) return NULL;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (!n->dead && !*n->domain && !strcmp(n->op, "MatMul") && n->in[0] == v) return n;
    }
    return NULL;
}

/* Transpose swapping only the last two axes: its input, else -1. */
static int swapped_last2(sc_ir_graph *g, int v, apat *p) {
    sc_ir_node *t = live_prod(g, v, "Transpose");
    int64_t perm[SC_IR_MAX_RANK];
    int r = g->vals[v].rank;
    if (!t || !single(g, v) || r < 2 || sc_ir_attr_ints(t, "perm", perm, SC_IR_MAX_RANK) != r)
        return -1;
    for (int i = 0; i < r; i++)
        if (perm[i] != (i < r - 2 ? i : i == r - 2 ? r - 1 : r - 2)) return -1;
    p->dead[p->nd++] = (int)(t - g->nodes);
    return t->in[0];
}

/* Optional Add mask and Div/Mul scale between the QK MatMul and the Softmax. */
static int score_chain(sc_ir_graph *g, int s, apat *p) {
    sc_ir_node *a = live_prod(g, s, "Add");
    if (a && single(g, s)) {
        int side = live_prod(g, a->in[0], "MatMul") || live_prod(g, a->in[0], "Div") ||
                           live_prod(g, a->in[0], "Mul")
                       ? 0
                       : 1;
        const sc_ir_value *sv = &g->vals[a->in[side]], *ov = &g->vals[a->out[0]];
        /* the mask must broadcast into the scores, not widen them */
        if (sv->rank != ov->rank ||
            memcmp(sv->dims, ov->dims, sizeof(int64_t) * (size_t)sv->rank) ||
            g->vals[a->in[1 - side]].dtype != SC_T_FLOAT)
            return -1;
        p->mask = a->in[1 - side];
        p->dead[p->nd++] = (int)(a - g->nodes);
        s = a->in[side];
    }
    sc_ir_node *d = live_prod(g, s, "Div"), *m = live_prod(g, s, "Mul");
    if ((d || m) && single(g, s)) {
        sc_ir_node *x = d ? d : m;
        int side = d || !isnan(one_value(g, x->in[1])) ? 0 : 1;
        double c = one_value(g, x->in[1 - side]);
        if (isnan(c) || c == 0) return -1;
        p->scale = (float)(d ? 1.0 / c : c);
        p->dead[p->nd++] = (int)(x - g->nodes);
        s = x->in[side];
    }
    return s;
}

static int same_batch(const sc_ir_value *a, const sc_ir_value *b) {
    if (a->rank != b->rank || a->rank < 2) return 0;
    for (int i = 0; i < a->rank - 2; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return a->dtype == SC_T_FLOAT && b->dtype == SC_T_FLOAT;
}

static int match(sc_ir_graph *g, sc_ir_node *sm, apat *p) {
    memset(p, 0, sizeof *p);
    p->mask = -1, p->scale = 1.0f;
    const sc_ir_value *x = &g->vals[sm->in[0]];
    int r = x->rank;
    if (r < 2 || ir_axis(sc_ir_attr_i(sm, "axis", g->opset >= 13 ? -1 : 1), r) != r - 1) return 0;
    sc_ir_node *o = pv_matmul(g, sm->out[0]);
    int s = o ? score_chain(g, sm->in[0], p) : -1;
    sc_ir_node *qk = s >= 0 && single(g, s) ? live_prod(g, s, "MatMul") : NULL;
    if (!qk) return 0;
    p->q = qk->in[0], p->v = o->in[1], p->out = o->out[0];
    p->k = swapped_last2(g, qk->in[1], p);
    if (p->k < 0) p->k = qk->in[1], p->kt = 1;
    const sc_ir_value *q = &g->vals[p->q], *k = &g->vals[p->k], *v = &g->vals[p->v];
    int64_t d = q->dims[r - 1], sk = v->dims[r - 2];
    if (!same_batch(q, k) || !same_batch(q, v) || q->rank != r) return 0;
    if (k->dims[r - 1 - p->kt] != d || k->dims[r - 2 + p->kt] != sk) return 0;
    p->dead[p->nd++] = (int)(qk - g->nodes);
    p->dead[p->nd++] = (int)(sm - g->nodes);
    p->dead[p->nd++] = (int)(o - g->nodes);
    return 1;
}

static sc_status rewrite(sc_ir_graph *g, const apat *p, sc_err *err) {
    int first = g->n_nodes;
    for (int i = 0; i < p->nd; i++) {
        g->nodes[p->dead[i]].dead = 1;
        first = SC_MIN(first, p->dead[i]);
    }
    /* after every operand's producer (V or the mask may come between the score ops) */
    int in[4] = {p->q, p->k, p->v, p->mask}, at = first;
    for (int i = 0; i < 4; i++) {
        sc_ir_node *pr = in[i] >= 0 ? sc_ir_producer(g, in[i]) : NULL;
        if (pr) at = SC_MAX(at, (int)(pr - g->nodes) + 1);
    }
    at = sc_ir_insert_node(g, at, "FusedAttention", in, p->mask >= 0 ? 4 : 3, &p->out, 1, err);
    if (at < 0) return err->status;
    sc_ir_node *n = &g->nodes[at];
    return sc_ir_attr_set_f(g, n, "scale", p->scale, err) ||
                   sc_ir_attr_set_i(g, n, "k_transposed", p->kt, err)
               ? err->status
               : SC_OK;
}

sc_status sc_pass_fuse_attention(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        apat p;
        if (n->dead || *n->domain || strcmp(n->op, "Softmax") || n->in[0] < 0) continue;
        if (!match(g, n, &p)) continue;
        if (rewrite(g, &p, err) != SC_OK) return err->status;
        *changed = 1;
    }
    return SC_OK;
}
