// SPDX-License-Identifier: Apache-2.0
// PP-OCR recognition output: the character list (ppocr_keys_v1.txt) and greedy
// CTC decoding.
#include <stdlib.h>
#include <string.h>

#include "runtime/ocr_internal.h"

#define OCR_KEYS_MAX_FILE (4u << 20)
#define OCR_KEYS_MAX      100000

sc_status ocr_keys_read(const char *path, ocr_keys *k, sc_err *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(k, 0, sizeof *k);
    if (sc_read_file(path, OCR_KEYS_MAX_FILE, &buf, &len, err) != SC_OK) return err->status;
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    lines += len && buf[len - 1] != '\n';
    if (!lines || lines > OCR_KEYS_MAX || memchr(buf, 0, len)) {
        free(buf);
        return sc_err_set(err, SC_ERR_PARSE, "%s: expected 1 to %d lines of characters", path,
                          OCR_KEYS_MAX);
    }
    k->blob = (char *)buf;
    k->chars = calloc((size_t)lines, sizeof *k->chars);
    if (!k->chars) {
        ocr_keys_free(k);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    /* one entry per line, the newline (and a CR before it) removed, as
     * PaddleOCR's line.decode('utf-8').strip('\n').strip('\r\n') */
    char *s = k->blob, *end = k->blob + len;
    while (s < end) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *e = nl ? nl : end;
        if (e > s && e[-1] == '\r') e--;
        *e = 0;
        k->chars[k->n++] = s;
        s = nl ? nl + 1 : end;
    }
    return SC_OK;
}

void ocr_keys_free(ocr_keys *k) {
    free(k->chars);
    free(k->blob);
    memset(k, 0, sizeof *k);
}

static const char *class_text(const ocr_keys *k, int c) {
    if (c >= 1 && c <= k->n) return k->chars[c - 1];
    return " "; /* class n+1: PaddleOCR appends the space (use_space_char) */
}

sc_status ocr_ctc_decode(const float *probs, int steps, int classes, const ocr_keys *k, char **text,
                         float *score, sc_err *err) {
    sc_strbuf sb;
    sc_strbuf_init(&sb);
    double sum = 0;
    int kept = 0, prev = -1;
    for (int t = 0; t < steps; t++) {
        const float *row = probs + (size_t)t * classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (row[c] > row[best]) best = c;
        if (best != 0 && best != prev) {
            const char *s = class_text(k, best);
            sc_strbuf_append(&sb, s, strlen(s));
            sum += row[best], kept++;
        }
        prev = best;
    }
    sc_strbuf_append(&sb, "", 1);
    if (sb.oom) {
        sc_strbuf_free(&sb);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    }
    *text = sb.data;
    *score = kept ? (float)(sum / kept) : 0;
    return SC_OK;
}
