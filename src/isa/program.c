// SPDX-License-Identifier: Apache-2.0
// In-memory SeedChip programs: per-core queue code, buffers, descriptors, constants, validation.
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"

typedef struct sc_stream {
    sc_insn *code;
    size_t n, cap;
} sc_stream;

/* Open-addressing hash of the names of an array's elements (each element starts with its
 * char name[]): slot = position + 1, 0 = empty. A linear search per instruction made a large
 * hostile program take hours to assemble or load. */
typedef struct name_index {
    uint32_t *slots;
    size_t cap; /* power of two, at least twice the element count */
} name_index;

_Static_assert(offsetof(sc_buffer, name) == 0 && offsetof(sc_desc, name) == 0,
               "name_index reads each element's name at its start");

static size_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

/* Position of name in elems (stride bytes apart, name first), or -1. */
static int index_find(const name_index *x, const void *elems, size_t stride, const char *name) {
    if (!x->cap) return -1;
    for (size_t i = name_hash(name) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
        uint32_t k = x->slots[i];
        if (!k) return -1;
        if (strcmp((const char *)elems + (size_t)(k - 1) * stride, name) == 0) return (int)k - 1;
    }
}

static void index_put(uint32_t *slots, size_t cap, const char *name, uint32_t pos) {
    size_t i = name_hash(name) & (cap - 1);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = pos + 1;
}

/* Makes room for element n (the elements before it are already indexed); -1 on OOM. */
static int index_reserve(name_index *x, const void *elems, size_t stride, size_t n) {
    if (2 * (n + 1) <= x->cap) return 0;
    size_t cap = x->cap ? 2 * x->cap : 64;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t k = 0; k < n; k++)
        index_put(slots, cap, (const char *)elems + k * stride, (uint32_t)k);
    free(x->slots);
    x->slots = slots;
    x->cap = cap;
    return 0;
}

struct sc_program {
    char name[SC_ISA_NAME_MAX];
    int n_cores;
    sc_stream *queues; /* n_cores * SC_QUEUE_COUNT */
    sc_buffer *bufs;
    size_t n_bufs, cap_bufs;
    sc_desc *descs;
    size_t n_descs, cap_descs;
    uint8_t *consts;
    size_t n_consts, cap_consts;
    name_index buf_index, desc_index; /* name -> position (hostile files hold up to 65535) */
};

