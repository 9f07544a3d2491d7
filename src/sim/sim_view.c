// SPDX-License-Identifier: Apache-2.0
// Operand views: resolution and bounds, element gather/scatter, bank conflicts, race detection.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numerics/numerics.h"
#include "sim/sim_internal.h"

/* ---- Memory keys: one per (chip, memory) for in-queue dependency tracking. ---- */

int sim_mem_key(const sc_sim *s, int space, int chip, int core) {
    int per = s->n_cores + 3;
    switch (space) {
    case SC_SPACE_HBM:
        return chip * per;
    case SC_SPACE_SHARED:
        return chip * per + 1;
    case SC_SPACE_CONST:
        return chip * per + 2;
    default:
        return chip * per + 3 + core;
    }
}

uint64_t sim_dims_count(const uint32_t dims[SC_ISA_MAX_DIMS]) {
    return (uint64_t)dims[0] * dims[1] * dims[2] * dims[3];
}

sc_status sim_dims(const sc_sim *s, const squeue *q, const sc_desc *d, int rn, int axis,
                   uint32_t dims[SC_ISA_MAX_DIMS], int *skip, sc_err *err) {
    memcpy(dims, d->dims, sizeof d->dims);
    *skip = 0;
    if (rn == 0) return SC_OK;
    int64_t v = q->r[rn];
    if (v < 0) return sim_trap(s, q, err, "negative extent %lld from r%d", (long long)v, rn);
    if (v > (int64_t)UINT32_MAX)
        return sim_trap(s, q, err, "extent %lld from r%d is too large", (long long)v, rn);
    if (v == 0) *skip = 1;
    dims[axis] = (uint32_t)v;
    return SC_OK;
}

static uint64_t space_size(const sc_sim *s, int space, int chip, int core) {
    switch (space) {
    case SC_SPACE_HBM:
        return s->chips[chip].hbm.size;
    case SC_SPACE_SHARED:
        return s->chips[chip].shared.size;
    case SC_SPACE_CONST:
        return s->n_consts;
    default:
        return s->cores[(size_t)chip * (size_t)s->n_cores + (size_t)core].spad.size;
    }
}

static pmem *space_mem(sc_sim *s, int space, int chip, int core) {
    if (!s->functional) return NULL;
    switch (space) {
    case SC_SPACE_HBM:
        return &s->chips[chip].hbm;
    case SC_SPACE_SHARED:
        return &s->chips[chip].shared;
    case SC_SPACE_SPAD:
        return &sim_core(s, chip, core)->spad;
    default:
        return NULL;
    }
}

/* Bounding element offsets of the index space under the strides; -1 if absurdly large. */
static int offset_bounds(const int64_t st[SC_ISA_MAX_DIMS], const uint32_t dims[SC_ISA_MAX_DIMS],
                         int64_t *mn, int64_t *mx) {
    *mn = *mx = 0;
    for (int d = 0; d < SC_ISA_MAX_DIMS; d++) {
        if (dims[d] == 0) continue;
        double e = (double)st[d] * (double)(dims[d] - 1);
        if (fabs(e) > 4e18 / 8) return -1;
        int64_t v = st[d] * (int64_t)(dims[d] - 1);
        if (v < 0)
            *mn += v;
        else
            *mx += v;
    }
    return 0;
}

static sc_status view_base(sc_sim *s, const squeue *q, const sc_view *v, int rreg, int64_t *base,
                           sc_err *err) {
    uint64_t b = v->offset + (uint64_t)q->r[rreg];
    if (v->buffer != SC_ISA_NO_BUFFER) {
        const sc_buffer *buf = sc_program_buffer(s->prog, v->buffer);
        if (!buf) return sim_trap(s, q, err, "view names buffer %u that does not exist", v->buffer);
        b += buf->offset;
    }
    *base = (int64_t)b;
    return SC_OK;
}

