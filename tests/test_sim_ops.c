// SPDX-License-Identifier: Apache-2.0
// Executor: every instruction's functional result against a plain C reference (scalar, control,
// sync, DMA, MMA, every VEC opcode of the table, collectives) and per-class timing checks.
#include "test_sim_util.h"

/* Runs text on SeedChip-1 (both modes) and returns the simulator (caller destroys). */
static sc_sim *run_text(const char *text, const int64_t *args, int n, sc_chip **chip,
                        sc_program **prog) {
    *chip = ts_chip("seedchip-1");
    *prog = ts_asm(text);
    sc_sim *s = ts_sim(*chip, SC_SIM_BOTH);
    return s;
}

static void done(sc_sim *s, sc_chip *c, sc_program *p) {
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

/* ---- scalar and control ---- */

static void test_scalar_ops(void **state) {
    (void)state;
    const char *text =
        ".core 0\n.queue load\n"
        " li r1, -7\n li r2, 3\n"
        " add r3, r1, r2\n sub r4, r1, r2\n mul r5, r1, r2\n"
        " div r6, r1, r2\n rem r7, r1, r2\n"
        " li r8, -9223372036854775808\n li r9, -1\n div r10, r8, r9\n rem r11, r8, r9\n"
        " shl r12, r2, r2\n shr r13, r1, r2\n and r14, r1, r2\n or r15, r1, r2\n"
        " xor r16, r1, r2\n min r17, r1, r2\n max r18, r1, r2\n"
        " addi r19, r1, -100\n add r20, r8, r8\n"
        " rdsr r21, core\n rdsr r22, queue\n rdsr r23, ncores\n rdsr r24, nchips\n"
        " li r25, 1234567890123\n sts r25, r0, 64\n lds r26, r0, 64\n"
        " li r0, 99\n add r27, r0, r0\n"
        " li r28, 0\n li r29, 10\nl1: addi r28, r28, 2\n loop r29, l1\n"
        " li r30, 5\n blt r30, r2, skip\n beq r30, r30, fwd\n trap 1\n"
        "fwd: bne r30, r2, ok\n trap 2\nok: bge r2, r30, skip\n jmp end\n"
        "skip: trap 3\nend: halt\n trap 4\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    ts_run(s, p, NULL, 0);
    int64_t want[32] = {0};
    want[1] = -7, want[2] = 3, want[3] = -4, want[4] = -10, want[5] = -21, want[6] = -2;
    want[7] = -1, want[8] = INT64_MIN, want[9] = -1, want[10] = INT64_MIN, want[11] = 0;
    want[12] = 24, want[13] = (int64_t)((uint64_t)-7 >> 3), want[14] = -7 & 3, want[15] = -7 | 3;
    want[16] = -7 ^ 3, want[17] = -7, want[18] = 3, want[19] = -107, want[20] = 0;
    want[21] = 0, want[22] = 0, want[23] = 1, want[24] = 1, want[25] = 1234567890123;
    want[26] = 1234567890123, want[27] = 0, want[28] = 20, want[29] = 0, want[30] = 5;
    for (int r = 1; r < 31; r++)
        if (sc_sim_reg(s, 0, 0, SC_QUEUE_LOAD, r) != want[r])
            fail_msg("r%d = %lld, want %lld", r, (long long)sc_sim_reg(s, 0, 0, SC_QUEUE_LOAD, r),
                     (long long)want[r]);
    /* timing: every scalar/control instruction is one cycle */
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    assert_int_equal(st.cycles, st.insns);
    done(s, c, p);
}

/* Launch arguments land in r1..r8 of every queue. */
static void test_args_and_sregs(void **state) {
    (void)state;
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(".cores 3\n.core 2\n.queue store\n add r9, r1, r8\n rdsr r10, core\n"
                         " rdsr r11, queue\n",
                         NULL, 0, &c, &p);
    int64_t args[8] = {10, 2, 3, 4, 5, 6, 7, 80};
    ts_run(s, p, args, 8);
    assert_int_equal(sc_sim_reg(s, 0, 2, SC_QUEUE_STORE, 9), 90);
    assert_int_equal(sc_sim_reg(s, 0, 2, SC_QUEUE_STORE, 10), 2);
    assert_int_equal(sc_sim_reg(s, 0, 2, SC_QUEUE_STORE, 11), 2);
    assert_int_equal(sc_sim_reg(s, 0, 0, SC_QUEUE_LOAD, 1), 10);
    done(s, c, p);
}

/* ---- sync ---- */

static void test_semaphores_and_barrier(void **state) {
    (void)state;
    /* load signals 3 then compute waits 2 + 1; two cores meet at a barrier of 2 queues */
    const char *text = ".cores 2\n.core 0\n.queue load\n li r1, 1\n signal 4, 3\n barrier 3, 2\n"
                       " li r2, 7\n.queue compute\n wait 4, 2\n wait 4, 1\n li r3, 5\n"
                       ".core 1\n.queue store\n li r4, 1000\nw: addi r4, r4, -1\n bne r4, r0, w\n"
                       " barrier 3, 2\n li r5, 9\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    ts_run(s, p, NULL, 0);
    assert_int_equal(sc_sim_reg(s, 0, 0, SC_QUEUE_LOAD, 2), 7);
    assert_int_equal(sc_sim_reg(s, 0, 0, SC_QUEUE_COMPUTE, 3), 5);
    assert_int_equal(sc_sim_reg(s, 0, 1, SC_QUEUE_STORE, 5), 9);
    /* core 1 spins 1 + 2*1000 cycles before the barrier; core 0's load queue waits there, then
     * runs one more instruction: the run ends at 2001 + barrier + 1 + li */
    assert_int_equal(ts_cycles(s), 1 + 2000 + 1 + 1);
    done(s, c, p);
    /* waiting for more than is ever signalled deadlocks */
    sc_chip *c2 = ts_chip("seedchip-1");
    sc_program *p2 = ts_asm(".core 0\n.queue load\n signal 1, 1\n.queue compute\n wait 1, 2\n");
    sc_sim *s2 = ts_sim(c2, SC_SIM_TIMING);
    ts_expect_trap(s2, p2, "deadlock");
    done(s2, c2, p2);
}

/* ---- DMA ---- */

static void test_dma_views(void **state) {
    (void)state;
    /* 4-D copy: src fp32 [2][3][4][5] (i0 fastest) read transposed on (i0,i1) with a broadcast
     * dim 2 (stride 0), converted to bf16 into a dense destination; dim 0 overridden by r3. */
    const char *text =
        ".buffer X hbm fp32 120\n"
        ".desc d dma dims=5,4,3,2 dst=spad:bf16:256:1,5,20,60 src=hbm:fp32:X:4,1,0,20\n"
        ".core 0\n.queue load\n li r3, 3\n dma d, r0, r0, r3, 0\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    float x[120];
    for (int i = 0; i < 120; i++)
        x[i] = (float)i * 1.001f - 50;
    ts_write(s, SC_SPACE_HBM, 0, sc_program_buffer(p, 0)->offset, x, sizeof x);
    ts_run(s, p, NULL, 0);
    uint16_t got[120];
    ts_read(s, SC_SPACE_SPAD, 0, 256, got, sizeof got);
    for (int i3 = 0; i3 < 2; i3++)
        for (int i2 = 0; i2 < 3; i2++)
            for (int i1 = 0; i1 < 4; i1++)
                for (int i0 = 0; i0 < 5; i0++) {
                    int d = i0 + 5 * i1 + 20 * i2 + 60 * i3;
                    uint16_t want = i0 < 3 ? sc_f32_to_bf16(x[i0 * 4 + i1 + 20 * i3]) : 0;
                    if (got[d] != want) fail_msg("element %d,%d,%d,%d", i0, i1, i2, i3);
                }
    done(s, c, p);
}

/* Same-type copies take the executor's row-by-row path: strided rows that cross a 64 KiB
 * scratchpad page, and a copy onto an overlapping range of the same scratchpad, which must read
 * everything before writing (the result of a gather followed by a scatter). */
static void test_dma_rows_pages_overlap(void **state) {
    (void)state;
    const char *text = ".buffer X hbm fp32 64\n"
                       ".desc a dma dims=20,2 dst=spad:fp32:65496:2,40 src=hbm:fp32:X:3,1\n"
                       ".desc c dma dims=18 dst=spad:fp32:1024:1 src=hbm:fp32:X:1\n"
                       ".desc b dma dims=8 dst=spad:fp32:1032:2 src=spad:fp32:1024:2\n"
                       ".core 0\n.queue load\n dma a, r0, r0, r0, 0\n dma c, r0, r0, r0, 0\n"
                       " dma b, r0, r0, r0, 0\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    float x[64];
    for (int i = 0; i < 64; i++)
        x[i] = (float)i * 0.75f - 9;
    ts_write(s, SC_SPACE_HBM, 0, sc_program_buffer(p, 0)->offset, x, sizeof x);
    ts_run(s, p, NULL, 0);
    float got[100];
    ts_read(s, SC_SPACE_SPAD, 0, 65496, got, sizeof got);
    for (int i1 = 0; i1 < 2; i1++)
        for (int e = 0; e < 20; e++)
            if (got[e * 2 + i1 * 40] != x[e * 3 + i1]) fail_msg("strided row %d element %d", i1, e);
    float ov[18];
    ts_read(s, SC_SPACE_SPAD, 0, 1024, ov, sizeof ov);
    for (int i = 0; i < 18; i++) /* even words 2..16 took the old even word before them */
        if (ov[i] != x[i >= 2 && i % 2 == 0 && i <= 16 ? i - 2 : i])
            fail_msg("overlapping copy element %d", i);
    done(s, c, p);
}

static void test_dma_spaces(void **state) {
    (void)state;
    /* hbm -> shared -> core 1's scratchpad (from core 0) -> const-initialised int8 -> int32 */
    const char *text = ".cores 2\n.data 01 ff 7f 80\n"
                       ".desc a dma dims=16 dst=shared:fp32:4096:1 src=hbm:fp32:0:1\n"
                       ".desc b dma dims=16 dst=spad@1:fp16:0:1 src=shared:fp32:4096:1\n"
                       ".desc k dma dims=4 dst=hbm:int32:8192:1 src=const:int8:0:1\n"
                       ".core 0\n.queue load\n dma a, r0, r0, r0, 0\n dma b, r0, r0, r0, 0\n"
                       " dma k, r0, r0, r0, 0\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i / 3.0f;
    ts_write(s, SC_SPACE_HBM, 0, 0, x, sizeof x);
    ts_run(s, p, NULL, 0);
    uint16_t h[16];
    ts_read(s, SC_SPACE_SPAD, 1, 0, h, sizeof h);
    for (int i = 0; i < 16; i++)
        assert_int_equal(h[i], sc_f32_to_f16(x[i]));
    int32_t k[4];
    ts_read(s, SC_SPACE_HBM, 0, 8192, k, sizeof k);
    assert_int_equal(k[0], 1);
    assert_int_equal(k[1], -1);
    assert_int_equal(k[2], 127);
    assert_int_equal(k[3], -128);
    sc_sim_stats st;
    sc_sim_get_stats(s, &st);
    assert_true(st.bytes_shared == 2 * 64 && st.bytes_hbm_read == 64 + 4);
    done(s, c, p);
}

/* ---- MMA ---- */

static void mma_case(sc_dtype ta, sc_dtype tb, unsigned flags, int m, int n, int k, int reg_form) {
    char text[1024];
    const char *fl = flags == 0 ? "0" : flags == 7 ? "ta|tb|acc" : flags == 4 ? "acc" : "ta|tb";
    if (reg_form)
        snprintf(
            text, sizeof text,
            ".core 0\n.queue compute\n li r1, 0\n li r2, 65536\n li r3, 131072\n"
            " li r4, %d\n li r5, %d\n li r6, %d\n mma r3, r1, r2, r4, r5, r6, %s, %s, %s, %s\n",
            m, n, k, sc_dtype_name(ta), sc_dtype_name(tb), ta == SC_DTYPE_INT8 ? "int32" : "fp32",
            fl);
    else
        snprintf(text, sizeof text,
                 ".core 0\n.queue compute\n li r1, 0\n li r2, 65536\n li r3, 131072\n"
                 " mmai r3, r1, r2, %d, %d, %d, %s, %s, %s, %s\n",
                 m, n, k, sc_dtype_name(ta), sc_dtype_name(tb),
                 ta == SC_DTYPE_INT8 ? "int32" : "fp32", fl);
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    unsigned char a[65536], b[65536];
    float c0[128 * 128];
    uint64_t seed = (uint64_t)(m * 1000 + n * 10 + k + flags);
    for (int i = 0; i < m * k; i++)
        sc_store_elem(ta, a, (size_t)i, ts_randf(&seed, 6, ta));
    for (int i = 0; i < k * n; i++)
        sc_store_elem(tb, b, (size_t)i, ts_randf(&seed, 6, tb));
    for (int i = 0; i < m * n; i++) {
        c0[i] = ts_randf(&seed, 100, SC_DTYPE_FP32);
        if (ta == SC_DTYPE_INT8) {
            int32_t v = (int32_t)(ts_rand(&seed) % 2001) - 1000;
            memcpy(&c0[i], &v, 4);
        }
    }
    ts_write(s, SC_SPACE_SPAD, 0, 0, a, (size_t)(m * k) * sc_dtype_size(ta));
    ts_write(s, SC_SPACE_SPAD, 0, 65536, b, (size_t)(k * n) * sc_dtype_size(tb));
    ts_write(s, SC_SPACE_SPAD, 0, 131072, c0, (size_t)(m * n) * 4);
    ts_run(s, p, NULL, 0);
    float got[128 * 128];
    ts_read(s, SC_SPACE_SPAD, 0, 131072, got, (size_t)(m * n) * 4);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            int ia, ib; /* index of A[i][kk], B[kk][j] in storage (transposed: K x M, N x K) */
            if (ta == SC_DTYPE_INT8) {
                int32_t acc;
                memcpy(&acc, &c0[i * n + j], 4);
                uint32_t u = (flags & SC_MMA_ACC) ? (uint32_t)acc : 0;
                for (int kk = 0; kk < k; kk++) {
                    ia = (flags & SC_MMA_TA) ? kk * m + i : i * k + kk;
                    ib = (flags & SC_MMA_TB) ? j * k + kk : kk * n + j;
                    u += (uint32_t)((int8_t)a[ia] * (int8_t)b[ib]);
                }
                assert_memory_equal(&u, &got[i * n + j], 4);
                continue;
            }
            float acc = (flags & SC_MMA_ACC) ? c0[i * n + j] : 0.0f;
            for (int kk = 0; kk < k; kk++) {
                ia = (flags & SC_MMA_TA) ? kk * m + i : i * k + kk;
                ib = (flags & SC_MMA_TB) ? j * k + kk : kk * n + j;
                float prod = sc_load_elem(ta, a, (size_t)ia) * sc_load_elem(tb, b, (size_t)ib);
                acc = acc + prod;
            }
            assert_memory_equal(&acc, &got[i * n + j], 4);
        }
    done(s, c, p);
}

