// SPDX-License-Identifier: Apache-2.0
// Executor internals shared by the scheduler, the instruction semantics and the reports.
#ifndef SC_SIM_INTERNAL_H
#define SC_SIM_INTERNAL_H

#include "sim/sim.h"

#define SIM_INF UINT64_MAX

/* Where device pages come from: zeroed chunks mapped and pre-faulted in bulk (first-touch page
 * faults of page-sized callocs were a quarter of a small conv net's functional run), handed out
 * one page at a time. One arena per page size, owned by the simulator; freed with it. */
typedef struct pmem_arena {
    unsigned char **maps; /* every chunk mapped */
    size_t *map_bytes;
    size_t n_maps, cap_maps;
    unsigned char *cur; /* unused rest of the newest chunk */
    size_t left;
} pmem_arena;

/* Sparse device memory: pages allocated on first write, unwritten bytes read as zero. */
typedef struct pmem {
    uint64_t size;
    uint64_t page_bytes; /* power of two */
    unsigned page_shift; /* log2(page_bytes): page index by shift (a 64-bit divide per access
                          * was a visible cost of element-wise vector and DMA rows) */
    size_t n_pages;
    unsigned char **pages; /* NULL in timing-only mode */
    pmem_arena *arena;     /* the pages' source (owned by the simulator) */
} pmem;

/* Q_WAIT: blocked in `wait` (pc not advanced); Q_RECV: blocked in `recv` (pc not advanced);
 * Q_BARRIER / Q_COLLECTIVE: arrived at a barrier / allreduce (pc advanced), released by the last
 * arrival. */
typedef enum qstate { Q_RUN, Q_HALTED, Q_BARRIER, Q_COLLECTIVE, Q_WAIT, Q_RECV } qstate;

/* An asynchronous write of this queue still in flight: later instructions of the same queue that
 * read the range start after it completes (the queue orders its own accesses). */
typedef struct pend_write {
    int mem;         /* memory key: see sim_mem_key */
    uint64_t lo, hi; /* byte range */
    uint64_t done;   /* cycle */
} pend_write;
#define SIM_PEND 16

/* Fields in the order one instruction touches them: the first 64 bytes are what every
 * instruction reads and writes (a queue runs one instruction between hundreds of others', so
 * each of its cache lines is a miss), then the in-flight writes and the registers. */
typedef struct squeue {
    const sc_insn *code;
    size_t n, pc;
    uint64_t t;        /* cycle at which the next instruction may start */
    uint64_t done_max; /* latest completion of this queue's asynchronous work */
    qstate state;
    int n_pend;
    int chip, core, q, gid;
    uint64_t insns;
    uint32_t *vc;       /* vector clock over all queues (race detection) */
    uint64_t busy_from; /* start of the current trace span of this queue */
    pend_write pend[SIM_PEND];
    int64_t r[SC_ISA_REGS];
} squeue;

/* A run-queue entry: the queue's start cycle when it was queued, and its id (the tie-break). */
typedef struct sim_hent {
    uint64_t t;
    int gid;
} sim_hent;

typedef struct token {
    uint64_t time;
    uint32_t *vc; /* signaller's clock (NULL without race checking) */
    uint32_t count;
} token;

typedef struct sem {
    token *tok;
    size_t n, cap, head; /* live tokens are tok[head..n) */
    uint64_t value;      /* sum of their counts */
} sem;

typedef struct wrec {
    uint64_t lo, hi; /* byte range in the scratchpad */
    int writer;      /* queue gid */
    uint32_t stamp;  /* writer's own clock component at the write */
    uint32_t pc;     /* writer's instruction index (for the trap message) */
} wrec;

typedef struct score {
    pmem spad;
    sem sems[SC_ISA_SEMAPHORES];
    uint64_t mma_wl_free, mma_stream_free; /* systolic weight loader / A streamer */
    uint64_t vec_free;
    uint64_t *dma_free; /* per engine */
    uint64_t noc_free;  /* the core's mesh port (all its links) */
    wrec *w;
    size_t nw, capw;
    int hops_to_hbm, hops_to_shared;
    int x, y, degree; /* mesh position, links of its router */
} score;

