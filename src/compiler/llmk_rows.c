// SPDX-License-Identifier: Apache-2.0
// Row-wise vector kernels (RMSNorm with residual, SwiGLU, GELU, softmax) over HBM activations.
#include <string.h>

#include "compiler/llmk.h"
#include "compiler/llmk_emit.h"

enum { S_READY = 0, S_FREE = 1, S_DONE = 2, S_OFREE = 3 };
enum { R_D = 16, R_A = 17, R_B = 18, R_X = 19 };

sc_llmk_rows_params sc_llmk_rows_default_params(void) {
    sc_llmk_rows_params p;
    memset(&p, 0, sizeof p);
    p.kind = SC_LLMK_RMSNORM;
    p.rows = p.cols = 1;
    p.dtype = SC_DTYPE_BF16;
    return p;
}

typedef struct rows_gen {
    llmk_gen g;
    sc_llmk_rows_params p;
    int r;       /* rows per chunk */
    int nin;     /* input matrices per chunk (x and residual, or gate and up) */
    uint64_t es; /* activation bytes */
    uint64_t in[2][2], out[2], f32a, f32b, vec, w; /* scratchpad offsets */
    uint64_t hbm_in[2], hbm_out, hbm_w;
    uint32_t d_in, d_out, d_w, v_bin, v_un, v_red, v_sca, v_bc, v_wmul, v_cast, v_mix;
} rows_gen;

/* Scratchpad per chunk row: double-buffered inputs and outputs (activation dtype) and two fp32
 * work rows. Returns bytes for r rows. */
static uint64_t rows_need(const rows_gen *w, int r) {
    uint64_t c = (uint64_t)w->p.cols, row = (2 * (uint64_t)w->nin + 2) * c * w->es + 8 * c + 4;
    return (uint64_t)r * row + c * w->es + 4096;
}

static void rows_layout(rows_gen *w) {
    uint64_t x = 0, c = (uint64_t)w->p.cols, rb = (uint64_t)w->r * c;
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < w->nin; i++)
            w->in[s][i] = x, x = llmk_align(x + rb * w->es, 64);
    for (int s = 0; s < 2; s++)
        w->out[s] = x, x = llmk_align(x + rb * w->es, 64);
    w->f32a = x, x = llmk_align(x + rb * 4, 64);
    w->f32b = x, x = llmk_align(x + rb * 4, 64);
    w->vec = x, x = llmk_align(x + (uint64_t)w->r * 4, 64);
    w->w = x;
}

static void rows_descs(rows_gen *w) {
    llmk_gen *g = &w->g;
    uint32_t c = (uint32_t)w->p.cols, r = (uint32_t)w->r;
    sc_dtype t = w->p.dtype;
    sc_view sp = llmk_view(SC_SPACE_SPAD, t, 1, (int32_t)c, 0);
    sc_view hb = llmk_view(SC_SPACE_HBM, t, 1, (int32_t)c, 0);
    w->d_in = llmk_desc(g, SC_DESC_DMA, c, r, 1, &sp, &hb, NULL);
    w->d_out = llmk_desc(g, SC_DESC_DMA, c, r, 1, &hb, &sp, NULL);
    w->d_w = llmk_desc(g, SC_DESC_DMA, c, 1, 1, &sp, &hb, NULL);
    sc_view f = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, (int32_t)c, 0);
    sc_view col = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, 1, 0);
    sc_view bc = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 0, 1, 0);
    sc_view wr = llmk_view(SC_SPACE_SPAD, t, 1, 0, 0);
    sc_view v = llmk_view(SC_SPACE_SPAD, SC_DTYPE_FP32, 1, 0, 0);
    w->v_bin = llmk_desc(g, SC_DESC_VEC, c, r, 1, &f, &sp, &sp);   /* f32 = x op y */
    w->v_un = llmk_desc(g, SC_DESC_VEC, c, r, 1, &f, &f, &f);      /* f32 = f32 op f32 */
    w->v_red = llmk_desc(g, SC_DESC_VEC, c, r, 1, &col, &f, NULL); /* per-row reduction */
    w->v_sca = llmk_desc(g, SC_DESC_VEC, r, 1, 1, &v, &v, NULL);   /* r-vector op imm */
    w->v_bc = llmk_desc(g, SC_DESC_VEC, c, r, 1, &f, &f, &bc);     /* f32 op row scalar */
    w->v_wmul = llmk_desc(g, SC_DESC_VEC, c, r, 1, &sp, &f, &wr);  /* out = f32 * weight */
    w->v_cast = llmk_desc(g, SC_DESC_VEC, c, r, 1, &sp, &f, NULL); /* out = cast(f32) */
    w->v_mix = llmk_desc(g, SC_DESC_VEC, c, r, 1, &sp, &f, &sp);   /* out = f32 * y */
}

