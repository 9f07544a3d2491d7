// SPDX-License-Identifier: Apache-2.0
// Kernel-level time models the validation predicts with: tiled GEMM, streaming copy, all-reduce.
#include <math.h>

#include "isa/isa.h"
#include "report/validate.h"

sc_val_eff sc_val_eff_from_chip(const sc_chip *c) {
    sc_val_eff e;
    e.matmul = c->eff_matmul;
    e.memory = c->eff_memory;
    e.launch = c->kernel_launch_s;
    e.coll_latency = c->collective_latency_s;
    e.link = c->eff_link > 0 ? c->eff_link : 1.0; /* optional key: absent means ideal */
    e.nvls = c->eff_nvls;
    return e;
}

void sc_val_eff_to_chip(const sc_val_eff *e, sc_chip *c) {
    c->eff_matmul = e->matmul;
    c->eff_memory = e->memory;
    c->kernel_launch_s = e->launch;
    c->collective_latency_s = e->coll_latency;
    c->eff_link = e->link;
    c->eff_nvls = e->nvls;
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
 * Time of `batch` independent GEMMs = launch + max(compute, HBM):
 *  - compute: output tiles of tm x tn (multiples of the systolic array, up to 8x, whose
 *    double-buffered operands fit the scratchpad as in src/compiler/gemm.c) are spread over the
 *    cores in waves; each wave costs one tile's MACs at the core's MMA rate times
 *    efficiency.matmul. Of the feasible tiles the fastest is taken, as GEMM libraries autotune
 *    (gemm.c minimises traffic instead; for the GPUs, whose re-reads hit L2, waves matter more).
 *    Wave quantisation is what makes small and odd-shaped GEMMs slow.
 *  - HBM: A, B and C cross HBM once (compulsory traffic) at efficiency.memory of the pin
 *    bandwidth. Tile re-reads are assumed to hit the shared SRAM (the GPUs' L2).
 * The larger of the two wins because GPUs and SeedChip overlap loads with MMAs (double buffering).
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
    double bytes = batch * ((m * k + k * n) * es + m * n * out_bytes(t));
    double mem_s = bytes / (sc_dram_bandwidth(&c->hbm) * c->eff_memory);
    *seconds = c->kernel_launch_s + overlap(best, mem_s);
    return SC_OK;
}

/* A streaming kernel (copy, triad, dot, weight read) is HBM bound: launch + bytes at the
 * achievable fraction of the pin bandwidth. */
double sc_val_stream_seconds(const sc_chip *c, double bytes) {
    return c->kernel_launch_s + bytes / (sc_dram_bandwidth(&c->hbm) * c->eff_memory);
}

/* NCCL's ring protocols as its own tuning model describes them (src/graph/tuning.cc, NCCL
 * 2.18-2.21, NVLink rows): a base latency per collective, a latency per ring step, and the share of
 * the bus bandwidth the protocol's wire format carries (LL: a 4-byte flag per 4-byte datum and,
 * for all-reduce, 1/4 of the bus bandwidth; LL128: 120 of 128 bytes, 0.92 as NCCL uses; Simple:
 * all of it, with the largest per-step latency). */
static const struct nccl_proto {
    double base_s, step_s, bw;
} PROTOS[] = {{6.6e-6, 0.6e-6, 0.25}, {14.0e-6, 1.9e-6, 0.92}, {8.4e-6, 3.4e-6, 1.0}};

/* NVLS (NVLink SHARP, NVSwitch 3): the switch reduces, so each GPU sends and receives its bytes
 * once instead of 2(p-1)/p of them around a ring, after one switch round trip (NCCL models it as
 * one 25 us step). Only where the config states an NVLS efficiency. */
#define NVLS_LATENCY_S 25e-6

/*
 * All-reduce over `chips` chips as NCCL runs it: each protocol of the ring (and NVLS where the
 * fabric reduces in the switch) gives base + 2(p-1) steps + 2(p-1)/p of the message at its share
 * of the chip's link bandwidth x efficiency.link, and NCCL picks the fastest, as its tuner does.
 * NCCL's base latencies include its kernel launch, so kernel_launch is not added again;
 * efficiency.collective_latency (synchronisation and handshake beyond NCCL's model; the meaning
 * runtime/llm_perf gives it on top of its simulated collectives) is paid once.
 */
double sc_val_allreduce_seconds(const sc_chip *c, double bytes, int chips) {
    double p = chips, steps = 2.0 * (p - 1);
    double link_bw = c->link_count * c->link_bw;
    double ring_bw = link_bw * (c->eff_link > 0 ? c->eff_link : 1.0);
    double best = INFINITY;
    for (size_t i = 0; i < sizeof PROTOS / sizeof PROTOS[0] && ring_bw > 0; i++) {
        const struct nccl_proto *q = &PROTOS[i];
        double t = q->base_s + steps * q->step_s + steps / p * bytes / (ring_bw * q->bw);
        best = fmin(best, t);
    }
    if (c->eff_nvls > 0 && link_bw > 0)
        best = fmin(best, NVLS_LATENCY_S + bytes / (link_bw * c->eff_nvls));
    return c->collective_latency_s + best;
}
