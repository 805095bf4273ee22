/* CSV series importer: numeric columns of a CSV file -> sliding windows
 * of inputs and the next values of a target column, split by time and
 * normalised with statistics of the training rows only. */
#include <math.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/h5util.h"
#include "datasets/import_common.h"
#include "datasets/importers.h"
#include "engine/alloc.h"

typedef struct series {
    const ct_csv_options *o;
    char **names;  /* [ncols]: the input columns, then the target when it is not one of them */
    size_t ncols, nin, target;
    ct_csv_columns data; /* [L, ncols] */
    double *mean, *std;  /* [ncols], over the training rows */
    int64_t train_rows;
} series;

/* The columns to read: --columns, and the target when it is another. */
static int choose_columns(const ct_csv_options *o, series *s, ct_error *err)
{
    if (ct_import_list(o->columns, "--columns", &s->names, &s->ncols, err) != CT_OK)
        return CT_ERR;
    s->nin = s->ncols;
    const char *target = o->target ? o->target : s->names[0];
    for (s->target = 0; s->target < s->ncols; s->target++)
        if (strcmp(s->names[s->target], target) == 0)
            return CT_OK;
    s->names = ct_realloc(s->names, ++s->ncols * sizeof *s->names);
    s->names[s->target] = ct_strdup(target);
    return CT_OK;
}

/* Fails unless a window and its horizon fit in the series and in each part. */
static int check_lengths(const series *s, ct_error *err)
{
    const ct_csv_options *o = s->o;
    int64_t L = s->data.rows, need = o->window + o->horizon, test = L - s->train_rows;
    if (need > L)
        return ct_fail(err, "%s: --window %lld + --horizon %lld = %lld rows: longer than the series, which has %lld",
                       o->path, (long long)o->window, (long long)o->horizon, (long long)need, (long long)L);
    if (need > s->train_rows || need > test)
        return ct_fail(err,
                       "%s: --window %lld + --horizon %lld = %lld rows: longer than the %s part, the %s %lld of the "
                       "%lld rows (test fraction %g)",
                       o->path, (long long)o->window, (long long)o->horizon, (long long)need,
                       need > s->train_rows ? "training" : "test", need > s->train_rows ? "first" : "last",
                       (long long)(need > s->train_rows ? s->train_rows : test), (long long)L, o->test_fraction);
    return CT_OK;
}

/* The mean and population standard deviation of each column over the
 * training rows; a constant column cannot be normalised. */
static int statistics(series *s, ct_error *err)
{
    int64_t R = s->train_rows, C = (int64_t)s->ncols;
    const double *v = s->data.values;
    s->mean = CT_ALLOC_ARRAY(double, C);
    s->std = CT_ALLOC_ARRAY(double, C);
    for (int64_t c = 0; c < C; c++) {
        double sum = 0.0, sq = 0.0;
        for (int64_t r = 0; r < R; r++)
            sum += v[r * C + c];
        s->mean[c] = sum / (double)R;
        for (int64_t r = 0; r < R; r++)
            sq += (v[r * C + c] - s->mean[c]) * (v[r * C + c] - s->mean[c]);
        s->std[c] = sqrt(sq / (double)R);
        if (!(s->std[c] > 0.0))
            return ct_fail(err, "%s: column '%s' is constant (%g) over the %lld training rows: cannot normalise it",
                           s->o->path, s->names[c], s->mean[c], (long long)R);
    }
    return CT_OK;
}

/* Writes /<split>/inputs and /<split>/targets: the windows of rows
 * [first, end). */
