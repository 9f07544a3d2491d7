// SPDX-License-Identifier: Apache-2.0
// Code generation driver and emit helpers: descriptors, DMA/VEC emission, the tile pipeline.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"
#include "compiler/desc_pool.h"
#include "numerics/numerics.h"

sc_codegen_params sc_codegen_default_params(void) {
    sc_codegen_params p = {0};
    p.precision = SC_DTYPE_FP32;
    return p;
}

sc_dtype sc_codegen_dev_dtype(sc_tdtype t) {
    switch (t) {
    case SC_T_FLOAT16:
        return SC_DTYPE_FP16;
    case SC_T_BFLOAT16:
        return SC_DTYPE_BF16;
    case SC_T_FLOAT:
        return SC_DTYPE_FP32;
    case SC_T_DOUBLE: /* fp64 in HBM; ops without an fp64 datapath narrow it on load */
        return SC_DTYPE_FP64;
    default:
        return SC_DTYPE_INT32; /* every integer and bool type */
    }
}

/* ---- emission ---- */

sc_status cg_emit(cg *c, int core, sc_queue q, const sc_insn *in) {
    return sc_program_add_insn(c->p, core, q, in, NULL, c->err);
}

sc_status cg_li(cg *c, int core, sc_queue q, int reg, int64_t v) {
    sc_insn in = {SC_OP_LI, {reg, v}};
    return cg_emit(c, core, q, &in);
}

sc_status cg_sem(cg *c, int core, sc_queue q, int op, int sem, int n) {
    sc_insn in = {(uint16_t)op, {sem, n}};
    return cg_emit(c, core, q, &in);
}

static sc_view to_view(const cg_view *v) {
    sc_view o;
    memset(&o, 0, sizeof o);
    if (!v) return o;
    o.space = (uint8_t)v->space;
    o.dtype = (uint8_t)v->dt;
    o.core = v->space == SC_SPACE_SPAD && v->core >= 0 ? (uint16_t)v->core : SC_ISA_SELF;
    o.buffer = SC_ISA_NO_BUFFER;
    o.offset = 0;
    for (int i = 0; i < 4; i++)
        o.strides[i] = v->st[i];
    return o;
}

static uint32_t desc_hash(const sc_desc *d) {
    uint32_t h = 2166136261u;
    const uint8_t *p = (const uint8_t *)d->dims;
    for (size_t i = 0; i < sizeof d->dims; i++)
        h = (h ^ p[i]) * 16777619u;
    for (int v = 0; v < SC_ISA_VIEWS; v++) {
        const sc_view *w = &d->views[v];
        uint32_t f[6] = {w->space,
                         w->dtype,
                         (uint32_t)w->strides[0],
                         (uint32_t)w->strides[1],
                         (uint32_t)w->strides[2],
                         (uint32_t)w->strides[3]};
        for (int i = 0; i < 6; i++)
            h = (h ^ f[i]) * 16777619u;
    }
    return h ^ d->kind;
}

/* Adds d or finds an identical descriptor (open addressing on a hash of its content). */
static sc_status desc_id(cg *c, const sc_desc *d, uint32_t *id) {
    if (c->dcache_n * 2 >= c->dcache_cap) {
        size_t nc = c->dcache_cap ? c->dcache_cap * 2 : 1024;
        uint32_t *nk = malloc(nc * sizeof *nk);
        if (!nk) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
        memset(nk, 0xff, nc * sizeof *nk);
        for (size_t i = 0; i < c->dcache_cap; i++) {
            if (c->dcache_keys[i] == UINT32_MAX) continue;
            size_t h = desc_hash(sc_program_desc(c->p, c->dcache_keys[i])) & (nc - 1);
            while (nk[h] != UINT32_MAX)
                h = (h + 1) & (nc - 1);
            nk[h] = c->dcache_keys[i];
        }
        free(c->dcache_keys);
        c->dcache_keys = nk;
        c->dcache_cap = nc;
    }
    size_t h = desc_hash(d) & (c->dcache_cap - 1);
    while (c->dcache_keys[h] != UINT32_MAX) {
        if (sc_desc_same(sc_program_desc(c->p, c->dcache_keys[h]), d)) {
            *id = c->dcache_keys[h];
            return SC_OK;
        }
        h = (h + 1) & (c->dcache_cap - 1);
    }
    if (sc_program_add_desc(c->p, d, id, c->err) != SC_OK) return c->err->status;
    c->dcache_keys[h] = *id;
    c->dcache_n++;
    return SC_OK;
}

