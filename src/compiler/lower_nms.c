// SPDX-License-Identifier: Apache-2.0
// NonMaxSuppression on core 0: per (batch, class) the boxes are ranked by score
// (ties: lower index first) and gathered into that order on the vector unit,
// then a counted loop makes the greedy choice box by box, computing the IoU of
// the chosen box against all others as it goes; each class's kept boxes are
// compacted into [n, 3] rows at a running offset while the next class is
// computed, and the total is the run-time length.
#include <stdio.h>
#include <string.h>

#include "compiler/ir_expand.h"
#include "compiler/lower_dyn.h"

/* Compute-queue registers of the greedy loop (beyond the codegen scratch set).
 */
enum { R_MISC = 17, R_T = 18, R_SQ = 19, R_ALV = 20, R_BK = 21, R_AK = 22, R_SEL = 23, R_N = 24 };
/* Sorted boxes are rows of NQ words: the quantities below, in this order. */
enum { Q_YMIN, Q_XMIN, Q_YMAX, Q_XMAX, Q_AREA, Q_SCORE, Q_INDEX, Q_AP, NQ };
/* Words of the misc block: thresholds (loaded), kept count, keep flag, running
 * offset. */
enum { M_IOU, M_STH, M_CNT, M_KEEP, M_BASE, M_COUNT, M_WORDS };

typedef struct nms {
    int boxes, scores, iou, sthr, out;
    int center;
    int64_t B, C, S, M;     /* batches, classes, boxes, max kept per class */
    uint32_t R;             /* rows per ranking block */
    uint64_t tst;           /* bytes between the three T rows */
    uint64_t box, misc, iv; /* all boxes, scalars, the index vector */
    uint64_t q[5], rank, alive, sq, t, va, vb, p1, p2, tri;
    uint64_t sco[2], sel[2], trip[2], w[2]; /* per class, double buffered */
    uint32_t gid[32];                       /* greedy-loop descriptors, made by the first class */
    int ngid, gi;
} nms;

static uint64_t mw(const nms *z, int k) {
    return z->misc + 4ull * (uint64_t)k;
}

/* [rows x S] block view at a; rows and columns broadcast helpers come from
 * lower_dyn.h. */
static cg_view P(const nms *z, uint64_t a) {
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, a, {1, (int32_t)z->S, 0, 0}, -1};
    return v;
}

static sc_status blk(cg *c, const nms *z, uint32_t rows, int op, uint64_t d, cg_view a, cg_view b) {
    uint32_t dims[4] = {(uint32_t)z->S, rows, 1, 1};
    cg_view dv = P(z, d);
    return cg_vec(c, 0, op, dims, &dv, &a, &b, NULL, 0, 0);
}

/* out[r * ost] = sum over the S columns of block row r. */
static sc_status rowsum(cg *c, const nms *z, uint32_t rows, uint64_t out, int32_t ost, uint64_t p) {
    uint32_t dims[4] = {(uint32_t)z->S, rows, 1, 1};
    cg_view o = {SC_SPACE_SPAD, SC_DTYPE_FP32, out, {0, ost, 0, 0}, -1}, a = P(z, p);
    return cg_vec(c, 0, SC_OP_VREDSUM, dims, &o, &a, NULL, NULL, 0, 0);
}

/* Batch b's boxes as [ymin, xmin, ymax, xmax] (corners in either order, or
 * centre + size) and their areas. */
