// SPDX-License-Identifier: Apache-2.0
// GEMM generator: tiles fit the scratchpad, programs validate and serialize, work covers C once.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/gemm.h"
#include "helpers/testutil.h"
#include "test_sim_util.h"

static sc_chip *chip(const char *name) {
    sc_chip *c = NULL;
    char err[512];
    sc_chip_load_params p = sc_chip_load_default_params();
    if (sc_chip_load(name, &p, &c, err, sizeof err) != SC_OK) fail_msg("%s", err);
    return c;
}

/* Sum over every MMA of m*n*k must equal M*N*K: each C element's K range is covered once. */
static double mma_macs(const sc_program *p) {
    double macs = 0;
    for (int c = 0; c < sc_program_cores(p); c++) {
        size_t n = 0;
        const sc_insn *code = sc_program_code(p, c, SC_QUEUE_COMPUTE, &n);
        for (size_t i = 0; i < n; i++)
            if (code[i].op == SC_OP_MMAI)
                macs += (double)code[i].v[3] * code[i].v[4] * code[i].v[5];
    }
    return macs;
}

static void test_shapes_cover_c(void **state) {
    (void)state;
    sc_chip *c = chip("seedchip-1");
    uint64_t shapes[][3] = {
        {1, 1, 1}, {100, 70, 33}, {129, 257, 300}, {1024, 1024, 1024}, {4096, 512, 2048}};
    for (size_t i = 0; i < SC_ARRAY_LEN(shapes); i++) {
        sc_gemm_params p = sc_gemm_default_params();
        p.m = shapes[i][0], p.n = shapes[i][1], p.k = shapes[i][2];
        sc_program *prog = NULL;
        sc_gemm_plan plan;
        sc_err err = {0};
        if (sc_gemm_build(c, &p, &prog, &plan, &err) != SC_OK) fail_msg("%s", err.msg);
        assert_true(plan.spad_bytes <= (uint64_t)c->scratchpad_bytes);
        assert_true(plan.tm % (uint32_t)c->sa_rows == 0 && plan.tn % (uint32_t)c->sa_cols == 0);
        assert_true(mma_macs(prog) == (double)p.m * p.n * p.k);
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(sc_program_serialize(prog, &bytes, &len, &err), SC_OK);
        sc_program *back = NULL;
        assert_int_equal(sc_program_parse(bytes, len, &back, &err), SC_OK);
        assert_int_equal(sc_program_cores(back), sc_program_cores(prog));
        free(bytes);
        sc_program_destroy(back);
        sc_program_destroy(prog);
    }
    sc_chip_destroy(c);
}

static void test_bad_requests(void **state) {
    (void)state;
    sc_chip *a100 = chip("a100-sxm-80g");
    sc_gemm_params p = sc_gemm_default_params();
    p.m = p.n = p.k = 64;
    p.in_dtype = SC_DTYPE_FP8_E4M3;
    sc_program *prog = NULL;
    sc_err err = {0};
    assert_int_equal(sc_gemm_build(a100, &p, &prog, NULL, &err), SC_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "fp8"));
    sc_err_clear(&err);
    p.in_dtype = SC_DTYPE_BF16;
    p.m = 0;
    assert_int_equal(sc_gemm_build(a100, &p, &prog, NULL, &err), SC_ERR_INVALID_ARG);
    sc_err_clear(&err);
    p.m = p.n = p.k = 1u << 20; /* 2 TB of operands */
    assert_int_equal(sc_gemm_build(a100, &p, &prog, NULL, &err), SC_ERR_LIMIT);
    assert_null(prog);
    sc_chip_destroy(a100);
}

static void test_large_gemm_uses_every_core(void **state) {
    (void)state;
    sc_chip *c = chip("seedchip-1");
    sc_gemm_params p = sc_gemm_default_params();
    p.m = p.n = p.k = 8192;
    sc_program *prog = NULL;
    sc_gemm_plan plan;
    sc_err err = {0};
    if (sc_gemm_build(c, &p, &prog, &plan, &err) != SC_OK) fail_msg("%s", err.msg);
    assert_int_equal(plan.cores, 16);
    /* The tiling keeps HBM traffic below the ridge: bytes per FLOP under 1/ridge. */
    double ridge = sc_chip_peak_flops(c, SC_DTYPE_BF16) / sc_dram_bandwidth(&c->hbm);
    assert_true(plan.planned_hbm_bytes / plan.flops < 1.0 / ridge);
    sc_program_destroy(prog);
    sc_chip_destroy(c);
}

