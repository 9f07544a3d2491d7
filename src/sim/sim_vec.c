// SPDX-License-Identifier: Apache-2.0
// VEC: element-wise fp32 (and fp64) functions with broadcast, reductions, iota; vector-unit timing.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numerics/numerics.h"
#include "sim/sim_internal.h"

/* Pipeline latency of the vector unit after its last element issues. */
#define VEC_LATENCY 8

static float fnan(void) {
    return NAN;
}

static float unary(sc_vfunc f, float a) {
    switch (f) {
    case SC_VF_EXP:
        return expf(a);
    case SC_VF_LOG:
        return logf(a);
    case SC_VF_RSQRT:
        return 1.0f / sqrtf(a);
    case SC_VF_SQRT:
        return sqrtf(a);
    case SC_VF_RECIP:
        return 1.0f / a;
    case SC_VF_TANH:
        return tanhf(a);
    case SC_VF_ERF:
        return erff(a);
    case SC_VF_GELU:
        return 0.5f * a * (1.0f + erff(a * 0.70710678118654752f));
    case SC_VF_SILU:
        return a / (1.0f + expf(-a));
    case SC_VF_SIGMOID:
        return 1.0f / (1.0f + expf(-a));
    case SC_VF_RELU:
        return isnan(a) ? a : (a > 0.0f ? a : 0.0f);
    case SC_VF_NEG:
        return -a;
    case SC_VF_ABS:
        return fabsf(a);
    default:
        return a; /* CAST: conversion happens on store */
    }
}

/* The two-operand functions of both datapaths from one switch (T float or double, POW the libm
 * power of T): compares give 1 or 0, MAX/MIN propagate NaN. The fp64 datapath traps POW before
 * computing (sc_isa_vfunc_fp64), so binary64 never reaches its POW case. */
#define VEC_BINARY(name, T, POW)                                                                   \
    static T name(sc_vfunc f, T a, T b) {                                                          \
        switch (f) {                                                                               \
        case SC_VF_ADD:                                                                            \
            return a + b;                                                                          \
        case SC_VF_SUB:                                                                            \
            return a - b;                                                                          \
        case SC_VF_MUL:                                                                            \
            return a * b;                                                                          \
        case SC_VF_DIV:                                                                            \
            return a / b;                                                                          \
        case SC_VF_MAX:                                                                            \
            return isnan(a) || isnan(b) ? (T)NAN : (a > b ? a : b);                                \
        case SC_VF_MIN:                                                                            \
            return isnan(a) || isnan(b) ? (T)NAN : (a < b ? a : b);                                \
        case SC_VF_POW:                                                                            \
            return POW(a, b);                                                                      \
        case SC_VF_EQ:                                                                             \
            return a == b ? (T)1 : (T)0;                                                           \
        case SC_VF_NE:                                                                             \
            return a != b ? (T)1 : (T)0;                                                           \
        case SC_VF_LT:                                                                             \
            return a < b ? (T)1 : (T)0;                                                            \
        case SC_VF_LE:                                                                             \
            return a <= b ? (T)1 : (T)0;                                                           \
        case SC_VF_GT:                                                                             \
            return a > b ? (T)1 : (T)0;                                                            \
        case SC_VF_GE:                                                                             \
            return a >= b ? (T)1 : (T)0;                                                           \
        default:                                                                                   \
            return a;                                                                              \
        }                                                                                          \
    }

VEC_BINARY(binary, float, powf)

/* Transcendentals and divisions go through the special-function pipeline. */
static int is_special(sc_vfunc f) {
    switch (f) {
    case SC_VF_EXP:
    case SC_VF_LOG:
    case SC_VF_RSQRT:
    case SC_VF_SQRT:
    case SC_VF_RECIP:
    case SC_VF_TANH:
    case SC_VF_ERF:
    case SC_VF_GELU:
    case SC_VF_SILU:
    case SC_VF_SIGMOID:
    case SC_VF_DIV:
    case SC_VF_POW:
        return 1;
    default:
        return 0;
    }
}

