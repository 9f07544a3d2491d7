// SPDX-License-Identifier: Apache-2.0
// Unique (with and without axis, sorted=1 and first-occurrence order) on core 0's vector unit:
// an enumeration sort. Pairwise key comparisons [rows i x cols j] give each key its occurrence
// count, whether it is the first occurrence and its output slot; a compaction loop moves the kept
// slices, and the number of unique keys becomes the outputs' run-time length.
#include <stdio.h>
#include <string.h>

#include "compiler/ir_expand.h"
#include "compiler/lower_dyn.h"

#define MAX_KEYS 65536 /* n^2 comparisons on one core's vector unit */

typedef struct uq {
    int x, y, idx, inv, cnt; /* values; -1 for outputs not asked for */
    int sorted;
    uint32_t n, L;     /* keys and elements per key */
    int64_t pre, post; /* the key's slice: [pre x post] around the axis */
    uint32_t bi;       /* rows per comparison block */
    uint64_t k, nan, first, count, pos, iota, va, vb, w, u; /* vectors */
    uint64_t eq, lt, tmp, tri;                              /* [bi x n] planes */
} uq;

static cg_view plane(const uq *q, uint64_t a) { /* [rows x n], row-major */
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, a, {1, (int32_t)q->n, 0, 0}, -1};
    return v;
}

/* Key component cc of every column key j ({L, 0}) and of row key i0 + i ({0, L}). */
static cg_view key_col(const uq *q, uint32_t cc) {
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, q->k + 4ull * cc, {(int32_t)q->L, 0, 0, 0}, -1};
    return v;
}

static cg_view key_row(const uq *q, uint32_t i0, uint32_t cc) {
    cg_view v = {SC_SPACE_SPAD,
                 SC_DTYPE_FP32,
                 q->k + 4ull * ((uint64_t)i0 * q->L + cc),
                 {0, (int32_t)q->L, 0, 0},
                 -1};
    return v;
}

/* One key component as NumPy's unique orders it: NaN equals NaN and sorts after every number.
 * x (the TRI plane, free while comparing) = both NaN; eq = (a == b) + x; for lt, x becomes
 * "row NaN, column not" and lt = (a < b) + x. IEEE comparisons with NaN give 0. */
static sc_status component(cg *c, const uq *q, uint32_t i0, uint32_t rows, uint32_t cc, int less,
                           const cg_view *dst) {
    uint32_t d[4] = {q->n, rows, 1, 1};
    cg_view a = key_col(q, cc), b = key_row(q, i0, cc), x = plane(q, q->tri);
    cg_view na = a, nb = b;
    na.base += q->nan - q->k, nb.base += q->nan - q->k;
    if (cg_vec(c, 0, SC_OP_VMUL, d, &x, &na, &nb, NULL, 0, 0) ||
        (less && cg_vec(c, 0, SC_OP_VSUB, d, &x, &nb, &x, NULL, 0, 0)) ||
        cg_vec(c, 0, less ? SC_OP_VLT : SC_OP_VEQ, d, dst, &a, &b, NULL, 0, 0))
        return c->err->status;
    return cg_vec(c, 0, SC_OP_VADD, d, dst, dst, &x, NULL, 0, 0);
}

/* EQ[i][j] = key_j == key_i, LT[i][j] = key_j < key_i (lexicographic, first component most
 * significant: the last component decides only where all earlier ones are equal). */
static sc_status compare(cg *c, const uq *q, uint32_t i0, uint32_t rows) {
    uint32_t d[4] = {q->n, rows, 1, 1};
    cg_view eq = plane(q, q->eq), lt = plane(q, q->lt), t = plane(q, q->tmp);
    if (component(c, q, i0, rows, q->L - 1, 1, &lt) || component(c, q, i0, rows, q->L - 1, 0, &eq))
        return c->err->status;
    for (uint32_t cc = q->L - 1; cc-- > 0;)
        if (component(c, q, i0, rows, cc, 0, &t) ||
            cg_vec(c, 0, SC_OP_VMUL, d, &lt, &lt, &t, NULL, 0, 0) ||
            cg_vec(c, 0, SC_OP_VMUL, d, &eq, &eq, &t, NULL, 0, 0) ||
            component(c, q, i0, rows, cc, 1, &t) ||
            cg_vec(c, 0, SC_OP_VADD, d, &lt, &lt, &t, NULL, 0, 0))
            return c->err->status;
    return SC_OK;
}

