// SPDX-License-Identifier: Apache-2.0
// Integer ONNX ops on the int8 MMA (MatMulInteger, QLinearMatMul, fused QDQ MatMul) against plain
// C references, bit for bit: uint8/int8 operands, zero points per tensor/row/column, per-column
// scales, constant and run-time weights, batches. Also two lowering limits: CumSum tiles at the
// scratchpad limit, and reductions over rows longer than a tile (300 K elements).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "helpers/testutil.h"
#include "runtime/onnx_runtime.h"
#include "sim/sim.h"

static sc_chip *CHIP;

static uint32_t rng_state;

static int rnd(int lo, int hi) { /* uniform in [lo, hi] (LCG, deterministic) */
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (int)((rng_state >> 8) % (uint32_t)(hi - lo + 1));
}

static sc_ir_graph *graph(void) {
    return tu_ir_graph(13);
}

static int input(sc_ir_graph *g, const char *name, sc_tdtype t, int rank, const int64_t *dims) {
    return tu_ir_input(g, name, t, rank, dims);
}

static int konst(sc_ir_graph *g, const sc_tensor *t) {
    sc_err err = {0};
    sc_tensor k;
    assert_int_equal(sc_tensor_alloc(&k, t->dtype, t->rank, t->dims, &err), SC_OK);
    memcpy(k.data, t->data, sc_tensor_numel(t) * sc_tdtype_size(t->dtype));
    int id = sc_ir_add_value(g, NULL, &err);
    assert_int_equal(sc_ir_set_const(g, id, &k, &err), SC_OK);
    return id;
}

static int node(sc_ir_graph *g, const char *op, const int *in, int n_in, int is_out) {
    sc_err err = {0};
    int o = sc_ir_add_value(g, NULL, &err);
    if (is_out) assert_int_equal(sc_ir_mark_output(g, o, &err), SC_OK);
    assert_true(sc_ir_add_node(g, op, op, in, n_in, &o, 1, &err) >= 0);
    return o;
}

/* Random integers in [lo, hi] (or floats in [lo, hi] / 8 for float tensors). */
static void fill(sc_tensor *t, sc_tdtype dt, int rank, const int64_t *dims, int lo, int hi) {
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(t, dt, rank, dims, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(t); i++)
        sc_tensor_set(t, i, dt == SC_T_FLOAT ? rnd(lo * 64, hi * 64) / 512.0 : rnd(lo, hi));
}

static void scalars(sc_tensor *t, sc_tdtype dt, int64_t n, const double *v) {
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(t, dt, n > 1 ? 1 : 0, &n, &err), SC_OK);
    for (int64_t i = 0; i < n; i++)
        sc_tensor_set(t, (size_t)i, v[i]);
}

static double get(const sc_tensor *t, int64_t i) {
    return sc_tensor_get(t, (size_t)(sc_tensor_numel(t) > 1 ? i : 0));
}

static int lo8(sc_tdtype t) {
    return t == SC_T_UINT8 ? 0 : -128;
}

/* Optimises (skipping `skip` passes), compiles for `cores` cores and runs g; returns the int8
 * MACs and the total MACs of the run in *i8 / *all. */
