// SPDX-License-Identifier: Apache-2.0
// Host evaluation of nodes whose inputs are all constant (shape arithmetic, weight reshuffles).
#include <math.h>
#include <string.h>

#include "compiler/ir_util.h"

#define EVAL_MAX_ELEMS (64ll << 20)

#define IN(i)  ir_in(g, n, i)
#define OUT(i) ir_out(g, n, i)

typedef struct coords {
    int rank;
    int64_t c[SC_IR_MAX_RANK];
} coords;

static void unravel(size_t i, int rank, const int64_t *dims, int64_t *c) {
    for (int k = rank - 1; k >= 0; k--) {
        int64_t d = dims[k] ? dims[k] : 1;
        c[k] = (int64_t)(i % (size_t)d);
        i /= (size_t)d;
    }
}

/* Offset in a (possibly broadcast) input of shape dims/rank for output coordinates c (orank). */
static size_t bcast_offset(const int64_t *c, int orank, const sc_tensor *t) {
    size_t off = 0;
    for (int k = 0; k < t->rank; k++) {
        int64_t d = t->dims[k], x = c[orank - t->rank + k];
        off = off * (size_t)d + (size_t)(d == 1 ? 0 : x);
    }
    return off;
}

static sc_status finish(sc_ir_graph *g, sc_ir_node *n, int o, sc_tensor *t, sc_err *err) {
    if (!OUT(o)) {
        sc_tensor_free(t);
        return SC_OK;
    }
    sc_status st = sc_ir_set_const(g, n->out[o], t, err);
    if (st != SC_OK) sc_tensor_free(t);
    return st;
}

static sc_status alloc_out(sc_ir_graph *g, sc_ir_node *n, int o, sc_tensor *t, sc_err *err) {
    sc_ir_value *v = OUT(o);
    if (!v || v->rank < 0) return sc_err_set(err, SC_ERR_UNSUPPORTED, "no shape");
    if (sc_ir_numel(v) > EVAL_MAX_ELEMS)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "too large to fold");
    return sc_tensor_alloc(t, v->dtype, v->rank, v->dims, err);
}

/* ---- element-wise math in double ---- */

static double un(const char *op, double x, const sc_ir_node *n) {
    if (!strcmp(op, "Neg")) return -x;
    if (!strcmp(op, "Abs")) return fabs(x);
    if (!strcmp(op, "Sqrt")) return sqrt(x);
    if (!strcmp(op, "Exp")) return exp(x);
    if (!strcmp(op, "Log")) return log(x);
    if (!strcmp(op, "Reciprocal")) return 1.0 / x;
    if (!strcmp(op, "Relu")) return x > 0 ? x : 0;
    if (!strcmp(op, "Floor")) return floor(x);
    if (!strcmp(op, "Ceil")) return ceil(x);
    if (!strcmp(op, "Not")) return x == 0;
    if (!strcmp(op, "Sigmoid")) return 1 / (1 + exp(-x));
    if (!strcmp(op, "Tanh")) return tanh(x);
    if (!strcmp(op, "Sign")) return x > 0 ? 1 : x < 0 ? -1 : 0;
    return x; /* Identity, Dropout, Cast */
}

static double bin(const char *op, double a, double b, sc_tdtype t) {
    int isint = !sc_tdtype_is_float(t);
    if (!strcmp(op, "Add") || !strcmp(op, "Sum") || !strcmp(op, "Mean")) return a + b;
    if (!strcmp(op, "Sub")) return a - b;
    if (!strcmp(op, "Mul")) return a * b;
    if (!strcmp(op, "Div")) return isint ? (b != 0 ? trunc(a / b) : 0) : a / b;
    if (!strcmp(op, "Pow")) return pow(a, b);
    if (!strcmp(op, "Max")) return a > b ? a : b;
    if (!strcmp(op, "Min")) return a < b ? a : b;
    if (!strcmp(op, "Equal")) return a == b;
    if (!strcmp(op, "Less")) return a < b;
    if (!strcmp(op, "Greater")) return a > b;
    if (!strcmp(op, "LessOrEqual")) return a <= b;
    if (!strcmp(op, "GreaterOrEqual")) return a >= b;
    if (!strcmp(op, "And")) return a != 0 && b != 0;
    if (!strcmp(op, "Or")) return a != 0 || b != 0;
    if (!strcmp(op, "Xor")) return (a != 0) != (b != 0);
    return NAN;
}

static int is_unary(const char *op) {
    static const char *U[] = {"Neg",  "Abs",      "Sqrt",    "Exp",  "Log",     "Reciprocal",
                              "Relu", "Floor",    "Ceil",    "Not",  "Sigmoid", "Tanh",
                              "Sign", "Identity", "Dropout", "Cast", "CastLike"};
    for (size_t i = 0; i < SC_ARRAY_LEN(U); i++)
        if (!strcmp(U[i], op)) return 1;
    return 0;
}

