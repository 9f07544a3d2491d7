// SPDX-License-Identifier: Apache-2.0
// Flash-style attention kernel (decode and prefill) over KV blocks streamed from HBM.
#include <string.h>

#include "compiler/llmk.h"
#include "compiler/llmk_emit.h"

/* Semaphores: KV slot ready/free, Q ready/free, O done/free. */
enum { S_READY = 0, S_FREE = 1, S_QREADY = 2, S_QFREE = 3, S_ODONE = 4, S_OFREE = 5, S_COPIED = 6 };
/* Base registers (the emit helpers use r10..r13). */
enum { R_D = 16, R_A = 17, R_B = 18 };

sc_llmk_attn_params sc_llmk_attn_default_params(void) {
    sc_llmk_attn_params p;
    memset(&p, 0, sizeof p);
    p.items = 1;
    p.n_blocks = 1;
    p.m_rows = 1;
    p.dk = p.dv = 128;
    p.kv_dtype = SC_DTYPE_BF16;
    return p;
}

/* Scratchpad layout of one core (byte offsets). */
typedef struct attn_lay {
    uint64_t q, k[2], v[2], s, pm, o, mo, mn, l, lb, corr, end;
} attn_lay;

typedef struct attn_gen {
    llmk_gen g;
    const sc_chip *chip;
    sc_llmk_attn_params p;
    int blk, cw, nch; /* block tokens, V/O column chunk width, chunks */
    uint64_t es;
    attn_lay L;
    uint64_t hbm_q, hbm_kv, hbm_v, hbm_o; /* hbm_v: V tensor of a token-major cache */
    uint64_t hbm_new;                     /* new K/V rows an appending kernel copies in */
    int pitch, heads_row;                 /* KV row pitch (elements), heads sharing a row */
    uint32_t d_q, d_k, d_v, d_vrel, d_o;  /* DMA descriptors */
    uint32_t d_appk, d_appv;              /* new K / V block rows into the cache (HBM to HBM) */
    uint32_t v_rowmax, v_rowsum, v_subb, v_exp, v_cast; /* m x blk */
    uint32_t v_max, v_sub, v_mul, v_add, v_copy;        /* m-vectors */
    uint32_t v_oscale, v_odiv;                          /* O (m x dv) by an m-vector */
} attn_gen;

static attn_lay layout(int m, int dk, int dv, int blk, uint64_t es, int v_in_k) {
    attn_lay L;
    uint64_t a = 64, x = 0;
    L.q = x, x = llmk_align(x + (uint64_t)m * dk * es, a);
    for (int i = 0; i < 2; i++)
        L.k[i] = x, x = llmk_align(x + (uint64_t)blk * dk * es, a);
    /* V slots hold the block in column chunks of the array width (dense MMA B operands); with
     * v_in_k they are filled from the K slot by a scratchpad-to-scratchpad re-layout. */
    (void)v_in_k;
    for (int i = 0; i < 2; i++)
        L.v[i] = x, x = llmk_align(x + (uint64_t)blk * dv * es, a);
    L.s = x, x = llmk_align(x + (uint64_t)m * blk * 4, a);
    L.pm = x, x = llmk_align(x + (uint64_t)m * blk * es, a);
    L.o = x, x = llmk_align(x + (uint64_t)m * dv * 4, a);
    L.mo = x, x = llmk_align(x + (uint64_t)m * 4, a);
    L.mn = x, x = llmk_align(x + (uint64_t)m * 4, a);
    L.l = x, x = llmk_align(x + (uint64_t)m * 4, a);
    L.lb = x, x = llmk_align(x + (uint64_t)m * 4, a);
    L.corr = x, x = llmk_align(x + (uint64_t)m * 4, a);
    L.end = x;
    return L;
}