/* The vector work of one chunk: reads in[slot][*], writes out[oslot]. */
static void chunk_math(rows_gen *w, int core, int slot, int oslot) {
    llmk_gen *g = &w->g;
    uint64_t x = w->in[slot][0], y = w->in[slot][1], o = w->out[oslot];
    switch (w->p.kind) {
    case SC_LLMK_RMSNORM:
        llmk_vec(g, core, SC_OP_VADD, w->v_bin, R_D, w->f32a, R_A, x, R_B, y); /* h = x + res */
        llmk_vec(g, core, SC_OP_VMUL, w->v_un, R_D, w->f32b, R_A, w->f32a, R_B, w->f32a);
        llmk_vred(g, core, SC_OP_VREDSUM, w->v_red, R_D, w->vec, R_A, w->f32b, 0);
        llmk_vecf(g, core, SC_OP_VMULF, w->v_sca, R_D, w->vec, R_A, w->vec,
                  1.0f / (float)w->p.cols);
        llmk_vecf(g, core, SC_OP_VADDF, w->v_sca, R_D, w->vec, R_A, w->vec, 1e-5f);
        llmk_vec(g, core, SC_OP_VRSQRT, w->v_sca, R_D, w->vec, R_A, w->vec, 0, 0);
        llmk_vec(g, core, SC_OP_VMUL, w->v_bc, R_D, w->f32b, R_A, w->f32a, R_B, w->vec);
        llmk_vec(g, core, SC_OP_VMUL, w->v_wmul, R_D, o, R_A, w->f32b, R_B, w->w);
        /* The updated residual stream goes back in place of the residual input. */
        llmk_vec(g, core, SC_OP_VCAST, w->v_cast, R_D, y, R_A, w->f32a, 0, 0);
        break;
    case SC_LLMK_SWIGLU:
        llmk_vec(g, core, SC_OP_VCAST, w->v_bin, R_D, w->f32a, R_A, x, 0, 0);
        llmk_vec(g, core, SC_OP_VSILU, w->v_un, R_D, w->f32a, R_A, w->f32a, 0, 0);
        llmk_vec(g, core, SC_OP_VMUL, w->v_mix, R_D, o, R_A, w->f32a, R_B, y);
        break;
    case SC_LLMK_GELU:
        llmk_vec(g, core, SC_OP_VCAST, w->v_bin, R_D, w->f32a, R_A, x, 0, 0);
        llmk_vec(g, core, SC_OP_VGELU, w->v_un, R_D, w->f32a, R_A, w->f32a, 0, 0);
        llmk_vec(g, core, SC_OP_VCAST, w->v_cast, R_D, o, R_A, w->f32a, 0, 0);
        break;
    case SC_LLMK_SOFTMAX:
        llmk_vec(g, core, SC_OP_VCAST, w->v_bin, R_D, w->f32a, R_A, x, 0, 0);
        llmk_vred(g, core, SC_OP_VREDMAX, w->v_red, R_D, w->vec, R_A, w->f32a, 0);
        llmk_vec(g, core, SC_OP_VSUB, w->v_bc, R_D, w->f32a, R_A, w->f32a, R_B, w->vec);
        llmk_vec(g, core, SC_OP_VEXP, w->v_un, R_D, w->f32a, R_A, w->f32a, 0, 0);
        llmk_vred(g, core, SC_OP_VREDSUM, w->v_red, R_D, w->vec, R_A, w->f32a, 0);
        llmk_vec(g, core, SC_OP_VDIV, w->v_bc, R_D, w->f32a, R_A, w->f32a, R_B, w->vec);
        llmk_vec(g, core, SC_OP_VCAST, w->v_cast, R_D, o, R_A, w->f32a, 0, 0);
        break;
    }
}

