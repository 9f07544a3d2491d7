// SPDX-License-Identifier: Apache-2.0
// CumSum, scatter/gather by run-time indices, RNN/GRU/LSTM, Einsum, OneHot and ReverseSequence
// compiled for the chip and run on the functional simulator against plain C references.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/ir.h"
#include "helpers/testutil.h"
#include "runtime/onnx_runtime.h"

static sc_chip *CHIP;

static sc_ir_graph *graph(int opset) {
    return tu_ir_graph(opset);
}

static int input(sc_ir_graph *g, const char *name, sc_tdtype t, int rank, const int64_t *dims) {
    return tu_ir_input(g, name, t, rank, dims);
}

static int konst(sc_ir_graph *g, sc_tdtype t, int rank, const int64_t *dims, const double *v) {
    sc_err err = {0};
    sc_tensor k;
    assert_int_equal(sc_tensor_alloc(&k, t, rank, dims, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(&k); i++)
        sc_tensor_set(&k, i, v[i]);
    int id = sc_ir_add_value(g, NULL, &err);
    assert_int_equal(sc_ir_set_const(g, id, &k, &err), SC_OK);
    return id;
}

static int scalar_i64(sc_ir_graph *g, double v) {
    int64_t one = 1;
    return konst(g, SC_T_INT64, 0, &one, &v);
}

/* Adds op with n_out fresh outputs (marked as graph outputs); returns the first. */
static int node(sc_ir_graph *g, const char *op, const int *in, int n_in, int n_out) {
    sc_err err = {0};
    int outs[3];
    for (int i = 0; i < n_out; i++) {
        outs[i] = sc_ir_add_value(g, NULL, &err);
        assert_int_equal(sc_ir_mark_output(g, outs[i], &err), SC_OK);
    }
    assert_true(sc_ir_add_node(g, op, "n", in, n_in, outs, n_out, &err) >= 0);
    return outs[0];
}

static sc_ir_node *last(sc_ir_graph *g) {
    return &g->nodes[g->n_nodes - 1];
}

static void attr_i(sc_ir_graph *g, const char *name, int64_t v) {
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_i(g, last(g), name, v, &err), SC_OK);
}

static void attr_s(sc_ir_graph *g, const char *name, const char *v) {
    sc_err err = {0};
    assert_int_equal(sc_ir_attr_set_s(g, last(g), name, v, &err), SC_OK);
}

static void fill(sc_tensor *t, sc_tdtype dt, int rank, const int64_t *dims, double seed) {
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(t, dt, rank, dims, &err), SC_OK);
    for (size_t i = 0; i < sc_tensor_numel(t); i++)
        sc_tensor_set(t, i, sin(seed * (double)(i + 1)) * (dt == SC_T_INT32 ? 50 : 1));
}

/* Optimises, compiles and runs g; returns the status of the run (outputs filled on SC_OK). */
static sc_status run(sc_ir_graph *g, const sc_tensor *in, sc_tensor *out, sc_err *err) {
    assert_int_equal(sc_ir_optimize(g, NULL, NULL, err), SC_OK);
    sc_compiled *cc = NULL;
    assert_int_equal(sc_codegen(CHIP, g, NULL, &cc, err), SC_OK);
    sc_status st = sc_onnx_execute(CHIP, cc, in, NULL, out, NULL, err);
    sc_compiled_destroy(cc);
    return st;
}

static void near(double got, double want, double tol) {
    if (!(fabs(got - want) <= tol + tol * fabs(want))) fail_msg("got %.9g want %.9g", got, want);
}

/* ---- CumSum ---- */

