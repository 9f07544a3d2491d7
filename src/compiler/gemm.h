// SPDX-License-Identifier: Apache-2.0
// Tiled multi-core GEMM kernel generator: C[M x N] = A[M x K] * B[K x N] as a SeedChip program.
#ifndef SC_COMPILER_GEMM_H
#define SC_COMPILER_GEMM_H

#include "chip/chip.h"
#include "isa/isa.h"

typedef struct sc_gemm_params {
    uint64_t m, n, k;
    sc_dtype in_dtype;   /* A and B in HBM: bf16, fp16, fp8 (E4M3), fp8_e5m2, int8 or fp32 */
    int cores;           /* 0 = every core of the chip */
    uint32_t tm, tn, tk; /* 0 = chosen by sc_gemm_choose_tiles */
    uint32_t splitk;     /* K slices computed on different cores and summed (0 or 1: none) */
    sc_dtype c_dtype;    /* C in HBM: fp32 (0, default) = the accumulator type; bf16 or fp16:
                            rounded by the store, as library GEMMs write their output type */
} sc_gemm_params;

sc_gemm_params sc_gemm_default_params(void);

/* Layout of the generated program's HBM buffers (A, B then C, each 4 KiB aligned). */
typedef struct sc_gemm_plan {
    uint64_t m, n, k;
    sc_dtype in_dtype, out_dtype; /* out (accumulator): fp32, or int32 for int8 inputs */
    sc_dtype c_dtype;             /* C in HBM: out_dtype, or the requested bf16/fp16 */
    uint32_t tm, tn, tk;          /* block tile per core step */
    int cores;
    uint64_t a_offset, b_offset, c_offset, hbm_bytes; /* device layout */
    uint64_t tiles, ksteps;
    double flops;             /* 2*M*N*K */
    double compulsory_bytes;  /* A + B read once, C written once */
    double planned_hbm_bytes; /* with the tiling's re-reads */
    uint64_t spad_bytes;      /* per core */
    uint32_t splitk;          /* K slices (1: none); > 1: fp32 partials in a workspace */
    uint64_t ws_offset;       /* split-K workspace: splitk planes of M x N fp32 after C */
    uint64_t kslice;          /* K per split-K slice (a multiple of tk; K without split-K) */
} sc_gemm_plan;

/* Picks tile sizes that fit the scratchpad with double-buffered A/B and minimise HBM traffic
 * per FLOP, rounded to the systolic array. */
sc_status sc_gemm_choose_tiles(const sc_chip *chip, sc_gemm_params *p, sc_err *err);
/* The same search with the memory side as a GPU's L2 sees it (chips with shared_sram.hbm_cache):
 * tile loads at the shared SRAM's bandwidth, less what cluster multicast shares
 * (shared_sram.multicast), HBM paying the operands about once. Favours tilings that fill the
 * cores (one wave of 128 x 256 tiles rather than a few large ones). Else as above. */
sc_status sc_gemm_choose_tiles_l2(const sc_chip *chip, sc_gemm_params *p, sc_err *err);

/* Generates the program. Caller owns *out (sc_program_destroy). plan may be NULL. With
 * splitk = S > 1 the work units are (K slice, tile) pairs, as cuBLAS's split-K kernels do when
 * the output has fewer tiles than the chip has cores: each unit writes its fp32 partial C to a
 * workspace plane, every core meets at barrier 0, then the cores sum the S planes row block by
 * row block (vredsum, ascending slice order) into C. */
sc_status sc_gemm_build(const sc_chip *chip, const sc_gemm_params *p, sc_program **out,
                        sc_gemm_plan *plan, sc_err *err);

#endif
