// SPDX-License-Identifier: Apache-2.0
// ONNX backend-test layout (model.onnx + test_data_set_N/{input,output}_K.pb), comparison with
// the suite's tolerances, and the conformance exclusion rule.
#ifndef SC_ONNX_TESTDATA_H
#define SC_ONNX_TESTDATA_H

#include "frontends/tensor_io.h"

/* Reads DIR/PREFIX_0.pb, PREFIX_1.pb, ... until one is missing. Caller frees with
 * sc_tensor_array_free. */
sc_status sc_onnx_read_pb_set(const char *dir, const char *prefix, sc_tensor **out, int *n,
                              sc_err *err);
void sc_tensor_array_free(sc_tensor *t, int n); /* accepts NULL */

/* numpy.testing.assert_allclose semantics: |got - want| <= atol + rtol * |want|, NaN matches
 * NaN, infinities must match exactly; shapes and element counts must agree. Returns 1 when
 * close, else 0 with a one-line reason in why. */
int sc_tensor_allclose(const sc_tensor *got, const sc_tensor *want, double rtol, double atol,
                       char *why, size_t why_len);

/* The exclusion rule of docs/CONFORMANCE.md: training and optimizer ops, sequence / optional /
 * string ops, random-number ops. Returns the reason for an op type (NULL = not excluded). */
const char *sc_onnx_excluded_op(const char *domain, const char *op);

#endif
