/* The cairo canvas: sample images pixel for pixel, text where it is said to
 * be, broken lines, PNG files, and a canvas too large for cairo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/output/png.h"

static const ct_rgb white = {255, 255, 255}, black = {0, 0, 0};

static uint32_t pixel(ct_canvas *c, int x, int y)
{
    cairo_surface_flush(c->surface);
    const unsigned char *data = cairo_image_surface_get_data(c->surface);
    int stride = cairo_image_surface_get_stride(c->surface);
    return ((const uint32_t *)(data + (size_t)y * (size_t)stride))[x] & 0xffffff;
}

/* Pixels of [x0, x1) x [y0, y1) that are not white. */
static int inked(ct_canvas *c, int x0, int y0, int x1, int y1)
{
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            n += pixel(c, x, y) != 0xffffff;
    return n;
}

static void test_images(void **state)
{
    (void)state;
    ct_canvas c;
    ct_canvas_init(&c, 60, 40, white);
    float grey[6] = {0, 0.5f, 1, NAN, -1, 2}; /* [2, 3] */
    ct_image_shape shape = {1, 2, 3};
    ct_canvas_image(&c, 5, 5, grey, &shape, 2);
    static const uint32_t want[6] = {0x000000, 0x808080, 0xffffff, 0x000000, 0x000000, 0xffffff};
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 6; i++)
            assert_int_equal(pixel(&c, 5 + i, 5 + j), want[(j / 2) * 3 + i / 2]);
    assert_int_equal(pixel(&c, 4, 5), 0xffffff);
    assert_int_equal(pixel(&c, 11, 5), 0xffffff);

    float rgb[6] = {1, 0, 0.2f, 0, 0.6f, 1}; /* [3, 1, 2]: red, green and blue planes */
    shape = (ct_image_shape){3, 1, 2};
    ct_canvas_image(&c, 20, 20, rgb, &shape, 1);
    assert_int_equal(pixel(&c, 20, 20), 0xff3399);
    assert_int_equal(pixel(&c, 21, 20), 0x0000ff);

    /* partly outside: clipped, the rest drawn */
    ct_canvas_image(&c, -3, -1, grey, &(ct_image_shape){1, 2, 3}, 2);
    assert_int_equal(pixel(&c, 0, 0), 0x808080);
    ct_canvas_image(&c, 57, 38, grey, &(ct_image_shape){1, 2, 3}, 2);
    assert_int_equal(pixel(&c, 57, 38), 0x000000);
    ct_canvas_image(&c, 100, 100, grey, &(ct_image_shape){1, 2, 3}, 2);

    ct_canvas_fill(&c, 30, 5, 4, 3, (ct_rgb){1, 2, 3});
    assert_int_equal(pixel(&c, 33, 7), 0x010203);
    assert_int_equal(pixel(&c, 34, 7), 0xffffff);
    ct_canvas_fill(&c, 40, 5, -4, 3, black); /* nothing */
    assert_int_equal(inked(&c, 35, 0, 60, 20), 0);
    ct_canvas_free(&c);
}

static void test_text(void **state)
{
    (void)state;
    ct_canvas c;
    ct_canvas_init(&c, 200, 80, white);
    int h = ct_canvas_text_height(&c, 1), w = ct_canvas_text_width(&c, "two", 1);
    assert_in_range(h, 11, 16);
    assert_in_range(w, 12, 30);
    assert_in_range(ct_canvas_text_width(&c, "two", 2), 2 * w - 3, 2 * w + 3);
    assert_int_equal(ct_canvas_text(&c, 10, 10, "two", black, 1), w);
    assert_true(inked(&c, 10, 10, 10 + w, 10 + h) > 15);
    assert_int_equal(inked(&c, 0, 0, 200, 10) + inked(&c, 0, 10 + h, 200, 80), 0); /* nothing above or below */

    /* bytes that are not UTF-8 show as '?' and break nothing after them */
    assert_int_equal(ct_canvas_text_width(&c, "\xff\xc3 ok", 1), ct_canvas_text_width(&c, "?? ok", 1));
    ct_canvas_text(&c, 60, 40, "\xff\xc3 ok", black, 1);
    assert_int_equal(cairo_status(c.cr), CAIRO_STATUS_SUCCESS);
    ct_canvas_fill(&c, 150, 70, 2, 2, black);
    assert_int_equal(pixel(&c, 150, 70), 0x000000);
    ct_canvas_free(&c);

    ct_canvas_init(&c, 40, 100, white);
    w = ct_canvas_text_up(&c, 10, 20, "upwards", black, 1);
    assert_true(inked(&c, 10, 20, 10 + h, 20 + w) > 30);
    assert_int_equal(inked(&c, 0, 0, 40, 20) + inked(&c, 0, 20 + w, 40, 100), 0);
    ct_canvas_free(&c);
}

static void test_lines(void **state)
{
    (void)state;
    ct_canvas c;
    ct_canvas_init(&c, 60, 40, white);
    double x[5] = {5, 15, NAN, 25, 45}, y[5] = {20.5, 20.5, 20.5, 20.5, 20.5};
    ct_canvas_polyline(&c, x, y, 5, &(ct_pen){black, 1.0, 3.0});
    assert_int_equal(pixel(&c, 10, 20), 0x000000);
    assert_int_equal(pixel(&c, 20, 20), 0xffffff); /* the gap of the NaN */
    assert_int_equal(pixel(&c, 30, 20), 0x000000);
    double alone_x[3] = {10, INFINITY, 50}, alone_y[3] = {5.5, 5.5, 30.5};
    ct_canvas_polyline(&c, alone_x, alone_y, 3, &(ct_pen){black, 1.0, 4.0}); /* two dots */
    assert_int_equal(pixel(&c, 10, 5), 0x000000);
    assert_int_equal(pixel(&c, 50, 30), 0x000000);
    assert_int_equal(pixel(&c, 30, 12), 0xffffff);
    ct_canvas_dot(&c, 30.5, 35.5, 3, (ct_rgb){255, 0, 0});
    assert_int_equal(pixel(&c, 30, 35), 0xff0000);
    ct_canvas_free(&c);
}

static void test_png(void **state)
{
    (void)state;
    char dir[] = "/tmp/ct-test-canvas-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a.png", dir);
    ct_canvas c;
    ct_error err;
    ct_canvas_init(&c, 60, 40, (ct_rgb){10, 20, 30});
    if (ct_canvas_write_png(&c, path, &err) != CT_OK)
        fail_msg("%s", err.msg);
    ct_canvas_free(&c);
    unsigned char head[24];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    assert_memory_equal(head, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x3c\0\0\0\x28", sizeof head);
    unlink(path);

    ct_canvas_init(&c, 40000, 10, white); /* past cairo's 32767: drawing does nothing */
    ct_canvas_fill(&c, 0, 0, 10, 10, black);
    ct_canvas_text(&c, 0, 0, "x", black, 1);
    ct_canvas_image(&c, 0, 0, (float[1]){0.5f}, &(ct_image_shape){1, 1, 1}, 1);
    assert_int_equal(ct_canvas_write_png(&c, path, &err), CT_ERR);
    char want[128];
    snprintf(want, sizeof want, "%s: cannot draw a picture of 40000 x 10 pixels: ", path);
    assert_memory_equal(err.msg, want, strlen(want));
    ct_canvas_free(&c);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left either */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_png),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
