// SPDX-License-Identifier: Apache-2.0
// Event engine: request sources, bounded per-PC FR-FCFS queues, outstanding-request window.
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"

/* Events, ordered by (time, key). The key's top two bits give the kind, so at equal times
 * completions (which free window slots) run before admissions and picks. */
enum { EV_COMPLETE = 0, EV_ADMIT = 1, EV_PICK = 2 };
#define EV_KEY(kind, idx) (((uint32_t)(kind) << 30) | (uint32_t)(idx))

typedef struct mem_event {
    uint64_t time;
    uint32_t key;
} mem_event;

typedef struct mem_heap {
    mem_event *e;
    size_t n, cap;
} mem_heap;

/* An in-flight request. */
typedef struct mem_slot {
    uint64_t issue, done, bytes, idx;
    uint32_t remaining; /* bursts not yet scheduled */
    uint32_t next_free;
    int is_write, admitted_all;
} mem_slot;

/* Where requests come from: an explicit list or a generated pattern. */
typedef struct mem_src {
    sc_mem_req *reqs;
    const sc_mem_stream *s;
    uint64_t n_reqs, next; /* requests in total, next to start */
    uint64_t rng;
    uint64_t random_slots; /* RANDOM: access-aligned positions in the span */
    /* request being admitted burst by burst */
    int active;
    uint32_t slot;
    uint64_t cur_burst, end_burst;
    uint64_t decoded_burst; /* cur_burst whose coordinates are in `coord` (+1 = none) */
    sc_mem_coord coord;
} mem_src;

typedef struct mem_engine {
    sc_mem *m;
    mem_heap heap;
    mem_slot *slots;
    uint32_t n_slots, cap_slots, free_head, in_flight;
    uint32_t outstanding; /* 0 = unlimited */
    mem_src src;
    uint64_t now, finish;
    uint64_t half_idx, half_done; /* completion of the first half (steady-state rate) */
    int admit_pending;            /* an EV_ADMIT is in the heap */
    sc_status status;
    /* Staging: with a bounded window, bursts whose PC queue is full wait in per-PC FIFOs (the
     * network's buffers) instead of blocking requests bound for other PCs. */
    mem_burst *stage;                  /* node pool */
    uint32_t *stage_next;              /* FIFO links */
    uint32_t *stage_head, *stage_tail; /* per PC */
    uint32_t stage_cap, stage_used, stage_free;
} mem_engine;

#define NO_SLOT 0xFFFFFFFFu

/* ---- Heap ---- */

static int ev_less(const mem_event *a, const mem_event *b) {
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

static int heap_push(mem_heap *h, uint64_t time, uint32_t key) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        mem_event *e = realloc(h->e, cap * sizeof *e);
        if (!e) return -1;
        h->e = e;
        h->cap = cap;
    }
    size_t i = h->n++;
    mem_event ev = {time, key};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&ev, &h->e[p])) break;
        h->e[i] = h->e[p];
        i = p;
    }
    h->e[i] = ev;
    return 0;
}

static mem_event heap_pop(mem_heap *h) {
    mem_event top = h->e[0], last = h->e[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && ev_less(&h->e[c + 1], &h->e[c])) c++;
        if (!ev_less(&h->e[c], &last)) break;
        h->e[i] = h->e[c];
        i = c;
    }
    if (h->n) h->e[i] = last;
    return top;
}

static void push_event(mem_engine *g, uint64_t time, int kind, uint32_t idx) {
    if (heap_push(&g->heap, time, EV_KEY(kind, idx)) != 0) g->status = SC_ERR_NOMEM;
}

/* ---- Request slots ---- */

static uint32_t slot_alloc(mem_engine *g) {
    if (g->free_head == NO_SLOT) {
        if (g->n_slots == g->cap_slots) {
            uint32_t cap = g->cap_slots ? g->cap_slots * 2 : 1024;
            mem_slot *s = realloc(g->slots, (size_t)cap * sizeof *s);
            if (!s) return NO_SLOT;
            g->slots = s;
            g->cap_slots = cap;
        }
        g->slots[g->n_slots].next_free = NO_SLOT;
        g->free_head = g->n_slots++;
    }
    uint32_t i = g->free_head;
    g->free_head = g->slots[i].next_free;
    return i;
}

