// SPDX-License-Identifier: Apache-2.0
// Decomposition of ONNX's integer ops: MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv
// become Cast/Sub (zero points), an exact float MatMul/Conv of the integers, then the rescale and
// QuantizeLinear, all of which have lowerings. Nodes the fuse-int8 pass kept for the int8 MMA
// ("_int8": the matrix products, lower_qmatmul.c) stay as they are. A convolution with constant
// 8-bit weights (w - w_zp fitting int8) and a constant x zero point runs its product on the int8
// MMA instead (marked "_qdq", lower_quant.c): x is padded explicitly with its zero point, offset
// into int8 by the conv's operand phase, and the offset's uniform contribution (a per-channel
// constant) is the conv's float bias.
#include <stdlib.h>
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

/* ---- integer convolutions on the int8 MMA ---- */

/* w - w_zp[oc] as int8 [M x rest] when every value fits (else NULL); *rowsum per channel. */
static int8_t *centred_weight(const sc_ir_graph *g, int w, int zw, int64_t *m, int64_t *rest) {
    const sc_tensor *t = g->vals[w].konst, *z = zw >= 0 ? g->vals[zw].konst : NULL;
    if (!t || t->rank < 3 || (zw >= 0 && !z)) return NULL;
    if (t->dtype != SC_T_INT8 && t->dtype != SC_T_UINT8) return NULL;
    *m = t->dims[0], *rest = (int64_t)sc_tensor_numel(t) / (t->dims[0] ? t->dims[0] : 1);
    if (z && sc_tensor_numel(z) != 1 && (int64_t)sc_tensor_numel(z) != *m) return NULL;
    int8_t *q = malloc(sc_tensor_numel(t) + 1);
    for (size_t i = 0; q && i < sc_tensor_numel(t); i++) {
        int64_t oc = (int64_t)i / *rest;
        double v = sc_tensor_get(t, i) -
                   (z ? sc_tensor_get(z, sc_tensor_numel(z) > 1 ? (size_t)oc : 0) : 0);
        if (v < -128 || v > 127) {
            free(q);
            return NULL;
        }
        q[i] = (int8_t)v;
    }
    return q;
}

/* A constant of dtype t and the given dims with values v (doubles). */
static int konst_of(qd *d, sc_tdtype t, int rank, const int64_t *dims, const double *v) {
    sc_tensor x;
    if (sc_tensor_alloc(&x, t, rank, dims, d->err) != SC_OK) return -1;
    for (size_t i = 0; i < sc_tensor_numel(&x); i++)
        sc_tensor_set(&x, i, v[i]);
    int id = sc_ir_add_value(d->g, "qlin_const", d->err);
    if (id < 0 || sc_ir_set_const(d->g, id, &x, d->err) != SC_OK) {
        sc_tensor_free(&x);
        return -1;
    }
    return id;
}

static sc_status set_ints(qd *d, sc_ir_node *n, const char *name, const int64_t *v, int k) {
    sc_ir_attr *a = sc_ir_attr_add(d->g, n, name, SC_IR_ATTR_INTS, d->err);
    int64_t *p = a ? sc_arena_alloc(d->g->arena, sizeof *p * (size_t)(k + 1)) : NULL;
    if (!p) return a ? sc_err_set(d->err, SC_ERR_NOMEM, "out of memory") : d->err->status;
    memcpy(p, v, sizeof *p * (size_t)k);
    a->ints = p, a->n = k;
    return SC_OK;
}

