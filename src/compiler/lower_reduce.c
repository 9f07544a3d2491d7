// SPDX-License-Identifier: Apache-2.0
// Row-wise ops: reductions, Softmax/LogSoftmax, LayerNorm, InstanceNorm. A tile holds every
// reduced element of kc kept positions as [R x kc] in the scratchpad (the DMA gathers the
// reduced axes innermost), then vector reductions run along axis 0. Reduce* over more elements
// than a tile holds run as partial reductions of chunks into scratch HBM, then a combine.
#include <math.h>
#include <string.h>

#include "compiler/codegen_internal.h"

#define RW_MAX_ELEMS (256u * 1024u)
#define RW_CHUNK     (64u * 1024u) /* reduced elements per partial reduction of a long row */

enum { POST_NONE, POST_MEAN, POST_SQRT, POST_LOG }; /* applied after a combining reduction */

int lower_is_reduce(const char *op) {
    static const char *OPS[] = {"ReduceSum",        "ReduceMean",
                                "ReduceMax",        "ReduceMin",
                                "ReduceSumSquare",  "ReduceL1",
                                "ReduceL2",         "ReduceLogSum",
                                "ReduceLogSumExp",  "Softmax",
                                "LogSoftmax",       "LayerNormalization",
                                "RMSNormalization", "InstanceNormalization",
                                "ReduceProd",       "ArgMax",
                                "ArgMin",           "Hardmax"};
    for (size_t i = 0; i < SC_ARRAY_LEN(OPS); i++)
        if (!strcmp(OPS[i], op)) return 1;
    return 0;
}

typedef struct rw {
    const sc_ir_node *n;
    const char *op;        /* the reduction run (a chunked reduction's partial or combining op) */
    int post;              /* POST_*: finishes a combining ReduceMean/L2/LogSum */
    float inv_rtot;        /* POST_MEAN: 1 / all reduced elements */
    int x_raw, y_raw;      /* input / output in scratch HBM (fp32 at x_hbm / y_hbm) */
    uint64_t x_hbm, y_hbm; /* instead of the node's values */
    int64_t xo, yo;        /* element offsets added to every input / output access */
    int x, y, same;        /* same: output has the input's shape */
    int nr, nk;
    int64_t rd[8], rs[8];        /* reduced dims / input strides, innermost first */
    int64_t kd[8], ks[8], ko[8]; /* kept dims / input strides / output strides */
    int64_t R, kc, nkc;
    uint64_t a_addr[2], t_addr[2], m_addr[2], s_addr[2], sc_addr, bi_addr, slot;
    int need_tmp;    /* a second tile-sized region (norms, LogSoftmax) */
    int scale, bias; /* LN / IN parameter values or -1 */
    int per_channel; /* InstanceNorm: parameters indexed by the kept channel */
} rw;

/* ReduceX with noop_with_empty_axes and no axes: the identity (as a copy). */
static sc_status flat_copy_reduce(cg *c, const sc_ir_node *n) {
    int64_t cnt = sc_ir_numel(&c->g->vals[n->out[0]]), one = 1;
    cg_loc *d = &c->loc[n->out[0]], *s = &c->loc[n->in[0]];
    return cg_copy_nd(c, 1, &cnt, d->space, d->dt, d->off, &one, s->space, s->dt, s->off, &one);
}

static void rw_dims(cg *c, rw *w, unsigned mask, int merge_kept) {
    const sc_ir_value *x = &c->g->vals[w->x];
    int64_t st[SC_IR_MAX_RANK], ost = 1;
    ir_strides(x->rank, x->dims, st);
    w->nr = w->nk = 0;
    w->R = 1;
    for (int i = x->rank - 1; i >= 0; i--) {
        int64_t d = x->dims[i];
        if (mask >> i & 1) {
            w->R *= d;
            if (d == 1) continue;
            if (w->nr && st[i] == w->rs[w->nr - 1] * w->rd[w->nr - 1])
                w->rd[w->nr - 1] *= d;
            else
                w->rd[w->nr] = d, w->rs[w->nr++] = st[i];
        } else {
            int64_t o = w->same ? st[i] : ost;
            ost *= d;
            if (d == 1 && merge_kept) continue;
            if (merge_kept && w->nk && st[i] == w->ks[w->nk - 1] * w->kd[w->nk - 1] &&
                o == w->ko[w->nk - 1] * w->kd[w->nk - 1])
                w->kd[w->nk - 1] *= d;
            else
                w->kd[w->nk] = d, w->ks[w->nk] = st[i], w->ko[w->nk++] = o;
        }
    }
    if (!w->nk) w->kd[0] = 1, w->ks[0] = 0, w->ko[0] = 0, w->nk = 1;
    if (!w->nr) w->rd[0] = 1, w->rs[0] = 0, w->nr = 1;
}

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