/* Operands of one VEC instruction, resolved. */
typedef struct vop {
    const sc_desc *d;
    uint32_t dims[SC_ISA_MAX_DIMS];
    rview v[SC_ISA_VIEWS]; /* D, A, B, C */
    int used[SC_ISA_VIEWS];
    sc_vfunc f;
    sc_layout lay;
    int raxis; /* reductions / iota axis, else -1 */
    float scalar;
    double scalar64; /* the operand for the fp64 datapath (a register beyond 2^24 stays exact) */
    int fp64;        /* some view is fp64: the instruction computes in fp64 */
    int64_t iota0;
    const char *name;
} vop;

/* Which views a layout reads, and its register operands (view register per view). */
static void view_regs(const sc_insn *in, sc_layout lay, int regs[SC_ISA_VIEWS],
                      int used[SC_ISA_VIEWS]) {
    memset(used, 0, SC_ISA_VIEWS * sizeof *used);
    regs[0] = (int)in->v[1];
    used[0] = 1;
    if (lay != SC_LAYOUT_VIOTA) regs[1] = (int)in->v[2], used[1] = 1;
    if (lay == SC_LAYOUT_VB || lay == SC_LAYOUT_VT) regs[2] = (int)in->v[3], used[2] = 1;
    if (lay == SC_LAYOUT_VT) regs[3] = (int)in->v[4], used[3] = 1;
}

static int rn_index(sc_layout lay) {
    switch (lay) {
    case SC_LAYOUT_VU:
        return 3;
    case SC_LAYOUT_VB:
    case SC_LAYOUT_VSR:
    case SC_LAYOUT_VRED:
    case SC_LAYOUT_VIOTA:
        return 4;
    case SC_LAYOUT_VSF:
        return 4;
    default:
        return 5; /* VT */
    }
}

static sc_status resolve(sc_sim *s, squeue *q, const sc_insn *in, vop *o, int *skip, sc_err *err) {
    const sc_opinfo *info = sc_isa_info(in->op);
    o->f = info->vfunc;
    o->name = info->mnemonic;
    o->lay = info->layout;
    o->d = sc_program_desc(s->prog, (size_t)in->v[0]);
    if (!o->d || o->d->kind != SC_DESC_VEC)
        return sim_trap(s, q, err, "%s: descriptor %lld is not a vec descriptor", info->mnemonic,
                        (long long)in->v[0]);
    int ri = rn_index(o->lay);
    sc_status rc = sim_dims(s, q, o->d, (int)in->v[ri], (int)in->v[ri + 1], o->dims, skip, err);
    if (rc != SC_OK || *skip) return rc;
    o->raxis = -1;
    if (o->lay == SC_LAYOUT_VRED || o->lay == SC_LAYOUT_VIOTA) o->raxis = (int)in->v[3];
    if (o->lay == SC_LAYOUT_VSF) o->scalar = sc_insn_f32(in, 3);
    if (o->lay == SC_LAYOUT_VSR) o->scalar = (float)q->r[in->v[3]];
    o->scalar64 = o->lay == SC_LAYOUT_VSR ? (double)q->r[in->v[3]] : (double)o->scalar;
    if (o->lay == SC_LAYOUT_VIOTA) o->iota0 = q->r[in->v[2]];
    int regs[SC_ISA_VIEWS] = {0};
    view_regs(in, o->lay, regs, o->used);
    for (int i = 0; i < SC_ISA_VIEWS && rc == SC_OK; i++) {
        if (!o->used[i]) continue;
        int ign = i == 0 && o->lay == SC_LAYOUT_VRED ? o->raxis : -1;
        rc = sim_view(s, q, o->d, i, regs[i], o->dims, i == 0, ign, &o->v[i], err);
        if (rc == SC_OK && (o->v[i].space != SC_SPACE_SPAD || o->v[i].core != q->core))
            rc = sim_trap(s, q, err, "%s: vec operands must be in the own scratchpad",
                          info->mnemonic);
    }
    if (rc == SC_OK && o->f == SC_VF_COPY && o->v[0].dt != o->v[1].dt)
        rc = sim_trap(s, q, err, "vcopy: dtypes %s and %s differ", sc_dtype_name(o->v[1].dt),
                      sc_dtype_name(o->v[0].dt));
    for (int i = 0; i < SC_ISA_VIEWS; i++)
        o->fp64 |= o->used[i] && o->v[i].dt == SC_DTYPE_FP64;
    if (rc == SC_OK && o->fp64 && !sc_isa_vfunc_fp64(o->f))
        rc = sim_trap(s, q, err, "%s: fp64 operands, but the function has no fp64 datapath",
                      info->mnemonic);
    return rc;
}

