// SPDX-License-Identifier: Apache-2.0
// ISA: every opcode encodes/decodes/assembles/disassembles identically; hostile .scb files fail.
#include <stdlib.h>
#include <string.h>

#include "helpers/testutil.h"
#include "isa/isa.h"
#include "util/util.h"

/* A view in the own scratchpad. */
static sc_view spad_view(sc_dtype t, uint64_t off, int32_t s0, int32_t s1) {
    sc_view v;
    memset(&v, 0, sizeof v);
    v.space = SC_SPACE_SPAD;
    v.dtype = (uint8_t)t;
    v.core = SC_ISA_SELF;
    v.buffer = SC_ISA_NO_BUFFER;
    v.offset = off;
    v.strides[0] = s0;
    v.strides[1] = s1;
    return v;
}

/* Descriptor 0: DMA hbm buffer W -> core 1's scratchpad (bf16 -> fp32, broadcast on dim 2);
 * descriptor 1: VEC with all four views. */
static void add_tables(sc_program *p) {
    sc_err err = {0};
    sc_buffer b;
    memset(&b, 0, sizeof b);
    strcpy(b.name, "W");
    b.space = SC_SPACE_HBM;
    b.dtype = SC_DTYPE_BF16;
    b.rank = 2;
    b.dims[0] = 64;
    b.dims[1] = 128;
    b.dims[2] = b.dims[3] = 1;
    b.offset = 4096;
    b.size = 64 * 128 * 2;
    assert_int_equal(sc_program_add_buffer(p, &b, NULL, &err), SC_OK);
    sc_desc d;
    memset(&d, 0, sizeof d);
    strcpy(d.name, "ldW");
    d.kind = SC_DESC_DMA;
    d.dims[0] = 128, d.dims[1] = 64, d.dims[2] = 2, d.dims[3] = 1;
    d.views[0] = spad_view(SC_DTYPE_FP32, 256, 1, 128);
    d.views[0].core = 1;
    d.views[0].strides[2] = 8192;
    d.views[1] = spad_view(SC_DTYPE_BF16, 16, 1, 128);
    d.views[1].space = SC_SPACE_HBM;
    d.views[1].buffer = 0;
    assert_int_equal(sc_program_add_desc(p, &d, NULL, &err), SC_OK);
    memset(&d, 0, sizeof d);
    strcpy(d.name, "v4");
    d.kind = SC_DESC_VEC;
    d.dims[0] = 128, d.dims[1] = 8, d.dims[2] = d.dims[3] = 1;
    d.views[0] = spad_view(SC_DTYPE_BF16, 0, 1, 128);
    d.views[1] = spad_view(SC_DTYPE_BF16, 0, 1, 128);
    d.views[2] = spad_view(SC_DTYPE_FP32, 65536, 0, 1);      /* column broadcast */
    d.views[3] = spad_view(SC_DTYPE_FP8_E4M3, 131072, 1, 0); /* row broadcast */
    assert_int_equal(sc_program_add_desc(p, &d, NULL, &err), SC_OK);
    strcpy(d.name, "v64"); /* fp64 views: 8-byte elements, last row of the dtype table */
    d.views[0] = spad_view(SC_DTYPE_FP64, 262144, 1, 128);
    d.views[1] = spad_view(SC_DTYPE_INT32, 0, 1, 128);
    d.views[2] = spad_view(SC_DTYPE_FP64, 65536, 0, 1);
    d.views[3] = spad_view(SC_DTYPE_FP64, 131072, 1, 0);
    assert_int_equal(sc_program_add_desc(p, &d, NULL, &err), SC_OK);
    uint8_t blob[5] = {1, 2, 3, 4, 5};
    assert_int_equal(sc_program_add_const(p, blob, sizeof blob, 8, NULL, &err), SC_OK);
    assert_int_equal(sc_program_add_const(p, blob, 3, 16, NULL, &err), SC_OK);
}

