/* Pictures for people (image grids, scatter plots, metric curves): a canvas
 * on a cairo image surface to draw sample images, rectangles, lines, dots
 * and text (DejaVu Sans) on, written as PNG. Coordinates are pixels from the
 * top left corner, y growing downwards. Drawing never fails: a canvas cairo
 * cannot make (larger than 32767 pixels a side) draws nothing, and
 * ct_canvas_write_png reports it. */
#ifndef CT_CLUSTER_PNG_H
#define CT_CLUSTER_PNG_H

#include <cairo.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"
#include "engine/shape.h"

typedef struct ct_rgb {
    unsigned char r, g, b;
} ct_rgb;

typedef struct ct_canvas {
    int width, height;
    cairo_surface_t *surface; /* CAIRO_FORMAT_RGB24 */
    cairo_t *cr;
} ct_canvas;

/* How a line is stroked: its colour, opacity (0 to 1) and width in pixels. */
typedef struct ct_pen {
    ct_rgb color;
    double opacity, width;
} ct_pen;

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

/* Writes text (UTF-8; invalid bytes show as '?') in DejaVu Sans of 11
 * pixels times scale, the top left corner of its line at (x, y): a line is
 * ct_canvas_text_height(c, scale) pixels high. Returns the width drawn. */
int ct_canvas_text(ct_canvas *c, int x, int y, const char *text, ct_rgb color, double scale);

/* The width ct_canvas_text would draw text with, drawing nothing. */
int ct_canvas_text_width(ct_canvas *c, const char *text, double scale);

/* The height of a line of text at this scale (ascenders to descenders). */
int ct_canvas_text_height(ct_canvas *c, double scale);

/* Writes text turned a quarter left (read bottom to top, as a y axis
 * label), the top left corner of its box at (x, y): the box is
 * ct_canvas_text_height wide and the text's width high. Returns that width. */
int ct_canvas_text_up(ct_canvas *c, int x, int y, const char *text, ct_rgb color, double scale);

/* Strokes the line through the n points (x[i], y[i]), with round joins and
 * caps; a point with a non-finite coordinate is left out and breaks the
 * line in two, and a point alone shows as a dot of the pen's width. */
void ct_canvas_polyline(ct_canvas *c, const double *x, const double *y, int64_t n, const ct_pen *pen);

/* Limits what is drawn next to [x, x + w) x [y, y + h), until ct_canvas_unclip. */
void ct_canvas_clip(ct_canvas *c, int x, int y, int w, int h);
void ct_canvas_unclip(ct_canvas *c);

/* Fills the polygon with the n corners (x[i], y[i]). */
void ct_canvas_polygon(ct_canvas *c, const double *x, const double *y, int n, ct_rgb color);

/* Fills a disc of radius r centred on (x, y). */
void ct_canvas_dot(ct_canvas *c, double x, double y, double r, ct_rgb color);

/* Colour of class `label` (matplotlib's tab10 palette, repeating). */
ct_rgb ct_class_color(int64_t label);

/* The canvas as PNG bytes: *png[*size], ct_malloc'ed for the caller.
 * Errors start with `what` (the file it is for). */
int ct_canvas_encode_png(const ct_canvas *c, const char *what, unsigned char **png, size_t *size, ct_error *err);

/* Writes the canvas to path as PNG, atomically (a temporary file renamed).
 * Errors name the file. */
int ct_canvas_write_png(const ct_canvas *c, const char *path, ct_error *err);

#endif
