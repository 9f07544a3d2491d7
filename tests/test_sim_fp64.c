// SPDX-License-Identifier: Apache-2.0
// Executor fp64: every VEC opcode with an fp64 datapath and fp64 DMA against plain C doubles,
// single rounding of mixed-type results, refusals, and the vector_fp64_rate timing.
#include "test_sim_util.h"

enum { FR = 4, FC = 24, FN = FR * FC };

static void done(sc_sim *s, sc_chip *c, sc_program *p) {
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

/* Plain C reference of a binary function by mnemonic ("vadd", "vadd.f", ...). */
static double ref_bin64(const char *mn, double a, double b) {
    char base[16];
    snprintf(base, sizeof base, "%s", mn);
    char *dot = strchr(base, '.');
    if (dot) *dot = '\0';
    if (!strcmp(base, "vadd")) return a + b;
    if (!strcmp(base, "vsub")) return a - b;
    if (!strcmp(base, "vmul")) return a * b;
    if (!strcmp(base, "vdiv")) return a / b;
    if (!strcmp(base, "vmax")) return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
    if (!strcmp(base, "vmin")) return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
    if (!strcmp(base, "veq")) return a == b;
    if (!strcmp(base, "vne")) return a != b;
    if (!strcmp(base, "vlt")) return a < b;
    if (!strcmp(base, "vle")) return a <= b;
    if (!strcmp(base, "vgt")) return a > b;
    if (!strcmp(base, "vge")) return a >= b;
    fail_msg("no reference for %s", mn);
    return 0;
}

static double ref_un64(const char *mn, double a) {
    if (!strcmp(mn, "vneg")) return -a;
    if (!strcmp(mn, "vabs")) return fabs(a);
    if (!strcmp(mn, "vrelu")) return a > 0 ? a : 0.0;
    if (!strcmp(mn, "vsqrt")) return sqrt(a);
    return a; /* vcast, vcopy between fp64 views */
}

/* Random doubles far outside fp32's range and precision (1e-300 .. 1e250, 53-bit mantissas). */
static double rand64(uint64_t *seed) {
    static const double SCALE[] = {1e-300, 1e-20, 1.0, 3e38, 1e200, 1e250};
    double m = (double)(ts_rand(seed) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    return m * SCALE[ts_rand(seed) % SC_ARRAY_LEN(SCALE)];
}

/* Expected element (r, i) of op; reductions answer the row's value at i = 0. */
static double vec_want(const sc_opinfo *info, const double *a, const double *b, const double *cc,
                       int r, int i, double scal) {
    double x = a[r * FC + i];
    switch (info->layout) {
    case SC_LAYOUT_VU:
        return ref_un64(info->mnemonic, x);
    case SC_LAYOUT_VB:
        return ref_bin64(info->mnemonic, x, b[i]);
    case SC_LAYOUT_VSF:
    case SC_LAYOUT_VSR:
        return ref_bin64(info->mnemonic, x, scal);
    case SC_LAYOUT_VT:
        return x != 0 ? b[i] : cc[r * FC + i];
    default: {
        double acc = info->vfunc == SC_VF_SUM ? 0.0 : -INFINITY;
        for (int k = 0; k < FC; k++) {
            double y = a[r * FC + k];
            acc = info->vfunc == SC_VF_SUM ? acc + y : (y > acc ? y : acc);
        }
        return acc;
    }
    }
}

/* One fp64 VEC opcode on a 4 x 24 fp64 tile (B broadcast along rows); D fp64, or fp32 for
 * odd opcodes (the double result rounded once by C's conversion). */
static void vec64_case(unsigned op) {
    const sc_opinfo *info = sc_isa_info(op);
    int positive = info->vfunc == SC_VF_SQRT;
    int d32 = op % 2 && info->vfunc != SC_VF_COPY && info->vfunc != SC_VF_CAST;
    char text[1024], ins[128];
    ts_vec_ins(info, ins, sizeof ins);
    snprintf(text, sizeof text,
             ".desc v vec dims=%d,%d d=spad:%s:0:1,%d a=spad:fp64:65536:1,%d "
             "b=spad:fp64:131072:1,0 c=spad:fp64:196608:1,%d\n"
             ".core 0\n.queue compute\n li r7, 1099511627779\n %s\n",
             FC, FR, d32 ? "fp32" : "fp64", FC, FC, FC, ins);
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    double a[FN], b[FC], cc[FN];
    uint64_t seed = op * 7 + 3;
    for (int i = 0; i < FN; i++) {
        a[i] = rand64(&seed);
        if (positive) a[i] = fabs(a[i]);
        if (i % 7 == 0) a[i] = 0;     /* selects, compares and relu at zero */
        if (i % 11 == 5) a[i] = 1.75; /* equal to the immediate */
        cc[i] = rand64(&seed);
    }
    for (int i = 0; i < FC; i++)
        b[i] = i % 5 == 0 ? a[i] : rand64(&seed);
    ts_write(s, SC_SPACE_SPAD, 0, 65536, a, sizeof a);
    ts_write(s, SC_SPACE_SPAD, 0, 131072, b, sizeof b);
    ts_write(s, SC_SPACE_SPAD, 0, 196608, cc, sizeof cc);
    ts_run(s, p, NULL, 0);
    unsigned char got[FN * 8];
    ts_read(s, SC_SPACE_SPAD, 0, 0, got, sizeof got);
    /* .r: (double)(int64)R[7] = 2^40 + 3, exact in fp64 (fp32 would round it) */
    double scal = info->layout == SC_LAYOUT_VSF ? 1.75 : 1099511627779.0;
    for (int r = 0; r < FR; r++)
        for (int i = 0; i < (info->layout == SC_LAYOUT_VRED ? 1 : FC); i++) {
            double want = vec_want(info, a, b, cc, r, i, scal), g;
            size_t at = info->layout == SC_LAYOUT_VRED ? (size_t)r * FC : (size_t)(r * FC + i);
            if (d32) {
                float gf, wf = (float)want;
                memcpy(&gf, got + 4 * at, 4);
                if (memcmp(&gf, &wf, 4) && !(isnan(gf) && isnan(wf)))
                    fail_msg("%s [%d][%d] fp32 D: got %a want %a", info->mnemonic, r, i, gf, wf);
                continue;
            }
            memcpy(&g, got + 8 * at, 8);
            if (memcmp(&g, &want, 8) && !(isnan(g) && isnan(want)))
                fail_msg("%s [%d][%d]: got %a want %a (a=%a)", info->mnemonic, r, i, g, want,
                         a[r * FC + i]);
        }
    done(s, c, p);
}

static void test_vec_fp64_every_opcode(void **state) {
    (void)state;
    int n = 0;
    for (unsigned op = 0; op < SC_OP_COUNT; op++) {
        const sc_opinfo *info = sc_isa_info(op);
        if (info->cls == SC_CLASS_VEC && sc_isa_vfunc_fp64(info->vfunc)) vec64_case(op), n++;
    }
    /* add sub mul div max min, 6 compares (x3 forms), neg abs relu sqrt cast copy, sel, 2 red */
    assert_int_equal(n, 6 * 3 + 6 * 3 + 6 + 1 + 2);
}

/* Mixed operand types: int32 widens exactly, results narrow once (no detour through fp32). */
static void test_vec_fp64_mixed_types(void **state) {
    (void)state;
    const char *text = ".desc i vec dims=2 d=spad:fp64:0:1 a=spad:int32:64:1 b=spad:fp64:128:1\n"
                       ".desc h vec dims=2 d=spad:bf16:192:1 a=spad:fp64:256:1 b=spad:fp64:128:1\n"
                       ".desc t vec dims=2 d=spad:int32:320:1 a=spad:fp64:256:1\n"
                       ".core 0\n.queue compute\n vadd i, r0, r0, r0, r0, 0\n"
                       " vadd h, r0, r0, r0, r0, 0\n vcast t, r0, r0, r0, 0\n";
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    int32_t iv[2] = {2147483647, -2147483647};
    double half[2] = {0.5, 0.0};
    /* x[0] + 0.5 = 1.5 + 2^-8 + 2^-30: just above the bf16 midpoint 1.5 + 2^-8; through fp32 it
     * would land on the midpoint and round to even (1.5) */
    double x[2] = {1.0 + 0x1p-8 + 0x1p-30, 2.5};
    ts_write(s, SC_SPACE_SPAD, 0, 64, iv, sizeof iv);
    ts_write(s, SC_SPACE_SPAD, 0, 128, half, sizeof half);
    ts_write(s, SC_SPACE_SPAD, 0, 256, x, sizeof x);
    ts_run(s, p, NULL, 0);
    double d[2];
    uint16_t h[2];
    int32_t t[2];
    ts_read(s, SC_SPACE_SPAD, 0, 0, d, sizeof d);
    ts_read(s, SC_SPACE_SPAD, 0, 192, h, sizeof h);
    ts_read(s, SC_SPACE_SPAD, 0, 320, t, sizeof t);
    assert_true(d[0] == 2147483647.5 && d[1] == -2147483647.0);
    assert_int_equal(h[0], 0x3fc1); /* 1.5 + 2^-7 */
    assert_int_equal(h[1], 0x4020); /* 2.5 exactly */
    assert_int_equal(t[0], 1);      /* nearest */
    assert_int_equal(t[1], 2);      /* tie to even */
    done(s, c, p);
}

/* Functions without an fp64 datapath are refused when the program is validated (assembly,
 * loading, launch), with the instruction and descriptor named. */
static void test_vec_fp64_refused(void **state) {
    (void)state;
    static const char *const INS[] = {" vexp v, r0, r0, r0, 0\n", " vpow.f v, r0, r0, 2, r0, 0\n",
                                      " viota v, r0, r0, 0, r0, 0\n"};
    for (size_t k = 0; k < SC_ARRAY_LEN(INS); k++) {
        char text[256];
        snprintf(text, sizeof text,
                 ".desc v vec dims=4 d=spad:fp64:0:1 a=spad:fp32:64:1\n.core 0\n"
                 ".queue compute\n%s",
                 INS[k]);
        sc_program *p = NULL;
        sc_err err = {0};
        assert_int_equal(sc_program_assemble(text, strlen(text), "t.s", &p, &err), SC_ERR_PARSE);
        if (!strstr(err.msg, "no fp64 datapath") || !strstr(err.msg, "descriptor 'v'"))
            fail_msg("message: %s", err.msg);
    }
}

/* DMA moves 8-byte elements and converts exactly: fp64 -> fp32 (C's rounding), -> int32
 * (nearest even, saturating), fp32 -> fp64 (exact), fp64 -> fp64 (bits). */
static void test_dma_fp64(void **state) {
    (void)state;
    const char *text = ".buffer X hbm fp64 8\n"
                       ".desc f dma dims=8 dst=spad:fp32:0:1 src=hbm:fp64:X:1\n"
                       ".desc i dma dims=8 dst=spad:int32:64:1 src=hbm:fp64:X:1\n"
                       ".desc w dma dims=8 dst=hbm:fp64:1024:1 src=spad:fp32:0:1\n"
                       ".desc r dma dims=4,2 dst=hbm:fp64:2048:2,1 src=hbm:fp64:X:1,4\n"
                       ".core 0\n.queue load\n dma f, r0, r0, r0, 0\n dma i, r0, r0, r0, 0\n"
                       " dma r, r0, r0, r0, 0\n signal 0, 1\n.queue store\n wait 0, 1\n"
                       " dma w, r0, r0, r0, 0\n";
    sc_chip *c = ts_chip("seedchip-1");
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_BOTH);
    double x[8] = {1e200, -1e-200, 3.5, -2.5, 0.1, 4294967296.0, -1e10, NAN};
    ts_write(s, SC_SPACE_HBM, 0, 0, x, sizeof x);
    ts_run(s, p, NULL, 0);
    float f[8];
    int32_t iv[8];
    double back[8], tr[8];
    ts_read(s, SC_SPACE_SPAD, 0, 0, f, sizeof f);
    ts_read(s, SC_SPACE_SPAD, 0, 64, iv, sizeof iv);
    ts_read(s, SC_SPACE_HBM, 0, 1024, back, sizeof back);
    ts_read(s, SC_SPACE_HBM, 0, 2048, tr, sizeof tr);
    static const int32_t WANT_I[8] = {INT32_MAX, 0, 4, -2, 0, INT32_MAX, INT32_MIN, 0};
    for (int k = 0; k < 8; k++) {
        float wf = (float)x[k];
        if (memcmp(&f[k], &wf, 4)) fail_msg("fp32[%d]: got %a want %a", k, f[k], wf);
        assert_int_equal(iv[k], WANT_I[k]);
        double wb = (double)wf;
        if (memcmp(&back[k], &wb, 8)) fail_msg("back[%d]: got %a want %a", k, back[k], wb);
        double wt = x[(k % 2) * 4 + k / 2]; /* transposed 4 x 2 */
        if (memcmp(&tr[k], &wt, 8)) fail_msg("tr[%d]: got %a want %a", k, tr[k], wt);
    }
    done(s, c, p);
}

/* vadd.f over n elements: compute-bound at lanes * rate elements per cycle (2 operands of 8
 * bytes per element stay under the 2 KiB/cycle scratchpad port). */
static double vec_busy(const char *chip, const char *dt, const char *set) {
    char text[256];
    snprintf(text, sizeof text,
             ".desc v vec dims=16384 d=spad:%s:0:1 a=spad:%s:262144:1\n.core 0\n"
             ".queue compute\n vadd.f v, r0, r0, 1.5, r0, 0\n",
             dt, dt);
    sc_chip_load_params lp = sc_chip_load_default_params();
    lp.overrides = &set;
    lp.n_overrides = set ? 1 : 0;
    sc_chip *c = NULL;
    char err[512];
    if (sc_chip_load(chip, &lp, &c, err, sizeof err) != SC_OK) fail_msg("%s", err);
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_TIMING);
    ts_run(s, p, NULL, 0);
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    done(s, c, p);
    return st.vec_busy;
}

