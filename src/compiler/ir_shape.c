// SPDX-License-Identifier: Apache-2.0
// Shape and dtype inference for every supported op; also folds nodes whose inputs are constant.
#include <string.h>

#include "compiler/ir_expand.h"
#include "compiler/ir_spatial.h"
#include "compiler/ir_util.h"

typedef sc_status (*infer_fn)(sc_ir_graph *g, sc_ir_node *n, sc_err *err);

#define IN(i)  ir_in(g, n, i)
#define OUT(i) ir_out(g, n, i)

static sc_status need_inputs(sc_ir_graph *g, sc_ir_node *n, int k, sc_err *err) {
    for (int i = 0; i < k; i++) {
        sc_ir_value *v = IN(i);
        if (!v) return ir_bad(err, n, "missing input");
        if (v->rank < 0)
            return sc_err_set(err, SC_ERR_UNSUPPORTED,
                              "node '%s' (%s): input '%s' has an unknown shape "
                              "(dynamic shapes are specialised from the inputs)",
                              n->name, n->op, v->name);
    }
    if (n->n_out < 1 || !OUT(0)) return ir_bad(err, n, "missing output");
    return SC_OK;
}

static sc_status same(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    ir_set_shape(OUT(0), IN(0)->dtype, IN(0)->rank, IN(0)->dims);
    return SC_OK;
}

/* Dropout in inference: identity; the mask output (if requested) is all true. */
static sc_status dropout(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (same(g, n, err)) return err->status;
    if (OUT(1)) ir_set_shape(OUT(1), SC_T_BOOL, IN(0)->rank, IN(0)->dims);
    return SC_OK;
}

static sc_status bcast_k(sc_ir_graph *g, sc_ir_node *n, int first, sc_tdtype t, sc_err *err) {
    if (need_inputs(g, n, n->n_in, err)) return err->status;
    int r = 0;
    int64_t d[SC_IR_MAX_RANK];
    for (int i = first; i < n->n_in; i++)
        if (ir_broadcast(r, d, IN(i)->rank, IN(i)->dims, &r, d))
            return ir_bad(err, n, "shapes do not broadcast");
    if (first) /* Where: the condition broadcasts too */
        if (ir_broadcast(r, d, IN(0)->rank, IN(0)->dims, &r, d))
            return ir_bad(err, n, "shapes do not broadcast");
    ir_set_shape(OUT(0), t, r, d);
    return SC_OK;
}

static sc_status binary(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (n->n_in < 1 || n->in[0] < 0) return ir_bad(err, n, "no inputs");
    return bcast_k(g, n, 0, g->vals[n->in[0]].dtype, err);
}

/* PRelu: slope broadcasts unidirectionally; a 1-D per-channel slope (opset < 7 exports) too. */
static sc_status prelu(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_ir_value *x = IN(0), *s = IN(1);
    if (s->rank == 1 && x->rank > 2 && s->dims[0] == x->dims[1] &&
        s->dims[0] != x->dims[x->rank - 1]) {
        ir_set_shape(OUT(0), x->dtype, x->rank, x->dims);
        return SC_OK;
    }
    return binary(g, n, err);
}

static sc_status compare(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    return bcast_k(g, n, 0, SC_T_BOOL, err);
}

static sc_status where(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (n->n_in != 3) return ir_bad(err, n, "Where takes 3 inputs");
    if (n->in[1] < 0) return ir_bad(err, n, "missing input");
    return bcast_k(g, n, 1, g->vals[n->in[1]].dtype, err);
}

static sc_status to_bool(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (same(g, n, err)) return err->status;
    OUT(0)->dtype = SC_T_BOOL;
    return SC_OK;
}

static sc_status cast(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (same(g, n, err)) return err->status;
    sc_tdtype t =
        !strcmp(n->op, "CastLike") && IN(1) ? IN(1)->dtype : (sc_tdtype)sc_ir_attr_i(n, "to", 0);
    if (!sc_tdtype_size(t))
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (%s): cast to %s", n->name, n->op,
                          sc_tdtype_name(t));
    OUT(0)->dtype = t;
    return SC_OK;
}

static sc_status matmul(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_ir_value *a = IN(0), *b = IN(1);
    if (a->rank < 1 || b->rank < 1) return ir_bad(err, n, "MatMul of a scalar");
    int64_t ka = a->dims[a->rank - 1], kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
    if (ka != kb) return ir_bad(err, n, "inner dimensions differ");
    int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0, r;
    int64_t d[SC_IR_MAX_RANK];
    if (ir_broadcast(ra, a->dims, rb, b->dims, &r, d))
        return ir_bad(err, n, "batch dims do not broadcast");
    if (a->rank >= 2) d[r++] = a->dims[a->rank - 2];
    if (b->rank >= 2) d[r++] = b->dims[b->rank - 1];
    ir_set_shape(OUT(0), a->dtype, r, d);
    return SC_OK;
}

