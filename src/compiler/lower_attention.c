// SPDX-License-Identifier: Apache-2.0
// FusedAttention (pass fuse-attention): per (batch, block of query rows) the key/value blocks
// stream through the scratchpad and an online softmax keeps the row max, row sum and output
// accumulator on chip, so the [Sq x Sk] scores never reach HBM.
#include <string.h>

#include "compiler/codegen_internal.h"

typedef struct att {
    int q, k, v, mask, out, kt, r;
    int64_t B, Sq, Sk, d, dv, bq, kn, nqb, nkb, nc, ncv;
    float scale;
    sc_dtype dt;
    int64_t odims[SC_IR_MAX_RANK], mst[SC_IR_MAX_RANK]; /* score shape, mask strides over it */
    cg_slot L;                                          /* slot regions AT_* */
    uint64_t v_b, o_b;                                  /* one V / O chunk */
    uint64_t pers;
    int cores;
} att;

static uint64_t al64(uint64_t x) {
    return (x + 63) / 64 * 64;
}

/* Tile t of core t % cores: group (batch, query block) and key block; 0 for padding tiles. */
static int at_tile(const att *a, uint64_t t, int64_t *b, int64_t *q0, int64_t *k0, int64_t *kb) {
    uint64_t core = t % (uint64_t)a->cores, local = t / (uint64_t)a->cores;
    *kb = (int64_t)(local % (uint64_t)a->nkb);
    int64_t grp = (int64_t)((local / (uint64_t)a->nkb) * (uint64_t)a->cores + core);
    *b = grp / a->nqb;
    *q0 = (grp % a->nqb) * a->bq;
    *k0 = *kb * a->kn;
    return grp < a->B * a->nqb;
}

/* Scratchpad: two slots {Q, K, V chunks, mask, S, O out chunks}, then the per-core state. */
enum { AT_Q, AT_K, AT_V, AT_MASK, AT_S, AT_OOUT, AT_REGIONS };
static uint64_t a_v(const att *a, int s, int64_t c) {
    return cg_slot_at(&a->L, s, AT_V) + (uint64_t)c * a->v_b;
}
static uint64_t a_oout(const att *a, int s, int64_t c) {
    return cg_slot_at(&a->L, s, AT_OOUT) + (uint64_t)c * a->o_b;
}
static uint64_t a_o(const att *a, int64_t c) { /* accumulator chunks, then m, l, mb, alpha */
    return 2 * a->L.bytes + (uint64_t)c * a->o_b;
}
static uint64_t a_stat(const att *a, int i) {
    return a_o(a, a->ncv) + (uint64_t)i * al64((uint64_t)a->bq * 4);
}

static uint64_t mask_off(const att *a, int64_t b, int64_t q0, int64_t k0) {
    int64_t off = q0 * a->mst[a->r - 2] + k0 * a->mst[a->r - 1];
    for (int i = a->r - 3; i >= 0; i--) {
        off += (b % a->odims[i]) * a->mst[i];
        b /= a->odims[i];
    }
    return (uint64_t)off;
}