static sc_status coords(cg *c, const nms *z, int64_t b) {
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    uint64_t bx = z->box + 16ull * (uint64_t)(b * z->S);
    cg_view k[4];
    for (int i = 0; i < 4; i++)
        k[i] = (cg_view){SC_SPACE_SPAD, SC_DTYPE_FP32, bx + 4ull * i, {4, 0, 0, 0}, -1};
    cg_view y0 = dyn_vec1(z->q[Q_YMIN]), x0 = dyn_vec1(z->q[Q_XMIN]), y1 = dyn_vec1(z->q[Q_YMAX]),
            x1 = dyn_vec1(z->q[Q_XMAX]), ar = dyn_vec1(z->q[Q_AREA]), t = dyn_vec1(z->t);
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

/* tri[i][j] = j < i0 + i over a block (two iota planes). */
static sc_status tri_block(cg *c, const nms *z, uint32_t i0, uint32_t rows) {
    uint32_t d[4] = {(uint32_t)z->S, rows, 1, 1};
    cg_view t = P(z, z->p2), tri = P(z, z->tri);
    if (cg_vec(c, 0, SC_OP_VIOTA, d, &t, NULL, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VIOTA, d, &tri, NULL, NULL, NULL, 0, 1) ||
        cg_vec(c, 0, SC_OP_VADDF, d, &tri, &tri, NULL, NULL, (float)i0, 0))
        return c->err->status;
    return cg_vec(c, 0, SC_OP_VLT, d, &tri, &t, &tri, NULL, 0, 0);
}

/* rank[i] = #{j: s_j > s_i} + #{j < i: s_j == s_i}, block by block. */
static sc_status ranks(cg *c, const nms *z, uint64_t sc) {
    for (uint32_t i0 = 0; i0 < (uint32_t)z->S; i0 += z->R) {
        uint32_t rows = (uint32_t)z->S - i0 < z->R ? (uint32_t)z->S - i0 : z->R;
        cg_view sj = dyn_cols(sc), si = dyn_rows(sc + 4ull * i0);
        if (tri_block(c, z, i0, rows) || blk(c, z, rows, SC_OP_VGT, z->p1, sj, si) ||
            blk(c, z, rows, SC_OP_VEQ, z->p2, sj, si) ||
            blk(c, z, rows, SC_OP_VMUL, z->p2, P(z, z->p2), P(z, z->tri)) ||
            blk(c, z, rows, SC_OP_VADD, z->p1, P(z, z->p1), P(z, z->p2)) ||
            rowsum(c, z, rows, z->rank + 4ull * i0, 1, z->p1))
            return c->err->status;
    }
    return SC_OK;
}

/* Sorted row k gathers every quantity of the box ranked k: sum_i [rank_i == k]
 * q[i]. */
static sc_status gather(cg *c, const nms *z, uint64_t sc) {
    uint64_t src[Q_AP] = {z->q[0], z->q[1], z->q[2], z->q[3], z->q[4], sc, z->iv};
    for (uint32_t k0 = 0; k0 < (uint32_t)z->S; k0 += z->R) {
        uint32_t rows = (uint32_t)z->S - k0 < z->R ? (uint32_t)z->S - k0 : z->R;
        if (blk(c, z, rows, SC_OP_VEQ, z->p1, dyn_cols(z->rank), dyn_rows(z->iv + 4ull * k0)))
            return c->err->status;
        for (int q = 0; q < Q_AP; q++)
            if (blk(c, z, rows, SC_OP_VMUL, z->p2, P(z, z->p1), dyn_cols(src[q])) ||
                rowsum(c, z, rows, z->sq + 4ull * ((uint64_t)k0 * NQ + (uint64_t)q), NQ, z->p2))
                return c->err->status;
    }
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    cg_view ap = {SC_SPACE_SPAD, SC_DTYPE_FP32, z->sq + 4 * Q_AP, {NQ, 0, 0, 0}, -1}, ar = ap;
    ar.base = z->sq + 4 * Q_AREA;
    return cg_vec(c, 0, SC_OP_VGTF, d, &ap, &ar, NULL, NULL, 0, 0);
}

/* An operand of a register-based vector instruction: base register, byte
 * offset, stride. */
typedef struct vop {
    int reg;
    int64_t off;
    int32_t st;
} vop;

/* Every class emits the same instruction sequence; its descriptors (bases in
 * registers) are made once and reused by position. */
static sc_status vreg(cg *c, nms *z, int op, uint32_t n, vop d, vop a, vop b, float imm) {
    sc_desc ds;
    memset(&ds, 0, sizeof ds);
    ds.kind = SC_DESC_VEC;
    ds.dims[0] = n, ds.dims[1] = ds.dims[2] = ds.dims[3] = 1;
    const sc_opinfo *oi = sc_isa_info((unsigned)op);
    int vb = oi->layout == SC_LAYOUT_VB;
    const vop *v[3] = {&d, &a, &b};
    for (int i = 0; i < (vb ? 3 : 2); i++) {
        ds.views[i].space = SC_SPACE_SPAD, ds.views[i].dtype = SC_DTYPE_FP32;
        ds.views[i].core = SC_ISA_SELF, ds.views[i].buffer = SC_ISA_NO_BUFFER;
        ds.views[i].offset = (uint64_t)v[i]->off;
        ds.views[i].strides[0] = n > 1 || i ? v[i]->st : 1;
    }
    uint32_t id;
    if (z->gi < z->ngid) {
        id = z->gid[z->gi++];
    } else {
        if (sc_program_add_desc(c->p, &ds, &id, c->err)) return c->err->status;
        if (z->ngid < (int)SC_ARRAY_LEN(z->gid)) z->gid[z->ngid++] = id, z->gi++;
    }
    sc_insn in = {(uint16_t)op, {id, d.reg, a.reg, 0, 0}};
    if (vb) in = (sc_insn){(uint16_t)op, {id, d.reg, a.reg, b.reg, 0, 0}};
    if (oi->layout == SC_LAYOUT_VSF)
        in = (sc_insn){(uint16_t)op, {id, d.reg, a.reg, sc_isa_f32_bits(imm), 0, 0}};
    return cg_emit(c, 0, SC_QUEUE_COMPUTE, &in);
}

/* keep = alive[k] and fewer than M kept; sel[k] = keep; count += keep. */
static sc_status keep_step(cg *c, nms *z) {
    vop keep = {R_MISC, 4 * M_KEEP, 0}, cnt = {R_MISC, 4 * M_CNT, 0}, ak = {R_AK, 0, 0},
        sel = {R_SEL, 0, 0};
    if (vreg(c, z, SC_OP_VLTF, 1, keep, cnt, cnt, (float)z->M) ||
        vreg(c, z, SC_OP_VMUL, 1, keep, keep, ak, 0) ||
        vreg(c, z, SC_OP_VCOPY, 1, sel, keep, keep, 0) ||
        vreg(c, z, SC_OP_VADD, 1, cnt, cnt, keep, 0))
        return c->err->status;
    return SC_OK;
}

/* T3[l] = IoU(box k, box l) > threshold with ONNX Runtime's guards (an empty
 * intersection, a non-positive area or union never suppresses); then alive[l]
 * -= keep * T3[l] * alive[l]. */
static sc_status suppress_step(cg *c, nms *z) {
    uint32_t S = (uint32_t)z->S;
    int64_t o2 = (int64_t)z->tst, o3 = 2 * (int64_t)z->tst;
    vop t1 = {R_T, 0, 1}, t2 = {R_T, o2, 1}, t3 = {R_T, o3, 1}, alv = {R_ALV, 0, 1};
    vop thr = {R_MISC, 4 * M_IOU, 0}, keep = {R_MISC, 4 * M_KEEP, 0};
#define ALL(q)  ((vop){R_SQ, 4 * (q), NQ})
#define BOXK(q) ((vop){R_BK, 4 * (q), 0})
    if (vreg(c, z, SC_OP_VMAX, S, t1, ALL(Q_YMIN), BOXK(Q_YMIN), 0) ||
        vreg(c, z, SC_OP_VMIN, S, t2, ALL(Q_YMAX), BOXK(Q_YMAX), 0) ||
        vreg(c, z, SC_OP_VSUB, S, t1, t2, t1, 0) ||
        vreg(c, z, SC_OP_VMAX, S, t2, ALL(Q_XMIN), BOXK(Q_XMIN), 0) ||
        vreg(c, z, SC_OP_VMIN, S, t3, ALL(Q_XMAX), BOXK(Q_XMAX), 0) ||
        vreg(c, z, SC_OP_VSUB, S, t2, t3, t2, 0) || vreg(c, z, SC_OP_VMUL, S, t3, t2, t1, 0) ||
        vreg(c, z, SC_OP_VGTF, S, t1, t1, t1, 0) || vreg(c, z, SC_OP_VGTF, S, t2, t2, t2, 0) ||
        vreg(c, z, SC_OP_VMUL, S, t1, t1, t2, 0))
        return c->err->status;
    /* t1: intersection not empty; t3: intersection area */
    if (vreg(c, z, SC_OP_VADD, S, t2, BOXK(Q_AREA), ALL(Q_AREA), 0) ||
        vreg(c, z, SC_OP_VSUB, S, t2, t2, t3, 0) || vreg(c, z, SC_OP_VDIV, S, t3, t3, t2, 0) ||
        vreg(c, z, SC_OP_VGT, S, t3, t3, thr, 0) || vreg(c, z, SC_OP_VGTF, S, t2, t2, t2, 0) ||
        vreg(c, z, SC_OP_VMUL, S, t1, t1, t2, 0) || vreg(c, z, SC_OP_VMUL, S, t3, t3, t1, 0) ||
        vreg(c, z, SC_OP_VMUL, S, t3, t3, BOXK(Q_AP), 0) ||
        vreg(c, z, SC_OP_VMUL, S, t3, t3, ALL(Q_AP), 0) ||
        vreg(c, z, SC_OP_VMUL, S, t3, t3, keep, 0) || vreg(c, z, SC_OP_VMUL, S, t3, t3, alv, 0) ||
        vreg(c, z, SC_OP_VSUB, S, alv, alv, t3, 0))
        return c->err->status;
#undef ALL
#undef BOXK
    return SC_OK;
}

/* Greedy selection over the boxes in rank order: a counted loop whose registers
 * walk box k. */
static sc_status greedy(cg *c, nms *z, uint64_t sel) {
    sc_queue Q = SC_QUEUE_COMPUTE;
    if (cg_li(c, 0, Q, R_MISC, (int64_t)z->misc) || cg_li(c, 0, Q, R_T, (int64_t)z->t) ||
        cg_li(c, 0, Q, R_SQ, (int64_t)z->sq) || cg_li(c, 0, Q, R_ALV, (int64_t)z->alive) ||
        cg_li(c, 0, Q, R_BK, (int64_t)z->sq) || cg_li(c, 0, Q, R_AK, (int64_t)z->alive) ||
        cg_li(c, 0, Q, R_SEL, (int64_t)sel) || cg_li(c, 0, Q, R_N, z->S))
        return c->err->status;
    size_t top = 0;
    sc_program_code(c->p, 0, Q, &top);
    z->gi = 0;
    if (keep_step(c, z) || suppress_step(c, z)) return c->err->status;
    sc_insn a1 = {SC_OP_ADDI, {R_BK, R_BK, 4 * NQ}}, a2 = {SC_OP_ADDI, {R_AK, R_AK, 4}},
            a3 = {SC_OP_ADDI, {R_SEL, R_SEL, 4}}, lp = {SC_OP_LOOP, {R_N, (int64_t)top}};
    if (cg_emit(c, 0, Q, &a1) || cg_emit(c, 0, Q, &a2) || cg_emit(c, 0, Q, &a3) ||
        cg_emit(c, 0, Q, &lp))
        return c->err->status;
    return SC_OK;
}

/* Output slots of the class in slot s: running offset + exclusive scan of its
 * kept flags. */
static sc_status class_slots(cg *c, const nms *z, int s) {
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1}, one[4] = {1, 1, 1, 1};
    uint64_t inc;
    cg_view sel = dyn_vec1(z->sel[s]), a = dyn_vec1(z->va);
    if (cg_vec(c, 0, SC_OP_VCOPY, d, &a, &sel, NULL, NULL, 0, 0) ||
        dyn_scan(c, z->va, z->vb, (uint32_t)z->S, &inc))
        return c->err->status;
    uint64_t ex = inc == z->va ? z->vb : z->va;
    cg_view e = dyn_vec1(ex), iv = dyn_vec1(inc),
            last = dyn_vec1(inc + 4ull * (uint64_t)(z->S - 1));
    cg_view base = dyn_scal(mw(z, M_BASE)), b1 = dyn_vec1(mw(z, M_BASE));
    if (cg_vec(c, 0, SC_OP_VSUB, d, &e, &iv, &sel, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VADD, d, &e, &e, &base, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VADD, one, &b1, &b1, &last, NULL, 0, 0))
        return c->err->status;
    return dyn_dest_words(c, z->sel[s], ex, inc, z->w[s], (uint32_t)z->S);
}

