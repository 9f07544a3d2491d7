// SPDX-License-Identifier: Apache-2.0
// Run statistics (energy by component), the JSON report and the Chrome/Perfetto trace.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* Sustained runs cannot draw more than the power budget: MACs whose energy needs longer than
 * the nominal-clock run at tdp - idle stretch it (the chip lowers its clock). */
static void power_limit(sc_sim *s, sc_sim_stats *st) {
    double budget = (s->chip.tdp_w - s->chip.idle_w) * s->p.n_chips;
    double floor_s = budget > 0 ? st->energy_mac / budget : 0;
    st->power_limited = !s->p.burst && floor_s > st->seconds;
    if (!st->power_limited) return;
    st->seconds = floor_s;
    st->hbm_bandwidth_gbs = (st->bytes_hbm_read + st->bytes_hbm_write) / st->seconds / 1e9;
}

void sim_finish_stats(sc_sim *s) {
    sc_sim_stats *st = &s->st;
    const sc_chip *c = &s->chip;
    st->cycles = s->end_cycle;
    st->seconds = (double)st->cycles / c->clock_hz;
    st->cores = s->n_cores;
    st->chips = s->p.n_chips;
    st->dma_engines = c->dma_engines;
    /* Row statistics: each pattern's probe, scaled to the bytes moved with that pattern. */
    memset(&st->hbm, 0, sizeof st->hbm);
    st->hbm.bursts = (uint64_t)(s->hbm_bursts + 0.5);
    st->hbm.row_hits = (uint64_t)(s->hbm_hits + 0.5);
    st->hbm.row_misses = (uint64_t)(s->hbm_misses + 0.5);
    st->hbm.row_conflicts = (uint64_t)(s->hbm_conflicts + 0.5);
    st->hbm.bytes = (uint64_t)(st->bytes_hbm_read + st->bytes_hbm_write);
    st->hbm_row_hit_rate = s->hbm_bursts > 0 ? s->hbm_hits / s->hbm_bursts : 0;
    double hbm_bytes = st->bytes_hbm_read + st->bytes_hbm_write;
    st->hbm_bandwidth_gbs = st->seconds > 0 ? hbm_bytes / st->seconds / 1e9 : 0;
    /* energy_mac and energy_vec accumulate per instruction; the rest are per byte / per second */
    st->energy_spad = st->bytes_spad * c->e_scratchpad_byte;
    st->energy_shared = st->bytes_shared * c->e_shared_sram_byte;
    st->energy_noc = st->bytes_noc * c->e_noc_byte;
    st->energy_hbm = hbm_bytes * c->e_hbm_byte;
    st->energy_link = st->bytes_link * c->e_link_byte;
    power_limit(s, st);
    st->energy_static = c->idle_w * st->seconds * s->p.n_chips;
    st->energy_total = st->energy_mac + st->energy_vec + st->energy_spad + st->energy_shared +
                       st->energy_noc + st->energy_hbm + st->energy_link + st->energy_static;
}

void sc_sim_get_stats(const sc_sim *s, sc_sim_stats *out) {
    if (!s || !out) return;
    *out = s->st;
}

static double frac(double busy, double cycles, double units) {
    return cycles > 0 && units > 0 ? busy / (cycles * units) : 0;
}

static cJSON *busy_json(const sc_sim *s) {
    const sc_sim_stats *st = &s->st;
    double cyc = (double)st->cycles, cores = (double)s->n_cores * s->p.n_chips;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "mma", frac(st->mma_busy, cyc, cores));
    cJSON_AddNumberToObject(b, "vec", frac(st->vec_busy, cyc, cores));
    cJSON_AddNumberToObject(b, "dma", frac(st->dma_busy, cyc, cores * s->chip.dma_engines));
    cJSON_AddNumberToObject(b, "noc", frac(st->noc_busy, cyc, cores));
    cJSON_AddNumberToObject(
        b, "link", frac(st->link_busy, cyc, (double)s->p.n_chips * SC_MAX(s->chip.link_count, 1)));
    return b;
}

