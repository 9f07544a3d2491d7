// SPDX-License-Identifier: Apache-2.0
// Tests for the DRAM/HBM timing model: mapping, command timing, tFAW, refresh, FR-FCFS streams.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mem/mem.h"

#define NS 1000ull /* picoseconds */

static sc_dram_cfg preset(const char *name) {
    sc_dram_cfg c;
    sc_err err = {0};
    assert_int_equal(sc_mem_preset(name, &c, &err), SC_OK);
    return c;
}

static sc_mem *make(const sc_dram_cfg *c, int refresh, const char *map) {
    sc_mem_params p = sc_mem_default_params();
    p.refresh = refresh;
    sc_err err = {0};
    if (map) assert_int_equal(sc_mem_map_parse(map, &p.map, &err), SC_OK);
    sc_mem *m = NULL;
    assert_int_equal(sc_mem_create(c, &p, &m, &err), SC_OK);
    assert_non_null(m);
    return m;
}

/* Tiny part so every address can be enumerated: 3 stacks (not a power of two) x 2 ch x 2 PC. */
static sc_dram_cfg tiny(void) {
    sc_dram_cfg c = preset("hbm3e-12h");
    c.stacks = 3;
    c.channels = 2;
    c.bus_bits = 64 * 2;
    c.bank_groups = 2;
    c.banks_per_group = 3;
    c.row_bytes = 256;
    c.capacity_per_stack = 2.0 * 2 * 2 * 3 * 256 * 5; /* 5 rows per bank */
    return c;
}

static void check_bijective(const char *map) {
    sc_dram_cfg c = tiny();
    sc_mem *m = make(&c, 0, map);
    sc_mem_geometry g;
    sc_mem_get_geometry(m, &g);
    assert_int_equal(g.capacity, 3ull * 2 * 2 * 2 * 3 * 5 * 256);
    uint64_t n = g.capacity / g.burst_bytes;
    unsigned char *seen = calloc(n, 1);
    assert_non_null(seen);
    sc_err err = {0};
    for (uint64_t b = 0; b < n; b++) {
        sc_mem_coord k;
        assert_int_equal(sc_mem_decode(m, b * g.burst_bytes + 5, &k, &err), SC_OK);
        assert_true(k.stack < 3 && k.channel < 2 && k.pc < 2 && k.bg < 2 && k.bank < 3);
        assert_true(k.row < 5 && k.col < 8);
        /* flat coordinate must be unique: injective on a finite set of equal size = bijective */
        uint64_t flat =
            (((((uint64_t)k.stack * 2 + k.channel) * 2 + k.pc) * 2 + k.bg) * 3 + k.bank);
        flat = (flat * 5 + k.row) * 8 + k.col;
        assert_true(flat < n);
        assert_int_equal(seen[flat], 0);
        seen[flat] = 1;
        uint64_t back = 0;
        assert_int_equal(sc_mem_encode(m, &k, &back, &err), SC_OK);
        assert_int_equal(back, b * g.burst_bytes);
    }
    sc_mem_coord k;
    assert_int_equal(sc_mem_decode(m, g.capacity, &k, &err), SC_ERR_INVALID_ARG);
    free(seen);
    sc_mem_destroy(m);
}

static void test_map_bijective(void **state) {
    (void)state;
    check_bijective(NULL);
    check_bijective("co2.ch.pc.st.bg.co.ba.ro.nohash");
    check_bijective("co.bg.ba.pc.ch.st.ro");
}

static void test_map_spreads_stream(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m = make(&c, 0, NULL);
    sc_err err = {0};
    int used[32] = {0};
    /* 32 consecutive 64-byte granules land on 32 different pseudo-channels */
    for (int i = 0; i < 32; i++) {
        sc_mem_coord a, b;
        assert_int_equal(sc_mem_decode(m, (uint64_t)i * 64, &a, &err), SC_OK);
        assert_int_equal(sc_mem_decode(m, (uint64_t)i * 64 + 32, &b, &err), SC_OK);
        assert_int_equal(a.channel * 2 + a.pc, b.channel * 2 + b.pc); /* granule stays together */
        assert_int_equal(a.row, b.row);
        used[a.channel * 2 + a.pc]++;
    }
    for (int i = 0; i < 32; i++)
        assert_int_equal(used[i], 1);
    sc_mem_destroy(m);
}

