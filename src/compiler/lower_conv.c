// SPDX-License-Identifier: Apache-2.0
// Conv as im2col-by-DMA + MMA (padding by zero-filled tiles, groups, dilation, stride), and
// Max/Average pooling with strided vector views over a padded scratchpad tile.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"
#include "numerics/numerics.h"

#define CONV_PMAX 256

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
    int64_t groups, Cg, COg, Kd, cob, ncob, rows, ntile_p, P, pix0, sa;
    int by_rows; /* tiles are full output rows (else pieces of one row) */
    int co_fast; /* tile order: output-channel blocks fastest (else pixel tiles) */
    sc_dtype dt;
    int pads;  /* some kernel position reads padding: zero-fill the im2col tile */
    cg_slot L; /* slot regions CV_* */
    uint64_t zero;
    float qs;                         /* int8 MMA: activation scale (0 = not quantised) */
    uint64_t qa_off, qw_off, qsc_off; /* int8 x in scratch HBM, int8 weights, scales */
} cv;

/* Slot regions: weights [cob x Kd], im2col [P x Kd], C [cob x P] fp32, bias, activation
 * scratch (as C), int8 dequantisation scales. */
enum { CV_A, CV_B, CV_C, CV_BIAS, CV_TMP, CV_SCALE, CV_REGIONS };

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
    cg_view wdst = cg_spad(v->dt, cg_slot_at(&v->L, slot, CV_A), wd);
    if (cg_dma(c, core, SC_QUEUE_LOAD, wd, &wdst, &wsrc)) return c->err->status;
    if (v->qs <= 0) return SC_OK;
    cg_view ssrc = {
        SC_SPACE_CONST, SC_DTYPE_FP32, v->qsc_off + (uint64_t)ch0 * 4, {1, 0, 0, 0}, -1};
    cg_view sdst = cg_spad1(SC_DTYPE_FP32, cg_slot_at(&v->L, slot, CV_SCALE));
    return cg_dma(c, core, SC_QUEUE_LOAD, sd, &sdst, &ssrc);
}

/* Tile t -> image n, group g, output-channel block, output depth od, pixel range [p0, p0 + np)
 * of that depth's plane. */
