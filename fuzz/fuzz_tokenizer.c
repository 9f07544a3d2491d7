// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the LLM tokenizers (SentencePiece-style and byte-level BPE), encode and decode.
/*
 * Input: one kind byte (even: SPM, odd: BPE), then NUL-separated fields: vocabulary tokens up to
 * an empty field, merges ("a b") up to the next empty field, then the text to encode. SPM scores
 * favour earlier tokens. Invariants: every id is in range and decodes without error.
 */
#include <stdlib.h>
#include <string.h>

#include "frontends/llm/llm_model.h"
#include "fuzz.h"

#define MAX_FIELDS 4096

/* Splits buf (NUL-terminated by the caller) into fields at NUL bytes, up to an empty field. */
static size_t take_fields(char **at, const char *end, const char **out, size_t max) {
    size_t n = 0;
    while (*at < end && n < max) {
        char *f = *at;
        *at += strlen(f) + 1;
        if (!*f) break;
        out[n++] = f;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2 || size > 65536) return 0;
    char *buf = malloc(size + 1);
    const char **toks = malloc(MAX_FIELDS * sizeof *toks);
    const char **merges = malloc(MAX_FIELDS * sizeof *merges);
    float *scores = malloc(MAX_FIELDS * sizeof *scores);
    if (!buf || !toks || !merges || !scores) goto out;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *at = buf, *end = buf + size - 1;
    size_t n_tok = take_fields(&at, end, toks, MAX_FIELDS);
    size_t n_merge = take_fields(&at, end, merges, MAX_FIELDS);
    const char *text = at < end ? at : "";
    for (size_t i = 0; i < n_tok; i++)
        scores[i] = -(float)i;
    sc_llm_tok_kind kind = data[0] & 1 ? SC_LLM_TOK_BPE : SC_LLM_TOK_SPM;
    sc_llm_tokenizer *t = NULL;
    sc_err err = {0};
    if (sc_llm_tokenizer_create(kind, toks, kind == SC_LLM_TOK_SPM ? scores : NULL, n_tok, merges,
                                n_merge, 1, 2, &t, &err) != SC_OK) {
        FUZZ_CHECK(t == NULL && err.msg[0] != '\0');
        goto out;
    }
    int *ids = NULL;
    size_t n = 0;
    if (sc_llm_tokenize(t, text, &ids, &n, &err) == SC_OK) {
        sc_strbuf sb;
        sc_strbuf_init(&sb);
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(ids[i] >= 0 && (size_t)ids[i] < n_tok);
            FUZZ_CHECK(sc_llm_detokenize(t, ids[i], &sb, &err) == SC_OK);
        }
        sc_strbuf_free(&sb);
    }
    free(ids);
    sc_llm_tokenizer_destroy(t);
out:
    free(buf);
    free(toks);
    free(merges);
    free(scores);
    return 0;
}