/* ---- Functional ---- */

static void reduce(const vop *o, const float *a, float *d) {
    const uint32_t *dm = o->dims;
    int ax = o->raxis;
    uint64_t stride = 1;
    for (int k = 0; k < ax; k++)
        stride *= dm[k];
    uint64_t len = dm[ax], outer = sim_dims_count(dm) / (stride * len);
    for (uint64_t hi = 0; hi < outer; hi++)
        for (uint64_t lo = 0; lo < stride; lo++) {
            const float *p = a + hi * stride * len + lo;
            float acc = o->f == SC_VF_SUM ? 0.0f : -INFINITY;
            for (uint64_t i = 0; i < len; i++) {
                float x = p[i * stride];
                if (o->f == SC_VF_SUM)
                    acc = acc + x;
                else
                    acc = isnan(acc) || isnan(x) ? fnan() : (x > acc ? x : acc);
            }
            d[hi * stride + lo] = acc;
        }
}

static void iota(const vop *o, float *d) {
    const uint32_t *dm = o->dims;
    size_t i = 0;
    for (uint32_t i3 = 0; i3 < dm[3]; i3++)
        for (uint32_t i2 = 0; i2 < dm[2]; i2++)
            for (uint32_t i1 = 0; i1 < dm[1]; i1++)
                for (uint32_t i0 = 0; i0 < dm[0]; i0++) {
                    uint32_t idx[4] = {i0, i1, i2, i3};
                    d[i++] = (float)(o->iota0 + (int64_t)idx[o->raxis]);
                }
}

/* vcast/vcopy move bits or convert directly (no detour through fp32 for exactness). */
static sc_status vec_move(sc_sim *s, const vop *o, sc_err *err) {
    uint64_t n = sim_dims_count(o->dims);
    unsigned char *a = sim_scratch(s, 4, (size_t)(n * (uint64_t)o->v[1].es) + 1);
    unsigned char *d = sim_scratch(s, 5, (size_t)(n * (uint64_t)o->v[0].es) + 1);
    int rc = 0;
    if (a && d) {
        sim_gather_raw(s, &o->v[1], o->dims, a);
        sim_convert(o->v[1].dt, a, o->v[0].dt, d, n);
        rc = sim_scatter_raw(&o->v[0], o->dims, d);
    }
    int oom = !a || !d || rc;
    return oom ? sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory in a vec op") : SC_OK;
}

/* d[i] = a[i] op b[i] (bs = 1) or a[i] op b[0] (bs = 0, a scalar operand): the common
 * arithmetic gets its own vectorisable loop, the rest the per-element switch. Same IEEE
 * operation per element either way. */
#define BIN_LOOP(expr)                                                                             \
    for (uint64_t i = 0; i < n; i++) {                                                             \
        float x = a[i], y = b[i * bs];                                                             \
        d[i] = (expr);                                                                             \
    }

static void binary_n(sc_vfunc f, const float *a, const float *b, uint64_t bs, float *d,
                     uint64_t n) {
    switch (f) {
    case SC_VF_ADD:
        BIN_LOOP(x + y);
        break;
    case SC_VF_SUB:
        BIN_LOOP(x - y);
        break;
    case SC_VF_MUL:
        BIN_LOOP(x * y);
        break;
    default:
        BIN_LOOP(binary(f, x, y));
    }
}

/* ---- Functional, fp64 datapath (sc_isa_vfunc_fp64): IEEE binary64, one rounding to D ---- */