sc_status cg_dma_desc(cg *c, const uint32_t dims[4], const cg_view *dst, const cg_view *src,
                      uint32_t *id) {
    sc_desc d;
    memset(&d, 0, sizeof d);
    d.kind = SC_DESC_DMA;
    memcpy(d.dims, dims, sizeof d.dims);
    d.views[SC_VIEW_DST] = to_view(dst);
    d.views[SC_VIEW_SRC] = to_view(src);
    return desc_id(c, &d, id);
}

sc_status cg_dma(cg *c, int core, sc_queue q, const uint32_t dims[4], const cg_view *dst,
                 const cg_view *src) {
    for (int i = 0; i < 4; i++)
        if (!dims[i]) return SC_OK; /* nothing to copy */
    uint32_t id;
    if (cg_dma_desc(c, dims, dst, src, &id) || cg_li(c, core, q, R_D, (int64_t)dst->base) ||
        cg_li(c, core, q, R_A, (int64_t)src->base))
        return c->err->status;
    sc_insn in = {SC_OP_DMA, {id, R_D, R_A, 0, 0}};
    return cg_emit(c, core, q, &in);
}

sc_status cg_vec(cg *c, int core, int op, const uint32_t dims[4], const cg_view *d,
                 const cg_view *a, const cg_view *b, const cg_view *cc, float imm, int raxis) {
    sc_desc ds;
    memset(&ds, 0, sizeof ds);
    ds.kind = SC_DESC_VEC;
    memcpy(ds.dims, dims, sizeof ds.dims);
    ds.views[0] = to_view(d);
    /* reductions ignore D's stride on the reduced axis, but a zero stride there would fail the
     * destination check */
    if ((op == SC_OP_VREDSUM || op == SC_OP_VREDMAX) && !ds.views[0].strides[raxis])
        ds.views[0].strides[raxis] = 1;
    ds.views[1] = to_view(a);
    ds.views[2] = to_view(b);
    ds.views[3] = to_view(cc);
    uint32_t id;
    if (desc_id(c, &ds, &id)) return c->err->status;
    sc_queue q = SC_QUEUE_COMPUTE;
    if (cg_li(c, core, q, R_D, (int64_t)d->base)) return c->err->status;
    if (a && cg_li(c, core, q, R_A, (int64_t)a->base)) return c->err->status;
    if (b && cg_li(c, core, q, R_B, (int64_t)b->base)) return c->err->status;
    if (cc && cg_li(c, core, q, R_C, (int64_t)cc->base)) return c->err->status;
    sc_insn in = {(uint16_t)op, {0}};
    switch (sc_isa_info((unsigned)op)->layout) {
    case SC_LAYOUT_VU:
        in = (sc_insn){(uint16_t)op, {id, R_D, R_A, 0, 0}};
        break;
    case SC_LAYOUT_VB:
        in = (sc_insn){(uint16_t)op, {id, R_D, R_A, R_B, 0, 0}};
        break;
    case SC_LAYOUT_VT:
        in = (sc_insn){(uint16_t)op, {id, R_D, R_A, R_B, R_C, 0, 0}};
        break;
    case SC_LAYOUT_VSF:
        in = (sc_insn){(uint16_t)op, {id, R_D, R_A, sc_isa_f32_bits(imm), 0, 0}};
        break;
    case SC_LAYOUT_VRED:
        in = (sc_insn){(uint16_t)op, {id, R_D, R_A, raxis, 0, 0}};
        break;
    case SC_LAYOUT_VIOTA:
        in = (sc_insn){(uint16_t)op, {id, R_D, 0, raxis, 0, 0}};
        break;
    default:
        return sc_err_set(c->err, SC_ERR_INVALID_ARG, "cg_vec: opcode %d is not a vector op", op);
    }
    return cg_emit(c, core, q, &in);
}

