// SPDX-License-Identifier: Apache-2.0
// NonMaxSuppression on core 0's vector unit: per (batch, class) the boxes are ranked by score
// (ties: lower index first) and gathered into that order, the IoU > threshold matrix is computed
// for every pair, and a counted loop makes the greedy choice box by box; the kept flags of every
// (batch, class, rank) are compacted into [n, 3] rows and their number is the run-time length.
#include <stdio.h>
#include <string.h>

#include "compiler/ir_expand.h"
#include "compiler/lower_dyn.h"

/* Compute-queue registers of the greedy loop (beyond the codegen scratch set). */
enum {
    R_CNT = 17,
    R_KEEP = 18,
    R_ALV = 19,
    R_AK = 20,
    R_SUP = 21,
    R_SEL = 22,
    R_N = 23,
    R_TR = 24
};
enum { Q_YMIN, Q_XMIN, Q_YMAX, Q_XMAX, Q_AREA, Q_SCORE, Q_INDEX, NQ };

typedef struct nms {
    int boxes, scores, iou, sthr, out;
    int center;
    int64_t B, C, S, M;                      /* batches, classes, boxes, max kept per class */
    uint64_t box, sco, iouv, sthv, iv;       /* inputs and the index vector */
    uint64_t q[NQ], sq[NQ], rank, ap, alive; /* per batch, sorted per class */
    uint64_t cnt, keep, trow, p1, p2, p3, tri;
    uint64_t sel, va, vb, trip, w, total; /* [B*C*S] */
} nms;

static cg_view P(const nms *z, uint64_t a) { /* a dense [S x S] plane */
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, a, {1, (int32_t)z->S, 0, 0}, -1};
    return v;
}

/* Plane d = op(a, b) over [S x S]; a and b are planes or broadcast vectors (dyn_rows/cols). */
static sc_status v2(cg *c, const nms *z, int op, uint64_t d, cg_view a, cg_view b) {
    uint32_t dims[4] = {(uint32_t)z->S, (uint32_t)z->S, 1, 1};
    cg_view dv = P(z, d);
    return cg_vec(c, 0, op, dims, &dv, &a, &b, NULL, 0, 0);
}

static sc_status v2f(cg *c, const nms *z, int op, uint64_t d, uint64_t a, float imm) {
    uint32_t dims[4] = {(uint32_t)z->S, (uint32_t)z->S, 1, 1};
    cg_view dv = P(z, d), av = P(z, a);
    return cg_vec(c, 0, op, dims, &dv, &av, NULL, NULL, imm, 0);
}

static sc_status v1(cg *c, const nms *z, int op, uint64_t d, uint64_t a, uint64_t b, float imm) {
    uint32_t dims[4] = {(uint32_t)z->S, 1, 1, 1};
    cg_view dv = dyn_vec1(d), av = dyn_vec1(a), bv = dyn_vec1(b);
    return cg_vec(c, 0, op, dims, &dv, &av, b == UINT64_MAX ? NULL : &bv, NULL, imm, 0);
}

/* Row reduction of plane p into vector out (out[k] = sum over the inner axis of row k). */
static sc_status rsum(cg *c, const nms *z, uint64_t out, uint64_t p) {
    uint32_t dims[4] = {(uint32_t)z->S, (uint32_t)z->S, 1, 1};
    cg_view o = {SC_SPACE_SPAD, SC_DTYPE_FP32, out, {0, 1, 0, 0}, -1}, a = P(z, p);
    return cg_vec(c, 0, SC_OP_VREDSUM, dims, &o, &a, NULL, NULL, 0, 0);
}

/* Batch b's boxes as [ymin, xmin, ymax, xmax] (corners in either order, or centre + size) and
 * their areas. */
