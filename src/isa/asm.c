// SPDX-License-Identifier: Apache-2.0
// SeedChip assembler: text (docs/ISA.md "Assembly syntax") -> sc_program, errors as FILE:LINE.
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"

#define MAX_TOKENS   24
#define LINE_MAX_LEN 4096

typedef struct asm_label {
    int core, queue;
    char name[SC_ISA_NAME_MAX];
    uint32_t index;
    int line; /* fixups: line of the use */
    int opnd; /* fixups: operand index */
} asm_label;

typedef struct asm_state {
    const char *file;
    int line;
    sc_program *p;
    sc_err *err;
    int core, queue; /* current section; queue -1 = none yet */
    int cores_fixed; /* .cores given: do not grow */
    asm_label *labels, *fixups;
    size_t n_labels, cap_labels, n_fixups, cap_fixups;
    uint32_t *label_index; /* open-addressing hash of labels: index + 1, 0 = empty */
    size_t index_cap;      /* power of two, kept at least twice n_labels */
    uint64_t next_off[SC_SPACE_COUNT];
} asm_state;

/* Records "FILE:LINE: message". */
static sc_status fail(asm_state *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sc_status fail(asm_state *a, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sc_err_set(a->err, SC_ERR_PARSE, "%s:%d: %s", a->file, a->line, msg);
}

/* Re-labels an error a library call set with FILE:LINE. */
static sc_status relabel(asm_state *a) {
    char msg[sizeof a->err->msg];
    sc_strlcpy(msg, a->err ? a->err->msg : "error", sizeof msg);
    if (a->err) a->err->status = SC_OK;
    return fail(a, "%s", msg);
}

static int push(asm_label **arr, size_t *n, size_t *cap, const asm_label *l) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        asm_label *q = realloc(*arr, nc * sizeof *q);
        if (!q) return -1;
        *arr = q;
        *cap = nc;
    }
    (*arr)[(*n)++] = *l;
    return 0;
}

