// SPDX-License-Identifier: Apache-2.0
// Fuzz target: GGUF v2/v3 checkpoints (metadata, tokenizer arrays, quantised tensors).
#include "llm_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_temp_file(".gguf", data, size);
    if (!path) return 0;
    sc_llm_load_params p = fuzz_llm_params();
    sc_llm_model *m = NULL;
    sc_err err = {0};
    if (sc_llm_load_gguf(path, &p, &m, &err) == SC_OK) {
        FUZZ_CHECK(m && strcmp(m->format, "gguf") == 0);
        fuzz_check_llm_model(m);
    } else {
        FUZZ_CHECK(m == NULL && err.msg[0] != '\0' && !strchr(err.msg, '\n'));
    }
    sc_llm_model_destroy(m);
    return 0;
}
