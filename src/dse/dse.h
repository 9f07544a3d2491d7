// SPDX-License-Identifier: Apache-2.0
// Design-space exploration: sweep spaces from YAML, a per-component area/power/cost model,
// per-point evaluation on LLM workloads, Pareto fronts and the SQLite results store.
#ifndef SC_DSE_H
#define SC_DSE_H

#include <stddef.h>
#include <stdint.h>

#include "chip/chip.h"
#include "runtime/llm_perf.h"
#include "util/util.h"

#define SC_DSE_MAX_AXES      16
#define SC_DSE_MAX_VALUES    64
#define SC_DSE_MAX_SETS      32 /* overrides in one bundle value */
#define SC_DSE_MAX_WORKLOADS 8
#define SC_DSE_MAX_POINTS    10000000

typedef struct sc_dse_value {
    const char *label;
    const char *sets[SC_DSE_MAX_SETS]; /* "key.path=value" */
    size_t n_sets;
} sc_dse_value;

typedef struct sc_dse_axis {
    const char *name;
    sc_dse_value values[SC_DSE_MAX_VALUES];
    size_t n_values;
} sc_dse_axis;

typedef struct sc_dse_workload {
    char model[64];
    int chips, tp, pp, batch, input_len, output_len;
    sc_llm_prec prec;
    double weight; /* in the geometric mean */
} sc_dse_workload;

typedef struct sc_dse_space sc_dse_space; /* caller owns; sc_dse_space_destroy */

/* Loads SPACE.yaml: base (chip name or file), workloads (list), parameters (map: key -> list of
 * values, or axis name -> list of {name, set: {key: value}} bundles). Errors name file, line and
 * key. */
sc_status sc_dse_space_load(const char *path, sc_dse_space **out, sc_err *err);
void sc_dse_space_destroy(sc_dse_space *s);
size_t sc_dse_point_count(const sc_dse_space *s);
const char *sc_dse_space_base(const sc_dse_space *s);
uint64_t sc_dse_space_hash(const sc_dse_space *s); /* identifies the space for --resume */
size_t sc_dse_workload_count(const sc_dse_space *s);
const sc_dse_workload *sc_dse_workload_at(const sc_dse_space *s, size_t i);
/* Overrides of point i (mixed-radix over the axes, first axis slowest); returns their count. */
size_t sc_dse_point_overrides(const sc_dse_space *s, size_t i, const char **ov, size_t max);
/* "axis=label,axis=label" */
void sc_dse_point_key(const sc_dse_space *s, size_t i, char *buf, size_t len);

/* ---- Area, power and cost of one design (docs/DSE.md "Component model"). ---- */
typedef struct sc_dse_phys {
    double area_core_mm2, area_die_mm2;
    double dies_per_wafer, yield, die_usd, hbm_usd, lpddr_usd, package_usd, board_usd, chip_usd;
    double power_w; /* full-rate power: MACs + vector + SRAM + HBM + links + static */
    double hbm_gb, hbm_tbs, bf16_tflops;
} sc_dse_phys;
/* ref is the design the component figures were written for (the space's base chip). */
void sc_dse_phys_model(const sc_chip *c, const sc_chip *ref, sc_dse_phys *out);

/* ---- One point ---- */
typedef struct sc_dse_result {
    size_t index;
    char key[512];
    int ok; /* 0 = the config was invalid; error says why */
    char error[256];
    sc_dse_phys phys;
    double wl_tok_s[SC_DSE_MAX_WORKLOADS]; /* output tokens/s per chip; 0 = does not fit */
    int wl_batch[SC_DSE_MAX_WORKLOADS];    /* batch actually used (halved until it fits) */
    double perf;                           /* weighted geometric mean of wl_tok_s */
    double perf_per_usd, perf_per_w, perf_per_hbm_gb;
    double eval_s; /* wall seconds spent */
} sc_dse_result;

/* Evaluates point i. A config the loader rejects is a result with ok = 0, not an error; errors are
 * for out-of-memory and internal failures. */
sc_status sc_dse_eval(const sc_dse_space *s, size_t i, sc_dse_result *out, sc_err *err);

/* JSON round trip of a result (MPI transport and the workloads column). Caller frees the text. */
char *sc_dse_result_to_json(const sc_dse_result *r);
sc_status sc_dse_result_from_json(const char *text, sc_dse_result *out, sc_err *err);

/* ---- Pareto fronts: flags[i] bit k set when point i is on front k ---- */
enum {
    SC_PARETO_COST = 1,  /* max perf, min chip cost */
    SC_PARETO_POWER = 2, /* max perf, min power */
    SC_PARETO_HBM = 4,   /* max perf, min HBM GB */
    SC_PARETO_ALL = 8    /* max perf/$, perf/W, perf/GB together */
};
void sc_dse_pareto(const sc_dse_result *v, size_t n, int *flags);

/* ---- SQLite store ---- */
typedef struct sc_dse_db sc_dse_db;
/* Opens (creating) path. resume = 0 empties it for this space; resume = 1 keeps its points and
 * fails with SC_ERR_STATE if they came from a different space. */
sc_status sc_dse_db_open(const char *path, const sc_dse_space *s, const char *space_file,
                         int resume, sc_dse_db **out, sc_err *err);
void sc_dse_db_close(sc_dse_db *db);
/* done[i] = 1 for points already stored (done has sc_dse_point_count entries). */
sc_status sc_dse_db_done(sc_dse_db *db, unsigned char *done, size_t n, sc_err *err);
/* Stores one point in its own transaction. */
sc_status sc_dse_db_put(sc_dse_db *db, const sc_dse_result *r, sc_err *err);
/* Recomputes the Pareto flags of every stored point; *n_front[k] counts front k members. */
sc_status sc_dse_db_pareto(sc_dse_db *db, size_t n_front[4], sc_err *err);
/* Loads all stored results (ok ones) with their flags; caller frees both arrays. */
sc_status sc_dse_db_load(const char *path, sc_dse_result **out, int **flags, size_t *n,
                         sc_err *err);

#endif