static void cv_tile(const cv *v, uint64_t t, int64_t *n, int64_t *g, int64_t *co0, int64_t *p0,
                    int64_t *np, int64_t *od) {
    int64_t cbk = 0;
    if (v->co_fast) { /* loop order: channel blocks fastest (consecutive cores share pixels) */
        cbk = (int64_t)(t % (uint64_t)v->ncob);
        t /= (uint64_t)v->ncob;
    }
    int64_t pt = (int64_t)(t % (uint64_t)v->ntile_p);
    t /= (uint64_t)v->ntile_p;
    *od = (int64_t)(t % (uint64_t)v->G.OD);
    t /= (uint64_t)v->G.OD;
    if (!v->co_fast) {
        cbk = (int64_t)(t % (uint64_t)v->ncob);
        t /= (uint64_t)v->ncob;
    }
    *co0 = cbk * v->cob;
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

/* One MMA's worth of output pixels inside a tile: nr full rows (when a row fits the array) or
 * a piece of one row, at pixel offset off of the tile. Chunks follow output rows so that every
 * im2col DMA row and every store row is a contiguous run of output pixels. */
typedef struct cchunk {
    int64_t oh, nr, ow, nc, off;
} cchunk;

/* Tile rows [oh0, oh0 + rows) x columns [ow0, owlim): number of chunks. */
static int64_t cv_nchunks(const cv *v, int64_t rows, int64_t ow0, int64_t owlim) {
    int64_t sa = v->sa, wd = owlim - ow0;
    if (wd == v->G.OW && wd <= sa) return (rows + sa / wd - 1) / (sa / wd);
    return rows * ((wd + sa - 1) / sa);
}

static cchunk cv_chunk(const cv *v, int64_t i, int64_t oh0, int64_t rows, int64_t ow0,
                       int64_t owlim) {
    int64_t sa = v->sa, wd = owlim - ow0;
    cchunk k;
    if (wd == v->G.OW && wd <= sa) {
        int64_t rpc = sa / wd;
        k.oh = oh0 + i * rpc, k.nr = SC_MIN(rpc, rows - i * rpc), k.ow = ow0, k.nc = wd;
        k.off = i * rpc * wd;
        return k;
    }
    int64_t ppr = (wd + sa - 1) / sa, r = i / ppr, q = i % ppr;
    k.oh = oh0 + r, k.nr = 1, k.ow = ow0 + q * sa, k.nc = SC_MIN(sa, owlim - k.ow);
    k.off = r * wd + q * sa;
    return k;
}

static sc_status im2col_plane(cg *c, const cv *v, int core, int slot, int64_t xbase, int64_t kz,
                              const cchunk *k, int64_t vol, int64_t kvol);

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
        cg_view bdst = cg_spad(SC_DTYPE_FP32, cg_slot_at(&v->L, slot, CV_BIAS), bd);
        if (cg_dma(c, core, q, bd, &bdst, &bsrc)) return c->err->status;
    }
    /* im2col: with padding, 3-D convs zero the whole tile first; 2-D ones zero just the parts
     * each kernel position reads from padding (im2col_zero) */
    if (v->pads && G->KD > 1) {
        uint32_t zd[4] = {(uint32_t)v->Kd, (uint32_t)np, 1, 1};
        cg_view zs = {SC_SPACE_CONST, SC_DTYPE_FP32, v->zero, {0, 0, 0, 0}, -1};
        cg_view zdst = cg_spad(v->dt, cg_slot_at(&v->L, slot, CV_B), zd);
        if (cg_dma(c, core, q, zd, &zdst, &zs)) return c->err->status;
    }
    int64_t oh0 = p0 / G->OW, ow0 = p0 % G->OW, rows = v->by_rows ? np / G->OW : 1;
    int64_t owlim = v->by_rows ? G->OW : ow0 + np;
    int64_t vol = G->D * G->H * G->W, kvol = G->KD * G->KH * G->KW;
    int64_t nch = cv_nchunks(v, rows, ow0, owlim);
    for (int64_t i = 0; i < nch; i++) {
        cchunk k = cv_chunk(v, i, oh0, rows, ow0, owlim);
        for (int64_t kz = 0; kz < G->KD; kz++) {
            int64_t id = od * G->sd + kz * G->dd - G->pf;
            if (id < 0 || id >= G->D) continue; /* the zero fill stands for the depth padding */
            int64_t xbase = (n * G->C + g * v->Cg) * vol + id * G->H * G->W;
            if (im2col_plane(c, v, core, slot, xbase, kz, &k, vol, kvol)) return c->err->status;
        }
    }
    return SC_OK;
}

/* Zero rectangle [r0, r1) x [c0, c1) (chunk coordinates) of every channel of one kernel
 * position's [Cg x nr x nc] block at base. */
static sc_status zero_rect(cg *c, const cv *v, int core, uint64_t base, const cchunk *k, int64_t r0,
                           int64_t r1, int64_t c0, int64_t c1) {
    if (r0 >= r1 || c0 >= c1) return SC_OK;
    int64_t es = sc_isa_dtype_bytes(v->dt), kvol = v->G.KD * v->G.KH * v->G.KW;
    uint32_t d[4] = {(uint32_t)(c1 - c0), (uint32_t)v->Cg, (uint32_t)(r1 - r0), 1};
    cg_view zs = {SC_SPACE_CONST, SC_DTYPE_FP32, v->zero, {0, 0, 0, 0}, -1};
    cg_view dst = {SC_SPACE_SPAD,
                   v->dt,
                   base + (uint64_t)((r0 * k->nc + c0) * es),
                   {1, (int32_t)(kvol * k->nr * k->nc), (int32_t)k->nc, 0},
                   -1};
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &zs);
}

/* The padding a kernel position reads in a chunk: everything outside the valid rectangle
 * [hlo, hhi) x [wlo, whi) (output coordinates; empty when lo >= hi). */
static sc_status im2col_zero(cg *c, const cv *v, int core, uint64_t base, const cchunk *k,
                             int64_t hlo, int64_t hhi, int64_t wlo, int64_t whi) {
    if (hlo >= hhi || wlo >= whi) return zero_rect(c, v, core, base, k, 0, k->nr, 0, k->nc);
    int64_t a = hlo - k->oh, b = hhi - k->oh, l = wlo - k->ow, r = whi - k->ow;
    if (zero_rect(c, v, core, base, k, 0, a, 0, k->nc) ||
        zero_rect(c, v, core, base, k, b, k->nr, 0, k->nc) ||
        zero_rect(c, v, core, base, k, a, b, 0, l) ||
        zero_rect(c, v, core, base, k, a, b, r, k->nc))
        return c->err->status;
    return SC_OK;
}