cg_view cg_spad(sc_dtype dt, uint64_t addr, const uint32_t dims[4]) {
    cg_view v = {SC_SPACE_SPAD, dt, addr, {1, 0, 0, 0}, -1};
    int64_t s = 1;
    for (int i = 0; i < 4; i++) {
        v.st[i] = (int32_t)s;
        s *= dims[i];
    }
    return v;
}

cg_view cg_spad1(sc_dtype dt, uint64_t addr) {
    cg_view v = {SC_SPACE_SPAD, dt, addr, {1, 0, 0, 0}, -1};
    return v;
}

cg_view cg_val_view(cg *c, int v, uint64_t elem_off, const int32_t st[4]) {
    cg_loc *l = &c->loc[v];
    cg_view w = {l->space,
                 l->dt,
                 l->off + elem_off * (uint64_t)sc_isa_dtype_bytes(l->dt),
                 {st[0], st[1], st[2], st[3]},
                 -1};
    return w;
}

int cg_next_core(cg *c) {
    if (c->pin_core >= 0) return c->pin_core;
    int k = c->tile_rr;
    c->tile_rr = (c->tile_rr + 1) % c->cores;
    return k;
}

sc_status cg_op_end(cg *c) {
    for (int k = 0; k < c->cores; k++)
        for (int q = 0; q < SC_QUEUE_COUNT; q++) {
            /* A barrier does not wait for in-flight DMA/MMA/VEC; signal does, so each queue
             * first signals and consumes its own completion semaphore. */
            int sem = SC_ISA_SEMAPHORES - 1 - q;
            sc_insn in = {SC_OP_BARRIER, {0, 3 * c->cores}};
            if (cg_sem(c, k, (sc_queue)q, SC_OP_SIGNAL, sem, 1) ||
                cg_sem(c, k, (sc_queue)q, SC_OP_WAIT, sem, 1) || cg_emit(c, k, (sc_queue)q, &in))
                return c->err->status;
        }
    c->tile_rr = 0;
    return SC_OK;
}

static sc_status pipeline(cg *c, uint64_t n_tiles, const cg_tiler *tl, void *ctx, int inplace) {
    for (int k = 0; k < c->cores; k++) {
        uint64_t local = 0;
        for (uint64_t t = (uint64_t)k; t < n_tiles; t += (uint64_t)c->cores, local++) {
            int slot = (int)(local & 1);
            if (local >= 2 && cg_sem(c, k, SC_QUEUE_LOAD, SC_OP_WAIT, SEM_FREE, 1))
                return c->err->status;
            if (tl->load(c, ctx, k, t, slot) ||
                cg_sem(c, k, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_READY, 1))
                return c->err->status;
            if (cg_sem(c, k, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_READY, 1)) return c->err->status;
            if (local >= 2 && cg_sem(c, k, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_CFREE, 1))
                return c->err->status;
            sc_queue freer = inplace ? SC_QUEUE_STORE : SC_QUEUE_COMPUTE;
            if ((tl->compute && tl->compute(c, ctx, k, t, slot)) ||
                (freer == SC_QUEUE_COMPUTE &&
                 cg_sem(c, k, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_FREE, 1)) ||
                cg_sem(c, k, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CDONE, 1))
                return c->err->status;
            if (cg_sem(c, k, SC_QUEUE_STORE, SC_OP_WAIT, SEM_CDONE, 1) ||
                tl->store(c, ctx, k, t, slot) ||
                (freer == SC_QUEUE_STORE &&
                 cg_sem(c, k, SC_QUEUE_STORE, SC_OP_SIGNAL, SEM_FREE, 1)) ||
                cg_sem(c, k, SC_QUEUE_STORE, SC_OP_SIGNAL, SEM_CFREE, 1))
                return c->err->status;
        }
        /* Drain: consume the signals no later tile waited for, so the next op starts at 0. */
        int left = local < 2 ? (int)local : 2;
        if (left && (cg_sem(c, k, SC_QUEUE_LOAD, SC_OP_WAIT, SEM_FREE, left) ||
                     cg_sem(c, k, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_CFREE, left)))
            return c->err->status;
    }
    return SC_OK;
}

