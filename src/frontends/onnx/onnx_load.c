// SPDX-License-Identifier: Apache-2.0
// ONNX model loader: unpacks ModelProto with the protoc-c generated code and builds the graph IR.
#include <stdlib.h>
#include <string.h>

#include "frontends/onnx/onnx_load.h"
#include "onnx.pb-c.h"

#define ONNX_MAX_FILE (4ull << 30)

typedef struct loader {
    sc_ir_graph *g;
    const char *what, *base_dir;
    sc_err *err;
    struct loader *parent; /* enclosing graph of a subgraph (outer-scope names) */
    sc_ir_graph *top;      /* owns every subgraph */
    int depth;
} loader;

static sc_status load_subgraph(loader *L, const Onnx__GraphProto *gp, sc_ir_graph **out);

static int is_default_domain(const char *d) {
    return !d || !*d || !strcmp(d, "ai.onnx");
}

static sc_status read_opset(loader *L, const Onnx__ModelProto *m) {
    int found = 0;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[i];
        if (!is_default_domain(o->domain)) continue;
        L->g->opset = (int)o->version;
        found = 1;
    }
    if (!found) L->g->opset = SC_ONNX_OPSET_MIN; /* IR v3 files may omit it */
    if (L->g->opset < SC_ONNX_OPSET_MIN || L->g->opset > SC_ONNX_OPSET_MAX)
        return sc_err_set(L->err, SC_ERR_UNSUPPORTED, "%s: opset %d is outside the supported %d-%d",
                          L->what, L->g->opset, SC_ONNX_OPSET_MIN, SC_ONNX_OPSET_MAX);
    return SC_OK;
}

static sc_status add_const_value(loader *L, const char *name, sc_tensor *t, int *id) {
    int v = sc_ir_find_value(L->g, name);
    if (v < 0) v = sc_ir_add_value(L->g, name, L->err);
    if (v < 0) return L->err->status;
    if (id) *id = v;
    return sc_ir_set_const(L->g, v, t, L->err);
}

static sc_status load_initializers(loader *L, const Onnx__GraphProto *gp) {
    if (gp->n_sparse_initializer)
        return sc_err_set(L->err, SC_ERR_UNSUPPORTED, "%s: sparse initializers", L->what);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        sc_tensor t;
        if (sc_tensor_from_proto_msg(gp->initializer[i], L->base_dir, L->what, &t, L->err) != SC_OK)
            return L->err->status;
        if (!gp->initializer[i]->name || !*gp->initializer[i]->name) {
            sc_tensor_free(&t);
            return sc_err_set(L->err, SC_ERR_PARSE, "%s: initializer %zu has no name", L->what, i);
        }
        if (add_const_value(L, gp->initializer[i]->name, &t, NULL) != SC_OK) {
            sc_tensor_free(&t);
            return L->err->status;
        }
    }
    return SC_OK;
}

static sc_status load_value_type(loader *L, const Onnx__ValueInfoProto *vi, sc_ir_value *v) {
    const Onnx__TypeProto *tp = vi->type;
    if (!tp) return SC_OK;
    if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        return sc_err_set(L->err, SC_ERR_UNSUPPORTED,
                          "%s: value '%s' is not a tensor (sequence/map/optional types)", L->what,
                          vi->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    v->dtype = (sc_tdtype)tt->elem_type;
    if (!tt->shape) return SC_OK;
    if (tt->shape->n_dim > SC_IR_MAX_RANK)
        return sc_err_set(L->err, SC_ERR_LIMIT, "%s: value '%s' has rank %zu (max %d)", L->what,
                          vi->name, tt->shape->n_dim, SC_IR_MAX_RANK);
    v->rank = (int)tt->shape->n_dim;
    for (size_t i = 0; i < tt->shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        v->dims[i] = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                         ? d->dim_value
                         : -1;
    }
    return SC_OK;
}

static sc_status load_inputs(loader *L, const Onnx__GraphProto *gp) {
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name)
            return sc_err_set(L->err, SC_ERR_PARSE, "%s: graph input %zu has no name", L->what, i);
        int v = sc_ir_find_value(L->g, vi->name);
        if (v >= 0 && L->g->vals[v].konst) continue; /* IR < 4 lists initializers as inputs */
        if (v >= 0)
            return sc_err_set(L->err, SC_ERR_PARSE, "%s: duplicate graph input '%s'", L->what,
                              vi->name);
        if ((v = sc_ir_add_value(L->g, vi->name, L->err)) < 0) return L->err->status;
        if (load_value_type(L, vi, &L->g->vals[v]) != SC_OK) return L->err->status;
        if (sc_ir_mark_input(L->g, v, L->err) != SC_OK) return L->err->status;
    }
    return SC_OK;
}

