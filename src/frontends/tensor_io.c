// SPDX-License-Identifier: Apache-2.0
// Host tensors: ONNX TensorProto (.pb, via the protoc-c generated reader) and NumPy .npy files.
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontends/tensor_io.h"
#include "numerics/numerics.h"
#include "onnx.pb-c.h"

#define TENSOR_MAX_FILE  (4ull << 30)
#define TENSOR_MAX_BYTES (4ull << 30)

size_t sc_tdtype_size(sc_tdtype t) {
    switch (t) {
    case SC_T_FLOAT:
    case SC_T_INT32:
    case SC_T_UINT32:
        return 4;
    case SC_T_UINT8:
    case SC_T_INT8:
    case SC_T_BOOL:
        return 1;
    case SC_T_UINT16:
    case SC_T_INT16:
    case SC_T_FLOAT16:
    case SC_T_BFLOAT16:
        return 2;
    case SC_T_INT64:
    case SC_T_DOUBLE:
    case SC_T_UINT64:
        return 8;
    default:
        return 0;
    }
}

const char *sc_tdtype_name(sc_tdtype t) {
    switch (t) {
    case SC_T_FLOAT:
        return "float";
    case SC_T_UINT8:
        return "uint8";
    case SC_T_INT8:
        return "int8";
    case SC_T_UINT16:
        return "uint16";
    case SC_T_INT16:
        return "int16";
    case SC_T_INT32:
        return "int32";
    case SC_T_INT64:
        return "int64";
    case SC_T_STRING:
        return "string";
    case SC_T_BOOL:
        return "bool";
    case SC_T_FLOAT16:
        return "float16";
    case SC_T_DOUBLE:
        return "double";
    case SC_T_UINT32:
        return "uint32";
    case SC_T_UINT64:
        return "uint64";
    case SC_T_BFLOAT16:
        return "bfloat16";
    default:
        return "undefined";
    }
}

int sc_tdtype_is_float(sc_tdtype t) {
    return t == SC_T_FLOAT || t == SC_T_FLOAT16 || t == SC_T_DOUBLE || t == SC_T_BFLOAT16;
}

size_t sc_tensor_numel(const sc_tensor *t) {
    size_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= (size_t)t->dims[i];
    return n;
}

uint64_t sc_tensor_hash(const sc_tensor *t) {
    uint64_t h = 1469598103934665603ull;
    const unsigned char *p = t->data;
    h = (h ^ (uint64_t)t->dtype) * 1099511628211ull;
    for (int i = 0; i < t->rank; i++)
        h = (h ^ (uint64_t)t->dims[i]) * 1099511628211ull;
    for (size_t i = 0; i < t->nbytes; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h >> 1; /* 63 bits: prints and parses as a plain decimal */
}

sc_status sc_tensor_alloc(sc_tensor *t, sc_tdtype dtype, int rank, const int64_t *dims,
                          sc_err *err) {
    size_t es = sc_tdtype_size(dtype), n = 1;
    if (!es) return sc_err_set(err, SC_ERR_UNSUPPORTED, "tensor type %s", sc_tdtype_name(dtype));
    if (rank < 0 || rank > SC_TENSOR_MAX_RANK)
        return sc_err_set(err, SC_ERR_LIMIT, "rank %d exceeds %d", rank, SC_TENSOR_MAX_RANK);
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || sc_mul_size(n, (size_t)dims[i], &n))
            return sc_err_set(err, SC_ERR_PARSE, "bad dimension %lld", (long long)dims[i]);
    }
    size_t bytes;
    if (sc_mul_size(n, es, &bytes) || bytes > TENSOR_MAX_BYTES)
        return sc_err_set(err, SC_ERR_LIMIT, "tensor too large");
    t->data = calloc(bytes ? bytes : 1, 1);
    if (!t->data) return sc_err_set(err, SC_ERR_NOMEM, "out of memory (%zu bytes)", bytes);
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->dims[i] = dims[i];
    t->nbytes = bytes;
    return SC_OK;
}

