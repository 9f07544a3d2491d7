// SPDX-License-Identifier: Apache-2.0
// Conv as im2col-by-DMA + MMA (padding by zero-filled tiles, groups, dilation, stride), and
// Max/Average pooling with strided vector views over a padded scratchpad tile.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"
#include "numerics/numerics.h"

#define CONV_PMAX 512

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

/* 2-D geometry; 1-D convs and pools use H = 1. */
typedef struct geo {
    int64_t N, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl;
    int64_t D, OD, KD, sd, dd, pf; /* depth (3-D convolutions); 1/0 otherwise */
} geo;

static sc_status get_geo(cg *c, const sc_ir_node *n, geo *G) {
    const sc_ir_value *x = &c->g->vals[n->in[0]], *y = &c->g->vals[n->out[0]];
    const sc_ir_attr *k = sc_ir_attr_get(n, "_k"), *s = sc_ir_attr_get(n, "_s"),
                     *d = sc_ir_attr_get(n, "_d"), *p = sc_ir_attr_get(n, "_pads");
    int ns = x->rank - 2, deep = 3;
    if (ns < 1 || ns > deep || !k || !s || !d || !p)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%dD windows (%s: 1D to %dD)", ns, n->op,
                          deep);
    const int64_t *xs = x->dims + 2, *ys = y->dims + 2;
    G->N = x->dims[0], G->C = x->dims[1];
    G->W = xs[ns - 1], G->OW = ys[ns - 1], G->KW = k->ints[ns - 1], G->sw = s->ints[ns - 1];
    G->dw = d->ints[ns - 1], G->pl = p->ints[ns - 1];
    int h = ns >= 2; /* H is the second-to-last spatial axis */
    G->H = h ? xs[ns - 2] : 1, G->OH = h ? ys[ns - 2] : 1, G->KH = h ? k->ints[ns - 2] : 1;
    G->sh = h ? s->ints[ns - 2] : 1, G->dh = h ? d->ints[ns - 2] : 1,
    G->pt = h ? p->ints[ns - 2] : 0;
    int dp = ns == 3;
    G->D = dp ? xs[0] : 1, G->OD = dp ? ys[0] : 1, G->KD = dp ? k->ints[0] : 1;
    G->sd = dp ? s->ints[0] : 1, G->dd = dp ? d->ints[0] : 1, G->pf = dp ? p->ints[0] : 0;
    return SC_OK;
}

/* Output positions o in [lo, hi) whose input index o*s + k*d - p lies inside [0, in). */
static void valid_range(int64_t out, int64_t in, int64_t s, int64_t kd, int64_t p, int64_t *lo,
                        int64_t *hi) {
    int64_t a = p - kd; /* need o*s >= a */
    *lo = a <= 0 ? 0 : (a + s - 1) / s;
    int64_t b = in - 1 + p - kd; /* need o*s <= b */
    *hi = b < 0 ? 0 : b / s + 1;
    if (*hi > out) *hi = out;
    if (*lo > *hi) *lo = *hi;
}

/* ---- Conv ---- */

typedef struct cv {
    const sc_ir_node *n;
    geo G;
    int x, w, b, y;
    int64_t groups, Cg, COg, Kd, cob, ncob, rows, ntile_p, P, pix0;
    int by_rows; /* tiles are full output rows (else pieces of one row) */
    sc_dtype dt;
    int pads; /* some kernel position reads padding: zero-fill the im2col tile */
    uint64_t a_b, b_b, c_b, bias_b, s_b, slot, zero;
    float qs;                         /* int8 MMA: activation scale (0 = not quantised) */
    uint64_t qa_off, qw_off, qsc_off; /* int8 x in scratch HBM, int8 weights, scales */
} cv;

static uint64_t cv_a(const cv *v, int s) {
    return (uint64_t)s * v->slot;
}
static uint64_t cv_bm(const cv *v, int s) {
    return cv_a(v, s) + v->a_b;
}
static uint64_t cv_c(const cv *v, int s) {
    return cv_bm(v, s) + v->b_b;
}
static uint64_t cv_bias(const cv *v, int s) {
    return cv_c(v, s) + v->c_b;
}
static uint64_t cv_tmp(const cv *v, int s) {
    return cv_bias(v, s) + v->bias_b;
}
static uint64_t cv_scale(const cv *v, int s) {
    return cv_tmp(v, s) + v->c_b;
}

