// SPDX-License-Identifier: Apache-2.0
// Roofline chart of a serving run: each op of one decode and one prefill iteration (per chip,
// tensor-parallel shard) placed at its arithmetic intensity and achieved FLOP/s.
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "report/report.h"
#include "report/svg.h"
#include "runtime/llm_perf.h"

typedef struct op {
    const char *name;
    double flops, bytes, seconds;
    int attention;
} op;

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double wbytes(sc_llm_prec p) {
    return p == SC_LLM_FP32 ? 4 : p == SC_LLM_BF16 ? 2 : p == SC_LLM_W4A16 ? 0.5 : 1;
}

static void gemm(op *o, const char *name, double M, double N, double K, double wb, double ab) {
    *o = (op){name, 2 * M * N * K, K * N * wb + M * (K + N) * ab, 0, 0};
}

/* The ops of one iteration of M new tokens at mean context ctx, per chip (weights split tp ways,
 * layers pp ways). MoE layers are drawn as their active experts' MLPs. */
static int ops_of(const sc_llm_arch *a, const sc_llm_deploy *d, double M, double ctx, int prefill,
                  op *v) {
    double wb = wbytes(d->prec), ab = d->prec == SC_LLM_FP32 ? 4 : 2,
           L = (double)a->n_layers / d->pp;
    double hd = a->head_dim, H = (double)a->n_heads / d->tp,
           KV = SC_MAX(1.0, (double)a->n_kv_heads / d->tp);
    double ff = a->n_experts ? (double)a->d_ff_expert * a->n_experts_active : a->d_ff;
    double kvb = (d->prec == SC_LLM_FP8 || d->prec == SC_LLM_INT8) ? 1 : 2;
    int n = 0;
    gemm(&v[n++], "qkv projection", M, (H + 2 * KV) * hd, a->d_model, wb, ab);
    /* decode: every sequence reads its own KV; prefill: one sequence's KV is read once */
    double kv_reads = prefill ? 1 : M;
    v[n++] = (op){"attention", 4 * M * H * hd * ctx, kv_reads * ctx * 2 * KV * hd * kvb, 0, 1};
    gemm(&v[n++], "output projection", M, a->d_model, H * hd, wb, ab);
    gemm(&v[n++], "gate+up projection", M, 2 * ff / d->tp, a->d_model, wb, ab);
    gemm(&v[n++], "down projection", M, a->d_model, ff / d->tp, wb, ab);
    for (int i = 0; i < n; i++)
        v[i].flops *= L, v[i].bytes *= L;
    gemm(&v[n++], "lm head", M, (double)a->vocab / d->tp, a->d_model, wb, ab);
    return n;
}

/* Splits the step's matmul and attention seconds over the ops in proportion to each op's own
 * roofline time, so the points show the efficiency the timed programs reached. */
static void attribute(op *v, int n, const sc_llm_breakdown *bd, double peak, double bw) {
    double mm = 0, at = 0;
    for (int i = 0; i < n; i++) {
        double t = fmax(v[i].flops / peak, v[i].bytes / bw);
        if (v[i].attention)
            at += t;
        else
            mm += t;
    }
    for (int i = 0; i < n; i++) {
        double t = fmax(v[i].flops / peak, v[i].bytes / bw);
        double share = v[i].attention ? (at > 0 ? t / at : 0) : (mm > 0 ? t / mm : 0);
        v[i].seconds = share * (v[i].attention ? bd->attention_s : bd->matmul_s);
    }
}

static int load(const cJSON *run, sc_llm_arch *a, sc_llm_deploy *d, sc_chip **chip, char *why,
                size_t len) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(run, "model"),
                *c = cJSON_GetObjectItemCaseSensitive(run, "chip"),
                *dep = cJSON_GetObjectItemCaseSensitive(run, "deploy");
    sc_err err = {0};
    if (!cJSON_IsString(m) || !cJSON_IsString(c) || !cJSON_IsObject(dep))
        return snprintf(why, len, "the result names no model, chip and deploy"), -1;
    if (sc_llm_zoo_find(m->valuestring, a, &err) != SC_OK)
        return snprintf(why, len, "%s", err.msg), -1;
    sc_chip_load_params p = sc_chip_load_default_params();
    if (sc_chip_load(c->valuestring, &p, chip, why, len) != SC_OK) return -1;
    *d = sc_llm_deploy_default();
    d->chip = *chip;
    d->tp = (int)num(dep, "tp");
    d->pp = (int)num(dep, "pp");
    d->ep = SC_MAX(1, (int)num(dep, "ep"));
    d->chips = d->tp * d->pp;
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(dep, "precision");
    if (!cJSON_IsString(pr) || sc_llm_prec_from_name(pr->valuestring, &d->prec) != SC_OK)
        return snprintf(why, len, "unknown precision"), -1;
    return 0;
}