static int is_binary(const char *op) {
    static const char *B[] = {"Add", "Sub",   "Mul",  "Div",     "Pow",         "Max",
                              "Min", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
                              "And", "Or",    "Xor",  "Sum",     "Mean"};
    for (size_t i = 0; i < SC_ARRAY_LEN(B); i++)
        if (!strcmp(B[i], op)) return 1;
    return 0;
}

static sc_status eval_unary(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_tensor t;
    const sc_tensor *x = IN(0)->konst;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    size_t cnt = sc_tensor_numel(&t);
    int exact = x->dtype == t.dtype &&
                (is_unary(n->op) && (!strcmp(n->op, "Identity") || !strcmp(n->op, "Dropout")));
    if (exact)
        memcpy(t.data, x->data, t.nbytes);
    else if ((x->dtype == SC_T_INT64) && t.dtype == SC_T_INT64 && !strcmp(n->op, "Neg"))
        for (size_t i = 0; i < cnt; i++) {
            int64_t v = -sc_tensor_get_i64(x, i);
            memcpy((char *)t.data + 8 * i, &v, 8);
        }
    else
        for (size_t i = 0; i < cnt; i++)
            sc_tensor_set(&t, i, un(n->op, sc_tensor_get(x, i), n));
    if (OUT(1)) { /* Dropout mask */
        sc_tensor m;
        if (alloc_out(g, n, 1, &m, err)) return err->status;
        memset(m.data, 1, m.nbytes);
        if (finish(g, n, 1, &m, err)) return err->status;
    }
    return finish(g, n, 0, &t, err);
}

static sc_status eval_nary(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_tensor t;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    size_t cnt = sc_tensor_numel(&t);
    int64_t c[SC_IR_MAX_RANK];
    sc_tdtype it = IN(0)->dtype;
    int i64 = it == SC_T_INT64 && t.dtype == SC_T_INT64;
    for (size_t i = 0; i < cnt; i++) {
        unravel(i, t.rank, t.dims, c);
        if (!strcmp(n->op, "Where")) {
            const sc_tensor *k = IN(0)->konst;
            int pick = sc_tensor_get(k, bcast_offset(c, t.rank, k)) != 0 ? 1 : 2;
            const sc_tensor *s = IN(pick)->konst;
            memcpy((char *)t.data + i * sc_tdtype_size(t.dtype),
                   (char *)s->data + bcast_offset(c, t.rank, s) * sc_tdtype_size(t.dtype),
                   sc_tdtype_size(t.dtype));
            continue;
        }
        const sc_tensor *a = IN(0)->konst;
        if (i64) { /* exact 64-bit shape arithmetic */
            int64_t acc = sc_tensor_get_i64(a, bcast_offset(c, t.rank, a));
            for (int k = 1; k < n->n_in; k++) {
                const sc_tensor *b = IN(k)->konst;
                int64_t y = sc_tensor_get_i64(b, bcast_offset(c, t.rank, b));
                const char *op = n->op;
                if (!strcmp(op, "Add") || !strcmp(op, "Sum"))
                    acc += y;
                else if (!strcmp(op, "Sub"))
                    acc -= y;
                else if (!strcmp(op, "Mul"))
                    acc *= y;
                else if (!strcmp(op, "Div"))
                    acc = y ? acc / y : 0;
                else if (!strcmp(op, "Max"))
                    acc = acc > y ? acc : y;
                else if (!strcmp(op, "Min"))
                    acc = acc < y ? acc : y;
                else
                    acc = (int64_t)bin(op, (double)acc, (double)y, it);
            }
            memcpy((char *)t.data + 8 * i, &acc, 8);
            continue;
        }
        double acc = sc_tensor_get(a, bcast_offset(c, t.rank, a));
        for (int k = 1; k < n->n_in; k++) {
            const sc_tensor *b = IN(k)->konst;
            acc = bin(n->op, acc, sc_tensor_get(b, bcast_offset(c, t.rank, b)), it);
        }
        if (!strcmp(n->op, "Mean")) acc /= n->n_in;
        sc_tensor_set(&t, i, acc);
    }
    return finish(g, n, 0, &t, err);
}

/* ---- data movement: the output element at coordinates c comes from the input at src(c) ---- */

typedef size_t (*src_fn)(sc_ir_graph *g, sc_ir_node *n, const int64_t *c, const sc_tensor *x);

static size_t src_transpose(sc_ir_graph *g, sc_ir_node *n, const int64_t *c, const sc_tensor *x) {
    int64_t p[SC_IR_MAX_RANK], xc[SC_IR_MAX_RANK];
    if (ir_ints(g, n, "perm", -1, p, SC_IR_MAX_RANK) < 0)
        for (int i = 0; i < x->rank; i++)
            p[i] = x->rank - 1 - i;
    for (int i = 0; i < x->rank; i++)
        xc[p[i]] = c[i];
    size_t off = 0;
    for (int i = 0; i < x->rank; i++)
        off = off * (size_t)x->dims[i] + (size_t)xc[i];
    return off;
}

