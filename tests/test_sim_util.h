// SPDX-License-Identifier: Apache-2.0
// Shared helpers of the executor tests: chips, assembling text, running, reading results.
#ifndef SC_TEST_SIM_UTIL_H
#define SC_TEST_SIM_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/testutil.h"
#include "isa/isa.h"
#include "numerics/numerics.h"
#include "sim/sim_internal.h"

static inline sc_chip *ts_chip(const char *name) {
    sc_chip *c = NULL;
    char err[512];
    sc_chip_load_params p = sc_chip_load_default_params();
    if (sc_chip_load(name, &p, &c, err, sizeof err) != SC_OK) fail_msg("%s", err);
    return c;
}

/* Assembles text; fails the test on an error. Caller owns the program. */
static inline sc_program *ts_asm(const char *text) {
    sc_program *p = NULL;
    sc_err err = {0};
    if (sc_program_assemble(text, strlen(text), "test.s", &p, &err) != SC_OK)
        fail_msg("asm: %s", err.msg);
    return p;
}

static inline sc_program *ts_asm_file(const char *rel) {
    unsigned char *data = NULL;
    size_t len = 0;
    sc_err err = {0};
    if (sc_read_file(tu_src_path(rel), 1u << 24, &data, &len, &err) != SC_OK)
        fail_msg("%s", err.msg);
    sc_program *p = NULL;
    if (sc_program_assemble((const char *)data, len, rel, &p, &err) != SC_OK)
        fail_msg("asm: %s", err.msg);
    free(data);
    return p;
}

static inline sc_sim *ts_sim(const sc_chip *c, sc_sim_mode mode) {
    sc_sim_params p = sc_sim_default_params();
    p.mode = mode;
    sc_sim *s = NULL;
    sc_err err = {0};
    if (sc_sim_create(c, &p, &s, &err) != SC_OK) fail_msg("create: %s", err.msg);
    return s;
}

/* Runs and expects success. */
static inline void ts_run(sc_sim *s, const sc_program *p, const int64_t *args, int n) {
    sc_err err = {0};
    if (sc_sim_run(s, p, args, n, &err) != SC_OK) fail_msg("run: %s", err.msg);
}

/* Runs and expects a trap whose message contains `what`. */
static inline void ts_expect_trap(sc_sim *s, const sc_program *p, const char *what) {
    sc_err err = {0};
    sc_status rc = sc_sim_run(s, p, NULL, 0, &err);
    if (rc != SC_ERR_TRAP) fail_msg("expected a trap (%s), got status %d: %s", what, rc, err.msg);
    if (!strstr(err.msg, what)) fail_msg("trap message '%s' lacks '%s'", err.msg, what);
    if (strncmp(err.msg, "trap: ", 6) != 0) fail_msg("trap message '%s' lacks the prefix", err.msg);
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static inline uint64_t ts_rand(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Uniform in [-r, r), exactly representable in dtype t. */
static inline float ts_randf(uint64_t *s, float r, sc_dtype t) {
    float x = ((float)(ts_rand(s) >> 40) / (float)(1 << 24) * 2.0f - 1.0f) * r;
    return sc_round_through(t, x);
}

static inline void ts_write(sc_sim *s, sc_space sp, int core, uint64_t addr, const void *d,
                            size_t n) {
    sc_err err = {0};
    if (sc_sim_write(s, 0, sp, core, addr, d, n, &err) != SC_OK) fail_msg("write: %s", err.msg);
}

static inline void ts_read(sc_sim *s, sc_space sp, int core, uint64_t addr, void *d, size_t n) {
    sc_err err = {0};
    if (sc_sim_read(s, 0, sp, core, addr, d, n, &err) != SC_OK) fail_msg("read: %s", err.msg);
}

static inline uint64_t ts_cycles(const sc_sim *s) {
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    return st.cycles;
}

/* Assembly text of one VEC instruction on descriptor v, operands by layout: registers r0 for
 * every address, r7 for a register scalar, 1.75 for a float scalar, axis 0 for reductions. */
static inline void ts_vec_ins(const sc_opinfo *info, char *ins, size_t cap) {
    const char *mn = info->mnemonic;
    switch (info->layout) {
    case SC_LAYOUT_VU:
        snprintf(ins, cap, "%s v, r0, r0, r0, 0", mn);
        break;
    case SC_LAYOUT_VB:
        snprintf(ins, cap, "%s v, r0, r0, r0, r0, 0", mn);
        break;
    case SC_LAYOUT_VT:
        snprintf(ins, cap, "%s v, r0, r0, r0, r0, r0, 0", mn);
        break;
    case SC_LAYOUT_VSF:
        snprintf(ins, cap, "%s v, r0, r0, 1.75, r0, 0", mn);
        break;
    case SC_LAYOUT_VSR:
        snprintf(ins, cap, "%s v, r0, r0, r7, r0, 0", mn);
        break;
    case SC_LAYOUT_VRED:
        snprintf(ins, cap, "%s v, r0, r0, 0, r0, 0", mn);
        break;
    default: /* iota-like: start register, step 1 */
        snprintf(ins, cap, "%s v, r0, r7, 1, r0, 0", mn);
        break;
    }
}

#endif
