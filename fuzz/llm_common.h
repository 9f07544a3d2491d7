// SPDX-License-Identifier: Apache-2.0
// Checks shared by the LLM checkpoint fuzz targets (llama2.c, GGUF, safetensors).
#ifndef SC_FUZZ_LLM_COMMON_H
#define SC_FUZZ_LLM_COMMON_H

#include <math.h>
#include <string.h>

#include "frontends/llm/llm_model.h"
#include "fuzz.h"

/* Limits for fuzzing: the readers must refuse, with SC_ERR_LIMIT, a file whose header asks for
 * more than this, before allocating it (libFuzzer counts any malloc over -malloc_limit_mb as a
 * crash, which is what an unchecked header would do to a user's machine). */
static inline sc_llm_load_params fuzz_llm_params(void) {
    sc_llm_load_params p = sc_llm_load_default_params();
    p.max_file_bytes = 1u << 24;
    p.max_params = 1u << 22;
    return p;
}

/* A model that loaded is consistent: config within the checked limits, every tensor present. */
static inline void fuzz_check_llm_model(const sc_llm_model *m) {
    const sc_llm_config *c = &m->cfg;
    FUZZ_CHECK(c->dim >= 1 && c->n_layers >= 1 && c->n_heads >= 1 && c->vocab_size >= 1);
    FUZZ_CHECK(c->n_kv_heads >= 1 && c->n_heads % c->n_kv_heads == 0 && c->head_dim >= 2);
    FUZZ_CHECK(c->bos_id < c->vocab_size && c->eos_id < c->vocab_size);
    FUZZ_CHECK(m->tok_emb && m->out_norm && m->cls && m->layers);
    for (int l = 0; l < c->n_layers; l++)
        FUZZ_CHECK(m->layers[l].wq && m->layers[l].wo && m->layers[l].w2);
    /* Touch every embedding row: a short allocation shows up under ASan. */
    volatile float sum = 0;
    for (size_t i = 0; i < (size_t)c->vocab_size * (size_t)c->dim; i += (size_t)c->dim)
        sum += m->tok_emb[i] + m->cls[i];
    (void)sum;
}

#endif
