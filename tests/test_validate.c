// SPDX-License-Identifier: Apache-2.0
// Validation: table parsing, kernel time models, skips, calibration fit and the MAPE error budget.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "helpers/testutil.h"
#include "report/validate.h"
#include "report/validate_internal.h"
#include "util/util.h"

/* The error budget on data/validation/calibration.csv (docs/VALIDATION.md, "Error budget").
 * The target is 10% everywhere; where the calibrated models do not reach it the budget is the
 * achieved figure plus a small margin, and the gap is documented. Raising a number here needs a
 * reason in docs/VALIDATION.md. */
static const struct {
    const char *what;
    double max_mape;
} BUDGET[] = {
    {"overall", 0.10}, {"gemm", 0.09},       {"attention", 0.10},
    {"memory", 0.04},  {"collective", 0.10}, {"llm", 0.10},
};

/* Under AddressSanitizer the whole table is 5-7 minutes of CPU, the slowest test of
 * `make test-asan`: there the budget tests predict one row in TABLE_SUBSET of each category
 * (every row still goes through the same code) and check that each is predicted, while the
 * budgets, which a subset cannot judge, are held by the full table in the other builds (`make
 * test`). -DSC_VAL_TEST_SUBSET gives the sanitizer path in any build. */
#if defined(__SANITIZE_ADDRESS__) || defined(SC_VAL_TEST_SUBSET)
#define TABLE_SUBSET 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TABLE_SUBSET 4
#endif
#endif
#ifndef TABLE_SUBSET
#define TABLE_SUBSET 1
#endif

#define HEADER                                                                                     \
    "id,category,split,config,hardware,count,model,precision,workload,metric,value,unit,source\n"

static sc_val_table *parse_ok(const char *text) {
    sc_val_table *t = NULL;
    sc_err err = {0};
    if (sc_val_table_parse(text, strlen(text), "t.csv", &t, &err) != SC_OK)
        fail_msg("parse: %s", err.msg);
    return t;
}

static void expect_parse_error(const char *text, const char *needle) {
    sc_val_table *t = NULL;
    sc_err err = {0};
    assert_int_equal(sc_val_table_parse(text, strlen(text), "t.csv", &t, &err), SC_ERR_PARSE);
    assert_null(t);
    if (!strstr(err.msg, needle)) fail_msg("error '%s' lacks '%s'", err.msg, needle);
}

static sc_chip *load_chip(const char *name) {
    sc_chip *c = NULL;
    char msg[512] = "";
    if (sc_chip_load(name, NULL, &c, msg, sizeof msg) != SC_OK) fail_msg("%s", msg);
    return c;
}

static void test_parse_rows_units_and_quoting(void **state) {
    (void)state;
    sc_val_table *t = parse_ok(
        HEADER
        "g1,gemm,fit,h100-sxm,\"NVIDIA H100, SXM\",1,-,bf16,m=64 n=128 k=256,tflops,500,"
        "TFLOPS,\"src \"\"quoted\"\", with comma\"\n"
        "\n"
        "c1,collective,holdout,h100-sxm,DGX,8,-,fp16,op=allreduce bytes=2048,latency,37,us,s\n"
        "l1,llm,holdout,h100-sxm,H100,4,llama-2-70b,fp8,batch=1 in=128 out=1,ttft,26,ms,s\r\n"
        "m1,memory,fit,a100-sxm-80g,A100,1,-,fp64,op=copy bytes=1e9 read_fraction=0.5,"
        "bandwidth,1.61,TB/s,s\n");
    assert_int_equal(sc_val_table_count(t), 4);
    const sc_val_row *g = sc_val_table_row(t, 0);
    assert_string_equal(g->hardware, "NVIDIA H100, SXM");
    assert_string_equal(g->source, "src \"quoted\", with comma");
    assert_int_equal(g->cat, SC_VAL_GEMM);
    assert_int_equal(g->metric, SC_VAL_TFLOPS);
    assert_true(g->m == 64 && g->n == 128 && g->k == 256 && g->batch == 1);
    assert_true(fabs(g->measured - 500e12) < 1);
    assert_int_equal(g->holdout, 0);
    const sc_val_row *c = sc_val_table_row(t, 1);
    assert_int_equal(c->line, 4); /* the blank line counts */
    assert_true(c->holdout && c->count == 8 && c->bytes == 2048);
    assert_string_equal(c->op, "allreduce");
    assert_true(fabs(c->measured - 37e-6) < 1e-12);
    const sc_val_row *l = sc_val_table_row(t, 2);
    assert_int_equal(l->tp, 4); /* defaults to the chip count */
    assert_true(fabs(l->measured - 0.026) < 1e-12);
    assert_string_equal(l->metric_name, "ttft");
    const sc_val_row *m = sc_val_table_row(t, 3);
    assert_true(fabs(m->measured - 1.61e12) < 1 && m->read_fraction == 0.5);
    sc_val_table_destroy(t);
}

