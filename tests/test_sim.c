// SPDX-License-Identifier: Apache-2.0
// Executor: example programs, GEMM bit-exactness, traps, determinism, hand-computed timing and a
// cycle-by-cycle systolic reference that the event-driven MMA timing must match.
#include "compiler/gemm.h"
#include "test_sim_util.h"

/* ---- examples/asm ---- */

static void test_example_gemm_tile(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm_file("examples/asm/gemm_tile.s");
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    const sc_buffer *ba = sc_program_buffer(p, 0), *bb = sc_program_buffer(p, 1),
                    *bc = sc_program_buffer(p, 2);
    enum { M = 128, N = 128, K = 256 };
    static uint16_t a[M * K], b[K * N];
    static float fa[M * K], fb[K * N], got[M * N];
    uint64_t seed = 7;
    for (int i = 0; i < M * K; i++)
        a[i] = sc_f32_to_bf16(ts_randf(&seed, 4, SC_DTYPE_BF16));
    for (int i = 0; i < K * N; i++)
        b[i] = sc_f32_to_bf16(ts_randf(&seed, 4, SC_DTYPE_BF16));
    for (int i = 0; i < M * K; i++)
        fa[i] = sc_bf16_to_f32(a[i]);
    for (int i = 0; i < K * N; i++)
        fb[i] = sc_bf16_to_f32(b[i]);
    ts_write(s, SC_SPACE_HBM, 0, ba->offset, a, sizeof a);
    ts_write(s, SC_SPACE_HBM, 0, bb->offset, b, sizeof b);
    ts_run(s, p, NULL, 0);
    ts_read(s, SC_SPACE_HBM, 0, bc->offset, got, sizeof got);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float acc = 0;
            for (int k = 0; k < K; k++) {
                float prod = fa[i * K + k] * fb[k * N + j];
                acc = acc + prod;
            }
            assert_memory_equal(&acc, &got[i * N + j], 4);
        }
    assert_true(ts_cycles(s) > 2 * (128 + 128)); /* two MMAs + DMAs */
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