/* Elements per tile (0 when one kept position's reduced elements do not fit). */
static uint64_t rw_budget(const cg *c, const rw *w, uint64_t *per) {
    uint64_t par = 2 * (uint64_t)(w->per_channel ? w->kd[0] : w->R) + 64;
    uint64_t budget = c->spad / 4 > par ? (c->spad / 4 - par) / 2 : 0;
    if (budget > RW_MAX_ELEMS) budget = RW_MAX_ELEMS;
    *per = (uint64_t)w->R * (w->need_tmp ? 2 : 1) + 2;
    return *per + 32 > budget ? 0 : budget;
}

static sc_status rw_plan(cg *c, rw *w) {
    if (w->nr > 3)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "more than 3 non-contiguous reduced axes");
    uint64_t per, budget = rw_budget(c, w, &per);
    if (!budget)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "reduction over %lld elements exceeds a tile",
                          (long long)w->R);
    int64_t kc = (int64_t)((budget - 32) / per);
    w->kc = kc < w->kd[0] ? kc : w->kd[0];
    w->nkc = (w->kd[0] + w->kc - 1) / w->kc;
    uint64_t a = al64((uint64_t)(w->R * w->kc * 4)), v = al64((uint64_t)w->kc * 4);
    w->slot = a * (w->need_tmp ? 2 : 1) + 2 * v;
    for (int s = 0; s < 2; s++) {
        w->a_addr[s] = (uint64_t)s * w->slot;
        w->t_addr[s] = w->a_addr[s] + a;
        w->m_addr[s] = w->a_addr[s] + a * (w->need_tmp ? 2 : 1);
        w->s_addr[s] = w->m_addr[s] + v;
    }
    w->sc_addr = 2 * w->slot;
    w->bi_addr = w->sc_addr + al64((uint64_t)(w->per_channel ? w->kd[0] : w->R) * 4);
    return SC_OK;
}

static uint64_t rw_ntiles(const rw *w) {
    uint64_t n = (uint64_t)w->nkc;
    for (int i = 1; i < w->nk; i++)
        n *= (uint64_t)w->kd[i];
    return n;
}

/* Tile t: kept-chunk start q0 and count; input and output element offsets. */
static uint32_t rw_tile(const rw *w, uint64_t t, int64_t *q0, int64_t *ioff, int64_t *ooff) {
    *q0 = (int64_t)(t % (uint64_t)w->nkc) * w->kc;
    uint64_t rest = t / (uint64_t)w->nkc;
    *ioff = *q0 * w->ks[0], *ooff = *q0 * w->ko[0];
    for (int i = 1; i < w->nk; i++) {
        int64_t x = (int64_t)(rest % (uint64_t)w->kd[i]);
        rest /= (uint64_t)w->kd[i];
        *ioff += x * w->ks[i], *ooff += x * w->ko[i];
    }
    int64_t left = w->kd[0] - *q0;
    return (uint32_t)(left < w->kc ? left : w->kc);
}

static void rw_io_dims(const rw *w, uint32_t kc, uint32_t d[4], int32_t st[4]) {
    for (int i = 0; i < 4; i++)
        d[i] = 1, st[i] = 0;
    for (int i = 0; i < w->nr; i++)
        d[i] = (uint32_t)w->rd[i], st[i] = (int32_t)w->rs[i];
    d[3] = kc;
    st[3] = (int32_t)w->ks[0];
}

