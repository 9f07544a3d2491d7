// SPDX-License-Identifier: Apache-2.0
// PP-OCR DB post-processing: connected components -> min-area rectangles ->
// scored, unclipped boxes.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ocr_internal.h"

static double cross(const float *o, const float *a, const float *b) {
    return ((double)a[0] - o[0]) * ((double)b[1] - o[1]) -
           ((double)a[1] - o[1]) * ((double)b[0] - o[0]);
}

static int cmp_pt(const void *a, const void *b) {
    const float *p = a, *q = b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    return p[1] < q[1] ? -1 : p[1] > q[1];
}

/* Andrew's monotone chain: the convex hull of pts (sorted in place) into hull,
 * CCW; returns its size (1 or 2 for degenerate sets). hull has room for n + 1
 * points. */
static int convex_hull(float (*pts)[2], int n, float (*hull)[2]) {
    qsort(pts, (size_t)n, sizeof *pts, cmp_pt);
    if (n < 3) {
        memcpy(hull, pts, sizeof *pts * (size_t)n);
        return n;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        memcpy(hull[k++], pts[i], sizeof *pts);
    }
    for (int i = n - 2, lo = k + 1; i >= 0; i--) {
        while (k >= lo && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        memcpy(hull[k++], pts[i], sizeof *pts);
    }
    return k - 1;
}

/* PaddleOCR get_mini_boxes: corners sorted by x; of the two leftmost the upper
 * is the first corner and the lower the fourth, of the two rightmost the upper
 * is the second. */
static void mini_box_order(float c[4][2], float out[4][2]) {
    qsort(c, 4, sizeof *c, cmp_pt);
    int i1 = c[1][1] > c[0][1] ? 0 : 1, i4 = 1 - i1;
    int i2 = c[3][1] > c[2][1] ? 2 : 3, i3 = 5 - i2;
    memcpy(out[0], c[i1], sizeof *c);
    memcpy(out[1], c[i2], sizeof *c);
    memcpy(out[2], c[i3], sizeof *c);
    memcpy(out[3], c[i4], sizeof *c);
}

/* Extents of the hull along edge direction (ex, ey) and its normal. */
static double rect_for_edge(float (*h)[2], int m, double ex, double ey, double ext[4]) {
    ext[0] = ext[2] = INFINITY, ext[1] = ext[3] = -INFINITY;
    for (int j = 0; j < m; j++) {
        double a = h[j][0] * ex + h[j][1] * ey, b = -h[j][0] * ey + h[j][1] * ex;
        ext[0] = fmin(ext[0], a), ext[1] = fmax(ext[1], a);
        ext[2] = fmin(ext[2], b), ext[3] = fmax(ext[3], b);
    }
    return (ext[1] - ext[0]) * (ext[3] - ext[2]);
}

float ocr_min_area_rect(float (*pts)[2], int n, float out[4][2]) {
    float(*h)[2] = malloc(sizeof *h * (size_t)(n + 1));
    if (!h || n < 1) {
        free(h);
        memset(out, 0, sizeof(float) * 8);
        return 0;
    }
    int m = convex_hull(pts, n, h);
    double best = INFINITY, bext[4] = {0}, bex = 1, bey = 0;
    for (int i = 0; i < m; i++) {
        const float *a = h[i], *b = h[(i + 1) % m];
        double len = hypot(b[0] - a[0], b[1] - a[1]), ext[4];
        if (len == 0) continue;
        double area = rect_for_edge(h, m, (b[0] - a[0]) / len, (b[1] - a[1]) / len, ext);
        if (area < best)
            best = area, memcpy(bext, ext, sizeof ext), bex = (b[0] - a[0]) / len,
            bey = (b[1] - a[1]) / len;
    }
    if (best == INFINITY) rect_for_edge(h, m, 1, 0, bext); /* a single point */
    free(h);
    float c[4][2];
    for (int k = 0; k < 4; k++) {
        double a = bext[k == 1 || k == 2], b = bext[2 + (k >= 2)];
        c[k][0] = (float)(a * bex - b * bey), c[k][1] = (float)(a * bey + b * bex);
    }
    mini_box_order(c, out);
    return (float)fmin(bext[1] - bext[0], bext[3] - bext[2]);
}

/* Mean of the map over the pixels inside the box (PaddleOCR box_score_fast: the
 * box's integer corners filled as a polygon within its clipped bounding
 * rectangle). */
static float box_score(const float *map, int w, int h, const float box[4][2]) {
    float mnx = box[0][0], mxx = mnx, mny = box[0][1], mxy = mny;
    for (int k = 1; k < 4; k++)
        mnx = fminf(mnx, box[k][0]), mxx = fmaxf(mxx, box[k][0]), mny = fminf(mny, box[k][1]),
        mxy = fmaxf(mxy, box[k][1]);
    int x0 = (int)floorf(mnx), x1 = (int)ceilf(mxx), y0 = (int)floorf(mny), y1 = (int)ceilf(mxy);
    x0 = x0 < 0 ? 0 : x0 > w - 1 ? w - 1 : x0, x1 = x1 < 0 ? 0 : x1 > w - 1 ? w - 1 : x1;
    y0 = y0 < 0 ? 0 : y0 > h - 1 ? h - 1 : y0, y1 = y1 < 0 ? 0 : y1 > h - 1 ? h - 1 : y1;
    float q[4][2];
    for (int k = 0; k < 4; k++)
        q[k][0] = (float)(int)(box[k][0] - x0) + x0, q[k][1] = (float)(int)(box[k][1] - y0) + y0;
    double sum = 0;
    long cnt = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            float p[2] = {(float)x, (float)y};
            int pos = 0, neg = 0;
            for (int k = 0; k < 4; k++) {
                double c = cross(q[k], q[(k + 1) % 4], p);
                pos += c > 1e-6, neg += c < -1e-6;
            }
            if (pos && neg) continue;
            sum += map[(size_t)y * w + x], cnt++;
        }
    return cnt ? (float)(sum / cnt) : 0;
}

