// SPDX-License-Identifier: Apache-2.0
// PP-OCR pipeline on the simulated chip: det -> boxes -> crops -> cls -> rec ->
// text + chip figures.
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/ocr_internal.h"
#include "runtime/onnx_runtime.h"
#include "runtime/onnx_testdata.h"

#define OCR_MAX_PROGRAMS 48
#define OCR_CLS_H        48 /* PaddleOCR cls_image_shape 3,48,192 */
#define OCR_CLS_W        192
#define OCR_REC_H        48 /* PP-OCRv4 rec_image_shape 3,48,320 */
#define OCR_REC_W        320
#define OCR_REC_BATCH    6 /* PaddleOCR rec_batch_num */

static const char *const model_file[SC_OCR_N_MODELS] = {"ch_PP-OCRv4_det_infer.onnx",
                                                        "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                                                        "ch_PP-OCRv4_rec_infer.onnx"};
static const char *const model_name[SC_OCR_N_MODELS] = {"det", "cls", "rec"};

/* One model input shape: its program while cached (c), and its timing-mode
 * figures, kept after the program is released so a recompile is not re-timed. */
typedef struct ocr_prog {
    int model;
    int64_t dims[4];
    sc_compiled *c; /* NULL once released (recompiled on the next use) */
    size_t bytes;   /* code + constants of c */
    uint64_t used;  /* o->clock at the last use (least recently used goes first) */
    int calls;      /* in the current image */
    int timed;      /* timing-mode figures below are valid */
    sc_sim_stats t; /* one timing-mode run */
} ocr_prog;

struct sc_ocr {
    const sc_chip *chip;
    sc_ocr_params p;
    char path[SC_OCR_N_MODELS][4200];
    ocr_keys keys;
    ocr_prog progs[OCR_MAX_PROGRAMS];
    int n_progs;
    uint64_t clock;           /* program uses so far */
    size_t largest;           /* bytes of the largest program compiled so far */
    int seq[SC_OCR_N_MODELS]; /* dump file numbering */
};

const char *sc_ocr_model_name(int model) {
    return model >= 0 && model < SC_OCR_N_MODELS ? model_name[model] : "?";
}

sc_ocr_params sc_ocr_default_params(void) {
    sc_ocr_params p;
    memset(&p, 0, sizeof p);
    p.precision = SC_DTYPE_FP32, p.mode = SC_SIM_TIMING;
    p.det_limit_side = 960, p.det_thresh = 0.3f, p.det_box_thresh = 0.6f, p.det_unclip = 1.5f;
    p.det_max_boxes = 1000, p.use_cls = 1, p.cls_thresh = 0.9f, p.drop_score = 0.5f;
    p.cache_bytes = (size_t)64 << 20;
    return p;
}

sc_status sc_ocr_create(const sc_chip *chip, const char *dir, const sc_ocr_params *p, sc_ocr **out,
                        sc_err *err) {
    *out = NULL;
    sc_ocr *o = calloc(1, sizeof *o);
    if (!o) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    o->chip = chip, o->p = p ? *p : sc_ocr_default_params();
    for (int m = 0; m < SC_OCR_N_MODELS; m++) {
        snprintf(o->path[m], sizeof o->path[m], "%s/%s", dir, model_file[m]);
        FILE *f = fopen(o->path[m], "rb");
        if (!f) { /* report before freeing: the message names o->path[m] */
            sc_status st =
                sc_err_set(err, SC_ERR_NOT_FOUND, "%s: no such model (--models DIR)", o->path[m]);
            free(o);
            return st;
        }
        fclose(f);
    }
    char keys[4200];
    snprintf(keys, sizeof keys, "%s/ppocr_keys_v1.txt", dir);
    if (ocr_keys_read(keys, &o->keys, err) != SC_OK) {
        free(o);
        return err->status;
    }
    *out = o;
    return SC_OK;
}

void sc_ocr_destroy(sc_ocr *o) {
    if (!o) return;
    for (int i = 0; i < o->n_progs; i++)
        sc_compiled_destroy(o->progs[i].c);
    ocr_keys_free(&o->keys);
    free(o);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Host memory of a compiled program: its instruction streams and constants. */
static size_t prog_bytes(const sc_compiled *c) {
    size_t total = 0, n = 0;
    sc_program_consts(c->prog, &total);
    for (int core = 0; core < sc_program_cores(c->prog); core++)
        for (int q = 0; q < SC_QUEUE_COUNT; q++) {
            sc_program_code(c->prog, core, (sc_queue)q, &n);
            total += n * sizeof(sc_insn);
        }
    return total;
}

/* Before a compile: releases the least recently used programs until one more
 * of the largest size seen fits the budget. The programs of a page (det, cls,
 * three rec widths) are ~300 MB of code at 88 bytes an instruction, more than
 * the rest of the process; each is used in one stretch (sc_ocr_run's order). */
static void make_room(sc_ocr *o) {
    for (;;) {
        size_t used = 0;
        int lru = -1;
        for (int i = 0; i < o->n_progs; i++) {
            if (!o->progs[i].c) continue;
            used += o->progs[i].bytes;
            if (lru < 0 || o->progs[i].used < o->progs[lru].used) lru = i;
        }
        if (lru < 0 || used + o->largest <= o->p.cache_bytes) return;
        sc_compiled_destroy(o->progs[lru].c);
        o->progs[lru].c = NULL;
    }
}

/* The entry for (model, shape): the existing one, a new one, or (table full) a
 * released entry not used by this image, whose figures are dropped. */
static ocr_prog *find_entry(sc_ocr *o, int model, const sc_tensor *in, sc_err *err) {
    for (int i = 0; i < o->n_progs; i++)
        if (o->progs[i].model == model &&
            !memcmp(o->progs[i].dims, in->dims, sizeof in->dims[0] * 4))
            return &o->progs[i];
    ocr_prog *pr = o->n_progs < OCR_MAX_PROGRAMS ? &o->progs[o->n_progs++] : NULL;
    for (int i = 0; !pr && i < o->n_progs; i++)
        if (!o->progs[i].c && !o->progs[i].calls) pr = &o->progs[i];
    if (!pr) {
        sc_err_set(err, SC_ERR_LIMIT, "more than %d distinct model input shapes in one image",
                   OCR_MAX_PROGRAMS);
        return NULL;
    }
    memset(pr, 0, sizeof *pr);
    pr->model = model;
    memcpy(pr->dims, in->dims, sizeof pr->dims);
    return pr;
}

/* --mode timing: one timing-mode run per program (no data, so its figures do
 * not depend on the input), right after the compile, counted once per call. */
static sc_status time_prog(sc_ocr *o, ocr_prog *pr, sc_err *err) {
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = SC_SIM_TIMING;
    sc_sim *sim = NULL;
    sc_err e = {0};
    if (sc_onnx_execute(o->chip, pr->c, NULL, &sp, NULL, &sim, &e) != SC_OK)
        return sc_err_set(err, e.status, "%s: %s", o->path[pr->model], e.msg);
    sc_sim_get_stats(sim, &pr->t);
    sc_sim_destroy(sim);
    pr->timed = 1;
    return SC_OK;
}

static sc_status compile_prog(sc_ocr *o, ocr_prog *pr, const sc_tensor *in, sc_ocr_result *res,
                              sc_err *err) {
    make_room(o);
    sc_onnx_compile_params cp = sc_onnx_compile_default_params();
    cp.cg.precision = o->p.precision, cp.cg.cores = o->p.cores, cp.inputs = in, cp.n_inputs = 1;
    double t0 = now_s();
    sc_err e = {0};
    if (sc_onnx_compile(o->chip, o->path[pr->model], &cp, &pr->c, &e) != SC_OK)
        return sc_err_set(err, e.status, "%s: %s", o->path[pr->model], e.msg);
    res->models[pr->model].compile_s += now_s() - t0;
    if (pr->c->n_outputs < 1)
        return sc_err_set(err, SC_ERR_PARSE, "%s: the model has no output", o->path[pr->model]);
    pr->bytes = prog_bytes(pr->c);
    if (pr->bytes > o->largest) o->largest = pr->bytes;
    if (o->p.mode == SC_SIM_TIMING && !pr->timed) return time_prog(o, pr, err);
    return SC_OK;
}

/* The program for (model, input shape): compiled on first use and after a
 * release. */
static sc_status get_prog(sc_ocr *o, int model, const sc_tensor *in, sc_ocr_result *res,
                          ocr_prog **out, sc_err *err) {
    ocr_prog *pr = find_entry(o, model, in, err);
    if (!pr) return err->status;
    pr->used = ++o->clock;
    if (!pr->c && compile_prog(o, pr, in, res, err) != SC_OK) {
        sc_compiled_destroy(pr->c);
        pr->c = NULL;
        return err->status;
    }
    *out = pr;
    return SC_OK;
}

static void add_stats(sc_ocr_model_stats *m, const sc_sim_stats *s, int times) {
    m->cycles += s->cycles * (uint64_t)times;
    m->seconds += s->seconds * times;
    m->flops += s->flops * times;
    m->mma_busy += s->mma_busy * times;
    m->energy_j += s->energy_total * times;
    m->hbm_bytes += (s->bytes_hbm_read + s->bytes_hbm_write) * times;
    m->cores = s->cores;
}

/* --dump: the input before the run (so a failing model still leaves it), the output after. */
static sc_status dump(sc_ocr *o, int model, int k, const char *what, const sc_tensor *t,
                      sc_err *err) {
    char p[4400];
    snprintf(p, sizeof p, "%s/%s_%d_%s.npy", o->p.dump_dir, model_name[model], k, what);
    return sc_tensor_write_npy(p, t, err);
}

/* Runs one model on one input tensor: the output (first graph output) in *out.
 */
static sc_status run_model(sc_ocr *o, int model, int k, const sc_tensor *in, sc_ocr_result *res,
                           sc_tensor *out, sc_err *err) {
    ocr_prog *pr = NULL;
    if (o->p.dump_dir && dump(o, model, k, "in", in, err) != SC_OK) return err->status;
    if (get_prog(o, model, in, res, &pr, err) != SC_OK) return err->status;
    sc_sim_params sp = sc_sim_default_params();
    sp.mode = o->p.mode == SC_SIM_BOTH ? SC_SIM_BOTH : SC_SIM_FUNCTIONAL;
    sc_tensor *outs = calloc((size_t)pr->c->n_outputs, sizeof *outs);
    if (!outs) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    sc_sim *sim = NULL;
    sc_err e = {0};
    sc_status st = sc_onnx_execute(o->chip, pr->c, in, &sp, outs, &sim, &e);
    if (st != SC_OK) {
        sc_err_set(err, st, "%s: %s", o->path[model], e.msg);
    } else {
        if (sp.mode == SC_SIM_BOTH) {
            sc_sim_stats s;
            sc_sim_get_stats(sim, &s);
            add_stats(&res->models[model], &s, 1);
        }
        *out = outs[0];
        memset(&outs[0], 0, sizeof outs[0]);
        pr->calls++, res->models[model].calls++;
        if (o->p.dump_dir) st = dump(o, model, k, "out", out, err);
    }
    sc_sim_destroy(sim);
    sc_tensor_array_free(outs, pr->c->n_outputs);
    return st;
}

/* --mode timing: every program used for this image counted once per call. */
static void timing_figures(sc_ocr *o, sc_ocr_result *res) {
    for (int i = 0; i < o->n_progs; i++)
        if (o->progs[i].calls && o->progs[i].timed)
            add_stats(&res->models[o->progs[i].model], &o->progs[i].t, o->progs[i].calls);
}

static sc_status detect(sc_ocr *o, const sc_image *im, sc_ocr_result *res, ocr_box **boxes, int *n,
                        sc_err *err) {
    sc_tensor in = {0}, out = {0};
    ocr_det_size(im->w, im->h, o->p.det_limit_side, &res->det_w, &res->det_h);
    if (ocr_det_input(im, res->det_w, res->det_h, &in, err) != SC_OK) return err->status;
    sc_status st = run_model(o, SC_OCR_DET, o->seq[SC_OCR_DET]++, &in, res, &out, err);
    if (st == SC_OK && (out.rank != 4 || out.dims[2] != res->det_h || out.dims[3] != res->det_w ||
                        out.dtype != SC_T_FLOAT))
        st = sc_err_set(err, SC_ERR_PARSE, "%s: output is not a [1,1,%d,%d] float map",
                        o->path[SC_OCR_DET], res->det_h, res->det_w);
    ocr_db_params dp = {o->p.det_thresh, o->p.det_box_thresh, o->p.det_unclip, o->p.det_max_boxes};
    if (st == SC_OK)
        st = ocr_db_boxes(out.data, res->det_w, res->det_h, im->w, im->h, &dp, boxes, n, err);
    sc_tensor_free(&in);
    sc_tensor_free(&out);
    return st;
}

/* cls: PaddleOCR labels ['0', '180']; the crop is turned when '180' wins above
 * cls_thresh. */
static sc_status classify(sc_ocr *o, int k, sc_image *crop, sc_ocr_result *res, sc_ocr_line *line,
                          sc_err *err) {
    sc_tensor in = {0}, out = {0};
    if (ocr_line_input(crop, OCR_CLS_H, OCR_CLS_W, OCR_CLS_W, &in, err) != SC_OK)
        return err->status;
    sc_status st = run_model(o, SC_OCR_CLS, k, &in, res, &out, err);
    if (st == SC_OK && (sc_tensor_numel(&out) != 2 || out.dtype != SC_T_FLOAT))
        st =
            sc_err_set(err, SC_ERR_PARSE, "%s: output is not 2 probabilities", o->path[SC_OCR_CLS]);
    if (st == SC_OK) {
        const float *pr = out.data;
        line->angle = pr[1] > pr[0] ? 180 : 0;
        line->cls_score = pr[1] > pr[0] ? pr[1] : pr[0];
        if (line->angle == 180 && line->cls_score > o->p.cls_thresh) ocr_rotate180(crop);
    }
    sc_tensor_free(&in);
    sc_tensor_free(&out);
    return st;
}

/* Rec input width: PaddleOCR pads to int(48 * max(320/48, w/h)); rounding that
 * up to a few buckets lets lines of similar length share one compiled program.
 */
static int rec_width(const sc_image *crop) {
    static const int buckets[] = {320, 480, 640, 960, 1280, 1920, 2560, 3200};
    double ar = fmax((double)OCR_REC_W / OCR_REC_H, (double)crop->w / crop->h);
    int w = (int)(OCR_REC_H * ar);
    for (size_t i = 0; i < sizeof buckets / sizeof buckets[0]; i++)
        if (w <= buckets[i]) return buckets[i];
    return buckets[sizeof buckets / sizeof buckets[0] - 1];
}

/* [n,3,48,w] input of n crops of one width bucket (PaddleOCR's rec batch). */
static sc_status rec_batch_input(sc_image *const *crops, int n, int w, sc_tensor *in, sc_err *err) {
    int64_t dims[4] = {n, 3, OCR_REC_H, w};
    if (sc_tensor_alloc(in, SC_T_FLOAT, 4, dims, err) != SC_OK) return err->status;
    size_t one = in->nbytes / (size_t)n;
    for (int j = 0; j < n; j++) {
        sc_tensor t = {0};
        if (ocr_line_input(crops[j], OCR_REC_H, w, w, &t, err) != SC_OK) return err->status;
        memcpy((uint8_t *)in->data + (size_t)j * one, t.data, one);
        sc_tensor_free(&t);
    }
    return SC_OK;
}

/* rec on n crops of width w in one run: a batch changes no line's result
 * (every op computes each batch item on its own, with the same padding as alone),
 * and shares the run's fixed costs (weights, per-op barriers) between lines. */
static sc_status recognise(sc_ocr *o, sc_image *const *crops, sc_ocr_line *const *lines, int n,
                           int w, sc_ocr_result *res, sc_err *err) {
    sc_tensor in = {0}, out = {0};
    sc_status st = rec_batch_input(crops, n, w, &in, err);
    if (st == SC_OK) st = run_model(o, SC_OCR_REC, o->seq[SC_OCR_REC]++, &in, res, &out, err);
    if (st == SC_OK && (out.rank != 3 || out.dtype != SC_T_FLOAT || out.dims[0] != n ||
                        out.dims[2] != o->keys.n + 2))
        st = sc_err_set(err, SC_ERR_PARSE,
                        "%s: output is not [%d, steps, %d] probabilities (%d characters in the "
                        "key list, the blank and the space)",
                        o->path[SC_OCR_REC], n, o->keys.n + 2, o->keys.n);
    size_t item = st == SC_OK ? (size_t)(out.dims[1] * out.dims[2]) : 0;
    for (int j = 0; st == SC_OK && j < n; j++)
        st = ocr_ctc_decode((const float *)out.data + (size_t)j * item, (int)out.dims[1],
                            (int)out.dims[2], &o->keys, &lines[j]->text, &lines[j]->score, err);
    sc_tensor_free(&in);
    sc_tensor_free(&out);
    return st;
}

/* The lines' crops, in box order. */
static sc_status crop_all(const sc_image *im, const ocr_box *boxes, int n, sc_ocr_line *lines,
                          sc_image *crops, sc_err *err) {
    for (int i = 0; i < n; i++) {
        memcpy(lines[i].box, boxes[i].p, sizeof lines[i].box);
        if (ocr_crop(im, boxes[i].p, &crops[i], err) != SC_OK) return err->status;
    }
    return SC_OK;
}

/* rec by input width, narrowest first, in batches of up to OCR_REC_BATCH lines
 * in box order: one program per width and batch size, used for all its lines
 * in a row, so the cache can release it afterwards. */
static sc_status recognise_all(sc_ocr *o, sc_image *crops, int n, sc_ocr_result *res, sc_err *err) {
    int *w = malloc((size_t)n * sizeof *w);
    if (!w) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        w[i] = rec_width(&crops[i]);
    sc_status st = SC_OK;
    for (int last = 0, next; st == SC_OK; last = next) {
        next = INT_MAX;
        for (int i = 0; i < n; i++)
            if (w[i] > last && w[i] < next) next = w[i];
        if (next == INT_MAX) break;
        sc_image *bc[OCR_REC_BATCH];
        sc_ocr_line *bl[OCR_REC_BATCH];
        int nb = 0;
        for (int i = 0; st == SC_OK && i < n; i++) {
            if (w[i] == next) bc[nb] = &crops[i], bl[nb++] = &res->lines[i];
            if (nb == OCR_REC_BATCH || (nb && i == n - 1))
                st = recognise(o, bc, bl, nb, next, res, err), nb = 0;
        }
    }
    free(w);
    return st;
}

/* Keeps the lines scored at least drop_score, in order. */
static void drop_lines(sc_ocr_result *res, int n, float drop_score) {
    int kept = 0;
    for (int i = 0; i < n; i++) {
        sc_ocr_line l = res->lines[i];
        memset(&res->lines[i], 0, sizeof l);
        if (l.score >= drop_score)
            res->lines[kept++] = l;
        else
            free(l.text);
    }
    res->n_lines = kept;
}

/* cls on every crop, then rec grouped by width; crops are freed here. */
static sc_status read_lines(sc_ocr *o, const sc_image *im, const ocr_box *boxes, int n,
                            sc_ocr_result *res, sc_err *err) {
    sc_image *crops = calloc((size_t)n, sizeof *crops);
    if (!crops) return sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    int k_cls = o->seq[SC_OCR_CLS];
    o->seq[SC_OCR_CLS] += o->p.use_cls ? n : 0;
    sc_status st = crop_all(im, boxes, n, res->lines, crops, err);
    for (int i = 0; st == SC_OK && o->p.use_cls && i < n; i++)
        st = classify(o, k_cls + i, &crops[i], res, &res->lines[i], err);
    if (st == SC_OK) st = recognise_all(o, crops, n, res, err);
    for (int i = 0; i < n; i++)
        sc_image_free(&crops[i]);
    free(crops);
    if (st == SC_OK) drop_lines(res, n, o->p.drop_score);
    return st;
}

sc_status sc_ocr_run(sc_ocr *o, const sc_image *im, sc_ocr_result *res, sc_err *err) {
    memset(res, 0, sizeof *res);
    for (int i = 0; i < o->n_progs; i++)
        o->progs[i].calls = 0;
    ocr_box *boxes = NULL;
    int n = 0;
    sc_status st = detect(o, im, res, &boxes, &n, err);
    res->boxes = n;
    if (st == SC_OK && n && !(res->lines = calloc((size_t)n, sizeof *res->lines)))
        st = sc_err_set(err, SC_ERR_NOMEM, "out of memory");
    if (st == SC_OK && n) st = read_lines(o, im, boxes, n, res, err);
    free(boxes);
    for (int i = 0; i < o->n_progs; i++)
        res->models[o->progs[i].model].programs += o->progs[i].calls > 0;
    if (st == SC_OK && o->p.mode == SC_SIM_TIMING) timing_figures(o, res);
    res->has_stats = o->p.mode != SC_SIM_FUNCTIONAL;
    if (st != SC_OK) sc_ocr_result_free(res);
    return st;
}

void sc_ocr_result_free(sc_ocr_result *r) {
    for (int i = 0; r->lines && i < r->boxes; i++)
        free(r->lines[i].text);
    free(r->lines);
    memset(r, 0, sizeof *r);
}