/* The input x (or its int8 copy) at element e with strides st. */
static cg_view cv_xview(cg *c, const cv *v, uint64_t e, const int32_t st[4]) {
    if (v->qs <= 0) return cg_val_view(c, v->x, e, st);
    cg_view w = {SC_SPACE_HBM, SC_DTYPE_INT8, v->qa_off + e, {st[0], st[1], st[2], st[3]}, -1};
    return w;
}

/* Weights [cob x Kd] of output channels ch0.. (int8: the quantised copy and its scales). */
static sc_status cv_load_w(cg *c, const cv *v, int core, int slot, int64_t ch0, int64_t cob) {
    uint32_t wd[4] = {(uint32_t)v->Kd, (uint32_t)cob, 1, 1}, sd[4] = {(uint32_t)cob, 1, 1, 1};
    int32_t ws[4] = {1, (int32_t)v->Kd, 0, 0};
    cg_view wsrc = cg_val_view(c, v->w, (uint64_t)(ch0 * v->Kd), ws);
    if (v->qs > 0)
        wsrc = (cg_view){SC_SPACE_CONST,
                         SC_DTYPE_INT8,
                         v->qw_off + (uint64_t)(ch0 * v->Kd),
                         {1, (int32_t)v->Kd, 0, 0},
                         -1};
    cg_view wdst = cg_spad(v->dt, cv_a(v, slot), wd);
    if (cg_dma(c, core, SC_QUEUE_LOAD, wd, &wdst, &wsrc)) return c->err->status;
    if (v->qs <= 0) return SC_OK;
    cg_view ssrc = {
        SC_SPACE_CONST, SC_DTYPE_FP32, v->qsc_off + (uint64_t)ch0 * 4, {1, 0, 0, 0}, -1};
    cg_view sdst = cg_spad1(SC_DTYPE_FP32, cv_scale(v, slot));
    return cg_dma(c, core, SC_QUEUE_LOAD, sd, &sdst, &ssrc);
}

/* Tile t -> image n, group g, output-channel block, output depth od, pixel range [p0, p0 + np)
 * of that depth's plane. */
static void cv_tile(const cv *v, uint64_t t, int64_t *n, int64_t *g, int64_t *co0, int64_t *p0,
                    int64_t *np, int64_t *od) {
    int64_t pt = (int64_t)(t % (uint64_t)v->ntile_p);
    t /= (uint64_t)v->ntile_p;
    *od = (int64_t)(t % (uint64_t)v->G.OD);
    t /= (uint64_t)v->G.OD;
    *co0 = (int64_t)(t % (uint64_t)v->ncob) * v->cob;
    t /= (uint64_t)v->ncob;
    *g = (int64_t)(t % (uint64_t)v->groups);
    *n = (int64_t)(t / (uint64_t)v->groups);
    int64_t total = v->G.OH * v->G.OW;
    *p0 = pt * v->P;
    *np = SC_MIN(v->P, total - *p0);
    if (!v->by_rows) { /* P divides nothing: tiles are row pieces */
        int64_t per_row = (v->G.OW + v->P - 1) / v->P, r = pt / per_row, q = pt % per_row;
        *p0 = r * v->G.OW + q * v->P;
        *np = SC_MIN(v->P, v->G.OW - q * v->P);
    }
}

static sc_status im2col_plane(cg *c, const cv *v, int core, int slot, int64_t xbase, int64_t kz,
                              int64_t oh0, int64_t ow0, int64_t rows, int64_t owlim, int64_t vol,
                              int64_t kvol);