sc_status sim_view(sc_sim *s, const squeue *q, const sc_desc *d, int vi, int rreg,
                   const uint32_t dims[SC_ISA_MAX_DIMS], int is_dst, int ignore_axis, rview *out,
                   sc_err *err) {
    const sc_view *v = &d->views[vi];
    memset(out, 0, sizeof *out);
    if (v->space == SC_SPACE_NONE || v->space >= SC_SPACE_COUNT)
        return sim_trap(s, q, err, "descriptor %s has no view %d", d->name, vi);
    out->es = sc_isa_dtype_bytes((sc_dtype)v->dtype);
    if (out->es <= 0)
        return sim_trap(s, q, err, "descriptor %s: int4 views are not addressable", d->name);
    out->space = v->space;
    out->chip = q->chip;
    out->core = v->core == SC_ISA_SELF ? q->core : v->core;
    out->dt = (sc_dtype)v->dtype;
    if (v->space == SC_SPACE_SPAD && out->core >= s->n_cores)
        return sim_trap(s, q, err, "descriptor %s names core %d, the chip has %d", d->name,
                        out->core, s->n_cores);
    if (is_dst && v->space == SC_SPACE_CONST)
        return sim_trap(s, q, err, "descriptor %s writes the read-only const space", d->name);
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++) {
        out->st[k] = v->strides[k];
        if (is_dst && k != ignore_axis && dims[k] > 1 && v->strides[k] == 0)
            return sim_trap(s, q, err, "descriptor %s: destination stride 0 on extent %u (axis %d)",
                            d->name, dims[k], k);
    }
    sc_status rc = view_base(s, q, v, rreg, &out->base, err);
    if (rc != SC_OK) return rc;
    uint32_t bd[SC_ISA_MAX_DIMS];
    memcpy(bd, dims, sizeof bd);
    if (ignore_axis >= 0) bd[ignore_axis] = 1;
    int64_t mn, mx;
    uint64_t size = space_size(s, v->space, q->chip, out->core);
    const char *sp = sc_isa_space_name((sc_space)v->space);
    if (out->base % out->es)
        return sim_trap(s, q, err, "descriptor %s: %s address %lld misaligned for %s", d->name, sp,
                        (long long)out->base, sc_dtype_name(out->dt));
    if (offset_bounds(out->st, bd, &mn, &mx) || (double)out->base + (double)mn * out->es < 0 ||
        (double)out->base + (double)(mx + 1) * out->es > (double)size)
        return sim_trap(s, q, err,
                        "descriptor %s: %s access [%lld, %lld) out of bounds (%llu bytes)", d->name,
                        sp, (long long)(out->base + mn * out->es),
                        (long long)(out->base + (mx + 1) * out->es), (unsigned long long)size);
    out->lo = (uint64_t)(out->base + mn * out->es);
    out->hi = (uint64_t)(out->base + (mx + 1) * out->es);
    out->mem = space_mem(s, v->space, q->chip, out->core);
    out->mem_key = sim_mem_key(s, v->space, q->chip, out->core);
    return SC_OK;
}

sc_status sim_spad_range(const sc_sim *s, const squeue *q, int64_t addr, uint64_t bytes, int align,
                         const char *what, sc_err *err) {
    uint64_t size = s->cores[(size_t)q->chip * (size_t)s->n_cores + (size_t)q->core].spad.size;
    if (addr < 0 || (uint64_t)addr > size || bytes > size - (uint64_t)addr)
        return sim_trap(s, q, err, "%s: scratchpad range [%lld, +%llu) out of bounds (%llu bytes)",
                        what, (long long)addr, (unsigned long long)bytes, (unsigned long long)size);
    if (align > 1 && addr % align)
        return sim_trap(s, q, err, "%s: scratchpad address %lld not aligned to %d", what,
                        (long long)addr, align);
    return SC_OK;
}

/* ---- Element access ---- */

static const unsigned char ZERO16[16];

/* How many elements from byte a on (byte step, at most left) lie in a's page: rows crossing a
 * page are handled as page-local runs instead of element by element. */