/* A bandwidth calendar: capacity per time bucket, consumed by transfers in any time order (host
 * order is only roughly time order, so a single "free at" time would waste the gaps). */
typedef struct bwcal {
    double *used;   /* bytes used per bucket, a ring */
    size_t n;       /* buckets in the ring */
    uint64_t base;  /* first bucket index held */
    double cap;     /* bytes per bucket */
    uint64_t width; /* cycles per bucket */
} bwcal;
/* Places `bytes` at or after cycle t; returns the cycle the last byte fits (t if bytes == 0). */
uint64_t sim_cal_take(bwcal *c, uint64_t t, double bytes);
void sim_cal_reset(bwcal *c, double bytes_per_cycle, uint64_t width);
void sim_cal_free(bwcal *c);

typedef struct sbarrier {
    int arrived;
    uint64_t release;
} sbarrier;

/* Shared SRAM as a cache of HBM (chip.hbm_cache, sim_l2.c): resident 128-byte lines grouped in
 * 64 KiB granules, clock replacement over floor(shared SRAM / 64 KiB) granules, a linear-probing
 * hash from granule to slot. Allocated on first use, emptied at the start of every run. */
typedef struct sim_l2 {
    struct l2_slot *slot;
    uint32_t *tab; /* slot index per hash position, UINT32_MAX = empty */
    uint32_t n_slots, tab_mask, hand;
    uint32_t last;    /* slot of the latest lookup (a hint, checked before use) */
    struct l2_mc *mc; /* multicast reads in flight (chip.l2_multicast) */
    uint32_t n_mc;    /* entries allocated */
} sim_l2;
/* Marks the view's lines resident (allocating, evicting by clock) and returns the bytes of the
 * transfer that were already resident. 0 when the cache cannot be allocated or the view has too
 * many runs to track (timed as misses). */
struct rview;
uint64_t sim_l2_access(sim_l2 *c, double sram_bytes, const struct rview *v,
                       const uint32_t dims[SC_ISA_MAX_DIMS]);
void sim_l2_reset(sim_l2 *c);
void sim_l2_free(sim_l2 *c);
/* Cluster multicast (chip.l2_multicast = cores per cluster, GPU TMA multicast): one read of the
 * shared SRAM delivers a block to every core of the cluster that asks for it. sim_l2_mc_take:
 * when another core of `core`'s cluster already read the same block (same memory, byte range
 * and pattern) and not every member has had it, it is this core's copy: returns 1 with the
 * cycle that read completes. sim_l2_mc_put records a read that went to the shared SRAM. */
#define SIM_L2_MC_RING 32
int sim_l2_mc_take(sim_l2 *c, int cores, int per, int core, const struct rview *v,
                   const uint32_t dims[SC_ISA_MAX_DIMS], uint64_t *end);
void sim_l2_mc_put(sim_l2 *c, int cores, int per, int core, const struct rview *v,
                   const uint32_t dims[SC_ISA_MAX_DIMS], uint64_t end);

typedef struct schip {
    pmem hbm, shared;
    sim_l2 l2;
    sc_mem *hbm_model;
    uint64_t link_free; /* chip-to-chip links, modelled as one pooled port (cycles) */
    sbarrier bars[SC_ISA_BARRIERS];
    bwcal hbm_cal, shared_cal; /* aggregate HBM and shared SRAM bandwidth */
} schip;

typedef struct smsg {
    int src_chip, dst_chip, tag;
    uint64_t ready, bytes;
    unsigned char *data;
    int used;
} smsg;

/* One allreduce rendezvous in progress: members of group `group` (of size gsize) that arrived. */
typedef struct scoll {
    int gsize, group, arrived, active;
    int *members; /* queue gid per member slot (chip - group*gsize) */
    uint64_t release;
} scoll;

