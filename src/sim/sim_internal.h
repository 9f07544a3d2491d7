// SPDX-License-Identifier: Apache-2.0
// Executor internals shared by the scheduler, the instruction semantics and the reports.
#ifndef SC_SIM_INTERNAL_H
#define SC_SIM_INTERNAL_H

#include "sim/sim.h"

#define SIM_INF UINT64_MAX

/* Sparse device memory: pages allocated on first write, unwritten bytes read as zero. */
typedef struct pmem {
    uint64_t size;
    uint64_t page_bytes;
    size_t n_pages;
    unsigned char **pages; /* NULL in timing-only mode */
} pmem;

typedef enum qstate { Q_RUN, Q_HALTED, Q_BARRIER, Q_COLLECTIVE } qstate;

typedef struct squeue {
    int chip, core, q, gid;
    const sc_insn *code;
    size_t n, pc;
    int64_t r[SC_ISA_REGS];
    uint64_t t;        /* cycle at which the next instruction may start */
    uint64_t done_max; /* latest completion of this queue's asynchronous work */
    qstate state;
    uint32_t *vc;      /* vector clock over all queues (race detection) */
    uint64_t insns;
} squeue;

typedef struct token {
    uint64_t time;
    uint32_t *vc; /* signaller's clock (NULL without race checking) */
} token;

typedef struct sem {
    token *tok;
    size_t n, cap;
} sem;

typedef struct wrec {
    uint64_t lo, hi;  /* byte range in the scratchpad */
    int writer;       /* queue gid */
    uint32_t stamp;   /* writer's signal count at write + 1 */
} wrec;

typedef struct score {
    pmem spad;
    sem sems[SC_ISA_SEMAPHORES];
    uint64_t mma_wl_free, mma_stream_free; /* systolic weight loader / A streamer */
    uint64_t vec_free;
    uint64_t *dma_free; /* per engine */
    uint64_t noc_free;  /* the core's mesh injection link */
    wrec *w;
    size_t nw, capw;
    int hops_to_hbm, hops_to_shared;
} score;

typedef struct schip {
    pmem hbm, shared;
    sc_mem *hbm_model;
    uint64_t link_free; /* chip-to-chip links, modelled as one pooled port */
} schip;

typedef struct sbarrier {
    int arrived;
    uint64_t release;
} sbarrier;

typedef struct smsg {
    int src_chip, dst_chip, tag;
    uint64_t ready, bytes;
    unsigned char *data;
    int used;
} smsg;

typedef struct trace_ev {
    const char *name;
    int pid, tid;
    uint64_t ts, dur; /* cycles */
} trace_ev;

struct sc_sim {
    sc_chip chip;
    sc_sim_params p;
    int functional, timing;
    int n_cores, n_queues;
    double ps_per_cycle;
    schip *chips;
    score *cores;     /* n_chips * n_cores */
    squeue *queues;   /* n_chips * n_cores * 3 */
    sbarrier bars[SC_ISA_BARRIERS];
    smsg *msgs;
    size_t n_msgs, cap_msgs;
    const sc_program *prog;
    const uint8_t *consts;
    size_t n_consts;
    sc_sim_stats st;
    uint64_t end_cycle;
    trace_ev *ev;
    size_t n_ev, cap_ev, dropped_ev;
    int coll_arrived;    /* allreduce rendezvous */
    uint64_t coll_release;
};

/* Memory. */
int pmem_init(pmem *m, uint64_t size, uint64_t page, int with_data);
void pmem_free(pmem *m);
int pmem_write(pmem *m, uint64_t addr, const void *src, size_t n);
void pmem_read(const pmem *m, uint64_t addr, void *dst, size_t n);

/* Instruction semantics (sim_ops.c): return SC_OK or a trap status with err set. */
sc_status sim_exec(sc_sim *s, squeue *q, uint64_t now, sc_err *err);
sc_status sim_trap(const sc_sim *s, const squeue *q, sc_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sim_trace(sc_sim *s, const char *name, int pid, int tid, uint64_t start, uint64_t end);
uint64_t sim_ps(const sc_sim *s, uint64_t cycles);
uint64_t sim_cycles(const sc_sim *s, uint64_t ps);

/* MMA timing (exposed for tests): start/finish cycles of one m x n x k instruction on a
 * rows x cols array given the unit's weight-loader and streamer free times. */
typedef struct mma_timing {
    uint64_t start, stream_end, done, wl_free;
} mma_timing;
mma_timing sc_sim_mma_timing(uint64_t issue, uint64_t wl_free, uint64_t stream_free, uint64_t m,
                             uint64_t n, uint64_t k, int rows, int cols, double rate);

#endif