sc_status cg_pipeline(cg *c, uint64_t n_tiles, const cg_tiler *tl, void *ctx) {
    return pipeline(c, n_tiles, tl, ctx, 0);
}

sc_status cg_pipeline_inplace(cg *c, uint64_t n_tiles, const cg_tiler *tl, void *ctx) {
    return pipeline(c, n_tiles, tl, ctx, 1);
}

void cg_bcast_strides(const sc_ir_value *v, int orank, const int64_t *odims, int64_t *st) {
    int64_t s = 1;
    for (int i = orank - 1; i >= 0; i--) {
        int k = i - (orank - v->rank);
        if (k < 0 || v->dims[k] == 1)
            st[i] = 0;
        else
            st[i] = s;
        if (k >= 0) s *= v->dims[k];
    }
    (void)odims;
}

/* Merges adjacent dims that are contiguous in both operands and drops extent-1 dims. */
static int collapse(int rank, int64_t *dims, int64_t *a, int64_t *b) {
    int r = 0;
    int64_t d[16], sa[16], sb[16];
    for (int i = 0; i < rank; i++) {
        if (dims[i] == 1) continue;
        if (r && sa[r - 1] == a[i] * dims[i] && sb[r - 1] == b[i] * dims[i]) {
            d[r - 1] *= dims[i];
            sa[r - 1] = a[i], sb[r - 1] = b[i];
            continue;
        }
        d[r] = dims[i], sa[r] = a[i], sb[r] = b[i];
        r++;
    }
    for (int i = 0; i < r; i++)
        dims[i] = d[i], a[i] = sa[i], b[i] = sb[i];
    return r;
}

sc_status cg_copy_nd(cg *c, int rank, const int64_t *dims_in, sc_space dsp, sc_dtype ddt,
                     uint64_t dbase, const int64_t *dst_st_in, sc_space ssp, sc_dtype sdt,
                     uint64_t sbase, const int64_t *src_st_in) {
    int64_t dims[16], ds[16], ss[16];
    for (int i = 0; i < rank; i++) {
        if (dims_in[i] == 0) return SC_OK;
        dims[i] = dims_in[i], ds[i] = dst_st_in[i], ss[i] = src_st_in[i];
    }
    int r = collapse(rank, dims, ds, ss);
    /* innermost 4 (the last r dims) go to the descriptor, outer ones are unrolled */
    int inner = r < 4 ? r : 4, outer = r - inner;
    uint64_t n_outer = 1;
    for (int i = 0; i < outer; i++)
        n_outer *= (uint64_t)dims[i];
    int64_t eb_d = sc_isa_dtype_bytes(ddt), eb_s = sc_isa_dtype_bytes(sdt);
    uint32_t dd[4] = {1, 1, 1, 1};
    cg_view dv = {dsp, ddt, 0, {0, 0, 0, 0}, -1}, sv = {ssp, sdt, 0, {0, 0, 0, 0}, -1};
    for (int i = 0; i < inner; i++) {
        int k = r - 1 - i;
        dd[i] = (uint32_t)dims[k];
        dv.st[i] = (int32_t)ds[k];
        sv.st[i] = (int32_t)ss[k];
    }
    for (uint64_t o = 0; o < n_outer; o++) {
        uint64_t rem = o;
        int64_t doff = 0, soff = 0;
        for (int i = outer - 1; i >= 0; i--) {
            int64_t x = (int64_t)(rem % (uint64_t)dims[i]);
            rem /= (uint64_t)dims[i];
            doff += x * ds[i], soff += x * ss[i];
        }
        dv.base = (uint64_t)((int64_t)dbase + doff * eb_d);
        sv.base = (uint64_t)((int64_t)sbase + soff * eb_s);
        int core = cg_next_core(c);
        if (cg_dma(c, core, SC_QUEUE_LOAD, dd, &dv, &sv)) return c->err->status;
    }
    return SC_OK;
}

