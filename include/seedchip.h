// SPDX-License-Identifier: Apache-2.0
// SeedChip public C API: chip descriptions, numerics, device runtime. The one header users include.
/*
 * Conventions (as in sqlite3.h and llama.h):
 *  - Handles are opaque; create with sc_X_open/load, free with sc_X_destroy (which accepts NULL).
 *  - Functions return an sc_status; results come back through out-parameters.
 *  - Options structs come from sc_X_default_params(); set only the fields you need.
 *  - Every handle keeps its own last-error string (sc_X_errmsg); the library never prints,
 *    never exits the process and keeps no global mutable state.
 *  - Ownership is stated on each function: "caller owns" means free with the named destroy.
 */
#ifndef SEEDCHIP_H
#define SEEDCHIP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SEEDCHIP_VERSION_MAJOR 0
#define SEEDCHIP_VERSION_MINOR 1
#define SEEDCHIP_VERSION_PATCH 0

/** Library version string, e.g. "0.1.0". Static storage. */
const char *sc_version(void);

/** Status codes returned by every fallible function. */
typedef enum sc_status {
    SC_OK = 0,
    SC_ERR_INVALID_ARG = -1, /* a caller-supplied value is wrong */
    SC_ERR_IO = -2,          /* a file could not be read or written */
    SC_ERR_PARSE = -3,       /* a file or text is malformed */
    SC_ERR_NOMEM = -4,       /* host allocation failed */
    SC_ERR_UNSUPPORTED = -5, /* valid request the implementation does not handle */
    SC_ERR_NOT_FOUND = -6,   /* named chip, model, tensor, ... does not exist */
    SC_ERR_LIMIT = -7,       /* a size cap was exceeded (device or host memory, rank, ...) */
    SC_ERR_TRAP = -8,        /* the simulated device stopped on a trap */
    SC_ERR_STATE = -9,       /* call made in the wrong state */
} sc_status;

/** Human-readable name of a status. Static storage. */
const char *sc_status_name(sc_status s);

/** Element data types known to the chip. */
typedef enum sc_dtype {
    SC_DTYPE_FP32 = 0,
    SC_DTYPE_BF16,
    SC_DTYPE_FP16,
    SC_DTYPE_FP8_E4M3, /* OCP E4M3FN: no infinities, saturating max 448 */
    SC_DTYPE_FP8_E5M2, /* OCP E5M2: IEEE-like, has infinities */
    SC_DTYPE_INT8,
    SC_DTYPE_INT4,
    SC_DTYPE_INT32,
    SC_DTYPE_FP64, /* IEEE binary64: vector unit and DMA only (the MMA has no fp64) */
    SC_DTYPE_COUNT
} sc_dtype;

/** Short name ("fp32", "bf16", "fp16", "fp8", "fp8_e5m2", "int8", "int4", "int32", "fp64"). */
const char *sc_dtype_name(sc_dtype t);
/** Parses a name as printed by sc_dtype_name ("fp8" and "fp8_e4m3" both mean E4M3). */
sc_status sc_dtype_from_name(const char *name, sc_dtype *out);
/** Storage bits per element (4 for int4). */
int sc_dtype_bits(sc_dtype t);

/* ======================================================================================
 * Chip descriptions (configs/NAME.yaml)
 * ====================================================================================== */

/** A loaded chip description. Opaque; caller owns, free with sc_chip_destroy. */
typedef struct sc_chip sc_chip;

typedef struct sc_chip_load_params {
    const char *config_dir;       /* where NAME.yaml files live; NULL = search path */
    const char *const *overrides; /* "key.path=value" strings applied after inheritance */
    size_t n_overrides;
} sc_chip_load_params;

sc_chip_load_params sc_chip_load_default_params(void);

/** Loads a chip by name ("seedchip-1") or path ("my.yaml"). On failure *out is NULL and, when
 *  errbuf is given, it receives one line naming the file, line and key. Caller owns *out. */
sc_status sc_chip_load(const char *name_or_path, const sc_chip_load_params *params, sc_chip **out,
                       char *errbuf, size_t errbuf_len);
void sc_chip_destroy(sc_chip *chip);

/** Figures derived from a chip description (what `seedchip chip show` prints). */
typedef struct sc_chip_summary {
    char name[64];
    char kind[16];                      /* "accelerator" or "gpu" */
    double peak_tflops[SC_DTYPE_COUNT]; /* dense; 0 when the type is not supported */
    double hbm_bandwidth_gbs;           /* GB/s (1e9 bytes/s) */
    double hbm_capacity_gb;             /* GB (1e9 bytes) */
    double capacity_tier_gb;            /* LPDDR capacity tier, 0 if none */
    double capacity_tier_bandwidth_gbs;
    double sram_total_mib;      /* scratchpads + shared SRAM */
    double ridge_flop_per_byte; /* bf16 peak / HBM bandwidth */
    double tdp_w;
    double clock_ghz;
    int cores;
    double link_bandwidth_gbs; /* all chip-to-chip links, one direction */
} sc_chip_summary;

