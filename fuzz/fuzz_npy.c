// SPDX-License-Identifier: Apache-2.0
// Fuzz target: NumPy .npy tensors (header dictionary, shape, dtype), with a round trip.
#include <stdlib.h>
#include <string.h>

#include "frontends/tensor_io.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_tensor t;
    sc_err err = {0};
    if (sc_tensor_from_npy(data, size, "fuzz.npy", &t, &err) != SC_OK) {
        FUZZ_CHECK(strstr(err.msg, "fuzz.npy"));
        return 0;
    }
    FUZZ_CHECK(t.rank >= 0 && t.rank <= SC_TENSOR_MAX_RANK);
    FUZZ_CHECK(t.nbytes == sc_tensor_numel(&t) * sc_tdtype_size(t.dtype));
    uint8_t *buf = NULL;
    size_t len = 0;
    FUZZ_CHECK(sc_tensor_to_npy(&t, &buf, &len, &err) == SC_OK);
    sc_tensor u;
    FUZZ_CHECK(sc_tensor_from_npy(buf, len, "again.npy", &u, &err) == SC_OK);
    FUZZ_CHECK(u.dtype == t.dtype && u.rank == t.rank && u.nbytes == t.nbytes);
    FUZZ_CHECK(t.nbytes == 0 || memcmp(u.data, t.data, t.nbytes) == 0);
    sc_tensor_free(&u);
    sc_tensor_free(&t);
    free(buf);
    return 0;
}
