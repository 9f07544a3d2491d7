// SPDX-License-Identifier: Apache-2.0
// Image ops expanded into ops with lowerings once shapes are known: ConvTranspose (Conv over the
// zero-stuffed input), Resize/Upsample (stride-0 DMA, constant-index gathers or per-axis MatMul
// with compile-time interpolation matrices), LRN and MeanVarianceNormalization.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_expand.h"
#include "compiler/ir_spatial.h"

/* The emission cursor and its primitives are the expansion pass's (compiler/ir_expand.h): new
 * nodes go in front of the expanded node, which moves up behind them. */
typedef ir_ex sx;

static int emit(sx *x, const char *op, const int *in, int n_in) {
    return ir_ex_emit(x, op, in, n_in, -1);
}

/* Gather along axis with constant int64 indices. */
static int gather(sx *x, int in, int axis, const int64_t *idx, int64_t n) {
    double *d = malloc(sizeof(double) * (size_t)(n + 1));
    if (!d) return -1;
    for (int64_t i = 0; i < n; i++)
        d[i] = (double)idx[i];
    int k = ir_ex_const(x, SC_T_INT64, 1, &n, d);
    free(d);
    int o = ir_ex_binary(x, "Gather", in, k);
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", axis, x->err) ? -1 : o;
}

/* Zero padding: pads[2 * rank] (begin..., end...), all >= 0. */
static int pad0(sx *x, int in, int rank, const int64_t *pads) {
    if (x->g->opset >= 11) return ir_ex_binary(x, "Pad", in, ir_ex_i64s(x, pads, 2 * rank));
    int o = in < 0 ? -1 : emit(x, "Pad", &in, 1);
    return o < 0 || ir_ex_set_ints(x, "pads", pads, 2 * rank) ? -1 : o;
}

static int reduce_mean(sx *x, int in, const int64_t *axes, int n) {
    int o;
    if (x->g->opset >= 18) {
        o = ir_ex_binary(x, "ReduceMean", in, ir_ex_i64s(x, axes, n));
    } else {
        o = in < 0 ? -1 : emit(x, "ReduceMean", &in, 1);
        if (o >= 0 && ir_ex_set_ints(x, "axes", axes, n)) return -1;
    }
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "keepdims", 1, x->err) ? -1 : o;
}

/* The last emitted node writes the expanded node's output value instead of a temporary. */
static sc_status finish(sx *x, int v, int out, int *done) {
    if (v < 0) return x->err->status ? x->err->status : sc_err_set(x->err, SC_ERR_NOMEM, "oom");
    sc_ir_node *l = ir_ex_last(x);
    if (l->out[0] != v) { /* v is not the last node's output (e.g. no-op): copy it */
        if ((v = emit(x, "Identity", &v, 1)) < 0) return x->err->status;
        l = ir_ex_last(x);
    }
    l->out[0] = out;
    x->g->vals[out].producer = x->pos - 1;
    *done = 1;
    return SC_OK;
}

static int64_t floordiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- ConvTranspose ---- */

typedef struct ct_geom {
    int ns;
    int64_t s[3], d[3], k[3], pb[3], pe[3], op[3];
} ct_geom;

/* Begin/end padding of the transposed convolution per ONNX (output_shape and auto_pad decide
 * the totals; Python floor division as in the reference). */
static sc_status ct_pads(sx *x, const sc_ir_node *n, const sc_ir_value *X, ct_geom *q) {
    int64_t v[6], os[3];
    const char *ap = sc_ir_attr_s(n, "auto_pad", "NOTSET");
    int nos = sc_ir_attr_ints(n, "output_shape", os, 3);
    int np = sc_ir_attr_ints(n, "pads", v, 6);
    if (nos >= 0 && nos != q->ns && nos != q->ns + 2) return ir_bad(x->err, n, "output_shape rank");
    if (np >= 0 && np != 2 * q->ns) return ir_bad(x->err, n, "pads count");
    int same = !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER");
    for (int i = 0; i < q->ns; i++) {
        int64_t L = X->dims[2 + i], K = (q->k[i] - 1) * q->d[i] + 1;
        int64_t full = q->s[i] * (L - 1) + q->op[i] + K;
        if (nos >= 0 || same) {
            int64_t want = nos >= 0 ? os[nos - q->ns + i] : L * q->s[i];
            int64_t t = full - want, h = floordiv(t, 2);
            int upper = !strcmp(ap, "SAME_UPPER");
            q->pb[i] = upper ? h : t - h;
            q->pe[i] = upper ? t - h : h;
        } else {
            q->pb[i] = np >= 0 ? v[i] : 0;
            q->pe[i] = np >= 0 ? v[q->ns + i] : 0;
        }
        if (full - q->pb[i] - q->pe[i] < 1) return ir_bad(x->err, n, "empty output");
    }
    return SC_OK;
}

static sc_status ct_geom_of(sx *x, const sc_ir_node *n, const sc_ir_value *X, const sc_ir_value *W,
                            ct_geom *q) {
    q->ns = X->rank - 2;
    int64_t grp = sc_ir_attr_i(n, "group", 1);
    if (q->ns < 1 || q->ns > 3 || W->rank != X->rank)
        return ir_bad(x->err, n, "ConvTranspose needs matching 3-5-D X and W");
    if (grp < 1 || W->dims[0] != X->dims[1] || X->dims[1] % grp)
        return ir_bad(x->err, n, "channels do not match group");
    int64_t v[3];
    for (int i = 0; i < q->ns; i++) {
        q->k[i] = W->dims[2 + i];
        q->s[i] = q->d[i] = 1;
        q->op[i] = 0;
    }
    if (sc_ir_attr_ints(n, "strides", v, 3) == q->ns) memcpy(q->s, v, sizeof(int64_t) * 3);
    if (sc_ir_attr_ints(n, "dilations", v, 3) == q->ns) memcpy(q->d, v, sizeof(int64_t) * 3);
    if (sc_ir_attr_ints(n, "output_padding", v, 3) == q->ns) memcpy(q->op, v, sizeof(int64_t) * 3);
    for (int i = 0; i < q->ns; i++)
        if (q->s[i] < 1 || q->d[i] < 1 || q->k[i] < 1 || q->op[i] < 0 || q->s[i] > 64)
            return ir_bad(x->err, n, "bad strides, dilations, kernel or output_padding");
    return ct_pads(x, n, X, q);
}

/* X [N, C, L...] -> [N, C, L*s...] with s-1 zeros after every element (trailing ones too). */
static int ct_stuff(sx *x, int X, const sc_ir_value *xv, const ct_geom *q) {
    int any = 0;
    for (int i = 0; i < q->ns; i++)
        any |= q->s[i] > 1;
    if (!any) return X;
    int64_t d[SC_IR_MAX_RANK], pads[2 * SC_IR_MAX_RANK] = {0}, o[SC_IR_MAX_RANK];
    int r = 2 + 2 * q->ns;
    d[0] = o[0] = xv->dims[0], d[1] = o[1] = xv->dims[1];
    for (int i = 0; i < q->ns; i++) {
        d[2 + 2 * i] = xv->dims[2 + i];
        d[3 + 2 * i] = 1;
        pads[r + 3 + 2 * i] = q->s[i] - 1;
        o[2 + i] = xv->dims[2 + i] * q->s[i];
    }
    int v = pad0(x, ir_ex_reshape(x, X, r, d), r, pads);
    return ir_ex_reshape(x, v, 2 + q->ns, o);
}

