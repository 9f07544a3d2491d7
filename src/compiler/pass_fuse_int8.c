// SPDX-License-Identifier: Apache-2.0
// fuse-int8: integer matrix products stay whole for the int8 MMA. MatMulInteger/QLinearMatMul are
// marked "_int8" (decompose-qlinear leaves them to lower_qmatmul.c); a QDQ MatMul,
// MatMul(DequantizeLinear(QuantizeLinear(x, s, z), s, z), DequantizeLinear(W, sw, zw)) with
// constant scales, zero points and 8-bit W, becomes QuantMatMul(x, s, z, W, sw, zw); a QDQ Conv
// with symmetric activations (int8 zero point 0 or uint8 128: the zero padding is then the zero
// point) and int8 weights without zero points becomes a Conv on x marked "_qdq" with the model's
// scale ("_qscale"), int8 weights ("_qdq_w") and their scales ("_qdq_s") for the int8 MMA;
// with asymmetric activations x is padded explicitly (with 0, which quantises to the zero
// point), quantised and offset by 128 in the conv's operand phase, the zero point's term joins
// the bias.
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_util.h"

static int is_8bit(sc_tdtype t) {
    return t == SC_T_UINT8 || t == SC_T_INT8;
}

static int konst(const sc_ir_graph *g, int v) {
    return v >= 0 && g->vals[v].konst;
}

static int plain(const sc_ir_node *n, const char *op) {
    return n && !n->dead && !*n->domain && !strcmp(n->op, op) && n->n_out == 1 &&
           !sc_ir_attr_get(n, "block_size");
}

/* Q or DQ input i (scale 1, zero point 2) as a number; absent zero point: 0. */
static double qparam(sc_ir_graph *g, const sc_ir_node *n, int i) {
    return ir_const_scalar(g, n, i, 0);
}

/* The activation side: DQ(Q(x, s, z), s, z), one constant scale and zero point for the tensor;
 * returns the Q node (NULL when the pattern does not hold). */
static sc_ir_node *act_side(sc_ir_graph *g, int v) {
    sc_ir_node *dq = sc_ir_producer(g, v);
    if (!plain(dq, "DequantizeLinear") || dq->n_in < 2) return NULL;
    sc_ir_node *q = sc_ir_producer(g, dq->in[0]);
    if (!plain(q, "QuantizeLinear") || q->n_in < 2) return NULL;
    int qz = q->n_in > 2 ? q->in[2] : -1, dz = dq->n_in > 2 ? dq->in[2] : -1;
    if (!konst(g, q->in[1]) || !konst(g, dq->in[1]) || sc_ir_numel(&g->vals[q->in[1]]) != 1 ||
        sc_ir_numel(&g->vals[dq->in[1]]) != 1)
        return NULL;
    if ((qz >= 0 &&
         (!konst(g, qz) || sc_ir_numel(&g->vals[qz]) != 1 || !is_8bit(g->vals[qz].dtype))) ||
        (dz >= 0 && (!konst(g, dz) || sc_ir_numel(&g->vals[dz]) != 1)))
        return NULL;
    if (qz >= 0 && dz >= 0 && g->vals[qz].dtype != g->vals[dz].dtype) return NULL;
    /* the same quantisation both ways (else DQ(Q(x)) is not the quantised x) */
    if (qparam(g, q, 1) != qparam(g, dq, 1) || qparam(g, q, 2) != qparam(g, dq, 2)) return NULL;
    return q;
}

/* The weight side: DQ(W, sw, zw) with W a constant 8-bit [K x N] and sw, zw constants per
 * tensor or per column (axis 1); returns the DQ node. */
static sc_ir_node *weight_side(sc_ir_graph *g, int v) {
    sc_ir_node *dq = sc_ir_producer(g, v);
    if (!plain(dq, "DequantizeLinear") || dq->n_in < 2) return NULL;
    int w = dq->in[0], s = dq->in[1], z = dq->n_in > 2 ? dq->in[2] : -1;
    if (!konst(g, w) || !is_8bit(g->vals[w].dtype) || g->vals[w].rank != 2 || !konst(g, s))
        return NULL;
    int64_t ns = sc_ir_numel(&g->vals[s]), cols = g->vals[w].dims[1];
    if (ns != 1 && (ns != cols || g->vals[s].rank != 1)) return NULL;
    int64_t axis = sc_ir_attr_i(dq, "axis", 1);
    if (ns > 1 && axis != 1 && axis != -1) return NULL;
    if (z >= 0 && (!konst(g, z) || sc_ir_numel(&g->vals[z]) != ns)) return NULL;
    return dq;
}

