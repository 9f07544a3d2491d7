// SPDX-License-Identifier: Apache-2.0
// Functional decoder programs (Llama/Mistral/Qwen2/Mixtral/GPT-2): norms, MMA projections, RoPE,
// paged-KV GQA attention, softmax, SwiGLU/GELU/MoE, residuals, classifier, on 1..16 cores.
/*
 * Queues of every core and their hand-offs (semaphores):
 *   load:    token ids + page table -> embeddings -> per layer: weights through the two-slot
 *            ring (llm_emit.c), RoPE rows, and after the store queue wrote this layer's K/V,
 *            the gather of every KV page of the sequence into the scratchpad.
 *   compute: norms, MMAs (weights as the B operand, stored N x K: the `tb` flag), RoPE,
 *            attention on the vector unit (one query row per loop trip, causal by the length
 *            register), SwiGLU / GELU / MoE, residual adds, classifier of the last token.
 *   store:   the new tokens' K/V rows into their pages (core 0), then the core's logits.
 * With several cores the matmul output chunks are dealt round robin and gathered through
 * shared SRAM behind barriers (matmul_mc); everything else is replicated on identical data.
 * Dynamic sizes come from the launch registers: r1 = first position, r2 = tokens T.
 */
#include <math.h>
#include <string.h>

#include "compiler/llm_decoder.h"
#include "compiler/llm_emit.h"

enum {
    SEM_PT = 2,      /* load -> store: page table in the scratchpad */
    SEM_TOK = 3,     /* load -> compute: embeddings in X */
    SEM_KV = 4,      /* compute -> store: this layer's K/V rows are ready */
    SEM_KVDONE = 5,  /* store -> load: they are in HBM */
    SEM_KVFREE = 6,  /* store -> compute: K/V rows may be overwritten */
    SEM_GATHER = 7,  /* load -> compute: KV pages gathered */
    SEM_GFREE = 8,   /* compute -> load: gathered pages consumed */
    SEM_LOGITS = 9,  /* compute -> store: logits ready */
    SEM_CREADY = 10, /* compute -> store: an MMA output chunk is ready (multi-core) */
    SEM_CFREE = 11,  /* store -> compute: the chunk buffer may be reused */
    SEM_GDONE = 12,  /* load -> compute: the gathered matmul output is in the scratchpad */
    SEM_FENCE = 13,  /* a queue's own fence: signal then wait = earlier DMAs completed */
};

/* Barrier ids: matmul gathers rotate over 0..13, KV hand-overs alternate 14/15. A queue cannot
 * get a whole rotation ahead of another, because every barrier needs every participant. */
#define BAR_MM_IDS 14
#define BAR_KV0    14

/* Registers (each queue has its own file; r1/r2 are the launch arguments). */
enum {
    R_POS = 1,
    R_T = 2,
    R_A = 10,
    R_B = 11,
    R_C = 12,
    R_N = 13,
    R_K = 14,
    R_ONE = 15,
    R_ROW = 16,
    R_T1 = 17,
    R_T2 = 18,
    R_L = 19,
    R_Q = 20,
    R_O = 21,
    R_CNT = 22,
    R_D = 23,
    R_S = 24,
    R_P = 25,
    R_BT = 26,
    R_BB = 27,
    R_RB = 28,
    R_8 = 29
};

/* Scratchpad map (byte offsets). */
typedef struct spad {
    uint64_t x, xn, xc, q, k, v, att, h1, h3, ct, ct2, rt[3], nt, ss, kc, vc, tmp, s, mx, sm, tok,
        pt, logits, slot[2], slot_bytes, total;
    uint64_t rg, rw, sel, gw, m1, mxe, gs, ye; /* MoE router state and one expert's output */
} spad;

typedef struct dec {
    lle e;
    const sc_chip *chip;
    const sc_llm_shape *s;
    const sc_llm_layout *lay;
    spad m;
    int tm;   /* bucket: rows of every activation buffer */
    int lmax; /* keys per head in the gathered cache */
    uint64_t qd, kvd, hd, half, maxk;
    sc_dtype wdt, adt; /* layer weights in HBM, MMA A operand */
    sc_dtype sdt, edt; /* weights in the ring slot (MMA B operand), embeddings/classifier */
    uint64_t wes, aes, kes, ses, ees;
    int quant; /* int8 weight-only: slot holds bf16 values + fp32 row scales */
    /* Multi-core: matmul output chunks are dealt round robin to the cores; each core's store
     * queue puts its chunks into one of two shared-SRAM regions, a barrier joins every core's
     * store and load queues, and every load queue copies the whole result back. Everything
     * else runs on every core on identical data. */
    int ncores, core;
    uint64_t sh[2], sh_bytes;
    int n_mm, n_kv; /* gathers and KV hand-overs emitted so far (barrier ids, regions) */
} dec;

static uint64_t al(uint64_t x) {
    return (x + 63) / 64 * 64;
}

static uint64_t place(uint64_t *at, uint64_t n) {
    uint64_t o = *at;
    *at = al(*at + n);
    return o;
}

static void plan_spad(dec *g) {
    uint64_t tm = (uint64_t)g->tm, d = (uint64_t)g->s->dim, h = (uint64_t)g->s->hidden_dim;
    uint64_t lm = (uint64_t)g->lmax, nh = (uint64_t)g->s->n_heads, at = 0;
    spad *m = &g->m;
    m->x = place(&at, tm * d * 4);
    m->xn = place(&at, tm * d * 4);
    m->xc = g->adt == SC_DTYPE_FP32 ? 0 : place(&at, tm * g->maxk * g->aes);
    m->q = place(&at, tm * g->qd * 4);
    m->k = place(&at, tm * g->kvd * 4);
    m->v = place(&at, tm * g->kvd * 4);
    m->att = place(&at, tm * g->qd * 4);
    m->h1 = place(&at, tm * h * 4);
    m->h3 = place(&at, tm * h * 4);
    m->ct = place(&at, tm * (uint64_t)g->chip->sa_cols * 4);
    m->ct2 = g->ncores > 1 ? place(&at, tm * (uint64_t)g->chip->sa_cols * 4) : 0;
    for (int i = 0; i < 3; i++)
        m->rt[i] = place(&at, tm * g->qd / 2 * 4);
    m->nt = place(&at, tm * d * 4);
    m->ss = place(&at, tm * 4);
    m->kc = place(&at, (uint64_t)g->s->n_kv_heads * lm * g->hd * 4);
    m->vc = place(&at, (uint64_t)g->s->n_kv_heads * lm * g->hd * 4);
    m->tmp = place(&at, g->hd * lm * nh * 4);
    m->s = place(&at, nh * lm * 4);
    m->mx = place(&at, nh * 4);
    m->sm = place(&at, nh * 4);
    m->tok = place(&at, tm * 8);
    m->pt = place(&at, (uint64_t)g->lay->max_blocks * 8);
    m->logits = place(&at, (uint64_t)g->s->vocab_size * 4);
    if (g->s->n_experts > 0) {
        uint64_t ne = (uint64_t)g->s->n_experts;
        m->rg = place(&at, tm * ne * 4), m->rw = place(&at, tm * ne * 4);
        m->sel = place(&at, tm * ne * 4), m->gw = place(&at, tm * ne * 4);
        m->m1 = place(&at, tm * 4), m->mxe = place(&at, tm * 4), m->gs = place(&at, tm * 4);
        m->ye = place(&at, tm * d * 4);
    }
    uint64_t sb = 256 * 1024;
    uint64_t need[] = {g->maxk * SC_MAX(g->ses, g->ees) + 128 * 4 + 64, 2 * tm * g->half * 4,
                       2 * al(SC_MAX(d, h) * 4), g->qd * 4, tm * d * 4};
    for (size_t i = 0; i < SC_ARRAY_LEN(need); i++)
        sb = SC_MAX(sb, al(need[i]));
    m->slot_bytes = sb;
    m->slot[0] = place(&at, sb);
    m->slot[1] = place(&at, sb);
    m->total = at;
}