/* MatMulInteger (int32 out) and QLinearMatMul (out typed as y_zero_point): MatMul shapes of
 * 8-bit operands, lowered on the int8 MMA (lower_qmatmul.c). */
static sc_status matmul_int(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    /* QuantMatMul (fuse-int8: a fused QDQ MatMul) has QLinearMatMul's first six inputs, float A */
    int q = !strcmp(n->op, "QLinearMatMul"), f = !strcmp(n->op, "QuantMatMul");
    if (need_inputs(g, n, q ? 8 : f ? 5 : 2, err)) return err->status;
    sc_ir_value *a = IN(0), *b = IN(q || f ? 3 : 1);
    int ok = (f || a->dtype == SC_T_UINT8 || a->dtype == SC_T_INT8) &&
             (b->dtype == SC_T_UINT8 || b->dtype == SC_T_INT8);
    if (!ok) return ir_bad(err, n, "inputs must be uint8 or int8");
    sc_tdtype t = q ? IN(7)->dtype : f ? SC_T_FLOAT : SC_T_INT32;
    if (q && t != SC_T_UINT8 && t != SC_T_INT8) return ir_bad(err, n, "y_zero_point must be 8-bit");
    sc_ir_node m = *n; /* the MatMul shape rule on (A, B) */
    int in2[2] = {n->in[0], n->in[q || f ? 3 : 1]};
    m.in = in2, m.n_in = 2;
    if (matmul(g, &m, err)) return err->status;
    OUT(0)->dtype = t;
    return SC_OK;
}

static sc_status gemm(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_ir_value *a = IN(0), *b = IN(1);
    if (a->rank != 2 || b->rank != 2) return ir_bad(err, n, "Gemm needs 2-D A and B");
    int ta = (int)sc_ir_attr_i(n, "transA", 0), tb = (int)sc_ir_attr_i(n, "transB", 0);
    int64_t d[2] = {a->dims[ta ? 1 : 0], b->dims[tb ? 0 : 1]};
    if (a->dims[ta ? 0 : 1] != b->dims[tb ? 1 : 0])
        return ir_bad(err, n, "inner dimensions differ");
    if (IN(2)) {
        int r;
        int64_t o[SC_IR_MAX_RANK];
        if (ir_broadcast(2, d, IN(2)->rank, IN(2)->dims, &r, o) || r != 2 || o[0] != d[0] ||
            o[1] != d[1])
            return ir_bad(err, n, "C does not broadcast to [M, N]");
    }
    ir_set_shape(OUT(0), a->dtype, 2, d);
    return SC_OK;
}

/* Output extent of a sliding window; pads may be rewritten for SAME_* auto_pad. */
static int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t dil, int64_t *pb, int64_t *pe,
                          const char *auto_pad, int ceil_mode) {
    int64_t ek = (k - 1) * dil + 1;
    if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
        int64_t o = (in + s - 1) / s, total = (o - 1) * s + ek - in;
        if (total < 0) total = 0;
        *pb = !strcmp(auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
        *pe = total - *pb;
        return o;
    }
    if (!strcmp(auto_pad, "VALID")) *pb = *pe = 0;
    int64_t span = in + *pb + *pe - ek;
    if (span < 0) return 0;
    int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
    /* ceil_mode: the last window must start inside the (left-padded) input */
    if (ceil_mode && (o - 1) * s >= in + *pb) o--;
    return o;
}

/* Fills the node's resolved window geometry as attributes "_k", "_s", "_d", "_pads" so
 * lowering does not repeat auto_pad logic. */
static sc_status window(sc_ir_graph *g, sc_ir_node *n, const int64_t *kernel, int ns, int ceil_mode,
                        int64_t *out_sp, sc_err *err) {
    sc_ir_value *x = IN(0);
    int64_t s[8], d[8], p[16];
    for (int i = 0; i < ns; i++)
        s[i] = 1, d[i] = 1, p[i] = p[i + ns] = 0;
    if (ir_ints(g, n, "strides", -1, s, 8) > ns || ir_ints(g, n, "dilations", -1, d, 8) > ns ||
        ir_ints(g, n, "pads", -1, p, 16) > 2 * ns)
        return ir_bad(err, n, "too many strides/dilations/pads");
    const char *ap = sc_ir_attr_s(n, "auto_pad", "NOTSET");
    for (int i = 0; i < ns; i++) {
        if (s[i] < 1 || d[i] < 1 || kernel[i] < 1) return ir_bad(err, n, "bad window");
        out_sp[i] =
            window_out(x->dims[2 + i], kernel[i], s[i], d[i], &p[i], &p[i + ns], ap, ceil_mode);
    }
    const char *names[4] = {"_k", "_s", "_d", "_pads"};
    const int64_t *vals[4] = {kernel, s, d, p};
    for (int j = 0; j < 4; j++) {
        sc_ir_attr *a = sc_ir_attr_add(g, n, names[j], SC_IR_ATTR_INTS, err);
        if (!a) return err->status;
        a->n = j == 3 ? 2 * ns : ns;
        a->ints = sc_arena_alloc(g->arena, sizeof(int64_t) * (size_t)a->n);
        if (!a->ints) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        memcpy(a->ints, vals[j], sizeof(int64_t) * (size_t)a->n);
    }
    return SC_OK;
}

