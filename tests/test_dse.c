// SPDX-License-Identifier: Apache-2.0
// Design-space exploration: space files, point enumeration, component model, Pareto fronts,
// SQLite store with resume, result JSON round trip, and fleet-planner costs.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dse/dse.h"
#include "helpers/testutil.h"
#include "serve/plan.h"

static const char *SPACE = "base: seedchip-1\n"
                           "workloads:\n"
                           "  - {model: llama-3-8b, chips: 1, batch: 8, input_len: 512,"
                           " output_len: 128}\n"
                           "parameters:\n"
                           "  hbm.stacks: [2, 4, 6]\n"
                           "  mem:\n"
                           "    - {name: slow, set: {hbm: {pin_rate: 6.4Gbps}}}\n"
                           "    - {name: fast, set: {hbm.pin_rate: 9.6Gbps, clock: 1.8GHz}}\n";

static sc_dse_space *load_text(const char *text, sc_err *err) {
    sc_dse_space *s = NULL;
    sc_dse_space_load(tu_write_temp(".yaml", text, strlen(text)), &s, err);
    return s;
}

static sc_chip *chip(const char *name, const char *const *ov, size_t n) {
    sc_chip_load_params p = sc_chip_load_default_params();
    p.config_dir = tu_src_path("configs");
    p.overrides = ov;
    p.n_overrides = n;
    sc_chip *c = NULL;
    char why[512];
    if (sc_chip_load(name, &p, &c, why, sizeof why) != SC_OK) fail_msg("%s", why);
    return c;
}

static void test_space_points(void **state) {
    (void)state;
    sc_err err = {0};
    sc_dse_space *s = load_text(SPACE, &err);
    if (!s) fail_msg("%s", err.msg);
    assert_int_equal(sc_dse_point_count(s), 6);
    assert_int_equal(sc_dse_workload_count(s), 1);
    assert_int_equal(sc_dse_workload_at(s, 0)->batch, 8);
    char key[256];
    sc_dse_point_key(s, 3, key, sizeof key);
    assert_string_equal(key, "hbm.stacks=4,mem=fast");
    const char *ov[16];
    size_t n = sc_dse_point_overrides(s, 3, ov, 16);
    assert_int_equal(n, 3);
    assert_string_equal(ov[0], "hbm.stacks=4");
    assert_string_equal(ov[1], "hbm.pin_rate=9.6Gbps");
    assert_string_equal(ov[2], "clock=1.8GHz");
    n = sc_dse_point_overrides(s, 0, ov, 16);
    assert_int_equal(n, 2);
    assert_string_equal(ov[1], "hbm.pin_rate=6.4Gbps"); /* nested map flattened */
    uint64_t h = sc_dse_space_hash(s);
    sc_dse_space_destroy(s);
    char other[1024];
    snprintf(other, sizeof other, "%s", SPACE);
    strstr(other, "1.8GHz")[2] = '9'; /* one value differs: another space */
    s = load_text(other, &err);
    assert_non_null(s);
    assert_true(sc_dse_space_hash(s) != h);
    sc_dse_space_destroy(s);
}

static void test_space_errors(void **state) {
    (void)state;
    struct {
        const char *text, *want;
    } bad[] = {
        {"workloads: [{model: llama-3-8b}]\nparameters: {clock: [1GHz]}\n", ":1: missing 'base"},
        {"base: seedchip-1\nworkloads: [{model: nope}]\nparameters: {clock: [1GHz]}\n",
         ":2: unknown model 'nope'"},
        {"base: seedchip-1\nworkloads: [{model: llama-3-8b, chips: 2, tp: 1, pp: 1}]\n"
         "parameters: {clock: [1GHz]}\n",
         "tp x pp == chips"},
        {"base: seedchip-1\nworkloads: [{model: llama-3-8b}]\nparameters:\n  clock: []\n",
         ":4: a parameter takes a non-empty list"},
        {"base: seedchip-1\nworkloads: [{model: llama-3-8b, colour: red}]\n"
         "parameters: {clock: [1GHz]}\n",
         "unknown workload key: colour"},
        {"base: seedchip-1\nworkloads: [{model: llama-3-8b}]\nparameters: {clock: [1GHz]}\nx: 1\n",
         ":4: unknown key: x"},
        {"base: seedchip-1\nworkloads: [{model: llama-3-8b}]\nparameters:\n  m: [{name: a}]\n",
         "a bundle value is"},
        {"base: [\n", "yaml"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_err err = {0};
        sc_dse_space *s = load_text(bad[i].text, &err);
        assert_null(s);
        if (!strstr(err.msg, bad[i].want) && !strstr(err.msg, "YAML") && !strstr(err.msg, "yaml"))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].want);
        if (i < 7 && !strstr(err.msg, bad[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].want);
    }
}

