// SPDX-License-Identifier: Apache-2.0
// Public runtime API, used only through seedchip.h: open, allocate, copy, load .scb, launch, wait,
// statistics, traps and per-handle error strings.
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "seedchip.h"

/* Assembles examples/asm/NAME.s with the seedchip binary (the test's only non-API step). */
static const char *assemble(const char *name, char *out, size_t n) {
    const char *bin = getenv("SEEDCHIP_BIN"), *src = getenv("SEEDCHIP_SOURCE_DIR");
    if (!bin || !src) return NULL;
    snprintf(out, n, "/tmp/sc_rt_%d_%s.scb", (int)getpid(), name);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' asm '%s/examples/asm/%s.s' -o '%s'", bin, src, name, out);
    return system(cmd) == 0 ? out : NULL;
}

static sc_chip *load_chip(void) {
    sc_chip *c = NULL;
    char err[512];
    sc_chip_load_params p = sc_chip_load_default_params();
    if (sc_chip_load("seedchip-1", &p, &c, err, sizeof err) != SC_OK) fail_msg("%s", err);
    return c;
}

/* bf16 by truncation of values that are exact in bf16 (small integers / 8). */
static uint16_t bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return (uint16_t)(u >> 16);
}

static void test_gemm_tile_through_api(void **state) {
    (void)state;
    char path[512];
    if (!assemble("gemm_tile", path, sizeof path)) skip();
    sc_chip *chip = load_chip();
    sc_device *d = NULL;
    char err[256];
    assert_int_equal(sc_device_open(chip, NULL, &d, err, sizeof err), SC_OK);
    sc_chip_destroy(chip); /* the device keeps its own copy */
    int prog = -1;
    assert_int_equal(sc_device_load_file(d, path, &prog), SC_OK);
    unlink(path);
    uint64_t a_addr, b_addr, c_addr, c_bytes;
    assert_int_equal(sc_device_buffer(d, prog, "A", &a_addr, NULL), SC_OK);
    assert_int_equal(sc_device_buffer(d, prog, "B", &b_addr, NULL), SC_OK);
    assert_int_equal(sc_device_buffer(d, prog, "C", &c_addr, &c_bytes), SC_OK);
    assert_int_equal(sc_device_buffer(d, prog, "nope", NULL, NULL), SC_ERR_NOT_FOUND);
    assert_int_equal(c_bytes, 128 * 128 * 4);
    static uint16_t a[128 * 256], b[256 * 128];
    static float fa[128 * 256], fb[256 * 128], c[128 * 128];
    for (int i = 0; i < 128 * 256; i++) {
        fa[i] = (float)((i * 7) % 17 - 8) / 8.0f;
        fb[i] = (float)((i * 5) % 13 - 6) / 4.0f;
        a[i] = bf16(fa[i]);
        b[i] = bf16(fb[i]);
    }
    assert_int_equal(sc_device_copy_in(d, 0, a_addr, a, sizeof a), SC_OK);
    assert_int_equal(sc_device_copy_in(d, 0, b_addr, b, sizeof b), SC_OK);
    assert_int_equal(sc_device_wait(d), SC_ERR_STATE); /* nothing launched yet */
    assert_int_equal(sc_device_launch(d, prog, NULL, 0), SC_OK);
    assert_int_equal(sc_device_wait(d), SC_OK);
    assert_int_equal(sc_device_copy_out(d, 0, c_addr, c, sizeof c), SC_OK);
    for (int i = 0; i < 128; i++)
        for (int j = 0; j < 128; j++) {
            float acc = 0;
            for (int k = 0; k < 256; k++) {
                float p = fa[i * 256 + k] * fb[k * 128 + j];
                acc = acc + p;
            }
            assert_true(acc == c[i * 128 + j]);
        }
    sc_device_run_info info;
    assert_int_equal(sc_device_run_info_get(d, &info), SC_OK);
    assert_true(info.cycles > 0 && info.seconds > 0 && info.energy_j > 0);
    assert_true(info.flops == 2.0 * 128 * 128 * 256);
    char *json = sc_device_stats_json(d);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"cycles\""));
    free(json);
    assert_null(sc_device_trace_json(d)); /* trace was not requested */
    sc_device_destroy(d);
}

