// SPDX-License-Identifier: Apache-2.0
// MMA: tile matrix multiply-accumulate (bit-exact fp32 / wrapping int32) and systolic timing.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numerics/numerics.h"
#include "sim/sim_internal.h"

/* ---- Timing ---- */

mma_timing sc_sim_mma_timing(uint64_t issue, uint64_t wl_free, uint64_t stream_free, uint64_t m,
                             uint64_t n, uint64_t k, int rows, int cols, double rate) {
    (void)n;
    mma_timing r;
    uint64_t kp = rate >= 1 ? (uint64_t)((double)rows * floor(rate)) : (uint64_t)rows;
    uint64_t S = rate >= 1 ? m : (uint64_t)ceil((double)m / rate);
    uint64_t L = (uint64_t)rows;
    uint64_t P = (k + kp - 1) / kp;
    uint64_t loader = SC_MAX(issue, wl_free);
    uint64_t prev_end = SC_MAX(issue, stream_free);      /* streamer free */
    uint64_t end_m2 = stream_free, end_m1 = stream_free; /* stream ends of passes p-2, p-1 */
    r.start = 0;
    for (uint64_t p = 0; p < P; p++) {
        /* weights of pass p go into the buffer that pass p-2 streamed from */
        uint64_t buf_free = p == 0 ? wl_free : (p == 1 ? stream_free : end_m2);
        uint64_t ld_start = SC_MAX(loader, buf_free);
        uint64_t ld_end = ld_start + L;
        loader = ld_end;
        uint64_t st_start = SC_MAX(prev_end, ld_end);
        if (p == 0) r.start = st_start;
        uint64_t st_end = st_start + S;
        end_m2 = p == 0 ? stream_free : end_m1;
        end_m1 = st_end;
        prev_end = st_end;
    }
    r.stream_end = prev_end;
    r.done = prev_end + (uint64_t)rows + (uint64_t)cols - 1;
    r.wl_free = SC_MAX(loader, P >= 2 ? end_m2 : stream_free);
    return r;
}

/* ---- Functional ---- */

/* Tile operands as fp32 (or int32 for int8), always [r][c] of the logical (un-transposed)
 * operand. Each source type has its own loop: a per-element call through sc_load_elem costs more
 * than the multiply-accumulate it feeds. */
#define WIDEN_LOOP(expr)                                                                           \
    for (uint64_t i = 0; i < r; i++)                                                               \
        for (uint64_t j = 0; j < c; j++) {                                                         \
            size_t e = trans ? (size_t)(j * r + i) : (size_t)(i * c + j);                          \
            out[i * c + j] = (expr);                                                               \
        }

static float fp32_at(const unsigned char *p) {
    float f;
    memcpy(&f, p, 4);
    return f;
}

