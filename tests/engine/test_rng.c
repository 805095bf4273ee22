/* ct_rng: determinism, streams, distributions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static void test_same_seed_same_numbers(void **state)
{
    (void)state;
    ct_rng a, b;
    ct_rng_seed(&a, 42, 7);
    ct_rng_seed(&b, 42, 7);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ct_rng_next(&a), ct_rng_next(&b));
}

static void test_streams_and_seeds_differ(void **state)
{
    (void)state;
    ct_rng r[4];
    ct_rng_seed(&r[0], 42, 0);
    ct_rng_seed(&r[1], 42, 1);
    ct_rng_seed(&r[2], 43, 0);
    ct_rng_seed(&r[3], 0, 0);
    uint64_t v[4];
    for (int k = 0; k < 4; k++)
        v[k] = ct_rng_next(&r[k]);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_true(v[i] != v[j]);
    /* Seed 0, stream 0 is a valid generator (not stuck at zero). */
    assert_true(ct_rng_next(&r[3]) != 0 || ct_rng_next(&r[3]) != 0);
}

static void test_uniform_range_and_moments(void **state)
{
    (void)state;
    ct_rng r;
    ct_rng_seed(&r, 1, 2);
    const int n = 200000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; i++) {
        float u = ct_rng_uniform(&r);
        assert_true(u >= 0.0f && u < 1.0f);
        sum += u;
        sum2 += (double)u * u;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    assert_true(fabs(mean - 0.5) < 0.005);
    assert_true(fabs(var - 1.0 / 12) < 0.002);
    for (int i = 0; i < 10000; i++) {
        float u = ct_rng_uniform_range(&r, -0.25f, 0.75f);
        assert_true(u >= -0.25f && u < 0.75f);
    }
}

static void test_normal_moments(void **state)
{
    (void)state;
    ct_rng r;
    ct_rng_seed(&r, 3, 4);
    const int n = 200000;
    double sum = 0, sum2 = 0, sum4 = 0;
    for (int i = 0; i < n; i++) {
        double z = ct_rng_normal(&r);
        assert_true(isfinite(z));
        sum += z;
        sum2 += z * z;
        sum4 += z * z * z * z;
    }
    assert_true(fabs(sum / n) < 0.01);
    assert_true(fabs(sum2 / n - 1.0) < 0.02);
    assert_true(fabs(sum4 / n - 3.0) < 0.1); /* kurtosis of a normal */
}

static void test_below_is_in_range_and_uniform(void **state)
{
    (void)state;
    ct_rng r;
    ct_rng_seed(&r, 5, 6);
    assert_int_equal(ct_rng_below(&r, 0), 0);
    assert_int_equal(ct_rng_below(&r, 1), 0);
    int counts[7] = {0};
    const int n = 70000;
    for (int i = 0; i < n; i++) {
        uint64_t v = ct_rng_below(&r, 7);
        assert_true(v < 7);
        counts[v]++;
    }
    for (int k = 0; k < 7; k++)
        assert_true(abs(counts[k] - n / 7) < 400); /* ~4 sigma */
    /* A bound that is not a power of two and above 2^63. */
    uint64_t big = (UINT64_C(1) << 63) + 12345;
    for (int i = 0; i < 1000; i++)
        assert_true(ct_rng_below(&r, big) < big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_numbers),
        cmocka_unit_test(test_streams_and_seeds_differ),
        cmocka_unit_test(test_uniform_range_and_moments),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_below_is_in_range_and_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
