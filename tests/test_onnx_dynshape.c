// SPDX-License-Identifier: Apache-2.0
// NonZero, Unique and NonMaxSuppression (data-dependent output shapes) compiled for the chip and
// run on the functional simulator against plain C references; timing mode, .scb metadata and the
// refusal of a dynamic-length value feeding another op.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "helpers/testutil.h"
#include "runtime/onnx_runtime.h"
#include "sim/sim.h"

static sc_chip *CHIP;

static sc_ir_graph *graph(void) {
    return tu_ir_graph(13);
}

static int input(sc_ir_graph *g, const char *name, sc_tdtype t, int rank, const int64_t *dims) {
    return tu_ir_input(g, name, t, rank, dims);
}

static int konst1(sc_ir_graph *g, sc_tdtype t, double v) {
    sc_err err = {0};
    sc_tensor k;
    int64_t one = 1;
    assert_int_equal(sc_tensor_alloc(&k, t, 1, &one, &err), SC_OK);
    sc_tensor_set(&k, 0, v);
    int id = sc_ir_add_value(g, NULL, &err);
    assert_int_equal(sc_ir_set_const(g, id, &k, &err), SC_OK);
    return id;
}

static int node(sc_ir_graph *g, const char *op, const int *in, int n_in, int n_out, int mark) {
    sc_err err = {0};
    int outs[4];
    for (int i = 0; i < n_out; i++) {
        outs[i] = sc_ir_add_value(g, NULL, &err);
        if (mark) assert_int_equal(sc_ir_mark_output(g, outs[i], &err), SC_OK);
    }
    assert_true(sc_ir_add_node(g, op, "n", in, n_in, outs, n_out, &err) >= 0);
    return outs[0];
}

static void attr_i(sc_ir_graph *g, const char *name, int64_t v) {
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, &g->nodes[g->n_nodes - 1], name, v, &err), SC_OK);
}

/* Compiles g (destroyed) and runs it in mode m; *cycles from the timing model when asked. */
static sc_status run(sc_ir_graph *g, const sc_tensor *in, sc_tensor *out, sc_sim_mode m,
                     uint64_t *cycles, sc_err *err) {
    sc_compiled *cc = NULL;
    sc_status st = sc_onnx_compile_graph(CHIP, g, NULL, &cc, err);
    if (st != SC_OK) return st;
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = m;
    sc_sim *s = NULL;
    st = sc_onnx_execute(CHIP, cc, in, &sp, out, &s, err);
    if (st == SC_OK && cycles) {
        sc_sim_stats ss;
        sc_sim_get_stats(s, &ss);
        *cycles = ss.cycles;
    }
    sc_sim_destroy(s);
    sc_compiled_destroy(cc);
    return st;
}

static uint32_t rng(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void alloc(sc_tensor *t, sc_tdtype dt, int rank, const int64_t *dims) {
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(t, dt, rank, dims, &err), SC_OK);
}

/* ---- NonZero ---- */

static void check_nonzero(sc_tdtype dt, int rank, const int64_t *dims, int density, uint32_t seed) {
    sc_ir_graph *g = graph();
    int x = input(g, "x", dt, rank, dims);
    node(g, "NonZero", &x, 1, 1, 1);
    sc_tensor t, o;
    alloc(&t, dt, rank, dims);
    size_t n = sc_tensor_numel(&t);
    for (size_t i = 0; i < n; i++) {
        double v = rng(&seed) % 100 < (uint32_t)density ? (double)(rng(&seed) % 7) - 3 : 0;
        if (dt == SC_T_FLOAT && i % 11 == 5) v = i % 2 ? NAN : -0.0; /* NaN counts, -0 does not */
        sc_tensor_set(&t, i, v);
    }
    sc_err err = {0};
    assert_int_equal(run(g, &t, &o, SC_SIM_FUNCTIONAL, NULL, &err), SC_OK);
    int64_t k = 0, r = rank ? rank : 1;
    assert_int_equal(o.rank, 2);
    assert_int_equal(o.dims[0], r);
    for (size_t i = 0; i < n; i++) {
        double v = sc_tensor_get(&t, i);
        if (v == 0) continue;
        int64_t rem = (int64_t)i;
        for (int a = (int)r - 1; a >= 0; a--) {
            int64_t d = rank ? dims[a] : 1;
            assert_int_equal(sc_tensor_get_i64(&o, (size_t)(a * o.dims[1] + k)), rem % d);
            rem /= d;
        }
        k++;
    }
    assert_int_equal(o.dims[1], k);
    sc_tensor_free(&t);
    sc_tensor_free(&o);
}