/* The KH x KW kernel positions of depth kz for one chunk: one 3-D DMA each into the chunk's
 * K-major [Kd x pixels] block (rows of output pixels stay contiguous on both sides). */
static sc_status im2col_plane(cg *c, const cv *v, int core, int slot, int64_t xbase, int64_t kz,
                              const cchunk *k, int64_t vol, int64_t kvol) {
    const geo *G = &v->G;
    int64_t npix = k->nr * k->nc, es = sc_isa_dtype_bytes(v->dt);
    uint64_t bbase = cg_slot_at(&v->L, slot, CV_B) + (uint64_t)(k->off * v->Kd * es);
    for (int64_t ky = 0; ky < G->KH; ky++)
        for (int64_t kx = 0; kx < G->KW; kx++) {
            int64_t hlo, hhi, wlo, whi;
            valid_range(G->OH, G->H, G->sh, ky * G->dh, G->pt, &hlo, &hhi);
            valid_range(G->OW, G->W, G->sw, kx * G->dw, G->pl, &wlo, &whi);
            hlo = SC_MAX(hlo, k->oh), hhi = SC_MIN(hhi, k->oh + k->nr);
            wlo = SC_MAX(wlo, k->ow), whi = SC_MIN(whi, k->ow + k->nc);
            int64_t krow = (kz * G->KH + ky) * G->KW + kx;
            if (v->pads && G->KD == 1 &&
                im2col_zero(c, v, core, bbase + (uint64_t)(krow * npix * es), k, hlo, hhi, wlo,
                            whi))
                return c->err->status;
            if (hlo >= hhi || wlo >= whi) continue;
            uint32_t d[4] = {(uint32_t)(whi - wlo), (uint32_t)v->Cg, (uint32_t)(hhi - hlo), 1};
            int64_t ih = hlo * G->sh + ky * G->dh - G->pt, iw = wlo * G->sw + kx * G->dw - G->pl;
            int32_t ss[4] = {(int32_t)G->sw, (int32_t)vol, (int32_t)(G->sh * G->W), 0};
            cg_view src = cv_xview(c, v, (uint64_t)(xbase + ih * G->W + iw), ss);
            int64_t e = krow * npix + (hlo - k->oh) * k->nc + (wlo - k->ow);
            cg_view dst = {SC_SPACE_SPAD,
                           v->dt,
                           bbase + (uint64_t)(e * es),
                           {1, (int32_t)(kvol * npix), (int32_t)k->nc, 0},
                           -1};
            if (cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src)) return c->err->status;
        }
    return SC_OK;
}

static sc_status cv_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    cv *v = ctx;
    const geo *G = &v->G;
    int64_t n, g, co0, p0, np, od;
    cv_tile(v, t, &n, &g, &co0, &p0, &np, &od);
    int64_t cob = SC_MIN(v->cob, v->COg - co0);
    int64_t oh0 = p0 / G->OW, ow0 = p0 % G->OW, rows = v->by_rows ? np / G->OW : 1;
    int64_t owlim = v->by_rows ? G->OW : ow0 + np, nch = cv_nchunks(v, rows, ow0, owlim);
    sc_queue q = SC_QUEUE_COMPUTE;
    int es = sc_isa_dtype_bytes(v->dt);
    for (int64_t i = 0; i < nch; i++) {
        cchunk k = cv_chunk(v, i, oh0, rows, ow0, owlim);
        int64_t pc = k.nr * k.nc;
        uint64_t caddr = cg_slot_at(&v->L, slot, CV_C) + (uint64_t)(k.off * cob * 4);
        if (cg_li(c, core, q, R_T0, (int64_t)caddr) ||
            cg_li(c, core, q, R_T1, (int64_t)cg_slot_at(&v->L, slot, CV_A)) ||
            cg_li(c, core, q, R_T2,
                  (int64_t)(cg_slot_at(&v->L, slot, CV_B) + (uint64_t)(k.off * v->Kd * es))))
            return c->err->status;
        sc_dtype acc = v->qs > 0 ? SC_DTYPE_INT32 : SC_DTYPE_FP32;
        sc_insn in = {SC_OP_MMAI, {R_T0, R_T1, R_T2, cob, pc, v->Kd, v->dt, v->dt, acc, 0}};
        if (cg_emit(c, core, q, &in)) return c->err->status;
        if (v->qs > 0 && cg_int8_dequant(c, core, caddr, cg_slot_at(&v->L, slot, CV_SCALE),
                                         (uint32_t)pc, (uint32_t)cob, 1))
            return c->err->status;
        uint32_t d[4] = {(uint32_t)pc, (uint32_t)cob, 1, 1};
        cg_view cvw = {SC_SPACE_SPAD, SC_DTYPE_FP32, caddr, {1, (int32_t)pc, 0, 0}, -1};
        cg_view bv = {
            SC_SPACE_SPAD, SC_DTYPE_FP32, cg_slot_at(&v->L, slot, CV_BIAS), {0, 1, 0, 0}, -1};
        if (v->b >= 0 && cg_vec(c, core, SC_OP_VADD, d, &cvw, &cvw, &bv, NULL, 0, 0))
            return c->err->status;
        if (cg_apply_act(c, core, v->n, caddr, cg_slot_at(&v->L, slot, CV_TMP),
                         (uint32_t)(pc * cob)))
            return c->err->status;
    }
    return SC_OK;
}