static void init(dec *g, const sc_chip *chip, const sc_llm_shape *s, const sc_llm_layout *lay,
                 int tm, int cores) {
    memset(g, 0, sizeof *g);
    g->chip = chip, g->s = s, g->lay = lay, g->tm = tm, g->lmax = lay->max_seq;
    g->ncores = cores;
    g->hd = (uint64_t)s->head_dim, g->half = g->hd / 2;
    g->qd = (uint64_t)s->n_heads * g->hd, g->kvd = (uint64_t)s->n_kv_heads * g->hd;
    g->maxk = SC_MAX(SC_MAX((uint64_t)s->dim, g->qd), (uint64_t)s->hidden_dim);
    g->quant = lay->wdtype == SC_DTYPE_INT8;
    g->wdt = lay->wdtype, g->edt = lay->edtype;
    g->adt = g->sdt = g->quant ? SC_DTYPE_BF16 : lay->wdtype;
    g->wes = sc_isa_dtype_bytes(g->wdt), g->aes = sc_isa_dtype_bytes(g->adt);
    g->ses = sc_isa_dtype_bytes(g->sdt), g->ees = sc_isa_dtype_bytes(g->edt);
    g->kes = sc_isa_dtype_bytes(lay->kv_dtype);
    g->sh_bytes = al((uint64_t)tm * g->maxk * 4);
    g->sh[0] = 0, g->sh[1] = g->sh_bytes;
    plan_spad(g);
}

static const uint32_t *dims4(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t out[4]) {
    out[0] = a, out[1] = b, out[2] = c, out[3] = d;
    return out;
}

static sc_view sp(uint64_t off, int32_t s0, int32_t s1, int32_t s2, int32_t s3) {
    return lle_view(SC_SPACE_SPAD, SC_DTYPE_FP32, off, s0, s1, s2, s3);
}

/* ---- load-side helpers ---- */

/* One contiguous copy of n elements from HBM (dtype t) at absolute `hbm` into spad `dst` (dtype
 * dt) through registers R_D / R_S. */
static void load_1d(dec *g, uint64_t dst, sc_dtype dt, uint64_t hbm, sc_dtype t, uint64_t n) {
    uint32_t d[4];
    sc_view vd = lle_view(SC_SPACE_SPAD, dt, 0, 1, 0, 0, 0);
    sc_view vs = lle_view(SC_SPACE_HBM, t, 0, 1, 0, 0, 0);
    uint32_t id =
        lle_desc(&g->e, SC_DESC_DMA, dims4((uint32_t)n, 1, 1, 1, d), &vd, &vs, NULL, NULL);
    lle_li(&g->e, SC_QUEUE_LOAD, R_D, (int64_t)dst);
    lle_li(&g->e, SC_QUEUE_LOAD, R_S, (int64_t)hbm);
    lle_dma(&g->e, SC_QUEUE_LOAD, id, R_D, R_S, 0, 0);
}

/* A ring item holding n fp32 values from HBM (norm weights, biases). */
static void ring_vec(dec *g, uint64_t hbm, uint64_t n) {
    uint64_t slot = lle_ring_load_begin(&g->e);
    load_1d(g, slot, SC_DTYPE_FP32, hbm, SC_DTYPE_FP32, n);
    lle_ring_load_end(&g->e);
}

/* ---- compute-side building blocks ---- */

/* D = A op B over a rows x cols activation (rows dynamic: r2), B broadcast by its strides. */
static void vbin(dec *g, sc_opcode op, uint64_t cols, sc_view d, sc_view a, sc_view b) {
    uint32_t dd[4];
    uint32_t id = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)cols, (uint32_t)g->tm, 1, 1, dd), &d,
                           &a, &b, NULL);
    lle_vb(&g->e, op, id, 0, 0, 0, R_T, 1);
}

/* Casts a [T x cols] fp32 activation to the MMA operand type; returns the operand's offset. */
static uint64_t mma_operand(dec *g, uint64_t src, uint64_t cols) {
    if (g->adt == SC_DTYPE_FP32) return src;
    uint32_t dd[4];
    sc_view d = lle_view(SC_SPACE_SPAD, g->adt, g->m.xc, 1, (int32_t)cols, 0, 0);
    sc_view a = sp(src, 1, (int32_t)cols, 0, 0);
    uint32_t id = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)cols, (uint32_t)g->tm, 1, 1, dd), &d,
                           &a, NULL, NULL);
    lle_vu(&g->e, SC_OP_VCAST, id, 0, 0, R_T, 1);
    return g->m.xc;
}

/* RMSNorm of X's T rows into XN with the weight in the next ring item. */
static void rmsnorm(dec *g, uint64_t w_hbm) {
    uint64_t d = (uint64_t)g->s->dim;
    ring_vec(g, w_hbm, d);
    uint64_t w = lle_ring_use_begin(&g->e);
    uint32_t dd[4];
    vbin(g, SC_OP_VMUL, d, sp(g->m.nt, 1, (int32_t)d, 0, 0), sp(g->m.x, 1, (int32_t)d, 0, 0),
         sp(g->m.x, 1, (int32_t)d, 0, 0));
    sc_view ss = sp(g->m.ss, 1, 1, 0, 0), nt = sp(g->m.nt, 1, (int32_t)d, 0, 0);
    uint32_t red = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)d, (uint32_t)g->tm, 1, 1, dd), &ss,
                            &nt, NULL, NULL);
    lle_vred(&g->e, SC_OP_VREDSUM, red, 0, 0, 0, R_T, 1);
    sc_view s1 = sp(g->m.ss, 1, 0, 0, 0);
    uint32_t row =
        lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)g->tm, 1, 1, 1, dd), &s1, &s1, NULL, NULL);
    /* Same order as llama2.c: ss / n + eps, then 1/sqrt. */
    lle_vf(&g->e, SC_OP_VDIVF, row, 0, 0, (float)d, R_T, 0);
    lle_vf(&g->e, SC_OP_VADDF, row, 0, 0, g->s->norm_eps, R_T, 0);
    lle_vu(&g->e, SC_OP_VRSQRT, row, 0, 0, R_T, 0);
    vbin(g, SC_OP_VMUL, d, sp(g->m.xn, 1, (int32_t)d, 0, 0), sp(g->m.x, 1, (int32_t)d, 0, 0),
         sp(g->m.ss, 0, 1, 0, 0));
    vbin(g, SC_OP_VMUL, d, sp(g->m.xn, 1, (int32_t)d, 0, 0), sp(g->m.xn, 1, (int32_t)d, 0, 0),
         sp(w, 1, 0, 0, 0));
    lle_ring_use_end(&g->e);
}

/* LayerNorm (GPT-2) of X's T rows into XN: weight and bias share the next ring item. */
static void layernorm(dec *g, uint64_t w_hbm, uint64_t b_hbm) {
    uint64_t d = (uint64_t)g->s->dim, boff = al(d * 4);
    uint64_t slot = lle_ring_load_begin(&g->e);
    load_1d(g, slot, SC_DTYPE_FP32, w_hbm, SC_DTYPE_FP32, d);
    load_1d(g, slot + boff, SC_DTYPE_FP32, b_hbm, SC_DTYPE_FP32, d);
    lle_ring_load_end(&g->e);
    uint64_t w = lle_ring_use_begin(&g->e);
    uint32_t dd[4];
    int32_t di = (int32_t)d;
    sc_view x = sp(g->m.x, 1, di, 0, 0), xn = sp(g->m.xn, 1, di, 0, 0),
            nt = sp(g->m.nt, 1, di, 0, 0);
    sc_view ssr = sp(g->m.ss, 1, 1, 0, 0), ssb = sp(g->m.ss, 0, 1, 0, 0),
            s1 = sp(g->m.ss, 1, 0, 0, 0);
    uint32_t red_x = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)d, (uint32_t)g->tm, 1, 1, dd),
                              &ssr, &x, NULL, NULL);
    uint32_t red_n = lle_desc(&g->e, SC_DESC_VEC, dd, &ssr, &nt, NULL, NULL);
    uint32_t row =
        lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)g->tm, 1, 1, 1, dd), &s1, &s1, NULL, NULL);
    lle_vred(&g->e, SC_OP_VREDSUM, red_x, 0, 0, 0, R_T, 1);
    lle_vf(&g->e, SC_OP_VDIVF, row, 0, 0, (float)d, R_T, 0); /* mean */
    vbin(g, SC_OP_VSUB, d, xn, x, ssb);
    vbin(g, SC_OP_VMUL, d, nt, xn, xn);
    lle_vred(&g->e, SC_OP_VREDSUM, red_n, 0, 0, 0, R_T, 1);
    lle_vf(&g->e, SC_OP_VDIVF, row, 0, 0, (float)d, R_T, 0); /* variance */
    lle_vf(&g->e, SC_OP_VADDF, row, 0, 0, g->s->norm_eps, R_T, 0);
    lle_vu(&g->e, SC_OP_VRSQRT, row, 0, 0, R_T, 0);
    vbin(g, SC_OP_VMUL, d, xn, xn, ssb);
    vbin(g, SC_OP_VMUL, d, xn, xn, sp(w, 1, 0, 0, 0));
    vbin(g, SC_OP_VADD, d, xn, xn, sp(w + boff, 1, 0, 0, 0));
    lle_ring_use_end(&g->e);
}

