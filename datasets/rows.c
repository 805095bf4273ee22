/* Row ranges of a split's datasets: describing, budgeting, reading and
 * converting them. See rows.h for the contracts. */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) on Linux */
#include "datasets/rows.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "datasets/h5util.h"
#include "engine/alloc.h"

size_t ct_dtype_size(ct_dtype t)
{
    return t == CT_DTYPE_UINT8 ? 1 : 4;
}

void ct_dtype_to_float(float *out, const void *values, ct_dtype t, size_t count, float scale, float offset)
{
    const unsigned char *in = values;
    switch (t) {
    case CT_DTYPE_UINT8:
        for (size_t i = 0; i < count; i++)
            out[i] = (float)in[i] * scale + offset;
        break;
    case CT_DTYPE_FLOAT32:
        memcpy(out, in, count * sizeof *out);
        break;
    case CT_DTYPE_INT32:
        for (size_t i = 0; i < count; i++) {
            int32_t v;
            memcpy(&v, in + i * sizeof v, sizeof v);
            out[i] = (float)v;
        }
        break;
    }
}

int ct_rows_path(char *buf, size_t size, const char *split, const char *name)
{
    while (*split == '/')
        split++;
    size_t len = strlen(split);
    while (len > 0 && split[len - 1] == '/')
        len--;
    int n = snprintf(buf, size, "/%.*s/%s", (int)len, split, name);
    return n > 0 && (size_t)n < size ? CT_OK : CT_ERR;
}

