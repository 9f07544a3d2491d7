// SPDX-License-Identifier: Apache-2.0
// Report charts: latency CDFs and execution timeline (serve-sim), fleet comparison (plan),
// Pareto fronts (sweep database).
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dse/dse.h"
#include "report/report.h"
#include "report/svg.h"

static const char *const COLORS[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                     "#9467bd", "#8c564b", "#e377c2", "#17becf"};

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* ---- latency CDFs ---- */
static int read_cdf(const cJSON *arr, double *v, int max) {
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        if (n < max && cJSON_IsNumber(it)) v[n++] = it->valuedouble;
    }
    return n;
}

void sc_report_latency_cdf(sc_strbuf *b, const cJSON *run) {
    const cJSON *cdf = cJSON_GetObjectItemCaseSensitive(run, "cdf");
    const char *keys[] = {"ttft_s", "tpot_s", "e2e_s"};
    const char *names[] = {"Time to first token", "Time per output token", "End-to-end latency"};
    sc_strbuf_printf(b, "<div class='cdfs'>\n");
    for (int k = 0; k < 3; k++) {
        double v[128], q[128];
        int n = read_cdf(cJSON_GetObjectItemCaseSensitive(cdf, keys[k]), v, 128);
        if (n < 2) continue;
        for (int i = 0; i < n; i++)
            q[i] = i / (double)(n - 1);
        double lo, hi;
        svg_range(v, n, 1, &lo, &hi);
        svg_plot p;
        char title[96];
        snprintf(title, sizeof title, "Latency CDF: %s", names[k]);
        svg_begin(&p, b, 360, 260, lo, hi, 0, 1, 1, 0, 0, title, "seconds (log)", "fraction");
        svg_line(&p, v, q, n, COLORS[k], 2, 0);
        svg_end(&p);
    }
    sc_strbuf_printf(b, "</div>\n");
}

/* ---- execution timeline: one lane per replica, one bar per engine iteration ---- */
void sc_report_timeline(sc_strbuf *b, const cJSON *run) {
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(run, "timeline");
    int n = cJSON_GetArraySize(tl), lanes = 1;
    if (n <= 0) {
        sc_strbuf_printf(b, "<p class='note'>No execution timeline in this result (run serve-sim "
                            "with --timeline N).</p>\n");
        return;
    }
    double t0 = INFINITY, t1 = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, tl) {
        double s = cJSON_GetArrayItem(row, 1) ? cJSON_GetArrayItem(row, 1)->valuedouble : 0;
        double d = cJSON_GetArrayItem(row, 2) ? cJSON_GetArrayItem(row, 2)->valuedouble : 0;
        int rep = cJSON_GetArrayItem(row, 0) ? cJSON_GetArrayItem(row, 0)->valueint : 0;
        t0 = s < t0 ? s : t0;
        t1 = s + d > t1 ? s + d : t1;
        lanes = rep + 1 > lanes ? rep + 1 : lanes;
    }
    if (lanes > 64) lanes = 64;
    svg_plot p;
    svg_begin(&p, b, 1000, 90 + 28.0 * lanes, t0, t1, 0, lanes, 0, 0, SVG_INT_YTICKS,
              "Execution timeline: engine iterations per replica", "simulated time (s)", "replica");
    cJSON_ArrayForEach(row, tl) {
        int rep = cJSON_GetArrayItem(row, 0)->valueint;
        if (rep >= lanes) continue;
        double s = cJSON_GetArrayItem(row, 1)->valuedouble,
               d = cJSON_GetArrayItem(row, 2)->valuedouble;
        int dec = cJSON_GetArrayItem(row, 3)->valueint, pre = cJSON_GetArrayItem(row, 4)->valueint;
        char title[128];
        snprintf(title, sizeof title,
                 "replica %d at %.4f s: %.2f ms, %d decodes, %d prefill tokens", rep, s, d * 1e3,
                 dec, pre);
        double x = svg_px(&p, s), w = svg_px(&p, s + d) - x;
        double y = svg_py(&p, rep + 0.9), h = svg_py(&p, rep + 0.1) - y;
        svg_rect(&p, x, y, w, h, pre > 0 ? COLORS[1] : COLORS[0], title);
    }
    const char *labels[] = {"decode only", "with prefill"}, *cols[] = {COLORS[0], COLORS[1]};
    svg_legend(&p, labels, cols, 2);
    svg_end(&p);
}

