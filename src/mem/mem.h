// SPDX-License-Identifier: Apache-2.0
// DRAM/HBM timing model: address mapping, per-bank state machines, FR-FCFS controllers, statistics.
#ifndef SC_MEM_H
#define SC_MEM_H

#include <stdint.h>

#include "chip/chip.h"
#include "util/util.h"

/*
 * Model summary (see docs/VALIDATION.md "HBM model"):
 *  - Time is integer picoseconds (uint64) everywhere, so results are identical on every host.
 *  - One controller per pseudo-channel (PC). Each PC has its own banks, data bus, tRRD/tFAW
 *    activate window, tCCD_S/L column spacing, read/write turnaround and all-bank refresh.
 *    The command bus shared by the two PCs of a channel is not modelled (HBM3 has separate
 *    row and column command buses, so it is rarely the bottleneck).
 *  - Event driven: nothing is simulated for idle time; each 32-byte burst costs a handful of
 *    max() operations on resource "ready" times.
 */

/* Address fields, in the order used by sc_mem_coord. */
typedef enum sc_mem_field {
    SC_MEM_F_STACK = 0, /* HBM stack / LPDDR package */
    SC_MEM_F_CHANNEL,
    SC_MEM_F_PC, /* pseudo-channel */
    SC_MEM_F_BG, /* bank group */
    SC_MEM_F_BANK,
    SC_MEM_F_ROW,
    SC_MEM_F_COL, /* burst-sized column index within a row */
    SC_MEM_F_COUNT
} sc_mem_field;

#define SC_MEM_MAP_MAX_DIGITS 16

/* Address mapping: the burst index (address / burst_bytes) is written as a mixed-radix number
 * whose digits, least significant first, belong to fields. A field may own several digits
 * (e.g. two low column digits then the rest of the column higher up); radix 0 in a spec means
 * "whatever is left of that field". */
typedef struct sc_mem_map {
    int n_digits;
    sc_mem_field field[SC_MEM_MAP_MAX_DIGITS];
    uint32_t radix[SC_MEM_MAP_MAX_DIGITS]; /* 0 = rest of the field (resolved at create) */
    int bank_hash; /* rotate the bank id by the row and the stack/channel/PC id by a hash of
                      the higher address bits (permutation interleaving; default on) */
} sc_mem_map;

/* Default mapping "co2.ch.pc.st.bg.co.ba.ro" with hashing: 64-byte granules (two bursts in one
 * row) spread over channels, then pseudo-channels, then stacks, then bank groups, so a
 * sequential stream touches every PC and every bank group before reusing one; hashing keeps
 * power-of-two strides from piling onto one PC or one bank. */
#define SC_MEM_MAP_DEFAULT "co2.ch.pc.st.bg.co.ba.ro"

/* Parses "co2.ch.pc.st.bg.co.ba.ro": dot-separated field names (st ch pc bg ba ro co), each
 * with an optional radix; the extra token "nohash" turns bank hashing off (it is on by
 * default). Every field whose size is above 1 must appear; sizes are checked by sc_mem_create. */
sc_status sc_mem_map_parse(const char *text, sc_mem_map *out, sc_err *err);

typedef struct sc_mem_coord {
    uint32_t stack, channel, pc, bg, bank, row, col;
} sc_mem_coord;

typedef struct sc_mem_params {
    sc_mem_map map;
    int queue_depth; /* per-PC request queue (FR-FCFS window), >= 1 */
    int fr_fcfs;     /* 1 = row hits first (first-ready), 0 = strict FCFS */
    int refresh;     /* 1 = periodic all-bank refresh (tREFI/tRFC) */
} sc_mem_params;

sc_mem_params sc_mem_default_params(void);

typedef struct sc_mem sc_mem;

/* Creates a model for one DRAM tier. The config must have every size and timing set
 * (times in seconds). Caller owns *out; free with sc_mem_destroy. */
sc_status sc_mem_create(const sc_dram_cfg *cfg, const sc_mem_params *params, sc_mem **out,
                        sc_err *err);
void sc_mem_destroy(sc_mem *m); /* accepts NULL */

/* Returns the model to idle at time 0 and clears its statistics. */
void sc_mem_reset(sc_mem *m);

/* Fixed figures of the modelled memory. */
typedef struct sc_mem_geometry {
    uint64_t capacity; /* bytes addressable through the map */
    double peak_bw;    /* bytes/s: pin_rate * bus_bits / 8 * stacks */
    int n_pcs;         /* pseudo-channels in all stacks */
    int pcs_per_channel;
    int banks_per_pc;
    uint32_t rows_per_bank;
    uint32_t burst_bytes;
    uint64_t t_burst_ps;   /* data-bus time of one burst on one PC */
    uint64_t idle_read_ps; /* closed-bank read: tRCD + tCL + burst + controller latency */
} sc_mem_geometry;
void sc_mem_get_geometry(const sc_mem *m, sc_mem_geometry *out);