static void slot_release(mem_engine *g, uint32_t i) {
    mem_slot *s = &g->slots[i];
    mem_record_request(g->m, s->issue, s->done, s->bytes, s->is_write);
    if (g->src.reqs) g->src.reqs[s->idx].done_ps = s->done;
    if (s->done > g->finish) g->finish = s->done;
    if (s->idx < g->half_idx && s->done > g->half_done) g->half_done = s->done;
    s->next_free = g->free_head;
    g->free_head = i;
    g->in_flight--;
}

/* ---- Sources ---- */

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Describes request i of the source: address, size, direction, ready time. */
static void src_request(mem_src *src, uint64_t i, uint64_t *addr, uint64_t *bytes, int *is_write,
                        uint64_t *ready) {
    if (src->reqs) {
        *addr = src->reqs[i].addr;
        *bytes = src->reqs[i].bytes;
        *is_write = src->reqs[i].is_write != 0;
        *ready = src->reqs[i].arrival_ps;
        return;
    }
    const sc_mem_stream *s = src->s;
    uint64_t a = s->access_bytes, off = i * a;
    *bytes = SC_MIN(a, s->bytes - off);
    *ready = s->start_ps;
    if (s->pattern == SC_MEM_PAT_STREAM)
        *addr = s->base + off;
    else if (s->pattern == SC_MEM_PAT_STRIDED)
        *addr = s->base + i * s->stride;
    else
        *addr = s->base + (splitmix64(&src->rng) % src->random_slots) * a;
    /* 2^53 grid: the same threshold test on every host. */
    uint64_t u = splitmix64(&src->rng) >> 11;
    *is_write = (double)u >= s->read_fraction * 9007199254740992.0;
}

/* Starts the next request if the window allows; returns 0 when admission must wait. */
static int src_start(mem_engine *g) {
    mem_src *src = &g->src;
    if (g->outstanding && g->in_flight >= g->outstanding) return 0;
    uint64_t addr, bytes, ready;
    int is_write;
    uint64_t saved_rng = src->rng;
    src_request(src, src->next, &addr, &bytes, &is_write, &ready);
    if (ready > g->now) {
        src->rng = saved_rng; /* regenerate the same request later */
        if (!g->admit_pending) {
            push_event(g, ready, EV_ADMIT, 0);
            g->admit_pending = 1;
        }
        return 0;
    }
    uint32_t i = slot_alloc(g);
    if (i == NO_SLOT) {
        g->status = SC_ERR_NOMEM;
        return 0;
    }
    uint64_t bb = (uint64_t)g->m->cfg.burst_bytes;
    mem_slot *s = &g->slots[i];
    s->issue = g->now;
    s->done = 0;
    s->bytes = bytes;
    s->idx = src->next;
    s->is_write = is_write;
    s->remaining = (uint32_t)((addr + bytes - 1) / bb - addr / bb + 1);
    s->admitted_all = 0;
    g->in_flight++;
    src->active = 1;
    src->slot = i;
    src->cur_burst = addr / bb;
    src->end_burst = (addr + bytes - 1) / bb + 1;
    src->next++;
    return 1;
}

static void pc_push(sc_mem *m, mem_pc *pc, const mem_burst *b) {
    int depth = m->params.queue_depth;
    if (pc->head + pc->n == 2 * depth) {
        memmove(pc->q, pc->q + pc->head, (size_t)pc->n * sizeof *pc->q);
        pc->head = 0;
    }
    pc->q[pc->head + pc->n++] = *b;
}

/* Opens the row of queued burst qi for it and recounts the bank's pending hits. Row commands
 * go out as soon as the bank is free, in parallel with column commands to other banks (HBM has
 * separate row and column command buses), so activates overlap data transfers. */
