/* The canvas on cairo. Sample images are written straight into the
 * surface's pixels; everything else is drawn by cairo. PNGs are encoded in
 * memory and written atomically by datasets/durable_file.c. */
#include "cluster/output/png.h"

#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/durable_file.h"
#include "engine/alloc.h"

#define FONT "DejaVu Sans"
#define FONT_SIZE 11.0 /* pixels at scale 1 */
#define QUARTER_TURN 1.57079632679489662 /* radians */

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

static void set_color(cairo_t *cr, ct_rgb color, double opacity)
{
    cairo_set_source_rgba(cr, color.r / 255.0, color.g / 255.0, color.b / 255.0, opacity);
}

/* Canvases not yet freed. At exit, when none is, cairo's and fontconfig's
 * caches are released, so that leak checkers (the sanitizer build) find
 * the font machinery's memory freed. */
static int live_canvases;

static void release_font_caches(void)
{
    if (live_canvases == 0) {
        cairo_debug_reset_static_data();
        FcFini();
    }
}

void ct_canvas_init(ct_canvas *c, int width, int height, ct_rgb background)
{
    static bool registered;
    if (!registered)
        registered = atexit(release_font_caches) == 0;
    live_canvases++;
    c->width = width;
    c->height = height;
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    c->cr = cairo_create(c->surface);
    cairo_select_font_face(c->cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    set_color(c->cr, background, 1.0);
    cairo_paint(c->cr);
}

void ct_canvas_free(ct_canvas *c)
{
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surface);
    c->cr = NULL;
    c->surface = NULL;
    live_canvases--;
}

void ct_canvas_fill(ct_canvas *c, int x, int y, int w, int h, ct_rgb color)
{
    if (w <= 0 || h <= 0) /* cairo would draw a negative rectangle flipped */
        return;
    cairo_rectangle(c->cr, x, y, w, h);
    set_color(c->cr, color, 1.0);
    cairo_fill(c->cr);
}

static uint32_t byte_of(float v)
{
    if (!(v > 0.0f)) /* NaN too */
        return 0;
    return v >= 1.0f ? 255 : (uint32_t)(v * 255.0f + 0.5f);
}

/* The RGB24 pixel (0x00rrggbb in a native-endian word) of sample pixel `at`. */
static uint32_t pixel_of(const float *values, size_t at, size_t plane, int channels)
{
    uint32_t r = byte_of(values[at]);
    if (channels == 1)
        return r << 16 | r << 8 | r;
    return r << 16 | byte_of(values[plane + at]) << 8 | byte_of(values[2 * plane + at]);
}

void ct_canvas_image(ct_canvas *c, int x, int y, const float *values, const ct_image_shape *image, int scale)
{
    unsigned char *data = cairo_image_surface_get_data(c->surface);
    if (!data) /* a canvas cairo could not make */
        return;
    cairo_surface_flush(c->surface);
    int stride = cairo_image_surface_get_stride(c->surface);
    size_t plane = (size_t)image->height * (size_t)image->width;
    int w = image->width * scale, h = image->height * scale;
    int i0 = x < 0 ? -x : 0, i1 = x + w > c->width ? c->width - x : w;
    int j0 = y < 0 ? -y : 0, j1 = y + h > c->height ? c->height - y : h;
    for (int j = j0; j < j1; j++) {
        uint32_t *row = (uint32_t *)(data + (size_t)(y + j) * (size_t)stride);
        size_t line = (size_t)(j / scale) * (size_t)image->width;
        for (int i = i0; i < i1; i++)
            row[x + i] = pixel_of(values, line + (size_t)(i / scale), plane, image->channels);
    }
    cairo_surface_mark_dirty(c->surface);
}

/* Length of the valid UTF-8 sequence that starts at s (1 to 4), or 0; cairo
 * refuses a whole string for one bad byte and stops drawing altogether. */
static int utf8_length(const unsigned char *s)
{
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000}; /* overlong below */
    int n = s[0] < 0x80 ? 1 : s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf8 ? 4 : 0;
    if (n <= 1)
        return n;
    uint32_t code = s[0] & (0x7fu >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (s[i] & 0x3fu);
    }
    return code >= least[n] && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? n : 0;
}

/* A copy of text cairo accepts (ct_free it). */
static char *valid_utf8(const char *text)
{
    char *copy = ct_strdup(text);
    for (unsigned char *p = (unsigned char *)copy; *p;) {
        int n = utf8_length(p);
        if (n == 0)
            *p++ = '?';
        else
            p += n;
    }
    return copy;
}

static void set_size(ct_canvas *c, double scale)
{
    cairo_set_font_size(c->cr, FONT_SIZE * scale);
}

static cairo_font_extents_t font_at(ct_canvas *c, double scale)
{
    cairo_font_extents_t font;
    set_size(c, scale);
    cairo_font_extents(c->cr, &font);
    return font;
}

int ct_canvas_text_height(ct_canvas *c, double scale)
{
    cairo_font_extents_t font = font_at(c, scale);
    return (int)ceil(font.ascent + font.descent);
}