static void test_nonzero(void **state) {
    (void)state;
    int64_t d3[3] = {3, 4, 5}, d1[1] = {37}, d2[2] = {1, 1}, d4[4] = {2, 3, 1, 4};
    check_nonzero(SC_T_FLOAT, 3, d3, 50, 1);
    check_nonzero(SC_T_INT32, 1, d1, 30, 2);
    check_nonzero(SC_T_BOOL, 4, d4, 60, 3);
    check_nonzero(SC_T_FLOAT, 1, d1, 0, 4);   /* nothing: length 0 */
    check_nonzero(SC_T_INT64, 1, d1, 100, 5); /* everything: the bound */
    check_nonzero(SC_T_FLOAT, 2, d2, 100, 6);
}

/* ---- Unique ---- */

typedef struct uref {
    int64_t u, *first, *inv, *count; /* unique keys: first occurrence, per key: slot */
} uref;

/* NumPy's unique order: NaN equals NaN and sorts after every number. */
static int key_cmp(const float *k, int64_t L, int64_t a, int64_t b) {
    for (int64_t c = 0; c < L; c++) {
        float x = k[a * L + c], y = k[b * L + c];
        if (isnan(x) || isnan(y)) {
            if (isnan(x) && isnan(y)) continue;
            return isnan(x) ? 1 : -1;
        }
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

/* Plain reference: keys in first-occurrence order, then (sorted) a selection sort of them. */
static void unique_ref(const float *k, int64_t n, int64_t L, int sorted, uref *r) {
    r->first = calloc((size_t)n + 1, 8), r->inv = calloc((size_t)n + 1, 8);
    r->count = calloc((size_t)n + 1, 8);
    r->u = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t s = 0;
        while (s < r->u && key_cmp(k, L, r->first[s], i))
            s++;
        if (s == r->u) r->first[r->u++] = i;
    }
    for (int64_t a = 0; sorted && a < r->u; a++)
        for (int64_t b = a + 1; b < r->u; b++)
            if (key_cmp(k, L, r->first[b], r->first[a]) < 0) {
                int64_t t = r->first[a];
                r->first[a] = r->first[b], r->first[b] = t;
            }
    for (int64_t i = 0; i < n; i++)
        for (int64_t s = 0; s < r->u; s++)
            if (!key_cmp(k, L, r->first[s], i)) r->inv[i] = s, r->count[s]++;
}

/* x [pre, n, post]; keys along axis 1 (or every element when axis < 0). */
static void check_unique(int64_t pre, int64_t n, int64_t post, int axis, int sorted, int range,
                         int nans, uint32_t seed) {
    sc_ir_graph *g = graph();
    int64_t dims[3] = {pre, n, post};
    int x = input(g, "x", SC_T_FLOAT, 3, dims);
    node(g, "Unique", &x, 1, 4, 1);
    attr_i(g, "sorted", sorted);
    if (axis >= 0) attr_i(g, "axis", axis - 3); /* negative axis form */
    sc_tensor t, o[4];
    alloc(&t, SC_T_FLOAT, 3, dims);
    int64_t keys = axis >= 0 ? n : pre * n * post, L = axis >= 0 ? pre * post : 1;
    float *k = malloc(sizeof(float) * (size_t)(keys * L));
    for (int64_t i = 0; i < pre * n * post; i++)
        sc_tensor_set(&t, (size_t)i,
                      nans && i % 5 == 2 ? NAN : (double)(rng(&seed) % (uint32_t)range) * 0.5 - 3);
    for (int64_t a = 0; a < pre; a++) /* key i = the [pre x post] slice at axis index i */
        for (int64_t i = 0; i < n; i++)
            for (int64_t b = 0; b < post; b++) {
                int64_t e = (a * n + i) * post + b;
                int64_t slot = axis >= 0 ? i * L + a * post + b : e;
                k[slot] = (float)sc_tensor_get(&t, (size_t)e);
            }
    sc_err err = {0};
    assert_int_equal(run(g, &t, o, SC_SIM_FUNCTIONAL, NULL, &err), SC_OK);
    uref r;
    unique_ref(k, keys, L, sorted, &r);
    assert_int_equal(o[1].dims[0], r.u);
    assert_int_equal(o[2].dims[0], keys);
    assert_int_equal(o[3].dims[0], r.u);
    for (int64_t s = 0; s < r.u; s++) {
        assert_int_equal(sc_tensor_get_i64(&o[1], (size_t)s), r.first[s]);
        assert_int_equal(sc_tensor_get_i64(&o[3], (size_t)s), r.count[s]);
        for (int64_t c = 0; c < L; c++) { /* Y's slot s holds key first[s] */
            int64_t a = c / post, b = c % post;
            size_t at = axis >= 0 ? (size_t)((a * r.u + s) * post + b) : (size_t)s;
            double got = sc_tensor_get(&o[0], at), want = k[r.first[s] * L + c];
            assert_true(got == want || (isnan(got) && isnan(want)));
        }
    }
    for (int64_t i = 0; i < keys; i++)
        assert_int_equal(sc_tensor_get_i64(&o[2], (size_t)i), r.inv[i]);
    free(k), free(r.first), free(r.inv), free(r.count);
    sc_tensor_free(&t);
    for (int i = 0; i < 4; i++)
        sc_tensor_free(&o[i]);
}

static void test_unique(void **state) {
    (void)state;
    check_unique(1, 37, 1, -1, 1, 9, 0, 1);
    check_unique(1, 37, 1, -1, 0, 9, 0, 2);
    check_unique(2, 6, 3, 1, 1, 2, 0, 3); /* slices of 6 with few values: repeated keys */
    check_unique(2, 6, 3, 1, 0, 2, 0, 4);
    check_unique(3, 5, 1, -1, 1, 1000, 0, 5);   /* all distinct */
    check_unique(1, 1200, 1, -1, 0, 300, 0, 6); /* several row blocks of the comparison planes */
    check_unique(1, 1200, 1, -1, 1, 300, 0, 7);
    check_unique(1, 23, 1, -1, 1, 5, 1, 8); /* NaN keys: one key, sorted last */
    check_unique(1, 23, 1, -1, 0, 5, 1, 9);
    check_unique(2, 7, 2, 1, 1, 2, 1, 10); /* NaN inside slices */
}

/* ---- NonMaxSuppression ---- */

typedef struct nbox {
    float y0, x0, y1, x1;
} nbox;

static nbox corners(const float *b, int center) {
    nbox r;
    if (center) {
        r.x0 = b[0] - b[2] * 0.5f, r.x1 = b[0] + b[2] * 0.5f;
        r.y0 = b[1] - b[3] * 0.5f, r.y1 = b[1] + b[3] * 0.5f;
    } else {
        r.y0 = fminf(b[0], b[2]), r.y1 = fmaxf(b[0], b[2]);
        r.x0 = fminf(b[1], b[3]), r.x1 = fmaxf(b[1], b[3]);
    }
    return r;
}

/* ONNX Runtime's suppression test. */
static int suppress(nbox a, nbox b, float thr) {
    float iy = fminf(a.y1, b.y1) - fmaxf(a.y0, b.y0), ix = fminf(a.x1, b.x1) - fmaxf(a.x0, b.x0);
    if (iy <= 0 || ix <= 0) return 0;
    float inter = iy * ix, aa = (a.x1 - a.x0) * (a.y1 - a.y0), ab = (b.x1 - b.x0) * (b.y1 - b.y0);
    float uni = aa + ab - inter;
    if (aa <= 0 || ab <= 0 || uni <= 0) return 0;
    return inter / uni > thr;
}

/* Greedy reference; returns the number of rows written to sel (3 per row). */
static int64_t nms_ref(const float *bx, const float *sc, int64_t B, int64_t C, int64_t S, int64_t M,
                       float iou, const float *sthr, int center, int64_t *sel) {
    int64_t n = 0, *order = malloc(sizeof(int64_t) * (size_t)S), *kept = malloc(8 * (size_t)S);
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < C; c++) {
            const float *s = sc + (b * C + c) * S;
            int64_t m = 0, nk = 0;
            for (int64_t i = 0; i < S; i++)
                if (!sthr || s[i] > *sthr) order[m++] = i;
            for (int64_t a = 0; a < m; a++) /* stable: higher score first, then lower index */
                for (int64_t z = a + 1; z < m; z++)
                    if (s[order[z]] > s[order[a]] ||
                        (s[order[z]] == s[order[a]] && order[z] < order[a])) {
                        int64_t t = order[a];
                        order[a] = order[z], order[z] = t;
                    }
            for (int64_t a = 0; a < m && nk < M; a++) {
                nbox cand = corners(bx + (b * S + order[a]) * 4, center);
                int ok = 1;
                for (int64_t q = 0; q < nk && ok; q++)
                    ok = !suppress(corners(bx + (b * S + kept[q]) * 4, center), cand, iou);
                if (!ok) continue;
                kept[nk++] = order[a];
                sel[3 * n] = b, sel[3 * n + 1] = c, sel[3 * n + 2] = order[a], n++;
            }
        }
    free(order), free(kept);
    return n;
}

