/* How a forecast's values come back in the series' units: the `mean` and
 * `std` attributes that `ctrain data import csv` stores on a split's
 * inputs (one per column, with `columns`) and targets (with `column`). */
#ifndef CT_DATASETS_SERIES_SCALE_H
#define CT_DATASETS_SERIES_SCALE_H

#include <stdint.h>

#include "engine/error.h"

typedef struct ct_series_scale {
    char column[64];                /* the target column's name */
    double target_mean, target_std; /* a target value is t*std + mean */
    int64_t input_column;           /* the target's column among the inputs' features */
    double input_mean, input_std;   /* that column's: an input x is x*std + mean */
} ct_series_scale;

/* Reads the attributes of /<split>/<input> and /<split>/<target> of path.
 * Errors name the file and dataset: an attribute missing ("not a series
 * imported by ctrain data import csv?"), a target column that is not one
 * of the inputs' columns, a std that is not positive. */
int ct_series_scale_read(const char *path, const char *split, const char *input, const char *target,
                         ct_series_scale *scale, ct_error *err);

#endif