static int parse_i64(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (*s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

/* Splits s in place at any char of seps (runs collapse); returns the token count or -1. */
static int split(char *s, const char *seps, char **tok, int max) {
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, seps, &save); t; t = strtok_r(NULL, seps, &save)) {
        if (n == max) return -1;
        tok[n++] = t;
    }
    return n;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* ---- Operands. ---- */

static sc_status parse_flags(asm_state *a, const char *s, int64_t *out) {
    *out = 0;
    if (strcmp(s, "0") == 0) return SC_OK;
    char buf[64], *tok[4];
    sc_strlcpy(buf, s, sizeof buf);
    int n = split(buf, "|", tok, 4);
    for (int i = 0; i < n; i++) {
        if (strcmp(tok[i], "ta") == 0)
            *out |= SC_MMA_TA;
        else if (strcmp(tok[i], "tb") == 0)
            *out |= SC_MMA_TB;
        else if (strcmp(tok[i], "acc") == 0)
            *out |= SC_MMA_ACC;
        else
            return fail(a, "bad mma flag '%s' (ta, tb, acc joined by |, or 0)", tok[i]);
    }
    return n > 0 ? SC_OK : fail(a, "empty mma flags");
}

static sc_status parse_f32(asm_state *a, const char *s, int64_t *out) {
    if (strncmp(s, "f32:", 4) == 0) {
        uint64_t bits;
        if (parse_u64(s + 4, &bits) || bits > UINT32_MAX) return fail(a, "bad f32 bits '%s'", s);
        *out = (int64_t)bits;
        return SC_OK;
    }
    char *end;
    float f = strtof(s, &end);
    if (end == s || *end) return fail(a, "'%s' is not a number", s);
    *out = sc_isa_f32_bits(f);
    return SC_OK;
}

static int find_name(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

static sc_status parse_label_ref(asm_state *a, const char *s, int opnd, int64_t *out) {
    if (s[0] == '@') {
        uint64_t v;
        if (parse_u64(s + 1, &v) || v > UINT32_MAX) return fail(a, "bad target '%s'", s);
        *out = (int64_t)v;
        return SC_OK;
    }
    asm_label f = {a->core, a->queue, "", 0, a->line, opnd};
    if (strlen(s) >= sizeof f.name) return fail(a, "label '%.80s' too long", s);
    sc_strlcpy(f.name, s, sizeof f.name);
    *out = 0;
    if (push(&a->fixups, &a->n_fixups, &a->cap_fixups, &f))
        return sc_err_set(a->err, SC_ERR_NOMEM, "out of memory");
    return SC_OK;
}

static sc_status parse_operand(asm_state *a, const sc_operand_def *d, int opnd, const char *s,
                               int64_t *out) {
    int v = -1;
    switch (d->kind) {
    case SC_OPK_REG:
        if (s[0] == 'r' && strspn(s + 1, "0123456789") == strlen(s + 1) && s[1] && strlen(s) <= 3 &&
            parse_i64(s + 1, out) == 0 && *out <= 31)
            return SC_OK;
        return fail(a, "operand %s: '%s' is not a register r0..r31", d->name, s);
    case SC_OPK_U8:
    case SC_OPK_U16:
    case SC_OPK_I32:
    case SC_OPK_I64:
        if (parse_i64(s, out)) return fail(a, "operand %s: '%s' is not an integer", d->name, s);
        return SC_OK;
    case SC_OPK_F32:
        return parse_f32(a, s, out);
    case SC_OPK_DTYPE:
        v = sc_isa_dtype_parse(s);
        break;
    case SC_OPK_SPACE:
        for (int i = 0; i < SC_SPACE_COUNT; i++)
            if (strcmp(sc_isa_space_name((sc_space)i), s) == 0) v = i;
        break;
    case SC_OPK_SREG:
        for (int i = 0; i < SC_SREG_COUNT; i++)
            if (strcmp(sc_isa_sreg_name((sc_sreg)i), s) == 0) v = i;
        break;
    case SC_OPK_MMAFLAGS:
        return parse_flags(a, s, out);
    case SC_OPK_LABEL:
        return parse_label_ref(a, s, opnd, out);
    case SC_OPK_DESC:
        v = sc_program_find_desc(a->p, s);
        if (v < 0) return fail(a, "unknown descriptor '%s' (define it with .desc first)", s);
        break;
    default:
        break;
    }
    if (v < 0) return fail(a, "operand %s: bad value '%s'", d->name, s);
    *out = v;
    return SC_OK;
}

static sc_status assemble_insn(asm_state *a, char *text) {
    if (a->queue < 0) return fail(a, "instruction before any .queue directive");
    char *sp = text;
    while (*sp && !isspace((unsigned char)*sp))
        sp++;
    char *rest = *sp ? sp + 1 : sp;
    *sp = '\0';
    int op = sc_isa_find_mnemonic(text);
    if (op < 0) return fail(a, "unknown instruction '%s'", text);
    char *tok[SC_ISA_MAX_OPERANDS + 2];
    int n = 0;
    rest = trim(rest);
    if (*rest) {
        n = split(rest, ",", tok, SC_ISA_MAX_OPERANDS + 1);
        if (n < 0) n = SC_ISA_MAX_OPERANDS + 1;
    }
    int want = sc_isa_n_operands((unsigned)op);
    if (n != want) return fail(a, "%s takes %d operands, got %d", text, want, n);
    sc_insn in;
    memset(&in, 0, sizeof in);
    in.op = (uint16_t)op;
    const sc_layout_def *l = sc_isa_layout(sc_isa_info((unsigned)op)->layout);
    size_t f0 = a->n_fixups;
    for (int i = 0; i < n; i++) {
        sc_status st = parse_operand(a, &l->ops[i], i, trim(tok[i]), &in.v[i]);
        if (st != SC_OK) return st;
    }
    /* Label operands hold 0 until resolve_fixups patches them. */
    uint32_t at;
    if (sc_program_add_insn(a->p, a->core, (sc_queue)a->queue, &in, &at, a->err) != SC_OK)
        return relabel(a);
    for (size_t f = f0; f < a->n_fixups; f++)
        a->fixups[f].index = at;
    return SC_OK;
}

/* Labels are looked up once per definition and once per use; a linear scan made files with
 * many labels quadratic (hostile input could stall the assembler for hours). */
static size_t label_hash(int core, int queue, const char *name) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)core * 31u ^ (uint64_t)queue;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)h;
}

static const asm_label *find_label(const asm_state *a, int core, int queue, const char *name) {
    if (!a->index_cap) return NULL;
    for (size_t i = label_hash(core, queue, name) & (a->index_cap - 1);;
         i = (i + 1) & (a->index_cap - 1)) {
        uint32_t k = a->label_index[i];
        if (!k) return NULL;
        const asm_label *l = &a->labels[k - 1];
        if (l->core == core && l->queue == queue && strcmp(l->name, name) == 0) return l;
    }
}

