// SPDX-License-Identifier: Apache-2.0
// Fuzz target: ONNX TensorProto files (.pb), with a write/read round trip of what loads.
#include <stdlib.h>
#include <string.h>

#include "frontends/tensor_io.h"
#include "fuzz.h"

/* A tensor that loaded writes back to .pb and reads again identically. */
static void check_roundtrip(const sc_tensor *t) {
    uint8_t *buf = NULL;
    size_t len = 0;
    sc_err err = {0};
    FUZZ_CHECK(sc_tensor_to_pb(t, &buf, &len, &err) == SC_OK);
    sc_tensor u;
    FUZZ_CHECK(sc_tensor_from_pb(buf, len, NULL, "again.pb", &u, &err) == SC_OK);
    FUZZ_CHECK(u.dtype == t->dtype && u.rank == t->rank && u.nbytes == t->nbytes);
    FUZZ_CHECK(memcmp(u.dims, t->dims, (size_t)t->rank * sizeof t->dims[0]) == 0);
    FUZZ_CHECK(t->nbytes == 0 || memcmp(u.data, t->data, t->nbytes) == 0);
    sc_tensor_free(&u);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_tensor t;
    sc_err err = {0};
    if (sc_tensor_from_pb(data, size, fuzz_temp_dir(), "fuzz.pb", &t, &err) != SC_OK) {
        FUZZ_CHECK(strstr(err.msg, "fuzz.pb"));
        return 0;
    }
    FUZZ_CHECK(t.rank >= 0 && t.rank <= SC_TENSOR_MAX_RANK);
    FUZZ_CHECK(t.nbytes == sc_tensor_numel(&t) * sc_tdtype_size(t.dtype));
    check_roundtrip(&t);
    sc_tensor_free(&t);
    return 0;
}
