// SPDX-License-Identifier: Apache-2.0
// ScatterElements, Scatter, ScatterND (reduction none/add/mul/max/min) and GatherND with run-time
// indices: core 0 DMAs the indices into its scratchpad, its scalar unit reads each one (lds),
// wraps negatives, traps on out-of-range values and turns the index tuple into an address for one
// DMA of the addressed slice; reductions run read-modify-write through the vector unit.
#include <string.h>

#include "compiler/codegen_internal.h"
#include "compiler/ir_expand.h"

enum { K_SND, K_SEL, K_GND };
enum { RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN };
/* Scalar registers beyond the codegen scratch set (R_T3 = 16). */
enum { R_MASK = 17, R_SIGN = 18, R_63 = 19, R_DIM = 20, R_OFF = 21, R_X = 22, R_Y = 23 };
#define TRAP_INDEX  0x1d  /* an index outside its axis */
#define IDX_CHUNK   65536 /* indices staged at once (8 bytes each), fewer on small scratchpads */
#define MAX_INDICES (1 << 18)

typedef struct sct {
    int kind, red, k, axis;
    int data, idx, upd, out;
    int64_t ntup, slice, tpb, bstride;
    int64_t dims[SC_IR_MAX_RANK], st[SC_IR_MAX_RANK]; /* addressed tensor's dims/strides */
    int64_t idims[SC_IR_MAX_RANK];                    /* indices dims (ScatterElements) */
    int irank;
    uint64_t a_addr, b_addr;
    uint32_t desc; /* the slice copy */
    int64_t chunk; /* indices staged per round */
} sct;

static sc_status ins(cg *c, sc_queue q, uint16_t op, int64_t a, int64_t b, int64_t d) {
    sc_insn in = {op, {a, b, d}};
    return cg_emit(c, 0, q, &in);
}

static uint32_t next_index(cg *c, sc_queue q) {
    size_t n = 0;
    sc_program_code(c->p, 0, q, &n);
    return (uint32_t)n;
}

static sc_status regs_init(cg *c, sc_queue q) {
    if (cg_li(c, 0, q, R_MASK, 0xffffffffll) || cg_li(c, 0, q, R_SIGN, 0x80000000ll) ||
        cg_li(c, 0, q, R_63, 63))
        return c->err->status;
    return SC_OK;
}

/* R[dst] = the int32 index in scratchpad word `addr`, negatives wrapped by dim, trap when the
 * result is not in [0, dim). */
static sc_status read_index(cg *c, sc_queue q, uint64_t addr, int64_t dim, int dst) {
    if (ins(c, q, SC_OP_LDS, dst, 0, (int64_t)addr) || ins(c, q, SC_OP_AND, dst, dst, R_MASK) ||
        ins(c, q, SC_OP_XOR, dst, dst, R_SIGN) || ins(c, q, SC_OP_SUB, dst, dst, R_SIGN) ||
        cg_li(c, 0, q, R_DIM, dim) || ins(c, q, SC_OP_SHR, R_Y, dst, R_63) ||
        ins(c, q, SC_OP_MUL, R_Y, R_Y, R_DIM) || ins(c, q, SC_OP_ADD, dst, dst, R_Y))
        return c->err->status;
    uint32_t at = next_index(c, q);
    if (ins(c, q, SC_OP_BLT, dst, 0, at + 2) || ins(c, q, SC_OP_BLT, dst, R_DIM, at + 3) ||
        ins(c, q, SC_OP_TRAP, TRAP_INDEX, 0, 0))
        return c->err->status;
    return SC_OK;
}

/* Byte offset of tuple j (its k indices are at scratchpad words w0..) into R_OFF. */
static sc_status tuple_offset(cg *c, const sct *s, sc_queue q, uint64_t w0, int64_t j) {
    if (cg_li(c, 0, q, R_OFF, 0)) return c->err->status;
    int64_t eb = sc_isa_dtype_bytes(c->loc[s->kind == K_GND ? s->data : s->out].dt);
    for (int m = 0; m < s->k; m++) {
        int ax = s->kind == K_SEL ? s->axis : m;
        if (read_index(c, q, w0 + 8 * (uint64_t)m, s->dims[ax], R_X) ||
            cg_li(c, 0, q, R_Y, s->st[ax] * eb) || ins(c, q, SC_OP_MUL, R_X, R_X, R_Y) ||
            ins(c, q, SC_OP_ADD, R_OFF, R_OFF, R_X))
            return c->err->status;
    }
    (void)j;
    return SC_OK;
}

