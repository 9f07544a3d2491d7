// SPDX-License-Identifier: Apache-2.0
// Dequantisation of GGML tensor types (F32, F16, BF16, Q8_0, Q4_0/1, Q5_0/1, Q4_K, Q5_K, Q6_K).
#include <string.h>

#include "frontends/llm/llm_dequant.h"
#include "numerics/numerics.h"

typedef struct type_info {
    int id;
    const char *name;
    size_t block, bytes; /* elements per block, bytes per block */
} type_info;

static const type_info TYPES[] = {
    {SC_GGML_F32, "F32", 1, 4},       {SC_GGML_F16, "F16", 1, 2},
    {SC_GGML_Q4_0, "Q4_0", 32, 18},   {SC_GGML_Q8_0, "Q8_0", 32, 34},
    {SC_GGML_Q4_1, "Q4_1", 32, 20},   {SC_GGML_Q5_0, "Q5_0", 32, 22},
    {SC_GGML_Q5_1, "Q5_1", 32, 24},   {SC_GGML_Q5_K, "Q5_K", 256, 176},
    {SC_GGML_Q4_K, "Q4_K", 256, 144}, {SC_GGML_Q6_K, "Q6_K", 256, 210},
    {SC_GGML_BF16, "BF16", 1, 2},
};

static const type_info *find(int type) {
    for (size_t i = 0; i < SC_ARRAY_LEN(TYPES); i++)
        if (TYPES[i].id == type) return &TYPES[i];
    return NULL;
}

const char *sc_ggml_type_name(int type) {
    const type_info *t = find(type);
    return t ? t->name : NULL;
}

int sc_ggml_type_block(int type, size_t *block, size_t *bytes) {
    const type_info *t = find(type);
    if (!t) return -1;
    *block = t->block;
    *bytes = t->bytes;
    return 0;
}

static float f16(const uint8_t *p) {
    return sc_f16_to_f32((uint16_t)(p[0] | p[1] << 8));
}

static void deq_q8_0(const uint8_t *b, float *y) {
    float d = f16(b);
    for (int j = 0; j < 32; j++)
        y[j] = d * (float)(int8_t)b[2 + j];
}

static void deq_q4_0(const uint8_t *b, float *y) {
    float d = f16(b);
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)((b[2 + j] & 0xF) - 8);
        y[j + 16] = d * (float)((b[2 + j] >> 4) - 8);
    }
}

/* Q4_1: d, m (f16), qs[16]: x = q * d + m. */
static void deq_q4_1(const uint8_t *b, float *y) {
    float d = f16(b), m = f16(b + 2);
    for (int j = 0; j < 16; j++) {
        y[j] = d * (float)(b[4 + j] & 0xF) + m;
        y[j + 16] = d * (float)(b[4 + j] >> 4) + m;
    }
}

/* Q5_0 / Q5_1: the fifth bit of element j is bit j of the little-endian qh word. Q5_0 centres
 * on 16 (x = (q - 16) * d), Q5_1 adds a minimum (x = q * d + m). */
static void deq_q5(const uint8_t *b, float *y, int has_min) {
    float d = f16(b), m = has_min ? f16(b + 2) : 0.0f;
    const uint8_t *qhp = b + (has_min ? 4 : 2), *qs = qhp + 4;
    uint32_t qh =
        (uint32_t)qhp[0] | (uint32_t)qhp[1] << 8 | (uint32_t)qhp[2] << 16 | (uint32_t)qhp[3] << 24;
    int off = has_min ? 0 : 16;
    for (int j = 0; j < 16; j++) {
        int h0 = (int)((qh >> j) << 4) & 0x10, h1 = (int)(qh >> (j + 12)) & 0x10;
        y[j] = d * (float)(((qs[j] & 0xF) | h0) - off) + m;
        y[j + 16] = d * (float)(((qs[j] >> 4) | h1) - off) + m;
    }
}

/* 6-bit scale and min number j of a Q4_K block's packed 12-byte table (ggml's layout). */
static void scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* Q4_K and Q5_K share the super-block head: d, dmin (f16) and 12 bytes of 6-bit scales and
 * mins. Sub-blocks is and is + 1 (the low and high nibbles of 32 bytes) get scale d x s and
 * offset dmin x m: dm = {scale, min} of sub-block is, then of is + 1. */
static void k_scales(const uint8_t *b, int is, float dm[4]) {
    float d = f16(b), dmin = f16(b + 2);
    uint8_t s1, m1, s2, m2;
    scale_min_k4(is, b + 4, &s1, &m1);
    scale_min_k4(is + 1, b + 4, &s2, &m2);
    dm[0] = d * s1, dm[1] = dmin * m1, dm[2] = d * s2, dm[3] = dmin * m2;
}

/* Q4_K: d (f16), dmin (f16), scales[12], qs[128]; 8 sub-blocks of 32 with 6-bit scale/min. */
static void deq_q4_k(const uint8_t *b, float *y) {
    const uint8_t *q = b + 16;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        float dm[4];
        k_scales(b, is, dm);
        for (int l = 0; l < 32; l++)
            *y++ = dm[0] * (float)(q[l] & 0xF) - dm[1];
        for (int l = 0; l < 32; l++)
            *y++ = dm[2] * (float)(q[l] >> 4) - dm[3];
    }
}

/* Q5_K: d, dmin (f16), scales[12] (as Q4_K), qh[32] (fifth bits), qs[128]. */
static void deq_q5_k(const uint8_t *b, float *y) {
    const uint8_t *qh = b + 16, *ql = b + 48;
    unsigned u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
        float dm[4];
        k_scales(b, is, dm);
        for (int l = 0; l < 32; l++)
            *y++ = dm[0] * (float)((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - dm[1];
        for (int l = 0; l < 32; l++)
            *y++ = dm[2] * (float)((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - dm[3];
    }
}

/* Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8), d (f16). */
static void deq_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = f16(b + 208);
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
    }
}

int sc_ggml_dequantize(int type, const void *src, size_t n, float *dst) {
    const type_info *t = find(type);
    if (!t || n % t->block) return -1;
    const uint8_t *b = src;
    size_t nb = n / t->block;
    for (size_t i = 0; i < nb; i++, b += t->bytes, dst += t->block) {
        switch (type) {
        case SC_GGML_F32:
            memcpy(dst, b, 4);
            break;
        case SC_GGML_F16:
            *dst = f16(b);
            break;
        case SC_GGML_BF16:
            *dst = sc_bf16_to_f32((uint16_t)(b[0] | b[1] << 8));
            break;
        case SC_GGML_Q8_0:
            deq_q8_0(b, dst);
            break;
        case SC_GGML_Q4_0:
            deq_q4_0(b, dst);
            break;
        case SC_GGML_Q4_1:
            deq_q4_1(b, dst);
            break;
        case SC_GGML_Q5_0:
            deq_q5(b, dst, 0);
            break;
        case SC_GGML_Q5_1:
            deq_q5(b, dst, 1);
            break;
        case SC_GGML_Q5_K:
            deq_q5_k(b, dst);
            break;
        case SC_GGML_Q4_K:
            deq_q4_k(b, dst);
            break;
        case SC_GGML_Q6_K:
            deq_q6_k(b, dst);
            break;
        default:
            return -1;
        }
    }
    return 0;
}