void sc_tensor_free(sc_tensor *t) {
    if (!t) return;
    free(t->data);
    t->data = NULL;
    t->nbytes = 0;
}

double sc_tensor_get(const sc_tensor *t, size_t i) {
    const unsigned char *p = (const unsigned char *)t->data + i * sc_tdtype_size(t->dtype);
    switch (t->dtype) {
    case SC_T_FLOAT: {
        float v;
        memcpy(&v, p, 4);
        return v;
    }
    case SC_T_DOUBLE: {
        double v;
        memcpy(&v, p, 8);
        return v;
    }
    case SC_T_FLOAT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return sc_f16_to_f32(v);
    }
    case SC_T_BFLOAT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return sc_bf16_to_f32(v);
    }
    case SC_T_UINT8:
    case SC_T_BOOL:
        return *p;
    case SC_T_INT8:
        return (int8_t)*p;
    case SC_T_UINT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case SC_T_INT16: {
        int16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case SC_T_INT32: {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case SC_T_UINT32: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case SC_T_INT64: {
        int64_t v;
        memcpy(&v, p, 8);
        return (double)v;
    }
    case SC_T_UINT64: {
        uint64_t v;
        memcpy(&v, p, 8);
        return (double)v;
    }
    default:
        return 0;
    }
}

int64_t sc_tensor_get_i64(const sc_tensor *t, size_t i) {
    const unsigned char *p = (const unsigned char *)t->data + i * sc_tdtype_size(t->dtype);
    if (t->dtype == SC_T_INT64 || t->dtype == SC_T_UINT64) {
        int64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    return (int64_t)sc_tensor_get(t, i);
}

/* Float to integer with saturation (C's conversion of out-of-range values is undefined). */
static int64_t sat_i64(double v, double lo, double hi) {
    if (v != v) return 0;
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (int64_t)v;
}

void sc_tensor_set(sc_tensor *t, size_t i, double v) {
    unsigned char *p = (unsigned char *)t->data + i * sc_tdtype_size(t->dtype);
    switch (t->dtype) {
    case SC_T_FLOAT: {
        float f = (float)v;
        memcpy(p, &f, 4);
        break;
    }
    case SC_T_DOUBLE:
        memcpy(p, &v, 8);
        break;
    case SC_T_FLOAT16: {
        uint16_t h = sc_f32_to_f16((float)v);
        memcpy(p, &h, 2);
        break;
    }
    case SC_T_BFLOAT16: {
        uint16_t h = sc_f32_to_bf16((float)v);
        memcpy(p, &h, 2);
        break;
    }
    case SC_T_BOOL:
        *p = v != 0;
        break;
    case SC_T_UINT8:
        *p = (uint8_t)sat_i64(v, 0, 255);
        break;
    case SC_T_INT8:
        *p = (uint8_t)(int8_t)sat_i64(v, -128, 127);
        break;
    case SC_T_UINT16: {
        uint16_t x = (uint16_t)sat_i64(v, 0, 65535);
        memcpy(p, &x, 2);
        break;
    }
    case SC_T_INT16: {
        int16_t x = (int16_t)sat_i64(v, -32768, 32767);
        memcpy(p, &x, 2);
        break;
    }
    case SC_T_INT32: {
        int32_t x = (int32_t)sat_i64(v, INT32_MIN, INT32_MAX);
        memcpy(p, &x, 4);
        break;
    }
    case SC_T_UINT32: {
        uint32_t x = (uint32_t)sat_i64(v, 0, 4294967295.0);
        memcpy(p, &x, 4);
        break;
    }
    case SC_T_INT64: {
        int64_t x = sat_i64(v, -9.2233720368547748e18, 9.2233720368547748e18);
        memcpy(p, &x, 8);
        break;
    }
    case SC_T_UINT64: {
        uint64_t x = v <= 0 || v != v ? 0 : (uint64_t)v;
        memcpy(p, &x, 8);
        break;
    }
    default:
        break;
    }
}

/* ---- TensorProto ---- */

/* Where an external tensor's bytes lie, checked against the file before anything is allocated
 * (a small model whose dims claim gigabytes must not allocate them to find the file short). */
typedef struct ext_src {
    char path[4096];
    uint64_t off;
} ext_src;

static sc_status external_source(const Onnx__TensorProto *tp, const char *base_dir,
                                 const char *what, size_t need, ext_src *src, sc_err *err) {
    const char *loc = NULL, *name = tp->name ? tp->name : "";
    uint64_t length = UINT64_MAX;
    src->off = 0;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const char *k = tp->external_data[i]->key, *v = tp->external_data[i]->value;
        if (!k || !v) continue;
        if (!strcmp(k, "location"))
            loc = v;
        else if (!strcmp(k, "offset"))
            src->off = strtoull(v, NULL, 10);
        else if (!strcmp(k, "length"))
            length = strtoull(v, NULL, 10);
    }
    if (!loc || strstr(loc, ".."))
        return sc_err_set(err, SC_ERR_PARSE, "%s: tensor '%s': bad external data location", what,
                          name);
    snprintf(src->path, sizeof src->path, "%s/%s", base_dir ? base_dir : ".", loc);
    struct stat sb;
    if (stat(src->path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return sc_err_set(err, SC_ERR_IO, "%s: tensor '%s': cannot read external data %s", what,
                          name, src->path);
    uint64_t len = (uint64_t)sb.st_size;
    if (length == UINT64_MAX) length = len > src->off ? len - src->off : 0;
    if (src->off > len || length > len - src->off || length != need)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: tensor '%s': external data %s holds %llu bytes at offset %llu, "
                          "need %zu",
                          what, name, src->path, (unsigned long long)len,
                          (unsigned long long)src->off, need);
    return SC_OK;
}

/* Reads the checked range straight into the tensor (no second copy of a large file). */
static sc_status read_external(const ext_src *src, const char *what, sc_tensor *out, sc_err *err) {
    FILE *f = fopen(src->path, "rb");
    int ok = f && fseeko(f, (off_t)src->off, SEEK_SET) == 0 &&
             fread(out->data, 1, out->nbytes, f) == out->nbytes;
    if (f) fclose(f);
    if (!ok)
        return sc_err_set(err, SC_ERR_IO,
                          "%s: tensor '%s': external data %s is shorter than %zu "
                          "bytes at offset %llu",
                          what, out->name, src->path, out->nbytes, (unsigned long long)src->off);
    return SC_OK;
}

/* Values present in the typed repeated field that dtype t uses. */
static size_t typed_count(const Onnx__TensorProto *tp, sc_tdtype t) {
    if (t == SC_T_FLOAT) return tp->n_float_data;
    if (t == SC_T_DOUBLE) return tp->n_double_data;
    if (t == SC_T_INT64) return tp->n_int64_data;
    if (t == SC_T_UINT32 || t == SC_T_UINT64) return tp->n_uint64_data;
    return tp->n_int32_data;
}

/* Typed repeated fields: element i of whichever field the dtype uses (the count was checked
 * by check_data_size). */
static void read_typed(const Onnx__TensorProto *tp, sc_tensor *out) {
    size_t n = sc_tensor_numel(out);
    sc_tdtype t = out->dtype;
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = (unsigned char *)out->data + i * sc_tdtype_size(t);
        if (t == SC_T_FLOAT)
            memcpy(p, &tp->float_data[i], 4);
        else if (t == SC_T_DOUBLE)
            memcpy(p, &tp->double_data[i], 8);
        else if (t == SC_T_INT64)
            memcpy(p, &tp->int64_data[i], 8);
        else if (t == SC_T_UINT64)
            memcpy(p, &tp->uint64_data[i], 8);
        else if (t == SC_T_UINT32) {
            uint32_t v = (uint32_t)tp->uint64_data[i];
            memcpy(p, &v, 4);
        } else if (t == SC_T_FLOAT16 || t == SC_T_BFLOAT16 || t == SC_T_UINT16) {
            uint16_t v = (uint16_t)tp->int32_data[i];
            memcpy(p, &v, 2);
        } else
            sc_tensor_set(out, i, tp->int32_data[i]);
    }
}