static sc_status cv_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    cv *v = ctx;
    const geo *G = &v->G;
    int64_t n, g, co0, p0, np, od;
    cv_tile(v, t, &n, &g, &co0, &p0, &np, &od);
    int64_t cob = SC_MIN(v->cob, v->COg - co0), plane = G->OD * G->OH * G->OW;
    int64_t oh0 = p0 / G->OW, ow0 = p0 % G->OW, rows = v->by_rows ? np / G->OW : 1;
    int64_t owlim = v->by_rows ? G->OW : ow0 + np, nch = cv_nchunks(v, rows, ow0, owlim);
    int64_t CO = v->COg * v->groups,
            base = (n * CO + g * v->COg + co0) * plane + od * G->OH * G->OW;
    for (int64_t i = 0; i < nch; i++) {
        cchunk k = cv_chunk(v, i, oh0, rows, ow0, owlim);
        int64_t pc = k.nr * k.nc;
        uint32_t d[4] = {(uint32_t)pc, (uint32_t)cob, 1, 1};
        int32_t st[4] = {1, (int32_t)plane, 0, 0};
        cg_view dst = cg_val_view(c, v->y, (uint64_t)(base + k.oh * G->OW + k.ow), st);
        cg_view src =
            cg_spad(SC_DTYPE_FP32, cg_slot_at(&v->L, slot, CV_C) + (uint64_t)(k.off * cob * 4), d);
        if (cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src)) return c->err->status;
    }
    return SC_OK;
}

static void cv_sizes(cg *c, cv *v) {
    int es = sc_isa_dtype_bytes(v->dt);
    uint64_t c_b = al64((uint64_t)(v->cob * v->P * 4)), vec_b = al64((uint64_t)v->cob * 4);
    uint64_t sz[CV_REGIONS] = {al64((uint64_t)(v->cob * v->Kd * es)),
                               al64((uint64_t)(v->P * v->Kd * es)),
                               c_b,
                               vec_b,
                               c_b,
                               vec_b};
    cg_slot_layout(&v->L, sz, CV_REGIONS);
    (void)c;
}

