// SPDX-License-Identifier: Apache-2.0
// Serving simulator: workloads, traces, batching, KV paging, preemption, prefix cache, disagg.
// The engine here is a linear test double (time = a + b*decodes + c*prefill tokens) so that
// expected latencies can be computed by hand; the product's engine is sc_serve_llm.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/testutil.h"
#include "serve/serve.h"

typedef struct lin {
    double a, b, c, d; /* fixed, per decode sequence, per prefill token, per decode ctx token */
    long calls;
} lin;

static sc_status lin_step(void *user, const sc_llm_step *s, double *sec, sc_err *err) {
    lin *l = user;
    l->calls++;
    *sec =
        l->a + l->b * s->n_decode + l->c * s->prefill_tokens + l->d * s->n_decode * s->decode_ctx;
    return SC_OK;
}

static sc_serve_engine engine(lin *l, double kv_tokens) {
    sc_serve_engine e = {lin_step, l, kv_tokens, 1e5, 64e9, 100e9, 1e-6, 100000};
    return e;
}

static sc_serve_workload fixed_workload(int in, int out) {
    sc_serve_workload w = sc_serve_default_workload();
    w.prompt = (sc_len_dist){SC_LEN_FIXED, in, 0, 1, 0};
    w.output = (sc_len_dist){SC_LEN_FIXED, out, 0, 1, 0};
    return w;
}

static void near(double got, double want, double rel) {
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.9g, want %.9g (+-%.1f%%)", got, want, rel * 100);
}

static void test_rng_and_lengths(void **state) {
    (void)state;
    sc_rng a, b;
    sc_rng_seed(&a, 7);
    sc_rng_seed(&b, 7);
    for (int i = 0; i < 100; i++)
        assert_true(sc_rng_next(&a) == sc_rng_next(&b));
    double sum = 0, sq = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double g = sc_rng_gamma(&a, 0.25, 4.0); /* mean 1, cv 2 */
        sum += g;
        sq += g * g;
    }
    double mean = sum / n, cv = sqrt(sq / n - mean * mean) / mean;
    near(mean, 1.0, 0.03);
    near(cv, 2.0, 0.05);
    sc_len_dist d = {SC_LEN_LOGNORMAL, 1000, 0.5, 1, 0};
    sum = 0;
    for (int i = 0; i < n; i++)
        sum += sc_len_sample(&d, &a);
    near(sum / n, 1000, 0.02);
    sc_len_dist u = {SC_LEN_UNIFORM, 100, 0.5, 1, 120};
    for (int i = 0; i < 1000; i++) {
        int v = sc_len_sample(&u, &a);
        assert_true(v >= 50 && v <= 120);
    }
}

static void test_poisson_and_bursty_arrivals(void **state) {
    (void)state;
    sc_serve_workload w = fixed_workload(10, 10);
    w.rate = 50;
    w.duration = 400;
    sc_serve_request *v = NULL;
    size_t n = 0;
    sc_err err = {0};
    assert_int_equal(sc_serve_generate(&w, &v, &n, &err), SC_OK);
    near((double)n, 20000, 0.03);
    for (size_t i = 1; i < n; i++)
        assert_true(v[i].arrival >= v[i - 1].arrival && v[i].arrival < 400);
    free(v);
    w.arrival = SC_ARRIVAL_GAMMA;
    w.burst_cv = 3;
    assert_int_equal(sc_serve_generate(&w, &v, &n, &err), SC_OK);
    near((double)n, 20000, 0.1);
    double s = 0, s2 = 0;
    for (size_t i = 1; i < n; i++) {
        double g = v[i].arrival - v[i - 1].arrival;
        s += g, s2 += g * g;
    }
    double m = s / (double)(n - 1);
    near(sqrt(s2 / (double)(n - 1) - m * m) / m, 3.0, 0.15);
    free(v);
}