/* The input (or output) at element e: the node's value or a scratch HBM range. */
static cg_view io_view(cg *c, int raw, uint64_t hbm, int v, int64_t e, const int32_t st[4]) {
    if (!raw) return cg_val_view(c, v, (uint64_t)e, st);
    cg_view r = {
        SC_SPACE_HBM, SC_DTYPE_FP32, hbm + (uint64_t)e * 4, {st[0], st[1], st[2], st[3]}, -1};
    return r;
}
static cg_view x_view(cg *c, const rw *w, int64_t e, const int32_t st[4]) {
    return io_view(c, w->x_raw, w->x_hbm, w->x, w->xo + e, st);
}

static sc_status rw_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    rw *w = ctx;
    int64_t q0, io, oo;
    uint32_t kc = rw_tile(w, t, &q0, &io, &oo), d[4];
    int32_t st[4];
    rw_io_dims(w, kc, d, st);
    cg_view src = x_view(c, w, io, st);
    cg_view dst = cg_spad(SC_DTYPE_FP32, w->a_addr[slot], d);
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

/* [R x kc] tile view and [1 x kc] stats view (stride 0 along R: broadcasts as a source). */
static cg_view tile_v(const rw *w, int slot) {
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, w->a_addr[slot], {1, (int32_t)w->R, 0, 0}, -1};
    return v;
}
static cg_view stat_v(uint64_t addr) {
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, addr, {0, 1, 0, 0}, -1};
    return v;
}

static sc_status red(cg *c, int core, int op, const uint32_t d[4], const cg_view *dst,
                     const cg_view *a) {
    return cg_vec(c, core, op, d, dst, a, NULL, NULL, 0, 0);
}

/* A combining reduction's last step (ReduceMean / L2 / LogSum of partial sums). */
static sc_status post_compute(cg *c, const rw *w, int core, int slot, uint32_t kc) {
    uint32_t dk[4] = {1, kc, 1, 1};
    cg_view m = stat_v(w->m_addr[slot]);
    if (w->post == POST_MEAN)
        return cg_vec(c, core, SC_OP_VMULF, dk, &m, &m, NULL, NULL, w->inv_rtot, 0);
    if (w->post == POST_SQRT) return red(c, core, SC_OP_VSQRT, dk, &m, &m);
    if (w->post == POST_LOG) return red(c, core, SC_OP_VLOG, dk, &m, &m);
    return SC_OK;
}

static sc_status reduce_compute(cg *c, rw *w, int core, int slot, uint32_t kc) {
    const char *op = w->op;
    uint32_t d[4] = {(uint32_t)w->R, kc, 1, 1}, dk[4] = {1, kc, 1, 1};
    cg_view a = tile_v(w, slot), m = stat_v(w->m_addr[slot]), s = stat_v(w->s_addr[slot]);
    float invR = 1.0f / (float)w->R;
    if (!strcmp(op, "ReduceMax")) return red(c, core, SC_OP_VREDMAX, d, &m, &a);
    if (!strcmp(op, "ReduceMin"))
        return red(c, core, SC_OP_VNEG, d, &a, &a) || red(c, core, SC_OP_VREDMAX, d, &m, &a) ||
                       red(c, core, SC_OP_VNEG, dk, &m, &m)
                   ? c->err->status
                   : SC_OK;
    if (!strcmp(op, "ReduceLogSumExp")) {
        if (red(c, core, SC_OP_VREDMAX, d, &s, &a) ||
            cg_vec(c, core, SC_OP_VSUB, d, &a, &a, &s, NULL, 0, 0) ||
            red(c, core, SC_OP_VEXP, d, &a, &a) || red(c, core, SC_OP_VREDSUM, d, &m, &a) ||
            red(c, core, SC_OP_VLOG, dk, &m, &m) ||
            cg_vec(c, core, SC_OP_VADD, dk, &m, &m, &s, NULL, 0, 0))
            return c->err->status;
        return SC_OK;
    }
    if (!strcmp(op, "ReduceSumSquare") || !strcmp(op, "ReduceL2"))
        if (cg_vec(c, core, SC_OP_VMUL, d, &a, &a, &a, NULL, 0, 0)) return c->err->status;
    if (!strcmp(op, "ReduceL1") && red(c, core, SC_OP_VABS, d, &a, &a)) return c->err->status;
    if (red(c, core, SC_OP_VREDSUM, d, &m, &a)) return c->err->status;
    if (!strcmp(op, "ReduceMean") && cg_vec(c, core, SC_OP_VMULF, dk, &m, &m, NULL, NULL, invR, 0))
        return c->err->status;
    if (!strcmp(op, "ReduceL2") && red(c, core, SC_OP_VSQRT, dk, &m, &m)) return c->err->status;
    if (!strcmp(op, "ReduceLogSum") && red(c, core, SC_OP_VLOG, dk, &m, &m)) return c->err->status;
    return post_compute(c, w, core, slot, kc);
}

