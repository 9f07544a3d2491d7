// SPDX-License-Identifier: Apache-2.0
// Expansion during shape inference: OneHot, Einsum, Compress, ReverseSequence, Pad with a run-time
// value and the window generators become ops that have lowerings, once input shapes are known.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_expand.h"

/* ---- emission helpers ---- */

int ir_ex_emit(ir_ex *x, const char *op, const int *in, int n_in, int out) {
    if (out < 0 && (out = sc_ir_add_value(x->g, "ex_tmp", x->err)) < 0) return -1;
    if (sc_ir_insert_node(x->g, x->pos, op, in, n_in, &out, 1, x->err) < 0) return -1;
    x->pos++;
    return out;
}

sc_ir_node *ir_ex_last(ir_ex *x) {
    return &x->g->nodes[x->pos - 1];
}

int ir_ex_const(ir_ex *x, sc_tdtype t, int rank, const int64_t *dims, const double *vals) {
    sc_tensor k;
    if (sc_tensor_alloc(&k, t, rank, dims, x->err) != SC_OK) return -1;
    size_t n = sc_tensor_numel(&k);
    for (size_t i = 0; vals && i < n; i++)
        sc_tensor_set(&k, i, vals[i]);
    int id = sc_ir_add_value(x->g, "ex_const", x->err);
    if (id < 0 || sc_ir_set_const(x->g, id, &k, x->err) != SC_OK) {
        sc_tensor_free(&k);
        return -1;
    }
    return id;
}

int ir_ex_scalar(ir_ex *x, sc_tdtype t, double v) {
    int64_t one = 1;
    return ir_ex_const(x, t, 0, &one, &v);
}

int ir_ex_i64s(ir_ex *x, const int64_t *v, int n) {
    double d[SC_IR_MAX_RANK * 2];
    int64_t dim = n;
    if (n > (int)SC_ARRAY_LEN(d)) return -1;
    for (int i = 0; i < n; i++)
        d[i] = (double)v[i];
    return ir_ex_const(x, SC_T_INT64, 1, &dim, d);
}

int ir_ex_set_ints(ir_ex *x, const char *name, const int64_t *v, int n) {
    sc_ir_attr *a = sc_ir_attr_add(x->g, ir_ex_last(x), name, SC_IR_ATTR_INTS, x->err);
    if (!a) return -1;
    a->n = n;
    a->ints = sc_arena_alloc(x->g->arena, sizeof(int64_t) * (size_t)(n + 1));
    if (!a->ints) return -1;
    if (n) memcpy(a->ints, v, sizeof(int64_t) * (size_t)n);
    return 0;
}

int ir_ex_reshape(ir_ex *x, int in, int rank, const int64_t *dims) {
    if (in < 0) return -1;
    int s = ir_ex_i64s(x, dims, rank);
    int ins[2] = {in, s};
    return s < 0 ? -1 : ir_ex_emit(x, "Reshape", ins, 2, -1);
}

int ir_ex_transpose(ir_ex *x, int in, int rank, const int64_t *perm) {
    int o = in < 0 ? -1 : ir_ex_emit(x, "Transpose", &in, 1, -1);
    return o < 0 || ir_ex_set_ints(x, "perm", perm, rank) ? -1 : o;
}

int ir_ex_reducesum(ir_ex *x, int in, const int64_t *axes, int n, int keepdims) {
    int o;
    if (x->g->opset >= 13) {
        int a = ir_ex_i64s(x, axes, n);
        int ins[2] = {in, a};
        o = a < 0 ? -1 : ir_ex_emit(x, "ReduceSum", ins, 2, -1);
    } else {
        o = ir_ex_emit(x, "ReduceSum", &in, 1, -1);
        if (o >= 0 && ir_ex_set_ints(x, "axes", axes, n)) return -1;
    }
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "keepdims", keepdims, x->err) ? -1 : o;
}

