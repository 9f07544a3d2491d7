// SPDX-License-Identifier: Apache-2.0
// Emission helpers for the functional LLM decoder programs (sticky errors, descriptors, ring).
#ifndef SC_COMPILER_LLM_EMIT_H
#define SC_COMPILER_LLM_EMIT_H

#include "isa/isa.h"

/* Program under construction on one core. The first error sticks; later calls do nothing, so
 * builders emit straight-line code and check `st` once. */
typedef struct lle {
    sc_program *p;
    int core;
    sc_err *err;
    sc_status st;
    /* Two-slot weight ring between the load and compute queues (see llm_decoder.c). */
    uint64_t slot[2], slot_bytes;
    uint64_t n_loaded, n_used;
} lle;

/* Appends one instruction; returns its index (for loop targets). */
uint32_t lle_op(lle *e, sc_queue q, sc_opcode op, const int64_t *v, int n);
void lle_li(lle *e, sc_queue q, int reg, int64_t value);
void lle_sem(lle *e, sc_queue q, sc_opcode op, int sem);

/* A view at an absolute offset with strides (elements). */
sc_view lle_view(sc_space space, sc_dtype t, uint64_t offset, int32_t s0, int32_t s1, int32_t s2,
                 int32_t s3);
/* Adds (or reuses an identical) descriptor with dims d[4]; views may be NULL (unused). */
uint32_t lle_desc(lle *e, sc_desc_kind kind, const uint32_t d[4], const sc_view *v0,
                  const sc_view *v1, const sc_view *v2, const sc_view *v3);

/* Instruction forms; rn/axis override one dim with a register (0 = none). */
void lle_dma(lle *e, sc_queue q, uint32_t desc, int rdst, int rsrc, int rn, int axis);
void lle_vu(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, int rn, int axis);
void lle_vb(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, int rb, int rn, int axis);
void lle_vf(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, float imm, int rn, int axis);
void lle_vred(lle *e, sc_opcode op, uint32_t desc, int rd, int ra, int raxis, int rn, int axis);
void lle_mma(lle *e, int rc, int ra, int rb, int rm, int rn, int rk, sc_dtype dta, sc_dtype dtb,
             unsigned flags);

/* Ring: the load queue fills slot (n_loaded % 2) after the compute queue freed it; the compute
 * queue waits for it and frees it after use. Returns the slot's scratchpad offset. */
uint64_t lle_ring_load_begin(lle *e);
void lle_ring_load_end(lle *e);
uint64_t lle_ring_use_begin(lle *e);
void lle_ring_use_end(lle *e);

#endif