/* Fixed byte parts of tuple j: where the slice goes and where it comes from. */
static void fixed(cg *c, const sct *s, int64_t j, uint64_t *dst, uint64_t *src) {
    const cg_loc *o = &c->loc[s->out];
    if (s->kind == K_GND) {
        const cg_loc *d = &c->loc[s->data];
        *dst = o->off + (uint64_t)(j * s->slice) * (uint64_t)sc_isa_dtype_bytes(o->dt);
        *src = d->off + (uint64_t)((j / s->tpb) * s->bstride) * (uint64_t)sc_isa_dtype_bytes(d->dt);
        return;
    }
    const cg_loc *u = &c->loc[s->upd];
    *src = u->off + (uint64_t)(j * s->slice) * (uint64_t)sc_isa_dtype_bytes(u->dt);
    int64_t e = 0;
    if (s->kind == K_SEL) { /* every axis but `axis` keeps the update's position */
        int64_t rem = j;
        for (int m = s->irank - 1; m >= 0; m--) {
            int64_t cm = rem % s->idims[m];
            rem /= s->idims[m];
            if (m != s->axis) e += cm * s->st[m];
        }
    }
    *dst = o->off + (uint64_t)e * (uint64_t)sc_isa_dtype_bytes(o->dt);
}

static sc_status slice_dma(cg *c, sc_queue q, uint32_t desc, int computed_dst) {
    if (ins(c, q, SC_OP_ADD, computed_dst ? R_D : R_A, computed_dst ? R_D : R_A, R_OFF))
        return c->err->status;
    sc_insn in = {SC_OP_DMA, {desc, R_D, R_A, 0, 0}};
    return cg_emit(c, 0, q, &in);
}

static sc_status add_desc(cg *c, uint32_t n, sc_space dsp, sc_dtype ddt, sc_space ssp, sc_dtype sdt,
                          uint32_t *id) {
    sc_desc d;
    memset(&d, 0, sizeof d);
    d.kind = SC_DESC_DMA;
    d.dims[0] = n, d.dims[1] = d.dims[2] = d.dims[3] = 1;
    sc_view *v[2] = {&d.views[SC_VIEW_DST], &d.views[SC_VIEW_SRC]};
    sc_space sp[2] = {dsp, ssp};
    sc_dtype dt[2] = {ddt, sdt};
    for (int i = 0; i < 2; i++) {
        v[i]->space = (uint8_t)sp[i];
        v[i]->dtype = (uint8_t)dt[i];
        v[i]->core = SC_ISA_SELF;
        v[i]->buffer = SC_ISA_NO_BUFFER;
        v[i]->strides[0] = 1;
    }
    return sc_program_add_desc(c->p, &d, id, c->err);
}

/* Plain copy of tuple j's slice (scatter without reduction, or gather). */
static sc_status tuple_plain(cg *c, const sct *s, uint64_t w0, int64_t j) {
    uint64_t dst, src;
    fixed(c, s, j, &dst, &src);
    if (tuple_offset(c, s, SC_QUEUE_LOAD, w0, j) || cg_li(c, 0, SC_QUEUE_LOAD, R_D, (int64_t)dst) ||
        cg_li(c, 0, SC_QUEUE_LOAD, R_A, (int64_t)src))
        return c->err->status;
    return slice_dma(c, SC_QUEUE_LOAD, s->desc, s->kind != K_GND);
}

/* Read-modify-write of tuple j: load out[idx] and the update, combine, store; serialised
 * through semaphores so duplicate indices accumulate. */
static sc_status tuple_reduce(cg *c, const sct *s, uint64_t w0, int64_t j, uint32_t din,
                              uint32_t dout) {
    static const int VOP[] = {0, SC_OP_VADD, SC_OP_VMUL, SC_OP_VMAX, SC_OP_VMIN};
    uint64_t dst, src;
    fixed(c, s, j, &dst, &src);
    const cg_loc *u = &c->loc[s->upd];
    uint32_t d[4] = {(uint32_t)s->slice, 1, 1, 1};
    cg_view a = cg_spad(SC_DTYPE_FP32, s->a_addr, d), b = cg_spad(SC_DTYPE_FP32, s->b_addr, d);
    cg_view us = {u->space, u->dt, src, {1, 0, 0, 0}, -1};
    sc_queue L = SC_QUEUE_LOAD, S = SC_QUEUE_STORE;
    if ((j > 0 && cg_sem(c, 0, L, SC_OP_WAIT, SEM_CFREE, 1)) || tuple_offset(c, s, L, w0, j) ||
        cg_li(c, 0, L, R_A, (int64_t)dst) || cg_li(c, 0, L, R_D, (int64_t)s->a_addr) ||
        slice_dma(c, L, din, 0) || cg_dma(c, 0, L, d, &b, &us) ||
        cg_sem(c, 0, L, SC_OP_SIGNAL, SEM_READY, 1))
        return c->err->status;
    if (cg_sem(c, 0, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_READY, 1) ||
        cg_vec(c, 0, VOP[s->red], d, &a, &a, &b, NULL, 0, 0) ||
        cg_sem(c, 0, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CDONE, 1))
        return c->err->status;
    if (cg_sem(c, 0, S, SC_OP_WAIT, SEM_CDONE, 1) || tuple_offset(c, s, S, w0, j) ||
        cg_li(c, 0, S, R_D, (int64_t)dst) || cg_li(c, 0, S, R_A, (int64_t)s->a_addr) ||
        slice_dma(c, S, dout, 1) || cg_sem(c, 0, S, SC_OP_SIGNAL, SEM_CFREE, 1))
        return c->err->status;
    return SC_OK;
}