static cg_view tmp_v(const rw *w, int slot) {
    cg_view v = tile_v(w, slot);
    v.base = w->t_addr[slot];
    return v;
}

/* m = index of the first (or last) maximum along the tile's reduced axis; t is scratch. The
 * candidates are iota where x == max and +-2^30 elsewhere, so one more max picks the index. */
static sc_status arg_index(cg *c, rw *w, int core, int slot, uint32_t kc, int last) {
    uint32_t d[4] = {(uint32_t)w->R, kc, 1, 1}, dk[4] = {1, kc, 1, 1};
    cg_view a = tile_v(w, slot), t = tmp_v(w, slot), m = stat_v(w->m_addr[slot]);
    const float big = 1073741824.0f;
    if (red(c, core, SC_OP_VREDMAX, d, &m, &a) ||
        cg_vec(c, core, SC_OP_VEQ, d, &t, &a, &m, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VIOTA, d, &a, NULL, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VMULF, d, &t, &t, NULL, NULL, last ? big : -big, 0) ||
        cg_vec(c, core, SC_OP_VADDF, d, &t, &t, NULL, NULL, last ? -big : big, 0) ||
        cg_vec(c, core, SC_OP_VADD, d, &t, &t, &a, NULL, 0, 0))
        return c->err->status;
    if (last) return red(c, core, SC_OP_VREDMAX, d, &m, &t);
    return red(c, core, SC_OP_VNEG, d, &t, &t) || red(c, core, SC_OP_VREDMAX, d, &m, &t) ||
                   red(c, core, SC_OP_VNEG, dk, &m, &m)
               ? c->err->status
               : SC_OK;
}

static sc_status arg_compute(cg *c, rw *w, int core, int slot, uint32_t kc) {
    uint32_t d[4] = {(uint32_t)w->R, kc, 1, 1};
    cg_view a = tile_v(w, slot), m = stat_v(w->m_addr[slot]);
    const char *op = w->n->op;
    int last = (int)sc_ir_attr_i(w->n, "select_last_index", 0);
    if (!strcmp(op, "ArgMin") && red(c, core, SC_OP_VNEG, d, &a, &a)) return c->err->status;
    if (arg_index(c, w, core, slot, kc, last)) return c->err->status;
    if (strcmp(op, "Hardmax")) return SC_OK;
    /* one-hot of the first maximum: a holds iota after arg_index */
    return cg_vec(c, core, SC_OP_VEQ, d, &a, &a, &m, NULL, 0, 0);
}

