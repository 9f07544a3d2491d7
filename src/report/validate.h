// SPDX-License-Identifier: Apache-2.0
// Prediction accuracy: reads a table of published measurements, predicts each row, reports errors.
#ifndef SC_REPORT_VALIDATE_H
#define SC_REPORT_VALIDATE_H

#include <stddef.h>

#include "chip/chip.h"
#include "util/util.h"

/* What a row measures decides how it is predicted (see docs/VALIDATION.md, "Calibration"). */
typedef enum sc_val_cat {
    SC_VAL_GEMM,       /* one dense GEMM: m n k */
    SC_VAL_ATTENTION,  /* batched attention matmuls (batch m n k) or fused kernels (op=decode /
                        * op=prefill of a zoo model: batch, in, ctx, tp) */
    SC_VAL_MEMORY,     /* streaming kernel: bytes, read_fraction */
    SC_VAL_COLLECTIVE, /* all-reduce over count chips: bytes */
    SC_VAL_LLM,        /* end-to-end LLM serving: TTFT, TPOT, throughput (runtime/llm_perf) */
    SC_VAL_NCAT
} sc_val_cat;

typedef enum sc_val_metric {
    SC_VAL_TFLOPS,     /* achieved FLOP/s */
    SC_VAL_LATENCY,    /* seconds per operation */
    SC_VAL_BANDWIDTH,  /* bytes/s moved by a streaming kernel */
    SC_VAL_BUSBW,      /* collective bus bandwidth (nccl-tests definition), bytes/s */
    SC_VAL_TTFT,       /* time to first token, seconds */
    SC_VAL_TPOT,       /* time per output token, seconds */
    SC_VAL_THROUGHPUT, /* output tokens/s (whole system, or per GPU with per_gpu=1) */
    SC_VAL_NMETRIC
} sc_val_metric;

/* One row of the table. Text fields are as written; numbers are parsed. */
typedef struct sc_val_row {
    int line; /* 1-based line in the file */
    char id[48], config[64], hardware[128], model[64], precision[32];
    char workload[256], metric_name[24], unit[16], source[768];
    sc_val_cat cat;
    sc_val_metric metric;
    int holdout;     /* 1 = never used by the calibration fit */
    int count;       /* chips the measurement ran on */
    double value;    /* as written, in `unit` */
    double measured; /* in base units: seconds, FLOP/s, bytes/s, tokens/s */
    /* Workload keys (0 when absent): */
    double m, n, k, batch, bytes, read_fraction, in, out;
    double ctx; /* attention rows: tokens already in the KV cache (op=decode / op=prefill) */
    int tp, per_gpu;
    int kv_per_head;    /* 1: decode attention reads each KV head once per query head (no XQA) */
    int kv_token_major; /* 1: token-major (paged vLLM / FlashAttention) KV cache layout */
    int kv_append;      /* 1: the attention kernel appends new K/V per CTA (sc_llm_deploy) */
    int host_sync;      /* 1: timed on the host clock around the call + a synchronize (timing=) */
    int burst;          /* 1: each call a short burst after an idle gap, nominal clock (load=) */
    char op[16];        /* collective / streaming kernel name: allreduce, copy, triad, dot */
} sc_val_row;

typedef struct sc_val_table sc_val_table; /* opaque; caller owns, sc_val_table_destroy */

/* Parses CSV text (header + rows, RFC 4180 quoting). name labels errors ("FILE:LINE: ...").
 * Fails on the first malformed row with SC_ERR_PARSE. Caller owns *out. */
sc_status sc_val_table_parse(const char *text, size_t len, const char *name, sc_val_table **out,
                             sc_err *err);
/* Reads and parses a file (at most 16 MiB). Caller owns *out. */
sc_status sc_val_table_load(const char *path, sc_val_table **out, sc_err *err);
void sc_val_table_destroy(sc_val_table *t);
size_t sc_val_table_count(const sc_val_table *t);
const sc_val_row *sc_val_table_row(const sc_val_table *t, size_t i); /* borrowed */

const char *sc_val_cat_name(sc_val_cat c); /* "gemm", ... static storage */
/* 1 when r is an attention row of one fused kernel (op=decode or op=prefill), 0 for batched
 * matmuls. */
int sc_val_attn_fused(const sc_val_row *r);
const char *sc_val_metric_name(sc_val_metric m);