static void test_example_softmax(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm_file("examples/asm/softmax_rows.s");
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    enum { ROWS = 64, LD = 1024, L = 100 };
    static float x[ROWS * LD], got[ROWS * LD];
    uint64_t seed = 3;
    for (int i = 0; i < ROWS * LD; i++)
        x[i] = ts_randf(&seed, 8, SC_DTYPE_FP32);
    const sc_buffer *bx = sc_program_buffer(p, 0);
    ts_write(s, SC_SPACE_HBM, 0, bx->offset, x, sizeof x);
    int64_t arg = L;
    ts_run(s, p, &arg, 1);
    ts_read(s, SC_SPACE_HBM, 0, bx->offset, got, sizeof got);
    for (int r = 0; r < ROWS; r++) {
        float mx = x[r * LD];
        for (int i = 1; i < L; i++)
            mx = x[r * LD + i] > mx ? x[r * LD + i] : mx;
        float e[L], sum = 0;
        for (int i = 0; i < L; i++)
            e[i] = expf(x[r * LD + i] - mx), sum = sum + e[i];
        for (int i = 0; i < L; i++)
            assert_true(fabsf(got[r * LD + i] - e[i] / sum) <= 1e-6f);
        /* columns beyond L are untouched: the dims override limited every instruction */
        for (int i = L; i < LD; i++)
            assert_memory_equal(&got[r * LD + i], &x[r * LD + i], 4);
    }
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

/* ---- generated GEMMs: bit-exact on shapes that are not tile multiples ---- */

static void check_gemm(const sc_chip *c, uint64_t m, uint64_t n, uint64_t k, sc_dtype t) {
    sc_gemm_params gp = sc_gemm_default_params();
    gp.m = m, gp.n = n, gp.k = k, gp.in_dtype = t;
    sc_program *p = NULL;
    sc_gemm_plan pl;
    sc_err err = {0};
    if (sc_gemm_build(c, &gp, &p, &pl, &err) != SC_OK) fail_msg("%s", err.msg);
    size_t es = sc_dtype_size(t);
    unsigned char *a = malloc(m * k * es), *b = malloc(k * n * es);
    float *got = malloc(m * n * 4);
    uint64_t seed = m * 131 + n * 7 + k;
    for (uint64_t i = 0; i < m * k; i++)
        sc_store_elem(t, a, i, ts_randf(&seed, 3, t));
    for (uint64_t i = 0; i < k * n; i++)
        sc_store_elem(t, b, i, ts_randf(&seed, 3, t));
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    ts_write(s, SC_SPACE_HBM, 0, pl.a_offset, a, m * k * es);
    ts_write(s, SC_SPACE_HBM, 0, pl.b_offset, b, k * n * es);
    ts_run(s, p, NULL, 0);
    ts_read(s, SC_SPACE_HBM, 0, pl.c_offset, got, m * n * 4);
    for (uint64_t i = 0; i < m; i++)
        for (uint64_t j = 0; j < n; j++) {
            if (t == SC_DTYPE_INT8) {
                uint32_t acc = 0;
                for (uint64_t kk = 0; kk < k; kk++)
                    acc += (uint32_t)((int8_t)a[i * k + kk] * (int8_t)b[kk * n + j]);
                assert_memory_equal(&acc, &got[i * n + j], 4);
                continue;
            }
            float acc = 0;
            for (uint64_t kk = 0; kk < k; kk++) {
                float prod = sc_load_elem(t, a, i * k + kk) * sc_load_elem(t, b, kk * n + j);
                acc = acc + prod;
            }
            assert_memory_equal(&acc, &got[i * n + j], 4);
        }
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    assert_true(st.macs == (double)m * n * k);
    free(a);
    free(b);
    free(got);
    sc_sim_destroy(s);
    sc_program_destroy(p);
}

static void test_gemm_bit_exact(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    check_gemm(c, 1, 1, 1, SC_DTYPE_BF16);
    check_gemm(c, 100, 70, 33, SC_DTYPE_BF16);
    check_gemm(c, 129, 257, 300, SC_DTYPE_BF16);
    check_gemm(c, 130, 140, 150, SC_DTYPE_FP16);
    check_gemm(c, 70, 200, 90, SC_DTYPE_FP8_E4M3);
    check_gemm(c, 67, 131, 129, SC_DTYPE_INT8);
    sc_chip_destroy(c);
}

/* ---- traps ---- */

static void expect(const char *text, const char *what) {
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    ts_expect_trap(s, p, what);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

static void test_traps(void **state) {
    (void)state;
    expect(".core 0\n.queue compute\n wait 0, 1\n", "deadlock");
    expect(".core 0\n.queue load\n li r1, 5\n li r2, 0\n div r3, r1, r2\n", "division by zero");
    expect(".core 0\n.queue compute\n trap 42\n", "code 42");
    expect(".core 0\n.queue compute\n mmai r0, r0, r0, 129, 16, 16, bf16, bf16, fp32, 0\n",
           "exceeds the 128x128 systolic array");
    /* DMA out of bounds: 64 KiB past the end of the 4 MiB scratchpad */
    expect(".desc d dma dims=16384 dst=spad:fp32:4194304:1 src=hbm:fp32:0:1\n"
           ".core 0\n.queue load\n dma d, r0, r0, r0, 0\n",
           "out of bounds");
    expect(".desc d dma dims=4 dst=spad:fp32:0:1 src=hbm:fp32:0:1\n"
           ".core 0\n.queue load\n li r1, 2\n dma d, r0, r1, r0, 0\n",
           "misaligned");
    expect(".core 0\n.queue compute\n li r1, 3\n lds r2, r1, 0\n", "not aligned");
    /* race: load writes the scratchpad, compute reads it without waiting on the semaphore */
    expect(".desc d dma dims=64 dst=spad:bf16:0:1 src=hbm:bf16:0:1\n"
           ".core 0\n.queue load\n dma d, r0, r0, r0, 0\n signal 0, 1\n"
           ".queue compute\n li r1, 4096\n mmai r1, r0, r0, 8, 8, 8, bf16, bf16, fp32, 0\n",
           "race");
    /* a write after the signal is not covered by it either */
    expect(".desc d dma dims=64 dst=spad:bf16:0:1 src=hbm:bf16:0:1\n"
           ".core 0\n.queue load\n signal 0, 1\n dma d, r0, r0, r0, 0\n"
           ".queue compute\n wait 0, 1\n li r1, 4096\n"
           " mmai r1, r0, r0, 8, 8, 8, bf16, bf16, fp32, 0\n",
           "race");
    /* runaway loop */
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm(".core 0\n.queue load\nl: jmp l\n");
    sc_sim_params sp = sc_sim_default_params();
    sp.max_insns = 1000;
    sc_sim *s = NULL;
    sc_err err = {0};
    assert_int_equal(sc_sim_create(c, &sp, &s, &err), SC_OK);
    ts_expect_trap(s, p, "max_insns");
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

static void test_race_free_with_wait(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p =
        ts_asm(".desc d dma dims=64 dst=spad:bf16:0:1 src=hbm:bf16:0:1\n"
               ".core 0\n.queue load\n dma d, r0, r0, r0, 0\n signal 0, 1\n"
               ".queue compute\n wait 0, 1\n li r1, 4096\n"
               " mmai r1, r0, r0, 8, 8, 8, bf16, bf16, fp32, 0\n"
               " signal 1, 1\n.queue store\n wait 1, 1\n li r1, 4096\n lds r2, r1, 0\n");
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    ts_run(s, p, NULL, 0);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

/* ---- reports ---- */

static void test_stats_and_trace_json(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm_file("examples/asm/gemm_tile.s");
    sc_sim_params sp = sc_sim_default_params();
    sp.trace = 1;
    sc_sim *s = NULL;
    sc_err err = {0};
    assert_int_equal(sc_sim_create(c, &sp, &s, &err), SC_OK);
    ts_run(s, p, NULL, 0);
    char *j = sc_sim_stats_json(s);
    const char *keys[] = {"\"cycles\"",        "\"seconds\"",  "\"busy\"",   "\"mma\"",
                          "\"flops\"",         "\"hbm_read\"", "\"spad\"",   "\"row_hit_rate\"",
                          "\"bandwidth_gbs\"", "\"energy_j\"", "\"static\"", "\"total\""};
    for (size_t i = 0; i < SC_ARRAY_LEN(keys); i++)
        if (!strstr(j, keys[i])) fail_msg("stats JSON lacks %s", keys[i]);
    free(j);
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    /* energy by component: 2 MMAs of 128^3 MACs at 0.3 pJ, HBM bytes at 28 pJ, idle power */
    assert_true(fabs(st.energy_mac - 2.0 * 128 * 128 * 128 * c->e_mac[SC_DTYPE_BF16]) < 1e-12);
    assert_true(fabs(st.energy_hbm - (st.bytes_hbm_read + st.bytes_hbm_write) * c->e_hbm_byte) <
                1e-12);
    assert_true(st.bytes_hbm_read == 2 * (128.0 * 256 * 2) &&
                st.bytes_hbm_write == 128.0 * 128 * 4);
    assert_true(fabs(st.energy_static - c->idle_w * st.seconds) < 1e-15);
    char *t = sc_sim_trace_json(s);
    const char *spans[] = {"\"mma\"",       "\"dma\"",      "\"hbm read\"",  "\"hbm write\"",
                           "compute queue", "dma engine 0", "chip 0 core 0", "chip 0 HBM"};
    for (size_t i = 0; i < SC_ARRAY_LEN(spans); i++)
        if (!strstr(t, spans[i])) fail_msg("trace lacks %s", spans[i]);
    free(t);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

/* ---- timing ---- */

static void test_timing_deterministic(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    sc_gemm_params gp = sc_gemm_default_params();
    gp.m = 1000, gp.n = 1500, gp.k = 700;
    sc_program *p = NULL;
    sc_err err = {0};
    assert_int_equal(sc_gemm_build(c, &gp, &p, NULL, &err), SC_OK);
    uint64_t cyc[3];
    char *json[3];
    for (int i = 0; i < 3; i++) {
        sc_sim *s = ts_sim(c, i == 2 ? SC_SIM_BOTH : SC_SIM_TIMING);
        ts_run(s, p, NULL, 0);
        if (i == 1) ts_run(s, p, NULL, 0); /* a second run on the same simulator */
        cyc[i] = ts_cycles(s);
        json[i] = sc_sim_stats_json(s);
        sc_sim_destroy(s);
    }
    assert_true(cyc[0] > 0);
    assert_true(cyc[0] == cyc[1] && cyc[1] == cyc[2]); /* functional data does not change time */
    assert_string_equal(json[0], json[1]);
    for (int i = 0; i < 3; i++)
        free(json[i]);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

static uint64_t run_cycles(const char *text) {
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_TIMING);
    ts_run(s, p, NULL, 0);
    uint64_t cyc = ts_cycles(s);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
    return cyc;
}

/* Hand-computed figures for SeedChip-1 (128x128 array, 256 lanes, special rate 0.25, 32 banks x
 * 64 B, DMA 64 B/cycle, 8-cycle DMA setup, 8-cycle vector latency). */
static void test_timing_by_hand(void **state) {
    (void)state;
    /* 10 scalar instructions: one cycle each */
    assert_int_equal(run_cycles(".core 0\n.queue load\n"
                                "addi r1, r1, 1\n addi r1, r1, 1\n"
                                "addi r1, r1, 1\n addi r1, r1, 1\n addi r1, r1, 1\n"
                                "addi r1, r1, 1\n addi r1, r1, 1\n addi r1, r1, 1\n"
                                "addi r1, r1, 1\n addi r1, r1, 1\n"),
                     10);
    /* one 128x128x128 MMA: load weights 128, stream 128, drain 128 + 128 - 1 */
    assert_int_equal(run_cycles(".core 0\n.queue compute\n"
                                " mmai r0, r0, r0, 128, 128, 128, bf16, bf16, fp32, 0\n"),
                     128 + 128 + 255);
    /* K = 512: four passes stream back to back behind double-buffered weight loads */
    assert_int_equal(run_cycles(".core 0\n.queue compute\n"
                                " mmai r0, r0, r0, 128, 128, 512, bf16, bf16, fp32, 0\n"),
                     128 + 4 * 128 + 255);
    /* M = 32: weight loading (128 per pass) bounds the passes: partial-tile utilisation */
    assert_int_equal(run_cycles(".core 0\n.queue compute\n"
                                " mmai r0, r0, r0, 32, 128, 512, bf16, bf16, fp32, 0\n"),
                     4 * 128 + 32 + 255);
    /* vadd of 1024 fp32: 4 lane cycles, but 3 operands x 4 KiB over 2 KiB/cycle = 6, + 8 */
    assert_int_equal(run_cycles(".desc v vec dims=1024 d=spad:fp32:0:1 a=spad:fp32:8192:1 "
                                "b=spad:fp32:16384:1\n.core 0\n.queue compute\n"
                                " vadd v, r0, r0, r0, r0, 0\n"),
                     6 + 8);
    /* vexp of 1024 fp32: special functions at 0.25/lane/cycle = 16 cycles, + 8 */
    assert_int_equal(run_cycles(".desc v vec dims=1024 d=spad:fp32:0:1 a=spad:fp32:8192:1\n"
                                ".core 0\n.queue compute\n vexp v, r0, r0, r0, 0\n"),
                     16 + 8);
    /* strided reads of 64 fp32 (D contiguous: 256 B = 1 cycle; + 8 latency): a stride of 128 B
     * hits 16 of the 32 banks x 64 B (4 cycles); a stride of 2 KiB hits one bank (64 cycles) */
    assert_int_equal(run_cycles(".desc v vec dims=64 d=spad:fp32:0:1 a=spad:fp32:8192:32\n"
                                ".core 0\n.queue compute\n vneg v, r0, r0, r0, 0\n"),
                     4 + 1 + 8);
    assert_int_equal(run_cycles(".desc v vec dims=64 d=spad:fp32:0:1 a=spad:fp32:8192:512\n"
                                ".core 0\n.queue compute\n vneg v, r0, r0, r0, 0\n"),
                     64 + 1 + 8);
    /* scratchpad-to-scratchpad DMA of 4 KiB: setup 8 + 4096 / 64 */
    assert_int_equal(run_cycles(".desc d dma dims=1024 dst=spad:fp32:0:1 src=spad:fp32:65536:1\n"
                                ".core 0\n.queue load\n dma d, r0, r0, r0, 0\n"),
                     8 + 64);
    /* semaphore: compute waits for the load queue's DMA (72) then runs one scalar op */
    assert_int_equal(run_cycles(".desc d dma dims=1024 dst=spad:fp32:0:1 src=spad:fp32:65536:1\n"
                                ".core 0\n.queue load\n dma d, r0, r0, r0, 0\n signal 0, 1\n"
                                ".queue compute\n wait 0, 1\n addi r1, r1, 1\n"),
                     72 + 2);
}

/* ---- cycle-by-cycle systolic reference ---- */

typedef struct ref_mma {
    uint64_t issue, m, k;
    uint64_t stream_end, done; /* outputs */
} ref_mma;

/* Steps a clock: a weight loader fills one of two buffers in `rows` cycles once the pass that
 * used it two passes ago has streamed; the streamer takes a pass once its weights are in and
 * its instruction issued, streaming s cycles; C leaves rows + cols - 1 cycles after. */
static void reference(ref_mma *x, int n, int rows, int cols, double rate) {
    uint64_t kp = rate >= 1 ? (uint64_t)(rows * (int)rate) : (uint64_t)rows;
    int total = 0, owner[4096];
    uint64_t slen[4096];
    for (int i = 0; i < n; i++) {
        uint64_t P = (x[i].k + kp - 1) / kp;
        for (uint64_t p = 0; p < P; p++) {
            owner[total] = i;
            slen[total++] = rate >= 1 ? x[i].m : (uint64_t)ceil((double)x[i].m / rate);
        }
    }
    uint64_t wready[4096], send[4096];
    int next_load = 0, next_stream = 0;
    uint64_t load_busy_until = 0, stream_busy_until = 0;
    for (uint64_t clk = 0; next_stream < total; clk++) {
        if (next_load < total && clk >= load_busy_until && clk >= x[owner[next_load]].issue &&
            (next_load < 2 || (next_load - 2 < next_stream && send[next_load - 2] <= clk))) {
            load_busy_until = clk + (uint64_t)rows;
            wready[next_load++] = load_busy_until;
        }
        if (next_stream < next_load && clk >= stream_busy_until && wready[next_stream] <= clk &&
            clk >= x[owner[next_stream]].issue) {
            stream_busy_until = clk + slen[next_stream];
            send[next_stream++] = stream_busy_until;
        }
    }
    for (int g = 0; g < total; g++) {
        x[owner[g]].stream_end = send[g];
        x[owner[g]].done = send[g] + (uint64_t)rows + (uint64_t)cols - 1;
    }
}

static void test_mma_timing_matches_cycle_model(void **state) {
    (void)state;
    uint64_t seed = 11;
    const double rates[] = {1, 2, 0.25};
    for (int trial = 0; trial < 300; trial++) {
        ref_mma x[8];
        int n = 1 + (int)(ts_rand(&seed) % 8);
        int rows = trial % 5 == 0 ? 32 : 128, cols = trial % 5 == 0 ? 64 : 128;
        double rate = rates[trial % 3];
        uint64_t issue = 0;
        for (int i = 0; i < n; i++) {
            issue += ts_rand(&seed) % 300;
            x[i].issue = issue;
            x[i].m = 1 + ts_rand(&seed) % (uint64_t)rows;
            x[i].k = 1 + ts_rand(&seed) % 700;
        }
        reference(x, n, rows, cols, rate);
        uint64_t wl = 0, sf = 0;
        for (int i = 0; i < n; i++) {
            mma_timing t =
                sc_sim_mma_timing(x[i].issue, wl, sf, x[i].m, 64, x[i].k, rows, cols, rate);
            assert_int_equal(t.stream_end, x[i].stream_end);
            assert_int_equal(t.done, x[i].done);
            wl = t.wl_free, sf = t.stream_end;
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_gemm_tile),
        cmocka_unit_test(test_example_softmax),
        cmocka_unit_test(test_gemm_bit_exact),
        cmocka_unit_test(test_traps),
        cmocka_unit_test(test_race_free_with_wait),
        cmocka_unit_test(test_stats_and_trace_json),
        cmocka_unit_test(test_timing_deterministic),
        cmocka_unit_test(test_timing_by_hand),
        cmocka_unit_test(test_mma_timing_matches_cycle_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