/* |prod| = exp(sum log|x|); the sign from the parity of the negative count. */
static sc_status prod_compute(cg *c, rw *w, int core, int slot, uint32_t kc) {
    uint32_t d[4] = {(uint32_t)w->R, kc, 1, 1}, dk[4] = {1, kc, 1, 1};
    cg_view a = tile_v(w, slot), t = tmp_v(w, slot), m = stat_v(w->m_addr[slot]),
            s = stat_v(w->s_addr[slot]);
    /* q = round(n/2 - 1/4) = floor(n/2); parity = n - 2q; sign = 1 - 2 parity. t's first kc
     * elements serve as a [1 x kc] scratch row after the reductions. */
    cg_view tk = stat_v(w->t_addr[slot]), ti = tk;
    ti.dt = SC_DTYPE_INT32;
    if (red(c, core, SC_OP_VABS, d, &t, &a) || red(c, core, SC_OP_VLOG, d, &t, &t) ||
        red(c, core, SC_OP_VREDSUM, d, &m, &t) || red(c, core, SC_OP_VEXP, dk, &m, &m) ||
        cg_vec(c, core, SC_OP_VLTF, d, &t, &a, NULL, NULL, 0, 0) ||
        red(c, core, SC_OP_VREDSUM, d, &s, &t) ||
        cg_vec(c, core, SC_OP_VMULF, dk, &tk, &s, NULL, NULL, 0.5f, 0) ||
        cg_vec(c, core, SC_OP_VSUBF, dk, &tk, &tk, NULL, NULL, 0.25f, 0) ||
        cg_vec(c, core, SC_OP_VCAST, dk, &ti, &tk, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VCAST, dk, &tk, &ti, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VMULF, dk, &tk, &tk, NULL, NULL, -2.0f, 0) ||
        cg_vec(c, core, SC_OP_VADD, dk, &tk, &tk, &s, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VMULF, dk, &tk, &tk, NULL, NULL, -2.0f, 0) ||
        cg_vec(c, core, SC_OP_VADDF, dk, &tk, &tk, NULL, NULL, 1.0f, 0) ||
        cg_vec(c, core, SC_OP_VMUL, dk, &m, &m, &tk, NULL, 0, 0))
        return c->err->status;
    return SC_OK;
}

static sc_status softmax_compute(cg *c, rw *w, int core, int slot, uint32_t kc) {
    uint32_t d[4] = {(uint32_t)w->R, kc, 1, 1}, dk[4] = {1, kc, 1, 1};
    cg_view a = tile_v(w, slot), t = tmp_v(w, slot), m = stat_v(w->m_addr[slot]),
            s = stat_v(w->s_addr[slot]);
    if (red(c, core, SC_OP_VREDMAX, d, &m, &a) ||
        cg_vec(c, core, SC_OP_VSUB, d, &a, &a, &m, NULL, 0, 0))
        return c->err->status;
    if (!strcmp(w->n->op, "LogSoftmax"))
        return red(c, core, SC_OP_VEXP, d, &t, &a) || red(c, core, SC_OP_VREDSUM, d, &s, &t) ||
                       red(c, core, SC_OP_VLOG, dk, &s, &s) ||
                       cg_vec(c, core, SC_OP_VSUB, d, &a, &a, &s, NULL, 0, 0)
                   ? c->err->status
                   : SC_OK;
    return red(c, core, SC_OP_VEXP, d, &a, &a) || red(c, core, SC_OP_VREDSUM, d, &s, &a) ||
                   cg_vec(c, core, SC_OP_VDIV, d, &a, &a, &s, NULL, 0, 0)
               ? c->err->status
               : SC_OK;
}

/* LayerNorm / InstanceNorm: centre, variance from a squared copy, scale by rsqrt, affine.
 * RMSNorm (fused by fuse-norm) skips the centring. */