static sc_status conv(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_ir_value *x = IN(0), *w = IN(1);
    int ns = x->rank - 2;
    if (ns < 1 || ns > 3 || w->rank != x->rank)
        return ir_bad(err, n, "Conv needs matching 3-5-D X and W");
    int64_t grp = sc_ir_attr_i(n, "group", 1);
    if (grp < 1 || x->dims[1] != w->dims[1] * grp || w->dims[0] % grp)
        return ir_bad(err, n, "channels do not match group");
    int64_t k[8], o[SC_IR_MAX_RANK];
    for (int i = 0; i < ns; i++)
        k[i] = w->dims[2 + i];
    if (window(g, n, k, ns, 0, o + 2, err)) return err->status;
    o[0] = x->dims[0];
    o[1] = w->dims[0];
    ir_set_shape(OUT(0), x->dtype, x->rank, o);
    return SC_OK;
}

static sc_status pool(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int ns = x->rank - 2;
    if (ns < 1 || ns > 3) return ir_bad(err, n, "pooling needs 3-5-D input");
    if (OUT(1))
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (%s): Indices output", n->name,
                          n->op);
    int64_t k[8], o[SC_IR_MAX_RANK];
    if (ir_ints(g, n, "kernel_shape", -1, k, 8) != ns) return ir_bad(err, n, "kernel_shape rank");
    if (window(g, n, k, ns, (int)sc_ir_attr_i(n, "ceil_mode", 0), o + 2, err)) return err->status;
    o[0] = x->dims[0];
    o[1] = x->dims[1];
    ir_set_shape(OUT(0), x->dtype, x->rank, o);
    return SC_OK;
}

static sc_status global_pool(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t o[SC_IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        o[i] = i < 2 ? x->dims[i] : 1;
    ir_set_shape(OUT(0), x->dtype, x->rank, o);
    return SC_OK;
}

static sc_status norm(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (same(g, n, err)) return err->status;
    if (!strcmp(n->op, "BatchNormalization") &&
        (OUT(1) || OUT(2) || sc_ir_attr_i(n, "training_mode", 0)))
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (BatchNormalization): training mode",
                          n->name);
    if (!strcmp(n->op, "LayerNormalization")) {
        sc_ir_value *x = IN(0);
        int ax = ir_axis(sc_ir_attr_i(n, "axis", -1), x->rank);
        if (ax < 0) return ir_bad(err, n, "axis out of range");
        int64_t d[SC_IR_MAX_RANK];
        for (int i = 0; i < x->rank; i++)
            d[i] = i < ax ? x->dims[i] : 1;
        for (int o = 1; o < 3; o++)
            if (OUT(o)) ir_set_shape(OUT(o), SC_T_FLOAT, x->rank, d);
    }
    return SC_OK;
}

/* Reduced axes as a bit mask; handles the attribute (old opsets) and input (new) forms. */
static int reduce_mask(sc_ir_graph *g, sc_ir_node *n, int rank, unsigned *mask, sc_err *err) {
    int64_t axes[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, "axes", 1, axes, SC_IR_MAX_RANK);
    if (c == -2) {
        sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (%s): axes computed at run time", n->name,
                   n->op);
        return -1;
    }
    *mask = 0;
    if (c <= 0) {
        if (c == 0 && sc_ir_attr_i(n, "noop_with_empty_axes", 0)) return 0;
        *mask = rank ? (1u << rank) - 1 : 0;
        return 0;
    }
    for (int i = 0; i < c; i++) {
        int a = ir_axis(axes[i], rank);
        if (a < 0) {
            ir_bad(err, n, "axis out of range");
            return -1;
        }
        *mask |= 1u << a;
    }
    return 0;
}

