// SPDX-License-Identifier: Apache-2.0
// Liveness-based HBM planner: each computed value gets a range that is reused after its last use.
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen_internal.h"

#define MP_ALIGN 64

typedef struct block {
    uint64_t off, size;
    int v;
} block;

typedef struct plan {
    block *b;
    int n, cap;
    uint64_t top;
} plan;

/* First fit into the gaps between live blocks (kept sorted by offset). */
static int mp_alloc(plan *p, uint64_t size, int v, uint64_t *off) {
    size = (size + MP_ALIGN - 1) / MP_ALIGN * MP_ALIGN;
    if (!size) size = MP_ALIGN;
    uint64_t at = 0;
    int pos = 0;
    for (; pos < p->n; pos++) {
        if (p->b[pos].off - at >= size) break;
        at = p->b[pos].off + p->b[pos].size;
    }
    if (p->n == p->cap) {
        int nc = p->cap ? p->cap * 2 : 64;
        block *nb = realloc(p->b, sizeof *nb * (size_t)nc);
        if (!nb) return -1;
        p->b = nb, p->cap = nc;
    }
    memmove(&p->b[pos + 1], &p->b[pos], sizeof *p->b * (size_t)(p->n - pos));
    p->b[pos] = (block){at, size, v};
    p->n++;
    if (at + size > p->top) p->top = at + size;
    *off = at;
    return 0;
}

static void mp_free(plan *p, int v) {
    for (int i = 0; i < p->n; i++)
        if (p->b[i].v == v) {
            memmove(&p->b[i], &p->b[i + 1], sizeof *p->b * (size_t)(p->n - i - 1));
            p->n--;
            return;
        }
}

static uint64_t val_bytes(cg *c, int v, sc_dtype dt) {
    return (uint64_t)sc_ir_numel(&c->g->vals[v]) * (uint64_t)sc_isa_dtype_bytes(dt);
}

static sc_status place(cg *c, plan *p, int v) {
    sc_dtype dt = sc_codegen_dev_dtype(c->g->vals[v].dtype);
    uint64_t off;
    if (mp_alloc(p, val_bytes(c, v, dt), v, &off))
        return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    c->loc[v] = (cg_loc){SC_SPACE_HBM, off, dt};
    return SC_OK;
}

sc_status cg_memplan(cg *c) {
    sc_ir_graph *g = c->g;
    int *last = malloc(sizeof(int) * ((size_t)g->n_vals + 1));
    if (!last) return sc_err_set(c->err, SC_ERR_NOMEM, "out of memory");
    for (int v = 0; v < g->n_vals; v++)
        last[v] = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].dead) continue;
        for (int j = 0; j < g->nodes[i].n_in; j++)
            if (g->nodes[i].in[j] >= 0) last[g->nodes[i].in[j]] = i;
    }
    for (int i = 0; i < g->n_outputs; i++)
        last[g->outputs[i]] = g->n_nodes; /* live to the end */
    for (int i = 0; i < g->n_inputs; i++)
        last[g->inputs[i]] = g->n_nodes; /* host-written */
    plan p = {0};
    sc_status st = SC_OK;
    for (int i = 0; i < g->n_inputs && st == SC_OK; i++)
        st = place(c, &p, g->inputs[i]);
    for (int i = 0; i < g->n_nodes && st == SC_OK; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        for (int j = 0; j < n->n_out && st == SC_OK; j++) {
            int v = n->out[j];
            if (v >= 0 && !g->vals[v].konst) st = place(c, &p, v);
        }
        /* Free after placing the outputs: kernels never run in place. */
        for (int j = 0; j < n->n_in; j++) {
            int v = n->in[j];
            if (v >= 0 && last[v] == i && !g->vals[v].konst) mp_free(&p, v);
        }
        for (int j = 0; j < n->n_out; j++) /* outputs nobody reads (e.g. unused Split parts) */
            if (n->out[j] >= 0 && last[n->out[j]] < 0 && !g->vals[n->out[j]].konst)
                mp_free(&p, n->out[j]);
    }
    c->hbm_top = p.top;
    free(p.b);
    free(last);
    return st;
}