static void run(sc_ir_graph *g, const char *skip, int cores, const sc_tensor *in, sc_tensor *out,
                double *i8, double *all) {
    sc_err err = {0};
    if (sc_ir_optimize_skip(g, NULL, NULL, skip, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_codegen_params p = sc_codegen_default_params();
    p.cores = cores;
    sc_compiled *cc = NULL;
    if (sc_codegen(CHIP, g, &p, &cc, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_sim *sim = NULL;
    if (sc_onnx_execute(CHIP, cc, in, NULL, out, &sim, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_sim_stats st;
    sc_sim_get_stats(sim, &st);
    if (i8) *i8 = st.macs_by_dtype[SC_DTYPE_INT8];
    if (all) *all = st.macs;
    sc_sim_destroy(sim);
    sc_compiled_destroy(cc);
}

/* ---- the C reference: exact integer sums of (a - za[m]) * (b - zb[n]) ---- */

typedef struct mm_case {
    int64_t batch, M, K, N;
    sc_tdtype ta, tb;
    int64_t nza, nzb; /* zero point elements: 0 (absent), 1, M or N */
    int const_b;      /* B an initializer (compile-time int8 copy) */
} mm_case;

static void ref_int(const mm_case *k, const sc_tensor *a, const sc_tensor *b, const sc_tensor *za,
                    const sc_tensor *zb, int64_t *acc) {
    for (int64_t bi = 0; bi < k->batch; bi++)
        for (int64_t m = 0; m < k->M; m++)
            for (int64_t n = 0; n < k->N; n++) {
                int64_t s = 0;
                for (int64_t j = 0; j < k->K; j++) {
                    int64_t x = (int64_t)get(a, (bi * k->M + m) * k->K + j) -
                                (k->nza ? (int64_t)get(za, m) : 0);
                    int64_t y = (int64_t)get(b, j * k->N + n) - (k->nzb ? (int64_t)get(zb, n) : 0);
                    s += x * y;
                }
                acc[(bi * k->M + m) * k->N + n] = s;
            }
}

/* Graph inputs: a [batch x M x K], b [K x N] (or a constant), zero points (constants). */
typedef struct mm_graph {
    sc_ir_graph *g;
    sc_tensor t[4]; /* a, b, za, zb */
    int v[4];
    sc_tensor in[2];
    int n_in;
} mm_graph;

static void make_operands(const mm_case *k, mm_graph *x) {
    int64_t da[3] = {k->batch, k->M, k->K}, db[2] = {k->K, k->N};
    fill(&x->t[0], k->ta, 3, da, lo8(k->ta), lo8(k->ta) + 255);
    fill(&x->t[1], k->tb, 2, db, lo8(k->tb), lo8(k->tb) + 255);
    int64_t nz[2] = {k->nza, k->nzb};
    sc_tdtype tz[2] = {k->ta, k->tb};
    for (int i = 0; i < 2; i++) {
        double z[256] = {0};
        for (int j = 0; j < nz[i]; j++)
            z[j] = rnd(lo8(tz[i]), lo8(tz[i]) + 255);
        scalars(&x->t[2 + i], tz[i], nz[i] ? nz[i] : 1, z);
    }
    x->g = graph();
    x->v[0] = input(x->g, "a", k->ta, 3, da);
    x->in[0] = x->t[0], x->n_in = 1;
    if (k->const_b) {
        x->v[1] = konst(x->g, &x->t[1]);
    } else {
        x->v[1] = input(x->g, "b", k->tb, 2, db);
        x->in[x->n_in++] = x->t[1];
    }
    x->v[2] = k->nza ? konst(x->g, &x->t[2]) : -1;
    x->v[3] = k->nzb ? konst(x->g, &x->t[3]) : -1;
}

static void free_graph(mm_graph *x) {
    for (int i = 0; i < 4; i++)
        sc_tensor_free(&x->t[i]);
    sc_ir_graph_destroy(x->g);
}

static void check_matmulinteger(const mm_case *k) {
    mm_graph x;
    make_operands(k, &x);
    int in[4] = {x.v[0], x.v[1], x.v[2], x.v[3]};
    node(x.g, "MatMulInteger", in, 4, 1);
    sc_tensor out;
    double i8, all;
    run(x.g, NULL, 0, x.in, &out, &i8, &all);
    assert_true(i8 > 0 && i8 == all); /* every MAC on the int8 MMA */
    int64_t n = k->batch * k->M * k->N, *acc = malloc(sizeof(int64_t) * (size_t)n);
    ref_int(k, &x.t[0], &x.t[1], &x.t[2], &x.t[3], acc);
    assert_int_equal(out.dtype, SC_T_INT32);
    for (int64_t i = 0; i < n; i++)
        if ((int64_t)sc_tensor_get(&out, (size_t)i) != acc[i])
            fail_msg("element %lld: got %.0f want %lld", (long long)i,
                     sc_tensor_get(&out, (size_t)i), (long long)acc[i]);
    free(acc);
    sc_tensor_free(&out);
    free_graph(&x);
}

static void test_matmulinteger(void **state) {
    (void)state;
    rng_state = 1;
    /* uint8 x uint8, zero points per tensor, run-time B, tiles crossing the 128 array */
    mm_case k1 = {1, 37, 150, 131, SC_T_UINT8, SC_T_UINT8, 1, 1, 0};
    check_matmulinteger(&k1);
    /* int8 x int8 without zero points: DMA'd straight into int8, the raw int32 sums stored */
    mm_case k2 = {2, 19, 64, 20, SC_T_INT8, SC_T_INT8, 0, 0, 0};
    check_matmulinteger(&k2);
    /* uint8 A with one zero point per row, int8 B with one per column */
    mm_case k3 = {1, 9, 33, 140, SC_T_UINT8, SC_T_INT8, 9, 140, 0};
    check_matmulinteger(&k3);
    /* constant B (compile-time int8 copy), batch of A, per-column zero points */
    mm_case k4 = {3, 5, 40, 7, SC_T_INT8, SC_T_UINT8, 1, 7, 1};
    check_matmulinteger(&k4);
    mm_case k5 = {1, 130, 17, 3, SC_T_UINT8, SC_T_INT8, 130, 0, 1};
    check_matmulinteger(&k5);
}

/* ---- QLinearMatMul: requantised exactly as the decomposition (and ONNX's reference) does ---- */

static void check_qlinear(const mm_case *k, sc_tdtype ty, int per_col) {
    mm_graph x;
    make_operands(k, &x);
    sc_tensor sa, sb, sy, zy;
    double s1 = 0.0125, sbv[256], syv[256], zyv[256];
    int64_t nc = per_col ? k->N : 1;
    for (int64_t i = 0; i < nc; i++)
        sbv[i] = 0.002 + 0.0001 * (double)rnd(0, 50), syv[i] = 0.5 + 0.01 * (double)rnd(0, 90),
        zyv[i] = rnd(lo8(ty), lo8(ty) + 255);
    scalars(&sa, SC_T_FLOAT, 1, &s1);
    scalars(&sb, SC_T_FLOAT, nc, sbv);
    scalars(&sy, SC_T_FLOAT, nc, syv);
    scalars(&zy, ty, nc, zyv);
    int in[8] = {x.v[0],          konst(x.g, &sa), x.v[2],          x.v[1],
                 konst(x.g, &sb), x.v[3],          konst(x.g, &sy), konst(x.g, &zy)};
    node(x.g, "QLinearMatMul", in, 8, 1);
    sc_tensor out;
    double i8, all;
    run(x.g, NULL, 0, x.in, &out, &i8, &all);
    assert_true(i8 > 0 && i8 == all);
    int64_t n = k->batch * k->M * k->N, *acc = malloc(sizeof(int64_t) * (size_t)n);
    ref_int(k, &x.t[0], &x.t[1], &x.t[2], &x.t[3], acc);
    for (int64_t i = 0; i < n; i++) {
        int64_t c = i % k->N;
        float s = (float)((float)s1 * (float)get(&sb, c)) / (float)get(&sy, c);
        float r = nearbyintf((float)acc[i] * s) + (float)get(&zy, c);
        double want = fmin(fmax(r, lo8(ty)), lo8(ty) + 255);
        if (sc_tensor_get(&out, (size_t)i) != want)
            fail_msg("element %lld: got %.0f want %.0f", (long long)i,
                     sc_tensor_get(&out, (size_t)i), want);
    }
    free(acc);
    sc_tensor_free(&out);
    sc_tensor_free(&sa), sc_tensor_free(&sb), sc_tensor_free(&sy), sc_tensor_free(&zy);
    free_graph(&x);
}

static void test_qlinearmatmul(void **state) {
    (void)state;
    rng_state = 7;
    mm_case k1 = {1, 40, 70, 150, SC_T_UINT8, SC_T_UINT8, 1, 1, 0};
    check_qlinear(&k1, SC_T_UINT8, 0);
    mm_case k2 = {2, 6, 31, 9, SC_T_INT8, SC_T_INT8, 1, 9, 1};
    check_qlinear(&k2, SC_T_INT8, 1); /* per-column scales and zero points, constant B */
    mm_case k3 = {1, 129, 16, 5, SC_T_UINT8, SC_T_INT8, 1, 1, 0};
    check_qlinear(&k3, SC_T_UINT8, 1);
}

/* ---- QDQ: MatMul(DQ(Q(x)), DQ(W)) + bias runs as one int8 QuantMatMul ---- */

static void qdq_graph(sc_ir_graph *g, const sc_tensor *ts) {
    int64_t dx[2] = {24, 96};
    int x = input(g, "x", SC_T_FLOAT, 2, dx);
    int sx = konst(g, &ts[0]), zx = konst(g, &ts[1]);
    int qi[3] = {x, sx, zx}, q = node(g, "QuantizeLinear", qi, 3, 0);
    int di[3] = {q, sx, zx}, dq = node(g, "DequantizeLinear", di, 3, 0);
    int wi[3] = {konst(g, &ts[2]), konst(g, &ts[3]), konst(g, &ts[4])};
    int dw = node(g, "DequantizeLinear", wi, 3, 0);
    int mi[2] = {dq, dw}, y = node(g, "MatMul", mi, 2, 0);
    int ai[2] = {y, konst(g, &ts[5])};
    node(g, "Add", ai, 2, 1);
}

static int live(const sc_ir_graph *g, const char *op) {
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        n += !g->nodes[i].dead && !strcmp(g->nodes[i].op, op);
    return n;
}

static void test_qdq_fused(void **state) {
    (void)state;
    rng_state = 3;
    sc_tensor ts[6], xin;
    double sx = 0.02, zx = 131, sw[80], zw[80] = {0};
    for (int i = 0; i < 80; i++)
        sw[i] = 0.001 * (1 + i % 7);
    int64_t dw[2] = {96, 80}, dx[2] = {24, 96}, db[1] = {80};
    scalars(&ts[0], SC_T_FLOAT, 1, &sx);
    scalars(&ts[1], SC_T_UINT8, 1, &zx);
    fill(&ts[2], SC_T_INT8, 2, dw, -127, 127);
    scalars(&ts[3], SC_T_FLOAT, 80, sw);
    scalars(&ts[4], SC_T_INT8, 80, zw);
    fill(&ts[5], SC_T_FLOAT, 1, db, -4, 4);
    fill(&xin, SC_T_FLOAT, 2, dx, -24, 24); /* some beyond the uint8 range: saturation */
    sc_tensor fused, plain;
    double i8, all;
    sc_ir_graph *g = graph();
    qdq_graph(g, ts);
    run(g, NULL, 0, &xin, &fused, &i8, &all);
    assert_int_equal(live(g, "QuantMatMul"), 1);
    assert_int_equal(live(g, "MatMul") + live(g, "Add"), 0); /* bias fused too */
    assert_true(i8 > 0 && i8 == all);
    sc_ir_graph_destroy(g);
    g = graph();
    qdq_graph(g, ts);
    run(g, "fuse-int8", 0, &xin, &plain, NULL, NULL);
    assert_int_equal(live(g, "QuantMatMul"), 0);
    sc_ir_graph_destroy(g);
    for (int64_t m = 0; m < 24; m++)
        for (int64_t n = 0; n < 80; n++) {
            int64_t acc = 0;
            for (int64_t k = 0; k < 96; k++) {
                float v = nearbyintf((float)get(&xin, m * 96 + k) / (float)sx) + (float)zx;
                acc += (int64_t)(fminf(fmaxf(v, 0), 255) - zx) * (int64_t)get(&ts[2], k * 80 + n);
            }
            float s = (float)sx * (float)sw[n];
            float want = (float)acc * s + (float)get(&ts[5], n);
            double got = sc_tensor_get(&fused, (size_t)(m * 80 + n));
            if (got != want)
                fail_msg("[%lld,%lld] got %.9g want %.9g", (long long)m, (long long)n, got,
                         (double)want);
            /* the float QDQ graph rounds each product: same values within fp32 sums */
            double p = sc_tensor_get(&plain, (size_t)(m * 80 + n));
            assert_true(fabs(p - got) <= 1e-3 + 1e-5 * fabs(p));
        }
    for (int i = 0; i < 6; i++)
        sc_tensor_free(&ts[i]);
    sc_tensor_free(&xin), sc_tensor_free(&fused), sc_tensor_free(&plain);
}

/* QDQ Conv: x [1 x 8 x 12 x 12] -> Q/DQ (zero point zx of type zt) -> Conv 3x3 pad 1 with
 * DQ(int8 W [16 x 8 x 3 x 3], per-channel scales) + bias -> Relu. */
static void qdq_conv_graph(sc_ir_graph *g, const sc_tensor *ts) {
    int64_t dx[4] = {1, 8, 12, 12};
    int x = input(g, "x", SC_T_FLOAT, 4, dx);
    int sx = konst(g, &ts[0]), zx = konst(g, &ts[1]);
    int qi[3] = {x, sx, zx}, q = node(g, "QuantizeLinear", qi, 3, 0);
    int di[3] = {q, sx, zx}, dq = node(g, "DequantizeLinear", di, 3, 0);
    int wi[2] = {konst(g, &ts[2]), konst(g, &ts[3])};
    int dw = node(g, "DequantizeLinear", wi, 2, 0);
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[g->n_nodes - 1], "axis", 0, &err), SC_OK);
    int ci[3] = {dq, dw, konst(g, &ts[4])}, y = node(g, "Conv", ci, 3, 0);
    static int64_t pads[4] = {1, 1, 1, 1}; /* the attribute points at it */
    sc_ir_attr *a = sc_ir_attr_add(g, &g->nodes[g->n_nodes - 1], "pads", SC_IR_ATTR_INTS, &err);
    assert_non_null(a);
    a->ints = pads, a->n = 4;
    node(g, "Relu", &y, 1, 1);
}

/* exact: symmetric activations, bit-exact against the integer sums; else (an asymmetric zero
 * point: explicit padding, the zero point in the bias) within fp32 rounding of them. */
static void check_qdq_conv(sc_tdtype zt, double zx, int exact) {
    sc_tensor ts[5], xin, out;
    double sx = 0.05, sw[16];
    for (int i = 0; i < 16; i++)
        sw[i] = 0.002 * (1 + i % 5);
    int64_t dw[4] = {16, 8, 3, 3}, dx[4] = {1, 8, 12, 12}, db[1] = {16};
    scalars(&ts[0], SC_T_FLOAT, 1, &sx);
    scalars(&ts[1], zt, 1, &zx);
    fill(&ts[2], SC_T_INT8, 4, dw, -127, 127);
    scalars(&ts[3], SC_T_FLOAT, 16, sw);
    fill(&ts[4], SC_T_FLOAT, 1, db, -1, 1);
    fill(&xin, SC_T_FLOAT, 4, dx, -8, 8); /* beyond +-127 * 0.05: saturates */
    sc_ir_graph *g = graph();
    qdq_conv_graph(g, ts);
    double i8, all;
    run(g, NULL, 0, &xin, &out, &i8, &all);
    assert_int_equal(live(g, "QuantizeLinear"), 0); /* quantised in the conv's operand phase */
    assert_true(i8 > 0 && i8 == all);
    sc_ir_graph_destroy(g);
    for (int oc = 0; oc < 16; oc++)
        for (int oy = 0; oy < 12; oy++)
            for (int ox = 0; ox < 12; ox++) {
                int64_t acc = 0;
                double fsum = 0;
                for (int ic = 0; ic < 8; ic++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = oy + ky - 1, ix = ox + kx - 1;
                            if (iy < 0 || iy >= 12 || ix < 0 || ix >= 12) continue;
                            float v =
                                nearbyintf((float)get(&xin, (ic * 12 + iy) * 12 + ix) / (float)sx) +
                                (float)zx;
                            v = fminf(fmaxf(v, (float)lo8(zt)), (float)lo8(zt) + 255) - (float)zx;
                            int64_t w = (int64_t)get(&ts[2], ((oc * 8 + ic) * 3 + ky) * 3 + kx);
                            acc += (int64_t)v * w;
                            fsum += (double)v * sx * (double)w * sw[oc];
                        }
                float want =
                    fmaxf((float)acc * ((float)sx * (float)sw[oc]) + (float)get(&ts[4], oc), 0);
                double got = sc_tensor_get(&out, (size_t)((oc * 12 + oy) * 12 + ox));
                if (exact && got != want)
                    fail_msg("[%d,%d,%d] got %.9g want %.9g", oc, oy, ox, got, (double)want);
                double wf = fmax(fsum + get(&ts[4], oc), 0);
                if (!exact && !(fabs(got - wf) <= 1e-5 * (1 + fabs(wf))))
                    fail_msg("[%d,%d,%d] float QDQ got %.9g want %.9g", oc, oy, ox, got, wf);
            }
    for (int i = 0; i < 5; i++)
        sc_tensor_free(&ts[i]);
    sc_tensor_free(&xin), sc_tensor_free(&out);
}

static void test_qdq_conv(void **state) {
    (void)state;
    rng_state = 11;
    check_qdq_conv(SC_T_INT8, 0, 1);
    check_qdq_conv(SC_T_UINT8, 128, 1);
    check_qdq_conv(SC_T_UINT8, 3, 0); /* asymmetric: the padding is not the int8 zero */
}

/* ---- ConvInteger / QLinearConv with constant weights on the int8 MMA ---- */

/* x [1 x 6 x 9 x 9] (type tx, zero point zx), w [8 x 6 x 3 x 3] constant (type tw, zero point
 * per output channel, values within int8 of it), pads 1, strides s; qlinear: QLinearConv with an
 * int32 bias and uint8 output, else ConvInteger. Checked against the integer sums in C. */
static void check_conv_int(sc_tdtype tx, double zx, sc_tdtype tw, int stride, int qlinear) {
    int64_t dx[4] = {1, 6, 9, 9}, dw[4] = {8, 6, 3, 3}, nb = 8;
    sc_tensor x, w, tzx, tzw, sx, sw, sy, zy, bias, out;
    double zwv[8], swv[8], one = 0.01, ys = 0.75, yz = 120, bv[8];
    for (int i = 0; i < 8; i++)
        zwv[i] = tw == SC_T_UINT8 ? 100 + i : -3 + i, swv[i] = 0.002 * (i + 1),
        bv[i] = rnd(-500, 500);
    fill(&x, tx, 4, dx, lo8(tx), lo8(tx) + 255);
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(&w, tw, 4, dw, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(&w); i++) /* w - w_zp within int8 */
        sc_tensor_set(&w, i, zwv[i / 54] + rnd(-120, 120));
    scalars(&tzx, tx, 1, &zx);
    scalars(&tzw, tw, 8, zwv);
    scalars(&sx, SC_T_FLOAT, 1, &one), scalars(&sw, SC_T_FLOAT, 8, swv);
    scalars(&sy, SC_T_FLOAT, 1, &ys), scalars(&zy, SC_T_UINT8, 1, &yz);
    assert_int_equal(sc_tensor_alloc(&bias, SC_T_INT32, 1, &nb, &err), SC_OK);
    for (int i = 0; i < 8; i++)
        sc_tensor_set(&bias, (size_t)i, bv[i]);
    sc_ir_graph *g = graph();
    int xi = input(g, "x", tx, 4, dx);
    int qin[9] = {xi,
                  konst(g, &sx),
                  konst(g, &tzx),
                  konst(g, &w),
                  konst(g, &sw),
                  konst(g, &tzw),
                  konst(g, &sy),
                  konst(g, &zy),
                  konst(g, &bias)};
    int iin[4] = {xi, konst(g, &w), konst(g, &tzx), konst(g, &tzw)};
    node(g, qlinear ? "QLinearConv" : "ConvInteger", qlinear ? qin : iin, qlinear ? 9 : 4, 1);
    static int64_t pads[4] = {1, 1, 1, 1}, st[2][2] = {{1, 1}, {2, 2}};
    sc_ir_node *cn = &g->nodes[g->n_nodes - 1];
    sc_ir_attr *a = sc_ir_attr_add(g, cn, "pads", SC_IR_ATTR_INTS, &err);
    a->ints = pads, a->n = 4;
    a = sc_ir_attr_add(g, cn, "strides", SC_IR_ATTR_INTS, &err);
    a->ints = st[stride - 1], a->n = 2;
    double i8, all;
    run(g, NULL, 0, &x, &out, &i8, &all);
    assert_true(i8 > 0 && i8 == all);
    int oh = (9 + 2 - 3) / stride + 1;
    for (int oc = 0; oc < 8; oc++)
        for (int y = 0; y < oh; y++)
            for (int xo = 0; xo < oh; xo++) {
                int64_t acc = 0;
                for (int ic = 0; ic < 6; ic++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = y * stride + ky - 1, ix = xo * stride + kx - 1;
                            if (iy < 0 || iy >= 9 || ix < 0 || ix >= 9) continue;
                            acc += ((int64_t)get(&x, (ic * 9 + iy) * 9 + ix) - (int64_t)zx) *
                                   ((int64_t)get(&w, ((oc * 6 + ic) * 3 + ky) * 3 + kx) -
                                    (int64_t)zwv[oc]);
                        }
                double want = (double)acc;
                if (qlinear) {
                    float sc = (float)((float)one * (float)swv[oc]) / (float)ys;
                    float r = nearbyintf((float)(acc + (int64_t)bv[oc]) * sc) + (float)yz;
                    want = fmin(fmax(r, 0), 255);
                }
                double got = sc_tensor_get(&out, (size_t)((oc * oh + y) * oh + xo));
                if (got != want) fail_msg("[%d,%d,%d] got %.0f want %.0f", oc, y, xo, got, want);
            }
    sc_tensor_free(&x), sc_tensor_free(&w), sc_tensor_free(&tzx), sc_tensor_free(&tzw);
    sc_tensor_free(&sx), sc_tensor_free(&sw), sc_tensor_free(&sy), sc_tensor_free(&zy);
    sc_tensor_free(&bias), sc_tensor_free(&out);
    sc_ir_graph_destroy(g);
}

static void test_conv_integer(void **state) {
    (void)state;
    rng_state = 13;
    check_conv_int(SC_T_UINT8, 37, SC_T_INT8, 1, 0);
    check_conv_int(SC_T_INT8, -5, SC_T_UINT8, 2, 0);
    check_conv_int(SC_T_UINT8, 200, SC_T_INT8, 1, 1);
    check_conv_int(SC_T_INT8, 3, SC_T_INT8, 2, 1);
}

/* ---- CumSum at the scratchpad limit ---- */

/* [2 x 3 x 58254] exclusive over axis 1 on one core: 4 MiB / (2 slots x 3 regions x 3 rows x 4 B)
 * gives 58254 columns, whose 699048-byte regions rounded up to 64 B overran the scratchpad by
 * 104 bytes (the second slot's third region ended at 4,194,408). */
static void test_cumsum_spad_limit(void **state) {
    (void)state;
    rng_state = 5;
    int64_t d[3] = {2, 3, 58254}, one = 1;
    sc_ir_graph *g = graph();
    g->opset = 14;
    int x = input(g, "x", SC_T_FLOAT, 3, d);
    sc_tensor ax, t, o;
    double a1 = 1;
    scalars(&ax, SC_T_INT64, one, &a1);
    int in[2] = {x, konst(g, &ax)};
    node(g, "CumSum", in, 2, 1);
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[g->n_nodes - 1], "exclusive", 1, &err), SC_OK);
    fill(&t, SC_T_FLOAT, 3, d, -8, 8);
    run(g, NULL, 1, &t, &o, NULL, NULL);
    for (int64_t b = 0; b < 2; b++)
        for (int64_t c = 0; c < d[2]; c += 97) {
            double s = 0;
            for (int64_t l = 0; l < 3; l++) {
                int64_t i = (b * 3 + l) * d[2] + c;
                assert_true(fabs(sc_tensor_get(&o, (size_t)i) - s) <= 1e-5 * (1 + fabs(s)));
                s += sc_tensor_get(&t, (size_t)i);
            }
        }
    sc_tensor_free(&ax), sc_tensor_free(&t), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

/* ---- reductions longer than a tile (chunked: partials, then a combine) ---- */

static void check_reduce(const char *op, int rank, const int64_t *dims, int na,
                         const double *axes) {
    sc_ir_graph *g = graph();
    g->opset = 18;
    int x = input(g, "x", SC_T_FLOAT, rank, dims);
    sc_tensor ax, t, o;
    scalars(&ax, SC_T_INT64, na, axes);
    if (na == 1) ax.rank = 1, ax.dims[0] = 1; /* axes is a 1-D tensor */
    int in[2] = {x, konst(g, &ax)};
    node(g, op, in, 2, 1);
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[g->n_nodes - 1], "keepdims", 0, &err), SC_OK);
    fill(&t, SC_T_FLOAT, rank, dims, -1, 1);
    run(g, NULL, 0, &t, &o, NULL, NULL);
    /* reference in double: every input index maps to its output index (kept axes only) */
    int64_t n = (int64_t)sc_tensor_numel(&t), no = (int64_t)sc_tensor_numel(&o);
    double *acc = calloc((size_t)no, sizeof *acc), *mag = calloc((size_t)no, sizeof *mag);
    double *mx = malloc((size_t)no * sizeof *mx), cnt = (double)n / (double)no;
    for (int64_t i = 0; i < no; i++)
        mx[i] = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = i, oi = 0, mul = 1;
        for (int d = rank - 1; d >= 0; d--) {
            int64_t c = r % dims[d], red = 0;
            r /= dims[d];
            for (int a = 0; a < na; a++)
                red |= (int64_t)axes[a] == d;
            if (!red) oi += c * mul, mul *= dims[d];
        }
        double v = sc_tensor_get(&t, (size_t)i);
        mx[oi] = fmax(mx[oi], v);
        mag[oi] += fabs(v);
        acc[oi] += !strcmp(op, "ReduceL2") ? v * v : v;
    }
    for (int64_t i = 0; i < no; i++) {
        double want = acc[i], tol = 2e-6 * mag[i] + 1e-6;
        if (!strcmp(op, "ReduceMean")) want /= cnt, tol /= cnt;
        if (!strcmp(op, "ReduceL2")) /* fp32 sums of 65536 squares: ~1e-4 relative */
            want = sqrt(want), tol = 1e-3 * want;
        if (!strcmp(op, "ReduceMax")) want = mx[i], tol = 0;
        if (!strcmp(op, "ReduceLogSumExp")) {
            double e = 0;
            for (int64_t k = 0; k < n; k++) /* only whole-row cases use it (no = 1 or 2 rows) */
                if (k / (n / no) == i) e += exp(sc_tensor_get(&t, (size_t)k));
            want = log(e), tol = 1e-5 * fabs(want) + 1e-5;
        }
        double got = sc_tensor_get(&o, (size_t)i);
        if (!(fabs(got - want) <= tol))
            fail_msg("%s [%lld]: got %.9g want %.9g", op, (long long)i, got, want);
    }
    free(acc), free(mag), free(mx);
    sc_tensor_free(&ax), sc_tensor_free(&t), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

static void test_reduce_long_rows(void **state) {
    (void)state;
    rng_state = 9;
    const char *ops[] = {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceL2", "ReduceLogSumExp"};
    int64_t d2[2] = {2, 300000}; /* 4 chunks of 65536 and a tail of 37856 per row */
    double ax1 = 1;
    for (int i = 0; i < 5; i++)
        check_reduce(ops[i], 2, d2, 1, &ax1);
    int64_t d3[3] = {3, 5, 50000}; /* two non-adjacent reduced axes: chunks of the outer one */
    double ax02[2] = {0, 2};
    check_reduce("ReduceSum", 3, d3, 2, ax02);
    check_reduce("ReduceMax", 3, d3, 2, ax02);
}

int main(void) {
    if (!(CHIP = tu_load_chip("seedchip-1"))) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matmulinteger),    cmocka_unit_test(test_qlinearmatmul),
        cmocka_unit_test(test_qdq_fused),        cmocka_unit_test(test_qdq_conv),
        cmocka_unit_test(test_conv_integer),     cmocka_unit_test(test_cumsum_spad_limit),
        cmocka_unit_test(test_reduce_long_rows),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sc_chip_destroy(CHIP);
    return rc;
}
