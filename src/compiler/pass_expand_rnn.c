// SPDX-License-Identifier: Apache-2.0
// RNN, GRU and LSTM unrolled over time: one MatMul of all inputs by W, then per step H*R^T on the
// systolic array and the gate math as vector ops (all directions, layouts, lengths, peepholes).
#include <math.h>
#include <string.h>
#include <strings.h>

#include "compiler/ir_expand.h"

enum { K_RNN, K_GRU, K_LSTM };

typedef struct rnn {
    ir_ex *x;
    const sc_ir_node *n;
    int kind, G, dirs, layout, lbr, input_forget;
    int64_t T, B, I, H;
    sc_tdtype dt;
    float clip;
    int xs;    /* X as [T, B, I] */
    int lens;  /* sequence_lens as [B, 1] or -1 */
    int zeros; /* [B, H] zeros */
    int d;     /* direction being built */
    int xw;    /* X W^T + Wb as [T, B, G*H] */
    int rt;    /* R^T [H, G*H] */
    int rb;    /* Rb [G*H] or -1 */
    int rh_t;  /* GRU, linear_before_reset = 0: Rh^T [H, H], Rzr^T [H, 2H] */
    int rzr_t;
    int p[3]; /* LSTM peepholes i, o, f ([H]) or -1 */
    int h, c; /* state */
} rnn;

static int slice(rnn *r, int v, int64_t axis, int64_t s, int64_t e) {
    return ir_ex_slice(r->x, v, axis, s, e);
}

static int reshape2(rnn *r, int v, int64_t a, int64_t b) {
    int64_t d[2] = {a, b};
    return ir_ex_reshape(r->x, v, 2, d);
}

/* The ONNX activation `name` (RNN spelling, case-insensitive) as graph ops. */
static int apply(rnn *r, const char *name, int v, float alpha, float beta) {
    ir_ex *x = r->x;
    static const char *PLAIN[] = {"Tanh", "Sigmoid", "Relu", "Softsign", "Softplus"};
    for (size_t i = 0; i < SC_ARRAY_LEN(PLAIN); i++)
        if (!strcasecmp(name, PLAIN[i])) return ir_ex_unary(x, PLAIN[i], v);
    static const char *ALPHA[] = {"LeakyRelu", "ThresholdedRelu", "Elu", "HardSigmoid"};
    for (size_t i = 0; i < SC_ARRAY_LEN(ALPHA); i++) {
        if (strcasecmp(name, ALPHA[i])) continue;
        int o = ir_ex_unary(x, ALPHA[i], v);
        if (o < 0 ||
            (!isnan(alpha) && sc_ir_attr_set_f(x->g, ir_ex_last(x), "alpha", alpha, x->err)))
            return -1;
        if (i == 3 && !isnan(beta) && sc_ir_attr_set_f(x->g, ir_ex_last(x), "beta", beta, x->err))
            return -1;
        return o;
    }
    if (!strcasecmp(name, "ScaledTanh")) {
        int in = ir_ex_binary(x, "Mul", v, ir_ex_scalar(x, r->dt, beta));
        return ir_ex_binary(x, "Mul", ir_ex_unary(x, "Tanh", in), ir_ex_scalar(x, r->dt, alpha));
    }
    if (!strcasecmp(name, "Affine")) {
        int m = ir_ex_binary(x, "Mul", v, ir_ex_scalar(x, r->dt, alpha));
        return ir_ex_binary(x, "Add", m, ir_ex_scalar(x, r->dt, beta));
    }
    sc_err_set(x->err, SC_ERR_UNSUPPORTED, "node '%s' (%s): activation %s", r->n->name, r->n->op,
               name);
    return -1;
}

/* Activation k of this direction (ONNX names; alpha/beta from the attribute lists). */
static int act(rnn *r, int v, int k) {
    static const char *DEF[3][3] = {{"Tanh"}, {"Sigmoid", "Tanh"}, {"Sigmoid", "Tanh", "Tanh"}};
    int per = r->kind == K_RNN ? 1 : r->kind == K_GRU ? 2 : 3, idx = r->d * per + k;
    const sc_ir_attr *an = sc_ir_attr_get(r->n, "activations");
    const sc_ir_attr *aa = sc_ir_attr_get(r->n, "activation_alpha");
    const sc_ir_attr *ab = sc_ir_attr_get(r->n, "activation_beta");
    const char *name = DEF[r->kind][k];
    if (an && an->type == SC_IR_ATTR_STRINGS && an->s && an->n > idx) {
        name = an->s;
        for (int j = 0; j < idx; j++)
            name += strlen(name) + 1;
    }
    float alpha = aa && aa->n > idx ? aa->floats[idx] : NAN; /* NAN: the op's default */
    float beta = ab && ab->n > idx ? ab->floats[idx] : NAN;
    if (r->clip > 0) {
        int hi = ir_ex_scalar(r->x, r->dt, r->clip), lo = ir_ex_scalar(r->x, r->dt, -r->clip);
        v = ir_ex_binary(r->x, "Max", ir_ex_binary(r->x, "Min", v, hi), lo);
    }
    return apply(r, name, v, alpha, beta);
}

