// SPDX-License-Identifier: Apache-2.0
// Graph IR storage: values, nodes, attributes, use queries and the text dump.
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"

/* Grows a malloc'd array to hold at least need elements. */
static int grow(void **arr, int *cap, int need, size_t es) {
    if (need <= *cap) return 0;
    int nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, (size_t)nc * es);
    if (!p) return -1;
    memset((char *)p + (size_t)*cap * es, 0, (size_t)(nc - *cap) * es);
    *arr = p;
    *cap = nc;
    return 0;
}

sc_status sc_ir_graph_create(sc_ir_graph **out, sc_err *err) {
    sc_ir_graph *g = calloc(1, sizeof *g);
    if (!g || !(g->arena = sc_arena_create(1 << 16))) {
        free(g);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    g->opset = 17;
    *out = g;
    return SC_OK;
}

void sc_ir_graph_destroy(sc_ir_graph *g) {
    if (!g) return;
    for (int i = 0; i < g->n_owned; i++) {
        sc_tensor_free(g->owned[i]);
        free(g->owned[i]);
    }
    for (int i = 0; i < g->n_nodes; i++)
        free(g->nodes[i].attrs);
    for (int i = 0; i < g->n_subs; i++)
        sc_ir_graph_destroy(g->subs[i]);
    free(g->subs);
    free(g->owned);
    free(g->vals);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    sc_arena_destroy(g->arena);
    free(g);
}

int sc_ir_find_value(const sc_ir_graph *g, const char *name) {
    if (!name) return -1;
    for (int i = 0; i < g->n_vals; i++)
        if (!strcmp(g->vals[i].name, name)) return i;
    return -1;
}

int sc_ir_add_value(sc_ir_graph *g, const char *name, sc_err *err) {
    char tmp[96];
    if (!name || !*name || sc_ir_find_value(g, name) >= 0) {
        snprintf(tmp, sizeof tmp, "%s_%d", name && *name ? name : "v", g->n_vals);
        name = tmp;
    }
    if (grow((void **)&g->vals, &g->cap_vals, g->n_vals + 1, sizeof *g->vals)) {
        sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        return -1;
    }
    sc_ir_value *v = &g->vals[g->n_vals];
    memset(v, 0, sizeof *v);
    v->name = sc_arena_strdup(g->arena, name);
    v->rank = -1;
    v->producer = -1;
    if (!v->name) {
        sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        return -1;
    }
    return g->n_vals++;
}

sc_status sc_ir_set_const(sc_ir_graph *g, int v, sc_tensor *t, sc_err *err) {
    if (grow((void **)&g->owned, &g->cap_owned, g->n_owned + 1, sizeof *g->owned))
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_tensor *c = malloc(sizeof *c);
    if (!c) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    *c = *t;
    memset(t, 0, sizeof *t);
    g->owned[g->n_owned++] = c;
    sc_ir_value *val = &g->vals[v];
    val->konst = c;
    val->dtype = c->dtype;
    val->rank = c->rank;
    for (int i = 0; i < c->rank; i++)
        val->dims[i] = c->dims[i];
    return SC_OK;
}

int sc_ir_add_node(sc_ir_graph *g, const char *op, const char *name, const int *in, int n_in,
                   const int *out, int n_out, sc_err *err) {
    if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes)) {
        sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        return -1;
    }
    sc_ir_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->op = sc_arena_strdup(g->arena, op);
    n->name = sc_arena_strdup(g->arena, name ? name : "");
    n->domain = "";
    n->in = sc_arena_alloc(g->arena, sizeof(int) * (size_t)(n_in + 1));
    n->out = sc_arena_alloc(g->arena, sizeof(int) * (size_t)(n_out + 1));
    if (!n->op || !n->name || !n->in || !n->out) {
        sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        return -1;
    }
    memcpy(n->in, in, sizeof(int) * (size_t)n_in);
    memcpy(n->out, out, sizeof(int) * (size_t)n_out);
    n->n_in = n_in;
    n->n_out = n_out;
    for (int i = 0; i < n_out; i++)
        if (out[i] >= 0) g->vals[out[i]].producer = g->n_nodes;
    return g->n_nodes++;
}

int sc_ir_insert_node(sc_ir_graph *g, int pos, const char *op, const int *in, int n_in,
                      const int *out, int n_out, sc_err *err) {
    int id = sc_ir_add_node(g, op, op, in, n_in, out, n_out, err);
    if (id < 0) return -1;
    sc_ir_node tmp = g->nodes[id];
    memmove(&g->nodes[pos + 1], &g->nodes[pos], sizeof tmp * (size_t)(id - pos));
    g->nodes[pos] = tmp;
    for (int v = 0; v < g->n_vals; v++)
        if (g->vals[v].producer >= pos && g->vals[v].producer < id) g->vals[v].producer++;
    for (int j = 0; j < n_out; j++)
        if (out[j] >= 0) g->vals[out[j]].producer = pos;
    return pos;
}