static sc_status copy_attr(loader *L, sc_ir_node *n, const Onnx__AttributeProto *ap) {
    typedef Onnx__AttributeProto__AttributeType T;
    T t = ap->type;
    sc_ir_attr_type it = t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT     ? SC_IR_ATTR_FLOAT
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT     ? SC_IR_ATTR_INT
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING  ? SC_IR_ATTR_STRING
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR  ? SC_IR_ATTR_TENSOR
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS  ? SC_IR_ATTR_FLOATS
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS    ? SC_IR_ATTR_INTS
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS ? SC_IR_ATTR_STRINGS
                         : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH   ? SC_IR_ATTR_GRAPH
                                                                               : SC_IR_ATTR_OTHER;
    if (!ap->name) return sc_err_set(L->err, SC_ERR_PARSE, "%s: attribute without a name", L->what);
    sc_ir_attr *a = sc_ir_attr_add(L->g, n, ap->name, it, L->err);
    if (!a) return L->err->status;
    a->f = ap->f;
    a->i = ap->i;
    if (it == SC_IR_ATTR_STRING) {
        char *s = sc_arena_alloc(L->g->arena, ap->s.len + 1);
        if (!s) return sc_err_set(L->err, SC_ERR_NOMEM, "out of memory");
        if (ap->s.len) memcpy(s, ap->s.data, ap->s.len);
        a->s = s;
    } else if (it == SC_IR_ATTR_INTS) {
        a->n = (int)ap->n_ints;
        a->ints = sc_arena_alloc(L->g->arena, sizeof(int64_t) * (ap->n_ints + 1));
        if (!a->ints) return sc_err_set(L->err, SC_ERR_NOMEM, "out of memory");
        if (ap->n_ints) memcpy(a->ints, ap->ints, sizeof(int64_t) * ap->n_ints);
    } else if (it == SC_IR_ATTR_FLOATS) {
        a->n = (int)ap->n_floats;
        a->floats = sc_arena_alloc(L->g->arena, sizeof(float) * (ap->n_floats + 1));
        if (!a->floats) return sc_err_set(L->err, SC_ERR_NOMEM, "out of memory");
        if (ap->n_floats) memcpy(a->floats, ap->floats, sizeof(float) * ap->n_floats);
    } else if (it == SC_IR_ATTR_STRINGS) {
        /* kept as "s0\0s1\0...\0" in a->s (RNN activations) */
        size_t len = 1;
        for (size_t k = 0; k < ap->n_strings; k++)
            len += ap->strings[k].len + 1;
        char *s = sc_arena_alloc(L->g->arena, len);
        if (!s) return sc_err_set(L->err, SC_ERR_NOMEM, "out of memory");
        a->n = (int)ap->n_strings;
        a->s = s;
        for (size_t k = 0; k < ap->n_strings; k++) {
            if (ap->strings[k].len) memcpy(s, ap->strings[k].data, ap->strings[k].len);
            s += ap->strings[k].len;
            *s++ = 0;
        }
        *s = 0;
    } else if (it == SC_IR_ATTR_GRAPH && ap->g) {
        if (load_subgraph(L, ap->g, &a->sub) != SC_OK) return L->err->status;
    } else if (it == SC_IR_ATTR_TENSOR && ap->t) {
        sc_tensor tt;
        if (sc_tensor_from_proto_msg(ap->t, L->base_dir, L->what, &tt, L->err) != SC_OK)
            return L->err->status;
        /* Park the tensor in a throw-away value so the graph owns and frees it. */
        int holder = sc_ir_add_value(L->g, "_attr", L->err);
        if (holder < 0 || sc_ir_set_const(L->g, holder, &tt, L->err) != SC_OK) {
            sc_tensor_free(&tt);
            return L->err->status;
        }
        a->t = L->g->vals[holder].konst;
    }
    return SC_OK;
}

