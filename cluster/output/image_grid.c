#include "cluster/output/image_grid.h"

#define GAP 4 /* pixels between tiles */

static void tile_at(const ct_image_grid *g, int64_t sample, int row, int *x, int *y)
{
    *x = g->label_width + (int)(sample % g->columns) * (g->tile_w + GAP);
    *y = GAP + (int)(sample / g->columns) * g->band_h + row * (g->tile_h + GAP);
}

int ct_image_grid_init(ct_image_grid *g, ct_canvas *canvas, const ct_shape *sample_shape, int64_t n, int rows,
                       const char *const *row_names, int columns, ct_error *err)
{
    if (ct_image_shape_of(sample_shape, &g->image, err) != CT_OK)
        return CT_ERR;
    g->scale = g->image.height < 64 ? 2 : 1;
    g->rows = rows;
    g->columns = columns;
    g->label_width = row_names ? 72 : GAP;
    g->tile_w = g->image.width * g->scale;
    g->tile_h = g->image.height * g->scale;
    g->band_h = rows * (g->tile_h + GAP) + (rows > 1 ? 2 * GAP : 0);
    int64_t shown = n < columns ? n : columns, bands = (n + columns - 1) / columns;
    ct_canvas_init(canvas, g->label_width + (int)shown * (g->tile_w + GAP), (int)bands * g->band_h,
                   (ct_rgb){255, 255, 255});
    for (int64_t band = 0; row_names && band < bands; band++)
        for (int row = 0; row < rows; row++) {
            int x, y;
            tile_at(g, band * columns, row, &x, &y);
            ct_canvas_text(canvas, GAP, y + g->tile_h / 2 - 6, row_names[row], (ct_rgb){0, 0, 0}, 1);
        }
    return CT_OK;
}

void ct_image_grid_put(const ct_image_grid *g, ct_canvas *canvas, int64_t sample, int row, const float *values)
{
    int x, y;
    tile_at(g, sample, row, &x, &y);
    ct_canvas_image(canvas, x, y, values, &g->image, g->scale);
}
