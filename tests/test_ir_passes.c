// SPDX-License-Identifier: Apache-2.0
// Graph IR passes (shape folding, DCE, Conv+BN+Relu and MatMul+bias fusion) and the compiled
// result run on the functional simulator against a host reference.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "helpers/testutil.h"
#include "runtime/onnx_runtime.h"

static sc_chip *load_chip(void) {
    sc_chip_load_params p = sc_chip_load_default_params();
    p.config_dir = tu_src_path("configs");
    sc_chip *c = NULL;
    char err[512];
    assert_int_equal(sc_chip_load("seedchip-1", &p, &c, err, sizeof err), SC_OK);
    return c;
}

static int add_input(sc_ir_graph *g, const char *name, int rank, const int64_t *dims) {
    sc_err err = {0};
    int v = sc_ir_add_value(g, name, &err);
    assert_true(v >= 0);
    g->vals[v].dtype = SC_T_FLOAT;
    g->vals[v].rank = rank;
    memcpy(g->vals[v].dims, dims, sizeof(int64_t) * (size_t)rank);
    assert_int_equal(sc_ir_mark_input(g, v, &err), SC_OK);
    return v;
}

/* A float constant with deterministic pseudo-random contents. */
static int add_const(sc_ir_graph *g, const char *name, int rank, const int64_t *dims, double scale,
                     double offset) {
    sc_err err = {0};
    sc_tensor t;
    assert_int_equal(sc_tensor_alloc(&t, SC_T_FLOAT, rank, dims, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(&t); i++)
        sc_tensor_set(&t, i, offset + scale * sin(1.7 * (double)i + 0.3));
    int v = sc_ir_add_value(g, name, &err);
    assert_int_equal(sc_ir_set_const(g, v, &t, &err), SC_OK);
    return v;
}

static int node(sc_ir_graph *g, const char *op, const int *in, int n_in, const char *out_name) {
    sc_err err = {0};
    int o = sc_ir_add_value(g, out_name, &err);
    assert_true(sc_ir_add_node(g, op, out_name, in, n_in, &o, 1, &err) >= 0);
    return o;
}

static void test_fold_and_dce(void **state) {
    (void)state;
    sc_ir_graph *g;
    sc_err err = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    int64_t d[2] = {2, 3};
    int x = add_input(g, "x", 2, d);
    int sh = node(g, "Shape", &x, 1, "sh");
    int rin[2] = {x, sh};
    int r = node(g, "Reshape", rin, 2, "r");
    int y = node(g, "Relu", &r, 1, "y");
    node(g, "Exp", &x, 1, "dead");
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    assert_int_equal(sc_ir_optimize(g, "dce", &sb, &err), SC_OK);
    assert_non_null(g->vals[sh].konst); /* Shape folded to a constant */
    assert_true(g->nodes[0].dead);      /* ... and its node removed */
    assert_true(g->nodes[3].dead);      /* Exp reaches no output */
    assert_false(g->nodes[1].dead || g->nodes[2].dead);
    assert_null(strstr(sb.data, "Exp("));
    assert_non_null(strstr(sb.data, "Relu("));
    assert_int_equal(g->vals[y].rank, 2);
    assert_int_equal(g->vals[y].dims[1], 3);
    sc_strbuf_free(&sb);
    sc_ir_graph_destroy(g);
}

static void test_unknown_op_and_pass(void **state) {
    (void)state;
    sc_ir_graph *g;
    sc_err err = {0}, e2 = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    int64_t d[1] = {4};
    int x = add_input(g, "x", 1, d);
    int y = node(g, "FrobnicateV9", &x, 1, "y");
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "unsupported op FrobnicateV9"));
    assert_int_equal(sc_ir_optimize(g, "no-such-pass", NULL, &e2), SC_ERR_INVALID_ARG);
    sc_ir_graph_destroy(g);
}

/* Host reference: conv 3x3 pad 1 stride 1, then batchnorm, then relu. */
static double ref_conv_bn_relu(const sc_ir_graph *g, const float *x, int w, int bs, int bb, int bm,
                               int bv, int co, int oy, int ox) {
    const sc_tensor *W = g->vals[w].konst;
    double acc = 0;
    for (int ci = 0; ci < 2; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                int iy = oy + ky - 1, ix = ox + kx - 1;
                if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5) continue;
                acc += x[(ci * 5 + iy) * 5 + ix] *
                       sc_tensor_get(W, (size_t)(((co * 2 + ci) * 3 + ky) * 3 + kx));
            }
    double s = sc_tensor_get(g->vals[bs].konst, (size_t)co),
           b = sc_tensor_get(g->vals[bb].konst, (size_t)co);
    double m = sc_tensor_get(g->vals[bm].konst, (size_t)co),
           v = sc_tensor_get(g->vals[bv].konst, (size_t)co);
    double y = (acc - m) / sqrt(v + 1e-5) * s + b;
    return y > 0 ? y : 0;
}

