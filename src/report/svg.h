// SPDX-License-Identifier: Apache-2.0
// Minimal inline-SVG charting for reports: linear/log axes, lines, points, bars, legends.
#ifndef SC_REPORT_SVG_H
#define SC_REPORT_SVG_H

#include "util/util.h"

typedef struct svg_plot {
    sc_strbuf *sb;
    double w, h, ml, mr, mt, mb; /* size and margins, px */
    double x0, x1, y0, y1;       /* data ranges */
    int logx, logy;
    int flags; /* SVG_* */
} svg_plot;

enum { SVG_NO_XTICKS = 1, SVG_INT_YTICKS = 2 };

/* Appends text with &, <, >, " escaped. */
void svg_escape(sc_strbuf *sb, const char *s);
/* Opens an <svg> with a frame, gridlines, ticks, axis labels and a title. Ranges must be positive
 * on log axes (they are clamped). */
void svg_begin(svg_plot *p, sc_strbuf *sb, double w, double h, double x0, double x1, double y0,
               double y1, int logx, int logy, int flags, const char *title, const char *xlabel,
               const char *ylabel);
void svg_end(svg_plot *p);
double svg_px(const svg_plot *p, double x);
double svg_py(const svg_plot *p, double y);
void svg_line(svg_plot *p, const double *x, const double *y, int n, const char *color, double width,
              int dashed);
/* Circles with a hover title per point (titles may be NULL). */
void svg_points(svg_plot *p, const double *x, const double *y, int n, const char *color, double r,
                const char *const *titles);
void svg_rect(svg_plot *p, double x, double y, double w, double h, const char *color,
              const char *title);
void svg_text(svg_plot *p, double px, double py, const char *anchor, const char *text);
/* Legend entries (colour swatch + label) in one row above the plot, right-aligned. */
void svg_legend(svg_plot *p, const char *const *labels, const char *const *colors, int n);
/* Range covering v[0..n) with 5% margins (log: a decade either side when degenerate). */
void svg_range(const double *v, int n, int log, double *lo, double *hi);

#endif
