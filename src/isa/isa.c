// SPDX-License-Identifier: Apache-2.0
// Opcode/layout tables generated from isa_table.def and the 16-byte LE encoder/decoder.
#include <stddef.h>
#include <string.h>

#include "isa/isa.h"

#define OPD(n, k, l, h)                                                                            \
    { #n, SC_OPK_##k, (int64_t)(l), (int64_t)(h) }
#define OPD_END                                                                                    \
    { NULL, SC_OPK_REG, 0, 0 }

static const sc_layout_def LAYOUTS[SC_LAYOUT_COUNT] = {
#define SC_LAYOUT(lid, ...) {#lid, {__VA_ARGS__}},
#include "isa/isa_layouts.def"
#undef SC_LAYOUT
};

static const sc_opinfo OPS[SC_OP_COUNT] = {
#define SC_OP(id, mn, cls, lay, vf, doc) {mn, SC_CLASS_##cls, SC_LAYOUT_##lay, SC_VF_##vf, doc},
#include "isa/isa_table.def"
#undef SC_OP
};

static const char *const CLASS_NAMES[SC_CLASS_COUNT] = {"control", "scalar", "sync",      "dma",
                                                        "mma",     "vec",    "collective"};
static const char *const QUEUE_NAMES[SC_QUEUE_COUNT] = {"load", "compute", "store"};
static const char *const SPACE_NAMES[SC_SPACE_COUNT] = {"none", "hbm", "spad", "shared", "const"};
static const char *const SREG_NAMES[SC_SREG_COUNT] = {"core", "chip", "ncores", "nchips", "queue"};
/* Names and element bytes (0: int4, packed, not addressable) from the one dtype table. */
static const char *const DTYPE_NAMES[SC_DTYPE_COUNT] = {
#define SC_DT(e, n, b, doc) [e] = n,
#include "numerics/dtypes.def"
#undef SC_DT
};
static const int DTYPE_BYTES[SC_DTYPE_COUNT] = {
#define SC_DT(e, n, b, doc) [e] = (b) / 8,
#include "numerics/dtypes.def"
#undef SC_DT
};
static const int OPK_WIDTH[SC_OPK_COUNT] = {1, 1, 2, 4, 8, 4, 1, 1, 1, 1, 4, 2};

#define Q(x) (1u << SC_QUEUE_##x)
static const unsigned CLASS_QUEUES[SC_CLASS_COUNT] = {Q(LOAD) | Q(COMPUTE) | Q(STORE),
                                                      Q(LOAD) | Q(COMPUTE) | Q(STORE),
                                                      Q(LOAD) | Q(COMPUTE) | Q(STORE),
                                                      Q(LOAD) | Q(STORE),
                                                      Q(COMPUTE),
                                                      Q(COMPUTE),
                                                      Q(LOAD) | Q(STORE)};
#undef Q

const sc_opinfo *sc_isa_info(unsigned op) {
    return op < SC_OP_COUNT ? &OPS[op] : NULL;
}

const sc_layout_def *sc_isa_layout(sc_layout layout) {
    return (unsigned)layout < SC_LAYOUT_COUNT ? &LAYOUTS[layout] : NULL;
}

/* Operand count per layout at compile time (the executor and the program checks ask per
 * instruction; scanning the layout's names each time was 8% of a validation run): every OPD
 * counts 1, the lone OPD_END of an operand-less layout 0. */
#define N_FIRST(...) N_FIRST_(__VA_ARGS__, 0)

#define N_FIRST_(a, ...) a

#define N_ARGS(...) N_ARGS_(__VA_ARGS__, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

#define N_ARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, n, ...) n

static const int LAYOUT_N_OPS[SC_LAYOUT_COUNT] = {
#undef OPD
#undef OPD_END
#define OPD(n, k, l, h)     1
#define OPD_END             0
#define SC_LAYOUT(lid, ...) [SC_LAYOUT_##lid] = N_ARGS(__VA_ARGS__) - !N_FIRST(__VA_ARGS__),
#include "isa/isa_layouts.def"
#undef SC_LAYOUT
};

int sc_isa_n_operands(unsigned op) {
    return op < SC_OP_COUNT ? LAYOUT_N_OPS[OPS[op].layout] : -1;
}

int sc_isa_operand_index(unsigned op, const char *name) {
    int n = sc_isa_n_operands(op);
    for (int i = 0; i < n; i++)
        if (strcmp(LAYOUTS[OPS[op].layout].ops[i].name, name) == 0) return i;
    return -1;
}

int sc_isa_find_mnemonic(const char *mnemonic) {
    for (int i = 0; i < SC_OP_COUNT; i++)
        if (strcmp(OPS[i].mnemonic, mnemonic) == 0) return i;
    return -1;
}

int sc_isa_opk_width(sc_opk kind) {
    return (unsigned)kind < SC_OPK_COUNT ? OPK_WIDTH[kind] : 0;
}

unsigned sc_isa_class_queues(sc_isa_class cls) {
    return (unsigned)cls < SC_CLASS_COUNT ? CLASS_QUEUES[cls] : 0;
}

const char *sc_isa_class_name(sc_isa_class cls) {
    return (unsigned)cls < SC_CLASS_COUNT ? CLASS_NAMES[cls] : "?";
}

const char *sc_isa_queue_name(sc_queue q) {
    return (unsigned)q < SC_QUEUE_COUNT ? QUEUE_NAMES[q] : "?";
}

const char *sc_isa_space_name(sc_space s) {
    return (unsigned)s < SC_SPACE_COUNT ? SPACE_NAMES[s] : "?";
}

const char *sc_isa_sreg_name(sc_sreg s) {
    return (unsigned)s < SC_SREG_COUNT ? SREG_NAMES[s] : "?";
}

const char *sc_isa_dtype_name(sc_dtype t) {
    return (unsigned)t < SC_DTYPE_COUNT ? DTYPE_NAMES[t] : "?";
}

int sc_isa_dtype_parse(const char *name) {
    if (strcmp(name, "fp8_e4m3") == 0) return SC_DTYPE_FP8_E4M3;
    for (int i = 0; i < SC_DTYPE_COUNT; i++)
        if (strcmp(DTYPE_NAMES[i], name) == 0) return i;
    return -1;
}

int sc_isa_dtype_bytes(sc_dtype t) {
    return (unsigned)t < SC_DTYPE_COUNT ? DTYPE_BYTES[t] : 0;
}

int sc_isa_dtype_bits(sc_dtype t) {
    if (t == SC_DTYPE_INT4) return 4;
    return (unsigned)t < SC_DTYPE_COUNT ? DTYPE_BYTES[t] * 8 : 0;
}

int sc_isa_vfunc_fp64(sc_vfunc f) {
    switch (f) { /* IEEE-exact arithmetic only: no transcendental pipeline in fp64 */
    case SC_VF_ADD:
    case SC_VF_SUB:
    case SC_VF_MUL:
    case SC_VF_DIV:
    case SC_VF_SQRT:
    case SC_VF_MAX:
    case SC_VF_MIN:
    case SC_VF_EQ:
    case SC_VF_NE:
    case SC_VF_LT:
    case SC_VF_LE:
    case SC_VF_GT:
    case SC_VF_GE:
    case SC_VF_NEG:
    case SC_VF_ABS:
    case SC_VF_RELU:
    case SC_VF_CAST:
    case SC_VF_COPY:
    case SC_VF_SELECT:
    case SC_VF_SUM:
    case SC_VF_RMAX:
        return 1;
    default:
        return 0;
    }
}

float sc_insn_f32(const sc_insn *in, int i) {
    uint32_t bits = (uint32_t)in->v[i];
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint32_t sc_isa_f32_bits(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

/* ---- Validation. ---- */

static int is_mma_float(int t) {
    return t == SC_DTYPE_FP32 || t == SC_DTYPE_BF16 || t == SC_DTYPE_FP16 ||
           t == SC_DTYPE_FP8_E4M3 || t == SC_DTYPE_FP8_E5M2;
}

/* MMA inputs: int8 x int8 -> int32, or any float x float (fp32/bf16/fp16/fp8) -> fp32. */
static sc_status check_mma(const sc_insn *in, int base, sc_err *err) {
    int a = (int)in->v[base], b = (int)in->v[base + 1], c = (int)in->v[base + 2];
    if (a == SC_DTYPE_INT8 && b == SC_DTYPE_INT8) {
        if (c != SC_DTYPE_INT32)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: int8 inputs need an int32 accumulator",
                              OPS[in->op].mnemonic);
        return SC_OK;
    }
    if (!is_mma_float(a) || !is_mma_float(b))
        return sc_err_set(err, SC_ERR_INVALID_ARG,
                          "%s: input dtypes %s x %s are not a supported pair", OPS[in->op].mnemonic,
                          DTYPE_NAMES[a], DTYPE_NAMES[b]);
    if (c != SC_DTYPE_FP32)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: float inputs need an fp32 accumulator",
                          OPS[in->op].mnemonic);
    return SC_OK;
}

static sc_status check_rules(const sc_insn *in, sc_err *err) {
    switch (in->op) {
    case SC_OP_MMA:
        return check_mma(in, 6, err);
    case SC_OP_MMAI:
        return check_mma(in, 6, err);
    case SC_OP_ALLREDUCE: {
        int t = (int)in->v[3];
        if (t != SC_DTYPE_FP32 && t != SC_DTYPE_BF16 && t != SC_DTYPE_FP16 && t != SC_DTYPE_INT32)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "allreduce: dtype %s unsupported (fp32, bf16, fp16, int32)",
                              DTYPE_NAMES[t]);
        return SC_OK;
    }
    default:
        return SC_OK;
    }
}

