// SPDX-License-Identifier: Apache-2.0
// ONNX model loader: ModelProto (protoc-c generated reader) -> compiler graph IR.
#ifndef SC_ONNX_LOAD_H
#define SC_ONNX_LOAD_H

#include "compiler/ir.h"

#define SC_ONNX_OPSET_MIN 1 /* opsets 7-17 are what the suite exercises; older files load */
#define SC_ONNX_OPSET_MAX 17

/* Loads path (external data files are resolved beside it). Errors name the file and problem.
 * Caller owns *out (sc_ir_graph_destroy). */
sc_status sc_onnx_load_file(const char *path, sc_ir_graph **out, sc_err *err);
/* Same from memory; base_dir (may be NULL) locates external data, what names it in errors. */
sc_status sc_onnx_load_buffer(const uint8_t *buf, size_t len, const char *base_dir,
                              const char *what, sc_ir_graph **out, sc_err *err);

#endif