/* The component model reproduces the reference figures of docs/ARCHITECTURE.md. */
static void test_component_model(void **state) {
    (void)state;
    sc_chip *ref = chip("seedchip-1", NULL, 0);
    sc_dse_phys p;
    sc_dse_phys_model(ref, ref, &p);
    assert_true(fabs(p.area_die_mm2 - 465) < 0.5);
    assert_true(p.power_w > 400 && p.power_w < 460);     /* ~433 W at full rate */
    assert_true(p.chip_usd > 3800 && p.chip_usd < 4200); /* ~$3,970 */
    assert_true(p.yield > 0.6 && p.yield < 0.7);
    sc_chip_cost cc;
    sc_chip_cost_model(ref, &cc);
    assert_true(fabs(cc.built_usd - 3969.25) < 1);
    const char *more[] = {"hbm.stacks=6", "tensor_core.count=32", "noc.mesh_x=8", "clock=1.8GHz"};
    sc_chip *big = chip("seedchip-1", more, 4);
    sc_dse_phys q;
    sc_dse_phys_model(big, ref, &q);
    assert_true(q.area_die_mm2 > p.area_die_mm2 + 16 * 19 && q.yield < p.yield);
    assert_true(q.hbm_gb == 216 && q.chip_usd > p.chip_usd + 72 * 15);
    assert_true(q.power_w > p.power_w + 118); /* twice the MACs at a higher voltage */
    sc_chip *h200 = chip("h200-sxm", NULL, 0);
    sc_chip_cost_model(h200, &cc);
    assert_true(cc.price_usd == 32000); /* a purchase price wins over the parts */
    sc_chip_destroy(ref);
    sc_chip_destroy(big);
    sc_chip_destroy(h200);
}

static sc_dse_result pt(double perf, double usd, double w, double gb) {
    sc_dse_result r;
    memset(&r, 0, sizeof r);
    r.ok = 1;
    r.perf = perf;
    r.phys.chip_usd = usd;
    r.phys.power_w = w;
    r.phys.hbm_gb = gb;
    r.perf_per_usd = perf / usd;
    r.perf_per_w = perf / w;
    r.perf_per_hbm_gb = perf / gb;
    return r;
}

static void test_pareto(void **state) {
    (void)state;
    sc_dse_result v[5] = {pt(100, 1000, 100, 100), pt(200, 3000, 150, 100), pt(150, 3000, 200, 50),
                          pt(90, 1200, 90, 100), pt(0, 10, 10, 10)};
    v[4].ok = 1;
    int f[5];
    sc_dse_pareto(v, 5, f);
    assert_true((f[0] & SC_PARETO_COST) && (f[1] & SC_PARETO_COST));
    assert_false(f[2] & SC_PARETO_COST); /* same cost as v[1], less perf */
    assert_false(f[3] & SC_PARETO_COST);
    assert_true(f[3] & SC_PARETO_POWER); /* least power */
    assert_true((f[2] & SC_PARETO_HBM) && (f[1] & SC_PARETO_HBM) && !(f[0] & SC_PARETO_HBM));
    assert_int_equal(f[4], 0); /* perf 0: cannot run the workloads */
    assert_true(f[0] & SC_PARETO_ALL);
}

