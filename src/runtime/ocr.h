// SPDX-License-Identifier: Apache-2.0
// PP-OCR on the simulated chip: text detection (DB), direction classification
// and recognition (CTC).
#ifndef SC_OCR_H
#define SC_OCR_H

#include "chip/chip.h"
#include "frontends/image.h"
#include "numerics/numerics.h"
#include "sim/sim.h"

/* Constants of PaddleOCR's PP-OCRv4 inference defaults
 * (tools/infer/utility.py); docs/OCR.md says where each one comes from. */
typedef struct sc_ocr_params {
    sc_dtype precision;   /* MMA operand type of every model */
    int cores;            /* 0 = all */
    sc_sim_mode mode;     /* functional: text only; timing: text + figures from
                             timing-mode     runs of the same programs; both: figures from
                             the functional runs */
    int det_limit_side;   /* 960: the longer side is scaled down to this */
    float det_thresh;     /* 0.3: probability map binarisation */
    float det_box_thresh; /* 0.6: mean probability inside a box */
    float det_unclip;     /* 1.5: box expansion ratio */
    int det_max_boxes;    /* 1000 */
    int use_cls;          /* 1: run the direction classifier */
    float cls_thresh;     /* 0.9: turn a crop 180 degrees above this score */
    float drop_score;     /* 0.5: lines recognised below this score are dropped */
    const char *dump_dir; /* optional: every model input/output as
                             DIR/<model>_<k>_{in,out}.npy */
    size_t cache_bytes;   /* 64 MiB: compiled programs (code + constants) kept for
                             later images; the least recently used beyond it are
                             released before the next compile (0: none kept) */
} sc_ocr_params;

sc_ocr_params sc_ocr_default_params(void);

typedef struct sc_ocr_line {
    float box[4][2]; /* corners in image pixels: top-left, top-right,
                        bottom-right, bottom-left */
    char *text;      /* UTF-8 */
    float score;     /* mean of the kept CTC steps' probabilities */
    int angle;       /* 0 or 180 (cls) */
    float cls_score;
} sc_ocr_line;

enum { SC_OCR_DET, SC_OCR_CLS, SC_OCR_REC, SC_OCR_N_MODELS };

/* Chip figures of one model over an image: calls, distinct compiled programs
 * and the summed timing of every call. */
typedef struct sc_ocr_model_stats {
    int calls, programs;
    double compile_s; /* host time spent compiling */
    uint64_t cycles;
    double seconds, flops, mma_busy, energy_j, hbm_bytes;
    int cores;
} sc_ocr_model_stats;

typedef struct sc_ocr_result {
    sc_ocr_line *lines;
    int n_lines;
    int det_w, det_h; /* det input size */
    int boxes;        /* boxes found before recognition */
    int has_stats;
    sc_ocr_model_stats models[SC_OCR_N_MODELS];
} sc_ocr_result;

typedef struct sc_ocr sc_ocr;

/* Opens the models in dir (ch_PP-OCRv4_det_infer.onnx,
 * ch_ppocr_mobile_v2.0_cls_infer.onnx, ch_PP-OCRv4_rec_infer.onnx,
 * ppocr_keys_v1.txt). chip and p must outlive the handle. */
sc_status sc_ocr_create(const sc_chip *chip, const char *dir, const sc_ocr_params *p, sc_ocr **out,
                        sc_err *err);
void sc_ocr_destroy(sc_ocr *o);
/* Reads the text of an image: det, then cls on every crop, then rec grouped by
 * input width, so each program is compiled once per image and input shape and
 * used in one stretch; programs are kept for later images within cache_bytes. */
sc_status sc_ocr_run(sc_ocr *o, const sc_image *im, sc_ocr_result *res, sc_err *err);
void sc_ocr_result_free(sc_ocr_result *r);
const char *sc_ocr_model_name(int model);

#endif
