// SPDX-License-Identifier: Apache-2.0
// int8 post-training quantisation on the chip: per-channel int8 weights made at compile time,
// a vector phase quantising an activation per tensor, int32-tile dequantisation. A fused QDQ
// Conv ("_qdq", pass fuse-int8) takes the model's own int8 weights, scales and QuantizeLinear.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"
#include "numerics/numerics.h"

#define QA_TILE 65536 /* most elements per activation-quantisation tile */

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

static int is_f32(const sc_ir_value *v) {
    return v && v->dtype == SC_T_FLOAT && v->rank >= 1;
}

int sc_int8_candidate(const sc_ir_graph *g, const sc_ir_node *n) {
    if (n->dead || n->n_in < 2 || n->in[0] < 0 || n->in[1] < 0) return 0;
    if (sc_ir_attr_i(n, "_exact", 0)) return 0; /* integer arithmetic of a decomposed op */
    if (sc_ir_attr_i(n, "_qdq", 0)) return 0;   /* quantised by the model, not calibrated */
    const sc_ir_value *x = &g->vals[n->in[0]], *w = &g->vals[n->in[1]];
    if (!is_f32(x) || x->konst || !is_f32(w) || !w->konst) return 0;
    if (!strcmp(n->op, "MatMul")) return w->rank == 2 && x->rank >= 2;
    if (!strcmp(n->op, "Gemm")) return w->rank == 2;
    if (!strcmp(n->op, "Conv")) return w->rank >= 3;
    return 0;
}

sc_dtype cg_exact_dtype(const sc_ir_node *n, sc_dtype dt) {
    int fp8 = dt == SC_DTYPE_FP8_E4M3 || dt == SC_DTYPE_FP8_E5M2;
    return fp8 && sc_ir_attr_i(n, "_exact", 0) ? SC_DTYPE_BF16 : dt;
}

/* A fused QDQ Conv: int8 in every precision, with the model's activation scale. */
static int is_qdq(const sc_ir_node *n) {
    return n && sc_ir_attr_i(n, "_qdq", 0) != 0;
}

float cg_int8_scale(const cg *c, const sc_ir_node *n) {
    if (is_qdq(n)) return sc_ir_attr_f(n, "_qscale", 0);
    if (c->prm.precision != SC_DTYPE_INT8 || !sc_int8_candidate(c->g, n)) return 0;
    float s = sc_ir_attr_f(n, "_qscale", 0);
    return s > 0 && isfinite(s) ? s : 0;
}

/* Row-major [chans x k] copy of the weight (trans: the tensor is [k x chans]). */
static float *weight_rows(const sc_tensor *t, int64_t chans, int64_t k, int trans) {
    float *w = malloc((size_t)(chans * k) * sizeof *w + 4);
    if (!w) return NULL;
    for (int64_t r = 0; r < chans; r++)
        for (int64_t j = 0; j < k; j++)
            w[r * k + j] = (float)sc_tensor_get(t, (size_t)(trans ? j * chans + r : r * k + j));
    return w;
}

/* The model's int8 weight ("_qdq_w", [chans x k] as the Conv weight) and per-channel or
 * per-tensor scale ("_qdq_s") of a fused QDQ Conv. */
static sc_status qdq_weights(cg *c, int64_t chans, int64_t k, float act_scale, uint64_t *q_off,
                             uint64_t *s_off) {
    const sc_tensor *wq = c->g->vals[sc_ir_attr_i(c->cur, "_qdq_w", 0)].konst;
    const sc_tensor *ws = c->g->vals[sc_ir_attr_i(c->cur, "_qdq_s", 0)].konst;
    if (!wq || !ws || (int64_t)sc_tensor_numel(wq) != chans * k)
        return sc_err_set(c->err, SC_ERR_INVALID_ARG, "QDQ Conv: weights are not constant");
    int8_t *q = malloc((size_t)(chans * k) + 1);
    float *s = malloc((size_t)chans * sizeof *s + 4);
    sc_status st = q && s ? SC_OK : sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == SC_OK && i < chans * k; i++)
        q[i] = (int8_t)sc_tensor_get(wq, (size_t)i);
    for (int64_t i = 0; st == SC_OK && i < chans; i++) /* the dequantisation's product */
        s[i] = act_scale * (float)sc_tensor_get(ws, (size_t)(sc_tensor_numel(ws) > 1 ? i : 0));
    if (st == SC_OK) st = sc_program_add_const(c->p, q, (size_t)(chans * k), 64, q_off, c->err);
    if (st == SC_OK) st = sc_program_add_const(c->p, s, (size_t)chans * 4, 64, s_off, c->err);
    free(q);
    free(s);
    return st;
}

