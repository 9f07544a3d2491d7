// SPDX-License-Identifier: Apache-2.0
// Executor core: device memory (sparse pages), create/destroy, the event-driven queue scheduler.
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "sim/sim_internal.h"

sc_sim_params sc_sim_default_params(void) {
    sc_sim_params p;
    memset(&p, 0, sizeof p);
    p.mode = SC_SIM_BOTH;
    p.n_chips = 1;
    p.race_check = 1;
    p.trace = 0;
    p.trace_max_events = 1000000;
    return p;
}

/* ---- Sparse memory ---- */

/* Chunk of an arena: 2 MiB, the x86-64 huge page, aligned to it so the kernel may back it with
 * one (fewer TLB misses on large tensors). */
#define PMEM_CHUNK ((size_t)2 << 20)

/* bytes (a multiple of PMEM_CHUNK) of zeroed memory, faulted in by one call: on a VM each
 * first-touch fault of a 4 KiB page traps to the hypervisor, which cost 3x the bulk fill. */
static unsigned char *map_zeroed(size_t bytes) {
#ifdef __linux__
    unsigned char *raw =
        mmap(NULL, bytes + PMEM_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return NULL;
    size_t head = (PMEM_CHUNK - (uintptr_t)raw % PMEM_CHUNK) % PMEM_CHUNK;
    if (head) munmap(raw, head);
    if (PMEM_CHUNK - head) munmap(raw + head + bytes, PMEM_CHUNK - head);
    unsigned char *p = raw + head;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* a hint: refused where THP is off */
#endif
#ifdef MADV_POPULATE_WRITE
    madvise(p, bytes, MADV_POPULATE_WRITE); /* refused before Linux 5.14: pages fault lazily */
#endif
    return p;
#else
    return calloc(1, bytes);
#endif
}

static void unmap_zeroed(unsigned char *p, size_t bytes) {
#ifdef __linux__
    munmap(p, bytes);
#else
    (void)bytes;
    free(p);
#endif
}

/* `bytes` zeroed bytes from the arena (the rest of a chunk too small for them is left unused:
 * an arena serves one page size, so that is at most the tail of a partial last page). */
static unsigned char *arena_take(pmem_arena *a, size_t bytes) {
    bytes = (bytes + 63) & ~(size_t)63;
    if (bytes > a->left) {
        if (a->n_maps == a->cap_maps) {
            size_t cap = a->cap_maps ? 2 * a->cap_maps : 16;
            unsigned char **m = realloc(a->maps, cap * sizeof *m);
            if (m) a->maps = m;
            size_t *b = realloc(a->map_bytes, cap * sizeof *b);
            if (b) a->map_bytes = b;
            if (!m || !b) return NULL;
            a->cap_maps = cap;
        }
        size_t len = (bytes + PMEM_CHUNK - 1) / PMEM_CHUNK * PMEM_CHUNK;
        unsigned char *p = map_zeroed(len);
        if (!p) return NULL;
        a->maps[a->n_maps] = p;
        a->map_bytes[a->n_maps++] = len;
        a->cur = p, a->left = len;
    }
    unsigned char *r = a->cur;
    a->cur += bytes, a->left -= bytes;
    return r;
}

void pmem_arena_free(pmem_arena *a) {
    for (size_t i = 0; i < a->n_maps; i++)
        unmap_zeroed(a->maps[i], a->map_bytes[i]);
    free(a->maps);
    free(a->map_bytes);
    memset(a, 0, sizeof *a);
}

int pmem_init(pmem *m, uint64_t size, uint64_t page, pmem_arena *arena) {
    memset(m, 0, sizeof *m);
    m->size = size;
    m->page_bytes = page;
    while (((uint64_t)1 << m->page_shift) < page)
        m->page_shift++;
    m->n_pages = (size_t)((size + page - 1) / page);
    if (!arena) return 0;
    m->arena = arena;
    m->pages = calloc(m->n_pages ? m->n_pages : 1, sizeof *m->pages);
    return m->pages ? 0 : -1;
}

/* The pages themselves belong to the arena. */
void pmem_free(pmem *m) {
    free(m->pages);
    m->pages = NULL;
}

/* Slow path of pmem_poke (sim_internal.h): the page was never written. */
unsigned char *pmem_alloc_page(pmem *m, uint64_t addr) {
    size_t i = (size_t)(addr >> m->page_shift);
    /* The last page may be partial: allocate only what the space holds. */
    uint64_t bytes = SC_MIN(m->page_bytes, m->size - (uint64_t)i * m->page_bytes);
    m->pages[i] = arena_take(m->arena, (size_t)bytes);
    if (!m->pages[i]) return NULL;
    return m->pages[i] + (addr & (m->page_bytes - 1));
}

int pmem_write(pmem *m, uint64_t addr, const void *src, size_t n) {
    const unsigned char *p = src;
    while (n) {
        uint64_t room = m->page_bytes - (addr & (m->page_bytes - 1));
        size_t k = (size_t)SC_MIN((uint64_t)n, room);
        unsigned char *d = pmem_poke(m, addr);
        if (!d) return -1;
        memcpy(d, p, k);
        addr += k, p += k, n -= k;
    }
    return 0;
}

void pmem_read(const pmem *m, uint64_t addr, void *dst, size_t n) {
    unsigned char *p = dst;
    while (n) {
        uint64_t room = m->page_bytes - (addr & (m->page_bytes - 1));
        size_t k = (size_t)SC_MIN((uint64_t)n, room);
        const unsigned char *s = pmem_peek(m, addr);
        if (s)
            memcpy(p, s, k);
        else
            memset(p, 0, k);
        addr += k, p += k, n -= k;
    }
}

void *sim_scratch(sc_sim *s, int slot, size_t bytes) {
    if (bytes <= s->scratch_cap[slot]) return s->scratch[slot];
    size_t cap = bytes + bytes / 4 + 64; /* headroom: tiles of a kernel vary a little in size */
    unsigned char *p = realloc(s->scratch[slot], cap);
    if (!p) return NULL;
    s->scratch[slot] = p;
    s->scratch_cap[slot] = cap;
    return p;
}

/* ---- Time ---- */

uint64_t sim_ps(const sc_sim *s, uint64_t cycles) {
    return (uint64_t)((double)cycles * s->ps_per_cycle + 0.5);
}

uint64_t sim_cycles(const sc_sim *s, uint64_t ps) {
    double c = (double)ps / s->ps_per_cycle;
    uint64_t r = (uint64_t)c;
    return (double)r < c ? r + 1 : r;
}

score *sim_core(sc_sim *s, int chip, int core) {
    return &s->cores[(size_t)chip * (size_t)s->n_cores + (size_t)core];
}

/* ---- Bandwidth calendars ---- */

/* The calendar is a ring of SIM_CAL_BUCKETS buckets sliding forward with time (16.7 M cycles at
 * 256 cycles per bucket): host memory stays fixed however long the simulated run. Transfers are
 * issued in nearly time order, so one starting before the window is simply placed at its start. */
#define SIM_CAL_BUCKETS ((size_t)1 << 16)

void sim_cal_reset(bwcal *c, double bytes_per_cycle, uint64_t width) {
    if (c->used) memset(c->used, 0, c->n * sizeof *c->used);
    c->width = width;
    c->cap = bytes_per_cycle * (double)width;
    c->base = 0;
}

void sim_cal_free(bwcal *c) {
    free(c->used);
    memset(c, 0, sizeof *c);
}

/* Slides the window so that bucket b is inside it; returns its slot or NULL (out of memory). */
static double *cal_slot(bwcal *c, uint64_t b) {
    if (!c->used) {
        c->used = calloc(SIM_CAL_BUCKETS, sizeof *c->used);
        if (!c->used) return NULL;
        c->n = SIM_CAL_BUCKETS;
    }
    if (b >= c->base + c->n) {
        uint64_t nb = b - c->n + 1;
        if (nb - c->base >= c->n)
            memset(c->used, 0, c->n * sizeof *c->used);
        else
            for (uint64_t k = c->base; k < nb; k++)
                c->used[k % c->n] = 0;
        c->base = nb;
    }
    return &c->used[b % c->n];
}

uint64_t sim_cal_take(bwcal *c, uint64_t t, double bytes) {
    if (bytes <= 0 || c->cap <= 0) return t;
    uint64_t b = t / c->width;
    if (b < c->base) b = c->base, t = b * c->width;
    double left = bytes;
    for (;; b++) {
        double *u = cal_slot(c, b);
        if (!u) /* out of memory: fall back to the ideal rate */
            return t + (uint64_t)(left / c->cap * (double)c->width) + 1;
        uint64_t start = b * c->width;
        /* in the first bucket only the part after t is available */
        double room = c->cap - *u;
        if (start < t)
            room = SC_MIN(room, c->cap * (double)(start + c->width - t) / (double)c->width);
        if (room <= 0) continue;
        double take = SC_MIN(room, left);
        *u += take;
        left -= take;
        if (left <= 0) {
            uint64_t end = start + (uint64_t)((double)c->width * *u / c->cap + 0.999999);
            return SC_MAX(end, t + 1);
        }
    }
}

/* ---- Errors, traces ---- */

sc_status sim_trap(const sc_sim *s, const squeue *q, sc_err *err, const char *fmt, ...) {
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (s->p.n_chips > 1)
        return sc_err_set(err, SC_ERR_TRAP, "trap: chip %d core %d queue %s pc %zu: %s", q->chip,
                          q->core, sc_isa_queue_name((sc_queue)q->q), q->pc, why);
    return sc_err_set(err, SC_ERR_TRAP, "trap: core %d queue %s pc %zu: %s", q->core,
                      sc_isa_queue_name((sc_queue)q->q), q->pc, why);
}

void sim_trace(sc_sim *s, const char *name, int pid, int tid, uint64_t start, uint64_t end) {
    if (!s->p.trace || end <= start) return;
    if (s->n_ev >= s->p.trace_max_events) {
        s->dropped_ev++;
        return;
    }
    if (s->n_ev == s->cap_ev) {
        size_t cap = s->cap_ev ? s->cap_ev * 2 : 1024;
        trace_ev *e = realloc(s->ev, cap * sizeof *e);
        if (!e) {
            s->dropped_ev++;
            return;
        }
        s->ev = e;
        s->cap_ev = cap;
    }
    trace_ev *e = &s->ev[s->n_ev++];
    e->name = name;
    e->pid = pid;
    e->tid = tid;
    e->ts = start;
    e->dur = end - start;
}

/* ---- Create / destroy ---- */

/* Mesh placement: HBM controllers on the mesh edges, shared SRAM banks around the centre. */
static void place_core(const sc_chip *c, int core, score *sc) {
    int mx = c->mesh_x, my = c->mesh_y;
    int x = core % mx, y = (core / mx) % my;
    sc->x = x, sc->y = y;
    int edge = SC_MIN(SC_MIN(x, mx - 1 - x), SC_MIN(y, my - 1 - y));
    sc->hops_to_hbm = edge + 1;
    int dx = abs(2 * x - (mx - 1)), dy = abs(2 * y - (my - 1));
    sc->hops_to_shared = (dx + dy + 1) / 2 + 1;
    sc->degree = (x > 0) + (x < mx - 1) + (y > 0) + (y < my - 1);
    if (sc->degree < 1) sc->degree = 1;
}

/* Measures the HBM model's streaming efficiency once (on first use): the aggregate bandwidth
 * server runs at it. */
sc_status sim_calibrate_hbm(sc_sim *s, sc_err *err) {
    sc_mem *m = s->chips[0].hbm_model;
    sc_mem_geometry g;
    sc_mem_get_geometry(m, &g);
    s->hbm_latency_ps = g.idle_read_ps;
    s->hbm_model_capacity = g.capacity;
    sc_mem_stream st = sc_mem_default_stream();
    st.pattern = SC_MEM_PAT_STREAM;
    st.bytes = 64u << 20; /* steady state: 2 MiB simulated, the rest at the second half's rate */
    st.max_sim_bytes = 2u << 20;
    st.access_bytes = 256;
    sc_mem_stream_result r;
    sc_status rc = sc_mem_run_stream(m, &st, &r, err);
    if (rc != SC_OK) return rc;
    /* Steady-state rate: bytes over the (extrapolated) finish, refresh included. */
    double ideal_ps = (double)st.bytes * 1e12 / g.peak_bw;
    double eff = r.finish_ps > 0 ? ideal_ps / (double)r.finish_ps : 0.9;
    s->hbm_stream_eff = eff > 0.05 ? SC_MIN(eff, 1.0) : 0.9;
    /* The simulated window is shorter than a refresh interval: charge refresh analytically. */
    const sc_dram_cfg *d = &s->chip.hbm;
    if (d->tREFI > 0 && d->tRFC < d->tREFI) s->hbm_stream_eff *= 1.0 - d->tRFC / d->tREFI;
    sc_mem_reset(m);
    return SC_OK;
}

static sc_status alloc_chips(sc_sim *s, sc_err *err) {
    int nc = s->p.n_chips;
    s->chips = calloc((size_t)nc, sizeof *s->chips);
    if (!s->chips) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    uint64_t hbm = (uint64_t)sc_dram_capacity(&s->chip.hbm);
    uint64_t shared = (uint64_t)s->chip.shared_sram_bytes;
    for (int k = 0; k < nc; k++) {
        schip *c = &s->chips[k];
        if (pmem_init(&c->hbm, hbm, 1u << 20, s->functional ? &s->arena_hbm : NULL) ||
            pmem_init(&c->shared, shared, 1u << 16, s->functional ? &s->arena_small : NULL))
            return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device memory tables");
        sc_mem_params mp = sc_mem_default_params();
        sc_status rc = sc_mem_create(&s->chip.hbm, &mp, &c->hbm_model, err);
        if (rc != SC_OK) return rc;
    }
    sc_mem_geometry g;
    sc_mem_get_geometry(s->chips[0].hbm_model, &g);
    s->hbm_latency_ps = g.idle_read_ps;
    s->hbm_model_capacity = g.capacity;
    return SC_OK;
}

static sc_status alloc_cores(sc_sim *s, sc_err *err) {
    size_t n = (size_t)s->p.n_chips * (size_t)s->n_cores;
    s->cores = calloc(n, sizeof *s->cores);
    s->queues = calloc(n * SC_QUEUE_COUNT, sizeof *s->queues);
    if (!s->cores || !s->queues) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    uint64_t spad = (uint64_t)s->chip.scratchpad_bytes;
    for (size_t i = 0; i < n; i++) {
        score *c = &s->cores[i];
        if (pmem_init(&c->spad, spad, 1u << 16, s->functional ? &s->arena_small : NULL))
            return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        c->dma_free = calloc((size_t)s->chip.dma_engines, sizeof *c->dma_free);
        if (!c->dma_free) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        place_core(&s->chip, (int)(i % (size_t)s->n_cores), c);
    }
    s->heap = calloc(n * SC_QUEUE_COUNT, sizeof *s->heap);
    s->queued = calloc(n * SC_QUEUE_COUNT, sizeof *s->queued);
    if (!s->heap || !s->queued) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    for (size_t g = 0; g < n * SC_QUEUE_COUNT; g++) {
        squeue *q = &s->queues[g];
        q->gid = (int)g;
        q->q = (int)(g % SC_QUEUE_COUNT);
        q->core = (int)((g / SC_QUEUE_COUNT) % (size_t)s->n_cores);
        q->chip = (int)(g / SC_QUEUE_COUNT / (size_t)s->n_cores);
        if (s->p.race_check) {
            q->vc = calloc(n * SC_QUEUE_COUNT, sizeof *q->vc);
            if (!q->vc) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
        }
    }
    return SC_OK;
}

sc_status sc_sim_create(const sc_chip *chip, const sc_sim_params *p, sc_sim **out, sc_err *err) {
    if (!out) return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: NULL out");
    *out = NULL;
    if (!chip) return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: NULL chip");
    sc_sim_params pp = p ? *p : sc_sim_default_params();
    if (pp.mode < SC_SIM_FUNCTIONAL || pp.mode > SC_SIM_BOTH)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: mode must be functional, timing or both");
    if (pp.n_chips < 1 || pp.n_chips > 4096)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: n_chips %d outside [1, 4096]", pp.n_chips);
    if (chip->cores < 1 || chip->cores > SC_ISA_MAX_CORES)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "sim: %d cores is outside [1, %d]", chip->cores,
                          SC_ISA_MAX_CORES);
    sc_sim *s = calloc(1, sizeof *s);
    if (!s) return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    s->chip = *chip;
    s->p = pp;
    s->functional = (pp.mode & SC_SIM_FUNCTIONAL) != 0;
    s->timing = (pp.mode & SC_SIM_TIMING) != 0;
    s->n_cores = chip->cores;
    s->n_queues = pp.n_chips * chip->cores * SC_QUEUE_COUNT;
    s->ps_per_cycle = 1e12 / chip->clock_hz;
    sc_status rc = alloc_chips(s, err);
    if (rc == SC_OK) rc = alloc_cores(s, err);
    if (rc != SC_OK) {
        sc_sim_destroy(s);
        return rc;
    }
    *out = s;
    return SC_OK;
}

