// SPDX-License-Identifier: Apache-2.0
// The dtype table (rows of numerics/dtypes.def) and the library version.
#include <string.h>

#include "numerics/numerics.h"

typedef struct dtype_row {
    sc_dtype t;
    const char *name;
    int bits;
} dtype_row;

static const dtype_row DTYPES[] = {
#define SC_DT(e, n, b, doc) {e, n, b},
#include "numerics/dtypes.def"
#undef SC_DT
};
_Static_assert(SC_ARRAY_LEN(DTYPES) == SC_DTYPE_COUNT, "numerics/dtypes.def: one row per sc_dtype");

const char *sc_version(void) {
    return SEEDCHIP_VERSION;
}

const char *sc_dtype_name(sc_dtype t) {
    return (unsigned)t < SC_ARRAY_LEN(DTYPES) ? DTYPES[t].name : "?";
}

int sc_dtype_bits(sc_dtype t) {
    return (unsigned)t < SC_ARRAY_LEN(DTYPES) ? DTYPES[t].bits : 0;
}

size_t sc_dtype_size(sc_dtype t) {
    int b = sc_dtype_bits(t);
    return b >= 8 ? (size_t)b / 8 : 0;
}

sc_status sc_dtype_from_name(const char *name, sc_dtype *out) {
    if (!name || !out) return SC_ERR_INVALID_ARG;
    if (strcmp(name, "fp8_e4m3") == 0 || strcmp(name, "e4m3") == 0) {
        *out = SC_DTYPE_FP8_E4M3;
        return SC_OK;
    }
    if (strcmp(name, "e5m2") == 0) {
        *out = SC_DTYPE_FP8_E5M2;
        return SC_OK;
    }
    for (size_t i = 0; i < SC_ARRAY_LEN(DTYPES); i++)
        if (strcmp(name, DTYPES[i].name) == 0) {
            *out = DTYPES[i].t;
            return SC_OK;
        }
    return SC_ERR_NOT_FOUND;
}
