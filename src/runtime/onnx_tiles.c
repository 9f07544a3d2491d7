// SPDX-License-Identifier: Apache-2.0
// Tile search for MatMul/Gemm and Conv: each candidate tiling is compiled on a one-node graph and
// timed by the executor (timing mode); the cheapest is set on the node, per shape once.
#include <stdlib.h>
#include <string.h>

#include "runtime/onnx_runtime.h"

#define TS_CACHE 128

/* What is searched: the three lowering attributes of one op kind (docs/COMPILER.md). */
typedef enum ts_kind { TS_MATMUL, TS_CONV, TS_DWCONV } ts_kind;
static const char *const TS_ATTRS[3][3] = {
    {"_tm", "_tn", "_m_fast"},        /* output tile M x N, M blocks fastest */
    {"_cob", "_cp", "_co_fast"},      /* output-channel block, pixels per tile, channels fastest */
    {"_dw_mma", "_dw_cb", "_dw_rows"} /* depthwise: MMA path, or vector channel block x rows */
};

#define TS_MAX_CAND 32

typedef struct ts_entry {
    char key[384];
    int64_t a[3];        /* the chosen attribute values (all 0: the default was kept) */
    uint64_t base, best; /* cycles of the default tiles and of the choice */
} ts_entry;

typedef struct ts {
    const sc_chip *chip;
    const sc_codegen_params *cp;
    ts_entry cache[TS_CACHE];
    int n;
    sc_err *err;
} ts;

static int is_depthwise(const sc_ir_graph *g, const sc_ir_node *n) {
    if (n->n_in < 2 || n->in[1] < 0) return 0;
    const sc_ir_value *x = &g->vals[n->in[0]], *w = &g->vals[n->in[1]];
    int64_t grp = sc_ir_attr_i(n, "group", 1);
    return x->rank >= 3 && w->rank >= 2 && grp > 1 && grp == x->dims[1] && w->dims[0] == grp &&
           w->dims[1] == 1;
}

static int op_kind(const sc_ir_graph *g, const sc_ir_node *n) {
    if (!strcmp(n->op, "MatMul") || !strcmp(n->op, "Gemm")) return TS_MATMUL;
    if (!strcmp(n->op, "Conv")) return is_depthwise(g, n) ? TS_DWCONV : TS_CONV;
    return -1;
}

/* Integer attributes in the key (Conv's kernel, strides, pads, group), the searched ones left
 * out. */
static int attr_key(char *k, size_t cap, int len, const sc_ir_node *n) {
    for (int i = 0; i < n->n_attr && len > 0 && (size_t)len < cap; i++) {
        const sc_ir_attr *a = &n->attrs[i];
        int mine = 0;
        for (int j = 0; j < 9; j++)
            mine |= !strcmp(a->name, TS_ATTRS[j / 3][j % 3]);
        if (mine || (a->type != SC_IR_ATTR_INT && a->type != SC_IR_ATTR_INTS)) continue;
        len += snprintf(k + len, cap - (size_t)len, " %s=", a->name);
        if (a->type == SC_IR_ATTR_INT && (size_t)len < cap)
            len += snprintf(k + len, cap - (size_t)len, "%lld", (long long)a->i);
        for (int j = 0; a->type == SC_IR_ATTR_INTS && j < a->n && (size_t)len < cap; j++)
            len += snprintf(k + len, cap - (size_t)len, "%lld,", (long long)a->ints[j]);
    }
    return len;
}

static int shape_key(char *k, size_t cap, const sc_ir_graph *g, const sc_ir_node *n) {
    int len =
        snprintf(k, cap, "%s t%lld/%lld q%g a%s", n->op, (long long)sc_ir_attr_i(n, "transA", 0),
                 (long long)sc_ir_attr_i(n, "transB", 0), sc_ir_attr_f(n, "_qscale", 0),
                 sc_ir_attr_s(n, "_act", "-"));
    for (int i = 0; i < n->n_in && len > 0 && (size_t)len < cap; i++) {
        const sc_ir_value *v = n->in[i] >= 0 ? &g->vals[n->in[i]] : NULL;
        len += snprintf(k + len, cap - (size_t)len, " |%c", v && v->konst ? 'c' : 'v');
        for (int d = 0; v && d < v->rank && (size_t)len < cap; d++)
            len += snprintf(k + len, cap - (size_t)len, " %lld", (long long)v->dims[d]);
    }
    if (len > 0 && (size_t)len < cap && strcmp(n->op, "Conv") == 0) len = attr_key(k, cap, len, n);
    return len > 0 && (size_t)len < cap;
}

