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

/* How many candidates are not long-K ones (see tile_candidates). */
static int base_count(const sc_gemm_params *c, int n) {
    int b = 0;
    for (int i = 0; i < n; i++)
        b += c[i].tk != (uint32_t)SC_MIN(c[i].k, 2048u);
    return b;
}

/* Candidate tilings, tried in turn (a small autotuning search, as GPU libraries do per shape):
 * the generator's traffic-minimising choice; the same narrowed until every core has a tile
 * (decode GEMMs have few rows, so a few wide tiles idle most cores); and for skinny GEMMs both
 * again with long K steps (fewer, longer weight DMAs). Returns how many were written. */
static int tile_candidates(const sc_chip *c, const sc_gemm_params *in, sc_gemm_params out[4],
                           sc_err *err) {
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
#undef TILES
    if (q.tm != p.tm || q.tn != p.tn) out[n++] = q;
    if (p.m > (uint64_t)c->sa_rows && p.n > (uint64_t)c->sa_cols) return n;
    uint64_t es = (uint64_t)sc_isa_dtype_bytes(p.in_dtype);
    for (int i = 0, base = n; i < base; i++) {
        sc_gemm_params r = out[i];
        r.tk = (uint32_t)SC_MIN(p.k, 2048u);
        /* The generator lays out double-buffered A and B and one C tile at the full tile size. */
        double need =
            2.0 * ((double)r.tm * r.tk + (double)r.tk * r.tn) * es + (double)r.tm * r.tn * 4;
        if (r.tk != out[i].tk && need <= c->scratchpad_bytes) out[n++] = r;
    }
    /* Skinny GEMMs stream their weights: when long-K tilings fit, the short ones only cost
     * simulation time (they never won in the sweeps behind docs/LLM_PERF.md). */
    if (n > base_count(out, n)) {
        int keep = 0;
        for (int i = 0; i < n; i++)
            if (out[i].tk == (uint32_t)SC_MIN(p.k, 2048u)) out[keep++] = out[i];
        n = keep;
    }
    return n;
}

