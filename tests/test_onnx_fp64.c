// SPDX-License-Identifier: Apache-2.0
// Double tensors on the chip: fp64 in HBM, element-wise ops in fp64 where every step has an fp64
// datapath (bit-exact against plain C doubles), narrowing to fp32 where not, 8-byte data movement.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "helpers/testutil.h"
#include "runtime/onnx_runtime.h"
#include "sim/sim.h"

enum { R = 3, C = 40, N = R * C };

static int node(sc_ir_graph *g, const char *op, const int *in, int n_in) {
    sc_err err = {0};
    int out = sc_ir_add_value(g, NULL, &err);
    assert_int_equal(sc_ir_mark_output(g, out, &err), SC_OK);
    assert_true(sc_ir_add_node(g, op, "n", in, n_in, &out, 1, &err) >= 0);
    return out;
}

static void attr_i(sc_ir_graph *g, const char *name, int64_t v) {
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[g->n_nodes - 1], name, v, &err), SC_OK);
}

/* Doubles spread over magnitudes fp32 cannot hold (1e-200 .. 1e250) and ordinary ones. */
static double rand64(uint64_t *s) {
    static const double SCALE[] = {1e-200, 1e-3, 1.0, 1e40, 1e200, 1e250};
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    double m = (double)(*s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    return m * SCALE[(*s >> 3) % 6];
}

/* Output k of the graph below, element i, from inputs x [R x C] and y [C] (broadcast). */
static double want(int k, const double *x, const double *y, int i) {
    double a = x[i], b = y[i % C];
    switch (k) {
    case 0:
        return a + b;
    case 1:
        return a - b;
    case 2:
        return a * b;
    case 3:
        return a / b;
    case 4:
        return a > b ? a : b;
    case 5:
        return a < b;
    case 6:
        return a < b ? a : b; /* Where(Less, x, y) */
    case 7:
        return sqrt(fabs(a));
    case 8:
        return (float)a; /* Cast to float: one rounding (inf beyond fp32) */
    case 9:
        return x[(i % R) * C + i / R]; /* Transpose: 8-byte moves */
    default:
        return (double)expf((float)a); /* Exp has no fp64 datapath: narrowed, computed in fp32 */
    }
}

static void test_double_elementwise(void **state) {
    (void)state;
    sc_chip *chip = tu_load_chip("seedchip-1");
    assert_non_null(chip);
    sc_ir_graph *g = tu_ir_graph(13);
    int64_t dx[2] = {R, C}, dy[1] = {C};
    int x = tu_ir_input(g, "x", SC_T_DOUBLE, 2, dx), y = tu_ir_input(g, "y", SC_T_DOUBLE, 1, dy);
    int xy[2] = {x, y};
    static const char *const BIN[] = {"Add", "Sub", "Mul", "Div", "Max", "Less"};
    int less = -1;
    for (size_t k = 0; k < SC_ARRAY_LEN(BIN); k++)
        less = node(g, BIN[k], xy, 2);
    int w[3] = {less, x, y};
    node(g, "Where", w, 3);
    int ab = node(g, "Abs", &x, 1);
    node(g, "Sqrt", &ab, 1);
    node(g, "Cast", &x, 1);
    attr_i(g, "to", SC_T_FLOAT);
    node(g, "Transpose", &x, 1);
    node(g, "Exp", &x, 1);
    sc_err err = {0};
    sc_compiled *cc = NULL;
    if (sc_onnx_compile_graph(chip, g, NULL, &cc, &err) != SC_OK) fail_msg("%s", err.msg);
    assert_int_equal(cc->inputs[0].dev, SC_DTYPE_FP64); /* doubles stay fp64 in HBM */
    sc_tensor in[2], out[16];
    assert_int_equal(sc_tensor_alloc(&in[0], SC_T_DOUBLE, 2, dx, &err), SC_OK);
    assert_int_equal(sc_tensor_alloc(&in[1], SC_T_DOUBLE, 1, dy, &err), SC_OK);
    double *xv = in[0].data, *yv = in[1].data;
    uint64_t seed = 42;
    for (int i = 0; i < N; i++)
        xv[i] = i % 9 == 4 ? 0.5 : rand64(&seed); /* small values for Exp */
    for (int i = 0; i < C; i++)
        yv[i] = i % 7 == 0 ? xv[i] : rand64(&seed); /* ties for Less and Max */
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_FUNCTIONAL;
    if (sc_onnx_execute(chip, cc, in, &sp, out, NULL, &err) != SC_OK) fail_msg("%s", err.msg);
    /* outputs in marking order; Abs (k = 7 in creation order) is an output too */
    static const int KIND[] = {0, 1, 2, 3, 4, 5, 6, -1, 7, 8, 9, 10};
    assert_int_equal(cc->n_outputs, (int)SC_ARRAY_LEN(KIND));
    for (int o = 0; o < cc->n_outputs; o++) {
        for (int i = 0; i < N && KIND[o] >= 0; i++) {
            double g0 = sc_tensor_get(&out[o], (size_t)i), w0 = want(KIND[o], xv, yv, i);
            if (memcmp(&g0, &w0, 8) && !(isnan(g0) && isnan(w0)))
                fail_msg("output %d [%d]: got %a want %a (x %a y %a)", o, i, g0, w0, xv[i],
                         yv[i % C]);
        }
        sc_tensor_free(&out[o]);
    }
    sc_tensor_free(&in[0]);
    sc_tensor_free(&in[1]);
    sc_compiled_destroy(cc);
    sc_chip_destroy(chip);
}

/* Vector-unit busy cycles of Add over [64 x 1024] of type t, timing mode. */
static double add_vec_busy(sc_chip *chip, sc_tdtype t) {
    sc_ir_graph *g = tu_ir_graph(13);
    int64_t d[2] = {64, 1024};
    int xy[2] = {tu_ir_input(g, "x", t, 2, d), tu_ir_input(g, "y", t, 2, d)};
    node(g, "Add", xy, 2);
    sc_err err = {0};
    sc_compiled *cc = NULL;
    if (sc_onnx_compile_graph(chip, g, NULL, &cc, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_tensor in[2], out[1];
    for (int k = 0; k < 2; k++)
        assert_int_equal(sc_tensor_alloc(&in[k], t, 2, d, &err), SC_OK);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sc_sim *s = NULL;
    if (sc_onnx_execute(chip, cc, in, &sp, out, &s, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    assert_true(st.vec_ops == 64.0 * 1024);
    sc_sim_destroy(s);
    sc_tensor_free(&in[0]);
    sc_tensor_free(&in[1]);
    sc_compiled_destroy(cc);
    return st.vec_busy;
}

/* fp64 element-wise work is charged at vector_fp64_rate: on SeedChip-1 (0.25) a double Add is
 * compute-bound at 64 elements/cycle/core, the float one scratchpad-bound at ~170. */
static void test_double_timing(void **state) {
    (void)state;
    sc_chip *chip = tu_load_chip("seedchip-1");
    assert_non_null(chip);
    double f32 = add_vec_busy(chip, SC_T_FLOAT), f64 = add_vec_busy(chip, SC_T_DOUBLE);
    if (!(f64 >= 2.5 * f32 && f64 <= 4.0 * f32)) fail_msg("vec busy fp32 %g fp64 %g", f32, f64);
    sc_chip_destroy(chip);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_elementwise),
        cmocka_unit_test(test_double_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