static sc_status reduce(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    unsigned mask;
    int keep = (int)sc_ir_attr_i(n, "keepdims", 1), r = 0;
    if (reduce_mask(g, n, x->rank, &mask, err)) return err->status;
    int64_t d[SC_IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        if (!(mask >> i & 1))
            d[r++] = x->dims[i];
        else if (keep)
            d[r++] = 1;
    }
    ir_set_shape(OUT(0), x->dtype, r, d);
    sc_ir_attr *a = sc_ir_attr_add(g, n, "_mask", SC_IR_ATTR_INT, err);
    if (!a) return err->status;
    a->i = mask;
    return SC_OK;
}

static sc_status argreduce(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank),
        keep = (int)sc_ir_attr_i(n, "keepdims", 1), r = 0;
    if (ax < 0) return ir_bad(err, n, "axis out of range");
    int64_t d[SC_IR_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        if (i != ax || keep) d[r++] = i == ax ? 1 : x->dims[i];
    ir_set_shape(OUT(0), SC_T_INT64, r, d);
    return SC_OK;
}

static sc_status softmax(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (same(g, n, err)) return err->status;
    int def = g->opset >= 13 ? -1 : 1;
    if (ir_axis(sc_ir_attr_i(n, "axis", def), IN(0)->rank) < 0)
        return ir_bad(err, n, "axis out of range");
    return SC_OK;
}

/* Shape-changing ops whose output shape depends on constant inputs. */
static sc_status reshape(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t s[SC_IR_MAX_RANK], total = sc_ir_numel(x), known = 1;
    int c = ir_ints(g, n, "shape", 1, s, SC_IR_MAX_RANK), neg = -1;
    if (c == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED,
                          "node '%s' (Reshape): shape computed at run time", n->name);
    if (c < 0 || c > SC_IR_MAX_RANK) return ir_bad(err, n, "bad shape");
    int allowzero = (int)sc_ir_attr_i(n, "allowzero", 0);
    for (int i = 0; i < c; i++) {
        if (s[i] == 0 && !allowzero) {
            if (i >= x->rank) return ir_bad(err, n, "0 in shape beyond input rank");
            s[i] = x->dims[i];
        }
        if (s[i] == -1) {
            if (neg >= 0) return ir_bad(err, n, "two -1 in shape");
            neg = i;
        } else if (s[i] < 0)
            return ir_bad(err, n, "negative dimension");
        else
            known *= s[i];
    }
    if (neg >= 0) s[neg] = known ? total / known : 0;
    if (neg >= 0 ? (known && total % known) : known != total)
        return ir_bad(err, n, "element count changes");
    ir_set_shape(OUT(0), x->dtype, c, s);
    return SC_OK;
}

static sc_status flatten(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t ax = sc_ir_attr_i(n, "axis", 1);
    if (ax < 0) ax += x->rank;
    if (ax < 0 || ax > x->rank) return ir_bad(err, n, "axis out of range");
    int64_t d[2] = {1, 1};
    for (int i = 0; i < x->rank; i++)
        d[i >= ax] *= x->dims[i];
    ir_set_shape(OUT(0), x->dtype, 2, d);
    return SC_OK;
}

static sc_status squeeze(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t axes[SC_IR_MAX_RANK], d[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, "axes", 1, axes, SC_IR_MAX_RANK), r = 0;
    if (c == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s': axes computed at run time", n->name);
    unsigned mask = 0;
    for (int i = 0; i < c; i++) {
        int a = ir_axis(axes[i], x->rank);
        if (a < 0 || x->dims[a] != 1) return ir_bad(err, n, "squeezed axis is not 1");
        mask |= 1u << a;
    }
    for (int i = 0; i < x->rank; i++)
        if (c > 0 ? !(mask >> i & 1) : x->dims[i] != 1) d[r++] = x->dims[i];
    ir_set_shape(OUT(0), x->dtype, r, d);
    return SC_OK;
}

static sc_status unsqueeze(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t axes[SC_IR_MAX_RANK], d[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, "axes", 1, axes, SC_IR_MAX_RANK), r = x->rank + (c > 0 ? c : 0), k = 0;
    if (c < 0 || r > SC_IR_MAX_RANK) return ir_bad(err, n, "bad axes");
    unsigned mask = 0;
    for (int i = 0; i < c; i++) {
        int a = ir_axis(axes[i], r);
        if (a < 0 || (mask >> a & 1)) return ir_bad(err, n, "bad axes");
        mask |= 1u << a;
    }
    for (int i = 0; i < r; i++)
        d[i] = mask >> i & 1 ? 1 : x->dims[k++];
    ir_set_shape(OUT(0), x->dtype, r, d);
    return SC_OK;
}

static sc_status transpose(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t p[SC_IR_MAX_RANK], d[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, "perm", -1, p, SC_IR_MAX_RANK);
    if (c < 0) {
        c = x->rank;
        for (int i = 0; i < c; i++)
            p[i] = c - 1 - i;
    }
    if (c != x->rank) return ir_bad(err, n, "perm rank");
    unsigned seen = 0;
    for (int i = 0; i < c; i++) {
        if (p[i] < 0 || p[i] >= c || (seen >> p[i] & 1)) return ir_bad(err, n, "bad perm");
        seen |= 1u << p[i];
        d[i] = x->dims[p[i]];
    }
    ir_set_shape(OUT(0), x->dtype, c, d);
    return SC_OK;
}

static sc_status concat(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, n->n_in, err)) return err->status;
    sc_ir_value *x = IN(0);
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
    if (ax < 0) return ir_bad(err, n, "axis out of range");
    int64_t d[SC_IR_MAX_RANK];
    memcpy(d, x->dims, sizeof d);
    for (int i = 1; i < n->n_in; i++) {
        sc_ir_value *y = IN(i);
        if (y->rank != x->rank) return ir_bad(err, n, "ranks differ");
        for (int j = 0; j < x->rank; j++)
            if (j != ax && y->dims[j] != x->dims[j]) return ir_bad(err, n, "shapes differ");
        d[ax] += y->dims[ax];
    }
    ir_set_shape(OUT(0), x->dtype, x->rank, d);
    return SC_OK;
}

