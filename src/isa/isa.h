// SPDX-License-Identifier: Apache-2.0
// SeedChip ISA: opcodes (from isa_table.def), 16-byte encoding, .scb programs, assembler, docs.
#ifndef SC_ISA_H
#define SC_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "seedchip.h"
#include "util/util.h"

/* ---- Architectural constants (see docs/ISA.md). ---- */
#define SC_ISA_INSN_BYTES 16 /* every instruction word */
#define SC_ISA_REGS       32 /* 64-bit integer registers per queue; r0 reads 0 */
#define SC_ISA_ARG_REGS   8  /* r1..r8 start with launch arguments 0..7 */
#define SC_ISA_SEMAPHORES 32 /* per core, shared by its three queues */
#define SC_ISA_BARRIERS   16 /* per chip */
#define SC_ISA_MAX_DIMS   4  /* descriptor and buffer rank */
#define SC_ISA_VIEWS      4  /* views per descriptor */
#define SC_ISA_MAX_TILE                                                                            \
    4096 /* encodable MMA M/N (the chip's array size is checked at run time)                       \
          */
#define SC_ISA_MAX_OPERANDS    10
#define SC_ISA_NAME_MAX        64 /* names of buffers/descriptors/programs, including the NUL */
#define SC_ISA_MAX_CORES       1024
#define SC_ISA_MAX_QUEUE_INSNS (1u << 24)
#define SC_ISA_MAX_BUFFERS     65535u
#define SC_ISA_MAX_DESCS       65535u
#define SC_ISA_MAX_CONSTS      (1u << 30)
#define SC_ISA_SELF            0xFFFFu /* view core: the executing core */
#define SC_ISA_NO_BUFFER       0xFFFFu /* view buffer: none (offset is absolute in the space) */

/* MMA flags. */
#define SC_MMA_TA        1u /* A is stored K x M (transposed) */
#define SC_MMA_TB        2u /* B is stored N x K (transposed) */
#define SC_MMA_ACC       4u /* C += A*B; without it C = A*B */
#define SC_MMA_FLAGS_ALL 7u

typedef enum sc_queue { SC_QUEUE_LOAD, SC_QUEUE_COMPUTE, SC_QUEUE_STORE, SC_QUEUE_COUNT } sc_queue;

typedef enum sc_space {
    SC_SPACE_NONE = 0, /* unused view */
    SC_SPACE_HBM,      /* chip HBM, byte addressed from 0 */
    SC_SPACE_SPAD,     /* a core's scratchpad (view core: SC_ISA_SELF or a core index) */
    SC_SPACE_SHARED,   /* chip-wide shared SRAM */
    SC_SPACE_CONST,    /* the program's constants blob (read only) */
    SC_SPACE_COUNT
} sc_space;

typedef enum sc_sreg {
    SC_SREG_CORE,
    SC_SREG_CHIP,
    SC_SREG_NCORES,
    SC_SREG_NCHIPS,
    SC_SREG_QUEUE,
    SC_SREG_COUNT
} sc_sreg;

typedef enum sc_isa_class {
    SC_CLASS_CONTROL,
    SC_CLASS_SCALAR,
    SC_CLASS_SYNC,
    SC_CLASS_DMA,
    SC_CLASS_MMA,
    SC_CLASS_VEC,
    SC_CLASS_COLLECTIVE,
    SC_CLASS_COUNT
} sc_isa_class;

/* Vector functions: one per math operation, shared by the .v/.f/.r forms of an op. */
typedef enum sc_vfunc {
    SC_VF_NONE,
    SC_VF_EXP,
    SC_VF_LOG,
    SC_VF_RSQRT,
    SC_VF_SQRT,
    SC_VF_RECIP,
    SC_VF_TANH,
    SC_VF_ERF,
    SC_VF_GELU,
    SC_VF_SILU,
    SC_VF_SIGMOID,
    SC_VF_RELU,
    SC_VF_NEG,
    SC_VF_ABS,
    SC_VF_CAST,
    SC_VF_COPY,
    SC_VF_ADD,
    SC_VF_SUB,
    SC_VF_MUL,
    SC_VF_DIV,
    SC_VF_MAX,
    SC_VF_MIN,
    SC_VF_POW,
    SC_VF_EQ,
    SC_VF_NE,
    SC_VF_LT,
    SC_VF_LE,
    SC_VF_GT,
    SC_VF_GE,
    SC_VF_SELECT,
    SC_VF_SUM,
    SC_VF_RMAX,
    SC_VF_IOTA,
    SC_VF_COUNT
} sc_vfunc;

