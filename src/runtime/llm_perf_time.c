// SPDX-License-Identifier: Apache-2.0
// Times LLM kernels by running compiled programs on the executor in timing mode; caches fits.
/*
 * Full-size kernels are too large to simulate burst by burst on every call (one decode step of a
 * 70B model streams ~9 GB of weights per chip), so each kernel is timed on representative
 * sub-problems with the full problem's tiling: every core busy, one and two "rounds" of work
 * (a GEMM K step of all tiles, an attention KV block of all items, a chunk of rows per core).
 * The two runs give a fixed part (pipeline fill, drain, latencies) and a per-round part; the
 * full kernel is fixed + rounds x per-round. Fits are cached per shape, so a bench or a serving
 * simulation pays for each distinct shape once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/gemm.h"
#include "compiler/llmk.h"
#include "numerics/numerics.h"
#include "runtime/llm_perf_internal.h"
#include "sim/sim.h"

#define KEY_N 8

typedef struct centry {
    int used;
    int64_t key[KEY_N];
    double val;
} centry;

struct lp_timer {
    const sc_chip *chip;
    int gpu;
    sc_sim *sim1; /* one chip; multi-chip simulators are made per collective fit */
    centry *tab;
    size_t cap, n;
    long runs;
};

/* ---- cache: open addressing on an 8-word key ---- */

static uint64_t key_hash(const int64_t *k) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < KEY_N; i++)
        h = (h ^ (uint64_t)k[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

static centry *cache_slot(lp_timer *t, const int64_t *k) {
    size_t i = key_hash(k) & (t->cap - 1);
    while (t->tab[i].used && memcmp(t->tab[i].key, k, sizeof t->tab[i].key) != 0)
        i = (i + 1) & (t->cap - 1);
    return &t->tab[i];
}

static int cache_get(lp_timer *t, const int64_t *k, double *v) {
    centry *e = cache_slot(t, k);
    if (e->used) *v = e->val;
    return e->used;
}

static sc_status cache_put(lp_timer *t, const int64_t *k, double v, sc_err *err) {
    if ((t->n + 1) * 2 > t->cap) { /* keep the load under one half */
        size_t old_cap = t->cap;
        centry *old = t->tab;
        t->cap = old_cap * 2;
        t->tab = calloc(t->cap, sizeof *t->tab);
        if (!t->tab) {
            t->tab = old, t->cap = old_cap;
            return sc_err_set(err, SC_ERR_NOMEM, "llm perf: out of memory growing the cache");
        }
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].used) *cache_slot(t, old[i].key) = old[i];
        free(old);
    }
    centry *e = cache_slot(t, k);
    if (!e->used) t->n++;
    e->used = 1;
    memcpy(e->key, k, sizeof e->key);
    e->val = v;
    return SC_OK;
}

