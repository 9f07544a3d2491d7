// SPDX-License-Identifier: Apache-2.0
// MatMulInteger, QLinearMatMul and QuantMatMul (a fused QDQ MatMul) on the int8 MMA: 8-bit
// operands offset into int8, exact int32 products, zero points by row/column-sum corrections,
// then requantisation (QLinearMatMul) or dequantisation (QuantMatMul) on the vector unit.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"

enum { QM_INT, QM_REQUANT, QM_DEQUANT };

/* A small per-row/per-column operand (zero point or scale) loaded as an fp32 vector: a value
 * (v >= 0) or an fp32 array in the constants blob (coff); per: one element per row/column (else
 * one for all); sub: subtracted after the load (the int8 offset of the operand). */
typedef struct qv {
    int v, per;
    uint64_t coff;
    float sub;
} qv;

typedef struct qmm {
    const sc_ir_node *n;
    int mode, a, b, out, bias;
    qv na, nb, sa, sb, sy, zy; /* na/nb: zero point minus the int8 offset (na = za - oa) */
    qv cbs;                    /* constant B: its column sums, made at compile time */
    qv wc, sc; /* folded at compile time: na * column sums (w_const), the scales (s_const) */
    int w_const, s_const;
    int a_float;  /* QuantMatMul: A is float, quantised in its conversion phase */
    float xs, xz; /* that quantisation: scale and zero point */
    int oa, ob;   /* offsets that make 8-bit values int8 (128 for uint8) */
    int b_const, need_ra, need_cb, direct_a, direct_b;
    float lo, hi; /* requantisation range */
    int64_t M, N, K, tm, tn, mt, nt;
    cg_mm_batch bt; /* batch axes */
    int64_t bias_st[2];
    uint64_t qa_off, qb_off, qw_off, ones_off;
    cg_slot L;        /* slot regions QS_* */
    uint64_t v_bytes; /* one fp32 vector of the QS_V region */
} qmm;

/* fp32 vectors of a slot, each v_bytes */
enum { V_NA, V_NB, V_RA, V_CB, V_P, V_W, V_SA, V_SB, V_SY, V_ZY, V_COUNT };

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

int lower_is_qmatmul(const char *op) {
    return !strcmp(op, "MatMulInteger") || !strcmp(op, "QLinearMatMul") ||
           !strcmp(op, "QuantMatMul");
}

/* ---- slot layout: A' | B' | ones | C | T | bias (when present) | vectors ---- */

enum { QS_A, QS_B, QS_ONES, QS_C, QS_T, QS_BIAS, QS_V, QS_REGIONS };

static uint64_t s_v(const qmm *q, int slot, int which) {
    return cg_slot_at(&q->L, slot, QS_V) + (uint64_t)which * q->v_bytes;
}

/* ---- operand conversion phase: x (int32 or fp32 in HBM) -> int8 in scratch HBM ---- */

/* quant: QuantizeLinear with q->xs/xz first (QuantMatMul's A); off: the int8 offset. */
static sc_status convert_phase(cg *c, const qmm *q, int v, int quant, float off, uint64_t dst) {
    cg_i8conv k = {quant ? CG_I8_QUANT : CG_I8_SUB, q->xs, q->xz, off};
    return cg_int8_convert(c, v, &k, dst);
}

/* ---- tiles ---- */

static void tile_of(const qmm *q, uint64_t t, int64_t *bi, int64_t *m0, int64_t *n0) {
    *n0 = (int64_t)(t % (uint64_t)q->nt) * q->tn;
    t /= (uint64_t)q->nt;
    *m0 = (int64_t)(t % (uint64_t)q->mt) * q->tm;
    *bi = (int64_t)(t / (uint64_t)q->mt);
}

/* Loads vector operand v (elements first.. of its row/column range) into slot vector `which`. */
static sc_status load_vec(cg *c, const qmm *q, int core, int slot, int which, const qv *v,
                          int64_t first, uint32_t len) {
    uint32_t d[4] = {len, 1, 1, 1};
    int32_t st[4] = {v->per ? 1 : 0, 0, 0, 0};
    uint64_t e = v->per ? (uint64_t)first : 0;
    cg_view src = {SC_SPACE_CONST, SC_DTYPE_FP32, v->coff + e * 4, {st[0], 0, 0, 0}, -1};
    if (v->v >= 0) src = cg_val_view(c, v->v, e, st);
    cg_view dst = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, which));
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