static uint32_t page_run(const pmem *m, int64_t a, int64_t step, int64_t es, uint32_t left) {
    if (step <= 0 || !m) return 1;
    int64_t pe = (int64_t)(((uint64_t)a | (m->page_bytes - 1)) + 1);
    if (a + es > pe) return 1;
    int64_t k = (pe - a - es) / step + 1;
    return k < (int64_t)left ? (uint32_t)k : left;
}

#define FOR_VIEW(v, dims, off)                                                                     \
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)                                                      \
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)                                                  \
            for (uint32_t i1 = 0; i1 < dims[1]; i1++)                                              \
                for (int64_t                                                                       \
                         off = (v)->base + ((int64_t)i1 * (v)->st[1] + (int64_t)i2 * (v)->st[2] +  \
                                            (int64_t)i3 * (v)->st[3]) *                            \
                                               (v)->es,                                            \
                         e_ = 0;                                                                   \
                     e_ < (int64_t)dims[0]; e_++, off += (v)->st[0] * (v)->es)

/* Typed row loops: fp32 and bf16 (the common vector operand types) inline, the rest through
 * the numerics library; the page pointer is looked up once per row. */
static void load_row(sc_dtype dt, const unsigned char *p, int64_t step, uint32_t n, float *out) {
    if (dt == SC_DTYPE_FP32 && step == 4) { /* contiguous: the hot case of big vector tiles */
        memcpy(out, p, (size_t)n * 4);
    } else if (dt == SC_DTYPE_BF16 && step == 2) { /* a loop the compiler can vectorise */
        for (uint32_t e = 0; e < n; e++) {
            uint32_t u = (uint32_t)(p[2 * e] | (p[2 * e + 1] << 8)) << 16;
            memcpy(&out[e], &u, 4);
        }
    } else if (dt == SC_DTYPE_FP32) {
        for (uint32_t e = 0; e < n; e++)
            memcpy(&out[e], p + (int64_t)e * step, 4);
    } else if (dt == SC_DTYPE_BF16) {
        for (uint32_t e = 0; e < n; e++) {
            const unsigned char *q = p + (int64_t)e * step;
            uint32_t u = (uint32_t)(q[0] | (q[1] << 8)) << 16;
            memcpy(&out[e], &u, 4);
        }
    } else {
        for (uint32_t e = 0; e < n; e++)
            out[e] = sc_load_elem(dt, p + (int64_t)e * step, 0);
    }
}

/* sc_f32_to_bf16's rounding (nearest even, NaNs quieted), inline in the row loop: a library
 * call per element was ~13% of a bf16 PP-OCR page. */
static inline uint16_t bf16_round(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static void store_row(sc_dtype dt, unsigned char *p, int64_t step, uint32_t n, const float *in) {
    if (dt == SC_DTYPE_FP32 && step == 4) {
        memcpy(p, in, (size_t)n * 4);
    } else if (dt == SC_DTYPE_FP32) {
        for (uint32_t e = 0; e < n; e++)
            memcpy(p + (int64_t)e * step, &in[e], 4);
    } else if (dt == SC_DTYPE_BF16) {
        for (uint32_t e = 0; e < n; e++) {
            uint16_t h = bf16_round(in[e]);
            p[(int64_t)e * step] = (unsigned char)h;
            p[(int64_t)e * step + 1] = (unsigned char)(h >> 8);
        }
    } else {
        for (uint32_t e = 0; e < n; e++)
            sc_store_elem(dt, p + (int64_t)e * step, 0, in[e]);
    }
}

static const unsigned char *row_in_page(const rview *v, int64_t off, uint32_t n, int *in_page);

#define ROW_OFF(v, i1, i2, i3)                                                                     \
    ((v)->base +                                                                                   \
     ((int64_t)(i1) * (v)->st[1] + (int64_t)(i2) * (v)->st[2] + (int64_t)(i3) * (v)->st[3]) *      \
         (v)->es)

void sim_gather_f32(const sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                    float *out) {
    uint32_t n = dims[0];
    int64_t step = v->st[0] * v->es;
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)
            for (uint32_t i1 = 0; i1 < dims[1]; i1++, out += n) {
                int64_t off = ROW_OFF(v, i1, i2, i3);
                int in_page = 1;
                const unsigned char *p = NULL;
                if (n == 0) continue;
                if (v->space == SC_SPACE_CONST)
                    p = s->consts + off;
                else if (v->mem)
                    p = row_in_page(v, off, n, &in_page);
                if (!in_page)
                    for (uint32_t e = 0, k; e < n; e += k) {
                        int64_t a = off + (int64_t)e * step;
                        k = page_run(v->mem, a, step, v->es, n - e);
                        const unsigned char *q = pmem_peek(v->mem, (uint64_t)a);
                        load_row(v->dt, q ? q : ZERO16, q ? step : 0, k, out + e);
                    }
                else if (p)
                    load_row(v->dt, p, step, n, out);
                else
                    load_row(v->dt, ZERO16, 0, n, out);
            }
}