static int64_t dbits(double d) {
    int64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

sc_status lp_timer_create(const sc_chip *chip, lp_timer **out, sc_err *err) {
    *out = NULL;
    lp_timer *t = calloc(1, sizeof *t);
    if (!t) return sc_err_set(err, SC_ERR_NOMEM, "llm perf: out of memory");
    t->chip = chip;
    t->gpu = strcmp(chip->kind, "gpu") == 0;
    t->cap = 256;
    t->tab = calloc(t->cap, sizeof *t->tab);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sp.n_chips = 1;
    sp.race_check = 0;
    sp.burst = 1; /* sub-problems: each whole GEMM is held to the power limit (lp_gemm_power) */
    sc_status st = t->tab ? sc_sim_create(chip, &sp, &t->sim1, err)
                          : sc_err_set(err, SC_ERR_NOMEM, "llm perf: out of memory");
    if (st != SC_OK) {
        lp_timer_destroy(t);
        return st;
    }
    *out = t;
    return SC_OK;
}

void lp_timer_destroy(lp_timer *t) {
    if (!t) return;
    sc_sim_destroy(t->sim1);
    free(t->tab);
    free(t);
}

long lp_timer_runs(const lp_timer *t) {
    return t->runs;
}

/* Honours the GPU configs' calibrated efficiencies: a kernel whose ideal compute time exceeds its
 * ideal memory time runs at eff_matmul of the matrix peak, otherwise at eff_memory of HBM. The
 * SeedChip configs keep both at 1 (the executor models the chip itself). */
static double apply_eff(const lp_timer *t, const sc_sim_stats *st, sc_dtype dt) {
    const sc_chip *c = t->chip;
    double peak = sc_chip_peak_flops(c, dt), bw = sc_dram_bandwidth(&c->hbm);
    double t_mma = peak > 0 ? st->flops / peak : 0;
    double t_mem = bw > 0 ? (st->bytes_hbm_read + st->bytes_hbm_write) / bw : 0;
    double eff = t_mma >= t_mem ? c->eff_matmul : c->eff_memory;
    return eff > 0 ? st->seconds / eff : st->seconds;
}

/* Runs one program (cached by key) and returns its seconds, efficiency-adjusted unless raw (GEMMs
 * apply the efficiencies once per whole problem, lp_gemm_eff, not per timed sub-problem). */
static sc_status run_cached(lp_timer *t, const int64_t *key, sc_program *prog, sc_sim *sim,
                            sc_dtype dt, int raw, double *sec, sc_err *err) {
    sc_status st = sc_sim_run(sim, prog, NULL, 0, err);
    t->runs++;
    if (st == SC_OK) {
        sc_sim_stats s;
        sc_sim_get_stats(sim, &s);
        *sec = raw ? s.seconds : apply_eff(t, &s, dt);
        st = cache_put(t, key, *sec, err);
    }
    return st;
}

/* ---- GEMM ---- */

static sc_dtype gemm_dtype(sc_llm_prec p) {
    switch (p) {
    case SC_LLM_FP8:
        return SC_DTYPE_FP8_E4M3;
    case SC_LLM_INT8:
        return SC_DTYPE_INT8;
    case SC_LLM_FP32:
        return SC_DTYPE_FP32;
    default:
        return SC_DTYPE_BF16;
    }
}

#define LP_CANDIDATES 8
#define LP_MAX_SPLITK 16u

/* Split-K variants of the candidates so far that leave cores idle, as cuBLAS's heuristics
 * pick split-K when the output has fewer tiles than the GPU has SMs: K is cut into as many
 * slices as fill the cores (at most one per K step, at most 16); the generator sums the fp32
 * partials in a second phase. Returns the new count. */
static int splitk_candidates(const sc_chip *c, sc_gemm_params *out, int n) {
    for (int i = 0, base = n; i < base && n < LP_CANDIDATES; i++) {
        sc_gemm_params r = out[i];
        uint64_t tiles = (r.m + r.tm - 1) / r.tm * ((r.n + r.tn - 1) / r.tn);
        uint64_t steps = (r.k + r.tk - 1) / r.tk, S = (uint64_t)c->cores / tiles;
        S = SC_MIN(SC_MIN(S, steps), (uint64_t)LP_MAX_SPLITK);
        if (S < 2 || r.in_dtype == SC_DTYPE_INT8) continue;
        r.splitk = (uint32_t)S;
        out[n++] = r;
    }
    return n;
}

/* Candidate tilings, tried in turn (a small autotuning search, as GPU libraries do per shape):
 * the generator's traffic-minimising choice; the same narrowed until every core has a tile
 * (decode GEMMs have few rows, so a few wide tiles idle most cores); and for skinny GEMMs both
 * again with long K steps (fewer, longer weight DMAs); then split-K variants of those that
 * still leave cores idle. Returns how many were written. */
static int tile_candidates(const sc_chip *c, const sc_gemm_params *in,
                           sc_gemm_params out[LP_CANDIDATES], sc_err *err) {
    sc_gemm_params p = *in;
    if (sc_gemm_choose_tiles(c, &p, err) != SC_OK) return -1;
    int n = 0;
    out[n++] = p;
    uint64_t cores = (uint64_t)c->cores;
#define TILES(pp) (((pp)->m + (pp)->tm - 1) / (pp)->tm * (((pp)->n + (pp)->tn - 1) / (pp)->tn))
    sc_gemm_params q = p;
    while (TILES(&q) < cores && q.tn > (uint32_t)c->sa_cols)
        q.tn -= (uint32_t)c->sa_cols;
    while (TILES(&q) < cores && q.tm > (uint32_t)c->sa_rows)
        q.tm -= (uint32_t)c->sa_rows;
    if (q.tm != p.tm || q.tn != p.tn) out[n++] = q;
    /* On a GPU (L2 in front of HBM) also the tiling chosen for the L2's bandwidth and cluster
     * multicast rather than HBM re-reads: re-reads mostly hit the L2 there, and libraries pick
     * tiles that fill the SMs (one wave of cuBLAS's 128 x 256 on H100). Only where the first
     * tiling has few rounds (at most 4): with many, wave quantisation is small and the rounds are
     * extrapolated from sub-problems (lp_gemm_tiled), which a many-round L2 tiling of few K steps
     * (802816 x 192 x 768) takes far out of their range. */
    sc_gemm_params l = *in;
    if (c->hbm_cache && TILES(&p) <= 4 * cores && sc_gemm_choose_tiles_l2(c, &l, err) == SC_OK &&
        (l.tm != p.tm || l.tn != p.tn || l.tk != p.tk) &&
        (l.tm != q.tm || l.tn != q.tn || l.tk != q.tk))
        out[n++] = l;
#undef TILES
    if (p.m > (uint64_t)c->sa_rows && p.n > (uint64_t)c->sa_cols)
        return splitk_candidates(c, out, n);
    uint64_t es = (uint64_t)sc_isa_dtype_bytes(p.in_dtype);
    for (int i = 0, base = n; i < base; i++) {
        sc_gemm_params r = out[i];
        r.tk = (uint32_t)SC_MIN(p.k, 2048u);
        /* The generator lays out double-buffered A and B and one C tile at the full tile size. */
        double need =
            2.0 * ((double)r.tm * r.tk + (double)r.tk * r.tn) * es + (double)r.tm * r.tn * 4;
        if (r.tk != out[i].tk && need <= c->scratchpad_bytes) out[n++] = r;
    }
    /* Both K step lengths stay candidates: long steps won the bf16 decode sweeps behind
     * docs/LLM_PERF.md, short ones win skinny FP8 GEMMs with long K (DeepGEMM's M = 64 rows:
     * 40-46% slower with long steps only). */
    return splitk_candidates(c, out, n);
}

static sc_status gemm_sim(lp_timer *t, const sc_gemm_params *p, double *sec, sc_err *err) {
    int64_t key[KEY_N] = {1 + 16 * (int64_t)p->splitk,
                          (int64_t)p->m,
                          (int64_t)p->n,
                          (int64_t)p->k,
                          p->in_dtype,
                          p->tm,
                          p->tn,
                          p->tk};
    if (cache_get(t, key, sec)) return SC_OK;
    sc_program *prog = NULL;
    sc_status st = sc_gemm_build(t->chip, p, &prog, NULL, err);
    if (st == SC_OK) st = run_cached(t, key, prog, t->sim1, p->in_dtype, 1, sec, err);
    sc_program_destroy(prog);
    return st;
}

/* Instructions the generator emits for a problem (to decide what is cheap to run whole). */
static double gemm_insns(const sc_chip *c, const sc_gemm_params *p, double tiles, double ks) {
    double msub = ceil((double)SC_MIN(p->m, p->tm) / c->sa_rows);
    double nsub = ceil((double)SC_MIN(p->n, p->tn) / c->sa_cols);
    return tiles * ks * (10.0 + 3.0 * (1.0 + nsub) + 5.0 * msub * nsub) +
           tiles * (4.0 + 3.0 * msub * nsub);
}

/* Programs up to this many instructions are simulated whole (~0.1 s); larger ones are timed on
 * sub-problems. */
#define LP_DIRECT_INSNS 40000.0

/* A sub-problem of the problem's tiles, at most one per core (a sub-problem of more tiles than
 * cores has two rounds on some cores, and a per-unit cost would count both as one); with `two`,
 * twice the tiles (two rounds) where the problem has them. */
static sc_gemm_params sub_tiles(const sc_gemm_params *p, uint64_t cu, int two) {
    uint64_t mt = (p->m + p->tm - 1) / p->tm, nt = (p->n + p->tn - 1) / p->tn;
    uint64_t mts = SC_MIN(mt, cu), nts = SC_MAX(1, cu / mts);
    if (two) {
        uint64_t nts2 = SC_MIN(nt, 2 * nts);
        mts = nts2 < 2 * nts ? SC_MIN(mt, 2 * mts) : mts, nts = nts2;
    }
    sc_gemm_params s = *p;
    s.m = SC_MIN(p->m, mts * p->tm), s.n = SC_MIN(p->n, nts * p->tn);
    return s;
}

static double rounds_of(const sc_gemm_params *p, uint64_t cu) {
    uint64_t tiles = (p->m + p->tm - 1) / p->tm * ((p->n + p->tn - 1) / p->tn);
    return (double)((tiles + cu - 1) / cu);
}

/* Many K steps: one round with 4 and 8 K steps gives the cost of a K step; with more rounds
 * than one, two rounds of 4 K steps give the cost of a round (the C stores, fill and drain of
 * each tile: a 802816 x 192 x 768 GEMM has 24 rounds of 12 K steps, and counting them as 288 K
 * steps of one round made it 1.8x fast). */
static sc_status tiled_long_k(lp_timer *t, const sc_gemm_params *p, uint64_t cu, double *sec,
                              sc_err *err) {
    uint64_t tk = p->tk, ks = (p->k + tk - 1) / tk;
    double rounds = rounds_of(p, cu), t1 = 0, t2 = 0, t3 = 0;
    sc_gemm_params s1 = sub_tiles(p, cu, 0), s2 = s1, s3 = sub_tiles(p, cu, 1);
    s1.k = s3.k = 4 * tk, s2.k = SC_MIN(p->k, 8 * tk);
    double u2 = (double)((s2.k + tk - 1) / tk), r3 = rounds_of(&s3, cu);
    sc_status st = gemm_sim(t, &s1, &t1, err);
    if (st == SC_OK) st = gemm_sim(t, &s2, &t2, err);
    if (st == SC_OK && rounds > 1 && r3 > 1) st = gemm_sim(t, &s3, &t3, err);
    if (st != SC_OK) return st;
    double step = u2 > 4 ? (t2 - t1) / (u2 - 4) : 0;
    double round = rounds > 1 && r3 > 1 ? (t3 - t1) / (r3 - 1) : 4 * step;
    *sec = SC_MAX(t1, t1 + (rounds - 1) * round + rounds * ((double)ks - 4) * step);
    return SC_OK;
}

/* One GEMM with an integer M. Small problems run whole; large ones as sub-problems with the
 * full problem's tiles on every core: with many K steps see tiled_long_k; with at most 4, one
 * and two rounds of tiles, the rest following from the cost of a round (the busiest core's
 * rounds: it finishes last). */
/* Split-K (tiles x slices <= cores, one round): run whole when small, else as two problems of
 * the same tiles and slices with 4 and 8 K steps per slice; the rest is linear in the steps of
 * one slice (the reduction phase, the same in both, is in the fixed part). */
static sc_status splitk_tiled(lp_timer *t, const sc_gemm_params *p, double *sec, sc_err *err) {
    uint64_t S = p->splitk, tk = p->tk;
    uint64_t tiles = (p->m + p->tm - 1) / p->tm * ((p->n + p->tn - 1) / p->tn);
    uint64_t steps = ((p->k + S - 1) / S + tk - 1) / tk; /* K steps of one slice */
    if (steps <= 8 || gemm_insns(t->chip, p, (double)(tiles * S), (double)steps) <= LP_DIRECT_INSNS)
        return gemm_sim(t, p, sec, err);
    sc_gemm_params s1 = *p, s2 = *p;
    s1.k = S * 4 * tk, s2.k = S * 8 * tk;
    double t1 = 0, t2 = 0;
    sc_status st = gemm_sim(t, &s1, &t1, err);
    if (st == SC_OK) st = gemm_sim(t, &s2, &t2, err);
    if (st == SC_OK) *sec = SC_MAX(t1, t1 + (t2 - t1) / 4.0 * ((double)steps - 4.0));
    return st;
}

sc_status lp_gemm_tiled(lp_timer *t, const sc_gemm_params *pp, double *sec, sc_err *err) {
    if (pp->splitk > 1) return splitk_tiled(t, pp, sec, err);
    const sc_gemm_params *p = pp;
    uint64_t tiles = (p->m + p->tm - 1) / p->tm * ((p->n + p->tn - 1) / p->tn);
    uint64_t cu = SC_MIN(tiles, (uint64_t)t->chip->cores), ks = (p->k + p->tk - 1) / p->tk;
    if (gemm_insns(t->chip, p, (double)tiles, (double)ks) <= LP_DIRECT_INSNS)
        return gemm_sim(t, p, sec, err);
    if (ks > 4) return tiled_long_k(t, p, cu, sec, err);
    sc_gemm_params s1 = sub_tiles(p, cu, 0), s2 = sub_tiles(p, cu, 1);
    double r1 = rounds_of(&s1, cu), r2 = rounds_of(&s2, cu), t1 = 0, t2 = 0;
    sc_status st = gemm_sim(t, &s1, &t1, err);
    if (st == SC_OK) st = gemm_sim(t, &s2, &t2, err);
    if (st != SC_OK) return st;
    *sec = r2 > r1 ? t1 + (t2 - t1) / (r2 - r1) * (rounds_of(p, cu) - r1) : t2;
    if (*sec < t1) *sec = t1;
    return SC_OK;
}

/* One GEMM with an integer M: the fastest candidate tiling. A candidate the generator cannot
 * build or that traps is skipped (as an autotuner drops a failing tactic); the first error is
 * reported only when every candidate fails. */
static sc_status gemm_exact(lp_timer *t, uint64_t m, uint64_t n, uint64_t k, sc_dtype dt,
                            double *sec, sc_err *err) {
    sc_gemm_params p = sc_gemm_default_params(), cand[LP_CANDIDATES];
    p.m = m, p.n = n, p.k = k, p.in_dtype = dt;
    /* LLM kernels and library GEMMs write their activations in 16 bits, not the accumulator's
     * fp32: half the C traffic (it dominates short-K GEMMs such as 802816 x 192 x 768) */
    if (dt != SC_DTYPE_FP32 && dt != SC_DTYPE_INT8) p.c_dtype = SC_DTYPE_BF16;
    int nc = tile_candidates(t->chip, &p, cand, err);
    if (nc < 0) return err ? err->status : SC_ERR_INVALID_ARG;
    sc_err first = {0}, e = {0};
    int ok = 0;
    for (int i = 0; i < nc; i++) {
        double s = 0;
        sc_err_clear(&e);
        if (lp_gemm_tiled(t, &cand[i], &s, &e) != SC_OK) {
            if (first.status == SC_OK) first = e;
            continue;
        }
        if (!ok || s < *sec) *sec = s;
        ok = 1;
    }
    if (ok) return SC_OK;
    return sc_err_set(err, first.status, "%s", first.msg);
}

static uint64_t pow2_floor(double x) {
    uint64_t p = 1;
    while ((double)(p * 2) <= x)
        p *= 2;
    return p;
}

/* Column panels: a compiler stores weights pre-packed in panels of the B operand (blocked
 * layouts, as GPU and CPU libraries do) so that the generator's K x 128 B-block DMAs stride over
 * a narrow panel rather than the full matrix width. One program per panel. */
static sc_status gemm_panels(lp_timer *t, uint64_t m, uint64_t n, uint64_t k, sc_dtype dt,
                             double *sec, sc_err *err) {
    uint64_t P = 4 * (uint64_t)t->chip->sa_cols, full = n / P, rest = n % P;
    double tp = 0, tr = 0;
    sc_status st = full ? gemm_exact(t, m, SC_MIN(n, P), k, dt, &tp, err) : SC_OK;
    if (st == SC_OK && rest && full)
        st = gemm_exact(t, m, rest, k, dt, &tr, err);
    else if (st == SC_OK && rest)
        st = gemm_exact(t, m, rest, k, dt, &tr, err);
    *sec = (double)full * tp + tr;
    return st;
}

/* Y[M x N] = X[M x K] W[K x N] compiles in two orientations: as is, or as Y^T = W^T X^T with the
 * weights as the A operand (the [out x in] layout checkpoints store). The compiler keeps the
 * faster program. Decode (M = batch, at most two array heights) runs with the weights as A (it
 * won every decode shape of the sweeps); larger M as is, with B whole or in column panels. */
static sc_status gemm_best(lp_timer *t, uint64_t m, uint64_t n, uint64_t k, sc_dtype dt,
                           double *sec, sc_err *err) {
    double a = 0, b = 0;
    sc_status st;
    if (m <= 2 * (uint64_t)t->chip->sa_rows) {
        /* Skinny (decode): weights as the A operand; B (the activations) is narrow already. */
        st = gemm_exact(t, n, m, k, dt, &a, err);
        *sec = a;
        return st;
    }
    /* Panels re-read the other operand once per panel, so the whole matrix is a candidate too. */
    st = gemm_panels(t, m, n, k, dt, &a, err);
    if (st == SC_OK) st = gemm_exact(t, m, n, k, dt, &b, err);
    *sec = SC_MIN(a, b);
    return st;
}

/* M is bucketed to powers of two with linear interpolation (M can be fractional: expected
 * tokens per expert). */
/* Beyond this many rows a GEMM's time is piecewise linear between multiples of it: each is
 * timed as the whole problem (lp_gemm_tiled extrapolates the rounds of tiles from sub-problems
 * it shares with every larger M), so the fixed part (fill, drain, latencies) is counted once.
 * Scaling one 4096-row run by M / 4096 multiplied that fixed part: a 802816 x 192 x 768 GEMM
 * came out 2.5x slow. Past the generator's 2^20 rows the time scales from 2^20 rows. */
#define LP_LINEAR_M 4096.0
#define LP_MAX_M    1048576.0

static sc_status gemm_m(lp_timer *t, double m, uint64_t n, uint64_t k, sc_dtype dt, double *sec,
                        sc_err *err) {
    if (m <= 0) {
        *sec = 0;
        return SC_OK;
    }
    if (m > LP_MAX_M) {
        double ref = 0;
        sc_status st = gemm_best(t, (uint64_t)LP_MAX_M, n, k, dt, &ref, err);
        *sec = ref * m / LP_MAX_M;
        return st;
    }
    if (m > LP_LINEAR_M) {
        double a = floor(m / LP_LINEAR_M) * LP_LINEAR_M, ta = 0, tb = 0;
        sc_status st = gemm_best(t, (uint64_t)a, n, k, dt, &ta, err);
        if (st != SC_OK || a >= m) {
            *sec = ta;
            return st;
        }
        st = gemm_best(t, (uint64_t)(a + LP_LINEAR_M), n, k, dt, &tb, err);
        *sec = ta + (tb - ta) * (m - a) / LP_LINEAR_M;
        return st;
    }
    uint64_t lo = pow2_floor(SC_MAX(m, 1.0));
    double tlo = 0, thi = 0;
    sc_status st = gemm_best(t, lo, n, k, dt, &tlo, err);
    if (st != SC_OK || (double)lo >= m) {
        *sec = tlo;
        return st;
    }
    st = gemm_best(t, lo * 2, n, k, dt, &thi, err);
    *sec = tlo + (thi - tlo) * (m - (double)lo) / (double)lo;
    return st;
}

/* A sustained GEMM (serving, back-to-back benchmark calls) cannot finish faster than its MACs'
 * energy over the power budget (sc_chip_mma_power_seconds): applied to the whole GEMM, after the
 * efficiencies, because the sub-problems it is extrapolated from run below the limit (fill and
 * drain) and the limit is a property of the chip, not of how well a library schedules. */
static double lp_gemm_power(const sc_chip *c, double m, double n, double k, sc_dtype dt,
                            double sec) {
    return SC_MAX(sec, sc_chip_mma_power_seconds(c, dt, m * n * k));
}

double lp_gemm_eff(const sc_chip *c, double m, double n, double k, sc_dtype dt, double raw) {
    double peak = sc_chip_peak_flops(c, dt), bw = sc_dram_bandwidth(&c->hbm);
    double es = sc_isa_dtype_bytes(dt), out = dt == SC_DTYPE_FP32 || dt == SC_DTYPE_INT8 ? 4 : 2;
    double t_mma = peak > 0 ? 2.0 * m * n * k / peak : 0;
    double t_mem = bw > 0 ? ((m * k + k * n) * es + m * n * out) / bw : 0;
    double eff = t_mma >= t_mem ? c->eff_matmul : c->eff_memory;
    return eff > 0 ? raw / eff : raw;
}

/* Raw executor seconds of one GEMM and the type and width it ran as: w4a16's int4 weights + group
 * scales are dequantised on the way in, so the memory-bound case streams 0.516 B per weight
 * (timed as an 8-bit GEMM over the same weight bytes) and the compute-bound case (prefill) runs
 * at the bf16 rate. */
static sc_status gemm_raw(lp_timer *t, double m, int n, int k, sc_llm_prec prec, double *raw,
                          sc_dtype *dt, uint64_t *nn, sc_err *err) {
    *dt = gemm_dtype(prec), *nn = (uint64_t)n;
    if (prec == SC_LLM_W4A16) {
        double flops = 2.0 * m * n * k, wbytes = (double)n * k * lp_weight_bytes(prec);
        double t_c = flops / sc_chip_peak_flops(t->chip, SC_DTYPE_BF16);
        double t_m = wbytes / sc_dram_bandwidth(&t->chip->hbm);
        *dt = t_c >= t_m ? SC_DTYPE_BF16 : SC_DTYPE_FP8_E4M3;
        if (t_c < t_m) *nn = (uint64_t)ceil(n * lp_weight_bytes(prec));
    }
    if (t->chip->mma_rate[*dt] <= 0) /* say so, rather than "no tile fits" from the tiler */
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s has no %s matrix path", t->chip->name,
                          sc_dtype_name(*dt));
    return gemm_m(t, m, *nn, (uint64_t)k, *dt, raw, err);
}