/* Resolves Slice parameters into per-axis start/step/count ("_start", "_step", "_count"). */
static sc_status slice(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int r = x->rank;
    int64_t st[SC_IR_MAX_RANK], en[SC_IR_MAX_RANK], ax[SC_IR_MAX_RANK], sp[SC_IR_MAX_RANK];
    int old = g->opset < 10;
    int cs = ir_ints(g, n, old ? "starts" : NULL, old ? -1 : 1, st, SC_IR_MAX_RANK);
    int ce = ir_ints(g, n, old ? "ends" : NULL, old ? -1 : 2, en, SC_IR_MAX_RANK);
    int ca = ir_ints(g, n, old ? "axes" : NULL, old ? -1 : 3, ax, SC_IR_MAX_RANK);
    int cp = old ? -1 : ir_ints(g, n, NULL, 4, sp, SC_IR_MAX_RANK);
    if (cs == -2 || ce == -2 || ca == -2 || cp == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Slice): bounds computed at run time",
                          n->name);
    if (cs < 0 || cs != ce || (ca >= 0 && ca != cs) || (cp >= 0 && cp != cs))
        return ir_bad(err, n, "bad slice");
    int64_t o_st[SC_IR_MAX_RANK], o_sp[SC_IR_MAX_RANK], d[SC_IR_MAX_RANK];
    for (int i = 0; i < r; i++)
        o_st[i] = 0, o_sp[i] = 1, d[i] = x->dims[i];
    for (int i = 0; i < cs; i++) {
        int a = ir_axis(ca >= 0 ? ax[i] : i, r);
        int64_t step = cp >= 0 ? sp[i] : 1, dim = x->dims[a >= 0 ? a : 0], s = st[i], e = en[i];
        if (a < 0 || step == 0) return ir_bad(err, n, "bad axis or step");
        if (s < 0) s += dim;
        if (e < 0) e += dim;
        if (step > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            e = e < 0 ? 0 : e > dim ? dim : e;
            d[a] = e > s ? (e - s + step - 1) / step : 0;
        } else {
            s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            d[a] = s > e ? (s - e - step - 1) / -step : 0;
        }
        o_st[a] = s, o_sp[a] = step;
    }
    const char *names[2] = {"_start", "_step"};
    const int64_t *vals[2] = {o_st, o_sp};
    for (int j = 0; j < 2; j++) {
        sc_ir_attr *a = sc_ir_attr_add(g, n, names[j], SC_IR_ATTR_INTS, err);
        if (!a) return err->status;
        a->n = r;
        a->ints = sc_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(r + 1));
        if (!a->ints) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        memcpy(a->ints, vals[j], sizeof(int64_t) * (size_t)r);
    }
    ir_set_shape(OUT(0), x->dtype, r, d);
    return SC_OK;
}

static sc_status split(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
    if (ax < 0) return ir_bad(err, n, "axis out of range");
    int64_t sz[64];
    int c = ir_ints(g, n, "split", 1, sz, 64);
    if (c == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Split): sizes computed at run time",
                          n->name);
    int64_t total = 0;
    if (c < 0) {
        int k = n->n_out;
        int64_t dim = x->dims[ax], each = (dim + k - 1) / k;
        for (int i = 0; i < k; i++)
            sz[i] = dim - each * i < each ? (dim - each * i > 0 ? dim - each * i : 0) : each;
        c = k;
    }
    if (c != n->n_out) return ir_bad(err, n, "split count differs from outputs");
    for (int i = 0; i < c; i++)
        total += sz[i];
    if (total != x->dims[ax]) return ir_bad(err, n, "split sizes do not add up");
    for (int i = 0; i < c; i++) {
        if (!OUT(i)) continue;
        ir_set_shape(OUT(i), x->dtype, x->rank, x->dims);
        OUT(i)->dims[ax] = sz[i];
    }
    return SC_OK;
}

