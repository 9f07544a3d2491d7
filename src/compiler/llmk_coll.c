// SPDX-License-Identifier: Apache-2.0
// Collective kernels for multi-chip LLM timing: all-reduce, all-to-all and pipeline send/recv.
#include <string.h>

#include "compiler/llmk.h"
#include "compiler/llmk_emit.h"

enum { R_ADDR = 16, R_LEN = 17, R_ME = 18, R_K = 19 };

static void xfer(llmk_gen *g, sc_queue q, sc_opcode op, uint64_t addr, uint64_t bytes, int chip) {
    llmk_li(g, 0, q, R_ADDR, (int64_t)addr);
    llmk_li(g, 0, q, R_LEN, (int64_t)bytes);
    int64_t v[] = {SC_SPACE_HBM, R_ADDR, R_LEN, chip, 0};
    llmk_op(g, 0, q, op, v, 5);
}

/* The program is the same on every chip (SPMD), so per-chip peers come from a branch on the chip
 * index: block k runs only on chip k. */
static void per_chip_blocks(llmk_gen *g, sc_queue q, const sc_llmk_coll_params *p, int sends) {
    int n = p->n_chips;
    int64_t rd[] = {R_ME, SC_SREG_CHIP};
    llmk_op(g, 0, q, SC_OP_RDSR, rd, 2);
    for (int k = 0; k < n && g->st == SC_OK; k++) {
        llmk_li(g, 0, q, R_K, k);
        int64_t br[] = {R_ME, R_K, 0};
        uint32_t at = llmk_op_at(g, 0, q, SC_OP_BNE, br, 3);
        if (p->kind == SC_LLMK_SENDRECV) {
            if (sends && k + 1 < n) xfer(g, q, SC_OP_SEND, 0, p->bytes, k + 1);
            if (!sends && k > 0) xfer(g, q, SC_OP_RECV, p->bytes, p->bytes, k - 1);
        } else {
            /* Ring order spreads the traffic: step j talks to chip k +- j. */
            for (int j = 1; j < n; j++) {
                if (sends)
                    xfer(g, q, SC_OP_SEND, (uint64_t)j * p->bytes, p->bytes, (k + j) % n);
                else
                    xfer(g, q, SC_OP_RECV, (uint64_t)(n + j) * p->bytes, p->bytes, (k - j + n) % n);
            }
        }
        size_t len = 0;
        sc_program_code(g->p, 0, q, &len);
        br[2] = (int64_t)len; /* skip to the next block */
        llmk_patch(g, 0, q, at, SC_OP_BNE, br, 3);
    }
}

sc_status sc_llmk_coll_build(const sc_chip *chip, const sc_llmk_coll_params *p, sc_program **out,
                             sc_err *err) {
    (void)chip;
    *out = NULL;
    if (p->n_chips < 2 || p->n_chips > 1024 || p->bytes < 1)
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "collective: needs 2..1024 chips and bytes >= 1");
    llmk_gen g = {.err = err, .st = SC_OK};
    sc_status st = sc_program_create(1, &g.p, err);
    if (st != SC_OK) return st;
    st = sc_program_set_name(g.p, "collective", err);
    if (st == SC_OK && p->kind == SC_LLMK_ALLREDUCE) {
        int es = sc_isa_dtype_bytes(p->dtype);
        if (es < 1) {
            sc_program_destroy(g.p);
            return sc_err_set(err, SC_ERR_INVALID_ARG, "collective: bad all-reduce dtype");
        }
        llmk_li(&g, 0, SC_QUEUE_LOAD, R_ADDR, 0);
        llmk_li(&g, 0, SC_QUEUE_LOAD, R_LEN,
                (int64_t)((p->bytes + (uint64_t)es - 1) / (uint64_t)es));
        int64_t v[] = {SC_SPACE_HBM, R_ADDR, R_LEN, p->dtype, p->n_chips};
        llmk_op(&g, 0, SC_QUEUE_LOAD, SC_OP_ALLREDUCE, v, 5);
    } else if (st == SC_OK) {
        per_chip_blocks(&g, SC_QUEUE_LOAD, p, 1);
        per_chip_blocks(&g, SC_QUEUE_STORE, p, 0);
    }
    if (st == SC_OK) st = g.st;
    if (st == SC_OK) st = sc_program_validate(g.p, err);
    if (st != SC_OK) {
        sc_program_destroy(g.p);
        return st;
    }
    *out = g.p;
    return SC_OK;
}