static sc_status cv_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    cv *v = ctx;
    const geo *G = &v->G;
    int64_t n, g, co0, p0, np, od;
    cv_tile(v, t, &n, &g, &co0, &p0, &np, &od);
    int64_t cob = SC_MIN(v->cob, v->COg - co0);
    sc_queue q = SC_QUEUE_LOAD;
    if (cv_load_w(c, v, core, slot, g * v->COg + co0, cob)) return c->err->status;
    if (v->b >= 0) {
        uint32_t bd[4] = {(uint32_t)cob, 1, 1, 1};
        int32_t bs[4] = {1, 0, 0, 0};
        cg_view bsrc = cg_val_view(c, v->b, (uint64_t)(g * v->COg + co0), bs);
        cg_view bdst = cg_spad(SC_DTYPE_FP32, cv_bias(v, slot), bd);
        if (cg_dma(c, core, q, bd, &bdst, &bsrc)) return c->err->status;
    }
    /* im2col [np x Kd]: zero first when padding is involved */
    if (v->pads) {
        uint32_t zd[4] = {(uint32_t)v->Kd, (uint32_t)np, 1, 1};
        cg_view zs = {SC_SPACE_CONST, SC_DTYPE_FP32, v->zero, {0, 0, 0, 0}, -1};
        cg_view zdst = cg_spad(v->dt, cv_bm(v, slot), zd);
        if (cg_dma(c, core, q, zd, &zdst, &zs)) return c->err->status;
    }
    int64_t oh0 = p0 / G->OW, ow0 = p0 % G->OW, rows = v->by_rows ? np / G->OW : 1;
    int64_t owlim = v->by_rows ? G->OW : ow0 + np;
    int64_t vol = G->D * G->H * G->W, kvol = G->KD * G->KH * G->KW;
    for (int64_t kz = 0; kz < G->KD; kz++) {
        int64_t id = od * G->sd + kz * G->dd - G->pf;
        if (id < 0 || id >= G->D) continue; /* the zero fill stands for the depth padding */
        int64_t xbase = (n * G->C + g * v->Cg) * vol + id * G->H * G->W;
        if (im2col_plane(c, v, core, slot, xbase, kz, oh0, ow0, rows, owlim, vol, kvol))
            return c->err->status;
    }
    return SC_OK;
}

/* The KH x KW kernel positions of depth kz: one 3-D DMA each. */
static sc_status im2col_plane(cg *c, const cv *v, int core, int slot, int64_t xbase, int64_t kz,
                              int64_t oh0, int64_t ow0, int64_t rows, int64_t owlim, int64_t vol,
                              int64_t kvol) {
    const geo *G = &v->G;
    sc_queue q = SC_QUEUE_LOAD;
    for (int64_t ky = 0; ky < G->KH; ky++)
        for (int64_t kx = 0; kx < G->KW; kx++) {
            int64_t hlo, hhi, wlo, whi;
            valid_range(G->OH, G->H, G->sh, ky * G->dh, G->pt, &hlo, &hhi);
            valid_range(G->OW, G->W, G->sw, kx * G->dw, G->pl, &wlo, &whi);
            hlo = SC_MAX(hlo, oh0), hhi = SC_MIN(hhi, oh0 + rows);
            wlo = SC_MAX(wlo, ow0), whi = SC_MIN(whi, owlim);
            if (hlo >= hhi || wlo >= whi) continue;
            uint32_t d[4] = {(uint32_t)(whi - wlo), (uint32_t)v->Cg, (uint32_t)(hhi - hlo), 1};
            int64_t ih = hlo * G->sh + ky * G->dh - G->pt, iw = wlo * G->sw + kx * G->dw - G->pl;
            int32_t ss[4] = {(int32_t)G->sw, (int32_t)vol, (int32_t)(G->sh * G->W), 0};
            cg_view src = cv_xview(c, v, (uint64_t)(xbase + ih * G->W + iw), ss);
            int64_t prow = (hlo - oh0) * G->OW + (wlo - ow0);
            cg_view dst = {SC_SPACE_SPAD,
                           v->dt,
                           cv_bm(v, slot) +
                               (uint64_t)((prow * v->Kd + (kz * G->KH + ky) * G->KW + kx) *
                                          sc_isa_dtype_bytes(v->dt)),
                           {(int32_t)v->Kd, (int32_t)kvol, (int32_t)(G->OW * v->Kd), 0},
                           -1};
            if (cg_dma(c, core, q, d, &dst, &src)) return c->err->status;
        }
    return SC_OK;
}