/* Operand kinds: each has a fixed width in the instruction word and a text syntax. */
typedef enum sc_opk {
    SC_OPK_REG,      /* 1 byte, "r0".."r31" */
    SC_OPK_U8,       /* 1 byte unsigned */
    SC_OPK_U16,      /* 2 bytes unsigned */
    SC_OPK_I32,      /* 4 bytes signed */
    SC_OPK_I64,      /* 8 bytes signed */
    SC_OPK_F32,      /* 4 bytes IEEE binary32 bits (value held as the bit pattern) */
    SC_OPK_DTYPE,    /* 1 byte sc_dtype, by name */
    SC_OPK_SPACE,    /* 1 byte sc_space, by name */
    SC_OPK_SREG,     /* 1 byte sc_sreg, by name */
    SC_OPK_MMAFLAGS, /* 1 byte, "ta|tb|acc" or "0" */
    SC_OPK_LABEL,    /* 4 bytes: absolute instruction index in the same queue stream */
    SC_OPK_DESC,     /* 2 bytes: descriptor index, by name */
    SC_OPK_COUNT
} sc_opk;

typedef struct sc_operand_def {
    const char *name; /* NULL ends the list */
    sc_opk kind;
    int64_t lo, hi; /* inclusive range of the decoded value */
} sc_operand_def;

typedef struct sc_layout_def {
    const char *id;
    sc_operand_def ops[SC_ISA_MAX_OPERANDS + 1];
} sc_layout_def;

typedef enum sc_layout {
#define SC_LAYOUT(id, ...) SC_LAYOUT_##id,
#include "isa/isa_layouts.def"
#undef SC_LAYOUT
    SC_LAYOUT_COUNT
} sc_layout;

typedef enum sc_opcode {
#define SC_OP(id, mn, cls, lay, vf, doc) SC_OP_##id,
#include "isa/isa_table.def"
#undef SC_OP
    SC_OP_COUNT
} sc_opcode;

typedef struct sc_opinfo {
    const char *mnemonic;
    sc_isa_class cls;
    sc_layout layout;
    sc_vfunc vfunc;
    const char *doc;
} sc_opinfo;

/* A decoded instruction: operand values in layout order (F32 operands hold their bit pattern). */
typedef struct sc_insn {
    uint16_t op;
    int64_t v[SC_ISA_MAX_OPERANDS];
} sc_insn;

/* An instruction from its opcode and first n operand values (the rest zero, as the encoding
 * requires); n beyond SC_ISA_MAX_OPERANDS is cut. Checked when added to a program. */
sc_insn sc_insn_make(sc_opcode op, const int64_t *v, int n);

/* ---- Table queries. ---- */
const sc_opinfo *sc_isa_info(unsigned op);               /* NULL when op is not an opcode */
const sc_layout_def *sc_isa_layout(sc_layout layout);    /* NULL when out of range */
int sc_isa_n_operands(unsigned op);                      /* -1 when op is not an opcode */
int sc_isa_operand_index(unsigned op, const char *name); /* -1 when absent */
int sc_isa_find_mnemonic(const char *mnemonic);          /* opcode or -1 */
int sc_isa_opk_width(sc_opk kind);                       /* bytes in the word */
unsigned sc_isa_class_queues(sc_isa_class cls);          /* bit q set: allowed in queue q */
const char *sc_isa_class_name(sc_isa_class cls);
const char *sc_isa_queue_name(sc_queue q);
const char *sc_isa_space_name(sc_space s);
const char *sc_isa_sreg_name(sc_sreg s);
const char *sc_isa_dtype_name(sc_dtype t);   /* same spelling as sc_dtype_name */
int sc_isa_dtype_parse(const char *name);    /* sc_dtype or -1 */
int sc_isa_dtype_bytes(sc_dtype t);          /* 0 for int4 (not addressable) */
int sc_isa_dtype_bits(sc_dtype t);           /* storage bits, 4 for int4 */
float sc_insn_f32(const sc_insn *in, int i); /* F32 operand as a float */
/* 1 when vector function f has an fp64 datapath (a VEC op with an fp64 view computes in fp64;
 * the others trap on fp64 views). */
int sc_isa_vfunc_fp64(sc_vfunc f);
uint32_t sc_isa_f32_bits(float f);

/* ---- One instruction. ---- */
/* Checks opcode, operand ranges and per-opcode rules (MMA dtype pairs, ...). */
sc_status sc_isa_check(const sc_insn *in, sc_err *err);
sc_status sc_isa_encode(const sc_insn *in, uint8_t out[SC_ISA_INSN_BYTES], sc_err *err);
sc_status sc_isa_decode(const uint8_t in[SC_ISA_INSN_BYTES], sc_insn *out, sc_err *err);

/* ---- Descriptors, buffers. ---- */
typedef enum sc_desc_kind { SC_DESC_DMA = 1, SC_DESC_VEC = 2 } sc_desc_kind;
enum { SC_VIEW_DST = 0, SC_VIEW_SRC = 1, SC_VIEW_A = 1, SC_VIEW_B = 2, SC_VIEW_C = 3 };

/* One strided operand: element (i0..i3) lives at byte
 *   base + (i0*strides[0] + i1*strides[1] + i2*strides[2] + i3*strides[3]) * dtype_bytes
 * with base = buffer offset (if any) + offset + the instruction's register. */