static sc_status coords(cg *c, const nms *z, int64_t b) {
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    uint64_t bx = z->box + 16ull * (uint64_t)(b * z->S);
    cg_view k[4];
    for (int i = 0; i < 4; i++)
        k[i] = (cg_view){SC_SPACE_SPAD, SC_DTYPE_FP32, bx + 4ull * i, {4, 0, 0, 0}, -1};
    cg_view y0 = dyn_vec1(z->q[Q_YMIN]), x0 = dyn_vec1(z->q[Q_XMIN]), y1 = dyn_vec1(z->q[Q_YMAX]),
            x1 = dyn_vec1(z->q[Q_XMAX]), ar = dyn_vec1(z->q[Q_AREA]), t = dyn_vec1(z->trow);
    if (z->center) { /* [x_center, y_center, width, height] */
        for (int ax = 0; ax < 2; ax++) {
            cg_view *lo = ax ? &y0 : &x0, *hi = ax ? &y1 : &x1;
            if (cg_vec(c, 0, SC_OP_VMULF, d, &t, &k[2 + ax], NULL, NULL, 0.5f, 0) ||
                cg_vec(c, 0, SC_OP_VSUB, d, lo, &k[ax], &t, NULL, 0, 0) ||
                cg_vec(c, 0, SC_OP_VADD, d, hi, &k[ax], &t, NULL, 0, 0))
                return c->err->status;
        }
    } else if (cg_vec(c, 0, SC_OP_VMIN, d, &y0, &k[0], &k[2], NULL, 0, 0) ||
               cg_vec(c, 0, SC_OP_VMIN, d, &x0, &k[1], &k[3], NULL, 0, 0) ||
               cg_vec(c, 0, SC_OP_VMAX, d, &y1, &k[0], &k[2], NULL, 0, 0) ||
               cg_vec(c, 0, SC_OP_VMAX, d, &x1, &k[1], &k[3], NULL, 0, 0))
        return c->err->status;
    if (cg_vec(c, 0, SC_OP_VSUB, d, &t, &x1, &x0, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VSUB, d, &ar, &y1, &y0, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VMUL, d, &ar, &t, &ar, NULL, 0, 0))
        return c->err->status;
    return SC_OK;
}

/* Ranks the scores of (b, c) (higher first, ties by lower index) and gathers every quantity
 * into rank order through one-hot rows: sq[k] = sum_i [rank_i == k] q[i]. */
static sc_status sort_class(cg *c, const nms *z, uint64_t sc) {
    cg_view si = dyn_rows(sc), sj = dyn_cols(sc);
    if (v2(c, z, SC_OP_VGT, z->p1, sj, si) || v2(c, z, SC_OP_VEQ, z->p2, sj, si) ||
        v2(c, z, SC_OP_VMUL, z->p2, P(z, z->p2), P(z, z->tri)) ||
        v2(c, z, SC_OP_VADD, z->p1, P(z, z->p1), P(z, z->p2)) || rsum(c, z, z->rank, z->p1) ||
        v2(c, z, SC_OP_VEQ, z->p1, dyn_cols(z->rank), dyn_rows(z->iv)))
        return c->err->status;
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    cg_view s = dyn_vec1(sc), qs = dyn_vec1(z->q[Q_SCORE]), qi = dyn_vec1(z->q[Q_INDEX]),
            iv = dyn_vec1(z->iv);
    if (cg_vec(c, 0, SC_OP_VCOPY, d, &qs, &s, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VCOPY, d, &qi, &iv, NULL, NULL, 0, 0))
        return c->err->status;
    for (int k = 0; k < NQ; k++)
        if (v2(c, z, SC_OP_VMUL, z->p2, P(z, z->p1), dyn_cols(z->q[k])) ||
            rsum(c, z, z->sq[k], z->p2))
            return c->err->status;
    return SC_OK;
}

/* p3[k][l] = IoU(sorted box k, sorted box l) > threshold, with ONNX Runtime's guards: an empty
 * intersection, a non-positive area or union never suppresses. */
