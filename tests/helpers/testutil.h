// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the cmocka tests: temp files, source-dir paths, optional shared/ data, chips,
// IR graphs.
#ifndef SC_TESTUTIL_H
#define SC_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Absolute path of a file in the source tree (static buffer per call slot, 8 slots). */
const char *tu_src_path(const char *rel);
/* Path of ../shared/REL beside the source tree, or NULL when shared/ is absent. */
const char *tu_shared_path(const char *rel);
/* The LLM checkpoint ../shared/REL loaded with default parameters, or NULL when shared/ is
 * absent (the test then skips its checks); a load error fails the test. */
struct sc_llm_model *tu_load_shared_model(const char *rel);
/* Writes text to a fresh temp file and returns its path (static buffer per call slot). */
const char *tu_write_temp(const char *suffix, const void *data, size_t len);
/* Fresh temp directory (static buffer per call slot). */
const char *tu_temp_dir(void);
/* The chip config NAME from the source tree's configs/, or NULL (message on stderr). Caller owns
 * the result (sc_chip_destroy). */
struct sc_chip *tu_load_chip(const char *name);
/* An empty IR graph of the given opset (fails the test on error). Caller owns it. */
struct sc_ir_graph *tu_ir_graph(int opset);
/* A graph input NAME of type t and static shape dims[rank]; returns its value id. */
int tu_ir_input(struct sc_ir_graph *g, const char *name, int t, int rank, const int64_t *dims);

#endif