static void activate_for(sc_mem *m, mem_pc *pc, int qi, uint64_t now) {
    mem_burst *q = pc->q + pc->head;
    int kind = mem_open_row(m, pc, &q[qi], now);
    if (kind != MEM_HIT) q[qi].kind = (uint8_t)kind;
    uint16_t bank = q[qi].bank_id;
    uint32_t row = q[qi].row, count = 0;
    for (int i = 0; i < pc->n; i++)
        if (q[i].bank_id == bank && q[i].row == row) count++;
    pc->pend[bank] = count;
}

/* The bank's open row has no queued hits left: open the row of its oldest waiting burst. */
static void reopen_bank(sc_mem *m, mem_pc *pc, uint16_t bank, uint64_t now) {
    const mem_burst *q = pc->q + pc->head;
    for (int i = 0; i < pc->n; i++) {
        if (q[i].bank_id == bank) {
            activate_for(m, pc, i, now);
            return;
        }
    }
}

/* After a refresh closed every bank: reopen rows for the queued bursts, oldest first. */
static void reopen_all(sc_mem *m, mem_pc *pc, uint64_t now) {
    memset(pc->pend, 0, (size_t)m->banks_per_pc * sizeof *pc->pend);
    mem_burst *q = pc->q + pc->head;
    for (int i = 0; i < pc->n; i++) {
        const mem_bank *bk = &pc->banks[q[i].bank_id];
        if (!bk->open) activate_for(m, pc, i, now);
    }
}

/* Queues a burst; opens its row at once when its bank has no queued hits to finish first. */
static void pc_enqueue(sc_mem *m, mem_pc *pc, const mem_burst *b, uint64_t now) {
    /* A refresh that fell due while the PC was idle goes first: it closes every bank. */
    if (mem_refresh_until(m, pc, now)) reopen_all(m, pc, now);
    pc_push(m, pc, b);
    const mem_bank *bk = &pc->banks[b->bank_id];
    if (bk->open && bk->row == b->row)
        pc->pend[b->bank_id]++;
    else if (!bk->open || pc->pend[b->bank_id] == 0)
        activate_for(m, pc, pc->n - 1, now);
}

/* ---- Staging FIFOs ---- */

#define STAGE_MAX (1u << 20) /* bursts; beyond this the source blocks as without staging */

static int stage_push(mem_engine *g, int pi, const mem_burst *b) {
    if (g->stage_free == NO_SLOT) {
        if (g->stage_used == g->stage_cap) {
            if (g->stage_cap >= STAGE_MAX) return 0;
            uint32_t cap = g->stage_cap ? g->stage_cap * 2 : 4096;
            mem_burst *nb = realloc(g->stage, (size_t)cap * sizeof *nb);
            if (nb) g->stage = nb;
            uint32_t *nn = realloc(g->stage_next, (size_t)cap * sizeof *nn);
            if (nn) g->stage_next = nn;
            if (!nb || !nn) {
                g->status = SC_ERR_NOMEM;
                return 0;
            }
            g->stage_cap = cap;
        }
        g->stage_next[g->stage_used] = NO_SLOT;
        g->stage_free = g->stage_used++;
    }
    uint32_t i = g->stage_free;
    g->stage_free = g->stage_next[i];
    g->stage[i] = *b;
    g->stage_next[i] = NO_SLOT;
    if (g->stage_head[pi] == NO_SLOT)
        g->stage_head[pi] = i;
    else
        g->stage_next[g->stage_tail[pi]] = i;
    g->stage_tail[pi] = i;
    return 1;
}

static int stage_pop(mem_engine *g, int pi, mem_burst *out) {
    uint32_t i = g->stage_head[pi];
    if (i == NO_SLOT) return 0;
    *out = g->stage[i];
    g->stage_head[pi] = g->stage_next[i];
    g->stage_next[i] = g->stage_free;
    g->stage_free = i;
    return 1;
}