/* HBM efficiency of one access pattern, measured once by running its first bursts through the
 * DRAM model (see sim_hbm_transfer). */
typedef struct hbm_sig {
    int64_t key[9];
    double eff;                         /* achieved / peak bandwidth of the pattern */
    double hit, miss, conflict, bursts; /* per sampled byte */
} hbm_sig;
/* Patterns kept per simulator: each distinct pattern is probed once. The table was a fixed 128
 * entries whose last slot was overwritten, so programs with more patterns (PP-OCR det/rec) re-ran
 * the burst-level probe thousands of times; beyond this cap a pattern is probed per use. */
#define SIM_HBM_SIGS_MAX (1 << 20)

/* Scratch buffer slots (sim_scratch): 0-3 MMA A, B, C, staging; 4-5 DMA and vector staging. */
#define SIM_SCRATCH 6

typedef struct trace_ev {
    const char *name;
    int pid, tid;
    uint64_t ts, dur; /* cycles */
} trace_ev;

struct sc_sim {
    sc_chip chip;
    sc_sim_params p;
    int functional, timing;
    int n_cores, n_queues; /* n_queues: all queues of all chips */
    double ps_per_cycle;
    schip *chips;
    score *cores;   /* n_chips * n_cores */
    squeue *queues; /* n_chips * n_cores * 3 */
    smsg *msgs;
    size_t n_msgs, cap_msgs;
    const sc_program *prog;
    const uint8_t *consts;
    size_t n_consts;
    sc_sim_stats st;
    uint64_t end_cycle;
    trace_ev *ev;
    size_t n_ev, cap_ev, dropped_ev;
    scoll *colls;
    size_t n_colls;
    /* HBM figures from the model (per chip) */
    double hbm_stream_eff;
    uint64_t hbm_latency_ps; /* idle closed-bank read */
    uint64_t hbm_model_capacity;
    int ran; /* a run happened since create */
    /* Runnable queues: a binary min-heap on (t, gid), so picking the next queue is O(log n)
     * (a 132-core GPU config has 396 queues). Entries carry their key: a queue's t does not
     * change while it waits in the heap, and reading it from the queue was a cache miss per
     * comparison. queued[gid]: in the heap. cur: the queue being executed (not in the heap). */
    struct sim_hent *heap;
    unsigned char *queued;
    int hn, cur;
    hbm_sig *sigs;       /* measured patterns, in first-use order */
    uint32_t *sig_index; /* open addressing on the key: slot + 1, 0 = empty */
    int n_sigs, cap_sigs, cap_index;
    hbm_sig sig_spill;                                      /* a pattern beyond SIM_HBM_SIGS_MAX */
    double hbm_probe_ref;                                   /* probe efficiency of a plain stream */
    double hbm_hits, hbm_misses, hbm_conflicts, hbm_bursts; /* this run, extrapolated */
    /* Functional work buffers (MMA tiles, DMA staging), kept across instructions: a fresh
     * malloc per instruction costs page faults on every large tile. See sim_scratch. */
    unsigned char *scratch[SIM_SCRATCH];
    size_t scratch_cap[SIM_SCRATCH];
    pmem_arena arena_hbm, arena_small; /* HBM's 1 MiB pages; scratchpad and shared 64 KiB */
};

/* ---- Memory (sim.c). ---- */
/* arena NULL: no data (timing-only mode). */
int pmem_init(pmem *m, uint64_t size, uint64_t page, pmem_arena *arena);
void pmem_free(pmem *m);
void pmem_arena_free(pmem_arena *a);
int pmem_write(pmem *m, uint64_t addr, const void *src, size_t n);
void pmem_read(const pmem *m, uint64_t addr, void *dst, size_t n);
/* Pointer to byte addr for reading (NULL = page never written: reads as zero) / writing
 * (allocates the page; NULL on out of memory). Valid up to the end of the page. */
