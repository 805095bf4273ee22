/* A rank's contiguous slice of a split: one hyperslab read per dataset. */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) on Linux */
#include "datasets/shard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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

void ct_shard_free(ct_shard *shard)
{
    if (!shard)
        return;
    ct_free(shard->inputs);
    ct_free(shard->labels);
    memset(shard, 0, sizeof *shard);
}

/* What the inputs dataset holds. */
typedef struct ct_inputs_info {
    int is_uint8;       /* else a float type, read as float32 */
    int rank;           /* of the dataset: 1 + sample dims */
    hsize_t dims[CT_MAX_DIMS + 1];
    float scale, offset;
} ct_inputs_info;

/* Reads an optional numeric attribute that must be finite. */
static int ct_shard_attr_float(hid_t d, const char *name, float *value, const char *file, const char *dpath,
                               ct_error *err)
{
    if (!ct_h5_has_attr(d, name))
        return CT_OK;
    double v;
    if (ct_h5_attr_double(d, name, &v, err) != CT_OK)
        return ct_fail_context(err, "%s: %s", file, dpath);
    if (!isfinite(v) || !isfinite((float)v))
        return ct_fail(err, "%s: %s: attribute %s: expected a finite float32, found %g", file, dpath, name, v);
    *value = (float)v;
    return CT_OK;
}

