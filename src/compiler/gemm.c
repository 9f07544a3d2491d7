// SPDX-License-Identifier: Apache-2.0
// Tiled multi-core GEMM generator: double-buffered DMA in, systolic MMA sub-tiles, DMA out.
#include <stdint.h>
#include <string.h>

#include "compiler/desc_pool.h"
#include "compiler/gemm.h"

/* Semaphores of the per-core pipeline (load -> compute -> store), then of the split-K
 * reduction's own pipeline (SEM_R*) and the store queue's flush before the barrier. */
enum { SEM_READY = 0, SEM_FREE = 1, SEM_CDONE = 2, SEM_CFREE = 3 };
enum { SEM_RREADY = 4, SEM_RFREE = 5, SEM_RDONE = 6, SEM_RCFREE = 7, SEM_FLUSH = 8 };
/* The barrier every core's load and store queues meet at between split-K's two phases. */
enum { BAR_SPLITK = 0 };
/* Scratch registers used by the generated code. */
enum { R_DST = 10, R_SRC = 11, R_C = 12, R_A = 13, R_B = 14 };

sc_gemm_params sc_gemm_default_params(void) {
    sc_gemm_params p = {0};
    p.in_dtype = SC_DTYPE_BF16;
    return p;
}

static uint64_t ceil_div(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

static uint64_t round_up(uint64_t a, uint64_t b) {
    return ceil_div(a, b) * b;
}

static int in_dtype_ok(sc_dtype t) {
    return t == SC_DTYPE_FP32 || t == SC_DTYPE_BF16 || t == SC_DTYPE_FP16 ||
           t == SC_DTYPE_FP8_E4M3 || t == SC_DTYPE_FP8_E5M2 || t == SC_DTYPE_INT8;
}

/* Scratchpad bytes per core: double-buffered A (tm x tk) and B (tk x tn), and cbufs C tiles
 * (tm x tn fp32): with two, the store of one C tile overlaps the next tile's MMAs. */
static uint64_t spad_need(uint64_t tm, uint64_t tn, uint64_t tk, uint64_t es, uint64_t cbufs) {
    return 2 * (tm * tk + tk * tn) * es + cbufs * tm * tn * 4;
}

/* C buffers a tiling gets: two when they fit, else one (0: does not fit). */
static uint64_t c_buffers(const sc_chip *chip, uint64_t tm, uint64_t tn, uint64_t tk, uint64_t es) {
    uint64_t budget = (uint64_t)chip->scratchpad_bytes;
    if (spad_need(tm, tn, tk, es, 2) <= budget) return 2;
    return spad_need(tm, tn, tk, es, 1) <= budget ? 1 : 0;
}

/* HBM bytes per FLOP for a tiling: A is re-read N/tn times, B M/tm times. */
static double traffic_per_flop(uint64_t m, uint64_t n, uint64_t k, uint64_t tm, uint64_t tn,
                               uint64_t es) {
    double a = (double)m * k * es * ceil_div(n, tn);
    double b = (double)k * n * es * ceil_div(m, tm);
    return (a + b + (double)m * n * 4) / (2.0 * m * n * k);
}

/* Memory cycles of a tiling on a chip whose shared SRAM caches HBM (GPU L2): every tile load
 * crosses the L2 at its bandwidth, except that the cores of a cluster share one read of the
 * larger operand block (chip.l2_multicast, see tile_coords). HBM: tiles go row by row, so an A
 * row panel is read once and B once while it fits in the L2, else once per row of tiles.
 * Whichever bounds. */
static double l2_cycles(const sc_chip *chip, const sc_gemm_params *p, uint64_t tm, uint64_t tn,
                        uint64_t es) {
    double m = (double)p->m, n = (double)p->n, k = (double)p->k;
    double rows = (double)ceil_div(p->m, tm);
    double a = m * k * es * (double)ceil_div(p->n, tn), b = k * n * es * rows;
    double hbm = m * k * es + (k * n * es <= chip->shared_sram_bytes ? k * n * es : b) + m * n * 4;
    double mc = chip->l2_multicast > 1 ? chip->l2_multicast : 1;
    if (tn >= tm && p->m > tm)
        b /= mc;
    else if (p->n > tn)
        a /= mc;
    double hbm_bpc = sc_dram_bandwidth(&chip->hbm) / chip->clock_hz * 0.9;
    double l2_bpc = chip->shared_sram_bw / chip->clock_hz;
    return SC_MAX(hbm / hbm_bpc, (a + b + m * n * 4) / l2_bpc);
}

/* Estimated cycles of a tiling: the busiest core's MMA passes (one array-height of rows per pass,
 * cores take tiles round-robin) against the HBM traffic at ~90% of peak. Whichever bounds. */
static double est_cycles(const sc_chip *chip, const sc_gemm_params *p, uint64_t tm, uint64_t tn,
                         uint64_t es, int l2) {
    uint64_t r = (uint64_t)chip->sa_rows, c = (uint64_t)chip->sa_cols;
    uint64_t tiles = ceil_div(p->m, tm) * ceil_div(p->n, tn);
    uint64_t cores = p->cores > 0 ? (uint64_t)SC_MIN(p->cores, chip->cores) : (uint64_t)chip->cores;
    double rate =
        chip->mma_rate[p->in_dtype == SC_DTYPE_FP8_E5M2 ? SC_DTYPE_FP8_E4M3 : p->in_dtype];
    uint64_t kp = rate >= 1 ? (uint64_t)((double)r * rate) : r;
    double pass = rate >= 1 ? (double)r : (double)r / rate;
    double compute = (double)ceil_div(tiles, cores) * (double)(ceil_div(tm, r) * ceil_div(tn, c)) *
                     (double)ceil_div(p->k, kp) * pass;
    double bpc = sc_dram_bandwidth(&chip->hbm) / chip->clock_hz * 0.9;
    double bytes = traffic_per_flop(p->m, p->n, p->k, tm, tn, es) * 2.0 * p->m * p->n * p->k;
    double memory = bytes / bpc;
    if (l2 && chip->hbm_cache) memory = l2_cycles(chip, p, tm, tn, es);
    /* the busiest core's DMA engines move its share of the bytes */
    double active = (double)SC_MIN(tiles, cores);
    double dma = bytes / active / (chip->dma_engines * chip->dma_bytes_per_cycle);
    return SC_MAX(compute, SC_MAX(memory, dma));
}

static sc_status choose_tiles(const sc_chip *chip, sc_gemm_params *p, int l2, sc_err *err) {
    uint64_t es = (uint64_t)sc_isa_dtype_bytes(p->in_dtype);
    uint64_t r = (uint64_t)chip->sa_rows, c = (uint64_t)chip->sa_cols;
    double best = 1e300;
    uint64_t bm = 0, bn = 0, bk = 0;
    /* Candidates: multiples of the array, K steps long enough to amortise fill and drain. */
    for (uint64_t tm = r; tm <= 8 * r; tm += r) {
        for (uint64_t tn = c; tn <= 8 * c; tn += c) {
            for (uint64_t tk = 32; tk <= 2048; tk *= 2) {
                uint64_t etm = SC_MIN(tm, round_up(p->m, r)), etn = SC_MIN(tn, round_up(p->n, c));
                uint64_t etk = SC_MIN(tk, p->k);
                uint64_t cb = c_buffers(chip, etm, etn, etk, es);
                if (!cb) continue;
                double cost = est_cycles(chip, p, etm, etn, es, l2);
                /* one C buffer: each tile's store (at the core's DMA rate) stalls the MMAs */
                if (cb == 1) {
                    uint64_t tiles = ceil_div(p->m, etm) * ceil_div(p->n, etn);
                    double dma = chip->dma_engines * chip->dma_bytes_per_cycle;
                    cost += (double)ceil_div(tiles, (uint64_t)chip->cores) * etm * etn * 4 / dma;
                }
                /* K steps shorter than the array depth waste passes */
                if (etk < (uint64_t)chip->sa_rows && etk < p->k) cost *= 1.5;
                /* Ties (within 1%): less HBM traffic, then longer K steps (fewer syncs). */
                double score = cost *
                               (1.0 + 0.01 * traffic_per_flop(p->m, p->n, p->k, etm, etn, es) /
                                          traffic_per_flop(p->m, p->n, p->k, r, c, es)) *
                               (1.0 + 0.001 * (2048.0 / (double)etk));
                if (score < best) best = score, bm = etm, bn = etn, bk = etk;
            }
        }
    }
    if (!bm)
        return sc_err_set(err, SC_ERR_LIMIT,
                          "gemm: no tile of the %dx%d array fits a %.0f KiB scratchpad",
                          chip->sa_rows, chip->sa_cols, chip->scratchpad_bytes / 1024);
    if (!p->tm) p->tm = (uint32_t)bm;
    if (!p->tn) p->tn = (uint32_t)bn;
    if (!p->tk) p->tk = (uint32_t)bk;
    return SC_OK;
}

sc_status sc_gemm_choose_tiles(const sc_chip *chip, sc_gemm_params *p, sc_err *err) {
    return choose_tiles(chip, p, 0, err);
}

sc_status sc_gemm_choose_tiles_l2(const sc_chip *chip, sc_gemm_params *p, sc_err *err) {
    return choose_tiles(chip, p, 1, err);
}

/* ---- emission ---- */

typedef struct gen {
    sc_program *p;
    const sc_chip *chip;
    sc_gemm_plan pl;
    uint32_t buf_a, buf_b, buf_c, buf_w;      /* buf_w: split-K workspace */
    uint64_t units, kslice;                   /* (K slice, tile) work units; K per slice */
    uint64_t es, oes, ces;                    /* input, accumulator and C (in HBM) element sizes */
    uint64_t a_slot[2], b_slot[2], c_slot[2]; /* scratchpad offsets */
    uint64_t cbufs;                           /* C buffers (1 or 2) */
    uint64_t c_base;                          /* C buffer of the tile being generated */
    sc_err *err;
} gen;

static sc_status emit(gen *g, int core, sc_queue q, sc_opcode op, const int64_t *v, int n) {
    return sc_program_add_op(g->p, core, q, op, v, n, g->err);
}

static sc_status emit_li(gen *g, int core, sc_queue q, int reg, int64_t value) {
    int64_t v[] = {reg, value};
    return emit(g, core, q, SC_OP_LI, v, 2);
}

static sc_status emit_sem(gen *g, int core, sc_queue q, sc_opcode op, int sem) {
    int64_t v[] = {sem, 1};
    return emit(g, core, q, op, v, 2);
}

/* Returns the id of a 2-D DMA descriptor (rows x cols) with the given strides, adding it once. */
static sc_status dma_desc(gen *g, uint64_t cols, uint64_t rows, uint64_t planes, const sc_view *dst,
                          const sc_view *src, uint32_t *id) {
    uint32_t dims[4] = {(uint32_t)cols, (uint32_t)rows, (uint32_t)planes, 1};
    const sc_view *v[4] = {dst, src, NULL, NULL};
    sc_desc d = sc_desc_make(SC_DESC_DMA, dims, v);
    return sc_desc_intern(g->p, &d, id, g->err);
}

static sc_view make_view(sc_space space, sc_dtype t, uint32_t buffer, int32_t row_stride) {
    sc_view v;
    memset(&v, 0, sizeof v);
    v.space = (uint8_t)space;
    v.dtype = (uint8_t)t;
    v.core = SC_ISA_SELF;
    v.buffer = (uint16_t)buffer;
    v.strides[0] = 1;
    v.strides[1] = row_stride;
    return v;
}

/* One DMA of a (planes x) rows x cols block: dst/src byte offsets go through R_DST/R_SRC. */
static sc_status emit_dma3(gen *g, int core, sc_queue q, uint64_t planes, uint64_t rows,
                           uint64_t cols, const sc_view *dst, uint64_t dst_off, const sc_view *src,
                           uint64_t src_off) {
    uint32_t id;
    sc_status s = dma_desc(g, cols, rows, planes, dst, src, &id);
    if (s == SC_OK) s = emit_li(g, core, q, R_DST, (int64_t)dst_off);
    if (s == SC_OK) s = emit_li(g, core, q, R_SRC, (int64_t)src_off);
    int64_t v[] = {id, R_DST, R_SRC, 0, 0};
    return s == SC_OK ? emit(g, core, q, SC_OP_DMA, v, 5) : s;
}

static sc_status emit_dma(gen *g, int core, sc_queue q, uint64_t rows, uint64_t cols,
                          const sc_view *dst, uint64_t dst_off, const sc_view *src,
                          uint64_t src_off) {
    return emit_dma3(g, core, q, 1, rows, cols, dst, dst_off, src, src_off);
}

typedef struct tile {
    uint64_t m0, n0, tm, tn;
    uint64_t k0, k1, plane; /* K range and, with split-K, the workspace plane it writes */
} tile;

/* Row and column block of tile t. Row-major, except on chips whose cores share L2 reads in
 * clusters (chip.l2_multicast = c, GPU TMA multicast) when the B block (tk x tn) is the larger
 * operand: then c row blocks of one column go to consecutive tiles (the cores of a cluster, which
 * take consecutive work units) so that they read the same B blocks at the same K steps, as
 * CUTLASS's 2x1 cluster shapes do. Row-major already gives neighbours the same A block. */
static void tile_coords(const gen *g, uint64_t t, uint64_t *mb, uint64_t *nb) {
    uint64_t ntn = ceil_div(g->pl.n, g->pl.tn), ntm = ceil_div(g->pl.m, g->pl.tm);
    uint64_t c = g->chip->l2_multicast > 1 ? (uint64_t)g->chip->l2_multicast : 1;
    if (c == 1 || g->pl.tn < g->pl.tm || ntm < 2) {
        *mb = t / ntn, *nb = t % ntn;
        return;
    }
    uint64_t band = t / (c * ntn), w = t % (c * ntn); /* band of c row blocks */
    uint64_t rows = SC_MIN(c, ntm - band * c);        /* the last band may be thinner */
    *mb = band * c + w % rows, *nb = w / rows;
}

/* Work unit u: tile u % tiles of K slice u / tiles (cores running at once take neighbouring
 * tiles of one slice, which share operand rows and columns in the L2). */
static tile tile_at(const gen *g, uint64_t u) {
    uint64_t t = u % g->pl.tiles, mb, nb;
    tile x;
    x.plane = u / g->pl.tiles;
    x.k0 = x.plane * g->kslice;
    x.k1 = SC_MIN(g->pl.k, x.k0 + g->kslice);
    tile_coords(g, t, &mb, &nb);
    x.m0 = mb * g->pl.tm;
    x.n0 = nb * g->pl.tn;
    x.tm = SC_MIN((uint64_t)g->pl.tm, g->pl.m - x.m0);
    x.tn = SC_MIN((uint64_t)g->pl.tn, g->pl.n - x.n0);
    return x;
}

/* Load queue: A as row blocks of the array height (tm x tk dense; one DMA per block so the
 * core's DMA engines share the work) and B as column blocks of the array width (tk x nsub). */
static sc_status load_step(gen *g, int core, const tile *t, uint64_t k0, uint64_t tk, int slot) {
    sc_dtype dt = g->pl.in_dtype;
    uint64_t rows = (uint64_t)g->chip->sa_rows, cols = (uint64_t)g->chip->sa_cols;
    sc_view spad = make_view(SC_SPACE_SPAD, dt, SC_ISA_NO_BUFFER, (int32_t)tk);
    sc_view src_a = make_view(SC_SPACE_HBM, dt, g->buf_a, (int32_t)g->pl.k);
    sc_status s = SC_OK;
    for (uint64_t i = 0; s == SC_OK && i * rows < t->tm; i++) {
        uint64_t msub = SC_MIN(rows, t->tm - i * rows);
        s = emit_dma(g, core, SC_QUEUE_LOAD, msub, tk, &spad,
                     g->a_slot[slot] + i * rows * tk * g->es, &src_a,
                     ((t->m0 + i * rows) * g->pl.k + k0) * g->es);
    }
    /* B: the full-width column blocks move as whole rows of the tile (long HBM runs), a chunk of
     * K rows per DMA, scattered into per-block [tk x cols] layouts; a narrower last block goes
     * separately. */
    uint64_t nfull = t->tn / cols, rest = t->tn % cols;
    sc_view src_b = make_view(SC_SPACE_HBM, dt, g->buf_b, (int32_t)g->pl.n);
    src_b.strides[1] = (int32_t)cols;
    src_b.strides[2] = (int32_t)g->pl.n;
    sc_view dst_b = make_view(SC_SPACE_SPAD, dt, SC_ISA_NO_BUFFER, (int32_t)(tk * cols));
    dst_b.strides[2] = (int32_t)cols;
    uint64_t chunk = SC_MAX((uint64_t)1, SC_MIN(rows, tk));
    for (uint64_t r0 = 0; s == SC_OK && nfull && r0 < tk; r0 += chunk) {
        uint64_t kr = SC_MIN(chunk, tk - r0);
        s = emit_dma3(g, core, SC_QUEUE_LOAD, kr, nfull, cols, &dst_b,
                      g->b_slot[slot] + r0 * cols * g->es, &src_b,
                      ((k0 + r0) * g->pl.n + t->n0) * g->es);
    }
    if (s == SC_OK && rest) {
        sc_view src_r = make_view(SC_SPACE_HBM, dt, g->buf_b, (int32_t)g->pl.n);
        sc_view dst_r = make_view(SC_SPACE_SPAD, dt, SC_ISA_NO_BUFFER, (int32_t)rest);
        s = emit_dma(g, core, SC_QUEUE_LOAD, tk, rest, &dst_r,
                     g->b_slot[slot] + nfull * tk * cols * g->es, &src_r,
                     (k0 * g->pl.n + t->n0 + nfull * cols) * g->es);
    }
    return s == SC_OK ? emit_sem(g, core, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_READY) : s;
}

/* Compute queue: every (array-rows x array-cols) sub-tile of C accumulates over this K step. */
static sc_status compute_step(gen *g, int core, const tile *t, uint64_t tk, int slot, int first) {
    uint64_t rows = (uint64_t)g->chip->sa_rows, cols = (uint64_t)g->chip->sa_cols;
    sc_dtype dt = g->pl.in_dtype;
    sc_status s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_READY);
    for (uint64_t i = 0; s == SC_OK && i * rows < t->tm; i++) {
        uint64_t msub = SC_MIN(rows, t->tm - i * rows);
        for (uint64_t j = 0; s == SC_OK && j * cols < t->tn; j++) {
            uint64_t nsub = SC_MIN(cols, t->tn - j * cols);
            uint64_t c_off = g->c_base + (i * rows * g->pl.tn + j * rows * cols) * g->oes;
            s = emit_li(g, core, SC_QUEUE_COMPUTE, R_C, (int64_t)c_off);
            if (s == SC_OK)
                s = emit_li(g, core, SC_QUEUE_COMPUTE, R_A,
                            (int64_t)(g->a_slot[slot] + i * rows * tk * g->es));
            if (s == SC_OK)
                s = emit_li(g, core, SC_QUEUE_COMPUTE, R_B,
                            (int64_t)(g->b_slot[slot] + j * tk * cols * g->es));
            int64_t v[] = {R_C,         R_A, R_B, (int64_t)msub,   (int64_t)nsub,
                           (int64_t)tk, dt,  dt,  g->pl.out_dtype, first ? 0 : SC_MMA_ACC};
            if (s == SC_OK) s = emit(g, core, SC_QUEUE_COMPUTE, SC_OP_MMAI, v, 10);
        }
    }
    return s == SC_OK ? emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_FREE) : s;
}