/* Split-K: S fp32 partials over K slices (each summed in ascending k), then summed in slice
 * order, rounded once to C's type; the functional run (race checker on) must give exactly
 * that. */
static void check_tiled(const sc_chip *c, uint64_t m, uint64_t n, uint64_t k, uint32_t S,
                        sc_dtype ct, uint32_t tm, uint32_t tn) {
    sc_gemm_params gp = sc_gemm_default_params();
    gp.m = m, gp.n = n, gp.k = k, gp.tk = 32, gp.splitk = S, gp.c_dtype = ct;
    gp.tm = tm, gp.tn = tn;
    sc_program *p = NULL;
    sc_gemm_plan pl;
    sc_err err = {0};
    if (sc_gemm_build(c, &gp, &p, &pl, &err) != SC_OK) fail_msg("%s", err.msg);
    assert_true(S == 1 ? pl.splitk == 1 : pl.splitk > 1 && pl.splitk <= S);
    assert_int_equal(pl.c_dtype, ct);
    size_t ces = sc_dtype_size(ct);
    assert_true(mma_macs(p) == (double)m * n * k);
    unsigned char *a = malloc(m * k * 2), *b = malloc(k * n * 2);
    unsigned char *got = malloc(m * n * ces), *want = malloc(ces);
    uint64_t seed = m * 31 + n * 5 + k;
    for (uint64_t i = 0; i < m * k; i++)
        sc_store_elem(SC_DTYPE_BF16, a, i, ts_randf(&seed, 3, SC_DTYPE_BF16));
    for (uint64_t i = 0; i < k * n; i++)
        sc_store_elem(SC_DTYPE_BF16, b, i, ts_randf(&seed, 3, SC_DTYPE_BF16));
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    ts_write(s, SC_SPACE_HBM, 0, pl.a_offset, a, m * k * 2);
    ts_write(s, SC_SPACE_HBM, 0, pl.b_offset, b, k * n * 2);
    ts_run(s, p, NULL, 0);
    ts_read(s, SC_SPACE_HBM, 0, pl.c_offset, got, m * n * ces);
    for (uint64_t i = 0; i < m * n; i++) {
        uint64_t r = i / n, j = i % n;
        float sum = 0;
        for (uint64_t k0 = 0; k0 < k; k0 += pl.kslice) {
            float acc = 0;
            for (uint64_t kk = k0; kk < SC_MIN(k, k0 + pl.kslice); kk++)
                acc += sc_load_elem(SC_DTYPE_BF16, a, r * k + kk) *
                       sc_load_elem(SC_DTYPE_BF16, b, kk * n + j);
            sum += acc;
        }
        sc_store_elem(ct, want, 0, sum); /* the store rounds to C's type */
        assert_memory_equal(want, got + i * ces, ces);
    }
    free(a);
    free(b);
    free(got);
    free(want);
    sc_sim_destroy(s);
    sc_program_destroy(p);
}

static void check_splitk(const sc_chip *c, uint64_t m, uint64_t n, uint64_t k, uint32_t S,
                         sc_dtype ct) {
    check_tiled(c, m, n, k, S, ct, 0, 0);
}

static void test_splitk_exact(void **state) {
    (void)state;
    sc_chip *c = chip("seedchip-1");
    check_splitk(c, 100, 70, 300, 4, SC_DTYPE_FP32);  /* 1 tile, 4 slices (96, 96, 96, 12) */
    check_splitk(c, 129, 257, 200, 3, SC_DTYPE_FP32); /* edge tiles and slices, 3 x 3 tiles */
    check_splitk(c, 40, 64, 64, 8, SC_DTYPE_FP32);    /* only 2 K steps: 2 slices */
    check_splitk(c, 129, 257, 200, 3, SC_DTYPE_BF16); /* C rounded to bf16 by the stores */
    check_splitk(c, 100, 70, 300, 1, SC_DTYPE_FP16);  /* no split: fp16 C from the tile stores */
    sc_chip_destroy(c);
}