static void free_run_state(sc_sim *s) {
    size_t n = (size_t)s->p.n_chips * (size_t)s->n_cores;
    for (size_t i = 0; s->cores && i < n; i++) {
        score *c = &s->cores[i];
        for (int k = 0; k < SC_ISA_SEMAPHORES; k++) {
            sem *m = &c->sems[k];
            for (size_t t = m->head; t < m->n; t++)
                free(m->tok[t].vc);
            m->n = m->head = 0;
            m->value = 0;
        }
        c->nw = 0;
    }
    for (size_t i = 0; i < s->n_msgs; i++)
        free(s->msgs[i].data);
    s->n_msgs = 0;
    for (size_t i = 0; i < s->n_colls; i++)
        free(s->colls[i].members);
    free(s->colls);
    s->colls = NULL;
    s->n_colls = 0;
}

void sc_sim_destroy(sc_sim *s) {
    if (!s) return;
    free_run_state(s);
    size_t n = (size_t)s->p.n_chips * (size_t)s->n_cores;
    for (size_t i = 0; s->cores && i < n; i++) {
        score *c = &s->cores[i];
        pmem_free(&c->spad);
        free(c->dma_free);
        free(c->w);
        for (int k = 0; k < SC_ISA_SEMAPHORES; k++)
            free(c->sems[k].tok);
    }
    for (size_t g = 0; s->queues && g < n * SC_QUEUE_COUNT; g++)
        free(s->queues[g].vc);
    for (int k = 0; s->chips && k < s->p.n_chips; k++) {
        pmem_free(&s->chips[k].hbm);
        pmem_free(&s->chips[k].shared);
        sim_cal_free(&s->chips[k].hbm_cal);
        sim_cal_free(&s->chips[k].shared_cal);
        sim_l2_free(&s->chips[k].l2);
        sc_mem_destroy(s->chips[k].hbm_model);
    }
    pmem_arena_free(&s->arena_hbm);
    pmem_arena_free(&s->arena_small);
    for (int k = 0; k < SIM_SCRATCH; k++)
        free(s->scratch[k]);
    free(s->heap);
    free(s->queued);
    free(s->sigs);
    free(s->sig_index);
    free(s->chips);
    free(s->cores);
    free(s->queues);
    free(s->msgs);
    free(s->ev);
    free(s);
}