static inline const unsigned char *pmem_peek(const pmem *m, uint64_t addr) {
    if (!m->pages) return NULL;
    const unsigned char *pg = m->pages[addr >> m->page_shift];
    return pg ? pg + (addr & (m->page_bytes - 1)) : NULL;
}
unsigned char *pmem_alloc_page(pmem *m, uint64_t addr);
static inline unsigned char *pmem_poke(pmem *m, uint64_t addr) {
    if (!m->pages) return NULL;
    unsigned char *pg = m->pages[addr >> m->page_shift];
    return pg ? pg + (addr & (m->page_bytes - 1)) : pmem_alloc_page(m, addr);
}

/* Work buffer `slot` of at least `bytes` bytes (contents undefined), grown on demand and owned
 * by the simulator; NULL on out of memory. */
void *sim_scratch(sc_sim *s, int slot, size_t bytes);

/* ---- Scheduler helpers (sim.c). ---- */
sc_status sim_exec(sc_sim *s, squeue *q, uint64_t now, sc_err *err);
sc_status sim_trap(const sc_sim *s, const squeue *q, sc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sim_trace(sc_sim *s, const char *name, int pid, int tid, uint64_t start, uint64_t end);
uint64_t sim_ps(const sc_sim *s, uint64_t cycles);
uint64_t sim_cycles(const sc_sim *s, uint64_t ps);
score *sim_core(sc_sim *s, int chip, int core);
/* Marks a queue runnable (and schedules it unless it is the one executing). */
void sim_ready(sc_sim *s, squeue *q);
/* Wakes queues blocked in wait on this core / in recv on this chip. */
void sim_wake_core(sc_sim *s, int chip, int core);
void sim_wake_chip_recv(sc_sim *s, int chip);

/* Trace process ids: core c of chip k is k*SIM_PID_CHIP + c; HBM of chip k is
 * k*SIM_PID_CHIP + SIM_PID_HBM. Thread ids within a core: queues 0-2, MMA 3, VEC 4, DMA 8+e. */
#define SIM_PID_CHIP 100000
#define SIM_PID_HBM  99999
#define SIM_TID_MMA  3
#define SIM_TID_VEC  4
#define SIM_TID_DMA  8

/* ---- Views (sim_view.c). ---- */
/* A descriptor view resolved for one instruction: absolute byte base, memory, bounds. */
typedef struct rview {
    int space, chip, core; /* core: target scratchpad's core for SPAD */
    sc_dtype dt;
    int es;       /* element bytes */
    int64_t base; /* bytes */
    int64_t st[SC_ISA_MAX_DIMS];
    uint64_t lo, hi; /* bounding byte range touched */
    pmem *mem;       /* NULL when no data (timing) or const */
    int mem_key;     /* sim_mem_key of the memory */
} rview;

int sim_mem_key(const sc_sim *s, int space, int chip, int core);
/* Effective dims of a descriptor after the rn/axis override; *skip = 1 when the override is 0. */
sc_status sim_dims(const sc_sim *s, const squeue *q, const sc_desc *d, int rn, int axis,
                   uint32_t dims[SC_ISA_MAX_DIMS], int *skip, sc_err *err);
/* Resolves view vi of desc d with register rreg added; is_dst checks writability and strides. */
sc_status sim_view(sc_sim *s, const squeue *q, const sc_desc *d, int vi, int rreg,
                   const uint32_t dims[SC_ISA_MAX_DIMS], int is_dst, int ignore_axis, rview *out,
                   sc_err *err);
uint64_t sim_dims_count(const uint32_t dims[SC_ISA_MAX_DIMS]);
/* Scratchpad range check for MMA/lds/sts operands of the own core. */
sc_status sim_spad_range(const sc_sim *s, const squeue *q, int64_t addr, uint64_t bytes, int align,
                         const char *what, sc_err *err);
/* Functional element access through a resolved view: element at linear index order i0 fastest. */
void sim_gather_f32(const sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                    float *out);
int sim_scatter_f32(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], const float *in);
/* n elements from dtype st to dt with one rounding (DMA conversions, vcast). */
void sim_convert(sc_dtype st, const unsigned char *src, sc_dtype dt, unsigned char *dst,
                 uint64_t n);
