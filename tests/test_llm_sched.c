// SPDX-License-Identifier: Apache-2.0
// Thread-block hand-out of causal prompt-attention tiles: replay by hand, and its use in llm_perf.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/testutil.h"
#include "runtime/llm_perf.h"
#include "runtime/llm_perf_internal.h"

static void assert_close(double got, double want, const char *what) {
    if (fabs(got - want) > 1e-9 * (1.0 + fabs(want)))
        fail_msg("%s: got %.12g, want %.12g", what, got, want);
}

/* Compute alone shares the cores: full waves take occ rounds, a partial wave its blocks over the
 * cores (but at least one round: a block never runs faster than one SM). */
static void test_compute_is_fluid(void **state) {
    (void)state;
    double cp[1] = {0}, w[1] = {1.0};
    assert_close(lp_sched_makespan(cp, w, 1, 8, 4, 2), 2.0, "one full wave of 4 x 2");
    assert_close(lp_sched_makespan(cp, w, 1, 24, 4, 2), 6.0, "three full waves");
    assert_close(lp_sched_makespan(cp, w, 1, 3, 4, 2), 1.0, "3 blocks on 4 SMs: one round");
    assert_close(lp_sched_makespan(cp, w, 1, 6, 4, 2), 1.5, "6 blocks on 4 SMs share them");
    assert_close(lp_sched_makespan(cp, w, 1, 0, 4, 2), 0.0, "nothing to do");
}

/* Copies hold their slot for their own duration whatever the others do: list scheduling in grid
 * order over cores x occ slots. */
static void test_copies_hold_slots(void **state) {
    (void)state;
    double cp[5] = {1, 1, 1, 1, 4}, w[5] = {0, 0, 0, 0, 0};
    /* 2 slots: 1+1 on each, then the 4 starts at t = 2 on the first free slot */
    assert_close(lp_sched_makespan(cp, w, 5, 5, 2, 1), 6.0, "long copy last");
    /* 4 slots (2 SMs x 2): the first four in parallel, the 4 after them */
    assert_close(lp_sched_makespan(cp, w, 5, 5, 2, 2), 5.0, "four slots");
    /* 5 slots: all at once */
    assert_close(lp_sched_makespan(cp, w, 5, 5, 5, 1), 4.0, "one slot each");
    /* blocks with nothing to do take no time and leave no slot idle */
    double cz[4] = {0, 1, 1, 1}, wz[4] = {0, 0, 0, 0};
    assert_close(lp_sched_makespan(cz, wz, 4, 8, 2, 1), 3.0, "empty blocks");
    /* grid order matters: the long copy first drains better */
    double rev[5] = {4, 1, 1, 1, 1};
    assert_close(lp_sched_makespan(rev, w, 5, 5, 2, 1), 4.0, "long copy first");
}

/* A block copies, then computes; while it copies, the other blocks get the SM. */
static void test_copy_then_compute(void **state) {
    (void)state;
    /* one SM, two slots: A copies 1 s then works 1 s; B works 1 s from t = 0 alone (rate 1),
     * A then computes alone: done at 2 */
    double cp[2] = {1, 0}, w[2] = {1, 1};
    assert_close(lp_sched_makespan(cp, w, 2, 2, 1, 2), 2.0, "overlap");
    /* both copy 1 s, then share the SM for 2 s of work in all */
    double cp2[2] = {1, 1};
    assert_close(lp_sched_makespan(cp2, w, 2, 2, 1, 2), 3.0, "copies together");
    /* period repeats the pattern: 4 blocks of (copy 1, work 1) on 1 SM x 1 slot: 8 s */
    double c1[1] = {1}, w1[1] = {1};
    assert_close(lp_sched_makespan(c1, w1, 1, 4, 1, 1), 8.0, "one slot in series");
}

static sc_chip *load_chip(const char *name) {
    sc_chip *c = NULL;
    char msg[512];
    sc_chip_load_params lp = sc_chip_load_default_params();
    lp.config_dir = tu_src_path("configs");
    if (sc_chip_load(name, &lp, &c, msg, sizeof msg) != SC_OK) fail_msg("%s", msg);
    return c;
}