static void test_parse_errors_name_line_and_problem(void **state) {
    (void)state;
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,m=1 n=1 k=1,tflops,1,furlongs,s\n",
                       "t.csv:2: column 'unit'");
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,m=1 n=1 k=1,tflops,1,TFLOPS,s\n"
                              "x,teleport,fit,h,h,1,-,bf16,m=1,tflops,1,TFLOPS,s\n",
                       "t.csv:3: column 'category'");
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,m=1 n=1,tflops,1,TFLOPS,s\n",
                       "need workload m, n and k");
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,m=1 n=1 k=1 zz=3,tflops,1,TFLOPS,s\n",
                       "unknown key 'zz'");
    expect_parse_error(HEADER "x,gemm,maybe,h,h,1,-,bf16,m=1 n=1 k=1,tflops,1,TFLOPS,s\n",
                       "column 'split'");
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,m=1 n=1 k=1,busbw,1,GB/s,s\n",
                       "does not apply to gemm");
    expect_parse_error(HEADER "x,collective,fit,h,h,1,-,bf16,op=allreduce bytes=8,busbw,1,GB/s,s\n",
                       "count >= 2");
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,m=1 n=1 k=1,tflops,-3,TFLOPS,s\n",
                       "column 'value'");
    expect_parse_error(HEADER "x,gemm,fit,h,h,1,-,bf16,\"m=1 n=1 k=1,tflops,1,TFLOPS,s\n",
                       "unterminated quoted field");
    expect_parse_error("id,category\nx,gemm\n", "header lacks column 'split'");
    expect_parse_error(HEADER, "no rows");
    sc_val_table *t = NULL;
    sc_err err = {0};
    assert_int_not_equal(sc_val_table_load("/nonexistent/table.csv", &t, &err), SC_OK);
    assert_non_null(strstr(err.msg, "/nonexistent/table.csv"));
}

/* Large square GEMMs run at efficiency.matmul of the peak; GEMVs read the weights at
 * efficiency.memory of the HBM bandwidth plus one launch: both checked against hand figures. */
