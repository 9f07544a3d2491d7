// SPDX-License-Identifier: Apache-2.0
// Ops whose output shape depends on the data: static upper bounds, a run-time length word in HBM
// written by the program, and the shared machinery (scan, compaction loop); NonZero lowered here.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_expand.h"
#include "compiler/lower_dyn.h"

/* Scalar registers of the compaction loop (beyond the codegen scratch set, R_T3 = 16). */
enum { R_W = 17, R_N = 18, R_MASK = 19, R_SIGN = 20, R_DV = 21, R_T = 22, R_JOB = 23 };
#define MAX_JOBS 3

/* ---- scratchpad and views ---- */

uint64_t dyn_alloc(dyn_sp *s, uint64_t n, int words8) {
    uint64_t a = s->top;
    s->top += (n * (words8 ? 8 : 4) + 63) / 64 * 64;
    if (s->top < a) s->top = UINT64_MAX; /* wrapped: certainly over */
    return a;
}

sc_status dyn_fits(cg *c, const dyn_sp *s, const char *op, const char *what) {
    if (s->top <= s->cap) return SC_OK;
    return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                      "%s with %s: the working set (%llu bytes) exceeds the scratchpad (%llu)", op,
                      what, (unsigned long long)s->top, (unsigned long long)s->cap);
}

cg_view dyn_vec1(uint64_t addr) {
    return cg_spad1(SC_DTYPE_FP32, addr);
}

cg_view dyn_rows(uint64_t addr) {
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, addr, {0, 1, 0, 0}, -1};
    return v;
}

cg_view dyn_scal(uint64_t addr) {
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, addr, {0, 0, 0, 0}, -1};
    return v;
}

/* ---- vector building blocks (core 0, compute queue) ---- */

sc_status dyn_fill(cg *c, cg_view d, uint32_t n, float v) {
    /* viota over an extent-1 axis writes R[r0] + 0 = 0 everywhere; then + v */
    uint32_t dims[4] = {n, 1, 1, 1};
    if (cg_vec(c, 0, SC_OP_VIOTA, dims, &d, NULL, NULL, NULL, 0, 1)) return c->err->status;
    return v != 0 ? cg_vec(c, 0, SC_OP_VADDF, dims, &d, &d, NULL, NULL, v, 0) : SC_OK;
}

sc_status dyn_scan(cg *c, uint64_t a, uint64_t t, uint32_t n, uint64_t *res) {
    for (uint32_t s = 1; s < n; s *= 2) {
        uint32_t head[4] = {s, 1, 1, 1}, tail[4] = {n - s, 1, 1, 1};
        cg_view src = dyn_vec1(a), dst = dyn_vec1(t), hi = dyn_vec1(a + 4ull * s),
                dhi = dyn_vec1(t + 4ull * s);
        if (cg_vec(c, 0, SC_OP_VCOPY, head, &dst, &src, NULL, NULL, 0, 0) ||
            cg_vec(c, 0, SC_OP_VADD, tail, &dhi, &hi, &src, NULL, 0, 0))
            return c->err->status;
        uint64_t x = a;
        a = t, t = x;
        if (s > UINT32_MAX / 2) break;
    }
    *res = a;
    return SC_OK;
}

sc_status dyn_dest_words(cg *c, uint64_t keep, uint64_t pos, uint64_t tmp, uint64_t w, uint32_t n) {
    /* (pos + 1) * keep - 1: pos for kept elements, -1 for the others; exact integers in fp32 */
    uint32_t d[4] = {n, 1, 1, 1};
    cg_view k = dyn_vec1(keep), p = dyn_vec1(pos), t = dyn_vec1(tmp);
    cg_view wv = {SC_SPACE_SPAD, SC_DTYPE_INT32, w, {2, 0, 0, 0}, -1};
    if (cg_vec(c, 0, SC_OP_VADDF, d, &t, &p, NULL, NULL, 1.0f, 0) ||
        cg_vec(c, 0, SC_OP_VMUL, d, &t, &t, &k, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VADDF, d, &t, &t, NULL, NULL, -1.0f, 0))
        return c->err->status;
    return cg_vec(c, 0, SC_OP_VCAST, d, &wv, &t, NULL, NULL, 0, 0);
}

