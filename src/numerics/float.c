// SPDX-License-Identifier: Apache-2.0
// Narrow float formats: one exact round-to-nearest-even encoder for BF16, FP16, E4M3FN and E5M2.
#include <math.h>
#include <string.h>

#include "numerics/numerics.h"

const sc_float_format SC_FMT_BF16 = {"bf16", 8, 7, 127, 1, 0x1.FEp127};
const sc_float_format SC_FMT_FP16 = {"fp16", 5, 10, 15, 1, 65504.0};
/* OCP OFP8: E4M3FN has no infinities; S.1111.111 is NaN, so the largest finite is 1.75 * 2^8. */
const sc_float_format SC_FMT_E4M3 = {"fp8_e4m3", 4, 3, 7, 0, 448.0};
const sc_float_format SC_FMT_E5M2 = {"fp8_e5m2", 5, 2, 15, 1, 57344.0};

static uint32_t fmt_nan(const sc_float_format *f) {
    /* Canonical quiet NaN: all-ones exponent, mantissa MSB (E4M3FN: all mantissa bits). */
    uint32_t e = ((1u << f->exp_bits) - 1) << f->mant_bits;
    return f->has_inf ? e | (1u << (f->mant_bits - 1)) : e | ((1u << f->mant_bits) - 1);
}

static uint32_t fmt_inf(const sc_float_format *f) {
    return ((1u << f->exp_bits) - 1) << f->mant_bits;
}

static uint32_t fmt_max_bits(const sc_float_format *f) {
    uint32_t emax_field = (1u << f->exp_bits) - (f->has_inf ? 2 : 1);
    uint32_t mant = (1u << f->mant_bits) - (f->has_inf ? 1 : 2);
    return (emax_field << f->mant_bits) | mant;
}

/* Encodes a finite, non-negative value already rounded to the format's grid. */
static uint32_t encode_exact(const sc_float_format *f, double v) {
    if (v == 0) return 0;
    int emin = 1 - f->bias;
    int ex;
    frexp(v, &ex); /* v = m * 2^ex, m in [0.5, 1) */
    int e = ex - 1;
    if (e < emin) /* subnormal: mantissa counts quanta of 2^(emin - M) */
        return (uint32_t)ldexp(v, f->mant_bits - emin);
    uint32_t mant = (uint32_t)(ldexp(v, f->mant_bits - e) - ldexp(1.0, f->mant_bits));
    return ((uint32_t)(e + f->bias) << f->mant_bits) | mant;
}

/* Works in double throughout, so an fp64 source is rounded once, exactly like an fp32 one. */
uint32_t sc_float_encode_f64(const sc_float_format *f, double x, sc_overflow ovf) {
    uint32_t sign = signbit(x) ? 1u << (f->exp_bits + f->mant_bits) : 0;
    if (isnan(x)) return sign | fmt_nan(f);
    double a = fabs(x);
    if (isinf(x)) {
        if (ovf == SC_OVF_SATURATE || !f->has_inf)
            return sign | (ovf == SC_OVF_SATURATE ? fmt_max_bits(f) : fmt_nan(f));
        return sign | fmt_inf(f);
    }
    if (a == 0) return sign;
    int emin = 1 - f->bias, ex;
    frexp(a, &ex);
    int e = SC_MAX(ex - 1, emin);
    /* Quantum at this binade; a / q is exact in double, nearbyint rounds half to even. */
    double q = ldexp(1.0, e - f->mant_bits);
    double r = nearbyint(a / q) * q;
    if (r > f->max_finite) {
        if (ovf == SC_OVF_SATURATE) return sign | fmt_max_bits(f);
        return sign | (f->has_inf ? fmt_inf(f) : fmt_nan(f));
    }
    return sign | encode_exact(f, r);
}

uint32_t sc_float_encode(const sc_float_format *f, float x, sc_overflow ovf) {
    return sc_float_encode_f64(f, (double)x, ovf);
}