/* Store queue: C sub-tiles (dense [msub x nsub] in the scratchpad) to row-major C. The full-width
 * sub-tiles of a row block go as one DMA writing whole rows of the tile (long HBM runs); a
 * narrower last column block separately. */
static sc_status store_tile(gen *g, int core, const tile *t) {
    uint64_t rows = (uint64_t)g->chip->sa_rows, cols = (uint64_t)g->chip->sa_cols;
    sc_status s = emit_sem(g, core, SC_QUEUE_STORE, SC_OP_WAIT, SEM_CDONE);
    sc_dtype ot = g->pl.out_dtype;
    uint64_t nfull = t->tn / cols, rest = t->tn % cols;
    /* split-K partials go to their workspace plane (accumulator type), whole results to C (the
     * DMA rounds them to C's type when that is narrower) */
    int split = g->pl.splitk > 1;
    uint32_t buf = split ? g->buf_w : g->buf_c;
    sc_dtype ht = split ? ot : g->pl.c_dtype;
    uint64_t hes = split ? g->oes : g->ces;
    uint64_t row0 = t->plane * g->pl.m + t->m0;
    sc_view dst = make_view(SC_SPACE_HBM, ht, buf, (int32_t)cols);
    dst.strides[2] = (int32_t)g->pl.n;
    sc_view src = make_view(SC_SPACE_SPAD, ot, SC_ISA_NO_BUFFER, (int32_t)(rows * cols));
    src.strides[2] = (int32_t)cols;
    for (uint64_t i = 0; s == SC_OK && i * rows < t->tm; i++) {
        uint64_t msub = SC_MIN(rows, t->tm - i * rows);
        uint64_t c_off = g->c_base + i * rows * g->pl.tn * g->oes;
        uint64_t hbm = ((row0 + i * rows) * g->pl.n + t->n0) * hes;
        if (nfull)
            s = emit_dma3(g, core, SC_QUEUE_STORE, msub, nfull, cols, &dst, hbm, &src, c_off);
        if (s == SC_OK && rest) {
            sc_view d2 = make_view(SC_SPACE_HBM, ht, buf, (int32_t)g->pl.n);
            sc_view s2 = make_view(SC_SPACE_SPAD, ot, SC_ISA_NO_BUFFER, (int32_t)rest);
            s = emit_dma(g, core, SC_QUEUE_STORE, msub, rest, &d2, hbm + nfull * cols * hes, &s2,
                         c_off + nfull * rows * cols * g->oes);
        }
    }
    return s == SC_OK ? emit_sem(g, core, SC_QUEUE_STORE, SC_OP_SIGNAL, SEM_CFREE) : s;
}