int sim_scatter_f32(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], const float *in) {
    uint32_t n = dims[0];
    int64_t step = v->st[0] * v->es, span = (int64_t)(n ? n - 1 : 0) * step;
    if (!v->mem || n == 0) return 0;
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)
            for (uint32_t i1 = 0; i1 < dims[1]; i1++, in += n) {
                int64_t off = ROW_OFF(v, i1, i2, i3), lo = off + (span < 0 ? span : 0);
                int in_page;
                row_in_page(v, off, n, &in_page);
                unsigned char *p = in_page ? pmem_poke(v->mem, (uint64_t)lo) : NULL;
                if (p) {
                    store_row(v->dt, p + (off - lo), step, n, in);
                    continue;
                }
                if (in_page) return -1;
                for (uint32_t e = 0, k; e < n; e += k) {
                    int64_t a = off + (int64_t)e * step;
                    k = page_run(v->mem, a, step, v->es, n - e);
                    unsigned char *q = pmem_poke(v->mem, (uint64_t)a);
                    if (!q) return -1;
                    store_row(v->dt, q, step, k, in + e);
                }
            }
    return 0;
}

/* Strided copy of n elements of es bytes: fixed-size moves for the usual element sizes (a
 * variable-size memcpy per element is a library call each). */
#define COPY_AS(T)                                                                                 \
    for (uint32_t e = 0; e < n; e++) {                                                             \
        T x_;                                                                                      \
        memcpy(&x_, src + (int64_t)e * ss, sizeof x_);                                             \
        memcpy(dst + (int64_t)e * ds, &x_, sizeof x_);                                             \
    }

/* One element repeated over a contiguous run (zero and fill-value tiles: a stride-0 source). */
static void fill_run(unsigned char *dst, const unsigned char *src, uint32_t n, size_t es) {
    int zero = 1;
    for (size_t b = 0; b < es; b++)
        zero &= src[b] == 0;
    if (zero) {
        memset(dst, 0, (size_t)n * es);
        return;
    }
    if (es == 4) {
        uint32_t x;
        memcpy(&x, src, 4);
        for (uint32_t e = 0; e < n; e++)
            memcpy(dst + (size_t)e * 4, &x, 4);
        return;
    }
    for (uint32_t e = 0; e < n; e++)
        memcpy(dst + (size_t)e * es, src, es);
}

