// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the assembler (sc_program_assemble) and the program round trips.
/*
 * Invariants: an error reads "FILE:LINE: ..." on one line; a program that assembles survives
 * serialize/parse and disassemble/assemble unchanged.
 */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_program *p = NULL;
    sc_err err = {0};
    sc_status st = sc_program_assemble((const char *)data, size, "fuzz.s", &p, &err);
    if (st != SC_OK) {
        FUZZ_CHECK(p == NULL && strncmp(err.msg, "fuzz.s:", 7) == 0);
        FUZZ_CHECK(strchr(err.msg, '\n') == NULL);
        return 0;
    }
    fuzz_check_program_roundtrip(p);
    sc_program_destroy(p);
    return 0;
}
