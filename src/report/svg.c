// SPDX-License-Identifier: Apache-2.0
// Inline-SVG charting primitives: axes with ticks on linear or log scales, series, legends.
#include <math.h>
#include <string.h>

#include "report/svg.h"

void svg_escape(sc_strbuf *sb, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            sc_strbuf_printf(sb, "&amp;");
            break;
        case '<':
            sc_strbuf_printf(sb, "&lt;");
            break;
        case '>':
            sc_strbuf_printf(sb, "&gt;");
            break;
        case '"':
            sc_strbuf_printf(sb, "&quot;");
            break;
        default:
            sc_strbuf_append(sb, s, 1);
        }
    }
}

static double tx(const svg_plot *p, double v, int log, double a, double b) {
    if (log) {
        v = v > 0 ? log10(v) : log10(a);
        a = log10(a), b = log10(b);
    }
    return b > a ? (v - a) / (b - a) : 0.5;
}

double svg_px(const svg_plot *p, double x) {
    return p->ml + tx(p, x, p->logx, p->x0, p->x1) * (p->w - p->ml - p->mr);
}

double svg_py(const svg_plot *p, double y) {
    return p->h - p->mb - tx(p, y, p->logy, p->y0, p->y1) * (p->h - p->mt - p->mb);
}

/* Short tick label: 1.5k, 2M, 0.01. */
static void tick_label(char *buf, size_t len, double v) {
    double a = fabs(v);
    if (a >= 1e15)
        snprintf(buf, len, "%gP", v / 1e15);
    else if (a >= 1e12)
        snprintf(buf, len, "%gT", v / 1e12);
    else if (a >= 1e9)
        snprintf(buf, len, "%gG", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, len, "%gM", v / 1e6);
    else if (a >= 1e3)
        snprintf(buf, len, "%gk", v / 1e3);
    else
        snprintf(buf, len, "%.3g", v);
}