typedef enum mm_out { MM_COPY, MM_ADD, MM_LAST_ROW } mm_out;

static void matmul_mc(dec *g, uint64_t a, uint64_t k, uint64_t n, uint64_t w_hbm, uint64_t y,
                      mm_out how);

/* Rows per weight chunk: whole rows that fit a slot (leaving room for int8 row scales), at most
 * the array width. emb: the classifier, stored like the embeddings. */
static uint64_t chunk_rows(const dec *g, uint64_t k, int emb) {
    uint64_t es = emb ? g->ees : g->ses, reserve = g->quant && !emb ? 128 * 4 + 64 : 0;
    return SC_MIN((uint64_t)g->chip->sa_cols, (g->m.slot_bytes - reserve) / (k * es));
}

/* Load queue: rows n0 .. n0+nsub of a [n x k] weight into the next ring item. int8 weights are
 * widened to bf16 by the DMA and their fp32 row scales follow the values in the slot. */
static void ring_weights(dec *g, uint64_t w_hbm, uint64_t n, uint64_t k, uint64_t n0, uint64_t nsub,
                         int emb) {
    uint64_t slot = lle_ring_load_begin(&g->e);
    sc_dtype ht = emb ? g->edt : g->wdt, st = emb ? g->edt : g->sdt;
    uint64_t hes = emb ? g->ees : g->wes;
    load_1d(g, slot, st, w_hbm + n0 * k * hes, ht, nsub * k);
    if (g->quant && !emb)
        load_1d(g, slot + al(nsub * k * g->ses), SC_DTYPE_FP32,
                w_hbm + sc_llm_matrix_scales(g->lay, n, k) + n0 * 4, SC_DTYPE_FP32, nsub);
    lle_ring_load_end(&g->e);
}

/* Compute queue, int8 weights: C[rows x nsub] *= the chunk's row scales (still in the slot). */
static void scale_chunk(dec *g, uint64_t c, uint64_t slot, uint64_t k, uint64_t nsub, int one_row) {
    uint32_t dd[4];
    sc_view cv = sp(c, 1, (int32_t)nsub, 0, 0), sv = sp(slot + al(nsub * k * g->ses), 1, 0, 0, 0);
    uint32_t id = lle_desc(&g->e, SC_DESC_VEC,
                           dims4((uint32_t)nsub, one_row ? 1u : (uint32_t)g->tm, 1, 1, dd), &cv,
                           &cv, &sv, NULL);
    lle_vb(&g->e, SC_OP_VMUL, id, 0, 0, 0, one_row ? 0 : R_T, 1);
}

/* Y[T x n] (=, +=) A[T x k] * W^T with W [n x k] at w_hbm; W streams through the ring in chunks
 * of whole rows (nsub <= array width). MM_LAST_ROW: only A's last row, straight into y. */
static void matmul(dec *g, uint64_t a, uint64_t k, uint64_t n, uint64_t w_hbm, uint64_t y,
                   mm_out how, int emb) {
    if (g->ncores > 1 && how != MM_LAST_ROW) {
        matmul_mc(g, a, k, n, w_hbm, y, how);
        return;
    }
    uint64_t nsub_max = chunk_rows(g, k, emb);
    int scaled = g->quant && !emb;
    for (uint64_t n0 = 0, j = 0; n0 < n; n0 += nsub_max, j++) {
        uint64_t nsub = SC_MIN(nsub_max, n - n0);
        /* The classifier's chunks are dealt to the cores too; each stores its own logits. */
        if ((int)(j % (uint64_t)g->ncores) != g->core) continue;
        ring_weights(g, w_hbm, n, k, n0, nsub, emb);
        uint64_t w = lle_ring_use_begin(&g->e), c = how == MM_LAST_ROW ? y + n0 * 4 : g->m.ct;
        lle_li(&g->e, SC_QUEUE_COMPUTE, R_C, (int64_t)c);
        lle_li(&g->e, SC_QUEUE_COMPUTE, R_A, (int64_t)a);
        if (how == MM_LAST_ROW) {
            int64_t v[] = {R_A, R_A, R_ROW};
            lle_op(&g->e, SC_QUEUE_COMPUTE, SC_OP_ADD, v, 3);
        }
        lle_li(&g->e, SC_QUEUE_COMPUTE, R_B, (int64_t)w);
        lle_li(&g->e, SC_QUEUE_COMPUTE, R_N, (int64_t)nsub);
        lle_li(&g->e, SC_QUEUE_COMPUTE, R_K, (int64_t)k);
        lle_mma(&g->e, R_C, R_A, R_B, how == MM_LAST_ROW ? R_ONE : R_T, R_N, R_K, g->adt,
                emb ? g->edt : g->sdt, SC_MMA_TB);
        if (scaled) scale_chunk(g, c, w, k, nsub, how == MM_LAST_ROW);
        lle_ring_use_end(&g->e);
        if (how == MM_LAST_ROW) continue;
        sc_view yv = sp(y + n0 * 4, 1, (int32_t)n, 0, 0), cv = sp(g->m.ct, 1, (int32_t)nsub, 0, 0);
        if (how == MM_ADD)
            vbin(g, SC_OP_VADD, nsub, yv, yv, cv);
        else {
            uint32_t dd[4];
            uint32_t id =
                lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)nsub, (uint32_t)g->tm, 1, 1, dd), &yv,
                         &cv, NULL, NULL);
            lle_vu(&g->e, SC_OP_VCOPY, id, 0, 0, R_T, 1);
        }
    }
}

/* Own fence of queue q: `signal` waits for every earlier instruction (DMAs included). */
static void fence(dec *g, sc_queue q) {
    lle_sem(&g->e, q, SC_OP_SIGNAL, SEM_FENCE);
    lle_sem(&g->e, q, SC_OP_WAIT, SEM_FENCE);
}

static void barrier(dec *g, sc_queue q, int id, int count) {
    int64_t v[] = {id, count};
    lle_op(&g->e, q, SC_OP_BARRIER, v, 2);
}

/* One [T x cols] fp32 copy between the scratchpad and shared SRAM (rows of `stride` elements on
 * the shared side), rows dynamic (r2). to_shared selects the direction. */
static void shared_copy(dec *g, sc_queue q, uint64_t local, int32_t local_stride, uint64_t sh,
                        int32_t sh_stride, uint64_t cols, int to_shared) {
    uint32_t dd[4];
    sc_view a = sp(local, 1, local_stride, 0, 0);
    sc_view b = lle_view(SC_SPACE_SHARED, SC_DTYPE_FP32, sh, 1, sh_stride, 0, 0);
    uint32_t id = lle_desc(&g->e, SC_DESC_DMA, dims4((uint32_t)cols, (uint32_t)g->tm, 1, 1, dd),
                           to_shared ? &b : &a, to_shared ? &a : &b, NULL, NULL);
    lle_dma(&g->e, q, id, 0, 0, R_T, 1);
}