static void copy_strided(unsigned char *dst, int64_t ds, const unsigned char *src, int64_t ss,
                         uint32_t n, size_t es) {
    if (ss == 0 && ds == (int64_t)es) {
        fill_run(dst, src, n, es);
        return;
    }
    if (ss == (int64_t)es && ds == (int64_t)es) { /* contiguous page-local runs of long rows */
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    switch (es) {
    case 1:
        COPY_AS(uint8_t);
        break;
    case 2:
        COPY_AS(uint16_t);
        break;
    case 4:
        COPY_AS(uint32_t);
        break;
    case 8:
        COPY_AS(uint64_t);
        break;
    default:
        for (uint32_t e = 0; e < n; e++)
            memcpy(dst + (int64_t)e * ds, src + (int64_t)e * ss, es);
    }
}

/* First byte of one axis-0 row starting at byte off, when the whole row lies in one page of the
 * view's memory (page pointers are then fetched once per row, not per element): *in_page = 0
 * when it crosses a page. Returns NULL for a never-written page (reads as zero). */
static const unsigned char *row_in_page(const rview *v, int64_t off, uint32_t n, int *in_page) {
    int64_t step = v->st[0] * v->es, span = (int64_t)(n - 1) * step;
    int64_t lo = off + (span < 0 ? span : 0), hi = off + (span > 0 ? span : 0) + v->es;
    unsigned sh = v->mem->page_shift;
    *in_page = (uint64_t)lo >> sh == (uint64_t)(hi - 1) >> sh;
    if (!*in_page) return NULL;
    const unsigned char *p = pmem_peek(v->mem, (uint64_t)lo);
    return p ? p + (off - lo) : NULL;
}

/* One strided row into the packed buffer out. */
static void gather_row(const sc_sim *s, const rview *v, int64_t off, uint32_t n,
                       unsigned char *out) {
    size_t es = (size_t)v->es;
    int64_t step = v->st[0] * v->es;
    int in_page = 1;
    const unsigned char *p = NULL;
    if (n == 0) return;
    if (v->space == SC_SPACE_CONST)
        p = s->consts + off;
    else if (v->mem)
        p = row_in_page(v, off, n, &in_page);
    if (!in_page) {
        for (uint32_t e = 0, k; e < n; e += k) {
            int64_t a = off + (int64_t)e * step;
            k = page_run(v->mem, a, step, (int64_t)es, n - e);
            const unsigned char *q = pmem_peek(v->mem, (uint64_t)a);
            if (q)
                copy_strided(out + e * es, (int64_t)es, q, step, k, es);
            else
                memset(out + e * es, 0, k * es);
        }
    } else if (p) {
        copy_strided(out, (int64_t)es, p, step, n, es);
    } else {
        memset(out, 0, n * es);
    }
}

/* Contiguous runs (stride 1 on axis 0) move as byte blocks; other rows as strided copies. */
void sim_gather_raw(const sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                    unsigned char *out) {
    size_t es = (size_t)v->es, run = (size_t)dims[0] * es;
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)
            for (uint32_t i1 = 0; i1 < dims[1]; i1++) {
                int64_t off = ROW_OFF(v, i1, i2, i3);
                if (v->st[0] != 1)
                    gather_row(s, v, off, dims[0], out);
                else if (v->space == SC_SPACE_CONST)
                    memcpy(out, s->consts + off, run);
                else if (v->mem)
                    pmem_read(v->mem, (uint64_t)off, out, run);
                else
                    memset(out, 0, run);
                out += run;
            }
}

/* One packed row into a strided destination row (pages allocated on first write). */
static int scatter_row(const rview *v, int64_t off, uint32_t n, const unsigned char *in) {
    size_t es = (size_t)v->es;
    int64_t step = v->st[0] * v->es;
    int in_page;
    if (n == 0) return 0;
    row_in_page(v, off, n, &in_page);
    if (in_page) {
        int64_t span = (int64_t)(n - 1) * step, lo = off + (span < 0 ? span : 0);
        unsigned char *p = pmem_poke(v->mem, (uint64_t)lo);
        if (!p) return -1;
        copy_strided(p + (off - lo), step, in, (int64_t)es, n, es);
        return 0;
    }
    for (uint32_t e = 0, k; e < n; e += k) {
        int64_t a = off + (int64_t)e * step;
        k = page_run(v->mem, a, step, (int64_t)es, n - e);
        unsigned char *p = pmem_poke(v->mem, (uint64_t)a);
        if (!p) return -1;
        copy_strided(p, step, in + e * es, (int64_t)es, k, es);
    }
    return 0;
}

