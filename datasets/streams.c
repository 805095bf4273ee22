/* Contiguous streams of a sequence for truncated backprop through time:
 * each rank reads its whole streams with one hyperslab read. */
#include "datasets/streams.h"

#include <string.h>

#include "datasets/h5util.h"
#include "datasets/shard.h"
#include "engine/alloc.h"

void ct_streams_free(ct_streams *s)
{
    if (!s)
        return;
    ct_free(s->values);
    memset(s, 0, sizeof *s);
}

int64_t ct_streams_windows(const ct_streams *s)
{
    return (s->stream_rows - 1 + s->bptt - 1) / s->bptt;
}

void ct_streams_window(const ct_streams *s, int64_t w, float *inputs, int32_t *target_ids, float *target_values,
                       int64_t *T)
{
    int64_t first = w * s->bptt, left = s->stream_rows - 1 - first;
    int64_t t = left < s->bptt ? left : s->bptt, F = s->features;
    size_t row_bytes = (size_t)F * ct_dtype_size(s->dtype);
    *T = t;
    for (int64_t i = 0; i < s->nstreams; i++) {
        const unsigned char *rows = (const unsigned char *)s->values + (size_t)(i * s->stream_rows + first) * row_bytes;
        ct_dtype_to_float(inputs + i * t * F, rows, s->dtype, (size_t)(t * F), s->scale, s->offset);
        if (s->dtype == CT_DTYPE_INT32)
            memcpy(target_ids + i * t, rows + row_bytes, (size_t)t * sizeof *target_ids);
        else
            ct_dtype_to_float(target_values + i * t * F, rows + row_bytes, s->dtype, (size_t)(t * F), s->scale,
                              s->offset);
    }
}

/* Checks the dataset's type and shape: token ids or a series. */
static int ct_streams_check(ct_streams *s, hid_t d, const char *file, const char *dpath, ct_rows_info *info,
                            ct_error *err)
{
    if (ct_rows_describe(d, file, dpath, info, err) != CT_OK)
        return CT_ERR;
    bool ids = info->cls == H5T_INTEGER && info->rank == 1;
    bool series = (info->cls == H5T_FLOAT && (info->rank == 1 || info->rank == 2)) ||
                  (info->is_uint8 && info->rank == 2);
    if (!ids && !series)
        return ct_fail(err,
                       "%s: %s: expected integer token ids [L], or a series [L, F] of float32 or uint8, found %s %s",
                       file, dpath, info->type_name, info->shape);
    s->length = (int64_t)info->dims[0];
    s->features = info->rank == 2 ? (int64_t)info->dims[1] : 1;
    if (s->features == 0)
        return ct_fail(err, "%s: %s: expected series rows with at least one value, found shape %s", file, dpath,
                       info->shape);
    s->dtype = ids ? CT_DTYPE_INT32 : info->is_uint8 ? CT_DTYPE_UINT8 : CT_DTYPE_FLOAT32;
    s->scale = 1.0f;
    s->offset = 0.0f;
    return ids ? CT_OK : ct_rows_scale(d, file, dpath, info->is_uint8, &s->scale, &s->offset, err);
}

/* This rank's streams and rows, once L and B are known: errors for windows
 * that cannot be made. */
static int ct_streams_plan(ct_streams *s, int rank, int world, const char *file, const char *dpath, ct_error *err)
{
    s->stream_rows = s->length / s->streams;
    if (s->stream_rows < 2)
        return ct_fail(err,
                       "%s: %s: streams of %lld row%s are too short for bptt %lld: %lld rows cut into %lld streams, "
                       "expected at least 2 rows a stream (an input and its target)",
                       file, dpath, (long long)s->stream_rows, s->stream_rows == 1 ? "" : "s", (long long)s->bptt,
                       (long long)s->length, (long long)s->streams);
    s->first_stream = ct_shard_begin(s->streams, rank, world);
    s->nstreams = ct_shard_begin(s->streams, rank + 1, world) - s->first_stream;
    s->first_row = s->first_stream * s->stream_rows;
    s->nrows = s->nstreams * s->stream_rows;
    /* Token ids are staged as int64 (8 bytes a row) before narrowing. */
    int64_t row_bytes = s->dtype == CT_DTYPE_INT32 ? 8 : s->features * (int64_t)ct_dtype_size(s->dtype);
    return ct_rows_check_budget(file, dpath, s->first_row, s->nrows, row_bytes, err);
}

int ct_streams_read(ct_streams *s, const char *path, const char *split, const char *dataset, int64_t streams,
                    int64_t bptt, int rank, int world, ct_error *err)
{
    if (!s)
        return ct_fail(err, "ct_streams_read: s is NULL");
    memset(s, 0, sizeof *s);
    if (!path || !split || !dataset)
        return ct_fail(err, "ct_streams_read: path, split and dataset must be given");
    if (world < 1 || rank < 0 || rank >= world)
        return ct_fail(err, "%s: rank %d of world %d: expected world >= 1 and 0 <= rank < world", path, rank, world);
    char dpath[1024];
    if (ct_rows_path(dpath, sizeof dpath, split, dataset) != CT_OK)
        return ct_fail(err, "%s: dataset names too long", path);
    if (bptt < 1)
        return ct_fail(err, "%s: %s: bptt %lld: expected windows of at least 1 row", path, dpath, (long long)bptt);
    if (streams < 1)
        return ct_fail(err, "%s: %s: %lld streams: expected at least 1", path, dpath, (long long)streams);
    s->streams = streams;
    s->bptt = bptt;

    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    int rc = CT_ERR;
    ct_rows_info info;
    hid_t d = ct_h5_open_dataset(file, path, dpath, err);
    if (d < 0 || ct_streams_check(s, d, path, dpath, &info, err) != CT_OK ||
        ct_streams_plan(s, rank, world, path, dpath, err) != CT_OK)
        goto done;
    if (s->dtype == CT_DTYPE_INT32) {
        int32_t *ids;
        rc = ct_rows_read_ids(d, s->first_row, s->nrows, 0, "token id", &ids, path, dpath, err);
        s->values = ids;
    } else {
        rc = ct_rows_read_values(d, info.is_uint8, s->first_row, s->nrows, s->features, &s->dtype, &s->values,
                                 &s->scale, &s->offset, path, dpath, err);
    }
done:
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(file);
    if (rc != CT_OK)
        ct_streams_free(s);
    return rc;
}