static void test_mma(void **state) {
    (void)state;
    mma_case(SC_DTYPE_BF16, SC_DTYPE_BF16, 0, 33, 17, 40, 0);
    mma_case(SC_DTYPE_FP32, SC_DTYPE_FP32, SC_MMA_ACC, 16, 24, 200, 1);
    mma_case(SC_DTYPE_FP16, SC_DTYPE_BF16, SC_MMA_TA | SC_MMA_TB, 20, 9, 31, 0);
    mma_case(SC_DTYPE_FP8_E4M3, SC_DTYPE_FP8_E5M2, 7, 128, 128, 64, 0);
    mma_case(SC_DTYPE_INT8, SC_DTYPE_INT8, 7, 64, 100, 300, 1);
    mma_case(SC_DTYPE_INT8, SC_DTYPE_INT8, 0, 1, 1, 1, 0);
}

/* ---- VEC: every opcode of the table ---- */

static float ref_unary(const char *op, float a) {
    if (!strcmp(op, "vexp")) return expf(a);
    if (!strcmp(op, "vlog")) return logf(a);
    if (!strcmp(op, "vrsqrt")) return 1.0f / sqrtf(a);
    if (!strcmp(op, "vsqrt")) return sqrtf(a);
    if (!strcmp(op, "vrecip")) return 1.0f / a;
    if (!strcmp(op, "vtanh")) return tanhf(a);
    if (!strcmp(op, "verf")) return erff(a);
    if (!strcmp(op, "vgelu")) return 0.5f * a * (1.0f + erff(a * 0.70710678118654752f));
    if (!strcmp(op, "vsilu")) return a / (1.0f + expf(-a));
    if (!strcmp(op, "vsigmoid")) return 1.0f / (1.0f + expf(-a));
    if (!strcmp(op, "vrelu")) return a > 0 ? a : 0.0f;
    if (!strcmp(op, "vneg")) return -a;
    if (!strcmp(op, "vabs")) return fabsf(a);
    return a; /* vcast, vcopy */
}

