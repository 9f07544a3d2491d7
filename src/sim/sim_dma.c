// SPDX-License-Identifier: Apache-2.0
// DMA: strided 4-D copies with dtype conversion; timing over engines, NoC, shared SRAM and HBM.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numerics/numerics.h"
#include "sim/sim_internal.h"

/* Bytes of an access pattern that go through the DRAM model burst by burst when the pattern is
 * first seen: 256 KiB is 8192 bursts, 64 per pseudo-channel of SeedChip-1, enough for row hits,
 * conflicts and tFAW limits to show in the achieved bandwidth. */
#define HBM_SAMPLE_BYTES (256u << 10)
/* Fixed cycles to start a DMA (descriptor fetch, address generation). */
#define DMA_SETUP_CYCLES 8

/* ---- Functional copy ---- */

static sc_status dma_data(sc_sim *s, const squeue *q, const rview *dst, const rview *src,
                          const uint32_t dims[SC_ISA_MAX_DIMS], sc_err *err) {
    uint64_t n = sim_dims_count(dims);
    int overlap = dst->mem && dst->mem == src->mem && dst->lo < src->hi && src->lo < dst->hi;
    if (dst->dt == src->dt && !overlap) { /* straight copy, one row of staging at most */
        unsigned char *row = sim_scratch(s, 4, (size_t)dims[0] * (size_t)src->es + 1);
        if (!row || sim_copy_raw(s, dst, src, dims, row))
            return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for a DMA");
        return SC_OK;
    }
    unsigned char *a = sim_scratch(s, 4, (size_t)(n * (uint64_t)src->es) + 1);
    unsigned char *b =
        dst->dt == src->dt ? NULL : sim_scratch(s, 5, (size_t)(n * (uint64_t)dst->es) + 1);
    if (!a || (dst->dt != src->dt && !b)) {
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for a %llu-element DMA",
                          (unsigned long long)n);
    }
    sim_gather_raw(s, src, dims, a);
    if (b) sim_convert(src->dt, a, dst->dt, b, n);
    int rc = sim_scatter_raw(dst, dims, b ? b : a);
    (void)q;
    return rc ? sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device pages") : SC_OK;
}

/* ---- HBM timing ---- */

/* Requests a DMA engine sends to HBM: contiguous runs cut into 64-byte requests. */
#define HBM_REQ_BYTES 64u
/* Neighbouring streams interleaved with a pattern's runs in the probe (a core's DMA engines). */
#define SAMPLE_COPIES 8

typedef struct hbm_sample {
    sc_sim *s;
    sc_mem_req *reqs;
    size_t n, cap_reqs;
    uint64_t sampled, cap;
    int is_write;
} hbm_sample;

static void sample_run(hbm_sample *h, uint64_t addr, uint64_t bytes) {
    if (h->sampled >= h->cap) return;
    bytes = SC_MIN(bytes, h->cap - h->sampled);
    uint64_t capm = h->s->hbm_model_capacity;
    addr %= capm;
    if (bytes > capm - addr) bytes = capm - addr;
    h->sampled += bytes;
    while (bytes && h->n < h->cap_reqs) {
        uint64_t k = SC_MIN(bytes, HBM_REQ_BYTES - addr % HBM_REQ_BYTES);
        sc_mem_req *r = &h->reqs[h->n++];
        memset(r, 0, sizeof *r);
        r->addr = addr, r->bytes = k, r->is_write = h->is_write;
        addr += k, bytes -= k;
    }
}

/* Walks the view's contiguous runs (or elements) until the sample is full; each run is followed
 * by `copies - 1` copies shifted by `shift` bytes (see probe). */
static void sample_view(hbm_sample *h, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                        int64_t copies, int64_t shift) {
    uint64_t run = v->st[0] == 1 ? (uint64_t)dims[0] * (uint64_t)v->es : (uint64_t)v->es;
    uint32_t inner = v->st[0] == 1 ? 1 : dims[0];
    for (uint32_t i3 = 0; i3 < dims[3]; i3++)
        for (uint32_t i2 = 0; i2 < dims[2]; i2++)
            for (uint32_t i1 = 0; i1 < dims[1]; i1++)
                for (uint32_t i0 = 0; i0 < inner; i0++) {
                    int64_t off = v->base + ((int64_t)i0 * v->st[0] + (int64_t)i1 * v->st[1] +
                                             (int64_t)i2 * v->st[2] + (int64_t)i3 * v->st[3]) *
                                                v->es;
                    for (int64_t c = 0; c < copies; c++) {
                        if (h->sampled >= h->cap) return;
                        sample_run(h, (uint64_t)(off + c * shift), run);
                    }
                }
}