/* (b, k) in slot s: rank, gather, greedy; its rows of the triple table are (b,
 * k, box index). */
static sc_status one_class(cg *c, nms *z, int64_t b, int64_t k, int s) {
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    if (ranks(c, z, z->sco[s]) || gather(c, z, z->sco[s])) return c->err->status;
    cg_view al = dyn_vec1(z->alive), th = dyn_scal(mw(z, M_STH));
    cg_view ss = {SC_SPACE_SPAD, SC_DTYPE_FP32, z->sq + 4 * Q_SCORE, {NQ, 0, 0, 0}, -1}, si = ss;
    si.base = z->sq + 4 * Q_INDEX;
    if (z->sthr >= 0 ? cg_vec(c, 0, SC_OP_VGT, d, &al, &ss, &th, NULL, 0, 0)
                     : dyn_fill(c, al, (uint32_t)z->S, 1.0f))
        return c->err->status;
    if (dyn_fill(c, dyn_vec1(mw(z, M_CNT)), 1, 0) || greedy(c, z, z->sel[s])) return c->err->status;
    cg_view t0 = {SC_SPACE_SPAD, SC_DTYPE_FP32, z->trip[s], {3, 0, 0, 0}, -1}, t1 = t0, t2 = t0;
    t1.base += 4, t2.base += 8;
    if (dyn_fill(c, t0, (uint32_t)z->S, (float)b) || dyn_fill(c, t1, (uint32_t)z->S, (float)k) ||
        cg_vec(c, 0, SC_OP_VCOPY, d, &t2, &si, NULL, NULL, 0, 0))
        return c->err->status;
    return class_slots(c, z, s);
}