/* W [Cin, Cout/g, k...] -> [Cout, Cin/g, k...] with every spatial axis reversed. */
static int ct_weights(sx *x, int W, const sc_ir_value *wv, int64_t grp, int ns) {
    int64_t d[SC_IR_MAX_RANK], perm[SC_IR_MAX_RANK], o[SC_IR_MAX_RANK];
    int64_t cin = wv->dims[0], coutg = wv->dims[1];
    d[0] = grp, d[1] = cin / grp, d[2] = coutg;
    perm[0] = 0, perm[1] = 2, perm[2] = 1;
    o[0] = coutg * grp, o[1] = cin / grp;
    for (int i = 0; i < ns; i++) {
        d[3 + i] = wv->dims[2 + i];
        perm[3 + i] = 3 + i;
        o[2 + i] = wv->dims[2 + i];
    }
    int v = ir_ex_reshape(x, W, 3 + ns, d);
    if (grp > 1 || coutg > 1 || cin > 1) v = ir_ex_transpose(x, v, 3 + ns, perm);
    v = ir_ex_reshape(x, v, 2 + ns, o);
    for (int i = 0; i < ns && v >= 0; i++) {
        int64_t k = wv->dims[2 + i], rev[64];
        if (k < 2) continue;
        if (k > 64) return -1;
        for (int64_t j = 0; j < k; j++)
            rev[j] = k - 1 - j;
        v = gather(x, v, 2 + i, rev, k);
    }
    return v;
}

static sc_status ex_convt(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0), *W = ir_in(x->g, n, 1);
    if (!X || !W || X->rank < 0 || W->rank < 0) return SC_OK; /* shapes report it */
    sc_ir_value xc = *X, wc = *W; /* copies: emitting values reallocates g->vals */
    X = &xc, W = &wc;
    ct_geom q;
    if (ct_geom_of(x, n, X, W, &q)) return x->err->status;
    for (int i = 0; i < q.ns; i++)
        if (W->dims[2 + i] > 64) return ir_unsup(x->err, n, "kernel wider than 64");
    int64_t grp = sc_ir_attr_i(n, "group", 1);
    int xs = ct_stuff(x, n->in[0], X, &q);
    int64_t cp[6];
    for (int i = 0; i < q.ns && xs >= 0; i++) {
        int64_t K = (q.k[i] - 1) * q.d[i] + 1, Ls = X->dims[2 + i] * q.s[i];
        int64_t b = K - 1 - q.pb[i], e = K - 1 - q.pe[i] + q.op[i] - (q.s[i] - 1);
        if (b < 0 || e < 0) /* padding beyond the kernel crops the stuffed input */
            xs = ir_ex_slice(x, xs, 2 + i, b < 0 ? -b : 0, Ls + (e < 0 ? e : 0));
        cp[i] = b < 0 ? 0 : b;
        cp[q.ns + i] = e < 0 ? 0 : e;
    }
    int w = ct_weights(x, n->in[1], W, grp, q.ns);
    int in[3] = {xs, w, n->n_in > 2 ? n->in[2] : -1};
    int y = xs < 0 || w < 0 ? -1 : emit(x, "Conv", in, in[2] >= 0 ? 3 : 2);
    if (y < 0 || ir_ex_set_ints(x, "pads", cp, 2 * q.ns) ||
        ir_ex_set_ints(x, "dilations", q.d, q.ns) ||
        sc_ir_attr_set_i(x->g, ir_ex_last(x), "group", grp, x->err))
        return x->err->status ? x->err->status : sc_err_set(x->err, SC_ERR_NOMEM, "oom");
    return finish(x, y, n->out[0], done);
}

/* ---- Resize / Upsample: interpolation weights ---- */

static double resize_coord(const ir_resize_axis *a, int64_t o) {
    /* the reference uses the unrounded output length in * scale, not the integer size */
    double s = a->scale, in = (double)a->in, out = s * in, x = (double)o;
    const char *m = a->coord;
    if (!strcmp(m, "asymmetric")) return x / s;
    if (!strcmp(m, "align_corners")) return out == 1 ? 0 : x * (in - 1) / (out - 1);
    if (!strcmp(m, "pytorch_half_pixel")) return out > 1 ? (x + 0.5) / s - 0.5 : 0;
    if (!strcmp(m, "tf_half_pixel_for_nn")) return (x + 0.5) / s;
    if (!strcmp(m, "tf_crop_and_resize"))
        return out > 1 ? a->roi_start * (in - 1) +
                             x * (a->roi_end - a->roi_start) * (in - 1) / (out - 1)
                       : 0.5 * (a->roi_start + a->roi_end) * (in - 1);
    return (x + 0.5) / s - 0.5; /* half_pixel */
}

static int64_t nearest_index(const ir_resize_axis *a, double x) {
    const char *m = a->nearest_mode;
    double f = floor(x);
    int64_t i;
    if (!strcmp(m, "floor"))
        i = (int64_t)f;
    else if (!strcmp(m, "ceil"))
        i = (int64_t)ceil(x);
    else if (!strcmp(m, "simple")) /* Upsample and Resize-10 */
        i = a->scale < 1 ? (int64_t)ceil(x) : (int64_t)f;
    else if (x == f + 0.5)
        i = !strcmp(m, "round_prefer_ceil") ? (int64_t)f + 1 : (int64_t)f;
    else
        i = (int64_t)floor(x + 0.5);
    return i < 0 ? 0 : i >= a->in ? a->in - 1 : i;
}