uint64_t sc_sim_hbm_capacity(const sc_sim *s) {
    return s ? s->chips[0].hbm.size : 0;
}

/* ---- Host access to device memory ---- */

static sc_status host_mem(sc_sim *s, int chip, sc_space space, int core, uint64_t addr, size_t n,
                          pmem **out, sc_err *err) {
    if (!s->functional)
        return sc_err_set(err, SC_ERR_STATE,
                          "sim: timing mode holds no data (use functional/both)");
    if (chip < 0 || chip >= s->p.n_chips)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: chip %d outside [0, %d)", chip,
                          s->p.n_chips);
    pmem *m = NULL;
    if (space == SC_SPACE_HBM) m = &s->chips[chip].hbm;
    if (space == SC_SPACE_SHARED) m = &s->chips[chip].shared;
    if (space == SC_SPACE_SPAD) {
        if (core < 0 || core >= s->n_cores)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: core %d outside [0, %d)", core,
                              s->n_cores);
        m = &sim_core(s, chip, core)->spad;
    }
    if (!m)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: space %d is not host accessible", space);
    if (addr > m->size || n > m->size - addr)
        return sc_err_set(
            err, SC_ERR_INVALID_ARG, "sim: %s range [%llu, +%zu) beyond its %llu bytes",
            sc_isa_space_name(space), (unsigned long long)addr, n, (unsigned long long)m->size);
    *out = m;
    return SC_OK;
}

