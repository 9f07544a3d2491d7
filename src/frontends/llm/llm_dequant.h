// SPDX-License-Identifier: Apache-2.0
// GGML tensor types used by GGUF files and their dequantisation to fp32 (layouts as in ggml).
#ifndef SC_LLM_DEQUANT_H
#define SC_LLM_DEQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* ggml_type codes (the values stored in GGUF tensor infos). */
enum {
    SC_GGML_F32 = 0,
    SC_GGML_F16 = 1,
    SC_GGML_Q4_0 = 2,
    SC_GGML_Q4_1 = 3,
    SC_GGML_Q5_0 = 6,
    SC_GGML_Q5_1 = 7,
    SC_GGML_Q8_0 = 8,
    SC_GGML_Q4_K = 12,
    SC_GGML_Q5_K = 13,
    SC_GGML_Q6_K = 14,
    SC_GGML_BF16 = 30,
};

/* Name ("Q4_K") or NULL when the type is not supported. */
const char *sc_ggml_type_name(int type);
/* Elements and bytes per block; -1 when unsupported. */
int sc_ggml_type_block(int type, size_t *block, size_t *bytes);
/* Dequantises n elements (a multiple of the block) from src to dst; -1 on bad type / size. */
int sc_ggml_dequantize(int type, const void *src, size_t n, float *dst);

#endif
