/* Pictures of samples: n samples side by side in bands of up to `columns`,
 * each sample shown as `rows` images one above the other (an input, its
 * corrupted version, its reconstruction), with the rows' names on the left.
 * The reconstruct command, the autoencoder's epoch pictures and a GAN's
 * sample grids draw with it. */
#ifndef CT_CLUSTER_OUTPUT_IMAGE_GRID_H
#define CT_CLUSTER_OUTPUT_IMAGE_GRID_H

#include "cluster/output/png.h"

typedef struct ct_image_grid {
    ct_image_shape image;
    int scale;        /* pixels per sample pixel */
    int rows, columns;
    int label_width;  /* 0 without row names */
    int tile_w, tile_h, band_h;
} ct_image_grid;

/* Lays out the grid for n samples of sample_shape (an image: ct_image_shape_of
 * says which shapes are) and starts its canvas, white, with the row names
 * (row_names may be NULL: no names). Errors name the shape. */
int ct_image_grid_init(ct_image_grid *g, ct_canvas *canvas, const ct_shape *sample_shape, int64_t n, int rows,
                       const char *const *row_names, int columns, ct_error *err);

/* Draws values (one sample, 0 black to 1 white) as row `row` of sample
 * `sample`. */
void ct_image_grid_put(const ct_image_grid *g, ct_canvas *canvas, int64_t sample, int row, const float *values);

#endif
