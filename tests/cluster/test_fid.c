/* The Fréchet distance's statistics and formula: running covariances
 * against a two-pass one in long double (whatever the chunks, merged or
 * not, with a large mean), FID against closed forms, and its errors.
 * (test_fid_scipy.py checks it against scipy.linalg.sqrtm.) */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/analysis/fid.h"
#include "engine/alloc.h"
#include "engine/rng.h"

static ct_fid_stats make_stats(int64_t d)
{
    ct_fid_stats s;
    ct_error err;
    if (ct_fid_stats_init(&s, d, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return s;
}

static double fid_of(const ct_fid_stats *a, const ct_fid_stats *b)
{
    double fid = NAN;
    ct_error err;
    if (ct_fid(a, b, &fid, &err) != CT_OK)
        fail_msg("%s", err.msg);
    return fid;
}

/* x[n, d] = offset + correlated normal noise: each feature mixes the
 * noise of its lower-numbered ones. */
static float *features(int64_t n, int64_t d, double offset, uint64_t seed)
{
    ct_rng rng;
    ct_rng_seed(&rng, seed, 0);
    float *x = CT_ALLOC_ARRAY(float, (size_t)(n * d));
    for (int64_t i = 0; i < n; i++) {
        double carry = 0;
        for (int64_t j = 0; j < d; j++) {
            carry = 0.6 * carry + ct_rng_normal(&rng);
            x[i * d + j] = (float)(offset + 0.1 * (double)j + carry * (1.0 + 0.2 * (double)j));
        }
    }
    return x;
}

/* The largest difference between s's mean and covariance and a two-pass
 * computation in long double on x[n, d], relative to the largest |entry|. */
static double moments_error(const ct_fid_stats *s, const float *x, int64_t n, int64_t d)
{
    long double *mean = CT_ALLOC_ARRAY(long double, (size_t)d);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            mean[j] += x[i * d + j];
    double mean_scale = 0, mean_error = 0;
    for (int64_t j = 0; j < d; j++) {
        mean[j] /= n;
        mean_scale = fmax(mean_scale, fabs((double)mean[j]));
        mean_error = fmax(mean_error, fabs((double)(ct_fid_stats_mean(s)[j] - mean[j])));
    }
    double *cov = CT_ALLOC_ARRAY(double, (size_t)(d * d));
    ct_fid_stats_covariance(cov, s);
    double cov_scale = 0, cov_error = 0;
    for (int64_t j = 0; j < d; j++)
        for (int64_t k = 0; k < d; k++) {
            long double c = 0;
            for (int64_t i = 0; i < n; i++)
                c += (x[i * d + j] - mean[j]) * (x[i * d + k] - mean[k]);
            c /= n - 1;
            cov_scale = fmax(cov_scale, fabs((double)c));
            cov_error = fmax(cov_error, fabs((double)(cov[j * d + k] - c)));
        }
    ct_free(cov);
    ct_free(mean);
    return fmax(mean_error / mean_scale, cov_error / cov_scale);
}

/* Rows added in uneven chunks, or into two statistics merged, or all at
 * once: the same moments, to rounding. */
static void test_chunks_and_merge(void **state)
{
    (void)state;
    enum { N = 700, D = 9 };
    float *x = features(N, D, 3.0, 1);
    ct_fid_stats whole = make_stats(D), chunked = make_stats(D), left = make_stats(D), right = make_stats(D);
    ct_fid_stats_add(&whole, x, N);
    const int64_t cuts[] = {0, 1, 2, 9, 300, 301, 650, N};
    for (size_t c = 0; c + 1 < sizeof cuts / sizeof cuts[0]; c++)
        ct_fid_stats_add(&chunked, x + cuts[c] * D, cuts[c + 1] - cuts[c]);
    ct_fid_stats_add(&chunked, x, 0);
    ct_fid_stats_add(&left, x, 123);
    ct_fid_stats_add(&right, x + 123 * D, 400);
    ct_fid_stats_add(&right, x + 523 * D, N - 523);
    ct_error err;
    ct_fid_stats empty = make_stats(D);
    assert_int_equal(ct_fid_stats_merge(&left, &empty, &err), CT_OK);
    assert_int_equal(ct_fid_stats_merge(&empty, &right, &err), CT_OK); /* into nothing: a copy */
    assert_int_equal(ct_fid_stats_merge(&left, &empty, &err), CT_OK);
    const ct_fid_stats *all[] = {&whole, &chunked, &left};
    for (int k = 0; k < 3; k++) {
        assert_true(ct_fid_stats_count(all[k]) == N);
        double e = moments_error(all[k], x, N, D);
        if (!(e < 1e-14))
            fail_msg("statistics %d: relative error %.3g of the moments", k, e);
        const double *m2 = ct_fid_stats_comoments(all[k]);
        for (int i = 0; i < D; i++)
            for (int j = 0; j < i; j++)
                assert_true(m2[i * D + j] == m2[j * D + i]);
    }
    ct_fid_stats_free(&empty);
    ct_fid_stats_free(&right);
    ct_fid_stats_free(&left);
    ct_fid_stats_free(&chunked);
    ct_fid_stats_free(&whole);
    ct_free(x);
}

/* Features of mean 1e4 and spread ~1.5 (float resolution 1e-3 there),
 * chunked and merged: 1e-14 seen, where raw sums of squares give 3e-7. */
static void test_large_mean(void **state)
{
    (void)state;
    enum { N = 5000, D = 4 };
    float *x = features(N, D, 1e4, 2);
    ct_fid_stats a = make_stats(D), b = make_stats(D);
    for (int64_t r = 0; r < 2000; r += 100)
        ct_fid_stats_add(&a, x + r * D, 100);
    ct_fid_stats_add(&b, x + 2000 * D, N - 2000);
    ct_error err;
    assert_int_equal(ct_fid_stats_merge(&a, &b, &err), CT_OK);
    double e = moments_error(&a, x, N, D);
    if (!(e < 1e-13))
        fail_msg("relative error %.3g of the moments of features of mean 1e4", e);
    ct_fid_stats_free(&b);
    ct_fid_stats_free(&a);
    ct_free(x);
}

/* A set against itself (and against its two halves merged): 0 to
 * rounding, relative to tr(C_a) + tr(C_b): 1e-13 when the covariance has
 * full rank (7e-16 seen), 1e-6 when it is singular (1e-8 seen), where
 * eigenvalues of M ~ 0 come out as ~1e-16 of the largest and their square
 * roots as ~1e-8. */
static void test_self(void **state)
{
    (void)state;
    const struct {
        int64_t n, d;
        double tolerance;
    } cases[] = {{1000, 16, 1e-13}, {200, 64, 1e-13}, {11, 16, 1e-6}, {2, 3, 1e-6}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t n = cases[c].n, d = cases[c].d;
        float *x = features(n, d, 1.0, 3 + c);
        ct_fid_stats a = make_stats(d), b = make_stats(d);
        ct_fid_stats_add(&a, x, n);
        ct_fid_stats_add(&b, x, n / 2);
        ct_fid_stats_add(&b, x + n / 2 * d, n - n / 2);
        double *cov = CT_ALLOC_ARRAY(double, (size_t)(d * d));
        ct_fid_stats_covariance(cov, &a);
        double traces = 0;
        for (int64_t j = 0; j < d; j++)
            traces += 2 * cov[j * d + j];
        double same = fid_of(&a, &a), split = fid_of(&a, &b);
        if (!(fabs(same) <= cases[c].tolerance * traces && fabs(split) <= cases[c].tolerance * traces))
            fail_msg("n %lld, d %lld: FID with itself %.3g and %.3g, traces %.3g", (long long)n, (long long)d, same,
                     split, traces);
        ct_free(cov);
        ct_fid_stats_free(&b);
        ct_fid_stats_free(&a);
        ct_free(x);
    }
}

/* Statistics set directly: n rows, mean, covariance cov[d, d]. */
static ct_fid_stats stats_of(int64_t d, double n, const double *mean, const double *cov)
{
    ct_fid_stats s = make_stats(d);
    s.state[0] = n;
    memcpy(ct_fid_stats_mean(&s), mean, sizeof(double) * (size_t)d);
    for (int64_t k = 0; k < d * d; k++)
        ct_fid_stats_comoments(&s)[k] = cov[k] * (n - 1);
    return s;
}

static void assert_close(double got, double want, double tolerance, const char *what)
{
    if (!(fabs(got - want) <= tolerance * fabs(want)))
        fail_msg("%s: FID %.17g, closed form %.17g (relative %.3g)", what, got, want, fabs(got - want) / fabs(want));
}

/* Gaussians whose FID has a closed form: diagonal covariances give
 * |mu_a - mu_b|^2 + sum (sqrt(a_i) - sqrt(b_i))^2; for 2 x 2 ones,
 * tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) with tr M = tr(C_a C_b) and
 * det M = det C_a det C_b, whether or not they commute. */
static void test_closed_forms(void **state)
{
    (void)state;
    const double mean_a[3] = {1, -2, 0.5}, mean_b[3] = {0, 1, 2};
    const double diag_a[9] = {4, 0, 0, 0, 0.25, 0, 0, 0, 9}, diag_b[9] = {1, 0, 0, 0, 1, 0, 0, 0, 0};
    double want = 1 + 9 + 2.25 + 1 + 0.25 + 9;
    ct_fid_stats a = stats_of(3, 10, mean_a, diag_a), b = stats_of(3, 7, mean_b, diag_b);
    assert_close(fid_of(&a, &b), want, 1e-14, "diagonal");
    assert_close(fid_of(&b, &a), want, 1e-14, "diagonal, swapped");
    ct_fid_stats_free(&b);
    ct_fid_stats_free(&a);

    const double ca[4] = {2, 0.7, 0.7, 1}, cb[4] = {0.5, -0.4, -0.4, 3};
    double tr_ab = ca[0] * cb[0] + ca[1] * cb[2] + ca[2] * cb[1] + ca[3] * cb[3];
    double det = (ca[0] * ca[3] - ca[1] * ca[2]) * (cb[0] * cb[3] - cb[1] * cb[2]);
    want = (1 + 9) + (2 + 1) + (0.5 + 3) - 2 * sqrt(tr_ab + 2 * sqrt(det));
    a = stats_of(2, 100, mean_a, ca);
    b = stats_of(2, 1000, mean_b, cb);
    assert_close(fid_of(&a, &b), want, 1e-13, "2 x 2");
    assert_close(fid_of(&b, &a), want, 1e-13, "2 x 2, swapped");
    ct_fid_stats_free(&b);
    ct_fid_stats_free(&a);
}

/* From rows: a = mu_a + L z and b = mu_b + c L z over the 2d rows z =
 * +-s e_j (mean 0, covariance I exactly), so C_a = L L^T, C_b = c^2 C_a and
 * FID = |mu_a - mu_b|^2 + (1 - c)^2 tr(L L^T). The features are floats:
 * 1e-7 relative (1e-9 seen). */
static void test_closed_form_from_rows(void **state)
{
    (void)state;
    enum { D = 12, N = 2 * D };
    const double c = 0.6;
    double s = sqrt((N - 1) / 2.0), trace = 0, gap = 0, l[D][D] = {{0}}, mu_a[D], mu_b[D];
    ct_rng rng;
    ct_rng_seed(&rng, 7, 0);
    for (int i = 0; i < D; i++) {
        for (int j = 0; j <= i; j++) {
            l[i][j] = i == j ? 1.0 + ct_rng_uniform(&rng) : ct_rng_normal(&rng) * 0.5;
            trace += l[i][j] * l[i][j];
        }
        mu_a[i] = ct_rng_normal(&rng);
        mu_b[i] = mu_a[i] + (i % 3 == 0 ? 0.5 : 0.0);
        gap += (mu_a[i] - mu_b[i]) * (mu_a[i] - mu_b[i]);
    }
    float xa[N][D], xb[N][D];
    for (int r = 0; r < N; r++) {
        int j = r / 2;
        double z = r % 2 ? -s : s;
        for (int i = 0; i < D; i++) {
            xa[r][i] = (float)(mu_a[i] + l[i][j] * z);
            xb[r][i] = (float)(mu_b[i] + c * l[i][j] * z);
        }
    }
    ct_fid_stats a = make_stats(D), b = make_stats(D);
    ct_fid_stats_add(&a, &xa[0][0], N);
    ct_fid_stats_add(&b, &xb[0][0], 5);
    ct_fid_stats_add(&b, &xb[5][0], N - 5);
    assert_close(fid_of(&a, &b), gap + (1 - c) * (1 - c) * trace, 1e-7, "c L z");
    ct_fid_stats_free(&b);
    ct_fid_stats_free(&a);
}

static void expect_error(const ct_fid_stats *a, const ct_fid_stats *b, const char *msg)
{
    double fid = 42;
    ct_error err;
    assert_int_equal(ct_fid(a, b, &fid, &err), CT_ERR);
    assert_string_equal(err.msg, msg);
    assert_true(fid == 42);
}

static void test_errors(void **state)
{
    (void)state;
    ct_fid_stats s;
    ct_error err;
    assert_int_equal(ct_fid_stats_init(&s, 0, &err), CT_ERR);
    assert_string_equal(err.msg, "FID statistics: need 1 to 46340 features per row, found 0");
    assert_null(s.state);

    const float x[6] = {1, 2, 3, 4, 5, 7};
    ct_fid_stats two = make_stats(2), three = make_stats(3), one_row = make_stats(2);
    ct_fid_stats_add(&two, x, 3);
    ct_fid_stats_add(&three, x, 2);
    ct_fid_stats_add(&one_row, x, 1);
    expect_error(&two, &three, "FID: the two sets must have the same number of features, found 2 and 3");
    assert_int_equal(ct_fid_stats_merge(&two, &three, &err), CT_ERR);
    assert_string_equal(err.msg, "FID statistics: cannot merge rows of 3 features into rows of 2");
    assert_true(ct_fid_stats_count(&two) == 3);
    expect_error(&two, &one_row, "FID: a covariance needs at least 2 rows, the second set has 1");
    ct_fid_stats empty = make_stats(2);
    expect_error(&empty, &two, "FID: a covariance needs at least 2 rows, the first set has 0");

    const float bad[4] = {1, NAN, 2, 3};
    ct_fid_stats nan = make_stats(2);
    ct_fid_stats_add(&nan, bad, 2);
    expect_error(&two, &nan, "FID: the second set's statistics are not finite (mean[1] = nan); were its features?");

    /* Finite, but M = sqrt(C_a) C_b sqrt(C_a) overflows: Inf, and NaN where
     * BLAS multiplies it by a zero, which LAPACKE refuses (its argument 6). */
    const double mean[2] = {0, 0}, huge[4] = {1e300, 0, 0, 1e300};
    ct_fid_stats big = stats_of(2, 3, mean, huge);
    expect_error(&big, &big, "FID: LAPACK dsyevr failed on sqrt(C_a) C_b sqrt(C_a) (info -6)");

    ct_fid_stats_free(&big);
    ct_fid_stats_free(&nan);
    ct_fid_stats_free(&empty);
    ct_fid_stats_free(&one_row);
    ct_fid_stats_free(&three);
    ct_fid_stats_free(&two);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_and_merge),
        cmocka_unit_test(test_large_mean),
        cmocka_unit_test(test_self),
        cmocka_unit_test(test_closed_forms),
        cmocka_unit_test(test_closed_form_from_rows),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
