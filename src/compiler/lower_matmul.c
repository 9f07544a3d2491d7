// SPDX-License-Identifier: Apache-2.0
// MatMul and Gemm: output tiles of the systolic array size, operands DMA'd at the chosen
// precision, bias / alpha / beta / fused activation applied on the fp32 tile before the store.
#include <string.h>

#include "compiler/codegen_internal.h"

sc_dtype cg_mma_dtype(const cg *c) {
    sc_dtype p = c->prm.precision;
    /* int8: nodes without calibration or with a computed weight (cg_int8_scale = 0) use bf16 */
    return p == SC_DTYPE_INT8 ? SC_DTYPE_BF16 : p;
}

sc_status cg_apply_act(cg *c, int core, const sc_ir_node *n, uint64_t addr, uint64_t tmp,
                       uint32_t n_elems) {
    const char *act = sc_ir_attr_s(n, "_act", NULL);
    if (!act) return SC_OK;
    uint32_t dims[4] = {n_elems, 1, 1, 1};
    cg_view x = cg_spad1(SC_DTYPE_FP32, addr), t = cg_spad1(SC_DTYPE_FP32, tmp);
    float al = sc_ir_attr_f(n, "_alpha", 0), be = sc_ir_attr_f(n, "_beta", 0);
    if (!strcmp(act, "Relu")) return cg_vec(c, core, SC_OP_VRELU, dims, &x, &x, NULL, NULL, 0, 0);
    if (!strcmp(act, "Sigmoid"))
        return cg_vec(c, core, SC_OP_VSIGMOID, dims, &x, &x, NULL, NULL, 0, 0);
    if (!strcmp(act, "Tanh")) return cg_vec(c, core, SC_OP_VTANH, dims, &x, &x, NULL, NULL, 0, 0);
    if (!strcmp(act, "Clip"))
        return cg_vec(c, core, SC_OP_VMAXF, dims, &x, &x, NULL, NULL, al, 0) ||
                       cg_vec(c, core, SC_OP_VMINF, dims, &x, &x, NULL, NULL, be, 0)
                   ? c->err->status
                   : SC_OK;
    if (!strcmp(act, "LeakyRelu")) /* max(x, a*x) for a <= 1, min for a > 1 */
        return cg_vec(c, core, SC_OP_VMULF, dims, &t, &x, NULL, NULL, al, 0) ||
                       cg_vec(c, core, al <= 1 ? SC_OP_VMAX : SC_OP_VMIN, dims, &x, &x, &t, NULL, 0,
                              0)
                   ? c->err->status
                   : SC_OK;
    return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "fused activation %s", act);
}

typedef struct mm {
    const sc_ir_node *n;
    int a, b, bias, out;
    int64_t M, N, K;
    int ta, tb; /* operands stored transposed in HBM (Gemm transA/transB) */
    float alpha, beta;
    int64_t tm, tn, mt, nt; /* tile sizes and counts */
    int m_fast;             /* tile order: M blocks vary fastest (else N blocks) */
    int orank;
    cg_mm_batch bt; /* batch axes */
    int64_t bias_st[2];
    sc_dtype dt;
    cg_slot L;                        /* slot regions MS_* */
    float qs;                         /* int8 MMA: activation scale (0 = not quantised) */
    uint64_t qa_off, qw_off, qsc_off; /* int8 A in scratch HBM, int8 [N x K] B, scales */
} mm;

enum { OFF_A = 0 };

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

static void tile_of(const mm *m, uint64_t t, int64_t *bi, int64_t *m0, int64_t *n0) {
    if (m->m_fast) {
        *m0 = (int64_t)(t % (uint64_t)m->mt) * m->tm;
        t /= (uint64_t)m->mt;
        *n0 = (int64_t)(t % (uint64_t)m->nt) * m->tn;
        *bi = (int64_t)(t / (uint64_t)m->nt);
        return;
    }
    *n0 = (int64_t)(t % (uint64_t)m->nt) * m->tn;
    t /= (uint64_t)m->nt;
    *m0 = (int64_t)(t % (uint64_t)m->mt) * m->tm;
    *bi = (int64_t)(t / (uint64_t)m->mt);
}

void cg_mm_batch_off(const cg_mm_batch *bt, int64_t bi, int64_t *ao, int64_t *bo) {
    *ao = *bo = 0;
    for (int i = bt->n - 1; i >= 0; i--) {
        int64_t x = bi % bt->dims[i];
        bi /= bt->dims[i];
        *ao += x * bt->ast[i], *bo += x * bt->bst[i];
    }
}