static int is_external(const Onnx__TensorProto *tp) {
    return tp->has_data_location &&
           tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
}

/* The data (external file, raw bytes or typed values) must match the shape before anything is
 * allocated: a 30-byte .pb whose dims claim gigabytes would otherwise allocate and zero them.
 * Shapes that overflow are left to sc_tensor_alloc, which refuses them. */
static sc_status check_data_size(const Onnx__TensorProto *tp, sc_tdtype t, const char *base_dir,
                                 const char *what, ext_src *ext, sc_err *err) {
    size_t n = 1, bytes;
    for (size_t i = 0; i < tp->n_dims; i++)
        if (tp->dims[i] < 0 || sc_mul_size(n, (size_t)tp->dims[i], &n)) return SC_OK;
    if (sc_mul_size(n, sc_tdtype_size(t), &bytes)) return SC_OK;
    const char *name = tp->name ? tp->name : "";
    if (is_external(tp)) return external_source(tp, base_dir, what, bytes, ext, err);
    if (tp->has_raw_data && tp->raw_data.len != bytes)
        return sc_err_set(err, SC_ERR_PARSE, "%s: tensor '%s' raw data is %zu bytes, need %zu",
                          what, name, tp->raw_data.len, bytes);
    if (!tp->has_raw_data && typed_count(tp, t) != n)
        return sc_err_set(err, SC_ERR_PARSE, "%s: tensor '%s' has %zu values for %zu elements",
                          what, name, typed_count(tp, t), n);
    return SC_OK;
}