static void tap_weights(const ir_resize_axis *a, double t, double *w) {
    if (!strcmp(a->mode, "linear")) {
        w[0] = 1 - t, w[1] = t;
        return;
    }
    double A = a->cubic_a, u = 1 - t;
    w[0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
    w[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
    w[2] = ((A + 2) * u - (A + 3)) * u * u + 1;
    w[3] = ((A * (u + 1) - 5 * A) * (u + 1) + 8 * A) * (u + 1) - 4 * A;
}

/* One row of the linear/cubic matrix: taps floor(x)-1.. clamped to the edges (the reference
 * pads with edge values); exclude_outside drops taps outside and renormalises. */
static void interp_row(const ir_resize_axis *a, double x, double *row) {
    int cubic = !strcmp(a->mode, "cubic"), nt = cubic ? 4 : 2;
    double f = floor(x), w[4], sum = 0;
    tap_weights(a, x - f, w);
    int64_t base = (int64_t)f - (cubic ? 1 : 0);
    for (int k = 0; k < nt; k++) {
        int64_t j = base + k;
        if (a->exclude_outside && (j < 0 || j >= a->in)) w[k] = 0;
        sum += w[k];
    }
    for (int k = 0; k < nt; k++) {
        int64_t j = base + k;
        j = j < 0 ? 0 : j >= a->in ? a->in - 1 : j;
        row[j] += a->exclude_outside && sum != 0 ? w[k] / sum : w[k];
    }
}

int ir_resize_weights(const ir_resize_axis *a, double *m, unsigned char *outside) {
    int nearest = !strcmp(a->mode, "nearest");
    if (!nearest && strcmp(a->mode, "linear") && strcmp(a->mode, "cubic")) return -1;
    memset(m, 0, sizeof(double) * (size_t)(a->out * a->in));
    for (int64_t o = 0; o < a->out; o++) {
        double x = resize_coord(a, o);
        int out = !strcmp(a->coord, "tf_crop_and_resize") && (x < 0 || x > (double)(a->in - 1));
        if (outside) outside[o] = (unsigned char)out;
        if (out) continue;
        if (nearest)
            m[o * a->in + nearest_index(a, x)] = 1;
        else
            interp_row(a, x, m + o * a->in);
    }
    return 0;
}

/* ---- Resize / Upsample: graph ---- */

typedef struct rs_plan {
    int rank;
    ir_resize_axis ax[SC_IR_MAX_RANK];
    double extrap;
} rs_plan;

/* Scales or sizes (constants) into the plan's per-axis in/out/scale. */
static sc_status rs_sizes(sx *x, const sc_ir_node *n, const sc_ir_value *X, rs_plan *p) {
    int is_up = !strcmp(n->op, "Upsample"), old = is_up || x->g->opset < 11;
    int si = old ? 1 : 2, zi = old ? -1 : 3;
    double sc[SC_IR_MAX_RANK];
    int have_sizes = 0, have_scales = 0;
    const sc_ir_value *S = ir_in(x->g, n, si), *Z = zi > 0 ? ir_in(x->g, n, zi) : NULL;
    if (Z && sc_ir_numel(Z) > 0) {
        if (!Z->konst) return ir_unsup(x->err, n, "sizes computed at run time");
        if ((int)sc_tensor_numel(Z->konst) != X->rank) return ir_bad(x->err, n, "sizes count");
        have_sizes = 1;
    } else if (is_up && x->g->opset < 9) {
        float f[SC_IR_MAX_RANK];
        const sc_ir_attr *a = sc_ir_attr_get(n, "scales");
        if (!a || a->n != X->rank) return ir_bad(x->err, n, "scales count");
        memcpy(f, a->floats, sizeof(float) * (size_t)a->n);
        for (int i = 0; i < X->rank; i++)
            sc[i] = f[i];
        have_scales = 1;
    } else if (S && sc_ir_numel(S) > 0) {
        if (!S->konst) return ir_unsup(x->err, n, "scales computed at run time");
        if ((int)sc_tensor_numel(S->konst) != X->rank) return ir_bad(x->err, n, "scales count");
        for (int i = 0; i < X->rank; i++)
            sc[i] = (double)(float)sc_tensor_get(S->konst, (size_t)i);
        have_scales = 1;
    }
    if (!have_sizes && !have_scales) return ir_bad(x->err, n, "neither scales nor sizes given");
    for (int i = 0; i < X->rank; i++) {
        ir_resize_axis *a = &p->ax[i];
        a->in = X->dims[i];
        if (have_sizes) {
            a->out = sc_tensor_get_i64(Z->konst, (size_t)i);
            a->scale = a->in ? (double)a->out / (double)a->in : 1;
        } else {
            if (!(sc[i] > 0) || sc[i] > 1e6) return ir_bad(x->err, n, "scale out of range");
            a->scale = sc[i];
            double span = !strcmp(a->coord, "tf_crop_and_resize") ? a->roi_end - a->roi_start : 1;
            a->out = (int64_t)floor((double)a->in * span * sc[i] + 1e-9);
        }
        if (a->out < 1 || a->out > (1 << 24) || a->in < 1)
            return ir_bad(x->err, n, "bad output size");
    }
    return SC_OK;
}

static sc_status rs_plan_of(sx *x, const sc_ir_node *n, const sc_ir_value *X, rs_plan *p) {
    int old = !strcmp(n->op, "Upsample") || x->g->opset < 11;
    const char *mode = sc_ir_attr_s(n, "mode", "nearest");
    if (!strcmp(mode, "bilinear")) mode = "linear";
    const char *coord =
        old ? "asymmetric" : sc_ir_attr_s(n, "coordinate_transformation_mode", "half_pixel");
    p->rank = X->rank;
    p->extrap = sc_ir_attr_f(n, "extrapolation_value", 0);
    const sc_ir_value *roi = old ? NULL : ir_in(x->g, n, 1);
    int tfc = !strcmp(coord, "tf_crop_and_resize");
    if (tfc && (!roi || !roi->konst || (int)sc_tensor_numel(roi->konst) != 2 * X->rank))
        return roi && !roi->konst
                   ? ir_unsup(x->err, n, "roi computed at run time")
                   : ir_bad(x->err, n, "tf_crop_and_resize needs roi of 2*rank values");
    for (int i = 0; i < X->rank; i++) {
        ir_resize_axis *a = &p->ax[i];
        a->mode = mode;
        a->coord = coord;
        a->nearest_mode = old ? "simple" : sc_ir_attr_s(n, "nearest_mode", "round_prefer_floor");
        a->cubic_a = sc_ir_attr_f(n, "cubic_coeff_a", -0.75f);
        a->exclude_outside = (int)sc_ir_attr_i(n, "exclude_outside", 0);
        a->roi_start = tfc ? sc_tensor_get(roi->konst, (size_t)i) : 0;
        a->roi_end = tfc ? sc_tensor_get(roi->konst, (size_t)(X->rank + i)) : 1;
    }
    if (strcmp(mode, "nearest") && strcmp(mode, "linear") && strcmp(mode, "cubic"))
        return ir_unsup(x->err, n, "unknown mode");
    return rs_sizes(x, n, X, p);
}

static int is_identity(const double *m, int64_t in, int64_t out) {
    if (in != out) return 0;
    for (int64_t o = 0; o < out; o++)
        for (int64_t i = 0; i < in; i++)
            if (m[o * in + i] != (o == i ? 1.0 : 0.0)) return 0;
    return 1;
}

/* Contracts axis a of v (dims d, rank r) with m [out x in] on the MMA. */
static int rs_matmul(sx *x, int v, int64_t *d, int r, int a, const double *m, int64_t out) {
    int64_t in = d[a], P = 1, Q = 1;
    for (int i = 0; i < a; i++)
        P *= d[i];
    for (int i = a + 1; i < r; i++)
        Q *= d[i];
    if (a == r - 1) {
        double *t = malloc(sizeof(double) * (size_t)(in * out));
        if (!t) return -1;
        for (int64_t o = 0; o < out; o++)
            for (int64_t i = 0; i < in; i++)
                t[i * out + o] = m[o * in + i];
        int64_t md[2] = {in, out};
        int k = ir_ex_const(x, SC_T_FLOAT, 2, md, t);
        free(t);
        d[a] = out;
        return ir_ex_binary(x, "MatMul", v, k);
    }
    int64_t md[2] = {out, in}, d3[3] = {P, in, Q};
    int k = ir_ex_const(x, SC_T_FLOAT, 2, md, m);
    int y = ir_ex_binary(x, "MatMul", k, ir_ex_reshape(x, v, 3, d3));
    d[a] = out;
    return ir_ex_reshape(x, y, r, d);
}

/* Integer factor s >= 2 when axis a maps output o to input o / s, else 0. */
static int64_t rs_factor(sx *x, const ir_resize_axis *ax, const double *m) {
    int64_t s = ax->out / ax->in;
    if (x->g->opset < 8 || s < 2 || ax->out != ax->in * s) return 0; /* Expand is opset 8 */
    for (int64_t o = 0; o < ax->out; o++)
        if (m[o * ax->in + o / s] != 1) return 0;
    return s;
}

/* Nearest by data movement: integer-factor axes through one stride-0 Expand, the others
 * through a constant-index Gather each. */
static int rs_nearest(sx *x, int v, const rs_plan *p, double **m) {
    int r = p->rank, nr = 0, any = 0;
    int64_t e[2 * SC_IR_MAX_RANK], ed[2 * SC_IR_MAX_RANK], od[SC_IR_MAX_RANK];
    for (int a = 0; a < r && v >= 0; a++) {
        const ir_resize_axis *ax = &p->ax[a];
        int64_t s = rs_factor(x, ax, m[a]);
        od[a] = ax->out;
        if (s) {
            e[nr] = ed[nr] = ax->in, nr++;
            e[nr] = 1, ed[nr] = s, nr++;
            any = 1;
            continue;
        }
        e[nr] = ed[nr] = ax->out, nr++;
        if (is_identity(m[a], ax->in, ax->out)) continue;
        int64_t *idx = malloc(sizeof(int64_t) * (size_t)ax->out);
        if (!idx) return -1;
        for (int64_t o = 0; o < ax->out; o++)
            for (int64_t i = 0; i < ax->in; i++)
                if (m[a][o * ax->in + i] == 1) idx[o] = i;
        v = gather(x, v, a, idx, ax->out);
        free(idx);
    }
    if (!any || v < 0) return v;
    v = ir_ex_reshape(x, v, nr, e);
    return ir_ex_reshape(x, ir_ex_binary(x, "Expand", v, ir_ex_i64s(x, ed, nr)), r, od);
}

static sc_status ex_resize(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0);
    if (!X || X->rank < 0) return SC_OK;
    if (X->rank < 1) return ir_bad(x->err, n, "needs a tensor of rank >= 1");
    sc_ir_value xc = *X; /* a copy: emitting values reallocates g->vals */
    X = &xc;
    rs_plan p;
    memset(&p, 0, sizeof p);
    if (rs_plan_of(x, n, X, &p)) return x->err->status;
    double *m[SC_IR_MAX_RANK] = {0};
    unsigned char *out[SC_IR_MAX_RANK] = {0};
    int r = p.rank, any_out = 0, v = n->in[0], nearest = !strcmp(p.ax[0].mode, "nearest");
    sc_status st = SC_OK;
    for (int a = 0; a < r && st == SC_OK; a++) {
        int64_t cells = p.ax[a].in * p.ax[a].out;
        if (cells > (1 << 26)) st = ir_unsup(x->err, n, "interpolation matrix too large");
        m[a] = st ? NULL : malloc(sizeof(double) * (size_t)cells);
        out[a] = st ? NULL : malloc((size_t)p.ax[a].out);
        if (!st && (!m[a] || !out[a])) st = sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
        if (!st && ir_resize_weights(&p.ax[a], m[a], out[a])) st = ir_unsup(x->err, n, "mode");
        for (int64_t o = 0; !st && o < p.ax[a].out; o++)
            any_out |= out[a][o];
    }
    if (st == SC_OK && (!nearest || any_out) && X->dtype != SC_T_FLOAT)
        st = ir_unsup(x->err, n, "interpolation of non-float tensors");
    if (st == SC_OK && nearest && !any_out) {
        v = rs_nearest(x, v, &p, m);
    } else if (st == SC_OK) {
        int64_t d[SC_IR_MAX_RANK], ed[SC_IR_MAX_RANK];
        for (int a = 0; a < r; a++)
            d[a] = p.ax[a].in;
        for (int a = r - 1; a >= 0 && v >= 0; a--)
            if (!is_identity(m[a], p.ax[a].in, p.ax[a].out))
                v = rs_matmul(x, v, d, r, a, m[a], p.ax[a].out);
        if (v >= 0 && any_out && p.extrap != 0) { /* outside rows are 0: add the constant */
            int64_t cnt = 1;
            for (int a = 0; a < r; a++)
                cnt *= (ed[a] = any_out && !is_identity(m[a], p.ax[a].in, p.ax[a].out) ? p.ax[a].out
                                                                                       : 1);
            double *ev = calloc((size_t)cnt, sizeof(double));
            for (int64_t i = 0; ev && i < cnt; i++) {
                int64_t rem = i, hit = 0;
                for (int a = r - 1; a >= 0; a--) {
                    if (ed[a] > 1) hit |= out[a][rem % ed[a]];
                    rem /= ed[a];
                }
                ev[i] = hit ? p.extrap : 0;
            }
            v = ev ? ir_ex_binary(x, "Add", v, ir_ex_const(x, SC_T_FLOAT, r, ed, ev)) : -1;
            free(ev);
        }
    }
    for (int a = 0; a < r; a++)
        free(m[a]), free(out[a]);
    return st ? st : finish(x, v, n->out[0], done);
}

/* ---- LRN and MeanVarianceNormalization ---- */

/* y = x / (bias + alpha/size * sum of x^2 over the channel window)^beta; the window sum is a
 * [C x C] band matrix on the MMA. */
static sc_status ex_lrn(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0);
    if (!X || X->rank < 0) return SC_OK;
    sc_ir_value xc = *X; /* a copy: emitting values reallocates g->vals */
    X = &xc;
    int64_t size = sc_ir_attr_i(n, "size", 0), C = X->rank >= 2 ? X->dims[1] : 0, R = 1;
    if (X->rank < 3 || size < 1) return ir_bad(x->err, n, "needs rank >= 3 input and size >= 1");
    if (X->dtype != SC_T_FLOAT) return ir_unsup(x->err, n, "non-float input");
    if (C > 4096) return ir_unsup(x->err, n, "more than 4096 channels");
    for (int i = 2; i < X->rank; i++)
        R *= X->dims[i];
    double *band = calloc((size_t)(C * C), sizeof(double));
    if (!band) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
    for (int64_t c = 0; c < C; c++)
        for (int64_t j = c - lo; j <= c + hi; j++)
            if (j >= 0 && j < C) band[c * C + j] = 1;
    int64_t bd[2] = {C, C}, d3[3] = {X->dims[0], C, R};
    int b = ir_ex_const(x, SC_T_FLOAT, 2, bd, band);
    free(band);
    int sq = ir_ex_binary(x, "Mul", n->in[0], n->in[0]);
    int s = ir_ex_binary(x, "MatMul", b, ir_ex_reshape(x, sq, 3, d3));
    s = ir_ex_reshape(x, s, X->rank, X->dims);
    s = ir_ex_binary(x, "Mul", s,
                     ir_ex_scalar(x, SC_T_FLOAT, sc_ir_attr_f(n, "alpha", 1e-4f) / (double)size));
    s = ir_ex_binary(x, "Add", s, ir_ex_scalar(x, SC_T_FLOAT, sc_ir_attr_f(n, "bias", 1.0f)));
    s = ir_ex_binary(x, "Pow", s, ir_ex_scalar(x, SC_T_FLOAT, sc_ir_attr_f(n, "beta", 0.75f)));
    return finish(x, ir_ex_binary(x, "Div", n->in[0], s), n->out[0], done);
}