static int time_ops(sc_llm_perf *perf, const sc_llm_step *s, op *v, int n, double peak, double bw) {
    double sec;
    sc_llm_breakdown bd;
    sc_err err = {0};
    if (sc_llm_perf_step(perf, s, &sec, &bd, &err) != SC_OK) return -1;
    attribute(v, n, &bd, peak, bw);
    return 0;
}

static void draw(sc_strbuf *b, const op *v, int n, double peak, double bw, const char *title) {
    double xs[2] = {0.1, 1e5}, ys[2], px[32], py[32], ls[32][2];
    const char *tips[32];
    char tipbuf[32][160];
    ys[0] = xs[0] * bw;
    ys[1] = peak;
    double ridge = peak / bw, rx[3] = {xs[0], ridge, xs[1]}, ry[3] = {ys[0], peak, peak};
    svg_plot p;
    svg_begin(&p, b, 520, 340, xs[0], xs[1], peak / 1e5, peak * 2, 1, 1, 0, title,
              "arithmetic intensity (FLOP/byte)", "FLOP/s per chip");
    svg_line(&p, rx, ry, 3, "#444", 2, 0);
    int m = 0;
    for (int i = 0; i < n && m < 32; i++) {
        if (!(v[i].seconds > 0) || !(v[i].bytes > 0)) continue;
        px[m] = v[i].flops / v[i].bytes;
        py[m] = v[i].flops / v[i].seconds;
        snprintf(tipbuf[m], sizeof tipbuf[m], "%s: %.1f FLOP/B, %.1f TFLOP/s, %.3f ms", v[i].name,
                 px[m], py[m] / 1e12, v[i].seconds * 1e3);
        tips[m] = tipbuf[m];
        /* ops of equal shape land on one spot: stack their labels instead of overprinting */
        double lx = svg_px(&p, px[m]) + 6, ly = svg_py(&p, py[m]) + 4;
        for (int j = 0; j < m; j++)
            if (fabs(lx - ls[j][0]) < 90 && fabs(ly - ls[j][1]) < 11) ly = ls[j][1] + 12, j = -1;
        ls[m][0] = lx, ls[m][1] = ly;
        svg_text(&p, lx, ly, "start", v[i].name);
        m++;
    }
    svg_points(&p, px, py, m, "#d62728", 4.5, tips);
    svg_end(&p);
}

void sc_report_roofline(sc_strbuf *b, const cJSON *run) {
    sc_llm_arch a;
    sc_llm_deploy d;
    sc_chip *chip = NULL;
    char why[512] = "";
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(run, "config");
    sc_llm_perf *perf = NULL;
    sc_err err = {0};
    if (load(run, &a, &d, &chip, why, sizeof why) != 0 ||
        sc_llm_perf_create(&a, &d, &perf, &err) != SC_OK) {
        sc_strbuf_printf(b, "<p class='note'>No roofline: ");
        svg_escape(b, why[0] ? why : err.msg);
        sc_strbuf_printf(b, "</p>\n");
        sc_chip_destroy(chip);
        return;
    }
    sc_dtype t = d.prec == SC_LLM_FP8    ? SC_DTYPE_FP8_E4M3
                 : d.prec == SC_LLM_INT8 ? SC_DTYPE_INT8
                 : d.prec == SC_LLM_FP32 ? SC_DTYPE_FP32
                                         : SC_DTYPE_BF16;
    double peak = sc_chip_peak_flops(chip, t), bw = sc_dram_bandwidth(&chip->hbm);
    double B = fmax(1, round(num(run, "mean_batch"))), in = fmax(1, num(cfg, "input_len_mean"));
    double ctx = in + num(cfg, "output_len_mean") / 2;
    op dec[16], pre[16];
    int nd = ops_of(&a, &d, B, ctx, 0, dec), np = ops_of(&a, &d, in, in / 2, 1, pre);
    sc_llm_step sd = {(int)B, ctx, 0, 0}, sp = {0, 0, (int)in, in / 2};
    char title[128];
    sc_strbuf_printf(b, "<div class='roofline'>\n");
    if (time_ops(perf, &sd, dec, nd, peak, bw) == 0) {
        snprintf(title, sizeof title, "Roofline: decode iteration, batch %.0f", B);
        draw(b, dec, nd, peak, bw, title);
    }
    if (time_ops(perf, &sp, pre, np, peak, bw) == 0) {
        snprintf(title, sizeof title, "Roofline: prefill of %.0f tokens", in);
        draw(b, pre, np, peak, bw, title);
    }
    sc_strbuf_printf(b, "</div>\n");
    sc_llm_perf_destroy(perf);
    sc_chip_destroy(chip);
}
