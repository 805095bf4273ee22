#include "cluster/output/heatmap.h"

#include <stdio.h>

#include "cluster/output/png.h"

#define CELL 56
#define MARGIN 16

/* White to matplotlib's dark blue ("Blues") as share goes from 0 to 1. */
static ct_rgb blue(double share)
{
    share = share < 0 ? 0 : share > 1 ? 1 : share;
    return (ct_rgb){(unsigned char)(255 - share * (255 - 8)), (unsigned char)(255 - share * (255 - 48)),
                    (unsigned char)(255 - share * (255 - 107))};
}

int ct_heatmap_write_png(const char *path, const char *title, const double *counts, int64_t n,
                         const char *const *labels, ct_error *err)
{
    ct_canvas probe;
    ct_canvas_init(&probe, 1, 1, (ct_rgb){255, 255, 255});
    int label_w = 0;
    for (int64_t i = 0; i < n; i++) {
        int w = ct_canvas_text_width(&probe, labels[i], 1);
        label_w = w > label_w ? w : label_w;
    }
    int line = ct_canvas_text_height(&probe, 1);
    ct_canvas_free(&probe);
    int left = MARGIN + line + 8 + label_w + 8, top = MARGIN + 2 * line + 16;
    int grid = (int)n * CELL;
    ct_canvas c;
    ct_canvas_init(&c, left + grid + MARGIN, top + grid + 8 + label_w + 8 + line + MARGIN, (ct_rgb){255, 255, 255});
    const ct_rgb black = {0, 0, 0}, white = {255, 255, 255};
    ct_canvas_text(&c, MARGIN, MARGIN, title, black, 1.2);
    for (int64_t i = 0; i < n; i++) {
        double total = 0;
        for (int64_t j = 0; j < n; j++)
            total += counts[i * n + j];
        for (int64_t j = 0; j < n; j++) {
            double share = total > 0 ? counts[i * n + j] / total : 0;
            int x = left + (int)j * CELL, y = top + (int)i * CELL;
            ct_canvas_fill(&c, x, y, CELL - 1, CELL - 1, blue(share));
            char text[32];
            snprintf(text, sizeof text, "%.0f", counts[i * n + j]);
            int w = ct_canvas_text_width(&c, text, 1);
            ct_canvas_text(&c, x + (CELL - w) / 2, y + (CELL - line) / 2, text, share > 0.5 ? white : black, 1);
        }
        int w = ct_canvas_text_width(&c, labels[i], 1);
        ct_canvas_text(&c, left - 8 - w, top + (int)i * CELL + (CELL - line) / 2, labels[i], black, 1);
        ct_canvas_text_up(&c, left + (int)i * CELL + (CELL - line) / 2, top + grid + 8 + label_w - w, labels[i], black,
                          1);
    }
    ct_canvas_text_up(&c, MARGIN, top + grid / 2 - ct_canvas_text_width(&c, "true class", 1) / 2, "true class", black,
                      1);
    const char *predicted = "predicted class";
    ct_canvas_text(&c, left + grid / 2 - ct_canvas_text_width(&c, predicted, 1) / 2, top + grid + 8 + label_w + 8,
                   predicted, black, 1);
    int rc = ct_canvas_write_png(&c, path, err);
    ct_canvas_free(&c);
    return rc;
}