_Static_assert(offsetof(sc_insn, v) == sizeof(uint64_t), "the opcode and its padding fill a word");

sc_insn sc_insn_make(sc_opcode op, const int64_t *v, int n) {
    /* Field by field, padding included (instructions are compared with memcmp): a memset of
     * the struct compiled to `rep stos` and a store-forwarding stall, 6% of building a GEMM. */
    sc_insn in;
    uint64_t head = (uint16_t)op;
    memcpy(&in, &head, sizeof head);
    for (int i = 0; i < SC_ISA_MAX_OPERANDS; i++)
        in.v[i] = i < n ? v[i] : 0;
    return in;
}

sc_status sc_isa_check(const sc_insn *in, sc_err *err) {
    if (in->op >= SC_OP_COUNT)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "invalid opcode %u", (unsigned)in->op);
    const sc_layout_def *l = &LAYOUTS[OPS[in->op].layout];
    int n = sc_isa_n_operands(in->op);
    for (int i = 0; i < n; i++) {
        const sc_operand_def *d = &l->ops[i];
        if (in->v[i] < d->lo || in->v[i] > d->hi)
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "%s: operand %s = %lld out of range [%lld, %lld]",
                              OPS[in->op].mnemonic, d->name, (long long)in->v[i], (long long)d->lo,
                              (long long)d->hi);
        if (d->kind == SC_OPK_DTYPE && in->v[i] == SC_DTYPE_INT4)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: operand %s: int4 is not addressable",
                              OPS[in->op].mnemonic, d->name);
    }
    for (int i = n; i < SC_ISA_MAX_OPERANDS; i++)
        if (in->v[i] != 0)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "%s: has %d operands, value %d is set",
                              OPS[in->op].mnemonic, n, i);
    return check_rules(in, err);
}