/* Stages chunks of indices in core 0's scratchpad and emits every tuple. */
static sc_status emit_tuples(cg *c, sct *s) {
    const cg_loc *o = &c->loc[s->out], *src = &c->loc[s->kind == K_GND ? s->data : s->upd];
    uint32_t din = 0, dout = 0;
    if (add_desc(c, (uint32_t)s->slice, o->space, o->dt, src->space, src->dt, &s->desc))
        return c->err->status;
    if (s->red &&
        (add_desc(c, (uint32_t)s->slice, SC_SPACE_SPAD, SC_DTYPE_FP32, o->space, o->dt, &din) ||
         add_desc(c, (uint32_t)s->slice, o->space, o->dt, SC_SPACE_SPAD, SC_DTYPE_FP32, &dout)))
        return c->err->status;
    if (regs_init(c, SC_QUEUE_LOAD) || (s->red && regs_init(c, SC_QUEUE_STORE)))
        return c->err->status;
    int64_t per = (s->chunk / s->k) * s->k, total = s->ntup * s->k;
    for (int64_t e0 = 0; e0 < total; e0 += per) {
        int64_t n = SC_MIN(per, total - e0);
        uint32_t d[4] = {(uint32_t)n, 1, 1, 1};
        int32_t st[4] = {1, 0, 0, 0};
        cg_view from = cg_val_view(c, s->idx, (uint64_t)e0, st);
        cg_view to = {SC_SPACE_SPAD, SC_DTYPE_INT32, 0, {2, 0, 0, 0}, -1};
        if (cg_dma(c, 0, SC_QUEUE_LOAD, d, &to, &from)) return c->err->status;
        for (int64_t j = e0 / s->k; j < (e0 + n) / s->k; j++) {
            uint64_t w0 = 8 * (uint64_t)(j * s->k - e0);
            if (s->red ? tuple_reduce(c, s, w0, j, din, dout) : tuple_plain(c, s, w0, j))
                return c->err->status;
        }
    }
    if (s->red && s->ntup && cg_sem(c, 0, SC_QUEUE_LOAD, SC_OP_WAIT, SEM_CFREE, 1))
        return c->err->status;
    return SC_OK;
}

static int reduction(const sc_ir_node *n) {
    const char *r = sc_ir_attr_s(n, "reduction", "none");
    return !strcmp(r, "add")    ? RED_ADD
           : !strcmp(r, "mul")  ? RED_MUL
           : !strcmp(r, "max")  ? RED_MAX
           : !strcmp(r, "min")  ? RED_MIN
           : !strcmp(r, "none") ? RED_NONE
                                : -1;
}

static sc_status setup(cg *c, sc_ir_node *n, sct *s) {
    sc_ir_graph *g = c->g;
    memset(s, 0, sizeof *s);
    s->kind = !strcmp(n->op, "ScatterND") ? K_SND : !strcmp(n->op, "GatherND") ? K_GND : K_SEL;
    s->data = n->in[0], s->idx = n->in[1], s->upd = n->n_in > 2 ? n->in[2] : -1;
    s->out = n->out[0];
    s->red = s->kind == K_GND ? RED_NONE : reduction(n);
    if (s->red < 0) return sc_err_set(c->err, SC_ERR_PARSE, "unknown reduction");
    const sc_ir_value *x = &g->vals[s->data], *ix = &g->vals[s->idx];
    memcpy(s->dims, x->dims, sizeof s->dims);
    ir_strides(x->rank, x->dims, s->st);
    int64_t nidx = sc_ir_numel(ix);
    if (s->kind == K_SEL) {
        s->k = 1, s->ntup = nidx, s->slice = 1, s->irank = ix->rank;
        memcpy(s->idims, ix->dims, sizeof s->idims);
        s->axis = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
        if (s->axis < 0) return sc_err_set(c->err, SC_ERR_PARSE, "axis out of range");
    } else {
        int b = s->kind == K_GND ? (int)sc_ir_attr_i(n, "batch_dims", 0) : 0;
        s->k = ix->rank ? (int)ix->dims[ix->rank - 1] : 0;
        if (s->k < 1 || b + s->k > x->rank)
            return sc_err_set(c->err, SC_ERR_PARSE, "indices' last dimension out of range");
        s->ntup = nidx / s->k;
        s->slice = 1, s->bstride = 1, s->tpb = s->ntup ? s->ntup : 1;
        for (int i = b + s->k; i < x->rank; i++)
            s->slice *= x->dims[i];
        for (int i = b; i < x->rank; i++)
            s->bstride *= x->dims[i];
        for (int i = 0; i < b; i++)
            s->tpb /= x->dims[i] ? x->dims[i] : 1;
        for (int m = 0; m < s->k; m++) /* tuple component m addresses axis b + m */
            s->dims[m] = x->dims[b + m], s->st[m] = s->st[b + m];
    }
    if (nidx > MAX_INDICES || s->slice > INT32_MAX)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s with %lld indices (limit %d)", n->op,
                          (long long)nidx, MAX_INDICES);
    s->chunk = SC_MIN(IDX_CHUNK, (int64_t)(c->spad / 4 / 8));
    if (s->chunk < s->k)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s: scratchpad too small", n->op);
    s->a_addr = (uint64_t)s->chunk * 8;
    s->b_addr = s->a_addr + ((uint64_t)s->slice * 4 + 63) / 64 * 64;
    if (s->red && s->b_addr + (uint64_t)s->slice * 4 > c->spad)
        return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "%s reduction over slices of %lld elements",
                          n->op, (long long)s->slice);
    return SC_OK;
}