static void index_put(uint32_t *index, size_t cap, const asm_label *l, uint32_t k) {
    size_t i = label_hash(l->core, l->queue, l->name) & (cap - 1);
    while (index[i])
        i = (i + 1) & (cap - 1);
    index[i] = k;
}

/* Appends a label and indexes it; -1 on OOM. */
static int add_label(asm_state *a, const asm_label *l) {
    if (2 * (a->n_labels + 1) > a->index_cap) {
        size_t cap = a->index_cap ? 2 * a->index_cap : 64;
        uint32_t *index = calloc(cap, sizeof *index);
        if (!index) return -1;
        for (size_t k = 0; k < a->n_labels; k++)
            index_put(index, cap, &a->labels[k], (uint32_t)k + 1);
        free(a->label_index);
        a->label_index = index;
        a->index_cap = cap;
    }
    if (push(&a->labels, &a->n_labels, &a->cap_labels, l)) return -1;
    index_put(a->label_index, a->index_cap, l, (uint32_t)a->n_labels);
    return 0;
}

static sc_status define_label(asm_state *a, const char *name) {
    if (a->queue < 0) return fail(a, "label '%s' before any .queue directive", name);
    if (find_label(a, a->core, a->queue, name))
        return fail(a, "label '%s' defined twice in this queue", name);
    size_t n;
    sc_program_code(a->p, a->core, (sc_queue)a->queue, &n);
    asm_label l = {a->core, a->queue, "", (uint32_t)n, a->line, 0};
    if (strlen(name) >= sizeof l.name) return fail(a, "label too long");
    sc_strlcpy(l.name, name, sizeof l.name);
    if (add_label(a, &l)) return sc_err_set(a->err, SC_ERR_NOMEM, "out of memory");
    return SC_OK;
}

static sc_status resolve_fixups(asm_state *a) {
    for (size_t f = 0; f < a->n_fixups; f++) {
        const asm_label *u = &a->fixups[f];
        const asm_label *def = find_label(a, u->core, u->queue, u->name);
        a->line = u->line;
        if (!def) return fail(a, "undefined label '%s'", u->name);
        size_t n;
        const sc_insn *code = sc_program_code(a->p, u->core, (sc_queue)u->queue, &n);
        if (u->index >= n) return fail(a, "internal: fixup past the end");
        sc_insn in = code[u->index];
        in.v[u->opnd] = def->index;
        if (sc_program_set_insn(a->p, u->core, (sc_queue)u->queue, u->index, &in, a->err))
            return relabel(a);
    }
    return SC_OK;
}

/* ---- Directives. ---- */

static sc_status set_core(asm_state *a, char **tok, int n) {
    int64_t c;
    if (n != 2 || parse_i64(tok[1], &c) || c < 0 || c >= SC_ISA_MAX_CORES)
        return fail(a, ".core expects a core index in [0, %d)", SC_ISA_MAX_CORES);
    if (c >= sc_program_cores(a->p)) {
        if (a->cores_fixed)
            return fail(a, ".core %lld but .cores is %d", (long long)c, sc_program_cores(a->p));
        if (sc_program_set_cores(a->p, (int)c + 1, a->err)) return relabel(a);
    }
    a->core = (int)c;
    a->queue = -1;
    return SC_OK;
}

static sc_status set_queue(asm_state *a, char **tok, int n) {
    for (int q = 0; n == 2 && q < SC_QUEUE_COUNT; q++)
        if (strcmp(tok[1], sc_isa_queue_name((sc_queue)q)) == 0) {
            a->queue = q;
            return SC_OK;
        }
    return fail(a, ".queue expects load, compute or store");
}

static sc_status set_cores(asm_state *a, char **tok, int n) {
    int64_t c;
    if (n != 2 || parse_i64(tok[1], &c) || c < 1 || c > SC_ISA_MAX_CORES)
        return fail(a, ".cores expects a count in [1, %d]", SC_ISA_MAX_CORES);
    if (sc_program_set_cores(a->p, (int)c, a->err)) return relabel(a);
    a->cores_fixed = 1;
    return SC_OK;
}

static int parse_space(const char *s) {
    for (int i = SC_SPACE_HBM; i < SC_SPACE_COUNT; i++)
        if (strcmp(sc_isa_space_name((sc_space)i), s) == 0) return i;
    return -1;
}