/* One instance of `op` with non-trivial operands; `n_in_stream` bounds label targets. */
static sc_insn sample(unsigned op, int64_t n_in_stream) {
    sc_insn in;
    memset(&in, 0, sizeof in);
    in.op = (uint16_t)op;
    const sc_layout_def *l = sc_isa_layout(sc_isa_info(op)->layout);
    int dt = 0;
    for (int i = 0; l->ops[i].name; i++) {
        const sc_operand_def *d = &l->ops[i];
        int64_t v = 0;
        switch (d->kind) {
        case SC_OPK_REG:
            v = (3 + 7 * i + (int64_t)op) % 31 + 1;
            break;
        case SC_OPK_U8:
        case SC_OPK_U16:
            v = d->lo + (d->hi - d->lo) / 3 + 1;
            break;
        case SC_OPK_I32:
            v = -123456 - i;
            break;
        case SC_OPK_I64:
            v = -0x123456789abLL;
            break;
        case SC_OPK_F32:
            v = sc_isa_f32_bits(-1.7f);
            break;
        case SC_OPK_DTYPE: {
            static const int mma[3] = {SC_DTYPE_FP8_E4M3, SC_DTYPE_FP8_E5M2, SC_DTYPE_FP32};
            v = op == SC_OP_ALLREDUCE ? SC_DTYPE_BF16 : mma[dt++ % 3];
            break;
        }
        case SC_OPK_SPACE:
            v = SC_SPACE_SHARED;
            break;
        case SC_OPK_SREG:
            v = SC_SREG_NCHIPS;
            break;
        case SC_OPK_MMAFLAGS:
            v = SC_MMA_TA | SC_MMA_ACC;
            break;
        case SC_OPK_LABEL:
            v = n_in_stream / 2;
            break;
        case SC_OPK_DESC:
            v = sc_isa_info(op)->cls == SC_CLASS_DMA ? 0 : 1;
            break;
        default:
            break;
        }
        if (v > d->hi) v = d->hi;
        if (v < d->lo) v = d->lo;
        in.v[i] = v;
    }
    return in;
}

static sc_queue queue_for(unsigned op) {
    unsigned m = sc_isa_class_queues(sc_isa_info(op)->cls);
    return (m & (1u << SC_QUEUE_STORE)) ? SC_QUEUE_STORE : SC_QUEUE_COMPUTE;
}

/* A 2-core program holding one sample of every opcode (core 1), with tables and constants. */
static sc_program *every_opcode_program(void) {
    sc_err err = {0};
    sc_program *p = NULL;
    assert_int_equal(sc_program_create(2, &p, &err), SC_OK);
    assert_int_equal(sc_program_set_name(p, "every_op", &err), SC_OK);
    add_tables(p);
    for (unsigned op = 0; op < SC_OP_COUNT; op++) {
        sc_insn in = sample(op, 40);
        if (sc_program_add_insn(p, 1, queue_for(op), &in, NULL, &err) != SC_OK)
            fail_msg("%s: %s", sc_isa_info(op)->mnemonic, err.msg);
    }
    if (sc_program_validate(p, &err) != SC_OK) fail_msg("validate: %s", err.msg);
    return p;
}

static void test_table(void **state) {
    (void)state;
    assert_true(SC_OP_COUNT > 90);
    for (unsigned op = 0; op < SC_OP_COUNT; op++) {
        const sc_opinfo *in = sc_isa_info(op);
        assert_int_equal(sc_isa_find_mnemonic(in->mnemonic), (int)op);
        int w = 2, named = 0;
        const sc_layout_def *l = sc_isa_layout(in->layout);
        for (int i = 0; l->ops[i].name; i++, named++)
            w += sc_isa_opk_width(l->ops[i].kind);
        if (w > SC_ISA_INSN_BYTES) fail_msg("%s needs %d bytes", in->mnemonic, w);
        /* the operand count is a compile-time table: it must match the layout's named operands */
        if (sc_isa_n_operands(op) != named)
            fail_msg("%s: %d operands counted, layout names %d", in->mnemonic,
                     sc_isa_n_operands(op), named);
        assert_true(in->doc[0] != '\0');
        assert_true(in->cls != SC_CLASS_VEC || in->vfunc != SC_VF_NONE);
    }
    assert_null(sc_isa_info(SC_OP_COUNT));
    assert_int_equal(sc_isa_n_operands(SC_OP_COUNT), -1);
    assert_int_equal(sc_isa_find_mnemonic("bogus"), -1);
    assert_int_equal(sc_isa_operand_index(SC_OP_MMAI, "k"), 5);
}