int ir_ex_slice(ir_ex *x, int in, int64_t axis, int64_t start, int64_t end) {
    if (x->g->opset >= 10) {
        int s = ir_ex_i64s(x, &start, 1), e = ir_ex_i64s(x, &end, 1), a = ir_ex_i64s(x, &axis, 1);
        int ins[4] = {in, s, e, a};
        return s < 0 || e < 0 || a < 0 ? -1 : ir_ex_emit(x, "Slice", ins, 4, -1);
    }
    int o = ir_ex_emit(x, "Slice", &in, 1, -1);
    if (o < 0 || ir_ex_set_ints(x, "starts", &start, 1) || ir_ex_set_ints(x, "ends", &end, 1) ||
        ir_ex_set_ints(x, "axes", &axis, 1))
        return -1;
    return o;
}

int ir_ex_binary(ir_ex *x, const char *op, int a, int b) {
    int ins[2] = {a, b};
    return a < 0 || b < 0 ? -1 : ir_ex_emit(x, op, ins, 2, -1);
}

int ir_ex_unary(ir_ex *x, const char *op, int a) {
    return a < 0 ? -1 : ir_ex_emit(x, op, &a, 1, -1);
}

/* ---- window generators (the size is a compile-time constant: the window is one) ---- */

static sc_status ex_window(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_value *sz = ir_in(x->g, n, 0);
    if (n->out[0] < 0) return SC_OK;
    if (!sz || !sz->konst) return ir_unsup(x->err, n, "window size computed at run time");
    if (sc_tensor_numel(sz->konst) != 1) return ir_bad(x->err, n, "size must be a scalar");
    double size = sc_tensor_get(sz->konst, 0);
    if (!(size >= 0 && size <= (1 << 24))) return ir_bad(x->err, n, "size out of range");
    int64_t len = (int64_t)size;
    double N = sc_ir_attr_i(n, "periodic", 1) ? (double)len : (double)len - 1;
    double a0 = 0.5, a1 = 0.5, a2 = 0;
    if (!strcmp(n->op, "HammingWindow")) a0 = 25.0 / 46, a1 = 21.0 / 46;
    if (!strcmp(n->op, "BlackmanWindow")) a0 = 0.42, a1 = 0.5, a2 = 0.08;
    sc_tdtype t = (sc_tdtype)sc_ir_attr_i(n, "output_datatype", SC_T_FLOAT);
    if (!sc_tdtype_size(t)) return ir_bad(x->err, n, "output_datatype");
    sc_tensor w;
    if (sc_tensor_alloc(&w, t, 1, &len, x->err)) return ir_fail(x->err);
    for (int64_t i = 0; i < len; i++) {
        double ph = N > 0 ? 2 * M_PI * (double)i / N : 0;
        sc_tensor_set(&w, (size_t)i, a0 - a1 * cos(ph) + a2 * cos(2 * ph));
    }
    if (sc_ir_set_const(x->g, n->out[0], &w, x->err)) {
        sc_tensor_free(&w);
        return ir_fail(x->err);
    }
    *done = 1;
    return SC_OK;
}

/* ---- OneHot: Equal(index, iota along the new axis) selects on or off ---- */