float sc_float_decode(const sc_float_format *f, uint32_t bits) {
    uint32_t mant_mask = (1u << f->mant_bits) - 1, exp_all = (1u << f->exp_bits) - 1;
    int sign = (bits >> (f->exp_bits + f->mant_bits)) & 1;
    uint32_t e = (bits >> f->mant_bits) & exp_all, m = bits & mant_mask;
    double v;
    if (f->has_inf && e == exp_all)
        v = m ? NAN : INFINITY;
    else if (!f->has_inf && e == exp_all && m == mant_mask)
        v = NAN;
    else if (e == 0)
        v = ldexp((double)m, 1 - f->bias - f->mant_bits);
    else
        v = ldexp((double)(m | (1u << f->mant_bits)), (int)e - f->bias - f->mant_bits);
    return (float)(sign ? -v : v);
}

/* BF16 is the top half of FP32: the classic rounding bias trick is exact and fast. */
uint16_t sc_f32_to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float sc_bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t sc_f32_to_f16(float x) {
    return (uint16_t)sc_float_encode(&SC_FMT_FP16, x, SC_OVF_IEEE);
}

float sc_f16_to_f32(uint16_t h) {
    return sc_float_decode(&SC_FMT_FP16, h);
}

uint8_t sc_f32_to_e4m3(float x) {
    return (uint8_t)sc_float_encode(&SC_FMT_E4M3, x, SC_OVF_SATURATE);
}

float sc_e4m3_to_f32(uint8_t v) {
    return sc_float_decode(&SC_FMT_E4M3, v);
}

uint8_t sc_f32_to_e5m2(float x) {
    return (uint8_t)sc_float_encode(&SC_FMT_E5M2, x, SC_OVF_IEEE);
}

float sc_e5m2_to_f32(uint8_t v) {
    return sc_float_decode(&SC_FMT_E5M2, v);
}

int32_t sc_f32_to_int(float x, int32_t lo, int32_t hi) {
    return sc_f64_to_int((double)x, lo, hi);
}

int32_t sc_f64_to_int(double x, int32_t lo, int32_t hi) {
    if (isnan(x)) return 0;
    double r = nearbyint(x);
    if (r < lo) return lo;
    if (r > hi) return hi;
    return (int32_t)r;
}

float sc_round_through(sc_dtype t, float x) {
    switch (t) {
    case SC_DTYPE_FP32:
        return x;
    case SC_DTYPE_BF16:
        return sc_bf16_to_f32(sc_f32_to_bf16(x));
    case SC_DTYPE_FP16:
        return sc_f16_to_f32(sc_f32_to_f16(x));
    case SC_DTYPE_FP8_E4M3:
        return sc_e4m3_to_f32(sc_f32_to_e4m3(x));
    case SC_DTYPE_FP8_E5M2:
        return sc_e5m2_to_f32(sc_f32_to_e5m2(x));
    case SC_DTYPE_INT8:
        return (float)sc_f32_to_int(x, -128, 127);
    case SC_DTYPE_INT4:
        return (float)sc_f32_to_int(x, -8, 7);
    case SC_DTYPE_INT32:
        return (float)sc_f32_to_int(x, INT32_MIN, INT32_MAX);
    default: /* fp32 values are exact in fp64 */
        return x;
    }
}