int sim_scatter_raw(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], const unsigned char *in) {
    size_t es = (size_t)v->es, run = (size_t)dims[0] * es;
    if (!v->mem) return 0;
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)
            for (uint32_t i1 = 0; i1 < dims[1]; i1++) {
                int64_t off = ROW_OFF(v, i1, i2, i3);
                int rc = v->st[0] == 1 ? pmem_write(v->mem, (uint64_t)off, in, run)
                                       : scatter_row(v, off, dims[0], in);
                if (rc) return -1;
                in += run;
            }
    return 0;
}

/* Destination row pointer when the row lies in one page (allocating it); NULL otherwise or
 * when out of memory (*oom set). */
static unsigned char *dst_row(const rview *v, int64_t off, uint32_t n, int *oom) {
    int in_page;
    row_in_page(v, off, n, &in_page);
    if (!in_page) return NULL;
    int64_t span = (int64_t)(n - 1) * v->st[0] * v->es, lo = off + (span < 0 ? span : 0);
    unsigned char *p = pmem_poke(v->mem, (uint64_t)lo);
    if (!p) *oom = 1;
    return p ? p + (off - lo) : NULL;
}

/* A contiguous row into a contiguous row that crosses a page, page-local chunk by chunk (rows
 * longer than a 64 KiB scratchpad page used to go through a staging row: two copies). */
static int copy_contig(const sc_sim *s, const rview *dst, int64_t dof, const rview *src, int64_t so,
                       uint64_t bytes) {
    uint64_t dp = dst->mem->page_bytes;
    for (uint64_t b = 0, k; b < bytes; b += k) {
        uint64_t da = (uint64_t)dof + b, sa = (uint64_t)so + b;
        const unsigned char *p = NULL;
        k = SC_MIN(bytes - b, dp - (da & (dp - 1)));
        if (src->space == SC_SPACE_CONST) {
            p = s->consts + sa;
        } else if (src->mem) {
            k = SC_MIN(k, src->mem->page_bytes - (sa & (src->mem->page_bytes - 1)));
            p = pmem_peek(src->mem, sa);
        }
        unsigned char *d = pmem_poke(dst->mem, da);
        if (!d) return -1;
        if (p)
            memcpy(d, p, k);
        else
            memset(d, 0, k); /* a never-written page reads as zeros */
    }
    return 0;
}

int sim_copy_raw(const sc_sim *s, const rview *dst, const rview *src,
                 const uint32_t dims[SC_ISA_MAX_DIMS], unsigned char *tmp) {
    uint32_t n = dims[0];
    size_t es = (size_t)src->es;
    int64_t ss = src->st[0] * src->es, ds = dst->st[0] * dst->es;
    if (!dst->mem || n == 0) return 0;
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)
            for (uint32_t i1 = 0; i1 < dims[1]; i1++) {
                int64_t so = ROW_OFF(src, i1, i2, i3), dof = ROW_OFF(dst, i1, i2, i3);
                int oom = 0, in_page = 1;
                unsigned char *d = dst_row(dst, dof, n, &oom);
                if (oom) return -1;
                const unsigned char *p = NULL;
                if (src->space == SC_SPACE_CONST)
                    p = s->consts + so;
                else if (src->mem)
                    p = row_in_page(src, so, n, &in_page);
                if (d && in_page) { /* p NULL: a never-written page, which reads as zeros */
                    if (ss == (int64_t)es && ds == (int64_t)es)
                        p ? memcpy(d, p, n * es) : memset(d, 0, n * es);
                    else
                        copy_strided(d, ds, p ? p : ZERO16, p ? ss : 0, n, es);
                    continue;
                }
                if (ss == (int64_t)es && ds == (int64_t)es) {
                    if (copy_contig(s, dst, dof, src, so, (uint64_t)n * es)) return -1;
                    continue;
                }
                gather_row(s, src, so, n, tmp);
                if (scatter_row(dst, dof, n, tmp)) return -1;
            }
    return 0;
}