/* Store side of one class: move its kept rows to their slots. */
static sc_status class_store(cg *c, const nms *z, int s) {
    const cg_loc *o = &c->loc[z->out];
    uint32_t d[4] = {3, 1, 1, 1};
    cg_view ov = {o->space, o->dt, 0, {1, 0, 0, 0}, -1}, tv = dyn_vec1(0);
    dyn_job job = {0, z->trip[s], o->off, 12, 3 * sc_isa_dtype_bytes(o->dt)};
    if (cg_dma_desc(c, d, &ov, &tv, &job.desc)) return c->err->status;
    return dyn_compact(c, z->w[s], (uint32_t)z->S, &job, 1);
}

/* Load queue: class t's score row into slot t % 2 (after all boxes, before the
 * first). */
static sc_status class_load(cg *c, const nms *z, int64_t t) {
    int32_t st[4] = {1, 0, 0, 0};
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    cg_view src = cg_val_view(c, z->scores, (uint64_t)(t * z->S), st),
            dst = dyn_vec1(z->sco[t % 2]);
    return cg_dma(c, 0, SC_QUEUE_LOAD, d, &dst, &src);
}

/* Classes flow through a double-buffered pipeline on core 0: load scores,
 * compute, compact. */
static sc_status nms_classes(cg *c, nms *z) {
    sc_queue L = SC_QUEUE_LOAD, C = SC_QUEUE_COMPUTE, S = SC_QUEUE_STORE;
    int64_t n = z->B * z->C;
    for (int64_t t = 0; t < n; t++) {
        int s = (int)(t % 2);
        if ((t >= 2 && cg_sem(c, 0, L, SC_OP_WAIT, SEM_FREE, 1)) || class_load(c, z, t) ||
            cg_sem(c, 0, L, SC_OP_SIGNAL, SEM_READY, 1) ||
            cg_sem(c, 0, C, SC_OP_WAIT, SEM_READY, 1))
            return c->err->status;
        if ((t % z->C == 0 && coords(c, z, t / z->C)) ||
            (t >= 2 && cg_sem(c, 0, C, SC_OP_WAIT, SEM_CFREE, 1)) ||
            one_class(c, z, t / z->C, t % z->C, s) || cg_sem(c, 0, C, SC_OP_SIGNAL, SEM_FREE, 1) ||
            cg_sem(c, 0, C, SC_OP_SIGNAL, SEM_CDONE, 1))
            return c->err->status;
        if (cg_sem(c, 0, S, SC_OP_WAIT, SEM_CDONE, 1) || class_store(c, z, s) ||
            cg_sem(c, 0, S, SC_OP_SIGNAL, SEM_CFREE, 1))
            return c->err->status;
    }
    int left = n < 2 ? (int)n : 2; /* drain: every semaphore back to 0 */
    if (cg_sem(c, 0, L, SC_OP_WAIT, SEM_FREE, left) || cg_sem(c, 0, C, SC_OP_WAIT, SEM_CFREE, left))
        return c->err->status;
    return SC_OK;
}