sc_status lp_gemm(lp_timer *t, double m, int n, int k, sc_llm_prec prec, double *sec, sc_err *err) {
    *sec = 0;
    if (m <= 0 || n <= 0 || k <= 0) return SC_OK;
    int64_t key[KEY_N] = {2, dbits(m), n, k, prec, 0, 0, 0};
    if (cache_get(t, key, sec)) return SC_OK;
    sc_dtype dt;
    uint64_t nn;
    double raw = 0;
    sc_status st = gemm_raw(t, m, n, k, prec, &raw, &dt, &nn, err);
    if (st != SC_OK) return st;
    *sec = lp_gemm_power(t->chip, m, n, k, dt, lp_gemm_eff(t->chip, m, (double)nn, k, dt, raw));
    return cache_put(t, key, *sec, err);
}

/* ---- public GEMM timing (validation predicts its GEMM rows with the same model) ---- */

sc_status sc_llm_gemm_timer_create(const sc_chip *chip, sc_llm_gemm_timer **out, sc_err *err) {
    return lp_timer_create(chip, out, err);
}

void sc_llm_gemm_timer_destroy(sc_llm_gemm_timer *t) {
    lp_timer_destroy(t);
}

sc_status sc_llm_gemm_raw(sc_llm_gemm_timer *t, double m, int n, int k, sc_llm_prec prec,
                          double *raw_s, sc_err *err) {
    *raw_s = 0;
    if (!(m >= 1 && m <= 1e7) || n < 1 || k < 1)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "gemm shape %gx%dx%d is out of range", m, n, k);
    int64_t key[KEY_N] = {7, dbits(m), n, k, prec, 0, 0, 0};
    if (cache_get(t, key, raw_s)) return SC_OK;
    sc_dtype dt;
    uint64_t nn;
    sc_status st = gemm_raw(t, m, n, k, prec, raw_s, &dt, &nn, err);
    return st == SC_OK ? cache_put(t, key, *raw_s, err) : st;
}