static void make_descs(attn_gen *a) {
    llmk_gen *g = &a->g;
    int m = a->p.m_rows, dk = a->p.dk, dv = a->p.dv, blk = a->blk, cw = a->cw, nch = a->nch;
    sc_dtype t = a->p.kv_dtype;
    sc_view sp = llmk_view(SC_SPACE_SPAD, t, 1, dk, 0), hb = llmk_view(SC_SPACE_HBM, t, 1, dk, 0);
    a->d_q = llmk_desc(g, SC_DESC_DMA, (uint32_t)dk, (uint32_t)m, 1, &sp, &hb, NULL);
    /* K and V token rows lie a->pitch elements apart in HBM (dk when contiguous). */
    sc_view kb = llmk_view(SC_SPACE_HBM, t, 1, a->pitch, 0);
    a->d_k = llmk_desc(g, SC_DESC_DMA, (uint32_t)dk, (uint32_t)blk, 1, &sp, &kb, NULL);
    /* V block (blk x dv row-major in HBM) into chunks: index (col, row, chunk). */
    sc_view vch = llmk_view(SC_SPACE_SPAD, t, 1, cw, blk * cw);
    sc_view vhb = llmk_view(SC_SPACE_HBM, t, 1, a->p.kv_pitch > 0 ? a->pitch : dv, cw);
    a->d_v =
        llmk_desc(g, SC_DESC_DMA, (uint32_t)cw, (uint32_t)blk, (uint32_t)nch, &vch, &vhb, NULL);
    sc_view vk = llmk_view(SC_SPACE_SPAD, t, 1, dk, cw);
    a->d_vrel =
        llmk_desc(g, SC_DESC_DMA, (uint32_t)cw, (uint32_t)blk, (uint32_t)nch, &vch, &vk, NULL);
    /* O: fp32 chunks (col, row, chunk) to HBM row-major m x dv in the KV dtype. */
    sc_view och = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, cw, m * cw);
    sc_view ohb = llmk_view(SC_SPACE_HBM, t, 1, dv, cw);
    a->d_o = llmk_desc(g, SC_DESC_DMA, (uint32_t)cw, (uint32_t)m, (uint32_t)nch, &ohb, &och, NULL);

    /* Append_KV: a block of new K (V) rows, dense in the new-token tensor, to the cache rows. */
    sc_view nk = llmk_view(SC_SPACE_HBM, t, 1, dk, 0), nv = llmk_view(SC_SPACE_HBM, t, 1, dv, 0);
    sc_view ck = llmk_view(SC_SPACE_HBM, t, 1, a->pitch, 0);
    sc_view cv = llmk_view(SC_SPACE_HBM, t, 1, a->p.kv_pitch > 0 ? a->pitch : dv, 0);
    a->d_appk = llmk_desc(g, SC_DESC_DMA, (uint32_t)dk, (uint32_t)blk, 1, &ck, &nk, NULL);
    a->d_appv = llmk_desc(g, SC_DESC_DMA, (uint32_t)dv, (uint32_t)blk, 1, &cv, &nv, NULL);
    sc_view S = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, blk, 0);
    sc_view P = llmk_view(SC_SPACE_SPAD, t, 1, blk, 0);
    sc_view col = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, 1, 0); /* reduction target */
    sc_view bc = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 0, 1, 0);  /* m-vector broadcast */
    a->v_rowmax = llmk_desc(g, SC_DESC_VEC, (uint32_t)blk, (uint32_t)m, 1, &col, &S, NULL);
    a->v_rowsum = a->v_rowmax;
    a->v_subb = llmk_desc(g, SC_DESC_VEC, (uint32_t)blk, (uint32_t)m, 1, &S, &S, &bc);
    a->v_exp = llmk_desc(g, SC_DESC_VEC, (uint32_t)blk, (uint32_t)m, 1, &S, &S, NULL);
    a->v_cast = llmk_desc(g, SC_DESC_VEC, (uint32_t)blk, (uint32_t)m, 1, &P, &S, NULL);
    sc_view vec = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, 0, 0);
    a->v_max = llmk_desc(g, SC_DESC_VEC, (uint32_t)m, 1, 1, &vec, &vec, &vec);
    a->v_sub = a->v_max, a->v_mul = a->v_max, a->v_add = a->v_max;
    a->v_copy = llmk_desc(g, SC_DESC_VEC, (uint32_t)m, 1, 1, &vec, &vec, NULL);
    sc_view O = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, cw, m * cw);
    sc_view ob = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 0, 1, 0);
    a->v_oscale = llmk_desc(g, SC_DESC_VEC, (uint32_t)cw, (uint32_t)m, (uint32_t)nch, &O, &O, &ob);
    a->v_odiv = a->v_oscale;
}