static sc_status cv_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    cv *v = ctx;
    int64_t n, g, co0, p0, np, od;
    cv_tile(v, t, &n, &g, &co0, &p0, &np, &od);
    int64_t cob = SC_MIN(v->cob, v->COg - co0);
    sc_queue q = SC_QUEUE_COMPUTE;
    int es = sc_isa_dtype_bytes(v->dt);
    for (int64_t j = 0; j < np; j += c->sa) {
        int64_t pc = SC_MIN((int64_t)c->sa, np - j);
        uint64_t caddr = cv_c(v, slot) + (uint64_t)(j * cob * 4);
        if (cg_li(c, core, q, R_T0, (int64_t)caddr) ||
            cg_li(c, core, q, R_T1, (int64_t)cv_a(v, slot)) ||
            cg_li(c, core, q, R_T2, (int64_t)(cv_bm(v, slot) + (uint64_t)(j * v->Kd * es))))
            return c->err->status;
        sc_dtype acc = v->qs > 0 ? SC_DTYPE_INT32 : SC_DTYPE_FP32;
        sc_insn in = {SC_OP_MMAI, {R_T0, R_T1, R_T2, cob, pc, v->Kd, v->dt, v->dt, acc, SC_MMA_TB}};
        if (cg_emit(c, core, q, &in)) return c->err->status;
        if (v->qs > 0 &&
            cg_int8_dequant(c, core, caddr, cv_scale(v, slot), (uint32_t)pc, (uint32_t)cob, 1))
            return c->err->status;
        uint32_t d[4] = {(uint32_t)pc, (uint32_t)cob, 1, 1};
        cg_view cvw = {SC_SPACE_SPAD, SC_DTYPE_FP32, caddr, {1, (int32_t)pc, 0, 0}, -1};
        cg_view bv = {SC_SPACE_SPAD, SC_DTYPE_FP32, cv_bias(v, slot), {0, 1, 0, 0}, -1};
        if (v->b >= 0 && cg_vec(c, core, SC_OP_VADD, d, &cvw, &cvw, &bv, NULL, 0, 0))
            return c->err->status;
        if (cg_apply_act(c, core, v->n, caddr, cv_tmp(v, slot), (uint32_t)(pc * cob)))
            return c->err->status;
    }
    return SC_OK;
}

static sc_status cv_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    cv *v = ctx;
    int64_t n, g, co0, p0, np, od;
    cv_tile(v, t, &n, &g, &co0, &p0, &np, &od);
    int64_t cob = SC_MIN(v->cob, v->COg - co0), plane = v->G.OD * v->G.OH * v->G.OW;
    p0 += od * v->G.OH * v->G.OW;
    int64_t CO = v->COg * v->groups;
    for (int64_t j = 0; j < np; j += c->sa) {
        int64_t pc = SC_MIN((int64_t)c->sa, np - j);
        uint32_t d[4] = {(uint32_t)pc, (uint32_t)cob, 1, 1};
        int32_t st[4] = {1, (int32_t)plane, 0, 0};
        cg_view dst =
            cg_val_view(c, v->y, (uint64_t)((n * CO + g * v->COg + co0) * plane + p0 + j), st);
        cg_view src = cg_spad(SC_DTYPE_FP32, cv_c(v, slot) + (uint64_t)(j * cob * 4), d);
        if (cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src)) return c->err->status;
    }
    return SC_OK;
}

static void cv_sizes(cg *c, cv *v) {
    int es = sc_isa_dtype_bytes(v->dt);
    v->a_b = al64((uint64_t)(v->cob * v->Kd * es));
    v->b_b = al64((uint64_t)(v->P * v->Kd * es));
    v->c_b = al64((uint64_t)(v->cob * v->P * 4));
    v->bias_b = al64((uint64_t)v->cob * 4);
    v->s_b = al64((uint64_t)v->cob * 4);
    v->slot = v->a_b + v->b_b + 2 * v->c_b + v->bias_b + v->s_b;
    (void)c;
}

static sc_status cv_plan(cg *c, cv *v) {
    const geo *G = &v->G;
    v->cob = SC_MIN(v->COg, (int64_t)c->sa);
    v->P = SC_MIN(G->OH * G->OW, (int64_t)CONV_PMAX);
    for (;;) {
        cv_sizes(c, v);
        if (2 * v->slot <= c->spad) break;
        if (v->P > c->sa)
            v->P = SC_MAX((int64_t)c->sa, v->P / 2);
        else if (v->cob > 16)
            v->cob /= 2;
        else if (v->P > 8)
            v->P /= 2;
        else
            return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                              "Conv with K = %lld does not fit a scratchpad tile",
                              (long long)v->Kd);
    }
    v->ncob = (v->COg + v->cob - 1) / v->cob;
    v->by_rows = v->P >= G->OW;
    if (v->by_rows) {
        v->P = v->P / G->OW * G->OW;
        v->ntile_p = (G->OH * G->OW + v->P - 1) / v->P;
    } else
        v->ntile_p = G->OH * ((G->OW + v->P - 1) / v->P);
    cv_sizes(c, v);
    return SC_OK;
}

