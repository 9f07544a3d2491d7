// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the lowerings of ops with data-dependent output shapes (NonZero, Unique,
// NonMaxSuppression): a scratchpad bump allocator, vector fills and scans, and the compaction loop.
#ifndef SC_COMPILER_LOWER_DYN_H
#define SC_COMPILER_LOWER_DYN_H

#include "compiler/codegen_internal.h"

/* Scratchpad bump allocator of core 0 (64-byte aligned blocks). */
typedef struct dyn_sp {
    uint64_t top, cap;
} dyn_sp;

/* Address of a block of n fp32 words (8-byte words when words8); past cap when it overflows,
 * which dyn_fits reports. */
uint64_t dyn_alloc(dyn_sp *s, uint64_t n, int words8);
/* SC_ERR_UNSUPPORTED naming op and what did not fit when the allocator overflowed. */
sc_status dyn_fits(cg *c, const dyn_sp *s, const char *op, const char *what);

/* fp32 views of core 0's scratchpad: a vector (stride 1), a plane broadcast along its inner axis
 * (element [i][j] = v[i]: strides {0, 1}), along its outer axis ([i][j] = v[j]: {1, 0}). */
cg_view dyn_vec1(uint64_t addr);
cg_view dyn_rows(uint64_t addr); /* v[i] over the row index i (outer axis) */
/* v[j] over the column index j (inner axis): the 1-D view, named for 2-D broadcasts */
static inline cg_view dyn_cols(uint64_t addr) {
    return dyn_vec1(addr);
}
cg_view dyn_scal(uint64_t addr); /* one word broadcast everywhere */

/* D[0..n) = v (core 0, compute queue). */
sc_status dyn_fill(cg *c, cg_view d, uint32_t n, float v);
/* Inclusive prefix sum of the n fp32 values at a (Hillis-Steele: ceil(log2 n) rounds of vcopy +
 * vadd of the buffer shifted by 1, 2, 4, ... between a and t); *res is a or t, whichever holds
 * the result. Exact for integer values below 2^24. */
sc_status dyn_scan(cg *c, uint64_t a, uint64_t t, uint32_t n, uint64_t *res);
/* Destination words for compaction: w (8-byte words, int32 in the low half) = keep ? pos : -1,
 * from the 0/1 flags at keep and the exclusive positions at pos (n each; tmp: n scratch). */
sc_status dyn_dest_words(cg *c, uint64_t keep, uint64_t pos, uint64_t tmp, uint64_t w, uint32_t n);

/* One DMA per kept element of the compaction loop: element i's source is src + i * src_step,
 * its destination dst + w[i] * dst_step (bytes); desc copies one element's data. */
typedef struct dyn_job {
    uint32_t desc;
    uint64_t src, dst;
    int64_t src_step, dst_step;
} dyn_job;

/* Store queue of core 0: a counted loop over n words at w; a word >= 0 issues every job (up to
 * 3). In timing mode the scalar reads return 0, so every element is moved: the bounded work. */
sc_status dyn_compact(cg *c, uint64_t w, uint32_t n, const dyn_job *jobs, int n_jobs);
/* Store queue of core 0: the fp32 count at spad address cnt becomes value v's int32 length word. */
sc_status dyn_store_len(cg *c, int v, uint64_t cnt);

/* The three ops, on core 0: the load queue DMAs inputs, the compute queue works on the vector
 * unit, the store queue writes lengths and static outputs and compacts (NonZero and Unique in one
 * step; NonMaxSuppression class by class through double-buffered slots). */
sc_status lower_nonzero(cg *c, sc_ir_node *n);
sc_status lower_unique(cg *c, sc_ir_node *n);
sc_status lower_nms(cg *c, sc_ir_node *n);

#endif