static sc_llm_perf *perf(const sc_chip *c, int append) {
    sc_llm_arch a;
    sc_err err = {0};
    if (sc_llm_zoo_find("llama-2-70b", &a, &err) != SC_OK) fail_msg("%s", err.msg);
    sc_llm_deploy d = sc_llm_deploy_default();
    d.chip = c, d.chips = d.tp = 2, d.prec = SC_LLM_BF16;
    d.kv_token_major = 1, d.kv_append = append;
    sc_llm_perf *p = NULL;
    if (sc_llm_perf_create(&a, &d, &p, &err) != SC_OK) fail_msg("%s", err.msg);
    return p;
}

static double prompt_attn(sc_llm_perf *p, double in, double cache, sc_llm_breakdown *bd) {
    double sec = 0;
    sc_err err = {0};
    if (sc_llm_perf_attention(p, 1, in, cache + (in + 1) / 2, &sec, bd, &err) != SC_OK)
        fail_msg("%s", err.msg);
    return sec;
}

/* On a GPU config the prompt tiles of a causal chunk are replayed: the copies of an appending
 * kernel add most where there is no cache (every tile copies what it then attends to) and a
 * smaller share over a long cache; a faster copy loop is never slower. */
static void test_prompt_tiles_on_gpu(void **state) {
    (void)state;
    sc_chip *c = load_chip("a100-sxm-80g");
    sc_llm_perf *plain = perf(c, 0), *app = perf(c, 1);
    sc_llm_breakdown b0, b1, b2;
    double t0 = prompt_attn(plain, 1536, 0, &b0), t1 = prompt_attn(app, 1536, 0, &b1);
    assert_true(t1 > t0);
    assert_close(b0.attention_append_s, 0, "no copies without Append_KV");
    assert_true(b1.attention_append_s > 0 && b1.attention_append_s < t1);
    double share0 = b1.attention_append_s / t1;
    double t2 = prompt_attn(app, 1536, 4096, &b2);
    assert_true(t2 > t1);
    assert_true(b2.attention_append_s / t2 < share0);
    sc_llm_perf_destroy(plain);
    sc_llm_perf_destroy(app);
    /* twice the copy rate: the copies take less, nothing else changes */
    c->attn_copy_rate *= 2;
    sc_llm_perf *fast = perf(c, 1);
    sc_llm_breakdown bf;
    double tf = prompt_attn(fast, 1536, 0, &bf);
    assert_true(tf < t1 && bf.attention_append_s < b1.attention_append_s);
    sc_llm_perf_destroy(fast);
    sc_chip_destroy(c);
}

/* A step prefilling very many prompts (millions of thread blocks) replays whole periods up to a
 * bound and scales: twice the prompts take twice the time, and the call stays fast. */
static void test_huge_steps_scale(void **state) {
    (void)state;
    sc_chip *c = load_chip("h100-sxm");
    sc_llm_perf *p = perf(c, 1);
    double t1 = 0, t2 = 0;
    sc_err err = {0};
    /* prompts of 1024 tokens (mean causal context 512) */
    assert_int_equal(sc_llm_perf_attention(p, 1, 1024.0 * 4000, 512, &t1, NULL, &err), SC_OK);
    assert_int_equal(sc_llm_perf_attention(p, 1, 1024.0 * 8000, 512, &t2, NULL, &err), SC_OK);
    assert_true(t1 > 0);
    if (fabs(t2 / t1 - 2.0) > 0.02) fail_msg("8000 prompts / 4000: %.4f", t2 / t1);
    sc_llm_perf_destroy(p);
    sc_chip_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute_is_fluid),  cmocka_unit_test(test_copies_hold_slots),
        cmocka_unit_test(test_copy_then_compute), cmocka_unit_test(test_prompt_tiles_on_gpu),
        cmocka_unit_test(test_huge_steps_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