/* Grows *arr (elements of size elem) to hold one more; 0 on success. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 16, bytes;
    if (ncap < n + 1) ncap = n + 1;
    if (sc_mul_size(ncap, elem, &bytes)) return -1;
    void *p = realloc(*arr, bytes);
    if (!p) return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int valid_ident(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= SC_ISA_NAME_MAX) return 0;
    if (!isalpha((unsigned char)s[0]) && s[0] != '_') return 0;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.') return 0;
    return 1;
}

sc_status sc_program_create(int n_cores, sc_program **out, sc_err *err) {
    *out = NULL;
    if (n_cores < 1 || n_cores > SC_ISA_MAX_CORES)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "core count %d out of range [1, %d]", n_cores,
                          SC_ISA_MAX_CORES);
    sc_program *p = calloc(1, sizeof *p);
    if (p) p->queues = calloc((size_t)n_cores * SC_QUEUE_COUNT, sizeof *p->queues);
    if (!p || !p->queues) {
        free(p);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory creating a program");
    }
    p->n_cores = n_cores;
    *out = p;
    return SC_OK;
}

void sc_program_destroy(sc_program *p) {
    if (!p) return;
    for (int i = 0; i < p->n_cores * SC_QUEUE_COUNT; i++)
        free(p->queues[i].code);
    free(p->queues);
    free(p->bufs);
    free(p->descs);
    free(p->consts);
    free(p->buf_index.slots);
    free(p->desc_index.slots);
    free(p);
}

sc_status sc_program_set_name(sc_program *p, const char *name, sc_err *err) {
    if (name[0] && !valid_ident(name))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "program name '%.80s' is not an identifier",
                          name);
    sc_strlcpy(p->name, name, sizeof p->name);
    return SC_OK;
}

const char *sc_program_name(const sc_program *p) {
    return p->name;
}

int sc_program_cores(const sc_program *p) {
    return p->n_cores;
}

static int views_use_core_at_least(const sc_program *p, int n) {
    for (size_t d = 0; d < p->n_descs; d++)
        for (int v = 0; v < SC_ISA_VIEWS; v++) {
            const sc_view *w = &p->descs[d].views[v];
            if (w->space == SC_SPACE_SPAD && w->core != SC_ISA_SELF && w->core >= n) return 1;
        }
    return 0;
}

sc_status sc_program_set_cores(sc_program *p, int n_cores, sc_err *err) {
    if (n_cores < 1 || n_cores > SC_ISA_MAX_CORES)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "core count %d out of range [1, %d]", n_cores,
                          SC_ISA_MAX_CORES);
    for (int i = n_cores * SC_QUEUE_COUNT; i < p->n_cores * SC_QUEUE_COUNT; i++)
        if (p->queues[i].n)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "core %d has code; cannot drop it",
                              i / SC_QUEUE_COUNT);
    if (views_use_core_at_least(p, n_cores))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "a descriptor names a core >= %d", n_cores);
    sc_stream *q = calloc((size_t)n_cores * SC_QUEUE_COUNT, sizeof *q);
    if (!q) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    int keep = SC_MIN(n_cores, p->n_cores) * SC_QUEUE_COUNT;
    for (int i = 0; i < keep; i++)
        q[i] = p->queues[i];
    for (int i = keep; i < p->n_cores * SC_QUEUE_COUNT; i++)
        free(p->queues[i].code);
    free(p->queues);
    p->queues = q;
    p->n_cores = n_cores;
    return SC_OK;
}

static sc_stream *stream(const sc_program *p, int core, sc_queue q) {
    if (core < 0 || core >= p->n_cores || (unsigned)q >= SC_QUEUE_COUNT) return NULL;
    return &p->queues[core * SC_QUEUE_COUNT + (int)q];
}

static sc_status check_queue(const sc_insn *in, sc_queue q, sc_err *err) {
    sc_status st = sc_isa_check(in, err);
    if (st != SC_OK) return st;
    const sc_opinfo *info = sc_isa_info(in->op);
    if (!(sc_isa_class_queues(info->cls) & (1u << q)))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "%s (%s) is not allowed in the %s queue",
                          info->mnemonic, sc_isa_class_name(info->cls), sc_isa_queue_name(q));
    return SC_OK;
}

sc_status sc_program_add_insn(sc_program *p, int core, sc_queue q, const sc_insn *in,
                              uint32_t *index, sc_err *err) {
    sc_stream *s = stream(p, core, q);
    if (!s) return sc_err_set(err, SC_ERR_INVALID_ARG, "no core %d / queue %d", core, (int)q);
    sc_status st = check_queue(in, q, err);
    if (st != SC_OK) return st;
    if (s->n >= SC_ISA_MAX_QUEUE_INSNS)
        return sc_err_set(err, SC_ERR_LIMIT, "core %d %s queue exceeds %u instructions", core,
                          sc_isa_queue_name(q), SC_ISA_MAX_QUEUE_INSNS);
    if (grow((void **)&s->code, &s->cap, s->n, sizeof *s->code))
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory adding an instruction");
    if (index) *index = (uint32_t)s->n;
    s->code[s->n++] = *in;
    return SC_OK;
}

sc_status sc_program_add_op(sc_program *p, int core, sc_queue q, sc_opcode op, const int64_t *v,
                            int n, sc_err *err) {
    sc_stream *s = stream(p, core, q);
    if (!s) return sc_err_set(err, SC_ERR_INVALID_ARG, "no core %d / queue %d", core, (int)q);
    if (s->n >= SC_ISA_MAX_QUEUE_INSNS)
        return sc_err_set(err, SC_ERR_LIMIT, "core %d %s queue exceeds %u instructions", core,
                          sc_isa_queue_name(q), SC_ISA_MAX_QUEUE_INSNS);
    if (grow((void **)&s->code, &s->cap, s->n, sizeof *s->code))
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory adding an instruction");
    /* Written word by word into the slot past the end; it joins the stream once checked. */
    sc_insn *in = &s->code[s->n];
    uint64_t head = (uint16_t)op;
    memcpy(in, &head, sizeof head);
    for (int i = 0; i < SC_ISA_MAX_OPERANDS; i++)
        in->v[i] = i < n ? v[i] : 0;
    sc_status st = check_queue(in, q, err);
    if (st == SC_OK) s->n++;
    return st;
}

