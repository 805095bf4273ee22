/* The one file that compiles stb_image_write (and stb_easy_font), with
 * ctrain's allocator and without stdio: PNGs are encoded in memory and
 * written atomically by datasets/durable_file.c. */
#include "cluster/output/png.h"

#include <stdio.h>
#include <string.h>

#include "datasets/durable_file.h"
#include "engine/alloc.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#define STBIW_MALLOC(size) ct_malloc(size)
#define STBIW_REALLOC(p, size) ct_realloc(p, size)
#define STBIW_FREE(p) ct_free(p)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <stb/stb_image_write.h>
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

int ct_image_shape_of(const ct_shape *s, ct_image_shape *image, ct_error *err)
{
    char buf[64];
    if (s->ndim == 2)
        *image = (ct_image_shape){1, (int)s->dim[0], (int)s->dim[1]};
    else if (s->ndim == 3 && (s->dim[0] == 1 || s->dim[0] == 3))
        *image = (ct_image_shape){(int)s->dim[0], (int)s->dim[1], (int)s->dim[2]};
    else
        return ct_fail(err, "samples of shape %s are not images: expected [H, W], [1, H, W] or [3, H, W]",
                       ct_shape_str(s, buf, sizeof buf));
    if (image->height > 4096 || image->width > 4096)
        return ct_fail(err, "images of shape %s are too large to draw", ct_shape_str(s, buf, sizeof buf));
    return CT_OK;
}

void ct_canvas_init(ct_canvas *c, int width, int height, ct_rgb background)
{
    c->width = width;
    c->height = height;
    c->pixels = CT_ALLOC_ARRAY(unsigned char, (size_t)width * (size_t)height * 3);
    ct_canvas_fill(c, 0, 0, width, height, background);
}

void ct_canvas_free(ct_canvas *c)
{
    ct_free(c->pixels);
    c->pixels = NULL;
}

void ct_canvas_fill(ct_canvas *c, int x, int y, int w, int h, ct_rgb color)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > c->width ? c->width : x + w, y1 = y + h > c->height ? c->height : y + h;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++) {
            unsigned char *p = c->pixels + ((size_t)j * (size_t)c->width + (size_t)i) * 3;
            p[0] = color.r;
            p[1] = color.g;
            p[2] = color.b;
        }
}

static unsigned char byte_of(float v)
{
    if (!(v > 0.0f)) /* NaN too */
        return 0;
    return v >= 1.0f ? 255 : (unsigned char)(v * 255.0f + 0.5f);
}

void ct_canvas_image(ct_canvas *c, int x, int y, const float *values, const ct_image_shape *image, int scale)
{
    size_t plane = (size_t)image->height * (size_t)image->width;
    for (int j = 0; j < image->height; j++)
        for (int i = 0; i < image->width; i++) {
            size_t at = (size_t)j * (size_t)image->width + (size_t)i;
            unsigned char grey = byte_of(values[at]);
            ct_rgb color = {grey, grey, grey};
            if (image->channels == 3)
                color = (ct_rgb){grey, byte_of(values[plane + at]), byte_of(values[2 * plane + at])};
            ct_canvas_fill(c, x + i * scale, y + j * scale, scale, scale, color);
        }
}

int ct_canvas_text(ct_canvas *c, int x, int y, const char *text, ct_rgb color, int scale)
{
    /* stb_easy_font emits quads of 4 vertices (x, y, z, rgba: 16 bytes),
     * every one an axis-aligned rectangle in a font 12 units high. */
    static char quads[64 * 1024];
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text);
    unsigned char rgba[4] = {color.r, color.g, color.b, 255};
    int n = stb_easy_font_print(0, 0, copy, rgba, quads, (int)sizeof quads);
    for (int q = 0; q < n; q++) {
        float v[4][4];
        memcpy(v, quads + (size_t)q * 64, sizeof v);
        float x0 = v[0][0], y0 = v[0][1], x1 = v[2][0], y1 = v[2][1];
        ct_canvas_fill(c, x + (int)(x0 * (float)scale), y + (int)(y0 * (float)scale),
                       (int)((x1 - x0) * (float)scale), (int)((y1 - y0) * (float)scale), color);
    }
    return stb_easy_font_width(copy) * scale;
}

ct_rgb ct_class_color(int64_t label)
{
    static const ct_rgb tab10[10] = {
        {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189},
        {140, 86, 75}, {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
    };
    return tab10[(label % 10 + 10) % 10];
}

typedef struct png_bytes {
    unsigned char *data;
    size_t size;
} png_bytes;

static void collect(void *ctx, void *data, int size)
{
    png_bytes *out = ctx;
    out->data = ct_realloc(out->data, out->size + (size_t)size);
    memcpy(out->data + out->size, data, (size_t)size);
    out->size += (size_t)size;
}

int ct_canvas_write_png(const ct_canvas *c, const char *path, ct_error *err)
{
    png_bytes png = {NULL, 0};
    int rc;
    if (!stbi_write_png_to_func(collect, &png, c->width, c->height, 3, c->pixels, c->width * 3))
        rc = ct_fail(err, "%s: cannot encode a PNG of %d x %d pixels", path, c->width, c->height);
    else
        rc = ct_file_write_atomic(path, png.data, png.size, err);
    ct_free(png.data);
    return rc;
}
