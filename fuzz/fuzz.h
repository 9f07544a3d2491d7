// SPDX-License-Identifier: Apache-2.0
// Shared declarations for the fuzz targets: the libFuzzer entry point and invariant checks.
#ifndef SC_FUZZ_H
#define SC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "isa/isa.h"

/* Every target defines this; libFuzzer calls it (fuzz build) or replay_main.c does (ctest). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the parsers promise; a violation aborts so both libFuzzer and ctest see a crash
 * (a plain `return` would hide the bug from the fuzzer). */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))
void fuzz_fail(const char *what, const char *file, int line) __attribute__((noreturn));

/* Program invariants shared by the .scb and assembler targets: serialize -> parse -> serialize
 * is byte-identical, and disassemble -> assemble gives the same container. */
void fuzz_check_program_roundtrip(const sc_program *p);

/* Writes data to this process's private temp file (created on first use, removed at exit);
 * returns its path, or NULL if the file cannot be written. */
const char *fuzz_temp_file(const char *suffix, const uint8_t *data, size_t size);

/* This process's private temp directory (created on first use, emptied and removed at exit);
 * fuzz_dir_file writes NAME inside it and returns the full path, or NULL on failure. */
const char *fuzz_temp_dir(void);
const char *fuzz_dir_file(const char *name, const uint8_t *data, size_t size);

#endif