static sc_status load_a(cg *c, const qmm *q, int core, int slot, int64_t ao, int64_t m0,
                        uint32_t rm) {
    uint32_t d[4] = {(uint32_t)q->K, rm, 1, 1};
    int32_t st[4] = {1, (int32_t)q->K, 0, 0};
    uint64_t e = (uint64_t)(ao + m0 * q->K);
    cg_view src = {SC_SPACE_HBM, SC_DTYPE_INT8, q->qa_off + e, {st[0], st[1], 0, 0}, -1};
    if (q->direct_a) src = cg_val_view(c, q->a, e, st); /* int32 -> int8 by the DMA, exact */
    cg_view dst = cg_spad(SC_DTYPE_INT8, cg_slot_at(&q->L, slot, QS_A), d);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

static sc_status load_b(cg *c, const qmm *q, int core, int slot, int64_t bo, int64_t n0,
                        uint32_t rn) {
    uint32_t K = (uint32_t)q->K;
    if (q->b_const) { /* [N x K] int8 constant, read with tb */
        uint32_t d[4] = {K, rn, 1, 1};
        cg_view src = {
            SC_SPACE_CONST, SC_DTYPE_INT8, q->qw_off + (uint64_t)(n0 * q->K), {1, (int32_t)K}, -1};
        cg_view dst = cg_spad(SC_DTYPE_INT8, cg_slot_at(&q->L, slot, QS_B), d);
        return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
    }
    uint32_t d[4] = {rn, K, 1, 1};
    int32_t st[4] = {1, (int32_t)q->N, 0, 0};
    uint64_t e = (uint64_t)(bo + n0);
    cg_view src = {SC_SPACE_HBM, SC_DTYPE_INT8, q->qb_off + e, {st[0], st[1], 0, 0}, -1};
    if (q->direct_b) src = cg_val_view(c, q->b, e, st);
    cg_view dst = cg_spad(SC_DTYPE_INT8, cg_slot_at(&q->L, slot, QS_B), d);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

static sc_status load_bias(cg *c, const qmm *q, int core, int slot, int64_t m0, int64_t n0,
                           uint32_t rm, uint32_t rn) {
    uint32_t d[4] = {rn, rm, 1, 1};
    int32_t st[4] = {(int32_t)q->bias_st[1], (int32_t)q->bias_st[0], 0, 0};
    cg_view src = cg_val_view(c, q->bias, (uint64_t)(m0 * q->bias_st[0] + n0 * q->bias_st[1]), st);
    cg_view dst = cg_spad(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_BIAS), d);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

/* A's zero points are loaded unless folded into a constant correction vector. */
static int need_na(const qmm *q) {
    return q->need_cb && (!q->w_const || q->need_ra);
}

static sc_status qm_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    qmm *q = ctx;
    int64_t bi, m0, n0, ao, bo;
    tile_of(q, t, &bi, &m0, &n0);
    cg_mm_batch_off(&q->bt, bi, &ao, &bo);
    uint32_t rm = (uint32_t)SC_MIN(q->tm, q->M - m0), rn = (uint32_t)SC_MIN(q->tn, q->N - n0);
    if (load_a(c, q, core, slot, ao, m0, rm) || load_b(c, q, core, slot, bo, n0, rn))
        return c->err->status;
    if (q->need_ra || (q->need_cb && !q->b_const)) {
        uint32_t d[4] = {(uint32_t)q->K, 1, 1, 1};
        cg_view src = {SC_SPACE_CONST, SC_DTYPE_INT8, q->ones_off, {1, 0, 0, 0}, -1};
        cg_view dst = cg_spad1(SC_DTYPE_INT8, cg_slot_at(&q->L, slot, QS_ONES));
        if (cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src)) return c->err->status;
    }
    if (q->w_const ? load_vec(c, q, core, slot, V_W, &q->wc, n0, rn)
                   : q->need_cb && q->b_const && load_vec(c, q, core, slot, V_CB, &q->cbs, n0, rn))
        return c->err->status;
    if ((need_na(q) && load_vec(c, q, core, slot, V_NA, &q->na, m0, rm)) ||
        (q->need_ra && load_vec(c, q, core, slot, V_NB, &q->nb, n0, rn)))
        return c->err->status;
    if (q->s_const ? load_vec(c, q, core, slot, V_SB, &q->sc, n0, rn)
                   : q->mode != QM_INT && (load_vec(c, q, core, slot, V_SA, &q->sa, 0, rn) ||
                                           load_vec(c, q, core, slot, V_SB, &q->sb, n0, rn)))
        return c->err->status;
    if (q->mode == QM_REQUANT &&
        ((!q->s_const && load_vec(c, q, core, slot, V_SY, &q->sy, n0, rn)) ||
         load_vec(c, q, core, slot, V_ZY, &q->zy, n0, rn)))
        return c->err->status;
    if (q->bias >= 0 && load_bias(c, q, core, slot, m0, n0, rm, rn)) return c->err->status;
    return SC_OK;
}

