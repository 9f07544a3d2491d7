// SPDX-License-Identifier: Apache-2.0
// Helpers shared by shape inference, host evaluation, passes and lowering: broadcasting, axes.
#ifndef SC_COMPILER_IR_UTIL_H
#define SC_COMPILER_IR_UTIL_H

#include "compiler/ir.h"

static inline sc_ir_value *ir_in(sc_ir_graph *g, const sc_ir_node *n, int i) {
    return i < n->n_in && n->in[i] >= 0 ? &g->vals[n->in[i]] : NULL;
}
static inline sc_ir_value *ir_out(sc_ir_graph *g, const sc_ir_node *n, int i) {
    return i < n->n_out && n->out[i] >= 0 ? &g->vals[n->out[i]] : NULL;
}

/* Numpy-style multidirectional broadcast of shapes a and b into out; -1 if incompatible. */
int ir_broadcast(int ra, const int64_t *a, int rb, const int64_t *b, int *rout, int64_t *out);
/* Normalises axis into [0, rank) (negative counts from the end); -1 when out of range. */
int ir_axis(int64_t axis, int rank);
/* An int list given either as attribute `attr` or as constant input `input` (opset dependent):
 * returns the count, -1 when neither is given, -2 when the input exists but is not constant. */
int ir_ints(sc_ir_graph *g, const sc_ir_node *n, const char *attr, int input, int64_t *out,
            int max);
/* Strides (in elements) of a row-major shape; innermost stride 1. */
void ir_strides(int rank, const int64_t *dims, int64_t *strides);
/* Copies shape/dtype from src into value dst. */
void ir_set_shape(sc_ir_value *dst, sc_tdtype t, int rank, const int64_t *dims);
/* Value of a constant scalar-like input (first element) as double, or def when absent. */
double ir_const_scalar(sc_ir_graph *g, const sc_ir_node *n, int input, double def);

/* Errors naming node n: ir_unsup for a valid form the chip does not run (SC_ERR_UNSUPPORTED),
 * ir_bad for a malformed node (SC_ERR_PARSE); both return the status set. */
sc_status ir_unsup(sc_err *err, const sc_ir_node *n, const char *why);
sc_status ir_bad(sc_err *err, const sc_ir_node *n, const char *why);
/* Status of a failed step: the error it set, else out of memory (the helpers that return -1
 * after a failed allocation set none). */
sc_status ir_fail(sc_err *err);

#endif
