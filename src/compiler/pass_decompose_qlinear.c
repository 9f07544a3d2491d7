// SPDX-License-Identifier: Apache-2.0
// Decomposition of ONNX's integer ops: MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv
// become Cast/Sub (zero points), an exact float MatMul/Conv of the integers, then the rescale and
// QuantizeLinear, all of which have lowerings. Nodes the fuse-int8 pass kept for the int8 MMA
// ("_int8": the matrix products, lower_qmatmul.c) stay as they are.
#include <string.h>

#include "compiler/ir_util.h"

typedef struct qd {
    sc_ir_graph *g;
    int pos; /* where the next new node goes (the integer op moves up behind them) */
    sc_err *err;
} qd;

static int emit(qd *d, const char *op, const int *in, int n_in, int out) {
    if (out < 0 && (out = sc_ir_add_value(d->g, "qlin_tmp", d->err)) < 0) return -1;
    if (sc_ir_insert_node(d->g, d->pos, op, in, n_in, &out, 1, d->err) < 0) return -1;
    d->pos++;
    return out;
}

static sc_ir_node *last(qd *d) {
    return &d->g->nodes[d->pos - 1];
}

static int konst(qd *d, sc_tdtype t, const void *v, int n, int rank) {
    sc_tensor x;
    int64_t dim = n;
    if (sc_tensor_alloc(&x, t, rank, &dim, d->err) != SC_OK) return -1;
    memcpy(x.data, v, sc_tdtype_size(t) * (size_t)n);
    int id = sc_ir_add_value(d->g, "qlin_const", d->err);
    if (id < 0 || sc_ir_set_const(d->g, id, &x, d->err) != SC_OK) {
        sc_tensor_free(&x);
        return -1;
    }
    return id;
}

static int cast(qd *d, int v, sc_tdtype to) {
    int o = v < 0 ? -1 : emit(d, "Cast", &v, 1, -1);
    return o < 0 || sc_ir_attr_set_i(d->g, last(d), "to", to, d->err) ? -1 : o;
}

/* A scale or zero point that is a scalar or one value per channel, as [C, 1 x ones] so that it
 * broadcasts along axis -(ones+1) (a scalar becomes [1, 1...]). */
static int per_channel(qd *d, int v, int ones) {
    int64_t shape[8] = {-1, 1, 1, 1, 1, 1, 1, 1};
    int s = konst(d, SC_T_INT64, shape, ones + 1, 1);
    int in[2] = {v, s};
    return s < 0 ? -1 : emit(d, "Reshape", in, 2, -1);
}

/* float(x) - float(zp) (zp absent: float(x)); zp per channel along axis -(ones+1). */
static int centred(qd *d, int x, int zp, int ones) {
    int xf = cast(d, x, SC_T_FLOAT);
    if (zp < 0 || xf < 0) return xf;
    int zf = cast(d, ones ? per_channel(d, zp, ones) : zp, SC_T_FLOAT);
    int in[2] = {xf, zf};
    return zf < 0 ? -1 : emit(d, "Sub", in, 2, -1);
}

static int opt_in(const sc_ir_node *n, int i) {
    return i < n->n_in ? n->in[i] : -1;
}

static sc_status copy_conv_attrs(qd *d, const sc_ir_node *src) {
    sc_ir_node *dst = last(d);
    for (int i = 0; i < src->n_attr; i++) {
        sc_ir_attr *a = sc_ir_attr_add(d->g, dst, src->attrs[i].name, src->attrs[i].type, d->err);
        if (!a) return d->err->status;
        const char *name = a->name;
        *a = src->attrs[i];
        a->name = name;
    }
    return sc_ir_attr_set_i(d->g, dst, "_exact", 1, d->err);
}

/* The integer product as an exact float MatMul or Conv (products and sums of 8-bit values are
 * exact in fp32 up to 2^24; "_exact" keeps it off the int8 PTQ path). */
static int product(qd *d, const sc_ir_node *n, int conv, int a, int b, int bias) {
    int in[3] = {a, b, bias};
    int y = emit(d, conv ? "Conv" : "MatMul", in, bias >= 0 ? 3 : 2, -1);
    if (y < 0) return -1;
    if (conv) return copy_conv_attrs(d, n) ? -1 : y;
    return sc_ir_attr_set_i(d->g, last(d), "_exact", 1, d->err) ? -1 : y;
}