sc_status sc_sim_write(sc_sim *s, int chip, sc_space space, int core, uint64_t addr,
                       const void *data, size_t n, sc_err *err) {
    if (!s || (!data && n)) return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: NULL argument");
    pmem *m = NULL;
    sc_status rc = host_mem(s, chip, space, core, addr, n, &m, err);
    if (rc != SC_OK) return rc;
    if (pmem_write(m, addr, data, n))
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device pages");
    return SC_OK;
}

sc_status sc_sim_read(sc_sim *s, int chip, sc_space space, int core, uint64_t addr, void *data,
                      size_t n, sc_err *err) {
    if (!s || (!data && n)) return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: NULL argument");
    pmem *m = NULL;
    sc_status rc = host_mem(s, chip, space, core, addr, n, &m, err);
    if (rc != SC_OK) return rc;
    pmem_read(m, addr, data, n);
    return SC_OK;
}

int64_t sc_sim_reg(const sc_sim *s, int chip, int core, sc_queue q, int reg) {
    if (!s || chip < 0 || chip >= s->p.n_chips || core < 0 || core >= s->n_cores ||
        (unsigned)q >= SC_QUEUE_COUNT || reg < 0 || reg >= SC_ISA_REGS)
        return 0;
    size_t g = ((size_t)chip * (size_t)s->n_cores + (size_t)core) * SC_QUEUE_COUNT + (size_t)q;
    return s->queues[g].r[reg];
}