static void test_alloc_and_errors(void **state) {
    (void)state;
    sc_chip *chip = load_chip();
    sc_device_params p = sc_device_default_params();
    p.mode = SC_DEVICE_FUNCTIONAL;
    sc_device *d = NULL;
    assert_int_equal(sc_device_open(chip, &p, &d, NULL, 0), SC_OK);
    uint64_t x, y, z;
    assert_int_equal(sc_device_alloc(d, 1000, 0, &x), SC_OK);
    assert_int_equal(sc_device_alloc(d, 4096, 4096, &y), SC_OK);
    assert_true(y % 4096 == 0 && y >= x + 1000);
    assert_int_equal(sc_device_free(d, x), SC_OK);
    assert_int_equal(sc_device_alloc(d, 64, 0, &z), SC_OK);
    assert_int_equal(z, x); /* first fit reuses the freed range */
    assert_int_equal(sc_device_free(d, 12345), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(sc_device_errmsg(d), "not an allocation"));
    assert_int_equal(sc_device_alloc(d, sc_device_hbm_bytes(d), 0, &z), SC_ERR_LIMIT);
    /* copies are checked against the HBM size */
    char buf[16] = "0123456789abcde";
    assert_int_equal(sc_device_copy_in(d, 0, y, buf, sizeof buf), SC_OK);
    char back[16] = {0};
    assert_int_equal(sc_device_copy_out(d, 0, y, back, sizeof back), SC_OK);
    assert_memory_equal(buf, back, sizeof buf);
    assert_int_not_equal(sc_device_copy_in(d, 0, sc_device_hbm_bytes(d) - 4, buf, 16), SC_OK);
    assert_int_not_equal(sc_device_copy_in(d, 3, 0, buf, 16), SC_OK); /* no chip 3 */
    /* garbage is not a program */
    int prog;
    assert_int_equal(sc_device_load(d, "not a program", 13, &prog), SC_ERR_PARSE);
    assert_true(strlen(sc_device_errmsg(d)) > 0);
    assert_int_equal(sc_device_launch(d, 7, NULL, 0), SC_ERR_INVALID_ARG);
    sc_device_destroy(d);
    sc_device_destroy(NULL);
    /* timing mode has no data */
    p.mode = SC_DEVICE_TIMING;
    assert_int_equal(sc_device_open(chip, &p, &d, NULL, 0), SC_OK);
    assert_int_equal(sc_device_copy_in(d, 0, 0, buf, 16), SC_ERR_STATE);
    sc_device_destroy(d);
    p.n_chips = 0;
    char err[256];
    assert_int_not_equal(sc_device_open(chip, &p, &d, err, sizeof err), SC_OK);
    assert_null(d);
    assert_true(strlen(err) > 0);
    sc_chip_destroy(chip);
}

static void test_softmax_args_and_trace(void **state) {
    (void)state;
    char path[512];
    if (!assemble("softmax_rows", path, sizeof path)) skip();
    sc_chip *chip = load_chip();
    sc_device_params p = sc_device_default_params();
    p.trace = 1;
    sc_device *d = NULL;
    assert_int_equal(sc_device_open(chip, &p, &d, NULL, 0), SC_OK);
    int prog;
    assert_int_equal(sc_device_load_file(d, path, &prog), SC_OK);
    unlink(path);
    uint64_t x_addr;
    assert_int_equal(sc_device_buffer(d, prog, "X", &x_addr, NULL), SC_OK);
    /* the program's buffer is reserved: allocations land elsewhere */
    uint64_t a;
    assert_int_equal(sc_device_alloc(d, 64, 0, &a), SC_OK);
    assert_true(a >= x_addr + 64 * 1024 * 4 || a + 64 <= x_addr);
    static float x[64 * 1024], y[64 * 1024];
    for (int i = 0; i < 64 * 1024; i++)
        x[i] = (float)(i % 10);
    assert_int_equal(sc_device_copy_in(d, 0, x_addr, x, sizeof x), SC_OK);
    int64_t len = 10;
    uint64_t cycles[2];
    for (int rep = 0; rep < 2; rep++) {
        assert_int_equal(sc_device_launch(d, prog, &len, 1), SC_OK);
        assert_int_equal(sc_device_wait(d), SC_OK);
        sc_device_run_info info;
        sc_device_run_info_get(d, &info);
        cycles[rep] = info.cycles;
        len = 1000;
    }
    assert_true(cycles[1] > cycles[0]); /* the argument sized the work */
    assert_int_equal(sc_device_copy_out(d, 0, x_addr, y, sizeof y), SC_OK);
    double sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += y[i];
    assert_true(fabs(sum - 1.0) < 1e-4);
    char *tr = sc_device_trace_json(d);
    assert_non_null(tr);
    assert_non_null(strstr(tr, "traceEvents"));
    free(tr);
    sc_device_destroy(d);
    sc_chip_destroy(chip);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_tile_through_api),
        cmocka_unit_test(test_alloc_and_errors),
        cmocka_unit_test(test_softmax_args_and_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