static sc_status gather(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_ir_value *x = IN(0), *ix = IN(1);
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank), r = 0;
    if (ax < 0 || x->rank + ix->rank - 1 > SC_IR_MAX_RANK)
        return ir_bad(err, n, "bad axis or rank");
    int64_t d[SC_IR_MAX_RANK];
    for (int i = 0; i < ax; i++)
        d[r++] = x->dims[i];
    for (int i = 0; i < ix->rank; i++)
        d[r++] = ix->dims[i];
    for (int i = ax + 1; i < x->rank; i++)
        d[r++] = x->dims[i];
    ir_set_shape(OUT(0), x->dtype, r, d);
    return SC_OK;
}

static sc_status depth_space(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t b = sc_ir_attr_i(n, "blocksize", 0), d[4];
    if (x->rank != 4 || b < 1) return ir_bad(err, n, "needs 4-D input and blocksize >= 1");
    if (!strcmp(n->op, "DepthToSpace")) {
        if (x->dims[1] % (b * b)) return ir_bad(err, n, "channels not divisible by blocksize^2");
        d[0] = x->dims[0], d[1] = x->dims[1] / (b * b), d[2] = x->dims[2] * b,
        d[3] = x->dims[3] * b;
    } else {
        if (x->dims[2] % b || x->dims[3] % b)
            return ir_bad(err, n, "spatial dims not divisible by blocksize");
        d[0] = x->dims[0], d[1] = x->dims[1] * b * b, d[2] = x->dims[2] / b, d[3] = x->dims[3] / b;
    }
    ir_set_shape(OUT(0), x->dtype, 4, d);
    return SC_OK;
}

static sc_status quantize(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_tdtype t = SC_T_FLOAT;
    if (!strcmp(n->op, "QuantizeLinear")) t = IN(2) ? IN(2)->dtype : SC_T_UINT8;
    if (t != SC_T_FLOAT && t != SC_T_UINT8 && t != SC_T_INT8)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (%s): %s", n->name, n->op,
                          sc_tdtype_name(t));
    ir_set_shape(OUT(0), t, IN(0)->rank, IN(0)->dims);
    return SC_OK;
}

/* EyeLike depends only on the input's shape: shape inference evaluates it to a constant. */
static sc_status eyelike(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    if (IN(0)->rank != 2) return ir_bad(err, n, "EyeLike needs a 2-D input");
    sc_tdtype t = (sc_tdtype)sc_ir_attr_i(n, "dtype", IN(0)->dtype);
    ir_set_shape(OUT(0), t, 2, IN(0)->dims);
    return SC_OK;
}

static sc_status gather_elements(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 2, err)) return err->status;
    sc_ir_value *x = IN(0), *ix = IN(1);
    if (ix->rank != x->rank || ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank) < 0)
        return ir_bad(err, n, "indices rank or axis");
    ir_set_shape(OUT(0), x->dtype, ix->rank, ix->dims);
    return SC_OK;
}

static sc_status pad(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    sc_ir_value *x = IN(0);
    int64_t p[2 * SC_IR_MAX_RANK], d[SC_IR_MAX_RANK], axes[SC_IR_MAX_RANK];
    int c =
        ir_ints(g, n, g->opset < 11 ? "pads" : NULL, g->opset < 11 ? -1 : 1, p, 2 * SC_IR_MAX_RANK);
    if (c == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Pad): pads computed at run time",
                          n->name);
    int ca = ir_ints(g, n, NULL, 3, axes, SC_IR_MAX_RANK);
    if (ca == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Pad): axes computed at run time",
                          n->name);
    int64_t full[2 * SC_IR_MAX_RANK] = {0};
    if (ca >= 0) {
        if (c != 2 * ca) return ir_bad(err, n, "pads count");
        for (int i = 0; i < ca; i++) {
            int a = ir_axis(axes[i], x->rank);
            if (a < 0) return ir_bad(err, n, "axis out of range");
            full[a] = p[i], full[a + x->rank] = p[i + ca];
        }
    } else {
        if (c != 2 * x->rank) return ir_bad(err, n, "pads count");
        memcpy(full, p, sizeof(int64_t) * (size_t)c);
    }
    for (int i = 0; i < x->rank; i++) {
        d[i] = x->dims[i] + full[i] + full[i + x->rank];
        if (d[i] < 0) return ir_bad(err, n, "negative size");
    }
    sc_ir_attr *a = sc_ir_attr_add(g, n, "_pads", SC_IR_ATTR_INTS, err);
    if (!a) return err->status;
    a->n = 2 * x->rank;
    a->ints = sc_arena_alloc(g->arena, sizeof(int64_t) * (size_t)(a->n + 1));
    if (!a->ints) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    memcpy(a->ints, full, sizeof(int64_t) * (size_t)a->n);
    ir_set_shape(OUT(0), x->dtype, x->rank, d);
    return SC_OK;
}