/* Multi-core matmul: this core's chunks (j % ncores == core) go through the ring and the MMA
 * into alternating chunk buffers, the store queue moves them to shared SRAM, then every core
 * gathers the whole [T x n] result (into y, or into NT and adds it to y for MM_ADD). */
static void matmul_mc(dec *g, uint64_t a, uint64_t k, uint64_t n, uint64_t w_hbm, uint64_t y,
                      mm_out how) {
    lle *e = &g->e;
    uint64_t nsub_max = chunk_rows(g, k, 0);
    uint64_t ct[2] = {g->m.ct, g->m.ct2}, sh = g->sh[g->n_mm & 1];
    int own = 0;
    for (uint64_t n0 = 0, j = 0; n0 < n; n0 += nsub_max, j++) {
        if ((int)(j % (uint64_t)g->ncores) != g->core) continue;
        uint64_t nsub = SC_MIN(nsub_max, n - n0), c = ct[own & 1];
        ring_weights(g, w_hbm, n, k, n0, nsub, 0);
        uint64_t w = lle_ring_use_begin(e);
        if (own >= 2) lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_CFREE);
        lle_li(e, SC_QUEUE_COMPUTE, R_C, (int64_t)c);
        lle_li(e, SC_QUEUE_COMPUTE, R_A, (int64_t)a);
        lle_li(e, SC_QUEUE_COMPUTE, R_B, (int64_t)w);
        lle_li(e, SC_QUEUE_COMPUTE, R_N, (int64_t)nsub);
        lle_li(e, SC_QUEUE_COMPUTE, R_K, (int64_t)k);
        lle_mma(e, R_C, R_A, R_B, R_T, R_N, R_K, g->adt, g->sdt, SC_MMA_TB);
        if (g->quant) scale_chunk(g, c, w, k, nsub, 0);
        lle_ring_use_end(e);
        lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_CREADY);
        lle_sem(e, SC_QUEUE_STORE, SC_OP_WAIT, SEM_CREADY);
        shared_copy(g, SC_QUEUE_STORE, c, (int32_t)nsub, sh + n0 * 4, (int32_t)n, nsub, 1);
        lle_sem(e, SC_QUEUE_STORE, SC_OP_SIGNAL, SEM_CFREE);
        own++;
    }
    for (int i = own >= 2 ? own - 2 : 0; i < own; i++) /* balance CFREE for the next matmul */
        lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_CFREE);
    int bid = g->n_mm % BAR_MM_IDS;
    g->n_mm++;
    fence(g, SC_QUEUE_STORE);
    barrier(g, SC_QUEUE_STORE, bid, 2 * g->ncores);
    barrier(g, SC_QUEUE_LOAD, bid, 2 * g->ncores);
    uint64_t dst = how == MM_ADD ? g->m.nt : y;
    shared_copy(g, SC_QUEUE_LOAD, dst, (int32_t)n, sh, (int32_t)n, n, 0);
    lle_sem(e, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_GDONE);
    lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_GDONE);
    if (how == MM_ADD) {
        sc_view yv = sp(y, 1, (int32_t)n, 0, 0);
        vbin(g, SC_OP_VADD, n, yv, yv, sp(g->m.nt, 1, (int32_t)n, 0, 0));
    }
}

static void add_bias(dec *g, uint64_t y, uint64_t n, uint64_t b_hbm) {
    ring_vec(g, b_hbm, n);
    uint64_t b = lle_ring_use_begin(&g->e);
    sc_view yv = sp(y, 1, (int32_t)n, 0, 0);
    vbin(g, SC_OP_VADD, n, yv, yv, sp(b, 1, 0, 0, 0));
    lle_ring_use_end(&g->e);
}

/* Adjacent-pair rotation of a [T x nh x hd] buffer with cos/sin rows in the ring slot. */
static void rope_apply(dec *g, uint64_t buf, uint64_t nh, uint64_t slot) {
    int32_t hd = (int32_t)g->hd, row = (int32_t)(nh * g->hd), hrow = (int32_t)(nh * g->half);
    uint32_t dd[4];
    dims4((uint32_t)g->half, (uint32_t)nh, (uint32_t)g->tm, 1, dd);
    sc_view qe = sp(buf, 2, hd, row, 0), qo = sp(buf + 4, 2, hd, row, 0);
    sc_view co = sp(slot, 1, 0, (int32_t)g->half, 0);
    sc_view si = sp(slot + (uint64_t)g->tm * g->half * 4, 1, 0, (int32_t)g->half, 0);
    sc_view t[3];
    for (int i = 0; i < 3; i++)
        t[i] = sp(g->m.rt[i], 1, (int32_t)g->half, hrow, 0);
    struct {
        sc_opcode op;
        sc_view d, a, b;
    } seq[] = {{SC_OP_VMUL, t[0], qe, co},     {SC_OP_VMUL, t[1], qo, si},
               {SC_OP_VSUB, t[0], t[0], t[1]}, {SC_OP_VMUL, t[1], qe, si},
               {SC_OP_VMUL, t[2], qo, co},     {SC_OP_VADD, qo, t[1], t[2]}};
    for (size_t i = 0; i < SC_ARRAY_LEN(seq); i++) {
        uint32_t id = lle_desc(&g->e, SC_DESC_VEC, dd, &seq[i].d, &seq[i].a, &seq[i].b, NULL);
        lle_vb(&g->e, seq[i].op, id, 0, 0, 0, R_T, 2);
    }
    uint32_t cp = lle_desc(&g->e, SC_DESC_VEC, dd, &qe, &t[0], NULL, NULL);
    lle_vu(&g->e, SC_OP_VCOPY, cp, 0, 0, R_T, 2);
}

/* Load: cos/sin rows of positions r1 .. r1+T-1 into one ring item (cos first, then sin). */
static void rope_load(dec *g) {
    uint64_t slot = lle_ring_load_begin(&g->e), half = g->half;
    uint32_t dd[4];
    dims4((uint32_t)half, (uint32_t)g->tm, 1, 1, dd);
    lle_li(&g->e, SC_QUEUE_LOAD, R_T1, (int64_t)(half * 4));
    int64_t mulv[] = {R_S, R_POS, R_T1};
    lle_op(&g->e, SC_QUEUE_LOAD, SC_OP_MUL, mulv, 3);
    uint64_t src[2] = {g->lay->rope_cos, g->lay->rope_sin};
    for (int i = 0; i < 2; i++) {
        sc_view d = sp(slot + (uint64_t)i * g->tm * half * 4, 1, (int32_t)half, 0, 0);
        sc_view s = lle_view(SC_SPACE_HBM, SC_DTYPE_FP32, src[i], 1, (int32_t)half, 0, 0);
        uint32_t id = lle_desc(&g->e, SC_DESC_DMA, dd, &d, &s, NULL, NULL);
        lle_dma(&g->e, SC_QUEUE_LOAD, id, 0, R_S, R_T, 1);
    }
    lle_ring_load_end(&g->e);
}

/* Loop helper: emits `loop rc, top` (top = index of the loop body's first instruction). */
static void loop_end(dec *g, sc_queue q, int rc, uint32_t top) {
    int64_t v[] = {rc, top};
    lle_op(&g->e, q, SC_OP_LOOP, v, 2);
}

static void op3(dec *g, sc_queue q, sc_opcode op, int rd, int ra, int rb) {
    int64_t v[] = {rd, ra, rb};
    lle_op(&g->e, q, op, v, 3);
}

static uint32_t addi(dec *g, sc_queue q, int rd, int ra, int64_t imm) {
    int64_t v[] = {rd, ra, imm};
    return lle_op(&g->e, q, SC_OP_ADDI, v, 3);
}

