// SPDX-License-Identifier: Apache-2.0
// Data movement ops as strided DMA (HBM to HBM): reshape family, transpose, slice, concat, split,
// expand, tile, pad, gather with constant indices.
#include <string.h>

#include "compiler/codegen_internal.h"
#include "numerics/numerics.h"

int lower_is_data(const char *op) {
    static const char *OPS[] = {"Identity", "Dropout",   "Reshape",      "Flatten",
                                "Squeeze",  "Unsqueeze", "Transpose",    "Slice",
                                "Concat",   "Split",     "Expand",       "Tile",
                                "Pad",      "Gather",    "DepthToSpace", "SpaceToDepth"};
    for (size_t i = 0; i < SC_ARRAY_LEN(OPS); i++)
        if (!strcmp(OPS[i], op)) return 1;
    return 0;
}

typedef struct side {
    sc_space sp;
    sc_dtype dt;
    uint64_t base;
    int es;
} side;

static side side_of(cg *c, int v) {
    cg_loc *l = &c->loc[v];
    side s = {l->space, l->dt, l->off, sc_isa_dtype_bytes(l->dt)};
    return s;
}

static sc_status copy(cg *c, int rank, const int64_t *dims, side d, int64_t doff,
                      const int64_t *dst, side s, int64_t soff, const int64_t *src) {
    return cg_copy_nd(c, rank, dims, d.sp, d.dt, d.base + (uint64_t)(doff * d.es), dst, s.sp, s.dt,
                      s.base + (uint64_t)(soff * s.es), src);
}

static sc_status flat(cg *c, int in, int out) {
    int64_t n = sc_ir_numel(&c->g->vals[out]), one = 1;
    return copy(c, 1, &n, side_of(c, out), 0, &one, side_of(c, in), 0, &one);
}

static sc_status transpose(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0), *y = ir_out(c->g, n, 0);
    int64_t p[SC_IR_MAX_RANK], ist[SC_IR_MAX_RANK], ost[SC_IR_MAX_RANK], sst[SC_IR_MAX_RANK];
    if (sc_ir_attr_ints(n, "perm", p, SC_IR_MAX_RANK) < 0)
        for (int i = 0; i < x->rank; i++)
            p[i] = x->rank - 1 - i;
    ir_strides(x->rank, x->dims, ist);
    ir_strides(y->rank, y->dims, ost);
    for (int i = 0; i < y->rank; i++)
        sst[i] = ist[p[i]];
    return copy(c, y->rank, y->dims, side_of(c, n->out[0]), 0, ost, side_of(c, n->in[0]), 0, sst);
}

static sc_status slice(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0), *y = ir_out(c->g, n, 0);
    const sc_ir_attr *st = sc_ir_attr_get(n, "_start"), *sp = sc_ir_attr_get(n, "_step");
    int64_t ist[SC_IR_MAX_RANK], ost[SC_IR_MAX_RANK], sst[SC_IR_MAX_RANK], off = 0;
    ir_strides(x->rank, x->dims, ist);
    ir_strides(y->rank, y->dims, ost);
    for (int i = 0; i < x->rank; i++) {
        off += st->ints[i] * ist[i];
        sst[i] = ist[i] * sp->ints[i];
    }
    return copy(c, y->rank, y->dims, side_of(c, n->out[0]), 0, ost, side_of(c, n->in[0]), off, sst);
}

/* Concat (to_out = 1) and Split (0): pieces along axis. */
static sc_status pieces(cg *c, sc_ir_node *n, int to_out) {
    int whole = to_out ? n->out[0] : n->in[0];
    sc_ir_value *w = &c->g->vals[whole];
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), w->rank);
    int64_t wst[SC_IR_MAX_RANK], pst[SC_IR_MAX_RANK], at = 0;
    ir_strides(w->rank, w->dims, wst);
    int cnt = to_out ? n->n_in : n->n_out;
    for (int k = 0; k < cnt; k++) {
        int pv = to_out ? n->in[k] : n->out[k];
        if (pv < 0) continue;
        sc_ir_value *pc = &c->g->vals[pv];
        ir_strides(pc->rank, pc->dims, pst);
        sc_status s = to_out ? copy(c, pc->rank, pc->dims, side_of(c, whole), at * wst[ax], wst,
                                    side_of(c, pv), 0, pst)
                             : (c->loc[pv].space == SC_SPACE_HBM
                                    ? copy(c, pc->rank, pc->dims, side_of(c, pv), 0, pst,
                                           side_of(c, whole), at * wst[ax], wst)
                                    : SC_OK);
        if (s) return s;
        at += pc->dims[ax];
    }
    return SC_OK;
}

