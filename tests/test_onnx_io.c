// SPDX-License-Identifier: Apache-2.0
// Tensor files: TensorProto .pb and .npy round trips, typed fields, malformed input errors.
#include <stdlib.h>
#include <string.h>

#include "frontends/tensor_io.h"
#include "helpers/testutil.h"

static void fill(sc_tensor *t) {
    for (size_t i = 0; i < sc_tensor_numel(t); i++)
        sc_tensor_set(t, i, (double)i * 1.5 - 7.0);
}

static void check_same(const sc_tensor *a, const sc_tensor *b) {
    assert_int_equal(a->dtype, b->dtype);
    assert_int_equal(a->rank, b->rank);
    for (int i = 0; i < a->rank; i++)
        assert_int_equal(a->dims[i], b->dims[i]);
    assert_int_equal(a->nbytes, b->nbytes);
    assert_memory_equal(a->data, b->data, a->nbytes);
}

static void test_pb_roundtrip(void **state) {
    (void)state;
    const sc_tdtype types[] = {SC_T_FLOAT, SC_T_INT64,   SC_T_INT32,  SC_T_UINT8,
                               SC_T_BOOL,  SC_T_FLOAT16, SC_T_DOUBLE, SC_T_INT8};
    int64_t dims[3] = {2, 3, 4};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        sc_tensor t = {0}, u = {0}, v = {0};
        sc_err err = {0}, e2 = {0};
        assert_int_equal(sc_tensor_alloc(&t, types[k], 3, dims, &err), SC_OK);
        fill(&t);
        strcpy(t.name, "x");
        uint8_t *buf;
        size_t len;
        assert_int_equal(sc_tensor_to_pb(&t, &buf, &len, &err), SC_OK);
        assert_int_equal(sc_tensor_from_pb(buf, len, NULL, "mem", &u, &err), SC_OK);
        check_same(&t, &u);
        assert_string_equal(u.name, "x");
        /* a message cut inside its data must fail cleanly, naming the source */
        assert_int_not_equal(sc_tensor_from_pb(buf, len - 3, NULL, "cut.pb", &v, &e2), SC_OK);
        assert_non_null(strstr(e2.msg, "cut.pb"));
        free(buf);
        sc_tensor_free(&t);
        sc_tensor_free(&u);
    }
}

static void test_npy_roundtrip_and_files(void **state) {
    (void)state;
    int64_t dims[2] = {5, 7};
    sc_tensor t = {0}, u = {0}, w = {0};
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(&t, SC_T_FLOAT, 2, dims, &err), SC_OK);
    fill(&t);
    const char *dir = tu_temp_dir();
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/t.npy", dir);
    snprintf(p2, sizeof p2, "%s/t.pb", dir);
    assert_int_equal(sc_tensor_write_npy(p1, &t, &err), SC_OK);
    assert_int_equal(sc_tensor_write_pb(p2, &t, &err), SC_OK);
    assert_int_equal(sc_tensor_read_file(p1, &u, &err), SC_OK);
    assert_int_equal(sc_tensor_read_file(p2, &w, &err), SC_OK);
    check_same(&t, &u);
    check_same(&t, &w);
    uint8_t *buf;
    size_t len;
    assert_int_equal(sc_tensor_to_npy(&t, &buf, &len, &err), SC_OK);
    assert_int_equal((len - t.nbytes) % 64, 0); /* header padded as numpy writes it */
    free(buf);
    sc_tensor_free(&t);
    sc_tensor_free(&u);
    sc_tensor_free(&w);
}

static void test_npy_errors(void **state) {
    (void)state;
    sc_tensor t = {0};
    sc_err err = {0}, e2 = {0}, e3 = {0};
    assert_int_equal(sc_tensor_from_npy((const uint8_t *)"hello world!", 12, "a.npy", &t, &err),
                     SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "a.npy"));
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n";
    uint8_t buf[128];
    size_t hl = strlen(dict);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)hl, buf[9] = 0;
    memcpy(buf + 10, dict, hl);
    float vals[4] = {1, 2, 3, 4};
    memcpy(buf + 10 + hl, vals, sizeof vals);
    /* 4 floats promised, 2 given */
    assert_int_equal(sc_tensor_from_npy(buf, 10 + hl + 8, "b.npy", &t, &e2), SC_ERR_PARSE);
    assert_non_null(strstr(e2.msg, "b.npy"));
    assert_int_equal(sc_tensor_from_npy(buf, 10 + hl + 16, "c.npy", &t, &e3), SC_OK);
    assert_int_equal(t.dims[0], 4);
    assert_true(sc_tensor_get(&t, 3) == 4.0);
    sc_tensor_free(&t);
}

static void test_values(void **state) {
    (void)state;
    int64_t d = 3;
    sc_tensor t = {0};
    sc_err err = {0};
    assert_int_equal(sc_tensor_alloc(&t, SC_T_INT64, 1, &d, &err), SC_OK);
    sc_tensor_set(&t, 0, -5);
    int64_t big = (int64_t)1 << 60;
    memcpy((char *)t.data + 8, &big, 8);
    assert_int_equal(sc_tensor_get_i64(&t, 0), -5);
    assert_true(sc_tensor_get_i64(&t, 1) == big); /* exact beyond 2^53 */
    uint64_t h1 = sc_tensor_hash(&t);
    sc_tensor_set(&t, 2, 1);
    assert_true(h1 != sc_tensor_hash(&t));
    sc_tensor_free(&t);
    assert_int_equal(sc_tdtype_size(SC_T_STRING), 0);
    assert_int_not_equal(sc_tensor_alloc(&t, SC_T_STRING, 1, &d, &err), SC_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pb_roundtrip),
        cmocka_unit_test(test_npy_roundtrip_and_files),
        cmocka_unit_test(test_npy_errors),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