/* Moves bursts of the current request into PC queues until one is full or it is done. */
static int src_feed(mem_engine *g) {
    sc_mem *m = g->m;
    mem_src *src = &g->src;
    mem_slot *s = &g->slots[src->slot];
    while (src->cur_burst < src->end_burst) {
        sc_mem_coord c = src->coord;
        if (src->decoded_burst != src->cur_burst + 1) { /* decode once, even if we block */
            mem_decode_burst(m, src->cur_burst, &c);
            src->coord = c;
            src->decoded_burst = src->cur_burst + 1;
        }
        int pi = mem_pc_index(m, &c);
        mem_pc *pc = &m->pcs[pi];
        mem_burst b = {g->now,         c.row,
                       src->slot,      (uint16_t)mem_bank_id(m, &c),
                       (uint16_t)c.bg, (uint8_t)s->is_write,
                       MEM_HIT};
        if (pc->n >= m->params.queue_depth || g->stage_head[pi] != NO_SLOT) {
            /* Unbounded in-order sources block (head of line); windowed ones stage. */
            if (!g->outstanding || !stage_push(g, pi, &b)) return 0;
            src->cur_burst++;
            continue;
        }
        pc_enqueue(m, pc, &b, g->now);
        if (!pc->pick_pending) {
            pc->pick_pending = 1;
            push_event(g, SC_MAX(g->now, pc->pick_floor), EV_PICK, (uint32_t)pi);
        }
        src->cur_burst++;
    }
    src->active = 0;
    s->admitted_all = 1;
    return 1;
}

static void admit(mem_engine *g) {
    while (g->status == SC_OK) {
        if (!g->src.active) {
            if (g->src.next >= g->src.n_reqs || !src_start(g)) return;
        }
        if (!src_feed(g)) return;
    }
}

/* ---- Controller decisions ---- */

/* FR-FCFS: the row hit that can issue first (oldest on ties), else the oldest request. The
 * oldest is forced after being passed over 4 x depth times so misses cannot starve. */
static int choose(sc_mem *m, mem_pc *pc, uint64_t now, int *bypass) {
    const mem_burst *q = pc->q + pc->head;
    if (!m->params.fr_fcfs || *bypass >= 4 * m->params.queue_depth) return 0;
    int best = -1;
    uint64_t best_t = UINT64_MAX, floor = SC_MAX(now, pc->col_ok);
    for (int i = 0; i < pc->n; i++) {
        const mem_bank *bk = &pc->banks[q[i].bank_id];
        if (!bk->open || bk->row != q[i].row) continue;
        uint64_t t = mem_hit_ready(m, pc, &q[i]);
        if (t <= floor) return i; /* oldest hit at the earliest possible slot: unbeatable */
        if (t < best_t) {
            best_t = t;
            best = i;
        }
    }
    return best < 0 ? 0 : best;
}

static void finish_burst(mem_engine *g, const mem_burst *b, uint64_t end) {
    mem_slot *s = &g->slots[b->req];
    s->done = SC_MAX(s->done, end + g->m->t.ctrl);
    if (--s->remaining == 0) {
        if (g->outstanding)
            push_event(g, s->done, EV_COMPLETE, b->req);
        else
            slot_release(g, b->req);
    }
}