static int copy_val(sc_ir_graph *dst, const sc_ir_graph *src, int v, sc_err *err) {
    const sc_ir_value *x = &src->vals[v];
    int id = sc_ir_add_value(dst, x->name, err);
    if (id < 0) return -1;
    sc_ir_value *y = &dst->vals[id];
    y->dtype = x->dtype, y->rank = x->rank;
    memcpy(y->dims, x->dims, sizeof y->dims);
    if (!x->konst) return sc_ir_mark_input(dst, id, err) ? -1 : id;
    sc_tensor t;
    if (sc_tensor_alloc(&t, x->konst->dtype, x->konst->rank, x->konst->dims, err)) return -1;
    if (t.nbytes) memcpy(t.data, x->konst->data, t.nbytes);
    if (sc_ir_set_const(dst, id, &t, err)) {
        sc_tensor_free(&t);
        return -1;
    }
    return id;
}

/* A graph holding only node n (its operands as inputs or constants). */
static sc_ir_graph *one_node(const sc_ir_graph *g, const sc_ir_node *n, sc_err *err) {
    sc_ir_graph *s = NULL;
    int in[8], out;
    if (n->n_in > 8 || sc_ir_graph_create(&s, err)) return NULL;
    s->opset = g->opset;
    int ok = 1;
    for (int i = 0; i < n->n_in && ok; i++)
        ok = (in[i] = n->in[i] < 0 ? -1 : copy_val(s, g, n->in[i], err)) >= 0 || n->in[i] < 0;
    out = ok ? sc_ir_add_value(s, g->vals[n->out[0]].name, err) : -1;
    if (out >= 0) {
        const sc_ir_value *o = &g->vals[n->out[0]];
        s->vals[out].dtype = o->dtype, s->vals[out].rank = o->rank;
        memcpy(s->vals[out].dims, o->dims, sizeof o->dims);
    }
    int id = out < 0 || sc_ir_mark_output(s, out, err)
                 ? -1
                 : sc_ir_add_node(s, n->op, n->name, in, n->n_in, &out, 1, err);
    for (int i = 0; id >= 0 && i < n->n_attr; i++) {
        sc_ir_attr *a = sc_ir_attr_add(s, &s->nodes[id], n->attrs[i].name, n->attrs[i].type, err);
        if (!a) id = -1;
        if (a) {
            const char *name = a->name;
            *a = n->attrs[i];
            a->name = name;
        }
    }
    if (id < 0) {
        sc_ir_graph_destroy(s);
        return NULL;
    }
    return s;
}

/* Cycles of the one-node graph with the kind's attributes set to a (all 0: the default). */
static sc_status time_candidate(ts *t, sc_ir_graph *s, int kind, const int64_t a[3],
                                uint64_t *cycles) {
    sc_ir_node *n = &s->nodes[0];
    for (int i = 0; i < 3; i++)
        if (sc_ir_attr_set_i(s, n, TS_ATTRS[kind][i], a[i], t->err)) return t->err->status;
    sc_compiled *cc = NULL;
    sc_sim *sim = NULL;
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sc_status st = sc_codegen(t->chip, s, t->cp, &cc, t->err);
    if (st == SC_OK) st = sc_onnx_execute(t->chip, cc, NULL, &sp, NULL, &sim, t->err);
    if (st == SC_OK) {
        sc_sim_stats ss;
        sc_sim_get_stats(sim, &ss);
        *cycles = ss.cycles;
    }
    sc_sim_destroy(sim);
    sc_compiled_destroy(cc);
    return st;
}

static int add_cand(int64_t (*c)[3], int n, int64_t a, int64_t b, int64_t d) {
    for (int i = 0; i < n; i++)
        if (c[i][0] == a && c[i][1] == b && c[i][2] == d) return n;
    if (n >= TS_MAX_CAND) return n;
    c[n][0] = a, c[n][1] = b, c[n][2] = d;
    return n + 1;
}

/* MatMul: the array size, its half and quarter for each tile side, both tile orders. */
static int matmul_cands(int sa, int64_t (*c)[3]) {
    int64_t sizes[3] = {sa, sa / 2, sa / 4};
    int n = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            for (int mf = 0; mf < 2 && sizes[i] >= 8 && sizes[j] >= 8; mf++)
                n = add_cand(c, n, sizes[i], sizes[j], mf);
    return n;
}

/* Conv: output-channel blocks of the array size, its half and quarter (clipped to the channels),
 * 1024 to 64 pixels per tile (clipped to the plane), and for several channel blocks both orders
 * (pixel tiles or channel blocks fastest: which tiles land on neighbouring cores). */