/* ---- split-K reduction: C = sum over the S workspace planes, in chunks of rows x cols ---- */

typedef struct rchunk {
    uint64_t rows, cols, nrb, ncb; /* chunk shape; row and column blocks */
} rchunk;

/* Chunks double-buffered in the scratchpad (S input planes + one output each), at least as
 * many as cores where the output allows, so that every core sums a share. */
static rchunk red_chunks(const gen *g) {
    uint64_t S = g->pl.splitk, m = g->pl.m, n = g->pl.n;
    uint64_t elems = SC_MAX((uint64_t)1, (uint64_t)g->chip->scratchpad_bytes / (2 * (S + 1) * 4));
    rchunk r;
    r.cols = SC_MIN(n, elems);
    r.ncb = ceil_div(n, r.cols);
    r.rows = SC_MIN(m, SC_MAX((uint64_t)1, elems / r.cols));
    uint64_t want_rb = ceil_div((uint64_t)g->pl.cores, r.ncb);
    r.rows = SC_MIN(r.rows, SC_MAX((uint64_t)1, ceil_div(m, want_rb)));
    r.nrb = ceil_div(m, r.rows);
    return r;
}

/* Each reduction chunk adds its own descriptor, identical ones included (reusing them would
 * renumber the descriptors of every split-K program). */