/* PaddleOCR unclip: the polygon offset outwards by area * ratio / perimeter
 * (pyclipper, round joins), then its min-area rectangle. For a rectangle that
 * is the rectangle grown by the distance on every side, which is computed
 * directly. Returns the shorter side. */
static float unclip(const float box[4][2], float ratio, float out[4][2]) {
    double wl = hypot(box[1][0] - box[0][0], box[1][1] - box[0][1]);
    double hl = hypot(box[3][0] - box[0][0], box[3][1] - box[0][1]);
    if (wl == 0 || hl == 0) return 0;
    double d = wl * hl * ratio / (2 * (wl + hl));
    double ux = (box[1][0] - box[0][0]) / wl, uy = (box[1][1] - box[0][1]) / wl;
    double vx = (box[3][0] - box[0][0]) / hl, vy = (box[3][1] - box[0][1]) / hl;
    static const int su[4] = {-1, 1, 1, -1}, sv[4] = {-1, -1, 1, 1};
    float g[4][2];
    for (int k = 0; k < 4; k++)
        g[k][0] = (float)(box[k][0] + d * (su[k] * ux + sv[k] * vx)),
        g[k][1] = (float)(box[k][1] + d * (su[k] * uy + sv[k] * vy));
    return ocr_min_area_rect(g, 4, out);
}

/* Pixels of one 8-connected component from (x, y): labels it and collects its
 * boundary pixels (those with a 4-neighbour outside the component) as points.
 */
static int component(const uint8_t *bin, int *lab, int w, int h, int x, int y, int id, int *stack,
                     float (*pts)[2]) {
    int sp = 0, np = 0;
    stack[sp++] = y * w + x, lab[y * w + x] = id;
    while (sp) {
        int i = stack[--sp], cx = i % w, cy = i / w, edge = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int nx = cx + dx, ny = cy + dy;
                int in = nx >= 0 && ny >= 0 && nx < w && ny < h && bin[ny * w + nx];
                if (!in && (dx == 0 || dy == 0)) edge = 1;
                if (in && !lab[ny * w + nx]) lab[ny * w + nx] = id, stack[sp++] = ny * w + nx;
            }
        if (edge) pts[np][0] = (float)cx, pts[np][1] = (float)cy, np++;
    }
    return np;
}

/* PaddleOCR order_points_clockwise: smallest x+y first, largest third, of the
 * other two the smaller y-x second. */
static void order_clockwise(float b[4][2]) {
    int mn = 0, mx = 0;
    for (int k = 1; k < 4; k++) {
        if (b[k][0] + b[k][1] < b[mn][0] + b[mn][1]) mn = k;
        if (b[k][0] + b[k][1] > b[mx][0] + b[mx][1]) mx = k;
    }
    if (mn == mx) return;
    int o[2], j = 0;
    for (int k = 0; k < 4; k++)
        if (k != mn && k != mx) o[j++] = k;
    int a = b[o[0]][1] - b[o[0]][0] <= b[o[1]][1] - b[o[1]][0] ? o[0] : o[1], c = o[0] + o[1] - a;
    float r[4][2] = {
        {b[mn][0], b[mn][1]}, {b[a][0], b[a][1]}, {b[mx][0], b[mx][1]}, {b[c][0], b[c][1]}};
    memcpy(b, r, sizeof r);
}