/* Constant nodes become constant values straight away (every form of opsets 7-17). */
static sc_status constant_tensor(loader *L, const sc_ir_node *n, sc_tensor *t) {
    const sc_ir_attr *a = n->n_attr ? &n->attrs[0] : NULL;
    int64_t one = 1;
    if (!a) return sc_err_set(L->err, SC_ERR_PARSE, "%s: Constant node without a value", L->what);
    if (a->type == SC_IR_ATTR_TENSOR && a->t) {
        if (sc_tensor_alloc(t, a->t->dtype, a->t->rank, a->t->dims, L->err) != SC_OK)
            return L->err->status;
        if (t->nbytes) memcpy(t->data, a->t->data, t->nbytes);
        return SC_OK;
    }
    if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int")) {
        int isf = a->name[6] == 'f';
        if (sc_tensor_alloc(t, isf ? SC_T_FLOAT : SC_T_INT64, 0, &one, L->err) != SC_OK)
            return L->err->status;
        sc_tensor_set(t, 0, isf ? a->f : (double)a->i);
        if (!isf) memcpy(t->data, &a->i, 8);
        return SC_OK;
    }
    if (!strcmp(a->name, "value_floats") || !strcmp(a->name, "value_ints")) {
        int isf = a->name[6] == 'f';
        int64_t n_el = a->n;
        if (sc_tensor_alloc(t, isf ? SC_T_FLOAT : SC_T_INT64, 1, &n_el, L->err) != SC_OK)
            return L->err->status;
        if (isf && n_el) memcpy(t->data, a->floats, 4 * (size_t)n_el);
        if (!isf && n_el) memcpy(t->data, a->ints, 8 * (size_t)n_el);
        return SC_OK;
    }
    return sc_err_set(L->err, SC_ERR_UNSUPPORTED, "%s: Constant with attribute '%s'", L->what,
                      a->name);
}

/* A name a subgraph reads from an enclosing scope becomes a value without producer there
 * (bound by name when the subgraph is inlined). */
static int outer_value(loader *L, const char *nm) {
    for (loader *p = L->parent; p; p = p->parent)
        if (sc_ir_find_value(p->g, nm) >= 0) return sc_ir_add_value(L->g, nm, L->err);
    return -1;
}

static sc_status resolve_inputs(loader *L, const Onnx__NodeProto *np, int *in) {
    for (size_t j = 0; j < np->n_input; j++) {
        const char *nm = np->input[j];
        in[j] = nm && *nm ? sc_ir_find_value(L->g, nm) : -1;
        if (nm && *nm && in[j] < 0) in[j] = outer_value(L, nm);
        if (nm && *nm && in[j] < 0)
            return sc_err_set(L->err, SC_ERR_PARSE,
                              "%s: node '%s' (%s) reads '%s', which nothing defines before it",
                              L->what, np->name ? np->name : "", np->op_type, nm);
    }
    return SC_OK;
}

static sc_status load_node(loader *L, const Onnx__NodeProto *np) {
    if (!np->op_type || !*np->op_type)
        return sc_err_set(L->err, SC_ERR_PARSE, "%s: node without op_type", L->what);
    int in[64], out[64];
    if (np->n_input > 64 || np->n_output > 64)
        return sc_err_set(L->err, SC_ERR_LIMIT, "%s: node '%s' has too many inputs/outputs",
                          L->what, np->op_type);
    if (resolve_inputs(L, np, in) != SC_OK) return L->err->status;
    for (size_t j = 0; j < np->n_output; j++) {
        const char *nm = np->output[j];
        out[j] = -1;
        if (!nm || !*nm) continue;
        if (sc_ir_find_value(L->g, nm) >= 0)
            return sc_err_set(L->err, SC_ERR_PARSE, "%s: value '%s' is defined twice", L->what, nm);
        if ((out[j] = sc_ir_add_value(L->g, nm, L->err)) < 0) return L->err->status;
    }
    int id = sc_ir_add_node(L->g, np->op_type, np->name, in, (int)np->n_input, out,
                            (int)np->n_output, L->err);
    if (id < 0) return L->err->status;
    sc_ir_node *n = &L->g->nodes[id];
    if (!is_default_domain(np->domain)) n->domain = sc_arena_strdup(L->g->arena, np->domain);
    for (size_t j = 0; j < np->n_attribute; j++)
        if (copy_attr(L, &L->g->nodes[id], np->attribute[j]) != SC_OK) return L->err->status;
    n = &L->g->nodes[id];
    if (!strcmp(n->op, "Constant") && !*n->domain && n->n_out == 1 && out[0] >= 0) {
        sc_tensor t;
        if (constant_tensor(L, n, &t) != SC_OK) return L->err->status;
        n->dead = 1;
        L->g->vals[out[0]].producer = -1;
        if (sc_ir_set_const(L->g, out[0], &t, L->err) != SC_OK) {
            sc_tensor_free(&t);
            return L->err->status;
        }
    }
    return SC_OK;
}

