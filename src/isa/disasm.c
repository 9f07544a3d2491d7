// SPDX-License-Identifier: Apache-2.0
// SeedChip disassembler: sc_program -> assembly text that re-assembles to the identical binary.
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"

/* Floats print as the shortest-looking decimal that reads back bit for bit, else as raw bits. */
static void put_f32(sc_strbuf *out, uint32_t bits) {
    float f;
    memcpy(&f, &bits, sizeof f);
    char buf[64];
    snprintf(buf, sizeof buf, "%.9g", (double)f);
    char *end;
    float back = strtof(buf, &end);
    if (*end == '\0' && sc_isa_f32_bits(back) == bits)
        sc_strbuf_printf(out, "%s", buf);
    else
        sc_strbuf_printf(out, "f32:0x%08x", (unsigned)bits);
}

static void put_flags(sc_strbuf *out, int64_t f) {
    if (f == 0) {
        sc_strbuf_printf(out, "0");
        return;
    }
    const char *sep = "";
    if (f & SC_MMA_TA) sc_strbuf_printf(out, "%sta", sep), sep = "|";
    if (f & SC_MMA_TB) sc_strbuf_printf(out, "%stb", sep), sep = "|";
    if (f & SC_MMA_ACC) sc_strbuf_printf(out, "%sacc", sep);
}

static void put_operand(const sc_program *p, sc_strbuf *out, const sc_operand_def *d, int64_t v) {
    switch (d->kind) {
    case SC_OPK_REG:
        sc_strbuf_printf(out, "r%lld", (long long)v);
        break;
    case SC_OPK_F32:
        put_f32(out, (uint32_t)v);
        break;
    case SC_OPK_DTYPE:
        sc_strbuf_printf(out, "%s", sc_isa_dtype_name((sc_dtype)v));
        break;
    case SC_OPK_SPACE:
        sc_strbuf_printf(out, "%s", sc_isa_space_name((sc_space)v));
        break;
    case SC_OPK_SREG:
        sc_strbuf_printf(out, "%s", sc_isa_sreg_name((sc_sreg)v));
        break;
    case SC_OPK_MMAFLAGS:
        put_flags(out, v);
        break;
    case SC_OPK_LABEL:
        sc_strbuf_printf(out, "L%lld", (long long)v);
        break;
    case SC_OPK_DESC: {
        const sc_desc *desc = sc_program_desc(p, (size_t)v);
        if (desc)
            sc_strbuf_printf(out, "%s", desc->name);
        else
            sc_strbuf_printf(out, "?desc%lld", (long long)v);
        break;
    }
    default:
        sc_strbuf_printf(out, "%lld", (long long)v);
        break;
    }
}

/* One instruction as "mnemonic op, op, ..." (no indentation, no newline). */
static void put_insn(const sc_program *p, sc_strbuf *out, const sc_insn *in) {
    const sc_opinfo *info = sc_isa_info(in->op);
    const sc_layout_def *l = sc_isa_layout(info->layout);
    sc_strbuf_printf(out, "%s", info->mnemonic);
    int n = sc_isa_n_operands(in->op);
    for (int i = 0; i < n; i++) {
        sc_strbuf_printf(out, i ? ", " : " ");
        put_operand(p, out, &l->ops[i], in->v[i]);
    }
}

static void put_buffers(const sc_program *p, sc_strbuf *out) {
    for (size_t i = 0; i < sc_program_n_buffers(p); i++) {
        const sc_buffer *b = sc_program_buffer(p, i);
        sc_strbuf_printf(out, ".buffer %s %s %s", b->name, sc_isa_space_name((sc_space)b->space),
                         sc_isa_dtype_name((sc_dtype)b->dtype));
        for (int k = 0; k < b->rank; k++)
            sc_strbuf_printf(out, " %llu", (unsigned long long)b->dims[k]);
        sc_strbuf_printf(out, " offset=%llu size=%llu\n", (unsigned long long)b->offset,
                         (unsigned long long)b->size);
    }
}

static void put_consts(const sc_program *p, sc_strbuf *out) {
    size_t n;
    const uint8_t *c = sc_program_consts(p, &n);
    for (size_t i = 0; i < n; i += 32) {
        sc_strbuf_printf(out, ".data ");
        for (size_t k = i; k < n && k < i + 32; k++)
            sc_strbuf_printf(out, "%02x", c[k]);
        sc_strbuf_printf(out, "\n");
    }
}