static void check_nms(int64_t B, int64_t C, int64_t S, int64_t M, float iou, int use_sthr,
                      int center, uint32_t seed) {
    sc_ir_graph *g = graph();
    int64_t bd[3] = {B, S, 4}, sd[3] = {B, C, S}, one = 1;
    int in[5] = {input(g, "boxes", SC_T_FLOAT, 3, bd), input(g, "scores", SC_T_FLOAT, 3, sd),
                 konst1(g, SC_T_INT64, (double)M), input(g, "iou", SC_T_FLOAT, 1, &one),
                 use_sthr ? input(g, "sthr", SC_T_FLOAT, 1, &one) : -1};
    node(g, "NonMaxSuppression", in, use_sthr ? 5 : 4, 1, 1);
    attr_i(g, "center_point_box", center);
    sc_tensor t[4], o;
    alloc(&t[0], SC_T_FLOAT, 3, bd), alloc(&t[1], SC_T_FLOAT, 3, sd);
    alloc(&t[2], SC_T_FLOAT, 1, &one), alloc(&t[3], SC_T_FLOAT, 1, &one);
    float *bx = t[0].data, *sc = t[1].data, sthr = 0.3f;
    for (int64_t i = 0; i < B * S * 4; i++) /* a 10 x 10 field of boxes up to 4 wide */
        bx[i] = (float)(rng(&seed) % 1000) / (i % 4 < 2 || center ? 100.0f : 250.0f);
    for (int64_t i = 0; i < B * C * S; i++)
        sc[i] = (float)(rng(&seed) % 64) / 64.0f; /* ties happen */
    sc_tensor_set(&t[2], 0, iou), sc_tensor_set(&t[3], 0, sthr);
    sc_err err = {0};
    assert_int_equal(run(g, t, &o, SC_SIM_FUNCTIONAL, NULL, &err), SC_OK);
    int64_t *want = malloc(sizeof(int64_t) * 3 * (size_t)(B * C * S + 1));
    int64_t n = nms_ref(bx, sc, B, C, S, M, iou, use_sthr ? &sthr : NULL, center, want);
    assert_int_equal(o.rank, 2);
    assert_int_equal(o.dims[0], n);
    for (int64_t i = 0; i < 3 * n; i++)
        assert_int_equal(sc_tensor_get_i64(&o, (size_t)i), want[i]);
    free(want);
    for (int i = 0; i < 4; i++)
        sc_tensor_free(&t[i]);
    sc_tensor_free(&o);
}