/* HBM addresses of item it's KV block b: contiguous blocks of K then V, or, in a token-major
 * cache, the item's head column of rows shared with heads_row - 1 other items (its neighbours),
 * K and V in separate tensors. */
static void kv_addr(const attn_gen *a, int it, int b, uint64_t *k, uint64_t *v) {
    const sc_llmk_attn_params *p = &a->p;
    uint64_t kbytes = (uint64_t)a->blk * p->dk * a->es, vbytes = (uint64_t)a->blk * p->dv * a->es;
    uint64_t blk_i = (uint64_t)it * p->n_blocks + b;
    if (p->kv_pitch <= 0) {
        *k = a->hbm_kv + blk_i * (kbytes + (p->v_in_k ? 0 : vbytes));
        *v = *k + kbytes;
        return;
    }
    uint64_t row = (uint64_t)(it / a->heads_row) * p->n_blocks + b;
    uint64_t off = row * a->blk * a->pitch * a->es + (uint64_t)(it % a->heads_row) * p->dk * a->es;
    *k = a->hbm_kv + off;
    *v = a->hbm_v + off;
}

/* Append_KV: item it writes its new tokens' K and V rows (whole blocks of the array width; the
 * last block's rows rounded up) into its first cache blocks, before its KV stream reads them.
 * Every item copies from the same new-token rows, as every CTA of a KV head (its query heads,
 * its query tiles) reads the one new-K/V tensor: re-reads a GPU's L2 serves. */
static void append(attn_gen *a, int core, int it) {
    const sc_llmk_attn_params *p = &a->p;
    int nb = (p->append_tokens + a->blk - 1) / a->blk;
    uint64_t kb = (uint64_t)a->blk * p->dk * a->es, vb = (uint64_t)a->blk * p->dv * a->es;
    for (int b = 0; b < nb; b++) {
        uint64_t ka, va, src = a->hbm_new + (uint64_t)b * (kb + vb);
        kv_addr(a, it, b, &ka, &va);
        llmk_dma(&a->g, core, SC_QUEUE_LOAD, a->d_appk, R_D, ka, R_A, src);
        if (!p->v_in_k) llmk_dma(&a->g, core, SC_QUEUE_LOAD, a->d_appv, R_D, va, R_A, src + kb);
    }
    /* the copies complete before the item reads its cache (FlashAttention's __syncthreads after
     * Append_KV): the signal waits for the queue's DMAs, the wait takes its token */
    if (nb > 0) {
        llmk_sem(&a->g, core, SC_QUEUE_LOAD, SC_OP_SIGNAL, S_COPIED);
        llmk_sem(&a->g, core, SC_QUEUE_LOAD, SC_OP_WAIT, S_COPIED);
    }
}

/* HBM addresses of item it's Q and O tiles (m_rows x dk, m_rows x dv, row-major). */
static uint64_t q_addr(const attn_gen *a, int it) {
    return a->hbm_q + (uint64_t)it * a->p.m_rows * a->p.dk * a->es;
}

static uint64_t o_addr(const attn_gen *a, int it) {
    return a->hbm_o + (uint64_t)it * a->p.m_rows * a->p.dv * a->es;
}

/* Load queue of one core: per item its Q tile, then every KV block double-buffered. */
static void gen_load(attn_gen *a, int core, int cores) {
    llmk_gen *g = &a->g;
    const sc_llmk_attn_params *p = &a->p;
    uint64_t step = 0;
    for (int it = core, li = 0; it < p->items; it += cores, li++) {
        if (li > 0) llmk_sem(g, core, SC_QUEUE_LOAD, SC_OP_WAIT, S_QFREE);
        llmk_dma(g, core, SC_QUEUE_LOAD, a->d_q, R_D, a->L.q, R_A, q_addr(a, it));
        llmk_sem(g, core, SC_QUEUE_LOAD, SC_OP_SIGNAL, S_QREADY);
        append(a, core, it);
        for (int b = 0; b < p->n_blocks; b++, step++) {
            int slot = (int)(step & 1);
            uint64_t ka, va;
            kv_addr(a, it, b, &ka, &va);
            if (step >= 2) llmk_sem(g, core, SC_QUEUE_LOAD, SC_OP_WAIT, S_FREE);
            llmk_dma(g, core, SC_QUEUE_LOAD, a->d_k, R_D, a->L.k[slot], R_A, ka);
            if (p->v_in_k)
                llmk_dma(g, core, SC_QUEUE_LOAD, a->d_vrel, R_D, a->L.v[slot], R_A, a->L.k[slot]);
            else
                llmk_dma(g, core, SC_QUEUE_LOAD, a->d_v, R_D, a->L.v[slot], R_A, va);
            llmk_sem(g, core, SC_QUEUE_LOAD, SC_OP_SIGNAL, S_READY);
        }
    }
}

