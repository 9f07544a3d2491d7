// SPDX-License-Identifier: Apache-2.0
// ONNX models on the simulated chip: load + optimise + compile, then run with host tensors.
#ifndef SC_ONNX_RUNTIME_H
#define SC_ONNX_RUNTIME_H

#include "compiler/codegen.h"
#include "frontends/tensor_io.h"
#include "sim/sim.h"

typedef struct sc_onnx_compile_params {
    sc_codegen_params cg;
    const sc_tensor *inputs; /* optional: fix symbolic input shapes (graph input order) */
    int n_inputs;
    const char *dump_after; /* pass name or NULL */
    sc_strbuf *dump;        /* receives the IR after dump_after */
    /* --precision int8: calibration sets, n_calib x (graph inputs) tensors, set-major; none =
     * the inputs above are the one calibration set */
    const sc_tensor *calib;
    int n_calib;
    const char *skip_passes; /* comma-separated fusion passes to leave out, or NULL */
    int tile_search;         /* 1: choose MatMul/Gemm tiles by timing candidates */
    sc_strbuf *tile_log;     /* optional: one line per searched shape */
} sc_onnx_compile_params;

sc_onnx_compile_params sc_onnx_compile_default_params(void);

/* Loads, optimises and compiles MODEL.onnx. Caller owns *out (sc_compiled_destroy). */
sc_status sc_onnx_compile(const sc_chip *chip, const char *model_path,
                          const sc_onnx_compile_params *p, sc_compiled **out, sc_err *err);

/* As sc_onnx_compile on a graph already loaded (sc_onnx_load_file), so a caller that also needs
 * the input names parses the file once. Takes g: it is destroyed on every path. */
sc_status sc_onnx_compile_graph(const sc_chip *chip, sc_ir_graph *g,
                                const sc_onnx_compile_params *p, sc_compiled **out, sc_err *err);

/* Names of MODEL.onnx's graph inputs in order, read by the loader alone (no shape inference or
 * compile, so models with symbolic dimensions work). Caller frees with sc_onnx_names_free. */
sc_status sc_onnx_input_names(const char *model_path, char ***names, int *n, sc_err *err);
/* The same from a loaded graph (read only). */
sc_status sc_onnx_graph_input_names(const sc_ir_graph *g, char ***names, int *n, sc_err *err);
void sc_onnx_names_free(char **names, int n);

/* int8 calibration (onnx_calib.c): runs the optimised graph g in fp32 over n_sets input sets
 * (set-major, g->n_inputs tensors each) and sets "_qscale" = absmax / 127 of the activation on
 * every int8 candidate node (sc_int8_candidate). Candidates without sets are an error. */
sc_status sc_onnx_calibrate(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *cp,
                            const sc_tensor *sets, int n_sets, sc_err *err);

/* Tile search (onnx_tiles.c): for every MatMul/Gemm of the optimised graph g, candidate tile
 * shapes (array size, half, quarter per side) and tile orders are compiled on a one-node graph
 * and timed by the executor; the fastest is recorded on the node ("_tm", "_tn", "_m_fast").
 * Results are cached per shape. */
sc_status sc_onnx_tile_search(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *cp,
                              sc_strbuf *log, sc_err *err);

/* Runs a compiled model once on a fresh simulator. inputs follow c->inputs order; outputs
 * (c->n_outputs entries, caller frees each with sc_tensor_free) are filled in functional and
 * both modes. *sim_out (optional) receives the simulator for stats/trace (caller destroys). */
sc_status sc_onnx_execute(const sc_chip *chip, const sc_compiled *c, const sc_tensor *inputs,
                          const sc_sim_params *sp, sc_tensor *outputs, sc_sim **sim_out,
                          sc_err *err);

#endif
