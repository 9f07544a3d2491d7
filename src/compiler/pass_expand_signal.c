// SPDX-License-Identifier: Apache-2.0
// Signal ops expanded into matrix products: DFT and STFT multiply by compile-time cosine/sine
// matrices on the systolic array (frames gathered by DMA), MelWeightMatrix is a compile-time
// constant, Det of up to 3x3 matrices is its Leibniz formula over gathered elements.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_expand.h"

/* cos (which 0) or sin (which 1) of 2*pi*t*k/n as an [n_in x bins] constant (t < n_in). */
static int twiddle(ir_ex *x, sc_tdtype dt, int64_t n_in, int64_t n, int64_t bins, int which) {
    if (n_in * bins > (1 << 24)) return -1;
    double *m = malloc(sizeof(double) * (size_t)(n_in * bins + 1));
    if (!m) return -1;
    for (int64_t t = 0; t < n_in; t++)
        for (int64_t k = 0; k < bins; k++) {
            double th = 2 * M_PI * (double)((t * k) % n) / (double)n;
            m[t * bins + k] = which ? sin(th) : cos(th);
        }
    int64_t d[2] = {n_in, bins};
    int v = ir_ex_const(x, dt, 2, d, m);
    free(m);
    return v;
}

/* Complex product of [..., n_in] re/im rows (im may be -1) with the DFT matrix; returns the
 * real and imaginary parts [..., bins] in out[2]. */
static int dft_rows(ir_ex *x, sc_tdtype dt, int re, int im, int64_t n_in, int64_t n, int64_t bins,
                    int inverse, int out[2]) {
    int C = twiddle(x, dt, n_in, n, bins, 0), S = twiddle(x, dt, n_in, n, bins, 1);
    if (C < 0 || S < 0) return -1;
    /* forward: (xr + i xi)(cos - i sin); inverse: (xr + i xi)(cos + i sin) / n */
    int rc = ir_ex_binary(x, "MatMul", re, C), rs = ir_ex_binary(x, "MatMul", re, S);
    int yr = rc, yi = ir_ex_unary(x, "Neg", rs);
    if (inverse) yi = rs;
    if (im >= 0) {
        int ic = ir_ex_binary(x, "MatMul", im, C), is = ir_ex_binary(x, "MatMul", im, S);
        yr = ir_ex_binary(x, inverse ? "Sub" : "Add", yr, is);
        yi = ir_ex_binary(x, "Add", yi, ic);
    }
    if (inverse) {
        int sc = ir_ex_scalar(x, dt, 1.0 / (double)n);
        yr = ir_ex_binary(x, "Mul", yr, sc), yi = ir_ex_binary(x, "Mul", yi, sc);
    }
    out[0] = yr, out[1] = yi;
    return yr < 0 || yi < 0 ? -1 : 0;
}

/* Stacks re/im [..dims] into [..dims, 2] as `out`. */
static int stack2(ir_ex *x, const int v[2], int rank, const int64_t *dims, int out) {
    int64_t d[SC_IR_MAX_RANK];
    memcpy(d, dims, sizeof(int64_t) * (size_t)rank);
    d[rank] = 1;
    int p[2] = {ir_ex_reshape(x, v[0], rank + 1, d), ir_ex_reshape(x, v[1], rank + 1, d)};
    int o = p[0] < 0 || p[1] < 0 ? -1 : ir_ex_emit(x, "Concat", p, 2, out);
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", rank, x->err) ? -1 : o;
}

/* Real (k = 0) or imaginary (k = 1) part of [..., 2] as [...] with `axis` moved last. */
static int part_last(ir_ex *x, int v, const sc_ir_value *in, int k, int axis, int64_t *dims) {
    int r = in->rank - 1;
    int64_t perm[SC_IR_MAX_RANK], nd[SC_IR_MAX_RANK];
    int p = ir_ex_reshape(x, ir_ex_slice(x, v, r, k, k + 1), r, in->dims);
    for (int i = 0, j = 0; i < r; i++)
        if (i != axis) perm[j++] = i;
    perm[r - 1] = axis;
    for (int i = 0; i < r; i++)
        nd[i] = in->dims[perm[i]];
    memcpy(dims, nd, sizeof(int64_t) * (size_t)r);
    return axis == r - 1 ? p : ir_ex_transpose(x, p, r, perm);
}