double sc_llm_gemm_seconds(const sc_chip *chip, double m, int n, int k, sc_llm_prec prec,
                           double raw_s) {
    double burst = sc_llm_gemm_burst_seconds(chip, m, n, k, prec, raw_s);
    sc_dtype dt = gemm_dtype(prec);
    if (prec == SC_LLM_W4A16 &&
        2.0 * m * n * k / sc_chip_peak_flops(chip, SC_DTYPE_BF16) >=
            (double)n * k * lp_weight_bytes(prec) / sc_dram_bandwidth(&chip->hbm))
        dt = SC_DTYPE_BF16;
    return lp_gemm_power(chip, m, n, k, dt, burst);
}

double sc_llm_gemm_burst_seconds(const sc_chip *chip, double m, int n, int k, sc_llm_prec prec,
                                 double raw_s) {
    double nn = n;
    sc_dtype dt = gemm_dtype(prec);
    if (prec == SC_LLM_W4A16) {
        double t_c = 2.0 * m * n * k / sc_chip_peak_flops(chip, SC_DTYPE_BF16);
        double t_m = (double)n * k * lp_weight_bytes(prec) / sc_dram_bandwidth(&chip->hbm);
        dt = t_c >= t_m ? SC_DTYPE_BF16 : SC_DTYPE_FP8_E4M3;
        if (t_c < t_m) nn = ceil(n * lp_weight_bytes(prec));
    }
    return lp_gemm_eff(chip, m, nn, k, dt, raw_s);
}