/* Float x padded with the zero point by the conv's pads (x unchanged when there are none). */
static int padded(qd *d, const sc_ir_node *n, int x, int rank, double zx) {
    int64_t p[2 * SC_IR_MAX_RANK], full[2 * SC_IR_MAX_RANK] = {0};
    int k = sc_ir_attr_ints(n, "pads", p, 2 * SC_IR_MAX_RANK), sp = rank - 2, any = 0;
    for (int i = 0; i < k && k == 2 * sp; i++) {
        full[2 + i % sp + (i >= sp ? rank : 0)] = p[i];
        any |= p[i] != 0;
    }
    if (!any) return x;
    int64_t n2 = 2 * rank;
    double fv[2 * SC_IR_MAX_RANK];
    for (int i = 0; i < 2 * rank; i++)
        fv[i] = (double)full[i];
    int pin[3] = {x, d->g->opset >= 11 ? konst_of(d, SC_T_INT64, 1, &n2, fv) : -1, -1};
    if (d->g->opset >= 11) pin[2] = konst_of(d, SC_T_FLOAT, 0, &n2, &zx);
    int o = emit(d, "Pad", pin, d->g->opset >= 11 ? 3 : 1, -1);
    if (o < 0 || d->g->opset >= 11) return o;
    if (set_ints(d, last(d), "pads", full, 2 * rank) ||
        sc_ir_attr_set_f(d->g, last(d), "value", (float)zx, d->err))
        return -1;
    return o;
}

/* The conv's attributes without its padding (the input is padded already). */
static sc_status conv_attrs_unpadded(qd *d, const sc_ir_node *src) {
    sc_ir_node *dst = last(d);
    for (int i = 0; i < src->n_attr; i++) {
        if (!strcmp(src->attrs[i].name, "pads")) continue;
        sc_ir_attr *a = sc_ir_attr_add(d->g, dst, src->attrs[i].name, src->attrs[i].type, d->err);
        if (!a) return d->err->status;
        const char *name = a->name;
        *a = src->attrs[i];
        a->name = name;
    }
    return SC_OK;
}

/* The exact sum over every tap of (x - x_zp)(w - w_zp) as a float Conv on the int8 MMA:
 * int8 x' = x - off (padding x_zp gives x_zp - off), so the sum is conv(x', w') + (off - x_zp) *
 * rowsum(w') per output channel, the conv's bias (plus the op's own bias when given). */
static int int8_product(qd *d, const sc_ir_node *n, int x, int xzp, int w, int wzp, int bias) {
    int rank = d->g->vals[x].rank; /* (new values below move d->g->vals) */
    sc_tdtype xt = xzp >= 0 ? d->g->vals[xzp].dtype : d->g->vals[x].dtype;
    if (xt != SC_T_UINT8 && xt != SC_T_INT8) return -2;
    if ((xzp >= 0 && (!d->g->vals[xzp].konst || sc_ir_numel(&d->g->vals[xzp]) != 1)) || rank < 3 ||
        strcmp(sc_ir_attr_s(n, "auto_pad", "NOTSET"), "NOTSET"))
        return -2;
    int64_t m, rest;
    int8_t *q = centred_weight(d->g, w, wzp, &m, &rest);
    if (!q) return -2;
    double off = xt == SC_T_UINT8 ? 128 : 0, zx = xzp >= 0 ? ir_const_scalar(d->g, n, 2, 0) : 0;
    double *wf = malloc(sizeof *wf * (size_t)(m * rest) + 8),
           *corr = malloc(sizeof *corr * (size_t)m + 8);
    int qw = -1, wfv = -1, cv = -1, one = -1;
    if (wf && corr) {
        for (int64_t oc = 0; oc < m; oc++) {
            int64_t sum = 0;
            for (int64_t j = 0; j < rest; j++)
                sum += q[oc * rest + j], wf[oc * rest + j] = q[oc * rest + j];
            corr[oc] = (off - zx) * (double)sum; /* an integer: exact in fp32 below 2^24 */
        }
        const int64_t *wd = d->g->vals[w].dims;
        double s1 = 1;
        int64_t one_d = 1;
        qw = konst_of(d, SC_T_INT8, d->g->vals[w].rank, wd, wf);
        wfv = qw < 0 ? -1 : konst_of(d, SC_T_FLOAT, d->g->vals[w].rank, wd, wf);
        cv = wfv < 0 ? -1 : konst_of(d, SC_T_FLOAT, 1, &m, corr);
        one = cv < 0 ? -1 : konst_of(d, SC_T_FLOAT, 0, &one_d, &s1);
    }
    free(q), free(wf), free(corr);
    if (one < 0) {
        if (!d->err->status) sc_err_set(d->err, SC_ERR_NOMEM, "out of memory");
        return -1;
    }
    int b = cv;
    if (bias >= 0) {
        int in2[2] = {cast(d, bias, SC_T_FLOAT), cv};
        b = in2[0] < 0 ? -1 : emit(d, "Add", in2, 2, -1);
    }
    /* as float (exact integers): the Conv's output is then float, as its bias */
    int xf = b < 0 ? -1 : cast(d, x, SC_T_FLOAT);
    int xp = xf < 0 ? -1 : padded(d, n, xf, rank, zx);
    int in3[3] = {xp, wfv, b};
    int y = xp < 0 ? -1 : emit(d, "Conv", in3, 3, -1);
    sc_ir_node *c = y < 0 ? NULL : last(d);
    if (!c || conv_attrs_unpadded(d, n) || sc_ir_attr_set_i(d->g, c, "_qdq", 1, d->err) ||
        sc_ir_attr_set_f(d->g, c, "_qscale", 1.0f, d->err) ||
        sc_ir_attr_set_i(d->g, c, "_qdq_w", qw, d->err) ||
        sc_ir_attr_set_i(d->g, c, "_qdq_s", one, d->err) ||
        sc_ir_attr_set_f(d->g, c, "_qdq_off", (float)off, d->err))
        return -1;
    return y;
}