/* ---- DMA descriptors with register bases, the compaction loop, length words ---- */

static sc_status ins(cg *c, uint16_t op, int64_t a, int64_t b, int64_t d) {
    sc_insn in = {op, {a, b, d}};
    return cg_emit(c, 0, SC_QUEUE_STORE, &in);
}

static uint32_t store_pc(cg *c) {
    size_t n = 0;
    sc_program_code(c->p, 0, SC_QUEUE_STORE, &n);
    return (uint32_t)n;
}

/* Loop body: sign-extend word i, skip when negative, else one DMA per job. */
static sc_status compact_body(cg *c, const dyn_job *jobs, int n_jobs, uint32_t *skip_at) {
    sc_queue S = SC_QUEUE_STORE;
    if (ins(c, SC_OP_LDS, R_DV, R_W, 0) || ins(c, SC_OP_AND, R_DV, R_DV, R_MASK) ||
        ins(c, SC_OP_XOR, R_DV, R_DV, R_SIGN) || ins(c, SC_OP_SUB, R_DV, R_DV, R_SIGN))
        return c->err->status;
    *skip_at = store_pc(c); /* patched below: blt to the increment block */
    if (ins(c, SC_OP_BLT, R_DV, 0, 0)) return c->err->status;
    for (int k = 0; k < n_jobs; k++) {
        int rs = R_JOB + 3 * k;
        sc_insn dma = {SC_OP_DMA, {jobs[k].desc, R_T, rs, 0, 0}};
        if (ins(c, SC_OP_MUL, R_T, R_DV, rs + 1) || ins(c, SC_OP_ADD, R_T, R_T, rs + 2) ||
            cg_emit(c, 0, S, &dma))
            return c->err->status;
    }
    return SC_OK;
}

sc_status dyn_compact(cg *c, uint64_t w, uint32_t n, const dyn_job *jobs, int n_jobs) {
    sc_queue S = SC_QUEUE_STORE;
    if (!n || !n_jobs) return SC_OK; /* `loop` with a zero count would not end */
    if (n_jobs > MAX_JOBS) return sc_err_set(c->err, SC_ERR_INVALID_ARG, "dyn_compact: jobs");
    if (cg_li(c, 0, S, R_W, (int64_t)w) || cg_li(c, 0, S, R_N, n) ||
        cg_li(c, 0, S, R_MASK, 0xffffffffll) || cg_li(c, 0, S, R_SIGN, 0x80000000ll))
        return c->err->status;
    for (int k = 0; k < n_jobs; k++) {
        int rs = R_JOB + 3 * k;
        if (cg_li(c, 0, S, rs, (int64_t)jobs[k].src) || cg_li(c, 0, S, rs + 1, jobs[k].dst_step) ||
            cg_li(c, 0, S, rs + 2, (int64_t)jobs[k].dst))
            return c->err->status;
    }
    uint32_t top = store_pc(c), skip_at = 0;
    if (compact_body(c, jobs, n_jobs, &skip_at)) return c->err->status;
    uint32_t inc = store_pc(c);
    if (ins(c, SC_OP_ADDI, R_W, R_W, 8)) return c->err->status;
    for (int k = 0; k < n_jobs; k++)
        if (ins(c, SC_OP_ADDI, R_JOB + 3 * k, R_JOB + 3 * k, jobs[k].src_step))
            return c->err->status;
    sc_insn lp = {SC_OP_LOOP, {R_N, top}};
    if (cg_emit(c, 0, S, &lp)) return c->err->status;
    /* the skip branch was emitted before its target existed: rewrite it in place */
    sc_insn br = {SC_OP_BLT, {R_DV, 0, inc}};
    return sc_program_set_insn(c->p, 0, S, skip_at, &br, c->err);
}