static sc_status gemm_sim(lp_timer *t, const sc_gemm_params *p, double *sec, sc_err *err) {
    int64_t key[KEY_N] = {1,           (int64_t)p->m, (int64_t)p->n, (int64_t)p->k,
                          p->in_dtype, p->tm,         p->tn,         p->tk};
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

/* One GEMM with an integer M. Small problems run whole; large ones run as two sub-problems
 * with the full problem's tiles on every core (4 and 8 K steps, or 1 and 2 rounds of tiles
 * when K is short) and the rest follows from the per-unit cost, units being the tile-K-steps
 * of the busiest core (its rounds of tiles x K steps: it finishes last). */
sc_status lp_gemm_tiled(lp_timer *t, const sc_gemm_params *pp, double *sec, sc_err *err) {
    sc_gemm_params p = *pp;
    uint64_t m = p.m, n = p.n, k = p.k;
    sc_status st;
    uint64_t mt = (m + p.tm - 1) / p.tm, nt = (n + p.tn - 1) / p.tn, tiles = mt * nt;
    uint64_t cu = SC_MIN(tiles, (uint64_t)t->chip->cores), ks = (k + p.tk - 1) / p.tk;
    if (gemm_insns(t->chip, &p, (double)tiles, (double)ks) <= LP_DIRECT_INSNS)
        return gemm_sim(t, &p, sec, err);
    double units = (double)((tiles + cu - 1) / cu) * (double)ks, u1, u2;
    /* at most one tile per core: a sub-problem of more tiles than cores has two rounds on some
     * cores, and its per-unit cost would count both rounds as one */
    uint64_t mts = SC_MIN(mt, cu), nts = SC_MAX(1, cu / mts);
    sc_gemm_params s1 = p;
    s1.m = SC_MIN(m, mts * p.tm), s1.n = SC_MIN(n, nts * p.tn);
    sc_gemm_params s2 = s1;
    if (ks > 4) {
        s1.k = 4 * (uint64_t)p.tk, s2.k = SC_MIN(k, 8 * (uint64_t)p.tk);
        u1 = 4, u2 = (double)((s2.k + p.tk - 1) / p.tk);
    } else {
        uint64_t nts2 = SC_MIN(nt, 2 * nts), mts2 = nts2 < 2 * nts ? SC_MIN(mt, 2 * mts) : mts;
        s2.n = SC_MIN(n, nts2 * p.tn), s2.m = SC_MIN(m, mts2 * p.tm);
        u1 = (double)ks;
        uint64_t t2s = (s2.m + p.tm - 1) / p.tm * ((s2.n + p.tn - 1) / p.tn);
        u2 = (double)((t2s + cu - 1) / cu) * (double)ks;
    }
    double t1 = 0, t2 = 0;
    st = gemm_sim(t, &s1, &t1, err);
    if (st == SC_OK) st = gemm_sim(t, &s2, &t2, err);
    if (st != SC_OK) return st;
    *sec = u2 > u1 ? t1 + (t2 - t1) / (u2 - u1) * (units - u1) : t2;
    if (*sec < t1) *sec = t1;
    return SC_OK;
}

/* One GEMM with an integer M: the fastest candidate tiling. A candidate the generator cannot
 * build or that traps is skipped (as an autotuner drops a failing tactic); the first error is
 * reported only when every candidate fails. */
static sc_status gemm_exact(lp_timer *t, uint64_t m, uint64_t n, uint64_t k, sc_dtype dt,
                            double *sec, sc_err *err) {
    sc_gemm_params p = sc_gemm_default_params(), cand[4];
    p.m = m, p.n = n, p.k = k, p.in_dtype = dt;
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
/* Beyond this many rows a GEMM's time is linear in M (every core has tiles, fill and drain are
 * a few percent): prefill sizes scale from one reference run instead of one per power of two. */
#define LP_LINEAR_M 4096.0

static sc_status gemm_m(lp_timer *t, double m, uint64_t n, uint64_t k, sc_dtype dt, double *sec,
                        sc_err *err) {
    if (m <= 0) {
        *sec = 0;
        return SC_OK;
    }
    if (m > LP_LINEAR_M) {
        double ref = 0;
        sc_status st = gemm_best(t, (uint64_t)LP_LINEAR_M, n, k, dt, &ref, err);
        *sec = ref * m / LP_LINEAR_M;
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
    *sec = lp_gemm_eff(t->chip, m, (double)nn, k, dt, raw);
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
    int64_t key[KEY_N] = {
        3, p->items, p->n_blocks, p->m_rows, p->dk * 65536 + p->dv, p->v_in_k, p->kv_dtype, 0};
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

sc_status lp_attention(lp_timer *t, const lp_attn *a, double *sec, sc_err *err) {
    *sec = 0;
    if (a->items <= 0 || a->ctx <= 0) return SC_OK;
    int cores = t->chip->cores;
    double items = ceil(a->items);
    int cu = (int)SC_MIN(items, (double)cores);
    sc_llmk_attn_params p = sc_llmk_attn_default_params();
    p.items = cu, p.n_blocks = 2, p.m_rows = a->m_rows, p.dk = a->dk, p.dv = a->dv;
    p.v_in_k = a->v_in_k, p.kv_dtype = a->kv_dtype;
    double t1 = 0, t2 = 0;
    int blk = 0;
    sc_status st = attn_sim(t, &p, &t1, &blk, err);
    p.n_blocks = 4;
    if (st == SC_OK) st = attn_sim(t, &p, &t2, &blk, err);
    if (st != SC_OK) return st;
    /* Units of work per core: its items one after another, each over ctx / block blocks. */
    double units = ceil(items / cu) * SC_MAX(1.0, a->ctx / blk);
    *sec = t1 + (t2 - t1) / 2.0 * (units - 2.0);
    if (*sec < 0.5 * t1) *sec = 0.5 * t1;
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
