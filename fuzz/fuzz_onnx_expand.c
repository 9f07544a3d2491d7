// SPDX-License-Identifier: Apache-2.0
// Fuzz target: ONNX models through loading and shape inference with its expansions (Einsum
// equations, RNN/GRU/LSTM, If/Loop/Scan subgraphs, TopK, DFT/STFT, scatter/gather shapes, ...).
/*
 * Invariant: a model either infers or fails with an error; no crash, leak or hang.
 * Seeds are small backend-suite models of the expanded ops.
 */
#include <string.h>

#include "frontends/onnx/onnx_load.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    if (sc_onnx_load_buffer(data, size, fuzz_temp_dir(), "fuzz.onnx", &g, &err) != SC_OK) {
        FUZZ_CHECK(g == NULL);
        return 0;
    }
    sc_err e2 = {0};
    if (sc_ir_infer_shapes(g, &e2) != SC_OK) FUZZ_CHECK(e2.msg[0] != 0);
    sc_ir_graph_destroy(g);
    return 0;
}
