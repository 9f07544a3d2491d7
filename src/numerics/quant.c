// SPDX-License-Identifier: Apache-2.0
// INT8/INT4 quantisation: per-tensor, per-channel (row) and per-group scales, symmetric or not.
#include <math.h>
#include <string.h>

#include "numerics/numerics.h"

static int qmin(const sc_quant_spec *s) {
    return s->symmetric ? -(1 << (s->bits - 1)) + 1 : -(1 << (s->bits - 1));
}

static int qmax(const sc_quant_spec *s) {
    return (1 << (s->bits - 1)) - 1;
}

/* Elements per scale and scales per row. */
static size_t span_of(const sc_quant_spec *s, size_t rows, size_t cols) {
    switch (s->granularity) {
    case SC_QUANT_PER_TENSOR:
        return rows * cols;
    case SC_QUANT_PER_CHANNEL:
        return cols;
    case SC_QUANT_PER_GROUP:
        return s->group;
    }
    return 0;
}

size_t sc_quant_n_scales(const sc_quant_spec *s, size_t rows, size_t cols) {
    if (!s || rows == 0 || cols == 0 || (s->bits != 8 && s->bits != 4)) return 0;
    if (s->granularity == SC_QUANT_PER_GROUP && (s->group == 0 || cols % s->group != 0)) return 0;
    size_t total;
    if (sc_mul_size(rows, cols, &total)) return 0;
    return total / span_of(s, rows, cols);
}

static sc_status check(const sc_quant_spec *s, size_t rows, size_t cols, sc_err *err) {
    if (!s || (s->bits != 8 && s->bits != 4))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "quantisation: bits must be 8 or 4");
    if (rows == 0 || cols == 0)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "quantisation: empty matrix");
    if (s->granularity == SC_QUANT_PER_GROUP && (s->group == 0 || cols % s->group != 0))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "quantisation: group size %zu does not divide %zu columns", s->group,
                          cols);
    if (s->bits == 4 && (cols & 1))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "quantisation: int4 needs an even column count");
    if (!sc_quant_n_scales(s, rows, cols))
        return sc_err_set(err, SC_ERR_LIMIT, "quantisation: matrix too large");
    return SC_OK;
}

sc_status sc_quant_scales(const sc_quant_spec *s, const float *x, size_t rows, size_t cols,
                          float *scales, int32_t *zps, sc_err *err) {
    sc_status st = check(s, rows, cols, err);
    if (st != SC_OK) return st;
    size_t span = span_of(s, rows, cols), n = sc_quant_n_scales(s, rows, cols);
    for (size_t g = 0; g < n; g++) {
        float lo = 0, hi = 0; /* the range always contains 0 so zero is exact */
        for (size_t i = 0; i < span; i++) {
            float v = x[g * span + i];
            if (!isfinite(v)) continue;
            lo = fminf(lo, v), hi = fmaxf(hi, v);
        }
        if (s->symmetric) {
            float amax = fmaxf(-lo, hi);
            scales[g] = amax > 0 ? amax / (float)qmax(s) : 1.0f;
            if (zps) zps[g] = 0;
        } else {
            float range = hi - lo;
            scales[g] = range > 0 ? range / (float)(qmax(s) - qmin(s)) : 1.0f;
            if (zps) zps[g] = (int32_t)(qmin(s) - nearbyintf(lo / scales[g]));
        }
    }
    return SC_OK;
}

static void put_q(const sc_quant_spec *s, void *q, size_t i, int v) {
    unsigned char *p = q;
    if (s->bits == 8) {
        p[i] = (unsigned char)(int8_t)v;
        return;
    }
    unsigned nib = (unsigned)v & 0xFu;
    p[i / 2] = (unsigned char)((i & 1) ? (p[i / 2] & 0x0F) | (nib << 4) : (p[i / 2] & 0xF0) | nib);
}

static int get_q(const sc_quant_spec *s, const void *q, size_t i) {
    const unsigned char *p = q;
    if (s->bits == 8) return (int8_t)p[i];
    int nib = (i & 1) ? p[i / 2] >> 4 : p[i / 2] & 0xF;
    return nib >= 8 ? nib - 16 : nib; /* sign-extend the nibble */
}

sc_status sc_quantize(const sc_quant_spec *s, const float *x, size_t rows, size_t cols,
                      const float *scales, const int32_t *zps, void *q, sc_err *err) {
    sc_status st = check(s, rows, cols, err);
    if (st != SC_OK) return st;
    size_t span = span_of(s, rows, cols), total = rows * cols;
    for (size_t i = 0; i < total; i++) {
        size_t g = i / span;
        int32_t zp = zps ? zps[g] : 0;
        float v = x[i] / scales[g];
        int32_t qi = sc_f32_to_int(v, INT32_MIN / 2, INT32_MAX / 2) + zp;
        put_q(s, q, i, SC_MAX(qmin(s), SC_MIN(qmax(s), qi)));
    }
    return SC_OK;
}

sc_status sc_dequantize(const sc_quant_spec *s, const void *q, size_t rows, size_t cols,
                        const float *scales, const int32_t *zps, float *x, sc_err *err) {
    sc_status st = check(s, rows, cols, err);
    if (st != SC_OK) return st;
    size_t span = span_of(s, rows, cols), total = rows * cols;
    for (size_t i = 0; i < total; i++) {
        size_t g = i / span;
        int32_t zp = zps ? zps[g] : 0;
        x[i] = (float)(get_q(s, q, i) - zp) * scales[g];
    }
    return SC_OK;
}
