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

/* Converts a dense tile (rows x cols of dtype t at spad address) to fp32, transposing if asked
 * so that out is always [r][c] of the logical (un-transposed) operand. */
static void load_tile(const pmem *m, uint64_t addr, sc_dtype t, uint64_t r, uint64_t c, int trans,
                      float *out, unsigned char *tmp) {
    size_t es = sc_dtype_size(t);
    pmem_read(m, addr, tmp, (size_t)(r * c * es));
    for (uint64_t i = 0; i < r; i++)
        for (uint64_t j = 0; j < c; j++) {
            size_t src = trans ? (size_t)(j * r + i) : (size_t)(i * c + j);
            out[i * c + j] = sc_load_elem(t, tmp, src);
        }
}

static void load_tile_i8(const pmem *m, uint64_t addr, uint64_t r, uint64_t c, int trans,
                         int32_t *out, unsigned char *tmp) {
    pmem_read(m, addr, tmp, (size_t)(r * c));
    for (uint64_t i = 0; i < r; i++)
        for (uint64_t j = 0; j < c; j++)
            out[i * c + j] = (int8_t)tmp[trans ? j * r + i : i * c + j];
}

/* C[i][j] = sum over ascending kk of fl(A[i][kk] * B[kk][j]): the loop order i, kk, j keeps
 * every C element's additions in ascending k while vectorising over j. No FMA contraction:
 * the build is ISO C (contraction off) and each product is rounded by assignment. */
static void mma_f32(float *C, const float *A, const float *B, uint64_t m, uint64_t n, uint64_t k) {
    for (uint64_t i = 0; i < m; i++) {
        float *c = C + i * n;
        for (uint64_t kk = 0; kk < k; kk++) {
            float a = A[i * k + kk];
            const float *b = B + kk * n;
            for (uint64_t j = 0; j < n; j++) {
                float p = a * b[j];
                c[j] = c[j] + p;
            }
        }
    }
}

static void mma_i32(uint32_t *C, const int32_t *A, const int32_t *B, uint64_t m, uint64_t n,
                    uint64_t k) {
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
    void *A = malloc((size_t)ma * 4), *B = malloc((size_t)mb * 4), *C = malloc((size_t)mc * 4);
    unsigned char *tmp = malloc((size_t)SC_MAX(SC_MAX(ma, mb), mc) * 4);
    sc_status rc = SC_OK;
    if (!A || !B || !C || !tmp) {
        rc = sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for an MMA tile");
        goto out;
    }
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
        rc = sc_err_set(err, SC_ERR_NOMEM, "sim: out of memory for device pages");
out:
    free(A);
    free(B);
    free(C);
    free(tmp);
    return rc;
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
