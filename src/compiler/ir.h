// SPDX-License-Identifier: Apache-2.0
// The compiler's graph IR: values with dtypes and shapes, nodes with attributes, in one arena.
#ifndef SC_COMPILER_IR_H
#define SC_COMPILER_IR_H

#include <stdint.h>

#include "frontends/tensor_io.h"
#include "util/util.h"

#define SC_IR_MAX_RANK SC_TENSOR_MAX_RANK

typedef enum sc_ir_attr_type {
    SC_IR_ATTR_FLOAT,
    SC_IR_ATTR_INT,
    SC_IR_ATTR_STRING,
    SC_IR_ATTR_TENSOR,
    SC_IR_ATTR_FLOATS,
    SC_IR_ATTR_INTS,
    SC_IR_ATTR_STRINGS,
    SC_IR_ATTR_GRAPH, /* subgraphs (If/Loop/Scan): loaded into attr.sub, inlined by expansion */
    SC_IR_ATTR_OTHER
} sc_ir_attr_type;

typedef struct sc_ir_attr {
    const char *name;
    sc_ir_attr_type type;
    float f;
    int64_t i;
    const char *s;
    int n; /* FLOATS / INTS / STRINGS count */
    float *floats;
    int64_t *ints;
    sc_tensor *t;            /* owned by the graph */
    struct sc_ir_graph *sub; /* GRAPH: the subgraph (owned by the top graph's subs list) */
} sc_ir_attr;

/* A value (SSA edge). Shapes are static: the compiler specialises a model to the shapes of its
 * inputs (taken from the model or from the given input tensors). */
typedef struct sc_ir_value {
    const char *name;
    sc_tdtype dtype;
    int rank; /* -1 while unknown */
    int64_t dims[SC_IR_MAX_RANK];
    sc_tensor *konst; /* initializer or folded constant (owned by the graph); NULL if computed */
    int producer;     /* node index or -1 */
    int is_input, is_output;
    int dyn; /* 0: static; else 1 + the axis whose extent is set at run time (a length word the
                program writes; dims[] holds its upper bound): NonZero, Unique, NMS outputs */
} sc_ir_value;

typedef struct sc_ir_node {
    const char *op, *name, *domain;
    int n_in, n_out;
    int *in, *out; /* value ids; -1 = optional input not given */
    int n_attr, cap_attr;
    sc_ir_attr *attrs;
    int dead; /* removed by a pass (kept so indices stay stable) */
} sc_ir_node;

/* Caller owns (sc_ir_graph_destroy). */
typedef struct sc_ir_graph {
    sc_arena *arena;
    char name[128];
    int opset; /* default-domain opset version */
    sc_ir_value *vals;
    int n_vals, cap_vals;
    sc_ir_node *nodes;
    int n_nodes, cap_nodes;
    int *inputs, n_inputs, cap_inputs;
    int *outputs, n_outputs, cap_outputs;
    sc_tensor **owned; /* constants owned by the graph */
    int n_owned, cap_owned;
    struct sc_ir_graph **subs; /* subgraphs of If/Loop/Scan attributes, owned */
    int n_subs, cap_subs;
} sc_ir_graph;

sc_status sc_ir_graph_create(sc_ir_graph **out, sc_err *err);
void sc_ir_graph_destroy(sc_ir_graph *g); /* accepts NULL */

/* Finds a value by name (-1 if none). */
int sc_ir_find_value(const sc_ir_graph *g, const char *name);
/* Adds a value with a unique name (a fresh one is made when name is NULL or taken). */
int sc_ir_add_value(sc_ir_graph *g, const char *name, sc_err *err);
/* Makes value v a constant holding t (the graph takes t's data; t is zeroed). */
sc_status sc_ir_set_const(sc_ir_graph *g, int v, sc_tensor *t, sc_err *err);
/* Adds a node; returns its index or -1 (err set). in/out arrays are copied. */
int sc_ir_add_node(sc_ir_graph *g, const char *op, const char *name, const int *in, int n_in,
                   const int *out, int n_out, sc_err *err);
/* Inserts a node at position pos (later nodes shift up by one); returns pos or -1. */
int sc_ir_insert_node(sc_ir_graph *g, int pos, const char *op, const int *in, int n_in,
                      const int *out, int n_out, sc_err *err);
