// SPDX-License-Identifier: Apache-2.0
// Fuzz target: serving traces (CSV with a header row, or JSONL) via sc_serve_trace_parse.
/*
 * Invariants: a trace that parses is non-empty, sorted by arrival, and every request lies in
 * the documented ranges; an error names the file on one line.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "serve/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_serve_request *r = NULL;
    size_t n = 0;
    sc_err err = {0};
    if (sc_serve_trace_parse("trace.csv", (const char *)data, size, &r, &n, &err) != SC_OK) {
        FUZZ_CHECK(r == NULL && n == 0);
        FUZZ_CHECK(strncmp(err.msg, "trace.csv", 9) == 0 && !strchr(err.msg, '\n'));
        return 0;
    }
    FUZZ_CHECK(r != NULL && n >= 1 && n <= SC_SERVE_TRACE_MAX_REQUESTS);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(r[i].arrival >= 0 && r[i].arrival < 1e9);
        FUZZ_CHECK(i == 0 || r[i - 1].arrival <= r[i].arrival);
        FUZZ_CHECK(r[i].prompt_len >= 1 && r[i].output_len >= 1);
        FUZZ_CHECK(r[i].prefix_len >= 0 && r[i].prefix_len < r[i].prompt_len);
        FUZZ_CHECK(r[i].prefix_group >= -1);
    }
    free(r);
    return 0;
}