static sc_status expand(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0), *y = ir_out(c->g, n, 0);
    int64_t sst[SC_IR_MAX_RANK], ost[SC_IR_MAX_RANK];
    cg_bcast_strides(x, y->rank, y->dims, sst);
    ir_strides(y->rank, y->dims, ost);
    return copy(c, y->rank, y->dims, side_of(c, n->out[0]), 0, ost, side_of(c, n->in[0]), 0, sst);
}

/* Tile: each axis i becomes (repeat, extent) with source stride 0 on the repeat axis. */
static sc_status tile(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0), *y = ir_out(c->g, n, 0);
    int64_t ist[SC_IR_MAX_RANK], ost[SC_IR_MAX_RANK], d[16], ds[16], ss[16];
    ir_strides(x->rank, x->dims, ist);
    ir_strides(y->rank, y->dims, ost);
    for (int i = 0; i < x->rank; i++) {
        d[2 * i] = y->dims[i] / (x->dims[i] ? x->dims[i] : 1);
        ds[2 * i] = x->dims[i] * ost[i], ss[2 * i] = 0;
        d[2 * i + 1] = x->dims[i], ds[2 * i + 1] = ost[i], ss[2 * i + 1] = ist[i];
    }
    return copy(c, 2 * x->rank, d, side_of(c, n->out[0]), 0, ds, side_of(c, n->in[0]), 0, ss);
}

static sc_status const_scalar(cg *c, sc_dtype dt, double v, side *s) {
    uint8_t buf[8] = {0};
    if (dt == SC_DTYPE_INT32) {
        int32_t y = (int32_t)v;
        memcpy(buf, &y, 4);
    } else
        sc_store_elem_f64(dt, buf, 0, v); /* an fp64 pad value stays exact */
    uint64_t off;
    if (sc_program_add_const(c->p, buf, 8, 64, &off, c->err)) return c->err->status;
    *s = (side){SC_SPACE_CONST, dt, off, sc_isa_dtype_bytes(dt)};
    return SC_OK;
}

/* Border slabs of axis a for edge/reflect padding, read from the output itself. */
static sc_status pad_axis(cg *c, const sc_ir_value *x, const sc_ir_value *y, const int64_t *pads,
                          int a, int reflect, side o) {
    int r = y->rank;
    int64_t ost[SC_IR_MAX_RANK], dims[SC_IR_MAX_RANK], base = 0;
    ir_strides(r, y->dims, ost);
    for (int i = 0; i < r; i++) {
        /* axes after a are already padded (full extent); earlier ones hold only the interior */
        dims[i] = i > a ? y->dims[i] : x->dims[i];
        if (i < a) base += pads[i] * ost[i];
    }
    int64_t pb = pads[a], pe = pads[a + r], d = x->dims[a];
    if (d <= 0 || (reflect && (pb >= d || pe >= d)))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "pad larger than input");
    int64_t sst[SC_IR_MAX_RANK];
    memcpy(sst, ost, sizeof sst);
    if (pb > 0) {
        dims[a] = pb;
        sst[a] = reflect ? -ost[a] : 0;
        int64_t src = reflect ? 2 * pb : pb;
        if (copy(c, r, dims, o, base, ost, o, base + src * ost[a], sst)) return c->err->status;
    }
    if (pe > 0) {
        dims[a] = pe;
        sst[a] = reflect ? -ost[a] : 0;
        int64_t src = reflect ? pb + d - 2 : pb + d - 1;
        if (copy(c, r, dims, o, base + (pb + d) * ost[a], ost, o, base + src * ost[a], sst))
            return c->err->status;
    }
    return SC_OK;
}

static sc_status pad(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0), *y = ir_out(c->g, n, 0);
    const sc_ir_attr *pa = sc_ir_attr_get(n, "_pads");
    const char *mode = sc_ir_attr_s(n, "mode", "constant");
    int r = x->rank, refl = !strcmp(mode, "reflect");
    if (strcmp(mode, "constant") && strcmp(mode, "edge") && !refl)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "Pad mode '%s'", mode);
    double val = c->g->opset < 11 ? sc_ir_attr_f(n, "value", 0) : ir_const_scalar(c->g, n, 2, 0);
    if (c->g->opset >= 11 && n->n_in > 2 && n->in[2] >= 0 && !sc_ir_is_const(c->g, n->in[2]))
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "Pad value computed at run time");
    side o = side_of(c, n->out[0]), s = {SC_SPACE_CONST, SC_DTYPE_FP32, 0, 4};
    int64_t ost[SC_IR_MAX_RANK], ist[SC_IR_MAX_RANK], zero[SC_IR_MAX_RANK] = {0},
                                                      dims[SC_IR_MAX_RANK];
    ir_strides(r, y->dims, ost);
    ir_strides(r, x->dims, ist);
    c->pin_core = 0; /* the border copies read what the interior copy wrote: one queue, in order */
    if (!strcmp(mode, "constant")) {
        if (const_scalar(c, o.dt, val, &s) || copy(c, r, y->dims, o, 0, ost, s, 0, zero)) goto out;
    }
    int64_t doff = 0, soff = 0;
    for (int i = 0; i < r; i++) {
        int64_t pb = pa->ints[i], pe = pa->ints[i + r];
        doff += (pb > 0 ? pb : 0) * ost[i];
        soff += (pb < 0 ? -pb : 0) * ist[i];
        dims[i] = x->dims[i] + (pb < 0 ? pb : 0) + (pe < 0 ? pe : 0);
        if (dims[i] <= 0) goto out; /* fully cropped: only the fill remains */
    }
    if (copy(c, r, dims, o, doff, ost, side_of(c, n->in[0]), soff, ist)) goto out;
    if (strcmp(mode, "constant"))
        for (int a = r - 1; a >= 0; a--)
            if (pad_axis(c, x, y, pa->ints, a, refl, o)) goto out;
