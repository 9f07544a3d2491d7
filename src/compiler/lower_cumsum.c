// SPDX-License-Identifier: Apache-2.0
// CumSum: [chunk x L x outer rows] slabs in the scratchpad, a log-step (Hillis-Steele) scan of
// ceil(log2 L) vector adds between two buffers; reverse by negative DMA strides, exclusive by a
// one-row shift.
#include <math.h>
#include <string.h>

#include "compiler/codegen_internal.h"

typedef struct csum {
    int x, y, reverse, exclusive;
    int64_t outer, L, inner, ic, nch, ob; /* ob: outer rows per tile (when inner fits) */
    uint64_t region, slot;
} csum;

typedef struct cs_t {
    int64_t o, c0;    /* first outer row, first inner column */
    uint32_t cw, nob; /* columns, outer rows */
} cs_t;

static cs_t cs_tile(const csum *s, uint64_t t) {
    cs_t r;
    r.o = (int64_t)(t / (uint64_t)s->nch) * s->ob;
    r.c0 = (int64_t)(t % (uint64_t)s->nch) * s->ic;
    r.cw = (uint32_t)SC_MIN(s->ic, s->inner - r.c0);
    r.nob = (uint32_t)SC_MIN(s->ob, s->outer - r.o);
    return r;
}

static uint64_t cs_reg(const csum *s, int slot, int which) {
    return (uint64_t)slot * s->slot + (uint64_t)which * s->region;
}

/* Where the result ends up: buffer 0 or 1 after the scan steps, 2 when exclusive. */
static int cs_result(const csum *s) {
    if (s->exclusive) return 2;
    int steps = 0;
    for (int64_t k = 1; k < s->L; k *= 2)
        steps++;
    return steps & 1;
}

/* HBM view of the slab [columns x L x outer rows]: L backwards when reverse. */
static cg_view cs_hbm(cg *c, const csum *s, int v, cs_t k) {
    int64_t first = k.o * s->L * s->inner + k.c0 + (s->reverse ? (s->L - 1) * s->inner : 0);
    int32_t st[4] = {1, (int32_t)(s->reverse ? -s->inner : s->inner), (int32_t)(s->L * s->inner),
                     0};
    return cg_val_view(c, v, (uint64_t)first, st);
}

static sc_status cs_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    csum *s = ctx;
    cs_t k = cs_tile(s, t);
    uint32_t d[4] = {k.cw, (uint32_t)s->L, k.nob, 1};
    cg_view src = cs_hbm(c, s, s->x, k), dst = cg_spad(SC_DTYPE_FP32, cs_reg(s, slot, 0), d);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

/* Buffer `which` from row r0 of the scanned axis on, as a [cw x rows x outer] view. */
static cg_view rows(const csum *s, int slot, int which, uint32_t cw, int64_t r0) {
    uint32_t d[4] = {cw, 1, 1, 1};
    cg_view v = cg_spad(SC_DTYPE_FP32, cs_reg(s, slot, which) + (uint64_t)(r0 * cw) * 4, d);
    v.st[1] = (int32_t)cw, v.st[2] = (int32_t)(s->L * cw);
    return v;
}

static sc_status cs_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    csum *s = ctx;
    cs_t tk = cs_tile(s, t);
    uint32_t cw = tk.cw, nob = tk.nob;
    int cur = 0;
    for (int64_t k = 1; k < s->L; k *= 2, cur ^= 1) {
        uint32_t dk[4] = {cw, (uint32_t)k, nob, 1}, dr[4] = {cw, (uint32_t)(s->L - k), nob, 1};
        cg_view a0 = rows(s, slot, cur, cw, 0), ak = rows(s, slot, cur, cw, k);
        cg_view n0 = rows(s, slot, cur ^ 1, cw, 0), nk = rows(s, slot, cur ^ 1, cw, k);
        if (cg_vec(c, core, SC_OP_VCOPY, dk, &n0, &a0, NULL, NULL, 0, 0) ||
            cg_vec(c, core, SC_OP_VADD, dr, &nk, &ak, &a0, NULL, 0, 0))
            return c->err->status;
    }
    if (!s->exclusive) return SC_OK;
    uint32_t d1[4] = {cw, 1, nob, 1}, dr[4] = {cw, (uint32_t)(s->L - 1), nob, 1};
    cg_view e0 = rows(s, slot, 2, cw, 0), e1 = rows(s, slot, 2, cw, 1);
    cg_view a0 = rows(s, slot, cur, cw, 0);
    /* x > +inf is 0 for every value (NaN included): the exclusive sum's first row */
    if (cg_vec(c, core, SC_OP_VGTF, d1, &e0, &a0, NULL, NULL, INFINITY, 0)) return c->err->status;
    if (s->L > 1 && cg_vec(c, core, SC_OP_VCOPY, dr, &e1, &a0, NULL, NULL, 0, 0))
        return c->err->status;
    return SC_OK;
}