static void test_db_resume_and_json(void **state) {
    (void)state;
    sc_err err = {0};
    sc_dse_space *s = load_text(SPACE, &err);
    assert_non_null(s);
    char path[512];
    snprintf(path, sizeof path, "%s/r.sqlite", tu_temp_dir());
    sc_dse_db *db = NULL;
    assert_int_equal(sc_dse_db_open(path, s, "space.yaml", 0, &db, &err), SC_OK);
    sc_dse_result a = pt(100, 1000, 100, 100), b = pt(50, 2000, 100, 100);
    a.index = 1, b.index = 4;
    a.wl_tok_s[0] = 100;
    a.wl_batch[0] = 8;
    snprintf(a.key, sizeof a.key, "k1");
    snprintf(b.key, sizeof b.key, "k4");
    assert_int_equal(sc_dse_db_put(db, &a, &err), SC_OK);
    assert_int_equal(sc_dse_db_put(db, &b, &err), SC_OK);
    sc_dse_db_close(db);
    /* resume keeps both; a fresh open forgets them */
    assert_int_equal(sc_dse_db_open(path, s, "space.yaml", 1, &db, &err), SC_OK);
    unsigned char done[6];
    assert_int_equal(sc_dse_db_done(db, done, 6, &err), SC_OK);
    assert_true(done[1] && done[4] && !done[0] && !done[5]);
    size_t fr[4];
    assert_int_equal(sc_dse_db_pareto(db, fr, &err), SC_OK);
    assert_int_equal(fr[0], 1);
    sc_dse_db_close(db);
    sc_dse_result *v = NULL;
    int *flags = NULL;
    size_t n = 0;
    assert_int_equal(sc_dse_db_load(path, &v, &flags, &n, &err), SC_OK);
    assert_int_equal(n, 2);
    assert_true(v[0].index == 1 && v[0].wl_tok_s[0] == 100 && v[0].wl_batch[0] == 8);
    assert_true(v[0].perf == 100 && (flags[0] & SC_PARETO_COST) && !(flags[1] & SC_PARETO_COST));
    free(v);
    free(flags);
    sc_dse_space *other = load_text("base: seedchip-1\nworkloads: [{model: llama-3-8b}]\n"
                                    "parameters: {clock: [1GHz, 2GHz]}\n",
                                    &err);
    assert_non_null(other);
    sc_err e2 = {0};
    assert_int_equal(sc_dse_db_open(path, other, "o.yaml", 1, &db, &e2), SC_ERR_STATE);
    assert_non_null(strstr(e2.msg, "different sweep space"));
    assert_int_equal(sc_dse_db_open(path, s, "space.yaml", 0, &db, &err), SC_OK);
    assert_int_equal(sc_dse_db_done(db, done, 6, &err), SC_OK);
    assert_true(!done[1] && !done[4]);
    sc_dse_db_close(db);
    sc_dse_space_destroy(other);
    sc_dse_space_destroy(s);
}

/* A real point through llm_perf: more HBM bandwidth never slows decode-heavy serving down. */
static void test_eval_points(void **state) {
    (void)state;
    setenv("SEEDCHIP_CONFIG_DIR", tu_src_path("configs"), 1);
    sc_err err = {0};
    sc_dse_space *s = load_text(SPACE, &err);
    assert_non_null(s);
    sc_dse_result slow, fast;
    assert_int_equal(sc_dse_eval(s, 2, &slow, &err), SC_OK); /* 4 stacks, slow pins */
    assert_int_equal(sc_dse_eval(s, 3, &fast, &err), SC_OK); /* 4 stacks, fast pins + clock */
    if (!slow.ok) fail_msg("%s", slow.error);
    assert_true(slow.wl_tok_s[0] > 0 && slow.perf > 0 && slow.wl_batch[0] == 8);
    assert_true(fast.perf > slow.perf);
    assert_true(fabs(slow.perf_per_usd - slow.perf / slow.phys.chip_usd) < 1e-12);
    char *js = sc_dse_result_to_json(&fast);
    sc_dse_result back;
    assert_int_equal(sc_dse_result_from_json(js, &back, &err), SC_OK);
    free(js);
    /* Bit for bit: results travel between MPI ranks as this JSON, and a sweep under mpirun must
     * store what a single process stores (cJSON's printer alone dropped the last ulp). */
    assert_true(back.perf == fast.perf && back.perf_per_w == fast.perf_per_w);
    assert_true(back.phys.power_w == fast.phys.power_w && back.phys.chip_usd == fast.phys.chip_usd);
    assert_true(back.wl_tok_s[0] == fast.wl_tok_s[0]);
    assert_string_equal(back.key, fast.key);
    fast.perf = 738.9614824441641; /* 15 digits print it as 738.961482444164, an ulp lower */
    js = sc_dse_result_to_json(&fast);
    assert_int_equal(sc_dse_result_from_json(js, &back, &err), SC_OK);
    free(js);
    assert_true(back.perf == 738.9614824441641);
    sc_dse_space_destroy(s);
    s = load_text("base: seedchip-1\nworkloads: [{model: llama-3-8b}]\n"
                  "parameters: {hbm.stacks: [0]}\n",
                  &err);
    assert_non_null(s);
    sc_dse_result bad;
    assert_int_equal(sc_dse_eval(s, 0, &bad, &err), SC_OK); /* invalid design: recorded */
    assert_false(bad.ok);
    assert_non_null(strstr(bad.error, "hbm.stacks"));
    sc_dse_space_destroy(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_space_points),       cmocka_unit_test(test_space_errors),
        cmocka_unit_test(test_component_model),    cmocka_unit_test(test_pareto),
        cmocka_unit_test(test_db_resume_and_json), cmocka_unit_test(test_eval_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
