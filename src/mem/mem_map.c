// SPDX-License-Identifier: Apache-2.0
// Address mapping: physical byte address <-> stack/channel/PC/bank group/bank/row/column.
#include <stdlib.h>
#include <string.h>

#include "mem/mem_internal.h"

static const char *const FIELD_NAMES[SC_MEM_F_COUNT] = {"st", "ch", "pc", "bg", "ba", "ro", "co"};

static int field_from_name(const char *s, size_t n) {
    for (int f = 0; f < SC_MEM_F_COUNT; f++)
        if (n == 2 && strncmp(s, FIELD_NAMES[f], 2) == 0) return f;
    return -1;
}

/* Parses one token "ch" or "co2" into the map. */
static sc_status parse_token(const char *tok, size_t n, sc_mem_map *out, sc_err *err) {
    if (n == 6 && strncmp(tok, "nohash", 6) == 0) {
        out->bank_hash = 0;
        return SC_OK;
    }
    int f = n >= 2 ? field_from_name(tok, 2) : -1;
    if (f < 0)
        return sc_err_set(err, SC_ERR_PARSE,
                          "address map: unknown field '%.*s' (use st ch pc bg ba ro co)", (int)n,
                          tok);
    uint32_t radix = 0;
    for (size_t i = 2; i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9' || radix > 100000000u)
            return sc_err_set(err, SC_ERR_PARSE, "address map: bad radix in '%.*s'", (int)n, tok);
        radix = radix * 10 + (uint32_t)(tok[i] - '0');
    }
    if (n > 2 && radix == 0)
        return sc_err_set(err, SC_ERR_PARSE, "address map: radix 0 in '%.*s'", (int)n, tok);
    if (out->n_digits >= SC_MEM_MAP_MAX_DIGITS)
        return sc_err_set(err, SC_ERR_PARSE, "address map: more than %d digits",
                          SC_MEM_MAP_MAX_DIGITS);
    out->field[out->n_digits] = (sc_mem_field)f;
    out->radix[out->n_digits] = radix;
    out->n_digits++;
    return SC_OK;
}

sc_status sc_mem_map_parse(const char *text, sc_mem_map *out, sc_err *err) {
    if (!text || !out) return sc_err_set(err, SC_ERR_INVALID_ARG, "address map: NULL argument");
    memset(out, 0, sizeof *out);
    out->bank_hash = 1;
    const char *p = text;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0) return sc_err_set(err, SC_ERR_PARSE, "address map: empty field in '%s'", text);
        sc_status s = parse_token(p, n, out, err);
        if (s != SC_OK) return s;
        p += n;
        if (*p == '.') p++;
    }
    if (out->n_digits == 0) return sc_err_set(err, SC_ERR_PARSE, "address map: no fields");
    return SC_OK;
}

static int is_pow2(uint32_t v) {
    return v && (v & (v - 1)) == 0;
}

static uint32_t log2_u32(uint32_t v) {
    uint32_t s = 0;
    while ((1u << s) < v)
        s++;
    return s;
}

/* Fixes each digit's radix and weight so the digits of every field multiply to its size. */
sc_status mem_map_resolve(sc_mem *m, sc_err *err) {
    const sc_mem_map *map = &m->params.map;
    for (int f = 0; f < SC_MEM_F_COUNT; f++) {
        uint64_t fixed = 1;
        int rest = -1, seen = 0;
        for (int d = 0; d < map->n_digits; d++) {
            if ((int)map->field[d] != f) continue;
            seen = 1;
            if (map->radix[d] == 0) {
                if (rest >= 0)
                    return sc_err_set(err, SC_ERR_INVALID_ARG,
                                      "address map: field '%s' has two open digits",
                                      FIELD_NAMES[f]);
                rest = d;
            } else {
                fixed *= map->radix[d];
            }
        }
        if (!seen && m->dims[f] != 1)
            return sc_err_set(err, SC_ERR_INVALID_ARG, "address map: field '%s' (size %u) missing",
                              FIELD_NAMES[f], m->dims[f]);
        if (fixed == 0 || m->dims[f] % fixed != 0 || (rest < 0 && fixed != m->dims[f]))
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "address map: digits of '%s' multiply to %llu, field size is %u",
                              FIELD_NAMES[f], (unsigned long long)fixed, m->dims[f]);
        uint32_t mult = 1;
        for (int d = 0; d < map->n_digits; d++) {
            if ((int)map->field[d] != f) continue;
            m->radix[d] = d == rest ? (uint32_t)(m->dims[f] / fixed) : map->radix[d];
            m->mult[d] = mult;
            mult *= m->radix[d];
        }
    }
    m->pc_top = -1;
    for (int d = 0; d < map->n_digits; d++) {
        if (map->field[d] <= SC_MEM_F_PC) m->pc_top = d;
        m->shift[d] = is_pow2(m->radix[d]) ? log2_u32(m->radix[d]) : 0;
    }
    return SC_OK;
}

/* Rotates the flat bank id by the row so that rows of one bank spread over banks; a bijection
 * for every fixed row, so the whole map stays bijective. */
static void hash_bank(const sc_mem *m, sc_mem_coord *c, int inverse) {
    uint32_t nb = m->dims[SC_MEM_F_BANK], n = m->dims[SC_MEM_F_BG] * nb;
    uint32_t id = c->bg * nb + c->bank, r = c->row % n;
    id = inverse ? (id + n - r) % n : (id + r) % n;
    c->bg = id / nb;
    c->bank = id % nb;
}