out:
    c->pin_core = -1;
    return c->err->status;
}

/* DepthToSpace / SpaceToDepth: one 6-D strided copy (the reshape-transpose-reshape of the
 * operator definitions, expressed as source strides over the output's 6-D view). */
static sc_status depth_space(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0);
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
    int64_t b = sc_ir_attr_i(n, "blocksize", 1), d[6], ds[6], ss[6];
    if (!strcmp(n->op, "DepthToSpace")) {
        int64_t Cp = C / (b * b), crd = !strcmp(sc_ir_attr_s(n, "mode", "DCR"), "CRD");
        int64_t v[6] = {N, Cp, H, b, W, b};
        int64_t s[6] = {C * H * W, crd ? b * b * H * W : H * W, W, crd ? b * H * W : b * Cp * H * W,
                        1,         crd ? H * W : Cp * H * W};
        memcpy(d, v, sizeof d), memcpy(ss, s, sizeof ss);
    } else {
        int64_t v[6] = {N, b, b, C, H / b, W / b};
        int64_t s[6] = {C * H * W, W, 1, H * W, b * W, b};
        memcpy(d, v, sizeof d), memcpy(ss, s, sizeof ss);
    }
    ir_strides(6, d, ds);
    return copy(c, 6, d, side_of(c, n->out[0]), 0, ds, side_of(c, n->in[0]), 0, ss);
}

static sc_status gather(cg *c, sc_ir_node *n) {
    sc_ir_value *x = ir_in(c->g, n, 0), *ix = ir_in(c->g, n, 1);
    if (!ix->konst) return lower_elementwise(c, n); /* gather by selection */
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
    int64_t outer = 1, inner = 1, ni = (int64_t)sc_tensor_numel(ix->konst);
    for (int i = 0; i < ax; i++)
        outer *= x->dims[i];
    for (int i = ax + 1; i < x->rank; i++)
        inner *= x->dims[i];
    int64_t dims[2] = {outer, inner}, sst[2] = {x->dims[ax] * inner, 1}, dst[2] = {ni * inner, 1};
    for (int64_t k = 0; k < ni; k++) {
        int64_t v = sc_tensor_get_i64(ix->konst, (size_t)k);
        if (v < 0) v += x->dims[ax];
        if (v < 0 || v >= x->dims[ax])
            return sc_err_set(c->err, SC_ERR_INVALID_ARG, "Gather index %lld out of range",
                              (long long)v);
        if (copy(c, 2, dims, side_of(c, n->out[0]), k * inner, dst, side_of(c, n->in[0]), v * inner,
                 sst))
            return c->err->status;
    }
    return SC_OK;
}

sc_status lower_data(cg *c, sc_ir_node *n) {
    const char *op = n->op;
    if (!strcmp(op, "Transpose")) return transpose(c, n);
    if (!strcmp(op, "Slice")) return slice(c, n);
    if (!strcmp(op, "Concat")) return pieces(c, n, 1);
    if (!strcmp(op, "Split")) return pieces(c, n, 0);
    if (!strcmp(op, "Expand")) return expand(c, n);
    if (!strcmp(op, "Tile")) return tile(c, n);
    if (!strcmp(op, "Pad")) return pad(c, n);
    if (!strcmp(op, "Gather")) return gather(c, n);
    if (!strcmp(op, "DepthToSpace") || !strcmp(op, "SpaceToDepth")) return depth_space(c, n);
    if (!strcmp(op, "Dropout") && n->n_out > 1 && n->out[1] >= 0) {
        side s = {SC_SPACE_CONST, SC_DTYPE_FP32, 0, 4};
        int64_t cnt = sc_ir_numel(&c->g->vals[n->out[1]]), one = 1, zero = 0;
        if (const_scalar(c, c->loc[n->out[1]].dt, 1, &s) ||
            copy(c, 1, &cnt, side_of(c, n->out[1]), 0, &one, s, 0, &zero))
            return c->err->status;
    }
    return flat(c, n->in[0], n->out[0]); /* reshape family, Identity, Dropout */
}