sc_status lower_conv(cg *c, sc_ir_node *n) {
    cv v;
    memset(&v, 0, sizeof v);
    v.n = n, v.x = n->in[0], v.w = n->in[1], v.b = n->n_in > 2 ? n->in[2] : -1, v.y = n->out[0];
    if (get_geo(c, n, &v.G)) return c->err->status;
    v.groups = sc_ir_attr_i(n, "group", 1);
    v.Cg = v.G.C / v.groups;
    v.COg = c->g->vals[v.w].dims[0] / v.groups;
    v.Kd = v.Cg * v.G.KD * v.G.KH * v.G.KW;
    v.dt = cg_exact_dtype(n, cg_mma_dtype(c));
    v.qs = cg_int8_scale(c, n);
    if (v.qs > 0) v.dt = SC_DTYPE_INT8;
    const sc_ir_attr *p = sc_ir_attr_get(n, "_pads");
    for (int i = 0; i < p->n; i++)
        v.pads |= p->ints[i] != 0;
    if (!v.G.N || !v.G.OD || !v.G.OH || !v.G.OW || !v.COg) return SC_OK;
    float z = 0;
    if (cv_plan(c, &v) || sc_program_add_const(c->p, &z, 4, 64, &v.zero, c->err))
        return c->err->status;
    if (v.qs > 0 &&
        (cg_int8_weights(c, v.w, v.COg * v.groups, v.Kd, 0, v.qs, &v.qw_off, &v.qsc_off) ||
         cg_int8_quant_act(c, v.x, v.qs, &v.qa_off)))
        return c->err->status;
    cg_tiler tl = {cv_load, cv_compute, cv_store};
    return cg_pipeline(c, (uint64_t)(v.G.N * v.groups * v.ncob * v.G.OD * v.ntile_p), &tl, &v);
}

/* ---- pooling ---- */

typedef struct pl {
    const sc_ir_node *n;
    geo G;
    int x, y, is_max;
    int64_t cb, ncb, orows, nrb, rows_in, win; /* channel block, output rows per tile, input tile */
    uint64_t in_b, out_b, cnt_b, slot, fill, cnt_off;
} pl;

static void pl_tile(const pl *p, uint64_t t, int64_t *n, int64_t *c0, int64_t *r0, int64_t *od) {
    *r0 = (int64_t)(t % (uint64_t)p->nrb) * p->orows;
    t /= (uint64_t)p->nrb;
    *od = (int64_t)(t % (uint64_t)p->G.OD);
    t /= (uint64_t)p->G.OD;
    *c0 = (int64_t)(t % (uint64_t)p->ncb) * p->cb;
    *n = (int64_t)(t / (uint64_t)p->ncb);
}

static sc_status pl_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    pl *p = ctx;
    const geo *G = &p->G;
    int64_t n, c0, r0, od;
    pl_tile(p, t, &n, &c0, &r0, &od);
    int64_t cb = SC_MIN(p->cb, G->C - c0), orows = SC_MIN(p->orows, G->OH - r0);
    uint64_t base = (uint64_t)slot * p->slot;
    uint32_t fd[4] = {(uint32_t)p->win, (uint32_t)p->rows_in, (uint32_t)G->KD, (uint32_t)cb};
    cg_view fs = {SC_SPACE_CONST, SC_DTYPE_FP32, p->fill, {0, 0, 0, 0}, -1};
    cg_view fdst = cg_spad(SC_DTYPE_FP32, base, fd);
    if (cg_dma(c, core, SC_QUEUE_LOAD, fd, &fdst, &fs)) return c->err->status;
    int64_t ih0 = r0 * G->sh - G->pt, need = (orows - 1) * G->sh + (G->KH - 1) * G->dh + 1;
    int64_t lo = SC_MAX(ih0, (int64_t)0), hi = SC_MIN(ih0 + need, G->H);
    for (int64_t kz = 0; kz < G->KD && lo < hi; kz++) { /* one input plane per kernel depth */
        int64_t id = od * G->sd + kz * G->dd - G->pf;
        if (id < 0 || id >= G->D) continue; /* stays at the fill value */
        uint32_t d[4] = {(uint32_t)G->W, (uint32_t)(hi - lo), (uint32_t)cb, 1};
        int32_t ss[4] = {1, (int32_t)G->W, (int32_t)(G->D * G->H * G->W), 0};
        cg_view src = cg_val_view(
            c, p->x, (uint64_t)((((n * G->C + c0) * G->D + id) * G->H + lo) * G->W), ss);
        cg_view dst = {SC_SPACE_SPAD,
                       SC_DTYPE_FP32,
                       base + (uint64_t)(((kz * p->rows_in + lo - ih0) * p->win + G->pl) * 4),
                       {1, (int32_t)p->win, (int32_t)(G->KD * p->rows_in * p->win), 0},
                       -1};
        if (cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src)) return c->err->status;
    }
    if (!p->is_max) { /* divisor map rows r0.. */
        uint32_t d[4] = {(uint32_t)(orows * G->OW), 1, 1, 1};
        cg_view src = {SC_SPACE_CONST,
                       SC_DTYPE_FP32,
                       p->cnt_off + (uint64_t)((od * G->OH + r0) * G->OW * 4),
                       {1, 0, 0, 0},
                       -1};
        cg_view dst = cg_spad(SC_DTYPE_FP32, base + p->in_b + p->out_b, d);
        if (cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src)) return c->err->status;
    }
    return SC_OK;
}

