// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the OCR character list (ppocr_keys_v1.txt format) and CTC decoding over it.
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runtime/ocr_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_temp_file(".txt", data, size);
    if (!path) return 0;
    ocr_keys k;
    sc_err err = {0};
    if (ocr_keys_read(path, &k, &err) != SC_OK) {
        FUZZ_CHECK(strstr(err.msg, path));
        return 0;
    }
    FUZZ_CHECK(k.n >= 1);
    /* every class once, each step's winner taken from the input bytes: blank, every key, the
     * space and repeats all occur */
    int classes = k.n + 2, steps = (int)(size < 64 ? size : 64);
    float *p = calloc((size_t)steps * (size_t)classes, sizeof *p);
    FUZZ_CHECK(p != NULL);
    for (int t = 0; t < steps; t++)
        p[(size_t)t * classes + data[t] % classes] = 1.0f;
    char *text = NULL;
    float score = -1;
    FUZZ_CHECK(ocr_ctc_decode(p, steps, classes, &k, &text, &score, &err) == SC_OK);
    FUZZ_CHECK(text && score >= 0 && score <= 1);
    free(text);
    free(p);
    ocr_keys_free(&k);
    return 0;
}