sc_status sc_ir_mark_input(sc_ir_graph *g, int v, sc_err *err);
/* g takes ownership of subgraph sub (destroyed with g, also on failure). */
sc_status sc_ir_own_sub(sc_ir_graph *g, sc_ir_graph *sub, sc_err *err);
sc_status sc_ir_mark_output(sc_ir_graph *g, int v, sc_err *err);

/* Attributes. */
const sc_ir_attr *sc_ir_attr_get(const sc_ir_node *n, const char *name);
int64_t sc_ir_attr_i(const sc_ir_node *n, const char *name, int64_t def);
float sc_ir_attr_f(const sc_ir_node *n, const char *name, float def);
const char *sc_ir_attr_s(const sc_ir_node *n, const char *name, const char *def);
/* Count of an INTS attribute (copied into out, up to max); -1 when absent. */
int sc_ir_attr_ints(const sc_ir_node *n, const char *name, int64_t *out, int max);
sc_ir_attr *sc_ir_attr_add(sc_ir_graph *g, sc_ir_node *n, const char *name, sc_ir_attr_type t,
                           sc_err *err);
sc_status sc_ir_attr_set_i(sc_ir_graph *g, sc_ir_node *n, const char *name, int64_t v, sc_err *err);
sc_status sc_ir_attr_set_f(sc_ir_graph *g, sc_ir_node *n, const char *name, float v, sc_err *err);
sc_status sc_ir_attr_set_s(sc_ir_graph *g, sc_ir_node *n, const char *name, const char *v,
                           sc_err *err);

/* Shapes. */
int64_t sc_ir_numel(const sc_ir_value *v);
int sc_ir_is_const(const sc_ir_graph *g, int v);
/* Number of live nodes reading value v (plus 1 when it is a graph output). */
int sc_ir_uses(const sc_ir_graph *g, int v);
/* Replaces every use of value `from` (node inputs, graph outputs) with `to`. */
void sc_ir_replace_uses(sc_ir_graph *g, int from, int to);
/* The live node that produces v, or NULL. */
sc_ir_node *sc_ir_producer(sc_ir_graph *g, int v);

/* Text dump, one line per live node: "%out = Op(%in, ...) {attrs} : dtype[shape]". */
void sc_ir_dump(const sc_ir_graph *g, sc_strbuf *out);

/* ---- Passes (one per file: pass_*.c). ---- */
/* Infers dtypes and shapes of every value; unknown ops give SC_ERR_UNSUPPORTED ("unsupported op
 * X"). Called by the pass manager before and after every rewriting pass. */
sc_status sc_ir_infer_shapes(sc_ir_graph *g, sc_err *err);
/* Host evaluation of node n when all its inputs are constants (SC_ERR_UNSUPPORTED if the op has
 * no host evaluator). Used by constant folding. */
sc_status sc_ir_eval_node(sc_ir_graph *g, sc_ir_node *n, sc_err *err);

typedef struct sc_ir_pass {
    const char *name;
    const char *summary;
    sc_status (*run)(sc_ir_graph *g, int *changed, sc_err *err);
} sc_ir_pass;

sc_status sc_pass_constfold(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_dce(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_fuse_conv_bn(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_fuse_bias_act(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_decompose_loss(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_decompose_qlinear(sc_ir_graph *g, int *changed, sc_err *err);
/* fuse-int8 (pass_fuse_int8.c): MatMulInteger/QLinearMatMul marked "_int8" (kept whole for the
 * int8 MMA) and MatMul(DQ(Q(x)), DQ(w)) with constant scales -> QuantMatMul. */
sc_status sc_pass_fuse_int8(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_fuse_norm(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_fuse_attention(sc_ir_graph *g, int *changed, sc_err *err);
sc_status sc_pass_lower_bn(sc_ir_graph *g, int *changed, sc_err *err);

/* The pipeline in order (NULL-terminated name list for --dump-after). */
const sc_ir_pass *sc_ir_passes(int *n);
/* Runs the pipeline; when dump_after names a pass, the IR after it is appended to dump. */
sc_status sc_ir_optimize(sc_ir_graph *g, const char *dump_after, sc_strbuf *dump, sc_err *err);
/* The same, leaving out the fusion passes named in skip (comma-separated "fuse-*" names; NULL =
 * none), e.g. to measure what a fusion gains. */
sc_status sc_ir_optimize_skip(sc_ir_graph *g, const char *dump_after, sc_strbuf *dump,
                              const char *skip, sc_err *err);

#endif