static void test_gemm_model_limits(void **state) {
    (void)state;
    sc_chip *c = load_chip("h100-sxm");
    sc_err err = {0};
    double sec = 0;
    double peak = 2.0 * c->clock_hz * c->cores * c->sa_rows * c->sa_cols;
    assert_int_equal(sc_val_gemm_seconds(c, 1, 16384, 16384, 16384, SC_DTYPE_BF16, &sec, &err),
                     SC_OK);
    double achieved = 2.0 * 16384.0 * 16384 * 16384 / sec / peak;
    assert_true(achieved <= c->eff_matmul + 1e-9);
    assert_true(achieved > 0.9 * c->eff_matmul); /* only wave tails and launch lost */
    assert_int_equal(sc_val_gemm_seconds(c, 1, 1, 8192, 8192, SC_DTYPE_BF16, &sec, &err), SC_OK);
    double bytes = (8192.0 + 8192.0 * 8192) * 2 + 8192 * 2;
    double want = c->kernel_launch_s + bytes / (sc_dram_bandwidth(&c->hbm) * c->eff_memory);
    assert_true(sec >= want && sec < 1.02 * want); /* the padded MMA adds < 2% at the corner */
    /* FP8 halves both the weight bytes and the MMA time. */
    double bf16 = 0, fp8 = 0;
    assert_int_equal(sc_val_gemm_seconds(c, 1, 8192, 8192, 8192, SC_DTYPE_BF16, &bf16, &err),
                     SC_OK);
    assert_int_equal(sc_val_gemm_seconds(c, 1, 8192, 8192, 8192, SC_DTYPE_FP8_E4M3, &fp8, &err),
                     SC_OK);
    /* ... but not the epilogue's C stores, bf16 in both (they follow the main loop). */
    double c_s = 8192.0 * 8192 * 2 / (sc_dram_bandwidth(&c->hbm) * c->eff_memory);
    assert_true(fabs((bf16 - c->kernel_launch_s - c_s) / (fp8 - c->kernel_launch_s - c_s) - 2) <
                0.05);
    sc_chip_destroy(c);
    sc_chip *a100 = load_chip("a100-sxm-80g");
    assert_int_equal(sc_val_gemm_seconds(a100, 1, 64, 64, 64, SC_DTYPE_FP8_E4M3, &sec, &err),
                     SC_ERR_UNSUPPORTED); /* Ampere has no FP8 path */
    sc_chip_destroy(a100);
}

/* One more tile than there are cores costs a second wave: about twice the compute time. */
static void test_wave_quantisation(void **state) {
    (void)state;
    sc_chip *c = load_chip("h100-sxm");
    c->kernel_launch_s = 0;
    c->hbm.pin_rate *= 1000; /* take HBM out of the picture: this is about the MMA waves */
    sc_err err = {0};
    double full = 0, plus = 0;
    /* batch x (one tile) GEMMs: tile count = batch exactly when m, n, k fit one tile. */
    assert_int_equal(sc_val_gemm_seconds(c, c->cores, 32, 64, 8192, SC_DTYPE_BF16, &full, &err),
                     SC_OK);
    assert_int_equal(sc_val_gemm_seconds(c, c->cores + 1, 32, 64, 8192, SC_DTYPE_BF16, &plus, &err),
                     SC_OK);
    double ratio = plus / full;
    if (ratio < 1.9 || ratio > 2.1) fail_msg("second wave ratio %.3f", ratio);
    sc_chip_destroy(c);
}

static void assert_near(double got, double want) {
    if (!(fabs(got - want) <= 1e-12 * fabs(want)))
        fail_msg("got %.9g s, want %.9g s (hand-computed)", got, want);
}

/* NCCL's protocol choice: Simple for large messages, LL for small ones (its lower per-step
 * latency), NVLS above both where the config has an in-switch reduction. Each calibrated
 * mechanism moves the time by its hand-computed amount: the latency per ring step (2(p-1) of
 * them), Simple's store-and-forward fill (2(p-1) chunks), LL128's own bandwidth (it wins at mid
 * sizes when Simple pays its fill) and the NVLS latency. */
/* timing=host_sync adds efficiency.host_sync to the row's kernel time, once per call, and only
 * to rows so marked; an unknown timing method is a parse error. */
static void test_host_sync_timing(void **state) {
    (void)state;
    sc_val_table *t = parse_ok(
        HEADER
        "a0,attention,fit,a100-sxm-80g,A,1,-,fp16,batch=192 m=1 n=128 k=3072,latency,1,ms,s\n"
        "a1,attention,fit,a100-sxm-80g,A,1,-,fp16,batch=192 m=1 n=128 k=3072 "
        "timing=host_sync,latency,1,ms,s\n"
        "a2,attention,fit,a100-sxm-80g,A,1,-,fp16,batch=192 m=1 n=128 k=3072 "
        "timing=device,latency,1,ms,s\n");
    assert_int_equal(sc_val_table_row(t, 0)->host_sync, 0);
    assert_int_equal(sc_val_table_row(t, 1)->host_sync, 1);
    assert_int_equal(sc_val_table_row(t, 2)->host_sync, 0);
    sc_chip *c = load_chip("a100-sxm-80g");
    c->host_sync_s = 25e-6;
    sc_val_result r0, r1, r2;
    sc_val_predict_row(sc_val_table_row(t, 0), c, NULL, &r0);
    sc_val_predict_row(sc_val_table_row(t, 1), c, NULL, &r1);
    sc_val_predict_row(sc_val_table_row(t, 2), c, NULL, &r2);
    assert_false(r0.skipped || r1.skipped || r2.skipped);
    assert_true(fabs(r1.predicted - r0.predicted - 25e-6) < 1e-12);
    assert_true(r2.predicted == r0.predicted);
    sc_chip_destroy(c);
    sc_val_table_destroy(t);
    expect_parse_error(HEADER "a,attention,fit,x,A,1,-,fp16,batch=2 m=1 n=1 k=1 timing=events,"
                              "latency,1,ms,s\n",
                       "'timing': 'events' is not host_sync or device");
}

