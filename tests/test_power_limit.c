// SPDX-License-Identifier: Apache-2.0
// Power limit of the tensor cores: chip-level formulas, the executor's sustained vs burst runs,
// llm_perf's whole-GEMM floor and the calibration table's load= key.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chip/chip.h"
#include "compiler/gemm.h"
#include "helpers/testutil.h"
#include "report/validate.h"
#include "runtime/llm_perf.h"
#include "sim/sim.h"

static void test_formulas(void **state) {
    (void)state;
    sc_chip *c = tu_load_chip("seedchip-1");
    assert_non_null(c);
    c->tdp_w = 500, c->idle_w = 100;
    c->e_mac[SC_DTYPE_FP8_E4M3] = 1e-12;
    c->e_mac[SC_DTYPE_BF16] = 1e-15;
    double macs = sc_chip_peak_flops(c, SC_DTYPE_FP8_E4M3) / 2; /* MAC/s at full rate */
    assert_true(fabs(sc_chip_mma_power(c, SC_DTYPE_FP8_E4M3) - macs * 1e-12) < 1e-6);
    /* E5M2 pays E4M3's energy and rate */
    assert_true(sc_chip_mma_power(c, SC_DTYPE_FP8_E5M2) == sc_chip_mma_power(c, SC_DTYPE_FP8_E4M3));
    double frac = sc_chip_mma_clock_fraction(c, SC_DTYPE_FP8_E4M3);
    assert_true(fabs(frac - 400.0 / (macs * 1e-12)) < 1e-12);
    assert_true(frac < 1);
    assert_true(sc_chip_mma_clock_fraction(c, SC_DTYPE_BF16) == 1.0); /* within budget */
    assert_true(fabs(sc_chip_mma_power_seconds(c, SC_DTYPE_FP8_E4M3, 4e14) - 1.0) < 1e-12);
    assert_true(sc_chip_mma_power_seconds(c, SC_DTYPE_FP8_E4M3, 0) == 0);
    c->idle_w = c->tdp_w; /* no budget: no limit rather than a division by zero */
    assert_true(sc_chip_mma_power_seconds(c, SC_DTYPE_FP8_E4M3, 4e14) == 0);
    assert_true(sc_chip_mma_clock_fraction(c, SC_DTYPE_FP8_E4M3) == 1.0);
    sc_chip_destroy(c);
}

/* The shipped configs: full-rate FP8 on the 700 W H100 needs more than its budget (the Azure
 * sustained rows), BF16 does not; SeedChip-1's own energy table keeps it within 500 W. */
static void test_shipped_configs(void **state) {
    (void)state;
    sc_chip *h = tu_load_chip("h100-sxm"), *s = tu_load_chip("seedchip-1");
    assert_non_null(h);
    assert_non_null(s);
    assert_true(sc_chip_mma_clock_fraction(h, SC_DTYPE_FP8_E4M3) < 0.9);
    assert_true(sc_chip_mma_clock_fraction(h, SC_DTYPE_BF16) == 1.0);
    assert_true(sc_chip_mma_clock_fraction(s, SC_DTYPE_FP8_E4M3) == 1.0);
    sc_chip_destroy(h);
    sc_chip_destroy(s);
}