/* (x - mean) / (sqrt(mean((x - mean)^2)) + 1e-9) over axes (default 0, 2, 3). */
static sc_status ex_mvn(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0);
    if (!X || X->rank < 0) return SC_OK;
    int64_t axes[SC_IR_MAX_RANK] = {0, 2, 3};
    int na = sc_ir_attr_ints(n, "axes", axes, SC_IR_MAX_RANK);
    if (na < 0) na = 3;
    for (int i = 0; i < na; i++)
        if (ir_axis(axes[i], X->rank) < 0) return ir_bad(x->err, n, "axis out of range");
    if (X->dtype != SC_T_FLOAT) return ir_unsup(x->err, n, "non-float input");
    int mean = reduce_mean(x, n->in[0], axes, na);
    int dv = ir_ex_binary(x, "Sub", n->in[0], mean);
    int var = reduce_mean(x, ir_ex_binary(x, "Mul", dv, dv), axes, na);
    int sd = var < 0 ? -1 : emit(x, "Sqrt", &var, 1);
    sd = ir_ex_binary(x, "Add", sd, ir_ex_scalar(x, SC_T_FLOAT, 1e-9));
    return finish(x, ir_ex_binary(x, "Div", dv, sd), n->out[0], done);
}

/* ---- MaxPool: Indices output, windows too tall for a scratchpad tile; MaxUnpool ---- */

typedef struct pgeom {
    int ns;
    int64_t k[3], s[3], d[3], pb[3], pe[3], o[3];
} pgeom;