VEC_BINARY(binary64, double, pow)

static double unary64(sc_vfunc f, double a) {
    switch (f) {
    case SC_VF_NEG:
        return -a;
    case SC_VF_ABS:
        return fabs(a);
    case SC_VF_RELU:
        return isnan(a) ? a : (a > 0 ? a : 0.0);
    case SC_VF_SQRT:
        return sqrt(a);
    default:
        return a;
    }
}

static void reduce64(const vop *o, const double *a, double *d) {
    const uint32_t *dm = o->dims;
    uint64_t stride = 1;
    for (int k = 0; k < o->raxis; k++)
        stride *= dm[k];
    uint64_t len = dm[o->raxis], outer = sim_dims_count(dm) / (stride * len);
    for (uint64_t hi = 0; hi < outer; hi++)
        for (uint64_t lo = 0; lo < stride; lo++) {
            const double *p = a + hi * stride * len + lo;
            double acc = o->f == SC_VF_SUM ? 0.0 : -INFINITY;
            for (uint64_t i = 0; i < len; i++) {
                double x = p[i * stride];
                if (o->f == SC_VF_SUM)
                    acc += x;
                else
                    acc = isnan(acc) || isnan(x) ? (double)NAN : (x > acc ? x : acc);
            }
            d[hi * stride + lo] = acc;
        }
}

/* Sources are gathered raw and widened exactly; D is narrowed once from the double. */
static sc_status vec_data_f64(sc_sim *s, const vop *o, sc_err *err) {
    uint64_t n = sim_dims_count(o->dims);
    double *buf = sim_scratch(s, 4, (size_t)n * 4 * sizeof(double) + 16);
    unsigned char *raw = sim_scratch(s, 5, (size_t)n * 8 + 16);
    if (!buf || !raw) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory in a vec op");
    double *a = buf, *b = buf + n, *c = buf + 2 * n, *d = buf + 3 * n;
    for (int i = 1; i < SC_ISA_VIEWS; i++) {
        if (!o->used[i]) continue;
        sim_gather_raw(s, &o->v[i], o->dims, raw);
        for (uint64_t k = 0; k < n; k++)
            buf[(uint64_t)(i - 1) * n + k] = sc_load_elem_f64(o->v[i].dt, raw, k);
    }
    uint32_t ddims[SC_ISA_MAX_DIMS];
    memcpy(ddims, o->dims, sizeof ddims);
    for (uint64_t i = 0; i < n && o->lay != SC_LAYOUT_VRED; i++) {
        if (o->lay == SC_LAYOUT_VU)
            d[i] = unary64(o->f, a[i]);
        else if (o->lay == SC_LAYOUT_VB)
            d[i] = binary64(o->f, a[i], b[i]);
        else if (o->lay == SC_LAYOUT_VT)
            d[i] = a[i] != 0 ? b[i] : c[i];
        else
            d[i] = binary64(o->f, a[i], o->scalar64);
    }
    if (o->lay == SC_LAYOUT_VRED) {
        reduce64(o, a, d);
        ddims[o->raxis] = 1;
    }
    uint64_t nd = sim_dims_count(ddims);
    for (uint64_t k = 0; k < nd; k++)
        sc_store_elem_f64(o->v[0].dt, raw, k, d[k]);
    int rc = sim_scatter_raw(&o->v[0], ddims, raw);
    return rc ? sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device pages") : SC_OK;
}

/* d = f(a[, b[, c]]) over n elements of the element-wise layouts (VU, VB, VSF, VSR, VT). */
static void elementwise(const vop *o, const float *a, const float *b, const float *c, float *d,
                        uint64_t n) {
    switch (o->lay) {
    case SC_LAYOUT_VU:
        for (uint64_t i = 0; i < n; i++)
            d[i] = unary(o->f, a[i]);
        break;
    case SC_LAYOUT_VB:
        binary_n(o->f, a, b, 1, d, n);
        break;
    case SC_LAYOUT_VSF:
    case SC_LAYOUT_VSR:
        binary_n(o->f, a, &o->scalar, 0, d, n);
        break;
    default: /* VT */
        for (uint64_t i = 0; i < n; i++)
            d[i] = a[i] != 0.0f ? b[i] : c[i];
        break;
    }
}

