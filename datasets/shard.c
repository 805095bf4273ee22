/* A rank's contiguous slice of a split: one hyperslab read per dataset,
 * values kept in the stored type. */
#include "datasets/shard.h"

#include <string.h>

#include "datasets/h5util.h"
#include "engine/alloc.h"

int64_t ct_shard_begin(int64_t n, int rank, int world)
{
    if (n <= 0 || world <= 0 || rank <= 0)
        return 0;
    if (rank >= world)
        return n;
    /* rank*n/world without overflow: with n = q*world + r it is
     * rank*q + rank*r/world exactly, and rank*r < world^2 fits. */
    int64_t q = n / world, r = n % world;
    return q * rank + r * rank / world;
}

int ct_shard_owner(int64_t row, int64_t n, int world)
{
    if (n <= 0 || world <= 0 || row < 0 || row >= n)
        return -1;
    /* The largest r with r*n/world <= row, i.e. r*n <= (row+1)*world - 1. */
    if (row + 1 <= INT64_MAX / world)
        return (int)(((row + 1) * world - 1) / n);
    int lo = 0, hi = world - 1; /* rows beyond 2^63/world: search instead */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (ct_shard_begin(n, mid, world) <= row)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

void ct_shard_normalize(ct_shard *s, float mean, float std)
{
    if (s->dtype == CT_DTYPE_UINT8) {
        s->scale /= std;
        s->offset = (s->offset - mean) / std;
        return;
    }
    float *x = (float *)s->values;
    for (int64_t i = 0; i < s->nrows * s->sample_size; i++)
        x[i] = (x[i] - mean) / std;
}

const char *ct_shard_class_name(const ct_shard *s, int64_t label)
{
    return label >= 0 && (size_t)label < s->nclass_names ? s->class_names[label] : NULL;
}

void ct_shard_free(ct_shard *shard)
{
    if (!shard)
        return;
    ct_free(shard->values);
    ct_free(shard->labels);
    ct_free(shard->targets);
    ct_free(shard->lengths);
    if (shard->class_names)
        ct_h5_free_strings(shard->class_names, shard->nclass_names);
    memset(shard, 0, sizeof *shard);
}

void ct_shard_values_float(const ct_shard *s, const void *values, int64_t n, float *out)
{
    ct_dtype_to_float(out, values, s->dtype, (size_t)(n * s->sample_size), s->scale, s->offset);
}

void ct_shard_rows_float(const ct_shard *s, int64_t row, int64_t n, float *out)
{
    ct_shard_values_float(s, ct_shard_row(s, row), n, out);
}

/* Checks the inputs dataset: uint8 or float, [N, ...] with N >= 1 and
 * non-empty samples; fills its description and the shard's scale/offset. */
static int ct_shard_check_inputs(ct_shard *shard, hid_t d, const char *file, const char *dpath, ct_rows_info *info,
                                 ct_error *err)
{
    if (ct_rows_describe(d, file, dpath, info, err) != CT_OK)
        return CT_ERR;
    if (!info->is_uint8 && info->cls != H5T_FLOAT)
        return ct_fail(err, "%s: %s: expected inputs of type uint8 or float32, found %s", file, dpath,
                       info->type_name);
    if (info->rank < 1)
        return ct_fail(err, "%s: %s: expected inputs of shape [N, ...] (rank >= 1), found %s (rank 0)", file, dpath,
                       info->shape);
    if (info->rank > CT_MAX_DIMS + 1)
        return ct_fail(err, "%s: %s: expected inputs of rank <= %d ([N, C, H, W] at most), found %s (rank %d)", file,
                       dpath, CT_MAX_DIMS + 1, info->shape, info->rank);
    for (int i = 1; i < info->rank; i++)
        if (info->dims[i] == 0)
            return ct_fail(err, "%s: %s: expected samples with at least one value, found shape %s", file, dpath,
                           info->shape);
    if (info->dims[0] == 0)
        return ct_fail(err, "%s: %s: expected at least one row, found an empty split (shape %s)", file, dpath,
                       info->shape);
    return ct_rows_scale(d, file, dpath, info->is_uint8, &shard->scale, &shard->offset, err);
}

/* Checks the labels dataset against the inputs' row count n, and finds the
 * number of classes (0 when the file does not say) and their names. */
static int ct_shard_check_labels(hid_t d, const char *file, const char *dpath, const char *in_path, int64_t n,
                                 ct_shard *shard, ct_error *err)
{
    ct_rows_info info;
    if (ct_rows_describe(d, file, dpath, &info, err) != CT_OK)
        return CT_ERR;
    if (info.cls != H5T_INTEGER)
        return ct_fail(err, "%s: %s: expected integer labels, found %s", file, dpath, info.type_name);
    if (info.rank != 1)
        return ct_fail(err, "%s: %s: expected labels of shape [N] (rank 1), found %s (rank %d)", file, dpath,
                       info.shape, info.rank);
    if ((int64_t)info.dims[0] != n)
        return ct_fail(err, "%s: %s has %lld rows but %s has %lld: expected the same first dimension", file, dpath,
                       (long long)info.dims[0], in_path, (long long)n);
    int64_t classes = 0, names = 0;
    if (ct_h5_has_attr(d, "num_classes")) {
        if (ct_h5_attr_int64(d, "num_classes", &classes, err) != CT_OK)
            return ct_fail_context(err, "%s: %s", file, dpath);
        if (classes <= 0 || classes > INT32_MAX)
            return ct_fail(err, "%s: %s: attribute num_classes: expected 1 to %d, found %lld", file, dpath,
                           INT32_MAX, (long long)classes);
    }
    if (ct_h5_has_attr(d, "class_names")) {
        names = ct_h5_attr_numel(d, "class_names", err);
        if (names < 0)
            return ct_fail_context(err, "%s: %s", file, dpath);
        if (classes && names != classes)
            return ct_fail(err,
                           "%s: %s: attribute num_classes is %lld but class_names has %lld names: expected the same",
                           file, dpath, (long long)classes, (long long)names);
        if (ct_h5_attr_strings(d, "class_names", &shard->class_names, &shard->nclass_names, err) != CT_OK)
            return ct_fail_context(err, "%s: %s", file, dpath);
    }
    shard->num_classes = classes ? classes : names;
    return CT_OK;
}

int ct_shard_read(ct_shard *shard, const char *path, const char *split, const char *input, const char *target,
                  int rank, int world, ct_error *err)
{
    if (!shard)
        return ct_fail(err, "ct_shard_read: shard is NULL");
    memset(shard, 0, sizeof *shard);
    if (!path || !split || !input)
        return ct_fail(err, "ct_shard_read: path, split and input must be given");
    if (world < 1 || rank < 0 || rank >= world)
        return ct_fail(err, "%s: rank %d of world %d: expected world >= 1 and 0 <= rank < world", path, rank, world);
    char in_path[1024], tg_path[1024];
    if (ct_rows_path(in_path, sizeof in_path, split, input) != CT_OK ||
        (target && ct_rows_path(tg_path, sizeof tg_path, split, target) != CT_OK))
        return ct_fail(err, "%s: dataset names too long", path);

    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    hid_t din = -1, dlab = -1;
    int rc = CT_ERR;
    ct_rows_info info;
    din = ct_h5_open_dataset(file, path, in_path, err);
    if (din < 0 || ct_shard_check_inputs(shard, din, path, in_path, &info, err) != CT_OK)
        goto done;
    shard->total_rows = (int64_t)info.dims[0];
    if (target) {
        dlab = ct_h5_open_dataset(file, path, tg_path, err);
        if (dlab < 0 ||
            ct_shard_check_labels(dlab, path, tg_path, in_path, shard->total_rows, shard, err) != CT_OK)
            goto done;
    }
    shard->sample_shape.ndim = info.rank - 1;
    for (int i = 1; i < info.rank; i++)
        shard->sample_shape.dim[i - 1] = (int64_t)info.dims[i];
    shard->sample_size = ct_shape_numel(&shard->sample_shape);
    shard->dtype = info.is_uint8 ? CT_DTYPE_UINT8 : CT_DTYPE_FLOAT32;
    shard->row_bytes = (size_t)shard->sample_size * ct_dtype_size(shard->dtype);
    shard->first_row = ct_shard_begin(shard->total_rows, rank, world);
    shard->nrows = ct_shard_begin(shard->total_rows, rank + 1, world) - shard->first_row;
    /* Labels are staged as int64 (8 bytes a row) before narrowing. */
    if (ct_rows_check_budget(path, in_path, shard->first_row, shard->nrows, (int64_t)shard->row_bytes, err) != CT_OK ||
        (target && ct_rows_check_budget(path, tg_path, shard->first_row, shard->nrows, 8, err) != CT_OK))
        goto done;
    void *values;
    if (ct_rows_read_values(din, info.is_uint8, shard->first_row, shard->nrows, shard->sample_size, &shard->dtype,
                            &values, &shard->scale, &shard->offset, path, in_path, err) != CT_OK)
        goto done;
    shard->values = values;
    if (target && ct_rows_read_ids(dlab, shard->first_row, shard->nrows, shard->num_classes, "label",
                                   &shard->labels, path, tg_path, err) != CT_OK)
        goto done;
    rc = CT_OK;
done:
    if (dlab >= 0)
        H5Dclose(dlab);
    if (din >= 0)
        H5Dclose(din);
    H5Fclose(file);
    if (rc != CT_OK)
        ct_shard_free(shard);
    return rc;
}

/* Checks the float targets dataset against the inputs' row count n and
 * takes its per-sample shape. */
static int ct_shard_check_targets(hid_t d, const char *file, const char *dpath, const char *in_path, int64_t n,
                                  ct_shape *shape, ct_error *err)
{
    ct_rows_info info;
    if (ct_rows_describe(d, file, dpath, &info, err) != CT_OK)
        return CT_ERR;
    if (info.cls != H5T_FLOAT)
        return ct_fail(err, "%s: %s: expected float targets (float32), found %s%s", file, dpath, info.type_name,
                       info.cls == H5T_INTEGER ? ": integer labels train a classifier" : "");
    if (info.rank < 1 || info.rank > CT_MAX_DIMS + 1)
        return ct_fail(err, "%s: %s: expected targets of shape [N] to [N, a, b, c, d], found %s (rank %d)", file,
                       dpath, info.shape, info.rank);
    if ((int64_t)info.dims[0] != n)
        return ct_fail(err, "%s: %s has %lld rows but %s has %lld: expected the same first dimension", file, dpath,
                       (long long)info.dims[0], in_path, (long long)n);
    *shape = ct_shape1(1); /* [N]: one value per sample */
    if (info.rank > 1)
        shape->ndim = info.rank - 1;
    for (int i = 1; i < info.rank; i++) {
        if (info.dims[i] == 0)
            return ct_fail(err, "%s: %s: expected targets with at least one value per sample, found shape %s", file,
                           dpath, info.shape);
        shape->dim[i - 1] = (int64_t)info.dims[i];
    }
    return CT_OK;
}

int ct_shard_read_targets(ct_shard *shard, const char *path, const char *split, const char *input,
                          const char *target, ct_error *err)
{
    char in_path[1024], tg_path[1024];
    if (ct_rows_path(in_path, sizeof in_path, split, input) != CT_OK ||
        ct_rows_path(tg_path, sizeof tg_path, split, target) != CT_OK)
        return ct_fail(err, "%s: dataset names too long", path);
    ct_free(shard->targets);
    shard->targets = NULL;
    shard->target_size = 0;
    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    ct_shape shape = {0, {0, 0, 0, 0}};
    hid_t d = ct_h5_open_dataset(file, path, tg_path, err);
    int rc = CT_ERR;
    if (d >= 0 && ct_shard_check_targets(d, path, tg_path, in_path, shard->total_rows, &shape, err) == CT_OK) {
        int64_t size = ct_shape_numel(&shape);
        ct_dtype dtype;
        void *values;
        float scale = 1.0f, offset = 0.0f; /* targets are taken as stored */
        if (ct_rows_check_budget(path, tg_path, shard->first_row, shard->nrows, size * (int64_t)sizeof(float),
                                 err) == CT_OK &&
            ct_rows_read_values(d, false, shard->first_row, shard->nrows, size, &dtype, &values, &scale, &offset, path,
                                tg_path, err) == CT_OK) {
            shard->targets = values;
            shard->target_shape = shape;
            shard->target_size = size;
            rc = CT_OK;
        }
    }
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(file);
    return rc;
}

/* Checks the lengths dataset: integer [N] with the inputs' row count n. */
static int ct_shard_check_lengths(hid_t d, const char *file, const char *dpath, const char *in_path, int64_t n,
                                  ct_error *err)
{
    ct_rows_info info;
    if (ct_rows_describe(d, file, dpath, &info, err) != CT_OK)
        return CT_ERR;
    if (info.cls != H5T_INTEGER || info.rank != 1)
        return ct_fail(err, "%s: %s: expected integer lengths of shape [N], found %s %s", file, dpath, info.type_name,
                       info.shape);
    if ((int64_t)info.dims[0] != n)
        return ct_fail(err, "%s: %s has %lld rows but %s has %lld: expected the same first dimension", file, dpath,
                       (long long)info.dims[0], in_path, (long long)n);
    return CT_OK;
}

int ct_shard_read_lengths(ct_shard *shard, const char *path, const char *split, const char *input,
                          const char *lengths, ct_error *err)
{
    char in_path[1024], len_path[1024];
    if (ct_rows_path(in_path, sizeof in_path, split, input) != CT_OK ||
        ct_rows_path(len_path, sizeof len_path, split, lengths) != CT_OK)
        return ct_fail(err, "%s: dataset names too long", path);
    ct_free(shard->lengths);
    shard->lengths = NULL;
    if (shard->sample_shape.ndim < 1)
        return ct_fail(err, "%s: %s: lengths need sequence samples [T] or [T, F] in %s, found single values", path,
                       len_path, in_path);
    int64_t steps = shard->sample_shape.dim[0];
    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    hid_t d = ct_h5_open_dataset(file, path, len_path, err);
    int32_t *values = NULL;
    int rc = CT_ERR;
    if (d >= 0 && ct_shard_check_lengths(d, path, len_path, in_path, shard->total_rows, err) == CT_OK &&
        ct_rows_check_budget(path, len_path, shard->first_row, shard->nrows, 8, err) == CT_OK &&
        ct_rows_read_ids(d, shard->first_row, shard->nrows, 0, "length", &values, path, len_path, err) == CT_OK) {
        rc = CT_OK;
        for (int64_t i = 0; i < shard->nrows && rc == CT_OK; i++)
            if (values[i] < 1 || values[i] > steps)
                rc = ct_fail(err, "%s: %s: row %lld: expected a length in [1, %lld] (the steps of %s), found %d",
                             path, len_path, (long long)(shard->first_row + i), (long long)steps, in_path,
                             values[i]);
    }
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(file);
    if (rc == CT_OK)
        shard->lengths = values;
    else
        ct_free(values);
    return rc;
}