int ct_canvas_text_width(ct_canvas *c, const char *text, double scale)
{
    char *valid = valid_utf8(text);
    cairo_text_extents_t extents;
    set_size(c, scale);
    cairo_text_extents(c->cr, valid, &extents);
    ct_free(valid);
    return (int)ceil(extents.x_advance);
}

/* Draws text from the left end of its baseline at (x, y), turned by angle
 * (radians, clockwise as y grows downwards). */
static void draw_text(ct_canvas *c, double x, double y, double angle, const char *text, ct_rgb color,
                      double scale)
{
    char *valid = valid_utf8(text);
    cairo_save(c->cr);
    cairo_translate(c->cr, x, y);
    cairo_rotate(c->cr, angle);
    set_size(c, scale);
    cairo_move_to(c->cr, 0, 0);
    set_color(c->cr, color, 1.0);
    cairo_show_text(c->cr, valid);
    cairo_new_path(c->cr);
    cairo_restore(c->cr);
    ct_free(valid);
}

int ct_canvas_text(ct_canvas *c, int x, int y, const char *text, ct_rgb color, double scale)
{
    draw_text(c, x, y + round(font_at(c, scale).ascent), 0, text, color, scale);
    return ct_canvas_text_width(c, text, scale);
}

int ct_canvas_text_up(ct_canvas *c, int x, int y, const char *text, ct_rgb color, double scale)
{
    int width = ct_canvas_text_width(c, text, scale);
    draw_text(c, x + round(font_at(c, scale).ascent), y + width, -QUARTER_TURN, text, color, scale);
    return width;
}

void ct_canvas_polyline(ct_canvas *c, const double *x, const double *y, int64_t n, const ct_pen *pen)
{
    cairo_t *cr = c->cr;
    cairo_new_path(cr);
    bool drawing = false;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            drawing = false;
            continue;
        }
        if (!drawing)
            cairo_move_to(cr, x[i], y[i]); /* with the line_to below, a dot when alone */
        cairo_line_to(cr, x[i], y[i]);
        drawing = true;
    }
    set_color(cr, pen->color, pen->opacity);
    cairo_set_line_width(cr, pen->width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_stroke(cr);
}

void ct_canvas_clip(ct_canvas *c, int x, int y, int w, int h)
{
    cairo_reset_clip(c->cr);
    cairo_new_path(c->cr);
    cairo_rectangle(c->cr, x, y, w, h);
    cairo_clip(c->cr);
}

void ct_canvas_unclip(ct_canvas *c)
{
    cairo_reset_clip(c->cr);
}

void ct_canvas_polygon(ct_canvas *c, const double *x, const double *y, int n, ct_rgb color)
{
    cairo_new_path(c->cr);
    for (int i = 0; i < n; i++)
        cairo_line_to(c->cr, x[i], y[i]);
    cairo_close_path(c->cr);
    set_color(c->cr, color, 1.0);
    cairo_fill(c->cr);
}

void ct_canvas_dot(ct_canvas *c, double x, double y, double r, ct_rgb color)
{
    cairo_new_path(c->cr);
    cairo_arc(c->cr, x, y, r, 0, 4 * QUARTER_TURN);
    set_color(c->cr, color, 1.0);
    cairo_fill(c->cr);
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
    size_t size, cap;
} png_bytes;

static cairo_status_t collect(void *closure, const unsigned char *data, unsigned int size)
{
    png_bytes *out = closure;
    if (out->size + size > out->cap) {
        out->cap = 2 * (out->size + size);
        out->data = ct_realloc(out->data, out->cap);
    }
    memcpy(out->data + out->size, data, size);
    out->size += size;
    return CAIRO_STATUS_SUCCESS;
}

int ct_canvas_encode_png(const ct_canvas *c, const char *what, unsigned char **png, size_t *size, ct_error *err)
{
    *png = NULL;
    *size = 0;
    cairo_status_t status = cairo_status(c->cr);
    if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_status(c->surface);
    if (status != CAIRO_STATUS_SUCCESS)
        return ct_fail(err, "%s: cannot draw a picture of %d x %d pixels: %s", what, c->width, c->height,
                       cairo_status_to_string(status));
    png_bytes bytes = {NULL, 0, 0};
    status = cairo_surface_write_to_png_stream(c->surface, collect, &bytes);
    if (status != CAIRO_STATUS_SUCCESS) {
        ct_free(bytes.data);
        return ct_fail(err, "%s: cannot encode a PNG of %d x %d pixels: %s", what, c->width, c->height,
                       cairo_status_to_string(status));
    }
    *png = bytes.data;
    *size = bytes.size;
    return CT_OK;
}

int ct_canvas_write_png(const ct_canvas *c, const char *path, ct_error *err)
{
    unsigned char *png;
    size_t size;
    if (ct_canvas_encode_png(c, path, &png, &size, err) != CT_OK)
        return CT_ERR;
    int rc = ct_file_write_atomic(path, png, size, err);
    ct_free(png);
    return rc;
}