/* Rotates the flat stack/channel/PC id by a hash of the address bits above the PC digits, so
 * power-of-two strides spread over all PCs (as XOR channel hashing does in GPUs). Bijective:
 * the rotation depends only on digits that it does not change. */
static void hash_pc(const sc_mem *m, sc_mem_coord *c, uint64_t upper, int inverse) {
    uint32_t nc = m->dims[SC_MEM_F_CHANNEL], np = m->dims[SC_MEM_F_PC];
    uint32_t n = m->dims[SC_MEM_F_STACK] * nc * np;
    if (n == 1) return;
    uint64_t h = upper * 0x9E3779B97F4A7C15ull;
    uint32_t r = (uint32_t)(h >> 32) % n; /* 32-bit division: this runs once per burst */
    uint32_t id = (c->stack * nc + c->channel) * np + c->pc;
    id = inverse ? (id + n - r) % n : (id + r) % n;
    c->pc = id % np;
    c->channel = (id / np) % nc;
    c->stack = id / (np * nc);
}

static void fill_coord(const uint32_t *v, sc_mem_coord *c) {
    c->stack = v[SC_MEM_F_STACK];
    c->channel = v[SC_MEM_F_CHANNEL];
    c->pc = v[SC_MEM_F_PC];
    c->bg = v[SC_MEM_F_BG];
    c->bank = v[SC_MEM_F_BANK];
    c->row = v[SC_MEM_F_ROW];
    c->col = v[SC_MEM_F_COL];
}

void mem_decode_burst(const sc_mem *m, uint64_t burst, sc_mem_coord *c) {
    uint32_t v[SC_MEM_F_COUNT] = {0};
    const sc_mem_map *map = &m->params.map;
    uint64_t upper = 0;
    int last = map->n_digits - 1;
    for (int d = 0; d <= last; d++) {
        uint32_t r = m->radix[d], digit;
        if (d == last) { /* burst < n_bursts: what is left is the top digit */
            digit = (uint32_t)burst;
            burst = 0; /* nothing lies above the top digit (the PC hash must see 0, as encode) */
        } else if ((r & (r - 1)) == 0) { /* power of two: no division */
            digit = (uint32_t)(burst & (r - 1));
            burst >>= m->shift[d];
        } else {
            digit = (uint32_t)(burst % r);
            burst /= r;
        }
        v[map->field[d]] += digit * m->mult[d];
        if (d == m->pc_top) upper = burst;
    }
    fill_coord(v, c);
    if (map->bank_hash) {
        hash_bank(m, c, 0);
        hash_pc(m, c, upper, 0);
    }
}

int mem_pc_index(const sc_mem *m, const sc_mem_coord *c) {
    return (int)((c->stack * m->dims[SC_MEM_F_CHANNEL] + c->channel) * m->dims[SC_MEM_F_PC] +
                 c->pc);
}

uint32_t mem_bank_id(const sc_mem *m, const sc_mem_coord *c) {
    return c->bg * m->dims[SC_MEM_F_BANK] + c->bank;
}

sc_status sc_mem_decode(const sc_mem *m, uint64_t addr, sc_mem_coord *out, sc_err *err) {
    if (!m || !out) return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_decode: NULL argument");
    uint64_t burst = addr / m->cfg.burst_bytes;
    if (burst >= m->n_bursts)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "address 0x%llx is beyond the %llu-byte memory",
                          (unsigned long long)addr,
                          (unsigned long long)(m->n_bursts * (uint64_t)m->cfg.burst_bytes));
    mem_decode_burst(m, burst, out);
    return SC_OK;
}

sc_status sc_mem_encode(const sc_mem *m, const sc_mem_coord *c, uint64_t *addr, sc_err *err) {
    if (!m || !c || !addr)
        return sc_err_set(err, SC_ERR_INVALID_ARG, "sc_mem_encode: NULL argument");
    sc_mem_coord k = *c;
    uint32_t v[SC_MEM_F_COUNT] = {k.stack, k.channel, k.pc, k.bg, k.bank, k.row, k.col};
    for (int f = 0; f < SC_MEM_F_COUNT; f++)
        if (v[f] >= m->dims[f])
            return sc_err_set(err, SC_ERR_INVALID_ARG,
                              "coordinate '%s' = %u out of range (size %u)", FIELD_NAMES[f], v[f],
                              m->dims[f]);
    const sc_mem_map *map = &m->params.map;
    if (map->bank_hash) {
        hash_bank(m, &k, 1);
        v[SC_MEM_F_BG] = k.bg;
        v[SC_MEM_F_BANK] = k.bank;
        /* digits above the PC block do not depend on the PC rotation: rebuild them first */
        uint64_t upper = 0;
        for (int d = map->n_digits - 1; d > m->pc_top; d--)
            upper = upper * m->radix[d] + (v[map->field[d]] / m->mult[d]) % m->radix[d];
        hash_pc(m, &k, upper, 1);
        v[SC_MEM_F_STACK] = k.stack;
        v[SC_MEM_F_CHANNEL] = k.channel;
        v[SC_MEM_F_PC] = k.pc;
    }
    uint64_t burst = 0;
    for (int d = map->n_digits - 1; d >= 0; d--) {
        uint32_t digit = (v[map->field[d]] / m->mult[d]) % m->radix[d];
        burst = burst * m->radix[d] + digit;
    }
    *addr = burst * (uint64_t)m->cfg.burst_bytes;
    return SC_OK;
}
