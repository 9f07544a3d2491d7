// SPDX-License-Identifier: Apache-2.0
// Descriptor reuse shared by the generators: identical ones come back, any difference adds one.
#include <string.h>

#include "compiler/desc_pool.h"
#include "helpers/testutil.h"

static sc_view view(sc_space space, int32_t row_stride) {
    sc_view v;
    memset(&v, 0, sizeof v);
    v.space = (uint8_t)space;
    v.dtype = SC_DTYPE_FP32;
    v.core = SC_ISA_SELF;
    v.buffer = SC_ISA_NO_BUFFER;
    v.strides[0] = 1;
    v.strides[1] = row_stride;
    v.strides[2] = row_stride * 4;
    v.strides[3] = row_stride * 4;
    return v;
}

static sc_desc dma(const sc_view *dst, const sc_view *src) {
    uint32_t dims[4] = {8, 4, 1, 1};
    const sc_view *v[4] = {dst, src, NULL, NULL};
    return sc_desc_make(SC_DESC_DMA, dims, v);
}

static sc_program *program(void) {
    sc_program *p = NULL;
    sc_err err = {0};
    assert_int_equal(sc_program_create(1, &p, &err), SC_OK);
    return p;
}

static void test_make_leaves_unused_views_zero(void **state) {
    (void)state;
    sc_view s = view(SC_SPACE_SPAD, 8), h = view(SC_SPACE_HBM, 64);
    sc_desc d = dma(&s, &h), zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(d.kind, SC_DESC_DMA);
    assert_int_equal(d.dims[0], 8);
    assert_int_equal(d.dims[3], 1);
    assert_int_equal(d.views[1].strides[1], 64);
    assert_memory_equal(&d.views[2], &zero.views[2], 2 * sizeof d.views[2]);
    assert_int_equal(d.name[0], 0);
}

static void test_identical_reused_different_added(void **state) {
    (void)state;
    sc_program *p = program();
    sc_err err = {0};
    sc_view s = view(SC_SPACE_SPAD, 8), h = view(SC_SPACE_HBM, 64), h2 = view(SC_SPACE_HBM, 32);
    sc_desc a = dma(&s, &h), b = dma(&s, &h2);
    uint32_t id[4] = {9, 9, 9, 9};
    assert_int_equal(sc_desc_intern(p, &a, &id[0], &err), SC_OK);
    assert_int_equal(sc_desc_intern(p, &b, &id[1], &err), SC_OK);
    assert_int_equal(sc_desc_intern(p, &a, &id[2], &err), SC_OK);
    assert_int_equal(id[0], 0);
    assert_int_equal(id[1], 1);
    assert_int_equal(id[2], 0);
    /* the same views and dims as a VEC descriptor are another descriptor */
    sc_view d = view(SC_SPACE_SPAD, 8);
    uint32_t dims[4] = {8, 4, 1, 1};
    const sc_view *vv[4] = {&d, &s, NULL, NULL};
    sc_desc v = sc_desc_make(SC_DESC_VEC, dims, vv), m = dma(&d, &s);
    assert_int_equal(sc_desc_intern(p, &m, &id[3], &err), SC_OK);
    assert_int_equal(sc_desc_intern(p, &v, &id[0], &err), SC_OK);
    assert_int_equal(id[3], 2);
    assert_int_equal(id[0], 3);
    assert_int_equal(sc_program_n_descs(p), 4);
    sc_program_destroy(p);
}

static void test_same_ignores_name_and_padding(void **state) {
    (void)state;
    sc_view s = view(SC_SPACE_SPAD, 8), h = view(SC_SPACE_HBM, 64), h_pad;
    memset(&h_pad, 0xa5, sizeof h_pad); /* padding bytes differ, fields equal */
    h_pad.space = h.space, h_pad.dtype = h.dtype, h_pad.core = h.core, h_pad.buffer = h.buffer;
    h_pad.offset = h.offset;
    memcpy(h_pad.strides, h.strides, sizeof h.strides);
    sc_desc a = dma(&s, &h), b = dma(&s, &h_pad);
    strcpy(b.name, "named");
    assert_true(sc_desc_same(&a, &b));
    b.views[1].offset = 64;
    assert_false(sc_desc_same(&a, &b));
    b = a, b.dims[2] = 2;
    assert_false(sc_desc_same(&a, &b));
    b = a, b.views[0].core = 0;
    assert_false(sc_desc_same(&a, &b));
}

static void test_invalid_descriptor_is_an_error(void **state) {
    (void)state;
    sc_program *p = program();
    sc_err err = {0};
    sc_view s = view(SC_SPACE_SPAD, 8), h = view(SC_SPACE_HBM, 64);
    sc_desc a = dma(&s, &h);
    a.dims[1] = 0;
    uint32_t id = 7;
    assert_int_not_equal(sc_desc_intern(p, &a, &id, &err), SC_OK);
    assert_non_null(strstr(err.msg, "dim 1 is 0"));
    assert_int_equal(sc_program_n_descs(p), 0);
    sc_program_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_make_leaves_unused_views_zero),
        cmocka_unit_test(test_identical_reused_different_added),
        cmocka_unit_test(test_same_ignores_name_and_padding),
        cmocka_unit_test(test_invalid_descriptor_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