/* ---- fleet comparison ---- */
static void fleet_bars(sc_strbuf *b, const cJSON *opts, const char *key, const char *title,
                       double scale) {
    int n = cJSON_GetArraySize(opts);
    double maxv = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        double v = num(o, key) * scale;
        maxv = v > maxv ? v : maxv;
    }
    svg_plot p;
    svg_begin(&p, b, 300, 260, 0, n, 0, maxv > 0 ? maxv * 1.1 : 1, 0, 0, SVG_NO_XTICKS, title, "",
              "");
    int i = 0;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *chip = cJSON_GetObjectItemCaseSensitive(o, "chip");
        const char *name = cJSON_IsString(chip) ? chip->valuestring : "?";
        double v =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "feasible")) ? num(o, key) * scale : 0;
        char tip[160];
        snprintf(tip, sizeof tip, "%s: %.4g", name, v);
        double x = svg_px(&p, i + 0.2), y = svg_py(&p, v);
        svg_rect(&p, x, y, svg_px(&p, i + 0.8) - x, svg_py(&p, 0) - y, COLORS[i % 8], tip);
        svg_text(&p, svg_px(&p, i + 0.5), p.h - p.mb + 14, "middle", name);
        i++;
    }
    svg_end(&p);
}

void sc_report_fleet(sc_strbuf *b, const cJSON *plan) {
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(plan, "options");
    sc_strbuf_printf(b,
                     "<p>Traffic %.4g/s, input %.0f, output %.0f, SLO TTFT %.3g s, TPOT %.3g s."
                     "</p>\n<table><tr><th>chip</th><th>tp x pp</th><th>batch</th>"
                     "<th>replicas</th><th>chips</th><th>servers</th><th>capital $</th>"
                     "<th>power kW</th><th>TCO $/year</th></tr>\n",
                     num(plan, "traffic"), num(plan, "input_len"), num(plan, "output_len"),
                     num(plan, "slo_ttft_s"), num(plan, "slo_tpot_s"));
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *chip = cJSON_GetObjectItemCaseSensitive(o, "chip");
        sc_strbuf_printf(b, "<tr><td>");
        svg_escape(b, cJSON_IsString(chip) ? chip->valuestring : "?");
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "feasible"))) {
            sc_strbuf_printf(b, "</td><td colspan='8'>not feasible</td></tr>\n");
            continue;
        }
        sc_strbuf_printf(b,
                         "</td><td>%.0f x %.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td>"
                         "<td>%.0f</td><td>%.0f</td><td>%.1f</td><td>%.0f</td></tr>\n",
                         num(o, "tp"), num(o, "pp"), num(o, "batch"), num(o, "replicas"),
                         num(o, "chips"), num(o, "servers"), num(o, "capex_usd"),
                         num(o, "power_w") / 1e3, num(o, "tco_usd_per_year"));
    }
    sc_strbuf_printf(b, "</table>\n<div class='fleet'>\n");
    fleet_bars(b, opts, "chips", "Fleet comparison: chips", 1);
    fleet_bars(b, opts, "capex_usd", "Capital (M$)", 1e-6);
    fleet_bars(b, opts, "power_w", "Power incl. PUE (kW)", 1e-3);
    fleet_bars(b, opts, "tco_usd_per_year", "Cost of ownership (M$/year)", 1e-6);
    sc_strbuf_printf(b, "</div>\n");
}

/* ---- Pareto fronts ---- */
typedef struct xy {
    double x, y;
} xy;

static int by_x(const void *a, const void *b) {
    double u = ((const xy *)a)->x, v = ((const xy *)b)->x;
    return u < v ? -1 : u > v;
}

static double phys_of(const sc_dse_result *r, int which) {
    return which == 0 ? r->phys.chip_usd : which == 1 ? r->phys.power_w : r->phys.hbm_gb;
}