/* Slot regions: A [tm x K], B [tn x K], bias (as C), C [tm x tn] fp32, activation scratch (as
 * C), int8 column scales. */
enum { MS_A, MS_B, MS_BIAS, MS_C, MS_TMP, MS_SCALE, MS_REGIONS };

/* int8: A from its quantised copy, B from the [N x K] int8 constant, the tile's column scales. */
static sc_status mm_load_int8(cg *c, const mm *m, int core, int slot, int64_t ao, int64_t m0,
                              int64_t n0, uint32_t rm, uint32_t rn) {
    uint32_t K = (uint32_t)m->K;
    uint32_t ad[4] = {m->ta ? rm : K, m->ta ? K : rm, 1, 1};
    cg_view asrc = {SC_SPACE_HBM,
                    SC_DTYPE_INT8,
                    m->qa_off + (uint64_t)(ao + (m->ta ? m0 : m0 * m->K)),
                    {1, (int32_t)(m->ta ? m->M : m->K), 0, 0},
                    -1};
    cg_view adst = cg_spad(SC_DTYPE_INT8, cg_slot_at(&m->L, slot, MS_A), ad);
    uint32_t bd[4] = {K, rn, 1, 1}, sd[4] = {rn, 1, 1, 1};
    cg_view bsrc = {SC_SPACE_CONST,
                    SC_DTYPE_INT8,
                    m->qw_off + (uint64_t)(n0 * m->K),
                    {1, (int32_t)K, 0, 0},
                    -1};
    cg_view bdst = cg_spad(SC_DTYPE_INT8, cg_slot_at(&m->L, slot, MS_B), bd);
    cg_view ssrc = {SC_SPACE_CONST, SC_DTYPE_FP32, m->qsc_off + (uint64_t)n0 * 4, {1, 0, 0, 0}, -1};
    cg_view sdst = cg_spad1(SC_DTYPE_FP32, cg_slot_at(&m->L, slot, MS_SCALE));
    if (cg_dma(c, core, SC_QUEUE_LOAD, ad, &adst, &asrc) ||
        cg_dma(c, core, SC_QUEUE_LOAD, bd, &bdst, &bsrc) ||
        cg_dma(c, core, SC_QUEUE_LOAD, sd, &sdst, &ssrc))
        return c->err->status;
    return SC_OK;
}

static sc_status mm_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    mm *m = ctx;
    int64_t bi, m0, n0, ao, bo;
    tile_of(m, t, &bi, &m0, &n0);
    cg_mm_batch_off(&m->bt, bi, &ao, &bo);
    uint32_t rm = (uint32_t)SC_MIN(m->tm, m->M - m0), rn = (uint32_t)SC_MIN(m->tn, m->N - n0);
    uint32_t K = (uint32_t)m->K;
    if (m->qs > 0 && mm_load_int8(c, m, core, slot, ao, m0, n0, rm, rn)) return c->err->status;
    /* A tile: [rm x K] (or [K x rm] with ta), dense in the scratchpad */
    uint32_t ad[4] = {m->ta ? rm : K, m->ta ? K : rm, 1, 1};
    int32_t ast[4] = {1, (int32_t)(m->ta ? m->M : m->K), 0, 0};
    cg_view asrc = cg_val_view(c, m->a, (uint64_t)(ao + (m->ta ? m0 : m0 * m->K)), ast);
    cg_view adst = cg_spad(m->dt, cg_slot_at(&m->L, slot, MS_A), ad);
    uint32_t bd[4] = {m->tb ? K : rn, m->tb ? rn : K, 1, 1};
    int32_t bst[4] = {1, (int32_t)(m->tb ? m->K : m->N), 0, 0};
    cg_view bsrc = cg_val_view(c, m->b, (uint64_t)(bo + (m->tb ? n0 * m->K : n0)), bst);
    cg_view bdst = cg_spad(m->dt, cg_slot_at(&m->L, slot, MS_B), bd);
    if (m->qs <= 0 && (cg_dma(c, core, SC_QUEUE_LOAD, ad, &adst, &asrc) ||
                       cg_dma(c, core, SC_QUEUE_LOAD, bd, &bdst, &bsrc)))
        return c->err->status;
    if (m->bias >= 0) {
        uint32_t cd[4] = {rn, rm, 1, 1};
        int32_t cst[4] = {(int32_t)m->bias_st[1], (int32_t)m->bias_st[0], 0, 0};
        cg_view csrc =
            cg_val_view(c, m->bias, (uint64_t)(m0 * m->bias_st[0] + n0 * m->bias_st[1]), cst);
        cg_view cdst = cg_spad(SC_DTYPE_FP32, cg_slot_at(&m->L, slot, MS_BIAS), cd);
        if (cg_dma(c, core, SC_QUEUE_LOAD, cd, &cdst, &csrc)) return c->err->status;
    }
    return SC_OK;
}