static void test_nms(void **state) {
    (void)state;
    check_nms(2, 3, 40, 5, 0.4f, 1, 0, 1);
    check_nms(2, 3, 40, 100, 0.4f, 0, 0, 2);
    check_nms(1, 2, 33, 8, 0.2f, 1, 1, 3);
    check_nms(1, 1, 17, 17, 0.0f, 0, 1, 4); /* threshold 0: any overlap suppresses */
    check_nms(3, 1, 1, 1, 0.5f, 1, 0, 5);
    check_nms(1, 1, 5, 0, 0.5f, 0, 0, 6);     /* max 0: nothing */
    check_nms(1, 3, 1500, 40, 0.5f, 1, 0, 7); /* ranking in row blocks, classes pipelined */
}

/* ---- timing mode, refusal ---- */

static void test_timing_bounded(void **state) {
    (void)state;
    int64_t d = 500;
    uint64_t cyc[2];
    for (int m = 0; m < 2; m++) {
        sc_ir_graph *g = graph();
        int x = input(g, "x", SC_T_FLOAT, 1, &d);
        node(g, "NonZero", &x, 1, 1, 1);
        sc_tensor t, o;
        alloc(&t, SC_T_FLOAT, 1, &d);
        sc_tensor_set(&t, 7, 1.0); /* one non-zero: little actual work */
        sc_err err = {0};
        memset(&o, 0, sizeof o);
        assert_int_equal(run(g, &t, &o, m ? SC_SIM_TIMING : SC_SIM_BOTH, &cyc[m], &err), SC_OK);
        if (!m) assert_int_equal(o.dims[1], 1);
        sc_tensor_free(&t);
        sc_tensor_free(&o);
    }
    /* timing mode has no data: every element takes the store path, the bounded work */
    assert_true(cyc[0] > 0);
    assert_true(cyc[1] > cyc[0]);
}

