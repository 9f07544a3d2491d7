// SPDX-License-Identifier: Apache-2.0
// Shared state of the code generator and the lower_*.c files: emit helpers, tile pipeline.
#ifndef SC_COMPILER_CODEGEN_INTERNAL_H
#define SC_COMPILER_CODEGEN_INTERNAL_H

#include "compiler/codegen.h"
#include "compiler/ir_util.h"

/* Location of a value on the device. */
typedef struct cg_loc {
    sc_space space; /* HBM or CONST */
    uint64_t off;
    sc_dtype dt;
} cg_loc;

typedef struct cg {
    const sc_chip *chip;
    sc_ir_graph *g;
    sc_program *p;
    sc_err *err;
    sc_codegen_params prm;
    int cores;
    uint64_t spad;    /* usable scratchpad bytes per core */
    int sa;           /* systolic array size (max MMA M and N) */
    cg_loc *loc;      /* per value */
    uint64_t hbm_top; /* HBM bytes planned */
    int tile_rr;      /* round-robin core for the next tile */
    int pin_core;     /* >= 0: cg_next_core always answers this (ordered DMA chains) */
    uint32_t *dcache_keys;
    size_t dcache_n, dcache_cap;
    uint64_t q_off, q_cap; /* int8: scratch HBM of quantised activations (lower_quant.c) */
    const sc_ir_node *cur; /* the node being lowered (its int8 quantisation attributes) */
    uint64_t *len_off;     /* per value: HBM offset of its run-time length word (dyn values) */
} cg;

/* Scratch registers of generated code. */
enum { R_D = 9, R_A = 10, R_B = 11, R_C = 12, R_T0 = 13, R_T1 = 14, R_T2 = 15, R_T3 = 16 };
/* Pipeline semaphores (see cg_pipeline). */
enum { SEM_READY = 0, SEM_FREE = 1, SEM_CDONE = 2, SEM_CFREE = 3 };

/* A strided operand of up to 4 dims (innermost first), base absolute in its space. */
typedef struct cg_view {
    sc_space space;
    sc_dtype dt;
    uint64_t base;
    int32_t st[4];
    int core; /* spad only: -1 = self */
} cg_view;

sc_status cg_emit(cg *c, int core, sc_queue q, const sc_insn *in);
sc_status cg_li(cg *c, int core, sc_queue q, int reg, int64_t v);
sc_status cg_sem(cg *c, int core, sc_queue q, int op, int sem, int n);
/* DMA copying dims[4] elements from src to dst (bases go through registers). */
/* Registers (or reuses, descriptors are deduplicated) the DMA descriptor copying dims from src
 * to dst, for code that issues the DMA itself with run-time addresses in registers. */
sc_status cg_dma_desc(cg *c, const uint32_t dims[4], const cg_view *dst, const cg_view *src,
                      uint32_t *id);
sc_status cg_dma(cg *c, int core, sc_queue q, const uint32_t dims[4], const cg_view *dst,
                 const cg_view *src);
/* Vector op: op is an sc_opcode; views in the own scratchpad; imm for .f forms; raxis for
 * reductions. NULL views are unused. */
sc_status cg_vec(cg *c, int core, int op, const uint32_t dims[4], const cg_view *d,
                 const cg_view *a, const cg_view *b, const cg_view *cc, float imm, int raxis);
/* Dense spad view of dtype dt at byte address addr with row-major strides over dims. */
cg_view cg_spad(sc_dtype dt, uint64_t addr, const uint32_t dims[4]);
cg_view cg_spad1(sc_dtype dt, uint64_t addr);
/* View of value v (whole tensor) with element strides given. */
cg_view cg_val_view(cg *c, int v, uint64_t elem_off, const int32_t st[4]);

/* A pipeline slot made of consecutive scratchpad regions, laid out from one table of sizes:
 * region r of slot s is at s * bytes + off[r] (the slots follow each other from address 0). */