/* ---- Direct path: element-wise ops whose fp32 operands each walk one run of consecutive
 * elements (the large tiles of element-wise lowerings) are computed on the scratchpad pages in
 * place, page-local chunk by chunk, instead of gathered into buffers and scattered back. ---- */

static int flat_f32(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS]) {
    int64_t want = 1;
    if (v->dt != SC_DTYPE_FP32 || !v->mem || !v->mem->pages) return 0;
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++) {
        if (dims[k] > 1 && v->st[k] != want) return 0;
        want *= dims[k];
    }
    return 1;
}

/* Every page of [lo, lo + bytes) was written (a never-written page reads as zeros: the
 * buffered path handles it). */
static int pages_present(const pmem *m, uint64_t lo, uint64_t bytes) {
    for (uint64_t p = lo >> m->page_shift; p <= (lo + bytes - 1) >> m->page_shift; p++)
        if (!m->pages[p]) return 0;
    return 1;
}

/* Direct path applies: element-wise layout, flat operands in one memory, every source either
 * the destination itself (an in-place op reads each element before writing it) or disjoint
 * from it (buffered semantics: results never feed later elements). */
static int direct_ok(const vop *o, uint64_t n) {
    if (o->lay == SC_LAYOUT_VRED || o->lay == SC_LAYOUT_VIOTA || n == 0) return 0;
    const rview *dv = &o->v[0];
    uint64_t bytes = n * 4, dlo = (uint64_t)dv->base;
    if (!flat_f32(dv, o->dims)) return 0;
    for (int i = 1; i < SC_ISA_VIEWS; i++) {
        const rview *v = &o->v[i];
        if (!o->used[i]) continue;
        uint64_t lo = (uint64_t)v->base;
        if (!flat_f32(v, o->dims) || v->mem != dv->mem || !pages_present(v->mem, lo, bytes))
            return 0;
        if (lo != dlo && lo < dlo + bytes && dlo < lo + bytes) return 0;
    }
    return 1;
}

/* Elements from byte address a to the end of its page. */
static uint64_t page_elems(const pmem *m, uint64_t a) {
    return (m->page_bytes - (a & (m->page_bytes - 1))) / 4;
}

static int vec_direct(const vop *o, uint64_t n) {
    pmem *m = o->v[0].mem;
    for (uint64_t e = 0, k; e < n; e += k) {
        k = n - e;
        for (int i = 0; i < SC_ISA_VIEWS; i++)
            if (o->used[i]) k = SC_MIN(k, page_elems(m, (uint64_t)o->v[i].base + e * 4));
        const float *p[SC_ISA_VIEWS] = {NULL, NULL, NULL, NULL};
        for (int i = 1; i < SC_ISA_VIEWS; i++)
            if (o->used[i]) p[i] = (const float *)pmem_peek(m, (uint64_t)o->v[i].base + e * 4);
        float *d = (float *)pmem_poke(m, (uint64_t)o->v[0].base + e * 4);
        if (!d) return -1;
        elementwise(o, p[1], p[2], p[3], d, k);
    }
    return 0;
}

static sc_status vec_data(sc_sim *s, const vop *o, sc_err *err) {
    if (o->f == SC_VF_COPY || o->f == SC_VF_CAST) return vec_move(s, o, err);
    if (o->fp64) return vec_data_f64(s, o, err);
    uint64_t n = sim_dims_count(o->dims);
    if (direct_ok(o, n))
        return vec_direct(o, n) ? sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory") : SC_OK;
    float *buf = sim_scratch(s, 4, (size_t)n * 4 * sizeof(float) + 16);
    if (!buf) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory in a vec op");
    float *a = buf, *b = buf + n, *c = buf + 2 * n, *d = buf + 3 * n;
    for (int i = 1; i < SC_ISA_VIEWS; i++)
        if (o->used[i]) sim_gather_f32(s, &o->v[i], o->dims, buf + (size_t)(i - 1) * n);
    rview dv = o->v[0];
    uint32_t ddims[SC_ISA_MAX_DIMS];
    memcpy(ddims, o->dims, sizeof ddims);
    if (o->lay == SC_LAYOUT_VRED) {
        reduce(o, a, d);
        ddims[o->raxis] = 1;
    } else if (o->lay == SC_LAYOUT_VIOTA) {
        iota(o, d);
    } else {
        elementwise(o, a, b, c, d, n);
    }
    int rc = sim_scatter_f32(&dv, ddims, d);
    return rc ? sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device pages") : SC_OK;
}