static sc_status vec_desc(gen *g, const uint32_t dims[4], const sc_view *d, const sc_view *a,
                          uint32_t *id) {
    const sc_view *v[4] = {d, a, NULL, NULL};
    sc_desc ds = sc_desc_make(SC_DESC_VEC, dims, v);
    return sc_program_add_desc(g->p, &ds, id, g->err);
}

/* One chunk (rh x cw at r0, c0) on core's three queues, buffer slot `slot`, i-th of the core. */
static sc_status red_chunk(gen *g, int core, uint64_t r0, uint64_t c0, uint64_t rh, uint64_t cw,
                           uint64_t i, const uint64_t in_slot[2], const uint64_t out_slot[2]) {
    uint64_t S = g->pl.splitk, slot = i & 1;
    sc_status s = i >= 2 ? emit_sem(g, core, SC_QUEUE_LOAD, SC_OP_WAIT, SEM_RFREE) : SC_OK;
    sc_view dst = make_view(SC_SPACE_SPAD, SC_DTYPE_FP32, SC_ISA_NO_BUFFER, (int32_t)cw);
    dst.strides[2] = (int32_t)(rh * cw);
    sc_view src = make_view(SC_SPACE_HBM, SC_DTYPE_FP32, g->buf_w, (int32_t)g->pl.n);
    src.strides[2] = (int32_t)(g->pl.m * g->pl.n);
    if (s == SC_OK)
        s = emit_dma3(g, core, SC_QUEUE_LOAD, S, rh, cw, &dst, in_slot[slot], &src,
                      (r0 * g->pl.n + c0) * 4);
    if (s == SC_OK) s = emit_sem(g, core, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_RREADY);
    if (s == SC_OK) s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_RREADY);
    if (s == SC_OK && i >= 2) s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_RCFREE);
    /* D's stride on the summed axis is ignored, but must be non-zero for the descriptor check */
    sc_view d = make_view(SC_SPACE_SPAD, SC_DTYPE_FP32, SC_ISA_NO_BUFFER, (int32_t)cw);
    d.strides[2] = 1;
    uint32_t dims[4] = {(uint32_t)cw, (uint32_t)rh, (uint32_t)S, 1}, id = 0;
    if (s == SC_OK) s = vec_desc(g, dims, &d, &dst, &id);
    if (s == SC_OK) s = emit_li(g, core, SC_QUEUE_COMPUTE, R_C, (int64_t)out_slot[slot]);
    if (s == SC_OK) s = emit_li(g, core, SC_QUEUE_COMPUTE, R_A, (int64_t)in_slot[slot]);
    int64_t v[] = {id, R_C, R_A, 2, 0, 0};
    if (s == SC_OK) s = emit(g, core, SC_QUEUE_COMPUTE, SC_OP_VREDSUM, v, 6);
    if (s == SC_OK) s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_RFREE);
    if (s == SC_OK) s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_RDONE);
    if (s == SC_OK) s = emit_sem(g, core, SC_QUEUE_STORE, SC_OP_WAIT, SEM_RDONE);
    sc_view out = make_view(SC_SPACE_HBM, g->pl.c_dtype, g->buf_c, (int32_t)g->pl.n);
    sc_view from = make_view(SC_SPACE_SPAD, SC_DTYPE_FP32, SC_ISA_NO_BUFFER, (int32_t)cw);
    if (s == SC_OK)
        s = emit_dma(g, core, SC_QUEUE_STORE, rh, cw, &out, (r0 * g->pl.n + c0) * g->ces, &from,
                     out_slot[slot]);
    return s == SC_OK ? emit_sem(g, core, SC_QUEUE_STORE, SC_OP_SIGNAL, SEM_RCFREE) : s;
}

