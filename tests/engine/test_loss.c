/* Losses against naive double formulas and finite differences. */
#include <math.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/loss.h"
#include "testlib.h"

static double naive_ce(const float *x, const int32_t *labels, int64_t n, int64_t c, int64_t global_n, float *d)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double z = 0.0;
        for (int64_t j = 0; j < c; j++)
            z += exp((double)x[i * c + j]);
        sum += log(z) - x[i * c + labels[i]];
        for (int64_t j = 0; j < c; j++)
            d[i * c + j] = (float)((exp((double)x[i * c + j]) / z - (j == labels[i])) / (double)global_n);
    }
    return sum / (double)global_n;
}

static double naive_mse(const float *x, const float *t, int64_t count, double denom, float *d)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        sum += ((double)x[i] - t[i]) * ((double)x[i] - t[i]);
        d[i] = (float)(2.0 * ((double)x[i] - t[i]) / denom);
    }
    return sum / denom;
}

/* The textbook (unstable) formula, fine for moderate x. */
static double naive_bce(const float *x, const float *t, int64_t count, double denom, float *d)
{
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++) {
        double s = 1.0 / (1.0 + exp(-(double)x[i]));
        sum += -(t[i] * log(s) + (1.0 - t[i]) * log(1.0 - s));
        d[i] = (float)((s - t[i]) / denom);
    }
    return sum / denom;
}

static void test_cross_entropy(void **state)
{
    (void)state;
    ct_rng rng;
    ct_rng_seed(&rng, 11, 0);
    const int64_t sizes[][2] = {{1, 1}, {1, 10}, {5, 3}, {7, 13}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int64_t n = sizes[s][0], c = sizes[s][1];
        float *x = CT_ALLOC_ARRAY(float, n * c), *d = CT_ALLOC_ARRAY(float, n * c);
        float *dw = CT_ALLOC_ARRAY(float, n * c);
        int32_t *labels = CT_ALLOC_ARRAY(int32_t, n);
        t_fill_normal(x, (size_t)(n * c), 3.0f, &rng);
        for (int64_t i = 0; i < n; i++)
            labels[i] = (int32_t)ct_rng_below(&rng, (uint64_t)c);
        ct_target t = {.labels = labels};
        for (int64_t global_n = n; global_n <= 3 * n; global_n += 2 * n) {
            double want = naive_ce(x, labels, n, c, global_n, dw);
            double got = ct_loss_compute(CT_LOSS_CROSS_ENTROPY, x, &t, n, c, global_n, d);
            t_check_close(got, want, 1e-12, 1e-12, "cross_entropy loss", (long)s);
            t_check_array(d, dw, (size_t)(n * c), 1e-6, 1e-8, "cross_entropy dout");
            /* dout may be NULL (evaluation). */
            assert_true(ct_loss_compute(CT_LOSS_CROSS_ENTROPY, x, &t, n, c, global_n, NULL) == got);
        }
        ct_free(x);
        ct_free(d);
        ct_free(dw);
        ct_free(labels);
    }
}

static void test_cross_entropy_is_stable(void **state)
{
    (void)state;
    const float x[6] = {1000.0f, 0.0f, -1000.0f, -1000.0f, 0.0f, 1000.0f};
    const int32_t labels[2] = {0, 0};
    ct_target t = {.labels = labels};
    float d[6];
    double loss = ct_loss_compute(CT_LOSS_CROSS_ENTROPY, x, &t, 2, 3, 2, d);
    /* Sample 0 is right with certainty (0), sample 1 wrong by 2000. */
    t_check_close(loss, 1000.0, 1e-12, 0, "stable cross_entropy", 0);
    const float want[6] = {0.0f, 0.0f, 0.0f, -0.5f, 0.0f, 0.5f};
    t_check_array(d, want, 6, 0, 1e-7, "stable cross_entropy dout");
}

static void test_cross_entropy_bad_label_is_nan(void **state)
{
    (void)state;
    const float x[4] = {1, 2, 3, 4};
    const int32_t labels[2] = {1, 2}; /* 2 is out of range for 2 classes */
    ct_target t = {.labels = labels};
    float d[4];
    assert_true(isnan(ct_loss_compute(CT_LOSS_CROSS_ENTROPY, x, &t, 2, 2, 2, d)));
    assert_float_equal(d[2], 0.0f, 0);
    assert_float_equal(d[3], 0.0f, 0);
}

