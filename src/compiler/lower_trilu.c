// SPDX-License-Identifier: Apache-2.0
// Trilu: row blocks of each matrix in the scratchpad, a mask from two viota index planes
// (keep j - i >= k for the upper triangle, <= k for the lower), then a select against zeros.
#include <math.h>
#include <string.h>

#include "compiler/codegen_internal.h"

typedef struct tri {
    int x, y, upper;
    int64_t M, N, k, rb, nrb, batch;
    uint64_t region, slot;
} tri;

static void tri_tile(const tri *t, uint64_t i, int64_t *b, int64_t *r0, uint32_t *rows) {
    *r0 = (int64_t)(i % (uint64_t)t->nrb) * t->rb;
    *b = (int64_t)(i / (uint64_t)t->nrb);
    *rows = (uint32_t)SC_MIN(t->rb, t->M - *r0);
}

static uint64_t reg(const tri *t, int slot, int which) {
    return (uint64_t)slot * t->slot + (uint64_t)which * t->region;
}

static sc_status tri_load(cg *c, void *ctx, int core, uint64_t i, int slot) {
    tri *t = ctx;
    int64_t b, r0;
    uint32_t rows;
    tri_tile(t, i, &b, &r0, &rows);
    uint32_t d[4] = {(uint32_t)t->N, rows, 1, 1};
    int32_t st[4] = {1, (int32_t)t->N, 0, 0};
    cg_view src = cg_val_view(c, t->x, (uint64_t)((b * t->M + r0) * t->N), st);
    cg_view dst = cg_spad(SC_DTYPE_FP32, reg(t, slot, 0), d);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

static sc_status tri_compute(cg *c, void *ctx, int core, uint64_t i, int slot) {
    tri *t = ctx;
    int64_t b, r0;
    uint32_t rows;
    tri_tile(t, i, &b, &r0, &rows);
    uint32_t d[4] = {(uint32_t)t->N, rows, 1, 1};
    cg_view a = cg_spad(SC_DTYPE_FP32, reg(t, slot, 0), d),
            j = cg_spad(SC_DTYPE_FP32, reg(t, slot, 1), d),
            r = cg_spad(SC_DTYPE_FP32, reg(t, slot, 2), d),
            o = cg_spad(SC_DTYPE_FP32, reg(t, slot, 3), d);
    if (cg_vec(c, core, SC_OP_VIOTA, d, &j, NULL, NULL, NULL, 0, 0) || /* j */
        cg_vec(c, core, SC_OP_VIOTA, d, &r, NULL, NULL, NULL, 0, 1) || /* local row */
        cg_vec(c, core, SC_OP_VADDF, d, &r, &r, NULL, NULL, (float)(r0 + t->k), 0) ||
        cg_vec(c, core, SC_OP_VSUB, d, &j, &j, &r, NULL, 0, 0) || /* j - i - k */
        cg_vec(c, core, t->upper ? SC_OP_VGEF : SC_OP_VLEF, d, &j, &j, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VGTF, d, &r, &a, NULL, NULL, INFINITY, 0) || /* zeros */
        cg_vec(c, core, SC_OP_VSEL, d, &o, &j, &a, &r, 0, 0))
        return c->err->status;
    return SC_OK;
}

static sc_status tri_store(cg *c, void *ctx, int core, uint64_t i, int slot) {
    tri *t = ctx;
    int64_t b, r0;
    uint32_t rows;
    tri_tile(t, i, &b, &r0, &rows);
    uint32_t d[4] = {(uint32_t)t->N, rows, 1, 1};
    int32_t st[4] = {1, (int32_t)t->N, 0, 0};
    cg_view dst = cg_val_view(c, t->y, (uint64_t)((b * t->M + r0) * t->N), st);
    cg_view src = cg_spad(SC_DTYPE_FP32, reg(t, slot, 3), d);
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

sc_status lower_trilu(cg *c, sc_ir_node *n) {
    const sc_ir_value *x = &c->g->vals[n->in[0]];
    if (x->rank < 2) return sc_err_set(c->err, SC_ERR_INVALID_ARG, "Trilu needs rank >= 2");
    if (n->n_in > 1 && n->in[1] >= 0 && !sc_ir_is_const(c->g, n->in[1]))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "Trilu k computed at run time");
    tri t;
    memset(&t, 0, sizeof t);
    t.x = n->in[0], t.y = n->out[0], t.upper = (int)sc_ir_attr_i(n, "upper", 1);
    t.k = (int64_t)ir_const_scalar(c->g, n, 1, 0);
    t.M = x->dims[x->rank - 2], t.N = x->dims[x->rank - 1];
    t.batch = t.M > 0 && t.N > 0 ? sc_ir_numel(x) / (t.M * t.N) : 0;
    if (!t.M || !t.N || !t.batch) return SC_OK;
    /* four [N x rb] fp32 regions per slot, two slots */
    t.rb = (int64_t)(c->spad / (2 * 4 * 4 * (uint64_t)t.N));
    if (t.rb < 1)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "Trilu rows of %lld elements",
                          (long long)t.N);
    t.rb = SC_MIN(t.rb, t.M);
    t.nrb = (t.M + t.rb - 1) / t.rb;
    t.region = ((uint64_t)(t.rb * t.N) * 4 + 63) / 64 * 64;
    t.slot = 4 * t.region;
    cg_tiler tl = {tri_load, tri_compute, tri_store};
    return cg_pipeline(c, (uint64_t)(t.batch * t.nrb), &tl, &t);
}
