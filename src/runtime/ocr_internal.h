// SPDX-License-Identifier: Apache-2.0
// PP-OCR internals shared by the pipeline files: image pre-processing, DB
// boxes, CTC decoding.
#ifndef SC_OCR_INTERNAL_H
#define SC_OCR_INTERNAL_H

#include "frontends/tensor_io.h"
#include "runtime/ocr.h"

/* ---- ocr_image.c ---- */
/* Bilinear resize with pixel centres aligned (OpenCV INTER_LINEAR), rounded to
 * 8 bits. */
sc_status ocr_resize(const sc_image *src, int w, int h, sc_image *dst, sc_err *err);
/* Det size: longer side scaled down to limit (never up), each side rounded to a
 * multiple of 32 (at least 32). */
void ocr_det_size(int w, int h, int limit, int *rw, int *rh);
/* [1,3,rh,rw] float tensor: BGR planes, (x/255 - mean) / std with ImageNet
 * mean/std. */
sc_status ocr_det_input(const sc_image *im, int rw, int rh, sc_tensor *t, sc_err *err);
/* [1,3,h,pad_w] float tensor: the crop resized to height h and width min(max_w,
 * ceil(h*aspect)), BGR, (x/255 - 0.5) / 0.5, zero beyond the resized width. */
sc_status ocr_line_input(const sc_image *crop, int h, int max_w, int pad_w, sc_tensor *t,
                         sc_err *err);
/* Crops the quadrilateral box (tl, tr, br, bl) to an upright image by an affine
 * warp with replicated borders; crops at least 1.5 times taller than wide are
 * turned 90 degrees counter-clockwise (vertical text read as a line). */
sc_status ocr_crop(const sc_image *im, const float box[4][2], sc_image *out, sc_err *err);
void ocr_rotate180(sc_image *im);

/* ---- ocr_db.c ---- */
typedef struct ocr_box {
    float p[4][2];
    float score;
} ocr_box;

typedef struct ocr_db_params {
    float thresh, box_thresh, unclip;
    int max_boxes;
} ocr_db_params;

/* DB post-processing of a w x h probability map for an image of src_w x src_h:
 * boxes in image pixels, sorted top-to-bottom then left-to-right. Caller frees
 * *boxes. */
sc_status ocr_db_boxes(const float *map, int w, int h, int src_w, int src_h, const ocr_db_params *p,
                       ocr_box **boxes, int *n, sc_err *err);
/* Minimum-area rectangle of a point set (rotating calipers over its convex
 * hull); corners in PaddleOCR's get_mini_boxes order; returns the shorter side.
 * pts is reordered. */
float ocr_min_area_rect(float (*pts)[2], int n, float out[4][2]);

/* ---- ocr_ctc.c ---- */
typedef struct ocr_keys {
    char **chars; /* class k (1..n) is chars[k-1]; class n+1 is the space */
    int n;
    char *blob;
} ocr_keys;

/* Reads the character list (one UTF-8 character per line). */
sc_status ocr_keys_read(const char *path, ocr_keys *k, sc_err *err);
void ocr_keys_free(ocr_keys *k);
/* Greedy CTC over [T x classes] probabilities: best class per step, repeats
 * merged, blanks (0) dropped. *text is malloc'd UTF-8; *score the mean
 * probability of the kept steps (0 if none). */
sc_status ocr_ctc_decode(const float *probs, int steps, int classes, const ocr_keys *k, char **text,
                         float *score, sc_err *err);

#endif
