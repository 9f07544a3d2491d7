// SPDX-License-Identifier: Apache-2.0
// Tile search for MatMul/Gemm: each candidate tile shape and order is compiled on a one-node
// graph and timed by the executor (timing mode); the cheapest is set on the node, per shape once.
#include <stdlib.h>
#include <string.h>

#include "runtime/onnx_runtime.h"

#define TS_CACHE 128

typedef struct ts_entry {
    char key[256];
    int64_t tm, tn, m_fast;
    uint64_t base, best; /* cycles of the default tiles and of the choice */
} ts_entry;

typedef struct ts {
    const sc_chip *chip;
    const sc_codegen_params *cp;
    ts_entry cache[TS_CACHE];
    int n;
    sc_err *err;
} ts;

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

/* Cycles of the one-node graph with tiles tm x tn (0 = default) in the given order. */
static sc_status time_candidate(ts *t, sc_ir_graph *s, int64_t tm, int64_t tn, int mf,
                                uint64_t *cycles) {
    sc_ir_node *n = &s->nodes[0];
    if (sc_ir_attr_set_i(s, n, "_tm", tm, t->err) || sc_ir_attr_set_i(s, n, "_tn", tn, t->err) ||
        sc_ir_attr_set_i(s, n, "_m_fast", mf, t->err))
        return t->err->status;
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

/* Candidates: the array size, its half and quarter for each tile side, both tile orders. */
static sc_status search(ts *t, const sc_ir_graph *g, const sc_ir_node *n, ts_entry *e) {
    sc_ir_graph *s = one_node(g, n, t->err);
    if (!s) return t->err->status;
    int sa = t->chip->sa_rows < t->chip->sa_cols ? t->chip->sa_rows : t->chip->sa_cols;
    int64_t sizes[3] = {sa, sa / 2, sa / 4};
    sc_status st = time_candidate(t, s, 0, 0, 0, &e->base);
    e->best = e->base, e->tm = e->tn = e->m_fast = 0;
    for (int i = 0; i < 3 && st == SC_OK; i++)
        for (int j = 0; j < 3 && st == SC_OK; j++)
            for (int mf = 0; mf < 2 && st == SC_OK && sizes[i] >= 8 && sizes[j] >= 8; mf++) {
                uint64_t cyc = 0;
                st = time_candidate(t, s, sizes[i], sizes[j], mf, &cyc);
                if (st == SC_OK && cyc < e->best)
                    e->best = cyc, e->tm = sizes[i], e->tn = sizes[j], e->m_fast = mf;
            }
    sc_ir_graph_destroy(s);
    return st;
}

static ts_entry *lookup(ts *t, const char *key) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->cache[i].key, key)) return &t->cache[i];
    return NULL;
}

sc_status sc_onnx_tile_search(const sc_chip *chip, sc_ir_graph *g, const sc_codegen_params *cp,
                              sc_strbuf *log, sc_err *err) {
    ts *t = calloc(1, sizeof *t);
    if (!t) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    t->chip = chip, t->cp = cp, t->err = err;
    sc_status st = SC_OK;
    for (int i = 0; i < g->n_nodes && st == SC_OK; i++) {
        sc_ir_node *n = &g->nodes[i];
        char key[256];
        if (n->dead || (strcmp(n->op, "MatMul") && strcmp(n->op, "Gemm")) ||
            !shape_key(key, sizeof key, g, n))
            continue;
        ts_entry *e = lookup(t, key), tmp;
        int fresh = !e;
        if (!e) e = t->n < TS_CACHE ? &t->cache[t->n] : &tmp;
        if (fresh && (st = search(t, g, n, e)) == SC_OK && e != &tmp) {
            sc_strlcpy(e->key, key, sizeof e->key);
            t->n++;
        }
        if (st == SC_OK && e->tm &&
            (sc_ir_attr_set_i(g, n, "_tm", e->tm, err) ||
             sc_ir_attr_set_i(g, n, "_tn", e->tn, err) ||
             sc_ir_attr_set_i(g, n, "_m_fast", e->m_fast, err)))
            st = err->status;
        if (st == SC_OK && log && fresh)
            sc_strbuf_printf(
                log, "tile search: %s #%d [%s]: default tiles %llu cycles, %s %lld x %lld%s %llu\n",
                n->op, i, key, (unsigned long long)e->base, e->tm ? "best" : "kept default",
                (long long)e->tm, (long long)e->tn, e->m_fast ? " M-blocks-fastest" : "",
                (unsigned long long)e->best);
    }
    free(t);
    return st;
}