static void run_gemm(const sc_chip *c, int burst, sc_sim_stats *st) {
    sc_gemm_params p = sc_gemm_default_params();
    p.m = 256, p.n = 256, p.k = 1024;
    p.in_dtype = SC_DTYPE_FP8_E4M3;
    sc_program *prog = NULL;
    sc_err err = {0};
    if (sc_gemm_build(c, &p, &prog, NULL, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sp.burst = burst;
    sc_sim *sim = NULL;
    assert_int_equal(sc_sim_create(c, &sp, &sim, &err), SC_OK);
    if (sc_sim_run(sim, prog, NULL, 0, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_sim_get_stats(sim, st);
    sc_sim_destroy(sim);
    sc_program_destroy(prog);
}

/* A sustained run whose MAC energy exceeds the budget takes energy / budget; a burst run and a
 * run within the budget keep the nominal clock; cycles never change. */
static void test_executor(void **state) {
    (void)state;
    sc_chip *c = tu_load_chip("seedchip-1");
    assert_non_null(c);
    sc_sim_stats cool, hot, burst;
    run_gemm(c, 0, &cool);
    assert_false(cool.power_limited);
    assert_true(fabs(cool.seconds - (double)cool.cycles / c->clock_hz) < 1e-15);
    c->e_mac[SC_DTYPE_FP8_E4M3] = 50e-12; /* far above what 410 W sustains */
    run_gemm(c, 0, &hot);
    run_gemm(c, 1, &burst);
    assert_true(hot.power_limited);
    assert_false(burst.power_limited);
    assert_true(hot.cycles == burst.cycles && hot.cycles == cool.cycles);
    assert_true(fabs(burst.seconds - cool.seconds) < 1e-15);
    double budget = c->tdp_w - c->idle_w;
    assert_true(fabs(hot.seconds - hot.energy_mac / budget) < 1e-12 * hot.seconds);
    assert_true(hot.seconds > 2 * burst.seconds);
    /* average power at the limit: idle + MACs + the rest, so at least the TDP */
    assert_true(hot.energy_total / hot.seconds >= c->tdp_w * 0.999);
    sc_chip_destroy(c);
}

/* llm_perf's GEMM seconds (what serving and validate use) are held to the limit after the
 * efficiencies; the burst variant is not. */
static void test_gemm_seconds(void **state) {
    (void)state;
    sc_chip *c = tu_load_chip("h100-sxm");
    assert_non_null(c);
    double m = 16384, n = 16384, k = 16384, raw = 1e-6; /* an impossibly fast raw time */
    double floor_s = sc_chip_mma_power_seconds(c, SC_DTYPE_FP8_E4M3, m * n * k);
    double burst = sc_llm_gemm_burst_seconds(c, m, (int)n, (int)k, SC_LLM_FP8, raw);
    double sus = sc_llm_gemm_seconds(c, m, (int)n, (int)k, SC_LLM_FP8, raw);
    assert_true(burst < floor_s);
    assert_true(fabs(sus - floor_s) < 1e-12 * floor_s);
    /* bf16 on the H100 stays within its budget: both variants agree */
    double b1 = sc_llm_gemm_seconds(c, m, (int)n, (int)k, SC_LLM_BF16, 0.05);
    double b2 = sc_llm_gemm_burst_seconds(c, m, (int)n, (int)k, SC_LLM_BF16, 0.05);
    assert_true(b1 == b2);
    sc_chip_destroy(c);
}

static void test_table_load_key(void **state) {
    (void)state;
    const char *hdr = "id,category,split,config,hardware,count,model,precision,workload,metric,"
                      "value,unit,source\n";
    char text[1024];
    snprintf(text, sizeof text,
             "%sg1,gemm,fit,h100-sxm,H100,1,-,fp8,m=64 n=64 k=64 load=burst,tflops,1,TFLOPS,src\n"
             "g2,gemm,fit,h100-sxm,H100,1,-,fp8,m=64 n=64 k=64 load=sustained,tflops,1,TFLOPS,"
             "src\n",
             hdr);
    sc_val_table *t = NULL;
    sc_err err = {0};
    assert_int_equal(sc_val_table_parse(text, strlen(text), "t.csv", &t, &err), SC_OK);
    assert_int_equal(sc_val_table_count(t), 2);
    assert_int_equal(sc_val_table_row(t, 0)->burst, 1);
    assert_int_equal(sc_val_table_row(t, 1)->burst, 0);
    sc_val_table_destroy(t);
    snprintf(text, sizeof text,
             "%sg1,gemm,fit,h100-sxm,H100,1,-,fp8,m=64 n=64 k=64 load=hot,tflops,1,TFLOPS,src\n",
             hdr);
    t = NULL;
    assert_int_equal(sc_val_table_parse(text, strlen(text), "t.csv", &t, &err), SC_ERR_PARSE);
    assert_null(t);
    assert_non_null(strstr(err.msg, "t.csv:2"));
    assert_non_null(strstr(err.msg, "load"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formulas),       cmocka_unit_test(test_shipped_configs),
        cmocka_unit_test(test_executor),       cmocka_unit_test(test_gemm_seconds),
        cmocka_unit_test(test_table_load_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