static int ct_shard_check_inputs(hid_t d, const char *file, const char *dpath, ct_inputs_info *info,
                                 ct_error *err)
{
    char tname[64], shape[256];
    hid_t type = H5Dget_type(d);
    hid_t space = H5Dget_space(d);
    int rc = CT_ERR;
    if (type < 0 || space < 0) {
        char detail[512];
        ct_fail(err, "%s: %s: HDF5 cannot read its type or shape: corrupt file? (HDF5: %s)", file, dpath,
                ct_h5_error_detail(detail, sizeof detail));
        goto done;
    }
    H5T_class_t cls = H5Tget_class(type);
    info->is_uint8 = cls == H5T_INTEGER && H5Tget_size(type) == 1 && H5Tget_sign(type) == H5T_SGN_NONE;
    if (!info->is_uint8 && cls != H5T_FLOAT) {
        ct_fail(err, "%s: %s: expected inputs of type uint8 or float32, found %s", file, dpath,
                ct_h5_type_name(type, tname, sizeof tname));
        goto done;
    }
    ct_h5_space_str(space, shape, sizeof shape);
    int rank = H5Sget_simple_extent_type(space) == H5S_SIMPLE ? H5Sget_simple_extent_ndims(space) : 0;
    if (rank < 1) {
        ct_fail(err, "%s: %s: expected inputs of shape [N, ...] (rank >= 1), found %s (rank 0)", file, dpath,
                shape);
        goto done;
    }
    if (rank > CT_MAX_DIMS + 1) {
        ct_fail(err, "%s: %s: expected inputs of rank <= %d ([N, C, H, W] at most), found %s (rank %d)", file,
                dpath, CT_MAX_DIMS + 1, shape, rank);
        goto done;
    }
    info->rank = rank;
    H5Sget_simple_extent_dims(space, info->dims, NULL);
    for (int i = 1; i < rank; i++)
        if (info->dims[i] == 0) {
            ct_fail(err, "%s: %s: expected samples with at least one value, found shape %s", file, dpath, shape);
            goto done;
        }
    if (info->dims[0] == 0) {
        ct_fail(err, "%s: %s: expected at least one row, found an empty split (shape %s)", file, dpath, shape);
        goto done;
    }
    if (ct_h5_check_filters(d, err) != CT_OK) {
        ct_fail_context(err, "%s: %s", file, dpath);
        goto done;
    }
    info->scale = info->is_uint8 ? 1.0f / 255.0f : 1.0f;
    info->offset = 0.0f;
    if (ct_shard_attr_float(d, "scale", &info->scale, file, dpath, err) != CT_OK ||
        ct_shard_attr_float(d, "offset", &info->offset, file, dpath, err) != CT_OK)
        goto done;
    /* x*scale + offset over [0, 255] is finite iff it is at both ends. */
    if (info->is_uint8 && !isfinite(255.0f * info->scale + info->offset)) {
        ct_fail(err, "%s: %s: scale %g and offset %g overflow float32 for uint8 inputs", file, dpath,
                (double)info->scale, (double)info->offset);
        goto done;
    }
    rc = CT_OK;
done:
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Checks the labels dataset against the inputs' row count n, and finds the
 * number of classes (0 when the file does not say). */
static int ct_shard_check_labels(hid_t d, const char *file, const char *dpath, const char *in_path, int64_t n,
                                 int64_t *num_classes, ct_error *err)
{
    char tname[64], shape[256];
    hid_t type = H5Dget_type(d);
    hid_t space = H5Dget_space(d);
    int rc = CT_ERR;
    if (type < 0 || space < 0) {
        char detail[512];
        ct_fail(err, "%s: %s: HDF5 cannot read its type or shape: corrupt file? (HDF5: %s)", file, dpath,
                ct_h5_error_detail(detail, sizeof detail));
        goto done;
    }
    if (H5Tget_class(type) != H5T_INTEGER) {
        ct_fail(err, "%s: %s: expected integer labels, found %s", file, dpath,
                ct_h5_type_name(type, tname, sizeof tname));
        goto done;
    }
    ct_h5_space_str(space, shape, sizeof shape);
    int rank = H5Sget_simple_extent_type(space) == H5S_SIMPLE ? H5Sget_simple_extent_ndims(space) : 0;
    if (rank != 1) {
        ct_fail(err, "%s: %s: expected labels of shape [N] (rank 1), found %s (rank %d)", file, dpath, shape,
                rank);
        goto done;
    }
    hsize_t rows;
    H5Sget_simple_extent_dims(space, &rows, NULL);
    if ((int64_t)rows != n) {
        ct_fail(err, "%s: %s has %lld rows but %s has %lld: expected the same first dimension", file, dpath,
                (long long)rows, in_path, (long long)n);
        goto done;
    }
    if (ct_h5_check_filters(d, err) != CT_OK) {
        ct_fail_context(err, "%s: %s", file, dpath);
        goto done;
    }
    int64_t classes = 0, names = 0;
    if (ct_h5_has_attr(d, "num_classes")) {
        if (ct_h5_attr_int64(d, "num_classes", &classes, err) != CT_OK) {
            ct_fail_context(err, "%s: %s", file, dpath);
            goto done;
        }
        if (classes <= 0 || classes > INT32_MAX) {
            ct_fail(err, "%s: %s: attribute num_classes: expected 1 to %d, found %lld", file, dpath, INT32_MAX,
                    (long long)classes);
            goto done;
        }
    }
    if (ct_h5_has_attr(d, "class_names")) {
        names = ct_h5_attr_numel(d, "class_names", err);
        if (names < 0) {
            ct_fail_context(err, "%s: %s", file, dpath);
            goto done;
        }
        if (classes && names != classes) {
            ct_fail(err, "%s: %s: attribute num_classes is %lld but class_names has %lld names: expected the same",
                    file, dpath, (long long)classes, (long long)names);
            goto done;
        }
    }
    *num_classes = classes ? classes : names;
    rc = CT_OK;
done:
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* One hyperslab read of rows [first, first + nrows) of d (all of each row)
 * as mem_type into buf. */
static int ct_shard_read_rows(hid_t d, hid_t mem_type, int64_t first, int64_t nrows, void *buf,
                              const char *file, const char *dpath, ct_error *err)
{
    if (nrows == 0)
        return CT_OK;
    hid_t fspace = H5Dget_space(d);
    hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(fspace, count, NULL);
    start[0] = (hsize_t)first;
    count[0] = (hsize_t)nrows;
    /* The memory space has the selection's shape: with a 1-D one, HDF5
     * 1.10 reads a chunked Fashion-MNIST /train in 1.9 s instead of 7 ms. */
    hid_t mspace = H5Screate_simple(H5Sget_simple_extent_ndims(fspace), count, NULL);
    int rc = CT_OK;
    char detail[512];
    if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dread(d, mem_type, mspace, fspace, H5P_DEFAULT, buf) < 0)
        rc = ct_fail(err, "%s: %s: HDF5 cannot read rows [%lld, %lld): truncated or corrupt file? (HDF5: %s)", file,
                     dpath, (long long)first, (long long)(first + nrows), ct_h5_error_detail(detail, sizeof detail));
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc;
}

/* Converts the count uint8 values stored in the last quarter of out's
 * 4*count bytes into floats x*scale + offset, in place: block i's floats
 * end at byte 4(i+m) <= 3*count + i + m, where the bytes still to be read
 * start, so no input is overwritten before it is read. */
static void ct_shard_u8_to_float(float *out, size_t count, float scale, float offset)
{
    const unsigned char *in = (const unsigned char *)out + 3 * count;
    unsigned char block[4096];
    for (size_t i = 0; i < count; i += sizeof block) {
        size_t m = count - i < sizeof block ? count - i : sizeof block;
        memcpy(block, in + i, m);
        float *o = out + i;
        for (size_t j = 0; j < m; j++)
            o[j] = (float)block[j] * scale + offset;
    }
}

/* Index of the first non-finite element of x[n], or -1. */
static int64_t ct_shard_first_nonfinite(const float *x, int64_t n)
{
    const int64_t step = 4096;
    for (int64_t i = 0; i < n; i += step) {
        int64_t m = n - i < step ? n - i : step;
        unsigned bad = 0;
        for (int64_t j = 0; j < m; j++) {
            uint32_t u;
            memcpy(&u, x + i + j, sizeof u);
            bad |= (u & 0x7f800000u) == 0x7f800000u;
        }
        if (bad)
            for (int64_t j = 0; j < m; j++)
                if (!isfinite(x[i + j]))
                    return i + j;
    }
    return -1;
}

/* Asks Linux for transparent huge pages over the 2 MB-aligned interior of a
 * large buffer, before it is first touched: in a VM every 4 KB page fault
 * is costly, and filling Fashion-MNIST's 188 MB of floats took 0.9-1.3 s
 * with 4 KB pages, 0.5 s with huge pages (and 0.02 s when the pages are
 * reused within the process). Advice only: errors are ignored. */
static void ct_shard_advise_huge(void *buf, size_t size)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)1 << 21;
    uintptr_t begin = ((uintptr_t)buf + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)buf + size) & ~(huge - 1);
    if (size >= 4 * huge && end > begin)
        madvise((void *)begin, end - begin, MADV_HUGEPAGE);