static void check_cumsum(sc_tdtype dt, int64_t d0, int64_t d1, int64_t d2, int axis, int excl,
                         int rev) {
    sc_ir_graph *g = graph(17);
    int64_t dims[3] = {d0, d1, d2};
    int x = input(g, "x", dt, 3, dims), ax = scalar_i64(g, axis);
    int in[2] = {x, ax};
    node(g, "CumSum", in, 2, 1);
    attr_i(g, "exclusive", excl);
    attr_i(g, "reverse", rev);
    sc_tensor t, o;
    fill(&t, dt, 3, dims, 0.7);
    sc_err err = {0};
    assert_int_equal(run(g, &t, &o, &err), SC_OK);
    int a = axis < 0 ? axis + 3 : axis;
    int64_t L = dims[a], st = a == 2 ? 1 : a == 1 ? d2 : d1 * d2;
    for (int64_t i = 0; i < d0 * d1 * d2; i++) {
        if ((i / st) % L) continue; /* one pass per line: i is its first element */
        double run = 0;
        for (int64_t q = 0; q < L; q++) {
            int64_t k = rev ? L - 1 - q : q;
            double v = sc_tensor_get(&t, (size_t)(i + k * st));
            if (!excl) run += v;
            near(sc_tensor_get(&o, (size_t)(i + k * st)), run, L > 1000 ? 2e-4 : 1e-5); /* fp32 */
            if (excl) run += v;
        }
    }
    sc_tensor_free(&t);
    sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

static void test_cumsum(void **state) {
    (void)state;
    for (int m = 0; m < 4; m++)
        check_cumsum(SC_T_FLOAT, 3, 37, 4, 1, m & 1, m >> 1);
    check_cumsum(SC_T_FLOAT, 2, 3, 129, -1, 1, 0);
    check_cumsum(SC_T_INT32, 5, 4, 3, 0, 0, 1);
    check_cumsum(SC_T_FLOAT, 40, 20, 1, 1, 1, 1);   /* many outer rows per tile */
    check_cumsum(SC_T_FLOAT, 1, 40000, 9, 1, 0, 0); /* the axis splits the columns into chunks */
}

/* ---- ScatterND / ScatterElements / GatherND ---- */

static void test_scatternd_reductions(void **state) {
    (void)state;
    const char *reds[5] = {"none", "add", "mul", "max", "min"};
    for (int r = 0; r < 5; r++) {
        sc_ir_graph *g = graph(18);
        int64_t dd[2] = {6, 3}, id[2] = {4, 1}, ud[2] = {4, 3};
        /* duplicates only where the reduction defines their meaning */
        double idx[4] = {1, -1, r ? 1 : 2, 0};
        int x = input(g, "x", SC_T_FLOAT, 2, dd), u = input(g, "u", SC_T_FLOAT, 2, ud);
        int in[3] = {x, konst(g, SC_T_INT64, 2, id, idx), u};
        node(g, "ScatterND", in, 3, 1);
        attr_s(g, "reduction", reds[r]);
        sc_tensor t[2], o;
        fill(&t[0], SC_T_FLOAT, 2, dd, 0.3);
        fill(&t[1], SC_T_FLOAT, 2, ud, 1.1);
        sc_err err = {0};
        assert_int_equal(run(g, t, &o, &err), SC_OK);
        double want[18];
        for (int i = 0; i < 18; i++)
            want[i] = sc_tensor_get(&t[0], (size_t)i);
        for (int j = 0; j < 4; j++) {
            int row = (int)idx[j] < 0 ? (int)idx[j] + 6 : (int)idx[j];
            for (int c = 0; c < 3; c++) {
                double v = sc_tensor_get(&t[1], (size_t)(j * 3 + c));
                double *w = &want[row * 3 + c];
                *w = r == 0   ? v
                     : r == 1 ? *w + v
                     : r == 2 ? *w * v
                     : r == 3 ? fmax(*w, v)
                              : fmin(*w, v);
            }
        }
        for (int i = 0; i < 18; i++)
            near(sc_tensor_get(&o, (size_t)i), want[i], 1e-6);
        sc_tensor_free(&t[0]), sc_tensor_free(&t[1]), sc_tensor_free(&o);
        sc_ir_graph_destroy(g);
    }
}

static void test_scatter_elements_and_gathernd(void **state) {
    (void)state;
    sc_ir_graph *g = graph(16);
    int64_t dd[2] = {3, 5}, id[2] = {3, 2};
    int x = input(g, "x", SC_T_FLOAT, 2, dd), ix = input(g, "i", SC_T_INT64, 2, id);
    int u = input(g, "u", SC_T_FLOAT, 2, id);
    int in[3] = {x, ix, u};
    node(g, "ScatterElements", in, 3, 1);
    attr_i(g, "axis", 1);
    sc_tensor t[3], o;
    sc_err err = {0};
    fill(&t[0], SC_T_FLOAT, 2, dd, 0.5);
    fill(&t[2], SC_T_FLOAT, 2, id, 0.9);
    assert_int_equal(sc_tensor_alloc(&t[1], SC_T_INT64, 2, id, &err), SC_OK);
    double iv[6] = {4, 0, -1, 2, -5, 3};
    for (int i = 0; i < 6; i++)
        sc_tensor_set(&t[1], (size_t)i, iv[i]);
    assert_int_equal(run(g, t, &o, &err), SC_OK);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 5; c++) {
            double want = sc_tensor_get(&t[0], (size_t)(r * 5 + c));
            for (int j = 0; j < 2; j++)
                if (((int)iv[r * 2 + j] + 5) % 5 == c)
                    want = sc_tensor_get(&t[2], (size_t)(r * 2 + j));
            near(sc_tensor_get(&o, (size_t)(r * 5 + c)), want, 0);
        }
    sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
    /* the same graph with an index outside the axis traps instead of writing elsewhere */
    g = graph(16);
    x = input(g, "x", SC_T_FLOAT, 2, dd), ix = input(g, "i", SC_T_INT64, 2, id);
    u = input(g, "u", SC_T_FLOAT, 2, id);
    int in2[3] = {x, ix, u};
    node(g, "ScatterElements", in2, 3, 1);
    attr_i(g, "axis", 1);
    sc_tensor_set(&t[1], 3, 5);
    sc_err e2 = {0};
    assert_int_not_equal(run(g, t, &o, &e2), SC_OK);
    assert_non_null(strstr(e2.msg, "trap"));
    sc_ir_graph_destroy(g);
    for (int i = 0; i < 3; i++)
        sc_tensor_free(&t[i]);

    /* GatherND, batch_dims 1: data [2, 3, 4], indices [2, 2, 1] -> [2, 2, 4] */
    g = graph(13);
    int64_t gd[3] = {2, 3, 4}, gi[3] = {2, 2, 1};
    double gv[4] = {2, 0, -1, 1};
    int gx = input(g, "x", SC_T_FLOAT, 3, gd);
    int gin[2] = {gx, konst(g, SC_T_INT64, 3, gi, gv)};
    node(g, "GatherND", gin, 2, 1);
    attr_i(g, "batch_dims", 1);
    fill(&t[0], SC_T_FLOAT, 3, gd, 0.2);
    assert_int_equal(run(g, t, &o, &err), SC_OK);
    for (int b = 0; b < 2; b++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 4; k++) {
                int row = ((int)gv[b * 2 + j] + 3) % 3;
                near(sc_tensor_get(&o, (size_t)((b * 2 + j) * 4 + k)),
                     sc_tensor_get(&t[0], (size_t)((b * 3 + row) * 4 + k)), 0);
            }
    sc_tensor_free(&t[0]), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

/* ---- recurrent ops against a direct C implementation ---- */

enum { RNN_T = 4, RNN_B = 3, RNN_I = 5, RNN_H = 6 };

static double sg(double v) {
    return 1 / (1 + exp(-v));
}

typedef struct rref {
    int kind, dirs, lbr;                /* 0 RNN, 1 GRU, 2 LSTM */
    const sc_tensor *X, *W, *R, *B, *P; /* X as [T, B, I] */
    const sc_tensor *h0, *c0;
    const int *lens;
    double Y[RNN_T][2][RNN_B][RNN_H], Yh[2][RNN_B][RNN_H], Yc[2][RNN_B][RNN_H];
} rref;

static double at(const sc_tensor *t, size_t i) {
    return t ? sc_tensor_get(t, i) : 0;
}

/* Pre-activation of gate row j: W x + R h (+ biases). */
static double lin(const rref *r, int d, int G, int row, const double *x, const double *h, int wb,
                  int rb) {
    double s = 0;
    for (int k = 0; k < RNN_I; k++)
        s += at(r->W, (size_t)((d * G * RNN_H + row) * RNN_I + k)) * x[k];
    for (int k = 0; h && k < RNN_H; k++)
        s += at(r->R, (size_t)((d * G * RNN_H + row) * RNN_H + k)) * h[k];
    if (wb) s += at(r->B, (size_t)(d * 2 * G * RNN_H + row));
    if (rb) s += at(r->B, (size_t)(d * 2 * G * RNN_H + G * RNN_H + row));
    return s;
}

static void rref_step(const rref *r, int d, const double *x, double *h, double *c) {
    int G = r->kind == 0 ? 1 : r->kind == 1 ? 3 : 4;
    double nh[RNN_H], nc[RNN_H];
    for (int j = 0; j < RNN_H; j++) {
        if (r->kind == 0) {
            nh[j] = tanh(lin(r, d, G, j, x, h, 1, 1));
        } else if (r->kind == 1) {
            double z = sg(lin(r, d, G, j, x, h, 1, 1)),
                   rr = sg(lin(r, d, G, RNN_H + j, x, h, 1, 1));
            double hc;
            if (r->lbr) {
                hc = lin(r, d, G, 2 * RNN_H + j, x, NULL, 1, 0) +
                     rr * lin(r, d, G, 2 * RNN_H + j, (double[RNN_I]){0}, h, 0, 1);
            } else {
                double rh[RNN_H];
                for (int k = 0; k < RNN_H; k++) /* needs every r_k: recomputed per k */
                    rh[k] = sg(lin(r, d, G, RNN_H + k, x, h, 1, 1)) * h[k];
                hc = lin(r, d, G, 2 * RNN_H + j, x, rh, 1, 1);
            }
            hc = tanh(hc);
            nh[j] = (1 - z) * hc + z * h[j];
        } else {
            double P[3];
            for (int k = 0; k < 3; k++)
                P[k] = at(r->P, (size_t)(d * 3 * RNN_H + k * RNN_H + j));
            double i = sg(lin(r, d, G, j, x, h, 1, 1) + P[0] * c[j]);
            double f = sg(lin(r, d, G, 2 * RNN_H + j, x, h, 1, 1) + P[2] * c[j]);
            double g = tanh(lin(r, d, G, 3 * RNN_H + j, x, h, 1, 1));
            nc[j] = f * c[j] + i * g;
            double o = sg(lin(r, d, G, RNN_H + j, x, h, 1, 1) + P[1] * nc[j]);
            nh[j] = o * tanh(nc[j]);
        }
    }
    memcpy(h, nh, sizeof nh);
    if (r->kind == 2) memcpy(c, nc, sizeof nc);
}

static void rref_run(rref *r, int reverse_only) {
    memset(r->Y, 0, sizeof r->Y);
    for (int d = 0; d < r->dirs; d++)
        for (int b = 0; b < RNN_B; b++) {
            int len = r->lens ? r->lens[b] : RNN_T, rev = r->dirs == 2 ? d : reverse_only;
            double h[RNN_H], c[RNN_H], x[RNN_I];
            for (int j = 0; j < RNN_H; j++) {
                h[j] = at(r->h0, (size_t)((d * RNN_B + b) * RNN_H + j));
                c[j] = at(r->c0, (size_t)((d * RNN_B + b) * RNN_H + j));
            }
            for (int s = 0; s < len; s++) {
                int t = rev ? len - 1 - s : s;
                for (int k = 0; k < RNN_I; k++)
                    x[k] = sc_tensor_get(r->X, (size_t)((t * RNN_B + b) * RNN_I + k));
                rref_step(r, d, x, h, c);
                memcpy(r->Y[t][d][b], h, sizeof h);
            }
            memcpy(r->Yh[d][b], h, sizeof h);
            memcpy(r->Yc[d][b], c, sizeof c);
        }
}

/* Builds op with every optional input, runs it and compares Y, Y_h (and Y_c). */
static void check_recurrent(const char *op, int kind, const char *dir, int lbr, int with_lens) {
    int dirs = !strcmp(dir, "bidirectional") ? 2 : 1, G = kind == 0 ? 1 : kind == 1 ? 3 : 4;
    sc_ir_graph *g = graph(14);
    int64_t xd[3] = {RNN_T, RNN_B, RNN_I}, wd[3] = {dirs, G * RNN_H, RNN_I};
    int64_t rd[3] = {dirs, G * RNN_H, RNN_H}, bd[2] = {dirs, 2 * G * RNN_H}, ld[1] = {RNN_B};
    int64_t hd[3] = {dirs, RNN_B, RNN_H}, pd[2] = {dirs, 3 * RNN_H};
    sc_tensor t[8];
    fill(&t[0], SC_T_FLOAT, 3, xd, 0.31);
    fill(&t[1], SC_T_FLOAT, 3, wd, 0.53);
    fill(&t[2], SC_T_FLOAT, 3, rd, 0.71);
    fill(&t[3], SC_T_FLOAT, 2, bd, 0.37);
    int lens[RNN_B] = {RNN_T, 2, 1};
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(&t[4], SC_T_INT32, 1, ld, &err), SC_OK);
    for (int b = 0; b < RNN_B; b++)
        sc_tensor_set(&t[4], (size_t)b, lens[b]);
    fill(&t[5], SC_T_FLOAT, 3, hd, 0.43);
    fill(&t[6], SC_T_FLOAT, 3, hd, 0.29);
    fill(&t[7], SC_T_FLOAT, 2, pd, 0.61);
    int in[8];
    int64_t *shapes[8] = {xd, wd, rd, bd, ld, hd, hd, pd};
    int ranks[8] = {3, 3, 3, 2, 1, 3, 3, 2}, n_in = kind == 2 ? 8 : 6;
    for (int i = 0; i < n_in; i++) {
        char name[8] = {'i', (char)('0' + i), 0};
        in[i] = input(g, name, i == 4 ? SC_T_INT32 : SC_T_FLOAT, ranks[i], shapes[i]);
    }
    sc_tensor feed[8];
    int nf = 0;
    for (int i = 0; i < n_in; i++)
        feed[nf++] = t[i];
    if (!with_lens) { /* sequence_lens left out: its slot is empty */
        in[4] = -1;
        g->n_inputs--;
        memmove(&g->inputs[4], &g->inputs[5], sizeof(int) * (size_t)(n_in - 5));
        memmove(&feed[4], &feed[5], sizeof feed[0] * (size_t)(n_in - 5));
        nf--;
    }
    node(g, op, in, n_in, kind == 2 ? 3 : 2);
    attr_i(g, "hidden_size", RNN_H);
    attr_s(g, "direction", dir);
    if (kind == 1) attr_i(g, "linear_before_reset", lbr);
    sc_tensor o[3];
    assert_int_equal(run(g, feed, o, &err), SC_OK);
    rref *rp = calloc(1, sizeof *rp);
    assert_non_null(rp);
    rp->kind = kind, rp->dirs = dirs, rp->lbr = lbr;
    rp->X = &t[0], rp->W = &t[1], rp->R = &t[2], rp->B = &t[3];
    rp->P = kind == 2 ? &t[7] : NULL, rp->h0 = &t[5], rp->c0 = &t[6];
    rp->lens = with_lens ? lens : NULL;
    rref_run(rp, !strcmp(dir, "reverse"));
    for (int i = 0; i < RNN_T * dirs * RNN_B * RNN_H; i++)
        near(sc_tensor_get(&o[0], (size_t)i),
             (&rp->Y[0][0][0][0])[(i / (dirs * RNN_B * RNN_H)) * 2 * RNN_B * RNN_H +
                                  i % (dirs * RNN_B * RNN_H)],
             2e-5);
    for (int i = 0; i < dirs * RNN_B * RNN_H; i++) {
        near(sc_tensor_get(&o[1], (size_t)i), (&rp->Yh[0][0][0])[i], 2e-5);
        if (kind == 2) near(sc_tensor_get(&o[2], (size_t)i), (&rp->Yc[0][0][0])[i], 2e-5);
    }
    free(rp);
    for (int i = 0; i < (kind == 2 ? 3 : 2); i++)
        sc_tensor_free(&o[i]);
    for (int i = 0; i < 8; i++)
        sc_tensor_free(&t[i]);
    sc_ir_graph_destroy(g);
}