static void test_allreduce_model(void **state) {
    (void)state;
    sc_chip *c = load_chip("h100-sxm");
    /* fixed, so the test does not follow the fitted values */
    c->eff_nvls = 0, c->eff_link = 0.9, c->collective_latency_s = 3e-6;
    c->coll_hop_s = 0, c->eff_ll128 = 0, c->coll_chunk = 0, c->nvls_latency_s = 0;
    double bytes = 64e6, fixed = 3e-6, wire = c->link_count * c->link_bw, link = wire * 0.9;
    double simple = fixed + 8.4e-6 + 14 * 3.4e-6 + 14.0 / 8 * bytes / link;
    assert_near(sc_val_allreduce_seconds(c, bytes, 8), simple);
    double ll = fixed + 6.6e-6 + 14 * 0.6e-6 + 14.0 / 8 * 1024 / (link * 0.25);
    assert_near(sc_val_allreduce_seconds(c, 1024, 8), ll);
    assert_true(sc_val_allreduce_seconds(c, 1024, 8) > sc_val_allreduce_seconds(c, 1024, 2));
    c->coll_hop_s = 1e-6; /* per ring step: 14 on 8 GPUs, 2 on 2 */
    assert_near(sc_val_allreduce_seconds(c, 1024, 8), ll + 14e-6);
    assert_near(sc_val_allreduce_seconds(c, 1024, 2),
                fixed + 6.6e-6 + 2 * 1.6e-6 + 1.0 * 1024 / (link * 0.25));
    c->coll_chunk = 1e6; /* 14 chunks of 1 MB cross the ring before the pipeline streams */
    double simple1g = fixed + 8.4e-6 + 14 * 4.4e-6 + 14.0 / 8 * 1e9 / link;
    assert_near(sc_val_allreduce_seconds(c, 1e9, 8), simple1g + 14 * 1e6 / link);
    c->eff_ll128 = 0.5; /* 4 MB: LL128 at half the wire beats Simple's fill of 14 x 0.5 MB */
    double ll128 = fixed + 14e-6 + 14 * (1.9e-6 + 1e-6) + 14.0 / 8 * 4e6 / (wire * 0.5);
    double simple4 = fixed + 8.4e-6 + 14 * 4.4e-6 + 14.0 / 8 * 4e6 / link + 14 * 0.5e6 / link;
    assert_true(ll128 < simple4);
    assert_near(sc_val_allreduce_seconds(c, 4e6, 8), ll128);
    c->eff_nvls = 0.6; /* NCCL's 25 us unless the config states its NVLS latency */
    assert_near(sc_val_allreduce_seconds(c, 1e9, 8), fixed + 25e-6 + 1e9 / (wire * 0.6));
    c->nvls_latency_s = 40e-6;
    assert_near(sc_val_allreduce_seconds(c, 1e9, 8), fixed + 40e-6 + 1e9 / (wire * 0.6));
    assert_near(sc_val_allreduce_seconds(c, 1024, 8), ll + 14e-6); /* LL still wins */
    sc_chip_destroy(c);
}

