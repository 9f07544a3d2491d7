// SPDX-License-Identifier: Apache-2.0
// Attention kernel program (llmk_attn) run functionally against a double-precision softmax(QK^T)V.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/llmk.h"
#include "helpers/testutil.h"
#include "test_sim_util.h"

/* One shape of the program: what it covers, then the sc_llmk_attn_params fields. */
typedef struct acase {
    const char *what;
    int items, n_blocks, m_rows, dk, dv, block_tokens, v_in_k, cores, kv_pitch;
    sc_dtype t;
} acase;

/* One item's operands on the host, exactly as written to HBM (values representable in t). */
typedef struct item_data {
    float *q; /* m x dk */
    float *k; /* T x dk, T = n_blocks x block tokens */
    float *v; /* T x dv (with v_in_k: the first dv columns of k) */
} item_data;

static sc_llmk_attn_params case_params(const acase *k) {
    sc_llmk_attn_params p = sc_llmk_attn_default_params();
    p.items = k->items, p.n_blocks = k->n_blocks, p.m_rows = k->m_rows;
    p.dk = k->dk, p.dv = k->dv, p.block_tokens = k->block_tokens, p.v_in_k = k->v_in_k;
    p.cores = k->cores, p.kv_pitch = k->kv_pitch, p.kv_dtype = k->t;
    return p;
}

static sc_llmk_attn_addr addrs(const sc_chip *c, const sc_llmk_attn_params *p, int it, int b) {
    sc_llmk_attn_addr a;
    sc_err err = {0};
    if (sc_llmk_attn_addrs(c, p, it, b, &a, &err) != SC_OK) fail_msg("addrs: %s", err.msg);
    return a;
}

/* Writes n floats as dtype t at HBM address at. */
static void put(sc_sim *s, sc_dtype t, uint64_t at, const float *x, int n) {
    size_t es = sc_dtype_size(t);
    unsigned char *buf = malloc((size_t)n * es);
    for (int i = 0; i < n; i++)
        sc_store_elem(t, buf, (size_t)i, x[i]);
    ts_write(s, SC_SPACE_HBM, 0, at, buf, (size_t)n * es);
    free(buf);
}

static void fill(float *x, size_t n, uint64_t *seed, float r, sc_dtype t) {
    for (size_t i = 0; i < n; i++)
        x[i] = ts_randf(seed, r, t);
}

/* Draws item it's Q, K, V and writes them where the program reads them: Q as one tile, K and V
 * row by row at their pitches (a token-major cache interleaves the items' rows). Q carries the
 * softmax scale (the program applies none): entries in +-6/sqrt(dk) against K in +-1 give
 * scores of standard deviation ~2, a peaked but not one-hot softmax. */
static item_data put_item(sc_sim *s, const sc_chip *c, const sc_llmk_attn_params *p, int it,
                          int blk, uint64_t *seed) {
    int T = p->n_blocks * blk, m = p->m_rows, dk = p->dk, dv = p->dv;
    size_t es = sc_dtype_size(p->kv_dtype);
    item_data d = {malloc(sizeof(float) * m * dk), malloc(sizeof(float) * T * dk),
                   malloc(sizeof(float) * T * dv)};
    fill(d.q, (size_t)m * dk, seed, 6.0f / sqrtf((float)dk), p->kv_dtype);
    fill(d.k, (size_t)T * dk, seed, 1.0f, p->kv_dtype);
    fill(d.v, (size_t)T * dv, seed, 2.0f, p->kv_dtype);
    for (int j = 0; p->v_in_k && j < T; j++)
        memcpy(d.v + (size_t)j * dv, d.k + (size_t)j * dk, sizeof(float) * dv);
    put(s, p->kv_dtype, addrs(c, p, it, 0).q, d.q, m * dk);
    for (int b = 0; b < p->n_blocks; b++) {
        sc_llmk_attn_addr a = addrs(c, p, it, b);
        assert_int_equal(a.block_tokens, blk);
        for (int j = 0; j < blk; j++) {
            put(s, p->kv_dtype, a.k + (uint64_t)j * a.k_pitch * es,
                d.k + (size_t)(b * blk + j) * dk, dk);
            if (!p->v_in_k)
                put(s, p->kv_dtype, a.v + (uint64_t)j * a.v_pitch * es,
                    d.v + (size_t)(b * blk + j) * dv, dv);
        }
    }
    return d;
}

