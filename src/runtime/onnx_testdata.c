// SPDX-License-Identifier: Apache-2.0
// ONNX backend-test layout, tolerance comparison and the conformance exclusion rule.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/onnx_testdata.h"

void sc_tensor_array_free(sc_tensor *t, int n) {
    if (!t) return;
    for (int i = 0; i < n; i++)
        sc_tensor_free(&t[i]);
    free(t);
}

sc_status sc_onnx_read_pb_set(const char *dir, const char *prefix, sc_tensor **out, int *n,
                              sc_err *err) {
    *out = NULL;
    *n = 0;
    sc_tensor *arr = NULL;
    for (int k = 0;; k++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, k);
        if (stat(path, &sb)) break;
        sc_tensor *na = realloc(arr, sizeof *arr * (size_t)(k + 1));
        if (!na) {
            sc_tensor_array_free(arr, k);
            return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
        }
        arr = na;
        if (sc_tensor_read_file(path, &arr[k], err) != SC_OK) {
            sc_tensor_array_free(arr, k);
            return err->status;
        }
        *n = k + 1;
    }
    *out = arr;
    return SC_OK;
}

int sc_tensor_allclose(const sc_tensor *got, const sc_tensor *want, double rtol, double atol,
                       char *why, size_t why_len) {
    if (got->rank != want->rank ||
        memcmp(got->dims, want->dims, sizeof(int64_t) * (size_t)got->rank)) {
        snprintf(why, why_len, "shape differs (rank %d vs %d)", got->rank, want->rank);
        return 0;
    }
    size_t n = sc_tensor_numel(want), bad = 0, first = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double g = sc_tensor_get(got, i), w = sc_tensor_get(want, i);
        int ok;
        if (isnan(w) || isnan(g))
            ok = isnan(w) && isnan(g);
        else if (isinf(w) || isinf(g))
            ok = g == w;
        else
            ok = fabs(g - w) <= atol + rtol * fabs(w);
        if (!ok) {
            if (!bad) first = i;
            bad++;
            double e = fabs(g - w);
            if (e > worst || isnan(e)) worst = e;
        }
    }
    if (!bad) return 1;
    snprintf(why, why_len,
             "%zu of %zu elements differ; first at %zu: got %.9g want %.9g (max abs err %.3g)", bad,
             n, first, sc_tensor_get(got, first), sc_tensor_get(want, first), worst);
    return 0;
}

const char *sc_onnx_excluded_op(const char *domain, const char *op) {
    static const char *TRAIN[] = {"Adagrad", "Adam", "Momentum", "Gradient"};
    static const char *RANDOM[] = {"RandomNormal",      "RandomNormalLike", "RandomUniform",
                                   "RandomUniformLike", "Multinomial",      "Bernoulli"};
    static const char *SEQ[] = {"SequenceAt",       "SequenceConstruct",  "SequenceEmpty",
                                "SequenceErase",    "SequenceInsert",     "SequenceLength",
                                "SequenceMap",      "SplitToSequence",    "ConcatFromSequence",
                                "Optional",         "OptionalGetElement", "OptionalHasElement",
                                "StringNormalizer", "TfIdfVectorizer"};
    if (domain && strstr(domain, "training")) return "training/optimizer op";
    for (size_t i = 0; i < SC_ARRAY_LEN(TRAIN); i++)
        if (!strcmp(op, TRAIN[i])) return "training/optimizer op";
    for (size_t i = 0; i < SC_ARRAY_LEN(RANDOM); i++)
        if (!strcmp(op, RANDOM[i])) return "random-number op";
    for (size_t i = 0; i < SC_ARRAY_LEN(SEQ); i++)
        if (!strcmp(op, SEQ[i])) return "sequence/optional/string op";
    return NULL;
}
