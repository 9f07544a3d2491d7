// SPDX-License-Identifier: Apache-2.0
// Control flow inlined at compile time: If with a compile-time condition takes its branch, Loop is
// unrolled one iteration per expansion (so a condition computed in the body is folded before the
// next one is decided), Scan is unrolled over its scan axis. Run-time conditions are refused.
#include <stdlib.h>
#include <string.h>

#include "compiler/ir_expand.h"

#define MAX_ITERATIONS 4096

static sc_ir_graph *body(const sc_ir_node *n, const char *name) {
    const sc_ir_attr *a = sc_ir_attr_get(n, name);
    return a && a->type == SC_IR_ATTR_GRAPH ? a->sub : NULL;
}

/* The outer value standing for subgraph value v (constants copied, outer names looked up). */
static int bind_value(ir_ex *x, const sc_ir_graph *sub, int *map, int v) {
    if (map[v] >= 0) return map[v];
    const sc_ir_value *s = &sub->vals[v];
    if (s->konst) {
        sc_tensor t;
        if (sc_tensor_alloc(&t, s->konst->dtype, s->konst->rank, s->konst->dims, x->err)) return -1;
        if (t.nbytes) memcpy(t.data, s->konst->data, t.nbytes);
        int id = sc_ir_add_value(x->g, NULL, x->err);
        if (id < 0 || sc_ir_set_const(x->g, id, &t, x->err)) {
            sc_tensor_free(&t);
            return -1;
        }
        return map[v] = id;
    }
    int o = sc_ir_find_value(x->g, s->name);
    if (o < 0 || s->producer >= 0 || s->is_input)
        sc_err_set(x->err, SC_ERR_UNSUPPORTED,
                   "subgraph value '%s' is not available where it is inlined (nested control flow)",
                   s->name);
    return map[v] = o;
}

static sc_status copy_attrs(ir_ex *x, const sc_ir_node *from) {
    for (int i = 0; i < from->n_attr; i++) {
        const sc_ir_attr *a = &from->attrs[i];
        sc_ir_attr *b = sc_ir_attr_add(x->g, ir_ex_last(x), a->name, a->type, x->err);
        if (!b) return ir_fail(x->err);
        const char *name = b->name;
        *b = *a; /* payloads stay in the subgraph, which lives as long as the graph */
        b->name = name;
    }
    return SC_OK;
}

/* Emits sub's nodes with its formal inputs bound to bind[0..n_bind); outs[k] gets the outer value
 * of sub's output k. */
static sc_status inline_sub(ir_ex *x, const sc_ir_graph *sub, const int *bind, int n_bind,
                            int *outs) {
    int *map = malloc(sizeof(int) * (size_t)(sub->n_vals + 1)), in[64], out[64];
    if (!map) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int v = 0; v < sub->n_vals; v++)
        map[v] = -1;
    for (int i = 0; i < sub->n_inputs && i < n_bind; i++)
        map[sub->inputs[i]] = bind[i];
    sc_status st = SC_OK;
    for (int i = 0; i < sub->n_nodes && st == SC_OK; i++) {
        const sc_ir_node *sn = &sub->nodes[i];
        if (sn->dead) continue;
        if (sn->n_in > 64 || sn->n_out > 64) {
            st = sc_err_set(x->err, SC_ERR_LIMIT, "subgraph node with too many operands");
            break;
        }
        for (int k = 0; k < sn->n_in; k++)
            in[k] = sn->in[k] < 0 ? -1 : bind_value(x, sub, map, sn->in[k]);
        for (int k = 0; k < sn->n_out; k++)
            out[k] = sn->out[k] < 0 ? -1 : (map[sn->out[k]] = sc_ir_add_value(x->g, NULL, x->err));
        if (x->err->status ||
            sc_ir_insert_node(x->g, x->pos, sn->op, in, sn->n_in, out, sn->n_out, x->err) < 0) {
            st = ir_fail(x->err);
            break;
        }
        x->pos++;
        if (*sn->domain) ir_ex_last(x)->domain = sn->domain;
        st = copy_attrs(x, sn);
    }
    for (int k = 0; k < sub->n_outputs && st == SC_OK; k++)
        if ((outs[k] = bind_value(x, sub, map, sub->outputs[k])) < 0) st = ir_fail(x->err);
    free(map);
    return st;
}

