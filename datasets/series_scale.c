#include "datasets/series_scale.h"

#include <stdio.h>
#include <string.h>

#include "datasets/h5util.h"
#include "datasets/rows.h"
#include "engine/alloc.h"

/* Element `index` of the numeric attribute `name` of d, of `count` elements. */
static int attr_element(hid_t d, const char *name, size_t count, size_t index, double *value, const char *where,
                        ct_error *err)
{
    int64_t n = ct_h5_attr_numel(d, name, err);
    if (n < 0)
        return ct_fail_context(err, "%s", where);
    if ((size_t)n != count)
        return ct_fail(err, "%s: attribute %s: expected %zu values (one per column), found %lld", where, name, count,
                       (long long)n);
    double *values = CT_ALLOC_ARRAY(double, count);
    hid_t a = H5Aopen(d, name, H5P_DEFAULT);
    herr_t rc = a >= 0 ? H5Aread(a, H5T_NATIVE_DOUBLE, values) : -1;
    if (a >= 0)
        H5Aclose(a);
    *value = values[index];
    ct_free(values);
    if (rc < 0)
        return ct_fail(err, "%s: attribute %s: HDF5 cannot read it as numbers", where, name);
    return CT_OK;
}

static int read_scale(hid_t din, hid_t dtg, const char *in_where, const char *tg_where, ct_series_scale *s,
                      ct_error *err)
{
    static const char *const need[] = {"columns", "mean", "std"};
    for (int i = 0; i < 3; i++)
        if (!ct_h5_has_attr(din, need[i]) || !ct_h5_has_attr(dtg, i ? need[i] : "column"))
            return ct_fail(err, "%s: expected attributes columns, mean and std (and column, mean and std on %s): not "
                                "a series imported by ctrain data import csv?", in_where, tg_where);
    char *column = NULL, **columns = NULL;
    size_t ncols = 0;
    int rc = CT_ERR;
    if (ct_h5_attr_string(dtg, "column", &column, err) != CT_OK ||
        ct_h5_attr_strings(din, "columns", &columns, &ncols, err) != CT_OK) {
        ct_fail_context(err, "%s", tg_where);
        goto done;
    }
    snprintf(s->column, sizeof s->column, "%s", column);
    for (s->input_column = 0; (size_t)s->input_column < ncols; s->input_column++)
        if (strcmp(columns[s->input_column], column) == 0)
            break;
    if ((size_t)s->input_column == ncols) {
        ct_fail(err, "%s: the target column %s is not one of the inputs' columns: the baselines need its past values",
                tg_where, column);
        goto done;
    }
    if (ct_h5_attr_double(dtg, "mean", &s->target_mean, err) != CT_OK ||
        ct_h5_attr_double(dtg, "std", &s->target_std, err) != CT_OK) {
        ct_fail_context(err, "%s", tg_where);
        goto done;
    }
    if (attr_element(din, "mean", ncols, (size_t)s->input_column, &s->input_mean, in_where, err) != CT_OK ||
        attr_element(din, "std", ncols, (size_t)s->input_column, &s->input_std, in_where, err) != CT_OK)
        goto done;
    if (!(s->target_std > 0) || !(s->input_std > 0)) {
        ct_fail(err, "%s: attribute std: expected a positive number, found %g", s->target_std > 0 ? in_where : tg_where,
                s->target_std > 0 ? s->input_std : s->target_std);
        goto done;
    }
    rc = CT_OK;
done:
    ct_free(column);
    if (columns)
        ct_h5_free_strings(columns, ncols);
    return rc;
}

int ct_series_scale_read(const char *path, const char *split, const char *input, const char *target,
                         ct_series_scale *scale, ct_error *err)
{
    char in_path[1024], tg_path[1024], in_where[2200], tg_where[2200];
    if (ct_rows_path(in_path, sizeof in_path, split, input) != CT_OK ||
        ct_rows_path(tg_path, sizeof tg_path, split, target) != CT_OK)
        return ct_fail(err, "%s: dataset names too long", path);
    snprintf(in_where, sizeof in_where, "%s: %s", path, in_path);
    snprintf(tg_where, sizeof tg_where, "%s: %s", path, tg_path);
    hid_t file = ct_h5_open_file(path, H5F_ACC_RDONLY, err);
    if (file < 0)
        return CT_ERR;
    hid_t din = ct_h5_open_dataset(file, path, in_path, err);
    hid_t dtg = din >= 0 ? ct_h5_open_dataset(file, path, tg_path, err) : -1;
    int rc = dtg >= 0 ? read_scale(din, dtg, in_where, tg_where, scale, err) : CT_ERR;
    if (dtg >= 0)
        H5Dclose(dtg);
    if (din >= 0)
        H5Dclose(din);
    H5Fclose(file);
    return rc;
}