/* Unit roundoff u and absolute error h below the smallest normal (half the subnormal step) of
 * the P and O rounding. */
static void rounding(sc_dtype t, double *u, double *h) {
    *u = t == SC_DTYPE_FP8_E4M3 ? ldexp(1, -4) : t == SC_DTYPE_FP16 ? ldexp(1, -11) : ldexp(1, -8);
    *h = t == SC_DTYPE_FP8_E4M3 ? ldexp(1, -10) : t == SC_DTYPE_FP16 ? ldexp(1, -25) : 0;
}

/* Largest |got - ref| / tol over item d's output o, where ref = softmax(scale Q K^T) V in double
 * precision. Tolerance, from the program's numerics:
 *  - P = exp(S - running max) is rounded to the KV dtype for the P.V MMA (|dP| <= u P + h; the
 *    later rescale by exp(m_old - m_new) <= 1 only shrinks it), while the row sum l is formed
 *    in fp32 from the unrounded P: the numerator errs by <= sum_t (u p_t + h) |v_t|, over l;
 *  - O is rounded to the KV dtype when stored: u |O| + h;
 *  - fp32 work (scores summed over dk, exps within 2 ulp, P.V summed over T tokens, the
 *    rescales): relative 4 dk 2^-24 max|q.k| in the exponent plus (T + 16) 2^-23, times the
 *    mean |v|. Q, K, V are exact in the KV dtype and their products exact in fp32. */
static double max_err(const item_data *d, const float *o, int m, int dk, int dv, int T, sc_dtype t,
                      double scale) {
    double u, h, worst = 0, *s = malloc(sizeof(double) * T);
    rounding(t, &u, &h);
    for (int i = 0; i < m; i++) {
        double mx = -INFINITY, absdot = 0, l = 0;
        for (int j = 0; j < T; j++) {
            double dot = 0, ad = 0;
            for (int x = 0; x < dk; x++) {
                double pr = (double)d->q[(size_t)i * dk + x] * d->k[(size_t)j * dk + x];
                dot += pr, ad += fabs(pr);
            }
            s[j] = dot * scale, mx = fmax(mx, s[j]), absdot = fmax(absdot, ad * scale);
        }
        for (int j = 0; j < T; j++)
            s[j] = exp(s[j] - mx), l += s[j];
        double rel32 = 4 * dk * ldexp(absdot, -24) + (T + 16) * ldexp(1, -23);
        for (int c = 0; c < dv; c++) {
            double ref = 0, pa = 0, va = 0;
            for (int j = 0; j < T; j++) {
                double v = d->v[(size_t)j * dv + c];
                ref += s[j] * v, pa += s[j] * fabs(v), va += fabs(v);
            }
            ref /= l, pa /= l, va /= l;
            double tol = u * pa + h * va + u * fabs(ref) + h + rel32 * pa;
            worst = fmax(worst, fabs(o[(size_t)i * dv + c] - ref) / tol);
        }
    }
    free(s);
    return worst;
}

static void free_item(item_data *d) {
    free(d->q);
    free(d->k);
    free(d->v);
}

/* Reads item it's output tile back as floats. */
static float *get_o(sc_sim *s, const sc_chip *c, const sc_llmk_attn_params *p, int it) {
    size_t n = (size_t)p->m_rows * p->dv, es = sc_dtype_size(p->kv_dtype);
    unsigned char *buf = malloc(n * es);
    float *o = malloc(sizeof(float) * n);
    ts_read(s, SC_SPACE_HBM, 0, addrs(c, p, it, 0).o, buf, n * es);
    for (size_t i = 0; i < n; i++)
        o[i] = sc_load_elem(p->kv_dtype, buf, i);
    free(buf);
    return o;
}

enum { GUARD = 4096 };

/* Builds and runs case k functionally (race checker on) and checks every item's O; a guard past
 * the last item's O must stay untouched (the O stores write nothing outside their tiles). With
 * discriminate, the same outputs must also miss the reference with 1/sqrt(dk) applied again,
 * so the tolerance is tight enough to see a missing or doubled softmax scale. */
