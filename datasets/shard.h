/* One rank's contiguous slice of a split of an HDF5 dataset file (the data
 * store of DESIGN.md): rows [first_row, first_row + nrows) with
 * first_row = rank*N/world, read with one hyperslab read per dataset and kept
 * in memory in the stored type (uint8 stays uint8: 1 byte per value), then
 * converted to float32 a few rows at a time, where they are used. Rank and
 * world are plain ints: no MPI here. */
#ifndef CT_DATASETS_SHARD_H
#define CT_DATASETS_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "datasets/rows.h"
#include "engine/error.h"
#include "engine/shape.h"

typedef struct ct_shard {
    int64_t total_rows;     /* rows of the split in the file (all ranks) */
    int64_t first_row;      /* this rank's first row */
    int64_t nrows;          /* this rank's row count */
    ct_shape sample_shape;  /* per-sample input shape: [28, 28] or [C, H, W] */
    int64_t sample_size;    /* numel(sample_shape) */
    ct_dtype dtype;         /* CT_DTYPE_UINT8 (kept as stored) or CT_DTYPE_FLOAT32 */
    size_t row_bytes;       /* one row of values: sample_size * ct_dtype_size(dtype) */
    unsigned char *values;  /* [nrows, row_bytes]: the inputs as kept */
    float scale, offset;    /* an input is x*scale + offset (float32: 1 and 0,
                               as they were applied when read) */
    int32_t *labels;        /* [nrows], or NULL when no target was asked */
    int64_t num_classes;    /* from the labels' num_classes / class_names
                               attribute, else 0 (unknown) */
    char **class_names;     /* the labels' class_names attribute, or NULL */
    size_t nclass_names;
    float *targets;         /* [nrows, target_size] float targets (ct_shard_read_targets), or NULL */
    ct_shape target_shape;  /* per-sample shape of the targets: [1] for a dataset of shape [N] */
    int64_t target_size;    /* numel(target_shape) with targets, else 0 */
    int32_t *lengths;       /* [nrows] real time steps of each sample, in [1, T] (ct_shard_read_lengths), or NULL */
} ct_shard;

/* First row of `rank`'s slice of n rows over `world` ranks: rank*n/world. */
int64_t ct_shard_begin(int64_t n, int rank, int world);
/* The rank whose slice holds `row`. */
int ct_shard_owner(int64_t row, int64_t n, int world);

/* Reads this rank's slice of /<split>/<input> (and /<split>/<target> when
 * target is not NULL) from path. Inputs may be uint8 (kept as uint8, scaled
 * by 1/255 without a `scale` attribute) or any float type (kept as float32
 * with scale and offset applied), of any rank >= 1, contiguous or
 * chunked/compressed. Labels may be of any integer type; they must be >= 0
 * (and < num_classes when that is known). Sizes are checked against the
 * memory budget (engine/alloc.h) before anything is allocated. Errors name
 * the file, the dataset, what was expected and what was found: missing
 * file, not HDF5, truncated, missing dataset, inputs and labels of
 * different lengths, rows that do not fit the budget, a non-finite input
 * value (with its row), a label out of range (with its row). On error the
 * shard holds nothing. */
int ct_shard_read(ct_shard *shard, const char *path, const char *split, const char *input,
                  const char *target, int rank, int world, ct_error *err);

/* Reads this rank's rows of /<split>/<target> into shard->targets: float
 * targets of any float type, as float32 (as stored: no scale or offset),
 * [N, ...] with the shard's N rows and up to 4 dimensions per sample, every
 * value finite. The shard holds that split's inputs, the dataset `input`
 * (ct_shard_read), which messages name. Errors name the file and the
 * dataset, what was expected and what was found: missing dataset, integer
 * or other non-float type ("integer labels train a classifier"), a row
 * count other than the inputs', a non-finite value (with its row), rows
 * beyond the memory budget. On error the shard keeps no targets. */
int ct_shard_read_targets(ct_shard *shard, const char *path, const char *split, const char *input,
                          const char *target, ct_error *err);

/* Reads this rank's rows of /<split>/<lengths> into shard->lengths: the
 * real steps of each sample of a padded sequence split, whose samples
 * ([T] or [T, F]: dataset `input`, which messages name) hold them first
 * and padding after. An integer dataset [N] with the shard's N rows, every
 * value in [1, T]. Errors name the file, the dataset and, for a value out
 * of range, its row: "F: /docs/train/lengths: row 7: expected a length in
 * [1, 512] (the steps of /docs/train/inputs), found 0". On error the shard
 * keeps no lengths. */
int ct_shard_read_lengths(ct_shard *shard, const char *path, const char *split, const char *input,
                          const char *lengths, ct_error *err);

/* Local row `row` (0 is first_row) of the values as kept: row_bytes bytes. */
static inline const unsigned char *ct_shard_row(const ct_shard *s, int64_t row)
{
    return s->values + (size_t)row * s->row_bytes;
}

/* Local rows [row, row + n) of the shard as float32 x*scale + offset into
 * out[n, sample_size]. */
void ct_shard_rows_float(const ct_shard *s, int64_t row, int64_t n, float *out);

/* Converts n rows of values as this shard keeps them (row_bytes each, any
 * alignment: rows copied out of it, e.g. packed for the wire) into
 * out[n, sample_size] float32. */
void ct_shard_values_float(const ct_shard *s, const void *values, int64_t n, float *out);

/* Standardises the inputs after the file's scale and offset, as
 * torchvision's Normalize: x' = (x - mean) / std (std > 0). uint8 values
 * stay as stored: their scale and offset take it in; float32 values change
 * in place. */
void ct_shard_normalize(ct_shard *s, float mean, float std);

/* The name of class `label` (from the file's class_names), or NULL. */
const char *ct_shard_class_name(const ct_shard *s, int64_t label);

void ct_shard_free(ct_shard *shard);

#endif