static sc_status mma(cg *c, int core, uint64_t cc, uint64_t a, uint64_t b, uint32_t m, uint32_t n,
                     uint32_t k, int flags) {
    sc_queue qu = SC_QUEUE_COMPUTE;
    if (cg_li(c, core, qu, R_T0, (int64_t)cc) || cg_li(c, core, qu, R_T1, (int64_t)a) ||
        cg_li(c, core, qu, R_T2, (int64_t)b))
        return c->err->status;
    sc_insn in = {SC_OP_MMAI,
                  {R_T0, R_T1, R_T2, m, n, k, SC_DTYPE_INT8, SC_DTYPE_INT8, SC_DTYPE_INT32, flags}};
    return cg_emit(c, core, qu, &in);
}

/* A [rm x rn] tile view at addr (dtype dt). */
static cg_view tile(sc_dtype dt, uint64_t addr, uint32_t rn) {
    cg_view v = {SC_SPACE_SPAD, dt, addr, {1, (int32_t)rn, 0, 0}, -1};
    return v;
}

/* Vector `which` broadcast over the tile: along columns (col: one element per column) or rows. */
static cg_view bvec(const qmm *q, int slot, int which, sc_dtype dt, int col) {
    cg_view v = {SC_SPACE_SPAD, dt, s_v(q, slot, which), {col ? 1 : 0, col ? 0 : 1, 0, 0}, -1};
    return v;
}

static sc_status vop(cg *c, int core, int op, uint32_t len, cg_view d, cg_view a, const cg_view *b,
                     float imm) {
    uint32_t dims[4] = {len, 1, 1, 1};
    return cg_vec(c, core, op, dims, &d, &a, b, NULL, imm, 0);
}

/* C -= nb[n] * (ra[m] - K * na[m]): B's zero point times A's row sums (plus K * na * nb). */
static sc_status corr_rows(cg *c, const qmm *q, int core, int slot, uint32_t rm, uint32_t rn,
                           sc_dtype *cdt) {
    cg_view p = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_P));
    cg_view na = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_NA));
    cg_view ra = cg_spad1(SC_DTYPE_INT32, s_v(q, slot, V_RA));
    uint32_t d[4] = {rn, rm, 1, 1};
    cg_view cv = tile(*cdt, cg_slot_at(&q->L, slot, QS_C), rn),
            cf = tile(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_C), rn);
    cg_view t = tile(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_T), rn);
    cg_view nbv = bvec(q, slot, V_NB, SC_DTYPE_FP32, 1), pv = bvec(q, slot, V_P, SC_DTYPE_FP32, 0);
    /* p = ra - K * na (na is known to be 0 when A needs no correction: p = ra) */
    if (q->need_cb ? vop(c, core, SC_OP_VMULF, rm, p, na, NULL, (float)-q->K) ||
                         vop(c, core, SC_OP_VADD, rm, p, p, &ra, 0)
                   : vop(c, core, SC_OP_VADDF, rm, p, ra, NULL, 0))
        return c->err->status;
    if (cg_vec(c, core, SC_OP_VMUL, d, &t, &nbv, &pv, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VSUB, d, &cf, &cv, &t, NULL, 0, 0))
        return c->err->status;
    *cdt = SC_DTYPE_FP32;
    return SC_OK;
}