static sc_status cv_plan(cg *c, cv *v) {
    const geo *G = &v->G;
    /* "_cob" / "_cp" (tile search) ask for an output-channel block and pixels per tile */
    int64_t ocob = sc_ir_attr_i(v->n, "_cob", 0), ocp = sc_ir_attr_i(v->n, "_cp", 0);
    v->cob = SC_MIN(v->COg, ocob > 0 ? SC_MIN(ocob, (int64_t)c->sa) : (int64_t)c->sa);
    v->P = SC_MIN(G->OH * G->OW, ocp > 0 ? ocp : (int64_t)CONV_PMAX);
    for (;;) {
        cv_sizes(c, v);
        if (2 * v->L.bytes <= c->spad) break;
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

/* ---- Depthwise Conv on the vector unit ----
 * One output channel per input channel (groups = C = CO): the MMA path would run one tile per
 * channel with M = 1 and an im2col of K = KH*KW, so instead the padded input rows of a channel
 * block are loaded once and each kernel position is a product (vmul) added into the output
 * (vadd). Bit-exact with the MMA: it rounds every product to fp32 and sums them in ascending k
 * from +0, which is what +0 + p0, then + p1, ... does. */

typedef struct dw {
    const sc_ir_node *n;
    geo G;
    int x, w, b, y;
    sc_dtype dt;
    int64_t cb, ncb, orows, nrb, rows_in, win, kvol, es;
    cg_slot L; /* slot regions DW_* */
    uint64_t zero;
} dw;

/* Slot regions: padded input rows, output, product scratch, weights, bias, one zero word. */
enum { DW_IN, DW_OUT, DW_TMP, DW_W, DW_BIAS, DW_ZERO, DW_REGIONS };

/* Tile t -> image n, channels [c0, c0 + cb), output rows [r0, r0 + orows) (rows fastest). */
static void dw_tile(const dw *p, uint64_t t, int64_t *n, int64_t *c0, int64_t *cb, int64_t *r0,
                    int64_t *orows) {
    *r0 = (int64_t)(t % (uint64_t)p->nrb) * p->orows;
    t /= (uint64_t)p->nrb;
    *c0 = (int64_t)(t % (uint64_t)p->ncb) * p->cb;
    *n = (int64_t)(t / (uint64_t)p->ncb);
    *cb = SC_MIN(p->cb, p->G.C - *c0), *orows = SC_MIN(p->orows, p->G.OH - *r0);
}

static sc_status dw_load_params(cg *c, const dw *p, int core, int slot, int64_t c0, int64_t cb) {
    sc_queue q = SC_QUEUE_LOAD;
    uint32_t wd[4] = {(uint32_t)p->kvol, (uint32_t)cb, 1, 1}, one[4] = {1, 1, 1, 1};
    int32_t ws[4] = {1, (int32_t)p->kvol, 0, 0}, bs[4] = {1, 0, 0, 0};
    cg_view wsrc = cg_val_view(c, p->w, (uint64_t)(c0 * p->kvol), ws);
    cg_view wdst = cg_spad(p->dt, cg_slot_at(&p->L, slot, DW_W), wd);
    cg_view zs = {SC_SPACE_CONST, SC_DTYPE_FP32, p->zero, {0, 0, 0, 0}, -1};
    cg_view zd = cg_spad1(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_ZERO));
    if (cg_dma(c, core, q, wd, &wdst, &wsrc) || cg_dma(c, core, q, one, &zd, &zs))
        return c->err->status;
    if (p->b < 0) return SC_OK;
    uint32_t bd[4] = {(uint32_t)cb, 1, 1, 1};
    cg_view bsrc = cg_val_view(c, p->b, (uint64_t)c0, bs);
    cg_view bdst = cg_spad(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_BIAS), bd);
    return cg_dma(c, core, q, bd, &bdst, &bsrc);
}

static sc_status dw_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    dw *p = ctx;
    const geo *G = &p->G;
    int64_t n, c0, cb, r0, orows;
    dw_tile(p, t, &n, &c0, &cb, &r0, &orows);
    uint64_t base = cg_slot_at(&p->L, slot, DW_IN);
    if (dw_load_params(c, p, core, slot, c0, cb)) return c->err->status;
    int64_t ih0 = r0 * G->sh - G->pt, need = (orows - 1) * G->sh + (G->KH - 1) * G->dh + 1;
    int64_t lo = SC_MAX(ih0, (int64_t)0), hi = SC_MIN(ih0 + need, G->H);
    if (lo > ih0 || hi < ih0 + need || p->win > G->W) { /* padding reads zeros */
        uint32_t fd[4] = {(uint32_t)p->win, (uint32_t)need, (uint32_t)cb, 1};
        cg_view fs = {SC_SPACE_CONST, SC_DTYPE_FP32, p->zero, {0, 0, 0, 0}, -1};
        cg_view fdst = {SC_SPACE_SPAD,
                        p->dt,
                        base,
                        {1, (int32_t)p->win, (int32_t)(p->rows_in * p->win), 0},
                        -1};
        if (cg_dma(c, core, SC_QUEUE_LOAD, fd, &fdst, &fs)) return c->err->status;
    }
    if (lo >= hi) return SC_OK;
    uint32_t d[4] = {(uint32_t)G->W, (uint32_t)(hi - lo), (uint32_t)cb, 1};
    int32_t ss[4] = {1, (int32_t)G->W, (int32_t)(G->H * G->W), 0};
    cg_view src = cg_val_view(c, p->x, (uint64_t)(((n * G->C + c0) * G->H + lo) * G->W), ss);
    cg_view dst = {SC_SPACE_SPAD,
                   p->dt,
                   base + (uint64_t)(((lo - ih0) * p->win + G->pl) * p->es),
                   {1, (int32_t)p->win, (int32_t)(p->rows_in * p->win), 0},
                   -1};
    return cg_dma(c, core, SC_QUEUE_LOAD, d, &dst, &src);
}

