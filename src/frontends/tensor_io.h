// SPDX-License-Identifier: Apache-2.0
// Host tensors and their files: ONNX TensorProto (.pb) and NumPy (.npy) readers and writers.
#ifndef SC_TENSOR_IO_H
#define SC_TENSOR_IO_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define SC_TENSOR_MAX_RANK 8

/* Element types, numbered as ONNX TensorProto.DataType (so .pb files map one to one). */
typedef enum sc_tdtype {
    SC_T_UNDEFINED = 0,
    SC_T_FLOAT = 1,
    SC_T_UINT8 = 2,
    SC_T_INT8 = 3,
    SC_T_UINT16 = 4,
    SC_T_INT16 = 5,
    SC_T_INT32 = 6,
    SC_T_INT64 = 7,
    SC_T_STRING = 8,
    SC_T_BOOL = 9,
    SC_T_FLOAT16 = 10,
    SC_T_DOUBLE = 11,
    SC_T_UINT32 = 12,
    SC_T_UINT64 = 13,
    SC_T_BFLOAT16 = 16,
} sc_tdtype;

/* A dense host tensor: row-major, little-endian elements of dtype. Owns data (malloc). */
typedef struct sc_tensor {
    char name[128];
    sc_tdtype dtype;
    int rank;
    int64_t dims[SC_TENSOR_MAX_RANK];
    void *data;
    size_t nbytes;
} sc_tensor;

size_t sc_tdtype_size(sc_tdtype t); /* 0 for string / undefined */
const char *sc_tdtype_name(sc_tdtype t);
int sc_tdtype_is_float(sc_tdtype t);
size_t sc_tensor_numel(const sc_tensor *t);
/* FNV-1a 64 of dtype, shape and data (identifies a specialised input value). */
uint64_t sc_tensor_hash(const sc_tensor *t);

/* Allocates a zeroed tensor of the given shape; caller owns (sc_tensor_free). */
sc_status sc_tensor_alloc(sc_tensor *t, sc_tdtype dtype, int rank, const int64_t *dims,
                          sc_err *err);
void sc_tensor_free(sc_tensor *t); /* frees data; accepts a zeroed struct */
/* Element access through double (exact for every integer below 2^53). */
double sc_tensor_get(const sc_tensor *t, size_t i);
void sc_tensor_set(sc_tensor *t, size_t i, double v);
int64_t sc_tensor_get_i64(const sc_tensor *t, size_t i);

/* Decodes a serialized TensorProto (external data is resolved relative to base_dir, which may be
 * NULL). what names the source in error messages. */
sc_status sc_tensor_from_pb(const uint8_t *buf, size_t len, const char *base_dir, const char *what,
                            sc_tensor *out, sc_err *err);
/* Same from an already unpacked Onnx__TensorProto (the ONNX loader's initializers). */
sc_status sc_tensor_from_proto_msg(const void *proto, const char *base_dir, const char *what,
                                   sc_tensor *out, sc_err *err);
/* Reads FILE.pb or FILE.npy (chosen by the extension; .pb otherwise). */
sc_status sc_tensor_read_file(const char *path, sc_tensor *out, sc_err *err);
/* Writes a TensorProto with raw_data / a version 1.0 .npy file, atomically. */
sc_status sc_tensor_write_pb(const char *path, const sc_tensor *t, sc_err *err);
sc_status sc_tensor_write_npy(const char *path, const sc_tensor *t, sc_err *err);
/* Serialises to memory (caller frees *out). */
sc_status sc_tensor_to_pb(const sc_tensor *t, uint8_t **out, size_t *len, sc_err *err);
sc_status sc_tensor_to_npy(const sc_tensor *t, uint8_t **out, size_t *len, sc_err *err);
sc_status sc_tensor_from_npy(const uint8_t *buf, size_t len, const char *what, sc_tensor *out,
                             sc_err *err);

#endif
