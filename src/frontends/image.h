// SPDX-License-Identifier: Apache-2.0
// PNG and JPEG decoding (libpng, libjpeg-turbo) into 8-bit RGB images for
// `seedchip ocr`.
#ifndef SC_IMAGE_H
#define SC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Largest accepted side and pixel count: checked from the header, before any
 * pixel buffer is allocated, so a hostile header cannot make the decoder ask
 * for gigabytes. */
#define SC_IMAGE_MAX_SIDE   16384
#define SC_IMAGE_MAX_PIXELS (64ull << 20)
#define SC_IMAGE_MAX_FILE   (256u << 20)

/* Interleaved 8-bit RGB, row-major, w*h*3 bytes. */
typedef struct sc_image {
    int w, h;
    uint8_t *rgb;
} sc_image;

/* Decodes a PNG or JPEG (recognised by its signature, not the name). Errors
 * name `what` and the problem; truncated or corrupt data is an error, never a
 * partially grey image. */
sc_status sc_image_decode(const uint8_t *buf, size_t len, const char *what, sc_image *out,
                          sc_err *err);
/* Reads and decodes a file. */
sc_status sc_image_read_file(const char *path, sc_image *out, sc_err *err);
/* Allocates a w x h image (contents zero). */
sc_status sc_image_alloc(sc_image *im, int w, int h, sc_err *err);
void sc_image_free(sc_image *im); /* accepts a zeroed image */

#endif
