// SPDX-License-Identifier: Apache-2.0
// Expansion of ops into ops that have lowerings, run by shape inference once input shapes are
// known.
#ifndef SC_COMPILER_IR_EXPAND_H
#define SC_COMPILER_IR_EXPAND_H

#include "compiler/ir_util.h"

/* Emission cursor: new nodes go in front of the expanded node, which moves up behind them. */
typedef struct ir_ex {
    sc_ir_graph *g;
    int pos;
    sc_err *err;
} ir_ex;

/* Emits op(in...) -> out (a fresh value when out < 0); returns the output value or -1. */
int ir_ex_emit(ir_ex *x, const char *op, const int *in, int n_in, int out);
/* The node emitted last. */
sc_ir_node *ir_ex_last(ir_ex *x);
/* A new constant of dtype t and shape dims filled from vals (NULL: zeros); -1 on error. */
int ir_ex_const(ir_ex *x, sc_tdtype t, int rank, const int64_t *dims, const double *vals);
/* Scalar (rank 0) constant. */
int ir_ex_scalar(ir_ex *x, sc_tdtype t, double v);
/* 1-D int64 constant. */
int ir_ex_i64s(ir_ex *x, const int64_t *v, int n);
/* INTS attribute NAME = v[0..n) on the last emitted node; 0 or -1. */
int ir_ex_set_ints(ir_ex *x, const char *name, const int64_t *v, int n);
/* Reshape / Transpose / ReduceSum / Gather(axis, constant index) / Slice, opset independent.
 * Reshape, Transpose, binary and unary return -1 for an operand < 0 (a step before failed) and
 * emit nothing: the node would otherwise take -1 for an absent optional input. */
int ir_ex_reshape(ir_ex *x, int in, int rank, const int64_t *dims);
int ir_ex_transpose(ir_ex *x, int in, int rank, const int64_t *perm);
int ir_ex_reducesum(ir_ex *x, int in, const int64_t *axes, int n, int keepdims);
int ir_ex_slice(ir_ex *x, int in, int64_t axis, int64_t start, int64_t end);
int ir_ex_binary(ir_ex *x, const char *op, int a, int b);
int ir_ex_unary(ir_ex *x, const char *op, int a);

/* Called by shape inference for node i before its own inference: when the op is expanded,
 * *done = 1 (node i is then dead and the new nodes sit at i..). */
sc_status ir_expand_node(sc_ir_graph *g, int i, int *done, sc_err *err);
/* RNN, GRU, LSTM (pass_expand_rnn.c); *done as above. */
sc_status ir_expand_rnn(ir_ex *x, const sc_ir_node *n, int *done);
/* DFT, STFT, MelWeightMatrix, Det (pass_expand_signal.c). */
sc_status ir_expand_dft(ir_ex *x, const sc_ir_node *n, int *done);
sc_status ir_expand_stft(ir_ex *x, const sc_ir_node *n, int *done);
sc_status ir_expand_melweight(ir_ex *x, const sc_ir_node *n, int *done);
sc_status ir_expand_det(ir_ex *x, const sc_ir_node *n, int *done);
/* If, Loop, Scan with compile-time conditions/trip counts (pass_expand_control.c). */
sc_status ir_expand_if(ir_ex *x, const sc_ir_node *n, int *done);
sc_status ir_expand_loop(ir_ex *x, const sc_ir_node *n, int *done);
sc_status ir_expand_scan(ir_ex *x, const sc_ir_node *n, int *done);

/* Shape inference of the index ops lowered by lower_scatter.c. */
sc_status ir_shape_scatter(sc_ir_graph *g, sc_ir_node *n, sc_err *err);
sc_status ir_shape_gathernd(sc_ir_graph *g, sc_ir_node *n, sc_err *err);
/* Data-dependent output shapes: the bound shape, with the run-time axis marked in `dyn`. */
sc_status ir_shape_nonzero(sc_ir_graph *g, sc_ir_node *n, sc_err *err);
sc_status ir_shape_unique(sc_ir_graph *g, sc_ir_node *n, sc_err *err);
sc_status ir_shape_nms(sc_ir_graph *g, sc_ir_node *n, sc_err *err);

#endif