static void test_mse_and_bce(void **state)
{
    (void)state;
    ct_rng rng;
    ct_rng_seed(&rng, 12, 0);
    const int64_t sizes[][2] = {{1, 1}, {1, 2}, {3, 5}, {6, 7}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int64_t n = sizes[s][0], dim = sizes[s][1], count = n * dim;
        float *x = CT_ALLOC_ARRAY(float, count), *tv = CT_ALLOC_ARRAY(float, count);
        float *d = CT_ALLOC_ARRAY(float, count), *dw = CT_ALLOC_ARRAY(float, count);
        t_fill_normal(x, (size_t)count, 2.0f, &rng);
        t_fill_uniform(tv, (size_t)count, 0.0f, 1.0f, &rng);
        ct_target t = {.values = tv};
        int64_t global_n = n + 2;
        double denom = (double)global_n * (double)dim;
        double want = naive_mse(x, tv, count, denom, dw);
        double got = ct_loss_compute(CT_LOSS_MSE, x, &t, n, dim, global_n, d);
        t_check_close(got, want, 1e-12, 1e-12, "mse loss", (long)s);
        t_check_array(d, dw, (size_t)count, 1e-6, 1e-9, "mse dout");
        want = naive_bce(x, tv, count, denom, dw);
        got = ct_loss_compute(CT_LOSS_BCE_WITH_LOGITS, x, &t, n, dim, global_n, d);
        t_check_close(got, want, 1e-10, 1e-12, "bce_with_logits loss", (long)s);
        t_check_array(d, dw, (size_t)count, 1e-6, 1e-9, "bce_with_logits dout");
        ct_free(x);
        ct_free(tv);
        ct_free(d);
        ct_free(dw);
    }
}

static void test_bce_is_stable(void **state)
{
    (void)state;
    const float x[4] = {200.0f, -200.0f, 200.0f, -200.0f};
    const float tv[4] = {1.0f, 0.0f, 0.0f, 1.0f};
    ct_target t = {.values = tv};
    float d[4];
    double loss = ct_loss_compute(CT_LOSS_BCE_WITH_LOGITS, x, &t, 2, 2, 2, d);
    /* Two right with certainty (~0), two wrong by 200 each: 400 / 4. */
    t_check_close(loss, 100.0, 1e-12, 0, "stable bce", 0);
    const float want[4] = {0.0f, 0.0f, 0.25f, -0.25f};
    t_check_array(d, want, 4, 0, 1e-7, "stable bce dout");
}

/* BCE on probabilities and NLL on log-probabilities against the textbook
 * formulas, in double. */
static void test_bce_and_nll(void **state)
{
    (void)state;
    ct_rng rng;
    ct_rng_seed(&rng, 14, 0);
    enum { N = 4, DIM = 5, GLOBAL = 6 };
    float p[N * DIM], tv[N * DIM], d[N * DIM], logp[N * DIM];
    int32_t labels[N] = {4, 0, 2, 2};
    t_fill_uniform(p, N * DIM, 0.01f, 0.99f, &rng);
    t_fill_uniform(tv, N * DIM, 0.0f, 1.0f, &rng);
    ct_target t = {.labels = labels, .values = tv};
    double want = 0.0;
    for (int i = 0; i < N * DIM; i++)
        want -= (tv[i] * log((double)p[i]) + (1.0 - tv[i]) * log(1.0 - p[i])) / (GLOBAL * DIM);
    t_check_close(ct_loss_compute(CT_LOSS_BCE, p, &t, N, DIM, GLOBAL, d), want, 1e-12, 0, "bce loss", 0);
    for (int i = 0; i < N * DIM; i++)
        t_check_close(d[i], (p[i] - tv[i]) / ((double)p[i] * (1.0 - p[i])) / (GLOBAL * DIM), 1e-6, 0, "bce dout", i);

    t_fill_normal(logp, N * DIM, 2.0f, &rng);
    want = 0.0;
    for (int i = 0; i < N; i++)
        want -= logp[i * DIM + labels[i]] / (double)GLOBAL;
    t_check_close(ct_loss_compute(CT_LOSS_NLL, logp, &t, N, DIM, GLOBAL, d), want, 1e-12, 0, "nll loss", 0);
    for (int i = 0; i < N * DIM; i++)
        assert_true(d[i] == (i % DIM == labels[i / DIM] ? (float)(-1.0 / GLOBAL) : 0.0f));
}