static sc_status ex_onehot(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *ind = ir_in(g, n, 0), *dep = ir_in(g, n, 1), *val = ir_in(g, n, 2);
    if (!ind || !dep || !val || ind->rank < 0 || ind->rank >= SC_IR_MAX_RANK) return SC_OK;
    if (!dep->konst) return ir_unsup(x->err, n, "depth computed at run time");
    double dd = sc_tensor_get(dep->konst, 0);
    if (!(dd >= 1 && dd <= (1 << 20))) return ir_bad(x->err, n, "depth out of range");
    int64_t depth = (int64_t)dd;
    int r = ind->rank, axis = (int)sc_ir_attr_i(n, "axis", -1);
    if (axis < 0) axis += r + 1;
    if (axis < 0 || axis > r) return ir_bad(x->err, n, "axis out of range");
    int64_t io[SC_IR_MAX_RANK], rs[SC_IR_MAX_RANK];
    for (int k = 0, j = 0; k <= r; k++) {
        io[k] = k == axis ? depth : 1;
        rs[k] = k == axis ? 1 : ind->dims[j++];
    }
    double *seq = malloc(sizeof(double) * (size_t)depth);
    if (!seq) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < depth; i++)
        seq[i] = (double)i;
    int iota = ir_ex_const(x, ind->dtype, r + 1, io, seq);
    free(seq);
    sc_tdtype it = ind->dtype;
    int zero = ir_ex_scalar(x, it, 0), dc = ir_ex_scalar(x, it, (double)depth);
    int i0 = ir_ex_scalar(x, SC_T_INT64, 0), i1 = ir_ex_scalar(x, SC_T_INT64, 1);
    int idx = n->in[0];
    int neg = ir_ex_binary(x, "Less", idx, zero), wrap = ir_ex_binary(x, "Add", idx, dc);
    int w3[3] = {neg, wrap, idx};
    int fixed = neg < 0 || wrap < 0 ? -1 : ir_ex_emit(x, "Where", w3, 3, -1);
    int shaped = fixed < 0 ? -1 : ir_ex_reshape(x, fixed, r + 1, rs);
    int eq = ir_ex_binary(x, "Equal", shaped, iota);
    int on = ir_ex_binary(x, "Gather", n->in[2], i1), off = ir_ex_binary(x, "Gather", n->in[2], i0);
    int sel[3] = {eq, on, off};
    if (eq < 0 || on < 0 || off < 0 || ir_ex_emit(x, "Where", sel, 3, n->out[0]) < 0)
        return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- Compress: the condition sets the output shape, so it is a compile-time constant
 * (specialised by value); the kept positions become a constant Gather. ---- */

