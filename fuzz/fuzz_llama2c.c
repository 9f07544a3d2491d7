// SPDX-License-Identifier: Apache-2.0
// Fuzz target: llama2.c checkpoints (.bin: 7 x int32 header, fp32 tensors) via the model loader.
#include "llm_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_temp_file(".bin", data, size);
    if (!path) return 0;
    sc_llm_load_params p = fuzz_llm_params();
    sc_llm_model *m = NULL;
    sc_err err = {0};
    if (sc_llm_load_llama2c(path, &p, &m, &err) == SC_OK) {
        FUZZ_CHECK(m && strcmp(m->format, "llama2c") == 0);
        fuzz_check_llm_model(m);
    } else {
        FUZZ_CHECK(m == NULL && err.msg[0] != '\0' && !strchr(err.msg, '\n'));
    }
    sc_llm_model_destroy(m);
    return 0;
}
