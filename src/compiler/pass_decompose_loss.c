// SPDX-License-Identifier: Apache-2.0
// Decomposition: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss become LogSoftmax,
// GatherElements, Gather, Equal/Not/Cast masks and reductions; DynamicQuantizeLinear becomes
// reductions, scalar arithmetic and QuantizeLinear. All of those have lowerings.
#include <string.h>

#include "compiler/ir_util.h"

typedef struct dec {
    sc_ir_graph *g;
    int pos; /* where the next new node goes (the loss node moves up behind them) */
    sc_err *err;
} dec;

static int konst_i64(dec *d, const int64_t *v, int n, int rank) {
    sc_tensor t;
    int64_t dim = n;
    if (sc_tensor_alloc(&t, SC_T_INT64, rank, &dim, d->err) != SC_OK) return -1;
    memcpy(t.data, v, sizeof(int64_t) * (size_t)n);
    int id = sc_ir_add_value(d->g, "loss_const", d->err);
    if (id < 0 || sc_ir_set_const(d->g, id, &t, d->err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    return id;
}

/* Emits op(in...) -> out (a fresh value unless out >= 0); returns the output value. */
static int emit(dec *d, const char *op, const int *in, int n_in, int out) {
    if (out < 0 && (out = sc_ir_add_value(d->g, "loss_tmp", d->err)) < 0) return -1;
    if (sc_ir_insert_node(d->g, d->pos, op, in, n_in, &out, 1, d->err) < 0) return -1;
    d->pos++;
    return out;
}

static sc_ir_node *last(dec *d) {
    return &d->g->nodes[d->pos - 1];
}

/* loss = -x[n, t[n,...], ...] * w[t] * (t != ignore), then the reduction. */
static int nll(dec *d, int x, int t, int w, const char *red, int has_ii, int64_t ii, int out) {
    int64_t one = 1;
    int ax = konst_i64(d, &one, 1, 1);
    int in2[2] = {t, ax};
    int tu = ax < 0 ? -1 : emit(d, "Unsqueeze", in2, 2, -1);
    int gin[2] = {x, tu};
    int ge = tu < 0 ? -1 : emit(d, "GatherElements", gin, 2, -1);
    if (ge < 0 || sc_ir_attr_set_i(d->g, last(d), "axis", 1, d->err)) return -1;
    int sq[2] = {ge, ax};
    int gs = emit(d, "Squeeze", sq, 2, -1);
    int loss = gs < 0 ? -1 : emit(d, "Neg", &gs, 1, -1), wt = -1, mask = -1;
    if (loss >= 0 && w >= 0) {
        int win[2] = {w, t};
        wt = emit(d, "Gather", win, 2, -1);
        int m2[2] = {loss, wt};
        loss = wt < 0 ? -1 : emit(d, "Mul", m2, 2, -1);
    }
    if (loss >= 0 && has_ii) {
        int iv = konst_i64(d, &ii, 1, 0);
        int ein[2] = {t, iv};
        int eq = iv < 0 ? -1 : emit(d, "Equal", ein, 2, -1);
        int ne = eq < 0 ? -1 : emit(d, "Not", &eq, 1, -1);
        mask = ne < 0 ? -1 : emit(d, "Cast", &ne, 1, -1);
        if (mask < 0 || sc_ir_attr_set_i(d->g, last(d), "to", SC_T_FLOAT, d->err)) return -1;
        int m2[2] = {loss, mask};
        loss = emit(d, "Mul", m2, 2, -1);
        if (wt >= 0) {
            int m3[2] = {wt, mask};
            wt = emit(d, "Mul", m3, 2, -1);
        } else
            wt = mask;
    }
    if (loss < 0) return -1;
    if (!strcmp(red, "none")) {
        int o = emit(d, "Identity", &loss, 1, out);
        return o;
    }
    if (!strcmp(red, "sum") || wt < 0) {
        int o = emit(d, !strcmp(red, "sum") ? "ReduceSum" : "ReduceMean", &loss, 1, out);
        return o < 0 || sc_ir_attr_set_i(d->g, last(d), "keepdims", 0, d->err) ? -1 : o;
    }
    int num = emit(d, "ReduceSum", &loss, 1, -1);
    if (num < 0 || sc_ir_attr_set_i(d->g, last(d), "keepdims", 0, d->err)) return -1;
    int den = emit(d, "ReduceSum", &wt, 1, -1);
    if (den < 0 || sc_ir_attr_set_i(d->g, last(d), "keepdims", 0, d->err)) return -1;
    int div[2] = {num, den};
    return emit(d, "Div", div, 2, out);
}

static int konst_f32(dec *d, float v) {
    sc_tensor t;
    int64_t one = 1;
    if (sc_tensor_alloc(&t, SC_T_FLOAT, 0, &one, d->err) != SC_OK) return -1;
    memcpy(t.data, &v, 4);
    int id = sc_ir_add_value(d->g, "dq_const", d->err);
    if (id < 0 || sc_ir_set_const(d->g, id, &t, d->err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    return id;
}

static int keep0(dec *d, const char *op, int in) {
    int o = emit(d, op, &in, 1, -1);
    return o < 0 || sc_ir_attr_set_i(d->g, last(d), "keepdims", 0, d->err) ? -1 : o;
}

/* DynamicQuantizeLinear: scale = (max(0, max x) - min(0, min x)) / 255,
 * zero point = saturate(round(-min(0, min x) / scale)), y = QuantizeLinear(x, scale, zp). */
static sc_status dyn_quant(sc_ir_graph *g, int i, sc_err *err) {
    dec d = {g, i, err};
    sc_ir_node n = g->nodes[i];
    int x = n.in[0], zero = konst_f32(&d, 0), k255 = konst_f32(&d, 255);
    int mx = keep0(&d, "ReduceMax", x), mn = mx < 0 ? -1 : keep0(&d, "ReduceMin", x);
    int a[2] = {mx, zero}, b[2] = {mn, zero};
    int hi = mn < 0 ? -1 : emit(&d, "Max", a, 2, -1), lo = hi < 0 ? -1 : emit(&d, "Min", b, 2, -1);
    int sb[2] = {hi, lo};
    int span = lo < 0 ? -1 : emit(&d, "Sub", sb, 2, -1);
    int dv[2] = {span, k255};
    int scale =
        span < 0 ? -1 : emit(&d, "Div", dv, 2, n.n_out > 1 && n.out[1] >= 0 ? n.out[1] : -1);
    int nl = scale < 0 ? -1 : emit(&d, "Neg", &lo, 1, -1);
    int q[2] = {nl, scale};
    int zf = nl < 0 ? -1 : emit(&d, "Div", q, 2, -1);
    int zr = zf < 0 ? -1 : emit(&d, "Round", &zf, 1, -1);
    int cl[3] = {zr, zero, k255};
    int zc = zr < 0 ? -1 : emit(&d, "Clip", cl, 3, -1);
    int zp = zc < 0 ? -1 : emit(&d, "Cast", &zc, 1, n.n_out > 2 && n.out[2] >= 0 ? n.out[2] : -1);
    if (zp < 0 || sc_ir_attr_set_i(g, last(&d), "to", SC_T_UINT8, err)) return err->status;
    int qin[3] = {x, scale, zp};
    if (emit(&d, "QuantizeLinear", qin, 3, n.out[0]) < 0) return err->status;
    g->nodes[d.pos].dead = 1;
    return SC_OK;
}

static sc_status decompose(sc_ir_graph *g, int i, sc_err *err) {
    dec d = {g, i, err};
    sc_ir_node n = g->nodes[i]; /* copy: the array shifts under us */
    const sc_ir_attr *ia = sc_ir_attr_get(&n, "ignore_index");
    const char *red = sc_ir_attr_s(&n, "reduction", "mean");
    int x = n.in[0], t = n.in[1], w = n.n_in > 2 ? n.in[2] : -1;
    if (!strcmp(n.op, "SoftmaxCrossEntropyLoss")) {
        int lp = emit(&d, "LogSoftmax", &x, 1, n.n_out > 1 ? n.out[1] : -1);
        if (lp < 0 || sc_ir_attr_set_i(g, last(&d), "axis", 1, err) ||
            sc_ir_attr_set_i(g, last(&d), "_single_axis", 1, err))
            return err->status;
        x = lp;
    }
    if (nll(&d, x, t, w, red, ia != NULL, ia ? ia->i : 0, n.out[0]) < 0) return err->status;
    g->nodes[d.pos].dead = 1; /* the loss node itself, now right behind its expansion */
    return SC_OK;
}

sc_status sc_pass_decompose_loss(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead || *n->domain || n->n_in < 1 || n->n_out < 1 || n->out[0] < 0) continue;
        int dq = !strcmp(n->op, "DynamicQuantizeLinear");
        if (!dq && (n->n_in < 2 || (strcmp(n->op, "NegativeLogLikelihoodLoss") &&
                                    strcmp(n->op, "SoftmaxCrossEntropyLoss"))))
            continue;
        int before = g->n_nodes;
        if ((dq ? dyn_quant(g, i, err) : decompose(g, i, err)) != SC_OK) return err->status;
        i += g->n_nodes - before; /* skip the inserted nodes */
        *changed = 1;
    }
    return SC_OK;
}
