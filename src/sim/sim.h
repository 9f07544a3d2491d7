// SPDX-License-Identifier: Apache-2.0
// The executor: one program, three modes (functional, timing, both), event-driven timing.
#ifndef SC_SIM_H
#define SC_SIM_H

#include <stdint.h>

#include "chip/chip.h"
#include "isa/isa.h"
#include "mem/mem.h"
#include "util/util.h"

typedef enum sc_sim_mode {
    SC_SIM_FUNCTIONAL = 1, /* real data, no timing */
    SC_SIM_TIMING = 2,     /* timing only: no data is allocated or computed */
    SC_SIM_BOTH = 3
} sc_sim_mode;

typedef struct sc_sim_params {
    sc_sim_mode mode;
    int n_chips;        /* SPMD: every chip runs the same program (collectives connect them) */
    int race_check;     /* 1 = happens-before race detection on scratchpads (default) */
    uint64_t max_insns; /* 0 = no cap; a run that executes more traps (runaway loops) */
    int trace;          /* 1 = record spans for the Chrome trace */
    size_t trace_max_events;
    /* 1 = a short run after an idle or cooling gap (a benchmark that rests the chip between
     * calls), or a part of a larger kernel its caller holds to the limit: the nominal clock
     * holds. 0 (default) = sustained load: the run takes at least its MAC energy over the power
     * budget (sc_chip_mma_power_seconds). */
    int burst;
} sc_sim_params;

sc_sim_params sc_sim_default_params(void);

/* Busy cycles and bytes per unit class, summed over cores/engines/chips. */
typedef struct sc_sim_stats {
    uint64_t cycles;
    double seconds;
    uint64_t insns;
    double flops, macs; /* MMA work; vector ops counted separately */
    /* MACs by the MMA's A operand type (int8 = the integer MMA) */
    double macs_by_dtype[SC_DTYPE_COUNT];
    double vec_ops;
    double mma_busy, vec_busy, dma_busy; /* unit-cycles */
    double noc_busy, link_busy;
    double bytes_hbm_read, bytes_hbm_write, bytes_lpddr;
    double bytes_shared, bytes_spad, bytes_noc, bytes_link;
    double bytes_hbm_cached; /* HBM reads served by shared SRAM (chip.hbm_cache), in bytes_shared */
    sc_mem_stats hbm;
    double hbm_row_hit_rate, hbm_bandwidth_gbs;
    double energy_mac, energy_vec, energy_spad, energy_shared, energy_noc, energy_hbm;
    double energy_link, energy_static, energy_total; /* joules */
    /* 1: the MACs' energy over power.tdp - power.idle exceeded the nominal-clock time, so
     * `seconds` is that power-limited time (`cycles` stay nominal-clock cycles). */
    int power_limited;
    int cores, chips, dma_engines;
} sc_sim_stats;

typedef struct sc_sim sc_sim;

/* Creates a simulator for n_chips copies of chip. Caller owns *out (sc_sim_destroy). */
sc_status sc_sim_create(const sc_chip *chip, const sc_sim_params *p, sc_sim **out, sc_err *err);
void sc_sim_destroy(sc_sim *s);

/* Device memory (functional and both modes; timing mode has no data and these fail). The HBM
 * address space is byte addressed from 0 on every chip. */
sc_status sc_sim_write(sc_sim *s, int chip, sc_space space, int core, uint64_t addr,
                       const void *data, size_t n, sc_err *err);
sc_status sc_sim_read(sc_sim *s, int chip, sc_space space, int core, uint64_t addr, void *data,
                      size_t n, sc_err *err);
uint64_t sc_sim_hbm_capacity(const sc_sim *s);

/* Runs a program to completion (or trap). args[0..n_args) go to r1..r8 of every queue. The program
 * must outlive the call. A trap returns SC_ERR_TRAP with "trap: core C queue Q pc N: reason". */
sc_status sc_sim_run(sc_sim *s, const sc_program *prog, const int64_t *args, int n_args,
                     sc_err *err);

void sc_sim_get_stats(const sc_sim *s, sc_sim_stats *out);
/* JSON report (cJSON text, caller frees with free()). */
char *sc_sim_stats_json(const sc_sim *s);
/* Chrome trace (Perfetto "traceEvents"), caller frees with free(). */
char *sc_sim_trace_json(const sc_sim *s);
/* Register value of a queue after the run (tests, debugging). */
int64_t sc_sim_reg(const sc_sim *s, int chip, int core, sc_queue q, int reg);

#endif