static sc_status pool_geom(sx *x, const sc_ir_node *n, const sc_ir_value *X, const sc_ir_value *Y,
                           pgeom *q) {
    int64_t v[6];
    q->ns = X->rank - 2;
    if (q->ns < 1 || q->ns > 3 || Y->rank != X->rank)
        return ir_bad(x->err, n, "pooling needs 3-5-D input");
    if (sc_ir_attr_ints(n, "kernel_shape", q->k, 3) != q->ns)
        return ir_bad(x->err, n, "kernel_shape");
    for (int i = 0; i < q->ns; i++)
        q->s[i] = q->d[i] = 1, q->pb[i] = q->pe[i] = 0, q->o[i] = Y->dims[2 + i];
    if (sc_ir_attr_ints(n, "strides", v, 3) == q->ns) memcpy(q->s, v, sizeof(int64_t) * 3);
    if (sc_ir_attr_ints(n, "dilations", v, 3) == q->ns) memcpy(q->d, v, sizeof(int64_t) * 3);
    if (sc_ir_attr_ints(n, "pads", v, 6) == 2 * q->ns)
        for (int i = 0; i < q->ns; i++)
            q->pb[i] = v[i], q->pe[i] = v[q->ns + i];
    const char *ap = sc_ir_attr_s(n, "auto_pad", "NOTSET");
    for (int i = 0; i < q->ns && (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")); i++) {
        int64_t t = (q->o[i] - 1) * q->s[i] + (q->k[i] - 1) * q->d[i] + 1 - X->dims[2 + i];
        t = t < 0 ? 0 : t;
        q->pb[i] = !strcmp(ap, "SAME_UPPER") ? t / 2 : t - t / 2;
        q->pe[i] = t - q->pb[i];
    }
    return SC_OK;
}

static sc_ir_node *copy_attrs(sx *x, const sc_ir_node *from) {
    sc_ir_node *l = ir_ex_last(x);
    for (int i = 0; i < from->n_attr; i++) {
        sc_ir_attr *a = sc_ir_attr_add(x->g, l, from->attrs[i].name, from->attrs[i].type, x->err);
        if (!a) return NULL;
        const char *nm = a->name;
        *a = from->attrs[i];
        a->name = nm;
    }
    return l;
}

/* Slice of xp (padded) reading tap k of every window: [N, C, O...] */
static int tap_slice(sx *x, int xp, const pgeom *q, const int64_t *tap) {
    int64_t st[3], en[3], ax[3], sp[3];
    for (int i = 0; i < q->ns; i++) {
        st[i] = tap[i] * q->d[i];
        en[i] = st[i] + (q->o[i] - 1) * q->s[i] + 1;
        ax[i] = 2 + i, sp[i] = q->s[i];
    }
    int a = ir_ex_i64s(x, st, q->ns), b = ir_ex_i64s(x, en, q->ns), c = ir_ex_i64s(x, ax, q->ns),
        d = ir_ex_i64s(x, sp, q->ns);
    int in[5] = {xp, a, b, c, d};
    return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : emit(x, "Slice", in, 5);
}

/* Flat input index of tap `tap` for every output position (row- or column-major planes). */
static int tap_index(sx *x, const sc_ir_value *X, const pgeom *q, const int64_t *tap, int colmaj) {
    int64_t nc = X->dims[0] * X->dims[1], cnt = nc, od[SC_IR_MAX_RANK], plane = 1;
    for (int i = 0; i < q->ns; i++)
        cnt *= q->o[i], plane *= X->dims[2 + i];
    double *v = malloc(sizeof(double) * (size_t)cnt);
    if (!v) return -1;
    for (int64_t e = 0; e < cnt; e++) {
        int64_t rem = e, pos[3], off = 0;
        for (int i = q->ns - 1; i >= 0; i--)
            pos[i] = rem % q->o[i], rem /= q->o[i];
        for (int i = 0; i < q->ns; i++) {
            int64_t p = pos[i] * q->s[i] + tap[i] * q->d[i] - q->pb[i], L = X->dims[2 + i];
            p = p < 0 ? 0 : p >= L ? L - 1 : p;
            pos[i] = p;
        }
        if (colmaj && q->ns == 2)
            off = pos[1] * X->dims[2] + pos[0];
        else
            for (int i = 0; i < q->ns; i++)
                off = off * X->dims[2 + i] + pos[i];
        v[e] = (double)(rem * plane + off);
    }
    od[0] = X->dims[0], od[1] = X->dims[1];
    for (int i = 0; i < q->ns; i++)
        od[2 + i] = q->o[i];
    int k = ir_ex_const(x, SC_T_INT64, 2 + q->ns, od, v);
    free(v);
    return k;
}

/* Indices: the first tap (in window order) whose value equals the window's maximum. */
static sc_status pool_indices(sx *x, const sc_ir_node *n, const sc_ir_value *X, pgeom *q,
                              int *done) {
    if (x->g->opset < 10) return ir_unsup(x->err, n, "Indices output before opset 10");
    int y = emit(x, "MaxPool", n->in, 1);
    if (y < 0 || !copy_attrs(x, n)) return x->err->status;
    int64_t pads[2 * SC_IR_MAX_RANK] = {0}, ntap = 1;
    int r = X->rank;
    for (int i = 0; i < q->ns; i++) { /* ceil_mode windows may reach past the end padding */
        int64_t need = (q->o[i] - 1) * q->s[i] + (q->k[i] - 1) * q->d[i] + 1;
        int64_t have = X->dims[2 + i] + q->pb[i] + q->pe[i];
        pads[2 + i] = q->pb[i];
        pads[r + 2 + i] = q->pe[i] + (need > have ? need - have : 0);
        ntap *= q->k[i];
    }
    if (ntap > 1024) return ir_unsup(x->err, n, "Indices output of a window over 1024 taps");
    int pin[3] = {n->in[0], ir_ex_i64s(x, pads, 2 * r), ir_ex_scalar(x, X->dtype, -INFINITY)};
    int xp = pin[1] < 0 || pin[2] < 0 ? -1 : emit(x, "Pad", pin, 3);
    int colmaj = (int)sc_ir_attr_i(n, "storage_order", 0), idx = -1;
    for (int64_t t = ntap - 1; t >= 0 && xp >= 0; t--) {
        int64_t tap[3] = {0, 0, 0}, rem = t;
        for (int i = q->ns - 1; i >= 0; i--)
            tap[i] = rem % q->k[i], rem /= q->k[i];
        int c = tap_index(x, X, q, tap, colmaj);
        if (idx < 0) {
            idx = c;
            continue;
        }
        int eq = ir_ex_binary(x, "Equal", tap_slice(x, xp, q, tap), y);
        int win[3] = {eq, c, idx};
        idx = eq < 0 || c < 0 ? -1 : emit(x, "Where", win, 3);
    }
    if (idx < 0 || finish(x, y, n->out[0], done)) return x->err->status ? x->err->status : SC_OK;
    *done = 0;
    if (n->out[1] >= 0 && finish(x, idx, n->out[1], done)) return x->err->status;
    return SC_OK;
}

/* A window spanning many input rows: max is separable, so pool the last axis first, then the
 * others (each pass's tile holds one axis of the window). */
static sc_status pool_split(sx *x, const sc_ir_node *n, const pgeom *q, int *done) {
    int v = n->in[0];
    for (int a = q->ns - 1; a >= 0 && v >= 0; a--) {
        int64_t k[3], s[3], d[3], p[6];
        for (int i = 0; i < q->ns; i++) {
            int on = i == a;
            k[i] = on ? q->k[i] : 1, s[i] = on ? q->s[i] : 1, d[i] = on ? q->d[i] : 1;
            p[i] = on ? q->pb[i] : 0, p[q->ns + i] = on ? q->pe[i] : 0;
        }
        v = emit(x, "MaxPool", &v, 1);
        if (v < 0 || ir_ex_set_ints(x, "kernel_shape", k, q->ns) ||
            ir_ex_set_ints(x, "strides", s, q->ns) || ir_ex_set_ints(x, "dilations", d, q->ns) ||
            ir_ex_set_ints(x, "pads", p, 2 * q->ns) ||
            sc_ir_attr_set_i(x->g, ir_ex_last(x), "ceil_mode", sc_ir_attr_i(n, "ceil_mode", 0),
                             x->err))
            return x->err->status ? x->err->status : sc_err_set(x->err, SC_ERR_NOMEM, "oom");
    }
    return finish(x, v, n->out[0], done);
}

static sc_status ex_maxpool(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0);
    if (!X || X->rank < 3 || X->rank > 5) return SC_OK; /* shapes report it */
    sc_ir_value xc = *X; /* a copy: emitting values reallocates g->vals */
    X = &xc;
    /* the output shape first: infer it through a MaxPool without Indices */
    sc_ir_value yv = {0};
    int64_t k[3], o[3];
    pgeom q;
    int ns = X->rank - 2, big = 0;
    if (sc_ir_attr_ints(n, "kernel_shape", k, 3) != ns) return SC_OK;
    int64_t s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[6] = {0}, v[6];
    if (sc_ir_attr_ints(n, "strides", v, 3) == ns) memcpy(s, v, sizeof s);
    if (sc_ir_attr_ints(n, "dilations", v, 3) == ns) memcpy(d, v, sizeof d);
    if (sc_ir_attr_ints(n, "pads", v, 6) == 2 * ns) memcpy(p, v, sizeof p);
    const char *ap = sc_ir_attr_s(n, "auto_pad", "NOTSET");
    int same = !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER"), ceil = 0;
    ceil = (int)sc_ir_attr_i(n, "ceil_mode", 0);
    for (int i = 0; i < ns; i++) {
        int64_t L = X->dims[2 + i], K = (k[i] - 1) * d[i] + 1, span = L + p[i] + p[ns + i] - K;
        if (s[i] < 1 || d[i] < 1 || k[i] < 1) return SC_OK;
        o[i] = same                   ? (L + s[i] - 1) / s[i]
               : !strcmp(ap, "VALID") ? (L - K) / s[i] + 1
                                      : (ceil ? (span + s[i] - 1) / s[i] : span / s[i]) + 1;
        if (ceil && !same && (o[i] - 1) * s[i] >= L + p[i]) o[i]--;
        if (o[i] < 1) return SC_OK;
        /* rows of the window times the padded row width: the pooling tile's input */
        int64_t row = X->dims[X->rank - 1] + p[ns - 1] + p[2 * ns - 1];
        if (i == 0 && ns >= 2 && K * row * 4 > (1 << 20)) big = 1;
    }
    yv.rank = X->rank;
    yv.dims[0] = X->dims[0], yv.dims[1] = X->dims[1];
    memcpy(yv.dims + 2, o, sizeof(int64_t) * (size_t)ns);
    if (pool_geom(x, n, X, &yv, &q)) return x->err->status;
    if (n->n_out > 1 && n->out[1] >= 0) return pool_indices(x, n, X, &q, done);
    if (big && !same && strcmp(ap, "VALID")) {
        (void)ceil;
        return pool_split(x, n, &q, done);
    }
    return SC_OK;
}