/* ---- attention ---- */

static sc_status attn_sim(lp_timer *t, const sc_llmk_attn_params *p, double *sec, int *blk,
                          sc_err *err) {
    int64_t key[KEY_N] = {3,
                          p->items,
                          p->n_blocks,
                          p->m_rows,
                          p->dk * 65536 + p->dv,
                          p->v_in_k,
                          p->kv_dtype,
                          p->kv_pitch + ((int64_t)p->append_tokens << 32)}; /* 8 slots: packed */
    int64_t bkey[KEY_N] = {4, p->m_rows, p->dk, p->dv, p->kv_dtype, 0, 0, 0};
    double b = 0;
    if (cache_get(t, key, sec) && cache_get(t, bkey, &b)) {
        *blk = (int)b;
        return SC_OK;
    }
    sc_program *prog = NULL;
    sc_status st = sc_llmk_attn_build(t->chip, p, &prog, blk, err);
    if (st == SC_OK) st = run_cached(t, key, prog, t->sim1, p->kv_dtype, 0, sec, err);
    if (st == SC_OK) st = cache_put(t, bkey, *blk, err);
    sc_program_destroy(prog);
    return st;
}

/* Split-KV (flash-decoding): items that fill less than 80% of the cores have their context cut
 * into slices on separate cores, whose partial outputs a second pass combines. The slice count
 * is FlashAttention-2's num_splits_heuristic: of the counts up to 128 and the number of KV blocks
 * that change the blocks per slice, the smallest whose wave efficiency (items x s / cores over
 * its ceiling) is within 85% of the best. */
