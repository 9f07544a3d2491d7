// SPDX-License-Identifier: Apache-2.0
// The .scb container: versioned, little-endian, CRC-protected; every offset checked on load.
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"

/* Header fields (byte offsets); see docs/ISA.md "Container". */
enum {
    H_MAGIC = 0,
    H_VERSION = 4,
    H_HDRSIZE = 6,
    H_NCORES = 8,
    H_FLAGS = 12,
    H_QUEUES = 16,
    H_CONSTS = 24,
    H_CONSTS_SIZE = 32,
    H_BUFFERS = 40,
    H_NBUFFERS = 48,
    H_NDESCS = 52,
    H_DESCS = 56,
    H_STRINGS = 64,
    H_STRINGS_SIZE = 72,
    H_NAME = 80,
    H_CRC = 84,
    H_FILESIZE = 88
};
#define QUEUE_ENTRY  16
#define BUFFER_ENTRY 64
#define VIEW_ENTRY   32
#define DESC_ENTRY   (24 + SC_ISA_VIEWS * VIEW_ENTRY)

static void put(uint8_t *p, uint64_t v, int w) {
    for (int i = 0; i < w; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int w) {
    uint64_t v = 0;
    for (int i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

uint32_t sc_isa_crc32(const uint8_t *data, size_t len, size_t skip_off) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (i >= skip_off && i < skip_off + 4) ? 0 : data[i];
        crc ^= b;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* ---- Writing. ---- */

typedef struct strtab {
    sc_strbuf sb;
} strtab;

/* Appends s with its NUL; returns its offset. The table starts with "" at offset 0. */
static uint32_t strtab_add(strtab *t, const char *s) {
    uint32_t off = (uint32_t)t->sb.len;
    sc_strbuf_append(&t->sb, s, strlen(s) + 1);
    return off;
}

static void write_view(uint8_t *p, const sc_view *v) {
    put(p + 0, v->space, 1);
    put(p + 1, v->dtype, 1);
    put(p + 2, v->core, 2);
    put(p + 4, v->buffer, 2);
    put(p + 8, v->offset, 8);
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
        put(p + 16 + 4 * k, (uint32_t)v->strides[k], 4);
}

static void write_tables(const sc_program *p, uint8_t *buf, size_t boff, size_t doff, strtab *st) {
    for (size_t i = 0; i < sc_program_n_buffers(p); i++) {
        const sc_buffer *b = sc_program_buffer(p, i);
        uint8_t *e = buf + boff + i * BUFFER_ENTRY;
        put(e + 0, strtab_add(st, b->name), 4);
        put(e + 4, b->space, 1);
        put(e + 5, b->dtype, 1);
        put(e + 6, b->rank, 1);
        for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
            put(e + 8 + 8 * k, b->dims[k], 8);
        put(e + 40, b->offset, 8);
        put(e + 48, b->size, 8);
    }
    for (size_t i = 0; i < sc_program_n_descs(p); i++) {
        const sc_desc *d = sc_program_desc(p, i);
        uint8_t *e = buf + doff + i * DESC_ENTRY;
        put(e + 0, strtab_add(st, d->name), 4);
        put(e + 4, d->kind, 1);
        for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
            put(e + 8 + 4 * k, d->dims[k], 4);
        for (int v = 0; v < SC_ISA_VIEWS; v++)
            write_view(e + 24 + v * VIEW_ENTRY, &d->views[v]);
    }
}

/* Section sizes of the canonical layout: header, queue table, code, consts, buffers, descs,
 * strings. Returns -1 on overflow. */
typedef struct layout {
    size_t queues, code, consts, buffers, descs, strings, end, n_insns;
} layout;

static int plan(const sc_program *p, size_t strings_len, layout *L) {
    size_t n_insns = 0, n, tmp;
    for (int c = 0; c < sc_program_cores(p); c++)
        for (int q = 0; q < SC_QUEUE_COUNT; q++) {
            sc_program_code(p, c, (sc_queue)q, &n);
            if (sc_add_size(n_insns, n, &n_insns)) return -1;
        }
    L->n_insns = n_insns;
    L->queues = SC_SCB_HEADER_BYTES;
    L->code = L->queues + (size_t)sc_program_cores(p) * SC_QUEUE_COUNT * QUEUE_ENTRY;
    sc_program_consts(p, &n);
    if (sc_mul_size(n_insns, SC_ISA_INSN_BYTES, &tmp) || sc_add_size(L->code, tmp, &L->consts))
        return -1;
    if (sc_add_size(L->consts, n, &L->buffers)) return -1;
    L->descs = L->buffers + sc_program_n_buffers(p) * BUFFER_ENTRY;
    L->strings = L->descs + sc_program_n_descs(p) * DESC_ENTRY;
    return sc_add_size(L->strings, strings_len, &L->end);
}

static sc_status write_code(const sc_program *p, uint8_t *buf, const layout *L, sc_err *err) {
    size_t at = L->code, n;
    for (int c = 0; c < sc_program_cores(p); c++)
        for (int q = 0; q < SC_QUEUE_COUNT; q++) {
            const sc_insn *code = sc_program_code(p, c, (sc_queue)q, &n);
            uint8_t *e = buf + L->queues + (size_t)(c * SC_QUEUE_COUNT + q) * QUEUE_ENTRY;
            put(e, at, 8);
            put(e + 8, n, 4);
            for (size_t i = 0; i < n; i++, at += SC_ISA_INSN_BYTES)
                if (sc_isa_encode(&code[i], buf + at, err) != SC_OK)
                    return err ? err->status : SC_ERR_INVALID_ARG;
        }
    return SC_OK;
}

static void write_header(const sc_program *p, uint8_t *buf, const layout *L, uint32_t name) {
    size_t nconst;
    sc_program_consts(p, &nconst);
    memcpy(buf + H_MAGIC, "SCB1", 4);
    put(buf + H_VERSION, SC_SCB_VERSION, 2);
    put(buf + H_HDRSIZE, SC_SCB_HEADER_BYTES, 2);
    put(buf + H_NCORES, (uint64_t)sc_program_cores(p), 4);
    put(buf + H_QUEUES, L->queues, 8);
    put(buf + H_CONSTS, L->consts, 8);
    put(buf + H_CONSTS_SIZE, nconst, 8);
    put(buf + H_BUFFERS, L->buffers, 8);
    put(buf + H_NBUFFERS, sc_program_n_buffers(p), 4);
    put(buf + H_NDESCS, sc_program_n_descs(p), 4);
    put(buf + H_DESCS, L->descs, 8);
    put(buf + H_STRINGS, L->strings, 8);
    put(buf + H_STRINGS_SIZE, L->end - L->strings, 8);
    put(buf + H_NAME, name, 4);
    put(buf + H_FILESIZE, L->end, 8);
}

sc_status sc_program_serialize(const sc_program *p, uint8_t **out, size_t *len, sc_err *err) {
    *out = NULL;
    *len = 0;
    sc_status st = sc_program_validate(p, err);
    if (st != SC_OK) return st;
    /* Strings first (their total size fixes the layout); tables are rewritten in order below. */
    strtab t;
    sc_strbuf_init(&t.sb);
    strtab_add(&t, "");
    uint32_t name = p && sc_program_name(p)[0] ? strtab_add(&t, sc_program_name(p)) : 0;
    layout L;
    size_t str_start = t.sb.len, consts_n;
    const uint8_t *consts = sc_program_consts(p, &consts_n);
    for (size_t i = 0; i < sc_program_n_buffers(p); i++)
        strtab_add(&t, sc_program_buffer(p, i)->name);
    for (size_t i = 0; i < sc_program_n_descs(p); i++)
        strtab_add(&t, sc_program_desc(p, i)->name);
    uint8_t *buf = NULL;
    if (t.sb.oom || plan(p, t.sb.len, &L) || !(buf = calloc(1, L.end))) {
        sc_strbuf_free(&t.sb);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory serializing the program");
    }
    t.sb.len = str_start; /* re-add the same names in the same order while writing the tables */
    write_tables(p, buf, L.buffers, L.descs, &t);
    if (consts_n) memcpy(buf + L.consts, consts, consts_n);
    memcpy(buf + L.strings, t.sb.data, t.sb.len);
    sc_strbuf_free(&t.sb);
    st = write_code(p, buf, &L, err);
    if (st != SC_OK) {
        free(buf);
        return st;
    }
    write_header(p, buf, &L, name);
    put(buf + H_CRC, sc_isa_crc32(buf, L.end, H_CRC), 4);
    *out = buf;
    *len = L.end;
    return SC_OK;
}

/* ---- Reading. ---- */

typedef struct reader {
    const uint8_t *d;
    size_t len;
    uint64_t str_off, str_size;
    sc_err *err;
} reader;

/* Checks [off, off + count*elem) lies inside the file. */
static sc_status region(reader *r, const char *what, uint64_t off, uint64_t count, uint64_t elem) {
    uint64_t bytes;
    if (sc_mul_u64(count, elem, &bytes) || off > r->len || bytes > r->len - off)
        return sc_err_set(r->err, SC_ERR_PARSE,
                          "%s (offset %llu, %llu x %llu bytes) lies outside the %zu-byte file",
                          what, (unsigned long long)off, (unsigned long long)count,
                          (unsigned long long)elem, r->len);
    return SC_OK;
}

/* Copies a NUL-terminated string at table offset `off` into dst. */
static sc_status read_str(reader *r, uint64_t off, char *dst, const char *what) {
    if (off >= r->str_size)
        return sc_err_set(r->err, SC_ERR_PARSE, "%s: string offset %llu outside the table", what,
                          (unsigned long long)off);
    const char *s = (const char *)r->d + r->str_off + off;
    size_t max = (size_t)(r->str_size - off);
    size_t n = 0;
    while (n < max && n < SC_ISA_NAME_MAX && s[n])
        n++;
    if (n == max || n >= SC_ISA_NAME_MAX)
        return sc_err_set(r->err, SC_ERR_PARSE, "%s: name not terminated or too long", what);
    memcpy(dst, s, n);
    dst[n] = '\0';
    return SC_OK;
}

static sc_status read_header(reader *r, uint32_t *ncores) {
    const uint8_t *d = r->d;
    if (r->len < SC_SCB_HEADER_BYTES)
        return sc_err_set(r->err, SC_ERR_PARSE,
                          "file is %zu bytes, shorter than the %d-byte header", r->len,
                          SC_SCB_HEADER_BYTES);
    if (memcmp(d, "SCB1", 4) != 0)
        return sc_err_set(r->err, SC_ERR_PARSE, "not a SeedChip program (bad magic)");
    if (get(d + H_VERSION, 2) != SC_SCB_VERSION)
        return sc_err_set(r->err, SC_ERR_PARSE, "container version %u unsupported (want %d)",
                          (unsigned)get(d + H_VERSION, 2), SC_SCB_VERSION);
    if (get(d + H_HDRSIZE, 2) != SC_SCB_HEADER_BYTES || get(d + H_FLAGS, 4) != 0)
        return sc_err_set(r->err, SC_ERR_PARSE, "header size or flags invalid");
    if (get(d + H_FILESIZE, 8) != r->len)
        return sc_err_set(r->err, SC_ERR_PARSE, "header says %llu bytes, file has %zu (truncated?)",
                          (unsigned long long)get(d + H_FILESIZE, 8), r->len);
    if (get(d + H_CRC, 4) != sc_isa_crc32(d, r->len, H_CRC))
        return sc_err_set(r->err, SC_ERR_PARSE, "checksum mismatch (file corrupted)");
    *ncores = (uint32_t)get(d + H_NCORES, 4);
    if (*ncores < 1 || *ncores > SC_ISA_MAX_CORES)
        return sc_err_set(r->err, SC_ERR_PARSE, "core count %u out of range [1, %d]", *ncores,
                          SC_ISA_MAX_CORES);
    if (get(d + H_NBUFFERS, 4) > SC_ISA_MAX_BUFFERS || get(d + H_NDESCS, 4) > SC_ISA_MAX_DESCS)
        return sc_err_set(r->err, SC_ERR_PARSE, "buffer or descriptor count too large");
    r->str_off = get(d + H_STRINGS, 8);
    r->str_size = get(d + H_STRINGS_SIZE, 8);
    sc_status st = region(r, "string table", r->str_off, r->str_size, 1);
    if (st == SC_OK && (r->str_size == 0 || d[r->str_off + r->str_size - 1] != 0))
        st = sc_err_set(r->err, SC_ERR_PARSE, "string table empty or not NUL-terminated");
    return st;
}

static sc_status read_buffers(reader *r, sc_program *p) {
    uint64_t off = get(r->d + H_BUFFERS, 8), n = get(r->d + H_NBUFFERS, 4);
    sc_status st = region(r, "buffer table", off, n, BUFFER_ENTRY);
    for (uint64_t i = 0; st == SC_OK && i < n; i++) {
        const uint8_t *e = r->d + off + i * BUFFER_ENTRY;
        sc_buffer b;
        memset(&b, 0, sizeof b);
        st = read_str(r, get(e, 4), b.name, "buffer");
        if (st != SC_OK) break;
        b.space = e[4];
        b.dtype = e[5];
        b.rank = e[6];
        for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
            b.dims[k] = get(e + 8 + 8 * k, 8);
        b.offset = get(e + 40, 8);
        b.size = get(e + 48, 8);
        if (e[7] || get(e + 56, 8))
            st = sc_err_set(r->err, SC_ERR_PARSE, "buffer %llu: reserved bytes not zero",
                            (unsigned long long)i);
        else
            st = sc_program_add_buffer(p, &b, NULL, r->err);
    }
    return st;
}

static void read_view(const uint8_t *e, sc_view *v) {
    v->space = e[0];
    v->dtype = e[1];
    v->core = (uint16_t)get(e + 2, 2);
    v->buffer = (uint16_t)get(e + 4, 2);
    v->offset = get(e + 8, 8);
    for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
        v->strides[k] = (int32_t)(uint32_t)get(e + 16 + 4 * k, 4);
}

static sc_status read_descs(reader *r, sc_program *p) {
    uint64_t off = get(r->d + H_DESCS, 8), n = get(r->d + H_NDESCS, 4);
    sc_status st = region(r, "descriptor table", off, n, DESC_ENTRY);
    for (uint64_t i = 0; st == SC_OK && i < n; i++) {
        const uint8_t *e = r->d + off + i * DESC_ENTRY;
        sc_desc d;
        memset(&d, 0, sizeof d);
        st = read_str(r, get(e, 4), d.name, "descriptor");
        if (st != SC_OK) break;
        if (!d.name[0] || e[5] || e[6] || e[7]) {
            st = sc_err_set(r->err, SC_ERR_PARSE,
                            "descriptor %llu: empty name or reserved bytes set",
                            (unsigned long long)i);
            break;
        }
        d.kind = e[4];
        for (int k = 0; k < SC_ISA_MAX_DIMS; k++)
            d.dims[k] = (uint32_t)get(e + 8 + 4 * k, 4);
        for (int v = 0; v < SC_ISA_VIEWS; v++) {
            const uint8_t *ve = e + 24 + v * VIEW_ENTRY;
            if (get(ve + 6, 2))
                st = sc_err_set(r->err, SC_ERR_PARSE, "descriptor %llu: reserved bytes set",
                                (unsigned long long)i);
            read_view(ve, &d.views[v]);
        }
        if (st == SC_OK) st = sc_program_add_desc(p, &d, NULL, r->err);
    }
    return st;
}

static sc_status read_code(reader *r, sc_program *p, uint32_t ncores) {
    uint64_t qoff = get(r->d + H_QUEUES, 8);
    sc_status st = region(r, "queue table", qoff, (uint64_t)ncores * SC_QUEUE_COUNT, QUEUE_ENTRY);
    for (uint32_t c = 0; st == SC_OK && c < ncores; c++)
        for (int q = 0; st == SC_OK && q < SC_QUEUE_COUNT; q++) {
            const uint8_t *e = r->d + qoff + (uint64_t)(c * SC_QUEUE_COUNT + q) * QUEUE_ENTRY;
            uint64_t off = get(e, 8), n = get(e + 8, 4);
            if (n > SC_ISA_MAX_QUEUE_INSNS || get(e + 12, 4))
                return sc_err_set(r->err, SC_ERR_PARSE, "core %u %s queue: bad count or reserved",
                                  c, sc_isa_queue_name((sc_queue)q));
            st = region(r, "code", off, n, SC_ISA_INSN_BYTES);
            for (uint64_t i = 0; st == SC_OK && i < n; i++) {
                sc_insn in;
                st = sc_isa_decode(r->d + off + i * SC_ISA_INSN_BYTES, &in, r->err);
                if (st == SC_OK)
                    st = sc_program_add_insn(p, (int)c, (sc_queue)q, &in, NULL, r->err);
            }
        }
    return st;
}

static sc_status read_body(reader *r, sc_program *p, uint32_t ncores) {
    char name[SC_ISA_NAME_MAX];
    sc_status st = read_str(r, get(r->d + H_NAME, 4), name, "program name");
    if (st == SC_OK) st = sc_program_set_name(p, name, r->err);
    uint64_t coff = get(r->d + H_CONSTS, 8), cn = get(r->d + H_CONSTS_SIZE, 8);
    if (st == SC_OK) st = region(r, "constants", coff, cn, 1);
    if (st == SC_OK && cn) st = sc_program_add_const(p, r->d + coff, (size_t)cn, 1, NULL, r->err);
    if (st == SC_OK) st = read_buffers(r, p);
    if (st == SC_OK) st = read_descs(r, p);
    if (st == SC_OK) st = read_code(r, p, ncores);
    if (st == SC_OK) st = sc_program_validate(p, r->err);
    return st;
}

sc_status sc_program_parse(const uint8_t *data, size_t len, sc_program **out, sc_err *err) {
    *out = NULL;
    reader r = {data, len, 0, 0, err};
    uint32_t ncores = 0;
    sc_status st = read_header(&r, &ncores);
    if (st != SC_OK) return st;
    sc_program *p = NULL;
    st = sc_program_create((int)ncores, &p, err);
    if (st == SC_OK) st = read_body(&r, p, ncores);
    if (st != SC_OK) {
        sc_program_destroy(p);
        if (err) err->status = st == SC_ERR_NOMEM ? st : SC_ERR_PARSE;
        return st == SC_ERR_NOMEM ? st : SC_ERR_PARSE;
    }
    *out = p;
    return SC_OK;
}