/* C -= na[m] * cb[n]: A's zero point times B's column sums (one vector when na is shared). */
static sc_status corr_cols(cg *c, const qmm *q, int core, int slot, uint32_t rm, uint32_t rn,
                           sc_dtype *cdt) {
    uint32_t d[4] = {rn, rm, 1, 1};
    cg_view cv = tile(*cdt, cg_slot_at(&q->L, slot, QS_C), rn),
            cf = tile(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_C), rn);
    sc_dtype cbt = q->b_const ? SC_DTYPE_FP32 : SC_DTYPE_INT32; /* loaded, or an MMA's sums */
    cg_view cb = bvec(q, slot, V_CB, cbt, 1);
    if (q->w_const) { /* na * column sums folded at compile time */
        cg_view wv = bvec(q, slot, V_W, SC_DTYPE_FP32, 1);
        if (cg_vec(c, core, SC_OP_VSUB, d, &cf, &cv, &wv, NULL, 0, 0)) return c->err->status;
    } else if (q->na.per) {
        cg_view t = tile(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_T), rn);
        cg_view na = bvec(q, slot, V_NA, SC_DTYPE_FP32, 0);
        if (cg_vec(c, core, SC_OP_VMUL, d, &t, &na, &cb, NULL, 0, 0) ||
            cg_vec(c, core, SC_OP_VSUB, d, &cf, &cv, &t, NULL, 0, 0))
            return c->err->status;
    } else {
        cg_view w = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_W));
        cg_view na0 = {SC_SPACE_SPAD, SC_DTYPE_FP32, s_v(q, slot, V_NA), {0, 0, 0, 0}, -1};
        cg_view cb1 = cg_spad1(cbt, s_v(q, slot, V_CB));
        cg_view wv = bvec(q, slot, V_W, SC_DTYPE_FP32, 1);
        if (vop(c, core, SC_OP_VMUL, rn, w, cb1, &na0, 0) ||
            cg_vec(c, core, SC_OP_VSUB, d, &cf, &cv, &wv, NULL, 0, 0))
            return c->err->status;
    }
    *cdt = SC_DTYPE_FP32;
    return SC_OK;
}