/* Y = zeros(output shape); Y.flat[I] = X: a ScatterElements over the flattened tensors. */
static sc_status ex_maxunpool(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0), *I = ir_in(x->g, n, 1), *S = ir_in(x->g, n, 2);
    if (!X || !I || X->rank < 0 || I->rank < 0) return SC_OK;
    sc_ir_value xc = *X; /* a copy: emitting values reallocates g->vals */
    X = &xc;
    int ns = X->rank - 2;
    int64_t od[SC_IR_MAX_RANK], k[3], s[3] = {1, 1, 1}, p[6] = {0}, v[6], total = 1;
    if (ns < 1 || ns > 3 || sc_ir_numel(I) != sc_ir_numel(X))
        return ir_bad(x->err, n, "X and I differ");
    if (S && !S->konst) return ir_unsup(x->err, n, "output_shape computed at run time");
    if (sc_ir_attr_ints(n, "kernel_shape", k, 3) != ns) return ir_bad(x->err, n, "kernel_shape");
    if (sc_ir_attr_ints(n, "strides", v, 3) == ns) memcpy(s, v, sizeof s);
    if (sc_ir_attr_ints(n, "pads", v, 6) == 2 * ns) memcpy(p, v, sizeof p);
    if (S && (int)sc_tensor_numel(S->konst) != X->rank)
        return ir_bad(x->err, n, "output_shape rank");
    /* indices address the default-shaped output; a larger output_shape pads at the end */
    int64_t dd[SC_IR_MAX_RANK], pads[2 * SC_IR_MAX_RANK] = {0};
    for (int i = 0; i < X->rank; i++) {
        dd[i] =
            i < 2 ? X->dims[i] : (X->dims[i] - 1) * s[i - 2] - p[i - 2] - p[ns + i - 2] + k[i - 2];
        od[i] = S ? sc_tensor_get_i64(S->konst, (size_t)i) : dd[i];
        if (dd[i] < 1 || od[i] < dd[i] || od[i] > (1 << 24))
            return ir_bad(x->err, n, "bad output shape");
        pads[X->rank + i] = od[i] - dd[i];
        total *= dd[i];
    }
    int64_t fx[2] = {1, sc_ir_numel(X)}, fz[2] = {1, total};
    int z = ir_ex_const(x, X->dtype, 2, fz, NULL);
    int in[3] = {z, ir_ex_reshape(x, n->in[1], 2, fx), ir_ex_reshape(x, n->in[0], 2, fx)};
    int y = z < 0 || in[1] < 0 || in[2] < 0 ? -1 : emit(x, "ScatterElements", in, 3);
    if (y >= 0 && sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", 1, x->err)) return x->err->status;
    y = ir_ex_reshape(x, y, X->rank, dd);
    if (memcmp(dd, od, sizeof(int64_t) * (size_t)X->rank)) y = pad0(x, y, X->rank, pads);
    return finish(x, y, n->out[0], done);
}

/* ---- GridSample: sampling positions computed by vector ops, values fetched by GatherND ---- */

enum { GS_ZEROS, GS_BORDER, GS_REFLECT };

typedef struct gs {
    int64_t N, C, H, W, Ho, Wo;
    int pad, ac;
    int xflat, base; /* X as [N*C*H*W]; (n*C + c)*H*W as [N, C, 1, 1] */
} gs;

static int fconst(sx *x, double v) {
    return ir_ex_scalar(x, SC_T_FLOAT, v);
}

static int cast_to(sx *x, int v, sc_tdtype t) {
    int o = v < 0 ? -1 : emit(x, "Cast", &v, 1);
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "to", t, x->err) ? -1 : o;
}

/* 1.0 where 0 <= v <= hi, else 0.0 */
static int in_range(sx *x, int v, double hi) {
    int lo = ir_ex_binary(x, "Less", v, fconst(x, 0)),
        up = ir_ex_binary(x, "Less", fconst(x, hi), v);
    return cast_to(x, ir_ex_unary(x, "Not", ir_ex_binary(x, "Or", lo, up)), SC_T_FLOAT);
}

static int clampv(sx *x, int v, double hi) {
    return ir_ex_binary(x, "Min", ir_ex_binary(x, "Max", v, fconst(x, 0)), fconst(x, hi));
}

/* Integer tap v reflected into [0, len-1] as ORT's GsReflect does (about -0.5 and len-0.5, or
 * about 0 and len-1 with align_corners): m = v mod period, folded back. */
static int reflect(sx *x, int v, int64_t len, int ac) {
    double P = ac ? 2.0 * (double)(len - 1) : 2.0 * (double)len;
    if (P <= 0) return fconst(x, 0);
    int q = ir_ex_unary(x, "Floor", ir_ex_binary(x, "Div", v, fconst(x, P)));
    int m = ir_ex_binary(x, "Sub", v, ir_ex_binary(x, "Mul", q, fconst(x, P)));
    int hi = ir_ex_binary(x, "Less", fconst(x, (double)(len - 1)), m);
    int in[3] = {hi, ir_ex_binary(x, "Sub", fconst(x, ac ? P : P - 1), m), m};
    return hi < 0 || in[1] < 0 ? -1 : emit(x, "Where", in, 3);
}

/* Weighted value of input pixel (yk, xk) ([N, 1, Ho, Wo] float integer coordinates) with the
 * padding mode applied to the tap. */