/* Gate g's columns of a [B, G*H] value. */
static int gate(rnn *r, int v, int g) {
    return slice(r, v, 1, g * r->H, (g + 1) * r->H);
}

/* Weights of direction d: W^T, R^T (and GRU's split R^T), biases, peepholes. */
static int weights(rnn *r) {
    ir_ex *x = r->x;
    int64_t GH = r->G * r->H, perm[2] = {1, 0};
    int w = reshape2(r, slice(r, r->n->in[1], 0, r->d, r->d + 1), GH, r->I);
    int R = reshape2(r, slice(r, r->n->in[2], 0, r->d, r->d + 1), GH, r->H);
    int wt = ir_ex_transpose(x, w, 2, perm);
    r->rt = ir_ex_transpose(x, R, 2, perm);
    int64_t flat = r->T * r->B;
    int x2 = reshape2(r, r->xs, flat, r->I);
    int xw = ir_ex_binary(x, "MatMul", x2, wt);
    r->rb = -1;
    sc_ir_value *bv = ir_in(x->g, r->n, 3);
    if (bv) {
        int64_t two = 2 * GH;
        int b = ir_ex_reshape(x, slice(r, r->n->in[3], 0, r->d, r->d + 1), 1, &two);
        xw = ir_ex_binary(x, "Add", xw, slice(r, b, 0, 0, GH));
        r->rb = slice(r, b, 0, GH, 2 * GH);
    }
    int64_t s3[3] = {r->T, r->B, GH};
    r->xw = ir_ex_reshape(x, xw, 3, s3);
    if (r->kind == K_GRU && !r->lbr) {
        r->rzr_t = slice(r, r->rt, 1, 0, 2 * r->H);
        r->rh_t = slice(r, r->rt, 1, 2 * r->H, 3 * r->H);
    }
    for (int k = 0; k < 3; k++)
        r->p[k] = -1;
    if (r->kind == K_LSTM && ir_in(x->g, r->n, 7)) {
        int64_t three = 3 * r->H;
        int p = ir_ex_reshape(x, slice(r, r->n->in[7], 0, r->d, r->d + 1), 1, &three);
        for (int k = 0; k < 3; k++)
            r->p[k] = slice(r, p, 0, k * r->H, (k + 1) * r->H);
    }
    return r->xw < 0 || r->rt < 0 ? -1 : 0;
}

/* Initial state k (1: initial_h at input 5, 2: initial_c at input 6) of this direction. */
static int initial(rnn *r, int input) {
    if (!ir_in(r->x->g, r->n, input)) return r->zeros;
    int ax = r->layout ? 1 : 0;
    return reshape2(r, slice(r, r->n->in[input], ax, r->d, r->d + 1), r->B, r->H);
}

static int hr_plus_bias(rnn *r, int h, int rt, int64_t c0, int64_t c1) {
    int m = ir_ex_binary(r->x, "MatMul", h, rt);
    return r->rb < 0 ? m : ir_ex_binary(r->x, "Add", m, slice(r, r->rb, 0, c0, c1));
}

static int step_rnn(rnn *r, int xt) {
    int pre = ir_ex_binary(r->x, "Add", xt, hr_plus_bias(r, r->h, r->rt, 0, r->H));
    return act(r, pre, 0);
}

static int step_gru(rnn *r, int xt) {
    ir_ex *x = r->x;
    int64_t H = r->H;
    int hz, hrr, hh;
    if (r->lbr) {
        int all = hr_plus_bias(r, r->h, r->rt, 0, 3 * H);
        hz = gate(r, all, 0), hrr = gate(r, all, 1), hh = gate(r, all, 2);
    } else {
        int zr = hr_plus_bias(r, r->h, r->rzr_t, 0, 2 * H);
        hz = gate(r, zr, 0), hrr = gate(r, zr, 1), hh = -1;
    }
    int z = act(r, ir_ex_binary(x, "Add", gate(r, xt, 0), hz), 0);
    int rr = act(r, ir_ex_binary(x, "Add", gate(r, xt, 1), hrr), 0);
    int cand;
    if (r->lbr)
        cand = ir_ex_binary(x, "Mul", rr, hh);
    else
        cand = hr_plus_bias(r, ir_ex_binary(x, "Mul", rr, r->h), r->rh_t, 2 * H, 3 * H);
    int hc = act(r, ir_ex_binary(x, "Add", gate(r, xt, 2), cand), 1);
    /* H = (1 - z) * h~ + z * H = h~ + z * (H - h~) */
    return ir_ex_binary(x, "Add", hc, ir_ex_binary(x, "Mul", z, ir_ex_binary(x, "Sub", r->h, hc)));
}

