// SPDX-License-Identifier: Apache-2.0
// Error records and checked arithmetic: the library reports, it never exits.
#include <stdio.h>
#include <string.h>

#include "util/util.h"

sc_status sc_err_set(sc_err *err, sc_status status, const char *fmt, ...) {
    if (!err) return status;
    if (err->status != SC_OK) return status; /* keep the first, most specific message */
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

void sc_err_clear(sc_err *err) {
    if (!err) return;
    err->status = SC_OK;
    err->msg[0] = '\0';
}

int sc_mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}

int sc_add_size(size_t a, size_t b, size_t *out) {
    if (b > SIZE_MAX - a) return -1;
    *out = a + b;
    return 0;
}

int sc_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return -1;
    *out = a * b;
    return 0;
}

const char *sc_status_name(sc_status s) {
    switch (s) {
    case SC_OK:
        return "ok";
    case SC_ERR_INVALID_ARG:
        return "invalid argument";
    case SC_ERR_IO:
        return "i/o error";
    case SC_ERR_PARSE:
        return "parse error";
    case SC_ERR_NOMEM:
        return "out of memory";
    case SC_ERR_UNSUPPORTED:
        return "unsupported";
    case SC_ERR_NOT_FOUND:
        return "not found";
    case SC_ERR_LIMIT:
        return "limit exceeded";
    case SC_ERR_TRAP:
        return "device trap";
    case SC_ERR_STATE:
        return "invalid state";
    }
    return "unknown status";
}
