// SPDX-License-Identifier: Apache-2.0
// Internals of the LLM performance model shared by its files (not a public interface).
#ifndef SC_RUNTIME_LLM_PERF_INTERNAL_H
#define SC_RUNTIME_LLM_PERF_INTERNAL_H

#include "runtime/llm_perf.h"

/* Per-chip shapes of one deployment (tensor-parallel shards). */
typedef struct lp_shape {
    int h_l, kv_l, g; /* query heads, KV heads (replicated when kv < tp), heads per KV head */
    int q_out, o_in;  /* QKV projection width (q + k + v) and O projection input */
    int ff_l, ffe_l;  /* dense and expert MLP width per chip */
    int e_l;          /* experts per chip (ep shards) */
    int layers_stage; /* layers per pipeline stage */
    double wbytes;    /* bytes per matmul weight */
    int kv_bytes;     /* bytes per KV-cache element */
} lp_shape;

sc_status lp_check_deploy(const sc_llm_arch *a, const sc_llm_deploy *d, sc_err *err);
void lp_shape_of(const sc_llm_arch *a, const sc_llm_deploy *d, lp_shape *s);
double lp_weight_bytes(sc_llm_prec p);

/* ---- Timing of kernel programs on the executor, with fits cached per shape (llm_perf_time.c). */
typedef struct lp_timer lp_timer;
sc_status lp_timer_create(const sc_chip *chip, lp_timer **out, sc_err *err);
void lp_timer_destroy(lp_timer *t);

/* Seconds for C[m x n] = A[m x k] B[k x n] with the deployment's precision on one chip. */
sc_status lp_gemm(lp_timer *t, double m, int n, int k, sc_llm_prec prec, double *sec, sc_err *err);
/* raw executor seconds of an m x n x k GEMM of type dt with the efficiencies applied */
double lp_gemm_eff(const sc_chip *c, double m, double n, double k, sc_dtype dt, double raw);
/* Attention: items x m_rows query rows over ctx tokens each. */
typedef struct lp_attn {
    double items, ctx;
    int m_rows, dk, dv, v_in_k;
    sc_dtype kv_dtype;
    int kv_pitch;  /* HBM elements between a head's token rows; 0: contiguous (llmk.h) */
    double append; /* new tokens per item the kernel copies into the cache first (llmk.h) */
    /* chunk > 0: the items are the causal query tiles (m_rows each) of `seqs` prompts of `chunk`
     * tokens over `cache` cached tokens, for `heads` query heads, launched in FlashAttention's
     * grid order; each tile attends (and, appending, copies) up to its own last row. */
    double chunk, cache;
    int seqs, heads;
    double eff;       /* the kernels' rate / the program's for the tiles' compute; 0 = 1 */
    double copy_rate; /* bytes per second one thread block's copy loop moves; 0 = the program's */
} lp_attn;
/* *sec: the attention kernels' device time, the program's divided by a->eff, with the Append_KV
 * copies (a->append), whose part *append_sec also gives: the efficiency does not act on them. */
sc_status lp_attention(lp_timer *t, const lp_attn *a, double *sec, double *append_sec, sc_err *err);
/* Time of n thread blocks, block i copying copy[i % period] seconds (copy NULL: none) then doing
 * work[i % period]
 * (seconds at one SM's rate), issued in order to cores x occ slots; the blocks computing at a time
 * share the cores (llm_perf_sched.c). -1 when out of memory. */
double lp_sched_makespan(const double *copy, const double *work, size_t period, size_t n, int cores,
                         int occ);
/* Row kernel (norm, activation, softmax) over rows x cols bf16 activations. */
sc_status lp_rows(lp_timer *t, int kind, double rows, int cols, double *sec, sc_err *err);
/* Collective over n chips of `bytes` (all-reduce buffer, all-to-all bytes per peer, p2p). */
sc_status lp_coll(lp_timer *t, int kind, int n, double bytes, double *sec, sc_err *err);
/* One GEMM with the given tiles: simulated whole when its program is small, else fitted from two
 * sub-problems (exposed so tests can compare the fit with a whole run). */
struct sc_gemm_params;
sc_status lp_gemm_tiled(lp_timer *t, const struct sc_gemm_params *p, double *sec, sc_err *err);
/* Number of executor runs so far (tests check that the cache works). */
long lp_timer_runs(const lp_timer *t);

#endif
