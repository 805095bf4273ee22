/* Row ranges of a split's datasets, and the values kept from them: what the
 * sample shards (shard.c) and the sequence streams (streams.c) share. A
 * range is read with one hyperslab read; its size is checked against the
 * memory budget before anything is allocated; uint8 values stay uint8 in
 * memory, float values become float32 with their scale and offset applied
 * once, when read. Errors name the file, the dataset, what was expected
 * and what was found. */
#ifndef CT_DATASETS_ROWS_H
#define CT_DATASETS_ROWS_H

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

/* How values are kept in memory. */
typedef enum ct_dtype {
    CT_DTYPE_UINT8,   /* as stored; the value is x*scale + offset */
    CT_DTYPE_FLOAT32, /* scale and offset were applied when read */
    CT_DTYPE_INT32,   /* integer ids (tokens), >= 0 */
} ct_dtype;

/* Bytes of one value of type t. */
size_t ct_dtype_size(ct_dtype t);

/* Converts count values of type t (any alignment) into out[count] as
 * float32: uint8 as x*scale + offset, float32 copied, int32 ids as floats
 * (exact below 2^24). */
void ct_dtype_to_float(float *out, const void *values, ct_dtype t, size_t count, float scale, float offset);

/* "/" + split + "/" + name into buf, tolerating slashes around split.
 * CT_ERR when it does not fit. */
int ct_rows_path(char *buf, size_t size, const char *split, const char *name);

/* What a dataset holds, as HDF5 describes it. */
typedef struct ct_rows_info {
    H5T_class_t cls;     /* H5T_INTEGER, H5T_FLOAT, H5T_STRING, ... */
    bool is_uint8;
    int rank;            /* 0 for a scalar (or null) dataspace */
    hsize_t dims[H5S_MAX_RANK];
    char type_name[64];  /* "uint8", "float64 big-endian" */
    char shape[256];     /* "[60000, 28, 28]", "scalar" */
} ct_rows_info;

/* Describes dataset d (at dpath of file) and checks that the filters it is
 * stored with are available. Errors: unreadable type or shape (corrupt
 * file), a filter this HDF5 lacks (h5py's lzf). */
int ct_rows_describe(hid_t d, const char *file, const char *dpath, ct_rows_info *info, ct_error *err);

/* The optional `scale` and `offset` attributes of d: finite float32
 * numbers, defaults 1/255 and 0 for uint8 values, 1 and 0 otherwise; for
 * uint8, x*scale + offset must stay finite over [0, 255]. */
int ct_rows_scale(hid_t d, const char *file, const char *dpath, bool is_uint8, float *scale, float *offset,
                  ct_error *err);

/* CT_OK when rows [first, first + n) of row_bytes each fit the memory
 * budget (engine/alloc.h); otherwise "FILE: DPATH: rows [a, b) of N bytes
 * needs 1.5 TiB of memory; ...". Call it before allocating. */
int ct_rows_check_budget(const char *file, const char *dpath, int64_t first, int64_t n, int64_t row_bytes,
                         ct_error *err);

/* One hyperslab read of rows [first, first + n) of d (every element of each
 * row) as mem_type into buf. Error: "FILE: DPATH: HDF5 cannot read rows
 * [a, b): truncated or corrupt file? (HDF5: ...)". */
int ct_rows_read(hid_t d, hid_t mem_type, int64_t first, int64_t n, void *buf, const char *file,
                 const char *dpath, ct_error *err);

/* Reads rows [first, first + n) of row_values values each, as kept: uint8
 * as stored (*dtype CT_DTYPE_UINT8, *scale and *offset unchanged); any
 * float type as float32 with x*scale + offset applied and checked finite
 * (*dtype CT_DTYPE_FLOAT32, *scale and *offset then 1 and 0). *values is
 * ct_malloc'ed for the caller (NULL on error). Check the budget first.
 * Error: "FILE: DPATH: row R: expected finite values, found nan (element E
 * of the row)", R the row in the file. */
int ct_rows_read_values(hid_t d, bool is_uint8, int64_t first, int64_t n, int64_t row_values, ct_dtype *dtype,
                        void **values, float *scale, float *offset, const char *file, const char *dpath,
                        ct_error *err);

/* Reads rows [first, first + n) of a rank-1 integer dataset of any type as
 * int32 ids in [0, num_classes) (any int32 >= 0 when num_classes is 0),
 * through an int64 staging of 8 bytes per row (check the budget for it).
 * *ids is ct_malloc'ed for the caller (NULL on error). `noun` names a value
 * in messages: "FILE: DPATH: row R: expected a label in [0, 10)
 * (num_classes 10), found 12". */
int ct_rows_read_ids(hid_t d, int64_t first, int64_t n, int64_t num_classes, const char *noun, int32_t **ids,
                     const char *file, const char *dpath, ct_error *err);

#endif
