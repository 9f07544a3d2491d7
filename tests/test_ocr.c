// SPDX-License-Identifier: Apache-2.0
// PP-OCR host-side stages: image decoding, resizes and crops, DB boxes, CTC decoding, key lists.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/image.h"
#include "helpers/testutil.h"
#include "runtime/ocr_internal.h"

static void assert_near(double a, double b, double tol) {
    if (fabs(a - b) > tol) fail_msg("%g is not within %g of %g", a, tol, b);
}

static void test_decode_fixtures(void **state) {
    (void)state;
    sc_image png, jpg;
    sc_err err = {0};
    assert_int_equal(
        sc_image_read_file(SEEDCHIP_SOURCE_DIR "/tests/data/ocr/dejavu_sans.png", &png, &err),
        SC_OK);
    assert_int_equal(png.w, 170);
    assert_int_equal(png.h, 61);
    assert_int_equal(png.rgb[0], 255); /* white background, black text somewhere */
    int dark = 0;
    for (size_t i = 0; i < (size_t)png.w * png.h * 3; i++)
        dark += png.rgb[i] < 64;
    assert_true(dark > 100);
    assert_int_equal(
        sc_image_read_file(SEEDCHIP_SOURCE_DIR "/tests/data/ocr/dejavu_mono_jpeg.jpg", &jpg, &err),
        SC_OK);
    assert_int_equal(jpg.w, 203);
    assert_int_equal(jpg.h, 61);
    assert_true(jpg.rgb[0] > 240);
    sc_image_free(&png);
    sc_image_free(&jpg);
    /* a damaged buffer names its source and leaves no image */
    uint8_t junk[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};
    sc_image im;
    assert_int_not_equal(sc_image_decode(junk, sizeof junk, "junk.png", &im, &err), SC_OK);
    assert_non_null(strstr(err.msg, "junk.png"));
    assert_null(im.rgb);
}

static void test_det_size(void **state) {
    (void)state;
    int w, h;
    ocr_det_size(170, 61, 960, &w, &h); /* no upscaling; 170 -> 160, 61 -> 64 */
    assert_int_equal(w, 160);
    assert_int_equal(h, 64);
    ocr_det_size(2000, 1000, 960, &w, &h);
    assert_int_equal(w, 960);
    assert_int_equal(h, 480);
    ocr_det_size(10, 5, 960, &w, &h); /* at least 32 */
    assert_int_equal(w, 32);
    assert_int_equal(h, 32);
}