int lower_is_scatter(const char *op) {
    return !strcmp(op, "ScatterElements") || !strcmp(op, "Scatter") || !strcmp(op, "ScatterND") ||
           !strcmp(op, "GatherND");
}

sc_status lower_scatter(cg *c, sc_ir_node *n) {
    sct s;
    if (setup(c, n, &s)) return c->err->status;
    if (s.kind != K_GND) { /* out = data first, finished before any update lands */
        const sc_ir_value *x = &c->g->vals[s.data];
        int64_t ne = sc_ir_numel(x), one = 1;
        const cg_loc *d = &c->loc[s.data], *o = &c->loc[s.out];
        if (cg_copy_nd(c, 1, &ne, o->space, o->dt, o->off, &one, d->space, d->dt, d->off, &one) ||
            cg_op_end(c))
            return c->err->status;
    }
    if (!s.ntup || !s.slice) return SC_OK;
    return emit_tuples(c, &s);
}

/* ---- shape inference ---- */

sc_status ir_shape_scatter(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_ir_value *x = ir_in(g, n, 0), *ix = ir_in(g, n, 1), *u = ir_in(g, n, 2);
    sc_ir_value *y = ir_out(g, n, 0);
    if (!x || !ix || !u || !y)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (%s): needs data, indices, updates",
                          n->name, n->op);
    if (x->rank < 0 || ix->rank < 0 || u->rank < 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (%s): unknown input shape", n->name,
                          n->op);
    int ok = 1;
    if (strcmp(n->op, "ScatterND")) {
        ok = ix->rank == x->rank && u->rank == ix->rank &&
             !memcmp(u->dims, ix->dims, sizeof(int64_t) * (size_t)ix->rank);
    } else {
        int64_t k = ix->rank ? ix->dims[ix->rank - 1] : 0;
        ok = ix->rank >= 1 && k >= 1 && k <= x->rank && u->rank == ix->rank - 1 + x->rank - k;
    }
    if (!ok)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (%s): indices/updates shapes", n->name,
                          n->op);
    ir_set_shape(y, x->dtype, x->rank, x->dims);
    return SC_OK;
}

sc_status ir_shape_gathernd(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_ir_value *x = ir_in(g, n, 0), *ix = ir_in(g, n, 1), *y = ir_out(g, n, 0);
    if (!x || !ix || !y)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (GatherND): needs data and indices",
                          n->name);
    if (x->rank < 0 || ix->rank < 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "node '%s' (GatherND): unknown input shape",
                          n->name);
    int64_t b = sc_ir_attr_i(n, "batch_dims", 0), k = ix->rank ? ix->dims[ix->rank - 1] : 0;
    if (ix->rank < 1 || b < 0 || b >= ix->rank || k < 1 || b + k > x->rank ||
        ix->rank - 1 + x->rank - k - b > SC_IR_MAX_RANK)
        return sc_err_set(err, SC_ERR_PARSE, "node '%s' (GatherND): indices shape", n->name);
    int64_t d[SC_IR_MAX_RANK];
    int r = 0;
    for (int i = 0; i < ix->rank - 1; i++)
        d[r++] = ix->dims[i];
    for (int64_t i = b + k; i < x->rank; i++)
        d[r++] = x->dims[i];
    ir_set_shape(y, x->dtype, r, d);
    return SC_OK;
}