static void test_skips_name_the_reason(void **state) {
    (void)state;
    sc_val_table *t = parse_ok(
        HEADER "a,gemm,fit,no-such-chip,X,1,-,bf16,m=8 n=8 k=8,tflops,1,TFLOPS,s\n"
               "b,gemm,fit,a100-sxm-80g,A100,1,-,fp8,m=8 n=8 k=8,tflops,1,TFLOPS,s\n"
               "c,llm,holdout,h100-sxm,H100,1,no-such-model,fp8,batch=1 in=8,ttft,1,ms,s\n"
               "d,gemm,fit,h100-sxm,H100,1,-,bf16,m=4096 n=4096 k=4096,tflops,700,TFLOPS,s\n"
               "e,collective,fit,h100-sxm,H100,8,-,bf16,op=alltoall bytes=8,latency,1,ms,s\n");
    sc_val_result res[5];
    sc_val_summary sum;
    sc_err err = {0};
    assert_int_equal(sc_val_run(t, NULL, NULL, res, &sum, &err), SC_OK);
    assert_true(res[0].skipped && strstr(res[0].reason, "no config 'no-such-chip'"));
    assert_true(res[1].skipped && strstr(res[1].reason, "fp8"));
    assert_true(res[2].skipped && strstr(res[2].reason, "no-such-model"));
    assert_false(res[3].skipped);
    assert_true(res[4].skipped && strstr(res[4].reason, "alltoall"));
    assert_int_equal(sum.skipped, 4);
    assert_int_equal(sum.all.n, 1);
    assert_true(fabs(sum.cat[SC_VAL_GEMM].mape - fabs(res[3].error)) < 1e-12);
    sc_val_table_destroy(t);
}

/* Synthetic table measured by the models themselves at known parameters (GEMMs through the
 * executor, as validate predicts them): the fit must find them from the config's own (different)
 * values, with ~0 error, and never look at holdout rows. */
static void test_fit_recovers_known_parameters(void **state) {
    (void)state;
    sc_chip *c = load_chip("h100-sxm");
    sc_val_eff truth = {.matmul = 0.62,
                        .memory = 0.71,
                        .launch = 9e-6,
                        .coll_latency = 4e-6,
                        .link = 0.8,
                        .nvls = 0.55,
                        .hop = 1.5e-6,
                        .ll128 = 0.5,
                        .chunk = 1e6,
                        .nvls_lat = 30e-6,
                        .write = 0.2};
    sc_val_eff_to_chip(&truth, c);
    static const double shapes[][3] = {{8192, 8192, 8192}, {4096, 4096, 1024}, {1, 8192, 8192},
                                       {8, 28672, 8192},   {256, 1024, 1024},  {1, 1024, 1024},
                                       {2048, 512, 4096},  {1, 256, 256}};
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_strbuf_printf(&sb, HEADER);
    for (size_t i = 0; i < SC_ARRAY_LEN(shapes); i++) {
        double sec = 0;
        sc_err err = {0};
        assert_int_equal(
            sc_val_gemm_exec(NULL, c, shapes[i][0], shapes[i][1], shapes[i][2], "bf16", &sec, &err),
            SC_OK);
        sc_strbuf_printf(&sb,
                         "g%zu,gemm,fit,h100-sxm,H,1,-,bf16,m=%g n=%g k=%g,latency,%.17g,s,s\n", i,
                         shapes[i][0], shapes[i][1], shapes[i][2], sec);
    }
    /* 2 and 8 GPUs: the latency per ring step and the one per collective differ only there. */
    static const double sizes[] = {1024, 1e5, 1e6, 4e6, 1e7, 1e8, 1e9, 4e9};
    for (size_t i = 0; i < 2 * SC_ARRAY_LEN(sizes); i++) {
        int gpus = i % 2 ? 2 : 8;
        double b = sizes[i / 2];
        sc_strbuf_printf(&sb,
                         "c%zu,collective,fit,h100-sxm,H,%d,-,bf16,op=allreduce bytes=%g,latency,"
                         "%.17g,s,s\n",
                         i, gpus, b, sc_val_allreduce_seconds(c, b, gpus));
    }
    /* A read-only and a half-write stream: efficiency.memory and memory_write. */
    sc_strbuf_printf(&sb, "s0,memory,fit,h100-sxm,H,1,-,fp32,bytes=1e9,latency,%.17g,s,s\n",
                     sc_val_stream_seconds(c, 1e9, 0));
    sc_strbuf_printf(&sb,
                     "s1,memory,fit,h100-sxm,H,1,-,fp32,bytes=1e9 read_fraction=0.5,latency,"
                     "%.17g,s,s\n",
                     sc_val_stream_seconds(c, 1e9, 0.5));
    /* A wildly wrong holdout row must not pull the fit. */
    sc_strbuf_printf(&sb,
                     "h0,gemm,holdout,h100-sxm,H,1,-,bf16,m=8192 n=8192 k=8192,latency,9,s,s\n");
    sc_chip_destroy(c);
    sc_val_table *t = parse_ok(sb.data);
    sc_strbuf_free(&sb);
    sc_val_eff e;
    double before = 0, after = 0;
    sc_err err = {0};
    assert_int_equal(sc_val_fit(t, NULL, "h100-sxm", &e, &before, &after, &err), SC_OK);
    assert_true(before > 0.05); /* the shipped values are not the synthetic truth */
    if (after > 0.005) fail_msg("fit MAPE %.4f", after);
    assert_true(fabs(e.matmul - truth.matmul) < 0.01);
    assert_true(fabs(e.memory - truth.memory) < 0.01);
    assert_true(fabs(e.link - truth.link) < 0.02);
    assert_true(fabs(e.nvls - truth.nvls) < 0.02);
    assert_true(fabs(e.write - truth.write) < 0.02);
    assert_int_equal(sc_val_fit(t, NULL, "a100-sxm-80g", &e, &before, &after, &err),
                     SC_ERR_NOT_FOUND);
    sc_val_table_destroy(t);
}