static float ref_binary(const char *op, float a, float b) {
    char base[16];
    snprintf(base, sizeof base, "%s", op);
    char *dot = strchr(base, '.');
    if (dot) *dot = '\0';
    if (!strcmp(base, "vadd")) return a + b;
    if (!strcmp(base, "vsub")) return a - b;
    if (!strcmp(base, "vmul")) return a * b;
    if (!strcmp(base, "vdiv")) return a / b;
    if (!strcmp(base, "vmax")) return a > b ? a : b;
    if (!strcmp(base, "vmin")) return a < b ? a : b;
    if (!strcmp(base, "vpow")) return powf(a, b);
    if (!strcmp(base, "veq")) return a == b;
    if (!strcmp(base, "vne")) return a != b;
    if (!strcmp(base, "vlt")) return a < b;
    if (!strcmp(base, "vle")) return a <= b;
    if (!strcmp(base, "vgt")) return a > b;
    return a >= b; /* vge */
}

enum { VR = 6, VC = 40, VN = VR * VC };

/* One VEC opcode on a 6 x 40 fp32 tile (B broadcast along rows for vector-vector forms);
 * D is bf16 for every third opcode to check the rounding on store. */
static void vec_case(unsigned op) {
    const sc_opinfo *info = sc_isa_info(op);
    const char *mn = info->mnemonic;
    int positive = strstr(mn, "log") || strstr(mn, "sqrt") || strstr(mn, "pow");
    sc_dtype dt = (op % 3 == 0 && info->vfunc != SC_VF_COPY) ? SC_DTYPE_BF16 : SC_DTYPE_FP32;
    const char *dn = sc_dtype_name(dt);
    char desc[512], ins[128];
    snprintf(desc, sizeof desc,
             ".desc v vec dims=%d,%d d=spad:%s:0:1,%d a=spad:fp32:65536:1,%d "
             "b=spad:fp32:131072:1,0 c=spad:fp32:196608:1,%d\n",
             VC, VR, dn, VC, VC, VC);
    ts_vec_ins(info, ins, sizeof ins);
    char text[1024];
    snprintf(text, sizeof text, "%s.core 0\n.queue compute\n li r7, %d\n %s\n", desc,
             positive ? 2 : -3, ins);
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    float a[VN], b[VC], cc[VN];
    uint64_t seed = op + 1;
    for (int i = 0; i < VN; i++) {
        a[i] = ts_randf(&seed, 3, SC_DTYPE_FP32);
        if (positive) a[i] = fabsf(a[i]) + 0.125f;
        if (i % 7 == 0) a[i] = 0; /* exercise selects, compares and relu at zero */
        cc[i] = ts_randf(&seed, 3, SC_DTYPE_FP32);
    }
    for (int i = 0; i < VC; i++)
        b[i] = i % 5 == 0 ? a[i] : ts_randf(&seed, 2, SC_DTYPE_FP32);
    ts_write(s, SC_SPACE_SPAD, 0, 65536, a, sizeof a);
    ts_write(s, SC_SPACE_SPAD, 0, 131072, b, sizeof b);
    ts_write(s, SC_SPACE_SPAD, 0, 196608, cc, sizeof cc);
    ts_run(s, p, NULL, 0);
    unsigned char got[VN * 4];
    ts_read(s, SC_SPACE_SPAD, 0, 0, got, sizeof got);
    float scal = info->layout == SC_LAYOUT_VSF ? 1.75f : (positive ? 2.0f : -3.0f);
    for (int r = 0; r < VR; r++) {
        float acc = info->vfunc == SC_VF_SUM ? 0.0f : -INFINITY;
        for (int i = 0; i < VC; i++) {
            float x = a[r * VC + i], want;
            switch (info->layout) {
            case SC_LAYOUT_VU:
                want = ref_unary(mn, x);
                break;
            case SC_LAYOUT_VB:
                want = ref_binary(mn, x, b[i]);
                break;
            case SC_LAYOUT_VSF:
            case SC_LAYOUT_VSR:
                want = ref_binary(mn, x, scal);
                break;
            case SC_LAYOUT_VT:
                want = x != 0 ? b[i] : cc[r * VC + i];
                break;
            case SC_LAYOUT_VRED:
                acc = info->vfunc == SC_VF_SUM ? acc + x : (x > acc ? x : acc);
                continue;
            default:
                want = (float)(-3 + r);
                break; /* viota along axis 1 from r7 = -3 */
            }
            float g = sc_load_elem(dt, got, (size_t)(r * VC + i));
            want = sc_round_through(dt, want);
            if (memcmp(&g, &want, 4) != 0 && !(isnan(g) && isnan(want)))
                fail_msg("%s [%d][%d]: got %g want %g (a=%g)", mn, r, i, g, want, x);
        }
        if (info->layout == SC_LAYOUT_VRED) {
            float g = sc_load_elem(dt, got, (size_t)(r * VC));
            acc = sc_round_through(dt, acc);
            if (memcmp(&g, &acc, 4) != 0) fail_msg("%s row %d: got %g want %g", mn, r, g, acc);
        }
    }
    done(s, c, p);
}