static int write_part(hid_t file, const series *s, const char *split, int64_t first, int64_t end, ct_error *err)
{
    int64_t W = s->o->window, H = s->o->horizon, F = (int64_t)s->nin, C = (int64_t)s->ncols;
    int64_t n = end - first - W - H + 1, t = (int64_t)s->target;
    const double *v = s->data.values;
    float *inputs = CT_ALLOC_ARRAY(float, n * W * F), *targets = CT_ALLOC_ARRAY(float, n * H);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t w = 0; w < W; w++)
            for (int64_t f = 0; f < F; f++)
                inputs[(i * W + w) * F + f] = (float)((v[(first + i + w) * C + f] - s->mean[f]) / s->std[f]);
        for (int64_t h = 0; h < H; h++)
            targets[i * H + h] = (float)((v[(first + i + W + h) * C + t] - s->mean[t]) / s->std[t]);
    }
    char path[64];
    hsize_t idims[3] = {(hsize_t)n, (hsize_t)W, (hsize_t)F}, tdims[2] = {(hsize_t)n, (hsize_t)H};
    snprintf(path, sizeof path, "/%s/inputs", split);
    hid_t d = ct_h5_write_dataset(file, path, H5T_NATIVE_FLOAT, 3, idims, NULL, 0, inputs, err);
    int rc = d >= 0 && ct_h5_write_attr_strings(d, "columns", (const char *const *)s->names, s->nin, err) == CT_OK &&
                     ct_h5_write_attr_array(d, "mean", H5T_NATIVE_DOUBLE, s->mean, s->nin, err) == CT_OK &&
                     ct_h5_write_attr_array(d, "std", H5T_NATIVE_DOUBLE, s->std, s->nin, err) == CT_OK
                 ? CT_OK
                 : CT_ERR;
    if (d >= 0)
        H5Dclose(d);
    snprintf(path, sizeof path, "/%s/targets", split);
    d = rc == CT_OK ? ct_h5_write_dataset(file, path, H5T_NATIVE_FLOAT, 2, tdims, NULL, 0, targets, err) : -1;
    rc = d >= 0 && ct_h5_write_attr_string(d, "column", s->names[t], err) == CT_OK &&
                 ct_h5_write_attr_double(d, "mean", s->mean[t], err) == CT_OK &&
                 ct_h5_write_attr_double(d, "std", s->std[t], err) == CT_OK
             ? CT_OK
             : CT_ERR;
    if (d >= 0)
        H5Dclose(d);
    ct_free(inputs);
    ct_free(targets);
    return rc;
}

/* /series/values: the raw rows, for plots and baselines. */
static int write_series(hid_t file, const series *s, ct_error *err)
{
    int64_t count = s->data.rows * (int64_t)s->ncols;
    float *raw = CT_ALLOC_ARRAY(float, count);
    for (int64_t i = 0; i < count; i++)
        raw[i] = (float)s->data.values[i];
    hsize_t dims[2] = {(hsize_t)s->data.rows, (hsize_t)s->ncols};
    hid_t d = ct_h5_write_dataset(file, "/series/values", H5T_NATIVE_FLOAT, 2, dims, NULL, 0, raw, err);
    ct_free(raw);
    int rc = d >= 0 &&
                     ct_h5_write_attr_strings(d, "columns", (const char *const *)s->names, s->ncols, err) == CT_OK &&
                     ct_h5_write_attr_int64(d, "test_start", s->train_rows, err) == CT_OK
                 ? CT_OK
                 : CT_ERR;
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

static int fill(hid_t file, const void *ctx, ct_error *err)
{
    const series *s = ctx;
    if (write_part(file, s, "train", 0, s->train_rows, err) != CT_OK ||
        write_part(file, s, "test", s->train_rows, s->data.rows, err) != CT_OK || write_series(file, s, err) != CT_OK)
        return CT_ERR;
    if (ct_h5_write_attr_int64(file, "window", s->o->window, err) != CT_OK)
        return CT_ERR;
    return ct_h5_write_attr_int64(file, "horizon", s->o->horizon, err);
}

int ct_import_csv(const ct_csv_options *o, const char *out_path, FILE *progress, ct_error *err)
{
    series s;
    memset(&s, 0, sizeof s);
    s.o = o;
    int64_t test = 0;
    int rc = CT_ERR;
    if (o->window < 1 || o->horizon < 1) {
        ct_fail(err, "%s: --window %lld, --horizon %lld: expected at least 1 row each", o->path,
                (long long)o->window, (long long)o->horizon);
        goto done;
    }
    if (ct_import_check_fraction(o->test_fraction, err) != CT_OK || choose_columns(o, &s, err) != CT_OK ||
        ct_csv_read_columns(o->path, s.names, s.ncols, &s.data, err) != CT_OK ||
        ct_import_test_rows(s.data.rows, o->test_fraction, &test, err) != CT_OK)
        goto done;
    s.train_rows = s.data.rows - test;
    if (check_lengths(&s, err) != CT_OK || statistics(&s, err) != CT_OK)
        goto done;
    if (progress)
        fprintf(progress,
                "%s: %lld rows of %zu column%s: %lld train rows (%lld windows), %lld test rows (%lld windows)\n",
                o->path, (long long)s.data.rows, s.ncols, s.ncols == 1 ? "" : "s", (long long)s.train_rows,
                (long long)(s.train_rows - o->window - o->horizon + 1), (long long)test,
                (long long)(test - o->window - o->horizon + 1));
    char source[4400];
    snprintf(source, sizeof source, "series imported by ctrain from %s, columns %s, target %s", o->path, o->columns,
             s.names[s.target]);
    rc = ct_import_write(out_path, "a CSV series", source, fill, &s, progress, err);
done:
    ct_h5_free_strings(s.names, s.ncols);
    ct_csv_columns_free(&s.data);
    ct_free(s.mean);
    ct_free(s.std);
    return rc;
}
