// SPDX-License-Identifier: Apache-2.0
// Chip configs: datasheet figures, units, inheritance, overrides and precise error messages.
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "chip/chip.h"
#include "helpers/testutil.h"
#include "util/util.h"
#include "util/ytree.h"

static sc_chip *load(const char *name, const char *const *ov, size_t n, char *err, size_t len) {
    sc_chip_load_params p = sc_chip_load_default_params();
    p.overrides = ov;
    p.n_overrides = n;
    sc_chip *c = NULL;
    sc_chip_load(name, &p, &c, err, len);
    return c;
}

static void assert_within(double got, double want, double rel) {
    if (fabs(got - want) > rel * fabs(want))
        fail_msg("got %g, want %g (+-%g%%)", got, want, rel * 100);
}

static void test_datasheet_figures(void **state) {
    (void)state;
    struct {
        const char *name;
        double bf16, fp8, bw, cap, tdp;
    } rows[] = {
        {"h100-sxm", 989.4, 1978.9, 3350, 80, 700},
        {"h200-sxm", 989.4, 1978.9, 4800, 141, 700},
        {"a100-sxm-80g", 312, 0, 2039, 80, 400},
        {"seedchip-1", 786.4, 1572.9, 4915.2, 144, 500},
    };
    for (size_t i = 0; i < SC_ARRAY_LEN(rows); i++) {
        char err[512] = "";
        sc_chip *c = load(rows[i].name, NULL, 0, err, sizeof err);
        if (!c) fail_msg("%s: %s", rows[i].name, err);
        sc_chip_summary s;
        assert_int_equal(sc_chip_summarize(c, &s), SC_OK);
        assert_within(s.peak_tflops[SC_DTYPE_BF16], rows[i].bf16, 0.01);
        assert_within(s.peak_tflops[SC_DTYPE_FP8_E4M3], rows[i].fp8, 0.01);
        assert_within(s.hbm_bandwidth_gbs, rows[i].bw, 0.01);
        assert_within(s.hbm_capacity_gb, rows[i].cap, 0.01);
        assert_within(s.tdp_w, rows[i].tdp, 0.001);
        sc_chip_destroy(c);
    }
}

static void test_inheritance_and_variants(void **state) {
    (void)state;
    char err[512] = "";
    sc_chip *base = load("seedchip-1", NULL, 0, err, sizeof err);
    sc_chip *hbm4 = load("seedchip-1-hbm4", NULL, 0, err, sizeof err);
    sc_chip *lite = load("seedchip-1-lite", NULL, 0, err, sizeof err);
    assert_non_null(base);
    assert_non_null(hbm4);
    assert_non_null(lite);
    /* HBM4 keeps compute, doubles the interface width. */
    assert_within(sc_chip_peak_flops(hbm4, SC_DTYPE_BF16), sc_chip_peak_flops(base, SC_DTYPE_BF16),
                  1e-12);
    assert_int_equal(hbm4->hbm.bus_bits, 2048);
    assert_string_equal(hbm4->hbm.generation, "HBM4");
    assert_true(sc_dram_bandwidth(&hbm4->hbm) > 1.6 * sc_dram_bandwidth(&base->hbm));
    /* Lite halves the stacks and adds the capacity tier; untouched keys are inherited. */
    assert_int_equal(lite->hbm.stacks, 2);
    assert_true(lite->lpddr.present);
    assert_false(base->lpddr.present);
    assert_within(sc_dram_capacity(&lite->lpddr), 512e9, 1e-9);
    assert_within(lite->hbm.tRCD, base->hbm.tRCD, 1e-12);
    sc_chip_destroy(base);
    sc_chip_destroy(hbm4);
    sc_chip_destroy(lite);
}

static void test_overrides(void **state) {
    (void)state;
    const char *ov[] = {"hbm.stacks=2", "clock=1GHz", "tensor_core.scratchpad=8MiB"};
    char err[512] = "";
    sc_chip *c = load("seedchip-1", ov, 3, err, sizeof err);
    if (!c) fail_msg("%s", err);
    assert_int_equal(c->hbm.stacks, 2);
    assert_within(c->clock_hz, 1e9, 1e-12);
    assert_within(c->scratchpad_bytes, 8.0 * 1048576, 1e-12);
    sc_chip_destroy(c);

    const char *bad[] = {"hbm.stacks=lots"};
    assert_null(load("seedchip-1", bad, 1, err, sizeof err));
    assert_non_null(strstr(err, "hbm.stacks"));
    const char *unknown[] = {"hbm.stackz=2"};
    assert_null(load("seedchip-1", unknown, 1, err, sizeof err));
    assert_non_null(strstr(err, "unknown key 'hbm.stackz'") ? err : strstr(err, "hbm.stackz"));
}

static void expect_error(const char *yaml, const char *needle) {
    const char *path = tu_write_temp(".yaml", yaml, strlen(yaml));
    assert_non_null(path);
    char err[512] = "";
    sc_chip *c = load(path, NULL, 0, err, sizeof err);
    if (c) fail_msg("expected error containing '%s'", needle);
    if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
    if (!strstr(err, path)) fail_msg("error '%s' does not name the file", err);
    remove(path);
}