/* Zero points, then the output stage (requantise / dequantise + bias + activation). */
static sc_status qm_finish(cg *c, const qmm *q, int core, int slot, uint32_t rm, uint32_t rn) {
    sc_dtype cdt = SC_DTYPE_INT32;
    cg_view na = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_NA)),
            nb = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_NB));
    if ((need_na(q) && q->na.sub != 0 && vop(c, core, SC_OP_VSUBF, rm, na, na, NULL, q->na.sub)) ||
        (q->need_ra && q->nb.sub != 0 && vop(c, core, SC_OP_VSUBF, rn, nb, nb, NULL, q->nb.sub)))
        return c->err->status;
    if ((q->need_ra && corr_rows(c, q, core, slot, rm, rn, &cdt)) ||
        (q->need_cb && corr_cols(c, q, core, slot, rm, rn, &cdt)))
        return c->err->status;
    if (q->mode == QM_INT) return SC_OK;
    uint32_t d[4] = {rn, rm, 1, 1};
    cg_view sb = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_SB)),
            sa = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_SA)),
            sy = cg_spad1(SC_DTYPE_FP32, s_v(q, slot, V_SY));
    /* the decomposition's order: (a_scale * b_scale) / y_scale, then times the product */
    if (!q->s_const && (vop(c, core, SC_OP_VMUL, rn, sb, sb, &sa, 0) ||
                        (q->mode == QM_REQUANT && vop(c, core, SC_OP_VDIV, rn, sb, sb, &sy, 0))))
        return c->err->status;
    cg_view cv = tile(cdt, cg_slot_at(&q->L, slot, QS_C), rn),
            cf = tile(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_C), rn);
    cg_view ci = tile(SC_DTYPE_INT32, cg_slot_at(&q->L, slot, QS_C), rn),
            s = bvec(q, slot, V_SB, SC_DTYPE_FP32, 1);
    if (cg_vec(c, core, SC_OP_VMUL, d, &cf, &cv, &s, NULL, 0, 0)) return c->err->status;
    if (q->mode == QM_DEQUANT) {
        cg_view b = tile(SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_BIAS), rn);
        if (q->bias >= 0 && cg_vec(c, core, SC_OP_VADD, d, &cf, &cf, &b, NULL, 0, 0))
            return c->err->status;
        return cg_apply_act(c, core, q->n, cg_slot_at(&q->L, slot, QS_C),
                            cg_slot_at(&q->L, slot, QS_T), rm * rn);
    }
    cg_view zy = bvec(q, slot, V_ZY, SC_DTYPE_FP32, 1);
    if (cg_vec(c, core, SC_OP_VCAST, d, &ci, &cf, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VADD, d, &cf, &ci, &zy, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VMAXF, d, &cf, &cf, NULL, NULL, q->lo, 0) ||
        cg_vec(c, core, SC_OP_VMINF, d, &cf, &cf, NULL, NULL, q->hi, 0))
        return c->err->status;
    return SC_OK;
}

static sc_status qm_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    qmm *q = ctx;
    int64_t bi, m0, n0;
    tile_of(q, t, &bi, &m0, &n0);
    uint32_t rm = (uint32_t)SC_MIN(q->tm, q->M - m0), rn = (uint32_t)SC_MIN(q->tn, q->N - n0);
    uint32_t K = (uint32_t)q->K;
    int tb = q->b_const ? SC_MMA_TB : 0;
    if (mma(c, core, cg_slot_at(&q->L, slot, QS_C), cg_slot_at(&q->L, slot, QS_A),
            cg_slot_at(&q->L, slot, QS_B), rm, rn, K, tb))
        return c->err->status;
    /* row sums of A' (times a ones column) and column sums of B' (a ones row times B'), exact */
    if (q->need_ra && mma(c, core, s_v(q, slot, V_RA), cg_slot_at(&q->L, slot, QS_A),
                          cg_slot_at(&q->L, slot, QS_ONES), rm, 1, K, 0))
        return c->err->status;
    if (q->need_cb && !q->b_const &&
        mma(c, core, s_v(q, slot, V_CB), cg_slot_at(&q->L, slot, QS_ONES),
            cg_slot_at(&q->L, slot, QS_B), 1, rn, K, tb))
        return c->err->status;
    return qm_finish(c, q, core, slot, rm, rn);
}

static sc_status qm_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    qmm *q = ctx;
    int64_t bi, m0, n0;
    tile_of(q, t, &bi, &m0, &n0);
    uint32_t rm = (uint32_t)SC_MIN(q->tm, q->M - m0), rn = (uint32_t)SC_MIN(q->tn, q->N - n0);
    uint32_t d[4] = {rn, rm, 1, 1};
    int32_t st[4] = {1, (int32_t)q->N, 0, 0};
    cg_view dst = cg_val_view(c, q->out, (uint64_t)(bi * q->M * q->N + m0 * q->N + n0), st);
    /* untouched int32 products (int8 operands, no zero points) are stored as they are */
    int raw = q->mode == QM_INT && !q->need_ra && !q->need_cb;
    cg_view src = cg_spad(raw ? SC_DTYPE_INT32 : SC_DTYPE_FP32, cg_slot_at(&q->L, slot, QS_C), d);
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

/* ---- set-up ---- */

static int opt_in(const sc_ir_node *n, int i) {
    return i < n->n_in ? n->in[i] : -1;
}

static int is_u8(const sc_ir_value *v) {
    return v->dtype == SC_T_UINT8;
}