/* ---- constants and I/O metadata ---- */

static sc_status put_const(cg *c, int v) {
    const sc_tensor *t = c->g->vals[v].konst;
    sc_dtype dt = sc_codegen_dev_dtype(t->dtype);
    size_t n = sc_tensor_numel(t), es = (size_t)sc_isa_dtype_bytes(dt);
    uint8_t *buf = malloc(n * es + 1);
    if (!buf) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (dt == SC_DTYPE_INT32) {
            double x = sc_tensor_get(t, i);
            int32_t y = x > 2147483647.0 ? INT32_MAX : x < -2147483648.0 ? INT32_MIN : (int32_t)x;
            memcpy(buf + i * 4, &y, 4);
        } else
            sc_store_elem_f64(dt, buf, i, sc_tensor_get(t, i));
    }
    uint64_t off;
    sc_status st = sc_program_add_const(c->p, buf, n * es, 64, &off, c->err);
    free(buf);
    c->loc[v] = (cg_loc){SC_SPACE_CONST, off, dt};
    return st;
}

static void binding(cg *c, int v, sc_io_binding *b) {
    const sc_ir_value *x = &c->g->vals[v];
    memset(b, 0, sizeof *b);
    sc_strlcpy(b->name, x->name, sizeof b->name);
    b->dtype = x->dtype;
    b->dev = c->loc[v].dt;
    b->rank = x->rank;
    memcpy(b->dims, x->dims, sizeof b->dims);
    b->hbm_offset = c->loc[v].off;
    if (x->is_input && x->konst) {
        b->specialised = 1;
        b->spec_hash = sc_tensor_hash(x->konst);
    }
    if (x->dyn && c->len_off) b->dyn = x->dyn, b->len_offset = c->len_off[v];
}

static void meta_line(sc_strbuf *sb, const char *kind, const sc_io_binding *b) {
    sc_strbuf_printf(sb, "%s %zu:%s %d %d %d", kind, strlen(b->name), b->name, (int)b->dtype,
                     (int)b->dev, b->rank);
    for (int i = 0; i < b->rank; i++)
        sc_strbuf_printf(sb, " %" PRId64, b->dims[i]);
    sc_strbuf_printf(sb, " %" PRIu64 " %d %" PRIu64, b->hbm_offset, b->specialised, b->spec_hash);
    if (b->dyn) sc_strbuf_printf(sb, " d %d %" PRIu64, b->dyn, b->len_offset); /* optional */
    sc_strbuf_printf(sb, "\n");
}

static sc_status write_meta(cg *c, sc_compiled *out) {
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_strbuf_printf(&sb, "SCIO 1 %d %d %" PRIu64 "\n", out->n_inputs, out->n_outputs, c->hbm_top);
    for (int i = 0; i < out->n_inputs; i++)
        meta_line(&sb, "in", &out->inputs[i]);
    for (int i = 0; i < out->n_outputs; i++)
        meta_line(&sb, "out", &out->outputs[i]);
    if (sb.oom) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    uint64_t off;
    sc_status st = sc_program_add_const(c->p, sb.data, sb.len + 1, 64, &off, c->err);
    sc_buffer b;
    memset(&b, 0, sizeof b);
    sc_strlcpy(b.name, "io_meta", sizeof b.name);
    b.space = SC_SPACE_CONST;
    b.dtype = SC_DTYPE_INT8;
    b.rank = 1;
    b.dims[0] = sb.len + 1;
    b.dims[1] = b.dims[2] = b.dims[3] = 1;
    b.offset = off;
    b.size = sb.len + 1;
    sc_strbuf_free(&sb);
    if (st == SC_OK) st = sc_program_add_buffer(c->p, &b, NULL, c->err);
    return st;
}

