// SPDX-License-Identifier: Apache-2.0
// Shared SRAM as an HBM cache (GPU L2): residency, capacity eviction, DMA timing and stats.
#include "test_sim_util.h"

#define KIB 1024ull
#define MIB (1024ull * 1024ull)

/* A contiguous bf16 HBM view of `bytes` at `base` (dims[0] elements, stride 1). */
static rview hbm_view(uint64_t base, uint64_t bytes, uint32_t dims[SC_ISA_MAX_DIMS]) {
    rview v;
    memset(&v, 0, sizeof v);
    v.space = SC_SPACE_HBM, v.dt = SC_DTYPE_BF16, v.es = 2, v.base = (int64_t)base;
    v.st[0] = 1, v.st[1] = (int64_t)(bytes / 2);
    dims[0] = (uint32_t)(bytes / 2), dims[1] = dims[2] = dims[3] = 1;
    v.lo = base, v.hi = base + bytes;
    return v;
}

/* Hand-computed: the first read of 1 MiB misses, the second hits entirely; a read overlapping
 * half of it hits on that half only. */
static void test_reread_hits(void **state) {
    (void)state;
    sim_l2 c;
    memset(&c, 0, sizeof c);
    uint32_t d[SC_ISA_MAX_DIMS];
    rview v = hbm_view(0, MIB, d);
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), MIB);
    rview w = hbm_view(MIB / 2, MIB, d);
    assert_int_equal(sim_l2_access(&c, 50e6, &w, d), MIB / 2);
    /* a cold cache again after reset */
    sim_l2_reset(&c);
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    sim_l2_free(&c);
    sim_l2_free(&c); /* idempotent */
}

/* A bf16 HBM view at address 0 whose rows lie `pitch` elements apart. */
static rview rows_view(int64_t pitch) {
    rview v;
    memset(&v, 0, sizeof v);
    v.space = SC_SPACE_HBM, v.dt = SC_DTYPE_BF16, v.es = 2;
    v.st[0] = 1, v.st[1] = pitch;
    return v;
}

/* Residency is per 128-byte line, not per granule: a 128-row x 128-byte tile of a matrix with
 * 16 KiB rows does not make the neighbouring tile (same granules, other lines) resident. */
static void test_line_accurate_tiles(void **state) {
    (void)state;
    sim_l2 c;
    memset(&c, 0, sizeof c);
    rview v = rows_view(8192);
    uint32_t d[SC_ISA_MAX_DIMS] = {64, 128, 1, 1};
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    v.base = 128; /* next K tile of the same rows */
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    v.base = 0;
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 128 * 128);
    sim_l2_free(&c);
}

/* Residency is per 32-byte sector: reading the first 64 bytes of every 128-byte line (a column
 * chunk of rows) does not make the other 64 bytes resident, so the next chunk pays HBM in full. */
static void test_sector_residency(void **state) {
    (void)state;
    sim_l2 c;
    memset(&c, 0, sizeof c);
    rview v = rows_view(64); /* 32 rows of 128 bytes, 32 bf16 = 64 bytes each */
    uint32_t d[SC_ISA_MAX_DIMS] = {32, 32, 1, 1};
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    v.base = 64; /* the second half of each line */
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    d[0] = 16, v.base = 32; /* 32 bytes on the first chunk's second sector: resident */
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 32 * 32);
    sim_l2_free(&c);
}

/* Capacity: 50e6 bytes hold 762 granules of 64 KiB. A 32 MiB working set read twice hits the
 * second time; after streaming 100 MiB the first MiB is gone. */
