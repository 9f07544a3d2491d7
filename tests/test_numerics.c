// SPDX-License-Identifier: Apache-2.0
// Numerics: every BF16/FP16/FP8 bit pattern against the formats' defining formulas; RNE at every
// midpoint; overflow and NaN rules; integer quantisation layouts.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/testutil.h"
#include "numerics/numerics.h"

typedef struct fmt_case {
    const sc_float_format *f;
    int total_bits;
} fmt_case;

static const fmt_case FORMATS[] = {
    {&SC_FMT_BF16, 16}, {&SC_FMT_FP16, 16}, {&SC_FMT_E4M3, 8}, {&SC_FMT_E5M2, 8}};

/* Independent decoder straight from the spec formula, in double. Returns 1 for NaN. */
static int ref_decode(const sc_float_format *f, uint32_t bits, double *out) {
    int E = f->exp_bits, M = f->mant_bits;
    int s = (bits >> (E + M)) & 1;
    uint32_t e = (bits >> M) & ((1u << E) - 1), m = bits & ((1u << M) - 1);
    uint32_t eall = (1u << E) - 1;
    if (f->has_inf && e == eall) {
        if (m) return 1;
        *out = s ? -INFINITY : INFINITY;
        return 0;
    }
    if (!f->has_inf && e == eall && m == (1u << M) - 1) return 1; /* E4M3FN: S.1111.111 */
    double mant = e == 0 ? (double)m / (1 << M) : 1.0 + (double)m / (1 << M);
    int ex = e == 0 ? 1 - f->bias : (int)e - f->bias;
    *out = (s ? -1.0 : 1.0) * mant * pow(2.0, ex);
    return 0;
}

static void test_decode_every_pattern(void **state) {
    (void)state;
    for (size_t fi = 0; fi < SC_ARRAY_LEN(FORMATS); fi++) {
        const sc_float_format *f = FORMATS[fi].f;
        uint32_t n = 1u << FORMATS[fi].total_bits;
        for (uint32_t b = 0; b < n; b++) {
            double want;
            int nan = ref_decode(f, b, &want);
            float got = sc_float_decode(f, b);
            if (nan) {
                if (!isnan(got)) fail_msg("%s %#x: want NaN", f->name, b);
                continue;
            }
            if ((double)got != want || !signbit(got) != !signbit(want))
                fail_msg("%s %#x: got %g want %g", f->name, b, got, want);
        }
    }
}

static int is_nan_pattern(const sc_float_format *f, uint32_t b) {
    double d;
    return ref_decode(f, b, &d);
}

/* decode -> encode is the identity for every non-NaN pattern, in both overflow modes. */
static void test_roundtrip_every_pattern(void **state) {
    (void)state;
    for (size_t fi = 0; fi < SC_ARRAY_LEN(FORMATS); fi++) {
        const sc_float_format *f = FORMATS[fi].f;
        uint32_t n = 1u << FORMATS[fi].total_bits;
        for (uint32_t b = 0; b < n; b++) {
            float v = sc_float_decode(f, b);
            if (is_nan_pattern(f, b)) {
                assert_true(is_nan_pattern(f, sc_float_encode(f, v, SC_OVF_IEEE)));
                continue;
            }
            if (isinf(v)) {
                assert_int_equal(sc_float_encode(f, v, SC_OVF_IEEE), b);
                continue;
            }
            assert_int_equal(sc_float_encode(f, v, SC_OVF_IEEE), b);
            assert_int_equal(sc_float_encode(f, v, SC_OVF_SATURATE), b);
        }
    }
}

/* Between every pair of adjacent positive finite values: the exact midpoint ties to the even
 * pattern; one float ulp below/above goes down/up. Checks RNE including subnormals. */