static sc_status at_load(cg *c, void *ctx, int core, uint64_t t, int slot) {
    att *a = ctx;
    int64_t b, q0, k0, kb;
    if (!at_tile(a, t, &b, &q0, &k0, &kb)) return SC_OK;
    uint32_t rq = (uint32_t)SC_MIN(a->bq, a->Sq - q0), rk = (uint32_t)SC_MIN(a->kn, a->Sk - k0);
    sc_queue q = SC_QUEUE_LOAD;
    uint32_t qd[4] = {(uint32_t)a->d, rq, 1, 1};
    int32_t qs[4] = {1, (int32_t)a->d, 0, 0};
    cg_view qsrc = cg_val_view(c, a->q, (uint64_t)((b * a->Sq + q0) * a->d), qs);
    cg_view qdst = cg_spad(a->dt, cg_slot_at(&a->L, slot, AT_Q), qd);
    uint32_t kd[4] = {a->kt ? rk : (uint32_t)a->d, a->kt ? (uint32_t)a->d : rk, 1, 1};
    int32_t ks[4] = {1, (int32_t)(a->kt ? a->Sk : a->d), 0, 0};
    uint64_t ke = (uint64_t)(a->kt ? b * a->d * a->Sk + k0 : (b * a->Sk + k0) * a->d);
    cg_view ksrc = cg_val_view(c, a->k, ke, ks),
            kdst = cg_spad(a->dt, cg_slot_at(&a->L, slot, AT_K), kd);
    if (cg_dma(c, core, q, qd, &qdst, &qsrc) || cg_dma(c, core, q, kd, &kdst, &ksrc))
        return c->err->status;
    for (int64_t ch = 0; ch < a->ncv; ch++) {
        int64_t c0 = ch * a->nc;
        uint32_t vd[4] = {(uint32_t)SC_MIN(a->nc, a->dv - c0), rk, 1, 1};
        int32_t vs[4] = {1, (int32_t)a->dv, 0, 0};
        cg_view vsrc = cg_val_view(c, a->v, (uint64_t)((b * a->Sk + k0) * a->dv + c0), vs);
        cg_view vdst = cg_spad(a->dt, a_v(a, slot, ch), vd);
        if (cg_dma(c, core, q, vd, &vdst, &vsrc)) return c->err->status;
    }
    if (a->mask < 0) return SC_OK;
    uint32_t md[4] = {rk, rq, 1, 1};
    int32_t ms[4] = {(int32_t)a->mst[a->r - 1], (int32_t)a->mst[a->r - 2], 0, 0};
    cg_view msrc = cg_val_view(c, a->mask, mask_off(a, b, q0, k0), ms);
    cg_view mdst = cg_spad(SC_DTYPE_FP32, cg_slot_at(&a->L, slot, AT_MASK), md);
    return cg_dma(c, core, q, md, &mdst, &msrc);
}

static cg_view rowv(uint64_t addr) { /* one value per row, broadcast along the columns */
    cg_view v = {SC_SPACE_SPAD, SC_DTYPE_FP32, addr, {0, 1, 0, 0}, -1};
    return v;
}

/* Scores S = scale * Q K^T + mask, then the running max: m (first block) or mb and alpha. */
static sc_status at_scores(cg *c, att *a, int core, int slot, uint32_t rq, uint32_t rk, int first) {
    sc_queue q = SC_QUEUE_COMPUTE;
    uint32_t d2[4] = {rk, rq, 1, 1}, dr[4] = {1, rq, 1, 1};
    cg_view S = cg_spad(SC_DTYPE_FP32, cg_slot_at(&a->L, slot, AT_S), d2),
            M = cg_spad(SC_DTYPE_FP32, cg_slot_at(&a->L, slot, AT_MASK), d2);
    cg_view m = rowv(a_stat(a, 0)), mb = rowv(a_stat(a, 2)), al = rowv(a_stat(a, 3));
    if (cg_li(c, core, q, R_T0, (int64_t)cg_slot_at(&a->L, slot, AT_S)) ||
        cg_li(c, core, q, R_T1, (int64_t)cg_slot_at(&a->L, slot, AT_Q)) ||
        cg_li(c, core, q, R_T2, (int64_t)cg_slot_at(&a->L, slot, AT_K)))
        return c->err->status;
    sc_insn in = {
        SC_OP_MMAI,
        {R_T0, R_T1, R_T2, rq, rk, a->d, a->dt, a->dt, SC_DTYPE_FP32, a->kt ? 0 : SC_MMA_TB}};
    if (cg_emit(c, core, q, &in) ||
        (a->scale != 1.0f && cg_vec(c, core, SC_OP_VMULF, d2, &S, &S, NULL, NULL, a->scale, 0)) ||
        (a->mask >= 0 && cg_vec(c, core, SC_OP_VADD, d2, &S, &S, &M, NULL, 0, 0)))
        return c->err->status;
    if (first) return cg_vec(c, core, SC_OP_VREDMAX, d2, &m, &S, NULL, NULL, 0, 0);
    /* mb = max(m, rowmax S); alpha = exp(m - mb); m = mb */
    if (cg_vec(c, core, SC_OP_VREDMAX, d2, &mb, &S, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VMAX, dr, &mb, &mb, &m, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VSUB, dr, &al, &m, &mb, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VEXP, dr, &al, &al, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VCOPY, dr, &m, &mb, NULL, NULL, 0, 0))
        return c->err->status;
    return SC_OK;
}