static void test_trace_parse(void **state) {
    (void)state;
    const char *csv = "# comment\narrival,prompt_len,output_len,prefix_group,prefix_len\n"
                      "0.5, 100, 20, 1, 64\n0.25,50,5,-1,0\n\n";
    sc_serve_request *v = NULL;
    size_t n = 0;
    sc_err err = {0};
    assert_int_equal(sc_serve_trace_parse("t.csv", csv, strlen(csv), &v, &n, &err), SC_OK);
    assert_int_equal(n, 2);
    assert_true(v[0].arrival == 0.25 && v[0].prompt_len == 50 && v[0].prefix_group == -1);
    assert_true(v[1].prompt_len == 100 && v[1].prefix_group == 1 && v[1].prefix_len == 64);
    free(v);
    const char *jl = "{\"timestamp\": 1.0, \"input_len\": 7, \"output_tokens\": 3}\n"
                     "{\"arrival\": 0, \"prompt_len\": 9, \"output_len\": 1, \"x\": \"y\"}\n";
    assert_int_equal(sc_serve_trace_parse("t.jsonl", jl, strlen(jl), &v, &n, &err), SC_OK);
    assert_int_equal(n, 2);
    assert_true(v[0].prompt_len == 9 && v[1].output_len == 3);
    free(v);
    struct {
        const char *text, *want;
    } bad[] = {
        {"arrival,prompt_len\n1,2\n", "t:1: CSV header"},
        {"arrival,prompt_len,output_len\n1,2\n", "t:2: 2 fields"},
        {"arrival,prompt_len,output_len\n1,x,3\n", "t:2: field 2"},
        {"arrival,prompt_len,output_len\n1,0,3\n", "t:2: prompt_len"},
        {"{\"arrival\": 1, \"prompt_len\": 2}\n", "t:1: needs"},
        {"{\"arrival\": 1, \"prompt_len\": 2, \"output_len\": 3}\n{oops\n", "t:2: not a JSON"},
        {"# nothing\n", "no requests"},
        {"arrival,prompt_len,output_len\n-1,2,3\n", "t:2: arrival"},
        /* the key name is quoted from the parsed object: used after it was freed (fuzzer) */
        {"{\"arrival\": 0, \"prompt_len\": \"many\", \"output_len\": 3}\n",
         "t:1: 'prompt_len' is not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_err e = {0};
        assert_int_not_equal(
            sc_serve_trace_parse("t", bad[i].text, strlen(bad[i].text), &v, &n, &e), SC_OK);
        if (!strstr(e.msg, bad[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].want);
        assert_null(v);
    }
}

/* One request alone: TTFT is one prefill iteration, TPOT one decode iteration. */
static void test_single_request_latency(void **state) {
    (void)state;
    lin l = {1e-3, 1e-4, 1e-5, 0, 0};
    sc_serve_engine e = engine(&l, 1e6);
    sc_serve_params p = sc_serve_default_params();
    sc_serve_workload w = fixed_workload(1000, 11);
    w.arrival = SC_ARRIVAL_TRACE;
    w.duration = 10;
    sc_serve_request q = {2.0, 1000, 11, -1, 0};
    sc_serve_result r;
    sc_err err = {0};
    assert_int_equal(sc_serve_run(&e, &p, &w, &q, 1, &r, &err), SC_OK);
    assert_int_equal(r.completed, 1);
    near(r.ttft.p50, 1e-3 + 1000 * 1e-5, 1e-9);
    near(r.tpot.p50, 1e-3 + 1e-4, 1e-9);
    near(r.e2e.max, r.ttft.p50 + 10 * r.tpot.p50, 1e-9);
    assert_int_equal((int)l.calls, 11);
    sc_serve_result_free(&r);
    /* chunked prefill with a 256-token budget: four iterations before the first token */
    p.token_budget = 256;
    assert_int_equal(sc_serve_run(&e, &p, &w, &q, 1, &r, &err), SC_OK);
    near(r.ttft.p50, 4 * 1e-3 + 1000 * 1e-5, 1e-9);
    sc_serve_result_free(&r);
}

/* Closed loop at concurrency B: steady throughput is B tokens per decode iteration (plus the
 * prefill work amortised over each request's output). */
static void test_closed_loop_throughput(void **state) {
    (void)state;
    lin l = {5e-3, 1e-4, 2e-6, 0, 0};
    sc_serve_engine e = engine(&l, 1e7);
    sc_serve_params p = sc_serve_default_params();
    p.max_batch = 32;
    sc_serve_workload w = fixed_workload(512, 128);
    w.arrival = SC_ARRIVAL_CLOSED;
    w.concurrency = 32;
    w.duration = 200;
    sc_serve_result r;
    sc_err err = {0};
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &r, &err), SC_OK);
    /* per request: 128 tokens; per 128 iterations of 32 decodes, 32 prefills of 512 tokens */
    double iter = 5e-3 + 32 * 1e-4 + 512 * 2e-6 * 32 / 128.0;
    near(r.output_tok_s, 32 / iter, 0.03);
    near(r.mean_batch, 32, 0.05);
    assert_true(r.unfinished == 0 && r.rejected == 0 && r.preemptions == 0);
    sc_serve_result_free(&r);
}