static void check_case(const char *chip, const acase *k, int discriminate) {
    sc_chip *c = ts_chip(chip);
    sc_llmk_attn_params p = case_params(k);
    sc_program *prog = NULL;
    sc_err err = {0};
    int blk = 0;
    if (sc_llmk_attn_build(c, &p, &prog, &blk, &err) != SC_OK) fail_msg("%s: %s", k->what, err.msg);
    sc_sim *s = ts_sim(c, SC_SIM_FUNCTIONAL);
    uint64_t seed =
        0x9E3779B97F4A7C15ull ^ ((uint64_t)k->m_rows << 20 | (uint64_t)k->dk << 8 | k->items);
    item_data *d = calloc((size_t)k->items, sizeof *d);
    for (int it = 0; it < k->items; it++)
        d[it] = put_item(s, c, &p, it, blk, &seed);
    unsigned char guard[GUARD], back[GUARD];
    memset(guard, 0x5A, sizeof guard);
    uint64_t end =
        addrs(c, &p, k->items - 1, 0).o + (uint64_t)k->m_rows * k->dv * sc_dtype_size(k->t);
    ts_write(s, SC_SPACE_HBM, 0, end, guard, sizeof guard);
    ts_run(s, prog, NULL, 0);
    double worst = 0, worst_scaled = INFINITY;
    for (int it = 0; it < k->items; it++) {
        float *o = get_o(s, c, &p, it);
        int T = k->n_blocks * blk;
        worst = fmax(worst, max_err(&d[it], o, k->m_rows, k->dk, k->dv, T, k->t, 1.0));
        if (discriminate)
            worst_scaled = fmin(worst_scaled, max_err(&d[it], o, k->m_rows, k->dk, k->dv, T, k->t,
                                                      1.0 / sqrt((double)k->dk)));
        free(o);
        free_item(&d[it]);
    }
    ts_read(s, SC_SPACE_HBM, 0, end, back, sizeof back);
    print_message("%s, %s (block %d): max |err| / tol %.3f\n", chip, k->what, blk, worst);
    if (worst > 1.0) fail_msg("%s, %s: error %.3f x the tolerance", chip, k->what, worst);
    if (discriminate && worst_scaled <= 1.0)
        fail_msg("%s, %s: the scaled reference also passes (%.3f)", chip, k->what, worst_scaled);
    assert_memory_equal(guard, back, sizeof guard);
    free(d);
    sc_sim_destroy(s);
    sc_program_destroy(prog);
    sc_chip_destroy(c);
}

/* SeedChip-1: 128 x 128 array, 16 cores. */
static void test_seedchip1(void **state) {
    (void)state;
    const acase cases[] = {
        {"decode GQA group, 5 items on 2 cores", 5, 3, 8, 128, 128, 0, 0, 2, 0, SC_DTYPE_BF16},
        {"259 rows (2 row tiles + 3), 1 block", 3, 1, 259, 64, 64, 0, 0, 2, 0, SC_DTYPE_BF16},
        {"259 rows, 3 blocks, 2 items on 1 core", 2, 3, 259, 64, 64, 0, 0, 1, 0, SC_DTYPE_BF16},
        {"token-major KV, pitch 200, 6 heads", 6, 3, 4, 64, 64, 0, 0, 4, 200, SC_DTYPE_BF16},
        {"MLA latent cache, V in K, dv < dk", 3, 3, 16, 96, 64, 0, 1, 2, 0, SC_DTYPE_BF16},
        {"48-token blocks", 2, 3, 8, 64, 64, 48, 0, 0, 0, SC_DTYPE_BF16},
        {"fp8 E4M3 Q, K, V, P and O", 3, 3, 8, 128, 128, 0, 0, 2, 0, SC_DTYPE_FP8_E4M3},
    };
    for (size_t i = 0; i < SC_ARRAY_LEN(cases); i++)
        check_case("seedchip-1", &cases[i], i == 0);
}