static void pick(mem_engine *g, int pi) {
    sc_mem *m = g->m;
    mem_pc *pc = &m->pcs[pi];
    if (mem_refresh_until(m, pc, g->now)) reopen_all(m, pc, g->now);
    int i = choose(m, pc, g->now, &pc->bypass);
    mem_burst b = pc->q[pc->head + i];
    pc->bypass = i == 0 ? 0 : pc->bypass + 1;
    memmove(pc->q + pc->head + 1, pc->q + pc->head, (size_t)i * sizeof *pc->q);
    pc->head++;
    pc->n--;
    if (pc->n == 0) pc->head = 0;
    const mem_bank *bk = &pc->banks[b.bank_id];
    int was_open = bk->open && bk->row == b.row;
    int kind;
    uint64_t col;
    uint64_t end = mem_issue(m, pc, &b, g->now, g->now, &kind, &col);
    mem_record_burst(m, b.kind != MEM_HIT ? b.kind : kind);
    if (!was_open) { /* forced oldest-first pick opened a new row: recount */
        uint32_t count = 0;
        for (int k = 0; k < pc->n; k++)
            if (pc->q[pc->head + k].bank_id == b.bank_id && pc->q[pc->head + k].row == b.row)
                count++;
        pc->pend[b.bank_id] = count;
    } else if (pc->pend[b.bank_id] > 0) {
        pc->pend[b.bank_id]--;
    }
    if (pc->pend[b.bank_id] == 0) reopen_bank(m, pc, b.bank_id, g->now);
    finish_burst(g, &b, end);
    mem_burst staged;
    if (stage_pop(g, pi, &staged)) {
        staged.arrival = g->now;
        pc_enqueue(m, pc, &staged, g->now);
    }
    pc->pick_floor = col;
    if (pc->n > 0)
        push_event(g, col, EV_PICK, (uint32_t)pi);
    else
        pc->pick_pending = 0;
}

static sc_status run(mem_engine *g, sc_err *err) {
    sc_mem *m = g->m;
    for (int i = 0; i < m->n_pcs; i++) {
        m->pcs[i].n = m->pcs[i].head = 0;
        m->pcs[i].pick_pending = 0;
        m->pcs[i].bypass = 0;
        memset(m->pcs[i].pend, 0, (size_t)m->banks_per_pc * sizeof *m->pcs[i].pend);
    }
    admit(g);
    while (g->status == SC_OK && g->heap.n > 0) {
        mem_event ev = heap_pop(&g->heap);
        g->now = ev.time;
        uint32_t kind = ev.key >> 30, idx = ev.key & 0x3FFFFFFFu;
        if (kind == EV_PICK) {
            pick(g, (int)idx);
        } else if (kind == EV_COMPLETE) {
            slot_release(g, idx);
        } else {
            g->admit_pending = 0;
        }
        admit(g);
    }
    free(g->heap.e);
    free(g->slots);
    free(g->stage);
    free(g->stage_next);
    free(g->stage_head);
    free(g->stage_tail);
    if (g->status != SC_OK) return sc_err_set(err, g->status, "dram engine: out of memory");
    return SC_OK;
}

static sc_status engine_init(mem_engine *g, sc_mem *m, int outstanding, sc_err *err) {
    memset(g, 0, sizeof *g);
    g->m = m;
    g->free_head = NO_SLOT;
    g->stage_free = NO_SLOT;
    g->outstanding = outstanding > 0 ? (uint32_t)outstanding : 0;
    g->status = SC_OK;
    g->stage_head = malloc((size_t)m->n_pcs * sizeof *g->stage_head);
    g->stage_tail = malloc((size_t)m->n_pcs * sizeof *g->stage_tail);
    if (!g->stage_head || !g->stage_tail) {
        free(g->stage_head);
        free(g->stage_tail);
        return sc_err_set(err, SC_ERR_NOMEM, "dram engine: out of memory");
    }
    for (int i = 0; i < m->n_pcs; i++)
        g->stage_head[i] = g->stage_tail[i] = NO_SLOT;
    return SC_OK;
}

/* ---- Public entry points ---- */

sc_status sc_mem_run_requests(sc_mem *m, sc_mem_req *reqs, size_t n, int outstanding,
                              uint64_t *finish_ps, sc_err *err) {
    if (!m || (!reqs && n))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_run_requests: NULL argument");
    uint64_t cap = m->n_bursts * (uint64_t)m->cfg.burst_bytes;
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].bytes == 0 || reqs[i].addr >= cap || reqs[i].bytes > cap - reqs[i].addr)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "request %zu is empty or beyond %llu bytes",
                              i, (unsigned long long)cap);
        if (i && reqs[i].arrival_ps < reqs[i - 1].arrival_ps)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "request %zu arrives before request %zu", i,
                              i - 1);
    }
    mem_engine g;
    sc_status s = engine_init(&g, m, outstanding, err);
    if (s != SC_OK) return s;
    g.src.reqs = reqs;
    g.src.n_reqs = n;
    s = run(&g, err);
    if (finish_ps) *finish_ps = g.finish;
    return s;
}