/* bf16 is the top half of an fp32 (sc_bf16_to_f32, here inline). */
static float bf16_at(const unsigned char *p) {
    uint32_t u = (uint32_t)(p[0] | (p[1] << 8)) << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void widen_tile(sc_dtype t, const unsigned char *src, uint64_t r, uint64_t c, int trans,
                       float *out) {
    float lut[256];
    switch (t) {
    case SC_DTYPE_FP32:
        WIDEN_LOOP(fp32_at(src + 4 * e));
        break;
    case SC_DTYPE_BF16:
        WIDEN_LOOP(bf16_at(src + 2 * e));
        break;
    case SC_DTYPE_FP8_E4M3:
    case SC_DTYPE_FP8_E5M2: /* 256 codes: decode each once */
        for (int v = 0; v < 256; v++)
            lut[v] =
                t == SC_DTYPE_FP8_E4M3 ? sc_e4m3_to_f32((uint8_t)v) : sc_e5m2_to_f32((uint8_t)v);
        WIDEN_LOOP(lut[src[e]]);
        break;
    default:
        WIDEN_LOOP(sc_load_elem(t, src, e));
    }
}

/* Reads the operand tile: fp32 un-transposed goes straight from the scratchpad into `out`. */
static void load_tile(const pmem *m, uint64_t addr, sc_dtype t, uint64_t r, uint64_t c, int trans,
                      float *out, unsigned char *tmp) {
    size_t es = sc_dtype_size(t);
    if (t == SC_DTYPE_FP32 && !trans) {
        pmem_read(m, addr, out, (size_t)(r * c * 4));
        return;
    }
    pmem_read(m, addr, tmp, (size_t)(r * c * es));
    widen_tile(t, tmp, r, c, trans, out);
}

static void load_tile_i8(const pmem *m, uint64_t addr, uint64_t r, uint64_t c, int trans,
                         int32_t *out, unsigned char *tmp) {
    pmem_read(m, addr, tmp, (size_t)(r * c));
    for (uint64_t i = 0; i < r; i++)
        for (uint64_t j = 0; j < c; j++)
            out[i * c + j] = (int8_t)tmp[trans ? j * r + i : i * c + j];
}

/* One row of C: c[j] += fl(a * b[j]) for every j (one k step of the i, kk, j order). */
static void row_step(float *restrict c, float a, const float *restrict b, uint64_t n) {
    for (uint64_t j = 0; j < n; j++) {
        float p = a * b[j];
        c[j] = c[j] + p;
    }
}

/* C[i][j] = sum over ascending kk of fl(A[i][kk] * B[kk][j]), as the ISA specifies. Four rows of
 * C go together so that each loaded B row feeds four multiply-adds; every C element still sees
 * its products added one by one in ascending k (only which elements are updated together
 * changes, never an element's order). No FMA contraction: the build is ISO C (contraction off)
 * and each product is rounded by assignment. The AVX2 clone, picked at load time where the CPU
 * has it, does the same IEEE single-precision operations eight lanes wide (4-5x the scalar-SSE
 * loop on a 128x128 tile). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
mma_f32(float *restrict C, const float *restrict A, const float *restrict B, uint64_t m, uint64_t n,
        uint64_t k) {
    uint64_t i = 0;
    for (; i + 4 <= m; i += 4) {
        float *c0 = C + i * n, *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
        const float *a = A + i * k;
        for (uint64_t kk = 0; kk < k; kk++) {
            float a0 = a[kk], a1 = a[k + kk], a2 = a[2 * k + kk], a3 = a[3 * k + kk];
            const float *b = B + kk * n;
            for (uint64_t j = 0; j < n; j++) {
                float bj = b[j];
                float p0 = a0 * bj, p1 = a1 * bj, p2 = a2 * bj, p3 = a3 * bj;
                c0[j] = c0[j] + p0;
                c1[j] = c1[j] + p1;
                c2[j] = c2[j] + p2;
                c3[j] = c3[j] + p3;
            }
        }
    }
    for (; i < m; i++)
        for (uint64_t kk = 0; kk < k; kk++)
            row_step(C + i * n, A[i * k + kk], B + kk * n, n);
}

/* int8 x int8 -> int32, wrapping: exact, so any order gives the same bits; the AVX2 clone
 * vectorises the j loop eight lanes wide. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static void
mma_i32(uint32_t *restrict C, const int32_t *restrict A, const int32_t *restrict B, uint64_t m,
        uint64_t n, uint64_t k) {
    for (uint64_t i = 0; i < m; i++)
        for (uint64_t kk = 0; kk < k; kk++) {
            uint32_t a = (uint32_t)A[i * k + kk];
            for (uint64_t j = 0; j < n; j++)
                C[i * n + j] += a * (uint32_t)B[kk * n + j];
        }
}

typedef struct mma_args {
    uint64_t c, a, b, m, n, k;
    sc_dtype ta, tb, tc;
    unsigned flags;
} mma_args;

static sc_status mma_data(sc_sim *s, const squeue *q, const mma_args *x, sc_err *err) {
    pmem *sp = &sim_core(s, q->chip, q->core)->spad;
    uint64_t ma = x->m * x->k, mb = x->k * x->n, mc = x->m * x->n;
    int integer = x->ta == SC_DTYPE_INT8;
    void *A = sim_scratch(s, 0, (size_t)ma * 4), *B = sim_scratch(s, 1, (size_t)mb * 4);
    void *C = sim_scratch(s, 2, (size_t)mc * 4);
    unsigned char *tmp = sim_scratch(s, 3, (size_t)SC_MAX(SC_MAX(ma, mb), mc) * 4);
    if (!A || !B || !C || !tmp)
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for an MMA tile");
    if (x->flags & SC_MMA_ACC)
        pmem_read(sp, x->c, C, (size_t)mc * 4); /* fp32/int32 LE */
    else
        memset(C, 0, (size_t)mc * 4);
    if (integer) {
        load_tile_i8(sp, x->a, x->m, x->k, (x->flags & SC_MMA_TA) != 0, A, tmp);
        load_tile_i8(sp, x->b, x->k, x->n, (x->flags & SC_MMA_TB) != 0, B, tmp);
        mma_i32(C, A, B, x->m, x->n, x->k);
    } else {
        load_tile(sp, x->a, x->ta, x->m, x->k, (x->flags & SC_MMA_TA) != 0, A, tmp);
        load_tile(sp, x->b, x->tb, x->k, x->n, (x->flags & SC_MMA_TB) != 0, B, tmp);
        mma_f32(C, A, B, x->m, x->n, x->k);
    }
    if (pmem_write(sp, x->c, C, (size_t)mc * 4))
        return sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device pages");
    return SC_OK;
}