static void test_encode_decode_every_op(void **state) {
    (void)state;
    for (unsigned op = 0; op < SC_OP_COUNT; op++) {
        sc_err err = {0};
        sc_insn in = sample(op, 40), out;
        uint8_t w[SC_ISA_INSN_BYTES];
        if (sc_isa_encode(&in, w, &err) != SC_OK)
            fail_msg("%s: %s", sc_isa_info(op)->mnemonic, err.msg);
        assert_int_equal(w[0] | w[1] << 8, (int)op);
        assert_int_equal(sc_isa_decode(w, &out, &err), SC_OK);
        assert_memory_equal(&in, &out, sizeof in);
        /* A non-zero byte past the operands is rejected. */
        int n = sc_isa_n_operands(op), used = 2;
        const sc_layout_def *l = sc_isa_layout(sc_isa_info(op)->layout);
        for (int i = 0; i < n; i++)
            used += sc_isa_opk_width(l->ops[i].kind);
        if (used < SC_ISA_INSN_BYTES) {
            w[SC_ISA_INSN_BYTES - 1] = 1;
            sc_err e2 = {0};
            assert_int_equal(sc_isa_decode(w, &out, &e2), SC_ERR_PARSE);
            assert_non_null(strstr(e2.msg, "not zero"));
        }
    }
}

static void test_insn_make(void **state) {
    (void)state;
    int64_t v[SC_ISA_MAX_OPERANDS + 2];
    for (int i = 0; i < SC_ISA_MAX_OPERANDS + 2; i++)
        v[i] = 100 + i;
    sc_insn in = sc_insn_make(SC_OP_LI, v, 2);
    assert_int_equal(in.op, SC_OP_LI);
    assert_int_equal(in.v[0], 100);
    assert_int_equal(in.v[1], 101);
    for (int i = 2; i < SC_ISA_MAX_OPERANDS; i++)
        assert_int_equal(in.v[i], 0);                        /* unused operands encode as zero */
    in = sc_insn_make(SC_OP_LI, v, SC_ISA_MAX_OPERANDS + 2); /* cut, not overrun */
    assert_int_equal(in.v[SC_ISA_MAX_OPERANDS - 1], 100 + SC_ISA_MAX_OPERANDS - 1);
    int64_t li[] = {3, -7};
    in = sc_insn_make(SC_OP_LI, li, 2);
    assert_int_equal(sc_isa_check(&in, NULL), SC_OK);
}

/* sc_program_add_op builds in place what add_insn(sc_insn_make(...)) appends, byte for byte;
 * a rejected instruction (bad operand, wrong queue) leaves the stream as it was. */
static void test_add_op_matches_add_insn(void **state) {
    (void)state;
    sc_program *a = NULL, *b = NULL;
    assert_int_equal(sc_program_create(2, &a, NULL), SC_OK);
    assert_int_equal(sc_program_create(2, &b, NULL), SC_OK);
    int64_t v[][SC_ISA_MAX_OPERANDS] = {{3, -7}, {1, 2, 3}, {4, 2}, {0, 0, 0, 0, 0}};
    sc_opcode ops[] = {SC_OP_LI, SC_OP_ADD, SC_OP_LOOP, SC_OP_NOP};
    int n[] = {2, 3, 2, 0};
    for (int k = 0; k < 200; k++) { /* enough to grow the stream several times */
        int i = k % 4;
        sc_insn in = sc_insn_make(ops[i], v[i], n[i]);
        assert_int_equal(sc_program_add_insn(a, 1, SC_QUEUE_COMPUTE, &in, NULL, NULL), SC_OK);
        assert_int_equal(sc_program_add_op(b, 1, SC_QUEUE_COMPUTE, ops[i], v[i], n[i], NULL),
                         SC_OK);
    }
    sc_err err = {0};
    int64_t bad[] = {40, 1}; /* register 40 does not exist */
    assert_int_equal(sc_program_add_op(b, 1, SC_QUEUE_COMPUTE, SC_OP_LI, bad, 2, &err),
                     SC_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "out of range"));
    int64_t mma[SC_ISA_MAX_OPERANDS] = {0};
    assert_int_not_equal(sc_program_add_op(b, 1, SC_QUEUE_LOAD, SC_OP_MMA, mma, 10, NULL), SC_OK);
    assert_int_not_equal(sc_program_add_op(b, 2, SC_QUEUE_LOAD, SC_OP_NOP, NULL, 0, NULL), SC_OK);
    size_t na = 0, nb = 0;
    const sc_insn *ca = sc_program_code(a, 1, SC_QUEUE_COMPUTE, &na);
    const sc_insn *cb = sc_program_code(b, 1, SC_QUEUE_COMPUTE, &nb);
    assert_int_equal(na, 200);
    assert_int_equal(nb, na);
    assert_memory_equal(ca, cb, na * sizeof *ca);
    sc_program_destroy(a);
    sc_program_destroy(b);
}