sc_status sc_program_set_insn(sc_program *p, int core, sc_queue q, uint32_t index,
                              const sc_insn *in, sc_err *err) {
    sc_stream *s = stream(p, core, q);
    if (!s || index >= s->n)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "no instruction %u in core %d queue %d", index,
                          core, (int)q);
    sc_status st = check_queue(in, q, err);
    if (st == SC_OK) s->code[index] = *in;
    return st;
}

const sc_insn *sc_program_code(const sc_program *p, int core, sc_queue q, size_t *n) {
    sc_stream *s = stream(p, core, q);
    *n = s ? s->n : 0;
    return s ? s->code : NULL;
}

size_t sc_program_n_buffers(const sc_program *p) {
    return p->n_bufs;
}

size_t sc_program_n_descs(const sc_program *p) {
    return p->n_descs;
}

const sc_buffer *sc_program_buffer(const sc_program *p, size_t i) {
    return i < p->n_bufs ? &p->bufs[i] : NULL;
}

const sc_desc *sc_program_desc(const sc_program *p, size_t i) {
    return i < p->n_descs ? &p->descs[i] : NULL;
}

int sc_program_find_buffer(const sc_program *p, const char *name) {
    return index_find(&p->buf_index, p->bufs, sizeof *p->bufs, name);
}

int sc_program_find_desc(const sc_program *p, const char *name) {
    return index_find(&p->desc_index, p->descs, sizeof *p->descs, name);
}

/* Packed bytes of a buffer's elements (int4: two per byte, rounded up). */
static int buffer_packed_size(const sc_buffer *b, uint64_t *out) {
    uint64_t n = 1;
    for (int i = 0; i < SC_ISA_MAX_DIMS; i++)
        if (sc_mul_u64(n, b->dims[i], &n)) return -1;
    uint64_t bits;
    if (sc_mul_u64(n, (uint64_t)sc_isa_dtype_bits((sc_dtype)b->dtype), &bits)) return -1;
    *out = bits / 8 + (bits % 8 != 0);
    return 0;
}

static sc_status check_buffer(const sc_program *p, const sc_buffer *b, sc_err *err) {
    if (!valid_ident(b->name))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer name '%.80s' is not an identifier",
                          b->name);
    if (sc_program_find_buffer(p, b->name) >= 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer '%s' defined twice", b->name);
    if (b->space < SC_SPACE_HBM || b->space >= SC_SPACE_COUNT)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer '%s': bad memory space %u", b->name,
                          b->space);
    if (b->dtype >= SC_DTYPE_COUNT)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer '%s': bad dtype %u", b->name, b->dtype);
    if (b->rank < 1 || b->rank > SC_ISA_MAX_DIMS)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer '%s': rank %u not in [1, %d]", b->name,
                          b->rank, SC_ISA_MAX_DIMS);
    for (int i = 0; i < SC_ISA_MAX_DIMS; i++)
        if (b->dims[i] < 1 || (i >= b->rank && b->dims[i] != 1))
            return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer '%s': bad extent %llu in dim %d",
                              b->name, (unsigned long long)b->dims[i], i);
    uint64_t packed;
    if (buffer_packed_size(b, &packed))
        return sc_err_set(err, SC_ERR_LIMIT, "buffer '%s': size overflows", b->name);
    if (b->size < packed)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "buffer '%s': size %llu < %llu bytes of data",
                          b->name, (unsigned long long)b->size, (unsigned long long)packed);
    if (b->offset > UINT64_MAX - b->size)
        return sc_err_set(err, SC_ERR_LIMIT, "buffer '%s': offset + size overflows", b->name);
    return SC_OK;
}