/* A zero point / scale operand v with one element, or `len` (one per row or column). */
static sc_status vec_of(cg *c, qmm *q, int v, int64_t len, float sub, const char *what, qv *out) {
    memset(out, 0, sizeof *out);
    out->v = v, out->sub = sub;
    int64_t k = sc_ir_numel(&c->g->vals[v]);
    if (k != 1 && k != len)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s: %s has %lld elements (1 or %lld)",
                          q->n->op, what, (long long)k, (long long)len);
    out->per = k != 1;
    return SC_OK;
}

/* An fp32 constant vector in the blob (len elements, or one shared when len == 1). */
static sc_status const_vec(cg *c, const float *x, int64_t len, qv *out) {
    memset(out, 0, sizeof *out);
    out->v = -1, out->per = len > 1;
    return sc_program_add_const(c->p, x, (size_t)len * 4, 64, &out->coff, c->err);
}

/* Zero point z (value or -1 = absent) of an operand offset by `off`: the vector z - off, and
 * whether it can be non-zero (a correction term is needed). */
static sc_status zero_vec(cg *c, qmm *q, int z, int64_t len, int off, const char *what, qv *out,
                          int *needed) {
    if (z < 0) {
        float m = (float)-off;
        *needed = off != 0;
        return const_vec(c, &m, 1, out);
    }
    if (vec_of(c, q, z, len, (float)off, what, out)) return c->err->status;
    const sc_tensor *k = c->g->vals[z].konst;
    *needed = 1;
    if (k) { /* a constant zero point equal to the offset needs no correction */
        *needed = 0;
        for (size_t i = 0; i < sc_tensor_numel(k); i++)
            *needed |= sc_tensor_get(k, i) != off;
    }
    return SC_OK;
}

/* Constant scales: (a_scale * b_scale[n]) [/ y_scale[n]] in fp32 as the vector unit computes it. */
static sc_status fold_scales(cg *c, qmm *q) {
    const qv *v[3] = {&q->sa, &q->sb, &q->sy};
    int nv = q->mode == QM_REQUANT ? 3 : 2;
    for (int i = 0; i < nv; i++)
        if (!c->g->vals[v[i]->v].konst) return SC_OK;
    float *x = malloc((size_t)q->N * sizeof *x + 4);
    if (!x) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t n = 0; n < q->N; n++) {
        float f[3];
        for (int i = 0; i < nv; i++)
            f[i] = (float)sc_tensor_get(c->g->vals[v[i]->v].konst, (size_t)(v[i]->per ? n : 0));
        x[n] = f[0] * f[1];
        if (nv == 3) x[n] = x[n] / f[2];
    }
    sc_status st = const_vec(c, x, q->N, &q->sc);
    free(x);
    q->s_const = st == SC_OK;
    return st;
}

/* Constant B and one constant A zero point: the correction na * column sums is a constant
 * vector (exact: integers below 2^24). */
static sc_status fold_correction(cg *c, qmm *q, const float *cs) {
    const sc_tensor *z = q->na.v >= 0 ? c->g->vals[q->na.v].konst : NULL;
    if (!q->need_cb || q->na.per || (q->na.v >= 0 && !z)) return SC_OK;
    float na = z ? (float)sc_tensor_get(z, 0) - q->na.sub : (float)-q->oa;
    float *w = malloc((size_t)q->N * sizeof *w + 4);
    if (!w) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t n = 0; n < q->N; n++)
        w[n] = na * cs[n];
    sc_status st = const_vec(c, w, q->N, &q->wc);
    free(w);
    q->w_const = st == SC_OK;
    return st;
}

/* B as a compile-time [N x K] int8 constant: column n offset by its own zero point when every
 * b - zb fits int8 (then B needs no correction), else by 128 (uint8) / 0 (int8). */