static const char *meta_field(const char *p, const char **end, char *name, size_t cap) {
    char *e;
    unsigned long len = strtoul(p, &e, 10);
    if (*e != ':' || len >= cap) return NULL;
    memcpy(name, e + 1, len);
    name[len] = 0;
    *end = e + 1 + len;
    return name;
}

static sc_status parse_binding(const char **pp, const char *kind, sc_io_binding *b, sc_err *err) {
    const char *p = *pp;
    size_t kl = strlen(kind);
    if (strncmp(p, kind, kl) || p[kl] != ' ')
        return sc_err_set(err, SC_ERR_PARSE, "io_meta: expected '%s'", kind);
    memset(b, 0, sizeof *b);
    if (!meta_field(p + kl + 1, &p, b->name, sizeof b->name))
        return sc_err_set(err, SC_ERR_PARSE, "io_meta: bad name");
    char *e;
    b->dtype = (sc_tdtype)strtol(p, &e, 10);
    b->dev = (sc_dtype)strtol(e, &e, 10);
    b->rank = (int)strtol(e, &e, 10);
    if (b->rank < 0 || b->rank > SC_IR_MAX_RANK || b->dev >= SC_DTYPE_COUNT ||
        !sc_tdtype_size(b->dtype))
        return sc_err_set(err, SC_ERR_PARSE, "io_meta: bad binding for '%s'", b->name);
    for (int i = 0; i < b->rank; i++)
        b->dims[i] = strtoll(e, &e, 10);
    b->hbm_offset = strtoull(e, &e, 10);
    b->specialised = (int)strtol(e, &e, 10);
    b->spec_hash = strtoull(e, &e, 10);
    if (!strncmp(e, " d ", 3)) { /* a data-dependent extent: 1 + axis, length word offset */
        b->dyn = (int)strtol(e + 3, &e, 10);
        b->len_offset = strtoull(e, &e, 10);
        if (b->dyn < 1 || b->dyn > b->rank || b->len_offset % 4)
            return sc_err_set(err, SC_ERR_PARSE, "io_meta: bad length word for '%s'", b->name);
    }
    if (*e != '\n') return sc_err_set(err, SC_ERR_PARSE, "io_meta: bad line for '%s'", b->name);
    *pp = e + 1;
    return SC_OK;
}

