// SPDX-License-Identifier: Apache-2.0
// Kernel-level time models the validation predicts with: tiled GEMM, streaming copy, all-reduce.
#include <math.h>

#include "isa/isa.h"
#include "report/validate.h"
#include "runtime/llm_perf.h"

sc_val_eff sc_val_eff_from_chip(const sc_chip *c) {
    sc_val_eff e;
    e.matmul = c->eff_matmul;
    e.memory = c->eff_memory;
    e.launch = c->kernel_launch_s;
    e.coll_latency = c->collective_latency_s;
    e.link = c->eff_link > 0 ? c->eff_link : 1.0; /* optional key: absent means ideal */
    e.nvls = c->eff_nvls;
    e.attention = c->eff_attention > 0 ? c->eff_attention : 1.0; /* optional: absent is 1 */
    e.attn_prefill = c->eff_attention_prefill;
    e.step = c->step_overhead_s;
    e.attn_floor = c->attn_floor_s;
    e.host_sync = c->host_sync_s;
    e.hop = c->coll_hop_s;
    e.ll128 = c->eff_ll128;
    e.chunk = c->coll_chunk;
    e.nvls_lat = c->nvls_latency_s;
    e.write = c->mem_write;
    e.attn_copy = c->attn_copy_rate;
    return e;
}

void sc_val_eff_to_chip(const sc_val_eff *e, sc_chip *c) {
    c->eff_matmul = e->matmul;
    c->eff_memory = e->memory;
    c->kernel_launch_s = e->launch;
    c->collective_latency_s = e->coll_latency;
    c->eff_link = e->link;
    c->eff_nvls = e->nvls;
    c->eff_attention = e->attention;
    c->eff_attention_prefill = e->attn_prefill;
    c->step_overhead_s = e->step;
    c->attn_floor_s = e->attn_floor;
    c->host_sync_s = e->host_sync;
    c->coll_hop_s = e->hop;
    c->eff_ll128 = e->ll128;
    c->coll_chunk = e->chunk;
    c->nvls_latency_s = e->nvls_lat;
    c->attn_copy_rate = e->attn_copy;
    c->mem_write = e->write;
}

/* Bytes of one output element: accumulators are written back in the activation format
 * (bf16/fp16, also for fp8 inputs as cuBLASLt and DeepGEMM do), int8 GEMMs write int32. */
static double out_bytes(sc_dtype t) {
    if (t == SC_DTYPE_FP32 || t == SC_DTYPE_INT8) return 4;
    return 2;
}

static double ceil_div(double a, double b) {
    return ceil(a / b);
}

/* Compute and HBM time of one kernel overlap, but not perfectly: near the ridge point both
 * pipelines stall each other (the roofline's corner is round on every measured GPU). A p-norm
 * with p = OVERLAP_P gives max(a, b) far from the ridge and 2^(1/p) x max(a, b) on it. */
#ifndef OVERLAP_P
#define OVERLAP_P 2.0
#endif
static double overlap(double a, double b) {
    double m = fmax(a, b);
    if (m <= 0) return 0;
    return m * pow(pow(a / m, OVERLAP_P) + pow(b / m, OVERLAP_P), 1.0 / OVERLAP_P);
}

/* Scratchpad bytes of a tm x tn tile with double-buffered A/B K-slices of tk and an FP32 C tile,
 * the budget src/compiler/gemm.c plans with. */
static double spad_need(double tm, double tn, double tk, double es) {
    return 2 * (tm * tk + tk * tn) * es + tm * tn * 4;
}

/* MMA time of `tiles` output tiles of tm x tn over K on the chip's cores. When the tiles cannot
 * fill the cores, K is split (cuBLAS split-K / stream-K; SeedChip's compiler can reduce partial
 * tiles through the shared SRAM): up to cores/tiles slices, none shorter than one 256-deep step. */
static double mma_seconds(const sc_chip *c, double tiles, double tm, double tn, double k,
                          double core_macs) {
    double splits = fmax(1, fmin(floor(c->cores / tiles), floor(k / 256)));
    double waves = ceil_div(tiles * splits, c->cores);
    /* Each wave starts with its first operand slices in flight from HBM. */
    return waves *
           (c->hbm.controller_latency + tm * tn * (k / splits) / (core_macs * c->eff_matmul));
}