#define CG_SLOT_MAX 16
typedef struct cg_slot {
    uint64_t off[CG_SLOT_MAX], bytes;
} cg_slot;
/* Places n regions of the given sizes (64-byte multiples) in order; returns the slot size. */
static inline uint64_t cg_slot_layout(cg_slot *l, const uint64_t *sizes, int n) {
    uint64_t a = 0;
    for (int r = 0; r < n && r < CG_SLOT_MAX; r++) {
        l->off[r] = a;
        a += sizes[r];
    }
    return l->bytes = a;
}
static inline uint64_t cg_slot_at(const cg_slot *l, int slot, int region) {
    return (uint64_t)slot * l->bytes + l->off[region];
}

/* Tile pipeline: n_tiles tiles spread round-robin over cores; load/compute/store callbacks
 * emit the instructions of tile t into slot (t/cores)%2 of its core; double buffered through
 * semaphores; ends balanced (every semaphore back to 0). */
typedef struct cg_tiler {
    sc_status (*load)(cg *c, void *ctx, int core, uint64_t t, int slot);
    sc_status (*compute)(cg *c, void *ctx, int core, uint64_t t, int slot);
    sc_status (*store)(cg *c, void *ctx, int core, uint64_t t, int slot);
} cg_tiler;
sc_status cg_pipeline(cg *c, uint64_t n_tiles, const cg_tiler *tl, void *ctx);
/* As cg_pipeline for tilers whose store reads the slot the load wrote (results computed in
 * place): the slot is free for the next load only after the store, not after compute. */
sc_status cg_pipeline_inplace(cg *c, uint64_t n_tiles, const cg_tiler *tl, void *ctx);
/* Spreads independent DMA jobs (no compute) round-robin over cores' load queues. */
int cg_next_core(cg *c);
/* Ends an op: every queue of every core meets at barrier 0. */
sc_status cg_op_end(cg *c);

/* Element strides of value v broadcast to an output shape (0 on broadcast dims). */
void cg_bcast_strides(const sc_ir_value *v, int orank, const int64_t *odims, int64_t *st);
/* A general strided copy of rank <= 8 (innermost last, as ONNX) split into 4-D DMAs. */
sc_status cg_copy_nd(cg *c, int rank, const int64_t *dims, sc_space dsp, sc_dtype ddt,
                     uint64_t dbase, const int64_t *dst_st, sc_space ssp, sc_dtype sdt,
                     uint64_t sbase, const int64_t *src_st);

/* Lowerings (lower_*.c): each returns SC_ERR_UNSUPPORTED for op variants it cannot map. */
sc_status lower_elementwise(cg *c, sc_ir_node *n);
sc_status lower_data(cg *c, sc_ir_node *n);
sc_status lower_matmul(cg *c, sc_ir_node *n);
sc_status lower_reduce(cg *c, sc_ir_node *n);
sc_status lower_conv(cg *c, sc_ir_node *n);
sc_status lower_pool(cg *c, sc_ir_node *n);
sc_status lower_trilu(cg *c, sc_ir_node *n);
sc_status lower_attention(cg *c, sc_ir_node *n); /* FusedAttention (pass fuse-attention) */
sc_status lower_cumsum(cg *c, sc_ir_node *n);
/* ScatterElements/Scatter/ScatterND/GatherND: indices read by the scalar unit, one DMA each. */
sc_status lower_scatter(cg *c, sc_ir_node *n);
int lower_is_scatter(const char *op);
/* Ops with data-dependent output shapes (lower_dynshape.c, lower_unique.c, lower_nms.c): values
 * sized by a static bound plus a length word written by the program. */
int lower_is_dynshape(const char *op);
sc_status lower_dynshape(cg *c, sc_ir_node *n);
sc_status cg_dyn_plan(cg *c);                       /* length words of dyn values */
sc_status cg_dyn_check(cg *c, const sc_ir_node *n); /* refuses a dyn value read by n */
int lower_is_elementwise(const char *op);
int lower_is_data(const char *op);
int lower_is_reduce(const char *op);