static sc_status dw_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    dw *p = ctx;
    const geo *G = &p->G;
    int64_t n, c0, cb, r0, orows;
    dw_tile(p, t, &n, &c0, &cb, &r0, &orows);
    uint64_t base = cg_slot_at(&p->L, slot, DW_IN);
    uint32_t d[4] = {(uint32_t)G->OW, (uint32_t)orows, (uint32_t)cb, 1};
    cg_view out = cg_spad(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_OUT), d);
    cg_view tmp = cg_spad(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_TMP), d);
    cg_view z = {SC_SPACE_SPAD, SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_ZERO), {0, 0, 0, 0}, -1};
    for (int64_t ky = 0; ky < G->KH; ky++)
        for (int64_t kx = 0; kx < G->KW; kx++) {
            int64_t k = ky * G->KW + kx;
            cg_view a = {
                SC_SPACE_SPAD,
                p->dt,
                base + (uint64_t)((ky * G->dh * p->win + kx * G->dw) * p->es),
                {(int32_t)G->sw, (int32_t)(G->sh * p->win), (int32_t)(p->rows_in * p->win), 0},
                -1};
            cg_view wv = {SC_SPACE_SPAD,
                          p->dt,
                          cg_slot_at(&p->L, slot, DW_W) + (uint64_t)(k * p->es),
                          {0, 0, (int32_t)p->kvol, 0},
                          -1};
            if (cg_vec(c, core, SC_OP_VMUL, d, &tmp, &a, &wv, NULL, 0, 0) ||
                cg_vec(c, core, SC_OP_VADD, d, &out, k ? &out : &z, &tmp, NULL, 0, 0))
                return c->err->status;
        }
    cg_view bv = {SC_SPACE_SPAD, SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_BIAS), {0, 0, 1, 0}, -1};
    if (p->b >= 0 && cg_vec(c, core, SC_OP_VADD, d, &out, &out, &bv, NULL, 0, 0))
        return c->err->status;
    return cg_apply_act(c, core, p->n, cg_slot_at(&p->L, slot, DW_OUT),
                        cg_slot_at(&p->L, slot, DW_TMP), (uint32_t)(cb * orows * G->OW));
}

static sc_status dw_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    dw *p = ctx;
    const geo *G = &p->G;
    int64_t n, c0, cb, r0, orows;
    dw_tile(p, t, &n, &c0, &cb, &r0, &orows);
    uint32_t d[4] = {(uint32_t)(orows * G->OW), (uint32_t)cb, 1, 1};
    int32_t st[4] = {1, (int32_t)(G->OH * G->OW), 0, 0};
    cg_view dst = cg_val_view(c, p->y, (uint64_t)(((n * G->C + c0) * G->OH + r0) * G->OW), st);
    cg_view src = cg_spad(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, DW_OUT), d);
    return cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src);
}

static void dw_sizes(dw *p) {
    const geo *G = &p->G;
    p->rows_in = (p->orows - 1) * G->sh + (G->KH - 1) * G->dh + 1;
    uint64_t out_b = al64((uint64_t)(p->cb * p->orows * G->OW * 4));
    uint64_t sz[DW_REGIONS] = {al64((uint64_t)(p->cb * p->rows_in * p->win * p->es)),
                               out_b,
                               out_b,
                               al64((uint64_t)(p->cb * p->kvol * p->es)),
                               al64((uint64_t)p->cb * 4),
                               64};
    cg_slot_layout(&p->L, sz, DW_REGIONS);
}

/* Channel block and output rows: the largest tile that double-buffers in the scratchpad, then
 * split (channels first: no halo rows) until every core has a tile. "_dw_cb" / "_dw_rows"
 * (tile search) override. Returns 0 when no tile fits. */
