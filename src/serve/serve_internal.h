// SPDX-License-Identifier: Apache-2.0
// Private state of the serving simulator, shared by its scheduler and its metrics code.
#ifndef SC_SERVE_INTERNAL_H
#define SC_SERVE_INTERNAL_H

#include "serve/serve.h"

enum { ROLE_COLOCATED, ROLE_PREFILL, ROLE_DECODE };
enum { RQ_PENDING, RQ_WAITING, RQ_RUNNING, RQ_XFER, RQ_DONE, RQ_REJECTED };

typedef struct req_state {
    sc_serve_request q;
    int state, replica;
    int prompt_total; /* tokens to prefill: the prompt, or prompt + generated - 1 after recompute */
    int ctx;          /* tokens whose KV is on the current replica (shared prefix included) */
    int shared;       /* of ctx, tokens held by a prefix-cache entry */
    int entry;        /* prefix-cache entry referenced, -1 none */
    int own_blocks;   /* KV blocks this request holds itself */
    int kv_ready;     /* KV tokens that arrive with the request (swap-in or transfer) */
    int swapped;      /* kv_ready came from host memory (pay swap-in) */
    int generated, decoding;
    double first_token, finish, admitted;
} req_state;

typedef struct prefix_entry {
    int group, blocks, refs;
    double last_use;
} prefix_entry;

typedef struct deque {
    int *v;
    size_t head, n, cap;
} deque;

typedef struct step_item {
    int req, chunk; /* chunk 0 = one decode token */
} step_item;

typedef struct replica {
    int role, busy;
    deque waiting;
    int *running;
    size_t n_running, cap_running;
    long total_blocks, free_blocks;
    prefix_entry *entries;
    size_t n_entries, cap_entries;
    step_item *items;
    size_t n_items, cap_items;
    double busy_time, kv_util_time;
} replica;

typedef struct event {
    double t;
    uint64_t seq;
    int type, a;
} event;

typedef struct serve_sim {
    const sc_serve_engine *eng;
    sc_serve_params p;
    sc_serve_workload w;
    sc_rng len_rng;
    req_state *reqs;
    size_t n_reqs, cap_reqs;
    replica *reps;
    int n_reps;
    event *heap;
    size_t n_heap, cap_heap;
    uint64_t seq;
    double now, window_tokens, iterations, batch_sum, prefill_sum;
    double preemptions, swaps, prefix_hit_tokens, prompt_tokens, kv_transfers;
    sc_serve_span *timeline;
    size_t n_timeline;
    sc_err *err;
} serve_sim;

/* Fills the metrics of r from the finished simulation. */
sc_status serve_collect(serve_sim *s, sc_serve_result *r, sc_err *err);

#endif