sc_status dyn_store_len(cg *c, int v, uint64_t cnt) {
    uint32_t one[4] = {1, 1, 1, 1};
    cg_view dst = {SC_SPACE_HBM, SC_DTYPE_INT32, c->len_off[v], {1, 0, 0, 0}, -1};
    cg_view src = dyn_vec1(cnt);
    return cg_dma(c, 0, SC_QUEUE_STORE, one, &dst, &src);
}

/* ---- planning and the consumer check ---- */

sc_status cg_dyn_plan(cg *c) {
    c->len_off = calloc((size_t)c->g->n_vals + 1, sizeof *c->len_off);
    if (!c->len_off) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int v = 0; v < c->g->n_vals; v++) {
        if (!c->g->vals[v].dyn) continue;
        c->hbm_top = (c->hbm_top + 63) & ~63ull;
        c->len_off[v] = c->hbm_top;
        c->hbm_top += 64;
    }
    return SC_OK;
}

sc_status cg_dyn_check(cg *c, const sc_ir_node *n) {
    for (int j = 0; j < n->n_in; j++) {
        int v = n->in[j];
        if (v < 0 || !c->g->vals[v].dyn) continue;
        const sc_ir_node *p = sc_ir_producer(c->g, v);
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                          "data-dependent shape of %s output '%s' feeds %s node '%s' "
                          "(unsupported)",
                          p ? p->op : "?", c->g->vals[v].name, n->op, n->name);
    }
    return SC_OK;
}

/* ---- NonZero ---- */

typedef struct nz {
    int x, y, rank;
    int64_t dims[SC_IR_MAX_RANK];
    uint32_t n;
    uint64_t a, p, t, coords, w, cnt;
} nz;

/* Coordinate planes: plane k holds (i / stride_k) % dims_k for every flat index i (viota over
 * a [stride, dim, outer] view of the plane). */
static sc_status nz_coords(cg *c, const nz *z) {
    int64_t stride = 1;
    for (int k = z->rank - 1; k >= 0; k--) {
        int64_t outer = z->n / (stride * z->dims[k]);
        uint32_t d[4] = {(uint32_t)stride, (uint32_t)z->dims[k], (uint32_t)outer, 1};
        cg_view v = {SC_SPACE_SPAD,
                     SC_DTYPE_FP32,
                     z->coords + 4ull * z->n * (uint64_t)k,
                     {1, (int32_t)stride, (int32_t)(stride * z->dims[k]), 0},
                     -1};
        if (cg_vec(c, 0, SC_OP_VIOTA, d, &v, NULL, NULL, NULL, 0, 1)) return c->err->status;
        stride *= z->dims[k];
    }
    return SC_OK;
}

static sc_status nz_compute(cg *c, const nz *z) {
    uint32_t d[4] = {z->n, 1, 1, 1}, one[4] = {1, 1, 1, 1};
    cg_view a = dyn_vec1(z->a), m = dyn_vec1(z->t);
    uint64_t inc;
    /* m = x != 0 (NaN counts as non-zero), kept in t while p becomes its scan */
    if (cg_vec(c, 0, SC_OP_VNEF, d, &m, &a, NULL, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VCOPY, d, &a, &m, NULL, NULL, 0, 0) ||
        dyn_scan(c, z->t, z->p, z->n, &inc))
        return c->err->status;
    /* a: flags; inc: inclusive count; the other buffer is free for the exclusive positions */
    uint64_t ex = inc == z->t ? z->p : z->t;
    cg_view e = dyn_vec1(ex), iv = dyn_vec1(inc), last = dyn_vec1(inc + 4ull * (z->n - 1)),
            cnt = dyn_vec1(z->cnt);
    if (cg_vec(c, 0, SC_OP_VSUB, d, &e, &iv, &a, NULL, 0, 0) ||
        cg_vec(c, 0, SC_OP_VCOPY, one, &cnt, &last, NULL, NULL, 0, 0) || nz_coords(c, z))
        return c->err->status;
    return dyn_dest_words(c, z->a, ex, inc, z->w, z->n);
}

