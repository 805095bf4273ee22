/* The curves of a training run: its metrics.jsonl read into a series of
 * (step, value) points per metric, one for epoch records and one for step
 * records. */
#ifndef CT_CLUSTER_RUN_CURVES_H
#define CT_CLUSTER_RUN_CURVES_H

#include <stdint.h>

#include "engine/error.h"

typedef struct ct_curve {
    double *x, *y; /* [n]: steps, and values (NaN for null), in the file's order */
    int64_t n, cap;
} ct_curve;

typedef struct ct_metric_curves {
    char *name;
    ct_curve epochs, steps; /* from epoch records, from step records */
} ct_metric_curves;

typedef struct ct_run_curves {
    char *name; /* the run directory's base name */
    ct_metric_curves *metrics; /* in the order first seen */
    int nmetrics;
} ct_run_curves;

/* Reads DIR/metrics.jsonl into *r, which must be zeroed, and is the
 * caller's to free with ct_run_curves_free, after an error too. A record
 * with "type": "step" feeds the step curves; "epoch", or no "type" (older
 * files), the epoch curves; other types are skipped. Every number or null
 * but "step" is a metric. Errors name DIR when it or its metrics.jsonl is
 * missing, the file, line and column of a malformed line, and a record
 * without a finite "step". */
int ct_run_curves_read(ct_run_curves *r, const char *dir, ct_error *err);
void ct_run_curves_free(ct_run_curves *r);

/* The curves of metric `name`, or NULL. */
const ct_metric_curves *ct_run_curves_find(const ct_run_curves *r, const char *name);

#endif