static void test_midpoints_round_to_even(void **state) {
    (void)state;
    for (size_t fi = 0; fi < SC_ARRAY_LEN(FORMATS); fi++) {
        const sc_float_format *f = FORMATS[fi].f;
        uint32_t sign_bit = 1u << (f->exp_bits + f->mant_bits);
        for (uint32_t b = 0; b + 1 < sign_bit; b++) {
            float lo = sc_float_decode(f, b), hi = sc_float_decode(f, b + 1);
            if (isnan(hi) || isinf(hi)) break;
            double mid = ((double)lo + (double)hi) / 2;
            float midf = (float)mid;
            if ((double)midf != mid) continue; /* midpoint not representable in fp32 (bf16 tops) */
            uint32_t even = (b & 1) ? b + 1 : b;
            assert_int_equal(sc_float_encode(f, midf, SC_OVF_IEEE), even);
            assert_int_equal(sc_float_encode(f, -midf, SC_OVF_IEEE), even | sign_bit);
            assert_int_equal(sc_float_encode(f, nextafterf(midf, 0), SC_OVF_IEEE), b);
            assert_int_equal(sc_float_encode(f, nextafterf(midf, INFINITY), SC_OVF_IEEE), b + 1);
        }
    }
}

static void test_overflow_rules(void **state) {
    (void)state;
    /* E4M3FN: chip default saturates; IEEE mode gives NaN (no infinity exists). */
    assert_int_equal(sc_f32_to_e4m3(1000.0f), 0x7E);
    assert_int_equal(sc_f32_to_e4m3(-1000.0f), 0xFE);
    assert_int_equal(sc_f32_to_e4m3(INFINITY), 0x7E);
    assert_true(isnan(sc_e4m3_to_f32(sc_f32_to_e4m3(NAN))));
    assert_int_equal(sc_float_encode(&SC_FMT_E4M3, 1000.0f, SC_OVF_IEEE), 0x7F);
    /* 464 is the midpoint of 448 and the (NaN) 480 slot: ties to even = 448. */
    assert_int_equal(sc_f32_to_e4m3(464.0f), 0x7E);
    assert_int_equal(sc_float_encode(&SC_FMT_E4M3, 465.0f, SC_OVF_IEEE), 0x7F);
    /* E5M2, FP16, BF16 overflow to infinity. */
    assert_int_equal(sc_f32_to_e5m2(1e6f), 0x7C);
    assert_int_equal(sc_float_encode(&SC_FMT_E5M2, 1e6f, SC_OVF_SATURATE), 0x7B);
    assert_int_equal(sc_f32_to_f16(65520.0f), 0x7C00); /* half-way to 2^16 rounds up */
    assert_int_equal(sc_f32_to_f16(65519.0f), 0x7BFF);
    assert_int_equal(sc_f32_to_bf16(INFINITY), 0x7F80);
    assert_int_equal(sc_f32_to_bf16(3.4e38f), 0x7F80);
    /* Signed zeros and smallest subnormals. */
    assert_int_equal(sc_f32_to_f16(-0.0f), 0x8000);
    assert_int_equal(sc_f32_to_f16(0x1p-25f), 0x0000);           /* half of min subnormal: even */
    assert_int_equal(sc_f32_to_f16(nextafterf(0x1p-25f, 1)), 1); /* just above: up */
    assert_int_equal(sc_f32_to_e4m3(0x1p-10f), 0x00);
    assert_int_equal(sc_f32_to_e4m3(0x1.8p-10f), 0x01);
    assert_true(sc_e4m3_to_f32(0x01) == 0x1p-9f);
    assert_true(sc_e5m2_to_f32(0x01) == 0x1p-16f);
}

/* BF16 fast path == generic encoder on a dense sample of fp32 bit patterns. */
static void test_bf16_fast_path_matches_generic(void **state) {
    (void)state;
    for (uint64_t u = 0; u < (1ull << 32); u += 65521) {
        uint32_t bits = (uint32_t)u;
        float x;
        memcpy(&x, &bits, 4);
        uint16_t fast = sc_f32_to_bf16(x);
        uint32_t slow = sc_float_encode(&SC_FMT_BF16, x, SC_OVF_IEEE);
        if (isnan(x)) {
            assert_true(isnan(sc_bf16_to_f32(fast)));
            continue;
        }
        if (fast != slow) fail_msg("%#x: fast %#x generic %#x", bits, fast, slow);
    }
}