static void test_map_parse_errors(void **state) {
    (void)state;
    sc_mem_map map;
    sc_err err = {0};
    assert_int_equal(sc_mem_map_parse("co2.xx.ro", &map, &err), SC_ERR_PARSE);
    assert_int_equal(sc_mem_map_parse("co..ro", &map, &err), SC_ERR_PARSE);
    assert_int_equal(sc_mem_map_parse("co0", &map, &err), SC_ERR_PARSE);
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem_params p = sc_mem_default_params();
    assert_int_equal(sc_mem_map_parse("co.ch.pc.bg.ba.ro", &p.map, &err), SC_OK); /* st=1: ok */
    sc_mem *m = NULL;
    assert_int_equal(sc_mem_create(&c, &p, &m, &err), SC_OK);
    sc_mem_destroy(m);
    assert_int_equal(sc_mem_map_parse("co.ch.pc.bg.ro", &p.map, &err), SC_OK); /* no bank */
    sc_err_clear(&err);
    assert_int_equal(sc_mem_create(&c, &p, &m, &err), SC_ERR_INVALID_ARG);
    assert_null(m);
    assert_non_null(strstr(err.msg, "'ba'"));
    assert_int_equal(sc_mem_map_parse("co3.ch.pc.bg.co.ba.ro", &p.map, &err), SC_OK);
    assert_int_equal(sc_mem_create(&c, &p, &m, &err),
                     SC_ERR_INVALID_ARG); /* 3 does not divide 32 */
}

static void test_bad_config(void **state) {
    (void)state;
    sc_err err = {0};
    sc_mem *m = NULL;
    sc_dram_cfg c = preset("hbm3e-12h");
    c.bus_bits = 1000; /* does not split over 32 pseudo-channels */
    assert_int_equal(sc_mem_create(&c, NULL, &m, &err), SC_ERR_INVALID_ARG);
    assert_null(m);
    c = preset("hbm3e-12h");
    c.tRCD = -1e-9;
    assert_int_equal(sc_mem_create(&c, NULL, &m, &err), SC_ERR_INVALID_ARG);
    c = preset("hbm3e-12h");
    c.tRFC = c.tREFI;
    assert_int_equal(sc_mem_create(&c, NULL, &m, &err), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_mem_preset("ddr9", &c, &err), SC_ERR_NOT_FOUND);
    sc_mem_destroy(NULL);
}

/* Address of (pc 0 of channel ch, bank group bg, bank ba, row ro, column co). */
static uint64_t addr_of(sc_mem *m, uint32_t ch, uint32_t bg, uint32_t ba, uint32_t ro,
                        uint32_t co) {
    sc_mem_coord k = {0, ch, 0, bg, ba, ro, co};
    uint64_t a = 0;
    sc_err err = {0};
    assert_int_equal(sc_mem_encode(m, &k, &a, &err), SC_OK);
    sc_mem_coord back;
    assert_int_equal(sc_mem_decode(m, a, &back, &err), SC_OK);
    assert_int_equal(back.bank, ba);
    assert_int_equal(back.row, ro);
    return a;
}

