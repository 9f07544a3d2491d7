// SPDX-License-Identifier: Apache-2.0
// Internal view of a chip description: every layer (mem, sim, compiler, serve) reads this struct.
#ifndef SC_CHIP_H
#define SC_CHIP_H

#include <stdint.h>

#include "seedchip.h"

/* One DRAM tier (HBM stacks or LPDDR packages). All times in seconds, sizes in bytes. */
typedef struct sc_dram_cfg {
    int present;
    char generation[16];       /* "HBM3E", "HBM4", "HBM3", "HBM2E", "LPDDR5X" */
    int stacks;                /* HBM stacks, or LPDDR packages */
    double capacity_per_stack; /* bytes */
    double pin_rate;           /* bit/s per data pin */
    int bus_bits;              /* data pins per stack/package */
    int channels;              /* independent channels per stack */
    int pseudo_channels;       /* pseudo-channels per channel (1 for LPDDR) */
    int bank_groups;           /* per pseudo-channel */
    int banks_per_group;
    int row_bytes;   /* page size of one pseudo-channel */
    int burst_bytes; /* bytes moved by one column command */
    double tRCD, tRP, tCL, tRAS, tRRD_S, tRRD_L, tFAW, tWR, tRTW, tWTR, tCCD_S, tCCD_L;
    double tRFC, tREFI;        /* refresh (all-bank) */
    double controller_latency; /* fixed controller + PHY + NoC latency added to each access */
    double cost_per_gb;        /* USD per GB of this tier */
} sc_dram_cfg;

struct sc_chip {
    char name[64];
    char description[256];
    char kind[16];    /* "accelerator" or "gpu" */
    char source[512]; /* file the description came from */

    /* compute */
    double clock_hz;
    int cores;                       /* tensor cores (SMs for GPUs) */
    int sa_rows, sa_cols;            /* systolic array MACs per cycle at bf16 = rows * cols */
    double mma_rate[SC_DTYPE_COUNT]; /* MAC rate relative to bf16 (fp8 2, fp32 0.25, ...) */
    int vec_lanes;                   /* fp32 vector lanes per core */
    double vec_special_rate;         /* transcendental ops per lane per cycle (exp, tanh, ...) */
    double vec_fp64_rate;            /* fp64 element ops per lane per cycle (absent: 0.25) */

    /* on-chip memory */
    double scratchpad_bytes; /* per core */
    int scratchpad_banks;
    int scratchpad_bank_width;  /* bytes per bank per cycle */
    double shared_sram_bytes;   /* whole chip */
    double shared_sram_bw;      /* bytes/s, whole chip */
    int hbm_cache;              /* 1: shared SRAM caches HBM for DMA timing (GPU L2); default 0 */
    int l2_multicast;           /* cores per cluster one L2 read serves (TMA multicast); 0/1 none */
    int dma_engines;            /* per core */
    double dma_bytes_per_cycle; /* per engine */

    /* network on chip */
    int mesh_x, mesh_y;
    double noc_link_bytes_per_cycle;
    int noc_hop_cycles;

    /* off-chip memory */
    sc_dram_cfg hbm;
    sc_dram_cfg lpddr; /* optional capacity tier */

    /* chip-to-chip */
    int link_count;
    double link_bw;      /* bytes/s per link per direction */
    double link_latency; /* seconds */

    /* power and energy (joules per op / per byte) */
    double tdp_w, idle_w;
    double e_mac[SC_DTYPE_COUNT];
    double e_vec_op;
    double e_scratchpad_byte, e_shared_sram_byte, e_noc_byte, e_hbm_byte, e_lpddr_byte, e_link_byte;

    /* area (mm2) and cost (USD) for cost models */
    double area_core_mm2, area_shared_sram_mm2, area_noc_mm2, area_hbm_phy_mm2, area_io_mm2;
    double die_cost_per_mm2, package_cost, board_cost, unit_price;
    double chips_per_server, server_cost, server_overhead_w;

    /* achievable-efficiency parameters (calibrated for GPU references; 1.0 for ideal) */
    double eff_matmul, eff_memory, kernel_launch_s, collective_latency_s;
    double eff_link; /* optional: fraction of link bandwidth collectives reach; 0 = absent = 1 */
    double eff_nvls; /* optional: same for in-switch all-reduce (NVLS); 0 = absent = no NVLS */
    /* optional, LLM serving (runtime/llm_perf; fitted on end-to-end rows by seedchip validate): */
    double eff_attention;   /* attention kernels' rate / the executor's program; 0 = absent = 1 */
    double step_overhead_s; /* host time per engine iteration (enqueue, sampling, scheduling) */
    double host_sync_s;     /* host-clock harness floor per timed call (timing=host_sync rows) */
    double eff_attention_prefill; /* prefill attention kernels; 0 = absent = eff_attention */
    int attn_ctas;                /* attention items resident per core (GPU CTAs per SM); 0 = 1 */
    int attn_rows;                /* prefill query rows per attention item; 0 = sa_rows */
    double attn_floor_s;          /* device time per attention kernel call beyond the program's */
    double attn_copy_rate;        /* bytes/s of one thread block's Append_KV copy; 0 = DMA-timed */
    /* optional, NCCL all-reduce mechanisms (runtime/gpu_coll.c; 0 = absent = NCCL's own model): */
    double coll_hop_s;     /* latency per ring step beyond NCCL's per-protocol constants */
    double eff_ll128;      /* LL128's bandwidth / link bandwidth (NCCL caps it per channel) */
    double coll_chunk;     /* bytes per ring step the Simple protocol pipelines (fill cost) */
    double nvls_latency_s; /* NVLS all-reduce latency (absent: NCCL's 25 us) */
    double mem_write; /* optional: extra HBM bus time per written byte (turnaround); 0 = none */
};

/* Derived figures used across layers. */
double sc_chip_peak_flops(const sc_chip *c, sc_dtype t); /* FLOP/s, dense */
/* Tensor-core power limit. A chip draws at most power.tdp over its power controller's window,
 * so under a sustained load its MACs cannot take less than their energy over the budget left
 * above idle: sc_chip_mma_power_seconds = macs x energy.mac[t] / (tdp - idle) (0 without a
 * budget). sc_chip_mma_power is the power full-rate MMA of type t would draw at the nominal clock,
 * sc_chip_mma_clock_fraction the fraction of the nominal rate the budget sustains (at most 1). */
double sc_chip_mma_power(const sc_chip *c, sc_dtype t); /* watts */
double sc_chip_mma_clock_fraction(const sc_chip *c, sc_dtype t);
double sc_chip_mma_power_seconds(const sc_chip *c, sc_dtype t, double macs);
double sc_dram_bandwidth(const sc_dram_cfg *d); /* bytes/s */
double sc_dram_capacity(const sc_dram_cfg *d);  /* bytes */
const char *sc_chip_config_dir(void);           /* default search directory */

#endif