static sc_status tensor_from_proto(const Onnx__TensorProto *tp, const char *base_dir,
                                   const char *what, sc_tensor *out, sc_err *err) {
    memset(out, 0, sizeof *out);
    sc_tdtype t = (sc_tdtype)(tp->has_data_type ? tp->data_type : 0);
    if (!sc_tdtype_size(t))
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s: tensor '%s' has unsupported type %s (%d)",
                          what, tp->name ? tp->name : "", sc_tdtype_name(t), (int)t);
    if (tp->n_dims > SC_TENSOR_MAX_RANK)
        return sc_err_set(err, SC_ERR_LIMIT, "%s: tensor rank %zu exceeds %d", what, tp->n_dims,
                          SC_TENSOR_MAX_RANK);
    ext_src ext;
    sc_status st = check_data_size(tp, t, base_dir, what, &ext, err);
    if (st != SC_OK) return st;
    sc_err e2 = {0};
    if (sc_tensor_alloc(out, t, (int)tp->n_dims, tp->dims, &e2) != SC_OK)
        return sc_err_set(err, e2.status, "%s: %s", what, e2.msg);
    if (tp->name) sc_strlcpy(out->name, tp->name, sizeof out->name);
    if (is_external(tp))
        st = read_external(&ext, what, out, err);
    else if (tp->has_raw_data && out->nbytes)
        memcpy(out->data, tp->raw_data.data, out->nbytes);
    else if (!tp->has_raw_data)
        read_typed(tp, out);
    if (st != SC_OK) sc_tensor_free(out);
    return st;
}

sc_status sc_tensor_from_pb(const uint8_t *buf, size_t len, const char *base_dir, const char *what,
                            sc_tensor *out, sc_err *err) {
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
    if (!tp)
        return sc_err_set(err, SC_ERR_PARSE,
                          "%s: not a valid ONNX TensorProto (truncated or "
                          "malformed protobuf)",
                          what);
    sc_status st = tensor_from_proto(tp, base_dir, what, out, err);
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return st;
}

sc_status sc_tensor_from_proto_msg(const void *proto, const char *base_dir, const char *what,
                                   sc_tensor *out, sc_err *err) {
    return tensor_from_proto((const Onnx__TensorProto *)proto, base_dir, what, out, err);
}

