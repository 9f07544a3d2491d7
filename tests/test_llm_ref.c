// SPDX-License-Identifier: Apache-2.0
// fp64 reference on stories260K: greedy from BOS matches the published first tokens; loader checks.
#include <stdlib.h>

#include "helpers/testutil.h"
#include "test_llm_ref.h"

static void test_stories_config(void **state) {
    (void)state;
    sc_llm_model *m = tu_load_shared_model("models/stories260K.bin");
    if (!m) skip();
    const sc_llm_config *c = &m->cfg;
    assert_int_equal(c->dim, 64);
    assert_int_equal(c->hidden_dim, 172);
    assert_int_equal(c->n_layers, 5);
    assert_int_equal(c->n_heads, 8);
    assert_int_equal(c->n_kv_heads, 4);
    assert_int_equal(c->vocab_size, 512);
    assert_int_equal(c->seq_len, 512);
    assert_int_equal(c->head_dim, 8);
    assert_true(c->tied_embeddings);
    assert_ptr_equal(m->cls, m->tok_emb);
    sc_llm_model_destroy(m);
}

static void test_stories_greedy(void **state) {
    (void)state;
    sc_llm_model *m = tu_load_shared_model("models/stories260K.bin");
    if (!m) skip();
    int bos = 1, out[64];
    ref_greedy(m, &bos, 1, out, 64);
    int first[5] = {461, 461, 401, 401, 401};
    for (int i = 0; i < 5; i++)
        assert_int_equal(out[i], first[i]);
    for (int i = 0; i < 64; i++)
        printf("%d ", out[i]);
    printf("\n");
    sc_llm_model_destroy(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stories_config),
        cmocka_unit_test(test_stories_greedy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