static void test_decode_rejects(void **state) {
    (void)state;
    uint8_t w[SC_ISA_INSN_BYTES] = {0};
    sc_insn out;
    sc_err err = {0};
    w[0] = (uint8_t)SC_OP_COUNT;
    assert_int_equal(sc_isa_decode(w, &out, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "invalid opcode"));
    sc_insn in = sample(SC_OP_ADD, 0);
    assert_int_equal(sc_isa_encode(&in, w, NULL), SC_OK);
    w[3] = 32; /* register ra = r32 */
    sc_err_clear(&err);
    assert_int_equal(sc_isa_decode(w, &out, &err), SC_ERR_PARSE);
    assert_non_null(strstr(err.msg, "operand ra = 32 out of range"));
    /* int8 x bf16 is not an MMA pair; float inputs with an int32 accumulator neither. */
    in = sample(SC_OP_MMAI, 0);
    in.v[6] = SC_DTYPE_INT8;
    sc_err_clear(&err);
    assert_int_equal(sc_isa_encode(&in, w, &err), SC_ERR_INVALID_ARG);
    in.v[6] = in.v[7] = SC_DTYPE_BF16;
    in.v[8] = SC_DTYPE_INT32;
    assert_int_equal(sc_isa_encode(&in, w, NULL), SC_ERR_INVALID_ARG);
    in.v[6] = in.v[7] = SC_DTYPE_INT8;
    assert_int_equal(sc_isa_encode(&in, w, NULL), SC_OK);
    /* fp64 has no MMA datapath (vector unit and DMA only) */
    in.v[6] = in.v[7] = SC_DTYPE_FP64;
    in.v[8] = SC_DTYPE_FP32;
    sc_err_clear(&err);
    assert_int_equal(sc_isa_encode(&in, w, &err), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(err.msg, "fp64 x fp64"));
    /* a dtype code past the table's last row (fp64) is out of range */
    in.v[6] = in.v[7] = SC_DTYPE_BF16;
    in.v[8] = SC_DTYPE_COUNT;
    assert_int_equal(sc_isa_encode(&in, w, NULL), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_isa_dtype_bytes(SC_DTYPE_FP64), 8);
    assert_int_equal(sc_isa_dtype_parse("fp64"), SC_DTYPE_FP64);
    assert_true(sc_isa_vfunc_fp64(SC_VF_ADD) && !sc_isa_vfunc_fp64(SC_VF_EXP));
}

static void serialize(const sc_program *p, uint8_t **bin, size_t *len) {
    sc_err err = {0};
    if (sc_program_serialize(p, bin, len, &err) != SC_OK) fail_msg("serialize: %s", err.msg);
}