static sc_status norm_compute(cg *c, rw *w, int core, int slot, uint32_t kc, int64_t q0) {
    uint32_t d[4] = {(uint32_t)w->R, kc, 1, 1}, dk[4] = {1, kc, 1, 1};
    cg_view a = tile_v(w, slot), t = tmp_v(w, slot), m = stat_v(w->m_addr[slot]),
            s = stat_v(w->s_addr[slot]);
    float eps = sc_ir_attr_f(w->n, "epsilon", 1e-5f), invR = 1.0f / (float)w->R;
    int rms = !strcmp(w->n->op, "RMSNormalization");
    if ((!rms && (red(c, core, SC_OP_VREDSUM, d, &m, &a) ||
                  cg_vec(c, core, SC_OP_VMULF, dk, &m, &m, NULL, NULL, invR, 0) ||
                  cg_vec(c, core, SC_OP_VSUB, d, &a, &a, &m, NULL, 0, 0))) ||
        cg_vec(c, core, SC_OP_VMUL, d, &t, &a, &a, NULL, 0, 0) ||
        red(c, core, SC_OP_VREDSUM, d, &s, &t) ||
        cg_vec(c, core, SC_OP_VMULF, dk, &s, &s, NULL, NULL, invR, 0) ||
        cg_vec(c, core, SC_OP_VADDF, dk, &s, &s, NULL, NULL, eps, 0) ||
        red(c, core, SC_OP_VRSQRT, dk, &s, &s) ||
        cg_vec(c, core, SC_OP_VMUL, d, &a, &a, &s, NULL, 0, 0))
        return c->err->status;
    /* affine parameters: along R (LayerNorm) or per kept channel (InstanceNorm) */
    cg_view sc = {SC_SPACE_SPAD, SC_DTYPE_FP32, w->sc_addr, {1, 0, 0, 0}, -1};
    cg_view bi = sc;
    bi.base = w->bi_addr;
    if (w->per_channel) {
        sc.st[0] = 0, sc.st[1] = 1, sc.base += (uint64_t)q0 * 4;
        bi.st[0] = 0, bi.st[1] = 1, bi.base += (uint64_t)q0 * 4;
    }
    if (w->scale >= 0 && cg_vec(c, core, SC_OP_VMUL, d, &a, &a, &sc, NULL, 0, 0))
        return c->err->status;
    if (w->bias >= 0 && cg_vec(c, core, SC_OP_VADD, d, &a, &a, &bi, NULL, 0, 0))
        return c->err->status;
    return SC_OK;
}

static sc_status rw_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    rw *w = ctx;
    int64_t q0, io, oo;
    uint32_t kc = rw_tile(w, t, &q0, &io, &oo);
    const char *op = w->op;
    if (!strcmp(op, "ReduceProd"))
        return prod_compute(c, w, core, slot, kc) || post_compute(c, w, core, slot, kc)
                   ? c->err->status
                   : SC_OK;
    if (!strncmp(op, "Arg", 3) || !strcmp(op, "Hardmax")) return arg_compute(c, w, core, slot, kc);
    if (!strncmp(op, "Reduce", 6)) return reduce_compute(c, w, core, slot, kc);
    if (strstr(op, "Softmax")) return softmax_compute(c, w, core, slot, kc);
    return norm_compute(c, w, core, slot, kc, q0);
}

static sc_status rw_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    rw *w = ctx;
    int64_t q0, io, oo;
    uint32_t kc = rw_tile(w, t, &q0, &io, &oo);
    if (!w->same) {
        uint32_t d[4] = {kc, 1, 1, 1};
        int32_t st[4] = {(int32_t)w->ko[0], 0, 0, 0};
        cg_view dst = io_view(c, w->y_raw, w->y_hbm, w->y, w->yo + oo, st);
        cg_view src = cg_spad1(SC_DTYPE_FP32, w->m_addr[slot]);
        return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
    }
    uint32_t d[4];
    int32_t st[4];
    rw_io_dims(w, kc, d, st);
    cg_view dst = cg_val_view(c, w->y, (uint64_t)io, st);
    cg_view src = cg_spad(SC_DTYPE_FP32, w->a_addr[slot], d);
    if (cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src)) return c->err->status;
    for (int o = 1; o < 3 && !strcmp(w->n->op, "LayerNormalization"); o++) {
        if (w->n->n_out <= o || w->n->out[o] < 0) continue; /* optional Mean / InvStdDev */
        uint32_t dk[4] = {kc, 1, 1, 1};
        int32_t sk[4] = {1, 0, 0, 0};
        cg_view od = cg_val_view(c, w->n->out[o], (uint64_t)(io / (w->R ? w->R : 1)), sk);
        cg_view os = cg_spad1(SC_DTYPE_FP32, o == 1 ? w->m_addr[slot] : w->s_addr[slot]);
        if (cg_dma(c, core, SC_QUEUE_STORE, dk, &od, &os)) return c->err->status;
    }
    return SC_OK;
}