/* A100 SXM: a 32 x 32 array, so dk = dv = 64 takes two V/O column chunks. */
static void test_a100(void **state) {
    (void)state;
    const acase cases[] = {
        {"decode GQA group, 5 items on 3 cores", 5, 3, 8, 64, 64, 0, 0, 3, 0, SC_DTYPE_BF16},
        {"67 rows (2 row tiles + 3), 1 block", 3, 1, 67, 64, 64, 0, 0, 2, 0, SC_DTYPE_BF16},
        {"67 rows, 3 blocks", 3, 3, 67, 64, 64, 0, 0, 2, 0, SC_DTYPE_BF16},
        {"token-major KV, pitch 256, 4 heads", 4, 3, 8, 64, 64, 0, 0, 3, 256, SC_DTYPE_BF16},
        {"MLA latent cache, V in K, dv < dk", 2, 3, 16, 96, 64, 0, 1, 0, 0, SC_DTYPE_BF16},
    };
    for (size_t i = 0; i < SC_ARRAY_LEN(cases); i++)
        check_case("a100-sxm-80g", &cases[i], i == 0);
}

/* dv above the array width and not a multiple of it: V and O go in equal column chunks that
 * divide dv (before, a narrower last chunk was multiplied and stored at the full chunk's row
 * stride and O written past its tile). */
static void test_ragged_dv(void **state) {
    (void)state;
    const acase sc1 = {"dv 192 in 2 chunks of 96", 2, 2, 8, 128, 192, 0, 0, 2, 0, SC_DTYPE_BF16};
    check_case("seedchip-1", &sc1, 0);
    const acase a100 = {
        "dk = dv = 80 in 4 chunks of 20", 3, 3, 8, 80, 80, 0, 0, 2, 0, SC_DTYPE_BF16};
    check_case("a100-sxm-80g", &a100, 0);
}

/* The address query agrees with the program's block size and rejects items and blocks it lacks. */
static void test_addrs(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    sc_llmk_attn_params p = sc_llmk_attn_default_params();
    p.items = 2, p.n_blocks = 2, p.m_rows = 4, p.block_tokens = 64;
    sc_llmk_attn_addr a, b;
    sc_err err = {0};
    assert_int_equal(sc_llmk_attn_addrs(c, &p, 1, 1, &a, &err), SC_OK);
    assert_int_equal(sc_llmk_attn_addrs(c, &p, 1, 0, &b, &err), SC_OK);
    assert_int_equal(a.block_tokens, 64);
    assert_true(a.k == b.k + (uint64_t)64 * (128 + 128) * 2); /* K then V per block */
    assert_true(a.v == a.k + (uint64_t)64 * 128 * 2 && a.q == (uint64_t)4 * 128 * 2);
    assert_int_equal(sc_llmk_attn_addrs(c, &p, 2, 0, &a, &err), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "item 2"));
    sc_err_clear(&err);
    assert_int_equal(sc_llmk_attn_addrs(c, &p, 0, -1, &a, &err), SC_ERR_INVALID_ARG);
    sc_err_clear(&err);
    p.dk = 0;
    assert_int_equal(sc_llmk_attn_addrs(c, &p, 0, 0, &a, &err), SC_ERR_INVALID_ARG);
    sc_chip_destroy(c);
}

/* A chip without an fp8 matrix path (A100) gets no fp8 program (it would trap at its first
 * MMA); SeedChip-1 does. */
static void test_fp8_needs_matrix_path(void **state) {
    (void)state;
    sc_chip *a100 = ts_chip("a100-sxm-80g"), *sc1 = ts_chip("seedchip-1");
    sc_llmk_attn_params p = sc_llmk_attn_default_params();
    p.kv_dtype = SC_DTYPE_FP8_E4M3;
    sc_program *prog = NULL;
    sc_err err = {0};
    assert_int_equal(sc_llmk_attn_build(a100, &p, &prog, NULL, &err), SC_ERR_UNSUPPORTED);
    assert_null(prog);
    assert_non_null(strstr(err.msg, "fp8"));
    sc_err_clear(&err);
    assert_int_equal(sc_llmk_attn_build(sc1, &p, &prog, NULL, &err), SC_OK);
    sc_program_destroy(prog);
    sc_chip_destroy(a100);
    sc_chip_destroy(sc1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seedchip1),
        cmocka_unit_test(test_a100),
        cmocka_unit_test(test_ragged_dv),
        cmocka_unit_test(test_addrs),
        cmocka_unit_test(test_fp8_needs_matrix_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