static void test_lstm(void **state) {
    (void)state;
    check_recurrent("LSTM", 2, "bidirectional", 0, 1);
    check_recurrent("LSTM", 2, "reverse", 0, 0);
}

static void test_gru_rnn(void **state) {
    (void)state;
    check_recurrent("GRU", 1, "forward", 0, 1);
    check_recurrent("GRU", 1, "bidirectional", 1, 0);
    check_recurrent("RNN", 0, "reverse", 0, 1);
}

/* ---- Einsum, OneHot, ReverseSequence ---- */

static void test_einsum(void **state) {
    (void)state;
    /* "bij,bjk->bik" then a diagonal and a full sum of one operand */
    sc_ir_graph *g = graph(12);
    int64_t ad[3] = {2, 3, 4}, bd[3] = {2, 4, 5};
    int a = input(g, "a", SC_T_FLOAT, 3, ad), b = input(g, "b", SC_T_FLOAT, 3, bd);
    int in[2] = {a, b};
    node(g, "Einsum", in, 2, 1);
    attr_s(g, "equation", "bij, bjk -> bik");
    sc_tensor t[2], o;
    fill(&t[0], SC_T_FLOAT, 3, ad, 0.4);
    fill(&t[1], SC_T_FLOAT, 3, bd, 0.8);
    sc_err err = {0};
    assert_int_equal(run(g, t, &o, &err), SC_OK);
    for (int bb = 0; bb < 2; bb++)
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 5; k++) {
                double want = 0;
                for (int j = 0; j < 4; j++)
                    want += sc_tensor_get(&t[0], (size_t)((bb * 3 + i) * 4 + j)) *
                            sc_tensor_get(&t[1], (size_t)((bb * 4 + j) * 5 + k));
                near(sc_tensor_get(&o, (size_t)((bb * 3 + i) * 5 + k)), want, 1e-5);
            }
    sc_tensor_free(&t[0]), sc_tensor_free(&t[1]), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);

    g = graph(12);
    int64_t sd[3] = {2, 4, 4};
    a = input(g, "a", SC_T_FLOAT, 3, sd);
    node(g, "Einsum", &a, 1, 1);
    attr_s(g, "equation", "...ii->...i");
    fill(&t[0], SC_T_FLOAT, 3, sd, 0.6);
    assert_int_equal(run(g, t, &o, &err), SC_OK);
    for (int bb = 0; bb < 2; bb++)
        for (int i = 0; i < 4; i++)
            near(sc_tensor_get(&o, (size_t)(bb * 4 + i)),
                 sc_tensor_get(&t[0], (size_t)(bb * 16 + i * 5)), 1e-6);
    sc_tensor_free(&t[0]), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);

    g = graph(12);
    a = input(g, "a", SC_T_FLOAT, 3, sd);
    node(g, "Einsum", &a, 1, 1);
    attr_s(g, "equation", "cab"); /* implicit output: the labels once each, sorted */
    fill(&t[0], SC_T_FLOAT, 3, sd, 0.6);
    assert_int_equal(run(g, t, &o, &err), SC_OK);
    assert_int_equal(o.rank, 3);
    assert_int_equal(o.dims[0], 4); /* a (= dim 1) b (= dim 2) c (= dim 0) */
    assert_int_equal(o.dims[2], 2);
    near(sc_tensor_get(&o, 1), sc_tensor_get(&t[0], 16), 0);
    sc_tensor_free(&t[0]), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