static sc_status push_id(int **arr, int *n, int *cap, int v, sc_err *err) {
    if (grow((void **)arr, cap, *n + 1, sizeof **arr))
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    (*arr)[(*n)++] = v;
    return SC_OK;
}

sc_status sc_ir_mark_input(sc_ir_graph *g, int v, sc_err *err) {
    g->vals[v].is_input = 1;
    return push_id(&g->inputs, &g->n_inputs, &g->cap_inputs, v, err);
}

sc_status sc_ir_mark_output(sc_ir_graph *g, int v, sc_err *err) {
    g->vals[v].is_output = 1;
    return push_id(&g->outputs, &g->n_outputs, &g->cap_outputs, v, err);
}

/* ---- attributes ---- */

const sc_ir_attr *sc_ir_attr_get(const sc_ir_node *n, const char *name) {
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attrs[i].name, name)) return &n->attrs[i];
    return NULL;
}

int64_t sc_ir_attr_i(const sc_ir_node *n, const char *name, int64_t def) {
    const sc_ir_attr *a = sc_ir_attr_get(n, name);
    if (!a) return def;
    return a->type == SC_IR_ATTR_FLOAT ? (int64_t)a->f : a->i;
}

float sc_ir_attr_f(const sc_ir_node *n, const char *name, float def) {
    const sc_ir_attr *a = sc_ir_attr_get(n, name);
    if (!a) return def;
    return a->type == SC_IR_ATTR_INT ? (float)a->i : a->f;
}

const char *sc_ir_attr_s(const sc_ir_node *n, const char *name, const char *def) {
    const sc_ir_attr *a = sc_ir_attr_get(n, name);
    return a && a->type == SC_IR_ATTR_STRING && a->s ? a->s : def;
}

int sc_ir_attr_ints(const sc_ir_node *n, const char *name, int64_t *out, int max) {
    const sc_ir_attr *a = sc_ir_attr_get(n, name);
    if (!a || a->type != SC_IR_ATTR_INTS) return -1;
    for (int i = 0; i < a->n && i < max; i++)
        out[i] = a->ints[i];
    return a->n;
}

sc_status sc_ir_own_sub(sc_ir_graph *g, sc_ir_graph *sub, sc_err *err) {
    if (grow((void **)&g->subs, &g->cap_subs, g->n_subs + 1, sizeof *g->subs)) {
        sc_ir_graph_destroy(sub);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    g->subs[g->n_subs++] = sub;
    return SC_OK;
}

sc_ir_attr *sc_ir_attr_add(sc_ir_graph *g, sc_ir_node *n, const char *name, sc_ir_attr_type t,
                           sc_err *err) {
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attrs[i].name, name)) {
            n->attrs[i].type = t;
            return &n->attrs[i];
        }
    if (grow((void **)&n->attrs, &n->cap_attr, n->n_attr + 1, sizeof *n->attrs)) {
        sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        return NULL;
    }
    sc_ir_attr *a = &n->attrs[n->n_attr++];
    memset(a, 0, sizeof *a);
    a->name = sc_arena_strdup(g->arena, name);
    a->type = t;
    return a;
}

sc_status sc_ir_attr_set_i(sc_ir_graph *g, sc_ir_node *n, const char *name, int64_t v,
                           sc_err *err) {
    sc_ir_attr *a = sc_ir_attr_add(g, n, name, SC_IR_ATTR_INT, err);
    if (!a) return err->status;
    a->i = v;
    return SC_OK;
}

sc_status sc_ir_attr_set_f(sc_ir_graph *g, sc_ir_node *n, const char *name, float v, sc_err *err) {
    sc_ir_attr *a = sc_ir_attr_add(g, n, name, SC_IR_ATTR_FLOAT, err);
    if (!a) return err->status;
    a->f = v;
    return SC_OK;
}

sc_status sc_ir_attr_set_s(sc_ir_graph *g, sc_ir_node *n, const char *name, const char *v,
                           sc_err *err) {
    sc_ir_attr *a = sc_ir_attr_add(g, n, name, SC_IR_ATTR_STRING, err);
    if (!a) return err->status;
    a->s = sc_arena_strdup(g->arena, v);
    return a->s ? SC_OK : sc_err_set(err, SC_ERR_NOMEM, "out of memory");
}