static sc_status const_b(cg *c, qmm *q, int zb) {
    const sc_tensor *t = c->g->vals[q->b].konst, *z = zb >= 0 ? c->g->vals[zb].konst : NULL;
    int def = is_u8(&c->g->vals[q->b]) ? 128 : 0, rt = zb >= 0 && !z; /* run-time zero point */
    if (zb >= 0 && vec_of(c, q, zb, q->N, (float)def, "b_zero_point", &q->nb))
        return c->err->status;
    int8_t *w = malloc((size_t)(q->N * q->K) + 1);
    float *nb = malloc((size_t)q->N * sizeof *nb + 4), *cs = malloc((size_t)q->N * sizeof *cs + 4);
    sc_status st = w && nb && cs ? SC_OK : sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    q->need_ra = rt;
    for (int64_t n = 0; st == SC_OK && n < q->N; n++) {
        double zn = z ? sc_tensor_get(z, (size_t)(sc_tensor_numel(z) > 1 ? n : 0)) : 0;
        int off = def, fits = !rt;
        for (int64_t k = 0; k < q->K && fits; k++) {
            double d = sc_tensor_get(t, (size_t)(k * q->N + n)) - zn;
            fits = d >= -128 && d <= 127;
        }
        if (fits) off = (int)zn;
        int64_t sum = 0; /* exact in fp32: |sum| <= 128 K < 2^24 */
        for (int64_t k = 0; k < q->K; k++)
            sum += w[n * q->K + k] = (int8_t)(sc_tensor_get(t, (size_t)(k * q->N + n)) - off);
        nb[n] = (float)(zn - off), cs[n] = (float)sum;
        q->need_ra |= nb[n] != 0;
    }
    if (st == SC_OK)
        st = sc_program_add_const(c->p, w, (size_t)(q->N * q->K), 64, &q->qw_off, c->err);
    if (st == SC_OK && !rt) st = const_vec(c, nb, q->N, &q->nb);
    if (st == SC_OK) st = const_vec(c, cs, q->N, &q->cbs);
    if (st == SC_OK) st = fold_correction(c, q, cs);
    free(w);
    free(nb);
    free(cs);
    return st;
}

/* Operands, offsets and zero points of the three node kinds. */
static sc_status setup_operands(cg *c, sc_ir_node *n, qmm *q, int *za, int *zb) {
    const char *op = n->op;
    q->mode = !strcmp(op, "MatMulInteger")   ? QM_INT
              : !strcmp(op, "QLinearMatMul") ? QM_REQUANT
                                             : QM_DEQUANT;
    int qi = q->mode != QM_INT; /* QLinearMatMul / QuantMatMul input layout */
    q->a = n->in[0], q->b = n->in[qi ? 3 : 1], q->out = n->out[0];
    *za = opt_in(n, qi ? 2 : 2), *zb = opt_in(n, qi ? 5 : 3);
    q->bias = q->mode == QM_DEQUANT ? opt_in(n, 6) : -1;
    q->a_float = q->mode == QM_DEQUANT;
    const sc_ir_value *a = &c->g->vals[q->a];
    q->oa = (q->a_float ? *za >= 0 && is_u8(&c->g->vals[*za]) : is_u8(a)) ? 128 : 0;
    if (q->a_float) { /* the fuse-int8 pass checked these are constants */
        q->xs = (float)ir_const_scalar(c->g, n, 1, 1);
        q->xz = (float)ir_const_scalar(c->g, n, 2, 0);
    }
    if (q->mode == QM_REQUANT) {
        int u8 = is_u8(&c->g->vals[q->out]);
        q->lo = u8 ? 0 : -128, q->hi = u8 ? 255 : 127;
    }
    return SC_OK;
}

static sc_status setup_scales(cg *c, sc_ir_node *n, qmm *q) {
    if (q->mode == QM_INT) return SC_OK;
    if (vec_of(c, q, n->in[1], 1, 0, "a_scale", &q->sa) ||
        vec_of(c, q, n->in[4], q->N, 0, "b_scale", &q->sb))
        return c->err->status;
    if (q->mode == QM_REQUANT && (vec_of(c, q, n->in[6], q->N, 0, "y_scale", &q->sy) ||
                                  vec_of(c, q, n->in[7], q->N, 0, "y_zero_point", &q->zy)))
        return c->err->status;
    if (fold_scales(c, q)) return c->err->status;
    if (q->bias >= 0) {
        int64_t st[2], od[2] = {q->M, q->N};
        cg_bcast_strides(&c->g->vals[q->bias], 2, od, st);
        q->bias_st[0] = st[0], q->bias_st[1] = st[1];
    }
    return SC_OK;
}