static int gs_tap(sx *x, const gs *q, int yk, int xk, int w) {
    if (q->pad == GS_ZEROS)
        w = ir_ex_binary(x, "Mul", w,
                         ir_ex_binary(x, "Mul", in_range(x, yk, (double)(q->H - 1)),
                                      in_range(x, xk, (double)(q->W - 1))));
    if (q->pad == GS_REFLECT) yk = reflect(x, yk, q->H, q->ac), xk = reflect(x, xk, q->W, q->ac);
    int yc = clampv(x, yk, (double)(q->H - 1)), xc = clampv(x, xk, (double)(q->W - 1));
    int off = ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", yc, fconst(x, (double)q->W)), xc);
    int ii = cast_to(x, ir_ex_binary(x, "Add", off, q->base), SC_T_INT64);
    int64_t d5[5] = {q->N, q->C, q->Ho, q->Wo, 1};
    int v = ir_ex_binary(x, "GatherND", q->xflat, ir_ex_reshape(x, ii, 5, d5));
    return ir_ex_binary(x, "Mul", v, w);
}

/* Unnormalised coordinate of grid component k as [N, 1, Ho, Wo]. */
static int gs_coord(sx *x, const sc_ir_node *n, const gs *q, int k, int64_t len) {
    int64_t d4[4] = {q->N, 1, q->Ho, q->Wo};
    int g = ir_ex_reshape(x, ir_ex_slice(x, n->in[1], 3, k, k + 1), 4, d4);
    double a = q->ac ? (double)(len - 1) / 2 : (double)len / 2, b = (double)(len - 1) / 2;
    return ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", g, fconst(x, a)), fconst(x, b));
}

/* ((c3 v + c2) v + c1) v + c0 */
static int horner3(sx *x, int v, double c3, double c2, double c1, double c0) {
    int p = ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", v, fconst(x, c3)), fconst(x, c2));
    p = ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", p, v), fconst(x, c1));
    return ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", p, v), fconst(x, c0));
}

/* The 4 cubic convolution weights (A = -0.75) of fraction t, taps floor-1 .. floor+2. */
static void cubic_w(sx *x, int t, int *w) {
    double A = -0.75;
    int one = fconst(x, 1), two = fconst(x, 2);
    w[0] = horner3(x, ir_ex_binary(x, "Add", t, one), A, -5 * A, 8 * A, -4 * A);
    w[1] = horner3(x, t, A + 2, -(A + 3), 0, 1);
    w[2] = horner3(x, ir_ex_binary(x, "Sub", one, t), A + 2, -(A + 3), 0, 1);
    w[3] = horner3(x, ir_ex_binary(x, "Sub", two, t), A, -5 * A, 8 * A, -4 * A);
}

/* Sum over taps (ty0 + i, tx0 + j), i, j < nt, of wy[i] * wx[j] * pixel. */
static int gs_sum(sx *x, const gs *q, int ty0, int tx0, const int *wy, const int *wx, int nt) {
    int y = -1;
    for (int i = 0; i < nt; i++) {
        int yi = i ? ir_ex_binary(x, "Add", ty0, fconst(x, i)) : ty0;
        for (int j = 0; j < nt; j++) {
            int xj = j ? ir_ex_binary(x, "Add", tx0, fconst(x, j)) : tx0;
            int t = gs_tap(x, q, yi, xj, ir_ex_binary(x, "Mul", wy[i], wx[j]));
            y = y < 0 ? t : ir_ex_binary(x, "Add", y, t);
        }
    }
    return y;
}

static sc_status ex_gridsample(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0), *G = ir_in(x->g, n, 1);
    if (!X || !G || X->rank < 0 || G->rank < 0) return SC_OK;
    if (X->rank != 4 || G->rank != 4 || G->dims[3] != 2 || G->dims[0] != X->dims[0])
        return ir_bad(x->err, n, "needs X [N, C, H, W] and grid [N, Ho, Wo, 2]");
    if (X->dtype != SC_T_FLOAT || G->dtype != SC_T_FLOAT)
        return ir_unsup(x->err, n, "non-float input");
    const char *mode = sc_ir_attr_s(n, "mode", "bilinear");
    const char *pm = sc_ir_attr_s(n, "padding_mode", "zeros");
    int near = !strcmp(mode, "nearest"), cubic = !strcmp(mode, "bicubic") || !strcmp(mode, "cubic");
    if (!near && !cubic && strcmp(mode, "bilinear") && strcmp(mode, "linear"))
        return ir_unsup(x->err, n, "unknown mode");
    gs q = {X->dims[0], X->dims[1], X->dims[2], X->dims[3],
            G->dims[1], G->dims[2], GS_ZEROS,   (int)sc_ir_attr_i(n, "align_corners", 0),
            -1,         -1};
    q.pad = !strcmp(pm, "border") ? GS_BORDER : !strcmp(pm, "reflection") ? GS_REFLECT : GS_ZEROS;
    if (q.pad == GS_ZEROS && strcmp(pm, "zeros"))
        return ir_unsup(x->err, n, "unknown padding_mode");
    if (q.N * q.C * q.H * q.W >= (1 << 24)) return ir_unsup(x->err, n, "input above 2^24 elements");
    double *bv = malloc(sizeof(double) * (size_t)(q.N * q.C + 1));
    if (!bv) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < q.N * q.C; i++)
        bv[i] = (double)(i * q.H * q.W);
    int64_t bd[4] = {q.N, q.C, 1, 1}, fd = q.N * q.C * q.H * q.W;
    q.base = ir_ex_const(x, SC_T_FLOAT, 4, bd, bv);
    free(bv);
    q.xflat = ir_ex_reshape(x, n->in[0], 1, &fd);
    int gx = gs_coord(x, n, &q, 0, q.W), gy = gs_coord(x, n, &q, 1, q.H), y;
    if (near) { /* Round is half to even, as nearbyint */
        int one = fconst(x, 1);
        y = gs_sum(x, &q, ir_ex_unary(x, "Round", gy), ir_ex_unary(x, "Round", gx), &one, &one, 1);
    } else {
        int x0 = ir_ex_unary(x, "Floor", gx), y0 = ir_ex_unary(x, "Floor", gy), wx[4], wy[4];
        int tx = ir_ex_binary(x, "Sub", gx, x0), ty = ir_ex_binary(x, "Sub", gy, y0);
        if (cubic) {
            cubic_w(x, tx, wx), cubic_w(x, ty, wy);
            x0 = ir_ex_binary(x, "Sub", x0, fconst(x, 1)),
            y0 = ir_ex_binary(x, "Sub", y0, fconst(x, 1));
        } else {
            wx[1] = tx, wy[1] = ty;
            wx[0] = ir_ex_binary(x, "Sub", fconst(x, 1), tx),
            wy[0] = ir_ex_binary(x, "Sub", fconst(x, 1), ty);
        }
        y = gs_sum(x, &q, y0, x0, wy, wx, cubic ? 4 : 2);
    }
    return finish(x, y, n->out[0], done);
}

/* ---- RoiAlign: per-sample coordinates from the run-time rois, taps fetched by GatherND ---- */

typedef struct ra {
    int64_t R, C, H, W, oh, ow, sr;
    int xflat, rbase; /* X as [N*C*H*W]; batch_index*C*H*W + c*H*W as [R, C, 1, 1] */
    int max;
} ra;

/* Column k of rois [R, 4] times scale minus offset, shaped [R, 1, 1, 1]. */
static int ra_col(sx *x, const sc_ir_node *n, int k, double scale, double off) {
    int64_t d4[4] = {-1, 1, 1, 1};
    int c = ir_ex_reshape(x, ir_ex_slice(x, n->in[1], 1, k, k + 1), 4, d4);
    return ir_ex_binary(x, "Sub", ir_ex_binary(x, "Mul", c, fconst(x, scale)), fconst(x, off));
}

/* Sample coordinates of one axis: start + (bin + (i + 0.5) / sr) * bin_size, the bin index
 * along dims position pos (2: rows, 3: columns). */