static void test_hit_miss_conflict_timing(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m = make(&c, 0, NULL);
    sc_mem_geometry g;
    sc_mem_get_geometry(m, &g);
    const uint64_t rcd = 14 * NS, rp = 14 * NS, cl = 14 * NS, ctrl = 80 * NS, bt = g.t_burst_ps;
    assert_int_equal(bt, 834); /* 32 B over 32 pins at 9.6 Gb/s, rounded up */
    sc_err err = {0};
    uint64_t done = 0, t0 = 1000 * NS;
    /* closed bank: ACT + RD = tRCD + tCL + burst (+ controller) */
    assert_int_equal(sc_mem_access(m, addr_of(m, 3, 1, 2, 7, 0), 32, 0, t0, &done, &err), SC_OK);
    assert_int_equal(done - t0, rcd + cl + bt + ctrl);
    assert_int_equal(g.idle_read_ps, rcd + cl + bt + ctrl);
    /* same row later: row hit = tCL + burst */
    t0 = 2000 * NS;
    assert_int_equal(sc_mem_access(m, addr_of(m, 3, 1, 2, 7, 5), 32, 0, t0, &done, &err), SC_OK);
    assert_int_equal(done - t0, cl + bt + ctrl);
    /* other row of the same bank: PRE + ACT + RD */
    t0 = 3000 * NS;
    assert_int_equal(sc_mem_access(m, addr_of(m, 3, 1, 2, 9, 0), 32, 0, t0, &done, &err), SC_OK);
    assert_int_equal(done - t0, rp + rcd + cl + bt + ctrl);
    sc_mem_stats st;
    sc_mem_get_stats(m, &st);
    assert_int_equal(st.row_misses, 1);
    assert_int_equal(st.row_hits, 1);
    assert_int_equal(st.row_conflicts, 1);
    assert_int_equal(st.requests, 3);
    sc_mem_destroy(m);
}

/* Five activates to one PC at once: the fifth waits for the four-activate window. */
static uint64_t fifth_done(double tfaw) {
    sc_dram_cfg c = preset("hbm3e-12h");
    c.tFAW = tfaw;
    sc_mem *m = make(&c, 0, NULL);
    sc_err err = {0};
    uint64_t done = 0;
    const uint32_t bg[5] = {0, 1, 2, 3, 0}, ba[5] = {0, 0, 0, 0, 1};
    for (int i = 0; i < 5; i++)
        assert_int_equal(sc_mem_access(m, addr_of(m, 0, bg[i], ba[i], 1, 0), 32, 0, 0, &done, &err),
                         SC_OK);
    sc_mem_destroy(m);
    return done;
}

static void test_tfaw(void **state) {
    (void)state;
    const uint64_t tail = 14 * NS + 14 * NS + 834 + 80 * NS; /* tRCD + tCL + burst + ctrl */
    /* tRRD_S = 2 ns: ACTs at 0, 2, 4, 6; the fifth at tFAW = 16 ns */
    assert_int_equal(fifth_done(16e-9), 16 * NS + tail);
    /* without the window the fifth ACT only waits tRRD: 8 ns */
    assert_int_equal(fifth_done(0), 8 * NS + tail);
}

static void run_stream(sc_mem *m, const sc_mem_stream *s, sc_mem_summary *sum) {
    sc_err err = {0};
    sc_mem_stream_result r;
    sc_mem_reset(m);
    assert_int_equal(sc_mem_run_stream(m, s, &r, &err), SC_OK);
    sc_mem_summarize(m, sum);
}

static void test_stream_near_peak(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m = make(&c, 1, NULL);
    sc_mem_stream s = sc_mem_default_stream();
    s.bytes = 8u << 20;
    sc_mem_summary sum;
    run_stream(m, &s, &sum);
    assert_true(sum.fraction_of_peak >= 0.90 && sum.fraction_of_peak <= 0.96);
    assert_true(sum.row_hit_rate > 0.9);
    assert_true(sum.peak_gbs > 1228 && sum.peak_gbs < 1229);
    sc_mem_destroy(m);
    /* the LPDDR5X capacity tier streams near its (much lower) peak too */
    c = preset("lpddr5x");
    m = make(&c, 1, NULL);
    run_stream(m, &s, &sum);
    assert_true(sum.fraction_of_peak >= 0.88 && sum.fraction_of_peak <= 0.96);
    assert_true(sum.peak_gbs > 68 && sum.peak_gbs < 69);
    sc_mem_destroy(m);
}