/* ---- queries ---- */

int64_t sc_ir_numel(const sc_ir_value *v) {
    int64_t n = 1;
    for (int i = 0; i < v->rank; i++)
        n *= v->dims[i];
    return n;
}

int sc_ir_is_const(const sc_ir_graph *g, int v) {
    return v >= 0 && g->vals[v].konst != NULL;
}

int sc_ir_uses(const sc_ir_graph *g, int v) {
    int n = g->vals[v].is_output ? 1 : 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].dead) continue;
        for (int j = 0; j < g->nodes[i].n_in; j++)
            n += g->nodes[i].in[j] == v;
    }
    return n;
}

void sc_ir_replace_uses(sc_ir_graph *g, int from, int to) {
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_in; j++)
            if (g->nodes[i].in[j] == from) g->nodes[i].in[j] = to;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == from) g->outputs[i] = to;
}

sc_ir_node *sc_ir_producer(sc_ir_graph *g, int v) {
    if (v < 0 || g->vals[v].producer < 0) return NULL;
    sc_ir_node *n = &g->nodes[g->vals[v].producer];
    return n->dead ? NULL : n;
}

/* ---- dump ---- */

static void dump_type(const sc_ir_value *v, sc_strbuf *out) {
    sc_strbuf_printf(out, "%s[", sc_tdtype_name(v->dtype));
    for (int i = 0; i < v->rank; i++)
        sc_strbuf_printf(out, "%s%lld", i ? "," : "", (long long)v->dims[i]);
    sc_strbuf_printf(out, "%s]", v->rank < 0 ? "?" : "");
}

static void dump_attr(const sc_ir_attr *a, sc_strbuf *out) {
    sc_strbuf_printf(out, " %s=", a->name);
    switch (a->type) {
    case SC_IR_ATTR_FLOAT:
        sc_strbuf_printf(out, "%g", a->f);
        break;
    case SC_IR_ATTR_INT:
        sc_strbuf_printf(out, "%lld", (long long)a->i);
        break;
    case SC_IR_ATTR_STRING:
        sc_strbuf_printf(out, "\"%s\"", a->s ? a->s : "");
        break;
    case SC_IR_ATTR_INTS:
        for (int i = 0; i < a->n; i++)
            sc_strbuf_printf(out, "%s%lld", i ? "," : "[", (long long)a->ints[i]);
        sc_strbuf_printf(out, "%s]", a->n ? "" : "[");
        break;
    case SC_IR_ATTR_FLOATS:
        for (int i = 0; i < a->n; i++)
            sc_strbuf_printf(out, "%s%g", i ? "," : "[", a->floats[i]);
        sc_strbuf_printf(out, "%s]", a->n ? "" : "[");
        break;
    default:
        sc_strbuf_printf(out, "<%d>", (int)a->type);
        break;
    }
}

void sc_ir_dump(const sc_ir_graph *g, sc_strbuf *out) {
    sc_strbuf_printf(out, "graph %s (opset %d)\n", g->name, g->opset);
    for (int i = 0; i < g->n_inputs; i++) {
        const sc_ir_value *v = &g->vals[g->inputs[i]];
        sc_strbuf_printf(out, "  input %%%s : ", v->name);
        dump_type(v, out);
        sc_strbuf_printf(out, "\n");
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const sc_ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        sc_strbuf_printf(out, "  ");
        for (int j = 0; j < n->n_out; j++)
            sc_strbuf_printf(out, "%s%%%s", j ? ", " : "",
                             n->out[j] >= 0 ? g->vals[n->out[j]].name : "_");
        sc_strbuf_printf(out, " = %s(", n->op);
        for (int j = 0; j < n->n_in; j++) {
            int v = n->in[j];
            sc_strbuf_printf(out, "%s%s%s", j ? ", " : "", v >= 0 && g->vals[v].konst ? "$" : "%",
                             v >= 0 ? g->vals[v].name : "_");
        }
        sc_strbuf_printf(out, ")");
        for (int j = 0; j < n->n_attr; j++)
            dump_attr(&n->attrs[j], out);
        sc_strbuf_printf(out, " :");
        for (int j = 0; j < n->n_out; j++) {
            sc_strbuf_printf(out, " ");
            if (n->out[j] >= 0) dump_type(&g->vals[n->out[j]], out);
        }
        sc_strbuf_printf(out, "\n");
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const sc_ir_value *v = &g->vals[g->outputs[i]];
        sc_strbuf_printf(out, "  output %%%s : ", v->name);
        dump_type(v, out);
        sc_strbuf_printf(out, "\n");
    }
}