/* MatMulInteger(A, B, a_zp, b_zp) / ConvInteger(x, w, x_zp, w_zp) -> int32. */
static sc_status integer_op(qd *d, const sc_ir_node *n, int conv) {
    /* A's zero point is per row ([M] -> [M, 1]); w's per output channel ([M] -> [M, 1, 1, ..]) */
    int wr = conv ? d->g->vals[n->in[1]].rank : 0;
    int y = conv ? int8_product(d, n, n->in[0], opt_in(n, 2), n->in[1], opt_in(n, 3), -1) : -2;
    if (y == -2) { /* the exact float emulation */
        int a = centred(d, n->in[0], opt_in(n, 2), conv ? 0 : 1);
        int b = centred(d, n->in[1], opt_in(n, 3), conv ? (wr > 1 ? wr - 1 : 3) : 0);
        y = a < 0 || b < 0 ? -1 : product(d, n, conv, a, b, -1);
    }
    int o = y < 0 ? -1 : emit(d, "Cast", &y, 1, n->out[0]);
    if (o < 0 || sc_ir_attr_set_i(d->g, last(d), "to", SC_T_INT32, d->err)) return d->err->status;
    return SC_OK;
}

/* QLinearMatMul / QLinearConv: y = QuantizeLinear(int_product * (sa * sb / sy), 1, y_zp). */
static sc_status qlinear_op(qd *d, const sc_ir_node *n, int conv) {
    int wr = conv ? d->g->vals[n->in[3]].rank : 0, wo = wr > 1 ? wr - 1 : 3;
    int y = conv ? int8_product(d, n, n->in[0], opt_in(n, 2), n->in[3], opt_in(n, 5), opt_in(n, 8))
                 : -2;
    if (y == -2) { /* the exact float emulation */
        int a = centred(d, n->in[0], opt_in(n, 2), 0);
        int b = centred(d, n->in[3], opt_in(n, 5), conv ? wo : 0);
        int bias = conv && opt_in(n, 8) >= 0 ? cast(d, n->in[8], SC_T_FLOAT) : -1;
        y = a < 0 || b < 0 ? -1 : product(d, n, conv, a, b, bias);
    }
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