/* Query rows of row tile r: items taller than the array (FlashAttention's 64- or 128-row query
 * tiles) run their score and P.V MMAs one array-height row tile at a time over the same KV block
 * in the scratchpad, so the block is streamed from HBM once per item, not once per row tile. */
static int tile_rows(const attn_gen *a, int r) {
    return SC_MIN(a->chip->sa_rows, a->p.m_rows - r * a->chip->sa_rows);
}

/* O (+)= P V, one MMA per row tile and column chunk of the array width. */
static void pv(attn_gen *a, int core, int slot, int acc) {
    int m = a->p.m_rows, tr = a->chip->sa_rows;
    for (int c = 0; c < a->nch; c++) {
        int n = SC_MIN(a->cw, a->p.dv - c * a->cw);
        for (int r = 0; r * tr < m; r++)
            llmk_mma(&a->g, core, a->L.o + ((uint64_t)c * m + (uint64_t)r * tr) * a->cw * 4,
                     a->L.pm + (uint64_t)r * tr * a->blk * a->es,
                     a->L.v[slot] + (uint64_t)c * a->blk * a->cw * a->es, tile_rows(a, r), n,
                     a->blk, a->p.kv_dtype, SC_DTYPE_FP32, acc ? SC_MMA_ACC : 0);
    }
}

/* S = Q K^T, one MMA per row tile. */
static void scores(attn_gen *a, int core, int slot) {
    int m = a->p.m_rows, tr = a->chip->sa_rows;
    for (int r = 0; r * tr < m; r++)
        llmk_mma(&a->g, core, a->L.s + (uint64_t)r * tr * a->blk * 4,
                 a->L.q + (uint64_t)r * tr * a->p.dk * a->es, a->L.k[slot], tile_rows(a, r), a->blk,
                 a->p.dk, a->p.kv_dtype, SC_DTYPE_FP32, SC_MMA_TB);
}

/* One KV block: scores, online softmax (running max mo, running sum l), rescale, accumulate. */
static void block(attn_gen *a, int core, int slot, int first) {
    attn_lay *L = &a->L;
    scores(a, core, slot);
    llmk_gen *g = &a->g;
    uint64_t mx = first ? L->mo : L->mn;
    llmk_vred(g, core, SC_OP_VREDMAX, a->v_rowmax, R_D, mx, R_A, L->s, 0);
    if (!first) llmk_vec(g, core, SC_OP_VMAX, a->v_max, R_D, L->mn, R_A, L->mn, R_B, L->mo);
    llmk_vec(g, core, SC_OP_VSUB, a->v_subb, R_D, L->s, R_A, L->s, R_B, mx);
    llmk_vec(g, core, SC_OP_VEXP, a->v_exp, R_D, L->s, R_A, L->s, 0, 0);
    llmk_vred(g, core, SC_OP_VREDSUM, a->v_rowsum, R_D, first ? L->l : L->lb, R_A, L->s, 0);
    if (!first) {
        llmk_vec(g, core, SC_OP_VSUB, a->v_sub, R_D, L->corr, R_A, L->mo, R_B, L->mn);
        llmk_vec(g, core, SC_OP_VEXP, a->v_copy, R_D, L->corr, R_A, L->corr, 0, 0);
        llmk_vec(g, core, SC_OP_VMUL, a->v_mul, R_D, L->l, R_A, L->l, R_B, L->corr);
        llmk_vec(g, core, SC_OP_VADD, a->v_add, R_D, L->l, R_A, L->l, R_B, L->lb);
        llmk_vec(g, core, SC_OP_VMUL, a->v_oscale, R_D, L->o, R_A, L->o, R_B, L->corr);
        llmk_vec(g, core, SC_OP_VCOPY, a->v_copy, R_D, L->mo, R_A, L->mn, 0, 0);
    }
    llmk_vec(g, core, SC_OP_VCAST, a->v_cast, R_D, L->pm, R_A, L->s, 0, 0);
    pv(a, core, slot, !first);
    llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, S_FREE);
}