static void test_container_and_text_round_trip(void **state) {
    (void)state;
    sc_program *p = every_opcode_program();
    uint8_t *bin, *bin2, *bin3;
    size_t len, len2, len3;
    serialize(p, &bin, &len);
    sc_err err = {0};
    sc_program *q = NULL, *r = NULL;
    if (sc_program_parse(bin, len, &q, &err) != SC_OK) fail_msg("parse: %s", err.msg);
    serialize(q, &bin2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(bin, bin2, len);
    sc_strbuf text;
    sc_strbuf_init(&text);
    assert_int_equal(sc_program_disassemble(q, &text, &err), SC_OK);
    if (sc_program_assemble(text.data, text.len, "rt.s", &r, &err) != SC_OK)
        fail_msg("re-assemble: %s\n%s", err.msg, text.data);
    serialize(r, &bin3, &len3);
    assert_int_equal(len, len3);
    assert_memory_equal(bin, bin3, len);
    for (unsigned op = 0; op < SC_OP_COUNT; op++) { /* every mnemonic appears in the text */
        char needle[32];
        snprintf(needle, sizeof needle, "    %s ", sc_isa_info(op)->mnemonic);
        if (!strstr(text.data, needle)) {
            snprintf(needle, sizeof needle, "    %s\n", sc_isa_info(op)->mnemonic);
            assert_non_null(strstr(text.data, needle));
        }
    }
    sc_strbuf_free(&text);
    free(bin), free(bin2), free(bin3);
    sc_program_destroy(p), sc_program_destroy(q), sc_program_destroy(r);
}

static void put_u32(uint8_t *b, uint32_t v) {
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void fix_crc(uint8_t *b, size_t len) {
    put_u32(b + 84, sc_isa_crc32(b, len, 84));
}

static sc_status parse_msg(const uint8_t *b, size_t len, char *msg) {
    sc_err err = {0};
    sc_program *p = NULL;
    sc_status st = sc_program_parse(b, len, &p, &err);
    if (st != SC_OK) {
        assert_null(p);
        assert_true(err.msg[0] != '\0');
    }
    if (msg) sc_strlcpy(msg, err.msg, 512);
    sc_program_destroy(p);
    return st;
}

static void test_hostile_containers(void **state) {
    (void)state;
    sc_program *p = every_opcode_program();
    uint8_t *bin, *copy;
    size_t len;
    serialize(p, &bin, &len);
    copy = malloc(len);
    for (size_t n = 0; n < len; n++) /* every truncation */
        assert_int_equal(parse_msg(bin, n, NULL), SC_ERR_PARSE);
    for (size_t i = 0; i < len; i++) { /* every byte flipped: the CRC catches it */
        memcpy(copy, bin, len);
        copy[i] ^= 0x5A;
        assert_int_equal(parse_msg(copy, len, NULL), SC_ERR_PARSE);
    }
    for (size_t i = 0; i < len; i++) { /* flipped with a fixed-up CRC: error or valid, no crash */
        memcpy(copy, bin, len);
        copy[i] ^= (uint8_t)(i < SC_SCB_HEADER_BYTES ? 0xFF : 0x81);
        fix_crc(copy, len);
        parse_msg(copy, len, NULL);
    }
    char msg[512];
    static const struct {
        size_t off;
        uint32_t v;
        const char *want;
    } evil[] = {
        {8, 0xFFFFFFFFu, "core count"},        {48, 65535, "buffer table"},
        {52, 0xFFFFFFFFu, "descriptor count"}, {16, 0xFFFFFFF0u, "queue table"},
        {80, 0x7FFFFFFFu, "string offset"},
    };
    for (size_t k = 0; k < SC_ARRAY_LEN(evil); k++) {
        memcpy(copy, bin, len);
        put_u32(copy + evil[k].off, evil[k].v);
        fix_crc(copy, len);
        assert_int_equal(parse_msg(copy, len, msg), SC_ERR_PARSE);
        if (!strstr(msg, evil[k].want)) fail_msg("case %zu: '%s' lacks '%s'", k, msg, evil[k].want);
    }
    memcpy(copy, bin, len); /* queue 0 claims 2^24 instructions */
    put_u32(copy + SC_SCB_HEADER_BYTES + 8, 1u << 24);
    fix_crc(copy, len);
    assert_int_equal(parse_msg(copy, len, msg), SC_ERR_PARSE);
    assert_non_null(strstr(msg, "outside"));
    free(copy);
    free(bin);
    sc_program_destroy(p);
}

static void expect_asm_error(const char *text, const char *want) {
    sc_err err = {0};
    sc_program *p = NULL;
    assert_int_not_equal(sc_program_assemble(text, strlen(text), "t.s", &p, &err), SC_OK);
    assert_null(p);
    if (!strstr(err.msg, want)) fail_msg("error '%s' lacks '%s'", err.msg, want);
}

static void test_asm_errors(void **state) {
    (void)state;
    expect_asm_error(".core 0\n.queue load\n  nop\n  frob r1\n",
                     "t.s:4: unknown instruction 'frob'");
    expect_asm_error(".core 0\n.queue load\n  add r1, r2, r40\n", "t.s:3: operand rb");
    expect_asm_error(".core 0\n.queue load\n  jmp nowhere\n", "t.s:3: undefined label 'nowhere'");
    expect_asm_error(".core 0\n.queue load\n  add r1, r2\n", "t.s:3: add takes 3 operands, got 2");
    expect_asm_error(".core 0\n.queue load\n  mmai r1, r2, r3, 8, 8, 8, bf16, bf16, fp32, 0\n",
                     "t.s:3: mmai (mma) is not allowed in the load queue");
    expect_asm_error(".core 0\n.queue compute\n  mmai r1, r2, r3, 8, 8, 8, int8, bf16, fp32, acc\n",
                     "not a supported pair");
    expect_asm_error("  nop\n", "t.s:1: instruction before any .queue");
    expect_asm_error(".buffer A hbm bf16 4 4\n.buffer A hbm bf16 4\n",
                     "t.s:2: buffer 'A' defined twice");
    expect_asm_error(".desc x dma dims=4 dst=spad:fp32:0:0 src=hbm:fp32:0:1\n",
                     "t.s:1: desc 'x': destination stride 0");
    expect_asm_error(".desc x dma dims=4 dst=spad:fp32:0:1 src=hbm:fp32:Q:1\n",
                     "unknown buffer 'Q'");
    expect_asm_error(".core 0\n.queue load\nL1:\nL1:\n", "t.s:4: label 'L1' defined twice");
    expect_asm_error(
        ".desc v vec dims=4 d=spad:fp32:0:1\n.core 0\n.queue compute\n vadd v, r1, r2, r3, r0, 0\n",
        "lacks view 1");
}

static void test_asm_semantics(void **state) {
    (void)state;
    const char *text =
        "# counted loop\n.core 0\n.queue compute\n  li r1, 3\ntop: addi r2, r2, -1\n"
        "  loop r1, top\n  beq r0, r0, done\n  vmul.f d0, r1, r1, f32:0x7fc00001, r0, 0\n"
        "done:\n";
    sc_err err = {0};
    sc_program *p = NULL;
    const char *with_desc = ".desc d0 vec dims=16 d=spad:fp32:0:1 a=spad:fp32:64:1\n";
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", with_desc, text);
    if (sc_program_assemble(buf, strlen(buf), "t.s", &p, &err) != SC_OK) fail_msg("%s", err.msg);
    size_t n;
    const sc_insn *code = sc_program_code(p, 0, SC_QUEUE_COMPUTE, &n);
    assert_int_equal(n, 5);
    assert_int_equal(code[1].v[2], -1);
    assert_int_equal(code[2].op, SC_OP_LOOP);
    assert_int_equal(code[2].v[1], 1);          /* top */
    assert_int_equal(code[3].v[2], 5);          /* done = end of stream */
    assert_int_equal(code[4].v[3], 0x7fc00001); /* NaN payload kept */
    sc_program_destroy(p);
}

static void test_examples_round_trip(void **state) {
    (void)state;
    static const char *const files[] = {"examples/asm/gemm_tile.s", "examples/asm/softmax_rows.s"};
    for (size_t i = 0; i < SC_ARRAY_LEN(files); i++) {
        sc_err err = {0};
        unsigned char *text;
        size_t len;
        if (sc_read_file(tu_src_path(files[i]), 1 << 20, &text, &len, &err) != SC_OK)
            fail_msg("%s", err.msg);
        sc_program *p = NULL, *q = NULL;
        if (sc_program_assemble((char *)text, len, files[i], &p, &err) != SC_OK)
            fail_msg("%s", err.msg);
        uint8_t *a, *b;
        size_t la, lb;
        serialize(p, &a, &la);
        sc_strbuf sb;
        sc_strbuf_init(&sb);
        assert_int_equal(sc_program_disassemble(p, &sb, &err), SC_OK);
        if (sc_program_assemble(sb.data, sb.len, "rt", &q, &err) != SC_OK) fail_msg("%s", err.msg);
        serialize(q, &b, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a), free(b), free(text);
        sc_strbuf_free(&sb);
        sc_program_destroy(p), sc_program_destroy(q);
    }
}

static void test_doc_is_fresh(void **state) {
    (void)state;
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    sc_isa_write_doc(&sb);
    sc_err err = {0};
    unsigned char *doc;
    size_t len;
    if (sc_read_file(tu_src_path("docs/ISA.md"), 1 << 20, &doc, &len, &err) != SC_OK)
        fail_msg("%s", err.msg);
    if (len != sb.len || memcmp(doc, sb.data, len) != 0)
        fail_msg("docs/ISA.md is stale: run `seedchip asm --gen-doc docs/ISA.md`");
    for (unsigned op = 0; op < SC_OP_COUNT; op++) {
        char needle[40];
        snprintf(needle, sizeof needle, "`%s", sc_isa_info(op)->mnemonic);
        assert_non_null(strstr(sb.data, needle));
    }
    free(doc);
    sc_strbuf_free(&sb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_encode_decode_every_op),
        cmocka_unit_test(test_insn_make),
        cmocka_unit_test(test_add_op_matches_add_insn),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_container_and_text_round_trip),
        cmocka_unit_test(test_hostile_containers),
        cmocka_unit_test(test_asm_errors),
        cmocka_unit_test(test_asm_semantics),
        cmocka_unit_test(test_examples_round_trip),
        cmocka_unit_test(test_doc_is_fresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