static int dw_plan(cg *c, dw *p) {
    const geo *G = &p->G;
    int64_t ocb = sc_ir_attr_i(p->n, "_dw_cb", 0), orw = sc_ir_attr_i(p->n, "_dw_rows", 0);
    p->win = SC_MAX(G->W + G->pl, (G->OW - 1) * G->sw + (G->KW - 1) * G->dw + 1);
    p->cb = ocb > 0 ? SC_MIN(ocb, G->C) : G->C;
    p->orows = orw > 0 ? SC_MIN(orw, G->OH) : G->OH;
    for (;;) {
        dw_sizes(p);
        if (2 * p->L.bytes <= c->spad) break;
        if (p->cb > 1)
            p->cb = (p->cb + 1) / 2;
        else if (p->orows > 1)
            p->orows = (p->orows + 1) / 2;
        else
            return 0;
    }
    while (!ocb && !orw &&
           G->N * ((G->C + p->cb - 1) / p->cb) * ((G->OH + p->orows - 1) / p->orows) < c->cores) {
        if (p->cb >= 16)
            p->cb = (p->cb + 1) / 2;
        else if (p->orows > 1)
            p->orows = (p->orows + 1) / 2;
        else
            break;
    }
    dw_sizes(p);
    p->ncb = (G->C + p->cb - 1) / p->cb;
    p->nrb = (G->OH + p->orows - 1) / p->orows;
    return 1;
}

/* Lowers a depthwise 1-D/2-D Conv on the vector unit; *done = 0 leaves it to the MMA path
 * (int8, grouped but not depthwise, 3-D, "_dw_mma" set by the tile search, no tile fits). */
static sc_status lower_dwconv(cg *c, sc_ir_node *n, const cv *v, int *done) {
    dw p;
    memset(&p, 0, sizeof p);
    *done = 0;
    if (v->groups != v->G.C || v->Cg != 1 || v->COg != 1 || v->qs > 0 || v->G.KD != 1 ||
        v->G.D != 1 || sc_ir_attr_i(n, "_dw_mma", 0))
        return SC_OK;
    p.n = n, p.G = v->G, p.x = v->x, p.w = v->w, p.b = v->b, p.y = v->y, p.dt = v->dt;
    p.kvol = v->G.KH * v->G.KW, p.es = sc_isa_dtype_bytes(v->dt);
    if (!dw_plan(c, &p)) return SC_OK;
    float z = 0;
    if (sc_program_add_const(c->p, &z, 4, 64, &p.zero, c->err)) return c->err->status;
    *done = 1;
    cg_tiler tl = {dw_load, dw_compute, dw_store};
    return cg_pipeline(c, (uint64_t)(p.G.N * p.ncb * p.nrb), &tl, &p);
}

sc_status lower_conv(cg *c, sc_ir_node *n) {
    cv v;
    memset(&v, 0, sizeof v);
    v.n = n, v.x = n->in[0], v.w = n->in[1], v.b = n->n_in > 2 ? n->in[2] : -1, v.y = n->out[0];
    if (get_geo(c, n, &v.G)) return c->err->status;
    v.sa = c->sa;
    v.co_fast = sc_ir_attr_i(n, "_co_fast", 0) != 0;
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
    int done = 0;
    if (lower_dwconv(c, n, &v, &done) || done) return c->err->status;
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
    cg_slot L;                                 /* slot regions PL_* */
    uint64_t fill, cnt_off;
} pl;

/* Slot regions: input planes (filled where padding), output, AveragePool divisors. */
enum { PL_IN, PL_OUT, PL_CNT, PL_REGIONS };

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
    uint64_t base = cg_slot_at(&p->L, slot, PL_IN);
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
        cg_view dst = cg_spad(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, PL_CNT), d);
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
    uint64_t base = cg_slot_at(&p->L, slot, PL_IN), ob = cg_slot_at(&p->L, slot, PL_OUT);
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
        uint64_t ca = cg_slot_at(&p->L, slot, PL_CNT);
        cg_view cnt = {SC_SPACE_SPAD, SC_DTYPE_FP32, ca, {1, (int32_t)G->OW, 0, 0}, -1};
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
    cg_view src = cg_spad(SC_DTYPE_FP32, cg_slot_at(&p->L, slot, PL_OUT), d);
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
        uint64_t sz[PL_REGIONS] = {al64((uint64_t)(p->cb * G->KD * p->rows_in * p->win * 4)),
                                   al64((uint64_t)(p->cb * p->orows * G->OW * 4)),
                                   al64((uint64_t)(p->orows * G->OW * 4))};
        if (2 * cg_slot_layout(&p->L, sz, PL_REGIONS) <= c->spad) break;
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
