// SPDX-License-Identifier: Apache-2.0
// Bit-exact number formats of the chip: FP64, BF16, FP16, FP8 (E4M3FN/E5M2), INT8/INT4
// quantisation.
#ifndef SC_NUMERICS_H
#define SC_NUMERICS_H

#include <stddef.h>
#include <stdint.h>

#include "seedchip.h"
#include "util/util.h"

/* Parameters of a binary floating-point format narrower than FP32. */
typedef struct sc_float_format {
    const char *name;
    int exp_bits, mant_bits, bias;
    int has_inf; /* IEEE-style all-ones exponent = inf/NaN (FP16, BF16, E5M2) */
    double max_finite;
} sc_float_format;

extern const sc_float_format SC_FMT_BF16, SC_FMT_FP16, SC_FMT_E4M3, SC_FMT_E5M2;

/* Overflow handling when rounding to a narrow float. */
typedef enum sc_overflow {
    SC_OVF_SATURATE, /* clamp to +-max finite (OCP "satfinite"); NaN stays NaN */
    SC_OVF_IEEE      /* +-inf where the format has it, NaN otherwise (E4M3) */
} sc_overflow;

/* Generic round-to-nearest-even encoder/decoder for any format above (bit patterns in the low
 * bits of the result). NaN inputs give the format's canonical quiet NaN with the input's sign. */
uint32_t sc_float_encode(const sc_float_format *f, float x, sc_overflow ovf);
/* The same from a double (one rounding: fp64 sources narrow without a detour through fp32). */
uint32_t sc_float_encode_f64(const sc_float_format *f, double x, sc_overflow ovf);
float sc_float_decode(const sc_float_format *f, uint32_t bits);

/* The chip's conversions (docs/NUMERICS.md): E4M3 saturates, E5M2/FP16/BF16 overflow to inf. */
uint16_t sc_f32_to_bf16(float x);
float sc_bf16_to_f32(uint16_t h);
uint16_t sc_f32_to_f16(float x);
float sc_f16_to_f32(uint16_t h);
uint8_t sc_f32_to_e4m3(float x);
float sc_e4m3_to_f32(uint8_t v);
uint8_t sc_f32_to_e5m2(float x);
float sc_e5m2_to_f32(uint8_t v);
/* Integers: round half to even, saturate, NaN -> 0. */
int32_t sc_f32_to_int(float x, int32_t lo, int32_t hi);
int32_t sc_f64_to_int(double x, int32_t lo, int32_t hi);

/* Value after storing x in dtype t and reading it back (int types round and saturate). */
float sc_round_through(sc_dtype t, float x);
/* Reads element i of a buffer of dtype t as fp32 (int32 converted exactly when |v| < 2^24). */
float sc_load_elem(sc_dtype t, const void *base, size_t i);
/* Writes fp32 x as element i of a buffer of dtype t with the chip's rounding. */
void sc_store_elem(sc_dtype t, void *base, size_t i, float x);
/* fp64 element access: reads any dtype exactly as a double (int32 included); writes a double
 * with one round-to-nearest-even into any dtype (narrow floats as above, ints saturate). */
double sc_load_elem_f64(sc_dtype t, const void *base, size_t i);
void sc_store_elem_f64(sc_dtype t, void *base, size_t i, double x);
/* Converts n elements between any two addressable dtypes (not int4); conversions from or to
 * fp64 go through double, so each is exact or a single rounding. */
void sc_convert(sc_dtype src_t, const void *src, sc_dtype dst_t, void *dst, size_t n);
/* Bytes per element (0 for int4, which is only stored packed). */
size_t sc_dtype_size(sc_dtype t);

/* ---- Integer quantisation ---- */
typedef enum sc_quant_granularity {
    SC_QUANT_PER_TENSOR,
    SC_QUANT_PER_CHANNEL, /* one scale per row of a [rows x cols] matrix */
    SC_QUANT_PER_GROUP    /* one scale per `group` consecutive elements of a row */
} sc_quant_granularity;

typedef struct sc_quant_spec {
    int bits;      /* 8 or 4 */
    int symmetric; /* 1: zero point 0, range [-2^(b-1)+1, 2^(b-1)-1] scale=absmax */
    sc_quant_granularity granularity;
    size_t group; /* PER_GROUP only; must divide cols */
} sc_quant_spec;

/* Number of scales for a [rows x cols] matrix under spec (0 on bad arguments). */
size_t sc_quant_n_scales(const sc_quant_spec *spec, size_t rows, size_t cols);
/* Computes scales (and zero points for asymmetric) from the data's range. */
sc_status sc_quant_scales(const sc_quant_spec *spec, const float *x, size_t rows, size_t cols,
                          float *scales, int32_t *zero_points, sc_err *err);
/* q = clamp(round_half_even(x / scale) + zp); 8-bit: one int8 per element; 4-bit: two per byte,
 * element 2i in the low nibble, 2i+1 in the high nibble (cols must be even). */
sc_status sc_quantize(const sc_quant_spec *spec, const float *x, size_t rows, size_t cols,
                      const float *scales, const int32_t *zero_points, void *q, sc_err *err);
sc_status sc_dequantize(const sc_quant_spec *spec, const void *q, size_t rows, size_t cols,
                        const float *scales, const int32_t *zero_points, float *x, sc_err *err);

#endif