/* Buffers in one space are placed one after another (64-byte aligned) unless offset= is given. */
static sc_status buffer_dir(asm_state *a, char **tok, int n) {
    sc_buffer b;
    memset(&b, 0, sizeof b);
    if (n < 5) return fail(a, ".buffer NAME SPACE DTYPE DIM... [offset=N] [size=N]");
    if (strlen(tok[1]) >= sizeof b.name) return fail(a, "buffer name too long");
    sc_strlcpy(b.name, tok[1], sizeof b.name);
    int sp = parse_space(tok[2]), dt = sc_isa_dtype_parse(tok[3]);
    if (sp < 0) return fail(a, "unknown memory space '%s' (hbm, spad, shared, const)", tok[2]);
    if (dt < 0) return fail(a, "unknown dtype '%s'", tok[3]);
    b.space = (uint8_t)sp;
    b.dtype = (uint8_t)dt;
    int has_off = 0, has_size = 0;
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
        b.dims[k] = 1;
    for (int i = 4; i < n; i++) {
        uint64_t v;
        if (strncmp(tok[i], "offset=", 7) == 0 && parse_u64(tok[i] + 7, &v) == 0) {
            b.offset = v;
            has_off = 1;
        } else if (strncmp(tok[i], "size=", 5) == 0 && parse_u64(tok[i] + 5, &v) == 0) {
            b.size = v;
            has_size = 1;
        } else if (parse_u64(tok[i], &v) == 0 && b.rank < SC_ISA_MAX_DIMS && !has_off &&
                   !has_size) {
            b.dims[b.rank++] = v;
        } else {
            return fail(a, "bad .buffer field '%s'", tok[i]);
        }
    }
    if (b.rank == 0) return fail(a, "buffer '%s' has no dimensions", b.name);
    if (!has_size) {
        uint64_t e = 1;
        for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
            if (sc_mul_u64(e, b.dims[k], &e)) return fail(a, "buffer '%s' too large", b.name);
        if (sc_mul_u64(e, (uint64_t)sc_isa_dtype_bits((sc_dtype)dt), &e))
            return fail(a, "buffer '%s' too large", b.name);
        b.size = e / 8 + (e % 8 != 0);
    }
    if (!has_off) b.offset = (a->next_off[sp] + 63) & ~(uint64_t)63;
    if (sc_program_add_buffer(a->p, &b, NULL, a->err)) return relabel(a);
    uint64_t end = b.offset + b.size;
    if (end > a->next_off[sp]) a->next_off[sp] = end;
    return SC_OK;
}

/* BASE: NUMBER | BUFFER | BUFFER+NUMBER. */
static sc_status parse_base(asm_state *a, char *s, sc_view *v) {
    v->buffer = SC_ISA_NO_BUFFER;
    if (isdigit((unsigned char)s[0])) {
        if (parse_u64(s, &v->offset)) return fail(a, "bad offset '%s'", s);
        return SC_OK;
    }
    char *plus = strchr(s, '+');
    if (plus) {
        *plus = '\0';
        if (parse_u64(plus + 1, &v->offset)) return fail(a, "bad offset '%s'", plus + 1);
    }
    int b = sc_program_find_buffer(a->p, s);
    if (b < 0) return fail(a, "unknown buffer '%s'", s);
    v->buffer = (uint16_t)b;
    return SC_OK;
}

/* Up to 4 comma-separated integers; missing ones take `fill`. */
static sc_status parse_list(asm_state *a, char *s, int64_t lo, int64_t hi, int64_t fill,
                            int64_t out[SC_ISA_MAX_DIMS]) {
    char *tok[SC_ISA_MAX_DIMS + 1];
    int n = split(s, ",", tok, SC_ISA_MAX_DIMS);
    if (n < 1) return fail(a, "expected 1 to %d comma-separated integers", SC_ISA_MAX_DIMS);
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++) {
        out[k] = fill;
        if (k < n && (parse_i64(tok[k], &out[k]) || out[k] < lo || out[k] > hi))
            return fail(a, "value '%s' out of range [%lld, %lld]", tok[k], (long long)lo,
                        (long long)hi);
    }
    return SC_OK;
}

