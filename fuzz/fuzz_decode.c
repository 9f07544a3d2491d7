// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the instruction decoder (sc_isa_decode) over 16-byte instruction words.
/*
 * Invariants: a word that decodes passes sc_isa_check and re-encodes to the same 16 bytes
 * (the encoding is canonical: unused bytes must be zero), and a word that does not decode
 * leaves an error message.
 */
#include <string.h>

#include "fuzz.h"

static void decode_one(const uint8_t word[SC_ISA_INSN_BYTES]) {
    sc_insn in;
    sc_err err = {0};
    if (sc_isa_decode(word, &in, &err) != SC_OK) {
        FUZZ_CHECK(err.status == SC_ERR_PARSE && err.msg[0] != '\0');
        return;
    }
    FUZZ_CHECK(sc_isa_check(&in, NULL) == SC_OK);
    FUZZ_CHECK(sc_isa_info(in.op) != NULL);
    uint8_t again[SC_ISA_INSN_BYTES];
    FUZZ_CHECK(sc_isa_encode(&in, again, NULL) == SC_OK);
    FUZZ_CHECK(memcmp(again, word, SC_ISA_INSN_BYTES) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    for (size_t at = 0; at + SC_ISA_INSN_BYTES <= size; at += SC_ISA_INSN_BYTES)
        decode_one(data + at);
    /* A short tail is zero-padded: short words must be handled as well as whole ones. */
    size_t tail = size % SC_ISA_INSN_BYTES;
    if (tail) {
        uint8_t word[SC_ISA_INSN_BYTES] = {0};
        memcpy(word, data + size - tail, tail);
        decode_one(word);
    }
    return 0;
}
