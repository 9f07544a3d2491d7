// SPDX-License-Identifier: Apache-2.0
// Serving simulation: request workloads, an event-driven continuous-batching engine, metrics.
#ifndef SC_SERVE_H
#define SC_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/llm_perf.h"
#include "util/util.h"

/* ---- Deterministic random numbers (xoshiro256**, seeded through splitmix64). ---- */
typedef struct sc_rng {
    uint64_t s[4];
} sc_rng;
void sc_rng_seed(sc_rng *r, uint64_t seed);
uint64_t sc_rng_next(sc_rng *r);
double sc_rng_uniform(sc_rng *r); /* [0, 1) */
double sc_rng_exp(sc_rng *r, double mean);
double sc_rng_normal(sc_rng *r);
double sc_rng_gamma(sc_rng *r, double shape, double scale);

/* ---- Workloads ---- */
typedef enum sc_len_kind { SC_LEN_FIXED, SC_LEN_UNIFORM, SC_LEN_LOGNORMAL, SC_LEN_EXP } sc_len_kind;
typedef struct sc_len_dist {
    sc_len_kind kind;
    double mean; /* tokens */
    double cv;   /* coefficient of variation (lognormal); uniform spans mean*(1 +- cv) */
    int min, max;
} sc_len_dist;
int sc_len_sample(const sc_len_dist *d, sc_rng *r);
sc_status sc_len_kind_from_name(const char *name, sc_len_kind *out);

typedef enum sc_arrival_kind {
    SC_ARRIVAL_POISSON, /* exponential gaps at rate */
    SC_ARRIVAL_GAMMA,   /* gamma gaps with coefficient of variation burst_cv (> 1 = bursty) */
    SC_ARRIVAL_CLOSED,  /* concurrency requests always in flight (a new one when one finishes) */
    SC_ARRIVAL_TRACE    /* replay: requests given explicitly */
} sc_arrival_kind;

typedef struct sc_serve_request {
    double arrival; /* seconds from the start */
    int prompt_len, output_len;
    int prefix_group; /* requests with the same group >= 0 share their first prefix_len tokens */
    int prefix_len;
} sc_serve_request;

typedef struct sc_serve_workload {
    sc_arrival_kind arrival;
    double rate;     /* requests/s (poisson, gamma) */
    double burst_cv; /* gamma: coefficient of variation of inter-arrival gaps */
    int concurrency; /* closed loop */
    double duration; /* arrivals happen in [0, duration) */
    sc_len_dist prompt, output;
    double prefix_share; /* fraction of requests that start with a shared system prompt */
    int prefix_groups;   /* number of distinct shared prompts */
    int prefix_len;      /* tokens of each shared prompt (counted inside prompt_len) */
    uint64_t seed;
} sc_serve_workload;

sc_serve_workload sc_serve_default_workload(void);
/* One request with sampled lengths (arrival left 0). */
sc_serve_request sc_serve_sample_request(const sc_serve_workload *w, sc_rng *r);
/* Open-loop arrivals for poisson/gamma. Caller frees *out with free(). */
sc_status sc_serve_generate(const sc_serve_workload *w, sc_serve_request **out, size_t *n,
                            sc_err *err);
/* Parses a CSV (header row naming columns) or JSONL trace; columns/keys: arrival (or timestamp,
 * time), prompt_len (input_len, prompt_tokens), output_len (output_tokens), optional
 * prefix_group, prefix_len. Sorted by arrival on return. Errors name file and line. Caller frees.
 */
#define SC_SERVE_TRACE_MAX_REQUESTS 10000000
sc_status sc_serve_trace_parse(const char *file, const char *text, size_t len,
                               sc_serve_request **out, size_t *n, sc_err *err);

/* ---- The engine model: what one replica costs per iteration and how much KV it holds. ---- */
typedef sc_status (*sc_serve_step_fn)(void *user, const sc_llm_step *s, double *seconds,
                                      sc_err *err);
typedef struct sc_serve_engine {
    sc_serve_step_fn step;     /* iteration time of one replica */
    void *user;                /* passed to step; borrowed */
    double kv_capacity_tokens; /* per replica */
    double kv_bytes_per_token; /* per replica (all its chips), for swap and KV transfer */
    double swap_bw;            /* bytes/s to host memory per replica (preemption by swap) */
    double xfer_bw;            /* bytes/s between a prefill and a decode replica */
    double xfer_latency;       /* seconds per KV transfer */
    int max_ctx;               /* longest sequence the model accepts */
} sc_serve_engine;

