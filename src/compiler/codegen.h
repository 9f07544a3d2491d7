// SPDX-License-Identifier: Apache-2.0
// Graph IR -> SeedChip program: memory planning, per-op lowering, the tile pipeline, I/O metadata.
#ifndef SC_COMPILER_CODEGEN_H
#define SC_COMPILER_CODEGEN_H

#include "chip/chip.h"
#include "compiler/ir.h"
#include "isa/isa.h"

typedef struct sc_codegen_params {
    sc_dtype precision; /* MMA operand type: fp32 (default), bf16, fp16, fp8, int8 (as bf16 MMA
                           with int8-rounded weights: see docs/COMPILER.md) */
    int cores;          /* 0 = every core of the chip */
} sc_codegen_params;

sc_codegen_params sc_codegen_default_params(void);

/* Where one graph input or output lives on the device. */
typedef struct sc_io_binding {
    char name[128];
    sc_tdtype dtype; /* host (ONNX) type */
    sc_dtype dev;    /* device element type in HBM */
    int rank;
    int64_t dims[SC_IR_MAX_RANK];
    uint64_t hbm_offset;
    int specialised;     /* inputs only: the program was compiled for this exact value */
    uint64_t spec_hash;  /* FNV-1a of the value's bytes, checked before each run */
    int dyn;             /* outputs: 0 static, else 1 + the axis whose extent dims[] bounds */
    uint64_t len_offset; /* dyn: HBM byte offset of the int32 run-time extent of that axis */
} sc_io_binding;

typedef struct sc_compiled {
    sc_program *prog; /* owned */
    int n_inputs, n_outputs;
    sc_io_binding *inputs, *outputs; /* owned */
    uint64_t hbm_bytes;              /* device HBM the program uses */
    int n_ops;                       /* lowered nodes */
} sc_compiled;

/* Compiles an optimised graph (after sc_ir_optimize). Caller owns *out (sc_compiled_destroy). */
sc_status sc_codegen(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *p,
                     sc_compiled **out, sc_err *err);
void sc_compiled_destroy(sc_compiled *c); /* accepts NULL */

/* I/O metadata lives in the program's constants blob (a const buffer named "io_meta"), so a
 * .scb file is self-describing; these rebuild the bindings of a parsed program. */
sc_status sc_compiled_from_program(sc_program *prog, sc_compiled **out, sc_err *err);

/* 1 when node n can run on the int8 MMA under --precision int8 (MatMul/Gemm/Conv with an fp32
 * activation and a constant fp32 weight); calibration sets "_qscale" on these nodes. */
int sc_int8_candidate(const sc_ir_graph *g, const sc_ir_node *n);

/* Device dtype used in HBM for a host type. */
sc_dtype sc_codegen_dev_dtype(sc_tdtype t);

#endif