sc_status sc_tensor_to_pb(const sc_tensor *t, uint8_t **out, size_t *len, sc_err *err) {
    Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
    tp.n_dims = (size_t)t->rank;
    tp.dims = (int64_t *)t->dims;
    tp.has_data_type = 1;
    tp.data_type = (int32_t)t->dtype;
    tp.name = (char *)t->name;
    tp.has_raw_data = 1;
    tp.raw_data.len = t->nbytes;
    tp.raw_data.data = t->data;
    size_t n = onnx__tensor_proto__get_packed_size(&tp);
    *out = malloc(n ? n : 1);
    if (!*out) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    *len = onnx__tensor_proto__pack(&tp, *out);
    return SC_OK;
}

/* ---- NumPy .npy (format 1.0/2.0/3.0, little-endian, C order) ---- */

static const struct {
    const char *descr;
    sc_tdtype t;
} NPY_TYPES[] = {
    {"<f4", SC_T_FLOAT}, {"<f8", SC_T_DOUBLE}, {"<f2", SC_T_FLOAT16}, {"|u1", SC_T_UINT8},
    {"|i1", SC_T_INT8},  {"<u2", SC_T_UINT16}, {"<i2", SC_T_INT16},   {"<i4", SC_T_INT32},
    {"<i8", SC_T_INT64}, {"|b1", SC_T_BOOL},   {"<u4", SC_T_UINT32},  {"<u8", SC_T_UINT64},
    {"<u1", SC_T_UINT8}, {"<i1", SC_T_INT8},   {"<b1", SC_T_BOOL},
};

static sc_status npy_header(const char *h, const char *what, sc_tdtype *t, int *rank, int64_t *dims,
                            sc_err *err) {
    const char *d = strstr(h, "'descr'"), *f = strstr(h, "'fortran_order'"),
               *s = strstr(h, "'shape'");
    /* A key without its ':' (hostile header) must not reach strchr(NULL, ...). */
    const char *fc = f ? strchr(f, ':') : NULL, *dc = d ? strchr(d, ':') : NULL;
    if (!d || !f || !s || !fc || !dc)
        return sc_err_set(err, SC_ERR_PARSE, "%s: bad .npy header", what);
    if (strncmp(fc + 1 + strspn(fc + 1, " "), "False", 5))
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s: Fortran-order .npy", what);
    const char *q = strchr(dc, '\'');
    *t = SC_T_UNDEFINED;
    for (size_t i = 0; q && i < SC_ARRAY_LEN(NPY_TYPES); i++)
        if (!strncmp(q + 1, NPY_TYPES[i].descr, 3) && q[4] == '\'') *t = NPY_TYPES[i].t;
    if (*t == SC_T_UNDEFINED)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "%s: unsupported .npy dtype", what);
    const char *p = strchr(s, '(');
    if (!p) return sc_err_set(err, SC_ERR_PARSE, "%s: bad .npy shape", what);
    *rank = 0;
    p++;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')') break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || *rank >= SC_TENSOR_MAX_RANK)
            return sc_err_set(err, SC_ERR_PARSE, "%s: bad .npy shape", what);
        dims[(*rank)++] = v;
        p = end;
        if (*p == 'L') p++;
    }
    return SC_OK;
}

sc_status sc_tensor_from_npy(const uint8_t *buf, size_t len, const char *what, sc_tensor *out,
                             sc_err *err) {
    memset(out, 0, sizeof *out);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
        return sc_err_set(err, SC_ERR_PARSE, "%s: not a .npy file (bad magic)", what);
    size_t hl, ho;
    if (buf[6] == 1)
        hl = buf[8] | (size_t)buf[9] << 8, ho = 10;
    else {
        if (len < 12) return sc_err_set(err, SC_ERR_PARSE, "%s: truncated .npy header", what);
        hl = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24, ho = 12;
    }
    if (hl > len - ho || hl > 65536)
        return sc_err_set(err, SC_ERR_PARSE, "%s: truncated .npy header", what);
    char *h = malloc(hl + 1);
    if (!h) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    memcpy(h, buf + ho, hl);
    h[hl] = 0;
    sc_tdtype t = SC_T_UNDEFINED;
    int rank = 0;
    int64_t dims[SC_TENSOR_MAX_RANK];
    sc_status st = npy_header(h, what, &t, &rank, dims, err);
    free(h);
    if (st != SC_OK) return st;
    /* Check the shape against the bytes present before allocating: a 100-byte file must not
     * make us reserve gigabytes. */
    size_t want = sc_tdtype_size(t), have = len - ho - hl;
    for (int i = 0; i < rank && want; i++)
        if (sc_mul_size(want, (size_t)dims[i], &want)) want = SIZE_MAX;
    if (want != SIZE_MAX && want != have)
        return sc_err_set(err, SC_ERR_PARSE, "%s: .npy data is %zu bytes, shape needs %zu", what,
                          have, want);
    sc_err e2 = {0};
    if (sc_tensor_alloc(out, t, rank, dims, &e2) != SC_OK)
        return sc_err_set(err, e2.status, "%s: %s", what, e2.msg);
    if (len - ho - hl != out->nbytes) {
        sc_tensor_free(out);
        return sc_err_set(err, SC_ERR_PARSE, "%s: .npy data is %zu bytes, shape needs %zu", what,
                          len - ho - hl, out->nbytes);
    }
    if (out->nbytes) memcpy(out->data, buf + ho + hl, out->nbytes);
    return SC_OK;
}