/* SPACE[@CORE]:DTYPE:BASE:STRIDES */
static sc_status parse_view(asm_state *a, char *spec, sc_view *v) {
    char *part[5];
    int n = split(spec, ":", part, 4);
    if (n != 4) return fail(a, "view must be SPACE[@CORE]:DTYPE:BASE:STRIDES");
    v->core = SC_ISA_SELF;
    char *at = strchr(part[0], '@');
    if (at) {
        int64_t c;
        *at = '\0';
        if (parse_i64(at + 1, &c) || c < 0 || c >= SC_ISA_MAX_CORES)
            return fail(a, "bad core '%s'", at + 1);
        v->core = (uint16_t)c;
    }
    int sp = parse_space(part[0]), dt = sc_isa_dtype_parse(part[1]);
    if (sp < 0) return fail(a, "unknown memory space '%s'", part[0]);
    if (dt < 0) return fail(a, "unknown dtype '%s'", part[1]);
    v->space = (uint8_t)sp;
    v->dtype = (uint8_t)dt;
    int64_t st[SC_ISA_MAX_DIMS];
    sc_status r = parse_base(a, part[2], v);
    if (r == SC_OK) r = parse_list(a, part[3], INT32_MIN, INT32_MAX, 0, st);
    for (int k = 0; r == SC_OK && k < SC_ISA_MAX_DIMS; k++)
        v->strides[k] = (int32_t)st[k];
    return r;
}

static const char *const DMA_VIEWS[] = {"dst", "src"};
static const char *const VEC_VIEWS[] = {"d", "a", "b", "c"};

/* .desc NAME dma|vec dims=D0,D1,D2,D3 VIEW=SPEC ... */
static sc_status desc_dir(asm_state *a, char **tok, int n) {
    sc_desc d;
    memset(&d, 0, sizeof d);
    if (n < 4) return fail(a, ".desc NAME dma|vec dims=... VIEW=SPEC...");
    if (strlen(tok[1]) >= sizeof d.name) return fail(a, "descriptor name too long");
    sc_strlcpy(d.name, tok[1], sizeof d.name);
    if (strcmp(tok[2], "dma") == 0)
        d.kind = SC_DESC_DMA;
    else if (strcmp(tok[2], "vec") == 0)
        d.kind = SC_DESC_VEC;
    else
        return fail(a, "descriptor kind '%s' is not dma or vec", tok[2]);
    if (strncmp(tok[3], "dims=", 5) != 0) return fail(a, "expected dims=... after the kind");
    int64_t dims[SC_ISA_MAX_DIMS];
    sc_status st = parse_list(a, tok[3] + 5, 1, UINT32_MAX, 1, dims);
    for (int k = 0; st == SC_OK && k < SC_ISA_MAX_DIMS; k++)
        d.dims[k] = (uint32_t)dims[k];
    const char *const *names = d.kind == SC_DESC_DMA ? DMA_VIEWS : VEC_VIEWS;
    int nv = d.kind == SC_DESC_DMA ? 2 : 4;
    for (int i = 4; st == SC_OK && i < n; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq) return fail(a, "expected VIEW=SPEC, got '%s'", tok[i]);
        *eq = '\0';
        int v = find_name(names, nv, tok[i]);
        if (v < 0) return fail(a, "unknown view '%s' for a %s descriptor", tok[i], tok[2]);
        if (d.views[v].space) return fail(a, "view '%s' given twice", tok[i]);
        st = parse_view(a, eq + 1, &d.views[v]);
    }
    if (st != SC_OK) return st;
    return sc_program_add_desc(a->p, &d, NULL, a->err) ? relabel(a) : SC_OK;
}

static sc_status add_bytes(asm_state *a, const void *b, size_t n, size_t align) {
    return sc_program_add_const(a->p, b, n, align, NULL, a->err) ? relabel(a) : SC_OK;
}

static sc_status hex_bytes(asm_state *a, const char *s) {
    size_t n = strlen(s);
    uint8_t buf[LINE_MAX_LEN / 2];
    if (n % 2 || n / 2 > sizeof buf) return fail(a, "odd-length hex '%s'", s);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            if (!isxdigit((unsigned char)c)) return fail(a, "bad hex digit '%c'", c);
            v = v * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : (tolower(c) - 'a' + 10));
        }
        buf[i] = (uint8_t)v;
    }
    return add_bytes(a, buf, n / 2, 1);
}