sc_status sc_program_add_buffer(sc_program *p, const sc_buffer *b, uint32_t *id, sc_err *err) {
    if (p->n_bufs >= SC_ISA_MAX_BUFFERS)
        return sc_err_set(err, SC_ERR_LIMIT, "more than %u buffers", SC_ISA_MAX_BUFFERS);
    sc_status st = check_buffer(p, b, err);
    if (st != SC_OK) return st;
    if (grow((void **)&p->bufs, &p->cap_bufs, p->n_bufs, sizeof *p->bufs) ||
        index_reserve(&p->buf_index, p->bufs, sizeof *p->bufs, p->n_bufs))
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory adding a buffer");
    if (id) *id = (uint32_t)p->n_bufs;
    p->bufs[p->n_bufs] = *b;
    index_put(p->buf_index.slots, p->buf_index.cap, b->name, (uint32_t)p->n_bufs++);
    return SC_OK;
}

static int view_is_zero(const sc_view *v) {
    static const sc_view zero;
    return v->space == 0 && v->dtype == 0 && v->core == 0 && v->buffer == 0 && v->offset == 0 &&
           memcmp(v->strides, zero.strides, sizeof zero.strides) == 0;
}

/* Rules shared by DMA and VEC views; `dst` views may not broadcast (stride 0 on extent > 1). */
static sc_status check_view(const sc_program *p, const sc_desc *d, int i, int dst, sc_err *err) {
    const sc_view *v = &d->views[i];
    if (v->space <= SC_SPACE_NONE || v->space >= SC_SPACE_COUNT)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s' view %d: bad space %u", d->name, i,
                          v->space);
    if (v->dtype >= SC_DTYPE_COUNT || v->dtype == SC_DTYPE_INT4)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s' view %d: dtype %u not addressable",
                          d->name, i, v->dtype);
    if (v->core != SC_ISA_SELF && (v->space != SC_SPACE_SPAD || v->core >= p->n_cores))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s' view %d: bad core %u", d->name, i,
                          v->core);
    if (v->buffer != SC_ISA_NO_BUFFER &&
        (v->buffer >= p->n_bufs || p->bufs[v->buffer].space != v->space))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "desc '%s' view %d: buffer %u missing or in another space", d->name, i,
                          v->buffer);
    if (dst && v->space == SC_SPACE_CONST)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s': const space is read only", d->name);
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
        if (dst && v->strides[k] == 0 && d->dims[k] > 1)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "desc '%s': destination stride 0 on dim %d of extent %u", d->name, k,
                              d->dims[k]);
    return SC_OK;
}

static sc_status check_desc(const sc_program *p, const sc_desc *d, sc_err *err) {
    if (!valid_ident(d->name))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc name '%.80s' is not an identifier",
                          d->name);
    if (sc_program_find_desc(p, d->name) >= 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s' defined twice", d->name);
    if (d->kind != SC_DESC_DMA && d->kind != SC_DESC_VEC)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s': bad kind %u", d->name, d->kind);
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
        if (d->dims[k] < 1)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s': dim %d is 0", d->name, k);
    for (int i = 0; i < SC_ISA_VIEWS; i++) {
        const sc_view *v = &d->views[i];
        int required = i == 0 || (d->kind == SC_DESC_DMA && i == 1);
        int allowed = d->kind == SC_DESC_VEC || i < 2;
        if (v->space == SC_SPACE_NONE && !required) {
            if (!view_is_zero(v))
                return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s' view %d: unused but not zero",
                                  d->name, i);
            continue;
        }
        if (!allowed)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "desc '%s': dma uses views 0-1 only",
                              d->name);
        sc_status st = check_view(p, d, i, i == 0, err);
        if (st != SC_OK) return st;
        if (d->kind == SC_DESC_VEC && (v->space != SC_SPACE_SPAD || v->core != SC_ISA_SELF))
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "desc '%s' view %d: vec views must be in the own scratchpad", d->name,
                              i);
    }
    return SC_OK;
}