static int ra_axis(sx *x, int start, int size, int64_t bins, int pos, int64_t i, int64_t sr) {
    double *v = malloc(sizeof(double) * (size_t)bins);
    if (!v) return -1;
    for (int64_t b = 0; b < bins; b++)
        v[b] = (double)b + ((double)i + 0.5) / (double)sr;
    int64_t d[4] = {1, 1, pos == 2 ? bins : 1, pos == 3 ? bins : 1};
    int k = ir_ex_const(x, SC_T_FLOAT, 4, d, v);
    free(v);
    int bs = ir_ex_binary(x, "Div", size, fconst(x, (double)bins));
    return ir_ex_binary(x, "Add", start, ir_ex_binary(x, "Mul", k, bs));
}

/* Bilinear value at (y, x) with RoiAlign's border rule (0 beyond one pixel outside, else the
 * coordinate clamped into the image). */
static int ra_sample(sx *x, const ra *q, int y, int xx) {
    int vy = in_range(x, ir_ex_binary(x, "Add", y, fconst(x, 1)), (double)q->H + 1);
    int vx = in_range(x, ir_ex_binary(x, "Add", xx, fconst(x, 1)), (double)q->W + 1);
    int valid = ir_ex_binary(x, "Mul", vy, vx);
    int yc = clampv(x, y, (double)(q->H - 1)), xc = clampv(x, xx, (double)(q->W - 1));
    int y0 = ir_ex_unary(x, "Floor", yc), x0 = ir_ex_unary(x, "Floor", xc);
    int y1 = ir_ex_binary(x, "Min", ir_ex_binary(x, "Add", y0, fconst(x, 1)),
                          fconst(x, (double)(q->H - 1)));
    int x1 = ir_ex_binary(x, "Min", ir_ex_binary(x, "Add", x0, fconst(x, 1)),
                          fconst(x, (double)(q->W - 1)));
    int ly = ir_ex_binary(x, "Sub", yc, y0), lx = ir_ex_binary(x, "Sub", xc, x0);
    int hy = ir_ex_binary(x, "Sub", fconst(x, 1), ly),
        hx = ir_ex_binary(x, "Sub", fconst(x, 1), lx);
    int ys[2] = {y0, y1}, xs[2] = {x0, x1}, wy[2] = {hy, ly}, wx[2] = {hx, lx}, acc = -1;
    for (int i = 0; i < 4; i++) {
        int off = ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", ys[i / 2], fconst(x, (double)q->W)),
                               xs[i % 2]);
        int ii = cast_to(x, ir_ex_binary(x, "Add", off, q->rbase), SC_T_INT64);
        int64_t d5[5] = {q->R, q->C, q->oh, q->ow, 1};
        int v = ir_ex_binary(x, "GatherND", q->xflat, ir_ex_reshape(x, ii, 5, d5));
        v = ir_ex_binary(
            x, "Mul", v,
            ir_ex_binary(x, "Mul", ir_ex_binary(x, "Mul", wy[i / 2], wx[i % 2]), valid));
        acc = acc < 0 ? v : ir_ex_binary(x, q->max ? "Max" : "Add", acc, v);
    }
    return acc;
}

static sc_status ex_roialign(sx *x, const sc_ir_node *n, int *done) {
    sc_ir_value *X = ir_in(x->g, n, 0), *R = ir_in(x->g, n, 1), *B = ir_in(x->g, n, 2);
    if (!X || !R || !B || X->rank < 0 || R->rank < 0 || B->rank < 0) return SC_OK;
    if (X->rank != 4 || R->rank != 2 || R->dims[1] != 4 || B->rank != 1 || B->dims[0] != R->dims[0])
        return ir_bad(x->err, n, "needs X [N, C, H, W], rois [R, 4] and batch_indices [R]");
    if (X->dtype != SC_T_FLOAT || R->dtype != SC_T_FLOAT)
        return ir_unsup(x->err, n, "non-float input");
    ra q = {R->dims[0],
            X->dims[1],
            X->dims[2],
            X->dims[3],
            sc_ir_attr_i(n, "output_height", 1),
            sc_ir_attr_i(n, "output_width", 1),
            sc_ir_attr_i(n, "sampling_ratio", 0),
            -1,
            -1,
            0};
    int64_t N = X->dims[0], fd = N * q.C * q.H * q.W, cd[4] = {1, q.C, 1, 1};
    q.max = !strcmp(sc_ir_attr_s(n, "mode", "avg"), "max");
    if (q.sr < 1 || q.sr > 16)
        return ir_unsup(x->err, n,
                        "sampling_ratio 0 (adaptive: the sample count depends on the rois)");
    if (q.oh < 1 || q.ow < 1 || q.oh > 4096 || q.ow > 4096) return ir_bad(x->err, n, "output size");
    if (fd >= (1 << 24)) return ir_unsup(x->err, n, "input above 2^24 elements");
    int half =
        !strcmp(sc_ir_attr_s(n, "coordinate_transformation_mode", "half_pixel"), "half_pixel") &&
        x->g->opset >= 16;
    double sc = sc_ir_attr_f(n, "spatial_scale", 1.0f), off = half ? 0.5 : 0;
    double *cv = malloc(sizeof(double) * (size_t)q.C);
    if (!cv) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t c = 0; c < q.C; c++)
        cv[c] = (double)(c * q.H * q.W);
    int cb = ir_ex_const(x, SC_T_FLOAT, 4, cd, cv);
    free(cv);
    int64_t b4[4] = {q.R, 1, 1, 1};
    int bi = ir_ex_reshape(x, cast_to(x, n->in[2], SC_T_FLOAT), 4, b4);
    q.rbase = ir_ex_binary(x, "Add",
                           ir_ex_binary(x, "Mul", bi, fconst(x, (double)(q.C * q.H * q.W))), cb);
    q.xflat = ir_ex_reshape(x, n->in[0], 1, &fd);
    int x1 = ra_col(x, n, 0, sc, off), y1 = ra_col(x, n, 1, sc, off);
    int rw = ir_ex_binary(x, "Sub", ra_col(x, n, 2, sc, off), x1);
    int rh = ir_ex_binary(x, "Sub", ra_col(x, n, 3, sc, off), y1);
    if (!half) /* output_half_pixel: rois at least one pixel */
        rw = ir_ex_binary(x, "Max", rw, fconst(x, 1)),
        rh = ir_ex_binary(x, "Max", rh, fconst(x, 1));
    int y = -1;
    for (int64_t i = 0; i < q.sr; i++)
        for (int64_t j = 0; j < q.sr; j++) {
            int v = ra_sample(x, &q, ra_axis(x, y1, rh, q.oh, 2, i, q.sr),
                              ra_axis(x, x1, rw, q.ow, 3, j, q.sr));
            y = y < 0 ? v : ir_ex_binary(x, q.max ? "Max" : "Add", y, v);
        }
    if (!q.max) y = ir_ex_binary(x, "Mul", y, fconst(x, 1.0 / (double)(q.sr * q.sr)));
    return finish(x, y, n->out[0], done);
}

static const struct {
    const char *op;
    sc_status (*fn)(sx *x, const sc_ir_node *n, int *done);
} EXPAND[] = {
    {"ConvTranspose", ex_convt},
    {"Resize", ex_resize},
    {"Upsample", ex_resize},
    {"LRN", ex_lrn},
    {"MeanVarianceNormalization", ex_mvn},
    {"MaxPool", ex_maxpool},
    {"MaxUnpool", ex_maxunpool},
    {"GridSample", ex_gridsample},
    {"RoiAlign", ex_roialign},
};

sc_status ir_expand_spatial(sc_ir_graph *g, int i, int *done, sc_err *err) {
    *done = 0;
    sc_ir_node n = g->nodes[i]; /* copy: the node array shifts under the emitter */
    if (*n.domain || n.n_out < 1 || n.out[0] < 0) return SC_OK;
    for (size_t k = 0; k < SC_ARRAY_LEN(EXPAND); k++) {
        if (strcmp(EXPAND[k].op, n.op)) continue;
        sx x = {g, i, err};
        if (EXPAND[k].fn(&x, &n, done) != SC_OK) return err->status;
        if (*done) g->nodes[x.pos].dead = 1;
        return SC_OK;
    }
    return SC_OK;
}