static void check_budget(const char *what, const sc_val_stat *s) {
    for (size_t i = 0; i < SC_ARRAY_LEN(BUDGET); i++) {
        if (strcmp(BUDGET[i].what, what) != 0 || s->n == 0) continue;
        printf("  %-10s MAPE %5.1f%% over %3d rows (budget %.0f%%%s)\n", what, 100 * s->mape, s->n,
               100 * BUDGET[i].max_mape, TABLE_SUBSET > 1 ? ", not judged on a subset" : "");
        if (TABLE_SUBSET == 1 && s->mape > BUDGET[i].max_mape)
            fail_msg("%s MAPE %.1f%% exceeds the %.0f%% budget", what, 100 * s->mape,
                     100 * BUDGET[i].max_mape);
    }
}

static int shipped_config(const char *name) {
    return strcmp(name, "h100-sxm") == 0 || strcmp(name, "h200-sxm") == 0 ||
           strcmp(name, "a100-sxm-80g") == 0;
}

/* The project's calibration table predicted once by the shipped configs, every row (kernel and
 * LLM) in one run: one GEMM timer per config serves the GEMM rows and every LLM deployment, so
 * each distinct kernel is simulated once. The budget tests below read this run. */
typedef struct table_run {
    sc_val_table *t;
    sc_val_result *res;
    sc_val_summary sum;
    char *select; /* rows predicted (NULL: all) */
} table_run;

/* 1 when row i was predicted by run_table (all rows, or its subset under sanitizers). */
static int in_run(const table_run *run, size_t i) {
    return !run->select || run->select[i];
}

/* One row in TABLE_SUBSET of each category, the first of each included. */
static char *subset_rows(const sc_val_table *t) {
    size_t n = sc_val_table_count(t), seen[SC_VAL_NCAT] = {0};
    char *sel = TABLE_SUBSET > 1 ? calloc(n, 1) : NULL;
    for (size_t i = 0; sel && i < n; i++)
        sel[i] = seen[sc_val_table_row(t, i)->cat]++ % TABLE_SUBSET == 0;
    return sel;
}

