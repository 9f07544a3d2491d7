// SPDX-License-Identifier: Apache-2.0
// Fusion: LayerNorm and RMSNorm as exported op by op (ReduceMean, Sub, Pow, Add eps, Sqrt, Div,
// Mul gamma, Add beta) become one LayerNormalization / RMSNormalization node (one row pass).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_util.h"

#define NP_MAX 10

typedef struct npat {
    int x, rms, axis, gamma, beta, out, first;
    float eps;
    int nodes[NP_MAX], nn;
} npat;

static sc_ir_node *prod_op(sc_ir_graph *g, int v, const char *op) {
    sc_ir_node *p = v >= 0 ? sc_ir_producer(g, v) : NULL;
    return p && !p->dead && !*p->domain && !strcmp(p->op, op) ? p : NULL;
}

static int only_use(sc_ir_graph *g, int v) {
    return sc_ir_uses(g, v) == 1 && !g->vals[v].is_output;
}

/* A constant holding one value (scalar or [1...]); NAN otherwise. */
static double scalar_const(sc_ir_graph *g, int v) {
    const sc_tensor *t = v >= 0 ? g->vals[v].konst : NULL;
    return t && sc_tensor_numel(t) == 1 ? sc_tensor_get(t, 0) : NAN;
}

static void take(npat *p, sc_ir_graph *g, const sc_ir_node *n) {
    if (p->nn < NP_MAX) p->nodes[p->nn++] = (int)(n - g->nodes);
}

/* ReduceMean over trailing axes with keepdims of value `of`: the first reduced axis, or -1. */
static int mean_axis(sc_ir_graph *g, const sc_ir_node *m, int of) {
    if (!m || m->in[0] != of || !sc_ir_attr_i(m, "keepdims", 1)) return -1;
    int64_t ax[SC_IR_MAX_RANK];
    int r = g->vals[of].rank, k = ir_ints(g, m, "axes", 1, ax, SC_IR_MAX_RANK);
    if (k < 1 || k > r) return -1;
    unsigned mask = 0;
    for (int i = 0; i < k; i++) {
        int a = ir_axis(ax[i], r);
        if (a < 0) return -1;
        mask |= 1u << a;
    }
    unsigned want = ((1u << r) - 1) & ~((1u << (r - k)) - 1);
    return mask == want ? r - k : -1;
}

/* v = x^2 as Pow(x, 2) or Mul(x, x): x, or -1. */
static int squared(sc_ir_graph *g, int v, npat *p) {
    sc_ir_node *n = prod_op(g, v, "Pow");
    if (n && scalar_const(g, n->in[1]) == 2.0) return take(p, g, n), n->in[0];
    n = prod_op(g, v, "Mul");
    if (n && n->in[0] == n->in[1]) return take(p, g, n), n->in[0];
    return -1;
}

/* s = Sqrt(ReduceMean(a^2) + eps): fills eps/axis and returns a, or -1. */
static int rms_of(sc_ir_graph *g, int s, npat *p) {
    sc_ir_node *sq = prod_op(g, s, "Sqrt");
    sc_ir_node *ad = sq && only_use(g, s) ? prod_op(g, sq->in[0], "Add") : NULL;
    if (!ad || !only_use(g, sq->in[0])) return -1;
    int side = isnan(scalar_const(g, ad->in[1])) ? 0 : 1;
    p->eps = (float)scalar_const(g, ad->in[side]);
    sc_ir_node *mn = prod_op(g, ad->in[1 - side], "ReduceMean");
    if (isnan(p->eps) || !mn || !only_use(g, ad->in[1 - side]) || !only_use(g, mn->in[0]))
        return -1;
    take(p, g, sq), take(p, g, ad), take(p, g, mn);
    int a = squared(g, mn->in[0], p);
    p->axis = a < 0 ? -1 : mean_axis(g, mn, mn->in[0]);
    return p->axis < 0 ? -1 : a;
}

/* nd = a / s, or a * Reciprocal(s): a and s, else 0. */
static int normalised(sc_ir_graph *g, sc_ir_node *nd, int *a, int *s, npat *p) {
    if (!strcmp(nd->op, "Div")) return *a = nd->in[0], *s = nd->in[1], 1;
    for (int side = 0; side < 2 && !strcmp(nd->op, "Mul"); side++) {
        sc_ir_node *r = prod_op(g, nd->in[side], "Reciprocal");
        if (r && only_use(g, nd->in[side])) {
            take(p, g, r);
            return *a = nd->in[1 - side], *s = r->in[0], 1;
        }
    }
    return 0;
}