sc_mem_stream sc_mem_default_stream(void) {
    sc_mem_stream s;
    memset(&s, 0, sizeof s);
    s.pattern = SC_MEM_PAT_STREAM;
    s.bytes = 64ull << 20;
    s.access_bytes = 64;
    s.read_fraction = 1.0;
    s.seed = 1;
    return s;
}

static sc_status check_stream(const sc_mem *m, const sc_mem_stream *s, sc_err *err) {
    uint64_t cap = m->n_bursts * (uint64_t)m->cfg.burst_bytes;
    if (s->bytes == 0 || s->access_bytes == 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "stream: bytes and access_bytes must be > 0");
    if (!(s->read_fraction >= 0 && s->read_fraction <= 1))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "stream: read_fraction must be in [0, 1]");
    if (s->base >= cap) return sc_err_set(err, SC_ERR_INVALID_ARG, "stream: base beyond memory");
    uint64_t room = cap - s->base, n = (s->bytes + s->access_bytes - 1) / s->access_bytes;
    if (s->pattern == SC_MEM_PAT_STREAM && s->bytes > room)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "stream: %llu bytes do not fit after base",
                          (unsigned long long)s->bytes);
    if (s->pattern == SC_MEM_PAT_STRIDED) {
        uint64_t last;
        if (s->stride < s->access_bytes || sc_mul_u64(n - 1, s->stride, &last) != 0 ||
            last > room || s->access_bytes > room - last)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "stream: stride must be >= access_bytes and the pattern must fit");
    }
    if (s->pattern == SC_MEM_PAT_RANDOM) {
        uint64_t span = s->span ? s->span : room;
        if (span > room || span < s->access_bytes)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "stream: random span must fit in memory");
    }
    if (s->pattern > SC_MEM_PAT_RANDOM)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "stream: unknown pattern");
    return SC_OK;
}

sc_status sc_mem_run_stream(sc_mem *m, const sc_mem_stream *s, sc_mem_stream_result *out,
                            sc_err *err) {
    if (!m || !s || !out)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_run_stream: NULL argument");
    memset(out, 0, sizeof *out);
    sc_status st = check_stream(m, s, err);
    if (st != SC_OK) return st;
    uint64_t n = (s->bytes + s->access_bytes - 1) / s->access_bytes, n_sim = n;
    if (s->max_sim_bytes && s->max_sim_bytes < s->bytes)
        n_sim = SC_MAX(1, s->max_sim_bytes / s->access_bytes);
    mem_engine g;
    st = engine_init(&g, m, s->outstanding, err);
    if (st != SC_OK) return st;
    g.src.s = s;
    g.src.n_reqs = n_sim;
    g.half_idx = n_sim / 2;
    g.src.rng = s->seed;
    uint64_t room = m->n_bursts * (uint64_t)m->cfg.burst_bytes - s->base;
    g.src.random_slots = (s->span ? s->span : room) / s->access_bytes;
    g.now = s->start_ps;
    st = run(&g, err);
    if (st != SC_OK) return st;
    uint64_t sim_bytes = n_sim == n ? s->bytes : n_sim * s->access_bytes;
    out->simulated_bytes = sim_bytes;
    out->finish_ps = g.finish;
    if (n_sim < n) {
        /* Steady state: the second half's rate (start-up latency excluded) carries on. */
        double done_bytes = (double)(n_sim - g.half_idx) * (double)s->access_bytes;
        double span = (double)(g.finish - SC_MIN(g.half_done, g.finish));
        double rest = (double)(s->bytes - sim_bytes);
        if (span <= 0) {
            span = (double)(g.finish - s->start_ps);
            done_bytes = (double)sim_bytes;
        }
        out->finish_ps = g.finish + (uint64_t)(rest * span / done_bytes + 0.5);
        out->extrapolated = 1;
    }
    return SC_OK;
}
