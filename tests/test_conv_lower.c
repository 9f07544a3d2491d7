// SPDX-License-Identifier: Apache-2.0
// Conv lowering choices: the depthwise vector path against the MMA path (bit-exact, signed zeros
// included), Conv tile attributes (channel block, pixels per tile, order) against the default,
// and the Conv tile search (never slower under the timing model, same output bytes).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "helpers/testutil.h"
#include "runtime/onnx_runtime.h"

static sc_chip *CHIP;

typedef struct cspec {
    int64_t C, CO, H, W, K, s, p, d, group;
    int bias;
} cspec;

static void ints(sc_ir_graph *g, const char *name, int64_t a, int64_t b, int n) {
    sc_err err = {0};
    sc_ir_attr *at = sc_ir_attr_add(g, &g->nodes[g->n_nodes - 1], name, SC_IR_ATTR_INTS, &err);
    assert_non_null(at);
    at->ints = sc_arena_alloc(g->arena, sizeof(int64_t) * 4);
    at->n = n;
    for (int i = 0; i < n; i++)
        at->ints[i] = i % 2 ? b : a;
}

static int konst(sc_ir_graph *g, int rank, const int64_t *dims, double seed, double sign) {
    sc_err err = {0};
    sc_tensor k;
    assert_int_equal(sc_tensor_alloc(&k, SC_T_FLOAT, rank, dims, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(&k); i++)
        sc_tensor_set(&k, i,
                      sign != 0 ? sign * (0.25 + fabs(sin(seed * (double)(i + 1))))
                                : sin(seed * (double)(i + 1)));
    int id = sc_ir_add_value(g, NULL, &err);
    assert_int_equal(sc_ir_set_const(g, id, &k, &err), SC_OK);
    return id;
}

/* One Conv node; wsign != 0 makes every weight that sign. */
static sc_ir_graph *conv_graph(const cspec *c, double wsign) {
    sc_ir_graph *g;
    sc_err err = {0};
    assert_int_equal(sc_ir_graph_create(&g, &err), SC_OK);
    g->opset = 17;
    int x = sc_ir_add_value(g, "x", &err);
    int64_t xd[4] = {1, c->C, c->H, c->W}, wd[4] = {c->CO, c->C / c->group, c->K, c->K};
    g->vals[x].dtype = SC_T_FLOAT, g->vals[x].rank = 4;
    memcpy(g->vals[x].dims, xd, sizeof xd);
    assert_int_equal(sc_ir_mark_input(g, x, &err), SC_OK);
    int in[3] = {x, konst(g, 4, wd, 0.37, wsign), c->bias ? konst(g, 1, wd, 1.3, 0) : -1};
    int y = sc_ir_add_value(g, "y", &err);
    assert_int_equal(sc_ir_mark_output(g, y, &err), SC_OK);
    assert_true(sc_ir_add_node(g, "Conv", "conv", in, c->bias ? 3 : 2, &y, 1, &err) >= 0);
    ints(g, "kernel_shape", c->K, c->K, 2);
    ints(g, "strides", c->s, c->s, 2);
    ints(g, "pads", c->p, c->p, 4);
    ints(g, "dilations", c->d, c->d, 2);
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[0], "group", c->group, &err), SC_OK);
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, &err), SC_OK);
    return g;
}

/* zeros: an all-+0 input, so with negative weights every product is -0 (the MMA's sum from +0
 * still gives +0). */
static void input(const cspec *c, sc_tensor *t, int zeros) {
    sc_err err = {0};
    int64_t d[4] = {1, c->C, c->H, c->W};
    assert_int_equal(sc_tensor_alloc(t, SC_T_FLOAT, 4, d, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(t); i++)
        sc_tensor_set(t, i, zeros ? 0.0 : sin(0.71 * (double)(i + 1)));
}

/* Compiles and runs g with the given attributes set on its Conv; returns cycles when timed. */
static uint64_t run_with(sc_ir_graph *g, const char *const *names, const int64_t *vals, int n,
                         sc_dtype prec, const sc_tensor *x, sc_tensor *y) {
    sc_err err = {0};
    for (int i = 0; i < n; i++)
        assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[0], names[i], vals[i], &err), SC_OK);
    sc_codegen_params cp = sc_codegen_default_params();
    cp.precision = prec;
    sc_compiled *cc = NULL;
    assert_int_equal(sc_codegen(CHIP, g, &cp, &cc, &err), SC_OK);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = y ? SC_SIM_FUNCTIONAL : SC_SIM_TIMING;
    sc_sim *sim = NULL;
    assert_int_equal(sc_onnx_execute(CHIP, cc, x, &sp, y, &sim, &err), SC_OK);
    sc_sim_stats ss;
    sc_sim_get_stats(sim, &ss);
    sc_sim_destroy(sim);
    sc_compiled_destroy(cc);
    return ss.cycles;
}

