// SPDX-License-Identifier: Apache-2.0
// The serving engine model backed by the LLM performance API: step times and KV capacity.
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"

/* Host interface per chip for swapping KV blocks: PCIe Gen5 x16 moves ~64 GB/s per direction
 * (32 GT/s x 16 lanes, 128b/130b), the figure in docs/ARCHITECTURE.md's block diagram. */
#define SERVE_HOST_BW_PER_CHIP 64e9

struct sc_serve_llm {
    sc_llm_arch arch;
    sc_llm_deploy deploy;
    sc_llm_perf *perf;
    sc_serve_engine eng;
};

static sc_status llm_step(void *user, const sc_llm_step *s, double *seconds, sc_err *err) {
    sc_serve_llm *m = user;
    return sc_llm_perf_step(m->perf, s, seconds, NULL, err);
}

sc_status sc_serve_llm_create(const sc_llm_arch *a, const sc_llm_deploy *d, sc_serve_llm **out,
                              sc_err *err) {
    *out = NULL;
    if (!a || !d || !d->chip) return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: arch and chip");
    sc_llm_memory mem;
    sc_status st = sc_llm_memory_plan(a, d, 1, a->max_ctx, &mem, err);
    if (st != SC_OK) return st;
    if (!(mem.kv_capacity_tokens >= 1) || !(mem.kv_per_token > 0))
        return sc_err_set(err, SC_ERR_LIMIT, "%s on %d x %s: no room for the KV cache%s%s", a->name,
                          d->chips, d->chip->name, mem.reason[0] ? ": " : "", mem.reason);
    sc_serve_llm *m = calloc(1, sizeof *m);
    if (!m) return sc_err_set(err, SC_ERR_NOMEM, "serve: out of memory");
    m->arch = *a;
    m->deploy = *d;
    st = sc_llm_perf_create(&m->arch, &m->deploy, &m->perf, err);
    if (st != SC_OK) return free(m), st;
    const sc_chip *c = d->chip;
    /* Every chip holds its shard of every token (tensor parallel) or of every layer (pipeline),
     * so the replica holds as many tokens as one chip does and moves chips x shard bytes. */
    m->eng.step = llm_step;
    m->eng.user = m;
    m->eng.kv_capacity_tokens = mem.kv_capacity_tokens;
    m->eng.kv_bytes_per_token = mem.kv_per_token * d->chips;
    m->eng.swap_bw = SERVE_HOST_BW_PER_CHIP * d->chips;
    double link = c->link_count * c->link_bw;
    m->eng.xfer_bw = (link > 0 ? link : SERVE_HOST_BW_PER_CHIP) * d->chips;
    m->eng.xfer_latency = c->link_latency + c->collective_latency_s;
    m->eng.max_ctx = a->max_ctx;
    *out = m;
    return SC_OK;
}

void sc_serve_llm_destroy(sc_serve_llm *s) {
    if (!s) return;
    sc_llm_perf_destroy(s->perf);
    free(s);
}

const sc_serve_engine *sc_serve_llm_engine(const sc_serve_llm *s) {
    return &s->eng;
}

sc_llm_perf *sc_serve_llm_perf(sc_serve_llm *s) {
    return s->perf;
}
