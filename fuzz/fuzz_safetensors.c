// SPDX-License-Identifier: Apache-2.0
// Fuzz target: safetensors checkpoints (JSON header, offsets) with a Hugging Face config.json.
/*
 * Input: u16 little-endian length L, then L bytes of config.json, then model.safetensors. Both
 * files go into a private directory, which is what a user passes to the loader.
 */
#include "llm_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    size_t clen = (size_t)data[0] | (size_t)data[1] << 8;
    if (clen > size - 2) clen = size - 2;
    if (!fuzz_dir_file("config.json", data + 2, clen) ||
        !fuzz_dir_file("model.safetensors", data + 2 + clen, size - 2 - clen))
        return 0;
    sc_llm_load_params p = fuzz_llm_params();
    sc_llm_model *m = NULL;
    sc_err err = {0};
    if (sc_llm_load_safetensors(fuzz_temp_dir(), &p, &m, &err) == SC_OK) {
        FUZZ_CHECK(m && strcmp(m->format, "safetensors") == 0);
        fuzz_check_llm_model(m);
    } else {
        FUZZ_CHECK(m == NULL && err.msg[0] != '\0' && !strchr(err.msg, '\n'));
    }
    sc_llm_model_destroy(m);
    return 0;
}