/* Split-K fills idle cores: a 1-tile GEMM with a long K runs faster on 8 slices than on one
 * core, and the split program moves the partials (8 planes written and read) through HBM. */
static void test_splitk_speeds_up_few_tiles(void **state) {
    (void)state;
    sc_chip *c = chip("h100-sxm");
    double sec[2], bytes[2];
    for (int i = 0; i < 2; i++) {
        sc_gemm_params gp = sc_gemm_default_params();
        gp.m = 64, gp.n = 128, gp.k = 16384, gp.splitk = i ? 8 : 1;
        sc_program *p = NULL;
        sc_err err = {0};
        if (sc_gemm_build(c, &gp, &p, NULL, &err) != SC_OK) fail_msg("%s", err.msg);
        sc_sim *s = ts_sim(c, SC_SIM_TIMING);
        ts_run(s, p, NULL, 0);
        sc_sim_stats st;
        sc_sim_get_stats(s, &st);
        sec[i] = st.seconds, bytes[i] = st.bytes_hbm_write + st.bytes_shared;
        sc_sim_destroy(s);
        sc_program_destroy(p);
    }
    assert_true(sec[1] < 0.5 * sec[0]);
    assert_true(bytes[1] >= bytes[0] + 2.0 * 8 * 64 * 128 * 4 * 0.9);
    sc_chip_destroy(c);
}

static sc_chip *chip_mc(const char *multicast) {
    sc_chip *c = NULL;
    char err[512];
    const char *ov[] = {multicast};
    sc_chip_load_params p = sc_chip_load_default_params();
    p.overrides = ov, p.n_overrides = 1;
    if (sc_chip_load("h100-sxm", &p, &c, err, sizeof err) != SC_OK) fail_msg("%s", err);
    return c;
}

/* Cluster multicast (shared_sram.multicast = 2): pairs of cores take tiles of one column block
 * and read each B block once from the L2, so the shared-SRAM bytes fall by half of B's reads
 * (4 row blocks x the 4 MiB of B: 8 MiB) and the time does not rise; A's reads are unchanged.
 * The changed tile order still covers C once, exactly (ragged last band and tiles too). */
static void test_cluster_multicast(void **state) {
    (void)state;
    double sec[2], shared[2];
    for (int i = 0; i < 2; i++) {
        sc_chip *c = chip_mc(i ? "shared_sram.multicast=2" : "shared_sram.multicast=1");
        sc_gemm_params gp = sc_gemm_default_params();
        gp.m = 512, gp.n = 2048, gp.k = 1024, gp.tm = 128, gp.tn = 256, gp.tk = 64;
        sc_program *p = NULL;
        sc_err err = {0};
        if (sc_gemm_build(c, &gp, &p, NULL, &err) != SC_OK) fail_msg("%s", err.msg);
        sc_sim *s = ts_sim(c, SC_SIM_TIMING);
        ts_run(s, p, NULL, 0);
        sc_sim_stats st;
        sc_sim_get_stats(s, &st);
        sec[i] = st.seconds, shared[i] = st.bytes_shared;
        sc_sim_destroy(s);
        sc_program_destroy(p);
        if (i) check_tiled(c, 260, 300, 96, 1, SC_DTYPE_FP32, 64, 128); /* 5 x 3 tiles */
        sc_chip_destroy(c);
    }
    double b_half = 4.0 * 1024 * 2048 * 2 / 2;
    assert_true(fabs((shared[0] - shared[1]) - b_half) < 0.05 * b_half);
    assert_true(sec[1] <= sec[0]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_cover_c),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_large_gemm_uses_every_core),
        cmocka_unit_test(test_splitk_exact),
        cmocka_unit_test(test_splitk_speeds_up_few_tiles),
        cmocka_unit_test(test_cluster_multicast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
