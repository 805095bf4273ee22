#include "cluster/analysis/fid.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>

#include "engine/alloc.h"

#define ROWS_PER_BLOCK 256
#define MAX_FEATURES 46340 /* the largest d with d * d <= INT_MAX */

int ct_fid_stats_init(ct_fid_stats *s, int64_t d, ct_error *err)
{
    s->d = 0;
    s->state = NULL;
    if (d < 1 || d > MAX_FEATURES)
        return ct_fail(err, "FID statistics: need 1 to %d features per row, found %lld", MAX_FEATURES,
                       (long long)d);
    char what[96];
    snprintf(what, sizeof what, "FID statistics of %lld features", (long long)d);
    if (ct_alloc_check(sizeof(double) * (double)CT_FID_STATE_SIZE(d), what, err) != CT_OK)
        return CT_ERR;
    s->d = d;
    s->state = CT_ALLOC_ARRAY(double, CT_FID_STATE_SIZE(d));
    return CT_OK;
}

void ct_fid_stats_free(ct_fid_stats *s)
{
    ct_free(s->state);
    s->state = NULL;
}

/* Folds a set of nb rows with mean mb (whose co-moments the caller has
 * already added to the upper triangle of s's) into s: Chan, Golub and
 * LeVeque's update, mean += delta nb / n, co-moments += delta delta^T na nb
 * / n with delta = mb - mean; then mirrors the upper triangle. */
static void fold(ct_fid_stats *s, double nb, const double *mb)
{
    int64_t d = s->d;
    double na = s->state[0], n = na + nb;
    double *mean = ct_fid_stats_mean(s), *m2 = ct_fid_stats_comoments(s);
    double *delta = CT_ALLOC_ARRAY(double, (size_t)d);
    for (int64_t j = 0; j < d; j++)
        delta[j] = mb[j] - mean[j];
    double w = na * nb / n;
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = i; j < d; j++)
            m2[i * d + j] += w * delta[i] * delta[j];
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < i; j++)
            m2[i * d + j] = m2[j * d + i];
    for (int64_t j = 0; j < d; j++)
        mean[j] += delta[j] * (nb / n);
    s->state[0] = n;
    ct_free(delta);
}

void ct_fid_stats_add(ct_fid_stats *s, const float *x, int64_t n)
{
    if (n <= 0)
        return;
    int64_t d = s->d;
    double *mb = CT_ALLOC_ARRAY(double, (size_t)d);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            mb[j] += x[i * d + j];
    for (int64_t j = 0; j < d; j++)
        mb[j] /= (double)n;
    /* The rows' own co-moments, about their own mean, straight into the
     * upper triangle of s's. */
    double *block = CT_ALLOC_ARRAY(double, (size_t)ROWS_PER_BLOCK * (size_t)d);
    for (int64_t r0 = 0; r0 < n; r0 += ROWS_PER_BLOCK) {
        int64_t rows = n - r0 < ROWS_PER_BLOCK ? n - r0 : ROWS_PER_BLOCK;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < d; j++)
                block[i * d + j] = (double)x[(r0 + i) * d + j] - mb[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)rows, 1.0, block, (int)d, 1.0,
                    ct_fid_stats_comoments(s), (int)d);
    }
    ct_free(block);
    fold(s, (double)n, mb);
    ct_free(mb);
}

int ct_fid_stats_merge(ct_fid_stats *into, const ct_fid_stats *from, ct_error *err)
{
    if (into->d != from->d)
        return ct_fail(err, "FID statistics: cannot merge rows of %lld features into rows of %lld",
                       (long long)from->d, (long long)into->d);
    int64_t d = into->d;
    double nb = ct_fid_stats_count(from);
    if (nb == 0)
        return CT_OK;
    double *m2 = ct_fid_stats_comoments(into);
    const double *m2b = ct_fid_stats_comoments(from);
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = i; j < d; j++)
            m2[i * d + j] += m2b[i * d + j];
    fold(into, nb, ct_fid_stats_mean(from));
    return CT_OK;
}

void ct_fid_stats_covariance(double *cov, const ct_fid_stats *s)
{
    const double *m2 = ct_fid_stats_comoments(s);
    double scale = 1.0 / (ct_fid_stats_count(s) - 1.0);
    for (int64_t k = 0; k < s->d * s->d; k++)
        cov[k] = m2[k] * scale;
}

/* 1 when s's count, mean or co-moments hold a number that is not finite,
 * the first of which goes into what ("mean[3] = nan"); 0 otherwise. */
static int not_finite(const ct_fid_stats *s, char *what, size_t size)
{
    int64_t d = s->d;
    for (int64_t k = 0; k < CT_FID_STATE_SIZE(d); k++) {
        double v = s->state[k];
        if (isfinite(v))
            continue;
        if (k == 0)
            snprintf(what, size, "count = %g", v);
        else if (k <= d)
            snprintf(what, size, "mean[%lld] = %g", (long long)(k - 1), v);
        else
            snprintf(what, size, "co-moment[%lld, %lld] = %g", (long long)((k - 1 - d) / d),
                     (long long)((k - 1 - d) % d), v);
        return 1;
    }
    return 0;
}

