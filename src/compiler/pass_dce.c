// SPDX-License-Identifier: Apache-2.0
// Dead-code elimination: removes nodes none of whose outputs reach a graph output.
#include <stdlib.h>

#include "compiler/ir_util.h"

sc_status sc_pass_dce(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    char *live = calloc((size_t)g->n_vals + 1, 1);
    if (!live) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n_outputs; i++)
        live[g->outputs[i]] = 1;
    /* Nodes are in topological order: one backward sweep marks every needed value. */
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        int needed = 0;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && live[n->out[j]]) needed = 1;
        if (!needed) {
            n->dead = 1;
            *changed = 1;
            continue;
        }
        for (int j = 0; j < n->n_in; j++)
            if (n->in[j] >= 0) live[n->in[j]] = 1;
    }
    free(live);
    return SC_OK;
}