static sc_status iou_matrix(cg *c, const nms *z) {
    const uint64_t *q = z->sq;
    cg_view thr = dyn_scal(z->iouv);
    if (v2(c, z, SC_OP_VMAX, z->p1, dyn_rows(q[Q_YMIN]), dyn_cols(q[Q_YMIN])) ||
        v2(c, z, SC_OP_VMIN, z->p2, dyn_rows(q[Q_YMAX]), dyn_cols(q[Q_YMAX])) ||
        v2(c, z, SC_OP_VSUB, z->p1, P(z, z->p2), P(z, z->p1)) ||
        v2(c, z, SC_OP_VMAX, z->p2, dyn_rows(q[Q_XMIN]), dyn_cols(q[Q_XMIN])) ||
        v2(c, z, SC_OP_VMIN, z->p3, dyn_rows(q[Q_XMAX]), dyn_cols(q[Q_XMAX])) ||
        v2(c, z, SC_OP_VSUB, z->p2, P(z, z->p3), P(z, z->p2)) ||
        v2(c, z, SC_OP_VMUL, z->p3, P(z, z->p2), P(z, z->p1)) ||
        v2f(c, z, SC_OP_VGTF, z->p1, z->p1, 0) || v2f(c, z, SC_OP_VGTF, z->p2, z->p2, 0) ||
        v2(c, z, SC_OP_VMUL, z->p1, P(z, z->p1), P(z, z->p2)))
        return c->err->status;
    /* p1: intersection not empty; p3: intersection area */
    if (v2(c, z, SC_OP_VADD, z->p2, dyn_rows(q[Q_AREA]), dyn_cols(q[Q_AREA])) ||
        v2(c, z, SC_OP_VSUB, z->p2, P(z, z->p2), P(z, z->p3)) ||
        v2(c, z, SC_OP_VDIV, z->p3, P(z, z->p3), P(z, z->p2)) ||
        v2(c, z, SC_OP_VGT, z->p3, P(z, z->p3), thr) || v2f(c, z, SC_OP_VGTF, z->p2, z->p2, 0) ||
        v2(c, z, SC_OP_VMUL, z->p1, P(z, z->p1), P(z, z->p2)) ||
        v2(c, z, SC_OP_VMUL, z->p3, P(z, z->p3), P(z, z->p1)) ||
        v1(c, z, SC_OP_VGTF, z->ap, q[Q_AREA], UINT64_MAX, 0) ||
        v2(c, z, SC_OP_VMUL, z->p3, P(z, z->p3), dyn_rows(z->ap)) ||
        v2(c, z, SC_OP_VMUL, z->p3, P(z, z->p3), dyn_cols(z->ap)))
        return c->err->status;
    return SC_OK;
}

/* One vector instruction with register bases (the greedy loop walks its operands). */
static sc_status vreg(cg *c, int op, uint32_t n, const int32_t st[3], const int r[3], float imm) {
    sc_desc d;
    memset(&d, 0, sizeof d);
    d.kind = SC_DESC_VEC;
    d.dims[0] = n, d.dims[1] = d.dims[2] = d.dims[3] = 1;
    const sc_opinfo *oi = sc_isa_info((unsigned)op);
    int nv = oi->layout == SC_LAYOUT_VB ? 3 : 2;
    for (int i = 0; i < nv; i++) {
        d.views[i].space = SC_SPACE_SPAD, d.views[i].dtype = SC_DTYPE_FP32;
        d.views[i].core = SC_ISA_SELF, d.views[i].buffer = SC_ISA_NO_BUFFER;
        d.views[i].strides[0] = n > 1 ? st[i] : 1;
    }
    uint32_t id;
    if (sc_program_add_desc(c->p, &d, &id, c->err)) return c->err->status;
    sc_insn in = {(uint16_t)op, {id, r[0], r[1], 0, 0}};
    if (oi->layout == SC_LAYOUT_VB) in = (sc_insn){(uint16_t)op, {id, r[0], r[1], r[2], 0, 0}};
    if (oi->layout == SC_LAYOUT_VSF)
        in = (sc_insn){(uint16_t)op, {id, r[0], r[1], sc_isa_f32_bits(imm), 0, 0}};
    return cg_emit(c, 0, SC_QUEUE_COMPUTE, &in);
}

/* Greedy selection over the boxes in rank order: keep box k when it is alive (above the score
 * threshold, not suppressed) and fewer than M were kept; a kept box suppresses its row of p3. */
