// SPDX-License-Identifier: Apache-2.0
// Shared SRAM as a cache in front of HBM (GPU L2): resident-line tracking for DMA timing.
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* Residency is kept per 32-byte sector (a GPU L2 fills and tracks sectors of its 128-byte lines:
 * a read of half a line leaves the other half absent, so the next read of it goes to HBM), grouped
 * into 64 KiB granules: the granule is the unit of allocation and replacement (one hash entry and
 * a 2048-bit sector map), so the bookkeeping per DMA is one lookup per granule a contiguous run
 * touches, never per element. */
#define L2_LINE_SHIFT 5
#define L2_GRAN_SHIFT 16
#define L2_LINES      (1u << (L2_GRAN_SHIFT - L2_LINE_SHIFT))
/* Bounds host memory (~280 bytes per granule): 65536 granules is a 4 GiB cache. */
#define L2_MAX_SLOTS (1u << 16)
/* A view with more contiguous runs than this is timed as all-miss without allocation (the old
 * behaviour): element-strided gathers would otherwise cost host time per element. */
#define L2_MAX_RUNS (1u << 14)
#define L2_EMPTY    UINT32_MAX

struct l2_slot {
    uint64_t gran;
    uint64_t bits[L2_LINES / 64];
    uint8_t ref, used;
};

static uint32_t slots_for(double sram_bytes) {
    double n = sram_bytes / (double)(1u << L2_GRAN_SHIFT);
    return n >= L2_MAX_SLOTS ? L2_MAX_SLOTS : (uint32_t)n;
}

static sc_status l2_alloc(sim_l2 *c, double sram_bytes) {
    c->n_slots = slots_for(sram_bytes);
    if (c->n_slots == 0) return SC_OK;
    uint32_t t = 1;
    while (t < 2 * c->n_slots)
        t <<= 1;
    c->slot = calloc(c->n_slots, sizeof *c->slot);
    c->tab = malloc((size_t)t * sizeof *c->tab);
    if (!c->slot || !c->tab) {
        sim_l2_free(c);
        return SC_ERR_NOMEM;
    }
    c->tab_mask = t - 1;
    memset(c->tab, 0xff, (size_t)t * sizeof *c->tab);
    return SC_OK;
}

/* One cluster read in flight: the block (memory, range, pattern hash), when the shared SRAM
 * delivered it and which members of the cluster took their copy. */
struct l2_mc {
    int mem_key;
    uint64_t lo, hi, sig, end;
    uint32_t taken; /* member bits */
    uint32_t next;  /* ring position for the cluster's next record (entry 0 of each ring) */
};

void sim_l2_reset(sim_l2 *c) {
    if (c->mc) memset(c->mc, 0, c->n_mc * sizeof *c->mc);
    if (!c->slot) return;
    memset(c->slot, 0, c->n_slots * sizeof *c->slot);
    memset(c->tab, 0xff, ((size_t)c->tab_mask + 1) * sizeof *c->tab);
    c->hand = c->last = 0;
}

void sim_l2_free(sim_l2 *c) {
    free(c->slot);
    free(c->tab);
    free(c->mc);
    memset(c, 0, sizeof *c);
}

static uint32_t l2_hash(const sim_l2 *c, uint64_t gran) {
    return (uint32_t)((gran * 0x9E3779B97F4A7C15ull) >> 32) & c->tab_mask;
}

/* Linear probing; returns the table position holding gran or the empty one ending its chain. */
static uint32_t l2_find(const sim_l2 *c, uint64_t gran) {
    uint32_t h = l2_hash(c, gran);
    while (c->tab[h] != L2_EMPTY && c->slot[c->tab[h]].gran != gran)
        h = (h + 1) & c->tab_mask;
    return h;
}

/* Backward-shift deletion keeps every chain unbroken without tombstones. */
static void l2_unlink(sim_l2 *c, uint64_t gran) {
    uint32_t i = l2_find(c, gran);
    if (c->tab[i] == L2_EMPTY) return;
    uint32_t j = i;
    for (;;) {
        c->tab[i] = L2_EMPTY;
        for (;;) {
            j = (j + 1) & c->tab_mask;
            if (c->tab[j] == L2_EMPTY) return;
            uint32_t k = l2_hash(c, c->slot[c->tab[j]].gran);
            /* move j back to i unless its home k lies cyclically in (i, j] */
            if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
            break;
        }
        c->tab[i] = c->tab[j];
        i = j;
    }
}