/* .data HEX..., .f32/.i32/.i64 values (little endian, naturally aligned), .align N */
static sc_status data_dir(asm_state *a, char **tok, int n) {
    const char *d = tok[0];
    if (strcmp(d, ".align") == 0) {
        uint64_t al;
        if (n != 2 || parse_u64(tok[1], &al)) return fail(a, ".align expects one number");
        return add_bytes(a, NULL, 0, (size_t)al);
    }
    for (int i = 1; i < n; i++) {
        uint8_t b[8];
        int w = strcmp(d, ".i64") == 0 ? 8 : 4;
        int64_t v = 0;
        sc_status st = SC_OK;
        if (strcmp(d, ".data") == 0)
            st = hex_bytes(a, tok[i]);
        else if (strcmp(d, ".f32") == 0)
            st = parse_f32(a, tok[i], &v);
        else if (parse_i64(tok[i], &v) || (w == 4 && (v < INT32_MIN || v > INT32_MAX)))
            st = fail(a, "'%s' is not a %d-bit integer", tok[i], w * 8);
        if (st != SC_OK) return st;
        if (strcmp(d, ".data") == 0) continue;
        for (int k = 0; k < w; k++)
            b[k] = (uint8_t)((uint64_t)v >> (8 * k));
        if ((st = add_bytes(a, b, (size_t)w, (size_t)w)) != SC_OK) return st;
    }
    return SC_OK;
}

static sc_status directive(asm_state *a, char *line) {
    char *tok[MAX_TOKENS];
    char copy[LINE_MAX_LEN];
    sc_strlcpy(copy, line, sizeof copy);
    int n = split(copy, " \t", tok, MAX_TOKENS);
    if (n < 1) return fail(a, "too many fields");
    const char *d = tok[0];
    if (strcmp(d, ".core") == 0) return set_core(a, tok, n);
    if (strcmp(d, ".queue") == 0) return set_queue(a, tok, n);
    if (strcmp(d, ".cores") == 0) return set_cores(a, tok, n);
    if (strcmp(d, ".buffer") == 0) return buffer_dir(a, tok, n);
    if (strcmp(d, ".desc") == 0) return desc_dir(a, tok, n);
    if (strcmp(d, ".data") == 0 || strcmp(d, ".f32") == 0 || strcmp(d, ".i32") == 0 ||
        strcmp(d, ".i64") == 0 || strcmp(d, ".align") == 0)
        return data_dir(a, tok, n);
    if (strcmp(d, ".program") == 0) {
        if (n != 2) return fail(a, ".program expects one name");
        return sc_program_set_name(a->p, tok[1], a->err) ? relabel(a) : SC_OK;
    }
    return fail(a, "unknown directive '%s'", d);
}

static int is_label_def(const char *s, size_t *len) {
    size_t i = 0;
    if (!isalpha((unsigned char)s[0]) && s[0] != '_') return 0;
    while (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.')
        i++;
    if (s[i] != ':') return 0;
    *len = i;
    return 1;
}

static sc_status assemble_line(asm_state *a, char *line) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *s = trim(line);
    size_t llen;
    if (is_label_def(s, &llen)) {
        s[llen] = '\0';
        sc_status st = define_label(a, s);
        if (st != SC_OK) return st;
        s = trim(s + llen + 1);
    }
    if (!*s) return SC_OK;
    if (s[0] == '.') return directive(a, s);
    return assemble_insn(a, s);
}

static sc_status assemble_all(asm_state *a, const char *text, size_t len) {
    char line[LINE_MAX_LEN];
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        a->line++;
        if (j - i >= sizeof line) return fail(a, "line longer than %d bytes", LINE_MAX_LEN - 1);
        memcpy(line, text + i, j - i);
        line[j - i] = '\0';
        if (memchr(line, '\0', j - i)) return fail(a, "NUL byte in text");
        sc_status st = assemble_line(a, line);
        if (st != SC_OK) return st;
        i = j + 1;
    }
    sc_status st = resolve_fixups(a);
    if (st != SC_OK) return st;
    a->line = 0;
    if (sc_program_validate(a->p, a->err) != SC_OK) return relabel(a);
    return SC_OK;
}

sc_status sc_program_assemble(const char *text, size_t len, const char *filename, sc_program **out,
                              sc_err *err) {
    *out = NULL;
    asm_state a;
    memset(&a, 0, sizeof a);
    a.file = filename ? filename : "<text>";
    a.err = err;
    a.queue = -1;
    sc_status st = sc_program_create(1, &a.p, err);
    if (st == SC_OK) st = assemble_all(&a, text, len);
    free(a.labels);
    free(a.label_index);
    free(a.fixups);
    if (st != SC_OK) {
        sc_program_destroy(a.p);
        return st;
    }
    *out = a.p;
    return SC_OK;
}