int ct_rows_describe(hid_t d, const char *file, const char *dpath, ct_rows_info *info, ct_error *err)
{
    memset(info, 0, sizeof *info);
    hid_t type = H5Dget_type(d);
    hid_t space = H5Dget_space(d);
    int rc = CT_OK;
    if (type < 0 || space < 0) {
        char detail[512];
        rc = ct_fail(err, "%s: %s: HDF5 cannot read its type or shape: corrupt file? (HDF5: %s)", file, dpath,
                     ct_h5_error_detail(detail, sizeof detail));
    } else {
        info->cls = H5Tget_class(type);
        info->is_uint8 = info->cls == H5T_INTEGER && H5Tget_size(type) == 1 && H5Tget_sign(type) == H5T_SGN_NONE;
        ct_h5_type_name(type, info->type_name, sizeof info->type_name);
        ct_h5_space_str(space, info->shape, sizeof info->shape);
        if (H5Sget_simple_extent_type(space) == H5S_SIMPLE)
            info->rank = H5Sget_simple_extent_dims(space, info->dims, NULL);
        if (info->rank < 0)
            info->rank = 0;
        /* Sizes are counted in int64: rows below 2^63, and a row of at
         * most 2^60 values, whose bytes (8 at most each) still fit. The
         * memory budget then refuses what is merely too large. */
        const uint64_t most = (uint64_t)1 << 60;
        uint64_t row_values = 1;
        for (int i = 1; i < info->rank && rc == CT_OK; i++)
            if (info->dims[i] > most || (info->dims[i] && row_values > most / info->dims[i]))
                rc = ct_fail(err, "%s: %s: shape %s: a row of more than 2^60 values cannot be held", file, dpath,
                             info->shape);
            else
                row_values *= info->dims[i];
        if (rc == CT_OK && info->rank > 0 && info->dims[0] > (uint64_t)INT64_MAX)
            rc = ct_fail(err, "%s: %s: shape %s: more than 2^63 rows cannot be counted", file, dpath, info->shape);
        if (rc == CT_OK && ct_h5_check_filters(d, err) != CT_OK)
            rc = ct_fail_context(err, "%s: %s", file, dpath);
    }
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Reads an optional numeric attribute that must be finite as a float32. */
static int ct_rows_attr_float(hid_t d, const char *name, float *value, const char *file, const char *dpath,
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

int ct_rows_scale(hid_t d, const char *file, const char *dpath, bool is_uint8, float *scale, float *offset,
                  ct_error *err)
{
    *scale = is_uint8 ? 1.0f / 255.0f : 1.0f;
    *offset = 0.0f;
    if (ct_rows_attr_float(d, "scale", scale, file, dpath, err) != CT_OK ||
        ct_rows_attr_float(d, "offset", offset, file, dpath, err) != CT_OK)
        return CT_ERR;
    /* x*scale + offset over [0, 255] is finite iff it is at both ends. */
    if (is_uint8 && !isfinite(255.0f * *scale + *offset))
        return ct_fail(err, "%s: %s: scale %g and offset %g overflow float32 for uint8 values", file, dpath,
                       (double)*scale, (double)*offset);
    return CT_OK;
}

int ct_rows_check_budget(const char *file, const char *dpath, int64_t first, int64_t n, int64_t row_bytes,
                         ct_error *err)
{
    double bytes = (double)n * (double)row_bytes;
    char what[1400];
    snprintf(what, sizeof what, "%s: %s: rows [%lld, %lld) of %lld bytes", file, dpath, (long long)first,
             (long long)(first + n), (long long)row_bytes);
    if (bytes >= (double)SIZE_MAX) /* beyond any address space, budget or not */
        return ct_fail(err, "%s do not fit in memory", what);
    return ct_alloc_check(bytes, what, err);
}

int ct_rows_read(hid_t d, hid_t mem_type, int64_t first, int64_t n, void *buf, const char *file, const char *dpath,
                 ct_error *err)
{
    if (n == 0)
        return CT_OK;
    hid_t fspace = H5Dget_space(d);
    hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(fspace, count, NULL);
    start[0] = (hsize_t)first;
    count[0] = (hsize_t)n;
    /* The memory space has the selection's shape: with a 1-D one, HDF5
     * 1.10 reads a chunked Fashion-MNIST /train in 1.9 s instead of 7 ms. */
    hid_t mspace = H5Screate_simple(H5Sget_simple_extent_ndims(fspace), count, NULL);
    int rc = CT_OK;
    char detail[512];
    if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dread(d, mem_type, mspace, fspace, H5P_DEFAULT, buf) < 0)
        rc = ct_fail(err, "%s: %s: HDF5 cannot read rows [%lld, %lld): truncated or corrupt file? (HDF5: %s)", file,
                     dpath, (long long)first, (long long)(first + n), ct_h5_error_detail(detail, sizeof detail));
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc;
}

/* Index of the first non-finite element of x[n], or -1. */
static int64_t ct_rows_first_nonfinite(const float *x, int64_t n)
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
 * is costly (filling 188 MB of floats took 0.9-1.3 s with 4 KB pages, 0.5 s
 * with huge pages). Advice only: errors are ignored. */
static void ct_rows_advise_huge(void *buf, size_t size)
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

/* Applies x*scale + offset to float values and checks that they are finite. */
static int ct_rows_scale_floats(float *x, int64_t n, int64_t row_values, int64_t first, float scale, float offset,
                                const char *file, const char *dpath, ct_error *err)
{
    bool scaled = scale != 1.0f || offset != 0.0f;
    if (scaled)
        for (int64_t i = 0; i < n * row_values; i++)
            x[i] = x[i] * scale + offset;
    int64_t bad = ct_rows_first_nonfinite(x, n * row_values);
    if (bad < 0)
        return CT_OK;
    int64_t row = bad / row_values;
    return ct_fail(err, "%s: %s: row %lld: expected finite values, found %g (element %lld of the row%s)", file, dpath,
                   (long long)(first + row), (double)x[bad], (long long)(bad - row * row_values),
                   scaled ? ", after scale and offset" : "");
}

int ct_rows_read_values(hid_t d, bool is_uint8, int64_t first, int64_t n, int64_t row_values, ct_dtype *dtype,
                        void **values, float *scale, float *offset, const char *file, const char *dpath,
                        ct_error *err)
{
    *dtype = is_uint8 ? CT_DTYPE_UINT8 : CT_DTYPE_FLOAT32;
    *values = NULL;
    size_t bytes = (size_t)n * (size_t)row_values * ct_dtype_size(*dtype);
    void *buf = ct_malloc(bytes);
    ct_rows_advise_huge(buf, bytes);
    int rc = ct_rows_read(d, is_uint8 ? H5T_NATIVE_UINT8 : H5T_NATIVE_FLOAT, first, n, buf, file, dpath, err);
    if (rc == CT_OK && !is_uint8) {
        rc = ct_rows_scale_floats(buf, n, row_values, first, *scale, *offset, file, dpath, err);
        *scale = 1.0f;
        *offset = 0.0f;
    }
    if (rc != CT_OK) {
        ct_free(buf);
        return CT_ERR;
    }
    *values = buf;
    return CT_OK;
}

int ct_rows_read_ids(hid_t d, int64_t first, int64_t n, int64_t num_classes, const char *noun, int32_t **ids,
                     const char *file, const char *dpath, ct_error *err)
{
    *ids = NULL;
    int64_t *wide = ct_malloc((size_t)n * sizeof *wide);
    if (ct_rows_read(d, H5T_NATIVE_INT64, first, n, wide, file, dpath, err) != CT_OK) {
        ct_free(wide);
        return CT_ERR;
    }
    int64_t limit = num_classes ? num_classes : (int64_t)INT32_MAX + 1;
    for (int64_t i = 0; i < n; i++) {
        if (wide[i] >= 0 && wide[i] < limit)
            continue;
        long long v = (long long)wide[i], row = (long long)(first + i);
        ct_free(wide);
        if (num_classes)
            return ct_fail(err, "%s: %s: row %lld: expected a %s in [0, %lld) (num_classes %lld), found %lld", file,
                           dpath, row, noun, (long long)num_classes, (long long)num_classes, v);
        if (v < 0)
            return ct_fail(err, "%s: %s: row %lld: expected a %s >= 0, found %lld", file, dpath, row, noun, v);
        return ct_fail(err, "%s: %s: row %lld: expected a %s <= %d, found %lld", file, dpath, row, noun, INT32_MAX, v);
    }
    /* Narrow in place, so that no second buffer is needed: id i goes to
     * bytes [4i, 4i + 4), which hold only int64 values already read. */
    unsigned char *bytes = (unsigned char *)wide;
    for (int64_t i = 0; i < n; i++) {
        int64_t v;
        memcpy(&v, bytes + 8 * i, sizeof v);
        int32_t id = (int32_t)v;
        memcpy(bytes + 4 * i, &id, sizeof id);
    }
    *ids = ct_realloc(wide, (size_t)n * sizeof **ids);
    return CT_OK;
}
