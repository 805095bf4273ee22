/* One rank's contiguous slice of a split of an HDF5 dataset file (the data
 * store of DESIGN.md): rows [first_row, first_row + nrows) with
 * first_row = rank*N/world, read with one hyperslab read per dataset and kept
 * in memory. Rank and world are plain ints: no MPI here. */
#ifndef CT_DATASETS_SHARD_H
#define CT_DATASETS_SHARD_H

#include <stdint.h>

#include "engine/error.h"
#include "engine/shape.h"

typedef struct ct_shard {
    int64_t total_rows;     /* rows of the split in the file (all ranks) */
    int64_t first_row;      /* this rank's first row */
    int64_t nrows;          /* this rank's row count */
    ct_shape sample_shape;  /* per-sample input shape: [28, 28] or [C, H, W] */
    int64_t sample_size;    /* numel(sample_shape) */
    float *inputs;          /* [nrows, sample_size], as float32 x*scale+offset */
    int32_t *labels;        /* [nrows], or NULL when no target was asked */
    int64_t num_classes;    /* from the labels' num_classes / class_names
                               attribute, else 0 (unknown) */
} ct_shard;

/* First row of `rank`'s slice of n rows over `world` ranks: rank*n/world. */
int64_t ct_shard_begin(int64_t n, int rank, int world);
/* The rank whose slice holds `row`. */
int ct_shard_owner(int64_t row, int64_t n, int world);

/* Reads this rank's slice of /<split>/<input> (and /<split>/<target> when
 * target is not NULL) from path. Inputs may be uint8 or float32 of any rank
 * >= 1, contiguous or chunked/compressed; uint8 without a `scale` attribute
 * is scaled by 1/255. Labels may be of any integer type; they must be >= 0
 * (and < num_classes when that is known). Errors name the file, the dataset,
 * what was expected and what was found: missing file, not HDF5, truncated,
 * missing dataset, inputs and labels of different lengths, a non-finite
 * input value (with its row), a label out of range (with its row). */
int ct_shard_read(ct_shard *shard, const char *path, const char *split, const char *input,
                  const char *target, int rank, int world, ct_error *err);

void ct_shard_free(ct_shard *shard);

#endif