/* The efficiency parameters the calibration fits (sc_chip fields of the same meaning). */
typedef struct sc_val_eff {
    double matmul;       /* efficiency.matmul: fraction of MMA peak */
    double memory;       /* efficiency.memory: fraction of HBM peak */
    double launch;       /* efficiency.kernel_launch: seconds per kernel */
    double coll_latency; /* efficiency.collective_latency: seconds per collective step */
    double link;         /* efficiency.link: fraction of link bandwidth for collectives */
    double nvls;         /* efficiency.nvls: the same for in-switch all-reduce; 0: none */
    double attention;    /* efficiency.attention: LLM attention kernels / executor program */
    double attn_prefill; /* efficiency.attention_prefill: prompt kernels' own; 0: attention */
    double step;         /* efficiency.step_overhead: seconds per LLM engine iteration */
    double attn_floor;   /* efficiency.attention_floor: seconds per attention kernel call */
    double host_sync;    /* efficiency.host_sync: seconds a host-clocked call adds */
    double hop;          /* efficiency.collective_hop: seconds per all-reduce ring step */
    double ll128;        /* efficiency.ll128: LL128 bandwidth / link bandwidth; 0: NCCL's 0.92 */
    double chunk;        /* efficiency.collective_chunk: bytes Simple forwards per ring step */
    double nvls_lat;     /* efficiency.nvls_latency: seconds; 0: NCCL's 25 us */
    double write;        /* efficiency.memory_write: extra bus time per written byte */
    double attn_copy;    /* efficiency.attention_copy_rate: bytes/s per thread block; 0: DMA */
} sc_val_eff;

sc_val_eff sc_val_eff_from_chip(const sc_chip *c);
void sc_val_eff_to_chip(const sc_val_eff *e, sc_chip *c);

/* Kernel-level models (validate_model.c). All take a chip whose efficiency fields apply. */
/* Seconds for `batch` independent m x n x k GEMMs of dtype t, tiled as src/compiler/gemm.c plans
 * them for this chip (tile sizes, re-reads, wave quantisation over the cores). */
sc_status sc_val_gemm_seconds(const sc_chip *c, double batch, double m, double n, double k,
                              sc_dtype t, double *seconds, sc_err *err);
/* Seconds for a streaming kernel moving `bytes` (reads + writes), read_fraction of them reads
 * (0: not stated, read-only). */
double sc_val_stream_seconds(const sc_chip *c, double bytes, double read_fraction);
/* Seconds for a ring all-reduce of `bytes` over `chips` chips. */
double sc_val_allreduce_seconds(const sc_chip *c, double bytes, int chips);

typedef struct sc_val_params {
    const char *config_dir; /* NULL = default search path */
    int only_fit;           /* 1 = skip holdout rows (the fit's objective) */
    int skip_llm;           /* 1 = skip LLM rows (fast; the fit never uses them) */
    /* NULL = every row; else row i is predicted only when select[i] != 0, the others are
     * skipped as "not selected" without any work (`validate --category/--config/--id`). */
    const char *select;
} sc_val_params;

sc_val_params sc_val_default_params(void);

/* Result of one row. */
typedef struct sc_val_result {
    int skipped;      /* 1 = not predicted; reason says why */
    char reason[200]; /* skip reason, or a note on how the row was predicted */
    double predicted; /* same base units as row->measured */
    double error;     /* (predicted - measured) / measured */
} sc_val_result;

typedef struct sc_val_stat {
    int n;
    double mape;    /* mean |error|, as a fraction */
    double max_ape; /* worst |error| */
} sc_val_stat;

typedef struct sc_val_summary {
    sc_val_stat all, fit, holdout;
    sc_val_stat cat[SC_VAL_NCAT];
    int skipped;
} sc_val_summary;

/* Predicts every row; results[i] belongs to row i (caller provides count() entries). Chips are
 * loaded once per config name; a config that does not load makes its rows skipped, as does a
 * model or precision the predictors do not know. Only SC_ERR_NOMEM-class failures fail the call.
 * overrides, when not NULL, replaces the efficiency parameters of the named config. */
typedef struct sc_val_override {
    const char *config;
    sc_val_eff eff;
} sc_val_override;

sc_status sc_val_run(const sc_val_table *t, const sc_val_params *p, const sc_val_override *ov,
                     sc_val_result *results, sc_val_summary *sum, sc_err *err);

/* Summary over results (rows that are not skipped). */
void sc_val_summarize(const sc_val_table *t, const sc_val_result *results, sc_val_summary *sum);

/* Calibration: fits the efficiency parameters of one config to its non-holdout, non-LLM rows by
 * coordinate descent on the MAPE (bounded, deterministic). *out receives the fitted parameters,
 * *mape_before / *mape_after the fit-set MAPE at the config's own and at the fitted values.
 * SC_ERR_NOT_FOUND when the config has no fit rows. */
sc_status sc_val_fit(const sc_val_table *t, const sc_val_params *p, const char *config,
                     sc_val_eff *out, double *mape_before, double *mape_after, sc_err *err);
/* Second stage: with e's kernel efficiencies, fits e->attention and e->step (the LLM serving
 * efficiencies) to the config's non-holdout LLM rows, by the same bounded coordinate descent on
 * their MAPE; each row is timed once through runtime/llm_perf and the two parameters act on its
 * attention time and iteration count. SC_ERR_NOT_FOUND when the config has no LLM fit rows. */
sc_status sc_val_fit_llm(const sc_val_table *t, const sc_val_params *p, const char *config,
                         sc_val_eff *e, double *mape_before, double *mape_after, sc_err *err);

#endif