/* ---- Scheduler ---- */

void sim_wake_core(sc_sim *s, int chip, int core) {
    size_t g0 = ((size_t)chip * (size_t)s->n_cores + (size_t)core) * SC_QUEUE_COUNT;
    for (size_t g = g0; g < g0 + SC_QUEUE_COUNT; g++)
        if (s->queues[g].state == Q_WAIT) sim_ready(s, &s->queues[g]);
}

void sim_wake_chip_recv(sc_sim *s, int chip) {
    size_t per = (size_t)s->n_cores * SC_QUEUE_COUNT, g0 = (size_t)chip * per;
    for (size_t g = g0; g < g0 + per; g++)
        if (s->queues[g].state == Q_RECV) sim_ready(s, &s->queues[g]);
}

/* Resets per-run state: registers, clocks, unit free times, semaphores, models. */
static void reset_run(sc_sim *s, const sc_program *prog, const int64_t *args, int n_args) {
    free_run_state(s);
    size_t n = (size_t)s->p.n_chips * (size_t)s->n_cores;
    for (size_t i = 0; i < n; i++) {
        score *c = &s->cores[i];
        c->mma_wl_free = c->mma_stream_free = c->vec_free = c->noc_free = 0;
        memset(c->dma_free, 0, (size_t)s->chip.dma_engines * sizeof *c->dma_free);
    }
    for (int k = 0; k < s->p.n_chips; k++) {
        schip *c = &s->chips[k];
        c->link_free = 0;
        sim_cal_reset(&c->hbm_cal, sc_dram_bandwidth(&s->chip.hbm) / s->chip.clock_hz, 256);
        sim_cal_reset(&c->shared_cal, s->chip.shared_sram_bw / s->chip.clock_hz, 256);
        memset(c->bars, 0, sizeof c->bars);
        sc_mem_reset(c->hbm_model);
        sim_l2_reset(&c->l2); /* every run starts with a cold cache (runs are independent) */
    }
    int pc = sc_program_cores(prog);
    for (size_t g = 0; g < n * SC_QUEUE_COUNT; g++) {
        squeue *q = &s->queues[g];
        uint32_t *vc = q->vc;
        int gid = q->gid, qq = q->q, core = q->core, chip = q->chip;
        memset(q, 0, sizeof *q);
        q->gid = gid, q->q = qq, q->core = core, q->chip = chip, q->vc = vc;
        if (vc) {
            memset(vc, 0, (size_t)s->n_queues * sizeof *vc);
            vc[gid] = 1;
        }
        q->code = core < pc ? sc_program_code(prog, core, (sc_queue)qq, &q->n) : NULL;
        if (!q->code) q->n = 0;
        for (int a = 0; a < n_args && a < SC_ISA_ARG_REGS; a++)
            q->r[1 + a] = args[a];
        q->state = q->n ? Q_RUN : Q_HALTED;
    }
    s->hn = 0;
    s->cur = -1;
    memset(s->queued, 0, (size_t)s->n_queues);
    for (int g = 0; g < s->n_queues; g++)
        if (s->queues[g].state == Q_RUN) sim_ready(s, &s->queues[g]);
    memset(&s->st, 0, sizeof s->st);
    s->hbm_hits = s->hbm_misses = s->hbm_conflicts = s->hbm_bursts = 0;
    s->n_ev = 0;
    s->dropped_ev = 0;
    s->end_cycle = 0;
    s->prog = prog;
    s->consts = sc_program_consts(prog, &s->n_consts);
    s->ran = 1;
}