sc_status sc_program_add_desc(sc_program *p, const sc_desc *d, uint32_t *id, sc_err *err) {
    if (p->n_descs >= SC_ISA_MAX_DESCS)
        return sc_err_set(err, SC_ERR_LIMIT, "more than %u descriptors", SC_ISA_MAX_DESCS);
    sc_desc copy = *d;
    if (!copy.name[0]) snprintf(copy.name, sizeof copy.name, "d%zu", p->n_descs);
    sc_status st = check_desc(p, &copy, err);
    if (st != SC_OK) return st;
    if (grow((void **)&p->descs, &p->cap_descs, p->n_descs, sizeof *p->descs) ||
        index_reserve(&p->desc_index, p->descs, sizeof *p->descs, p->n_descs))
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory adding a descriptor");
    if (id) *id = (uint32_t)p->n_descs;
    p->descs[p->n_descs] = copy;
    index_put(p->desc_index.slots, p->desc_index.cap, copy.name, (uint32_t)p->n_descs++);
    return SC_OK;
}

sc_status sc_program_add_const(sc_program *p, const void *data, size_t n, size_t align,
                               uint64_t *offset, sc_err *err) {
    if (align == 0 || align > 4096 || (align & (align - 1)))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "alignment %zu is not a power of two <= 4096",
                          align);
    size_t start = (p->n_consts + align - 1) & ~(align - 1), end;
    if (sc_add_size(start, n, &end) || end > SC_ISA_MAX_CONSTS)
        return sc_err_set(err, SC_ERR_LIMIT, "constants exceed %u bytes", SC_ISA_MAX_CONSTS);
    if (end > p->cap_consts) {
        size_t cap = p->cap_consts ? p->cap_consts : 256;
        while (cap < end)
            cap *= 2;
        uint8_t *q = realloc(p->consts, cap);
        if (!q) return sc_err_set(err, SC_ERR_NOMEM, "out of memory adding constants");
        p->consts = q;
        p->cap_consts = cap;
    }
    /* consts is still NULL when nothing has been added (pointer arithmetic on NULL is UB). */
    if (start > p->n_consts) memset(p->consts + p->n_consts, 0, start - p->n_consts);
    if (n) memcpy(p->consts + start, data, n);
    p->n_consts = end;
    if (offset) *offset = start;
    return SC_OK;
}

const uint8_t *sc_program_consts(const sc_program *p, size_t *n) {
    *n = p->n_consts;
    return p->consts;
}

/* Views a vector layout reads or writes: bit i = view i. */
static unsigned vec_views_needed(sc_layout l) {
    switch (l) {
    case SC_LAYOUT_VB:
        return 0x7;
    case SC_LAYOUT_VT:
        return 0xF;
    case SC_LAYOUT_VIOTA:
        return 0x1;
    default:
        return 0x3;
    }
}