typedef enum sc_preempt_mode { SC_PREEMPT_RECOMPUTE, SC_PREEMPT_SWAP } sc_preempt_mode;

typedef struct sc_serve_params {
    int replicas;         /* colocated replicas (ignored when disaggregated) */
    int prefill_replicas; /* > 0 together with decode_replicas: prefill/decode disaggregation */
    int decode_replicas;
    int max_batch;       /* sequences per iteration */
    int token_budget;    /* tokens (decode + prefill) per iteration */
    int chunked_prefill; /* 1 = split prompts across iterations to fill the token budget */
    int block_size;      /* KV tokens per paged block */
    sc_preempt_mode preempt;
    int prefix_caching;
    double slo_ttft, slo_tpot; /* seconds; 0 = no target */
    double max_time;           /* stop draining at this simulated time (0 = 20 x duration + 60) */
    size_t timeline_max;       /* iterations recorded for reports (0 = none) */
} sc_serve_params;
sc_serve_params sc_serve_default_params(void);

typedef struct sc_serve_pcts {
    double mean, p50, p90, p99, max;
} sc_serve_pcts;

typedef struct sc_serve_span { /* one engine iteration, for timelines */
    int replica;
    double start, seconds;
    int n_decode, prefill_tokens;
} sc_serve_span;

#define SC_SERVE_CDF_POINTS 101
typedef struct sc_serve_result {
    size_t arrived, completed, rejected, unfinished;
    sc_serve_pcts ttft, tpot, e2e, queue;
    double cdf_ttft[SC_SERVE_CDF_POINTS], cdf_tpot[SC_SERVE_CDF_POINTS],
        cdf_e2e[SC_SERVE_CDF_POINTS]; /* value at quantile i/100 */
    double duration, makespan;        /* arrival window; time the last request finished */
    double output_tok_s;              /* output tokens generated in [0, duration) / duration */
    double input_tok_s;               /* prompt tokens of completed requests / duration */
    double req_s, goodput_req_s, slo_attainment;
    double iterations, mean_batch, mean_prefill_tokens, mean_kv_util, busy_fraction;
    double preemptions, swaps, prefix_hit_rate, kv_transfers;
    sc_serve_span *timeline; /* owned; sc_serve_result_free */
    size_t n_timeline;
} sc_serve_result;
void sc_serve_result_free(sc_serve_result *r);

/* Runs the simulation. For SC_ARRIVAL_TRACE pass reqs/n_reqs (sorted by arrival; w->duration is
 * still the measurement window); other arrival kinds generate their own. One engine model serves
 * every replica. Deterministic for a given seed. r is filled (caller frees with
 * sc_serve_result_free). */
sc_status sc_serve_run(const sc_serve_engine *eng, const sc_serve_params *p,
                       const sc_serve_workload *w, const sc_serve_request *reqs, size_t n_reqs,
                       sc_serve_result *r, sc_err *err);

/* ---- Engine from the LLM performance model (src/runtime/llm_perf.h). ---- */
typedef struct sc_serve_llm sc_serve_llm; /* owns an sc_llm_perf; caller owns */
/* kv capacity comes from sc_llm_memory_plan at batch 1 / max ctx; swap over the host interface
 * (PCIe Gen5 x16, 64 GB/s per chip), KV transfer over the chip-to-chip links. */
sc_status sc_serve_llm_create(const sc_llm_arch *a, const sc_llm_deploy *d, sc_serve_llm **out,
                              sc_err *err);
void sc_serve_llm_destroy(sc_serve_llm *s);
const sc_serve_engine *sc_serve_llm_engine(const sc_serve_llm *s);
sc_llm_perf *sc_serve_llm_perf(sc_serve_llm *s);

/* JSON text of a result (cJSON; caller frees with free()). */
char *sc_serve_result_json(const sc_serve_result *r, const char *model, const char *chip,
                           int chips_total, const sc_serve_params *p, const sc_serve_workload *w);

#endif
