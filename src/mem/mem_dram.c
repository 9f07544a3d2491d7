// SPDX-License-Identifier: Apache-2.0
// DRAM timing core: model creation, per-bank/per-PC command timing, refresh, statistics.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"

sc_mem_params sc_mem_default_params(void) {
    sc_mem_params p;
    memset(&p, 0, sizeof p);
    sc_err err = {0};
    (void)sc_mem_map_parse(SC_MEM_MAP_DEFAULT, &p.map, &err); /* constant text: cannot fail */
    p.queue_depth = 32;
    p.fr_fcfs = 1;
    p.refresh = 1;
    return p;
}

/* Seconds -> integer picoseconds; rejects negative, non-finite and absurd (> 1 s) values. */
static sc_status to_ps(double sec, const char *name, int required, uint64_t *out, sc_err *err) {
    if (!isfinite(sec) || sec < 0 || sec > 1.0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: %s = %g s is out of range", name, sec);
    if (required && sec <= 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: %s must be positive", name);
    *out = (uint64_t)llround(sec * 1e12);
    return SC_OK;
}

static sc_status convert_timing(const sc_dram_cfg *c, mem_timing *t, sc_err *err) {
    struct {
        double v;
        const char *name;
        int required;
        uint64_t *out;
    } f[] = {
        {c->tRCD, "tRCD", 1, &t->rcd},
        {c->tRP, "tRP", 1, &t->rp},
        {c->tCL, "tCL", 1, &t->cl},
        {c->tRAS, "tRAS", 1, &t->ras},
        {c->tRRD_S, "tRRD_S", 0, &t->rrd_s},
        {c->tRRD_L, "tRRD_L", 0, &t->rrd_l},
        {c->tFAW, "tFAW", 0, &t->faw},
        {c->tWR, "tWR", 0, &t->wr},
        {c->tRTW, "tRTW", 0, &t->rtw},
        {c->tWTR, "tWTR", 0, &t->wtr},
        {c->tCCD_S, "tCCD_S", 0, &t->ccd_s},
        {c->tCCD_L, "tCCD_L", 0, &t->ccd_l},
        {c->tRFC, "tRFC", 0, &t->rfc},
        {c->tREFI, "tREFI", 0, &t->refi},
        {c->controller_latency, "controller_latency", 0, &t->ctrl},
    };
    for (size_t i = 0; i < SC_ARRAY_LEN(f); i++) {
        sc_status s = to_ps(f[i].v, f[i].name, f[i].required, f[i].out, err);
        if (s != SC_OK) return s;
    }
    if (t->refi && t->rfc >= t->refi)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: tRFC must be below tREFI");
    /* Not in sc_dram_cfg: write latency is taken as half the read latency (HBM3/LPDDR5 have
     * WL well below RL) and read-to-precharge as tCCD_L (a few ns in both standards). */
    t->wl = t->cl / 2;
    t->rtp = SC_MAX(t->ccd_l, t->burst);
    return SC_OK;
}

static sc_status check_geometry(const sc_dram_cfg *c, sc_err *err) {
    if (c->stacks < 1 || c->channels < 1 || c->pseudo_channels < 1 || c->bank_groups < 1 ||
        c->banks_per_group < 1 || c->bus_bits < 1 || c->row_bytes < 1 || c->burst_bytes < 1)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "dram: stacks, channels, pseudo_channels, bank_groups, banks_per_group, "
                          "bus_bits, row_bytes and burst_bytes must all be >= 1");
    if (c->stacks > 64 || c->channels > 256 || c->pseudo_channels > 16 ||
        c->bank_groups * c->banks_per_group > 1024)
        return sc_err_set(err, SC_ERR_LIMIT, "dram: organisation too large to model");
    int per_stack_pcs = c->channels * c->pseudo_channels;
    if (c->bus_bits % per_stack_pcs != 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "dram: bus_bits %d does not split over %d channels x %d pseudo-channels",
                          c->bus_bits, c->channels, c->pseudo_channels);
    if (c->row_bytes % c->burst_bytes != 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "dram: row_bytes must be a multiple of burst_bytes");
    if (!isfinite(c->pin_rate) || c->pin_rate <= 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: pin_rate must be positive");
    if (!isfinite(c->capacity_per_stack) || c->capacity_per_stack <= 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: capacity_per_stack must be positive");
    return SC_OK;
}

/* Field sizes, capacity, burst time and peak bandwidth. */
static sc_status set_geometry(sc_mem *m, sc_err *err) {
    const sc_dram_cfg *c = &m->cfg;
    double bank_bytes = (double)c->channels * c->pseudo_channels * c->bank_groups *
                        c->banks_per_group * (double)c->row_bytes;
    double rows = floor(c->capacity_per_stack / bank_bytes);
    if (rows < 1 || rows > 4e9)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: capacity gives %.0f rows per bank", rows);
    uint32_t d[SC_MEM_F_COUNT] = {(uint32_t)c->stacks,
                                  (uint32_t)c->channels,
                                  (uint32_t)c->pseudo_channels,
                                  (uint32_t)c->bank_groups,
                                  (uint32_t)c->banks_per_group,
                                  (uint32_t)rows,
                                  (uint32_t)(c->row_bytes / c->burst_bytes)};
    memcpy(m->dims, d, sizeof d);
    m->n_bursts = 1;
    for (int f = 0; f < SC_MEM_F_COUNT; f++)
        m->n_bursts *= d[f];
    m->n_pcs = c->stacks * c->channels * c->pseudo_channels;
    m->banks_per_pc = c->bank_groups * c->banks_per_group;
    int pc_bits = c->bus_bits / (c->channels * c->pseudo_channels);
    double burst_s = c->burst_bytes * 8.0 / (pc_bits * c->pin_rate);
    /* Round up so the model never beats the pins (a 0.04% loss at most). */
    m->t.burst = (uint64_t)ceil(burst_s * 1e12 - 1e-6);
    if (m->t.burst == 0) m->t.burst = 1;
    m->peak_bw = c->pin_rate * c->bus_bits / 8.0 * c->stacks;
    return SC_OK;
}

static sc_status alloc_pcs(sc_mem *m, sc_err *err) {
    m->pcs = calloc((size_t)m->n_pcs, sizeof *m->pcs);
    m->hist = calloc(MEM_HIST_BUCKETS, sizeof *m->hist);
    if (!m->pcs || !m->hist) return sc_err_set(err, SC_ERR_NOMEM, "dram: out of memory");
    size_t depth = (size_t)m->params.queue_depth;
    for (int i = 0; i < m->n_pcs; i++) {
        mem_pc *pc = &m->pcs[i];
        pc->banks = calloc((size_t)m->banks_per_pc, sizeof *pc->banks);
        pc->bg_act_ok = calloc((size_t)m->cfg.bank_groups, sizeof *pc->bg_act_ok);
        pc->bg_col_ok = calloc((size_t)m->cfg.bank_groups, sizeof *pc->bg_col_ok);
        pc->pend = calloc((size_t)m->banks_per_pc, sizeof *pc->pend);
        pc->q = calloc(2 * depth, sizeof *pc->q);
        if (!pc->banks || !pc->bg_act_ok || !pc->bg_col_ok || !pc->q || !pc->pend)
            return sc_err_set(err, SC_ERR_NOMEM, "dram: out of memory");
    }
    return SC_OK;
}

sc_status sc_mem_create(const sc_dram_cfg *cfg, const sc_mem_params *params, sc_mem **out,
                        sc_err *err) {
    if (!out) return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_create: NULL out");
    *out = NULL;
    if (!cfg) return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_create: NULL config");
    sc_status s = check_geometry(cfg, err);
    if (s != SC_OK) return s;
    sc_mem *m = calloc(1, sizeof *m);
    if (!m) return sc_err_set(err, SC_ERR_NOMEM, "dram: out of memory");
    m->cfg = *cfg;
    m->params = params ? *params : sc_mem_default_params();
    if (m->params.queue_depth < 1 || m->params.queue_depth > 4096) {
        free(m);
        return sc_err_set(err, SC_ERR_INVALID_ARG, "dram: queue_depth must be in [1, 4096]");
    }
    s = set_geometry(m, err);
    if (s == SC_OK) s = convert_timing(cfg, &m->t, err);
    if (s == SC_OK) s = mem_map_resolve(m, err);
    if (s == SC_OK) s = alloc_pcs(m, err);
    if (s != SC_OK) {
        sc_mem_destroy(m);
        return s;
    }
    sc_mem_reset(m);
    *out = m;
    return SC_OK;
}

void sc_mem_destroy(sc_mem *m) {
    if (!m) return;
    for (int i = 0; m->pcs && i < m->n_pcs; i++) {
        free(m->pcs[i].banks);
        free(m->pcs[i].bg_act_ok);
        free(m->pcs[i].bg_col_ok);
        free(m->pcs[i].q);
        free(m->pcs[i].pend);
    }
    free(m->pcs);
    free(m->hist);
    free(m);
}

void sc_mem_reset(sc_mem *m) {
    if (!m) return;
    for (int i = 0; i < m->n_pcs; i++) {
        mem_pc *pc = &m->pcs[i];
        memset(pc->banks, 0, (size_t)m->banks_per_pc * sizeof *pc->banks);
        memset(pc->bg_act_ok, 0, (size_t)m->cfg.bank_groups * sizeof *pc->bg_act_ok);
        memset(pc->bg_col_ok, 0, (size_t)m->cfg.bank_groups * sizeof *pc->bg_col_ok);
        mem_bank *banks = pc->banks;
        uint64_t *ba = pc->bg_act_ok, *bc = pc->bg_col_ok;
        mem_burst *q = pc->q;
        uint32_t *pend = pc->pend;
        memset(pc, 0, sizeof *pc);
        pc->pend = pend;
        pc->banks = banks;
        pc->bg_act_ok = ba;
        pc->bg_col_ok = bc;
        pc->q = q;
        /* All PCs refresh together: with an in-order requester a refresh in any PC stalls the
         * stream anyway, so aligned refreshes cost tRFC/tREFI once rather than once per PC. */
        pc->next_ref = m->t.refi;
    }
    sc_mem_clear_stats(m);
}

void sc_mem_get_geometry(const sc_mem *m, sc_mem_geometry *out) {
    memset(out, 0, sizeof *out);
    out->capacity = m->n_bursts * (uint64_t)m->cfg.burst_bytes;
    out->peak_bw = m->peak_bw;
    out->n_pcs = m->n_pcs;
    out->pcs_per_channel = m->cfg.pseudo_channels;
    out->banks_per_pc = m->banks_per_pc;
    out->rows_per_bank = m->dims[SC_MEM_F_ROW];
    out->burst_bytes = (uint32_t)m->cfg.burst_bytes;
    out->t_burst_ps = m->t.burst;
    out->idle_read_ps = m->t.rcd + m->t.cl + m->t.burst + m->t.ctrl;
}

/* ---- Timing core ---- */

/* All-bank refresh: banks are precharged, then locked for tRFC. Refreshes that fell entirely
 * inside an idle gap are counted without being replayed one by one. */
int mem_refresh_until(sc_mem *m, mem_pc *pc, uint64_t t) {
    if (!m->params.refresh || m->t.refi == 0 || m->t.rfc == 0 || t < pc->next_ref) return 0;
    uint64_t skipped = (t - pc->next_ref) / m->t.refi;
    if (skipped) {
        pc->next_ref += skipped * m->t.refi;
        m->st.refreshes += skipped;
        for (int b = 0; b < m->banks_per_pc; b++)
            pc->banks[b].open = 0;
    }
    /* Open banks precharge in parallel (PREab), each once its tRAS/tRTP/tWR allow. */
    uint64_t due = pc->next_ref, start = due;
    for (int b = 0; b < m->banks_per_pc; b++) {
        const mem_bank *bk = &pc->banks[b];
        uint64_t ready = bk->open ? SC_MAX(due, bk->pre_ready) + m->t.rp : bk->act_ready;
        start = SC_MAX(start, ready);
    }
    uint64_t end = start + m->t.rfc;
    for (int b = 0; b < m->banks_per_pc; b++) {
        pc->banks[b].open = 0;
        pc->banks[b].act_ready = end;
    }
    pc->next_ref += m->t.refi;
    m->st.refreshes++;
    return 1;
}

/* Places an ACT no earlier than `t` that respects tRRD_S/L and the four-activate window. */
static uint64_t place_act(sc_mem *m, mem_pc *pc, uint32_t bg, uint64_t t) {
    t = SC_MAX(t, pc->act_ok);
    t = SC_MAX(t, pc->bg_act_ok[bg]);
    t = SC_MAX(t, pc->faw[pc->faw_pos]);
    pc->act_ok = t + m->t.rrd_s;
    pc->bg_act_ok[bg] = t + m->t.rrd_l;
    pc->faw[pc->faw_pos] = t + m->t.faw;
    pc->faw_pos = (pc->faw_pos + 1) & 3;
    return t;
}

uint64_t mem_hit_ready(const sc_mem *m, const mem_pc *pc, const mem_burst *b) {
    const mem_bank *bk = &pc->banks[b->bank_id];
    uint64_t t = SC_MAX(bk->col_ready, pc->col_ok);
    t = SC_MAX(t, pc->bg_col_ok[b->bg]);
    return SC_MAX(t, b->is_write ? pc->wr_ok : pc->rd_ok);
}

int mem_open_row(sc_mem *m, mem_pc *pc, const mem_burst *b, uint64_t floor) {
    mem_bank *bk = &pc->banks[b->bank_id];
    if (bk->open && bk->row == b->row) return MEM_HIT;
    uint64_t act = SC_MAX(floor, bk->act_ready);
    int kind = MEM_MISS;
    if (bk->open) {
        kind = MEM_CONFLICT;
        act = SC_MAX(act, SC_MAX(floor, bk->pre_ready) + m->t.rp);
    }
    act = place_act(m, pc, b->bg, act);
    bk->open = 1;
    bk->row = b->row;
    bk->col_ready = act + m->t.rcd;
    bk->pre_ready = act + m->t.ras;
    bk->act_ready = act + m->t.ras + m->t.rp; /* tRC */
    return kind;
}

uint64_t mem_issue(sc_mem *m, mem_pc *pc, const mem_burst *b, uint64_t floor_act,
                   uint64_t floor_col, int *kind, uint64_t *col_out) {
    *kind = mem_open_row(m, pc, b, floor_act);
    uint64_t col = SC_MAX(pc->banks[b->bank_id].col_ready, floor_col);
    col = SC_MAX(col, pc->col_ok);
    col = SC_MAX(col, pc->bg_col_ok[b->bg]);
    col = SC_MAX(col, b->is_write ? pc->wr_ok : pc->rd_ok);
    uint64_t lat = b->is_write ? m->t.wl : m->t.cl;
    if (col + lat < pc->bus_free) col = pc->bus_free - lat; /* data bus still busy */
    uint64_t data_end = col + lat + m->t.burst;
    mem_bank *bk = &pc->banks[b->bank_id];
    pc->bus_free = data_end;
    pc->col_ok = col + m->t.ccd_s;
    pc->bg_col_ok[b->bg] = col + m->t.ccd_l;
    if (b->is_write) {
        pc->rd_ok = SC_MAX(pc->rd_ok, data_end + m->t.wtr);
        bk->pre_ready = SC_MAX(bk->pre_ready, data_end + m->t.wr);
    } else {
        pc->wr_ok = SC_MAX(pc->wr_ok, col + m->t.rtw);
        bk->pre_ready = SC_MAX(bk->pre_ready, col + m->t.rtp);
    }
    pc->busy_ps += m->t.burst;
    *col_out = col;
    return data_end;
}

/* ---- Immediate mode ---- */

sc_status sc_mem_access(sc_mem *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t arrival_ps,
                        uint64_t *done_ps, sc_err *err) {
    if (!m || !done_ps) return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_access: NULL argument");
    uint64_t cap = m->n_bursts * (uint64_t)m->cfg.burst_bytes;
    if (bytes == 0 || addr >= cap || bytes > cap - addr)
        return sc_err_set(
            err, SC_ERR_INVALID_ARG, "access [0x%llx, +%llu) is empty or beyond %llu bytes",
            (unsigned long long)addr, (unsigned long long)bytes, (unsigned long long)cap);
    uint64_t bb = (uint64_t)m->cfg.burst_bytes, done = 0;
    for (uint64_t k = addr / bb; k <= (addr + bytes - 1) / bb; k++) {
        sc_mem_coord c;
        mem_decode_burst(m, k, &c);
        mem_pc *pc = &m->pcs[mem_pc_index(m, &c)];
        mem_burst b = {arrival_ps,
                       c.row,
                       0,
                       (uint16_t)mem_bank_id(m, &c),
                       (uint16_t)c.bg,
                       (uint8_t)(is_write != 0),
                       MEM_HIT};
        mem_refresh_until(m, pc, arrival_ps);
        int kind;
        uint64_t col;
        uint64_t end = mem_issue(m, pc, &b, arrival_ps, arrival_ps, &kind, &col);
        mem_record_burst(m, kind);
        done = SC_MAX(done, end);
    }
    *done_ps = done + m->t.ctrl;
    mem_record_request(m, arrival_ps, *done_ps, bytes, is_write);
    return SC_OK;
}

/* ---- Statistics ---- */

static int floor_log2_u64(uint64_t v) {
    int r = 0;
    while (v >>= 1)
        r++;
    return r;
}

/* Log-linear bucket: exact below 128 ps, then 64 sub-buckets per power of two. */
static size_t hist_bucket(uint64_t v) {
    if (v < 2 * MEM_HIST_SUB) return (size_t)v;
    int e = floor_log2_u64(v) - 6;
    return (size_t)e * MEM_HIST_SUB + (size_t)(v >> e);
}

static uint64_t hist_value(size_t b) {
    if (b < 2 * MEM_HIST_SUB) return b;
    size_t e = b / MEM_HIST_SUB - 1;
    uint64_t mant = b - e * MEM_HIST_SUB;
    return (mant << e) + ((uint64_t)1 << e) / 2;
}

void mem_record_request(sc_mem *m, uint64_t issue_ps, uint64_t done_ps, uint64_t bytes,
                        int is_write) {
    sc_mem_stats *s = &m->st;
    uint64_t lat = done_ps - issue_ps;
    if (s->requests == 0 || issue_ps < s->first_ps) s->first_ps = issue_ps;
    if (done_ps > s->last_ps) s->last_ps = done_ps;
    if (s->requests == 0 || lat < s->lat_min_ps) s->lat_min_ps = lat;
    if (lat > s->lat_max_ps) s->lat_max_ps = lat;
    s->requests++;
    s->bytes += bytes;
    if (is_write)
        s->writes++;
    else
        s->reads++;
    s->lat_sum_ps += (double)lat;
    m->hist[hist_bucket(lat)]++;
}

void mem_record_burst(sc_mem *m, int kind) {
    m->st.bursts++;
    if (kind == MEM_HIT)
        m->st.row_hits++;
    else if (kind == MEM_MISS)
        m->st.row_misses++;
    else
        m->st.row_conflicts++;
}

void sc_mem_get_stats(const sc_mem *m, sc_mem_stats *out) {
    *out = m->st;
}

void sc_mem_clear_stats(sc_mem *m) {
    memset(&m->st, 0, sizeof m->st);
    memset(m->hist, 0, MEM_HIST_BUCKETS * sizeof *m->hist);
    for (int i = 0; i < m->n_pcs; i++)
        m->pcs[i].busy_ps = 0;
}

uint64_t sc_mem_latency_percentile(const sc_mem *m, double pct) {
    uint64_t n = m->st.requests;
    if (n == 0) return 0;
    if (!(pct > 0)) return m->st.lat_min_ps;
    if (pct >= 100) return m->st.lat_max_ps;
    uint64_t rank = (uint64_t)ceil(pct / 100.0 * (double)n), seen = 0;
    if (rank < 1) rank = 1;
    for (size_t b = 0; b < MEM_HIST_BUCKETS; b++) {
        seen += m->hist[b];
        if (seen >= rank) {
            uint64_t v = hist_value(b);
            return SC_MIN(SC_MAX(v, m->st.lat_min_ps), m->st.lat_max_ps);
        }
    }
    return m->st.lat_max_ps;
}

uint64_t sc_mem_pc_busy_ps(const sc_mem *m, int pc_index) {
    if (pc_index < 0 || pc_index >= m->n_pcs) return 0;
    return m->pcs[pc_index].busy_ps;
}

uint64_t sc_mem_channel_busy_ps(const sc_mem *m, int stack, int channel) {
    if (stack < 0 || stack >= m->cfg.stacks || channel < 0 || channel >= m->cfg.channels) return 0;
    uint64_t sum = 0;
    int first = (stack * m->cfg.channels + channel) * m->cfg.pseudo_channels;
    for (int p = 0; p < m->cfg.pseudo_channels; p++)
        sum += m->pcs[first + p].busy_ps;
    return sum;
}

void sc_mem_summarize(const sc_mem *m, sc_mem_summary *out) {
    memset(out, 0, sizeof *out);
    const sc_mem_stats *s = &m->st;
    out->peak_gbs = m->peak_bw / 1e9;
    if (s->requests == 0) return;
    double elapsed_s = (double)(s->last_ps - s->first_ps) * 1e-12;
    out->elapsed_ns = elapsed_s * 1e9;
    out->bandwidth_gbs = elapsed_s > 0 ? (double)s->bytes / elapsed_s / 1e9 : 0;
    out->fraction_of_peak = out->bandwidth_gbs / out->peak_gbs;
    out->mean_latency_ns = s->lat_sum_ps / (double)s->requests / 1000.0;
    out->p50_latency_ns = (double)sc_mem_latency_percentile(m, 50) / 1000.0;
    out->p99_latency_ns = (double)sc_mem_latency_percentile(m, 99) / 1000.0;
    out->max_latency_ns = (double)s->lat_max_ps / 1000.0;
    out->row_hit_rate = s->bursts ? (double)s->row_hits / (double)s->bursts : 0;
}