/* ---- Instruction ---- */

static double mma_rate(const sc_chip *c, sc_dtype a, sc_dtype b) {
    double ra = c->mma_rate[a == SC_DTYPE_FP8_E5M2 ? SC_DTYPE_FP8_E4M3 : a];
    double rb = c->mma_rate[b == SC_DTYPE_FP8_E5M2 ? SC_DTYPE_FP8_E4M3 : b];
    return SC_MIN(ra, rb);
}

static double mac_energy(const sc_chip *c, sc_dtype a, sc_dtype b) {
    sc_dtype t = sc_dtype_size(a) >= sc_dtype_size(b) ? a : b;
    if (t == SC_DTYPE_FP8_E5M2) t = SC_DTYPE_FP8_E4M3;
    return c->e_mac[t];
}

static sc_status check_args(sc_sim *s, const squeue *q, const mma_args *x, sc_err *err) {
    if (x->m > (uint64_t)s->chip.sa_rows || x->n > (uint64_t)s->chip.sa_cols)
        return sim_trap(s, q, err, "mma %llux%llu exceeds the %dx%d systolic array",
                        (unsigned long long)x->m, (unsigned long long)x->n, s->chip.sa_rows,
                        s->chip.sa_cols);
    if (x->k > 65535 || x->m == 0 || x->n == 0 || x->k == 0)
        return sim_trap(s, q, err, "mma dims %lldx%lldx%lld invalid", (long long)x->m,
                        (long long)x->n, (long long)x->k);
    if (mma_rate(&s->chip, x->ta, x->tb) <= 0)
        return sim_trap(s, q, err, "%s has no %s x %s matrix path", s->chip.name,
                        sc_dtype_name(x->ta), sc_dtype_name(x->tb));
    int ea = (int)sc_dtype_size(x->ta), eb = (int)sc_dtype_size(x->tb);
    sc_status rc =
        sim_spad_range(s, q, (int64_t)x->a, x->m * x->k * (uint64_t)ea, ea, "mma A", err);
    if (rc == SC_OK)
        rc = sim_spad_range(s, q, (int64_t)x->b, x->k * x->n * (uint64_t)eb, eb, "mma B", err);
    if (rc == SC_OK) rc = sim_spad_range(s, q, (int64_t)x->c, x->m * x->n * 4, 4, "mma C", err);
    return rc;
}

