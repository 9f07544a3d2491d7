// SPDX-License-Identifier: Apache-2.0
// Validation internals shared by the row predictors and the calibration fit.
#ifndef SC_REPORT_VALIDATE_INTERNAL_H
#define SC_REPORT_VALIDATE_INTERNAL_H

#include "report/validate.h"

/* LLM performance objects shared by the rows of one run that have the same model, chip, tensor
 * parallelism and precision: each object times its kernels once (validate_llm.c). */
typedef struct sc_val_llm_cache sc_val_llm_cache;
sc_val_llm_cache *sc_val_llm_cache_create(void); /* NULL when out of memory */
void sc_val_llm_cache_destroy(sc_val_llm_cache *c);

/* Predicts one row on chip (whose efficiency fields apply); fills predicted/error or skipped.
 * cache may be NULL; when given, chip must outlive it. */
void sc_val_predict_row(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                        sc_val_result *res);
/* LLM rows (validate_llm.c): predicted through runtime/llm_perf; error is left to the caller. */
void sc_val_predict_llm(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                        sc_val_result *res);

/* Fused attention rows (op=decode / op=prefill, validate_llm.c): one layer's attention kernel
 * through runtime/llm_perf; error is left to the caller. */
void sc_val_predict_attn(const sc_val_row *r, const sc_chip *chip, sc_val_llm_cache *cache,
                         sc_val_result *res);

/* Seconds of one m x n x k GEMM row through the executor (runtime/llm_perf's GEMM timing of the
 * program compiler/gemm.c builds) plus chip's launch; raw times are cached per config and shape
 * in cache (NULL: a temporary one). */
sc_status sc_val_gemm_exec(sc_val_llm_cache *cache, const sc_chip *chip, double m, double n,
                           double k, const char *precision, double *seconds, sc_err *err);
/* As sc_val_gemm_exec (a sustained load, held to the power limit); burst 1 leaves the limit out
 * (a row with load=burst: the source rested the chip between calls). */
sc_status sc_val_gemm_exec_load(sc_val_llm_cache *cache, const sc_chip *chip, double m, double n,
                                double k, const char *precision, int burst, double *seconds,
                                sc_err *err);

#endif