static int conv_cands(int sa, const sc_ir_graph *g, const sc_ir_node *n, int64_t (*c)[3]) {
    const sc_ir_value *y = &g->vals[n->out[0]], *w = &g->vals[n->in[1]];
    int64_t cog = w->dims[0] / sc_ir_attr_i(n, "group", 1), plane = 1, nc = 0;
    for (int d = 2; d < y->rank; d++)
        plane *= y->dims[d];
    int64_t cobs[3] = {sa, sa / 2, sa / 4}, ps[5] = {1024, 512, 256, 128, 64};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 5; j++) {
            int64_t cob = SC_MIN(cobs[i], cog), p = SC_MIN(ps[j], plane);
            if (cob < 8 && cob != cog) continue;
            for (int cf = 0; cf < (cob < cog ? 2 : 1); cf++)
                nc = add_cand(c, (int)nc, cob, p, cf);
        }
    return (int)nc;
}

/* Depthwise: the MMA path, or vector tiles of channel block x output rows (0: automatic). */
static int dw_cands(int64_t (*c)[3]) {
    int64_t cbs[3] = {0, 64, 16}, rows[4] = {0, 32, 8, 2};
    int n = add_cand(c, 0, 1, 0, 0);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            if (cbs[i] || rows[j]) n = add_cand(c, n, 0, cbs[i], rows[j]);
    return n;
}

static sc_status search(ts *t, const sc_ir_graph *g, const sc_ir_node *n, int kind, ts_entry *e) {
    sc_ir_graph *s = one_node(g, n, t->err);
    if (!s) return t->err->status;
    int sa = t->chip->sa_rows < t->chip->sa_cols ? t->chip->sa_rows : t->chip->sa_cols;
    int64_t cand[TS_MAX_CAND][3], zero[3] = {0, 0, 0};
    int nc = kind == TS_MATMUL ? matmul_cands(sa, cand)
             : kind == TS_CONV ? conv_cands(sa, g, n, cand)
                               : dw_cands(cand);
    sc_status st = time_candidate(t, s, kind, zero, &e->base);
    e->best = e->base;
    memset(e->a, 0, sizeof e->a);
    for (int i = 0; i < nc && st == SC_OK; i++) {
        uint64_t cyc = 0;
        st = time_candidate(t, s, kind, cand[i], &cyc);
        if (st == SC_OK && cyc < e->best) e->best = cyc, memcpy(e->a, cand[i], sizeof e->a);
    }
    sc_ir_graph_destroy(s);
    return st;
}

static ts_entry *lookup(ts *t, const char *key) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->cache[i].key, key)) return &t->cache[i];
    return NULL;
}

static void log_choice(sc_strbuf *log, const sc_ir_node *n, int i, int kind, const char *key,
                       const ts_entry *e) {
    int kept = !e->a[0] && !e->a[1] && !e->a[2];
    sc_strbuf_printf(log, "tile search: %s #%d [%s]: default tiles %llu cycles, %s", n->op, i, key,
                     (unsigned long long)e->base, kept ? "kept default" : "best");
    for (int j = 0; j < 3 && !kept; j++)
        sc_strbuf_printf(log, " %s=%lld", TS_ATTRS[kind][j], (long long)e->a[j]);
    sc_strbuf_printf(log, " %llu\n", (unsigned long long)e->best);
}

sc_status sc_onnx_tile_search(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *cp,
                              sc_strbuf *log, sc_err *err) {
    ts *t = calloc(1, sizeof *t);
    if (!t) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    t->chip = chip, t->cp = cp, t->err = err;
    sc_status st = SC_OK;
    for (int i = 0; i < g->n_nodes && st == SC_OK; i++) {
        sc_ir_node *n = &g->nodes[i];
        char key[384];
        int kind = n->dead ? -1 : op_kind(g, n);
        if (kind < 0 || !shape_key(key, sizeof key, g, n)) continue;
        ts_entry *e = lookup(t, key), tmp;
        int fresh = !e;
        if (!e) e = t->n < TS_CACHE ? &t->cache[t->n] : &tmp;
        if (fresh && (st = search(t, g, n, kind, e)) == SC_OK && e != &tmp) {
            sc_strlcpy(e->key, key, sizeof e->key);
            t->n++;
        }
        for (int j = 0; j < 3 && st == SC_OK && (e->a[0] || e->a[1] || e->a[2]); j++)
            if (sc_ir_attr_set_i(g, n, TS_ATTRS[kind][j], e->a[j], err)) st = err->status;
        if (st == SC_OK && log && fresh) log_choice(log, n, i, kind, key, e);
    }
    free(t);
    return st;
}