/* Second phase of split-K on one core: its store queue drains (signal waits for its DMAs) and
 * meets every load and store queue at the barrier, so no partial is read before it is written;
 * then the core sums chunks core, core + cores, ... */
static sc_status gen_reduce(gen *g, int core) {
    int64_t bar[] = {BAR_SPLITK, 2 * (int64_t)g->pl.cores};
    sc_status s = emit_sem(g, core, SC_QUEUE_STORE, SC_OP_SIGNAL, SEM_FLUSH);
    if (s == SC_OK) s = emit(g, core, SC_QUEUE_STORE, SC_OP_BARRIER, bar, 2);
    if (s == SC_OK) s = emit(g, core, SC_QUEUE_LOAD, SC_OP_BARRIER, bar, 2);
    rchunk r = red_chunks(g);
    uint64_t in_bytes = g->pl.splitk * r.rows * r.cols * 4, out_bytes = r.rows * r.cols * 4;
    uint64_t in_slot[2] = {0, in_bytes}, out_slot[2] = {2 * in_bytes, 2 * in_bytes + out_bytes};
    uint64_t i = 0;
    for (uint64_t j = (uint64_t)core; s == SC_OK && j < r.nrb * r.ncb; j += (uint64_t)g->pl.cores) {
        uint64_t r0 = (j / r.ncb) * r.rows, c0 = (j % r.ncb) * r.cols;
        uint64_t rh = SC_MIN(r.rows, g->pl.m - r0), cw = SC_MIN(r.cols, g->pl.n - c0);
        s = red_chunk(g, core, r0, c0, rh, cw, i++, in_slot, out_slot);
    }
    return s;
}