static int unsqueeze(ir_ex *x, int v, int64_t axis) {
    if (x->g->opset >= 13) {
        int a = ir_ex_i64s(x, &axis, 1);
        int in[2] = {v, a};
        return a < 0 ? -1 : ir_ex_emit(x, "Unsqueeze", in, 2, -1);
    }
    int o = ir_ex_emit(x, "Unsqueeze", &v, 1, -1);
    sc_ir_attr *at =
        o < 0 ? NULL : sc_ir_attr_add(x->g, ir_ex_last(x), "axes", SC_IR_ATTR_INTS, x->err);
    if (!at || !(at->ints = sc_arena_alloc(x->g->arena, sizeof(int64_t)))) return -1;
    at->n = 1, at->ints[0] = axis;
    return o;
}

static int concat(ir_ex *x, const int *v, int n, int64_t axis, int out) {
    int o = ir_ex_emit(x, "Concat", v, n, out);
    return o < 0 || sc_ir_attr_set_i(x->g, ir_ex_last(x), "axis", axis, x->err) ? -1 : o;
}

static int identity(ir_ex *x, int v, int out) {
    return out < 0 ? 0 : ir_ex_emit(x, "Identity", &v, 1, out);
}

/* ---- If ---- */

sc_status ir_expand_if(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_value *c = ir_in(x->g, n, 0);
    if (!c) return ir_bad(x->err, n, "missing condition");
    if (!c->konst)
        return ir_unsup(x->err, n, "condition computed at run time (If needs a compile-time one)");
    sc_ir_graph *b = body(n, sc_tensor_get(c->konst, 0) != 0 ? "then_branch" : "else_branch");
    if (!b || b->n_outputs != n->n_out)
        return ir_bad(x->err, n, "branch missing or with the wrong outputs");
    int outs[64];
    if (b->n_outputs > 64) return ir_unsup(x->err, n, "more than 64 outputs");
    if (inline_sub(x, b, NULL, 0, outs)) return x->err->status;
    for (int k = 0; k < n->n_out; k++)
        if (identity(x, outs[k], n->out[k]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- Loop: one iteration per expansion; the rest is a Loop node carrying the iteration count
 * ("_iter") and the scan slices so far ("_nprev" extra inputs). ---- */

static sc_status loop_finish(ir_ex *x, const sc_ir_node *n, int N, int K, int64_t it) {
    for (int j = 0; j < N; j++)
        if (identity(x, n->in[2 + j], n->out[j]) < 0) return ir_fail(x->err);
    if (K && !it) return ir_unsup(x->err, n, "a Loop that runs no iteration (empty scan outputs)");
    int *sl = malloc(sizeof(int) * (size_t)(it + 1));
    if (!sl) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int k = 0; k < K; k++) {
        for (int64_t i = 0; i < it; i++)
            sl[i] = n->in[2 + N + i * K + k];
        if (n->out[N + k] >= 0 && concat(x, sl, (int)it, 0, n->out[N + k]) < 0) {
            free(sl);
            return ir_fail(x->err);
        }
    }
    free(sl);
    return SC_OK;
}

sc_status ir_expand_loop(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *b = body(n, "body");
    int64_t it = sc_ir_attr_i(n, "_iter", 0), prev = sc_ir_attr_i(n, "_nprev", 0);
    if (!b || n->n_in < 2) return ir_bad(x->err, n, "missing body or inputs");
    int N = n->n_in - 2 - (int)prev, K = b->n_outputs - 1 - N;
    if (N < 0 || K < 0 || b->n_inputs != 2 + N || n->n_out != N + K || N + K > 60)
        return ir_bad(x->err, n, "body inputs/outputs do not match the Loop");
    sc_ir_value *mv = ir_in(x->g, n, 0), *cv = ir_in(x->g, n, 1);
    if ((mv && !mv->konst) || (cv && !cv->konst))
        return ir_unsup(x->err, n, "trip count or condition computed at run time");
    int64_t M = mv ? (int64_t)sc_tensor_get(mv->konst, 0) : INT64_MAX;
    int go = (!cv || sc_tensor_get(cv->konst, 0) != 0) && it < M;
    if (!go) {
        if (loop_finish(x, n, N, K, it)) return x->err->status;
        *done = 1;
        return SC_OK;
    }
    if (it >= MAX_ITERATIONS) return ir_unsup(x->err, n, "more than 4096 iterations (unrolled)");
    int bind[64], outs[64];
    bind[0] = ir_ex_scalar(x, SC_T_INT64, (double)it);
    bind[1] = cv ? n->in[1] : ir_ex_scalar(x, SC_T_BOOL, 1);
    for (int j = 0; j < N; j++)
        bind[2 + j] = n->in[2 + j];
    if (bind[0] < 0 || bind[1] < 0 || inline_sub(x, b, bind, 2 + N, outs)) return ir_fail(x->err);
    int nin = 2 + N + (int)prev + K, *in = malloc(sizeof(int) * (size_t)nin);
    if (!in) return sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    in[0] = n->in[0], in[1] = outs[0];
    for (int j = 0; j < N; j++)
        in[2 + j] = outs[1 + j];
    for (int64_t i = 0; i < prev; i++)
        in[2 + N + i] = n->in[2 + N + i];
    int st = 0;
    for (int k = 0; k < K && !st; k++)
        st = (in[2 + N + prev + k] = unsqueeze(x, outs[1 + N + k], 0)) < 0;
    if (!st && sc_ir_insert_node(x->g, x->pos, "Loop", in, nin, n->out, n->n_out, x->err) >= 0) {
        x->pos++;
        sc_ir_node *c = ir_ex_last(x);
        c->name = n->name;
        st = copy_attrs(x, n) || sc_ir_attr_set_i(x->g, c, "_iter", it + 1, x->err) ||
             sc_ir_attr_set_i(x->g, ir_ex_last(x), "_nprev", prev + K, x->err);
    } else
        st = 1;
    free(in);
    if (st) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

/* ---- Scan (opset 9+): unrolled over the scan axis ---- */

static int64_t attr_at(const sc_ir_node *n, const char *name, int i, int64_t def) {
    const sc_ir_attr *a = sc_ir_attr_get(n, name);
    return a && a->type == SC_IR_ATTR_INTS && i < a->n ? a->ints[i] : def;
}

/* The scan inputs of one unrolled scan: values with their shapes, scan axes and directions. */
typedef struct scan_io {
    int N, M, K;
    int64_t T;
    int src[64], rank[64], axis[64], dir[64], odir[64];
    int64_t dims[64][SC_IR_MAX_RANK];
} scan_io;

/* Unrolls body b over T steps: state[] is updated in place; res[k] is scan output k stacked
 * along a new axis 0. */
static sc_status unroll(ir_ex *x, sc_ir_graph *b, const scan_io *s, int *state, int *res) {
    int outs[64], bind[64], K = s->K;
    int *sl = malloc(sizeof(int) * (size_t)(s->T * K + 1)),
        *col = malloc(sizeof(int) * (size_t)s->T);
    sc_status st = sl && col ? SC_OK : sc_err_set(x->err, SC_ERR_NOMEM, "out of memory");
    for (int64_t t = 0; t < s->T && st == SC_OK; t++) {
        for (int j = 0; j < s->N; j++)
            bind[j] = state[j];
        for (int m = 0; m < s->M && st == SC_OK; m++) {
            int64_t tt = s->dir[m] ? s->T - 1 - t : t, d[SC_IR_MAX_RANK];
            for (int i = 0, r = 0; i < s->rank[m]; i++)
                if (i != s->axis[m]) d[r++] = s->dims[m][i];
            int sl1 = ir_ex_slice(x, s->src[m], s->axis[m], tt, tt + 1);
            bind[s->N + m] = ir_ex_reshape(x, sl1, s->rank[m] - 1, d);
            if (bind[s->N + m] < 0) st = ir_fail(x->err);
        }
        if (st == SC_OK) st = inline_sub(x, b, bind, s->N + s->M, outs);
        for (int j = 0; j < s->N && st == SC_OK; j++)
            state[j] = outs[j];
        for (int k = 0; k < K && st == SC_OK; k++)
            if ((sl[t * K + k] = unsqueeze(x, outs[s->N + k], 0)) < 0) st = ir_fail(x->err);
    }
    for (int k = 0; k < K && st == SC_OK; k++) {
        for (int64_t t = 0; t < s->T; t++)
            col[t] = sl[(s->odir[k] ? s->T - 1 - t : t) * K + k];
        if ((res[k] = concat(x, col, (int)s->T, 0, -1)) < 0) st = ir_fail(x->err);
    }
    free(col);
    free(sl);
    return st;
}

static sc_status scan_check(ir_ex *x, const sc_ir_node *n, sc_ir_graph *b, int first, scan_io *s) {
    s->M = (int)sc_ir_attr_i(n, "num_scan_inputs", 0), s->N = n->n_in - first - s->M;
    if (!b || s->M < 1 || s->N < 0 || b->n_inputs != s->N + s->M || b->n_outputs < s->N ||
        s->N + s->M > 60 || b->n_outputs > 60 || n->n_out != b->n_outputs)
        return ir_bad(x->err, n, "body inputs/outputs do not match the Scan");
    s->K = b->n_outputs - s->N;
    for (int k = 0; k < s->K; k++)
        if (attr_at(n, "scan_output_axes", k, 0) != 0)
            return ir_unsup(x->err, n, "scan_output_axes other than 0");
    return SC_OK;
}

/* Scan-8: batch axis 0 on every input, scan axis 1; the body runs per batch element. */
static sc_status scan8(ir_ex *x, const sc_ir_node *n, int *done) {
    sc_ir_graph *b = body(n, "body");
    scan_io s;
    memset(&s, 0, sizeof s);
    if (scan_check(x, n, b, 1, &s)) return x->err->status;
    sc_ir_value *first = ir_in(x->g, n, 1 + s.N), *lens = ir_in(x->g, n, 0);
    if (!first || first->rank < 2) return SC_OK;
    int64_t B = first->dims[0];
    s.T = first->dims[1];
    if (s.T < 1 || s.T > MAX_ITERATIONS || B < 1 || B > 64 || B * s.T > MAX_ITERATIONS)
        return ir_unsup(x->err, n, "batch above 64 or batch x scan length above 4096");
    for (int64_t i = 0; lens && i < B; i++)
        if (!lens->konst || sc_tensor_get(lens->konst, (size_t)i) != (double)s.T)
            return ir_unsup(x->err, n, "sequence_lens shorter than the scan axis");
    int per[64][64], state[64], res[64];
    for (int64_t bb = 0; bb < B; bb++) {
        for (int j = 0; j < s.N + s.M; j++) {
            sc_ir_value *v = ir_in(x->g, n, 1 + j);
            if (!v || v->rank < 1 || v->dims[0] != B)
                return ir_bad(x->err, n, "batch dimensions differ");
            int r = v->rank - 1, piece = ir_ex_slice(x, n->in[1 + j], 0, bb, bb + 1);
            piece = ir_ex_reshape(x, piece, r, v->dims + 1);
            if (piece < 0) return ir_fail(x->err);
            if (j < s.N)
                state[j] = piece;
            else {
                int m = j - s.N;
                s.src[m] = piece, s.rank[m] = r, s.axis[m] = 0;
                s.dir[m] = (int)attr_at(n, "directions", m, 0);
                memcpy(s.dims[m], v->dims + 1, sizeof(int64_t) * (size_t)r);
            }
        }
        if (unroll(x, b, &s, state, res)) return x->err->status;
        for (int k = 0; k < s.N + s.K; k++)
            if ((per[k][bb] = unsqueeze(x, k < s.N ? state[k] : res[k - s.N], 0)) < 0)
                return ir_fail(x->err);
    }
    for (int k = 0; k < s.N + s.K; k++)
        if (n->out[k] >= 0 && concat(x, per[k], (int)B, 0, n->out[k]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}

sc_status ir_expand_scan(ir_ex *x, const sc_ir_node *n, int *done) {
    if (x->g->opset < 9) return scan8(x, n, done);
    sc_ir_graph *b = body(n, "body");
    scan_io s;
    memset(&s, 0, sizeof s);
    if (scan_check(x, n, b, 0, &s)) return x->err->status;
    s.T = -1;
    for (int m = 0; m < s.M; m++) {
        sc_ir_value *v = ir_in(x->g, n, s.N + m);
        if (!v || v->rank < 1) return SC_OK; /* shapes not known yet: the inference reports it */
        int ax = ir_axis(attr_at(n, "scan_input_axes", m, 0), v->rank);
        if (ax < 0 || (s.T >= 0 && v->dims[ax] != s.T)) return ir_bad(x->err, n, "scan input axes");
        s.T = v->dims[ax];
        s.src[m] = n->in[s.N + m], s.rank[m] = v->rank, s.axis[m] = ax;
        s.dir[m] = (int)attr_at(n, "scan_input_directions", m, 0);
        memcpy(s.dims[m], v->dims, sizeof(int64_t) * (size_t)v->rank);
    }
    if (s.T < 1 || s.T > MAX_ITERATIONS) return ir_unsup(x->err, n, "scan length outside 1..4096");
    for (int k = 0; k < s.K; k++)
        s.odir[k] = (int)attr_at(n, "scan_output_directions", k, 0);
    int state[64], res[64];
    for (int j = 0; j < s.N; j++)
        state[j] = n->in[j];
    if (unroll(x, b, &s, state, res)) return x->err->status;
    for (int k = 0; k < s.N + s.K; k++)
        if (identity(x, k < s.N ? state[k] : res[k - s.N], n->out[k]) < 0) return ir_fail(x->err);
    *done = 1;
    return SC_OK;
}
