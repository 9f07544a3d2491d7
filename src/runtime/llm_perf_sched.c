// SPDX-License-Identifier: Apache-2.0
// Time of unequal attention thread blocks with copy phases, handed out in grid order to a GPU.
/*
 * A causal prompt's query tiles do unequal work: tile m of a chunk attends to the cached context
 * plus the chunk's rows up to its own, and an appending kernel (FlashAttention-2's Append_KV)
 * first copies those new K/V rows into the cache. The two phases of a thread block share the GPU
 * differently:
 *  - the copy is a synchronous loop (each thread loads 16 bytes, stores them, loads the next), so
 *    a block's copy lasts as long as its round trips, whatever the other blocks do, and holds its
 *    slot (one of occ per SM) meanwhile;
 *  - the attention proper streams KV blocks through the tensor cores, and the blocks computing at
 *    a time share the chip's throughput (its SMs, its L2 and HBM): each gets cores / n of it,
 *    never more than one SM's (an SM's worth of work per second).
 * Blocks are issued in grid order (FlashAttention-2: query tiles fastest, then sequences, then
 * heads) to free slots. An event-driven replay gives the last block's finish: with long copies of
 * unequal length (a prompt with no cache) the slots do not drain together; with compute alone it
 * is the work over the cores, rounded to whole waves only where too few blocks remain to share it.
 */
#include <stdlib.h>

#include "runtime/llm_perf_internal.h"

typedef struct slot {
    int phase;  /* 0 free, 1 copying, 2 computing */
    double rem; /* copy: seconds left; compute: work left (seconds at one SM's rate) */
    double work;
} slot;

/* Starts job i (copy seconds cp, then work) in slot s. */
static void start(slot *s, double cp, double work) {
    s->work = work;
    if (cp > 0)
        s->phase = 1, s->rem = cp;
    else
        s->phase = work > 0 ? 2 : 0, s->rem = work;
}

/* Gives slot s the next blocks in order until one has something to do (an empty block takes no
 * time and must not leave its slot idle while blocks wait). */
static void fill(slot *s, const double *copy, const double *work, size_t period, size_t n,
                 size_t *next) {
    s->phase = 0;
    while (s->phase == 0 && *next < n) {
        size_t j = (*next)++ % period;
        start(s, copy ? copy[j] : 0, work[j]);
    }
}

/* Seconds to the next phase end, at compute rate r per block. */
static double next_event(const slot *s, int n, double r) {
    double dt = -1;
    for (int i = 0; i < n; i++) {
        double d = s[i].phase == 1 ? s[i].rem : s[i].phase == 2 ? s[i].rem / r : -1;
        if (d >= 0 && (dt < 0 || d < dt)) dt = d;
    }
    return dt;
}

double lp_sched_makespan(const double *copy, const double *work, size_t period, size_t n, int cores,
                         int occ) {
    if (n == 0 || period == 0 || cores <= 0) return 0;
    int ns = cores * (occ < 1 ? 1 : occ);
    slot *s = calloc((size_t)ns, sizeof *s);
    if (!s) return -1;
    size_t next = 0;
    for (int i = 0; i < ns; i++)
        fill(&s[i], copy, work, period, n, &next);
    double t = 0;
    for (;;) {
        int comp = 0;
        for (int i = 0; i < ns; i++)
            comp += s[i].phase == 2;
        double r = comp > 0 && comp > cores ? (double)cores / comp : 1.0;
        double dt = next_event(s, ns, r);
        if (dt < 0) break; /* every slot free and nothing left */
        t += dt;
        for (int i = 0; i < ns; i++) {
            if (s[i].phase == 0) continue;
            s[i].rem -= s[i].phase == 1 ? dt : dt * r;
            if (s[i].rem > 1e-15 * (1.0 + t)) continue;
            if (s[i].phase == 1 && s[i].work > 0) {
                s[i].phase = 2, s[i].rem = s[i].work;
                continue;
            }
            fill(&s[i], copy, work, period, n, &next);
        }
    }
    free(s);
    return t;
}