static sc_status greedy(cg *c, const nms *z, uint64_t sel) {
    sc_queue Q = SC_QUEUE_COMPUTE;
    uint32_t S = (uint32_t)z->S;
    static const int32_t one[3] = {1, 1, 1}, bc[3] = {1, 1, 0};
    if (cg_li(c, 0, Q, R_CNT, (int64_t)z->cnt) || cg_li(c, 0, Q, R_KEEP, (int64_t)z->keep) ||
        cg_li(c, 0, Q, R_ALV, (int64_t)z->alive) || cg_li(c, 0, Q, R_AK, (int64_t)z->alive) ||
        cg_li(c, 0, Q, R_SUP, (int64_t)z->p3) || cg_li(c, 0, Q, R_SEL, (int64_t)sel) ||
        cg_li(c, 0, Q, R_N, S) || cg_li(c, 0, Q, R_TR, (int64_t)z->trow))
        return c->err->status;
    size_t top = 0;
    sc_program_code(c->p, 0, Q, &top);
    int r_lt[3] = {R_KEEP, R_CNT, 0}, r_k[3] = {R_KEEP, R_KEEP, R_AK}, r_s[3] = {R_SEL, R_KEEP, 0},
        r_c[3] = {R_CNT, R_CNT, R_KEEP}, r_t[3] = {R_TR, R_SUP, R_KEEP},
        r_t2[3] = {R_TR, R_TR, R_ALV}, r_a[3] = {R_ALV, R_ALV, R_TR};
    if (vreg(c, SC_OP_VLTF, 1, one, r_lt, (float)z->M) || vreg(c, SC_OP_VMUL, 1, one, r_k, 0) ||
        vreg(c, SC_OP_VCOPY, 1, one, r_s, 0) || vreg(c, SC_OP_VADD, 1, one, r_c, 0) ||
        vreg(c, SC_OP_VMUL, S, bc, r_t, 0) || vreg(c, SC_OP_VMUL, S, one, r_t2, 0) ||
        vreg(c, SC_OP_VSUB, S, one, r_a, 0))
        return c->err->status;
    sc_insn a1 = {SC_OP_ADDI, {R_AK, R_AK, 4}}, a2 = {SC_OP_ADDI, {R_SUP, R_SUP, 4 * (int64_t)S}},
            a3 = {SC_OP_ADDI, {R_SEL, R_SEL, 4}}, lp = {SC_OP_LOOP, {R_N, (int64_t)top}};
    if (cg_emit(c, 0, Q, &a1) || cg_emit(c, 0, Q, &a2) || cg_emit(c, 0, Q, &a3) ||
        cg_emit(c, 0, Q, &lp))
        return c->err->status;
    return SC_OK;
}

/* (b, c): sort, IoU, greedy; its rows of the [B*C*S x 3] triple table are (b, c, box index). */
static sc_status one_class(cg *c, const nms *z, int64_t b, int64_t k) {
    uint64_t r0 = (uint64_t)((b * z->C + k) * z->S);
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    if (sort_class(c, z, z->sco + 4 * r0) || iou_matrix(c, z)) return c->err->status;
    cg_view al = dyn_vec1(z->alive), ss = dyn_vec1(z->sq[Q_SCORE]), th = dyn_scal(z->sthv);
    if (z->sthr >= 0 ? cg_vec(c, 0, SC_OP_VGT, d, &al, &ss, &th, NULL, 0, 0)
                     : dyn_fill(c, al, (uint32_t)z->S, 1.0f))
        return c->err->status;
    if (dyn_fill(c, dyn_vec1(z->cnt), 1, 0) || greedy(c, z, z->sel + 4 * r0)) return c->err->status;
    cg_view t0 = {SC_SPACE_SPAD, SC_DTYPE_FP32, z->trip + 12 * r0, {3, 0, 0, 0}, -1}, t1 = t0,
            t2 = t0, si = dyn_vec1(z->sq[Q_INDEX]);
    t1.base += 4, t2.base += 8;
    if (dyn_fill(c, t0, (uint32_t)z->S, (float)b) || dyn_fill(c, t1, (uint32_t)z->S, (float)k) ||
        cg_vec(c, 0, SC_OP_VCOPY, d, &t2, &si, NULL, NULL, 0, 0))
        return c->err->status;
    return SC_OK;
}