/* Loads the affine parameters once into every used core's scratchpad. */
static sc_status load_params(cg *c, rw *w) {
    int vals[2] = {w->scale, w->bias};
    uint64_t addr[2] = {w->sc_addr, w->bi_addr};
    int64_t cnt = w->per_channel ? w->kd[0] : w->R;
    for (int k = 0; k < c->cores; k++)
        for (int i = 0; i < 2; i++) {
            if (vals[i] < 0) continue;
            if (sc_ir_numel(&c->g->vals[vals[i]]) != cnt)
                return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                                  "normalisation parameters of %lld elements (need %lld)",
                                  (long long)sc_ir_numel(&c->g->vals[vals[i]]), (long long)cnt);
            uint32_t d[4] = {(uint32_t)cnt, 1, 1, 1};
            int32_t st[4] = {1, 0, 0, 0};
            cg_view src = cg_val_view(c, vals[i], 0, st), dst = cg_spad(SC_DTYPE_FP32, addr[i], d);
            if (cg_dma(c, k, SC_QUEUE_LOAD, d, &dst, &src)) return c->err->status;
        }
    return SC_OK;
}

/* ---- reductions longer than a tile: chunks of the outermost reduced axis ---- */

static const char *partial_op(const char *op) {
    if (!strcmp(op, "ReduceMean") || !strcmp(op, "ReduceLogSum")) return "ReduceSum";
    if (!strcmp(op, "ReduceL2")) return "ReduceSumSquare";
    return op;
}

/* Max/Min/LogSumExp/Prod of partials are those of the whole; every other reduction's partials
 * are sums (then finished by post). */
static const char *combine_op(const char *op, int *post) {
    *post = !strcmp(op, "ReduceMean")     ? POST_MEAN
            : !strcmp(op, "ReduceL2")     ? POST_SQRT
            : !strcmp(op, "ReduceLogSum") ? POST_LOG
                                          : POST_NONE;
    if (!strcmp(op, "ReduceMax") || !strcmp(op, "ReduceMin") || !strcmp(op, "ReduceLogSumExp") ||
        !strcmp(op, "ReduceProd"))
        return op;
    return "ReduceSum";
}

/* One phase of a chunked reduction, ended by a barrier (the next phase reads its results). */
static sc_status run_phase(cg *c, rw *w, int last) {
    if (rw_plan(c, w)) return c->err->status;
    cg_tiler tl = {rw_load, rw_compute, rw_store};
    if (cg_pipeline(c, rw_ntiles(w), &tl, w)) return c->err->status;
    return last ? SC_OK : cg_op_end(c);
}

/* `count` partials of `len` elements of the outermost reduced axis (from its element x0 on) per
 * kept position, written to scratch columns first.. of [kept x parts]: the chunk index
 * (when count > 1) becomes the innermost kept dim. */
static sc_status partial_phase(cg *c, const rw *o, int64_t len, int64_t count, int64_t first,
                               int64_t x0, int64_t parts, uint64_t scr) {
    rw s = *o;
    int j = o->nr - 1, k = count > 1;
    s.op = partial_op(o->op), s.post = POST_NONE, s.y_raw = 1, s.y_hbm = scr;
    s.R = o->R / o->rd[j] * len, s.rd[j] = len;
    s.xo = x0 * o->rs[j], s.yo = first;
    if (k) s.kd[0] = count, s.ks[0] = len * o->rs[j], s.ko[0] = 1;
    for (int i = 0; i < o->nk; i++)
        s.kd[i + k] = o->kd[i], s.ks[i + k] = o->ks[i], s.ko[i + k] = o->ko[i] * parts;
    s.nk = o->nk + k;
    return run_phase(c, &s, 0);
}