/* Address mapping (bijective over [0, capacity)). */
sc_status sc_mem_decode(const sc_mem *m, uint64_t addr, sc_mem_coord *out, sc_err *err);
sc_status sc_mem_encode(const sc_mem *m, const sc_mem_coord *c, uint64_t *addr, sc_err *err);

/* Immediate mode: schedules one request now, in call order (FCFS, no reordering: the model
 * cannot know about later calls). arrival_ps should not decrease between calls; a request
 * that arrives earlier than a resource frees simply waits. *done_ps = time its last byte is
 * delivered (reads) or accepted (writes), including controller latency. */
sc_status sc_mem_access(sc_mem *m, uint64_t addr, uint64_t bytes, int is_write, uint64_t arrival_ps,
                        uint64_t *done_ps, sc_err *err);

/* Batch mode with FR-FCFS: an explicit request list. arrival_ps must be non-decreasing;
 * done_ps is filled in. At most `outstanding` requests are in flight (0 = unlimited: only the
 * controller queues push back). */
typedef struct sc_mem_req {
    uint64_t addr, bytes;
    uint64_t arrival_ps;
    int is_write;
    uint64_t done_ps; /* out */
} sc_mem_req;
sc_status sc_mem_run_requests(sc_mem *m, sc_mem_req *reqs, size_t n, int outstanding,
                              uint64_t *finish_ps, sc_err *err);

/* Stream mode: a DMA-style pattern generated on the fly and simulated burst by burst. */
typedef enum sc_mem_pattern {
    SC_MEM_PAT_STREAM = 0, /* contiguous requests from base */
    SC_MEM_PAT_STRIDED,    /* request i starts at base + i * stride */
    SC_MEM_PAT_RANDOM,     /* request starts uniform in [base, base + span), access-aligned */
} sc_mem_pattern;

typedef struct sc_mem_stream {
    sc_mem_pattern pattern;
    uint64_t base;          /* first byte */
    uint64_t bytes;         /* total bytes moved */
    uint64_t access_bytes;  /* bytes per request */
    uint64_t stride;        /* STRIDED only */
    uint64_t span;          /* RANDOM only; 0 = whole memory from base */
    double read_fraction;   /* probability a request is a read */
    uint64_t seed;          /* RANDOM addresses and read/write choice */
    int outstanding;        /* max requests in flight; 0 = unlimited */
    uint64_t start_ps;      /* all requests are ready from this time */
    uint64_t max_sim_bytes; /* 0 = simulate everything; else simulate this many bytes and
                               extrapolate the rest at the rate of the second half */
} sc_mem_stream;

sc_mem_stream sc_mem_default_stream(void);

typedef struct sc_mem_stream_result {
    uint64_t finish_ps; /* when the last request completes */
    uint64_t simulated_bytes;
    int extrapolated; /* 1 when max_sim_bytes cut the simulation short */
} sc_mem_stream_result;

sc_status sc_mem_run_stream(sc_mem *m, const sc_mem_stream *s, sc_mem_stream_result *out,
                            sc_err *err);

/* Statistics since create/reset/sc_mem_clear_stats. */
typedef struct sc_mem_stats {
    uint64_t requests, reads, writes;
    uint64_t bytes;                               /* requested bytes */
    uint64_t bursts;                              /* column commands */
    uint64_t row_hits, row_misses, row_conflicts; /* per burst: open row / closed / other row */
    uint64_t refreshes;
    uint64_t first_ps, last_ps; /* earliest arrival, latest completion */
    uint64_t lat_min_ps, lat_max_ps;
    double lat_sum_ps;
} sc_mem_stats;

void sc_mem_get_stats(const sc_mem *m, sc_mem_stats *out);
void sc_mem_clear_stats(sc_mem *m); /* keeps bank/bus state */

/* Latency percentile (0..100) from a log-linear histogram (under 1% relative error). */
uint64_t sc_mem_latency_percentile(const sc_mem *m, double pct);

/* Data-bus busy time of one pseudo-channel (index 0..n_pcs-1, stack-major, then channel,
 * then PC) and of one channel (both PCs summed), for utilisation traces. */
uint64_t sc_mem_pc_busy_ps(const sc_mem *m, int pc_index);
uint64_t sc_mem_channel_busy_ps(const sc_mem *m, int stack, int channel);

/* Derived summary used by `seedchip membench` and reports. */
typedef struct sc_mem_summary {
    double bandwidth_gbs; /* bytes / (last completion - first arrival), 1e9 B/s */
    double peak_gbs;
    double fraction_of_peak;
    double mean_latency_ns, p50_latency_ns, p99_latency_ns, max_latency_ns;
    double row_hit_rate; /* hits / bursts */
    double elapsed_ns;
} sc_mem_summary;
void sc_mem_summarize(const sc_mem *m, sc_mem_summary *out);

/* Reference parts for tests and `membench --preset` ("hbm3e-12h", "hbm3-8h", "lpddr5x").
 * Returns SC_ERR_NOT_FOUND for an unknown name. */
sc_status sc_mem_preset(const char *name, sc_dram_cfg *out, sc_err *err);
const char *sc_mem_preset_names(void); /* "hbm3e-12h, hbm3-8h, lpddr5x" */

#endif