/* A uint8 zero point 0 (QuantizeLinear's default when none is given). */
static int zero_u8(sc_ir_graph *g, sc_err *err) {
    sc_tensor t;
    int64_t one = 1;
    if (sc_tensor_alloc(&t, SC_T_UINT8, 0, &one, err) != SC_OK) return -1;
    int id = sc_ir_add_value(g, "qdq_zero", err);
    if (id < 0 || sc_ir_set_const(g, id, &t, err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    return id;
}

static sc_status fuse_qdq(sc_ir_graph *g, sc_ir_node *n, int *changed, sc_err *err) {
    if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0) return SC_OK;
    sc_ir_node *q = act_side(g, n->in[0]), *dw = weight_side(g, n->in[1]);
    if (!q || !dw) return SC_OK;
    int zx = q->n_in > 2 && q->in[2] >= 0 ? q->in[2] : zero_u8(g, err);
    int *in = sc_arena_alloc(g->arena, sizeof(int) * 8);
    if (zx < 0 || !in)
        return err->status ? err->status : sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    in[0] = q->in[0], in[1] = q->in[1], in[2] = zx;
    in[3] = dw->in[0], in[4] = dw->in[1], in[5] = dw->n_in > 2 ? dw->in[2] : -1;
    n->in = in, n->n_in = 6, n->op = "QuantMatMul";
    *changed = 1;
    return SC_OK;
}

/* The Conv weight side: DQ(W, sw) with W a constant int8 [M x C x k...], sw per tensor or per
 * output channel (axis 0), zero points absent or 0; returns the DQ node. */
static sc_ir_node *conv_weight_side(sc_ir_graph *g, int v) {
    sc_ir_node *dq = sc_ir_producer(g, v);
    if (!plain(dq, "DequantizeLinear") || dq->n_in < 2) return NULL;
    int w = dq->in[0], s = dq->in[1], z = dq->n_in > 2 ? dq->in[2] : -1;
    if (!konst(g, w) || g->vals[w].dtype != SC_T_INT8 || g->vals[w].rank < 3 || !konst(g, s))
        return NULL;
    int64_t ns = sc_ir_numel(&g->vals[s]);
    if (ns != 1 && (ns != g->vals[w].dims[0] || sc_ir_attr_i(dq, "axis", 1) != 0)) return NULL;
    if (z >= 0) {
        const sc_tensor *t = g->vals[z].konst;
        for (size_t i = 0; t && i < sc_tensor_numel(t); i++)
            if (sc_tensor_get(t, i) != 0) return NULL;
        if (!t) return NULL;
    }
    return dq;
}

/* fp32 (W - 0) * sw as DequantizeLinear computes it: the Conv's float weight (shapes, fallback
 * and the candidate rules); the int8 MMA uses W itself. */
static int float_weight(sc_ir_graph *g, int w, int s, sc_err *err) {
    const sc_tensor *q = g->vals[w].konst, *sc = g->vals[s].konst;
    sc_tensor t;
    if (sc_tensor_alloc(&t, SC_T_FLOAT, q->rank, q->dims, err) != SC_OK) return -1;
    size_t per = sc_tensor_numel(q) / (size_t)q->dims[0], ns = sc_tensor_numel(sc);
    for (size_t i = 0; i < sc_tensor_numel(q); i++)
        ((float *)t.data)[i] =
            (float)sc_tensor_get(q, i) * (float)sc_tensor_get(sc, ns > 1 ? i / per : 0);
    int id = sc_ir_add_value(g, "qdq_weight", err);
    if (id < 0 || sc_ir_set_const(g, id, &t, err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    return id;
}

static sc_status fuse_qdq_conv_asym(sc_ir_graph *g, int i, sc_ir_node *q, sc_ir_node *dw,
                                    int *changed, int *ins, sc_err *err);

static sc_status fuse_qdq_conv(sc_ir_graph *g, int i, int *changed, int *ins, sc_err *err) {
    sc_ir_node *n = &g->nodes[i];
    if (n->n_in < 2 || n->in[0] < 0 || n->in[1] < 0) return SC_OK;
    sc_ir_node *q = act_side(g, n->in[0]), *dw = conv_weight_side(g, n->in[1]);
    if (!q || !dw) return SC_OK;
    sc_tdtype zt = q->n_in > 2 && q->in[2] >= 0 ? g->vals[q->in[2]].dtype : SC_T_UINT8;
    double zx = qparam(g, q, 2);
    if (!((zt == SC_T_INT8 && zx == 0) || (zt == SC_T_UINT8 && zx == 128)))
        return fuse_qdq_conv_asym(g, i, q, dw, changed, ins, err);
    int x = q->in[0], wq = dw->in[0], ws = dw->in[1];
    float sx = (float)qparam(g, q, 1);
    int wf = float_weight(g, wq, ws, err);
    if (wf < 0) return err->status;
    n->in[0] = x, n->in[1] = wf;
    if (sc_ir_attr_set_i(g, n, "_qdq", 1, err) || sc_ir_attr_set_f(g, n, "_qscale", sx, err) ||
        sc_ir_attr_set_i(g, n, "_qdq_w", wq, err) || sc_ir_attr_set_i(g, n, "_qdq_s", ws, err))
        return err->status;
    *changed = 1;
    return SC_OK;
}

/* ---- QDQ Conv with asymmetric activations ---- */

static int new_const(sc_ir_graph *g, sc_tdtype t, int rank, const int64_t *dims, const double *v,
                     sc_err *err) {
    sc_tensor x;
    if (sc_tensor_alloc(&x, t, rank, dims, err) != SC_OK) return -1;
    for (size_t i = 0; i < sc_tensor_numel(&x); i++)
        sc_tensor_set(&x, i, v[i]);
    int id = sc_ir_add_value(g, "qdq_const", err);
    if (id < 0 || sc_ir_set_const(g, id, &x, err) != SC_OK) {
        sc_tensor_free(&x);
        return -1;
    }
    return id;
}

/* The conv's float bias: its own plus the zero point's per-channel term (off - zx) * sum(w)
 * dequantised by sx * sw[oc] (the int8 operand is q - off, its padding zx - off). */
static int asym_bias(sc_ir_graph *g, const sc_ir_node *n, const sc_ir_node *dw, double off,
                     double zx, float sx, sc_err *err) {
    const sc_tensor *w = g->vals[dw->in[0]].konst, *sw = g->vals[dw->in[1]].konst;
    const sc_tensor *b = n->n_in > 2 && n->in[2] >= 0 ? g->vals[n->in[2]].konst : NULL;
    int64_t m = w->dims[0], rest = (int64_t)sc_tensor_numel(w) / m;
    double *v = malloc(sizeof *v * (size_t)m + 8);
    if (!v) {
        sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        return -1;
    }
    for (int64_t oc = 0; oc < m; oc++) {
        double sum = 0;
        for (int64_t j = 0; j < rest; j++)
            sum += sc_tensor_get(w, (size_t)(oc * rest + j));
        float s = sx * (float)sc_tensor_get(sw, sc_tensor_numel(sw) > 1 ? (size_t)oc : 0);
        v[oc] = (off - zx) * sum * s + (b ? sc_tensor_get(b, (size_t)oc) : 0);
    }
    int id = new_const(g, SC_T_FLOAT, 1, &m, v, err);
    free(v);
    return id;
}

/* Inserts Pad(x, 0) before node i when the conv pads (QuantizeLinear maps the 0 to the zero
 * point); returns the padded value (x when there is no padding, -1 on error) and the count of
 * inserted nodes in *ins. */
static int pad_input(sc_ir_graph *g, int i, int x, int rank, int *ins, sc_err *err) {
    int64_t p[2 * SC_IR_MAX_RANK], full[2 * SC_IR_MAX_RANK] = {0}, n2 = 2 * rank;
    int k = sc_ir_attr_ints(&g->nodes[i], "pads", p, 2 * SC_IR_MAX_RANK), sp = rank - 2, any = 0;
    for (int j = 0; j < k && k == 2 * sp; j++)
        any |= (full[2 + j % sp + (j >= sp ? rank : 0)] = p[j]) != 0;
    *ins = 0;
    if (!any) return x;
    double fv[2 * SC_IR_MAX_RANK];
    for (int j = 0; j < 2 * rank; j++)
        fv[j] = (double)full[j];
    double zero = 0;
    int v11 = g->opset >= 11, xp = sc_ir_add_value(g, "qdq_xp", err);
    int in[3] = {x, v11 ? new_const(g, SC_T_INT64, 1, &n2, fv, err) : -1,
                 v11 ? new_const(g, SC_T_FLOAT, 0, &n2, &zero, err) : -1};
    if (xp < 0 || (v11 && (in[1] < 0 || in[2] < 0)) ||
        sc_ir_insert_node(g, i, "Pad", in, v11 ? 3 : 1, &xp, 1, err) < 0)
        return -1;
    *ins = 1;
    sc_ir_node *pn = &g->nodes[i];
    if (!v11) {
        sc_ir_attr *a = sc_ir_attr_add(g, pn, "pads", SC_IR_ATTR_INTS, err);
        int64_t *pv = a ? sc_arena_alloc(g->arena, sizeof *pv * (size_t)(2 * rank)) : NULL;
        if (!pv || sc_ir_attr_set_f(g, pn, "value", 0.0f, err)) return -1;
        memcpy(pv, full, sizeof *pv * (size_t)(2 * rank));
        a->ints = pv, a->n = 2 * rank;
    }
    return xp;
}

/* QDQ Conv whose activations have a zero point other than the padding's: x, padded explicitly
 * with 0 (quantised to the zero point), is quantised by the conv's operand phase and offset into
 * int8, Q(x) - off ("_qdq_zx", "_qdq_off"); the zero point becomes a per-channel bias term.
 * *ins: nodes inserted before the conv. */
static sc_status fuse_qdq_conv_asym(sc_ir_graph *g, int i, sc_ir_node *q, sc_ir_node *dw,
                                    int *changed, int *ins, sc_err *err) {
    sc_ir_node *n = &g->nodes[i], *dq = sc_ir_producer(g, n->in[0]);
    if ((n->n_in > 2 && n->in[2] >= 0 && !konst(g, n->in[2])) ||
        strcmp(sc_ir_attr_s(n, "auto_pad", "NOTSET"), "NOTSET"))
        return SC_OK;
    int wq = dw->in[0], ws = dw->in[1], rank = g->vals[wq].rank;
    (void)dq;
    double zx = qparam(g, q, 2),
           off = q->n_in > 2 && q->in[2] >= 0 && g->vals[q->in[2]].dtype == SC_T_INT8 ? 0 : 128;
    float sx = (float)qparam(g, q, 1);
    int wf = float_weight(g, wq, ws, err);
    int b = wf < 0 ? -1 : asym_bias(g, n, dw, off, zx, sx, err);
    int xp = b < 0 ? -1 : pad_input(g, i, q->in[0], rank, ins, err);
    if (xp < 0) return err->status;
    n = &g->nodes[i + *ins];
    n->in[0] = xp, n->in[1] = wf, n->in[2] = b, n->n_in = 3;
    for (int j = 0; j < n->n_attr; j++) /* the input is padded already */
        if (!strcmp(n->attrs[j].name, "pads")) {
            int64_t *z = sc_arena_alloc(g->arena, sizeof *z * (size_t)(n->attrs[j].n + 1));
            if (!z) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
            n->attrs[j].ints = z;
        }
    if (sc_ir_attr_set_i(g, n, "_qdq", 1, err) || sc_ir_attr_set_f(g, n, "_qscale", sx, err) ||
        sc_ir_attr_set_i(g, n, "_qdq_w", wq, err) || sc_ir_attr_set_i(g, n, "_qdq_s", ws, err) ||
        sc_ir_attr_set_f(g, n, "_qdq_off", (float)off, err) ||
        sc_ir_attr_set_f(g, n, "_qdq_zx", (float)zx, err))
        return err->status;
    *changed = 1;
    return SC_OK;
}

sc_status sc_pass_fuse_int8(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead || *n->domain || n->n_out < 1 || n->out[0] < 0) continue;
        int integer = (!strcmp(n->op, "MatMulInteger") && n->n_in >= 2) ||
                      (!strcmp(n->op, "QLinearMatMul") && n->n_in >= 8);
        if (integer) {
            if (sc_ir_attr_set_i(g, n, "_int8", 1, err)) return err->status;
            *changed = 1;
        } else if (!strcmp(n->op, "MatMul") && fuse_qdq(g, n, changed, err)) {
            return err->status;
        } else if (!strcmp(n->op, "Conv")) {
            int ins = 0;
            if (fuse_qdq_conv(g, i, changed, &ins, err)) return err->status;
            i += ins; /* Cast/Pad went in before the conv */
        }
    }
    return SC_OK;
}