static void test_onehot_reverse_sequence(void **state) {
    (void)state;
    sc_ir_graph *g = graph(11);
    int64_t id[2] = {2, 3}, vd[1] = {2};
    double vals[2] = {-2, 7};
    int ix = input(g, "i", SC_T_INT64, 2, id), dep = scalar_i64(g, 5);
    int in[3] = {ix, dep, konst(g, SC_T_FLOAT, 1, vd, vals)};
    node(g, "OneHot", in, 3, 1);
    attr_i(g, "axis", 1);
    sc_tensor t, o;
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(&t, SC_T_INT64, 2, id, &err), SC_OK);
    double iv[6] = {0, 4, -1, -5, 2, 9}; /* 9 is out of range: all off */
    for (int i = 0; i < 6; i++)
        sc_tensor_set(&t, (size_t)i, iv[i]);
    assert_int_equal(run(g, &t, &o, &err), SC_OK);
    assert_int_equal(o.dims[1], 5);
    for (int a = 0; a < 2; a++)
        for (int d = 0; d < 5; d++)
            for (int c = 0; c < 3; c++) {
                int k = (int)iv[a * 3 + c];
                int hot = (k < 0 ? k + 5 : k) == d;
                near(sc_tensor_get(&o, (size_t)((a * 5 + d) * 3 + c)), hot ? 7 : -2, 0);
            }
    sc_tensor_free(&t), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);

    g = graph(11);
    int64_t xd[3] = {4, 3, 2}, ld[1] = {3};
    int x = input(g, "x", SC_T_FLOAT, 3, xd), l = input(g, "l", SC_T_INT64, 1, ld);
    int rin[2] = {x, l};
    node(g, "ReverseSequence", rin, 2, 1);
    sc_tensor ti[2];
    fill(&ti[0], SC_T_FLOAT, 3, xd, 0.9);
    assert_int_equal(sc_tensor_alloc(&ti[1], SC_T_INT64, 1, ld, &err), SC_OK);
    int lens[3] = {4, 1, 3};
    for (int b = 0; b < 3; b++)
        sc_tensor_set(&ti[1], (size_t)b, lens[b]);
    assert_int_equal(run(g, ti, &o, &err), SC_OK);
    for (int tt = 0; tt < 4; tt++)
        for (int b = 0; b < 3; b++)
            for (int k = 0; k < 2; k++) {
                int src = tt < lens[b] ? lens[b] - 1 - tt : tt;
                near(sc_tensor_get(&o, (size_t)((tt * 3 + b) * 2 + k)),
                     sc_tensor_get(&ti[0], (size_t)((src * 3 + b) * 2 + k)), 0);
            }
    sc_tensor_free(&ti[0]), sc_tensor_free(&ti[1]), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

