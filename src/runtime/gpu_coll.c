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
 * one 25 us step). Only where the config states an NVLS efficiency. */
#define NVLS_LATENCY_S 25e-6

/*
 * All-reduce over `chips` chips as NCCL runs it: each protocol of the ring (and NVLS where the
 * fabric reduces in the switch) gives base + 2(p-1) steps + 2(p-1)/p of the message at its share
 * of the chip's link bandwidth x efficiency.link, and NCCL picks the fastest, as its tuner does.
 * NCCL's base latencies include its kernel launch, so kernel_launch is not added again;
 * efficiency.collective_latency (synchronisation and handshake beyond NCCL's model) is paid once.
 * Shared by runtime/llm_perf (tensor-parallel all-reduces on GPU configs) and report/validate
 * (the collective rows that calibrate it), so the fitted link efficiencies mean one thing.
 */
double sc_gpu_allreduce_seconds(const sc_chip *c, double bytes, int chips) {
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