/* P = exp(S - m); l (+)= rowsum P; O = alpha * O + P V per value chunk; last: out = O / l. */
static sc_status at_update(cg *c, att *a, int core, int slot, uint32_t rq, uint32_t rk, int first,
                           int last) {
    sc_queue q = SC_QUEUE_COMPUTE;
    uint32_t d2[4] = {rk, rq, 1, 1}, dr[4] = {1, rq, 1, 1};
    cg_view S = cg_spad(SC_DTYPE_FP32, cg_slot_at(&a->L, slot, AT_S), d2);
    cg_view m = rowv(a_stat(a, 0)), l = rowv(a_stat(a, 1)), mb = rowv(a_stat(a, 2)),
            al = rowv(a_stat(a, 3));
    if (cg_vec(c, core, SC_OP_VSUB, d2, &S, &S, &m, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VEXP, d2, &S, &S, NULL, NULL, 0, 0) ||
        cg_vec(c, core, SC_OP_VREDSUM, d2, first ? &l : &mb, &S, NULL, NULL, 0, 0))
        return c->err->status;
    if (!first && (cg_vec(c, core, SC_OP_VMUL, dr, &l, &l, &al, NULL, 0, 0) ||
                   cg_vec(c, core, SC_OP_VADD, dr, &l, &l, &mb, NULL, 0, 0)))
        return c->err->status;
    for (int64_t ch = 0; ch < a->ncv; ch++) {
        uint32_t cn = (uint32_t)SC_MIN(a->nc, a->dv - ch * a->nc), dc[4] = {cn, rq, 1, 1};
        cg_view O = cg_spad(SC_DTYPE_FP32, a_o(a, ch), dc);
        cg_view Oo = cg_spad(SC_DTYPE_FP32, a_oout(a, slot, ch), dc);
        if (!first && cg_vec(c, core, SC_OP_VMUL, dc, &O, &O, &al, NULL, 0, 0))
            return c->err->status;
        if (cg_li(c, core, q, R_T0, (int64_t)a_o(a, ch)) ||
            cg_li(c, core, q, R_T1, (int64_t)cg_slot_at(&a->L, slot, AT_S)) ||
            cg_li(c, core, q, R_T2, (int64_t)a_v(a, slot, ch)))
            return c->err->status;
        sc_insn in = {SC_OP_MMAI,
                      {R_T0, R_T1, R_T2, rq, cn, rk, SC_DTYPE_FP32, a->dt, SC_DTYPE_FP32,
                       first ? 0 : SC_MMA_ACC}};
        if (cg_emit(c, core, q, &in)) return c->err->status;
        if (last && cg_vec(c, core, SC_OP_VDIV, dc, &Oo, &O, &l, NULL, 0, 0)) return c->err->status;
    }
    return SC_OK;
}

static sc_status at_compute(cg *c, void *ctx, int core, uint64_t t, int slot) {
    att *a = ctx;
    int64_t b, q0, k0, kb;
    if (!at_tile(a, t, &b, &q0, &k0, &kb)) return SC_OK;
    uint32_t rq = (uint32_t)SC_MIN(a->bq, a->Sq - q0), rk = (uint32_t)SC_MIN(a->kn, a->Sk - k0);
    int first = kb == 0, last = kb == a->nkb - 1;
    if (at_scores(c, a, core, slot, rq, rk, first)) return c->err->status;
    return at_update(c, a, core, slot, rq, rk, first, last);
}