/* Clock replacement: the first slot whose reference bit is clear, clearing bits on the way. */
static uint32_t l2_victim(sim_l2 *c) {
    for (;;) {
        struct l2_slot *sl = &c->slot[c->hand];
        uint32_t v = c->hand;
        c->hand = (c->hand + 1) % c->n_slots;
        if (!sl->used) return v;
        if (!sl->ref) {
            l2_unlink(c, sl->gran);
            return v;
        }
        sl->ref = 0;
    }
}

static struct l2_slot *l2_get(sim_l2 *c, uint64_t gran) {
    /* Consecutive runs of a tile mostly share a granule: skip the hash for a repeat. */
    struct l2_slot *last = &c->slot[c->last];
    if (last->used && last->gran == gran) return last;
    uint32_t h = l2_find(c, gran);
    if (c->tab[h] != L2_EMPTY) {
        c->last = c->tab[h];
        return &c->slot[c->last];
    }
    uint32_t v = l2_victim(c);
    h = l2_find(c, gran); /* the unlink may have moved the chain */
    struct l2_slot *sl = &c->slot[v];
    memset(sl, 0, sizeof *sl);
    sl->gran = gran, sl->used = 1;
    c->tab[h] = v;
    c->last = v;
    return sl;
}

/* Set bits of x: the SWAR sum inlines, where __builtin_popcountll without a popcnt target
 * (the portable build) is a libgcc call per word, 3% of a validation run. */
static inline uint64_t popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (x * 0x0101010101010101ull) >> 56;
}

/* Marks lines [l0, l1] of one granule resident; returns how many already were. */
static inline uint64_t l2_lines(struct l2_slot *sl, uint32_t l0, uint32_t l1) {
    uint64_t hit = 0;
    sl->ref = 1;
    uint32_t w0 = l0 / 64, w1 = l1 / 64;
    uint64_t first = ~0ull << (l0 % 64), last = ~0ull >> (63 - l1 % 64);
    if (w0 == w1) { /* a run of at most 2 KiB inside one word: most tile rows */
        uint64_t m = first & last;
        hit = popcount64(sl->bits[w0] & m);
        sl->bits[w0] |= m;
        return hit;
    }
    for (uint32_t w = w0; w <= w1; w++) {
        uint64_t m = (w == w0 ? first : ~0ull) & (w == w1 ? last : ~0ull);
        hit += popcount64(sl->bits[w] & m);
        sl->bits[w] |= m;
    }
    return hit;
}

/* One contiguous byte run: lines already resident (and now all of them are). */
static inline uint64_t l2_run(sim_l2 *c, uint64_t addr, uint64_t len, uint64_t *lines) {
    uint64_t first = addr >> L2_LINE_SHIFT, last = (addr + len - 1) >> L2_LINE_SHIFT, hit = 0;
    *lines += last - first + 1;
    const uint32_t per = L2_GRAN_SHIFT - L2_LINE_SHIFT;
    if (first >> per == last >> per) { /* one granule: no clipping */
        uint64_t g = first >> per;
        struct l2_slot *sl = &c->slot[c->last]; /* l2_get's repeat check, without the call */
        if (!sl->used || sl->gran != g) sl = l2_get(c, g);
        return l2_lines(sl, (uint32_t)(first - (g << per)), (uint32_t)(last - (g << per)));
    }
    for (uint64_t g = first >> per; g <= last >> per; g++) {
        uint64_t lo = g << per > first ? g << per : first;
        uint64_t hi = ((g + 1) << per) - 1 < last ? ((g + 1) << per) - 1 : last;
        hit += l2_lines(l2_get(c, g), (uint32_t)(lo - (g << per)), (uint32_t)(hi - (g << per)));
    }
    return hit;
}

/* Merges leading axes that continue the contiguous run (as the HBM pattern code does). */
static int run_axes(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], uint64_t *run) {
    int64_t elems = 1;
    int ax = 0;
    while (ax < SC_ISA_MAX_DIMS && (v->st[ax] == elems || dims[ax] == 1)) {
        if (dims[ax] > 1) elems *= dims[ax];
        ax++;
    }
    *run = (uint64_t)elems * (uint64_t)v->es;
    return ax;
}