static sc_status expand(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    int64_t s[SC_IR_MAX_RANK], d[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, NULL, 1, s, SC_IR_MAX_RANK), r;
    if (c == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Expand): shape computed at run time",
                          n->name);
    if (c < 0 || ir_broadcast(IN(0)->rank, IN(0)->dims, c, s, &r, d))
        return ir_bad(err, n, "bad shape");
    ir_set_shape(OUT(0), IN(0)->dtype, r, d);
    return SC_OK;
}

static sc_status tile(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    int64_t s[SC_IR_MAX_RANK], d[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, NULL, 1, s, SC_IR_MAX_RANK);
    if (c == -2)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Tile): repeats computed at run time",
                          n->name);
    if (c != IN(0)->rank) return ir_bad(err, n, "repeats count");
    for (int i = 0; i < c; i++)
        d[i] = IN(0)->dims[i] * s[i];
    ir_set_shape(OUT(0), IN(0)->dtype, c, d);
    return SC_OK;
}

static sc_status shape_op(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (need_inputs(g, n, 1, err)) return err->status;
    int r = IN(0)->rank;
    int64_t s = sc_ir_attr_i(n, "start", 0), e = sc_ir_attr_i(n, "end", r);
    if (s < 0) s += r;
    if (e < 0) e += r;
    s = s < 0 ? 0 : s > r ? r : s;
    e = e < 0 ? 0 : e > r ? r : e;
    int64_t d = e > s ? e - s : 0;
    ir_set_shape(OUT(0), SC_T_INT64, !strcmp(n->op, "Size") ? 0 : 1, &d);
    return SC_OK;
}

/* Ops whose output depends on constant input values (evaluated on the host). */
static sc_status host_only(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] >= 0 && !g->vals[n->in[i]].konst)
            return sc_err_set(err, SC_ERR_UNSUPPORTED,
                              "unsupported op %s with run-time inputs (node '%s')", n->op, n->name);
    return SC_OK; /* the shape comes from evaluating it */
}

static const struct {
    const char *op;
    infer_fn fn;
} OPS[] = {
    {"Abs", same},
    {"Neg", same},
    {"Exp", same},
    {"Log", same},
    {"Sqrt", same},
    {"Reciprocal", same},
    {"Relu", same},
    {"Sigmoid", same},
    {"Tanh", same},
    {"Erf", same},
    {"Softplus", same},
    {"Softsign", same},
    {"Elu", same},
    {"Selu", same},
    {"LeakyRelu", same},
    {"HardSigmoid", same},
    {"HardSwish", same},
    {"ThresholdedRelu", same},
    {"Celu", same},
    {"Identity", same},
    {"Clip", same},
    {"Sign", same},
    {"Shrink", same},
    {"Floor", same},
    {"Ceil", same},
    {"Round", same},
    {"Dropout", dropout},
    {"Gelu", same},
    {"Not", to_bool},
    {"IsNaN", to_bool},
    {"IsInf", to_bool},
    {"Add", binary},
    {"Sub", binary},
    {"Mul", binary},
    {"Div", binary},
    {"Pow", binary},
    {"Max", binary},
    {"Min", binary},
    {"Sum", binary},
    {"Mean", binary},
    {"PRelu", prelu},
    {"_ScaleShift", binary},
    {"Mod", binary},
    {"BitShift", binary},
    {"QuantizeLinear", quantize},
    {"DequantizeLinear", quantize},
    {"EyeLike", eyelike},
    {"Sin", same},
    {"Asin", same},
    {"Acos", same},
    {"Atan", same},
    {"Cos", same},
    {"Tan", same},
    {"Sinh", same},
    {"Cosh", same},
    {"Asinh", same},
    {"Acosh", same},
    {"Atanh", same},
    {"Equal", compare},
    {"Less", compare},
    {"Greater", compare},
    {"LessOrEqual", compare},
    {"GreaterOrEqual", compare},
    {"And", compare},
    {"Or", compare},
    {"Xor", compare},
    {"Where", where},
    {"Cast", cast},
    {"CastLike", cast},
    {"MatMul", matmul},
    {"MatMulInteger", matmul_int},
    {"QLinearMatMul", matmul_int},
    {"QuantMatMul", matmul_int},
    {"Gemm", gemm},
    {"Conv", conv},
    {"MaxPool", pool},
    {"AveragePool", pool},
    {"GlobalAveragePool", global_pool},
    {"GlobalMaxPool", global_pool},
    {"BatchNormalization", norm},
    {"InstanceNormalization", norm},
    {"LayerNormalization", norm},
    {"RMSNormalization", norm}, /* made by the fuse-norm pass */
    {"ReduceSum", reduce},
    {"ReduceMean", reduce},
    {"ReduceMax", reduce},
    {"ReduceMin", reduce},
    {"ReduceSumSquare", reduce},
    {"ReduceL1", reduce},
    {"ReduceL2", reduce},
    {"ReduceLogSum", reduce},
    {"ReduceLogSumExp", reduce},
    {"ReduceProd", reduce},
    {"ArgMax", argreduce},
    {"ArgMin", argreduce},
    {"Softmax", softmax},
    {"Hardmax", softmax},
    {"LogSoftmax", softmax},
    {"Reshape", reshape},
    {"Flatten", flatten},
    {"Squeeze", squeeze},
    {"Unsqueeze", unsqueeze},
    {"Transpose", transpose},
    {"Concat", concat},
    {"Slice", slice},
    {"Split", split},
    {"Gather", gather},
    {"GatherElements", gather_elements},
    {"DepthToSpace", depth_space},
    {"SpaceToDepth", depth_space},
    {"Trilu", same},
    {"Pad", pad},
    {"Expand", expand},
    {"Tile", tile},
    {"Shape", shape_op},
    {"Size", shape_op},
    {"ConstantOfShape", host_only},
    {"Range", host_only},
    {"CumSum", same},
    {"ScatterElements", ir_shape_scatter},
    {"Scatter", ir_shape_scatter},
    {"ScatterND", ir_shape_scatter},
    {"GatherND", ir_shape_gathernd},
    {"NonZero", ir_shape_nonzero},
    {"Unique", ir_shape_unique},
    {"NonMaxSuppression", ir_shape_nms},
};