static void test_random_far_below_peak_and_loaded_latency(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m = make(&c, 1, NULL);
    sc_mem_stream s = sc_mem_default_stream();
    s.pattern = SC_MEM_PAT_RANDOM;
    s.bytes = 2u << 20;
    s.outstanding = 4;
    sc_mem_summary light, heavy;
    run_stream(m, &s, &light);
    /* idle-ish latency: controller + ACT + RD, ~100-150 ns */
    assert_true(light.p50_latency_ns >= 100 && light.p50_latency_ns <= 150);
    s.outstanding = 4096;
    run_stream(m, &s, &heavy);
    assert_true(heavy.fraction_of_peak < 0.5);
    assert_true(heavy.bandwidth_gbs > 10 * light.bandwidth_gbs);
    assert_true(heavy.mean_latency_ns > 2 * light.mean_latency_ns);
    assert_true(heavy.p99_latency_ns > heavy.p50_latency_ns);
    assert_true(heavy.row_hit_rate < 0.6); /* only the second burst of each 64 B granule hits */
    sc_mem_destroy(m);
}

static void test_refresh_steals_expected_share(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *with = make(&c, 1, NULL), *without = make(&c, 0, NULL);
    sc_mem_stream s = sc_mem_default_stream();
    s.bytes = 32u << 20; /* ~30 us: several tREFI */
    sc_mem_summary a, b;
    run_stream(with, &s, &a);
    run_stream(without, &s, &b);
    double share = c.tRFC / c.tREFI, loss = 1.0 - a.bandwidth_gbs / b.bandwidth_gbs;
    print_message("refresh: share %.4f loss %.4f\n", share, loss);
    assert_true(loss > 0.8 * share && loss < 1.5 * share);
    sc_mem_stats st;
    sc_mem_get_stats(with, &st);
    double expected = a.elapsed_ns * 1e-9 / c.tREFI * 32; /* every PC refreshes each tREFI */
    assert_true(st.refreshes >= (uint64_t)(expected * 0.8) &&
                st.refreshes <= (uint64_t)(expected * 1.2) + 32);
    sc_mem_get_stats(without, &st);
    assert_int_equal(st.refreshes, 0);
    sc_mem_destroy(with);
    sc_mem_destroy(without);
}

static void test_deterministic(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m1 = make(&c, 1, NULL), *m2 = make(&c, 1, NULL);
    sc_mem_stream s = sc_mem_default_stream();
    s.pattern = SC_MEM_PAT_RANDOM;
    s.bytes = 1u << 20;
    s.read_fraction = 0.7;
    s.outstanding = 256;
    s.seed = 42;
    sc_err err = {0};
    sc_mem_stream_result r1, r2, r3;
    assert_int_equal(sc_mem_run_stream(m1, &s, &r1, &err), SC_OK);
    assert_int_equal(sc_mem_run_stream(m2, &s, &r2, &err), SC_OK);
    sc_mem_stats a, b;
    sc_mem_get_stats(m1, &a);
    sc_mem_get_stats(m2, &b);
    assert_int_equal(r1.finish_ps, r2.finish_ps);
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(a.writes > 0 && a.reads > a.writes);
    sc_mem_reset(m1);
    assert_int_equal(sc_mem_run_stream(m1, &s, &r3, &err), SC_OK);
    assert_int_equal(r3.finish_ps, r1.finish_ps);
    assert_int_equal(sc_mem_latency_percentile(m1, 99), sc_mem_latency_percentile(m2, 99));
    sc_mem_destroy(m1);
    sc_mem_destroy(m2);
}

