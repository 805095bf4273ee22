/* Pictures of the autoencoder commands (image grids, scatter plots): an
 * RGB canvas to draw sample images, rectangles and text on, written as PNG
 * with stb_image_write (Debian's libstb-dev). */
#ifndef CT_CLUSTER_PNG_H
#define CT_CLUSTER_PNG_H

#include "engine/error.h"
#include "engine/shape.h"

typedef struct ct_rgb {
    unsigned char r, g, b;
} ct_rgb;

typedef struct ct_canvas {
    int width, height;
    unsigned char *pixels; /* [height, width, 3] */
} ct_canvas;

/* How a sample is seen as an image: [H, W] and [1, H, W] grey, [3, H, W]
 * colour (channels first, as the data's layout). */
typedef struct ct_image_shape {
    int channels, height, width;
} ct_image_shape;

/* The image of samples of shape s; fails naming the shape for any other. */
int ct_image_shape_of(const ct_shape *s, ct_image_shape *image, ct_error *err);

/* A canvas of width x height pixels of colour background. */
void ct_canvas_init(ct_canvas *c, int width, int height, ct_rgb background);
void ct_canvas_free(ct_canvas *c);

/* Fills [x, x + w) x [y, y + h), clipped to the canvas. */
void ct_canvas_fill(ct_canvas *c, int x, int y, int w, int h, ct_rgb color);

/* Draws a sample's values (0 black, 1 white, clamped) with its top left
 * corner at (x, y), each pixel a scale x scale block. */
void ct_canvas_image(ct_canvas *c, int x, int y, const float *values, const ct_image_shape *image, int scale);

/* Writes text (ASCII) with its top left corner at (x, y) in a 6 x 12 pixel
 * font times scale (stb_easy_font). Returns the width drawn. */
int ct_canvas_text(ct_canvas *c, int x, int y, const char *text, ct_rgb color, int scale);

/* Colour of class `label` (matplotlib's tab10 palette, repeating). */
ct_rgb ct_class_color(int64_t label);

/* Writes the canvas to path as PNG, atomically (a temporary file renamed).
 * Errors name the file. */
int ct_canvas_write_png(const ct_canvas *c, const char *path, ct_error *err);

#endif