sc_status cg_int8_weights(cg *c, int w, int64_t chans, int64_t k, int trans, float act_scale,
                          uint64_t *q_off, uint64_t *s_off) {
    if (is_qdq(c->cur) && !trans) return qdq_weights(c, chans, k, act_scale, q_off, s_off);
    float *x = weight_rows(c->g->vals[w].konst, chans, k, trans);
    float *s = malloc((size_t)chans * sizeof *s + 4);
    int8_t *q = malloc((size_t)(chans * k) + 1);
    sc_quant_spec spec = {8, 1, SC_QUANT_PER_CHANNEL, 0};
    sc_status st = SC_OK;
    if (!x || !s || !q)
        st = sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    else if (sc_quant_scales(&spec, x, (size_t)chans, (size_t)k, s, NULL, c->err) ||
             sc_quantize(&spec, x, (size_t)chans, (size_t)k, s, NULL, q, c->err))
        st = c->err->status;
    /* the MMA's int32 sum times act_scale * w_scale[ch] is the dequantised product */
    for (int64_t i = 0; st == SC_OK && i < chans; i++)
        s[i] *= act_scale;
    if (st == SC_OK) st = sc_program_add_const(c->p, q, (size_t)(chans * k), 64, q_off, c->err);
    if (st == SC_OK) st = sc_program_add_const(c->p, s, (size_t)chans * 4, 64, s_off, c->err);
    free(x);
    free(s);
    free(q);
    return st;
}

/* ---- int8 conversion phase: value v (read as fp32) -> int8 in HBM, 1-D tiles over cores ---- */

typedef struct qa {
    int v;
    cg_i8conv k;
    uint64_t n, dst, slot, tile;
} qa;

static uint32_t qa_count(const qa *a, uint64_t t) {
    uint64_t lo = t * a->tile;
    return (uint32_t)SC_MIN(a->tile, a->n - lo);
}

static sc_status qa_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    qa *a = ctx;
    uint32_t d[4] = {qa_count(a, t), 1, 1, 1};
    int32_t st[4] = {1, 0, 0, 0};
    cg_view src = cg_val_view(c, a->v, t * a->tile, st);
    cg_view dst = cg_spad1(SC_DTYPE_FP32, (uint64_t)slot * a->slot);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

static sc_status qa_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    qa *a = ctx;
    const cg_i8conv *k = &a->k;
    uint32_t d[4] = {qa_count(a, t), 1, 1, 1};
    uint64_t base = (uint64_t)slot * a->slot;
    cg_view x = cg_spad1(SC_DTYPE_FP32, base), q = cg_spad1(SC_DTYPE_INT8, base + 4 * a->tile);
    if (k->mode == CG_I8_SUB) return cg_vec(c, core, SC_OP_VSUBF, d, &q, &x, NULL, NULL, k->sub, 0);
    if (k->mode == CG_I8_QUANT) { /* rne(x / s) + z - sub, saturated by the int8 store */
        cg_view xi = cg_spad1(SC_DTYPE_INT32, base);
        return cg_vec(c, core, SC_OP_VDIVF, d, &x, &x, NULL, NULL, k->s, 0) ||
                       cg_vec(c, core, SC_OP_VCAST, d, &xi, &x, NULL, NULL, 0, 0) ||
                       cg_vec(c, core, SC_OP_VADDF, d, &q, &xi, NULL, NULL, k->z - k->sub, 0)
                   ? c->err->status
                   : SC_OK;
    }
    int op = k->mode == CG_I8_DIV ? SC_OP_VDIVF : SC_OP_VMULF;
    return cg_vec(c, core, op, d, &q, &x, NULL, NULL, k->s, 0);
}

