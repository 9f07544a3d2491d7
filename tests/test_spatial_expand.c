// SPDX-License-Identifier: Apache-2.0
// Image-op expansions (pass_expand_spatial.c): Resize interpolation weights per mode, and the
// op mix ConvTranspose / Resize / MaxPool-with-Indices become, with their inferred shapes.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"
#include "compiler/ir_spatial.h"
#include "helpers/testutil.h"

static ir_resize_axis axis(const char *mode, const char *coord, int64_t in, int64_t out) {
    ir_resize_axis a = {mode, coord, "round_prefer_floor", (double)out / (double)in, -0.75, 0, 1, 0,
                        in,   out};
    return a;
}

static void test_nearest_modes(void **state) {
    (void)state;
    double m[4 * 8];
    ir_resize_axis a = axis("nearest", "asymmetric", 4, 8);
    a.nearest_mode = "floor";
    assert_int_equal(ir_resize_weights(&a, m, NULL), 0);
    for (int o = 0; o < 8; o++) /* o -> o / 2, one-hot rows */
        for (int i = 0; i < 4; i++)
            assert_true(m[o * 4 + i] == (i == o / 2 ? 1.0 : 0.0));
    /* half_pixel x2: x = o/2 - 0.25; round_prefer_ceil at .5 never happens, clamps at 0 and 3 */
    a = axis("nearest", "half_pixel", 4, 8);
    a.nearest_mode = "round_prefer_ceil";
    assert_int_equal(ir_resize_weights(&a, m, NULL), 0);
    assert_true(m[0 * 4 + 0] == 1 && m[1 * 4 + 0] == 1 && m[2 * 4 + 1] == 1 && m[7 * 4 + 3] == 1);
    /* align_corners 4 -> 3: x = 0, 1.5, 3; 1.5 goes to 1 (prefer floor) */
    a = axis("nearest", "align_corners", 4, 3);
    assert_int_equal(ir_resize_weights(&a, m, NULL), 0);
    assert_true(m[0] == 1 && m[1 * 4 + 1] == 1 && m[2 * 4 + 3] == 1);
}

static void test_linear_cubic_rows(void **state) {
    (void)state;
    double m[5 * 9];
    const char *modes[2] = {"linear", "cubic"};
    for (int k = 0; k < 2; k++)
        for (int ex = 0; ex < 2; ex++) {
            ir_resize_axis a = axis(modes[k], "half_pixel", 5, 9);
            a.exclude_outside = ex;
            assert_int_equal(ir_resize_weights(&a, m, NULL), 0);
            for (int o = 0; o < 9; o++) { /* interpolation preserves constants */
                double s = 0;
                for (int i = 0; i < 5; i++)
                    s += m[o * 5 + i];
                assert_true(fabs(s - 1) < 1e-12);
            }
        }
    /* linear half_pixel 2 -> 4: x = -0.25, 0.25, 0.75, 1.25 -> edges clamp */
    ir_resize_axis a = axis("linear", "half_pixel", 2, 4);
    assert_int_equal(ir_resize_weights(&a, m, NULL), 0);
    assert_true(m[0] == 1 && m[1] == 0);
    assert_true(fabs(m[2] - 0.75) < 1e-12 && fabs(m[3] - 0.25) < 1e-12);
    assert_true(fabs(m[4] - 0.25) < 1e-12 && fabs(m[5] - 0.75) < 1e-12);
    a.mode = "bilinear-ish";
    assert_int_equal(ir_resize_weights(&a, m, NULL), -1);
}

static void test_crop_outside(void **state) {
    (void)state;
    double m[4 * 5];
    unsigned char out[5];
    ir_resize_axis a = axis("linear", "tf_crop_and_resize", 4, 5);
    a.roi_start = -0.5, a.roi_end = 1.5; /* x = -1.5 .. 4.5: the ends fall outside [0, 3] */
    assert_int_equal(ir_resize_weights(&a, m, out), 0);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[4], 1);
    for (int i = 0; i < 4; i++)
        assert_true(m[i] == 0 && m[4 * 4 + i] == 0);
}

/* ---- graph expansions ---- */

static int value(sc_ir_graph *g, const char *name, int rank, const int64_t *dims, int input) {
    sc_err err = {0};
    int v = sc_ir_add_value(g, name, &err);
    g->vals[v].dtype = SC_T_FLOAT, g->vals[v].rank = rank;
    if (rank >= 0) memcpy(g->vals[v].dims, dims, sizeof(int64_t) * (size_t)rank);
    if (input) assert_int_equal(sc_ir_mark_input(g, v, &err), SC_OK);
    return v;
}