static int run_table(void **state) {
    table_run *run = calloc(1, sizeof *run);
    sc_err err = {0};
    if (!run) return -1;
    *state = run;
    if (sc_val_table_load(tu_src_path("data/validation/calibration.csv"), &run->t, &err) != SC_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    run->res = calloc(sc_val_table_count(run->t), sizeof *run->res);
    run->select = subset_rows(run->t);
    sc_val_params p = sc_val_default_params();
    p.select = run->select;
    if (!run->res || (TABLE_SUBSET > 1 && !run->select) ||
        sc_val_run(run->t, &p, NULL, run->res, &run->sum, &err) != SC_OK) {
        fprintf(stderr, "validate: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int free_run(void **state) {
    table_run *run = *state;
    if (run) {
        free(run->res);
        free(run->select);
        sc_val_table_destroy(run->t);
        free(run);
    }
    return 0;
}

/* The regression test: the kernel rows (GEMM, attention, memory, collective) of the project's
 * calibration table, predicted by the shipped configs. Every such row must be predicted; the
 * overall budget is over these rows. */
static void test_calibration_table_within_budget(void **state) {
    const table_run *run = *state;
    size_t n = sc_val_table_count(run->t);
    assert_true(n >= 250);
    sc_val_stat kernel = {0};
    for (size_t i = 0; i < n; i++) {
        const sc_val_row *r = sc_val_table_row(run->t, i);
        if (r->cat == SC_VAL_LLM || !in_run(run, i)) continue;
        if (shipped_config(r->config) && run->res[i].skipped)
            fail_msg("%s skipped: %s", r->id, run->res[i].reason);
        if (run->res[i].skipped) continue;
        double ape = fabs(run->res[i].error);
        kernel.mape += ape; /* summed here, divided below */
        kernel.n++;
        if (ape > kernel.max_ape) kernel.max_ape = ape;
    }
    if (kernel.n) kernel.mape /= kernel.n;
    check_budget("overall", &kernel);
    for (int c = 0; c < SC_VAL_NCAT; c++)
        if (c != SC_VAL_LLM) check_budget(sc_val_cat_name(c), &run->sum.cat[c]);
}

/* End-to-end LLM rows go through runtime/llm_perf. Until it can time most of them on the GPU
 * configs the budget cannot be judged, and the test says so (skip) rather than pass. */
static void test_llm_rows_within_budget(void **state) {
    const table_run *run = *state;
    size_t n = sc_val_table_count(run->t), llm = 0;
    const char *why = "";
    for (size_t i = 0; i < n; i++) {
        const sc_val_row *r = sc_val_table_row(run->t, i);
        if (r->cat != SC_VAL_LLM || !shipped_config(r->config) || !in_run(run, i)) continue;
        llm++;
        if (run->res[i].skipped) why = run->res[i].reason;
    }
    if (run->sum.cat[SC_VAL_LLM].n * 2 < (int)llm) {
        printf("  llm: %d of %zu rows predicted (e.g. %s): budget not judged\n",
               run->sum.cat[SC_VAL_LLM].n, llm, why);
        skip();
    }
    check_budget("llm", &run->sum.cat[SC_VAL_LLM]);
}

int main(void) {
#ifdef __GLIBC__
    /* The table builds and frees thousands of programs of a few MB; mapped afresh or trimmed
     * from the heap each time, they cost a third of this test's CPU in page faults and copies.
     * Kept on the heap and untrimmed, freed ones are reused. A process's choice: made here. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_rows_units_and_quoting),
        cmocka_unit_test(test_parse_errors_name_line_and_problem),
        cmocka_unit_test(test_gemm_model_limits),
        cmocka_unit_test(test_wave_quantisation),
        cmocka_unit_test(test_host_sync_timing),
        cmocka_unit_test(test_allreduce_model),
        cmocka_unit_test(test_skips_name_the_reason),
        cmocka_unit_test(test_fit_recovers_known_parameters),
    };
    /* The two budget tests share one prediction of the whole table (run_table). */
    const struct CMUnitTest budget[] = {
        cmocka_unit_test(test_calibration_table_within_budget),
        cmocka_unit_test(test_llm_rows_within_budget),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + cmocka_run_group_tests(budget, run_table, free_run);
}