static sc_status setup_sizes(cg *c, qmm *q) {
    q->tm = SC_MIN(q->M, c->sa), q->tn = SC_MIN(q->N, c->sa);
    q->mt = (q->M + q->tm - 1) / q->tm, q->nt = (q->N + q->tn - 1) / q->tn;
    uint64_t c_b = al64((uint64_t)(q->tm * q->tn * 4));
    q->v_bytes = al64((uint64_t)SC_MAX(q->tm, q->tn) * 4);
    uint64_t sz[QS_REGIONS] = {al64((uint64_t)(q->tm * q->K)),
                               al64((uint64_t)(q->tn * q->K)),
                               al64((uint64_t)q->K),
                               c_b,
                               c_b,
                               q->bias >= 0 ? c_b : 0,
                               V_COUNT * q->v_bytes};
    if (2 * cg_slot_layout(&q->L, sz, QS_REGIONS) > c->spad || q->K > 65535)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s: K = %lld too large for one tile",
                          q->n->op, (long long)q->K);
    return SC_OK;
}

static sc_status setup(cg *c, sc_ir_node *n, qmm *q) {
    memset(q, 0, sizeof *q);
    q->n = n;
    int za, zb;
    if (setup_operands(c, n, q, &za, &zb)) return c->err->status;
    const sc_ir_value *a = &c->g->vals[q->a], *b = &c->g->vals[q->b];
    q->M = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
    q->K = a->rank ? a->dims[a->rank - 1] : 1;
    q->N = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
    cg_mm_batch_init(&q->bt, &c->g->vals[q->a], &c->g->vals[q->b], &c->g->vals[q->out], q->M, q->K,
                     q->N);
    if (setup_scales(c, n, q) || setup_sizes(c, q)) return c->err->status;
    if (!q->M || !q->N) return SC_OK;
    if (!q->K) return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s with K = 0", n->op);
    if (zero_vec(c, q, za, q->M, q->oa, "a_zero_point", &q->na, &q->need_cb)) return c->err->status;
    q->direct_a = !q->a_float && !q->oa;
    q->b_const = b->konst && b->rank <= 2;
    if (q->b_const) return const_b(c, q, zb);
    q->ob = is_u8(b) ? 128 : 0;
    q->direct_b = !q->ob;
    return zero_vec(c, q, zb, q->N, q->ob, "b_zero_point", &q->nb, &q->need_ra);
}

sc_status lower_qmatmul(cg *c, sc_ir_node *n) {
    qmm q;
    if (setup(c, n, &q)) return c->err->status;
    if (!q.M || !q.N) return SC_OK;
    if (q.need_ra || q.need_cb) {
        uint8_t *ones = malloc((size_t)q.K);
        if (!ones) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
        memset(ones, 1, (size_t)q.K);
        sc_status st = sc_program_add_const(c->p, ones, (size_t)q.K, 64, &q.ones_off, c->err);
        free(ones);
        if (st) return st;
    }
    uint64_t na = q.direct_a ? 0 : al64((uint64_t)sc_ir_numel(&c->g->vals[q.a]));
    uint64_t nb = q.b_const || q.direct_b ? 0 : (uint64_t)sc_ir_numel(&c->g->vals[q.b]);
    if (na + nb) q.qa_off = cg_int8_scratch(c, na + nb), q.qb_off = q.qa_off + na;
    if ((!q.direct_a && convert_phase(c, &q, q.a, q.a_float, (float)q.oa, q.qa_off)) ||
        (nb && convert_phase(c, &q, q.b, 0, (float)q.ob, q.qb_off)))
        return c->err->status;
    cg_tiler tl = {qm_load, qm_compute, qm_store};
    return cg_pipeline(c, (uint64_t)(q.bt.count * q.mt * q.nt), &tl, &q);
}