/* GPT-2: X += rows r1 .. r1+T-1 of the learned position table (one ring item). */
static void embed_positions(dec *g) {
    lle *e = &g->e;
    uint64_t d = (uint64_t)g->s->dim, slot = lle_ring_load_begin(e);
    uint32_t dd[4];
    sc_view dv = sp(0, 1, (int32_t)d, 0, 0);
    sc_view sv = lle_view(SC_SPACE_HBM, SC_DTYPE_FP32, g->lay->pos_emb, 1, (int32_t)d, 0, 0);
    uint32_t id = lle_desc(e, SC_DESC_DMA, dims4((uint32_t)d, (uint32_t)g->tm, 1, 1, dd), &dv, &sv,
                           NULL, NULL);
    lle_li(e, SC_QUEUE_LOAD, R_D, (int64_t)slot);
    lle_li(e, SC_QUEUE_LOAD, R_T1, (int64_t)(d * 4));
    op3(g, SC_QUEUE_LOAD, SC_OP_MUL, R_S, R_POS, R_T1);
    lle_dma(e, SC_QUEUE_LOAD, id, R_D, R_S, R_T, 1);
    lle_ring_load_end(e);
    uint64_t w = lle_ring_use_begin(e);
    sc_view x = sp(g->m.x, 1, (int32_t)d, 0, 0);
    vbin(g, SC_OP_VADD, d, x, x, sp(w, 1, (int32_t)d, 0, 0));
    lle_ring_use_end(e);
}

/* Load: token ids and page table (int64 words copied as int32 pairs), then one embedding row
 * per token (converted to fp32 by the DMA). */
static void embed(dec *g) {
    lle *e = &g->e;
    const sc_llm_layout *y = g->lay;
    load_1d(g, g->m.tok, SC_DTYPE_INT32, y->tokens, SC_DTYPE_INT32, (uint64_t)g->tm * 2);
    load_1d(g, g->m.pt, SC_DTYPE_INT32, y->page_table, SC_DTYPE_INT32, (uint64_t)y->max_blocks * 2);
    lle_sem(e, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_PT);
    uint64_t d = (uint64_t)g->s->dim;
    uint32_t dd[4];
    sc_view dv = sp(0, 1, 0, 0, 0), sv = lle_view(SC_SPACE_HBM, g->edt, y->tok_emb, 1, 0, 0, 0);
    uint32_t id = lle_desc(e, SC_DESC_DMA, dims4((uint32_t)d, 1, 1, 1, dd), &dv, &sv, NULL, NULL);
    addi(g, SC_QUEUE_LOAD, R_CNT, R_T, 0);
    lle_li(e, SC_QUEUE_LOAD, R_P, (int64_t)g->m.tok);
    lle_li(e, SC_QUEUE_LOAD, R_D, (int64_t)g->m.x);
    lle_li(e, SC_QUEUE_LOAD, R_BB, (int64_t)(d * g->ees));
    int64_t lds[] = {R_S, R_P, 0};
    uint32_t top = lle_op(e, SC_QUEUE_LOAD, SC_OP_LDS, lds, 3);
    op3(g, SC_QUEUE_LOAD, SC_OP_MUL, R_S, R_S, R_BB);
    lle_dma(e, SC_QUEUE_LOAD, id, R_D, R_S, 0, 0);
    addi(g, SC_QUEUE_LOAD, R_P, R_P, 8);
    addi(g, SC_QUEUE_LOAD, R_D, R_D, (int64_t)(d * 4));
    loop_end(g, SC_QUEUE_LOAD, R_CNT, top);
    lle_sem(e, SC_QUEUE_LOAD, SC_OP_SIGNAL, SEM_TOK);
    lle_sem(e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_TOK);
    if (g->s->gpt2) embed_positions(g);
}

/* Byte offset of layer l's K (kv = 0) or V (kv = 1) rows inside a KV page. */
static uint64_t page_part(const dec *g, int l, int kv) {
    return ((uint64_t)l * 2 + (uint64_t)kv) * (uint64_t)g->lay->block_tokens * g->kvd * g->kes;
}

/* Store: the T new K/V rows of layer l into their pages (position r1 + t). */
static void kv_store(dec *g, int l) {
    lle *e = &g->e;
    const sc_queue q = SC_QUEUE_STORE;
    if (l == 0) lle_sem(e, q, SC_OP_WAIT, SEM_PT);
    lle_sem(e, q, SC_OP_WAIT, SEM_KV);
    if (g->core != 0) { /* core 0 writes the cache; the others only pass the hand-offs on */
        lle_sem(e, q, SC_OP_SIGNAL, SEM_KVDONE);
        lle_sem(e, q, SC_OP_SIGNAL, SEM_KVFREE);
        return;
    }
    uint32_t dd[4];
    dims4((uint32_t)g->kvd, 1, 1, 1, dd);
    sc_view src[2] = {sp(g->m.k, 1, 0, 0, 0), sp(g->m.v, 1, 0, 0, 0)};
    uint32_t id[2];
    for (int kv = 0; kv < 2; kv++) {
        sc_view dst = lle_view(SC_SPACE_HBM, g->lay->kv_dtype,
                               g->lay->kv_pool + page_part(g, l, kv), 1, 0, 0, 0);
        id[kv] = lle_desc(e, SC_DESC_DMA, dd, &dst, &src[kv], NULL, NULL);
    }
    addi(g, q, R_CNT, R_T, 0);
    addi(g, q, R_P, R_POS, 0);
    lle_li(e, q, R_S, 0);
    lle_li(e, q, R_BT, g->lay->block_tokens);
    lle_li(e, q, R_BB, (int64_t)g->lay->block_bytes);
    lle_li(e, q, R_RB, (int64_t)(g->kvd * g->kes));
    lle_li(e, q, R_8, 8);
    uint32_t top = 0;
    {
        int64_t v[] = {R_T1, R_P, R_BT};
        top = lle_op(e, q, SC_OP_DIV, v, 3); /* logical block */
    }
    op3(g, q, SC_OP_REM, R_T2, R_P, R_BT); /* slot in the block */
    op3(g, q, SC_OP_MUL, R_T1, R_T1, R_8);
    int64_t lds[] = {R_T1, R_T1, (int64_t)g->m.pt};
    lle_op(e, q, SC_OP_LDS, lds, 3); /* physical block */
    op3(g, q, SC_OP_MUL, R_T1, R_T1, R_BB);
    op3(g, q, SC_OP_MUL, R_T2, R_T2, R_RB);
    op3(g, q, SC_OP_ADD, R_D, R_T1, R_T2);
    lle_dma(e, q, id[0], R_D, R_S, 0, 0);
    lle_dma(e, q, id[1], R_D, R_S, 0, 0);
    addi(g, q, R_P, R_P, 1);
    addi(g, q, R_S, R_S, (int64_t)(g->kvd * 4));
    loop_end(g, q, R_CNT, top);
    if (g->ncores > 1) fence(g, q);
    lle_sem(e, q, SC_OP_SIGNAL, SEM_KVDONE);
    lle_sem(e, q, SC_OP_SIGNAL, SEM_KVFREE);
    /* Every core's load queue gathers the pages after this barrier. */
    if (g->ncores > 1) barrier(g, q, BAR_KV0 + (g->n_kv & 1), g->ncores + 1);
}