static int kv_splits(double items, double blocks, int cores) {
    if (items >= 0.8 * cores || blocks <= 1) return 1;
    int max_s = (int)SC_MIN(SC_MIN(128.0, (double)cores), blocks);
    double eff[129] = {0}, best = 0;
    for (int s = 1; s <= max_s; s++) {
        if (s > 1 && ceil(blocks / s) == ceil(blocks / (s - 1))) continue; /* same slices */
        double waves = items * s / cores;
        eff[s] = waves / ceil(waves);
        best = SC_MAX(best, eff[s]);
    }
    for (int s = 1; s <= max_s; s++)
        if (eff[s] > 0 && eff[s] >= 0.85 * best) return s;
    return 1;
}

/* Rounds of one item per core that `items` take: with occ items resident per core (GPU thread
 * blocks per SM), each full wave of cores x occ items is occ rounds (they share the cores and
 * the HBM), a last partial wave its items / cores rounds but at least one (an item alone on a
 * core runs at no more than one round's rate). occ = 1: ceil(items / cores). */
static double attn_rounds(double items, int cores, int occ) {
    double slots = (double)cores * occ, full = floor(items / slots), rem = items - full * slots;
    if (occ == 1) return ceil(items / cores);
    return full * occ + (rem > 0 ? SC_MAX(1.0, rem / cores) : 0.0);
}

/* A timed run's parts (runs t1, t2 of 2 and 4 KV blocks per item): per KV block of a round, and
 * per item the rest of t1 (Q load, O store, pipeline fill). */
static void item_parts(double t1, double t2, double *per_block, double *per_item) {
    *per_block = (t2 - t1) / 2.0;
    *per_item = SC_MAX(0.0, t1 - 2.0 * *per_block);
}

#define REPLAY_MAX 65536.0