/* ---- Run queue: min-heap on (t, gid) ---- */

static int hless(const sim_hent *x, const sim_hent *y) {
    return x->t < y->t || (x->t == y->t && x->gid < y->gid);
}

static void hup(sc_sim *s, int i) {
    sim_hent e = s->heap[i];
    while (i > 0 && hless(&e, &s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = e;
}

/* Sifts entry e down from position i (a hole) to its place. */
static void hdown(sc_sim *s, int i, sim_hent e) {
    for (;;) {
        int l = 2 * i + 1;
        if (l >= s->hn) break;
        if (l + 1 < s->hn && hless(&s->heap[l + 1], &s->heap[l])) l++;
        if (!hless(&s->heap[l], &e)) break;
        s->heap[i] = s->heap[l];
        i = l;
    }
    s->heap[i] = e;
}

void sim_ready(sc_sim *s, squeue *q) {
    q->state = Q_RUN;
    if (q->gid == s->cur || s->queued[q->gid]) return;
    s->heap[s->hn] = (sim_hent){q->t, q->gid};
    s->queued[q->gid] = 1;
    hup(s, s->hn++);
}

/* Removes and returns the runnable queue with the earliest time (ties: lowest id), or -1. */
static int pick_queue(sc_sim *s) {
    while (s->hn > 0) {
        int g = s->heap[0].gid;
        s->queued[g] = 0;
        if (--s->hn > 0) hdown(s, 0, s->heap[s->hn]);
        if (s->queues[g].state == Q_RUN) return g;
    }
    return -1;
}

/* The queue to run after g, which is still runnable: g itself while it stays the earliest (a
 * queue often issues several instructions in a row), else the heap's first, with g taking its
 * place in one pass (a push and a pop would walk the heap twice). Same order as push + pick. */
static int next_after(sc_sim *s, squeue *q) {
    sim_hent e = {q->t, q->gid};
    if (s->hn == 0 || hless(&e, &s->heap[0])) return q->gid;
    int g = s->heap[0].gid;
    s->queued[g] = 0;
    s->queued[q->gid] = 1;
    hdown(s, 0, e);
    return s->queues[g].state == Q_RUN ? g : pick_queue(s);
}

/* Instructions that only read and write their own queue's registers, pc and clock, and cannot
 * trap: no other queue sees them and none of their inputs can change while the queue is
 * runnable, so running them as soon as the queue's previous instruction retired gives the same
 * state as running them in global time order (and saves a run-queue round trip each: a GEMM
 * program's address setup is about half of its instructions). */
static int queue_local(unsigned op) {
    switch (op) {
    case SC_OP_NOP:
    case SC_OP_JMP:
    case SC_OP_BEQ:
    case SC_OP_BNE:
    case SC_OP_BLT:
    case SC_OP_BGE:
    case SC_OP_LOOP:
    case SC_OP_LI:
    case SC_OP_ADDI:
    case SC_OP_ADD:
    case SC_OP_SUB:
    case SC_OP_MUL:
    case SC_OP_SHL:
    case SC_OP_SHR:
    case SC_OP_AND:
    case SC_OP_OR:
    case SC_OP_XOR:
    case SC_OP_MIN:
    case SC_OP_MAX:
    case SC_OP_RDSR:
        return 1;
    default:
        return 0;
    }
}

static sc_status deadlock(const sc_sim *s, sc_err *err) {
    for (int g = 0; g < s->n_queues; g++) {
        const squeue *q = &s->queues[g];
        if (q->state == Q_HALTED) continue;
        const char *why = q->state == Q_WAIT      ? "waiting on a semaphore"
                          : q->state == Q_BARRIER ? "waiting at a barrier"
                          : q->state == Q_RECV    ? "waiting in recv"
                                                  : "waiting in allreduce";
        return sim_trap(s, q, err, "deadlock: every unfinished queue is blocked (this one %s)",
                        why);
    }
    return sc_err_set(err, SC_ERR_TRAP, "trap: deadlock");
}

static sc_status check_program(const sc_sim *s, const sc_program *prog, sc_err *err) {
    if (sc_program_cores(prog) > s->n_cores)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: program uses %d cores, %s has %d",
                          sc_program_cores(prog), s->chip.name, s->n_cores);
    return sc_program_validate(prog, err);
}

sc_status sc_sim_run(sc_sim *s, const sc_program *prog, const int64_t *args, int n_args,
                     sc_err *err) {
    if (!s || !prog || (n_args && !args) || n_args < 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sim: bad run arguments");
    sc_status rc = check_program(s, prog, err);
    if (rc != SC_OK) return rc;
    reset_run(s, prog, args, n_args);
    uint64_t total = 0;
    for (int g = pick_queue(s); g >= 0;) {
        squeue *q = &s->queues[g];
        s->cur = g;
        if (s->p.max_insns && total >= s->p.max_insns) {
            rc = sim_trap(s, q, err, "more than %llu instructions executed (max_insns)",
                          (unsigned long long)s->p.max_insns);
            break;
        }
        rc = sim_exec(s, q, q->t, err);
        if (rc == SC_OK) total++;
        while (rc == SC_OK && q->state == Q_RUN && q->pc < q->n && queue_local(q->code[q->pc].op) &&
               !(s->p.max_insns && total >= s->p.max_insns)) {
            rc = sim_exec(s, q, q->t, err);
            if (rc == SC_OK) total++;
        }
        s->cur = -1;
        if (rc != SC_OK) break;
        g = q->state == Q_RUN ? next_after(s, q) : pick_queue(s);
    }
    if (rc == SC_OK) {
        for (int g = 0; g < s->n_queues; g++)
            if (s->queues[g].state != Q_HALTED) {
                rc = deadlock(s, err);
                break;
            }
    }
    s->st.insns = total;
    sim_finish_stats(s);
    s->prog = NULL;
    return rc;
}