/* Bytes of the pattern's contiguous run (merging axes that continue it) and the distance from
 * one run to the next. */
static void run_gap(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], int64_t *run,
                    int64_t *gap) {
    int64_t elems = 1;
    int ax = 0;
    while (ax < SC_ISA_MAX_DIMS && (v->st[ax] == elems || dims[ax] == 1)) {
        if (dims[ax] > 1) elems *= dims[ax];
        ax++;
    }
    *run = elems * v->es;
    *gap = ax < SC_ISA_MAX_DIMS ? llabs(v->st[ax]) * v->es : *run;
}

/* Runs HBM_SAMPLE_BYTES of the pattern through a reset DRAM model, all requests ready at time 0:
 * the pattern repeated at successive offsets when the transfer itself is shorter (many such
 * transfers are in flight in a real kernel, so throughput, not one transfer's latency, is what
 * the pattern costs). Returns the achieved fraction of peak after the idle latency and fills the
 * row statistics per byte. */
static double probe(sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], int is_write,
                    hbm_sig *out) {
    sc_mem *m = s->chips[0].hbm_model;
    sc_mem_reset(m);
    size_t cap_reqs = 2 * HBM_SAMPLE_BYTES / HBM_REQ_BYTES + 16;
    hbm_sample h = {
        s, malloc(cap_reqs * sizeof(sc_mem_req)), 0, cap_reqs, 0, HBM_SAMPLE_BYTES, is_write};
    if (!h.reqs) return s->hbm_stream_eff;
    /* Each run is followed by copies shifted into the gap before the next run (up to
     * SAMPLE_COPIES): other engines and cores of the kernel read the neighbouring bytes, so the
     * controllers see a mix of such streams, not one DMA alone. Then the pattern repeats. */
    uint64_t extent = ((v->hi - v->lo) + 4095) & ~(uint64_t)4095;
    int64_t run, gap;
    run_gap(v, dims, &run, &gap);
    int64_t shift = SC_MAX(run, (int64_t)HBM_REQ_BYTES);
    int64_t copies = gap > shift ? SC_MIN(gap / shift, SAMPLE_COPIES) : 1;
    for (int64_t rep = 0; h.sampled < h.cap && rep < 1 << 16; rep++) {
        rview r = *v;
        r.base += rep * (int64_t)extent;
        sample_view(&h, &r, dims, copies, shift);
    }
    uint64_t done_ps = 0;
    sc_err e = {0};
    sc_status rc = sc_mem_run_requests(m, h.reqs, h.n, 0, &done_ps, &e);
    free(h.reqs);
    if (rc != SC_OK) return s->hbm_stream_eff;
    sc_mem_stats st;
    sc_mem_get_stats(m, &st);
    double b = h.sampled ? (double)h.sampled : 1;
    out->hit = (double)st.row_hits / b;
    out->miss = (double)st.row_misses / b;
    out->conflict = (double)st.row_conflicts / b;
    out->bursts = (double)st.bursts / b;
    double ideal = (double)h.sampled * 1e12 / sc_dram_bandwidth(&s->chip.hbm);
    double span = (double)done_ps - (double)s->hbm_latency_ps;
    return span > 0 ? SC_MIN(ideal / span, 1.0) : 1.0;
}

/* Pattern key: run length, strides of the first two axes, their extents, row alignment. */
static void sig_key(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], int is_write,
                    int64_t key[9]) {
    key[0] = v->st[0] == 1 ? (int64_t)dims[0] * v->es : v->es;
    key[1] = v->st[0] == 1 ? 0 : v->st[0] * v->es;
    key[2] = v->st[1] * v->es;
    key[3] = v->st[0] == 1 ? 1 : dims[0];
    key[4] = SC_MIN(dims[1], 1u << 16);
    key[5] = v->base & 63;
    key[6] = is_write;
    key[7] = v->st[2] * v->es;
    key[8] = SC_MIN(dims[2], 1u << 16);
}