/* Rows per ranking block: the most whose three [rows x S] planes fit after the
 * vectors. */
static sc_status nms_plan(cg *c, nms *z) {
    dyn_sp sp = {0, c->spad};
    uint64_t S = (uint64_t)z->S;
    z->box = dyn_alloc(&sp, (uint64_t)z->B * S * 4, 0);
    z->misc = dyn_alloc(&sp, M_WORDS, 0);
    z->iv = dyn_alloc(&sp, S, 0), z->rank = dyn_alloc(&sp, S, 0), z->alive = dyn_alloc(&sp, S, 0);
    for (int k = 0; k < 5; k++)
        z->q[k] = dyn_alloc(&sp, S, 0);
    z->sq = dyn_alloc(&sp, S * NQ, 0);
    z->tst = (S * 4 + 63) / 64 * 64;
    z->t = dyn_alloc(&sp, 3 * z->tst / 4, 0);
    z->va = dyn_alloc(&sp, S, 0), z->vb = dyn_alloc(&sp, S, 0);
    for (int s = 0; s < 2; s++) {
        z->sco[s] = dyn_alloc(&sp, S, 0), z->sel[s] = dyn_alloc(&sp, S, 0);
        z->trip[s] = dyn_alloc(&sp, 3 * S, 0), z->w[s] = dyn_alloc(&sp, S, 1);
    }
    char what[96];
    snprintf(what, sizeof what, "%lld batches x %lld boxes", (long long)z->B, (long long)z->S);
    uint64_t row = (S * 4 + 63) / 64 * 64;
    uint64_t rows = sp.top + 3 * row <= sp.cap ? (sp.cap - sp.top) / (3 * row) : 0;
    z->R = (uint32_t)(rows < S ? rows : S);
    if (!z->R) sp.top += 3 * row; /* not one row of each plane: reported below */
    z->p1 = dyn_alloc(&sp, z->R * S, 0), z->p2 = dyn_alloc(&sp, z->R * S, 0);
    z->tri = dyn_alloc(&sp, z->R * S, 0);
    return dyn_fits(c, &sp, "NonMaxSuppression", what);
}