static void gen_compute(attn_gen *a, int core, int cores) {
    llmk_gen *g = &a->g;
    uint64_t step = 0;
    for (int it = core, li = 0; it < a->p.items; it += cores, li++) {
        llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, S_QREADY);
        if (li > 0) llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, S_OFREE);
        for (int b = 0; b < a->p.n_blocks; b++, step++) {
            llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, S_READY);
            block(a, core, (int)(step & 1), b == 0);
        }
        llmk_vec(g, core, SC_OP_VDIV, a->v_odiv, R_D, a->L.o, R_A, a->L.o, R_B, a->L.l);
        llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, S_ODONE);
        llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, S_QFREE);
    }
}

static void gen_store(attn_gen *a, int core, int cores) {
    llmk_gen *g = &a->g;
    for (int it = core; it < a->p.items; it += cores) {
        llmk_sem(g, core, SC_QUEUE_STORE, SC_OP_WAIT, S_ODONE);
        llmk_dma(g, core, SC_QUEUE_STORE, a->d_o, R_D, o_addr(a, it), R_A, a->L.o);
        llmk_sem(g, core, SC_QUEUE_STORE, SC_OP_SIGNAL, S_OFREE);
    }
}

static sc_status check_params(const sc_chip *chip, const sc_llmk_attn_params *p, sc_err *err) {
    if (p->items < 1 || p->n_blocks < 1 || p->m_rows < 1 || p->dk < 1 || p->dv < 1)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "attention: items, blocks, rows, dk, dv >= 1");
    if (p->m_rows > 1024)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "attention: %d query rows per item (max 1024)",
                          p->m_rows);
    if (p->kv_pitch < 0 || p->kv_pitch > 1 << 20 ||
        (p->kv_pitch > 0 && (p->v_in_k || p->kv_pitch < SC_MAX(p->dk, p->dv))))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "attention: KV pitch %d must hold a head row (and no v_in_k)",
                          p->kv_pitch);
    if (p->append_tokens < 0 || p->append_tokens > 1 << 24)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "attention: %d appended tokens per item",
                          p->append_tokens);
    if (p->dk > 65535 || (p->v_in_k && p->dv > p->dk))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "attention: bad head dimensions %d/%d", p->dk,
                          p->dv);
    int es = sc_isa_dtype_bytes(p->kv_dtype);
    if (es < 1 || p->kv_dtype == SC_DTYPE_INT8 || p->kv_dtype == SC_DTYPE_INT32)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "attention: KV dtype %s is not a float MMA type",
                          sc_dtype_name(p->kv_dtype));
    if (chip->mma_rate[p->kv_dtype] <= 0) /* else the program would trap at its first MMA */
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "attention: %s has no %s matrix path",
                          chip->name, sc_dtype_name(p->kv_dtype));
    return SC_OK;
}