static uint64_t sig_hash(const int64_t key[9]) {
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 9; i++) {
        h = (h ^ (uint64_t)key[i]) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    return h;
}

/* The index entry of the key: its slot, or the empty one where it would go. */
static uint32_t *sig_find(sc_sim *s, const int64_t key[9]) {
    uint32_t mask = (uint32_t)s->cap_index - 1;
    for (uint32_t i = (uint32_t)sig_hash(key) & mask;; i = (i + 1) & mask) {
        uint32_t k = s->sig_index[i];
        if (!k || memcmp(s->sigs[k - 1].key, key, sizeof s->sigs[0].key) == 0)
            return &s->sig_index[i];
    }
}

/* Room for one more pattern, with the index at most half full (short probe sequences). */
static int sig_grow(sc_sim *s) {
    if (s->n_sigs == s->cap_sigs) {
        int cap = s->cap_sigs ? 2 * s->cap_sigs : 128;
        hbm_sig *n = realloc(s->sigs, (size_t)cap * sizeof *n);
        if (!n) return -1;
        s->sigs = n, s->cap_sigs = cap;
    }
    if (2 * (s->n_sigs + 1) > s->cap_index) {
        int cap = s->cap_index ? 2 * s->cap_index : 256;
        uint32_t *ix = calloc((size_t)cap, sizeof *ix);
        if (!ix) return -1;
        free(s->sig_index);
        s->sig_index = ix, s->cap_index = cap;
        for (int k = 0; k < s->n_sigs; k++)
            *sig_find(s, s->sigs[k].key) = (uint32_t)k + 1;
    }
    return 0;
}

/* Efficiency of a pattern, normalised so that a plain stream gets the measured streaming
 * efficiency (the probe's short sample pays activation costs a long stream amortises). Each
 * pattern is probed once per simulator, at its first use; lookups are O(1). */
static const hbm_sig *pattern(sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                              int is_write) {
    int64_t key[9];
    sig_key(v, dims, is_write, key);
    uint32_t *at = s->cap_index ? sig_find(s, key) : NULL;
    if (at && *at) return &s->sigs[*at - 1];
    if (s->n_sigs == 0) { /* reference: a contiguous read stream of the sample size */
        rview ref = *v;
        uint32_t rd[SC_ISA_MAX_DIMS] = {HBM_SAMPLE_BYTES, 1, 1, 1};
        ref.base = 0, ref.es = 1, ref.st[0] = 1;
        hbm_sig r;
        double e = probe(s, &ref, rd, 0, &r);
        s->hbm_probe_ref = e > 0 ? e : 1;
    }
    /* Probed at a canonical address (the key's row alignment, the view's own offsets kept), not
     * where the first use happened to sit: a simulator shared by many kernels then gives each
     * pattern the same efficiency whichever kernel met it first. */
    rview c = *v;
    c.base = (int64_t)(v->base - (int64_t)v->lo) + (v->base & 63);
    c.hi = v->hi - v->lo + (uint64_t)(v->base & 63);
    c.lo = (uint64_t)(v->base & 63);
    hbm_sig sg;
    memcpy(sg.key, key, sizeof key);
    double measured = probe(s, &c, dims, is_write, &sg) / s->hbm_probe_ref;
    sg.eff = SC_MIN(measured, 1.0) * s->hbm_stream_eff;
    if (sg.eff < 0.01) sg.eff = 0.01;
    if (s->n_sigs >= SIM_HBM_SIGS_MAX || sig_grow(s) != 0) { /* kept for this use only */
        s->sig_spill = sg;
        return &s->sig_spill;
    }
    *sig_find(s, key) = (uint32_t)s->n_sigs + 1;
    s->sigs[s->n_sigs] = sg;
    return &s->sigs[s->n_sigs++];
}