sc_status sc_chip_summarize(const sc_chip *chip, sc_chip_summary *out);

/** Calls fn(name, path, user) for every chip config found in the search path, sorted by name. */
sc_status sc_chip_list(const char *config_dir,
                       void (*fn)(const char *name, const char *path, void *user), void *user);

/* ======================================================================================
 * Device runtime: a simulated SeedChip (or reference machine) running .scb programs
 * ====================================================================================== */

/** An open device: one or more chips of one description, their memories and the executor.
 *  Opaque; caller owns, free with sc_device_destroy. */
typedef struct sc_device sc_device;

typedef enum sc_device_mode {
    SC_DEVICE_FUNCTIONAL = 1, /* real data, bit-exact numerics */
    SC_DEVICE_TIMING = 2,     /* cycles, traffic and energy only; no data (huge models) */
    SC_DEVICE_BOTH = 3
} sc_device_mode;

typedef struct sc_device_params {
    sc_device_mode mode; /* default SC_DEVICE_BOTH */
    int n_chips;         /* chips running the same program (collectives connect them); 1 */
    int race_check;      /* trap on scratchpad reads not ordered after their write; 1 */
    uint64_t max_insns;  /* trap after this many instructions; 0 = no cap */
    int trace;           /* record a Chrome trace of each launch; 0 */
} sc_device_params;

sc_device_params sc_device_default_params(void);

/** Opens a device on `chip` (which may be destroyed afterwards: the device copies it). On
 *  failure *out is NULL and errbuf (if given) receives one line. Caller owns *out. */
sc_status sc_device_open(const sc_chip *chip, const sc_device_params *params, sc_device **out,
                         char *errbuf, size_t errbuf_len);
void sc_device_destroy(sc_device *dev);
/** The last error of this handle ("" if none). Valid until the next call on the handle. */
const char *sc_device_errmsg(const sc_device *dev);

/** HBM bytes per chip. */
uint64_t sc_device_hbm_bytes(const sc_device *dev);
/** Allocates `bytes` of HBM (same address on every chip), aligned to `align` (a power of two,
 *  0 = 64). Loaded programs' HBM buffers are reserved, so allocations never overlap them. */
sc_status sc_device_alloc(sc_device *dev, uint64_t bytes, uint64_t align, uint64_t *addr);
sc_status sc_device_free(sc_device *dev, uint64_t addr);
/** Host <-> device copies of HBM bytes on one chip (functional and both modes only). */
sc_status sc_device_copy_in(sc_device *dev, int chip, uint64_t addr, const void *src, size_t n);
sc_status sc_device_copy_out(sc_device *dev, int chip, uint64_t addr, void *dst, size_t n);

/** Loads a program from .scb bytes (copied) or a file; *program_id identifies it on the device.
 *  Its HBM buffers are reserved in the allocator. */
sc_status sc_device_load(sc_device *dev, const void *scb, size_t len, int *program_id);
sc_status sc_device_load_file(sc_device *dev, const char *path, int *program_id);
/** HBM address and size of a loaded program's buffer by name (SC_ERR_NOT_FOUND if absent). */
sc_status sc_device_buffer(const sc_device *dev, int program_id, const char *name, uint64_t *addr,
                           uint64_t *bytes);

/** Starts a program with up to 8 integer arguments (registers r1..r8 of every queue). The
 *  simulated device runs it to completion before sc_device_wait reports the result. */
sc_status sc_device_launch(sc_device *dev, int program_id, const int64_t *args, int n_args);
/** Result of the last launch: SC_OK, or SC_ERR_TRAP with the trap in sc_device_errmsg. */
sc_status sc_device_wait(sc_device *dev);

/** Figures of the last completed launch. */
typedef struct sc_device_run_info {
    uint64_t cycles, insns;
    double seconds, flops, hbm_bytes, energy_j;
} sc_device_run_info;
sc_status sc_device_run_info_get(const sc_device *dev, sc_device_run_info *out);
/** Statistics / Chrome trace of the last launch as JSON text; caller frees with free(). NULL
 *  before any launch (or without params.trace for the trace). */
char *sc_device_stats_json(const sc_device *dev);
char *sc_device_trace_json(const sc_device *dev);

#ifdef __cplusplus
}
#endif
#endif
