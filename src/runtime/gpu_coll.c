// SPDX-License-Identifier: Apache-2.0
// All-reduce time on GPU configs as NCCL's tuner models it (ring LL/LL128/Simple, NVLS).
#include <math.h>

#include "runtime/llm_perf.h"

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
 * one 25 us step; efficiency.nvls_latency replaces that where fitted). Only where the config
 * states an NVLS efficiency. */
#define NVLS_LATENCY_S 25e-6

/* Bandwidth (bytes/s) protocol i reaches: LL carries a 4-byte flag per 4-byte datum and NCCL
 * gives it 1/4 of the bus for all-reduce; LL128 sends 120 of every 128 bytes (0.92), but NCCL
 * caps it per channel (tuning.cc ll128MaxBwPerCh x channels), which efficiency.ll128 states as a
 * fraction of the link bandwidth where fitted; Simple uses all of it. */
static double proto_bw(const sc_chip *c, size_t i, double ring_bw) {
    if (i == 0) return ring_bw * PROTOS[0].bw;
    if (i == 1 && c->eff_ll128 > 0) return c->eff_ll128 * c->link_count * c->link_bw;
    return ring_bw * PROTOS[i].bw;
}

/* One ring protocol: base + 2(p-1) steps (NCCL's per-step latency plus efficiency.collective_hop,
 * the switch hop and flag round trip NCCL's constants leave out) + 2(p-1)/p of the message at the
 * protocol's bandwidth. Simple is store-and-forward per chunk (a step forwards a buffer slot only
 * when its flag says the whole slot arrived; LL and LL128 forward every 8- or 128-byte line), so
 * it also pays the fill: 2(p-1) chunks of efficiency.collective_chunk bytes, or of the rank's
 * share of the message when that is smaller. */
static double ring_seconds(const sc_chip *c, size_t i, double bytes, double p, double ring_bw) {
    double steps = 2.0 * (p - 1);
    double t = PROTOS[i].base_s + steps * (PROTOS[i].step_s + c->coll_hop_s) +
               steps / p * bytes / proto_bw(c, i, ring_bw);
    if (i == 2 && c->coll_chunk > 0) t += steps * fmin(c->coll_chunk, bytes / p) / ring_bw;
    return t;
}

/*
 * All-reduce over `chips` chips as NCCL runs it: each protocol of the ring (and NVLS where the
 * fabric reduces in the switch) gives its time (ring_seconds; NVLS: its latency + the message at
 * efficiency.nvls of the link bandwidth), and NCCL picks the fastest, as its tuner does. NCCL's
 * base latencies include its kernel launch, so kernel_launch is not added again;
 * efficiency.collective_latency (synchronisation and handshake beyond NCCL's model) is paid once.
 * Shared by runtime/llm_perf (tensor-parallel all-reduces on GPU configs) and report/validate
 * (the collective rows that calibrate it), so the fitted link efficiencies mean one thing.
 */
double sc_gpu_allreduce_seconds(const sc_chip *c, double bytes, int chips) {
    double link_bw = c->link_count * c->link_bw;
    double ring_bw = link_bw * (c->eff_link > 0 ? c->eff_link : 1.0);
    double best = INFINITY;
    for (size_t i = 0; i < sizeof PROTOS / sizeof PROTOS[0] && ring_bw > 0; i++)
        best = fmin(best, ring_seconds(c, i, bytes, chips, ring_bw));
    double nvls_lat = c->nvls_latency_s > 0 ? c->nvls_latency_s : NVLS_LATENCY_S;
    if (c->eff_nvls > 0 && link_bw > 0)
        best = fmin(best, nvls_lat + bytes / (link_bw * c->eff_nvls));
    return c->collective_latency_s + best;
}