/* Functional-only runs report no device time (the CLI, the OCR pipeline and the LLM generator
 * print cycles only with timing): the DRAM model, which runs a burst-level probe for every new
 * access pattern and dominated functional runs of real models, is skipped. Transfers still take
 * bandwidth-proportional time at a nominal efficiency so the scheduler interleaves the queues as
 * a timed run would; data never depends on it (a race-free program computes the same bytes in
 * any order, and --mode both runs the full model). */
#define FUNCTIONAL_HBM_EFF 0.9

static uint64_t functional_hbm(sc_sim *s, schip *c, uint64_t bytes, int is_write, uint64_t t) {
    if (is_write)
        s->st.bytes_hbm_write += (double)bytes;
    else
        s->st.bytes_hbm_read += (double)bytes;
    return sim_cal_take(&c->hbm_cal, t, (double)bytes / FUNCTIONAL_HBM_EFF);
}

/* HBM side of `bytes` of the view's pattern (all of it, or the part that missed the cache). */
static uint64_t hbm_bytes(sc_sim *s, int chip, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                          uint64_t bytes, int is_write, uint64_t t) {
    schip *c = &s->chips[chip];
    uint64_t t_ps = sim_ps(s, t);
    if (!s->timing) return functional_hbm(s, c, bytes, is_write, t);
    if (s->hbm_stream_eff <= 0) {
        sc_err e = {0};
        if (sim_calibrate_hbm(s, &e) != SC_OK) s->hbm_stream_eff = 0.9;
    }
    double eff = s->hbm_stream_eff;
    if (v->space == SC_SPACE_HBM) {
        const hbm_sig *g = pattern(s, v, dims, is_write);
        eff = g->eff;
        s->hbm_hits += g->hit * (double)bytes;
        s->hbm_misses += g->miss * (double)bytes;
        s->hbm_conflicts += g->conflict * (double)bytes;
        s->hbm_bursts += g->bursts * (double)bytes;
    }
    /* Aggregate calendar: every transfer of the chip shares the HBM bandwidth, consuming it at
     * its pattern's efficiency; the data arrives one idle latency after its share is served. */
    uint64_t cal_end = sim_cal_take(&c->hbm_cal, t, (double)bytes / eff);
    uint64_t pipe_start = t_ps;
    uint64_t end_ps = sim_ps(s, cal_end) + s->hbm_latency_ps;
    if (is_write)
        s->st.bytes_hbm_write += (double)bytes;
    else
        s->st.bytes_hbm_read += (double)bytes;
    if (s->p.trace) {
        int ch = 0;
        sc_mem_coord co;
        sc_err e = {0};
        if (v->space == SC_SPACE_HBM &&
            sc_mem_decode(c->hbm_model, v->lo % s->hbm_model_capacity, &co, &e) == SC_OK)
            ch = (int)(co.stack * (uint32_t)s->chip.hbm.channels + co.channel);
        sim_trace(s, is_write ? "hbm write" : "hbm read", chip * SIM_PID_CHIP + SIM_PID_HBM, ch,
                  sim_cycles(s, pipe_start), sim_cycles(s, end_ps));
    }
    return sim_cycles(s, end_ps);
}

uint64_t sim_hbm_transfer(sc_sim *s, int chip, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                          int is_write, uint64_t t) {
    return hbm_bytes(s, chip, v, dims, sim_dims_count(dims) * (uint64_t)v->es, is_write, t);
}

/* ---- DMA timing ---- */

/* Shared SRAM: one chip-wide bandwidth calendar. */
static uint64_t shared_transfer(sc_sim *s, int chip, uint64_t bytes, uint64_t t) {
    s->st.bytes_shared += (double)bytes;
    return sim_cal_take(&s->chips[chip].shared_cal, t, (double)bytes);
}

/* The core's mesh port: all links of its router, bytes / (degree x link width). */
static uint64_t noc_port(sc_sim *s, score *c, uint64_t bytes, uint64_t t) {
    double bpc = s->chip.noc_link_bytes_per_cycle * c->degree;
    uint64_t start = SC_MAX(c->noc_free, t);
    uint64_t busy = (uint64_t)ceil((double)bytes / bpc);
    c->noc_free = start + busy;
    s->st.noc_busy += (double)busy;
    s->st.bytes_noc += (double)bytes;
    return c->noc_free;
}

