// SPDX-License-Identifier: Apache-2.0
// LLM step-time model: per-layer op list timed by compiled kernel programs, cached per shape
// bucket.
#include <stdlib.h>
#include <string.h>

#include "runtime/llm_perf.h"

struct sc_llm_perf {
    sc_llm_arch arch;
    sc_llm_deploy deploy;
};

static const char *const k_prec_names[] = {"bf16", "fp8", "int8", "w4a16", "fp32"};

const char *sc_llm_prec_name(sc_llm_prec p) {
    return (unsigned)p < SC_ARRAY_LEN(k_prec_names) ? k_prec_names[p] : "?";
}

sc_status sc_llm_prec_from_name(const char *name, sc_llm_prec *out) {
    for (size_t i = 0; name && i < SC_ARRAY_LEN(k_prec_names); i++) {
        if (strcmp(name, k_prec_names[i]) == 0) {
            *out = (sc_llm_prec)i;
            return SC_OK;
        }
    }
    return SC_ERR_NOT_FOUND;
}

sc_llm_deploy sc_llm_deploy_default(void) {
    sc_llm_deploy d = {.chip = NULL, .chips = 1, .tp = 1, .pp = 1, .ep = 1, .prec = SC_LLM_BF16};
    return d;
}

sc_status sc_llm_memory_plan(const sc_llm_arch *a, const sc_llm_deploy *d, int batch, int ctx,
                             sc_llm_memory *out, sc_err *err) {
    (void)a, (void)d, (void)batch, (void)ctx, (void)out;
    return sc_err_set(err, SC_ERR_UNSUPPORTED, "llm memory plan: not implemented yet");
}

sc_status sc_llm_perf_create(const sc_llm_arch *a, const sc_llm_deploy *d, sc_llm_perf **out,
                             sc_err *err) {
    (void)a, (void)d;
    if (out) *out = NULL;
    return sc_err_set(err, SC_ERR_UNSUPPORTED, "llm perf: not implemented yet");
}

void sc_llm_perf_destroy(sc_llm_perf *p) {
    free(p);
}

sc_status sc_llm_perf_step(sc_llm_perf *p, const sc_llm_step *s, double *seconds,
                           sc_llm_breakdown *bd, sc_err *err) {
    (void)p, (void)s, (void)seconds, (void)bd;
    return sc_err_set(err, SC_ERR_UNSUPPORTED, "llm perf: not implemented yet");
}