float sc_load_elem(sc_dtype t, const void *base, size_t i) {
    const unsigned char *p = base;
    switch (t) {
    case SC_DTYPE_FP32: {
        float f;
        memcpy(&f, p + 4 * i, 4);
        return f;
    }
    case SC_DTYPE_BF16:
    case SC_DTYPE_FP16: {
        uint16_t h = (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
        return t == SC_DTYPE_BF16 ? sc_bf16_to_f32(h) : sc_f16_to_f32(h);
    }
    case SC_DTYPE_FP8_E4M3:
        return sc_e4m3_to_f32(p[i]);
    case SC_DTYPE_FP8_E5M2:
        return sc_e5m2_to_f32(p[i]);
    case SC_DTYPE_INT8:
        return (float)(int8_t)p[i];
    case SC_DTYPE_INT32: {
        int32_t v;
        memcpy(&v, p + 4 * i, 4);
        return (float)v;
    }
    case SC_DTYPE_FP64:
        return (float)sc_load_elem_f64(t, base, i);
    default:
        return 0;
    }
}

void sc_store_elem(sc_dtype t, void *base, size_t i, float x) {
    unsigned char *p = base;
    switch (t) {
    case SC_DTYPE_FP32:
        memcpy(p + 4 * i, &x, 4);
        break;
    case SC_DTYPE_BF16:
    case SC_DTYPE_FP16: {
        uint16_t h = t == SC_DTYPE_BF16 ? sc_f32_to_bf16(x) : sc_f32_to_f16(x);
        p[2 * i] = (unsigned char)h;
        p[2 * i + 1] = (unsigned char)(h >> 8);
        break;
    }
    case SC_DTYPE_FP8_E4M3:
        p[i] = sc_f32_to_e4m3(x);
        break;
    case SC_DTYPE_FP8_E5M2:
        p[i] = sc_f32_to_e5m2(x);
        break;
    case SC_DTYPE_INT8:
        p[i] = (unsigned char)(int8_t)sc_f32_to_int(x, -128, 127);
        break;
    case SC_DTYPE_INT32: {
        int32_t v = sc_f32_to_int(x, INT32_MIN, INT32_MAX);
        memcpy(p + 4 * i, &v, 4);
        break;
    }
    case SC_DTYPE_FP64: {
        double d = x;
        memcpy(p + 8 * i, &d, 8);
        break;
    }
    default:
        break;
    }
}

double sc_load_elem_f64(sc_dtype t, const void *base, size_t i) {
    const unsigned char *p = base;
    if (t == SC_DTYPE_FP64) {
        double d;
        memcpy(&d, p + 8 * i, 8);
        return d;
    }
    if (t == SC_DTYPE_INT32) { /* every int32 is exact in fp64 (not in fp32) */
        int32_t v;
        memcpy(&v, p + 4 * i, 4);
        return v;
    }
    return sc_load_elem(t, base, i); /* the other types are exact in fp32 */
}

/* Narrow floats round straight from the double (one rounding, no detour through fp32). */
void sc_store_elem_f64(sc_dtype t, void *base, size_t i, double x) {
    unsigned char *p = base;
    uint32_t bits;
    switch (t) {
    case SC_DTYPE_FP64:
        memcpy(p + 8 * i, &x, 8);
        return;
    case SC_DTYPE_FP32:
        sc_store_elem(t, base, i, (float)x); /* C's conversion: nearest even, inf on overflow */
        return;
    case SC_DTYPE_BF16:
    case SC_DTYPE_FP16:
        bits =
            sc_float_encode_f64(t == SC_DTYPE_BF16 ? &SC_FMT_BF16 : &SC_FMT_FP16, x, SC_OVF_IEEE);
        p[2 * i] = (unsigned char)bits;
        p[2 * i + 1] = (unsigned char)(bits >> 8);
        return;
    case SC_DTYPE_FP8_E4M3:
        p[i] = (unsigned char)sc_float_encode_f64(&SC_FMT_E4M3, x, SC_OVF_SATURATE);
        return;
    case SC_DTYPE_FP8_E5M2:
        p[i] = (unsigned char)sc_float_encode_f64(&SC_FMT_E5M2, x, SC_OVF_IEEE);
        return;
    case SC_DTYPE_INT8:
        p[i] = (unsigned char)(int8_t)sc_f64_to_int(x, -128, 127);
        return;
    case SC_DTYPE_INT32: {
        int32_t v = sc_f64_to_int(x, INT32_MIN, INT32_MAX);
        memcpy(p + 4 * i, &v, 4);
        return;
    }
    default:
        return;
    }
}

void sc_convert(sc_dtype src_t, const void *src, sc_dtype dst_t, void *dst, size_t n) {
    if (src_t == dst_t) {
        memcpy(dst, src, n * sc_dtype_size(src_t));
        return;
    }
    if (src_t == SC_DTYPE_FP64 || dst_t == SC_DTYPE_FP64) { /* exact through double */
        for (size_t i = 0; i < n; i++)
            sc_store_elem_f64(dst_t, dst, i, sc_load_elem_f64(src_t, src, i));
        return;
    }
    for (size_t i = 0; i < n; i++)
        sc_store_elem(dst_t, dst, i, sc_load_elem(src_t, src, i));
}