static void test_vec_every_opcode(void **state) {
    (void)state;
    int n = 0;
    for (unsigned op = 0; op < SC_OP_COUNT; op++)
        if (sc_isa_info(op)->cls == SC_CLASS_VEC) vec_case(op), n++;
    assert_true(n >= 58);
}

/* vcast converts directly (int32 beyond 2^24 to int8 saturates), vcopy moves bits, NaN max. */
static void test_vec_cast_copy_nan(void **state) {
    (void)state;
    const char *text = ".desc k vec dims=4 d=spad:int8:0:1 a=spad:int32:64:1\n"
                       ".desc y vec dims=4 d=spad:fp16:128:1 a=spad:fp16:192:1\n"
                       ".desc m vec dims=4 d=spad:fp32:256:1 a=spad:fp32:320:1 b=spad:fp32:384:1\n"
                       ".desc w vec dims=1 d=spad:bf16:512:1 a=spad:int32:576:1\n"
                       ".core 0\n.queue compute\n vcast k, r0, r0, r0, 0\n vcopy y, r0, r0, r0, 0\n"
                       " vcast w, r0, r0, r0, 0\n"
                       " vmax m, r0, r0, r0, r0, 0\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    int32_t iv[4] = {100000001, -5, 127, -129};
    uint16_t h[4] = {0x7c01, 0x3c00, 0x8000, 0xfbff}; /* a signalling NaN survives vcopy */
    float x[4] = {NAN, 1, 2, -1}, y[4] = {0, NAN, 1, -2};
    ts_write(s, SC_SPACE_SPAD, 0, 64, iv, sizeof iv);
    ts_write(s, SC_SPACE_SPAD, 0, 192, h, sizeof h);
    ts_write(s, SC_SPACE_SPAD, 0, 320, x, sizeof x);
    ts_write(s, SC_SPACE_SPAD, 0, 384, y, sizeof y);
    /* 2^24 + 2^16 + 1 is just above a bf16 midpoint; through fp32 it would land on the midpoint
     * and round to even (2^24): the conversion must round once */
    int32_t big = (1 << 24) + (1 << 16) + 1;
    ts_write(s, SC_SPACE_SPAD, 0, 576, &big, 4);
    ts_run(s, p, NULL, 0);
    uint16_t wb;
    ts_read(s, SC_SPACE_SPAD, 0, 512, &wb, 2);
    assert_int_equal(wb, sc_f32_to_bf16((float)((1 << 24) + (1 << 17))));
    int8_t k[4];
    uint16_t hh[4];
    float m[4];
    ts_read(s, SC_SPACE_SPAD, 0, 0, k, sizeof k);
    ts_read(s, SC_SPACE_SPAD, 0, 128, hh, sizeof hh);
    ts_read(s, SC_SPACE_SPAD, 0, 256, m, sizeof m);
    assert_int_equal(k[0], 127);
    assert_int_equal(k[1], -5);
    assert_int_equal(k[3], -128);
    assert_memory_equal(h, hh, sizeof h);
    assert_true(isnan(m[0]) && isnan(m[1]) && m[2] == 2 && m[3] == -1);
    done(s, c, p);
}