static cJSON *bytes_json(const sc_sim_stats *st) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddNumberToObject(b, "hbm_read", st->bytes_hbm_read);
    cJSON_AddNumberToObject(b, "hbm_write", st->bytes_hbm_write);
    cJSON_AddNumberToObject(b, "hbm", st->bytes_hbm_read + st->bytes_hbm_write);
    cJSON_AddNumberToObject(b, "lpddr", st->bytes_lpddr);
    cJSON_AddNumberToObject(b, "shared", st->bytes_shared);
    cJSON_AddNumberToObject(b, "hbm_cached", st->bytes_hbm_cached);
    cJSON_AddNumberToObject(b, "spad", st->bytes_spad);
    cJSON_AddNumberToObject(b, "noc", st->bytes_noc);
    cJSON_AddNumberToObject(b, "link", st->bytes_link);
    return b;
}

static cJSON *hbm_json(const sc_sim *s) {
    const sc_sim_stats *st = &s->st;
    cJSON *h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "row_hit_rate", st->hbm_row_hit_rate);
    cJSON_AddNumberToObject(h, "bandwidth_gbs", st->hbm_bandwidth_gbs);
    double peak = sc_dram_bandwidth(&s->chip.hbm) * s->p.n_chips;
    cJSON_AddNumberToObject(h, "peak_gbs", peak / 1e9);
    cJSON_AddNumberToObject(h, "fraction_of_peak",
                            peak > 0 ? st->hbm_bandwidth_gbs * 1e9 / peak : 0);
    cJSON_AddNumberToObject(h, "stream_efficiency", s->hbm_stream_eff);
    cJSON_AddNumberToObject(h, "modelled_bursts", (double)st->hbm.bursts);
    cJSON_AddNumberToObject(h, "row_hits", (double)st->hbm.row_hits);
    cJSON_AddNumberToObject(h, "row_misses", (double)st->hbm.row_misses);
    cJSON_AddNumberToObject(h, "row_conflicts", (double)st->hbm.row_conflicts);
    cJSON_AddNumberToObject(h, "idle_latency_ns", (double)s->hbm_latency_ps / 1e3);
    cJSON_AddNumberToObject(h, "patterns", s->n_sigs);
    return h;
}

static cJSON *energy_json(const sc_sim_stats *st) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "mac", st->energy_mac);
    cJSON_AddNumberToObject(e, "vec", st->energy_vec);
    cJSON_AddNumberToObject(e, "spad", st->energy_spad);
    cJSON_AddNumberToObject(e, "shared", st->energy_shared);
    cJSON_AddNumberToObject(e, "noc", st->energy_noc);
    cJSON_AddNumberToObject(e, "hbm", st->energy_hbm);
    cJSON_AddNumberToObject(e, "link", st->energy_link);
    cJSON_AddNumberToObject(e, "static", st->energy_static);
    cJSON_AddNumberToObject(e, "total", st->energy_total);
    return e;
}

char *sc_sim_stats_json(const sc_sim *s) {
    if (!s) return NULL;
    const sc_sim_stats *st = &s->st;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "chip", s->chip.name);
    cJSON_AddNumberToObject(o, "chips", s->p.n_chips);
    cJSON_AddNumberToObject(o, "cycles", (double)st->cycles);
    cJSON_AddNumberToObject(o, "seconds", st->seconds);
    cJSON_AddNumberToObject(o, "insns", (double)st->insns);
    cJSON_AddNumberToObject(o, "flops", st->flops);
    cJSON_AddNumberToObject(o, "macs", st->macs);
    cJSON *md = cJSON_AddObjectToObject(o, "macs_by_dtype");
    for (int d = 0; md && d < SC_DTYPE_COUNT; d++)
        if (st->macs_by_dtype[d] > 0)
            cJSON_AddNumberToObject(md, sc_isa_dtype_name((sc_dtype)d), st->macs_by_dtype[d]);
    cJSON_AddNumberToObject(o, "vec_ops", st->vec_ops);
    cJSON_AddNumberToObject(o, "tflops", st->seconds > 0 ? st->flops / st->seconds / 1e12 : 0);
    cJSON_AddItemToObject(o, "busy", busy_json(s));
    cJSON_AddItemToObject(o, "bytes", bytes_json(st));
    cJSON_AddItemToObject(o, "hbm", hbm_json(s));
    cJSON_AddItemToObject(o, "energy_j", energy_json(st));
    cJSON_AddNumberToObject(o, "energy_total_j", st->energy_total);
    cJSON_AddNumberToObject(o, "average_power_w",
                            st->seconds > 0 ? st->energy_total / st->seconds : 0);
    cJSON_AddBoolToObject(o, "power_limited", st->power_limited);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}

