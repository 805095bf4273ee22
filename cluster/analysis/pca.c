#include "cluster/analysis/pca.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>

#include "engine/alloc.h"

#define ROWS_PER_BLOCK 1024

/* cov[d, d] (upper triangle) = sum over rows of (x - mean)(x - mean)^T / (n - 1),
 * in blocks of centred rows converted to double. */
static void covariance(double *cov, const double *mean, const float *x, int64_t n, int64_t d)
{
    double *block = CT_ALLOC_ARRAY(double, (size_t)ROWS_PER_BLOCK * (size_t)d);
    for (int64_t r0 = 0; r0 < n; r0 += ROWS_PER_BLOCK) {
        int64_t rows = n - r0 < ROWS_PER_BLOCK ? n - r0 : ROWS_PER_BLOCK;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < d; j++)
                block[i * d + j] = (double)x[(r0 + i) * d + j] - mean[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)rows, 1.0 / (double)(n - 1), block,
                    (int)d, r0 == 0 ? 0.0 : 1.0, cov, (int)d);
    }
    ct_free(block);
}

int ct_pca_project(float *out, const float *x, int64_t n, int64_t d, int k, double *explained, ct_error *err)
{
    if (n < 2 || k < 1 || k > d)
        return ct_fail(err, "principal components: need at least 2 rows and 1 <= k <= %lld, found %lld rows, k = %d",
                       (long long)d, (long long)n, k);
    double *mean = CT_ALLOC_ARRAY(double, (size_t)d);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            mean[j] += x[i * d + j];
    for (int64_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    double *cov = CT_ALLOC_ARRAY(double, (size_t)d * (size_t)d);
    covariance(cov, mean, x, n, d);
    double total = 0;
    for (int64_t j = 0; j < d; j++)
        total += cov[j * d + j];

    double *values = CT_ALLOC_ARRAY(double, (size_t)d);
    double *vectors = CT_ALLOC_ARRAY(double, (size_t)d * (size_t)k); /* [d, k], eigenvalues ascending */
    lapack_int *support = CT_ALLOC_ARRAY(lapack_int, 2 * (size_t)k);
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, cov, (lapack_int)d, 0, 0,
                                     (lapack_int)(d - k + 1), (lapack_int)d, 0, &found, values, vectors, k,
                                     support);
    int rc = CT_OK;
    if (info != 0 || found != k) {
        rc = ct_fail(err, "principal components: LAPACK dsyevr failed (info %d, %d of %d eigenpairs)", (int)info,
                     (int)found, k);
    } else {
        double kept = 0;
        for (int c = 0; c < k; c++) {
            int col = k - 1 - c; /* the largest eigenvalue first */
            kept += values[col];
            int64_t big = 0;
            for (int64_t j = 1; j < d; j++)
                if (fabs(vectors[j * k + col]) > fabs(vectors[big * k + col]))
                    big = j;
            double sign = vectors[big * k + col] < 0 ? -1.0 : 1.0;
            for (int64_t i = 0; i < n; i++) {
                double s = 0;
                for (int64_t j = 0; j < d; j++)
                    s += ((double)x[i * d + j] - mean[j]) * vectors[j * k + col];
                out[i * k + c] = (float)(sign * s);
            }
        }
        if (explained)
            *explained = total > 0 ? kept / total : 0;
    }
    ct_free(support);
    ct_free(vectors);
    ct_free(values);
    ct_free(cov);
    ct_free(mean);
    return rc;
}