static sc_status at_store(cg *c, void *ctx, int core, uint64_t t, int slot) {
    att *a = ctx;
    int64_t b, q0, k0, kb;
    if (!at_tile(a, t, &b, &q0, &k0, &kb) || kb != a->nkb - 1) return SC_OK;
    uint32_t rq = (uint32_t)SC_MIN(a->bq, a->Sq - q0);
    for (int64_t ch = 0; ch < a->ncv; ch++) {
        int64_t c0 = ch * a->nc;
        uint32_t d[4] = {(uint32_t)SC_MIN(a->nc, a->dv - c0), rq, 1, 1};
        int32_t st[4] = {1, (int32_t)a->dv, 0, 0};
        cg_view dst = cg_val_view(c, a->out, (uint64_t)((b * a->Sq + q0) * a->dv + c0), st);
        cg_view src = cg_spad(SC_DTYPE_FP32, a_oout(a, slot, ch), d);
        if (cg_dma(c, core, SC_QUEUE_STORE, d, &dst, &src)) return c->err->status;
    }
    return SC_OK;
}

static void at_sizes(att *a) {
    int es = sc_isa_dtype_bytes(a->dt);
    uint64_t sm_b = al64((uint64_t)(a->bq * a->kn * 4)), ncv = (uint64_t)a->ncv;
    a->v_b = al64((uint64_t)(a->kn * a->nc * es));
    a->o_b = al64((uint64_t)(a->bq * a->nc * 4));
    uint64_t sz[AT_REGIONS] = {al64((uint64_t)(a->bq * a->d * es)),
                               al64((uint64_t)(a->kn * a->d * es)),
                               ncv * a->v_b,
                               sm_b,
                               sm_b,
                               ncv * a->o_b};
    cg_slot_layout(&a->L, sz, AT_REGIONS);
    a->pers = (uint64_t)a->ncv * a->o_b + 4 * al64((uint64_t)a->bq * 4);
}

static sc_status at_plan(cg *c, att *a) {
    a->nc = SC_MIN(a->dv, (int64_t)c->sa), a->ncv = (a->dv + a->nc - 1) / a->nc;
    a->bq = SC_MIN(a->Sq, (int64_t)c->sa), a->kn = SC_MIN(a->Sk, (int64_t)c->sa);
    for (at_sizes(a); 2 * a->L.bytes + a->pers > c->spad; at_sizes(a)) {
        if (a->kn > 16)
            a->kn /= 2;
        else if (a->bq > 8)
            a->bq /= 2;
        else
            return sc_err_set(c->err, SC_ERR_UNSUPPORTED,
                              "attention with head size %lld does not fit a scratchpad tile",
                              (long long)a->d);
    }
    a->nqb = (a->Sq + a->bq - 1) / a->bq, a->nkb = (a->Sk + a->kn - 1) / a->kn;
    return SC_OK;
}

sc_status lower_attention(cg *c, sc_ir_node *n) {
    att a;
    memset(&a, 0, sizeof a);
    a.q = n->in[0], a.k = n->in[1], a.v = n->in[2], a.mask = n->n_in > 3 ? n->in[3] : -1;
    a.out = n->out[0], a.kt = (int)sc_ir_attr_i(n, "k_transposed", 0);
    a.scale = sc_ir_attr_f(n, "scale", 1.0f);
    a.dt = cg_mma_dtype(c);
    const sc_ir_value *q = &c->g->vals[a.q], *v = &c->g->vals[a.v];
    a.r = q->rank, a.B = 1, a.cores = c->cores;
    for (int i = 0; i < a.r - 2; i++)
        a.B *= q->dims[i], a.odims[i] = q->dims[i];
    a.Sq = q->dims[a.r - 2], a.d = q->dims[a.r - 1], a.Sk = v->dims[a.r - 2];
    a.dv = v->dims[a.r - 1];
    a.odims[a.r - 2] = a.Sq, a.odims[a.r - 1] = a.Sk;
    if (a.mask >= 0) cg_bcast_strides(&c->g->vals[a.mask], a.r, a.odims, a.mst);
    if (!a.B || !a.Sq || !a.dv) return SC_OK;
    if (!a.Sk || !a.d) return sc_err_set(c->err, SC_ERR_UNSUPPORTED, "attention over 0 keys");
    if (at_plan(c, &a)) return c->err->status;
    uint64_t groups = (uint64_t)(a.B * a.nqb), per = (groups + (uint64_t)a.cores - 1) / a.cores;
    cg_tiler tl = {at_load, at_compute, at_store};
    return cg_pipeline(c, per * (uint64_t)a.cores * (uint64_t)a.nkb, &tl, &a);
}