static void test_deterministic_with_seed(void **state) {
    (void)state;
    lin l = {2e-3, 2e-4, 1e-5, 1e-8, 0};
    sc_serve_engine e = engine(&l, 50000);
    sc_serve_params p = sc_serve_default_params();
    sc_serve_workload w = sc_serve_default_workload();
    w.rate = 5;
    w.duration = 60;
    sc_serve_result a, b, c;
    sc_err err = {0};
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &a, &err), SC_OK);
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &b, &err), SC_OK);
    w.seed = 2;
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &c, &err), SC_OK);
    assert_true(a.completed == b.completed && a.ttft.p99 == b.ttft.p99 && a.e2e.mean == b.e2e.mean);
    assert_true(a.completed != c.completed || a.e2e.mean != c.e2e.mean);
    near((double)a.arrived, 300, 0.2);
    sc_serve_result_free(&a);
    sc_serve_result_free(&b);
    sc_serve_result_free(&c);
}

/* A small KV cache forces preemption; every request still completes, by recompute or swap. */
static void test_kv_pressure_preempts(void **state) {
    (void)state;
    lin l = {2e-3, 1e-4, 1e-6, 0, 0};
    sc_serve_engine e = engine(&l, 4096);
    sc_serve_params p = sc_serve_default_params();
    sc_serve_workload w = fixed_workload(200, 800);
    w.arrival = SC_ARRIVAL_CLOSED;
    w.concurrency = 8; /* 8 x 1000 tokens cannot all fit in 4096 */
    w.duration = 20;
    sc_serve_result r;
    sc_err err = {0};
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &r, &err), SC_OK);
    assert_true(r.preemptions > 0 && r.swaps == 0);
    assert_true(r.completed > 8 && r.unfinished == 0);
    assert_true(r.mean_kv_util > 0.7 && r.mean_kv_util <= 1.0);
    sc_serve_result_free(&r);
    p.preempt = SC_PREEMPT_SWAP;
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &r, &err), SC_OK);
    assert_true(r.swaps > 0 && r.swaps == r.preemptions && r.unfinished == 0);
    sc_serve_result_free(&r);
    /* a request longer than the whole cache is rejected, not looped on */
    sc_serve_request q = {0, 5000, 10, -1, 0};
    w.arrival = SC_ARRIVAL_TRACE;
    assert_int_equal(sc_serve_run(&e, &p, &w, &q, 1, &r, &err), SC_OK);
    assert_true(r.rejected == 1 && r.completed == 0);
    sc_serve_result_free(&r);
}