static sc_status pl_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    pl *p = ctx;
    const geo *G = &p->G;
    int64_t n, c0, r0, od;
    pl_tile(p, t, &n, &c0, &r0, &od);
    int64_t cb = SC_MIN(p->cb, G->C - c0), orows = SC_MIN(p->orows, G->OH - r0);
    uint64_t base = (uint64_t)slot * p->slot, ob = base + p->in_b;
    uint32_t d[4] = {(uint32_t)G->OW, (uint32_t)orows, (uint32_t)cb, 1};
    cg_view out = cg_spad(SC_DTYPE_FP32, ob, d);
    for (int64_t kz = 0; kz < G->KD; kz++)
        for (int64_t ky = 0; ky < G->KH; ky++)
            for (int64_t kx = 0; kx < G->KW; kx++) {
                cg_view a = {
                    SC_SPACE_SPAD,
                    SC_DTYPE_FP32,
                    base + (uint64_t)(((kz * p->rows_in + ky * G->dh) * p->win + kx * G->dw) * 4),
                    {(int32_t)G->sw, (int32_t)(G->sh * p->win),
                     (int32_t)(G->KD * p->rows_in * p->win), 0},
                    -1};
                int first = !kz && !ky && !kx;
                int op = first ? SC_OP_VCOPY : p->is_max ? SC_OP_VMAX : SC_OP_VADD;
                if (cg_vec(c, core, op, d, &out, &a, first ? NULL : &out, NULL, 0, 0))
                    return c->err->status;
            }
    if (!p->is_max) {
        cg_view cnt = {SC_SPACE_SPAD, SC_DTYPE_FP32, ob + p->out_b, {1, (int32_t)G->OW, 0, 0}, -1};
        if (cg_vec(c, core, SC_OP_VDIV, d, &out, &out, &cnt, NULL, 0, 0)) return c->err->status;
    }
    return SC_OK;
}

static sc_status pl_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    pl *p = ctx;
    const geo *G = &p->G;
    int64_t n, c0, r0, od;
    pl_tile(p, t, &n, &c0, &r0, &od);
    int64_t cb = SC_MIN(p->cb, G->C - c0), orows = SC_MIN(p->orows, G->OH - r0);
    uint32_t d[4] = {(uint32_t)(orows * G->OW), (uint32_t)cb, 1, 1};
    int32_t st[4] = {1, (int32_t)(G->OD * G->OH * G->OW), 0, 0};
    cg_view dst =
        cg_val_view(c, p->y, (uint64_t)((((n * G->C + c0) * G->OD + od) * G->OH + r0) * G->OW), st);
    cg_view src = cg_spad(SC_DTYPE_FP32, (uint64_t)slot * p->slot + p->in_b, d);
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