/* Block size, scratchpad layout and HBM addresses of the program for *p (a.g untouched). */
static sc_status plan(const sc_chip *chip, const sc_llmk_attn_params *p, attn_gen *out,
                      sc_err *err) {
    sc_status st = check_params(chip, p, err);
    if (st != SC_OK) return st;
    attn_gen a;
    memset(&a, 0, sizeof a);
    a.chip = chip, a.p = *p;
    a.es = (uint64_t)sc_isa_dtype_bytes(p->kv_dtype);
    /* V/O column chunks of one width dividing dv, at most the array's: the chunk DMAs move
     * (width, rows, chunks) boxes and the MMAs write dense tiles, so a narrower last chunk
     * would be read, computed and stored at the wrong row stride (and O written past dv). */
    a.nch = (p->dv + chip->sa_cols - 1) / chip->sa_cols;
    while (p->dv % a.nch)
        a.nch++;
    a.cw = p->dv / a.nch;
    /* Block tokens: the array width (one MMA per score tile), halved until the layout fits. */
    a.blk = p->block_tokens > 0 ? SC_MIN(p->block_tokens, chip->sa_cols) : chip->sa_cols;
    for (;;) {
        a.L = layout(p->m_rows, p->dk, a.nch * a.cw, a.blk, a.es, p->v_in_k);
        if ((double)a.L.end <= chip->scratchpad_bytes) break;
        if (a.blk <= 8)
            return sc_err_set(err, SC_ERR_LIMIT,
                              "attention: %d x %d head does not fit a %.0f KiB "
                              "scratchpad",
                              p->m_rows, p->dk, chip->scratchpad_bytes / 1024);
        a.blk /= 2;
    }
    /* the new tokens are the item's first cache blocks: they must be among its n_blocks */
    if ((p->append_tokens + a.blk - 1) / a.blk > p->n_blocks)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "attention: %d appended tokens exceed the item's %d blocks of %d",
                          p->append_tokens, p->n_blocks, a.blk);
    uint64_t per_kv = (uint64_t)a.blk * (p->dk + (p->v_in_k ? 0 : p->dv)) * a.es;
    a.pitch = p->kv_pitch > 0 ? p->kv_pitch : p->dk;
    a.heads_row = SC_MAX(1, a.pitch / SC_MAX(p->dk, p->dv));
    a.hbm_q = 0;
    a.hbm_kv = llmk_align((uint64_t)p->items * p->m_rows * p->dk * a.es, 4096);
    a.hbm_o = llmk_align(a.hbm_kv + (uint64_t)p->items * p->n_blocks * per_kv, 4096);
    if (p->kv_pitch > 0) { /* K, then V, each rows x pitch for every group of heads_row items */
        uint64_t rows = (uint64_t)((p->items + a.heads_row - 1) / a.heads_row) * p->n_blocks;
        uint64_t tensor = llmk_align(rows * a.blk * a.pitch * a.es, 4096);
        a.hbm_v = a.hbm_kv + tensor;
        a.hbm_o = a.hbm_v + tensor;
    }
    /* the new K/V rows (appended blocks x (K block + V block)) follow the output */
    a.hbm_new = llmk_align(a.hbm_o + (uint64_t)p->items * p->m_rows * p->dv * a.es, 4096);
    *out = a;
    return SC_OK;
}

sc_status sc_llmk_attn_addrs(const sc_chip *chip, const sc_llmk_attn_params *p, int item, int block,
                             sc_llmk_attn_addr *out, sc_err *err) {
    memset(out, 0, sizeof *out);
    attn_gen a;
    sc_status st = plan(chip, p, &a, err);
    if (st != SC_OK) return st;
    if (item < 0 || item >= p->items || block < 0 || block >= p->n_blocks)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "attention: item %d block %d out of range", item,
                          block);
    out->q = q_addr(&a, item), out->o = o_addr(&a, item);
    kv_addr(&a, item, block, &out->k, &out->v);
    out->block_tokens = a.blk;
    out->k_pitch = a.pitch;
    out->v_pitch = p->kv_pitch > 0 ? a.pitch : p->dv;
    if (p->v_in_k) out->v = out->k, out->v_pitch = p->dk;
    return SC_OK;
}

sc_status sc_llmk_attn_build(const sc_chip *chip, const sc_llmk_attn_params *p, sc_program **out,
                             int *block_used, sc_err *err) {
    *out = NULL;
    attn_gen a;
    sc_status st = plan(chip, p, &a, err);
    if (st != SC_OK) return st;
    int cores = p->cores > 0 ? SC_MIN(p->cores, chip->cores) : chip->cores;
    cores = SC_MIN(cores, p->items);
    a.g.err = err;
    st = sc_program_create(cores, &a.g.p, err);
    if (st != SC_OK) return st;
    st = sc_program_set_name(a.g.p, "attention", err);
    if (st == SC_OK) {
        make_descs(&a);
        for (int c = 0; c < cores && a.g.st == SC_OK; c++) {
            gen_load(&a, c, cores);
            gen_compute(&a, c, cores);
            gen_store(&a, c, cores);
        }
        st = a.g.st;
    }
    if (st == SC_OK) st = sc_program_validate(a.g.p, err);
    if (st != SC_OK) {
        sc_program_destroy(a.g.p);
        return st;
    }
    if (block_used) *block_used = a.blk;
    *out = a.g.p;
    return SC_OK;
}