/*
 * Time of `batch` independent GEMMs = launch + max(compute, A/B from HBM) + C to HBM:
 *  - compute: output tiles of tm x tn (multiples of the systolic array, up to 8x, whose
 *    double-buffered operands fit the scratchpad as in src/compiler/gemm.c) are spread over the
 *    cores in waves; each wave costs one tile's MACs at the core's MMA rate times
 *    efficiency.matmul. Of the feasible tiles the fastest is taken, as GEMM libraries autotune
 *    (gemm.c minimises traffic instead; for the GPUs, whose re-reads hit L2, waves matter more).
 *    Wave quantisation is what makes small and odd-shaped GEMMs slow.
 *  - HBM: A, B and C cross HBM once (compulsory traffic) at efficiency.memory of the pin
 *    bandwidth. Tile re-reads are assumed to hit the shared SRAM (the GPUs' L2).
 * A and B loads overlap the MMAs (double buffering: the larger wins, with a rounded corner); the
 * C stores of the epilogue come after each tile's main loop and add to it.
 */
sc_status sc_val_gemm_seconds(const sc_chip *c, double batch, double m, double n, double k,
                              sc_dtype t, double *seconds, sc_err *err) {
    if ((unsigned)t >= SC_DTYPE_COUNT || c->mma_rate[t] <= 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s has no %s matrix path", c->name,
                          sc_dtype_name(t));
    if (m < 1 || n < 1 || k < 1 || batch < 1 || m > 1e7 || n > 1e7 || k > 1e7)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "gemm shape %gx%gx%g is out of range", m, n, k);
    double es = sc_isa_dtype_bytes(t);
    double rows = c->sa_rows, cols = c->sa_cols, tk = fmin(k, 128);
    double core_macs = c->clock_hz * c->sa_rows * c->sa_cols * c->mma_rate[t];
    double best = INFINITY;
    for (double tm = rows; tm <= 8 * rows; tm += rows) {
        for (double tn = cols; tn <= 8 * cols; tn += cols) {
            double etm = fmin(tm, ceil_div(m, rows) * rows),
                   etn = fmin(tn, ceil_div(n, cols) * cols);
            if (spad_need(etm, etn, tk, es) > c->scratchpad_bytes) continue;
            double tiles = batch * ceil_div(m, etm) * ceil_div(n, etn);
            best = fmin(best, mma_seconds(c, tiles, etm, etn, k, core_macs));
        }
    }
    if (!isfinite(best))
        return sc_err_set(err, SC_ERR_LIMIT, "no %dx%d tile fits %s's scratchpad", c->sa_rows,
                          c->sa_cols, c->name);
    /* A tile's main loop streams its A and B slices under the MMAs; its C tile is stored after
     * the loop (the epilogue), which nothing else on the core overlaps. That store is what a
     * short-K GEMM such as attention's Q.K^T (K = head dim) spends most of its time on. */
    double bw = sc_dram_bandwidth(&c->hbm) * c->eff_memory;
    double ab_s = batch * (m * k + k * n) * es / bw, c_s = batch * m * n * out_bytes(t) / bw;
    *seconds = c->kernel_launch_s + overlap(best, ab_s) + c_s;
    return SC_OK;
}

/* A streaming kernel (copy, triad, dot, weight read) is HBM bound: launch + bytes at the
 * achievable fraction of the pin bandwidth. Written bytes cost 1 + efficiency.memory_write of a
 * read: the data bus turns around between read and write bursts (tWTR, tRTW), which a read-only
 * stream never pays; copy (half writes) and triad (a third) run slower than dot on every
 * measured GPU. read_fraction 0 means not stated: read-only. */
double sc_val_stream_seconds(const sc_chip *c, double bytes, double read_fraction) {
    double writes = read_fraction > 0 ? 1.0 - fmin(read_fraction, 1.0) : 0.0;
    double bus = bytes * (1.0 + writes * c->mem_write);
    return c->kernel_launch_s + bus / (sc_dram_bandwidth(&c->hbm) * c->eff_memory);
}

/* All-reduce as NCCL runs it: the model lives in runtime (src/runtime/gpu_coll.c), where
 * llm_perf times the tensor-parallel all-reduces of GPU configs with it too. */
double sc_val_allreduce_seconds(const sc_chip *c, double bytes, int chips) {
    return sc_gpu_allreduce_seconds(c, bytes, chips);
}
