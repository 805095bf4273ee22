/* The FID of two feature matrices, for test_fid_scipy.py to check against
 * scipy: fid_dump FEATURES.h5 CHUNK OUT.h5 reads /a [na, d] and /b [nb, d]
 * (float32), accumulates a in chunks of CHUNK rows and b as two halves
 * merged, prints "fid <value>" and writes the statistics it used to OUT.h5:
 * /mean_a, /mean_b [d], /cov_a, /cov_b [d, d] (float64). */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "cluster/analysis/fid.h"
#include "engine/alloc.h"

/* name[rows, cols] as floats, or NULL (with a message). */
static float *read_matrix(hid_t file, const char *name, hsize_t dims[2])
{
    hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
    if (set < 0) {
        fprintf(stderr, "fid_dump: no dataset /%s\n", name);
        return NULL;
    }
    hid_t space = H5Dget_space(set);
    float *x = NULL;
    if (H5Sget_simple_extent_ndims(space) != 2)
        fprintf(stderr, "fid_dump: /%s is not a matrix\n", name);
    else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        x = CT_ALLOC_ARRAY(float, dims[0] * dims[1]);
        if (H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0) {
            fprintf(stderr, "fid_dump: cannot read /%s\n", name);
            ct_free(x);
            x = NULL;
        }
    }
    H5Sclose(space);
    H5Dclose(set);
    return x;
}

/* 0 when written. */
static int write_doubles(hid_t file, const char *name, int rank, const hsize_t *dims, const double *data)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t set = H5Dcreate2(file, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = set < 0 || H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0;
    if (set >= 0)
        H5Dclose(set);
    H5Sclose(space);
    if (bad)
        fprintf(stderr, "fid_dump: cannot write /%s\n", name);
    return bad;
}

/* The statistics of a[na, d] (in chunks of `chunk` rows) and of b[nb, d]
 * (two halves, merged) into *sa and *sb. 0 when done. */
static int accumulate(ct_fid_stats *sa, ct_fid_stats *sb, const float *xa, const hsize_t *dims_a, const float *xb,
                      const hsize_t *dims_b, int64_t chunk)
{
    int64_t na = (int64_t)dims_a[0], d = (int64_t)dims_a[1], nb = (int64_t)dims_b[0], db = (int64_t)dims_b[1];
    ct_fid_stats half = {0};
    ct_error err;
    int rc = ct_fid_stats_init(sa, d, &err) != CT_OK || ct_fid_stats_init(sb, db, &err) != CT_OK ||
             ct_fid_stats_init(&half, db, &err) != CT_OK;
    if (!rc) {
        for (int64_t r = 0; r < na; r += chunk)
            ct_fid_stats_add(sa, xa + r * d, na - r < chunk ? na - r : chunk);
        ct_fid_stats_add(sb, xb, nb / 2);
        ct_fid_stats_add(&half, xb + nb / 2 * db, nb - nb / 2);
        rc = ct_fid_stats_merge(sb, &half, &err) != CT_OK;
    }
    if (rc)
        fprintf(stderr, "fid_dump: %s\n", err.msg);
    ct_fid_stats_free(&half);
    return rc;
}

/* Writes the means and covariances of a and b to path. 0 when done. */
static int write_stats(const char *path, const ct_fid_stats *a, const ct_fid_stats *b)
{
    hid_t out = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (out < 0) {
        fprintf(stderr, "fid_dump: cannot create %s\n", path);
        return 1;
    }
    int64_t d = a->d;
    double *cov_a = CT_ALLOC_ARRAY(double, d * d), *cov_b = CT_ALLOC_ARRAY(double, d * d);
    ct_fid_stats_covariance(cov_a, a);
    ct_fid_stats_covariance(cov_b, b);
    hsize_t mean_dims[1] = {(hsize_t)d}, cov_dims[2] = {(hsize_t)d, (hsize_t)d};
    int rc = write_doubles(out, "mean_a", 1, mean_dims, ct_fid_stats_mean(a)) |
             write_doubles(out, "mean_b", 1, mean_dims, ct_fid_stats_mean(b)) |
             write_doubles(out, "cov_a", 2, cov_dims, cov_a) | write_doubles(out, "cov_b", 2, cov_dims, cov_b);
    if (H5Fclose(out) < 0)
        rc = 1;
    ct_free(cov_b);
    ct_free(cov_a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 4 || atoll(argv[2]) < 1) {
        fprintf(stderr, "usage: fid_dump FEATURES.h5 CHUNK OUT.h5\n");
        return 2;
    }
    hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        fprintf(stderr, "fid_dump: cannot open %s\n", argv[1]);
        return 1;
    }
    hsize_t dims_a[2], dims_b[2];
    float *xa = read_matrix(file, "a", dims_a), *xb = read_matrix(file, "b", dims_b);
    H5Fclose(file);
    ct_fid_stats a = {0}, b = {0};
    int rc = !xa || !xb || accumulate(&a, &b, xa, dims_a, xb, dims_b, atoll(argv[2]));
    if (!rc) {
        double fid;
        ct_error err;
        rc = ct_fid(&a, &b, &fid, &err) != CT_OK;
        if (rc)
            fprintf(stderr, "fid_dump: %s\n", err.msg);
        else {
            printf("fid %.17g\n", fid);
            rc = write_stats(argv[3], &a, &b);
        }
    }
    ct_fid_stats_free(&b);
    ct_fid_stats_free(&a);
    ct_free(xb);
    ct_free(xa);
    return rc;
}