static sc_status reduce_chunked(cg *c, const rw *o) {
    int j = o->nr - 1;
    int64_t inner = o->R / o->rd[j], kept = 1;
    int64_t lc = inner > 0 ? (int64_t)RW_CHUNK / inner : 0;
    if (lc < 1 || o->nk >= 8)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "reduction over %lld elements exceeds a tile",
                          (long long)o->R);
    for (int i = 0; i < o->nk; i++)
        kept *= o->kd[i];
    int64_t full = o->rd[j] / lc, tail = o->rd[j] % lc, parts = full + (tail > 0);
    uint64_t scr = cg_int8_scratch(c, (uint64_t)(kept * parts) * 4);
    if ((full && partial_phase(c, o, lc, full, 0, 0, parts, scr)) ||
        (tail && partial_phase(c, o, tail, 1, full, full * lc, parts, scr)))
        return c->err->status;
    rw f = *o; /* the combine: [kept x parts] -> the output */
    f.op = combine_op(o->op, &f.post), f.inv_rtot = 1.0f / (float)o->R;
    f.x_raw = 1, f.x_hbm = scr, f.xo = 0;
    f.nr = 1, f.rd[0] = parts, f.rs[0] = 1, f.R = parts;
    for (int i = 0; i < o->nk; i++)
        f.ks[i] = o->ko[i] * parts;
    return run_phase(c, &f, 1);
}

static unsigned softmax_mask(cg *c, const sc_ir_node *n, int rank) {
    int ax = ir_axis(sc_ir_attr_i(n, "axis", c->g->opset >= 13 ? -1 : 1), rank);
    if (c->g->opset >= 13 || sc_ir_attr_i(n, "_single_axis", 0)) return 1u << ax;
    return ((1u << rank) - 1) & ~((1u << ax) - 1); /* old opsets: every axis from `axis` on */
}

sc_status lower_reduce(cg *c, sc_ir_node *n) {
    rw w;
    memset(&w, 0, sizeof w);
    w.n = n, w.op = n->op, w.x = n->in[0], w.y = n->out[0], w.scale = w.bias = -1;
    const sc_ir_value *x = &c->g->vals[w.x];
    unsigned mask;
    int merge = 1;
    if (!strncmp(n->op, "Reduce", 6)) {
        mask = (unsigned)sc_ir_attr_i(n, "_mask", 0);
        w.need_tmp = !strcmp(n->op, "ReduceProd");
        if (!mask) return flat_copy_reduce(c, n);
    } else if (!strncmp(n->op, "Arg", 3)) {
        w.need_tmp = 1;
        mask = 1u << ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
    } else if (strstr(n->op, "Softmax") || !strcmp(n->op, "Hardmax")) {
        w.same = 1, w.need_tmp = strcmp(n->op, "Softmax") != 0;
        mask = softmax_mask(c, n, x->rank);
    } else if (!strcmp(n->op, "LayerNormalization") || !strcmp(n->op, "RMSNormalization")) {
        int ax = ir_axis(sc_ir_attr_i(n, "axis", -1), x->rank);
        w.same = 1, w.need_tmp = 1, w.scale = n->in[1], w.bias = n->n_in > 2 ? n->in[2] : -1;
        mask = ((1u << x->rank) - 1) & ~((1u << ax) - 1);
    } else { /* InstanceNormalization: reduce the spatial axes, parameters per channel */
        w.same = 1, w.need_tmp = 1, w.scale = n->in[1], w.bias = n->in[2], w.per_channel = 1;
        mask = ((1u << x->rank) - 1) & ~3u;
        merge = 0;
    }
    rw_dims(c, &w, mask, merge);
    if (w.per_channel && (w.nk < 1 || w.kd[0] != x->dims[1]))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "InstanceNormalization layout");
    if (!sc_ir_numel(x) || !sc_ir_numel(&c->g->vals[w.y])) return SC_OK;
    uint64_t per;
    if (!strncmp(n->op, "Reduce", 6) && w.nr <= 3 && !rw_budget(c, &w, &per))
        return reduce_chunked(c, &w);
    if (rw_plan(c, &w) || ((w.scale >= 0 || w.bias >= 0) && load_params(c, &w)))
        return c->err->status;
    cg_tiler tl = {rw_load, rw_compute, rw_store};
    /* same-shaped results (Softmax, norms) are stored from the input slot itself */
    return (w.same ? cg_pipeline_inplace : cg_pipeline)(c, rw_ntiles(&w), &tl, &w);
}