/* ---- Timing ---- */

static void vec_time(sc_sim *s, squeue *q, const vop *o) {
    score *c = sim_core(s, q->chip, q->core);
    uint64_t n = sim_dims_count(o->dims);
    uint64_t t = q->t;
    for (int i = 1; i < SC_ISA_VIEWS; i++)
        if (o->used[i]) t = sim_dep_ready(q, o->v[i].mem_key, o->v[i].lo, o->v[i].hi, t);
    double lanes = s->chip.vec_lanes * (is_special(o->f) ? s->chip.vec_special_rate : 1.0);
    /* fp64 lanes: fewer, and each op costs 1/rate fp32 ops' energy (a chip built in code
     * rather than loaded from a config may leave the rate 0: the config default applies) */
    double fp64 = !o->fp64 ? 1.0 : s->chip.vec_fp64_rate > 0 ? s->chip.vec_fp64_rate : 0.25;
    lanes *= fp64;
    uint64_t compute = (uint64_t)ceil((double)n / lanes);
    /* All operands share the scratchpad banks: their access cycles add up. */
    double port = (double)s->chip.scratchpad_banks * s->chip.scratchpad_bank_width;
    uint64_t mem = 0;
    uint32_t ddims[SC_ISA_MAX_DIMS];
    memcpy(ddims, o->dims, sizeof ddims);
    if (o->lay == SC_LAYOUT_VRED) ddims[o->raxis] = 1;
    for (int i = 0; i < SC_ISA_VIEWS; i++) {
        if (!o->used[i]) continue;
        const uint32_t *dm = i == 0 ? ddims : o->dims;
        mem += sim_spad_cycles(s, &o->v[i], dm, port);
        s->st.bytes_spad += (double)sim_dims_count(dm) * o->v[i].es;
    }
    uint64_t busy = SC_MAX(SC_MAX(compute, mem), (uint64_t)1);
    uint64_t start = SC_MAX(t, c->vec_free);
    c->vec_free = start + busy;
    uint64_t done = c->vec_free + VEC_LATENCY;
    q->done_max = SC_MAX(q->done_max, done);
    sim_dep_add(q, o->v[0].mem_key, o->v[0].lo, o->v[0].hi, done);
    s->st.vec_busy += (double)busy;
    s->st.vec_ops += (double)n;
    s->st.energy_vec += (double)n * s->chip.e_vec_op / fp64;
    sim_trace(s, o->name, q->chip * SIM_PID_CHIP + q->core, SIM_TID_VEC, start, done);
}

sc_status sim_exec_vec(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    vop o;
    memset(&o, 0, sizeof o);
    int skip = 0;
    sc_status rc = resolve(s, q, in, &o, &skip, err);
    if (rc != SC_OK) return rc;
    if (skip) {
        q->pc++;
        return SC_OK;
    }
    if (s->p.race_check) {
        for (int i = 1; i < SC_ISA_VIEWS && rc == SC_OK; i++)
            if (o.used[i]) rc = sim_race_read(s, q, q->chip, q->core, o.v[i].lo, o.v[i].hi, err);
        if (rc != SC_OK) return rc;
        if (sim_race_write(s, q, q->chip, q->core, o.v[0].lo, o.v[0].hi))
            return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    }
    if (s->functional) {
        rc = vec_data(s, &o, err);
        if (rc != SC_OK) return rc;
    }
    vec_time(s, q, &o);
    q->pc++;
    return SC_OK;
}
