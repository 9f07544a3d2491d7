// SPDX-License-Identifier: Apache-2.0
// Event-driven serving simulator: continuous batching, chunked prefill, paged KV, preemption,
// prefix caching and prefill/decode disaggregation. Time advances from event to event.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_internal.h"

enum { EV_ARRIVAL, EV_STEP, EV_XFER };

sc_serve_params sc_serve_default_params(void) {
    sc_serve_params p = {
        .replicas = 1,
        .max_batch = 256,
        .token_budget = 2048,
        .chunked_prefill = 1,
        .block_size = 16,
        .preempt = SC_PREEMPT_RECOMPUTE,
        .prefix_caching = 1,
        .timeline_max = 0,
    };
    return p;
}

/* ---- small containers ---- */
static int grow(void **v, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *nv = realloc(*v, nc * elem);
    if (!nv) return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

static int dq_push(deque *d, int x, int front) {
    if (d->n == d->cap) { /* unroll into a fresh buffer so head returns to 0 */
        size_t nc = d->cap ? d->cap * 2 : 16;
        int *nv = malloc(nc * sizeof *nv);
        if (!nv) return -1;
        for (size_t i = 0; i < d->n; i++)
            nv[i] = d->v[(d->head + i) % d->cap];
        free(d->v);
        d->v = nv;
        d->cap = nc;
        d->head = 0;
    }
    if (front) {
        d->head = (d->head + d->cap - 1) % d->cap;
        d->v[d->head] = x;
    } else {
        d->v[(d->head + d->n) % d->cap] = x;
    }
    d->n++;
    return 0;
}

static int dq_front(const deque *d) {
    return d->v[d->head];
}

static void dq_pop(deque *d) {
    d->head = (d->head + 1) % d->cap;
    d->n--;
}

/* ---- event heap ordered by (time, sequence): ties resolve in insertion order ---- */
static int ev_less(const event *a, const event *b) {
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int ev_push(serve_sim *s, double t, int type, int a) {
    if (grow((void **)&s->heap, &s->cap_heap, s->n_heap + 1, sizeof *s->heap)) return -1;
    size_t i = s->n_heap++;
    event e = {t, s->seq++, type, a};
    while (i > 0 && ev_less(&e, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = e;
    return 0;
}

static event ev_pop(serve_sim *s) {
    event top = s->heap[0], last = s->heap[--s->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n_heap) break;
        if (c + 1 < s->n_heap && ev_less(&s->heap[c + 1], &s->heap[c])) c++;
        if (!ev_less(&s->heap[c], &last)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->n_heap) s->heap[i] = last;
    return top;
}

/* ---- requests ---- */
static int add_request(serve_sim *s, const sc_serve_request *q) {
    if (grow((void **)&s->reqs, &s->cap_reqs, s->n_reqs + 1, sizeof *s->reqs)) return -1;
    req_state *r = &s->reqs[s->n_reqs];
    memset(r, 0, sizeof *r);
    r->q = *q;
    r->entry = -1;
    r->replica = -1;
    r->prompt_total = q->prompt_len;
    r->first_token = r->finish = r->admitted = -1;
    if (ev_push(s, q->arrival, EV_ARRIVAL, (int)s->n_reqs)) return -1;
    s->n_reqs++;
    return 0;
}

static int spawn_closed(serve_sim *s, double t) {
    if (s->w.arrival != SC_ARRIVAL_CLOSED || t >= s->w.duration) return 0;
    sc_serve_request q = sc_serve_sample_request(&s->w, &s->len_rng);
    q.arrival = t;
    return add_request(s, &q);
}

/* ---- KV blocks and the prefix cache ---- */
static long blocks_for(const serve_sim *s, long tokens) {
    return (tokens + s->p.block_size - 1) / s->p.block_size;
}

/* Frees blocks held by unreferenced prefix entries, least recently used first. */
static int evict_prefix(replica *rp, long need) {
    while (rp->free_blocks < need) {
        size_t best = rp->n_entries;
        for (size_t i = 0; i < rp->n_entries; i++)
            if (rp->entries[i].refs == 0 && rp->entries[i].blocks > 0 &&
                (best == rp->n_entries || rp->entries[i].last_use < rp->entries[best].last_use))
                best = i;
        if (best == rp->n_entries) return -1;
        rp->free_blocks += rp->entries[best].blocks;
        rp->entries[best].blocks = 0;
    }
    return 0;
}

static int alloc_blocks(replica *rp, long n) {
    if (n <= 0) return 0;
    if (rp->free_blocks < n && evict_prefix(rp, n)) return -1;
    rp->free_blocks -= n;
    return 0;
}

/* Grows r's own blocks to hold new_ctx tokens; -1 when the replica is out of blocks. */
static int ensure_kv(serve_sim *s, replica *rp, req_state *r, int new_ctx) {
    long need = blocks_for(s, new_ctx - r->shared) - r->own_blocks;
    if (alloc_blocks(rp, need)) return -1;
    if (need > 0) r->own_blocks += (int)need;
    return 0;
}

static void release_kv(replica *rp, req_state *r) {
    rp->free_blocks += r->own_blocks;
    r->own_blocks = 0;
    if (r->entry >= 0) rp->entries[r->entry].refs--;
    r->entry = -1;
    r->shared = 0;
}

/* Looks up r's shared prompt; on a hit the cached tokens need no prefill. */
static void prefix_lookup(serve_sim *s, replica *rp, req_state *r) {
    if (!s->p.prefix_caching || r->q.prefix_group < 0 || r->ctx > 0) return;
    for (size_t i = 0; i < rp->n_entries; i++) {
        prefix_entry *e = &rp->entries[i];
        if (e->group != r->q.prefix_group || e->blocks == 0) continue;
        e->refs++;
        e->last_use = s->now;
        r->entry = (int)i;
        r->shared = r->ctx = e->blocks * s->p.block_size;
        return;
    }
}

/* After r's prefill, hands its full prefix blocks to the cache so later requests share them. */
static void prefix_publish(serve_sim *s, replica *rp, req_state *r) {
    if (!s->p.prefix_caching || r->q.prefix_group < 0 || r->entry >= 0) return;
    int blocks = r->q.prefix_len / s->p.block_size;
    if (blocks <= 0 || blocks > r->own_blocks) return;
    size_t i;
    for (i = 0; i < rp->n_entries; i++)
        if (rp->entries[i].group == r->q.prefix_group) break;
    if (i < rp->n_entries && rp->entries[i].blocks > 0) return; /* someone else published it */
    if (i == rp->n_entries) {
        if (grow((void **)&rp->entries, &rp->cap_entries, rp->n_entries + 1, sizeof *rp->entries))
            return; /* no memory for the cache: serve without it */
        rp->n_entries++;
    }
    rp->entries[i] = (prefix_entry){r->q.prefix_group, blocks, 1, s->now};
    r->own_blocks -= blocks;
    r->shared = blocks * s->p.block_size;
    r->entry = (int)i;
}

/* ---- running list ---- */
static void running_remove(replica *rp, int req) {
    for (size_t i = 0; i < rp->n_running; i++)
        if (rp->running[i] == req) {
            memmove(&rp->running[i], &rp->running[i + 1],
                    (rp->n_running - i - 1) * sizeof *rp->running);
            rp->n_running--;
            return;
        }
}

/* Takes a running request off the replica (recompute: drop its KV; swap: copy it to host). */
static double preempt(serve_sim *s, replica *rp, int k) {
    req_state *r = &s->reqs[k];
    double swap_s = 0;
    running_remove(rp, k);
    s->preemptions++;
    if (s->p.preempt == SC_PREEMPT_SWAP && r->ctx > 0) {
        r->kv_ready = r->ctx;
        r->swapped = 1;
        swap_s = r->ctx * s->eng->kv_bytes_per_token / s->eng->swap_bw;
        s->swaps++;
    } else {
        r->kv_ready = 0;
        r->swapped = 0;
        r->decoding = 0;
        r->prompt_total = r->q.prompt_len + (r->generated > 0 ? r->generated - 1 : 0);
    }
    release_kv(rp, r);
    r->ctx = 0;
    r->state = RQ_WAITING;
    dq_push(&rp->waiting, k, 1);
    return swap_s;
}

/* ---- building one iteration ---- */
typedef struct step_acc {
    int n_decode, prefill_tokens, n_seqs;
    double decode_ctx_sum, prefill_ctx_w, extra_s;
    int budget;
} step_acc;

static int add_item(replica *rp, int req, int chunk) {
    if (grow((void **)&rp->items, &rp->cap_items, rp->n_items + 1, sizeof *rp->items)) return -1;
    rp->items[rp->n_items++] = (step_item){req, chunk};
    return 0;
}

static void add_prefill(step_acc *a, const req_state *r, int chunk) {
    a->prefill_tokens += chunk;
    a->prefill_ctx_w += chunk * (r->ctx + 0.5 * chunk);
    a->budget -= chunk;
    a->n_seqs++;
}

/* Decode phase: one token for each decoding sequence, preempting the newest on KV exhaustion. */
static int schedule_decodes(serve_sim *s, replica *rp, step_acc *a) {
    for (size_t i = 0; i < rp->n_running && a->n_decode < s->p.max_batch && a->budget > 0; i++) {
        int k = rp->running[i];
        req_state *r = &s->reqs[k];
        if (!r->decoding) continue;
        while (ensure_kv(s, rp, r, r->ctx + 1)) {
            int victim = rp->running[rp->n_running - 1];
            a->extra_s += preempt(s, rp, victim);
            if (victim == k) break;
        }
        if (r->state != RQ_RUNNING) break; /* preempted itself: it was the newest */
        if (add_item(rp, k, 0)) return -1;
        a->n_decode++;
        a->n_seqs++;
        a->decode_ctx_sum += r->ctx;
        a->budget--;
    }
    return 0;
}

/* Largest prefill chunk for r that fits the budget and the free blocks (0 = none). */
static int fit_chunk(serve_sim *s, replica *rp, req_state *r, const step_acc *a) {
    int remaining = r->prompt_total - r->ctx;
    int chunk = remaining < a->budget ? remaining : a->budget;
    if (!s->p.chunked_prefill && chunk < remaining) chunk = a->n_seqs == 0 ? remaining : 0;
    while (chunk > 0 && ensure_kv(s, rp, r, r->ctx + chunk)) {
        long room =
            (r->own_blocks + rp->free_blocks) * (long)s->p.block_size - (r->ctx - r->shared);
        if (!s->p.chunked_prefill || room <= 0) return 0;
        chunk = room < chunk ? (int)room : chunk - 1;
    }
    return chunk;
}

/* Continues prefills already admitted. */
static int schedule_prefills(serve_sim *s, replica *rp, step_acc *a) {
    for (size_t i = 0; i < rp->n_running && a->budget > 0; i++) {
        int k = rp->running[i];
        req_state *r = &s->reqs[k];
        if (r->decoding) continue;
        int chunk = fit_chunk(s, rp, r, a);
        if (chunk <= 0) continue;
        if (add_item(rp, k, chunk)) return -1;
        add_prefill(a, r, chunk);
    }
    return 0;
}

/* Admits waiting requests in arrival order while batch slots, budget and blocks allow. */
static int schedule_admissions(serve_sim *s, replica *rp, step_acc *a) {
    while (rp->waiting.n && (int)rp->n_running < s->p.max_batch && a->budget > 0) {
        int k = dq_front(&rp->waiting);
        req_state *r = &s->reqs[k];
        if (r->kv_ready > 0) { /* swapped out or transferred: needs all its blocks at once */
            if (alloc_blocks(rp, blocks_for(s, r->kv_ready))) break;
            r->own_blocks = (int)blocks_for(s, r->kv_ready);
            r->ctx = r->kv_ready;
            if (r->swapped) a->extra_s += r->ctx * s->eng->kv_bytes_per_token / s->eng->swap_bw;
            r->kv_ready = r->swapped = 0;
            r->decoding = r->ctx >= r->prompt_total;
        } else {
            if (r->ctx == 0 && r->entry < 0) prefix_lookup(s, rp, r);
            int chunk = fit_chunk(s, rp, r, a);
            if (chunk <= 0) {
                release_kv(rp, r);
                r->ctx = 0;
                break;
            }
            if (add_item(rp, k, chunk)) return -1;
            add_prefill(a, r, chunk);
        }
        dq_pop(&rp->waiting);
        if (r->admitted < 0) { /* first admission: count prompt tokens and prefix-cache hits */
            r->admitted = s->now;
            s->prompt_tokens += r->q.prompt_len;
            s->prefix_hit_tokens += r->shared;
        }
        r->state = RQ_RUNNING;
        if (grow((void **)&rp->running, &rp->cap_running, rp->n_running + 1, sizeof(int)))
            return -1;
        rp->running[rp->n_running++] = k;
    }
    return 0;
}

static void record_span(serve_sim *s, int rep, double dur, const step_acc *a) {
    if (s->n_timeline >= s->p.timeline_max) return;
    s->timeline[s->n_timeline++] =
        (sc_serve_span){rep, s->now, dur, a->n_decode, a->prefill_tokens};
}

/* Starts an iteration on an idle replica with work; schedules its completion event. */
static sc_status kick(serve_sim *s, int rep) {
    replica *rp = &s->reps[rep];
    if (rp->busy || (rp->n_running == 0 && rp->waiting.n == 0)) return SC_OK;
    step_acc a = {.budget = s->p.token_budget};
    rp->n_items = 0;
    /* Two passes: requests admitted with their KV already present (swap-in, transfer) decode
     * only from the next pass on, and an iteration of nothing but such admissions is empty. */
    for (int pass = 0; pass < 2 && rp->n_items == 0; pass++)
        if ((rp->role != ROLE_PREFILL && schedule_decodes(s, rp, &a)) ||
            schedule_prefills(s, rp, &a) || schedule_admissions(s, rp, &a))
            return sc_err_set(s->err, SC_ERR_NOMEM, "serve: out of memory");
    if (rp->n_items == 0 && a.extra_s == 0) return SC_OK; /* blocked until something finishes */
    double secs = 0;
    if (rp->n_items) {
        sc_llm_step st = {a.n_decode, a.n_decode ? a.decode_ctx_sum / a.n_decode : 0,
                          a.prefill_tokens,
                          a.prefill_tokens ? a.prefill_ctx_w / a.prefill_tokens : 0};
        sc_status rc = s->eng->step(s->eng->user, &st, &secs, s->err);
        if (rc != SC_OK) return rc;
    }
    secs += a.extra_s;
    s->iterations++;
    s->batch_sum += a.n_seqs;
    s->prefill_sum += a.prefill_tokens;
    rp->busy_time += secs;
    rp->kv_util_time += secs * (1.0 - (double)rp->free_blocks / (double)rp->total_blocks);
    record_span(s, rep, secs, &a);
    rp->busy = 1;
    return ev_push(s, s->now + secs, EV_STEP, rep) ? sc_err_set(s->err, SC_ERR_NOMEM, "serve: oom")
                                                   : SC_OK;
}

/* ---- routing ---- */
static int pick_replica(const serve_sim *s, int decode_side) {
    int best = -1;
    size_t load = 0;
    for (int i = 0; i < s->n_reps; i++) {
        const replica *rp = &s->reps[i];
        if ((rp->role == ROLE_DECODE) != decode_side) continue;
        size_t l = rp->n_running + rp->waiting.n;
        if (best < 0 || l < load) best = i, load = l;
    }
    return best;
}

static sc_status finish(serve_sim *s, replica *rp, int k) {
    req_state *r = &s->reqs[k];
    running_remove(rp, k);
    release_kv(rp, r);
    r->state = RQ_DONE;
    r->finish = s->now;
    return spawn_closed(s, s->now) ? sc_err_set(s->err, SC_ERR_NOMEM, "serve: oom") : SC_OK;
}

static sc_status on_arrival(serve_sim *s, int k) {
    req_state *r = &s->reqs[k];
    long need = r->q.prompt_len + r->q.output_len;
    int rep = pick_replica(s, 0);
    if (need > s->eng->max_ctx || blocks_for(s, need) > s->reps[rep].total_blocks) {
        r->state = RQ_REJECTED; /* can never fit: counted, not served (and not replaced, so a
                                   closed loop of unservable requests ends) */
        return SC_OK;
    }
    r->state = RQ_WAITING;
    r->replica = rep;
    if (dq_push(&s->reps[rep].waiting, k, 0)) return sc_err_set(s->err, SC_ERR_NOMEM, "oom");
    return kick(s, rep);
}

/* Prefill finished on a prefill-only replica: ship the KV to a decode replica. */
static sc_status hand_off(serve_sim *s, replica *rp, int k) {
    req_state *r = &s->reqs[k];
    int ctx = r->ctx;
    running_remove(rp, k);
    release_kv(rp, r);
    r->ctx = 0;
    r->kv_ready = ctx;
    r->state = RQ_XFER;
    s->kv_transfers++;
    double t = s->now + s->eng->xfer_latency + ctx * s->eng->kv_bytes_per_token / s->eng->xfer_bw;
    return ev_push(s, t, EV_XFER, k) ? sc_err_set(s->err, SC_ERR_NOMEM, "serve: oom") : SC_OK;
}

/* Applies a finished iteration to its sequences. */
static sc_status on_step(serve_sim *s, int rep) {
    replica *rp = &s->reps[rep];
    rp->busy = 0;
    for (size_t i = 0; i < rp->n_items; i++) {
        int k = rp->items[i].req;
        req_state *r = &s->reqs[k];
        int produced = 0;
        if (rp->items[i].chunk == 0) {
            r->ctx++;
            produced = 1;
        } else {
            r->ctx += rp->items[i].chunk;
            if (r->ctx < r->prompt_total) continue;
            r->decoding = 1;
            produced = r->generated == 0; /* a recompute restores KV; it makes no new token */
            if (produced) r->first_token = s->now;
            prefix_publish(s, rp, r);
        }
        r->generated += produced;
        if (produced && s->now <= s->w.duration) s->window_tokens++;
        sc_status st = SC_OK;
        if (r->generated >= r->q.output_len)
            st = finish(s, rp, k);
        else if (rp->role == ROLE_PREFILL && r->decoding)
            st = hand_off(s, rp, k);
        if (st != SC_OK) return st;
    }
    rp->n_items = 0;
    return kick(s, rep);
}

static sc_status on_xfer(serve_sim *s, int k) {
    int rep = pick_replica(s, 1);
    s->reqs[k].state = RQ_WAITING;
    s->reqs[k].replica = rep;
    if (dq_push(&s->reps[rep].waiting, k, 0)) return sc_err_set(s->err, SC_ERR_NOMEM, "oom");
    return kick(s, rep);
}

/* ---- set-up and main loop ---- */
static sc_status check_inputs(const sc_serve_engine *e, const sc_serve_params *p,
                              const sc_serve_workload *w, size_t n_reqs, sc_err *err) {
    if (!e || !e->step || !(e->kv_capacity_tokens >= 1) || !(e->swap_bw > 0) || !(e->xfer_bw > 0) ||
        e->max_ctx < 1 || !(e->kv_bytes_per_token > 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: incomplete engine model");
    if (p->max_batch < 1 || p->token_budget < 1 || p->block_size < 1 || p->block_size > 65536)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "serve: max batch, token budget and block size must be positive");
    int disagg = p->prefill_replicas > 0 || p->decode_replicas > 0;
    if (disagg ? (p->prefill_replicas < 1 || p->decode_replicas < 1) : p->replicas < 1)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: need at least one replica per role");
    if ((disagg ? p->prefill_replicas + p->decode_replicas : p->replicas) > 100000)
        return sc_err_set(err, SC_ERR_LIMIT, "serve: more than 100000 replicas");
    if (!(w->duration > 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: duration must be positive");
    if (w->arrival == SC_ARRIVAL_TRACE && n_reqs == 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: trace replay needs requests");
    if (w->arrival == SC_ARRIVAL_CLOSED && (w->concurrency < 1 || w->concurrency > 1000000))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "serve: concurrency must be in [1, 1e6]");
    return SC_OK;
}

static sc_status setup(serve_sim *s, const sc_serve_request *reqs, size_t n_reqs) {
    int disagg = s->p.prefill_replicas > 0;
    s->n_reps = disagg ? s->p.prefill_replicas + s->p.decode_replicas : s->p.replicas;
    s->reps = calloc((size_t)s->n_reps, sizeof *s->reps);
    if (s->p.timeline_max) s->timeline = calloc(s->p.timeline_max, sizeof *s->timeline);
    if (!s->reps || (s->p.timeline_max && !s->timeline))
        return sc_err_set(s->err, SC_ERR_NOMEM, "serve: out of memory");
    long blocks = (long)(s->eng->kv_capacity_tokens / s->p.block_size);
    for (int i = 0; i < s->n_reps; i++) {
        s->reps[i].role =
            !disagg ? ROLE_COLOCATED : (i < s->p.prefill_replicas ? ROLE_PREFILL : ROLE_DECODE);
        s->reps[i].total_blocks = s->reps[i].free_blocks = blocks > 0 ? blocks : 1;
    }
    sc_rng_seed(&s->len_rng, s->w.seed * 2 + 2);
    sc_serve_request *gen = NULL;
    size_t n_gen = 0;
    if (s->w.arrival == SC_ARRIVAL_POISSON || s->w.arrival == SC_ARRIVAL_GAMMA) {
        sc_status st = sc_serve_generate(&s->w, &gen, &n_gen, s->err);
        if (st != SC_OK) return st;
        reqs = gen;
        n_reqs = n_gen;
    }
    int oom = 0;
    if (s->w.arrival == SC_ARRIVAL_CLOSED)
        for (int i = 0; i < s->w.concurrency && !oom; i++)
            oom = spawn_closed(s, 0.0);
    for (size_t i = 0; i < n_reqs && !oom; i++)
        oom = add_request(s, &reqs[i]);
    free(gen);
    return oom ? sc_err_set(s->err, SC_ERR_NOMEM, "serve: out of memory") : SC_OK;
}

static void teardown(serve_sim *s) {
    for (int i = 0; s->reps && i < s->n_reps; i++) {
        free(s->reps[i].waiting.v);
        free(s->reps[i].running);
        free(s->reps[i].entries);
        free(s->reps[i].items);
    }
    free(s->reps);
    free(s->reqs);
    free(s->heap);
    free(s->timeline);
}

static sc_status run_events(serve_sim *s) {
    double max_time = s->p.max_time > 0 ? s->p.max_time : 20 * s->w.duration + 60;
    while (s->n_heap) {
        event e = ev_pop(s);
        if (e.t > max_time) break;
        s->now = e.t;
        sc_status st = e.type == EV_ARRIVAL ? on_arrival(s, e.a)
                       : e.type == EV_STEP  ? on_step(s, e.a)
                                            : on_xfer(s, e.a);
        if (st != SC_OK) return st;
    }
    return SC_OK;
}

sc_status sc_serve_run(const sc_serve_engine *eng, const sc_serve_params *p,
                       const sc_serve_workload *w, const sc_serve_request *reqs, size_t n_reqs,
                       sc_serve_result *r, sc_err *err) {
    memset(r, 0, sizeof *r);
    sc_status st = check_inputs(eng, p, w, n_reqs, err);
    if (st != SC_OK) return st;
    serve_sim s = {.eng = eng, .p = *p, .w = *w, .err = err};
    st = setup(&s, reqs, n_reqs);
    if (st == SC_OK) st = run_events(&s);
    if (st == SC_OK) st = serve_collect(&s, r, err);
    teardown(&s);
    if (st != SC_OK) sc_serve_result_free(r);
    return st;
}