/* Double-precision reference of the fp32 model. */
static void check_ref(const sc_ir_graph *g, const cspec *c, const sc_tensor *x,
                      const sc_tensor *y) {
    const sc_tensor *w = g->vals[g->nodes[0].in[1]].konst;
    const sc_tensor *b = c->bias ? g->vals[g->nodes[0].in[2]].konst : NULL;
    int64_t OH = (c->H + 2 * c->p - c->d * (c->K - 1) - 1) / c->s + 1;
    int64_t OW = (c->W + 2 * c->p - c->d * (c->K - 1) - 1) / c->s + 1, cg = c->C / c->group;
    assert_int_equal(sc_tensor_numel(y), (size_t)(c->CO * OH * OW));
    for (int64_t co = 0; co < c->CO; co++)
        for (int64_t oh = 0; oh < OH; oh++)
            for (int64_t ow = 0; ow < OW; ow++) {
                double acc = b ? sc_tensor_get(b, (size_t)co) : 0;
                int64_t gi = co / (c->CO / c->group);
                for (int64_t ci = 0; ci < cg; ci++)
                    for (int64_t ky = 0; ky < c->K; ky++)
                        for (int64_t kx = 0; kx < c->K; kx++) {
                            int64_t ih = oh * c->s + ky * c->d - c->p,
                                    iw = ow * c->s + kx * c->d - c->p;
                            if (ih < 0 || ih >= c->H || iw < 0 || iw >= c->W) continue;
                            acc += sc_tensor_get(
                                       x, (size_t)(((gi * cg + ci) * c->H + ih) * c->W + iw)) *
                                   sc_tensor_get(
                                       w, (size_t)(((co * cg + ci) * c->K + ky) * c->K + kx));
                        }
                double got = sc_tensor_get(y, (size_t)((co * OH + oh) * OW + ow));
                if (fabs(got - acc) > 1e-4 * (1 + fabs(acc)))
                    fail_msg("y[%lld,%lld,%lld] = %.9g, want %.9g", (long long)co, (long long)oh,
                             (long long)ow, got, acc);
            }
}

static void same_bytes(const sc_tensor *a, const sc_tensor *b, const char *what) {
    if (a->nbytes != b->nbytes || memcmp(a->data, b->data, a->nbytes)) fail_msg("%s differ", what);
}

/* Depthwise: vector path (default and explicit tiles) == MMA path, byte for byte. */
static void check_dw(const cspec *c, sc_dtype prec, int zeros) {
    sc_ir_graph *g = conv_graph(c, zeros ? -1 : 0);
    sc_tensor x, ym, yv;
    input(c, &x, zeros);
    static const char *const dwn[3] = {"_dw_mma", "_dw_cb", "_dw_rows"};
    int64_t mma[3] = {1, 0, 0}, vdef[3] = {0, 0, 0}, small[3] = {0, 3, 2};
    run_with(g, dwn, mma, 3, prec, &x, &ym);
    run_with(g, dwn, vdef, 3, prec, &x, &yv);
    same_bytes(&ym, &yv, "depthwise vector and MMA outputs");
    if (prec == SC_DTYPE_FP32 && !zeros) check_ref(g, c, &x, &yv);
    for (size_t i = 0; zeros && !c->bias && i < sc_tensor_numel(&yv); i++)
        assert_false(signbit(sc_tensor_get(&yv, i))); /* +0, as the MMA's sum from +0 */
    sc_tensor_free(&yv);
    run_with(g, dwn, small, 3, prec, &x, &yv);
    same_bytes(&ym, &yv, "depthwise small vector tiles and MMA outputs");
    sc_tensor_free(&x), sc_tensor_free(&ym), sc_tensor_free(&yv);
    sc_ir_graph_destroy(g);
}