static int weights(sc_ir_graph *g, int rank, const int64_t *dims) {
    sc_err err = {0};
    sc_tensor t;
    assert_int_equal(sc_tensor_alloc(&t, SC_T_FLOAT, rank, dims, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(&t); i++)
        sc_tensor_set(&t, i, (double)(i % 7) - 3);
    int v = sc_ir_add_value(g, "w", &err);
    assert_int_equal(sc_ir_set_const(g, v, &t, &err), SC_OK);
    return v;
}

static int count_live(const sc_ir_graph *g, const char *op) {
    int k = 0;
    for (int i = 0; i < g->n_nodes; i++)
        k += !g->nodes[i].dead && !strcmp(g->nodes[i].op, op);
    return k;
}

static sc_ir_graph *graph(void) {
    return tu_ir_graph(13);
}

static void test_convtranspose(void **state) {
    (void)state;
    sc_ir_graph *g = graph();
    sc_err err = {0};
    int64_t xd[4] = {1, 2, 3, 3}, wd[4] = {2, 3, 3, 3};
    int in[2] = {value(g, "x", 4, xd, 1), weights(g, 4, wd)}, y = value(g, "y", -1, NULL, 0);
    assert_true(sc_ir_add_node(g, "ConvTranspose", "ct", in, 2, &y, 1, &err) >= 0);
    int64_t s[2] = {2, 2};
    sc_ir_attr *a = sc_ir_attr_add(g, &g->nodes[0], "strides", SC_IR_ATTR_INTS, &err);
    a->n = 2, a->ints = s;
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    assert_int_equal(sc_ir_infer_shapes(g, &err), SC_OK);
    /* (3 - 1) * 2 + 3 = 7 */
    assert_int_equal(g->vals[y].rank, 4);
    assert_int_equal(g->vals[y].dims[1], 3);
    assert_int_equal(g->vals[y].dims[2], 7);
    assert_int_equal(g->vals[y].dims[3], 7);
    assert_int_equal(count_live(g, "ConvTranspose"), 0);
    assert_int_equal(count_live(g, "Conv"), 1);
    sc_ir_graph_destroy(g);
}

static void test_convtranspose_bad_channels(void **state) {
    (void)state;
    sc_ir_graph *g = graph();
    sc_err err = {0};
    int64_t xd[4] = {1, 2, 3, 3}, wd[4] = {5, 3, 3, 3}; /* W's first dim must be X's channels */
    int in[2] = {value(g, "x", 4, xd, 1), weights(g, 4, wd)}, y = value(g, "y", -1, NULL, 0);
    assert_true(sc_ir_add_node(g, "ConvTranspose", "ct", in, 2, &y, 1, &err) >= 0);
    assert_int_equal(sc_ir_infer_shapes(g, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "'ct'"));
    sc_ir_graph_destroy(g);
}

static int resize(sc_ir_graph *g, const char *mode, const double *scales, int64_t *xd) {
    sc_err err = {0};
    int64_t four = 4;
    sc_tensor t;
    assert_int_equal(sc_tensor_alloc(&t, SC_T_FLOAT, 1, &four, &err), SC_OK);
    for (int i = 0; i < 4; i++)
        sc_tensor_set(&t, (size_t)i, scales[i]);
    int sv = sc_ir_add_value(g, "scales", &err);
    assert_int_equal(sc_ir_set_const(g, sv, &t, &err), SC_OK);
    int in[3] = {value(g, "x", 4, xd, 1), -1, sv}, y = value(g, "y", -1, NULL, 0);
    int k = sc_ir_add_node(g, "Resize", "rs", in, 3, &y, 1, &err);
    assert_int_equal(sc_ir_attr_set_s(g, &g->nodes[k], "mode", mode, &err), SC_OK);
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    assert_int_equal(sc_ir_infer_shapes(g, &err), SC_OK);
    return y;
}

static void test_resize_paths(void **state) {
    (void)state;
    int64_t xd[4] = {1, 3, 5, 6};
    double up2[4] = {1, 1, 2, 2}, frac[4] = {1, 1, 1.5, 0.5};
    sc_ir_graph *g = graph();
    int y = resize(g, "nearest", up2, xd); /* integer factor: pure stride-0 Expand */
    assert_int_equal(g->vals[y].dims[2], 10);
    assert_int_equal(g->vals[y].dims[3], 12);
    assert_int_equal(count_live(g, "Expand"), 1);
    assert_int_equal(count_live(g, "Gather") + count_live(g, "MatMul"), 0);
    sc_ir_graph_destroy(g);
    g = graph();
    y = resize(g, "nearest", frac, xd); /* fractional: a constant-index Gather per axis */
    assert_int_equal(g->vals[y].dims[2], 7);
    assert_int_equal(g->vals[y].dims[3], 3);
    assert_int_equal(count_live(g, "Gather"), 2);
    sc_ir_graph_destroy(g);
    g = graph();
    y = resize(g, "cubic", frac, xd); /* one MatMul per resized axis */
    assert_int_equal(g->vals[y].dims[2], 7);
    assert_int_equal(count_live(g, "MatMul"), 2);
    assert_int_equal(count_live(g, "Resize"), 0);
    sc_ir_graph_destroy(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nearest_modes),
        cmocka_unit_test(test_linear_cubic_rows),
        cmocka_unit_test(test_crop_outside),
        cmocka_unit_test(test_convtranspose),
        cmocka_unit_test(test_convtranspose_bad_channels),
        cmocka_unit_test(test_resize_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