/* Row sums of plane p (optionally times the column vector col) into out[i0 ..). */
static sc_status rowsum(cg *c, const uq *q, uint64_t p, uint64_t col, uint32_t rows, uint64_t out) {
    uint32_t d[4] = {q->n, rows, 1, 1};
    cg_view src = plane(q, p), t = plane(q, q->tmp), cv = dyn_cols(col);
    cg_view o = {SC_SPACE_SPAD, SC_DTYPE_FP32, out, {0, 1, 0, 0}, -1};
    if (col != UINT64_MAX && cg_vec(c, 0, SC_OP_VMUL, d, &t, &src, &cv, NULL, 0, 0))
        return c->err->status;
    cg_view r = col != UINT64_MAX ? t : src;
    return cg_vec(c, 0, SC_OP_VREDSUM, d, &o, &r, NULL, NULL, 0, 0);
}

/* First pass over rows i0..: occurrence counts and first-occurrence flags (no equal key j < i). */
static sc_status pass_first(cg *c, const uq *q, uint32_t i0, uint32_t rows) {
    uint32_t d[4] = {q->n, rows, 1, 1}, v[4] = {rows, 1, 1, 1};
    cg_view tri = plane(q, q->tri), t = plane(q, q->tmp), eq = plane(q, q->eq);
    cg_view ip = {SC_SPACE_SPAD, SC_DTYPE_FP32, q->tri, {1, (int32_t)q->n, 0, 0}, -1};
    /* TRI = j < i0 + i from two index planes (iota along each axis) */
    if (cg_vec(c, 0, SC_OP_VIOTA, d, &t, NULL, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VIOTA, d, &ip, NULL, NULL, NULL, 0, 1) ||
        cg_vec(c, 0, SC_OP_VADDF, d, &tri, &tri, NULL, NULL, (float)i0, 0) ||
        cg_vec(c, 0, SC_OP_VLT, d, &tri, &t, &tri, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VMUL, d, &t, &eq, &tri, NULL, 0, 0))
        return c->err->status;
    cg_view before = {SC_SPACE_SPAD, SC_DTYPE_FP32, q->va + 4ull * i0, {0, 1, 0, 0}, -1};
    cg_view bv = dyn_vec1(q->va + 4ull * i0), fv = dyn_vec1(q->first + 4ull * i0);
    if (cg_vec(c, 0, SC_OP_VREDSUM, d, &before, &t, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VEQF, v, &fv, &bv, NULL, NULL, 0, 0))
        return c->err->status;
    return rowsum(c, q, q->eq, UINT64_MAX, rows, q->count + 4ull * i0);
}

/* Every key's output slot (also its inverse index): sorted, the number of distinct smaller
 * keys; else the number of first occurrences before its own first occurrence. */
static sc_status slots(cg *c, const uq *q) {
    uint32_t v[4] = {q->n, 1, 1, 1};
    uint64_t wt = q->va; /* column weights: FIRST (sorted) or FIRST * exclusive position */
    if (q->sorted) {
        wt = q->first;
    } else {
        uint64_t inc;
        cg_view a = dyn_vec1(q->va), f = dyn_vec1(q->first);
        if (cg_vec(c, 0, SC_OP_VCOPY, v, &a, &f, NULL, NULL, 0, 0) ||
            dyn_scan(c, q->va, q->vb, q->n, &inc))
            return c->err->status;
        cg_view iv = dyn_vec1(inc), ex = dyn_vec1(q->w); /* w is free until the words */
        if (cg_vec(c, 0, SC_OP_VSUB, v, &ex, &iv, &f, NULL, 0, 0) ||
            cg_vec(c, 0, SC_OP_VMUL, v, &a, &ex, &f, NULL, 0, 0))
            return c->err->status;
    }
    for (uint32_t i0 = 0; i0 < q->n; i0 += q->bi) {
        uint32_t rows = q->n - i0 < q->bi ? q->n - i0 : q->bi;
        if ((q->bi < q->n && compare(c, q, i0, rows)) ||
            rowsum(c, q, q->sorted ? q->lt : q->eq, wt, rows, q->pos + 4ull * i0))
            return c->err->status;
    }
    return SC_OK;
}