/* FP16 against the compiler's _Float16 conversion (IEEE binary16, RNE) on a sample. */
static void test_fp16_matches_compiler(void **state) {
    (void)state;
#if defined(__FLT16_MANT_DIG__)
    for (uint64_t u = 0; u < (1ull << 32); u += 4093) {
        uint32_t bits = (uint32_t)u;
        float x;
        memcpy(&x, &bits, 4);
        if (isnan(x)) continue;
        _Float16 h = (_Float16)x;
        uint16_t hb;
        memcpy(&hb, &h, 2);
        if (hb != sc_f32_to_f16(x))
            fail_msg("%#x: compiler %#x ours %#x", bits, hb, sc_f32_to_f16(x));
    }
#else
    skip();
#endif
}

static void test_int_rounding(void **state) {
    (void)state;
    assert_int_equal(sc_f32_to_int(2.5f, -128, 127), 2);
    assert_int_equal(sc_f32_to_int(3.5f, -128, 127), 4);
    assert_int_equal(sc_f32_to_int(-2.5f, -128, 127), -2);
    assert_int_equal(sc_f32_to_int(300.0f, -128, 127), 127);
    assert_int_equal(sc_f32_to_int(-300.0f, -128, 127), -128);
    assert_int_equal(sc_f32_to_int(NAN, -128, 127), 0);
    assert_true(sc_round_through(SC_DTYPE_INT4, 9.0f) == 7.0f);
}

static void test_quant_layouts(void **state) {
    (void)state;
    enum { R = 4, C = 16 };
    float x[R * C], back[R * C];
    for (int i = 0; i < R * C; i++)
        x[i] = sinf((float)i * 0.37f) * (float)(1 + i / C);
    sc_quant_spec specs[] = {{8, 1, SC_QUANT_PER_TENSOR, 0},
                             {8, 1, SC_QUANT_PER_CHANNEL, 0},
                             {8, 0, SC_QUANT_PER_GROUP, 8},
                             {4, 1, SC_QUANT_PER_GROUP, 4},
                             {4, 0, SC_QUANT_PER_CHANNEL, 0}};
    size_t want_scales[] = {1, R, R * C / 8, R * C / 4, R};
    for (size_t s = 0; s < SC_ARRAY_LEN(specs); s++) {
        float scales[64];
        int32_t zps[64];
        unsigned char q[R * C];
        sc_err err = {0};
        assert_int_equal(sc_quant_n_scales(&specs[s], R, C), want_scales[s]);
        assert_int_equal(sc_quant_scales(&specs[s], x, R, C, scales, zps, &err), SC_OK);
        assert_int_equal(sc_quantize(&specs[s], x, R, C, scales, zps, q, &err), SC_OK);
        assert_int_equal(sc_dequantize(&specs[s], q, R, C, scales, zps, back, &err), SC_OK);
        size_t span = (size_t)(R * C) / want_scales[s];
        for (int i = 0; i < R * C; i++) /* error at most half a step (+ float slack) */
            assert_true(fabsf(back[i] - x[i]) <= 0.5f * scales[i / span] * 1.0001f + 1e-6f);
    }
    /* INT4 packing: element 0 in the low nibble. */
    sc_quant_spec s4 = {4, 1, SC_QUANT_PER_TENSOR, 0};
    float v[2] = {1.0f, -2.0f}, sc = 1.0f;
    unsigned char q4 = 0;
    sc_err err = {0};
    assert_int_equal(sc_quantize(&s4, v, 1, 2, &sc, NULL, &q4, &err), SC_OK);
    assert_int_equal(q4, 0xE1);
    sc_quant_spec bad = {8, 1, SC_QUANT_PER_GROUP, 5};
    assert_int_equal(sc_quant_scales(&bad, x, R, C, v, NULL, &err), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "group size 5"));
}

