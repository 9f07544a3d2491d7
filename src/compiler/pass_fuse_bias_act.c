// SPDX-License-Identifier: Apache-2.0
// Fusion: MatMul + constant bias Add, and Conv/MatMul/Gemm + activation, into one kernel.
#include <string.h>

#include "compiler/ir_util.h"

/* Activations the matrix kernels apply on their output tile before storing it. */
static int act_kind(sc_ir_graph *g, const sc_ir_node *a, float *alpha, float *beta) {
    *alpha = 0, *beta = 0;
    if (!strcmp(a->op, "Relu") || !strcmp(a->op, "Sigmoid") || !strcmp(a->op, "Tanh")) return 1;
    if (!strcmp(a->op, "LeakyRelu")) {
        *alpha = sc_ir_attr_f(a, "alpha", 0.01f);
        return 1;
    }
    if (!strcmp(a->op, "Clip")) {
        if (g->opset < 11) {
            *alpha = sc_ir_attr_f(a, "min", -3.4028234663852886e38f);
            *beta = sc_ir_attr_f(a, "max", 3.4028234663852886e38f);
            return 1;
        }
        for (int i = 1; i < a->n_in; i++)
            if (a->in[i] >= 0 && !sc_ir_is_const(g, a->in[i])) return 0;
        *alpha = (float)ir_const_scalar(g, a, 1, -3.4028234663852886e38);
        *beta = (float)ir_const_scalar(g, a, 2, 3.4028234663852886e38);
        return 1;
    }
    return 0;
}

static int is_matrix_op(const sc_ir_node *n) {
    return !strcmp(n->op, "Conv") || !strcmp(n->op, "MatMul") || !strcmp(n->op, "Gemm") ||
           !strcmp(n->op, "QuantMatMul");
}

/* Where a MatMul-like node takes a fused bias: MatMul's input 2, QuantMatMul's (a fused QDQ
 * MatMul, pass_fuse_int8.c) input 6; -1 when it has one already or is another op. */
static int bias_slot(const sc_ir_node *p) {
    if (!strcmp(p->op, "MatMul")) return p->n_in == 2 ? 2 : -1;
    if (!strcmp(p->op, "QuantMatMul")) return p->n_in == 6 ? 6 : -1;
    return -1;
}

static sc_status fuse_act(sc_ir_graph *g, sc_ir_node *a, int *changed, sc_err *err) {
    float al, be;
    sc_ir_node *p = sc_ir_producer(g, a->in[0]);
    if (!p || !is_matrix_op(p) || sc_ir_attr_get(p, "_act") || sc_ir_uses(g, a->in[0]) != 1)
        return SC_OK;
    if (g->vals[a->in[0]].dtype != SC_T_FLOAT || !act_kind(g, a, &al, &be)) return SC_OK;
    if (sc_ir_attr_set_s(g, p, "_act", a->op, err) || sc_ir_attr_set_f(g, p, "_alpha", al, err) ||
        sc_ir_attr_set_f(g, p, "_beta", be, err))
        return err->status;
    p->out[0] = a->out[0];
    g->vals[a->out[0]].producer = (int)(p - g->nodes);
    a->dead = 1;
    *changed = 1;
    return SC_OK;
}

/* MatMul(X, W) + b with b constant along the last axis becomes MatMul(X, W, b). */
static void fuse_bias(sc_ir_graph *g, sc_ir_node *add, int *changed) {
    for (int side = 0; side < 2; side++) {
        int x = add->in[side], b = add->in[1 - side];
        sc_ir_node *p = sc_ir_producer(g, x);
        if (!p || bias_slot(p) < 0 || sc_ir_attr_get(p, "_act")) continue;
        if (!sc_ir_is_const(g, b) || sc_ir_uses(g, x) != 1) continue;
        const sc_ir_value *xv = &g->vals[x], *bv = &g->vals[b];
        if (xv->rank < 1 || bv->dtype != xv->dtype) continue;
        int64_t nn = xv->dims[xv->rank - 1];
        if (sc_ir_numel(bv) != nn || bv->rank > xv->rank ||
            (bv->rank && bv->dims[bv->rank - 1] != nn))
            continue;
        int k = bias_slot(p);
        p->in[k] = b;
        p->n_in = k + 1;
        p->out[0] = add->out[0];
        g->vals[add->out[0]].producer = (int)(p - g->nodes);
        add->dead = 1;
        *changed = 1;
        return;
    }
}

sc_status sc_pass_fuse_bias_act(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead || n->n_in < 1 || n->in[0] < 0) continue;
        if (!strcmp(n->op, "Add") && n->n_in == 2)
            fuse_bias(g, n, changed);
        else if (fuse_act(g, n, changed, err) != SC_OK)
            return err->status;
    }
    return SC_OK;
}