#else
    (void)buf;
    (void)size;
#endif
}

static int ct_shard_read_inputs(ct_shard *shard, hid_t d, const ct_inputs_info *info, const char *file,
                                const char *dpath, ct_error *err)
{
    int64_t count = shard->nrows * shard->sample_size;
    if (shard->sample_size > 0 && shard->nrows > (int64_t)(SIZE_MAX / 4 / (size_t)shard->sample_size))
        return ct_fail(err, "%s: %s: %lld rows of %lld values do not fit in memory", file, dpath,
                       (long long)shard->nrows, (long long)shard->sample_size);
    shard->inputs = ct_malloc((size_t)count * sizeof(float));
    ct_shard_advise_huge(shard->inputs, (size_t)count * sizeof(float));
    if (info->is_uint8) {
        /* Read the bytes into the tail of the float buffer, then widen. */
        unsigned char *bytes = (unsigned char *)shard->inputs + 3 * (size_t)count;
        if (ct_shard_read_rows(d, H5T_NATIVE_UINT8, shard->first_row, shard->nrows, bytes, file, dpath, err) != CT_OK)
            return CT_ERR;
        ct_shard_u8_to_float(shard->inputs, (size_t)count, info->scale, info->offset);
        return CT_OK;
    }
    if (ct_shard_read_rows(d, H5T_NATIVE_FLOAT, shard->first_row, shard->nrows, shard->inputs, file, dpath,
                           err) != CT_OK)
        return CT_ERR;
    if (info->scale != 1.0f || info->offset != 0.0f) {
        float *x = shard->inputs;
        for (int64_t i = 0; i < count; i++)
            x[i] = x[i] * info->scale + info->offset;
    }
    int64_t bad = ct_shard_first_nonfinite(shard->inputs, count);
    if (bad >= 0) {
        int64_t row = bad / (shard->sample_size ? shard->sample_size : 1);
        return ct_fail(err, "%s: %s: row %lld: expected finite inputs, found %g (element %lld of the row%s)", file,
                       dpath, (long long)(shard->first_row + row), (double)shard->inputs[bad],
                       (long long)(bad - row * shard->sample_size),
                       info->scale != 1.0f || info->offset != 0.0f ? ", after scale and offset" : "");
    }
    return CT_OK;
}