static sc_status qa_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    qa *a = ctx;
    uint32_t d[4] = {qa_count(a, t), 1, 1, 1};
    cg_view src = cg_spad1(SC_DTYPE_INT8, (uint64_t)slot * a->slot + 4 * a->tile);
    cg_view dst = {SC_SPACE_HBM, SC_DTYPE_INT8, a->dst + t * a->tile, {1, 0, 0, 0}, -1};
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

sc_status cg_int8_convert(cg *c, int v, const cg_i8conv *k, uint64_t dst) {
    qa a = {v, *k, (uint64_t)sc_ir_numel(&c->g->vals[v]), dst, 0, 0};
    /* tiles small enough that every core gets work, large enough to amortise the DMA setup */
    uint64_t per_core = (a.n + (uint64_t)c->cores - 1) / (uint64_t)c->cores;
    a.tile = SC_MIN((uint64_t)QA_TILE, SC_MAX((uint64_t)1024, al64(per_core)));
    a.slot = al64(5 * a.tile); /* fp32 tile, then its int8 copy */
    cg_tiler tl = {qa_load, qa_compute, qa_store};
    if (cg_pipeline(c, (a.n + a.tile - 1) / a.tile, &tl, &a)) return c->err->status;
    return cg_op_end(c);
}

/* One scratch HBM range serves every quantised activation: ops run one after another (each
 * ends at a chip barrier), so it only grows when a larger activation comes. */
uint64_t cg_int8_scratch(cg *c, uint64_t bytes) {
    if (bytes > c->q_cap) {
        c->hbm_top = al64(c->hbm_top);
        c->q_off = c->hbm_top;
        c->hbm_top += bytes;
        c->q_cap = bytes;
    }
    return c->q_off;
}

sc_status cg_int8_quant_act(cg *c, int v, float scale, uint64_t *off) {
    int mode = !is_qdq(c->cur)                      ? CG_I8_MUL
               : sc_ir_attr_get(c->cur, "_qdq_zx")  ? CG_I8_QUANT
               : sc_ir_attr_get(c->cur, "_qdq_off") ? CG_I8_SUB
                                                    : CG_I8_DIV;
    /* "_qdq_off": an integer conv's 8-bit operand offset; "_qdq_zx": an asymmetric QDQ conv's
     * zero point (QuantizeLinear as the model computes it, x / scale, not x * (1 / scale)) */
    float sub = mode >= CG_I8_SUB ? sc_ir_attr_f(c->cur, "_qdq_off", 0) : 0;
    float zx = mode == CG_I8_QUANT ? sc_ir_attr_f(c->cur, "_qdq_zx", 0) : 0;
    cg_i8conv k = {mode, mode == CG_I8_MUL ? 1.0f / scale : scale, zx, sub};
    uint64_t n = (uint64_t)sc_ir_numel(&c->g->vals[v]);
    *off = cg_int8_scratch(c, n ? n : 1);
    return cg_int8_convert(c, v, &k, *off);
}

sc_status cg_int8_dequant(cg *c, int core, uint64_t caddr, uint64_t saddr, uint32_t inner,
                          uint32_t outer, int per_row) {
    uint32_t d[4] = {inner, outer, 1, 1};
    cg_view ci = {SC_SPACE_SPAD, SC_DTYPE_INT32, caddr, {1, (int32_t)inner, 0, 0}, -1};
    cg_view cf = ci;
    cf.dt = SC_DTYPE_FP32;
    cg_view s = {SC_SPACE_SPAD, SC_DTYPE_FP32, saddr, {per_row ? 0 : 1, per_row ? 1 : 0, 0, 0}, -1};
    return cg_vec(c, core, SC_OP_VMUL, d, &cf, &ci, &s, NULL, 0, 0);
}
