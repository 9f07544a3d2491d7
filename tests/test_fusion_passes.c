// SPDX-License-Identifier: Apache-2.0
// fuse-norm and fuse-attention: which graphs they rewrite and which they must leave alone,
// --skip-pass, and the integer-op decomposition's node shape.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"
#include "helpers/testutil.h"

static sc_ir_graph *new_graph(void) {
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    g->opset = 13;
    return g;
}

static int input(sc_ir_graph *g, const char *name, int rank, const int64_t *dims) {
    sc_err err = {0};
    int v = sc_ir_add_value(g, name, &err);
    g->vals[v].dtype = SC_T_FLOAT, g->vals[v].rank = rank;
    memcpy(g->vals[v].dims, dims, sizeof(int64_t) * (size_t)rank);
    assert_int_equal(sc_ir_mark_input(g, v, &err), SC_OK);
    return v;
}

static int konst(sc_ir_graph *g, sc_tdtype t, int rank, int64_t n, double v) {
    sc_err err = {0};
    sc_tensor x;
    assert_int_equal(sc_tensor_alloc(&x, t, rank, &n, &err), SC_OK);
    for (int64_t i = 0; i < n; i++)
        sc_tensor_set(&x, (size_t)i, v);
    int id = sc_ir_add_value(g, NULL, &err);
    assert_int_equal(sc_ir_set_const(g, id, &x, &err), SC_OK);
    return id;
}

static int op(sc_ir_graph *g, const char *name, const int *in, int n_in) {
    sc_err err = {0};
    int o = sc_ir_add_value(g, NULL, &err);
    assert_true(sc_ir_add_node(g, name, name, in, n_in, &o, 1, &err) >= 0);
    return o;
}

static int op2(sc_ir_graph *g, const char *name, int a, int b) {
    int in[2] = {a, b};
    return op(g, name, in, 2);
}

static int live(const sc_ir_graph *g, const char *name) {
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        n += !g->nodes[i].dead && (!name || !strcmp(g->nodes[i].op, name));
    return n;
}

/* x * 1/sqrt(mean(x^2) + eps) * gamma over the last axis of [4 x 32]; returns the output. */
static int rms_graph(sc_ir_graph *g, int *mean_out) {
    int64_t d[2] = {4, 32};
    int x = input(g, "x", 2, d);
    int ax = konst(g, SC_T_INT64, 1, 1, -1), two = konst(g, SC_T_FLOAT, 0, 1, 2.0);
    int p = op2(g, "Pow", x, two), m = op2(g, "ReduceMean", p, ax);
    int e = op2(g, "Add", m, konst(g, SC_T_FLOAT, 0, 1, 1e-6));
    int s = op(g, "Sqrt", &e, 1), r = op(g, "Reciprocal", &s, 1);
    int y = op2(g, "Mul", op2(g, "Mul", x, r), konst(g, SC_T_FLOAT, 1, 32, 0.5));
    sc_err err = {0};
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    *mean_out = m;
    return y;
}

static void test_rmsnorm_fused(void **state) {
    (void)state;
    sc_ir_graph *g = new_graph();
    int m;
    rms_graph(g, &m);
    sc_err err = {0};
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    assert_int_equal(live(g, NULL), 1);
    assert_int_equal(live(g, "RMSNormalization"), 1);
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].dead) {
            assert_true(fabsf(sc_ir_attr_f(&g->nodes[i], "epsilon", 0) - 1e-6f) < 1e-12f);
            assert_int_equal(sc_ir_attr_i(&g->nodes[i], "axis", -9), 1);
        }
    sc_ir_graph_destroy(g);
}

/* An intermediate that is also a graph output must survive: no fusion. */
static void test_rmsnorm_shared_intermediate(void **state) {
    (void)state;
    sc_ir_graph *g = new_graph();
    int m;
    rms_graph(g, &m);
    sc_err err = {0};
    assert_int_equal(sc_ir_mark_output(g, m, &err), SC_OK);
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    assert_int_equal(live(g, "RMSNormalization"), 0);
    assert_int_equal(live(g, "ReduceMean"), 1);
    sc_ir_graph_destroy(g);
}