sc_status sc_compiled_from_program(sc_program *prog, sc_compiled **out, sc_err *err) {
    *out = NULL;
    int bi = sc_program_find_buffer(prog, "io_meta");
    size_t nc;
    const uint8_t *cs = sc_program_consts(prog, &nc);
    if (bi < 0)
        return sc_err_set(err, SC_ERR_PARSE,
                          "program has no io_meta buffer (not made by seedchip compile)");
    const sc_buffer *b = sc_program_buffer(prog, (size_t)bi);
    if (b->space != SC_SPACE_CONST || b->offset + b->size > nc || !b->size ||
        cs[b->offset + b->size - 1])
        return sc_err_set(err, SC_ERR_PARSE, "io_meta buffer is damaged");
    const char *p = (const char *)cs + b->offset;
    int ni, no;
    unsigned long long hbm;
    if (sscanf(p, "SCIO 1 %d %d %llu", &ni, &no, &hbm) != 3 || ni < 0 || no < 1 || ni > 4096 ||
        no > 4096)
        return sc_err_set(err, SC_ERR_PARSE, "io_meta: bad header");
    sc_compiled *c = calloc(1, sizeof *c);
    if (!c) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    c->inputs = calloc((size_t)ni + 1, sizeof *c->inputs);
    c->outputs = calloc((size_t)no, sizeof *c->outputs);
    c->n_inputs = ni, c->n_outputs = no, c->hbm_bytes = hbm;
    if (!c->inputs || !c->outputs) {
        sc_compiled_destroy(c);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    p = strchr(p, '\n') + 1;
    for (int i = 0; i < ni; i++)
        if (parse_binding(&p, "in", &c->inputs[i], err)) break;
    for (int i = 0; i < no && err->status == SC_OK; i++)
        if (parse_binding(&p, "out", &c->outputs[i], err)) break;
    if (err->status != SC_OK) {
        sc_compiled_destroy(c);
        return err->status;
    }
    c->prog = prog;
    *out = c;
    return SC_OK;
}

void sc_compiled_destroy(sc_compiled *c) {
    if (!c) return;
    sc_program_destroy(c->prog);
    free(c->inputs);
    free(c->outputs);
    free(c);
}

/* ---- driver ---- */

static sc_status lower_node(cg *c, sc_ir_node *n) {
    const char *op = n->op;
    c->cur = n;
    if (lower_is_elementwise(op) || !strcmp(op, "GatherElements")) return lower_elementwise(c, n);
    if (lower_is_data(op)) return lower_data(c, n);
    if (lower_is_reduce(op)) return lower_reduce(c, n);
    if (!strcmp(op, "MatMul") || !strcmp(op, "Gemm")) return lower_matmul(c, n);
    if (lower_is_qmatmul(op)) return lower_qmatmul(c, n);
    if (!strcmp(op, "Conv")) return lower_conv(c, n);
    if (!strcmp(op, "Trilu")) return lower_trilu(c, n);
    if (!strcmp(op, "FusedAttention")) return lower_attention(c, n);
    if (!strcmp(op, "CumSum")) return lower_cumsum(c, n);
    if (lower_is_scatter(op)) return lower_scatter(c, n);
    if (lower_is_dynshape(op)) return lower_dynshape(c, n);
    if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool") || !strcmp(op, "GlobalAveragePool") ||
        !strcmp(op, "GlobalMaxPool"))
        return lower_pool(c, n);
    return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "unsupported op %s (node '%s'): no lowering", op,
                      n->name);
}

static sc_status lower_all(cg *c, sc_compiled *out) {
    for (int i = 0; i < c->g->n_nodes; i++) {
        sc_ir_node *n = &c->g->nodes[i];
        if (n->dead) continue;
        int all_const = 1;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && !c->g->vals[n->out[j]].konst) all_const = 0;
        if (all_const) continue;
        if (cg_dyn_check(c, n) || lower_node(c, n) != SC_OK) {
            if (!strstr(c->err->msg, n->op)) {
                char m[512], inner[400];
                sc_strlcpy(inner, c->err->msg, sizeof inner);
                snprintf(m, sizeof m, "node '%.40s' (%.40s): %s", n->name, n->op, inner);
                sc_strlcpy(c->err->msg, m, sizeof c->err->msg);
            }
            return c->err->status;
        }
        if (cg_op_end(c)) return c->err->status;
        out->n_ops++;
    }
    return SC_OK;
}