/* One core's share: work units core, core+cores, ...; K steps double-buffered. */
static sc_status gen_core(gen *g, int core) {
    uint64_t step = 0, ntile = 0;
    sc_status s = SC_OK;
    for (uint64_t u = (uint64_t)core; s == SC_OK && u < g->units; u += (uint64_t)g->pl.cores) {
        tile x = tile_at(g, u);
        /* C buffers alternate: before reusing one, wait until the store queue drained it. */
        if (ntile >= g->cbufs) s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_CFREE);
        g->c_base = g->c_slot[ntile++ % g->cbufs];
        for (uint64_t k0 = x.k0; s == SC_OK && k0 < x.k1; k0 += g->pl.tk, step++) {
            uint64_t tk = SC_MIN((uint64_t)g->pl.tk, x.k1 - k0);
            int slot = (int)(step & 1);
            if (step >= 2) s = emit_sem(g, core, SC_QUEUE_LOAD, SC_OP_WAIT, SEM_FREE);
            if (s == SC_OK) s = load_step(g, core, &x, k0, tk, slot);
            if (s == SC_OK) s = compute_step(g, core, &x, tk, slot, k0 == x.k0);
        }
        if (s == SC_OK) s = emit_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CDONE);
        if (s == SC_OK) s = store_tile(g, core, &x);
    }
    if (s == SC_OK && g->pl.splitk > 1) s = gen_reduce(g, core);
    return s;
}