/* Long flat fp32 operands crossing 64 KiB scratchpad pages (the executor's in-place path): an
 * in-place multiply, a destination overlapping its source 4 elements further on (buffered
 * semantics: every result from the old values), a source in never-written pages (zeros), a
 * contiguous DMA crossing pages, and fp32 -> bf16 casts rounding like sc_f32_to_bf16. */
#define FL 40000
static void test_vec_flat_pages(void **state) {
    (void)state;
    const char *text =
        ".buffer X hbm fp32 40000\n"
        ".desc m vec dims=40000 d=spad:fp32:16:1 a=spad:fp32:16:1 b=spad:fp32:262144:1\n"
        ".desc o vec dims=40000 d=spad:fp32:524304:1 a=spad:fp32:524288:1 "
        "b=spad:fp32:262144:1\n"
        ".desc z vec dims=40000 d=spad:fp32:1048576:1 a=spad:fp32:262144:1 "
        "b=spad:fp32:2097152:1\n"
        ".desc t dma dims=40000 dst=spad:fp32:3145736:1 src=hbm:fp32:X:1\n"
        ".desc k vec dims=40000 d=spad:bf16:3407872:1 a=spad:fp32:262144:1\n"
        ".core 0\n.queue compute\n vmul m, r0, r0, r0, r0, 0\n"
        " vadd o, r0, r0, r0, r0, 0\n vadd z, r0, r0, r0, r0, 0\n"
        " vcast k, r0, r0, r0, 0\n.queue load\n dma t, r0, r0, r0, 0\n";
    sc_chip *c;
    sc_program *p;
    sc_sim *s = run_text(text, NULL, 0, &c, &p);
    float *a = malloc(FL * 4), *b = malloc(FL * 4), *o = malloc((FL + 4) * 4), *g = malloc(FL * 4);
    uint16_t *h = malloc(FL * 2);
    assert_non_null(a && b && o && g && h);
    uint64_t seed = 7;
    for (int i = 0; i < FL; i++)
        a[i] = ts_randf(&seed, 3, SC_DTYPE_FP32), b[i] = ts_randf(&seed, 3, SC_DTYPE_FP32);
    for (int i = 0; i < FL + 4; i++)
        o[i] = (float)i * 0.5f;
    b[1] = NAN, b[2] = 1.0f + 0x1p-8f, b[3] = 1.0f + 0x3p-8f; /* NaN, ties to even both ways */
    ts_write(s, SC_SPACE_SPAD, 0, 16, a, FL * 4);
    ts_write(s, SC_SPACE_SPAD, 0, 262144, b, FL * 4);
    ts_write(s, SC_SPACE_SPAD, 0, 524288, o, (FL + 4) * 4);
    ts_write(s, SC_SPACE_HBM, 0, sc_program_buffer(p, 0)->offset, a, FL * 4);
    ts_run(s, p, NULL, 0);
    ts_read(s, SC_SPACE_SPAD, 0, 16, g, FL * 4);
    for (int i = 0; i < FL; i++) {
        float w = a[i] * b[i];
        if (memcmp(&g[i], &w, 4) && !(isnan(g[i]) && isnan(w))) fail_msg("in place [%d]", i);
    }
    ts_read(s, SC_SPACE_SPAD, 0, 524304, g, FL * 4);
    for (int i = 0; i < FL; i++) {
        float w = o[i] + b[i];
        if (memcmp(&g[i], &w, 4) && !(isnan(g[i]) && isnan(w))) fail_msg("overlap [%d]", i);
    }
    ts_read(s, SC_SPACE_SPAD, 0, 1048576, g, FL * 4);
    for (int i = 0; i < FL; i++) {
        float w = b[i] + 0.0f;
        if (memcmp(&g[i], &w, 4) && !(isnan(g[i]) && isnan(w))) fail_msg("unwritten [%d]", i);
    }
    ts_read(s, SC_SPACE_SPAD, 0, 3145736, g, FL * 4);
    assert_memory_equal(g, a, FL * 4);
    ts_read(s, SC_SPACE_SPAD, 0, 3407872, h, FL * 2);
    for (int i = 0; i < FL; i++)
        if (h[i] != sc_f32_to_bf16(b[i])) fail_msg("bf16 cast [%d]", i);
    free(a), free(b), free(o), free(g), free(h);
    done(s, c, p);
}