static int ct_shard_read_labels(ct_shard *shard, hid_t d, const char *file, const char *dpath, ct_error *err)
{
    int64_t n = shard->nrows;
    int64_t *wide = ct_malloc((size_t)n * sizeof *wide);
    if (ct_shard_read_rows(d, H5T_NATIVE_INT64, shard->first_row, n, wide, file, dpath, err) != CT_OK) {
        ct_free(wide);
        return CT_ERR;
    }
    int64_t limit = shard->num_classes ? shard->num_classes : (int64_t)INT32_MAX + 1;
    shard->labels = ct_malloc((size_t)n * sizeof *shard->labels);
    for (int64_t i = 0; i < n; i++) {
        if (wide[i] < 0 || wide[i] >= limit) {
            long long v = (long long)wide[i];
            ct_free(wide);
            long long row = (long long)(shard->first_row + i);
            if (shard->num_classes)
                return ct_fail(err, "%s: %s: row %lld: expected a label in [0, %lld) (num_classes %lld), found %lld",
                               file, dpath, row, (long long)shard->num_classes, (long long)shard->num_classes, v);
            if (v < 0)
                return ct_fail(err, "%s: %s: row %lld: expected a label >= 0 (a class index), found %lld", file,
                               dpath, row, v);
            return ct_fail(err, "%s: %s: row %lld: expected a label <= %d, found %lld", file, dpath, row, INT32_MAX,
                           v);
        }
        shard->labels[i] = (int32_t)wide[i];
    }
    ct_free(wide);
    return CT_OK;
}

/* "/" + split + "/" + name, tolerating a leading or trailing slash on split. */
static int ct_shard_path(char *buf, size_t size, const char *split, const char *name)
{
    while (*split == '/')
        split++;
    size_t len = strlen(split);
    while (len > 0 && split[len - 1] == '/')
        len--;
    int n = snprintf(buf, size, "/%.*s/%s", (int)len, split, name);
    return n > 0 && (size_t)n < size ? CT_OK : CT_ERR;
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
    if (ct_shard_path(in_path, sizeof in_path, split, input) != CT_OK ||
        (target && ct_shard_path(tg_path, sizeof tg_path, split, target) != CT_OK))
        return ct_fail(err, "%s: dataset names too long", path);

    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    hid_t din = -1, dlab = -1;
    int rc = CT_ERR;
    ct_inputs_info info;
    din = ct_h5_open_dataset(file, path, in_path, err);
    if (din < 0 || ct_shard_check_inputs(din, path, in_path, &info, err) != CT_OK)
        goto done;
    shard->total_rows = (int64_t)info.dims[0];
    if (target) {
        dlab = ct_h5_open_dataset(file, path, tg_path, err);
        if (dlab < 0 ||
            ct_shard_check_labels(dlab, path, tg_path, in_path, shard->total_rows, &shard->num_classes, err) != CT_OK)
            goto done;
    }
    shard->sample_shape.ndim = info.rank - 1;
    for (int i = 1; i < info.rank; i++)
        shard->sample_shape.dim[i - 1] = (int64_t)info.dims[i];
    shard->sample_size = ct_shape_numel(&shard->sample_shape);
    shard->first_row = ct_shard_begin(shard->total_rows, rank, world);
    shard->nrows = ct_shard_begin(shard->total_rows, rank + 1, world) - shard->first_row;
    if (ct_shard_read_inputs(shard, din, &info, path, in_path, err) != CT_OK)
        goto done;
    if (target && ct_shard_read_labels(shard, dlab, path, tg_path, err) != CT_OK)
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