/* Applies a fused activation ("_act" attribute of n) in place on n_elems fp32 values at spad
 * address addr (tmp: scratch of the same size). No-op without "_act". */
sc_status cg_apply_act(cg *c, int core, const sc_ir_node *n, uint64_t addr, uint64_t tmp,
                       uint32_t n_elems);
/* MMA operand type for the chosen precision. */
sc_dtype cg_mma_dtype(const cg *c);

/* int8 post-training quantisation (lower_quant.c). The activation scale of node n ("_qscale"
 * from calibration) when it runs on the int8 MMA, else 0 (it stays at the bf16 MMA). */
float cg_int8_scale(const cg *c, const sc_ir_node *n);
/* Weight w viewed as [chans x k] (trans: stored [k x chans]) -> int8 [chans x k] symmetric per
 * channel in the constants blob (*q_off) and fp32 dequantisation scales act_scale * w_scale[ch]
 * (*s_off). */
sc_status cg_int8_weights(cg *c, int w, int64_t chans, int64_t k, int trans, float act_scale,
                          uint64_t *q_off, uint64_t *s_off);
/* What an int8 conversion phase stores for an fp32 x (saturated by the int8 store): MUL x * s,
 * DIV x / s (QuantizeLinear's division, rounded by the store), SUB x - sub (an 8-bit integer
 * offset into int8), QUANT rne(x / s) + z - sub (QuantizeLinear with zero point z, offset). */
enum { CG_I8_MUL, CG_I8_DIV, CG_I8_SUB, CG_I8_QUANT };
typedef struct cg_i8conv {
    int mode;
    float s, z, sub;
} cg_i8conv;
/* A phase (ended by a barrier) writing the int8 conversion k of value v to HBM at dst. */
sc_status cg_int8_convert(cg *c, int v, const cg_i8conv *k, uint64_t dst);
/* A phase (ended by a barrier) writing int8 x/scale of value v to scratch HBM at *off. */
sc_status cg_int8_quant_act(cg *c, int v, float scale, uint64_t *off);
/* Scratch HBM (bytes) for int8 copies of an op's operands, shared by all ops (lower_quant.c). */
uint64_t cg_int8_scratch(cg *c, uint64_t bytes);
/* Batch axes of a MatMul y = a @ b (numpy broadcasting, lower_matmul.c): the output's batch
 * dims and their product, and each operand's element stride per batch axis (0 where it is
 * broadcast). cg_mm_batch_init: from the values of a MatMul of M x K by K x N matrices. */
typedef struct cg_mm_batch {
    int n;
    int64_t count, dims[SC_IR_MAX_RANK], ast[SC_IR_MAX_RANK], bst[SC_IR_MAX_RANK];
} cg_mm_batch;
void cg_mm_batch_init(cg_mm_batch *bt, const sc_ir_value *a, const sc_ir_value *b,
                      const sc_ir_value *y, int64_t M, int64_t K, int64_t N);
/* Element offsets of batch bi in A and B. */
void cg_mm_batch_off(const cg_mm_batch *bt, int64_t bi, int64_t *ao, int64_t *bo);
/* MatMulInteger / QLinearMatMul / QuantMatMul on the int8 MMA (lower_qmatmul.c). */
int lower_is_qmatmul(const char *op);
sc_status lower_qmatmul(cg *c, sc_ir_node *n);
/* In place: the int32 tile [outer x inner] at caddr becomes fp32 times the scales at saddr (one
 * per row when per_row, else one per column). */
sc_status cg_int8_dequant(cg *c, int core, uint64_t caddr, uint64_t saddr, uint32_t inner,
                          uint32_t outer, int per_row);

/* MMA type of a node marked "_exact" (integer arithmetic of a decomposed integer op): fp8
 * cannot hold 8-bit integers, so those use bf16 (exact for [-256, 256]); else dt. */
sc_dtype cg_exact_dtype(const sc_ir_node *n, sc_dtype dt);

/* Liveness-based HBM planner (memplan.c): fills c->loc for every computed value. */
sc_status cg_memplan(cg *c);

#endif
