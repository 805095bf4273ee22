/* A confusion matrix as a picture: one cell per (true class, predicted
 * class), its colour the share of the true class's samples (white 0, dark
 * blue 1), its count written in it, class names along both axes. */
#ifndef CT_CLUSTER_OUTPUT_HEATMAP_H
#define CT_CLUSTER_OUTPUT_HEATMAP_H

#include <stdint.h>

#include "engine/error.h"

/* Draws counts[n, n] (rows: true class) with labels[n] and a title, and
 * writes it to path as PNG. Errors name the file. */
int ct_heatmap_write_png(const char *path, const char *title, const double *counts, int64_t n,
                         const char *const *labels, ct_error *err);

#endif