static sc_status nms_compute(cg *c, const nms *z) {
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1}, pd[4] = {(uint32_t)z->S, (uint32_t)z->S, 1, 1};
    cg_view iv = dyn_vec1(z->iv), tri = P(z, z->tri), t = P(z, z->p1);
    cg_view ip = {SC_SPACE_SPAD, SC_DTYPE_FP32, z->p2, {1, (int32_t)z->S, 0, 0}, -1};
    if ((z->iou < 0 && dyn_fill(c, dyn_scal(z->iouv), 1, 0)) ||
        cg_vec(c, 0, SC_OP_VIOTA, d, &iv, NULL, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VIOTA, pd, &t, NULL, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VIOTA, pd, &ip, NULL, NULL, NULL, 0, 1) ||
        cg_vec(c, 0, SC_OP_VLT, pd, &tri, &t, &ip, NULL, 0, 0)) /* tri[i][j] = j < i */
        return c->err->status;
    for (int64_t b = 0; b < z->B; b++) {
        if (coords(c, z, b)) return c->err->status;
        for (int64_t k = 0; k < z->C; k++)
            if (one_class(c, z, b, k)) return c->err->status;
    }
    uint32_t n = (uint32_t)(z->B * z->C * z->S), all[4] = {n, 1, 1, 1}, one[4] = {1, 1, 1, 1};
    uint64_t inc;
    cg_view sel = dyn_vec1(z->sel), a = dyn_vec1(z->va);
    if (cg_vec(c, 0, SC_OP_VCOPY, all, &a, &sel, NULL, NULL, 0, 0) ||
        dyn_scan(c, z->va, z->vb, n, &inc))
        return c->err->status;
    uint64_t ex = inc == z->va ? z->vb : z->va;
    cg_view e = dyn_vec1(ex), iv2 = dyn_vec1(inc), last = dyn_vec1(inc + 4ull * (n - 1)),
            tot = dyn_vec1(z->total);
    if (cg_vec(c, 0, SC_OP_VSUB, all, &e, &iv2, &sel, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VCOPY, one, &tot, &last, NULL, NULL, 0, 0))
        return c->err->status;
    return dyn_dest_words(c, z->sel, ex, inc, z->w, n);
}

static sc_status nms_plan(cg *c, nms *z) {
    dyn_sp sp = {0, c->spad};
    uint64_t S = (uint64_t)z->S, n = (uint64_t)(z->B * z->C) * S;
    z->box = dyn_alloc(&sp, (uint64_t)z->B * S * 4, 0);
    z->sco = dyn_alloc(&sp, n, 0);
    z->iouv = dyn_alloc(&sp, 1, 0), z->sthv = dyn_alloc(&sp, 1, 0);
    z->iv = dyn_alloc(&sp, S, 0), z->rank = dyn_alloc(&sp, S, 0), z->ap = dyn_alloc(&sp, S, 0);
    z->alive = dyn_alloc(&sp, S, 0), z->trow = dyn_alloc(&sp, S, 0);
    for (int k = 0; k < NQ; k++)
        z->q[k] = dyn_alloc(&sp, S, 0), z->sq[k] = dyn_alloc(&sp, S, 0);
    z->cnt = dyn_alloc(&sp, 1, 0), z->keep = dyn_alloc(&sp, 1, 0), z->total = dyn_alloc(&sp, 1, 0);
    z->sel = dyn_alloc(&sp, n, 0), z->va = dyn_alloc(&sp, n, 0), z->vb = dyn_alloc(&sp, n, 0);
    z->trip = dyn_alloc(&sp, 3 * n, 0), z->w = dyn_alloc(&sp, n, 1);
    z->p1 = dyn_alloc(&sp, S * S, 0), z->p2 = dyn_alloc(&sp, S * S, 0);
    z->p3 = dyn_alloc(&sp, S * S, 0), z->tri = dyn_alloc(&sp, S * S, 0);
    char what[96];
    snprintf(what, sizeof what, "%lld batches x %lld classes x %lld boxes", (long long)z->B,
             (long long)z->C, (long long)z->S);
    return dyn_fits(c, &sp, "NonMaxSuppression", what);
}

static sc_status nms_load(cg *c, const nms *z) {
    int src[4] = {z->boxes, z->scores, z->iou, z->sthr};
    uint64_t dst[4] = {z->box, z->sco, z->iouv, z->sthv};
    for (int k = 0; k < 4; k++) {
        if (src[k] < 0) continue;
        int64_t ne = sc_ir_numel(&c->g->vals[src[k]]);
        uint32_t d[4] = {(uint32_t)(k < 2 ? ne : 1), 1, 1, 1};
        int32_t st[4] = {1, 0, 0, 0};
        cg_view s = cg_val_view(c, src[k], 0, st), t = dyn_vec1(dst[k]);
        if (cg_dma(c, 0, SC_QUEUE_LOAD, d, &t, &s)) return c->err->status;
    }
    return SC_OK;
}