static sc_status cs_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    csum *s = ctx;
    cs_t k = cs_tile(s, t);
    uint32_t d[4] = {k.cw, (uint32_t)s->L, k.nob, 1};
    cg_view dst = cs_hbm(c, s, s->y, k);
    cg_view src = cg_spad(SC_DTYPE_FP32, cs_reg(s, slot, cs_result(s)), d);
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

sc_status lower_cumsum(cg *c, sc_ir_node *n) {
    const sc_ir_value *x = &c->g->vals[n->in[0]];
    if (n->n_in < 2 || n->in[1] < 0 || !sc_ir_is_const(c->g, n->in[1]))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "CumSum axis computed at run time");
    int rank = x->rank ? x->rank : 1;
    int axis = ir_axis((int64_t)ir_const_scalar(c->g, n, 1, 0), rank);
    if (axis < 0) return sc_err_set(c->err, SC_ERR_PARSE, "CumSum axis out of range");
    csum s;
    memset(&s, 0, sizeof s);
    s.x = n->in[0], s.y = n->out[0];
    s.reverse = (int)sc_ir_attr_i(n, "reverse", 0);
    s.exclusive = (int)sc_ir_attr_i(n, "exclusive", 0);
    s.outer = s.inner = 1;
    s.L = x->rank ? x->dims[axis] : 1;
    for (int i = 0; i < x->rank; i++) {
        if (i < axis) s.outer *= x->dims[i];
        if (i > axis) s.inner *= x->dims[i];
    }
    if (!s.outer || !s.inner || !s.L) return SC_OK;
    /* three [L x ic] fp32 buffers (scan ping-pong and the exclusive shift) per slot, two slots;
     * each region is 64-byte aligned, so its size is rounded down to 64 bytes before dividing by
     * a row's bytes (dividing first and rounding each region up overran the scratchpad by up to
     * 6 x 63 bytes, as the elementwise slots did) */
    uint64_t region_max = c->spad / (2 * 3) / 64 * 64;
    s.ic = (int64_t)(region_max / (4 * (uint64_t)s.L));
    if (s.ic < 1 || s.L > INT32_MAX || s.inner > INT32_MAX)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "CumSum over an axis of %lld elements",
                          (long long)s.L);
    /* whole inner rows fit: pack several outer rows per tile (at most 64 Ki elements, so
     * tiles still spread over the cores) */
    s.ob = s.ic >= s.inner ? SC_MAX(1, SC_MIN(s.ic / s.inner, 65536 / (s.L * s.inner))) : 1;
    s.ob = SC_MIN(s.ob, s.outer);
    s.ic = SC_MIN(s.ic, s.inner);
    s.nch = (s.inner + s.ic - 1) / s.ic;
    s.region = ((uint64_t)(s.L * s.ic * s.ob) * 4 + 63) / 64 * 64;
    s.slot = 3 * s.region;
    cg_tiler tl = {cs_load, cs_compute, cs_store};
    uint64_t ntiles = (uint64_t)((s.outer + s.ob - 1) / s.ob * s.nch);
    /* an even number of scan steps leaves the result in the loaded region */
    return (cs_result(&s) == 0 ? cg_pipeline_inplace : cg_pipeline)(c, ntiles, &tl, &s);
}