static void test_vec_fp64_timing(void **state) {
    (void)state;
    /* SeedChip-1: 256 fp32 lanes, fp64 at 0.25 of that */
    assert_true(vec_busy("seedchip-1", "fp32", NULL) == 16384.0 / 256);
    assert_true(vec_busy("seedchip-1", "fp64", NULL) == 16384.0 / 64);
    assert_true(vec_busy("seedchip-1", "fp64", "tensor_core.vector_fp64_rate=0.5") ==
                16384.0 / 128);
    /* H100: 64 FP64 cores per SM against 128 FP32 */
    sc_chip *c = ts_chip("h100-sxm");
    assert_true(c->vec_fp64_rate == 0.5 && c->vec_lanes == 128);
    sc_chip_destroy(c);
    /* the key is optional: a config without it gets 0.25 */
    unsigned char *data = NULL;
    size_t len = 0;
    sc_err e = {0};
    assert_int_equal(
        sc_read_file(tu_src_path("configs/seedchip-1.yaml"), 1u << 20, &data, &len, &e), SC_OK);
    char path[] = "/tmp/sc_fp64_cfgXXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    char *text = calloc(len + 1, 1); /* NUL-terminated for strtok */
    memcpy(text, data, len);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (!strstr(line, "vector_fp64_rate")) fprintf(f, "%s\n", line);
    fclose(f);
    free(text);
    free(data);
    char err[512];
    sc_chip_load_params lp = sc_chip_load_default_params();
    sc_status rc = sc_chip_load(path, &lp, &c, err, sizeof err);
    remove(path);
    if (rc != SC_OK) fail_msg("%s", err);
    assert_true(c->vec_fp64_rate == 0.25);
    sc_chip_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vec_fp64_every_opcode), cmocka_unit_test(test_vec_fp64_mixed_types),
        cmocka_unit_test(test_vec_fp64_refused),      cmocka_unit_test(test_dma_fp64),
        cmocka_unit_test(test_vec_fp64_timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