static int hops_between(const score *a, const score *b) {
    return abs(a->x - b->x) + abs(a->y - b->y);
}

/* HBM side through the shared SRAM acting as a cache (chip.hbm_cache, GPU L2). With
 * chip.l2_multicast, reads that a core of the same cluster already made are delivered by that
 * read (sim_l2_mc_take). Reads: the bytes
 * on resident lines are served at shared SRAM bandwidth and latency, the rest from HBM, and every
 * line read becomes resident. Writes: write-through (HBM pays every byte, as without the cache)
 * with allocation, so a later read of what a kernel wrote (the next layer's input) hits. Every
 * byte, hit, fill or write, crosses the shared SRAM and takes its share of the shared SRAM
 * calendar (shared_sram.bandwidth, a GPU's L2 bandwidth): on a GPU all loads and stores pass
 * through the L2 slices, so the L2, not only HBM, bounds a kernel whose re-reads all hit. */
static uint64_t cached_time(sc_sim *s, const squeue *q, const rview *v,
                            const uint32_t dims[SC_ISA_MAX_DIMS], int is_write, uint64_t t0) {
    score *self = sim_core(s, q->chip, q->core);
    uint64_t bytes = sim_dims_count(dims) * (uint64_t)v->es;
    int hop = s->chip.noc_hop_cycles;
    uint64_t lat_h = (uint64_t)(self->hops_to_hbm * hop);
    uint64_t lat_s = (uint64_t)(self->hops_to_shared * hop);
    sim_l2 *l2c = &s->chips[q->chip].l2;
    int mc = is_write ? 1 : s->chip.l2_multicast;
    uint64_t mc_end = 0;
    if (mc > 1 && sim_l2_mc_take(l2c, s->chip.cores, mc, q->core, v, dims, &mc_end)) {
        /* a cluster peer's read of this block delivers this core's copy too (TMA multicast):
         * only the core's own port is used, the shared SRAM and HBM are not read again */
        uint64_t port = noc_port(s, self, bytes, t0) + lat_s;
        return SC_MAX(port, mc_end);
    }
    uint64_t hit = sim_l2_access(l2c, s->chip.shared_sram_bytes, v, dims);
    if (is_write) hit = 0;
    if (hit > bytes) hit = bytes;
    uint64_t miss = bytes - hit;
    uint64_t port = noc_port(s, self, bytes, t0);
    uint64_t end = port + (miss ? lat_h : lat_s);
    if (miss) {
        uint64_t mem = hbm_bytes(s, q->chip, v, dims, miss, is_write, t0 + lat_h) + lat_h;
        end = SC_MAX(end, mem);
    }
    s->st.bytes_hbm_cached += (double)hit;
    uint64_t l2 = shared_transfer(s, q->chip, bytes, t0 + lat_s) + lat_s;
    end = SC_MAX(end, l2);
    if (mc > 1) sim_l2_mc_put(l2c, s->chip.cores, mc, q->core, v, dims, end);
    return end;
}

/* Completion of one side (src or dst) of a DMA issued on core `self` at cycle t0. */
static uint64_t side_time(sc_sim *s, const squeue *q, const rview *v,
                          const uint32_t dims[SC_ISA_MAX_DIMS], int is_write, uint64_t t0) {
    score *self = sim_core(s, q->chip, q->core);
    uint64_t bytes = sim_dims_count(dims) * (uint64_t)v->es;
    double eng = s->chip.dma_bytes_per_cycle;
    int hop = s->chip.noc_hop_cycles;
    switch (v->space) {
    case SC_SPACE_HBM:
    case SC_SPACE_CONST: {
        if (s->chip.hbm_cache && v->space == SC_SPACE_HBM && s->timing)
            return cached_time(s, q, v, dims, is_write, t0);
        uint64_t lat = (uint64_t)(self->hops_to_hbm * hop);
        uint64_t mem = sim_hbm_transfer(s, q->chip, v, dims, is_write, t0 + lat);
        uint64_t port = noc_port(s, self, bytes, t0);
        return SC_MAX(mem, port) + lat;
    }
    case SC_SPACE_SHARED: {
        uint64_t lat = (uint64_t)(self->hops_to_shared * hop);
        uint64_t mem = shared_transfer(s, q->chip, bytes, t0 + lat);
        uint64_t port = noc_port(s, self, bytes, t0);
        return SC_MAX(mem, port) + lat;
    }
    default: {
        s->st.bytes_spad += (double)bytes;
        uint64_t banks = t0 + sim_spad_cycles(s, v, dims, eng);
        if (v->core == q->core) return banks;
        score *other = sim_core(s, q->chip, v->core);
        uint64_t lat = (uint64_t)(hops_between(self, other) * hop);
        uint64_t port = noc_port(s, self, bytes, t0);
        return SC_MAX(banks, port) + lat;
    }
    }
}