/* Divisors of AveragePool per output position (count_include_pad honours explicit pads only). */
static sc_status pool_counts(cg *c, pl *p) {
    const geo *G = &p->G;
    int incl = (int)sc_ir_attr_i(p->n, "count_include_pad", 0);
    const sc_ir_attr *pa = sc_ir_attr_get(p->n, "_pads");
    int ns = pa->n / 2;
    int64_t pb = ns >= 2 ? pa->ints[2 * ns - 2] : 0, pr = pa->ints[2 * ns - 1];
    int64_t pk = ns == 3 ? pa->ints[3] : 0;
    size_t cnt = (size_t)(G->OD * G->OH * G->OW);
    float *m = malloc(cnt * sizeof *m + 4);
    if (!m) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t od = 0; od < G->OD; od++)
        for (int64_t oh = 0; oh < G->OH; oh++)
            for (int64_t ow = 0; ow < G->OW; ow++) {
                int64_t k = 0;
                for (int64_t kz = 0; kz < G->KD; kz++)
                    for (int64_t ky = 0; ky < G->KH; ky++)
                        for (int64_t kx = 0; kx < G->KW; kx++) {
                            int64_t iz = od * G->sd + kz * G->dd - G->pf;
                            int64_t ih = oh * G->sh + ky * G->dh - G->pt,
                                    iw = ow * G->sw + kx * G->dw - G->pl;
                            int in = iz >= 0 && iz < G->D && ih >= 0 && ih < G->H && iw >= 0 &&
                                     iw < G->W;
                            int padded = iz >= -G->pf && iz < G->D + pk && ih >= -G->pt &&
                                         ih < G->H + pb && iw >= -G->pl && iw < G->W + pr;
                            k += incl ? padded : in;
                        }
                m[(od * G->OH + oh) * G->OW + ow] = (float)(k ? k : 1);
            }
    sc_status st = sc_program_add_const(c->p, m, cnt * 4, 64, &p->cnt_off, c->err);
    free(m);
    return st;
}

static sc_status pl_plan(cg *c, pl *p) {
    const geo *G = &p->G;
    p->win = SC_MAX(G->W + G->pl, (G->OW - 1) * G->sw + (G->KW - 1) * G->dw + 1);
    p->cb = G->C, p->orows = G->OH;
    for (;;) {
        p->rows_in = (p->orows - 1) * G->sh + (G->KH - 1) * G->dh + 1;
        p->in_b = al64((uint64_t)(p->cb * G->KD * p->rows_in * p->win * 4));
        p->out_b = al64((uint64_t)(p->cb * p->orows * G->OW * 4));
        p->cnt_b = al64((uint64_t)(p->orows * G->OW * 4));
        p->slot = p->in_b + p->out_b + p->cnt_b;
        if (2 * p->slot <= c->spad) break;
        if (p->cb > 1)
            p->cb = (p->cb + 1) / 2;
        else if (p->orows > 1)
            p->orows = (p->orows + 1) / 2;
        else
            return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                              "pooling window does not fit a scratchpad tile");
    }
    p->ncb = (G->C + p->cb - 1) / p->cb;
    p->nrb = (G->OH + p->orows - 1) / p->orows;
    return SC_OK;
}

sc_status lower_pool(cg *c, sc_ir_node *n) {
    if (!strncmp(n->op, "Global", 6)) {
        const sc_ir_value *x = &c->g->vals[n->in[0]];
        sc_ir_node tmp = *n;
        tmp.op = !strcmp(n->op, "GlobalMaxPool") ? "ReduceMax" : "ReduceMean";
        if (sc_ir_attr_set_i(c->g, n, "_mask", ((1 << x->rank) - 1) & ~3, c->err))
            return c->err->status;
        tmp.attrs = n->attrs, tmp.n_attr = n->n_attr;
        return lower_reduce(c, &tmp);
    }
    pl p;
    memset(&p, 0, sizeof p);
    p.n = n, p.x = n->in[0], p.y = n->out[0], p.is_max = !strcmp(n->op, "MaxPool");
    if (get_geo(c, n, &p.G)) return c->err->status;
    if (!p.G.N || !p.G.C || !p.G.OD || !p.G.OH || !p.G.OW) return SC_OK;
    float fill = p.is_max ? -INFINITY : 0.0f;
    if (pl_plan(c, &p) || sc_program_add_const(c->p, &fill, 4, 64, &p.fill, c->err) ||
        (!p.is_max && pool_counts(c, &p)))
        return c->err->status;
    cg_tiler tl = {pl_load, pl_compute, pl_store};
    return cg_pipeline(c, (uint64_t)(p.G.N * p.ncb * p.G.OD * p.nrb), &tl, &p);
}
