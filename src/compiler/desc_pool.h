// SPDX-License-Identifier: Apache-2.0
// Descriptors for the program generators: build one, compare two, reuse an identical one.
#ifndef SC_COMPILER_DESC_POOL_H
#define SC_COMPILER_DESC_POOL_H

#include "isa/isa.h"

/* An unnamed descriptor of `kind` over dims (innermost first) with views v[0..3]; a NULL view is
 * unused (all zero, SC_SPACE_NONE). */
sc_desc sc_desc_make(sc_desc_kind kind, const uint32_t dims[SC_ISA_MAX_DIMS],
                     const sc_view *const v[SC_ISA_VIEWS]);

/* 1 when a and b describe the same access: kind, dims and every field of every view (names
 * are not compared: the program names unnamed descriptors itself). */
int sc_desc_same(const sc_desc *a, const sc_desc *b);

/* Sets *id to the first descriptor of p that is sc_desc_same as d, adding d when there is none.
 * A linear search: for the generators whose programs hold a few hundred descriptors (the ONNX
 * code generator, with thousands, hashes them first and uses sc_desc_same only). */
sc_status sc_desc_intern(sc_program *p, const sc_desc *d, uint32_t *id, sc_err *err);

#endif