static int opt_in(const sc_ir_node *n, int k) {
    return k < n->n_in ? n->in[k] : -1;
}

static sc_status nms_setup(cg *c, const sc_ir_node *n, nms *z) {
    memset(z, 0, sizeof *z);
    z->boxes = n->in[0], z->scores = n->in[1], z->out = n->out[0];
    z->iou = opt_in(n, 3), z->sthr = opt_in(n, 4);
    z->center = (int)sc_ir_attr_i(n, "center_point_box", 0) != 0;
    const sc_ir_value *bx = &c->g->vals[z->boxes], *sc = &c->g->vals[z->scores];
    z->B = bx->dims[0], z->S = bx->dims[1], z->C = sc->dims[1];
    int64_t bc = z->B * z->C;
    z->M = bc > 0 ? c->g->vals[z->out].dims[0] / bc : 0;
    if (z->S > 4096 || z->B * z->C * z->S > (1 << 22))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                          "NonMaxSuppression with %lld boxes x %lld classes x %lld batches",
                          (long long)z->S, (long long)z->C, (long long)z->B);
    return nms_plan(c, z);
}

sc_status lower_nms(cg *c, sc_ir_node *n) {
    nms z;
    if (nms_setup(c, n, &z)) return c->err->status;
    sc_queue L = SC_QUEUE_LOAD, C = SC_QUEUE_COMPUTE, S = SC_QUEUE_STORE;
    int work = z.M > 0 && z.S > 0 && z.B * z.C > 0;
    if ((work && nms_load(c, &z)) || cg_sem(c, 0, L, SC_OP_SIGNAL, SEM_READY, 1) ||
        cg_sem(c, 0, C, SC_OP_WAIT, SEM_READY, 1))
        return c->err->status;
    if (work ? nms_compute(c, &z) : dyn_fill(c, dyn_vec1(z.total), 1, 0)) return c->err->status;
    if (cg_sem(c, 0, C, SC_OP_SIGNAL, SEM_CDONE, 1) || cg_sem(c, 0, S, SC_OP_WAIT, SEM_CDONE, 1) ||
        dyn_store_len(c, z.out, z.total))
        return c->err->status;
    if (!work) return SC_OK;
    const cg_loc *o = &c->loc[z.out];
    uint32_t d[4] = {3, 1, 1, 1};
    cg_view ov = {o->space, o->dt, 0, {1, 0, 0, 0}, -1}, tv = dyn_vec1(0);
    dyn_job job = {0, z.trip, o->off, 12, 3 * sc_isa_dtype_bytes(o->dt)};
    if (dyn_desc(c, d, &ov, &tv, &job.desc)) return c->err->status;
    return dyn_compact(c, z.w, (uint32_t)(z.B * z.C * z.S), &job, 1);
}

sc_status ir_shape_nms(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_ir_value *bx = ir_in(g, n, 0), *sc = ir_in(g, n, 1), *mx = ir_in(g, n, 2);
    sc_ir_value *y = ir_out(g, n, 0);
    if (!bx || !sc || !y)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (NonMaxSuppression): needs boxes, scores",
                          n->name);
    if (bx->rank != 3 || sc->rank != 3 || bx->dims[2] != 4 || sc->dims[0] != bx->dims[0] ||
        sc->dims[2] != bx->dims[1])
        return sc_err_set(err, SC_ERR_PARSE,
                          "node '%s' (NonMaxSuppression): boxes must be [B, S, 4] and scores "
                          "[B, C, S]",
                          n->name);
    if (mx && !mx->konst)
        return sc_err_set(err, SC_ERR_UNSUPPORTED,
                          "node '%s' (NonMaxSuppression): max_output_boxes_per_class computed at "
                          "run time",
                          n->name);
    int64_t m = mx && sc_tensor_numel(mx->konst) ? (int64_t)sc_tensor_get(mx->konst, 0) : 0;
    int64_t s = bx->dims[1], keep = m < 0 ? 0 : m < s ? m : s;
    int64_t d[2] = {bx->dims[0] * sc->dims[1] * keep, 3};
    ir_set_shape(y, SC_T_INT64, 2, d);
    y->dyn = 1;
    return SC_OK;
}