sc_status lower_nonzero(cg *c, sc_ir_node *n) {
    nz z;
    memset(&z, 0, sizeof z);
    z.x = n->in[0], z.y = n->out[0];
    const sc_ir_value *x = &c->g->vals[z.x];
    z.rank = x->rank ? x->rank : 1; /* a scalar counts as one element of a 1-D tensor */
    for (int i = 0; i < z.rank; i++)
        z.dims[i] = x->rank ? x->dims[i] : 1;
    int64_t ne = sc_ir_numel(x);
    dyn_sp sp = {0, c->spad};
    if (ne > (1 << 24)) return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "NonZero over 2^24 elements");
    z.n = (uint32_t)ne;
    z.a = dyn_alloc(&sp, z.n, 0), z.p = dyn_alloc(&sp, z.n, 0), z.t = dyn_alloc(&sp, z.n, 0);
    z.coords = dyn_alloc(&sp, (uint64_t)z.n * (uint64_t)z.rank, 0);
    z.w = dyn_alloc(&sp, z.n, 1), z.cnt = dyn_alloc(&sp, 1, 0);
    char what[64];
    snprintf(what, sizeof what, "%lld elements", (long long)ne);
    if (dyn_fits(c, &sp, "NonZero", what)) return c->err->status;
    if (!z.n) { /* empty input: the length word is 0 */
        if (dyn_fill(c, dyn_vec1(z.cnt), 1, 0) ||
            cg_sem(c, 0, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CDONE, 1) ||
            cg_sem(c, 0, SC_QUEUE_STORE, SC_OP_WAIT, SEM_CDONE, 1))
            return c->err->status;
        return dyn_store_len(c, z.y, z.cnt);
    }
    uint32_t d[4] = {z.n, 1, 1, 1};
    int32_t st1[4] = {1, 0, 0, 0};
    cg_view src = cg_val_view(c, z.x, 0, st1), dst = dyn_vec1(z.a);
    if (cg_dma(c, 0, SC_QUEUE_LOAD, d, &dst, &src) ||
        cg_sem(c, 0, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_READY, 1) ||
        cg_sem(c, 0, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_READY, 1) || nz_compute(c, &z) ||
        cg_sem(c, 0, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CDONE, 1) ||
        cg_sem(c, 0, SC_QUEUE_STORE, SC_OP_WAIT, SEM_CDONE, 1) || dyn_store_len(c, z.y, z.cnt))
        return c->err->status;
    /* element i's coordinates (a column of the [rank x n] planes) go to output column w[i] */
    const cg_loc *o = &c->loc[z.y];
    uint32_t cd[4] = {(uint32_t)z.rank, 1, 1, 1};
    cg_view cs = {SC_SPACE_SPAD, SC_DTYPE_FP32, 0, {(int32_t)z.n, 0, 0, 0}, -1};
    cg_view os = {o->space, o->dt, 0, {(int32_t)z.n, 0, 0, 0}, -1};
    dyn_job job = {0, z.coords, o->off, 4, sc_isa_dtype_bytes(o->dt)};
    if (cg_dma_desc(c, cd, &os, &cs, &job.desc)) return c->err->status;
    return dyn_compact(c, z.w, z.n, &job, 1);
}

sc_status ir_shape_nonzero(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_ir_value *x = ir_in(g, n, 0), *y = ir_out(g, n, 0);
    if (!x || !y)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (NonZero): needs an input", n->name);
    if (x->rank < 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (NonZero): unknown input shape",
                          n->name);
    int64_t d[2] = {x->rank ? x->rank : 1, sc_ir_numel(x)}; /* bound: every element non-zero */
    ir_set_shape(y, SC_T_INT64, 2, d);
    y->dyn = 2;
    return SC_OK;
}

/* ---- dispatch ---- */

int lower_is_dynshape(const char *op) {
    return !strcmp(op, "NonZero") || !strcmp(op, "Unique") || !strcmp(op, "NonMaxSuppression");
}

sc_status lower_dynshape(cg *c, sc_ir_node *n) {
    if (!strcmp(n->op, "Unique")) return lower_unique(c, n);
    if (!strcmp(n->op, "NonMaxSuppression")) return lower_nms(c, n);
    return lower_nonzero(c, n);
}
