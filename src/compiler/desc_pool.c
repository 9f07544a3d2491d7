// SPDX-License-Identifier: Apache-2.0
// Descriptors for the program generators: build one, compare two, reuse an identical one.
#include <string.h>

#include "compiler/desc_pool.h"

sc_desc sc_desc_make(sc_desc_kind kind, const uint32_t dims[SC_ISA_MAX_DIMS],
                     const sc_view *const v[SC_ISA_VIEWS]) {
    sc_desc d;
    memset(&d, 0, sizeof d); /* unused views and the name stay zero */
    d.kind = (uint8_t)kind;
    memcpy(d.dims, dims, sizeof d.dims);
    for (int i = 0; i < SC_ISA_VIEWS; i++)
        if (v[i]) d.views[i] = *v[i];
    return d;
}

/* Field by field, not memcmp: the padding inside sc_view is not part of the access. */
static int view_same(const sc_view *x, const sc_view *y) {
    return x->space == y->space && x->dtype == y->dtype && x->core == y->core &&
           x->buffer == y->buffer && x->offset == y->offset &&
           memcmp(x->strides, y->strides, sizeof x->strides) == 0;
}

int sc_desc_same(const sc_desc *a, const sc_desc *b) {
    if (a->kind != b->kind || memcmp(a->dims, b->dims, sizeof a->dims) != 0) return 0;
    for (int i = 0; i < SC_ISA_VIEWS; i++)
        if (!view_same(&a->views[i], &b->views[i])) return 0;
    return 1;
}

sc_status sc_desc_intern(sc_program *p, const sc_desc *d, uint32_t *id, sc_err *err) {
    size_t n = sc_program_n_descs(p);
    for (size_t i = 0; i < n; i++)
        if (sc_desc_same(sc_program_desc(p, i), d)) {
            *id = (uint32_t)i;
            return SC_OK;
        }
    return sc_program_add_desc(p, d, id, err);
}