/* ---- collectives ---- */

static sc_sim *multi(const sc_chip *c, int chips) {
    sc_sim_params sp = sc_sim_default_params();
    sp.n_chips = chips;
    sc_sim *s = NULL;
    sc_err err = {0};
    if (sc_sim_create(c, &sp, &s, &err) != SC_OK) fail_msg("%s", err.msg);
    return s;
}

static void test_collectives(void **state) {
    (void)state;
    sc_chip *c = ts_chip("seedchip-1");
    /* exchange: each of two chips sends 64 bytes at hbm 0 to the other (tag 5), which
     * receives them at hbm 4096 */
    sc_program *p =
        ts_asm(".core 0\n.queue load\n rdsr r1, chip\n li r2, 64\n li r3, 4096\n"
               " bne r1, r0, one\n send hbm, r0, r2, 1, 5\n recv hbm, r3, r2, 1, 5\n halt\n"
               "one: send hbm, r0, r2, 0, 5\n recv hbm, r3, r2, 0, 5\n");
    sc_sim *s = multi(c, 2);
    unsigned char d0[64], d1[64], g[64];
    for (int i = 0; i < 64; i++)
        d0[i] = (unsigned char)i, d1[i] = (unsigned char)(200 - i);
    sc_err err = {0};
    assert_int_equal(sc_sim_write(s, 0, SC_SPACE_HBM, 0, 0, d0, 64, &err), SC_OK);
    assert_int_equal(sc_sim_write(s, 1, SC_SPACE_HBM, 0, 0, d1, 64, &err), SC_OK);
    ts_run(s, p, NULL, 0);
    assert_int_equal(sc_sim_read(s, 1, SC_SPACE_HBM, 0, 4096, g, 64, &err), SC_OK);
    assert_memory_equal(g, d0, 64);
    assert_int_equal(sc_sim_read(s, 0, SC_SPACE_HBM, 0, 4096, g, 64, &err), SC_OK);
    assert_memory_equal(g, d1, 64);
    /* one link latency (1 us) at least */
    assert_true(ts_cycles(s) >= (uint64_t)(c->link_latency * c->clock_hz));
    sc_sim_destroy(s);
    sc_program_destroy(p);
    /* allreduce over 4 chips, in groups of 2 and then all 4 (bf16: fp32 sum, rounded once) */
    p = ts_asm(".core 0\n.queue store\n li r1, 0\n li r2, 8\n allreduce hbm, r1, r2, bf16, 2\n"
               " li r1, 64\n allreduce hbm, r1, r2, fp32, 4\n");
    s = multi(c, 4);
    float f[4][8];
    uint16_t bf[4][8];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 8; i++) {
            f[k][i] = (float)(k * 10 + i) / 7.0f;
            bf[k][i] = sc_f32_to_bf16(f[k][i] * 3);
            assert_int_equal(sc_sim_write(s, k, SC_SPACE_HBM, 0, 0, bf[k], 16, &err), SC_OK);
            assert_int_equal(sc_sim_write(s, k, SC_SPACE_HBM, 0, 64, f[k], 32, &err), SC_OK);
        }
    ts_run(s, p, NULL, 0);
    for (int k = 0; k < 4; k++) {
        uint16_t gb[8];
        float gf[8];
        assert_int_equal(sc_sim_read(s, k, SC_SPACE_HBM, 0, 0, gb, 16, &err), SC_OK);
        assert_int_equal(sc_sim_read(s, k, SC_SPACE_HBM, 0, 64, gf, 32, &err), SC_OK);
        int g0 = (k / 2) * 2;
        for (int i = 0; i < 8; i++) {
            float sb = 0.0f + sc_bf16_to_f32(bf[g0][i]);
            sb = sb + sc_bf16_to_f32(bf[g0 + 1][i]);
            assert_int_equal(gb[i], sc_f32_to_bf16(sb));
            float sf = 0.0f;
            for (int j = 0; j < 4; j++)
                sf = sf + f[j][i];
            assert_memory_equal(&gf[i], &sf, 4);
        }
    }
    sc_sim_destroy(s);
    sc_program_destroy(p);
    /* timing by hand: a 100000-byte send takes bytes / link bandwidth (66.7 B/cycle on one
     * SeedChip-1 link) plus the 1 us latency; recv then halt add a cycle each */
    p = ts_asm(".core 0\n.queue load\n rdsr r1, chip\n li r2, 100000\n li r3, 200000\n"
               " bne r1, r0, one\n send hbm, r0, r2, 1, 5\n recv hbm, r3, r2, 1, 5\n halt\n"
               "one: send hbm, r0, r2, 0, 5\n recv hbm, r3, r2, 0, 5\n");
    s = multi(c, 2);
    ts_run(s, p, NULL, 0);
    double bpc = c->link_bw / c->clock_hz, lat = c->link_latency * c->clock_hz;
    assert_int_equal(ts_cycles(s), 4 + (uint64_t)ceil(100000 / bpc) + (uint64_t)ceil(lat) + 2);
    sc_sim_destroy(s);
    sc_program_destroy(p);
    /* allreduce of 8 fp32 over 4 chips: 2(g-1)/g of the bytes over g-1 links + 2(g-1) latencies */
    p = ts_asm(".core 0\n.queue load\n li r1, 0\n li r2, 8\n allreduce hbm, r1, r2, fp32, 4\n");
    s = multi(c, 4);
    ts_run(s, p, NULL, 0);
    assert_int_equal(ts_cycles(s), 2 + (uint64_t)ceil(1.5 * 32 / (bpc * 3) + 6 * lat));
    sc_sim_destroy(s);
    sc_program_destroy(p);
    /* a recv with no send deadlocks; a group larger than the run traps */
    p = ts_asm(".core 0\n.queue load\n li r2, 8\n recv hbm, r0, r2, 1, 3\n");
    s = multi(c, 2);
    ts_expect_trap(s, p, "deadlock");
    sc_sim_destroy(s);
    sc_program_destroy(p);
    p = ts_asm(".core 0\n.queue load\n li r2, 8\n allreduce hbm, r0, r2, fp32, 4\n");
    s = multi(c, 2);
    ts_expect_trap(s, p, "exceeds");
    sc_sim_destroy(s);
    sc_program_destroy(p);
    sc_chip_destroy(c);
}

