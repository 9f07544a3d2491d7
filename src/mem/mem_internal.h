// SPDX-License-Identifier: Apache-2.0
// Private state of the DRAM model, shared by the mapping, timing core and event engine files.
#ifndef SC_MEM_INTERNAL_H
#define SC_MEM_INTERNAL_H

#include "mem/mem.h"

/* Timings in integer picoseconds. */
typedef struct mem_timing {
    uint64_t rcd, rp, cl, wl, ras, rrd_s, rrd_l, faw, wr, rtw, wtr, ccd_s, ccd_l, rtp;
    uint64_t rfc, refi, ctrl, burst;
} mem_timing;

/* One bank: when its next ACT / PRE / column command may issue. */
typedef struct mem_bank {
    uint32_t row;
    int open;
    uint64_t act_ready, pre_ready, col_ready;
} mem_bank;

/* A burst waiting in a PC queue. */
typedef struct mem_burst {
    uint64_t arrival;
    uint32_t row;
    uint32_t req;     /* request slot */
    uint16_t bank_id; /* bg * banks_per_group + bank */
    uint16_t bg;
    uint8_t is_write;
    uint8_t kind; /* MEM_MISS/CONFLICT when its row was opened for it, else MEM_HIT */
} mem_burst;

/* One pseudo-channel controller. "*_ok" fields are the earliest time the next command of that
 * kind may issue, so that 0 means "unconstrained" and no validity flags are needed. */
typedef struct mem_pc {
    mem_bank *banks;
    uint64_t *bg_act_ok; /* tRRD_L */
    uint64_t *bg_col_ok; /* tCCD_L */
    uint32_t *pend;      /* per bank: queued bursts that hit its open row (event engine) */
    uint64_t act_ok;     /* tRRD_S */
    uint64_t faw[4];     /* ACT time + tFAW of the last four activates (ring) */
    int faw_pos;
    uint64_t col_ok;   /* tCCD_S */
    uint64_t rd_ok;    /* write-to-read turnaround */
    uint64_t wr_ok;    /* read-to-write turnaround */
    uint64_t bus_free; /* data bus */
    uint64_t next_ref; /* next all-bank refresh due */
    uint64_t busy_ps;  /* data-bus occupancy */
    /* event-engine queue: entries q[head .. head+n) in arrival order, capacity 2*depth */
    mem_burst *q;
    int head, n;
    uint64_t pick_floor; /* next column decision not before the previous column command */
    int pick_pending;    /* a pick event is in the heap */
    int bypass;          /* times the oldest queued burst was passed over (anti-starvation) */
} mem_pc;

enum { MEM_HIT = 0, MEM_MISS = 1, MEM_CONFLICT = 2 };

#define MEM_HIST_SUB     64 /* linear sub-buckets per power of two */
#define MEM_HIST_BUCKETS (64 * MEM_HIST_SUB)

struct sc_mem {
    sc_dram_cfg cfg;
    sc_mem_params params;
    mem_timing t;
    /* geometry */
    uint32_t dims[SC_MEM_F_COUNT];         /* size of each field */
    uint32_t radix[SC_MEM_MAP_MAX_DIGITS]; /* resolved digit radices */
    uint32_t mult[SC_MEM_MAP_MAX_DIGITS];  /* weight of the digit inside its field */
    uint32_t shift[SC_MEM_MAP_MAX_DIGITS];
    int pc_top;        /* last digit of the stack/channel/PC fields (channel hashing) */
    uint64_t n_bursts; /* capacity / burst_bytes */
    int n_pcs, banks_per_pc;
    double peak_bw;
    mem_pc *pcs;
    /* statistics */
    sc_mem_stats st;
    uint64_t *hist;
};

/* mem_map.c */
sc_status mem_map_resolve(sc_mem *m, sc_err *err);
void mem_decode_burst(const sc_mem *m, uint64_t burst, sc_mem_coord *c);
int mem_pc_index(const sc_mem *m, const sc_mem_coord *c);
uint32_t mem_bank_id(const sc_mem *m, const sc_mem_coord *c);

/* mem_dram.c: the timing core */
/* Returns 1 when a refresh closed the banks. */
int mem_refresh_until(sc_mem *m, mem_pc *pc, uint64_t t);
/* Opens b's row (PRE if another row is open, then ACT, neither before `floor`); returns
 * MEM_HIT (already open), MEM_MISS or MEM_CONFLICT. */
int mem_open_row(sc_mem *m, mem_pc *pc, const mem_burst *b, uint64_t floor);
/* Issues the commands of one burst; floor_act bounds PRE/ACT, floor_col bounds the column
 * command. Returns the end of its data transfer; *kind = MEM_HIT/MISS/CONFLICT, *col = time
 * of the column command. */
uint64_t mem_issue(sc_mem *m, mem_pc *pc, const mem_burst *b, uint64_t floor_act,
                   uint64_t floor_col, int *kind, uint64_t *col);
/* Earliest column time of a row hit to bank b (no state change); used by FR-FCFS. */
uint64_t mem_hit_ready(const sc_mem *m, const mem_pc *pc, const mem_burst *b);
void mem_record_request(sc_mem *m, uint64_t issue_ps, uint64_t done_ps, uint64_t bytes,
                        int is_write);
void mem_record_burst(sc_mem *m, int kind);

#endif
