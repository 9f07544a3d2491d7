// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the .scb program container (sc_program_parse) and its round trips.
/*
 * The container is CRC-protected, so random mutations almost never get past the header. Each
 * input is therefore parsed twice: as given (header, size and checksum checks), then with the
 * file-size and CRC fields recomputed so mutations reach the tables, strings and code.
 * Invariant: whatever parses survives serialize/parse and disassemble/assemble unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "compiler/codegen.h"
#include "fuzz.h"

#define H_CRC      84
#define H_FILESIZE 88

/* The I/O metadata (io_meta: bindings, data-dependent extents) of a parsed program: either a
 * clean error or bindings whose dynamic axis lies inside the rank. */
static void meta_one(sc_program *p) {
    sc_compiled *c = NULL;
    sc_err err = {0};
    if (sc_compiled_from_program(p, &c, &err) != SC_OK) {
        FUZZ_CHECK(c == NULL && err.msg[0] != '\0');
        return;
    }
    for (int i = 0; i < c->n_outputs; i++)
        FUZZ_CHECK(c->outputs[i].dyn >= 0 && c->outputs[i].dyn <= c->outputs[i].rank);
    c->prog = NULL; /* still owned by the caller */
    sc_compiled_destroy(c);
}

static void parse_one(const uint8_t *data, size_t size) {
    sc_program *p = NULL;
    sc_err err = {0};
    sc_status st = sc_program_parse(data, size, &p, &err);
    if (st != SC_OK) {
        FUZZ_CHECK(p == NULL && err.msg[0] != '\0');
        return;
    }
    fuzz_check_program_roundtrip(p);
    meta_one(p);
    sc_program_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parse_one(data, size);
    if (size < SC_SCB_HEADER_BYTES) return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed) return 0;
    memcpy(fixed, data, size);
    for (int i = 0; i < 8; i++)
        fixed[H_FILESIZE + i] = (uint8_t)((uint64_t)size >> (8 * i));
    uint32_t crc = sc_isa_crc32(fixed, size, H_CRC);
    for (int i = 0; i < 4; i++)
        fixed[H_CRC + i] = (uint8_t)(crc >> (8 * i));
    parse_one(fixed, size);
    free(fixed);
    return 0;
}