static sc_status add_hbm_buffer(gen *g, const char *name, sc_dtype t, uint64_t rows, uint64_t cols,
                                uint64_t offset, uint64_t es, uint32_t *id) {
    sc_buffer b;
    memset(&b, 0, sizeof b);
    sc_strlcpy(b.name, name, sizeof b.name);
    b.space = SC_SPACE_HBM;
    b.dtype = (uint8_t)t;
    b.rank = 2;
    b.dims[0] = rows;
    b.dims[1] = cols;
    b.dims[2] = b.dims[3] = 1;
    b.offset = offset;
    b.size = rows * cols * es;
    return sc_program_add_buffer(g->p, &b, id, g->err);
}

/* K slices (int8 GEMMs: none): at most one per K step, each a whole number of K steps; the
 * workspace (S planes of M x N fp32) follows C, its plane stride must fit a view's 32-bit stride.
 */
static sc_status plan_splitk(const sc_gemm_params *p, sc_gemm_plan *pl) {
    /* int32 partials of int8 GEMMs would need an integer sum: split-K is for float types */
    uint64_t S = p->in_dtype == SC_DTYPE_INT8 ? 1 : SC_MAX(p->splitk, 1u);
    S = SC_MIN(S, pl->ksteps);
    pl->kslice = round_up(ceil_div(p->k, S), pl->tk);
    pl->splitk = (uint32_t)ceil_div(p->k, pl->kslice);
    if (pl->splitk <= 1) {
        pl->splitk = 1, pl->kslice = p->k;
        return SC_OK;
    }
    if (p->m * p->n > (uint64_t)INT32_MAX) return SC_ERR_LIMIT;
    pl->ws_offset = pl->hbm_bytes;
    pl->hbm_bytes += round_up((uint64_t)pl->splitk * p->m * p->n * 4, 4096);
    return SC_OK;
}