static void test_conv_bn_relu_on_chip(void **state) {
    (void)state;
    sc_ir_graph *g;
    sc_err err = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    int64_t xd[4] = {1, 2, 5, 5}, wd[4] = {3, 2, 3, 3}, cd[1] = {3};
    int x = add_input(g, "x", 4, xd);
    int w = add_const(g, "w", 4, wd, 0.5, 0);
    int bs = add_const(g, "s", 1, cd, 0.3, 1), bb = add_const(g, "b", 1, cd, 0.2, 0);
    int bm = add_const(g, "m", 1, cd, 0.1, 0), bv = add_const(g, "v", 1, cd, 0.2, 1);
    int cin[2] = {x, w};
    int cv = node(g, "Conv", cin, 2, "conv");
    sc_ir_node *cn = &g->nodes[g->n_nodes - 1];
    sc_ir_attr *pads = sc_ir_attr_add(g, cn, "pads", SC_IR_ATTR_INTS, &err);
    static int64_t p4[4] = {1, 1, 1, 1};
    pads->n = 4, pads->ints = p4;
    int bin[5] = {cv, bs, bb, bm, bv};
    int bn = node(g, "BatchNormalization", bin, 5, "bn");
    int y = node(g, "Relu", &bn, 1, "y");
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    sc_ir_node *conv = &g->nodes[0];
    assert_false(conv->dead);
    assert_true(g->nodes[1].dead && g->nodes[2].dead); /* BN and Relu fused away */
    assert_string_equal(sc_ir_attr_s(conv, "_act", ""), "Relu");
    assert_int_equal(conv->n_in, 3);
    assert_int_equal(conv->out[0], y);

    sc_chip *chip = load_chip();
    sc_compiled *cc = NULL;
    assert_int_equal(sc_codegen(chip, g, NULL, &cc, &err), SC_OK);
    sc_tensor in = {0}, out = {0};
    assert_int_equal(sc_tensor_alloc(&in, SC_T_FLOAT, 4, xd, &err), SC_OK);
    for (size_t i = 0; i < 50; i++)
        sc_tensor_set(&in, i, cos(0.37 * (double)i));
    assert_int_equal(sc_onnx_execute(chip, cc, &in, NULL, &out, NULL, &err), SC_OK);
    assert_int_equal(out.rank, 4);
    for (int co = 0; co < 3; co++)
        for (int oy = 0; oy < 5; oy++)
            for (int ox = 0; ox < 5; ox++) {
                double want = ref_conv_bn_relu(g, in.data, w, bs, bb, bm, bv, co, oy, ox);
                double got = sc_tensor_get(&out, (size_t)((co * 5 + oy) * 5 + ox));
                assert_true(fabs(got - want) <= 1e-4 + 1e-4 * fabs(want));
            }
    sc_tensor_free(&in);
    sc_tensor_free(&out);
    sc_compiled_destroy(cc);
    sc_chip_destroy(chip);
    sc_ir_graph_destroy(g);
}

static void test_matmul_bias_on_chip(void **state) {
    (void)state;
    sc_ir_graph *g;
    sc_err err = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    int64_t xd[2] = {200, 8}, wd[2] = {8, 5}, bd[1] = {5};
    int x = add_input(g, "x", 2, xd);
    int w = add_const(g, "w", 2, wd, 1, 0), b = add_const(g, "b", 1, bd, 1, 0.5);
    int min[2] = {x, w};
    int mm = node(g, "MatMul", min, 2, "mm");
    int ain[2] = {mm, b};
    int y = node(g, "Add", ain, 2, "y");
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    assert_int_equal(g->nodes[0].n_in, 3); /* bias folded into the MatMul */
    assert_true(g->nodes[1].dead);
    sc_chip *chip = load_chip();
    sc_codegen_params cp = sc_codegen_default_params();
    cp.cores = 3; /* 200 rows = 2 tiles of the array: spread over cores */
    sc_compiled *cc = NULL;
    assert_int_equal(sc_codegen(chip, g, &cp, &cc, &err), SC_OK);
    sc_tensor in = {0}, out = {0};
    assert_int_equal(sc_tensor_alloc(&in, SC_T_FLOAT, 2, xd, &err), SC_OK);
    for (size_t i = 0; i < 1600; i++)
        sc_tensor_set(&in, i, sin(0.11 * (double)i));
    assert_int_equal(sc_onnx_execute(chip, cc, &in, NULL, &out, NULL, &err), SC_OK);
    const sc_tensor *W = g->vals[w].konst, *B = g->vals[b].konst;
    for (int i = 0; i < 200; i++)
        for (int j = 0; j < 5; j++) {
            double want = sc_tensor_get(B, (size_t)j);
            for (int k = 0; k < 8; k++)
                want +=
                    sc_tensor_get(&in, (size_t)(i * 8 + k)) * sc_tensor_get(W, (size_t)(k * 5 + j));
            assert_true(fabs(sc_tensor_get(&out, (size_t)(i * 5 + j)) - want) <=
                        1e-5 + 1e-5 * fabs(want));
        }
    sc_tensor_free(&in);
    sc_tensor_free(&out);
    sc_compiled_destroy(cc);
    sc_chip_destroy(chip);
    sc_ir_graph_destroy(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_and_dce),
        cmocka_unit_test(test_unknown_op_and_pass),
        cmocka_unit_test(test_conv_bn_relu_on_chip),
        cmocka_unit_test(test_matmul_bias_on_chip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