/* ---- TopK: ties keep the lower index first ---- */

static void check_topk(int largest) {
    sc_ir_graph *g = graph(11);
    int64_t xd[2] = {2, 6};
    int x = input(g, "x", SC_T_FLOAT, 2, xd),
        kk = konst(g, SC_T_INT64, 1, (int64_t[]){1}, (double[]){3});
    int in[2] = {x, kk};
    node(g, "TopK", in, 2, 2);
    attr_i(g, "largest", largest);
    double xv[12] = {3, 1, 3, -2, 7, 1, 0, 0, 5, 0, -1, 5};
    sc_tensor t, o[2];
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(&t, SC_T_FLOAT, 2, xd, &err), SC_OK);
    for (int i = 0; i < 12; i++)
        sc_tensor_set(&t, (size_t)i, xv[i]);
    assert_int_equal(run(g, &t, o, &err), SC_OK);
    for (int r = 0; r < 2; r++) {
        int used[6] = {0};
        for (int k = 0; k < 3; k++) { /* reference: selection sort, first index wins ties */
            int best = -1;
            for (int j = 0; j < 6; j++) {
                double v = xv[r * 6 + j], b = best < 0 ? 0 : xv[r * 6 + best];
                if (!used[j] && (best < 0 || (largest ? v > b : v < b))) best = j;
            }
            used[best] = 1;
            near(sc_tensor_get(&o[0], (size_t)(r * 3 + k)), xv[r * 6 + best], 0);
            assert_int_equal(sc_tensor_get_i64(&o[1], (size_t)(r * 3 + k)), best);
        }
    }
    sc_tensor_free(&t), sc_tensor_free(&o[0]), sc_tensor_free(&o[1]);
    sc_ir_graph_destroy(g);
}