static sc_status uq_compute(cg *c, const uq *q) {
    uint32_t v[4] = {q->n, 1, 1, 1};
    uint32_t all[4] = {q->n * q->L, 1, 1, 1};
    cg_view kv = dyn_vec1(q->k), nv = dyn_vec1(q->nan);
    if (cg_vec(c, 0, SC_OP_VNE, all, &nv, &kv, &kv, NULL, 0, 0)) /* x != x: NaN */
        return c->err->status;
    for (uint32_t i0 = 0; i0 < q->n; i0 += q->bi) {
        uint32_t rows = q->n - i0 < q->bi ? q->n - i0 : q->bi;
        if (compare(c, q, i0, rows) || pass_first(c, q, i0, rows)) return c->err->status;
    }
    cg_view io = dyn_vec1(q->iota), f = dyn_vec1(q->first), u = dyn_vec1(q->u);
    u.st[0] = 0; /* the reduction writes index 0 only */
    if (slots(c, q) || cg_vec(c, 0, SC_OP_VIOTA, v, &io, NULL, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VREDSUM, v, &u, &f, NULL, NULL, 0, 0))
        return c->err->status;
    return dyn_dest_words(c, q->first, q->pos, q->va, q->w, q->n);
}

/* Store queue: lengths, inverse indices (static shape), then the kept keys, indices, counts. */
static sc_status uq_store(cg *c, const uq *q) {
    int outs[3] = {q->y, q->idx, q->cnt};
    for (int k = 0; k < 3; k++)
        if (outs[k] >= 0 && dyn_store_len(c, outs[k], q->u)) return c->err->status;
    if (!q->n) return SC_OK;
    if (q->inv >= 0) {
        uint32_t d[4] = {q->n, 1, 1, 1};
        int32_t st[4] = {1, 0, 0, 0};
        cg_view dst = cg_val_view(c, q->inv, 0, st), src = dyn_vec1(q->pos);
        if (cg_dma(c, 0, SC_QUEUE_STORE, d, &dst, &src)) return c->err->status;
    }
    const cg_loc *xl = &c->loc[q->x], *yl = &c->loc[q->y];
    int64_t stx = q->post * sc_isa_dtype_bytes(xl->dt), sty = q->post * sc_isa_dtype_bytes(yl->dt);
    dyn_job jobs[3];
    int nj = 0;
    uint32_t kd[4] = {(uint32_t)q->post, (uint32_t)q->pre, 1, 1}, one[4] = {1, 1, 1, 1};
    int32_t row = (int32_t)((int64_t)q->n * q->post);
    cg_view ys = {yl->space, yl->dt, 0, {1, row, 0, 0}, -1},
            xs = {xl->space, xl->dt, 0, {1, row, 0, 0}, -1};
    jobs[nj] = (dyn_job){0, xl->off, yl->off, stx, sty}; /* the key's slice, bit for bit */
    if (cg_dma_desc(c, kd, &ys, &xs, &jobs[nj++].desc)) return c->err->status;
    int small[2] = {q->idx, q->cnt};
    uint64_t from[2] = {q->iota, q->count};
    for (int k = 0; k < 2; k++) {
        if (small[k] < 0) continue;
        const cg_loc *l = &c->loc[small[k]];
        cg_view dv = {l->space, l->dt, 0, {1, 0, 0, 0}, -1}, sv = dyn_vec1(0);
        jobs[nj] = (dyn_job){0, from[k], l->off, 4, sc_isa_dtype_bytes(l->dt)};
        if (cg_dma_desc(c, one, &dv, &sv, &jobs[nj++].desc)) return c->err->status;
    }
    return dyn_compact(c, q->w, q->n, jobs, nj);
}

/* Rows per block: the largest count whose four [rows x n] planes fit after the vectors. */
static sc_status uq_plan(cg *c, uq *q) {
    dyn_sp sp = {0, c->spad};
    q->k = dyn_alloc(&sp, (uint64_t)q->n * q->L, 0);
    q->nan = dyn_alloc(&sp, (uint64_t)q->n * q->L, 0);
    uint64_t *vec[8] = {&q->first, &q->count, &q->pos, &q->iota, &q->va, &q->vb, &q->u, &q->w};
    for (int i = 0; i < 8; i++)
        *vec[i] = dyn_alloc(&sp, q->n ? q->n : 1, i == 7);
    char what[80];
    snprintf(what, sizeof what, "%u keys of %u elements", q->n, q->L);
    uint64_t row = ((uint64_t)q->n * 4 + 63) / 64 * 64;
    if (sp.top + 4 * row > sp.cap) {
        sp.top += 4 * row; /* not even one row of each plane */
        return dyn_fits(c, &sp, "Unique", what);
    }
    uint64_t bi = (sp.cap - sp.top) / (4 * row);
    q->bi = (uint32_t)(bi < q->n ? bi : q->n ? q->n : 1);
    uint64_t *pl[4] = {&q->eq, &q->lt, &q->tmp, &q->tri};
    for (int i = 0; i < 4; i++)
        *pl[i] = dyn_alloc(&sp, (uint64_t)q->bi * (q->n ? q->n : 1), 0);
    return dyn_fits(c, &sp, "Unique", what);
}

