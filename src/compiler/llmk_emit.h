// SPDX-License-Identifier: Apache-2.0
// Instruction and descriptor helpers shared by the LLM timing-kernel generators (llmk_*.c).
#ifndef SC_COMPILER_LLMK_EMIT_H
#define SC_COMPILER_LLMK_EMIT_H

#include "isa/isa.h"

/* Emission context: the program being built and the first error (later calls become no-ops,
 * so generators can emit straight-line code and check the status once). */
typedef struct llmk_gen {
    sc_program *p;
    sc_err *err;
    sc_status st;
} llmk_gen;

void llmk_op(llmk_gen *g, int core, sc_queue q, sc_opcode op, const int64_t *v, int n);
void llmk_li(llmk_gen *g, int core, sc_queue q, int reg, int64_t value);
void llmk_sem(llmk_gen *g, int core, sc_queue q, sc_opcode op, int sem);
/* Appends an instruction and returns its index (to patch a forward branch later). */
uint32_t llmk_op_at(llmk_gen *g, int core, sc_queue q, sc_opcode op, const int64_t *v, int n);
void llmk_patch(llmk_gen *g, int core, sc_queue q, uint32_t at, sc_opcode op, const int64_t *v,
                int n);

/* A view with absolute offset 0 (instructions add their base registers) and the given strides. */
sc_view llmk_view(sc_space space, sc_dtype t, int32_t s0, int32_t s1, int32_t s2);
/* Adds (or reuses an identical) descriptor; returns its id (0 after an error). */
uint32_t llmk_desc(llmk_gen *g, sc_desc_kind kind, uint32_t d0, uint32_t d1, uint32_t d2,
                   const sc_view *v0, const sc_view *v1, const sc_view *v2);

/* dma desc with dst/src bases loaded into r_dst/r_src first. */
void llmk_dma(llmk_gen *g, int core, sc_queue q, uint32_t desc, int r_dst, uint64_t dst, int r_src,
              uint64_t src);
/* Vector instruction of layout VU/VB with bases in registers loaded first. */
void llmk_vec(llmk_gen *g, int core, sc_opcode op, uint32_t desc, int rd, uint64_t d, int ra,
              uint64_t a, int rb, uint64_t b);
void llmk_vecf(llmk_gen *g, int core, sc_opcode op, uint32_t desc, int rd, uint64_t d, int ra,
               uint64_t a, float imm);
void llmk_vred(llmk_gen *g, int core, sc_opcode op, uint32_t desc, int rd, uint64_t d, int ra,
               uint64_t a, int raxis);
/* mmai with C/A/B scratchpad addresses. */
void llmk_mma(llmk_gen *g, int core, uint64_t c, uint64_t a, uint64_t b, int m, int n, int k,
              sc_dtype dta, sc_dtype dtc, unsigned flags);

uint64_t llmk_align(uint64_t x, uint64_t a);

#endif
