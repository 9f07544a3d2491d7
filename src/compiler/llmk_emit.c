// SPDX-License-Identifier: Apache-2.0
// Instruction and descriptor helpers shared by the LLM timing-kernel generators.
#include <string.h>

#include "compiler/desc_pool.h"
#include "compiler/llmk_emit.h"

/* Registers the helpers clobber to pass bases (generators keep their own state above 16). */
enum { R_D = 10, R_A = 11, R_B = 12, R_C = 13 };

uint32_t llmk_op_at(llmk_gen *g, int core, sc_queue q, sc_opcode op, const int64_t *v, int n) {
    uint32_t at = 0;
    if (g->st != SC_OK) return 0;
    sc_insn in = sc_insn_make(op, v, n);
    g->st = sc_program_add_insn(g->p, core, q, &in, &at, g->err);
    return at;
}

void llmk_op(llmk_gen *g, int core, sc_queue q, sc_opcode op, const int64_t *v, int n) {
    (void)llmk_op_at(g, core, q, op, v, n);
}

void llmk_patch(llmk_gen *g, int core, sc_queue q, uint32_t at, sc_opcode op, const int64_t *v,
                int n) {
    if (g->st != SC_OK) return;
    sc_insn in = sc_insn_make(op, v, n);
    g->st = sc_program_set_insn(g->p, core, q, at, &in, g->err);
}

void llmk_li(llmk_gen *g, int core, sc_queue q, int reg, int64_t value) {
    int64_t v[] = {reg, value};
    llmk_op(g, core, q, SC_OP_LI, v, 2);
}

void llmk_sem(llmk_gen *g, int core, sc_queue q, sc_opcode op, int sem) {
    int64_t v[] = {sem, 1};
    llmk_op(g, core, q, op, v, 2);
}

sc_view llmk_view(sc_space space, sc_dtype t, int32_t s0, int32_t s1, int32_t s2) {
    sc_view v;
    memset(&v, 0, sizeof v);
    v.space = (uint8_t)space;
    v.dtype = (uint8_t)t;
    v.core = SC_ISA_SELF;
    v.buffer = SC_ISA_NO_BUFFER;
    v.strides[0] = s0;
    v.strides[1] = s1;
    v.strides[2] = s2;
    return v;
}

uint32_t llmk_desc(llmk_gen *g, sc_desc_kind kind, uint32_t d0, uint32_t d1, uint32_t d2,
                   const sc_view *v0, const sc_view *v1, const sc_view *v2) {
    if (g->st != SC_OK) return 0;
    uint32_t dims[4] = {d0, d1, d2, 1};
    const sc_view *v[4] = {v0, v1, v2, NULL};
    sc_desc d = sc_desc_make(kind, dims, v);
    /* Descriptors carry no base address, so a kernel needs only a handful; reuse identical ones. */
    uint32_t id = 0;
    g->st = sc_desc_intern(g->p, &d, &id, g->err);
    return id;
}

void llmk_dma(llmk_gen *g, int core, sc_queue q, uint32_t desc, int r_dst, uint64_t dst, int r_src,
              uint64_t src) {
    llmk_li(g, core, q, r_dst, (int64_t)dst);
    llmk_li(g, core, q, r_src, (int64_t)src);
    int64_t v[] = {desc, r_dst, r_src, 0, 0};
    llmk_op(g, core, q, SC_OP_DMA, v, 5);
}

void llmk_vec(llmk_gen *g, int core, sc_opcode op, uint32_t desc, int rd, uint64_t d, int ra,
              uint64_t a, int rb, uint64_t b) {
    sc_queue q = SC_QUEUE_COMPUTE;
    llmk_li(g, core, q, rd, (int64_t)d);
    llmk_li(g, core, q, ra, (int64_t)a);
    const sc_opinfo *info = sc_isa_info(op);
    if (info && info->layout == SC_LAYOUT_VB) {
        llmk_li(g, core, q, rb, (int64_t)b);
        int64_t v[] = {desc, rd, ra, rb, 0, 0};
        llmk_op(g, core, q, op, v, 6);
    } else {
        int64_t v[] = {desc, rd, ra, 0, 0};
        llmk_op(g, core, q, op, v, 5);
    }
}

void llmk_vecf(llmk_gen *g, int core, sc_opcode op, uint32_t desc, int rd, uint64_t d, int ra,
               uint64_t a, float imm) {
    sc_queue q = SC_QUEUE_COMPUTE;
    llmk_li(g, core, q, rd, (int64_t)d);
    llmk_li(g, core, q, ra, (int64_t)a);
    int64_t v[] = {desc, rd, ra, (int64_t)sc_isa_f32_bits(imm), 0, 0};
    llmk_op(g, core, q, op, v, 6);
}

void llmk_vred(llmk_gen *g, int core, sc_opcode op, uint32_t desc, int rd, uint64_t d, int ra,
               uint64_t a, int raxis) {
    sc_queue q = SC_QUEUE_COMPUTE;
    llmk_li(g, core, q, rd, (int64_t)d);
    llmk_li(g, core, q, ra, (int64_t)a);
    int64_t v[] = {desc, rd, ra, raxis, 0, 0};
    llmk_op(g, core, q, op, v, 6);
}

void llmk_mma(llmk_gen *g, int core, uint64_t c, uint64_t a, uint64_t b, int m, int n, int k,
              sc_dtype dta, sc_dtype dtc, unsigned flags) {
    sc_queue q = SC_QUEUE_COMPUTE;
    llmk_li(g, core, q, R_C, (int64_t)c);
    llmk_li(g, core, q, R_A, (int64_t)a);
    llmk_li(g, core, q, R_B, (int64_t)b);
    int64_t v[] = {R_C, R_A, R_B, m, n, k, dta, dta, dtc, flags};
    llmk_op(g, core, q, SC_OP_MMAI, v, 10);
}

uint64_t llmk_align(uint64_t x, uint64_t a) {
    return (x + a - 1) / a * a;
}