/* ---- Conversions ---- */

/* int32 -> narrow float: round to odd into fp32 first so the second rounding is exact RNE. */
static float int32_to_f32_odd(int32_t v) {
    int64_t a = v < 0 ? -(int64_t)v : v;
    if (a < (1 << 24)) return (float)v;
    int sh = 0;
    while ((a >> sh) >= (1 << 24))
        sh++;
    int64_t m = a >> sh;
    if (a & (((int64_t)1 << sh) - 1)) m |= 1;
    float f = ldexpf((float)m, sh);
    return v < 0 ? -f : f;
}

void sim_convert(sc_dtype st, const unsigned char *src, sc_dtype dt, unsigned char *dst,
                 uint64_t n) {
    /* fp32 <-> bf16 (the casts and converting DMAs of bf16 programs) in inline loops, the same
     * roundings as the library's per-element calls */
    if (st == SC_DTYPE_FP32 && dt == SC_DTYPE_BF16) {
        for (uint64_t i = 0; i < n; i++) {
            float x;
            memcpy(&x, src + 4 * i, 4);
            uint16_t h = bf16_round(x);
            dst[2 * i] = (unsigned char)h;
            dst[2 * i + 1] = (unsigned char)(h >> 8);
        }
        return;
    }
    if (st == SC_DTYPE_BF16 && dt == SC_DTYPE_FP32) {
        for (uint64_t i = 0; i < n; i++) {
            uint32_t u = (uint32_t)(src[2 * i] | (src[2 * i + 1] << 8)) << 16;
            memcpy(dst + 4 * i, &u, 4);
        }
        return;
    }
    if (st == SC_DTYPE_INT32 && dt != SC_DTYPE_FP32 && dt != SC_DTYPE_INT32 &&
        dt != SC_DTYPE_INT8 && dt != SC_DTYPE_FP64) { /* fp64 holds every int32 exactly */
        for (uint64_t i = 0; i < n; i++) {
            int32_t v;
            memcpy(&v, src + 4 * i, 4);
            sc_store_elem(dt, dst, i, int32_to_f32_odd(v));
        }
        return;
    }
    sc_convert(st, src, dt, dst, (size_t)n);
}

/* ---- Scratchpad bank conflicts ---- */

uint64_t sim_spad_cycles(const sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                         double max_bytes_per_cycle) {
    uint64_t n = sim_dims_count(dims);
    int nb = s->chip.scratchpad_banks, w = s->chip.scratchpad_bank_width;
    double port = SC_MIN(max_bytes_per_cycle, (double)nb * w);
    /* Find the innermost axis that actually moves (extent > 1). */
    int ax = 0;
    while (ax < SC_ISA_MAX_DIMS - 1 && dims[ax] <= 1)
        ax++;
    int64_t stride = v->st[ax];
    if (stride == 1 || stride == 0 || v->space != SC_SPACE_SPAD)
        return (uint64_t)ceil((double)n * v->es / port);
    /* Strided: elements of one cycle must sit in distinct banks. */
    uint64_t k = SC_MIN((uint64_t)dims[ax], (uint64_t)nb);
    unsigned char seen[1024] = {0};
    uint64_t distinct = 0, sb = (uint64_t)llabs(stride) * (uint64_t)v->es;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t bank = (((uint64_t)v->base + i * sb) / (uint64_t)w) % (uint64_t)nb;
        if (!seen[bank]) seen[bank] = 1, distinct++;
    }
    double per_cycle = SC_MIN((double)distinct, port / v->es);
    if (per_cycle < 1) per_cycle = 1;
    return (uint64_t)ceil((double)n / per_cycle);
}

/* ---- Race detection: happens-before through semaphore tokens and barriers ---- */