/* A constant input (an initializer) is read from the program's constants blob. */
static void test_constant_input(void **state) {
    (void)state;
    sc_ir_graph *g = graph();
    int64_t d = 5;
    int c = konst1(g, SC_T_FLOAT, 0.0);
    sc_err err = {0};
    sc_tensor t;
    alloc(&t, SC_T_FLOAT, 1, &d);
    double v[5] = {0, 3, 0, -1, 2};
    for (int i = 0; i < 5; i++)
        sc_tensor_set(&t, (size_t)i, v[i]);
    assert_int_equal(sc_ir_set_const(g, c, &t, &err), SC_OK); /* replaces the scalar */
    node(g, "NonZero", &c, 1, 1, 1);
    sc_tensor o;
    assert_int_equal(run(g, NULL, &o, SC_SIM_FUNCTIONAL, NULL, &err), SC_OK);
    assert_int_equal(o.dims[1], 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sc_tensor_get_i64(&o, (size_t)i), i == 0 ? 1 : i == 1 ? 3 : 4);
    sc_tensor_free(&o);
}

static void test_dynamic_consumer_refused(void **state) {
    (void)state;
    sc_ir_graph *g = graph();
    int64_t d = 8;
    int x = input(g, "x", SC_T_FLOAT, 1, &d);
    int nz = node(g, "NonZero", &x, 1, 1, 0);
    int in[2] = {nz, nz};
    node(g, "Add", in, 2, 1, 1);
    sc_compiled *cc = NULL;
    sc_err err = {0};
    assert_int_equal(sc_onnx_compile_graph(CHIP, g, NULL, &cc, &err), SC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "data-dependent shape of NonZero output"));
    assert_non_null(strstr(err.msg, "feeds Add"));
    assert_null(cc);
}

int main(void) {
    if (!(CHIP = tu_load_chip("seedchip-1"))) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonzero),
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_nms),
        cmocka_unit_test(test_timing_bounded),
        cmocka_unit_test(test_constant_input),
        cmocka_unit_test(test_dynamic_consumer_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sc_chip_destroy(CHIP);
    return rc;
}