/* Scales a box from map to image pixels (rounded, clipped as PaddleOCR does)
 * and keeps it when both sides exceed 3 pixels. */
static int finish_box(float b[4][2], int w, int h, int sw, int sh) {
    for (int k = 0; k < 4; k++) {
        float x = roundf(b[k][0] / w * sw), y = roundf(b[k][1] / h * sh);
        b[k][0] = x < 0 ? 0 : x > sw ? (float)sw : x;
        b[k][1] = y < 0 ? 0 : y > sh ? (float)sh : y;
    }
    order_clockwise(b);
    for (int k = 0; k < 4; k++) {
        b[k][0] = fminf(fmaxf(b[k][0], 0), (float)(sw - 1));
        b[k][1] = fminf(fmaxf(b[k][1], 0), (float)(sh - 1));
    }
    int bw = (int)hypotf(b[1][0] - b[0][0], b[1][1] - b[0][1]);
    int bh = (int)hypotf(b[3][0] - b[0][0], b[3][1] - b[0][1]);
    return bw > 3 && bh > 3;
}

static int cmp_box(const void *a, const void *b) {
    const ocr_box *p = a, *q = b;
    if (p->p[0][1] != q->p[0][1]) return p->p[0][1] < q->p[0][1] ? -1 : 1;
    return p->p[0][0] < q->p[0][0] ? -1 : p->p[0][0] > q->p[0][0];
}

/* PaddleOCR sorted_boxes: by top-left y then x, then boxes on the same line
 * (top-left y within 10 pixels) are put left to right by bubbling. */
static void sort_boxes(ocr_box *b, int n) {
    qsort(b, (size_t)n, sizeof *b, cmp_box);
    for (int i = 0; i + 1 < n; i++)
        for (int j = i; j >= 0; j--) {
            if (fabsf(b[j + 1].p[0][1] - b[j].p[0][1]) < 10 && b[j + 1].p[0][0] < b[j].p[0][0]) {
                ocr_box t = b[j];
                b[j] = b[j + 1], b[j + 1] = t;
            } else
                break;
        }
}

/* Turns one component's boundary points into a box; returns 1 when it is kept.
 */
static int make_box(const float *map, int w, int h, int sw, int sh, const ocr_db_params *p,
                    float (*pts)[2], int np, ocr_box *out) {
    float r[4][2];
    if (ocr_min_area_rect(pts, np, r) < 3) return 0; /* PaddleOCR min_size */
    float score = box_score(map, w, h, r);
    if (score < p->box_thresh) return 0;
    if (unclip(r, p->unclip, out->p) < 3 + 2) return 0;
    out->score = score;
    return finish_box(out->p, w, h, sw, sh);
}

sc_status ocr_db_boxes(const float *map, int w, int h, int src_w, int src_h, const ocr_db_params *p,
                       ocr_box **boxes, int *n, sc_err *err) {
    size_t npx = (size_t)w * h;
    uint8_t *bin = malloc(npx);
    int *lab = calloc(npx, sizeof *lab), *stack = malloc(npx * sizeof *stack), nb = 0;
    float(*pts)[2] = malloc(npx * sizeof *pts);
    ocr_box *out = calloc((size_t)p->max_boxes + 1, sizeof *out);
    *boxes = NULL, *n = 0;
    if (!bin || !lab || !stack || !pts || !out) {
        free(bin), free(lab), free(stack), free(pts), free(out);
        return sc_err_set(err, SC_ERR_NOMEM, "out of memory for a %d x %d detection map", w, h);
    }
    for (size_t i = 0; i < npx; i++)
        bin[i] = map[i] > p->thresh;
    for (int y = 0, id = 0; y < h && id < p->max_boxes; y++)
        for (int x = 0; x < w && id < p->max_boxes; x++) {
            if (!bin[y * w + x] || lab[y * w + x]) continue;
            int np = component(bin, lab, w, h, x, y, ++id, stack, pts);
            nb += make_box(map, w, h, src_w, src_h, p, pts, np, &out[nb]);
        }
    free(bin), free(lab), free(stack), free(pts);
    sort_boxes(out, nb);
    *boxes = out, *n = nb;
    return SC_OK;
}