static void test_skip_pass(void **state) {
    (void)state;
    sc_ir_graph *g = new_graph();
    int m;
    rms_graph(g, &m);
    sc_err err = {0};
    assert_int_equal(sc_ir_optimize_skip(g, NULL, NULL, "fuse-attention,fuse-norm", &err), SC_OK);
    assert_int_equal(live(g, "RMSNormalization"), 0);
    assert_int_equal(sc_ir_optimize_skip(g, NULL, NULL, "dce", &err), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "'dce' is not a fusion pass"));
    sc_ir_graph_destroy(g);
}

/* Softmax(Q K^T * s [+ mask]) V over [2 x 8 x 16], K^T given as stored (no Transpose). */
static int attn_graph(sc_ir_graph *g, int axis, int with_mask) {
    int64_t dq[3] = {2, 8, 16}, dk[3] = {2, 16, 8};
    int q = input(g, "q", 3, dq), kt = input(g, "kt", 3, dk), v = input(g, "v", 3, dq);
    int s = op2(g, "Mul", op2(g, "MatMul", q, kt), konst(g, SC_T_FLOAT, 0, 1, 0.25));
    if (with_mask) s = op2(g, "Add", s, konst(g, SC_T_FLOAT, 1, 8, -1.0));
    int p = op(g, "Softmax", &s, 1);
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[g->n_nodes - 1], "axis", axis, &err), SC_OK);
    int y = op2(g, "MatMul", p, v);
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    return y;
}

static void test_attention_fused(void **state) {
    (void)state;
    sc_ir_graph *g = new_graph();
    attn_graph(g, -1, 1);
    sc_err err = {0};
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    assert_int_equal(live(g, NULL), 1);
    for (int i = 0; i < g->n_nodes; i++) {
        const sc_ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        assert_string_equal(n->op, "FusedAttention");
        assert_int_equal(n->n_in, 4);
        assert_int_equal(sc_ir_attr_i(n, "k_transposed", 0), 1);
        assert_true(fabsf(sc_ir_attr_f(n, "scale", 0) - 0.25f) < 1e-7f);
    }
    sc_ir_graph_destroy(g);
}

/* Softmax over another axis than the keys is not attention. */
static void test_attention_wrong_axis(void **state) {
    (void)state;
    sc_ir_graph *g = new_graph();
    attn_graph(g, 1, 0);
    sc_err err = {0};
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    assert_int_equal(live(g, "FusedAttention"), 0);
    assert_int_equal(live(g, "Softmax"), 1);
    sc_ir_graph_destroy(g);
}

/* MatMulInteger stays whole for the int8 MMA ("_int8"); without fuse-int8 it becomes Cast/Sub,
 * an "_exact" MatMul and a Cast to int32 (the float emulation). */
static void test_matmulinteger_decomposed(void **state) {
    (void)state;
    for (int skip = 0; skip < 2; skip++) {
        sc_ir_graph *g = new_graph();
        sc_err err = {0};
        int64_t da[2] = {3, 4}, db[2] = {4, 2};
        int a = input(g, "a", 2, da), b = input(g, "b", 2, db);
        g->vals[a].dtype = g->vals[b].dtype = SC_T_UINT8;
        int in[4] = {a, b, konst(g, SC_T_UINT8, 0, 1, 3), konst(g, SC_T_UINT8, 0, 1, 1)};
        int y = op(g, "MatMulInteger", in, 4);
        assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
        assert_int_equal(sc_ir_optimize_skip(g, NULL, NULL, skip ? "fuse-int8" : NULL, &err),
                         SC_OK);
        assert_int_equal(live(g, "MatMulInteger"), !skip);
        assert_int_equal(live(g, "MatMul"), skip);
        for (int i = 0; i < g->n_nodes; i++)
            if (!g->nodes[i].dead && !strcmp(g->nodes[i].op, "MatMul"))
                assert_int_equal(sc_ir_attr_i(&g->nodes[i], "_exact", 0), 1);
        assert_int_equal(g->vals[y].dtype, SC_T_INT32);
        assert_int_equal(g->vals[y].rank, 2);
        assert_int_equal(g->vals[y].dims[1], 2);
        sc_ir_graph_destroy(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmsnorm_fused),
        cmocka_unit_test(test_rmsnorm_shared_intermediate),
        cmocka_unit_test(test_skip_pass),
        cmocka_unit_test(test_attention_fused),
        cmocka_unit_test(test_attention_wrong_axis),
        cmocka_unit_test(test_matmulinteger_decomposed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