static sc_status ex_compress(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *in = ir_in(g, n, 0), *cond = ir_in(g, n, 1);
    if (!in || !cond || in->rank < 0) return SC_OK;
    if (!cond->konst) return ir_unsup(x->err, n, "condition computed at run time");
    const sc_ir_attr *aa = sc_ir_attr_get(n, "axis");
    int src = n->in[0], axis = 0;
    int64_t len = sc_ir_numel(in);
    if (aa) {
        axis = ir_axis(aa->i, in->rank);
        if (axis < 0) return ir_bad(x->err, n, "axis out of range");
        len = in->dims[axis];
    } else if ((src = ir_ex_reshape(x, src, 1, &len)) < 0)
        return ir_fail(x->err);
    size_t nc = sc_tensor_numel(cond->konst);
    if ((int64_t)nc > len) return ir_bad(x->err, n, "condition longer than the axis");
    double *keep = malloc(sizeof(double) * (nc + 1));
    if (!keep) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    int64_t k = 0;
    for (size_t i = 0; i < nc; i++)
        if (sc_tensor_get(cond->konst, i) != 0) keep[k++] = (double)i;
    int idx = k ? ir_ex_const(x, SC_T_INT64, 1, &k, keep) : -1;
    free(keep);
    if (!k) return ir_unsup(x->err, n, "condition selects nothing (empty output)");
    int gin[2] = {src, idx};
    if (idx < 0 || ir_ex_emit(x, "Gather", gin, 2, n->out[0]) < 0 ||
        sc_ir_attr_set_i(g, ir_ex_last(x), "axis", axis, x->err))
        return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- ReverseSequence: per (time, batch) source index t < len ? len-1-t : t, then a
 * GatherElements along the time axis ---- */

static sc_status ex_revseq(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *in = ir_in(g, n, 0), *sl = ir_in(g, n, 1);
    if (!in || !sl || in->rank < 2) return SC_OK;
    int ta = (int)sc_ir_attr_i(n, "time_axis", 0), ba = (int)sc_ir_attr_i(n, "batch_axis", 1);
    if (!((ta == 0 && ba == 1) || (ta == 1 && ba == 0)))
        return ir_bad(x->err, n, "time_axis/batch_axis must be 0 and 1");
    int64_t T = in->dims[ta], B = in->dims[ba], ts[2] = {1, 1}, ls[2] = {1, 1};
    ts[ta] = T, ls[ba] = B;
    double *seq = malloc(sizeof(double) * (size_t)(T + 1));
    if (!seq) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < T; i++)
        seq[i] = (double)i;
    int tio = ir_ex_const(x, SC_T_INT64, 2, ts, seq);
    free(seq);
    int one = ir_ex_scalar(x, SC_T_INT64, 1);
    int L = tio < 0 ? -1 : ir_ex_reshape(x, n->in[1], 2, ls);
    int rev = ir_ex_binary(x, "Sub", ir_ex_binary(x, "Sub", L, one), tio);
    int cond = ir_ex_binary(x, "Less", tio, L);
    int w3[3] = {cond, rev, tio};
    int idx = cond < 0 || rev < 0 ? -1 : ir_ex_emit(x, "Where", w3, 3, -1);
    if (in->rank > 2) {
        int64_t s[SC_IR_MAX_RANK];
        for (int k = 0; k < in->rank; k++)
            s[k] = k < 2 ? in->dims[k] : 1;
        idx = idx < 0 ? -1 : ir_ex_reshape(x, idx, in->rank, s);
        int shp = ir_ex_i64s(x, in->dims, in->rank);
        idx = idx < 0 || shp < 0 ? -1 : ir_ex_binary(x, "Expand", idx, shp);
    }
    int gin[2] = {n->in[0], idx};
    if (idx < 0 || ir_ex_emit(x, "GatherElements", gin, 2, n->out[0]) < 0 ||
        sc_ir_attr_set_i(g, ir_ex_last(x), "axis", ta, x->err))
        return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- Pad with a run-time constant value: pad with 0, then Where(inside-mask, y, value) ---- */

static int pad_amounts(sc_ir_graph *g, const sc_ir_node *n, int rank, int64_t *full) {
    int64_t p[2 * SC_IR_MAX_RANK], axes[SC_IR_MAX_RANK];
    int c =
        ir_ints(g, n, g->opset < 11 ? "pads" : NULL, g->opset < 11 ? -1 : 1, p, 2 * SC_IR_MAX_RANK);
    int ca = ir_ints(g, n, NULL, 3, axes, SC_IR_MAX_RANK);
    if (c < 0 || ca == -2) return -1;
    memset(full, 0, sizeof(int64_t) * 2 * (size_t)rank);
    if (ca < 0) {
        if (c != 2 * rank) return -1;
        memcpy(full, p, sizeof(int64_t) * (size_t)c);
        return 0;
    }
    if (c != 2 * ca) return -1;
    for (int i = 0; i < ca; i++) {
        int a = ir_axis(axes[i], rank);
        if (a < 0) return -1;
        full[a] = p[i], full[a + rank] = p[i + ca];
    }
    return 0;
}

static sc_status ex_pad(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *in = ir_in(g, n, 0), *cv = ir_in(g, n, 2);
    if (!in || !cv || cv->konst || in->rank < 1 || g->opset < 11) return SC_OK;
    if (strcmp(sc_ir_attr_s(n, "mode", "constant"), "constant")) return SC_OK;
    int64_t full[2 * SC_IR_MAX_RANK], od[SC_IR_MAX_RANK];
    if (pad_amounts(g, n, in->rank, full)) return SC_OK; /* the Pad inference reports it */
    int64_t total = 1;
    for (int k = 0; k < in->rank; k++) {
        od[k] = in->dims[k] + full[k] + full[k + in->rank];
        if (od[k] < 0) return ir_bad(x->err, n, "negative size");
        total *= od[k];
    }
    if (total > (1 << 24))
        return ir_unsup(x->err, n, "run-time pad value on more than 16 Mi elements");
    double *m = malloc(sizeof(double) * (size_t)(total + 1));
    if (!m) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < total; i++) {
        int64_t rem = i, inside = 1;
        for (int k = in->rank - 1; k >= 0; k--) {
            int64_t c = rem % od[k] - full[k];
            rem /= od[k];
            inside &= c >= 0 && c < in->dims[k];
        }
        m[i] = (double)inside;
    }
    int mask = ir_ex_const(x, SC_T_BOOL, in->rank, od, m);
    free(m);
    int pin[4] = {n->in[0], n->in[1], -1, n->n_in > 3 ? n->in[3] : -1};
    int y = mask < 0 ? -1 : ir_ex_emit(x, "Pad", pin, n->n_in > 3 ? 4 : 2, -1);
    int w3[3] = {mask, y, n->in[2]};
    if (y < 0 || ir_ex_emit(x, "Where", w3, 3, n->out[0]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- Einsum (einsum.c-free: transposes, diagonals by an identity mask, ReduceSum, MatMul) ---- */

typedef struct term {
    int v;
    int n;
    char lab[SC_IR_MAX_RANK];
    int64_t dims[SC_IR_MAX_RANK];
} term;

/* Parses one operand's subscripts (ellipsis -> digit labels right-aligned to maxe). */
static int parse_term(const char *s, size_t len, int rank, int maxe, term *t) {
    int letters = 0, ell = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.')
            ell = 1;
        else if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
            letters++;
        else
            return -1;
    int e = rank - letters;
    if (e < 0 || (!ell && e) || rank > SC_IR_MAX_RANK || e > maxe) return -1;
    t->n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (i + 2 >= len + 0 || s[i + 1] != '.' || s[i + 2] != '.') return -1;
            for (int k = 0; k < e; k++)
                t->lab[t->n++] = (char)('0' + maxe - e + k);
            i += 2;
        } else
            t->lab[t->n++] = s[i];
    }
    return t->n == rank ? 0 : -1;
}

static int find(const term *t, char c) {
    for (int i = 0; i < t->n; i++)
        if (t->lab[i] == c) return i;
    return -1;
}

/* Removes a repeated label by taking the diagonal: x * eye over the pair, summed over one. */
static int take_diagonal(ir_ex *x, term *t) {
    for (int p = 0; p < t->n; p++)
        for (int q = p + 1; q < t->n; q++) {
            if (t->lab[p] != t->lab[q]) continue;
            int64_t d = t->dims[p], es[SC_IR_MAX_RANK], cnt = d * d;
            double *eye = calloc((size_t)cnt + 1, sizeof(double));
            if (!eye || t->dims[q] != d) {
                free(eye);
                return -1;
            }
            for (int k = 0; k < t->n; k++)
                es[k] = k == p || k == q ? d : 1;
            for (int64_t i = 0; i < d; i++)
                eye[i * d + i] = 1;
            int e = ir_ex_const(x, x->g->vals[t->v].dtype, t->n, es, eye);
            free(eye);
            int64_t ax = q;
            t->v = ir_ex_reducesum(x, ir_ex_binary(x, "Mul", t->v, e), &ax, 1, 0);
            if (t->v < 0) return -1;
            memmove(t->lab + q, t->lab + q + 1, (size_t)(t->n - q - 1));
            memmove(t->dims + q, t->dims + q + 1, sizeof(int64_t) * (size_t)(t->n - q - 1));
            t->n--;
            q = p;
        }
    return 0;
}

/* Sums labels found in neither the other operand nor the output. */
static int sum_private(ir_ex *x, term *t, const term *other, const char *out) {
    int64_t ax[SC_IR_MAX_RANK];
    int na = 0, k = 0;
    for (int i = 0; i < t->n; i++) {
        int keep = strchr(out, t->lab[i]) || (other && find(other, t->lab[i]) >= 0);
        if (!keep) {
            ax[na++] = i;
            continue;
        }
        t->lab[k] = t->lab[i], t->dims[k] = t->dims[i], k++;
    }
    if (!na) return 0;
    t->n = k;
    t->v = ir_ex_reducesum(x, t->v, ax, na, 0);
    return t->v < 0 ? -1 : 0;
}

/* Transposes t so its labels follow `order` (a permutation of them). */
static int arrange(ir_ex *x, term *t, const char *order) {
    int64_t perm[SC_IR_MAX_RANK], nd[SC_IR_MAX_RANK];
    int ident = 1;
    for (int i = 0; i < t->n; i++) {
        perm[i] = find(t, order[i]);
        if (perm[i] < 0) return -1;
        ident &= perm[i] == i;
        nd[i] = t->dims[perm[i]];
    }
    if (ident || t->n < 2) return 0;
    t->v = ir_ex_transpose(x, t->v, t->n, perm);
    memcpy(t->lab, order, (size_t)t->n);
    memcpy(t->dims, nd, sizeof(int64_t) * (size_t)t->n);
    return t->v < 0 ? -1 : 0;
}

static int64_t dims_of(const term *t, const char *labs, int n) {
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= t->dims[find(t, labs[i])];
    return p;
}

/* A[batch, left, k] x B[batch, k, right] -> [batch, left, right] with one MatMul. */
static int contract(ir_ex *x, term *a, term *b, const char *out, term *r) {
    char bat[SC_IR_MAX_RANK], con[SC_IR_MAX_RANK], lft[SC_IR_MAX_RANK], rgt[SC_IR_MAX_RANK];
    int nb = 0, nc = 0, nl = 0, nr = 0;
    for (int i = 0; i < a->n; i++) {
        char c = a->lab[i];
        int inb = find(b, c) >= 0, ino = strchr(out, c) != NULL;
        if (inb && ino)
            bat[nb++] = c;
        else if (inb)
            con[nc++] = c;
        else
            lft[nl++] = c;
    }
    for (int i = 0; i < b->n; i++)
        if (find(a, b->lab[i]) < 0) rgt[nr++] = b->lab[i];
    if (nb + nl + nr > SC_IR_MAX_RANK - 2) return -1;
    char oa[SC_IR_MAX_RANK * 2], ob[SC_IR_MAX_RANK * 2];
    memcpy(oa, bat, (size_t)nb), memcpy(oa + nb, lft, (size_t)nl),
        memcpy(oa + nb + nl, con, (size_t)nc);
    memcpy(ob, bat, (size_t)nb), memcpy(ob + nb, con, (size_t)nc),
        memcpy(ob + nb + nc, rgt, (size_t)nr);
    if (arrange(x, a, oa) || arrange(x, b, ob)) return -1;
    int64_t sa[SC_IR_MAX_RANK], sb[SC_IR_MAX_RANK], so[SC_IR_MAX_RANK];
    for (int i = 0; i < nb; i++) {
        sa[i] = a->dims[i], sb[i] = b->dims[i];
        so[i] = sa[i] > sb[i] ? sa[i] : sb[i];
        r->lab[i] = bat[i];
        r->dims[i] = so[i];
    }
    int64_t L = dims_of(a, lft, nl), K = dims_of(a, con, nc), R = dims_of(b, rgt, nr);
    sa[nb] = L, sa[nb + 1] = K, sb[nb] = K, sb[nb + 1] = R;
    int av = ir_ex_reshape(x, a->v, nb + 2, sa), bv = ir_ex_reshape(x, b->v, nb + 2, sb);
    int mm = ir_ex_binary(x, "MatMul", av, bv);
    r->n = nb;
    for (int i = 0; i < nl; i++)
        r->lab[r->n] = lft[i], r->dims[r->n++] = a->dims[find(a, lft[i])];
    for (int i = 0; i < nr; i++)
        r->lab[r->n] = rgt[i], r->dims[r->n++] = b->dims[find(b, rgt[i])];
    r->v = mm < 0 ? -1 : ir_ex_reshape(x, mm, r->n, r->dims);
    return r->v < 0 ? -1 : 0;
}

/* Output labels: explicit after "->", else ellipsis digits then letters used once, sorted. */
static int output_labels(const char *eq, const term *t, int nt, int maxe, char *out) {
    const char *arrow = strstr(eq, "->");
    int n = 0;
    if (arrow) {
        const char *s = arrow + 2;
        for (size_t i = 0; s[i]; i++) {
            if (s[i] == '.') {
                for (int k = 0; k < maxe; k++)
                    out[n++] = (char)('0' + k);
                i += 2;
            } else
                out[n++] = s[i];
            if (n >= SC_IR_MAX_RANK) return -1;
        }
        out[n] = 0;
        return 0;
    }
    for (int k = 0; k < maxe; k++)
        out[n++] = (char)('0' + k);
    for (char c = 'A'; c <= 'z'; c++) {
        int cnt = 0;
        for (int i = 0; i < nt; i++)
            for (int j = 0; j < t[i].n; j++)
                cnt += t[i].lab[j] == c;
        if (cnt == 1 && n < SC_IR_MAX_RANK) out[n++] = c;
    }
    out[n] = 0;
    return 0;
}

static sc_status ex_einsum(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    char eq[256];
    size_t k = 0;
    for (const char *s = sc_ir_attr_s(n, "equation", ""); *s && k + 1 < sizeof eq; s++)
        if (*s != ' ') eq[k++] = *s;
    eq[k] = 0;
    if (n->n_in < 1 || n->n_in > 2) return ir_unsup(x->err, n, "more than two operands");
    term t[2];
    int maxe = 0;
    for (int i = 0; i < n->n_in; i++) {
        sc_ir_value *v = ir_in(g, n, i);
        if (!v || v->rank < 0) return SC_OK;
        maxe = v->rank > maxe ? v->rank : maxe;
    }
    const char *s = eq;
    int me = 0;
    for (int i = 0; i < n->n_in; i++) {
        size_t len = strcspn(s, ",-");
        sc_ir_value *v = ir_in(g, n, i);
        t[i].v = n->in[i];
        memcpy(t[i].dims, v->dims, sizeof(int64_t) * (size_t)v->rank);
        if (parse_term(s, len, v->rank, maxe, &t[i])) return ir_bad(x->err, n, "bad equation");
        for (int j = 0; j < t[i].n; j++)
            if (t[i].lab[j] >= '0' && t[i].lab[j] <= '9')
                me = SC_MAX(me, maxe - (t[i].lab[j] - '0'));
        s += len + (s[len] == ',');
    }
    /* digits were right-aligned to maxe; renumber so the longest ellipsis starts at '0' */
    for (int i = 0; i < n->n_in; i++)
        for (int j = 0; j < t[i].n; j++)
            if (t[i].lab[j] >= '0' && t[i].lab[j] <= '9')
                t[i].lab[j] = (char)(t[i].lab[j] - (maxe - me));
    char out[SC_IR_MAX_RANK + 1];
    if (output_labels(eq, t, n->n_in, me, out)) return ir_bad(x->err, n, "bad output subscripts");
    term *b = n->n_in > 1 ? &t[1] : NULL;
    if (take_diagonal(x, &t[0]) || (b && take_diagonal(x, b)) || sum_private(x, &t[0], b, out) ||
        (b && sum_private(x, b, &t[0], out)))
        return ir_fail(x->err);
    term r = t[0];
    if (b && contract(x, &t[0], b, out, &r)) return ir_fail(x->err);
    if ((int)strlen(out) != r.n || arrange(x, &r, out))
        return ir_bad(x->err, n, "output subscripts");
    if (ir_ex_emit(x, "Identity", &r.v, 1, n->out[0]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- TopK: k rounds of ReduceMax + ArgMax (first index on ties), the winner masked to -inf
 * for the next round; smallest = the same on -x ---- */

static int concat_axis(ir_ex *x, const int *v, int n, int axis, int out) {
    int o = ir_ex_emit(x, "Concat", v, n, out);
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", axis, x->err) ? -1 : o;
}

static sc_status ex_topk(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    sc_ir_value *in = ir_in(g, n, 0), *kv = ir_in(g, n, 1);
    if (!in || in->rank < 1) return SC_OK;
    if (kv && !kv->konst) return ir_unsup(x->err, n, "K computed at run time");
    int64_t k = kv ? (int64_t)sc_tensor_get(kv->konst, 0) : sc_ir_attr_i(n, "k", 1);
    int axis = ir_axis(sc_ir_attr_i(n, "axis", -1), in->rank),
        largest = (int)sc_ir_attr_i(n, "largest", 1);
    if (axis < 0) return ir_bad(x->err, n, "axis out of range");
    int64_t L = in->dims[axis], id[SC_IR_MAX_RANK];
    if (k < 1 || k > L) return ir_bad(x->err, n, "K out of range");
    if (k > 256) return ir_unsup(x->err, n, "K above 256 (one round per element)");
    double *seq = malloc(sizeof(double) * (size_t)(L + 1));
    if (!seq) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < in->rank; i++)
        id[i] = i == axis ? L : 1;
    for (int64_t i = 0; i < L; i++)
        seq[i] = (double)i;
    int iota = ir_ex_const(x, SC_T_INT64, in->rank, id, seq);
    free(seq);
    int low = ir_ex_scalar(x, in->dtype, sc_tdtype_is_float(in->dtype) ? -INFINITY : -2147483648.0);
    int cur = largest ? n->in[0] : ir_ex_unary(x, "Neg", n->in[0]);
    int *vals = malloc(sizeof(int) * 2 * (size_t)k), *idx;
    if (!vals) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    idx = vals + k;
    int64_t ax = axis;
    for (int64_t r = 0; r < k && cur >= 0; r++) {
        vals[r] = ir_ex_emit(x, "ReduceMax", &cur, 1, -1); /* axes as attribute: any opset */
        if (vals[r] < 0 || ir_ex_set_ints(x, "axes", &ax, 1) ||
            sc_ir_attr_set_i(g, ir_ex_last(x), "keepdims", 1, x->err))
            vals[r] = -1;
        idx[r] = ir_ex_emit(x, "ArgMax", &cur, 1, -1);
        if (vals[r] < 0 || idx[r] < 0 || sc_ir_attr_set_i(g, ir_ex_last(x), "axis", axis, x->err)) {
            cur = -1;
            break;
        }
        if (r + 1 < k) {
            int w3[3] = {ir_ex_binary(x, "Equal", iota, idx[r]), low, cur};
            cur = w3[0] < 0 ? -1 : ir_ex_emit(x, "Where", w3, 3, -1);
        }
    }
    int ok = cur >= 0;
    int v = ok ? concat_axis(x, vals, (int)k, axis, largest ? n->out[0] : -1) : -1;
    if (v >= 0 && !largest) v = ir_ex_emit(x, "Neg", &v, 1, n->out[0]);
    int i = v < 0 ? -1 : concat_axis(x, idx, (int)k, axis, n->n_out > 1 ? n->out[1] : -1);
    free(vals);
    if (i < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- dispatch ---- */

static const struct {
    const char *op;
    sc_status (*fn)(ir_ex *x, const sc_ir_node *n, int *done);
} EXPAND[] = {
    {"OneHot", ex_onehot},
    {"Einsum", ex_einsum},
    {"Compress", ex_compress},
    {"ReverseSequence", ex_revseq},
    {"Pad", ex_pad},
    {"HannWindow", ex_window},
    {"HammingWindow", ex_window},
    {"BlackmanWindow", ex_window},
    {"RNN", ir_expand_rnn},
    {"GRU", ir_expand_rnn},
    {"LSTM", ir_expand_rnn},
    {"TopK", ex_topk},
    {"DFT", ir_expand_dft},
    {"STFT", ir_expand_stft},
    {"MelWeightMatrix", ir_expand_melweight},
    {"Det", ir_expand_det},
    {"If", ir_expand_if},
    {"Loop", ir_expand_loop},
    {"Scan", ir_expand_scan},
};

sc_status ir_expand_node(sc_ir_graph *g, int i, int *done, sc_err *err) {
    *done = 0;
    sc_ir_node n = g->nodes[i]; /* copy: the node array shifts under the emitter */
    int any_out = 0;
    for (int k = 0; k < n.n_out; k++)
        any_out |= n.out[k] >= 0;
    if (*n.domain || !any_out) return SC_OK;
    for (size_t k = 0; k < SC_ARRAY_LEN(EXPAND); k++) {
        if (strcmp(EXPAND[k].op, n.op)) continue;
        ir_ex x = {g, i, err};
        if (EXPAND[k].fn(&x, &n, done) != SC_OK) return err->status;
        if (*done) g->nodes[x.pos].dead = 1;
        return SC_OK;
    }
    return SC_OK;
}