static sc_status plan_gemm(const sc_chip *chip, const sc_gemm_params *p, sc_gemm_plan *pl,
                           sc_err *err) {
    memset(pl, 0, sizeof *pl);
    if (!p->m || !p->n || !p->k || p->m > (1u << 20) || p->n > (1u << 20) || p->k > (1u << 20))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "gemm: M, N, K must be in [1, 1048576]");
    if (!in_dtype_ok(p->in_dtype))
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "gemm: input dtype %s is not supported",
                          sc_dtype_name(p->in_dtype));
    if (chip->mma_rate[p->in_dtype] <= 0)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "gemm: %s has no %s matrix path", chip->name,
                          sc_dtype_name(p->in_dtype));
    sc_gemm_params q = *p;
    sc_status s = sc_gemm_choose_tiles(chip, &q, err);
    if (s != SC_OK) return s;
    pl->m = p->m, pl->n = p->n, pl->k = p->k;
    pl->in_dtype = p->in_dtype;
    pl->out_dtype = p->in_dtype == SC_DTYPE_INT8 ? SC_DTYPE_INT32 : SC_DTYPE_FP32;
    pl->c_dtype = pl->out_dtype;
    if (p->in_dtype != SC_DTYPE_INT8 &&
        (p->c_dtype == SC_DTYPE_BF16 || p->c_dtype == SC_DTYPE_FP16))
        pl->c_dtype = p->c_dtype;
    else if (p->c_dtype != SC_DTYPE_FP32 && p->c_dtype != pl->out_dtype)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "gemm: C cannot be %s for %s inputs",
                          sc_dtype_name(p->c_dtype), sc_dtype_name(p->in_dtype));
    uint64_t ces = (uint64_t)sc_isa_dtype_bytes(pl->c_dtype);
    pl->tm = q.tm, pl->tn = q.tn, pl->tk = q.tk;
    uint64_t es = (uint64_t)sc_isa_dtype_bytes(p->in_dtype);
    pl->a_offset = 0;
    pl->b_offset = round_up(p->m * p->k * es, 4096);
    pl->c_offset = pl->b_offset + round_up(p->k * p->n * es, 4096);
    pl->hbm_bytes = pl->c_offset + round_up(p->m * p->n * ces, 4096);
    pl->tiles = ceil_div(p->m, pl->tm) * ceil_div(p->n, pl->tn);
    pl->ksteps = ceil_div(p->k, pl->tk);
    s = plan_splitk(p, pl);
    if (s != SC_OK)
        return sc_err_set(err, s, "gemm: split-K %u of %llux%llu: workspace too large", p->splitk,
                          (unsigned long long)p->m, (unsigned long long)p->n);
    pl->cores = p->cores > 0 ? SC_MIN(p->cores, chip->cores) : chip->cores;
    if ((uint64_t)pl->cores > pl->tiles * pl->splitk) pl->cores = (int)(pl->tiles * pl->splitk);
    pl->flops = 2.0 * p->m * p->n * p->k;
    pl->compulsory_bytes = (double)(p->m * p->k + p->k * p->n) * es + (double)p->m * p->n * ces;
    pl->planned_hbm_bytes = traffic_per_flop(p->m, p->n, p->k, pl->tm, pl->tn, es) * pl->flops +
                            (double)p->m * p->n * ((double)ces - 4);
    if (pl->splitk > 1) /* the partials are written once and read once more */
        pl->planned_hbm_bytes += 2.0 * pl->splitk * (double)p->m * p->n * 4;
    pl->spad_bytes =
        spad_need(pl->tm, pl->tn, pl->tk, es, c_buffers(chip, pl->tm, pl->tn, pl->tk, es));
    if ((double)pl->hbm_bytes > sc_dram_capacity(&chip->hbm))
        return sc_err_set(err, SC_ERR_LIMIT, "gemm: operands need %.1f GB, %s has %.1f GB of HBM",
                          pl->hbm_bytes / 1e9, chip->name, sc_dram_capacity(&chip->hbm) / 1e9);
    return SC_OK;
}

sc_status sc_gemm_build(const sc_chip *chip, const sc_gemm_params *p, sc_program **out,
                        sc_gemm_plan *plan, sc_err *err) {
    *out = NULL;
    gen g;
    memset(&g, 0, sizeof g);
    g.chip = chip;
    g.err = err;
    sc_status s = plan_gemm(chip, p, &g.pl, err);
    if (s == SC_OK) s = sc_program_create(g.pl.cores, &g.p, err);
    if (s != SC_OK) return s;
    g.es = (uint64_t)sc_isa_dtype_bytes(g.pl.in_dtype);
    g.oes = 4;
    g.ces = (uint64_t)sc_isa_dtype_bytes(g.pl.c_dtype);
    uint64_t a_bytes = (uint64_t)g.pl.tm * g.pl.tk * g.es,
             b_bytes = (uint64_t)g.pl.tk * g.pl.tn * g.es;
    g.a_slot[0] = 0, g.a_slot[1] = a_bytes;
    g.b_slot[0] = 2 * a_bytes, g.b_slot[1] = 2 * a_bytes + b_bytes;
    g.c_slot[0] = 2 * (a_bytes + b_bytes);
    g.c_slot[1] = g.c_slot[0] + (uint64_t)g.pl.tm * g.pl.tn * 4;
    g.cbufs = c_buffers(chip, g.pl.tm, g.pl.tn, g.pl.tk, g.es);
    if (!g.cbufs) g.cbufs = 1;
    g.units = g.pl.tiles * g.pl.splitk;
    g.kslice = g.pl.kslice;
    s = sc_program_set_name(g.p, "gemm", err);
    if (s == SC_OK)
        s = add_hbm_buffer(&g, "A", g.pl.in_dtype, g.pl.m, g.pl.k, g.pl.a_offset, g.es, &g.buf_a);
    if (s == SC_OK)
        s = add_hbm_buffer(&g, "B", g.pl.in_dtype, g.pl.k, g.pl.n, g.pl.b_offset, g.es, &g.buf_b);
    if (s == SC_OK)
        s = add_hbm_buffer(&g, "C", g.pl.c_dtype, g.pl.m, g.pl.n, g.pl.c_offset, g.ces, &g.buf_c);
    if (s == SC_OK && g.pl.splitk > 1)
        s = add_hbm_buffer(&g, "W", g.pl.out_dtype, g.pl.splitk * g.pl.m, g.pl.n, g.pl.ws_offset, 4,
                           &g.buf_w);
    for (int c = 0; s == SC_OK && c < g.pl.cores; c++)
        s = gen_core(&g, c);
    if (s == SC_OK) s = sc_program_validate(g.p, err);
    if (s != SC_OK) {
        sc_program_destroy(g.p);
        return s;
    }
    if (plan) *plan = g.pl;
    *out = g.p;
    return SC_OK;
}