/* PyTorch clamps each log at -100 and the gradient's denominator at 1e-12. */
static void test_bce_clamps_the_logs(void **state)
{
    (void)state;
    const float p[4] = {0.0f, 1.0f, 0.0f, 1.0f};
    const float tv[4] = {0.0f, 1.0f, 1.0f, 0.25f};
    ct_target t = {.values = tv};
    float d[4];
    double loss = ct_loss_compute(CT_LOSS_BCE, p, &t, 2, 2, 2, d);
    /* 0 + 0 + 100 + 0.75 * 100, over 4 */
    t_check_close(loss, 175.0 / 4.0, 1e-12, 0, "clamped bce", 0);
    const float want[4] = {0.0f, 0.0f, -0.25e12f, 0.1875e12f};
    t_check_array(d, want, 4, 1e-6, 0, "clamped bce dout");
    /* A value outside [0, 1] is not a probability: NaN. */
    const float bad[1] = {1.5f};
    assert_true(isnan(ct_loss_compute(CT_LOSS_BCE, bad, &t, 1, 1, 1, d)));
}

static void test_nll_bad_label_is_nan(void **state)
{
    (void)state;
    const float x[4] = {-1, -2, -3, -4};
    const int32_t labels[2] = {1, -1};
    ct_target t = {.labels = labels};
    float d[4];
    assert_true(isnan(ct_loss_compute(CT_LOSS_NLL, x, &t, 2, 2, 2, d)));
    assert_float_equal(d[1], -0.5f, 0);
    assert_float_equal(d[2], 0.0f, 0);
    assert_float_equal(d[3], 0.0f, 0);
}

/* dout is the derivative of the returned value: central differences in
 * double on the float inputs. */
static void test_dout_matches_finite_differences(void **state)
{
    (void)state;
    ct_rng rng;
    ct_rng_seed(&rng, 13, 0);
    const int64_t n = 3, dim = 4, count = n * dim;
    float x[12], tv[12], d[12], dummy[12];
    int32_t labels[3] = {0, 3, 1};
    t_fill_normal(x, count, 1.0f, &rng);
    t_fill_uniform(tv, count, 0.0f, 1.0f, &rng);
    ct_target t = {.labels = labels, .values = tv};
    float probs[12];
    t_fill_uniform(probs, count, 0.05f, 0.95f, &rng);
    const ct_loss_type types[] = {CT_LOSS_CROSS_ENTROPY, CT_LOSS_MSE, CT_LOSS_BCE_WITH_LOGITS, CT_LOSS_BCE,
                                  CT_LOSS_NLL, CT_LOSS_HUBER, CT_LOSS_L1};
    for (int k = 0; k < 7; k++) {
        if (types[k] == CT_LOSS_BCE) /* probabilities, and a step that keeps them in (0, 1) */
            memcpy(x, probs, sizeof x);
        ct_loss_compute(types[k], x, &t, n, dim, 5, d);
        for (int64_t i = 0; i < count; i++) {
            const float eps = types[k] == CT_LOSS_BCE ? 1e-3f : 1e-2f, keep = x[i];
            if (types[k] == CT_LOSS_L1 && fabsf(keep - tv[i]) <= eps)
                continue; /* a step across L1's kink at d = 0 */
            x[i] = keep + eps;
            double up = ct_loss_compute(types[k], x, &t, n, dim, 5, dummy), x_up = x[i];
            x[i] = keep - eps;
            double down = ct_loss_compute(types[k], x, &t, n, dim, 5, dummy), x_down = x[i];
            x[i] = keep;
            t_check_close(d[i], (up - down) / (x_up - x_down), 1e-3, 1e-6, ct_loss_name(types[k]), (long)i);
        }
    }
}

/* Smooth L1 (beta 1) against a hand computation: d = out - t is 0.5, 2.5,
 * -2, -0.9; terms 0.5 d^2 = 0.125, |d| - 0.5 = 2, 1.5, 0.5 d^2 = 0.405, sum
 * 4.03 over global_n 2 x dim 2 = 1.0075; dout clamp(d, -1, 1) / 4. */
static void test_huber(void **state)
{
    (void)state;
    const float out[4] = {0.5f, 3.0f, -2.0f, 0.0f}, tv[4] = {0.0f, 0.5f, 0.0f, 0.9f};
    ct_target t = {.values = tv};
    float d[4];
    double loss = ct_loss_compute(CT_LOSS_HUBER, out, &t, 2, 2, 2, d);
    t_check_close(loss, 1.0075, 1e-7, 1e-9, "huber loss", 0);
    const float want[4] = {0.125f, 0.25f, -0.25f, -0.225f};
    t_check_array(d, want, 4, 1e-6, 1e-9, "huber dout");
    /* Split over two "ranks" of one sample each: the shares add up. */
    double a = ct_loss_compute(CT_LOSS_HUBER, out, &t, 1, 2, 2, NULL);
    ct_target t2 = {.values = tv + 2};
    double b = ct_loss_compute(CT_LOSS_HUBER, out + 2, &t2, 1, 2, 2, NULL);
    t_check_close(a + b, 1.0075, 1e-7, 1e-9, "huber shares", 0);
}