/* MatMulInteger(A, B, a_zp, b_zp) / ConvInteger(x, w, x_zp, w_zp) -> int32. */
static sc_status integer_op(qd *d, const sc_ir_node *n, int conv) {
    /* A's zero point is per row ([M] -> [M, 1]); w's per output channel ([M] -> [M, 1, 1, ..]) */
    int wr = conv ? d->g->vals[n->in[1]].rank : 0;
    int a = centred(d, n->in[0], opt_in(n, 2), conv ? 0 : 1);
    int b = centred(d, n->in[1], opt_in(n, 3), conv ? (wr > 1 ? wr - 1 : 3) : 0);
    int y = a < 0 || b < 0 ? -1 : product(d, n, conv, a, b, -1);
    int o = y < 0 ? -1 : emit(d, "Cast", &y, 1, n->out[0]);
    if (o < 0 || sc_ir_attr_set_i(d->g, last(d), "to", SC_T_INT32, d->err)) return d->err->status;
    return SC_OK;
}

/* QLinearMatMul / QLinearConv: y = QuantizeLinear(int_product * (sa * sb / sy), 1, y_zp). */
static sc_status qlinear_op(qd *d, const sc_ir_node *n, int conv) {
    int wr = conv ? d->g->vals[n->in[3]].rank : 0, wo = wr > 1 ? wr - 1 : 3;
    int a = centred(d, n->in[0], opt_in(n, 2), 0);
    int b = centred(d, n->in[3], opt_in(n, 5), conv ? wo : 0);
    int bias = conv && opt_in(n, 8) >= 0 ? cast(d, n->in[8], SC_T_FLOAT) : -1;
    int y = a < 0 || b < 0 ? -1 : product(d, n, conv, a, b, bias);
    /* per-output-channel scale of the weights: [M] -> [M, 1, 1] over NCHW outputs */
    int sb = conv ? per_channel(d, n->in[4], wo - 1) : n->in[4];
    int m1[2] = {n->in[1], sb};
    int s = y < 0 || sb < 0 ? -1 : emit(d, "Mul", m1, 2, -1);
    int m2[2] = {s, n->in[6]};
    s = s < 0 ? -1 : emit(d, "Div", m2, 2, -1);
    int m3[2] = {y, s};
    int r = s < 0 ? -1 : emit(d, "Mul", m3, 2, -1);
    float one = 1.0f;
    int k1 = r < 0 ? -1 : konst(d, SC_T_FLOAT, &one, 1, 0);
    int q[3] = {r, k1, n->in[7]};
    if (k1 < 0 || emit(d, "QuantizeLinear", q, 3, n->out[0]) < 0) return d->err->status;
    return SC_OK;
}

static int kind(const sc_ir_node *n) {
    if (n->dead || *n->domain || n->n_out < 1 || n->out[0] < 0) return 0;
    if (sc_ir_attr_i(n, "_int8", 0)) return 0;
    if (!strcmp(n->op, "MatMulInteger") && n->n_in >= 2) return 1;
    if (!strcmp(n->op, "ConvInteger") && n->n_in >= 2) return 2;
    if (!strcmp(n->op, "QLinearMatMul") && n->n_in >= 8) return 3;
    if (!strcmp(n->op, "QLinearConv") && n->n_in >= 8) return 4;
    return 0;
}

sc_status sc_pass_decompose_qlinear(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        int k = kind(&g->nodes[i]);
        if (!k) continue;
        qd d = {g, i, err};
        sc_ir_node n = g->nodes[i]; /* copy: the node array shifts under us */
        int before = g->n_nodes;
        if ((k <= 2 ? integer_op(&d, &n, k == 2) : qlinear_op(&d, &n, k == 4)) != SC_OK)
            return err->status;
        g->nodes[d.pos].dead = 1; /* the integer op, now right behind its expansion */
        i += g->n_nodes - before;
        *changed = 1;
    }
    return SC_OK;
}