static void test_prefix_cache(void **state) {
    (void)state;
    lin l = {1e-3, 1e-4, 1e-5, 0, 0};
    sc_serve_engine e = engine(&l, 1e6);
    sc_serve_params p = sc_serve_default_params();
    sc_serve_workload w = fixed_workload(1200, 16);
    w.rate = 2;
    w.duration = 100;
    w.prefix_share = 1.0;
    w.prefix_groups = 2;
    w.prefix_len = 1024;
    sc_serve_result hit, miss;
    sc_err err = {0};
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &hit, &err), SC_OK);
    p.prefix_caching = 0;
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &miss, &err), SC_OK);
    assert_true(hit.prefix_hit_rate > 0.75 && miss.prefix_hit_rate == 0);
    assert_true(hit.ttft.p50 < 0.4 * miss.ttft.p50);
    assert_int_equal(hit.completed, miss.completed);
    sc_serve_result_free(&hit);
    sc_serve_result_free(&miss);
}

static void test_disaggregation_and_slo(void **state) {
    (void)state;
    lin l = {1e-3, 1e-4, 1e-5, 0, 0};
    sc_serve_engine e = engine(&l, 1e6);
    sc_serve_params p = sc_serve_default_params();
    p.prefill_replicas = 1;
    p.decode_replicas = 2;
    sc_serve_workload w = fixed_workload(2000, 50);
    w.rate = 8;
    w.duration = 30;
    sc_serve_result r;
    sc_err err = {0};
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &r, &err), SC_OK);
    assert_true(r.completed > 150 && r.unfinished == 0);
    assert_true(r.kv_transfers == (double)r.completed);
    /* decode iterations never carry prefill, so TPOT stays near one small decode step */
    assert_true(r.tpot.p99 < 1e-3 + 40 * 1e-4 + 2000 * 1e5 / 100e9 + 1e-3);
    sc_serve_result_free(&r);
    p.slo_ttft = 1e-6; /* impossible */
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &r, &err), SC_OK);
    assert_true(r.goodput_req_s == 0 && r.slo_attainment == 0);
    sc_serve_result_free(&r);
    p.slo_ttft = 100;
    p.slo_tpot = 100;
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &r, &err), SC_OK);
    near(r.goodput_req_s, r.req_s, 1e-12);
    sc_serve_result_free(&r);
}

static void test_overload_queues(void **state) {
    (void)state;
    lin l = {5e-3, 1e-4, 1e-5, 0, 0};
    sc_serve_engine e = engine(&l, 1e6);
    sc_serve_params p = sc_serve_default_params();
    p.timeline_max = 100;
    sc_serve_workload w = fixed_workload(1000, 100);
    sc_serve_result lo, hi;
    sc_err err = {0};
    w.rate = 1;
    w.duration = 60;
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &lo, &err), SC_OK);
    w.rate = 60;
    assert_int_equal(sc_serve_run(&e, &p, &w, NULL, 0, &hi, &err), SC_OK);
    assert_true(hi.ttft.p90 > 5 * lo.ttft.p90 && hi.output_tok_s > 10 * lo.output_tok_s);
    assert_true(hi.mean_batch > lo.mean_batch);
    assert_int_equal(lo.n_timeline, 100);
    assert_true(lo.timeline[1].start >= lo.timeline[0].start);
    for (int i = 1; i < SC_SERVE_CDF_POINTS; i++)
        assert_true(hi.cdf_e2e[i] >= hi.cdf_e2e[i - 1]);
    char *js = sc_serve_result_json(&hi, "m", "c", 8, &p, &w);
    assert_non_null(strstr(js, "\"goodput_requests_per_s\""));
    free(js);
    sc_serve_result_free(&lo);
    sc_serve_result_free(&hi);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_and_lengths),
        cmocka_unit_test(test_poisson_and_bursty_arrivals),
        cmocka_unit_test(test_trace_parse),
        cmocka_unit_test(test_single_request_latency),
        cmocka_unit_test(test_closed_loop_throughput),
        cmocka_unit_test(test_deterministic_with_seed),
        cmocka_unit_test(test_kv_pressure_preempts),
        cmocka_unit_test(test_prefix_cache),
        cmocka_unit_test(test_disaggregation_and_slo),
        cmocka_unit_test(test_overload_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
