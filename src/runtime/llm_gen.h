// SPDX-License-Identifier: Apache-2.0
// LLM generation on the simulated chip: weight upload, paged KV cache, prefill/decode, sampling.
#ifndef SC_RUNTIME_LLM_GEN_H
#define SC_RUNTIME_LLM_GEN_H

#include <stdint.h>

#include "chip/chip.h"
#include "frontends/llm/llm_model.h"
#include "sim/sim.h"

typedef struct sc_llm_gen_params {
    sc_dtype precision; /* weights, MMA operands and KV cache: SC_DTYPE_FP32 or SC_DTYPE_BF16;
                           SC_DTYPE_INT8 = weight-only W8A16 (int8 layer weights with per-row
                           scales, bf16 activations, embeddings and KV cache) */
    int max_seq;        /* context capacity; 0 = min(model's seq_len, 512) */
    int block_tokens;   /* KV page size (tokens); 0 = 16 */
    int prefill_bucket; /* tokens per prefill program; 0 = min(32, array rows) */
    int cores;          /* tensor cores the programs use; 0 = every core of the chip */
    sc_sim_mode mode;   /* SC_SIM_FUNCTIONAL or SC_SIM_BOTH (adds device time) */
    /* Sampling: temperature 0 = greedy; top_k 0 = off; top_p 1 = off. */
    float temperature, top_p;
    int top_k;
    uint64_t seed;
} sc_llm_gen_params;

sc_llm_gen_params sc_llm_gen_default_params(void);

typedef struct sc_llm_gen_stats {
    int prefill_tokens, decode_tokens, prefill_runs, decode_runs;
    double prefill_device_s, decode_device_s; /* simulated (SC_SIM_BOTH only, else 0) */
    double host_s;                            /* wall time spent in the simulator */
    double energy_j;
} sc_llm_gen_stats;

/* A generation context: one sequence on one simulated chip. It keeps a pointer to model and chip
 * (both must outlive it); caller owns it (sc_llm_gen_destroy). */
typedef struct sc_llm_gen sc_llm_gen;

sc_status sc_llm_gen_create(const sc_chip *chip, const sc_llm_model *m, const sc_llm_gen_params *p,
                            sc_llm_gen **out, sc_err *err);
void sc_llm_gen_destroy(sc_llm_gen *g); /* accepts NULL */

/* Runs n tokens at the current position (prefill buckets, then single-token decode programs);
 * afterwards sc_llm_gen_logits holds the last token's logits. */
sc_status sc_llm_gen_feed(sc_llm_gen *g, const int *ids, int n, sc_err *err);
const float *sc_llm_gen_logits(const sc_llm_gen *g); /* vocab_size values; owned by g */
int sc_llm_gen_pos(const sc_llm_gen *g);
int sc_llm_gen_max_seq(const sc_llm_gen *g);
/* Draws the next token from the current logits with the context's sampler and PRNG. */
int sc_llm_gen_sample(sc_llm_gen *g);
void sc_llm_gen_get_stats(const sc_llm_gen *g, sc_llm_gen_stats *out);
/* Programs for inspection (disassembly, tests): 1 = decode, otherwise prefill. */
const sc_program *sc_llm_gen_program(const sc_llm_gen *g, int decode);

/* ---- Sampling (llm_gen_sample.c): deterministic, state in the caller's struct. ---- */
typedef struct sc_llm_rng {
    uint64_t s;
} sc_llm_rng;
void sc_llm_rng_seed(sc_llm_rng *r, uint64_t seed);
uint64_t sc_llm_rng_next(sc_llm_rng *r);
float sc_llm_rng_uniform(sc_llm_rng *r); /* [0, 1) */
/* Samples an index of logits[0..n): greedy when temperature <= 0, else softmax(logits / T)
 * restricted to the top_k most likely (0 = all) and the smallest set with mass >= top_p.
 * scratch holds n candidates: caller-provided so the call allocates nothing. */
typedef struct sc_llm_cand {
    float p;
    int id;
} sc_llm_cand;
int sc_llm_sample(const float *logits, int n, float temperature, int top_k, float top_p,
                  sc_llm_rng *rng, sc_llm_cand *scratch);

#endif