static sc_status load_outputs(loader *L, const Onnx__GraphProto *gp) {
    if (!gp->n_output) return sc_err_set(L->err, SC_ERR_PARSE, "%s: graph has no outputs", L->what);
    for (size_t i = 0; i < gp->n_output; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        int v = vi->name ? sc_ir_find_value(L->g, vi->name) : -1;
        if (v < 0 && vi->name && L->parent) v = outer_value(L, vi->name);
        if (v < 0)
            return sc_err_set(L->err, SC_ERR_PARSE, "%s: graph output '%s' is never computed",
                              L->what, vi->name ? vi->name : "");
        sc_ir_value tmp = L->g->vals[v];
        if (load_value_type(L, vi, &tmp) != SC_OK) return L->err->status;
        if (!L->g->vals[v].dtype) L->g->vals[v].dtype = tmp.dtype;
        if (sc_ir_mark_output(L->g, v, L->err) != SC_OK) return L->err->status;
    }
    return SC_OK;
}

/* If/Loop/Scan bodies: a graph of their own (formal inputs are its inputs), owned by the top
 * graph; expansion inlines them when their trip count or condition is known. */
static sc_status load_subgraph(loader *L, const Onnx__GraphProto *gp, sc_ir_graph **out) {
    if (L->depth >= 8)
        return sc_err_set(L->err, SC_ERR_LIMIT, "%s: subgraphs nested deeper than 8", L->what);
    sc_ir_graph *sub = NULL;
    if (sc_ir_graph_create(&sub, L->err) != SC_OK) return L->err->status;
    if (sc_ir_own_sub(L->top, sub, L->err) != SC_OK) return L->err->status;
    sub->opset = L->g->opset;
    if (gp->name) sc_strlcpy(sub->name, gp->name, sizeof sub->name);
    loader S = {sub, L->what, L->base_dir, L->err, L, L->top, L->depth + 1};
    if (load_initializers(&S, gp) != SC_OK || load_inputs(&S, gp) != SC_OK) return L->err->status;
    for (size_t i = 0; i < gp->n_node; i++)
        if (load_node(&S, gp->node[i]) != SC_OK) return L->err->status;
    if (load_outputs(&S, gp) != SC_OK) return L->err->status;
    *out = sub;
    return SC_OK;
}

static sc_status load_model(loader *L, const Onnx__ModelProto *m) {
    if (!m->graph) return sc_err_set(L->err, SC_ERR_PARSE, "%s: model has no graph", L->what);
    if (read_opset(L, m) != SC_OK) return L->err->status;
    const Onnx__GraphProto *gp = m->graph;
    if (gp->name) sc_strlcpy(L->g->name, gp->name, sizeof L->g->name);
    if (load_initializers(L, gp) != SC_OK || load_inputs(L, gp) != SC_OK) return L->err->status;
    for (size_t i = 0; i < gp->n_node; i++)
        if (load_node(L, gp->node[i]) != SC_OK) return L->err->status;
    return load_outputs(L, gp);
}

sc_status sc_onnx_load_buffer(const uint8_t *buf, size_t len, const char *base_dir,
                              const char *what, sc_ir_graph **out, sc_err *err) {
    *out = NULL;
    if (!len) return sc_err_set(err, SC_ERR_PARSE, "%s: empty file", what);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: not a valid ONNX model (truncated or malformed protobuf)", what);
    sc_ir_graph *g = NULL;
    sc_status st = sc_ir_graph_create(&g, err);
    if (st == SC_OK) {
        loader L = {g, what, base_dir, err, NULL, g, 0};
        st = load_model(&L, m);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    if (st != SC_OK) {
        sc_ir_graph_destroy(g);
        return st;
    }
    *out = g;
    return SC_OK;
}

sc_status sc_onnx_load_file(const char *path, sc_ir_graph **out, sc_err *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    if (sc_read_file(path, ONNX_MAX_FILE, &buf, &len, err) != SC_OK) return err->status;
    char dir[4096];
    sc_path_dir(path, dir, sizeof dir);
    sc_status st = sc_onnx_load_buffer(buf, len, dir, path, out, err);
    free(buf);
    return st;
}