static size_t src_slice(sc_ir_graph *g, sc_ir_node *n, const int64_t *c, const sc_tensor *x) {
    const sc_ir_attr *st = sc_ir_attr_get(n, "_start"), *sp = sc_ir_attr_get(n, "_step");
    size_t off = 0;
    for (int i = 0; i < x->rank; i++)
        off = off * (size_t)x->dims[i] + (size_t)(st->ints[i] + c[i] * sp->ints[i]);
    return off;
}

static size_t src_bcast(sc_ir_graph *g, sc_ir_node *n, const int64_t *c, const sc_tensor *x) {
    return bcast_offset(c, OUT(0)->rank, x);
}

static size_t src_tile(sc_ir_graph *g, sc_ir_node *n, const int64_t *c, const sc_tensor *x) {
    size_t off = 0;
    for (int i = 0; i < x->rank; i++)
        off = off * (size_t)x->dims[i] + (size_t)(c[i] % x->dims[i]);
    return off;
}

static size_t src_gather(sc_ir_graph *g, sc_ir_node *n, const int64_t *c, const sc_tensor *x) {
    const sc_tensor *ix = IN(1)->konst;
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
    size_t ioff = 0;
    for (int i = 0; i < ix->rank; i++)
        ioff = ioff * (size_t)ix->dims[i] + (size_t)c[ax + i];
    int64_t k = sc_tensor_get_i64(ix, ioff);
    if (k < 0) k += x->dims[ax];
    if (k < 0 || k >= x->dims[ax]) k = 0; /* checked by eval_move */
    size_t off = 0;
    for (int i = 0; i < x->rank; i++) {
        int64_t xi = i < ax ? c[i] : i == ax ? k : c[i + ix->rank - 1];
        off = off * (size_t)x->dims[i] + (size_t)xi;
    }
    return off;
}

static sc_status eval_move(sc_ir_graph *g, sc_ir_node *n, src_fn fn, sc_err *err) {
    sc_tensor t;
    const sc_tensor *x = IN(0)->konst;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    size_t es = sc_tdtype_size(t.dtype), cnt = sc_tensor_numel(&t);
    int64_t c[SC_IR_MAX_RANK];
    if (fn == src_gather) {
        const sc_tensor *ix = IN(1)->konst;
        int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
        for (size_t i = 0; i < sc_tensor_numel(ix); i++) {
            int64_t k = sc_tensor_get_i64(ix, i);
            if (k < -x->dims[ax] || k >= x->dims[ax]) {
                sc_tensor_free(&t);
                return sc_err_set(err, SC_ERR_INVALID_ARG,
                                  "node '%s' (Gather): index %lld out of range", n->name,
                                  (long long)k);
            }
        }
    }
    for (size_t i = 0; i < cnt; i++) {
        unravel(i, t.rank, t.dims, c);
        memcpy((char *)t.data + i * es, (char *)x->data + fn(g, n, c, x) * es, es);
    }
    return finish(g, n, 0, &t, err);
}

static sc_status eval_copy(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_tensor t;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    memcpy(t.data, IN(0)->konst->data, t.nbytes);
    return finish(g, n, 0, &t, err);
}

static sc_status eval_concat(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_tensor t;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), t.rank);
    size_t es = sc_tdtype_size(t.dtype), outer = 1;
    for (int i = 0; i < ax; i++)
        outer *= (size_t)t.dims[i];
    char *dst = t.data;
    for (size_t o = 0; o < outer; o++)
        for (int k = 0; k < n->n_in; k++) {
            const sc_tensor *x = IN(k)->konst;
            size_t inner = sc_tensor_numel(x) / (outer ? outer : 1) * es;
            memcpy(dst, (char *)x->data + o * inner, inner);
            dst += inner;
        }
    return finish(g, n, 0, &t, err);
}

static sc_status eval_split(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    const sc_tensor *x = IN(0)->konst;
    int ax = ir_axis(sc_ir_attr_i(n, "axis", 0), x->rank);
    size_t es = sc_tdtype_size(x->dtype), outer = 1, inner = es, off = 0;
    for (int i = 0; i < ax; i++)
        outer *= (size_t)x->dims[i];
    for (int i = ax + 1; i < x->rank; i++)
        inner *= (size_t)x->dims[i];
    for (int k = 0; k < n->n_out; k++) {
        sc_ir_value *v = OUT(k);
        if (!v) continue;
        sc_tensor t;
        if (alloc_out(g, n, k, &t, err)) return err->status;
        size_t chunk = (size_t)v->dims[ax] * inner;
        for (size_t o = 0; o < outer; o++)
            memcpy((char *)t.data + o * chunk,
                   (char *)x->data + o * (size_t)x->dims[ax] * inner + off, chunk);
        off += chunk;
        if (finish(g, n, k, &t, err)) return err->status;
    }
    return SC_OK;
}