/* ---- Chrome trace ---- */

static void meta(cJSON *arr, const char *what, int pid, int tid, const char *name) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", what);
    cJSON_AddStringToObject(e, "ph", "M");
    cJSON_AddNumberToObject(e, "pid", pid);
    cJSON_AddNumberToObject(e, "tid", tid);
    cJSON *a = cJSON_AddObjectToObject(e, "args");
    cJSON_AddStringToObject(a, "name", name);
    cJSON_AddItemToArray(arr, e);
}

static void thread_name(int pid, int tid, char *buf, size_t n) {
    static const char *Q[] = {"load queue", "compute queue", "store queue", "mma", "vec"};
    if (pid % SIM_PID_CHIP == SIM_PID_HBM)
        snprintf(buf, n, "channel %d", tid);
    else if (tid < 5)
        snprintf(buf, n, "%s", Q[tid]);
    else
        snprintf(buf, n, "dma engine %d", tid - SIM_TID_DMA);
}

static int cmp_pair(const void *a, const void *b) {
    const int *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* Names each process (core, HBM) and thread (queue, unit, engine, channel) that appears once. */
static void add_names(const sc_sim *s, cJSON *arr) {
    int *pairs = malloc((s->n_ev + 1) * 2 * sizeof *pairs);
    if (!pairs) return;
    for (size_t i = 0; i < s->n_ev; i++)
        pairs[2 * i] = s->ev[i].pid, pairs[2 * i + 1] = s->ev[i].tid;
    qsort(pairs, s->n_ev, 2 * sizeof *pairs, cmp_pair);
    char name[64];
    for (size_t i = 0; i < s->n_ev; i++) {
        int pid = pairs[2 * i], tid = pairs[2 * i + 1];
        if (i > 0 && pairs[2 * i - 2] == pid && pairs[2 * i - 1] == tid) continue;
        if (i == 0 || pairs[2 * i - 2] != pid) {
            int chip = pid / SIM_PID_CHIP, local = pid % SIM_PID_CHIP;
            if (local == SIM_PID_HBM)
                snprintf(name, sizeof name, "chip %d HBM", chip);
            else
                snprintf(name, sizeof name, "chip %d core %d", chip, local);
            meta(arr, "process_name", pid, 0, name);
        }
        thread_name(pid, tid, name, sizeof name);
        meta(arr, "thread_name", pid, tid, name);
    }
    free(pairs);
}

char *sc_sim_trace_json(const sc_sim *s) {
    if (!s) return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "traceEvents");
    double us = 1e6 / s->chip.clock_hz;
    add_names(s, arr);
    for (size_t i = 0; i < s->n_ev; i++) {
        const trace_ev *e = &s->ev[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", e->name);
        cJSON_AddStringToObject(x, "ph", "X");
        cJSON_AddNumberToObject(x, "pid", e->pid);
        cJSON_AddNumberToObject(x, "tid", e->tid);
        cJSON_AddNumberToObject(x, "ts", (double)e->ts * us);
        cJSON_AddNumberToObject(x, "dur", (double)e->dur * us);
        cJSON_AddItemToArray(arr, x);
    }
    cJSON_AddStringToObject(o, "displayTimeUnit", "ns");
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(md, "chip", s->chip.name);
    cJSON_AddNumberToObject(md, "dropped_events", (double)s->dropped_ev);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}
