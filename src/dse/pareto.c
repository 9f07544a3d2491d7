// SPDX-License-Identifier: Apache-2.0
// Pareto fronts of design points: performance against cost, power and HBM capacity, and the
// joint front of the three efficiency ratios.
#include <string.h>

#include "dse/dse.h"

/* Objectives, all to be maximised (costs enter negated). */
typedef struct objs {
    double v[3];
    int n;
} objs;

static int dominates(const objs *a, const objs *b) {
    int strict = 0;
    for (int k = 0; k < a->n; k++) {
        if (a->v[k] < b->v[k]) return 0;
        if (a->v[k] > b->v[k]) strict = 1;
    }
    return strict;
}

static objs objectives(const sc_dse_result *r, int front) {
    objs o = {{r->perf, 0, 0}, 2};
    switch (front) {
    case SC_PARETO_COST:
        o.v[1] = -r->phys.chip_usd;
        break;
    case SC_PARETO_POWER:
        o.v[1] = -r->phys.power_w;
        break;
    case SC_PARETO_HBM:
        o.v[1] = -r->phys.hbm_gb;
        break;
    default:
        o = (objs){{r->perf_per_usd, r->perf_per_w, r->perf_per_hbm_gb}, 3};
    }
    return o;
}

static int candidate(const sc_dse_result *r) {
    return r->ok && r->perf > 0;
}

/* Quadratic scan: sweeps stay in the thousands to tens of thousands of points. */
static void front(const sc_dse_result *v, size_t n, int bit, int *flags) {
    for (size_t i = 0; i < n; i++) {
        if (!candidate(&v[i])) continue;
        objs oi = objectives(&v[i], bit);
        int dominated = 0;
        for (size_t j = 0; j < n && !dominated; j++) {
            if (j == i || !candidate(&v[j])) continue;
            objs oj = objectives(&v[j], bit);
            dominated = dominates(&oj, &oi);
        }
        if (!dominated) flags[i] |= bit;
    }
}

void sc_dse_pareto(const sc_dse_result *v, size_t n, int *flags) {
    memset(flags, 0, n * sizeof *flags);
    front(v, n, SC_PARETO_COST, flags);
    front(v, n, SC_PARETO_POWER, flags);
    front(v, n, SC_PARETO_HBM, flags);
    front(v, n, SC_PARETO_ALL, flags);
}
