// SPDX-License-Identifier: Apache-2.0
// Fuzz target: PNG and JPEG decoding (libpng / libjpeg-turbo through src/frontends/image.c).
#include <string.h>

#include "frontends/image.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_image im;
    sc_err err = {0};
    if (sc_image_decode(data, size, "fuzz.img", &im, &err) != SC_OK) {
        FUZZ_CHECK(strstr(err.msg, "fuzz.img"));
        FUZZ_CHECK(!im.rgb);
        return 0;
    }
    FUZZ_CHECK(im.rgb && im.w > 0 && im.h > 0);
    FUZZ_CHECK(im.w <= SC_IMAGE_MAX_SIDE && im.h <= SC_IMAGE_MAX_SIDE);
    FUZZ_CHECK((unsigned long long)im.w * (unsigned long long)im.h <= SC_IMAGE_MAX_PIXELS);
    /* every pixel was written by the decoder: touch the last byte (ASan/valgrind see it) */
    volatile uint8_t last = im.rgb[(size_t)im.w * (size_t)im.h * 3 - 1];
    (void)last;
    sc_image_free(&im);
    return 0;
}