static void test_capacity_eviction(void **state) {
    (void)state;
    sim_l2 c;
    memset(&c, 0, sizeof c);
    uint32_t d[SC_ISA_MAX_DIMS];
    for (int pass = 0; pass < 2; pass++) {
        uint64_t hit = 0;
        for (uint64_t a = 0; a < 32 * MIB; a += MIB) {
            rview v = hbm_view(a, MIB, d);
            hit += sim_l2_access(&c, 50e6, &v, d);
        }
        assert_int_equal(hit, pass ? 32 * MIB : 0);
    }
    assert_int_equal(c.n_slots, 762);
    for (uint64_t a = 64 * MIB; a < 164 * MIB; a += MIB) {
        rview v = hbm_view(a, MIB, d);
        assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    }
    rview v = hbm_view(0, MIB, d);
    assert_int_equal(sim_l2_access(&c, 50e6, &v, d), 0);
    /* a cache smaller than one granule holds nothing */
    sim_l2 tiny;
    memset(&tiny, 0, sizeof tiny);
    assert_int_equal(sim_l2_access(&tiny, 32 * KIB, &v, d), 0);
    assert_int_equal(sim_l2_access(&tiny, 32 * KIB, &v, d), 0);
    sim_l2_free(&tiny);
    sim_l2_free(&c);
}

/* Two DMAs of the same 64 KiB of HBM into the scratchpad. */
static const char *TWO_READS = ".desc d dma dims=32768 dst=spad:bf16:0:1 src=hbm:bf16:0:1\n"
                               ".core 0\n.queue load\n dma d, r0, r0, r0, 0\n li r1, 65536\n"
                               " dma d, r1, r0, r0, 0\n";

static void run_stats(sc_chip *c, const char *text, sc_sim_stats *st) {
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_TIMING);
    ts_run(s, p, NULL, 0);
    sc_sim_get_stats(s, st);
    sc_sim_destroy(s);
    sc_program_destroy(p);
}

/* On a GPU config the second read is served by shared SRAM: HBM sees the bytes once; both reads
 * (the fill and the hit) cross the shared SRAM and take its bandwidth; with the flag cleared both
 * go to HBM and the run is no faster. */
static void test_gpu_dma_served_by_l2(void **state) {
    (void)state;
    sc_chip *c = ts_chip("h100-sxm");
    assert_int_equal(c->hbm_cache, 1);
    sc_sim_stats on, off;
    run_stats(c, TWO_READS, &on);
    assert_true(on.bytes_hbm_read == 65536.0);
    assert_true(on.bytes_hbm_cached == 65536.0);
    assert_true(on.bytes_shared == 2 * 65536.0);
    assert_true(on.seconds >= on.bytes_shared / c->shared_sram_bw);
    c->hbm_cache = 0;
    run_stats(c, TWO_READS, &off);
    assert_true(off.bytes_hbm_read == 2 * 65536.0);
    assert_true(off.bytes_hbm_cached == 0);
    assert_true(on.cycles <= off.cycles);
    sc_chip_destroy(c);
}

/* SeedChip-1 leaves the flag off: both reads go to HBM. */
static void test_seedchip_unaffected(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    assert_int_equal(c->hbm_cache, 0);
    sc_sim_stats st;
    run_stats(c, TWO_READS, &st);
    assert_true(st.bytes_hbm_read == 2 * 65536.0);
    assert_true(st.bytes_hbm_cached == 0);
    assert_true(st.bytes_shared == 0);
    sc_chip_destroy(c);
}

/* The same program twice in one simulator: identical cycles and bytes (cold cache per run). */
static void test_deterministic(void **state) {
    (void)state;
    sc_chip *c = ts_chip("h100-sxm");
    sc_program *p = ts_asm(TWO_READS);
    sc_sim *s = ts_sim(c, SC_SIM_TIMING);
    sc_sim_stats a, b;
    ts_run(s, p, NULL, 0);
    sc_sim_get_stats(s, &a);
    ts_run(s, p, NULL, 0);
    sc_sim_get_stats(s, &b);
    assert_int_equal(a.cycles, b.cycles);
    assert_true(a.bytes_hbm_read == b.bytes_hbm_read);
    assert_true(a.bytes_hbm_cached == b.bytes_hbm_cached);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reread_hits),          cmocka_unit_test(test_line_accurate_tiles),
        cmocka_unit_test(test_sector_residency),     cmocka_unit_test(test_capacity_eviction),
        cmocka_unit_test(test_gpu_dma_served_by_l2), cmocka_unit_test(test_seedchip_unaffected),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