static void test_dtype_names(void **state) {
    (void)state;
    for (int t = 0; t < SC_DTYPE_COUNT; t++) {
        sc_dtype back;
        assert_int_equal(sc_dtype_from_name(sc_dtype_name((sc_dtype)t), &back), SC_OK);
        assert_int_equal(back, t);
    }
    sc_dtype t;
    assert_int_equal(sc_dtype_from_name("fp8_e4m3", &t), SC_OK);
    assert_int_equal(t, SC_DTYPE_FP8_E4M3);
    assert_int_equal(sc_dtype_from_name("fp64", &t), SC_OK);
    assert_int_equal(t, SC_DTYPE_FP64);
    assert_int_equal(sc_dtype_size(SC_DTYPE_FP64), 8);
    assert_int_equal(sc_dtype_from_name("fp128", &t), SC_ERR_NOT_FOUND);
    assert_int_equal(sc_dtype_bits(SC_DTYPE_INT4), 4);
}

/* fp64 sources narrow with one rounding: a double just off each midpoint of every format goes
 * to its side even where the offset is below fp32's precision (through fp32 it would tie). */
static void test_fp64_single_rounding(void **state) {
    (void)state;
    for (size_t fi = 0; fi < SC_ARRAY_LEN(FORMATS); fi++) {
        const sc_float_format *f = FORMATS[fi].f;
        uint32_t sign_bit = 1u << (f->exp_bits + f->mant_bits);
        for (uint32_t b = 1; b + 1 < sign_bit; b++) {
            double lo = sc_float_decode(f, b), hi = sc_float_decode(f, b + 1);
            if (isnan(hi) || isinf(hi)) break;
            double mid = (lo + hi) / 2, eps = mid * 0x1p-40;
            assert_int_equal(sc_float_encode_f64(f, mid + eps, SC_OVF_IEEE), b + 1);
            assert_int_equal(sc_float_encode_f64(f, mid - eps, SC_OVF_IEEE), b);
            assert_int_equal(sc_float_encode_f64(f, -(mid + eps), SC_OVF_IEEE), (b + 1) | sign_bit);
        }
    }
    /* element access: doubles stored and read back exactly; int32 widens exactly */
    unsigned char buf[16];
    sc_store_elem_f64(SC_DTYPE_FP64, buf, 1, 1e300);
    assert_true(sc_load_elem_f64(SC_DTYPE_FP64, buf, 1) == 1e300);
    assert_true(isinf(sc_load_elem(SC_DTYPE_FP64, buf, 1))); /* fp32 view overflows */
    int32_t big = 2147483647;
    assert_true(sc_load_elem_f64(SC_DTYPE_INT32, &big, 0) == 2147483647.0);
    sc_store_elem_f64(SC_DTYPE_INT32, buf, 0, -2.5);
    assert_true(sc_load_elem_f64(SC_DTYPE_INT32, buf, 0) == -2.0);
    sc_store_elem_f64(SC_DTYPE_INT8, buf, 0, 1e300);
    assert_true(sc_load_elem(SC_DTYPE_INT8, buf, 0) == 127.0f);
    sc_store_elem_f64(SC_DTYPE_FP8_E4M3, buf, 0, 1e300); /* E4M3 saturates */
    assert_true(sc_load_elem(SC_DTYPE_FP8_E4M3, buf, 0) == 448.0f);
    /* sc_convert int32 -> fp64 -> int32 is the identity on the whole range */
    int32_t iv[4] = {INT32_MIN, -16777217, 16777217, INT32_MAX}, back[4];
    double d[4];
    sc_convert(SC_DTYPE_INT32, iv, SC_DTYPE_FP64, d, 4);
    sc_convert(SC_DTYPE_FP64, d, SC_DTYPE_INT32, back, 4);
    assert_memory_equal(iv, back, sizeof iv);
    assert_true(d[2] == 16777217.0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_every_pattern),
        cmocka_unit_test(test_roundtrip_every_pattern),
        cmocka_unit_test(test_midpoints_round_to_even),
        cmocka_unit_test(test_overflow_rules),
        cmocka_unit_test(test_bf16_fast_path_matches_generic),
        cmocka_unit_test(test_fp16_matches_compiler),
        cmocka_unit_test(test_int_rounding),
        cmocka_unit_test(test_quant_layouts),
        cmocka_unit_test(test_dtype_names),
        cmocka_unit_test(test_fp64_single_rounding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