static int peep(rnn *r, int v, int k, int c) {
    return r->p[k] < 0 ? v : ir_ex_binary(r->x, "Add", v, ir_ex_binary(r->x, "Mul", r->p[k], c));
}

/* Returns H; the new C goes to *cn. */
static int step_lstm(rnn *r, int xt, int *cn) {
    ir_ex *x = r->x;
    int all = ir_ex_binary(x, "Add", xt, hr_plus_bias(r, r->h, r->rt, 0, 4 * r->H));
    int i = act(r, peep(r, gate(r, all, 0), 0, r->c), 0);
    int f;
    if (r->input_forget) {
        int one = ir_ex_scalar(x, r->dt, 1);
        f = ir_ex_binary(x, "Sub", one, i);
    } else
        f = act(r, peep(r, gate(r, all, 2), 2, r->c), 0);
    int g = act(r, gate(r, all, 3), 1);
    int c = ir_ex_binary(x, "Add", ir_ex_binary(x, "Mul", f, r->c), ir_ex_binary(x, "Mul", i, g));
    int o = act(r, peep(r, gate(r, all, 1), 1, c), 0);
    *cn = c;
    return ir_ex_binary(x, "Mul", o, act(r, c, 2));
}

/* Keeps the state where t >= len (sequence ended) and zeroes the output there. */
static int masked(rnn *r, int t, int newv, int oldv) {
    if (r->lens < 0 || newv < 0) return newv;
    int tc = ir_ex_scalar(r->x, SC_T_INT64, (double)t);
    int m = ir_ex_binary(r->x, "Less", tc, r->lens);
    int w3[3] = {m, newv, oldv};
    return m < 0 ? -1 : ir_ex_emit(r->x, "Where", w3, 3, -1);
}