/* Load: every page of positions 0 .. r1+T-1 of layer l into KC/VC ([n_kv][lmax][hd], fp32). */
static void kv_gather(dec *g, int l) {
    lle *e = &g->e;
    const sc_queue q = SC_QUEUE_LOAD;
    lle_sem(e, q, SC_OP_WAIT, SEM_KVDONE);
    if (l > 0) lle_sem(e, q, SC_OP_WAIT, SEM_GFREE);
    if (g->ncores > 1) barrier(g, q, BAR_KV0 + (g->n_kv & 1), g->ncores + 1);
    g->n_kv++;
    uint32_t dd[4];
    int32_t hd = (int32_t)g->hd, B = g->lay->block_tokens;
    dims4((uint32_t)g->hd, (uint32_t)g->s->n_kv_heads, (uint32_t)B, 1, dd);
    uint64_t dst_off[2] = {g->m.kc, g->m.vc};
    uint32_t id[2];
    for (int kv = 0; kv < 2; kv++) {
        sc_view d = sp(dst_off[kv], 1, g->lmax * hd, hd, 0);
        sc_view s = lle_view(SC_SPACE_HBM, g->lay->kv_dtype, g->lay->kv_pool + page_part(g, l, kv),
                             1, hd, (int32_t)g->kvd, 0);
        id[kv] = lle_desc(e, SC_DESC_DMA, dd, &d, &s, NULL, NULL);
    }
    op3(g, q, SC_OP_ADD, R_T1, R_POS, R_T);
    addi(g, q, R_T1, R_T1, B - 1);
    lle_li(e, q, R_BT, B);
    op3(g, q, SC_OP_DIV, R_CNT, R_T1, R_BT);
    lle_li(e, q, R_P, (int64_t)g->m.pt);
    lle_li(e, q, R_D, 0);
    lle_li(e, q, R_BB, (int64_t)g->lay->block_bytes);
    int64_t lds[] = {R_S, R_P, 0};
    uint32_t top = lle_op(e, q, SC_OP_LDS, lds, 3);
    op3(g, q, SC_OP_MUL, R_S, R_S, R_BB);
    lle_dma(e, q, id[0], R_D, R_S, 0, 0);
    lle_dma(e, q, id[1], R_D, R_S, 0, 0);
    addi(g, q, R_P, R_P, 8);
    addi(g, q, R_D, R_D, (int64_t)B * hd * 4);
    loop_end(g, q, R_CNT, top);
    lle_sem(e, q, SC_OP_SIGNAL, SEM_GATHER);
}

/* Compute: causal GQA attention, one query row per trip; R_L = keys visible to the row. All heads
 * at once: dims (hd, L, rep, n_kv) for the two contractions, (L, n_heads) for the softmax. */
static void attention(dec *g) {
    lle *e = &g->e;
    const sc_queue q = SC_QUEUE_COMPUTE;
    int32_t hd = (int32_t)g->hd, lm = g->lmax, nkv = g->s->n_kv_heads;
    int32_t rep = g->s->n_heads / nkv, nh = g->s->n_heads;
    uint32_t d4[4], d2[4];
    dims4((uint32_t)hd, (uint32_t)lm, (uint32_t)rep, (uint32_t)nkv, d4);
    dims4((uint32_t)lm, (uint32_t)nh, 1, 1, d2);
    sc_view tmp = sp(g->m.tmp, 1, hd, lm * hd, rep * lm * hd);
    sc_view kc = sp(g->m.kc, 1, hd, 0, lm * hd), vc = sp(g->m.vc, 1, hd, 0, lm * hd);
    sc_view qv = sp(g->m.q, 1, 0, hd, rep * hd);
    /* Reduction destinations need a non-zero stride on the reduced axis (it is ignored);
     * broadcast operands need stride 0 there: hence the _r / _b pairs. */
    sc_view s4r = sp(g->m.s, 1, 1, lm, rep * lm), s4b = sp(g->m.s, 0, 1, lm, rep * lm);
    sc_view s2 = sp(g->m.s, 1, lm, 0, 0);
    sc_view mxr = sp(g->m.mx, 1, 1, 0, 0), smr = sp(g->m.sm, 1, 1, 0, 0);
    sc_view mxb = sp(g->m.mx, 0, 1, 0, 0), smb = sp(g->m.sm, 0, 1, 0, 0);
    sc_view out = sp(g->m.att, 1, 1, hd, rep * hd);
    uint32_t qk = lle_desc(e, SC_DESC_VEC, d4, &tmp, &kc, &qv, NULL);
    uint32_t red = lle_desc(e, SC_DESC_VEC, d4, &s4r, &tmp, NULL, NULL);
    uint32_t sc1 = lle_desc(e, SC_DESC_VEC, d2, &s2, &s2, NULL, NULL);
    uint32_t rmax = lle_desc(e, SC_DESC_VEC, d2, &mxr, &s2, NULL, NULL);
    uint32_t sub = lle_desc(e, SC_DESC_VEC, d2, &s2, &s2, &mxb, NULL);
    uint32_t rsum = lle_desc(e, SC_DESC_VEC, d2, &smr, &s2, NULL, NULL);
    uint32_t div = lle_desc(e, SC_DESC_VEC, d2, &s2, &s2, &smb, NULL);
    uint32_t pv = lle_desc(e, SC_DESC_VEC, d4, &tmp, &vc, &s4b, NULL);
    uint32_t red2 = lle_desc(e, SC_DESC_VEC, d4, &out, &tmp, NULL, NULL);
    lle_sem(e, q, SC_OP_WAIT, SEM_GATHER);
    addi(g, q, R_CNT, R_T, 0);
    addi(g, q, R_L, R_POS, 1);
    lle_li(e, q, R_Q, 0);
    uint32_t top = 0;
    {
        int64_t v[] = {qk, 0, 0, R_Q, R_L, 1};
        top = lle_op(e, q, SC_OP_VMUL, v, 6);
    }
    lle_vred(e, SC_OP_VREDSUM, red, 0, 0, 0, R_L, 1);
    lle_vf(e, SC_OP_VDIVF, sc1, 0, 0, sqrtf((float)hd), R_L, 0);
    lle_vred(e, SC_OP_VREDMAX, rmax, 0, 0, 0, R_L, 0);
    lle_vb(e, SC_OP_VSUB, sub, 0, 0, 0, R_L, 0);
    lle_vu(e, SC_OP_VEXP, sc1, 0, 0, R_L, 0);
    lle_vred(e, SC_OP_VREDSUM, rsum, 0, 0, 0, R_L, 0);
    lle_vb(e, SC_OP_VDIV, div, 0, 0, 0, R_L, 0);
    lle_vb(e, SC_OP_VMUL, pv, 0, 0, 0, R_L, 1);
    lle_vred(e, SC_OP_VREDSUM, red2, R_Q, 0, 1, R_L, 1);
    addi(g, q, R_L, R_L, 1);
    addi(g, q, R_Q, R_Q, (int64_t)(g->qd * 4));
    loop_end(g, q, R_CNT, top);
    lle_sem(e, q, SC_OP_SIGNAL, SEM_GFREE);
}

/* GELU, tanh form (GPT-2's gelu_new), in place on a [T x n] buffer using H1 as scratch:
 * 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))). */
static void gelu_tanh(dec *g, uint64_t buf, uint64_t n) {
    uint32_t dd[4];
    int32_t ni = (int32_t)n;
    sc_view x = sp(buf, 1, ni, 0, 0), t = sp(g->m.h1, 1, ni, 0, 0);
    uint32_t tt = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)n, (uint32_t)g->tm, 1, 1, dd), &t,
                           &t, NULL, NULL);
    vbin(g, SC_OP_VMUL, n, t, x, x);
    vbin(g, SC_OP_VMUL, n, t, t, x);
    lle_vf(&g->e, SC_OP_VMULF, tt, 0, 0, 0.044715f, R_T, 1);
    vbin(g, SC_OP_VADD, n, t, t, x);
    lle_vf(&g->e, SC_OP_VMULF, tt, 0, 0, 0.7978845608f, R_T, 1);
    lle_vu(&g->e, SC_OP_VTANH, tt, 0, 0, R_T, 1);
    lle_vf(&g->e, SC_OP_VADDF, tt, 0, 0, 1.0f, R_T, 1);
    vbin(g, SC_OP_VMUL, n, t, t, x);
    uint32_t out = lle_desc(&g->e, SC_DESC_VEC, dd, &x, &t, NULL, NULL);
    lle_vf(&g->e, SC_OP_VMULF, out, 0, 0, 0.5f, R_T, 1);
}

/* GPT-2 block: LayerNorm, q/k/v with biases (no RoPE), attention, Wo + bo, LayerNorm,
 * up + b3, GELU, down + b2. */