static void pareto_chart(sc_strbuf *b, const sc_dse_result *v, const int *flags, size_t n,
                         int which) {
    static const char *xl[] = {"chip cost ($)", "chip power (W)", "HBM capacity (GB)"};
    static const char *tl[] = {"Pareto front: performance vs cost", "Pareto front: vs power",
                               "Pareto front: vs HBM GB"};
    double *xs = malloc((n + 1) * sizeof *xs), *ys = malloc((n + 1) * sizeof *ys);
    xy *fr = malloc((n + 1) * sizeof *fr);
    if (!xs || !ys || !fr) goto out;
    int m = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].ok || !(v[i].perf > 0)) continue;
        xs[m] = phys_of(&v[i], which);
        ys[m++] = v[i].perf;
        if (flags[i] & (1 << which)) fr[k++] = (xy){phys_of(&v[i], which), v[i].perf};
    }
    double x0, x1, y0, y1;
    svg_range(xs, m, 0, &x0, &x1);
    svg_range(ys, m, 0, &y0, &y1);
    svg_plot p;
    svg_begin(&p, b, 360, 280, x0, x1, y0, y1, 0, 0, 0, tl[which], xl[which],
              "tokens/s per chip (geo-mean)");
    svg_points(&p, xs, ys, m, "#bbbbbb", 2.5, NULL);
    qsort(fr, (size_t)k, sizeof *fr, by_x);
    for (int i = 0; i < k; i++)
        xs[i] = fr[i].x, ys[i] = fr[i].y;
    svg_line(&p, xs, ys, k, COLORS[3], 1.5, 0);
    svg_points(&p, xs, ys, k, COLORS[3], 3.5, NULL);
    svg_end(&p);
out:
    free(xs), free(ys), free(fr);
}

static int by_perf_per_usd(const void *a, const void *b) {
    double u = (*(const sc_dse_result *const *)a)->perf_per_usd;
    double w = (*(const sc_dse_result *const *)b)->perf_per_usd;
    return u > w ? -1 : u < w;
}

static void front_table(sc_strbuf *b, const sc_dse_result *v, const int *flags, size_t n) {
    const sc_dse_result **f = malloc((n + 1) * sizeof *f);
    if (!f) return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (flags[i] & SC_PARETO_ALL) f[k++] = &v[i];
    qsort(f, k, sizeof *f, by_perf_per_usd);
    sc_strbuf_printf(b,
                     "<p>%zu points on the joint front of perf/$, perf/W and perf/GB; the "
                     "best 15 by perf/$:</p>\n<table><tr><th>design</th><th>tok/s</th>"
                     "<th>$</th><th>W</th><th>HBM GB</th><th>tok/s per k$</th>"
                     "<th>tok/s per W</th><th>tok/s per GB</th></tr>\n",
                     k);
    for (size_t i = 0; i < k && i < 15; i++) {
        sc_strbuf_printf(b, "<tr><td style='text-align:left'>");
        svg_escape(b, f[i]->key);
        sc_strbuf_printf(b,
                         "</td><td>%.1f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.2f</td>"
                         "<td>%.3f</td><td>%.2f</td></tr>\n",
                         f[i]->perf, f[i]->phys.chip_usd, f[i]->phys.power_w, f[i]->phys.hbm_gb,
                         f[i]->perf_per_usd * 1e3, f[i]->perf_per_w, f[i]->perf_per_hbm_gb);
    }
    sc_strbuf_printf(b, "</table>\n");
    free(f);
}

sc_status sc_report_pareto(sc_strbuf *b, const char *db_path, sc_err *err) {
    sc_dse_result *v = NULL;
    int *flags = NULL;
    size_t n = 0;
    sc_status st = sc_dse_db_load(db_path, &v, &flags, &n, err);
    if (st != SC_OK) return st;
    if (n == 0) {
        free(v), free(flags);
        return sc_err_set(err, SC_ERR_PARSE, "%s: the sweep database holds no points", db_path);
    }
    sc_strbuf_printf(b, "<p>%zu design points.</p>\n<div class='pareto'>\n", n);
    for (int w = 0; w < 3; w++)
        pareto_chart(b, v, flags, n, w);
    sc_strbuf_printf(b, "</div>\n");
    front_table(b, v, flags, n);
    free(v);
    free(flags);
    return SC_OK;
}