sc_status sim_race_read(sc_sim *s, const squeue *q, int chip, int core, uint64_t lo, uint64_t hi,
                        sc_err *err) {
    if (!q->vc) return SC_OK;
    const score *c = sim_core(s, chip, core);
    for (size_t i = 0; i < c->nw; i++) {
        const wrec *w = &c->w[i];
        if (w->writer == q->gid || w->hi <= lo || w->lo >= hi) continue;
        if (q->vc[w->writer] >= w->stamp) continue;
        const squeue *o = &s->queues[w->writer];
        return sim_trap(s, q, err,
                        "race: reads scratchpad [%llu, %llu) of core %d written by core %d queue "
                        "%s pc %u with no semaphore wait ordering that write before this read",
                        (unsigned long long)SC_MAX(lo, w->lo),
                        (unsigned long long)SC_MIN(hi, w->hi), core, o->core,
                        sc_isa_queue_name((sc_queue)o->q), w->pc);
    }
    return SC_OK;
}

static int wrec_reserve(score *c, size_t extra) {
    if (c->nw + extra <= c->capw) return 0;
    size_t cap = c->capw ? c->capw * 2 : 32;
    while (cap < c->nw + extra)
        cap *= 2;
    wrec *w = realloc(c->w, cap * sizeof *w);
    if (!w) return -1;
    c->w = w;
    c->capw = cap;
    return 0;
}

/* Records a write: older records under [lo, hi) are cut away (the newest writer is the one a
 * reader must be ordered after); adjacent writes of the same epoch merge. */
int sim_race_write(sc_sim *s, const squeue *q, int chip, int core, uint64_t lo, uint64_t hi) {
    if (!q->vc || hi <= lo) return 0;
    score *c = sim_core(s, chip, core);
    if (wrec_reserve(c, 2)) return -1;
    uint32_t stamp = q->vc[q->gid];
    size_t n = c->nw;
    for (size_t i = 0; i < n;) {
        wrec *w = &c->w[i];
        if (w->hi <= lo || w->lo >= hi) {
            i++;
            continue;
        }
        if (w->lo < lo && w->hi > hi) { /* split around the new range */
            wrec tail = *w;
            tail.lo = hi;
            w->hi = lo;
            c->w[c->nw++] = tail;
            i++;
            continue;
        }
        if (w->lo < lo)
            w->hi = lo, i++;
        else if (w->hi > hi)
            w->lo = hi, i++;
        else { /* fully covered: remove */
            c->w[i] = c->w[--c->nw];
            if (c->nw < n) n--;
        }
    }
    if (c->nw > 0) {
        wrec *l = &c->w[c->nw - 1];
        if (l->writer == q->gid && l->stamp == stamp && l->hi == lo) {
            l->hi = hi;
            return 0;
        }
    }
    if (wrec_reserve(c, 1)) return -1;
    wrec *w = &c->w[c->nw++];
    w->lo = lo, w->hi = hi, w->writer = q->gid, w->stamp = stamp, w->pc = (uint32_t)q->pc;
    return 0;
}

/* ---- In-queue ordering of asynchronous work ---- */

uint64_t sim_dep_ready(const squeue *q, int mem, uint64_t lo, uint64_t hi, uint64_t t) {
    for (int i = 0; i < q->n_pend; i++) {
        const pend_write *p = &q->pend[i];
        if (p->mem == mem && p->lo < hi && lo < p->hi && p->done > t) t = p->done;
    }
    return t;
}

void sim_dep_add(squeue *q, int mem, uint64_t lo, uint64_t hi, uint64_t done) {
    int j = 0;
    for (int i = 0; i < q->n_pend; i++) /* drop writes that completed before now */
        if (q->pend[i].done > q->t) q->pend[j++] = q->pend[i];
    q->n_pend = j;
    if (q->n_pend == SIM_PEND) { /* full: forget the one finishing first */
        int e = 0;
        for (int i = 1; i < SIM_PEND; i++)
            if (q->pend[i].done < q->pend[e].done) e = i;
        q->pend[e] = q->pend[--q->n_pend];
    }
    pend_write *p = &q->pend[q->n_pend++];
    p->mem = mem, p->lo = lo, p->hi = hi, p->done = done;
}