static void layer_gpt2(dec *g, int l) {
    const sc_llm_layer_offsets *lo = &g->lay->lo;
    uint64_t base = g->lay->layer_base + (uint64_t)l * g->lay->layer_stride,
             d = (uint64_t)g->s->dim;
    uint64_t h = (uint64_t)g->s->hidden_dim;
    layernorm(g, base + lo->attn_norm, base + lo->attn_norm_b);
    uint64_t a = mma_operand(g, g->m.xn, d);
    matmul(g, a, d, g->qd, base + lo->wq, g->m.q, MM_COPY, 0);
    add_bias(g, g->m.q, g->qd, base + lo->bq);
    if (l > 0) lle_sem(&g->e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_KVFREE);
    matmul(g, a, d, g->kvd, base + lo->wk, g->m.k, MM_COPY, 0);
    add_bias(g, g->m.k, g->kvd, base + lo->bk);
    matmul(g, a, d, g->kvd, base + lo->wv, g->m.v, MM_COPY, 0);
    add_bias(g, g->m.v, g->kvd, base + lo->bv);
    lle_sem(&g->e, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_KV);
    kv_store(g, l);
    kv_gather(g, l);
    attention(g);
    matmul(g, mma_operand(g, g->m.att, g->qd), g->qd, d, base + lo->wo, g->m.x, MM_ADD, 0);
    add_bias(g, g->m.x, d, base + lo->bo);
    layernorm(g, base + lo->ffn_norm, base + lo->ffn_norm_b);
    matmul(g, mma_operand(g, g->m.xn, d), d, h, base + lo->w3, g->m.h3, MM_COPY, 0);
    add_bias(g, g->m.h3, h, base + lo->b3);
    gelu_tanh(g, g->m.h3, h);
    matmul(g, mma_operand(g, g->m.h3, h), h, d, base + lo->w2, g->m.x, MM_ADD, 0);
    add_bias(g, g->m.x, d, base + lo->b2);
}

/* MoE router: G[T x E] = softmax over each row's top-k router logits, exactly 0 elsewhere.
 * Top-k by repeated row max: the j-th max is pushed down by 1e30 before the next; SEL marks
 * logits >= the k-th max (exact ties would select more than k: measure zero for real weights). */
static void moe_router(dec *g, uint64_t a, uint64_t gate_hbm) {
    uint64_t ne = (uint64_t)g->s->n_experts;
    int32_t n = (int32_t)ne;
    matmul(g, a, (uint64_t)g->s->dim, ne, gate_hbm, g->m.rg, MM_COPY, 0);
    uint32_t dd[4];
    dims4((uint32_t)ne, (uint32_t)g->tm, 1, 1, dd);
    sc_view rg = sp(g->m.rg, 1, n, 0, 0), rw = sp(g->m.rw, 1, n, 0, 0);
    sc_view sel = sp(g->m.sel, 1, n, 0, 0), gw = sp(g->m.gw, 1, n, 0, 0);
    sc_view mxr = sp(g->m.mxe, 1, 1, 0, 0), mxb = sp(g->m.mxe, 0, 1, 0, 0);
    sc_view m1 = sp(g->m.m1, 1, 0, 0, 0), m1b = sp(g->m.m1, 0, 1, 0, 0);
    sc_view gsr = sp(g->m.gs, 1, 1, 0, 0), gsb = sp(g->m.gs, 0, 1, 0, 0),
            mx1 = sp(g->m.mxe, 1, 0, 0, 0);
    uint32_t cp = lle_desc(&g->e, SC_DESC_VEC, dd, &rw, &rg, NULL, NULL);
    lle_vu(&g->e, SC_OP_VCOPY, cp, 0, 0, R_T, 1);
    uint32_t rmax = lle_desc(&g->e, SC_DESC_VEC, dd, &mxr, &rw, NULL, NULL);
    uint32_t selm = lle_desc(&g->e, SC_DESC_VEC, dd, &sel, &sel, NULL, NULL);
    for (int j = 0; j < g->s->n_experts_used; j++) {
        lle_vred(&g->e, SC_OP_VREDMAX, rmax, 0, 0, 0, R_T, 1);
        if (j == 0) {
            uint32_t d1[4];
            uint32_t id = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)g->tm, 1, 1, 1, d1), &m1,
                                   &mx1, NULL, NULL);
            lle_vu(&g->e, SC_OP_VCOPY, id, 0, 0, R_T, 0);
        }
        if (j + 1 == g->s->n_experts_used) break;
        vbin(g, SC_OP_VEQ, ne, sel, rw, mxb);
        lle_vf(&g->e, SC_OP_VMULF, selm, 0, 0, 1e30f, R_T, 1);
        vbin(g, SC_OP_VSUB, ne, rw, rw, sel);
    }
    vbin(g, SC_OP_VGE, ne, sel, rg, mxb);
    vbin(g, SC_OP_VSUB, ne, gw, rg, m1b);
    uint32_t ex = lle_desc(&g->e, SC_DESC_VEC, dd, &gw, &gw, NULL, NULL);
    lle_vu(&g->e, SC_OP_VEXP, ex, 0, 0, R_T, 1);
    vbin(g, SC_OP_VMUL, ne, gw, gw, sel);
    uint32_t rsum = lle_desc(&g->e, SC_DESC_VEC, dd, &gsr, &gw, NULL, NULL);
    lle_vred(&g->e, SC_OP_VREDSUM, rsum, 0, 0, 0, R_T, 1);
    vbin(g, SC_OP_VDIV, ne, gw, gw, gsb);
}

/* Mixtral FFN, dense dispatch: every expert runs, its output is scaled by its router weight
 * (exactly 0 for experts a token was not routed to) and added to the residual. */
static void moe_ffn(dec *g, uint64_t base) {
    const sc_llm_layer_offsets *lo = &g->lay->lo;
    uint64_t d = (uint64_t)g->s->dim, h = (uint64_t)g->s->hidden_dim;
    moe_router(g, mma_operand(g, g->m.xn, d), base + lo->moe_gate);
    sc_view h1 = sp(g->m.h1, 1, (int32_t)h, 0, 0), h3 = sp(g->m.h3, 1, (int32_t)h, 0, 0);
    sc_view ye = sp(g->m.ye, 1, (int32_t)d, 0, 0), x = sp(g->m.x, 1, (int32_t)d, 0, 0);
    uint32_t dd[4];
    uint32_t si = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)h, (uint32_t)g->tm, 1, 1, dd), &h1,
                           &h1, NULL, NULL);
    for (int e = 0; e < g->s->n_experts; e++) {
        uint64_t a = mma_operand(g, g->m.xn, d),
                 ew = (uint64_t)e * sc_llm_matrix_bytes(g->lay, h, d);
        matmul(g, a, d, h, base + lo->w1 + ew, g->m.h1, MM_COPY, 0);
        matmul(g, a, d, h, base + lo->w3 + ew, g->m.h3, MM_COPY, 0);
        lle_vu(&g->e, SC_OP_VSILU, si, 0, 0, R_T, 1);
        vbin(g, SC_OP_VMUL, h, h1, h1, h3);
        matmul(g, mma_operand(g, g->m.h1, h), h, d,
               base + lo->w2 + (uint64_t)e * sc_llm_matrix_bytes(g->lay, d, h), g->m.ye, MM_COPY,
               0);
        vbin(g, SC_OP_VMUL, d, ye, ye, sp(g->m.gw + (uint64_t)e * 4, 0, g->s->n_experts, 0, 0));
        vbin(g, SC_OP_VADD, d, x, x, ye);
    }
}