typedef struct sc_view {
    uint8_t space;   /* sc_space; SC_SPACE_NONE = unused (then every field is 0) */
    uint8_t dtype;   /* sc_dtype */
    uint16_t core;   /* SPAD only: SC_ISA_SELF or a core index; others SC_ISA_SELF */
    uint16_t buffer; /* SC_ISA_NO_BUFFER or a buffer index in the same space */
    uint64_t offset; /* bytes */
    int32_t strides[SC_ISA_MAX_DIMS]; /* elements; 0 = broadcast (sources only) */
} sc_view;

typedef struct sc_desc {
    char name[SC_ISA_NAME_MAX];
    uint8_t kind;                   /* sc_desc_kind */
    uint32_t dims[SC_ISA_MAX_DIMS]; /* extents, innermost first, each >= 1 */
    sc_view views[SC_ISA_VIEWS];    /* DMA: dst, src. VEC: D, A, B, C */
} sc_desc;

typedef struct sc_buffer {
    char name[SC_ISA_NAME_MAX];
    uint8_t space; /* HBM, SPAD (same offset in every core), SHARED, CONST */
    uint8_t dtype;
    uint8_t rank;                   /* 1..4 */
    uint64_t dims[SC_ISA_MAX_DIMS]; /* outermost first, as written; unused = 1 */
    uint64_t offset, size;          /* bytes; size >= packed size of dims */
} sc_buffer;

/* ---- Programs. ---- */
typedef struct sc_program sc_program;

sc_status sc_program_create(int n_cores, sc_program **out, sc_err *err);
void sc_program_destroy(sc_program *p); /* accepts NULL */
sc_status sc_program_set_name(sc_program *p, const char *name, sc_err *err);
const char *sc_program_name(const sc_program *p);
int sc_program_cores(const sc_program *p);
/* Changes the core count; fails if code or views refer to a core that would disappear. */
sc_status sc_program_set_cores(sc_program *p, int n_cores, sc_err *err);
/* Appends to core/queue after sc_isa_check and the queue-class rule; *index (may be NULL) gets
 * the instruction's position (branch targets). References are checked by sc_program_validate. */
sc_status sc_program_add_insn(sc_program *p, int core, sc_queue q, const sc_insn *in,
                              uint32_t *index, sc_err *err);
/* The same as sc_program_add_insn(sc_insn_make(op, v, n)), built in place in the stream (code
 * generators emit ~10^5 instructions per program: the temporary's copy stalled on every one). */
sc_status sc_program_add_op(sc_program *p, int core, sc_queue q, sc_opcode op, const int64_t *v,
                            int n, sc_err *err);
/* Replaces an instruction (to patch forward branch targets). */
sc_status sc_program_set_insn(sc_program *p, int core, sc_queue q, uint32_t index,
                              const sc_insn *in, sc_err *err);
const sc_insn *sc_program_code(const sc_program *p, int core, sc_queue q, size_t *n);
/* Buffers and descriptors: names must be unique identifiers; a NULL/empty desc name is replaced
 * by "dN". Descriptors may refer only to buffers added before them. */
sc_status sc_program_add_buffer(sc_program *p, const sc_buffer *b, uint32_t *id, sc_err *err);
sc_status sc_program_add_desc(sc_program *p, const sc_desc *d, uint32_t *id, sc_err *err);
size_t sc_program_n_buffers(const sc_program *p);
size_t sc_program_n_descs(const sc_program *p);
const sc_buffer *sc_program_buffer(const sc_program *p, size_t i);
const sc_desc *sc_program_desc(const sc_program *p, size_t i);
int sc_program_find_buffer(const sc_program *p, const char *name); /* index or -1 */
int sc_program_find_desc(const sc_program *p, const char *name);
/* Appends bytes to the constants blob after zero padding to `align` (power of two <= 4096). */
sc_status sc_program_add_const(sc_program *p, const void *data, size_t n, size_t align,
                               uint64_t *offset, sc_err *err);
const uint8_t *sc_program_consts(const sc_program *p, size_t *n);
/* Cross checks: descriptor ids and kinds, views each instruction needs, branch targets. */
sc_status sc_program_validate(const sc_program *p, sc_err *err);

/* ---- Container (.scb). ---- */
#define SC_SCB_VERSION      1
#define SC_SCB_HEADER_BYTES 96
sc_status sc_program_serialize(const sc_program *p, uint8_t **out, size_t *len, sc_err *err);
sc_status sc_program_parse(const uint8_t *data, size_t len, sc_program **out, sc_err *err);
uint32_t sc_isa_crc32(const uint8_t *data, size_t len,
                      size_t skip_off); /* 4 bytes at skip_off count as 0 */

/* ---- Text. ---- */
/* Assembles text; errors read "FILE:LINE: problem". */
sc_status sc_program_assemble(const char *text, size_t len, const char *filename, sc_program **out,
                              sc_err *err);
/* Appends text that sc_program_assemble turns back into an identical program. */
sc_status sc_program_disassemble(const sc_program *p, sc_strbuf *out, sc_err *err);
/* Writes docs/ISA.md (the text is generated from the opcode table). */
void sc_isa_write_doc(sc_strbuf *out);

#endif