/* A constant of exactly the normalised extent R along the trailing axes. */
static int affine_const(sc_ir_graph *g, int v, int x, int axis) {
    const sc_ir_value *c = &g->vals[v], *xv = &g->vals[x];
    if (!c->konst || c->dtype != SC_T_FLOAT || c->rank > xv->rank - axis) return 0;
    int64_t R = 1;
    for (int i = axis; i < xv->rank; i++)
        R *= xv->dims[i];
    for (int i = 0; i < c->rank; i++)
        if (c->dims[c->rank - 1 - i] != xv->dims[xv->rank - 1 - i]) return 0;
    return sc_ir_numel(c) == R;
}

/* The single consumer of v when it is `op` with a constant affine other operand. */
static int affine_next(sc_ir_graph *g, int v, const char *op, npat *p, int *konst) {
    if (!only_use(g, v)) return -1;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead || strcmp(n->op, op) || *n->domain || n->n_in != 2) continue;
        int side = n->in[0] == v ? 0 : n->in[1] == v ? 1 : -1;
        if (side < 0 || !affine_const(g, n->in[1 - side], p->x, p->axis)) continue;
        take(p, g, n);
        *konst = n->in[1 - side];
        return n->out[0];
    }
    return -1;
}

static int match(sc_ir_graph *g, sc_ir_node *nd, npat *p) {
    memset(p, 0, sizeof *p);
    p->gamma = p->beta = -1;
    int a, s;
    if (nd->n_in != 2 || !normalised(g, nd, &a, &s, p)) return 0;
    take(p, g, nd);
    if (rms_of(g, s, p) != a || g->vals[a].dtype != SC_T_FLOAT) return 0;
    sc_ir_node *sub = prod_op(g, a, "Sub"), *mx = sub ? prod_op(g, sub->in[1], "ReduceMean") : NULL;
    int uses = sc_ir_uses(g, a), sq_uses = g->nodes[p->nodes[p->nn - 1]].in[1] == a ? 3 : 2;
    if (mx && uses == sq_uses && only_use(g, sub->in[1]) &&
        mean_axis(g, mx, sub->in[0]) == p->axis) {
        take(p, g, sub), take(p, g, mx);
        p->x = sub->in[0];
    } else {
        p->x = a, p->rms = 1;
    }
    p->out = nd->out[0];
    int y = affine_next(g, p->out, "Mul", p, &p->gamma);
    if (y >= 0) p->out = y;
    if (y >= 0 && !p->rms && (y = affine_next(g, p->out, "Add", p, &p->beta)) >= 0) p->out = y;
    p->first = g->n_nodes;
    for (int i = 0; i < p->nn; i++)
        p->first = SC_MIN(p->first, p->nodes[i]);
    return p->nn < NP_MAX;
}

/* A constant of ones for a missing gamma (the lowerings take a scale). */
static int ones(sc_ir_graph *g, const npat *p, sc_err *err) {
    const sc_ir_value *x = &g->vals[p->x];
    int64_t R = 1;
    for (int i = p->axis; i < x->rank; i++)
        R *= x->dims[i];
    sc_tensor t;
    if (sc_tensor_alloc(&t, SC_T_FLOAT, 1, &R, err) != SC_OK) return -1;
    for (int64_t i = 0; i < R; i++)
        ((float *)t.data)[i] = 1.0f;
    int id = sc_ir_add_value(g, "norm_ones", err);
    if (id < 0 || sc_ir_set_const(g, id, &t, err) != SC_OK) {
        sc_tensor_free(&t);
        return -1;
    }
    return id;
}

static sc_status rewrite(sc_ir_graph *g, const npat *p, sc_err *err) {
    int gamma = p->gamma >= 0 ? p->gamma : ones(g, p, err);
    if (gamma < 0) return err->status;
    int in[3] = {p->x, gamma, p->beta};
    for (int i = 0; i < p->nn; i++)
        g->nodes[p->nodes[i]].dead = 1;
    const char *op = p->rms ? "RMSNormalization" : "LayerNormalization";
    int at = sc_ir_insert_node(g, p->first, op, in, p->beta >= 0 ? 3 : 2, &p->out, 1, err);
    if (at < 0) return err->status;
    sc_ir_node *n = &g->nodes[at];
    g->vals[p->out].producer = at;
    return sc_ir_attr_set_i(g, n, "axis", p->axis, err) ||
                   sc_ir_attr_set_f(g, n, "epsilon", p->eps, err)
               ? err->status
               : SC_OK;
}

sc_status sc_pass_fuse_norm(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        npat p;
        if (n->dead || *n->domain || (strcmp(n->op, "Div") && strcmp(n->op, "Mul"))) continue;
        if (!match(g, n, &p)) continue;
        if (rewrite(g, &p, err) != SC_OK) return err->status;
        *changed = 1;
        i = p.first; /* nodes moved up by one behind the insertion */
    }
    return SC_OK;
}