/* Replays the tiles' hand-out (llm_perf_sched.c), cached per shape and rates. */
static sc_status tiles_span(lp_timer *t, const lp_attn *a, const double *cp, const double *w,
                            int tiles, double *out, sc_err *err) {
    double c0 = cp ? cp[tiles - 1] : 0;
    int64_t key[KEY_N] = {
        8,           dbits(a->chunk),     dbits(a->cache), a->seqs * 65536LL + a->heads,
        dbits(w[0]), dbits(w[tiles - 1]), dbits(c0),       tiles};
    if (cache_get(t, key, out)) return SC_OK;
    /* Past REPLAY_MAX blocks (thousands of waves) the drain is a vanishing part: whole periods
     * up to it are replayed and scaled, so a huge step stays a few milliseconds of CPU. */
    double n = (double)tiles * a->seqs * a->heads, part = n;
    if (n > REPLAY_MAX) part = SC_MAX(1.0, floor(REPLAY_MAX / tiles)) * tiles;
    int occ = SC_MAX(1, t->chip->attn_ctas);
    *out = lp_sched_makespan(cp, w, (size_t)tiles, (size_t)part, t->chip->cores, occ);
    if (*out > 0) *out *= n / part;
    if (*out < 0) return sc_err_set(err, SC_ERR_NOMEM, "llm attention: out of memory");
    return cache_put(t, key, *out, err);
}

/* Causal prompt tiles (a->chunk > 0) of unequal work. From the timed runs (item_parts): per KV
 * block u and per tile f, both divided by a->eff; an appending kernel's copy of a tile's new rows
 * lasts rows x row bytes / copy_rate (absent: the program's DMA time for them, (t3 - t2) / 4 per
 * block at occ blocks per core). The copies' share is what they add to the replay without them. */
static sc_status attn_tiles(lp_timer *t, const lp_attn *a, const double tt[3], int blk, double *sec,
                            double *append_sec, sc_err *err) {
    int rows = a->m_rows, tiles = (int)ceil(a->chunk / rows), occ = SC_MAX(1, t->chip->attn_ctas);
    double eff = a->eff > 0 ? a->eff : 1.0, u, f;
    item_parts(tt[0], tt[1], &u, &f);
    double row_bytes = (double)(a->dk + a->dv) * (double)sc_dtype_size(a->kv_dtype);
    double per_row = a->copy_rate > 0 ? row_bytes / a->copy_rate
                                      : SC_MAX(0.0, (tt[2] - tt[1]) / 4.0) * occ / blk;
    double *w = malloc(2 * (size_t)tiles * sizeof *w), *cp = w + tiles;
    if (!w) return sc_err_set(err, SC_ERR_NOMEM, "llm attention: out of memory");
    for (int m = 0; m < tiles; m++) {
        double rows_new = SC_MIN(a->chunk, (double)(m + 1) * rows);
        w[m] = (f + u * ceil((a->cache + rows_new) / blk)) / eff;
        cp[m] = a->append > 0 ? rows_new * per_row : 0;
    }
    double all = 0, bare = 0;
    sc_status st = tiles_span(t, a, a->append > 0 ? cp : NULL, w, tiles, &all, err);
    if (st == SC_OK && a->append > 0) st = tiles_span(t, a, NULL, w, tiles, &bare, err);
    free(w);
    *sec = all, *append_sec = a->append > 0 ? SC_MAX(0.0, all - bare) : 0;
    return st;
}

sc_status lp_attention(lp_timer *t, const lp_attn *a, double *sec, double *append_sec,
                       sc_err *err) {
    *sec = 0, *append_sec = 0;
    if (a->items <= 0 || a->ctx <= 0) return SC_OK;
    int cores = t->chip->cores, occ = SC_MAX(1, t->chip->attn_ctas);
    /* the split heuristic counts SMs, not thread-block slots (vLLM's FlashAttention-2 build:
     * Vidur's A100 decode times drop from 16 to 9 us where batch x KV heads reaches 0.8 x 108) */
    int splits = kv_splits(ceil(a->items), ceil(a->ctx / t->chip->sa_cols), cores);
    double items = ceil(a->items) * splits, ctx = a->ctx / splits;
    int cu = (int)SC_MIN(items, (double)cores);
    sc_llmk_attn_params p = sc_llmk_attn_default_params();
    p.items = cu, p.n_blocks = 2, p.m_rows = a->m_rows, p.dk = a->dk, p.dv = a->dv;
    p.v_in_k = a->v_in_k, p.kv_dtype = a->kv_dtype, p.kv_pitch = a->kv_pitch;
    double t1 = 0, t2 = 0, t3 = 0;
    int blk = 0;
    sc_status st = attn_sim(t, &p, &t1, &blk, err);
    p.n_blocks = 4;
    if (st == SC_OK) st = attn_sim(t, &p, &t2, &blk, err);
    if (st == SC_OK && a->append > 0) { /* the same run with 4 appended blocks per item */
        p.append_tokens = 4 * blk;
        st = attn_sim(t, &p, &t3, &blk, err);
    }
    if (st != SC_OK) return st;
    if (a->chunk > 0 && splits == 1 && a->seqs > 0 && a->heads > 0) {
        double tt[3] = {t1, t2, t3};
        return attn_tiles(t, a, tt, blk, sec, append_sec, err);
    }
    if (t->gpu && a->append <= 0) {
        /* a GPU's items are thread blocks, each with its own prologue and epilogue (the per-item
         * part of t1: Q load, O store, pipeline fill), not one pipeline per core: every round
         * pays it (the replay of llm_perf_sched.c for equal blocks, in closed form) */
        double u, f;
        item_parts(t1, t2, &u, &f);
        *sec = attn_rounds(items, cores, occ) * (f + u * SC_MAX(1.0, ctx / blk));
    } else {
        /* Units of work per core: its items one after another, each over ctx / block blocks. */
        double units = attn_rounds(items, cores, occ) * SC_MAX(1.0, ctx / blk);
        *sec = t1 + (t2 - t1) / 2.0 * (units - 2.0);
        if (*sec < 0.5 * t1) *sec = 0.5 * t1;
    }
    /* Append_KV copies: every item (before any split: one slice holds the new rows) copies its
     * new blocks, spread over the cores. */
    if (a->append > 0)
        *append_sec = SC_MAX(0.0, t3 - t2) / 4.0 * ceil(a->items) * a->append / blk / cu;
    if (splits > 1) { /* combine: read each slice's fp32 rows and row sums, write the output */
        double rows = ceil(a->items) * a->m_rows;
        double bytes = rows * (splits * (a->dv + 1) * 4.0 + a->dv * 2.0);
        *sec += bytes / sc_dram_bandwidth(&t->chip->hbm);
    }
    *sec = *sec / (a->eff > 0 ? a->eff : 1.0) + *append_sec;
    return SC_OK;
}