sc_status sc_tensor_to_npy(const sc_tensor *t, uint8_t **out, size_t *len, sc_err *err) {
    const char *descr = NULL;
    for (size_t i = 0; i < SC_ARRAY_LEN(NPY_TYPES) && !descr; i++)
        if (NPY_TYPES[i].t == t->dtype) descr = NPY_TYPES[i].descr;
    if (!descr)
        return sc_err_set(err, SC_ERR_UNSUPPORTED, "no .npy type for %s", sc_tdtype_name(t->dtype));
    char shape[256] = "";
    size_t sl = 0;
    for (int i = 0; i < t->rank; i++)
        sl += (size_t)snprintf(shape + sl, sizeof shape - sl, "%lld,%s", (long long)t->dims[i],
                               i + 1 < t->rank ? " " : "");
    if (t->rank > 1) shape[sl - 1] = 0; /* numpy writes (2, 3) but (4,) */
    char h[512];
    int hl = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                      descr, shape);
    int total = 10 + hl + 1, pad = (64 - total % 64) % 64;
    size_t n = (size_t)(total + pad) + t->nbytes;
    uint8_t *b = malloc(n);
    if (!b) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    int hdr = hl + pad + 1;
    b[8] = (uint8_t)(hdr & 255), b[9] = (uint8_t)(hdr >> 8);
    memcpy(b + 10, h, (size_t)hl);
    memset(b + 10 + hl, ' ', (size_t)pad);
    b[10 + hl + pad] = '\n';
    if (t->nbytes) memcpy(b + total + pad, t->data, t->nbytes);
    *out = b;
    *len = n;
    return SC_OK;
}

/* ---- files ---- */

sc_status sc_tensor_read_file(const char *path, sc_tensor *out, sc_err *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (sc_read_file(path, TENSOR_MAX_FILE, &buf, &len, err) != SC_OK) return err->status;
    sc_status st;
    if (sc_str_endswith(path, ".npy"))
        st = sc_tensor_from_npy(buf, len, path, out, err);
    else {
        char dir[4096];
        sc_path_dir(path, dir, sizeof dir);
        st = sc_tensor_from_pb(buf, len, dir, path, out, err);
    }
    free(buf);
    return st;
}

static sc_status write_with(const char *path, const sc_tensor *t, sc_err *err,
                            sc_status (*ser)(const sc_tensor *, uint8_t **, size_t *, sc_err *)) {
    uint8_t *b = NULL;
    size_t n = 0;
    if (ser(t, &b, &n, err) != SC_OK) return err->status;
    sc_status st = sc_write_file_atomic(path, b, n, err);
    free(b);
    return st;
}

sc_status sc_tensor_write_pb(const char *path, const sc_tensor *t, sc_err *err) {
    return write_with(path, t, err, sc_tensor_to_pb);
}

sc_status sc_tensor_write_npy(const char *path, const sc_tensor *t, sc_err *err) {
    return write_with(path, t, err, sc_tensor_to_npy);
}