static void test_topk(void **state) {
    (void)state;
    check_topk(1);
    check_topk(0);
}

/* ---- DFT (complex input along axis 1, zero-padded, inverse) and Det ---- */

static void test_dft_det(void **state) {
    (void)state;
    for (int inv = 0; inv < 2; inv++) {
        sc_ir_graph *g = graph(17);
        int64_t xd[3] = {2, 5, 2}, N = 5, len = 8;
        int x = input(g, "x", SC_T_FLOAT, 3, xd), L = scalar_i64(g, (double)len);
        int in[2] = {x, L};
        node(g, "DFT", in, 2, 1);
        attr_i(g, "inverse", inv);
        attr_i(g, "onesided", !inv);
        sc_tensor t, o;
        fill(&t, SC_T_FLOAT, 3, xd, 0.45);
        sc_err err = {0};
        assert_int_equal(run(g, &t, &o, &err), SC_OK);
        int64_t bins = inv ? len : len / 2 + 1;
        assert_int_equal(o.dims[1], bins);
        for (int b = 0; b < 2; b++)
            for (int64_t k = 0; k < bins; k++) {
                double re = 0, im = 0, sg = inv ? 1 : -1;
                for (int64_t n = 0; n < N; n++) {
                    double xr = sc_tensor_get(&t, (size_t)((b * N + n) * 2));
                    double xi = sc_tensor_get(&t, (size_t)((b * N + n) * 2 + 1));
                    double th = 2 * M_PI * (double)(k * n) / (double)len;
                    re += xr * cos(th) - sg * xi * sin(th);
                    im += xi * cos(th) + sg * xr * sin(th);
                }
                double sc = inv ? 1.0 / (double)len : 1;
                near(sc_tensor_get(&o, (size_t)((b * bins + k) * 2)), re * sc, 1e-4);
                near(sc_tensor_get(&o, (size_t)((b * bins + k) * 2 + 1)), im * sc, 1e-4);
            }
        sc_tensor_free(&t), sc_tensor_free(&o);
        sc_ir_graph_destroy(g);
    }
    sc_ir_graph *g = graph(11);
    int64_t md[3] = {2, 3, 3};
    int m = input(g, "m", SC_T_FLOAT, 3, md);
    node(g, "Det", &m, 1, 1);
    sc_tensor t, o;
    fill(&t, SC_T_FLOAT, 3, md, 1.3);
    sc_err err = {0};
    assert_int_equal(run(g, &t, &o, &err), SC_OK);
    for (int b = 0; b < 2; b++) {
        double a[9];
        for (int i = 0; i < 9; i++)
            a[i] = sc_tensor_get(&t, (size_t)(b * 9 + i));
        double want = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                      a[2] * (a[3] * a[7] - a[4] * a[6]);
        near(sc_tensor_get(&o, (size_t)b), want, 1e-5);
    }
    sc_tensor_free(&t), sc_tensor_free(&o);
    sc_ir_graph_destroy(g);
}

