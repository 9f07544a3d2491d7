// SPDX-License-Identifier: Apache-2.0
// Constant folding: nodes whose inputs are all constant are evaluated on the host and removed.
#include "compiler/ir_util.h"

sc_status sc_pass_constfold(sc_ir_graph *g, int *changed, sc_err *err) {
    *changed = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        sc_ir_node *n = &g->nodes[i];
        if (n->dead) continue;
        int all = n->n_out > 0;
        /* Shape inference already evaluated what it could; a node whose every output is a
         * constant now is dead weight. */
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0 && !g->vals[n->out[j]].konst) all = 0;
        if (!all) {
            int inputs_const = n->n_in > 0;
            for (int j = 0; j < n->n_in; j++)
                if (n->in[j] >= 0 && !g->vals[n->in[j]].konst) inputs_const = 0;
            if (!inputs_const) continue;
            sc_err e2 = {0};
            sc_status st = sc_ir_eval_node(g, n, &e2);
            if (st == SC_ERR_UNSUPPORTED) continue;
            if (st != SC_OK) return sc_err_set(err, st, "%s", e2.msg);
        }
        n->dead = 1;
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0) g->vals[n->out[j]].producer = -1;
        *changed = 1;
    }
    return SC_OK;
}
