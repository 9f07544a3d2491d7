// SPDX-License-Identifier: Apache-2.0
// Fusion: inference BatchNormalization after a Conv with constant weights folds into W and B.
#include <math.h>
#include <string.h>

#include "compiler/ir_util.h"

static int bn_params_const(const sc_ir_graph *g, const sc_ir_node *bn) {
    if (bn->n_in < 5) return 0;
    for (int i = 1; i < 5; i++)
        if (!sc_ir_is_const(g, bn->in[i])) return 0;
    return bn->n_out == 1 || (bn->n_out > 1 && bn->out[1] < 0);
}

/* New constant value holding a copy of shape dims (float), returned zero-filled. */
static int new_const(sc_ir_graph *g, const char *name, int rank, const int64_t *dims,
                     sc_tensor **out, sc_err *err) {
    sc_tensor t;
    if (sc_tensor_alloc(&t, SC_T_FLOAT, rank, dims, err) != SC_OK) return -1;
    int v = sc_ir_add_value(g, name, err);
    if (v < 0 || sc_ir_set_const(g, v, &t, err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    *out = g->vals[v].konst;
    return v;
}

static sc_status fold(sc_ir_graph *g, sc_ir_node *conv, sc_ir_node *bn, sc_err *err) {
    const sc_tensor *w = g->vals[conv->in[1]].konst;
    const sc_tensor *b = conv->n_in > 2 && conv->in[2] >= 0 ? g->vals[conv->in[2]].konst : NULL;
    const sc_tensor *sc = g->vals[bn->in[1]].konst, *bb = g->vals[bn->in[2]].konst,
                    *mean = g->vals[bn->in[3]].konst, *var = g->vals[bn->in[4]].konst;
    double eps = sc_ir_attr_f(bn, "epsilon", 1e-5f);
    int64_t co = w->dims[0];
    size_t per = sc_tensor_numel(w) / (size_t)co;
    sc_tensor *nw, *nb;
    int vw = new_const(g, "fused_w", w->rank, w->dims, &nw, err);
    if (vw < 0) return err->status;
    int vb = new_const(g, "fused_b", 1, &co, &nb, err);
    if (vb < 0) return err->status;
    for (int64_t c = 0; c < co; c++) {
        double s = sc_tensor_get(sc, (size_t)c) / sqrt(sc_tensor_get(var, (size_t)c) + eps);
        for (size_t k = 0; k < per; k++)
            sc_tensor_set(nw, (size_t)c * per + k, sc_tensor_get(w, (size_t)c * per + k) * s);
        double b0 = b ? sc_tensor_get(b, (size_t)c) : 0.0;
        sc_tensor_set(nb, (size_t)c,
                      (b0 - sc_tensor_get(mean, (size_t)c)) * s + sc_tensor_get(bb, (size_t)c));
    }
    int y = bn->out[0];
    conv->in[1] = vw;
    conv->in[2] = vb;
    conv->n_in = 3;
    conv->out[0] = y;
    g->vals[y].producer = (int)(conv - g->nodes);
    bn->dead = 1;
    return SC_OK;
}

sc_status sc_pass_fuse_conv_bn(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *bn = &g->nodes[i];
        if (bn->dead || strcmp(bn->op, "BatchNormalization") || !bn_params_const(g, bn)) continue;
        sc_ir_node *conv = sc_ir_producer(g, bn->in[0]);
        if (!conv || strcmp(conv->op, "Conv") || !sc_ir_is_const(g, conv->in[1])) continue;
        if (sc_ir_attr_i(conv, "_qdq", 0)) continue; /* runs the model's int8 weights as given */
        if (conv->n_in > 2 && conv->in[2] >= 0 && !sc_ir_is_const(g, conv->in[2])) continue;
        if (sc_ir_uses(g, bn->in[0]) != 1 || g->vals[conv->in[1]].dtype != SC_T_FLOAT) continue;
        if (sc_ir_attr_get(conv, "_act")) continue; /* BN must apply before the activation */
        if (fold(g, conv, &g->nodes[i], err) != SC_OK) return err->status;
        *changed = 1;
    }
    return SC_OK;
}
