// SPDX-License-Identifier: Apache-2.0
// PP-OCR image pre-processing: bilinear resizes, det/cls/rec input tensors, box
// crops.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ocr_internal.h"

/* One source coordinate of OpenCV's INTER_LINEAR: pixel centres aligned,
 * clamped at edges. */
static void lin_coord(int d, double scale, int n, int *i0, int *i1, float *f) {
    double s = (d + 0.5) * scale - 0.5;
    int i = (int)floor(s);
    double fr = s - i;
    if (i < 0) i = 0, fr = 0;
    if (i >= n - 1) i = n - 1, fr = 0;
    *i0 = i, *i1 = i + 1 < n ? i + 1 : i, *f = (float)fr;
}

sc_status ocr_resize(const sc_image *src, int w, int h, sc_image *dst, sc_err *err) {
    if (sc_image_alloc(dst, w, h, err) != SC_OK) return err->status;
    double sx = (double)src->w / w, sy = (double)src->h / h;
    for (int y = 0; y < h; y++) {
        int y0, y1;
        float fy;
        lin_coord(y, sy, src->h, &y0, &y1, &fy);
        const uint8_t *r0 = src->rgb + (size_t)y0 * src->w * 3,
                      *r1 = src->rgb + (size_t)y1 * src->w * 3;
        for (int x = 0; x < w; x++) {
            int x0, x1;
            float fx;
            lin_coord(x, sx, src->w, &x0, &x1, &fx);
            for (int c = 0; c < 3; c++) {
                float top = r0[x0 * 3 + c] + fx * (r0[x1 * 3 + c] - r0[x0 * 3 + c]);
                float bot = r1[x0 * 3 + c] + fx * (r1[x1 * 3 + c] - r1[x0 * 3 + c]);
                float v = top + fy * (bot - top);
                dst->rgb[((size_t)y * w + x) * 3 + c] = (uint8_t)(v < 0     ? 0
                                                                  : v > 255 ? 255
                                                                            : v + 0.5f);
            }
        }
    }
    return SC_OK;
}

void ocr_det_size(int w, int h, int limit, int *rw, int *rh) {
    int mx = w > h ? w : h;
    double ratio = mx > limit ? (double)limit / mx : 1.0;
    int tw = (int)(w * ratio), th = (int)(h * ratio);
    /* PaddleOCR DetResizeForTest: round(side / 32) * 32, at least 32 */
    *rw = (int)lround(tw / 32.0) * 32;
    *rh = (int)lround(th / 32.0) * 32;
    if (*rw < 32) *rw = 32;
    if (*rh < 32) *rh = 32;
}

sc_status ocr_det_input(const sc_image *im, int rw, int rh, sc_tensor *t, sc_err *err) {
    /* ImageNet statistics applied to the B, G, R planes in that order, as
     * PaddleOCR does on OpenCV's BGR images */
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
    sc_image r;
    if (ocr_resize(im, rw, rh, &r, err) != SC_OK) return err->status;
    int64_t dims[4] = {1, 3, rh, rw};
    if (sc_tensor_alloc(t, SC_T_FLOAT, 4, dims, err) != SC_OK) {
        sc_image_free(&r);
        return err->status;
    }
    float *o = t->data;
    size_t plane = (size_t)rw * rh;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < 3; c++) /* c: B, G, R */
            o[c * plane + i] = (r.rgb[i * 3 + (2 - c)] / 255.0f - mean[c]) / sd[c];
    sc_image_free(&r);
    return SC_OK;
}

sc_status ocr_line_input(const sc_image *crop, int h, int max_w, int pad_w, sc_tensor *t,
                         sc_err *err) {
    int rw = (int)ceil(h * (double)crop->w / crop->h);
    if (rw > max_w) rw = max_w;
    if (rw > pad_w) rw = pad_w;
    if (rw < 1) rw = 1;
    sc_image r;
    if (ocr_resize(crop, rw, h, &r, err) != SC_OK) return err->status;
    int64_t dims[4] = {1, 3, h, pad_w};
    if (sc_tensor_alloc(t, SC_T_FLOAT, 4, dims, err) != SC_OK) {
        sc_image_free(&r);
        return err->status;
    }
    float *o = t->data;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < rw; x++)
                o[((size_t)c * h + y) * pad_w + x] =
                    (r.rgb[((size_t)y * rw + x) * 3 + (2 - c)] / 255.0f - 0.5f) / 0.5f;
    sc_image_free(&r);
    return SC_OK;
}

static float dist(const float *a, const float *b) {
    return hypotf(a[0] - b[0], a[1] - b[1]);
}

/* Bilinear sample with the coordinate clamped into the image (replicated
 * border). */
static void sample(const sc_image *im, float x, float y, uint8_t *px) {
    x = x < 0 ? 0 : x > im->w - 1 ? (float)(im->w - 1) : x;
    y = y < 0 ? 0 : y > im->h - 1 ? (float)(im->h - 1) : y;
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < im->w ? x0 + 1 : x0, y1 = y0 + 1 < im->h ? y0 + 1 : y0;
    float fx = x - x0, fy = y - y0;
    for (int c = 0; c < 3; c++) {
        float a = im->rgb[((size_t)y0 * im->w + x0) * 3 + c],
              b = im->rgb[((size_t)y0 * im->w + x1) * 3 + c];
        float d = im->rgb[((size_t)y1 * im->w + x0) * 3 + c],
              e = im->rgb[((size_t)y1 * im->w + x1) * 3 + c];
        float v = (a + fx * (b - a)) + fy * ((d + fx * (e - d)) - (a + fx * (b - a)));
        px[c] = (uint8_t)(v + 0.5f);
    }
}

static sc_status rotate90ccw(sc_image *im, sc_err *err) {
    sc_image r;
    if (sc_image_alloc(&r, im->h, im->w, err) != SC_OK) return err->status;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++) /* numpy rot90: out[w-1-x][y] = in[y][x] */
            memcpy(r.rgb + ((size_t)(im->w - 1 - x) * r.w + y) * 3,
                   im->rgb + ((size_t)y * im->w + x) * 3, 3);
    sc_image_free(im);
    *im = r;
    return SC_OK;
}

sc_status ocr_crop(const sc_image *im, const float box[4][2], sc_image *out, sc_err *err) {
    /* PaddleOCR get_rotate_crop_image: the longer of each pair of opposite edges,
     * truncated */
    int w = (int)fmaxf(dist(box[0], box[1]), dist(box[2], box[3]));
    int h = (int)fmaxf(dist(box[0], box[3]), dist(box[1], box[2]));
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    if (sc_image_alloc(out, w, h, err) != SC_OK) return err->status;
    float ux = (box[1][0] - box[0][0]) / w, uy = (box[1][1] - box[0][1]) / w;
    float vx = (box[3][0] - box[0][0]) / h, vy = (box[3][1] - box[0][1]) / h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            sample(im, box[0][0] + x * ux + y * vx, box[0][1] + x * uy + y * vy,
                   out->rgb + ((size_t)y * w + x) * 3);
    if ((double)h / w >= 1.5) return rotate90ccw(out, err);
    return SC_OK;
}

void ocr_rotate180(sc_image *im) {
    size_t n = (size_t)im->w * im->h;
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t[3];
        memcpy(t, im->rgb + i * 3, 3);
        memcpy(im->rgb + i * 3, im->rgb + (n - 1 - i) * 3, 3);
        memcpy(im->rgb + (n - 1 - i) * 3, t, 3);
    }
}
