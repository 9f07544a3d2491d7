// SPDX-License-Identifier: Apache-2.0
// Inference BatchNormalization with constant statistics becomes _ScaleShift(x, a, b) = x*a + b
// with a = scale/sqrt(var+eps), b = B - mean*a precomputed per channel.
#include <math.h>
#include <string.h>

#include "compiler/ir_util.h"

static int new_param(sc_ir_graph *g, int rank, int64_t ch, sc_tensor **out, sc_err *err) {
    int64_t d[SC_IR_MAX_RANK];
    d[0] = ch;
    for (int i = 1; i < rank; i++)
        d[i] = 1;
    sc_tensor t;
    if (sc_tensor_alloc(&t, SC_T_FLOAT, rank, d, err) != SC_OK) return -1;
    int v = sc_ir_add_value(g, "bn_param", err);
    if (v < 0 || sc_ir_set_const(g, v, &t, err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    *out = g->vals[v].konst;
    return v;
}

sc_status sc_pass_lower_bn(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead || strcmp(n->op, "BatchNormalization") || n->n_in < 5) continue;
        int ok = 1;
        for (int k = 1; k < 5; k++)
            ok &= sc_ir_is_const(g, n->in[k]);
        const sc_ir_value *x = &g->vals[n->in[0]];
        if (!ok || x->rank < 2 || x->dtype != SC_T_FLOAT) continue;
        int64_t ch = x->dims[1];
        sc_tensor *a, *b;
        int va = new_param(g, x->rank - 1, ch, &a, err),
            vb = va < 0 ? -1 : new_param(g, x->rank - 1, ch, &b, err);
        if (vb < 0) return err->status;
        n = &g->nodes[i];
        const sc_tensor *sc = g->vals[n->in[1]].konst, *bb = g->vals[n->in[2]].konst,
                        *mean = g->vals[n->in[3]].konst, *var = g->vals[n->in[4]].konst;
        double eps = sc_ir_attr_f(n, "epsilon", 1e-5f);
        for (int64_t c = 0; c < ch; c++) {
            double s = sc_tensor_get(sc, (size_t)c) / sqrt(sc_tensor_get(var, (size_t)c) + eps);
            sc_tensor_set(a, (size_t)c, s);
            sc_tensor_set(b, (size_t)c,
                          sc_tensor_get(bb, (size_t)c) - sc_tensor_get(mean, (size_t)c) * s);
        }
        n->op = "_ScaleShift";
        n->in[1] = va;
        n->in[2] = vb;
        n->n_in = 3;
        n->n_attr = 0;
        *changed = 1;
    }
    return SC_OK;
}
