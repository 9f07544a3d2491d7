// SPDX-License-Identifier: Apache-2.0
// Fuzz target: ONNX models (protobuf ModelProto -> graph IR with shape inference).
/*
 * External data is resolved in this process's empty private directory, so a hostile location
 * can only fail to open. Invariant: failure leaves no graph and an error naming the file.
 */
#include <string.h>

#include "frontends/onnx/onnx_load.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_ir_graph *g = NULL;
    sc_err err = {0};
    if (sc_onnx_load_buffer(data, size, fuzz_temp_dir(), "fuzz.onnx", &g, &err) == SC_OK) {
        FUZZ_CHECK(g != NULL);
    } else {
        /* Names inside the file may carry newlines; cli_error flattens them for the CLI. */
        FUZZ_CHECK(g == NULL && strstr(err.msg, "fuzz.onnx"));
    }
    sc_ir_graph_destroy(g);
    return 0;
}