static void put_view(const sc_program *p, sc_strbuf *out, const char *name, const sc_view *v) {
    sc_strbuf_printf(out, " %s=%s", name, sc_isa_space_name((sc_space)v->space));
    if (v->core != SC_ISA_SELF) sc_strbuf_printf(out, "@%u", v->core);
    sc_strbuf_printf(out, ":%s:", sc_isa_dtype_name((sc_dtype)v->dtype));
    if (v->buffer != SC_ISA_NO_BUFFER) {
        sc_strbuf_printf(out, "%s", sc_program_buffer(p, v->buffer)->name);
        if (v->offset) sc_strbuf_printf(out, "+%llu", (unsigned long long)v->offset);
    } else {
        sc_strbuf_printf(out, "%llu", (unsigned long long)v->offset);
    }
    sc_strbuf_printf(out, ":%d,%d,%d,%d", v->strides[0], v->strides[1], v->strides[2],
                     v->strides[3]);
}

static void put_descs(const sc_program *p, sc_strbuf *out) {
    static const char *const dma[] = {"dst", "src"}, *const vec[] = {"d", "a", "b", "c"};
    for (size_t i = 0; i < sc_program_n_descs(p); i++) {
        const sc_desc *d = sc_program_desc(p, i);
        int is_dma = d->kind == SC_DESC_DMA;
        sc_strbuf_printf(out, ".desc %s %s dims=%u,%u,%u,%u", d->name, is_dma ? "dma" : "vec",
                         d->dims[0], d->dims[1], d->dims[2], d->dims[3]);
        for (int v = 0; v < (is_dma ? 2 : SC_ISA_VIEWS); v++)
            if (d->views[v].space != SC_SPACE_NONE)
                put_view(p, out, is_dma ? dma[v] : vec[v], &d->views[v]);
        sc_strbuf_printf(out, "\n");
    }
}

/* Marks every branch target of a stream (n + 1 slots: a target may be the end). */
static uint8_t *targets(const sc_insn *code, size_t n) {
    uint8_t *t = calloc(n + 1, 1);
    if (!t) return NULL;
    for (size_t i = 0; i < n; i++) {
        const sc_layout_def *l = sc_isa_layout(sc_isa_info(code[i].op)->layout);
        for (int k = 0; k < sc_isa_n_operands(code[i].op); k++)
            if (l->ops[k].kind == SC_OPK_LABEL && (uint64_t)code[i].v[k] <= n) t[code[i].v[k]] = 1;
    }
    return t;
}

static sc_status put_stream(const sc_program *p, sc_strbuf *out, int c, int q, int *cur_core,
                            sc_err *err) {
    size_t n;
    const sc_insn *code = sc_program_code(p, c, (sc_queue)q, &n);
    if (n == 0) return SC_OK;
    uint8_t *t = targets(code, n);
    if (!t) return sc_err_set(err, SC_ERR_NOMEM, "out of memory disassembling");
    if (*cur_core != c) sc_strbuf_printf(out, "\n.core %d\n", c);
    *cur_core = c;
    sc_strbuf_printf(out, ".queue %s\n", sc_isa_queue_name((sc_queue)q));
    for (size_t i = 0; i <= n; i++) {
        if (t[i]) sc_strbuf_printf(out, "L%zu:\n", i);
        if (i == n) break;
        sc_strbuf_printf(out, "    ");
        put_insn(p, out, &code[i]);
        sc_strbuf_printf(out, "\n");
    }
    free(t);
    return SC_OK;
}

sc_status sc_program_disassemble(const sc_program *p, sc_strbuf *out, sc_err *err) {
    sc_strbuf_printf(out, "# SeedChip program (seedchip disasm); re-assembles with seedchip asm\n");
    if (sc_program_name(p)[0]) sc_strbuf_printf(out, ".program %s\n", sc_program_name(p));
    sc_strbuf_printf(out, ".cores %d\n", sc_program_cores(p));
    put_buffers(p, out);
    put_consts(p, out);
    put_descs(p, out);
    int cur = -1;
    for (int c = 0; c < sc_program_cores(p); c++)
        for (int q = 0; q < SC_QUEUE_COUNT; q++) {
            sc_status st = put_stream(p, out, c, q, &cur, err);
            if (st != SC_OK) return st;
        }
    if (out->oom) return sc_err_set(err, SC_ERR_NOMEM, "out of memory disassembling");
    return SC_OK;
}