static sc_status mm_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    mm *m = ctx;
    int64_t bi, m0, n0;
    tile_of(m, t, &bi, &m0, &n0);
    uint32_t rm = (uint32_t)SC_MIN(m->tm, m->M - m0), rn = (uint32_t)SC_MIN(m->tn, m->N - n0);
    sc_queue q = SC_QUEUE_COMPUTE;
    if (cg_li(c, core, q, R_T0, (int64_t)cg_slot_at(&m->L, slot, MS_C)) ||
        cg_li(c, core, q, R_T1, (int64_t)cg_slot_at(&m->L, slot, MS_A)) ||
        cg_li(c, core, q, R_T2, (int64_t)cg_slot_at(&m->L, slot, MS_B)))
        return c->err->status;
    int flags = (m->ta ? SC_MMA_TA : 0) | (m->tb ? SC_MMA_TB : 0);
    sc_dtype acc = m->qs > 0 ? SC_DTYPE_INT32 : SC_DTYPE_FP32;
    sc_insn in = {SC_OP_MMAI, {R_T0, R_T1, R_T2, rm, rn, m->K, m->dt, m->dt, acc, flags}};
    if (cg_emit(c, core, q, &in)) return c->err->status;
    if (m->qs > 0 && cg_int8_dequant(c, core, cg_slot_at(&m->L, slot, MS_C),
                                     cg_slot_at(&m->L, slot, MS_SCALE), rn, rm, 0))
        return c->err->status;
    uint32_t flat[4] = {rm * rn, 1, 1, 1};
    cg_view cv = cg_spad1(SC_DTYPE_FP32, cg_slot_at(&m->L, slot, MS_C)),
            bv = cg_spad1(SC_DTYPE_FP32, cg_slot_at(&m->L, slot, MS_BIAS));
    if (m->alpha != 1.0f && cg_vec(c, core, SC_OP_VMULF, flat, &cv, &cv, NULL, NULL, m->alpha, 0))
        return c->err->status;
    if (m->bias >= 0) {
        if (m->beta != 1.0f && cg_vec(c, core, SC_OP_VMULF, flat, &bv, &bv, NULL, NULL, m->beta, 0))
            return c->err->status;
        if (cg_vec(c, core, SC_OP_VADD, flat, &cv, &cv, &bv, NULL, 0, 0)) return c->err->status;
    }
    return cg_apply_act(c, core, m->n, cg_slot_at(&m->L, slot, MS_C),
                        cg_slot_at(&m->L, slot, MS_TMP), rm * rn);
}

static sc_status mm_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    mm *m = ctx;
    int64_t bi, m0, n0;
    tile_of(m, t, &bi, &m0, &n0);
    uint32_t rm = (uint32_t)SC_MIN(m->tm, m->M - m0), rn = (uint32_t)SC_MIN(m->tn, m->N - n0);
    uint32_t d[4] = {rn, rm, 1, 1};
    int32_t st[4] = {1, (int32_t)m->N, 0, 0};
    cg_view dst = cg_val_view(c, m->out, (uint64_t)(bi * m->M * m->N + m0 * m->N + n0), st);
    cg_view src = cg_spad(SC_DTYPE_FP32, cg_slot_at(&m->L, slot, MS_C), d);
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