/* ---- Encoding: explicit little-endian bytes. ---- */

static void put_le(uint8_t *p, uint64_t v, int width) {
    for (int i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int width) {
    uint64_t v = 0;
    for (int i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Sign-extends signed kinds; everything else is unsigned. */
static int64_t widen(uint64_t raw, sc_opk kind) {
    if (kind == SC_OPK_I32) return (int64_t)(int32_t)(uint32_t)raw;
    if (kind == SC_OPK_I64) return (int64_t)raw;
    return (int64_t)raw;
}

sc_status sc_isa_encode(const sc_insn *in, uint8_t out[SC_ISA_INSN_BYTES], sc_err *err) {
    sc_status st = sc_isa_check(in, err);
    if (st != SC_OK) return st;
    memset(out, 0, SC_ISA_INSN_BYTES);
    put_le(out, in->op, 2);
    const sc_layout_def *l = &LAYOUTS[OPS[in->op].layout];
    int pos = 2, n = sc_isa_n_operands(in->op);
    for (int i = 0; i < n; i++) {
        int w = OPK_WIDTH[l->ops[i].kind];
        put_le(out + pos, (uint64_t)in->v[i], w);
        pos += w;
    }
    return SC_OK;
}

sc_status sc_isa_decode(const uint8_t in[SC_ISA_INSN_BYTES], sc_insn *out, sc_err *err) {
    memset(out, 0, sizeof *out);
    unsigned op = (unsigned)get_le(in, 2);
    if (op >= SC_OP_COUNT) return sc_err_set(err, SC_ERR_PARSE, "invalid opcode %u", op);
    out->op = (uint16_t)op;
    const sc_layout_def *l = &LAYOUTS[OPS[op].layout];
    int pos = 2, n = sc_isa_n_operands(op);
    for (int i = 0; i < n; i++) {
        int w = OPK_WIDTH[l->ops[i].kind];
        out->v[i] = widen(get_le(in + pos, w), l->ops[i].kind);
        pos += w;
    }
    for (; pos < SC_ISA_INSN_BYTES; pos++)
        if (in[pos] != 0)
            return sc_err_set(err, SC_ERR_PARSE, "%s: unused byte %d is not zero", OPS[op].mnemonic,
                              pos);
    sc_status st = sc_isa_check(out, err);
    if (st != SC_OK && err) err->status = SC_ERR_PARSE;
    return st == SC_OK ? SC_OK : SC_ERR_PARSE;
}