/* ---- Loop whose condition the body computes (unrolled until it folds to false) ---- */

static int sub_node(sc_ir_graph *g, const char *op, const int *in, int n_in, const char *out) {
    sc_err err = {0};
    int o = sc_ir_add_value(g, out, &err);
    assert_true(sc_ir_add_node(g, op, out, in, n_in, &o, 1, &err) >= 0);
    return o;
}

static void test_loop_body_condition(void **state) {
    (void)state;
    sc_err err = {0};
    sc_ir_graph *g = graph(13), *b = graph(13);
    assert_int_equal(sc_ir_own_sub(g, b, &err), SC_OK);
    int64_t two = 2, one = 1;
    int it = input(b, "it", SC_T_INT64, 0, &one), c = input(b, "c", SC_T_BOOL, 0, &one);
    int y = input(b, "y", SC_T_FLOAT, 1, &two), w = sc_ir_add_value(b, "w", &err);
    (void)c;
    int add[2] = {y, w}, lt[2] = {it, scalar_i64(b, 3)};
    int y2 = sub_node(b, "Add", add, 2, "y2"), c2 = sub_node(b, "Less", lt, 2, "c2");
    int s = sub_node(b, "Identity", &y2, 1, "s");
    int bo[3] = {c2, y2, s};
    for (int i = 0; i < 3; i++)
        assert_int_equal(sc_ir_mark_output(b, bo[i], &err), SC_OK);
    int y0 = input(g, "y0", SC_T_FLOAT, 1, &two);
    input(g, "w", SC_T_FLOAT, 1, &two);
    double t = 1;
    int in[3] = {scalar_i64(g, 10), konst(g, SC_T_BOOL, 0, &one, &t), y0};
    node(g, "Loop", in, 3, 2);
    sc_ir_attr *a = sc_ir_attr_add(g, last(g), "body", SC_IR_ATTR_GRAPH, &err);
    assert_non_null(a);
    a->sub = b;
    sc_tensor ti[2], o[2];
    fill(&ti[0], SC_T_FLOAT, 1, &two, 0.5);
    fill(&ti[1], SC_T_FLOAT, 1, &two, 0.8);
    assert_int_equal(run(g, ti, o, &err), SC_OK);
    assert_int_equal(o[1].rank, 2);
    assert_int_equal(o[1].dims[0], 4); /* iterations 0..3: the condition is false after 3 */
    for (int j = 0; j < 2; j++) {
        double y0v = sc_tensor_get(&ti[0], (size_t)j), wv = sc_tensor_get(&ti[1], (size_t)j);
        near(sc_tensor_get(&o[0], (size_t)j), y0v + 4 * wv, 1e-6);
        for (int k = 0; k < 4; k++)
            near(sc_tensor_get(&o[1], (size_t)(k * 2 + j)), y0v + (k + 1) * wv, 1e-6);
    }
    for (int i = 0; i < 2; i++)
        sc_tensor_free(&ti[i]), sc_tensor_free(&o[i]);
    sc_ir_graph_destroy(g);
}

int main(void) {
    if (!(CHIP = tu_load_chip("seedchip-1"))) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cumsum),
        cmocka_unit_test(test_scatternd_reductions),
        cmocka_unit_test(test_scatter_elements_and_gathernd),
        cmocka_unit_test(test_lstm),
        cmocka_unit_test(test_gru_rnn),
        cmocka_unit_test(test_einsum),
        cmocka_unit_test(test_onehot_reverse_sequence),
        cmocka_unit_test(test_topk),
        cmocka_unit_test(test_dft_det),
        cmocka_unit_test(test_loop_body_condition),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sc_chip_destroy(CHIP);
    return rc;
}