static int pick_engine(const sc_sim *s, const score *c) {
    int e = 0;
    for (int i = 1; i < s->chip.dma_engines; i++)
        if (c->dma_free[i] < c->dma_free[e]) e = i;
    return e;
}

static void dma_timing(sc_sim *s, squeue *q, const rview *dst, const rview *src,
                       const uint32_t dims[SC_ISA_MAX_DIMS]) {
    score *c = sim_core(s, q->chip, q->core);
    uint64_t n = sim_dims_count(dims);
    uint64_t t = sim_dep_ready(q, src->mem_key, src->lo, src->hi, q->t);
    int e = pick_engine(s, c);
    uint64_t t0 = SC_MAX(t, c->dma_free[e]) + DMA_SETUP_CYCLES;
    uint64_t bytes = n * (uint64_t)SC_MAX(src->es, dst->es);
    uint64_t end = t0 + (uint64_t)ceil((double)bytes / s->chip.dma_bytes_per_cycle);
    /* (SC_MAX evaluates its arguments twice: keep side effects out of it) */
    uint64_t t_src = side_time(s, q, src, dims, 0, t0), t_dst = side_time(s, q, dst, dims, 1, t0);
    end = SC_MAX(end, SC_MAX(t_src, t_dst));
    c->dma_free[e] = end;
    s->st.dma_busy += (double)(end - t0 + DMA_SETUP_CYCLES);
    q->done_max = SC_MAX(q->done_max, end);
    sim_dep_add(q, dst->mem_key, dst->lo, dst->hi, end);
    sim_trace(s, "dma", q->chip * SIM_PID_CHIP + q->core, SIM_TID_DMA + e, t0 - DMA_SETUP_CYCLES,
              end);
}

sc_status sim_exec_dma(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    const sc_desc *d = sc_program_desc(s->prog, (size_t)in->v[0]);
    if (!d || d->kind != SC_DESC_DMA)
        return sim_trap(s, q, err, "dma: descriptor %lld is not a dma descriptor",
                        (long long)in->v[0]);
    uint32_t dims[SC_ISA_MAX_DIMS];
    int skip = 0;
    sc_status rc = sim_dims(s, q, d, (int)in->v[3], (int)in->v[4], dims, &skip, err);
    if (rc != SC_OK || skip) {
        if (rc == SC_OK) q->pc++;
        return rc;
    }
    rview dst, src;
    rc = sim_view(s, q, d, SC_VIEW_DST, (int)in->v[1], dims, 1, -1, &dst, err);
    if (rc == SC_OK) rc = sim_view(s, q, d, SC_VIEW_SRC, (int)in->v[2], dims, 0, -1, &src, err);
    if (rc != SC_OK) return rc;
    if (s->p.race_check && src.space == SC_SPACE_SPAD) {
        rc = sim_race_read(s, q, q->chip, src.core, src.lo, src.hi, err);
        if (rc != SC_OK) return rc;
    }
    if (s->p.race_check && dst.space == SC_SPACE_SPAD &&
        sim_race_write(s, q, q->chip, dst.core, dst.lo, dst.hi))
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    if (s->functional) {
        rc = dma_data(s, q, &dst, &src, dims, err);
        if (rc != SC_OK) return rc;
    }
    dma_timing(s, q, &dst, &src, dims);
    q->pc++;
    return SC_OK;
}