int sc_ir_op_known(const char *op);
int sc_ir_op_known(const char *op) {
    for (size_t i = 0; i < SC_ARRAY_LEN(OPS); i++)
        if (!strcmp(OPS[i].op, op)) return 1;
    return 0;
}

static int all_inputs_const(const sc_ir_graph *g, const sc_ir_node *n) {
    if (!strcmp(n->op, "Shape") || !strcmp(n->op, "Size") || !strcmp(n->op, "EyeLike")) return 1;
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] >= 0 && !g->vals[n->in[i]].konst) return 0;
    return 1;
}

static sc_status infer_node(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    if (*n->domain)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "unsupported op %s:%s (node '%s')", n->domain,
                          n->op, n->name);
    infer_fn fn = NULL;
    for (size_t i = 0; i < SC_ARRAY_LEN(OPS) && !fn; i++)
        if (!strcmp(OPS[i].op, n->op)) fn = OPS[i].fn;
    if (!fn)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "unsupported op %s (node '%s')", n->op, n->name);
    if (fn(g, n, err) != SC_OK) return err->status;
    /* Values computable at compile time become constants now, so that shape inputs of later
     * nodes (Reshape, Expand, Slice, ...) are known. */
    if (all_inputs_const(g, n)) {
        sc_err e2 = {0};
        sc_status st = sc_ir_eval_node(g, n, &e2);
        if (st != SC_OK && st != SC_ERR_UNSUPPORTED) return sc_err_set(err, st, "%s", e2.msg);
        if (st == SC_ERR_UNSUPPORTED && fn == host_only)
            return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s", e2.msg);
    }
    return SC_OK;
}

sc_status sc_ir_infer_shapes(sc_ir_graph *g, sc_err *err) {
    for (int i = 0; i < g->n_inputs; i++) {
        sc_ir_value *v = &g->vals[g->inputs[i]];
        for (int j = 0; j < v->rank; j++)
            if (v->dims[j] < 0)
                return sc_err_set(err, SC_ERR_UNSUPPORTED,
                                  "input '%s' has a symbolic dimension %d; give an input tensor "
                                  "to fix its shape",
                                  v->name, j);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        int folded = 1;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && !g->vals[n->out[j]].konst) folded = 0;
        if (folded) continue;
        int expanded = 0;
        if (ir_expand_spatial(g, i, &expanded, err) != SC_OK) return err->status;
        if (!expanded && ir_expand_node(g, i, &expanded, err) != SC_OK) return err->status;
        if (expanded) { /* node i is now the first of its expansion */
            i--;
            continue;
        }
        if (infer_node(g, n, err) != SC_OK) return err->status;
    }
    return SC_OK;
}