/* Raw byte gather/scatter (element-sized), used by DMA. */
void sim_gather_raw(const sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                    unsigned char *out);
int sim_scatter_raw(const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS], const unsigned char *in);
/* Same-type copy from src to dst without staging the whole transfer: row by row, straight
 * between the pages where both rows lie in one page, through `tmp` (dims[0] elements) otherwise.
 * Only for views whose byte ranges do not overlap in the same memory (the result must equal a
 * gather of everything followed by a scatter). Returns -1 when out of memory for pages. */
int sim_copy_raw(const sc_sim *s, const rview *dst, const rview *src,
                 const uint32_t dims[SC_ISA_MAX_DIMS], unsigned char *tmp);
/* Scratchpad cycles for n element accesses through the view (bank conflicts of strides). */
uint64_t sim_spad_cycles(const sc_sim *s, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                         double max_bytes_per_cycle);

/* ---- Race detection (sim_view.c). ---- */
sc_status sim_race_read(sc_sim *s, const squeue *q, int chip, int core, uint64_t lo, uint64_t hi,
                        sc_err *err);
int sim_race_write(sc_sim *s, const squeue *q, int chip, int core, uint64_t lo, uint64_t hi);
/* Earliest start of an async instruction reading [lo, hi) of memory key: after this queue's own
 * in-flight writes to it; and records a new in-flight write. */
uint64_t sim_dep_ready(const squeue *q, int mem, uint64_t lo, uint64_t hi, uint64_t t);
void sim_dep_add(squeue *q, int mem, uint64_t lo, uint64_t hi, uint64_t done);

/* ---- Units (sim_dma.c, sim_mma.c, sim_vec.c, sim_coll.c). ---- */
sc_status sim_exec_dma(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err);
sc_status sim_exec_mma(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err);
sc_status sim_exec_vec(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err);
sc_status sim_exec_send(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err);
sc_status sim_exec_recv(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err);
sc_status sim_exec_allreduce(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err);
/* HBM transfer timing of the HBM side of a DMA starting at cycle t; returns completion cycle. */
uint64_t sim_hbm_transfer(sc_sim *s, int chip, const rview *v, const uint32_t dims[SC_ISA_MAX_DIMS],
                          int is_write, uint64_t t);

/* ---- Reports (sim_report.c). ---- */
void sim_finish_stats(sc_sim *s);
/* Measures the DRAM model's steady streaming efficiency (lazily, first HBM transfer). */
sc_status sim_calibrate_hbm(sc_sim *s, sc_err *err);

/* MMA timing (exposed for tests): start/finish cycles of one m x n x k instruction on a
 * rows x cols array given the unit's weight-loader and streamer free times.
 * Weight stationary: K is cut into passes of rows*rate (rate >= 1, packed narrow weights) or
 * rows (rate < 1); each pass loads a rows x cols weight block in `rows` cycles into one of two
 * buffers (a buffer is free once the pass two before it finished streaming) and streams the m
 * rows of A in m cycles (rate >= 1) or m/rate cycles. Results drain rows + cols - 1 cycles after
 * the last row entered. stream_end: the streamer is free; done: C is written; wl_free: the
 * loader may start the next weight block. */
typedef struct mma_timing {
    uint64_t start, stream_end, done, wl_free;
} mma_timing;
mma_timing sc_sim_mma_timing(uint64_t issue, uint64_t wl_free, uint64_t stream_free, uint64_t m,
                             uint64_t n, uint64_t k, int rows, int cols, double rate);

#endif