void cg_mm_batch_init(cg_mm_batch *bt, const sc_ir_value *a, const sc_ir_value *b,
                      const sc_ir_value *y, int64_t M, int64_t K, int64_t N) {
    int ra = a->rank > 2 ? a->rank - 2 : 0, rb = b->rank > 2 ? b->rank - 2 : 0;
    bt->n = y->rank - (a->rank >= 2) - (b->rank >= 2);
    bt->count = 1;
    for (int i = 0; i < bt->n; i++) {
        bt->dims[i] = y->dims[i];
        bt->count *= y->dims[i];
        int ka = i - (bt->n - ra), kb = i - (bt->n - rb);
        int64_t sa = M * K, sb = K * N;
        /* an operand with fewer batch axes than the output broadcasts (stride 0 below): its
         * stride product starts at its own first axis, never before it (ka, kb < 0) */
        for (int j = ka + 1 > 0 ? ka + 1 : 0; j < ra; j++)
            sa *= a->dims[j];
        for (int j = kb + 1 > 0 ? kb + 1 : 0; j < rb; j++)
            sb *= b->dims[j];
        bt->ast[i] = ka < 0 || a->dims[ka] == 1 ? 0 : sa;
        bt->bst[i] = kb < 0 || b->dims[kb] == 1 ? 0 : sb;
    }
}

static sc_status setup(cg *c, sc_ir_node *n, mm *m) {
    memset(m, 0, sizeof *m);
    m->n = n;
    m->a = n->in[0], m->b = n->in[1], m->out = n->out[0];
    m->bias = n->n_in > 2 ? n->in[2] : -1;
    m->alpha = 1, m->beta = 1;
    const sc_ir_value *a = &c->g->vals[m->a], *b = &c->g->vals[m->b];
    if (!strcmp(n->op, "Gemm")) {
        m->ta = (int)sc_ir_attr_i(n, "transA", 0), m->tb = (int)sc_ir_attr_i(n, "transB", 0);
        m->alpha = sc_ir_attr_f(n, "alpha", 1), m->beta = sc_ir_attr_f(n, "beta", 1);
        m->M = a->dims[m->ta], m->K = a->dims[1 - m->ta], m->N = b->dims[1 - m->tb];
        m->bt.count = 1;
    } else {
        m->M = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
        m->K = a->dims[a->rank - 1];
        m->N = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
        cg_mm_batch_init(&m->bt, a, b, &c->g->vals[m->out], m->M, m->K, m->N);
    }
    if (m->bias >= 0) {
        int64_t st[2], od[2] = {m->M, m->N};
        cg_bcast_strides(&c->g->vals[m->bias], 2, od, st);
        m->bias_st[0] = st[0], m->bias_st[1] = st[1];
    }
    m->dt = cg_exact_dtype(n, cg_mma_dtype(c));
    m->qs = cg_int8_scale(c, n);
    if (m->qs > 0) m->dt = SC_DTYPE_INT8;
    m->tm = SC_MIN(m->M, c->sa), m->tn = SC_MIN(m->N, c->sa);
    /* a tile choice of the runtime's search (sc_onnx_tile_search), clamped to the array */
    int64_t otm = sc_ir_attr_i(n, "_tm", 0), otn = sc_ir_attr_i(n, "_tn", 0);
    if (otm > 0) m->tm = SC_MIN(m->tm, otm);
    if (otn > 0) m->tn = SC_MIN(m->tn, otn);
    m->m_fast = sc_ir_attr_i(n, "_m_fast", 0) != 0;
    m->mt = (m->M + m->tm - 1) / m->tm, m->nt = (m->N + m->tn - 1) / m->tn;
    int es = sc_isa_dtype_bytes(m->dt);
    uint64_t c_b = al64((uint64_t)(m->tm * m->tn * 4));
    uint64_t sz[MS_REGIONS] = {al64((uint64_t)(m->tm * m->K * es)),
                               al64((uint64_t)(m->tn * m->K * es)),
                               c_b,
                               c_b,
                               c_b,
                               al64((uint64_t)m->tn * 4)};
    if (2 * cg_slot_layout(&m->L, sz, MS_REGIONS) > c->spad)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "K = %lld too large for one scratchpad tile",
                          (long long)m->K);
    return SC_OK;
}

sc_status lower_matmul(cg *c, sc_ir_node *n) {
    mm m;
    if (setup(c, n, &m)) return c->err->status;
    if (!m.M || !m.N) return SC_OK;
    if (!m.K) return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "MatMul with K = 0");
    if (m.qs > 0) { /* B becomes [N x K] int8 (read with tb); A is quantised in its own phase */
        if (cg_int8_weights(c, m.b, m.N, m.K, !m.tb, m.qs, &m.qw_off, &m.qsc_off) ||
            cg_int8_quant_act(c, m.a, m.qs, &m.qa_off))
            return c->err->status;
        m.tb = 1;
    }
    cg_tiler tl = {mm_load, mm_compute, mm_store};
    return cg_pipeline(c, (uint64_t)(m.bt.count * m.mt * m.nt), &tl, &m);
}