static void gen_core(rows_gen *w, int core, int cores, int chunks) {
    llmk_gen *g = &w->g;
    uint64_t rb = (uint64_t)w->r * w->p.cols * w->es;
    if (w->p.kind == SC_LLMK_RMSNORM) /* the norm weight is loaded once */
        llmk_dma(g, core, SC_QUEUE_LOAD, w->d_w, R_D, w->w, R_X, w->hbm_w);
    int n = 0;
    for (int ch = core; ch < chunks; ch += cores, n++) {
        int slot = n & 1;
        if (n >= 2) llmk_sem(g, core, SC_QUEUE_LOAD, SC_OP_WAIT, S_FREE);
        for (int i = 0; i < w->nin; i++)
            llmk_dma(g, core, SC_QUEUE_LOAD, w->d_in, R_D, w->in[slot][i], R_X,
                     w->hbm_in[i] + (uint64_t)ch * rb);
        llmk_sem(g, core, SC_QUEUE_LOAD, SC_OP_SIGNAL, S_READY);

        llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, S_READY);
        if (n >= 2) llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_WAIT, S_OFREE);
        chunk_math(w, core, slot, slot);
        llmk_sem(g, core, SC_QUEUE_COMPUTE, SC_OP_SIGNAL, S_DONE);

        llmk_sem(g, core, SC_QUEUE_STORE, SC_OP_WAIT, S_DONE);
        llmk_dma(g, core, SC_QUEUE_STORE, w->d_out, R_D, w->hbm_out + (uint64_t)ch * rb, R_X,
                 w->out[slot]);
        if (w->p.kind == SC_LLMK_RMSNORM)
            llmk_dma(g, core, SC_QUEUE_STORE, w->d_out, R_D, w->hbm_in[1] + (uint64_t)ch * rb, R_X,
                     w->in[slot][1]);
        /* Both the input slot (residual written back) and the output slot are free now. */
        llmk_sem(g, core, SC_QUEUE_STORE, SC_OP_SIGNAL, S_OFREE);
        llmk_sem(g, core, SC_QUEUE_STORE, SC_OP_SIGNAL, S_FREE);
    }
}

sc_status sc_llmk_rows_build(const sc_chip *chip, const sc_llmk_rows_params *p, sc_program **out,
                             sc_err *err) {
    *out = NULL;
    if (p->rows < 1 || p->cols < 1 || p->cols > (1 << 24))
        return sc_err_set(err, SC_ERR_INVALID_ARG, "rows kernel: rows and cols must be >= 1");
    rows_gen w;
    memset(&w, 0, sizeof w);
    w.p = *p;
    w.es = (uint64_t)sc_isa_dtype_bytes(p->dtype);
    if (w.es < 1) return sc_err_set(err, SC_ERR_INVALID_ARG, "rows kernel: bad dtype");
    w.nin = p->kind == SC_LLMK_RMSNORM || p->kind == SC_LLMK_SWIGLU ? 2 : 1;
    int cores = p->cores > 0 ? SC_MIN(p->cores, chip->cores) : chip->cores;
    /* Rows per chunk: an even share per core, capped by the scratchpad. */
    int r = p->rows_per_chunk > 0 ? p->rows_per_chunk : (p->rows + cores - 1) / cores;
    while (r > 1 && (double)rows_need(&w, r) > chip->scratchpad_bytes)
        r = (r + 1) / 2;
    if ((double)rows_need(&w, r) > chip->scratchpad_bytes)
        return sc_err_set(err, SC_ERR_LIMIT, "rows kernel: a row of %d does not fit the scratchpad",
                          p->cols);
    w.r = r;
    int chunks = (p->rows + r - 1) / r;
    w.p.rows = chunks * r; /* the last chunk is padded to a full one */
    cores = SC_MIN(cores, chunks);
    rows_layout(&w);
    uint64_t mat = llmk_align((uint64_t)w.p.rows * p->cols * w.es, 4096);
    w.hbm_in[0] = 0, w.hbm_in[1] = mat, w.hbm_out = 2 * mat, w.hbm_w = 3 * mat;
    w.g.err = err;
    sc_status st = sc_program_create(cores, &w.g.p, err);
    if (st != SC_OK) return st;
    st = sc_program_set_name(w.g.p, "rows", err);
    if (st == SC_OK) {
        rows_descs(&w);
        for (int c = 0; c < cores && w.g.st == SC_OK; c++)
            gen_core(&w, c, cores, chunks);
        st = w.g.st;
    }
    if (st == SC_OK) st = sc_program_validate(w.g.p, err);
    if (st != SC_OK) {
        sc_program_destroy(w.g.p);
        return st;
    }
    *out = w.g.p;
    return SC_OK;
}