static void ticks(svg_plot *p, int yaxis) {
    if (!yaxis && (p->flags & SVG_NO_XTICKS)) return;
    int log = yaxis ? p->logy : p->logx;
    double a = yaxis ? p->y0 : p->x0, b = yaxis ? p->y1 : p->x1, vals[16];
    int n = 0;
    if (log) {
        for (double e = floor(log10(a)); e <= ceil(log10(b)) && n < 16; e++)
            if (pow(10, e) >= a * 0.999 && pow(10, e) <= b * 1.001) vals[n++] = pow(10, e);
    } else {
        double step = pow(10, floor(log10((b - a) / 4)));
        if ((b - a) / step > 10) step *= 2;
        if ((b - a) / step > 10) step *= 2.5;
        if (yaxis && (p->flags & SVG_INT_YTICKS) && step < 1) step = 1;
        for (double v = ceil(a / step) * step; v <= b + step * 1e-9 && n < 16; v += step)
            vals[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    }
    for (int i = 0; i < n; i++) {
        char lab[32];
        tick_label(lab, sizeof lab, vals[i]);
        double x = yaxis ? p->ml : svg_px(p, vals[i]),
               y = yaxis ? svg_py(p, vals[i]) : p->h - p->mb;
        if (yaxis)
            sc_strbuf_printf(p->sb,
                             "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>"
                             "<text x='%.1f' y='%.1f' text-anchor='end' class='tick'>%s</text>\n",
                             p->ml, y, p->w - p->mr, y, x - 4, y + 4, lab);
        else
            sc_strbuf_printf(
                p->sb,
                "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>"
                "<text x='%.1f' y='%.1f' text-anchor='middle' class='tick'>%s</text>\n",
                x, p->mt, x, y, x, y + 14, lab);
    }
}

void svg_begin(svg_plot *p, sc_strbuf *sb, double w, double h, double x0, double x1, double y0,
               double y1, int logx, int logy, int flags, const char *title, const char *xlabel,
               const char *ylabel) {
    *p = (svg_plot){sb, w, h, 64, 16, 30, 42, x0, x1, y0, y1, logx, logy, flags};
    if (logx && !(p->x0 > 0)) p->x0 = p->x1 > 0 ? p->x1 / 1e3 : 1;
    if (logy && !(p->y0 > 0)) p->y0 = p->y1 > 0 ? p->y1 / 1e3 : 1;
    if (!(p->x1 > p->x0)) p->x1 = p->x0 * (logx ? 10 : 1) + 1;
    if (!(p->y1 > p->y0)) p->y1 = p->y0 * (logy ? 10 : 1) + 1;
    sc_strbuf_printf(sb,
                     "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
                     "viewBox='0 0 %.0f %.0f' class='chart'>\n<text x='%.0f' y='18' "
                     "class='title'>",
                     w, h, w, h, p->ml);
    svg_escape(sb, title);
    sc_strbuf_printf(sb, "</text>\n");
    ticks(p, 0);
    ticks(p, 1);
    sc_strbuf_printf(sb,
                     "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' class='frame'/>\n"
                     "<text x='%.1f' y='%.1f' text-anchor='middle' class='label'>",
                     p->ml, p->mt, w - p->ml - p->mr, h - p->mt - p->mb,
                     p->ml + (w - p->ml - p->mr) / 2, h - 8);
    svg_escape(sb, xlabel);
    sc_strbuf_printf(sb,
                     "</text>\n<text transform='translate(14,%.1f) rotate(-90)' "
                     "text-anchor='middle' class='label'>",
                     p->mt + (h - p->mt - p->mb) / 2);
    svg_escape(sb, ylabel);
    sc_strbuf_printf(sb, "</text>\n");
}

void svg_end(svg_plot *p) {
    sc_strbuf_printf(p->sb, "</svg>\n");
}

void svg_line(svg_plot *p, const double *x, const double *y, int n, const char *color, double width,
              int dashed) {
    sc_strbuf_printf(p->sb, "<polyline fill='none' stroke='%s' stroke-width='%.1f'%s points='",
                     color, width, dashed ? " stroke-dasharray='5,4'" : "");
    for (int i = 0; i < n; i++)
        sc_strbuf_printf(p->sb, "%.1f,%.1f ", svg_px(p, x[i]), svg_py(p, y[i]));
    sc_strbuf_printf(p->sb, "'/>\n");
}

void svg_points(svg_plot *p, const double *x, const double *y, int n, const char *color, double r,
                const char *const *titles) {
    for (int i = 0; i < n; i++) {
        sc_strbuf_printf(p->sb, "<circle cx='%.1f' cy='%.1f' r='%.1f' fill='%s'>", svg_px(p, x[i]),
                         svg_py(p, y[i]), r, color);
        if (titles && titles[i]) {
            sc_strbuf_printf(p->sb, "<title>");
            svg_escape(p->sb, titles[i]);
            sc_strbuf_printf(p->sb, "</title>");
        }
        sc_strbuf_printf(p->sb, "</circle>\n");
    }
}

void svg_rect(svg_plot *p, double x, double y, double w, double h, const char *color,
              const char *title) {
    sc_strbuf_printf(p->sb, "<rect x='%.2f' y='%.2f' width='%.2f' height='%.2f' fill='%s'>", x, y,
                     w > 0.3 ? w : 0.3, h, color);
    if (title) {
        sc_strbuf_printf(p->sb, "<title>");
        svg_escape(p->sb, title);
        sc_strbuf_printf(p->sb, "</title>");
    }
    sc_strbuf_printf(p->sb, "</rect>\n");
}

void svg_text(svg_plot *p, double px, double py, const char *anchor, const char *text) {
    sc_strbuf_printf(p->sb, "<text x='%.1f' y='%.1f' text-anchor='%s' class='tick'>", px, py,
                     anchor);
    svg_escape(p->sb, text);
    sc_strbuf_printf(p->sb, "</text>\n");
}

void svg_legend(svg_plot *p, const char *const *labels, const char *const *colors, int n) {
    /* one row above the plot area, right-aligned: never covers data */
    double x = p->w - p->mr - 130.0 * n, y = 8;
    for (int i = 0; i < n; i++, x += 130) {
        sc_strbuf_printf(p->sb, "<rect x='%.1f' y='%.1f' width='10' height='10' fill='%s'/>", x, y,
                         colors[i]);
        svg_text(p, x + 14, y + 9, "start", labels[i]);
    }
}

void svg_range(const double *v, int n, int log, double *lo, double *hi) {
    double a = INFINITY, b = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (log && !(v[i] > 0))) continue;
        a = v[i] < a ? v[i] : a;
        b = v[i] > b ? v[i] : b;
    }
    if (!(a <= b)) a = log ? 1 : 0, b = log ? 10 : 1;
    if (log) {
        *lo = a / 1.5;
        *hi = b * 1.5;
        if (*hi / *lo < 10) *lo /= 3, *hi *= 3;
    } else {
        double m = (b - a) * 0.05 + (b == a ? fabs(a) * 0.1 + 1 : 0);
        *lo = a - m;
        *hi = b + m;
    }
}