static void test_depthwise_vector_exact(void **state) {
    (void)state;
    cspec s[] = {
        {16, 16, 20, 23, 3, 1, 1, 1, 16, 1}, /* 3x3 pad 1 */
        {12, 12, 21, 19, 3, 2, 1, 1, 12, 1}, /* stride 2 */
        {8, 8, 17, 30, 5, 1, 2, 1, 8, 0},    /* 5x5, no bias */
        {6, 6, 15, 15, 3, 1, 2, 2, 6, 1},    /* dilation 2 */
        {5, 5, 9, 140, 3, 1, 0, 1, 5, 1},    /* no padding, a row wider than the array */
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        check_dw(&s[i], SC_DTYPE_FP32, 0);
        check_dw(&s[i], SC_DTYPE_BF16, 0);
    }
    check_dw(&s[2], SC_DTYPE_FP32, 1); /* zeros times negative weights, no bias */
}

/* Regular Conv: every tile attribute combination gives the default's bytes. */
static void test_conv_tiles_exact(void **state) {
    (void)state;
    cspec s[] = {
        {20, 40, 17, 23, 3, 1, 1, 1, 1, 1},
        {6, 24, 30, 150, 3, 2, 1, 1, 1, 0}, /* output rows wider than the array */
        {8, 16, 12, 12, 3, 1, 1, 1, 2, 1},  /* grouped */
    };
    static const char *const tn[3] = {"_cob", "_cp", "_co_fast"};
    int64_t cand[][3] = {{0, 0, 0}, {8, 64, 0}, {8, 64, 1}, {16, 300, 1}, {32, 40, 0}};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        sc_ir_graph *g = conv_graph(&s[i], 0);
        sc_tensor x, y0, y;
        input(&s[i], &x, 0);
        run_with(g, tn, cand[0], 3, SC_DTYPE_FP32, &x, &y0);
        check_ref(g, &s[i], &x, &y0);
        for (size_t k = 1; k < sizeof cand / sizeof cand[0]; k++) {
            run_with(g, tn, cand[k], 3, SC_DTYPE_FP32, &x, &y);
            same_bytes(&y0, &y, "conv outputs with other tiles");
            sc_tensor_free(&y);
        }
        sc_tensor_free(&x), sc_tensor_free(&y0);
        sc_ir_graph_destroy(g);
    }
}

/* The search logs one line per Conv shape, never picks a slower tiling, and keeps the bytes. */
static void test_conv_tile_search(void **state) {
    (void)state;
    cspec s[] = {{64, 64, 28, 28, 3, 1, 1, 1, 1, 1}, {32, 32, 40, 40, 3, 1, 1, 1, 32, 1}};
    for (size_t i = 0; i < 2; i++) {
        sc_ir_graph *g = conv_graph(&s[i], 0);
        sc_tensor x, y0, y;
        input(&s[i], &x, 0);
        uint64_t base = run_with(g, NULL, NULL, 0, SC_DTYPE_FP32, &x, NULL);
        run_with(g, NULL, NULL, 0, SC_DTYPE_FP32, &x, &y0);
        sc_codegen_params cp = sc_codegen_default_params();
        sc_strbuf log;
        sc_strbuf_init(&log);
        sc_err err = {0};
        assert_int_equal(sc_onnx_tile_search(CHIP, g, &cp, &log, &err), SC_OK);
        assert_non_null(strstr(log.data, "tile search: Conv #0"));
        uint64_t best = run_with(g, NULL, NULL, 0, SC_DTYPE_FP32, &x, NULL);
        assert_true(best <= base);
        if (i == 0) assert_true(best < base); /* 64 channels x 784 pixels: 7 of 16 cores busy */
        run_with(g, NULL, NULL, 0, SC_DTYPE_FP32, &x, &y);
        same_bytes(&y0, &y, "outputs after the tile search");
        sc_strbuf_free(&log);
        sc_tensor_free(&x), sc_tensor_free(&y0), sc_tensor_free(&y);
        sc_ir_graph_destroy(g);
    }
}

int main(void) {
    if (!(CHIP = tu_load_chip("seedchip-1"))) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_depthwise_vector_exact),
        cmocka_unit_test(test_conv_tiles_exact),
        cmocka_unit_test(test_conv_tile_search),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sc_chip_destroy(CHIP);
    return rc;
}