/* L1 (PyTorch's L1Loss) against a hand computation: d = out - t is 0.5,
 * 2.5, -2, 0; |d| sums to 5 over global_n 2 x dim 2 = 1.25; dout sign(d) / 4,
 * 0 where d = 0 as torch gives. */
static void test_l1(void **state)
{
    (void)state;
    const float out[4] = {0.5f, 3.0f, -2.0f, 0.9f}, tv[4] = {0.0f, 0.5f, 0.0f, 0.9f};
    ct_target t = {.values = tv};
    float d[4];
    double loss = ct_loss_compute(CT_LOSS_L1, out, &t, 2, 2, 2, d);
    t_check_close(loss, 1.25, 1e-7, 1e-9, "l1 loss", 0);
    const float want[4] = {0.25f, 0.25f, -0.25f, 0.0f};
    t_check_array(d, want, 4, 0, 0, "l1 dout");
    /* Split over two "ranks" of one sample each: the shares add up. */
    double a = ct_loss_compute(CT_LOSS_L1, out, &t, 1, 2, 2, NULL);
    ct_target t2 = {.values = tv + 2};
    double b = ct_loss_compute(CT_LOSS_L1, out + 2, &t2, 1, 2, 2, NULL);
    t_check_close(a + b, 1.25, 1e-7, 1e-9, "l1 shares", 0);
}

static void test_empty_rank_and_names(void **state)
{
    (void)state;
    ct_target t = {0};
    /* A rank without samples in a short batch contributes 0 and reads nothing. */
    assert_true(ct_loss_compute(CT_LOSS_CROSS_ENTROPY, NULL, &t, 0, 10, 7, NULL) == 0.0);
    assert_true(ct_loss_compute(CT_LOSS_MSE, NULL, &t, 0, 3, 7, NULL) == 0.0);
    /* global_n = 1: the sum of the terms (chunked evaluation); 0: NaN. */
    const float x[4] = {1, 2, 3, 5}, tv[4] = {0, 0, 0, 0};
    ct_target v = {.values = tv};
    assert_true(ct_loss_compute(CT_LOSS_MSE, x, &v, 2, 2, 1, NULL) == (1 + 4 + 9 + 25) / 2.0);
    assert_true(isnan(ct_loss_compute(CT_LOSS_MSE, x, &v, 2, 2, 0, NULL)));
    assert_string_equal(ct_loss_name(CT_LOSS_CROSS_ENTROPY), "cross_entropy");
    assert_string_equal(ct_loss_name(CT_LOSS_MSE), "mse");
    assert_string_equal(ct_loss_name(CT_LOSS_BCE_WITH_LOGITS), "bce_with_logits");
    assert_string_equal(ct_loss_name(CT_LOSS_BCE), "bce");
    assert_string_equal(ct_loss_name(CT_LOSS_NLL), "nll");
    assert_string_equal(ct_loss_name(CT_LOSS_HUBER), "huber");
    assert_string_equal(ct_loss_name(CT_LOSS_L1), "l1");
    assert_true(ct_loss_compute(CT_LOSS_NLL, NULL, &t, 0, 3, 7, NULL) == 0.0);
}

static void test_count_correct(void **state)
{
    (void)state;
    const float logits[12] = {
        0.1f, 0.9f, 0.0f, /* 1 */
        2.0f, 2.0f, 1.0f, /* tie: the first maximum, 0 */
        -1.0f, -3.0f, -0.5f, /* 2 */
        5.0f, 0.0f, 0.0f, /* 0 */
    };
    const int32_t labels[4] = {1, 1, 2, 2};
    assert_int_equal(ct_count_correct(logits, labels, 4, 3), 2);
    assert_int_equal(ct_count_correct(logits, labels, 1, 3), 1);
    assert_int_equal(ct_count_correct(logits, labels, 0, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cross_entropy),
        cmocka_unit_test(test_cross_entropy_is_stable),
        cmocka_unit_test(test_cross_entropy_bad_label_is_nan),
        cmocka_unit_test(test_mse_and_bce),
        cmocka_unit_test(test_bce_is_stable),
        cmocka_unit_test(test_bce_and_nll),
        cmocka_unit_test(test_bce_clamps_the_logs),
        cmocka_unit_test(test_nll_bad_label_is_nan),
        cmocka_unit_test(test_dout_matches_finite_differences),
        cmocka_unit_test(test_huber),
        cmocka_unit_test(test_l1),
        cmocka_unit_test(test_empty_rank_and_names),
        cmocka_unit_test(test_count_correct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