static sc_status nms_load(cg *c, const nms *z) {
    int src[3] = {z->boxes, z->iou, z->sthr};
    uint64_t dst[3] = {z->box, mw(z, M_IOU), mw(z, M_STH)};
    for (int k = 0; k < 3; k++) {
        if (src[k] < 0) continue;
        uint32_t d[4] = {(uint32_t)(k ? 1 : sc_ir_numel(&c->g->vals[src[k]])), 1, 1, 1};
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
    if (z->S > (1 << 16) || bc > (1 << 20))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                          "NonMaxSuppression with %lld boxes x %lld classes x %lld batches",
                          (long long)z->S, (long long)z->C, (long long)z->B);
    return nms_plan(c, z);
}

/* Compute-side set-up: the index vector and a missing IoU threshold (0); the
 * running offset. */
static sc_status nms_init(cg *c, const nms *z) {
    uint32_t d[4] = {(uint32_t)z->S, 1, 1, 1};
    cg_view iv = dyn_vec1(z->iv);
    if ((z->iou < 0 && dyn_fill(c, dyn_vec1(mw(z, M_IOU)), 1, 0)) ||
        cg_vec(c, 0, SC_OP_VIOTA, d, &iv, NULL, NULL, NULL, 0, 0))
        return c->err->status;
    return dyn_fill(c, dyn_vec1(mw(z, M_BASE)), 1, 0);
}

sc_status lower_nms(cg *c, sc_ir_node *n) {
    nms z;
    if (nms_setup(c, n, &z)) return c->err->status;
    if (!(z.M > 0 && z.S > 0 && z.B * z.C > 0)) { /* nothing can be kept: the length is 0 */
        if (dyn_fill(c, dyn_vec1(mw(&z, M_BASE)), 1, 0) ||
            cg_sem(c, 0, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CDONE, 1) ||
            cg_sem(c, 0, SC_QUEUE_STORE, SC_OP_WAIT, SEM_CDONE, 1))
            return c->err->status;
        return dyn_store_len(c, z.out, mw(&z, M_BASE));
    }
    if (nms_load(c, &z) || nms_init(c, &z) || nms_classes(c, &z)) return c->err->status;
    /* the store queue passed the last class's CDONE: the running offset is final
     */
    return dyn_store_len(c, z.out, mw(&z, M_BASE));
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
