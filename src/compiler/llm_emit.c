// SPDX-License-Identifier: Apache-2.0
// Emission helpers for the functional LLM decoder programs: instructions, descriptors, weight ring.
#include <string.h>

#include "compiler/desc_pool.h"
#include "compiler/llm_emit.h"

/* Semaphores of the weight ring (the decoder's own semaphores start at 2). */
enum { SEM_RING_READY = 0, SEM_RING_FREE = 1 };

uint32_t lle_op(lle *e, sc_queue q, sc_opcode op, const int64_t *v, int n) {
    if (e->st != SC_OK) return 0;
    sc_insn in = sc_insn_make(op, v, n);
    uint32_t at = 0;
    e->st = sc_program_add_insn(e->p, e->core, q, &in, &at, e->err);
    return at;
}

void lle_li(lle *e, sc_queue q, int reg, int64_t value) {
    int64_t v[] = {reg, value};
    lle_op(e, q, SC_OP_LI, v, 2);
}

void lle_sem(lle *e, sc_queue q, sc_opcode op, int sem) {
    int64_t v[] = {sem, 1};
    lle_op(e, q, op, v, 2);
}

sc_view lle_view(sc_space space, sc_dtype t, uint64_t offset, int32_t s0, int32_t s1, int32_t s2,
                 int32_t s3) {
    sc_view v;
    memset(&v, 0, sizeof v);
    v.space = (uint8_t)space;
    v.dtype = (uint8_t)t;
    v.core = SC_ISA_SELF;
    v.buffer = SC_ISA_NO_BUFFER;
    v.offset = offset;
    v.strides[0] = s0, v.strides[1] = s1, v.strides[2] = s2, v.strides[3] = s3;
    return v;
}

uint32_t lle_desc(lle *e, sc_desc_kind kind, const uint32_t d[4], const sc_view *v0,
                  const sc_view *v1, const sc_view *v2, const sc_view *v3) {
    if (e->st != SC_OK) return 0;
    const sc_view *v[4] = {v0, v1, v2, v3};
    sc_desc x = sc_desc_make(kind, d, v);
    uint32_t id = 0;
    e->st = sc_desc_intern(e->p, &x, &id, e->err);
    return id;
}

void lle_dma(lle *e, sc_queue q, uint32_t desc, int rdst, int rsrc, int rn, int axis) {
    int64_t v[] = {desc, rdst, rsrc, rn, axis};
    lle_op(e, q, SC_OP_DMA, v, 5);
}

void lle_vu(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, int rn, int axis) {
    int64_t v[] = {desc, rd, ra, rn, axis};
    lle_op(e, SC_QUEUE_COMPUTE, op, v, 5);
}

void lle_vb(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, int rb, int rn, int axis) {
    int64_t v[] = {desc, rd, ra, rb, rn, axis};
    lle_op(e, SC_QUEUE_COMPUTE, op, v, 6);
}

void lle_vf(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, float imm, int rn, int axis) {
    int64_t v[] = {desc, rd, ra, sc_isa_f32_bits(imm), rn, axis};
    lle_op(e, SC_QUEUE_COMPUTE, op, v, 6);
}

void lle_vred(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, int raxis, int rn, int axis) {
    int64_t v[] = {desc, rd, ra, raxis, rn, axis};
    lle_op(e, SC_QUEUE_COMPUTE, op, v, 6);
}

void lle_mma(lle *e, int rc, int ra, int rb, int rm, int rn, int rk, sc_dtype dta, sc_dtype dtb,
             unsigned flags) {
    int64_t v[] = {rc, ra, rb, rm, rn, rk, dta, dtb, SC_DTYPE_FP32, flags};
    lle_op(e, SC_QUEUE_COMPUTE, SC_OP_MMA, v, 10);
}

uint64_t lle_ring_load_begin(lle *e) {
    if (e->n_loaded >= 2) lle_sem(e, SC_QUEUE_LOAD, SC_OP_WAIT, SEM_RING_FREE);
    return e->slot[e->n_loaded & 1];
}

void lle_ring_load_end(lle *e) {
    lle_sem(e, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_RING_READY);
    e->n_loaded++;
}

uint64_t lle_ring_use_begin(lle *e) {
    lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_RING_READY);
    return e->slot[e->n_used & 1];
}

void lle_ring_use_end(lle *e) {
    lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_RING_FREE);
    e->n_used++;
}