static sc_status eval_shape(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_tensor t;
    sc_ir_value *x = IN(0);
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    int64_t *o = t.data;
    if (!strcmp(n->op, "Size"))
        o[0] = sc_ir_numel(x);
    else {
        int64_t s = sc_ir_attr_i(n, "start", 0);
        if (s < 0) s += x->rank;
        if (s < 0) s = 0;
        for (size_t i = 0; i < sc_tensor_numel(&t); i++)
            o[i] = x->dims[s + (int64_t)i];
    }
    return finish(g, n, 0, &t, err);
}

static sc_status eval_const_of_shape(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    int64_t d[SC_IR_MAX_RANK];
    int c = ir_ints(g, n, NULL, 0, d, SC_IR_MAX_RANK);
    if (c < 0 || c > SC_IR_MAX_RANK)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "ConstantOfShape: bad shape");
    const sc_ir_attr *a = sc_ir_attr_get(n, "value");
    sc_tdtype t = a && a->t ? a->t->dtype : SC_T_FLOAT;
    ir_set_shape(OUT(0), t, c, d);
    sc_tensor out;
    if (alloc_out(g, n, 0, &out, err)) return err->status;
    size_t es = sc_tdtype_size(t);
    for (size_t i = 0; a && a->t && i < sc_tensor_numel(&out); i++)
        memcpy((char *)out.data + i * es, a->t->data, es);
    return finish(g, n, 0, &out, err);
}

static sc_status eval_range(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    double s = ir_const_scalar(g, n, 0, 0), l = ir_const_scalar(g, n, 1, 0),
           d = ir_const_scalar(g, n, 2, 1);
    if (d == 0) return sc_err_set(err, SC_ERR_INVALID_ARG, "Range: zero delta");
    double cnt = ceil((l - s) / d);
    int64_t c = cnt > 0 ? (int64_t)cnt : 0;
    ir_set_shape(OUT(0), IN(0)->dtype, 1, &c);
    sc_tensor t;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    for (int64_t i = 0; i < c; i++)
        sc_tensor_set(&t, (size_t)i, s + (double)i * d);
    return finish(g, n, 0, &t, err);
}

static sc_status eval_eyelike(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    sc_tensor t;
    if (alloc_out(g, n, 0, &t, err)) return err->status;
    int64_t k = sc_ir_attr_i(n, "k", 0);
    for (int64_t i = 0; i < t.dims[0]; i++)
        if (i + k >= 0 && i + k < t.dims[1]) sc_tensor_set(&t, (size_t)(i * t.dims[1] + i + k), 1);
    return finish(g, n, 0, &t, err);
}

sc_status sc_ir_eval_node(sc_ir_graph *g, sc_ir_node *n, sc_err *err) {
    const char *op = n->op;
    if (!strcmp(op, "Shape") || !strcmp(op, "Size")) return eval_shape(g, n, err);
    if (!strcmp(op, "ConstantOfShape")) return eval_const_of_shape(g, n, err);
    if (!strcmp(op, "Range")) return eval_range(g, n, err);
    if (!strcmp(op, "EyeLike")) return eval_eyelike(g, n, err);
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] >= 0 && !g->vals[n->in[i]].konst)
            return sc_err_set(err, SC_ERR_UNSUPPORTED, "input not constant");
    if (n->n_in < 1 || !IN(0)) return sc_err_set(err, SC_ERR_UNSUPPORTED, "no input");
    if (!strcmp(op, "Reshape") || !strcmp(op, "Flatten") || !strcmp(op, "Squeeze") ||
        !strcmp(op, "Unsqueeze"))
        return eval_copy(g, n, err);
    if (is_unary(op) && n->n_out <= 2) return eval_unary(g, n, err);
    if (is_binary(op) || !strcmp(op, "Where")) return eval_nary(g, n, err);
    if (!strcmp(op, "Transpose")) return eval_move(g, n, src_transpose, err);
    if (!strcmp(op, "Slice")) return eval_move(g, n, src_slice, err);
    if (!strcmp(op, "Expand")) return eval_move(g, n, src_bcast, err);
    if (!strcmp(op, "Tile")) return eval_move(g, n, src_tile, err);
    if (!strcmp(op, "Gather")) return eval_move(g, n, src_gather, err);
    if (!strcmp(op, "Concat")) return eval_concat(g, n, err);
    if (!strcmp(op, "Split")) return eval_split(g, n, err);
    return sc_err_set(err, SC_ERR_UNSUPPORTED, "no host evaluator for %s", op);
}