/* ---- row kernels ---- */

/* Rows of `cols` that fit the scratchpad with the generator's buffers. */
static double rows_fit(const sc_chip *c, int kind, int cols) {
    int nin = kind == SC_LLMK_RMSNORM || kind == SC_LLMK_SWIGLU ? 2 : 1;
    double per_row = (2.0 * nin + 2.0) * cols * 2.0 + 8.0 * cols + 4.0;
    return floor((c->scratchpad_bytes - cols * 2.0 - 4096.0) / per_row);
}

/* Rows per chunk as the generator picks them for a core's share, capped by the scratchpad. */
static int rows_chunk(const sc_chip *c, int kind, int cols, double rows) {
    double fit = rows_fit(c, kind, cols);
    double share = ceil(rows / c->cores);
    return (int)SC_MAX(1.0, SC_MIN(SC_MIN(share, fit), 1024.0));
}

static sc_status rows_sim(lp_timer *t, const sc_llmk_rows_params *p, double *sec, sc_err *err) {
    int64_t key[KEY_N] = {5, p->kind, p->rows, p->cols, p->rows_per_chunk, p->dtype, 0, 0};
    if (cache_get(t, key, sec)) return SC_OK;
    sc_program *prog = NULL;
    sc_status st = sc_llmk_rows_build(t->chip, p, &prog, err);
    if (st == SC_OK) st = run_cached(t, key, prog, t->sim1, SC_DTYPE_FP32, 0, sec, err);
    sc_program_destroy(prog);
    return st;
}

sc_status lp_rows(lp_timer *t, int kind, double rows, int cols, double *sec, sc_err *err) {
    *sec = 0;
    if (rows <= 0 || cols <= 0) return SC_OK;
    int cores = t->chip->cores;
    /* A row wider than the scratchpad holds (GPU shared memory) is processed in column pieces:
     * exact for element-wise kernels, and for the norms the piecewise sums cost the same passes. */
    while (cols > 256 && rows_fit(t->chip, kind, cols) < 1.0)
        cols = (cols + 1) / 2, rows *= 2;
    int r = rows_chunk(t->chip, kind, cols, rows);
    double chunks = ceil(rows / r);
    int cu = (int)SC_MIN(chunks, (double)cores);
    sc_llmk_rows_params p = sc_llmk_rows_default_params();
    p.kind = (sc_llmk_rows_kind)kind, p.cols = cols, p.rows_per_chunk = r;
    p.rows = cu * r;
    double t1 = 0, t2 = 0;
    sc_status st = rows_sim(t, &p, &t1, err);
    double rounds = ceil(chunks / cu);
    if (st != SC_OK || rounds <= 1.0) {
        *sec = t1;
        return st;
    }
    p.rows = 2 * cu * r;
    st = rows_sim(t, &p, &t2, err);
    *sec = t1 + (t2 - t1) * (rounds - 1.0);
    return st;
}

/* ---- collectives ---- */

static sc_status coll_sim(lp_timer *t, const sc_llmk_coll_params *p, double *sec, sc_err *err) {
    int64_t key[KEY_N] = {6, p->kind, p->n_chips, (int64_t)p->bytes, p->dtype, 0, 0, 0};
    if (cache_get(t, key, sec)) return SC_OK;
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sp.n_chips = p->n_chips;
    sp.race_check = 0;
    sc_sim *sim = NULL;
    sc_program *prog = NULL;
    sc_status st = sc_llmk_coll_build(t->chip, p, &prog, err);
    if (st == SC_OK) st = sc_sim_create(t->chip, &sp, &sim, err);
    if (st == SC_OK) {
        st = sc_sim_run(sim, prog, NULL, 0, err);
        t->runs++;
    }
    if (st == SC_OK) {
        sc_sim_stats s;
        sc_sim_get_stats(sim, &s);
        *sec = s.seconds;
        st = cache_put(t, key, *sec, err);
    }
    sc_sim_destroy(sim);
    sc_program_destroy(prog);
    return st;
}

/* Collectives are affine in the message size: two runs (64 KiB and 1 MiB) give latency and
 * per-byte cost; the config's per-collective latency (synchronisation, for GPUs NCCL's launch
 * and handshake) is added on top. */
sc_status lp_coll(lp_timer *t, int kind, int n, double bytes, double *sec, sc_err *err) {
    *sec = 0;
    if (n < 2 || bytes <= 0) return SC_OK;
    sc_llmk_coll_params p = {.kind = (sc_llmk_coll_kind)kind, .n_chips = n, .dtype = SC_DTYPE_BF16};
    const double b1 = 65536.0, b2 = 1048576.0;
    double t1 = 0, t2 = 0;
    p.bytes = (uint64_t)b1;
    sc_status st = coll_sim(t, &p, &t1, err);
    p.bytes = (uint64_t)b2;
    if (st == SC_OK) st = coll_sim(t, &p, &t2, err);
    if (st != SC_OK) return st;
    *sec = t1 + (t2 - t1) * (bytes - b1) / (b2 - b1);
    if (*sec < 0.5 * t1) *sec = 0.5 * t1;
    *sec += t->chip->collective_latency_s;
    return SC_OK;
}