/* Outputs that are constants or graph inputs get their own HBM copy made by the program. */
static sc_status copy_outputs(cg *c) {
    for (int i = 0; i < c->g->n_outputs; i++) {
        int v = c->g->outputs[i];
        const sc_ir_value *x = &c->g->vals[v];
        int need = x->konst || x->is_input;
        for (int j = 0; j < i; j++)
            need |= c->g->outputs[j] == v && 0;
        if (!need) continue;
        cg_loc src = c->loc[v];
        uint64_t bytes = (uint64_t)sc_ir_numel(x) * (uint64_t)sc_isa_dtype_bytes(src.dt);
        c->hbm_top = (c->hbm_top + 63) & ~63ull;
        cg_loc dst = {SC_SPACE_HBM, c->hbm_top, src.dt};
        c->hbm_top += bytes ? bytes : 1;
        int64_t d = sc_ir_numel(x), st = 1;
        if (cg_copy_nd(c, 1, &d, dst.space, dst.dt, dst.off, &st, src.space, src.dt, src.off,
                       &st) ||
            cg_op_end(c))
            return c->err->status;
        c->loc[v] = dst;
    }
    return SC_OK;
}

static sc_status setup(cg *c, const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *p) {
    c->chip = chip;
    c->g = g;
    c->prm = p ? *p : sc_codegen_default_params();
    c->cores = c->prm.cores > 0 && c->prm.cores < chip->cores ? c->prm.cores : chip->cores;
    c->spad = (uint64_t)chip->scratchpad_bytes;
    c->sa = chip->sa_rows < chip->sa_cols ? chip->sa_rows : chip->sa_cols;
    c->pin_core = -1;
    c->loc = calloc((size_t)g->n_vals + 1, sizeof *c->loc);
    if (!c->loc) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    if (sc_program_create(c->cores, &c->p, c->err)) return c->err->status;
    return sc_program_set_name(c->p, "onnx", c->err);
}

static sc_status place_consts(cg *c) {
    /* Only constants some live node reads (or outputs) go into the program. */
    char *used = calloc((size_t)c->g->n_vals + 1, 1);
    if (!used) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < c->g->n_nodes; i++) {
        const sc_ir_node *n = &c->g->nodes[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0) used[n->in[j]] = 1;
    }
    for (int i = 0; i < c->g->n_outputs; i++)
        used[c->g->outputs[i]] = 1;
    sc_status st = SC_OK;
    for (int v = 0; v < c->g->n_vals && st == SC_OK; v++)
        if (used[v] && c->g->vals[v].konst) st = put_const(c, v);
    free(used);
    return st;
}

static sc_status build(cg *c, sc_compiled *out) {
    out->n_inputs = c->g->n_inputs;
    out->n_outputs = c->g->n_outputs;
    out->inputs = calloc((size_t)out->n_inputs + 1, sizeof *out->inputs);
    out->outputs = calloc((size_t)out->n_outputs + 1, sizeof *out->outputs);
    if (!out->inputs || !out->outputs) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    if (place_consts(c) || cg_memplan(c) || cg_dyn_plan(c) || lower_all(c, out))
        return c->err->status;
    /* inputs bind before copy_outputs moves an input that is also an output to its copy */
    for (int i = 0; i < out->n_inputs; i++)
        binding(c, c->g->inputs[i], &out->inputs[i]);
    if (copy_outputs(c)) return c->err->status;
    for (int i = 0; i < out->n_outputs; i++)
        binding(c, c->g->outputs[i], &out->outputs[i]);
    out->hbm_bytes = c->hbm_top;
    if (write_meta(c, out)) return c->err->status;
    return sc_program_validate(c->p, c->err);
}

sc_status sc_codegen(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *p,
                     sc_compiled **out, sc_err *err) {
    *out = NULL;
    cg c;
    memset(&c, 0, sizeof c);
    c.err = err;
    sc_compiled *res = calloc(1, sizeof *res);
    sc_status st = res ? setup(&c, chip, g, p) : sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    if (st == SC_OK) st = build(&c, res);
    free(c.loc);
    free(c.len_off);
    free(c.dcache_keys);
    if (st != SC_OK) {
        sc_program_destroy(c.p);
        if (res) {
            res->prog = NULL;
            sc_compiled_destroy(res);
        }
        return st;
    }
    res->prog = c.p;
    *out = res;
    return SC_OK;
}