static sc_status race_checks(sc_sim *s, const squeue *q, const mma_args *x, sc_err *err) {
    uint64_t ea = sc_dtype_size(x->ta), eb = sc_dtype_size(x->tb);
    sc_status rc = sim_race_read(s, q, q->chip, q->core, x->a, x->a + x->m * x->k * ea, err);
    if (rc == SC_OK) rc = sim_race_read(s, q, q->chip, q->core, x->b, x->b + x->k * x->n * eb, err);
    if (rc == SC_OK && (x->flags & SC_MMA_ACC))
        rc = sim_race_read(s, q, q->chip, q->core, x->c, x->c + x->m * x->n * 4, err);
    if (rc == SC_OK && sim_race_write(s, q, q->chip, q->core, x->c, x->c + x->m * x->n * 4))
        rc = sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory");
    return rc;
}

static void mma_time(sc_sim *s, squeue *q, const mma_args *x) {
    score *c = sim_core(s, q->chip, q->core);
    int key = sim_mem_key(s, SC_SPACE_SPAD, q->chip, q->core);
    uint64_t ea = sc_dtype_size(x->ta), eb = sc_dtype_size(x->tb);
    uint64_t t = sim_dep_ready(q, key, x->a, x->a + x->m * x->k * ea, q->t);
    t = sim_dep_ready(q, key, x->b, x->b + x->k * x->n * eb, t);
    double rate = mma_rate(&s->chip, x->ta, x->tb);
    mma_timing mt = sc_sim_mma_timing(t, c->mma_wl_free, c->mma_stream_free, x->m, x->n, x->k,
                                      s->chip.sa_rows, s->chip.sa_cols, rate);
    c->mma_wl_free = mt.wl_free;
    c->mma_stream_free = mt.stream_end;
    q->done_max = SC_MAX(q->done_max, mt.done);
    /* C stays in the accumulator path: later MMAs of the queue chain on it without waiting for
     * the drain; other readers of C (VEC, DMA) wait for done. */
    sim_dep_add(q, key, x->c, x->c + x->m * x->n * 4, mt.done);
    double macs = (double)x->m * (double)x->n * (double)x->k;
    s->st.macs += macs;
    s->st.macs_by_dtype[x->ta < SC_DTYPE_COUNT ? x->ta : 0] += macs;
    s->st.flops += 2 * macs;
    s->st.mma_busy += (double)(mt.stream_end - mt.start);
    s->st.energy_mac += macs * mac_energy(&s->chip, x->ta, x->tb);
    double bytes = (double)(x->m * x->k * ea + x->k * x->n * eb) +
                   (double)(x->m * x->n * 4) * ((x->flags & SC_MMA_ACC) ? 2 : 1);
    s->st.bytes_spad += bytes;
    sim_trace(s, "mma", q->chip * SIM_PID_CHIP + q->core, SIM_TID_MMA, mt.start, mt.done);
}

sc_status sim_exec_mma(sc_sim *s, squeue *q, const sc_insn *in, sc_err *err) {
    mma_args x;
    x.c = (uint64_t)q->r[in->v[0]];
    x.a = (uint64_t)q->r[in->v[1]];
    x.b = (uint64_t)q->r[in->v[2]];
    if (in->op == SC_OP_MMA) {
        int64_t m = q->r[in->v[3]], n = q->r[in->v[4]], k = q->r[in->v[5]];
        if (m <= 0 || n <= 0 || k <= 0)
            return sim_trap(s, q, err, "mma dims %lldx%lldx%lld must be positive", (long long)m,
                            (long long)n, (long long)k);
        x.m = (uint64_t)m, x.n = (uint64_t)n, x.k = (uint64_t)k;
    } else {
        x.m = (uint64_t)in->v[3], x.n = (uint64_t)in->v[4], x.k = (uint64_t)in->v[5];
    }
    x.ta = (sc_dtype)in->v[6], x.tb = (sc_dtype)in->v[7], x.tc = (sc_dtype)in->v[8];
    x.flags = (unsigned)in->v[9];
    sc_status rc = check_args(s, q, &x, err);
    if (rc == SC_OK && s->p.race_check) rc = race_checks(s, q, &x, err);
    if (rc == SC_OK && s->functional) rc = mma_data(s, q, &x, err);
    if (rc != SC_OK) return rc;
    mma_time(s, q, &x);
    q->pc++;
    return SC_OK;
}