sc_status ir_expand_dft(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *in = ir_in(g, n, 0), *lv = ir_in(g, n, 1), *av = ir_in(g, n, 2);
    if (!in || in->rank < 2) return SC_OK;
    if ((lv && !lv->konst) || (av && !av->konst))
        return ir_unsup(x->err, n, "dft_length or axis computed at run time");
    int r = in->rank - 1, cplx = (int)in->dims[r];
    int axis = ir_axis(av ? (int64_t)sc_tensor_get(av->konst, 0) : sc_ir_attr_i(n, "axis", 1), r);
    if (axis < 0 || (cplx != 1 && cplx != 2)) return ir_bad(x->err, n, "axis or last dimension");
    int inverse = (int)sc_ir_attr_i(n, "inverse", 0),
        onesided = (int)sc_ir_attr_i(n, "onesided", 0);
    int64_t N = in->dims[axis], len = lv ? (int64_t)sc_tensor_get(lv->konst, 0) : N;
    if (len < 1 || len > 16384) return ir_unsup(x->err, n, "dft_length outside 1..16384");
    int64_t bins = onesided ? len / 2 + 1 : len, n_in = N < len ? N : len, dims[SC_IR_MAX_RANK];
    int re = part_last(x, n->in[0], in, 0, axis, dims);
    int im = cplx == 2 ? part_last(x, n->in[0], in, 1, axis, dims) : -1;
    if (N > len) { /* truncated: only the first len samples count */
        re = ir_ex_slice(x, re, r - 1, 0, len);
        if (im >= 0) im = ir_ex_slice(x, im, r - 1, 0, len);
    }
    int y[2];
    if (re < 0 || dft_rows(x, in->dtype, re, im, n_in, len, bins, inverse, y))
        return ir_fail(x->err);
    dims[r - 1] = bins;
    if (axis != r - 1) { /* move the frequency axis back */
        int64_t perm[SC_IR_MAX_RANK], nd[SC_IR_MAX_RANK];
        for (int i = 0, j = 0; i < r; i++)
            perm[i] = i == axis ? r - 1 : j++;
        for (int i = 0; i < r; i++)
            nd[i] = dims[perm[i]];
        y[0] = ir_ex_transpose(x, y[0], r, perm), y[1] = ir_ex_transpose(x, y[1], r, perm);
        memcpy(dims, nd, sizeof(int64_t) * (size_t)r);
    }
    if (y[0] < 0 || y[1] < 0 || stack2(x, y, r, dims, n->out[0]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* STFT: frames [batch, frames, frame_length] gathered with constant indices, windowed, times
 * the DFT matrices. */
sc_status ir_expand_stft(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *in = ir_in(g, n, 0), *sv = ir_in(g, n, 1), *wv = ir_in(g, n, 2),
                *fv = ir_in(g, n, 3);
    if (!in || in->rank != 3 || (wv && wv->rank != 1)) return SC_OK;
    if (!sv || !sv->konst || (fv && !fv->konst))
        return ir_unsup(x->err, n, "frame_step or frame_length computed at run time");
    int64_t step = (int64_t)sc_tensor_get(sv->konst, 0), B = in->dims[0], L = in->dims[1];
    int64_t fl = fv ? (int64_t)sc_tensor_get(fv->konst, 0) : wv ? wv->dims[0] : 0;
    int cplx = (int)in->dims[2], onesided = (int)sc_ir_attr_i(n, "onesided", 1);
    if (step < 1 || fl < 1 || fl > L || (wv && wv->dims[0] != fl) || (cplx != 1 && cplx != 2))
        return ir_bad(x->err, n, "frame_step, frame_length or window size");
    int64_t frames = 1 + (L - fl) / step, bins = onesided ? fl / 2 + 1 : fl;
    if (frames * fl > (1 << 22)) return ir_unsup(x->err, n, "more than 4 Mi framed samples");
    double *ix = malloc(sizeof(double) * (size_t)(frames * fl));
    if (!ix) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t f = 0; f < frames; f++)
        for (int64_t j = 0; j < fl; j++)
            ix[f * fl + j] = (double)(f * step + j);
    int64_t id[2] = {frames, fl}, bl[2] = {B, L};
    int idx = ir_ex_const(x, SC_T_INT64, 2, id, ix);
    free(ix);
    int part[2] = {-1, -1};
    for (int k = 0; k < cplx && idx >= 0; k++) {
        int p = ir_ex_reshape(x, ir_ex_slice(x, n->in[0], 2, k, k + 1), 2, bl);
        int gi[2] = {p, idx};
        part[k] = p < 0 ? -1 : ir_ex_emit(x, "Gather", gi, 2, -1);
        if (part[k] < 0 || sc_ir_attr_set_i(g, ir_ex_last(x), "axis", 1, x->err))
            return ir_fail(x->err);
        if (wv) part[k] = ir_ex_binary(x, "Mul", part[k], n->in[2]);
    }
    int y[2];
    int64_t od[3] = {B, frames, bins};
    if (idx < 0 || part[0] < 0 || dft_rows(x, in->dtype, part[0], part[1], fl, fl, bins, 0, y) ||
        stack2(x, y, 3, od, n->out[0]) < 0)
        return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ONNX's MelWeightMatrix reference: triangular filters between mel-spaced bin edges. */
static void mel_fill(double *w, int64_t nmel, int64_t dft, double rate, double lo, double hi) {
    int64_t nspec = dft / 2 + 1, *edge = malloc(sizeof(int64_t) * (size_t)(nmel + 2));
    if (!edge) return;
    double lm = 2595 * log10(1 + lo / 700), hm = 2595 * log10(1 + hi / 700);
    double step = (hm - lm) / (double)(nmel + 2); /* as the ONNX reference (not nmel + 1) */
    for (int64_t i = 0; i < nmel + 2; i++) {
        double hz = 700 * (pow(10, ((double)i * step + lm) / 2595) - 1);
        edge[i] = (int64_t)floor((double)(dft + 1) * hz / rate);
    }
    for (int64_t i = 0; i < nmel; i++) {
        int64_t l = edge[i], c = edge[i + 1], h = edge[i + 2];
        if (c == l && c >= 0 && c < nspec) w[c * nmel + i] = 1;
        for (int64_t j = l; c != l && j <= c; j++)
            if (j >= 0 && j < nspec) w[j * nmel + i] = (double)(j - l) / (double)(c - l);
        for (int64_t j = c; h > c && j < h; j++)
            if (j >= 0 && j < nspec) w[j * nmel + i] = (double)(h - j) / (double)(h - c);
    }
    free(edge);
}

sc_status ir_expand_melweight(ir_ex *x, const sc_ir_node *n, int *done) {
    double a[5];
    for (int i = 0; i < 5; i++) {
        sc_ir_value *v = ir_in(x->g, n, i);
        if (!v || !v->konst) return ir_unsup(x->err, n, "inputs computed at run time");
        a[i] = sc_tensor_get(v->konst, 0);
    }
    if (!(a[0] >= 1 && a[0] <= 4096 && a[1] >= 1 && a[1] <= 65536 && a[2] > 0 && a[3] >= 0 &&
          a[4] > a[3]))
        return ir_bad(x->err, n, "num_mel_bins, dft_length, sample_rate or edges out of range");
    int64_t d[2] = {(int64_t)a[1] / 2 + 1, (int64_t)a[0]};
    double *w = calloc((size_t)(d[0] * d[1]), sizeof(double));
    if (!w) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    mel_fill(w, d[1], (int64_t)a[1], a[2], a[3], a[4]);
    sc_tdtype t = (sc_tdtype)sc_ir_attr_i(n, "output_datatype", SC_T_FLOAT);
    sc_tensor k;
    sc_status st = sc_tdtype_size(t) ? sc_tensor_alloc(&k, t, 2, d, x->err)
                                     : ir_bad(x->err, n, "output_datatype");
    for (int64_t i = 0; st == SC_OK && i < d[0] * d[1]; i++)
        sc_tensor_set(&k, (size_t)i, w[i]);
    free(w);
    if (st != SC_OK) return st;
    if (n->out[0] >= 0 && sc_ir_set_const(x->g, n->out[0], &k, x->err)) {
        sc_tensor_free(&k);
        return ir_fail(x->err);
    }
    if (n->out[0] < 0) sc_tensor_free(&k);
    *done = 1;
    return SC_OK;
}

/* Element (i, j) of every matrix of [..., M, M] as [...]. */
static int elem(ir_ex *x, int v, int r, int64_t i, int64_t j) {
    int a = ir_ex_scalar(x, SC_T_INT64, (double)i), b = ir_ex_scalar(x, SC_T_INT64, (double)j);
    int row = ir_ex_binary(x, "Gather", v, a);
    if (row < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", r - 2, x->err)) return -1;
    int e = ir_ex_binary(x, "Gather", row, b);
    return e < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", r - 2, x->err) ? -1 : e;
}

sc_status ir_expand_det(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_value *in = ir_in(x->g, n, 0);
    if (!in || in->rank < 2) return SC_OK;
    int r = in->rank;
    int64_t M = in->dims[r - 1];
    if (M != in->dims[r - 2]) return ir_bad(x->err, n, "matrices are not square");
    if (M < 1 || M > 3) return ir_unsup(x->err, n, "Det of matrices larger than 3x3");
    int e[3][3], d = -1;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            if ((e[i][j] = elem(x, n->in[0], r, i, j)) < 0) return ir_fail(x->err);
    if (M == 1) d = e[0][0];
    if (M == 2)
        d = ir_ex_binary(x, "Sub", ir_ex_binary(x, "Mul", e[0][0], e[1][1]),
                         ir_ex_binary(x, "Mul", e[0][1], e[1][0]));
    if (M == 3) { /* a(ei - fh) - b(di - fg) + c(dh - eg) */
        int m[3];
        for (int j = 0; j < 3; j++) {
            int c1 = (j + 1) % 3, c2 = (j + 2) % 3;
            int minor = ir_ex_binary(x, "Sub", ir_ex_binary(x, "Mul", e[1][c1], e[2][c2]),
                                     ir_ex_binary(x, "Mul", e[1][c2], e[2][c1]));
            m[j] = ir_ex_binary(x, "Mul", e[0][j], minor); /* cyclic cofactors carry the sign */
        }
        d = ir_ex_binary(x, "Add", ir_ex_binary(x, "Add", m[0], m[1]), m[2]);
    }
    if (d < 0 || ir_ex_emit(x, "Identity", &d, 1, n->out[0]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}