/* ---- timing per class on another chip (H100: 32x64 array, 128 lanes, special 1/8) ---- */

static uint64_t cycles_on(const char *chip, const char *text) {
    sc_chip *c = ts_chip(chip);
    sc_program *p = ts_asm(text);
    sc_sim *s = ts_sim(c, SC_SIM_TIMING);
    ts_run(s, p, NULL, 0);
    uint64_t cyc = ts_cycles(s);
    done(s, c, p);
    return cyc;
}

static void test_timing_other_chip(void **state) {
    (void)state;
    /* 32x64 array: 64x... M <= 32; K = 64 -> 2 passes of 32 rows: load 32, stream 2 x 32,
     * drain 32 + 64 - 1 */
    assert_int_equal(cycles_on("h100-sxm", ".core 0\n.queue compute\n"
                                           " mmai r0, r0, r0, 32, 64, 64, bf16, bf16, fp32, 0\n"),
                     32 + 2 * 32 + 95);
    /* vexp of 1024 fp32 on 128 lanes at 1/8: 64 cycles (+ 8); bank traffic 2 x 4 KiB over
     * 32 x 4 B = 64 cycles is not more */
    assert_int_equal(cycles_on("h100-sxm", ".desc v vec dims=1024 d=spad:fp32:0:1 "
                                           "a=spad:fp32:8192:1\n.core 0\n.queue compute\n"
                                           " vexp v, r0, r0, r0, 0\n"),
                     64 + 8);
    /* fp8 on SeedChip-1 packs two K values per cell: K = 256 is one pass */
    assert_int_equal(cycles_on("seedchip-1",
                               ".core 0\n.queue compute\n"
                               " mmai r0, r0, r0, 128, 128, 256, fp8, fp8, fp32, 0\n"),
                     128 + 128 + 255);
    /* fp32 at rate 1/4: the 128 rows stream 4x slower */
    assert_int_equal(cycles_on("seedchip-1",
                               ".core 0\n.queue compute\n"
                               " mmai r0, r0, r0, 128, 128, 128, fp32, fp32, fp32, 0\n"),
                     128 + 512 + 255);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_ops),
        cmocka_unit_test(test_args_and_sregs),
        cmocka_unit_test(test_semaphores_and_barrier),
        cmocka_unit_test(test_dma_views),
        cmocka_unit_test(test_dma_spaces),
        cmocka_unit_test(test_dma_rows_pages_overlap),
        cmocka_unit_test(test_mma),
        cmocka_unit_test(test_vec_every_opcode),
        cmocka_unit_test(test_vec_cast_copy_nan),
        cmocka_unit_test(test_vec_flat_pages),
        cmocka_unit_test(test_collectives),
        cmocka_unit_test(test_timing_other_chip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
