// SPDX-License-Identifier: Apache-2.0
// PNG and JPEG decoding (libpng simplified API, libjpeg-turbo) into 8-bit RGB
// images.
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jpeglib.h needs size_t and FILE declared first */
#include <jpeglib.h>
#include <png.h>

#include "frontends/image.h"

sc_status sc_image_alloc(sc_image *im, int w, int h, sc_err *err) {
    memset(im, 0, sizeof *im);
    if (w <= 0 || h <= 0 || w > SC_IMAGE_MAX_SIDE || h > SC_IMAGE_MAX_SIDE ||
        (uint64_t)w * (uint64_t)h > SC_IMAGE_MAX_PIXELS)
        return sc_err_set(err, SC_ERR_LIMIT,
                          "image of %d x %d pixels (limit %d per side, %llu "
                          "pixels)",
                          w, h, SC_IMAGE_MAX_SIDE, (unsigned long long)SC_IMAGE_MAX_PIXELS);
    im->rgb = calloc((size_t)w * (size_t)h, 3);
    if (!im->rgb) return sc_err_set(err, SC_ERR_NOMEM, "out of memory for a %d x %d image", w, h);
    im->w = w, im->h = h;
    return SC_OK;
}

void sc_image_free(sc_image *im) {
    if (!im) return;
    free(im->rgb);
    memset(im, 0, sizeof *im);
}

static sc_status check_dims(const char *what, unsigned long w, unsigned long h, sc_err *err) {
    if (w == 0 || h == 0 || w > SC_IMAGE_MAX_SIDE || h > SC_IMAGE_MAX_SIDE ||
        (uint64_t)w * h > SC_IMAGE_MAX_PIXELS)
        return sc_err_set(err, SC_ERR_LIMIT,
                          "%s: image of %lu x %lu pixels is outside the limit (1 to %d per side, "
                          "%llu pixels)",
                          what, w, h, SC_IMAGE_MAX_SIDE, (unsigned long long)SC_IMAGE_MAX_PIXELS);
    return SC_OK;
}

/* PNG through the simplified API: it reports errors in image.message instead of
 * longjmp-ing through our frames, and converts every colour type and bit depth
 * to RGB (alpha composited onto white, as a viewer shows it). */
static sc_status decode_png(const uint8_t *buf, size_t len, const char *what, sc_image *out,
                            sc_err *err) {
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, buf, len))
        return sc_err_set(err, SC_ERR_PARSE, "%s: bad PNG: %s", what, pi.message);
    if (check_dims(what, pi.width, pi.height, err) != SC_OK) {
        png_image_free(&pi);
        return err->status;
    }
    pi.format = PNG_FORMAT_RGB;
    if (sc_image_alloc(out, (int)pi.width, (int)pi.height, err) != SC_OK) {
        png_image_free(&pi);
        return err->status;
    }
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&pi, &white, out->rgb, 0, NULL)) {
        sc_image_free(out);
        return sc_err_set(err, SC_ERR_PARSE, "%s: bad PNG: %s", what, pi.message);
    }
    return SC_OK;
}

/* libjpeg reports errors through error_exit, which must not return: jump back
 * to the decoder with the message. Corrupt-data warnings (truncated files, bad
 * Huffman codes) are errors too, since libjpeg would otherwise fill the rest of
 * the image with grey. */
typedef struct jpeg_err {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_fail(j_common_ptr c) {
    jpeg_err *e = (jpeg_err *)c->err;
    (*c->err->format_message)(c, e->msg);
    longjmp(e->jump, 1);
}

static void jpeg_message(j_common_ptr c, int level) {
    if (level < 0) jpeg_fail(c); /* a warning about corrupt data */
}

static sc_status jpeg_rows(struct jpeg_decompress_struct *d, sc_image *out) {
    while (d->output_scanline < d->output_height) {
        JSAMPROW row = out->rgb + (size_t)d->output_scanline * (size_t)out->w * 3;
        jpeg_read_scanlines(d, &row, 1);
    }
    return SC_OK;
}

static sc_status decode_jpeg(const uint8_t *buf, size_t len, const char *what, sc_image *out,
                             sc_err *err) {
    struct jpeg_decompress_struct d;
    jpeg_err je;
    memset(&je, 0, sizeof je);
    d.err = jpeg_std_error(&je.mgr);
    je.mgr.error_exit = jpeg_fail;
    je.mgr.emit_message = jpeg_message;
    if (setjmp(je.jump)) {
        jpeg_destroy_decompress(&d);
        sc_image_free(out);
        return sc_err_set(err, SC_ERR_PARSE, "%s: bad JPEG: %s", what, je.msg);
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, buf, (unsigned long)len);
    jpeg_read_header(&d, TRUE);
    sc_status st = check_dims(what, d.image_width, d.image_height, err);
    if (st == SC_OK && (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK))
        st = sc_err_set(err, SC_ERR_UNSUPPORTED, "%s: CMYK JPEG images are not supported", what);
    if (st == SC_OK) {
        d.out_color_space = JCS_RGB;
        jpeg_start_decompress(&d);
        st = sc_image_alloc(out, (int)d.output_width, (int)d.output_height, err);
        if (st == SC_OK) st = jpeg_rows(&d, out);
        if (st == SC_OK) jpeg_finish_decompress(&d);
    }
    jpeg_destroy_decompress(&d);
    return st;
}

sc_status sc_image_decode(const uint8_t *buf, size_t len, const char *what, sc_image *out,
                          sc_err *err) {
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memset(out, 0, sizeof *out);
    if (len >= 8 && !memcmp(buf, png_sig, 8)) return decode_png(buf, len, what, out, err);
    if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff)
        return decode_jpeg(buf, len, what, out, err);
    return sc_err_set(err, SC_ERR_PARSE, "%s: not a PNG or JPEG image (unknown signature)", what);
}

sc_status sc_image_read_file(const char *path, sc_image *out, sc_err *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (sc_read_file(path, SC_IMAGE_MAX_FILE, &buf, &len, err) != SC_OK) return err->status;
    sc_status st = sc_image_decode(buf, len, path, out, err);
    free(buf);
    return st;
}