/* Eigenvalues of the symmetric m[d, d] (upper triangle read, m destroyed)
 * into values[d], ascending, and their eigenvectors into the columns of
 * vectors[d, d] when vectors is not NULL. Returns LAPACK's info. */
static lapack_int eigen(double *values, double *vectors, double *m, int64_t d)
{
    lapack_int *support = CT_ALLOC_ARRAY(lapack_int, 2 * (size_t)d);
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, vectors ? 'V' : 'N', 'A', 'U', (lapack_int)d, m,
                                     (lapack_int)d, 0, 0, 0, 0, 0, &found, values, vectors ? vectors : m,
                                     (lapack_int)d, support);
    ct_free(support);
    return info;
}

int ct_fid(const ct_fid_stats *a, const ct_fid_stats *b, double *fid, ct_error *err)
{
    if (a->d != b->d)
        return ct_fail(err, "FID: the two sets must have the same number of features, found %lld and %lld",
                       (long long)a->d, (long long)b->d);
    const ct_fid_stats *sets[2] = {a, b};
    const char *names[2] = {"first", "second"};
    for (int s = 0; s < 2; s++) {
        char what[96];
        if (not_finite(sets[s], what, sizeof what))
            return ct_fail(err, "FID: the %s set's statistics are not finite (%s); were its features?", names[s],
                           what);
        if (ct_fid_stats_count(sets[s]) < 2)
            return ct_fail(err, "FID: a covariance needs at least 2 rows, the %s set has %.0f", names[s],
                           ct_fid_stats_count(sets[s]));
    }
    int64_t d = a->d;
    size_t dd = (size_t)d * (size_t)d;
    /* Three [d, d] buffers of ours and two of LAPACKE's (row-major copies). */
    if (ct_alloc_check(sizeof(double) * (5.0 * (double)dd + 4.0 * (double)d), "FID of two sets", err) != CT_OK)
        return CT_ERR;
    /* Three [d, d] buffers, reused as their contents die:
     * ca: C_a, then sqrt(C_a); cb: C_b, then M; z: C_a's eigenvectors, then C_b sqrt(C_a). */
    double *ca = CT_ALLOC_ARRAY(double, dd), *cb = CT_ALLOC_ARRAY(double, dd), *z = CT_ALLOC_ARRAY(double, dd);
    double *values = CT_ALLOC_ARRAY(double, (size_t)d);
    ct_fid_stats_covariance(ca, a);
    ct_fid_stats_covariance(cb, b);
    const double *mean_a = ct_fid_stats_mean(a), *mean_b = ct_fid_stats_mean(b);
    double gap = 0, traces = 0;
    for (int64_t j = 0; j < d; j++) {
        gap += (mean_a[j] - mean_b[j]) * (mean_a[j] - mean_b[j]);
        traces += ca[j * d + j] + cb[j * d + j];
    }

    int rc = CT_OK;
    lapack_int info = eigen(values, z, ca, d);
    if (info != 0) {
        rc = ct_fail(err, "FID: LAPACK dsyevr failed on the first set's covariance (info %d)", (int)info);
        goto done;
    }
    /* sqrt(C_a) = (V diag(lambda^1/4)) (V diag(lambda^1/4))^T: symmetric as built. */
    for (int64_t j = 0; j < d; j++) {
        double r = sqrt(sqrt(values[j] > 0 ? values[j] : 0));
        for (int64_t i = 0; i < d; i++)
            z[i * d + j] *= r;
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)d, (int)d, 1.0, z, (int)d, 0.0, ca, (int)d);
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < i; j++)
            ca[i * d + j] = ca[j * d + i];
    /* M = sqrt(C_a) (C_b sqrt(C_a)), then (M + M^T) / 2. */
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasUpper, (int)d, (int)d, 1.0, cb, (int)d, ca, (int)d, 0.0, z,
                (int)d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, ca, (int)d, z, (int)d,
                0.0, cb, (int)d);
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = i + 1; j < d; j++)
            cb[i * d + j] = cb[j * d + i] = 0.5 * (cb[i * d + j] + cb[j * d + i]);
    info = eigen(values, NULL, cb, d);
    if (info != 0) {
        rc = ct_fail(err, "FID: LAPACK dsyevr failed on sqrt(C_a) C_b sqrt(C_a) (info %d)", (int)info);
        goto done;
    }
    double root_trace = 0;
    for (int64_t j = 0; j < d; j++)
        root_trace += sqrt(values[j] > 0 ? values[j] : 0);
    *fid = gap + traces - 2.0 * root_trace;
done:
    ct_free(values);
    ct_free(z);
    ct_free(cb);
    ct_free(ca);
    return rc;
}