static void test_run_requests_and_busy(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m = make(&c, 0, NULL);
    sc_mem_req reqs[64];
    for (int i = 0; i < 64; i++) {
        reqs[i] = (sc_mem_req){(uint64_t)i * 4096, 4096, (uint64_t)i * 10 * NS, i % 4 == 3, 0};
    }
    uint64_t finish = 0;
    sc_err err = {0};
    assert_int_equal(sc_mem_run_requests(m, reqs, 64, 16, &finish, &err), SC_OK);
    for (int i = 0; i < 64; i++) {
        assert_true(reqs[i].done_ps > reqs[i].arrival_ps + 14 * NS);
        assert_true(reqs[i].done_ps <= finish);
    }
    sc_mem_stats st;
    sc_mem_get_stats(m, &st);
    assert_int_equal(st.bytes, 64 * 4096);
    assert_int_equal(st.bursts, 64 * 4096 / 32);
    uint64_t busy = 0;
    for (int ch = 0; ch < 16; ch++)
        busy += sc_mem_channel_busy_ps(m, 0, ch);
    assert_int_equal(busy, st.bursts * 834); /* every burst occupies its PC bus once */
    reqs[5].arrival_ps = 0;                  /* out of order */
    assert_int_equal(sc_mem_run_requests(m, reqs, 64, 16, &finish, &err), SC_ERR_INVALID_ARG);
    sc_mem_destroy(m);
}

static void test_extrapolation_close_to_full_run(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    /* refresh off: a 2 MiB prefix lasts less than one tREFI */
    sc_mem *m = make(&c, 0, NULL);
    sc_mem_stream s = sc_mem_default_stream();
    s.bytes = 16u << 20;
    s.access_bytes = 512;
    sc_err err = {0};
    sc_mem_stream_result full, part;
    assert_int_equal(sc_mem_run_stream(m, &s, &full, &err), SC_OK);
    sc_mem_reset(m);
    s.max_sim_bytes = 2u << 20;
    assert_int_equal(sc_mem_run_stream(m, &s, &part, &err), SC_OK);
    assert_int_equal(part.extrapolated, 1);
    assert_int_equal(part.simulated_bytes, 2u << 20);
    double ratio = (double)part.finish_ps / (double)full.finish_ps;
    print_message("extrapolation ratio %.4f\n", ratio);
    assert_true(ratio > 0.97 && ratio < 1.03);
    sc_mem_destroy(m);
}

static void test_stream_argument_errors(void **state) {
    (void)state;
    sc_dram_cfg c = preset("hbm3e-12h");
    sc_mem *m = make(&c, 1, NULL);
    sc_mem_stream s = sc_mem_default_stream();
    sc_mem_stream_result r;
    sc_err err = {0};
    s.read_fraction = 1.5;
    assert_int_equal(sc_mem_run_stream(m, &s, &r, &err), SC_ERR_INVALID_ARG);
    s = sc_mem_default_stream();
    s.pattern = SC_MEM_PAT_STRIDED;
    s.stride = 16; /* below access size */
    assert_int_equal(sc_mem_run_stream(m, &s, &r, &err), SC_ERR_INVALID_ARG);
    s = sc_mem_default_stream();
    s.base = 36ull << 30;
    assert_int_equal(sc_mem_run_stream(m, &s, &r, &err), SC_ERR_INVALID_ARG);
    uint64_t done;
    assert_int_equal(sc_mem_access(m, (36ull << 30) - 16, 32, 0, 0, &done, &err),
                     SC_ERR_INVALID_ARG);
    sc_mem_destroy(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_bijective),
        cmocka_unit_test(test_map_spreads_stream),
        cmocka_unit_test(test_map_parse_errors),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_hit_miss_conflict_timing),
        cmocka_unit_test(test_tfaw),
        cmocka_unit_test(test_stream_near_peak),
        cmocka_unit_test(test_random_far_below_peak_and_loaded_latency),
        cmocka_unit_test(test_refresh_steals_expected_share),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_run_requests_and_busy),
        cmocka_unit_test(test_extrapolation_close_to_full_run),
        cmocka_unit_test(test_stream_argument_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