static sc_status check_desc_use(const sc_program *p, const sc_insn *in, sc_err *err) {
    const sc_opinfo *info = sc_isa_info(in->op);
    uint64_t id = (uint64_t)in->v[0];
    if (id >= p->n_descs)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: descriptor %llu does not exist",
                          info->mnemonic, (unsigned long long)id);
    const sc_desc *d = &p->descs[id];
    int want = info->cls == SC_CLASS_DMA ? SC_DESC_DMA : SC_DESC_VEC;
    if (d->kind != want)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: descriptor '%s' is not a %s descriptor",
                          info->mnemonic, d->name, want == SC_DESC_DMA ? "dma" : "vec");
    if (want == SC_DESC_DMA) return SC_OK;
    unsigned need = vec_views_needed(info->layout);
    for (int i = 0; i < SC_ISA_VIEWS; i++)
        if ((need >> i & 1) && d->views[i].space == SC_SPACE_NONE)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: descriptor '%s' lacks view %d",
                              info->mnemonic, d->name, i);
    if (in->op == SC_OP_VCOPY && d->views[0].dtype != d->views[1].dtype)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "vcopy: descriptor '%s' changes dtype", d->name);
    for (int i = 0; i < SC_ISA_VIEWS; i++) /* dtypes are static: refuse before running */
        if ((need >> i & 1) && d->views[i].dtype == SC_DTYPE_FP64 &&
            !sc_isa_vfunc_fp64(info->vfunc))
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "%s: descriptor '%s' view %d is fp64, but the function has no fp64 "
                              "datapath",
                              info->mnemonic, d->name, i);
    return SC_OK;
}

/* What validation checks per opcode, looked up once per validation rather than per instruction
 * (a GEMM program has ~10^5 instructions and is validated when built and when run). */
typedef struct op_checks {
    uint16_t labels; /* bit k: operand k is a branch target */
    uint8_t desc;    /* uses a descriptor (DMA or VEC class) */
} op_checks;

static void op_checks_init(op_checks t[SC_OP_COUNT]) {
    for (unsigned op = 0; op < SC_OP_COUNT; op++) {
        const sc_opinfo *info = sc_isa_info(op);
        const sc_layout_def *l = sc_isa_layout(info->layout);
        t[op].labels = 0;
        for (int k = 0; k < sc_isa_n_operands(op); k++)
            if (l->ops[k].kind == SC_OPK_LABEL) t[op].labels |= (uint16_t)(1u << k);
        t[op].desc = info->cls == SC_CLASS_DMA || info->cls == SC_CLASS_VEC;
    }
}

static sc_status check_insn(const sc_program *p, const sc_stream *s, const sc_insn *in,
                            const op_checks *oc, sc_err *err) {
    for (unsigned m = oc->labels, k = 0; m; m >>= 1, k++)
        if ((m & 1) && (uint64_t)in->v[k] > s->n)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: target %lld past the end (%zu)",
                              sc_isa_info(in->op)->mnemonic, (long long)in->v[k], s->n);
    return oc->desc ? check_desc_use(p, in, err) : SC_OK;
}

static sc_status check_stream(const sc_program *p, int core, int q, const op_checks *t,
                              sc_err *err) {
    const sc_stream *s = &p->queues[core * SC_QUEUE_COUNT + q];
    for (size_t i = 0; i < s->n; i++) {
        const sc_insn *in = &s->code[i];
        sc_status st = in->op < SC_OP_COUNT
                           ? check_insn(p, s, in, &t[in->op], err)
                           : sc_err_set(err, SC_ERR_INVALID_ARG, "invalid opcode %u", in->op);
        if (st != SC_OK) {
            char msg[sizeof err->msg];
            sc_strlcpy(msg, err ? err->msg : "", sizeof msg);
            if (err) err->status = SC_OK;
            return sc_err_set(err, st, "core %d %s queue, instruction %zu: %s", core,
                              sc_isa_queue_name((sc_queue)q), i, msg);
        }
    }
    return SC_OK;
}

sc_status sc_program_validate(const sc_program *p, sc_err *err) {
    for (size_t b = 0; b < p->n_bufs; b++) {
        const sc_buffer *buf = &p->bufs[b];
        if (buf->space == SC_SPACE_CONST && buf->offset + buf->size > p->n_consts)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "buffer '%s' lies past the constants (%zu B)", buf->name,
                              p->n_consts);
    }
    op_checks t[SC_OP_COUNT];
    op_checks_init(t);
    for (int c = 0; c < p->n_cores; c++)
        for (int q = 0; q < SC_QUEUE_COUNT; q++) {
            sc_status st = check_stream(p, c, q, t, err);
            if (st != SC_OK) return st;
        }
    return SC_OK;
}