static void layer(dec *g, int l) {
    if (g->s->gpt2) {
        layer_gpt2(g, l);
        return;
    }
    const sc_llm_layout *y = g->lay;
    const sc_llm_layer_offsets *lo = &y->lo;
    uint64_t base = y->layer_base + (uint64_t)l * y->layer_stride, d = (uint64_t)g->s->dim;
    uint64_t h = (uint64_t)g->s->hidden_dim;
    rmsnorm(g, base + lo->attn_norm);
    uint64_t a = mma_operand(g, g->m.xn, d);
    matmul(g, a, d, g->qd, base + lo->wq, g->m.q, MM_COPY, 0);
    if (g->s->qkv_bias) add_bias(g, g->m.q, g->qd, base + lo->bq);
    /* K/V rows of the previous layer must have reached HBM before they are overwritten. */
    if (l > 0) lle_sem(&g->e, SC_QUEUE_COMPUTE, SC_OP_WAIT, SEM_KVFREE);
    matmul(g, a, d, g->kvd, base + lo->wk, g->m.k, MM_COPY, 0);
    if (g->s->qkv_bias) add_bias(g, g->m.k, g->kvd, base + lo->bk);
    matmul(g, a, d, g->kvd, base + lo->wv, g->m.v, MM_COPY, 0);
    if (g->s->qkv_bias) add_bias(g, g->m.v, g->kvd, base + lo->bv);
    rope_load(g);
    uint64_t slot = lle_ring_use_begin(&g->e);
    rope_apply(g, g->m.q, (uint64_t)g->s->n_heads, slot);
    rope_apply(g, g->m.k, (uint64_t)g->s->n_kv_heads, slot);
    lle_ring_use_end(&g->e);
    lle_sem(&g->e, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_KV);
    kv_store(g, l);
    kv_gather(g, l);
    attention(g);
    matmul(g, mma_operand(g, g->m.att, g->qd), g->qd, d, base + lo->wo, g->m.x, MM_ADD, 0);
    rmsnorm(g, base + lo->ffn_norm);
    if (g->s->n_experts > 0) {
        moe_ffn(g, base);
        return;
    }
    a = mma_operand(g, g->m.xn, d);
    matmul(g, a, d, h, base + lo->w1, g->m.h1, MM_COPY, 0);
    matmul(g, a, d, h, base + lo->w3, g->m.h3, MM_COPY, 0);
    sc_view h1 = sp(g->m.h1, 1, (int32_t)h, 0, 0), h3 = sp(g->m.h3, 1, (int32_t)h, 0, 0);
    uint32_t dd[4];
    uint32_t id = lle_desc(&g->e, SC_DESC_VEC, dims4((uint32_t)h, (uint32_t)g->tm, 1, 1, dd), &h1,
                           &h1, NULL, NULL);
    lle_vu(&g->e, SC_OP_VSILU, id, 0, 0, R_T, 1);
    vbin(g, SC_OP_VMUL, h, h1, h1, h3);
    matmul(g, mma_operand(g, g->m.h1, h), h, d, base + lo->w2, g->m.x, MM_ADD, 0);
}

static void classifier(dec *g) {
    uint64_t d = (uint64_t)g->s->dim;
    if (g->s->gpt2)
        layernorm(g, g->lay->out_norm, g->lay->out_norm_b);
    else
        rmsnorm(g, g->lay->out_norm);
    uint64_t a = mma_operand(g, g->m.xn, d);
    /* Only the last token's logits are needed: A row T-1. */
    lle_li(&g->e, SC_QUEUE_COMPUTE, R_ONE, 1);
    lle_li(&g->e, SC_QUEUE_COMPUTE, R_T1, (int64_t)(d * g->aes));
    int64_t sub[] = {R_ROW, R_T, R_ONE}, mul[] = {R_ROW, R_ROW, R_T1};
    lle_op(&g->e, SC_QUEUE_COMPUTE, SC_OP_SUB, sub, 3);
    lle_op(&g->e, SC_QUEUE_COMPUTE, SC_OP_MUL, mul, 3);
    matmul(g, a, d, (uint64_t)g->s->vocab_size, g->lay->cls, g->m.logits, MM_LAST_ROW, 1);
    lle_sem(&g->e, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, SEM_LOGITS);
    lle_sem(&g->e, SC_QUEUE_STORE, SC_OP_WAIT, SEM_LOGITS);
    /* Each core stores the logits of its own classifier chunks (the same dealing as matmul). */
    uint64_t v = (uint64_t)g->s->vocab_size;
    uint64_t nsub_max = chunk_rows(g, d, 1);
    uint64_t per = nsub_max * (uint64_t)g->ncores;
    uint32_t dd[4];
    for (uint64_t n0 = nsub_max * (uint64_t)g->core; n0 < v; n0 += per) {
        uint64_t nsub = SC_MIN(nsub_max, v - n0);
        sc_view dv = lle_view(SC_SPACE_HBM, SC_DTYPE_FP32, 0, 1, 0, 0, 0), sv = sp(0, 1, 0, 0, 0);
        uint32_t id =
            lle_desc(&g->e, SC_DESC_DMA, dims4((uint32_t)nsub, 1, 1, 1, dd), &dv, &sv, NULL, NULL);
        lle_li(&g->e, SC_QUEUE_STORE, R_D, (int64_t)(g->lay->logits + n0 * 4));
        lle_li(&g->e, SC_QUEUE_STORE, R_S, (int64_t)(g->m.logits + n0 * 4));
        lle_dma(&g->e, SC_QUEUE_STORE, id, R_D, R_S, 0, 0);
    }
}

uint64_t sc_llm_program_spad_bytes(const sc_chip *chip, const sc_llm_shape *s,
                                   const sc_llm_layout *lay, int max_tokens, int cores) {
    dec g;
    init(&g, chip, s, lay, max_tokens, cores);
    return g.m.total;
}

static sc_status check(const dec *g, sc_err *err) {
    if (g->ncores < 1 || g->ncores > g->chip->cores)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "llm program: %d cores requested, %s has %d",
                          g->ncores, g->chip->name, g->chip->cores);
    if (g->ncores > 1 && (double)(2 * g->sh_bytes) > g->chip->shared_sram_bytes)
        return sc_err_set(err, SC_ERR_LIMIT, "llm program: gather buffers exceed shared SRAM");
    if (g->tm < 1 || g->tm > g->chip->sa_rows || g->tm > 1024)
        return sc_err_set(err, SC_ERR_LIMIT, "llm program: bucket of %d tokens is outside [1, %d]",
                          g->tm, SC_MIN(g->chip->sa_rows, 1024));
    if ((double)g->m.total > g->chip->scratchpad_bytes)
        return sc_err_set(err, SC_ERR_LIMIT,
                          "llm program: working set of %.1f MiB does not fit the %.1f MiB "
                          "scratchpad of %s (functional path, context %d)",
                          g->m.total / 1048576.0, g->chip->scratchpad_bytes / 1048576.0,
                          g->chip->name, g->lmax);
    if (g->lay->total_bytes > (uint64_t)sc_dram_capacity(&g->chip->hbm))
        return sc_err_set(err, SC_ERR_LIMIT, "llm program: model needs %.2f GB of HBM, %s has %.2f",
                          g->lay->total_bytes / 1e9, g->chip->name,
                          sc_dram_capacity(&g->chip->hbm) / 1e9);
    return SC_OK;
}

sc_status sc_llm_program_build(const sc_chip *chip, const sc_llm_shape *s, const sc_llm_layout *lay,
                               int max_tokens, int cores, sc_program **out, sc_err *err) {
    *out = NULL;
    dec g;
    init(&g, chip, s, lay, max_tokens, cores);
    sc_status st = check(&g, err);
    if (st != SC_OK) return st;
    if ((st = sc_program_create(cores, &g.e.p, err)) != SC_OK) return st;
    g.e.err = err;
    g.e.slot[0] = g.m.slot[0], g.e.slot[1] = g.m.slot[1], g.e.slot_bytes = g.m.slot_bytes;
    g.e.st = sc_program_set_name(g.e.p, max_tokens == 1 ? "llm_decode" : "llm_prefill", err);
    /* Every core gets the whole program; only the dealing of matmul chunks differs. */
    for (int c = 0; c < cores && g.e.st == SC_OK; c++) {
        g.core = g.e.core = c;
        g.e.n_loaded = g.e.n_used = 0;
        g.n_mm = g.n_kv = 0;
        lle_li(&g.e, SC_QUEUE_COMPUTE, R_ONE, 1);
        embed(&g);
        for (int l = 0; l < s->n_layers; l++)
            layer(&g, l);
        classifier(&g);
    }
    st = g.e.st;
    if (st == SC_OK) st = sc_program_validate(g.e.p, err);
    if (st != SC_OK) {
        sc_program_destroy(g.e.p);
        return st;
    }
    *out = g.e.p;
    return SC_OK;
}
