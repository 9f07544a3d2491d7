// SPDX-License-Identifier: Apache-2.0
// GEMM generator: tiles fit the scratchpad, programs validate and serialize, work covers C once.
#include <stdlib.h>
#include <string.h>

#include "compiler/gemm.h"
#include "helpers/testutil.h"

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes_cover_c),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_large_gemm_uses_every_core),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