/* A w x h image with value (x * 7 + y * 13 + c) & 255. */
static void pattern(sc_image *im, int w, int h) {
    sc_err err = {0};
    assert_int_equal(sc_image_alloc(im, w, h, &err), SC_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                im->rgb[((size_t)y * w + x) * 3 + c] = (uint8_t)((x * 7 + y * 13 + c) & 255);
}

static void test_resize_and_crop(void **state) {
    (void)state;
    sc_image a, r, c;
    sc_err err = {0};
    pattern(&a, 40, 20);
    assert_int_equal(ocr_resize(&a, 40, 20, &r, &err), SC_OK); /* same size: identity */
    assert_memory_equal(r.rgb, a.rgb, 40 * 20 * 3);
    sc_image_free(&r);
    assert_int_equal(ocr_resize(&a, 20, 10, &r, &err), SC_OK); /* halving averages 2x2 */
    double want = (a.rgb[(2 * 40 + 2) * 3] + a.rgb[(2 * 40 + 3) * 3] + a.rgb[(3 * 40 + 2) * 3] +
                   a.rgb[(3 * 40 + 3) * 3]) /
                  4.0;
    assert_near(r.rgb[(1 * 20 + 1) * 3], want, 1.0);
    sc_image_free(&r);
    /* an axis-aligned box crops the sub-image exactly */
    float box[4][2] = {{5, 3}, {25, 3}, {25, 13}, {5, 13}};
    assert_int_equal(ocr_crop(&a, box, &c, &err), SC_OK);
    assert_int_equal(c.w, 20);
    assert_int_equal(c.h, 10);
    for (int y = 0; y < 10; y++)
        assert_memory_equal(c.rgb + (size_t)y * 20 * 3, a.rgb + ((size_t)(y + 3) * 40 + 5) * 3,
                            20 * 3);
    sc_image_free(&c);
    /* a tall box (h / w >= 1.5) is turned 90 degrees counter-clockwise */
    float tall[4][2] = {{2, 1}, {6, 1}, {6, 13}, {2, 13}};
    assert_int_equal(ocr_crop(&a, tall, &c, &err), SC_OK);
    assert_int_equal(c.w, 12);
    assert_int_equal(c.h, 4);
    /* rot90: the top-right source pixel (x=5, y=1) lands at the top-left */
    assert_memory_equal(c.rgb, a.rgb + ((size_t)1 * 40 + 5) * 3, 3);
    ocr_rotate180(&c);
    assert_memory_equal(c.rgb + ((size_t)3 * 12 + 11) * 3, a.rgb + ((size_t)1 * 40 + 5) * 3, 3);
    sc_image_free(&c);
    sc_image_free(&a);
}

static void test_line_input(void **state) {
    (void)state;
    sc_image a;
    sc_tensor t = {0};
    sc_err err = {0};
    pattern(&a, 30, 10); /* aspect 3: 48 high -> 144 wide, zero-padded to 192 */
    assert_int_equal(ocr_line_input(&a, 48, 192, 192, &t, &err), SC_OK);
    assert_int_equal(t.dims[2], 48);
    assert_int_equal(t.dims[3], 192);
    const float *v = t.data;
    assert_true(v[143] != 0.0f || v[142] != 0.0f);
    for (int x = 144; x < 192; x++)
        assert_true(v[x] == 0.0f);
    /* channel 0 is blue: (b / 255 - 0.5) / 0.5 of the resized top-left pixel */
    assert_true(v[0] >= -1.0f && v[0] <= 1.0f);
    sc_tensor_free(&t);
    sc_image_free(&a);
}

static void test_min_area_rect(void **state) {
    (void)state;
    /* points of a rectangle 40 x 10 turned by 30 degrees around (50, 50) */
    float pts[64][2], box[4][2];
    int n = 0;
    double ca = cos(M_PI / 6), sa = sin(M_PI / 6);
    for (int i = 0; i <= 8; i++)
        for (int j = 0; j <= 2; j++) {
            double u = i * 5.0 - 20, v = j * 5.0 - 5;
            pts[n][0] = (float)(50 + u * ca - v * sa), pts[n][1] = (float)(50 + u * sa + v * ca);
            n++;
        }
    float side = ocr_min_area_rect(pts, n, box);
    assert_near(side, 10, 1e-3);
    double w = hypot(box[1][0] - box[0][0], box[1][1] - box[0][1]);
    double h = hypot(box[3][0] - box[0][0], box[3][1] - box[0][1]);
    assert_near(w * h, 400, 0.05);
    /* get_mini_boxes order: first two corners are the two left-most ones' upper, etc. */
    assert_true(box[0][0] <= box[1][0] && box[3][0] <= box[2][0]);
    assert_true(box[0][1] <= box[3][1] && box[1][1] <= box[2][1]);
}

/* Fills [x0, x1) x [y0, y1) of a map with v. */
static void rect(float *m, int w, int x0, int y0, int x1, int y1, float v) {
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            m[y * w + x] = v;
}

static void test_db_boxes(void **state) {
    (void)state;
    int w = 128, h = 64;
    float *m = calloc((size_t)w * h, sizeof *m);
    rect(m, w, 70, 10, 110, 20, 0.9f); /* right word of line 1 (listed first by y) */
    rect(m, w, 10, 12, 50, 22, 0.9f);  /* left word, 2 pixels lower: same line */
    rect(m, w, 10, 40, 60, 50, 0.8f);  /* line 2 */
    rect(m, w, 70, 40, 120, 50, 0.4f); /* above thresh, below box_thresh: dropped */
    rect(m, w, 5, 58, 7, 60, 0.95f);   /* too small: dropped */
    ocr_db_params p = {0.3f, 0.6f, 1.5f, 1000};
    ocr_box *b = NULL;
    int n = 0;
    sc_err err = {0};
    /* map for an image twice its size: boxes come back in image pixels */
    assert_int_equal(ocr_db_boxes(m, w, h, 2 * w, 2 * h, &p, &b, &n, &err), SC_OK);
    assert_int_equal(n, 3);
    assert_true(b[0].p[0][0] < b[1].p[0][0]); /* left word first on line 1 */
    assert_true(b[2].p[0][1] > b[1].p[0][1]);
    assert_near(b[2].score, 0.8, 1e-4);
    /* line 2: pixel centres 10..59 x 40..49 -> 49 x 9, grown by 49*9*1.5/(2*58) = 5.70 per side
     * then doubled */
    double d = 49.0 * 9 * 1.5 / (2 * (49 + 9));
    assert_near(b[2].p[0][0], roundf((float)(10 - d) * 2), 1.01);
    assert_near(b[2].p[2][0], roundf((float)(59 + d) * 2), 1.01);
    assert_near(b[2].p[0][1], roundf((float)(40 - d) * 2), 1.01);
    assert_near(b[2].p[2][1], roundf((float)(49 + d) * 2), 1.01);
    free(b);
    free(m);
}

static void test_ctc_and_keys(void **state) {
    (void)state;
    char path[] = "/tmp/sc_test_keys_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("a\r\nb\n\xe4\xb8\xad\n", f); /* a, b, U+4E2D; CRLF tolerated */
    fclose(f);
    ocr_keys k;
    sc_err err = {0};
    assert_int_equal(ocr_keys_read(path, &k, &err), SC_OK);
    remove(path);
    assert_int_equal(k.n, 3);
    assert_string_equal(k.chars[0], "a");
    /* classes: 0 blank, 1 a, 2 b, 3 U+4E2D, 4 space; steps: a a _ a b _ 4 3 3 */
    int seq[9] = {1, 1, 0, 1, 2, 0, 4, 3, 3};
    float probs[9][5];
    memset(probs, 0, sizeof probs);
    for (int t = 0; t < 9; t++)
        probs[t][seq[t]] = 0.5f + 0.05f * t, probs[t][(seq[t] + 1) % 5] = 0.1f;
    char *text = NULL;
    float score = 0;
    assert_int_equal(ocr_ctc_decode(&probs[0][0], 9, 5, &k, &text, &score, &err), SC_OK);
    assert_string_equal(text, "aab \xe4\xb8\xad");
    /* kept steps 0, 3, 4, 6, 7 */
    assert_near(score, (0.5 + 0.65 + 0.7 + 0.8 + 0.85) / 5, 1e-5);
    free(text);
    ocr_keys_free(&k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fixtures), cmocka_unit_test(test_det_size),
        cmocka_unit_test(test_resize_and_crop), cmocka_unit_test(test_line_input),
        cmocka_unit_test(test_min_area_rect),   cmocka_unit_test(test_db_boxes),
        cmocka_unit_test(test_ctc_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