static void test_errors_name_file_line_key(void **state) {
    (void)state;
    expect_error("base: seedchip-1\nclock: fast\n", ":2: key 'clock'");
    expect_error("base: seedchip-1\nclock: 3W\n", "unit 'W' is not a frequency");
    expect_error("base: seedchip-1\nhbm:\n  stacks: 0\n", ":3: key 'hbm.stacks'");
    expect_error("base: seedchip-1\nhbm:\n  colour: red\n", ":3: unknown key 'hbm.colour'");
    expect_error("base: no-such-chip\n", "unknown chip 'no-such-chip'");
    expect_error("name: x\n", "missing required key");
    expect_error("base: seedchip-1\nclock: [1, 2\n", "");
    expect_error("a: &x 1\nb: *x\n", "aliases");
    expect_error("base: seedchip-1\nclock: 1GHz\nclock: 2GHz\n", "duplicate key");
    expect_error("base: seedchip-1\ntensor_core:\n  count: 2.5\n", "integer");
}

static void test_base_cycle_is_an_error(void **state) {
    (void)state;
    const char *dir = tu_temp_dir();
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s/cyc-a.yaml", dir);
    snprintf(b, sizeof b, "%s/cyc-b.yaml", dir);
    FILE *f = fopen(a, "w");
    fputs("base: cyc-b\n", f);
    fclose(f);
    f = fopen(b, "w");
    fputs("base: cyc-a\n", f);
    fclose(f);
    char err[512] = "";
    assert_null(load(a, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "deeper than"));
    remove(a);
    remove(b);
    rmdir(dir);
}

static void test_units(void **state) {
    (void)state;
    double v;
    char why[128];
    assert_int_equal(sc_parse_unit("1.5GHz", SC_UNIT_HZ, &v, why, sizeof why), 0);
    assert_within(v, 1.5e9, 1e-15);
    assert_int_equal(sc_parse_unit("4MiB", SC_UNIT_BYTES, &v, why, sizeof why), 0);
    assert_within(v, 4194304, 0);
    assert_int_equal(sc_parse_unit("36GB", SC_UNIT_BYTES, &v, why, sizeof why), 0);
    assert_within(v, 36e9, 0);
    assert_int_equal(sc_parse_unit("9.6Gbps", SC_UNIT_BITRATE, &v, why, sizeof why), 0);
    assert_within(v, 9.6e9, 1e-15);
    assert_int_equal(sc_parse_unit("3.35TB/s", SC_UNIT_BANDWIDTH, &v, why, sizeof why), 0);
    assert_within(v, 3.35e12, 1e-15);
    assert_int_equal(sc_parse_unit("$1200", SC_UNIT_DOLLARS, &v, why, sizeof why), 0);
    assert_within(v, 1200, 0);
    assert_int_equal(sc_parse_unit("0.3pJ", SC_UNIT_JOULES, &v, why, sizeof why), 0);
    assert_within(v, 0.3e-12, 1e-12);
    assert_int_not_equal(sc_parse_unit("4MiB", SC_UNIT_HZ, &v, why, sizeof why), 0);
    assert_int_not_equal(sc_parse_unit("abc", SC_UNIT_BYTES, &v, why, sizeof why), 0);
    assert_int_not_equal(sc_parse_unit("1e999GB", SC_UNIT_BYTES, &v, why, sizeof why), 0);
}

static void test_path_dir(void **state) {
    (void)state;
    char d[16];
    sc_path_dir("models/a/config.yaml", d, sizeof d);
    assert_string_equal(d, "models/a");
    sc_path_dir("config.yaml", d, sizeof d);
    assert_string_equal(d, ".");
    sc_path_dir("/config.yaml", d, sizeof d);
    assert_string_equal(d, "/");
    sc_path_dir("dir/", d, sizeof d);
    assert_string_equal(d, "dir");
    sc_path_dir("a/very/long/directory/x.onnx", d, sizeof d); /* cut to the buffer first */
    assert_string_equal(d, "a/very/long");
}

static void test_yaml_limits(void **state) {
    (void)state;
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 60; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    sc_arena *a = sc_arena_create(0);
    sc_ynode *root = NULL;
    sc_err err = {0};
    assert_int_equal(sc_yaml_parse(a, "deep.yaml", deep, n, &root, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "deep.yaml"));
    sc_arena_destroy(a);
}

static void test_every_shipped_config_loads(void **state) {
    (void)state;
    const char *names[] = {"seedchip-1", "seedchip-1-hbm4", "seedchip-1-lite",
                           "h100-sxm",   "h200-sxm",        "a100-sxm-80g"};
    for (size_t i = 0; i < SC_ARRAY_LEN(names); i++) {
        char err[512] = "";
        sc_chip *c = load(names[i], NULL, 0, err, sizeof err);
        if (!c) fail_msg("%s: %s", names[i], err);
        assert_string_equal(c->name, names[i]);
        sc_chip_destroy(c);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datasheet_figures),
        cmocka_unit_test(test_inheritance_and_variants),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_errors_name_file_line_key),
        cmocka_unit_test(test_base_cycle_is_an_error),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_path_dir),
        cmocka_unit_test(test_yaml_limits),
        cmocka_unit_test(test_every_shipped_config_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