static sc_status uq_setup(cg *c, const sc_ir_node *n, uq *q) {
    memset(q, 0, sizeof *q);
    q->x = n->in[0];
    int *o[4] = {&q->y, &q->idx, &q->inv, &q->cnt};
    for (int k = 0; k < 4; k++)
        *o[k] = k < n->n_out ? n->out[k] : -1;
    q->sorted = (int)sc_ir_attr_i(n, "sorted", 1) != 0;
    const sc_ir_value *x = &c->g->vals[q->x];
    int64_t ne = sc_ir_numel(x), keys = ne;
    q->pre = 1, q->post = 1;
    if (sc_ir_attr_get(n, "axis")) {
        int a = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
        if (a < 0) return sc_err_set(c->err, SC_ERR_PARSE, "axis out of range");
        keys = x->dims[a];
        for (int i = 0; i < x->rank; i++)
            *(i < a ? &q->pre : &q->post) *= i == a ? 1 : x->dims[i];
    }
    if (keys > MAX_KEYS)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "Unique over %lld keys (limit %d)",
                          (long long)keys, MAX_KEYS);
    q->n = (uint32_t)keys;
    q->L = (uint32_t)(q->pre * q->post);
    if (q->y < 0) return sc_err_set(c->err, SC_ERR_PARSE, "Unique without output Y");
    return uq_plan(c, q);
}

sc_status lower_unique(cg *c, sc_ir_node *n) {
    uq q;
    if (uq_setup(c, n, &q)) return c->err->status;
    sc_queue L = SC_QUEUE_LOAD, C = SC_QUEUE_COMPUTE, S = SC_QUEUE_STORE;
    if (q.n && q.L) { /* key i = the slice at axis index i, as [pre x post] */
        const cg_loc *xl = &c->loc[q.x];
        int32_t row = (int32_t)((int64_t)q.n * q.post);
        uint32_t d[4] = {(uint32_t)q.post, (uint32_t)q.pre, q.n, 1};
        cg_view src = {xl->space, xl->dt, xl->off, {1, row, (int32_t)q.post, 0}, -1};
        cg_view dst = {
            SC_SPACE_SPAD, SC_DTYPE_FP32, q.k, {1, (int32_t)q.post, (int32_t)q.L, 0}, -1};
        if (cg_dma(c, 0, L, d, &dst, &src)) return c->err->status;
    }
    if (cg_sem(c, 0, L, SC_OP_SIGNAL, SEM_READY, 1) || cg_sem(c, 0, C, SC_OP_WAIT, SEM_READY, 1))
        return c->err->status;
    if (q.n && q.L ? uq_compute(c, &q) : dyn_fill(c, dyn_vec1(q.u), 1, 0)) return c->err->status;
    if (cg_sem(c, 0, C, SC_OP_SIGNAL, SEM_CDONE, 1) || cg_sem(c, 0, S, SC_OP_WAIT, SEM_CDONE, 1))
        return c->err->status;
    if (!q.L) q.n = 0; /* empty keys: nothing to compare, every key equal; left out */
    return uq_store(c, &q);
}

sc_status ir_shape_unique(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_ir_value *x = ir_in(g, n, 0);
    if (!x || !ir_out(g, n, 0))
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (Unique): needs X and Y", n->name);
    if (x->rank < 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (Unique): unknown input shape",
                          n->name);
    int has_axis = sc_ir_attr_get(n, "axis") != NULL;
    int a = has_axis ? ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank) : 0;
    if (has_axis && a < 0)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (Unique): axis out of range", n->name);
    int64_t keys = has_axis ? x->dims[a] : sc_ir_numel(x);
    sc_ir_value *y = ir_out(g, n, 0);
    if (has_axis)
        ir_set_shape(y, x->dtype, x->rank, x->dims);
    else
        ir_set_shape(y, x->dtype, 1, &keys);
    y->dyn = 1 + a; /* the bound: every key distinct */
    for (int k = 1; k < 4; k++) {
        sc_ir_value *o = ir_out(g, n, k);
        if (!o) continue;
        ir_set_shape(o, SC_T_INT64, 1, &keys);
        o->dyn = k == 2 ? 0 : 1; /* inverse_indices has one entry per key: static */
    }
    return SC_OK;
}