/* One direction: returns Y as [T, B, H] (time order of X); final H and C in r->h, r->c. */
static int direction(rnn *r) {
    ir_ex *x = r->x;
    int rev =
        r->dirs == 2 ? r->d == 1 : !strcmp(sc_ir_attr_s(r->n, "direction", "forward"), "reverse");
    int src = r->xs;
    if (rev && r->lens >= 0) { /* reverse each sequence within its own length */
        int in[2] = {r->xs, r->n->in[4]};
        src = ir_ex_emit(x, "ReverseSequence", in, 2, -1);
    }
    int keep = r->xs;
    r->xs = src;
    if (weights(r)) return -1;
    r->xs = keep;
    r->h = initial(r, 5);
    r->c = r->kind == K_LSTM ? initial(r, 6) : -1;
    int64_t one3[3] = {1, r->B, r->H};
    int ys[4096];
    for (int64_t s = 0; s < r->T; s++) {
        int64_t t = rev && r->lens < 0 ? r->T - 1 - s : s;
        int xt = reshape2(r, slice(r, r->xw, 0, t, t + 1), r->B, r->G * r->H);
        int cn = -1, hn;
        if (r->kind == K_RNN)
            hn = step_rnn(r, xt);
        else if (r->kind == K_GRU)
            hn = step_gru(r, xt);
        else
            hn = step_lstm(r, xt, &cn);
        int y = masked(r, (int)s, hn, r->zeros);
        if (r->kind == K_LSTM) r->c = masked(r, (int)s, cn, r->c);
        r->h = masked(r, (int)s, hn, r->h);
        ys[t] = ir_ex_reshape(x, y, 3, one3);
        if (ys[t] < 0 || r->h < 0) return -1;
    }
    int y = ir_ex_emit(x, "Concat", ys, (int)r->T, -1);
    if (y < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", 0, x->err)) return -1;
    if (rev && r->lens >= 0) {
        int in[2] = {y, r->n->in[4]};
        y = ir_ex_emit(x, "ReverseSequence", in, 2, -1);
    }
    return y;
}

static int concat(ir_ex *x, const int *v, int n, int axis, int out) {
    int o = ir_ex_emit(x, "Concat", v, n, out);
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", axis, x->err) ? -1 : o;
}

/* Stacks per-direction values [.., B, H] (4-D Y or 3-D state) and applies the layout. */
static int finish(rnn *r, const int *per, int is_y, int out) {
    ir_ex *x = r->x;
    int parts[2];
    for (int d = 0; d < r->dirs; d++) {
        int64_t sy[4] = {r->T, 1, r->B, r->H}, sh[3] = {1, r->B, r->H};
        parts[d] = is_y ? ir_ex_reshape(x, per[d], 4, sy) : ir_ex_reshape(x, per[d], 3, sh);
    }
    int st = concat(x, parts, r->dirs, is_y ? 1 : 0, r->layout ? -1 : out);
    if (!r->layout || st < 0) return st;
    int64_t py[4] = {2, 0, 1, 3}, ph[3] = {1, 0, 2};
    int t = ir_ex_transpose(x, st, is_y ? 4 : 3, is_y ? py : ph);
    return t < 0 ? -1 : ir_ex_emit(x, "Identity", &t, 1, out);
}

static sc_status setup(rnn *r, ir_ex *x, const sc_ir_node *n) {
    sc_ir_graph *g = x->g;
    sc_ir_value *X = ir_in(g, n, 0), *W = ir_in(g, n, 1), *R = ir_in(g, n, 2);
    r->x = x, r->n = n;
    r->kind = !strcmp(n->op, "RNN") ? K_RNN : !strcmp(n->op, "GRU") ? K_GRU : K_LSTM;
    r->G = r->kind == K_RNN ? 1 : r->kind == K_GRU ? 3 : 4;
    r->layout = (int)sc_ir_attr_i(n, "layout", 0);
    r->lbr = (int)sc_ir_attr_i(n, "linear_before_reset", 0);
    r->input_forget = (int)sc_ir_attr_i(n, "input_forget", 0);
    r->clip = sc_ir_attr_f(n, "clip", 0);
    r->dirs = !strcmp(sc_ir_attr_s(n, "direction", "forward"), "bidirectional") ? 2 : 1;
    if (X->rank != 3 || W->rank != 3 || R->rank != 3 || W->dims[0] != r->dirs)
        return sc_err_set(x->err, SC_ERR_PARSE, "node '%s' (%s): X, W, R must be 3-D", n->name,
                          n->op);
    r->T = X->dims[r->layout ? 1 : 0], r->B = X->dims[r->layout ? 0 : 1], r->I = X->dims[2];
    r->H = R->dims[2];
    if (W->dims[1] != r->G * r->H || W->dims[2] != r->I || R->dims[1] != r->G * r->H)
        return sc_err_set(x->err, SC_ERR_PARSE, "node '%s' (%s): W/R shapes", n->name, n->op);
    if (r->T < 1 || r->T > 4096)
        return sc_err_set(x->err, SC_ERR_UNSUPPORTED,
                          "node '%s' (%s): %lld time steps (unrolled: 1 to 4096)", n->name, n->op,
                          (long long)r->T);
    r->dt = X->dtype;
    int64_t perm[3] = {1, 0, 2}, bh[2] = {r->B, r->H};
    r->xs = r->layout ? ir_ex_transpose(x, n->in[0], 3, perm) : n->in[0];
    r->zeros = ir_ex_const(x, r->dt, 2, bh, NULL);
    r->lens = ir_in(g, n, 4) ? reshape2(r, n->in[4], r->B, 1) : -1;
    return r->xs < 0 || r->zeros < 0 ? (x->err->status ? x->err->status : SC_ERR_NOMEM) : SC_OK;
}

sc_status ir_expand_rnn(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *g = x->g;
    for (int i = 0; i < 3; i++)
        if (!ir_in(g, n, i) || ir_in(g, n, i)->rank < 0) return SC_OK;
    rnn r;
    memset(&r, 0, sizeof r);
    if (setup(&r, x, n)) return x->err->status;
    int ys[2], hs[2], cs[2];
    for (r.d = 0; r.d < r.dirs; r.d++) {
        ys[r.d] = direction(&r);
        hs[r.d] = r.h, cs[r.d] = r.c;
        if (ys[r.d] < 0) return x->err->status ? x->err->status : SC_ERR_NOMEM;
    }
    int outs[3] = {-1, -1, -1};
    for (int k = 0; k < n->n_out && k < 3; k++)
        outs[k] = n->out[k];
    if ((outs[0] >= 0 && finish(&r, ys, 1, outs[0]) < 0) ||
        (outs[1] >= 0 && finish(&r, hs, 0, outs[1]) < 0) ||
        (outs[2] >= 0 && r.kind == K_LSTM && finish(&r, cs, 0, outs[2]) < 0))
        return x->err->status ? x->err->status : SC_ERR_NOMEM;
    *done = 1;
    return SC_OK;
}