uint64_t sim_l2_access(sim_l2 *c, double sram_bytes, const rview *v,
                       const uint32_t dims[SC_ISA_MAX_DIMS]) {
    if (!c->slot && l2_alloc(c, sram_bytes) != SC_OK) return 0;
    if (!c->slot) return 0; /* smaller than one granule: no cache */
    uint64_t run;
    int ax = run_axes(v, dims, &run);
    uint32_t d[SC_ISA_MAX_DIMS] = {1, 1, 1, 1};
    uint64_t runs = 1;
    for (int i = ax; i < SC_ISA_MAX_DIMS; i++)
        d[i] = dims[i], runs *= dims[i];
    if (runs > L2_MAX_RUNS || run == 0) return 0;
    uint64_t hit = 0, lines = 0;
    /* Offsets advance by the byte strides (the same sums as base + index x stride x es). */
    int64_t b0 = v->st[0] * v->es, b1 = v->st[1] * v->es, b2 = v->st[2] * v->es;
    int64_t b3 = v->st[3] * v->es, o3 = v->base;
    for (uint32_t i3 = 0; i3 < d[3]; i3++, o3 += b3) {
        int64_t o2 = o3;
        for (uint32_t i2 = 0; i2 < d[2]; i2++, o2 += b2) {
            int64_t o1 = o2;
            for (uint32_t i1 = 0; i1 < d[1]; i1++, o1 += b1) {
                int64_t off = o1;
                for (uint32_t i0 = 0; i0 < d[0]; i0++, off += b0)
                    if (off >= 0) hit += l2_run(c, (uint64_t)off, run, &lines);
            }
        }
    }
    /* Bytes served from the cache: the transfer's share of lines that were resident. */
    uint64_t bytes = runs * run;
    return lines ? (uint64_t)((double)bytes * (double)hit / (double)lines) : 0;
}

/* ---- cluster multicast ---- */

/* The pattern of a transfer beyond its byte range: base, strides and extents. */
static uint64_t mc_sig(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS]) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)v->base;
    for (int i = 0; i < SC_ISA_MAX_DIMS; i++) {
        h = (h ^ (uint64_t)v->st[i]) * 0xBF58476D1CE4E5B9ull;
        h = (h ^ dims[i]) * 0x94D049BB133111EBull;
    }
    return h ^ (uint64_t)v->es;
}

/* The ring of core's cluster (entries 1..RING-1 hold reads; entry 0's `next` is the cursor),
 * allocated on first use; NULL without memory (reads are then timed alone). */
static struct l2_mc *mc_ring(sim_l2 *c, int cores, int per, int core) {
    uint32_t clusters = (uint32_t)((cores + per - 1) / per);
    if (!c->mc) {
        c->mc = calloc((size_t)clusters * SIM_L2_MC_RING, sizeof *c->mc);
        if (!c->mc) return NULL;
        c->n_mc = clusters * SIM_L2_MC_RING;
    }
    uint32_t k = (uint32_t)(core / per);
    return k < clusters && (k + 1) * SIM_L2_MC_RING <= c->n_mc ? &c->mc[k * SIM_L2_MC_RING] : NULL;
}

int sim_l2_mc_take(sim_l2 *c, int cores, int per, int core, const rview *v,
                   const uint32_t dims[SC_ISA_MAX_DIMS], uint64_t *end) {
    struct l2_mc *r = mc_ring(c, cores, per, core);
    if (!r) return 0;
    uint64_t sig = mc_sig(v, dims);
    uint32_t bit = 1u << (core % per), all = per >= 32 ? ~0u : (1u << per) - 1;
    for (int i = 1; i < SIM_L2_MC_RING; i++) {
        struct l2_mc *e = &r[i];
        if (!e->taken || e->mem_key != v->mem_key || e->lo != v->lo || e->hi != v->hi ||
            e->sig != sig || (e->taken & bit))
            continue;
        e->taken |= bit;
        *end = e->end;
        if ((e->taken & all) == all) e->taken = 0; /* every member has it: the slot is free */
        return 1;
    }
    return 0;
}

void sim_l2_mc_put(sim_l2 *c, int cores, int per, int core, const rview *v,
                   const uint32_t dims[SC_ISA_MAX_DIMS], uint64_t end) {
    struct l2_mc *r = mc_ring(c, cores, per, core);
    if (!r) return;
    /* the oldest record gives way: a member that never asks for a block (a ragged last tile)
     * must not pin the ring */
    uint32_t i = 1 + r[0].next % (SIM_L2_MC_RING - 1);
    r[0].next = i;
    r[i].mem_key = v->mem_key, r[i].lo = v->lo, r[i].hi = v->hi;
    r[i].sig = mc_sig(v, dims), r[i].end = end;
    r[i].taken = 1u << (core % per);
}
